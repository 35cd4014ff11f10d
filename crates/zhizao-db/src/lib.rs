//! Zhizao's relational store.
//!
//! One [`Database`] handle over a connection pool to either embedded SQLite (the default: a file
//! in the data directory) or PostgreSQL (`postgres://…`), chosen at run time from the URL. Both
//! run the same migrations (`migrations/`), written in the dialect the two share, and the same
//! queries, so every query is exercised against both backends by the test suite.
//!
//! Key decisions:
//! - Ids are `BIGINT`s handed out by [`allocate_ids`] from a sequence table, inside the caller's
//!   transaction, because the two backends have no common auto-increment syntax.
//! - Instants are `BIGINT` milliseconds since the Unix epoch (UTC), money is `BIGINT` fen.
//! - SQL text is only ever made of `&'static str` fragments written in this repository; values
//!   always travel as bind parameters ([`SqlBuilder`] enforces this by its signature).
//! - Write transactions start with `BEGIN IMMEDIATE` on SQLite so that two writers queue on the
//!   busy timeout instead of failing when a reader upgrades to a writer.
//!
//! ```no_run
//! # async fn example() -> Result<(), zhizao_db::Error> {
//! let db = zhizao_db::Database::connect("sqlite://zhizao-data/zhizao.sqlite3", Default::default()).await?;
//! db.migrate().await?;
//! # Ok(()) }
//! ```

mod backup;
mod builder;
mod columns;
mod database;
mod error;
mod flag;
mod ids;
#[cfg(feature = "testing")]
pub mod testing;

pub use backup::{latest_schema_version, restore_postgres, sqlite_file};
pub use builder::{SqlBuilder, SqlValue, fetch_page, like_contains};
pub use columns::{
    FenColumn, FlagColumn, OptionalFenColumn, OptionalTimestampColumn, TimestampColumn,
};
pub use database::{Backend, Database, PoolSettings, PoolStats};
pub use error::{Error, Result, transient, unique_violation};
pub use flag::Flag;
pub use ids::allocate_ids;
