//! Evaluations: an application's subsidy computed under its batch's rule set version and recorded
//! with its explanation.

use sqlx::AnyConnection;
use zhizao_core::{Fen, Text, Timestamp};
use zhizao_db::{SqlBuilder, allocate_ids};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry};
use zhizao_identity::policy::{self};

use crate::model::{Application, Batch, EvaluationRecord};
use crate::programmes::rule_set_by_id;
use crate::rules::{ExplanationLine, RuleItem, evaluate};
use crate::{Error, Projects, Result};

use super::{fetch_in_scope, items_of};

#[derive(sqlx::FromRow)]
pub(super) struct EvaluationRow {
    id: i64,
    rule_set_code: String,
    rule_set_version: i64,
    rule_set_name: String,
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    evaluated_at: Timestamp,
    evaluated_by: String,
    #[sqlx(try_from = "zhizao_db::FenColumn")]
    eligible_investment_fen: Fen,
    #[sqlx(try_from = "zhizao_db::FenColumn")]
    amount_fen: Fen,
    explanation: String,
}

impl From<EvaluationRow> for EvaluationRecord {
    fn from(row: EvaluationRow) -> Self {
        EvaluationRecord {
            id: row.id,
            rule_set_code: row.rule_set_code,
            rule_set_version: row.rule_set_version,
            rule_set_name: row.rule_set_name,
            evaluated_at: row.evaluated_at,
            evaluated_by: row.evaluated_by,
            eligible_investment_fen: row.eligible_investment_fen,
            amount_fen: row.amount_fen,
            lines: serde_json::from_str::<Vec<ExplanationLine>>(&row.explanation)
                .unwrap_or_default(),
        }
    }
}

pub(super) const EVALUATION_COLUMNS: &str = "SELECT v.id, r.code AS rule_set_code, r.version AS rule_set_version, r.name AS rule_set_name, v.evaluated_at, v.evaluated_by, \
     v.eligible_investment_fen, v.amount_fen, v.explanation FROM subsidy_evaluations v JOIN subsidy_rule_sets r ON r.id = v.rule_set_id";

impl Projects {
    /// Evaluates an application against its batch's rule set version and records the result
    /// (reviewers who can see it; the applicant sees the recorded results).
    pub async fn evaluate(&self, principal: &Principal, number: &str) -> Result<EvaluationRecord> {
        let mut transaction = self.db.begin().await?;
        let current = fetch_in_scope(&mut transaction, principal, number).await?;
        if !policy::may_evaluate_applications(principal) {
            return Err(Error::Forbidden(
                "amounts are computed by the reviewers; the applicant sees them on the application",
            ));
        }
        let mut batch_select = SqlBuilder::new(crate::programmes::BATCH_COLUMNS);
        batch_select
            .push(" WHERE b.id = ")
            .push_bind(current.batch_id);
        let batch: Batch = batch_select.query_as().fetch_one(&mut *transaction).await?;
        let record = self
            .evaluate_in(&mut transaction, principal, &current, &batch)
            .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            self.clock.now(),
            AuditEntry::new(
                "project_application.evaluated",
                "project_application",
                &current.number,
            )
            .subject(current.enterprise_id)
            .note(format!(
                "{}@{}: {} fen",
                record.rule_set_code,
                record.rule_set_version,
                record.amount_fen.get()
            )),
        )
        .await?;
        transaction.commit().await?;
        Ok(record)
    }

    pub(super) async fn evaluate_in(
        &self,
        connection: &mut AnyConnection,
        principal: &Principal,
        application: &Application,
        batch: &Batch,
    ) -> Result<EvaluationRecord> {
        let Some(rule_set_id) = batch.rule_set_id else {
            return Err(Error::NotYet(Text::new(
                "该批次属于项目入库，不计算补助金额",
                "this batch enters projects into the library and grants no money",
            )));
        };
        let rule_set = rule_set_by_id(connection, rule_set_id).await?;
        let items = items_of(connection, application.id).await?;
        let rule_items: Vec<RuleItem> = items
            .iter()
            .map(|i| RuleItem {
                position: i.position as usize,
                name: i.name.clone(),
                category: i.category,
                amount_fen: i.amount_fen,
                related_party: i.related_party,
                invoice_date: i.invoice_date.clone(),
            })
            .collect();
        let granted_this_year: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(a.granted_fen), 0) AS BIGINT) FROM project_applications a JOIN project_batches b ON b.id = a.batch_id \
             JOIN subsidy_rule_sets r ON r.id = b.rule_set_id \
             WHERE a.enterprise_id = $1 AND b.year = $2 AND r.code = $3 AND a.id <> $4 \
             AND a.status IN ('approved', 'acceptance_review', 'accepted', 'disbursed')",
        )
        .bind(application.enterprise_id)
        .bind(batch.year)
        .bind(&rule_set.code)
        .bind(application.id)
        .fetch_one(&mut *connection)
        .await?;
        let evaluation = evaluate(
            &rule_set.parameters,
            &rule_items,
            Fen::new(granted_this_year),
        );
        let id = allocate_ids(connection, "subsidy_evaluations", 1).await?;
        let now = self.clock.now();
        sqlx::query(
            "INSERT INTO subsidy_evaluations (id, application_id, rule_set_id, evaluated_at, evaluated_by, eligible_investment_fen, amount_fen, explanation) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(application.id)
        .bind(rule_set.id)
        .bind(now.as_millis())
        .bind(&principal.username)
        .bind(evaluation.eligible_investment_fen.get())
        .bind(evaluation.amount_fen.get())
        .bind(serde_json::to_string(&evaluation.lines).unwrap_or_default())
        .execute(&mut *connection)
        .await?;
        Ok(EvaluationRecord {
            id,
            rule_set_code: rule_set.code,
            rule_set_version: rule_set.version,
            rule_set_name: rule_set.name,
            evaluated_at: now,
            evaluated_by: principal.username.clone(),
            eligible_investment_fen: evaluation.eligible_investment_fen,
            amount_fen: evaluation.amount_fen,
            lines: evaluation.lines,
        })
    }
}
