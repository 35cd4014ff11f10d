//! The floor screen, for the operators' phones and the line's display: each resource of a line
//! with what its machine last said, the operation running on it with its pieces counted by the
//! machine, and the next one; the factory's staff start and finish operations with one button.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zhizao_core::Classified;
use zhizao_factory::floor::{Floor, OperationRecord};
use zhizao_factory::oee::MachineState;
use zhizao_factory::progress::{OperationAction, OperationProgress, OperationState};
use zhizao_factory::setup::Setup;
use zhizao_identity::policy;

use super::{
    FormFields, Layout, OrPage, PageContext, PageError, PageForm, SignedIn, error_text,
    notice_query, render,
};
use crate::AppState;
use crate::i18n::Tr;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/factories/{code}/floor", get(floor_page))
        .route("/factories/{code}/floor/{action}", post(record))
        .route("/factories/{code}/floor-stop", post(record_stop))
}

/// `?line=` of the page.
#[derive(Debug, Default, Deserialize)]
struct FloorQuery {
    #[serde(default)]
    line: Option<String>,
}

/// An operation as a card shows it.
struct OperationView {
    order: String,
    lot: usize,
    step: usize,
    step_name: String,
    pieces: i64,
    good: i64,
    scrap: i64,
    /// Counted share, ‰ (for the bar).
    per_mille: i64,
    planned_start: String,
}

/// One resource's card.
struct ResourceCard {
    code: String,
    name: String,
    /// running, setup, idle, fault, off, unknown or none.
    state_key: &'static str,
    state_label: String,
    running: Option<OperationView>,
    next: Option<OperationView>,
    done: usize,
    unassigned: String,
    /// In fault with work waiting: the outage line a re-plan around it would use.
    outage: String,
    /// Standing (idle, fault or off, and heard from lately): an operator may give the reason.
    stopped: bool,
}

struct Choice {
    value: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "factories/floor.html")]
struct FloorPage {
    layout: Layout,
    code: String,
    name: String,
    runs_it: bool,
    line: String,
    lines: Vec<Choice>,
    plan_label: String,
    latest_version: String,
    /// The set-up's stop reasons: (code, reason).
    reasons: Vec<(i64, String)>,
    cards: Vec<ResourceCard>,
    problems: Vec<String>,
}

fn view(progress: &OperationProgress) -> OperationView {
    let operation = &progress.operation;
    let counted = progress.good + progress.scrap;
    OperationView {
        order: operation.order.clone(),
        lot: operation.lot,
        step: operation.step,
        step_name: operation.step_name.clone(),
        pieces: operation.pieces,
        good: progress.good,
        scrap: progress.scrap,
        per_mille: if operation.pieces > 0 {
            (counted * 1000 / operation.pieces).clamp(0, 1000)
        } else {
            0
        },
        planned_start: operation.start.to_shanghai_string(),
    }
}

fn card(
    setup: &Setup,
    floor: &Floor,
    resource: &zhizao_factory::setup::Resource,
    now: zhizao_core::Timestamp,
    t: Tr,
) -> ResourceCard {
    let (state_key, state_label) = match floor.machines.get(&resource.code) {
        None if resource.devices.is_empty() => ("none", String::new()),
        None => ("unknown", t.machine_never_reported().to_owned()),
        Some(report) if report.silent => (
            "unknown",
            t.machine_silent_since(&report.at.to_shanghai_string()),
        ),
        Some(report) => match report.state {
            None => ("unknown", t.machine_state_unknown().to_owned()),
            Some(state) => {
                let mut label = t.text(&state.label()).to_owned();
                if let Some(code) = report.alarm {
                    let reason = setup
                        .alarm(code)
                        .map_or_else(String::new, |a| a.reason.trim().to_owned());
                    label = format!("{label} · {code} {reason}");
                }
                let key = match state {
                    MachineState::Running => "running",
                    MachineState::Setup => "setup",
                    MachineState::Idle => "idle",
                    MachineState::Fault => "fault",
                    MachineState::Off => "off",
                };
                (key, label)
            }
        },
    };
    let operations: Vec<&OperationProgress> = floor.on_resource(&resource.code).collect();
    let unassigned = floor
        .progress
        .unassigned
        .iter()
        .find(|(code, _)| *code == resource.code)
        .map(|(_, u)| t.unassigned_pieces(u.good, u.scrap))
        .unwrap_or_default();
    let waiting = operations.iter().any(|p| p.state != OperationState::Done);
    let outage = match floor.machines.get(&resource.code) {
        Some(report) if !report.silent && report.state == Some(MachineState::Fault) && waiting => {
            // Two hours of repair from the next minute, the alarm's reason as the cause.
            let from = zhizao_core::Timestamp::from_millis((now.as_millis() / 60_000 + 1) * 60_000);
            let until = from.plus_millis(2 * 3_600_000);
            let reason = report.alarm.and_then(|code| setup.alarm(code)).map_or_else(
                || t.text(&MachineState::Fault.label()).to_owned(),
                |a| a.reason.trim().to_owned(),
            );
            format!(
                "{} {} {} {}",
                resource.code,
                from.to_shanghai_string(),
                until.to_shanghai_string(),
                reason
            )
        }
        _ => String::new(),
    };
    let stopped = floor.machines.get(&resource.code).is_some_and(|report| {
        !report.silent
            && matches!(
                report.state,
                Some(MachineState::Idle | MachineState::Fault | MachineState::Off)
            )
    });
    ResourceCard {
        stopped,
        code: resource.code.clone(),
        name: resource.name.clone(),
        state_key,
        state_label,
        running: operations
            .iter()
            .find(|p| p.state == OperationState::Running)
            .map(|p| view(p)),
        next: operations
            .iter()
            .find(|p| p.state == OperationState::Waiting)
            .map(|p| view(p)),
        done: operations
            .iter()
            .filter(|p| p.state == OperationState::Done)
            .count(),
        unassigned,
        outage,
    }
}

