//! OEE over a day of machine reports in a real telemetry store, against hand-computed figures:
//! the time model, the losses and who they are attributed to, operators' stop reasons, settled
//! days read once, and ranges refused.

use std::collections::HashMap;

use time::{Date, Duration};
use zhizao_factory::performance::*;
use zhizao_factory::setup::{LossParty, Setup, parse_local};
use zhizao_factory::signals::{ActivityCache, DeviceKey};
use zhizao_telemetry::{FieldValue, Point, StoreOptions, TelemetryStore};

const MINUTE: i64 = 60_000;
const TENANT: i64 = 7;

/// One line of two robots and a manual station; shifts 08:00–12:00 and 13:00–17:00 with a
/// break 10:00–10:15; a robot's planned run time is 60 s a piece; alarm 17 is the plant's,
/// alarm 5 (no material) the client's.
fn setup() -> Setup {
    serde_json::from_value(serde_json::json!({
        "sites": [{"code": "S", "name": "基地"}],
        "resources": [
            {"code": "R1", "name": "1 号机器人", "class": "polishing_cell", "site": "S",
             "line": "L1", "devices": ["r1"]},
            {"code": "R2", "name": "2 号机器人", "class": "polishing_cell", "site": "S",
             "line": "L1", "devices": ["r2", "gone"]},
            {"code": "M", "name": "工位", "class": "manual", "site": "S", "line": "L1"}
        ],
        "calendar": {
            "workdays": [1, 2, 3, 4, 5, 6, 7],
            "shifts": [{"start": "13:00", "end": "17:00"}, {"start": "08:00", "end": "12:00"}],
            "breaks": [{"start": "10:00", "end": "10:15"}]
        },
        "routings": [{"process": "polishing", "lot_size": 100, "steps": [
            {"name": "抛光", "class": "polishing_cell", "seconds_per_piece": 60}
        ]}],
        "alarms": [
            {"code": 17, "reason": "砂带断裂"},
            {"code": 5, "reason": "来料未到", "party": "client"}
        ]
    }))
    .unwrap()
}

fn day() -> Date {
    Date::from_calendar_date(2026, time::Month::November, 26).unwrap()
}

/// Milliseconds of `HH:MM` on the test day.
fn clock(hours: i64, minutes: i64) -> i64 {
    // Hours past 24 fall on the days after.
    parse_local(&format!("{} 00:00", day()))
        .unwrap()
        .as_millis()
        + (hours * 60 + minutes) * MINUTE
}

fn point(device: &str, at: i64, fields: Vec<(&str, FieldValue)>) -> Point {
    Point {
        measurement: "robots".into(),
        tags: vec![("device".into(), device.into())],
        fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        time_ns: at * 1_000_000,
    }
}

/// A state reported every four minutes over `[from, to)`.
fn held(device: &str, from: i64, to: i64, state: &str, alarm: Option<i64>) -> Vec<Point> {
    (from..to)
        .step_by(4 * MINUTE as usize)
        .map(|at| {
            let mut fields = vec![("state", FieldValue::String(state.into()))];
            if let Some(code) = alarm {
                fields.push(("alarm", FieldValue::Integer(code)));
            }
            point(device, at, fields)
        })
        .collect()
}

fn counters(device: &str, at: i64, good: i64, scrap: i64) -> Point {
    point(
        device,
        at,
        vec![
            ("good", FieldValue::Integer(good)),
            ("scrap", FieldValue::Integer(scrap)),
        ],
    )
}

/// R1 runs 08:00–09:00, faults (17) to 09:20, runs to 12:00, sets up 13:00–13:30 and runs to
/// 17:00, making 405 good and 5 scrap across a reboot at 14:00; R2 faults (5) 08:00–09:00,
/// idles to 12:00 and says nothing in the afternoon; the station has no device.
async fn store() -> (tempfile::TempDir, TelemetryStore) {
    let directory = tempfile::tempdir().unwrap();
    let store = TelemetryStore::open(StoreOptions::new(directory.path().to_owned())).unwrap();
    let mut points = Vec::new();
    points.extend(held("r1", clock(8, 0), clock(9, 0), "running", None));
    points.extend(held("r1", clock(9, 0), clock(9, 20), "fault", Some(17)));
    points.extend(held("r1", clock(9, 20), clock(12, 0), "running", None));
    points.push(point(
        "r1",
        clock(12, 0),
        vec![("state", FieldValue::String("off".into()))],
    ));
    points.extend(held("r1", clock(13, 0), clock(13, 30), "setup", None));
    points.extend(held("r1", clock(13, 30), clock(17, 0), "running", None));
    points.push(counters("r1", clock(7, 55), 1000, 10));
    points.push(counters("r1", clock(12, 0), 1200, 12));
    points.push(counters("r1", clock(14, 0), 5, 0));
    points.push(counters("r1", clock(17, 0), 205, 3));
    points.extend(held("r2", clock(8, 0), clock(9, 0), "fault", Some(5)));
    points.extend(held("r2", clock(9, 0), clock(12, 0), "idle", None));
    store.write(TENANT, "plant", points).await.unwrap();
    (directory, store)
}

