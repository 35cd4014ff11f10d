//! The ThingsBoard HTTP device API: devices call these with their access token in the path, so
//! firmware written for ThingsBoard works unchanged.
//!
//! - `POST /api/v1/{token}/telemetry`: `{"k": v}`, `{"ts": ms, "values": {…}}` or an array;
//! - `POST /api/v1/{token}/attributes`: client-side attributes;
//! - `GET /api/v1/{token}/attributes?clientKeys=a,b&sharedKeys=c`;
//! - `GET /api/v1/{token}/rpc?timeout=ms`: waits for a command (408 when none came);
//! - `POST /api/v1/{token}/rpc/{id}`: the answer to command `id`.

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::{FieldError, Text};
use zhizao_devices::DeviceIdentity;
use zhizao_devices::thingsboard::telemetry_points;

use crate::AppState;
use crate::extract::{ApiPath, ApiQuery};
use crate::problem::ApiError;

/// A device's message body accepted at most.
const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(post_telemetry))
        .routes(routes!(post_attributes, get_attributes))
        .routes(routes!(poll_rpc))
        .routes(routes!(answer_rpc))
        .layer(DefaultBodyLimit::max(MAX_MESSAGE_BYTES))
}

async fn device(state: &AppState, token: &str) -> Result<DeviceIdentity, ApiError> {
    state.devices().authenticate(token).await?.ok_or_else(|| {
        ApiError::unauthenticated("the device access token is unknown, rotated or disabled")
    })
}

fn invalid(field: &str, message: String) -> ApiError {
    ApiError::validation(vec![FieldError::new(
        field,
        Text::owned(message.clone(), message),
    )])
}

/// Telemetry from the device whose access token is in the path, in ThingsBoard's formats. All
/// or nothing; durable and queryable when answered.
#[utoipa::path(post, path = "/api/v1/{token}/telemetry", tag = "device API", params(("token" = String, Path, description = "The device's access token")),
    request_body(content = Object, description = "`{\"temperature\": 42.5}`, `{\"ts\": 1451649600512, \"values\": {…}}` or an array of these"),
    responses((status = 200, description = "Stored"), (status = 401, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn post_telemetry(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let device = device(&state, &token).await?;
    let points = telemetry_points(&body, &device, state.identity().clock().now().as_millis())
        .map_err(|e| {
            invalid(
                &format!("body{}", e.path.clone().unwrap_or_default()),
                e.to_string(),
            )
        })?;
    state
        .telemetry()
        .write(device.tenant, &device.database, points)
        .await
        .map_err(|error| ApiError::from(error).in_field("body"))?;
    Ok(StatusCode::OK)
}

/// Client-side attributes the device reports about itself (`{"firmware": "1.2.0"}`).
#[utoipa::path(post, path = "/api/v1/{token}/attributes", tag = "device API", params(("token" = String, Path, description = "The device's access token")),
    request_body(content = Object, description = "Attribute names and JSON values"),
    responses((status = 200, description = "Stored"), (status = 401, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn post_attributes(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let device = device(&state, &token).await?;
    let attributes: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&body)
        .map_err(|e| invalid("body", format!("expected a JSON object of attributes: {e}")))?;
    state
        .devices()
        .set_client_attributes(&device, &attributes)
        .await?;
    Ok(StatusCode::OK)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AttributeKeys {
    /// Comma-separated client-side attribute names (all when absent).
    client_keys: Option<String>,
    /// Comma-separated shared attribute names (all when absent).
    shared_keys: Option<String>,
}

/// The device's attributes, as ThingsBoard answers.
#[derive(Debug, Serialize, ToSchema)]
struct DeviceAttributes {
    #[schema(value_type = Object)]
    client: serde_json::Map<String, serde_json::Value>,
    #[schema(value_type = Object)]
    shared: serde_json::Map<String, serde_json::Value>,
}

fn keys(list: Option<&str>) -> Option<Vec<String>> {
    list.map(|l| {
        l.split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .collect()
    })
}

/// The device's client-side and shared attributes.
#[utoipa::path(get, path = "/api/v1/{token}/attributes", tag = "device API", params(("token" = String, Path, description = "The device's access token"), AttributeKeys),
    responses((status = 200, body = DeviceAttributes), (status = 401, body = crate::problem::Problem)))]
async fn get_attributes(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ApiQuery(query): ApiQuery<AttributeKeys>,
) -> Result<Json<DeviceAttributes>, ApiError> {
    let device = device(&state, &token).await?;
    let client_keys = keys(query.client_keys.as_deref());
    let shared_keys = keys(query.shared_keys.as_deref());
    Ok(Json(DeviceAttributes {
        client: state
            .devices()
            .attributes(device.device_id, "client", client_keys.as_deref())
            .await?,
        shared: state
            .devices()
            .attributes(device.device_id, "shared", shared_keys.as_deref())
            .await?,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct PollQuery {
    /// How long to wait, in ms (default 30,000, at most 60,000).
    timeout: Option<u64>,
}

/// A command for the device.
#[derive(Debug, Serialize, ToSchema)]
struct DeviceCommand {
    /// Answer with `POST /api/v1/{token}/rpc/{id}`.
    id: u64,
    method: String,
    #[schema(value_type = Object)]
    params: serde_json::Value,
}

/// Waits for the next command to the device (a long poll); 408 when none came in time.
#[utoipa::path(get, path = "/api/v1/{token}/rpc", tag = "device API", params(("token" = String, Path, description = "The device's access token"), PollQuery),
    responses((status = 200, body = DeviceCommand), (status = 401, body = crate::problem::Problem), (status = 408, body = crate::problem::Problem)))]
async fn poll_rpc(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ApiQuery(query): ApiQuery<PollQuery>,
) -> Result<Json<DeviceCommand>, ApiError> {
    let device = device(&state, &token).await?;
    let timeout = Duration::from_millis(query.timeout.unwrap_or(30_000).clamp(1, 60_000));
    let mut commands = state.commands().subscribe(device.device_id);
    match tokio::time::timeout(timeout, commands.recv()).await {
        Ok(Some(request)) => Ok(Json(DeviceCommand {
            id: request.id,
            method: request.method,
            params: request.params,
        })),
        _ => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "no-command",
            Text::new("没有待执行的命令", "No command"),
            "no command arrived in time; poll again",
        )),
    }
}

/// The device's answer to command `id`; 404 when nobody waits for it any more.
#[utoipa::path(post, path = "/api/v1/{token}/rpc/{id}", tag = "device API", params(("token" = String, Path, description = "The device's access token"), ("id" = u64, Path)),
    request_body(content = Object, description = "The answer, any JSON"),
    responses((status = 200, description = "Delivered"), (status = 401, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)))]
async fn answer_rpc(
    State(state): State<AppState>,
    ApiPath((token, id)): ApiPath<(String, u64)>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let device = device(&state, &token).await?;
    let answer: serde_json::Value = if body.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&body).map_err(|e| invalid("body", format!("not JSON: {e}")))?
    };
    if state.commands().respond(device.device_id, id, answer) {
        Ok(StatusCode::OK)
    } else {
        Err(ApiError::not_found(format!(
            "no command {id} is waiting for this device's answer"
        )))
    }
}
