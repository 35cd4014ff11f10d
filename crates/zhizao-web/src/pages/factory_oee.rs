//! The factory's OEE page: ISO 22400-2 figures from its machines' own reports, chosen by days,
//! grouping and period on a form that works without JavaScript; the trend and the loss Pareto
//! as charts (vendored ECharts) above tables that say the same.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use zhizao_core::Classified;
use zhizao_factory::oee::TimeModel;
use zhizao_factory::performance::{Bucket, Grouping, OeeReport, OeeRequest};
use zhizao_factory::setup::{Setup, local_day};

use super::{Layout, OrPage, PageError, SignedIn, render};
use crate::AppState;
use crate::i18n::Tr;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/factories/{code}/oee", get(oee_page))
}

/// `?from=&to=&by=&every=` of the page.
#[derive(Debug, Default, Deserialize)]
struct OeeQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    by: Option<String>,
    #[serde(default)]
    every: Option<String>,
}

/// One group's figures, formatted.
struct FigureRow {
    group: String,
    name: String,
    period: String,
    busy_hours: String,
    production_hours: String,
    setup_hours: String,
    down_hours: String,
    delay_hours: String,
    unrecorded_hours: String,
    produced: i64,
    good: i64,
    availability: String,
    effectiveness: String,
    quality: String,
    oee: String,
    utilisation: String,
}

/// One loss reason, formatted.
struct LossRow {
    label: String,
    party: String,
    client: bool,
    hours: String,
    share: String,
    cumulative: String,
}

