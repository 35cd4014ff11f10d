//! Major science-and-technology project pages: calls and applications (the city's all, an
//! enterprise's its own, with the application form for open calls), and the expert's review
//! queue with a scoring form per assignment, blind to the applicant.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use zhizao_core::{Classified, Fen};
use zhizao_identity::policy;
use zhizao_projects::major::{CallStatus, MajorStatus};

mod proposal;

use super::{Layout, OrPage, PageError, PageForm, SignedIn, render};
use crate::AppState;
use crate::pages::FormFields;
use crate::pages::Submit;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/major", get(overview))
        .route("/major/apply", get(proposal::form).post(proposal::apply))
        .route("/major/applications/{number}", get(proposal::detail))
        .route(
            "/major/applications/{number}/attachments",
            post(proposal::attach).layer(axum::extract::DefaultBodyLimit::max(
                zhizao_projects::attachments::MAX_ATTACHMENT_BYTES + 256 * 1024,
            )),
        )
        .route("/major/calls", post(create_call))
        .route("/major/calls/{code}/status", post(call_status))
        .route("/major/calls/{code}/assign", post(assign))
        .route("/major/calls/{code}/rank", post(rank))
        .route("/major/applications/{number}/decision", post(decide))
        .route("/major/experts", get(experts))
        .route("/major/experts/{username}", post(save_expert))
        .route("/reviews", get(reviews))
        .route("/reviews/{assignment_id}", post(score))
}

struct CallRow {
    /// The next status the city may move it to, with the button's label.
    next_status: Option<(&'static str, String)>,
    reviewing: bool,
    code: String,
    title: String,
    topics: Vec<String>,
    window: String,
    budget: String,
    status: String,
    open: bool,
}

/// A proposal as a page shows it: texts, budget lines in yuan with their total, the plan.
pub(super) struct ProposalView {
    objectives: String,
    approach: String,
    indicators: String,
    budget: Vec<(String, String)>,
    budget_total: String,
    plan: Vec<(String, String)>,
}

impl ProposalView {
    pub(super) fn new(proposal: &zhizao_projects::major::Proposal) -> Self {
        ProposalView {
            objectives: proposal.objectives.clone(),
            approach: proposal.approach.clone(),
            indicators: proposal.indicators.clone(),
            budget: proposal
                .budget
                .iter()
                .map(|l| (l.item.clone(), l.amount_fen.to_yuan_string()))
                .collect(),
            budget_total: proposal.budget_total().to_yuan_string(),
            plan: proposal
                .plan
                .iter()
                .map(|m| (m.title.clone(), m.due_on.clone()))
                .collect(),
        }
    }
}

struct ApplicationRow {
    /// The city may decide it now (scored, under review).
    decidable: bool,
    version: i64,
    number: String,
    call: String,
    enterprise: String,
    topic: String,
    title: String,
    requested: String,
    score: String,
    rank: String,
    awarded: String,
    status: String,
}

#[derive(Template)]
#[template(path = "major/overview.html")]
struct OverviewPage {
    layout: Layout,
    calls: Vec<CallRow>,
    applications: Vec<ApplicationRow>,
    can_apply: bool,
    manages: bool,
    error: Option<String>,
}

async fn overview_page(
    state: &AppState,
    context: &super::PageContext,
    principal: &zhizao_identity::Principal,
    error: Option<String>,
) -> Result<Response, Response> {
    let t = context.t();
    let calls = state.projects().calls(principal).await.or_page(context)?;
    let applications = state
        .projects()
        .major_applications(principal, None)
        .await
        .or_page(context)?;
    let page = OverviewPage {
        layout: context.layout("major"),
        calls: calls
            .into_iter()
            .map(|c| CallRow {
                next_status: c.status.next().map(|next| {
                    let action = match next {
                        CallStatus::Open => t.open_call(),
                        CallStatus::Reviewing => t.close_call_for_review(),
                        _ => t.finish_review(),
                    };
                    (next.as_str(), action.to_owned())
                }),
                reviewing: c.status == CallStatus::Reviewing,
                open: c.status == CallStatus::Open,
                status: t.text(&c.status.label()).to_owned(),
                window: format!("{} — {}", c.opens_on, c.closes_on),
                budget: c.budget_fen.to_yuan_string(),
                code: c.code,
                title: c.title,
                topics: c.topics,
            })
            .collect(),
        applications: applications
            .into_iter()
            .map(|a| ApplicationRow {
                decidable: a.status == MajorStatus::UnderReview && a.score_milli.is_some(),
                version: a.version,
                requested: a.requested_fen.to_yuan_string(),
                score: a
                    .score_milli
                    .map(|s| format!("{:.3}", s as f64 / 1000.0))
                    .unwrap_or_default(),
                rank: a.rank.map(|r| r.to_string()).unwrap_or_default(),
                awarded: a
                    .awarded_fen
                    .map(|f| f.to_yuan_string())
                    .unwrap_or_default(),
                status: t.text(&a.status.label()).to_owned(),
                number: a.number,
                call: a.call_code,
                enterprise: a.enterprise_name,
                topic: a.topic,
                title: a.title,
            })
            .collect(),
        can_apply: policy::may_write_applications(principal),
        manages: policy::may_manage_programmes(principal),
        error,
    };
    let status = if page.error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, render(&page)).into_response())
}

