//! The independent validator: checks a [`Schedule`] against its [`Instance`].
//!
//! Architecture invariant: this module shares nothing with the solver except the instance model.
//! It recomputes everything from the schedule's start and end times in the most direct way
//! (sorting, pairwise comparison, linear scans), so that a bug in the solver's incremental
//! bookkeeping cannot hide behind the same bug here.

use std::fmt;

use crate::model::{Instance, Time};
use crate::schedule::{SCHEDULE_FORMAT_VERSION, Schedule, ScheduledOperation};

/// Objective values recomputed by the validator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evaluation {
    /// Completion time of the last operation (0 for an empty instance).
    pub makespan: Time,
    /// Total weighted tardiness.
    pub total_weighted_tardiness: Time,
}

/// An operation named by job and operation index (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationRef {
    /// Job index.
    pub job: usize,
    /// Operation index within the job.
    pub operation: usize,
}

impl fmt::Display for OperationRef {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "job {} operation {}", self.job, self.operation)
    }
}

/// The first constraint a schedule breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// The schedule file has another format version.
    #[error("format_version {found} is not {SCHEDULE_FORMAT_VERSION}")]
    FormatVersion {
        /// The version found.
        found: u32,
    },
    /// An entry names an operation the instance does not have.
    #[error("{operation} does not exist in the instance")]
    UnknownOperation {
        /// The entry.
        operation: OperationRef,
    },
    /// An operation appears twice.
    #[error("{operation} is scheduled twice")]
    DuplicateOperation {
        /// The operation.
        operation: OperationRef,
    },
    /// An operation is missing.
    #[error("{operation} is not scheduled")]
    MissingOperation {
        /// The operation.
        operation: OperationRef,
    },
    /// An operation runs on a machine it cannot use.
    #[error("{operation} runs on machine {machine}, which is not eligible")]
    IneligibleMachine {
        /// The operation.
        operation: OperationRef,
        /// The machine used.
        machine: usize,
    },
    /// End minus start differs from the processing time on that machine.
    #[error(
        "{operation} lasts {found} on machine {machine}, its processing time there is {expected}"
    )]
    WrongDuration {
        /// The operation.
        operation: OperationRef,
        /// The machine used.
        machine: usize,
        /// Processing time from the instance.
        expected: Time,
        /// `end - start` in the schedule.
        found: Time,
    },
    /// A frozen operation was moved.
    #[error(
        "{operation} is frozen at machine {expected_machine} start {expected_start}, found machine {machine} start {start}"
    )]
    FrozenMoved {
        /// The operation.
        operation: OperationRef,
        /// Frozen machine.
        expected_machine: usize,
        /// Frozen start.
        expected_start: Time,
        /// Machine in the schedule.
        machine: usize,
        /// Start in the schedule.
        start: Time,
    },
    /// An operation starts before its job's release time.
    #[error("{operation} starts at {start}, before the job's release time {release}")]
    BeforeRelease {
        /// The operation.
        operation: OperationRef,
        /// Its start.
        start: Time,
        /// The job's release time.
        release: Time,
    },
    /// An operation that is not frozen starts before the instance's current time.
    #[error("{operation} starts at {start}, before the current time {now}")]
    BeforeNow {
        /// The operation.
        operation: OperationRef,
        /// Its start.
        start: Time,
        /// The instance's current time.
        now: Time,
    },
    /// An operation starts before the previous operation of its job ends.
    #[error(
        "{operation} starts at {start}, before the previous operation of its job ends at {previous_end}"
    )]
    Precedence {
        /// The operation.
        operation: OperationRef,
        /// Its start.
        start: Time,
        /// End of the job's previous operation.
        previous_end: Time,
    },
    /// Two operations overlap on a machine, or leave less than the set-up time between them.
    #[error(
        "machine {machine}: {second} starts at {second_start}, but {first} ends at {first_end} and the set-up between them takes {setup}"
    )]
    Overlap {
        /// The machine.
        machine: usize,
        /// The earlier operation.
        first: OperationRef,
        /// Its end.
        first_end: Time,
        /// The later operation.
        second: OperationRef,
        /// Its start.
        second_start: Time,
        /// Set-up time required between them.
        setup: Time,
    },
    /// An operation (or the set-up before it) runs while its machine is unavailable.
    #[error(
        "machine {machine}: {operation} occupies [{busy_start}, {busy_end}) (set-up included), overlapping the unavailability window [{window_start}, {window_end})"
    )]
    Unavailable {
        /// The machine.
        machine: usize,
        /// The operation.
        operation: OperationRef,
        /// Start of the set-up (or of the operation when there is no set-up).
        busy_start: Time,
        /// End of the operation.
        busy_end: Time,
        /// Window start.
        window_start: Time,
        /// Window end.
        window_end: Time,
    },
    /// The reported makespan is not the actual one.
    #[error("reported makespan {reported}, actual {actual}")]
    WrongMakespan {
        /// As reported.
        reported: Time,
        /// As recomputed.
        actual: Time,
    },
    /// The reported total weighted tardiness is not the actual one.
    #[error("reported total weighted tardiness {reported}, actual {actual}")]
    WrongTardiness {
        /// As reported.
        reported: Time,
        /// As recomputed.
        actual: Time,
    },
}

