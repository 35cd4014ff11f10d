//! Innovation vouchers: the city's programmes (anyone signed in reads their rules), quotas
//! (enterprises apply, the city grants or refuses), vouchers on contracts (the enterprise pays
//! part of one, the platform claims after delivery, the city reviews and reimburses) and the
//! double-entry ledger each side reads its part of.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::Fen;
use zhizao_services::{
    Account, Balances, LedgerEntry, Programme, ProgrammeInput, Quota, UseStatus, VoucherUse,
};

use super::{etag, if_match, rfc3339};
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_programmes, open_programme))
        .routes(routes!(get_programme))
        .routes(routes!(close_programme))
        .routes(routes!(list_quotas))
        .routes(routes!(apply))
        .routes(routes!(grant))
        .routes(routes!(get_quota))
        .routes(routes!(decide))
        .routes(routes!(list_uses))
        .routes(routes!(ledger))
        .routes(routes!(request_voucher, use_voucher))
        .routes(routes!(get_use))
        .routes(routes!(release))
        .merge(OpenApiRouter::new().routes(routes!(claim)).layer(
            axum::extract::DefaultBodyLimit::max(
                zhizao_services::request_files::MAX_FILE_BYTES + 256 * 1024,
            ),
        ))
        .routes(routes!(review))
        .routes(routes!(reimburse))
}

/// A voucher programme.
#[derive(Debug, Serialize, ToSchema)]
struct ProgrammeDto {
    code: String,
    year: i64,
    title: String,
    budget_fen: i64,
    /// Basis points of a contract a voucher may pay (5000 = 50 %).
    share_bp: i64,
    cap_per_enterprise_fen: i64,
    /// Eligible sectors (empty: all).
    sectors: Vec<String>,
    /// Eligible platforms (empty: all).
    platforms: Vec<String>,
    /// The last day quotas are used.
    ends_on: String,
    open: bool,
    /// The budget not yet granted.
    unallocated_fen: i64,
    created_at: String,
}

impl From<Programme> for ProgrammeDto {
    fn from(p: Programme) -> Self {
        ProgrammeDto {
            code: p.code,
            year: p.year,
            title: p.title,
            budget_fen: p.budget.get(),
            share_bp: p.share_bp,
            cap_per_enterprise_fen: p.cap_per_enterprise.get(),
            sectors: p.sectors,
            platforms: p.platforms,
            ends_on: p.ends_on,
            open: p.open,
            unallocated_fen: p.unallocated.get(),
            created_at: rfc3339(p.created_at),
        }
    }
}

/// A programme as the city opens it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ProgrammeBody {
    /// 2–20 letters, digits or hyphens, e.g. CV2026.
    code: String,
    year: i64,
    title: String,
    budget_fen: i64,
    /// 1–10,000.
    share_bp: i64,
    cap_per_enterprise_fen: i64,
    #[serde(default)]
    sectors: Vec<String>,
    #[serde(default)]
    platforms: Vec<String>,
    /// YYYY-MM-DD.
    ends_on: String,
}

/// Every voucher programme, newest first (anyone signed in).
#[utoipa::path(get, path = "/api/v1/voucher-programmes", tag = "innovation vouchers",
    responses((status = 200, body = Vec<ProgrammeDto>)))]
async fn list_programmes(
    State(state): State<AppState>,
    Caller(_principal): Caller,
) -> Result<Json<Vec<ProgrammeDto>>, ApiError> {
    let found = state.services().programmes().await?;
    Ok(Json(found.into_iter().map(ProgrammeDto::from).collect()))
}

/// Opens a programme, its budget from the city's appropriation (the city).
#[utoipa::path(post, path = "/api/v1/voucher-programmes", tag = "innovation vouchers", request_body = ProgrammeBody,
    responses((status = 201, body = ProgrammeDto), (status = 403, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn open_programme(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(b): ApiJson<ProgrammeBody>,
) -> Result<impl IntoResponse, ApiError> {
    let input = ProgrammeInput {
        code: b.code,
        year: b.year,
        title: b.title,
        budget: Fen::new(b.budget_fen),
        share_bp: b.share_bp,
        cap_per_enterprise: Fen::new(b.cap_per_enterprise_fen),
        sectors: b.sectors,
        platforms: b.platforms,
        ends_on: b.ends_on,
    };
    let opened = state.services().open_programme(&principal, &input).await?;
    Ok((StatusCode::CREATED, Json(ProgrammeDto::from(opened))))
}

/// One programme (anyone signed in).
#[utoipa::path(get, path = "/api/v1/voucher-programmes/{code}", tag = "innovation vouchers",
    params(("code" = String, Path)),
    responses((status = 200, body = ProgrammeDto), (status = 404, body = crate::problem::Problem)))]
