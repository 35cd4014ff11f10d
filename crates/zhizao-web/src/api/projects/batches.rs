//! Intake batches: listing, opening, changing a draft, publishing and closing.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_projects::{Batch, BatchInput, BatchStatus};

use super::optional_instant;
use crate::AppState;
use crate::api::{etag, if_match};
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_batches, create_batch))
        .routes(routes!(get_batch, update_batch))
        .routes(routes!(set_batch_status))
}

/// An intake batch.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct BatchDto {
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
    /// First day a project's period and invoices may fall on.
    projects_from: String,
    /// Last day a project's period and invoices may fall on.
    projects_until: String,
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
            projects_from: b.projects_from,
            projects_until: b.projects_until,
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
pub(super) struct BatchBody {
    /// Required on creation: letters, digits, `-`.
    code: Option<String>,
    programme: Option<String>,
    year: Option<i64>,
    title: Option<String>,
    opens_on: Option<String>,
    closes_on: Option<String>,
    /// First day a project's period and invoices may fall on; default 1 January of the year
    /// before `year`.
    projects_from: Option<String>,
    /// Last day; default `closes_on` for post-completion subsidies, otherwise 31 December two
    /// years after `year`.
    projects_until: Option<String>,
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
            projects_from: self.projects_from,
            projects_until: self.projects_until,
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

pub(super) async fn list_batches(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> Result<Json<Vec<BatchDto>>, ApiError> {
    let batches = state.projects().batches(&principal).await?;
    Ok(Json(batches.into_iter().map(BatchDto::from).collect()))
}

/// Opens a batch as a draft (city staff).
#[utoipa::path(post, path = "/api/v1/project-batches", tag = "projects", request_body = BatchBody,
    responses((status = 201, body = BatchDto), (status = 403, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]

pub(super) async fn create_batch(
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

pub(super) async fn get_batch(
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

pub(super) async fn update_batch(
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
pub(super) struct BatchStatusBody {
    /// `published` (from draft) or `closed` (from published).
    status: String,
}

/// Publishes or closes a batch (city staff).
#[utoipa::path(post, path = "/api/v1/project-batches/{code}/status", tag = "projects", params(("code" = String, Path)), request_body = BatchStatusBody,
    responses((status = 200, body = BatchDto), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]

pub(super) async fn set_batch_status(
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
