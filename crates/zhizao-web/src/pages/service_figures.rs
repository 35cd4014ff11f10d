//! Service platforms' figures: one platform's years (its staff and the city) and every
//! platform's year side by side against the demonstration-platform thresholds (the city), each
//! shortfall named.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use zhizao_services::PlatformYear;
use zhizao_services::figures::percent;

use super::{Layout, OrPage, SignedIn, render};
use crate::AppState;
use crate::i18n::Tr;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/platforms/{code}/figures", get(platform_years))
        .route("/service-figures", get(compare))
}

/// A year as a row shows it.
struct YearView {
    year: i32,
    requests: i64,
    factory_orders: i64,
    served: i64,
    contracts: i64,
    value: String,
    completed: i64,
    on_time: String,
    ratings: i64,
    mean: String,
    satisfaction: String,
    free: String,
    shortfalls: Vec<String>,
    vouchers: String,
    served_short: bool,
    satisfaction_short: bool,
    free_short: bool,
}

fn year_view(t: Tr, y: &PlatformYear) -> YearView {
    let share = |per_mille: Option<i64>| per_mille.map(percent).unwrap_or_else(|| "—".into());
    YearView {
        year: y.year,
        requests: y.requests,
        factory_orders: y.factory_orders,
        served: y.served,
        contracts: y.contracts,
        value: t.price_yuan(&y.contract_value.to_yuan_string()),
        completed: y.completed,
        on_time: share(y.on_time_per_mille()),
        ratings: y.ratings,
        mean: y
            .mean_rating_tenths()
            .map(|m| format!("{}.{}", m / 10, m % 10))
            .unwrap_or_else(|| "—".into()),
        satisfaction: share(y.satisfaction_per_mille()),
        free: share(y.free_per_mille()),
        shortfalls: y
            .shortfalls()
            .iter()
            .map(|s| t.text(s).to_owned())
            .collect(),
        vouchers: t.price_yuan(&y.vouchers_redeemed.to_yuan_string()),
        served_short: y.served < zhizao_services::figures::MIN_SERVED,
        satisfaction_short: y
            .satisfaction_per_mille()
            .is_none_or(|s| s < zhizao_services::figures::MIN_SATISFACTION_PER_MILLE),
        free_short: y
            .free_per_mille()
            .is_none_or(|s| s < zhizao_services::figures::MIN_FREE_PER_MILLE),
    }
}

#[derive(Template)]
#[template(path = "platforms/figures.html")]
struct YearsPage {
    layout: Layout,
    code: String,
    name: String,
    years: Vec<YearView>,
}

async fn platform_years(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, Response> {
    let t = context.t();
    let services = state.services();
    let years = services
        .platform_figures(&principal, &code)
        .await
        .or_page(&context)?;
    let profile = services.platform(&code).await.or_page(&context)?;
    let page = YearsPage {
        layout: context.layout("platforms"),
        code: profile.code,
        name: profile.name,
        years: years.iter().rev().map(|y| year_view(t, y)).collect(),
    };
    Ok(render(&page))
}

/// `?year=`.
#[derive(Debug, Default, Deserialize)]
struct YearQuery {
    #[serde(default)]
    year: String,
}

#[derive(Template)]
#[template(path = "platforms/compare.html")]
struct ComparePage {
    layout: Layout,
    year: i32,
    years: Vec<i32>,
    /// (code, name, figures)
    rows: Vec<(String, String, YearView)>,
    meeting: usize,
}

async fn compare(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<YearQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let this_year: i32 = state.services().now().to_shanghai_date_string()[..4]
        .parse()
        .unwrap_or(2026);
    let year = query
        .year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=this_year).contains(y))
        .unwrap_or(this_year);
    let rows = state
        .services()
        .figures_of_year(&principal, year)
        .await
        .or_page(&context)?;
    let rows: Vec<(String, String, YearView)> = rows
        .iter()
        .map(|(code, name, y)| (code.clone(), name.clone(), year_view(t, y)))
        .collect();
    let page = ComparePage {
        layout: context.layout("platforms"),
        meeting: rows.iter().filter(|r| r.2.shortfalls.is_empty()).count(),
        year,
        years: (this_year - 4..=this_year).rev().collect(),
        rows,
    };
    Ok(render(&page))
}
