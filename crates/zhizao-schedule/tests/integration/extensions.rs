//! Each model extension is honoured, and the validator names each kind of violation.

use zhizao_schedule::model::{FrozenPlacement, SetupMatrix, Window};
use zhizao_schedule::{Instance, InstanceParts, Objective, Schedule, ScheduledOperation, validate};

use crate::common::{instance, job, quick_solve};

fn one_machine(jobs: Vec<zhizao_schedule::model::Job>) -> InstanceParts {
    InstanceParts {
        name: "test".into(),
        n_machines: 1,
        jobs,
        ..InstanceParts::default()
    }
}

#[test]
fn setup_times_separate_operations_of_different_families() {
    let mut a = job(&[&[(0, 3)]]);
    let mut b = job(&[&[(0, 4)]]);
    a.operations[0].family = 0;
    b.operations[0].family = 1;
    let mut parts = one_machine(vec![a, b]);
    parts.setup_times = vec![Some(
        SetupMatrix::from_rows(&[vec![0, 5], vec![6, 0]]).unwrap(),
    )];
    let instance = Instance::new(parts).unwrap();
    let schedule = quick_solve(&instance, Objective::Makespan, 200);
    validate(&instance, &schedule).unwrap();
    // The cheaper changeover (family 0 then 1, 5 units) is chosen: 3 + 5 + 4.
    assert_eq!(schedule.makespan, 12);
    let (first, second) = (schedule.operations[0], schedule.operations[1]);
    assert_eq!(second.start - first.end, 5);
}

#[test]
fn unavailability_windows_are_avoided() {
    let mut parts = one_machine(vec![job(&[&[(0, 3)]]), job(&[&[(0, 2)]])]);
    parts.unavailability = vec![vec![Window { start: 2, end: 10 }]];
    let instance = Instance::new(parts).unwrap();
    let schedule = quick_solve(&instance, Objective::Makespan, 200);
    validate(&instance, &schedule).unwrap();
    // The 2-unit operation fits before the window, the 3-unit one after it.
    assert_eq!(schedule.makespan, 13);
    for entry in &schedule.operations {
        assert!(entry.end <= 2 || entry.start >= 10, "{entry:?}");
    }
}

#[test]
fn release_times_delay_the_first_operation() {
    let mut late = job(&[&[(0, 2)], &[(1, 2)]]);
    late.release = 7;
    let instance = Instance::new(InstanceParts {
        name: "release".into(),
        n_machines: 2,
        jobs: vec![late, job(&[&[(0, 3)]])],
        ..InstanceParts::default()
    })
    .unwrap();
    let schedule = quick_solve(&instance, Objective::Makespan, 200);
    validate(&instance, &schedule).unwrap();
    assert!(schedule.operations[0].start >= 7);
    assert_eq!(schedule.makespan, 11);
}

#[test]
fn frozen_operations_stay_where_they_are() {
    let mut started = job(&[&[(0, 4), (1, 1)], &[(1, 2)]]);
    started.operations[0].frozen = Some(FrozenPlacement {
        machine: 0,
        start: 1,
    });
    let mut parts = InstanceParts {
        name: "frozen".into(),
        n_machines: 2,
        jobs: vec![started, job(&[&[(0, 2), (1, 2)]])],
        ..InstanceParts::default()
    };
    parts.now = 2;
    let instance = Instance::new(parts).unwrap();
    let schedule = quick_solve(&instance, Objective::Makespan, 200);
    validate(&instance, &schedule).unwrap();
    assert_eq!(
        (schedule.operations[0].machine, schedule.operations[0].start),
        (0, 1)
    );
    assert!(
        schedule
            .operations
            .iter()
            .skip(1)
            .all(|entry| entry.start >= 2)
    );
}

