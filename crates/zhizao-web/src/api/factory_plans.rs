//! A factory's plan versions: its staff plan the confirmed orders (with pins) and publish one
//! version; the city reads them.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_factory::Pin;
use zhizao_factory::planning::{OrderOutcome, Outage, PlanFigures, PlannedOperation};

use super::{etag, if_match, rfc3339};
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_plans, make_plan))
        .routes(routes!(get_plan))
        .routes(routes!(publish_plan))
}

/// A planner's pin: one operation held at a resource and a start.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PinDto {
    /// The order's number.
    order: String,
    /// The lot, from 1.
    lot: usize,
    /// The routing step, from 1.
    step: usize,
    /// The resource's code.
    resource: String,
    /// YYYY-MM-DD HH:MM, Asia/Shanghai.
    start: String,
}

/// One planned operation.
#[derive(Debug, Serialize, ToSchema)]
struct OperationDto {
    order: String,
    lot: usize,
    step: usize,
    step_name: String,
    pieces: i64,
    resource: String,
    start: String,
    end: String,
    /// Change-over minutes before it.
    setup_minutes: i64,
    /// Pinned, or started under the published plan.
    fixed: bool,
}

/// How an order fares in the plan.
#[derive(Debug, Serialize, ToSchema)]
struct OutcomeDto {
    order: String,
    family: String,
    pieces: i64,
    promised_at: String,
    planned_end: String,
    late_minutes: i64,
    /// The client's material is not in: the plan starts the order no earlier than this.
    #[serde(skip_serializing_if = "Option::is_none")]
    material_awaited: Option<String>,
}

/// A plan's figures.
#[derive(Debug, Serialize, ToSchema)]
struct FiguresDto {
    operations: usize,
    late_orders: usize,
    total_tardiness_minutes: i64,
    makespan_end: String,
    /// Busy share of the resources' open time, ‰.
    utilisation_per_mille: i64,
    /// Operations moved since the previous version.
    moved: Option<usize>,
    iterations: u64,
}

/// A plan version.
#[derive(Debug, Serialize, ToSchema)]
struct PlanDto {
    platform_code: String,
    version: i64,
    /// draft, published or superseded.
    status: String,
    setup_version: i64,
    created_at: String,
    created_by: String,
    published_at: Option<String>,
    figures: FiguresDto,
    pins: Vec<PinDto>,
    outages: Vec<OutageDto>,
    orders: Vec<OutcomeDto>,
    /// Every operation (left out of lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    operations: Option<Vec<OperationDto>>,
}

fn figures(f: &PlanFigures) -> FiguresDto {
    FiguresDto {
        operations: f.operations,
        late_orders: f.late_orders,
        total_tardiness_minutes: f.total_tardiness_minutes,
        makespan_end: rfc3339(f.makespan_end),
        utilisation_per_mille: f.utilisation_per_mille,
        moved: f.moved,
        iterations: f.iterations,
    }
}

fn operation(o: &PlannedOperation) -> OperationDto {
    OperationDto {
        order: o.order.clone(),
        lot: o.lot,
        step: o.step,
        step_name: o.step_name.clone(),
        pieces: o.pieces,
        resource: o.resource.clone(),
        start: rfc3339(o.start),
        end: rfc3339(o.end),
        setup_minutes: o.setup_minutes,
        fixed: o.fixed,
    }
}

fn outcome(o: &OrderOutcome) -> OutcomeDto {
    OutcomeDto {
        order: o.order.clone(),
        family: o.family.clone(),
        pieces: o.pieces,
        promised_at: rfc3339(o.promised_at),
        planned_end: rfc3339(o.planned_end),
        late_minutes: o.late_minutes,
        material_awaited: o.material_awaited.map(rfc3339),
    }
}

