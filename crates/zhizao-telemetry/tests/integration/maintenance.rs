//! Compaction, retention and file pruning, seen from outside: what queries return before and
//! after, what is on disk, and what survives a restart.

use std::path::{Path, PathBuf};

use zhizao_telemetry::{Point, StoreOptions, TelemetryStore};

use crate::store::{BASE, options, reading, scalar};

const DAY_MINUTES: i64 = 24 * 60;

fn parquet_files(root: &Path) -> Vec<PathBuf> {
    fn walk(directory: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(directory).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&root.join("tables"), &mut found);
    found.sort();
    found
}

async fn write_and_persist(store: &TelemetryStore, points: Vec<Point>) {
    store.write(1, "factory", points).await.unwrap();
    assert!(store.persist(true).await.unwrap() > 0);
}

/// Four persists of 50 points each, interleaving devices and times within one day, so a merge
/// has real work to do.
pub(crate) async fn write_four_files(store: &TelemetryStore) {
    for round in 0..4 {
        let points = (0..50)
            .map(|i| {
                reading(
                    &format!("press-{:02}", i % 5),
                    f64::from(round * 100 + i),
                    i64::from(49 - i) * 4 + i64::from(round),
                )
            })
            .collect();
        write_and_persist(store, points).await;
    }
}

pub(crate) const SUMMARY: &str = "SELECT count(*) || '/' || sum(temperature) || '/' || count(DISTINCT device) \
                       FROM machine_telemetry";

#[tokio::test]
async fn compaction_merges_a_days_files_without_changing_any_answer() {
    let directory = tempfile::tempdir().unwrap();
    let compacting = |root: &Path| StoreOptions {
        compact_min_files: 3,
        ..options(root)
    };
    let store = TelemetryStore::open(compacting(directory.path())).unwrap();
    write_four_files(&store).await;
    assert_eq!(parquet_files(directory.path()).len(), 4);
    let before = scalar(&store, 1, SUMMARY).await;
    let ordered = "SELECT string_agg(device || ':' || CAST(temperature AS VARCHAR), ',' ORDER BY time, device) FROM machine_telemetry";
    let ordered_before = scalar(&store, 1, ordered).await;

    // Four small files of one day reach the threshold of three.
    let report = store.compact(false).await.unwrap();
    assert_eq!((report.files_in, report.files_out), (4, 1));
    let files = parquet_files(directory.path());
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        files[0]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with('c')
    );
    assert_eq!(scalar(&store, 1, SUMMARY).await, before);
    assert_eq!(scalar(&store, 1, ordered).await, ordered_before);
    assert!(report.bytes_out < report.bytes_in, "{report:?}");

    // The merged file is sorted by device, then time: the first device's rows come first.
    let first = scalar(&store, 1, "SELECT device FROM machine_telemetry LIMIT 1").await;
    assert_eq!(first, "press-00");

    // One file is not compacted again; the result survives a restart.
    assert_eq!(store.compact(true).await.unwrap().files_in, 0);
    drop(store);
    let store = TelemetryStore::open(compacting(directory.path())).unwrap();
    assert_eq!(parquet_files(directory.path()).len(), 1);
    assert_eq!(scalar(&store, 1, SUMMARY).await, before);
}

#[tokio::test]
async fn compaction_waits_for_enough_small_files_unless_the_day_is_over() {
    let directory = tempfile::tempdir().unwrap();
    let store = TelemetryStore::open(StoreOptions {
        compact_min_files: 3,
        ..options(directory.path())
    })
    .unwrap();
    // Two files of a day long past: cold, so even two are merged.
    write_and_persist(&store, vec![reading("a", 1.0, -10 * DAY_MINUTES)]).await;
    write_and_persist(&store, vec![reading("b", 2.0, -10 * DAY_MINUTES + 1)]).await;
    // Two files of a day still running (a day ahead of now): warm, fewer than three, so kept.
    let tomorrow = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 - BASE)
        / 60_000_000_000
        + DAY_MINUTES;
    write_and_persist(&store, vec![reading("a", 3.0, tomorrow)]).await;
    write_and_persist(&store, vec![reading("b", 4.0, tomorrow + 1)]).await;
    let report = store.compact(false).await.unwrap();
    assert_eq!((report.files_in, report.files_out), (2, 1));
    assert_eq!(parquet_files(directory.path()).len(), 3);
    assert_eq!(
        scalar(&store, 1, "SELECT sum(temperature) FROM machine_telemetry").await,
        "10.0"
    );
}

#[tokio::test]
async fn compaction_keeps_columns_added_after_the_first_file() {
    let directory = tempfile::tempdir().unwrap();
    let store = TelemetryStore::open(options(directory.path())).unwrap();
    write_and_persist(&store, vec![reading("a", 1.0, 0)]).await;
    let mut wider = reading("a", 2.0, 1);
    wider.fields.push((
        "spindle_rpm".into(),
        zhizao_telemetry::FieldValue::Integer(1200),
    ));
    write_and_persist(&store, vec![wider]).await;
    assert_eq!(store.compact(true).await.unwrap().files_out, 1);
    assert_eq!(
        scalar(
            &store,
            1,
            "SELECT count(spindle_rpm) || '/' || count(*) FROM machine_telemetry"
        )
        .await,
        "1/2"
    );
}

