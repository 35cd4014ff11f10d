//! Shared factories: the smart cutting centre and the shared robot polishing centre, where small
//! manufacturers order work, get a price and a date, and watch it run from the machines' own
//! data. This crate holds the domain's pure core as it lands: `tariff` (a published tariff and
//! the price of an order under it, explained line by line) and `oee` (overall equipment
//! effectiveness after ISO 22400-2 from reported machine states and counts). Who may do what is
//! decided in `zhizao_identity::policy` (`factory_order_scope`, `may_run_factory`,
//! `may_order_from_factories`).

pub mod oee;
pub mod tariff;

use zhizao_core::{Classified, ErrorKind, FieldError, Text};

/// What can go wrong in the shared-factory domain.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that cannot be used, named by field.
    #[error("invalid input: {}", describe(.0))]
    Invalid(Vec<FieldError>),
}

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

impl Classified for Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::Invalid(_) => ErrorKind::InvalidInput,
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Error::Invalid(errors) => errors.clone(),
        }
    }
}
