//! What the city reports of the solution library, counted from the records in the caller's
//! adoption scope (the city all, a provider its own solutions, a town its enterprises'), in
//! total and per provider, in the seed's terms:
//!
//! - **solutions in the library**: published, and withdrawn ones once offered;
//! - **solutions provided** (免费提供解决方案): each solution put to one enterprise, by the provider's
//!   proposal (whatever became of it) or at the enterprise's request once the provider agreed;
//!   **enterprises served**: the distinct enterprises those went to;
//! - **accepted** (方案获企业认可): the distinct enterprises that accepted one (accepted,
//!   implemented or verified);
//! - **adopted and implemented** (采纳并实施): adoptions implemented or verified, and the distinct
//!   enterprises behind them; **verified**: those verified with evidence.

use serde::Serialize;
use zhizao_core::Text;
use zhizao_db::SqlBuilder;
use zhizao_identity::Principal;
use zhizao_identity::policy::{self, AdoptionScope};

use crate::{Error, Result, Solutions};

/// The counts of one provider, or of the whole scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Solutions in the library (published, or withdrawn once offered).
    pub library: i64,
    /// Solutions provided to enterprises (one solution at one enterprise each).
    pub provided: i64,
    /// Distinct enterprises they were provided to.
    pub enterprises_served: i64,
    /// Distinct enterprises that accepted one.
    pub enterprises_accepted: i64,
    /// Adoptions implemented or verified.
    pub implemented: i64,
    /// Distinct enterprises with one implemented or verified.
    pub enterprises_implemented: i64,
    /// Adoptions verified.
    pub verified: i64,
}

/// One provider's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderTally {
    /// The provider's organisation id.
    pub provider_id: i64,
    /// Its name.
    pub provider_name: String,
    /// The sector (板块) of its platform profile, when it has one.
    pub sector: Option<Text>,
    /// Its counts.
    pub tally: Tally,
}

/// Solution-library figures: the scope's total and each provider's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SolutionFigures {
    /// The whole scope (distinct enterprises counted once across providers).
    pub total: Tally,
    /// Each provider with solutions or adoptions in scope, most solutions provided first.
    pub providers: Vec<ProviderTally>,
}

/// The adoption counts after the grouping columns, in [`Tally`]'s order.
const ADOPTION_COUNTS: &str = " COUNT(CASE WHEN a.proposed_side = 'provider' OR a.status IN ('accepted', 'implemented', 'verified') THEN 1 END), \
     COUNT(DISTINCT CASE WHEN a.proposed_side = 'provider' OR a.status IN ('accepted', 'implemented', 'verified') THEN a.enterprise_id END), \
     COUNT(DISTINCT CASE WHEN a.status IN ('accepted', 'implemented', 'verified') THEN a.enterprise_id END), \
     COUNT(CASE WHEN a.status IN ('implemented', 'verified') THEN 1 END), \
     COUNT(DISTINCT CASE WHEN a.status IN ('implemented', 'verified') THEN a.enterprise_id END), \
     COUNT(CASE WHEN a.status = 'verified' THEN 1 END) \
     FROM solution_adoptions a JOIN solutions s ON s.id = a.solution_id \
     JOIN enterprises e ON e.id = a.enterprise_id WHERE 1 = 1";

type Counts = (i64, i64, i64, i64, i64, i64);

fn tally(
    library: i64,
    (provided, served, accepted, implemented, enterprises, verified): Counts,
) -> Tally {
    Tally {
        library,
        provided,
        enterprises_served: served,
        enterprises_accepted: accepted,
        implemented,
        enterprises_implemented: enterprises,
        verified,
    }
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
        let provider = match scope {
            AdoptionScope::Provider(id) => Some(id),
            _ => None,
        };
        // The library is public: a town counts all of it, a provider its own.
        let mut library = SqlBuilder::new(
            "SELECT s.provider_id, COUNT(*) FROM solutions s \
             WHERE s.status IN ('published', 'withdrawn')",
        );
        if let Some(id) = provider {
            library.push(" AND s.provider_id = ").push_bind(id);
        }
        library.push(" GROUP BY s.provider_id");
        let library: Vec<(i64, i64)> = library.query_as().fetch_all(pool).await?;

        let mut total = SqlBuilder::new("SELECT");
        total.push(ADOPTION_COUNTS);
        crate::adoption::restrict(principal, &mut total);
        let total: Counts = total.query_as().fetch_one(pool).await?;

        let mut grouped = SqlBuilder::new("SELECT s.provider_id,");
        grouped.push(ADOPTION_COUNTS);
        crate::adoption::restrict(principal, &mut grouped);
        grouped.push(" GROUP BY s.provider_id");
        let grouped: Vec<(i64, i64, i64, i64, i64, i64, i64)> =
            grouped.query_as().fetch_all(pool).await?;

        let mut ids: Vec<i64> = library.iter().map(|(id, _)| *id).collect();
        ids.extend(grouped.iter().map(|row| row.0));
        ids.sort_unstable();
        ids.dedup();
        let mut providers = Vec::with_capacity(ids.len());
        for id in ids {
            let shelf = library
                .iter()
                .find(|(p, _)| *p == id)
                .map_or(0, |(_, n)| *n);
            let counts = grouped
                .iter()
                .find(|row| row.0 == id)
                .map_or((0, 0, 0, 0, 0, 0), |r| (r.1, r.2, r.3, r.4, r.5, r.6));
            let (provider_name, sector) = self.provider_label(id).await?;
            providers.push(ProviderTally {
                provider_id: id,
                provider_name,
                sector,
                tally: tally(shelf, counts),
            });
        }
        providers.sort_by(|a, b| {
            b.tally
                .provided
                .cmp(&a.tally.provided)
                .then(b.tally.library.cmp(&a.tally.library))
                .then(a.provider_id.cmp(&b.provider_id))
        });
        Ok(SolutionFigures {
            total: tally(library.iter().map(|(_, n)| n).sum(), total),
            providers,
        })
    }

    /// A provider's name and the sector its platform profile names.
    async fn provider_label(&self, id: i64) -> Result<(String, Option<Text>)> {
        let row: (String, Option<String>, Option<String>) = sqlx::query_as(
            "SELECT o.name, ss.name, ss.name_en FROM organizations o \
             LEFT JOIN service_platform_profiles p ON p.organization_id = o.id \
             LEFT JOIN service_sectors ss ON ss.code = p.sector_code WHERE o.id = $1",
        )
        .bind(id)
        .fetch_one(self.db.pool())
        .await?;
        let sector = match (row.1, row.2) {
            (Some(zh), Some(en)) => Some(Text::owned(zh, en)),
            _ => None,
        };
        Ok((row.0, sector))
    }
}
