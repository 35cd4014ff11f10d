//! Attachments of applications (licences, filing certificates, invoices, evaluation reports):
//! PDF, images and spreadsheets only, recognised by their content rather than their name or the
//! browser's word, limited in size and number, and stored under the data directory by number
//! (never by the uploader's file name), outside anything the web server serves as a page.
//! Downloads are always sent as attachments with the sniffed type.

use std::path::{Path, PathBuf};

use serde::Serialize;
use sqlx::AnyConnection;
use zhizao_core::{Text, Timestamp};
use zhizao_db::allocate_ids;
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry};
use zhizao_identity::policy;

use zhizao_core::files;
pub use zhizao_core::files::{FileKind, sniff};
pub(crate) use zhizao_core::files::{clean_file_name, extension, write_durably};

use crate::applications::fetch_in_scope;
use crate::{Error, Projects, Result};

/// The largest attachment accepted.
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;
/// The most attachments one application may carry.
pub const MAX_ATTACHMENTS: i64 = 50;

/// An attachment's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Attachment {
    /// Row id.
    pub id: i64,
    /// What it is for: one of the batch's required attachment names, or `其他`.
    pub purpose: String,
    /// The name it was uploaded with (shown, never used as a path).
    pub file_name: String,
    /// The sniffed MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// When.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub uploaded_at: Timestamp,
    /// By whom.
    pub uploaded_by: String,
}

/// Checks an upload's content against its name; returns the kind: the office and image kinds
/// an application's attachments may be.
pub fn check_upload(file_name: &str, bytes: &[u8]) -> std::result::Result<FileKind, Text> {
    files::check_upload(
        file_name,
        bytes,
        &[
            FileKind::Pdf,
            FileKind::Png,
            FileKind::Jpeg,
            FileKind::Xlsx,
            FileKind::Docx,
            FileKind::Ods,
            FileKind::LegacyOffice,
        ],
        MAX_ATTACHMENT_BYTES,
    )
}

/// Where an application's attachment is kept under the attachment directory `root`.
pub(crate) fn attachment_path_under(
    root: &Path,
    application_id: i64,
    attachment_id: i64,
) -> PathBuf {
    root.join(application_id.to_string())
        .join(format!("{attachment_id}.bin"))
}

pub(crate) fn storage_error(error: std::io::Error) -> Error {
    Error::Storage(error.to_string())
}

/// The tables attachments are listed in: technology-upgrade applications' and major-project
/// proposals' (the same columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttachmentTable {
    /// `project_attachments`.
    Projects,
    /// `st_attachments`.
    Major,
}

impl AttachmentTable {
    /// The table's name (also its id sequence's).
    pub(crate) fn name(self) -> &'static str {
        match self {
            AttachmentTable::Projects => "project_attachments",
            AttachmentTable::Major => "st_attachments",
        }
    }

    fn count(self) -> &'static str {
        match self {
            AttachmentTable::Projects => {
                "SELECT COUNT(*) FROM project_attachments WHERE application_id = $1"
            }
            AttachmentTable::Major => {
                "SELECT COUNT(*) FROM st_attachments WHERE application_id = $1"
            }
        }
    }

    fn insert(self) -> &'static str {
        match self {
            AttachmentTable::Projects => {
                "INSERT INTO project_attachments (id, application_id, purpose, file_name, content_type, size_bytes, sha256, uploaded_at, uploaded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            }
            AttachmentTable::Major => {
                "INSERT INTO st_attachments (id, application_id, purpose, file_name, content_type, size_bytes, sha256, uploaded_at, uploaded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            }
        }
    }
}

/// Checks what an applicant attaches: its purpose said (trimmed, at most 100 characters), its
/// content of a kind accepted and matching its name, and room left on the application.
pub(crate) async fn check_new_attachment(
    connection: &mut AnyConnection,
    table: AttachmentTable,
    application_id: i64,
    purpose: &str,
    file_name: &str,
    bytes: &[u8],
) -> Result<FileKind> {
    if purpose.is_empty() || purpose.chars().count() > 100 {
        return Err(Error::invalid(
            "purpose",
            Text::new(
                "请说明附件用途（最长 100 字）",
                "say what the file is (at most 100 characters)",
            ),
        ));
    }
    let kind = check_upload(file_name, bytes).map_err(|text| Error::invalid("file", text))?;
    let count: i64 = sqlx::query_scalar(table.count())
        .bind(application_id)
        .fetch_one(&mut *connection)
        .await?;
    if count >= MAX_ATTACHMENTS {
        return Err(Error::invalid(
            "file",
            Text::owned(
                format!("每个申报最多 {MAX_ATTACHMENTS} 个附件"),
                format!("an application carries at most {MAX_ATTACHMENTS} attachments"),
            ),
        ));
    }
    Ok(kind)
}

