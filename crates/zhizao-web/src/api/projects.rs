//! Technology-upgrade projects and subsidies: rule sets, batches, applications and their review
//! actions, evaluations, objections, work queues and reports.

mod applications;
mod attachments;
mod batches;
mod history;
mod reports;
mod review;
mod rule_sets;

pub(crate) use attachments::{
    AttachmentDto, attachment_response, file_response, read_attachment_upload, read_upload,
};
pub(crate) use reports::{ReportQuery, report_response};

use utoipa_axum::router::OpenApiRouter;
use zhizao_core::Timestamp;
use zhizao_projects::Programme;

use super::rfc3339;
use crate::AppState;
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(rule_sets::router())
        .merge(batches::router())
        .merge(applications::router())
        .merge(review::router())
        .merge(history::router())
        .merge(attachments::router())
        .merge(reports::router())
}

fn optional_instant(at: Option<Timestamp>) -> Option<String> {
    at.map(rfc3339)
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn parse_programme(value: &Option<String>) -> Result<Option<Programme>, ApiError> {
    non_empty(value)
        .map(|p| {
            p.parse::<Programme>()
                .map_err(|e| ApiError::malformed(e.to_string()))
        })
        .transpose()
}
