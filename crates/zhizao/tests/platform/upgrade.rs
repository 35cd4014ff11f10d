//! Upgrades: a data directory and database written by an earlier release open in this one. Each
//! fixture in `tests/fixtures/upgrade/` is such a directory (made by
//! `scripts/make-upgrade-fixture` with that release's binary; a PostgreSQL database comes as the
//! release's `pg_dump` inside it) and what that release answered about it; this release must
//! migrate the database forward, read the telemetry log, Parquet files, last-value cache and MQTT
//! sessions in their older formats, and answer the same.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::{Platform, api, serve_with, stop, try_http};

/// The fixtures, each a `.tar.gz` beside its `.json`.
fn fixtures() -> Vec<(PathBuf, Value)> {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upgrade");
    let mut found: Vec<(PathBuf, Value)> = std::fs::read_dir(&directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let expected = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            (path.with_extension("tar.gz"), expected)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!found.is_empty(), "no fixtures in {}", directory.display());
    found
}

/// Unpacks a fixture into a new data directory.
fn unpack(archive: &Path) -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(archive)
        .arg("-C")
        .arg(data.path())
        .status()
        .unwrap();
    assert!(status.success(), "tar -xzf {}", archive.display());
    data
}

/// This release's answer to `sql` over the fixture's telemetry database.
fn query(platform: &Platform, expected: &Value, sql: &str) -> Value {
    let token = expected["token"].as_str().unwrap();
    let (status, answer) = api(
        &platform.http,
        "POST",
        "/api/v1/query",
        token,
        Some(json!({ "database": expected["database"], "sql": sql })),
    );
    assert_eq!(status, 200, "{sql}: {answer}");
    answer
}

/// Signs in through the sign-in page with the password the release stored; the status.
fn sign_in(platform: &Platform, username: &str, password: &str) -> u16 {
    let page = try_http(&platform.http, "GET", "/login", &[], "").unwrap();
    let csrf = page
        .head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, value)| value.trim().strip_prefix("zhizao_csrf="))
        .and_then(|value| value.split(';').next())
        .expect("the sign-in page sets a CSRF cookie")
        .to_owned();
    let form = format!("csrf_token={csrf}&username={username}&password={password}&next=%2F");
    let cookie = format!("zhizao_csrf={csrf}");
    try_http(
        &platform.http,
        "POST",
        "/login",
        &[
            ("Cookie", cookie.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &form,
    )
    .unwrap()
    .status
}

/// Reconnects the fixture's MQTT client with its session kept: the broker must say the session
/// is present and deliver a command on the subscription the old release stored, which the client
/// answers; returns the command's answer as the API gave it.
fn command_through_the_old_session(platform: &Platform, expected: &Value) -> Value {
    let device = &expected["device"];
    let (host, port) = platform.mqtt.rsplit_once(':').unwrap();
    let mut options = rumqttc::MqttOptions::new(
        device["client_id"].as_str().unwrap(),
        host,
        port.parse().unwrap(),
    );
    options.set_credentials(device["token"].as_str().unwrap(), "");
    options.set_clean_session(false);
    let (client, mut connection) = rumqttc::Client::new(options, 8);
    let mut session_present = None;
    for event in connection.iter().take(20) {
        if let rumqttc::Event::Incoming(rumqttc::Packet::ConnAck(ack)) = event.unwrap() {
            session_present = Some(ack.session_present);
            break;
        }
    }
    assert_eq!(
        session_present,
        Some(true),
        "the broker keeps the session the old release stored"
    );
    let (address, token, name) = (
        platform.http.clone(),
        expected["token"].as_str().unwrap().to_owned(),
        device["name"].as_str().unwrap().to_owned(),
    );
    let caller = std::thread::spawn(move || {
        api(
            &address,
            "POST",
            &format!("/api/v1/devices/{name}/rpc"),
            &token,
            Some(json!({"method": "setMode", "params": {"mode": "manual"}, "timeout_ms": 20_000})),
        )
    });
    // Not subscribed in this connection: the command comes on the stored subscription.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        assert!(std::time::Instant::now() < deadline, "no command arrived");
        match connection.recv_timeout(Duration::from_millis(500)) {
            Ok(Ok(rumqttc::Event::Incoming(rumqttc::Packet::Publish(publish)))) => {
                let id = publish
                    .topic
                    .strip_prefix("v1/devices/me/rpc/request/")
                    .expect("a command topic")
                    .to_owned();
                let request: Value = serde_json::from_slice(&publish.payload).unwrap();
                assert_eq!(request["method"], "setMode");
                client
                    .publish(
                        format!("v1/devices/me/rpc/response/{id}"),
                        rumqttc::QoS::AtLeastOnce,
                        false,
                        json!({"mode": "manual"}).to_string(),
                    )
                    .unwrap();
                break;
            }
            Ok(Ok(_)) | Err(rumqttc::RecvTimeoutError::Timeout) => {}
            Ok(Err(error)) => panic!("MQTT: {error}"),
            Err(rumqttc::RecvTimeoutError::Disconnected) => panic!("MQTT disconnected"),
        }
    }
    // Keep the connection turning until the answer is through.
    let pump = std::thread::spawn(move || {
        for event in connection.iter() {
            if event.is_err() {
                break;
            }
        }
    });
    let (status, answer) = caller.join().unwrap();
    assert_eq!(status, 200, "{answer}");
    let _ = client.disconnect();
    let _ = pump.join();
    answer
}

