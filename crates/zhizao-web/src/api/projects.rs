//! Technology-upgrade projects and subsidies: rule sets, batches, applications and their review
//! actions, evaluations, objections, work queues and reports.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::{Fen, Language, Timestamp};
use zhizao_projects::reports::{Dimension, QueueLine, Report, ReportFilter, Totals};
use zhizao_projects::rules::{Category, RuleParameters};
use zhizao_projects::workflow::Action;
use zhizao_projects::{
    ActionRequest, Application, ApplicationDetail, ApplicationFilter, ApplicationInput,
    ApplicationSort, Batch, BatchInput, BatchStatus, EvaluationRecord, ItemInput, Objection,
    Programme, RuleSet,
};
use zhizao_registry::ExportFormat;

use super::{PageOf, Paging, etag, if_match, rfc3339};
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rule_sets))
        .routes(routes!(rule_set_versions, save_rule_set))
        .routes(routes!(list_batches, create_batch))
        .routes(routes!(get_batch, update_batch))
        .routes(routes!(set_batch_status))
        .routes(routes!(list_applications, create_application))
        .routes(routes!(get_application, update_application))
        .routes(routes!(act_on_application))
        .routes(routes!(evaluate_application))
        .routes(routes!(add_objection))
        .routes(routes!(resolve_objection))
        .routes(routes!(delete_attachment, download_attachment))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload_attachment))
                .layer(axum::extract::DefaultBodyLimit::max(
                    zhizao_projects::attachments::MAX_ATTACHMENT_BYTES + 256 * 1024,
                )),
        )
        .merge(OpenApiRouter::new().routes(routes!(import_history)).layer(
            axum::extract::DefaultBodyLimit::max(
                zhizao_projects::import::MAX_HISTORY_BYTES + 256 * 1024,
            ),
        ))
        .routes(routes!(work_queue))
        .routes(routes!(project_report))
}

fn optional_instant(at: Option<Timestamp>) -> Option<String> {
    at.map(rfc3339)
}

/// The parameters of a subsidy rule set version.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RuleParametersDto {
    /// Any of `equipment`, `software`, `installation`, `buildings`, `other`.
    eligible_categories: Vec<String>,
    /// Below this eligible investment nothing is granted (fen).
    #[schema(value_type = i64)]
    min_eligible_investment_fen: Fen,
    /// Share of eligible investment granted, in basis points (1000 = 10 %).
    rate_basis_points: i64,
    /// Most one project receives (fen).
    #[schema(value_type = Option<i64>)]
    cap_per_project_fen: Option<Fen>,
    /// Most one enterprise receives in a year under this rule set (fen).
    #[schema(value_type = Option<i64>)]
    cap_per_enterprise_year_fen: Option<Fen>,
    /// Items bought from a related party do not count.
    #[serde(default)]
    exclude_related_party_suppliers: bool,
    /// Items invoiced before this date (`YYYY-MM-DD`), or without a date, do not count.
    earliest_invoice_date: Option<String>,
}

impl From<&RuleParameters> for RuleParametersDto {
    fn from(p: &RuleParameters) -> Self {
        RuleParametersDto {
            eligible_categories: p
                .eligible_categories
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            min_eligible_investment_fen: p.min_eligible_investment_fen,
            rate_basis_points: p.rate_basis_points,
            cap_per_project_fen: p.cap_per_project_fen,
            cap_per_enterprise_year_fen: p.cap_per_enterprise_year_fen,
            exclude_related_party_suppliers: p.exclude_related_party_suppliers,
            earliest_invoice_date: p.earliest_invoice_date.clone(),
        }
    }
}

/// One version of a subsidy rule set.
#[derive(Debug, Serialize, ToSchema)]
struct RuleSetDto {
    code: String,
    /// Versions are never changed; editing writes the next one.
    version: i64,
    name: String,
    parameters: RuleParametersDto,
    created_at: String,
    created_by: String,
    /// Batches using this version.
    batches: i64,
    /// Amounts computed with this version.
    evaluations: i64,
}

