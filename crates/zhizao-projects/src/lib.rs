//! Technology-upgrade projects and subsidies (技术改造项目库与事后奖补).
//!
//! The city bureau sets up versioned subsidy **rule sets** and opens intake **batches** (a
//! programme, a year, a window, eligibility, the rule set version that computes amounts, a
//! notice period). Enterprises write **applications** (project data, an investment breakdown of
//! line items, expected outcomes) and submit them; the application then moves through the review
//! flow in [`workflow`] (town review → city review → optional experts → public notice →
//! approval → completion acceptance → payment), one explicit, permission-checked, version-checked
//! and audited action at a time. Approval evaluates the application with [`rules::evaluate`]
//! against the batch's rule set version and records the amount with its line-by-line
//! explanation and the version used. [`reports`] adds it all up.
//!
//! Data flow: a request arrives with a [`zhizao_identity::Principal`]; the service asks
//! [`zhizao_identity::policy::application_scope`] what the principal may see and turns it into
//! SQL with the registry's scope, so a list, a lookup, an action or a report only ever touches
//! rows in scope; outside it, an application does not exist (not found, never forbidden).
//!
//! Architecture invariants: status changes only through [`Projects::act`] and the transition
//! table; a rule set version is never changed once written; every amount stored names the
//! version that computed it; money is integer fen throughout.

mod applications;
pub mod attachments;
pub mod dashboard;
mod error;
pub mod history;
pub mod import;
pub mod major;
mod model;
mod programmes;
pub mod reports;
pub mod rules;
pub mod scoring;
mod validate;
pub mod workflow;

use std::path::PathBuf;
use std::sync::Arc;

use zhizao_core::Clock;
use zhizao_db::Database;

pub use applications::{ActionRequest, ApplicationFilter, ApplicationSort};
pub use error::{Error, Result};
pub use model::{
    Application, ApplicationDetail, ApplicationEvent, ApplicationInput, Batch, BatchInput,
    BatchStatus, EvaluationRecord, InvestmentItem, ItemInput, Objection, Programme, RuleSet,
    UpgradeType, default_project_window,
};
pub use validate::{MAX_ITEMS, MAX_QUANTITY};

/// The projects and subsidies service: one per process.
#[derive(Debug, Clone)]
pub struct Projects {
    db: Database,
    clock: Arc<dyn Clock>,
    attachments: Option<PathBuf>,
}

impl Projects {
    /// The service over `db`, without an attachment store (uploads are refused).
    pub fn new(db: Database, clock: Arc<dyn Clock>) -> Self {
        Projects {
            db,
            clock,
            attachments: None,
        }
    }

    /// Keeps attachments under `directory` (created when needed).
    pub fn with_attachment_dir(mut self, directory: PathBuf) -> Self {
        self.attachments = Some(directory);
        self
    }
}
