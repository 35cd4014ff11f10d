//! Zhizao's HTTP face.
//!
//! One axum [`Router`] serves three audiences:
//! - the REST API under `/api/v1/…` (bearer tokens or the pages' session cookie; errors are
//!   `application/problem+json` per RFC 9457; described by OpenAPI 3.1 at `/api/openapi.json`,
//!   generated from the handlers);
//! - server-rendered pages in Simplified Chinese or English (session cookie, CSRF token on every
//!   form, vendored assets, no CDN);
//! - operations: `/healthz`, `/readyz`, `/metrics` (Prometheus text format).
//!
//! The request path: socket → request id, tracing, timeout, panic guard → metrics →
//! [`auth`] resolves the cookie or token to a [`zhizao_identity::Principal`] and the language →
//! a handler in [`api`] or [`pages`] parses its input with the extractors in [`extract`], calls
//! the identity or registry crate with the principal (which applies the tenancy policy), and
//! maps the result; domain errors become responses in exactly one place ([`problem`] for the API,
//! `pages::PageError` for pages).
//!
//! Architecture invariant: handlers never decide who may see what; they pass the principal on.

pub(crate) mod api;
mod assets;
mod auth;
mod cookies;
mod dashboard;
mod extract;
mod i18n;
mod metrics;
mod open_data;
mod ops;
mod pages;
mod problem;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use zhizao_db::Database;
use zhizao_devices::Devices;
use zhizao_devices::rpc::CommandHub;
use zhizao_identity::Identity;
use zhizao_projects::Projects;
use zhizao_registry::Registry;
use zhizao_telemetry::TelemetryStore;

/// Whether cookies carry the `Secure` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CookieSecurity {
    /// When the request arrived over HTTPS, as a trusted reverse proxy reports with
    /// `X-Forwarded-Proto: https`.
    #[default]
    Auto,
    /// Always (the site is only reachable over HTTPS).
    Always,
    /// Never (plain HTTP on a closed network).
    Never,
}

/// HTTP behaviour that deployments tune.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The `Secure` cookie attribute.
    pub cookie_security: CookieSecurity,
    /// Believe `X-Forwarded-For` and `X-Forwarded-Proto` (only behind a reverse proxy).
    pub trust_forwarded_headers: bool,
    /// A request taking longer is answered with 503.
    pub request_timeout: Duration,
    /// The largest JSON body accepted.
    pub max_json_bytes: usize,
    /// The address people reach the platform at; links sent in messages start with it (never
    /// with a request's Host header, which a stranger chooses).
    pub public_url: String,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            cookie_security: CookieSecurity::Auto,
            trust_forwarded_headers: false,
            request_timeout: Duration::from_secs(60),
            max_json_bytes: 1024 * 1024,
            public_url: "http://127.0.0.1:8080".to_owned(),
        }
    }
}

/// The domain services the HTTP layer calls.
#[derive(Debug, Clone)]
pub struct Services {
    /// Accounts, sessions, tokens, audit.
    pub identity: Identity,
    /// The enterprise registry.
    pub registry: Registry,
    /// Device profiles and devices.
    pub devices: Devices,
    /// Commands to connected devices (shared with the MQTT transport).
    pub commands: CommandHub,
    /// The telemetry store.
    pub telemetry: TelemetryStore,
    /// Technology-upgrade projects and subsidies.
    pub projects: Projects,
    /// The shared factories.
    pub factories: zhizao_factory::Factories,
    /// The public technology service platform system.
    pub services: zhizao_services::PublicServices,
    /// Smart-manufacturing maturity self-assessments.
    pub assessments: zhizao_assessment::Assessments,
    /// The smart-manufacturing solution library.
    pub solutions: zhizao_solutions::Solutions,
    /// Training: courses, sessions, certificates.
    pub training: zhizao_training::Training,
    /// Talent, innovation teams and IP.
    pub talents: zhizao_talent::Talents,
    /// The open data API's keys and their limits.
    pub open_data: zhizao_opendata::OpenData,
}

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    identity: Identity,
    registry: Registry,
    devices: Devices,
    commands: CommandHub,
    telemetry: TelemetryStore,
    projects: Projects,
    factories: zhizao_factory::Factories,
    services: zhizao_services::PublicServices,
    assessments: zhizao_assessment::Assessments,
    solutions: zhizao_solutions::Solutions,
    training: zhizao_training::Training,
    talents: zhizao_talent::Talents,
    open_data: zhizao_opendata::OpenData,
    db: Database,
    settings: WebSettings,
    metrics: metrics::Metrics,
    /// Components beyond the database and telemetry that readiness reports.
    probes: std::sync::Mutex<Vec<(&'static str, ReadinessProbe)>>,
}

