//! Shared-factory orders: an enterprise places one with a factory and gets an instant quote (the
//! price line by line and a date promised from the factory's plan); the client accepts, either
//! side re-quotes or cancels. Each caller sees the orders `policy::request_scope` allows.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::{Fen, FieldError, Text};
use zhizao_factory::order::MatrixCell;
use zhizao_factory::{
    DeliveryInput, MaterialInput, Order, OrderAction, OrderRequest, OrderStatus, Process,
};

use super::{etag, if_match, rfc3339};
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(place_order))
        .routes(routes!(list_orders))
        .routes(routes!(get_order))
        .routes(routes!(accept_order))
        .routes(routes!(requote_order))
        .routes(routes!(cancel_order))
        .routes(routes!(record_material))
        .routes(routes!(deliver_order))
        .routes(routes!(receive_order))
        .routes(routes!(list_files))
        .routes(routes!(download_file, remove_file))
        .merge(OpenApiRouter::new().routes(routes!(upload_file)).layer(
            axum::extract::DefaultBodyLimit::max(
                zhizao_factory::documents::MAX_FILE_BYTES + 256 * 1024,
            ),
        ))
}

/// One size × colour cell of a cutting order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MatrixCellDto {
    size: String,
    colour: String,
    quantity: i64,
}

/// What a client orders.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct OrderRequestDto {
    /// cutting or polishing.
    process: String,
    /// Part family (polishing) or fabric (cutting), as the factory's tariff names it.
    family: String,
    material: String,
    /// Finish asked for (polishing).
    #[serde(default)]
    finish: String,
    /// Pieces (polishing); for cutting 0 or the matrix's sum.
    #[serde(default)]
    quantity: i64,
    /// Sizes × colours (cutting).
    #[serde(default)]
    matrix: Vec<MatrixCellDto>,
    /// Largest part dimension, mm.
    part_mm: Option<i64>,
    /// Part weight, g.
    weight_g: Option<i64>,
    /// Fabric roll width, mm.
    width_mm: Option<i64>,
    /// Lay height, mm.
    ply_mm: Option<i64>,
    /// Fabric shade lots.
    #[serde(default)]
    shade_lots: Vec<String>,
    /// The material the client supplies (来料).
    #[serde(default)]
    material_supplied: String,
    /// When the material reaches the factory, YYYY-MM-DD.
    material_arrives: Option<String>,
    /// The day the work is needed back, YYYY-MM-DD.
    need_by: String,
    #[serde(default)]
    note: String,
}

impl OrderRequestDto {
    fn into_request(self) -> Result<OrderRequest, ApiError> {
        let process = self.process.parse::<Process>().map_err(|error| {
            ApiError::validation(vec![FieldError::new(
                "process",
                Text::owned(format!("“{}”不是加工类型", self.process), error.to_string()),
            )])
        })?;
        Ok(OrderRequest {
            process,
            family: self.family,
            material: self.material,
            finish: self.finish,
            quantity: self.quantity,
            matrix: self
                .matrix
                .into_iter()
                .map(|c| MatrixCell {
                    size: c.size,
                    colour: c.colour,
                    quantity: c.quantity,
                })
                .collect(),
            part_mm: self.part_mm,
            weight_g: self.weight_g,
            width_mm: self.width_mm,
            ply_mm: self.ply_mm,
            shade_lots: self.shade_lots,
            material_supplied: self.material_supplied,
            material_arrives: self.material_arrives,
            need_by: self.need_by,
            note: self.note,
        })
    }

    fn from_request(r: &OrderRequest) -> Self {
        OrderRequestDto {
            process: r.process.as_str().to_owned(),
            family: r.family.clone(),
            material: r.material.clone(),
            finish: r.finish.clone(),
            quantity: r.pieces(),
            matrix: r
                .matrix
                .iter()
                .map(|c| MatrixCellDto {
                    size: c.size.clone(),
                    colour: c.colour.clone(),
                    quantity: c.quantity,
                })
                .collect(),
            part_mm: r.part_mm,
            weight_g: r.weight_g,
            width_mm: r.width_mm,
            ply_mm: r.ply_mm,
            shade_lots: r.shade_lots.clone(),
            material_supplied: r.material_supplied.clone(),
            material_arrives: r.material_arrives.clone(),
            need_by: r.need_by.clone(),
            note: r.note.clone(),
        }
    }
}

