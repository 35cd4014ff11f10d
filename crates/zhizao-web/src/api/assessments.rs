//! Smart-manufacturing maturity self-assessments (GB/T 39116 / 39117): the model revisions, an
//! enterprise's assessments from start (answers suggested from its devices, projects and
//! shared-factory orders) to submission, and the report (level, scores by level and domain,
//! gaps to the next level, standing in its industry and town).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_assessment::model::{self, Answer, IndustryKind};
use zhizao_assessment::{
    AnswerInput, Assessment, AssessmentFilter, AssessmentStatus, AssessmentSummary, Facts, Report,
};
use zhizao_core::{FieldError, Text};
use zhizao_identity::Principal;

use super::{PageOf, Paging, etag, if_match, rfc3339};
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_models))
        .routes(routes!(get_model))
        .routes(routes!(list_assessments, start_assessment))
        .routes(routes!(get_assessment, discard_assessment))
        .routes(routes!(answer_assessment))
        .routes(routes!(refresh_suggestions))
        .routes(routes!(submit_assessment))
        .routes(routes!(assessment_report))
        .routes(routes!(list_evidence))
        .routes(routes!(download_evidence, remove_evidence))
        .merge(OpenApiRouter::new().routes(routes!(upload_evidence)).layer(
            axum::extract::DefaultBodyLimit::max(
                zhizao_assessment::evidence::MAX_FILE_BYTES + 256 * 1024,
            ),
        ))
}

/// What the platform's records say about the caller's enterprise, gathered from the domains
/// that own them (each reads within the caller's own scope); for the API and the pages alike.
pub(crate) async fn facts_of<E>(state: &AppState, principal: &Principal) -> Result<Facts, E>
where
    E: From<zhizao_devices::Error> + From<zhizao_projects::Error> + From<zhizao_services::Error>,
{
    let (connected_devices, reporting_devices) =
        state.devices().fleet_counts(principal, 30).await?;
    Ok(Facts {
        connected_devices,
        reporting_devices,
        completed_projects: state.projects().completed_projects(principal).await?,
        shared_factory_orders: state.services().completed_factory_orders(principal).await?,
    })
}

/// A model revision as the list shows it.
#[derive(Debug, Serialize, ToSchema)]
struct ModelDto {
    /// `code.revision`, e.g. `gbt39116-2020.1`.
    key: String,
    title_zh: String,
    title_en: String,
    /// Whether new assessments follow it.
    current: bool,
    requirements: usize,
}

/// The maturity model revisions the platform ships (anyone signed in).
#[utoipa::path(get, path = "/api/v1/maturity-models", tag = "maturity assessment",
    responses((status = 200, body = Vec<ModelDto>)))]
async fn list_models(Caller(_principal): Caller) -> Json<Vec<ModelDto>> {
    let current = model::current().key();
    Json(
        model::models()
            .iter()
            .map(|m| ModelDto {
                key: m.key(),
                title_zh: m.title.zh.to_string(),
                title_en: m.title.en.to_string(),
                current: m.key() == current,
                requirements: m.requirements.len(),
            })
            .collect(),
    )
}

/// One model revision whole: levels, factors, domains, sub-domains with their weights per
/// industry kind, requirements with the facts that suggest their answers, answer scores and the
/// threshold (the versioned data file, as shipped).
#[utoipa::path(get, path = "/api/v1/maturity-models/{key}", tag = "maturity assessment",
    params(("key" = String, Path, description = "`code.revision`, e.g. gbt39116-2020.1")),
    responses((status = 200, body = Object), (status = 404, body = crate::problem::Problem)))]
async fn get_model(
    Caller(_principal): Caller,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<&'static zhizao_assessment::Model>, ApiError> {
    model::by_key(&key).map(Json).ok_or_else(|| {
        zhizao_assessment::Error::NotFound {
            what: "maturity model",
            key,
        }
        .into()
    })
}

/// An assessment's header.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AssessmentDto {
    id: i64,
    enterprise_id: i64,
    enterprise_name: String,
    town_code: String,
    industry_code: String,
    /// The model revision followed.
    model: String,
    /// discrete or process.
    industry_kind: String,
    /// draft or submitted.
    status: String,
    /// The level reached, 0–5 (submitted).
    level: Option<u8>,
    /// The maturity score, 0–5 with three decimals (submitted).
    score: Option<f64>,
    created_at: String,
    submitted_at: Option<String>,
    version: i64,
}

