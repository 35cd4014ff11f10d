//! Measuring a dashboard figure over the records of any domain: each domain states what it counts
//! as SQL over its own tables joined to `enterprises e`, and this computes the value, the trend by
//! year and the spread over the towns in the viewer's enterprise scope. The registry's own
//! figures are here too.

use std::ops::RangeInclusive;

use zhizao_core::{
    Figure, FigureFilter, FigureUnit, Text, Timestamp, shanghai_year, shanghai_year_start,
};
use zhizao_db::{Database, SqlBuilder};
use zhizao_identity::{Principal, policy, policy::EnterpriseScope};

use crate::{Registry, Result, scope::restrict_to};

/// How a figure's records are dated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dated {
    /// Not at all: no trend, and a year filter does not apply.
    Undated,
    /// By a year column (a programme year).
    Year(&'static str),
    /// By an instant column (BIGINT milliseconds), counted in its Asia/Shanghai year.
    Instant(&'static str),
}

/// What a domain counts for one figure.
#[derive(Debug, Clone)]
pub struct FigureSpec {
    /// `module.figure`.
    pub key: &'static str,
    /// Its name.
    pub label: Text,
    /// What is counted, from which records.
    pub definition: Text,
    /// Count or money.
    pub unit: FigureUnit,
    /// The aggregate, such as `COUNT(DISTINCT a.enterprise_id)` or
    /// `CAST(COALESCE(SUM(a.granted_fen), 0) AS BIGINT)`.
    pub value: &'static str,
    /// `FROM … JOIN enterprises e ON … WHERE …`: the records counted (ending in a condition, so
    /// more can be appended with ` AND`).
    pub from: &'static str,
    /// How the records are dated.
    pub dated: Dated,
    /// Whether the towns' values add up to the whole: each counted row belongs to one town and
    /// the aggregate sums (a count, a sum, or distinct enterprises, each of which is in one
    /// town), so the whole is the towns' sum and needs no query of its own. Distinct batches or
    /// people are not: one spans several towns.
    pub adds_up: bool,
}

/// The years a trend covers as of `now`: the last `span` calendar years up to this one.
pub fn trend_years(now: Timestamp, span: i32) -> RangeInclusive<i32> {
    let this = shanghai_year(now);
    (this - span + 1)..=this
}

fn restrict_year(spec: &FigureSpec, year: i32, sql: &mut SqlBuilder) {
    match spec.dated {
        Dated::Undated => {}
        Dated::Year(column) => {
            sql.push(" AND ")
                .push(column)
                .push(" = ")
                .push_bind(i64::from(year));
        }
        Dated::Instant(column) => {
            sql.push(" AND ")
                .push(column)
                .push(" >= ")
                .push_bind(shanghai_year_start(year))
                .push(" AND ")
                .push(column)
                .push(" < ")
                .push_bind(shanghai_year_start(year + 1));
        }
    }
}

/// Pushes the expression that gives a record's year within `years` (its year column, or a CASE
/// ladder of bound year boundaries mapping an instant to its Asia/Shanghai year in either
/// dialect); `0` for undated records.
fn push_year(sql: &mut SqlBuilder, dated: Dated, years: &RangeInclusive<i32>) {
    match dated {
        Dated::Undated => {
            sql.push("CAST(0 AS BIGINT)");
        }
        Dated::Year(column) => {
            sql.push("CAST(").push(column).push(" AS BIGINT)");
        }
        Dated::Instant(column) => {
            sql.push("CASE");
            for year in years.clone() {
                sql.push(" WHEN ")
                    .push(column)
                    .push(" < ")
                    .push_bind(shanghai_year_start(year + 1))
                    .push(" THEN ")
                    .push_bind(i64::from(year));
            }
            sql.push(" END");
        }
    }
}

/// Pushes ` AND` the condition keeping the records dated within `years` (none if undated).
fn push_years(sql: &mut SqlBuilder, dated: Dated, years: &RangeInclusive<i32>) {
    match dated {
        Dated::Undated => {}
        Dated::Year(column) => {
            sql.push(" AND ")
                .push(column)
                .push(" BETWEEN ")
                .push_bind(i64::from(*years.start()))
                .push(" AND ")
                .push_bind(i64::from(*years.end()));
        }
        Dated::Instant(column) => {
            sql.push(" AND ")
                .push(column)
                .push(" >= ")
                .push_bind(shanghai_year_start(*years.start()))
                .push(" AND ")
                .push(column)
                .push(" < ")
                .push_bind(shanghai_year_start(*years.end() + 1));
        }
    }
}

/// `spec`'s value, trend over `years` and spread over the towns, over `scope` (which holds the
/// town asked for) and `year`. Database errors come back as sqlx's, which every domain's error
/// converts.
async fn measure(
    db: &Database,
    scope: &EnterpriseScope,
    spec: &FigureSpec,
    year: Option<i32>,
    years: RangeInclusive<i32>,
) -> std::result::Result<Figure, sqlx::Error> {
    let mut connection = db.pool().acquire().await?;
    // The scope, and the year unless the query is the trend by year.
    let narrow = |sql: &mut SqlBuilder, by_year: bool| {
        restrict_to(scope, sql);
        if let (Some(year), false) = (year, by_year) {
            restrict_year(spec, year, sql);
        }
    };

    let by_year = match spec.dated {
        Dated::Undated => Vec::new(),
        Dated::Year(_) | Dated::Instant(_) => {
            let mut select = SqlBuilder::new("SELECT ");
            push_year(&mut select, spec.dated, &years);
            select
                .push(" AS y, ")
                .push(spec.value)
                .push(" ")
                .push(spec.from);
            push_years(&mut select, spec.dated, &years);
            narrow(&mut select, true);
            select.push(" GROUP BY 1 ORDER BY 1");
            select.query_as().fetch_all(&mut *connection).await?
        }
    };
    // Every year of the range, a year without records as 0.
    let by_year = match spec.dated {
        Dated::Undated => Vec::new(),
        _ => years
            .clone()
            .map(|year| {
                let value = by_year
                    .iter()
                    .find(|(y, _): &&(i64, i64)| *y == i64::from(year))
                    .map_or(0, |(_, v)| *v);
                (year, value)
            })
            .collect(),
    };

    let mut select = SqlBuilder::new("SELECT e.town_code, ");
    select.push(spec.value).push(" ").push(spec.from);
    narrow(&mut select, false);
    // Records of no enterprise (a trainee enrolled for none) count only in the total.
    select.push(" AND e.town_code IS NOT NULL GROUP BY e.town_code ORDER BY e.town_code");
    let by_town: Vec<(String, i64)> = select.query_as().fetch_all(&mut *connection).await?;

    // The value: a year of the trend is that year's bar; towns that add up are their sum;
    // anything else is counted once more.
    let in_trend = year.filter(|year| years.contains(year));
    let value = match (spec.dated, in_trend) {
        (Dated::Year(_) | Dated::Instant(_), Some(year)) => by_year
            .iter()
            .find(|(y, _)| *y == year)
            .map_or(0, |(_, v)| *v),
        _ if spec.adds_up => by_town.iter().map(|(_, v)| v).sum(),
        _ => {
            let mut total = SqlBuilder::new("SELECT ");
            total.push(spec.value).push(" ").push(spec.from);
            narrow(&mut total, false);
            total.query_scalar().fetch_one(&mut *connection).await?
        }
    };

    Ok(Figure {
        key: spec.key,
        label: spec.label.clone(),
        definition: spec.definition.clone(),
        unit: spec.unit,
        value,
        by_year,
        by_town,
    })
}

/// One cell of a figure's grid: its value in one year and one town, and how many distinct
/// enterprises it is counted from (what decides whether it may be published).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridCell {
    /// The year; `None` for undated records.
    pub year: Option<i32>,
    /// The town's code as recorded (a retired town's own); `None` for the whole scope,
    /// records of no town included.
    pub town: Option<String>,
    /// The value.
    pub value: i64,
    /// Distinct enterprises behind it.
    pub enterprises: i64,
}

