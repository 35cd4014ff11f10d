//! Accounts people manage themselves: a company's sign-up (sent by anyone, verified by the
//! city or its town) and a forgotten password's reset link (asked for and used by anyone
//! holding it).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_registry::{SignupInput, SignupRequest, SignupStatus};

use super::{etag, if_match, rfc3339};
use crate::AppState;
use crate::auth::{Caller, ClientIp};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_signups, request_signup))
        .routes(routes!(get_signup))
        .routes(routes!(decide_signup))
        .routes(routes!(request_password_reset))
        .routes(routes!(reset_password))
}

/// A company's request to join.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewSignup {
    /// Unified social credit code (18 characters).
    credit_code: String,
    enterprise_name: String,
    legal_representative: String,
    /// Township code, or the town's name.
    town: String,
    /// GB/T 4754 class code.
    industry_code: String,
    contact_name: String,
    /// Mobile number; the outcome is sent there when there is no e-mail address.
    phone: String,
    #[serde(default)]
    email: String,
    /// The login asked for.
    username: String,
    /// Kept only as its hash until the request is decided.
    password: String,
}

/// A sign-up as the city or its town reads it (never the password).
#[derive(Debug, Serialize, ToSchema)]
struct SignupDto {
    id: i64,
    credit_code: String,
    enterprise_name: String,
    legal_representative: String,
    town_code: String,
    town_name: String,
    industry_code: String,
    contact_name: String,
    phone: String,
    email: String,
    username: String,
    /// pending, approved or rejected.
    #[schema(value_type = String)]
    status: SignupStatus,
    /// Why it was refused.
    reason: String,
    decided_by: Option<String>,
    decided_at: Option<String>,
    created_at: String,
    /// The registry's name for the company with this code, when it is registered.
    registered_name: Option<String>,
    version: i64,
}

impl From<SignupRequest> for SignupDto {
    fn from(r: SignupRequest) -> Self {
        SignupDto {
            id: r.id,
            credit_code: r.credit_code,
            enterprise_name: r.enterprise_name,
            legal_representative: r.legal_representative,
            town_code: r.town_code,
            town_name: r.town_name_zh,
            industry_code: r.industry_code,
            contact_name: r.contact_name,
            phone: r.phone,
            email: r.email,
            username: r.username,
            status: r.status,
            reason: r.reason,
            decided_by: r.decided_by,
            decided_at: r.decided_at.map(rfc3339),
            created_at: rfc3339(r.created_at),
            registered_name: r.registered_name,
            version: r.version,
        }
    }
}

/// What the applicant is told once the request is in.
#[derive(Debug, Serialize, ToSchema)]
struct SignupReceived {
    id: i64,
    /// pending.
    #[schema(value_type = String)]
    status: SignupStatus,
    /// The town that checks it.
    town_name: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct SignupQuery {
    /// pending, approved or rejected.
    status: Option<String>,
}

/// Asks for an account for a company; anyone may (a few times an hour per address). The city
/// or the company's town verifies it before the account works.
#[utoipa::path(post, path = "/api/v1/signups", tag = "accounts", request_body = NewSignup, security(()),
    responses((status = 202, body = SignupReceived), (status = 422, body = crate::problem::Problem), (status = 429, body = crate::problem::Problem)))]
async fn request_signup(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    ApiJson(body): ApiJson<NewSignup>,
) -> Result<impl IntoResponse, ApiError> {
    let input = SignupInput {
        credit_code: body.credit_code,
        enterprise_name: body.enterprise_name,
        legal_representative: body.legal_representative,
        town_code: body.town,
        industry_code: body.industry_code,
        contact_name: body.contact_name,
        phone: body.phone,
        email: body.email,
        username: body.username,
        password: body.password,
    };
    let request = state
        .registry()
        .request_signup(state.identity().hashing(), &input, &ip)
        .await
        .map_err(|error| ApiError::from(error).renaming_field("town_code", "town"))?;
    Ok((
        StatusCode::ACCEPTED,
        Json(SignupReceived {
            id: request.id,
            status: request.status,
            town_name: request.town_name_zh,
        }),
    ))
}

