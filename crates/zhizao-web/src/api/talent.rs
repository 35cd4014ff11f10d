//! Talent, innovation teams and IP: the records the city's talent office keeps and enterprises
//! keep of their own IP, each tied to an enterprise and, where relevant, to a project, and the
//! figures counted from them.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::{Classified, ErrorKind, FieldError, Text};
use zhizao_identity::Principal;
use zhizao_talent::ip::IpFilter;
use zhizao_talent::talents::{Degree, TalentFilter};
use zhizao_talent::teams::TeamLevel;
use zhizao_talent::{
    Field, IpAsset, IpInput, IpKind, IpStatus, ProjectRef, Talent, TalentFigures, TalentInput,
    Team, TeamInput,
};

use super::{etag, required_if_match};
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_talents, create_talent))
        .routes(routes!(get_talent, update_talent))
        .routes(routes!(list_teams, create_team))
        .routes(routes!(get_team, update_team))
        .routes(routes!(list_ip, create_ip))
        .routes(routes!(get_ip, update_ip))
        .routes(routes!(figures))
}

/// The project `number` names, as the caller sees it in the projects domain (a field error when
/// there is none in sight).
pub(crate) async fn project_ref(
    state: &AppState,
    principal: &Principal,
    number: Option<&str>,
) -> Result<Option<ProjectRef>, zhizao_talent::Error> {
    let Some(number) = number.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    match state.projects().application(principal, number).await {
        Ok(detail) => Ok(Some(ProjectRef {
            number: detail.application.number,
            name: detail.application.project_name,
            enterprise_id: detail.application.enterprise_id,
        })),
        Err(error) if error.kind() == ErrorKind::NotFound => {
            Err(zhizao_talent::Error::Invalid(vec![FieldError::new(
                "project",
                Text::owned(
                    format!("没有编号为“{number}”的项目"),
                    format!("there is no project {number:?}"),
                ),
            )]))
        }
        Err(error) => Err(zhizao_talent::Error::Corrupt(error.to_string())),
    }
}

/// A talent.
#[derive(Debug, Serialize, ToSchema)]
struct TalentDto {
    id: i64,
    name: String,
    /// doctorate, master, bachelor or other.
    degree: String,
    /// advanced_manufacturing, information_technology, biomedicine, new_materials, new_energy or other.
    field: String,
    enterprise_credit_code: String,
    enterprise_name: String,
    programme: String,
    year: i64,
    project_number: Option<String>,
    project_name: Option<String>,
    version: i64,
}

impl From<Talent> for TalentDto {
    fn from(t: Talent) -> Self {
        let (project_number, project_name) = t.project.unzip();
        TalentDto {
            id: t.id,
            name: t.name,
            degree: t.degree.as_str().to_owned(),
            field: t.field.as_str().to_owned(),
            enterprise_credit_code: t.credit_code,
            enterprise_name: t.enterprise_name,
            programme: t.programme,
            year: t.year,
            project_number,
            project_name,
            version: t.version,
        }
    }
}

/// A talent as the talent office records them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TalentBody {
    name: String,
    #[schema(value_type = String)]
    degree: Degree,
    #[schema(value_type = String)]
    field: Field,
    /// The employer's credit code.
    enterprise: String,
    programme: String,
    year: i64,
    /// The number of a project they work on (the employer's).
    #[serde(default)]
    project: Option<String>,
}

impl TalentBody {
    fn split(self) -> (TalentInput, Option<String>) {
        (
            TalentInput {
                name: self.name,
                degree: self.degree,
                field: self.field,
                enterprise: self.enterprise,
                programme: self.programme,
                year: self.year,
            },
            self.project,
        )
    }
}

/// `?q=&degree=&field=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct TalentQuery {
    /// Words in the name, programme or employer.
    q: Option<String>,
    #[param(value_type = Option<String>)]
    degree: Option<Degree>,
    #[param(value_type = Option<String>)]
    field: Option<Field>,
}

/// The talents the caller may read (an enterprise its own, a town its town's, the city all).
#[utoipa::path(get, path = "/api/v1/talents", tag = "talent", params(TalentQuery),
    responses((status = 200, body = Vec<TalentDto>), (status = 422, body = crate::problem::Problem)))]
