//! Blind review: an expert sees the projects assigned to them, never the applicant or the other
//! experts' scores, and scores them.

use std::collections::BTreeMap;

use zhizao_core::{Fen, Text};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry};
use zhizao_identity::policy;

use super::applications::proposal_of;
use super::attachments::{attachments_of, blind_name};
use super::experts::expert_candidates;
use super::model::*;
use crate::scoring::{conflict, weighted_total};
use crate::{Error, Projects, Result};

#[derive(sqlx::FromRow)]
pub(super) struct BlindRow {
    id: i64,
    application_id: i64,
    enterprise_name: String,
    review_due_on: Option<String>,
    #[sqlx(try_from = "zhizao_db::Flag")]
    blind_review: bool,
    call_title: String,
    topic: String,
    title: String,
    summary: String,
    #[sqlx(try_from = "zhizao_db::FenColumn")]
    requested_fen: Fen,
    criteria: String,
    scores: Option<String>,
    total_milli: Option<i64>,
    comment: String,
}

impl Projects {
    /// The caller's assignments (experts): blind to the applicant and to other experts.
    pub async fn my_reviews(&self, principal: &Principal) -> Result<Vec<BlindReview>> {
        if !policy::reviews_as_expert(principal) {
            return Ok(Vec::new());
        }
        let rows: Vec<BlindRow> = sqlx::query_as(
            "SELECT s.id, a.id AS application_id, e.name AS enterprise_name, c.review_due_on, c.blind_review, \
             c.title AS call_title, a.topic, a.title, a.summary, a.requested_fen, c.criteria, s.scores, s.total_milli, s.comment \
             FROM st_assignments s JOIN st_applications a ON a.id = s.application_id JOIN st_calls c ON c.id = a.call_id \
             JOIN enterprises e ON e.id = a.enterprise_id \
             WHERE s.expert_user_id = $1 ORDER BY s.submitted_at IS NOT NULL, c.review_due_on, s.id",
        )
        .bind(principal.user_id)
        .fetch_all(self.db.pool())
        .await?;
        let mut connection = self.db.pool().acquire().await?;
        let mut reviews = Vec::with_capacity(rows.len());
        for row in rows {
            let proposal = proposal_of(&mut connection, row.application_id).await?;
            let mut attachments = attachments_of(&mut connection, row.application_id).await?;
            if row.blind_review {
                for attachment in &mut attachments {
                    attachment.file_name = blind_name(attachment);
                    attachment.uploaded_by = String::new();
                }
            }
            reviews.push(BlindReview {
                id: row.id,
                call_title: row.call_title,
                topic: row.topic,
                title: row.title,
                summary: row.summary,
                requested_fen: row.requested_fen,
                proposal,
                attachments,
                applicant: (!row.blind_review).then_some(row.enterprise_name),
                review_due_on: row.review_due_on,
                criteria: serde_json::from_str(&row.criteria).unwrap_or_default(),
                scores: row.scores.and_then(|s| serde_json::from_str(&s).ok()),
                total_milli: row.total_milli,
                comment: row.comment,
            });
        }
        Ok(reviews)
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
        if call_status != CallStatus::Reviewing.as_str() {
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
}
