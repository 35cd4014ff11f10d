//! The factory's floor: the published plan's operations with their progress from the machines'
//! counts and the operators' starts and finishes; its staff record those, the city reads.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::{FieldError, Text};
use zhizao_factory::floor::{Floor, OperationRecord};
use zhizao_factory::progress::OperationAction;

use super::rfc3339;
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_floor))
        .routes(routes!(record_operation))
        .routes(routes!(record_stop))
}

/// The reason for a resource's stop, chosen from the set-up's alarm codes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct StopBody {
    resource: String,
    /// One of the set-up's `alarms` codes.
    code: i64,
}

/// A stop's reason as recorded.
#[derive(Debug, Serialize, ToSchema)]
struct StopDto {
    resource: String,
    code: i64,
    at: String,
}

/// Records why a resource stands now (the factory's own staff): OEE counts the stop under the
/// chosen reason, and its party (plant or client), when the machine reported no alarm of its
/// own. 422 naming `resource` or `code` when the set-up has no such resource or reason.
#[utoipa::path(post, path = "/api/v1/factories/{code}/floor/stops", tag = "factories", params(("code" = String, Path)),
    request_body = StopBody,
    responses((status = 201, body = StopDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn record_stop(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<StopBody>,
) -> Result<(axum::http::StatusCode, Json<StopDto>), ApiError> {
    let at = state
        .factories()
        .record_stop(&principal, &code, &body.resource, body.code)
        .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(StopDto {
            resource: body.resource.trim().to_owned(),
            code: body.code,
            at: rfc3339(at),
        }),
    ))
}

/// One operation of the published plan on the floor.
#[derive(Debug, Serialize, ToSchema)]
struct OperationDto {
    order: String,
    lot: usize,
    step: usize,
    step_name: String,
    resource: String,
    pieces: i64,
    planned_start: String,
    planned_end: String,
    /// waiting, running or done.
    state: String,
    good: i64,
    scrap: i64,
    started_at: Option<String>,
    finished_at: Option<String>,
}

/// Pieces a resource counted that no operation took.
#[derive(Debug, Serialize, ToSchema)]
struct UnassignedDto {
    resource: String,
    good: i64,
    scrap: i64,
    first_at: String,
    last_at: String,
}

/// The floor.
#[derive(Debug, Serialize, ToSchema)]
struct FloorDto {
    /// The published plan's version (absent: nothing published yet).
    plan_version: Option<i64>,
    published_at: Option<String>,
    operations: Vec<OperationDto>,
    unassigned: Vec<UnassignedDto>,
}

impl From<&Floor> for FloorDto {
    fn from(floor: &Floor) -> Self {
        FloorDto {
            plan_version: floor.plan_version,
            published_at: floor.published_at.map(rfc3339),
            operations: floor
                .progress
                .operations
                .iter()
                .map(|p| OperationDto {
                    order: p.operation.order.clone(),
                    lot: p.operation.lot,
                    step: p.operation.step,
                    step_name: p.operation.step_name.clone(),
                    resource: p.operation.resource.clone(),
                    pieces: p.operation.pieces,
                    planned_start: rfc3339(p.operation.start),
                    planned_end: rfc3339(p.operation.end),
                    state: p.state.as_str().to_owned(),
                    good: p.good,
                    scrap: p.scrap,
                    started_at: p.started_at.map(rfc3339),
                    finished_at: p.finished_at.map(rfc3339),
                })
                .collect(),
            unassigned: floor
                .progress
                .unassigned
                .iter()
                .map(|(resource, u)| UnassignedDto {
                    resource: resource.clone(),
                    good: u.good,
                    scrap: u.scrap,
                    first_at: rfc3339(u.first_at),
                    last_at: rfc3339(u.last_at),
                })
                .collect(),
        }
    }
}

/// The published plan's operations with their progress (the factory's staff and the city; 404
/// for anyone else).
#[utoipa::path(get, path = "/api/v1/factories/{code}/floor", tag = "factories", params(("code" = String, Path)),
    responses((status = 200, body = FloorDto), (status = 404, body = crate::problem::Problem)))]
async fn get_floor(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<FloorDto>, ApiError> {
    let floor = state.factories().floor(&principal, &code).await?;
    Ok(Json(FloorDto::from(&floor)))
}

/// An operator's start or finish of an operation of the published plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct OperationBody {
    order: String,
    lot: usize,
    step: usize,
    /// start or finish.
    action: String,
}

/// Records that an operation started or finished (the factory's own staff): counts its
/// resource reports while it runs are its own. 409 `illegal-transition` when it already runs
/// (or is finished), or another operation runs on its resource.
#[utoipa::path(post, path = "/api/v1/factories/{code}/floor/operations", tag = "factories", params(("code" = String, Path)),
    request_body = OperationBody,
    responses((status = 200, body = FloorDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn record_operation(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<OperationBody>,
) -> Result<Json<FloorDto>, ApiError> {
    let action: OperationAction = body.action.trim().parse().map_err(|_| {
        ApiError::validation(vec![FieldError::new(
            "action",
            Text::owned(
                format!("“{}”应为 start 或 finish", body.action),
                format!("“{}” must be start or finish", body.action),
            ),
        )])
    })?;
    let floor = state
        .factories()
        .record_operation(
            &principal,
            &code,
            &OperationRecord {
                order: body.order,
                lot: body.lot,
                step: body.step,
                action,
            },
        )
        .await?;
    Ok(Json(FloorDto::from(&floor)))
}
