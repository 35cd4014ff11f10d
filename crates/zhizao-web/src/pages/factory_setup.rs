//! A factory's set-up page: its sites, resources, calendar, routings and change-overs as tables
//! for its staff and the city, and the staff's form for the next version (the set-up as JSON,
//! each problem named by its path).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use zhizao_core::{Classified, FieldError, Text};
use zhizao_factory::setup::{Capability, Setup};
use zhizao_factory::setup_tables::Section;
use zhizao_identity::policy;

use super::{
    FormErrors, FormFields, Layout, OrPage, PageContext, PageError, PageForm, SignedIn,
    notice_query, render,
};
use crate::AppState;
use crate::i18n::{Tr, both_with};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/factories/{code}/setup", get(setup).post(save_setup))
}

/// A resource as a row: (code, name, class, site, line, devices, capability).
type ResourceRow = (String, String, String, String, String, String, String);

#[derive(Template)]
#[template(path = "factories/setup.html")]
struct SetupPage {
    layout: Layout,
    code: String,
    name: String,
    runs_it: bool,
    /// It cuts fabric: its marker-making pages apply.
    cuts: bool,
    /// (version, saved, by, note)
    current: Option<(i64, String, String, String)>,
    /// The sections its staff edit one at a time: (key, label).
    sections: Vec<(&'static str, String)>,
    /// (code, name)
    sites: Vec<(String, String)>,
    resources: Vec<ResourceRow>,
    workdays: String,
    shifts: String,
    breaks: String,
    holidays: String,
    /// (resource, from, to, note)
    maintenance: Vec<(String, String, String, String)>,
    /// (process, lot size, steps as "name · class · s/piece")
    routings: Vec<(String, i64, Vec<String>)>,
    /// (class, from, to, minutes)
    changeovers: Vec<(String, String, String, i64)>,
    /// (version, saved, by, note), newest first.
    history: Vec<(i64, String, String, String)>,
    latest_version: String,
    json: String,
    note: String,
    errors: FormErrors,
    /// Every problem with its path, as the form cannot put them beside a field.
    problems: Vec<String>,
}

fn capability_text(capability: &Capability) -> String {
    let mut parts = Vec::new();
    for list in [
        &capability.families,
        &capability.materials,
        &capability.finishes,
    ] {
        if !list.is_empty() {
            parts.push(list.join("/"));
        }
    }
    // Part size, part weight, fabric width and lay height, as symbols both languages read.
    for (sign, limit, unit) in [
        ("⌀", capability.max_part_mm, "mm"),
        ("⚖", capability.max_weight_g, "g"),
        ("↔", capability.max_width_mm, "mm"),
        ("↕", capability.max_ply_mm, "mm"),
    ] {
        if let Some(limit) = limit {
            parts.push(format!("{sign} ≤ {limit} {unit}"));
        }
    }
    parts.join(" · ")
}

fn periods(list: &[zhizao_factory::setup::Period]) -> String {
    list.iter()
        .map(|p| format!("{}–{}", p.start, p.end))
        .collect::<Vec<_>>()
        .join(", ")
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    context: &PageContext,
    principal: &zhizao_identity::Principal,
    code: String,
    json: Option<String>,
    note: String,
    errors: Vec<FieldError>,
) -> Result<Response, Response> {
    let t: Tr = context.t();
    let factories = state.factories();
    let name = factories.platform_name(&code).await.or_page(context)?;
    let versions = factories
        .setup_versions(principal, &code)
        .await
        .or_page(context)?;
    let runs_it = principal.organization_code == code.trim()
        && policy::may_run_factory(principal, principal.organization_id);
    let current = versions.first();
    let setup: Option<&Setup> = current.map(|v| &v.setup);
    let of = |f: &dyn Fn(&Setup) -> String| setup.map(f).unwrap_or_default();
    let page = SetupPage {
        layout: context.layout("factories"),
        name,
        runs_it,
        cuts: setup.is_some_and(|s| {
            s.routings
                .iter()
                .any(|r| r.process == zhizao_factory::Process::Cutting)
        }),
        current: current.map(|v| {
            (
                v.version,
                v.created_at.to_shanghai_string(),
                v.created_by.clone(),
                v.note.clone(),
            )
        }),
        sections: Section::ALL
            .iter()
            .map(|s| (s.as_str(), t.text(&s.label()).to_owned()))
            .collect(),
        sites: setup
            .map(|s| {
                s.sites
                    .iter()
                    .map(|site| (site.code.clone(), site.name.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        resources: setup
            .map(|s| {
                s.resources
                    .iter()
                    .map(|r| {
                        (
                            r.code.clone(),
                            r.name.clone(),
                            t.text(&r.class.label()).to_owned(),
                            r.site.clone(),
                            r.line.clone(),
                            r.devices.join(", "),
                            capability_text(&r.capability),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        workdays: of(&|s| {
            s.calendar
                .workdays
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }),
        shifts: of(&|s| periods(&s.calendar.shifts)),
        breaks: of(&|s| periods(&s.calendar.breaks)),
        holidays: of(&|s| s.calendar.holidays.join(", ")),
        maintenance: setup
            .map(|s| {
                s.calendar
                    .maintenance
                    .iter()
                    .map(|m| {
                        (
                            m.resource.clone(),
                            m.start.clone(),
                            m.end.clone(),
                            m.note.clone(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        routings: setup
            .map(|s| {
                s.routings
                    .iter()
                    .map(|r| {
                        (
                            t.text(&r.process.label()).to_owned(),
                            r.lot_size,
                            r.steps
                                .iter()
                                .map(|step| {
                                    format!(
                                        "{} · {} · {} s",
                                        step.name,
                                        t.text(&step.class.label()),
                                        step.seconds_per_piece
                                    )
                                })
                                .collect(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        changeovers: setup
            .map(|s| {
                s.changeovers
                    .iter()
                    .map(|c| {
                        (
                            t.text(&c.class.label()).to_owned(),
                            c.from.clone(),
                            c.to.clone(),
                            c.minutes,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        history: versions
            .iter()
            .map(|v| {
                (
                    v.version,
                    v.created_at.to_shanghai_string(),
                    v.created_by.clone(),
                    v.note.clone(),
                )
            })
            .collect(),
        latest_version: current.map(|v| v.version.to_string()).unwrap_or_default(),
        json: json.unwrap_or_else(|| {
            setup
                .and_then(|s| serde_json::to_string_pretty(s).ok())
                .unwrap_or_default()
        }),
        note,
        problems: errors
            .iter()
            .map(|e| format!("{}: {}", e.field, t.text(&e.message)))
            .collect(),
        errors: FormErrors::from_fields(&errors, t),
        code,
    };
    let status = if page.problems.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)).into_response())
}

async fn setup(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, Response> {
    page(
        &state,
        &context,
        &principal,
        code,
        None,
        String::new(),
        Vec::new(),
    )
    .await
}

async fn save_setup(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let json = fields.get("setup").to_owned();
    let note = fields.get("note").to_owned();
    let expected = fields.get("latest_version").trim().parse::<i64>().ok();
    let mut errors = Vec::new();
    match serde_json::from_str::<Setup>(&json) {
        Err(error) => errors.push(FieldError::new(
            "setup",
            Text::owned(
                format!("{}：{error}", t.setup_json_invalid()),
                format!("the set-up is not valid JSON: {error}"),
            ),
        )),
        Ok(parsed) => match state
            .factories()
            .save_setup(&principal, &code, &parsed, &note, expected)
            .await
        {
            Ok(saved) => {
                return Ok(Redirect::to(&format!(
                    "/factories/{}/setup?notice={}",
                    saved.platform_code,
                    notice_query(&t.setup_saved(saved.version))
                ))
                .into_response());
            }
            Err(error) if !error.field_errors().is_empty() => errors.extend(error.field_errors()),
            Err(zhizao_factory::Error::StaleVersion { current }) => errors.push(FieldError::new(
                "latest_version",
                both_with(|t| t.setup_stale(current)),
            )),
            Err(error) => return Err(PageError::from(error).render(&context)),
        },
    }
    page(&state, &context, &principal, code, Some(json), note, errors).await
}