fn thousandths(value: u32) -> f64 {
    f64::from(value) / 1000.0
}

impl From<AssessmentSummary> for AssessmentDto {
    fn from(s: AssessmentSummary) -> Self {
        AssessmentDto {
            id: s.id,
            enterprise_id: s.enterprise_id,
            enterprise_name: s.enterprise_name,
            town_code: s.town_code,
            industry_code: s.industry_code,
            model: s.model,
            industry_kind: s.industry_kind.as_str().to_owned(),
            status: s.status.as_str().to_owned(),
            level: s.level,
            score: s.score.map(thousandths),
            created_at: rfc3339(s.created_at),
            submitted_at: s.submitted_at.map(rfc3339),
            version: s.version,
        }
    }
}

/// An answer with the platform's suggestion beside it.
#[derive(Debug, Serialize, ToSchema)]
struct AnswerDto {
    requirement: String,
    /// fully, mostly, partly or not_met; absent while only suggested.
    answer: Option<String>,
    note: String,
    evidence_url: String,
    /// What the platform's records suggest.
    suggested: Option<String>,
    /// The evidence of the suggestion, in Chinese and English.
    suggestion_zh: Option<String>,
    suggestion_en: Option<String>,
    answered_at: Option<String>,
    answered_by: Option<String>,
}

/// An assessment with its answers.
#[derive(Debug, Serialize, ToSchema)]
struct AssessmentDetailDto {
    #[serde(flatten)]
    summary: AssessmentDto,
    /// Requirements assessed for its industry kind, and how many have an answer.
    requirements: u32,
    answered: u32,
    answers: Vec<AnswerDto>,
}

fn detail(assessment: Assessment) -> Result<AssessmentDetailDto, ApiError> {
    let card = assessment.scorecard()?;
    let answers = assessment
        .answers
        .into_values()
        .map(|a| AnswerDto {
            requirement: a.requirement,
            answer: a.answer.map(|x| x.as_str().to_owned()),
            note: a.note,
            evidence_url: a.evidence_url,
            suggested: a.suggested.map(|x| x.as_str().to_owned()),
            suggestion_zh: a.suggestion.as_ref().map(|t| t.zh.to_string()),
            suggestion_en: a.suggestion.map(|t| t.en.to_string()),
            answered_at: a.answered_at.map(rfc3339),
            answered_by: a.answered_by,
        })
        .collect();
    Ok(AssessmentDetailDto {
        summary: assessment.summary.into(),
        requirements: card.requirements,
        answered: card.requirements - card.unanswered,
        answers,
    })
}

/// `?status=&town=&enterprise_id=` with paging.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// draft or submitted.
    status: Option<String>,
    /// A township code.
    town: Option<String>,
    /// One enterprise (organisation id).
    enterprise_id: Option<i64>,
    page: Option<u32>,
    page_size: Option<u32>,
}

fn invalid(field: &str, zh: String, en: String) -> ApiError {
    zhizao_assessment::Error::Invalid(vec![FieldError::new(field, Text::owned(zh, en))]).into()
}

/// The assessments the caller may see, newest first: an enterprise its own (drafts included), a
/// town its enterprises' submitted ones, a platform its clients', the city all.
#[utoipa::path(get, path = "/api/v1/assessments", tag = "maturity assessment", params(ListQuery),
    responses((status = 200, body = PageOf<AssessmentDto>), (status = 422, body = crate::problem::Problem)))]
async fn list_assessments(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<PageOf<AssessmentDto>>, ApiError> {
    let status = match query
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(word) => Some(AssessmentStatus::parse(word).ok_or_else(|| {
            invalid(
                "status",
                format!("“{word}”不是评估状态（draft 或 submitted）"),
                format!("{word:?} is not a status: draft or submitted"),
            )
        })?),
    };
    let filter = AssessmentFilter {
        status,
        enterprise_id: query.enterprise_id,
        town: query.town.filter(|t| !t.trim().is_empty()),
    };
    let paging = Paging {
        page: query.page,
        page_size: query.page_size,
    };
    let page = state
        .assessments()
        .list(&principal, &filter, paging.request())
        .await?;
    Ok(Json(PageOf::from_page(page, AssessmentDto::from)))
}

