//! Major science-and-technology projects: calls, applications, expert profiles, blind expert
//! reviews, ranking, awards and milestones.

use std::collections::BTreeMap;
use zhizao_core::Fen;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_projects::major::{
    BlindReview, BudgetLine, Call, CallInput, CallStatus, ExpertProfile, MajorApplication,
    MajorApplicationDetail, MajorStatus, Milestone, PlannedMilestone, Proposal, ProposalInput,
    RankingRow,
};
use zhizao_projects::scoring::Criterion;

use super::projects::{AttachmentDto, attachment_response, read_attachment_upload};
use super::rfc3339;
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_calls, create_call))
        .routes(routes!(get_call))
        .routes(routes!(set_call_status))
        .routes(routes!(assign_experts))
        .routes(routes!(call_ranking))
        .routes(routes!(list_applications, apply))
        .routes(routes!(get_application))
        .routes(routes!(decide))
        .routes(routes!(add_milestone))
        .routes(routes!(report_milestone))
        .routes(routes!(accept_milestone))
        .routes(routes!(my_reviews))
        .routes(routes!(get_review, submit_review))
        .routes(routes!(get_expert_profile, put_expert_profile))
        .routes(routes!(summary))
        .routes(routes!(download_attachment))
        .routes(routes!(download_review_attachment))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload_attachment))
                .layer(axum::extract::DefaultBodyLimit::max(
                    zhizao_projects::attachments::MAX_ATTACHMENT_BYTES + 256 * 1024,
                )),
        )
}

/// A line of a proposal's budget.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct BudgetLineDto {
    /// What it pays for.
    item: String,
    #[schema(value_type = i64)]
    amount_fen: Fen,
}

/// A milestone a proposal plans.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PlannedMilestoneDto {
    title: String,
    /// `YYYY-MM-DD`.
    due_on: String,
}

/// What a proposal says beyond its title and summary.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ProposalDto {
    #[serde(default)]
    objectives: String,
    #[serde(default)]
    approach: String,
    #[serde(default)]
    indicators: String,
    #[serde(default)]
    budget: Vec<BudgetLineDto>,
    #[serde(default)]
    plan: Vec<PlannedMilestoneDto>,
}

impl From<Proposal> for ProposalDto {
    fn from(p: Proposal) -> Self {
        ProposalDto {
            objectives: p.objectives,
            approach: p.approach,
            indicators: p.indicators,
            budget: p
                .budget
                .into_iter()
                .map(|l| BudgetLineDto {
                    item: l.item,
                    amount_fen: l.amount_fen,
                })
                .collect(),
            plan: p
                .plan
                .into_iter()
                .map(|m| PlannedMilestoneDto {
                    title: m.title,
                    due_on: m.due_on,
                })
                .collect(),
        }
    }
}

impl From<ProposalDto> for Proposal {
    fn from(p: ProposalDto) -> Self {
        Proposal {
            objectives: p.objectives,
            approach: p.approach,
            indicators: p.indicators,
            budget: p
                .budget
                .into_iter()
                .map(|l| BudgetLine {
                    item: l.item,
                    amount_fen: l.amount_fen,
                })
                .collect(),
            plan: p
                .plan
                .into_iter()
                .map(|m| PlannedMilestone {
                    title: m.title,
                    due_on: m.due_on,
                })
                .collect(),
        }
    }
}

/// A scoring criterion.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CriterionDto {
    name: String,
    /// Percent; a call's weights add up to 100.
    weight: i64,
}

/// A call for major projects.
#[derive(Debug, Serialize, ToSchema)]
struct CallDto {
    code: String,
    title: String,
    year: i64,
    topics: Vec<String>,
    criteria: Vec<CriterionDto>,
    #[schema(value_type = i64)]
    budget_fen: Fen,
    experts_per_application: i64,
    opens_on: String,
    closes_on: String,
    /// When experts' scores are due.
    review_due_on: Option<String>,
    /// Experts see proposals without the applicant's name.
    blind_review: bool,
    /// `draft`, `open`, `reviewing`, `decided`.
    #[schema(value_type = String)]
    status: CallStatus,
}

