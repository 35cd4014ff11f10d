//! The city's dashboard (`/dashboard`): a tile per figure with its trend and definition, a tile
//! map of the towns coloured by any figure, drill-down by year and town, a wall display that
//! refreshes itself, printing and an `.xlsx` export.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use zhizao_core::{Figure, FigureFilter, FigureUnit};

use super::{Layout, OrPage, PageError, SignedIn, render};
use crate::AppState;
use crate::dashboard::{Dashboard, compact, compose, display, drill_down};
use crate::i18n::Tr;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/dashboard.xlsx", get(export))
}

/// Zhongshan's 23 current towns on a grid roughly as they lie on the map (north up), for the
/// tile map: (town code, column, row).
pub(crate) const TOWN_TILES: &[(&str, u8, u8)] = &[
    ("442000111", 1, 0), // 南头
    ("442000101", 2, 0), // 黄圃
    ("442000109", 3, 0), // 三角
    ("442000105", 0, 1), // 古镇
    ("442000118", 1, 1), // 小榄
    ("442000103", 2, 1), // 东凤
    ("442000112", 3, 1), // 阜沙
    ("442000007", 4, 1), // 民众
    ("442000110", 0, 2), // 横栏
    ("442000108", 2, 2), // 港口
    ("442000003", 4, 2), // 火炬
    ("442000116", 0, 3), // 大涌
    ("442000106", 1, 3), // 沙溪
    ("442000004", 2, 3), // 西区
    ("442000001", 3, 3), // 石岐
    ("442000002", 4, 3), // 东区
    ("442000008", 5, 3), // 南朗
    ("442000115", 1, 4), // 板芙
    ("442000005", 2, 4), // 南区
    ("442000006", 3, 4), // 五桂山
    ("442000117", 1, 5), // 神湾
    ("442000114", 2, 5), // 三乡
    ("442000107", 3, 5), // 坦洲
];

/// `?year=&town=&map=&wall=`.
#[derive(Debug, Default, Deserialize)]
struct DashboardQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    town: String,
    /// The figure the map is coloured by.
    #[serde(default)]
    map: String,
    /// `1` for the wall display.
    #[serde(default)]
    wall: String,
}

impl DashboardQuery {
    fn filter(&self) -> Result<FigureFilter, PageError> {
        let year = match self.year.trim() {
            "" => None,
            year => Some(
                year.parse::<i32>()
                    .map_err(|_| PageError::BadRequest(crate::i18n::dashboard::bad_year(year)))?,
            ),
        };
        let town = Some(self.town.trim().to_owned()).filter(|t| !t.is_empty());
        Ok(FigureFilter { year, town })
    }

    /// The query string for `filter`, keeping the map and the wall display.
    fn link(&self, year: Option<i32>, town: Option<&str>) -> String {
        let mut parts = Vec::new();
        if let Some(year) = year {
            parts.push(format!("year={year}"));
        }
        if let Some(town) = town {
            parts.push(format!("town={town}"));
        }
        if !self.map.is_empty() {
            parts.push(format!(
                "map={}",
                form_urlencoded::byte_serialize(self.map.as_bytes()).collect::<String>()
            ));
        }
        if self.wall == "1" {
            parts.push("wall=1".to_owned());
        }
        format!("/dashboard?{}", parts.join("&"))
    }
}

struct BarView {
    height: u32,
    title: String,
    href: String,
    current: bool,
}

struct TileView {
    key: &'static str,
    label: String,
    value: String,
    definition: String,
    records: Option<String>,
    bars: Vec<BarView>,
}

struct SectionView {
    key: &'static str,
    title: String,
    tiles: Vec<TileView>,
}

struct TownView {
    code: String,
    name: String,
    column: u8,
    row: u8,
    value: String,
    /// 0 (none) to 5 (the most).
    shade: u8,
    href: String,
    selected: bool,
    /// Within the reader's scope (else shown without a value or a link).
    in_scope: bool,
}

