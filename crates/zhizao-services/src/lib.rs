//! The public technology service platform system (公共技术服务平台体系): the sectors (板块) its
//! platforms serve in and each service platform's public profile — its sector, operator,
//! recognitions, contacts and staff, and whether it is one of the city-level public technology
//! service units. The catalogue of services (`catalogue`), requests to delivery (`request`, with
//! their files in `request_files`), innovation vouchers (`vouchers`) and each platform's figures
//! (`figures`) build on this directory.
//!
//! Access is decided only by `zhizao_identity::policy`: the city keeps the directory (sectors,
//! units, recognitions), a platform's staff edit their own profile's operator, summary and
//! contacts, and anyone reads the directory (it is the public face of the platforms).

use std::path::PathBuf;
use std::sync::Arc;

use zhizao_core::{Classified, Clock, ErrorKind, FieldError, Text};
use zhizao_db::Database;

pub mod catalogue;
pub mod dashboard;
pub mod figures;
pub mod platform;
pub mod request;
pub mod request_files;
pub mod sector;
pub mod vouchers;

pub use catalogue::{
    CatalogueFilter, Check, DeliveryMode, Offering, OfferingInput, OfferingStatus, PriceModel,
};
pub use figures::PlatformYear;
pub use platform::{PlatformFilter, PlatformProfile, ProfileInput, Recognition, RecognitionLevel};
pub use request::{
    FactoryOrderState, Party, RequestFilter, RequestKind, RequestStatus, ServiceRequest, Step,
    Terms,
};
pub use request_files::{RequestFile, RequestFilePurpose};
pub use sector::{Sector, SectorInput};
pub use vouchers::{
    Account, Balances, LedgerEntry, LedgerSummary, Programme, ProgrammeInput, Quota, UseStatus,
    VoucherUse,
};

/// What can go wrong in the services domain.
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
    /// The database failed.
    #[error(transparent)]
    Database(#[from] zhizao_db::Error),
    /// A file could not be stored or read.
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

/// The services domain over one database.
#[derive(Debug, Clone)]
pub struct PublicServices {
    pub(crate) db: Database,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) file_dir: PathBuf,
}

impl PublicServices {
    /// The service over `db`, telling time by `clock`, keeping request files under
    /// `service-requests` in the working directory until [`PublicServices::with_file_dir`].
    pub fn new(db: Database, clock: Arc<dyn Clock>) -> Self {
        PublicServices {
            db,
            clock,
            file_dir: PathBuf::from("service-requests"),
        }
    }

    /// The time by the service's clock (pages default to its year).
    pub fn now(&self) -> zhizao_core::Timestamp {
        self.clock.now()
    }

    /// Keeps the files of requests under `dir`.
    pub fn with_file_dir(mut self, dir: PathBuf) -> Self {
        self.file_dir = dir;
        self
    }
}
