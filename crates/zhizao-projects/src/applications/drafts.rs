//! Drafts: starting one in an open batch, replacing its content with the version the caller read,
//! its line items and the invoices other applications already claim.

use sqlx::AnyConnection;
use zhizao_core::{Fen, FieldError, Text};
use zhizao_db::{Flag, SqlBuilder, allocate_ids, unique_violation};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy::{self};

use crate::model::{
    Application, ApplicationDetail, ApplicationInput, Batch, BatchStatus, InvestmentItem,
};
use crate::programmes::batch_by_code;
use crate::validate::{ApplicationRecord, validate_draft};
use crate::workflow::Status;
use crate::{Error, Projects, Result};

use super::{detail, fetch_by_id, fetch_in_scope, items_of, record_event};

/// Invoice numbers of `record` that another live application in the batch already claims.
pub(super) async fn claimed_invoices(
    connection: &mut AnyConnection,
    enterprise_id: i64,
    batch_id: i64,
    application_id: i64,
    record: &ApplicationRecord,
) -> Result<Vec<FieldError>> {
    let numbers: Vec<&str> = record
        .items
        .iter()
        .map(|i| i.invoice_number.as_str())
        .filter(|n| !n.is_empty())
        .collect();
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    // Another enterprise's draft is its own business until submitted (and cannot be probed);
    // the check runs again at submission.
    let mut select = SqlBuilder::new(
        "SELECT DISTINCT i.invoice_number FROM project_investment_items i JOIN project_applications a ON a.id = i.application_id \
         WHERE a.status NOT IN ('withdrawn', 'rejected') AND (a.status <> 'draft' OR a.enterprise_id = ",
    );
    select
        .push_bind(enterprise_id)
        .push(") AND i.batch_id = ")
        .push_bind(batch_id)
        .push(" AND i.application_id <> ")
        .push_bind(application_id)
        .push(" AND i.invoice_number IN (");
    for (index, number) in numbers.iter().enumerate() {
        if index > 0 {
            select.push(", ");
        }
        select.push_bind(*number);
    }
    select.push(")");
    let claimed: Vec<String> = select.query_scalar().fetch_all(&mut *connection).await?;
    // The other application may be another enterprise's: say only that the invoice is taken.
    Ok(record
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| claimed.contains(&item.invoice_number))
        .map(|(index, item)| {
            FieldError::new(
                format!("items[{index}].invoice_number"),
                Text::owned(
                    format!("发票号 {} 已在本批次的其他申报中使用", item.invoice_number),
                    format!(
                        "invoice {} is already claimed by another application in this batch",
                        item.invoice_number
                    ),
                ),
            )
        })
        .collect())
}

