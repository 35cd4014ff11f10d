//! The smart-manufacturing solution library: solutions providers publish (with the maturity
//! sub-domains and levels they raise), solutions ranked for an assessed enterprise with the
//! reasons, and adoptions from proposal to verified.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::{Classified, ErrorKind, FieldError, Text};
use zhizao_solutions::measured::{Aggregate, Measure, Reading};
use zhizao_solutions::{
    Adoption, AdoptionFilter, AdoptionStatus, Figures, Solution, SolutionFilter, SolutionInput,
    SolutionStatus, Step, Tally, Verification,
};
use zhizao_telemetry::SeriesRequest;

use super::{PageOf, Paging, etag, required_if_match, rfc3339};
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_solutions, create_solution))
        .routes(routes!(get_solution, update_solution))
        .routes(routes!(publish_solution))
        .routes(routes!(withdraw_solution))
        .routes(routes!(propose))
        .routes(routes!(matches))
        .routes(routes!(list_adoptions))
        .routes(routes!(get_adoption))
        .routes(routes!(take_step))
        .routes(routes!(verify))
        .routes(routes!(figures))
}

/// A sub-domain and the level a solution raises it to.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TargetDto {
    /// A sub-domain code of the current maturity model, e.g. `planning`.
    subdomain: String,
    /// 1–5.
    level: u8,
}

/// A solution.
#[derive(Debug, Serialize, ToSchema)]
struct SolutionDto {
    id: i64,
    provider_code: String,
    provider_name: String,
    title: String,
    summary: String,
    targets: Vec<TargetDto>,
    /// GB/T 4754 divisions it is made for (empty: any).
    industries: Vec<String>,
    investment_min_fen: i64,
    investment_max_fen: i64,
    payback_months: Option<i64>,
    references: String,
    /// draft, published or withdrawn.
    status: String,
    updated_at: String,
    version: i64,
}

impl From<Solution> for SolutionDto {
    fn from(s: Solution) -> Self {
        SolutionDto {
            id: s.id,
            provider_code: s.provider_code,
            provider_name: s.provider_name,
            title: s.title,
            summary: s.summary,
            targets: s
                .targets
                .into_iter()
                .map(|t| TargetDto {
                    subdomain: t.subdomain,
                    level: t.level,
                })
                .collect(),
            industries: s.industries,
            investment_min_fen: s.investment_min.get(),
            investment_max_fen: s.investment_max.get(),
            payback_months: s.payback_months,
            references: s.references,
            status: s.status.as_str().to_owned(),
            updated_at: rfc3339(s.updated_at),
            version: s.version,
        }
    }
}

/// A solution as its provider writes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SolutionBody {
    /// 2–80 characters.
    title: String,
    /// 1–2,000 characters.
    summary: String,
    /// 1–20 sub-domains with the level raised to.
    targets: Vec<TargetDto>,
    /// GB/T 4754 division codes; empty or absent: any industry.
    #[serde(default)]
    industries: Vec<String>,
    investment_min_fen: i64,
    investment_max_fen: i64,
    /// 1–240.
    #[serde(default)]
    payback_months: Option<i64>,
    #[serde(default)]
    references: String,
}

impl From<SolutionBody> for SolutionInput {
    fn from(b: SolutionBody) -> Self {
        SolutionInput {
            title: b.title,
            summary: b.summary,
            targets: b
                .targets
                .into_iter()
                .map(|t| zhizao_solutions::Target {
                    subdomain: t.subdomain,
                    level: t.level,
                })
                .collect(),
            industries: b.industries,
            investment_min_fen: b.investment_min_fen,
            investment_max_fen: b.investment_max_fen,
            payback_months: b.payback_months,
            references: b.references,
        }
    }
}

fn invalid(field: &str, zh: String, en: String) -> ApiError {
    zhizao_solutions::Error::Invalid(vec![FieldError::new(field, Text::owned(zh, en))]).into()
}

