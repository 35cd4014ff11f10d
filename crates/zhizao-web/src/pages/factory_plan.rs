//! The planner's page: the factory's plan versions with their figures, a Gantt chart of one
//! version per resource (with tables that work without JavaScript), each order's lateness
//! against its promise, and the staff's forms to plan again (with pins typed one a line) and to
//! publish a version.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zhizao_core::{Classified, FieldError, Text};
use zhizao_factory::planning::Outage;
use zhizao_factory::{Pin, Plan, PlanStatus};
use zhizao_identity::policy;

use super::{
    FormFields, Layout, OrPage, PageContext, PageError, PageForm, SignedIn, notice_query, render,
};
use crate::AppState;
use crate::i18n::{Tr, both_with};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/factories/{code}/plan", get(plan_page).post(make_plan))
        .route(
            "/factories/{code}/plan/{version}/publish",
            post(publish_plan),
        )
}

/// `?version=` of the page.
#[derive(Debug, Default, Deserialize)]
struct PlanQuery {
    #[serde(default)]
    version: Option<i64>,
}

/// A version as a row: (version, status key, status label, created, by, operations, late
/// orders, tardiness hours, utilisation %, moved, selected).
type VersionRow = (
    i64,
    &'static str,
    String,
    String,
    String,
    usize,
    usize,
    String,
    String,
    String,
    bool,
);

/// An operation as a row: (order, lot, step, step name, start, end, fixed).
type OperationRow = (String, usize, usize, String, String, String, bool);

/// How an order fares in the shown plan.
struct OutcomeRow {
    order: String,
    family: String,
    pieces: i64,
    promised: String,
    planned_end: String,
    late_hours: String,
    /// When the plan may start it while the client's material is not in ("" once in).
    material_awaited: String,
}

#[derive(Template)]
#[template(path = "factories/plan.html")]
struct PlanPage {
    layout: Layout,
    code: String,
    name: String,
    runs_it: bool,
    versions: Vec<VersionRow>,
    latest: String,
    published: String,
    /// The version shown.
    shown: Option<i64>,
    shown_label: String,
    shown_is_draft: bool,
    outcomes: Vec<OutcomeRow>,
    /// (resource, [(order, lot, step, step name, start, end, fixed)])
    by_resource: Vec<(String, Vec<OperationRow>)>,
    data_json: String,
    pins: String,
    outages: String,
    /// The shown plan's outages: (resource, start, end, reason).
    shown_outages: Vec<(String, String, String, String)>,
    problems: Vec<String>,
}

fn hours(minutes: i64) -> String {
    format!("{:.1}", minutes as f64 / 60.0)
}

