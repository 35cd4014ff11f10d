//! An application's attachments: upload, download (always as a download) and removal.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::rfc3339;
use crate::auth::Caller;
use crate::extract::ApiPath;
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(delete_attachment, download_attachment))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload_attachment))
                .layer(axum::extract::DefaultBodyLimit::max(
                    zhizao_projects::attachments::MAX_ATTACHMENT_BYTES + 256 * 1024,
                )),
        )
}

/// A file attached to an application.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AttachmentDto {
    id: i64,
    /// What it is for (one of the batch's required attachments, or anything else).
    purpose: String,
    file_name: String,
    /// Judged from the content.
    content_type: String,
    size_bytes: i64,
    sha256: String,
    uploaded_at: String,
    uploaded_by: String,
}

impl From<zhizao_projects::attachments::Attachment> for AttachmentDto {
    fn from(a: zhizao_projects::attachments::Attachment) -> Self {
        AttachmentDto {
            id: a.id,
            purpose: a.purpose,
            file_name: a.file_name,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
            uploaded_at: rfc3339(a.uploaded_at),
            uploaded_by: a.uploaded_by,
        }
    }
}

/// Reads a multipart request's `purpose` field and `file` part (an application's attachment).
pub(crate) async fn read_attachment_upload(
    state: &AppState,
    request: axum::extract::Request,
) -> Result<(String, String, Vec<u8>), ApiError> {
    read_upload(
        state,
        request,
        zhizao_projects::attachments::MAX_ATTACHMENT_BYTES,
    )
    .await
}

/// Reads a multipart request's `purpose` field and `file` part of at most `max_bytes`.
pub(crate) async fn read_upload(
    state: &AppState,
    request: axum::extract::Request,
    max_bytes: usize,
) -> Result<(String, String, Vec<u8>), ApiError> {
    let mut multipart =
        <axum::extract::Multipart as axum::extract::FromRequest<AppState>>::from_request(
            request, state,
        )
        .await
        .map_err(|e| ApiError::malformed(e.body_text()))?;
    let mut purpose = String::new();
    let mut file = None;
    let fail = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(format!(
                "{}; at most {max_bytes} bytes are accepted",
                e.body_text(),
            ))
        } else {
            ApiError::malformed(e.body_text())
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(fail)? {
        match field.name() {
            Some("purpose") => purpose = field.text().await.map_err(fail)?,
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(fail)?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    let (name, bytes) =
        file.ok_or_else(|| ApiError::malformed("the form has no part named \"file\""))?;
    Ok((purpose, name, bytes))
}

/// Attaches a file (multipart: `purpose`, `file`) to a draft or returned application; PDF,
/// PNG, JPEG, Excel, Word or ODS, judged by content, at most 20 MiB.
#[utoipa::path(post, path = "/api/v1/project-applications/{number}/attachments", tag = "projects", params(("number" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "`purpose`: what the file is; `file`: the file"),
    responses((status = 201, body = AttachmentDto), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 413, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]

pub(super) async fn upload_attachment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    request: axum::extract::Request,
) -> Result<impl IntoResponse, ApiError> {
    // Outside the caller's scope the application does not exist, whatever the body.
    state.projects().application(&principal, &number).await?;
    let (purpose, file_name, bytes) = read_attachment_upload(&state, request).await?;
    let attachment = state
        .projects()
        .add_attachment(&principal, &number, &purpose, &file_name, bytes)
        .await?;
    Ok((StatusCode::CREATED, Json(AttachmentDto::from(attachment))))
}

/// Downloads an attachment (always as a download, with the type its content has).
#[utoipa::path(get, path = "/api/v1/project-applications/{number}/attachments/{attachment_id}", tag = "projects",
    params(("number" = String, Path), ("attachment_id" = i64, Path)),
    responses((status = 200, description = "The file"), (status = 404, body = crate::problem::Problem)))]

pub(super) async fn download_attachment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((number, attachment_id)): ApiPath<(String, i64)>,
) -> Result<Response, ApiError> {
    let (attachment, bytes) = state
        .projects()
        .attachment(&principal, &number, attachment_id)
        .await?;
    Ok(attachment_response(&attachment, bytes))
}

/// A stored attachment as a download.
pub(crate) fn attachment_response(
    attachment: &zhizao_projects::attachments::Attachment,
    bytes: Vec<u8>,
) -> Response {
    file_response(
        attachment.id,
        &attachment.file_name,
        &attachment.content_type,
        bytes,
    )
}

/// A stored file as a download: always an attachment, with the type its content has, never
/// sniffed or run by the browser.
pub(crate) fn file_response(
    id: i64,
    file_name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Response {
    let disposition =
        crate::api::content_disposition(false, file_name, &format!("attachment-{id}"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_str(content_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Removes an attachment from a draft or returned application.
#[utoipa::path(delete, path = "/api/v1/project-applications/{number}/attachments/{attachment_id}", tag = "projects",
    params(("number" = String, Path), ("attachment_id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]

pub(super) async fn delete_attachment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((number, attachment_id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    state
        .projects()
        .delete_attachment(&principal, &number, attachment_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
