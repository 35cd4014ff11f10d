//! Evidence files attached to an answer: PDF, images and office files, judged by their content,
//! kept under the service's file directory by assessment and id (never by the uploader's name);
//! the row is written once the file is durably on disk, so a half-written file is never listed.
//! The enterprise attaches and removes them while its assessment is a draft; whoever sees the
//! assessment reads them.

use std::path::{Path, PathBuf};

use serde::Serialize;
use zhizao_core::files::{self, FileKind};
use zhizao_core::{FieldError, Text, Timestamp};
use zhizao_db::{SqlBuilder, allocate_ids};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};

use crate::{Assessments, Error, Result};

/// The largest evidence file.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// The most files one requirement's answer carries.
pub const MAX_FILES_PER_REQUIREMENT: i64 = 10;
/// What evidence may be.
pub const ACCEPTED: &[FileKind] = &[
    FileKind::Pdf,
    FileKind::Png,
    FileKind::Jpeg,
    FileKind::Xlsx,
    FileKind::Docx,
];

/// An evidence file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EvidenceFile {
    /// Its id.
    pub id: i64,
    /// The requirement whose answer it supports.
    pub requirement: String,
    /// The name it was uploaded with (shown, never used as a path).
    pub file_name: String,
    /// The type its content has.
    pub content_type: String,
    /// Size.
    pub size_bytes: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// When.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub uploaded_at: Timestamp,
    /// By whom.
    pub uploaded_by: String,
}

const SELECT_FILES: &str = "SELECT id, requirement, file_name, content_type, size_bytes, sha256, uploaded_at, uploaded_by \
     FROM maturity_evidence_files WHERE assessment_id = ";

/// Where file `file_id` of assessment `assessment_id` is kept under `root`.
fn file_path(root: &Path, assessment_id: i64, file_id: i64) -> PathBuf {
    root.join(assessment_id.to_string())
        .join(format!("{file_id}.bin"))
}

fn storage(error: impl std::fmt::Display) -> Error {
    Error::Storage(error.to_string())
}

impl Assessments {
    /// The evidence files of assessment `id`, by requirement then upload (whoever sees it).
    pub async fn evidence_files(
        &self,
        principal: &Principal,
        id: i64,
    ) -> Result<Vec<EvidenceFile>> {
        self.get(principal, id).await?;
        let mut select = SqlBuilder::new(SELECT_FILES);
        select.push_bind(id).push(" ORDER BY requirement, id");
        Ok(select.query_as().fetch_all(self.db.pool()).await?)
    }

