//! Shared factories: a platform's published tariff (versions, written by its own staff) and
//! quotes under the current one for anyone signed in; its set-up (versions, read by its staff and
//! the city, written by its staff).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::{Fen, FieldError, Text};
use zhizao_factory::tariff::{
    HourlyRate, PiecePrice, PricingInput, QuantityBreak, ResourceClass, Tariff,
};
use zhizao_factory::{Quote, Setup, SetupVersion, TariffVersion};

use super::{etag, if_match, rfc3339};
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(tariff_versions, save_tariff))
        .routes(routes!(quote))
        .routes(routes!(setup_versions, save_setup))
}

/// A machine-hour price.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct HourlyRateDto {
    /// cutting_line, spreading_line, polishing_cell or manual.
    class: String,
    #[schema(value_type = i64)]
    per_hour_fen: Fen,
}

/// A unit price from a quantity on (applied to the whole quantity).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct QuantityBreakDto {
    from_quantity: i64,
    #[schema(value_type = i64)]
    per_piece_fen: Fen,
}

/// Per-piece prices of a part family or fabric.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PiecePriceDto {
    family: String,
    /// In increasing quantity; the first from 1.
    breaks: Vec<QuantityBreakDto>,
}

/// A tariff's prices, money in fen.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TariffDto {
    /// Per change-over.
    #[schema(value_type = i64)]
    setup_fee_fen: Fen,
    hourly: Vec<HourlyRateDto>,
    pieces: Vec<PiecePriceDto>,
    /// The least an order costs.
    #[schema(value_type = i64)]
    minimum_charge_fen: Fen,
}

impl From<&Tariff> for TariffDto {
    fn from(t: &Tariff) -> Self {
        TariffDto {
            setup_fee_fen: t.setup_fee,
            hourly: t
                .hourly
                .iter()
                .map(|r| HourlyRateDto {
                    class: r.class.as_str().to_owned(),
                    per_hour_fen: r.per_hour,
                })
                .collect(),
            pieces: t
                .pieces
                .iter()
                .map(|p| PiecePriceDto {
                    family: p.family.clone(),
                    breaks: p
                        .breaks
                        .iter()
                        .map(|b| QuantityBreakDto {
                            from_quantity: b.from_quantity,
                            per_piece_fen: b.per_piece,
                        })
                        .collect(),
                })
                .collect(),
            minimum_charge_fen: t.minimum_charge,
        }
    }
}

/// A resource class named in a request, or the problem naming where.
fn class_at(name: &str, field: String, errors: &mut Vec<FieldError>) -> Option<ResourceClass> {
    match name.parse::<ResourceClass>() {
        Ok(class) => Some(class),
        Err(error) => {
            errors.push(FieldError::new(
                field,
                Text::owned(format!("“{name}”不是资源类别"), error.to_string()),
            ));
            None
        }
    }
}

impl TariffDto {
    fn into_tariff(self) -> Result<Tariff, ApiError> {
        let mut errors = Vec::new();
        let hourly = self
            .hourly
            .into_iter()
            .enumerate()
            .filter_map(|(index, rate)| {
                class_at(
                    &rate.class,
                    format!("tariff.hourly[{index}].class"),
                    &mut errors,
                )
                .map(|class| HourlyRate {
                    class,
                    per_hour: rate.per_hour_fen,
                })
            })
            .collect();
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(Tariff {
            setup_fee: self.setup_fee_fen,
            hourly,
            pieces: self
                .pieces
                .into_iter()
                .map(|p| PiecePrice {
                    family: p.family,
                    breaks: p
                        .breaks
                        .into_iter()
                        .map(|b| QuantityBreak {
                            from_quantity: b.from_quantity,
                            per_piece: b.per_piece_fen,
                        })
                        .collect(),
                })
                .collect(),
            minimum_charge: self.minimum_charge_fen,
        })
    }
}

