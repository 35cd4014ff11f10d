//! The review flow's steps, evaluations and objections raised during public notice.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_projects::ActionRequest;
use zhizao_projects::workflow::Action;

use super::applications::{ApplicationDto, EvaluationDto, ObjectionDto};
use crate::AppState;
use crate::api::etag;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(act_on_application))
        .routes(routes!(evaluate_application))
        .routes(routes!(add_objection))
        .routes(routes!(resolve_objection))
}

/// A step of the review flow.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ActionBody {
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

pub(super) async fn act_on_application(
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

pub(super) async fn evaluate_application(
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
pub(super) struct ObjectionBody {
    /// Who objected, as they gave it (may be empty).
    #[serde(default)]
    objector: String,
    content: String,
}

/// Records an objection to an application on public notice (city staff).
#[utoipa::path(post, path = "/api/v1/project-applications/{number}/objections", tag = "projects", params(("number" = String, Path)), request_body = ObjectionBody,
    responses((status = 201, body = ObjectionDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]

pub(super) async fn add_objection(
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
pub(super) struct ResolutionBody {
    resolution: String,
}

/// Records how an objection was resolved (city staff).
#[utoipa::path(post, path = "/api/v1/project-applications/{number}/objections/{objection_id}/resolution", tag = "projects",
    params(("number" = String, Path), ("objection_id" = i64, Path)), request_body = ResolutionBody,
    responses((status = 204), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)))]

pub(super) async fn resolve_objection(
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
