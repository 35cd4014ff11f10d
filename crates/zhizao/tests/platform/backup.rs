//! `zhizao backup` of a platform that keeps ingesting, and `zhizao restore` into a new data
//! directory: every record, every attachment and every point acknowledged before the backup
//! began come back, no batch comes back in part, and a damaged backup restores nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::AssertSqlSafe;
use zhizao_db::{Database, PoolSettings};

use crate::support::{demo_with_token, files_under, http, run, serve, stop, zhizao};

/// Points per ingested batch.
const BATCH: usize = 20;

/// Writes batch `number` of the table `press` (points at distinct times, `batch` a field).
fn write_batch(address: &str, authorization: &str, number: usize) -> u16 {
    let lines: String = (0..BATCH)
        .map(|i| {
            format!(
                "press,device=p{} temperature={}.25,batch={number}i {}\n",
                i % 4,
                number * BATCH + i,
                1_795_700_000_000_000_000i64 + (number * BATCH + i) as i64 * 1_000_000
            )
        })
        .collect();
    http(
        address,
        "POST",
        "/api/v2/write?bucket=plant",
        authorization,
        "text/plain",
        &lines,
    )
    .0
}

/// Every point of `press` as CSV lines, sorted.
fn points(address: &str, authorization: &str) -> Vec<String> {
    let query = r#"{"sql": "SELECT batch, device, temperature, time FROM press", "database": "plant", "format": "csv"}"#;
    let (status, body) = http(
        address,
        "POST",
        "/api/v1/query",
        authorization,
        "application/json",
        query,
    );
    assert_eq!(status, 200, "{body}");
    let mut lines: Vec<String> = body.lines().skip(1).map(str::to_owned).collect();
    lines.sort();
    lines
}

/// Every row of every table of a SQLite file, each as SQLite quotes it, sorted per table; an
/// API token's last use (which the ingest moves on) is left out.
fn records(file: &Path) -> BTreeMap<String, Vec<String>> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let url = format!("sqlite://{}", file.display());
        let db = Database::connect(&url, PoolSettings::default())
            .await
            .unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(db.pool())
        .await
        .unwrap();
        let mut all = BTreeMap::new();
        for table in tables {
            let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
                .bind(&table)
                .fetch_all(db.pool())
                .await
                .unwrap();
            let quoted: Vec<String> = columns
                .iter()
                .filter(|c| !(table == "api_tokens" && c.starts_with("last_used")))
                .map(|c| format!("quote(\"{c}\")"))
                .collect();
            let sql = format!("SELECT {} FROM \"{table}\"", quoted.join(" || '|' || "));
            let mut rows: Vec<String> = sqlx::query_scalar(AssertSqlSafe(sql))
                .fetch_all(db.pool())
                .await
                .unwrap();
            rows.sort();
            all.insert(table, rows);
        }
        db.close().await;
        all
    })
}

/// Every row of every table of a PostgreSQL database as PostgreSQL writes a row as text, sorted
/// per table.
fn postgres_records(url: &str) -> BTreeMap<String, Vec<String>> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let db = Database::connect(url, PoolSettings::default())
            .await
            .unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        )
        .fetch_all(db.pool())
        .await
        .unwrap();
        let mut all = BTreeMap::new();
        for table in tables {
            let sql = format!("SELECT CAST(t AS TEXT) FROM \"{table}\" t");
            let mut rows: Vec<String> = sqlx::query_scalar(AssertSqlSafe(sql))
                .fetch_all(db.pool())
                .await
                .unwrap();
            rows.sort();
            all.insert(table, rows);
        }
        db.close().await;
        all
    })
}

/// Every file under `root` with its bytes, by relative path.
fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    files_under(root)
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(root).unwrap().display().to_string();
            (relative, std::fs::read(&path).unwrap())
        })
        .collect()
}