/// A checked file to list on an application.
pub(crate) struct NewAttachment<'a> {
    pub(crate) table: AttachmentTable,
    pub(crate) application_id: i64,
    pub(crate) purpose: &'a str,
    /// As uploaded (cleaned before it is stored).
    pub(crate) file_name: &'a str,
    pub(crate) kind: FileKind,
    pub(crate) bytes: Vec<u8>,
    pub(crate) at: Timestamp,
    pub(crate) by: &'a str,
}

/// Writes the file durably at `path` and lists it as attachment `id` in the caller's
/// transaction. The file is written first: a caller whose transaction then fails removes it.
pub(crate) async fn store_attachment(
    connection: &mut AnyConnection,
    path: &Path,
    id: i64,
    new: NewAttachment<'_>,
) -> Result<Attachment> {
    let sha256 = zhizao_core::files::sha256_hex(&new.bytes);
    let size_bytes = new.bytes.len() as i64;
    let write_path = path.to_owned();
    let bytes = new.bytes;
    tokio::task::spawn_blocking(move || write_durably(&write_path, &bytes))
        .await
        .map_err(|e| Error::Storage(e.to_string()))?
        .map_err(storage_error)?;
    let file_name = clean_file_name(new.file_name);
    sqlx::query(new.table.insert())
        .bind(id)
        .bind(new.application_id)
        .bind(new.purpose)
        .bind(&file_name)
        .bind(new.kind.content_type())
        .bind(size_bytes)
        .bind(&sha256)
        .bind(new.at.as_millis())
        .bind(new.by)
        .execute(&mut *connection)
        .await?;
    Ok(Attachment {
        id,
        purpose: new.purpose.to_owned(),
        file_name,
        content_type: new.kind.content_type().to_owned(),
        size_bytes,
        sha256,
        uploaded_at: new.at,
        uploaded_by: new.by.to_owned(),
    })
}

impl Attachment {
    /// What the audit log says of an added attachment.
    pub(crate) fn audit_note(&self) -> String {
        format!(
            "{}: {} ({} bytes, sha256 {})",
            self.purpose, self.file_name, self.size_bytes, self.sha256
        )
    }
}

impl Projects {
    pub(crate) fn attachment_path(
        &self,
        application_id: i64,
        attachment_id: i64,
    ) -> Result<PathBuf> {
        let root = self
            .attachments
            .as_ref()
            .ok_or_else(|| Error::Storage("no attachment directory is configured".into()))?;
        Ok(attachment_path_under(root, application_id, attachment_id))
    }

    /// Where a major-project proposal's attachment is kept.
    pub(crate) fn major_attachment_path(
        &self,
        application_id: i64,
        attachment_id: i64,
    ) -> Result<PathBuf> {
        let root = self
            .attachments
            .as_ref()
            .ok_or_else(|| Error::Storage("no attachment directory is configured".into()))?;
        Ok(root
            .join("st")
            .join(application_id.to_string())
            .join(format!("{attachment_id}.bin")))
    }

