//! Shared-factory orders' pages: an enterprise's order form (a quote and a promised date the
//! moment it is submitted), the orders each reader sees, and one order with its quote line by
//! line and the steps its reader may take (accept, quote again, cancel).

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zhizao_core::{Classified, FieldError};
use zhizao_factory::documents::FilePurpose;
use zhizao_factory::order::MatrixCell;
use zhizao_factory::{
    MaterialInput, MaterialUnit, Order, OrderAction, OrderRequest, OrderStatus, Process,
};
use zhizao_identity::policy;

use super::{
    FormErrors, FormFields, Layout, OrPage, PageContext, PageError, PageForm, PageUpload, SignedIn,
    Upload, notice_query, render,
};
use crate::AppState;
use crate::i18n::both_with;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/factories/{code}/order",
            get(order_form)
                .post(place_order)
                .layer(axum::extract::DefaultBodyLimit::max(
                    zhizao_factory::documents::MAX_FILE_BYTES + 256 * 1024,
                )),
        )
        .route("/factory-orders", get(orders))
        .route("/factory-orders/{number}", get(order))
        .route("/factory-orders/{number}/material", post(record_material))
        .route(
            "/factory-orders/{number}/files",
            post(attach_file).layer(axum::extract::DefaultBodyLimit::max(
                zhizao_factory::documents::MAX_FILE_BYTES + 256 * 1024,
            )),
        )
        .route(
            "/factory-orders/{number}/files/{file_id}/remove",
            post(remove_file),
        )
        .route("/factory-orders/{number}/deliver", post(deliver))
        .route("/factory-orders/{number}/receive", post(receive))
        .route("/factory-orders/{number}/{action}", post(act))
}

/// The order form's values as typed.
#[derive(Debug, Default)]
struct OrderFields {
    process: String,
    family: String,
    material: String,
    finish: String,
    quantity: String,
    matrix: String,
    part_mm: String,
    weight_g: String,
    width_mm: String,
    ply_mm: String,
    shade_lots: String,
    material_supplied: String,
    material_arrives: String,
    need_by: String,
    note: String,
    file_purpose: String,
}

const ORDER_FIELDS: &[&str] = &[
    "process",
    "family",
    "material",
    "finish",
    "quantity",
    "matrix",
    "part_mm",
    "weight_g",
    "width_mm",
    "ply_mm",
    "shade_lots",
    "material_supplied",
    "material_arrives",
    "need_by",
    "note",
    "file_purpose",
    "file",
];

/// A step's progress as the order page shows it.
type StepRow = (String, i64, i64, i64, i64, usize, usize);

#[derive(Template)]
#[template(path = "factories/order_form.html")]
struct OrderForm {
    layout: Layout,
    code: String,
    name: String,
    /// (value, label)
    processes: Vec<(&'static str, String)>,
    families: Vec<String>,
    materials: Vec<String>,
    finishes: Vec<String>,
    v: OrderFields,
    /// What a file added with the order may be for: (value, label).
    purposes: Vec<(&'static str, String)>,
    errors: FormErrors,
    general_errors: Vec<String>,
}

async fn form_page(
    state: &AppState,
    context: &PageContext,
    principal: &zhizao_identity::Principal,
    code: String,
    v: OrderFields,
    errors: FormErrors,
) -> Result<Response, Response> {
    let t = context.t();
    let factories = state.factories();
    let name = factories.platform_name(&code).await.or_page(context)?;
    let offer = factories.offer(principal, &code).await.or_page(context)?;
    let general_errors = errors.general(ORDER_FIELDS);
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        render(&OrderForm {
            layout: context.layout("factories"),
            code,
            name,
            processes: offer
                .processes
                .iter()
                .map(|p| (p.as_str(), t.text(&p.label()).to_owned()))
                .collect(),
            families: offer.families,
            materials: offer.materials,
            finishes: offer.finishes,
            v,
            purposes: FilePurpose::ALL
                .iter()
                .filter(|p| **p != FilePurpose::Report)
                .map(|p| (p.as_str(), t.text(&p.label()).to_owned()))
                .collect(),
            errors,
            general_errors,
        }),
    )
        .into_response())
}

