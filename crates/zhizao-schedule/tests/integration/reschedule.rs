//! Rescheduling keeps what runs, honours the event and reports how many operations moved.

use std::time::Duration;

use zhizao_schedule::{
    Event, Format, Objective, Schedule, SolveOptions, parse, reschedule, validate,
};

use crate::common::{job, quick_solve};

fn options() -> SolveOptions {
    SolveOptions {
        time_limit: Duration::from_secs(60),
        max_iterations: Some(2_000),
        ..SolveOptions::default()
    }
}

fn mk01_and_schedule() -> (zhizao_schedule::Instance, Schedule) {
    let instance = parse(include_bytes!("../data/mk01.fjs"), Format::Fjs, "mk01").unwrap();
    let schedule = quick_solve(&instance, Objective::Makespan, 2_000);
    (instance, schedule)
}

/// Operations that started before `now` are unchanged in the new schedule.
fn assert_started_operations_kept(before: &Schedule, after: &Schedule, now: i64) {
    for old in before.operations.iter().filter(|entry| entry.start < now) {
        let new = after
            .operations
            .iter()
            .find(|entry| entry.job == old.job && entry.operation == old.operation)
            .expect("started operation still scheduled");
        assert_eq!(new, old);
    }
    for new in &after.operations {
        let started = before
            .operations
            .iter()
            .any(|old| old.job == new.job && old.operation == new.operation && old.start < now);
        assert!(
            started || new.start >= now,
            "{new:?} starts before now {now}"
        );
    }
}

#[test]
fn breakdown_moves_work_off_the_broken_machine() {
    let (instance, current) = mk01_and_schedule();
    let now = 10;
    let event = Event::Breakdown {
        machine: 1,
        start: 12,
        duration: 15,
    };
    let outcome = reschedule(&instance, &current, now, &event, &options()).unwrap();
    validate(&outcome.instance, &outcome.schedule).unwrap();
    assert_started_operations_kept(&current, &outcome.schedule, now);
    let window = outcome.instance.windows(1)[0];
    assert!(window.start >= 12 && window.end - window.start == 15);
    for entry in outcome
        .schedule
        .operations
        .iter()
        .filter(|entry| entry.machine == 1 && entry.start >= now)
    {
        assert!(
            entry.end <= window.start || entry.start >= window.end,
            "{entry:?}"
        );
    }
    let moved = outcome
        .schedule
        .operations
        .iter()
        .zip(&current.operations)
        .filter(|(new, old)| new.machine != old.machine || new.start != old.start)
        .count();
    assert_eq!(outcome.n_moved, moved);
}

#[test]
fn rush_job_is_inserted_after_now() {
    let (instance, current) = mk01_and_schedule();
    let now = 15;
    let rush = job(&[&[(0, 3), (2, 4)], &[(4, 2)]]);
    let outcome = reschedule(&instance, &current, now, &Event::RushJob(rush), &options()).unwrap();
    validate(&outcome.instance, &outcome.schedule).unwrap();
    assert_started_operations_kept(&current, &outcome.schedule, now);
    assert_eq!(outcome.instance.jobs().len(), instance.jobs().len() + 1);
    assert!(
        outcome
            .schedule
            .operations
            .iter()
            .filter(|entry| entry.job == 10)
            .all(|entry| entry.start >= now)
    );
}

#[test]
fn cancellation_drops_unstarted_operations_only() {
    let (instance, current) = mk01_and_schedule();
    let now = 8;
    let outcome = reschedule(
        &instance,
        &current,
        now,
        &Event::Cancel { job: 3 },
        &options(),
    )
    .unwrap();
    validate(&outcome.instance, &outcome.schedule).unwrap();
    assert_started_operations_kept(&current, &outcome.schedule, now);
    let started = current
        .operations
        .iter()
        .filter(|entry| entry.job == 3 && entry.start < now)
        .count();
    assert_eq!(outcome.instance.jobs()[3].operations.len(), started);
    assert!(outcome.schedule.makespan <= current.makespan);
}

#[test]
fn invalid_events_are_rejected() {
    let (instance, current) = mk01_and_schedule();
    let error = reschedule(
        &instance,
        &current,
        5,
        &Event::Cancel { job: 99 },
        &options(),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid rescheduling event: cancellation of job 99, the instance has 10 jobs"
    );
    let breakdown = Event::Breakdown {
        machine: 9,
        start: 5,
        duration: 3,
    };
    let error = reschedule(&instance, &current, 5, &breakdown, &options()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid rescheduling event: breakdown of machine 9, the instance has 6 machines"
    );
}

#[test]
fn an_event_that_changes_nothing_moves_nothing() {
    let (instance, current) = mk01_and_schedule();
    let after_the_end = Event::Breakdown {
        machine: 2,
        start: current.makespan + 5,
        duration: 10,
    };
    let outcome = reschedule(&instance, &current, 12, &after_the_end, &options()).unwrap();
    validate(&outcome.instance, &outcome.schedule).unwrap();
    assert!(outcome.schedule.makespan <= current.makespan);
    if outcome.schedule.makespan == current.makespan {
        assert_eq!(outcome.n_moved, 0);
        assert_eq!(outcome.schedule.operations, current.operations);
    }
}
