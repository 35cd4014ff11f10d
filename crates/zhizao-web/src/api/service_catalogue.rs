//! The service catalogue: each platform's services in versions, drafted by its staff, checked by
//! the city, on public notice, then published; anyone signed in searches the catalogue.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::Fen;
use zhizao_services::{CatalogueFilter, Check, Offering, OfferingInput, OfferingStatus};

use super::{etag, if_match, rfc3339};
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_services))
        .routes(routes!(create_service))
        .routes(routes!(get_service, update_service))
        .routes(routes!(service_versions))
        .routes(routes!(submit_service))
        .routes(routes!(check_service))
        .routes(routes!(withdraw_service))
        .routes(routes!(revise_service))
}

/// One version of a service.
#[derive(Debug, Serialize, ToSchema)]
struct ServiceDto {
    id: i64,
    /// The service across its versions.
    number: String,
    version: i64,
    /// draft, submitted, returned, notice, published, superseded or withdrawn.
    status: String,
    platform_code: String,
    platform_name: String,
    title: String,
    sector: Option<String>,
    description: String,
    /// on_site, online or at_platform.
    delivery_mode: String,
    /// free, fixed or quote.
    price_model: String,
    price_fen: Option<i64>,
    lead_days: i64,
    vouchers: bool,
    /// The city's reason when it returned the version.
    check_note: String,
    created_at: String,
    created_by: String,
    submitted_at: Option<String>,
    checked_at: Option<String>,
    /// The end of its public notice; published from then on.
    notice_ends_at: Option<String>,
    /// Send it back in `If-Match` with a change.
    row_version: i64,
}

impl From<Offering> for ServiceDto {
    fn from(o: Offering) -> Self {
        ServiceDto {
            id: o.id,
            number: o.number,
            version: o.version,
            status: o.status.as_str().to_owned(),
            platform_code: o.platform_code,
            platform_name: o.platform_name,
            title: o.title,
            sector: o.sector,
            description: o.description,
            delivery_mode: o.delivery_mode.as_str().to_owned(),
            price_model: o.price_model.as_str().to_owned(),
            price_fen: o.price.map(Fen::get),
            lead_days: o.lead_days,
            vouchers: o.vouchers,
            check_note: o.check_note,
            created_at: rfc3339(o.created_at),
            created_by: o.created_by,
            submitted_at: o.submitted_at.map(rfc3339),
            checked_at: o.checked_at.map(rfc3339),
            notice_ends_at: o.notice_ends_at.map(rfc3339),
            row_version: o.row_version,
        }
    }
}

/// A service as its platform writes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ServiceBody {
    /// 1–60 characters.
    title: String,
    /// A sector's code.
    sector: String,
    /// 1–2,000 characters.
    description: String,
    /// on_site, online or at_platform.
    delivery_mode: String,
    /// free, fixed or quote.
    price_model: String,
    /// Fixed-price services only, fen.
    #[serde(default)]
    price_fen: Option<i64>,
    /// Typical days from request to delivery, 0–365.
    lead_days: i64,
    /// Whether innovation vouchers may pay part of it.
    #[serde(default)]
    vouchers: bool,
}

impl From<ServiceBody> for OfferingInput {
    fn from(b: ServiceBody) -> Self {
        OfferingInput {
            title: b.title,
            sector: b.sector,
            description: b.description,
            delivery_mode: b.delivery_mode,
            price_model: b.price_model,
            price: b.price_fen.map(Fen::new),
            lead_days: b.lead_days,
            vouchers: b.vouchers,
        }
    }
}

/// `?sector=&platform=&free=&vouchers=&status=&q=` of the catalogue.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct CatalogueQuery {
    sector: Option<String>,
    /// A platform's organisation code.
    platform: Option<String>,
    /// Only free services.
    free: Option<bool>,
    /// Only those vouchers may pay.
    vouchers: Option<bool>,
    /// Versions in this status (a platform's staff their own, the city every platform's).
    status: Option<String>,
    /// Words in the title or description.
    q: Option<String>,
}

/// The catalogue: each service's published version (or the one on notice before the first
/// publication); a platform's staff see their own drafts, submissions and returned versions
/// too; with `status`, the versions in it the caller may see (the city's check queue is
/// `status=submitted`).
#[utoipa::path(get, path = "/api/v1/services", tag = "service catalogue", params(CatalogueQuery),
    responses((status = 200, body = Vec<ServiceDto>), (status = 422, body = crate::problem::Problem)))]
async fn list_services(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<CatalogueQuery>,
) -> Result<Json<Vec<ServiceDto>>, ApiError> {
    let status = match query.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(word) => Some(word.parse::<OfferingStatus>().map_err(|_| {
            zhizao_services::Error::Invalid(vec![zhizao_core::FieldError::new(
                "status",
                zhizao_core::Text::owned(
                    format!("“{word}”不是服务状态"),
                    format!("{word:?} is not a status: draft, submitted, returned, notice, published, superseded or withdrawn"),
                ),
            )])
        })?),
    };
    let filter = CatalogueFilter {
        sector: query.sector.filter(|s| !s.trim().is_empty()),
        platform: query.platform.filter(|s| !s.trim().is_empty()),
        free: query.free.unwrap_or(false),
        vouchers: query.vouchers.unwrap_or(false),
        status,
        text: query.q.filter(|s| !s.trim().is_empty()),
    };
    let found = state
        .services()
        .offerings(Some(&principal), &filter)
        .await?;
    Ok(Json(found.into_iter().map(ServiceDto::from).collect()))
}