impl From<RuleSet> for RuleSetDto {
    fn from(r: RuleSet) -> Self {
        RuleSetDto {
            parameters: RuleParametersDto::from(&r.parameters),
            code: r.code,
            version: r.version,
            name: r.name,
            created_at: rfc3339(r.created_at),
            created_by: r.created_by,
            batches: r.batches,
            evaluations: r.evaluations,
        }
    }
}

/// A new version of a rule set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SaveRuleSet {
    name: String,
    parameters: RuleParametersDto,
}

/// The latest version of every subsidy rule set.
#[utoipa::path(get, path = "/api/v1/subsidy-rule-sets", tag = "projects",
    responses((status = 200, body = Vec<RuleSetDto>), (status = 401, body = crate::problem::Problem)))]
async fn list_rule_sets(
    State(state): State<AppState>,
    Caller(_principal): Caller,
) -> Result<Json<Vec<RuleSetDto>>, ApiError> {
    let sets = state.projects().rule_sets().await?;
    Ok(Json(sets.into_iter().map(RuleSetDto::from).collect()))
}

/// Every version of a rule set, newest first.
#[utoipa::path(get, path = "/api/v1/subsidy-rule-sets/{code}", tag = "projects", params(("code" = String, Path)),
    responses((status = 200, body = Vec<RuleSetDto>), (status = 404, body = crate::problem::Problem)))]
