//! The scheduling model: a flexible job shop with the extensions a real shop needs.
//!
//! An [`Instance`] can only be obtained through [`Instance::new`], which checks every invariant
//! the solver and the validator rely on (machines in range, at least one eligible machine per
//! operation, windows sorted and disjoint, set-up matrices square, frozen operations placed on an
//! eligible machine). Everything downstream takes `&Instance` and never re-checks.

use std::fmt::Write as _;

use crate::{Error, Result};

/// Time in abstract integer units (minutes, seconds, ... as the shop chooses).
pub type Time = i64;

/// Largest time value an input may contain; keeps every sum the solver forms far from overflow.
pub const MAX_TIME_VALUE: Time = 1_000_000_000_000;

/// Largest number of machines an instance may declare.
pub const MAX_MACHINES: usize = 100_000;

/// One machine an operation may run on, with its processing time there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alternative {
    /// 0-based machine index.
    pub machine: usize,
    /// Processing time on that machine.
    pub duration: Time,
}

/// Placement of an operation that has already started (or finished): it must stay exactly here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrozenPlacement {
    /// 0-based machine index (must be one of the operation's alternatives).
    pub machine: usize,
    /// Start time.
    pub start: Time,
}

/// One operation of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Product family, used to look up sequence-dependent set-up times (0 when unused).
    pub family: usize,
    /// Eligible machines, each with its processing time; never empty, machines distinct.
    pub alternatives: Vec<Alternative>,
    /// Set when the operation has started or finished and must not move.
    pub frozen: Option<FrozenPlacement>,
}

impl Operation {
    /// The processing time on `machine`, if the machine is eligible.
    pub fn duration_on(&self, machine: usize) -> Option<Time> {
        self.alternatives
            .iter()
            .find(|alternative| alternative.machine == machine)
            .map(|alternative| alternative.duration)
    }
}

/// A job: operations that run in the given order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Optional display name (an order number, a customer reference).
    pub name: Option<String>,
    /// The first operation may not start before this time.
    pub release: Time,
    /// Due date for tardiness objectives; a job without one is never tardy.
    pub due: Option<Time>,
    /// Weight of the job's tardiness (default 1).
    pub weight: Time,
    /// Operations in processing order.
    pub operations: Vec<Operation>,
}

/// A half-open interval `[start, end)` during which a machine can neither process nor set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First unavailable instant.
    pub start: Time,
    /// First available instant after the window.
    pub end: Time,
}

/// Sequence-dependent set-up times of one machine: `time(from, to)` between consecutive operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupMatrix {
    n_families: usize,
    times: Vec<Time>,
}

impl SetupMatrix {
    /// Builds a matrix from rows (`rows[from][to]`); rows must form a square matrix.
    pub fn from_rows(rows: &[Vec<Time>]) -> Result<Self> {
        let n_families = rows.len();
        let mut times = Vec::with_capacity(n_families * n_families);
        for (from, row) in rows.iter().enumerate() {
            if row.len() != n_families {
                return Err(Error::InvalidInstance(format!(
                    "set-up matrix row {from} has {} entries, expected {n_families}",
                    row.len()
                )));
            }
            for &time in row {
                check_time("set-up time", time)?;
                times.push(time);
            }
        }
        Ok(SetupMatrix { n_families, times })
    }

    /// Number of families the matrix covers.
    pub fn n_families(&self) -> usize {
        self.n_families
    }

    /// Set-up time when an operation of family `to` follows one of family `from`.
    ///
    /// Families outside the matrix cost nothing (the instance constructor rejects them anyway).
    pub fn time(&self, from: usize, to: usize) -> Time {
        if from < self.n_families && to < self.n_families {
            self.times[from * self.n_families + to]
        } else {
            0
        }
    }

    /// The matrix as rows, for serialization.
    pub fn rows(&self) -> Vec<Vec<Time>> {
        if self.n_families == 0 {
            return Vec::new();
        }
        self.times
            .chunks(self.n_families)
            .map(<[Time]>::to_vec)
            .collect()
    }
}

