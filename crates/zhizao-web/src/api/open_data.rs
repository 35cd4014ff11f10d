//! The open data API: the catalogue of datasets (anyone), a dataset's rows as JSON or CSV (a key
//! the city issued, within its rate limit, or anyone signed in), and the keys themselves (the
//! city's data office).

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_opendata::keys::DayUse;
use zhizao_opendata::{Admission, DEFAULT_MINIMUM_COUNT, KeyInput, KeyView};

use super::rfc3339;
use crate::AppState;
use crate::auth::{Authentication, Caller};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::open_data::{self, Dataset};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(catalogue))
        .routes(routes!(dataset))
        .routes(routes!(list_keys, issue_key))
        .routes(routes!(key))
        .routes(routes!(revoke_key))
}

/// Who reads a dataset: a system with a key (counted and limited) or someone signed in.
enum Reader {
    Key(Admission),
    Signed,
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // `X-API-Key: zod_…`, or the key as a bearer token for clients that send only those.
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|v| v.starts_with(zhizao_opendata::keys::KEY_PREFIX));
        let key = parts
            .headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .or(bearer);
        if let Some(secret) = key {
            return Ok(Reader::Key(state.open_data().admit(secret).await?));
        }
        match parts.extensions.get::<Authentication>() {
            Some(Authentication::Principal(_)) => Ok(Reader::Signed),
            _ => Err(ApiError::from(zhizao_opendata::Error::Unauthenticated(
                "send the key the city issued in X-API-Key",
            ))),
        }
    }
}

/// A dataset in the catalogue.
#[derive(Debug, Serialize, ToSchema)]
struct DatasetEntry {
    /// Stable key, `module.figure`.
    key: &'static str,
    /// The theme (the module that counts it).
    theme: String,
    theme_en: String,
    title: String,
    title_en: String,
    /// What is counted, from which records.
    definition: String,
    definition_en: String,
    /// `count`, or `fen` (money in fen, 1/100 yuan).
    unit: &'static str,
    /// Whether rows are by year (else one row per town, as of now).
    by_year: bool,
    /// Where its rows are.
    url: String,
}

impl From<&Dataset> for DatasetEntry {
    fn from(d: &Dataset) -> Self {
        DatasetEntry {
            key: d.spec.key,
            theme: d.theme.zh.to_string(),
            theme_en: d.theme.en.to_string(),
            title: d.spec.label.zh.to_string(),
            title_en: d.spec.label.en.to_string(),
            definition: d.spec.definition.zh.to_string(),
            definition_en: d.spec.definition.en.to_string(),
            unit: d.spec.unit.as_str(),
            by_year: d.dated(),
            url: format!("/api/v1/open-data/datasets/{}", d.spec.key),
        }
    }
}

/// The catalogue.
#[derive(Debug, Serialize, ToSchema)]
struct Catalogue {
    /// A cell counted from fewer enterprises than this is published empty (and so is another
    /// in its row where one alone would give it away).
    minimum_count: i64,
    datasets: Vec<DatasetEntry>,
}

/// The open datasets: every figure the platform counts from its records, published for the
/// whole city and each town. No key is needed to read the catalogue.
#[utoipa::path(get, path = "/api/v1/open-data/datasets", tag = "open data", security(()),
    responses((status = 200, body = Catalogue)))]
async fn catalogue() -> Json<Catalogue> {
    Json(Catalogue {
        minimum_count: DEFAULT_MINIMUM_COUNT,
        datasets: open_data::catalogue()
            .iter()
            .map(DatasetEntry::from)
            .collect(),
    })
}

/// `?from=&to=&format=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct DatasetQuery {
    /// First year (default: ten years ago); at most 30 years back.
    from: Option<i32>,
    /// Last year (default: this year).
    to: Option<i32>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

/// One published cell.
#[derive(Debug, Serialize, ToSchema)]
struct DatasetRow {
    /// None for datasets not by year.
    year: Option<i32>,
    /// The town's code; none for the whole city.
    town: Option<String>,
    town_name: String,
    town_name_en: String,
    /// None where suppressed.
    value: Option<i64>,
    suppressed: bool,
}