/// The Gantt chart's data for the page's JSON block (`</` escaped).
fn chart_data(plan: &Plan, now: zhizao_core::Timestamp, t: Tr, can_pin: bool) -> String {
    let mut resources: Vec<&str> = plan
        .body
        .operations
        .iter()
        .map(|o| o.resource.as_str())
        .collect();
    resources.dedup();
    let ops: Vec<serde_json::Value> = plan
        .body
        .operations
        .iter()
        .map(|o| {
            serde_json::json!([
                resources.iter().position(|r| *r == o.resource).unwrap_or(0),
                o.start.as_millis(),
                o.end.as_millis(),
                o.order,
                o.lot,
                o.step,
                u8::from(o.fixed),
                o.setup_minutes,
                o.step_name,
            ])
        })
        .collect();
    let from = plan
        .body
        .operations
        .iter()
        .map(|o| o.start.as_millis())
        .min()
        .unwrap_or(now.as_millis());
    serde_json::json!({
        "resources": resources,
        "ops": ops,
        "now": now.as_millis(),
        "from": from.min(now.as_millis()),
        "lot": t.lot_label(),
        "step": t.step_label(),
        "setup": t.changeover_label(),
        "fixed": t.fixed_label(),
        "nowLabel": t.now_label(),
        "canPin": can_pin,
        "pinAdded": t.pin_added(),
    })
    .to_string()
    .replace("</", "<\\/")
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    context: &PageContext,
    principal: &zhizao_identity::Principal,
    code: String,
    version: Option<i64>,
    (pins, outages): (String, String),
    errors: Vec<FieldError>,
) -> Result<Response, Response> {
    let t = context.t();
    let factories = state.factories();
    let name = factories.platform_name(&code).await.or_page(context)?;
    let plans = factories.plans(principal, &code).await.or_page(context)?;
    let runs_it = principal.organization_code == code.trim()
        && policy::may_run_factory(principal, principal.organization_id);
    let shown_version = version.or_else(|| plans.first().map(|p| p.version));
    let shown = match shown_version {
        Some(v) => Some(factories.plan(principal, &code, v).await.or_page(context)?),
        None => None,
    };
    let now = state.identity().clock().now();
    let versions = plans
        .iter()
        .map(|p| {
            let f = &p.body.figures;
            (
                p.version,
                p.status.as_str(),
                t.text(&p.status.label()).to_owned(),
                p.created_at.to_shanghai_string(),
                p.created_by.clone(),
                f.operations,
                f.late_orders,
                hours(f.total_tardiness_minutes),
                format!("{:.1}", f.utilisation_per_mille as f64 / 10.0),
                f.moved.map(|m| m.to_string()).unwrap_or_default(),
                Some(p.version) == shown_version,
            )
        })
        .collect();
    let mut by_resource: Vec<(String, Vec<OperationRow>)> = Vec::new();
    if let Some(plan) = &shown {
        for o in &plan.body.operations {
            let row = (
                o.order.clone(),
                o.lot,
                o.step,
                o.step_name.clone(),
                o.start.to_shanghai_string(),
                o.end.to_shanghai_string(),
                o.fixed,
            );
            match by_resource.last_mut() {
                Some((resource, rows)) if *resource == o.resource => rows.push(row),
                _ => by_resource.push((o.resource.clone(), vec![row])),
            }
        }
    }
    let page = PlanPage {
        layout: context.layout("factories"),
        name,
        runs_it,
        latest: plans
            .first()
            .map(|p| p.version.to_string())
            .unwrap_or_default(),
        published: plans
            .iter()
            .find(|p| p.status == PlanStatus::Published)
            .map(|p| p.version.to_string())
            .unwrap_or_default(),
        versions,
        shown: shown.as_ref().map(|p| p.version),
        shown_label: shown
            .as_ref()
            .map(|p| t.tariff_version(p.version))
            .unwrap_or_default(),
        shown_is_draft: shown
            .as_ref()
            .is_some_and(|p| p.status == PlanStatus::Draft),
        outcomes: shown
            .as_ref()
            .map(|p| {
                p.body
                    .orders
                    .iter()
                    .map(|o| OutcomeRow {
                        order: o.order.clone(),
                        family: o.family.clone(),
                        pieces: o.pieces,
                        promised: o.promised_at.to_shanghai_string(),
                        planned_end: o.planned_end.to_shanghai_string(),
                        late_hours: hours(o.late_minutes),
                        material_awaited: o
                            .material_awaited
                            .map(|at| at.to_shanghai_string())
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        by_resource,
        data_json: shown
            .as_ref()
            .map(|p| chart_data(p, now, t, runs_it))
            .unwrap_or_default(),
        pins,
        outages,
        shown_outages: shown
            .as_ref()
            .map(|p| {
                p.body
                    .outages
                    .iter()
                    .map(|o| {
                        (
                            o.resource.clone(),
                            o.start.clone(),
                            o.end.clone(),
                            o.reason.clone(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        problems: errors
            .iter()
            .map(|e| t.text(&e.message).to_owned())
            .collect(),
        code,
    };
    let status = if page.problems.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)).into_response())
}

async fn plan_page(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    Query(q): Query<PlanQuery>,
) -> Result<Response, Response> {
    page(
        &state,
        &context,
        &principal,
        code,
        q.version,
        (String::new(), String::new()),
        Vec::new(),
    )
    .await
}

/// Reads "L1-R03 2026-12-08 09:00 2026-12-08 11:00 砂带断裂" lines as outages.
fn parse_outages(text: &str) -> Result<Vec<Outage>, Text> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let parts: Vec<&str> = line.split_whitespace().collect();
            match parts.as_slice() {
                [resource, day, time, end_day, end_time, reason @ ..] => Ok(Outage {
                    resource: (*resource).to_owned(),
                    start: format!("{day} {time}"),
                    end: format!("{end_day} {end_time}"),
                    reason: reason.join(" "),
                }),
                _ => Err(both_with(|t| t.outage_format(line))),
            }
        })
        .collect()
}

/// Reads "FO000123 2 3 L1-R05 2026-12-08 09:00" lines as pins.
fn parse_pins(text: &str) -> Result<Vec<Pin>, Text> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let parts: Vec<&str> = line.split_whitespace().collect();
            match parts.as_slice() {
                [order, lot, step, resource, day, time] => {
                    match (lot.parse::<usize>(), step.parse::<usize>()) {
                        (Ok(lot), Ok(step)) => Ok(Pin {
                            order: (*order).to_owned(),
                            lot,
                            step,
                            resource: (*resource).to_owned(),
                            start: format!("{day} {time}"),
                        }),
                        _ => Err(both_with(|t| t.pin_format(line))),
                    }
                }
                _ => Err(both_with(|t| t.pin_format(line))),
            }
        })
        .collect()
}

async fn make_plan(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let text = fields.get("pins").to_owned();
    let outage_text = fields.get("outages").to_owned();
    let based_on = fields.get("latest_version").trim().parse::<i64>().ok();
    let parsed = parse_pins(&text)
        .map_err(|message| FieldError::new("pins", message))
        .and_then(|pins| {
            parse_outages(&outage_text)
                .map(|outages| (pins, outages))
                .map_err(|message| FieldError::new("outages", message))
        });
    let errors = match parsed {
        Err(error) => vec![error],
        Ok((pins, outages)) => match state
            .factories()
            .make_plan_with(&principal, &code, &pins, &outages, based_on)
            .await
        {
            Ok(plan) => {
                return Ok(Redirect::to(&format!(
                    "/factories/{}/plan?version={}&notice={}",
                    plan.platform_code,
                    plan.version,
                    notice_query(&t.plan_made(plan.version))
                ))
                .into_response());
            }
            Err(error) if !error.field_errors().is_empty() => error.field_errors(),
            Err(zhizao_factory::Error::StaleVersion { current }) => vec![FieldError::new(
                "latest_version",
                both_with(|t| t.plan_stale(current)),
            )],
            Err(zhizao_factory::Error::Transition(message)) => {
                vec![FieldError::new("pins", message)]
            }
            Err(error) => return Err(PageError::from(error).render(&context)),
        },
    };
    page(
        &state,
        &context,
        &principal,
        code,
        None,
        (text, outage_text),
        errors,
    )
    .await
}

async fn publish_plan(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((code, version)): Path<(String, i64)>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let expected = fields.get("published_version").trim().parse::<i64>().ok();
    match state
        .factories()
        .publish_plan(&principal, &code, version, expected)
        .await
    {
        Ok(plan) => Ok(Redirect::to(&format!(
            "/factories/{}/plan?version={}&notice={}",
            plan.platform_code,
            plan.version,
            notice_query(&t.plan_published(plan.version))
        ))
        .into_response()),
        Err(zhizao_factory::Error::StaleVersion { current }) => {
            page(
                &state,
                &context,
                &principal,
                code,
                Some(version),
                (String::new(), String::new()),
                vec![FieldError::new(
                    "published_version",
                    both_with(|t| t.plan_publish_stale(current)),
                )],
            )
            .await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}
