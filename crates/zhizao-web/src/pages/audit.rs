//! The audit log page.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use zhizao_core::{PageRequest, Timestamp};
use zhizao_identity::audit::AuditFilter;

use super::{AuditRow, Layout, OrPage, Pager, SignedIn, render};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit))
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    entity_type: String,
    #[serde(default)]
    entity_key: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    q: AuditQuery,
    rows: Vec<AuditRow>,
    total: i64,
    pager: Pager,
}

/// Midnight in Shanghai at the start of `date` (`YYYY-MM-DD`), plus `days`.
fn shanghai_midnight(date: &str, days: i64) -> Option<Timestamp> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(date, &format).ok()?;
    let midnight = date
        .midnight()
        .assume_offset(time::UtcOffset::from_hms(8, 0, 0).ok()?);
    Some(Timestamp::from_millis(
        (midnight.unix_timestamp() + days * 86_400) * 1000,
    ))
}

async fn audit(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<AuditQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let non_empty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let filter = AuditFilter {
        actor: non_empty(&query.actor),
        action: non_empty(&query.action),
        entity_type: non_empty(&query.entity_type),
        entity_key: non_empty(&query.entity_key),
        from: shanghai_midnight(&query.from, 0),
        until: shanghai_midnight(&query.until, 1),
    };
    let page = state
        .identity()
        .audit_log(
            &principal,
            &filter,
            PageRequest::new(query.page.unwrap_or(1), 50),
        )
        .await
        .or_page(&context)?;
    let pager = Pager::new(&context.uri, &page);
    let towns = state.registry().towns().await.unwrap_or_default();
    let rows = page
        .items
        .iter()
        .map(|entry| AuditRow::new(entry, t, &towns))
        .collect();
    Ok(render(&AuditPage {
        layout: context.layout("audit"),
        q: query,
        rows,
        total: page.total,
        pager,
    }))
}
