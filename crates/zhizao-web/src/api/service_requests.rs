//! Requests to delivery: an enterprise requests a service from the catalogue, the platform
//! proposes a contract or declines, the enterprise confirms, the platform delivers with
//! evidence, the enterprise accepts or disputes and rates. Shared-factory orders are listed
//! here too (their steps are taken on the order). Each step needs `If-Match` with the row
//! version the actor saw.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::{Fen, FieldError, Text};
use zhizao_services::{
    Party, RequestFilter, RequestKind, RequestStatus, ServiceRequest, Step, Terms,
};

use super::audit::AuditEntryDto;
use super::{etag, if_match, rfc3339};
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_requests, create_request))
        .routes(routes!(get_request))
        .routes(routes!(request_history))
        .routes(routes!(quote))
        .routes(routes!(decline))
        .routes(routes!(cancel))
        .routes(routes!(confirm))
        .routes(routes!(deliver))
        .routes(routes!(accept))
        .routes(routes!(dispute))
        .routes(routes!(rate))
        .routes(routes!(list_files))
        .routes(routes!(download_file))
        .merge(OpenApiRouter::new().routes(routes!(upload_file)).layer(
            axum::extract::DefaultBodyLimit::max(
                zhizao_services::request_files::MAX_FILE_BYTES + 256 * 1024,
            ),
        ))
}

/// A request (or a shared-factory order, as a request).
#[derive(Debug, Serialize, ToSchema)]
struct RequestDto {
    /// SR2026-00001, or the factory order's number.
    number: String,
    /// service or factory_order.
    kind: String,
    /// The catalogue version requested (services).
    service_id: Option<i64>,
    platform_code: String,
    platform_name: String,
    client_code: String,
    client_name: String,
    title: String,
    need: String,
    /// requested, quoted, contracted, delivered, disputed, accepted, rated, declined or
    /// cancelled.
    status: String,
    /// platform or client; absent once closed.
    waiting_on: Option<String>,
    amount_fen: Option<i64>,
    scope: String,
    starts_on: Option<String>,
    due_on: Option<String>,
    quoted_at: Option<String>,
    confirmed_at: Option<String>,
    confirmed_by: Option<String>,
    delivered_at: Option<String>,
    report: String,
    deliveries: i64,
    accepted_at: Option<String>,
    /// Whether the accepted delivery came by the due day.
    on_time: Option<bool>,
    /// Why it was declined, cancelled or (last) disputed.
    reason: String,
    rating: Option<i64>,
    rating_comment: String,
    created_at: String,
    created_by: String,
    /// Send it back in `If-Match` with a step.
    row_version: i64,
}

impl From<ServiceRequest> for RequestDto {
    fn from(r: ServiceRequest) -> Self {
        RequestDto {
            waiting_on: r.waiting_on().map(|p| p.as_str().to_owned()),
            on_time: r.on_time(),
            number: r.number,
            kind: r.kind.as_str().to_owned(),
            service_id: r.offering_id,
            platform_code: r.platform_code,
            platform_name: r.platform_name,
            client_code: r.client_code,
            client_name: r.client_name,
            title: r.title,
            need: r.need,
            status: r.status.as_str().to_owned(),
            amount_fen: r.amount.map(Fen::get),
            scope: r.scope,
            starts_on: r.starts_on,
            due_on: r.due_on,
            quoted_at: r.quoted_at.map(rfc3339),
            confirmed_at: r.confirmed_at.map(rfc3339),
            confirmed_by: r.confirmed_by,
            delivered_at: r.delivered_at.map(rfc3339),
            report: r.report,
            deliveries: r.deliveries,
            accepted_at: r.accepted_at.map(rfc3339),
            reason: r.reason,
            rating: r.rating,
            rating_comment: r.rating_comment,
            created_at: rfc3339(r.created_at),
            created_by: r.created_by,
            row_version: r.row_version,
        }
    }
}

/// `?status=&waiting_on=&kind=&platform=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct RequestQuery {
    status: Option<String>,
    /// platform or client.
    waiting_on: Option<String>,
    /// service or factory_order.
    kind: Option<String>,
    /// A platform's organisation code.
    platform: Option<String>,
}

