//! Marker making at a cutting factory: its staff upload patterns and run markers and cut plans
//! on them in the background; its staff and the city read them and download the markers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_factory::markers::{
    MarkerFormat, PatternInput, PatternSummary, RotationRule, Run, RunInput, RunResult,
};

use super::rfc3339;
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_patterns))
        .routes(routes!(get_pattern))
        .routes(routes!(start_run))
        .routes(routes!(get_run))
        .routes(routes!(stop_run))
        .routes(routes!(download_marker))
        .merge(OpenApiRouter::new().routes(routes!(upload_pattern)).layer(
            axum::extract::DefaultBodyLimit::max(
                zhizao_factory::markers::MAX_PATTERN_BYTES + 64 * 1024,
            ),
        ))
}

/// A pattern as listed.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PatternDto {
    id: i64,
    name: String,
    file_name: String,
    /// The order it is for.
    order: Option<String>,
    /// Distinct pieces.
    pieces: i64,
    /// Copies in one marker of everything.
    copies: i64,
    runs: i64,
    /// The best density a finished marker of it reached, 0–1.
    best_density: Option<f64>,
    created_at: String,
    created_by: String,
}

impl From<PatternSummary> for PatternDto {
    fn from(p: PatternSummary) -> Self {
        PatternDto {
            id: p.id,
            name: p.name,
            file_name: p.file_name,
            order: p.order_number,
            pieces: p.pieces,
            copies: p.copies,
            runs: p.runs,
            best_density: p.best_density,
            created_at: rfc3339(p.created_at),
            created_by: p.created_by,
        }
    }
}

/// A pattern with its nesting problem and its runs.
#[derive(Debug, Serialize, ToSchema)]
struct PatternDetailDto {
    pattern: PatternDto,
    /// The sizes its pieces are labelled with.
    sizes: Vec<String>,
    /// The problem in Zhizao's problem JSON (fabric width and spacing in `unit`, pieces).
    #[schema(value_type = Object)]
    problem: serde_json::Value,
    /// Newest first, without results.
    runs: Vec<RunDto>,
}

/// A run: what was asked, how far it is, its best result so far.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RunDto {
    id: i64,
    pattern_id: i64,
    /// marker or cut_plan.
    kind: String,
    /// queued, running, done, stopped, failed or interrupted.
    status: String,
    /// The time limit, threads, seed and (a cut plan) the quantities and costs.
    #[schema(value_type = Object)]
    input: serde_json::Value,
    /// 0–1000.
    progress_per_mille: i64,
    /// The best marker's length (a cut plan: fabric used), in the pattern's unit.
    length: Option<f64>,
    /// The best marker's density (a cut plan: the lower bound over the fabric used).
    density: Option<f64>,
    /// The best marker (`format: zhizao-marker`) or the plan, when asked for one run.
    #[schema(value_type = Option<Object>)]
    result: Option<serde_json::Value>,
    error: Option<String>,
    created_at: String,
    created_by: String,
    started_at: Option<String>,
    finished_at: Option<String>,
}

impl From<Run> for RunDto {
    fn from(run: Run) -> Self {
        RunDto {
            id: run.id,
            pattern_id: run.pattern_id,
            kind: run.input.kind.as_str().to_owned(),
            status: run.status.as_str().to_owned(),
            input: serde_json::to_value(&run.input).unwrap_or_default(),
            progress_per_mille: run.progress_per_mille,
            length: run.length,
            density: run.density,
            result: run.result.as_ref().map(|result| match result {
                RunResult::Marker(marker) => serde_json::to_value(marker).unwrap_or_default(),
                RunResult::CutPlan(plan) => serde_json::to_value(plan).unwrap_or_default(),
            }),
            error: run.error,
            created_at: rfc3339(run.created_at),
            created_by: run.created_by,
            started_at: run.started_at.map(rfc3339),
            finished_at: run.finished_at.map(rfc3339),
        }
    }
}

/// The patterns of cutting factory `code`, newest first (its staff and the city; 404 for anyone
/// else).
#[utoipa::path(get, path = "/api/v1/factories/{code}/patterns", tag = "factories", params(("code" = String, Path)),
    responses((status = 200, body = Vec<PatternDto>), (status = 404, body = crate::problem::Problem)))]
