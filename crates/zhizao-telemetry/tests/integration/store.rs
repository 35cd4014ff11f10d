//! The telemetry store end to end: durable writes, immediate queries, Parquet persistence,
//! recovery after a crash, schema conflicts, and SQL that cannot leave its tenant.

use std::time::Duration;

use zhizao_telemetry::{Error, FieldValue, Point, QueryLimits, StoreOptions, TelemetryStore};

const HOUR_NS: i64 = 3_600_000_000_000;
pub(crate) const BASE: i64 = 1_795_700_000_000_000_000;

pub(crate) fn reading(device: &str, temperature: f64, minutes: i64) -> Point {
    Point {
        measurement: "machine_telemetry".into(),
        tags: vec![("device".into(), device.into())],
        fields: vec![
            ("temperature".into(), FieldValue::Float(temperature)),
            ("running".into(), FieldValue::Boolean(true)),
        ],
        time_ns: BASE + minutes * 60_000_000_000,
    }
}

pub(crate) fn options(root: &std::path::Path) -> StoreOptions {
    StoreOptions {
        freeze_rows: 1_000_000,
        freeze_bytes: usize::MAX,
        freeze_age: Duration::from_secs(3600),
        ..StoreOptions::new(root.to_owned())
    }
}

pub(crate) async fn scalar(store: &TelemetryStore, tenant: i64, sql: &str) -> String {
    let output = store
        .query(tenant, "factory", sql, QueryLimits::default())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let text = arrow::util::pretty::pretty_format_batches(&output.batches)
        .unwrap()
        .to_string();
    text.lines()
        .nth(3)
        .unwrap_or("")
        .trim_matches(|c| c == '|' || c == ' ')
        .to_owned()
}

#[tokio::test]
async fn writes_are_queryable_at_once_and_survive_persistence_and_restart() {
    let directory = tempfile::tempdir().unwrap();
    let store = TelemetryStore::open(options(directory.path())).unwrap();
    let points: Vec<Point> = (0..120)
        .map(|m| {
            reading(
                if m % 2 == 0 { "press-07" } else { "press-08" },
                20.0 + m as f64,
                m,
            )
        })
        .collect();
    store.write(1, "factory", points).await.unwrap();
    // A point on the next UTC day goes to another file.
    store
        .write(1, "factory", vec![reading("press-07", 99.0, 24 * 60)])
        .await
        .unwrap();
    assert_eq!(
        scalar(&store, 1, "SELECT count(*) FROM machine_telemetry").await,
        "121"
    );

    let written = store.persist(true).await.unwrap();
    assert_eq!(written, 2, "one file per UTC day");
    assert_eq!(
        scalar(&store, 1, "SELECT count(*) FROM machine_telemetry").await,
        "121",
        "no duplicates, nothing lost"
    );
    store
        .write(1, "factory", vec![reading("press-09", 5.0, 200)])
        .await
        .unwrap();
    assert_eq!(
        scalar(
            &store,
            1,
            "SELECT count(DISTINCT device) FROM machine_telemetry"
        )
        .await,
        "3"
    );

    let per_minute = store
        .query(
            1,
            "factory",
            "SELECT date_bin(INTERVAL '1 hour', time) AS t, avg(temperature) AS avg_t FROM machine_telemetry \
             WHERE device = 'press-07' AND time < to_timestamp_nanos(1795707200000000000) GROUP BY t ORDER BY t",
            QueryLimits::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        per_minute.rows(),
        3,
        "two hours of readings starting at :33 span three hourly bins"
    );

    let latest = |store: &TelemetryStore| {
        store
            .latest(1, "factory", "machine_telemetry", "press-07")
            .into_iter()
            .map(|v| (v.field.to_string(), v.value))
            .collect::<Vec<_>>()
    };
    let expected = vec![
        ("running".to_owned(), FieldValue::Boolean(true)),
        ("temperature".to_owned(), FieldValue::Float(99.0)),
    ];
    assert_eq!(
        latest(&store),
        expected,
        "the newest point, not the last written"
    );
    assert_eq!(
        store
            .latest_by_device(1, "factory", "machine_telemetry")
            .len(),
        3
    );
    assert!(
        store
            .latest(2, "factory", "machine_telemetry", "press-07")
            .is_empty()
    );

    drop(store);
    // Reopen: files from the manifest, the last point from the log.
    let store = TelemetryStore::open(options(directory.path())).unwrap();
    assert_eq!(
        scalar(&store, 1, "SELECT count(*) FROM machine_telemetry").await,
        "122"
    );
    assert_eq!(latest(&store), expected, "the cache survives a restart");
    assert_eq!(
        store
            .latest_by_device(1, "factory", "machine_telemetry")
            .len(),
        3,
        "persisted devices from the saved cache, the rest from the log"
    );
    assert_eq!(scalar(&store, 1, "SELECT max(temperature) FROM machine_telemetry WHERE device = 'press-07' AND time > to_timestamp_nanos(1795780000000000000)").await, "99.0");
}

