//! Operations endpoints: liveness, readiness, metrics, the OpenAPI document.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::AppState;

pub(crate) fn router(openapi_json: Arc<str>) -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .route(
            "/api/openapi.json",
            get(move || {
                let json = Arc::clone(&openapi_json);
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        json.to_string(),
                    )
                }
            }),
        )
}

/// Each component's state: (name, `None` when it works, or why it does not).
async fn components(state: &AppState) -> Vec<(&'static str, Option<String>)> {
    let database = state.db().ping().await.err().map(|error| error.to_string());
    let telemetry = state.telemetry();
    // Persisting failing (a refusing bucket, a full disk) is not yet a refused write, but the
    // log is filling toward its limit: an operator should hear of it now.
    let files = if telemetry.uses_object_storage() {
        "object_storage"
    } else {
        "telemetry_files"
    };
    let mut components = vec![
        ("database", database),
        ("telemetry_log", telemetry.log_failure()),
        (files, telemetry.persist_failure()),
    ];
    components.extend(state.probed());
    components
}

/// 200 when every component works; 503 naming each one that does not, one line each
/// (`component: ok` or `component: unavailable: why`).
async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let components = components(&state).await;
    let down = components.iter().any(|(_, failure)| failure.is_some());
    let text: String = components
        .iter()
        .map(|(name, failure)| match failure {
            None => format!("{name}: ok\n"),
            Some(why) => format!("{name}: unavailable: {why}\n"),
        })
        .collect();
    if down {
        tracing::warn!(components = %text.trim(), "readiness check failed");
        (StatusCode::SERVICE_UNAVAILABLE, text)
    } else {
        (StatusCode::OK, text)
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let components = components(&state).await;
    let up: Vec<(&str, bool)> = components
        .iter()
        .map(|(name, failure)| (*name, failure.is_none()))
        .collect();
    let text = state
        .metrics()
        .encode(state.db().pool_stats(), &up, state.telemetry().log_bytes());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
}
