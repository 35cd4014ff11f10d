//! The talent figures for the city's dashboard: talents brought in, innovation teams and intellectual property granted.

use std::ops::RangeInclusive;

use zhizao_core::{Figure, FigureFilter, FigureUnit, Text};
use zhizao_identity::Principal;
use zhizao_registry::figures::{Dated, FigureSpec, measure_all};

use crate::{Result, Talents};

/// The figures, each over its records joined to their enterprise.
pub fn specs() -> Vec<FigureSpec> {
    vec![
        FigureSpec {
            key: "talent.talents",
            label: Text::new("引进人才", "Talents brought in"),
            definition: Text::new(
                "企业引进并登记的人才数，按入选年度计。",
                "Talents enterprises brought in and registered, by the programme year.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(*)",
            from: "FROM talents t JOIN enterprises e ON e.id = t.enterprise_id WHERE 1 = 1",
            dated: Dated::Year("t.year"),
            adds_up: true,
        },
        FigureSpec {
            key: "talent.teams",
            label: Text::new("创新团队", "Innovation teams"),
            definition: Text::new(
                "登记的创新创业团队数，按入选年度计。",
                "Innovation teams registered, by the programme year.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(*)",
            from: "FROM innovation_teams t JOIN enterprises e ON e.id = t.enterprise_id WHERE 1 = 1",
            dated: Dated::Year("t.year"),
            adds_up: true,
        },
        FigureSpec {
            key: "talent.ip_granted",
            label: Text::new("授权知识产权", "IP granted"),
            definition: Text::new(
                "已授权的专利和软件著作权数。",
                "Patents and software copyrights granted.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(*)",
            from: "FROM ip_assets i JOIN enterprises e ON e.id = i.enterprise_id WHERE i.status = 'granted'",
            dated: Dated::Undated,
            adds_up: true,
        },
    ]
}

impl Talents {
    /// These figures for the dashboard over what it shows `principal`.
    pub async fn dashboard_figures(
        &self,
        principal: &Principal,
        filter: &FigureFilter,
        years: RangeInclusive<i32>,
    ) -> Result<Vec<Figure>> {
        Ok(measure_all(&self.db, principal, &specs(), filter, years).await?)
    }
}