async fn list_talents(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<TalentQuery>,
) -> Result<Json<Vec<TalentDto>>, ApiError> {
    let filter = TalentFilter {
        text: query.q,
        degree: query.degree,
        field: query.field,
        enterprise_id: None,
    };
    let found = state.talents().talents(&principal, &filter).await?;
    Ok(Json(found.into_iter().map(TalentDto::from).collect()))
}

/// Records a talent (the city's talent office).
#[utoipa::path(post, path = "/api/v1/talents", tag = "talent", request_body = TalentBody,
    responses((status = 201, body = TalentDto), (status = 403, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn create_talent(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<TalentBody>,
) -> Result<impl IntoResponse, ApiError> {
    let (input, project) = body.split();
    let project = project_ref(&state, &principal, project.as_deref()).await?;
    let created = state
        .talents()
        .create_talent(&principal, &input, project.as_ref())
        .await?;
    Ok((
        StatusCode::CREATED,
        etag(created.version),
        Json(TalentDto::from(created)),
    ))
}

/// A talent.
#[utoipa::path(get, path = "/api/v1/talents/{talent_id}", tag = "talent", params(("talent_id" = i64, Path)),
    responses((status = 200, body = TalentDto), (status = 404, body = crate::problem::Problem)))]
async fn get_talent(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let talent = state.talents().talent(&principal, id).await?;
    Ok((etag(talent.version), Json(TalentDto::from(talent))))
}

/// Corrects a talent's record (the city's talent office); `If-Match` with the version read.
#[utoipa::path(put, path = "/api/v1/talents/{talent_id}", tag = "talent", params(("talent_id" = i64, Path)),
    request_body = TalentBody,
    responses((status = 200, body = TalentDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn update_talent(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<TalentBody>,
) -> Result<impl IntoResponse, ApiError> {
    state.talents().talent(&principal, id).await?;
    let expected = required_if_match(&headers)?;
    let (input, project) = body.split();
    let project = project_ref(&state, &principal, project.as_deref()).await?;
    let saved = state
        .talents()
        .update_talent(&principal, id, expected, &input, project.as_ref())
        .await?;
    Ok((etag(saved.version), Json(TalentDto::from(saved))))
}

/// An innovation team.
#[derive(Debug, Serialize, ToSchema)]
struct TeamDto {
    id: i64,
    name: String,
    field: String,
    /// national, provincial or city.
    level: String,
    leader: String,
    members: i64,
    enterprise_credit_code: String,
    enterprise_name: String,
    year: i64,
    project_number: Option<String>,
    project_name: Option<String>,
    version: i64,
}

impl From<Team> for TeamDto {
    fn from(t: Team) -> Self {
        let (project_number, project_name) = t.project.unzip();
        TeamDto {
            id: t.id,
            name: t.name,
            field: t.field.as_str().to_owned(),
            level: t.level.as_str().to_owned(),
            leader: t.leader,
            members: t.members,
            enterprise_credit_code: t.credit_code,
            enterprise_name: t.enterprise_name,
            year: t.year,
            project_number,
            project_name,
            version: t.version,
        }
    }
}

/// A team as the talent office records it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TeamBody {
    name: String,
    #[schema(value_type = String)]
    field: Field,
    #[schema(value_type = String)]
    level: TeamLevel,
    leader: String,
    members: i64,
    /// The enterprise's credit code.
    enterprise: String,
    year: i64,
    #[serde(default)]
    project: Option<String>,
}

impl TeamBody {
    fn split(self) -> (TeamInput, Option<String>) {
        (
            TeamInput {
                name: self.name,
                field: self.field,
                level: self.level,
                leader: self.leader,
                members: self.members,
                enterprise: self.enterprise,
                year: self.year,
            },
            self.project,
        )
    }
}

/// `?q=&field=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct TeamQuery {
    q: Option<String>,
    #[param(value_type = Option<String>)]
    field: Option<Field>,
}

/// The innovation teams the caller may read.
#[utoipa::path(get, path = "/api/v1/innovation-teams", tag = "talent", params(TeamQuery),
    responses((status = 200, body = Vec<TeamDto>), (status = 422, body = crate::problem::Problem)))]
async fn list_teams(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<TeamQuery>,
) -> Result<Json<Vec<TeamDto>>, ApiError> {
    let found = state
        .talents()
        .teams(&principal, query.field, query.q.as_deref())
        .await?;
    Ok(Json(found.into_iter().map(TeamDto::from).collect()))
}

