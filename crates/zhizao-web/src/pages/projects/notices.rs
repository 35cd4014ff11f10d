//! The public notice (公示): what a notice must show, readable without signing in.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use zhizao_projects::UpgradeType;

use super::{optional_yuan, yuan};
use crate::AppState;
use crate::pages::{Layout, OrPage, PageContext, render};

pub(super) struct NoticeRow {
    number: String,
    batch: String,
    enterprise: String,
    town: String,
    project: String,
    upgrade_type: String,
    investment: String,
    subsidy: String,
    period: String,
}

#[derive(Template)]
#[template(path = "projects/notices.html")]
pub(super) struct NoticesPage {
    layout: Layout,
    rows: Vec<NoticeRow>,
}

/// The public notice: no sign-in, only what a notice must show.
pub(super) async fn notices(
    State(state): State<AppState>,
    context: PageContext,
) -> Result<Response, Response> {
    let t = context.t();
    let rows = state
        .projects()
        .public_notices()
        .await
        .or_page(&context)?
        .into_iter()
        .map(|n| NoticeRow {
            number: n.number,
            batch: n.batch_title,
            enterprise: n.enterprise_name,
            town: n.town_name_zh,
            project: n.project_name,
            upgrade_type: n
                .upgrade_type
                .parse::<UpgradeType>()
                .map(|u| t.text(&u.label()).to_owned())
                .unwrap_or_default(),
            investment: yuan(n.total_investment_fen),
            subsidy: optional_yuan(n.proposed_subsidy_fen),
            period: format!(
                "{} — {}",
                n.notice_starts_at.to_shanghai_date_string(),
                n.notice_ends_at
                    .map(|e| e.to_shanghai_date_string())
                    .unwrap_or_default()
            ),
        })
        .collect();
    let page = NoticesPage {
        layout: context.layout("notices"),
        rows,
    };
    Ok(render(&page))
}
