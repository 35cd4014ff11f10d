//! Shared factories: the smart cutting centre and the shared robot polishing centre, where small
//! manufacturers order work, get a price and a date, and watch it run from the machines' own
//! data. The domain lands in parts: `tariff` (a published tariff and the price of an order under
//! it, explained line by line), `setup` (sites, resources, capabilities, calendar, routings and
//! change-overs), `plan` (orders as a `zhizao_schedule` instance, solved), `order` (a client's
//! request, its quote and status), `oee` (overall equipment effectiveness after ISO 22400-2 from
//! reported machine states and counts), `store` (each platform's tariff and set-up versions) and
//! `ordering` (placing, quoting, accepting and cancelling orders), `material` (the client's
//! material received, reconciled at delivery), `documents` (drawings, photos, pattern pieces and
//! reports an order carries), `delivery` (the delivery note,
//! the amount due from the actual quantities, the client's receipt and rating) and `planning` (plan versions of
//! the confirmed orders with pins and their figures, one published). Who may do what is decided in
//! `zhizao_identity::policy` (`request_scope`, `may_run_factory`, `may_read_factory_setup`,
//! `may_order_from_factories`).

pub mod dashboard;
pub mod delivery;
pub mod documents;
pub mod figures;
pub mod floor;
pub mod markers;
pub mod material;
pub mod oee;
pub mod order;
pub mod ordering;
pub mod performance;
pub mod plan;
pub mod planning;
pub mod progress;
pub mod setup;
pub mod setup_tables;
pub mod signals;
pub mod store;
pub mod tariff;

pub use delivery::{delivered_price, insert_delivery};
pub use material::{MaterialInput, MaterialReceipt, MaterialUnit, insert_material};
pub use order::{
    Delivery, DeliveryInput, Order, OrderAction, OrderQuote, OrderRequest, OrderStatus,
};
pub use ordering::{Held, Offer, OrderRecord, insert_order, quote};
pub use planning::{Pin, Plan, PlanStatus};
pub use setup::{Process, Setup};
pub use store::{
    DEFAULT_QUOTE_BUDGET, Factories, PublishedFactory, Quote, SetupVersion, TariffVersion,
    insert_setup_version, insert_tariff_version,
};
use zhizao_core::{Classified, ErrorKind, FieldError, Text};

/// What can go wrong in the shared-factory domain.
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
    /// The order is not in a state that allows this.
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
    /// A file could not be written or read (a full disk, a missing directory).
    #[error("file storage: {0}")]
    Storage(String),
    /// The audit log or another identity operation failed.
    #[error(transparent)]
    Identity(#[from] zhizao_identity::Error),
    /// The order's request row (orders are one kind of service request) could not be kept.
    #[error(transparent)]
    Services(#[from] zhizao_services::Error),
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

impl Error {
    /// One problem with one field.
    pub(crate) fn invalid(field: &str, zh: &'static str, en: &'static str) -> Self {
        Error::Invalid(vec![FieldError::new(field, Text::new(zh, en))])
    }
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
            Error::Services(error) => error.kind(),
            Error::Database(error) => error.kind(),
        }
    }

    fn code(&self) -> Option<&'static str> {
        match self {
            Error::StaleVersion { .. } => Some("stale-version"),
            Error::Transition(_) => Some("illegal-transition"),
            Error::Identity(error) => error.code(),
            Error::Services(error) => error.code(),
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
            Error::Transition(text) => Some(text.clone()),
            _ => None,
        }
    }
}