pub(super) async fn write_items(
    connection: &mut AnyConnection,
    application_id: i64,
    batch_id: i64,
    record: &ApplicationRecord,
) -> Result<()> {
    sqlx::query("DELETE FROM project_investment_items WHERE application_id = $1")
        .bind(application_id)
        .execute(&mut *connection)
        .await?;
    if record.items.is_empty() {
        return Ok(());
    }
    let first = allocate_ids(
        connection,
        "project_investment_items",
        record.items.len() as i64,
    )
    .await?;
    for (index, item) in record.items.iter().enumerate() {
        sqlx::query(
            "INSERT INTO project_investment_items (id, application_id, batch_id, position, category, name, model, quantity, \
             unit_price_fen, amount_fen, supplier, related_party, invoice_number, invoice_date) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(first + index as i64)
        .bind(application_id)
        .bind(batch_id)
        .bind(index as i64 + 1)
        .bind(item.category.as_str())
        .bind(&item.name)
        .bind(&item.model)
        .bind(item.quantity)
        .bind(item.unit_price_fen.get())
        .bind(item.amount_fen.get())
        .bind(&item.supplier)
        .bind(Flag(item.related_party))
        .bind(&item.invoice_number)
        .bind(item.invoice_date.clone())
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

pub(super) fn record_of(application: &Application, items: &[InvestmentItem]) -> ApplicationRecord {
    ApplicationRecord {
        project_name: application.project_name.clone(),
        project_key: crate::validate::project_key(&application.project_name),
        upgrade_type: application.upgrade_type,
        starts_on: application.starts_on.clone(),
        ends_on: application.ends_on.clone(),
        description: application.description.clone(),
        expected_output_value_fen: application.expected_output_value_fen,
        expected_efficiency_gain_percent: application.expected_efficiency_gain_percent,
        expected_energy_saving_tce: application.expected_energy_saving_tce,
        total_investment_fen: application.total_investment_fen,
        items: items
            .iter()
            .map(|i| crate::validate::ItemRecord {
                category: i.category,
                name: i.name.clone(),
                model: i.model.clone(),
                quantity: i.quantity,
                unit_price_fen: i.unit_price_fen,
                amount_fen: i.amount_fen,
                supplier: i.supplier.clone(),
                related_party: i.related_party,
                invoice_number: i.invoice_number.clone(),
                invoice_date: i.invoice_date.clone(),
            })
            .collect(),
    }
}

pub(super) fn content_changes(
    before: Option<&ApplicationRecord>,
    after: &ApplicationRecord,
) -> Changes {
    let mut changes = Changes::new();
    let get = |f: fn(&ApplicationRecord) -> serde_json::Value| {
        before.map(f).unwrap_or(serde_json::Value::Null)
    };
    changes
        .field(
            "project_name",
            get(|r| r.project_name.clone().into()),
            &after.project_name,
        )
        .field(
            "upgrade_type",
            get(|r| r.upgrade_type.as_str().into()),
            after.upgrade_type.as_str(),
        )
        .field(
            "starts_on",
            get(|r| r.starts_on.clone().into()),
            &after.starts_on,
        )
        .field("ends_on", get(|r| r.ends_on.clone().into()), &after.ends_on)
        .field(
            "total_investment_fen",
            get(|r| r.total_investment_fen.get().into()),
            after.total_investment_fen.get(),
        )
        .field(
            "items",
            get(|r| (r.items.len() as i64).into()),
            after.items.len() as i64,
        )
        .field(
            "expected_output_value_fen",
            get(|r| r.expected_output_value_fen.map(Fen::get).into()),
            after.expected_output_value_fen.map(Fen::get),
        )
        .field(
            "expected_efficiency_gain_percent",
            get(|r| r.expected_efficiency_gain_percent.into()),
            after.expected_efficiency_gain_percent,
        )
        .field(
            "expected_energy_saving_tce",
            get(|r| r.expected_energy_saving_tce.into()),
            after.expected_energy_saving_tce,
        );
    changes
}

/// Whether `today` (`YYYY-MM-DD`) is inside the batch's window.
pub(super) fn in_window(batch: &Batch, today: &str) -> bool {
    batch.opens_on.as_str() <= today && today <= batch.closes_on.as_str()
}

pub(super) fn window_error(batch: &Batch, today: &str) -> Error {
    Error::NotYet(window_text(batch, today))
}

/// Why the batch does not take an application today.
pub(super) fn window_text(batch: &Batch, today: &str) -> Text {
    Text::owned(
        format!(
            "批次 {} 的申报时间为 {} 至 {}，今天（{today}）不在申报期内",
            batch.code, batch.opens_on, batch.closes_on
        ),
        format!(
            "batch {} accepts applications from {} to {}; today ({today}) is outside that window",
            batch.code, batch.opens_on, batch.closes_on
        ),
    )
}

impl Projects {
    /// The problems saving `input` as a draft would meet, found without saving: a form that
    /// could not read some values itself shows these beside its own at once.
    pub fn draft_problems(&self, input: &ApplicationInput) -> Vec<FieldError> {
        validate_draft(input, &self.today())
            .err()
            .unwrap_or_default()
    }

    /// Starts a draft in a published batch whose window is open (enterprise users, for their own
    /// enterprise).
    pub async fn create_application(
        &self,
        principal: &Principal,
        input: &ApplicationInput,
    ) -> Result<ApplicationDetail> {
        if !policy::may_write_applications(principal) {
            return Err(Error::Forbidden(
                "applications are written by the enterprise's own users",
            ));
        }
        let batch_code = input.batch.as_deref().map(str::trim).unwrap_or("");
        if batch_code.is_empty() {
            return Err(Error::invalid("batch", Text::new("必填", "is required")));
        }
        let today = self.today();
        let record = validate_draft(input, &today).map_err(Error::Invalid)?;
        let mut transaction = self.db.begin().await?;
        let batch = match batch_by_code(&mut transaction, batch_code).await? {
            Some(batch) if batch.status == BatchStatus::Published => batch,
            _ => {
                return Err(Error::invalid(
                    "batch",
                    Text::owned(
                        format!("没有正在受理的批次“{batch_code}”"),
                        format!("there is no open batch {batch_code:?}"),
                    ),
                ));
            }
        };
        if !in_window(&batch, &today) {
            return Err(window_error(&batch, &today));
        }
        let claimed = claimed_invoices(
            &mut transaction,
            principal.organization_id,
            batch.id,
            0,
            &record,
        )
        .await?;
        if !claimed.is_empty() {
            return Err(Error::Invalid(claimed));
        }
        let id = allocate_ids(&mut transaction, "project_applications", 1).await?;
        let sequence: i64 = sqlx::query_scalar(
            "UPDATE project_batches SET next_sequence = next_sequence + 1 WHERE id = $1 RETURNING next_sequence - 1",
        )
        .bind(batch.id)
        .fetch_one(&mut *transaction)
        .await?;
        let number = format!("{}-{sequence:04}", batch.code);
        let now = self.clock.now();
        let inserted = sqlx::query(
            "INSERT INTO project_applications (id, number, batch_id, enterprise_id, project_name, project_key, upgrade_type, starts_on, ends_on, \
             description, expected_output_value_fen, expected_efficiency_gain_percent, expected_energy_saving_tce, total_investment_fen, \
             status, status_changed_at, created_by, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'draft', $15, $16, $15, $15, 1)",
        )
        .bind(id)
        .bind(&number)
        .bind(batch.id)
        .bind(principal.organization_id)
        .bind(&record.project_name)
        .bind(&record.project_key)
        .bind(record.upgrade_type.as_str())
        .bind(record.starts_on.clone())
        .bind(record.ends_on.clone())
        .bind(&record.description)
        .bind(record.expected_output_value_fen.map(Fen::get))
        .bind(record.expected_efficiency_gain_percent)
        .bind(record.expected_energy_saving_tce)
        .bind(record.total_investment_fen.get())
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await;
        if let Err(error) = inserted {
            if unique_violation(&error).as_deref()
                == Some("project_applications_batch_id_enterprise_id_project_key_key")
            {
                drop(transaction);
                return Err(self
                    .duplicate_project(batch.id, principal.organization_id, &record)
                    .await);
            }
            return Err(error.into());
        }
        write_items(&mut transaction, id, batch.id, &record).await?;
        record_event(
            &mut transaction,
            id,
            now,
            &principal.username,
            principal.role.as_str(),
            "created",
            "",
            Status::Draft.as_str(),
            "",
        )
        .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "project_application.created",
                "project_application",
                &number,
            )
            .subject(principal.organization_id)
            .changes(content_changes(None, &record)),
        )
        .await?;
        let application = fetch_by_id(&mut transaction, id).await?;
        let detail = detail(&mut transaction, principal, application, self.clock.now()).await?;
        transaction.commit().await?;
        Ok(detail)
    }

    pub(super) async fn duplicate_project(
        &self,
        batch_id: i64,
        enterprise_id: i64,
        record: &ApplicationRecord,
    ) -> Error {
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT number FROM project_applications WHERE batch_id = $1 AND enterprise_id = $2 AND project_key = $3",
        )
        .bind(batch_id)
        .bind(enterprise_id)
        .bind(&record.project_key)
        .fetch_optional(self.db.pool())
        .await
        .ok()
        .flatten();
        Error::DuplicateProject {
            project_name: record.project_name.clone(),
            existing: existing.unwrap_or_default(),
        }
    }

    /// Replaces the content of a draft or returned application (its enterprise's users only).
    pub async fn update_application(
        &self,
        principal: &Principal,
        number: &str,
        input: &ApplicationInput,
        expected_version: i64,
    ) -> Result<ApplicationDetail> {
        let mut transaction = self.db.begin().await?;
        let current = fetch_in_scope(&mut transaction, principal, number).await?;
        if !policy::may_write_applications(principal) {
            return Err(Error::Forbidden(
                "only the applicant changes an application; reviewers return it with comments",
            ));
        }
        if current.version != expected_version {
            return Err(Error::StaleVersion {
                what: "application",
                key: current.number,
                current: current.version,
            });
        }
        if !current.status.editable() {
            return Err(Error::NotYet(Text::owned(
                format!(
                    "申报处于“{}”状态，不能修改；退回后方可修改",
                    current.status.label().zh
                ),
                format!(
                    "the application is {} and cannot be changed; it can be changed after it is returned",
                    current.status
                ),
            )));
        }
        if let Some(batch) = input.batch.as_deref().map(str::trim)
            && !batch.is_empty()
            && batch != current.batch_code
        {
            return Err(Error::invalid(
                "batch",
                Text::new(
                    "申报所属批次不能更改",
                    "an application cannot move to another batch",
                ),
            ));
        }
        let record = validate_draft(input, &self.today()).map_err(Error::Invalid)?;
        let claimed = claimed_invoices(
            &mut transaction,
            current.enterprise_id,
            current.batch_id,
            current.id,
            &record,
        )
        .await?;
        if !claimed.is_empty() {
            return Err(Error::Invalid(claimed));
        }
        let before = record_of(&current, &items_of(&mut transaction, current.id).await?);
        let now = self.clock.now();
        let updated = sqlx::query(
            "UPDATE project_applications SET project_name = $1, project_key = $2, upgrade_type = $3, starts_on = $4, ends_on = $5, \
             description = $6, expected_output_value_fen = $7, expected_efficiency_gain_percent = $8, expected_energy_saving_tce = $9, \
             total_investment_fen = $10, updated_at = $11, version = version + 1 WHERE id = $12 AND version = $13",
        )
        .bind(&record.project_name)
        .bind(&record.project_key)
        .bind(record.upgrade_type.as_str())
        .bind(record.starts_on.clone())
        .bind(record.ends_on.clone())
        .bind(&record.description)
        .bind(record.expected_output_value_fen.map(Fen::get))
        .bind(record.expected_efficiency_gain_percent)
        .bind(record.expected_energy_saving_tce)
        .bind(record.total_investment_fen.get())
        .bind(now.as_millis())
        .bind(current.id)
        .bind(current.version)
        .execute(&mut *transaction)
        .await;
        match updated {
            Err(error)
                if unique_violation(&error).as_deref()
                    == Some("project_applications_batch_id_enterprise_id_project_key_key") =>
            {
                drop(transaction);
                return Err(self
                    .duplicate_project(current.batch_id, current.enterprise_id, &record)
                    .await);
            }
            Err(error) => return Err(error.into()),
            Ok(done) if done.rows_affected() == 0 => {
                return Err(Error::StaleVersion {
                    what: "application",
                    key: current.number,
                    current: current.version + 1,
                });
            }
            Ok(_) => {}
        }
        write_items(&mut transaction, current.id, current.batch_id, &record).await?;
        record_event(
            &mut transaction,
            current.id,
            now,
            &principal.username,
            principal.role.as_str(),
            "updated",
            current.status.as_str(),
            current.status.as_str(),
            "",
        )
        .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "project_application.updated",
                "project_application",
                &current.number,
            )
            .subject(current.enterprise_id)
            .changes(content_changes(Some(&before), &record)),
        )
        .await?;
        let application = fetch_by_id(&mut transaction, current.id).await?;
        let detail = detail(&mut transaction, principal, application, self.clock.now()).await?;
        transaction.commit().await?;
        Ok(detail)
    }
}

