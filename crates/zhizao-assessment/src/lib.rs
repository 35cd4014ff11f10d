//! Smart-manufacturing capability maturity self-assessment (智能制造能力成熟度自评估) after
//! GB/T 39116-2020 (the model) and GB/T 39117-2020 (the method).
//!
//! - [`model`]: the model as versioned data shipped in the binary (levels, capability factors,
//!   domains and sub-domains with their weights per industry kind, requirements per sub-domain
//!   and level, the method's answer scores and threshold);
//! - [`scoring`]: the method, pure (scores per sub-domain and level, weighted up, levels reached
//!   in order, domain profiles, the gaps to the next level);
//! - [`prefill`]: answers suggested from what the platform's records say, pure;
//! - [`evidence`]: files attached to answers, judged by their content, kept by id;
//! - [`history`]: assessments recorded as already submitted (the demo data), scored the same way;
//! - [`store`]: assessments and their answers in the database — started by an enterprise on the
//!   current model revision, answered (suggestions confirmed or corrected), submitted once and
//!   then kept as they were, reported with where the enterprise stands among its industry's and
//!   its town's assessed enterprises.
//!
//! Access is decided only by `zhizao_identity::policy`: an enterprise assesses itself; a town
//! reads its enterprises' submitted assessments, a platform its clients', the city all; a draft
//! is its enterprise's alone, and anything out of scope is "not found".

use std::path::PathBuf;
use std::sync::Arc;

use zhizao_core::{Classified, Clock, ErrorKind, FieldError, Text};
use zhizao_db::Database;

pub mod dashboard;
pub mod evidence;
pub mod history;
pub mod model;
pub mod prefill;
pub mod scoring;
pub mod store;

pub use evidence::EvidenceFile;
pub use model::{Answer, IndustryKind, Model};
pub use prefill::{Facts, Suggestion};
pub use scoring::{Gap, Scorecard};
pub use store::{
    AnswerInput, AnswerRecord, Assessment, AssessmentFilter, AssessmentStatus, AssessmentSummary,
    Report, Standing,
};

/// What can go wrong with assessments.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that cannot be used, named by field.
    #[error("invalid input: {}", describe(.0))]
    Invalid(Vec<FieldError>),
    /// No such assessment, or not the caller's to see.
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
    /// The assessment is not in a state that allows this.
    #[error("{}", .0.en)]
    Transition(Text),
    /// Someone saved a newer version first.
    #[error("a newer version ({current}) was saved; reload and try again")]
    StaleVersion {
        /// The latest version now.
        current: i64,
    },
    /// A stored record that cannot be read.
    #[error("{0}")]
    Corrupt(String),
    /// The audit log or another identity operation failed.
    #[error(transparent)]
    Identity(#[from] zhizao_identity::Error),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] zhizao_db::Error),
    /// An evidence file could not be stored or read.
    #[error("file storage: {0}")]
    Storage(String),
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
            Error::StaleVersion { .. } | Error::Transition(_) => ErrorKind::Conflict,
            Error::Corrupt(_) => ErrorKind::Internal,
            Error::Storage(_) => ErrorKind::Unavailable,
            Error::Identity(error) => error.kind(),
            Error::Database(error) => error.kind(),
        }
    }

    fn code(&self) -> Option<&'static str> {
        match self {
            Error::StaleVersion { .. } => Some("stale-version"),
            Error::Transition(_) => Some("illegal-transition"),
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
}

/// Assessments over one database.
#[derive(Debug, Clone)]
pub struct Assessments {
    pub(crate) db: Database,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) file_dir: PathBuf,
}

impl Assessments {
    /// The service over `db`, telling time by `clock`, keeping evidence files under
    /// `maturity-evidence` in the working directory until [`Assessments::with_file_dir`].
    pub fn new(db: Database, clock: Arc<dyn Clock>) -> Self {
        Assessments {
            db,
            clock,
            file_dir: PathBuf::from("maturity-evidence"),
        }
    }

    /// Keeps evidence files under `dir`.
    pub fn with_file_dir(mut self, dir: PathBuf) -> Self {
        self.file_dir = dir;
        self
    }
}