async fn overview(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    if !policy::sees_major_projects(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    overview_page(&state, &context, &principal, None).await
}

struct ReviewView {
    id: i64,
    call_title: String,
    topic: String,
    title: String,
    summary: String,
    requested: String,
    proposal: ProposalView,
    /// Each attachment's download link and name (its purpose only on a blind review).
    attachments: Vec<(String, String)>,
    applicant: Option<String>,
    /// When the scores are due, and whether that day has passed.
    due: Option<(String, bool)>,
    criteria: Vec<(String, i64, String)>,
    total: String,
    comment: String,
}

#[derive(Template)]
#[template(path = "major/reviews.html")]
struct ReviewsPage {
    layout: Layout,
    reviews: Vec<ReviewView>,
    error: Option<String>,
}

async fn reviews_page(
    state: &AppState,
    context: &super::PageContext,
    principal: &zhizao_identity::Principal,
    error: Option<String>,
) -> Result<Response, Response> {
    let reviews = state
        .projects()
        .my_reviews(principal)
        .await
        .or_page(context)?;
    let today = state.identity().clock().now().to_shanghai_date_string();
    let page = ReviewsPage {
        layout: context.layout("reviews"),
        reviews: reviews
            .into_iter()
            .map(|r| ReviewView {
                criteria: r
                    .criteria
                    .iter()
                    .map(|c| {
                        let given = r
                            .scores
                            .as_ref()
                            .and_then(|s| s.get(&c.name))
                            .map(|v| v.to_string())
                            .unwrap_or_default();
                        (c.name.clone(), c.weight, given)
                    })
                    .collect(),
                total: r
                    .total_milli
                    .map(|t| format!("{:.2}", t as f64 / 1000.0))
                    .unwrap_or_default(),
                proposal: ProposalView::new(&r.proposal),
                attachments: r
                    .attachments
                    .iter()
                    .map(|a| {
                        (
                            format!("/api/v1/expert-reviews/{}/attachments/{}", r.id, a.id),
                            a.file_name.clone(),
                        )
                    })
                    .collect(),
                applicant: r.applicant.clone(),
                due: r
                    .review_due_on
                    .clone()
                    .map(|due| (due.clone(), due < today)),
                id: r.id,
                call_title: r.call_title,
                topic: r.topic,
                title: r.title,
                summary: r.summary,
                requested: r.requested_fen.to_yuan_string(),
                comment: r.comment,
            })
            .collect(),
        error,
    };
    Ok(render(&page))
}

async fn reviews(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    if !policy::reviews_as_expert(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    reviews_page(&state, &context, &principal, None).await
}

async fn score(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(assignment_id): Path<i64>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let mut scores = BTreeMap::new();
    let mut comment = String::new();
    for (key, value) in fields.iter() {
        if let Some(name) = key.strip_prefix("score:") {
            match value.trim().parse::<i64>() {
                Ok(score) => {
                    scores.insert(name.to_owned(), score);
                }
                Err(_) if value.trim().is_empty() => {}
                Err(_) => {
                    let message = t.score_not_whole(name);
                    return reviews_page(&state, &context, &principal, Some(message)).await;
                }
            }
        } else if key == "comment" {
            comment = value.to_owned();
        }
    }
    match state
        .projects()
        .score(&principal, assignment_id, &scores, &comment)
        .await
    {
        Ok(_) => Ok(Redirect::to("/reviews").into_response()),
        Err(error) if error.kind() != zhizao_core::ErrorKind::NotFound => {
            let message = super::error_message(&error, t);
            reviews_page(&state, &context, &principal, Some(message)).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

/// Shows the overview with the outcome of a city action: back to it on success, with the
/// message on a refusal, the error page when the thing is not there.
async fn after<T>(
    state: &AppState,
    context: &super::PageContext,
    principal: &zhizao_identity::Principal,
    outcome: zhizao_projects::Result<T>,
) -> Result<Response, Response> {
    match outcome {
        Ok(_) => Ok(Redirect::to("/major").into_response()),
        Err(error) if error.kind() == zhizao_core::ErrorKind::NotFound => {
            Err(PageError::from(error).render(context))
        }
        Err(error) => {
            let message = super::error_message(&error, context.t());
            overview_page(state, context, principal, Some(message)).await
        }
    }
}

async fn create_call(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let split = |text: &str| -> Vec<String> {
        text.split(['，', ',', '、', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    // Criteria are written one per line or comma-separated as 名称:权重.
    let mut criteria = Vec::new();
    for item in split(fields.get("criteria")) {
        let Some((name, weight)) = item.rsplit_once([':', '：']) else {
            let message = t.criterion_format(&item);
            return overview_page(&state, &context, &principal, Some(message)).await;
        };
        criteria.push(zhizao_projects::scoring::Criterion {
            name: name.trim().to_owned(),
            weight: weight.trim().parse().unwrap_or(0),
        });
    }
    let budget = match Fen::parse_yuan(fields.get("budget_yuan")) {
        Ok(fen) => fen,
        Err(error) => {
            return overview_page(
                &state,
                &context,
                &principal,
                Some(t.text(&error.text()).to_owned()),
            )
            .await;
        }
    };
    let input = zhizao_projects::major::CallInput {
        code: fields.get("code").trim().to_owned(),
        title: fields.get("title").trim().to_owned(),
        year: fields.get("year").trim().parse().unwrap_or(0),
        topics: split(fields.get("topics")),
        criteria,
        budget_fen: budget,
        experts_per_application: fields.get("experts").trim().parse().unwrap_or(0),
        opens_on: fields.get("opens_on").trim().to_owned(),
        closes_on: fields.get("closes_on").trim().to_owned(),
        review_due_on: Some(fields.get("review_due_on").trim().to_owned())
            .filter(|d| !d.is_empty()),
        blind_review: fields.has("blind_review"),
    };
    let outcome = state.projects().create_call(&principal, &input).await;
    after(&state, &context, &principal, outcome).await
}

#[derive(serde::Deserialize)]
struct StatusForm {
    status: String,
}

async fn call_status(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageForm(form): PageForm<StatusForm>,
) -> Result<Response, Response> {
    let status = match form.status.parse::<CallStatus>() {
        Ok(status) => status,
        Err(error) => {
            let message = context.t().text(&error.text()).to_owned();
            return overview_page(&state, &context, &principal, Some(message)).await;
        }
    };
    let outcome = state
        .projects()
        .set_call_status(&principal, &code, status)
        .await;
    after(&state, &context, &principal, outcome).await
}

async fn assign(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    _: PageForm<Submit>,
) -> Result<Response, Response> {
    let outcome = state.projects().assign_experts(&principal, &code).await;
    after(&state, &context, &principal, outcome).await
}

async fn rank(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    _: PageForm<Submit>,
) -> Result<Response, Response> {
    let outcome = state.projects().rank_call(&principal, &code).await;
    after(&state, &context, &principal, outcome).await
}

#[derive(serde::Deserialize)]
struct DecisionForm {
    version: i64,
    /// Empty for "no award".
    #[serde(default)]
    awarded_yuan: String,
}

async fn decide(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    PageForm(form): PageForm<DecisionForm>,
) -> Result<Response, Response> {
    let awarded = if form.awarded_yuan.trim().is_empty() {
        None
    } else {
        match Fen::parse_yuan(&form.awarded_yuan) {
            Ok(fen) => Some(fen),
            Err(error) => {
                let message = context.t().text(&error.text()).to_owned();
                return overview_page(&state, &context, &principal, Some(message)).await;
            }
        }
    };
    let outcome = state
        .projects()
        .decide_award(&principal, &number, awarded, form.version)
        .await;
    after(&state, &context, &principal, outcome).await
}

#[derive(Template)]
#[template(path = "major/experts.html")]
struct ExpertsPage {
    layout: Layout,
    experts: Vec<zhizao_projects::major::ExpertProfile>,
    error: Option<String>,
}

async fn experts_page(
    state: &AppState,
    context: &super::PageContext,
    principal: &zhizao_identity::Principal,
    error: Option<String>,
) -> Result<Response, Response> {
    let experts = state.projects().experts(principal).await.or_page(context)?;
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let page = ExpertsPage {
        layout: context.layout("major"),
        experts,
        error,
    };
    Ok((status, render(&page)).into_response())
}

async fn experts(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    experts_page(&state, &context, &principal, None).await
}

async fn save_expert(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(username): Path<String>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let split = |text: &str| -> Vec<String> {
        text.split(['，', ',', '、', ' ', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let profile = zhizao_projects::major::ExpertProfile {
        username,
        affiliation_credit_code: Some(fields.get("affiliation_credit_code").trim().to_owned())
            .filter(|c| !c.is_empty()),
        affiliation_name: fields.get("affiliation_name").trim().to_owned(),
        fields: split(fields.get("fields")),
        declared_relations: split(fields.get("declared_relations")),
    };
    match state
        .projects()
        .save_expert_profile(&principal, &profile)
        .await
    {
        Ok(_) => Ok(Redirect::to("/major/experts").into_response()),
        Err(error) if error.kind() == zhizao_core::ErrorKind::NotFound => {
            Err(PageError::from(error).render(&context))
        }
        Err(error) => {
            let message = super::error_message(&error, context.t());
            experts_page(&state, &context, &principal, Some(message)).await
        }
    }
}
