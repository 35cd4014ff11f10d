//! Marker making pages of a cutting factory: its patterns (upload a DXF or a problem file, or
//! take an order's pattern file), one pattern's pieces drawn with the forms to run a marker or
//! plan the cut of a size × colour order, and one run: its progress and best marker growing
//! shorter while it searches, the cut plan's markers, lays and costs, print and downloads.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use zhizao_core::{Classified, Fen, FieldError, Text};
use zhizao_factory::markers::{
    CutInput, Pattern, RotationRule, Run, RunInput, RunKind, RunResult, RunStatus, cm_per_unit,
};
use zhizao_identity::policy;
use zhizao_nesting::cutplan::Quantity;

use super::{
    FormFields, Layout, OrPage, PageContext, PageError, PageForm, PageUpload, SignedIn,
    notice_query, render,
};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/factories/{code}/patterns",
            get(patterns_page)
                .post(upload_pattern)
                .layer(axum::extract::DefaultBodyLimit::max(
                    zhizao_factory::markers::MAX_PATTERN_BYTES + 256 * 1024,
                )),
        )
        .route("/factories/{code}/patterns/{id}", get(pattern_page))
        .route("/factories/{code}/patterns/{id}/runs", post(start_run))
        .route("/factories/{code}/patterns/{id}/runs/{run}", get(run_page))
        .route(
            "/factories/{code}/patterns/{id}/runs/{run}/stop",
            post(stop_run),
        )
}

/// Colour rows the cut-plan form offers.
const COLOUR_ROWS: usize = 4;

/// A pattern as a row.
struct PatternRow {
    id: i64,
    name: String,
    file_name: String,
    order: String,
    pieces: i64,
    copies: i64,
    runs: i64,
    best_density: String,
    created: String,
    by: String,
}

#[derive(Template)]
#[template(path = "factories/patterns.html")]
struct PatternsPage {
    layout: Layout,
    code: String,
    name: String,
    runs_it: bool,
    patterns: Vec<PatternRow>,
    /// (value, label, chosen) of each rotation rule.
    rotations: Vec<(&'static str, String, bool)>,
    /// (unit, chosen); "" is as the file says.
    units: Vec<(&'static str, bool)>,
    fields: FormFields,
    problems: Vec<String>,
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "—".to_owned(), |s| format!("{:.1}", s * 100.0))
}

fn problems_of(context: &PageContext, errors: &[FieldError]) -> Vec<String> {
    let t = context.t();
    errors
        .iter()
        .map(|e| t.text(&e.message).to_owned())
        .collect()
}

fn runs_it(principal: &zhizao_identity::Principal, code: &str) -> bool {
    principal.organization_code == code.trim()
        && policy::may_run_factory(principal, principal.organization_id)
}

async fn patterns_view(
    state: &AppState,
    context: &PageContext,
    principal: &zhizao_identity::Principal,
    code: String,
    fields: FormFields,
    errors: Vec<FieldError>,
) -> Result<Response, Response> {
    let t = context.t();
    let factories = state.factories();
    let patterns = factories
        .patterns(principal, &code)
        .await
        .or_page(context)?;
    let name = factories.platform_name(&code).await.or_page(context)?;
    let page = PatternsPage {
        layout: context.layout("factories"),
        runs_it: runs_it(principal, &code),
        patterns: patterns
            .into_iter()
            .map(|p| PatternRow {
                id: p.id,
                name: p.name,
                file_name: p.file_name,
                order: p.order_number.unwrap_or_default(),
                pieces: p.pieces,
                copies: p.copies,
                runs: p.runs,
                best_density: percent(p.best_density),
                created: p.created_at.to_shanghai_string(),
                by: p.created_by,
            })
            .collect(),
        rotations: RotationRule::ALL
            .iter()
            .map(|r| {
                (
                    r.as_str(),
                    t.text(&r.label()).to_owned(),
                    fields.get("rotations") == r.as_str(),
                )
            })
            .collect(),
        units: ["mm", "cm", "in"]
            .into_iter()
            .map(|u| (u, fields.get("unit") == u))
            .collect(),
        fields,
        problems: problems_of(context, &errors),
        name,
        code,
    };
    let status = if page.problems.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)).into_response())
}