#[derive(Template)]
#[template(path = "dashboard/page.html")]
struct DashboardPage {
    layout: Layout,
    wall: bool,
    as_of: String,
    scope: String,
    year: Option<i32>,
    town: String,
    towns: Vec<(String, String)>,
    years: Vec<i32>,
    town_picker: bool,
    sections: Vec<SectionView>,
    map_key: String,
    map_label: String,
    map_choices: Vec<(&'static str, String)>,
    map: Vec<TownView>,
    whole_city: String,
    export_href: String,
    wall_href: String,
}

fn tile(t: Tr, figure: &Figure, query: &DashboardQuery, filter: &FigureFilter) -> TileView {
    let language = t.0;
    let top = figure.by_year.iter().map(|(_, v)| *v).max().unwrap_or(0);
    let bars = figure
        .by_year
        .iter()
        .map(|(year, value)| BarView {
            height: if top > 0 {
                u32::try_from((value * 100 / top).clamp(2, 100)).unwrap_or(2)
            } else {
                2
            },
            title: t.dashboard_bar_title(*year, &display(figure.unit, *value, language)),
            href: query.link(Some(*year), filter.town.as_deref()),
            current: filter.year == Some(*year),
        })
        .collect();
    TileView {
        key: figure.key,
        label: t.text(&figure.label).to_owned(),
        value: display(figure.unit, figure.value, language),
        definition: t.text(&figure.definition).to_owned(),
        records: drill_down(figure.key, filter),
        bars,
    }
}

async fn dashboard(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let filter = query.filter().or_page(&context)?;
    let board = compose(&state, &principal, filter.clone())
        .await
        .or_page(&context)?;
    let town_name = |code: &str| {
        board
            .towns
            .iter()
            .find(|t| t.code == code)
            .map(|town| t.pick(&town.name_zh, &town.name_en).to_owned())
            .unwrap_or_else(|| code.to_owned())
    };
    let map_key = board
        .figure(query.map.trim())
        .map(|f| f.key)
        .unwrap_or("registry.enterprises");
    let map_figure = board.figure(map_key);
    let top = map_figure
        .map(|f| f.by_town.iter().map(|(_, v)| *v).max().unwrap_or(0))
        .unwrap_or(0);
    let own_town = principal.town_code.clone();
    let map = TOWN_TILES
        .iter()
        .map(|(code, column, row)| {
            let value = map_figure
                .and_then(|f| f.by_town.iter().find(|(c, _)| c == code))
                .map_or(0, |(_, v)| *v);
            let selected = filter.town.as_deref() == Some(*code);
            // A town's staff see their own town; the others are outside their scope, not 0.
            let in_scope = own_town.as_deref().is_none_or(|own| own == *code);
            // Narrowed to one town, the others were not counted: shown without a value, still a
            // link to drill into them instead.
            let counted = filter.town.is_none() || selected;
            TownView {
                in_scope,
                code: (*code).to_owned(),
                name: town_name(code),
                column: column + 1,
                row: row + 1,
                value: map_figure
                    .filter(|_| counted)
                    .map_or_else(String::new, |f| compact(f.unit, value, t.0)),
                shade: if top > 0 && value > 0 {
                    u8::try_from(1 + value * 4 / top).unwrap_or(5)
                } else {
                    0
                },
                href: if selected {
                    query.link(filter.year, None)
                } else {
                    query.link(filter.year, Some(code))
                },
                selected,
            }
        })
        .collect();
    let scope = match (&filter.town, &own_town) {
        (Some(code), _) | (None, Some(code)) => town_name(code),
        (None, None) => t.dashboard_whole_city().to_owned(),
    };
    let wall = query.wall == "1";
    let mut export = vec![];
    if let Some(year) = filter.year {
        export.push(format!("year={year}"));
    }
    if let Some(town) = &filter.town {
        export.push(format!("town={town}"));
    }
    let page = DashboardPage {
        layout: context.layout("dashboard"),
        wall,
        as_of: t.dashboard_as_of(&board.as_of.to_shanghai_string()),
        scope,
        year: filter.year,
        town: filter.town.clone().unwrap_or_default(),
        towns: TOWN_TILES
            .iter()
            .map(|(code, _, _)| ((*code).to_owned(), town_name(code)))
            .collect(),
        years: board.years.clone().rev().collect(),
        town_picker: own_town.is_none(),
        map_key: map_key.to_owned(),
        map_label: map_figure.map_or_else(String::new, |f| t.text(&f.label).to_owned()),
        map_choices: board
            .sections
            .iter()
            .flat_map(|s| &s.figures)
            .map(|f| (f.key, t.text(&f.label).to_owned()))
            .collect(),
        map,
        sections: board
            .sections
            .iter()
            .map(|s| SectionView {
                key: s.key,
                title: t.text(&s.title).to_owned(),
                tiles: s
                    .figures
                    .iter()
                    .map(|f| tile(t, f, &query, &filter))
                    .collect(),
            })
            .collect(),
        whole_city: t.dashboard_whole_city().to_owned(),
        export_href: format!("/dashboard.xlsx?{}", export.join("&")),
        wall_href: if wall {
            DashboardQuery {
                wall: String::new(),
                ..query
            }
            .link(filter.year, filter.town.as_deref())
        } else {
            DashboardQuery {
                wall: "1".into(),
                ..query
            }
            .link(filter.year, filter.town.as_deref())
        },
    };
    Ok(render(&page))
}

/// The dashboard as a workbook: the figures, their trends by year and their spread over the
/// towns, each sheet headed in the reader's language.
async fn export(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let filter = query.filter().or_page(&context)?;
    let board = compose(&state, &principal, filter)
        .await
        .or_page(&context)?;
    let towns: Vec<(String, String)> = board
        .towns
        .iter()
        .map(|town| {
            (
                town.code.clone(),
                t.pick(&town.name_zh, &town.name_en).to_owned(),
            )
        })
        .collect();
    let bytes = tokio::task::spawn_blocking(move || workbook(&board, &towns, t))
        .await
        .map_err(|error| PageError::Internal(error.to_string()).render(&context))?
        .map_err(|error| PageError::Internal(error.to_string()).render(&context))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                header::HeaderValue::from_static(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
            ),
            (
                header::CONTENT_DISPOSITION,
                crate::api::content_disposition(
                    false,
                    &format!("{}.xlsx", t.dashboard_title()),
                    "dashboard.xlsx",
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Money goes into the workbook in yuan, as a number Excel can sum.
fn cell_value(unit: FigureUnit, value: i64) -> f64 {
    match unit {
        FigureUnit::Count => value as f64,
        FigureUnit::Fen => value as f64 / 100.0,
    }
}

fn workbook(
    board: &Dashboard,
    towns: &[(String, String)],
    t: Tr,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let unit = |u: FigureUnit| u.label().get(t.0).to_owned();
    let bold = Format::new().set_bold();
    let mut book = Workbook::new();
    let figures: Vec<(&str, &Figure)> = board
        .sections
        .iter()
        .flat_map(|s| s.figures.iter().map(move |f| (t.text(&s.title), f)))
        .collect();

    let sheet = book.add_worksheet();
    sheet.set_name(t.dashboard_figure())?;
    let scope = match (&board.filter.town, board.filter.year) {
        (Some(town), Some(year)) => format!("{town} · {year}"),
        (Some(town), None) => town.clone(),
        (None, Some(year)) => year.to_string(),
        (None, None) => t.dashboard_whole_city().to_owned(),
    };
    sheet.write_string_with_format(0, 0, t.dashboard_title(), &bold)?;
    sheet.write_string(
        0,
        1,
        format!(
            "{} · {}",
            scope,
            t.dashboard_as_of(&board.as_of.to_shanghai_string())
        ),
    )?;
    for (column, heading) in [
        t.dashboard_module(),
        t.dashboard_figure(),
        t.dashboard_value(),
        t.dashboard_unit(),
        t.dashboard_definition(),
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(2, column as u16, *heading, &bold)?;
    }
    for (row, (module, figure)) in figures.iter().enumerate() {
        let row = row as u32 + 3;
        sheet.write_string(row, 0, *module)?;
        sheet.write_string(row, 1, t.text(&figure.label))?;
        sheet.write_number(row, 2, cell_value(figure.unit, figure.value))?;
        sheet.write_string(row, 3, unit(figure.unit))?;
        sheet.write_string(row, 4, t.text(&figure.definition))?;
    }
    sheet.set_column_width(1, 24)?;
    sheet.set_column_width(2, 16)?;
    sheet.set_column_width(4, 60)?;

    let sheet = book.add_worksheet();
    sheet.set_name(t.dashboard_trend())?;
    sheet.write_string_with_format(0, 0, t.dashboard_figure(), &bold)?;
    for (column, year) in board.years.clone().enumerate() {
        sheet.write_number_with_format(0, column as u16 + 1, f64::from(year), &bold)?;
    }
    for (row, (_, figure)) in figures.iter().enumerate() {
        let row = row as u32 + 1;
        sheet.write_string(row, 0, t.text(&figure.label))?;
        for (column, year) in board.years.clone().enumerate() {
            if figure.by_year.is_empty() {
                continue;
            }
            let value = figure
                .by_year
                .iter()
                .find(|(y, _)| *y == year)
                .map_or(0, |(_, v)| *v);
            sheet.write_number(row, column as u16 + 1, cell_value(figure.unit, value))?;
        }
    }
    sheet.set_column_width(0, 24)?;

    let sheet = book.add_worksheet();
    sheet.set_name(t.dashboard_map())?;
    sheet.write_string_with_format(0, 0, t.dashboard_town(), &bold)?;
    for (column, (_, figure)) in figures.iter().enumerate() {
        sheet.write_string_with_format(0, column as u16 + 1, t.text(&figure.label), &bold)?;
    }
    let mut row = 1;
    for (code, name) in towns {
        let values: Vec<Option<i64>> = figures
            .iter()
            .map(|(_, f)| f.by_town.iter().find(|(c, _)| c == code).map(|(_, v)| *v))
            .collect();
        if values.iter().all(Option::is_none) {
            continue;
        }
        sheet.write_string(row, 0, name)?;
        for (column, ((_, figure), value)) in figures.iter().zip(values).enumerate() {
            sheet.write_number(
                row,
                column as u16 + 1,
                cell_value(figure.unit, value.unwrap_or(0)),
            )?;
        }
        row += 1;
    }
    sheet.set_column_width(0, 16)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::TOWN_TILES;

    #[test]
    fn every_current_town_has_one_tile_and_no_two_share_a_cell() {
        let towns = include_str!("../../../zhizao-registry/data/towns_zhongshan.csv");
        let current: std::collections::BTreeSet<&str> = towns
            .lines()
            .skip(1)
            .filter(|line| line.split(',').nth(5).is_some_and(str::is_empty))
            .filter_map(|line| line.split(',').next())
            .collect();
        let tiled: std::collections::BTreeSet<&str> =
            TOWN_TILES.iter().map(|(code, _, _)| *code).collect();
        assert_eq!(tiled, current);
        assert_eq!(tiled.len(), TOWN_TILES.len(), "a town twice");
        let cells: std::collections::BTreeSet<(u8, u8)> =
            TOWN_TILES.iter().map(|(_, c, r)| (*c, *r)).collect();
        assert_eq!(cells.len(), TOWN_TILES.len(), "two towns in one cell");
    }
}
