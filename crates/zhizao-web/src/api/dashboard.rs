//! The city's dashboard as data: every figure the modules compute, with its trend by year and
//! its spread over the towns, in the reader's scope.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::{Figure, FigureFilter};

use crate::AppState;
use crate::auth::Caller;
use crate::dashboard::compose;
use crate::extract::ApiQuery;
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(dashboard))
}

/// `?year=&town=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct DashboardQuery {
    /// One calendar year (a programme year where the records have one).
    year: Option<i32>,
    /// One town's code (a town's staff: their own only; another is 404).
    town: Option<String>,
}

/// A value in one year.
#[derive(Debug, Serialize, ToSchema)]
struct YearValue {
    year: i32,
    value: i64,
}

/// A value in one town.
#[derive(Debug, Serialize, ToSchema)]
struct TownValue {
    town: String,
    value: i64,
}

/// One figure.
#[derive(Debug, Serialize, ToSchema)]
struct FigureDto {
    /// `module.figure`, stable.
    key: &'static str,
    label: String,
    label_en: String,
    /// What is counted, from which records.
    definition: String,
    definition_en: String,
    /// `count`, or `fen` (money in fen, 1/100 yuan).
    unit: &'static str,
    value: i64,
    /// Oldest first; empty for undated records.
    by_year: Vec<YearValue>,
    /// Towns with a value, by code.
    by_town: Vec<TownValue>,
}

impl From<&Figure> for FigureDto {
    fn from(f: &Figure) -> Self {
        FigureDto {
            key: f.key,
            label: f.label.zh.to_string(),
            label_en: f.label.en.to_string(),
            definition: f.definition.zh.to_string(),
            definition_en: f.definition.en.to_string(),
            unit: f.unit.as_str(),
            value: f.value,
            by_year: f
                .by_year
                .iter()
                .map(|(year, value)| YearValue {
                    year: *year,
                    value: *value,
                })
                .collect(),
            by_town: f
                .by_town
                .iter()
                .map(|(town, value)| TownValue {
                    town: town.clone(),
                    value: *value,
                })
                .collect(),
        }
    }
}

/// One module's figures.
#[derive(Debug, Serialize, ToSchema)]
struct SectionDto {
    key: &'static str,
    title: String,
    title_en: String,
    figures: Vec<FigureDto>,
}

/// The dashboard.
#[derive(Debug, Serialize, ToSchema)]
struct DashboardDto {
    /// When it was computed (RFC 3339).
    as_of: String,
    year: Option<i32>,
    town: Option<String>,
    /// The years the trends cover.
    first_year: i32,
    last_year: i32,
    sections: Vec<SectionDto>,
}

/// The city's dashboard: each module's figures over the reader's scope (the city's staff all
/// towns, a town's staff their own), narrowed to a year and a town.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "dashboard", params(DashboardQuery),
    responses((status = 200, body = DashboardDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem)))]
async fn dashboard(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<DashboardQuery>,
) -> Result<Json<DashboardDto>, ApiError> {
    let filter = FigureFilter {
        year: query.year,
        town: query.town.filter(|t| !t.trim().is_empty()),
    };
    let board = compose(&state, &principal, filter).await?;
    Ok(Json(DashboardDto {
        as_of: board.as_of.to_rfc3339(),
        year: board.filter.year,
        town: board.filter.town.clone(),
        first_year: *board.years.start(),
        last_year: *board.years.end(),
        sections: board
            .sections
            .iter()
            .map(|s| SectionDto {
                key: s.key,
                title: s.title.zh.to_string(),
                title_en: s.title.en.to_string(),
                figures: s.figures.iter().map(FigureDto::from).collect(),
            })
            .collect(),
    }))
}
