//! Registry pages: the searchable list, an enterprise with its history, registration and edit
//! forms, import with its report, and exports.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zhizao_core::{Classified, Fen, FieldError, Language, PageRequest};
use zhizao_identity::Principal;
use zhizao_identity::policy::{self, EnterpriseEditRights};
use zhizao_registry::{
    Enterprise, EnterpriseFilter, EnterpriseInput, EnterpriseSort, ExportFormat, ImportMode,
    ImportOptions, ImportReport, RecognitionInput, RecognitionKind, RecognitionLevel, SizeFilter,
};

use super::home::grouped;
use super::{
    AuditRow, FormErrors, Layout, OrPage, PageContext, PageError, PageForm, Pager, SignedIn,
    query_without_paging, render,
};
use crate::AppState;
use crate::i18n::{Tr, both};
use crate::pages::{FormFields, PageUpload};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/enterprises", get(list))
        .route("/enterprises/new", get(new_form).post(create))
        .route(
            "/enterprises/import",
            get(import_form).post(import).layer(DefaultBodyLimit::max(
                zhizao_registry::MAX_IMPORT_BYTES + 256 * 1024,
            )),
        )
        .route("/enterprises/import/template.xlsx", get(template))
        .route("/enterprises/export.xlsx", get(export_xlsx))
        .route("/enterprises/export.csv", get(export_csv))
        .route("/enterprises/{code}", get(detail))
        .route("/enterprises/{code}/edit", get(edit_form).post(update))
        .route("/enterprises/{code}/delete", post(delete))
}

/// The list's filters, as the query string carries them.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    size: String,
    #[serde(default)]
    recognition_kind: String,
    #[serde(default)]
    recognition_level: String,
    #[serde(default)]
    sort: String,
    page: Option<u32>,
}

impl ListQuery {
    /// The filter; unknown values are ignored rather than refused (links are hand-edited).
    fn filter(&self) -> EnterpriseFilter {
        let non_empty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        EnterpriseFilter {
            search: non_empty(&self.q),
            town: non_empty(&self.town),
            industry: non_empty(&self.industry),
            size: match self.size.as_str() {
                "above" => Some(SizeFilter::AboveDesignated),
                "below" => Some(SizeFilter::BelowDesignated),
                _ => None,
            },
            recognition_kind: self.recognition_kind.parse().ok(),
            recognition_level: self.recognition_level.parse().ok(),
            sort: EnterpriseSort::parse(&self.sort).unwrap_or_default(),
        }
    }
}

struct Row {
    credit_code: String,
    name: String,
    town: String,
    industry_code: String,
    industry_name: String,
    above: bool,
    employees: String,
    revenue: String,
    badges: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "enterprises/list.html")]