/// Records an innovation team (the city's talent office).
#[utoipa::path(post, path = "/api/v1/innovation-teams", tag = "talent", request_body = TeamBody,
    responses((status = 201, body = TeamDto), (status = 403, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn create_team(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<TeamBody>,
) -> Result<impl IntoResponse, ApiError> {
    let (input, project) = body.split();
    let project = project_ref(&state, &principal, project.as_deref()).await?;
    let created = state
        .talents()
        .create_team(&principal, &input, project.as_ref())
        .await?;
    Ok((
        StatusCode::CREATED,
        etag(created.version),
        Json(TeamDto::from(created)),
    ))
}

/// An innovation team.
#[utoipa::path(get, path = "/api/v1/innovation-teams/{team_id}", tag = "talent", params(("team_id" = i64, Path)),
    responses((status = 200, body = TeamDto), (status = 404, body = crate::problem::Problem)))]
async fn get_team(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let team = state.talents().team(&principal, id).await?;
    Ok((etag(team.version), Json(TeamDto::from(team))))
}

/// Corrects a team's record (the city's talent office); `If-Match` with the version read.
#[utoipa::path(put, path = "/api/v1/innovation-teams/{team_id}", tag = "talent", params(("team_id" = i64, Path)),
    request_body = TeamBody,
    responses((status = 200, body = TeamDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn update_team(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<TeamBody>,
) -> Result<impl IntoResponse, ApiError> {
    state.talents().team(&principal, id).await?;
    let expected = required_if_match(&headers)?;
    let (input, project) = body.split();
    let project = project_ref(&state, &principal, project.as_deref()).await?;
    let saved = state
        .talents()
        .update_team(&principal, id, expected, &input, project.as_ref())
        .await?;
    Ok((etag(saved.version), Json(TeamDto::from(saved))))
}

/// An inventor who is a recorded talent.
#[derive(Debug, Serialize, ToSchema)]
struct InventorDto {
    talent_id: i64,
    name: String,
}

/// A piece of IP.
#[derive(Debug, Serialize, ToSchema)]
struct IpDto {
    id: i64,
    /// invention_patent, utility_model, design_patent, software_copyright or trademark.
    kind: String,
    number: String,
    title: String,
    /// filed, granted or lapsed.
    status: String,
    enterprise_credit_code: String,
    enterprise_name: String,
    filed_on: String,
    granted_on: Option<String>,
    inventors: Vec<InventorDto>,
    project_number: Option<String>,
    project_name: Option<String>,
    version: i64,
}

impl From<IpAsset> for IpDto {
    fn from(i: IpAsset) -> Self {
        let (project_number, project_name) = i.project.unzip();
        IpDto {
            id: i.id,
            kind: i.kind.as_str().to_owned(),
            number: i.number,
            title: i.title,
            status: i.status.as_str().to_owned(),
            enterprise_credit_code: i.credit_code,
            enterprise_name: i.enterprise_name,
            filed_on: i.filed_on,
            granted_on: i.granted_on,
            inventors: i
                .inventors
                .into_iter()
                .map(|(talent_id, name)| InventorDto { talent_id, name })
                .collect(),
            project_number,
            project_name,
            version: i.version,
        }
    }
}

/// IP as its owner (or the city) records it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct IpBody {
    #[schema(value_type = String)]
    kind: IpKind,
    /// A patent application number with its check digit, e.g. 201710601862.3.
    number: String,
    title: String,
    #[schema(value_type = String)]
    status: IpStatus,
    /// The owner's credit code (an enterprise: its own).
    enterprise: String,
    /// YYYY-MM-DD.
    filed_on: String,
    #[serde(default)]
    granted_on: Option<String>,
    /// Talent ids among the inventors.
    #[serde(default)]
    inventors: Vec<i64>,
    #[serde(default)]
    project: Option<String>,
}

impl IpBody {
    fn split(self) -> (IpInput, Option<String>) {
        (
            IpInput {
                kind: self.kind,
                number: self.number,
                title: self.title,
                status: self.status,
                enterprise: self.enterprise,
                filed_on: self.filed_on,
                granted_on: self.granted_on,
                inventors: self.inventors,
            },
            self.project,
        )
    }
}

/// `?q=&kind=&status=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct IpQuery {
    q: Option<String>,
    #[param(value_type = Option<String>)]
    kind: Option<IpKind>,
    #[param(value_type = Option<String>)]
    status: Option<IpStatus>,
}

