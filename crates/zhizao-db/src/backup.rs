//! Consistent online copies of the database, and bringing one back, for `zhizao backup` and
//! `zhizao restore`.
//!
//! SQLite: `VACUUM INTO` writes the database as one read transaction sees it while the platform
//! goes on writing, into a new file that is a complete database of its own. PostgreSQL:
//! `pg_dump --format=custom` (one snapshot of the whole database) and `pg_restore
//! --single-transaction` into an empty database, both from the PostgreSQL client programs on the
//! `PATH` (Debian's `postgresql-client`; a `pg_dump` at least as new as the server).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::database::redact;
use crate::{Backend, Database, Error, Result};

impl Database {
    /// Writes a consistent copy of the database to `file` (which must not exist): SQLite's
    /// `VACUUM INTO`, or `pg_dump`'s custom format from `url` (this handle's own URL, with its
    /// password, which the handle does not keep).
    pub async fn back_up_into(&self, url: &str, file: &Path) -> Result<()> {
        if file.exists() {
            return Err(Error::Backup(format!("{} exists already", file.display())));
        }
        match self.backend() {
            Backend::Sqlite => {
                let target = file.to_str().ok_or_else(|| {
                    Error::Backup(format!("{} is not a UTF-8 path", file.display()))
                })?;
                sqlx::query("VACUUM INTO $1")
                    .bind(target.to_owned())
                    .execute(self.pool())
                    .await?;
                std::fs::File::open(file)
                    .and_then(|f| f.sync_all())
                    .map_err(|e| Error::Backup(format!("{}: {e}", file.display())))?;
                Ok(())
            }
            Backend::Postgres => {
                let mut command = postgres_command("pg_dump", url);
                command
                    .arg("--format=custom")
                    .arg("--no-owner")
                    .arg("--file")
                    .arg(file);
                run(command, url).await
            }
        }
    }

    /// The newest migration applied to this database (`None`: none has run).
    pub async fn schema_version(&self) -> Result<Option<i64>> {
        if self.is_blank().await? {
            return Ok(None);
        }
        Ok(
            sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(version) FROM _sqlx_migrations")
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// Whether the database has no Zhizao schema yet (no migration has run), so a backup may be
    /// restored into it.
    pub async fn is_blank(&self) -> Result<bool> {
        let table = sqlx::query_scalar::<_, i64>(match self.backend() {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '_sqlx_migrations' \
                 AND table_schema = current_schema()"
            }
        })
        .fetch_one(self.pool())
        .await?;
        Ok(table == 0)
    }
}

/// The newest migration this release has: a database or backup at a later one was written by a
/// newer release.
pub fn latest_schema_version() -> i64 {
    crate::database::MIGRATIONS.last().map_or(0, |m| m.0)
}

/// The file of a `sqlite://PATH[?…]` URL; `None` for another database.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?.trim_start_matches("//");
    let path = rest.split_once('?').map_or(rest, |(path, _)| path);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// Restores a `pg_dump` custom-format `file` into the empty PostgreSQL database at `url`, all or
/// nothing (`--single-transaction`, stopping at the first error).
pub async fn restore_postgres(url: &str, file: &Path) -> Result<()> {
    let mut command = postgres_command("pg_restore", url);
    command
        .arg("--no-owner")
        .arg("--exit-on-error")
        .arg("--single-transaction")
        .arg(file);
    run(command, url).await
}

/// `program` connecting to `url`, with the password in the environment rather than on the
/// command line, where other users of the machine could read it.
fn postgres_command(program: &str, url: &str) -> Command {
    let (without_password, password) = split_password(url);
    let mut command = Command::new(program);
    command.arg("--dbname").arg(without_password);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    command
}

async fn run(mut command: Command, url: &str) -> Result<()> {
    let program = command.get_program().to_string_lossy().into_owned();
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .map_err(|e| Error::Backup(e.to_string()))?
        .map_err(|e| {
            Error::Backup(format!(
                "cannot run {program} (PostgreSQL's client programs, Debian package \
                 postgresql-client): {e}"
            ))
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(Error::Backup(format!(
            "{program} on {} failed: {}",
            redact(url),
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

/// The URL without its password, and the password (percent-decoded).
fn split_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), None);
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return (url.to_owned(), None);
    };
    let Some((user, password)) = rest[..at].split_once(':') else {
        return (url.to_owned(), None);
    };
    (
        format!("{scheme}://{user}@{}", &rest[at + 1..]),
        Some(percent_decode(password)),
    )
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_travels_apart_from_the_url() {
        let cases = [
            (
                "postgres://zhizao:s%40cret@db.example:5432/zhizao?sslmode=require",
                "postgres://zhizao@db.example:5432/zhizao?sslmode=require",
                Some("s@cret"),
            ),
            (
                "postgres://postgres@127.0.0.1:55432/postgres",
                "postgres://postgres@127.0.0.1:55432/postgres",
                None,
            ),
            ("postgres://host/db", "postgres://host/db", None),
            ("postgresql://a:b@h/d@x", "postgresql://a@h/d@x", Some("b")),
        ];
        for (url, expected_url, expected_password) in cases {
            let (without, password) = split_password(url);
            assert_eq!(without, expected_url, "{url}");
            assert_eq!(password.as_deref(), expected_password, "{url}");
        }
    }

    #[test]
    fn the_file_of_a_sqlite_url() {
        assert_eq!(
            sqlite_file("sqlite://data/zhizao.sqlite3?mode=rwc"),
            Some(PathBuf::from("data/zhizao.sqlite3"))
        );
        assert_eq!(
            sqlite_file("sqlite:///srv/z.db"),
            Some(PathBuf::from("/srv/z.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://h/d"), None);
    }
}