/// `word` as one of a closed vocabulary, or a problem naming `field` and the words allowed.
fn parse_word<T: std::str::FromStr>(
    field: &str,
    word: Option<&str>,
    allowed: &str,
) -> Result<Option<T>, ApiError> {
    match word.map(str::trim).filter(|w| !w.is_empty()) {
        None => Ok(None),
        Some(word) => word.parse::<T>().map(Some).map_err(|_| {
            zhizao_services::Error::Invalid(vec![FieldError::new(
                field,
                Text::owned(
                    format!("“{word}”不是可选值（{allowed}）"),
                    format!("{word:?} is not one of: {allowed}"),
                ),
            )])
            .into()
        }),
    }
}

/// The requests the caller sees, newest first: an enterprise its own, a platform those made to
/// it, the city all; shared-factory orders among them.
#[utoipa::path(get, path = "/api/v1/service-requests", tag = "service requests", params(RequestQuery),
    responses((status = 200, body = Vec<RequestDto>), (status = 422, body = crate::problem::Problem)))]
async fn list_requests(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<RequestQuery>,
) -> Result<Json<Vec<RequestDto>>, ApiError> {
    let filter = RequestFilter {
        status: parse_word::<RequestStatus>(
            "status",
            query.status.as_deref(),
            "requested, quoted, contracted, delivered, disputed, accepted, rated, declined, cancelled",
        )?,
        waiting_on: parse_word::<Party>(
            "waiting_on",
            query.waiting_on.as_deref(),
            "platform, client",
        )?,
        kind: parse_word::<RequestKind>("kind", query.kind.as_deref(), "service, factory_order")?,
        platform: query.platform.filter(|p| !p.trim().is_empty()),
    };
    let found = state.services().requests(&principal, &filter).await?;
    Ok(Json(found.into_iter().map(RequestDto::from).collect()))
}

/// A new request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewRequestBody {
    /// The catalogue version requested (on notice or published).
    service_id: i64,
    /// What the enterprise needs, 1–2,000 characters.
    need: String,
}

/// Requests a service from the catalogue for the caller's enterprise (enterprises only).
#[utoipa::path(post, path = "/api/v1/service-requests", tag = "service requests", request_body = NewRequestBody,
    responses((status = 201, body = RequestDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn create_request(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<NewRequestBody>,
) -> Result<impl IntoResponse, ApiError> {
    let created = state
        .services()
        .create_request(&principal, body.service_id, &body.need)
        .await?;
    Ok((
        StatusCode::CREATED,
        etag(created.row_version),
        Json(RequestDto::from(created)),
    ))
}

/// One request (its two sides and the city); the `ETag` is its row version.
#[utoipa::path(get, path = "/api/v1/service-requests/{number}", tag = "service requests",
    params(("number" = String, Path)),
    responses((status = 200, body = RequestDto), (status = 404, body = crate::problem::Problem)))]
async fn get_request(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let request = state.services().request(&principal, &number).await?;
    Ok((etag(request.row_version), Json(RequestDto::from(request))))
}

/// Every step of the request, oldest first, from the audit log (a factory order's under the
/// order).
#[utoipa::path(get, path = "/api/v1/service-requests/{number}/history", tag = "service requests",
    params(("number" = String, Path)),
    responses((status = 200, body = Vec<AuditEntryDto>), (status = 404, body = crate::problem::Problem)))]
