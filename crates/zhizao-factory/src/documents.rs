//! The files an order carries: the client's drawings, photos and pattern pieces (a garment CAD
//! system's AAMA / ASTM DXF, until the marker-making engine reads them), and the factory's
//! reports (inspection, delivery). PDF, images, office files and DXF only, judged by their
//! content; kept under the service's file directory by id, never by the uploader's name; the row
//! is written once the file is durably on disk, so a half-written file is never listed. Whoever
//! sees the order sees its files; its client and its factory add them while it is open.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;
use zhizao_core::files::{self, FileKind};
use zhizao_core::{Text, Timestamp, closed_vocabulary};
use zhizao_db::allocate_ids;
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy::{self, RequestScope};

use crate::order::OrderStatus;
use crate::{Error, Factories, Result};

/// The largest file an order takes.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// The most files one order carries.
pub const MAX_FILES: i64 = 30;
/// What an order's files may be.
pub const ACCEPTED: &[FileKind] = &[
    FileKind::Pdf,
    FileKind::Png,
    FileKind::Jpeg,
    FileKind::Dxf,
    FileKind::Xlsx,
    FileKind::Docx,
];

closed_vocabulary! {
    /// What a file is for.
    FilePurpose, "file purpose" {
        /// A drawing of the part.
        Drawing => "drawing", "图纸", "Drawing";
        /// A photo of the part or the material.
        Photo => "photo", "照片", "Photo";
        /// Pattern pieces (cutting).
        Pattern => "pattern", "纸样", "Pattern pieces";
        /// The factory's report: inspection, delivery.
        Report => "report", "报告", "Report";
    }
}

/// A file of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OrderFile {
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
    /// The uploader's organisation (absent for a file the platform itself added).
    #[serde(skip)]
    pub uploader_organization_id: Option<i64>,
    /// Whether the reader may remove it (see [`Factories::remove_order_file`]).
    #[sqlx(skip)]
    pub removable: bool,
}

/// A query of an order's files (`$1`) ending in `tail`.
macro_rules! select_files {
    ($tail:literal) => {
        concat!(
            "SELECT f.id, f.purpose, f.file_name, f.content_type, f.size_bytes, f.sha256, f.uploaded_at, \
             f.uploaded_by, (SELECT u.organization_id FROM users u WHERE u.username = f.uploaded_by) \
             AS uploader_organization_id FROM factory_order_files f WHERE f.order_id = $1",
            $tail
        )
    };
}

/// Where file `file_id` of order `order_id` is kept under `root`.
fn file_path(root: &Path, order_id: i64, file_id: i64) -> PathBuf {
    root.join(order_id.to_string())
        .join(format!("{file_id}.bin"))
}

/// A file to keep with an order.
pub struct NewFile<'a> {
    /// The order's row id.
    pub order_id: i64,
    /// What it is for.
    pub purpose: FilePurpose,
    /// The name it came with.
    pub file_name: &'a str,
    /// What its content is (checked by the caller).
    pub kind: FileKind,
    /// The content.
    pub bytes: Vec<u8>,
    /// When.
    pub at: Timestamp,
    /// By whom.
    pub by: &'a str,
}