async fn list_patterns(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<PatternDto>>, ApiError> {
    let patterns = state.factories().patterns(&principal, &code).await?;
    Ok(Json(patterns.into_iter().map(PatternDto::from).collect()))
}

/// Uploads a pattern (the factory's own staff), multipart: `name`; `file` (an AAMA / ASTM DXF
/// from a garment CAD system, or a problem JSON), or `order` alone to take that order's newest
/// pattern file; `width_cm` (the usable fabric width, needed for a DXF), `spacing_mm`, `unit`
/// (`mm`, `cm` or `in`, where the file does not say) and `rotations` (`file`, `one_way`,
/// `two_way`, `quarter` or `free`). The file is read and checked whole: a bad one is named and
/// nothing is kept.
#[utoipa::path(post, path = "/api/v1/factories/{code}/patterns", tag = "factories", params(("code" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "`name`, `file` or `order`, `width_cm`, `spacing_mm`, `unit`, `rotations`"),
    responses((status = 201, body = PatternDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem),
        (status = 413, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn upload_pattern(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    request: axum::extract::Request,
) -> Result<impl IntoResponse, ApiError> {
    // Outside the caller's scope the factory does not exist, whatever the body.
    state.factories().patterns(&principal, &code).await?;
    let mut multipart =
        <axum::extract::Multipart as axum::extract::FromRequest<AppState>>::from_request(
            request, &state,
        )
        .await
        .map_err(|e| ApiError::malformed(e.body_text()))?;
    let fail = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(e.body_text())
        } else {
            ApiError::malformed(e.body_text())
        }
    };
    let mut fields = std::collections::HashMap::new();
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(fail)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_owned();
            let bytes = field.bytes().await.map_err(fail)?;
            file = Some((file_name, bytes.to_vec()));
        } else {
            fields.insert(name, field.text().await.map_err(fail)?);
        }
    }
    let input = pattern_input(&fields, file).map_err(ApiError::malformed)?;
    let pattern = state
        .factories()
        .add_pattern(&principal, &code, input)
        .await?;
    Ok((StatusCode::CREATED, Json(PatternDto::from(pattern))))
}

/// A pattern's form fields as the domain takes them; a number that is not one is named.
pub(crate) fn pattern_input(
    fields: &std::collections::HashMap<String, String>,
    file: Option<(String, Vec<u8>)>,
) -> Result<PatternInput, String> {
    let text = |name: &str| fields.get(name).map(|v| v.trim()).unwrap_or_default();
    let number = |name: &str| -> Result<Option<f64>, String> {
        match text(name) {
            "" => Ok(None),
            value => value
                .parse::<f64>()
                .map(Some)
                .map_err(|_| format!("{name}: {value:?} is not a number")),
        }
    };
    let rotations = match text("rotations") {
        "" => RotationRule::AsFile,
        value => value.parse().map_err(|_| {
            format!("rotations: {value:?} is not one of file, one_way, two_way, quarter, free")
        })?,
    };
    Ok(PatternInput {
        name: text("name").to_owned(),
        order: Some(text("order").to_owned()).filter(|o| !o.is_empty()),
        file: file.filter(|(_, bytes)| !bytes.is_empty()),
        unit: Some(text("unit").to_owned()).filter(|u| !u.is_empty()),
        width_cm: number("width_cm")?,
        spacing_mm: number("spacing_mm")?,
        rotations,
    })
}

/// One pattern with its pieces and runs (its factory's staff and the city).
#[utoipa::path(get, path = "/api/v1/factories/{code}/patterns/{pattern_id}", tag = "factories",
    params(("code" = String, Path), ("pattern_id" = i64, Path)),
    responses((status = 200, body = PatternDetailDto), (status = 404, body = crate::problem::Problem)))]
async fn get_pattern(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((code, pattern_id)): ApiPath<(String, i64)>,
) -> Result<Json<PatternDetailDto>, ApiError> {
    let factories = state.factories();
    let pattern = factories.pattern(&principal, &code, pattern_id).await?;
    let runs = factories.runs(&principal, &code, pattern_id).await?;
    Ok(Json(PatternDetailDto {
        sizes: pattern.sizes(),
        problem: serde_json::to_value(&pattern.problem).unwrap_or_default(),
        pattern: PatternDto::from(pattern.summary),
        runs: runs.into_iter().map(RunDto::from).collect(),
    }))
}

