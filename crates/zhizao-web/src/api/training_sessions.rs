//! Training's offline sessions: scheduled by the provider with a capacity, registration (the
//! caller, or a person without an account by name and phone), the sign-in code that changes
//! every minute on the trainer's screen, sign-in by code or by the trainer, and cancellation.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::{FieldError, Text, Timestamp};
use zhizao_training::sessions::PersonInput;
use zhizao_training::{Registration, SessionInput, TrainingSession};

use super::rfc3339;
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sessions, create_session))
        .routes(routes!(get_session))
        .routes(routes!(registrations, register))
        .routes(routes!(current_code))
        .routes(routes!(sign_in))
        .routes(routes!(sign_in_for))
        .routes(routes!(cancel_session))
}

/// Why a session is cancelled.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CancelBody {
    /// 2–200 characters, told to everyone registered.
    reason: String,
}

/// Cancels a session that has not ended (its course's provider's staff): everyone registered is
/// told by e-mail or SMS with the reason; registration and sign-in close.
#[utoipa::path(post, path = "/api/v1/training-sessions/{session_id}/cancel", tag = "training",
    params(("session_id" = i64, Path)), request_body = CancelBody,
    responses((status = 200, body = SessionDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn cancel_session(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CancelBody>,
) -> Result<Json<SessionDto>, ApiError> {
    let session = state
        .training()
        .cancel_session(&principal, id, &body.reason)
        .await?;
    Ok(Json(session.into()))
}

fn invalid(field: &str, zh: String, en: String) -> ApiError {
    zhizao_training::Error::Invalid(vec![FieldError::new(field, Text::owned(zh, en))]).into()
}

/// An offline session.
#[derive(Debug, Serialize, ToSchema)]
struct SessionDto {
    id: i64,
    course_id: i64,
    course_title: String,
    title: String,
    place: String,
    starts_at: String,
    ends_at: String,
    capacity: i64,
    trainer: String,
    registered: i64,
    signed_in: i64,
    cancelled_at: Option<String>,
    /// Why it was cancelled (empty unless it was).
    cancel_reason: String,
}

impl From<TrainingSession> for SessionDto {
    fn from(s: TrainingSession) -> Self {
        SessionDto {
            id: s.id,
            course_id: s.course_id,
            course_title: s.course_title,
            title: s.title,
            place: s.place,
            starts_at: rfc3339(s.starts_at),
            ends_at: rfc3339(s.ends_at),
            capacity: s.capacity,
            trainer: s.trainer,
            registered: s.registered,
            signed_in: s.signed_in,
            cancelled_at: s.cancelled_at.map(rfc3339),
            cancel_reason: s.cancel_reason,
        }
    }
}

/// An offline session as its provider schedules it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SessionBody {
    /// 2–80 characters.
    title: String,
    /// 2–120 characters.
    place: String,
    /// RFC 3339, e.g. `2026-12-12T09:00:00+08:00`.
    starts_at: String,
    /// RFC 3339, after the start, at most 12 hours later.
    ends_at: String,
    /// 1–1,000 seats.
    capacity: i64,
    /// The trainer's name.
    trainer: String,
}

/// The offline sessions of a course, by start.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/sessions", tag = "training",
    params(("course_id" = i64, Path)),
    responses((status = 200, body = Vec<SessionDto>), (status = 404, body = crate::problem::Problem)))]
