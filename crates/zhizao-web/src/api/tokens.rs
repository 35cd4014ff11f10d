//! The caller's API tokens and sessions.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::{Text, Timestamp};
use zhizao_identity::TokenView;

use super::rfc3339;
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(revoke_session))
}

/// An API token (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Token {
    id: i64,
    name: String,
    /// The first characters of the secret.
    prefix: String,
    created_at: String,
    expires_at: Option<String>,
    last_used_at: Option<String>,
    last_used_ip: Option<String>,
    revoked_at: Option<String>,
}

impl From<TokenView> for Token {
    fn from(token: TokenView) -> Self {
        Token {
            id: token.id,
            name: token.name,
            prefix: token.token_prefix,
            created_at: rfc3339(token.created_at),
            expires_at: token.expires_at.map(rfc3339),
            last_used_at: token.last_used_at.map(rfc3339),
            last_used_ip: token.last_used_ip,
            revoked_at: token.revoked_at.map(rfc3339),
        }
    }
}

/// A new token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateToken {
    /// A label, e.g. `ERP sync`.
    name: String,
    /// When the token stops working (RFC 3339); never, if absent.
    expires_at: Option<String>,
}

/// The new token; the secret is shown this once.
#[derive(Debug, Serialize, ToSchema)]
struct CreatedToken {
    token: Token,
    /// Send as `Authorization: Bearer SECRET`.
    secret: String,
}

/// The caller's tokens, newest first.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "account", responses((status = 200, body = Vec<Token>), (status = 401, body = crate::problem::Problem)))]
async fn list_tokens(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> Result<Json<Vec<Token>>, ApiError> {
    let tokens = state
        .identity()
        .list_tokens(&principal, &principal.username)
        .await?;
    Ok(Json(tokens.into_iter().map(Token::from).collect()))
}

/// Creates a token for the caller.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "account", request_body = CreateToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = crate::problem::Problem)))]
async fn create_token(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<CreateToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let expires_at = match body.expires_at.as_deref() {
        None => None,
        Some(text) => Some(parse_rfc3339(text).ok_or_else(|| {
            ApiError::validation(vec![zhizao_core::FieldError::new(
                "expires_at",
                Text::new(
                    "应为 RFC 3339 时间，如 2027-01-01T00:00:00+08:00",
                    "must be an RFC 3339 instant such as 2027-01-01T00:00:00+08:00",
                ),
            )])
        })?),
    };
    let created = state
        .identity()
        .create_token(&principal, &body.name, expires_at)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: created.view.into(),
            secret: created.secret,
        }),
    ))
}

pub(crate) fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    let parsed =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    Some(Timestamp::from_millis(
        (parsed.unix_timestamp_nanos() / 1_000_000) as i64,
    ))
}

/// Revokes one of the caller's tokens (or anyone's, for administrators).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "account", params(("id" = i64, Path, description = "Token id")),
    responses((status = 204), (status = 404, body = crate::problem::Problem)))]
async fn revoke_token(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.identity().revoke_token(&principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends one of the caller's sessions (or anyone's, for administrators).
#[utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "account", params(("id" = i64, Path, description = "Session id")),
    responses((status = 204), (status = 404, body = crate::problem::Problem)))]
async fn revoke_session(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.identity().revoke_session(&principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
