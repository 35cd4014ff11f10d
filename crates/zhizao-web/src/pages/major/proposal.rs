//! A major-project proposal: the form an enterprise fills in for an open call (objectives,
//! approach, indicators, budget lines and planned milestones, each problem beside its field),
//! and one application's page with its proposal and attachments, its milestones, and for the
//! city its reviews.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhizao_core::{Classified, Fen, FieldError};
use zhizao_identity::{Principal, policy};
use zhizao_projects::major::{
    BudgetLine, CallStatus, MajorStatus, PlannedMilestone, Proposal, ProposalInput,
};

use super::ProposalView;
use crate::AppState;
use crate::i18n::Tr;
use crate::pages::{
    FormErrors, FormFields, Layout, OrPage, PageContext, PageError, PageForm, PageUpload, SignedIn,
    render,
};

/// Budget and plan rows the form offers beyond those filled.
const SPARE_ROWS: usize = 3;

/// The form's values as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct ProposalFields {
    call: String,
    topic: String,
    title: String,
    summary: String,
    requested: String,
    objectives: String,
    approach: String,
    indicators: String,
    /// (item, amount in yuan)
    budget: Vec<(String, String)>,
    /// (title, due date)
    plan: Vec<(String, String)>,
}

impl ProposalFields {
    fn from_form(fields: &FormFields) -> Self {
        let get = |name: &str| fields.get(name).to_owned();
        let rows = |prefix: &str, a: &str, b: &str| {
            (0..zhizao_projects::major::MAX_PROPOSAL_LINES + SPARE_ROWS)
                .map(|i| {
                    (
                        fields.get(&format!("{prefix}{i}_{a}")).to_owned(),
                        fields.get(&format!("{prefix}{i}_{b}")).to_owned(),
                    )
                })
                .filter(|(x, y)| !x.trim().is_empty() || !y.trim().is_empty())
                .collect::<Vec<_>>()
        };
        ProposalFields {
            call: get("call"),
            topic: get("topic"),
            title: get("title"),
            summary: get("summary"),
            requested: get("requested_yuan"),
            objectives: get("objectives"),
            approach: get("approach"),
            indicators: get("indicators"),
            budget: rows("b", "item", "amount"),
            plan: rows("p", "title", "due_on"),
        }
    }

    /// The input, or the amounts that could not be read, each named by its field.
    fn input(&self) -> (ProposalInput, Vec<FieldError>) {
        let mut errors = Vec::new();
        let mut money = |field: String, text: &str| match Fen::parse_yuan(text.trim()) {
            Ok(fen) => fen,
            Err(error) => {
                errors.push(FieldError::new(field, error.text()));
                Fen::new(0)
            }
        };
        let requested_fen = if self.requested.trim().is_empty() {
            Fen::new(0)
        } else {
            money("requested_fen".into(), &self.requested)
        };
        let budget = self
            .budget
            .iter()
            .enumerate()
            .map(|(i, (item, amount))| BudgetLine {
                item: item.trim().to_owned(),
                amount_fen: money(format!("budget[{i}].amount_fen"), amount),
            })
            .collect();
        let input = ProposalInput {
            call: self.call.trim().to_owned(),
            topic: self.topic.trim().to_owned(),
            title: self.title.trim().to_owned(),
            summary: self.summary.trim().to_owned(),
            requested_fen,
            proposal: Proposal {
                objectives: self.objectives.trim().to_owned(),
                approach: self.approach.trim().to_owned(),
                indicators: self.indicators.trim().to_owned(),
                budget,
                plan: self
                    .plan
                    .iter()
                    .map(|(title, due_on)| PlannedMilestone {
                        title: title.trim().to_owned(),
                        due_on: due_on.trim().to_owned(),
                    })
                    .collect(),
            },
        };
        (input, errors)
    }
}

/// One budget or plan row as the form shows it, with its problems named by column.
pub(super) struct Row {
    first: String,
    second: String,
    error: String,
    bad_first: bool,
    bad_second: bool,
}