/// One line of a price.
#[derive(Debug, Serialize, ToSchema)]
struct QuoteLineDto {
    text_zh: String,
    text_en: String,
    #[schema(value_type = i64)]
    amount_fen: Fen,
}

/// Machine minutes of one resource class the price charges.
#[derive(Debug, Serialize, ToSchema)]
struct ChargedMinutesDto {
    class: String,
    minutes: i64,
}

/// A quote: the price line by line and the date promised from the factory's plan.
#[derive(Debug, Serialize, ToSchema)]
struct OrderQuoteDto {
    tariff_version: i64,
    setup_version: i64,
    lines: Vec<QuoteLineDto>,
    #[schema(value_type = i64)]
    total_fen: Fen,
    machine_minutes: Vec<ChargedMinutesDto>,
    /// When the plan finishes the order.
    promised_at: String,
    /// Until when the client may accept.
    valid_until: String,
    /// Whether the quote can no longer be accepted.
    expired: bool,
    /// Whether the promise is later than the day needed.
    later_than_needed: bool,
    /// Confirmed orders the plan held besides this one.
    planned_with: usize,
    quoted_at: String,
}

/// An order.
#[derive(Debug, Serialize, ToSchema)]
struct OrderDto {
    number: String,
    platform_code: String,
    platform_name: String,
    client_code: String,
    client_name: String,
    /// quoted, confirmed, cancelled, delivered or received.
    status: String,
    request: OrderRequestDto,
    quote: OrderQuoteDto,
    created_at: String,
    created_by: String,
    updated_at: String,
    /// Send it as `If-Match` when acting on the order.
    row_version: i64,
    /// When the factory's published plan finishes the order (one order's reply only).
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_end: Option<String>,
    /// Step by step, the pieces the published plan holds and the machines counted (one order's
    /// reply only; empty when the published plan does not hold it).
    #[serde(skip_serializing_if = "Option::is_none")]
    progress: Option<Vec<StepProgressDto>>,
    /// The client's material as the factory received it, first receipt first.
    material: Vec<MaterialReceiptDto>,
    /// The material came (or, not yet come, is) later than the client said: lateness the
    /// client caused.
    material_late: bool,
    /// The delivery note, once delivered.
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery: Option<DeliveryDto>,
}

/// One receipt of the client's material.
#[derive(Debug, Serialize, ToSchema)]
struct MaterialReceiptDto {
    quantity: i64,
    /// pieces, metres or kg.
    unit: String,
    lots: String,
    note: String,
    received_at: String,
    received_by: String,
}

/// The material received against what the delivery accounts for, in its unit.
#[derive(Debug, Serialize, ToSchema)]
struct ReconciliationDto {
    unit: String,
    received: i64,
    returned: i64,
    /// Received less returned.
    consumed: i64,
    /// Pieces only: consumed less good and scrap (0 when every piece is accounted for).
    unaccounted: Option<i64>,
}

/// One routing step of an order on the floor.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct StepProgressDto {
    step: usize,
    name: String,
    /// Pieces planned at this step.
    pieces: i64,
    /// Good pieces counted.
    good: i64,
    scrap: i64,
    lots_done: usize,
    lots: usize,
}

impl From<&zhizao_factory::progress::StepProgress> for StepProgressDto {
    fn from(s: &zhizao_factory::progress::StepProgress) -> Self {
        StepProgressDto {
            step: s.step,
            name: s.name.clone(),
            pieces: s.pieces,
            good: s.good,
            scrap: s.scrap,
            lots_done: s.lots_done,
            lots: s.lots,
        }
    }
}

