//! Solutions and adoptions recorded as they already are (the demo data, a provider's catalogue
//! brought over): checked like new ones, written inside the caller's transaction, audited as
//! recorded. No scope check (the caller is the system).

use sqlx::AnyConnection;
use zhizao_core::Timestamp;
use zhizao_db::allocate_ids;
use zhizao_identity::Actor;
use zhizao_identity::audit::{self, AuditEntry};

use crate::adoption::{AdoptionStatus, Verification};
use crate::library::SolutionInput;
use crate::{Error, Result};

/// Records a published solution of `provider_id`; `divisions` are the GB/T 4754 division codes
/// its industries are checked against. Returns its id.
pub async fn record_solution(
    connection: &mut AnyConnection,
    actor: &Actor,
    provider_id: i64,
    input: &SolutionInput,
    divisions: &[String],
    at: Timestamp,
) -> Result<i64> {
    input.check(divisions)?;
    let id = allocate_ids(&mut *connection, "solutions", 1).await?;
    sqlx::query(
        "INSERT INTO solutions (id, provider_id, title, summary, targets, industries, investment_min_fen, \
         investment_max_fen, payback_months, case_references, status, created_at, created_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'published', $11, $12, $11)",
    )
    .bind(id)
    .bind(provider_id)
    .bind(input.title.trim())
    .bind(input.summary.trim())
    .bind(crate::library::json(&input.targets)?)
    .bind(crate::library::json(&input.industries)?)
    .bind(input.investment_min_fen)
    .bind(input.investment_max_fen)
    .bind(input.payback_months)
    .bind(input.references.trim())
    .bind(at.as_millis())
    .bind(&actor.username)
    .execute(&mut *connection)
    .await?;
    audit::record(
        connection,
        actor,
        at,
        AuditEntry::new("solution.recorded", "solution", id.to_string()),
    )
    .await?;
    Ok(id)
}

/// Records an adoption of `solution_id` at `enterprise_id` that reached `status`, proposed by
/// the provider at `proposed_at` and moved on a step every `step_days` days; a verified one
/// cites `verification`. Returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn record_adoption(
    connection: &mut AnyConnection,
    actor: &Actor,
    solution_id: i64,
    enterprise_id: i64,
    status: AdoptionStatus,
    verification: Option<&Verification>,
    proposed_at: Timestamp,
    step_days: i64,
) -> Result<i64> {
    let day = 86_400_000 * step_days;
    let reached = |at_least: AdoptionStatus| {
        let order = [
            AdoptionStatus::Proposed,
            AdoptionStatus::Accepted,
            AdoptionStatus::Implemented,
            AdoptionStatus::Verified,
        ];
        let position = |s| order.iter().position(|o| *o == s);
        matches!((position(status), position(at_least)), (Some(a), Some(b)) if a >= b)
    };
    let accepted = reached(AdoptionStatus::Accepted).then(|| proposed_at.plus_millis(day));
    let implemented =
        reached(AdoptionStatus::Implemented).then(|| proposed_at.plus_millis(2 * day));
    let verified = reached(AdoptionStatus::Verified).then(|| proposed_at.plus_millis(3 * day));
    let stored = match (status, verification) {
        (AdoptionStatus::Verified, Some(v)) => {
            Some(serde_json::to_string(v).map_err(|e| Error::Corrupt(e.to_string()))?)
        }
        (AdoptionStatus::Verified, None) => {
            return Err(Error::Corrupt(
                "a verified adoption cites its verification".to_owned(),
            ));
        }
        _ => None,
    };
    let (project, figures) = match verification {
        Some(Verification::Project { .. }) => (stored, None),
        _ => (None, stored),
    };
    let id = allocate_ids(&mut *connection, "solution_adoptions", 1).await?;
    let last = verified.or(implemented).or(accepted).unwrap_or(proposed_at);
    sqlx::query(
        "INSERT INTO solution_adoptions (id, solution_id, enterprise_id, status, proposed_side, note, proposed_at, \
         proposed_by, accepted_at, implemented_at, verified_at, verified_project, verified_figures, updated_at) \
         VALUES ($1, $2, $3, $4, 'provider', '', $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id)
    .bind(solution_id)
    .bind(enterprise_id)
    .bind(status.as_str())
    .bind(proposed_at.as_millis())
    .bind(&actor.username)
    .bind(accepted.map(Timestamp::as_millis))
    .bind(implemented.map(Timestamp::as_millis))
    .bind(verified.map(Timestamp::as_millis))
    .bind(project)
    .bind(figures)
    .bind(last.as_millis())
    .execute(&mut *connection)
    .await?;
    audit::record(
        connection,
        actor,
        last,
        AuditEntry::new(
            "solution_adoption.recorded",
            "solution_adoption",
            id.to_string(),
        )
        .subject(enterprise_id),
    )
    .await?;
    Ok(id)
}
