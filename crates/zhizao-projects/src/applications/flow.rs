//! The review flow's steps: the table decides what the caller may take, then the step's own
//! conditions (the batch window, the notice period and open objections, a grant to pay).

use zhizao_core::{Fen, FieldError, Text, Timestamp};
use zhizao_db::SqlBuilder;
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};

use crate::model::{Application, ApplicationDetail, Batch, BatchStatus};
use crate::validate::{Window, validate_complete};
use crate::workflow::{Action, next_status};
use crate::{Error, Projects, Result};

use super::drafts::{claimed_invoices, in_window, record_of, window_text};
use super::{DAY_MS, detail, fetch_by_id, fetch_in_scope, items_of, record_event};

/// What a reviewer or applicant sends to move an application.
#[derive(Debug, Clone)]
pub struct ActionRequest {
    /// The step.
    pub action: Action,
    /// The version the caller read.
    pub version: i64,
    /// Why (required to return or reject).
    pub comment: String,
}

impl Projects {
    /// Takes one step of the review flow.
    pub async fn act(
        &self,
        principal: &Principal,
        number: &str,
        request: &ActionRequest,
    ) -> Result<ApplicationDetail> {
        let mut transaction = self.db.begin().await?;
        let current = fetch_in_scope(&mut transaction, principal, number).await?;
        // A stale version first: whoever acted on an older reading learns that someone acted
        // first, whatever they asked for.
        if current.version != request.version {
            return Err(Error::StaleVersion {
                what: "application",
                key: current.number,
                current: current.version,
            });
        }
        let to =
            next_status(current.status, request.action, principal.role).map_err(Error::Refused)?;
        let comment = request.comment.trim();
        if request.action.needs_comment() && comment.is_empty() {
            return Err(Error::invalid(
                "comment",
                Text::new(
                    "退回或不予通过时须写明理由",
                    "say why when returning or rejecting",
                ),
            ));
        }
        if comment.chars().count() > 4000 {
            return Err(Error::invalid(
                "comment",
                Text::new("意见不能超过 4000 字", "at most 4000 characters"),
            ));
        }
        let now = self.clock.now();
        let mut batch_select = SqlBuilder::new(crate::programmes::BATCH_COLUMNS);
        batch_select
            .push(" WHERE b.id = ")
            .push_bind(current.batch_id);
        let batch: Batch = batch_select.query_as().fetch_one(&mut *transaction).await?;
        let mut notice_ends_at = current.notice_ends_at;
        let mut grant: Option<(i64, Fen, Fen)> = None; // evaluation id, eligible, amount
        let mut disbursed = None;
        let mut project_key = None;
        let open_objections: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM project_objections WHERE application_id = $1 AND resolved_at IS NULL",
        )
        .bind(current.id)
        .fetch_one(&mut *transaction)
        .await?;
        if let Some(why) = not_yet(request.action, &current, &batch, open_objections, now) {
            return Err(Error::NotYet(why));
        }
        match request.action {
            Action::Submit => {
                let record = record_of(&current, &items_of(&mut transaction, current.id).await?);
                let mut problems = validate_complete(
                    &record,
                    Window {
                        programme: batch.programme,
                        from: &batch.projects_from,
                        until: &batch.projects_until,
                    },
                );
                let attached =
                    crate::attachments::attachments_of(&mut transaction, current.id).await?;
                for required in batch.required_attachment_names() {
                    if !attached.iter().any(|a| a.purpose == required) {
                        problems.push(FieldError::new(
                            "attachments",
                            Text::owned(
                                format!("缺少附件“{required}”"),
                                format!("the batch requires an attachment \"{required}\""),
                            ),
                        ));
                    }
                }
                problems.extend(
                    claimed_invoices(
                        &mut transaction,
                        current.enterprise_id,
                        batch.id,
                        current.id,
                        &record,
                    )
                    .await?,
                );
                if !problems.is_empty() {
                    return Err(Error::Invalid(problems));
                }
            }
            Action::StartNotice => {
                notice_ends_at = Some(now.plus_millis(batch.notice_days * DAY_MS));
            }
            Action::Approve if batch.rule_set_id.is_some() => {
                // Serialises approvals of the same enterprise, so two at once cannot both
                // fit under its yearly cap.
                sqlx::query("UPDATE enterprises SET version = version WHERE id = $1")
                    .bind(current.enterprise_id)
                    .execute(&mut *transaction)
                    .await?;
                let evaluation = self
                    .evaluate_in(&mut transaction, principal, &current, &batch)
                    .await?;
                grant = Some((
                    evaluation.id,
                    evaluation.eligible_investment_fen,
                    evaluation.amount_fen,
                ));
            }
            Action::Disburse => disbursed = current.granted_fen,
            Action::Withdraw => {
                // Frees the project name for a new application in the same batch.
                project_key = Some(format!(
                    "{}~withdrawn-{}",
                    crate::validate::project_key(&current.project_name),
                    current.id
                ));
            }
            _ => {}
        }
        let mut update = SqlBuilder::new("UPDATE project_applications SET status = ");
        update
            .push_bind(to.as_str())
            .push(", status_changed_at = ")
            .push_bind(now.as_millis())
            .push(", updated_at = ")
            .push_bind(now.as_millis())
            .push(", version = version + 1");
        if request.action == Action::Submit && current.submitted_at.is_none() {
            update.push(", submitted_at = ").push_bind(now.as_millis());
        }
        if let Some(ends) = notice_ends_at {
            update
                .push(", notice_ends_at = ")
                .push_bind(ends.as_millis());
        }
        if let Some((evaluation, eligible, amount)) = grant {
            update
                .push(", granted_evaluation_id = ")
                .push_bind(evaluation)
                .push(", eligible_investment_fen = ")
                .push_bind(eligible.get())
                .push(", granted_fen = ")
                .push_bind(amount.get());
        }
        if let Some(amount) = disbursed {
            update
                .push(", disbursed_fen = ")
                .push_bind(amount.get())
                .push(", disbursed_at = ")
                .push_bind(now.as_millis());
        }
        if let Some(key) = project_key {
            update.push(", project_key = ").push_bind(key);
        }
        update
            .push(" WHERE id = ")
            .push_bind(current.id)
            .push(" AND version = ")
            .push_bind(current.version);
        if update
            .query()
            .execute(&mut *transaction)
            .await?
            .rows_affected()
            == 0
        {
            return Err(Error::StaleVersion {
                what: "application",
                key: current.number,
                current: current.version + 1,
            });
        }
        record_event(
            &mut transaction,
            current.id,
            now,
            &principal.username,
            principal.role.as_str(),
            request.action.as_str(),
            current.status.as_str(),
            to.as_str(),
            comment,
        )
        .await?;
        let mut changes = Changes::new();
        changes.field("status", current.status.as_str(), to.as_str());
        if let Some((_, _, amount)) = grant {
            changes.field("granted_fen", current.granted_fen, amount);
        }
        if let Some(amount) = disbursed {
            changes.field("disbursed_fen", current.disbursed_fen, amount);
        }
        let action_name = match request.action {
            Action::Submit => "project_application.submit",
            Action::Withdraw => "project_application.withdraw",
            Action::TownApprove => "project_application.town_approve",
            Action::Return => "project_application.return",
            Action::Reject => "project_application.reject",
            Action::SendToExperts => "project_application.send_to_experts",
            Action::StartNotice => "project_application.start_notice",
            Action::Approve => "project_application.approve",
            Action::ReportCompletion => "project_application.report_completion",
            Action::Accept => "project_application.accept",
            Action::Disburse => "project_application.disburse",
        };
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(action_name, "project_application", &current.number)
                .subject(current.enterprise_id)
                .changes(changes)
                .note(comment),
        )
        .await?;
        let application = fetch_by_id(&mut transaction, current.id).await?;
        let detail = detail(&mut transaction, principal, application, now).await?;
        transaction.commit().await?;
        tracing::info!(number = %current.number, action = %request.action, from = %current.status, to = %to, "application moved");
        Ok(detail)
    }
}

