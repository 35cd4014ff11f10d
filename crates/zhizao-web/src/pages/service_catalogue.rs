//! The service catalogue's pages: the catalogue (anyone; filters by sector, platform, free,
//! vouchers and words; a platform's staff see their drafts too; the city its check queue), a
//! service with its versions and the actions the reader may take (edit, submit, withdraw, a new
//! version; the city's approval or return with a reason), and the platform's service form.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zhizao_core::{Classified, Fen, FieldError};
use zhizao_identity::{Principal, policy};
use zhizao_services::{
    CatalogueFilter, Check, DeliveryMode, Offering, OfferingInput, OfferingStatus, PriceModel,
};

use super::service_platforms::sector_name;
use super::{
    FormErrors, FormFields, Layout, OrPage, PageContext, PageError, PageForm, SignedIn,
    notice_query, render,
};
use crate::AppState;
use crate::i18n::{Tr, both_with};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/services", get(catalogue))
        .route("/services/{id}", get(service_page))
        .route("/services/{id}/edit", get(edit_form).post(save_service))
        .route("/services/{id}/{action}", post(act))
        .route(
            "/platforms/{code}/services/new",
            get(new_form).post(create_service),
        )
}

/// A service as a row or a page shows it.
struct ServiceView {
    id: i64,
    number: String,
    version: i64,
    status: &'static str,
    status_label: String,
    platform_code: String,
    platform_name: String,
    title: String,
    sector: String,
    description: String,
    delivery: String,
    price: String,
    free: bool,
    lead_days: i64,
    vouchers: bool,
    check_note: String,
    notice_ends: String,
    row_version: i64,
}

fn view(o: &Offering, t: Tr, sectors: &[zhizao_services::Sector]) -> ServiceView {
    ServiceView {
        id: o.id,
        number: o.number.clone(),
        version: o.version,
        status: o.status.as_str(),
        status_label: t.text(&o.status.label()).to_owned(),
        platform_code: o.platform_code.clone(),
        platform_name: o.platform_name.clone(),
        title: o.title.clone(),
        sector: o
            .sector
            .as_ref()
            .and_then(|code| sectors.iter().find(|s| &s.code == code))
            .map(|s| sector_name(s, t))
            .unwrap_or_default(),
        description: o.description.clone(),
        delivery: t.text(&o.delivery_mode.label()).to_owned(),
        price: match (o.price_model, o.price) {
            (PriceModel::Fixed, Some(price)) => t.price_yuan(&price.to_yuan_string()),
            (model, _) => t.text(&model.label()).to_owned(),
        },
        free: o.price_model == PriceModel::Free,
        lead_days: o.lead_days,
        vouchers: o.vouchers,
        check_note: o.check_note.clone(),
        notice_ends: o
            .notice_ends_at
            .map(|at| at.to_shanghai_string())
            .unwrap_or_default(),
        row_version: o.row_version,
    }
}

/// `?sector=&platform=&free=&vouchers=&status=&q=` of the catalogue.
#[derive(Debug, Default, Deserialize)]
struct CatalogueQuery {
    #[serde(default)]
    sector: String,
    #[serde(default)]
    platform: String,
    #[serde(default)]
    free: String,
    #[serde(default)]
    vouchers: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "services/catalogue.html")]
struct CataloguePage {
    layout: Layout,
    /// (code, name, chosen)
    sectors: Vec<(String, String, bool)>,
    /// (code, name, chosen)
    platforms: Vec<(String, String, bool)>,
    free: bool,
    vouchers: bool,
    q: String,
    status: String,
    services: Vec<ServiceView>,
    /// The city: a link to its check queue.
    checks: bool,
    /// The reader's own platform, when they offer services for it.
    offers_for: Option<String>,
}

