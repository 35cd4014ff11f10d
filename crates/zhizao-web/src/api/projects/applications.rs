//! Applications: the list with its filters, one application with its parts, starting a draft and
//! replacing its content.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::Fen;
use zhizao_projects::workflow::Status;
use zhizao_projects::{
    Application, ApplicationDetail, ApplicationFilter, ApplicationInput, ApplicationSort,
    EvaluationRecord, ItemInput, Objection,
};

use super::attachments::AttachmentDto;
use super::{non_empty, optional_instant, parse_programme};
use crate::AppState;
use crate::api::{PageOf, Paging, etag, if_match, rfc3339};
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_applications, create_application))
        .routes(routes!(
            get_application,
            update_application,
            delete_application
        ))
}

/// An application as lists show it.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ApplicationSummaryDto {
    number: String,
    batch: String,
    programme: String,
    year: i64,
    credit_code: String,
    enterprise_name: String,
    town_code: String,
    town_name: String,
    project_name: String,
    upgrade_type: String,
    #[schema(value_type = i64)]
    total_investment_fen: Fen,
    /// See the workflow: `draft`, `returned`, `town_review`, `city_review`, `expert_review`,
    /// `public_notice`, `approved`, `rejected`, `acceptance_review`, `accepted`, `disbursed`,
    /// `withdrawn`.
    status: String,
    status_label: String,
    /// Who must act next: `enterprise`, `town`, `city`, `experts`, or none.
    waiting_on: Option<String>,
    status_changed_at: String,
    submitted_at: Option<String>,
    notice_ends_at: Option<String>,
    #[schema(value_type = Option<i64>)]
    eligible_investment_fen: Option<Fen>,
    #[schema(value_type = Option<i64>)]
    granted_fen: Option<Fen>,
    #[schema(value_type = Option<i64>)]
    disbursed_fen: Option<Fen>,
    version: i64,
}

impl From<Application> for ApplicationSummaryDto {
    fn from(a: Application) -> Self {
        ApplicationSummaryDto {
            status_label: a.status.label().zh.into_owned(),
            waiting_on: a.status.waiting_on().map(|p| {
                serde_json::to_value(p)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            }),
            number: a.number,
            batch: a.batch_code,
            programme: a.programme.as_str().to_owned(),
            year: a.year,
            credit_code: a.credit_code,
            enterprise_name: a.enterprise_name,
            town_code: a.town_code,
            town_name: a.town_name_zh,
            project_name: a.project_name,
            upgrade_type: a.upgrade_type.as_str().to_owned(),
            total_investment_fen: a.total_investment_fen,
            status: a.status.as_str().to_owned(),
            status_changed_at: rfc3339(a.status_changed_at),
            submitted_at: optional_instant(a.submitted_at),
            notice_ends_at: optional_instant(a.notice_ends_at),
            eligible_investment_fen: a.eligible_investment_fen,
            granted_fen: a.granted_fen,
            disbursed_fen: a.disbursed_fen,
            version: a.version,
        }
    }
}

/// A line item of the investment breakdown.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ItemDto {
    /// `equipment`, `software`, `installation`, `buildings` or `other`.
    category: Option<String>,
    name: Option<String>,
    #[serde(default)]
    model: Option<String>,
    quantity: Option<i64>,
    /// Fen.
    #[schema(value_type = Option<i64>)]
    unit_price_fen: Option<Fen>,
    /// Quantity × unit price (computed; ignored on input).
    #[serde(default, skip_deserializing)]
    #[schema(value_type = i64)]
    amount_fen: Fen,
    #[serde(default)]
    supplier: Option<String>,
    #[serde(default)]
    related_party: Option<bool>,
    /// Unique within the batch.
    #[serde(default)]
    invoice_number: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    invoice_date: Option<String>,
}

/// A trail entry.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct EventDto {
    at: String,
    by: String,
    /// The actor's role, or `system` for a past programme recorded from its files.
    role: &'static str,
    action: String,
    /// Empty when the application began with this step.
    from_status: &'static str,
    #[schema(value_type = String)]
    to_status: Status,
    comment: String,
}