/// Checks every constraint and the reported objective values; returns the first violation.
///
/// Checks run in this order: format version, coverage (each operation exactly once), per
/// operation (eligibility, duration, frozen placement, release, current time, job precedence,
/// in the schedule's listing order), per machine (overlap and set-ups, then unavailability, in
/// machine order and time order), and finally the reported objective values.
pub fn validate(instance: &Instance, schedule: &Schedule) -> Result<Evaluation, Violation> {
    if schedule.format_version != SCHEDULE_FORMAT_VERSION {
        return Err(Violation::FormatVersion {
            found: schedule.format_version,
        });
    }
    let jobs = instance.jobs();
    // Index the entries by (job, operation).
    let mut entry_of: Vec<Vec<Option<ScheduledOperation>>> = jobs
        .iter()
        .map(|job| vec![None; job.operations.len()])
        .collect();
    for entry in &schedule.operations {
        let operation = OperationRef {
            job: entry.job,
            operation: entry.operation,
        };
        let Some(slot) = entry_of
            .get_mut(entry.job)
            .and_then(|job| job.get_mut(entry.operation))
        else {
            return Err(Violation::UnknownOperation { operation });
        };
        if slot.is_some() {
            return Err(Violation::DuplicateOperation { operation });
        }
        *slot = Some(*entry);
    }
    for (job_index, entries) in entry_of.iter().enumerate() {
        for (operation_index, entry) in entries.iter().enumerate() {
            if entry.is_none() {
                return Err(Violation::MissingOperation {
                    operation: OperationRef {
                        job: job_index,
                        operation: operation_index,
                    },
                });
            }
        }
    }
    for entry in &schedule.operations {
        let operation = OperationRef {
            job: entry.job,
            operation: entry.operation,
        };
        let job = &jobs[entry.job];
        let model = &job.operations[entry.operation];
        let Some(alternative) = model
            .alternatives
            .iter()
            .find(|alternative| alternative.machine == entry.machine)
        else {
            return Err(Violation::IneligibleMachine {
                operation,
                machine: entry.machine,
            });
        };
        let found = entry.end.checked_sub(entry.start).unwrap_or(Time::MIN);
        if found != alternative.duration {
            return Err(Violation::WrongDuration {
                operation,
                machine: entry.machine,
                expected: alternative.duration,
                found,
            });
        }
        if let Some(frozen) = model.frozen
            && (frozen.machine != entry.machine || frozen.start != entry.start)
        {
            return Err(Violation::FrozenMoved {
                operation,
                expected_machine: frozen.machine,
                expected_start: frozen.start,
                machine: entry.machine,
                start: entry.start,
            });
        }
        if entry.start < job.release {
            return Err(Violation::BeforeRelease {
                operation,
                start: entry.start,
                release: job.release,
            });
        }
        if model.frozen.is_none() && entry.start < instance.now() {
            return Err(Violation::BeforeNow {
                operation,
                start: entry.start,
                now: instance.now(),
            });
        }
        if entry.operation > 0 {
            let previous = entry_of[entry.job][entry.operation - 1]
                .as_ref()
                .map_or(0, |previous| previous.end);
            if entry.start < previous {
                return Err(Violation::Precedence {
                    operation,
                    start: entry.start,
                    previous_end: previous,
                });
            }
        }
    }
    // Per machine: sort by start (then end, so zero-length operations come first), then check
    // each consecutive pair and each operation's busy interval against the windows.
    let mut per_machine: Vec<Vec<ScheduledOperation>> = vec![Vec::new(); instance.n_machines()];
    for entry in &schedule.operations {
        per_machine[entry.machine].push(*entry);
    }
    let family = |entry: &ScheduledOperation| jobs[entry.job].operations[entry.operation].family;
    for (machine, entries) in per_machine.iter_mut().enumerate() {
        entries.sort_by_key(|entry| (entry.start, entry.end, entry.job, entry.operation));
        for pair in entries.windows(2) {
            let (first, second) = (pair[0], pair[1]);
            let setup = instance.setup_time(machine, family(&first), family(&second));
            if second.start < first.end.saturating_add(setup) {
                return Err(Violation::Overlap {
                    machine,
                    first: OperationRef {
                        job: first.job,
                        operation: first.operation,
                    },
                    first_end: first.end,
                    second: OperationRef {
                        job: second.job,
                        operation: second.operation,
                    },
                    second_start: second.start,
                    setup,
                });
            }
        }
        for (index, entry) in entries.iter().enumerate() {
            let setup = if index == 0 {
                0
            } else {
                instance.setup_time(machine, family(&entries[index - 1]), family(entry))
            };
            let busy_start = entry.start.saturating_sub(setup);
            if busy_start == entry.end {
                continue;
            }
            for window in instance.windows(machine) {
                if busy_start < window.end && window.start < entry.end {
                    return Err(Violation::Unavailable {
                        machine,
                        operation: OperationRef {
                            job: entry.job,
                            operation: entry.operation,
                        },
                        busy_start,
                        busy_end: entry.end,
                        window_start: window.start,
                        window_end: window.end,
                    });
                }
            }
        }
    }
    let makespan = schedule
        .operations
        .iter()
        .map(|entry| entry.end)
        .max()
        .unwrap_or(0);
    let mut total_weighted_tardiness = 0;
    for (job, entries) in jobs.iter().zip(&entry_of) {
        if let (Some(due), Some(Some(last))) = (job.due, entries.last()) {
            total_weighted_tardiness = job
                .weight
                .saturating_mul(last.end.saturating_sub(due).max(0))
                .saturating_add(total_weighted_tardiness);
        }
    }
    if schedule.makespan != makespan {
        return Err(Violation::WrongMakespan {
            reported: schedule.makespan,
            actual: makespan,
        });
    }
    if schedule.total_weighted_tardiness != total_weighted_tardiness {
        return Err(Violation::WrongTardiness {
            reported: schedule.total_weighted_tardiness,
            actual: total_weighted_tardiness,
        });
    }
    Ok(Evaluation {
        makespan,
        total_weighted_tardiness,
    })
}
