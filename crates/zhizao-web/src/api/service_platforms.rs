//! The public technology service platform system's directory: the sectors (the city keeps them)
//! and each service platform's profile (read by anyone signed in; written by the platform's own
//! staff, the sector, city-unit mark and recognitions by the city).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_services::{
    PlatformFilter, PlatformProfile, ProfileInput, Recognition, RecognitionLevel, Sector,
    SectorInput,
};

use super::{etag, if_match, rfc3339};
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sectors))
        .routes(routes!(save_sector))
        .routes(routes!(list_platforms))
        .routes(routes!(get_platform, save_profile))
}

/// A sector (板块) platforms serve in.
#[derive(Debug, Serialize, ToSchema)]
struct SectorDto {
    code: String,
    name: String,
    name_en: String,
    description: String,
    position: i64,
}

impl From<Sector> for SectorDto {
    fn from(s: Sector) -> Self {
        SectorDto {
            code: s.code,
            name: s.name,
            name_en: s.name_en,
            description: s.description,
            position: s.position,
        }
    }
}

/// A sector as the city writes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SaveSector {
    /// 1–40 characters.
    name: String,
    /// 1–80 characters.
    name_en: String,
    #[serde(default)]
    description: String,
    /// Where it is listed, 0–1000.
    #[serde(default)]
    position: i64,
}

/// The sectors, in their order (anyone signed in).
#[utoipa::path(get, path = "/api/v1/service-sectors", tag = "service platforms",
    responses((status = 200, body = Vec<SectorDto>)))]
async fn list_sectors(
    State(state): State<AppState>,
    Caller(_principal): Caller,
) -> Result<Json<Vec<SectorDto>>, ApiError> {
    let sectors = state.services().sectors().await?;
    Ok(Json(sectors.into_iter().map(SectorDto::from).collect()))
}

/// Creates or renames the sector `code` (2–40 lowercase letters, digits, hyphens): the city
/// only; audited.
#[utoipa::path(put, path = "/api/v1/service-sectors/{code}", tag = "service platforms",
    params(("code" = String, Path)), request_body = SaveSector,
    responses((status = 200, body = SectorDto), (status = 403, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn save_sector(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<SaveSector>,
) -> Result<Json<SectorDto>, ApiError> {
    let input = SectorInput {
        code,
        name: body.name,
        name_en: body.name_en,
        description: body.description,
        position: body.position,
    };
    let sector = state.services().save_sector(&principal, &input).await?;
    Ok(Json(sector.into()))
}

/// A recognition a government awarded a platform.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RecognitionDto {
    /// national, provincial or city.
    level: String,
    title: String,
    year: i32,
}

/// A service platform with its public profile.
#[derive(Debug, Serialize, ToSchema)]
struct PlatformDto {
    code: String,
    name: String,
    sector: Option<SectorDto>,
    /// One of the city-level public technology service units.
    city_unit: bool,
    operator: String,
    summary: String,
    recognitions: Vec<RecognitionDto>,
    contact_name: String,
    contact_phone: String,
    contact_email: String,
    website: String,
    staff: Option<i64>,
    /// The profile's version (0 before its first save); send it back in `If-Match`.
    version: i64,
    updated_at: Option<String>,
}

impl From<PlatformProfile> for PlatformDto {
    fn from(p: PlatformProfile) -> Self {
        PlatformDto {
            code: p.code,
            name: p.name,
            sector: p.sector.map(SectorDto::from),
            city_unit: p.city_unit,
            operator: p.operator,
            summary: p.summary,
            recognitions: p
                .recognitions
                .into_iter()
                .map(|r| RecognitionDto {
                    level: r.level.as_str().to_owned(),
                    title: r.title,
                    year: r.year,
                })
                .collect(),
            contact_name: p.contact_name,
            contact_phone: p.contact_phone,
            contact_email: p.contact_email,
            website: p.website,
            staff: p.staff,
            version: p.version,
            updated_at: p.updated_at.map(rfc3339),
        }
    }
}

/// `?sector=&city_units=&q=` of the directory.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct DirectoryQuery {
    /// Only this sector's platforms.
    sector: Option<String>,
    /// Only the city-level public technology service units.
    city_units: Option<bool>,
    /// Words in the name, operator or summary (all of them).
    q: Option<String>,
}