async fn order_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, Response> {
    if !policy::may_order_from_factories(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    form_page(
        &state,
        &context,
        &principal,
        code,
        OrderFields::default(),
        FormErrors::default(),
    )
    .await
}

/// A whole number typed in a form (empty: none), or the problem.
fn optional_whole(text: &str, field: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    text.parse::<i64>()
        .map_err(|_| {
            errors.push(FieldError::new(
                field,
                both_with(|t| t.not_whole_number(text)),
            ));
        })
        .ok()
}

/// A whole number that must be given: a blank is named as missing, anything else as
/// [`optional_whole`] names it.
fn required_whole(
    text: &str,
    field: &str,
    t: crate::i18n::Tr,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    let value = optional_whole(text, field, errors);
    if value.is_none() && text.trim().is_empty() {
        errors.push(FieldError::new(
            field,
            zhizao_core::Text::new(t.whole_number_required(), "enter a whole number"),
        ));
    }
    value
}

/// Reads "M 藏青 300" lines as matrix cells.
fn parse_matrix(text: &str, errors: &mut Vec<FieldError>) -> Vec<MatrixCell> {
    let mut cells = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let parsed = match parts.as_slice() {
            [size, colour, quantity] => quantity.parse::<i64>().ok().map(|quantity| MatrixCell {
                size: (*size).to_owned(),
                colour: (*colour).to_owned(),
                quantity,
            }),
            _ => None,
        };
        match parsed {
            Some(cell) => cells.push(cell),
            None => {
                errors.push(FieldError::new(
                    "matrix",
                    both_with(|t| t.matrix_line_format(line)),
                ));
                break;
            }
        }
    }
    cells
}

async fn place_order(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageUpload(upload): PageUpload,
) -> Result<Response, Response> {
    let t = context.t();
    let mut errors = Vec::new();
    let fields = match upload {
        Ok(upload) => upload,
        Err(error) => {
            // Nothing of an unreadable form is used: say why beside the file.
            let message = if error.status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                t.file_too_large(zhizao_factory::documents::MAX_FILE_BYTES / 1024 / 1024)
            } else {
                error.reason
            };
            errors.push(FieldError::new(
                "file",
                zhizao_core::Text::owned(message.clone(), message),
            ));
            Upload::default()
        }
    };
    let get = |name: &str| fields.text(name).to_owned();
    let v = OrderFields {
        file_purpose: get("file_purpose"),
        process: get("process"),
        family: get("family"),
        material: get("material"),
        finish: get("finish"),
        quantity: get("quantity"),
        matrix: get("matrix"),
        part_mm: get("part_mm"),
        weight_g: get("weight_g"),
        width_mm: get("width_mm"),
        ply_mm: get("ply_mm"),
        shade_lots: get("shade_lots"),
        material_supplied: get("material_supplied"),
        material_arrives: get("material_arrives"),
        need_by: get("need_by"),
        note: get("note"),
    };
    // A file sent with the order is checked before the order is placed, so a bad one changes
    // nothing.
    let attachment = fields.file("file");
    if let Some(file) = attachment
        && let Err(error) =
            zhizao_factory::documents::check_file(&v.file_purpose, &file.file_name, &file.bytes)
    {
        errors.extend(error.field_errors().into_iter().map(|mut e| {
            if e.field == "purpose" {
                e.field = "file_purpose".into();
            }
            e
        }));
    }
    let process = v.process.parse::<Process>().map_err(|error| {
        errors.push(FieldError::new(
            "process",
            zhizao_core::Text::owned(t.choose_process().to_owned(), error.to_string()),
        ));
    });
    let quantity = optional_whole(&v.quantity, "quantity", &mut errors).unwrap_or(0);
    let request = OrderRequest {
        process: process.unwrap_or(Process::Polishing),
        family: v.family.clone(),
        material: v.material.clone(),
        finish: v.finish.clone(),
        quantity,
        matrix: parse_matrix(&v.matrix, &mut errors),
        part_mm: optional_whole(&v.part_mm, "part_mm", &mut errors),
        weight_g: optional_whole(&v.weight_g, "weight_g", &mut errors),
        width_mm: optional_whole(&v.width_mm, "width_mm", &mut errors),
        ply_mm: optional_whole(&v.ply_mm, "ply_mm", &mut errors),
        shade_lots: v
            .shade_lots
            .split([',', '，'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        material_supplied: v.material_supplied.clone(),
        material_arrives: Some(v.material_arrives.trim().to_owned()).filter(|d| !d.is_empty()),
        need_by: v.need_by.clone(),
        note: v.note.clone(),
    };
    if errors.is_empty() {
        match state
            .factories()
            .place_order(&principal, &code, &request)
            .await
        {
            Ok(order) => {
                if let Some(file) = attachment {
                    state
                        .factories()
                        .add_order_file(
                            &principal,
                            &order.number,
                            &v.file_purpose,
                            &file.file_name,
                            file.bytes.clone(),
                        )
                        .await
                        .or_page(&context)?;
                }
                return Ok(Redirect::to(&format!(
                    "/factory-orders/{}?notice={}",
                    order.number,
                    notice_query(t.order_placed())
                ))
                .into_response());
            }
            Err(error) if !error.field_errors().is_empty() => {
                for mut e in error.field_errors() {
                    if e.field.starts_with("matrix[") {
                        e.field = "matrix".into();
                    }
                    errors.push(e);
                }
            }
            Err(error) => return Err(PageError::from(error).render(&context)),
        }
    }
    form_page(
        &state,
        &context,
        &principal,
        code,
        v,
        FormErrors::from_fields(&errors, t),
    )
    .await
}

/// `?status=` of the list.
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    status: String,
}

