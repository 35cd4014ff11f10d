//! The database handle: connecting, migrating, transactions, health.

use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Any, AnyPool, Executor, SqlSafeStr, Transaction};

use crate::{Error, Result};

/// Every migration, in order: version, description, SQL. Files are embedded in the binary; a
/// migration that has run is never edited (sqlx checks its checksum), a change is a new file.
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        20261126000001,
        "foundation",
        include_str!("../migrations/20261126000001_foundation.sql"),
    ),
    (
        20261126000002,
        "devices",
        include_str!("../migrations/20261126000002_devices.sql"),
    ),
    (
        20261126000003,
        "projects",
        include_str!("../migrations/20261126000003_projects.sql"),
    ),
    (
        20261126000004,
        "project attachments",
        include_str!("../migrations/20261126000004_project_attachments.sql"),
    ),
    (
        20261126000005,
        "major projects",
        include_str!("../migrations/20261126000005_major_projects.sql"),
    ),
    (
        20261206000001,
        "project window",
        include_str!("../migrations/20261206000001_project_window.sql"),
    ),
    (
        20261206000002,
        "major proposals",
        include_str!("../migrations/20261206000002_major_proposals.sql"),
    ),
    (
        20261206000003,
        "accounts",
        include_str!("../migrations/20261206000003_accounts.sql"),
    ),
    (
        20261206000004,
        "factory tariffs",
        include_str!("../migrations/20261206000004_factory_tariffs.sql"),
    ),
    (
        20261206000005,
        "factory set-ups and orders",
        include_str!("../migrations/20261206000005_factory_orders.sql"),
    ),
    (
        20261206000006,
        "factory plans",
        include_str!("../migrations/20261206000006_factory_plans.sql"),
    ),
    (
        20261206000007,
        "factory deliveries",
        include_str!("../migrations/20261206000007_factory_deliveries.sql"),
    ),
    (
        20261206000008,
        "factory operation events",
        include_str!("../migrations/20261206000008_factory_operation_events.sql"),
    ),
    (
        20261206000009,
        "factory stop reasons",
        include_str!("../migrations/20261206000009_factory_stop_reasons.sql"),
    ),
    (
        20261206000010,
        "factory material receipts",
        include_str!("../migrations/20261206000010_factory_material.sql"),
    ),
    (
        20261206000011,
        "factory order files",
        include_str!("../migrations/20261206000011_factory_order_files.sql"),
    ),
    (
        20261207000001,
        "factory patterns and nesting runs",
        include_str!("../migrations/20261207000001_factory_nesting.sql"),
    ),
    (
        20261207000002,
        "service sectors and platform profiles",
        include_str!("../migrations/20261207000002_service_directory.sql"),
    ),
    (
        20261207000003,
        "service catalogue",
        include_str!("../migrations/20261207000003_service_catalogue.sql"),
    ),
    (
        20261207000004,
        "service requests",
        include_str!("../migrations/20261207000004_service_requests.sql"),
    ),
    (
        20261207000005,
        "innovation vouchers",
        include_str!("../migrations/20261207000005_innovation_vouchers.sql"),
    ),
    (
        20261207000006,
        "maturity assessments",
        include_str!("../migrations/20261207000006_maturity_assessments.sql"),
    ),
    (
        20261207000007,
        "solutions",
        include_str!("../migrations/20261207000007_solutions.sql"),
    ),
    (
        20261207000008,
        "training",
        include_str!("../migrations/20261207000008_training.sql"),
    ),
    (
        20261207000009,
        "talent, teams and IP",
        include_str!("../migrations/20261207000009_talent.sql"),
    ),
    (
        20261207000010,
        "training session cancellation",
        include_str!("../migrations/20261207000010_training_session_cancel.sql"),
    ),
    (
        20261208000001,
        "open data keys and their use",
        include_str!("../migrations/20261208000001_open_data.sql"),
    ),
];

/// Which engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite in a file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The backend a URL names.
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(Error::UnsupportedUrl { url: redact(url) })
        }
    }

    /// `sqlite` or `postgres`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Pool sizing and timeouts.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Upper bound on open connections.
    pub max_connections: u32,
    /// How long a request waits for a free connection before failing as unavailable.
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// Connection pool occupancy, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Open connections.
    pub size: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// The configured maximum.
    pub max: u32,
}

