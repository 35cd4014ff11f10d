//! A dispatching rule, what a shop without an optimiser uses, as a baseline for the solver:
//! ATCS, apparent tardiness cost with set-ups (Lee, Bhaskaran and Pinedo, 1997), in a
//! Giffler–Thompson list scheduler. Repeatedly, the operation-machine pair that could complete
//! first fixes a machine and a time; among the operations that could start on that machine
//! before then, the one with the highest index
//! `w / p · exp(−max(d − R − t, 0) / (k1 · p̄)) · exp(−s / (k2 · s̄))` runs next, where `R` is
//! the job's remaining work, `p̄` the mean processing time and `s̄` the mean set-up. Windows are
//! avoided like the solver's decoder does; frozen operations keep their places.

use crate::model::{Instance, Time, earliest_start_avoiding};
use crate::schedule::{Objective, SCHEDULE_FORMAT_VERSION, Schedule, ScheduledOperation};

/// The schedule ATCS builds with look-ahead parameters `k1` (due-date slack) and `k2` (set-up).
pub fn atcs(instance: &Instance, k1: f64, k2: f64) -> Schedule {
    let jobs = instance.jobs();
    let n_machines = instance.n_machines();
    let mut machine_free = vec![instance.now(); n_machines];
    let mut machine_family: Vec<Option<usize>> = vec![None; n_machines];
    let mut next = vec![0usize; jobs.len()];
    let mut job_ready: Vec<Time> = jobs.iter().map(|j| j.release.max(instance.now())).collect();
    let mut placed: Vec<Vec<Option<ScheduledOperation>>> = jobs
        .iter()
        .map(|j| vec![None; j.operations.len()])
        .collect();
    // Frozen operations keep their places and block their machines like windows.
    let mut blocked: Vec<Vec<crate::model::Window>> = (0..n_machines)
        .map(|m| instance.windows(m).to_vec())
        .collect();
    for (j, job) in jobs.iter().enumerate() {
        for (o, operation) in job.operations.iter().enumerate() {
            let Some(frozen) = operation.frozen else {
                break;
            };
            let end = frozen.start + operation.duration_on(frozen.machine).unwrap_or(0);
            placed[j][o] = Some(ScheduledOperation {
                job: j,
                operation: o,
                machine: frozen.machine,
                start: frozen.start,
                end,
            });
            blocked[frozen.machine].push(crate::model::Window {
                start: frozen.start,
                end,
            });
            next[j] = o + 1;
            job_ready[j] = end;
        }
    }
    for windows in &mut blocked {
        windows.sort_by_key(|w| w.start);
    }
    let remaining = |j: usize, from: usize| -> Time {
        jobs[j].operations[from..]
            .iter()
            .map(|o| o.alternatives.iter().map(|a| a.duration).min().unwrap_or(0))
            .sum()
    };
    let n_ops = instance.n_operations().max(1);
    let mean_p = jobs
        .iter()
        .flat_map(|j| &j.operations)
        .map(|o| o.alternatives.iter().map(|a| a.duration).min().unwrap_or(0))
        .sum::<Time>() as f64
        / n_ops as f64;
    let mut setups = Vec::new();
    for machine in 0..n_machines {
        if let Some(matrix) = instance.setup_matrix(machine) {
            for from in 0..matrix.n_families() {
                for to in 0..matrix.n_families() {
                    if from != to {
                        setups.push(matrix.time(from, to));
                    }
                }
            }
        }
    }
    let mean_s = if setups.is_empty() {
        1.0
    } else {
        (setups.iter().sum::<Time>() as f64 / setups.len() as f64).max(1.0)
    };
    let start_on = |machine: usize,
                    free: Time,
                    family: Option<usize>,
                    ready: Time,
                    to: usize,
                    duration: Time,
                    blocked: &[crate::model::Window]| {
        let setup = family.map_or(0, |from| instance.setup_time(machine, from, to));
        let earliest = ready.max(free + setup);
        let start = earliest_start_avoiding(blocked, earliest, setup, duration);
        (start, setup)
    };
    loop {
        // The pair that could complete first.
        let mut best: Option<(Time, usize)> = None;
        for (j, job) in jobs.iter().enumerate() {
            let Some(operation) = job.operations.get(next[j]) else {
                continue;
            };
            for alternative in &operation.alternatives {
                let m = alternative.machine;
                let (start, _) = start_on(
                    m,
                    machine_free[m],
                    machine_family[m],
                    job_ready[j],
                    operation.family,
                    alternative.duration,
                    &blocked[m],
                );
                let completion = start + alternative.duration;
                if best.is_none_or(|(c, _)| completion < c) {
                    best = Some((completion, m));
                }
            }
        }
        let Some((completion, machine)) = best else {
            break;
        };
        // Among what could start on that machine before then, the highest ATCS index.
        let mut chosen: Option<(f64, usize, Time, Time)> = None;
        let t = machine_free[machine] as f64;
        for (j, job) in jobs.iter().enumerate() {
            let Some(operation) = job.operations.get(next[j]) else {
                continue;
            };
            let Some(duration) = operation.duration_on(machine) else {
                continue;
            };
            let (start, setup) = start_on(
                machine,
                machine_free[machine],
                machine_family[machine],
                job_ready[j],
                operation.family,
                duration,
                &blocked[machine],
            );
            if start >= completion {
                continue;
            }
            let p = duration.max(1) as f64;
            let slack = job.due.map_or(f64::INFINITY, |due| {
                (due as f64 - remaining(j, next[j]) as f64 - t).max(0.0)
            });
            let index = job.weight.max(1) as f64 / p
                * (-slack / (k1 * mean_p.max(1.0))).exp()
                * (-(setup as f64) / (k2 * mean_s)).exp();
            if chosen.is_none_or(|(best_index, ..)| index > best_index) {
                chosen = Some((index, j, start, duration));
            }
        }
        let Some((_, j, start, duration)) = chosen else {
            break;
        };
        let o = next[j];
        placed[j][o] = Some(ScheduledOperation {
            job: j,
            operation: o,
            machine,
            start,
            end: start + duration,
        });
        machine_free[machine] = start + duration;
        machine_family[machine] = Some(jobs[j].operations[o].family);
        job_ready[j] = start + duration;
        next[j] = o + 1;
        // Frozen operations later in the job keep their places.
        while let Some(operation) = jobs[j].operations.get(next[j]) {
            if operation.frozen.is_none() {
                break;
            }
            if let Some(done) = placed[j][next[j]] {
                job_ready[j] = job_ready[j].max(done.end);
            }
            next[j] += 1;
        }
    }
    let total_weighted_tardiness = jobs
        .iter()
        .zip(&placed)
        .map(|(job, operations)| {
            let end = operations
                .iter()
                .flatten()
                .map(|o| o.end)
                .max()
                .unwrap_or(0);
            job.due.map_or(0, |due| job.weight * (end - due).max(0))
        })
        .sum();
    let operations: Vec<ScheduledOperation> = placed.into_iter().flatten().flatten().collect();
    Schedule {
        format_version: SCHEDULE_FORMAT_VERSION,
        instance: instance.name().to_owned(),
        objective: Objective::TardinessThenMakespan,
        makespan: operations.iter().map(|o| o.end).max().unwrap_or(0),
        total_weighted_tardiness,
        operations,
    }
}

