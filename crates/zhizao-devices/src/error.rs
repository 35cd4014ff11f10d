//! Errors of the device registry.

use zhizao_core::{ErrorKind, FieldError, Text};

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a device operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The profile or device does not exist, or belongs to another enterprise.
    #[error("{what} {key:?} not found")]
    NotFound {
        /// `device` or `device profile`.
        what: &'static str,
        /// The key it was looked for by.
        key: String,
    },
    /// The caller has no devices (only an enterprise's users manage its devices).
    #[error("only an enterprise's accounts manage devices")]
    Forbidden,
    /// Input failed validation.
    #[error("invalid input: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message.en)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The name is taken in this enterprise.
    #[error("{what} name {name:?} is already used")]
    Duplicate {
        /// `device` or `device profile`.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// The profile still has devices.
    #[error("profile {name:?} still has {devices} device(s)")]
    InUse {
        /// The profile.
        name: String,
        /// How many devices use it.
        devices: i64,
    },
    /// The record changed since the caller read it.
    #[error("{what} was changed by someone else (now version {current}); reload and try again")]
    StaleVersion {
        /// What changed.
        what: &'static str,
        /// Its current version.
        current: i64,
    },
    /// The database failed.
    #[error(transparent)]
    Database(#[from] zhizao_db::Error),
    /// Auditing failed.
    #[error(transparent)]
    Identity(#[from] zhizao_identity::Error),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Error::Database(zhizao_db::Error::Query(error))
    }
}

impl Error {
    /// How callers should treat this failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Forbidden => ErrorKind::Forbidden,
            Error::Invalid(_) => ErrorKind::InvalidInput,
            Error::Duplicate { .. } | Error::InUse { .. } | Error::StaleVersion { .. } => {
                ErrorKind::Conflict
            }
            Error::Database(error) => error.kind(),
            Error::Identity(error) => error.kind(),
        }
    }

    /// The per-field errors of a validation failure.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Error::Invalid(errors) => errors,
            _ => &[],
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, message: Text) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }
}