/// A dataset's rows.
#[derive(Debug, Serialize, ToSchema)]
struct DatasetRows {
    dataset: &'static str,
    title: String,
    title_en: String,
    definition: String,
    definition_en: String,
    unit: &'static str,
    /// When it was counted (RFC 3339).
    as_of: String,
    from: Option<i32>,
    to: Option<i32>,
    minimum_count: i64,
    /// The whole city first, then each current town, year by year.
    rows: Vec<DatasetRow>,
}

/// One dataset's rows for the whole city and each current town (by year where its records are
/// dated), as JSON or CSV. Cells counted from fewer enterprises than `minimum_count` are
/// withheld, with a complement where needed. With a key, `X-RateLimit-Limit` and
/// `X-RateLimit-Remaining` say its allowance; past it, 429 with `Retry-After`.
#[utoipa::path(get, path = "/api/v1/open-data/datasets/{dataset}", tag = "open data",
    security(("api_key" = []), ("bearer" = [])),
    params(("dataset" = String, Path, description = "The dataset's key, e.g. `projects.granted`"), DatasetQuery),
    responses((status = 200, body = DatasetRows, content_type = "application/json"),
        (status = 200, description = "CSV, UTF-8 with BOM: year,town_code,town_name,town_name_en,value,unit,suppressed", content_type = "text/csv"),
        (status = 401, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem), (status = 429, body = crate::problem::Problem)))]
async fn dataset(
    reader: Reader,
    State(state): State<AppState>,
    ApiPath(key): ApiPath<String>,
    ApiQuery(query): ApiQuery<DatasetQuery>,
) -> Result<Response, ApiError> {
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => {
            return Err(ApiError::validation(vec![zhizao_core::FieldError::new(
                "format",
                zhizao_core::Text::new("格式为 json 或 csv", "the format is json or csv"),
            )]));
        }
    };
    let dataset =
        open_data::find(&key).ok_or_else(|| ApiError::not_found(format!("no dataset {key:?}")))?;
    let years = open_data::years(&state, query.from, query.to)?;
    let table = open_data::table(&state, &dataset, years).await?;
    let mut response = if csv {
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}.csv\"", dataset.spec.key),
                ),
            ],
            open_data::csv(&dataset, &table),
        )
            .into_response()
    } else {
        let dated = dataset.dated();
        Json(DatasetRows {
            dataset: dataset.spec.key,
            title: dataset.spec.label.zh.to_string(),
            title_en: dataset.spec.label.en.to_string(),
            definition: dataset.spec.definition.zh.to_string(),
            definition_en: dataset.spec.definition.en.to_string(),
            unit: dataset.spec.unit.as_str(),
            as_of: rfc3339(table.as_of),
            from: dated.then(|| *table.years.start()),
            to: dated.then(|| *table.years.end()),
            minimum_count: table.minimum,
            rows: table
                .rows
                .into_iter()
                .map(|row| DatasetRow {
                    year: row.year,
                    town: row.town,
                    town_name: row.town_name.zh.to_string(),
                    town_name_en: row.town_name.en.to_string(),
                    suppressed: row.value.is_none(),
                    value: row.value,
                })
                .collect(),
        })
        .into_response()
    };
    if let Reader::Key(admission) = reader {
        let headers = response.headers_mut();
        headers.insert("x-ratelimit-limit", HeaderValue::from(admission.per_minute));
        headers.insert(
            "x-ratelimit-remaining",
            HeaderValue::from(admission.remaining),
        );
    }
    Ok(response)
}

/// An open data key (never its secret) and its use.
#[derive(Debug, Serialize, ToSchema)]
struct OpenDataKey {
    id: i64,
    /// The system or organisation it is issued to.
    holder: String,
    contact: String,
    purpose: String,
    /// The first characters of the secret.
    prefix: String,
    /// Requests allowed a minute.
    per_minute: i64,
    created_at: String,
    created_by: String,
    revoked_at: Option<String>,
    revoked_by: Option<String>,
    last_used_at: Option<String>,
    /// Requests answered, ever.
    answered: i64,
    /// Requests refused for the rate limit, ever.
    refused: i64,
    /// Requests answered today (Asia/Shanghai).
    answered_today: i64,
}

