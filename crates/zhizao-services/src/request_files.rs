//! The files a service request carries: the enterprise's attachments to its need (drawings,
//! photos, specifications) and the platform's delivery evidence (reports, certificates, test
//! records). What a file is for follows from who adds it. PDF, images and office files, judged
//! by their content; kept under the service's file directory by id, never by the uploader's
//! name; the row is written once the file is durably on disk, so a half-written file is never
//! listed. Whoever sees the request sees its files.

use std::path::{Path, PathBuf};

use serde::Serialize;
use zhizao_core::files::{self, FileKind};
use zhizao_core::{FieldError, Text, Timestamp, closed_vocabulary};
use zhizao_db::allocate_ids;
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};

use crate::request::{Party, RequestKind, RequestStatus, ServiceRequest};
use crate::{Error, PublicServices, Result};

/// The largest file a request takes.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// The most files one request carries.
pub const MAX_FILES: i64 = 30;
/// What a request's files may be.
pub const ACCEPTED: &[FileKind] = &[
    FileKind::Pdf,
    FileKind::Png,
    FileKind::Jpeg,
    FileKind::Xlsx,
    FileKind::Docx,
];

closed_vocabulary! {
    /// What a request's file is for.
    RequestFilePurpose, "file purpose" {
        /// The enterprise's attachment to its need.
        Need => "need", "需求附件", "Attachment to the need";
        /// The platform's delivery evidence.
        Evidence => "evidence", "交付证明", "Delivery evidence";
        /// Proof of the enterprise's own payment, with a voucher redemption claim.
        Payment => "payment", "企业自付凭证", "Proof of the enterprise's payment";
    }
}

/// A file of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RequestFile {
    /// Its id.
    pub id: i64,
    /// What it is for, as stored.
    pub purpose: String,
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

/// Where file `file_id` of request `request_id` is kept under `root`.
fn file_path(root: &Path, request_id: i64, file_id: i64) -> PathBuf {
    root.join(request_id.to_string())
        .join(format!("{file_id}.bin"))
}

/// A query of a request's files (`$1`) ending in `tail`.
macro_rules! select_files {
    ($tail:literal) => {
        concat!(
            "SELECT id, purpose, file_name, content_type, size_bytes, sha256, uploaded_at, uploaded_by \
             FROM service_request_files WHERE request_id = $1",
            $tail
        )
    };
}

impl ServiceRequest {
    /// Whether the reader's side adds a file now: the enterprise while the request is open,
    /// the platform from the contract on (its evidence also backs a voucher claim after the
    /// delivery is accepted); nobody on a factory order (its files are the order's).
    pub fn takes_files(&self) -> bool {
        self.kind == RequestKind::Service
            && match self.side {
                Some(Party::Client) => self.status.waiting_on().is_some(),
                Some(Party::Platform) => matches!(
                    self.status,
                    RequestStatus::Contracted
                        | RequestStatus::Disputed
                        | RequestStatus::Delivered
                        | RequestStatus::Accepted
                        | RequestStatus::Rated
                ),
                None => false,
            }
    }
}

impl PublicServices {
    /// The files of request `number`, oldest first (whoever sees the request).
    pub async fn request_files(
        &self,
        principal: &Principal,
        number: &str,
    ) -> Result<Vec<RequestFile>> {
        let request = self.request(principal, number).await?;
        Ok(sqlx::query_as(select_files!(" ORDER BY id"))
            .bind(request.id)
            .fetch_all(self.db.pool())
            .await?)
    }

