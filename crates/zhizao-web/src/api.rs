//! The REST API under `/api/v1`, described by OpenAPI 3.1 generated from these handlers.
//!
//! Each module owns its routes and its private request and response types. Request types deny
//! unknown fields; money is integer fen; instants are RFC 3339 in UTC; optimistic locking uses
//! `ETag` on reads and `If-Match` on writes.

mod accounts;
mod assessments;
mod audit;
mod dashboard;
mod device_api;
pub(crate) mod devices;
mod enterprises;
mod factories;
mod factory_figures;
mod factory_floor;
mod factory_markers;
mod factory_oee;
mod factory_orders;
mod factory_plans;
mod major;
mod open_data;
mod service_catalogue;
mod service_figures;
mod service_platforms;
mod service_requests;
mod solutions;
mod talent;
mod training;
mod training_sessions;

pub(crate) use assessments::facts_of as assessment_facts;
pub(crate) use enterprises::export_response;
pub(crate) use factory_markers::pattern_input;
pub(crate) use solutions::{MeasureBody, measured_figures};
pub(crate) use talent::project_ref;
pub(crate) use tokens::parse_rfc3339;
pub(crate) use training::{pdf_response as certificate_pdf_response, serve_lesson_file};
pub(crate) use training_sessions::sign_in_path;
mod me;
mod organizations;
pub(crate) mod projects;
mod reference;
mod telemetry;
mod tokens;
mod users;
mod vouchers;

use axum::http::{HeaderMap, HeaderValue, header};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use zhizao_core::{PageRequest, Timestamp};

use crate::AppState;
use crate::problem::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Zhizao API",
        description = "The REST API of Zhizao, the smart-manufacturing public technology service platform. \
            Authenticate with `Authorization: Bearer TOKEN` (create a token on the account page or with \
            `zhizao token create`). Every error is `application/problem+json` (RFC 9457). Money is integer fen; \
            instants are RFC 3339 in UTC. Results are limited to what the token's user may see: an enterprise \
            sees itself, a town its enterprises, a platform its client enterprises, the city everything; \
            anything else answers 404.",
        license(name = "Apache-2.0")
    ),
    components(schemas(crate::problem::Problem, crate::problem::ProblemField)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "account", description = "The caller, their tokens and sessions"),
        (name = "organizations", description = "Tenants: the city bureau, towns, platforms, enterprises, expert panels"),
        (name = "users", description = "People who sign in"),
        (name = "accounts", description = "Joining and recovering: a company's sign-up, verified by the city or its town, \
            and a forgotten password's one-time link (the operations marked without security need no token)"),
        (name = "reference", description = "Towns and industry classes"),
        (name = "enterprises", description = "The enterprise registry"),
        (name = "audit", description = "Who changed what"),
        (name = "devices", description = "Device profiles (product models) and devices of the caller's enterprise: \
            tokens, attributes, latest values, charts, commands"),
        (name = "device API", description = "What devices call with their access token in the path, as the ThingsBoard \
            HTTP device API does: telemetry, attributes, commands"),
        (name = "telemetry", description = "Points from equipment and smart products, and SQL over them; \
            /write, /api/v2/write and /api/v3/query_sql speak InfluxDB's protocols and error formats"),
        (name = "major projects", description = "Major science-and-technology projects: calls with topics and weighted criteria, \
            applications, expert profiles, blind expert reviews without conflicts of interest, ranking, awards, milestones"),
        (name = "factories", description = "Shared factories (the cutting and robot polishing centres): each platform's \
            published tariff and its set-up (sites, resources, calendar, routings, change-overs) in versions, and quotes \
            under the current tariff with the calculation line by line"),
        (name = "factory orders", description = "Orders to shared factories: placed by enterprises with an instant quote (the price \
            line by line and a date promised from the factory's finite-capacity plan, valid a day), accepted, re-quoted, cancelled"),
        (name = "service platforms", description = "The public technology service platform system's directory: \
            the sectors (kept by the city) and each service platform's profile (sector, city-level unit, recognitions, \
            operator, contacts, staff)"),
        (name = "service catalogue", description = "The services platforms offer, in versions: drafted by the \
            platform, checked by the city, five days on public notice, then published; a published version is never \
            edited (the next version replaces it); searched by sector, platform, free, vouchers and words"),
        (name = "service requests", description = "Requests to delivery: an enterprise requests a service, the \
            platform proposes a contract or declines, the enterprise confirms, the platform delivers with evidence, \
            the enterprise accepts or disputes, then rates; each request waits on one side; shared-factory orders \
            are listed as requests of their kind"),
        (name = "innovation vouchers", description = "Innovation vouchers: the city's programmes (budget, share \
            of a contract, cap per enterprise, eligible sectors and platforms), quotas applied for or granted, vouchers \
            paying part of a confirmed contract, claims with evidence and proof of payment, review, reimbursement, \
            expiry; a double-entry ledger in fen with balances that never go below zero"),
        (name = "maturity assessment", description = "Smart-manufacturing capability maturity self-assessment after \
            GB/T 39116-2020 and GB/T 39117-2020: the model revisions as data, an enterprise's assessments with answers \
            suggested from its devices, completed upgrade projects and shared-factory orders (confirmed or corrected), \
            submission, and the report with the level, scores per level and domain, the gaps to the next level and the \
            standing among enterprises of its industry and town"),
        (name = "solutions", description = "The smart-manufacturing solution library: solutions providers publish with \
            the maturity sub-domains and levels they raise, industries, investment and payback; solutions ranked for an \
            assessed enterprise by its gaps and industry with the reasons; adoptions from proposal (by the provider to a \
            client, or asked for by the enterprise) to accepted, implemented and verified with a completed project or \
            before-and-after figures"),
        (name = "talent", description = "Talent, innovation teams and IP: the talents programmes brought in (degree, \
            field, employer, programme, year), innovation teams (field, level) and patents and other IP (a patent number's \
            check digit verified) tied to enterprises and projects, with the figures counted from them"),
        (name = "training", description = "Training: courses with text, PDF and video lessons and each learner's \
            progress, offline sessions with a capacity, registration and sign-in by the code on the trainer's screen that \
            changes every minute (or by the trainer), completion rules, and certificates as PDF that anyone verifies by \
            their code without signing in"),
        (name = "open data", description = "The city's open data: the catalogue of datasets (every figure the modules \
            count, for the whole city and each town, by year), their rows as JSON or CSV with cells counted from fewer than \
            three enterprises withheld, for a key the city issues (`X-API-Key`, a rate limit per key: 429 with `Retry-After` \
            past it, use counted per day) or anyone signed in; the keys themselves for the city's data office"),
        (name = "dashboard", description = "The city's dashboard: every figure the modules count from their records \
            (enterprises, projects and subsidies, connected devices, shared factories, services and vouchers, maturity, \
            solutions, training, talent), each with its definition, its trend by year and its spread over the towns, \
            in the reader's scope (the city's staff all towns, a town's staff their own)"),
        (name = "projects", description = "Technology-upgrade projects and subsidies: versioned rule sets, intake batches, \
            applications and their review actions, evaluations with explanations, objections, work queues, reports"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "An open data key the city issued (`zod_…`)",
            ))),
        );
    }
}

