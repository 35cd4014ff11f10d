//! A factory's figures over its orders, per month of a year: its staff and the city read them.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_factory::figures::PeriodFigures;
use zhizao_factory::setup::local_day;

use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_figures))
        .routes(routes!(all_figures))
}

/// `?year=` (default: this year, Asia/Shanghai).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct FiguresQuery {
    year: Option<i32>,
}

/// One period's figures.
#[derive(Debug, Serialize, ToSchema)]
struct PeriodDto {
    /// 2026-11, or 2026 for the year.
    period: String,
    placed: i64,
    confirmed: i64,
    cancelled: i64,
    deliveries: i64,
    on_time: i64,
    /// on_time / deliveries, absent without deliveries.
    on_time_rate: Option<f64>,
    /// Late deliveries whose material the client brought later than it said.
    late_client: i64,
    /// on_time / (deliveries − late_client): the share the plant answers for, absent without
    /// any.
    fair_on_time_rate: Option<f64>,
    clients_served: i64,
    /// Good pieces delivered.
    pieces: i64,
    /// The deliveries' amounts due, fen.
    revenue_fen: i64,
    ratings: i64,
    mean_rating: Option<f64>,
}

impl From<&PeriodFigures> for PeriodDto {
    fn from(f: &PeriodFigures) -> Self {
        PeriodDto {
            period: f.period.clone(),
            placed: f.placed,
            confirmed: f.confirmed,
            cancelled: f.cancelled,
            deliveries: f.deliveries,
            on_time: f.on_time,
            on_time_rate: f.on_time_rate(),
            late_client: f.late_client,
            fair_on_time_rate: f.fair_on_time_rate(),
            clients_served: f.clients_served,
            pieces: f.pieces,
            revenue_fen: f.revenue.get(),
            ratings: f.ratings,
            mean_rating: f.mean_rating(),
        }
    }
}

/// A year of figures.
#[derive(Debug, Serialize, ToSchema)]
struct FiguresDto {
    year: i32,
    months: Vec<PeriodDto>,
    total: PeriodDto,
    /// From the factory's first order to the end of the year (`period` is `…2026`).
    to_date: PeriodDto,
    /// The year per client delivered to, most pieces first (`period` is the client's code).
    clients: Vec<ClientDto>,
    /// The machines' figures (ISO 22400-2 over what the factory's devices reported) by month
    /// to today; absent for a year to come or a factory without a set-up. A month before its
    /// machines reported anything has `unrecorded_minutes` equal to `planned_busy_minutes`.
    machines: Option<MachinesDto>,
}

/// A year of the machines' figures.
#[derive(Debug, Serialize, ToSchema)]
struct MachinesDto {
    /// Each month (`group` is empty: the whole platform).
    months: Vec<super::factory_oee::RowDto>,
    /// The year: the months its machines reported in.
    total: super::factory_oee::ModelDto,
}

/// A client's year with the factory.
#[derive(Debug, Serialize, ToSchema)]
struct ClientDto {
    code: String,
    name: String,
    figures: PeriodDto,
}

/// The factory's figures for a year, per month and in all, as queries over its orders: orders
/// placed, confirmed and cancelled, deliveries and those on time (and late for the client's own
/// material), enterprises served, good pieces, revenue, ratings, and each client's year; beside
/// them the machines' utilisation and OEE by month from what the devices reported (its staff and
/// the city; 404 for anyone else).
#[utoipa::path(get, path = "/api/v1/factories/{code}/figures", tag = "factories", params(("code" = String, Path), FiguresQuery),
    responses((status = 200, body = FiguresDto), (status = 404, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn get_figures(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    ApiQuery(query): ApiQuery<FiguresQuery>,
) -> Result<Json<FiguresDto>, ApiError> {
    let year = query
        .year
        .unwrap_or_else(|| local_day(state.identity().clock().now()).0.year());
    let figures = state.factories().figures(&principal, &code, year).await?;
    let machines = state
        .factories()
        .machine_figures(&principal, &code, year)
        .await?;
    Ok(Json(FiguresDto {
        machines: machines.map(|m| MachinesDto {
            months: m.months.iter().map(Into::into).collect(),
            total: (&m.total).into(),
        }),
        year: figures.year,
        months: figures.months.iter().map(PeriodDto::from).collect(),
        total: PeriodDto::from(&figures.total),
        to_date: PeriodDto::from(&figures.to_date),
        clients: figures
            .clients
            .iter()
            .map(|c| ClientDto {
                code: c.code.clone(),
                name: c.name.clone(),
                figures: PeriodDto::from(&c.figures),
            })
            .collect(),
    }))
}

/// One factory's year and its figures to date.
#[derive(Debug, Serialize, ToSchema)]
struct FactoryTotalsDto {
    code: String,
    name: String,
    /// The year.
    total: PeriodDto,
    /// From its first order to the end of the year.
    to_date: PeriodDto,
}

/// Every factory's figures the caller may read, for a year and to date: the city sees all of
/// them, a factory's staff their own, anyone else none.
#[utoipa::path(get, path = "/api/v1/factory-figures", tag = "factories", params(FiguresQuery),
    responses((status = 200, body = Vec<FactoryTotalsDto>), (status = 422, body = crate::problem::Problem)))]
async fn all_figures(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<FiguresQuery>,
) -> Result<Json<Vec<FactoryTotalsDto>>, ApiError> {
    let year = query
        .year
        .unwrap_or_else(|| local_day(state.identity().clock().now()).0.year());
    let all = state.factories().figures_of_all(&principal, year).await?;
    Ok(Json(
        all.into_iter()
            .map(|(factory, figures)| FactoryTotalsDto {
                code: factory.code,
                name: factory.name,
                total: PeriodDto::from(&figures.total),
                to_date: PeriodDto::from(&figures.to_date),
            })
            .collect(),
    ))
}