    /// Attaches a file to a draft or returned application (its enterprise's users).
    pub async fn add_attachment(
        &self,
        principal: &Principal,
        number: &str,
        purpose: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<Attachment> {
        let mut transaction = self.db.begin().await?;
        let application = fetch_in_scope(&mut transaction, principal, number).await?;
        if !policy::may_write_applications(principal) {
            return Err(Error::Forbidden("attachments are added by the applicant"));
        }
        if !application.status.editable() {
            return Err(Error::NotYet(Text::new(
                "申报已提交，不能再添加附件；退回后方可添加",
                "the application is under review; attachments can be added after it is returned",
            )));
        }
        let purpose = purpose.trim();
        let kind = check_new_attachment(
            &mut transaction,
            AttachmentTable::Projects,
            application.id,
            purpose,
            file_name,
            &bytes,
        )
        .await?;
        let id = allocate_ids(&mut transaction, AttachmentTable::Projects.name(), 1).await?;
        let path = self.attachment_path(application.id, id)?;
        let now = self.clock.now();
        let stored = async {
            let attachment = store_attachment(
                &mut transaction,
                &path,
                id,
                NewAttachment {
                    table: AttachmentTable::Projects,
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
                    "project_application.attachment_added",
                    "project_application",
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

    /// An attachment and its content, for whoever may see the application.
    pub async fn attachment(
        &self,
        principal: &Principal,
        number: &str,
        attachment_id: i64,
    ) -> Result<(Attachment, Vec<u8>)> {
        let mut connection = self.db.pool().acquire().await?;
        let application = fetch_in_scope(&mut connection, principal, number).await?;
        let attachment: Attachment = sqlx::query_as(
            "SELECT id, purpose, file_name, content_type, size_bytes, sha256, uploaded_at, uploaded_by \
             FROM project_attachments WHERE id = $1 AND application_id = $2",
        )
        .bind(attachment_id)
        .bind(application.id)
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(|| Error::not_found("attachment", &attachment_id.to_string()))?;
        let path = self.attachment_path(application.id, attachment_id)?;
        let bytes = tokio::task::spawn_blocking(move || std::fs::read(path))
            .await
            .map_err(|e| Error::Storage(e.to_string()))?
            .map_err(storage_error)?;
        Ok((attachment, bytes))
    }

    /// Removes an attachment from a draft or returned application (its enterprise's users).
    pub async fn delete_attachment(
        &self,
        principal: &Principal,
        number: &str,
        attachment_id: i64,
    ) -> Result<()> {
        let mut transaction = self.db.begin().await?;
        let application = fetch_in_scope(&mut transaction, principal, number).await?;
        if !policy::may_write_applications(principal) {
            return Err(Error::Forbidden("attachments are removed by the applicant"));
        }
        if !application.status.editable() {
            return Err(Error::NotYet(Text::new(
                "申报已提交，不能删除附件",
                "the application is under review; its attachments cannot be removed",
            )));
        }
        let deleted =
            sqlx::query("DELETE FROM project_attachments WHERE id = $1 AND application_id = $2")
                .bind(attachment_id)
                .bind(application.id)
                .execute(&mut *transaction)
                .await?;
        if deleted.rows_affected() == 0 {
            return Err(Error::not_found("attachment", &attachment_id.to_string()));
        }
        audit::record(
            &mut transaction,
            &principal.actor(),
            self.clock.now(),
            AuditEntry::new(
                "project_application.attachment_removed",
                "project_application",
                &application.number,
            )
            .subject(application.enterprise_id)
            .note(attachment_id.to_string()),
        )
        .await?;
        transaction.commit().await?;
        // After the commit: a crash in between leaves an unlisted file, never a listed one
        // without its content.
        let path = self.attachment_path(application.id, attachment_id)?;
        let _ = std::fs::remove_file(path);
        Ok(())
    }
}

/// The attachments of an application, oldest first.
pub(crate) async fn attachments_of(
    connection: &mut sqlx::AnyConnection,
    application_id: i64,
) -> Result<Vec<Attachment>> {
    Ok(sqlx::query_as(
        "SELECT id, purpose, file_name, content_type, size_bytes, sha256, uploaded_at, uploaded_by \
         FROM project_attachments WHERE application_id = $1 ORDER BY uploaded_at, id",
    )
    .bind(application_id)
    .fetch_all(&mut *connection)
    .await?)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn content_decides_and_must_match_the_name() {
        assert_eq!(
            check_upload("licence.pdf", b"%PDF-1.7\n..."),
            Ok(FileKind::Pdf)
        );
        assert_eq!(
            check_upload("photo.JPG", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            Ok(FileKind::Jpeg)
        );
        let xlsx = b"PK\x03\x04....[Content_Types].xml....xl/workbook.xml";
        assert_eq!(check_upload("invoices.xlsx", xlsx), Ok(FileKind::Xlsx));
        // An executable named like a PDF, a PDF named like a spreadsheet, HTML, empty files.
        let refused = [
            ("licence.pdf", b"MZ\x90\x00\x03".to_vec()),
            ("licence.xlsx", b"%PDF-1.4".to_vec()),
            ("page.pdf", b"<html><script>".to_vec()),
            ("empty.pdf", Vec::new()),
            ("archive.zip", b"PK\x03\x04 plain zip".to_vec()),
        ];
        for (name, bytes) in refused {
            assert!(check_upload(name, &bytes).is_err(), "{name}");
        }
        let message = check_upload("licence.xlsx", b"%PDF-1.4").unwrap_err();
        assert!(
            message.en.contains("PDF") && message.en.contains(".xlsx"),
            "{message:?}"
        );
        let big = vec![b'%'; MAX_ATTACHMENT_BYTES + 1];
        assert!(
            check_upload("big.pdf", &big)
                .unwrap_err()
                .en
                .contains("at most")
        );
    }

    #[test]
    fn stored_names_lose_paths_and_odd_characters() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\docs\\营业执照.pdf"), "营业执照.pdf");
        assert_eq!(clean_file_name("..hidden\u{0}.pdf"), "hidden.pdf");
        assert_eq!(clean_file_name(""), "attachment");
    }

    proptest! {
        #[test]
        fn sniffing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600), name in ".{0,20}") {
            let _ = sniff(&bytes);
            let _ = check_upload(&name, &bytes);
            let _ = clean_file_name(&name);
        }
    }
}