async fn list_sessions(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<SessionDto>>, ApiError> {
    let sessions = state.training().sessions(&principal, id).await?;
    Ok(Json(sessions.into_iter().map(SessionDto::from).collect()))
}

/// Schedules an offline session of a course (its provider's staff).
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/sessions", tag = "training",
    params(("course_id" = i64, Path)), request_body = SessionBody,
    responses((status = 201, body = SessionDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn create_session(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SessionBody>,
) -> Result<impl IntoResponse, ApiError> {
    state.training().course(&principal, id).await?;
    let input = session_input(body)?;
    let session = state
        .training()
        .create_session(&principal, id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(SessionDto::from(session))))
}

fn session_input(body: SessionBody) -> Result<SessionInput, ApiError> {
    let instant = |field: &str, text: &str| -> Result<Timestamp, ApiError> {
        super::tokens::parse_rfc3339(text.trim()).ok_or_else(|| {
            invalid(
                field,
                format!("“{text}”不是时间，请写成 2026-12-12T09:00:00+08:00"),
                format!("{text:?} is not an RFC 3339 instant such as 2026-12-12T09:00:00+08:00"),
            )
        })
    };
    Ok(SessionInput {
        starts_at: instant("starts_at", &body.starts_at)?,
        ends_at: instant("ends_at", &body.ends_at)?,
        title: body.title,
        place: body.place,
        capacity: body.capacity,
        trainer: body.trainer,
    })
}

/// An offline session.
#[utoipa::path(get, path = "/api/v1/training-sessions/{session_id}", tag = "training",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = SessionDto), (status = 404, body = crate::problem::Problem)))]
async fn get_session(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SessionDto>, ApiError> {
    Ok(Json(
        state.training().session(&principal, id).await?.1.into(),
    ))
}

/// Someone registered for a session.
#[derive(Debug, Serialize, ToSchema)]
struct RegistrationDto {
    id: i64,
    session_id: i64,
    name: String,
    /// For people the provider registered.
    phone: Option<String>,
    enterprise_name: Option<String>,
    has_account: bool,
    registered_at: String,
    signed_in_at: Option<String>,
    /// code or trainer.
    sign_in_method: Option<String>,
}

impl From<Registration> for RegistrationDto {
    fn from(r: Registration) -> Self {
        RegistrationDto {
            id: r.id,
            session_id: r.session_id,
            name: r.name,
            phone: r.phone,
            enterprise_name: r.enterprise_name,
            has_account: r.has_account,
            registered_at: rfc3339(r.registered_at),
            signed_in_at: r.signed_in_at.map(rfc3339),
            sign_in_method: r.sign_in_method,
        }
    }
}

/// Who is registered for a session (its provider's staff and the city).
#[utoipa::path(get, path = "/api/v1/training-sessions/{session_id}/registrations", tag = "training",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = Vec<RegistrationDto>), (status = 404, body = crate::problem::Problem)))]
async fn registrations(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<RegistrationDto>>, ApiError> {
    let registrations = state.training().registrations(&principal, id).await?;
    Ok(Json(
        registrations
            .into_iter()
            .map(RegistrationDto::from)
            .collect(),
    ))
}

/// Someone to register: empty for the caller (an enterprise's user); a name and mobile number
/// for a person without an account (the provider's staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RegisterBody {
    name: Option<String>,
    phone: Option<String>,
}

/// Registers the caller, or (provider's staff) a person by name and phone, for a session while
/// seats remain.
#[utoipa::path(post, path = "/api/v1/training-sessions/{session_id}/registrations", tag = "training",
    params(("session_id" = i64, Path)), request_body = RegisterBody,
    responses((status = 201, body = RegistrationDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn register(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RegisterBody>,
) -> Result<impl IntoResponse, ApiError> {
    state.training().session(&principal, id).await?;
    let registration = match (body.name, body.phone) {
        (None, None) => state.training().register(&principal, id).await?,
        (name, phone) => {
            let person = PersonInput {
                name: name.unwrap_or_default(),
                phone: phone.unwrap_or_default(),
            };
            state
                .training()
                .register_person(&principal, id, &person)
                .await?
        }
    };
    Ok((
        StatusCode::CREATED,
        Json(RegistrationDto::from(registration)),
    ))
}

/// The sign-in code on the trainer's screen.
#[derive(Debug, Serialize, ToSchema)]
struct CodeDto {
    /// Eight characters; scanned as a link or typed.
    code: String,
    /// When it changes (every minute).
    changes_at: String,
    /// The link its QR code carries.
    sign_in_path: String,
}

/// The sign-in code now (the provider's staff, from 30 minutes before the start to the end).
#[utoipa::path(get, path = "/api/v1/training-sessions/{session_id}/code", tag = "training",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = CodeDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem)))]
async fn current_code(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CodeDto>, ApiError> {
    let (code, changes_at) = state.training().current_code(&principal, id).await?;
    Ok(Json(CodeDto {
        sign_in_path: sign_in_path(id, &code),
        code,
        changes_at: rfc3339(changes_at),
    }))
}

/// The page a scanned sign-in code opens.
pub(crate) fn sign_in_path(session_id: i64, code: &str) -> String {
    format!("/training/sessions/{session_id}/sign-in?code={code}")
}

/// A sign-in code as typed or scanned.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SignInBody {
    code: String,
}

/// Signs the caller in with the code on the trainer's screen (registering them while seats
/// remain). An expired code (it changes every minute), another session's code and a second
/// sign-in are refused with their reason.
#[utoipa::path(post, path = "/api/v1/training-sessions/{session_id}/sign-in", tag = "training",
    params(("session_id" = i64, Path)), request_body = SignInBody,
    responses((status = 200, body = RegistrationDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn sign_in(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SignInBody>,
) -> Result<Json<RegistrationDto>, ApiError> {
    let registration = state
        .training()
        .sign_in_with_code(&principal, id, &body.code)
        .await?;
    Ok(Json(registration.into()))
}

/// Signs in a registered person for them (the provider's staff, for people without phones).
#[utoipa::path(post, path = "/api/v1/training-sessions/{session_id}/registrations/{registration_id}/sign-in", tag = "training",
    params(("session_id" = i64, Path), ("registration_id" = i64, Path)),
    responses((status = 200, body = RegistrationDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem)))]
async fn sign_in_for(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((id, registration_id)): ApiPath<(i64, i64)>,
) -> Result<Json<RegistrationDto>, ApiError> {
    let registration = state
        .training()
        .sign_in_by_trainer(&principal, id, registration_id)
        .await?;
    Ok(Json(registration.into()))
}
