//! The records of major projects: calls, applications, reviews, milestones and expert profiles.

use std::collections::BTreeMap;
use zhizao_core::{Fen, Timestamp};

use serde::{Deserialize, Serialize};

use crate::scoring::{Aggregate, Criterion};

zhizao_core::closed_vocabulary! {
    /// Where a call stands: it moves draft → open → reviewing → decided.
    CallStatus, "call status" {
        /// Being prepared by the city; only the city sees it.
        Draft => "draft", "未发布", "Draft";
        /// Accepting applications between its opening and closing days.
        Open => "open", "受理中", "Open";
        /// Closed to applications; experts are assigned and score.
        Reviewing => "reviewing", "评审中", "Under review";
        /// Awards decided.
        Decided => "decided", "已决定", "Decided";
    }
}

impl CallStatus {
    /// The status a call may move to from this one, if any.
    pub fn next(self) -> Option<CallStatus> {
        match self {
            CallStatus::Draft => Some(CallStatus::Open),
            CallStatus::Open => Some(CallStatus::Reviewing),
            CallStatus::Reviewing => Some(CallStatus::Decided),
            CallStatus::Decided => None,
        }
    }
}

zhizao_core::closed_vocabulary! {
    /// Where an application to a call stands.
    MajorStatus, "major-project application status" {
        /// Submitted while the call was open.
        Submitted => "submitted", "已申报", "Submitted";
        /// Assigned to experts.
        UnderReview => "under_review", "评审中", "Under review";
        /// Awarded an amount.
        Awarded => "awarded", "获资助", "Awarded";
        /// Decided without an award.
        NotAwarded => "not_awarded", "未获资助", "Not awarded";
        /// Taken back by the enterprise.
        Withdrawn => "withdrawn", "已撤回", "Withdrawn";
    }
}

/// A call for major projects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Call {
    /// Row id.
    pub id: i64,
    /// Code, e.g. `ST-2019`.
    pub code: String,
    /// Title.
    pub title: String,
    /// Year.
    pub year: i64,
    /// Topics applications choose from (e.g. 人工智能, 机器人, 芯片).
    pub topics: Vec<String>,
    /// Scoring criteria with weights adding up to 100.
    pub criteria: Vec<Criterion>,
    /// The most the call awards in total (fen).
    pub budget_fen: Fen,
    /// How many experts score each application.
    pub experts_per_application: i64,
    /// First day applications are accepted.
    pub opens_on: String,
    /// Last day.
    pub closes_on: String,
    /// The day experts' scores are due, once set.
    pub review_due_on: Option<String>,
    /// Whether experts see the proposal without the applicant's name.
    pub blind_review: bool,
    /// Where it stands.
    pub status: CallStatus,
    /// Optimistic-locking version.
    pub version: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct CallRow {
    id: i64,
    code: String,
    title: String,
    year: i64,
    topics: String,
    criteria: String,
    #[sqlx(try_from = "zhizao_db::FenColumn")]
    budget_fen: Fen,
    experts_per_application: i64,
    opens_on: String,
    closes_on: String,
    review_due_on: Option<String>,
    #[sqlx(try_from = "zhizao_db::Flag")]
    blind_review: bool,
    #[sqlx(try_from = "String")]
    status: CallStatus,
    version: i64,
}

impl From<CallRow> for Call {
    fn from(row: CallRow) -> Self {
        Call {
            id: row.id,
            code: row.code,
            title: row.title,
            year: row.year,
            topics: serde_json::from_str(&row.topics).unwrap_or_default(),
            criteria: serde_json::from_str(&row.criteria).unwrap_or_default(),
            budget_fen: row.budget_fen,
            experts_per_application: row.experts_per_application,
            opens_on: row.opens_on,
            closes_on: row.closes_on,
            review_due_on: row.review_due_on,
            blind_review: row.blind_review,
            status: row.status,
            version: row.version,
        }
    }
}

pub(super) const CALL_COLUMNS: &str = "SELECT id, code, title, year, topics, criteria, budget_fen, experts_per_application, opens_on, closes_on, review_due_on, blind_review, status, version FROM st_calls";