#[test]
fn tardiness_objective_orders_by_due_date_and_weight() {
    let mut long = job(&[&[(0, 10)]]);
    long.due = Some(10);
    let mut urgent = job(&[&[(0, 1)]]);
    urgent.due = Some(1);
    urgent.weight = 10;
    let instance = Instance::new(one_machine(vec![long, urgent])).unwrap();
    for objective in [Objective::Tardiness, Objective::TardinessThenMakespan] {
        let schedule = quick_solve(&instance, objective, 200);
        let evaluation = validate(&instance, &schedule).unwrap();
        assert_eq!(
            (evaluation.total_weighted_tardiness, evaluation.makespan),
            (1, 11)
        );
        assert_eq!(schedule.objective, objective);
    }
    let schedule = quick_solve(&instance, Objective::Tardiness, 200);
    assert_eq!(schedule.objective_line(), "tardiness: 1");
}

#[test]
fn invalid_instances_are_rejected_with_the_reason() {
    let check = |parts: InstanceParts, expected: &str| {
        assert_eq!(Instance::new(parts).unwrap_err().to_string(), expected);
    };
    let mut parts = one_machine(vec![job(&[&[(0, 3)]])]);
    parts.unavailability = vec![vec![Window { start: 5, end: 5 }]];
    check(
        parts,
        "invalid instance: machine 0: unavailability window [5, 5) is empty",
    );
    let mut unfrozen_first = job(&[&[(0, 3)], &[(0, 3)]]);
    unfrozen_first.operations[1].frozen = Some(FrozenPlacement {
        machine: 0,
        start: 0,
    });
    check(
        one_machine(vec![unfrozen_first]),
        "invalid instance: job 0 operation 1: frozen operation follows an operation that is not frozen",
    );
    let mut wrong_machine = job(&[&[(0, 3)]]);
    wrong_machine.operations[0].frozen = Some(FrozenPlacement {
        machine: 1,
        start: 0,
    });
    check(
        one_machine(vec![wrong_machine]),
        "invalid instance: job 0 operation 0: frozen on machine 1, which is not eligible",
    );
    check(
        one_machine(vec![job(&[&[]])]),
        "invalid instance: job 0 operation 0: no eligible machine",
    );
}

/// Applies `mutate` to a valid schedule and compares the validator's verdict with `expected`.
fn check_violation(
    instance: &Instance,
    valid: &Schedule,
    mutate: impl Fn(&mut Schedule),
    expected: &str,
) {
    let mut schedule = valid.clone();
    mutate(&mut schedule);
    let verdict = match validate(instance, &schedule) {
        Ok(evaluation) => format!("valid: {}", evaluation.makespan),
        Err(violation) => violation.to_string(),
    };
    assert_eq!(verdict, expected);
}