/// The database a fixture's release wrote: its SQLite file, or for a PostgreSQL fixture a new
/// database on the test cluster loaded from the release's dump (`None` without a cluster).
fn fixture_database(data: &Path, expected: &Value) -> Option<String> {
    if expected["backend"] != "postgres" {
        return Some(format!(
            "sqlite://{}",
            data.join("zhizao.sqlite3").display()
        ));
    }
    let Some(admin) = std::env::var("ZHIZAO_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        zhizao_db::testing::missing("PostgreSQL (ZHIZAO_TEST_POSTGRES_URL)");
        return None;
    };
    let dump = std::fs::read_to_string(data.join("postgres.sql")).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    Some(runtime.block_on(async {
        let url = zhizao_db::testing::blank_postgres(&admin).await;
        // One connection of its own: the dump sets its search path for the session.
        use sqlx::Connection;
        let mut connection = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(dump))
            .execute(&mut connection)
            .await
            .unwrap();
        connection.close().await.unwrap();
        url
    }))
}

/// Every table's row count, the schema version and the batches without a project window of a
/// stopped platform's database.
fn database_facts(url: &str) -> (Option<i64>, BTreeMap<String, i64>, i64) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let db = zhizao_db::Database::connect(url, zhizao_db::PoolSettings::default())
            .await
            .unwrap();
        let tables: Vec<(String,)> = sqlx::query_as(if url.starts_with("sqlite:") {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        } else {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        })
        .fetch_all(db.pool())
        .await
        .unwrap();
        let mut rows = BTreeMap::new();
        for (table,) in tables {
            let sql = format!("SELECT COUNT(*) FROM \"{table}\"");
            let (count,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_one(db.pool())
                .await
                .unwrap();
            rows.insert(table, count);
        }
        let (unfilled,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM project_batches WHERE projects_from = ''")
                .fetch_one(db.pool())
                .await
                .unwrap();
        let version = db.schema_version().await.unwrap();
        db.close().await;
        (version, rows, unfilled)
    })
}