/// Names a tariff's problems as the request names them (`tariff.` and `_fen`).
fn as_requested(error: zhizao_factory::Error) -> ApiError {
    let renamed: Vec<FieldError> = zhizao_core::Classified::field_errors(&error)
        .into_iter()
        .map(|mut e| {
            let money = ["setup_fee", "per_hour", "per_piece", "minimum_charge"]
                .iter()
                .any(|name| e.field.ends_with(name));
            if money {
                e.field.push_str("_fen");
            }
            if e.field != "note" {
                e.field = format!("tariff.{}", e.field);
            }
            e
        })
        .collect();
    if renamed.is_empty() {
        ApiError::from(error)
    } else {
        ApiError::validation(renamed)
    }
}

/// A version of a platform's tariff.
#[derive(Debug, Serialize, ToSchema)]
struct TariffVersionDto {
    platform_code: String,
    version: i64,
    tariff: TariffDto,
    note: String,
    created_at: String,
    created_by: String,
}

impl From<TariffVersion> for TariffVersionDto {
    fn from(v: TariffVersion) -> Self {
        TariffVersionDto {
            tariff: TariffDto::from(&v.tariff),
            platform_code: v.platform_code,
            version: v.version,
            note: v.note,
            created_at: rfc3339(v.created_at),
            created_by: v.created_by,
        }
    }
}

/// Every version of a factory's tariff, newest first (anyone signed in: clients compare).
#[utoipa::path(get, path = "/api/v1/factories/{code}/tariffs", tag = "factories", params(("code" = String, Path, description = "the platform's organisation code")),
    responses((status = 200, body = Vec<TariffVersionDto>), (status = 404, body = crate::problem::Problem)))]
async fn tariff_versions(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<TariffVersionDto>>, ApiError> {
    let versions = state.factories().tariff_versions(&principal, &code).await?;
    Ok(Json(
        versions.into_iter().map(TariffVersionDto::from).collect(),
    ))
}

/// A new tariff version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SaveTariff {
    tariff: TariffDto,
    /// What changed.
    #[serde(default)]
    note: String,
}

/// Publishes the next version of the factory's tariff (its own staff). Send `If-Match` with the
/// latest version you saw; omit it only for the first.
#[utoipa::path(post, path = "/api/v1/factories/{code}/tariffs", tag = "factories", params(("code" = String, Path)), request_body = SaveTariff,
    responses((status = 201, body = TariffVersionDto), (status = 403, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn save_tariff(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SaveTariff>,
) -> Result<impl IntoResponse, ApiError> {
    let tariff = body.tariff.into_tariff()?;
    let saved = state
        .factories()
        .save_tariff(&principal, &code, &tariff, &body.note, if_match(&headers)?)
        .await
        .map_err(as_requested)?;
    Ok((
        StatusCode::CREATED,
        etag(saved.version),
        Json(TariffVersionDto::from(saved)),
    ))
}

/// What an order needs, to be priced.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct QuoteRequest {
    /// The part family or fabric.
    family: String,
    quantity: i64,
    /// Machine minutes per resource class.
    #[serde(default)]
    machine_minutes: Vec<MachineMinutesDto>,
    /// Change-overs.
    #[serde(default)]
    setups: i64,
}

/// Machine minutes of one resource class.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MachineMinutesDto {
    class: String,
    minutes: i64,
}

/// One line of a price.
#[derive(Debug, Serialize, ToSchema)]
struct PriceLineDto {
    /// The calculation in Chinese.
    text_zh: String,
    /// The calculation in English.
    text_en: String,
    #[schema(value_type = i64)]
    amount_fen: Fen,
}

/// A price with its calculation.
#[derive(Debug, Serialize, ToSchema)]
struct QuoteDto {
    platform_code: String,
    tariff_version: i64,
    lines: Vec<PriceLineDto>,
    #[schema(value_type = i64)]
    total_fen: Fen,
}

