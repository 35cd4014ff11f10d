//! Request extractors whose every rejection is a problem response naming what is wrong.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;
use zhizao_core::{FieldError, Text};

use crate::AppState;
use crate::problem::ApiError;

/// A JSON body: `application/json` (or `+json`) only, at most the configured size, parsed
/// strictly (request types deny unknown fields); errors name the line, column and field.
#[derive(Debug)]
pub(crate) struct ApiJson<T>(pub(crate) T);

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// Reads a body of at most `limit` bytes; a larger one is a 413.
pub(crate) async fn read_body(request: Request, limit: usize) -> Result<Bytes, ApiError> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(ApiError::too_large(format!(
            "the body has {} bytes; at most {limit} are accepted",
            declared.unwrap_or(0)
        )));
    }
    axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|_| ApiError::too_large(format!("the body is larger than {limit} bytes")))
}

/// Parses JSON text strictly, naming where it went wrong.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    match result {
        Ok(value) => {
            deserializer.end().map_err(|e| {
                ApiError::malformed(format!(
                    "trailing characters after the JSON value at line {} column {}",
                    e.line(),
                    e.column()
                ))
            })?;
            Ok(value)
        }
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            let position = format!("line {} column {}", inner.line(), inner.column());
            let message = inner.to_string();
            match inner.classify() {
                serde_json::error::Category::Data if path != "." => {
                    let field_error = FieldError::new(
                        path.clone(),
                        Text::owned(format!("格式不正确：{message}"), message.clone()),
                    );
                    Err(ApiError::malformed(format!(
                        "invalid value at {path} ({position}): {message}"
                    ))
                    .with_errors(vec![field_error]))
                }
                _ => Err(ApiError::malformed(format!(
                    "malformed JSON at {position}: {message}"
                ))),
            }
        }
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(ApiError::unsupported_media_type(
                "send the body as application/json",
            ));
        }
        let bytes = read_body(request, state.settings().max_json_bytes).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Query parameters; unknown or malformed parameters are a 400 naming them.
#[derive(Debug)]
pub(crate) struct ApiQuery<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|error| {
                let path = error.path().to_string();
                let message = error.inner().to_string();
                ApiError::malformed(format!("invalid query parameter {path}: {message}"))
                    .with_errors(vec![FieldError::new(
                        path,
                        Text::owned(format!("查询参数不正确：{message}"), message.clone()),
                    )])
            })
    }
}

/// Path parameters; a malformed one (e.g. a non-numeric id) is a 400.
#[derive(Debug)]
pub(crate) struct ApiPath<T>(pub(crate) T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| ApiPath(value))
            .map_err(|rejection| ApiError::malformed(rejection.body_text()))
    }
}

/// A spreadsheet or other file sent to an import endpoint: `multipart/form-data` with a `file`
/// part, or the file itself as the body (its kind from the content type, its name from
/// `file_name`). Returns the file's name and bytes.
pub(crate) async fn uploaded_file(
    state: &AppState,
    request: Request,
    file_name: Option<String>,
    limit: usize,
) -> Result<(String, Bytes), ApiError> {
    use axum::extract::Multipart;
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let upload_error = |status: axum::http::StatusCode, detail: String| {
            if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::too_large(detail)
            } else {
                ApiError::malformed(detail)
            }
        };
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(|e| ApiError::malformed(e.body_text()))?;
        let mut file = None;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| upload_error(e.status(), e.body_text()))?
        {
            if field.name() == Some("file") {
                let name = field.file_name().unwrap_or("upload").to_owned();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| upload_error(e.status(), e.body_text()))?;
                file = Some((name, bytes));
            }
        }
        return file.ok_or_else(|| ApiError::malformed("the form has no part named \"file\""));
    }
    let extension = match content_type.split(';').next().unwrap_or("").trim() {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "application/vnd.ms-excel" => "xls",
        "application/vnd.oasis.opendocument.spreadsheet" => "ods",
        "text/csv" | "text/plain" => "csv",
        "application/octet-stream" if file_name.is_some() => "",
        _ => {
            return Err(ApiError::unsupported_media_type(
                "send multipart/form-data, a spreadsheet MIME type or text/csv",
            ));
        }
    };
    let name = file_name.unwrap_or_else(|| format!("upload.{extension}"));
    let bytes = read_body(request, limit).await?;
    Ok((name, bytes))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        year: i64,
    }

    fn detail(error: ApiError) -> String {
        crate::problem::problem_body(&error, zhizao_core::Language::En).detail
    }

    #[test]
    fn json_errors_name_position_and_field() {
        let error = parse_json::<Body>(b"{\"name\": \"x\",\n \"items\": [ {\"year\": \"2019\"} ]}")
            .unwrap_err();
        assert!(
            detail(error.clone()).contains("items[0].year"),
            "{}",
            detail(error)
        );
        let error =
            parse_json::<Body>(b"{\"name\": \"x\", \"items\": [], \"extra\": 1}").unwrap_err();
        assert!(
            detail(error.clone()).contains("unknown field `extra`"),
            "{}",
            detail(error)
        );
        let error = parse_json::<Body>(b"{\"name\": \n\"x\",, }").unwrap_err();
        assert!(
            detail(error.clone()).contains("line 2 column 5"),
            "{}",
            detail(error)
        );
        let error = parse_json::<Body>(b"{\"name\": \"x\", \"items\": []} []").unwrap_err();
        assert!(
            detail(error.clone()).contains("trailing"),
            "{}",
            detail(error)
        );
        assert!(parse_json::<Body>(b"{\"name\": \"x\", \"items\": [{\"year\": 2019}]}").is_ok());
    }
}
