//! Errors of the identity service.

use zhizao_core::{Classified, ErrorKind, FieldError, Text};

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an identity operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The credentials are wrong, expired or revoked (deliberately vague).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many failed attempts; the account or address must wait.
    #[error("too many failed sign-in attempts; try again in {retry_after_seconds} s")]
    Throttled {
        /// Seconds until another attempt is accepted.
        retry_after_seconds: i64,
    },
    /// The caller may not do this at all.
    #[error("not permitted: {0}")]
    Forbidden(&'static str),
    /// The thing does not exist or is outside the caller's scope.
    #[error("{what} {key:?} not found")]
    NotFound {
        /// What was looked for, e.g. `organisation`.
        what: &'static str,
        /// The key it was looked for by.
        key: String,
    },
    /// Input failed validation; each entry names the field.
    #[error("invalid input: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message.en)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// A unique value is taken.
    #[error("{field} {value:?} is already in use")]
    Duplicate {
        /// The field, e.g. `username`.
        field: &'static str,
        /// The value that is taken.
        value: String,
    },
    /// The record changed since the caller read it.
    #[error("{what} was changed by someone else (version {current}); reload and try again")]
    StaleVersion {
        /// What changed.
        what: &'static str,
        /// Its current version.
        current: i64,
    },
    /// The record is still referenced and cannot be removed.
    #[error("{0}")]
    InUse(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] zhizao_db::Error),
    /// Password hashing failed (a bug or resource exhaustion).
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Error::Database(zhizao_db::Error::Query(error))
    }
}

impl Classified for Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidCredentials => ErrorKind::Unauthenticated,
            Error::Throttled { .. } => ErrorKind::RateLimited,
            Error::Forbidden(_) => ErrorKind::Forbidden,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Invalid(_) => ErrorKind::InvalidInput,
            Error::Duplicate { .. } | Error::StaleVersion { .. } | Error::InUse(_) => {
                ErrorKind::Conflict
            }
            Error::Database(error) => error.kind(),
            Error::Hashing(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> Option<&'static str> {
        match self {
            Error::StaleVersion { .. } => Some("stale-version"),
            Error::Duplicate { .. } => Some("duplicate"),
            Error::Database(error) => error.code(),
            _ => None,
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Error::Invalid(errors) => errors.clone(),
            Error::Duplicate { field, value } => vec![FieldError::new(
                *field,
                Text::owned(
                    format!("“{value}”已被使用"),
                    format!("{value:?} is already in use"),
                ),
            )],
            _ => Vec::new(),
        }
    }

    fn retry_after_seconds(&self) -> Option<i64> {
        match self {
            Error::Throttled {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }
}

impl Error {
    /// A single-field validation error.
    pub(crate) fn invalid(field: &str, message: Text) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }
}
