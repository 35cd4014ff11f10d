//! The training figures for the city's dashboard: people trained in the room and online, by the enterprise they enrolled for.

use std::ops::RangeInclusive;

use zhizao_core::{Figure, FigureFilter, FigureUnit, Text};
use zhizao_identity::Principal;
use zhizao_registry::figures::{Dated, FigureSpec, measure_all};

use crate::{Result, Training};

/// The figures, each over its records joined to their enterprise.
pub fn specs() -> Vec<FigureSpec> {
    vec![
        FigureSpec {
            key: "training.offline_trainees",
            label: Text::new("线下培训人数", "Trained in the room"),
            definition: Text::new(
                "至少签到一次线下培训的学员数（同一人计一次），按报名时间计入年度；未关联企业的学员只计入全市。",
                "People signed in at a session at least once (each counted once), dated by enrolment; people without an enterprise count only in the city's total.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(DISTINCT COALESCE('u' || CAST(n.user_id AS TEXT), 'p' || n.phone, 'e' || CAST(n.id AS TEXT)))",
            from: "FROM training_enrolments n LEFT JOIN enterprises e ON e.id = n.enterprise_id WHERE EXISTS (SELECT 1 FROM training_registrations r WHERE r.enrolment_id = n.id AND r.signed_in_at IS NOT NULL)",
            dated: Dated::Instant("n.enrolled_at"),
            adds_up: false,
        },
        FigureSpec {
            key: "training.online_learners",
            label: Text::new("线上学习人数", "Learned online"),
            definition: Text::new(
                "至少完成一节线上课的学员数（同一人计一次），按报名时间计入年度。",
                "People who completed at least one online lesson (each counted once), dated by enrolment.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(DISTINCT COALESCE('u' || CAST(n.user_id AS TEXT), 'p' || n.phone, 'e' || CAST(n.id AS TEXT)))",
            from: "FROM training_enrolments n LEFT JOIN enterprises e ON e.id = n.enterprise_id WHERE EXISTS (SELECT 1 FROM training_progress p WHERE p.enrolment_id = n.id AND p.completed_at IS NOT NULL)",
            dated: Dated::Instant("n.enrolled_at"),
            adds_up: false,
        },
    ]
}

impl Training {
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
