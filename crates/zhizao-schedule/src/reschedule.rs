//! Rescheduling: react to an event on a running schedule without touching what already runs.
//!
//! Every operation of the current schedule that started before `now` is frozen in place (it is
//! running or finished); every other operation may not start before `now`. The event then
//! changes the instance, and the solver restarts from the current machine sequences, so that an
//! unaffected part of the plan tends to stay as it was. Stability is the secondary objective:
//! afterwards every operation that kept its machine is pushed back to its previous start time
//! wherever that does not worsen the objective. The result reports how many operations moved
//! (changed machine or start time), the stability measure shown to planners.

use std::collections::HashMap;

use crate::model::{FrozenPlacement, Instance, Job, Time, Window};
use crate::schedule::Schedule;
use crate::solve::{SolveOptions, solve_from, stabilize};
use crate::validate::validate;
use crate::{Error, Result};

/// What happened on the shop floor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A machine is down from `start` for `duration`. An operation already running on it is
    /// assumed to finish first: the outage then begins when that operation ends.
    Breakdown {
        /// 0-based machine index.
        machine: usize,
        /// When the machine goes down.
        start: Time,
        /// How long it stays down.
        duration: Time,
    },
    /// A new job arrives and must be fitted in (its operations start at `now` at the earliest).
    RushJob(Job),
    /// A job is cancelled: its operations that have not started are dropped. The job keeps its
    /// index (with only its started operations, possibly none), so job numbers stay stable.
    Cancel {
        /// 0-based job index.
        job: usize,
    },
}

/// The outcome of [`reschedule`].
#[derive(Debug, Clone)]
pub struct Rescheduled {
    /// The updated instance (frozen operations, new window, new or shortened job).
    pub instance: Instance,
    /// The new schedule for it.
    pub schedule: Schedule,
    /// Operations present in both schedules whose machine or start time changed.
    pub n_moved: usize,
}

/// Produces a new schedule after `event`, keeping every operation that started before `now`.
///
/// `current` must be a valid schedule of `instance`; `now` may not lie before `instance.now()`.
pub fn reschedule(
    instance: &Instance,
    current: &Schedule,
    now: Time,
    event: &Event,
    options: &SolveOptions,
) -> Result<Rescheduled> {
    validate(instance, current)?;
    if now < instance.now() {
        return Err(Error::InvalidEvent(format!(
            "current time {now} lies before the instance's current time {}",
            instance.now()
        )));
    }
    let mut parts = instance.parts().clone();
    parts.now = now;
    for entry in &current.operations {
        if entry.start < now {
            let operation = &mut parts.jobs[entry.job].operations[entry.operation];
            operation.frozen = Some(FrozenPlacement {
                machine: entry.machine,
                start: entry.start,
            });
        }
    }
    match event {
        Event::Breakdown {
            machine,
            start,
            duration,
        } => {
            if *machine >= parts.n_machines {
                return Err(Error::InvalidEvent(format!(
                    "breakdown of machine {machine}, the instance has {} machines",
                    parts.n_machines
                )));
            }
            if *duration <= 0 {
                return Err(Error::InvalidEvent(format!(
                    "breakdown duration must be positive, found {duration}"
                )));
            }
            let mut running: Vec<(Time, Time)> = current
                .operations
                .iter()
                .filter(|entry| entry.machine == *machine && entry.start < now)
                .map(|entry| (entry.start, entry.end))
                .collect();
            running.sort_unstable();
            let mut window_start = *start;
            for (operation_start, operation_end) in running {
                if operation_start < window_start + duration && operation_end > window_start {
                    window_start = operation_end;
                }
            }
            if parts.unavailability.is_empty() {
                parts.unavailability = vec![Vec::new(); parts.n_machines];
            }
            parts.unavailability[*machine].push(Window {
                start: window_start,
                end: window_start + duration,
            });
        }
        Event::RushJob(job) => parts.jobs.push(job.clone()),
        Event::Cancel { job } => {
            let Some(cancelled) = parts.jobs.get_mut(*job) else {
                return Err(Error::InvalidEvent(format!(
                    "cancellation of job {job}, the instance has {} jobs",
                    instance.jobs().len()
                )));
            };
            cancelled
                .operations
                .retain(|operation| operation.frozen.is_some());
        }
    }
    let new_instance = Instance::new(parts)?;
    let outcome = solve_from(&new_instance, options, Some(current), &|_| {});
    // Stability is the secondary objective: keep previous start times where that is free.
    let schedule = stabilize(&new_instance, &outcome.schedule, current, options.objective);
    let previous: HashMap<(usize, usize), (usize, Time)> = current
        .operations
        .iter()
        .map(|entry| ((entry.job, entry.operation), (entry.machine, entry.start)))
        .collect();
    let n_moved = schedule
        .operations
        .iter()
        .filter(|entry| {
            previous
                .get(&(entry.job, entry.operation))
                .is_some_and(|&before| before != (entry.machine, entry.start))
        })
        .count();
    Ok(Rescheduled {
        instance: new_instance,
        schedule,
        n_moved,
    })
}