/// `?provider=&subdomain=&q=&status=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct SolutionQuery {
    /// A provider's organisation code.
    provider: Option<String>,
    /// A sub-domain code the solution raises.
    subdomain: Option<String>,
    /// Words in the title or summary.
    q: Option<String>,
    /// draft, published or withdrawn (drafts and withdrawn ones: the provider's own, the city).
    status: Option<String>,
    /// A GB/T 4754 division code: solutions made for it or for any industry.
    industry: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

/// The library: published solutions, and the caller's platform's drafts and withdrawn ones (the
/// city reads them all), newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/solutions", tag = "solutions", params(SolutionQuery),
    responses((status = 200, body = PageOf<SolutionDto>), (status = 422, body = crate::problem::Problem)))]
async fn list_solutions(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<SolutionQuery>,
) -> Result<Json<PageOf<SolutionDto>>, ApiError> {
    let nonempty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let status = match nonempty(query.status) {
        None => None,
        Some(word) => Some(SolutionStatus::parse(word.trim()).ok_or_else(|| {
            invalid(
                "status",
                format!("“{word}”不是方案状态"),
                format!("{word:?} is not a status: draft, published or withdrawn"),
            )
        })?),
    };
    let filter = SolutionFilter {
        provider: nonempty(query.provider),
        subdomain: nonempty(query.subdomain),
        text: nonempty(query.q),
        status,
        industry: nonempty(query.industry).map(|i| i.trim().to_owned()),
    };
    let paging = Paging {
        page: query.page,
        page_size: query.page_size,
    };
    let found = state
        .solutions()
        .solutions(&principal, &filter, paging.request())
        .await?;
    Ok(Json(PageOf::from_page(found, SolutionDto::from)))
}

/// A new draft solution of the caller's platform (solution providers' staff).
#[utoipa::path(post, path = "/api/v1/solutions", tag = "solutions", request_body = SolutionBody,
    responses((status = 201, body = SolutionDto), (status = 403, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn create_solution(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<SolutionBody>,
) -> Result<impl IntoResponse, ApiError> {
    let created = state
        .solutions()
        .create_solution(&principal, &body.into())
        .await?;
    Ok((
        StatusCode::CREATED,
        etag(created.version),
        Json(SolutionDto::from(created)),
    ))
}

/// A solution (published: anyone signed in; otherwise its provider and the city).
#[utoipa::path(get, path = "/api/v1/solutions/{solution_id}", tag = "solutions",
    params(("solution_id" = i64, Path)),
    responses((status = 200, body = SolutionDto), (status = 404, body = crate::problem::Problem)))]
async fn get_solution(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let solution = state.solutions().solution(&principal, id).await?;
    Ok((etag(solution.version), Json(SolutionDto::from(solution))))
}

/// Changes a draft or published solution (its provider's staff); `If-Match` with the version
/// read is required.
#[utoipa::path(put, path = "/api/v1/solutions/{solution_id}", tag = "solutions",
    params(("solution_id" = i64, Path)), request_body = SolutionBody,
    responses((status = 200, body = SolutionDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn update_solution(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SolutionBody>,
) -> Result<impl IntoResponse, ApiError> {
    // Out of sight the solution does not exist, whatever the headers.
    state.solutions().solution(&principal, id).await?;
    let expected = required_if_match(&headers)?;
    let saved = state
        .solutions()
        .update_solution(&principal, id, expected, &body.into())
        .await?;
    Ok((etag(saved.version), Json(SolutionDto::from(saved))))
}

/// Publishes a draft solution in the library (its provider's staff).
#[utoipa::path(post, path = "/api/v1/solutions/{solution_id}/publish", tag = "solutions",
    params(("solution_id" = i64, Path)),
    responses((status = 200, body = SolutionDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem)))]
async fn publish_solution(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SolutionDto>, ApiError> {
    let saved = state
        .solutions()
        .set_solution_status(&principal, id, SolutionStatus::Published)
        .await?;
    Ok(Json(saved.into()))
}

/// Withdraws a published solution (its provider's staff).
#[utoipa::path(post, path = "/api/v1/solutions/{solution_id}/withdraw", tag = "solutions",
    params(("solution_id" = i64, Path)),
    responses((status = 200, body = SolutionDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem)))]