async fn get_programme(
    State(state): State<AppState>,
    Caller(_principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<ProgrammeDto>, ApiError> {
    Ok(Json(state.services().programme(&code).await?.into()))
}

/// Closes a programme: what no contract reserved expires (the city).
#[utoipa::path(post, path = "/api/v1/voucher-programmes/{code}/close", tag = "innovation vouchers",
    params(("code" = String, Path)),
    responses((status = 200, body = ProgrammeDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn close_programme(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<ProgrammeDto>, ApiError> {
    Ok(Json(
        state
            .services()
            .close_programme(&principal, &code)
            .await?
            .into(),
    ))
}

/// An enterprise's quota with its balances.
#[derive(Debug, Serialize, ToSchema)]
struct QuotaDto {
    id: i64,
    programme: String,
    enterprise_code: String,
    enterprise_name: String,
    /// applied, granted or refused.
    status: String,
    requested_fen: i64,
    purpose: String,
    reason: String,
    granted_fen: i64,
    available_fen: i64,
    reserved_fen: i64,
    claimed_fen: i64,
    redeemed_fen: i64,
    reimbursed_fen: i64,
    expired_fen: i64,
    row_version: i64,
}

impl From<Quota> for QuotaDto {
    fn from(q: Quota) -> Self {
        QuotaDto {
            id: q.id,
            programme: q.programme,
            enterprise_code: q.enterprise_code,
            enterprise_name: q.enterprise_name,
            status: q.status,
            requested_fen: q.requested_fen,
            purpose: q.purpose,
            reason: q.reason,
            granted_fen: q.granted_fen,
            available_fen: q.available_fen,
            reserved_fen: q.reserved_fen,
            claimed_fen: q.claimed_fen,
            redeemed_fen: q.redeemed_fen,
            reimbursed_fen: q.reimbursed_fen,
            expired_fen: q.expired_fen,
            row_version: q.row_version,
        }
    }
}

/// The programme's quotas the caller sees: an enterprise its own, the city all.
#[utoipa::path(get, path = "/api/v1/voucher-programmes/{code}/quotas", tag = "innovation vouchers",
    params(("code" = String, Path)),
    responses((status = 200, body = Vec<QuotaDto>), (status = 404, body = crate::problem::Problem)))]
async fn list_quotas(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<QuotaDto>>, ApiError> {
    let found = state.services().quotas(&principal, &code).await?;
    Ok(Json(found.into_iter().map(QuotaDto::from).collect()))
}

/// An application for a quota.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ApplicationBody {
    /// At most the programme's cap per enterprise.
    amount_fen: i64,
    /// What the vouchers are for, 1–500 characters.
    purpose: String,
}

/// The caller's enterprise applies for a quota (enterprises; one per programme).
#[utoipa::path(post, path = "/api/v1/voucher-programmes/{code}/applications", tag = "innovation vouchers",
    params(("code" = String, Path)), request_body = ApplicationBody,
    responses((status = 201, body = QuotaDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn apply(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(b): ApiJson<ApplicationBody>,
) -> Result<impl IntoResponse, ApiError> {
    let quota = state
        .services()
        .apply_for_quota(&principal, &code, Fen::new(b.amount_fen), &b.purpose)
        .await?;
    Ok((StatusCode::CREATED, Json(QuotaDto::from(quota))))
}

/// A grant without an application.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct GrantBody {
    /// The enterprise's organisation (credit) code.
    enterprise: String,
    amount_fen: i64,
}

/// The city grants a quota to an enterprise without an application.
#[utoipa::path(post, path = "/api/v1/voucher-programmes/{code}/grants", tag = "innovation vouchers",
    params(("code" = String, Path)), request_body = GrantBody,
    responses((status = 201, body = QuotaDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn grant(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(b): ApiJson<GrantBody>,
) -> Result<impl IntoResponse, ApiError> {
    let quota = state
        .services()
        .grant_quota(&principal, &code, &b.enterprise, Fen::new(b.amount_fen))
        .await?;
    Ok((StatusCode::CREATED, Json(QuotaDto::from(quota))))
}

/// One quota (its enterprise and the city); the `ETag` is its row version.
#[utoipa::path(get, path = "/api/v1/voucher-quotas/{quota_id}", tag = "innovation vouchers",
    params(("quota_id" = i64, Path)),
    responses((status = 200, body = QuotaDto), (status = 404, body = crate::problem::Problem)))]
async fn get_quota(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let quota = state.services().quota(&principal, id).await?;
    Ok((etag(quota.row_version), Json(QuotaDto::from(quota))))
}

/// The city's decision on an application.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    /// The amount granted; absent or null refuses.
    #[serde(default)]
    grant_fen: Option<i64>,
    /// Required to refuse.
    #[serde(default)]
    reason: String,
}

/// The city grants or refuses an application (`If-Match`).
#[utoipa::path(post, path = "/api/v1/voucher-quotas/{quota_id}/decision", tag = "innovation vouchers",
    params(("quota_id" = i64, Path)), request_body = DecisionBody,
    responses((status = 200, body = QuotaDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn decide(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<DecisionBody>,
) -> Result<impl IntoResponse, ApiError> {
    state.services().quota(&principal, id).await?;
    let expected = required_version(&headers)?;
    let quota = state
        .services()
        .decide_quota(
            &principal,
            id,
            b.grant_fen.map(Fen::new),
            &b.reason,
            expected,
        )
        .await?;
    Ok((etag(quota.row_version), Json(QuotaDto::from(quota))))
}

fn required_version(headers: &HeaderMap) -> Result<i64, ApiError> {
    if_match(headers)?.ok_or_else(|| {
        ApiError::malformed("send the row version read in If-Match, e.g. If-Match: \"3\"")
    })
}

/// A voucher paying part of a contract.
#[derive(Debug, Serialize, ToSchema)]
struct UseDto {
    id: i64,
    programme: String,
    /// The request's number.
    request: String,
    enterprise_code: String,
    platform_code: String,
    amount_fen: i64,
    /// reserved, claimed, redeemed, reimbursed or released.
    status: String,
    /// The city's note on its review.
    note: String,
    payment_reference: String,
    row_version: i64,
}

impl From<VoucherUse> for UseDto {
    fn from(u: VoucherUse) -> Self {
        UseDto {
            id: u.id,
            programme: u.programme,
            request: u.request,
            enterprise_code: u.enterprise_code,
            platform_code: u.platform_code,
            amount_fen: u.amount_fen,
            status: u.status,
            note: u.note,
            payment_reference: u.payment_reference,
            row_version: u.row_version,
        }
    }
}

/// `?status=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct UseQuery {
    /// reserved, claimed (the city's review queue), redeemed, reimbursed or released.
    status: Option<String>,
}

/// The programme's vouchers the caller sees: an enterprise its own, a platform those on its
/// contracts, the city all.
#[utoipa::path(get, path = "/api/v1/voucher-programmes/{code}/uses", tag = "innovation vouchers",
    params(("code" = String, Path), UseQuery),
    responses((status = 200, body = Vec<UseDto>), (status = 422, body = crate::problem::Problem)))]
async fn list_uses(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    ApiQuery(query): ApiQuery<UseQuery>,
) -> Result<Json<Vec<UseDto>>, ApiError> {
    let status = match query.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(word) => Some(word.parse::<UseStatus>().map_err(|_| {
            zhizao_services::Error::Invalid(vec![zhizao_core::FieldError::new(
                "status",
                zhizao_core::Text::owned(
                    format!("“{word}”不是创新券状态"),
                    format!("{word:?} is not a status: reserved, claimed, redeemed, reimbursed or released"),
                ),
            )])
        })?),
    };
    let found = state
        .services()
        .voucher_uses(&principal, &code, status)
        .await?;
    Ok(Json(found.into_iter().map(UseDto::from).collect()))
}

/// One double entry.
#[derive(Debug, Serialize, ToSchema)]
struct EntryDto {
    id: i64,
    at: String,
    enterprise_code: Option<String>,
    platform_code: Option<String>,
    /// The account the amount goes to.
    debit: String,
    /// The account it comes from.
    credit: String,
    amount_fen: i64,
    memo: String,
    actor: String,
}

impl From<LedgerEntry> for EntryDto {
    fn from(e: LedgerEntry) -> Self {
        EntryDto {
            id: e.id,
            at: rfc3339(e.at),
            enterprise_code: e.enterprise_code,
            platform_code: e.platform_code,
            debit: e.debit,
            credit: e.credit,
            amount_fen: e.amount_fen,
            memo: e.memo,
            actor: e.actor,
        }
    }
}

/// Balances by account, fen.
#[derive(Debug, Serialize, ToSchema)]
struct BalancesDto {
    granted_fen: i64,
    available_fen: i64,
    reserved_fen: i64,
    claimed_fen: i64,
    redeemed_fen: i64,
    reimbursed_fen: i64,
    expired_fen: i64,
    /// The budget not yet granted (the programme's only).
    unallocated_fen: i64,
}

impl From<&Balances> for BalancesDto {
    fn from(b: &Balances) -> Self {
        BalancesDto {
            granted_fen: b.granted,
            available_fen: b.of(Account::Available),
            reserved_fen: b.of(Account::Reserved),
            claimed_fen: b.of(Account::Claimed),
            redeemed_fen: b.of(Account::Redeemed),
            reimbursed_fen: b.of(Account::Reimbursed),
            expired_fen: b.of(Account::Expired),
            unallocated_fen: b.of(Account::Budget),
        }
    }
}

/// The ledger as the caller sees it, with its sums.
#[derive(Debug, Serialize, ToSchema)]
struct LedgerDto {
    entries: Vec<EntryDto>,
    totals: BalancesDto,
    /// By enterprise code.
    enterprises: std::collections::BTreeMap<String, BalancesDto>,
    /// By platform code.
    platforms: std::collections::BTreeMap<String, BalancesDto>,
}

/// The programme's double-entry ledger, oldest first, and its balances: the city all, an
/// enterprise its quota's, a platform the vouchers on its contracts.
#[utoipa::path(get, path = "/api/v1/voucher-programmes/{code}/ledger", tag = "innovation vouchers",
    params(("code" = String, Path)),
    responses((status = 200, body = LedgerDto), (status = 404, body = crate::problem::Problem)))]
