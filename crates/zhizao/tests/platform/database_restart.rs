//! PostgreSQL stopped and started again under load: requests meanwhile are refused with 503 and
//! a retry hint (never a 500, never a hang past the pool's timeout), readiness says the database
//! is down, the pool reconnects by itself, and no edit is half-committed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{OwnPostgres, http_with, serve_with, try_http, zhizao};

/// One edit a client tried: which enterprise, the head count, the answer's status, whether it
/// carried `Retry-After`, and how long it took.
struct Attempt {
    code: String,
    value: i64,
    status: u16,
    retry_after: bool,
    took: Duration,
}

/// One PATCH of an enterprise's head count.
fn edit(address: &str, token: &str, credit_code: &str, employees: i64) -> Attempt {
    let started = Instant::now();
    let body = json!({ "employees": employees }).to_string();
    let authorization = format!("Bearer {token}");
    let headers = [
        ("Authorization", authorization.as_str()),
        ("Content-Type", "application/json"),
    ];
    let path = format!("/api/v1/enterprises/{credit_code}");
    let (status, retry_after) = match try_http(address, "PATCH", &path, &headers, &body) {
        Ok(answer) => (
            answer.status,
            answer
                .head
                .to_ascii_lowercase()
                .contains("\r\nretry-after:"),
        ),
        Err(_) => (0, false),
    };
    Attempt {
        code: credit_code.to_owned(),
        value: employees,
        status,
        retry_after,
        took: started.elapsed(),
    }
}

/// Every enterprise's version and head count, and its count of update audit entries.
fn state(url: &str) -> BTreeMap<String, (i64, i64, i64)> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let db = zhizao_db::Database::connect(url, zhizao_db::PoolSettings::default())
            .await
            .unwrap();
        let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
            "SELECT e.credit_code, e.version, COALESCE(e.employees, -1), \
             (SELECT COUNT(*) FROM audit_log a WHERE a.action = 'enterprise.updated' \
              AND a.entity_key = e.credit_code) FROM enterprises e",
        )
        .fetch_all(db.pool())
        .await
        .unwrap();
        db.close().await;
        rows.into_iter()
            .map(|(code, version, employees, entries)| (code, (version, employees, entries)))
            .collect()
    })
}

#[test]
fn a_postgres_restart_under_load_is_503_then_recovers_with_nothing_half_committed() {
    let Some(postgres) = OwnPostgres::start() else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let environment = [("ZHIZAO_DATABASE_URL", postgres.url.as_str())];
    let run = |args: &[&str]| {
        let output = zhizao(data.path())
            .envs(environment)
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    run(&["demo"]);
    let token = run(&[
        "token",
        "create",
        "--username",
        "admin",
        "--name",
        "restart",
    ])
    .trim()
    .to_owned();
    let before = state(&postgres.url);
    let credit_codes: Vec<String> = before.keys().take(20).cloned().collect();
    let platform = serve_with(data.path(), &[], &environment);

    // Two clients edit without pause; each remembers every attempt.
    let stopping = Arc::new(AtomicBool::new(false));
    let attempts: Arc<Mutex<Vec<Attempt>>> = Arc::default();
    let clients: Vec<_> = (0..2)
        .map(|client| {
            let (address, token) = (platform.http.clone(), token.clone());
            let (stopping, attempts) = (Arc::clone(&stopping), Arc::clone(&attempts));
            let codes: Vec<String> = credit_codes
                .iter()
                .skip(client)
                .step_by(2)
                .cloned()
                .collect();
            std::thread::spawn(move || {
                let mut value = 1_000 * (client as i64 + 1) * 1_000;
                while !stopping.load(Ordering::Relaxed) {
                    for code in &codes {
                        value += 1;
                        let attempt = edit(&address, &token, code, value);
                        let refused = attempt.status != 200;
                        attempts.lock().unwrap().push(attempt);
                        if refused {
                            std::thread::sleep(Duration::from_millis(100));
                        }
                    }
                }
            })
        })
        .collect();
    let ok_count = || {
        attempts
            .lock()
            .unwrap()
            .iter()
            .filter(|a| a.status == 200)
            .count()
    };
    while ok_count() < 20 {
        std::thread::sleep(Duration::from_millis(20));
    }

    postgres.ctl("stop");
    let down_since = Instant::now();
    std::thread::sleep(Duration::from_secs(3));
    let (status, body) = http_with(&platform.http, "GET", "/readyz", &[], "");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("database: unavailable"), "{body}");
    // An edit waits for a connection as long as the pool's acquire timeout (10 s), then is
    // refused.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !attempts.lock().unwrap().iter().any(|a| a.status == 503) {
        assert!(
            Instant::now() < deadline,
            "edits while the database was down were refused"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    postgres.ctl("start");
    let up_again = Instant::now();

    // Back by itself: edits succeed and readiness says so.
    let deadline = Instant::now() + Duration::from_secs(30);
    let ok_before = ok_count();
    while ok_count() < ok_before + 20 {
        assert!(Instant::now() < deadline, "the pool did not reconnect");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, body) = http_with(&platform.http, "GET", "/readyz", &[], "");
    assert_eq!(status, 200, "{body}");
    stopping.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    drop(platform);
    eprintln!(
        "database down for {} ms",
        up_again.duration_since(down_since).as_millis()
    );

    let attempts = attempts.lock().unwrap();
    for Attempt {
        code,
        value,
        status,
        retry_after,
        took,
    } in attempts.iter()
    {
        assert!(
            *status == 200 || (*status == 503 && *retry_after),
            "{code} = {value}: {status} (retry hint {retry_after})"
        );
        assert!(
            *took < Duration::from_secs(20),
            "{code} = {value} took {took:?}"
        );
    }
    // Every edit is there with its audit entry, or neither; the last acknowledged value of
    // each enterprise stands unless a later attempt, refused when the connection broke at its
    // commit, went through after all.
    let after = state(&postgres.url);
    for code in &credit_codes {
        let ((was, _, entries_before), (now, employees, entries)) = (before[code], after[code]);
        assert_eq!(
            now - was,
            entries - entries_before,
            "{code}: version and audit entries"
        );
        let mine: Vec<_> = attempts.iter().filter(|a| &a.code == code).collect();
        let possible: Vec<i64> = match mine.iter().rposition(|a| a.status == 200) {
            Some(last_ok) => mine[last_ok..].iter().map(|a| a.value).collect(),
            // None of its edits was acknowledged (all fell in the outage, as on a loaded
            // machine): it holds its value from before, or one whose commit went through
            // though its answer was lost.
            None => std::iter::once(before[code].1)
                .chain(mine.iter().map(|a| a.value))
                .collect(),
        };
        assert!(
            possible.contains(&employees),
            "{code}: {employees} not in {possible:?}"
        );
        let acknowledged = mine.iter().filter(|a| a.status == 200).count() as i64;
        assert!(
            now - was >= acknowledged,
            "{code}: an acknowledged edit is missing"
        );
    }
}