/// Why `action`, which the caller's role may take from the application's status, cannot be
/// taken at `now`, if it cannot: the batch is not taking submissions, the public notice still
/// runs, an objection is open, nothing was granted. `act` refuses with this reason, and the
/// application's page shows the step disabled with it instead of offering a step that fails.
pub(super) fn not_yet(
    action: Action,
    application: &Application,
    batch: &Batch,
    open_objections: i64,
    now: Timestamp,
) -> Option<Text> {
    let granted = application.granted_fen.is_some_and(|g| g > Fen::new(0));
    match action {
        Action::Submit => {
            let today = now.to_shanghai_date_string();
            (batch.status != BatchStatus::Published || !in_window(batch, &today))
                .then(|| window_text(batch, &today))
        }
        Action::Approve => {
            if let Some(ends) = application.notice_ends_at
                && now < ends
            {
                let ends = ends.to_shanghai_string();
                return Some(Text::owned(
                    format!("公示期至 {ends} 结束，届时方可批准"),
                    format!("the public notice runs until {ends}; approve after it ends"),
                ));
            }
            (open_objections > 0).then(|| {
                Text::owned(
                    format!("还有 {open_objections} 条异议未处理"),
                    format!(
                        "{open_objections} objection(s) raised during the notice are not resolved"
                    ),
                )
            })
        }
        Action::ReportCompletion => (!granted).then(|| {
            Text::new(
                "该项目没有核定补助，立项即为办结，无需申请验收",
                "nothing was granted to this project: approval is its last step, there is no completion acceptance",
            )
        }),
        Action::Disburse => (!granted).then(|| {
            Text::new(
                "该项目没有核定补助金额，无需拨付",
                "nothing was granted to this project, so there is nothing to pay",
            )
        }),
        _ => None,
    }
}
