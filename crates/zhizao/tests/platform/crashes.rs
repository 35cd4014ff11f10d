//! `kill -9` at random moments, many times over: while several clients write line protocol, a
//! device publishes with MQTT QoS 1, the buffers are persisted every few hundred rows and small
//! files compacted every second. After
//! every restart each acknowledged write is there, whole, and no batch is there in part.
//!
//! The rounds' kill points come from a seed printed at the start (`ZHIZAO_TEST_SEED` repeats a
//! run); `ZHIZAO_TEST_CRASH_ROUNDS` runs more rounds than CI's quick version.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Platform, api, demo_with_token, files_under, serve_with, try_http};

/// Points per line-protocol batch.
const BATCH: usize = 20;

/// A small random generator (xorshift), enough to place kill points.
struct Random(u64);

impl Random {
    /// Seeded by `ZHIZAO_TEST_SEED`, else by the clock; the seed is printed so that a failing
    /// run can be repeated.
    fn from_environment() -> Random {
        let seed = std::env::var("ZHIZAO_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("kill -9 rounds with ZHIZAO_TEST_SEED={seed}");
        Random(seed.max(1))
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

/// Writes batch `number` (its points carry `batch` as a field); `false` when the platform did
/// not acknowledge it (refused, or gone).
fn write_batch(address: &str, token: &str, number: usize) -> bool {
    let lines: String = (0..BATCH)
        .map(|i| {
            format!(
                "press,device=w{} value={i}.5,batch={number}i {}\n",
                number % 3,
                1_795_700_000_000_000_000i64 + (number * BATCH + i) as i64 * 1_000
            )
        })
        .collect();
    let authorization = format!("Token {token}");
    let headers = [
        ("Authorization", authorization.as_str()),
        ("Content-Type", "text/plain"),
    ];
    try_http(
        address,
        "POST",
        "/api/v2/write?bucket=plant",
        &headers,
        &lines,
    )
    .is_ok_and(|answer| answer.status == 204)
}

/// Publishes `seq` values one at a time with QoS 1, each after the previous one's PUBACK,
/// until `stopping` or the connection fails; returns the acknowledged values.
fn publish_until_stopped(
    broker: &str,
    device_token: &str,
    first: usize,
    stopping: &AtomicBool,
) -> Vec<usize> {
    let (host, port) = broker.rsplit_once(':').unwrap();
    let mut options =
        rumqttc::MqttOptions::new(format!("crash-{first}"), host, port.parse().unwrap());
    options.set_credentials(device_token, "");
    let (client, mut connection) = rumqttc::Client::new(options, 4);
    let mut acknowledged = Vec::new();
    let mut next = first;
    let mut waiting = false;
    while !stopping.load(Ordering::Relaxed) {
        if !waiting {
            let body = json!({ "seq": next }).to_string();
            if client
                .try_publish(
                    "v1/devices/me/telemetry",
                    rumqttc::QoS::AtLeastOnce,
                    false,
                    body,
                )
                .is_err()
            {
                break;
            }
            waiting = true;
        }
        match connection.recv_timeout(Duration::from_millis(500)) {
            Ok(Ok(rumqttc::Event::Incoming(rumqttc::Packet::PubAck(_)))) => {
                acknowledged.push(next);
                next += 1;
                waiting = false;
            }
            Ok(Ok(_)) | Err(rumqttc::RecvTimeoutError::Timeout) => {}
            Ok(Err(_)) | Err(rumqttc::RecvTimeoutError::Disconnected) => break,
        }
    }
    acknowledged
}

/// The batches of `press` with their point counts, and the `seq` values the device stored.
fn stored(platform: &Platform, token: &str) -> (BTreeMap<usize, usize>, BTreeSet<usize>) {
    let query = |body: Value| {
        let (status, rows) = api(&platform.http, "POST", "/api/v1/query", token, Some(body));
        // Before anything is written the table does not exist yet.
        if status == 422
            && rows["detail"]
                .as_str()
                .is_some_and(|d| d.contains("not found"))
        {
            return Vec::new();
        }
        assert_eq!(status, 200, "{rows}");
        rows.as_array().unwrap().clone()
    };
    let batches = query(json!({
        "sql": "SELECT batch, count(*) AS n FROM press GROUP BY batch",
        "database": "plant"
    }))
    .iter()
    .map(|row| {
        (
            row["batch"].as_u64().unwrap() as usize,
            row["n"].as_u64().unwrap() as usize,
        )
    })
    .collect();
    let sequence = query(json!({ "sql": "SELECT seq FROM crash_meter" }))
        .iter()
        .map(|row| row["seq"].as_u64().unwrap() as usize)
        .collect();
    (batches, sequence)
}

/// Every acknowledged batch and value is stored, and every stored batch is whole.
fn check(
    platform: &Platform,
    token: &str,
    batches: &BTreeSet<usize>,
    values: &BTreeSet<usize>,
    when: &str,
) {
    let (stored_batches, stored_values) = stored(platform, token);
    let partial: Vec<_> = stored_batches
        .iter()
        .filter(|(_, n)| **n != BATCH)
        .collect();
    assert!(
        partial.is_empty(),
        "{when}: batches stored in part: {partial:?}"
    );
    let lost: Vec<_> = batches
        .iter()
        .filter(|b| !stored_batches.contains_key(b))
        .collect();
    assert!(
        lost.is_empty(),
        "{when}: acknowledged batches lost: {lost:?}"
    );
    let lost: Vec<_> = values.difference(&stored_values).collect();
    assert!(
        lost.is_empty(),
        "{when}: acknowledged MQTT values lost: {lost:?}"
    );
}

/// The profile and device the MQTT publisher uses; returns the device's access token.
fn register_device(platform: &Platform, token: &str) -> String {
    let profile = json!({
        "name": "crash_meter",
        "description": "kill -9 test",
        "telemetry": [{"name": "seq", "type": "integer", "unit": "", "label": "seq"}],
        "commands": [],
    });
    let (status, body) = api(
        &platform.http,
        "POST",
        "/api/v1/device-profiles",
        token,
        Some(profile),
    );
    assert_eq!(status, 201, "{body}");
    let device = json!({"name": "crash-1", "profile": "crash_meter", "label": "crash"});
    let (status, body) = api(
        &platform.http,
        "POST",
        "/api/v1/devices",
        token,
        Some(device),
    );
    assert_eq!(status, 201, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

#[test]
fn kill_9_at_random_moments_loses_no_acknowledged_write() {
    let data = tempfile::tempdir().unwrap();
    let files = data.path().join("telemetry");
    ingest_through_kills(data.path(), &files, &[], &[]);
}

/// The same with the Parquet files in object storage (a real S3 protocol server, which outlives
/// every kill), so kills land during uploads, the manifest's update after them and compaction of
/// the bucket's files.
#[cfg(feature = "s3")]
#[test]
fn kill_9_while_persisting_to_object_storage_loses_no_acknowledged_write() {
    let bucket = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let s3 = runtime.block_on(zhizao_telemetry::testing::S3Server::start(
        bucket.path(),
        "telemetry",
    ));
    let data = tempfile::tempdir().unwrap();
    ingest_through_kills(
        data.path(),
        bucket.path(),
        &["--telemetry-object-store", "s3://telemetry/crashes"],
        &s3.client_environment(),
    );
}

/// Rounds of line-protocol and MQTT QoS 1 ingest into a platform on `data` killed at a random
/// moment, each followed by a restart that must answer every acknowledged write whole; the
/// Parquet files are under `files`. A persist every couple of hundred rows and compaction every
/// second, so kills land during persisting and compacting too.
fn ingest_through_kills(
    data: &std::path::Path,
    files: &std::path::Path,
    options: &[&str],
    environment: &[(&str, &str)],
) {
    let mut random = Random::from_environment();
    let rounds: usize = std::env::var("ZHIZAO_TEST_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    let token = demo_with_token(data, "crashes");
    let environment: Vec<(&str, &str)> = [
        ("ZHIZAO_TELEMETRY_BUFFER_ROWS", "200"),
        ("ZHIZAO_TELEMETRY_MAINTENANCE_SECONDS", "1"),
    ]
    .into_iter()
    .chain(environment.iter().copied())
    .collect();
    let (mut batches, mut values) = (BTreeSet::new(), BTreeSet::new());
    let next_batch = Arc::new(AtomicUsize::new(0));
    let mut next_value = 0;
    let mut device_token = None;
    for round in 0..rounds {
        let platform = serve_with(data, options, &environment);
        check(
            &platform,
            &token,
            &batches,
            &values,
            &format!("before round {round}"),
        );
        let device_token = device_token
            .get_or_insert_with(|| register_device(&platform, &token))
            .clone();

        let stopping = Arc::new(AtomicBool::new(false));
        let acknowledged: Arc<Mutex<Vec<usize>>> = Arc::default();
        let writers: Vec<_> = (0..2)
            .map(|_| {
                let (address, token) = (platform.http.clone(), token.clone());
                let (stopping, acknowledged, next_batch) = (
                    Arc::clone(&stopping),
                    Arc::clone(&acknowledged),
                    Arc::clone(&next_batch),
                );
                std::thread::spawn(move || {
                    while !stopping.load(Ordering::Relaxed) {
                        let number = next_batch.fetch_add(1, Ordering::Relaxed);
                        if write_batch(&address, &token, number) {
                            acknowledged.lock().unwrap().push(number);
                        } else {
                            break;
                        }
                    }
                })
            })
            .collect();
        let publisher = {
            let (broker, stopping) = (platform.mqtt.clone(), Arc::clone(&stopping));
            let first = next_value;
            std::thread::spawn(move || {
                publish_until_stopped(&broker, &device_token, first, &stopping)
            })
        };
        let started = Instant::now();
        std::thread::sleep(Duration::from_millis(300 + random.below(2_500)));
        // Running's drop is kill -9.
        drop(platform);
        stopping.store(true, Ordering::Relaxed);
        for writer in writers {
            writer.join().unwrap();
        }
        let published = publisher.join().unwrap();
        let written = acknowledged.lock().unwrap().clone();
        eprintln!(
            "round {round}: killed after {} ms, {} batches and {} MQTT values acknowledged",
            started.elapsed().as_millis(),
            written.len(),
            published.len()
        );
        assert!(
            !written.is_empty(),
            "round {round}: nothing was written before the kill"
        );
        next_value = published.last().map_or(next_value, |last| last + 1);
        batches.extend(written);
        values.extend(published);
    }
    let platform = serve_with(data, options, &environment);
    check(&platform, &token, &batches, &values, "after the last round");
    assert!(!values.is_empty(), "the device published");
    // Compaction goes on after the kills (merged files are named `c…`), and what it merged
    // still answers the same. The bound is for a compactor that never runs: under the whole
    // suite's load on two cores, uploads to the bucket alone have taken over 20 s.
    let waiting = Instant::now();
    while parquet(files).iter().all(|name| !name.starts_with('c')) {
        assert!(
            waiting.elapsed() < Duration::from_secs(180),
            "no file was compacted in 180 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("compacted after {} ms", waiting.elapsed().as_millis());
    check(&platform, &token, &batches, &values, "after compaction");
    eprintln!(
        "{} Parquet files after {} batches",
        parquet(files).len(),
        batches.len()
    );
}

/// The names of the Parquet files under `directory`.
fn parquet(directory: &std::path::Path) -> Vec<String> {
    files_under(directory)
        .into_iter()
        .filter(|path| path.extension().is_some_and(|e| e == "parquet"))
        .filter_map(|path| path.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect()
}

/// One relational change the city makes: an enterprise's head count, or putting a project on
/// public notice (each a row and its audit entry in one transaction).
#[derive(Debug, Clone, PartialEq)]
enum Change {
    Employees { credit_code: String, value: i64 },
    StartNotice { number: String },
}

/// Takes `change` as the holder of `token`; whether the platform acknowledged it.
fn make(address: &str, token: &str, change: &Change) -> bool {
    let authorization = format!("Bearer {token}");
    let headers = [
        ("Authorization", authorization.as_str()),
        ("Content-Type", "application/json"),
    ];
    let request = |method: &str, path: &str, body: Value| -> std::io::Result<(u16, Value)> {
        let answer = try_http(address, method, path, &headers, &body.to_string())?;
        Ok((
            answer.status,
            serde_json::from_str(&answer.body).unwrap_or(Value::Null),
        ))
    };
    let done = match change {
        Change::Employees { credit_code, value } => request(
            "PATCH",
            &format!("/api/v1/enterprises/{credit_code}"),
            json!({ "employees": value }),
        )
        .map(|(status, _)| status == 200),
        Change::StartNotice { number } => request(
            "GET",
            &format!("/api/v1/project-applications/{number}"),
            Value::Null,
        )
        .and_then(|(status, application)| {
            if status != 200 {
                return Ok(false);
            }
            let action = json!({"action": "start_notice", "version": application["version"]});
            request(
                "POST",
                &format!("/api/v1/project-applications/{number}/actions"),
                action,
            )
            .map(|(status, _)| status == 200)
        }),
    };
    done.unwrap_or(false)
}

/// Reads the SQLite file of a stopped platform with `query`'s rows as `key|value` strings.
fn read_pairs(file: &std::path::Path, query: &'static str) -> BTreeMap<String, i64> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let url = format!("sqlite://{}", file.display());
        let db = zhizao_db::Database::connect(&url, zhizao_db::PoolSettings::default())
            .await
            .unwrap();
        let rows: Vec<(String, i64)> = sqlx::query_as(query).fetch_all(db.pool()).await.unwrap();
        db.close().await;
        rows.into_iter().collect()
    })
}

/// What the database says of the enterprises and applications the rounds change.
struct Relational {
    versions: BTreeMap<String, i64>,
    employees: BTreeMap<String, i64>,
    updates: BTreeMap<String, i64>,
    on_notice: BTreeMap<String, i64>,
    notice_entries: BTreeMap<String, i64>,
    notice_events: BTreeMap<String, i64>,
}

fn relational(file: &std::path::Path) -> Relational {
    Relational {
        versions: read_pairs(file, "SELECT credit_code, version FROM enterprises"),
        employees: read_pairs(
            file,
            "SELECT credit_code, COALESCE(employees, -1) FROM enterprises",
        ),
        updates: read_pairs(
            file,
            "SELECT entity_key, COUNT(*) FROM audit_log WHERE action = 'enterprise.updated' GROUP BY entity_key",
        ),
        on_notice: read_pairs(
            file,
            "SELECT number, CASE WHEN status = 'public_notice' THEN 1 ELSE 0 END FROM project_applications",
        ),
        notice_entries: read_pairs(
            file,
            "SELECT entity_key, COUNT(*) FROM audit_log WHERE action = 'project_application.start_notice' GROUP BY entity_key",
        ),
        notice_events: read_pairs(
            file,
            "SELECT a.number, COUNT(*) FROM project_application_events e JOIN project_applications a ON a.id = e.application_id WHERE e.action = 'start_notice' GROUP BY a.number",
        ),
    }
}

#[test]
fn kill_9_during_edits_and_approvals_leaves_no_change_without_its_audit_entry() {
    let mut random = Random::from_environment();
    let data = tempfile::tempdir().unwrap();
    crate::support::run(data.path(), &["demo"]);
    let token = crate::support::run(
        data.path(),
        &[
            "token",
            "create",
            "--username",
            "admin",
            "--name",
            "crashes",
        ],
    )
    .trim()
    .to_owned();
    let file = data.path().join("zhizao.sqlite3");
    let before = relational(&file);
    let credit_codes: Vec<String> = before.versions.keys().take(40).cloned().collect();
    let mut notices: Vec<String> = read_pairs(
        &file,
        "SELECT number, 1 FROM project_applications WHERE status = 'city_review'",
    )
    .into_keys()
    .collect();
    assert!(
        !notices.is_empty(),
        "the demo has applications in city review"
    );

    // The changes in order: mostly head counts, a notice now and then.
    let mut changes = Vec::new();
    for step in 0..100_000_i64 {
        if step % 40 == 7
            && let Some(number) = notices.pop()
        {
            changes.push(Change::StartNotice { number });
        }
        let credit_code = credit_codes[step as usize % credit_codes.len()].clone();
        changes.push(Change::Employees {
            credit_code,
            value: 10_000 + step,
        });
    }
    let mut acknowledged: Vec<Change> = Vec::new();
    let mut in_flight: Vec<Change> = Vec::new();
    let mut next = 0;
    for round in 0..6 {
        let platform = crate::support::serve(data.path());
        let stopping = Arc::new(AtomicBool::new(false));
        let worker = {
            let (address, token, stopping) =
                (platform.http.clone(), token.clone(), Arc::clone(&stopping));
            let changes = changes[next..].to_vec();
            std::thread::spawn(move || {
                let mut done = Vec::new();
                for change in changes {
                    if stopping.load(Ordering::Relaxed) {
                        return (done, None);
                    }
                    if make(&address, &token, &change) {
                        done.push(change);
                    } else {
                        return (done, Some(change));
                    }
                }
                (done, None)
            })
        };
        std::thread::sleep(Duration::from_millis(300 + random.below(1_500)));
        drop(platform);
        stopping.store(true, Ordering::Relaxed);
        let (done, unanswered) = worker.join().unwrap();
        eprintln!(
            "round {round}: {} changes acknowledged before the kill",
            done.len()
        );
        next += done.len() + usize::from(unanswered.is_some());
        acknowledged.extend(done);
        in_flight.extend(unanswered);
    }

    // Read after the last kill, as the next start would find it.
    let after = relational(&file);
    let mut expected_employees: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    let mut started: BTreeSet<&str> = BTreeSet::new();
    for change in &acknowledged {
        match change {
            Change::Employees { credit_code, value } => {
                expected_employees.insert(credit_code, vec![*value]);
            }
            Change::StartNotice { number } => {
                started.insert(number);
            }
        }
    }
    // A change whose answer the kill cut off may or may not have committed.
    for change in &in_flight {
        if let Change::Employees { credit_code, value } = change {
            expected_employees
                .entry(credit_code)
                .or_default()
                .push(*value);
        }
    }
    for credit_code in &credit_codes {
        let (was, now) = (before.versions[credit_code], after.versions[credit_code]);
        let entries = after.updates.get(credit_code).copied().unwrap_or(0)
            - before.updates.get(credit_code).copied().unwrap_or(0);
        assert_eq!(
            now - was,
            entries,
            "{credit_code}: every edit has its audit entry, and only those"
        );
        if let Some(values) = expected_employees.get(credit_code.as_str()) {
            assert!(
                values.contains(&after.employees[credit_code]),
                "{credit_code}: {} is not the last acknowledged edit {values:?}",
                after.employees[credit_code]
            );
        }
    }
    for (number, on_notice) in &after.on_notice {
        let entries = after.notice_entries.get(number).copied().unwrap_or(0)
            - before.notice_entries.get(number).copied().unwrap_or(0);
        let events = after.notice_events.get(number).copied().unwrap_or(0)
            - before.notice_events.get(number).copied().unwrap_or(0);
        let changed = on_notice - before.on_notice[number];
        assert_eq!(
            (entries, events),
            (changed, changed),
            "{number}: the step, its trail and its audit entry together"
        );
        if started.contains(number.as_str()) {
            assert_eq!(*on_notice, 1, "{number}: an acknowledged notice was lost");
        }
    }
    assert!(!acknowledged.is_empty());
    assert!(
        !started.is_empty(),
        "some applications went on notice between kills"
    );
}