/// The delivery note, the amount due and the client's receipt.
#[derive(Debug, Serialize, ToSchema)]
struct DeliveryDto {
    good: i64,
    scrap: i64,
    /// Material returned unused, in the unit of its receipts.
    returned: i64,
    material_returned: String,
    note: String,
    /// The amount due line by line: the quoted tariff version applied to the good pieces.
    lines: Vec<QuoteLineDto>,
    #[schema(value_type = i64)]
    final_fen: Fen,
    delivered_at: String,
    delivered_by: String,
    /// Delivered after the promised date.
    late: bool,
    /// 1–5, once the client confirmed receipt.
    rating: Option<i64>,
    comment: Option<String>,
    received_at: Option<String>,
    /// What came in against what went back.
    reconciliation: Option<ReconciliationDto>,
}

impl OrderDto {
    fn of(order: Order, now: zhizao_core::Timestamp) -> Self {
        let expired = order.expired(now);
        let later_than_needed = order.later_than_needed();
        let material_late = order.material_late(now);
        let reconciliation = order.reconciliation().map(|r| ReconciliationDto {
            unit: r.unit.as_str().to_owned(),
            received: r.received,
            returned: r.returned,
            consumed: r.consumed,
            unaccounted: r.unaccounted,
        });
        let quote = order.quote;
        OrderDto {
            number: order.number,
            platform_code: order.platform_code,
            platform_name: order.platform_name,
            client_code: order.client_code,
            client_name: order.client_name,
            status: order.status.as_str().to_owned(),
            request: OrderRequestDto::from_request(&order.request),
            quote: OrderQuoteDto {
                tariff_version: quote.tariff_version,
                setup_version: quote.setup_version,
                lines: quote
                    .price
                    .lines
                    .into_iter()
                    .map(|line| QuoteLineDto {
                        text_zh: line.text.zh.into_owned(),
                        text_en: line.text.en.into_owned(),
                        amount_fen: line.amount,
                    })
                    .collect(),
                total_fen: quote.price.total,
                machine_minutes: quote
                    .machine_minutes
                    .into_iter()
                    .map(|(class, minutes)| ChargedMinutesDto {
                        class: class.as_str().to_owned(),
                        minutes,
                    })
                    .collect(),
                promised_at: rfc3339(quote.promised_at),
                valid_until: rfc3339(quote.valid_until),
                expired,
                later_than_needed,
                planned_with: quote.planned_with,
                quoted_at: rfc3339(quote.quoted_at),
            },
            created_at: rfc3339(order.created_at),
            created_by: order.created_by,
            updated_at: rfc3339(order.updated_at),
            row_version: order.row_version,
            expected_end: None,
            progress: None,
            material: order
                .material
                .into_iter()
                .map(|r| MaterialReceiptDto {
                    quantity: r.input.quantity,
                    unit: r.input.unit.as_str().to_owned(),
                    lots: r.input.lots,
                    note: r.input.note,
                    received_at: rfc3339(r.at),
                    received_by: r.by,
                })
                .collect(),
            material_late,
            delivery: order.delivery.map(|d| DeliveryDto {
                good: d.input.good,
                scrap: d.input.scrap,
                returned: d.input.returned,
                material_returned: d.input.material_returned,
                note: d.input.note,
                lines: d
                    .price
                    .lines
                    .into_iter()
                    .map(|line| QuoteLineDto {
                        text_zh: line.text.zh.into_owned(),
                        text_en: line.text.en.into_owned(),
                        amount_fen: line.amount,
                    })
                    .collect(),
                final_fen: d.price.total,
                delivered_at: rfc3339(d.at),
                delivered_by: d.by,
                late: d.late,
                rating: d.receipt.as_ref().map(|r| r.rating),
                comment: d.receipt.as_ref().map(|r| r.comment.clone()),
                received_at: d.receipt.as_ref().map(|r| rfc3339(r.at)),
                reconciliation,
            }),
        }
    }
}

fn reply(state: &AppState, order: Order, status: StatusCode) -> impl IntoResponse + use<> {
    let version = order.row_version;
    (
        status,
        etag(version),
        Json(OrderDto::of(order, state.identity().clock().now())),
    )
}