#[tokio::test]
async fn queries_skip_files_outside_their_time_range_or_devices() {
    let directory = tempfile::tempdir().unwrap();
    let store = TelemetryStore::open(options(directory.path())).unwrap();
    write_and_persist(
        &store,
        vec![reading("press-01", 1.0, 0), reading("press-02", 2.0, 1)],
    )
    .await;
    write_and_persist(&store, vec![reading("press-08", 8.0, DAY_MINUTES)]).await;
    let files = parquet_files(directory.path());
    assert_eq!(files.len(), 2);
    // Spoil the first day's file: only a query that never opens it can still succeed.
    std::fs::write(&files[0], b"not parquet any more").unwrap();
    assert!(
        store
            .query(
                1,
                "factory",
                "SELECT count(*) FROM machine_telemetry",
                Default::default()
            )
            .await
            .is_err()
    );
    let day_two = format!(
        "SELECT sum(temperature) FROM machine_telemetry WHERE time >= to_timestamp_nanos({})",
        BASE + DAY_MINUTES * 60_000_000_000
    );
    assert_eq!(scalar(&store, 1, &day_two).await, "8.0");
    assert_eq!(
        scalar(
            &store,
            1,
            "SELECT sum(temperature) FROM machine_telemetry WHERE device = 'press-08'"
        )
        .await,
        "8.0"
    );
    assert_eq!(
        scalar(
            &store,
            1,
            "SELECT count(*) FROM machine_telemetry WHERE device IN ('press-07', 'press-09')"
        )
        .await,
        "0"
    );
}

#[tokio::test]
async fn retention_drops_whole_days_past_the_limit_and_is_remembered() {
    let directory = tempfile::tempdir().unwrap();
    let store = TelemetryStore::open(options(directory.path())).unwrap();
    let now_ns = BASE + 60 * 60_000_000_000;
    // Today, yesterday, and ten days ago.
    write_and_persist(&store, vec![reading("a", 1.0, 0)]).await;
    write_and_persist(&store, vec![reading("a", 2.0, -DAY_MINUTES)]).await;
    // "b" has been silent for ten days.
    write_and_persist(
        &store,
        vec![
            reading("a", 4.0, -10 * DAY_MINUTES),
            reading("b", 8.0, -10 * DAY_MINUTES),
        ],
    )
    .await;
    store
        .write(2, "factory", vec![reading("z", 9.0, -10 * DAY_MINUTES)])
        .await
        .unwrap();
    store.persist(true).await.unwrap();
    assert_eq!(parquet_files(directory.path()).len(), 4);

    let refused = store
        .set_retention(1, "factory", Some(0))
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("at least one day"),
        "{refused}"
    );
    assert_eq!(store.retention(1, "factory"), None);

    store.set_retention(1, "factory", Some(2)).await.unwrap();
    assert_eq!(store.expire(now_ns).await.unwrap(), 1);
    assert_eq!(
        scalar(&store, 1, "SELECT sum(temperature) FROM machine_telemetry").await,
        "3.0"
    );
    // Another tenant's data is not touched by this tenant's setting.
    assert_eq!(
        scalar(&store, 2, "SELECT sum(temperature) FROM machine_telemetry").await,
        "9.0"
    );
    assert_eq!(parquet_files(directory.path()).len(), 3);
    // The latest-values view forgets what retention dropped, and only that.
    let latest = |tenant, device| store.latest(tenant, "factory", "machine_telemetry", device);
    assert!(latest(1, "b").is_empty(), "{:?}", latest(1, "b"));
    assert_eq!(latest(1, "a").len(), 2, "a's newest values are today's");
    assert_eq!(latest(2, "z").len(), 2, "another tenant keeps its values");

    drop(store);
    let store = TelemetryStore::open(options(directory.path())).unwrap();
    assert_eq!(store.retention(1, "factory"), Some(2));
    assert_eq!(store.retention(2, "factory"), None);
    assert_eq!(
        scalar(&store, 1, "SELECT sum(temperature) FROM machine_telemetry").await,
        "3.0"
    );
    store.set_retention(1, "factory", Some(1)).await.unwrap();
    assert_eq!(store.expire(now_ns).await.unwrap(), 1);
    assert_eq!(
        scalar(&store, 1, "SELECT sum(temperature) FROM machine_telemetry").await,
        "1.0"
    );
    store.set_retention(1, "factory", None).await.unwrap();
    assert_eq!(store.retention(1, "factory"), None);
}

#[tokio::test]
async fn the_earliest_time_a_table_holds_counts_buffered_and_stored_rows() {
    let directory = tempfile::tempdir().unwrap();
    let store = TelemetryStore::open(options(directory.path())).unwrap();
    let earliest =
        |store: &TelemetryStore| store.earliest_time_ns(1, "factory", "machine_telemetry");
    assert_eq!(earliest(&store), None, "nothing written");
    store
        .write(1, "factory", vec![reading("press-01", 1.0, 30)])
        .await
        .unwrap();
    assert_eq!(
        earliest(&store),
        Some(BASE + 30 * 60_000_000_000),
        "buffered"
    );
    write_and_persist(&store, vec![reading("press-02", 2.0, 90)]).await;
    assert_eq!(earliest(&store), Some(BASE + 30 * 60_000_000_000), "stored");
    // An older row written late (a gateway catching up) is still seen while buffered.
    store
        .write(1, "factory", vec![reading("press-03", 3.0, -DAY_MINUTES)])
        .await
        .unwrap();
    assert_eq!(earliest(&store), Some(BASE - DAY_MINUTES * 60_000_000_000));
    assert_eq!(
        store.earliest_time_ns(2, "factory", "machine_telemetry"),
        None,
        "another tenant"
    );
    drop(store);
    let reopened = TelemetryStore::open(options(directory.path())).unwrap();
    assert_eq!(
        earliest(&reopened),
        Some(BASE - DAY_MINUTES * 60_000_000_000),
        "after a restart, from the log"
    );
}