async fn patterns_page(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, Response> {
    let mut fields = FormFields::default();
    fields.set("width_cm", "150");
    fields.set("spacing_mm", "2");
    patterns_view(&state, &context, &principal, code, fields, Vec::new()).await
}

async fn upload_pattern(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageUpload(upload): PageUpload,
) -> Result<Response, Response> {
    let t = context.t();
    let upload = match upload {
        Ok(upload) => upload,
        Err(error) => {
            let message = if error.status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                t.file_too_large(zhizao_factory::markers::MAX_PATTERN_BYTES / 1024 / 1024)
            } else {
                t.choose_file_to_upload().to_owned()
            };
            let problem = FieldError::new("file", Text::owned(message.clone(), message));
            return patterns_view(
                &state,
                &context,
                &principal,
                code,
                FormFields::default(),
                vec![problem],
            )
            .await;
        }
    };
    let names = [
        "name",
        "order",
        "unit",
        "width_cm",
        "spacing_mm",
        "rotations",
    ];
    let mut fields = FormFields::default();
    let mut map = HashMap::new();
    for name in names {
        fields.set(name, upload.text(name));
        map.insert(name.to_owned(), upload.text(name).to_owned());
    }
    let file = upload
        .file("file")
        .map(|f| (f.file_name.clone(), f.bytes.clone()));
    let input = match crate::api::pattern_input(&map, file) {
        Ok(input) => input,
        Err(message) => {
            let problem = FieldError::new("form", Text::owned(message.clone(), message));
            return patterns_view(&state, &context, &principal, code, fields, vec![problem]).await;
        }
    };
    match state
        .factories()
        .add_pattern(&principal, &code, input)
        .await
    {
        Ok(pattern) => Ok(Redirect::to(&format!(
            "/factories/{}/patterns/{}?notice={}",
            code.trim(),
            pattern.id,
            notice_query(t.pattern_uploaded())
        ))
        .into_response()),
        Err(error) if !error.field_errors().is_empty() => {
            patterns_view(
                &state,
                &context,
                &principal,
                code,
                fields,
                error.field_errors(),
            )
            .await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

/// A piece drawn: its view box and path (y up, as the pattern draws it).
struct PieceRow {
    id: String,
    name: String,
    size: String,
    demand: u32,
    area: String,
    view_box: String,
    path: String,
}

/// A quantity input of the cut-plan form: (field, value, size).
type QuantityCell = (String, String, String);

/// A run as a row of the pattern's list.
struct RunRow {
    id: i64,
    kind: String,
    status: &'static str,
    status_label: String,
    limit: String,
    length: String,
    density: String,
    created: String,
    by: String,
}

#[derive(Template)]
#[template(path = "factories/pattern.html")]
struct PatternPage {
    layout: Layout,
    code: String,
    name: String,
    runs_it: bool,
    pattern_id: i64,
    pattern_name: String,
    file_name: String,
    order: String,
    unit: String,
    width_cm: String,
    spacing_mm: String,
    total_area: String,
    /// Areas are in square metres (pieces: square centimetres), else in the file's unit.
    area_in_metres: bool,
    pieces: Vec<PieceRow>,
    sizes: Vec<String>,
    runs: Vec<RunRow>,
    /// (colour field, colour, [(quantity field, value, size)]) of each row of the order.
    colour_rows: Vec<(String, String, Vec<QuantityCell>)>,
    fields: FormFields,
    problems: Vec<String>,
}

fn drawn(points: &[[f64; 2]]) -> String {
    let mut path = String::new();
    for (i, [x, y]) in points.iter().enumerate() {
        path.push_str(if i == 0 { "M" } else { "L" });
        path.push_str(&format!("{x:.2} {:.2} ", -y));
    }
    path.push('Z');
    path
}

fn piece_row(piece: &zhizao_nesting::Piece, cm: Option<f64>) -> PieceRow {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for [x, y] in &piece.outline {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y0 = y0.min(-y);
        y1 = y1.max(-y);
    }
    let pad = (x1 - x0).max(y1 - y0) * 0.03;
    let mut path = drawn(&piece.outline);
    for hole in &piece.holes {
        path.push(' ');
        path.push_str(&drawn(hole));
    }
    let area = zhizao_nesting::model::area(&piece.outline).abs()
        - piece
            .holes
            .iter()
            .map(|h| zhizao_nesting::model::area(h).abs())
            .sum::<f64>();
    PieceRow {
        id: piece.id.clone(),
        name: piece
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| piece.id.clone()),
        size: piece.size.clone().unwrap_or_default(),
        demand: piece.demand,
        area: cm.map_or_else(
            || format!("{area:.1}"),
            |cm| format!("{:.0}", area * cm * cm),
        ),
        view_box: format!(
            "{:.2} {:.2} {:.2} {:.2}",
            x0 - pad,
            y0 - pad,
            x1 - x0 + 2.0 * pad,
            y1 - y0 + 2.0 * pad
        ),
        path,
    }
}

fn in_cm(pattern: &Pattern, value: f64, scale: f64) -> String {
    match pattern.problem.unit.as_deref().and_then(cm_per_unit) {
        Some(cm) => format!("{:.1}", value * cm * scale),
        None => "—".to_owned(),
    }
}

async fn pattern_view(
    state: &AppState,
    context: &PageContext,
    principal: &zhizao_identity::Principal,
    (code, pattern): (String, Pattern),
    fields: FormFields,
    errors: Vec<FieldError>,
) -> Result<Response, Response> {
    let t = context.t();
    let factories = state.factories();
    let id = pattern.summary.id;
    let runs = factories
        .runs(principal, &code, id)
        .await
        .or_page(context)?;
    let name = factories.platform_name(&code).await.or_page(context)?;
    let unit = pattern.problem.unit.clone().unwrap_or_default();
    let cm = pattern.problem.unit.as_deref().and_then(cm_per_unit);
    let page = PatternPage {
        layout: context.layout("factories"),
        runs_it: runs_it(principal, &code),
        pattern_id: id,
        pattern_name: pattern.summary.name.clone(),
        file_name: pattern.summary.file_name.clone(),
        order: pattern.summary.order_number.clone().unwrap_or_default(),
        width_cm: in_cm(&pattern, pattern.problem.width, 1.0),
        spacing_mm: in_cm(&pattern, pattern.problem.spacing, 10.0),
        total_area: cm.map_or_else(
            || format!("{:.1}", pattern.problem.pieces_area()),
            |cm| format!("{:.3}", pattern.problem.pieces_area() * cm * cm / 10_000.0),
        ),
        area_in_metres: cm.is_some(),
        pieces: pattern
            .problem
            .pieces
            .iter()
            .map(|p| piece_row(p, cm))
            .collect(),
        sizes: pattern.sizes(),
        runs: runs
            .iter()
            .map(|r| RunRow {
                id: r.id,
                kind: t.text(&r.input.kind.label()).to_owned(),
                status: r.status.as_str(),
                status_label: t.text(&r.status.label()).to_owned(),
                limit: r.input.time_limit_s.to_string(),
                length: r.length.map(|l| metres(&pattern, l)).unwrap_or_default(),
                density: percent(r.density),
                created: r.created_at.to_shanghai_string(),
                by: r.created_by.clone(),
            })
            .collect(),
        colour_rows: (0..COLOUR_ROWS)
            .map(|row| {
                let colour = format!("colour_{row}");
                let value = fields.get(&colour).to_owned();
                let cells = pattern
                    .sizes()
                    .into_iter()
                    .enumerate()
                    .map(|(s, size)| {
                        let name = format!("q_{row}_{s}");
                        let value = fields.get(&name).to_owned();
                        (name, value, size)
                    })
                    .collect();
                (colour, value, cells)
            })
            .collect(),
        fields,
        problems: problems_of(context, &errors),
        unit,
        name,
        code,
    };
    let status = if page.problems.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)).into_response())
}

