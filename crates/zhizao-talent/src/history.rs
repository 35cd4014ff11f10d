//! Talents, teams and IP recorded as they already are (the demo, the talent office's records
//! brought over): checked like new ones, written inside the caller's transaction, audited as
//! recorded. No scope check (the caller is the system).

use sqlx::AnyConnection;
use zhizao_core::Timestamp;
use zhizao_db::allocate_ids;
use zhizao_identity::Actor;
use zhizao_identity::audit::{self, AuditEntry};

use crate::ip::{IpInput, write_inventors};
use crate::talents::TalentInput;
use crate::teams::TeamInput;
use crate::{Error, Result};

fn this_year(at: Timestamp) -> i64 {
    at.to_shanghai_date_string()
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or(2026)
}

/// Records a talent employed by `enterprise_id` (the input's credit code is not read). Returns
/// its id.
pub async fn record_talent(
    connection: &mut AnyConnection,
    actor: &Actor,
    enterprise_id: i64,
    input: &TalentInput,
    at: Timestamp,
) -> Result<i64> {
    input.check(this_year(at))?;
    let id = allocate_ids(&mut *connection, "talents", 1).await?;
    sqlx::query(
        "INSERT INTO talents (id, name, degree, field, enterprise_id, programme, year, created_at, created_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8)",
    )
    .bind(id)
    .bind(input.name.trim())
    .bind(input.degree.as_str())
    .bind(input.field.as_str())
    .bind(enterprise_id)
    .bind(input.programme.trim())
    .bind(input.year)
    .bind(at.as_millis())
    .bind(&actor.username)
    .execute(&mut *connection)
    .await?;
    audit::record(
        connection,
        actor,
        at,
        AuditEntry::new("talent.recorded", "talent", id.to_string()),
    )
    .await?;
    Ok(id)
}

/// Records a team of `enterprise_id`. Returns its id.
pub async fn record_team(
    connection: &mut AnyConnection,
    actor: &Actor,
    enterprise_id: i64,
    input: &TeamInput,
    at: Timestamp,
) -> Result<i64> {
    input.check(this_year(at))?;
    let id = allocate_ids(&mut *connection, "innovation_teams", 1).await?;
    sqlx::query(
        "INSERT INTO innovation_teams (id, name, field, level, leader, members, enterprise_id, year, created_at, created_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9)",
    )
    .bind(id)
    .bind(input.name.trim())
    .bind(input.field.as_str())
    .bind(input.level.as_str())
    .bind(input.leader.trim())
    .bind(input.members)
    .bind(enterprise_id)
    .bind(input.year)
    .bind(at.as_millis())
    .bind(&actor.username)
    .execute(&mut *connection)
    .await?;
    audit::record(
        connection,
        actor,
        at,
        AuditEntry::new(
            "innovation_team.recorded",
            "innovation_team",
            id.to_string(),
        ),
    )
    .await?;
    Ok(id)
}

/// Records IP of `enterprise_id` with its talent inventors. Returns its id.
pub async fn record_ip(
    connection: &mut AnyConnection,
    actor: &Actor,
    enterprise_id: i64,
    input: &IpInput,
    at: Timestamp,
) -> Result<i64> {
    let number = input.check(&at.to_shanghai_date_string())?;
    let id = allocate_ids(&mut *connection, "ip_assets", 1).await?;
    sqlx::query(
        "INSERT INTO ip_assets (id, kind, number, title, status, enterprise_id, filed_on, granted_on, created_at, created_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9)",
    )
    .bind(id)
    .bind(input.kind.as_str())
    .bind(&number)
    .bind(input.title.trim())
    .bind(input.status.as_str())
    .bind(enterprise_id)
    .bind(&input.filed_on)
    .bind(input.granted_on.clone())
    .bind(at.as_millis())
    .bind(&actor.username)
    .execute(&mut *connection)
    .await
    .map_err(Error::from)?;
    write_inventors(connection, id, &input.inventors).await?;
    audit::record(
        connection,
        actor,
        at,
        AuditEntry::new("ip.recorded", "ip", id.to_string()),
    )
    .await?;
    Ok(id)
}
