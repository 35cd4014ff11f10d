//! The crate's one error type: what the caller wrote wrong, and what went wrong in the store.

use std::path::PathBuf;
use std::time::Duration;

use zhizao_core::{Classified, ErrorKind, FieldError, Text};

use crate::line_protocol::ParseErrors;
use crate::maintenance::MAX_RETENTION_DAYS;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a telemetry operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A name the caller chose (database, table, tag or field) is not acceptable.
    #[error("invalid {what} name {name:?}: {reason}")]
    InvalidName {
        /// `database`, `table`, `tag` or `field`.
        what: &'static str,
        /// The name.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A field was written with another type than before.
    #[error(
        "field type conflict: input field \"{column}\" on measurement \"{table}\" is type {found}, already exists as type {existing}"
    )]
    TypeConflict {
        /// The table.
        table: String,
        /// The field.
        column: String,
        /// The type written now.
        found: &'static str,
        /// The type it has.
        existing: &'static str,
    },
    /// A name is used as tag and as field.
    #[error(
        "column \"{column}\" on measurement \"{table}\" is a {existing} and cannot be written as a {found}"
    )]
    KindConflict {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// `tag` or `field`.
        found: &'static str,
        /// `tag` or `field`.
        existing: &'static str,
    },
    /// A tag or field is named `time`, or a name is malformed.
    #[error("invalid column \"{column}\" on measurement \"{table}\": {reason}")]
    InvalidColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A line protocol body has bad lines (every one listed with its position).
    #[error("{0}")]
    LineProtocol(ParseErrors),
    /// A retention period outside 1 to [`MAX_RETENTION_DAYS`] days.
    #[error("retention must keep at least one day and at most {MAX_RETENTION_DAYS} days, not {0}")]
    RetentionOutOfRange(u32),
    /// A series was asked for over a range that ends before it starts.
    #[error("from must be before to")]
    EmptyRange,
    /// A series was asked for of a field the device's table does not have as a number.
    #[error("the device has no numeric field {0:?}")]
    NotANumericField(String),
    /// A setting (retention, object storage location, …) is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The SQL is wrong or refers to something that does not exist; the caller can fix it.
    #[error("{0}")]
    Sql(String),
    /// The statement is not a query (DDL, DML, settings), which tenants may not run.
    #[error("only queries are allowed: {0}")]
    NotAQuery(String),
    /// A query's result is larger than allowed.
    #[error("the result has more than {0} rows; narrow the query or add LIMIT")]
    TooManyRows(usize),
    /// A query took too long.
    #[error("the query took longer than {0:?}")]
    QueryTimeout(Duration),
    /// Something failed while running a query.
    #[error("query execution failed: {0}")]
    QueryFailed(String),
    /// A result could not be encoded in the requested format.
    #[error("encoding the result failed: {0}")]
    Encode(String),
    /// A file operation of the write-ahead log failed.
    #[error("write-ahead log I/O on {path}: {source}")]
    LogIo {
        /// The file or directory.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A record before the end of the log is damaged: acknowledged data would be lost.
    #[error("write-ahead log segment {path} is corrupt at byte {offset}: {reason}")]
    CorruptLog {
        /// The segment.
        path: PathBuf,
        /// Where the damaged record starts.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The log's writer thread has stopped (after an I/O error or at shutdown): nothing more can
    /// be acknowledged.
    #[error("the write-ahead log is closed")]
    LogClosed,
    /// The manifest could not be read or written.
    #[error("manifest {path}: {source}")]
    ManifestIo {
        /// The file.
        path: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The manifest is not one this version understands.
    #[error("manifest {path} is unreadable: {reason}")]
    ManifestUnreadable {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The object storage cannot be used (unreachable, or the credentials are refused).
    #[error("{0}")]
    ObjectStorage(String),
    /// The data directory's `store-id` is not a store id: the directory is not one this
    /// version wrote, or it was damaged.
    #[error("{path} holds {found:?}, not a store id (16 hex digits)")]
    NotAStoreId {
        /// The file.
        path: PathBuf,
        /// What it holds.
        found: String,
    },
    /// Writing or encoding Parquet or Arrow data, or placing a file, failed.
    #[error("persisting telemetry failed: {0}")]
    Persist(String),
    /// The log holds as much as it may while its batches cannot be written to files: writes
    /// are refused until persisting catches up, rather than the disk filled.
    #[error(
        "telemetry is not being written to its files ({because}); the write-ahead log holds {bytes} bytes, its limit is {limit}: writes resume when persisting catches up"
    )]
    Backlog {
        /// The log's bytes.
        bytes: u64,
        /// The limit.
        limit: u64,
        /// Why persisting is behind (its last failure), or that it is only behind.
        because: String,
    },
    /// File system trouble outside the log.
    #[error("telemetry storage I/O on {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

impl Classified for Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidName { .. }
            | Error::TypeConflict { .. }
            | Error::KindConflict { .. }
            | Error::InvalidColumn { .. }
            | Error::LineProtocol(_)
            | Error::RetentionOutOfRange(_)
            | Error::EmptyRange
            | Error::NotANumericField(_)
            | Error::Invalid(_)
            | Error::Sql(_)
            | Error::NotAQuery(_)
            // The caller narrows the query: both are answered like a mistake in the SQL.
            | Error::TooManyRows(_)
            | Error::QueryTimeout(_) => ErrorKind::InvalidInput,
            Error::LogIo { .. }
            | Error::LogClosed
            | Error::ManifestIo { .. }
            | Error::ObjectStorage(_)
            | Error::Persist(_)
            | Error::Backlog { .. }
            | Error::Io { .. } => ErrorKind::Unavailable,
            Error::QueryFailed(_)
            | Error::Encode(_)
            | Error::CorruptLog { .. }
            | Error::NotAStoreId { .. }
            | Error::ManifestUnreadable { .. } => ErrorKind::Internal,
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        let (field, zh) = match self {
            Error::InvalidName { what, reason, .. } => {
                let what_zh = match *what {
                    "database" => "数据库",
                    "table" => "表",
                    "tag" => "标签",
                    _ => "字段",
                };
                (*what, format!("{what_zh}名称无效：{reason}"))
            }
            Error::RetentionOutOfRange(days) => (
                "days",
                format!("保留天数须在 1 到 {MAX_RETENTION_DAYS} 之间，收到 {days}"),
            ),
            Error::EmptyRange => ("from", "开始时间须早于结束时间".to_owned()),
            Error::NotANumericField(field) => ("field", format!("设备没有数值字段“{field}”")),
            _ => return Vec::new(),
        };
        vec![FieldError::new(field, Text::owned(zh, self.to_string()))]
    }

    fn retry_after_seconds(&self) -> Option<i64> {
        // Persisting retries with back-off up to a minute.
        matches!(self, Error::Backlog { .. }).then_some(30)
    }
}

impl From<ParseErrors> for Error {
    fn from(errors: ParseErrors) -> Self {
        Error::LineProtocol(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_caller_wrote_is_invalid_input_and_what_the_disk_did_is_unavailable() {
        let check = |error: Error, kind: ErrorKind| assert_eq!(error.kind(), kind, "{error}");
        check(
            Error::InvalidName {
                what: "database",
                name: "_x".into(),
                reason: "must not start with '.' or '_'",
            },
            ErrorKind::InvalidInput,
        );
        check(
            Error::Invalid("retention must be 1 to 36500 days".into()),
            ErrorKind::InvalidInput,
        );
        check(
            Error::NotAQuery("DROP TABLE t".into()),
            ErrorKind::InvalidInput,
        );
        check(Error::LogClosed, ErrorKind::Unavailable);
        check(
            Error::Io {
                path: "data".into(),
                source: std::io::Error::other("disk full"),
            },
            ErrorKind::Unavailable,
        );
        check(Error::QueryFailed("oops".into()), ErrorKind::Internal);
    }
}
