//! Open data (开放数据): what the city publishes of its figures to other systems.
//!
//! - [`suppress`]: a dataset's cells as published, with cells counted from too few enterprises
//!   withheld and their complements, so no enterprise's own figures can be read or derived;
//! - [`keys`]: the API keys the city's data office issues to other systems, each with its rate
//!   limit, revoked at any time, their use counted per day;
//! - [`limiter`]: the rate limits themselves (a token bucket per key).
//!
//! The datasets are the figures every domain states for the dashboard, measured over
//! [`zhizao_identity::policy::open_data_scope`]; keys are managed by whom
//! [`zhizao_identity::policy::may_manage_open_data`] allows.

use std::sync::Arc;

use zhizao_core::{Classified, Clock, ErrorKind, FieldError, Text};
use zhizao_db::Database;

pub mod keys;
pub mod limiter;
pub mod suppress;

pub use keys::{Admission, KeyInput, KeyView, NewKey};
pub use suppress::{Cell, Published, suppress};

/// A cell counted from fewer enterprises than this is not published.
pub const DEFAULT_MINIMUM_COUNT: i64 = 3;

/// What can go wrong with open data.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that cannot be used, named by field.
    #[error("invalid input: {}", describe(.0))]
    Invalid(Vec<FieldError>),
    /// No such thing, or not the caller's to see.
    #[error("{what} {key:?} not found")]
    NotFound {
        /// What was looked for.
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// The caller may not do this.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// No key, or one that is unknown or revoked.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// The key has used its allowance.
    #[error("this key may make {per_minute} requests a minute; retry after {retry_after} s")]
    RateLimited {
        /// The key's allowance.
        per_minute: u32,
        /// Seconds until the next request is allowed.
        retry_after: u32,
    },
    /// The audit log or another identity operation failed.
    #[error(transparent)]
    Identity(#[from] zhizao_identity::Error),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] zhizao_db::Error),
}

/// This crate's results.
pub type Result<T> = std::result::Result<T, Error>;

fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message.en))
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Error::Database(error.into())
    }
}

impl Classified for Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::Invalid(_) => ErrorKind::InvalidInput,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Forbidden(_) => ErrorKind::Forbidden,
            Error::Unauthenticated(_) => ErrorKind::Unauthenticated,
            Error::RateLimited { .. } => ErrorKind::RateLimited,
            Error::Identity(error) => error.kind(),
            Error::Database(error) => error.kind(),
        }
    }

    fn code(&self) -> Option<&'static str> {
        match self {
            Error::Identity(error) => error.code(),
            _ => None,
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Error::Invalid(errors) => errors.clone(),
            _ => Vec::new(),
        }
    }

    fn message(&self) -> Option<Text> {
        match self {
            Error::RateLimited {
                per_minute,
                retry_after,
            } => Some(Text::owned(
                format!("此密钥每分钟最多调用 {per_minute} 次，请 {retry_after} 秒后再试"),
                self.to_string(),
            )),
            Error::Unauthenticated(_) => Some(Text::new(
                "开放数据接口须在 X-API-Key 请求头中提供有效的密钥（由市数据管理部门签发）",
                "the open data API needs a valid key in the X-API-Key header (issued by the city's data office)",
            )),
            _ => None,
        }
    }

    fn retry_after_seconds(&self) -> Option<i64> {
        match self {
            Error::RateLimited { retry_after, .. } => Some(i64::from(*retry_after)),
            _ => None,
        }
    }
}

/// The open data service: keys, their limits and their use.
#[derive(Debug, Clone)]
pub struct OpenData {
    db: Database,
    clock: Arc<dyn Clock>,
    limiter: Arc<limiter::Limiter>,
}

impl OpenData {
    /// The service over `db`, timed by `clock`.
    pub fn new(db: Database, clock: Arc<dyn Clock>) -> Self {
        OpenData {
            db,
            clock,
            limiter: Arc::new(limiter::Limiter::new()),
        }
    }
}