/// The service platforms with their profiles: city-level units first, then by sector and name
/// (anyone signed in).
#[utoipa::path(get, path = "/api/v1/service-platforms", tag = "service platforms", params(DirectoryQuery),
    responses((status = 200, body = Vec<PlatformDto>)))]
async fn list_platforms(
    State(state): State<AppState>,
    Caller(_principal): Caller,
    ApiQuery(query): ApiQuery<DirectoryQuery>,
) -> Result<Json<Vec<PlatformDto>>, ApiError> {
    let filter = PlatformFilter {
        sector: query.sector.filter(|s| !s.trim().is_empty()),
        city_units: query.city_units.unwrap_or(false),
        text: query.q.filter(|q| !q.trim().is_empty()),
    };
    let platforms = state.services().platforms(&filter).await?;
    Ok(Json(platforms.into_iter().map(PlatformDto::from).collect()))
}

/// One service platform with its profile (anyone signed in); the `ETag` is its version.
#[utoipa::path(get, path = "/api/v1/service-platforms/{code}", tag = "service platforms",
    params(("code" = String, Path)),
    responses((status = 200, body = PlatformDto), (status = 404, body = crate::problem::Problem)))]
async fn get_platform(
    State(state): State<AppState>,
    Caller(_principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let profile = state.services().platform(&code).await?;
    Ok((etag(profile.version), Json(PlatformDto::from(profile))))
}

/// A platform's profile as written, whole: what the writer may not change is sent as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SaveProfile {
    /// The sector's code (the city's to change).
    #[serde(default)]
    sector: Option<String>,
    /// A city-level unit (the city's to change).
    #[serde(default)]
    city_unit: bool,
    /// Recognitions (the city's to change).
    #[serde(default)]
    recognitions: Vec<RecognitionDto>,
    #[serde(default)]
    operator: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    website: String,
    #[serde(default)]
    staff: Option<i64>,
}

/// Saves a platform's profile: its own staff (operator, summary, contacts, staff) and the city
/// (also its sector, city-unit mark and recognitions); anyone else gets 404. `If-Match` with
/// the version read (`"0"` before the first save) refuses a profile saved meanwhile (409).
#[utoipa::path(put, path = "/api/v1/service-platforms/{code}", tag = "service platforms",
    params(("code" = String, Path)), request_body = SaveProfile,
    responses((status = 200, body = PlatformDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn save_profile(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SaveProfile>,
) -> Result<impl IntoResponse, ApiError> {
    let expected = if_match(&headers)?;
    let mut problems = Vec::new();
    let recognitions = body
        .recognitions
        .into_iter()
        .enumerate()
        .filter_map(
            |(index, r)| match r.level.trim().parse::<RecognitionLevel>() {
                Ok(level) => Some(Recognition {
                    level,
                    title: r.title,
                    year: r.year,
                }),
                Err(_) => {
                    problems.push(zhizao_core::FieldError::new(
                        format!("recognitions[{index}].level"),
                        zhizao_core::Text::owned(
                            format!("“{}”不是认定级别（national、provincial、city）", r.level),
                            format!("{:?} is not a level: national, provincial or city", r.level),
                        ),
                    ));
                    None
                }
            },
        )
        .collect();
    if !problems.is_empty() {
        return Err(zhizao_services::Error::Invalid(problems).into());
    }
    let input = ProfileInput {
        sector: body.sector,
        city_unit: body.city_unit,
        recognitions,
        operator: body.operator,
        summary: body.summary,
        contact_name: body.contact_name,
        contact_phone: body.contact_phone,
        contact_email: body.contact_email,
        website: body.website,
        staff: body.staff,
    };
    let saved = state
        .services()
        .save_profile(&principal, &code, &input, expected)
        .await?;
    Ok((etag(saved.version), Json(PlatformDto::from(saved))))
}