/// Everything an instance consists of, before validation. Build one, then call [`Instance::new`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceParts {
    /// Instance name (the file stem for benchmark files).
    pub name: String,
    /// Number of machines; machines are `0..n_machines`.
    pub n_machines: usize,
    /// The jobs.
    pub jobs: Vec<Job>,
    /// Per machine, an optional set-up matrix (empty vector: no set-ups anywhere).
    pub setup_times: Vec<Option<SetupMatrix>>,
    /// Per machine, unavailability windows in any order (empty vector: always available).
    pub unavailability: Vec<Vec<Window>>,
    /// The current time: operations that are not frozen may not start before it.
    pub now: Time,
}

/// A validated scheduling instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    parts: InstanceParts,
    n_operations: usize,
}

impl Instance {
    /// Validates the parts and returns the instance.
    ///
    /// Windows are sorted and overlapping windows merged; everything else is kept as given.
    pub fn new(mut parts: InstanceParts) -> Result<Self> {
        let n_machines = parts.n_machines;
        if n_machines == 0 || n_machines > MAX_MACHINES {
            return Err(Error::InvalidInstance(format!(
                "number of machines must be between 1 and {MAX_MACHINES}, found {n_machines}"
            )));
        }
        check_time("current time", parts.now)?;
        if parts.setup_times.is_empty() {
            parts.setup_times = vec![None; n_machines];
        }
        if parts.setup_times.len() != n_machines {
            return Err(Error::InvalidInstance(format!(
                "set-up times given for {} machines, expected {n_machines}",
                parts.setup_times.len()
            )));
        }
        if parts.unavailability.is_empty() {
            parts.unavailability = vec![Vec::new(); n_machines];
        }
        if parts.unavailability.len() != n_machines {
            return Err(Error::InvalidInstance(format!(
                "unavailability given for {} machines, expected {n_machines}",
                parts.unavailability.len()
            )));
        }
        for (machine, windows) in parts.unavailability.iter_mut().enumerate() {
            for window in windows.iter() {
                check_time("window start", window.start)?;
                check_time("window end", window.end)?;
                if window.end <= window.start {
                    return Err(Error::InvalidInstance(format!(
                        "machine {machine}: unavailability window [{}, {}) is empty",
                        window.start, window.end
                    )));
                }
            }
            windows.sort_by_key(|window| (window.start, window.end));
            let mut merged: Vec<Window> = Vec::with_capacity(windows.len());
            for window in windows.iter() {
                match merged.last_mut() {
                    Some(last) if window.start <= last.end => last.end = last.end.max(window.end),
                    _ => merged.push(*window),
                }
            }
            *windows = merged;
        }
        let mut n_operations = 0usize;
        for (job_index, job) in parts.jobs.iter().enumerate() {
            let context =
                |message: String| Error::InvalidInstance(format!("job {job_index}: {message}"));
            check_time("release", job.release).map_err(|error| context(error.to_string()))?;
            if let Some(due) = job.due {
                check_time("due date", due).map_err(|error| context(error.to_string()))?;
            }
            if job.weight < 0 || job.weight > 1_000_000 {
                return Err(context(format!(
                    "weight must be between 0 and 1000000, found {}",
                    job.weight
                )));
            }
            let mut previous_frozen = true;
            for (operation_index, operation) in job.operations.iter().enumerate() {
                let context = |message: String| {
                    Error::InvalidInstance(format!(
                        "job {job_index} operation {operation_index}: {message}"
                    ))
                };
                if operation.alternatives.is_empty() {
                    return Err(context("no eligible machine".into()));
                }
                for (index, alternative) in operation.alternatives.iter().enumerate() {
                    if alternative.machine >= n_machines {
                        return Err(context(format!(
                            "machine {} out of range (the instance has {n_machines} machines)",
                            alternative.machine
                        )));
                    }
                    if alternative.duration < 0 || alternative.duration > MAX_TIME_VALUE {
                        return Err(context(format!(
                            "duration must be between 0 and {MAX_TIME_VALUE}, found {}",
                            alternative.duration
                        )));
                    }
                    if operation.alternatives[..index]
                        .iter()
                        .any(|other| other.machine == alternative.machine)
                    {
                        return Err(context(format!(
                            "machine {} listed twice",
                            alternative.machine
                        )));
                    }
                }
                let machine_families = parts
                    .setup_times
                    .iter()
                    .flatten()
                    .map(SetupMatrix::n_families);
                for families in machine_families {
                    if operation.family >= families {
                        return Err(context(format!(
                            "family {} not covered by a set-up matrix of {families} families",
                            operation.family
                        )));
                    }
                }
                if let Some(frozen) = operation.frozen {
                    if !previous_frozen {
                        return Err(context(
                            "frozen operation follows an operation that is not frozen".into(),
                        ));
                    }
                    if operation.duration_on(frozen.machine).is_none() {
                        return Err(context(format!(
                            "frozen on machine {}, which is not eligible",
                            frozen.machine
                        )));
                    }
                    check_time("frozen start", frozen.start)
                        .map_err(|error| context(error.to_string()))?;
                }
                previous_frozen = operation.frozen.is_some();
                n_operations += 1;
            }
        }
        check_frozen_placements(&parts)?;
        Ok(Instance {
            parts,
            n_operations,
        })
    }

