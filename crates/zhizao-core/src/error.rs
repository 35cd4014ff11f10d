//! The one classification of failures shared by every crate and protocol.

use serde::Serialize;

use crate::Text;

/// What kind of failure an error is, independent of where it happened.
///
/// Every crate's error type reports one of these; exactly one place per protocol turns a kind into
/// a response (an HTTP status and problem type, an MQTT reason code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input is malformed or violates a rule; the caller can fix it.
    InvalidInput,
    /// No valid credentials were presented.
    Unauthenticated,
    /// The caller is known but may not perform this action at all.
    Forbidden,
    /// The thing does not exist, or the caller may not know that it exists.
    NotFound,
    /// The request conflicts with the current state (a duplicate, a stale version).
    Conflict,
    /// The input is larger than allowed.
    TooLarge,
    /// Too many attempts; try again later.
    RateLimited,
    /// A dependency (the database, a disk) is unavailable; retrying may help.
    Unavailable,
    /// The other side (a device, a peer) did not answer in time; retrying may help.
    Timeout,
    /// A bug or an unexpected state; details are logged, never sent.
    Internal,
}

/// What a library crate's error tells the protocols that answer for it.
///
/// Every library crate has one error type implementing this trait, and each protocol has exactly
/// one generic conversion from it (an HTTP problem, a page's error, an MQTT reason code), so no
/// call site classifies another crate's error by hand. `Display` gives the English detail that
/// is logged (and, below 500, sent).
pub trait Classified: std::error::Error + Send + Sync + 'static {
    /// How callers should treat this failure.
    fn kind(&self) -> ErrorKind;

    /// A stable name for the problem more precise than its kind, such as `stale-version` or
    /// `illegal-transition`, which clients may branch on; `None` leaves the kind's own.
    fn code(&self) -> Option<&'static str> {
        None
    }

    /// What is wrong with which field, for failures that name fields (validation, a value that is
    /// already taken).
    fn field_errors(&self) -> Vec<FieldError> {
        Vec::new()
    }

    /// The failure in words for people, in both languages, where there are such words beyond the
    /// English detail.
    fn message(&self) -> Option<Text> {
        None
    }

    /// Seconds after which trying again may succeed (rate limiting).
    fn retry_after_seconds(&self) -> Option<i64> {
        None
    }
}

/// A validation failure pinned to one field (or one cell of an imported sheet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name as the API spells it, e.g. `credit_code`.
    pub field: String,
    /// What is wrong, in both languages.
    pub message: Text,
    /// For imports: the 1-based row number in the sheet as a spreadsheet program shows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// For imports: the column header as written in the sheet (and its letter, e.g. `B`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

impl FieldError {
    /// An error on a field of a form or JSON body.
    pub fn new(field: impl Into<String>, message: Text) -> Self {
        Self {
            field: field.into(),
            message,
            row: None,
            column: None,
        }
    }

    /// An error on a cell of an imported sheet.
    pub fn at_cell(
        field: impl Into<String>,
        row: u32,
        column: impl Into<String>,
        message: Text,
    ) -> Self {
        Self {
            field: field.into(),
            message,
            row: Some(row),
            column: Some(column.into()),
        }
    }
}