/// Places an order with the factory for the caller's enterprise and quotes it at once: the
/// price under the current tariff and the date the factory's plan finishes it.
#[utoipa::path(post, path = "/api/v1/factories/{code}/orders", tag = "factory orders", params(("code" = String, Path, description = "the platform's organisation code")), request_body = OrderRequestDto,
    responses((status = 201, body = OrderDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn place_order(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<OrderRequestDto>,
) -> Result<impl IntoResponse, ApiError> {
    let request = body.into_request()?;
    let order = state
        .factories()
        .place_order(&principal, &code, &request)
        .await?;
    Ok(reply(&state, order, StatusCode::CREATED))
}

/// `?status=` of the order list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct OrderFilter {
    /// quoted, confirmed, cancelled, delivered or received.
    status: Option<String>,
}

/// The orders the caller sees, newest first (at most 500): an enterprise its own, a factory
/// those brought to it, the city all.
#[utoipa::path(get, path = "/api/v1/factory-orders", tag = "factory orders", params(OrderFilter),
    responses((status = 200, body = Vec<OrderDto>), (status = 422, body = crate::problem::Problem)))]
async fn list_orders(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Query(filter): Query<OrderFilter>,
) -> Result<Json<Vec<OrderDto>>, ApiError> {
    let status = match filter.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(name) => Some(name.parse::<OrderStatus>().map_err(|error| {
            ApiError::validation(vec![FieldError::new(
                "status",
                Text::owned(format!("“{name}”不是订单状态"), error.to_string()),
            )])
        })?),
    };
    let orders = state.factories().orders(&principal, status).await?;
    let now = state.identity().clock().now();
    Ok(Json(
        orders.into_iter().map(|o| OrderDto::of(o, now)).collect(),
    ))
}

/// One order the caller sees.
#[utoipa::path(get, path = "/api/v1/factory-orders/{number}", tag = "factory orders", params(("number" = String, Path)),
    responses((status = 200, body = OrderDto), (status = 404, body = crate::problem::Problem)))]
async fn get_order(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let factories = state.factories();
    let order = factories.order(&principal, &number).await?;
    let expected_end = factories.published_eta(&principal, &number).await?;
    let progress = factories.order_progress(&principal, &number).await?;
    let version = order.row_version;
    let mut dto = OrderDto::of(order, state.identity().clock().now());
    dto.expected_end = expected_end.map(rfc3339);
    dto.progress = Some(progress.iter().map(StepProgressDto::from).collect());
    Ok((StatusCode::OK, etag(version), Json(dto)))
}

/// Why an order is cancelled.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CancelBody {
    #[serde(default)]
    reason: String,
}

async fn act(
    state: &AppState,
    principal: &zhizao_identity::Principal,
    number: &str,
    action: OrderAction,
    headers: &HeaderMap,
    reason: &str,
) -> Result<impl IntoResponse + use<>, ApiError> {
    let order = state
        .factories()
        .act_on_order(principal, number, action, if_match(headers)?, reason)
        .await?;
    Ok(reply(state, order, StatusCode::OK))
}

