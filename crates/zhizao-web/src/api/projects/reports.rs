//! The work queue and the reports with their spreadsheet exports.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::{Fen, Language, Timestamp};
use zhizao_projects::reports::{Dimension, QueueLine, Report, ReportFilter, Totals};
use zhizao_registry::ExportFormat;

use super::{non_empty, parse_programme};
use crate::AppState;
use crate::api::rfc3339;
use crate::auth::Caller;
use crate::extract::ApiQuery;
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(work_queue))
        .routes(routes!(project_report))
}

/// Applications waiting in one status in one town.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct QueueLineDto {
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

pub(super) async fn work_queue(
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
pub(super) struct TotalsDto {
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
pub(super) struct ReportRowDto {
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
pub(super) struct ReportDto {
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

pub(super) async fn project_report(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    report_response(&state, &principal, &query).await
}