    /// Attaches a file to the answer of `requirement` in draft `id` (its enterprise): PDF, PNG,
    /// JPEG, Excel or Word, judged by content, at most 20 MiB, ten per requirement. Audited.
    pub async fn add_evidence(
        &self,
        principal: &Principal,
        id: i64,
        requirement: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<EvidenceFile> {
        let assessment = self.draft_of(principal, id).await?;
        let model = assessment.model()?;
        let applies = model
            .requirement(requirement)
            .is_some_and(|r| model.applies(r, assessment.summary.industry_kind));
        if !applies {
            return Err(Error::Invalid(vec![FieldError::new(
                "requirement",
                Text::owned(
                    format!("{requirement} 不是本次自评估的要求"),
                    format!("{requirement} is not a requirement of this assessment"),
                ),
            )]));
        }
        let kind = files::check_upload(file_name, &bytes, ACCEPTED, MAX_FILE_BYTES)
            .map_err(|text| Error::Invalid(vec![FieldError::new("file", text)]))?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM maturity_evidence_files WHERE assessment_id = $1 AND requirement = $2",
        )
        .bind(id)
        .bind(requirement)
        .fetch_one(&mut *transaction)
        .await?;
        if count >= MAX_FILES_PER_REQUIREMENT {
            return Err(Error::Invalid(vec![FieldError::new(
                "file",
                Text::owned(
                    format!("每项要求最多 {MAX_FILES_PER_REQUIREMENT} 个证明文件"),
                    format!(
                        "a requirement takes at most {MAX_FILES_PER_REQUIREMENT} evidence files"
                    ),
                ),
            )]));
        }
        let file_id = allocate_ids(&mut transaction, "maturity_evidence_files", 1).await?;
        let path = file_path(&self.file_dir, id, file_id);
        let file = EvidenceFile {
            id: file_id,
            requirement: requirement.to_owned(),
            file_name: files::clean_file_name(file_name),
            content_type: kind.content_type().to_owned(),
            size_bytes: bytes.len() as i64,
            sha256: files::sha256_hex(&bytes),
            uploaded_at: now,
            uploaded_by: principal.username.clone(),
        };
        let write_path = path.clone();
        tokio::task::spawn_blocking(move || files::write_durably(&write_path, &bytes))
            .await
            .map_err(storage)?
            .map_err(storage)?;
        let stored = async {
            sqlx::query(
                "INSERT INTO maturity_evidence_files (id, assessment_id, requirement, file_name, content_type, \
                 size_bytes, sha256, uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(file.id)
            .bind(id)
            .bind(&file.requirement)
            .bind(&file.file_name)
            .bind(&file.content_type)
            .bind(file.size_bytes)
            .bind(&file.sha256)
            .bind(now.as_millis())
            .bind(&file.uploaded_by)
            .execute(&mut *transaction)
            .await?;
            let mut changes = Changes::new();
            changes
                .created("requirement", &file.requirement)
                .created("file", &file.file_name)
                .created("size_bytes", file.size_bytes);
            audit::record(
                &mut transaction,
                &principal.actor(),
                now,
                AuditEntry::new(
                    "maturity_assessment.evidence_added",
                    "maturity_assessment",
                    id.to_string(),
                )
                .subject(assessment.summary.enterprise_id)
                .changes(changes),
            )
            .await?;
            transaction.commit().await?;
            Ok::<(), Error>(())
        }
        .await;
        if let Err(error) = stored {
            // Not listed, so not kept.
            let _ = std::fs::remove_file(&path);
            return Err(error);
        }
        Ok(file)
    }

    /// One evidence file of assessment `id` and its bytes (whoever sees the assessment).
    pub async fn evidence_file(
        &self,
        principal: &Principal,
        id: i64,
        file_id: i64,
    ) -> Result<(EvidenceFile, Vec<u8>)> {
        self.get(principal, id).await?;
        let mut select = SqlBuilder::new(SELECT_FILES);
        select.push_bind(id).push(" AND id = ").push_bind(file_id);
        let file: EvidenceFile = select
            .query_as()
            .fetch_optional(self.db.pool())
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "evidence file",
                key: file_id.to_string(),
            })?;
        let path = file_path(&self.file_dir, id, file_id);
        let bytes = tokio::task::spawn_blocking(move || std::fs::read(path))
            .await
            .map_err(storage)?
            .map_err(storage)?;
        Ok((file, bytes))
    }

    /// Removes an evidence file of draft `id` (its enterprise). Audited.
    pub async fn remove_evidence(
        &self,
        principal: &Principal,
        id: i64,
        file_id: i64,
    ) -> Result<()> {
        let assessment = self.draft_of(principal, id).await?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let name: Option<String> = sqlx::query_scalar(
            "SELECT file_name FROM maturity_evidence_files WHERE assessment_id = $1 AND id = $2",
        )
        .bind(id)
        .bind(file_id)
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(name) = name else {
            return Err(Error::NotFound {
                what: "evidence file",
                key: file_id.to_string(),
            });
        };
        sqlx::query("DELETE FROM maturity_evidence_files WHERE id = $1")
            .bind(file_id)
            .execute(&mut *transaction)
            .await?;
        let mut changes = Changes::new();
        changes.field("file", &name, Option::<String>::None);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "maturity_assessment.evidence_removed",
                "maturity_assessment",
                id.to_string(),
            )
            .subject(assessment.summary.enterprise_id)
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        // Unlisted first, then gone: a crash between leaves an orphan file, never a dangling row.
        let _ = std::fs::remove_file(file_path(&self.file_dir, id, file_id));
        Ok(())
    }

    /// Removes the files of a discarded draft (after its rows are gone).
    pub(crate) fn remove_evidence_directory(&self, id: i64) {
        let _ = std::fs::remove_dir_all(self.file_dir.join(id.to_string()));
    }
}
