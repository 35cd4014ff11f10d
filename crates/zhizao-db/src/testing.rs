//! Fresh, migrated databases for tests, on every backend the machine offers.
//!
//! SQLite is always available. PostgreSQL is used when `ZHIZAO_TEST_POSTGRES_URL` names a
//! server (the test script starts a throw-away cluster and sets it); under `CI=true` its absence
//! is an error, so a CI run can never silently skip the PostgreSQL half.

use crate::{Backend, Database, PoolSettings};

/// A migrated database that lives as long as this value (the SQLite file is deleted on drop;
/// PostgreSQL test databases live in a throw-away cluster).
#[derive(Debug)]
pub struct TestDatabase {
    /// The handle.
    pub db: Database,
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
        _ => assert!(
            std::env::var("CI").map(|v| v != "true").unwrap_or(true),
            "CI=true but ZHIZAO_TEST_POSTGRES_URL is not set: the PostgreSQL tests would be skipped"
        ),
    }
    databases
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
        _directory: Some(directory),
    }
}

/// A fresh database in the PostgreSQL cluster at `admin_url`.
///
/// # Panics
/// When the server cannot be reached or the database cannot be created.
pub async fn postgres(admin_url: &str) -> TestDatabase {
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
    let url = match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    };
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
        _directory: None,
    }
}
