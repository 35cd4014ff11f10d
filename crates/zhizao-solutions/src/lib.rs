//! The smart-manufacturing solution library (智能制造解决方案库): what solution providers (the
//! service platforms) offer, matched against an enterprise's maturity assessment, and adopted.
//!
//! - [`library`]: solutions with the maturity sub-domains and levels they raise, the industries
//!   they are made for, typical investment and payback, references; drafted, published and
//!   withdrawn by their provider, read by everyone once published;
//! - [`matching`]: pure — an enterprise's latest assessment (its level, its sub-domains' scores
//!   by level) and industry rank the published solutions, each with the reasons;
//! - [`adoption`]: one solution at one enterprise from proposal (by the provider to a client, or
//!   asked for by the enterprise) to accepted or declined, implemented, and verified citing a
//!   completed upgrade project or before-and-after figures.
//!
//! Access is decided only by `zhizao_identity::policy` (`may_offer_solutions`,
//! `adoption_scope`, `may_adopt_solutions`, `enterprise_scope` for whom a provider may propose
//! to); out of scope is "not found".

use std::sync::Arc;

use zhizao_core::{Classified, Clock, ErrorKind, FieldError, Text};
use zhizao_db::Database;

pub mod adoption;
pub mod dashboard;
pub mod figures;
pub mod history;
pub mod library;
pub mod matching;
pub mod measured;

pub use adoption::Step;
pub use adoption::{Adoption, AdoptionFilter, AdoptionStatus, Figures, Verification};
pub use figures::{ProviderTally, SolutionFigures, Tally};
pub use library::{Solution, SolutionFilter, SolutionInput, SolutionStatus, Target};
pub use matching::{Match, Profile};

/// What can go wrong in the solution library.
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
    /// The thing is not in a state that allows this.
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
    /// The assessment the matching reads failed.
    #[error(transparent)]
    Assessment(#[from] zhizao_assessment::Error),
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
            Error::StaleVersion { .. } | Error::Transition(_) => ErrorKind::Conflict,
            Error::Corrupt(_) => ErrorKind::Internal,
            Error::Identity(error) => error.kind(),
            Error::Assessment(error) => error.kind(),
            Error::Database(error) => error.kind(),
        }
    }

    fn code(&self) -> Option<&'static str> {
        match self {
            Error::StaleVersion { .. } => Some("stale-version"),
            Error::Transition(_) => Some("illegal-transition"),
            Error::Identity(error) => error.code(),
            Error::Assessment(error) => error.code(),
            _ => None,
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Error::Invalid(errors) => errors.clone(),
            Error::Assessment(error) => error.field_errors(),
            _ => Vec::new(),
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

/// The solution library over one database.
#[derive(Debug, Clone)]
pub struct Solutions {
    pub(crate) db: Database,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) assessments: zhizao_assessment::Assessments,
}

impl Solutions {
    /// The library over `db`, telling time by `clock`, matching against `assessments`.
    pub fn new(
        db: Database,
        clock: Arc<dyn Clock>,
        assessments: zhizao_assessment::Assessments,
    ) -> Self {
        Solutions {
            db,
            clock,
            assessments,
        }
    }
}