async fn withdraw_solution(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SolutionDto>, ApiError> {
    let saved = state
        .solutions()
        .set_solution_status(&principal, id, SolutionStatus::Withdrawn)
        .await?;
    Ok(Json(saved.into()))
}

/// An adoption.
#[derive(Debug, Serialize, ToSchema)]
struct AdoptionDto {
    id: i64,
    solution_id: i64,
    solution_title: String,
    provider_name: String,
    enterprise_id: i64,
    enterprise_name: String,
    /// proposed, accepted, declined, implemented or verified.
    status: String,
    /// provider or enterprise: who proposed (the other side accepts or declines).
    proposed_side: String,
    note: String,
    proposed_at: String,
    proposed_by: String,
    accepted_at: Option<String>,
    implemented_at: Option<String>,
    verified_at: Option<String>,
    /// What the verification cites: `{"kind": "project", "number", "name"}` or `{"kind":
    /// "figures", "metric", "unit", "before", "after", "source"}`.
    #[schema(value_type = Option<Object>)]
    verification: Option<Verification>,
    version: i64,
}

impl From<Adoption> for AdoptionDto {
    fn from(a: Adoption) -> Self {
        AdoptionDto {
            id: a.id,
            solution_id: a.solution_id,
            solution_title: a.solution_title,
            provider_name: a.provider_name,
            enterprise_id: a.enterprise_id,
            enterprise_name: a.enterprise_name,
            status: a.status.as_str().to_owned(),
            proposed_side: a.proposed_side,
            note: a.note,
            proposed_at: rfc3339(a.proposed_at),
            proposed_by: a.proposed_by,
            accepted_at: a.accepted_at.map(rfc3339),
            implemented_at: a.implemented_at.map(rfc3339),
            verified_at: a.verified_at.map(rfc3339),
            verification: a.verification,
            version: a.version,
        }
    }
}

/// A proposal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ProposeBody {
    /// The credit code of the client enterprise a provider proposes to; an enterprise asking
    /// for the solution leaves it out.
    #[serde(default)]
    enterprise: Option<String>,
    #[serde(default)]
    note: String,
}

/// Proposes a published solution: its provider to a client enterprise, or an enterprise asking
/// for it; the other side accepts or declines.
#[utoipa::path(post, path = "/api/v1/solutions/{solution_id}/adoptions", tag = "solutions",
    params(("solution_id" = i64, Path)), request_body = ProposeBody,
    responses((status = 201, body = AdoptionDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn propose(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ProposeBody>,
) -> Result<impl IntoResponse, ApiError> {
    let adoption = state
        .solutions()
        .propose(&principal, id, body.enterprise.as_deref(), &body.note)
        .await?;
    Ok((StatusCode::CREATED, Json(AdoptionDto::from(adoption))))
}

/// A solution ranked for an assessed enterprise.
#[derive(Debug, Serialize, ToSchema)]
struct MatchDto {
    solution: SolutionDto,
    /// How well it fits (higher is better).
    score: f64,
    /// Why, most weighty first, in Chinese and English.
    reasons_zh: Vec<String>,
    reasons_en: Vec<String>,
}

/// The published solutions ranked for the enterprise of an assessment by its gaps and industry,
/// with the reasons (whoever may read the assessment).
#[utoipa::path(get, path = "/api/v1/assessments/{assessment_id}/solutions", tag = "solutions",
    params(("assessment_id" = i64, Path)),
    responses((status = 200, body = Vec<MatchDto>), (status = 404, body = crate::problem::Problem)))]
