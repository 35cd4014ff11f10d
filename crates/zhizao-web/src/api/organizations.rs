//! Organisations.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::OrgKind;
use zhizao_identity::{NewOrganization, Organization, OrganizationFilter, OrganizationUpdate};

use super::{PageOf, Paging, double_option, etag, if_match, rfc3339};
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_organizations, create_organization))
        .routes(routes!(get_organization, update_organization))
        .routes(routes!(add_platform_client))
}

/// An organisation.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OrganizationDto {
    /// `city`, a township code, a credit code or a slug.
    code: String,
    /// `city`, `town`, `platform`, `enterprise` or `expert_panel`.
    #[schema(value_type = String)]
    kind: OrgKind,
    name: String,
    town_code: Option<String>,
    sector: Option<String>,
    description: String,
    user_count: i64,
    created_at: String,
    updated_at: String,
    version: i64,
}

impl From<Organization> for OrganizationDto {
    fn from(o: Organization) -> Self {
        OrganizationDto {
            code: o.code,
            kind: o.kind,
            name: o.name,
            town_code: o.town_code,
            sector: o.sector,
            description: o.description,
            user_count: o.user_count,
            created_at: rfc3339(o.created_at),
            updated_at: rfc3339(o.updated_at),
            version: o.version,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct OrganizationQuery {
    /// Only this kind.
    kind: Option<String>,
    /// Name or code containing this text.
    q: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

/// A new organisation (enterprises are registered through `/api/v1/enterprises`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateOrganization {
    /// `city` (or another slug) for city bureaus, the township code for towns, a slug such as
    /// `robot-polishing` for platforms and expert panels.
    code: String,
    /// `city`, `town`, `platform` or `expert_panel`.
    kind: String,
    name: String,
    /// Required for towns.
    town_code: Option<String>,
    sector: Option<String>,
    #[serde(default)]
    description: String,
}

/// Changes to an organisation; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateOrganization {
    name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    sector: Option<Option<String>>,
    description: Option<String>,
}

/// Lists organisations: all for city staff, one's own otherwise.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", params(OrganizationQuery),
    responses((status = 200, body = PageOf<OrganizationDto>), (status = 401, body = crate::problem::Problem)))]
async fn list_organizations(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<OrganizationQuery>,
) -> Result<Json<PageOf<OrganizationDto>>, ApiError> {
    let kind = match query.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(kind) => Some(
            kind.parse::<OrgKind>()
                .map_err(|e| ApiError::malformed(e.to_string()))?,
        ),
        None => None,
    };
    let filter = OrganizationFilter {
        kind,
        search: query.q,
    };
    let paging = Paging {
        page: query.page,
        page_size: query.page_size,
    };
    let page = state
        .identity()
        .list_organizations(&principal, &filter, paging.request())
        .await?;
    Ok(Json(PageOf::from_page(page, OrganizationDto::from)))
}

/// Creates an organisation. City administrators only.
#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations", request_body = CreateOrganization,
    responses((status = 201, body = OrganizationDto), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn create_organization(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<CreateOrganization>,
) -> Result<impl IntoResponse, ApiError> {
    let new = NewOrganization {
        code: body.code,
        kind: body.kind,
        name: body.name,
        town_code: body.town_code,
        sector: body.sector,
        description: body.description,
    };
    let organization = state
        .identity()
        .create_organization(&principal, &new)
        .await?;
    Ok((
        StatusCode::CREATED,
        etag(organization.version),
        Json(OrganizationDto::from(organization)),
    ))
}

/// One organisation.
#[utoipa::path(get, path = "/api/v1/organizations/{code}", tag = "organizations", params(("code" = String, Path)),
    responses((status = 200, body = OrganizationDto), (status = 404, body = crate::problem::Problem)))]
async fn get_organization(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let organization = state.identity().organization(&principal, &code).await?;
    Ok((
        etag(organization.version),
        Json(OrganizationDto::from(organization)),
    ))
}

/// Changes an organisation. City administrators only; send `If-Match` with the version read.
#[utoipa::path(patch, path = "/api/v1/organizations/{code}", tag = "organizations", params(("code" = String, Path)), request_body = UpdateOrganization,
    responses((status = 200, body = OrganizationDto), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn update_organization(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<UpdateOrganization>,
) -> Result<impl IntoResponse, ApiError> {
    let update = OrganizationUpdate {
        name: body.name,
        sector: body.sector,
        description: body.description,
    };
    let organization = state
        .identity()
        .update_organization(&principal, &code, &update, if_match(&headers)?)
        .await?;
    Ok((
        etag(organization.version),
        Json(OrganizationDto::from(organization)),
    ))
}

/// An enterprise that brought work to a platform.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PlatformClient {
    credit_code: String,
}

/// Makes an enterprise a client of a platform, so the platform's staff can see it. City
/// administrators only.
#[utoipa::path(post, path = "/api/v1/platforms/{code}/clients", tag = "organizations", params(("code" = String, Path, description = "Platform code")), request_body = PlatformClient,
    responses((status = 204), (status = 404, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn add_platform_client(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<PlatformClient>,
) -> Result<StatusCode, ApiError> {
    state
        .registry()
        .add_platform_client(&principal, &code, &body.credit_code)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