/// `spec` over `scope`, by year within `years` (undated records: one row) and town, with the
/// whole scope's value per year; cells without records are left out.
pub async fn measure_grid(
    db: &Database,
    scope: &EnterpriseScope,
    spec: &FigureSpec,
    years: RangeInclusive<i32>,
) -> std::result::Result<Vec<GridCell>, sqlx::Error> {
    let mut connection = db.pool().acquire().await?;
    let mut cells = Vec::new();
    for by_town in [true, false] {
        let mut select = SqlBuilder::new("SELECT ");
        push_year(&mut select, spec.dated, &years);
        select.push(" AS y, ");
        select.push(if by_town {
            "e.town_code"
        } else {
            "CAST(NULL AS TEXT)"
        });
        select
            .push(" AS t, ")
            .push(spec.value)
            .push(", COUNT(DISTINCT e.id) ")
            .push(spec.from);
        push_years(&mut select, spec.dated, &years);
        restrict_to(scope, &mut select);
        select.push(if by_town {
            " AND e.town_code IS NOT NULL GROUP BY 1, 2"
        } else {
            " GROUP BY 1"
        });
        let rows: Vec<(i64, Option<String>, i64, i64)> =
            select.query_as().fetch_all(&mut *connection).await?;
        cells.extend(
            rows.into_iter()
                .map(|(year, town, value, enterprises)| GridCell {
                    year: (spec.dated != Dated::Undated)
                        .then(|| i32::try_from(year).unwrap_or_default()),
                    town,
                    value,
                    enterprises,
                }),
        );
    }
    Ok(cells)
}

