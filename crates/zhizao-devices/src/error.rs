//! Errors of the device registry.

use zhizao_core::{Classified, ErrorKind, FieldError, Text};

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
    /// No transport of the device takes commands now, and no session or relay keeps them.
    #[error("the device is not connected")]
    DeviceOffline,
    /// The device did not answer a command in time.
    #[error("the device did not answer within {0:?}")]
    NoAnswer(std::time::Duration),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] zhizao_db::Error),
    /// Auditing failed.
    #[error(transparent)]
    Identity(#[from] zhizao_identity::Error),
    /// The telemetry store refused or failed.
    #[error(transparent)]
    Telemetry(#[from] zhizao_telemetry::Error),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Error::Database(zhizao_db::Error::Query(error))
    }
}

impl Classified for Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Forbidden => ErrorKind::Forbidden,
            Error::Invalid(_) => ErrorKind::InvalidInput,
            Error::Duplicate { .. }
            | Error::InUse { .. }
            | Error::StaleVersion { .. }
            | Error::DeviceOffline => ErrorKind::Conflict,
            Error::NoAnswer(_) => ErrorKind::Timeout,
            Error::Database(error) => error.kind(),
            Error::Identity(error) => error.kind(),
            Error::Telemetry(error) => error.kind(),
        }
    }

    fn code(&self) -> Option<&'static str> {
        match self {
            Error::StaleVersion { .. } => Some("stale-version"),
            Error::Duplicate { .. } => Some("duplicate"),
            Error::InUse { .. } => Some("in-use"),
            Error::DeviceOffline => Some("device-offline"),
            Error::NoAnswer(_) => Some("device-timeout"),
            Error::Identity(error) => error.code(),
            Error::Telemetry(error) => error.code(),
            _ => None,
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Error::Invalid(errors) => errors.clone(),
            Error::Duplicate { .. } => vec![FieldError::new(
                "name",
                Text::owned("名称已被使用".into(), self.to_string()),
            )],
            Error::Identity(error) => error.field_errors(),
            Error::Telemetry(error) => error.field_errors(),
            _ => Vec::new(),
        }
    }

    fn message(&self) -> Option<Text> {
        match self {
            Error::NoAnswer(_) => Some(Text::new("设备未应答", "The device did not answer")),
            _ => None,
        }
    }
}

impl Error {
    pub(crate) fn invalid(field: impl Into<String>, message: Text) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }
}
