//! API errors as RFC 9457 problem details, and the one place domain errors become responses.
//!
//! Handlers return [`ApiError`]; its `IntoResponse` parks the error in the response's
//! extensions, and the [`render`] middleware, which knows the request's language, writes the
//! `application/problem+json` body. Every API failure, including unknown routes, wrong methods,
//! bad bodies and panics, leaves through here.

use std::any::Any;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use zhizao_core::{ErrorKind, FieldError, Language, Text};

/// An API failure: a stable problem type, a status, a title, details and field errors (boxed,
/// so that results carrying it stay small).
#[derive(Debug, Clone)]
pub(crate) struct ApiError(Box<ApiErrorData>);

#[derive(Debug, Clone)]
struct ApiErrorData {
    status: StatusCode,
    problem_type: &'static str,
    title: Text,
    detail: String,
    errors: Vec<FieldError>,
    retry_after_seconds: Option<i64>,
}

impl ApiError {
    pub(crate) fn new(
        status: StatusCode,
        problem_type: &'static str,
        title: Text,
        detail: impl Into<String>,
    ) -> Self {
        ApiError(Box::new(ApiErrorData {
            status,
            problem_type,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after_seconds: None,
        }))
    }

    pub(crate) fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.0.errors = errors;
        self
    }

    pub(crate) fn unauthenticated(detail: &str) -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            Text::new("需要登录", "Authentication required"),
            detail,
        )
    }

    pub(crate) fn not_found(detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            Text::new("不存在", "Not found"),
            detail,
        )
    }

    pub(crate) fn forbidden(detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            Text::new("无权操作", "Forbidden"),
            detail,
        )
    }

    pub(crate) fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message.en))
            .collect::<Vec<_>>()
            .join("; ");
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
            Text::new("输入有误", "Validation failed"),
            detail,
        )
        .with_errors(errors)
    }

    pub(crate) fn malformed(detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed-request",
            Text::new("请求格式错误", "Malformed request"),
            detail,
        )
    }

    pub(crate) fn unsupported_media_type(detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            Text::new("不支持的内容类型", "Unsupported media type"),
            detail,
        )
    }

    pub(crate) fn precondition_required(detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition-required",
            Text::new("缺少版本号（If-Match）", "Precondition required"),
            detail,
        )
    }

    pub(crate) fn too_large(detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            Text::new("内容过大", "Payload too large"),
            detail,
        )
    }

    pub(crate) fn conflict(problem_type: &'static str, detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::CONFLICT,
            problem_type,
            Text::new("与现有数据冲突", "Conflict"),
            detail,
        )
    }

    /// Maps a failure by its kind; 5xx details are logged and replaced by a generic message.
    pub(crate) fn from_kind(kind: ErrorKind, detail: String, errors: Vec<FieldError>) -> Self {
        match kind {
            ErrorKind::InvalidInput if !errors.is_empty() => ApiError::validation(errors),
            ErrorKind::InvalidInput => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation-failed",
                Text::new("输入有误", "Validation failed"),
                detail,
            ),
            ErrorKind::Unauthenticated => ApiError::unauthenticated(&detail),
            ErrorKind::Forbidden => ApiError::forbidden(detail),
            ErrorKind::NotFound => ApiError::not_found(detail),
            ErrorKind::Conflict => ApiError::conflict("conflict", detail),
            ErrorKind::TooLarge => ApiError::too_large(detail),
            ErrorKind::RateLimited => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                Text::new("请求过于频繁", "Too many requests"),
                detail,
            ),
            ErrorKind::Unavailable => {
                tracing::warn!(%detail, "dependency unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    Text::new("服务暂不可用", "Service unavailable"),
                    "a dependency is unavailable; retry later",
                )
            }
            ErrorKind::Internal => {
                tracing::error!(%detail, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    Text::new("服务器内部错误", "Internal server error"),
                    "an internal error occurred; it has been logged",
                )
            }
        }
    }
}

impl From<zhizao_projects::Error> for ApiError {
    fn from(error: zhizao_projects::Error) -> Self {
        use zhizao_projects::Error as E;
        use zhizao_projects::workflow::Refusal;
        match &error {
            E::StaleVersion { .. } => ApiError::conflict("stale-version", error.to_string()),
            E::DuplicateProject { .. } | E::DuplicateCode { .. } => {
                ApiError::conflict("duplicate", error.to_string())
            }
            E::Refused(Refusal::NotFromStatus { .. }) => ApiError::new(
                StatusCode::CONFLICT,
                "illegal-transition",
                error.text(),
                error.to_string(),
            ),
            E::NotYet(_) => ApiError::new(
                StatusCode::CONFLICT,
                "not-possible-now",
                error.text(),
                error.to_string(),
            ),
            _ => ApiError::from_kind(
                error.kind(),
                error.to_string(),
                error.field_errors().to_vec(),
            ),
        }
    }
}

impl From<zhizao_devices::Error> for ApiError {
    fn from(error: zhizao_devices::Error) -> Self {
        match &error {
            zhizao_devices::Error::StaleVersion { .. } => {
                ApiError::conflict("stale-version", error.to_string())
            }
            zhizao_devices::Error::Duplicate { .. } => {
                ApiError::conflict("duplicate", error.to_string()).with_errors(vec![
                    FieldError::new(
                        "name",
                        Text::owned("名称已被使用".into(), error.to_string()),
                    ),
                ])
            }
            zhizao_devices::Error::InUse { .. } => ApiError::conflict("in-use", error.to_string()),
            _ => ApiError::from_kind(
                error.kind(),
                error.to_string(),
                error.field_errors().to_vec(),
            ),
        }
    }
}