#[derive(Template)]
#[template(path = "major/apply.html")]
struct ApplyPage {
    layout: Layout,
    call_title: String,
    topics: Vec<String>,
    v: ProposalFields,
    /// The long texts: (name, label, value).
    texts: Vec<(&'static str, &'static str, String)>,
    budget: Vec<Row>,
    plan: Vec<Row>,
    errors: FormErrors,
    /// Problems with no field of their own on the form.
    general: Vec<String>,
}

/// The rows of a list field (`budget`, `plan`) with their problems, plus spare rows.
fn rows(
    values: &[(String, String)],
    errors: &FormErrors,
    list: &str,
    columns: (&str, &str),
    labels: (&str, &str),
    t: Tr,
) -> Vec<Row> {
    let mut rows: Vec<Row> = values
        .iter()
        .enumerate()
        .map(|(i, (first, second))| {
            let cell = |column: &str| errors.get(&format!("{list}[{i}].{column}"));
            let (e1, e2) = (cell(columns.0), cell(columns.1));
            let error = [(labels.0, &e1), (labels.1, &e2)]
                .iter()
                .filter(|(_, e)| !e.is_empty())
                .map(|(label, e)| format!("{label}{}{e}", t.colon()))
                .collect::<Vec<_>>()
                .join(t.separator());
            Row {
                first: first.clone(),
                second: second.clone(),
                error,
                bad_first: !e1.is_empty(),
                bad_second: !e2.is_empty(),
            }
        })
        .collect();
    rows.extend((0..SPARE_ROWS).map(|_| Row {
        first: String::new(),
        second: String::new(),
        error: String::new(),
        bad_first: false,
        bad_second: false,
    }));
    rows
}

async fn apply_page(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    v: ProposalFields,
    errors: FormErrors,
) -> Result<Response, Response> {
    let t = context.t();
    let call = state
        .projects()
        .call(principal, &v.call)
        .await
        .or_page(context)?;
    const SHOWN: [&str; 10] = [
        "topic",
        "title",
        "summary",
        "requested_fen",
        "objectives",
        "approach",
        "indicators",
        "budget",
        "plan",
        "call",
    ];
    let general = errors
        .0
        .iter()
        .filter(|(field, _)| {
            !SHOWN
                .iter()
                .any(|s| field == s || field.starts_with(&format!("{s}[")))
        })
        .map(|(field, message)| format!("{}{}{message}", t.field_label(field), t.colon()))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ApplyPage {
        layout: context.layout("major"),
        call_title: call.title,
        topics: call.topics,
        budget: rows(
            &v.budget,
            &errors,
            "budget",
            ("item", "amount_fen"),
            (t.budget_item(), t.amount()),
            t,
        ),
        plan: rows(
            &v.plan,
            &errors,
            "plan",
            ("title", "due_on"),
            (t.milestone_title(), t.due_by()),
            t,
        ),
        texts: vec![
            ("summary", t.description(), v.summary.clone()),
            ("objectives", t.objectives(), v.objectives.clone()),
            ("approach", t.approach(), v.approach.clone()),
            ("indicators", t.indicators(), v.indicators.clone()),
        ],
        v,
        errors,
        general,
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Deserialize)]
pub(super) struct ApplyQuery {
    #[serde(default)]
    call: String,
}

