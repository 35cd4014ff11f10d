//! The devices' figures for the city's dashboard: equipment connected by enterprises.

use std::ops::RangeInclusive;

use zhizao_core::{Figure, FigureFilter, FigureUnit, Text};
use zhizao_identity::Principal;
use zhizao_registry::figures::{Dated, FigureSpec, measure_all};

use crate::{Devices, Result};

/// The figures, each over its records joined to their enterprise.
pub fn specs() -> Vec<FigureSpec> {
    vec![
        FigureSpec {
            key: "devices.connected",
            label: Text::new("接入设备", "Connected devices"),
            definition: Text::new(
                "企业接入平台且未停用的设备数，按接入时间计入年度。",
                "Devices enterprises connected to the platform and not disabled, dated by when they were connected.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(*)",
            from: "FROM devices d JOIN enterprises e ON e.id = d.organization_id WHERE d.disabled = 0",
            dated: Dated::Instant("d.created_at"),
        },
        FigureSpec {
            key: "devices.reporting",
            label: Text::new("已上报数据的设备", "Devices reporting"),
            definition: Text::new(
                "接入后至少上报过一次数据的设备数。",
                "Connected devices that have reported data at least once.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(*)",
            from: "FROM devices d JOIN enterprises e ON e.id = d.organization_id WHERE d.disabled = 0 AND d.last_seen_at IS NOT NULL",
            dated: Dated::Instant("d.created_at"),
        },
    ]
}

impl Devices {
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
