//! The import of past batches from spreadsheets, all or nothing.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::extract::ApiQuery;
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(import_history)).layer(
        axum::extract::DefaultBodyLimit::max(
            zhizao_projects::import::MAX_HISTORY_BYTES + 256 * 1024,
        ),
    )
}

/// Options of a history import.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct ImportQuery {
    /// The file's name when the body is the file itself (decides how it is read).
    file_name: Option<String>,
    /// Check only; write nothing.
    dry_run: Option<bool>,
}

/// What a history import did.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct HistoryReportDto {
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

pub(super) async fn import_history(
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