    /// Adds a file to request `number`: the enterprise an attachment to its need while the
    /// request is open, the platform delivery evidence from the contract on. Audited.
    pub async fn add_request_file(
        &self,
        principal: &Principal,
        number: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<RequestFile> {
        let (request, _, client) = self.request_with_sides(principal, number).await?;
        let Some(purpose) = request.side.map(|side| match side {
            Party::Client => RequestFilePurpose::Need,
            Party::Platform => RequestFilePurpose::Evidence,
        }) else {
            return Err(Error::Forbidden(
                "only the request's enterprise and its platform add files",
            ));
        };
        if !request.takes_files() {
            return Err(Error::Transition(Text::owned(
                format!(
                    "申请“{}”当前为“{}”，不能添加{}",
                    request.number,
                    request.status.label().zh,
                    purpose.label().zh
                ),
                format!(
                    "request {} is {}: it takes no {} now",
                    request.number,
                    request.status.label().en.to_lowercase(),
                    purpose.label().en.to_lowercase()
                ),
            )));
        }
        let mut transaction = self.db.begin().await?;
        let (file, path) = self
            .store_file(
                &mut transaction,
                principal,
                &request,
                client,
                purpose,
                file_name,
                bytes,
            )
            .await?;
        if let Err(error) = transaction.commit().await {
            // Not listed, so not kept.
            let _ = std::fs::remove_file(&path);
            return Err(error.into());
        }
        Ok(file)
    }

    /// Checks `bytes` and keeps them as a file of `request` for `purpose`, inside the caller's
    /// transaction: the file durably on disk first, then its row and its audit entry. Returns
    /// the file and where it lies, for the caller to remove if the transaction does not commit
    /// (it is removed here when this fails).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn store_file(
        &self,
        transaction: &mut sqlx::AnyConnection,
        principal: &Principal,
        request: &ServiceRequest,
        client: i64,
        purpose: RequestFilePurpose,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<(RequestFile, PathBuf)> {
        let kind = files::check_upload(file_name, &bytes, ACCEPTED, MAX_FILE_BYTES)
            .map_err(|text| Error::Invalid(vec![FieldError::new("file", text)]))?;
        let now = self.clock.now();
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM service_request_files WHERE request_id = $1")
                .bind(request.id)
                .fetch_one(&mut *transaction)
                .await?;
        if count >= MAX_FILES {
            return Err(Error::Invalid(vec![FieldError::new(
                "file",
                Text::owned(
                    format!("每个申请最多 {MAX_FILES} 个文件"),
                    format!("a request carries at most {MAX_FILES} files"),
                ),
            )]));
        }
        let file_id = allocate_ids(&mut *transaction, "service_request_files", 1).await?;
        let path = file_path(&self.file_dir, request.id, file_id);
        let sha256 = files::sha256_hex(&bytes);
        let size_bytes = bytes.len() as i64;
        let write_path = path.clone();
        tokio::task::spawn_blocking(move || files::write_durably(&write_path, &bytes))
            .await
            .map_err(|error| Error::Storage(error.to_string()))?
            .map_err(|error| Error::Storage(error.to_string()))?;
        let file = RequestFile {
            id: file_id,
            purpose: purpose.as_str().to_owned(),
            file_name: files::clean_file_name(file_name),
            content_type: kind.content_type().to_owned(),
            size_bytes,
            sha256,
            uploaded_at: now,
            uploaded_by: principal.username.clone(),
        };
        let mut changes = Changes::new();
        changes
            .created("file", file.file_name.as_str())
            .created("purpose", purpose.as_str())
            .created("size_bytes", size_bytes);
        let stored = async {
            sqlx::query(
                "INSERT INTO service_request_files (id, request_id, purpose, file_name, content_type, size_bytes, \
                 sha256, uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(file.id)
            .bind(request.id)
            .bind(&file.purpose)
            .bind(&file.file_name)
            .bind(&file.content_type)
            .bind(file.size_bytes)
            .bind(&file.sha256)
            .bind(now.as_millis())
            .bind(&file.uploaded_by)
            .execute(&mut *transaction)
            .await?;
            audit::record(
                &mut *transaction,
                &principal.actor(),
                now,
                AuditEntry::new("service_request.file_added", "service_request", &request.number)
                    .subject(client)
                    .changes(changes),
            )
            .await?;
            Ok::<(), Error>(())
        }
        .await;
        if let Err(error) = stored {
            let _ = std::fs::remove_file(&path);
            return Err(error);
        }
        Ok((file, path))
    }

    /// One file of request `number` and its bytes (whoever sees the request).
    pub async fn request_file(
        &self,
        principal: &Principal,
        number: &str,
        file_id: i64,
    ) -> Result<(RequestFile, Vec<u8>)> {
        let request = self.request(principal, number).await?;
        let file: RequestFile = sqlx::query_as(select_files!(" AND id = $2"))
            .bind(request.id)
            .bind(file_id)
            .fetch_optional(self.db.pool())
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "file",
                key: file_id.to_string(),
            })?;
        let path = file_path(&self.file_dir, request.id, file_id);
        let bytes = tokio::task::spawn_blocking(move || std::fs::read(path))
            .await
            .map_err(|error| Error::Storage(error.to_string()))?
            .map_err(|error| Error::Storage(error.to_string()))?;
        Ok((file, bytes))
    }
}
