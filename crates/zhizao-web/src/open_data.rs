//! The open datasets: every figure the domains state for the dashboard, published for the whole
//! city by year and town, with cells counted from too few enterprises suppressed. Nothing is
//! counted here: each domain's own statement is measured by the registry's grid, and this only
//! names the datasets, fills the cells without records and protects the small ones.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use zhizao_core::{ErrorKind, Text, Timestamp};
use zhizao_identity::policy;
use zhizao_opendata::{Cell, DEFAULT_MINIMUM_COUNT, suppress};
use zhizao_registry::Town;
use zhizao_registry::figures::{Dated, FigureSpec, measure_grid, trend_years};

use crate::AppState;
use crate::dashboard::{Failed, MODULES, TREND_YEARS};

/// One dataset: a module's figure.
pub(crate) struct Dataset {
    /// The module's heading (its theme in the catalogue).
    pub(crate) theme: Text,
    /// What the module counts.
    pub(crate) spec: FigureSpec,
}

impl Dataset {
    /// Whether its rows are dated (a row per year) or not (one row per town).
    pub(crate) fn dated(&self) -> bool {
        self.spec.dated != Dated::Undated
    }
}

/// A module's statements of its figures.
fn specs(module: &str) -> Vec<FigureSpec> {
    match module {
        "registry" => zhizao_registry::figures::specs(),
        "projects" => zhizao_projects::dashboard::specs(),
        "devices" => zhizao_devices::dashboard::specs(),
        "factory" => zhizao_factory::dashboard::specs(),
        "services" => zhizao_services::dashboard::specs(),
        "assessment" => zhizao_assessment::dashboard::specs(),
        "solutions" => zhizao_solutions::dashboard::specs(),
        "training" => zhizao_training::dashboard::specs(),
        "talent" => zhizao_talent::dashboard::specs(),
        _ => Vec::new(),
    }
}

/// Every dataset, in the dashboard's order.
pub(crate) fn catalogue() -> Vec<Dataset> {
    MODULES
        .iter()
        .flat_map(|(module, theme)| {
            specs(module).into_iter().map(|spec| Dataset {
                theme: theme.clone(),
                spec,
            })
        })
        .collect()
}

/// The dataset named `key`.
pub(crate) fn find(key: &str) -> Option<Dataset> {
    catalogue().into_iter().find(|d| d.spec.key == key)
}

/// One published row.
pub(crate) struct Row {
    /// The year (none for undated records).
    pub(crate) year: Option<i32>,
    /// The current town (none: the whole city).
    pub(crate) town: Option<String>,
    /// Its name, in both languages (the city's for the whole).
    pub(crate) town_name: Text,
    /// The value; none where suppressed.
    pub(crate) value: Option<i64>,
}

/// A dataset's rows as published.
pub(crate) struct Table {
    /// The years covered (ignored for undated records).
    pub(crate) years: RangeInclusive<i32>,
    /// When it was counted.
    pub(crate) as_of: Timestamp,
    /// Cells counted from fewer enterprises than this are suppressed.
    pub(crate) minimum: i64,
    /// The city's row then each current town's, year by year (oldest first).
    pub(crate) rows: Vec<Row>,
}

/// The years a caller may ask for, and those given when they ask for none: the dashboard's
/// trend.
pub(crate) fn years(
    state: &AppState,
    from: Option<i32>,
    to: Option<i32>,
) -> Result<RangeInclusive<i32>, Failed> {
    let now = state.identity().clock().now();
    let allowed = trend_years(now, 30);
    let default = trend_years(now, TREND_YEARS);
    let from = from.unwrap_or(*default.start());
    let to = to.unwrap_or(*default.end());
    if !allowed.contains(&from) || !allowed.contains(&to) || from > to {
        return Err(Failed::new(
            ErrorKind::InvalidInput,
            "年份须在近 30 年内，且起始年不晚于截止年",
            "from and to must be years within the last 30, from no later than to",
        ));
    }
    Ok(from..=to)
}