async fn matches(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<MatchDto>>, ApiError> {
    let ranked = state.solutions().matches(&principal, id).await?;
    Ok(Json(
        ranked
            .into_iter()
            .map(|(m, solution)| MatchDto {
                solution: solution.into(),
                score: f64::from(m.score) / 1000.0,
                reasons_zh: m.reasons.iter().map(|r| r.zh.to_string()).collect(),
                reasons_en: m.reasons.iter().map(|r| r.en.to_string()).collect(),
            })
            .collect(),
    ))
}

/// `?status=&solution_id=&provider_id=` with paging.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AdoptionQuery {
    /// proposed, accepted, declined, implemented or verified.
    status: Option<String>,
    /// One solution's adoptions.
    solution_id: Option<i64>,
    /// The adoptions of one provider's solutions (organisation id).
    provider_id: Option<i64>,
    page: Option<u32>,
    page_size: Option<u32>,
}

/// The adoptions the caller sees, newest first: an enterprise its own, a provider those of its
/// solutions, a town its enterprises', the city all.
#[utoipa::path(get, path = "/api/v1/solution-adoptions", tag = "solutions", params(AdoptionQuery),
    responses((status = 200, body = PageOf<AdoptionDto>), (status = 422, body = crate::problem::Problem)))]
async fn list_adoptions(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<AdoptionQuery>,
) -> Result<Json<PageOf<AdoptionDto>>, ApiError> {
    let status = match query.status.filter(|s| !s.trim().is_empty()) {
        None => None,
        Some(word) => Some(AdoptionStatus::parse(word.trim()).ok_or_else(|| {
            invalid(
                "status",
                format!("“{word}”不是采用状态"),
                format!(
                    "{word:?} is not a status: proposed, accepted, declined, implemented or verified"
                ),
            )
        })?),
    };
    let filter = AdoptionFilter {
        status,
        solution_id: query.solution_id,
        provider_id: query.provider_id,
    };
    let paging = Paging {
        page: query.page,
        page_size: query.page_size,
    };
    let found = state
        .solutions()
        .adoptions(&principal, &filter, paging.request())
        .await?;
    Ok(Json(PageOf::from_page(found, AdoptionDto::from)))
}

/// An adoption.
#[utoipa::path(get, path = "/api/v1/solution-adoptions/{adoption_id}", tag = "solutions",
    params(("adoption_id" = i64, Path)),
    responses((status = 200, body = AdoptionDto), (status = 404, body = crate::problem::Problem)))]
async fn get_adoption(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<AdoptionDto>, ApiError> {
    Ok(Json(
        state.solutions().adoption(&principal, id).await?.into(),
    ))
}

/// A step's note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct StepBody {
    #[serde(default)]
    note: String,
}

/// Takes a step: `accept` or `decline` (the side that did not propose), `implemented` (the
/// provider, once accepted).
#[utoipa::path(post, path = "/api/v1/solution-adoptions/{adoption_id}/{step}", tag = "solutions",
    params(("adoption_id" = i64, Path), ("step" = String, Path, description = "accept, decline or implemented")),
    request_body = StepBody,
    responses((status = 200, body = AdoptionDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn take_step(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((id, step)): ApiPath<(i64, String)>,
    ApiJson(body): ApiJson<StepBody>,
) -> Result<Json<AdoptionDto>, ApiError> {
    // Out of sight the adoption does not exist, whatever the step.
    state.solutions().adoption(&principal, id).await?;
    let step = match step.as_str() {
        "accept" => Step::Accept,
        "decline" => Step::Decline,
        "implemented" => Step::Implemented,
        other => {
            return Err(ApiError::not_found(format!(
                "no step {other:?}: accept, decline or implemented"
            )));
        }
    };
    let saved = state
        .solutions()
        .step(&principal, id, step, &body.note)
        .await?;
    Ok(Json(saved.into()))
}

/// What a verification cites: one of the three.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    /// The number of an upgrade project the enterprise completed on the platform.
    #[serde(default)]
    project: Option<String>,
    /// Before-and-after figures.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    figures: Option<Figures>,
    /// Figures the platform measures from one of the enterprise's devices.
    #[serde(default)]
    telemetry: Option<MeasureBody>,
}

/// A numeric field of one of the enterprise's devices, averaged or summed over the `days`
/// before the adoption was accepted and the `days` after it was reported implemented.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MeasureBody {
    /// The device's name.
    pub(crate) device: String,
    /// A numeric field of its telemetry, e.g. `oee` or `kwh`.
    pub(crate) field: String,
    /// `mean` (default) or `sum`.
    #[serde(default)]
    pub(crate) aggregate: Option<String>,
    /// Days in each window, 1 to 366 (default 30).
    #[serde(default)]
    pub(crate) days: Option<u32>,
}

