//! Live figures over the enterprises a principal can see, for start pages and reports.

use serde::Serialize;
use zhizao_core::Fen;
use zhizao_db::SqlBuilder;
use zhizao_identity::Principal;
use zhizao_identity::policy;

use crate::scope::restrict_to;
use crate::{Registry, Result};

/// Totals and breakdowns of the registry within a principal's scope.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RegistryStatistics {
    /// Enterprises.
    pub enterprises: i64,
    /// Of which above designated size.
    pub above_designated_size: i64,
    /// Employees in total.
    pub employees: i64,
    /// Annual revenue in total, fen.
    pub revenue_fen: Fen,
    /// Recognitions by (kind, level): count.
    pub recognitions: Vec<(String, String, i64)>,
    /// Enterprises by town: (code, Chinese name, English name, count), largest first.
    pub by_town: Vec<(String, String, String, i64)>,
    /// Enterprises by industry division: (code, Chinese name, English name, count), largest first.
    pub by_division: Vec<(String, String, Option<String>, i64)>,
}

impl Registry {
    /// Computes the figures now, from the registry itself.
    pub async fn statistics(&self, principal: &Principal) -> Result<RegistryStatistics> {
        let scope = policy::enterprise_scope(principal);
        let mut conditions = SqlBuilder::new(" WHERE 1 = 1");
        restrict_to(&scope, &mut conditions);
        let mut connection = self.db.pool().acquire().await?;

        let mut totals = SqlBuilder::new(
            "SELECT COUNT(*), CAST(COALESCE(SUM(e.above_designated_size), 0) AS BIGINT), CAST(COALESCE(SUM(e.employees), 0) AS BIGINT), \
             CAST(COALESCE(SUM(e.annual_revenue_fen), 0) AS BIGINT) FROM enterprises e",
        );
        totals.push_builder(&conditions);
        let (enterprises, above_designated_size, employees, revenue_fen): (i64, i64, i64, i64) =
            totals.query_as().fetch_one(&mut *connection).await?;

        let mut recognitions = SqlBuilder::new(
            "SELECT r.kind, r.level, COUNT(*) FROM recognitions r JOIN enterprises e ON e.id = r.enterprise_id",
        );
        recognitions
            .push_builder(&conditions)
            .push(" GROUP BY r.kind, r.level ORDER BY r.kind, r.level");
        let recognitions: Vec<(String, String, i64)> =
            recognitions.query_as().fetch_all(&mut *connection).await?;

        let mut by_town = SqlBuilder::new(
            "SELECT t.code, t.name_zh, t.name_en, COUNT(*) AS n FROM enterprises e JOIN towns t ON t.code = e.town_code",
        );
        by_town
            .push_builder(&conditions)
            .push(" GROUP BY t.code, t.name_zh, t.name_en ORDER BY n DESC, t.code");
        let by_town: Vec<(String, String, String, i64)> =
            by_town.query_as().fetch_all(&mut *connection).await?;

        let mut by_division = SqlBuilder::new(
            "SELECT d.code, d.name_zh, d.name_en, COUNT(*) AS n FROM enterprises e JOIN industries d ON d.code = substr(e.industry_code, 1, 2)",
        );
        by_division
            .push_builder(&conditions)
            .push(" GROUP BY d.code, d.name_zh, d.name_en ORDER BY n DESC, d.code");
        let by_division: Vec<(String, String, Option<String>, i64)> =
            by_division.query_as().fetch_all(&mut *connection).await?;

        Ok(RegistryStatistics {
            enterprises,
            above_designated_size,
            employees,
            revenue_fen: Fen::new(revenue_fen),
            recognitions,
            by_town,
            by_division,
        })
    }
}