#[tokio::test]
async fn conflicting_writes_change_nothing() {
    let directory = tempfile::tempdir().unwrap();
    let store = TelemetryStore::open(options(directory.path())).unwrap();
    store
        .write(1, "factory", vec![reading("a", 1.0, 0)])
        .await
        .unwrap();
    let mut bad = reading("a", 2.0, 1);
    bad.fields[0].1 = FieldValue::String("hot".into());
    let error = store
        .write(1, "factory", vec![reading("a", 3.0, 2), bad])
        .await
        .unwrap_err();
    assert!(error.to_string().contains("field type conflict"), "{error}");
    assert_eq!(
        scalar(&store, 1, "SELECT count(*) FROM machine_telemetry").await,
        "1"
    );
    assert!(
        store
            .write(1, "../etc", vec![reading("a", 1.0, 0)])
            .await
            .is_err()
    );
    // Another tenant may use the same names with other types.
    let mut other = reading("a", 0.0, 0);
    other.fields[0].1 = FieldValue::String("cold".into());
    store.write(2, "factory", vec![other]).await.unwrap();
}

#[tokio::test]
async fn sql_cannot_reach_another_tenant_or_the_file_system() {
    let directory = tempfile::tempdir().unwrap();
    let store = TelemetryStore::open(options(directory.path())).unwrap();
    store
        .write(1, "factory", vec![reading("secret-press", 1.0, 0)])
        .await
        .unwrap();
    store
        .write(2, "factory", vec![reading("mine", 2.0, 0)])
        .await
        .unwrap();
    store
        .write(2, "lab", vec![reading("bench", 3.0, 0)])
        .await
        .unwrap();
    store.persist(true).await.unwrap();
    store
        .write(1, "factory", vec![reading("secret-press", 4.0, 1)])
        .await
        .unwrap();

    let limits = QueryLimits::default();
    assert_eq!(
        scalar(&store, 2, "SELECT count(*) FROM machine_telemetry").await,
        "1"
    );
    assert_eq!(
        scalar(&store, 2, "SELECT count(*) FROM lab.machine_telemetry").await,
        "1"
    );
    let tables = store.query(2, "factory", "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema <> 'information_schema' ORDER BY 1", limits).await.unwrap();
    let listed = arrow::util::pretty::pretty_format_batches(&tables.batches)
        .unwrap()
        .to_string();
    assert!(
        listed.contains("lab") && !listed.contains("secret"),
        "{listed}"
    );
    for sql in [
        "SELECT * FROM machine_telemetry WHERE device = 'secret-press'",
        "SELECT * FROM machine_telemetry UNION ALL SELECT * FROM zhizao.factory.machine_telemetry",
        "SELECT * FROM (SELECT device FROM machine_telemetry) WHERE device LIKE 'secret%'",
    ] {
        let output = store.query(2, "factory", sql, limits).await.unwrap();
        let text = arrow::util::pretty::pretty_format_batches(&output.batches)
            .unwrap()
            .to_string();
        assert!(!text.contains("secret"), "{sql}: {text}");
    }
    for (sql, expected_not_allowed) in [
        (
            format!(
                "CREATE EXTERNAL TABLE stolen STORED AS PARQUET LOCATION '{}'",
                directory.path().display()
            ),
            true,
        ),
        ("COPY (SELECT 1) TO '/tmp/x.csv'".to_owned(), true),
        ("SET datafusion.execution.batch_size = 1".to_owned(), true),
        ("DROP TABLE machine_telemetry".to_owned(), true),
        (
            "SELECT * FROM read_parquet('/etc/passwd')".to_owned(),
            false,
        ),
        ("SELECT * FROM other_tenant_table".to_owned(), false),
        ("SELEC nonsense".to_owned(), false),
    ] {
        let error = store.query(2, "factory", &sql, limits).await.unwrap_err();
        match error {
            Error::NotAQuery(_) => assert!(expected_not_allowed, "{sql}: {error}"),
            Error::Sql(_) => assert!(!expected_not_allowed, "{sql}: {error}"),
            other => panic!("{sql}: unexpected {other}"),
        }
    }
    let capped = store
        .query(
            2,
            "factory",
            "SELECT * FROM machine_telemetry",
            QueryLimits {
                max_rows: 0,
                ..limits
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(capped, Error::TooManyRows(0)), "{capped}");
    let _ = HOUR_NS;
}

#[tokio::test]
async fn files_the_manifest_does_not_list_are_removed_on_open() {
    let directory = tempfile::tempdir().unwrap();
    let store = TelemetryStore::open(options(directory.path())).unwrap();
    store
        .write(1, "factory", vec![reading("a", 1.0, 0)])
        .await
        .unwrap();
    store.persist(true).await.unwrap();
    drop(store);
    let orphan = directory.path().join("tables/1/factory/orphan.parquet");
    std::fs::write(&orphan, b"half a file").unwrap();
    let store = TelemetryStore::open(options(directory.path())).unwrap();
    assert!(!orphan.exists());
    assert_eq!(
        scalar(&store, 1, "SELECT count(*) FROM machine_telemetry").await,
        "1"
    );
}