/// One order as a row: (number, factory, client, family, pieces, total, promised, status label,
/// status key, late, expired).
type OrderRow = (
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    String,
    &'static str,
    bool,
    bool,
);

#[derive(Template)]
#[template(path = "factories/orders.html")]
struct OrdersPage {
    layout: Layout,
    rows: Vec<OrderRow>,
    /// (key, label, selected)
    statuses: Vec<(&'static str, String, bool)>,
    /// The factory the reader may order from the list of factories.
    orders_as_client: bool,
}

async fn orders(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let status = q.status.trim().parse::<OrderStatus>().ok();
    let list = state
        .factories()
        .orders(&principal, status)
        .await
        .or_page(&context)?;
    let now = state.identity().clock().now();
    let rows = list
        .into_iter()
        .map(|o| {
            // Once delivered, the quote's promise no longer speaks for the order.
            let late = o.delivery.is_none() && o.later_than_needed();
            let expired = o.expired(now);
            (
                o.number.clone(),
                o.platform_name.clone(),
                o.client_name.clone(),
                o.request.family.clone(),
                o.request.pieces(),
                o.amount_due().to_yuan_string(),
                o.quote.promised_at.to_shanghai_string(),
                t.text(&o.status.label()).to_owned(),
                o.status.as_str(),
                late,
                expired,
            )
        })
        .collect();
    Ok(render(&OrdersPage {
        layout: context.layout("factories"),
        rows,
        statuses: OrderStatus::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str(),
                    t.text(&s.label()).to_owned(),
                    Some(*s) == status,
                )
            })
            .collect(),
        orders_as_client: policy::may_order_from_factories(&principal),
    }))
}

/// A file of the order as the page lists it.
struct FileRow {
    id: i64,
    purpose: String,
    name: String,
    size: String,
    when: String,
    by: String,
    /// The reader may remove it.
    removable: bool,
}

/// A delivery note as the page shows it.
struct DeliveryView {
    good: i64,
    scrap: i64,
    /// Material returned, in its unit.
    returned_quantity: i64,
    returned: String,
    note: String,
    /// (line, yuan)
    lines: Vec<(String, String)>,
    total: String,
    at: String,
    by: String,
    late: bool,
}