pub(super) async fn form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ApplyQuery>,
) -> Result<Response, Response> {
    if !policy::may_write_applications(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    let fields = ProposalFields {
        call: query.call,
        ..ProposalFields::default()
    };
    apply_page(&state, &context, &principal, fields, FormErrors::default()).await
}

pub(super) async fn apply(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let v = ProposalFields::from_form(&fields);
    let (input, unreadable) = v.input();
    if !unreadable.is_empty() {
        return apply_page(
            &state,
            &context,
            &principal,
            v,
            FormErrors::from_fields(&unreadable, t),
        )
        .await;
    }
    match state.projects().apply_to_call(&principal, &input).await {
        Ok(application) => Ok(Redirect::to(&format!(
            "/major/applications/{}?notice={}",
            application.number,
            crate::pages::notice_query(&t.proposal_submitted(&application.number))
        ))
        .into_response()),
        Err(error) if error.kind() != zhizao_core::ErrorKind::NotFound => {
            let errors = if error.field_errors().is_empty() {
                FormErrors::from_fields(
                    &[FieldError::new("call", crate::pages::error_text(&error))],
                    t,
                )
            } else {
                FormErrors::from_fields(&error.field_errors(), t)
            };
            apply_page(&state, &context, &principal, v, errors).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

#[derive(Template)]
#[template(path = "major/application.html")]
struct DetailPage {
    layout: Layout,
    number: String,
    title: String,
    status: String,
    call: String,
    topic: String,
    enterprise: String,
    requested: String,
    awarded: String,
    summary: String,
    proposal: ProposalView,
    /// (download link, purpose, file name)
    attachments: Vec<(String, String, String)>,
    can_attach: bool,
    milestones: Vec<(String, String, String, String)>,
    /// (expert, total, comment) for the city.
    reviews: Vec<(String, String, String)>,
    error: Option<String>,
}

async fn detail_page(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    number: &str,
    error: Option<String>,
) -> Result<Response, Response> {
    let t = context.t();
    let detail = state
        .projects()
        .major_application(principal, number)
        .await
        .or_page(context)?;
    let a = &detail.application;
    let call = state
        .projects()
        .call(principal, &a.call_code)
        .await
        .or_page(context)?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = DetailPage {
        layout: context.layout("major"),
        number: a.number.clone(),
        title: a.title.clone(),
        status: t.text(&a.status.label()).to_owned(),
        call: call.title.clone(),
        topic: a.topic.clone(),
        enterprise: a.enterprise_name.clone(),
        requested: a.requested_fen.to_yuan_string(),
        awarded: a
            .awarded_fen
            .map(|f| f.to_yuan_string())
            .unwrap_or_else(|| "—".into()),
        summary: a.summary.clone(),
        proposal: ProposalView::new(&detail.proposal),
        attachments: detail
            .attachments
            .iter()
            .map(|f| {
                (
                    format!("/api/v1/st-applications/{}/attachments/{}", a.number, f.id),
                    f.purpose.clone(),
                    f.file_name.clone(),
                )
            })
            .collect(),
        can_attach: policy::may_write_applications(principal)
            && a.status == MajorStatus::Submitted
            && call.status == CallStatus::Open,
        milestones: detail
            .milestones
            .iter()
            .map(|m| {
                (
                    m.title.clone(),
                    m.due_on.clone(),
                    m.amount_fen.to_yuan_string(),
                    if m.accepted_at.is_some() {
                        t.milestone_accepted()
                    } else if m.reported_at.is_some() {
                        t.milestone_reported()
                    } else {
                        t.milestone_open()
                    }
                    .to_owned(),
                )
            })
            .collect(),
        reviews: detail
            .reviews
            .iter()
            .map(|r| {
                (
                    r.expert.clone(),
                    r.total_milli
                        .map(|m| format!("{:.2}", m as f64 / 1000.0))
                        .unwrap_or_default(),
                    r.comment.clone(),
                )
            })
            .collect(),
        error,
    };
    Ok((status, render(&page)).into_response())
}

pub(super) async fn detail(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
) -> Result<Response, Response> {
    detail_page(&state, &context, &principal, &number, None).await
}

pub(super) async fn attach(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    PageUpload(upload): PageUpload,
) -> Result<Response, Response> {
    let t = context.t();
    let received = crate::pages::purpose_and_file(
        &upload,
        t,
        zhizao_projects::attachments::MAX_ATTACHMENT_BYTES,
    );
    let (purpose, file) = match received {
        Ok(received) => received,
        Err(message) => {
            return detail_page(&state, &context, &principal, &number, Some(message)).await;
        }
    };
    match state
        .projects()
        .add_major_attachment(&principal, &number, &purpose, &file.file_name, file.bytes)
        .await
    {
        Ok(attachment) => Ok(Redirect::to(&format!(
            "/major/applications/{number}?notice={}",
            crate::pages::notice_query(
                &t.attachment_added(&attachment.purpose, &attachment.file_name)
            )
        ))
        .into_response()),
        Err(error) if error.kind() != zhizao_core::ErrorKind::NotFound => {
            let message = crate::pages::error_message(&error, t);
            detail_page(&state, &context, &principal, &number, Some(message)).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}
