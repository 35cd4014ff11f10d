//! One enterprise: its record, recognitions and change history.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use zhizao_core::PageRequest;
use zhizao_identity::policy::{self};
use zhizao_registry::Enterprise;

use super::badges;
use crate::AppState;
use crate::pages::home::grouped;
use crate::pages::{AuditRow, Layout, OrPage, Pager, SignedIn, render};

#[derive(Template)]
#[template(path = "enterprises/detail.html")]
pub(super) struct DetailPage {
    layout: Layout,
    e: Enterprise,
    town: String,
    employees: String,
    revenue: String,
    established_on: String,
    badges: Vec<(&'static str, String)>,
    can_edit: bool,
    can_delete: bool,
    history: Vec<AuditRow>,
    pager: Pager,
}

#[derive(Deserialize)]
pub(super) struct PageQuery {
    page: Option<u32>,
}

pub(super) async fn detail(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let enterprise = state
        .registry()
        .enterprise(&principal, &code)
        .await
        .or_page(&context)?;
    let history = state
        .registry()
        .enterprise_history(
            &principal,
            &code,
            PageRequest::new(query.page.unwrap_or(1), 20),
        )
        .await
        .or_page(&context)?;
    let rights = policy::enterprise_edit_rights(&principal);
    let rows = history
        .items
        .iter()
        .map(|entry| AuditRow::new(entry, t))
        .collect();
    let pager = Pager::new(&context.uri, &history);
    let page = DetailPage {
        layout: context.layout("enterprises"),
        town: t
            .pick(&enterprise.town_name_zh, &enterprise.town_name_en)
            .to_owned(),
        employees: enterprise
            .employees
            .map(grouped)
            .unwrap_or_else(|| "—".to_owned()),
        revenue: enterprise
            .annual_revenue_fen
            .map(|f| f.to_yuan_string())
            .unwrap_or_else(|| "—".to_owned()),
        established_on: enterprise
            .established_on
            .clone()
            .unwrap_or_else(|| "—".to_owned()),
        badges: badges(&enterprise, t),
        can_edit: rights.any(),
        can_delete: policy::may_delete_enterprises(&principal),
        history: rows,
        pager,
        e: enterprise,
    };
    Ok(render(&page))
}
