//! Technology-upgrade project pages: each role's work queue and list, an application with its
//! actions, the application form, batches and rule sets, reports, and the public notice (公示),
//! which needs no sign-in.

mod application;
mod batches;
mod fields;
mod form;
mod notices;
mod queue;
mod reports;
mod rule_sets;

use axum::Router;
use axum::routing::{get, post};
use zhizao_core::{Classified, Fen, Timestamp};
use zhizao_identity::{Principal, policy};
use zhizao_projects::workflow::Status;

use super::FormErrors;
use crate::AppState;
use crate::i18n::Tr;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/projects", get(queue::list))
        .route("/projects/new", get(form::new_form).post(form::create))
        .route("/projects/batches", get(batches::batches))
        .route(
            "/projects/batches/new",
            get(batches::batch_form).post(batches::create_batch),
        )
        .route(
            "/projects/batches/{code}/status",
            post(batches::batch_status),
        )
        .route(
            "/projects/batches/import",
            post(batches::import_history).layer(axum::extract::DefaultBodyLimit::max(
                zhizao_projects::import::MAX_HISTORY_BYTES + 256 * 1024,
            )),
        )
        .route(
            "/projects/rule-sets/{code}/edit",
            get(rule_sets::rule_set_form).post(rule_sets::save_rule_set),
        )
        .route("/projects/reports", get(reports::reports))
        .route("/projects/reports/export", get(reports::export))
        .route("/projects/applications/{number}", get(application::detail))
        .route(
            "/projects/applications/{number}/edit",
            get(form::edit_form).post(form::update),
        )
        .route(
            "/projects/applications/{number}/delete",
            post(application::delete),
        )
        .route(
            "/projects/applications/{number}/act",
            post(application::act),
        )
        .route(
            "/projects/applications/{number}/evaluate",
            post(application::evaluate),
        )
        .route(
            "/projects/applications/{number}/attachments",
            post(application::attach).layer(axum::extract::DefaultBodyLimit::max(
                zhizao_projects::attachments::MAX_ATTACHMENT_BYTES + 256 * 1024,
            )),
        )
        .route(
            "/projects/applications/{number}/attachments/{attachment_id}/delete",
            post(application::detach),
        )
        .route(
            "/projects/applications/{number}/objections",
            post(application::object),
        )
        .route(
            "/projects/applications/{number}/objections/{objection_id}/resolve",
            post(application::resolve),
        )
        .route("/notices", get(notices::notices))
}

fn yuan(fen: Fen) -> String {
    fen.to_yuan_string()
}

fn optional_yuan(fen: Option<Fen>) -> String {
    fen.map(yuan).unwrap_or_else(|| "—".to_owned())
}

fn shanghai(at: Timestamp) -> String {
    at.to_shanghai_string()
}

pub(crate) fn status_class(status: Status) -> &'static str {
    match status {
        Status::Rejected | Status::Withdrawn => "muted",
        Status::Returned => "warn",
        Status::Approved | Status::Accepted | Status::Disbursed => "ok",
        _ => "",
    }
}

/// Whether `principal` has a projects page at all.
pub(crate) fn sees_projects(principal: &Principal) -> bool {
    policy::application_scope(principal) != policy::EnterpriseScope::Nothing
}

/// A domain refusal as the message a page shows, in the page's language.
fn refusal_message(error: &zhizao_projects::Error, t: Tr) -> Option<String> {
    use zhizao_core::ErrorKind;
    matches!(
        error.kind(),
        ErrorKind::Conflict | ErrorKind::Forbidden | ErrorKind::InvalidInput
    )
    .then(|| crate::pages::error_message(error, t))
}

fn form_errors(error: &zhizao_projects::Error, t: Tr) -> FormErrors {
    if error.field_errors().is_empty() {
        FormErrors(vec![(
            "general".into(),
            t.text(&crate::pages::error_text(error)).to_owned(),
        )])
    } else {
        FormErrors::from_fields(&error.field_errors(), t)
    }
}