impl From<KeyView> for OpenDataKey {
    fn from(k: KeyView) -> Self {
        OpenDataKey {
            id: k.id,
            holder: k.holder,
            contact: k.contact,
            purpose: k.purpose,
            prefix: k.key_prefix,
            per_minute: k.per_minute,
            created_at: rfc3339(k.created_at),
            created_by: k.created_by,
            revoked_at: k.revoked_at.map(rfc3339),
            revoked_by: k.revoked_by,
            last_used_at: k.last_used_at.map(rfc3339),
            answered: k.answered,
            refused: k.refused,
            answered_today: k.answered_today,
        }
    }
}

/// A key to issue.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct IssueKey {
    holder: String,
    contact: String,
    purpose: String,
    /// Requests allowed a minute (1–6,000).
    per_minute: i64,
}

/// The new key; its secret is shown this once.
#[derive(Debug, Serialize, ToSchema)]
struct IssuedKey {
    key: OpenDataKey,
    /// Send as `X-API-Key: SECRET`.
    secret: String,
}

/// A day's use of a key.
#[derive(Debug, Serialize, ToSchema)]
struct KeyDay {
    /// `YYYY-MM-DD`, Asia/Shanghai.
    day: String,
    answered: i64,
    refused: i64,
}

/// A key with its use over the last 30 days with any.
#[derive(Debug, Serialize, ToSchema)]
struct KeyDetail {
    key: OpenDataKey,
    days: Vec<KeyDay>,
}

/// Every open data key, those in use first (the city's data office).
#[utoipa::path(get, path = "/api/v1/open-data/keys", tag = "open data",
    responses((status = 200, body = Vec<OpenDataKey>), (status = 403, body = crate::problem::Problem)))]
async fn list_keys(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> Result<Json<Vec<OpenDataKey>>, ApiError> {
    let keys = state.open_data().keys(&principal).await?;
    Ok(Json(keys.into_iter().map(OpenDataKey::from).collect()))
}

/// Issues a key to another system (the city's data office). Audited.
#[utoipa::path(post, path = "/api/v1/open-data/keys", tag = "open data", request_body = IssueKey,
    responses((status = 201, body = IssuedKey), (status = 403, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
async fn issue_key(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<IssueKey>,
) -> Result<(StatusCode, Json<IssuedKey>), ApiError> {
    let issued = state
        .open_data()
        .issue(
            &principal,
            &KeyInput {
                holder: body.holder,
                contact: body.contact,
                purpose: body.purpose,
                per_minute: body.per_minute,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedKey {
            key: issued.view.into(),
            secret: issued.secret,
        }),
    ))
}

fn days(days: Vec<DayUse>) -> Vec<KeyDay> {
    days.into_iter()
        .map(|d| KeyDay {
            day: d.day,
            answered: d.answered,
            refused: d.refused,
        })
        .collect()
}

/// One key and its use per day.
#[utoipa::path(get, path = "/api/v1/open-data/keys/{key_id}", tag = "open data",
    params(("key_id" = i64, Path, description = "Key id")),
    responses((status = 200, body = KeyDetail), (status = 404, body = crate::problem::Problem)))]
async fn key(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<KeyDetail>, ApiError> {
    let key = state.open_data().key(&principal, id).await?;
    let usage = state.open_data().usage(&principal, id, 30).await?;
    Ok(Json(KeyDetail {
        key: key.into(),
        days: days(usage),
    }))
}

/// Revokes a key at once (its next request is 401). Audited.
#[utoipa::path(post, path = "/api/v1/open-data/keys/{key_id}/revoke", tag = "open data",
    params(("key_id" = i64, Path, description = "Key id")),
    responses((status = 200, body = OpenDataKey), (status = 404, body = crate::problem::Problem)))]
async fn revoke_key(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<OpenDataKey>, ApiError> {
    Ok(Json(state.open_data().revoke(&principal, id).await?.into()))
}