/// The registry's figures for the dashboard.
pub fn specs() -> Vec<FigureSpec> {
    vec![
        FigureSpec {
            key: "registry.enterprises",
            label: Text::new("在册企业", "Registered enterprises"),
            definition: Text::new(
                "企业库中的制造业企业数，按登记入库时间计入年度。",
                "Manufacturers in the registry, dated by when they were entered.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(*)",
            from: "FROM enterprises e WHERE 1 = 1",
            dated: Dated::Instant("e.created_at"),
            adds_up: true,
        },
        FigureSpec {
            key: "registry.above_designated_size",
            label: Text::new("规上企业", "Above designated size"),
            definition: Text::new(
                "企业库中标记为规模以上工业企业的企业数。",
                "Enterprises in the registry marked as above designated size.",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(*)",
            from: "FROM enterprises e WHERE e.above_designated_size = 1",
            dated: Dated::Instant("e.created_at"),
            adds_up: true,
        },
        FigureSpec {
            key: "registry.recognised",
            label: Text::new("获认定企业", "Recognised enterprises"),
            definition: Text::new(
                "至少获得一项认定（高新技术企业、专精特新等，任一级别）的企业数。",
                "Enterprises holding at least one recognition (high-tech, specialised and \
                 sophisticated…, any level).",
            ),
            unit: FigureUnit::Count,
            value: "COUNT(*)",
            from: "FROM enterprises e WHERE e.id IN (SELECT enterprise_id FROM recognitions)",
            dated: Dated::Undated,
            adds_up: true,
        },
    ]
}

/// Every figure of `specs` over what the dashboard shows `principal` (see
/// [`policy::dashboard_scope`]), narrowed by `filter`; nothing for a reader the dashboard does
/// not serve or a town outside their scope.
pub async fn measure_all(
    db: &Database,
    principal: &Principal,
    specs: &[FigureSpec],
    filter: &FigureFilter,
    years: RangeInclusive<i32>,
) -> std::result::Result<Vec<Figure>, sqlx::Error> {
    let Some(scope) = policy::dashboard_scope(principal, filter.town.as_deref()) else {
        return Ok(Vec::new());
    };
    // Each figure on a connection of its own, at once.
    futures::future::try_join_all(
        specs
            .iter()
            .map(|spec| measure(db, &scope, spec, filter.year, years.clone())),
    )
    .await
}

impl Registry {
    /// The registry's figures for the dashboard (see [`measure_all`]).
    pub async fn dashboard_figures(
        &self,
        principal: &Principal,
        filter: &FigureFilter,
        years: RangeInclusive<i32>,
    ) -> Result<Vec<Figure>> {
        Ok(measure_all(&self.db, principal, &specs(), filter, years).await?)
    }
}