/// A choice of a select.
struct Choice {
    value: &'static str,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "factories/oee.html")]
struct OeePage {
    layout: Layout,
    code: String,
    name: String,
    from: String,
    to: String,
    groupings: Vec<Choice>,
    buckets: Vec<Choice>,
    problems: Vec<String>,
    setup_version: String,
    total: Option<FigureRow>,
    groups: Vec<FigureRow>,
    rows: Vec<FigureRow>,
    losses: Vec<LossRow>,
    /// (words, codes they name): the codes are shown as they are, untranslated.
    warnings: Vec<(String, String)>,
    data_json: String,
}

fn hours(ms: i64) -> String {
    format!("{:.1}", ms as f64 / 3_600_000.0)
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{:.1}", v * 100.0))
}

fn figure_row(group: &str, name: &str, period: &str, model: &TimeModel) -> FigureRow {
    let figures = model.figures();
    FigureRow {
        group: group.to_owned(),
        name: name.to_owned(),
        period: period.to_owned(),
        busy_hours: hours(model.planned_busy_ms),
        production_hours: hours(model.production_ms),
        setup_hours: hours(model.setup_ms),
        down_hours: hours(model.down_ms),
        delay_hours: hours(model.delay_ms),
        unrecorded_hours: hours(model.unrecorded_ms),
        produced: model.produced,
        good: model.good,
        availability: percent(figures.availability),
        effectiveness: percent(figures.effectiveness),
        quality: percent(figures.quality_rate),
        oee: percent(figures.oee),
        utilisation: percent(figures.utilisation),
    }
}

/// What a group is called: a resource's name, a site's name, a line's code, the platform.
fn group_names(setup: &Setup, grouping: Grouping, t: Tr) -> HashMap<String, String> {
    match grouping {
        Grouping::Resource => setup
            .resources
            .iter()
            .map(|r| (r.code.clone(), r.name.clone()))
            .collect(),
        Grouping::Site => setup
            .sites
            .iter()
            .map(|s| (s.code.clone(), s.name.clone()))
            .collect(),
        Grouping::Line => setup
            .resources
            .iter()
            .map(|r| (r.line.clone(), r.line.clone()))
            .collect(),
        Grouping::Platform => HashMap::from([(String::new(), t.whole_platform().to_owned())]),
    }
}

/// The charts' data for the page's JSON block (`</` escaped): the figures per period over
/// every group, and the losses with their cumulative share.
fn chart_data(report: &OeeReport, losses: &[LossRow], t: Tr) -> String {
    let mut periods: BTreeMap<&str, TimeModel> = BTreeMap::new();
    for row in &report.rows {
        let entry = periods.entry(row.period.as_str()).or_default();
        *entry = *entry + row.model;
    }
    let series = |pick: fn(&zhizao_factory::oee::Figures) -> Option<f64>| -> Vec<Option<f64>> {
        periods
            .values()
            .map(|m| pick(&m.figures()).map(|v| (v * 1000.0).round() / 10.0))
            .collect()
    };
    serde_json::json!({
        "periods": periods.keys().collect::<Vec<_>>(),
        "oee": series(|f| f.oee),
        "availability": series(|f| f.availability),
        "effectiveness": series(|f| f.effectiveness),
        "quality": series(|f| f.quality_rate),
        "labels": [t.oee_label(), t.availability_label(), t.effectiveness_label(), t.quality_rate_label()],
        "losses": losses.iter().map(|l| &l.label).collect::<Vec<_>>(),
        "lossHours": report.losses.iter().map(|l| (l.ms as f64 / 36_000.0).round() / 100.0).collect::<Vec<_>>(),
        "cumulative": losses.iter().map(|l| l.cumulative.parse::<f64>().unwrap_or(0.0)).collect::<Vec<_>>(),
        "hoursLabel": t.loss_hours_label(),
        "cumulativeLabel": t.cumulative_share_label(),
    })
    .to_string()
    .replace("</", "<\\/")
}

async fn oee_page(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    Query(q): Query<OeeQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let factories = state.factories();
    let name = factories.platform_name(&code).await.or_page(&context)?;
    let today = local_day(state.identity().clock().now()).0;
    let parsed = OeeRequest::parse(
        q.from.as_deref(),
        q.to.as_deref(),
        q.by.as_deref(),
        q.every.as_deref(),
        today,
    );
    let (request, problems) = match parsed {
        Ok(request) => (Some(request), Vec::new()),
        Err(error) if !error.field_errors().is_empty() => (
            None,
            error
                .field_errors()
                .iter()
                .map(|e| t.text(&e.message).to_owned())
                .collect(),
        ),
        Err(error) => return Err(PageError::from(error).render(&context)),
    };
    let report = match request {
        Some(request) => Some(
            factories
                .oee(&principal, &code, request)
                .await
                .or_page(&context)?,
        ),
        None => None,
    };
    let grouping = request.map_or(Grouping::Resource, |r| r.grouping);
    let bucket = request.map_or(Bucket::Day, |r| r.bucket);
    let mut page = OeePage {
        layout: context.layout("factories"),
        name,
        from: request.map_or_else(
            || q.from.clone().unwrap_or_default(),
            |r| r.from.to_string(),
        ),
        to: request.map_or_else(|| q.to.clone().unwrap_or_default(), |r| r.to.to_string()),
        groupings: Grouping::ALL
            .iter()
            .map(|g| Choice {
                value: g.as_str(),
                label: t.text(&g.label()).to_owned(),
                selected: *g == grouping,
            })
            .collect(),
        buckets: Bucket::ALL
            .iter()
            .map(|b| Choice {
                value: b.as_str(),
                label: t.text(&b.label()).to_owned(),
                selected: *b == bucket,
            })
            .collect(),
        problems,
        setup_version: String::new(),
        total: None,
        groups: Vec::new(),
        rows: Vec::new(),
        losses: Vec::new(),
        warnings: Vec::new(),
        data_json: String::new(),
        code,
    };
    if let Some((setup, report)) = &report {
        let names = group_names(&setup.setup, grouping, t);
        let name_of = |group: &str| names.get(group).cloned().unwrap_or_default();
        page.setup_version = t.tariff_version(setup.version);
        page.total = Some(figure_row("", t.whole_platform(), "", &report.total));
        page.groups = report
            .groups
            .iter()
            .map(|g| figure_row(&g.group, &name_of(&g.group), "", &g.model))
            .collect();
        page.rows = report
            .rows
            .iter()
            .map(|r| figure_row(&r.group, &name_of(&r.group), &r.period, &r.model))
            .collect();
        let lost: i64 = report.losses.iter().map(|l| l.ms).sum();
        let mut running = 0;
        page.losses = report
            .losses
            .iter()
            .map(|loss| {
                running += loss.ms;
                let share = |ms: i64| {
                    if lost > 0 {
                        format!("{:.1}", ms as f64 * 100.0 / lost as f64)
                    } else {
                        "—".to_owned()
                    }
                };
                LossRow {
                    label: t.text(&OeeReport::loss_label(loss)).to_owned(),
                    party: t.text(&loss.party.label()).to_owned(),
                    client: loss.party == zhizao_factory::setup::LossParty::Client,
                    hours: hours(loss.ms),
                    share: share(loss.ms),
                    cumulative: share(running),
                }
            })
            .collect();
        if !report.resources_without_devices.is_empty() {
            page.warnings.push((
                t.resources_without_devices().to_owned(),
                report.resources_without_devices.join(", "),
            ));
        }
        if !report.unknown_devices.is_empty() {
            page.warnings.push((
                t.unknown_bound_devices().to_owned(),
                report.unknown_devices.join(", "),
            ));
        }
        if !report.unbound_devices.is_empty() {
            page.warnings.push((
                t.unbound_platform_devices().to_owned(),
                report.unbound_devices.join(", "),
            ));
        }
        if report.resets > 0 {
            page.warnings
                .push((t.counter_resets(report.resets), String::new()));
        }
        if report.unknown_states > 0 {
            page.warnings
                .push((t.unknown_states(report.unknown_states), String::new()));
        }
        page.data_json = chart_data(report, &page.losses, t);
    }
    let status = if page.problems.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)).into_response())
}