/// The platform's devices: the two robots' and a spare one no resource binds.
fn devices() -> HashMap<String, DeviceKey> {
    ["r1", "r2", "spare"]
        .into_iter()
        .map(|name| {
            (
                name.to_owned(),
                DeviceKey {
                    tenant: TENANT,
                    database: "plant".into(),
                    table: "robots".into(),
                    device: name.into(),
                },
            )
        })
        .collect()
}

fn request(grouping: Grouping, bucket: Bucket) -> OeeRequest {
    OeeRequest {
        from: day(),
        to: day(),
        grouping,
        bucket,
    }
}

#[tokio::test]
async fn a_day_of_machine_reports_gives_the_hand_computed_oee_and_losses() {
    let (_directory, store) = store().await;
    let cache = ActivityCache::default();
    let setup = setup();
    let devices = devices();
    let now = clock(23, 0);
    let day_report = report(
        &store,
        &cache,
        &setup,
        &devices,
        &StopReasons::new(),
        request(Grouping::Resource, Bucket::Day),
        now,
    )
    .await
    .unwrap();
    // Planned busy time: 120 + 105 + 240 = 465 minutes each.
    let r1 = &day_report.groups[0].model;
    assert_eq!(day_report.groups[0].group, "R1");
    assert_eq!(r1.planned_operation_ms, 480 * MINUTE);
    assert_eq!(r1.planned_busy_ms, 465 * MINUTE);
    assert_eq!(r1.production_ms, (60 + 145 + 210) * MINUTE, "{r1:?}");
    assert_eq!(r1.down_ms, 20 * MINUTE);
    assert_eq!(r1.setup_ms, 30 * MINUTE);
    assert_eq!(r1.unrecorded_ms, 0);
    assert_eq!((r1.produced, r1.good), (410, 405), "a reset counts once");
    let r2 = &day_report.groups[1].model;
    assert_eq!(r2.down_ms, 60 * MINUTE);
    assert_eq!(r2.delay_ms, (165 + 240) * MINUTE);
    assert_eq!(r2.unrecorded_ms, 240 * MINUTE);
    assert_eq!(day_report.groups.len(), 2, "the station has no figures");
    assert_eq!(day_report.resets, 1);
    assert_eq!(day_report.resources_without_devices, vec!["M".to_owned()]);
    assert_eq!(day_report.unknown_devices, vec!["gone".to_owned()]);
    assert_eq!(day_report.unbound_devices, vec!["spare".to_owned()]);

    // The line: 415 / 930 × 410 / 415 × 405 / 410 = 405 / 930.
    let line = report(
        &store,
        &cache,
        &setup,
        &devices,
        &StopReasons::new(),
        request(Grouping::Line, Bucket::Day),
        now,
    )
    .await
    .unwrap();
    assert_eq!(line.rows.len(), 1);
    let figures = line.rows[0].model.figures();
    assert!((figures.availability.unwrap() - 415.0 / 930.0).abs() < 1e-12);
    assert!((figures.effectiveness.unwrap() - 410.0 / 415.0).abs() < 1e-12);
    assert!((figures.quality_rate.unwrap() - 405.0 / 410.0).abs() < 1e-12);
    assert!((figures.oee.unwrap() - 405.0 / 930.0).abs() < 1e-12);
    let losses: Vec<(LossKind, Option<i64>, LossParty, i64)> = line
        .losses
        .iter()
        .map(|l| (l.kind, l.alarm, l.party, l.ms / MINUTE))
        .collect();
    use LossKind::*;
    assert_eq!(
        losses,
        vec![
            (Unrecorded, None, LossParty::Plant, 240),
            (Idle, None, LossParty::Plant, 165),
            (Fault, Some(5), LossParty::Client, 60),
            (Setup, None, LossParty::Plant, 30),
            (Fault, Some(17), LossParty::Plant, 20),
            (Quality, None, LossParty::Plant, 5),
            (Speed, None, LossParty::Plant, 5),
        ]
    );
    assert_eq!(
        OeeReport::loss_label(&line.losses[2]).zh,
        "来料未到（5）".to_owned()
    );

    // By shift: the morning's pieces are those counted up to the afternoon's start.
    let shifts = report(
        &store,
        &cache,
        &setup,
        &devices,
        &StopReasons::new(),
        request(Grouping::Platform, Bucket::Shift),
        now,
    )
    .await
    .unwrap();
    let periods: Vec<(&str, i64, i64, i64)> = shifts
        .rows
        .iter()
        .map(|r| {
            (
                r.period.as_str(),
                r.model.planned_busy_ms / MINUTE,
                r.model.produced,
                r.model.good,
            )
        })
        .collect();
    assert_eq!(
        periods,
        vec![
            ("2026-11-26 08:00", 2 * 225, 202, 200),
            ("2026-11-26 13:00", 2 * 240, 208, 205),
        ]
    );
    assert_eq!(shifts.total, line.total, "shifts add up to the day");
}