#[test]
fn a_data_directory_of_an_earlier_release_opens_and_answers_as_it_did() {
    for (archive, expected) in fixtures() {
        let name = archive.file_name().unwrap().to_string_lossy().into_owned();
        eprintln!("upgrading {name} (written by {})", expected["release"]);
        let data = unpack(&archive);
        let Some(database) = fixture_database(data.path(), &expected) else {
            continue;
        };
        let options = ["--database-url", database.as_str()];
        let platform = serve_with(data.path(), &options, &[]);
        let token = expected["token"].as_str().unwrap();

        // Telemetry: the Parquet files and the log's points, as the old release answered.
        for case in expected["queries"].as_array().unwrap() {
            let sql = case["sql"].as_str().unwrap();
            assert_eq!(
                query(&platform, &expected, sql),
                case["answer"],
                "{name}: {sql}"
            );
        }
        let device = expected["device"]["name"].as_str().unwrap();
        let (status, latest) = api(
            &platform.http,
            "GET",
            &format!("/api/v1/devices/{device}/latest"),
            token,
            None,
        );
        assert_eq!(status, 200, "{latest}");
        assert_eq!(
            latest["values"], expected["device"]["latest"]["values"],
            "{name}: the last-value cache"
        );

        // Accounts: the API token and the password hash it stored.
        let login = &expected["login"];
        assert_eq!(
            sign_in(
                &platform,
                login["username"].as_str().unwrap(),
                login["password"].as_str().unwrap()
            ),
            303,
            "{name}: signing in with the password the old release stored"
        );

        // Attachments: the stored file, byte for byte.
        let attachment = &expected["attachment"];
        let file = try_http(
            &platform.http,
            "GET",
            &format!(
                "/api/v1/project-applications/{}/attachments/{}",
                attachment["application"].as_str().unwrap(),
                attachment["id"]
            ),
            &[("Authorization", &format!("Bearer {token}"))],
            "",
        )
        .unwrap();
        assert_eq!(file.status, 200, "{name}: {}", file.body);
        assert_eq!(
            Sha256::digest(file.body.as_bytes())
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect::<String>(),
            attachment["sha256"].as_str().unwrap(),
            "{name}: the attachment"
        );

        // MQTT: the persistent session, with its subscription.
        let answer = command_through_the_old_session(&platform, &expected);
        assert_eq!(answer["response"], json!({"mode": "manual"}));

        // New writes go beside the old files, and all of it survives a restart.
        let spindle = &expected["queries"][0];
        let line = "spindle,line=A,machine=M0 temperature=20.5,rpm=1000i,running=true,mode=\"auto\" 1796256000000000000";
        let (status, body) = crate::support::http(
            &platform.http,
            "POST",
            &format!(
                "/api/v2/write?bucket={}",
                expected["database"].as_str().unwrap()
            ),
            &format!("Token {token}"),
            "text/plain",
            line,
        );
        assert_eq!(status, 204, "{body}");
        stop(platform);
        let platform = serve_with(data.path(), &options, &[]);
        let counted = query(
            &platform,
            &expected,
            "SELECT line, count(*) AS n FROM spindle GROUP BY line ORDER BY line",
        );
        for (now, before) in counted
            .as_array()
            .unwrap()
            .iter()
            .zip(spindle["answer"].as_array().unwrap())
        {
            let added = i64::from(now["line"] == "A");
            assert_eq!(
                now["n"].as_i64().unwrap(),
                before["n"].as_i64().unwrap() + added,
                "{name}: line {}",
                now["line"]
            );
        }
        stop(platform);

        // The database: migrated to this release's schema, no row lost, new columns filled.
        let (version, rows, unfilled) = database_facts(&database);
        assert_eq!(version, Some(zhizao_db::latest_schema_version()), "{name}");
        assert_eq!(unfilled, 0, "{name}: every batch has its project window");
        for (table, count) in expected["rows"].as_object().unwrap() {
            let count = count.as_i64().unwrap();
            let now = rows.get(table).copied();
            match table.as_str() {
                // This run signed in and took actions (a sequence per kind of id handed out);
                // the migrations since are recorded.
                "audit_log" | "sessions" | "id_sequences" | "_sqlx_migrations" => assert!(
                    now.is_some_and(|n| n >= count),
                    "{name}: {table} had {count}, now {now:?}"
                ),
                _ => assert_eq!(now, Some(count), "{name}: rows of {table}"),
            }
        }
    }
}