fn run_defaults() -> FormFields {
    let mut fields = FormFields::default();
    for (name, value) in [
        ("time_limit_s", "60"),
        ("threads", "2"),
        ("plan_time_limit_s", "10"),
        ("max_plies", "50"),
        ("table_length_m", "8"),
        ("end_allowance_cm", "2"),
        ("max_garments", "6"),
        ("overcut_percent", "0"),
        ("fabric_yuan", "18"),
        ("marker_yuan", "30"),
        ("spread_yuan", "40"),
    ] {
        fields.set(name, value);
    }
    fields
}

async fn pattern_page(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((code, id)): Path<(String, i64)>,
) -> Result<Response, Response> {
    let mut fields = run_defaults();
    // A pattern of an order: its cut plan starts from the order's colours and sizes.
    let factories = state.factories();
    let pattern = factories
        .pattern(&principal, &code, id)
        .await
        .or_page(&context)?;
    if let Some(number) = &pattern.summary.order_number
        && let Ok(order) = factories.order(&principal, number).await
    {
        let sizes = pattern.sizes();
        let mut colours: Vec<&str> = Vec::new();
        for cell in &order.request.matrix {
            let Some(s) = sizes.iter().position(|size| *size == cell.size.trim()) else {
                continue;
            };
            let row = match colours.iter().position(|c| *c == cell.colour.trim()) {
                Some(row) => row,
                None if colours.len() < COLOUR_ROWS => {
                    colours.push(cell.colour.trim());
                    colours.len() - 1
                }
                None => continue,
            };
            fields.set(&format!("colour_{row}"), cell.colour.trim());
            fields.set(&format!("q_{row}_{s}"), &cell.quantity.to_string());
        }
    }
    pattern_view(
        &state,
        &context,
        &principal,
        (code, pattern),
        fields,
        Vec::new(),
    )
    .await
}