    /// Instance name.
    pub fn name(&self) -> &str {
        &self.parts.name
    }

    /// Number of machines.
    pub fn n_machines(&self) -> usize {
        self.parts.n_machines
    }

    /// The jobs.
    pub fn jobs(&self) -> &[Job] {
        &self.parts.jobs
    }

    /// Total number of operations over all jobs.
    pub fn n_operations(&self) -> usize {
        self.n_operations
    }

    /// The current time (0 unless rescheduling).
    pub fn now(&self) -> Time {
        self.parts.now
    }

    /// Set-up matrix of a machine, if it has one.
    pub fn setup_matrix(&self, machine: usize) -> Option<&SetupMatrix> {
        self.parts.setup_times[machine].as_ref()
    }

    /// Set-up time on `machine` between an operation of family `from` and one of family `to`.
    pub fn setup_time(&self, machine: usize, from: usize, to: usize) -> Time {
        self.setup_matrix(machine)
            .map_or(0, |matrix| matrix.time(from, to))
    }

    /// Sorted, disjoint unavailability windows of a machine.
    pub fn windows(&self, machine: usize) -> &[Window] {
        &self.parts.unavailability[machine]
    }

    /// Whether any extension beyond the plain flexible job shop is used.
    pub fn has_extensions(&self) -> bool {
        self.parts.now != 0
            || self.parts.setup_times.iter().any(Option::is_some)
            || self
                .parts
                .unavailability
                .iter()
                .any(|windows| !windows.is_empty())
            || self.parts.jobs.iter().any(|job| {
                job.release != 0
                    || job
                        .operations
                        .iter()
                        .any(|operation| operation.frozen.is_some())
            })
    }

    /// The parts this instance was built from (for building a modified instance).
    pub fn parts(&self) -> &InstanceParts {
        &self.parts
    }

    /// A short human description, e.g. `10 jobs, 55 operations, 6 machines`.
    pub fn summary(&self) -> String {
        let mut text = String::new();
        let _ = write!(
            text,
            "{} jobs, {} operations, {} machines",
            self.parts.jobs.len(),
            self.n_operations,
            self.parts.n_machines
        );
        text
    }
}