async fn catalogue(
    State(state): State<AppState>,
    context: PageContext,
    Query(query): Query<CatalogueQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let services = state.services();
    let sectors = services.sectors().await.or_page(&context)?;
    let platforms = services
        .platforms(&zhizao_services::PlatformFilter::default())
        .await
        .or_page(&context)?;
    let principal = context.principal.as_ref();
    let filter = CatalogueFilter {
        sector: Some(query.sector.trim().to_owned()).filter(|s| !s.is_empty()),
        platform: Some(query.platform.trim().to_owned()).filter(|s| !s.is_empty()),
        free: !query.free.is_empty(),
        vouchers: !query.vouchers.is_empty(),
        status: query.status.trim().parse::<OfferingStatus>().ok(),
        text: Some(query.q.trim().to_owned()).filter(|s| !s.is_empty()),
    };
    let found = services
        .offerings(principal, &filter)
        .await
        .or_page(&context)?;
    let offers_for = match principal {
        Some(p)
            if services
                .may_offer_for(p, &p.organization_code)
                .await
                .or_page(&context)? =>
        {
            Some(p.organization_code.clone())
        }
        _ => None,
    };
    let page = CataloguePage {
        layout: context.layout("services"),
        sectors: sectors
            .iter()
            .map(|s| {
                (
                    s.code.clone(),
                    sector_name(s, t),
                    s.code == query.sector.trim(),
                )
            })
            .collect(),
        platforms: platforms
            .iter()
            .map(|p| {
                (
                    p.code.clone(),
                    p.name.clone(),
                    p.code == query.platform.trim(),
                )
            })
            .collect(),
        free: filter.free,
        vouchers: filter.vouchers,
        q: query.q.trim().to_owned(),
        status: filter
            .status
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        services: found.iter().map(|o| view(o, t, &sectors)).collect(),
        checks: principal.is_some_and(policy::may_check_services),
        offers_for,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "services/service.html")]
struct ServicePage {
    layout: Layout,
    s: ServiceView,
    /// (id, version, status label, this one)
    versions: Vec<(i64, i64, String, bool)>,
    /// Actions the reader may take on this version.
    can_edit: bool,
    can_submit: bool,
    can_withdraw: bool,
    can_revise: bool,
    can_check: bool,
    /// An enterprise user: the request form.
    can_request: bool,
    errors: FormErrors,
    note: String,
    /// The need typed into a refused request form.
    need: String,
}

/// The page of service version `id` with the problems of a refused request (`need` as typed).
pub(super) async fn service_with_request_errors(
    state: &AppState,
    context: &PageContext,
    id: i64,
    errors: Vec<FieldError>,
    need: String,
) -> Result<Response, Response> {
    service_view(state, context, id, errors, String::new(), need).await
}

async fn service_view(
    state: &AppState,
    context: &PageContext,
    id: i64,
    errors: Vec<FieldError>,
    note: String,
    need: String,
) -> Result<Response, Response> {
    let t = context.t();
    let services = state.services();
    let principal = context.principal.as_ref();
    // Every version the reader may see, this one among them (404 when it is not theirs).
    let versions = services
        .offering_versions(principal, id)
        .await
        .or_page(context)?;
    let Some(offering) = versions.iter().find(|v| v.id == id).cloned() else {
        return Err(PageError::NotFound.render(context));
    };
    let sectors = services.sectors().await.or_page(context)?;
    let staff = match principal {
        Some(p) => services
            .may_offer_for(p, &offering.platform_code)
            .await
            .or_page(context)?,
        None => false,
    };
    let status = offering.status;
    let newest = versions.last().map(|v| v.id) == Some(offering.id);
    let page = ServicePage {
        layout: context.layout("services"),
        s: view(&offering, t, &sectors),
        versions: versions
            .iter()
            .map(|v| {
                (
                    v.id,
                    v.version,
                    t.text(&v.status.label()).to_owned(),
                    v.id == offering.id,
                )
            })
            .collect(),
        can_edit: staff && matches!(status, OfferingStatus::Draft | OfferingStatus::Returned),
        can_submit: staff && matches!(status, OfferingStatus::Draft | OfferingStatus::Returned),
        can_withdraw: staff && matches!(status, OfferingStatus::Published | OfferingStatus::Notice),
        can_revise: staff && status == OfferingStatus::Published && newest,
        can_check: principal.is_some_and(policy::may_check_services)
            && status == OfferingStatus::Submitted,
        can_request: principal.is_some_and(policy::may_request_services) && offering.public(),
        errors: FormErrors::from_fields(&errors, t),
        note,
        need,
    };
    let code = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((code, render(&page)).into_response())
}

async fn service_page(
    State(state): State<AppState>,
    context: PageContext,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    service_view(
        &state,
        &context,
        id,
        Vec::new(),
        String::new(),
        String::new(),
    )
    .await
}