async fn rule_set_versions(
    State(state): State<AppState>,
    Caller(_principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<RuleSetDto>>, ApiError> {
    let sets = state.projects().rule_set_versions(&code).await?;
    Ok(Json(sets.into_iter().map(RuleSetDto::from).collect()))
}

/// Writes the next version of a rule set (city staff). Send `If-Match` with the latest version
/// you saw; omit it only to create a new rule set.
#[utoipa::path(put, path = "/api/v1/subsidy-rule-sets/{code}", tag = "projects", params(("code" = String, Path)), request_body = SaveRuleSet,
    responses((status = 201, body = RuleSetDto), (status = 403, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn save_rule_set(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SaveRuleSet>,
) -> Result<impl IntoResponse, ApiError> {
    let mut categories = Vec::new();
    let mut errors = Vec::new();
    for (index, name) in body.parameters.eligible_categories.iter().enumerate() {
        match name.parse::<Category>() {
            Ok(category) => categories.push(category),
            Err(error) => errors.push(zhizao_core::FieldError::new(
                format!("parameters.eligible_categories[{index}]"),
                zhizao_core::Text::owned(format!("“{name}”不是投资类别"), error.to_string()),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let parameters = RuleParameters {
        eligible_categories: categories,
        min_eligible_investment_fen: body.parameters.min_eligible_investment_fen,
        rate_basis_points: body.parameters.rate_basis_points,
        cap_per_project_fen: body.parameters.cap_per_project_fen,
        cap_per_enterprise_year_fen: body.parameters.cap_per_enterprise_year_fen,
        exclude_related_party_suppliers: body.parameters.exclude_related_party_suppliers,
        earliest_invoice_date: body.parameters.earliest_invoice_date,
    };
    let problems: Vec<zhizao_core::FieldError> = parameters
        .validate()
        .into_iter()
        .map(|mut e| {
            e.field = format!("parameters.{}", e.field);
            e
        })
        .collect();
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let saved = state
        .projects()
        .save_rule_set(
            &principal,
            &code,
            &body.name,
            &parameters,
            if_match(&headers)?,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        etag(saved.version),
        Json(RuleSetDto::from(saved)),
    ))
}

/// An intake batch.
#[derive(Debug, Serialize, ToSchema)]
struct BatchDto {
    code: String,
    /// `tech_upgrade`, `provincial_fund`, `city_fund` or `post_completion`.
    programme: String,
    programme_label: String,
    year: i64,
    title: String,
    /// First day applications are accepted, `YYYY-MM-DD`.
    opens_on: String,
    /// Last day.
    closes_on: String,
    eligibility: String,
    required_attachments: Vec<String>,
    /// `code@version` of the rule set computing amounts, if the programme grants money.
    rule_set: Option<String>,
    notice_days: i64,
    /// `draft`, `published` or `closed`.
    status: String,
    published_at: Option<String>,
    /// Applications submitted into it.
    applications: i64,
    version: i64,
}

impl From<Batch> for BatchDto {
    fn from(b: Batch) -> Self {
        BatchDto {
            required_attachments: b.required_attachment_names(),
            programme: b.programme.as_str().to_owned(),
            programme_label: b.programme.label().zh.into_owned(),
            rule_set: b
                .rule_set_code
                .as_ref()
                .map(|c| format!("{c}@{}", b.rule_set_version.unwrap_or(0))),
            code: b.code,
            year: b.year,
            title: b.title,
            opens_on: b.opens_on,
            closes_on: b.closes_on,
            eligibility: b.eligibility,
            notice_days: b.notice_days,
            status: b.status.as_str().to_owned(),
            published_at: optional_instant(b.published_at),
            applications: b.applications,
            version: b.version,
        }
    }
}

/// A batch as opened or changed.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct BatchBody {
    /// Required on creation: letters, digits, `-`.
    code: Option<String>,
    programme: Option<String>,
    year: Option<i64>,
    title: Option<String>,
    opens_on: Option<String>,
    closes_on: Option<String>,
    eligibility: Option<String>,
    required_attachments: Option<Vec<String>>,
    /// `code` (latest version) or `code@version`.
    rule_set: Option<String>,
    /// 1–60, default 7.
    notice_days: Option<i64>,
}

impl BatchBody {
    fn input(self) -> BatchInput {
        BatchInput {
            code: self.code,
            programme: self.programme,
            year: self.year,
            title: self.title,
            opens_on: self.opens_on,
            closes_on: self.closes_on,
            eligibility: self.eligibility,
            required_attachments: self.required_attachments,
            rule_set: self.rule_set,
            notice_days: self.notice_days,
        }
    }
}

/// Batches: published and closed ones for everyone, drafts too for city staff.
#[utoipa::path(get, path = "/api/v1/project-batches", tag = "projects",
    responses((status = 200, body = Vec<BatchDto>), (status = 401, body = crate::problem::Problem)))]
async fn list_batches(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> Result<Json<Vec<BatchDto>>, ApiError> {
    let batches = state.projects().batches(&principal).await?;
    Ok(Json(batches.into_iter().map(BatchDto::from).collect()))
}

/// Opens a batch as a draft (city staff).
#[utoipa::path(post, path = "/api/v1/project-batches", tag = "projects", request_body = BatchBody,
    responses((status = 201, body = BatchDto), (status = 403, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn create_batch(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<BatchBody>,
) -> Result<impl IntoResponse, ApiError> {
    let batch = state
        .projects()
        .create_batch(&principal, &body.input())
        .await?;
    Ok((
        StatusCode::CREATED,
        etag(batch.version),
        Json(BatchDto::from(batch)),
    ))
}

/// One batch.
#[utoipa::path(get, path = "/api/v1/project-batches/{code}", tag = "projects", params(("code" = String, Path)),
    responses((status = 200, body = BatchDto), (status = 404, body = crate::problem::Problem)))]
async fn get_batch(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let batch = state.projects().batch(&principal, &code).await?;
    Ok((etag(batch.version), Json(BatchDto::from(batch))))
}

/// Changes a draft batch (city staff); the whole batch is sent.
#[utoipa::path(put, path = "/api/v1/project-batches/{code}", tag = "projects", params(("code" = String, Path)), request_body = BatchBody,
    responses((status = 200, body = BatchDto), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn update_batch(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<BatchBody>,
) -> Result<impl IntoResponse, ApiError> {
    let batch = state
        .projects()
        .update_batch(&principal, &code, &body.input(), if_match(&headers)?)
        .await?;
    Ok((etag(batch.version), Json(BatchDto::from(batch))))
}

/// A batch's new status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct BatchStatusBody {
    /// `published` (from draft) or `closed` (from published).
    status: String,
}

/// Publishes or closes a batch (city staff).
#[utoipa::path(post, path = "/api/v1/project-batches/{code}/status", tag = "projects", params(("code" = String, Path)), request_body = BatchStatusBody,
    responses((status = 200, body = BatchDto), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn set_batch_status(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<BatchStatusBody>,
) -> Result<impl IntoResponse, ApiError> {
    let status: BatchStatus = body
        .status
        .parse()
        .map_err(|e: zhizao_projects::workflow::UnknownValue| ApiError::malformed(e.to_string()))?;
    let batch = state
        .projects()
        .set_batch_status(&principal, &code, status, if_match(&headers)?)
        .await?;
    Ok((etag(batch.version), Json(BatchDto::from(batch))))
}

/// An application as lists show it.
#[derive(Debug, Serialize, ToSchema)]
struct ApplicationSummaryDto {
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
struct ItemDto {
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
struct EventDto {
    at: String,
    by: String,
    role: String,
    action: String,
    from_status: String,
    to_status: String,
    comment: String,
}

/// A line of an evaluation's explanation.
#[derive(Debug, Serialize, ToSchema)]
struct ExplanationLineDto {
    zh: String,
    en: String,
    #[schema(value_type = Option<i64>)]
    amount_fen: Option<Fen>,
}

/// A computed amount and why.
#[derive(Debug, Serialize, ToSchema)]
struct EvaluationDto {
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
struct ObjectionDto {
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
struct ApplicationDto {
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
    /// The actions the caller may take now.
    actions: Vec<String>,
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
                    role: e.actor_role,
                    action: e.action,
                    from_status: e.from_status,
                    to_status: e.to_status,
                    comment: e.comment,
                })
                .collect(),
            evaluations: d.evaluations.into_iter().map(EvaluationDto::from).collect(),
            objections: d.objections.into_iter().map(ObjectionDto::from).collect(),
            attachments: d.attachments.into_iter().map(AttachmentDto::from).collect(),
            actions: d.actions.iter().map(|a| a.as_str().to_owned()).collect(),
            summary: ApplicationSummaryDto::from(d.application),
        }
    }
}

/// An application's content; saving replaces the draft's content.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ApplicationBody {
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
struct ApplicationQuery {
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

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn parse_programme(value: &Option<String>) -> Result<Option<Programme>, ApiError> {
    non_empty(value)
        .map(|p| {
            p.parse::<Programme>()
                .map_err(|e| ApiError::malformed(e.to_string()))
        })
        .transpose()
}

/// Applications the caller may see (an enterprise its own, a town its enterprises', the city
/// all; drafts only their enterprise).
#[utoipa::path(get, path = "/api/v1/project-applications", tag = "projects", params(ApplicationQuery),
    responses((status = 200, body = PageOf<ApplicationSummaryDto>), (status = 400, body = crate::problem::Problem)))]
async fn list_applications(
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
async fn create_application(
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
async fn get_application(
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

/// Replaces a draft's or returned application's content (its enterprise); `If-Match` required.
#[utoipa::path(put, path = "/api/v1/project-applications/{number}", tag = "projects", params(("number" = String, Path)), request_body = ApplicationBody,
    responses((status = 200, body = ApplicationDto), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem), (status = 428, body = crate::problem::Problem)))]
async fn update_application(
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

/// A step of the review flow.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ActionBody {
    /// `submit`, `withdraw`, `town_approve`, `return`, `reject`, `send_to_experts`,
    /// `start_notice`, `approve`, `report_completion`, `accept`, `disburse`.
    action: String,
    /// The version you read (optimistic locking: if someone acted first, you get 409).
    version: i64,
    /// Required for `return` and `reject`.
    #[serde(default)]
    comment: String,
}

/// Takes one step of the review flow; the response is the application afterwards.
#[utoipa::path(post, path = "/api/v1/project-applications/{number}/actions", tag = "projects", params(("number" = String, Path)), request_body = ActionBody,
    responses((status = 200, body = ApplicationDto), (status = 403, body = crate::problem::Problem, description = "The step exists but not for your role"), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem, description = "Not possible from the current status, not yet possible, or someone acted first"), (status = 422, body = crate::problem::Problem)))]
async fn act_on_application(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<ActionBody>,
) -> Result<impl IntoResponse, ApiError> {
    let action: Action = body
        .action
        .parse()
        .map_err(|e: zhizao_projects::workflow::UnknownValue| ApiError::malformed(e.to_string()))?;
    let detail = state
        .projects()
        .act(
            &principal,
            &number,
            &ActionRequest {
                action,
                version: body.version,
                comment: body.comment,
            },
        )
        .await?;
    Ok((
        etag(detail.application.version),
        Json(ApplicationDto::from(detail)),
    ))
}

/// Computes the subsidy under the batch's rule set version and records it with its explanation.
#[utoipa::path(post, path = "/api/v1/project-applications/{number}/evaluations", tag = "projects", params(("number" = String, Path)),
    responses((status = 201, body = EvaluationDto), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem, description = "The batch grants no money")))]
