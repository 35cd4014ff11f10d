//! Reports by year, batch, town, industry, size or programme, with growth against the previous
//! year, exports and print styles.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use zhizao_projects::Programme;
use zhizao_projects::reports::{Dimension, ReportFilter};

use super::{sees_projects, yuan};
use crate::AppState;
use crate::pages::{Layout, OrPage, PageError, SignedIn, render};

#[derive(Debug, Default, Deserialize)]
pub(super) struct ReportQuery {
    #[serde(default)]
    by: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    programme: String,
}

pub(super) struct ReportRowView {
    label: String,
    applications: i64,
    projects: i64,
    enterprises: i64,
    investment: String,
    granted: String,
    disbursed: String,
    enterprises_growth: String,
    granted_growth: String,
}

#[derive(Template)]
#[template(path = "projects/report.html")]
pub(super) struct ReportPage {
    layout: Layout,
    query: ReportQuery,
    dimensions: Vec<(&'static str, String)>,
    programmes: Vec<(&'static str, String)>,
    dimension_label: String,
    rows: Vec<ReportRowView>,
    total: ReportRowView,
    export_query: String,
    /// The year typed is not a programme year.
    year_error: String,
}

/// The year a report page asks for: none when blank, an error naming the field when it is not
/// a programme year.
fn chosen_year(text: &str, t: crate::i18n::Tr) -> Result<Option<i64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i64>() {
        Ok(year) if (2000..=2100).contains(&year) => Ok(Some(year)),
        _ => Err(t.year_out_of_range(text)),
    }
}

pub(super) fn growth(value: Option<f64>) -> String {
    value
        .map(|g| format!("{}{g:.1}%", if g > 0.0 { "+" } else { "" }))
        .unwrap_or_default()
}

pub(super) async fn reports(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ReportQuery>,
) -> Result<Response, Response> {
    if !sees_projects(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    let t = context.t();
    let dimension = Dimension::parse(&query.by).unwrap_or(Dimension::Year);
    let (year, year_error) = match chosen_year(&query.year, t) {
        Ok(year) => (year, String::new()),
        Err(error) => (None, error),
    };
    let filter = ReportFilter {
        year,
        programme: query.programme.parse().ok(),
        ..ReportFilter::default()
    };
    let report = state
        .projects()
        .report(&principal, dimension, &filter)
        .await
        .or_page(&context)?;
    let view = |label: String,
                totals: &zhizao_projects::reports::Totals,
                e: Option<f64>,
                g: Option<f64>| ReportRowView {
        label,
        applications: totals.applications,
        projects: totals.projects,
        enterprises: totals.enterprises,
        investment: yuan(totals.investment_fen),
        granted: yuan(totals.granted_fen),
        disbursed: yuan(totals.disbursed_fen),
        enterprises_growth: growth(e),
        granted_growth: growth(g),
    };
    let rows = report
        .rows
        .iter()
        .map(|r| {
            let label = match dimension {
                Dimension::Programme => r
                    .key
                    .parse::<Programme>()
                    .map(|p| t.text(&p.label()).to_owned())
                    .unwrap_or_else(|_| r.label.clone()),
                Dimension::Size if !t.is_zh() => r.key.clone(),
                Dimension::Batch => format!("{} {}", r.key, r.label),
                _ => r.label.clone(),
            };
            view(
                label,
                &r.totals,
                r.enterprises_growth_percent,
                r.granted_growth_percent,
            )
        })
        .collect();
    let total = view(t.total_row().to_owned(), &report.total, None, None);
    let mut export_query = form_urlencoded::Serializer::new(String::new());
    export_query.append_pair("by", dimension.as_str());
    if let Some(year) = year {
        export_query.append_pair("year", &year.to_string());
    }
    if filter.programme.is_some() {
        export_query.append_pair("programme", &query.programme);
    }
    let export_query = export_query.finish();
    let page = ReportPage {
        layout: context.layout("projects"),
        dimensions: Dimension::ALL
            .iter()
            .map(|d| (d.as_str(), t.text(&d.label()).to_owned()))
            .collect(),
        programmes: Programme::ALL
            .iter()
            .map(|p| (p.as_str(), t.text(&p.label()).to_owned()))
            .collect(),
        dimension_label: t.text(&dimension.label()).to_owned(),
        rows,
        total,
        export_query,
        query,
        year_error,
    };
    Ok(render(&page))
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ExportQuery {
    #[serde(default)]
    by: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    programme: String,
    #[serde(default)]
    format: String,
}

/// The report as a spreadsheet, with headers in the page's language; a wrong parameter is a
/// page naming it, never an API problem document in the browser.
pub(super) async fn export(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ExportQuery>,
) -> Result<Response, Response> {
    if !sees_projects(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    let t = context.t();
    let year =
        chosen_year(&query.year, t).map_err(|e| PageError::bad_request(e).render(&context))?;
    let format = match query.format.as_str() {
        "xlsx" | "csv" => query.format.clone(),
        _ => return Err(PageError::bad_request(t.export_format_unknown()).render(&context)),
    };
    let programme = query.programme.trim();
    let api_query = crate::api::projects::ReportQuery {
        by: Some(
            Dimension::parse(&query.by)
                .unwrap_or(Dimension::Year)
                .as_str()
                .to_owned(),
        ),
        year,
        programme: programme
            .parse::<Programme>()
            .ok()
            .map(|p| p.as_str().to_owned()),
        format: Some(format),
        language: Some(t.tag().to_owned()),
        ..Default::default()
    };
    crate::api::projects::report_response(&state, &principal, &api_query)
        .await
        .map_err(|error| PageError::Internal(format!("{error:?}")).render(&context))
}
