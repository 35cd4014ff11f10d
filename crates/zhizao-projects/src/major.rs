//! Major science-and-technology projects (重大科技专项): the city opens a call with topics,
//! weighted criteria and a budget; enterprises apply; experts are assigned without conflicts of
//! interest and score blind (they see neither the applicant nor each other's scores); scores
//! are aggregated with outliers handled, applications ranked, awards decided within the budget,
//! and awarded projects report against milestones.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::AnyConnection;
use zhizao_core::{CreditCode, Fen, FieldError, Text};
use zhizao_db::{SqlBuilder, allocate_ids, unique_violation};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy;
use zhizao_registry::restrict_to_scope;

use crate::rules::is_iso_date;
use crate::scoring::{
    Aggregate, Criterion, ExpertCandidate, aggregate, choose_experts, conflict, validate_criteria,
    weighted_total,
};
use crate::validate::project_key;
use crate::{Error, Projects, Result};

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
    pub budget_fen: i64,
    /// How many experts score each application.
    pub experts_per_application: i64,
    /// First day applications are accepted.
    pub opens_on: String,
    /// Last day.
    pub closes_on: String,
    /// `draft`, `open`, `reviewing` or `decided`.
    pub status: String,
    /// Optimistic-locking version.
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct CallRow {
    id: i64,
    code: String,
    title: String,
    year: i64,
    topics: String,
    criteria: String,
    budget_fen: i64,
    experts_per_application: i64,
    opens_on: String,
    closes_on: String,
    status: String,
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
            status: row.status,
            version: row.version,
        }
    }
}

const CALL_COLUMNS: &str = "SELECT id, code, title, year, topics, criteria, budget_fen, experts_per_application, opens_on, closes_on, status, version FROM st_calls";

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
    pub budget_fen: i64,
    /// 1–15 experts per application.
    pub experts_per_application: i64,
    /// `YYYY-MM-DD`.
    pub opens_on: String,
    /// `YYYY-MM-DD`, not before `opens_on`.
    pub closes_on: String,
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
    pub requested_fen: i64,
    /// `submitted`, `under_review`, `awarded`, `not_awarded`, `withdrawn`.
    pub status: String,
    /// Aggregated score (thousandths of a point).
    pub score_milli: Option<i64>,
    /// Rank within the call.
    pub rank: Option<i64>,
    /// Amount awarded (fen).
    pub awarded_fen: Option<i64>,
    /// Optimistic-locking version.
    pub version: i64,
}

const APPLICATION_COLUMNS: &str = "SELECT a.id, a.number, c.code AS call_code, a.enterprise_id, e.credit_code, e.name AS enterprise_name, \
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
    /// When submitted (ms).
    pub submitted_at: Option<i64>,
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
    pub amount_fen: i64,
    /// The enterprise's report.
    pub report: Option<String>,
    /// When reported (ms).
    pub reported_at: Option<i64>,
    /// When accepted (ms).
    pub accepted_at: Option<i64>,
    /// By whom.
    pub accepted_by: Option<String>,
}

/// An application with its reviews (for the city) and milestones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MajorApplicationDetail {
    /// The application.
    pub application: MajorApplication,
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
    pub requested_fen: i64,
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

fn call_status_error(call: &Call, wanted: &str) -> Error {
    Error::NotYet(Text::owned(
        format!(
            "专项“{}”当前状态为 {}，需要 {wanted}",
            call.code, call.status
        ),
        format!(
            "call {} is {}; this needs it {wanted}",
            call.code, call.status
        ),
    ))
}

fn validate_call(input: &CallInput) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let code = input.code.trim();
    if code.is_empty()
        || code.len() > 32
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        errors.push(FieldError::new(
            "code",
            Text::new(
                "编号只能由字母、数字和“-”组成，最长 32 个字符",
                "use only letters, digits and '-', at most 32 characters",
            ),
        ));
    }
    if input.title.trim().is_empty() || input.title.chars().count() > 200 {
        errors.push(FieldError::new(
            "title",
            Text::new("必填，最长 200 字", "required, at most 200 characters"),
        ));
    }
    if !(2000..=2100).contains(&input.year) {
        errors.push(FieldError::new(
            "year",
            Text::new(
                "年度须在 2000 至 2100 之间",
                "must be between 2000 and 2100",
            ),
        ));
    }
    if input.topics.is_empty()
        || input.topics.len() > 20
        || input
            .topics
            .iter()
            .any(|t| t.trim().is_empty() || t.chars().count() > 50)
    {
        errors.push(FieldError::new(
            "topics",
            Text::new(
                "须有 1 至 20 个方向，每个最长 50 字",
                "give 1 to 20 topics of at most 50 characters",
            ),
        ));
    }
    errors.extend(validate_criteria(&input.criteria));
    if !(1..=Fen::MAX.get()).contains(&input.budget_fen) {
        errors.push(FieldError::new(
            "budget_fen",
            Text::new("预算须大于零", "the budget must be more than zero"),
        ));
    }
    if !(1..=15).contains(&input.experts_per_application) {
        errors.push(FieldError::new(
            "experts_per_application",
            Text::new("每个项目 1 至 15 位专家", "1 to 15 experts per application"),
        ));
    }
    for (field, date) in [
        ("opens_on", &input.opens_on),
        ("closes_on", &input.closes_on),
    ] {
        if !is_iso_date(date) {
            errors.push(FieldError::new(
                field,
                Text::owned(
                    format!("“{date}”不是有效日期"),
                    format!("{date:?} is not a date (YYYY-MM-DD)"),
                ),
            ));
        }
    }
    if is_iso_date(&input.opens_on)
        && is_iso_date(&input.closes_on)
        && input.closes_on < input.opens_on
    {
        errors.push(FieldError::new(
            "closes_on",
            Text::new("截止日期早于开始日期", "closes before it opens"),
        ));
    }
    errors
}

