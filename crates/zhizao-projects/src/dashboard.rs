//! The projects' figures for the city's dashboard, in the seed's terms: intake batches, projects
//! in the library and their investment, enterprises subsidised and the amounts granted and paid,
//! major science-and-technology projects awarded.

use std::ops::RangeInclusive;

use zhizao_core::{Figure, FigureFilter, FigureUnit, Text};
use zhizao_identity::Principal;
use zhizao_registry::figures::{Dated, FigureSpec, measure_all};

use crate::{Projects, Result};

/// Applications of a batch, their enterprise and town.
const APPLICATIONS: &str = "FROM project_applications a JOIN project_batches b ON b.id = a.batch_id \
     JOIN enterprises e ON e.id = a.enterprise_id WHERE a.status NOT IN ('draft', 'withdrawn')";
/// Approved into the project library (approved and every later stage).
const APPROVED: &str = "FROM project_applications a JOIN project_batches b ON b.id = a.batch_id \
     JOIN enterprises e ON e.id = a.enterprise_id \
     WHERE a.status IN ('approved', 'acceptance_review', 'accepted', 'disbursed')";
/// Approved with a grant.
const SUBSIDISED: &str = "FROM project_applications a JOIN project_batches b ON b.id = a.batch_id \
     JOIN enterprises e ON e.id = a.enterprise_id \
     WHERE a.status IN ('approved', 'acceptance_review', 'accepted', 'disbursed') AND a.granted_fen > 0";

/// The figures, each dated by its batch's programme year.
pub fn specs() -> Vec<FigureSpec> {
    vec![
        FigureSpec {
            key: "projects.batches",
            label: Text::new("申报批次", "Intake batches"),
            definition: Text::new(
                "收到申报（已提交，不含草稿和撤回）的项目申报批次数，按批次年度计。",
                "Project intake batches that received applications (submitted, drafts and \
                 withdrawn ones not counted), by the batch's year.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(DISTINCT a.batch_id)",
            from: APPLICATIONS,
            dated: Dated::Year("b.year"),
            adds_up: false,
        },
        FigureSpec {
            key: "projects.projects",
            label: Text::new("入库项目", "Projects in the library"),
            definition: Text::new(
                "审定入库的技术改造等项目数（已批准及其后各阶段），按批次年度计。",
                "Projects approved into the library (approved and every later stage), by the \
                 batch's year.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(*)",
            from: APPROVED,
            dated: Dated::Year("b.year"),
            adds_up: true,
        },
        FigureSpec {
            key: "projects.investment",
            label: Text::new("入库项目总投资", "Investment of the projects"),
            definition: Text::new(
                "入库项目申报的总投资之和。",
                "The total investment the approved projects declared.",
            ),
            unit: FigureUnit::Fen,
            value: "CAST(COALESCE(SUM(a.total_investment_fen), 0) AS BIGINT)",
            from: APPROVED,
            dated: Dated::Year("b.year"),
            adds_up: true,
        },
        FigureSpec {
            key: "projects.enterprises_subsidised",
            label: Text::new("获资助企业", "Enterprises subsidised"),
            definition: Text::new(
                "有入库项目获核定资助金额的企业数（每家企业计一次）。",
                "Enterprises with an approved project granted a subsidy (each counted once).",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(DISTINCT a.enterprise_id)",
            from: SUBSIDISED,
            dated: Dated::Year("b.year"),
            adds_up: true,
        },
        FigureSpec {
            key: "projects.granted",
            label: Text::new("核定资助金额", "Subsidies granted"),
            definition: Text::new(
                "入库项目按规则核定的资助金额之和。",
                "The subsidies granted to approved projects under the batch's rules.",
            ),
            unit: FigureUnit::Fen,
            value: "CAST(COALESCE(SUM(a.granted_fen), 0) AS BIGINT)",
            from: SUBSIDISED,
            dated: Dated::Year("b.year"),
            adds_up: true,
        },
        FigureSpec {
            key: "projects.disbursed",
            label: Text::new("已拨付资金", "Subsidies paid"),
            definition: Text::new(
                "已记录拨付的资助金额之和。",
                "The subsidies whose payment has been recorded.",
            ),
            unit: FigureUnit::Fen,
            value: "CAST(COALESCE(SUM(a.disbursed_fen), 0) AS BIGINT)",
            from: SUBSIDISED,
            dated: Dated::Year("b.year"),
            adds_up: true,
        },
        FigureSpec {
            key: "projects.major_awarded",
            label: Text::new("重大科技专项", "Major S&T projects"),
            definition: Text::new(
                "获立项的重大科技专项申报数，按立项决定时间计入年度。",
                "Major science-and-technology project applications awarded, dated by the \
                 decision.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(*)",
            from: "FROM st_applications s JOIN enterprises e ON e.id = s.enterprise_id \
                   WHERE s.status = 'awarded'",
            dated: Dated::Instant("s.decided_at"),
            adds_up: true,
        },
    ]
}

impl Projects {
    /// The projects' figures for the dashboard over what it shows `principal`.
    pub async fn dashboard_figures(
        &self,
        principal: &Principal,
        filter: &FigureFilter,
        years: RangeInclusive<i32>,
    ) -> Result<Vec<Figure>> {
        Ok(measure_all(&self.db, principal, &specs(), filter, years).await?)
    }
}
