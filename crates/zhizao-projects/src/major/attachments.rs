//! Files attached to major-project proposals (technical reports, letters of support, detailed
//! budgets): judged and stored like a technology-upgrade application's, added by the applicant
//! while the call is open, read by the applicant and the city, and by the experts assigned to
//! score the proposal, under a name that says only what the file is when the review is blind.

use sqlx::AnyConnection;
use zhizao_core::Text;
use zhizao_db::allocate_ids;
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry};
use zhizao_identity::policy;

use super::applications::application_in_scope;
use super::model::{CallStatus, MajorStatus};
use crate::attachments::{
    Attachment, AttachmentTable, NewAttachment, check_new_attachment, extension, storage_error,
    store_attachment,
};
use crate::{Error, Projects, Result};

/// The attachments of proposal `application_id`, oldest first.
pub(super) async fn attachments_of(
    connection: &mut AnyConnection,
    application_id: i64,
) -> Result<Vec<Attachment>> {
    Ok(sqlx::query_as(
        "SELECT id, purpose, file_name, content_type, size_bytes, sha256, uploaded_at, uploaded_by \
         FROM st_attachments WHERE application_id = $1 ORDER BY uploaded_at, id",
    )
    .bind(application_id)
    .fetch_all(&mut *connection)
    .await?)
}

/// What a blind reviewer is told a file is called: its purpose and its kind, nothing the
/// applicant named it (a file name often carries the company's name).
pub(super) fn blind_name(attachment: &Attachment) -> String {
    format!(
        "{}-{}.{}",
        attachment.purpose,
        attachment.id,
        extension(&attachment.file_name)
    )
}

impl Projects {
    /// Attaches a file to a proposal while its call is open (the applicant's users).
    pub async fn add_major_attachment(
        &self,
        principal: &Principal,
        number: &str,
        purpose: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<Attachment> {
        let mut transaction = self.db.begin().await?;
        let application = application_in_scope(&mut transaction, principal, number).await?;
        if !policy::may_write_applications(principal) {
            return Err(Error::Forbidden("attachments are added by the applicant"));
        }
        let call_status: String = sqlx::query_scalar(
            "SELECT c.status FROM st_applications a JOIN st_calls c ON c.id = a.call_id WHERE a.id = $1",
        )
        .bind(application.id)
        .fetch_one(&mut *transaction)
        .await?;
        if application.status != MajorStatus::Submitted || call_status != CallStatus::Open.as_str()
        {
            return Err(Error::NotYet(Text::new(
                "专项已截止受理，不能再添加附件",
                "the call no longer takes applications, so attachments cannot be added",
            )));
        }
        let purpose = purpose.trim();
        let kind = check_new_attachment(
            &mut transaction,
            AttachmentTable::Major,
            application.id,
            purpose,
            file_name,
            &bytes,
        )
        .await?;
        let id = allocate_ids(&mut transaction, AttachmentTable::Major.name(), 1).await?;
        let path = self.major_attachment_path(application.id, id)?;
        let now = self.clock.now();
        let stored = async {
            let attachment = store_attachment(
                &mut transaction,
                &path,
                id,
                NewAttachment {
                    table: AttachmentTable::Major,
                    application_id: application.id,
                    purpose,
                    file_name,
                    kind,
                    bytes,
                    at: now,
                    by: &principal.username,
                },
            )
            .await?;
            audit::record(
                &mut transaction,
                &principal.actor(),
                now,
                AuditEntry::new(
                    "st_application.attachment_added",
                    "st_application",
                    &application.number,
                )
                .subject(application.enterprise_id)
                .note(attachment.audit_note()),
            )
            .await?;
            transaction.commit().await?;
            Ok::<Attachment, Error>(attachment)
        }
        .await;
        stored.inspect_err(|_| {
            // The row was not written: the file must not stay behind.
            let _ = std::fs::remove_file(&path);
        })
    }

    /// One attachment of a proposal with its content (the applicant and the city).
    pub async fn major_attachment(
        &self,
        principal: &Principal,
        number: &str,
        attachment_id: i64,
    ) -> Result<(Attachment, Vec<u8>)> {
        let mut connection = self.db.pool().acquire().await?;
        let application = application_in_scope(&mut connection, principal, number).await?;
        let attachment = attachments_of(&mut connection, application.id)
            .await?
            .into_iter()
            .find(|a| a.id == attachment_id)
            .ok_or_else(|| Error::not_found("attachment", &attachment_id.to_string()))?;
        drop(connection);
        let bytes = self
            .read_major_attachment(application.id, attachment.id)
            .await?;
        Ok((attachment, bytes))
    }

    /// One attachment of a proposal the caller was assigned to score, with its content; on a
    /// blind review it is named by its purpose only.
    pub async fn review_attachment(
        &self,
        principal: &Principal,
        assignment_id: i64,
        attachment_id: i64,
    ) -> Result<(Attachment, Vec<u8>)> {
        let review = self.my_review(principal, assignment_id).await?;
        let attachment = review
            .attachments
            .into_iter()
            .find(|a| a.id == attachment_id)
            .ok_or_else(|| Error::not_found("attachment", &attachment_id.to_string()))?;
        let application_id: i64 =
            sqlx::query_scalar("SELECT application_id FROM st_assignments WHERE id = $1")
                .bind(assignment_id)
                .fetch_one(self.db.pool())
                .await?;
        let bytes = self
            .read_major_attachment(application_id, attachment.id)
            .await?;
        Ok((attachment, bytes))
    }

    async fn read_major_attachment(&self, application_id: i64, id: i64) -> Result<Vec<u8>> {
        let path = self.major_attachment_path(application_id, id)?;
        tokio::task::spawn_blocking(move || std::fs::read(path))
            .await
            .map_err(|e| Error::Storage(e.to_string()))?
            .map_err(storage_error)
    }
}
