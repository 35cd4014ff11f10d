//! Errors of the registry.

use zhizao_core::{Classified, ErrorKind, FieldError, Text};

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a registry operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The enterprise does not exist or is outside the caller's scope.
    #[error("enterprise {0:?} not found")]
    NotFound(String),
    /// The caller may not do this at all.
    #[error("not permitted: {0}")]
    Forbidden(&'static str),
    /// Input failed validation; each entry names the field (and for imports the row and column).
    #[error("invalid input: {}", .0.iter().map(|e| format!("{}{}: {}", e.row.map(|r| format!("row {r} ")).unwrap_or_default(), e.field, e.message.en)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The credit code is already registered.
    #[error("credit code {credit_code} is already registered to {existing_name:?}")]
    DuplicateCreditCode {
        /// The code.
        credit_code: String,
        /// The enterprise that has it.
        existing_name: String,
    },
    /// The enterprise changed since the caller read it.
    #[error(
        "enterprise {credit_code} was changed by someone else (now version {current}); reload and try again"
    )]
    StaleVersion {
        /// The enterprise.
        credit_code: String,
        /// Its current version.
        current: i64,
    },
    /// The enterprise is still referenced (it has users) and cannot be deleted.
    #[error("enterprise {credit_code} still has {users} user account(s); remove them first")]
    InUse {
        /// The enterprise.
        credit_code: String,
        /// How many users it has.
        users: i64,
    },
    /// An uploaded file is too large.
    #[error("the file has {actual} {unit}; at most {limit} are accepted")]
    TooLarge {
        /// What was counted.
        unit: &'static str,
        /// The size found.
        actual: u64,
        /// The limit.
        limit: u64,
    },
    /// Writing a spreadsheet failed.
    #[error("writing the spreadsheet failed: {0}")]
    Export(String),
    /// The identity service failed (e.g. creating the enterprise's organisation).
    /// A sign-up was decided or changed since the caller read it.
    #[error("sign-up {id} was already decided or changed (now version {current}); reload it")]
    SignupDecided {
        /// The request.
        id: i64,
        /// Its current version.
        current: i64,
    },
    #[error(transparent)]
    Identity(#[from] zhizao_identity::Error),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] zhizao_db::Error),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Error::Database(zhizao_db::Error::Query(error))
    }
}

impl Classified for Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::Forbidden(_) => ErrorKind::Forbidden,
            Error::Invalid(_) => ErrorKind::InvalidInput,
            Error::DuplicateCreditCode { .. }
            | Error::StaleVersion { .. }
            | Error::SignupDecided { .. }
            | Error::InUse { .. } => ErrorKind::Conflict,
            Error::TooLarge { .. } => ErrorKind::TooLarge,
            Error::Export(_) => ErrorKind::Internal,
            Error::Identity(error) => error.kind(),
            Error::Database(error) => error.kind(),
        }
    }

    fn code(&self) -> Option<&'static str> {
        match self {
            Error::StaleVersion { .. } | Error::SignupDecided { .. } => Some("stale-version"),
            Error::DuplicateCreditCode { .. } => Some("duplicate"),
            Error::InUse { .. } => Some("in-use"),
            Error::Identity(error) => error.code(),
            _ => None,
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Error::Invalid(errors) => errors.clone(),
            Error::DuplicateCreditCode {
                credit_code,
                existing_name,
            } => vec![FieldError::new(
                "credit_code",
                Text::owned(
                    format!("信用代码 {credit_code} 已登记为“{existing_name}”"),
                    self.to_string(),
                ),
            )],
            Error::Identity(error) => error.field_errors(),
            _ => Vec::new(),
        }
    }

    fn retry_after_seconds(&self) -> Option<i64> {
        match self {
            Error::Identity(error) => error.retry_after_seconds(),
            _ => None,
        }
    }
}

impl Error {
    pub(crate) fn invalid(field: &str, message: Text) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }
}
