//! The enterprise registry (企业名录).
//!
//! Owns the reference data every other capability classifies by (Zhongshan's towns with their
//! history, GB/T 4754-2017 manufacturing classes), the enterprises themselves with their
//! recognitions (demonstration projects, technology centres, design centres, laboratories), and
//! the spreadsheets the city already keeps them in.
//!
//! Data flow: a request arrives with a [`zhizao_identity::Principal`]; the registry asks
//! [`zhizao_identity::policy`] for the principal's enterprise scope and turns it into SQL
//! (`scope.rs`), so a list, a lookup, an edit or an export can only ever touch rows in scope.
//! Changes are written with their audit entries in one transaction; an enterprise's change
//! history is its slice of the audit log.
//!
//! Imports are all or nothing: every row is validated first (`import.rs` reports each problem
//! with its row number and column), and only a file without problems is written, in one
//! transaction.
//!
//! Architecture invariant: this crate never decides who may see what; it only applies the
//! scope the policy returns.

mod bulk;
mod columns;
mod enterprises;
mod error;
mod export;
pub mod figures;
mod import;
mod model;
pub mod reference;
mod scope;
mod signups;
mod statistics;
#[cfg(feature = "testing")]
pub mod testing;
mod validate;

use std::sync::Arc;

use zhizao_core::Clock;
use zhizao_db::Database;

pub use bulk::BulkRegistrar;
pub use enterprises::{EnterpriseFilter, EnterpriseSort, SizeFilter, link_platform_client};
pub use error::{Error, Result};
pub use export::{ExportFormat, Exported};
pub use import::{ImportMode, ImportOptions, ImportReport, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS};
pub use model::{
    Enterprise, EnterpriseInput, IndustryClass, Recognition, RecognitionInput, RecognitionKind,
    RecognitionLevel, Town,
};
pub use scope::restrict_to as restrict_to_scope;
pub use signups::{SignupInput, SignupRequest, SignupStatus};
pub use statistics::RegistryStatistics;

/// The registry service: one per process.
#[derive(Debug, Clone)]
pub struct Registry {
    db: Database,
    clock: Arc<dyn Clock>,
}

impl Registry {
    /// The registry over `db`.
    pub fn new(db: Database, clock: Arc<dyn Clock>) -> Self {
        Registry { db, clock }
    }

    /// The database this registry reads and writes.
    pub fn database(&self) -> &Database {
        &self.db
    }
}