async fn request_history(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<Vec<AuditEntryDto>>, ApiError> {
    let entries = state
        .services()
        .request_history(&principal, &number)
        .await?;
    Ok(Json(entries.into_iter().map(AuditEntryDto::from).collect()))
}

/// A request after a step, with its new row version as the `ETag`.
type Stepped = (
    [(axum::http::header::HeaderName, axum::http::HeaderValue); 1],
    Json<RequestDto>,
);

/// Takes `step` on `number` from the row version in `If-Match` (required). Outside the
/// caller's sight the request does not exist, whatever the headers.
async fn take(
    state: &AppState,
    principal: &zhizao_identity::Principal,
    number: &str,
    headers: &HeaderMap,
    step: Step,
) -> Result<Stepped, ApiError> {
    state.services().request(principal, number).await?;
    let expected = if_match(headers)?.ok_or_else(|| {
        ApiError::malformed("send the row version read in If-Match, e.g. If-Match: \"3\"")
    })?;
    let request = state
        .services()
        .step_request(principal, number, &step, expected)
        .await?;
    Ok((etag(request.row_version), Json(RequestDto::from(request))))
}

/// A contract the platform proposes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct QuoteBody {
    /// The amount, fen (0 for a free service).
    amount_fen: i64,
    /// What will be delivered, 1–2,000 characters.
    scope: String,
    /// YYYY-MM-DD, on or after the day of the request.
    starts_on: String,
    /// YYYY-MM-DD, on or after the start.
    due_on: String,
}