/// A call as opened.
#[derive(Debug, Clone, Default)]
pub struct CallInput {
    /// Letters, digits and `-`.
    pub code: String,
    /// Title.
    pub title: String,
    /// 2000–2100.
    pub year: i64,
    /// 1–20 topics.
    pub topics: Vec<String>,
    /// Weights adding up to 100.
    pub criteria: Vec<Criterion>,
    /// Total budget (fen).
    pub budget_fen: Fen,
    /// 1–15 experts per application.
    pub experts_per_application: i64,
    /// `YYYY-MM-DD`.
    pub opens_on: String,
    /// `YYYY-MM-DD`, not before `opens_on`.
    pub closes_on: String,
    /// `YYYY-MM-DD`, after `closes_on`: when experts' scores are due.
    pub review_due_on: Option<String>,
    /// Experts see proposals without the applicant's name (the usual rule).
    pub blind_review: bool,
}

/// A line of a proposal's budget: what the money is for and how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetLine {
    /// What it pays for, e.g. 设备购置, 材料费, 测试化验加工费.
    pub item: String,
    /// How much (fen).
    pub amount_fen: Fen,
}

/// A milestone a proposal plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedMilestone {
    /// What is delivered.
    pub title: String,
    /// By when, `YYYY-MM-DD`.
    pub due_on: String,
}

/// What a proposal says beyond its title and summary: what experts score.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Proposal {
    /// Research objectives.
    pub objectives: String,
    /// Technical approach.
    pub approach: String,
    /// Indicators the project will be accepted against.
    pub indicators: String,
    /// The budget, line by line.
    pub budget: Vec<BudgetLine>,
    /// Planned milestones, in order.
    pub plan: Vec<PlannedMilestone>,
}

impl Proposal {
    /// The budget's total.
    pub fn budget_total(&self) -> Fen {
        Fen::new(self.budget.iter().map(|l| l.amount_fen.get()).sum())
    }
}

/// An application to a call as its enterprise submits it.
#[derive(Debug, Clone, Default)]
pub struct ProposalInput {
    /// The call's code.
    pub call: String,
    /// One of the call's topics.
    pub topic: String,
    /// The project's title.
    pub title: String,
    /// A summary.
    pub summary: String,
    /// The amount asked for (fen).
    pub requested_fen: Fen,
    /// Objectives, approach, indicators, budget and plan.
    pub proposal: Proposal,
}

/// An application to a call, as the city and the applicant see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MajorApplication {
    /// Row id.
    pub id: i64,
    /// Number, e.g. `ST-2019-0007`.
    pub number: String,
    /// The call's code.
    pub call_code: String,
    /// The applicant (organisation id).
    pub enterprise_id: i64,
    /// Its credit code.
    pub credit_code: String,
    /// Its name.
    pub enterprise_name: String,
    /// Topic.
    pub topic: String,
    /// Project title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Amount asked for (fen).
    #[sqlx(try_from = "zhizao_db::FenColumn")]
    pub requested_fen: Fen,
    /// Where it stands.
    #[sqlx(try_from = "String")]
    pub status: MajorStatus,
    /// Aggregated score (thousandths of a point).
    pub score_milli: Option<i64>,
    /// Rank within the call.
    pub rank: Option<i64>,
    /// Amount awarded (fen).
    #[sqlx(try_from = "zhizao_db::OptionalFenColumn")]
    pub awarded_fen: Option<Fen>,
    /// Optimistic-locking version.
    pub version: i64,
}

pub(super) const APPLICATION_COLUMNS: &str = "SELECT a.id, a.number, c.code AS call_code, a.enterprise_id, e.credit_code, e.name AS enterprise_name, \
     a.topic, a.title, a.summary, a.requested_fen, a.status, a.score_milli, a.rank, a.awarded_fen, a.version \
     FROM st_applications a JOIN st_calls c ON c.id = a.call_id JOIN enterprises e ON e.id = a.enterprise_id";