struct ListPage {
    layout: Layout,
    query: ListQuery,
    export_query: String,
    towns: Vec<(String, String)>,
    industries: Vec<(String, String)>,
    kinds: Vec<(&'static str, String)>,
    levels: Vec<(&'static str, String)>,
    sorts: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    total: i64,
    pager: Pager,
    can_register: bool,
    can_import: bool,
}

fn badges(enterprise: &Enterprise, t: Tr) -> Vec<(&'static str, String)> {
    enterprise
        .recognitions
        .iter()
        .map(|r| {
            let kind = r.kind;
            let level = r.level;
            let class = match level {
                RecognitionLevel::National => "national",
                RecognitionLevel::Provincial => "provincial",
                RecognitionLevel::City => "",
            };
            let separator = if t.is_zh() { "" } else { " " };
            (
                class,
                format!(
                    "{}{separator}{} {}",
                    t.text(&level.label()),
                    t.text(&kind.label()),
                    r.year
                ),
            )
        })
        .collect()
}

fn money(fen: Option<Fen>) -> String {
    fen.map(Fen::to_yuan_string).unwrap_or_default()
}

async fn town_options(
    state: &AppState,
    t: Tr,
    include_retired: bool,
) -> Result<Vec<(String, String)>, zhizao_registry::Error> {
    Ok(state
        .registry()
        .towns()
        .await?
        .into_iter()
        .filter(|town| include_retired || town.is_current())
        .map(|town| {
            let name = t.pick(&town.name_zh, &town.name_en).to_owned();
            let label = if town.is_current() {
                name
            } else {
                format!("{name}（{}）", t.retired_town())
            };
            (town.code, label)
        })
        .collect())
}

fn kind_options(t: Tr) -> Vec<(&'static str, String)> {
    RecognitionKind::ALL
        .iter()
        .map(|k| (k.as_str(), t.text(&k.label()).to_owned()))
        .collect()
}

fn level_options(t: Tr) -> Vec<(&'static str, String)> {
    RecognitionLevel::ALL
        .iter()
        .map(|l| (l.as_str(), t.text(&l.label()).to_owned()))
        .collect()
}

async fn list(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let page_request = PageRequest::new(query.page.unwrap_or(1), 50);
    let page = state
        .registry()
        .list_enterprises(&principal, &query.filter(), page_request)
        .await
        .or_page(&context)?;
    let towns = town_options(&state, t, true).await.or_page(&context)?;
    let mut industries = Vec::new();
    for division in state
        .registry()
        .industries(Some("division"), None)
        .await
        .or_page(&context)?
    {
        let name = t
            .pick(&division.name_zh, division.name_en.as_deref().unwrap_or(""))
            .to_owned();
        industries.push((division.code.clone(), format!("{} {name}", division.code)));
        for group in state
            .registry()
            .industries(Some("group"), Some(&division.code))
            .await
            .or_page(&context)?
        {
            industries.push((
                group.code.clone(),
                format!("\u{a0}\u{a0}{} {}", group.code, group.name_zh),
            ));
        }
    }
    let rows = page
        .items
        .iter()
        .map(|e| Row {
            credit_code: e.credit_code.clone(),
            name: e.name.clone(),
            town: t.pick(&e.town_name_zh, &e.town_name_en).to_owned(),
            industry_code: e.industry_code.clone(),
            industry_name: e.industry_name_zh.clone(),
            above: e.above_designated_size,
            employees: e.employees.map(grouped).unwrap_or_default(),
            revenue: money(e.annual_revenue_fen),
            badges: badges(e, t),
        })
        .collect();
    let pager = Pager::new(&context.uri, &page);
    let list = ListPage {
        layout: context.layout("enterprises"),
        export_query: query_without_paging(&context.uri),
        towns,
        industries,
        kinds: kind_options(t),
        levels: level_options(t),
        sorts: vec![
            ("name", t.sort_name()),
            ("credit_code", t.sort_code()),
            ("-revenue", t.sort_revenue()),
            ("-employees", t.sort_employees()),
            ("-updated", t.sort_updated()),
        ],
        rows,
        total: page.total,
        pager,
        can_register: policy::may_register_enterprises(&principal),
        can_import: policy::may_import_enterprises(&principal),
        query,
    };
    Ok(render(&list))
}

#[derive(Template)]
#[template(path = "enterprises/detail.html")]
struct DetailPage {
    layout: Layout,
    e: Enterprise,
    town: String,
    employees: String,
    revenue: String,
    established_on: String,
    badges: Vec<(&'static str, String)>,
    can_edit: bool,
    can_delete: bool,
    history: Vec<AuditRow>,
    pager: Pager,
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<u32>,
}

async fn detail(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let enterprise = state
        .registry()
        .enterprise(&principal, &code)
        .await
        .or_page(&context)?;
    let history = state
        .registry()
        .enterprise_history(
            &principal,
            &code,
            PageRequest::new(query.page.unwrap_or(1), 20),
        )
        .await
        .or_page(&context)?;
    let rights = policy::enterprise_edit_rights(&principal);
    let rows = history
        .items
        .iter()
        .map(|entry| AuditRow::new(entry, t))
        .collect();
    let pager = Pager::new(&context.uri, &history);
    let page = DetailPage {
        layout: context.layout("enterprises"),
        town: t
            .pick(&enterprise.town_name_zh, &enterprise.town_name_en)
            .to_owned(),
        employees: enterprise
            .employees
            .map(grouped)
            .unwrap_or_else(|| "—".to_owned()),
        revenue: enterprise
            .annual_revenue_fen
            .map(|f| f.to_yuan_string())
            .unwrap_or_else(|| "—".to_owned()),
        established_on: enterprise
            .established_on
            .clone()
            .unwrap_or_else(|| "—".to_owned()),
        badges: badges(&enterprise, t),
        can_edit: rights.any(),
        can_delete: policy::may_delete_enterprises(&principal),
        history: rows,
        pager,
        e: enterprise,
    };
    Ok(render(&page))
}

/// One input of the enterprise form.
struct FormField {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    value: String,
    options: Vec<(String, String)>,
    editable: bool,
    required: bool,
    hint: String,
}

/// A recognition row of the form.
#[derive(Debug, Clone, Default)]
struct RecognitionRow {
    kind: String,
    level: String,
    year: String,
    title: String,
}

/// The form's values as strings, from an enterprise or from a submission.
#[derive(Debug, Clone, Default)]
struct FormValues {
    credit_code: String,
    name: String,
    legal_representative: String,
    town_code: String,
    industry_code: String,
    above_designated_size: String,
    employees: String,
    annual_revenue_yuan: String,
    address: String,
    contact_name: String,
    contact_phone: String,
    contact_email: String,
    established_on: String,
    recognitions: Vec<RecognitionRow>,
    version: String,
}

/// Blank recognition rows offered for new awards.
const BLANK_RECOGNITION_ROWS: usize = 3;

impl FormValues {
    fn from_enterprise(e: &Enterprise) -> Self {
        let mut recognitions: Vec<RecognitionRow> = e
            .recognitions
            .iter()
            .map(|r| RecognitionRow {
                kind: r.kind.as_str().to_owned(),
                level: r.level.as_str().to_owned(),
                year: r.year.to_string(),
                title: r.title.clone(),
            })
            .collect();
        recognitions.extend(std::iter::repeat_n(
            RecognitionRow::default(),
            BLANK_RECOGNITION_ROWS,
        ));
        FormValues {
            credit_code: e.credit_code.clone(),
            name: e.name.clone(),
            legal_representative: e.legal_representative.clone(),
            town_code: e.town_code.clone(),
            industry_code: e.industry_code.clone(),
            above_designated_size: if e.above_designated_size {
                "true"
            } else {
                "false"
            }
            .to_owned(),
            employees: e.employees.map(|n| n.to_string()).unwrap_or_default(),
            annual_revenue_yuan: e
                .annual_revenue_fen
                .map(|f| f.to_plain_yuan_string())
                .unwrap_or_default(),
            address: e.address.clone(),
            contact_name: e.contact_name.clone(),
            contact_phone: e.contact_phone.clone(),
            contact_email: e.contact_email.clone(),
            established_on: e.established_on.clone().unwrap_or_default(),
            recognitions,
            version: e.version.to_string(),
        }
    }

    fn blank() -> Self {
        FormValues {
            recognitions: vec![RecognitionRow::default(); BLANK_RECOGNITION_ROWS],
            ..FormValues::default()
        }
    }

    fn from_form(fields: &FormFields) -> Self {
        let get = |key: &str| fields.find(key).map(str::to_owned);
        let mut values = FormValues::blank();
        let mut rows = Vec::new();
        for index in 0..50 {
            let field = |name: &str| get(&format!("r{index}_{name}"));
            match (field("kind"), field("level"), field("year"), field("title")) {
                (None, None, None, None) => break,
                (kind, level, year, title) => rows.push(RecognitionRow {
                    kind: kind.unwrap_or_default(),
                    level: level.unwrap_or_default(),
                    year: year.unwrap_or_default(),
                    title: title.unwrap_or_default(),
                }),
            }
        }
        values.recognitions = rows;
        values.credit_code = get("credit_code").unwrap_or_default();
        values.name = get("name").unwrap_or_default();
        values.legal_representative = get("legal_representative").unwrap_or_default();
        values.town_code = get("town_code").unwrap_or_default();
        values.industry_code = get("industry_code").unwrap_or_default();
        values.above_designated_size = get("above_designated_size").unwrap_or_default();
        values.employees = get("employees").unwrap_or_default();
        values.annual_revenue_yuan = get("annual_revenue_yuan").unwrap_or_default();
        values.address = get("address").unwrap_or_default();
        values.contact_name = get("contact_name").unwrap_or_default();
        values.contact_phone = get("contact_phone").unwrap_or_default();
        values.contact_email = get("contact_email").unwrap_or_default();
        values.established_on = get("established_on").unwrap_or_default();
        values.version = get("version").unwrap_or_default();
        values
    }

    /// The submission as registry input: fields the form did not send (disabled inputs) stay
    /// unchanged; problems with numbers are reported like the registry's own.
    fn to_input(
        &self,
        fields: &FormFields,
        with_recognitions: bool,
    ) -> Result<EnterpriseInput, Vec<FieldError>> {
        let sent = |key: &str| fields.has(key);
        let text = |key: &str, value: &str| sent(key).then(|| value.to_owned());
        let mut errors = Vec::new();
        let employees = if sent("employees") {
            match self.employees.trim() {
                "" => Some(None),
                value => match value.replace([',', '，'], "").parse::<i64>() {
                    Ok(n) => Some(Some(n)),
                    Err(_) => {
                        errors.push(FieldError::new(
                            "employees",
                            both(Tr::whole_number_required),
                        ));
                        None
                    }
                },
            }
        } else {
            None
        };
        let revenue = if sent("annual_revenue_yuan") {
            match self.annual_revenue_yuan.trim() {
                "" => Some(None),
                value => match Fen::parse_yuan(value) {
                    Ok(fen) => Some(Some(fen)),
                    Err(error) => {
                        errors.push(FieldError::new("annual_revenue_fen", error.text()));
                        None
                    }
                },
            }
        } else {
            None
        };
        let recognitions = if with_recognitions {
            let mut list = Vec::new();
            for (index, row) in self.recognitions.iter().enumerate() {
                if row.kind.is_empty()
                    && row.level.is_empty()
                    && row.year.trim().is_empty()
                    && row.title.trim().is_empty()
                {
                    continue;
                }
                match row.year.trim().parse::<i64>() {
                    Ok(year) => list.push(RecognitionInput {
                        kind: row.kind.clone(),
                        level: row.level.clone(),
                        year,
                        title: row.title.clone(),
                    }),
                    Err(_) => errors.push(FieldError::new(
                        format!("recognitions[{index}].year"),
                        both(Tr::year_required),
                    )),
                }
            }
            Some(list)
        } else {
            None
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(EnterpriseInput {
            credit_code: text("credit_code", &self.credit_code),
            name: text("name", &self.name),
            legal_representative: text("legal_representative", &self.legal_representative),
            town: text("town_code", &self.town_code)
                .filter(|t| !t.is_empty())
                .or_else(|| sent("town_code").then(String::new)),
            industry_code: text("industry_code", &self.industry_code),
            above_designated_size: if sent("above_designated_size") {
                match self.above_designated_size.as_str() {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                }
            } else {
                None
            },
            employees,
            annual_revenue_fen: revenue,
            address: text("address", &self.address),
            contact_name: text("contact_name", &self.contact_name),
            contact_phone: text("contact_phone", &self.contact_phone),
            contact_email: text("contact_email", &self.contact_email),
            established_on: sent("established_on")
                .then(|| Some(self.established_on.clone()).filter(|d| !d.trim().is_empty())),
            recognitions,
        })
    }
}

#[derive(Template)]
#[template(path = "enterprises/form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    fields: Vec<FormField>,
    v: FormValues,
    errors: FormErrors,
    general_errors: Vec<String>,
    recognitions_editable: bool,
    kinds: Vec<(&'static str, String)>,
    levels: Vec<(&'static str, String)>,
}

const SHOWN_FIELDS: &[&str] = &[
    "credit_code",
    "name",
    "legal_representative",
    "town_code",
    "industry_code",
    "above_designated_size",
    "employees",
    "annual_revenue_fen",
    "established_on",
    "address",
    "contact_name",
    "contact_phone",
    "contact_email",
    "recognitions",
];

async fn form_page(
    state: &AppState,
    context: &PageContext,
    creating: bool,
    values: FormValues,
    rights: EnterpriseEditRights,
    errors: FormErrors,
) -> Result<Response, Response> {
    let t = context.t();
    let towns = town_options(state, t, false).await.or_page(context)?;
    let classes: Vec<(String, String)> = state
        .registry()
        .industries(Some("class"), None)
        .await
        .or_page(context)?
        .into_iter()
        .map(|class| {
            (
                class.code.clone(),
                format!("{} {}", class.code, class.name_zh),
            )
        })
        .collect();
    let yes_no = vec![
        ("true".to_owned(), t.above_designated().to_owned()),
        ("false".to_owned(), t.below_designated().to_owned()),
    ];
    let field = |name: &'static str,
                 label: &'static str,
                 kind: &'static str,
                 value: &str,
                 editable: bool,
                 required: bool| FormField {
        name,
        label,
        kind,
        value: value.to_owned(),
        options: Vec::new(),
        editable,
        required,
        hint: String::new(),
    };
    let identity = creating || rights.identity;
    let mut fields = vec![
        field(
            "credit_code",
            t.credit_code(),
            "text",
            &values.credit_code,
            creating,
            true,
        ),
        field(
            "name",
            t.enterprise_name(),
            "text",
            &values.name,
            identity,
            true,
        ),
        field(
            "legal_representative",
            t.legal_representative(),
            "text",
            &values.legal_representative,
            identity,
            true,
        ),
        FormField {
            options: towns,
            ..field(
                "town_code",
                t.town(),
                "select",
                &values.town_code,
                identity,
                true,
            )
        },
        FormField {
            options: classes,
            ..field(
                "industry_code",
                t.industry_code(),
                "select",
                &values.industry_code,
                identity,
                true,
            )
        },
        FormField {
            options: yes_no,
            ..field(
                "above_designated_size",
                t.size(),
                "select",
                &values.above_designated_size,
                creating || rights.size_flag,
                true,
            )
        },
        field(
            "employees",
            t.employees(),
            "number",
            &values.employees,
            creating || rights.figures,
            false,
        ),
        field(
            "annual_revenue_yuan",
            t.annual_revenue(),
            "text",
            &values.annual_revenue_yuan,
            creating || rights.figures,
            false,
        ),
        field(
            "established_on",
            t.established_on(),
            "date",
            &values.established_on,
            identity,
            false,
        ),
        field(
            "address",
            t.address(),
            "text",
            &values.address,
            creating || rights.contacts,
            false,
        ),
        field(
            "contact_name",
            t.contact_name(),
            "text",
            &values.contact_name,
            creating || rights.contacts,
            false,
        ),
        field(
            "contact_phone",
            t.contact_phone(),
            "text",
            &values.contact_phone,
            creating || rights.contacts,
            false,
        ),
        field(
            "contact_email",
            t.contact_email(),
            "email",
            &values.contact_email,
            creating || rights.contacts,
            false,
        ),
    ];
    // The revenue input is in yuan; the registry reports its errors on the fen field.
    let mut errors = errors;
    for (field_name, _) in errors.0.iter_mut() {
        if field_name == "annual_revenue_fen" {
            *field_name = "annual_revenue_yuan".to_owned();
        }
    }
    for f in &mut fields {
        if f.name == "credit_code" && creating {
            f.hint = "GB 32100-2015".to_owned();
        }
    }
    let general_errors = errors.general(&[SHOWN_FIELDS, &["annual_revenue_yuan"]].concat());
    let (heading, action, cancel) = if creating {
        (
            t.new_enterprise().to_owned(),
            "/enterprises/new".to_owned(),
            "/enterprises".to_owned(),
        )
    } else {
        (
            format!("{} · {}", t.edit(), values.name),
            format!("/enterprises/{}/edit", values.credit_code),
            format!("/enterprises/{}", values.credit_code),
        )
    };
    let page = FormPage {
        layout: context.layout("enterprises"),
        heading,
        action,
        cancel,
        fields,
        recognitions_editable: rights.recognitions,
        kinds: kind_options(t),
        levels: level_options(t),
        general_errors,
        errors,
        v: values,
    };
    let status = if page.errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)).into_response())
}

async fn new_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    if !policy::may_register_enterprises(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    let rights = policy::enterprise_edit_rights(&principal);
    form_page(
        &state,
        &context,
        true,
        FormValues::blank(),
        rights,
        FormErrors::default(),
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let rights = policy::enterprise_edit_rights(&principal);
    let values = FormValues::from_form(&fields);
    let input = match values.to_input(&fields, rights.recognitions) {
        Ok(input) => input,
        Err(errors) => {
            return form_page(
                &state,
                &context,
                true,
                values,
                rights,
                FormErrors::from_fields(&errors, context.t()),
            )
            .await;
        }
    };
    match state.registry().create_enterprise(&principal, &input).await {
        Ok(enterprise) => Ok(Redirect::to(&format!(
            "/enterprises/{}?notice=saved",
            enterprise.credit_code
        ))
        .into_response()),
        Err(error) => {
            let field_errors = registry_field_errors(&error);
            if field_errors.is_empty() {
                return Err(PageError::from(error).render(&context));
            }
            form_page(
                &state,
                &context,
                true,
                values,
                rights,
                FormErrors::from_fields(&field_errors, context.t()),
            )
            .await
        }
    }
}

/// A registry error as form errors, if it is about the input.
fn registry_field_errors(error: &zhizao_registry::Error) -> Vec<FieldError> {
    match error {
        zhizao_registry::Error::StaleVersion { .. } => {
            vec![FieldError::new("version", both(Tr::stale_record))]
        }
        other => other.field_errors().to_vec(),
    }
}

async fn edit_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, Response> {
    let enterprise = state
        .registry()
        .enterprise(&principal, &code)
        .await
        .or_page(&context)?;
    let rights = policy::enterprise_edit_rights(&principal);
    if !rights.any() {
        return Err(PageError::Forbidden.render(&context));
    }
    form_page(
        &state,
        &context,
        false,
        FormValues::from_enterprise(&enterprise),
        rights,
        FormErrors::default(),
    )
    .await
}

async fn update(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let current = state
        .registry()
        .enterprise(&principal, &code)
        .await
        .or_page(&context)?;
    let rights = policy::enterprise_edit_rights(&principal);
    let mut values = FormValues::from_form(&fields);
    values.credit_code = current.credit_code.clone();
    if values.name.is_empty() {
        values.name = current.name.clone();
    }
    let version = values.version.parse::<i64>().ok();
    let input = match values.to_input(&fields, rights.recognitions) {
        Ok(input) => input,
        Err(errors) => {
            return form_page(
                &state,
                &context,
                false,
                values,
                rights,
                FormErrors::from_fields(&errors, context.t()),
            )
            .await;
        }
    };
    match state
        .registry()
        .update_enterprise(&principal, &code, &input, version)
        .await
    {
        Ok(enterprise) => Ok(Redirect::to(&format!(
            "/enterprises/{}?notice=saved",
            enterprise.credit_code
        ))
        .into_response()),
        Err(error) => {
            let field_errors = registry_field_errors(&error);
            if field_errors.is_empty() {
                return Err(PageError::from(error).render(&context));
            }
            // Fill fields the form did not send (disabled for this role) from the record.
            let mut shown = FormValues::from_enterprise(&current);
            let submitted = values;
            shown.version = submitted.version.clone();
            for (key, _) in fields.iter() {
                match key {
                    "name" => shown.name = submitted.name.clone(),
                    "legal_representative" => {
                        shown.legal_representative = submitted.legal_representative.clone()
                    }
                    "town_code" => shown.town_code = submitted.town_code.clone(),
                    "industry_code" => shown.industry_code = submitted.industry_code.clone(),
                    "above_designated_size" => {
                        shown.above_designated_size = submitted.above_designated_size.clone()
                    }
                    "employees" => shown.employees = submitted.employees.clone(),
                    "annual_revenue_yuan" => {
                        shown.annual_revenue_yuan = submitted.annual_revenue_yuan.clone()
                    }
                    "address" => shown.address = submitted.address.clone(),
                    "contact_name" => shown.contact_name = submitted.contact_name.clone(),
                    "contact_phone" => shown.contact_phone = submitted.contact_phone.clone(),
                    "contact_email" => shown.contact_email = submitted.contact_email.clone(),
                    "established_on" => shown.established_on = submitted.established_on.clone(),
                    _ => {}
                }
            }
            if rights.recognitions {
                shown.recognitions = submitted.recognitions.clone();
            }
            form_page(
                &state,
                &context,
                false,
                shown,
                rights,
                FormErrors::from_fields(&field_errors, context.t()),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct DeleteForm {
    version: Option<i64>,
}

async fn delete(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageForm(form): PageForm<DeleteForm>,
) -> Result<Response, Response> {
    state
        .registry()
        .delete_enterprise(&principal, &code, form.version)
        .await
        .or_page(&context)?;
    Ok(Redirect::to("/enterprises?notice=saved").into_response())
}

#[derive(Template)]
#[template(path = "enterprises/import.html")]
struct ImportPage {
    layout: Layout,
    error: String,
}

async fn import_form(SignedIn(context, principal): SignedIn) -> Result<Response, Response> {
    if !policy::may_import_enterprises(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    Ok(render(&ImportPage {
        layout: context.layout("enterprises"),
        error: String::new(),
    }))
}

#[derive(Template)]
#[template(path = "enterprises/report.html")]
struct ReportPage {
    layout: Layout,
    report: ImportReport,
    errors: Vec<(String, String, String)>,
}

async fn import(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageUpload(upload): PageUpload,
) -> Result<Response, Response> {
    let t = context.t();
    let upload = match upload {
        Ok(upload) => upload,
        Err(error) => {
            let page = render(&ImportPage {
                layout: context.layout("enterprises"),
                error: if error.status == StatusCode::PAYLOAD_TOO_LARGE {
                    t.file_too_large(zhizao_registry::MAX_IMPORT_BYTES / 1024 / 1024)
                } else {
                    error.reason
                },
            });
            return Ok((error.status, page).into_response());
        }
    };
    let mode = if upload.text("mode") == "upsert" {
        ImportMode::Upsert
    } else {
        ImportMode::Create
    };
    let dry_run = upload.text("dry_run") == "true";
    let Some(file) = upload.file("file").filter(|file| !file.bytes.is_empty()) else {
        let page = render(&ImportPage {
            layout: context.layout("enterprises"),
            error: t.import_file().to_owned() + " ?",
        });
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let (name, bytes) = (&file.file_name, &file.bytes);
    match state
        .registry()
        .import_enterprises(&principal, name, bytes, &ImportOptions { mode, dry_run })
        .await
    {
        Ok(report) => {
            let errors = report
                .errors
                .iter()
                .map(|e| {
                    (
                        e.row.map(|r| r.to_string()).unwrap_or_default(),
                        e.column.clone().unwrap_or_default(),
                        t.text(&e.message).to_owned(),
                    )
                })
                .collect();
            Ok(render(&ReportPage {
                layout: context.layout("enterprises"),
                report,
                errors,
            }))
        }
        Err(error) => {
            let message = match &error {
                zhizao_registry::Error::TooLarge { .. } => {
                    t.file_too_large(zhizao_registry::MAX_IMPORT_BYTES / 1024 / 1024)
                }
                other if !other.field_errors().is_empty() => other
                    .field_errors()
                    .iter()
                    .map(|e| t.text(&e.message).to_owned())
                    .collect::<Vec<_>>()
                    .join("；"),
                _ => return Err(PageError::from(error).render(&context)),
            };
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                render(&ImportPage {
                    layout: context.layout("enterprises"),
                    error: message,
                }),
            )
                .into_response())
        }
    }
}

async fn template(
    State(state): State<AppState>,
    SignedIn(context, _): SignedIn,
) -> Result<Response, Response> {
    let bytes = state
        .registry()
        .import_template(context.language)
        .or_page(&context)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                ExportFormat::Xlsx.content_type(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"enterprise-import-template.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn export(
    state: AppState,
    context: PageContext,
    principal: Principal,
    query: ListQuery,
    format: ExportFormat,
) -> Result<Response, Response> {
    let language: Language = context.language;
    crate::api::export_response(&state, &principal, &query.filter(), format, language)
        .await
        .or_page(&context)
}

async fn export_xlsx(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    export(state, context, principal, query, ExportFormat::Xlsx).await
}

async fn export_csv(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    export(state, context, principal, query, ExportFormat::Csv).await
}