fn measure_invalid(field: &str, zh: String, en: String) -> zhizao_solutions::Error {
    zhizao_solutions::Error::Invalid(vec![FieldError::new(field, Text::owned(zh, en))])
}

/// The figures `body` measures for `adoption_id` from the caller's own device: the windows,
/// the device's data in each, and the figures with where they come from. Bad input is named by
/// field (`telemetry.…`) for the API and the pages alike.
pub(crate) async fn measured_figures(
    state: &AppState,
    principal: &zhizao_identity::Principal,
    adoption_id: i64,
    body: &MeasureBody,
) -> zhizao_solutions::Result<Figures> {
    let aggregate = match body.aggregate.as_deref().map(str::trim) {
        None | Some("") => Aggregate::Mean,
        Some(code) => Aggregate::parse(code).ok_or_else(|| {
            measure_invalid(
                "telemetry.aggregate",
                format!("“{code}”不是汇总方式（mean 平均或 sum 合计）"),
                format!("{code:?} is not an aggregate: mean or sum"),
            )
        })?,
    };
    let measure = Measure {
        device: body.device.trim().to_owned(),
        field: body.field.trim().to_owned(),
        aggregate,
        days: body.days.unwrap_or(30),
    };
    let adoption = state.solutions().verifiable(principal, adoption_id).await?;
    let now = state.identity().clock().now();
    let windows = measure.windows(&adoption, now)?;
    let (_, profile, identity) = state
        .devices()
        .device_with_identity(principal, &measure.device)
        .await
        .map_err(|_| {
            measure_invalid(
                "telemetry.device",
                format!("本企业没有名为“{}”的设备", measure.device),
                format!("the enterprise has no device named {:?}", measure.device),
            )
        })?;
    let mut readings = Vec::with_capacity(2);
    for window in [windows.0, windows.1] {
        let series = state
            .telemetry()
            .series(
                identity.tenant,
                &SeriesRequest {
                    database: &identity.database,
                    table: &identity.table,
                    device: &identity.name,
                    field: &measure.field,
                    from_ms: window.from.as_millis(),
                    to_ms: window.to.as_millis(),
                    max_points: 1,
                },
            )
            .await
            .map_err(|error| match error.kind() {
                ErrorKind::InvalidInput | ErrorKind::NotFound => measure_invalid(
                    "telemetry.field",
                    format!(
                        "设备 {} 没有可计算的数值字段“{}”",
                        measure.device, measure.field
                    ),
                    error.to_string(),
                ),
                _ => zhizao_solutions::Error::Corrupt(format!("telemetry: {error}")),
            })?;
        // The buckets are aligned to the epoch, so the window may fall in two: weigh them.
        let count: i64 = series.buckets.iter().map(|b| b.n).sum();
        let total: f64 = series.buckets.iter().map(|b| b.mean * b.n as f64).sum();
        readings.push((count > 0).then(|| Reading {
            mean: total / count as f64,
            count,
        }));
    }
    let unit = profile
        .telemetry
        .iter()
        .find(|t| t.name == measure.field)
        .map(|t| t.unit.clone())
        .unwrap_or_default();
    measure.figures(&unit, windows, readings[0], readings[1])
}

