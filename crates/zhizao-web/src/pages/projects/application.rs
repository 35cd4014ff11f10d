//! One application as its reader sees it, with the steps the caller may take: the review flow's
//! actions, evaluation, objections and attachments.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhizao_identity::{Principal, policy};
use zhizao_projects::workflow::{Action, Status};
use zhizao_projects::{ActionRequest, ApplicationDetail, Programme};

use super::{optional_yuan, refusal_message, shanghai, status_class, yuan};
use crate::AppState;
use crate::i18n::Tr;
use crate::pages::PageUpload;
use crate::pages::Submit;
use crate::pages::{Layout, OrPage, PageContext, PageError, PageForm, SignedIn, render};

pub(super) struct ItemRow {
    position: i64,
    category: String,
    name: String,
    model: String,
    quantity: i64,
    unit_price: String,
    amount: String,
    supplier: String,
    related_party: bool,
    invoice: String,
}

pub(super) struct EvaluationView {
    rule_set: String,
    when: String,
    by: String,
    amount: String,
    lines: Vec<(String, String)>,
}

pub(super) struct EventView {
    when: String,
    by: String,
    action: String,
    to: String,
    comment: String,
}

pub(super) struct AttachmentView {
    id: i64,
    purpose: String,
    file_name: String,
    size: String,
    when: String,
}

pub(super) struct ObjectionView {
    id: i64,
    when: String,
    objector: String,
    content: String,
    resolution: Option<String>,
}