impl PlanDto {
    fn of(plan: &zhizao_factory::Plan, with_operations: bool) -> Self {
        PlanDto {
            platform_code: plan.platform_code.clone(),
            version: plan.version,
            status: plan.status.as_str().to_owned(),
            setup_version: plan.setup_version,
            created_at: rfc3339(plan.created_at),
            created_by: plan.created_by.clone(),
            published_at: plan.published_at.map(rfc3339),
            figures: figures(&plan.body.figures),
            pins: plan
                .body
                .pins
                .iter()
                .map(|p| PinDto {
                    order: p.order.clone(),
                    lot: p.lot,
                    step: p.step,
                    resource: p.resource.clone(),
                    start: p.start.clone(),
                })
                .collect(),
            outages: plan
                .body
                .outages
                .iter()
                .map(|o| OutageDto {
                    resource: o.resource.clone(),
                    start: o.start.clone(),
                    end: o.end.clone(),
                    reason: o.reason.clone(),
                })
                .collect(),
            orders: plan.body.orders.iter().map(outcome).collect(),
            operations: with_operations
                .then(|| plan.body.operations.iter().map(operation).collect()),
        }
    }
}

/// The factory's plan versions, newest first, without their operations (its staff and the
/// city). The ETag is the latest version.
#[utoipa::path(get, path = "/api/v1/factories/{code}/plans", tag = "factories", params(("code" = String, Path)),
    responses((status = 200, body = Vec<PlanDto>), (status = 404, body = crate::problem::Problem)))]
async fn list_plans(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let plans = state.factories().plans(&principal, &code).await?;
    let latest = plans.first().map_or(0, |p| p.version);
    Ok((
        etag(latest),
        Json(
            plans
                .iter()
                .map(|p| PlanDto::of(p, false))
                .collect::<Vec<_>>(),
        ),
    ))
}

/// What to plan with.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MakePlan {
    /// Operations to hold at a resource and a start.
    #[serde(default)]
    pins: Vec<PinDto>,
    /// Resources out of service for a while (a fault being repaired), planned around.
    #[serde(default)]
    outages: Vec<OutageDto>,
}

/// A resource out of service from `start` to `end` (YYYY-MM-DD HH:MM, Asia/Shanghai).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct OutageDto {
    resource: String,
    start: String,
    end: String,
    #[serde(default)]
    reason: String,
}

/// Plans the factory's confirmed orders now as the next version, a draft (its staff). Send
/// `If-Match` with the latest version you saw (omit it before the first); a pin that cannot
/// hold is refused with the reason.
#[utoipa::path(post, path = "/api/v1/factories/{code}/plans", tag = "factories", params(("code" = String, Path)), request_body = MakePlan,
    responses((status = 201, body = PlanDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn make_plan(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<MakePlan>,
) -> Result<impl IntoResponse, ApiError> {
    let pins: Vec<Pin> = body
        .pins
        .into_iter()
        .map(|p| Pin {
            order: p.order,
            lot: p.lot,
            step: p.step,
            resource: p.resource,
            start: p.start,
        })
        .collect();
    let outages: Vec<Outage> = body
        .outages
        .into_iter()
        .map(|o| Outage {
            resource: o.resource,
            start: o.start,
            end: o.end,
            reason: o.reason,
        })
        .collect();
    let plan = state
        .factories()
        .make_plan_with(&principal, &code, &pins, &outages, if_match(&headers)?)
        .await?;
    Ok((
        StatusCode::CREATED,
        etag(plan.version),
        Json(PlanDto::of(&plan, true)),
    ))
}

/// One plan version with every operation.
#[utoipa::path(get, path = "/api/v1/factories/{code}/plans/{version}", tag = "factories", params(("code" = String, Path), ("version" = i64, Path)),
    responses((status = 200, body = PlanDto), (status = 404, body = crate::problem::Problem)))]
async fn get_plan(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((code, version)): ApiPath<(String, i64)>,
) -> Result<Json<PlanDto>, ApiError> {
    let plan = state.factories().plan(&principal, &code, version).await?;
    Ok(Json(PlanDto::of(&plan, true)))
}

/// Publishes a draft version (its staff): the floor works to it, clients' dates follow it, the
/// version published before is superseded. Send `If-Match` with the published version you saw
/// (omit it when none was).
#[utoipa::path(post, path = "/api/v1/factories/{code}/plans/{version}/publish", tag = "factories", params(("code" = String, Path), ("version" = i64, Path)),
    responses((status = 200, body = PlanDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn publish_plan(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((code, version)): ApiPath<(String, i64)>,
    headers: HeaderMap,
) -> Result<Json<PlanDto>, ApiError> {
    let plan = state
        .factories()
        .publish_plan(&principal, &code, version, if_match(&headers)?)
        .await?;
    Ok(Json(PlanDto::of(&plan, true)))
}