async fn ledger(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<LedgerDto>, ApiError> {
    let services = state.services();
    services.programme(&code).await?;
    let entries = services.ledger(&principal, &code).await?;
    let summary = services.ledger_summary(&principal, &code).await?;
    Ok(Json(LedgerDto {
        entries: entries.into_iter().map(EntryDto::from).collect(),
        totals: (&summary.programme).into(),
        enterprises: summary
            .enterprises
            .iter()
            .map(|(code, b)| (code.clone(), b.into()))
            .collect(),
        platforms: summary
            .platforms
            .iter()
            .map(|(code, b)| (code.clone(), b.into()))
            .collect(),
    }))
}

/// The voucher paying part of a request's contract, if any.
#[utoipa::path(get, path = "/api/v1/service-requests/{number}/voucher", tag = "innovation vouchers",
    params(("number" = String, Path)),
    responses((status = 200, body = Option<UseDto>), (status = 404, body = crate::problem::Problem)))]
async fn request_voucher(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<Option<UseDto>>, ApiError> {
    let found = state
        .services()
        .voucher_of_request(&principal, &number)
        .await?;
    Ok(Json(found.map(UseDto::from)))
}

/// Paying with a voucher.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UseBody {
    /// The programme's code.
    programme: String,
    /// At most the programme's share of the contract and the quota's free balance.
    amount_fen: i64,
}

