//! Zhizao's shared vocabulary.
//!
//! Every other crate speaks in these types: a [`CreditCode`] is a unified social credit code whose
//! check characters have been verified, a [`Fen`] is an amount of money in fen (never a float), a
//! [`Timestamp`] is a UTC instant shown in Asia/Shanghai, a [`Text`] is a message in both of the
//! platform's languages. Values are validated once, when they are parsed, and carried as types
//! afterwards ("parse, don't validate").
//!
//! [`ErrorKind`] is the one classification of failures that the HTTP layer and the MQTT broker
//! map to a status or reason code; every library crate's error type reports its kind through
//! [`Classified`].
//!
//! ```
//! use zhizao_core::CreditCode;
//! let code = CreditCode::parse("9144030071526726xg").unwrap();
//! assert_eq!(code.as_str(), "9144030071526726XG");
//! let error = CreditCode::parse("9144030071526726XA").unwrap_err();
//! assert!(error.to_string().contains("check character (position 18)"));
//! ```

mod credit_code;
mod error;
mod figures;
pub mod files;
mod ids;
mod language;
mod money;
mod paging;
mod text;
mod timestamp;

pub use credit_code::{CREDIT_CODE_ALPHABET, CreditCode, CreditCodeError};
pub use error::{Classified, ErrorKind, FieldError};
pub use figures::{Figure, FigureFilter, FigureUnit, shanghai_year, shanghai_year_start};
pub use ids::{IndustryCode, OrgCode, OrgKind, Role, TownCode, UnknownName};
pub use language::Language;
pub use money::{Fen, FenParseError};
pub use paging::{Page, PageRequest};
pub use text::Text;
pub use timestamp::{Clock, FixedClock, SystemClock, Timestamp};
