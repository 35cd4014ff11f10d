//! What the city reports of its innovation resources, counted from the records within the
//! caller's scope: talents and doctorates among them, invention patents filed with a talent
//! among the inventors, teams, and teams by field (the seed: 140 talents, 95 doctorates, 197
//! invention patents, 17 teams — 40 % — in advanced manufacturing and information technology).

use serde::Serialize;
use zhizao_db::SqlBuilder;
use zhizao_identity::{Principal, policy};

use crate::{Field, Result, Talents};

/// Talent figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TalentFigures {
    /// Talents.
    pub talents: i64,
    /// Doctorates among them.
    pub doctorates: i64,
    /// Invention patents with a talent among the inventors.
    pub invention_patents_by_talents: i64,
    /// Invention patents recorded.
    pub invention_patents: i64,
    /// Innovation teams.
    pub teams: i64,
    /// Teams per field, in the vocabulary's order (fields without teams left out).
    pub teams_by_field: Vec<(Field, i64)>,
    /// Teams in advanced manufacturing and information technology.
    pub teams_in_manufacturing_and_it: i64,
}

impl TalentFigures {
    /// The share of teams in advanced manufacturing and information technology, in whole
    /// percent (rounded), or `None` without teams.
    pub fn manufacturing_and_it_percent(&self) -> Option<i64> {
        (self.teams > 0)
            .then(|| (self.teams_in_manufacturing_and_it * 200 + self.teams) / (2 * self.teams))
    }
}

impl Talents {
    /// The figures of the caller's scope.
    pub async fn figures(&self, principal: &Principal) -> Result<TalentFigures> {
        let scope = policy::talent_scope(principal);
        let scoped = |sql: &'static str| {
            let mut select = SqlBuilder::new(sql);
            zhizao_registry::restrict_to_scope(&scope, &mut select);
            select
        };
        let pool = self.db.pool();
        let (talents, doctorates): (i64, i64) = scoped(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN t.degree = 'doctorate' THEN 1 ELSE 0 END), 0) \
             FROM talents t JOIN enterprises e ON e.id = t.enterprise_id WHERE 1 = 1",
        )
        .query_as()
        .fetch_one(pool)
        .await?;
        let (invention_patents, invention_patents_by_talents): (i64, i64) = scoped(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM ip_inventors v WHERE v.ip_id = i.id) THEN 1 ELSE 0 END), 0) \
             FROM ip_assets i JOIN enterprises e ON e.id = i.enterprise_id WHERE i.kind = 'invention_patent'",
        )
        .query_as()
        .fetch_one(pool)
        .await?;
        let mut by_field: SqlBuilder = scoped(
            "SELECT t.field, COUNT(*) FROM innovation_teams t JOIN enterprises e ON e.id = t.enterprise_id WHERE 1 = 1",
        );
        by_field.push(" GROUP BY t.field");
        let rows: Vec<(String, i64)> = by_field.query_as().fetch_all(pool).await?;
        let teams_by_field: Vec<(Field, i64)> = Field::ALL
            .iter()
            .filter_map(|field| {
                rows.iter()
                    .find(|(code, _)| code == field.as_str())
                    .map(|(_, count)| (*field, *count))
            })
            .collect();
        let teams = teams_by_field.iter().map(|(_, n)| n).sum();
        let teams_in_manufacturing_and_it = teams_by_field
            .iter()
            .filter(|(f, _)| {
                matches!(
                    f,
                    Field::AdvancedManufacturing | Field::InformationTechnology
                )
            })
            .map(|(_, n)| n)
            .sum();
        Ok(TalentFigures {
            talents,
            doctorates,
            invention_patents_by_talents,
            invention_patents,
            teams,
            teams_by_field,
            teams_in_manufacturing_and_it,
        })
    }
}