#[derive(Template)]
#[template(path = "projects/detail.html")]
pub(super) struct DetailPage {
    layout: Layout,
    number: String,
    version: i64,
    title: String,
    batch: String,
    enterprise: String,
    credit_code: String,
    town: String,
    upgrade_type: String,
    period: String,
    description: String,
    expected_output: String,
    status: String,
    status_class: &'static str,
    waiting_on: String,
    notice_ends: String,
    total: String,
    granted: String,
    disbursed: String,
    items: Vec<ItemRow>,
    evaluations: Vec<EvaluationView>,
    events: Vec<EventView>,
    objections: Vec<ObjectionView>,
    attachments: Vec<AttachmentView>,
    required_attachments: Vec<String>,
    actions: Vec<(&'static str, String, bool)>,
    can_edit: bool,
    can_evaluate: bool,
    can_object: bool,
    error: Option<String>,
}

pub(super) fn action_label(action: &str, t: Tr) -> String {
    match action {
        "created" => t.trail_created().to_owned(),
        "updated" => t.trail_updated().to_owned(),
        "recorded" => t.trail_recorded().to_owned(),
        other => other
            .parse::<Action>()
            .map(|a| t.text(&a.label()).to_owned())
            .unwrap_or_else(|_| other.to_owned()),
    }
}

pub(super) fn detail_page(
    context: &PageContext,
    principal: &Principal,
    detail: ApplicationDetail,
    required_attachments: Vec<String>,
    error: Option<String>,
) -> DetailPage {
    let t = context.t();
    let a = &detail.application;
    DetailPage {
        layout: context.layout("projects"),
        number: a.number.clone(),
        version: a.version,
        title: a.project_name.clone(),
        batch: format!("{} {}", a.batch_code, detail.batch_title),
        enterprise: a.enterprise_name.clone(),
        credit_code: a.credit_code.clone(),
        town: a.town_name_zh.clone(),
        upgrade_type: t.text(&a.upgrade_type.label()).to_owned(),
        period: format!(
            "{} — {}",
            a.starts_on.clone().unwrap_or_else(|| "?".into()),
            a.ends_on.clone().unwrap_or_else(|| "?".into())
        ),
        description: a.description.clone(),
        expected_output: optional_yuan(a.expected_output_value_fen),
        status: t.text(&a.status.label()).to_owned(),
        status_class: status_class(a.status),
        waiting_on: a
            .status
            .waiting_on()
            .map(|p| t.text(&p.label()).to_owned())
            .unwrap_or_default(),
        notice_ends: a.notice_ends_at.map(shanghai).unwrap_or_default(),
        total: yuan(a.total_investment_fen),
        granted: optional_yuan(a.granted_fen),
        disbursed: optional_yuan(a.disbursed_fen),
        items: detail
            .items
            .iter()
            .map(|i| ItemRow {
                position: i.position,
                category: t.text(&i.category.label()).to_owned(),
                name: i.name.clone(),
                model: i.model.clone(),
                quantity: i.quantity,
                unit_price: yuan(i.unit_price_fen),
                amount: yuan(i.amount_fen),
                supplier: i.supplier.clone(),
                related_party: i.related_party,
                invoice: format!(
                    "{} {}",
                    i.invoice_number,
                    i.invoice_date.clone().unwrap_or_default()
                ),
            })
            .collect(),
        evaluations: detail
            .evaluations
            .iter()
            .map(|e| EvaluationView {
                rule_set: format!("{} v{}", e.rule_set_code, e.rule_set_version),
                when: shanghai(e.evaluated_at),
                by: e.evaluated_by.clone(),
                amount: yuan(e.amount_fen),
                lines: e
                    .lines
                    .iter()
                    .map(|l| {
                        (
                            t.pick(&l.zh, &l.en).to_owned(),
                            l.amount_fen.map(yuan).unwrap_or_default(),
                        )
                    })
                    .collect(),
            })
            .collect(),
        events: detail
            .events
            .iter()
            .map(|e| EventView {
                when: shanghai(e.occurred_at),
                by: e.actor_username.clone(),
                action: action_label(&e.action, t),
                to: t.text(&e.to_status.label()).to_owned(),
                comment: e.comment.clone(),
            })
            .collect(),
        objections: detail
            .objections
            .iter()
            .map(|o| ObjectionView {
                id: o.id,
                when: shanghai(o.received_at),
                objector: o.objector.clone(),
                content: o.content.clone(),
                resolution: o.resolution.clone(),
            })
            .collect(),
        attachments: detail
            .attachments
            .iter()
            .map(|a| AttachmentView {
                id: a.id,
                purpose: a.purpose.clone(),
                file_name: a.file_name.clone(),
                size: format!("{:.1} KB", a.size_bytes as f64 / 1024.0),
                when: shanghai(a.uploaded_at),
            })
            .collect(),
        required_attachments,
        actions: detail
            .actions
            .iter()
            .map(|a| (a.as_str(), t.text(&a.label()).to_owned(), a.needs_comment()))
            .collect(),
        can_edit: a.status.editable() && policy::may_write_applications(principal),
        can_evaluate: a.programme != Programme::TechUpgrade,
        can_object: a.status == Status::PublicNotice && policy::may_manage_programmes(principal),
        error,
    }
}

/// The end of every step taken on an application's page: back to the application (saying
/// "saved" when `notice`), or the page again with the refusal, or the error page when the
/// application is not there.
pub(super) async fn back_to_application<T>(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    number: &str,
    outcome: zhizao_projects::Result<T>,
    notice: bool,
) -> Result<Response, Response> {
    match outcome {
        Ok(_) if notice => Ok(Redirect::to(&format!(
            "/projects/applications/{number}?notice={}",
            form_urlencoded::byte_serialize(context.t().saved().as_bytes()).collect::<String>()
        ))
        .into_response()),
        Ok(_) => Ok(Redirect::to(&format!("/projects/applications/{number}")).into_response()),
        // `refusal_message` is None for "not found", which stays the error page.
        Err(error) => match refusal_message(&error, context.t()) {
            Some(message) => show_detail(state, context, principal, number, Some(message)).await,
            None => Err(PageError::from(error).render(context)),
        },
    }
}

pub(super) async fn show_detail(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    number: &str,
    error: Option<String>,
) -> Result<Response, Response> {
    let detail = state
        .projects()
        .application(principal, number)
        .await
        .or_page(context)?;
    let status = if error.is_some() {
        axum::http::StatusCode::CONFLICT
    } else {
        axum::http::StatusCode::OK
    };
    let required = state
        .projects()
        .batch(principal, &detail.application.batch_code)
        .await
        .map(|b| b.required_attachment_names())
        .unwrap_or_default();
    Ok((
        status,
        render(&detail_page(context, principal, detail, required, error)),
    )
        .into_response())
}

pub(super) async fn detail(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
) -> Result<Response, Response> {
    show_detail(&state, &context, &principal, &number, None).await
}

#[derive(Deserialize)]
pub(super) struct ActForm {
    action: String,
    version: i64,
    #[serde(default)]
    comment: String,
}

pub(super) async fn act(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    PageForm(form): PageForm<ActForm>,
) -> Result<Response, Response> {
    let action = form
        .action
        .parse::<Action>()
        .map_err(|e| PageError::bad_request(e.to_string()).render(&context))?;
    let request = ActionRequest {
        action,
        version: form.version,
        comment: form.comment,
    };
    let outcome = state.projects().act(&principal, &number, &request).await;
    back_to_application(&state, &context, &principal, &number, outcome, true).await
}

pub(super) async fn evaluate(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    _: PageForm<Submit>,
) -> Result<Response, Response> {
    let outcome = state.projects().evaluate(&principal, &number).await;
    back_to_application(&state, &context, &principal, &number, outcome, false).await
}

#[derive(Deserialize)]
pub(super) struct ObjectionForm {
    #[serde(default)]
    objector: String,
    #[serde(default)]
    content: String,
}

pub(super) async fn object(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    PageForm(form): PageForm<ObjectionForm>,
) -> Result<Response, Response> {
    let outcome = state
        .projects()
        .add_objection(&principal, &number, &form.objector, &form.content)
        .await;
    back_to_application(&state, &context, &principal, &number, outcome, false).await
}

#[derive(Deserialize)]
pub(super) struct ResolutionForm {
    #[serde(default)]
    resolution: String,
}

pub(super) async fn resolve(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((number, objection_id)): Path<(String, i64)>,
    PageForm(form): PageForm<ResolutionForm>,
) -> Result<Response, Response> {
    let outcome = state
        .projects()
        .resolve_objection(&principal, &number, objection_id, &form.resolution)
        .await;
    back_to_application(&state, &context, &principal, &number, outcome, false).await
}

pub(super) async fn attach(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    PageUpload(upload): PageUpload,
) -> Result<Response, Response> {
    let (status, received) = match upload {
        Ok(upload) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            upload
                .file("file")
                .map(|file| (upload.text("purpose").to_owned(), file.clone())),
        ),
        Err(error) => (error.status, None),
    };
    let Some((purpose, file)) = received else {
        let page = show_detail(
            &state,
            &context,
            &principal,
            &number,
            Some(context.t().choose_file_to_upload().to_owned()),
        )
        .await?;
        return Ok((status, page).into_response());
    };
    let outcome = state
        .projects()
        .add_attachment(&principal, &number, &purpose, &file.file_name, file.bytes)
        .await;
    back_to_application(&state, &context, &principal, &number, outcome, false).await
}

pub(super) async fn detach(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((number, attachment_id)): Path<(String, i64)>,
    _: PageForm<Submit>,
) -> Result<Response, Response> {
    let outcome = state
        .projects()
        .delete_attachment(&principal, &number, attachment_id)
        .await;
    back_to_application(&state, &context, &principal, &number, outcome, false).await
}
