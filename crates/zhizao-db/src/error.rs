//! Errors of the relational store.

use zhizao_core::{Classified, ErrorKind};

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failure to reach, migrate or query the database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The URL names no supported database.
    #[error("unsupported database URL {url:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl {
        /// The URL with any password removed.
        url: String,
    },
    /// The database could not be opened or reached.
    #[error("cannot connect to the database at {url}: {source}")]
    Connect {
        /// The URL with any password removed.
        url: String,
        /// What the driver said.
        source: sqlx::Error,
    },
    /// The SQLite file's directory could not be created.
    #[error("cannot create the database directory {path}: {source}")]
    CreateDirectory {
        /// The directory.
        path: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A migration failed; the database is left at the last good migration.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
    /// Copying the database out or back failed.
    #[error("database backup: {0}")]
    Backup(String),
}

impl Classified for Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::UnsupportedUrl { .. } => ErrorKind::InvalidInput,
            Error::Connect { .. } | Error::CreateDirectory { .. } => ErrorKind::Unavailable,
            Error::Migrate(_) | Error::Backup(_) => ErrorKind::Internal,
            Error::Query(error) => sql_error_kind(error),
        }
    }
}

fn sql_error_kind(error: &sqlx::Error) -> ErrorKind {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_) => ErrorKind::Unavailable,
        sqlx::Error::RowNotFound => ErrorKind::NotFound,
        _ if unique_violation(error).is_some() => ErrorKind::Conflict,
        _ if transient(error) => ErrorKind::Unavailable,
        _ => ErrorKind::Internal,
    }
}

/// Whether `error` is the database being briefly unable to serve, so that trying again later
/// may succeed: SQLite busy or locked past the busy timeout, out of memory, a full disk or an
/// I/O error; PostgreSQL's connection exceptions (class 08), operator intervention (a shutdown
/// or restart, class 57P), insufficient resources (class 53: a full disk, too many
/// connections), serialization failures and deadlocks.
pub fn transient(error: &sqlx::Error) -> bool {
    let Some(database_error) = error.as_database_error() else {
        return false;
    };
    let Some(code) = database_error.code() else {
        return false;
    };
    match code.parse::<i64>() {
        // SQLite reports its (extended) result code; the primary code is the low byte.
        Ok(number) if code.len() < 5 || number < 10_000 => {
            matches!(number & 0xff, 5 | 6 | 7 | 10 | 13)
        }
        _ => {
            code.starts_with("08")
                || code.starts_with("57P")
                || code.starts_with("53")
                || code == "40001"
                || code == "40P01"
        }
    }
}

/// If `error` is a unique-constraint violation, the constraint's name, the same on both backends.
///
/// PostgreSQL reports the name; SQLite reports `UNIQUE constraint failed: table.column, …`,
/// which is turned into PostgreSQL's default name `table_column_…_key` (the migrations name
/// their constraints that way).
pub fn unique_violation(error: &sqlx::Error) -> Option<String> {
    let database_error = error.as_database_error()?;
    if !matches!(
        database_error.kind(),
        sqlx::error::ErrorKind::UniqueViolation
    ) {
        return None;
    }
    if let Some(constraint) = database_error.constraint() {
        return Some(constraint.to_owned());
    }
    let columns = database_error
        .message()
        .split_once("UNIQUE constraint failed:")?
        .1;
    let mut table = None;
    let mut names = Vec::new();
    for qualified in columns.split(',') {
        let (t, column) = qualified.trim().split_once('.')?;
        table.get_or_insert(t.to_owned());
        names.push(column.to_owned());
    }
    // SQLite reports a primary-key violation the same way; PostgreSQL calls it table_pkey.
    Some(format!("{}_{}_key", table?, names.join("_")))
}
