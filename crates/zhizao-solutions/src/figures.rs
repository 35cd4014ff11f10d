//! What the city reports of the solution library, counted from the records in the caller's
//! adoption scope (the city all, a provider its own solutions, a town its enterprises'):
//! solutions offered (published, and withdrawn ones once offered), adoptions taken up (accepted,
//! implemented or verified), the solutions and enterprises behind them, and those verified.

use serde::Serialize;
use zhizao_db::SqlBuilder;
use zhizao_identity::Principal;
use zhizao_identity::policy::{self, AdoptionScope};

use crate::{Error, Result, Solutions};

/// Solution-library figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SolutionFigures {
    /// Solutions offered (published or withdrawn).
    pub offered: i64,
    /// Adoptions accepted, implemented or verified.
    pub adoptions: i64,
    /// Distinct solutions taken up.
    pub solutions_adopted: i64,
    /// Distinct enterprises that took one up.
    pub enterprises: i64,
    /// Adoptions verified.
    pub verified: i64,
}

impl Solutions {
    /// The figures of the caller's scope; enterprises and experts do not report them.
    pub async fn figures(&self, principal: &Principal) -> Result<SolutionFigures> {
        let scope = policy::adoption_scope(principal);
        if matches!(scope, AdoptionScope::Enterprise(_) | AdoptionScope::Nothing) {
            return Err(Error::Forbidden(
                "the city, towns and providers read the solution figures",
            ));
        }
        let pool = self.db.pool();
        let mut offered = SqlBuilder::new(
            "SELECT COUNT(*) FROM solutions s WHERE s.status IN ('published', 'withdrawn')",
        );
        if let AdoptionScope::Provider(id) = &scope {
            offered.push(" AND s.provider_id = ").push_bind(*id);
        }
        let offered: i64 = offered.query_scalar().fetch_one(pool).await?;
        let mut taken = SqlBuilder::new(
            "SELECT COUNT(*), COUNT(DISTINCT a.solution_id), COUNT(DISTINCT a.enterprise_id), \
             COALESCE(SUM(CASE WHEN a.status = 'verified' THEN 1 ELSE 0 END), 0) \
             FROM solution_adoptions a JOIN solutions s ON s.id = a.solution_id \
             JOIN enterprises e ON e.id = a.enterprise_id \
             WHERE a.status IN ('accepted', 'implemented', 'verified')",
        );
        crate::adoption::restrict(principal, &mut taken);
        let (adoptions, solutions_adopted, enterprises, verified): (i64, i64, i64, i64) =
            taken.query_as().fetch_one(pool).await?;
        Ok(SolutionFigures {
            offered,
            adoptions,
            solutions_adopted,
            enterprises,
            verified,
        })
    }
}
