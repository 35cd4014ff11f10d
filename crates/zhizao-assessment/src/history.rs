//! Assessments recorded as they were submitted elsewhere or earlier (the demo data, an
//! assessment service's past results): complete answers in, scored by the same method, stored
//! submitted. Runs inside the caller's transaction; no scope check (the caller is the system).

use std::collections::BTreeMap;

use sqlx::AnyConnection;
use zhizao_core::{Text, Timestamp};
use zhizao_db::allocate_ids;
use zhizao_identity::Actor;
use zhizao_identity::audit::{self, AuditEntry, Changes};

use crate::model::{Answer, IndustryKind, Model};
use crate::{Error, Result, scoring};

/// Records a submitted assessment of `enterprise_id` under `model` with `answers` (every
/// requirement assessed for `kind`, none other), started and submitted at `at`; returns its id.
pub async fn record_submitted(
    connection: &mut AnyConnection,
    actor: &Actor,
    enterprise_id: i64,
    model: &Model,
    kind: IndustryKind,
    answers: &BTreeMap<String, Answer>,
    at: Timestamp,
) -> Result<i64> {
    let stray: Vec<&String> = answers
        .keys()
        .filter(|code| {
            model
                .requirement(code)
                .is_none_or(|r| !model.applies(r, kind))
        })
        .collect();
    let card = scoring::score(model, kind, answers);
    if !stray.is_empty() || card.unanswered > 0 {
        return Err(Error::Transition(Text::owned(
            format!(
                "记录的自评估须完整回答 {} 的全部适用要求（缺 {} 项，多 {} 项）",
                model.key(),
                card.unanswered,
                stray.len()
            ),
            format!(
                "a recorded assessment answers every requirement of {} that applies ({} missing, {} not in it)",
                model.key(),
                card.unanswered,
                stray.len()
            ),
        )));
    }
    let scorecard =
        serde_json::to_string(&card).map_err(|e| Error::Corrupt(format!("scorecard: {e}")))?;
    let id = allocate_ids(connection, "maturity_assessments", 1).await?;
    let by = &actor.username;
    sqlx::query(
        "INSERT INTO maturity_assessments (id, enterprise_id, model, industry_kind, status, level, score, scorecard, \
         created_at, created_by, submitted_at, submitted_by, updated_at) \
         VALUES ($1, $2, $3, $4, 'submitted', $5, $6, $7, $8, $9, $8, $9, $8)",
    )
    .bind(id)
    .bind(enterprise_id)
    .bind(model.key())
    .bind(kind.as_str())
    .bind(i64::from(card.level))
    .bind(i64::from(card.score))
    .bind(scorecard)
    .bind(at.as_millis())
    .bind(by)
    .execute(&mut *connection)
    .await?;
    for (requirement, answer) in answers {
        sqlx::query(
            "INSERT INTO maturity_answers (assessment_id, requirement, answer, answered_at, answered_by) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(requirement)
        .bind(answer.as_str())
        .bind(at.as_millis())
        .bind(by)
        .execute(&mut *connection)
        .await?;
    }
    let mut changes = Changes::new();
    changes
        .created("model", model.key())
        .created("level", card.level)
        .created("score", card.score);
    audit::record(
        connection,
        actor,
        at,
        AuditEntry::new(
            "maturity_assessment.recorded",
            "maturity_assessment",
            id.to_string(),
        )
        .subject(enterprise_id)
        .changes(changes),
    )
    .await?;
    Ok(id)
}
