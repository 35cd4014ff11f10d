//! One application as its reader sees it, with the steps the caller may take: the review flow's
//! actions, evaluation, objections and attachments.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhizao_core::Classified;
use zhizao_identity::{Principal, policy};
use zhizao_projects::workflow::{Action, Status};
use zhizao_projects::{ActionRequest, ApplicationDetail, Programme};

use super::form::notice;
use super::{fields, optional_yuan, refusal_message, shanghai, status_class, yuan};
use crate::AppState;
use crate::i18n::Tr;
use crate::pages::PageUpload;
use crate::pages::Submit;
use crate::pages::{
    FormErrors, Layout, OrPage, PageContext, PageError, PageForm, SignedIn, render,
};

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
    /// This item's problems when a step was refused, each named by its column.
    error: String,
}

pub(super) struct EvaluationView {
    rule_set: String,
    when: String,
    by: String,
    amount: String,
    lines: Vec<(String, String)>,
}

/// A step the reader may take, as its button shows it.
pub(super) struct ActionView {
    name: &'static str,
    label: String,
    /// A reason must be written (return, reject).
    needs_comment: bool,
    /// The step cannot be undone: the browser asks first, and a comment may be written.
    confirm: Option<String>,
    /// Why it cannot be taken yet; the button is shown disabled with this reason.
    not_yet: Option<String>,
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
    actions: Vec<ActionView>,
    can_edit: bool,
    /// A draft never submitted may be deleted.
    can_delete: bool,
    can_evaluate: bool,
    can_object: bool,
    error: Option<String>,
    /// Every problem a refused step found, named, with the place on the page it is shown
    /// beside (empty when it has none): the error summary at the top.
    problems: Vec<(String, String)>,
    /// A refused step's problems with the project's dates, with the attachments and with the
    /// items as a whole, shown beside them.
    period_error: String,
    attachments_error: String,
    items_error: String,
}

/// Why a step on the application was not taken: a message, and the problems by field.
#[derive(Default)]
pub(super) struct Refusal {
    message: Option<String>,
    problems: FormErrors,
}

impl Refusal {
    fn message(message: String) -> Self {
        Refusal {
            message: Some(message),
            problems: FormErrors::default(),
        }
    }
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
    refusal: Refusal,
) -> DetailPage {
    let t = context.t();
    let a = &detail.application;
    let problems = &refusal.problems;
    let joined = |field: &str| {
        problems
            .0
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(f, m)| format!("{}{}{m}", fields::label(f, t), t.colon()))
            .collect::<Vec<_>>()
            .join(t.separator())
    };
    let row_error = |row: usize| {
        problems
            .0
            .iter()
            .filter_map(|(f, m)| {
                let (index, cell) = fields::item_cell(f)?;
                (index == row).then(|| format!("{}{}{m}", fields::cell_label(cell, t), t.colon()))
            })
            .collect::<Vec<_>>()
            .join(t.separator())
    };
    let anchor = |field: &str| match field {
        "starts_on" | "ends_on" => "#period-error".to_owned(),
        "attachments" => "#attachments-error".to_owned(),
        "items" => "#items-error".to_owned(),
        other => match fields::item_cell(other) {
            Some((row, _)) if row < detail.items.len() => format!("#item-{row}-error"),
            _ => String::new(),
        },
    };
    let summary: Vec<(String, String)> = problems
        .0
        .iter()
        .map(|(field, message)| {
            (
                format!("{}{}{message}", fields::label(field, t), t.colon()),
                anchor(field),
            )
        })
        .collect();
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
            .enumerate()
            .map(|(row, i)| ItemRow {
                error: row_error(row),
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
                rule_set: t.rule_set_version(&e.rule_set_name, e.rule_set_version),
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
                by: if e.actor_role.is_none() {
                    t.system_actor().to_owned()
                } else {
                    e.actor_username.clone()
                },
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
            .map(|action| ActionView {
                name: action.as_str(),
                label: t.text(&action.label()).to_owned(),
                needs_comment: action.needs_comment(),
                confirm: action
                    .irreversible()
                    .then(|| t.confirm_step(t.text(&action.label()), &a.project_name)),
                not_yet: detail
                    .not_yet
                    .iter()
                    .find(|(blocked, _)| blocked == action)
                    .map(|(_, why)| t.text(why).to_owned()),
            })
            .collect(),
        can_edit: a.status.editable() && policy::may_write_applications(principal),
        can_delete: a.status == Status::Draft
            && a.submitted_at.is_none()
            && policy::may_write_applications(principal),
        can_evaluate: a.programme != Programme::TechUpgrade,
        can_object: a.status == Status::PublicNotice && policy::may_manage_programmes(principal),
        period_error: [joined("starts_on"), joined("ends_on")]
            .into_iter()
            .filter(|e| !e.is_empty())
            .collect::<Vec<_>>()
            .join(t.separator()),
        attachments_error: joined("attachments"),
        items_error: joined("items"),
        problems: summary,
        error: refusal.message,
    }
}

