//! Each platform's figures by year, computed from its requests (shared-factory orders among
//! them), and the thresholds the Ministry of Industry and Information Technology sets for
//! national SME public service demonstration platforms, with each shortfall named.
//!
//! Definitions (years are Asia/Shanghai calendar years):
//! - *requests*: requests made in the year;
//! - *enterprises served*: distinct enterprises whose contract was confirmed in the year;
//! - *contracts* and *contract value*: contracts confirmed in the year and their amounts;
//! - *completed*: deliveries accepted in the year; *on time*: of those with a due day, the
//!   share delivered by the end of it;
//! - *satisfaction*: of the ratings given in the year, the share of 4 or 5 (and the mean);
//! - *free or low-cost*: of the contracts confirmed in the year, the share of at most
//!   [`LOW_COST_FEN`] (free ones are 0);
//! - *vouchers redeemed*: innovation vouchers on its contracts the city approved in the year.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;
use zhizao_core::{Fen, Text, Timestamp};
use zhizao_identity::Principal;
use zhizao_identity::policy::{self, RequestScope};

use crate::{Error, PublicServices, Result};

/// The most a contract costs to count as low-cost: 2,000 yuan.
pub const LOW_COST_FEN: i64 = 200_000;
/// Enterprises a demonstration platform serves a year, at least.
pub const MIN_SERVED: i64 = 150;
/// Satisfaction a demonstration platform reaches, at least (per mille).
pub const MIN_SATISFACTION_PER_MILLE: i64 = 800;
/// Free or low-cost share of its services, at least (per mille).
pub const MIN_FREE_PER_MILLE: i64 = 200;

/// A platform's year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PlatformYear {
    /// The calendar year.
    pub year: i32,
    /// Requests made.
    pub requests: i64,
    /// Of them, shared-factory orders.
    pub factory_orders: i64,
    /// Distinct enterprises whose contract was confirmed.
    pub served: i64,
    /// Contracts confirmed.
    pub contracts: i64,
    /// Their amounts.
    pub contract_value: Fen,
    /// Of them, at most [`LOW_COST_FEN`].
    pub free_or_low_cost: i64,
    /// Deliveries accepted.
    pub completed: i64,
    /// Of the accepted deliveries with a due day, how many came by it.
    pub on_time: i64,
    /// Accepted deliveries with a due day.
    pub with_due: i64,
    /// Ratings given.
    pub ratings: i64,
    /// Of them, 4 or 5.
    pub satisfied: i64,
    /// Their sum.
    pub rating_sum: i64,
    /// Requests declined by the platform (made this year).
    pub declined: i64,
    /// Innovation vouchers redeemed on its contracts (approved by the city in the year).
    pub vouchers_redeemed: Fen,
}

/// Per mille of `part` in `whole`, none when the whole is 0.
fn per_mille(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| (part * 1000 + whole / 2) / whole)
}

impl PlatformYear {
    /// On-time share, per mille.
    pub fn on_time_per_mille(&self) -> Option<i64> {
        per_mille(self.on_time, self.with_due)
    }

    /// Satisfaction (ratings of 4 or 5), per mille.
    pub fn satisfaction_per_mille(&self) -> Option<i64> {
        per_mille(self.satisfied, self.ratings)
    }

    /// Free or low-cost share of the contracts, per mille.
    pub fn free_per_mille(&self) -> Option<i64> {
        per_mille(self.free_or_low_cost, self.contracts)
    }

    /// The mean rating, tenths.
    pub fn mean_rating_tenths(&self) -> Option<i64> {
        (self.ratings > 0).then(|| (self.rating_sum * 10 + self.ratings / 2) / self.ratings)
    }

    /// Where the year falls short of a demonstration platform's thresholds, in words (a share
    /// with nothing to measure falls short too: no ratings is no evidence of satisfaction).
    pub fn shortfalls(&self) -> Vec<Text> {
        let mut short = Vec::new();
        if self.served < MIN_SERVED {
            short.push(Text::owned(
                format!("服务中小企业 {} 家，少于 {MIN_SERVED} 家", self.served),
                format!("served {} SMEs, fewer than {MIN_SERVED}", self.served),
            ));
        }
        match self.satisfaction_per_mille() {
            Some(share) if share >= MIN_SATISFACTION_PER_MILLE => {}
            share => short.push(Text::owned(
                format!(
                    "满意度 {}，低于 80%",
                    share.map_or("无评价".into(), percent)
                ),
                format!(
                    "satisfaction {}, below 80%",
                    share.map_or("unrated".into(), percent)
                ),
            )),
        }
        match self.free_per_mille() {
            Some(share) if share >= MIN_FREE_PER_MILLE => {}
            share => short.push(Text::owned(
                format!(
                    "免费或低收费服务占比 {}，低于 20%",
                    share.map_or("无合同".into(), percent)
                ),
                format!(
                    "free or low-cost share {}, below 20%",
                    share.map_or("no contracts".into(), percent)
                ),
            )),
        }
        short
    }
}