/// A line of an evaluation's explanation.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ExplanationLineDto {
    zh: String,
    en: String,
    #[schema(value_type = Option<i64>)]
    amount_fen: Option<Fen>,
}

/// A computed amount and why.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct EvaluationDto {
    /// `code@version` of the rule set version used.
    rule_set: String,
    evaluated_at: String,
    evaluated_by: String,
    #[schema(value_type = i64)]
    eligible_investment_fen: Fen,
    #[schema(value_type = i64)]
    amount_fen: Fen,
    lines: Vec<ExplanationLineDto>,
}

impl From<EvaluationRecord> for EvaluationDto {
    fn from(e: EvaluationRecord) -> Self {
        EvaluationDto {
            rule_set: format!("{}@{}", e.rule_set_code, e.rule_set_version),
            evaluated_at: rfc3339(e.evaluated_at),
            evaluated_by: e.evaluated_by,
            eligible_investment_fen: e.eligible_investment_fen,
            amount_fen: e.amount_fen,
            lines: e
                .lines
                .into_iter()
                .map(|l| ExplanationLineDto {
                    zh: l.zh,
                    en: l.en,
                    amount_fen: l.amount_fen,
                })
                .collect(),
        }
    }
}

/// An objection raised during public notice.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ObjectionDto {
    id: i64,
    received_at: String,
    recorded_by: String,
    objector: String,
    content: String,
    resolved_at: Option<String>,
    resolved_by: Option<String>,
    resolution: Option<String>,
}

impl From<Objection> for ObjectionDto {
    fn from(o: Objection) -> Self {
        ObjectionDto {
            id: o.id,
            received_at: rfc3339(o.received_at),
            recorded_by: o.recorded_by,
            objector: o.objector,
            content: o.content,
            resolved_at: optional_instant(o.resolved_at),
            resolved_by: o.resolved_by,
            resolution: o.resolution,
        }
    }
}

/// An application with its breakdown, trail, evaluations, objections and the caller's actions.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ApplicationDto {
    #[serde(flatten)]
    summary: ApplicationSummaryDto,
    batch_title: String,
    starts_on: Option<String>,
    ends_on: Option<String>,
    description: String,
    #[schema(value_type = Option<i64>)]
    expected_output_value_fen: Option<Fen>,
    expected_efficiency_gain_percent: Option<i64>,
    expected_energy_saving_tce: Option<i64>,
    items: Vec<ItemDto>,
    events: Vec<EventDto>,
    evaluations: Vec<EvaluationDto>,
    objections: Vec<ObjectionDto>,
    attachments: Vec<AttachmentDto>,
    /// The actions the caller's role may take from the application's status.
    actions: Vec<String>,
    /// Those of `actions` that cannot be taken yet, each with the reason (in Chinese and
    /// English).
    not_yet: Vec<NotYetDto>,
}

/// A step the caller's role may take but not yet, and why.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct NotYetDto {
    action: String,
    reason_zh: String,
    reason_en: String,
}

impl From<ApplicationDetail> for ApplicationDto {
    fn from(d: ApplicationDetail) -> Self {
        let a = &d.application;
        ApplicationDto {
            batch_title: d.batch_title,
            starts_on: a.starts_on.clone(),
            ends_on: a.ends_on.clone(),
            description: a.description.clone(),
            expected_output_value_fen: a.expected_output_value_fen,
            expected_efficiency_gain_percent: a.expected_efficiency_gain_percent,
            expected_energy_saving_tce: a.expected_energy_saving_tce,
            items: d
                .items
                .into_iter()
                .map(|i| ItemDto {
                    category: Some(i.category.as_str().to_owned()),
                    name: Some(i.name),
                    model: Some(i.model),
                    quantity: Some(i.quantity),
                    unit_price_fen: Some(i.unit_price_fen),
                    amount_fen: i.amount_fen,
                    supplier: Some(i.supplier),
                    related_party: Some(i.related_party),
                    invoice_number: Some(i.invoice_number),
                    invoice_date: i.invoice_date,
                })
                .collect(),
            events: d
                .events
                .into_iter()
                .map(|e| EventDto {
                    at: rfc3339(e.occurred_at),
                    by: e.actor_username,
                    role: e.actor_role.map_or("system", |role| role.as_str()),
                    action: e.action,
                    from_status: e.from_status.map_or("", Status::as_str),
                    to_status: e.to_status,
                    comment: e.comment,
                })
                .collect(),
            evaluations: d.evaluations.into_iter().map(EvaluationDto::from).collect(),
            objections: d.objections.into_iter().map(ObjectionDto::from).collect(),
            attachments: d.attachments.into_iter().map(AttachmentDto::from).collect(),
            actions: d.actions.iter().map(|a| a.as_str().to_owned()).collect(),
            not_yet: d
                .not_yet
                .iter()
                .map(|(action, why)| NotYetDto {
                    action: action.as_str().to_owned(),
                    reason_zh: why.zh.clone().into_owned(),
                    reason_en: why.en.clone().into_owned(),
                })
                .collect(),
            summary: ApplicationSummaryDto::from(d.application),
        }
    }
}