/// Prices an order under the factory's current tariff, line by line (anyone signed in).
#[utoipa::path(post, path = "/api/v1/factories/{code}/quote", tag = "factories", params(("code" = String, Path)), request_body = QuoteRequest,
    responses((status = 200, body = QuoteDto), (status = 404, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn quote(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<QuoteRequest>,
) -> Result<Json<QuoteDto>, ApiError> {
    let mut errors = Vec::new();
    let machine_minutes = body
        .machine_minutes
        .into_iter()
        .enumerate()
        .filter_map(|(index, m)| {
            class_at(
                &m.class,
                format!("machine_minutes[{index}].class"),
                &mut errors,
            )
            .map(|class| (class, m.minutes))
        })
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let input = PricingInput {
        family: body.family,
        quantity: body.quantity,
        machine_minutes,
        setups: body.setups,
    };
    let Quote {
        platform_code,
        tariff_version,
        price,
    } = state.factories().quote(&principal, &code, &input).await?;
    Ok(Json(QuoteDto {
        platform_code,
        tariff_version,
        lines: price
            .lines
            .into_iter()
            .map(|line| PriceLineDto {
                text_zh: line.text.zh.into_owned(),
                text_en: line.text.en.into_owned(),
                amount_fen: line.amount,
            })
            .collect(),
        total_fen: price.total,
    }))
}

/// A version of a factory's set-up.
#[derive(Debug, Serialize, ToSchema)]
struct SetupVersionDto {
    platform_code: String,
    version: i64,
    /// Sites, resources, calendar, routings and change-overs (see `SaveSetup`).
    #[schema(value_type = Object)]
    setup: Setup,
    note: String,
    created_at: String,
    created_by: String,
}

impl From<SetupVersion> for SetupVersionDto {
    fn from(v: SetupVersion) -> Self {
        SetupVersionDto {
            platform_code: v.platform_code,
            version: v.version,
            setup: v.setup,
            note: v.note,
            created_at: rfc3339(v.created_at),
            created_by: v.created_by,
        }
    }
}

/// Every version of a factory's set-up, newest first (its own staff and the city).
#[utoipa::path(get, path = "/api/v1/factories/{code}/setups", tag = "factories", params(("code" = String, Path, description = "the platform's organisation code")),
    responses((status = 200, body = Vec<SetupVersionDto>), (status = 404, body = crate::problem::Problem)))]
async fn setup_versions(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<SetupVersionDto>>, ApiError> {
    let versions = state.factories().setup_versions(&principal, &code).await?;
    Ok(Json(
        versions.into_iter().map(SetupVersionDto::from).collect(),
    ))
}

/// A new set-up version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SaveSetup {
    /// `sites` [{code, name}]; `resources` [{code, name, class (cutting_line, spreading_line,
    /// polishing_cell, manual), site, line, devices [names], capability {families, materials,
    /// finishes, max_part_mm, max_weight_g, max_width_mm, max_ply_mm}}]; `calendar` {workdays
    /// [1–7], shifts and breaks [{start "HH:MM", end}], holidays ["YYYY-MM-DD"], maintenance
    /// [{resource, start "YYYY-MM-DD HH:MM", end, note}]}; `routings` [{process (cutting,
    /// polishing), lot_size, steps [{name, class, seconds_per_piece, families [{family,
    /// seconds_per_piece}]}]}]; `changeovers` [{class, from, to (a family or *), minutes}].
    /// Times are Asia/Shanghai.
    #[schema(value_type = Object)]
    setup: Setup,
    /// What changed.
    #[serde(default)]
    note: String,
}

/// Saves the next version of the factory's set-up (its own staff). Send `If-Match` with the
/// latest version you saw; omit it only for the first. Problems are named by path
/// (`setup.resources[3].site`).
#[utoipa::path(post, path = "/api/v1/factories/{code}/setups", tag = "factories", params(("code" = String, Path)), request_body = SaveSetup,
    responses((status = 201, body = SetupVersionDto), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn save_setup(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SaveSetup>,
) -> Result<impl IntoResponse, ApiError> {
    let saved = state
        .factories()
        .save_setup(
            &principal,
            &code,
            &body.setup,
            &body.note,
            if_match(&headers)?,
        )
        .await
        .map_err(|error| {
            let renamed: Vec<FieldError> = zhizao_core::Classified::field_errors(&error)
                .into_iter()
                .map(|mut e| {
                    if e.field != "note" {
                        e.field = format!("setup.{}", e.field);
                    }
                    e
                })
                .collect();
            if renamed.is_empty() {
                ApiError::from(error)
            } else {
                ApiError::validation(renamed)
            }
        })?;
    Ok((
        StatusCode::CREATED,
        etag(saved.version),
        Json(SetupVersionDto::from(saved)),
    ))
}
