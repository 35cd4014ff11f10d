//! Subsidy rule sets: the latest version of each, every version, and saving the next version.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::Fen;
use zhizao_projects::RuleSet;
use zhizao_projects::rules::{Category, RuleParameters};

use crate::AppState;
use crate::api::{etag, if_match, rfc3339};
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rule_sets))
        .routes(routes!(rule_set_versions, save_rule_set))
}

/// The parameters of a subsidy rule set version.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleParametersDto {
    /// Any of `equipment`, `software`, `installation`, `buildings`, `other`.
    eligible_categories: Vec<String>,
    /// Below this eligible investment nothing is granted (fen).
    #[schema(value_type = i64)]
    min_eligible_investment_fen: Fen,
    /// Share of eligible investment granted, in basis points (1000 = 10 %).
    rate_basis_points: i64,
    /// Most one project receives (fen).
    #[schema(value_type = Option<i64>)]
    cap_per_project_fen: Option<Fen>,
    /// Most one enterprise receives in a year under this rule set (fen).
    #[schema(value_type = Option<i64>)]
    cap_per_enterprise_year_fen: Option<Fen>,
    /// Items bought from a related party do not count.
    #[serde(default)]
    exclude_related_party_suppliers: bool,
    /// Items invoiced before this date (`YYYY-MM-DD`), or without a date, do not count.
    earliest_invoice_date: Option<String>,
}

impl From<&RuleParameters> for RuleParametersDto {
    fn from(p: &RuleParameters) -> Self {
        RuleParametersDto {
            eligible_categories: p
                .eligible_categories
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            min_eligible_investment_fen: p.min_eligible_investment_fen,
            rate_basis_points: p.rate_basis_points,
            cap_per_project_fen: p.cap_per_project_fen,
            cap_per_enterprise_year_fen: p.cap_per_enterprise_year_fen,
            exclude_related_party_suppliers: p.exclude_related_party_suppliers,
            earliest_invoice_date: p.earliest_invoice_date.clone(),
        }
    }
}

/// One version of a subsidy rule set.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct RuleSetDto {
    code: String,
    /// Versions are never changed; editing writes the next one.
    version: i64,
    name: String,
    parameters: RuleParametersDto,
    created_at: String,
    created_by: String,
    /// Batches using this version.
    batches: i64,
    /// Amounts computed with this version.
    evaluations: i64,
}

impl From<RuleSet> for RuleSetDto {
    fn from(r: RuleSet) -> Self {
        RuleSetDto {
            parameters: RuleParametersDto::from(&r.parameters),
            code: r.code,
            version: r.version,
            name: r.name,
            created_at: rfc3339(r.created_at),
            created_by: r.created_by,
            batches: r.batches,
            evaluations: r.evaluations,
        }
    }
}

/// A new version of a rule set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SaveRuleSet {
    name: String,
    parameters: RuleParametersDto,
}

/// The latest version of every subsidy rule set.
#[utoipa::path(get, path = "/api/v1/subsidy-rule-sets", tag = "projects",
    responses((status = 200, body = Vec<RuleSetDto>), (status = 401, body = crate::problem::Problem)))]

pub(super) async fn list_rule_sets(
    State(state): State<AppState>,
    Caller(_principal): Caller,
) -> Result<Json<Vec<RuleSetDto>>, ApiError> {
    let sets = state.projects().rule_sets().await?;
    Ok(Json(sets.into_iter().map(RuleSetDto::from).collect()))
}

/// Every version of a rule set, newest first.
#[utoipa::path(get, path = "/api/v1/subsidy-rule-sets/{code}", tag = "projects", params(("code" = String, Path)),
    responses((status = 200, body = Vec<RuleSetDto>), (status = 404, body = crate::problem::Problem)))]

pub(super) async fn rule_set_versions(
    State(state): State<AppState>,
    Caller(_principal): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<RuleSetDto>>, ApiError> {
    let sets = state.projects().rule_set_versions(&code).await?;
    Ok(Json(sets.into_iter().map(RuleSetDto::from).collect()))
}

/// Writes the next version of a rule set (city staff). Send `If-Match` with the latest version
/// you saw; omit it only to create a new rule set.
#[utoipa::path(put, path = "/api/v1/subsidy-rule-sets/{code}", tag = "projects", params(("code" = String, Path)), request_body = SaveRuleSet,
    responses((status = 201, body = RuleSetDto), (status = 403, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]

pub(super) async fn save_rule_set(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SaveRuleSet>,
) -> Result<impl IntoResponse, ApiError> {
    let mut categories = Vec::new();
    let mut errors = Vec::new();
    for (index, name) in body.parameters.eligible_categories.iter().enumerate() {
        match name.parse::<Category>() {
            Ok(category) => categories.push(category),
            Err(error) => errors.push(zhizao_core::FieldError::new(
                format!("parameters.eligible_categories[{index}]"),
                zhizao_core::Text::owned(format!("“{name}”不是投资类别"), error.to_string()),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let parameters = RuleParameters {
        eligible_categories: categories,
        min_eligible_investment_fen: body.parameters.min_eligible_investment_fen,
        rate_basis_points: body.parameters.rate_basis_points,
        cap_per_project_fen: body.parameters.cap_per_project_fen,
        cap_per_enterprise_year_fen: body.parameters.cap_per_enterprise_year_fen,
        exclude_related_party_suppliers: body.parameters.exclude_related_party_suppliers,
        earliest_invoice_date: body.parameters.earliest_invoice_date,
    };
    let problems: Vec<zhizao_core::FieldError> = parameters
        .validate()
        .into_iter()
        .map(|mut e| {
            e.field = format!("parameters.{}", e.field);
            e
        })
        .collect();
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let saved = state
        .projects()
        .save_rule_set(
            &principal,
            &code,
            &body.name,
            &parameters,
            if_match(&headers)?,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        etag(saved.version),
        Json(RuleSetDto::from(saved)),
    ))
}