/// Frozen operations describe what already happened, so they must be consistent among
/// themselves: in job order, not before the release, apart by the set-up on a shared machine,
/// and clear of unavailability windows.
fn check_frozen_placements(parts: &InstanceParts) -> Result<()> {
    /// Start, end, family, job and operation of a frozen operation.
    type Placed = (Time, Time, usize, usize, usize);
    let mut per_machine: Vec<Vec<Placed>> = vec![Vec::new(); parts.n_machines];
    for (job_index, job) in parts.jobs.iter().enumerate() {
        let mut previous_end = job.release;
        for (operation_index, operation) in job.operations.iter().enumerate() {
            let Some(frozen) = operation.frozen else {
                break;
            };
            let duration = operation.duration_on(frozen.machine).unwrap_or(0);
            if frozen.start < previous_end {
                return Err(Error::InvalidInstance(format!(
                    "job {job_index} operation {operation_index}: frozen start {} lies before the release or the end of the previous operation ({previous_end})",
                    frozen.start
                )));
            }
            previous_end = frozen.start + duration;
            per_machine[frozen.machine].push((
                frozen.start,
                previous_end,
                operation.family,
                job_index,
                operation_index,
            ));
        }
    }
    for (machine, placed) in per_machine.iter_mut().enumerate() {
        placed.sort_unstable();
        for pair in placed.windows(2) {
            let (first, second) = (pair[0], pair[1]);
            let setup = parts.setup_times[machine]
                .as_ref()
                .map_or(0, |matrix| matrix.time(first.2, second.2));
            if second.0 < first.1 + setup {
                return Err(Error::InvalidInstance(format!(
                    "machine {machine}: frozen job {} operation {} overlaps frozen job {} operation {}",
                    second.3, second.4, first.3, first.4
                )));
            }
        }
        for &(start, end, _, job, operation) in placed.iter() {
            if start < end
                && parts.unavailability[machine]
                    .iter()
                    .any(|window| start < window.end && window.start < end)
            {
                return Err(Error::InvalidInstance(format!(
                    "machine {machine}: frozen job {job} operation {operation} overlaps an unavailability window"
                )));
            }
        }
    }
    Ok(())
}

fn check_time(what: &str, value: Time) -> Result<()> {
    if (0..=MAX_TIME_VALUE).contains(&value) {
        Ok(())
    } else {
        Err(Error::InvalidInstance(format!(
            "{what} must be between 0 and {MAX_TIME_VALUE}, found {value}"
        )))
    }
}

/// The earliest start `s >= earliest` such that `[s - setup, s + duration)` avoids every window.
///
/// `windows` must be sorted and disjoint (as [`Instance::windows`] returns them). Shared by the
/// solver's decoder; the validator checks windows its own way.
pub(crate) fn earliest_start_avoiding(
    windows: &[Window],
    earliest: Time,
    setup: Time,
    duration: Time,
) -> Time {
    let mut hint = 0;
    earliest_start_avoiding_from(windows, &mut hint, earliest, setup, duration)
}

/// [`earliest_start_avoiding`] with a guess of the first window that may interfere (the one an
/// earlier call found for the same operation, which a decoder keeps): a right guess spares the
/// binary search, a wrong one costs two comparisons; `hint` is left at the window found.
pub(crate) fn earliest_start_avoiding_from(
    windows: &[Window],
    hint: &mut usize,
    earliest: Time,
    setup: Time,
    duration: Time,
) -> Time {
    let mut start = earliest;
    if windows.is_empty() || setup + duration == 0 {
        return start;
    }
    // Windows ending at or before the busy interval's start cannot interfere: `first` is the
    // first one that ends after it.
    let bound = start - setup;
    let guess = (*hint).min(windows.len());
    let first = if (guess == 0 || windows[guess - 1].end <= bound)
        && (guess == windows.len() || windows[guess].end > bound)
    {
        guess
    } else {
        windows.partition_point(|window| window.end <= bound)
    };
    *hint = first;
    for window in &windows[first..] {
        if window.start >= start + duration {
            break;
        }
        if window.end > start - setup {
            start = window.end + setup;
        }
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guessed_window_changes_nothing_but_the_work() {
        let windows = [
            Window { start: 10, end: 20 },
            Window { start: 30, end: 35 },
            Window { start: 50, end: 80 },
        ];
        // (earliest, set-up, duration) → start
        let cases = [
            ((0, 0, 5), 0),
            ((0, 0, 15), 35),
            ((18, 2, 5), 22),
            ((21, 0, 9), 21),
            ((21, 0, 10), 35),
            ((40, 5, 10), 40),
            ((40, 5, 11), 85),
            ((90, 0, 1), 90),
        ];
        for ((earliest, setup, duration), expected) in cases {
            assert_eq!(
                earliest_start_avoiding(&windows, earliest, setup, duration),
                expected,
                "{earliest} {setup} {duration}"
            );
            for guess in 0..=5 {
                let mut hint = guess;
                assert_eq!(
                    earliest_start_avoiding_from(&windows, &mut hint, earliest, setup, duration),
                    expected,
                    "{earliest} {setup} {duration} from {guess}"
                );
                assert!(hint <= windows.len());
            }
        }
    }
}