/// Every API route.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(me::router())
        .merge(accounts::router())
        .merge(tokens::router())
        .merge(organizations::router())
        .merge(users::router())
        .merge(reference::router())
        .merge(enterprises::router())
        .merge(audit::router())
        .merge(telemetry::router())
        .merge(devices::router())
        .merge(device_api::router())
        .merge(projects::router())
        .merge(major::router())
        .merge(factories::router())
        .merge(factory_orders::router())
        .merge(factory_plans::router())
        .merge(factory_oee::router())
        .merge(factory_floor::router())
        .merge(factory_figures::router())
        .merge(factory_markers::router())
        .merge(service_platforms::router())
        .merge(service_catalogue::router())
        .merge(service_requests::router())
        .merge(service_figures::router())
        .merge(dashboard::router())
        .merge(open_data::router())
        .merge(vouchers::router())
        .merge(assessments::router())
        .merge(solutions::router())
        .merge(training::router())
        .merge(talent::router())
}

/// `?page=&page_size=` of list endpoints.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Paging {
    /// 1-based page number (default 1).
    page: Option<u32>,
    /// Items per page (default 50, at most 500).
    page_size: Option<u32>,
}

impl Paging {
    pub(crate) fn request(self) -> PageRequest {
        PageRequest::new(self.page.unwrap_or(1), self.page_size.unwrap_or(50))
    }
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PageOf<T: ToSchema> {
    /// This page's items.
    items: Vec<T>,
    /// Items in the whole list.
    total: i64,
    /// 1-based page number.
    page: u32,
    /// Items per page.
    page_size: u32,
}

impl<T: ToSchema> PageOf<T> {
    pub(crate) fn from_page<U>(page: zhizao_core::Page<U>, f: impl FnMut(U) -> T) -> Self {
        let page = page.map(f);
        PageOf {
            items: page.items,
            total: page.total,
            page: page.page,
            page_size: page.page_size,
        }
    }
}

/// `Content-Disposition` for a file a user named (any language): shown `inline` or downloaded as
/// an attachment, `fallback` (ASCII) for old clients and the name itself percent-encoded (RFC
/// 6266 / 5987).
pub(crate) fn content_disposition(inline: bool, file_name: &str, fallback: &str) -> HeaderValue {
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let kind = if inline { "inline" } else { "attachment" };
    let fallback: String = fallback
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-._".contains(*c))
        .collect();
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}

/// An instant as RFC 3339.
pub(crate) fn rfc3339(at: Timestamp) -> String {
    at.to_rfc3339()
}

/// The version a change was made from, which `If-Match: "N"` must give.
pub(crate) fn required_if_match(headers: &HeaderMap) -> Result<i64, ApiError> {
    if_match(headers)?.ok_or_else(|| {
        ApiError::malformed("send the version read in If-Match, e.g. If-Match: \"3\"")
    })
}

/// The version a client expects, from `If-Match: "N"`.
pub(crate) fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    text.parse::<i64>().map(Some).map_err(|_| {
        ApiError::malformed(format!(
            "If-Match must be a version ETag such as \"3\", got {text:?}"
        ))
    })
}

/// `ETag: "N"` for a version.
pub(crate) fn etag(version: i64) -> [(header::HeaderName, HeaderValue); 1] {
    [(
        header::ETAG,
        HeaderValue::from_str(&format!("\"{version}\""))
            .unwrap_or(HeaderValue::from_static("\"0\"")),
    )]
}

/// For `Option<Option<T>>` fields: absent → `None` (unchanged), `null` → `Some(None)` (clear).
pub(crate) fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn a_chinese_file_name_is_percent_encoded_beside_an_ascii_fallback() {
        assert_eq!(
            content_disposition(false, "报价单 v2.pdf", "attachment-7"),
            "attachment; filename=\"attachment-7\"; filename*=UTF-8''%E6%8A%A5%E4%BB%B7%E5%8D%95%20v2.pdf"
        );
        // Quotes and line breaks in a name cannot break out of the header.
        assert_eq!(
            content_disposition(true, "a\"b\r\n.mp4", "les\"son"),
            "inline; filename=\"lesson\"; filename*=UTF-8''a%22b%0D%0A.mp4"
        );
    }
}