/// Why a component is down (`None`: it works), asked at every readiness check.
pub type ReadinessProbe = Arc<dyn Fn() -> Option<String> + Send + Sync>;

impl AppState {
    /// State over the domain services.
    pub fn new(services: Services, db: Database, settings: WebSettings) -> Self {
        let Services {
            identity,
            registry,
            devices,
            commands,
            telemetry,
            projects,
            factories,
            services,
            assessments,
            solutions,
            training,
            talents,
            open_data,
        } = services;
        AppState(Arc::new(Inner {
            identity,
            registry,
            devices,
            commands,
            telemetry,
            projects,
            factories,
            services,
            assessments,
            solutions,
            training,
            talents,
            open_data,
            db,
            settings,
            metrics: metrics::Metrics::new(),
            probes: std::sync::Mutex::new(Vec::new()),
        }))
    }

    /// Adds `name` to what `/readyz` and `/metrics` report (an external broker, for one).
    pub fn add_readiness(&self, name: &'static str, probe: ReadinessProbe) {
        match self.0.probes.lock() {
            Ok(mut probes) => probes.push((name, probe)),
            Err(poisoned) => poisoned.into_inner().push((name, probe)),
        }
    }

    /// Every added component's state.
    pub(crate) fn probed(&self) -> Vec<(&'static str, Option<String>)> {
        let probes = match self.0.probes.lock() {
            Ok(probes) => probes.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        probes
            .into_iter()
            .map(|(name, probe)| (name, probe()))
            .collect()
    }

    pub(crate) fn identity(&self) -> &Identity {
        &self.0.identity
    }

    pub(crate) fn registry(&self) -> &Registry {
        &self.0.registry
    }

    pub(crate) fn devices(&self) -> &Devices {
        &self.0.devices
    }

    pub(crate) fn commands(&self) -> &CommandHub {
        &self.0.commands
    }

    pub(crate) fn telemetry(&self) -> &TelemetryStore {
        &self.0.telemetry
    }

    pub(crate) fn projects(&self) -> &Projects {
        &self.0.projects
    }

    /// The shared factories.
    pub(crate) fn factories(&self) -> &zhizao_factory::Factories {
        &self.0.factories
    }

    /// The public technology service platform system.
    pub(crate) fn services(&self) -> &zhizao_services::PublicServices {
        &self.0.services
    }

    /// Smart-manufacturing maturity self-assessments.
    pub(crate) fn assessments(&self) -> &zhizao_assessment::Assessments {
        &self.0.assessments
    }

    /// The smart-manufacturing solution library.
    pub(crate) fn solutions(&self) -> &zhizao_solutions::Solutions {
        &self.0.solutions
    }

    /// Training: courses, sessions, certificates.
    pub(crate) fn training(&self) -> &zhizao_training::Training {
        &self.0.training
    }

    /// Talent, innovation teams and IP.
    pub(crate) fn talents(&self) -> &zhizao_talent::Talents {
        &self.0.talents
    }

    /// The open data API's keys and their limits.
    pub(crate) fn open_data(&self) -> &zhizao_opendata::OpenData {
        &self.0.open_data
    }

    pub(crate) fn db(&self) -> &Database {
        &self.0.db
    }

    pub(crate) fn settings(&self) -> &WebSettings {
        &self.0.settings
    }

    pub(crate) fn metrics(&self) -> &metrics::Metrics {
        &self.0.metrics
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("settings", &self.0.settings)
            .finish_non_exhaustive()
    }
}

/// The whole application: API, pages, operations endpoints and assets, with every middleware.
pub fn router(state: AppState) -> Router {
    let (api_router, openapi) = api::router().split_for_parts();
    let api_router = api_router.method_not_allowed_fallback(problem::method_not_allowed);
    let openapi_json: Arc<str> = openapi
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_owned())
        .into();
    let timeout = state.settings().request_timeout;
    Router::new()
        .merge(api_router)
        .merge(pages::router())
        .merge(ops::router(openapi_json))
        .merge(assets::router())
        .fallback(problem::fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::resolve,
        ))
        .layer(axum::middleware::from_fn(problem::render))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::record,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(CatchPanicLayer::custom(problem::panic_response))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// The OpenAPI document of every API route, as JSON.
pub fn openapi_json() -> String {
    let (_, openapi) = api::router().split_for_parts();
    openapi.to_pretty_json().unwrap_or_default()
}

/// Serves `router` on `listener` until `shutdown` completes, then lets requests in flight
/// finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