/// `per_mille` as a percentage with one decimal.
pub fn percent(per_mille: i64) -> String {
    format!("{}.{}%", per_mille / 10, per_mille % 10)
}

#[derive(sqlx::FromRow)]
struct FigureRow {
    platform_id: i64,
    client_id: i64,
    kind: String,
    status: String,
    amount_fen: Option<i64>,
    created_at: i64,
    confirmed_at: Option<i64>,
    delivered_at: Option<i64>,
    accepted_at: Option<i64>,
    due_at: Option<i64>,
    rating: Option<i64>,
    rated_at: Option<i64>,
}

/// The Shanghai calendar year of `millis`.
fn year_of(millis: i64) -> i32 {
    Timestamp::from_millis(millis).to_shanghai_date_string()[..4]
        .parse()
        .unwrap_or(0)
}

/// The years of `rows` and of the vouchers redeemed (platform, amount, approved at), each
/// platform's separately.
fn tally(rows: &[FigureRow], vouchers: &[(i64, i64, i64)]) -> BTreeMap<(i64, i32), PlatformYear> {
    fn year(
        years: &mut BTreeMap<(i64, i32), PlatformYear>,
        platform: i64,
        millis: i64,
    ) -> &mut PlatformYear {
        let year = year_of(millis);
        years
            .entry((platform, year))
            .or_insert_with(|| PlatformYear {
                year,
                ..PlatformYear::default()
            })
    }
    let mut years: BTreeMap<(i64, i32), PlatformYear> = BTreeMap::new();
    let mut served: HashSet<(i64, i32, i64)> = HashSet::new();
    for row in rows {
        let platform = row.platform_id;
        let made = year(&mut years, platform, row.created_at);
        made.requests += 1;
        made.factory_orders += i64::from(row.kind == "factory_order");
        made.declined += i64::from(row.status == "declined");
        if let Some(confirmed) = row.confirmed_at {
            let amount = row.amount_fen.unwrap_or(0);
            let contracted = year(&mut years, platform, confirmed);
            contracted.contracts += 1;
            contracted.contract_value = Fen::new(contracted.contract_value.get() + amount);
            contracted.free_or_low_cost += i64::from(amount <= LOW_COST_FEN);
            if served.insert((platform, contracted.year, row.client_id)) {
                contracted.served += 1;
            }
        }
        if let Some(accepted) = row.accepted_at {
            let completed = year(&mut years, platform, accepted);
            completed.completed += 1;
            if let (Some(delivered), Some(due)) = (row.delivered_at, row.due_at) {
                completed.with_due += 1;
                completed.on_time += i64::from(delivered <= due);
            }
        }
        if let (Some(rating), Some(rated)) = (row.rating, row.rated_at) {
            let rated = year(&mut years, platform, rated);
            rated.ratings += 1;
            rated.rating_sum += rating;
            rated.satisfied += i64::from(rating >= 4);
        }
    }
    for &(platform, amount, approved) in vouchers {
        let year = year(&mut years, platform, approved);
        year.vouchers_redeemed = Fen::new(year.vouchers_redeemed.get() + amount);
    }
    years
}

/// The vouchers the city approved on contracts, (platform, amount, approved at), the query
/// ending in `tail`.
macro_rules! select_redeemed {
    ($tail:literal) => {
        concat!(
            "SELECT platform_id, amount_fen, reviewed_at FROM voucher_uses \
             WHERE status IN ('redeemed', 'reimbursed') AND reviewed_at IS NOT NULL",
            $tail
        )
    };
}

/// The requests' figures query ending in `tail`.
macro_rules! select_figures {
    ($tail:literal) => {
        concat!(
            "SELECT platform_id, client_id, kind, status, amount_fen, created_at, confirmed_at, \
             delivered_at, accepted_at, due_at, rating, rated_at FROM service_requests",
            $tail
        )
    };
}

