//! The demo data scaled to a city, for benchmarks: the demo's enterprises, their project
//! applications and their devices copied until there are as many as asked. Each copy has ids,
//! codes and keys of its own (`~N` appended; a copied enterprise's credit code is therefore not
//! a valid one, which nothing counted by the figures reads); copy `N` of an application or a
//! device belongs to copy `N mod (enterprise copies + 1)` of its enterprise. SQLite only, literal
//! SQL only: each table is copied through a temporary table.

use sqlx::Connection;
use zhizao_db::Database;

use crate::Error;

/// Copies of enterprises (with their organisations).
const COPY_ENTERPRISES: &[&str] = &[
    "CREATE TEMP TABLE copy_organizations AS SELECT * FROM organizations WHERE kind = 'enterprise' AND id < 1000000000",
    "UPDATE copy_organizations SET id = id + $1 * 1000000000, code = code || '~' || $1, name = name || '~' || $1",
    "INSERT INTO organizations SELECT * FROM copy_organizations",
    "DROP TABLE copy_organizations",
    "CREATE TEMP TABLE copy_enterprises AS SELECT * FROM enterprises WHERE id < 1000000000",
    "UPDATE copy_enterprises SET id = id + $1 * 1000000000, credit_code = credit_code || '~' || $1, name = name || '~' || $1",
    "INSERT INTO enterprises SELECT * FROM copy_enterprises",
    "DROP TABLE copy_enterprises",
];

const COPY_APPLICATIONS: &[&str] = &[
    "CREATE TEMP TABLE copy_applications AS SELECT * FROM project_applications WHERE id < 1000000000",
    "UPDATE copy_applications SET id = id + $1 * 1000000000, number = number || '~' || $1, \
     project_key = project_key || '~' || $1, enterprise_id = enterprise_id + $2 * 1000000000",
    "INSERT INTO project_applications SELECT * FROM copy_applications",
    "DROP TABLE copy_applications",
];

const COPY_DEVICES: &[&str] = &[
    "CREATE TEMP TABLE copy_devices AS SELECT d.* FROM devices d JOIN enterprises e ON e.id = d.organization_id WHERE d.id < 1000000000",
    "UPDATE copy_devices SET id = id + $1 * 1000000000, name = name || '~' || $1, \
     token_hash = token_hash || '~' || $1, organization_id = organization_id + $2 * 1000000000",
    "INSERT INTO devices SELECT * FROM copy_devices",
    "DROP TABLE copy_devices",
];

async fn count(db: &Database, sql: &'static str) -> Result<i64, Error> {
    Ok(sqlx::query_scalar(sql).fetch_one(db.pool()).await?)
}

/// Copies `statements` `copies` times on one connection (the temporary tables live there).
async fn copy(
    db: &Database,
    statements: &[&'static str],
    copies: i64,
    enterprise_copies: i64,
) -> Result<(), Error> {
    let mut connection = db.pool().acquire().await?;
    for copy in 1..=copies {
        let owner = copy % (enterprise_copies + 1);
        let mut transaction = connection.begin().await?;
        for sql in statements {
            sqlx::query(*sql)
                .bind(copy)
                .bind(owner)
                .execute(&mut *transaction)
                .await?;
        }
        transaction.commit().await?;
    }
    Ok(())
}

/// How many copies reach `target` from `have` (0 when it is reached already).
fn copies_for(target: u32, have: i64) -> i64 {
    if have <= 0 {
        return 0;
    }
    ((i64::from(target) + have - 1) / have - 1).max(0)
}

/// How many rows there are after scaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scaled {
    /// Enterprises.
    pub enterprises: u64,
    /// Project applications.
    pub applications: u64,
    /// Enterprises' devices.
    pub devices: u64,
}

/// Copies the demo's rows in `db` (SQLite) until there are at least `enterprises`
/// enterprises, `projects` applications and `devices` devices of enterprises.
pub async fn scale(
    db: &Database,
    enterprises: u32,
    projects: u32,
    devices: u32,
) -> Result<Scaled, Error> {
    let have_enterprises = count(db, "SELECT COUNT(*) FROM enterprises").await?;
    let have_applications = count(db, "SELECT COUNT(*) FROM project_applications").await?;
    let have_devices = count(
        db,
        "SELECT COUNT(*) FROM devices d JOIN enterprises e ON e.id = d.organization_id",
    )
    .await?;
    let enterprise_copies = copies_for(enterprises, have_enterprises);
    copy(db, COPY_ENTERPRISES, enterprise_copies, enterprise_copies).await?;
    copy(
        db,
        COPY_APPLICATIONS,
        copies_for(projects, have_applications),
        enterprise_copies,
    )
    .await?;
    copy(
        db,
        COPY_DEVICES,
        copies_for(devices, have_devices),
        enterprise_copies,
    )
    .await?;
    sqlx::query("ANALYZE").execute(db.pool()).await?;
    let rows = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(Scaled {
        enterprises: rows(count(db, "SELECT COUNT(*) FROM enterprises").await?),
        applications: rows(count(db, "SELECT COUNT(*) FROM project_applications").await?),
        devices: rows(
            count(
                db,
                "SELECT COUNT(*) FROM devices d JOIN enterprises e ON e.id = d.organization_id",
            )
            .await?,
        ),
    })
}