impl From<Call> for CallDto {
    fn from(c: Call) -> Self {
        CallDto {
            code: c.code,
            title: c.title,
            year: c.year,
            topics: c.topics,
            criteria: c
                .criteria
                .into_iter()
                .map(|c| CriterionDto {
                    name: c.name,
                    weight: c.weight,
                })
                .collect(),
            budget_fen: c.budget_fen,
            experts_per_application: c.experts_per_application,
            opens_on: c.opens_on,
            closes_on: c.closes_on,
            review_due_on: c.review_due_on,
            blind_review: c.blind_review,
            status: c.status,
        }
    }
}

/// A new call.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewCall {
    code: String,
    title: String,
    year: i64,
    topics: Vec<String>,
    criteria: Vec<CriterionDto>,
    #[schema(value_type = i64)]
    budget_fen: Fen,
    #[serde(default = "default_experts")]
    experts_per_application: i64,
    opens_on: String,
    closes_on: String,
    /// `YYYY-MM-DD` after `closes_on`: when experts' scores are due.
    #[serde(default)]
    review_due_on: Option<String>,
    /// Experts see proposals without the applicant's name (default).
    #[serde(default = "default_blind")]
    blind_review: bool,
}

fn default_experts() -> i64 {
    5
}

fn default_blind() -> bool {
    true
}