/// The current town a recorded town code counts under: itself, or the unit that took over
/// (followed through the mergers).
fn current<'a>(code: &'a str, towns: &'a [Town]) -> Option<&'a Town> {
    let mut town = towns.iter().find(|t| t.code == code)?;
    for _ in 0..4 {
        match (&town.valid_to, &town.successor_code) {
            (None, _) => return Some(town),
            (Some(_), Some(next)) => town = towns.iter().find(|t| &t.code == next)?,
            (Some(_), None) => return None,
        }
    }
    None
}

/// `dataset` over `years`, as published.
pub(crate) async fn table(
    state: &AppState,
    dataset: &Dataset,
    years: RangeInclusive<i32>,
) -> Result<Table, Failed> {
    let as_of = state.identity().clock().now();
    let towns = state.registry().towns().await.map_err(Failed::of)?;
    let measured = measure_grid(
        state.db(),
        &policy::open_data_scope(),
        &dataset.spec,
        years.clone(),
    )
    .await
    .map_err(|e| Failed::of(zhizao_db::Error::from(e)))?;
    // Cells under a retired town count under the town that took it over.
    let mut counted: BTreeMap<(Option<i32>, Option<String>), (i64, i64)> = BTreeMap::new();
    for cell in measured {
        let town = match cell.town.as_deref() {
            None => None,
            Some(code) => match current(code, &towns) {
                Some(town) => Some(town.code.clone()),
                None => continue,
            },
        };
        let entry = counted.entry((cell.year, town)).or_default();
        entry.0 += cell.value;
        entry.1 += cell.enterprises;
    }
    // Every year and every current town, a cell without records as a counted zero.
    let row_years: Vec<Option<i32>> = if dataset.dated() {
        years.clone().map(Some).collect()
    } else {
        vec![None]
    };
    let current_towns: Vec<&Town> = towns.iter().filter(|t| t.is_current()).collect();
    let mut cells = Vec::new();
    let mut names = Vec::new();
    for year in row_years {
        let places = std::iter::once(None).chain(current_towns.iter().map(|t| Some(*t)));
        for town in places {
            let code = town.map(|t| t.code.clone());
            let (value, enterprises) = counted
                .get(&(year, code.clone()))
                .copied()
                .unwrap_or_default();
            cells.push(Cell {
                year,
                town: code,
                value,
                enterprises,
            });
            names.push(match town {
                Some(t) => Text::owned(t.name_zh.clone(), t.name_en.clone()),
                None => Text::new("全市", "Zhongshan"),
            });
        }
    }
    let minimum = DEFAULT_MINIMUM_COUNT;
    let rows = suppress(&cells, minimum)
        .into_iter()
        .zip(names)
        .map(|(published, town_name)| Row {
            year: published.year,
            town: published.town,
            town_name,
            value: published.value,
        })
        .collect();
    Ok(Table {
        years,
        as_of,
        minimum,
        rows,
    })
}

/// `table` as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese names):
/// `year,town_code,town_name,town_name_en,value,suppressed`; the whole city's rows have no
/// town code.
pub(crate) fn csv(dataset: &Dataset, table: &Table) -> String {
    let mut out =
        String::from("\u{feff}year,town_code,town_name,town_name_en,value,unit,suppressed\r\n");
    for row in &table.rows {
        let field = |text: &str| {
            if text.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", text.replace('"', "\"\""))
            } else {
                text.to_owned()
            }
        };
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\r\n",
            row.year.map(|y| y.to_string()).unwrap_or_default(),
            row.town.as_deref().unwrap_or(""),
            field(&row.town_name.zh),
            field(&row.town_name.en),
            row.value.map(|v| v.to_string()).unwrap_or_default(),
            dataset.spec.unit.as_str(),
            row.value.is_none(),
        ));
    }
    out
}