impl PublicServices {
    /// How many shared-factory orders the caller's enterprise has completed (delivered and
    /// accepted, rated or not): what the maturity self-assessment suggests answers from. Anyone
    /// but an enterprise has none.
    pub async fn completed_factory_orders(&self, principal: &Principal) -> Result<u32> {
        let RequestScope::Client(client) = policy::request_scope(principal) else {
            return Ok(0);
        };
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM service_requests WHERE client_id = $1 AND kind = 'factory_order' \
             AND status IN ('accepted', 'rated')",
        )
        .bind(client)
        .fetch_one(self.db.pool())
        .await?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    async fn platform_id(&self, code: &str) -> Result<i64> {
        sqlx::query_scalar("SELECT id FROM organizations WHERE code = $1 AND kind = 'platform'")
            .bind(code.trim())
            .fetch_optional(self.db.pool())
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "service platform",
                key: code.trim().to_owned(),
            })
    }

    /// Platform `code`'s figures by year, oldest first: its own staff and the city (anyone
    /// else: not found).
    pub async fn platform_figures(
        &self,
        principal: &Principal,
        code: &str,
    ) -> Result<Vec<PlatformYear>> {
        let platform = self.platform_id(code).await?;
        if !policy::may_read_platform_figures(principal, platform) {
            return Err(Error::NotFound {
                what: "service platform",
                key: code.trim().to_owned(),
            });
        }
        let rows: Vec<FigureRow> = sqlx::query_as(select_figures!(" WHERE platform_id = $1"))
            .bind(platform)
            .fetch_all(self.db.pool())
            .await?;
        let vouchers: Vec<(i64, i64, i64)> =
            sqlx::query_as(select_redeemed!(" AND platform_id = $1"))
                .bind(platform)
                .fetch_all(self.db.pool())
                .await?;
        Ok(tally(&rows, &vouchers).into_values().collect())
    }

    /// Every platform's figures in `year`, by organisation code (the city only; a platform
    /// with no activity that year has an empty year).
    pub async fn figures_of_year(
        &self,
        principal: &Principal,
        year: i32,
    ) -> Result<Vec<(String, String, PlatformYear)>> {
        if !policy::may_manage_service_directory(principal) {
            return Err(Error::Forbidden("the city compares the platforms' figures"));
        }
        let rows: Vec<FigureRow> = sqlx::query_as(select_figures!(""))
            .fetch_all(self.db.pool())
            .await?;
        let vouchers: Vec<(i64, i64, i64)> = sqlx::query_as(select_redeemed!(""))
            .fetch_all(self.db.pool())
            .await?;
        let years = tally(&rows, &vouchers);
        let platforms: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, code, name FROM organizations WHERE kind = 'platform' ORDER BY name",
        )
        .fetch_all(self.db.pool())
        .await?;
        Ok(platforms
            .into_iter()
            .map(|(id, code, name)| {
                let figures = years.get(&(id, year)).cloned().unwrap_or(PlatformYear {
                    year,
                    ..PlatformYear::default()
                });
                (code, name, figures)
            })
            .collect())
    }

    /// Platform `code`'s ratings for anyone: how many, and the mean in tenths (none yet: `None`).
    pub async fn public_rating(&self, code: &str) -> Result<(i64, Option<i64>)> {
        let platform = self.platform_id(code).await?;
        let (count, sum): (i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(rating), CAST(SUM(rating) AS BIGINT) FROM service_requests WHERE platform_id = $1 AND rating IS NOT NULL",
        )
        .bind(platform)
        .fetch_one(self.db.pool())
        .await?;
        Ok((
            count,
            sum.filter(|_| count > 0)
                .map(|sum| (sum * 10 + count / 2) / count),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (served, ratings, satisfied, contracts, free or low-cost, shortfalls)
    const CASES: &[(i64, i64, i64, i64, i64, usize)] = &[
        (150, 10, 8, 10, 2, 0),
        (149, 10, 8, 10, 2, 1),
        (150, 10, 7, 10, 2, 1),
        (150, 10, 8, 10, 1, 1),
        (150, 0, 0, 0, 0, 2),
        (0, 3, 3, 5, 5, 1),
    ];

    #[test]
    fn a_year_falls_short_exactly_below_each_threshold() {
        for &(served, ratings, satisfied, contracts, free, expected) in CASES {
            let year = PlatformYear {
                served,
                ratings,
                satisfied,
                contracts,
                free_or_low_cost: free,
                ..PlatformYear::default()
            };
            assert_eq!(
                year.shortfalls().len(),
                expected,
                "{served} served, {satisfied}/{ratings} satisfied, {free}/{contracts} free: {:?}",
                year.shortfalls()
            );
        }
        assert_eq!(percent(805), "80.5%");
        assert_eq!(per_mille(2, 3), Some(667));
        assert_eq!(per_mille(1, 0), None);
    }
}
