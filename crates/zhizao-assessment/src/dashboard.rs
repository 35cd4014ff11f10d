//! The maturity figures for the city's dashboard: enterprises assessed and those at level 3 or above.

use std::ops::RangeInclusive;

use zhizao_core::{Figure, FigureFilter, FigureUnit, Text};
use zhizao_identity::Principal;
use zhizao_registry::figures::{Dated, FigureSpec, measure_all};

use crate::{Assessments, Result};

/// The figures, each over its records joined to their enterprise.
pub fn specs() -> Vec<FigureSpec> {
    vec![
        FigureSpec {
            key: "assessment.enterprises_assessed",
            label: Text::new("完成成熟度评估企业", "Enterprises assessed"),
            definition: Text::new(
                "提交过智能制造能力成熟度自评估的企业数（每家计一次），按提交时间计入年度。",
                "Enterprises that submitted a smart-manufacturing maturity self-assessment (each counted once), dated by submission.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(DISTINCT m.enterprise_id)",
            from: "FROM maturity_assessments m JOIN enterprises e ON e.id = m.enterprise_id WHERE m.status = 'submitted'",
            dated: Dated::Instant("m.submitted_at"),
            adds_up: true,
        },
        FigureSpec {
            key: "assessment.level_three",
            label: Text::new("成熟度三级及以上企业", "Enterprises at level 3+"),
            definition: Text::new(
                "最近一次提交的评估达到三级（集成级）及以上的企业数。",
                "Enterprises whose latest submitted assessment reached level 3 (integrated) or above.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(*)",
            from: "FROM maturity_assessments m JOIN enterprises e ON e.id = m.enterprise_id WHERE m.status = 'submitted' AND m.level >= 3 AND NOT EXISTS (SELECT 1 FROM maturity_assessments later WHERE later.enterprise_id = m.enterprise_id AND later.status = 'submitted' AND later.submitted_at > m.submitted_at)",
            dated: Dated::Instant("m.submitted_at"),
            adds_up: true,
        },
    ]
}

impl Assessments {
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
