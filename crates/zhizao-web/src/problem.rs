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
use zhizao_core::{Classified, ErrorKind, FieldError, Language, Text};

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

    /// Calls a field by the request's name for it where the domain names it otherwise (a new
    /// password is `new_password` in a request and `password` to the identity service).
    pub(crate) fn renaming_field(mut self, from: &str, to: &str) -> Self {
        for error in &mut self.0.errors {
            if error.field == from {
                to.clone_into(&mut error.field);
            }
        }
        self
    }

    /// Puts a validation failure on one field of the request, for errors whose source cannot
    /// know how the request names it (a telemetry write's `points`, a query's `sql`): the
    /// failure's detail becomes that field's message. Other failures pass unchanged.
    pub(crate) fn in_field(self, field: &str) -> Self {
        if self.0.status != StatusCode::UNPROCESSABLE_ENTITY {
            return self;
        }
        let detail = match self.0.errors.as_slice() {
            [only] if only.field != field => only.message.en.to_string(),
            _ => self.0.detail.clone(),
        };
        ApiError::validation(vec![FieldError::new(
            field,
            Text::owned(detail.clone(), detail),
        )])
    }

    /// Maps a failure by its kind; 5xx details are logged and replaced by a generic message.
    fn from_kind(kind: ErrorKind, detail: String, errors: Vec<FieldError>) -> Self {
        match kind {
            ErrorKind::InvalidInput if !errors.is_empty() => ApiError::validation(errors),
            ErrorKind::InvalidInput => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation-failed",
                Text::new("输入有误", "Validation failed"),
                detail,
            ),
            ErrorKind::Unauthenticated => ApiError::unauthenticated(&detail),
            ErrorKind::Forbidden => ApiError::forbidden(detail).with_errors(errors),
            ErrorKind::NotFound => ApiError::not_found(detail),
            ErrorKind::Conflict => ApiError::conflict("conflict", detail).with_errors(errors),
            ErrorKind::TooLarge => ApiError::too_large(detail).with_errors(errors),
            ErrorKind::RateLimited => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                Text::new("请求过于频繁", "Too many requests"),
                detail,
            ),
            ErrorKind::Timeout => ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "timeout",
                Text::new("对方未及时应答", "No answer in time"),
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

/// The `Retry-After` of a 503 whose cause does not say: a busy database or a restarting one is
/// usually back within seconds.
const UNAVAILABLE_RETRY_SECONDS: i64 = 5;

impl<E: Classified> From<E> for ApiError {
    /// The one conversion of a library crate's error into a problem: the status and problem type
    /// from its kind (or its more precise code), its words for people as the title, its field
    /// errors, and for 5xx only a generic detail.
    fn from(error: E) -> Self {
        let kind = error.kind();
        let mut api = ApiError::from_kind(kind, error.to_string(), error.field_errors());
        // A precise code names a problem of its own, whose title is the error's words; without
        // one the kind's problem and title stand. Server-side failures keep theirs to the log.
        if !matches!(kind, ErrorKind::Unavailable | ErrorKind::Internal)
            && let Some(code) = error.code()
        {
            api.0.problem_type = code;
            if let Some(title) = error.message() {
                api.0.title = title;
            }
        }
        // A dependency briefly unable to serve (a busy or restarting database, a full disk) is
        // worth trying again: say when, unless the error knows better.
        api.0.retry_after_seconds = error
            .retry_after_seconds()
            .or((kind == ErrorKind::Unavailable).then_some(UNAVAILABLE_RETRY_SECONDS));
        api
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A library error as any crate writes one.
    #[derive(Debug, thiserror::Error)]
    #[error("{detail}")]
    struct Failure {
        kind: ErrorKind,
        detail: &'static str,
        code: Option<&'static str>,
        message: Option<Text>,
        fields: Vec<FieldError>,
    }

    impl Classified for Failure {
        fn kind(&self) -> ErrorKind {
            self.kind
        }
        fn code(&self) -> Option<&'static str> {
            self.code
        }
        fn field_errors(&self) -> Vec<FieldError> {
            self.fields.clone()
        }
        fn message(&self) -> Option<Text> {
            self.message.clone()
        }
    }

    fn check(failure: Failure, status: u16, problem_type: &str, title: &str, detail: &str) {
        let fields = failure.fields.len();
        let problem = problem_body(&ApiError::from(failure), Language::ZhCn);
        assert_eq!(
            (
                problem.status,
                problem.problem_type.as_str(),
                problem.title.as_str(),
                problem.detail.as_str(),
                problem.errors.len()
            ),
            (
                status,
                format!("/problems/{problem_type}").as_str(),
                title,
                detail,
                fields
            )
        );
    }

    #[test]
    fn every_kind_becomes_its_status_and_a_code_or_words_refine_it() {
        let failure = |kind, code, message: Option<Text>, fields: Vec<FieldError>| Failure {
            kind,
            detail: "the detail",
            code,
            message,
            fields,
        };
        check(
            failure(ErrorKind::NotFound, None, None, vec![]),
            404,
            "not-found",
            "不存在",
            "the detail",
        );
        check(
            failure(
                ErrorKind::Conflict,
                Some("duplicate"),
                None,
                vec![FieldError::new("name", Text::new("已被使用", "taken"))],
            ),
            409,
            "duplicate",
            "与现有数据冲突",
            "the detail",
        );
        check(
            failure(
                ErrorKind::Conflict,
                Some("illegal-transition"),
                Some(Text::new("草稿不能批准", "a draft cannot be approved")),
                vec![],
            ),
            409,
            "illegal-transition",
            "草稿不能批准",
            "the detail",
        );
        check(
            failure(
                ErrorKind::InvalidInput,
                None,
                None,
                vec![FieldError::new("name", Text::new("必填", "required"))],
            ),
            422,
            "validation-failed",
            "输入有误",
            "name: required",
        );
        check(
            failure(ErrorKind::Timeout, Some("device-timeout"), None, vec![]),
            504,
            "device-timeout",
            "对方未及时应答",
            "the detail",
        );
        // Server-side failures keep their details and codes to the log.
        check(
            failure(ErrorKind::Unavailable, Some("disk-full"), None, vec![]),
            503,
            "unavailable",
            "服务暂不可用",
            "a dependency is unavailable; retry later",
        );
        check(
            failure(ErrorKind::Internal, None, None, vec![]),
            500,
            "internal",
            "服务器内部错误",
            "an internal error occurred; it has been logged",
        );
    }

    #[test]
    fn a_validation_failure_moves_onto_the_field_the_request_named() {
        let failure = Failure {
            kind: ErrorKind::InvalidInput,
            detail: "invalid table name \"\": use 1 to 200 characters",
            code: None,
            message: None,
            fields: vec![FieldError::new(
                "table",
                Text::new(
                    "表名称无效",
                    "invalid table name \"\": use 1 to 200 characters",
                ),
            )],
        };
        let problem = problem_body(&ApiError::from(failure).in_field("points"), Language::En);
        assert_eq!(problem.errors.len(), 1);
        assert_eq!(problem.errors[0].field, "points");
        assert_eq!(
            problem.detail,
            "points: invalid table name \"\": use 1 to 200 characters"
        );
        let unavailable = ApiError::from(Failure {
            kind: ErrorKind::Unavailable,
            detail: "disk full",
            code: None,
            message: None,
            fields: vec![],
        })
        .in_field("points");
        assert_eq!(problem_body(&unavailable, Language::En).status, 503);
        assert_eq!(
            unavailable.0.retry_after_seconds,
            Some(UNAVAILABLE_RETRY_SECONDS)
        );
    }
}
