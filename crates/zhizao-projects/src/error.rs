//! Errors of the projects and subsidies service.

use zhizao_core::{Classified, ErrorKind, FieldError, Text};

use crate::workflow::Refusal;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an operation on batches, rule sets or applications failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing does not exist or is outside the caller's scope.
    #[error("{what} {key:?} not found")]
    NotFound {
        /// What was looked for (`application`, `batch`, `rule set`, `objection`).
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// The caller may not do this at all.
    #[error("not permitted: {0}")]
    Forbidden(&'static str),
    /// Input failed validation; each entry names the field (`items[2].invoice_number`).
    #[error("invalid input: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message.en)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The review flow does not allow this step.
    #[error(transparent)]
    Refused(Refusal),
    /// The step is allowed by the flow but not yet (notice running, objections open, nothing
    /// granted …).
    #[error("{}", .0.en)]
    NotYet(Text),
    /// The thing changed since the caller read it.
    #[error(
        "{what} {key} was changed by someone else (now version {current}); reload and try again"
    )]
    StaleVersion {
        /// What changed.
        what: &'static str,
        /// Its key.
        key: String,
        /// Its current version.
        current: i64,
    },
    /// The enterprise already applied for this project in this batch.
    #[error(
        "your enterprise already applied for a project named {project_name:?} in this batch ({existing})"
    )]
    DuplicateProject {
        /// The project name.
        project_name: String,
        /// The existing application's number.
        existing: String,
    },
    /// A batch or rule set code is taken.
    #[error("{what} code {code:?} is already used")]
    DuplicateCode {
        /// What kind of code.
        what: &'static str,
        /// The code.
        code: String,
    },
    /// Writing a spreadsheet failed.
    #[error("writing the spreadsheet failed: {0}")]
    Export(String),
    /// A stored name (a status, an action) is not one this version knows.
    #[error("a stored value is not one this version knows: {0}")]
    UnknownStoredValue(#[from] crate::workflow::UnknownValue),
    /// The attachment store failed (disk full, not writable, not configured).
    #[error("the attachment store failed: {0}")]
    Storage(String),
    /// The registry failed.
    #[error(transparent)]
    Registry(#[from] zhizao_registry::Error),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] zhizao_db::Error),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Error::Database(zhizao_db::Error::Query(error))
    }
}

impl From<zhizao_identity::Error> for Error {
    fn from(error: zhizao_identity::Error) -> Self {
        Error::Registry(zhizao_registry::Error::Identity(error))
    }
}

impl Classified for Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Forbidden(_) | Error::Refused(Refusal::NotYourStep { .. }) => {
                ErrorKind::Forbidden
            }
            Error::Invalid(_) => ErrorKind::InvalidInput,
            Error::Refused(Refusal::NotFromStatus { .. })
            | Error::NotYet(_)
            | Error::StaleVersion { .. }
            | Error::DuplicateProject { .. }
            | Error::DuplicateCode { .. } => ErrorKind::Conflict,
            Error::Export(_) | Error::UnknownStoredValue(_) => ErrorKind::Internal,
            Error::Storage(_) => ErrorKind::Unavailable,
            Error::Registry(error) => error.kind(),
            Error::Database(error) => error.kind(),
        }
    }

    fn code(&self) -> Option<&'static str> {
        match self {
            Error::StaleVersion { .. } => Some("stale-version"),
            Error::DuplicateProject { .. } | Error::DuplicateCode { .. } => Some("duplicate"),
            Error::Refused(Refusal::NotFromStatus { .. }) => Some("illegal-transition"),
            Error::NotYet(_) => Some("not-possible-now"),
            Error::Registry(error) => error.code(),
            _ => None,
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Error::Invalid(errors) => errors.clone(),
            Error::Registry(error) => error.field_errors(),
            _ => Vec::new(),
        }
    }

    fn message(&self) -> Option<Text> {
        match self {
            Error::Refused(refusal) => Some(refusal.text()),
            Error::NotYet(text) => Some(text.clone()),
            _ => None,
        }
    }
}

impl Error {
    pub(crate) fn invalid(field: impl Into<String>, message: Text) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }

    pub(crate) fn not_found(what: &'static str, key: &str) -> Self {
        Error::NotFound {
            what,
            key: key.to_owned(),
        }
    }
}
