//! Parquet files in S3-compatible object storage, against a real S3 protocol server (s3s over a
//! directory: signed requests, XML listings, multipart uploads) on a loopback port: persisting,
//! querying, restarting, compaction, retention, tidying and a refusing server.

use std::path::Path;
use std::time::Duration;

use zhizao_telemetry::testing::{ACCESS_KEY, S3Server, SECRET_KEY};
use zhizao_telemetry::{
    FieldValue, ObjectStorage, Point, QueryLimits, StoreOptions, TelemetryStore,
};

use crate::maintenance::{SUMMARY, write_four_files};
use crate::store::{BASE, options, reading, scalar};

const BUCKET: &str = "telemetry";

async fn s3_server(root: &Path) -> S3Server {
    S3Server::start(root, BUCKET).await
}

fn storage(server: &S3Server, prefix: &str, secret: &str) -> ObjectStorage {
    let settings: Vec<(String, String)> = [
        ("aws_endpoint", server.endpoint.as_str()),
        ("aws_allow_http", "true"),
        ("aws_region", "us-east-1"),
        ("aws_access_key_id", ACCESS_KEY),
        ("aws_secret_access_key", secret),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    ObjectStorage::s3(&format!("s3://{BUCKET}/{prefix}"), &settings).unwrap()
}

/// The id a store made at its first open (its files live under it in the bucket).
fn store_id(local: &Path) -> String {
    std::fs::read_to_string(local.join("store-id")).unwrap()
}

fn object_options(local: &Path, storage: ObjectStorage) -> StoreOptions {
    StoreOptions {
        object_storage: Some(storage),
        ..options(local)
    }
}

/// Every file under `directory` whose name ends in `.parquet`, relative to it.
fn parquet_under(directory: &Path) -> Vec<String> {
    fn walk(base: &Path, directory: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(directory).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, found);
            } else if path.to_string_lossy().ends_with(".parquet") {
                found.push(
                    path.strip_prefix(base)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    let mut found = Vec::new();
    walk(directory, directory, &mut found);
    found.sort();
    found
}

#[tokio::test]
async fn files_live_in_the_bucket_and_survive_a_restart() {
    let s3_root = tempfile::tempdir().unwrap();
    let server = s3_server(s3_root.path()).await;
    let local = tempfile::tempdir().unwrap();
    let store = TelemetryStore::open(object_options(
        local.path(),
        storage(&server, "city/a", SECRET_KEY),
    ))
    .unwrap();
    let points: Vec<Point> = (0..200)
        .map(|m| reading(&format!("press-{:02}", m % 7), f64::from(m as i32), m))
        .collect();
    store.write(1, "factory", points).await.unwrap();
    // A database whose name is escaped in paths ('.' → %2E) and another tenant.
    store
        .write(1, "line.2", vec![reading("saw-01", 7.5, 1)])
        .await
        .unwrap();
    store
        .write(2, "factory", vec![reading("press-01", 1000.0, 1)])
        .await
        .unwrap();
    assert_eq!(store.persist(true).await.unwrap(), 3);

    assert!(
        parquet_under(local.path()).is_empty(),
        "no Parquet file on the local disk: {:?}",
        parquet_under(local.path())
    );
    let objects = parquet_under(&server.root.join(BUCKET));
    assert_eq!(objects.len(), 3, "{objects:?}");
    assert!(
        objects
            .iter()
            .all(|o| o.starts_with(&format!("city/a/{}/tables/", store_id(local.path())))),
        "{objects:?}"
    );
    assert!(
        objects.iter().any(|o| o.contains("line%2E2")),
        "{objects:?}"
    );

    let expected = "200/19900.0/7";
    assert_eq!(scalar(&store, 1, SUMMARY).await, expected);
    assert_eq!(
        scalar(
            &store,
            1,
            "SELECT sum(temperature) FROM \"line.2\".machine_telemetry"
        )
        .await,
        "7.5"
    );
    assert_eq!(scalar(&store, 2, SUMMARY).await, "1/1000.0/1");
    drop(store);

    // A new process: the manifest on the local disk, the files in the bucket.
    let store = TelemetryStore::open(object_options(
        local.path(),
        storage(&server, "city/a", SECRET_KEY),
    ))
    .unwrap();
    assert_eq!(scalar(&store, 1, SUMMARY).await, expected);
    assert_eq!(
        scalar(
            &store,
            1,
            "SELECT count(*) FROM machine_telemetry WHERE device = 'press-03' \
             AND time >= to_timestamp_nanos(1795700000000000000) + INTERVAL '1 hour'"
        )
        .await,
        "20",
        "a filtered query over the bucket's files"
    );
    assert_eq!(scalar(&store, 2, SUMMARY).await, "1/1000.0/1");
    assert_eq!(
        store.remove_unlisted_objects().await.unwrap(),
        0,
        "every object is listed"
    );
}

#[tokio::test]
async fn compaction_retention_and_tidying_work_on_the_bucket() {
    let s3_root = tempfile::tempdir().unwrap();
    let server = s3_server(s3_root.path()).await;
    let local = tempfile::tempdir().unwrap();
    let store = TelemetryStore::open(object_options(
        local.path(),
        storage(&server, "", SECRET_KEY),
    ))
    .unwrap();
    // Four files for one day, one for a day long ago.
    write_four_files(&store).await;
    store
        .write(1, "factory", vec![reading("press-00", 1.0, -400 * 24 * 60)])
        .await
        .unwrap();
    store.persist(true).await.unwrap();
    let bucket = server.root.join(BUCKET);
    assert_eq!(parquet_under(&bucket).len(), 5);
    let before = scalar(&store, 1, SUMMARY).await;

    let report = store.compact(true).await.unwrap();
    assert_eq!((report.files_in, report.files_out), (4, 1));
    assert_eq!(scalar(&store, 1, SUMMARY).await, before);
    // Replaced objects are deleted in the background once no query holds them.
    let mut remaining = parquet_under(&bucket).len();
    for _ in 0..100 {
        if remaining == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        remaining = parquet_under(&bucket).len();
    }
    assert_eq!(remaining, 2, "{:?}", parquet_under(&bucket));

    // Retention of 30 days drops the old day's object.
    store.set_retention(1, "factory", Some(30)).await.unwrap();
    assert_eq!(store.expire(BASE + 86_400_000_000_000).await.unwrap(), 1);
    for _ in 0..100 {
        if parquet_under(&bucket).len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(parquet_under(&bucket).len(), 1);

    // An object left by a crash between an upload and the manifest is removed; listed ones stay.
    let kept = parquet_under(&bucket).remove(0);
    let stray = bucket
        .join(store_id(local.path()))
        .join("tables/1/factory/machine_telemetry/stray.parquet");
    std::fs::write(&stray, b"half an upload").unwrap();
    assert_eq!(store.remove_unlisted_objects().await.unwrap(), 1);
    assert!(!stray.exists());
    assert_eq!(parquet_under(&bucket), vec![kept]);
    assert_eq!(
        scalar(&store, 1, "SELECT count(*) FROM machine_telemetry").await,
        "200"
    );
}

#[tokio::test]
async fn large_files_are_uploaded_in_parts() {
    let s3_root = tempfile::tempdir().unwrap();
    let server = s3_server(s3_root.path()).await;
    let local = tempfile::tempdir().unwrap();
    let store = TelemetryStore::open(object_options(
        local.path(),
        storage(&server, "big", SECRET_KEY).with_part_size(5 * 1024 * 1024),
    ))
    .unwrap();
    // Values that do not compress: about 9 MB of Parquet.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        f64::from_bits((state >> 12) | 0x3FF0_0000_0000_0000)
    };
    let points: Vec<Point> = (0..300_000)
        .map(|i| Point {
            measurement: "vibration".into(),
            tags: vec![("device".into(), format!("robot-{}", i % 3))],
            fields: (0..4)
                .map(|f| (format!("axis_{f}"), FieldValue::Float(noise())))
                .collect(),
            time_ns: BASE + i64::from(i) * 1_000_000,
        })
        .collect();
    store.write(1, "factory", points).await.unwrap();
    store.persist(true).await.unwrap();
    let objects = parquet_under(&server.root.join(BUCKET));
    assert_eq!(objects.len(), 1);
    let bytes = std::fs::metadata(server.root.join(BUCKET).join(&objects[0]))
        .unwrap()
        .len();
    assert!(bytes > 5 * 1024 * 1024, "{bytes} bytes: one part only");
    assert_eq!(
        scalar(&store, 1, "SELECT count(axis_3) FROM vibration").await,
        "300000"
    );
}

#[tokio::test]
async fn a_refusing_bucket_fails_persisting_loudly_and_loses_nothing() {
    let s3_root = tempfile::tempdir().unwrap();
    let server = s3_server(s3_root.path()).await;
    let local = tempfile::tempdir().unwrap();
    let store = TelemetryStore::open(object_options(
        local.path(),
        storage(&server, "p", "not-the-secret"),
    ))
    .unwrap();
    let refused = store.check_file_storage().await.unwrap_err().to_string();
    assert!(
        refused.contains("cannot use the object storage s3://telemetry/p"),
        "{refused}"
    );
    let points: Vec<Point> = (0..30).map(|m| reading("press-01", 1.0, m)).collect();
    store.write(1, "factory", points).await.unwrap();
    let error = store.persist(true).await.unwrap_err().to_string();
    assert!(
        error.contains("uploading") && error.contains("s3://telemetry/p"),
        "{error}"
    );
    assert_eq!(
        scalar(&store, 1, "SELECT count(*) FROM machine_telemetry").await,
        "30",
        "still queryable from memory"
    );
    assert_eq!(store.persisted_through(), 0);
    assert!(parquet_under(&server.root.join(BUCKET)).is_empty());
    assert!(parquet_under(local.path()).is_empty(), "no temporary left");
    drop(store);

    // With the right key the log replays and the files go up.
    let store = TelemetryStore::open(object_options(
        local.path(),
        storage(&server, "p", SECRET_KEY),
    ))
    .unwrap();
    store.check_file_storage().await.unwrap();
    assert_eq!(
        scalar(&store, 1, "SELECT count(*) FROM machine_telemetry").await,
        "30"
    );
    assert_eq!(store.persist(true).await.unwrap(), 1);
    assert_eq!(parquet_under(&server.root.join(BUCKET)).len(), 1);
}

#[test]
fn object_storage_urls_are_checked() {
    for (url, expected) in [
        ("telemetry/prefix", "must look like s3://bucket/prefix"),
        ("s3:///prefix", "the scheme and the bucket are required"),
        ("s3://bucket/a//b", "empty segments"),
        ("s3://bucket/a%20b", "'%'"),
    ] {
        let error = ObjectStorage::s3(url, &[]).unwrap_err().to_string();
        assert!(error.contains(expected), "{url}: {error}");
    }
    let error = ObjectStorage::s3("s3://bucket", &[("aws_colour".into(), "blue".into())])
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("unknown S3 setting \"aws_colour\""),
        "{error}"
    );
}

#[tokio::test]
async fn stores_sharing_a_bucket_prefix_never_touch_each_others_files() {
    let s3_root = tempfile::tempdir().unwrap();
    let server = s3_server(s3_root.path()).await;
    let first_local = tempfile::tempdir().unwrap();
    let second_local = tempfile::tempdir().unwrap();
    let open = |local: &Path| {
        TelemetryStore::open(object_options(
            local,
            storage(&server, "shared", SECRET_KEY),
        ))
        .unwrap()
    };
    let first = open(first_local.path());
    let second = open(second_local.path());
    assert_ne!(store_id(first_local.path()), store_id(second_local.path()));
    // The same tenant, database, table and log sequence in both: the same relative names.
    first
        .write(1, "factory", vec![reading("press-01", 1.0, 0)])
        .await
        .unwrap();
    second
        .write(1, "factory", vec![reading("press-02", 2.0, 0)])
        .await
        .unwrap();
    first.persist(true).await.unwrap();
    second.persist(true).await.unwrap();
    assert_eq!(parquet_under(&server.root.join(BUCKET)).len(), 2);
    assert_eq!(first.remove_unlisted_objects().await.unwrap(), 0);
    assert_eq!(second.remove_unlisted_objects().await.unwrap(), 0);
    assert_eq!(scalar(&first, 1, SUMMARY).await, "1/1.0/1");
    assert_eq!(scalar(&second, 1, SUMMARY).await, "1/2.0/1");

    // A platform whose data directory was lost starts afresh and deletes nothing of the old.
    drop(first);
    let lost = tempfile::tempdir().unwrap();
    let fresh = open(lost.path());
    assert_eq!(fresh.remove_unlisted_objects().await.unwrap(), 0);
    assert_eq!(parquet_under(&server.root.join(BUCKET)).len(), 2);
}

#[tokio::test]
async fn names_that_flatten_alike_persist_side_by_side() {
    let s3_root = tempfile::tempdir().unwrap();
    let server = s3_server(s3_root.path()).await;
    let local = tempfile::tempdir().unwrap();
    let store = TelemetryStore::open(object_options(
        local.path(),
        storage(&server, "n", SECRET_KEY),
    ))
    .unwrap();
    let point = |table: &str, value: f64| Point {
        measurement: table.into(),
        tags: vec![("device".into(), "press-01".into())],
        fields: vec![("temperature".into(), FieldValue::Float(value))],
        time_ns: BASE,
    };
    store
        .write(1, "plant_1", vec![point("cnc", 1.0)])
        .await
        .unwrap();
    store
        .write(1, "plant", vec![point("1_cnc", 2.0)])
        .await
        .unwrap();
    assert_eq!(store.persist(true).await.unwrap(), 2);
    assert_eq!(parquet_under(&server.root.join(BUCKET)).len(), 2);
    let sum = |database: &'static str, table: &'static str| {
        let store = &store;
        async move {
            let output = store
                .query(
                    1,
                    database,
                    &format!("SELECT sum(temperature) AS s FROM \"{table}\""),
                    QueryLimits::default(),
                )
                .await
                .unwrap();
            arrow::util::pretty::pretty_format_batches(&output.batches)
                .unwrap()
                .to_string()
        }
    };
    assert!(sum("plant_1", "cnc").await.contains("1.0"));
    assert!(sum("plant", "1_cnc").await.contains("2.0"));
}

/// A bucket that refuses for a while: persisting fails and says why, the data stays in the log
/// and the buffers (queried as before), the log grows only to its stated limit, past which
/// writes are refused (503, nothing written) rather than the disk filled; once the bucket
/// answers again, persisting catches up and writes are taken again.
#[tokio::test]
async fn an_outage_of_the_bucket_keeps_the_data_and_bounds_the_log() {
    let s3_root = tempfile::tempdir().unwrap();
    let server = s3_server(s3_root.path()).await;
    let local = tempfile::tempdir().unwrap();
    let store = TelemetryStore::open(StoreOptions {
        max_log_bytes: 16 * 1024,
        ..object_options(local.path(), storage(&server, "outage", SECRET_KEY))
    })
    .unwrap();
    store.check_file_storage().await.unwrap();
    server.refuse(true);

    let mut written: i64 = 0;
    let refused = loop {
        let points: Vec<Point> = (0..20)
            .map(|m| reading("press-01", written as f64, written * 20 + m))
            .collect();
        match store.write(1, "factory", points).await {
            Ok(_) => written += 1,
            Err(error) => break error,
        }
        if written % 5 == 1 {
            assert!(store.persist(true).await.is_err(), "the bucket refuses");
        }
        assert!(written < 10_000, "the log grew without a limit");
    };
    assert_eq!(
        zhizao_core::Classified::kind(&refused),
        zhizao_core::ErrorKind::Unavailable
    );
    let message = refused.to_string();
    assert!(
        message.contains("its limit is 16384") && message.contains("s3://telemetry/outage"),
        "{message}"
    );
    let failure = store.persist_failure().expect("the failure is kept");
    assert!(failure.contains("uploading"), "{failure}");
    let rows = (written * 20).to_string();
    assert_eq!(
        scalar(&store, 1, "SELECT count(*) FROM machine_telemetry").await,
        rows,
        "everything acknowledged is queryable, nothing of the refused write"
    );
    assert!(parquet_under(&server.root.join(BUCKET)).is_empty());

    // The bucket is back: persisting catches up, the log shrinks, writes are taken again.
    server.refuse(false);
    assert!(store.persist(true).await.unwrap() > 0);
    assert_eq!(store.persist_failure(), None);
    let points: Vec<Point> = (0..20)
        .map(|m| reading("press-01", 1.0, 1_000_000 + m))
        .collect();
    store.write(1, "factory", points).await.unwrap();
    assert_eq!(
        scalar(&store, 1, "SELECT count(*) FROM machine_telemetry").await,
        (written * 20 + 20).to_string()
    );
    assert!(!parquet_under(&server.root.join(BUCKET)).is_empty());
}
