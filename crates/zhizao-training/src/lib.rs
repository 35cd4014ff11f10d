//! Training (培训) on the smart-manufacturing platform: what a training provider (a service
//! platform) teaches the city's technicians, online and in the room.
//!
//! - [`course`]: courses with their lessons (text, or a PDF or video file the platform serves),
//!   drafted, published and withdrawn by their provider, with a completion rule (every required
//!   lesson done, and so many offline sessions attended);
//! - [`learning`]: enrolment and each learner's progress per lesson; a course completed by its
//!   rule issues the certificate;
//! - [`sessions`]: offline sessions with a capacity, registration (by the learner, or by the
//!   provider for people without an account), and sign-in by the code on the trainer's screen or
//!   by the trainer;
//! - [`code`]: pure — the sign-in code that changes every minute;
//! - [`certificate`]: certificates, their public verification and their PDF ([`pdf`], pure);
//! - [`figures`]: what the city reports of training (learners online, trainees offline,
//!   certificates), counted from the records.
//!
//! Access is decided only by `zhizao_identity::policy` (`may_offer_training`, `may_learn`,
//! `may_oversee_training`); out of scope is "not found".

use std::path::PathBuf;
use std::sync::Arc;

use zhizao_core::{Classified, Clock, ErrorKind, FieldError, Text};
use zhizao_db::Database;

pub mod certificate;
pub mod code;
pub mod course;
pub mod dashboard;
pub mod figures;
pub mod history;
pub mod learning;
pub mod pdf;
pub mod sessions;

pub use certificate::Certificate;
pub use course::{Course, CourseInput, CourseStatus, Lesson, LessonInput, LessonKind};
pub use learning::{Enrolment, LearnerProgress, LessonProgress};
pub use sessions::{Registration, SessionInput, SignInMethod, TrainingSession};

/// What can go wrong in training.
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
    /// The thing is not in a state that allows this (a full session, a second sign-in, a stale
    /// code …).
    #[error("{}", .text.en)]
    Conflict {
        /// A stable name clients may branch on, e.g. `session-full`, `code-expired`.
        code: &'static str,
        /// What happened, in both languages.
        text: Text,
    },
    /// Someone saved a newer version first.
    #[error("a newer version ({current}) was saved; reload and try again")]
    StaleVersion {
        /// The latest version now.
        current: i64,
    },
    /// A stored record that cannot be read.
    #[error("{0}")]
    Corrupt(String),
    /// A lesson file could not be stored or read.
    #[error("file storage: {0}")]
    Storage(String),
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
            Error::StaleVersion { .. } | Error::Conflict { .. } => ErrorKind::Conflict,
            Error::Corrupt(_) => ErrorKind::Internal,
            Error::Storage(_) => ErrorKind::Unavailable,
            Error::Identity(error) => error.kind(),
            Error::Database(error) => error.kind(),
        }
    }

    fn code(&self) -> Option<&'static str> {
        match self {
            Error::StaleVersion { .. } => Some("stale-version"),
            Error::Conflict { code, .. } => Some(code),
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
            Error::Conflict { text, .. } => Some(text.clone()),
            Error::Identity(error) => error.message(),
            _ => None,
        }
    }
}

/// Collects problems named by field.
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<FieldError>);

impl Problems {
    pub(crate) fn add(&mut self, field: impl Into<String>, zh: String, en: String) {
        self.0.push(FieldError::new(field, Text::owned(zh, en)));
    }

    pub(crate) fn into_result(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}

pub(crate) fn invalid(field: &str, zh: String, en: String) -> Error {
    Error::Invalid(vec![FieldError::new(field, Text::owned(zh, en))])
}

pub(crate) fn conflict(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Error {
    Error::Conflict {
        code,
        text: Text::owned(zh.into(), en.into()),
    }
}

/// Training over one database.
#[derive(Debug, Clone)]
pub struct Training {
    pub(crate) db: Database,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) file_dir: PathBuf,
}

impl Training {
    /// Training over `db`, telling time by `clock`, keeping lesson files under `training` in the
    /// working directory until [`Training::with_file_dir`].
    pub fn new(db: Database, clock: Arc<dyn Clock>) -> Self {
        Training {
            db,
            clock,
            file_dir: PathBuf::from("training"),
        }
    }

    /// Keeps lesson files under `dir`.
    pub fn with_file_dir(mut self, dir: PathBuf) -> Self {
        self.file_dir = dir;
        self
    }

    /// Now, by the service's clock.
    pub fn now(&self) -> zhizao_core::Timestamp {
        self.clock.now()
    }
}