/// An application's content; saving replaces the draft's content.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ApplicationBody {
    /// Required on creation: the batch code.
    batch: Option<String>,
    project_name: Option<String>,
    /// `smart_production_line`, `industrial_robots`, `digital_workshop`, `smart_factory`,
    /// `equipment_renewal`, `industrial_internet`, `green_upgrade`, `other`.
    upgrade_type: Option<String>,
    starts_on: Option<String>,
    ends_on: Option<String>,
    description: Option<String>,
    #[schema(value_type = Option<i64>)]
    expected_output_value_fen: Option<Fen>,
    expected_efficiency_gain_percent: Option<i64>,
    expected_energy_saving_tce: Option<i64>,
    #[serde(default)]
    items: Vec<ItemDto>,
}

impl ApplicationBody {
    fn input(self) -> ApplicationInput {
        ApplicationInput {
            batch: self.batch,
            project_name: self.project_name,
            upgrade_type: self.upgrade_type,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            description: self.description,
            expected_output_value_fen: self.expected_output_value_fen,
            expected_efficiency_gain_percent: self.expected_efficiency_gain_percent,
            expected_energy_saving_tce: self.expected_energy_saving_tce,
            items: self
                .items
                .into_iter()
                .map(|i| ItemInput {
                    category: i.category,
                    name: i.name,
                    model: i.model,
                    quantity: i.quantity,
                    unit_price_fen: i.unit_price_fen,
                    supplier: i.supplier,
                    related_party: i.related_party,
                    invoice_number: i.invoice_number,
                    invoice_date: i.invoice_date,
                })
                .collect(),
        }
    }
}

/// Filters of the application list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct ApplicationQuery {
    /// Batch code.
    batch: Option<String>,
    /// Status.
    status: Option<String>,
    /// Programme year.
    year: Option<i64>,
    /// Programme.
    programme: Option<String>,
    /// Town code (towns merged into it included).
    town: Option<String>,
    /// The applicant's unified social credit code.
    enterprise: Option<String>,
    /// Part of the project name, the enterprise name or the number.
    q: Option<String>,
    /// Only applications still moving (not rejected, withdrawn, paid, or approved into the
    /// library by a batch that grants no money).
    open: Option<bool>,
    /// `waiting` (oldest waiting first, default), `-changed`, `number`, `-investment`.
    sort: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

/// Applications the caller may see (an enterprise its own, a town its enterprises', the city
/// all; drafts only their enterprise).
#[utoipa::path(get, path = "/api/v1/project-applications", tag = "projects", params(ApplicationQuery),
    responses((status = 200, body = PageOf<ApplicationSummaryDto>), (status = 400, body = crate::problem::Problem)))]