/// Verifies an implemented adoption (its enterprise), citing a completed upgrade project,
/// before-and-after figures, or figures the platform measures from one of its devices.
#[utoipa::path(post, path = "/api/v1/solution-adoptions/{adoption_id}/verification", tag = "solutions",
    params(("adoption_id" = i64, Path)), request_body = VerifyBody,
    responses((status = 200, body = AdoptionDto), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn verify(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<VerifyBody>,
) -> Result<Json<AdoptionDto>, ApiError> {
    state.solutions().adoption(&principal, id).await?;
    let verification = match (body.project, body.figures, body.telemetry) {
        (Some(number), None, None) => Verification::Project {
            number,
            name: String::new(),
        },
        (None, Some(figures), None) => Verification::Figures(figures),
        (None, None, Some(measure)) => {
            Verification::Figures(measured_figures(&state, &principal, id, &measure).await?)
        }
        _ => {
            return Err(invalid(
                "project",
                "请填写已验收的项目编号、前后对比数据或设备数据（三选一）".into(),
                "cite one of: a completed project's number, before-and-after figures, or a device's data".into(),
            ));
        }
    };
    let completed = state.projects().completed_projects(&principal).await?;
    let saved = state
        .solutions()
        .verify(&principal, id, &verification, &completed)
        .await?;
    Ok(Json(saved.into()))
}

/// The counts of one provider or of the whole scope.
#[derive(Debug, Serialize, ToSchema)]
struct TallyDto {
    /// Solutions in the library (published, or withdrawn once offered).
    library: i64,
    /// Solutions provided to enterprises: proposed by the provider (whatever became of it), or
    /// asked for by the enterprise and agreed; one solution at one enterprise each.
    provided: i64,
    /// Distinct enterprises they were provided to.
    enterprises_served: i64,
    /// Distinct enterprises that accepted one (accepted, implemented or verified).
    enterprises_accepted: i64,
    /// Adoptions implemented or verified (adopted and implemented).
    implemented: i64,
    /// Distinct enterprises with one implemented or verified.
    enterprises_implemented: i64,
    /// Adoptions verified with evidence.
    verified: i64,
}

impl From<Tally> for TallyDto {
    fn from(t: Tally) -> Self {
        TallyDto {
            library: t.library,
            provided: t.provided,
            enterprises_served: t.enterprises_served,
            enterprises_accepted: t.enterprises_accepted,
            implemented: t.implemented,
            enterprises_implemented: t.enterprises_implemented,
            verified: t.verified,
        }
    }
}

/// One provider's counts.
#[derive(Debug, Serialize, ToSchema)]
struct ProviderTallyDto {
    /// The provider's organisation id.
    provider_id: i64,
    /// Its name.
    provider_name: String,
    /// Its platform's sector in Chinese, when its profile names one.
    sector: Option<String>,
    /// Its sector in English.
    sector_en: Option<String>,
    #[serde(flatten)]
    tally: TallyDto,
}

/// The solution library's figures: the scope's total and each provider's.
#[derive(Debug, Serialize, ToSchema)]
struct FiguresDto {
    /// The whole scope (an enterprise served by two providers counted once).
    total: TallyDto,
    /// Each provider with solutions or adoptions in scope, most provided first.
    providers: Vec<ProviderTallyDto>,
}

/// Solutions offered, provided and adopted, counted from the records in the caller's scope
/// (the city all, a town its enterprises', a provider its own solutions), in total and per
/// provider.
#[utoipa::path(get, path = "/api/v1/solution-figures", tag = "solutions",
    responses((status = 200, body = FiguresDto), (status = 403, body = crate::problem::Problem)))]
async fn figures(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> Result<Json<FiguresDto>, ApiError> {
    let f = state.solutions().figures(&principal).await?;
    Ok(Json(FiguresDto {
        total: f.total.into(),
        providers: f
            .providers
            .into_iter()
            .map(|p| ProviderTallyDto {
                provider_id: p.provider_id,
                provider_name: p.provider_name,
                sector: p.sector.as_ref().map(|s| s.zh.to_string()),
                sector_en: p.sector.map(|s| s.en.into_owned()),
                tally: p.tally.into(),
            })
            .collect(),
    }))
}
