//! The solution library's figures for the city's dashboard, as the solution figures define them.

use std::ops::RangeInclusive;

use zhizao_core::{Figure, FigureFilter, FigureUnit, Text};
use zhizao_identity::Principal;
use zhizao_registry::figures::{Dated, FigureSpec, measure_all};

use crate::{Result, Solutions};

/// The figures, each over its records joined to their enterprise.
pub fn specs() -> Vec<FigureSpec> {
    vec![
        FigureSpec {
            key: "solutions.provided",
            label: Text::new("提供解决方案", "Solutions provided"),
            definition: Text::new(
                "向企业提供的解决方案数（服务商提出的，或企业提出且已同意的），按提出时间计入年度。",
                "Solutions provided to enterprises (proposed by the provider, or asked for by the enterprise and agreed), dated by the proposal.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(*)",
            from: "FROM solution_adoptions a JOIN enterprises e ON e.id = a.enterprise_id WHERE (a.proposed_side = 'provider' OR a.status IN ('accepted', 'implemented', 'verified'))",
            dated: Dated::Instant("a.proposed_at"),
            adds_up: true,
        },
        FigureSpec {
            key: "solutions.enterprises_served",
            label: Text::new("解决方案服务企业", "Enterprises offered solutions"),
            definition: Text::new(
                "获提供解决方案的企业数（每家计一次）。",
                "Enterprises provided a solution (each counted once).",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(DISTINCT a.enterprise_id)",
            from: "FROM solution_adoptions a JOIN enterprises e ON e.id = a.enterprise_id WHERE (a.proposed_side = 'provider' OR a.status IN ('accepted', 'implemented', 'verified'))",
            dated: Dated::Instant("a.proposed_at"),
            adds_up: true,
        },
        FigureSpec {
            key: "solutions.enterprises_implemented",
            label: Text::new("实施解决方案企业", "Enterprises implementing solutions"),
            definition: Text::new(
                "已实施（含已验证）解决方案的企业数，按实施时间计入年度。",
                "Enterprises that implemented a solution (verified included), dated by implementation.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(DISTINCT a.enterprise_id)",
            from: "FROM solution_adoptions a JOIN enterprises e ON e.id = a.enterprise_id WHERE a.status IN ('implemented', 'verified')",
            dated: Dated::Instant("a.implemented_at"),
            adds_up: true,
        },
    ]
}

impl Solutions {
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