impl From<zhizao_identity::Error> for ApiError {
    fn from(error: zhizao_identity::Error) -> Self {
        let errors = error.field_errors().to_vec();
        let mut api = match &error {
            zhizao_identity::Error::StaleVersion { .. } => {
                ApiError::conflict("stale-version", error.to_string())
            }
            zhizao_identity::Error::Duplicate { field, .. } => {
                ApiError::conflict("duplicate", error.to_string()).with_errors(vec![
                    FieldError::new(*field, Text::owned("已被使用".into(), error.to_string())),
                ])
            }
            _ => ApiError::from_kind(error.kind(), error.to_string(), errors),
        };
        if let zhizao_identity::Error::Throttled {
            retry_after_seconds,
        } = error
        {
            api.0.retry_after_seconds = Some(retry_after_seconds);
        }
        api
    }
}

impl From<zhizao_registry::Error> for ApiError {
    fn from(error: zhizao_registry::Error) -> Self {
        match &error {
            zhizao_registry::Error::StaleVersion { .. } => {
                ApiError::conflict("stale-version", error.to_string())
            }
            zhizao_registry::Error::DuplicateCreditCode {
                credit_code,
                existing_name,
            } => ApiError::conflict("duplicate", error.to_string()).with_errors(vec![
                FieldError::new(
                    "credit_code",
                    Text::owned(
                        format!("信用代码 {credit_code} 已登记为“{existing_name}”"),
                        format!(
                            "credit code {credit_code} is already registered to {existing_name:?}"
                        ),
                    ),
                ),
            ]),
            zhizao_registry::Error::InUse { .. } => ApiError::conflict("in-use", error.to_string()),
            _ => ApiError::from_kind(
                error.kind(),
                error.to_string(),
                error.field_errors().to_vec(),
            ),
        }
    }
}

/// The body of a problem response.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Problem {
    /// A stable URI reference naming the kind of problem, e.g. `/problems/validation-failed`.
    #[serde(rename = "type")]
    problem_type: String,
    /// A short human summary in the request's language.
    title: String,
    /// The HTTP status.
    status: u16,
    /// What happened, in English.
    pub(crate) detail: String,
    /// For validation failures: what is wrong with which field (or which row and column of an
    /// imported file).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<ProblemField>,
}

/// One field's problem.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ProblemField {
    /// The field, as named in the request (e.g. `credit_code`, `recognitions[0].year`).
    field: String,
    /// What is wrong, in the request's language.
    message: String,
    /// For imports: the 1-based row in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    row: Option<u32>,
    /// For imports: the column's letter and header.
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<String>,
}

impl ProblemField {
    /// A field error in `language`.
    pub(crate) fn new(error: FieldError, language: Language) -> Self {
        ProblemField {
            message: error.message.get(language).to_owned(),
            field: error.field,
            row: error.row,
            column: error.column,
        }
    }
}

/// The error waiting in a response's extensions for [`render`].
#[derive(Debug, Clone)]
struct PendingProblem(ApiError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = self.0.status;
        if let Some(seconds) = self.0.retry_after_seconds
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if self.0.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"zhizao\""),
            );
        }
        response.extensions_mut().insert(PendingProblem(self));
        response
    }
}

/// Serialises a problem in `language`.
pub(crate) fn problem_body(error: &ApiError, language: Language) -> Problem {
    let error = &error.0;
    Problem {
        problem_type: format!("/problems/{}", error.problem_type),
        title: error.title.get(language).to_owned(),
        status: error.status.as_u16(),
        detail: error.detail.clone(),
        errors: error
            .errors
            .iter()
            .map(|e| ProblemField::new(e.clone(), language))
            .collect(),
    }
}

/// Writes pending problems as `application/problem+json` in the request's language.
pub(crate) async fn render(request: Request, next: Next) -> Response {
    let language = request
        .extensions()
        .get::<Language>()
        .copied()
        .unwrap_or_else(|| {
            request
                .headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Language::negotiate)
                .unwrap_or_default()
        });
    let mut response = next.run(request).await;
    if let Some(PendingProblem(error)) = response.extensions_mut().remove::<PendingProblem>() {
        let body = serde_json::to_vec(&problem_body(&error, language)).unwrap_or_default();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response.headers_mut().remove(header::CONTENT_LENGTH);
        *response.body_mut() = Body::from(body);
    }
    response
}

/// Unknown paths: a problem for the API, a page otherwise.
pub(crate) async fn fallback(request: Request) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/api/") {
        ApiError::not_found(format!("no API route {path}")).into_response()
    } else {
        crate::pages::not_found_page(&request).into_response()
    }
}

/// Wrong method on a known API path.
pub(crate) async fn method_not_allowed(request: Request) -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        Text::new("不支持该请求方法", "Method not allowed"),
        format!(
            "{} is not supported on {}",
            request.method(),
            request.uri().path()
        ),
    )
    .into_response()
}

/// A panic in a handler: logged, answered with a generic 500 problem (never HTML, never details).
pub(crate) fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default();
    tracing::error!(%message, "handler panicked");
    let error = ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        Text::new("服务器内部错误", "Internal server error"),
        "an internal error occurred; it has been logged",
    );
    let body = serde_json::to_vec(&problem_body(&error, Language::En)).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}