fn whole(fields: &FormFields, name: &str, label: &str) -> Result<u32, FieldError> {
    let typed = fields.get(name).trim();
    typed.parse::<u32>().map_err(|_| {
        FieldError::new(
            name,
            crate::i18n::both_with(|t| t.field_not_whole(label, typed)),
        )
    })
}

fn decimal(fields: &FormFields, name: &str, label: &str) -> Result<f64, FieldError> {
    let typed = fields.get(name).trim();
    typed
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            FieldError::new(
                name,
                crate::i18n::both_with(|t| t.field_not_number(label, typed)),
            )
        })
}

fn yuan(fields: &FormFields, name: &str, label: &str) -> Result<Fen, FieldError> {
    let typed = fields.get(name).trim();
    Fen::parse_yuan(typed).map_err(|_| {
        FieldError::new(
            name,
            crate::i18n::both_with(|t| t.field_not_number(label, typed)),
        )
    })
}

/// The run a pattern page's form asks for, or what is wrong with it.
fn run_input(
    fields: &FormFields,
    sizes: &[String],
    t: crate::i18n::Tr,
) -> Result<RunInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    // A value, or its default with the error kept.
    macro_rules! ok {
        ($read:expr, $default:expr) => {
            $read.unwrap_or_else(|error| {
                errors.push(error);
                $default
            })
        };
    }
    let kind = if fields.get("kind") == RunKind::CutPlan.as_str() {
        RunKind::CutPlan
    } else {
        RunKind::Marker
    };
    let threads = ok!(whole(fields, "threads", t.threads_label()), 0);
    if kind == RunKind::Marker {
        let time_limit_s = ok!(whole(fields, "time_limit_s", t.time_limit_label()), 0);
        return if errors.is_empty() {
            Ok(RunInput {
                kind,
                time_limit_s,
                threads,
                seed: 1,
                cut: None,
            })
        } else {
            Err(errors)
        };
    }
    let time_limit_s = ok!(
        whole(fields, "plan_time_limit_s", t.plan_time_limit_label()),
        0
    );
    let max_plies = ok!(whole(fields, "max_plies", t.max_plies_label()), 0);
    let max_garments = ok!(whole(fields, "max_garments", t.max_garments_label()), 0);
    let overcut_percent = ok!(whole(fields, "overcut_percent", t.overcut_label()), 0);
    let mut quantities = Vec::new();
    for row in 0..COLOUR_ROWS {
        let colour = fields.get(&format!("colour_{row}")).trim().to_owned();
        for (s, size) in sizes.iter().enumerate() {
            let name = format!("q_{row}_{s}");
            if fields.get(&name).trim().is_empty() {
                continue;
            }
            let quantity = ok!(whole(fields, &name, size), 0);
            if quantity == 0 {
                continue;
            }
            if colour.is_empty() {
                errors.push(FieldError::new(
                    format!("colour_{row}"),
                    crate::i18n::both_with(|t| t.colour_needed_for_row().to_owned()),
                ));
                break;
            }
            quantities.push(Quantity {
                colour: colour.clone(),
                size: size.clone(),
                quantity,
            });
        }
    }
    let table_length_m = ok!(
        decimal(fields, "table_length_m", t.table_length_label()),
        0.0
    );
    let end_allowance_cm = ok!(
        decimal(fields, "end_allowance_cm", t.end_allowance_label()),
        0.0
    );
    let fabric_per_metre = ok!(
        yuan(fields, "fabric_yuan", t.fabric_price_label()),
        Fen::new(0)
    );
    let marker_cost = ok!(
        yuan(fields, "marker_yuan", t.marker_cost_label()),
        Fen::new(0)
    );
    let spread_cost = ok!(
        yuan(fields, "spread_yuan", t.spread_cost_label()),
        Fen::new(0)
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(RunInput {
        kind,
        time_limit_s,
        threads,
        seed: 1,
        cut: Some(CutInput {
            quantities,
            max_plies,
            table_length_m,
            end_allowance_cm,
            max_garments_per_marker: max_garments,
            overcut_percent,
            fabric_per_metre,
            marker_cost,
            spread_cost,
        }),
    })
}

