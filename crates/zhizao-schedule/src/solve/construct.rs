//! Initial solutions: a Giffler–Thompson style list scheduler with earliest-completion machine
//! choice, and a warm start from an existing schedule.

use crate::model::{Time, earliest_start_avoiding};
use crate::rng::Rng;
use crate::schedule::{Objective, Schedule};
use crate::solve::state::{NONE, Problem, State};

/// Builds a schedule operation by operation. Frozen operations are placed first, exactly where
/// they are frozen. Then, repeatedly, each job's next operation gets its earliest-completion
/// machine; among the operations that could start before the earliest completion, the one with
/// the highest priority is appended (most work remaining for makespan, least slack for
/// tardiness). `noise` randomizes priorities (0 for the deterministic rule).
pub(crate) fn list_schedule(problem: &Problem, rng: &mut Rng, noise: u32) -> State {
    let n = problem.n_operations;
    let mut alternative = vec![NONE; n];
    let mut sequences: Vec<Vec<u32>> = vec![Vec::new(); problem.n_machines];
    let mut machine_ready = vec![0 as Time; problem.n_machines];
    let mut machine_last = vec![NONE; problem.n_machines];
    let mut job_ready = vec![0 as Time; problem.n_jobs];
    let mut next_operation: Vec<u32> = (0..problem.n_jobs)
        .map(|job| problem.job_start[job])
        .collect();

    // Frozen operations, in start order so machine sequences respect their times.
    let mut frozen: Vec<u32> = (0..n as u32)
        .filter(|&operation| problem.is_frozen(operation))
        .collect();
    frozen.sort_by_key(|&operation| problem.earliest[operation as usize]);
    for operation in frozen {
        let index = operation as usize;
        let global = problem.alternative_offset[index] + problem.frozen_alternative[index];
        let machine = problem.alternative_machine[global as usize] as usize;
        let end = problem.earliest[index] + problem.alternative_duration[global as usize];
        alternative[index] = global;
        sequences[machine].push(operation);
        machine_ready[machine] = machine_ready[machine].max(end);
        machine_last[machine] = operation;
        let job = problem.job_of[index] as usize;
        job_ready[job] = job_ready[job].max(end);
        next_operation[job] = next_operation[job].max(operation + 1);
    }

    let mut remaining = n - alternative.iter().filter(|&&index| index != NONE).count();
    let mut candidates: Vec<(u32, u32, Time, Time)> = Vec::new();
    while remaining > 0 {
        candidates.clear();
        let mut earliest_completion = Time::MAX;
        for job in 0..problem.n_jobs {
            let operation = next_operation[job];
            if operation >= problem.job_start[job + 1] {
                continue;
            }
            let mut best: Option<(u32, Time, Time)> = None;
            for global in problem.alternatives(operation) {
                let machine = problem.alternative_machine[global];
                let duration = problem.alternative_duration[global];
                let mut start = problem.earliest[operation as usize].max(job_ready[job]);
                let last = machine_last[machine as usize];
                let mut setup = 0;
                if last != NONE {
                    setup = problem.setup(machine, last, operation);
                    start = start.max(machine_ready[machine as usize] + setup);
                }
                if problem.has_windows {
                    start = earliest_start_avoiding(
                        &problem.windows[machine as usize],
                        start,
                        setup,
                        duration,
                    );
                }
                let completion = start + duration;
                if best.is_none_or(|(_, _, best_completion)| completion < best_completion) {
                    best = Some((global as u32, start, completion));
                }
            }
            if let Some((global, start, completion)) = best {
                earliest_completion = earliest_completion.min(completion);
                candidates.push((operation, global, start, completion));
            }
        }
        // The conflict set: operations that could start before the earliest completion.
        let mut chosen: Option<(u32, u32, Time)> = None;
        let mut best_priority = Time::MIN;
        for &(operation, global, start, completion) in &candidates {
            if start >= earliest_completion && completion != earliest_completion {
                continue;
            }
            let job = problem.job_of[operation as usize] as usize;
            let work = problem.remaining_work[operation as usize];
            let mut priority = match problem.objective {
                Objective::Makespan => work,
                Objective::Tardiness | Objective::TardinessThenMakespan => {
                    let due = problem.due[job].unwrap_or(Time::MAX / 4);
                    let slack = due - start - work;
                    -(slack / problem.weight[job].max(1))
                }
            };
            if noise > 0 {
                let spread = (work / 4).max(1);
                priority += (rng.below(spread as usize + 1) as Time) * noise as Time;
            }
            if chosen.is_none() || priority > best_priority {
                best_priority = priority;
                chosen = Some((operation, global, completion));
            }
        }
        let Some((operation, global, completion)) = chosen else {
            break;
        };
        let index = operation as usize;
        let machine = problem.alternative_machine[global as usize] as usize;
        alternative[index] = global;
        sequences[machine].push(operation);
        machine_ready[machine] = completion;
        machine_last[machine] = operation;
        let job = problem.job_of[index] as usize;
        job_ready[job] = completion;
        next_operation[job] += 1;
        remaining -= 1;
    }
    State::new(problem, alternative, sequences)
}

/// A warm start from a schedule of (a version of) the same instance: machines and sequences
/// are taken from the schedule where it names a valid operation and machine; operations it
/// does not cover go to their fastest machine, at the end of its sequence.
pub(crate) fn from_schedule(problem: &Problem, schedule: &Schedule) -> State {
    let n = problem.n_operations;
    let mut alternative = vec![NONE; n];
    let mut start_key = vec![Time::MAX; n];
    for entry in &schedule.operations {
        if entry.job >= problem.n_jobs {
            continue;
        }
        let operation = problem.job_start[entry.job] as usize + entry.operation;
        if operation >= problem.job_start[entry.job + 1] as usize {
            continue;
        }
        if let Some(global) = problem
            .alternatives(operation as u32)
            .find(|&global| problem.alternative_machine[global] as usize == entry.machine)
        {
            alternative[operation] = global as u32;
            start_key[operation] = entry.start;
        }
    }
    for operation in 0..n {
        let frozen = problem.frozen_alternative[operation];
        if frozen != NONE {
            alternative[operation] = problem.alternative_offset[operation] + frozen;
            start_key[operation] = problem.earliest[operation];
        } else if alternative[operation] == NONE {
            let fastest = problem
                .alternatives(operation as u32)
                .min_by_key(|&global| problem.alternative_duration[global])
                .unwrap_or(problem.alternative_offset[operation] as usize);
            alternative[operation] = fastest as u32;
        }
    }
    let mut sequences: Vec<Vec<u32>> = vec![Vec::new(); problem.n_machines];
    let mut order: Vec<u32> = (0..n as u32).collect();
    // Frozen operations first, then by old start; job order breaks ties so precedence holds.
    order.sort_by_key(|&operation| {
        let index = operation as usize;
        (
            !problem.is_frozen(operation),
            start_key[index],
            problem.job_of[index],
            operation,
        )
    });
    for operation in order {
        let machine = problem.alternative_machine[alternative[operation as usize] as usize];
        sequences[machine as usize].push(operation);
    }
    State::new(problem, alternative, sequences)
}
