//! The schedule a solver returns and the versioned `schedule.json` format it is exported as.
//!
//! Format version 1 (documented in the crate README and `schema/schedule.schema.json`):
//!
//! ```json
//! {
//!   "format_version": 1,
//!   "instance": "mk01",
//!   "objective": "makespan",
//!   "makespan": 40,
//!   "total_weighted_tardiness": 0,
//!   "operations": [
//!     { "job": 0, "operation": 0, "machine": 0, "start": 0, "end": 5 }
//!   ]
//! }
//! ```
//!
//! Jobs, operations and machines are 0-based; operations are listed job by job in order.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::Time;
use crate::{Error, Result};

/// The schedule format version this crate writes and reads.
pub const SCHEDULE_FORMAT_VERSION: u32 = 1;

/// What the solver minimizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Objective {
    /// The completion time of the last operation.
    #[default]
    Makespan,
    /// Total weighted tardiness `sum w_j max(0, C_j - d_j)`.
    Tardiness,
    /// Total weighted tardiness first, makespan to break ties.
    TardinessThenMakespan,
}

impl Objective {
    /// Parses a command-line name (`makespan`, `tardiness`, `tardiness-then-makespan`).
    pub fn from_name(name: &str) -> Option<Objective> {
        match name {
            "makespan" => Some(Objective::Makespan),
            "tardiness" => Some(Objective::Tardiness),
            "tardiness-then-makespan" => Some(Objective::TardinessThenMakespan),
            _ => None,
        }
    }

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Objective::Makespan => "makespan",
            Objective::Tardiness => "tardiness",
            Objective::TardinessThenMakespan => "tardiness-then-makespan",
        }
    }
}

impl fmt::Display for Objective {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// Where and when one operation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledOperation {
    /// 0-based job index.
    pub job: usize,
    /// 0-based operation index within the job.
    pub operation: usize,
    /// 0-based machine index.
    pub machine: usize,
    /// Start time.
    pub start: Time,
    /// End time (start plus the processing time on that machine).
    pub end: Time,
}

/// A complete schedule with its reported objective values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Always [`SCHEDULE_FORMAT_VERSION`] when written by this crate.
    pub format_version: u32,
    /// Name of the instance the schedule is for.
    pub instance: String,
    /// The objective the solver minimized.
    pub objective: Objective,
    /// Reported makespan.
    pub makespan: Time,
    /// Reported total weighted tardiness.
    pub total_weighted_tardiness: Time,
    /// Every operation, job by job, in operation order.
    pub operations: Vec<ScheduledOperation>,
}

impl Schedule {
    /// The value of the schedule's objective as printed by the CLI (`makespan: 40`,
    /// `tardiness: 12`, `tardiness-then-makespan: 12 40`).
    pub fn objective_line(&self) -> String {
        match self.objective {
            Objective::Makespan => format!("makespan: {}", self.makespan),
            Objective::Tardiness => format!("tardiness: {}", self.total_weighted_tardiness),
            Objective::TardinessThenMakespan => format!(
                "tardiness-then-makespan: {} {}",
                self.total_weighted_tardiness, self.makespan
            ),
        }
    }

    /// Serializes to pretty JSON, one operation per line.
    pub fn to_json(&self) -> String {
        let mut text = String::new();
        text.push_str("{\n");
        text.push_str(&format!("  \"format_version\": {},\n", self.format_version));
        text.push_str(&format!(
            "  \"instance\": {},\n",
            serde_json::Value::String(self.instance.clone())
        ));
        text.push_str(&format!(
            "  \"objective\": \"{}\",\n",
            self.objective.name()
        ));
        text.push_str(&format!("  \"makespan\": {},\n", self.makespan));
        text.push_str(&format!(
            "  \"total_weighted_tardiness\": {},\n",
            self.total_weighted_tardiness
        ));
        text.push_str("  \"operations\": [");
        for (index, operation) in self.operations.iter().enumerate() {
            if index > 0 {
                text.push(',');
            }
            text.push_str(&format!(
                "\n    {{ \"job\": {}, \"operation\": {}, \"machine\": {}, \"start\": {}, \"end\": {} }}",
                operation.job, operation.operation, operation.machine, operation.start, operation.end
            ));
        }
        if !self.operations.is_empty() {
            text.push_str("\n  ");
        }
        text.push_str("]\n}\n");
        text
    }

    /// Parses a schedule file, rejecting unknown format versions.
    pub fn from_json(bytes: &[u8]) -> Result<Schedule> {
        let schedule: Schedule = serde_json::from_slice(bytes).map_err(|error| {
            Error::InvalidScheduleFile(format!("line {}: {error}", error.line().max(1)))
        })?;
        if schedule.format_version != SCHEDULE_FORMAT_VERSION {
            return Err(Error::InvalidScheduleFile(format!(
                "format_version {} is not supported (this reader knows version {SCHEDULE_FORMAT_VERSION})",
                schedule.format_version
            )));
        }
        Ok(schedule)
    }
}
