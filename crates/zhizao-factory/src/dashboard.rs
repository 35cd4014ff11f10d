//! The shared factories' figures for the city's dashboard: orders delivered to enterprises and the pieces cut and polished for them.

use std::ops::RangeInclusive;

use zhizao_core::{Figure, FigureFilter, FigureUnit, Text};
use zhizao_identity::Principal;
use zhizao_registry::figures::{Dated, FigureSpec, measure_all};

use crate::{Factories, Result};

/// The figures, each over its records joined to their enterprise.
pub fn specs() -> Vec<FigureSpec> {
    vec![
        FigureSpec {
            key: "factory.orders_delivered",
            label: Text::new("共享工厂交付订单", "Shared-factory orders delivered"),
            definition: Text::new(
                "共享工厂向企业交付的订单数，按交付时间计入年度。",
                "Orders the shared factories delivered to enterprises, dated by delivery.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(*)",
            from: "FROM factory_orders f JOIN enterprises e ON e.id = f.client_id WHERE f.delivered_at IS NOT NULL",
            dated: Dated::Instant("f.delivered_at"),
            adds_up: true,
        },
        FigureSpec {
            key: "factory.clients_served",
            label: Text::new("共享工厂服务企业", "Enterprises served by shared factories"),
            definition: Text::new(
                "收到过共享工厂交付的企业数（每家计一次）。",
                "Enterprises that received a shared factory's delivery (each counted once).",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(DISTINCT f.client_id)",
            from: "FROM factory_orders f JOIN enterprises e ON e.id = f.client_id WHERE f.delivered_at IS NOT NULL",
            dated: Dated::Instant("f.delivered_at"),
            adds_up: true,
        },
        FigureSpec {
            key: "factory.pieces_cut",
            label: Text::new("共享裁剪裁片", "Pieces cut"),
            definition: Text::new(
                "共享裁剪中心交付的合格裁片数。",
                "Good pieces the shared cutting centres delivered.",
            ),
            unit: FigureUnit::Count,
            value: "CAST(COALESCE(SUM(f.good_quantity), 0) AS BIGINT)",
            from: "FROM factory_orders f JOIN enterprises e ON e.id = f.client_id WHERE f.delivered_at IS NOT NULL AND f.process = 'cutting'",
            dated: Dated::Instant("f.delivered_at"),
            adds_up: true,
        },
        FigureSpec {
            key: "factory.pieces_polished",
            label: Text::new("共享打磨抛光件", "Pieces polished"),
            definition: Text::new(
                "共享打磨抛光中心交付的合格件数。",
                "Good pieces the shared polishing centres delivered.",
            ),
            unit: FigureUnit::Count,
            value: "CAST(COALESCE(SUM(f.good_quantity), 0) AS BIGINT)",
            from: "FROM factory_orders f JOIN enterprises e ON e.id = f.client_id WHERE f.delivered_at IS NOT NULL AND f.process = 'polishing'",
            dated: Dated::Instant("f.delivered_at"),
            adds_up: true,
        },
    ]
}

impl Factories {
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