/// The enterprise pays part of the request's confirmed contract with its quota.
#[utoipa::path(post, path = "/api/v1/service-requests/{number}/voucher", tag = "innovation vouchers",
    params(("number" = String, Path)), request_body = UseBody,
    responses((status = 201, body = UseDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn use_voucher(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    ApiJson(b): ApiJson<UseBody>,
) -> Result<impl IntoResponse, ApiError> {
    let used = state
        .services()
        .use_voucher(&principal, &number, &b.programme, Fen::new(b.amount_fen))
        .await?;
    Ok((
        StatusCode::CREATED,
        etag(used.row_version),
        Json(UseDto::from(used)),
    ))
}

/// One voucher (its enterprise, its platform, the city).
#[utoipa::path(get, path = "/api/v1/voucher-uses/{use_id}", tag = "innovation vouchers",
    params(("use_id" = i64, Path)),
    responses((status = 200, body = UseDto), (status = 404, body = crate::problem::Problem)))]
async fn get_use(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let found = state.services().voucher_use(&principal, id).await?;
    Ok((etag(found.row_version), Json(UseDto::from(found))))
}

/// A voucher after a step, with its new row version as the `ETag`.
type UseStepped = (
    [(axum::http::header::HeaderName, axum::http::HeaderValue); 1],
    Json<UseDto>,
);

