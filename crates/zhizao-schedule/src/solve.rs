//! The solver: a constructive start followed by iterated tabu search (see [`tabu`]).
//!
//! With one thread the search is deterministic for a seed: the same seed visits the same
//! sequence of solutions, so with an iteration limit ([`SolveOptions::max_iterations`]) the
//! result is identical on every machine, and with a time limit it depends only on how far the
//! search gets. With `threads > 1`, independent searches with seeds `seed, seed + 1, ...` run in
//! parallel and the best result wins.

mod construct;
pub(crate) mod state;
mod tabu;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::model::{Instance, Time};
use crate::schedule::{Objective, SCHEDULE_FORMAT_VERSION, Schedule, ScheduledOperation};
use crate::solve::state::{Cost, Problem, State};

/// How to solve.
#[derive(Debug, Clone)]
pub struct SolveOptions {
    /// Wall-clock budget.
    pub time_limit: Duration,
    /// Number of independent search threads (at least 1).
    pub threads: usize,
    /// Seed of the first thread.
    pub seed: u64,
    /// What to minimize.
    pub objective: Objective,
    /// Optional iteration budget per thread, for reproducible runs independent of speed.
    pub max_iterations: Option<u64>,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            time_limit: Duration::from_secs(10),
            threads: 1,
            seed: 1,
            objective: Objective::Makespan,
            max_iterations: None,
        }
    }
}

/// A new best solution found during the search.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Time since the solve started.
    pub elapsed: Duration,
    /// The objective being minimized.
    pub objective: Objective,
    /// Primary objective value (makespan or total weighted tardiness).
    pub value: Time,
    /// Secondary value (makespan for `tardiness-then-makespan`, otherwise 0).
    pub secondary: Time,
    /// The thread that found it.
    pub thread: usize,
}

/// The result of [`solve`].
#[derive(Debug, Clone)]
pub struct SolveOutcome {
    /// The best schedule found (it always validates against the instance).
    pub schedule: Schedule,
    /// Search iterations over all threads.
    pub iterations: u64,
    /// Wall-clock time used.
    pub elapsed: Duration,
    /// Whether the objective reached a proven lower bound (the search then stops early).
    pub proven_optimal: bool,
}

/// Solves an instance within the options' limits, reporting each improvement to `progress`.
pub fn solve(
    instance: &Instance,
    options: &SolveOptions,
    progress: &(dyn Fn(&Progress) + Sync),
) -> SolveOutcome {
    solve_from(instance, options, None, progress)
}

/// Like [`solve`], starting from an existing schedule's machines and sequences when given.
pub(crate) fn solve_from(
    instance: &Instance,
    options: &SolveOptions,
    warm_start: Option<&Schedule>,
    progress: &(dyn Fn(&Progress) + Sync),
) -> SolveOutcome {
    let started = Instant::now();
    let problem = Problem::new(instance, options.objective);
    let limits = tabu::Limits {
        deadline: started + options.time_limit,
        max_iterations: options.max_iterations,
    };
    let threads = options.threads.max(1);
    let stop = AtomicBool::new(false);
    let shared_best: Mutex<Option<Cost>> = Mutex::new(None);
    let run_thread = |thread: usize| -> (tabu::SearchOutcome, bool) {
        let seed = options.seed.wrapping_add(thread as u64);
        let initial = initial_state(&problem, warm_start, seed);
        let mut search = tabu::Search::new(&problem, seed);
        let mut report = |cost: Cost| {
            let mut best = shared_best
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            if best.is_none_or(|best| cost < best) {
                *best = Some(cost);
                progress(&Progress {
                    elapsed: started.elapsed(),
                    objective: options.objective,
                    value: cost.0,
                    secondary: cost.1,
                    thread,
                });
            }
        };
        let stopped = || stop.load(Ordering::Relaxed);
        let outcome = search.run(initial, limits, &stopped, &mut report);
        let optimal = is_proven_optimal(&problem, outcome.cost);
        if optimal {
            stop.store(true, Ordering::Relaxed);
        }
        (outcome, optimal)
    };
    let results: Vec<(tabu::SearchOutcome, bool)> = if threads == 1 {
        vec![run_thread(0)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|thread| scope.spawn(move || run_thread(thread)))
                .collect();
            handles
                .into_iter()
                .filter_map(|handle| handle.join().ok())
                .collect()
        })
    };
    let iterations = results.iter().map(|(outcome, _)| outcome.iterations).sum();
    let proven_optimal = results.iter().any(|(_, optimal)| *optimal);
    let best = results
        .into_iter()
        .min_by_key(|(outcome, _)| outcome.cost)
        .map(|(outcome, _)| outcome.best);
    let schedule = match best {
        Some(state) => to_schedule(instance, &problem, &state, options.objective),
        // Only reachable if every thread panicked; rebuild a constructive schedule.
        None => {
            let state = initial_state(&problem, warm_start, options.seed);
            to_schedule(instance, &problem, &state, options.objective)
        }
    };
    SolveOutcome {
        schedule,
        iterations,
        elapsed: started.elapsed(),
        proven_optimal,
    }
}