/// The end of every step taken on an application's page: back to the application saying what
/// was done, or the page again with the refusal beside what it concerns, or the error page when
/// the application is not there.
pub(super) async fn back_to_application<T>(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    number: &str,
    outcome: zhizao_projects::Result<T>,
    done: impl FnOnce(&T, Tr) -> String,
) -> Result<Response, Response> {
    let t = context.t();
    match outcome {
        Ok(value) => Ok(Redirect::to(&format!(
            "/projects/applications/{number}?notice={}",
            notice(&done(&value, t))
        ))
        .into_response()),
        // `refusal_message` is None for "not found", which stays the error page.
        Err(error) => match refusal_message(&error, t) {
            Some(message) => {
                let field_errors = error.field_errors();
                let refusal = if field_errors.is_empty() {
                    Refusal::message(message)
                } else {
                    Refusal {
                        message: Some(t.step_has_problems().to_owned()),
                        problems: FormErrors::from_fields(&field_errors, t),
                    }
                };
                show_detail(state, context, principal, number, Some(refusal)).await
            }
            None => Err(PageError::from(error).render(context)),
        },
    }
}

pub(super) async fn show_detail(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    number: &str,
    refusal: Option<Refusal>,
) -> Result<Response, Response> {
    let detail = state
        .projects()
        .application(principal, number)
        .await
        .or_page(context)?;
    let status = if refusal.is_some() {
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
        render(&detail_page(
            context,
            principal,
            detail,
            required,
            refusal.unwrap_or_default(),
        )),
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

/// What a step did, as the page it leads to says it: where the application went and who acts
/// next.
fn done_message(action: Action, detail: &ApplicationDetail, t: Tr) -> String {
    let a = &detail.application;
    match action {
        Action::Submit => t.submitted_to_town(&a.town_name_zh),
        Action::StartNotice => {
            t.notice_started(&a.notice_ends_at.map(shanghai).unwrap_or_default())
        }
        Action::Approve => t.approved_with(&optional_yuan(a.granted_fen)),
        Action::Disburse => t.disbursed_amount(&optional_yuan(a.disbursed_fen)),
        other => t.step_done(t.text(&other.label()), t.text(&a.status.label())),
    }
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
    back_to_application(
        &state,
        &context,
        &principal,
        &number,
        outcome,
        |detail, t| done_message(action, detail, t),
    )
    .await
}

pub(super) async fn evaluate(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    _: PageForm<Submit>,
) -> Result<Response, Response> {
    let outcome = state.projects().evaluate(&principal, &number).await;
    back_to_application(
        &state,
        &context,
        &principal,
        &number,
        outcome,
        |evaluation, t| t.evaluated(&yuan(evaluation.amount_fen)),
    )
    .await
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
    back_to_application(&state, &context, &principal, &number, outcome, |_, t| {
        t.objection_recorded().to_owned()
    })
    .await
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
    back_to_application(&state, &context, &principal, &number, outcome, |_, t| {
        t.objection_resolved().to_owned()
    })
    .await
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
            Some(Refusal::message(
                context.t().choose_file_to_upload().to_owned(),
            )),
        )
        .await?;
        return Ok((status, page).into_response());
    };
    let outcome = state
        .projects()
        .add_attachment(&principal, &number, &purpose, &file.file_name, file.bytes)
        .await;
    back_to_application(
        &state,
        &context,
        &principal,
        &number,
        outcome,
        |attachment, t| t.attachment_added(&attachment.purpose, &attachment.file_name),
    )
    .await
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
    back_to_application(&state, &context, &principal, &number, outcome, |_, t| {
        t.attachment_deleted().to_owned()
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct DeleteForm {
    version: i64,
}

pub(super) async fn delete(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    PageForm(form): PageForm<DeleteForm>,
) -> Result<Response, Response> {
    let t = context.t();
    match state
        .projects()
        .delete_draft(&principal, &number, form.version)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/projects?notice={}",
            notice(&t.draft_deleted(&number))
        ))
        .into_response()),
        Err(error) => match refusal_message(&error, t) {
            Some(message) => {
                show_detail(
                    &state,
                    &context,
                    &principal,
                    &number,
                    Some(Refusal::message(message)),
                )
                .await
            }
            None => Err(PageError::from(error).render(&context)),
        },
    }
}
