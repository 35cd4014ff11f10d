//! A factory's OEE after ISO 22400-2, from its machines' own reports: its staff and the city
//! read it per resource, line, site or platform and per shift, day, week or month, with the
//! losses behind it.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_factory::oee::TimeModel;
use zhizao_factory::performance::{OeeReport, OeeRequest, OeeRow};
use zhizao_factory::setup::local_day;

use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_oee))
}

/// `?from=&to=&by=&every=` of the OEE report.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct OeeQuery {
    /// First day, YYYY-MM-DD (default: six days before `to`).
    from: Option<String>,
    /// Last day, inclusive (default: today, Asia/Shanghai); at most 400 days in all.
    to: Option<String>,
    /// resource (default), line, site or platform.
    by: Option<String>,
    /// shift, day (default), week or month.
    every: Option<String>,
}

/// The ISO 22400-2 time model in minutes, and the key figures as fractions (absent when the
/// denominator is zero).
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ModelDto {
    planned_operation_minutes: f64,
    planned_down_minutes: f64,
    planned_busy_minutes: f64,
    production_minutes: f64,
    setup_minutes: f64,
    down_minutes: f64,
    delay_minutes: f64,
    unrecorded_minutes: f64,
    produced: i64,
    good: i64,
    availability: Option<f64>,
    effectiveness: Option<f64>,
    quality_rate: Option<f64>,
    oee: Option<f64>,
    /// (production + set-up) / planned busy time.
    utilisation: Option<f64>,
}

fn minutes(ms: i64) -> f64 {
    (ms as f64 / 60_000.0 * 100.0).round() / 100.0
}

impl From<&TimeModel> for ModelDto {
    fn from(m: &TimeModel) -> Self {
        let f = m.figures();
        ModelDto {
            planned_operation_minutes: minutes(m.planned_operation_ms),
            planned_down_minutes: minutes(m.planned_down_ms),
            planned_busy_minutes: minutes(m.planned_busy_ms),
            production_minutes: minutes(m.production_ms),
            setup_minutes: minutes(m.setup_ms),
            down_minutes: minutes(m.down_ms),
            delay_minutes: minutes(m.delay_ms),
            unrecorded_minutes: minutes(m.unrecorded_ms),
            produced: m.produced,
            good: m.good,
            availability: f.availability,
            effectiveness: f.effectiveness,
            quality_rate: f.quality_rate,
            oee: f.oee,
            utilisation: f.utilisation,
        }
    }
}

/// One group in one period (`period` empty for a group's whole range).
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct RowDto {
    group: String,
    period: String,
    #[serde(flatten)]
    model: ModelDto,
}

impl From<&OeeRow> for RowDto {
    fn from(row: &OeeRow) -> Self {
        RowDto {
            group: row.group.clone(),
            period: row.period.clone(),
            model: ModelDto::from(&row.model),
        }
    }
}

/// One loss reason, largest first.
#[derive(Debug, Serialize, ToSchema)]
struct LossDto {
    /// fault, off, setup, idle, unrecorded, speed or quality.
    kind: String,
    alarm: Option<i64>,
    /// The set-up's words for the alarm code.
    reason: Option<String>,
    /// plant or client.
    party: String,
    /// In the caller's language.
    label: String,
    minutes: f64,
}

/// A factory's OEE report.
#[derive(Debug, Serialize, ToSchema)]
struct OeeDto {
    platform_code: String,
    setup_version: i64,
    from: String,
    to: String,
    by: String,
    every: String,
    rows: Vec<RowDto>,
    groups: Vec<RowDto>,
    total: ModelDto,
    losses: Vec<LossDto>,
    /// Device counter resets seen (each counted once).
    counter_resets: u32,
    /// Reports of a state outside running, setup, idle, fault, off.
    unknown_states: u32,
    resources_without_devices: Vec<String>,
    /// Bound in the set-up but not registered by the platform.
    unknown_devices: Vec<String>,
    /// The platform's registered devices no resource binds (their reports count for none).
    unbound_devices: Vec<String>,
}

/// The factory's OEE from its machines' reports (its staff and the city; 404 for anyone else).
#[utoipa::path(get, path = "/api/v1/factories/{code}/oee", tag = "factories", params(("code" = String, Path), OeeQuery),
    responses((status = 200, body = OeeDto), (status = 404, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn get_oee(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    ApiQuery(query): ApiQuery<OeeQuery>,
) -> Result<Json<OeeDto>, ApiError> {
    let today = local_day(state.identity().clock().now()).0;
    let request = OeeRequest::parse(
        query.from.as_deref(),
        query.to.as_deref(),
        query.by.as_deref(),
        query.every.as_deref(),
        today,
    )?;
    let (setup, report) = state.factories().oee(&principal, &code, request).await?;
    let language = principal.language;
    let OeeReport {
        rows,
        groups,
        total,
        losses,
        resets,
        unknown_states,
        resources_without_devices,
        unknown_devices,
        unbound_devices,
    } = &report;
    Ok(Json(OeeDto {
        platform_code: setup.platform_code.clone(),
        setup_version: setup.version,
        from: request.from.to_string(),
        to: request.to.to_string(),
        by: request.grouping.as_str().to_owned(),
        every: request.bucket.as_str().to_owned(),
        rows: rows.iter().map(RowDto::from).collect(),
        groups: groups.iter().map(RowDto::from).collect(),
        total: ModelDto::from(total),
        losses: losses
            .iter()
            .map(|loss| LossDto {
                kind: loss.kind.as_str().to_owned(),
                alarm: loss.alarm,
                reason: loss.reason.clone(),
                party: loss.party.as_str().to_owned(),
                label: OeeReport::loss_label(loss).get(language).to_owned(),
                minutes: minutes(loss.ms),
            })
            .collect(),
        counter_resets: *resets,
        unknown_states: *unknown_states,
        resources_without_devices: resources_without_devices.clone(),
        unknown_devices: unknown_devices.clone(),
        unbound_devices: unbound_devices.clone(),
    }))
}
