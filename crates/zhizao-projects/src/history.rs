//! Writing past programmes as they were decided: rule set versions, batches and applications
//! with their final status, granted and paid amounts. Used by the demo data set (and meant for
//! importing the city's spreadsheets of past batches), inside the caller's transaction; each
//! application gets one trail entry saying it was recorded, not reviewed, here.

use std::path::Path;

use sqlx::AnyConnection;
use zhizao_core::{Fen, Timestamp};
use zhizao_db::{Flag, allocate_ids};

use crate::applications::record_event;
use crate::attachments::{
    AttachmentTable, NewAttachment, attachment_path_under, check_upload, store_attachment,
};
use crate::model::{BatchStatus, Programme, UpgradeType};
use crate::rules::{Category, Evaluation, RuleParameters};
use crate::validate::project_key;
use crate::workflow::Status;
use crate::{Error, Result};

/// A rule set version as it was.
pub async fn insert_rule_set(
    connection: &mut AnyConnection,
    code: &str,
    version: i64,
    name: &str,
    parameters: &RuleParameters,
    at: Timestamp,
    by: &str,
) -> Result<i64> {
    let errors = parameters.validate();
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let id = allocate_ids(connection, "subsidy_rule_sets", 1).await?;
    sqlx::query(
        "INSERT INTO subsidy_rule_sets (id, code, version, name, parameters, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(code)
    .bind(version)
    .bind(name)
    .bind(serde_json::to_string(parameters).unwrap_or_default())
    .bind(at.as_millis())
    .bind(by)
    .execute(&mut *connection)
    .await?;
    Ok(id)
}

/// A batch as it was.
#[derive(Debug, Clone)]
pub struct PastBatch {
    /// Code.
    pub code: String,
    /// Programme.
    pub programme: Programme,
    /// Year.
    pub year: i64,
    /// Title.
    pub title: String,
    /// First day of the window.
    pub opens_on: String,
    /// Last day.
    pub closes_on: String,
    /// Who could apply.
    pub eligibility: String,
    /// Attachments asked for.
    pub required_attachments: Vec<String>,
    /// Rule set version (row id).
    pub rule_set_id: Option<i64>,
    /// Its status.
    pub status: BatchStatus,
}

/// Writes a batch; returns its id.
pub async fn insert_batch(
    connection: &mut AnyConnection,
    batch: &PastBatch,
    at: Timestamp,
) -> Result<i64> {
    let id = allocate_ids(connection, "project_batches", 1).await?;
    let window =
        crate::model::default_project_window(batch.programme, batch.year, &batch.closes_on);
    sqlx::query(
        "INSERT INTO project_batches (id, code, programme, year, title, opens_on, closes_on, eligibility, required_attachments, \
         rule_set_id, notice_days, status, published_at, created_at, updated_at, version, projects_from, projects_until) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 7, $11, $12, $12, $12, 1, $13, $14)",
    )
    .bind(id)
    .bind(&batch.code)
    .bind(batch.programme.as_str())
    .bind(batch.year)
    .bind(&batch.title)
    .bind(&batch.opens_on)
    .bind(&batch.closes_on)
    .bind(&batch.eligibility)
    .bind(serde_json::to_string(&batch.required_attachments).unwrap_or_default())
    .bind(batch.rule_set_id)
    .bind(batch.status.as_str())
    .bind(at.as_millis())
    .bind(&window.0)
    .bind(&window.1)
    .execute(&mut *connection)
    .await?;
    Ok(id)
}

/// A line item as it was.
#[derive(Debug, Clone)]
pub struct PastItem {
    /// Category.
    pub category: Category,
    /// Name.
    pub name: String,
    /// Model.
    pub model: String,
    /// Quantity.
    pub quantity: i64,
    /// Unit price (fen).
    pub unit_price_fen: Fen,
    /// Supplier.
    pub supplier: String,
    /// Related party.
    pub related_party: bool,
    /// Invoice number.
    pub invoice_number: String,
    /// Invoice date.
    pub invoice_date: Option<String>,
}

/// An application as it stands.
#[derive(Debug, Clone)]
pub struct PastApplication {
    /// Batch id.
    pub batch_id: i64,
    /// Batch code (the number is `code-NNNN`).
    pub batch_code: String,
    /// Sequence within the batch.
    pub sequence: i64,
    /// Applicant (organisation id).
    pub enterprise_id: i64,
    /// Project.
    pub project_name: String,
    /// Upgrade type.
    pub upgrade_type: UpgradeType,
    /// Start.
    pub starts_on: Option<String>,
    /// End.
    pub ends_on: Option<String>,
    /// Description.
    pub description: String,
    /// Expected output value (fen).
    pub expected_output_value_fen: Option<Fen>,
    /// Line items.
    pub items: Vec<PastItem>,
    /// Status.
    pub status: Status,
    /// Since when.
    pub status_changed_at: Timestamp,
    /// First submitted.
    pub submitted_at: Option<Timestamp>,
    /// Notice end.
    pub notice_ends_at: Option<Timestamp>,
    /// Granted (fen) and, when known, the eligible investment it was computed from (fen).
    pub granted: Option<(Fen, Option<Fen>)>,
    /// Paid (fen).
    pub disbursed_fen: Option<Fen>,
    /// Who recorded it.
    pub recorded_by: String,
}

/// Writes an application with its items and one trail entry; returns its id and number.
pub async fn insert_application(
    connection: &mut AnyConnection,
    application: &PastApplication,
) -> Result<(i64, String)> {
    let id = allocate_ids(connection, "project_applications", 1).await?;
    let number = format!("{}-{:04}", application.batch_code, application.sequence);
    let total: i64 = application
        .items
        .iter()
        .map(|i| i.quantity * i.unit_price_fen.get())
        .sum();
    let at = application.status_changed_at.as_millis();
    let key = if application.status == Status::Withdrawn {
        format!("{}~withdrawn-{id}", project_key(&application.project_name))
    } else {
        project_key(&application.project_name)
    };
    sqlx::query(
        "INSERT INTO project_applications (id, number, batch_id, enterprise_id, project_name, project_key, upgrade_type, starts_on, ends_on, \
         description, expected_output_value_fen, total_investment_fen, status, status_changed_at, submitted_at, notice_ends_at, \
         eligible_investment_fen, granted_fen, disbursed_fen, disbursed_at, created_by, created_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $14, 1)",
    )
    .bind(id)
    .bind(&number)
    .bind(application.batch_id)
    .bind(application.enterprise_id)
    .bind(&application.project_name)
    .bind(key)
    .bind(application.upgrade_type.as_str())
    .bind(application.starts_on.clone())
    .bind(application.ends_on.clone())
    .bind(&application.description)
    .bind(application.expected_output_value_fen.map(Fen::get))
    .bind(total)
    .bind(application.status.as_str())
    .bind(at)
    .bind(application.submitted_at.map(Timestamp::as_millis))
    .bind(application.notice_ends_at.map(Timestamp::as_millis))
    .bind(application.granted.and_then(|(_, eligible)| eligible.map(Fen::get)))
    .bind(application.granted.map(|(granted, _)| granted.get()))
    .bind(application.disbursed_fen.map(Fen::get))
    .bind(application.disbursed_fen.map(|_| at))
    .bind(&application.recorded_by)
    .bind(
        application
            .submitted_at
            .unwrap_or(application.status_changed_at)
            .as_millis(),
    )
    .execute(&mut *connection)
    .await?;
    let first = allocate_ids(
        connection,
        "project_investment_items",
        application.items.len() as i64,
    )
    .await?;
    for (index, item) in application.items.iter().enumerate() {
        sqlx::query(
            "INSERT INTO project_investment_items (id, application_id, batch_id, position, category, name, model, quantity, \
             unit_price_fen, amount_fen, supplier, related_party, invoice_number, invoice_date) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(first + index as i64)
        .bind(id)
        .bind(application.batch_id)
        .bind(index as i64 + 1)
        .bind(item.category.as_str())
        .bind(&item.name)
        .bind(&item.model)
        .bind(item.quantity)
        .bind(item.unit_price_fen.get())
        .bind(item.quantity * item.unit_price_fen.get())
        .bind(&item.supplier)
        .bind(Flag(item.related_party))
        .bind(&item.invoice_number)
        .bind(item.invoice_date.clone())
        .execute(&mut *connection)
        .await?;
    }
    record_event(
        connection,
        id,
        application.status_changed_at,
        &application.recorded_by,
        crate::model::SYSTEM_ACTOR,
        "recorded",
        "",
        application.status.as_str(),
        "据往年专项档案录入",
    )
    .await?;
    Ok((id, number))
}

/// Records an evaluation for an application (and, with `grant`, makes it the granting one).
pub async fn insert_evaluation(
    connection: &mut AnyConnection,
    application_id: i64,
    rule_set_id: i64,
    evaluation: &Evaluation,
    at: Timestamp,
    by: &str,
    grant: bool,
) -> Result<i64> {
    let id = allocate_ids(connection, "subsidy_evaluations", 1).await?;
    sqlx::query(
        "INSERT INTO subsidy_evaluations (id, application_id, rule_set_id, evaluated_at, evaluated_by, eligible_investment_fen, amount_fen, explanation) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(application_id)
    .bind(rule_set_id)
    .bind(at.as_millis())
    .bind(by)
    .bind(evaluation.eligible_investment_fen.get())
    .bind(evaluation.amount_fen.get())
    .bind(serde_json::to_string(&evaluation.lines).unwrap_or_default())
    .execute(&mut *connection)
    .await?;
    if grant {
        sqlx::query(
            "UPDATE project_applications SET granted_evaluation_id = $1, granted_fen = $2, eligible_investment_fen = $3 WHERE id = $4",
        )
        .bind(id)
        .bind(evaluation.amount_fen.get())
        .bind(evaluation.eligible_investment_fen.get())
        .bind(application_id)
        .execute(&mut *connection)
        .await?;
    }
    Ok(id)
}

/// Moves a batch's application counter past `last_sequence`, so new applications continue the
/// numbering.
pub async fn set_next_sequence(
    connection: &mut AnyConnection,
    batch_id: i64,
    last_sequence: i64,
) -> Result<()> {
    sqlx::query("UPDATE project_batches SET next_sequence = $1 WHERE id = $2")
        .bind(last_sequence + 1)
        .bind(batch_id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// A file an application carried, as it was: checked like an upload, written durably under the
/// attachment directory `root` and listed on the application. The file is written before the
/// caller's transaction commits; should it not, the file is left without a row (never listed).
#[allow(clippy::too_many_arguments)]
pub async fn insert_attachment(
    connection: &mut AnyConnection,
    root: &Path,
    application_id: i64,
    purpose: &str,
    file_name: &str,
    bytes: Vec<u8>,
    at: Timestamp,
    by: &str,
) -> Result<i64> {
    let kind = check_upload(file_name, &bytes).map_err(|text| Error::invalid("file", text))?;
    let id = allocate_ids(&mut *connection, AttachmentTable::Projects.name(), 1).await?;
    let path = attachment_path_under(root, application_id, id);
    store_attachment(
        connection,
        &path,
        id,
        NewAttachment {
            table: AttachmentTable::Projects,
            application_id,
            purpose: purpose.trim(),
            file_name,
            kind,
            bytes,
            at,
            by,
        },
    )
    .await?;
    Ok(id)
}