#[test]
fn validator_names_the_first_violation() {
    let mut a = job(&[&[(0, 3), (1, 5)], &[(1, 2)]]);
    a.release = 1;
    let mut b = job(&[&[(0, 4)]]);
    b.operations[0].family = 1;
    a.operations[0].family = 0;
    let mut parts = InstanceParts {
        name: "validator".into(),
        n_machines: 2,
        jobs: vec![a, b],
        ..InstanceParts::default()
    };
    parts.setup_times = vec![
        Some(SetupMatrix::from_rows(&[vec![0, 2], vec![2, 0]]).unwrap()),
        None,
    ];
    parts.unavailability = vec![Vec::new(), vec![Window { start: 20, end: 30 }]];
    let instance = Instance::new(parts).unwrap();
    // Job 1 first on machine 0, a set-up of 2, then job 0 on machine 0 and machine 1.
    let entry = |job, operation, machine, start, end| ScheduledOperation {
        job,
        operation,
        machine,
        start,
        end,
    };
    let valid = Schedule {
        format_version: 1,
        instance: "validator".into(),
        objective: Objective::Makespan,
        makespan: 11,
        total_weighted_tardiness: 0,
        operations: vec![
            entry(0, 0, 0, 6, 9),
            entry(0, 1, 1, 9, 11),
            entry(1, 0, 0, 0, 4),
        ],
    };
    assert_eq!(validate(&instance, &valid).unwrap().makespan, 11);
    let shift = |schedule: &mut Schedule, index: usize, start: i64| {
        let entry = &mut schedule.operations[index];
        entry.end = start + (entry.end - entry.start);
        entry.start = start;
    };
    check_violation(
        &instance,
        &valid,
        |s| s.format_version = 2,
        "format_version 2 is not 1",
    );
    check_violation(
        &instance,
        &valid,
        |s| s.operations[0].job = 5,
        "job 5 operation 0 does not exist in the instance",
    );
    check_violation(
        &instance,
        &valid,
        |s| s.operations[2] = s.operations[0],
        "job 0 operation 0 is scheduled twice",
    );
    check_violation(
        &instance,
        &valid,
        |s| {
            s.operations.pop();
        },
        "job 1 operation 0 is not scheduled",
    );
    check_violation(
        &instance,
        &valid,
        |s| s.operations[1].machine = 0,
        "job 0 operation 1 runs on machine 0, which is not eligible",
    );
    check_violation(
        &instance,
        &valid,
        |s| s.operations[1].end += 1,
        "job 0 operation 1 lasts 3 on machine 1, its processing time there is 2",
    );
    check_violation(
        &instance,
        &valid,
        |s| shift(s, 0, 0),
        "job 0 operation 0 starts at 0, before the job's release time 1",
    );
    check_violation(
        &instance,
        &valid,
        |s| shift(s, 1, 1),
        "job 0 operation 1 starts at 1, before the previous operation of its job ends at 9",
    );
    check_violation(
        &instance,
        &valid,
        |s| shift(s, 0, 4),
        "machine 0: job 0 operation 0 starts at 4, but job 1 operation 0 ends at 4 and the set-up between them takes 2",
    );
    check_violation(
        &instance,
        &valid,
        |s| shift(s, 1, 19),
        "machine 1: job 0 operation 1 occupies [19, 21) (set-up included), overlapping the unavailability window [20, 30)",
    );
    check_violation(
        &instance,
        &valid,
        |s| s.makespan += 1,
        "reported makespan 12, actual 11",
    );
    check_violation(
        &instance,
        &valid,
        |s| s.total_weighted_tardiness = 3,
        "reported total weighted tardiness 3, actual 0",
    );
    // The solver does better: job 0 on machine 1 avoids the set-up.
    let solved = quick_solve(&instance, Objective::Makespan, 200);
    assert_eq!(validate(&instance, &solved).unwrap().makespan, 8);
}

#[test]
fn plain_job_shop_helper_builds_valid_instances() {
    let instance = instance(2, vec![job(&[&[(0, 1)], &[(1, 1)]])]);
    assert!(!instance.has_extensions());
}

#[test]
fn inconsistent_frozen_operations_are_rejected() {
    let frozen_at = |machine, start| Some(FrozenPlacement { machine, start });
    let mut first = job(&[&[(0, 5)]]);
    let mut second = job(&[&[(0, 5)]]);
    first.operations[0].frozen = frozen_at(0, 0);
    second.operations[0].frozen = frozen_at(0, 3);
    assert_eq!(
        Instance::new(one_machine(vec![first.clone(), second]))
            .unwrap_err()
            .to_string(),
        "invalid instance: machine 0: frozen job 1 operation 0 overlaps frozen job 0 operation 0"
    );
    let mut chain = job(&[&[(0, 5)], &[(0, 5)]]);
    chain.operations[0].frozen = frozen_at(0, 0);
    chain.operations[1].frozen = frozen_at(0, 2);
    assert_eq!(
        Instance::new(one_machine(vec![chain]))
            .unwrap_err()
            .to_string(),
        "invalid instance: job 0 operation 1: frozen start 2 lies before the release or the end of the previous operation (5)"
    );
    let mut parts = one_machine(vec![first]);
    parts.unavailability = vec![vec![Window { start: 4, end: 6 }]];
    assert_eq!(
        Instance::new(parts).unwrap_err().to_string(),
        "invalid instance: machine 0: frozen job 0 operation 0 overlaps an unavailability window"
    );
}