/// ATCS over a small grid of `k1` and `k2`, keeping the best schedule by weighted tardiness,
/// then makespan (how a shop tunes its rule), with the parameters chosen.
pub fn atcs_tuned(instance: &Instance) -> (Schedule, f64, f64) {
    let mut best: Option<(Schedule, f64, f64)> = None;
    for k1 in [0.5, 1.0, 2.0, 3.0] {
        for k2 in [0.1, 0.5, 1.0] {
            let schedule = atcs(instance, k1, k2);
            let key = (schedule.total_weighted_tardiness, schedule.makespan);
            if best
                .as_ref()
                .is_none_or(|(b, ..)| key < (b.total_weighted_tardiness, b.makespan))
            {
                best = Some((schedule, k1, k2));
            }
        }
    }
    best.unwrap_or_else(|| (atcs(instance, 2.0, 0.5), 2.0, 0.5))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, parse, validate};

    #[test]
    fn atcs_schedules_validate_and_favour_urgent_heavy_jobs() {
        // Two jobs on one machine: the second is due first and weighs more, so it runs first.
        let text = r#"{"format_version": 1, "name": "t", "n_machines": 1, "jobs": [
            {"due": 100, "weight": 1, "operations": [{"alternatives": [{"machine": 0, "duration": 10}]}]},
            {"due": 10, "weight": 5, "operations": [{"alternatives": [{"machine": 0, "duration": 10}]}]}
        ]}"#;
        let instance = parse(text.as_bytes(), Format::Json, "t").unwrap();
        let schedule = atcs(&instance, 2.0, 0.5);
        let evaluation = validate(&instance, &schedule).unwrap();
        assert_eq!(evaluation.total_weighted_tardiness, 0);
        assert_eq!(schedule.operations[1].start, 0, "{schedule:?}");
        let fjs = "3 2\n2 2 1 3 2 4 1 2 2\n1 1 1 5\n2 1 2 3 2 1 2 2 2\n";
        let instance = parse(fjs.as_bytes(), Format::Fjs, "f").unwrap();
        let (schedule, _, _) = atcs_tuned(&instance);
        assert!(validate(&instance, &schedule).is_ok());
    }
}
