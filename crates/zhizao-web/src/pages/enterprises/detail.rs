//! One enterprise: its record, recognitions and change history.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use zhizao_core::PageRequest;
use zhizao_identity::policy::{self};
use zhizao_projects::{ApplicationFilter, ApplicationSort};
use zhizao_registry::Enterprise;

use super::badges;
use crate::AppState;
use crate::dashboard::grouped;
use crate::pages::projects::sees_projects;
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
    /// Its technology-upgrade applications, latest first (a few, with a link to all).
    applications: Vec<RecordLink>,
    /// Its major-project applications.
    major: Vec<RecordLink>,
    /// Whether the reader sees projects at all (the section and its link are shown).
    sees_projects: bool,
    /// The reader is this enterprise and has devices: link them.
    own_devices: bool,
}

/// A record linked from the enterprise's page.
pub(super) struct RecordLink {
    href: String,
    number: String,
    title: String,
    status: String,
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
    let towns = state.registry().towns().await.unwrap_or_default();
    let rows = history
        .items
        .iter()
        .map(|entry| AuditRow::new(entry, t, &towns))
        .collect();
    let pager = Pager::new(&context.uri, &history);
    let sees = sees_projects(&principal);
    let mut applications = Vec::new();
    let mut major = Vec::new();
    if sees {
        let filter = ApplicationFilter {
            enterprise: Some(enterprise.credit_code.clone()),
            sort: ApplicationSort::RecentlyChanged,
            ..ApplicationFilter::default()
        };
        let page = state
            .projects()
            .list_applications(&principal, &filter, PageRequest::new(1, 10))
            .await
            .or_page(&context)?;
        applications = page
            .items
            .into_iter()
            .map(|a| RecordLink {
                href: format!("/projects/applications/{}", a.number),
                status: t.text(&a.status.label()).to_owned(),
                number: a.number,
                title: a.project_name,
            })
            .collect();
    }
    if policy::sees_major_projects(&principal) {
        major = state
            .projects()
            .major_applications(&principal, None)
            .await
            .or_page(&context)?
            .into_iter()
            .filter(|m| m.credit_code == enterprise.credit_code)
            .map(|m| RecordLink {
                href: "/major".to_owned(),
                status: t.text(&m.status.label()).to_owned(),
                number: m.number,
                title: m.title,
            })
            .collect();
    }
    let own_devices = policy::telemetry_tenant(&principal) == Some(enterprise.id);
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
        applications,
        major,
        sees_projects: sees,
        own_devices,
        e: enterprise,
    };
    Ok(render(&page))
}