/// What an enterprise starts an assessment with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct StartBody {
    /// discrete or process.
    industry_kind: String,
}

fn industry_kind(word: &str) -> Result<IndustryKind, ApiError> {
    IndustryKind::parse(word.trim()).ok_or_else(|| {
        invalid(
            "industry_kind",
            format!("“{word}”不是行业类型（discrete 离散型或 process 流程型）"),
            format!("{word:?} is not an industry kind: discrete or process"),
        )
    })
}

/// Starts an assessment of the caller's enterprise on the current model revision, with answers
/// suggested from its connected devices, completed upgrade projects and shared-factory orders
/// (an enterprise's users; one draft at a time).
#[utoipa::path(post, path = "/api/v1/assessments", tag = "maturity assessment", request_body = StartBody,
    responses((status = 201, body = AssessmentDetailDto), (status = 403, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn start_assessment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<StartBody>,
) -> Result<impl IntoResponse, ApiError> {
    let kind = industry_kind(&body.industry_kind)?;
    let facts = if zhizao_identity::policy::may_take_assessments(&principal) {
        facts_of::<ApiError>(&state, &principal).await?
    } else {
        Facts::default()
    };
    let started = state.assessments().start(&principal, kind, &facts).await?;
    Ok((
        StatusCode::CREATED,
        etag(started.summary.version),
        Json(detail(started)?),
    ))
}

/// An assessment with its answers and suggestions; the `ETag` is its version.
#[utoipa::path(get, path = "/api/v1/assessments/{assessment_id}", tag = "maturity assessment",
    params(("assessment_id" = i64, Path)),
    responses((status = 200, body = AssessmentDetailDto), (status = 404, body = crate::problem::Problem)))]
async fn get_assessment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let assessment = state.assessments().get(&principal, id).await?;
    Ok((etag(assessment.summary.version), Json(detail(assessment)?)))
}

/// Discards a draft (its enterprise).
#[utoipa::path(delete, path = "/api/v1/assessments/{assessment_id}", tag = "maturity assessment",
    params(("assessment_id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn discard_assessment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.assessments().discard(&principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One answer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    /// The requirement's code, e.g. `planning.3.1`.
    requirement: String,
    /// fully, mostly, partly or not_met.
    answer: String,
    #[serde(default)]
    note: String,
    /// A link to the evidence (http or https).
    #[serde(default)]
    evidence_url: String,
}

/// Answers to give or change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AnswersBody {
    answers: Vec<AnswerBody>,
}

/// Gives or changes answers, all or none (its enterprise; a draft). Each requirement must be one
/// of the model revision the assessment follows and assessed for its industry kind. `If-Match`
/// with the version read, when sent, must be the latest.
#[utoipa::path(put, path = "/api/v1/assessments/{assessment_id}/answers", tag = "maturity assessment",
    params(("assessment_id" = i64, Path)), request_body = AnswersBody,
    responses((status = 200, body = AssessmentDetailDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn answer_assessment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<AnswersBody>,
) -> Result<impl IntoResponse, ApiError> {
    let expected = if_match(&headers)?;
    let mut inputs = Vec::with_capacity(body.answers.len());
    let mut problems = Vec::new();
    for (index, answer) in body.answers.into_iter().enumerate() {
        let Some(parsed) = Answer::parse(answer.answer.trim()) else {
            problems.push(FieldError::new(
                format!("answers[{index}].answer"),
                Text::owned(
                    format!(
                        "“{}”不是答案（fully、mostly、partly 或 not_met）",
                        answer.answer
                    ),
                    format!(
                        "{:?} is not an answer: fully, mostly, partly or not_met",
                        answer.answer
                    ),
                ),
            ));
            continue;
        };
        inputs.push(AnswerInput {
            requirement: answer.requirement,
            answer: parsed,
            note: answer.note,
            evidence_url: answer.evidence_url,
        });
    }
    if !problems.is_empty() {
        // Scope first: out of sight the assessment does not exist, whatever the body.
        state.assessments().get(&principal, id).await?;
        return Err(zhizao_assessment::Error::Invalid(problems).into());
    }
    let saved = state
        .assessments()
        .answer(&principal, id, expected, &inputs)
        .await?;
    Ok((etag(saved.summary.version), Json(detail(saved)?)))
}

/// Suggests answers again from the platform's records as they are now (answers given are kept;
/// its enterprise; a draft).
#[utoipa::path(post, path = "/api/v1/assessments/{assessment_id}/suggestions", tag = "maturity assessment",
    params(("assessment_id" = i64, Path)),
    responses((status = 200, body = AssessmentDetailDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem)))]
