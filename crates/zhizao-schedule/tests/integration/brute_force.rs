//! Cross-checks of the solver and the validator against exhaustive enumeration on tiny random
//! instances (with release dates, due dates, set-ups and unavailability windows).
//!
//! The enumerator dispatches operations one at a time in every possible order and on every
//! eligible machine, each at its earliest feasible start behind what is already on that
//! machine. Every semi-active schedule arises this way (dispatch in start-time order), so the
//! best leaf is optimal for any regular objective.

use zhizao_schedule::model::{Alternative, Job, Operation, SetupMatrix, Window};
use zhizao_schedule::schedule::SCHEDULE_FORMAT_VERSION;
use zhizao_schedule::{
    Instance, InstanceParts, Objective, Schedule, ScheduledOperation, Time, validate,
};

use crate::common::{TestRng, quick_solve};

struct Enumerator<'a> {
    instance: &'a Instance,
    objective: Objective,
    best: Option<((Time, Time), Vec<ScheduledOperation>)>,
    placed: Vec<ScheduledOperation>,
    leaves: usize,
}

impl Enumerator<'_> {
    fn earliest_start(&self, machine: usize, ready: Time, setup: Time, duration: Time) -> Time {
        let mut start = ready;
        loop {
            let blocking = self.instance.windows(machine).iter().find(|window| {
                setup + duration > 0
                    && start - setup < window.end
                    && window.start < start + duration
            });
            match blocking {
                Some(window) => start = window.end + setup,
                None => return start,
            }
        }
    }

    fn search(
        &mut self,
        next: &mut Vec<usize>,
        job_ready: &mut Vec<Time>,
        machine_last: &mut Vec<Option<(Time, usize)>>,
    ) {
        let jobs = self.instance.jobs();
        let mut any = false;
        for job_index in 0..jobs.len() {
            let operation_index = next[job_index];
            let Some(operation) = jobs[job_index].operations.get(operation_index) else {
                continue;
            };
            any = true;
            for alternative in &operation.alternatives {
                let machine = alternative.machine;
                let (mut ready, mut setup) = (job_ready[job_index].max(jobs[job_index].release), 0);
                if let Some((end, family)) = machine_last[machine] {
                    setup = self.instance.setup_time(machine, family, operation.family);
                    ready = ready.max(end + setup);
                }
                let start = self.earliest_start(machine, ready, setup, alternative.duration);
                let end = start + alternative.duration;
                let saved = (job_ready[job_index], machine_last[machine]);
                next[job_index] += 1;
                job_ready[job_index] = end;
                machine_last[machine] = Some((end, operation.family));
                self.placed.push(ScheduledOperation {
                    job: job_index,
                    operation: operation_index,
                    machine,
                    start,
                    end,
                });
                self.search(next, job_ready, machine_last);
                self.placed.pop();
                next[job_index] -= 1;
                job_ready[job_index] = saved.0;
                machine_last[machine] = saved.1;
            }
        }
        if !any {
            self.leaf();
        }
    }

    fn leaf(&mut self) {
        self.leaves += 1;
        let mut operations = self.placed.clone();
        operations.sort_by_key(|entry| (entry.job, entry.operation));
        let makespan = operations.iter().map(|entry| entry.end).max().unwrap_or(0);
        let tardiness: Time = self
            .instance
            .jobs()
            .iter()
            .enumerate()
            .filter_map(|(job_index, job)| {
                let due = job.due?;
                let last = operations
                    .iter()
                    .filter(|entry| entry.job == job_index)
                    .map(|entry| entry.end)
                    .max()?;
                Some(job.weight * (last - due).max(0))
            })
            .sum();
        // Every leaf is a feasible schedule: the validator must accept it with these values.
        if self.leaves % 7 == 1 {
            let schedule = schedule_of(self.instance, operations.clone(), makespan, tardiness);
            let evaluation = validate(self.instance, &schedule).unwrap_or_else(|violation| {
                panic!("validator rejects a feasible schedule: {violation}")
            });
            assert_eq!(
                (evaluation.makespan, evaluation.total_weighted_tardiness),
                (makespan, tardiness)
            );
        }
        let key = match self.objective {
            Objective::Makespan => (makespan, 0),
            Objective::Tardiness => (tardiness, 0),
            Objective::TardinessThenMakespan => (tardiness, makespan),
        };
        if self.best.as_ref().is_none_or(|(best, _)| key < *best) {
            self.best = Some((key, operations));
        }
    }
}