async fn evaluate_application(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let evaluation = state.projects().evaluate(&principal, &number).await?;
    Ok((StatusCode::CREATED, Json(EvaluationDto::from(evaluation))))
}

/// An objection received during public notice.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ObjectionBody {
    /// Who objected, as they gave it (may be empty).
    #[serde(default)]
    objector: String,
    content: String,
}

/// Records an objection to an application on public notice (city staff).
#[utoipa::path(post, path = "/api/v1/project-applications/{number}/objections", tag = "projects", params(("number" = String, Path)), request_body = ObjectionBody,
    responses((status = 201, body = ObjectionDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn add_objection(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<ObjectionBody>,
) -> Result<impl IntoResponse, ApiError> {
    let objection = state
        .projects()
        .add_objection(&principal, &number, &body.objector, &body.content)
        .await?;
    Ok((StatusCode::CREATED, Json(ObjectionDto::from(objection))))
}

/// How an objection was resolved.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ResolutionBody {
    resolution: String,
}

/// Records how an objection was resolved (city staff).
#[utoipa::path(post, path = "/api/v1/project-applications/{number}/objections/{objection_id}/resolution", tag = "projects",
    params(("number" = String, Path), ("objection_id" = i64, Path)), request_body = ResolutionBody,
    responses((status = 204), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)))]