async fn refresh_suggestions(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, ApiError> {
    state.assessments().get(&principal, id).await?;
    let facts = if zhizao_identity::policy::may_take_assessments(&principal) {
        facts_of::<ApiError>(&state, &principal).await?
    } else {
        Facts::default()
    };
    let saved = state
        .assessments()
        .refresh_suggestions(&principal, id, &facts)
        .await?;
    Ok((etag(saved.summary.version), Json(detail(saved)?)))
}

/// Submits a draft whose every requirement has an answer: scored and kept as it is from then on
/// (its enterprise). `If-Match`, when sent, must be the latest version.
#[utoipa::path(post, path = "/api/v1/assessments/{assessment_id}/submit", tag = "maturity assessment",
    params(("assessment_id" = i64, Path)),
    responses((status = 200, body = AssessmentDetailDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem)))]
async fn submit_assessment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let expected = if_match(&headers)?;
    let saved = state.assessments().submit(&principal, id, expected).await?;
    Ok((etag(saved.summary.version), Json(detail(saved)?)))
}

/// A level's score.
#[derive(Debug, Serialize, ToSchema)]
struct LevelDto {
    level: u8,
    score: f64,
    reached: bool,
}

/// A capability domain's profile (0–5) and its score per level.
#[derive(Debug, Serialize, ToSchema)]
struct DomainDto {
    factor: String,
    domain: String,
    profile: f64,
    levels: Vec<Option<f64>>,
}

/// A requirement between the enterprise and the next level.
#[derive(Debug, Serialize, ToSchema)]
struct GapDto {
    requirement: String,
    answer: Option<String>,
    /// What meeting it fully adds to the next level's score (0–1).
    gain: f64,
}

/// Where the score stands among enterprises' latest submitted assessments.
#[derive(Debug, Serialize, ToSchema)]
struct StandingDto {
    rank: u32,
    of: u32,
    mean: f64,
}

/// The report.
#[derive(Debug, Serialize, ToSchema)]
struct ReportDto {
    assessment: AssessmentDto,
    /// The level reached and the maturity score (of the answers so far, for a draft).
    level: u8,
    score: f64,
    levels: Vec<LevelDto>,
    domains: Vec<DomainDto>,
    gaps: Vec<GapDto>,
    /// Among enterprises of the same industry division (GB/T 4754), submitted only.
    industry: Option<StandingDto>,
    /// Among enterprises of the same town, submitted only.
    town: Option<StandingDto>,
}

impl From<Report> for ReportDto {
    fn from(r: Report) -> Self {
        let standing = |s: zhizao_assessment::Standing| StandingDto {
            rank: s.rank,
            of: s.of,
            mean: thousandths(s.mean),
        };
        ReportDto {
            assessment: r.summary.into(),
            level: r.scorecard.level,
            score: thousandths(r.scorecard.score),
            levels: r
                .scorecard
                .levels
                .iter()
                .map(|l| LevelDto {
                    level: l.level,
                    score: thousandths(l.score),
                    reached: l.reached,
                })
                .collect(),
            domains: r
                .scorecard
                .domains
                .iter()
                .map(|d| DomainDto {
                    factor: d.factor.clone(),
                    domain: d.domain.clone(),
                    profile: thousandths(d.profile),
                    levels: d.levels.iter().map(|s| s.map(thousandths)).collect(),
                })
                .collect(),
            gaps: r
                .gaps
                .into_iter()
                .map(|g| GapDto {
                    requirement: g.requirement,
                    answer: g.answer.map(|a| a.as_str().to_owned()),
                    gain: thousandths(g.gain),
                })
                .collect(),
            industry: r.industry.map(standing),
            town: r.town.map(standing),
        }
    }
}