/// submit, withdraw, revise, approve, return.
async fn act(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((id, action)): Path<(i64, String)>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let services = state.services();
    let expected = form.get("row_version").trim().parse::<i64>().unwrap_or(0);
    let note = form.get("note").trim().to_owned();
    let done = match action.as_str() {
        "submit" => services.submit_offering(&principal, id, expected).await,
        "withdraw" => services.withdraw_offering(&principal, id, expected).await,
        "revise" => services.revise_offering(&principal, id).await,
        "approve" => {
            services
                .check_offering(&principal, id, Check::Approve, &note, expected)
                .await
        }
        "return" => {
            services
                .check_offering(&principal, id, Check::Return, &note, expected)
                .await
        }
        _ => return Err(PageError::NotFound.render(&context)),
    };
    match done {
        Ok(offering) => Ok(Redirect::to(&format!(
            "/services/{}?notice={}",
            offering.id,
            notice_query(&t.service_step_done(t.text(&offering.status.label())))
        ))
        .into_response()),
        Err(error) if !error.field_errors().is_empty() => {
            service_view(
                &state,
                &context,
                id,
                error.field_errors(),
                note,
                String::new(),
            )
            .await
        }
        Err(zhizao_services::Error::StaleVersion { current }) => {
            let stale = FieldError::new("note", both_with(|t| t.setup_stale(current)));
            service_view(&state, &context, id, vec![stale], note, String::new()).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

/// The service form's values as typed.
#[derive(Debug, Default)]
struct ServiceFields {
    title: String,
    sector: String,
    description: String,
    delivery_mode: String,
    price_model: String,
    price: String,
    lead_days: String,
    vouchers: bool,
}

impl ServiceFields {
    fn of(o: &Offering) -> Self {
        ServiceFields {
            title: o.title.clone(),
            sector: o.sector.clone().unwrap_or_default(),
            description: o.description.clone(),
            delivery_mode: o.delivery_mode.as_str().to_owned(),
            price_model: o.price_model.as_str().to_owned(),
            price: o.price.map(Fen::to_yuan_string).unwrap_or_default(),
            lead_days: o.lead_days.to_string(),
            vouchers: o.vouchers,
        }
    }

    fn sent(form: &FormFields) -> Self {
        let get = |name: &str| form.get(name).trim().to_owned();
        ServiceFields {
            title: get("title"),
            sector: get("sector"),
            description: get("description"),
            delivery_mode: get("delivery_mode"),
            price_model: get("price_model"),
            price: get("price"),
            lead_days: get("lead_days"),
            vouchers: form.has("vouchers"),
        }
    }

    fn input(&self) -> Result<OfferingInput, Vec<FieldError>> {
        let mut problems = Vec::new();
        let price = if self.price.is_empty() {
            None
        } else {
            Fen::parse_yuan(&self.price).map(Some).unwrap_or_else(|_| {
                problems.push(FieldError::new(
                    "price",
                    both_with(|t| t.field_not_number(t.service_price_label(), &self.price)),
                ));
                None
            })
        };
        let lead_days = self.lead_days.parse::<i64>().unwrap_or_else(|_| {
            problems.push(FieldError::new(
                "lead_days",
                both_with(|t| t.field_not_whole(t.lead_days_label(), &self.lead_days)),
            ));
            0
        });
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(OfferingInput {
            title: self.title.clone(),
            sector: self.sector.clone(),
            description: self.description.clone(),
            delivery_mode: self.delivery_mode.clone(),
            price_model: self.price_model.clone(),
            price,
            lead_days,
            vouchers: self.vouchers,
        })
    }
}

#[derive(Template)]
#[template(path = "services/form.html")]
struct FormPage {
    layout: Layout,
    /// Where the form posts.
    action: String,
    platform_name: String,
    row_version: i64,
    v: ServiceFields,
    /// (code, name)
    sectors: Vec<(String, String)>,
    /// (value, label)
    modes: Vec<(&'static str, String)>,
    /// (value, label)
    models: Vec<(&'static str, String)>,
    errors: FormErrors,
    general_errors: Vec<String>,
}

const SERVICE_FIELDS: &[&str] = &[
    "title",
    "sector",
    "description",
    "delivery_mode",
    "price_model",
    "price",
    "lead_days",
];

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    context: &PageContext,
    action: String,
    platform_name: String,
    row_version: i64,
    v: ServiceFields,
    errors: Vec<FieldError>,
) -> Result<Response, Response> {
    let t = context.t();
    let sectors = state.services().sectors().await.or_page(context)?;
    let errors = FormErrors::from_fields(&errors, t);
    let general_errors = errors.general(SERVICE_FIELDS);
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = FormPage {
        layout: context.layout("services"),
        action,
        platform_name,
        row_version,
        v,
        sectors: sectors
            .iter()
            .map(|s| (s.code.clone(), sector_name(s, t)))
            .collect(),
        modes: DeliveryMode::ALL
            .iter()
            .map(|m| (m.as_str(), t.text(&m.label()).to_owned()))
            .collect(),
        models: PriceModel::ALL
            .iter()
            .map(|m| (m.as_str(), t.text(&m.label()).to_owned()))
            .collect(),
        errors,
        general_errors,
    };
    Ok((status, render(&page)).into_response())
}

/// The platform `code` if `principal` offers its services, else 404.
async fn own_platform(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    code: &str,
) -> Result<String, Response> {
    let services = state.services();
    let profile = services.platform(code).await.or_page(context)?;
    if !services
        .may_offer_for(principal, &profile.code)
        .await
        .or_page(context)?
    {
        return Err(PageError::NotFound.render(context));
    }
    Ok(profile.name)
}

async fn new_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, Response> {
    let name = own_platform(&state, &context, &principal, &code).await?;
    let v = ServiceFields {
        lead_days: "7".into(),
        ..ServiceFields::default()
    };
    form_page(
        &state,
        &context,
        format!("/platforms/{code}/services/new"),
        name,
        0,
        v,
        Vec::new(),
    )
    .await
}

async fn create_service(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let name = own_platform(&state, &context, &principal, &code).await?;
    let v = ServiceFields::sent(&form);
    let errors = match v.input() {
        Err(errors) => errors,
        Ok(input) => match state
            .services()
            .create_offering(&principal, &code, &input)
            .await
        {
            Ok(created) => {
                return Ok(Redirect::to(&format!(
                    "/services/{}?notice={}",
                    created.id,
                    notice_query(t.service_saved())
                ))
                .into_response());
            }
            Err(error) if !error.field_errors().is_empty() => error.field_errors(),
            Err(error) => return Err(PageError::from(error).render(&context)),
        },
    };
    form_page(
        &state,
        &context,
        format!("/platforms/{code}/services/new"),
        name,
        0,
        v,
        errors,
    )
    .await
}

async fn edit_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    let offering = state
        .services()
        .offering(Some(&principal), id)
        .await
        .or_page(&context)?;
    own_platform(&state, &context, &principal, &offering.platform_code).await?;
    form_page(
        &state,
        &context,
        format!("/services/{id}/edit"),
        offering.platform_name.clone(),
        offering.row_version,
        ServiceFields::of(&offering),
        Vec::new(),
    )
    .await
}

async fn save_service(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let services = state.services();
    let offering = services
        .offering(Some(&principal), id)
        .await
        .or_page(&context)?;
    own_platform(&state, &context, &principal, &offering.platform_code).await?;
    let expected = form.get("row_version").trim().parse::<i64>().unwrap_or(0);
    let v = ServiceFields::sent(&form);
    let errors = match v.input() {
        Err(errors) => errors,
        Ok(input) => match services
            .update_offering(&principal, id, &input, expected)
            .await
        {
            Ok(saved) => {
                return Ok(Redirect::to(&format!(
                    "/services/{}?notice={}",
                    saved.id,
                    notice_query(t.service_saved())
                ))
                .into_response());
            }
            Err(error) if !error.field_errors().is_empty() => error.field_errors(),
            Err(zhizao_services::Error::StaleVersion { current }) => vec![FieldError::new(
                "row_version",
                both_with(|t| t.setup_stale(current)),
            )],
            Err(error) => return Err(PageError::from(error).render(&context)),
        },
    };
    form_page(
        &state,
        &context,
        format!("/services/{id}/edit"),
        offering.platform_name.clone(),
        expected,
        v,
        errors,
    )
    .await
}