fn schedule_of(
    instance: &Instance,
    operations: Vec<ScheduledOperation>,
    makespan: Time,
    tardiness: Time,
) -> Schedule {
    Schedule {
        format_version: SCHEDULE_FORMAT_VERSION,
        instance: instance.name().to_owned(),
        objective: Objective::Makespan,
        makespan,
        total_weighted_tardiness: tardiness,
        operations,
    }
}

/// The optimal objective key by exhaustive enumeration.
fn optimum(instance: &Instance, objective: Objective) -> (Time, Time) {
    let mut enumerator = Enumerator {
        instance,
        objective,
        best: None,
        placed: Vec::new(),
        leaves: 0,
    };
    let n_jobs = instance.jobs().len();
    enumerator.search(
        &mut vec![0; n_jobs],
        &mut vec![0; n_jobs],
        &mut vec![None; instance.n_machines()],
    );
    enumerator.best.expect("at least one schedule").0
}

fn random_instance(rng: &mut TestRng, extensions: bool) -> Instance {
    let n_machines = 2 + rng.below(2) as usize;
    let n_jobs = 2 + rng.below(2) as usize;
    let mut jobs = Vec::new();
    let mut budget = 7usize;
    for _ in 0..n_jobs {
        let n_operations = (1 + rng.below(3) as usize).min(budget.max(1));
        budget = budget.saturating_sub(n_operations);
        let operations = (0..n_operations)
            .map(|_| {
                let first = rng.below(n_machines as u64) as usize;
                let mut alternatives = vec![Alternative {
                    machine: first,
                    duration: 1 + rng.below(9) as Time,
                }];
                if rng.below(2) == 0 {
                    let second =
                        (first + 1 + rng.below(n_machines as u64 - 1) as usize) % n_machines;
                    alternatives.push(Alternative {
                        machine: second,
                        duration: 1 + rng.below(9) as Time,
                    });
                }
                Operation {
                    family: if extensions { rng.below(2) as usize } else { 0 },
                    alternatives,
                    frozen: None,
                }
            })
            .collect();
        jobs.push(Job {
            name: None,
            release: if extensions { rng.below(6) as Time } else { 0 },
            due: if extensions {
                Some(5 + rng.below(15) as Time)
            } else {
                None
            },
            weight: 1 + rng.below(3) as Time,
            operations,
        });
    }
    let mut parts = InstanceParts {
        name: "random".into(),
        n_machines,
        jobs,
        ..InstanceParts::default()
    };
    if extensions {
        parts.setup_times = (0..n_machines)
            .map(|_| {
                let rows = vec![
                    vec![0, 1 + rng.below(3) as Time],
                    vec![1 + rng.below(3) as Time, 0],
                ];
                Some(SetupMatrix::from_rows(&rows).unwrap())
            })
            .collect();
        parts.unavailability = (0..n_machines)
            .map(|_| {
                let start = rng.below(12) as Time;
                vec![Window {
                    start,
                    end: start + 1 + rng.below(4) as Time,
                }]
            })
            .collect();
    }
    Instance::new(parts).unwrap()
}

#[test]
fn solver_finds_the_optimal_makespan_of_tiny_instances() {
    let mut rng = TestRng(0x5eed);
    for case in 0..40 {
        let instance = random_instance(&mut rng, false);
        let expected = optimum(&instance, Objective::Makespan);
        let schedule = quick_solve(&instance, Objective::Makespan, 3_000);
        validate(&instance, &schedule).unwrap();
        assert_eq!(
            (schedule.makespan, 0),
            expected,
            "case {case}: {instance:?}"
        );
    }
}

#[test]
fn solver_matches_enumeration_with_extensions() {
    let mut rng = TestRng(0xfeed);
    for case in 0..40 {
        let instance = random_instance(&mut rng, true);
        for objective in [
            Objective::Makespan,
            Objective::Tardiness,
            Objective::TardinessThenMakespan,
        ] {
            let expected = optimum(&instance, objective);
            let schedule = quick_solve(&instance, objective, 3_000);
            let evaluation = validate(&instance, &schedule).unwrap();
            let found = match objective {
                Objective::Makespan => (evaluation.makespan, 0),
                Objective::Tardiness => (evaluation.total_weighted_tardiness, 0),
                Objective::TardinessThenMakespan => {
                    (evaluation.total_weighted_tardiness, evaluation.makespan)
                }
            };
            assert_eq!(found, expected, "case {case}, {objective}: {instance:?}");
        }
    }
}