/// The report: level, scores per level and domain, the gaps to the next level, and the standing
/// among assessed enterprises of the same industry division and town.
#[utoipa::path(get, path = "/api/v1/assessments/{assessment_id}/report", tag = "maturity assessment",
    params(("assessment_id" = i64, Path)),
    responses((status = 200, body = ReportDto), (status = 404, body = crate::problem::Problem)))]
async fn assessment_report(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ReportDto>, ApiError> {
    let report = state.assessments().report(&principal, id).await?;
    Ok(Json(report.into()))
}

/// An evidence file.
#[derive(Debug, Serialize, ToSchema)]
struct EvidenceDto {
    id: i64,
    /// The requirement whose answer it supports.
    requirement: String,
    file_name: String,
    /// Judged from the content.
    content_type: String,
    size_bytes: i64,
    sha256: String,
    uploaded_at: String,
    uploaded_by: String,
}

impl From<zhizao_assessment::EvidenceFile> for EvidenceDto {
    fn from(f: zhizao_assessment::EvidenceFile) -> Self {
        EvidenceDto {
            id: f.id,
            requirement: f.requirement,
            file_name: f.file_name,
            content_type: f.content_type,
            size_bytes: f.size_bytes,
            sha256: f.sha256,
            uploaded_at: rfc3339(f.uploaded_at),
            uploaded_by: f.uploaded_by,
        }
    }
}

/// The evidence files of an assessment, by requirement.
#[utoipa::path(get, path = "/api/v1/assessments/{assessment_id}/evidence", tag = "maturity assessment",
    params(("assessment_id" = i64, Path)),
    responses((status = 200, body = Vec<EvidenceDto>), (status = 404, body = crate::problem::Problem)))]
async fn list_evidence(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<EvidenceDto>>, ApiError> {
    let files = state.assessments().evidence_files(&principal, id).await?;
    Ok(Json(files.into_iter().map(EvidenceDto::from).collect()))
}

/// Attaches evidence (multipart part `file`) to the answer of a requirement in a draft (its
/// enterprise): PDF, PNG, JPEG, Excel or Word, judged by content, at most 20 MiB, ten a
/// requirement.
#[utoipa::path(post, path = "/api/v1/assessments/{assessment_id}/evidence/{requirement}", tag = "maturity assessment",
    params(("assessment_id" = i64, Path), ("requirement" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "`file`: the file"),
    responses((status = 201, body = EvidenceDto), (status = 404, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 413, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn upload_evidence(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((id, requirement)): ApiPath<(i64, String)>,
    request: axum::extract::Request,
) -> Result<impl IntoResponse, ApiError> {
    // Outside the caller's scope the assessment does not exist, whatever the body.
    state.assessments().get(&principal, id).await?;
    let (_, file_name, bytes) =
        super::projects::read_upload(&state, request, zhizao_assessment::evidence::MAX_FILE_BYTES)
            .await?;
    let file = state
        .assessments()
        .add_evidence(&principal, id, &requirement, &file_name, bytes)
        .await?;
    Ok((StatusCode::CREATED, Json(EvidenceDto::from(file))))
}

/// Downloads an evidence file (always as a download, with the type its content has).
#[utoipa::path(get, path = "/api/v1/assessments/{assessment_id}/evidence-files/{file_id}", tag = "maturity assessment",
    params(("assessment_id" = i64, Path), ("file_id" = i64, Path)),
    responses((status = 200, description = "The file"), (status = 404, body = crate::problem::Problem)))]
async fn download_evidence(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((id, file_id)): ApiPath<(i64, i64)>,
) -> Result<axum::response::Response, ApiError> {
    let (file, bytes) = state
        .assessments()
        .evidence_file(&principal, id, file_id)
        .await?;
    Ok(super::projects::file_response(
        file.id,
        &file.file_name,
        &file.content_type,
        bytes,
    ))
}

/// Removes an evidence file from a draft (its enterprise).
#[utoipa::path(delete, path = "/api/v1/assessments/{assessment_id}/evidence-files/{file_id}", tag = "maturity assessment",
    params(("assessment_id" = i64, Path), ("file_id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn remove_evidence(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath((id, file_id)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    state
        .assessments()
        .remove_evidence(&principal, id, file_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