/// Calls: all for city staff, the others once opened.
#[utoipa::path(get, path = "/api/v1/st-calls", tag = "major projects", responses((status = 200, body = Vec<CallDto>)))]
async fn list_calls(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> Result<Json<Vec<CallDto>>, ApiError> {
    let calls = state.projects().calls(&principal).await?;
    Ok(Json(calls.into_iter().map(CallDto::from).collect()))
}

/// Opens a call as a draft (city staff).
#[utoipa::path(post, path = "/api/v1/st-calls", tag = "major projects", request_body = NewCall,
    responses((status = 201, body = CallDto), (status = 403, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn create_call(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<NewCall>,
) -> Result<impl IntoResponse, ApiError> {
    let input = CallInput {
        code: body.code,
        title: body.title,
        year: body.year,
        topics: body.topics,
        criteria: body
            .criteria
            .into_iter()
            .map(|c| Criterion {
                name: c.name.trim().to_owned(),
                weight: c.weight,
            })
            .collect(),
        budget_fen: body.budget_fen,
        experts_per_application: body.experts_per_application,
        opens_on: body.opens_on,
        closes_on: body.closes_on,
        review_due_on: body.review_due_on,
        blind_review: body.blind_review,
    };
    let call = state.projects().create_call(&principal, &input).await?;
    Ok((StatusCode::CREATED, Json(CallDto::from(call))))
}

/// One call.
#[utoipa::path(get, path = "/api/v1/st-calls/{code}", tag = "major projects", params(("code" = String, Path)),
    responses((status = 200, body = CallDto), (status = 404, body = crate::problem::Problem)))]
async fn get_call(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<CallDto>, ApiError> {
    Ok(Json(CallDto::from(
        state.projects().call(&principal, &code).await?,
    )))
}

/// A call's next status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CallStatusBody {
    /// `open` (from draft), `reviewing` (from open), `decided` (from reviewing).
    #[schema(value_type = String)]
    status: CallStatus,
}

/// Moves a call on (city staff).
#[utoipa::path(post, path = "/api/v1/st-calls/{code}/status", tag = "major projects", params(("code" = String, Path)), request_body = CallStatusBody,
    responses((status = 200, body = CallDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn set_call_status(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<CallStatusBody>,
) -> Result<Json<CallDto>, ApiError> {
    Ok(Json(CallDto::from(
        state
            .projects()
            .set_call_status(&principal, &code, body.status)
            .await?,
    )))
}

/// What assignment did.
#[derive(Debug, Serialize, ToSchema)]
struct AssignmentReportDto {
    assigned: usize,
    /// Applications with fewer experts than asked for, and how many they got.
    short: Vec<(String, usize)>,
}

/// Assigns experts to every submitted application of a call under review, never one with a
/// conflict of interest (city staff).
#[utoipa::path(post, path = "/api/v1/st-calls/{code}/assignments", tag = "major projects", params(("code" = String, Path)),
    responses((status = 200, body = AssignmentReportDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn assign_experts(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<AssignmentReportDto>, ApiError> {
    let report = state.projects().assign_experts(&principal, &code).await?;
    Ok(Json(AssignmentReportDto {
        assigned: report.assigned,
        short: report.short,
    }))
}

/// An application to a call.
#[derive(Debug, Serialize, ToSchema)]
struct MajorApplicationDto {
    number: String,
    call: String,
    credit_code: String,
    enterprise_name: String,
    topic: String,
    title: String,
    summary: String,
    #[schema(value_type = i64)]
    requested_fen: Fen,
    /// `submitted`, `under_review`, `awarded`, `not_awarded`, `withdrawn`.
    #[schema(value_type = String)]
    status: MajorStatus,
    /// Aggregated expert score, in points with three decimals.
    score: Option<f64>,
    rank: Option<i64>,
    #[schema(value_type = Option<i64>)]
    awarded_fen: Option<Fen>,
    version: i64,
}

impl From<MajorApplication> for MajorApplicationDto {
    fn from(a: MajorApplication) -> Self {
        MajorApplicationDto {
            number: a.number,
            call: a.call_code,
            credit_code: a.credit_code,
            enterprise_name: a.enterprise_name,
            topic: a.topic,
            title: a.title,
            summary: a.summary,
            requested_fen: a.requested_fen,
            status: a.status,
            score: a.score_milli.map(|s| s as f64 / 1000.0),
            rank: a.rank,
            awarded_fen: a.awarded_fen,
            version: a.version,
        }
    }
}

/// A ranking row.
#[derive(Debug, Serialize, ToSchema)]
struct RankingRowDto {
    #[serde(flatten)]
    application: MajorApplicationDto,
    reviews_submitted: usize,
    reviews_assigned: usize,
    /// Expert totals that counted, in points.
    counted: Vec<f64>,
    /// Expert totals dropped as the highest and lowest (five or more experts).
    dropped: Vec<f64>,
    /// Expert totals more than 20 points from the median.
    outliers: Vec<f64>,
}

impl From<RankingRow> for RankingRowDto {
    fn from(r: RankingRow) -> Self {
        let points = |v: &[i64]| v.iter().map(|t| *t as f64 / 1000.0).collect();
        let (counted, dropped, outliers) = match &r.aggregate {
            Some(a) => (points(&a.counted), points(&a.dropped), points(&a.outliers)),
            None => (Vec::new(), Vec::new(), Vec::new()),
        };
        RankingRowDto {
            application: r.application.into(),
            reviews_submitted: r.reviews_submitted,
            reviews_assigned: r.reviews_assigned,
            counted,
            dropped,
            outliers,
        }
    }
}

/// Aggregates the submitted scores (trimmed mean with five or more experts), stores scores and
/// ranks, and returns the ranking (city staff, while the call is under review and before any
/// award is decided; audited).
#[utoipa::path(post, path = "/api/v1/st-calls/{code}/ranking", tag = "major projects", params(("code" = String, Path)),
    responses((status = 200, body = Vec<RankingRowDto>), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn call_ranking(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<RankingRowDto>>, ApiError> {
    let rows = state.projects().rank_call(&principal, &code).await?;
    Ok(Json(rows.into_iter().map(RankingRowDto::from).collect()))
}

/// Filters of the application list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ApplicationQuery {
    /// Call code.
    call: Option<String>,
}

/// Applications: the city's all, an enterprise's its own.
#[utoipa::path(get, path = "/api/v1/st-applications", tag = "major projects", params(ApplicationQuery),
    responses((status = 200, body = Vec<MajorApplicationDto>)))]
async fn list_applications(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<ApplicationQuery>,
) -> Result<Json<Vec<MajorApplicationDto>>, ApiError> {
    let list = state
        .projects()
        .major_applications(&principal, query.call.as_deref())
        .await?;
    Ok(Json(
        list.into_iter().map(MajorApplicationDto::from).collect(),
    ))
}

/// An application to a call.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ApplyBody {
    call: String,
    /// One of the call's topics.
    topic: String,
    title: String,
    #[serde(default)]
    summary: String,
    #[schema(value_type = i64)]
    requested_fen: Fen,
    #[serde(default)]
    objectives: String,
    #[serde(default)]
    approach: String,
    #[serde(default)]
    indicators: String,
    /// Budget lines, adding up to at least the amount asked for.
    #[serde(default)]
    budget: Vec<BudgetLineDto>,
    /// Planned milestones in the order they are due.
    #[serde(default)]
    plan: Vec<PlannedMilestoneDto>,
}

/// Applies to an open call (the enterprise's own users).
#[utoipa::path(post, path = "/api/v1/st-applications", tag = "major projects", request_body = ApplyBody,
    responses((status = 201, body = MajorApplicationDto), (status = 403, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn apply(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<ApplyBody>,
) -> Result<impl IntoResponse, ApiError> {
    let application = state
        .projects()
        .apply_to_call(
            &principal,
            &ProposalInput {
                call: body.call,
                topic: body.topic,
                title: body.title,
                summary: body.summary,
                requested_fen: body.requested_fen,
                proposal: ProposalDto {
                    objectives: body.objectives,
                    approach: body.approach,
                    indicators: body.indicators,
                    budget: body.budget,
                    plan: body.plan,
                }
                .into(),
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(MajorApplicationDto::from(application)),
    ))
}

/// An expert's review as the city sees it.
#[derive(Debug, Serialize, ToSchema)]
struct ReviewDto {
    expert: String,
    scores: Option<BTreeMap<String, i64>>,
    total: Option<f64>,
    comment: String,
    submitted_at: Option<String>,
}

/// A milestone.
#[derive(Debug, Serialize, ToSchema)]
struct MilestoneDto {
    id: i64,
    position: i64,
    title: String,
    due_on: String,
    #[schema(value_type = i64)]
    amount_fen: Fen,
    report: Option<String>,
    reported_at: Option<String>,
    accepted_at: Option<String>,
    accepted_by: Option<String>,
}

impl From<Milestone> for MilestoneDto {
    fn from(m: Milestone) -> Self {
        MilestoneDto {
            id: m.id,
            position: m.position,
            title: m.title,
            due_on: m.due_on,
            amount_fen: m.amount_fen,
            report: m.report,
            reported_at: m.reported_at.map(rfc3339),
            accepted_at: m.accepted_at.map(rfc3339),
            accepted_by: m.accepted_by,
        }
    }
}

/// An application with its reviews (city staff only) and milestones.
#[derive(Debug, Serialize, ToSchema)]
struct MajorApplicationDetailDto {
    #[serde(flatten)]
    application: MajorApplicationDto,
    proposal: ProposalDto,
    attachments: Vec<AttachmentDto>,
    reviews: Vec<ReviewDto>,
    milestones: Vec<MilestoneDto>,
}

impl From<MajorApplicationDetail> for MajorApplicationDetailDto {
    fn from(d: MajorApplicationDetail) -> Self {
        MajorApplicationDetailDto {
            application: d.application.into(),
            proposal: d.proposal.into(),
            attachments: d.attachments.into_iter().map(AttachmentDto::from).collect(),
            reviews: d
                .reviews
                .into_iter()
                .map(|r| ReviewDto {
                    expert: r.expert,
                    scores: r.scores.and_then(|s| serde_json::from_str(&s).ok()),
                    total: r.total_milli.map(|t| t as f64 / 1000.0),
                    comment: r.comment,
                    submitted_at: r.submitted_at.map(rfc3339),
                })
                .collect(),
            milestones: d.milestones.into_iter().map(MilestoneDto::from).collect(),
        }
    }
}

/// One application.
#[utoipa::path(get, path = "/api/v1/st-applications/{number}", tag = "major projects", params(("number" = String, Path)),
    responses((status = 200, body = MajorApplicationDetailDto), (status = 404, body = crate::problem::Problem)))]
async fn get_application(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<MajorApplicationDetailDto>, ApiError> {
    Ok(Json(
        state
            .projects()
            .major_application(&principal, &number)
            .await?
            .into(),
    ))
}

/// An award decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    /// The award (fen), or `null` for none.
    #[schema(value_type = Option<i64>)]
    awarded_fen: Option<Fen>,
    /// The version read.
    version: i64,
}

/// Decides an application after ranking (city staff): an award within the amount asked for and
/// the call's budget, or none.
#[utoipa::path(post, path = "/api/v1/st-applications/{number}/decision", tag = "major projects", params(("number" = String, Path)), request_body = DecisionBody,
    responses((status = 200, body = MajorApplicationDto), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn decide(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<MajorApplicationDto>, ApiError> {
    Ok(Json(
        state
            .projects()
            .decide_award(&principal, &number, body.awarded_fen, body.version)
            .await?
            .into(),
    ))
}

/// A milestone to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MilestoneBody {
    title: String,
    /// `YYYY-MM-DD`.
    due_on: String,
    /// The tranche paid on acceptance (fen).
    #[schema(value_type = i64)]
    amount_fen: Fen,
}

/// Adds a milestone to an awarded project (city staff).
#[utoipa::path(post, path = "/api/v1/st-applications/{number}/milestones", tag = "major projects", params(("number" = String, Path)), request_body = MilestoneBody,
    responses((status = 201, body = MilestoneDto), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn add_milestone(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<MilestoneBody>,
) -> Result<impl IntoResponse, ApiError> {
    let milestone = state
        .projects()
        .add_milestone(
            &principal,
            &number,
            &body.title,
            &body.due_on,
            body.amount_fen,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(MilestoneDto::from(milestone))))
}

/// A milestone report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReportBody {
    report: String,
}

/// Reports on a milestone (the enterprise).
#[utoipa::path(post, path = "/api/v1/st-applications/{number}/milestones/{milestone_id}/report", tag = "major projects",
    params(("number" = String, Path), ("milestone_id" = i64, Path)), request_body = ReportBody,
    responses((status = 204), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn report_milestone(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((number, milestone_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<ReportBody>,
) -> Result<StatusCode, ApiError> {
    state
        .projects()
        .milestone_step(&principal, &number, milestone_id, Some(&body.report))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Accepts a milestone report (city staff).
#[utoipa::path(post, path = "/api/v1/st-applications/{number}/milestones/{milestone_id}/acceptance", tag = "major projects",
    params(("number" = String, Path), ("milestone_id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn accept_milestone(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((number, milestone_id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    state
        .projects()
        .milestone_step(&principal, &number, milestone_id, None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What an expert sees of an assignment: not the applicant, not other experts' scores.
#[derive(Debug, Serialize, ToSchema)]
struct BlindReviewDto {
    id: i64,
    call_title: String,
    topic: String,
    title: String,
    summary: String,
    #[schema(value_type = i64)]
    requested_fen: Fen,
    proposal: ProposalDto,
    /// On a blind review, each named by its purpose only.
    attachments: Vec<AttachmentDto>,
    /// The applicant, unless the review is blind.
    applicant: Option<String>,
    /// When the scores are due.
    review_due_on: Option<String>,
    criteria: Vec<CriterionDto>,
    scores: Option<BTreeMap<String, i64>>,
    total: Option<f64>,
    comment: String,
}

impl From<BlindReview> for BlindReviewDto {
    fn from(r: BlindReview) -> Self {
        BlindReviewDto {
            id: r.id,
            call_title: r.call_title,
            topic: r.topic,
            title: r.title,
            summary: r.summary,
            requested_fen: r.requested_fen,
            proposal: r.proposal.into(),
            attachments: r.attachments.into_iter().map(AttachmentDto::from).collect(),
            applicant: r.applicant,
            review_due_on: r.review_due_on,
            criteria: r
                .criteria
                .into_iter()
                .map(|c| CriterionDto {
                    name: c.name,
                    weight: c.weight,
                })
                .collect(),
            scores: r.scores,
            total: r.total_milli.map(|t| t as f64 / 1000.0),
            comment: r.comment,
        }
    }
}

/// The caller's review assignments (experts).
#[utoipa::path(get, path = "/api/v1/expert-reviews", tag = "major projects", responses((status = 200, body = Vec<BlindReviewDto>)))]
async fn my_reviews(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> Result<Json<Vec<BlindReviewDto>>, ApiError> {
    let reviews = state.projects().my_reviews(&principal).await?;
    Ok(Json(
        reviews.into_iter().map(BlindReviewDto::from).collect(),
    ))
}

/// One of the caller's assignments.
#[utoipa::path(get, path = "/api/v1/expert-reviews/{assignment_id}", tag = "major projects", params(("assignment_id" = i64, Path)),
    responses((status = 200, body = BlindReviewDto), (status = 404, body = crate::problem::Problem)))]
async fn get_review(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(assignment_id): ApiPath<i64>,
) -> Result<Json<BlindReviewDto>, ApiError> {
    Ok(Json(
        state
            .projects()
            .my_review(&principal, assignment_id)
            .await?
            .into(),
    ))
}

/// Scores.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ScoresBody {
    /// 0–100 for every criterion of the call, by name.
    scores: BTreeMap<String, i64>,
    #[serde(default)]
    comment: String,
}

/// Scores an assignment (the assigned expert). An expert with a conflict of interest with the
/// applicant is refused (403) and the attempt is audited.
#[utoipa::path(post, path = "/api/v1/expert-reviews/{assignment_id}", tag = "major projects", params(("assignment_id" = i64, Path)), request_body = ScoresBody,
    responses((status = 200, body = BlindReviewDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn submit_review(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(assignment_id): ApiPath<i64>,
    ApiJson(body): ApiJson<ScoresBody>,
) -> Result<Json<BlindReviewDto>, ApiError> {
    Ok(Json(
        state
            .projects()
            .score(&principal, assignment_id, &body.scores, &body.comment)
            .await?
            .into(),
    ))
}

/// An expert's profile.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ExpertProfileDto {
    /// The employer's unified social credit code, if it has one.
    affiliation_credit_code: Option<String>,
    #[serde(default)]
    affiliation_name: String,
    /// Topics the expert reviews.
    #[serde(default)]
    fields: Vec<String>,
    /// Credit codes of organisations the expert has a relation with.
    #[serde(default)]
    declared_relations: Vec<String>,
}

/// An expert's profile (city staff).
#[utoipa::path(get, path = "/api/v1/experts/{username}/profile", tag = "major projects", params(("username" = String, Path)),
    responses((status = 200, body = ExpertProfileDto), (status = 404, body = crate::problem::Problem)))]
async fn get_expert_profile(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(username): ApiPath<String>,
) -> Result<Json<ExpertProfileDto>, ApiError> {
    let p = state
        .projects()
        .expert_profile(&principal, &username)
        .await?;
    Ok(Json(ExpertProfileDto {
        affiliation_credit_code: p.affiliation_credit_code,
        affiliation_name: p.affiliation_name,
        fields: p.fields,
        declared_relations: p.declared_relations,
    }))
}

/// Sets an expert's affiliation, topics and declared relations (city staff); assignment never
/// chooses an expert for an applicant they work for or declared a relation with.
#[utoipa::path(put, path = "/api/v1/experts/{username}/profile", tag = "major projects", params(("username" = String, Path)), request_body = ExpertProfileDto,
    responses((status = 200, body = ExpertProfileDto), (status = 404, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn put_expert_profile(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(username): ApiPath<String>,
    ApiJson(body): ApiJson<ExpertProfileDto>,
) -> Result<Json<ExpertProfileDto>, ApiError> {
    let p = state
        .projects()
        .save_expert_profile(
            &principal,
            &ExpertProfile {
                username,
                affiliation_credit_code: body.affiliation_credit_code,
                affiliation_name: body.affiliation_name,
                fields: body.fields,
                declared_relations: body.declared_relations,
            },
        )
        .await?;
    Ok(Json(ExpertProfileDto {
        affiliation_credit_code: p.affiliation_credit_code,
        affiliation_name: p.affiliation_name,
        fields: p.fields,
        declared_relations: p.declared_relations,
    }))
}

/// Awarded projects by call and topic.
#[derive(Debug, Serialize, ToSchema)]
struct SummaryRowDto {
    call: String,
    topic: String,
    projects: i64,
    #[schema(value_type = i64)]
    awarded_fen: Fen,
}

/// The year filter of the summary.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct SummaryQuery {
    year: Option<i64>,
}

/// Awarded projects and amounts by call and topic, in the caller's scope.
#[utoipa::path(get, path = "/api/v1/st-summary", tag = "major projects", params(SummaryQuery),
    responses((status = 200, body = Vec<SummaryRowDto>)))]
async fn summary(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<SummaryQuery>,
) -> Result<Json<Vec<SummaryRowDto>>, ApiError> {
    let rows = state
        .projects()
        .major_summary(&principal, query.year)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|row| SummaryRowDto {
                call: row.call_code,
                topic: row.topic,
                projects: row.projects,
                awarded_fen: row.awarded_fen,
            })
            .collect(),
    ))
}

/// Attaches a file (multipart: `purpose`, `file`) to a proposal while its call is open; PDF,
/// PNG, JPEG, Excel, Word or ODS, judged by content, at most 20 MiB.
#[utoipa::path(post, path = "/api/v1/st-applications/{number}/attachments", tag = "major projects", params(("number" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "`purpose`: what the file is; `file`: the file"),
    responses((status = 201, body = AttachmentDto), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 413, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn upload_attachment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    request: axum::extract::Request,
) -> Result<impl IntoResponse, ApiError> {
    // Outside the caller's scope the application does not exist, whatever the body.
    state
        .projects()
        .major_application(&principal, &number)
        .await?;
    let (purpose, file_name, bytes) = read_attachment_upload(&state, request).await?;
    let attachment = state
        .projects()
        .add_major_attachment(&principal, &number, &purpose, &file_name, bytes)
        .await?;
    Ok((StatusCode::CREATED, Json(AttachmentDto::from(attachment))))
}

/// Downloads a proposal's attachment (the applicant and the city).
#[utoipa::path(get, path = "/api/v1/st-applications/{number}/attachments/{attachment_id}", tag = "major projects",
    params(("number" = String, Path), ("attachment_id" = i64, Path)),
    responses((status = 200, description = "The file"), (status = 404, body = crate::problem::Problem)))]
async fn download_attachment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((number, attachment_id)): ApiPath<(String, i64)>,
) -> Result<axum::response::Response, ApiError> {
    let (attachment, bytes) = state
        .projects()
        .major_attachment(&principal, &number, attachment_id)
        .await?;
    Ok(attachment_response(&attachment, bytes))
}

/// Downloads an attachment of a proposal the caller scores (experts); on a blind review it is
/// named by its purpose only.
#[utoipa::path(get, path = "/api/v1/expert-reviews/{assignment_id}/attachments/{attachment_id}", tag = "major projects",
    params(("assignment_id" = i64, Path), ("attachment_id" = i64, Path)),
    responses((status = 200, description = "The file"), (status = 404, body = crate::problem::Problem)))]
async fn download_review_attachment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((assignment_id, attachment_id)): ApiPath<(i64, i64)>,
) -> Result<axum::response::Response, ApiError> {
    let (attachment, bytes) = state
        .projects()
        .review_attachment(&principal, assignment_id, attachment_id)
        .await?;
    Ok(attachment_response(&attachment, bytes))
}
