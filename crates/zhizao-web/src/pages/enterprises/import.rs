//! Importing enterprises from a spreadsheet, all or nothing, every problem named by row and
//! column, and the template to fill in.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use zhizao_core::Classified;
use zhizao_identity::policy::{self};
use zhizao_registry::{ExportFormat, ImportMode, ImportOptions, ImportReport};

use crate::AppState;
use crate::pages::PageUpload;
use crate::pages::{Layout, OrPage, PageError, SignedIn, render};

#[derive(Template)]
#[template(path = "enterprises/import.html")]
pub(super) struct ImportPage {
    layout: Layout,
    error: String,
}

pub(super) async fn import_form(
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    if !policy::may_import_enterprises(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    Ok(render(&ImportPage {
        layout: context.layout("enterprises"),
        error: String::new(),
    }))
}

#[derive(Template)]
#[template(path = "enterprises/report.html")]
pub(super) struct ReportPage {
    layout: Layout,
    report: ImportReport,
    errors: Vec<(String, String, String)>,
}

pub(super) async fn import(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageUpload(upload): PageUpload,
) -> Result<Response, Response> {
    let t = context.t();
    let upload = match upload {
        Ok(upload) => upload,
        Err(error) => {
            let page = render(&ImportPage {
                layout: context.layout("enterprises"),
                error: if error.status == StatusCode::PAYLOAD_TOO_LARGE {
                    t.file_too_large(zhizao_registry::MAX_IMPORT_BYTES / 1024 / 1024)
                } else {
                    error.reason
                },
            });
            return Ok((error.status, page).into_response());
        }
    };
    let mode = if upload.text("mode") == "upsert" {
        ImportMode::Upsert
    } else {
        ImportMode::Create
    };
    let dry_run = upload.text("dry_run") == "true";
    let Some(file) = upload.file("file").filter(|file| !file.bytes.is_empty()) else {
        let page = render(&ImportPage {
            layout: context.layout("enterprises"),
            error: t.import_file().to_owned() + " ?",
        });
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let (name, bytes) = (&file.file_name, &file.bytes);
    match state
        .registry()
        .import_enterprises(&principal, name, bytes, &ImportOptions { mode, dry_run })
        .await
    {
        Ok(report) => {
            let errors = report
                .errors
                .iter()
                .map(|e| {
                    (
                        e.row.map(|r| r.to_string()).unwrap_or_default(),
                        e.column.clone().unwrap_or_default(),
                        t.text(&e.message).to_owned(),
                    )
                })
                .collect();
            Ok(render(&ReportPage {
                layout: context.layout("enterprises"),
                report,
                errors,
            }))
        }
        Err(error) => {
            let message = match &error {
                zhizao_registry::Error::TooLarge { .. } => {
                    t.file_too_large(zhizao_registry::MAX_IMPORT_BYTES / 1024 / 1024)
                }
                other if !other.field_errors().is_empty() => other
                    .field_errors()
                    .iter()
                    .map(|e| t.text(&e.message).to_owned())
                    .collect::<Vec<_>>()
                    .join("；"),
                _ => return Err(PageError::from(error).render(&context)),
            };
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                render(&ImportPage {
                    layout: context.layout("enterprises"),
                    error: message,
                }),
            )
                .into_response())
        }
    }
}

pub(super) async fn template(
    State(state): State<AppState>,
    SignedIn(context, _): SignedIn,
) -> Result<Response, Response> {
    let bytes = state
        .registry()
        .import_template(context.language)
        .or_page(&context)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                ExportFormat::Xlsx.content_type(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"enterprise-import-template.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}
