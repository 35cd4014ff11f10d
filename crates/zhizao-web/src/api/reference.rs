//! Reference data: towns and industry classes.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::extract::ApiQuery;
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(towns))
        .routes(routes!(industries))
}

/// A town or sub-district, with its validity.
#[derive(Debug, Serialize, ToSchema)]
struct TownDto {
    /// Nine-digit township code.
    code: String,
    name_zh: String,
    name_en: String,
    /// `subdistrict` or `town`.
    kind: String,
    valid_from: String,
    /// Set when the unit was merged or converted.
    valid_to: Option<String>,
    /// The unit that took over.
    successor_code: Option<String>,
}

/// A GB/T 4754-2017 code.
#[derive(Debug, Serialize, ToSchema)]
struct IndustryDto {
    code: String,
    /// `section`, `division`, `group` or `class`.
    level: String,
    parent_code: Option<String>,
    name_zh: String,
    name_en: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct IndustryQuery {
    /// `division`, `group` or `class`.
    level: Option<String>,
    /// Only children of this code.
    parent: Option<String>,
}

/// Zhongshan's towns and sub-districts, current ones first, then retired ones.
#[utoipa::path(get, path = "/api/v1/towns", tag = "reference", responses((status = 200, body = Vec<TownDto>), (status = 401, body = crate::problem::Problem)))]
async fn towns(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> Result<Json<Vec<TownDto>>, ApiError> {
    let towns = state.registry().towns().await?;
    Ok(Json(
        towns
            .into_iter()
            .map(|t| TownDto {
                code: t.code,
                name_zh: t.name_zh,
                name_en: t.name_en,
                kind: t.kind,
                valid_from: t.valid_from,
                valid_to: t.valid_to,
                successor_code: t.successor_code,
            })
            .collect(),
    ))
}

/// GB/T 4754-2017 manufacturing codes.
#[utoipa::path(get, path = "/api/v1/industries", tag = "reference", params(IndustryQuery), responses((status = 200, body = Vec<IndustryDto>), (status = 401, body = crate::problem::Problem)))]
async fn industries(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    ApiQuery(query): ApiQuery<IndustryQuery>,
) -> Result<Json<Vec<IndustryDto>>, ApiError> {
    if let Some(level) = query.level.as_deref()
        && !["section", "division", "group", "class"].contains(&level)
    {
        return Err(ApiError::malformed(format!(
            "level must be section, division, group or class, not {level:?}"
        )));
    }
    let industries = state
        .registry()
        .industries(query.level.as_deref(), query.parent.as_deref())
        .await?;
    Ok(Json(
        industries
            .into_iter()
            .map(|i| IndustryDto {
                code: i.code,
                level: i.level,
                parent_code: i.parent_code,
                name_zh: i.name_zh,
                name_en: i.name_en,
            })
            .collect(),
    ))
}
