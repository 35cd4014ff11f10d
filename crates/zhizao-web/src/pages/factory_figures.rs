//! The factory's figures page: a year of its orders per month (placed, confirmed, cancelled,
//! delivered and on time, enterprises served, good pieces, revenue, ratings), printable.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use zhizao_core::Classified;
use zhizao_factory::figures::PeriodFigures;
use zhizao_factory::oee::TimeModel;
use zhizao_factory::setup::local_day;

use super::{Layout, OrPage, PageError, SignedIn, render};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/factories/{code}/figures", get(figures_page))
}

/// `?year=` of the page.
#[derive(Debug, Default, Deserialize)]
struct FiguresQuery {
    #[serde(default)]
    year: Option<String>,
}

/// One row, formatted.
struct Row {
    period: String,
    placed: i64,
    confirmed: i64,
    cancelled: i64,
    deliveries: i64,
    on_time: String,
    /// On time among the deliveries the plant answers for.
    fair_on_time: String,
    late_client: i64,
    clients: i64,
    pieces: String,
    revenue: String,
    rating: String,
    /// The machines' utilisation and OEE, % (months and the year only).
    utilisation: String,
    oee: String,
}

fn row(f: &PeriodFigures) -> Row {
    Row {
        period: f.period.clone(),
        placed: f.placed,
        confirmed: f.confirmed,
        cancelled: f.cancelled,
        deliveries: f.deliveries,
        on_time: f
            .on_time_rate()
            .map_or_else(|| "—".to_owned(), |r| format!("{:.1}", r * 100.0)),
        fair_on_time: f
            .fair_on_time_rate()
            .map_or_else(|| "—".to_owned(), |r| format!("{:.1}", r * 100.0)),
        late_client: f.late_client,
        clients: f.clients_served,
        pieces: crate::dashboard::grouped(f.pieces),
        revenue: f.revenue.to_yuan_string(),
        rating: f
            .mean_rating()
            .map_or_else(|| "—".to_owned(), |r| format!("{r:.2}")),
        utilisation: "—".to_owned(),
        oee: "—".to_owned(),
    }
}

/// Puts the machines' figures of a period on its row; a period no report covers keeps "—".
fn with_machines(mut row: Row, model: Option<&TimeModel>) -> Row {
    let percent = |value: Option<f64>| value.map(|v| format!("{:.1}", v * 100.0));
    if let Some(figures) = model.filter(|m| m.recorded()).map(TimeModel::figures) {
        row.utilisation = percent(figures.utilisation).unwrap_or(row.utilisation);
        row.oee = percent(figures.oee).unwrap_or(row.oee);
    }
    row
}

#[derive(Template)]
#[template(path = "factories/figures.html")]
struct FiguresPage {
    layout: Layout,
    code: String,
    name: String,
    year: String,
    years: Vec<i32>,
    rows: Vec<Row>,
    total: Option<Row>,
    /// Since the first order.
    to_date: Option<Row>,
    /// Each client's year: (name, row).
    clients: Vec<(String, Row)>,
    problems: Vec<String>,
}

async fn figures_page(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    Query(q): Query<FiguresQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let factories = state.factories();
    let name = factories.platform_name(&code).await.or_page(&context)?;
    let this_year = local_day(state.identity().clock().now()).0.year();
    let typed = q.year.unwrap_or_default().trim().to_owned();
    let year = if typed.is_empty() {
        Some(this_year)
    } else {
        typed.parse::<i32>().ok()
    };
    let mut problems = Vec::new();
    let figures = match year {
        None => {
            problems.push(t.text(&t.year_not_understood(&typed)).to_owned());
            None
        }
        Some(year) => match factories.figures(&principal, &code, year).await {
            Ok(figures) => Some(figures),
            Err(error) if !error.field_errors().is_empty() => {
                problems.extend(
                    error
                        .field_errors()
                        .iter()
                        .map(|e| t.text(&e.message).to_owned()),
                );
                None
            }
            Err(error) => return Err(PageError::from(error).render(&context)),
        },
    };
    let machines = match (&figures, year) {
        (Some(_), Some(year)) => factories
            .machine_figures(&principal, &code, year)
            .await
            .or_page(&context)?,
        _ => None,
    };
    let machine_month = |period: &str| {
        machines
            .as_ref()
            .and_then(|m| m.months.iter().find(|r| r.period == period))
            .map(|r| &r.model)
    };
    let status = if problems.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = FiguresPage {
        layout: context.layout("factories"),
        name,
        year: year.map_or(typed, |y| y.to_string()),
        years: (this_year - 9..=this_year).rev().collect(),
        rows: figures
            .as_ref()
            .map(|f| {
                f.months
                    .iter()
                    .map(|m| with_machines(row(m), machine_month(&m.period)))
                    .collect()
            })
            .unwrap_or_default(),
        total: figures
            .as_ref()
            .map(|f| with_machines(row(&f.total), machines.as_ref().map(|m| &m.total))),
        to_date: figures.as_ref().map(|f| row(&f.to_date)),
        clients: figures
            .as_ref()
            .map(|f| {
                f.clients
                    .iter()
                    .map(|c| (c.name.clone(), row(&c.figures)))
                    .collect()
            })
            .unwrap_or_default(),
        problems,
        code,
    };
    Ok((status, render(&page)).into_response())
}