/// Writes `new` durably under `root`, then its row, inside the caller's transaction, without a
/// permission check (the demo data, imports); the caller removes the file if it does not
/// commit.
pub async fn insert_file(
    connection: &mut sqlx::AnyConnection,
    root: &Path,
    new: NewFile<'_>,
) -> Result<OrderFile> {
    let file_id = allocate_ids(&mut *connection, "factory_order_files", 1).await?;
    let path = file_path(root, new.order_id, file_id);
    let sha256 = zhizao_core::files::sha256_hex(&new.bytes);
    let size_bytes = new.bytes.len() as i64;
    let bytes = new.bytes;
    let write_path = path.clone();
    tokio::task::spawn_blocking(move || files::write_durably(&write_path, &bytes))
        .await
        .map_err(|error| Error::Storage(error.to_string()))?
        .map_err(|error| Error::Storage(error.to_string()))?;
    let file_name = files::clean_file_name(new.file_name);
    let inserted = sqlx::query(
        "INSERT INTO factory_order_files (id, order_id, purpose, file_name, content_type, size_bytes, sha256, uploaded_at, uploaded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(file_id)
    .bind(new.order_id)
    .bind(new.purpose.as_str())
    .bind(&file_name)
    .bind(new.kind.content_type())
    .bind(size_bytes)
    .bind(&sha256)
    .bind(new.at.as_millis())
    .bind(new.by)
    .execute(&mut *connection)
    .await;
    if let Err(error) = inserted {
        let _ = std::fs::remove_file(&path);
        return Err(error.into());
    }
    Ok(OrderFile {
        id: file_id,
        purpose: new.purpose.as_str().to_owned(),
        file_name,
        content_type: new.kind.content_type().to_owned(),
        size_bytes,
        sha256,
        uploaded_at: new.at,
        uploaded_by: new.by.to_owned(),
        uploader_organization_id: None,
        removable: false,
    })
}

/// What a file to add to an order is for and what its content is, or the problems, named by
/// field (`purpose`, `file`): a check that changes nothing, so a form can refuse a bad file
/// before it places the order the file goes with.
pub fn check_file(purpose: &str, file_name: &str, bytes: &[u8]) -> Result<(FilePurpose, FileKind)> {
    let purpose: FilePurpose = purpose.trim().parse().map_err(|_| {
        Error::Invalid(vec![zhizao_core::FieldError::new(
            "purpose",
            Text::owned(
                format!("“{}”不是文件用途（图纸、照片、纸样、报告）", purpose.trim()),
                format!(
                    "{:?} is not a purpose: drawing, photo, pattern or report",
                    purpose.trim()
                ),
            ),
        )])
    })?;
    let kind = files::check_upload(file_name, bytes, ACCEPTED, MAX_FILE_BYTES)
        .map_err(|text| Error::Invalid(vec![zhizao_core::FieldError::new("file", text)]))?;
    Ok((purpose, kind))
}

impl Factories {
    /// The files of order `number`, oldest first (whoever sees the order).
    pub async fn order_files(&self, principal: &Principal, number: &str) -> Result<Vec<OrderFile>> {
        let row = self.order_row(principal, number).await?;
        let (id, platform, client) = (row.id, row.platform_id, row.client_id);
        let order = row.into_order()?;
        let mut files: Vec<OrderFile> = sqlx::query_as(select_files!(" ORDER BY f.id"))
            .bind(id)
            .fetch_all(self.db.pool())
            .await?;
        let open = !matches!(order.status, OrderStatus::Cancelled | OrderStatus::Received);
        for file in &mut files {
            file.removable = open
                && policy::may_remove_factory_order_file(
                    principal,
                    client,
                    platform,
                    file.uploader_organization_id,
                );
        }
        Ok(files)
    }

    /// Adds a file to order `number`: its client or its factory, while the order is quoted,
    /// confirmed or delivered (the factory's report may follow the delivery).
    pub async fn add_order_file(
        &self,
        principal: &Principal,
        number: &str,
        purpose: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<OrderFile> {
        let row = self.order_row(principal, number).await?;
        let (id, platform, client) = (row.id, row.platform_id, row.client_id);
        let order = row.into_order()?;
        let is_client = policy::request_scope(principal) == RequestScope::Client(client);
        if !is_client && !policy::may_run_factory(principal, platform) {
            return Err(Error::Forbidden(
                "only the order's client and its factory add files",
            ));
        }
        if matches!(order.status, OrderStatus::Cancelled | OrderStatus::Received) {
            return Err(Error::Transition(Text::new(
                "已取消或已签收的订单不能再添加文件",
                "a cancelled or received order takes no more files",
            )));
        }
        let (purpose, kind) = check_file(purpose, file_name, &bytes)?;
        let root = self
            .file_dir
            .as_ref()
            .ok_or_else(|| Error::Storage("no directory is configured for orders' files".into()))?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM factory_order_files WHERE order_id = $1")
                .bind(id)
                .fetch_one(&mut *transaction)
                .await?;
        if count >= MAX_FILES {
            return Err(Error::Invalid(vec![zhizao_core::FieldError::new(
                "file",
                Text::owned(
                    format!("每个订单最多 {MAX_FILES} 个文件"),
                    format!("an order carries at most {MAX_FILES} files"),
                ),
            )]));
        }
        let file = insert_file(
            &mut transaction,
            root,
            NewFile {
                order_id: id,
                purpose,
                file_name,
                kind,
                bytes,
                at: now,
                by: &principal.username,
            },
        )
        .await?;
        let path = file_path(root, id, file.id);
        let mut changes = Changes::new();
        changes
            .created("file", file.file_name.as_str())
            .created("purpose", purpose.as_str())
            .created("size_bytes", file.size_bytes);
        let recorded = audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("factory_order.file_added", "factory_order", &order.number)
                .subject(id)
                .changes(changes),
        )
        .await
        .map_err(Error::from);
        let committed = match recorded {
            Ok(()) => transaction.commit().await.map_err(Error::from),
            Err(error) => Err(error),
        };
        if let Err(error) = committed {
            // Not listed, so not kept.
            let _ = std::fs::remove_file(&path);
            return Err(error);
        }
        Ok(file)
    }

    /// Removes file `file_id` from order `number`: the side that added it, while the order is
    /// open (not cancelled or received); audited. The row goes first, then the file on disk (a
    /// file left behind by a crash between the two is never listed).
    pub async fn remove_order_file(
        &self,
        principal: &Principal,
        number: &str,
        file_id: i64,
    ) -> Result<OrderFile> {
        let row = self.order_row(principal, number).await?;
        let (id, platform, client) = (row.id, row.platform_id, row.client_id);
        let order = row.into_order()?;
        let mut transaction = self.db.begin().await?;
        let file: OrderFile = sqlx::query_as(select_files!(" AND f.id = $2"))
            .bind(id)
            .bind(file_id)
            .fetch_optional(&mut *transaction)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "file",
                key: file_id.to_string(),
            })?;
        if !policy::may_remove_factory_order_file(
            principal,
            client,
            platform,
            file.uploader_organization_id,
        ) {
            return Err(Error::Forbidden(
                "a file is removed only by the side that added it",
            ));
        }
        if matches!(order.status, OrderStatus::Cancelled | OrderStatus::Received) {
            return Err(Error::Transition(Text::new(
                "已取消或已签收的订单的文件不能删除",
                "the files of a cancelled or received order stay",
            )));
        }
        sqlx::query("DELETE FROM factory_order_files WHERE id = $1 AND order_id = $2")
            .bind(file_id)
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        let now = self.clock.now();
        let mut changes = Changes::new();
        changes
            .field("file", file.file_name.as_str(), Value::Null)
            .field("purpose", file.purpose.as_str(), Value::Null)
            .field("sha256", file.sha256.as_str(), Value::Null);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("factory_order.file_removed", "factory_order", &order.number)
                .subject(id)
                .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        if let Some(root) = &self.file_dir {
            let path = file_path(root, id, file_id);
            let _ = tokio::task::spawn_blocking(move || std::fs::remove_file(path)).await;
        }
        Ok(file)
    }

    /// One file of order `number` and its bytes (whoever sees the order).
    pub async fn order_file(
        &self,
        principal: &Principal,
        number: &str,
        file_id: i64,
    ) -> Result<(OrderFile, Vec<u8>)> {
        let row = self.order_row(principal, number).await?;
        let file: OrderFile = sqlx::query_as(select_files!(" AND f.id = $2"))
            .bind(row.id)
            .bind(file_id)
            .fetch_optional(self.db.pool())
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "file",
                key: file_id.to_string(),
            })?;
        let root = self
            .file_dir
            .as_ref()
            .ok_or_else(|| Error::Storage("no directory is configured for orders' files".into()))?;
        let path = file_path(root, row.id, file_id);
        let bytes = tokio::task::spawn_blocking(move || std::fs::read(path))
            .await
            .map_err(|error| Error::Storage(error.to_string()))?
            .map_err(|error| Error::Storage(error.to_string()))?;
        Ok((file, bytes))
    }
}