/// A handle to the relational store; cheap to clone.
#[derive(Debug, Clone)]
pub struct Database {
    pool: AnyPool,
    backend: Backend,
    max_connections: u32,
}

impl Database {
    /// Opens a pool to `url` (`sqlite://PATH` or `postgres://…`). A SQLite file and its
    /// directory are created when missing.
    pub async fn connect(url: &str, settings: PoolSettings) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(|source| Error::Connect {
            url: redact(&url),
            source,
        })?;
        let pool = AnyPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers proceed beside the writer; synchronous=FULL makes a
                        // committed transaction survive power loss, not only a process crash.
                        connection
                            .execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                            )
                            .await?;
                    }
                    Ok(())
                })
            })
            // A connection that comes back still inside a transaction (its rollback failed: SQLite
            // rolls back by itself on a full disk, and the ROLLBACK that follows then fails) is
            // closed, not handed to the next request, whose BEGIN would fail on it.
            .after_release(|connection, _| {
                Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(connection)) })
            })
            .connect_with(options)
            .await
            .map_err(|source| Error::Connect {
                url: redact(&url),
                source,
            })?;
        tracing::info!(backend = backend.name(), url = %redact(&url), "database connected");
        Ok(Database {
            pool,
            backend,
            max_connections: settings.max_connections,
        })
    }

    /// Applies every pending migration; a no-op when the schema is current.
    pub async fn migrate(&self) -> Result<()> {
        let migrations = MIGRATIONS
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect();
        Migrator::with_migrations(migrations)
            .run(&self.pool)
            .await?;
        Ok(())
    }

    /// The pool, for read queries.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so concurrent writers wait instead of failing half-way.
    pub async fn begin(&self) -> Result<Transaction<'static, Any>> {
        let transaction = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(transaction)
    }

    /// Succeeds when the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// The problems SQLite's `PRAGMA integrity_check` finds (empty: none); PostgreSQL keeps its
    /// own pages consistent and has no such check, so it finds none.
    pub async fn integrity_problems(&self) -> Result<Vec<String>> {
        if self.backend() != Backend::Sqlite {
            return Ok(Vec::new());
        }
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().filter(|row| row != "ok").collect())
    }

    /// Current pool occupancy.
    pub fn pool_stats(&self) -> PoolStats {
        PoolStats {
            size: self.pool.size(),
            idle: self.pool.num_idle() as u32,
            max: self.max_connections,
        }
    }

    /// Waits for connections in use to be returned and closes them all; SQLite checkpoints its
    /// write-ahead log as the last connection closes.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Creates the directory of a SQLite file and asks the driver to create the file.
fn prepare_sqlite_url(url: &str) -> Result<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" {
        return Err(Error::UnsupportedUrl {
            url: url.to_owned(),
        });
    }
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|source| Error::CreateDirectory {
            path: parent.display().to_string(),
            source,
        })?;
    }
    let query = if query.contains("mode=") {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// The URL with its password replaced by `***`, for logs and errors.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://zz:secret@db:5432/zhizao"),
            "postgres://zz:***@db:5432/zhizao"
        );
        assert_eq!(redact("postgres://db/zhizao"), "postgres://db/zhizao");
        assert_eq!(redact("sqlite://data/z.sqlite3"), "sqlite://data/z.sqlite3");
    }

    #[test]
    fn recognises_backends() {
        assert_eq!(Backend::from_url("sqlite://x").ok(), Some(Backend::Sqlite));
        assert_eq!(
            Backend::from_url("postgresql://h/d").ok(),
            Some(Backend::Postgres)
        );
        assert!(Backend::from_url("mysql://h/d").is_err());
    }

    #[test]
    fn sqlite_urls_create_files() {
        assert_eq!(
            prepare_sqlite_url("sqlite://z.sqlite3").ok().as_deref(),
            Some("sqlite://z.sqlite3?mode=rwc")
        );
        assert!(prepare_sqlite_url("sqlite::memory:").is_err());
    }
}