/// One expert's review as the city sees it (after scoring).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ReviewRecord {
    /// Assignment id.
    pub id: i64,
    /// The expert's user name.
    pub expert: String,
    /// Scores by criterion (JSON), once submitted.
    pub scores: Option<String>,
    /// Weighted total (thousandths of a point).
    pub total_milli: Option<i64>,
    /// Comment.
    pub comment: String,
    /// When submitted.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub submitted_at: Option<Timestamp>,
}

/// A milestone of an awarded project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Milestone {
    /// Row id.
    pub id: i64,
    /// 1-based position.
    pub position: i64,
    /// What is due.
    pub title: String,
    /// By when.
    pub due_on: String,
    /// The tranche paid on acceptance (fen).
    #[sqlx(try_from = "zhizao_db::FenColumn")]
    pub amount_fen: Fen,
    /// The enterprise's report.
    pub report: Option<String>,
    /// When reported.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub reported_at: Option<Timestamp>,
    /// When accepted.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub accepted_at: Option<Timestamp>,
    /// By whom.
    pub accepted_by: Option<String>,
}

/// Awarded projects and their amount in one topic of one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AwardSummary {
    /// The call's code.
    pub call_code: String,
    /// The topic.
    pub topic: String,
    /// How many projects were awarded.
    pub projects: i64,
    /// How much they were awarded in all.
    #[sqlx(try_from = "zhizao_db::FenColumn")]
    pub awarded_fen: Fen,
}

/// An application with its reviews (for the city) and milestones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MajorApplicationDetail {
    /// The application.
    pub application: MajorApplication,
    /// What it proposes.
    pub proposal: Proposal,
    /// Its attached files.
    pub attachments: Vec<crate::attachments::Attachment>,
    /// Expert reviews: visible to city staff only; empty for the applicant.
    pub reviews: Vec<ReviewRecord>,
    /// Milestones.
    pub milestones: Vec<Milestone>,
}

/// What an expert sees of an assignment: the project, not the applicant, and only their own
/// scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlindReview {
    /// Assignment id.
    pub id: i64,
    /// The call's title.
    pub call_title: String,
    /// Topic.
    pub topic: String,
    /// Project title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Amount asked for (fen).
    pub requested_fen: Fen,
    /// What it proposes: objectives, approach, indicators, budget and plan.
    pub proposal: Proposal,
    /// Its attachments, each named by its purpose only on a blind review.
    pub attachments: Vec<crate::attachments::Attachment>,
    /// The applicant's name, unless the call's review is blind.
    pub applicant: Option<String>,
    /// When the scores are due, if the call set a day.
    pub review_due_on: Option<String>,
    /// The criteria to score.
    pub criteria: Vec<Criterion>,
    /// The expert's own scores, once given.
    pub scores: Option<BTreeMap<String, i64>>,
    /// Their weighted total.
    pub total_milli: Option<i64>,
    /// Their comment.
    pub comment: String,
}

/// An expert's profile: where they work and whom they declared relations with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ExpertProfile {
    /// The expert's user name.
    pub username: String,
    /// The credit code of their employer, if it is an organisation with one.
    pub affiliation_credit_code: Option<String>,
    /// The employer's name.
    pub affiliation_name: String,
    /// Topics they review.
    pub fields: Vec<String>,
    /// Credit codes of organisations they have a relation with (family, shares, former
    /// employer, …).
    pub declared_relations: Vec<String>,
}

/// The outcome of assigning experts to a call's applications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssignmentReport {
    /// Assignments made.
    pub assigned: usize,
    /// Applications that got fewer experts than the call asks for (number, how many).
    pub short: Vec<(String, usize)>,
}

/// A row of the ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RankingRow {
    /// The application.
    pub application: MajorApplication,
    /// How its score came about.
    pub aggregate: Option<Aggregate>,
    /// Reviews assigned and submitted.
    pub reviews_submitted: usize,
    /// Reviews assigned.
    pub reviews_assigned: usize,
}
