//! Applications to calls: an enterprise applies while a call is open; the city and the applicant
//! read them, and the summary of awards by call and topic.

use sqlx::AnyConnection;
use zhizao_core::{Fen, FieldError, Text};
use zhizao_db::{SqlBuilder, allocate_ids, unique_violation};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry};
use zhizao_identity::policy;
use zhizao_registry::restrict_to_scope;

use super::model::*;
use crate::validate::project_key;
use crate::{Error, Projects, Result};

pub(super) async fn application_in_scope(
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

/// The most lines a budget or a plan may have.
pub const MAX_PROPOSAL_LINES: usize = 30;

/// The problems of a proposal's objectives, approach, indicators, budget and plan, each named by
/// its field (`budget[2].amount_fen`); `requested` is what the applicant asks for, which its
/// budget must cover.
pub(super) fn proposal_problems(proposal: &Proposal, requested: Fen) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (field, text) in [
        ("objectives", &proposal.objectives),
        ("approach", &proposal.approach),
        ("indicators", &proposal.indicators),
    ] {
        if text.chars().count() > 8000 {
            errors.push(FieldError::new(
                field,
                Text::new("最长 8000 字", "at most 8000 characters"),
            ));
        }
    }
    if proposal.budget.len() > MAX_PROPOSAL_LINES {
        errors.push(FieldError::new(
            "budget",
            Text::owned(
                format!("预算最多 {MAX_PROPOSAL_LINES} 行"),
                format!("at most {MAX_PROPOSAL_LINES} budget lines"),
            ),
        ));
    }
    for (index, line) in proposal.budget.iter().enumerate() {
        if line.item.trim().is_empty() || line.item.chars().count() > 100 {
            errors.push(FieldError::new(
                format!("budget[{index}].item"),
                Text::new("必填，最长 100 字", "required, at most 100 characters"),
            ));
        }
        if !(Fen::new(0)..=Fen::MAX).contains(&line.amount_fen) {
            errors.push(FieldError::new(
                format!("budget[{index}].amount_fen"),
                Text::new(
                    "金额须在 0 至 1 万亿元之间",
                    "between 0 and 1 trillion yuan",
                ),
            ));
        }
    }
    let total: i128 = proposal
        .budget
        .iter()
        .map(|l| i128::from(l.amount_fen.get()))
        .sum();
    if !proposal.budget.is_empty() && total < i128::from(requested.get()) {
        errors.push(FieldError::new(
            "budget",
            Text::owned(
                format!(
                    "预算合计 {} 元少于申请金额 {requested} 元",
                    Fen::new(total.min(i128::from(i64::MAX)) as i64)
                ),
                format!(
                    "the budget adds up to {} yuan, less than the {requested} yuan asked for",
                    Fen::new(total.min(i128::from(i64::MAX)) as i64)
                ),
            ),
        ));
    }
    if proposal.plan.len() > MAX_PROPOSAL_LINES {
        errors.push(FieldError::new(
            "plan",
            Text::owned(
                format!("里程碑最多 {MAX_PROPOSAL_LINES} 个"),
                format!("at most {MAX_PROPOSAL_LINES} milestones"),
            ),
        ));
    }
    let mut previous: Option<&str> = None;
    for (index, milestone) in proposal.plan.iter().enumerate() {
        if milestone.title.trim().is_empty() || milestone.title.chars().count() > 200 {
            errors.push(FieldError::new(
                format!("plan[{index}].title"),
                Text::new("必填，最长 200 字", "required, at most 200 characters"),
            ));
        }
        if !crate::rules::is_iso_date(&milestone.due_on) {
            errors.push(FieldError::new(
                format!("plan[{index}].due_on"),
                Text::owned(
                    format!("“{}”不是有效日期，应为 YYYY-MM-DD", milestone.due_on),
                    format!("{:?} is not a date; write YYYY-MM-DD", milestone.due_on),
                ),
            ));
        } else if previous.is_some_and(|p| milestone.due_on.as_str() < p) {
            errors.push(FieldError::new(
                format!("plan[{index}].due_on"),
                Text::new(
                    "里程碑须按时间先后排列",
                    "milestones go in the order they are due",
                ),
            ));
        } else {
            previous = Some(&milestone.due_on);
        }
    }
    errors
}