/// A new service of the platform `code`, as a draft: its own staff only (403 for anyone else).
#[utoipa::path(post, path = "/api/v1/service-platforms/{code}/services", tag = "service catalogue",
    params(("code" = String, Path)), request_body = ServiceBody,
    responses((status = 201, body = ServiceDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn create_service(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<ServiceBody>,
) -> Result<impl IntoResponse, ApiError> {
    let created = state
        .services()
        .create_offering(&principal, &code, &body.into())
        .await?;
    Ok((
        StatusCode::CREATED,
        etag(created.row_version),
        Json(ServiceDto::from(created)),
    ))
}

/// One version of a service (anyone once on notice; before, its platform's staff and the
/// city); the `ETag` is its row version.
#[utoipa::path(get, path = "/api/v1/services/{service_id}", tag = "service catalogue",
    params(("service_id" = i64, Path)),
    responses((status = 200, body = ServiceDto), (status = 404, body = crate::problem::Problem)))]
async fn get_service(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let offering = state.services().offering(Some(&principal), id).await?;
    Ok((etag(offering.row_version), Json(ServiceDto::from(offering))))
}

/// The row version a change of `id` is made from: `If-Match`, required. Outside the caller's
/// sight the version does not exist, whatever the headers.
async fn expected(
    state: &AppState,
    principal: &zhizao_identity::Principal,
    id: i64,
    headers: &HeaderMap,
) -> Result<i64, ApiError> {
    state.services().offering(Some(principal), id).await?;
    if_match(headers)?.ok_or_else(|| {
        ApiError::malformed("send the row version read in If-Match, e.g. If-Match: \"3\"")
    })
}

/// Changes a draft or returned version (its platform's staff; a returned one becomes a draft).
/// `If-Match` with its row version is required.
#[utoipa::path(put, path = "/api/v1/services/{service_id}", tag = "service catalogue",
    params(("service_id" = i64, Path)), request_body = ServiceBody,
    responses((status = 200, body = ServiceDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn update_service(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ServiceBody>,
) -> Result<impl IntoResponse, ApiError> {
    let expected = expected(&state, &principal, id, &headers).await?;
    let saved = state
        .services()
        .update_offering(&principal, id, &body.into(), expected)
        .await?;
    Ok((etag(saved.row_version), Json(ServiceDto::from(saved))))
}

/// Every version of the service, oldest first (drafts and returned ones to its platform's
/// staff and the city only).
#[utoipa::path(get, path = "/api/v1/services/{service_id}/versions", tag = "service catalogue",
    params(("service_id" = i64, Path)),
    responses((status = 200, body = Vec<ServiceDto>), (status = 404, body = crate::problem::Problem)))]
async fn service_versions(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ServiceDto>>, ApiError> {
    let versions = state
        .services()
        .offering_versions(Some(&principal), id)
        .await?;
    Ok(Json(versions.into_iter().map(ServiceDto::from).collect()))
}

/// Submits a draft (or returned) version for the city's check (its platform's staff;
/// `If-Match`).
#[utoipa::path(post, path = "/api/v1/services/{service_id}/submit", tag = "service catalogue",
    params(("service_id" = i64, Path)),
    responses((status = 200, body = ServiceDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn submit_service(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let expected = expected(&state, &principal, id, &headers).await?;
    let saved = state
        .services()
        .submit_offering(&principal, id, expected)
        .await?;
    Ok((etag(saved.row_version), Json(ServiceDto::from(saved))))
}

/// The city's decision on a submitted version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CheckBody {
    /// approve (public notice for five days, then published) or return.
    decision: String,
    /// The reason, required to return (at most 500 characters).
    #[serde(default)]
    note: String,
}

/// The city checks a submitted version: approves it onto public notice or returns it with a
/// reason (`If-Match`).
#[utoipa::path(post, path = "/api/v1/services/{service_id}/check", tag = "service catalogue",
    params(("service_id" = i64, Path)), request_body = CheckBody,
    responses((status = 200, body = ServiceDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn check_service(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CheckBody>,
) -> Result<impl IntoResponse, ApiError> {
    let expected = expected(&state, &principal, id, &headers).await?;
    let check = match body.decision.trim() {
        "approve" => Check::Approve,
        "return" => Check::Return,
        other => {
            return Err(
                zhizao_services::Error::Invalid(vec![zhizao_core::FieldError::new(
                    "decision",
                    zhizao_core::Text::owned(
                        format!("“{other}”不是审核结论（approve、return）"),
                        format!("{other:?} is not a decision: approve or return"),
                    ),
                )])
                .into(),
            );
        }
    };
    let saved = state
        .services()
        .check_offering(&principal, id, check, &body.note, expected)
        .await?;
    Ok((etag(saved.row_version), Json(ServiceDto::from(saved))))
}

/// Withdraws a published service (or one on notice) from the catalogue (its platform's
/// staff; `If-Match`).
#[utoipa::path(post, path = "/api/v1/services/{service_id}/withdraw", tag = "service catalogue",
    params(("service_id" = i64, Path)),
    responses((status = 200, body = ServiceDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn withdraw_service(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let expected = expected(&state, &principal, id, &headers).await?;
    let saved = state
        .services()
        .withdraw_offering(&principal, id, expected)
        .await?;
    Ok((etag(saved.row_version), Json(ServiceDto::from(saved))))
}

/// Starts the next version of a published service, a draft copied from it (its platform's
/// staff); the published version stays in the catalogue until the next one is published.
#[utoipa::path(post, path = "/api/v1/services/{service_id}/revise", tag = "service catalogue",
    params(("service_id" = i64, Path)),
    responses((status = 201, body = ServiceDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn revise_service(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let created = state.services().revise_offering(&principal, id).await?;
    Ok((
        StatusCode::CREATED,
        etag(created.row_version),
        Json(ServiceDto::from(created)),
    ))
}
