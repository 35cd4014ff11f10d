//! Each service platform's figures by year, computed from its requests and shared-factory
//! orders, against the thresholds for national SME public service demonstration platforms
//! (at least 150 SMEs served a year, 80 % satisfaction, 20 % free or low-cost services).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_services::PlatformYear;

use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(platform_figures))
        .routes(routes!(figures_of_year))
}

/// A platform's year. Shares are fractions (0–1), absent when there is nothing to measure.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PlatformYearDto {
    year: i32,
    /// Requests made in the year.
    requests: i64,
    /// Of them, shared-factory orders.
    factory_orders: i64,
    /// Distinct enterprises whose contract was confirmed in the year.
    enterprises_served: i64,
    /// Contracts confirmed in the year, and their amounts.
    contracts: i64,
    contract_value_fen: i64,
    /// Contracts of at most 2,000 yuan (free ones are 0).
    free_or_low_cost: i64,
    free_or_low_cost_share: Option<f64>,
    /// Deliveries accepted in the year.
    completed: i64,
    /// Of the accepted deliveries with a due day, the share delivered by it.
    on_time_share: Option<f64>,
    /// Ratings given in the year, their mean, and the share of 4 or 5.
    ratings: i64,
    mean_rating: Option<f64>,
    satisfaction: Option<f64>,
    /// Requests the platform declined.
    declined: i64,
    /// Where the year falls short of a demonstration platform's thresholds (empty: none).
    shortfalls: Vec<String>,
    /// Innovation vouchers on its contracts the city approved in the year.
    vouchers_redeemed_fen: i64,
}

impl From<PlatformYear> for PlatformYearDto {
    fn from(y: PlatformYear) -> Self {
        let share = |per_mille: Option<i64>| per_mille.map(|p| p as f64 / 1000.0);
        PlatformYearDto {
            year: y.year,
            requests: y.requests,
            factory_orders: y.factory_orders,
            enterprises_served: y.served,
            contracts: y.contracts,
            contract_value_fen: y.contract_value.get(),
            free_or_low_cost: y.free_or_low_cost,
            free_or_low_cost_share: share(y.free_per_mille()),
            completed: y.completed,
            on_time_share: share(y.on_time_per_mille()),
            ratings: y.ratings,
            mean_rating: y.mean_rating_tenths().map(|t| t as f64 / 10.0),
            satisfaction: share(y.satisfaction_per_mille()),
            declined: y.declined,
            shortfalls: y
                .shortfalls()
                .into_iter()
                .map(|t| t.en.into_owned())
                .collect(),
            vouchers_redeemed_fen: y.vouchers_redeemed.get(),
        }
    }
}

/// A platform's figures by year, oldest first: its own staff and the city.
#[utoipa::path(get, path = "/api/v1/service-platforms/{code}/figures", tag = "service requests",
    params(("code" = String, Path)),
    responses((status = 200, body = Vec<PlatformYearDto>), (status = 404, body = crate::problem::Problem)))]
async fn platform_figures(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<PlatformYearDto>>, ApiError> {
    let years = state.services().platform_figures(&principal, &code).await?;
    Ok(Json(years.into_iter().map(PlatformYearDto::from).collect()))
}

/// `?year=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct YearQuery {
    /// The calendar year, e.g. 2026.
    year: i32,
}

/// One platform's year of a comparison.
#[derive(Debug, Serialize, ToSchema)]
struct PlatformRowDto {
    code: String,
    name: String,
    figures: PlatformYearDto,
}

/// Every platform's figures in a year, for comparing them against the thresholds (the city).
#[utoipa::path(get, path = "/api/v1/service-figures", tag = "service requests", params(YearQuery),
    responses((status = 200, body = Vec<PlatformRowDto>), (status = 403, body = crate::problem::Problem)))]
async fn figures_of_year(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<YearQuery>,
) -> Result<Json<Vec<PlatformRowDto>>, ApiError> {
    let rows = state
        .services()
        .figures_of_year(&principal, query.year)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|(code, name, figures)| PlatformRowDto {
                code,
                name,
                figures: figures.into(),
            })
            .collect(),
    ))
}
