//! Id allocation that works the same on SQLite and PostgreSQL.

use sqlx::AnyConnection;

use crate::Result;

/// Allocates `count` consecutive ids from the named sequence and returns the first.
///
/// Runs on the caller's connection (normally inside its write transaction), so the ids are
/// committed or rolled back with the rows that use them. On PostgreSQL the sequence row stays
/// locked until that transaction ends, which serialises inserts into one table; that is the
/// price of portable integer ids and is irrelevant at registry scale (telemetry does not use it).
pub async fn allocate_ids(
    connection: &mut AnyConnection,
    sequence: &'static str,
    count: i64,
) -> Result<i64> {
    debug_assert!(count > 0);
    sqlx::query(
        "INSERT INTO id_sequences (name, next_value) VALUES ($1, 1) ON CONFLICT (name) DO NOTHING",
    )
    .bind(sequence)
    .execute(&mut *connection)
    .await?;
    let next: i64 = sqlx::query_scalar(
        "UPDATE id_sequences SET next_value = next_value + $2 WHERE name = $1 RETURNING next_value",
    )
    .bind(sequence)
    .bind(count)
    .fetch_one(&mut *connection)
    .await?;
    Ok(next - count)
}