async fn call_by_code(connection: &mut AnyConnection, code: &str) -> Result<Option<Call>> {
    let mut select = SqlBuilder::new(CALL_COLUMNS);
    select.push(" WHERE code = ").push_bind(code);
    Ok(select
        .query_as::<CallRow>()
        .fetch_optional(&mut *connection)
        .await?
        .map(Call::from))
}

async fn application_in_scope(
    connection: &mut AnyConnection,
    principal: &Principal,
    number: &str,
) -> Result<MajorApplication> {
    let mut select = SqlBuilder::new(APPLICATION_COLUMNS);
    select.push(" WHERE a.number = ").push_bind(number.trim());
    restrict_to_scope(&policy::major_application_scope(principal), &mut select);
    select
        .query_as::<MajorApplication>()
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(|| Error::not_found("application", number))
}

async fn expert_candidates(
    connection: &mut AnyConnection,
    call_id: i64,
) -> Result<Vec<ExpertCandidate>> {
    let rows: Vec<CandidateRow> = sqlx::query_as(
        "SELECT u.id AS user_id, p.affiliation_credit_code, p.fields, p.declared_relations, \
         (SELECT COUNT(*) FROM st_assignments s JOIN st_applications a ON a.id = s.application_id WHERE s.expert_user_id = u.id AND a.call_id = $1) AS load \
         FROM users u LEFT JOIN expert_profiles p ON p.user_id = u.id WHERE u.role = 'expert' AND u.disabled = 0 ORDER BY u.id",
    )
    .bind(call_id)
    .fetch_all(&mut *connection)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ExpertCandidate {
            user_id: row.user_id,
            affiliation_credit_code: row.affiliation_credit_code,
            fields: row
                .fields
                .and_then(|f| serde_json::from_str(&f).ok())
                .unwrap_or_default(),
            declared_relations: row
                .declared_relations
                .and_then(|r| serde_json::from_str(&r).ok())
                .unwrap_or_default(),
            load: row.load as usize,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct CandidateRow {
    user_id: i64,
    affiliation_credit_code: Option<String>,
    fields: Option<String>,
    declared_relations: Option<String>,
    load: i64,
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    affiliation_credit_code: Option<String>,
    affiliation_name: Option<String>,
    fields: Option<String>,
    declared_relations: Option<String>,
}

#[derive(sqlx::FromRow)]
struct BlindRow {
    id: i64,
    call_title: String,
    topic: String,
    title: String,
    summary: String,
    requested_fen: i64,
    criteria: String,
    scores: Option<String>,
    total_milli: Option<i64>,
    comment: String,
}

impl Projects {
    /// Calls the caller may see: all for the city, the others once opened.
    pub async fn calls(&self, principal: &Principal) -> Result<Vec<Call>> {
        let mut select = SqlBuilder::new(CALL_COLUMNS);
        if !policy::may_manage_programmes(principal) {
            select.push(" WHERE status <> 'draft'");
        }
        select.push(" ORDER BY year DESC, code");
        Ok(select
            .query_as::<CallRow>()
            .fetch_all(self.db.pool())
            .await?
            .into_iter()
            .map(Call::from)
            .collect())
    }

    /// One call, if the caller may see it.
    pub async fn call(&self, principal: &Principal, code: &str) -> Result<Call> {
        let mut connection = self.db.pool().acquire().await?;
        match call_by_code(&mut connection, code).await? {
            Some(call) if call.status != "draft" || policy::may_manage_programmes(principal) => {
                Ok(call)
            }
            _ => Err(Error::not_found("call", code)),
        }
    }

    /// Opens a call as a draft (city staff).
    pub async fn create_call(&self, principal: &Principal, input: &CallInput) -> Result<Call> {
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("only city staff open calls"));
        }
        let errors = validate_call(input);
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let mut transaction = self.db.begin().await?;
        let id = allocate_ids(&mut transaction, "st_calls", 1).await?;
        let now = self.clock.now();
        let inserted = sqlx::query(
            "INSERT INTO st_calls (id, code, title, year, topics, criteria, budget_fen, experts_per_application, opens_on, closes_on, status, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, $11, 1)",
        )
        .bind(id)
        .bind(input.code.trim())
        .bind(input.title.trim())
        .bind(input.year)
        .bind(serde_json::to_string(&input.topics.iter().map(|t| t.trim()).collect::<Vec<_>>()).unwrap_or_default())
        .bind(serde_json::to_string(&input.criteria).unwrap_or_default())
        .bind(input.budget_fen)
        .bind(input.experts_per_application)
        .bind(&input.opens_on)
        .bind(&input.closes_on)
        .bind(now.as_millis())
        .execute(&mut *transaction)
        .await;
        if let Err(error) = inserted {
            if unique_violation(&error).is_some() {
                return Err(Error::DuplicateCode {
                    what: "call",
                    code: input.code.trim().to_owned(),
                });
            }
            return Err(error.into());
        }
        let mut changes = Changes::new();
        changes
            .created("title", input.title.trim())
            .created("budget_fen", input.budget_fen)
            .created(
                "criteria",
                serde_json::to_value(&input.criteria).unwrap_or_default(),
            );
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("st_call.created", "st_call", input.code.trim()).changes(changes),
        )
        .await?;
        let call = call_by_code(&mut transaction, input.code.trim())
            .await?
            .ok_or_else(|| Error::not_found("call", &input.code))?;
        transaction.commit().await?;
        Ok(call)
    }

    /// Moves a call on: draft → open → reviewing (experts are assigned) → decided (city staff).
    pub async fn set_call_status(
        &self,
        principal: &Principal,
        code: &str,
        status: &str,
    ) -> Result<Call> {
        let call = self.call(principal, code).await?;
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("only city staff move calls on"));
        }
        let allowed = matches!(
            (call.status.as_str(), status),
            ("draft", "open") | ("open", "reviewing") | ("reviewing", "decided")
        );
        if !allowed {
            return Err(Error::NotYet(Text::owned(
                format!("专项状态不能从 {} 改为 {status}", call.status),
                format!(
                    "a call goes draft → open → reviewing → decided; {} cannot become {status:?}",
                    call.status
                ),
            )));
        }
        let mut transaction = self.db.begin().await?;
        let now = self.clock.now();
        let updated = sqlx::query("UPDATE st_calls SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND status = $4")
            .bind(status)
            .bind(now.as_millis())
            .bind(call.id)
            .bind(&call.status)
            .execute(&mut *transaction)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(Error::StaleVersion {
                what: "call",
                key: code.to_owned(),
                current: call.version + 1,
            });
        }
        let mut changes = Changes::new();
        changes.field("status", &call.status, status);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("st_call.status_changed", "st_call", code).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.call(principal, code).await
    }

    /// Applies to an open call (the enterprise's own users).
    pub async fn apply_to_call(
        &self,
        principal: &Principal,
        call_code: &str,
        topic: &str,
        title: &str,
        summary: &str,
        requested_fen: i64,
    ) -> Result<MajorApplication> {
        if !policy::may_write_applications(principal) {
            return Err(Error::Forbidden(
                "applications are written by the enterprise's own users",
            ));
        }
        let call = self.call(principal, call_code).await?;
        let today = self.clock.now().to_shanghai_date_string();
        if call.status != "open" || today < call.opens_on || today > call.closes_on {
            return Err(Error::NotYet(Text::owned(
                format!(
                    "专项 {} 的申报期为 {} 至 {}，当前不受理",
                    call.code, call.opens_on, call.closes_on
                ),
                format!(
                    "call {} accepts applications from {} to {} while open; not now",
                    call.code, call.opens_on, call.closes_on
                ),
            )));
        }
        let mut errors = Vec::new();
        if !call.topics.iter().any(|t| t == topic.trim()) {
            errors.push(FieldError::new(
                "topic",
                Text::owned(
                    format!("“{topic}”不是本专项的方向"),
                    format!(
                        "{topic:?} is not a topic of this call; choose one of {}",
                        call.topics.join(", ")
                    ),
                ),
            ));
        }
        if title.trim().is_empty() || title.chars().count() > 200 {
            errors.push(FieldError::new(
                "title",
                Text::new("必填，最长 200 字", "required, at most 200 characters"),
            ));
        }
        if summary.chars().count() > 8000 {
            errors.push(FieldError::new(
                "summary",
                Text::new("最长 8000 字", "at most 8000 characters"),
            ));
        }
        if !(1..=call.budget_fen).contains(&requested_fen) {
            errors.push(FieldError::new(
                "requested_fen",
                Text::owned(
                    format!(
                        "申请金额须大于零且不超过专项预算 {} 元",
                        Fen::new(call.budget_fen)
                    ),
                    format!(
                        "must be more than zero and at most the call's budget of {} yuan",
                        Fen::new(call.budget_fen)
                    ),
                ),
            ));
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let mut transaction = self.db.begin().await?;
        let id = allocate_ids(&mut transaction, "st_applications", 1).await?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM st_applications WHERE call_id = $1")
                .bind(call.id)
                .fetch_one(&mut *transaction)
                .await?;
        let number = format!("{}-{:04}", call.code, count + 1);
        let now = self.clock.now().as_millis();
        let inserted = sqlx::query(
            "INSERT INTO st_applications (id, number, call_id, enterprise_id, topic, title, title_key, summary, requested_fen, status, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'submitted', $10, $10, 1)",
        )
        .bind(id)
        .bind(&number)
        .bind(call.id)
        .bind(principal.organization_id)
        .bind(topic.trim())
        .bind(title.trim())
        .bind(project_key(title))
        .bind(summary.trim())
        .bind(requested_fen)
        .bind(now)
        .execute(&mut *transaction)
        .await;
        if let Err(error) = inserted {
            if unique_violation(&error).as_deref()
                == Some("st_applications_call_id_enterprise_id_title_key_key")
            {
                return Err(Error::DuplicateProject {
                    project_name: title.trim().to_owned(),
                    existing: String::new(),
                });
            }
            return Err(error.into());
        }
        audit::record(
            &mut transaction,
            &principal.actor(),
            self.clock.now(),
            AuditEntry::new("st_application.submitted", "st_application", &number)
                .subject(principal.organization_id)
                .note(title.trim()),
        )
        .await?;
        let mut select = SqlBuilder::new(APPLICATION_COLUMNS);
        select.push(" WHERE a.id = ").push_bind(id);
        let application = select.query_as().fetch_one(&mut *transaction).await?;
        transaction.commit().await?;
        Ok(application)
    }

    /// Applications the caller may see (the city all, an enterprise its own), by call.
    pub async fn major_applications(
        &self,
        principal: &Principal,
        call_code: Option<&str>,
    ) -> Result<Vec<MajorApplication>> {
        let mut select = SqlBuilder::new(APPLICATION_COLUMNS);
        select.push(" WHERE 1 = 1");
        restrict_to_scope(&policy::major_application_scope(principal), &mut select);
        if let Some(code) = call_code.filter(|c| !c.is_empty()) {
            select.push(" AND c.code = ").push_bind(code);
        }
        select.push(" ORDER BY c.year DESC, COALESCE(a.rank, 999999), a.number");
        Ok(select.query_as().fetch_all(self.db.pool()).await?)
    }

    /// One application with its milestones, and for the city its reviews.
    pub async fn major_application(
        &self,
        principal: &Principal,
        number: &str,
    ) -> Result<MajorApplicationDetail> {
        let mut connection = self.db.pool().acquire().await?;
        let application = application_in_scope(&mut connection, principal, number).await?;
        let reviews = if policy::may_manage_programmes(principal) {
            sqlx::query_as(
                "SELECT s.id, u.username AS expert, s.scores, s.total_milli, s.comment, s.submitted_at FROM st_assignments s \
                 JOIN users u ON u.id = s.expert_user_id WHERE s.application_id = $1 ORDER BY s.id",
            )
            .bind(application.id)
            .fetch_all(&mut *connection)
            .await?
        } else {
            Vec::new()
        };
        let milestones = sqlx::query_as(
            "SELECT id, position, title, due_on, amount_fen, report, reported_at, accepted_at, accepted_by FROM st_milestones WHERE application_id = $1 ORDER BY position",
        )
        .bind(application.id)
        .fetch_all(&mut *connection)
        .await?;
        Ok(MajorApplicationDetail {
            application,
            reviews,
            milestones,
        })
    }

    /// Every expert with their profile (city staff).
    pub async fn experts(&self, principal: &Principal) -> Result<Vec<ExpertProfile>> {
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("only city staff manage experts"));
        }
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT username FROM users WHERE role = 'expert' ORDER BY username",
        )
        .fetch_all(self.db.pool())
        .await?;
        let mut experts = Vec::with_capacity(names.len());
        for name in names {
            experts.push(self.expert_profile(principal, &name).await?);
        }
        Ok(experts)
    }

    /// An expert's profile (city staff).
    pub async fn expert_profile(
        &self,
        principal: &Principal,
        username: &str,
    ) -> Result<ExpertProfile> {
        if !policy::may_manage_programmes(principal) {
            return Err(Error::not_found("expert", username));
        }
        let row: Option<ProfileRow> = sqlx::query_as(
            "SELECT p.affiliation_credit_code, p.affiliation_name, p.fields, p.declared_relations FROM users u \
             LEFT JOIN expert_profiles p ON p.user_id = u.id WHERE u.username = $1 AND u.role = 'expert'",
        )
        .bind(username)
        .fetch_optional(self.db.pool())
        .await?;
        let Some(row) = row else {
            return Err(Error::not_found("expert", username));
        };
        Ok(ExpertProfile {
            username: username.to_owned(),
            affiliation_credit_code: row.affiliation_credit_code,
            affiliation_name: row.affiliation_name.unwrap_or_default(),
            fields: row
                .fields
                .and_then(|f| serde_json::from_str(&f).ok())
                .unwrap_or_default(),
            declared_relations: row
                .declared_relations
                .and_then(|r| serde_json::from_str(&r).ok())
                .unwrap_or_default(),
        })
    }

    /// Sets an expert's profile (city staff): credit codes are checked.
    pub async fn save_expert_profile(
        &self,
        principal: &Principal,
        profile: &ExpertProfile,
    ) -> Result<ExpertProfile> {
        let current = self.expert_profile(principal, &profile.username).await?;
        let mut errors = Vec::new();
        let affiliation = match profile
            .affiliation_credit_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(code) => match CreditCode::parse(code) {
                Ok(code) => Some(code.to_string()),
                Err(error) => {
                    errors.push(FieldError::new(
                        "affiliation_credit_code",
                        Text::owned(error.to_string(), error.to_string()),
                    ));
                    None
                }
            },
            None => None,
        };
        let mut relations = Vec::new();
        for (index, code) in profile.declared_relations.iter().enumerate() {
            match CreditCode::parse(code) {
                Ok(code) => relations.push(code.to_string()),
                Err(error) => errors.push(FieldError::new(
                    format!("declared_relations[{index}]"),
                    Text::owned(error.to_string(), error.to_string()),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(&profile.username)
            .fetch_one(self.db.pool())
            .await?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        sqlx::query("DELETE FROM expert_profiles WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *transaction)
            .await?;
        sqlx::query("INSERT INTO expert_profiles (user_id, affiliation_credit_code, affiliation_name, fields, declared_relations, updated_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(user_id)
            .bind(affiliation.clone())
            .bind(profile.affiliation_name.trim())
            .bind(serde_json::to_string(&profile.fields).unwrap_or_default())
            .bind(serde_json::to_string(&relations).unwrap_or_default())
            .bind(now.as_millis())
            .execute(&mut *transaction)
            .await?;
        let mut changes = Changes::new();
        changes
            .field(
                "affiliation_credit_code",
                &current.affiliation_credit_code,
                &affiliation,
            )
            .field(
                "declared_relations",
                &current.declared_relations,
                &relations,
            )
            .field("fields", &current.fields, &profile.fields);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("expert.profile_changed", "user", &profile.username).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.expert_profile(principal, &profile.username).await
    }

    /// Assigns experts to every submitted application of a call under review (city staff),
    /// never one with a conflict of interest.
    pub async fn assign_experts(
        &self,
        principal: &Principal,
        code: &str,
    ) -> Result<AssignmentReport> {
        let call = self.call(principal, code).await?;
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("only city staff assign experts"));
        }
        if call.status != "reviewing" {
            return Err(call_status_error(&call, "reviewing"));
        }
        let mut transaction = self.db.begin().await?;
        // New applications, and those under review still short of experts (after a profile
        // change or new experts joining the pool).
        let applications: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT a.id, a.number, e.credit_code, a.topic FROM st_applications a JOIN enterprises e ON e.id = a.enterprise_id \
             WHERE a.call_id = $1 AND a.status IN ('submitted', 'under_review') ORDER BY a.number",
        )
        .bind(call.id)
        .fetch_all(&mut *transaction)
        .await?;
        let mut candidates = expert_candidates(&mut transaction, call.id).await?;
        let wanted = call.experts_per_application as usize;
        let now = self.clock.now();
        let mut report = AssignmentReport {
            assigned: 0,
            short: Vec::new(),
        };
        for (application_id, number, credit_code, topic) in applications {
            let assigned: Vec<i64> = sqlx::query_scalar(
                "SELECT expert_user_id FROM st_assignments WHERE application_id = $1",
            )
            .bind(application_id)
            .fetch_all(&mut *transaction)
            .await?;
            let missing = wanted.saturating_sub(assigned.len());
            if missing == 0 {
                continue;
            }
            let available: Vec<ExpertCandidate> = candidates
                .iter()
                .filter(|c| !assigned.contains(&c.user_id))
                .cloned()
                .collect();
            let chosen = choose_experts(&available, &credit_code, &topic, missing);
            if chosen.len() < missing {
                report
                    .short
                    .push((number.clone(), assigned.len() + chosen.len()));
            }
            for expert in &chosen {
                let id = allocate_ids(&mut transaction, "st_assignments", 1).await?;
                sqlx::query("INSERT INTO st_assignments (id, application_id, expert_user_id, assigned_at) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(application_id)
                    .bind(expert)
                    .bind(now.as_millis())
                    .execute(&mut *transaction)
                    .await?;
                if let Some(candidate) = candidates.iter_mut().find(|c| c.user_id == *expert) {
                    candidate.load += 1;
                }
                report.assigned += 1;
            }
            sqlx::query("UPDATE st_applications SET status = 'under_review', updated_at = $1, version = version + 1 WHERE id = $2 AND status = 'submitted'")
                .bind(now.as_millis())
                .bind(application_id)
                .execute(&mut *transaction)
                .await?;
        }
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("st_call.experts_assigned", "st_call", code).note(format!(
                "{} assignment(s); short: {:?}",
                report.assigned, report.short
            )),
        )
        .await?;
        transaction.commit().await?;
        Ok(report)
    }

    /// The caller's assignments (experts): blind to the applicant and to other experts.
    pub async fn my_reviews(&self, principal: &Principal) -> Result<Vec<BlindReview>> {
        if !policy::reviews_as_expert(principal) {
            return Ok(Vec::new());
        }
        let rows: Vec<BlindRow> = sqlx::query_as(
            "SELECT s.id, c.title AS call_title, a.topic, a.title, a.summary, a.requested_fen, c.criteria, s.scores, s.total_milli, s.comment \
             FROM st_assignments s JOIN st_applications a ON a.id = s.application_id JOIN st_calls c ON c.id = a.call_id \
             WHERE s.expert_user_id = $1 ORDER BY s.submitted_at IS NOT NULL, s.id",
        )
        .bind(principal.user_id)
        .fetch_all(self.db.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| BlindReview {
                id: row.id,
                call_title: row.call_title,
                topic: row.topic,
                title: row.title,
                summary: row.summary,
                requested_fen: row.requested_fen,
                criteria: serde_json::from_str(&row.criteria).unwrap_or_default(),
                scores: row.scores.and_then(|s| serde_json::from_str(&s).ok()),
                total_milli: row.total_milli,
                comment: row.comment,
            })
            .collect())
    }

    /// One of the caller's assignments, blind.
    pub async fn my_review(
        &self,
        principal: &Principal,
        assignment_id: i64,
    ) -> Result<BlindReview> {
        self.my_reviews(principal)
            .await?
            .into_iter()
            .find(|r| r.id == assignment_id)
            .ok_or_else(|| Error::not_found("review", &assignment_id.to_string()))
    }

    /// Scores an assignment (the assigned expert, while the call is under review). An expert
    /// who turns out to have a conflict with the applicant is refused, and the attempt is
    /// audited.
    pub async fn score(
        &self,
        principal: &Principal,
        assignment_id: i64,
        scores: &BTreeMap<String, i64>,
        comment: &str,
    ) -> Result<BlindReview> {
        let review = self.my_review(principal, assignment_id).await?;
        let mut connection = self.db.pool().acquire().await?;
        let (number, credit_code, call_status): (String, String, String) = sqlx::query_as(
            "SELECT a.number, e.credit_code, c.status FROM st_assignments s JOIN st_applications a ON a.id = s.application_id \
             JOIN enterprises e ON e.id = a.enterprise_id JOIN st_calls c ON c.id = a.call_id WHERE s.id = $1",
        )
        .bind(assignment_id)
        .fetch_one(&mut *connection)
        .await?;
        drop(connection);
        let me = {
            let mut connection = self.db.pool().acquire().await?;
            let call_id: i64 = sqlx::query_scalar("SELECT a.call_id FROM st_assignments s JOIN st_applications a ON a.id = s.application_id WHERE s.id = $1")
                .bind(assignment_id)
                .fetch_one(&mut *connection)
                .await?;
            expert_candidates(&mut connection, call_id)
                .await?
                .into_iter()
                .find(|c| c.user_id == principal.user_id)
        };
        if let Some(reason) = me.as_ref().and_then(|me| conflict(me, &credit_code)) {
            // The refusal is recorded even though nothing else changes.
            let mut transaction = self.db.begin().await?;
            audit::record(
                &mut transaction,
                &principal.actor(),
                self.clock.now(),
                AuditEntry::new("st_review.conflict_refused", "st_application", &number)
                    .note(reason.en.clone()),
            )
            .await?;
            transaction.commit().await?;
            return Err(Error::Forbidden(
                "you have a conflict of interest with this applicant; the attempt was recorded",
            ));
        }
        if call_status != "reviewing" {
            return Err(Error::NotYet(Text::new("评审已结束", "the review is over")));
        }
        if comment.chars().count() > 4000 {
            return Err(Error::invalid(
                "comment",
                Text::new("最长 4000 字", "at most 4000 characters"),
            ));
        }
        let total = weighted_total(&review.criteria, scores).map_err(Error::Invalid)?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        sqlx::query("UPDATE st_assignments SET scores = $1, total_milli = $2, comment = $3, submitted_at = $4 WHERE id = $5 AND expert_user_id = $6")
            .bind(serde_json::to_string(scores).unwrap_or_default())
            .bind(total)
            .bind(comment.trim())
            .bind(now.as_millis())
            .bind(assignment_id)
            .bind(principal.user_id)
            .execute(&mut *transaction)
            .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("st_review.scored", "st_application", &number)
                .note(format!("assignment {assignment_id}: {total}")),
        )
        .await?;
        transaction.commit().await?;
        self.my_review(principal, assignment_id).await
    }

    /// Aggregates the submitted scores of a call, stores each application's score and rank,
    /// and returns the ranking (city staff).
    pub async fn rank_call(&self, principal: &Principal, code: &str) -> Result<Vec<RankingRow>> {
        let call = self.call(principal, code).await?;
        if !policy::may_manage_programmes(principal) {
            return Err(Error::not_found("call", code));
        }
        if call.status != "reviewing" {
            return Err(call_status_error(&call, "reviewing"));
        }
        let mut transaction = self.db.begin().await?;
        let decided: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM st_applications WHERE call_id = $1 AND status IN ('awarded', 'not_awarded')",
        )
        .bind(call.id)
        .fetch_one(&mut *transaction)
        .await?;
        if decided > 0 {
            return Err(Error::NotYet(Text::owned(
                format!("已有 {decided} 个项目作出决定，排名不再变动"),
                format!(
                    "{decided} application(s) are already decided; the ranking no longer changes"
                ),
            )));
        }
        let mut select = SqlBuilder::new(APPLICATION_COLUMNS);
        select
            .push(" WHERE a.call_id = ")
            .push_bind(call.id)
            .push(" AND a.status <> 'withdrawn' ORDER BY a.number");
        let applications: Vec<MajorApplication> =
            select.query_as().fetch_all(&mut *transaction).await?;
        let mut rows = Vec::with_capacity(applications.len());
        for application in applications {
            let totals: Vec<(Option<i64>,)> =
                sqlx::query_as("SELECT total_milli FROM st_assignments WHERE application_id = $1")
                    .bind(application.id)
                    .fetch_all(&mut *transaction)
                    .await?;
            let submitted: Vec<i64> = totals.iter().filter_map(|(t,)| *t).collect();
            rows.push(RankingRow {
                aggregate: aggregate(&submitted),
                reviews_submitted: submitted.len(),
                reviews_assigned: totals.len(),
                application,
            });
        }
        rows.sort_by(|a, b| {
            let score = |r: &RankingRow| r.aggregate.as_ref().map(|g| g.score_milli).unwrap_or(-1);
            score(b)
                .cmp(&score(a))
                .then(
                    a.application
                        .requested_fen
                        .cmp(&b.application.requested_fen),
                )
                .then(a.application.number.cmp(&b.application.number))
        });
        for (index, row) in rows.iter_mut().enumerate() {
            let score = row.aggregate.as_ref().map(|g| g.score_milli);
            let rank = score.map(|_| index as i64 + 1);
            sqlx::query("UPDATE st_applications SET score_milli = $1, rank = $2 WHERE id = $3")
                .bind(score)
                .bind(rank)
                .bind(row.application.id)
                .execute(&mut *transaction)
                .await?;
            row.application.score_milli = score;
            row.application.rank = rank;
        }
        audit::record(
            &mut transaction,
            &principal.actor(),
            self.clock.now(),
            AuditEntry::new("st_call.ranked", "st_call", code).note(
                rows.iter()
                    .filter_map(|r| {
                        r.application.rank.map(|rank| {
                            format!(
                                "{} #{rank} {}",
                                r.application.number,
                                r.application.score_milli.unwrap_or(0)
                            )
                        })
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        )
        .await?;
        transaction.commit().await?;
        Ok(rows)
    }

    /// Decides an application (city staff, call under review or decided): an award of at most
    /// the amount asked for and within what is left of the budget, or none.
    pub async fn decide_award(
        &self,
        principal: &Principal,
        number: &str,
        awarded_fen: Option<i64>,
        expected_version: i64,
    ) -> Result<MajorApplication> {
        let mut transaction = self.db.begin().await?;
        let application = application_in_scope(&mut transaction, principal, number).await?;
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("only city staff decide awards"));
        }
        if application.version != expected_version {
            return Err(Error::StaleVersion {
                what: "application",
                key: number.to_owned(),
                current: application.version,
            });
        }
        let call = call_by_code(&mut transaction, &application.call_code)
            .await?
            .ok_or_else(|| Error::not_found("call", &application.call_code))?;
        if !matches!(call.status.as_str(), "reviewing" | "decided")
            || application.status != "under_review"
        {
            return Err(Error::NotYet(Text::owned(
                format!(
                    "申报 {number} 当前状态为 {}，不能作出立项决定",
                    application.status
                ),
                format!(
                    "application {number} is {} in a call that is {}; awards are decided after review",
                    application.status, call.status
                ),
            )));
        }
        if application.score_milli.is_none() {
            return Err(Error::NotYet(Text::new(
                "尚未完成评分汇总与排名",
                "rank the call's scores first",
            )));
        }
        // Serialises decisions within the call, so two at once cannot both fit the budget.
        sqlx::query("UPDATE st_calls SET version = version WHERE id = $1")
            .bind(call.id)
            .execute(&mut *transaction)
            .await?;
        if let Some(amount) = awarded_fen {
            let others: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(awarded_fen), 0) AS BIGINT) FROM st_applications WHERE call_id = $1 AND id <> $2")
                .bind(call.id)
                .bind(application.id)
                .fetch_one(&mut *transaction)
                .await?;
            if amount <= 0 || amount > application.requested_fen {
                return Err(Error::invalid(
                    "awarded_fen",
                    Text::owned(
                        format!(
                            "资助金额须大于零且不超过申请金额 {} 元",
                            Fen::new(application.requested_fen)
                        ),
                        format!(
                            "the award must be more than zero and at most the {} yuan asked for",
                            Fen::new(application.requested_fen)
                        ),
                    ),
                ));
            }
            if others + amount > call.budget_fen {
                return Err(Error::invalid(
                    "awarded_fen",
                    Text::owned(
                        format!(
                            "超出专项预算：已安排 {} 元，预算 {} 元",
                            Fen::new(others),
                            Fen::new(call.budget_fen)
                        ),
                        format!(
                            "beyond the call's budget: {} yuan already awarded of {} yuan",
                            Fen::new(others),
                            Fen::new(call.budget_fen)
                        ),
                    ),
                ));
            }
        }
        let status = if awarded_fen.is_some() {
            "awarded"
        } else {
            "not_awarded"
        };
        let now = self.clock.now();
        let updated = sqlx::query("UPDATE st_applications SET status = $1, awarded_fen = $2, decided_at = $3, decided_by = $4, updated_at = $3, version = version + 1 WHERE id = $5 AND version = $6")
            .bind(status)
            .bind(awarded_fen)
            .bind(now.as_millis())
            .bind(&principal.username)
            .bind(application.id)
            .bind(expected_version)
            .execute(&mut *transaction)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(Error::StaleVersion {
                what: "application",
                key: number.to_owned(),
                current: application.version + 1,
            });
        }
        let mut changes = Changes::new();
        changes.field("status", &application.status, status).field(
            "awarded_fen",
            application.awarded_fen,
            awarded_fen,
        );
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("st_application.decided", "st_application", number)
                .subject(application.enterprise_id)
                .changes(changes),
        )
        .await?;
        let updated = application_in_scope(&mut transaction, principal, number).await?;
        transaction.commit().await?;
        Ok(updated)
    }

    /// Adds a milestone to an awarded project (city staff); tranches stay within the award.
    pub async fn add_milestone(
        &self,
        principal: &Principal,
        number: &str,
        title: &str,
        due_on: &str,
        amount_fen: i64,
    ) -> Result<Milestone> {
        let mut transaction = self.db.begin().await?;
        let application = application_in_scope(&mut transaction, principal, number).await?;
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("only city staff set milestones"));
        }
        let Some(awarded) = application.awarded_fen else {
            return Err(Error::NotYet(Text::new(
                "只有获得资助的项目才设置里程碑",
                "only awarded projects have milestones",
            )));
        };
        let mut errors = Vec::new();
        if title.trim().is_empty() || title.chars().count() > 200 {
            errors.push(FieldError::new(
                "title",
                Text::new("必填，最长 200 字", "required, at most 200 characters"),
            ));
        }
        if !is_iso_date(due_on) {
            errors.push(FieldError::new(
                "due_on",
                Text::owned(
                    format!("“{due_on}”不是有效日期"),
                    format!("{due_on:?} is not a date (YYYY-MM-DD)"),
                ),
            ));
        }
        sqlx::query("UPDATE st_applications SET version = version WHERE id = $1")
            .bind(application.id)
            .execute(&mut *transaction)
            .await?;
        let planned: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM st_milestones WHERE application_id = $1")
            .bind(application.id)
            .fetch_one(&mut *transaction)
            .await?;
        if !(0..=awarded).contains(&amount_fen)
            || planned
                .checked_add(amount_fen)
                .is_none_or(|total| total > awarded)
        {
            errors.push(FieldError::new("amount_fen", Text::owned(
                format!("各期拨款合计不能超过资助金额 {} 元（已安排 {} 元）", Fen::new(awarded), Fen::new(planned)),
                format!("the tranches may not exceed the award of {} yuan ({} yuan already planned)", Fen::new(awarded), Fen::new(planned)),
            )));
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let position: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM st_milestones WHERE application_id = $1")
                .bind(application.id)
                .fetch_one(&mut *transaction)
                .await?;
        let id = allocate_ids(&mut transaction, "st_milestones", 1).await?;
        sqlx::query("INSERT INTO st_milestones (id, application_id, position, title, due_on, amount_fen) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(application.id)
            .bind(position + 1)
            .bind(title.trim())
            .bind(due_on)
            .bind(amount_fen)
            .execute(&mut *transaction)
            .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            self.clock.now(),
            AuditEntry::new("st_application.milestone_added", "st_application", number)
                .subject(application.enterprise_id)
                .note(format!("{title} by {due_on}: {amount_fen} fen")),
        )
        .await?;
        transaction.commit().await?;
        Ok(Milestone {
            id,
            position: position + 1,
            title: title.trim().to_owned(),
            due_on: due_on.to_owned(),
            amount_fen,
            report: None,
            reported_at: None,
            accepted_at: None,
            accepted_by: None,
        })
    }

    /// Reports on a milestone (the enterprise) or accepts the report (city staff).
    pub async fn milestone_step(
        &self,
        principal: &Principal,
        number: &str,
        milestone_id: i64,
        report: Option<&str>,
    ) -> Result<()> {
        let mut transaction = self.db.begin().await?;
        let application = application_in_scope(&mut transaction, principal, number).await?;
        let milestone: Milestone = sqlx::query_as("SELECT id, position, title, due_on, amount_fen, report, reported_at, accepted_at, accepted_by FROM st_milestones WHERE id = $1 AND application_id = $2")
            .bind(milestone_id)
            .bind(application.id)
            .fetch_optional(&mut *transaction)
            .await?
            .ok_or_else(|| Error::not_found("milestone", &milestone_id.to_string()))?;
        let now = self.clock.now();
        let action = match report {
            Some(text) if policy::may_write_applications(principal) => {
                if milestone.accepted_at.is_some() {
                    return Err(Error::NotYet(Text::new(
                        "该里程碑已验收",
                        "this milestone is already accepted",
                    )));
                }
                if text.trim().is_empty() || text.chars().count() > 8000 {
                    return Err(Error::invalid(
                        "report",
                        Text::new(
                            "报告必填，最长 8000 字",
                            "required, at most 8000 characters",
                        ),
                    ));
                }
                sqlx::query("UPDATE st_milestones SET report = $1, reported_at = $2 WHERE id = $3")
                    .bind(text.trim())
                    .bind(now.as_millis())
                    .bind(milestone_id)
                    .execute(&mut *transaction)
                    .await?;
                "st_application.milestone_reported"
            }
            None if policy::may_manage_programmes(principal) => {
                if milestone.reported_at.is_none() {
                    return Err(Error::NotYet(Text::new(
                        "企业尚未提交报告",
                        "the enterprise has not reported yet",
                    )));
                }
                if milestone.accepted_at.is_some() {
                    return Err(Error::NotYet(Text::new(
                        "该里程碑已验收",
                        "this milestone is already accepted",
                    )));
                }
                sqlx::query(
                    "UPDATE st_milestones SET accepted_at = $1, accepted_by = $2 WHERE id = $3",
                )
                .bind(now.as_millis())
                .bind(&principal.username)
                .bind(milestone_id)
                .execute(&mut *transaction)
                .await?;
                "st_application.milestone_accepted"
            }
            _ => {
                return Err(Error::Forbidden(
                    "the enterprise reports on milestones and the city accepts them",
                ));
            }
        };
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(action, "st_application", number)
                .subject(application.enterprise_id)
                .note(milestone.title),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Awarded projects and amounts by call and topic (the seed's "38 projects, 143 M yuan;
    /// 13 AI projects, 44 M").
    pub async fn major_summary(
        &self,
        principal: &Principal,
        year: Option<i64>,
    ) -> Result<Vec<(String, String, i64, i64)>> {
        let mut select = SqlBuilder::new(
            "SELECT c.code, a.topic, COUNT(*), CAST(COALESCE(SUM(a.awarded_fen), 0) AS BIGINT) FROM st_applications a \
             JOIN st_calls c ON c.id = a.call_id JOIN enterprises e ON e.id = a.enterprise_id WHERE a.status = 'awarded'",
        );
        restrict_to_scope(&policy::major_application_scope(principal), &mut select);
        if let Some(year) = year {
            select.push(" AND c.year = ").push_bind(year);
        }
        select.push(" GROUP BY c.code, a.topic ORDER BY c.code, a.topic");
        Ok(select.query_as().fetch_all(self.db.pool()).await?)
    }
}