async fn resolve_objection(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((number, objection_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<ResolutionBody>,
) -> Result<StatusCode, ApiError> {
    state
        .projects()
        .resolve_objection(&principal, &number, objection_id, &body.resolution)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Options of a history import.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ImportQuery {
    /// The file's name when the body is the file itself (decides how it is read).
    file_name: Option<String>,
    /// Check only; write nothing.
    dry_run: Option<bool>,
}

/// What a history import did.
#[derive(Debug, Serialize, ToSchema)]
struct HistoryReportDto {
    rows: usize,
    batches: usize,
    applications: usize,
    /// Problems by row and column; when there are any, nothing was written.
    errors: Vec<crate::problem::ProblemField>,
    ignored_columns: Vec<String>,
    applied: bool,
}

/// Imports past batches from a spreadsheet (`.xlsx`, `.xls`, `.ods`, `.csv`; city staff), one
/// row per project: 批次编号, 批次名称, 专项, 年度, 统一社会信用代码, 项目名称, 改造类型,
/// 总投资（万元）, 核定补助（万元）, 已拨付（万元）, 状态. All or nothing.
#[utoipa::path(post, path = "/api/v1/project-batches/import", tag = "projects", params(ImportQuery),
    request_body(content_type = "multipart/form-data", description = "the spreadsheet as the part `file`, or the file itself as the body"),
    responses((status = 200, body = HistoryReportDto), (status = 403, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn import_history(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<ImportQuery>,
    request: axum::extract::Request,
) -> Result<Json<HistoryReportDto>, ApiError> {
    if !zhizao_identity::policy::may_manage_programmes(&principal) {
        return Err(ApiError::forbidden("only city staff import past batches"));
    }
    let (file_name, bytes) = crate::extract::uploaded_file(
        &state,
        request,
        query.file_name.clone(),
        zhizao_projects::import::MAX_HISTORY_BYTES,
    )
    .await?;
    let report = state
        .projects()
        .import_history(
            &principal,
            &file_name,
            &bytes,
            query.dry_run.unwrap_or(false),
        )
        .await?;
    Ok(Json(HistoryReportDto {
        rows: report.rows,
        batches: report.batches,
        applications: report.applications,
        errors: report
            .errors
            .into_iter()
            .map(|e| crate::problem::ProblemField::new(e, principal.language))
            .collect(),
        ignored_columns: report.ignored_columns,
        applied: report.applied,
    }))
}

/// A file attached to an application.
#[derive(Debug, Serialize, ToSchema)]
struct AttachmentDto {
    id: i64,
    /// What it is for (one of the batch's required attachments, or anything else).
    purpose: String,
    file_name: String,
    /// Judged from the content.
    content_type: String,
    size_bytes: i64,
    sha256: String,
    uploaded_at: String,
    uploaded_by: String,
}

impl From<zhizao_projects::attachments::Attachment> for AttachmentDto {
    fn from(a: zhizao_projects::attachments::Attachment) -> Self {
        AttachmentDto {
            id: a.id,
            purpose: a.purpose,
            file_name: a.file_name,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
            uploaded_at: rfc3339(a.uploaded_at),
            uploaded_by: a.uploaded_by,
        }
    }
}

/// Reads a multipart upload's `purpose` field and `file` part.
pub(crate) async fn read_attachment_upload(
    mut multipart: axum::extract::Multipart,
) -> Result<(Option<String>, String, String, Vec<u8>), ApiError> {
    let mut csrf = None;
    let mut purpose = String::new();
    let mut file = None;
    let fail = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(format!(
                "{}; at most {} bytes are accepted",
                e.body_text(),
                zhizao_projects::attachments::MAX_ATTACHMENT_BYTES
            ))
        } else {
            ApiError::malformed(e.body_text())
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(fail)? {
        match field.name() {
            Some("purpose") => purpose = field.text().await.map_err(fail)?,
            Some("csrf_token") => csrf = Some(field.text().await.map_err(fail)?),
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(fail)?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    let (name, bytes) =
        file.ok_or_else(|| ApiError::malformed("the form has no part named \"file\""))?;
    Ok((csrf, purpose, name, bytes))
}

/// Attaches a file (multipart: `purpose`, `file`) to a draft or returned application; PDF,
/// PNG, JPEG, Excel, Word or ODS, judged by content, at most 20 MiB.
#[utoipa::path(post, path = "/api/v1/project-applications/{number}/attachments", tag = "projects", params(("number" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "`purpose`: what the file is; `file`: the file"),
    responses((status = 201, body = AttachmentDto), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 413, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn upload_attachment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    request: axum::extract::Request,
) -> Result<impl IntoResponse, ApiError> {
    // Outside the caller's scope the application does not exist, whatever the body.
    state.projects().application(&principal, &number).await?;
    let multipart =
        <axum::extract::Multipart as axum::extract::FromRequest<AppState>>::from_request(
            request, &state,
        )
        .await
        .map_err(|e| ApiError::malformed(e.body_text()))?;
    let (_, purpose, file_name, bytes) = read_attachment_upload(multipart).await?;
    let attachment = state
        .projects()
        .add_attachment(&principal, &number, &purpose, &file_name, bytes)
        .await?;
    Ok((StatusCode::CREATED, Json(AttachmentDto::from(attachment))))
}

/// Downloads an attachment (always as a download, with the type its content has).
#[utoipa::path(get, path = "/api/v1/project-applications/{number}/attachments/{attachment_id}", tag = "projects",
    params(("number" = String, Path), ("attachment_id" = i64, Path)),
    responses((status = 200, description = "The file"), (status = 404, body = crate::problem::Problem)))]
async fn download_attachment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((number, attachment_id)): ApiPath<(String, i64)>,
) -> Result<Response, ApiError> {
    let (attachment, bytes) = state
        .projects()
        .attachment(&principal, &number, attachment_id)
        .await?;
    Ok(attachment_response(&attachment, bytes))
}

/// A stored attachment as a download.
pub(crate) fn attachment_response(
    attachment: &zhizao_projects::attachments::Attachment,
    bytes: Vec<u8>,
) -> Response {
    let encoded: String = attachment
        .file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"attachment-{}\"; filename*=UTF-8''{encoded}",
        attachment.id
    );
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_str(&attachment.content_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Removes an attachment from a draft or returned application.
#[utoipa::path(delete, path = "/api/v1/project-applications/{number}/attachments/{attachment_id}", tag = "projects",
    params(("number" = String, Path), ("attachment_id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn delete_attachment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((number, attachment_id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    state
        .projects()
        .delete_attachment(&principal, &number, attachment_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Applications waiting in one status in one town.
#[derive(Debug, Serialize, ToSchema)]
struct QueueLineDto {
    status: String,
    /// `enterprise`, `town`, `city` or `experts`.
    waiting_on: String,
    town_code: String,
    town_name: String,
    count: i64,
    oldest_since: String,
    oldest_days: i64,
    /// The line in the caller's language, e.g. "小榄镇：12 件待镇街审核，最久 9 天".
    summary: String,
}

/// What is waiting on whom in the caller's scope, longest waiting first.
#[utoipa::path(get, path = "/api/v1/project-queue", tag = "projects",
    responses((status = 200, body = Vec<QueueLineDto>)))]
async fn work_queue(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> Result<Json<Vec<QueueLineDto>>, ApiError> {
    let now = state.identity().clock().now();
    let lines = state.projects().queue(&principal).await?;
    Ok(Json(
        lines
            .into_iter()
            .map(|l: QueueLine| QueueLineDto {
                summary: l.sentence(now).get(principal.language).to_owned(),
                oldest_days: l.oldest_days(now),
                status: l.status.as_str().to_owned(),
                waiting_on: serde_json::to_value(l.waiting_on)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                town_code: l.town_code,
                town_name: l.town_name_zh,
                count: l.count,
                oldest_since: rfc3339(l.oldest_since),
            })
            .collect(),
    ))
}

/// Report parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReportQuery {
    /// `year` (default), `batch`, `town`, `industry`, `size` or `programme`.
    pub(crate) by: Option<String>,
    /// Programme year; each row is then compared with the year before.
    pub(crate) year: Option<i64>,
    /// Programme.
    pub(crate) programme: Option<String>,
    /// Batch code.
    pub(crate) batch: Option<String>,
    /// Town code.
    pub(crate) town: Option<String>,
    /// `json` (default), `xlsx` or `csv`.
    pub(crate) format: Option<String>,
    /// Spreadsheet header language: `zh-CN` (default) or `en`.
    pub(crate) language: Option<String>,
}

impl ReportQuery {
    pub(crate) fn dimension(&self) -> Result<Dimension, ApiError> {
        match non_empty(&self.by) {
            None => Ok(Dimension::Year),
            Some(by) => Dimension::parse(by).ok_or_else(|| {
                ApiError::malformed(format!(
                    "by must be year, batch, town, industry, size or programme, not {by:?}"
                ))
            }),
        }
    }

    pub(crate) fn filter(&self) -> Result<ReportFilter, ApiError> {
        if let Some(year) = self.year
            && !(2000..=2100).contains(&year)
        {
            return Err(ApiError::malformed(format!(
                "year must be between 2000 and 2100, not {year}"
            )));
        }
        Ok(ReportFilter {
            year: self.year,
            programme: parse_programme(&self.programme)?,
            batch: non_empty(&self.batch).map(str::to_owned),
            town: non_empty(&self.town).map(str::to_owned),
        })
    }
}

/// The figures of a group.
#[derive(Debug, Serialize, ToSchema)]
struct TotalsDto {
    /// Applications submitted.
    applications: i64,
    /// Approved projects.
    projects: i64,
    /// Distinct enterprises with an approved project.
    enterprises: i64,
    #[schema(value_type = i64)]
    investment_fen: Fen,
    #[schema(value_type = i64)]
    eligible_investment_fen: Fen,
    #[schema(value_type = i64)]
    granted_fen: Fen,
    #[schema(value_type = i64)]
    disbursed_fen: Fen,
}

impl From<Totals> for TotalsDto {
    fn from(t: Totals) -> Self {
        TotalsDto {
            applications: t.applications,
            projects: t.projects,
            enterprises: t.enterprises,
            investment_fen: t.investment_fen,
            eligible_investment_fen: t.eligible_investment_fen,
            granted_fen: t.granted_fen,
            disbursed_fen: t.disbursed_fen,
        }
    }
}

/// One row of a report.
#[derive(Debug, Serialize, ToSchema)]
struct ReportRowDto {
    key: String,
    label: String,
    #[serde(flatten)]
    totals: TotalsDto,
    previous_year: Option<TotalsDto>,
    enterprises_growth_percent: Option<f64>,
    granted_growth_percent: Option<f64>,
}

/// A report.
#[derive(Debug, Serialize, ToSchema)]
struct ReportDto {
    by: String,
    rows: Vec<ReportRowDto>,
    total: TotalsDto,
}

impl From<Report> for ReportDto {
    fn from(r: Report) -> Self {
        ReportDto {
            by: r.dimension.as_str().to_owned(),
            rows: r
                .rows
                .into_iter()
                .map(|row| ReportRowDto {
                    key: row.key,
                    label: row.label,
                    totals: row.totals.into(),
                    previous_year: row.previous_year.map(Into::into),
                    enterprises_growth_percent: row.enterprises_growth_percent,
                    granted_growth_percent: row.granted_growth_percent,
                })
                .collect(),
            total: r.total.into(),
        }
    }
}

/// The report response in the asked format (shared with the pages).
pub(crate) async fn report_response(
    state: &AppState,
    principal: &zhizao_identity::Principal,
    query: &ReportQuery,
) -> Result<Response, ApiError> {
    let dimension = query.dimension()?;
    let filter = query.filter()?;
    let report = state
        .projects()
        .report(principal, dimension, &filter)
        .await?;
    let format = match non_empty(&query.format) {
        None | Some("json") => return Ok(Json(ReportDto::from(report)).into_response()),
        Some("xlsx") => ExportFormat::Xlsx,
        Some("csv") => ExportFormat::Csv,
        Some(other) => {
            return Err(ApiError::malformed(format!(
                "format must be json, xlsx or csv, not {other:?}"
            )));
        }
    };
    let language = match non_empty(&query.language) {
        None => Language::ZhCn,
        Some(tag) => Language::from_tag(tag).ok_or_else(|| {
            ApiError::malformed(format!("language must be zh-CN or en, not {tag:?}"))
        })?,
    };
    let bytes =
        zhizao_projects::reports::export_report_in_background(report, format, language).await?;
    let date = Timestamp::from_millis(state.identity().clock().now().as_millis())
        .to_shanghai_date_string();
    let disposition = format!(
        "attachment; filename=\"projects-by-{}-{date}.{}\"",
        dimension.as_str(),
        format.extension()
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response())
}

/// Applications, projects, investment and subsidies by year, batch, town, industry, size or
/// programme, with growth against the previous year; as JSON, `.xlsx` or `.csv`.
#[utoipa::path(get, path = "/api/v1/project-reports", tag = "projects", params(ReportQuery),
    responses((status = 200, body = ReportDto), (status = 400, body = crate::problem::Problem)))]
async fn project_report(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    report_response(&state, &principal, &query).await
}