/// The platform proposes a contract (again, until the enterprise confirms it).
#[utoipa::path(post, path = "/api/v1/service-requests/{number}/quote", tag = "service requests",
    params(("number" = String, Path)), request_body = QuoteBody,
    responses((status = 200, body = RequestDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn quote(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<QuoteBody>,
) -> Result<impl IntoResponse, ApiError> {
    let terms = Terms {
        amount: Fen::new(body.amount_fen),
        scope: body.scope,
        starts_on: body.starts_on,
        due_on: body.due_on,
    };
    take(&state, &principal, &number, &headers, Step::Quote(terms)).await
}

/// Why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReasonBody {
    /// 1–500 characters.
    reason: String,
}

/// The platform declines a request it has not contracted, with a reason.
#[utoipa::path(post, path = "/api/v1/service-requests/{number}/decline", tag = "service requests",
    params(("number" = String, Path)), request_body = ReasonBody,
    responses((status = 200, body = RequestDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn decline(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<impl IntoResponse, ApiError> {
    take(
        &state,
        &principal,
        &number,
        &headers,
        Step::Decline(body.reason),
    )
    .await
}

/// The enterprise withdraws a request before the contract, with a reason.
#[utoipa::path(post, path = "/api/v1/service-requests/{number}/cancel", tag = "service requests",
    params(("number" = String, Path)), request_body = ReasonBody,
    responses((status = 200, body = RequestDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn cancel(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<impl IntoResponse, ApiError> {
    take(
        &state,
        &principal,
        &number,
        &headers,
        Step::Cancel(body.reason),
    )
    .await
}

/// The enterprise confirms the proposed contract (the version it read, by `If-Match`).
#[utoipa::path(post, path = "/api/v1/service-requests/{number}/confirm", tag = "service requests",
    params(("number" = String, Path)),
    responses((status = 200, body = RequestDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn confirm(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    take(&state, &principal, &number, &headers, Step::Confirm).await
}

/// A delivery's report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DeliverBody {
    /// What was delivered, 1–5,000 characters (evidence files go to `/files`).
    report: String,
}

/// The platform delivers a contracted (or disputed) request with a report.
#[utoipa::path(post, path = "/api/v1/service-requests/{number}/deliver", tag = "service requests",
    params(("number" = String, Path)), request_body = DeliverBody,
    responses((status = 200, body = RequestDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn deliver(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DeliverBody>,
) -> Result<impl IntoResponse, ApiError> {
    take(
        &state,
        &principal,
        &number,
        &headers,
        Step::Deliver(body.report),
    )
    .await
}

/// The enterprise accepts the delivery.
#[utoipa::path(post, path = "/api/v1/service-requests/{number}/accept", tag = "service requests",
    params(("number" = String, Path)),
    responses((status = 200, body = RequestDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn accept(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    take(&state, &principal, &number, &headers, Step::Accept).await
}

/// The enterprise disputes the delivery, with a reason; the platform delivers again.
#[utoipa::path(post, path = "/api/v1/service-requests/{number}/dispute", tag = "service requests",
    params(("number" = String, Path)), request_body = ReasonBody,
    responses((status = 200, body = RequestDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn dispute(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<impl IntoResponse, ApiError> {
    take(
        &state,
        &principal,
        &number,
        &headers,
        Step::Dispute(body.reason),
    )
    .await
}

/// A rating.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RateBody {
    /// 1 to 5.
    rating: i64,
    /// At most 500 characters.
    #[serde(default)]
    comment: String,
}

/// The enterprise rates the accepted service (once; the city sees it, the platform's average
/// is public).
#[utoipa::path(post, path = "/api/v1/service-requests/{number}/rate", tag = "service requests",
    params(("number" = String, Path)), request_body = RateBody,
    responses((status = 200, body = RequestDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn rate(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RateBody>,
) -> Result<impl IntoResponse, ApiError> {
    let step = Step::Rate {
        rating: body.rating,
        comment: body.comment,
    };
    take(&state, &principal, &number, &headers, step).await
}

/// A file of a request.
#[derive(Debug, Serialize, ToSchema)]
struct RequestFileDto {
    id: i64,
    /// need (the enterprise's attachment) or evidence (the platform's).
    purpose: String,
    file_name: String,
    /// Judged from the content.
    content_type: String,
    size_bytes: i64,
    sha256: String,
    uploaded_at: String,
    uploaded_by: String,
}

impl From<zhizao_services::RequestFile> for RequestFileDto {
    fn from(f: zhizao_services::RequestFile) -> Self {
        RequestFileDto {
            id: f.id,
            purpose: f.purpose,
            file_name: f.file_name,
            content_type: f.content_type,
            size_bytes: f.size_bytes,
            sha256: f.sha256,
            uploaded_at: rfc3339(f.uploaded_at),
            uploaded_by: f.uploaded_by,
        }
    }
}

/// The files a request carries, oldest first.
#[utoipa::path(get, path = "/api/v1/service-requests/{number}/files", tag = "service requests",
    params(("number" = String, Path)),
    responses((status = 200, body = Vec<RequestFileDto>), (status = 404, body = crate::problem::Problem)))]
async fn list_files(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<Vec<RequestFileDto>>, ApiError> {
    let files = state.services().request_files(&principal, &number).await?;
    Ok(Json(files.into_iter().map(RequestFileDto::from).collect()))
}

/// Adds a file (multipart part `file`): the enterprise an attachment to its need while the
/// request is open, the platform delivery evidence from the contract until acceptance; PDF,
/// PNG, JPEG, Excel or Word, judged by content, at most 20 MiB, 30 files a request.
#[utoipa::path(post, path = "/api/v1/service-requests/{number}/files", tag = "service requests",
    params(("number" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "`file`: the file"),
    responses((status = 201, body = RequestFileDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 413, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn upload_file(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    request: axum::extract::Request,
) -> Result<impl IntoResponse, ApiError> {
    // Outside the caller's scope the request does not exist, whatever the body.
    state.services().request(&principal, &number).await?;
    let (_, file_name, bytes) = super::projects::read_upload(
        &state,
        request,
        zhizao_services::request_files::MAX_FILE_BYTES,
    )
    .await?;
    let file = state
        .services()
        .add_request_file(&principal, &number, &file_name, bytes)
        .await?;
    Ok((StatusCode::CREATED, Json(RequestFileDto::from(file))))
}

/// Downloads one of a request's files (always as a download, with the type its content has).
#[utoipa::path(get, path = "/api/v1/service-requests/{number}/files/{file_id}", tag = "service requests",
    params(("number" = String, Path), ("file_id" = i64, Path)),
    responses((status = 200, description = "The file"), (status = 404, body = crate::problem::Problem)))]
async fn download_file(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((number, file_id)): ApiPath<(String, i64)>,
) -> Result<axum::response::Response, ApiError> {
    let (file, bytes) = state
        .services()
        .request_file(&principal, &number, file_id)
        .await?;
    Ok(super::projects::file_response(
        file.id,
        &file.file_name,
        &file.content_type,
        bytes,
    ))
}