#[derive(sqlx::FromRow)]
struct ProposalRow {
    objectives: String,
    approach: String,
    indicators: String,
    budget: String,
    plan: String,
}

/// What application `id` proposes.
pub(super) async fn proposal_of(connection: &mut AnyConnection, id: i64) -> Result<Proposal> {
    let row: ProposalRow = sqlx::query_as(
        "SELECT objectives, approach, indicators, budget, plan FROM st_applications WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *connection)
    .await?;
    Ok(Proposal {
        objectives: row.objectives,
        approach: row.approach,
        indicators: row.indicators,
        budget: serde_json::from_str(&row.budget).unwrap_or_default(),
        plan: serde_json::from_str(&row.plan).unwrap_or_default(),
    })
}

impl Projects {
    /// Applies to an open call (the enterprise's own users).
    pub async fn apply_to_call(
        &self,
        principal: &Principal,
        input: &ProposalInput,
    ) -> Result<MajorApplication> {
        let (call_code, topic, title, summary, requested_fen) = (
            input.call.as_str(),
            input.topic.as_str(),
            input.title.as_str(),
            input.summary.as_str(),
            input.requested_fen,
        );
        if !policy::may_write_applications(principal) {
            return Err(Error::Forbidden(
                "applications are written by the enterprise's own users",
            ));
        }
        let call = self.call(principal, call_code).await?;
        let today = self.clock.now().to_shanghai_date_string();
        if call.status != CallStatus::Open || today < call.opens_on || today > call.closes_on {
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
        if !(Fen::new(1)..=call.budget_fen).contains(&requested_fen) {
            errors.push(FieldError::new(
                "requested_fen",
                Text::owned(
                    format!("申请金额须大于零且不超过专项预算 {} 元", call.budget_fen),
                    format!(
                        "must be more than zero and at most the call's budget of {} yuan",
                        call.budget_fen
                    ),
                ),
            ));
        }
        errors.extend(proposal_problems(&input.proposal, requested_fen));
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let proposal = &input.proposal;
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
            "INSERT INTO st_applications (id, number, call_id, enterprise_id, topic, title, title_key, summary, requested_fen, status, created_at, updated_at, version, \
             objectives, approach, indicators, budget, plan) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'submitted', $10, $10, 1, $11, $12, $13, $14, $15)",
        )
        .bind(id)
        .bind(&number)
        .bind(call.id)
        .bind(principal.organization_id)
        .bind(topic.trim())
        .bind(title.trim())
        .bind(project_key(title))
        .bind(summary.trim())
        .bind(requested_fen.get())
        .bind(now)
        .bind(proposal.objectives.trim())
        .bind(proposal.approach.trim())
        .bind(proposal.indicators.trim())
        .bind(serde_json::to_string(&proposal.budget).unwrap_or_else(|_| "[]".into()))
        .bind(serde_json::to_string(&proposal.plan).unwrap_or_else(|_| "[]".into()))
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
        let proposal = proposal_of(&mut connection, application.id).await?;
        let attachments =
            super::attachments::attachments_of(&mut connection, application.id).await?;
        Ok(MajorApplicationDetail {
            application,
            proposal,
            attachments,
            reviews,
            milestones,
        })
    }

    /// Awarded projects and amounts by call and topic (the seed's "38 projects, 143 M yuan;
    /// 13 AI projects, 44 M").
    pub async fn major_summary(
        &self,
        principal: &Principal,
        year: Option<i64>,
    ) -> Result<Vec<AwardSummary>> {
        let mut select = SqlBuilder::new(
            "SELECT c.code AS call_code, a.topic, COUNT(*) AS projects, CAST(COALESCE(SUM(a.awarded_fen), 0) AS BIGINT) AS awarded_fen FROM st_applications a \
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