#[derive(Template)]
#[template(path = "factories/order.html")]
struct OrderPage {
    layout: Layout,
    o: Order,
    status_label: String,
    process_label: String,
    /// (line, yuan)
    lines: Vec<(String, String)>,
    total: String,
    promised: String,
    /// When the published plan finishes it, if it holds it.
    eta: String,
    /// (step name, good, scrap, pieces, ‰ good, lots done, lots) under the published plan.
    progress: Vec<StepRow>,
    valid_until: String,
    need_by: String,
    late: bool,
    expired: bool,
    can_accept: bool,
    can_requote: bool,
    can_cancel: bool,
    can_deliver: bool,
    can_receive: bool,
    /// The delivery note: (good, scrap, returned, note, [(line, yuan)], total, at, by, late).
    delivery: Option<DeliveryView>,
    /// The receipt: (rating, comment, at).
    receipt: Option<(i64, String, String)>,
    /// The client's material: (at, quantity, unit, lots, note, by).
    material: Vec<(String, i64, String, String, String, String)>,
    material_late: bool,
    /// The factory may record material received.
    can_record_material: bool,
    /// The material unit's options: (value, label, selected).
    units: Vec<(String, String, bool)>,
    /// The unit's label for the delivery form.
    unit_label: String,
    /// (received, returned, consumed, pieces unaccounted for), once delivered.
    reconciliation: Option<(i64, i64, i64, Option<i64>)>,
    /// The order's files.
    files: Vec<FileRow>,
    /// The reader may add files (its client or its factory, the order open).
    can_add_file: bool,
    /// The purposes a file may have: (value, label).
    purposes: Vec<(String, String)>,
    errors: FormErrors,
    typed: FormFields,
    /// (size, colour, quantity)
    matrix: Vec<(String, String, i64)>,
}

async fn order(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
) -> Result<Response, Response> {
    order_page(
        &state,
        &context,
        &principal,
        &number,
        Vec::new(),
        FormFields::default(),
    )
    .await
}

