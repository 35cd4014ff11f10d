//! The start page: live figures over what the user can see.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use zhizao_core::Fen;
use zhizao_registry::{RecognitionKind, RecognitionLevel};

use super::{Layout, OrPage, SignedIn, render, role_label};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

struct RecognitionRow {
    kind: &'static str,
    label: String,
    national: i64,
    provincial: i64,
    city: i64,
}

struct CountRow {
    code: String,
    name: String,
    count: i64,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    organization_name: String,
    role_label: String,
    stats: zhizao_registry::RegistryStatistics,
    employees: String,
    revenue_yi: String,
    recognition_rows: Vec<RecognitionRow>,
    towns: Vec<CountRow>,
    divisions: Vec<CountRow>,
}

/// Groups digits in threes.
pub(crate) fn grouped(value: i64) -> String {
    let text = Fen::new(value * 100).to_yuan_string();
    text.trim_end_matches(".00").to_owned()
}

async fn home(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    let t = context.t();
    let stats = state
        .registry()
        .statistics(&principal)
        .await
        .or_page(&context)?;
    let count = |kind: RecognitionKind, level: RecognitionLevel| {
        stats
            .recognitions
            .iter()
            .find(|(k, l, _)| k == kind.as_str() && l == level.as_str())
            .map_or(0, |(_, _, n)| *n)
    };
    let recognition_rows = RecognitionKind::ALL
        .iter()
        .map(|&kind| RecognitionRow {
            kind: kind.as_str(),
            label: t.text(&kind.label()).to_owned(),
            national: count(kind, RecognitionLevel::National),
            provincial: count(kind, RecognitionLevel::Provincial),
            city: count(kind, RecognitionLevel::City),
        })
        .collect();
    // 亿元 (100 M yuan) with two decimals, from integer fen.
    let revenue_yi = format!("{:.2}", stats.revenue_fen.get() as f64 / 10_000_000_000.0);
    let towns = stats
        .by_town
        .iter()
        .map(|(code, zh, en, n)| CountRow {
            code: code.clone(),
            name: t.pick(zh, en).to_owned(),
            count: *n,
        })
        .collect();
    let divisions = stats
        .by_division
        .iter()
        .map(|(code, zh, en, n)| CountRow {
            code: code.clone(),
            name: t.pick(zh, en.as_deref().unwrap_or("")).to_owned(),
            count: *n,
        })
        .collect();
    let page = HomePage {
        layout: context.layout("home"),
        organization_name: principal.organization_name.clone(),
        role_label: role_label(principal.role, t),
        employees: grouped(stats.employees),
        revenue_yi,
        recognition_rows,
        towns,
        divisions,
        stats,
    };
    Ok(render(&page))
}