/// Sign-ups the caller verifies: the city every town's, a town its own; pending first.
#[utoipa::path(get, path = "/api/v1/signups", tag = "accounts", params(SignupQuery),
    responses((status = 200, body = Vec<SignupDto>), (status = 401, body = crate::problem::Problem)))]
async fn list_signups(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<SignupQuery>,
) -> Result<Json<Vec<SignupDto>>, ApiError> {
    let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
        Some(status) => Some(
            status
                .parse::<SignupStatus>()
                .map_err(|e| ApiError::malformed(e.to_string()))?,
        ),
        None => None,
    };
    let requests = state.registry().signups(&principal, status).await?;
    Ok(Json(requests.into_iter().map(SignupDto::from).collect()))
}

/// One sign-up the caller verifies.
#[utoipa::path(get, path = "/api/v1/signups/{id}", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 200, body = SignupDto), (status = 404, body = crate::problem::Problem)))]
async fn get_signup(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let request = state.registry().signup(&principal, id).await?;
    Ok((etag(request.version), Json(SignupDto::from(request))))
}

/// A decision on a sign-up.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SignupDecision {
    /// true to approve, false to refuse.
    approve: bool,
    /// Required when refusing; the applicant reads it.
    #[serde(default)]
    reason: String,
}

/// Approves a sign-up (registering the company from it if the registry does not hold its code,
/// and creating the account as the company's administrator) or refuses it with a reason; the
/// applicant is told either way. Send the request's version as `If-Match`.
#[utoipa::path(post, path = "/api/v1/signups/{id}/decision", tag = "accounts", params(("id" = i64, Path)), request_body = SignupDecision,
    responses((status = 200, body = SignupDto), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 428, body = crate::problem::Problem)))]
async fn decide_signup(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignupDecision>,
) -> Result<impl IntoResponse, ApiError> {
    let Some(version) = if_match(&headers)? else {
        // Outside the caller's scope the request does not exist, whatever the headers.
        state.registry().signup(&principal, id).await?;
        return Err(ApiError::precondition_required(
            "send the sign-up's version as If-Match",
        ));
    };
    let decided = state
        .registry()
        .decide_signup(&principal, id, body.approve, &body.reason, version)
        .await?;
    Ok((etag(decided.version), Json(SignupDto::from(decided))))
}

/// Someone who forgot their password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ResetRequest {
    /// User name, e-mail address or mobile number.
    login: String,
}

/// Sends a one-time reset link to the e-mail address or mobile number of the account named, if
/// there is one; answers the same either way. Throttled per address like sign-in.
#[utoipa::path(post, path = "/api/v1/password-resets", tag = "accounts", security(()), request_body = ResetRequest,
    responses((status = 202), (status = 422, body = crate::problem::Problem), (status = 429, body = crate::problem::Problem)))]
async fn request_password_reset(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    ApiJson(body): ApiJson<ResetRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .identity()
        .request_password_reset(&body.login, &ip, &state.settings().public_url)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// A reset link used.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ResetConfirm {
    /// The token at the end of the link.
    token: String,
    new_password: String,
}

/// Sets a new password with a reset link's token: the link is used up, the user's sessions end
/// and a lockout is lifted.
#[utoipa::path(post, path = "/api/v1/password-resets/confirm", tag = "accounts", security(()), request_body = ResetConfirm,
    responses((status = 204), (status = 422, body = crate::problem::Problem)))]
async fn reset_password(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    ApiJson(body): ApiJson<ResetConfirm>,
) -> Result<StatusCode, ApiError> {
    state
        .identity()
        .reset_password_with_link(&body.token, &body.new_password, &ip)
        .await
        .map_err(|error| ApiError::from(error).renaming_field("password", "new_password"))?;
    Ok(StatusCode::NO_CONTENT)
}