/// The order page, with the problems of a delivery or receipt form and what was typed.
async fn order_page(
    state: &AppState,
    context: &PageContext,
    principal: &zhizao_identity::Principal,
    number: &str,
    errors: Vec<FieldError>,
    typed: FormFields,
) -> Result<Response, Response> {
    let t = context.t();
    let (principal, number) = (principal.clone(), number.to_owned());
    let o = state
        .factories()
        .order(&principal, &number)
        .await
        .or_page(context)?;
    let eta = state
        .factories()
        .published_eta(&principal, &number)
        .await
        .or_page(context)?;
    let progress = state
        .factories()
        .order_progress(&principal, &number)
        .await
        .or_page(context)?;
    let now = state.identity().clock().now();
    let is_client = policy::request_scope(&principal)
        == policy::RequestScope::Client(principal.organization_id)
        && o.client_code == principal.organization_code;
    let runs_it = o.platform_code == principal.organization_code
        && policy::may_run_factory(&principal, principal.organization_id);
    let live = matches!(o.status, OrderStatus::Quoted | OrderStatus::Confirmed);
    // The unit: the first receipt's, or what the process usually counts in.
    let unit = o.material.first().map_or(
        match o.request.process {
            Process::Cutting => MaterialUnit::Metres,
            Process::Polishing => MaterialUnit::Pieces,
        },
        |r| r.input.unit,
    );
    let typed_unit = typed.get("unit").to_owned();
    let files = state
        .factories()
        .order_files(&principal, &number)
        .await
        .or_page(context)?;
    let page = OrderPage {
        layout: context.layout("factories"),
        status_label: t.text(&o.status.label()).to_owned(),
        process_label: t.text(&o.request.process.label()).to_owned(),
        lines: o
            .quote
            .price
            .lines
            .iter()
            .map(|l| (t.text(&l.text).to_owned(), l.amount.to_yuan_string()))
            .collect(),
        total: o.total().to_yuan_string(),
        promised: o.quote.promised_at.to_shanghai_string(),
        eta: eta.map(|at| at.to_shanghai_string()).unwrap_or_default(),
        progress: progress
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    s.good,
                    s.scrap,
                    s.pieces,
                    if s.pieces > 0 {
                        (s.good * 1000 / s.pieces).clamp(0, 1000)
                    } else {
                        0
                    },
                    s.lots_done,
                    s.lots,
                )
            })
            .collect(),
        valid_until: o.quote.valid_until.to_shanghai_string(),
        need_by: o.request.need_by.clone(),
        late: o.later_than_needed(),
        expired: o.expired(now),
        can_accept: is_client && o.status == OrderStatus::Quoted && !o.expired(now),
        can_requote: (is_client || runs_it) && live,
        can_cancel: (is_client || runs_it) && live,
        can_deliver: runs_it && o.status == OrderStatus::Confirmed,
        material: o
            .material
            .iter()
            .map(|r| {
                (
                    r.at.to_shanghai_string(),
                    r.input.quantity,
                    t.text(&r.input.unit.label()).to_owned(),
                    r.input.lots.clone(),
                    r.input.note.clone(),
                    r.by.clone(),
                )
            })
            .collect(),
        material_late: o.material_late(now),
        can_record_material: runs_it && live,
        units: MaterialUnit::ALL
            .iter()
            .map(|u| {
                let selected = if typed_unit.is_empty() {
                    *u == unit
                } else {
                    u.as_str() == typed_unit
                };
                (
                    u.as_str().to_owned(),
                    t.text(&u.label()).to_owned(),
                    selected,
                )
            })
            .collect(),
        unit_label: t.text(&unit.label()).to_owned(),
        reconciliation: o
            .reconciliation()
            .map(|r| (r.received, r.returned, r.consumed, r.unaccounted)),
        files: files
            .into_iter()
            .map(|f| FileRow {
                id: f.id,
                purpose: f
                    .purpose
                    .parse::<FilePurpose>()
                    .map_or(f.purpose.clone(), |p| t.text(&p.label()).to_owned()),
                name: f.file_name,
                size: format!("{:.1} KB", f.size_bytes as f64 / 1024.0),
                when: f.uploaded_at.to_shanghai_string(),
                by: f.uploaded_by,
                removable: f.removable,
            })
            .collect(),
        can_add_file: (is_client || runs_it)
            && !matches!(o.status, OrderStatus::Cancelled | OrderStatus::Received),
        purposes: FilePurpose::ALL
            .iter()
            .map(|p| (p.as_str().to_owned(), t.text(&p.label()).to_owned()))
            .collect(),
        can_receive: is_client && o.status == OrderStatus::Delivered,
        delivery: o.delivery.as_ref().map(|d| DeliveryView {
            good: d.input.good,
            scrap: d.input.scrap,
            returned_quantity: d.input.returned,
            returned: d.input.material_returned.clone(),
            note: d.input.note.clone(),
            lines: d
                .price
                .lines
                .iter()
                .map(|l| (t.text(&l.text).to_owned(), l.amount.to_yuan_string()))
                .collect(),
            total: d.price.total.to_yuan_string(),
            at: d.at.to_shanghai_string(),
            by: d.by.clone(),
            late: d.late,
        }),
        receipt: o
            .delivery
            .as_ref()
            .and_then(|d| d.receipt.as_ref())
            .map(|r| (r.rating, r.comment.clone(), r.at.to_shanghai_string())),
        errors: FormErrors::from_fields(&errors, t),
        typed,
        matrix: o
            .request
            .matrix
            .iter()
            .map(|c| (c.size.clone(), c.colour.clone(), c.quantity))
            .collect(),
        o,
    };
    let status = if page.errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)).into_response())
}

async fn act(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((number, action)): Path<(String, String)>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let Ok(action) = action.parse::<OrderAction>() else {
        return Err(PageError::NotFound.render(&context));
    };
    let expected = fields.get("row_version").trim().parse::<i64>().ok();
    let done = state
        .factories()
        .act_on_order(&principal, &number, action, expected, fields.get("reason"))
        .await
        .or_page(&context)?;
    let notice = match action {
        OrderAction::Accept => t.order_accepted(),
        OrderAction::Requote => t.order_requoted(),
        OrderAction::Cancel => t.order_cancelled(),
    };
    Ok(Redirect::to(&format!(
        "/factory-orders/{}?notice={}",
        done.number,
        notice_query(notice)
    ))
    .into_response())
}

async fn deliver(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let expected = fields.get("row_version").trim().parse::<i64>().ok();
    let mut errors = Vec::new();
    let good = required_whole(fields.get("good"), "good", t, &mut errors);
    let scrap = optional_whole(fields.get("scrap"), "scrap", &mut errors).unwrap_or(0);
    let returned = optional_whole(fields.get("returned"), "returned", &mut errors).unwrap_or(0);
    if errors.is_empty() {
        let input = zhizao_factory::DeliveryInput {
            good: good.unwrap_or(0),
            scrap,
            returned,
            material_returned: fields.get("material_returned").to_owned(),
            note: fields.get("note").to_owned(),
        };
        match state
            .factories()
            .deliver(&principal, &number, &input, expected)
            .await
        {
            Ok(done) => {
                return Ok(Redirect::to(&format!(
                    "/factory-orders/{}?notice={}",
                    done.number,
                    notice_query(t.order_delivered())
                ))
                .into_response());
            }
            Err(error) if !error.field_errors().is_empty() => errors = error.field_errors(),
            Err(error) => return Err(PageError::from(error).render(&context)),
        }
    }
    order_page(&state, &context, &principal, &number, errors, fields).await
}