#[tokio::test]
async fn a_stop_an_operator_gave_a_reason_for_counts_under_it() {
    let (_directory, store) = store().await;
    let setup = setup();
    let devices = devices();
    // R2 idles 09:00–12:00; at 10:30 the operator says the client's material is missing.
    let stops = StopReasons::from([("R2".to_owned(), vec![(clock(10, 30), 5)])]);
    let line = report(
        &store,
        &ActivityCache::default(),
        &setup,
        &devices,
        &stops,
        request(Grouping::Line, Bucket::Day),
        clock(23, 0),
    )
    .await
    .unwrap();
    let idle: Vec<(Option<i64>, LossParty, i64)> = line
        .losses
        .iter()
        .filter(|l| l.kind == LossKind::Idle)
        .map(|l| (l.alarm, l.party, l.ms / MINUTE))
        .collect();
    assert_eq!(idle, vec![(Some(5), LossParty::Client, 165)]);
}

#[tokio::test]
async fn settled_days_are_read_once_and_bad_ranges_are_refused() {
    let (_directory, store) = store().await;
    let cache = ActivityCache::default();
    let setup = setup();
    let devices = devices();
    let whole = request(Grouping::Platform, Bucket::Day);
    let settled = clock(24 + 7, 0);
    let before = report(
        &store,
        &cache,
        &setup,
        &devices,
        &StopReasons::new(),
        whole,
        settled,
    )
    .await
    .unwrap();
    // A late report for a settled day is not read again …
    store
        .write(
            TENANT,
            "plant",
            vec![
                counters("r2", clock(11, 0), 1, 0),
                counters("r2", clock(11, 30), 51, 0),
            ],
        )
        .await
        .unwrap();
    let cached = report(
        &store,
        &cache,
        &setup,
        &devices,
        &StopReasons::new(),
        whole,
        settled,
    )
    .await
    .unwrap();
    assert_eq!(cached, before);
    // … while the day is still open it is.
    let fresh = report(
        &store,
        &ActivityCache::default(),
        &setup,
        &devices,
        &StopReasons::new(),
        whole,
        clock(23, 0),
    )
    .await
    .unwrap();
    assert_eq!(fresh.total.produced, before.total.produced + 50);

    let backwards = OeeRequest {
        from: day(),
        to: day() - Duration::days(1),
        ..whole
    };
    let error = report(
        &store,
        &cache,
        &setup,
        &devices,
        &StopReasons::new(),
        backwards,
        settled,
    )
    .await
    .unwrap_err();
    assert_eq!(zhizao_core::Classified::field_errors(&error)[0].field, "to");
    let long = OeeRequest {
        to: day() + Duration::days(MAX_REPORT_DAYS),
        ..whole
    };
    assert!(
        report(
            &store,
            &cache,
            &setup,
            &devices,
            &StopReasons::new(),
            long,
            settled
        )
        .await
        .is_err()
    );
}
