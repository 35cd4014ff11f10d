//! Solver behaviour: known optima, determinism, threads, progress, random instances, benchmark.

use std::sync::Mutex;
use std::time::Duration;

use proptest::prelude::*;
use zhizao_schedule::bench::{BenchOptions, run_benchmark};
use zhizao_schedule::model::{Alternative, Job, Operation, SetupMatrix, Window};
use zhizao_schedule::{
    Format, Instance, InstanceParts, Objective, SolveOptions, parse, solve, validate,
};

use crate::common::quick_solve;

#[test]
fn ft06_reaches_its_optimum_55() {
    let instance = parse(include_bytes!("../data/ft06.txt"), Format::Jssp, "ft06").unwrap();
    let schedule = quick_solve(&instance, Objective::Makespan, 20_000);
    assert_eq!(validate(&instance, &schedule).unwrap().makespan, 55);
}

#[test]
fn mk01_reaches_its_optimum_40() {
    let instance = parse(include_bytes!("../data/mk01.fjs"), Format::Fjs, "mk01").unwrap();
    let schedule = quick_solve(&instance, Objective::Makespan, 20_000);
    assert_eq!(validate(&instance, &schedule).unwrap().makespan, 40);
}

#[test]
fn same_seed_same_schedule() {
    let instance = parse(include_bytes!("../data/mk01.fjs"), Format::Fjs, "mk01").unwrap();
    let options = SolveOptions {
        time_limit: Duration::from_secs(60),
        max_iterations: Some(300),
        seed: 42,
        ..SolveOptions::default()
    };
    let first = solve(&instance, &options, &|_| {});
    let second = solve(&instance, &options, &|_| {});
    assert_eq!(first.schedule, second.schedule);
    assert_eq!(first.iterations, second.iterations);
}

#[test]
fn threads_and_progress() {
    let instance = parse(include_bytes!("../data/ft06.txt"), Format::Jssp, "ft06").unwrap();
    let options = SolveOptions {
        time_limit: Duration::from_secs(60),
        threads: 2,
        max_iterations: Some(2_000),
        ..SolveOptions::default()
    };
    let reported = Mutex::new(Vec::new());
    let outcome = solve(&instance, &options, &|progress| {
        reported.lock().unwrap().push(progress.value)
    });
    validate(&instance, &outcome.schedule).unwrap();
    let reported = reported.into_inner().unwrap();
    assert!(
        reported.windows(2).all(|pair| pair[1] < pair[0]),
        "{reported:?}"
    );
    assert_eq!(reported.last().copied(), Some(outcome.schedule.makespan));
}

#[test]
fn benchmark_runner_validates_and_reports_gaps() {
    let directory = std::env::temp_dir().join(format!("zhizao-bench-test-{}", std::process::id()));
    let set = directory.join("fjsp").join("tiny");
    std::fs::create_dir_all(&set).unwrap();
    std::fs::write(set.join("mk01.fjs"), include_bytes!("../data/mk01.fjs")).unwrap();
    std::fs::write(
        directory.join("bks.csv"),
        "set,instance,n_jobs,n_machines,lower_bound,upper_bound,optimal\ntiny,mk01,10,6,36,38,false\nother,mk01,10,6,1,1,true\n",
    )
    .unwrap();
    let options = BenchOptions {
        set_dir: set,
        bounds: None,
        time_limit: Duration::from_millis(300),
        threads: 1,
        seed: 1,
        only: Vec::new(),
        limit: None,
    };
    let mut lines = Vec::new();
    let report = run_benchmark(&options, &mut |row| lines.push(row.table_line())).unwrap();
    std::fs::remove_dir_all(&directory).unwrap();
    assert_eq!(report.rows.len(), 1);
    let row = &report.rows[0];
    assert_eq!((row.lower_bound, row.upper_bound), (Some(36), Some(38)));
    assert!(row.found >= 40);
    let gap = 100.0 * (row.found - 38) as f64 / 38.0;
    assert_eq!(report.mean_gap_line(), format!("mean gap: {gap:.2}%"));
    assert!(lines[0].starts_with("mk01"));
}

/// Random instances with every extension, built from a compact description.
fn arbitrary_instance() -> impl Strategy<Value = Instance> {
    let operation = (prop::collection::vec((0usize..4, 0i64..9), 1..4), 0usize..2);
    let job = (
        prop::collection::vec(operation, 0..5),
        0i64..10,
        prop::option::of(0i64..40),
        0i64..4,
    );
    (
        1usize..5,
        prop::collection::vec(job, 1..6),
        prop::collection::vec((0usize..4, 0i64..30, 1i64..6), 0..4),
        prop::bool::ANY,
    )
        .prop_map(|(n_machines, jobs, windows, with_setups)| {
            let jobs = jobs
                .into_iter()
                .map(|(operations, release, due, weight)| Job {
                    name: None,
                    release,
                    due,
                    weight,
                    operations: operations
                        .into_iter()
                        .map(|(alternatives, family)| {
                            let mut list: Vec<Alternative> = Vec::new();
                            for (machine, duration) in alternatives {
                                let machine = machine % n_machines;
                                if list
                                    .iter()
                                    .all(|alternative| alternative.machine != machine)
                                {
                                    list.push(Alternative { machine, duration });
                                }
                            }
                            Operation {
                                family,
                                alternatives: list,
                                frozen: None,
                            }
                        })
                        .collect(),
                })
                .collect();
            let mut parts = InstanceParts {
                name: "arbitrary".into(),
                n_machines,
                jobs,
                ..InstanceParts::default()
            };
            if with_setups {
                parts.setup_times = (0..n_machines)
                    .map(|machine| {
                        Some(
                            SetupMatrix::from_rows(&[vec![0, 1 + machine as i64], vec![2, 1]])
                                .unwrap(),
                        )
                    })
                    .collect();
            }
            parts.unavailability = vec![Vec::new(); n_machines];
            for (machine, start, length) in windows {
                parts.unavailability[machine % n_machines].push(Window {
                    start,
                    end: start + length,
                });
            }
            Instance::new(parts).unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_returned_schedule_validates(instance in arbitrary_instance(), objective in 0usize..3) {
        let objective = [Objective::Makespan, Objective::Tardiness, Objective::TardinessThenMakespan][objective];
        let schedule = quick_solve(&instance, objective, 150);
        let evaluation = validate(&instance, &schedule);
        prop_assert!(evaluation.is_ok(), "{:?}", evaluation);
    }
}