/// The row version of voucher `id` from `If-Match`, once the caller is known to see it.
async fn use_version(
    state: &AppState,
    principal: &zhizao_identity::Principal,
    id: i64,
    headers: &HeaderMap,
) -> Result<i64, ApiError> {
    state.services().voucher_use(principal, id).await?;
    required_version(headers)
}

fn stepped(found: VoucherUse) -> UseStepped {
    (etag(found.row_version), Json(UseDto::from(found)))
}

/// The enterprise releases a reserved voucher (before a claim; `If-Match`).
#[utoipa::path(post, path = "/api/v1/voucher-uses/{use_id}/release", tag = "innovation vouchers",
    params(("use_id" = i64, Path)),
    responses((status = 200, body = UseDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn release(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
) -> Result<UseStepped, ApiError> {
    let expected = use_version(&state, &principal, id, &headers).await?;
    let found = state
        .services()
        .release_voucher(&principal, id, expected)
        .await?;
    Ok(stepped(found))
}

/// The platform claims redemption after the delivery is accepted (multipart part `file`: proof
/// of the enterprise's own payment; the delivery evidence must be on the request; `If-Match`).
#[utoipa::path(post, path = "/api/v1/voucher-uses/{use_id}/claim", tag = "innovation vouchers",
    params(("use_id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "`file`: proof of the enterprise's own payment"),
    responses((status = 200, body = UseDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 413, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn claim(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Result<UseStepped, ApiError> {
    let expected = use_version(&state, &principal, id, &headers).await?;
    let (_, name, bytes) = super::projects::read_upload(
        &state,
        request,
        zhizao_services::request_files::MAX_FILE_BYTES,
    )
    .await?;
    let found = state
        .services()
        .claim_voucher(&principal, id, expected, Some((name.as_str(), bytes)))
        .await?;
    Ok(stepped(found))
}

/// The city's review of a claim.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReviewBody {
    /// true: redeemed; false: back to reserved, with a note.
    approve: bool,
    #[serde(default)]
    note: String,
}

/// The city approves a claim or returns it with a note (`If-Match`).
#[utoipa::path(post, path = "/api/v1/voucher-uses/{use_id}/review", tag = "innovation vouchers",
    params(("use_id" = i64, Path)), request_body = ReviewBody,
    responses((status = 200, body = UseDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn review(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ReviewBody>,
) -> Result<UseStepped, ApiError> {
    let expected = use_version(&state, &principal, id, &headers).await?;
    let found = state
        .services()
        .review_voucher(&principal, id, expected, b.approve, &b.note)
        .await?;
    Ok(stepped(found))
}

/// The city's payment to the platform.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReimburseBody {
    /// The payment's reference (a bank transfer number).
    payment_reference: String,
}

/// The city records its payment of a redeemed voucher to the platform (`If-Match`).
#[utoipa::path(post, path = "/api/v1/voucher-uses/{use_id}/reimburse", tag = "innovation vouchers",
    params(("use_id" = i64, Path)), request_body = ReimburseBody,
    responses((status = 200, body = UseDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn reimburse(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ReimburseBody>,
) -> Result<UseStepped, ApiError> {
    let expected = use_version(&state, &principal, id, &headers).await?;
    let found = state
        .services()
        .reimburse_voucher(&principal, id, expected, &b.payment_reference)
        .await?;
    Ok(stepped(found))
}