#[test]
fn a_backup_taken_during_ingest_restores_every_record_and_point() {
    let data = tempfile::tempdir().unwrap();
    let token = demo_with_token(data.path(), "backup");
    let authorization = format!("Token {token}");

    // Points in Parquet files (a graceful stop persists them) and points only in the log.
    let server = serve(data.path());
    for number in 0..10 {
        assert_eq!(write_batch(&server.http, &authorization, number), 204);
    }
    stop(server);
    let server = serve(data.path());
    for number in 10..15 {
        assert_eq!(write_batch(&server.http, &authorization, number), 204);
    }

    // An ingest that goes on throughout the backup: each batch's send and acknowledgement.
    let stopping = Arc::new(AtomicBool::new(false));
    let sent: Arc<Mutex<Vec<(usize, Instant, Instant)>>> = Arc::default();
    let ingest = {
        let (address, authorization) = (server.http.clone(), authorization.clone());
        let (stopping, sent) = (Arc::clone(&stopping), Arc::clone(&sent));
        std::thread::spawn(move || {
            let mut number = 15;
            while !stopping.load(Ordering::Relaxed) {
                let start = Instant::now();
                assert_eq!(write_batch(&address, &authorization, number), 204);
                sent.lock().unwrap().push((number, start, Instant::now()));
                number += 1;
            }
        })
    };
    while sent.lock().unwrap().len() < 5 {
        std::thread::sleep(Duration::from_millis(20));
    }
    let database = data.path().join("zhizao.sqlite3");
    let records_before = records(&database);
    let backup = tempfile::tempdir().unwrap();
    let backup_dir = backup.path().join("nightly");
    let began = Instant::now();
    let said = run(data.path(), &["backup", backup_dir.to_str().unwrap()]);
    let ended = Instant::now();
    assert!(said.contains("Backed up the sqlite database"), "{said}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(backup_dir.join("backup.json")).unwrap()).unwrap();
    let listed: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for part in [
        "database.sqlite3",
        "telemetry/manifest.json",
        "attachments/",
    ] {
        assert!(
            listed.iter().any(|p| p.starts_with(part)),
            "{part}: {listed:?}"
        );
    }
    assert!(listed.iter().any(|p| p.ends_with(".parquet")), "{listed:?}");
    assert!(listed.iter().any(|p| p.ends_with(".wal")), "{listed:?}");
    assert!(manifest["telemetry_persisted_through"].as_u64() > Some(0));
    while !sent
        .lock()
        .unwrap()
        .iter()
        .any(|(_, start, _)| *start > ended)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    stopping.store(true, Ordering::Relaxed);
    ingest.join().unwrap();
    let original = points(&server.http, &authorization);
    drop(server);

    // Restored into a new data directory: the records as they were, the attachments byte for
    // byte.
    let restored = tempfile::tempdir().unwrap();
    let said = run(restored.path(), &["restore", backup_dir.to_str().unwrap()]);
    assert!(said.contains("Restored the backup"), "{said}");
    assert_eq!(
        records(&restored.path().join("zhizao.sqlite3")),
        records_before
    );
    let attachments = files(&data.path().join("attachments"));
    assert!(!attachments.is_empty(), "the demo keeps attachments");
    assert_eq!(files(&restored.path().join("attachments")), attachments);

    // The points: all of every batch acknowledged before the backup began, no batch in part,
    // none sent after it ended, and nothing that was not written.
    let server = serve(restored.path());
    let points_back = points(&server.http, &authorization);
    drop(server);
    let original_set: BTreeSet<&String> = original.iter().collect();
    assert!(points_back.iter().all(|p| original_set.contains(p)));
    let mut per_batch: BTreeMap<usize, usize> = BTreeMap::new();
    for point in &points_back {
        let number = point.split(',').next().unwrap().parse().unwrap();
        *per_batch.entry(number).or_default() += 1;
    }
    assert!(per_batch.values().all(|n| *n == BATCH), "{per_batch:?}");
    let sent = sent.lock().unwrap();
    for (number, start, acknowledged) in sent.iter() {
        if *acknowledged < began {
            assert!(
                per_batch.contains_key(number),
                "batch {number} was acknowledged before"
            );
        }
        if *start > ended {
            assert!(!per_batch.contains_key(number), "batch {number} came after");
        }
    }
    assert!((0..15).all(|n| per_batch.contains_key(&n)));
    let last = *per_batch.keys().last().unwrap();
    assert_eq!(per_batch.len(), last + 1, "the batches back are a prefix");

    // A second restore into the same place is refused; so is a damaged backup, into a new
    // place, which it leaves without a database.
    let refused = zhizao(restored.path())
        .args(["restore", backup_dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("is not empty"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let segment = std::fs::read_dir(backup_dir.join("telemetry/wal"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .next()
        .unwrap();
    let mut bytes = std::fs::read(&segment).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5a;
    std::fs::write(&segment, bytes).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    // Nothing to back up where there is no platform: said, and no database made there.
    let refused = zhizao(elsewhere.path())
        .args(["backup", backup.path().join("empty").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("there is no database at"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!elsewhere.path().join("zhizao.sqlite3").exists());
    let refused = zhizao(elsewhere.path())
        .args(["restore", backup_dir.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("is damaged") && stderr.contains(".wal"),
        "{stderr}"
    );
    assert!(!elsewhere.path().join("zhizao.sqlite3").exists());
    assert!(!elsewhere.path().join("telemetry").exists());
}

/// With PostgreSQL, `zhizao backup` takes `pg_dump`'s snapshot and `zhizao restore` brings it
/// into an empty database, refusing one that holds data or a backup of another kind.
#[test]
fn a_postgres_platform_is_backed_up_with_pg_dump_and_restored() {
    let Some(admin) = std::env::var("ZHIZAO_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        zhizao_db::testing::missing("PostgreSQL (ZHIZAO_TEST_POSTGRES_URL)");
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (source_url, target_url) = runtime.block_on(async {
        (
            zhizao_db::testing::blank_postgres(&admin).await,
            zhizao_db::testing::blank_postgres(&admin).await,
        )
    });
    let on = |url: &str, data: &Path, args: &[&str]| {
        zhizao(data)
            .env("ZHIZAO_DATABASE_URL", url)
            .args(args)
            .output()
            .unwrap()
    };
    let data = tempfile::tempdir().unwrap();
    let loaded = on(&source_url, data.path(), &["demo"]);
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    let backup = tempfile::tempdir().unwrap();
    let directory = backup.path().join("pg");
    let done = on(
        &source_url,
        data.path(),
        &["backup", directory.to_str().unwrap()],
    );
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(directory.join("database.pgdump").exists());

    // A SQLite platform cannot take it.
    let sqlite = tempfile::tempdir().unwrap();
    let refused = zhizao(sqlite.path())
        .args(["restore", directory.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("holds a postgres database"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let restored = tempfile::tempdir().unwrap();
    let done = on(
        &target_url,
        restored.path(),
        &["restore", directory.to_str().unwrap()],
    );
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let (before, after) = (postgres_records(&source_url), postgres_records(&target_url));
    assert!(before["enterprises"].len() > 1000, "the demo's registry");
    assert_eq!(after, before);
    assert_eq!(
        files(&restored.path().join("attachments")),
        files(&data.path().join("attachments"))
    );

    // Into a database that holds data: refused before anything is written.
    let again = tempfile::tempdir().unwrap();
    let refused = on(
        &target_url,
        again.path(),
        &["restore", directory.to_str().unwrap()],
    );
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("holds Zhizao data"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!again.path().join("telemetry").exists());
}
