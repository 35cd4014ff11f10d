//! The versioned file formats: a snapshot of schedule.json v1 and round trips of both formats.

use zhizao_schedule::read::instance_to_json;
use zhizao_schedule::{Error, Format, Objective, Schedule, ScheduledOperation, parse};

fn sample_schedule() -> Schedule {
    Schedule {
        format_version: 1,
        instance: "sample \"shop\"".into(),
        objective: Objective::TardinessThenMakespan,
        makespan: 9,
        total_weighted_tardiness: 4,
        operations: vec![
            ScheduledOperation {
                job: 0,
                operation: 0,
                machine: 1,
                start: 0,
                end: 4,
            },
            ScheduledOperation {
                job: 0,
                operation: 1,
                machine: 0,
                start: 4,
                end: 9,
            },
            ScheduledOperation {
                job: 1,
                operation: 0,
                machine: 0,
                start: 0,
                end: 3,
            },
        ],
    }
}

/// An accidental change of the exported format must fail here; a deliberate one bumps
/// `SCHEDULE_FORMAT_VERSION` and updates the snapshot.
#[test]
fn schedule_format_version_1_snapshot() {
    assert_eq!(
        sample_schedule().to_json(),
        include_str!("../snapshots/schedule_v1.json")
    );
}

#[test]
fn schedule_round_trips_and_rejects_other_versions() {
    let schedule = sample_schedule();
    assert_eq!(
        Schedule::from_json(schedule.to_json().as_bytes()).unwrap(),
        schedule
    );
    let newer = schedule
        .to_json()
        .replace("\"format_version\": 1", "\"format_version\": 2");
    assert_eq!(
        Schedule::from_json(newer.as_bytes())
            .unwrap_err()
            .to_string(),
        "invalid schedule file: format_version 2 is not supported (this reader knows version 1)"
    );
    let broken = "{\n  \"format_version\": 1,\n  oops\n}";
    let error = Schedule::from_json(broken.as_bytes()).unwrap_err();
    assert!(
        matches!(&error, Error::InvalidScheduleFile(message) if message.starts_with("line 3:")),
        "{error}"
    );
}

#[test]
fn objective_lines_name_the_objective() {
    let mut schedule = sample_schedule();
    assert_eq!(schedule.objective_line(), "tardiness-then-makespan: 4 9");
    schedule.objective = Objective::Makespan;
    assert_eq!(schedule.objective_line(), "makespan: 9");
}

#[test]
fn instance_json_round_trips_with_every_extension() {
    let example = include_bytes!("../../schema/example-instance.json");
    let instance = parse(example, Format::Json, "example").unwrap();
    assert!(instance.has_extensions());
    let again = parse(
        instance_to_json(&instance).as_bytes(),
        Format::Json,
        "other",
    )
    .unwrap();
    assert_eq!(again, instance);
}

#[test]
fn schema_files_are_json_and_describe_every_field() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../schema/instance.schema.json")).unwrap();
    let text = schema.to_string();
    for field in [
        "format_version",
        "n_machines",
        "now",
        "jobs",
        "release",
        "due",
        "weight",
        "family",
        "alternatives",
        "frozen",
        "setup_times",
        "unavailability",
    ] {
        assert!(
            text.contains(&format!("\"{field}\"")),
            "instance schema lacks {field}"
        );
    }
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../schema/schedule.schema.json")).unwrap();
    let text = schema.to_string();
    for field in [
        "format_version",
        "instance",
        "objective",
        "makespan",
        "total_weighted_tardiness",
        "operations",
        "job",
        "operation",
        "machine",
        "start",
        "end",
    ] {
        assert!(
            text.contains(&format!("\"{field}\"")),
            "schedule schema lacks {field}"
        );
    }
}
