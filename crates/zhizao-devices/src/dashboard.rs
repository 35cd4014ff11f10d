//! The devices' figures for the city's dashboard: equipment connected by enterprises.

use std::ops::RangeInclusive;

use std::collections::{BTreeMap, HashMap};

use zhizao_core::{Figure, FigureFilter, FigureUnit, Text, Timestamp, shanghai_year};
use zhizao_db::SqlBuilder;
use zhizao_identity::{Principal, policy};
use zhizao_registry::figures::{Dated, FigureSpec, measure_all};
use zhizao_telemetry::TelemetryStore;

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
            adds_up: true,
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
            adds_up: true,
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

    /// The records the enterprises' equipment has sent, from the telemetry store's file list
    /// (no file is read), over what the dashboard shows `principal`; `None` for a reader it
    /// does not serve.
    pub async fn records_figure(
        &self,
        principal: &Principal,
        telemetry: &TelemetryStore,
        filter: &FigureFilter,
        years: RangeInclusive<i32>,
    ) -> Result<Option<Figure>> {
        let Some(scope) = policy::dashboard_scope(principal, filter.town.as_deref()) else {
            return Ok(None);
        };
        let mut select = SqlBuilder::new("SELECT e.id, e.town_code FROM enterprises e WHERE 1 = 1");
        zhizao_registry::restrict_to_scope(&scope, &mut select);
        let towns: HashMap<i64, String> = select
            .query_as::<(i64, String)>()
            .fetch_all(self.db.pool())
            .await?
            .into_iter()
            .collect();
        let mut value = 0u64;
        let mut by_year: BTreeMap<i32, u64> = years.clone().map(|y| (y, 0)).collect();
        let mut by_town: BTreeMap<String, u64> = BTreeMap::new();
        for (tenant, first_ns, rows) in telemetry.persisted_rows() {
            let Some(town) = towns.get(&tenant) else {
                continue;
            };
            let year = shanghai_year(Timestamp::from_millis(first_ns.div_euclid(1_000_000)));
            if let Some(count) = by_year.get_mut(&year) {
                *count += rows;
            }
            if filter.year.is_none_or(|y| y == year) {
                value += rows;
                *by_town.entry(town.clone()).or_default() += rows;
            }
        }
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        Ok(Some(Figure {
            key: "devices.records",
            label: Text::new("数据记录", "Records from equipment"),
            definition: Text::new(
                "企业设备上报并已写入数据文件的记录行数（最近几秒仍在缓冲区的稍后计入），按每个数据文件首条记录的时间计入年度。",
                "Rows the enterprises' equipment reported that are in the data files (the last \
                 seconds' rows still in the buffers count once persisted), dated by the first \
                 row of each file.",
            ),
            unit: FigureUnit::Count,
            value: count(value),
            by_year: by_year.into_iter().map(|(y, n)| (y, count(n))).collect(),
            by_town: by_town.into_iter().map(|(t, n)| (t, count(n))).collect(),
        }))
    }
}
