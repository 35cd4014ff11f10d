//! Helpers shared by the tests: tiny instance builders and a quick solve.

use std::time::Duration;

use zhizao_schedule::model::{Alternative, Job, Operation};
use zhizao_schedule::{Instance, InstanceParts, Objective, Schedule, SolveOptions, Time, solve};

/// A job without due date whose operations each list `(machine, duration)` alternatives.
pub(crate) fn job(operations: &[&[(usize, Time)]]) -> Job {
    Job {
        name: None,
        release: 0,
        due: None,
        weight: 1,
        operations: operations
            .iter()
            .map(|alternatives| Operation {
                family: 0,
                alternatives: alternatives
                    .iter()
                    .map(|&(machine, duration)| Alternative { machine, duration })
                    .collect(),
                frozen: None,
            })
            .collect(),
    }
}

pub(crate) fn instance(n_machines: usize, jobs: Vec<Job>) -> Instance {
    Instance::new(InstanceParts {
        name: "test".into(),
        n_machines,
        jobs,
        ..InstanceParts::default()
    })
    .expect("valid test instance")
}

/// Solves with a fixed seed and an iteration budget (no dependence on machine speed).
pub(crate) fn quick_solve(instance: &Instance, objective: Objective, iterations: u64) -> Schedule {
    let options = SolveOptions {
        time_limit: Duration::from_secs(60),
        threads: 1,
        seed: 7,
        objective,
        max_iterations: Some(iterations),
    };
    solve(instance, &options, &|_| {}).schedule
}

/// A small deterministic generator for test instances.
pub(crate) struct TestRng(pub(crate) u64);

impl TestRng {
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}
