//! Static assets, vendored and compiled into the binary (installations are often offline).

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

/// `(name, content type, bytes)` of every asset.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/app.js"),
    ),
    (
        "assessment-report.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/assessment-report.js"),
    ),
    (
        "devices.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/devices.js"),
    ),
    (
        "factory-oee.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/factory-oee.js"),
    ),
    (
        "factory-markers.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/factory-markers.js"),
    ),
    (
        "factory-plan.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/factory-plan.js"),
    ),
    (
        "training.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/training.js"),
    ),
    (
        // Apache ECharts 5.6.0 (Apache-2.0; LICENSE and NOTICE beside it), from npm.
        "echarts.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/vendor/echarts/echarts-5.6.0.min.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../assets/favicon.svg"),
    ),
];

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/assets/{name}", get(asset)).route(
        "/favicon.ico",
        get(|| async { asset(Path("favicon.svg".to_owned())).await }),
    )
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(asset, _, _)| *asset == name) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
