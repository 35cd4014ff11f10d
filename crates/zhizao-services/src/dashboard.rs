//! The service platforms' figures for the city's dashboard: services accepted by enterprises and innovation vouchers redeemed.

use std::ops::RangeInclusive;

use zhizao_core::{Figure, FigureFilter, FigureUnit, Text};
use zhizao_identity::Principal;
use zhizao_registry::figures::{Dated, FigureSpec, measure_all};

use crate::{PublicServices, Result};

/// The figures, each over its records joined to their enterprise.
pub fn specs() -> Vec<FigureSpec> {
    vec![
        FigureSpec {
            key: "services.requests_accepted",
            label: Text::new("服务验收", "Services accepted"),
            definition: Text::new(
                "企业验收（含已评价）的服务平台服务单数，按验收时间计入年度。",
                "Service requests the enterprise accepted (rated ones included), dated by acceptance.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(*)",
            from: "FROM service_requests r JOIN enterprises e ON e.id = r.client_id WHERE r.kind = 'service' AND r.status IN ('accepted', 'rated') AND r.accepted_at IS NOT NULL",
            dated: Dated::Instant("r.accepted_at"),
            adds_up: true,
        },
        FigureSpec {
            key: "services.enterprises_served",
            label: Text::new("服务平台服务企业", "Enterprises served by platforms"),
            definition: Text::new(
                "有服务单获验收的企业数（每家计一次）。",
                "Enterprises with an accepted service request (each counted once).",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(DISTINCT r.client_id)",
            from: "FROM service_requests r JOIN enterprises e ON e.id = r.client_id WHERE r.kind = 'service' AND r.status IN ('accepted', 'rated') AND r.accepted_at IS NOT NULL",
            dated: Dated::Instant("r.accepted_at"),
            adds_up: true,
        },
        FigureSpec {
            key: "services.vouchers_redeemed",
            label: Text::new("创新券兑付", "Innovation vouchers redeemed"),
            definition: Text::new(
                "经审核兑付（含已拨付）的创新券金额，按审核时间计入年度。",
                "Innovation voucher amounts redeemed after review (reimbursed included), dated by the review.",
            ),
            unit: FigureUnit::Fen,
            value: "CAST(COALESCE(SUM(u.amount_fen), 0) AS BIGINT)",
            from: "FROM voucher_uses u JOIN service_requests r ON r.id = u.request_id JOIN enterprises e ON e.id = r.client_id WHERE u.status IN ('redeemed', 'reimbursed')",
            dated: Dated::Instant("u.reviewed_at"),
            adds_up: true,
        },
    ]
}

impl PublicServices {
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
