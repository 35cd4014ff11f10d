//! The registry's list: search, filters and paging, with the filtered list exported to .xlsx or
//! .csv.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use zhizao_core::{Language, PageRequest};
use zhizao_identity::Principal;
use zhizao_identity::policy::{self};
use zhizao_registry::{EnterpriseFilter, EnterpriseSort, ExportFormat, SizeFilter};

use super::{badges, kind_options, level_options, money, town_options};
use crate::AppState;
use crate::dashboard::grouped;
use crate::pages::{Layout, OrPage, PageContext, Pager, SignedIn, query_without_paging, render};

/// The list's filters, as the query string carries them.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    size: String,
    #[serde(default)]
    recognition_kind: String,
    #[serde(default)]
    recognition_level: String,
    #[serde(default)]
    sort: String,
    page: Option<u32>,
}

impl ListQuery {
    /// The filter; unknown values are ignored rather than refused (links are hand-edited).
    fn filter(&self) -> EnterpriseFilter {
        let non_empty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        EnterpriseFilter {
            search: non_empty(&self.q),
            town: non_empty(&self.town),
            industry: non_empty(&self.industry),
            size: match self.size.as_str() {
                "above" => Some(SizeFilter::AboveDesignated),
                "below" => Some(SizeFilter::BelowDesignated),
                _ => None,
            },
            recognition_kind: self.recognition_kind.parse().ok(),
            recognition_level: self.recognition_level.parse().ok(),
            sort: EnterpriseSort::parse(&self.sort).unwrap_or_default(),
        }
    }
}

pub(super) struct Row {
    credit_code: String,
    name: String,
    town: String,
    industry_code: String,
    industry_name: String,
    above: bool,
    employees: String,
    revenue: String,
    badges: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "enterprises/list.html")]
pub(super) struct ListPage {
    layout: Layout,
    query: ListQuery,
    export_query: String,
    towns: Vec<(String, String)>,
    industries: Vec<(String, String)>,
    kinds: Vec<(&'static str, String)>,
    levels: Vec<(&'static str, String)>,
    sorts: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    total: i64,
    pager: Pager,
    can_register: bool,
    can_import: bool,
    /// A filter beyond the search is chosen (the folded filters of a phone stay open).
    filters_active: bool,
}

pub(super) async fn list(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let page_request = PageRequest::new(query.page.unwrap_or(1), 50);
    let page = state
        .registry()
        .list_enterprises(&principal, &query.filter(), page_request)
        .await
        .or_page(&context)?;
    let towns = town_options(&state, t, true).await.or_page(&context)?;
    let mut industries = Vec::new();
    for division in state
        .registry()
        .industries(Some("division"), None)
        .await
        .or_page(&context)?
    {
        let name = t
            .pick(&division.name_zh, division.name_en.as_deref().unwrap_or(""))
            .to_owned();
        industries.push((division.code.clone(), format!("{} {name}", division.code)));
        for group in state
            .registry()
            .industries(Some("group"), Some(&division.code))
            .await
            .or_page(&context)?
        {
            industries.push((
                group.code.clone(),
                format!("\u{a0}\u{a0}{} {}", group.code, group.name_zh),
            ));
        }
    }
    let rows = page
        .items
        .iter()
        .map(|e| Row {
            credit_code: e.credit_code.clone(),
            name: e.name.clone(),
            town: t.pick(&e.town_name_zh, &e.town_name_en).to_owned(),
            industry_code: e.industry_code.clone(),
            industry_name: e.industry_name_zh.clone(),
            above: e.above_designated_size,
            employees: e.employees.map(grouped).unwrap_or_default(),
            revenue: money(e.annual_revenue_fen),
            badges: badges(e, t),
        })
        .collect();
    let pager = Pager::new(&context.uri, &page);
    let list = ListPage {
        layout: context.layout("enterprises"),
        export_query: query_without_paging(&context.uri),
        towns,
        industries,
        kinds: kind_options(t),
        levels: level_options(t),
        sorts: vec![
            ("name", t.sort_name()),
            ("credit_code", t.sort_code()),
            ("-revenue", t.sort_revenue()),
            ("-employees", t.sort_employees()),
            ("-updated", t.sort_updated()),
        ],
        rows,
        total: page.total,
        pager,
        can_register: policy::may_register_enterprises(&principal),
        can_import: policy::may_import_enterprises(&principal),
        filters_active: [
            &query.town,
            &query.industry,
            &query.size,
            &query.recognition_kind,
            &query.recognition_level,
        ]
        .iter()
        .any(|v| !v.is_empty()),
        query,
    };
    Ok(render(&list))
}

pub(super) async fn export(
    state: AppState,
    context: PageContext,
    principal: Principal,
    query: ListQuery,
    format: ExportFormat,
) -> Result<Response, Response> {
    let language: Language = context.language;
    crate::api::export_response(&state, &principal, &query.filter(), format, language)
        .await
        .or_page(&context)
}

pub(super) async fn export_xlsx(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    export(state, context, principal, query, ExportFormat::Xlsx).await
}

pub(super) async fn export_csv(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    export(state, context, principal, query, ExportFormat::Csv).await
}
