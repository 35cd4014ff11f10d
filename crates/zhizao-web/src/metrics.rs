//! Prometheus metrics: requests by route and status, latency histograms, pool occupancy.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::AppState;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ComponentLabels {
    component: String,
}

/// The process's metrics.
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RequestLabels, Histogram>,
    pool_size: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
    components: Family<ComponentLabels, Gauge>,
    log_bytes: Gauge,
    log_limit_bytes: Gauge,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("zhizao");
        let requests = Family::<RequestLabels, Counter>::default();
        let durations = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ])
        });
        let pool_size = Gauge::default();
        let pool_idle = Gauge::default();
        let pool_max = Gauge::default();
        registry.register(
            "http_requests",
            "HTTP requests by method, route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by method, route and status",
            durations.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Open database connections",
            pool_size.clone(),
        );
        registry.register(
            "db_pool_idle_connections",
            "Idle database connections",
            pool_idle.clone(),
        );
        registry.register(
            "db_pool_max_connections",
            "Configured maximum of database connections",
            pool_max.clone(),
        );
        let components = Family::<ComponentLabels, Gauge>::default();
        registry.register(
            "component_up",
            "1 while a component works (database, telemetry_log), 0 while it is down",
            components.clone(),
        );
        let log_bytes = Gauge::default();
        let log_limit_bytes = Gauge::default();
        registry.register(
            "telemetry_log_bytes",
            "Size of the telemetry write-ahead log on disk; it grows while persisting lags or fails",
            log_bytes.clone(),
        );
        registry.register(
            "telemetry_log_limit_bytes",
            "Log size beyond which telemetry writes are refused with 503 (telemetry_max_log_mb)",
            log_limit_bytes.clone(),
        );
        Metrics {
            components,
            log_bytes,
            log_limit_bytes,
            registry,
            requests,
            durations,
            pool_size,
            pool_idle,
            pool_max,
        }
    }

    /// The text exposition, with pool gauges, the components' states (`up`) and the telemetry
    /// log's size and limit (`log`) read now.
    pub(crate) fn encode(
        &self,
        stats: zhizao_db::PoolStats,
        up: &[(&str, bool)],
        log: (u64, u64),
    ) -> String {
        self.log_bytes.set(i64::try_from(log.0).unwrap_or(i64::MAX));
        self.log_limit_bytes
            .set(i64::try_from(log.1).unwrap_or(i64::MAX));
        for (component, working) in up {
            self.components
                .get_or_create(&ComponentLabels {
                    component: (*component).to_owned(),
                })
                .set(i64::from(*working));
        }
        self.pool_size.set(i64::from(stats.size));
        self.pool_idle.set(i64::from(stats.idle));
        self.pool_max.set(i64::from(stats.max));
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            text.clear();
        }
        text
    }
}

/// Counts and times every request by its route template (never the raw path, which would let
/// clients create unbounded label values).
pub(crate) async fn record(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let response = next.run(request).await;
    let route = route
        .or_else(|| {
            response
                .extensions()
                .get::<MatchedPath>()
                .map(|p| p.as_str().to_owned())
        })
        .unwrap_or_else(|| "unmatched".to_owned());
    let labels = RequestLabels {
        method,
        route,
        status: response.status().as_u16(),
    };
    state.metrics().requests.get_or_create(&labels).inc();
    state
        .metrics()
        .durations
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    response
}