/// Starts a marker or a cut plan on a pattern (the factory's own staff). `kind`: `marker` or
/// `cut_plan`; `time_limit_s` (a cut plan: per marker), `threads`, `seed`; a cut plan's `cut`:
/// `quantities` (`colour`, `size`, `quantity`), `max_plies`, `table_length_m`,
/// `end_allowance_cm`, `max_garments_per_marker`, `overcut_percent`, and the costs in fen
/// (`fabric_per_metre`, `marker_cost`, `spread_cost`). Checked whole, then queued: 202 with
/// the run to poll.
#[utoipa::path(post, path = "/api/v1/factories/{code}/patterns/{pattern_id}/runs", tag = "factories",
    params(("code" = String, Path), ("pattern_id" = i64, Path)), request_body(content = Object),
    responses((status = 202, body = RunDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn start_run(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((code, pattern_id)): ApiPath<(String, i64)>,
    ApiJson(input): ApiJson<RunInput>,
) -> Result<impl IntoResponse, ApiError> {
    let run = state
        .factories()
        .start_run(&principal, &code, pattern_id, input)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(RunDto::from(run))))
}

/// A run with its best result so far (poll it while it runs).
#[utoipa::path(get, path = "/api/v1/factories/{code}/patterns/{pattern_id}/runs/{run_id}", tag = "factories",
    params(("code" = String, Path), ("pattern_id" = i64, Path), ("run_id" = i64, Path)),
    responses((status = 200, body = RunDto), (status = 404, body = crate::problem::Problem)))]
async fn get_run(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((code, pattern_id, run_id)): ApiPath<(String, i64, i64)>,
) -> Result<Json<RunDto>, ApiError> {
    let (_, run) = state
        .factories()
        .run(&principal, &code, pattern_id, run_id)
        .await?;
    Ok(Json(RunDto::from(run)))
}

/// Stops a queued or running run (the factory's own staff): it ends with its best result so
/// far; 409 once it has ended.
#[utoipa::path(post, path = "/api/v1/factories/{code}/patterns/{pattern_id}/runs/{run_id}/stop", tag = "factories",
    params(("code" = String, Path), ("pattern_id" = i64, Path), ("run_id" = i64, Path)),
    responses((status = 202, description = "Stopping"), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn stop_run(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((code, pattern_id, run_id)): ApiPath<(String, i64, i64)>,
) -> Result<StatusCode, ApiError> {
    state
        .factories()
        .stop_run(&principal, &code, pattern_id, run_id)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// `?format=svg|json|plt&marker=N` (a cut plan's markers count from 0).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct MarkerQuery {
    /// svg (default), json or plt.
    format: Option<String>,
    /// Which of a cut plan's markers; 0 for a marker run.
    marker: Option<usize>,
}

/// A run's best marker as SVG (screen and print), Zhizao's marker JSON or HPGL/PLT (plotters
/// and cutters).
#[utoipa::path(get, path = "/api/v1/factories/{code}/patterns/{pattern_id}/runs/{run_id}/marker", tag = "factories",
    params(("code" = String, Path), ("pattern_id" = i64, Path), ("run_id" = i64, Path), MarkerQuery),
    responses((status = 200, description = "The marker file"), (status = 404, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn download_marker(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((code, pattern_id, run_id)): ApiPath<(String, i64, i64)>,
    ApiQuery(query): ApiQuery<MarkerQuery>,
) -> Result<axum::response::Response, ApiError> {
    let format = match query.format.as_deref().map(str::trim) {
        None | Some("") => MarkerFormat::Svg,
        Some(format) => format.parse().map_err(|_| {
            ApiError::malformed(format!("format: {format:?} is not svg, json or plt"))
        })?,
    };
    let file = state
        .factories()
        .marker_file(
            &principal,
            &code,
            (pattern_id, run_id),
            query.marker.unwrap_or(0),
            format,
        )
        .await?;
    let disposition = if format == MarkerFormat::Svg {
        format!("inline; filename=\"{}\"", file.file_name)
    } else {
        format!("attachment; filename=\"{}\"", file.file_name)
    };
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                file.content_type.to_owned(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        file.bytes,
    )
        .into_response())
}