/// The IP the caller may read.
#[utoipa::path(get, path = "/api/v1/ip-assets", tag = "talent", params(IpQuery),
    responses((status = 200, body = Vec<IpDto>), (status = 422, body = crate::problem::Problem)))]
async fn list_ip(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<IpQuery>,
) -> Result<Json<Vec<IpDto>>, ApiError> {
    let filter = IpFilter {
        kind: query.kind,
        status: query.status,
        text: query.q,
    };
    let found = state.talents().ip_assets(&principal, &filter).await?;
    Ok(Json(found.into_iter().map(IpDto::from).collect()))
}

/// Records IP (an enterprise its own, the city any); a patent number's check digit is verified.
#[utoipa::path(post, path = "/api/v1/ip-assets", tag = "talent", request_body = IpBody,
    responses((status = 201, body = IpDto), (status = 403, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn create_ip(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<IpBody>,
) -> Result<impl IntoResponse, ApiError> {
    let (input, project) = body.split();
    let project = project_ref(&state, &principal, project.as_deref()).await?;
    let created = state
        .talents()
        .create_ip(&principal, &input, project.as_ref())
        .await?;
    Ok((
        StatusCode::CREATED,
        etag(created.version),
        Json(IpDto::from(created)),
    ))
}

/// A piece of IP.
#[utoipa::path(get, path = "/api/v1/ip-assets/{ip_id}", tag = "talent", params(("ip_id" = i64, Path)),
    responses((status = 200, body = IpDto), (status = 404, body = crate::problem::Problem)))]
async fn get_ip(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let asset = state.talents().ip_asset(&principal, id).await?;
    Ok((etag(asset.version), Json(IpDto::from(asset))))
}

/// Updates IP (its owner or the city), e.g. when granted; `If-Match` with the version read.
#[utoipa::path(put, path = "/api/v1/ip-assets/{ip_id}", tag = "talent", params(("ip_id" = i64, Path)),
    request_body = IpBody,
    responses((status = 200, body = IpDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn update_ip(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<IpBody>,
) -> Result<impl IntoResponse, ApiError> {
    state.talents().ip_asset(&principal, id).await?;
    let expected = required_if_match(&headers)?;
    let (input, project) = body.split();
    let project = project_ref(&state, &principal, project.as_deref()).await?;
    let saved = state
        .talents()
        .update_ip(&principal, id, expected, &input, project.as_ref())
        .await?;
    Ok((etag(saved.version), Json(IpDto::from(saved))))
}

/// Teams in a field.
#[derive(Debug, Serialize, ToSchema)]
struct FieldCountDto {
    field: String,
    teams: i64,
}

/// The figures of the caller's scope.
#[derive(Debug, Serialize, ToSchema)]
struct FiguresDto {
    talents: i64,
    doctorates: i64,
    /// Invention patents with a recorded talent among the inventors.
    invention_patents_by_talents: i64,
    invention_patents: i64,
    teams: i64,
    teams_by_field: Vec<FieldCountDto>,
    teams_in_manufacturing_and_it: i64,
    /// Whole percent; absent without teams.
    teams_in_manufacturing_and_it_percent: Option<i64>,
}

impl From<TalentFigures> for FiguresDto {
    fn from(f: TalentFigures) -> Self {
        FiguresDto {
            teams_in_manufacturing_and_it_percent: f.manufacturing_and_it_percent(),
            talents: f.talents,
            doctorates: f.doctorates,
            invention_patents_by_talents: f.invention_patents_by_talents,
            invention_patents: f.invention_patents,
            teams: f.teams,
            teams_by_field: f
                .teams_by_field
                .into_iter()
                .map(|(field, teams)| FieldCountDto {
                    field: field.as_str().to_owned(),
                    teams,
                })
                .collect(),
            teams_in_manufacturing_and_it: f.teams_in_manufacturing_and_it,
        }
    }
}

/// Talents, doctorates, invention patents by talents, teams by field, counted from the records
/// within the caller's scope.
#[utoipa::path(get, path = "/api/v1/talent-figures", tag = "talent",
    responses((status = 200, body = FiguresDto)))]
async fn figures(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> Result<Json<FiguresDto>, ApiError> {
    Ok(Json(state.talents().figures(&principal).await?.into()))
}