async fn record_material(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let expected = fields.get("row_version").trim().parse::<i64>().ok();
    let mut errors = Vec::new();
    let quantity = required_whole(fields.get("quantity"), "quantity", t, &mut errors);
    let unit = fields.get("unit").parse::<MaterialUnit>();
    if unit.is_err() {
        errors.push(FieldError::new(
            "unit",
            zhizao_core::Text::new(t.choose_material_unit(), "choose the unit of the material"),
        ));
    }
    if let (true, Ok(unit)) = (errors.is_empty(), unit) {
        let input = MaterialInput {
            quantity: quantity.unwrap_or(0),
            unit,
            lots: fields.get("lots").to_owned(),
            note: fields.get("material_note").to_owned(),
        };
        match state
            .factories()
            .record_material(&principal, &number, &input, expected)
            .await
        {
            Ok(done) => {
                return Ok(Redirect::to(&format!(
                    "/factory-orders/{}?notice={}#material",
                    done.number,
                    notice_query(t.material_recorded())
                ))
                .into_response());
            }
            Err(error) if !error.field_errors().is_empty() => errors = error.field_errors(),
            Err(error) => return Err(PageError::from(error).render(&context)),
        }
    }
    order_page(&state, &context, &principal, &number, errors, fields).await
}

async fn remove_file(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((number, file_id)): Path<(String, i64)>,
    PageForm(_): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    match state
        .factories()
        .remove_order_file(&principal, &number, file_id)
        .await
    {
        Ok(removed) => Ok(Redirect::to(&format!(
            "/factory-orders/{number}?notice={}#files",
            notice_query(&t.order_file_removed(&removed.file_name))
        ))
        .into_response()),
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

async fn attach_file(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    PageUpload(upload): PageUpload,
) -> Result<Response, Response> {
    let t = context.t();
    let received = super::purpose_and_file(&upload, t, zhizao_factory::documents::MAX_FILE_BYTES);
    let (purpose, file) = match received {
        Ok(received) => received,
        Err(message) => {
            let problem =
                FieldError::new("file", zhizao_core::Text::owned(message.clone(), message));
            return order_page(
                &state,
                &context,
                &principal,
                &number,
                vec![problem],
                FormFields::default(),
            )
            .await;
        }
    };
    match state
        .factories()
        .add_order_file(&principal, &number, &purpose, &file.file_name, file.bytes)
        .await
    {
        Ok(added) => Ok(Redirect::to(&format!(
            "/factory-orders/{number}?notice={}#files",
            notice_query(
                &t.attachment_added(
                    &added
                        .purpose
                        .parse::<FilePurpose>()
                        .map_or(added.purpose.clone(), |p| t.text(&p.label()).to_owned()),
                    &added.file_name
                )
            )
        ))
        .into_response()),
        Err(error) if !error.field_errors().is_empty() => {
            order_page(
                &state,
                &context,
                &principal,
                &number,
                error.field_errors(),
                FormFields::default(),
            )
            .await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

async fn receive(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let expected = fields.get("row_version").trim().parse::<i64>().ok();
    let rating = fields.get("rating").trim().parse::<i64>().unwrap_or(0);
    match state
        .factories()
        .receive(&principal, &number, rating, fields.get("comment"), expected)
        .await
    {
        Ok(done) => Ok(Redirect::to(&format!(
            "/factory-orders/{}?notice={}",
            done.number,
            notice_query(t.order_received())
        ))
        .into_response()),
        Err(error) if !error.field_errors().is_empty() => {
            order_page(
                &state,
                &context,
                &principal,
                &number,
                error.field_errors(),
                fields,
            )
            .await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}
