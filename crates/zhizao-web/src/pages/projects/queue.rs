//! The work queue and list of applications: what waits on whom, and every application the caller
//! may see, filtered and paged.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use zhizao_core::PageRequest;
use zhizao_identity::policy;
use zhizao_projects::workflow::Status;
use zhizao_projects::{ApplicationFilter, ApplicationSort, BatchStatus};

use super::{optional_yuan, sees_projects, status_class, yuan};
use crate::AppState;
use crate::pages::{Layout, OrPage, PageError, Pager, SignedIn, render};

#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    batch: String,
    /// A town's code, from a line of the work queue.
    #[serde(default)]
    town: String,
    /// An enterprise's credit code, from its page.
    #[serde(default)]
    enterprise: String,
    page: Option<u32>,
}

pub(super) struct Row {
    number: String,
    enterprise: String,
    project: String,
    town: String,
    investment: String,
    granted: String,
    status: String,
    status_class: &'static str,
    waiting_days: String,
}

#[derive(Template)]
#[template(path = "projects/list.html")]
pub(super) struct ListPage {
    layout: Layout,
    query: ListQuery,
    /// Each line of the work queue: what waits, how urgent, and the list of it.
    queue: Vec<(String, &'static str, String)>,
    statuses: Vec<(&'static str, String)>,
    batches: Vec<(String, String)>,
    open_batches: Vec<(String, String, String)>,
    rows: Vec<Row>,
    total: i64,
    pager: Pager,
    is_enterprise: bool,
}

pub(super) async fn list(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    if !sees_projects(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    let t = context.t();
    let now = state.identity().clock().now();
    let status = query.status.parse::<Status>().ok();
    // By default the list is the work still moving; "all" shows history too.
    let open_only = status.is_none() && query.status != "all";
    let filter = ApplicationFilter {
        batch: Some(query.batch.clone()).filter(|b| !b.is_empty()),
        town: Some(query.town.clone()).filter(|t| !t.is_empty()),
        enterprise: Some(query.enterprise.clone()).filter(|e| !e.is_empty()),
        status,
        open_only,
        search: Some(query.q.clone()).filter(|q| !q.trim().is_empty()),
        sort: ApplicationSort::OldestWaiting,
        ..ApplicationFilter::default()
    };
    let page = state
        .projects()
        .list_applications(
            &principal,
            &filter,
            PageRequest::new(query.page.unwrap_or(1), 50),
        )
        .await
        .or_page(&context)?;
    let queue = state
        .projects()
        .queue(&principal)
        .await
        .or_page(&context)?
        .into_iter()
        .take(12)
        .map(|line| {
            let urgent = if line.oldest_days(now) >= 7 {
                "warn"
            } else {
                ""
            };
            (
                t.text(&line.sentence(now)).to_owned(),
                urgent,
                format!(
                    "/projects?status={}&town={}",
                    line.status.as_str(),
                    line.town_code
                ),
            )
        })
        .collect();
    let all_batches = state
        .projects()
        .batches(&principal)
        .await
        .or_page(&context)?;
    let today = now.to_shanghai_date_string();
    let open_batches = all_batches
        .iter()
        .filter(|b| {
            b.status == BatchStatus::Published
                && b.opens_on.as_str() <= today.as_str()
                && today.as_str() <= b.closes_on.as_str()
        })
        .map(|b| (b.code.clone(), b.title.clone(), b.closes_on.clone()))
        .collect();
    let rows = page
        .items
        .iter()
        .map(|a| Row {
            number: a.number.clone(),
            enterprise: a.enterprise_name.clone(),
            project: a.project_name.clone(),
            town: a.town_name_zh.clone(),
            investment: yuan(a.total_investment_fen),
            granted: optional_yuan(a.granted_fen),
            status: t.text(&a.status.label()).to_owned(),
            status_class: status_class(a.status),
            waiting_days: a
                .status
                .waiting_on()
                .map(|_| {
                    ((now.as_millis() - a.status_changed_at.as_millis()).max(0) / 86_400_000)
                        .to_string()
                })
                .unwrap_or_default(),
        })
        .collect();
    let pager = Pager::new(&context.uri, &page);
    let page = ListPage {
        layout: context.layout("projects"),
        statuses: Status::ALL
            .iter()
            .map(|s| (s.as_str(), t.text(&s.label()).to_owned()))
            .collect(),
        batches: all_batches
            .iter()
            .map(|b| (b.code.clone(), format!("{} {}", b.code, b.title)))
            .collect(),
        open_batches,
        queue,
        rows,
        total: page.total,
        pager,
        is_enterprise: policy::may_write_applications(&principal),
        query,
    };
    Ok(render(&page))
}
