//! Users, their passwords and their sessions.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::{OrgKind, Role};
use zhizao_identity::{NewUser, SessionView, UserFilter, UserUpdate, UserView};

use super::tokens::Token;
use super::{PageOf, Paging, etag, if_match, rfc3339};
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(change_password))
        .routes(routes!(user_sessions))
        .routes(routes!(user_tokens))
}

/// A user (never the password).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UserDto {
    username: String,
    display_name: String,
    #[schema(value_type = String)]
    role: Role,
    organization_code: String,
    organization_name: String,
    #[schema(value_type = String)]
    organization_kind: OrgKind,
    language: String,
    email: String,
    phone: String,
    disabled: bool,
    /// Administers the organisation's users.
    org_admin: bool,
    /// Locked after failed sign-ins until this instant.
    locked_until: Option<String>,
    last_login_at: Option<String>,
    created_at: String,
    version: i64,
}

impl From<UserView> for UserDto {
    fn from(u: UserView) -> Self {
        UserDto {
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            organization_code: u.organization_code,
            organization_name: u.organization_name,
            organization_kind: u.organization_kind,
            language: u.language,
            email: u.email,
            phone: u.phone,
            disabled: u.disabled,
            org_admin: u.org_admin,
            locked_until: u.locked_until.map(rfc3339),
            last_login_at: u.last_login_at.map(rfc3339),
            created_at: rfc3339(u.created_at),
            version: u.version,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct UserQuery {
    /// Only users of this organisation (code).
    organization: Option<String>,
    /// Only this role.
    role: Option<String>,
    /// User or display name containing this text.
    q: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

/// A new user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateUser {
    organization_code: String,
    /// 3–64 of a-z, 0-9, `.`, `_`, `-`.
    username: String,
    #[serde(default)]
    display_name: String,
    /// Must fit the organisation's kind.
    role: String,
    /// At least 10 characters mixing two of letters, digits and symbols.
    password: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    /// Administers the organisation's users.
    #[serde(default)]
    org_admin: bool,
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateUser {
    display_name: Option<String>,
    role: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    disabled: Option<bool>,
    /// Clear a lockout after failed sign-ins.
    #[serde(default)]
    unlock: bool,
    /// Make or unmake the organisation's administrator.
    org_admin: Option<bool>,
}

/// A new password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ChangePassword {
    /// Required when changing one's own password.
    current_password: Option<String>,
    new_password: String,
}

/// A session.
#[derive(Debug, Serialize, ToSchema)]
struct Session {
    id: i64,
    created_at: String,
    last_seen_at: String,
    expires_at: String,
    ip: String,
    user_agent: String,
    /// Whether this request uses it.
    current: bool,
}

impl From<SessionView> for Session {
    fn from(s: SessionView) -> Self {
        Session {
            id: s.id,
            created_at: rfc3339(s.created_at),
            last_seen_at: rfc3339(s.last_seen_at),
            expires_at: rfc3339(s.expires_at),
            ip: s.ip,
            user_agent: s.user_agent,
            current: s.current,
        }
    }
}

/// Lists users: all for city administrators, oneself otherwise.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery), responses((status = 200, body = PageOf<UserDto>), (status = 401, body = crate::problem::Problem)))]
async fn list_users(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<UserQuery>,
) -> Result<Json<PageOf<UserDto>>, ApiError> {
    let role = match query.role.as_deref().filter(|r| !r.is_empty()) {
        Some(role) => Some(
            role.parse::<Role>()
                .map_err(|e| ApiError::malformed(e.to_string()))?,
        ),
        None => None,
    };
    let filter = UserFilter {
        organization_code: query.organization,
        role,
        search: query.q,
    };
    let paging = Paging {
        page: query.page,
        page_size: query.page_size,
    };
    let page = state
        .identity()
        .list_users(&principal, &filter, paging.request())
        .await?;
    Ok(Json(PageOf::from_page(page, UserDto::from)))
}

/// Creates a user: city administrators anywhere, an organisation's administrator in their own
/// organisation with its own role.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUser,
    responses((status = 201, body = UserDto), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn create_user(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<CreateUser>,
) -> Result<impl IntoResponse, ApiError> {
    let new = NewUser {
        organization_code: body.organization_code,
        username: body.username,
        display_name: body.display_name,
        role: body.role,
        password: body.password,
        email: body.email,
        phone: body.phone,
        org_admin: body.org_admin,
    };
    let user = state.identity().create_user(&principal, &new).await?;
    Ok((
        StatusCode::CREATED,
        etag(user.version),
        Json(UserDto::from(user)),
    ))
}

/// One user: anyone for administrators, oneself otherwise.
#[utoipa::path(get, path = "/api/v1/users/{username}", tag = "users", params(("username" = String, Path)),
    responses((status = 200, body = UserDto), (status = 404, body = crate::problem::Problem)))]
async fn get_user(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(username): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let user = state.identity().user(&principal, &username).await?;
    Ok((etag(user.version), Json(UserDto::from(user))))
}

/// Changes a user. Roles, disabling and unlocking are for administrators; send `If-Match`.
#[utoipa::path(patch, path = "/api/v1/users/{username}", tag = "users", params(("username" = String, Path)), request_body = UpdateUser,
    responses((status = 200, body = UserDto), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn update_user(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(username): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<UpdateUser>,
) -> Result<impl IntoResponse, ApiError> {
    let update = UserUpdate {
        display_name: body.display_name,
        role: body.role,
        email: body.email,
        phone: body.phone,
        disabled: body.disabled,
        unlock: body.unlock,
        org_admin: body.org_admin,
    };
    let user = state
        .identity()
        .update_user(&principal, &username, &update, if_match(&headers)?)
        .await?;
    Ok((etag(user.version), Json(UserDto::from(user))))
}

/// Sets a new password; other sessions of that user end.
#[utoipa::path(post, path = "/api/v1/users/{username}/password", tag = "users", params(("username" = String, Path)), request_body = ChangePassword,
    responses((status = 204), (status = 404, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn change_password(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(username): ApiPath<String>,
    ApiJson(body): ApiJson<ChangePassword>,
) -> Result<StatusCode, ApiError> {
    state
        .identity()
        .change_password(
            &principal,
            &username,
            body.current_password.as_deref(),
            &body.new_password,
        )
        .await
        .map_err(|error| ApiError::from(error).renaming_field("password", "new_password"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A user's open sessions.
#[utoipa::path(get, path = "/api/v1/users/{username}/sessions", tag = "users", params(("username" = String, Path)),
    responses((status = 200, body = Vec<Session>), (status = 404, body = crate::problem::Problem)))]
async fn user_sessions(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(username): ApiPath<String>,
) -> Result<Json<Vec<Session>>, ApiError> {
    let sessions = state
        .identity()
        .list_sessions(&principal, &username)
        .await?;
    Ok(Json(sessions.into_iter().map(Session::from).collect()))
}

/// A user's API tokens.
#[utoipa::path(get, path = "/api/v1/users/{username}/tokens", tag = "users", params(("username" = String, Path)),
    responses((status = 200, body = Vec<Token>), (status = 404, body = crate::problem::Problem)))]
async fn user_tokens(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(username): ApiPath<String>,
) -> Result<Json<Vec<Token>>, ApiError> {
    let tokens = state.identity().list_tokens(&principal, &username).await?;
    Ok(Json(tokens.into_iter().map(Token::from).collect()))
}