pub(super) async fn list_applications(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<ApplicationQuery>,
) -> Result<Json<PageOf<ApplicationSummaryDto>>, ApiError> {
    let status = non_empty(&query.status)
        .map(|s| {
            s.parse()
                .map_err(|e: zhizao_projects::workflow::UnknownValue| {
                    ApiError::malformed(e.to_string())
                })
        })
        .transpose()?;
    let sort = match non_empty(&query.sort) {
        None => ApplicationSort::default(),
        Some(sort) => ApplicationSort::parse(sort).ok_or_else(|| {
            ApiError::malformed(format!(
                "sort must be waiting, -changed, number or -investment, not {sort:?}"
            ))
        })?,
    };
    let filter = ApplicationFilter {
        batch: non_empty(&query.batch).map(str::to_owned),
        status,
        year: query.year,
        programme: parse_programme(&query.programme)?,
        town: non_empty(&query.town).map(str::to_owned),
        enterprise: non_empty(&query.enterprise).map(str::to_owned),
        search: non_empty(&query.q).map(str::to_owned),
        open_only: query.open.unwrap_or(false),
        sort,
    };
    let paging = Paging {
        page: query.page,
        page_size: query.page_size,
    };
    let page = state
        .projects()
        .list_applications(&principal, &filter, paging.request())
        .await?;
    Ok(Json(PageOf::from_page(page, ApplicationSummaryDto::from)))
}

/// Starts a draft application in an open batch (the enterprise's own users).
#[utoipa::path(post, path = "/api/v1/project-applications", tag = "projects", request_body = ApplicationBody,
    responses((status = 201, body = ApplicationDto), (status = 403, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem, description = "The enterprise already applied for this project in this batch, or the batch is not accepting applications"), (status = 422, body = crate::problem::Problem)))]

pub(super) async fn create_application(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<ApplicationBody>,
) -> Result<impl IntoResponse, ApiError> {
    let detail = state
        .projects()
        .create_application(&principal, &body.input())
        .await?;
    let location = HeaderValue::from_str(&format!(
        "/api/v1/project-applications/{}",
        detail.application.number
    ))
    .unwrap_or(HeaderValue::from_static("/api/v1/project-applications"));
    Ok((
        StatusCode::CREATED,
        etag(detail.application.version),
        [(header::LOCATION, location)],
        Json(ApplicationDto::from(detail)),
    ))
}

/// One application.
#[utoipa::path(get, path = "/api/v1/project-applications/{number}", tag = "projects", params(("number" = String, Path)),
    responses((status = 200, body = ApplicationDto), (status = 404, body = crate::problem::Problem)))]

pub(super) async fn get_application(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let detail = state.projects().application(&principal, &number).await?;
    Ok((
        etag(detail.application.version),
        Json(ApplicationDto::from(detail)),
    ))
}

/// Deletes a draft that was never submitted, with its items and files (its enterprise);
/// `If-Match` required. A submitted application is withdrawn instead.
#[utoipa::path(delete, path = "/api/v1/project-applications/{number}", tag = "projects", params(("number" = String, Path)),
    responses((status = 204), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 428, body = crate::problem::Problem)))]

pub(super) async fn delete_application(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let Some(version) = if_match(&headers)? else {
        // Outside the caller's scope the application does not exist, whatever the headers.
        state.projects().application(&principal, &number).await?;
        return Err(ApiError::precondition_required(
            "send If-Match with the version you read, so that another person's change is not lost",
        ));
    };
    state
        .projects()
        .delete_draft(&principal, &number, version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces a draft's or returned application's content (its enterprise); `If-Match` required.
#[utoipa::path(put, path = "/api/v1/project-applications/{number}", tag = "projects", params(("number" = String, Path)), request_body = ApplicationBody,
    responses((status = 200, body = ApplicationDto), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem), (status = 428, body = crate::problem::Problem)))]

pub(super) async fn update_application(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ApplicationBody>,
) -> Result<impl IntoResponse, ApiError> {
    let Some(version) = if_match(&headers)? else {
        // Outside the caller's scope the application does not exist, whatever the headers.
        state.projects().application(&principal, &number).await?;
        return Err(ApiError::precondition_required(
            "send If-Match with the version you read, so that another person's change is not overwritten",
        ));
    };
    let detail = state
        .projects()
        .update_application(&principal, &number, &body.input(), version)
        .await?;
    Ok((
        etag(detail.application.version),
        Json(ApplicationDto::from(detail)),
    ))
}