/// The client accepts the quote (before it expires), confirming the order. `If-Match` with the
/// order's `row_version` refuses the acceptance if the quote changed meanwhile.
#[utoipa::path(post, path = "/api/v1/factory-orders/{number}/accept", tag = "factory orders", params(("number" = String, Path)),
    responses((status = 200, body = OrderDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn accept_order(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    act(
        &state,
        &principal,
        &number,
        OrderAction::Accept,
        &headers,
        "",
    )
    .await
}

/// The client or the factory asks for a fresh quote (an expired one, or the factory revising a
/// confirmed order, which then waits for the client's acceptance again).
#[utoipa::path(post, path = "/api/v1/factory-orders/{number}/requote", tag = "factory orders", params(("number" = String, Path)),
    responses((status = 200, body = OrderDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn requote_order(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    act(
        &state,
        &principal,
        &number,
        OrderAction::Requote,
        &headers,
        "",
    )
    .await
}

/// The client withdraws the order or the factory declines it, with a reason.
#[utoipa::path(post, path = "/api/v1/factory-orders/{number}/cancel", tag = "factory orders", params(("number" = String, Path)), request_body = CancelBody,
    responses((status = 200, body = OrderDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn cancel_order(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CancelBody>,
) -> Result<impl IntoResponse, ApiError> {
    act(
        &state,
        &principal,
        &number,
        OrderAction::Cancel,
        &headers,
        &body.reason,
    )
    .await
}

/// What the factory hands back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DeliveryBody {
    /// Good pieces.
    good: i64,
    /// Scrap pieces.
    scrap: i64,
    /// The client's material returned unused, in the unit of its receipts.
    #[serde(default)]
    returned: i64,
    /// The material returned, in words (lots, state).
    #[serde(default)]
    material_returned: String,
    #[serde(default)]
    note: String,
}

/// A receipt of the client's material.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MaterialBody {
    /// How much came.
    quantity: i64,
    /// pieces, metres or kg; every receipt of an order uses the first one's.
    unit: String,
    /// Lots, rolls or shade lots as labelled.
    #[serde(default)]
    lots: String,
    #[serde(default)]
    note: String,
}

/// The factory records the client's material received for a quoted or confirmed order (its own
/// staff): the plan may start the order's work from then, and the delivery reconciles it.
/// `If-Match` with the order's `row_version` refuses it if the order changed meanwhile.
#[utoipa::path(post, path = "/api/v1/factory-orders/{number}/material", tag = "factory orders", params(("number" = String, Path)), request_body = MaterialBody,
    responses((status = 200, body = OrderDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn record_material(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<MaterialBody>,
) -> Result<impl IntoResponse, ApiError> {
    let unit = body
        .unit
        .parse::<zhizao_factory::MaterialUnit>()
        .map_err(|error| {
            ApiError::validation(vec![FieldError::new(
                "unit",
                Text::owned(
                    format!("“{}”不是来料单位（pieces、metres、kg）", body.unit),
                    error.to_string(),
                ),
            )])
        })?;
    let input = MaterialInput {
        quantity: body.quantity,
        unit,
        lots: body.lots,
        note: body.note,
    };
    let order = state
        .factories()
        .record_material(&principal, &number, &input, if_match(&headers)?)
        .await?;
    Ok(reply(&state, order, StatusCode::OK))
}

/// The factory delivers a confirmed order with its delivery note (its own staff); the amount due
/// is the quoted tariff version applied to the good pieces. `If-Match` with the order's
/// `row_version` refuses the delivery if the order changed meanwhile.
#[utoipa::path(post, path = "/api/v1/factory-orders/{number}/delivery", tag = "factory orders", params(("number" = String, Path)), request_body = DeliveryBody,
    responses((status = 200, body = OrderDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn deliver_order(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DeliveryBody>,
) -> Result<impl IntoResponse, ApiError> {
    let input = DeliveryInput {
        good: body.good,
        scrap: body.scrap,
        returned: body.returned,
        material_returned: body.material_returned,
        note: body.note,
    };
    let order = state
        .factories()
        .deliver(&principal, &number, &input, if_match(&headers)?)
        .await?;
    Ok(reply(&state, order, StatusCode::OK))
}

/// The client's receipt.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReceiptBody {
    /// 1 to 5.
    rating: i64,
    #[serde(default)]
    comment: String,
}

/// The client confirms receipt of a delivered order and rates the service (1–5 and a comment).
#[utoipa::path(post, path = "/api/v1/factory-orders/{number}/receipt", tag = "factory orders", params(("number" = String, Path)), request_body = ReceiptBody,
    responses((status = 200, body = OrderDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn receive_order(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ReceiptBody>,
) -> Result<impl IntoResponse, ApiError> {
    let order = state
        .factories()
        .receive(
            &principal,
            &number,
            body.rating,
            &body.comment,
            if_match(&headers)?,
        )
        .await?;
    Ok(reply(&state, order, StatusCode::OK))
}

/// A file an order carries.
#[derive(Debug, Serialize, ToSchema)]
struct OrderFileDto {
    id: i64,
    /// drawing, photo, pattern or report.
    purpose: String,
    file_name: String,
    /// Judged from the content.
    content_type: String,
    size_bytes: i64,
    sha256: String,
    uploaded_at: String,
    uploaded_by: String,
    /// Whether the caller may remove it (its side added it and the order is open).
    removable: bool,
}

impl From<zhizao_factory::documents::OrderFile> for OrderFileDto {
    fn from(f: zhizao_factory::documents::OrderFile) -> Self {
        OrderFileDto {
            id: f.id,
            purpose: f.purpose,
            file_name: f.file_name,
            content_type: f.content_type,
            size_bytes: f.size_bytes,
            sha256: f.sha256,
            uploaded_at: rfc3339(f.uploaded_at),
            uploaded_by: f.uploaded_by,
            removable: f.removable,
        }
    }
}

/// The files an order carries, oldest first (whoever sees the order).
#[utoipa::path(get, path = "/api/v1/factory-orders/{number}/files", tag = "factory orders", params(("number" = String, Path)),
    responses((status = 200, body = Vec<OrderFileDto>), (status = 404, body = crate::problem::Problem)))]
async fn list_files(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<Vec<OrderFileDto>>, ApiError> {
    let files = state.factories().order_files(&principal, &number).await?;
    Ok(Json(files.into_iter().map(OrderFileDto::from).collect()))
}

/// Adds a file to an order (multipart: `purpose` — drawing, photo, pattern or report — and
/// `file`): its client or its factory while the order is open; PDF, PNG, JPEG, DXF (pattern
/// pieces), Excel or Word, judged by content, at most 20 MiB, 30 files an order.
#[utoipa::path(post, path = "/api/v1/factory-orders/{number}/files", tag = "factory orders", params(("number" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "`purpose`: drawing, photo, pattern or report; `file`: the file"),
    responses((status = 201, body = OrderFileDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 413, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn upload_file(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(number): ApiPath<String>,
    request: axum::extract::Request,
) -> Result<impl IntoResponse, ApiError> {
    // Outside the caller's scope the order does not exist, whatever the body.
    state.factories().order(&principal, &number).await?;
    let (purpose, file_name, bytes) =
        super::projects::read_upload(&state, request, zhizao_factory::documents::MAX_FILE_BYTES)
            .await?;
    let file = state
        .factories()
        .add_order_file(&principal, &number, &purpose, &file_name, bytes)
        .await?;
    Ok((StatusCode::CREATED, Json(OrderFileDto::from(file))))
}

/// Removes one of an order's files: the side that added it (the client its drawings, the
/// factory its reports) while the order is open; audited. 403 for the other side, 409 once the
/// order is cancelled or received.
#[utoipa::path(delete, path = "/api/v1/factory-orders/{number}/files/{file_id}", tag = "factory orders",
    params(("number" = String, Path), ("file_id" = i64, Path)),
    responses((status = 204, description = "Removed"), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn remove_file(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((number, file_id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    state
        .factories()
        .remove_order_file(&principal, &number, file_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Downloads one of an order's files (always as a download, with the type its content has).
#[utoipa::path(get, path = "/api/v1/factory-orders/{number}/files/{file_id}", tag = "factory orders",
    params(("number" = String, Path), ("file_id" = i64, Path)),
    responses((status = 200, description = "The file"), (status = 404, body = crate::problem::Problem)))]
async fn download_file(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((number, file_id)): ApiPath<(String, i64)>,
) -> Result<axum::response::Response, ApiError> {
    let (file, bytes) = state
        .factories()
        .order_file(&principal, &number, file_id)
        .await?;
    Ok(super::projects::file_response(
        file.id,
        &file.file_name,
        &file.content_type,
        bytes,
    ))
}