impl Projects {
    /// Deletes a draft that was never submitted (its enterprise's users), with its items and
    /// files; the audit log keeps that it existed. A submitted application is withdrawn instead,
    /// so its trail stays.
    pub async fn delete_draft(
        &self,
        principal: &Principal,
        number: &str,
        expected_version: i64,
    ) -> Result<()> {
        let mut transaction = self.db.begin().await?;
        let current = fetch_in_scope(&mut transaction, principal, number).await?;
        if !policy::may_write_applications(principal) {
            return Err(Error::Forbidden("drafts are deleted by the applicant"));
        }
        if current.status != Status::Draft || current.submitted_at.is_some() {
            return Err(Error::NotYet(Text::new(
                "只有从未提交的草稿可以删除；已提交的申报可以撤回",
                "only a draft that was never submitted can be deleted; withdraw a submitted application",
            )));
        }
        if current.version != expected_version {
            return Err(Error::StaleVersion {
                what: "application",
                key: current.number,
                current: current.version,
            });
        }
        let attachments = crate::attachments::attachments_of(&mut transaction, current.id).await?;
        for delete in [
            "DELETE FROM project_attachments WHERE application_id = $1",
            "DELETE FROM project_investment_items WHERE application_id = $1",
            "DELETE FROM project_application_events WHERE application_id = $1",
            "DELETE FROM subsidy_evaluations WHERE application_id = $1",
            "DELETE FROM project_objections WHERE application_id = $1",
        ] {
            sqlx::query(delete)
                .bind(current.id)
                .execute(&mut *transaction)
                .await?;
        }
        let deleted =
            sqlx::query("DELETE FROM project_applications WHERE id = $1 AND version = $2")
                .bind(current.id)
                .bind(current.version)
                .execute(&mut *transaction)
                .await?;
        if deleted.rows_affected() == 0 {
            return Err(Error::StaleVersion {
                what: "application",
                key: current.number,
                current: current.version + 1,
            });
        }
        let mut changes = Changes::new();
        changes
            .field(
                "project_name",
                Some(current.project_name.as_str()),
                None::<&str>,
            )
            .field("status", Some(current.status.as_str()), None::<&str>);
        audit::record(
            &mut transaction,
            &principal.actor(),
            self.clock.now(),
            AuditEntry::new(
                "project_application.deleted",
                "project_application",
                &current.number,
            )
            .subject(current.enterprise_id)
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        // After the commit: a crash in between leaves unlisted files, never a listed one
        // without its content.
        for attachment in attachments {
            if let Ok(path) = self.attachment_path(current.id, attachment.id) {
                let _ = std::fs::remove_file(path);
            }
        }
        tracing::info!(number = %current.number, "draft deleted");
        Ok(())
    }
}