async fn page(
    state: &AppState,
    context: &PageContext,
    principal: &zhizao_identity::Principal,
    code: String,
    line: String,
    problems: Vec<String>,
) -> Result<Response, Response> {
    let t = context.t();
    let factories = state.factories();
    let name = factories.platform_name(&code).await.or_page(context)?;
    let floor = factories.floor(principal, &code).await.or_page(context)?;
    let setup = factories
        .setup_versions(principal, &code)
        .await
        .or_page(context)?
        .into_iter()
        .next()
        .map(|v| v.setup);
    let now = state.identity().clock().now();
    let runs_it = principal.organization_code == code.trim()
        && policy::may_run_factory(principal, principal.organization_id);
    let mut lines: Vec<String> = Vec::new();
    let mut cards = Vec::new();
    if let Some(setup) = &setup {
        for resource in &setup.resources {
            if !lines.contains(&resource.line) {
                lines.push(resource.line.clone());
            }
        }
        let shown = if line.is_empty() {
            lines.first().cloned().unwrap_or_default()
        } else {
            line.clone()
        };
        for resource in setup.resources.iter().filter(|r| r.line == shown) {
            cards.push(card(setup, &floor, resource, now, t));
        }
    }
    let selected = if line.is_empty() {
        lines.first().cloned().unwrap_or_default()
    } else {
        line
    };
    let status = if problems.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::CONFLICT
    };
    let page = FloorPage {
        layout: context.layout("factories"),
        name,
        runs_it,
        lines: lines
            .into_iter()
            .map(|value| Choice {
                selected: value == selected,
                value,
            })
            .collect(),
        line: selected,
        plan_label: match (floor.plan_version, floor.published_at) {
            (Some(version), Some(at)) => t.floor_plan(version, &at.to_shanghai_string()),
            _ => String::new(),
        },
        reasons: setup
            .as_ref()
            .map(|s| {
                s.alarms
                    .iter()
                    .map(|a| (a.code, a.reason.trim().to_owned()))
                    .collect()
            })
            .unwrap_or_default(),
        latest_version: floor
            .latest_version
            .map(|v| v.to_string())
            .unwrap_or_default(),
        cards,
        problems,
        code,
    };
    Ok((status, render(&page)).into_response())
}

async fn floor_page(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    Query(q): Query<FloorQuery>,
) -> Result<Response, Response> {
    let line = q.line.unwrap_or_default().trim().to_owned();
    page(&state, &context, &principal, code, line, Vec::new()).await
}

async fn record(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((code, action)): Path<(String, String)>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let line = fields.get("line").trim().to_owned();
    let Ok(action) = action.parse::<OperationAction>() else {
        return Err(PageError::NotFound.render(&context));
    };
    let record = OperationRecord {
        order: fields.get("order").trim().to_owned(),
        lot: fields.get("lot").trim().parse().unwrap_or(0),
        step: fields.get("step").trim().parse().unwrap_or(0),
        action,
    };
    match state
        .factories()
        .record_operation(&principal, &code, &record)
        .await
    {
        Ok(_) => {
            let notice = t.operation_recorded(
                t.text(&action.label()),
                &record.order,
                record.lot,
                record.step,
            );
            Ok(Redirect::to(&format!(
                "/factories/{}/floor?line={}&notice={}",
                code.trim(),
                notice_query(&line),
                notice_query(&notice)
            ))
            .into_response())
        }
        Err(error @ zhizao_factory::Error::Transition(_)) => {
            let problem = t.text(&error_text(&error)).to_owned();
            page(&state, &context, &principal, code, line, vec![problem]).await
        }
        Err(error) if !error.field_errors().is_empty() => {
            let problems = error
                .field_errors()
                .iter()
                .map(|e| t.text(&e.message).to_owned())
                .collect();
            page(&state, &context, &principal, code, line, problems).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

async fn record_stop(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let line = fields.get("line").trim().to_owned();
    let resource = fields.get("resource").trim().to_owned();
    let Ok(alarm) = fields.get("code").trim().parse::<i64>() else {
        let problem = t.text(&t.choose_stop_reason()).to_owned();
        return page(&state, &context, &principal, code, line, vec![problem]).await;
    };
    match state
        .factories()
        .record_stop(&principal, &code, &resource, alarm)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/factories/{}/floor?line={}&notice={}",
            code.trim(),
            notice_query(&line),
            notice_query(&t.stop_recorded(&resource, alarm))
        ))
        .into_response()),
        Err(error) if !error.field_errors().is_empty() => {
            let problems = error
                .field_errors()
                .iter()
                .map(|e| t.text(&e.message).to_owned())
                .collect();
            page(&state, &context, &principal, code, line, problems).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}
