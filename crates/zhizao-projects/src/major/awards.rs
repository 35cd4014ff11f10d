//! Ranking by aggregated score, awards within the amount asked for and the budget, and milestones
//! whose tranches stay within the award.

use zhizao_core::{Fen, FieldError, Text};
use zhizao_db::{SqlBuilder, allocate_ids};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy;

use super::applications::application_in_scope;
use super::calls::{call_by_code, call_status_error};
use super::model::*;
use crate::rules::is_iso_date;
use crate::scoring::aggregate;
use crate::{Error, Projects, Result};

impl Projects {
    /// Aggregates the submitted scores of a call, stores each application's score and rank,
    /// and returns the ranking (city staff).
    pub async fn rank_call(&self, principal: &Principal, code: &str) -> Result<Vec<RankingRow>> {
        let call = self.call(principal, code).await?;
        if !policy::may_manage_programmes(principal) {
            return Err(Error::not_found("call", code));
        }
        if call.status != CallStatus::Reviewing {
            return Err(call_status_error(&call, CallStatus::Reviewing));
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
        awarded_fen: Option<Fen>,
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
        if !matches!(call.status, CallStatus::Reviewing | CallStatus::Decided)
            || application.status != MajorStatus::UnderReview
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
            if amount <= Fen::new(0) || amount > application.requested_fen {
                return Err(Error::invalid(
                    "awarded_fen",
                    Text::owned(
                        format!(
                            "资助金额须大于零且不超过申请金额 {} 元",
                            application.requested_fen
                        ),
                        format!(
                            "the award must be more than zero and at most the {} yuan asked for",
                            application.requested_fen
                        ),
                    ),
                ));
            }
            if others + amount.get() > call.budget_fen.get() {
                return Err(Error::invalid(
                    "awarded_fen",
                    Text::owned(
                        format!(
                            "超出专项预算：已安排 {} 元，预算 {} 元",
                            Fen::new(others),
                            call.budget_fen
                        ),
                        format!(
                            "beyond the call's budget: {} yuan already awarded of {} yuan",
                            Fen::new(others),
                            call.budget_fen
                        ),
                    ),
                ));
            }
        }
        let status = if awarded_fen.is_some() {
            MajorStatus::Awarded
        } else {
            MajorStatus::NotAwarded
        };
        let now = self.clock.now();
        let updated = sqlx::query("UPDATE st_applications SET status = $1, awarded_fen = $2, decided_at = $3, decided_by = $4, updated_at = $3, version = version + 1 WHERE id = $5 AND version = $6")
            .bind(status.as_str())
            .bind(awarded_fen.map(Fen::get))
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
        changes.field("status", application.status, status).field(
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
        amount_fen: Fen,
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
        if !(Fen::new(0)..=awarded).contains(&amount_fen)
            || planned
                .checked_add(amount_fen.get())
                .is_none_or(|total| total > awarded.get())
        {
            errors.push(FieldError::new("amount_fen", Text::owned(
                format!("各期拨款合计不能超过资助金额 {} 元（已安排 {} 元）", awarded, Fen::new(planned)),
                format!("the tranches may not exceed the award of {} yuan ({} yuan already planned)", awarded, Fen::new(planned)),
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
            .bind(amount_fen.get())
            .execute(&mut *transaction)
            .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            self.clock.now(),
            AuditEntry::new("st_application.milestone_added", "st_application", number)
                .subject(application.enterprise_id)
                .note(format!("{title} by {due_on}: {} fen", amount_fen.get())),
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
}