/// Delays operations back to their start in `previous` where that costs nothing.
///
/// Keeps `schedule`'s machines and sequences, but decodes them with "not before the previous
/// start" as an extra release for every operation that stays on its previous machine. If the
/// objective does not get worse, that schedule (with fewer moved operations) is returned;
/// otherwise `schedule` itself.
pub(crate) fn stabilize(
    instance: &Instance,
    schedule: &Schedule,
    previous: &Schedule,
    objective: Objective,
) -> Schedule {
    let mut problem = Problem::new(instance, objective);
    let operation_id = |problem: &Problem, job: usize, operation: usize| {
        (job < problem.n_jobs)
            .then(|| problem.job_start[job] as usize + operation)
            .filter(|&id| id < problem.job_start[job + 1] as usize)
    };
    let mut new_machine = vec![usize::MAX; problem.n_operations];
    for entry in &schedule.operations {
        if let Some(id) = operation_id(&problem, entry.job, entry.operation) {
            new_machine[id] = entry.machine;
        }
    }
    for entry in &previous.operations {
        let Some(operation) = operation_id(&problem, entry.job, entry.operation) else {
            continue;
        };
        if !problem.is_frozen(operation as u32) && new_machine[operation] == entry.machine {
            problem.earliest[operation] = problem.earliest[operation].max(entry.start);
        }
    }
    let mut state = construct::from_schedule(&problem, schedule);
    if !state.decode(&problem) {
        return schedule.clone();
    }
    let stable = to_schedule(instance, &problem, &state, objective);
    let key = |schedule: &Schedule| match objective {
        Objective::Makespan => (schedule.makespan, 0),
        Objective::Tardiness => (schedule.total_weighted_tardiness, 0),
        Objective::TardinessThenMakespan => (schedule.total_weighted_tardiness, schedule.makespan),
    };
    if key(&stable) <= key(schedule) {
        stable
    } else {
        schedule.clone()
    }
}

fn is_proven_optimal(problem: &Problem, cost: Cost) -> bool {
    match problem.objective {
        Objective::Makespan => cost.0 <= problem.makespan_lower_bound,
        Objective::Tardiness => cost.0 == 0,
        Objective::TardinessThenMakespan => cost.0 == 0 && cost.1 <= problem.makespan_lower_bound,
    }
}

/// A decoded starting state: the warm start if it decodes, else the list schedule.
fn initial_state(problem: &Problem, warm_start: Option<&Schedule>, seed: u64) -> State {
    if let Some(schedule) = warm_start {
        let mut state = construct::from_schedule(problem, schedule);
        if state.decode(problem) {
            return state;
        }
    }
    let mut rng = crate::rng::Rng::new(seed);
    let mut state = construct::list_schedule(problem, &mut rng, 0);
    // The list scheduler appends in time order, so its sequences are always acyclic.
    state.decode(problem);
    state
}

fn to_schedule(
    instance: &Instance,
    problem: &Problem,
    state: &State,
    objective: Objective,
) -> Schedule {
    let mut operations = Vec::with_capacity(problem.n_operations);
    for (job_index, job) in instance.jobs().iter().enumerate() {
        let first = problem.job_start[job_index] as usize;
        for operation_index in 0..job.operations.len() {
            let id = first + operation_index;
            operations.push(ScheduledOperation {
                job: job_index,
                operation: operation_index,
                machine: state.machine[id] as usize,
                start: state.start[id],
                end: state.start[id] + state.duration[id],
            });
        }
    }
    Schedule {
        format_version: SCHEDULE_FORMAT_VERSION,
        instance: instance.name().to_owned(),
        objective,
        makespan: state.makespan(),
        total_weighted_tardiness: state.total_weighted_tardiness(problem),
        operations,
    }
}
