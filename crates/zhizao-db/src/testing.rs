//! Fresh, migrated databases for tests, on every backend the machine offers.
//!
//! SQLite is always available. PostgreSQL is used when `ZHIZAO_TEST_POSTGRES_URL` names a
//! server (the test script starts a throw-away cluster and sets it). Its absence, like that of
//! any other outside program a test needs (Mosquitto, Chromium), goes through [`missing`]: a
//! failure in a run of the test script or in CI, which must run everything, and a visible skip
//! only when `cargo test` is run by hand without them.

use crate::{Backend, Database, PoolSettings};

/// A migrated database that lives as long as this value (the SQLite file is deleted on drop;
/// PostgreSQL test databases live in a throw-away cluster).
#[derive(Debug)]
pub struct TestDatabase {
    /// The handle.
    pub db: Database,
    /// Its URL (with the password, if any).
    pub url: String,
    _directory: Option<tempfile::TempDir>,
}

/// One fresh database per available backend.
///
/// # Panics
/// When a database cannot be created: tests have nothing to run against.
pub async fn test_databases() -> Vec<TestDatabase> {
    let mut databases = vec![sqlite().await];
    match std::env::var("ZHIZAO_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => databases.push(postgres(&url).await),
        _ => missing("PostgreSQL (ZHIZAO_TEST_POSTGRES_URL)"),
    }
    databases
}

/// Whether this run must have every outside program the tests use: set by the test script
/// (`ZHIZAO_TEST_EVERYTHING=1`) and by CI (`CI=true`).
pub fn everything_required() -> bool {
    std::env::var("ZHIZAO_TEST_EVERYTHING").is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Reports that `what` is not on this machine, so the part of a test that needs it does not
/// run: said on the test's output when `cargo test` is run by hand.
///
/// # Panics
/// When [`everything_required`]: the test script installs everything, so a missing program
/// there is a broken installation, never a reason to pass without testing.
pub fn missing(what: &str) {
    assert!(
        !everything_required(),
        "{what} is missing, and this run must test everything (scripts/test.sh installs it)"
    );
    eprintln!("SKIPPED: {what} is not available; run scripts/test.sh to test with it");
}

/// A fresh SQLite database in a temporary directory.
///
/// # Panics
/// When the file cannot be created.
pub async fn sqlite() -> TestDatabase {
    let directory = tempfile::tempdir().expect("temporary directory");
    let url = format!(
        "sqlite://{}",
        directory.path().join("test.sqlite3").display()
    );
    let db = Database::connect(
        &url,
        PoolSettings {
            max_connections: 4,
            ..PoolSettings::default()
        },
    )
    .await
    .expect("open SQLite");
    db.migrate().await.expect("migrate SQLite");
    TestDatabase {
        db,
        url,
        _directory: Some(directory),
    }
}

/// A fresh database in the PostgreSQL cluster at `admin_url`.
///
/// # Panics
/// When the server cannot be reached or the database cannot be created.
pub async fn postgres(admin_url: &str) -> TestDatabase {
    let url = blank_postgres(admin_url).await;
    let db = Database::connect(
        &url,
        PoolSettings {
            max_connections: 4,
            ..PoolSettings::default()
        },
    )
    .await
    .expect("open the test database");
    db.migrate().await.expect("migrate PostgreSQL");
    TestDatabase {
        db,
        url,
        _directory: None,
    }
}

/// The URL of a new, empty database (no migration run) in the PostgreSQL cluster at
/// `admin_url`.
///
/// # Panics
/// When the server cannot be reached or the database cannot be created.
pub async fn blank_postgres(admin_url: &str) -> String {
    assert_eq!(
        Backend::from_url(admin_url).ok(),
        Some(Backend::Postgres),
        "not a PostgreSQL URL"
    );
    let admin = Database::connect(
        admin_url,
        PoolSettings {
            max_connections: 1,
            ..PoolSettings::default()
        },
    )
    .await
    .expect("reach the PostgreSQL test cluster");
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).expect("random bytes");
    let name = format!(
        "zt_{}",
        random
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    // The name is made here of hex digits only, so formatting it into the statement is safe.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(admin.pool())
        .await
        .expect("create test database");
    admin.close().await;
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let (server, _database) = base.rsplit_once('/').expect("URL has a database path");
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}