async fn start_run(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((code, id)): Path<(String, i64)>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let factories = state.factories();
    let pattern = factories
        .pattern(&principal, &code, id)
        .await
        .or_page(&context)?;
    let input = match run_input(&fields, &pattern.sizes(), t) {
        Ok(input) => input,
        Err(errors) => {
            return pattern_view(
                &state,
                &context,
                &principal,
                (code, pattern),
                fields,
                errors,
            )
            .await;
        }
    };
    match factories.start_run(&principal, &code, id, input).await {
        Ok(run) => Ok(Redirect::to(&format!(
            "/factories/{}/patterns/{id}/runs/{}",
            code.trim(),
            run.id
        ))
        .into_response()),
        Err(error) if !error.field_errors().is_empty() => {
            pattern_view(
                &state,
                &context,
                &principal,
                (code, pattern),
                fields,
                error.field_errors(),
            )
            .await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

/// A cut plan's marker as a row.
struct PlanMarkerRow {
    index: usize,
    /// From 1.
    number: usize,
    label: String,
    ratio: String,
    garments: u32,
    length: String,
    density: String,
}

/// A lay as a row: (marker number, colour, plies, ply length m, fabric m, marker label).
type LayRow = (usize, String, u32, String, String, String);

/// A cut plan's figures.
struct PlanFigures {
    markers: Vec<PlanMarkerRow>,
    lays: Vec<LayRow>,
    /// (colour, size, ordered, cut)
    cut: Vec<(String, String, u32, u32)>,
    fabric_m: String,
    bound_m: String,
    waste: String,
    per_size_m: String,
    saved: String,
    cost: [String; 4],
    per_size_cost: [String; 4],
}

#[derive(Template)]
#[template(path = "factories/run.html")]
struct RunPage {
    layout: Layout,
    code: String,
    name: String,
    runs_it: bool,
    pattern_id: i64,
    pattern_name: String,
    run_id: i64,
    kind: &'static str,
    kind_label: String,
    status: &'static str,
    status_label: String,
    active: bool,
    progress: i64,
    unit: String,
    width: String,
    width_cm: String,
    /// Metres in one unit of the pattern, for the page's script ("" when unknown).
    metres_per_unit: String,
    length: String,
    length_m: String,
    density: String,
    waste: String,
    limit: String,
    threads: u32,
    started: String,
    finished: String,
    error: String,
    has_marker: bool,
    plan: Option<PlanFigures>,
}

fn metres(pattern: &Pattern, value: f64) -> String {
    match pattern.problem.unit.as_deref().and_then(cm_per_unit) {
        Some(cm) => format!("{:.2}", value * cm / 100.0),
        None => "—".to_owned(),
    }
}

fn costs(cost: &zhizao_nesting::cutplan::PlanCost) -> [String; 4] {
    [
        cost.fabric.to_yuan_string(),
        cost.markers.to_yuan_string(),
        cost.spreads.to_yuan_string(),
        cost.total.to_yuan_string(),
    ]
}

fn plan_figures(pattern: &Pattern, run: &Run, t: crate::i18n::Tr) -> Option<PlanFigures> {
    let Some(RunResult::CutPlan(plan)) = &run.result else {
        return None;
    };
    Some(PlanFigures {
        markers: plan
            .markers
            .iter()
            .enumerate()
            .map(|(index, m)| PlanMarkerRow {
                index,
                number: index + 1,
                label: t.plan_marker_label(index + 1),
                ratio: m
                    .ratio
                    .iter()
                    .map(|(size, count)| format!("{size}:{count}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                garments: m.ratio.iter().map(|(_, c)| c).sum(),
                length: metres(pattern, m.length),
                density: percent(Some(m.density)),
            })
            .collect(),
        lays: plan
            .lays
            .iter()
            .map(|l| {
                (
                    l.marker + 1,
                    l.colour.clone(),
                    l.plies,
                    metres(pattern, l.ply_length),
                    metres(pattern, l.ply_length * f64::from(l.plies)),
                    t.plan_marker_label(l.marker + 1),
                )
            })
            .collect(),
        cut: plan.cut.clone(),
        fabric_m: metres(pattern, plan.fabric_length),
        bound_m: metres(pattern, plan.lower_bound),
        waste: percent(Some(1.0 - plan.lower_bound / plan.fabric_length.max(1e-9))),
        per_size_m: metres(pattern, plan.one_marker_per_size),
        saved: percent(Some(
            1.0 - plan.fabric_length / plan.one_marker_per_size.max(1e-9),
        )),
        cost: costs(&plan.cost),
        per_size_cost: costs(&plan.one_marker_per_size_cost),
    })
}

async fn run_page(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((code, id, run_id)): Path<(String, i64, i64)>,
) -> Result<Response, Response> {
    let t = context.t();
    let factories = state.factories();
    let (pattern, run) = factories
        .run(&principal, &code, id, run_id)
        .await
        .or_page(&context)?;
    let name = factories.platform_name(&code).await.or_page(&context)?;
    let marker = match &run.result {
        Some(RunResult::Marker(marker)) => Some(marker),
        _ => None,
    };
    let page = RunPage {
        layout: context.layout("factories"),
        runs_it: runs_it(&principal, &code),
        pattern_id: id,
        pattern_name: pattern.summary.name.clone(),
        run_id,
        kind: run.input.kind.as_str(),
        kind_label: t.text(&run.input.kind.label()).to_owned(),
        status: run.status.as_str(),
        status_label: t.text(&run.status.label()).to_owned(),
        active: matches!(run.status, RunStatus::Queued | RunStatus::Running),
        progress: run.progress_per_mille / 10,
        unit: pattern.problem.unit.clone().unwrap_or_default(),
        width: format!("{:.2}", pattern.problem.width),
        width_cm: in_cm(&pattern, pattern.problem.width, 1.0),
        metres_per_unit: pattern
            .problem
            .unit
            .as_deref()
            .and_then(cm_per_unit)
            .map(|cm| (cm / 100.0).to_string())
            .unwrap_or_default(),
        length: marker
            .map(|m| format!("{:.2}", m.length))
            .unwrap_or_default(),
        length_m: marker
            .map(|m| metres(&pattern, m.length))
            .unwrap_or_default(),
        density: percent(marker.map(|m| m.density)),
        waste: percent(marker.map(|m| 1.0 - m.density)),
        limit: run.input.time_limit_s.to_string(),
        threads: run.input.threads,
        started: run
            .started_at
            .map(|at| at.to_shanghai_string())
            .unwrap_or_default(),
        finished: run
            .finished_at
            .map(|at| at.to_shanghai_string())
            .unwrap_or_default(),
        error: run.error.clone().unwrap_or_default(),
        has_marker: marker.is_some(),
        plan: plan_figures(&pattern, &run, t),
        name,
        code,
    };
    Ok(render(&page).into_response())
}

async fn stop_run(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((code, id, run_id)): Path<(String, i64, i64)>,
    PageForm(_fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    state
        .factories()
        .stop_run(&principal, &code, id, run_id)
        .await
        .or_page(&context)?;
    Ok(Redirect::to(&format!(
        "/factories/{}/patterns/{id}/runs/{run_id}?notice={}",
        code.trim(),
        notice_query(t.run_stopping())
    ))
    .into_response())
}
