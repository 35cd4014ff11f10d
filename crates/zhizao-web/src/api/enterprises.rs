//! The enterprise registry.

use axum::Json;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::{Fen, FieldError, Language};
use zhizao_registry::{
    Enterprise, EnterpriseFilter, EnterpriseInput, EnterpriseSort, ExportFormat, ImportMode,
    ImportOptions, ImportReport, RecognitionInput, RecognitionKind, RecognitionLevel, SizeFilter,
};

use super::audit::AuditEntryDto;
use super::{PageOf, Paging, double_option, etag, if_match, rfc3339};
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery, uploaded_file};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    let import = OpenApiRouter::new()
        .routes(routes!(import_enterprises))
        .layer(DefaultBodyLimit::max(
            zhizao_registry::MAX_IMPORT_BYTES + 256 * 1024,
        ));
    OpenApiRouter::new()
        .routes(routes!(list_enterprises, create_enterprise))
        .routes(routes!(export_enterprises))
        .routes(routes!(
            get_enterprise,
            update_enterprise,
            delete_enterprise
        ))
        .routes(routes!(enterprise_history))
        .merge(import)
}

/// A town, as an enterprise refers to it.
#[derive(Debug, Serialize, ToSchema)]
struct TownRef {
    code: String,
    name_zh: String,
    name_en: String,
}

/// An industry class, as an enterprise refers to it.
#[derive(Debug, Serialize, ToSchema)]
struct IndustryRef {
    code: String,
    name_zh: String,
}

/// A recognition.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RecognitionDto {
    /// `demonstration_project`, `technology_center`, `design_center` or `laboratory`.
    kind: String,
    /// `national`, `provincial` or `city`.
    level: String,
    year: i64,
    #[serde(default)]
    title: String,
}

/// An enterprise in the registry.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct EnterpriseDto {
    /// Unified social credit code (GB 32100-2015).
    credit_code: String,
    name: String,
    legal_representative: String,
    town: TownRef,
    /// GB/T 4754-2017 class.
    industry: IndustryRef,
    /// 规上: annual main revenue of at least 20 M yuan.
    above_designated_size: bool,
    employees: Option<i64>,
    /// Annual revenue in fen (1 yuan = 100 fen).
    #[schema(value_type = Option<i64>)]
    annual_revenue_fen: Option<Fen>,
    address: String,
    contact_name: String,
    contact_phone: String,
    contact_email: String,
    /// `YYYY-MM-DD`.
    established_on: Option<String>,
    recognitions: Vec<RecognitionDto>,
    created_at: String,
    updated_at: String,
    /// Send back in `If-Match` when changing the enterprise.
    version: i64,
}

impl From<Enterprise> for EnterpriseDto {
    fn from(e: Enterprise) -> Self {
        EnterpriseDto {
            credit_code: e.credit_code,
            name: e.name,
            legal_representative: e.legal_representative,
            town: TownRef {
                code: e.town_code,
                name_zh: e.town_name_zh,
                name_en: e.town_name_en,
            },
            industry: IndustryRef {
                code: e.industry_code,
                name_zh: e.industry_name_zh,
            },
            above_designated_size: e.above_designated_size,
            employees: e.employees,
            annual_revenue_fen: e.annual_revenue_fen,
            address: e.address,
            contact_name: e.contact_name,
            contact_phone: e.contact_phone,
            contact_email: e.contact_email,
            established_on: e.established_on,
            recognitions: e
                .recognitions
                .into_iter()
                .map(|r| RecognitionDto {
                    kind: r.kind.as_str().to_owned(),
                    level: r.level.as_str().to_owned(),
                    year: r.year,
                    title: r.title,
                })
                .collect(),
            created_at: rfc3339(e.created_at),
            updated_at: rfc3339(e.updated_at),
            version: e.version,
        }
    }
}

/// A new enterprise. Every field is checked and all problems are reported together.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateEnterprise {
    /// Required.
    credit_code: Option<String>,
    /// Required.
    name: Option<String>,
    /// Required.
    legal_representative: Option<String>,
    /// Required: nine-digit township code of a current town.
    town_code: Option<String>,
    /// Required: a four-digit GB/T 4754-2017 manufacturing class.
    industry_code: Option<String>,
    /// Required.
    above_designated_size: Option<bool>,
    employees: Option<i64>,
    /// In fen.
    #[schema(value_type = Option<i64>)]
    annual_revenue_fen: Option<Fen>,
    address: Option<String>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    contact_email: Option<String>,
    /// `YYYY-MM-DD`.
    established_on: Option<String>,
    /// City staff only.
    recognitions: Option<Vec<RecognitionDto>>,
}

/// Changes to an enterprise; absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateEnterprise {
    name: Option<String>,
    legal_representative: Option<String>,
    town_code: Option<String>,
    industry_code: Option<String>,
    above_designated_size: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, nullable)]
    employees: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, nullable)]
    annual_revenue_fen: Option<Option<Fen>>,
    address: Option<String>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    contact_email: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    established_on: Option<Option<String>>,
    /// The complete new set (city staff only).
    recognitions: Option<Vec<RecognitionDto>>,
}

fn recognition_inputs(recognitions: Option<Vec<RecognitionDto>>) -> Option<Vec<RecognitionInput>> {
    recognitions.map(|list| {
        list.into_iter()
            .map(|r| RecognitionInput {
                kind: r.kind,
                level: r.level,
                year: r.year,
                title: r.title,
            })
            .collect()
    })
}

/// Filters shared by the list and the export.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct EnterpriseQuery {
    /// Part of the name, or of the credit code.
    q: Option<String>,
    /// Township code; towns merged into it are included.
    town: Option<String>,
    /// Division, group or class code.
    industry: Option<String>,
    /// `above` or `below` the designated size.
    size: Option<String>,
    /// Has a recognition of this kind.
    recognition_kind: Option<String>,
    /// Has a recognition of this level.
    recognition_level: Option<String>,
    /// `name` (default), `credit_code`, `-revenue`, `-employees`, `-updated`.
    sort: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
    /// Export only: `xlsx` (default) or `csv`.
    format: Option<String>,
    /// Export only: header language, `zh-CN` (default) or `en`.
    language: Option<String>,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl EnterpriseQuery {
    pub(crate) fn filter(&self) -> Result<EnterpriseFilter, ApiError> {
        let invalid = |name: &str, value: &str, expected: &str| {
            ApiError::malformed(format!("{name} must be {expected}, not {value:?}"))
        };
        let size = match non_empty(&self.size) {
            None => None,
            Some("above") => Some(SizeFilter::AboveDesignated),
            Some("below") => Some(SizeFilter::BelowDesignated),
            Some(other) => return Err(invalid("size", other, "above or below")),
        };
        let recognition_kind = non_empty(&self.recognition_kind)
            .map(|k| {
                k.parse::<RecognitionKind>()
                    .map_err(|e| ApiError::malformed(e.to_string()))
            })
            .transpose()?;
        let recognition_level = non_empty(&self.recognition_level)
            .map(|l| {
                l.parse::<RecognitionLevel>()
                    .map_err(|e| ApiError::malformed(e.to_string()))
            })
            .transpose()?;
        let sort = match non_empty(&self.sort) {
            None => EnterpriseSort::default(),
            Some(sort) => EnterpriseSort::parse(sort).ok_or_else(|| {
                invalid(
                    "sort",
                    sort,
                    "name, credit_code, -revenue, -employees or -updated",
                )
            })?,
        };
        Ok(EnterpriseFilter {
            search: non_empty(&self.q).map(str::to_owned),
            town: non_empty(&self.town).map(str::to_owned),
            industry: non_empty(&self.industry).map(str::to_owned),
            size,
            recognition_kind,
            recognition_level,
            sort,
        })
    }
}

/// Searches and filters the enterprises the caller may see.
#[utoipa::path(get, path = "/api/v1/enterprises", tag = "enterprises", params(EnterpriseQuery),
    responses((status = 200, body = PageOf<EnterpriseDto>), (status = 400, body = crate::problem::Problem), (status = 401, body = crate::problem::Problem)))]
async fn list_enterprises(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<EnterpriseQuery>,
) -> Result<Json<PageOf<EnterpriseDto>>, ApiError> {
    let filter = query.filter()?;
    let paging = Paging {
        page: query.page,
        page_size: query.page_size,
    };
    let page = state
        .registry()
        .list_enterprises(&principal, &filter, paging.request())
        .await?;
    Ok(Json(PageOf::from_page(page, EnterpriseDto::from)))
}

/// Registers an enterprise (city staff anywhere, town staff in their town).
#[utoipa::path(post, path = "/api/v1/enterprises", tag = "enterprises", request_body = CreateEnterprise,
    responses((status = 201, body = EnterpriseDto), (status = 409, body = crate::problem::Problem, description = "The credit code is registered; the problem names the enterprise"), (status = 422, body = crate::problem::Problem)))]
async fn create_enterprise(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<CreateEnterprise>,
) -> Result<impl IntoResponse, ApiError> {
    let input = EnterpriseInput {
        credit_code: body.credit_code,
        name: body.name,
        legal_representative: body.legal_representative,
        town: body.town_code,
        industry_code: body.industry_code,
        above_designated_size: body.above_designated_size,
        employees: Some(body.employees),
        annual_revenue_fen: Some(body.annual_revenue_fen),
        address: body.address,
        contact_name: body.contact_name,
        contact_phone: body.contact_phone,
        contact_email: body.contact_email,
        established_on: Some(body.established_on),
        recognitions: recognition_inputs(body.recognitions),
    };
    let enterprise = state
        .registry()
        .create_enterprise(&principal, &input)
        .await?;
    let location =
        HeaderValue::from_str(&format!("/api/v1/enterprises/{}", enterprise.credit_code))
            .unwrap_or(HeaderValue::from_static("/api/v1/enterprises"));
    Ok((
        StatusCode::CREATED,
        etag(enterprise.version),
        [(header::LOCATION, location)],
        Json(EnterpriseDto::from(enterprise)),
    ))
}

/// One enterprise.
#[utoipa::path(get, path = "/api/v1/enterprises/{credit_code}", tag = "enterprises", params(("credit_code" = String, Path)),
    responses((status = 200, body = EnterpriseDto, headers(("ETag" = String, description = "The version, for If-Match"))), (status = 404, body = crate::problem::Problem)))]
async fn get_enterprise(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(credit_code): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let enterprise = state
        .registry()
        .enterprise(&principal, &credit_code)
        .await?;
    Ok((
        etag(enterprise.version),
        Json(EnterpriseDto::from(enterprise)),
    ))
}

/// Changes an enterprise within the caller's rights; send `If-Match` with the version read.
#[utoipa::path(patch, path = "/api/v1/enterprises/{credit_code}", tag = "enterprises", params(("credit_code" = String, Path)), request_body = UpdateEnterprise,
    responses((status = 200, body = EnterpriseDto), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn update_enterprise(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(credit_code): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<UpdateEnterprise>,
) -> Result<impl IntoResponse, ApiError> {
    let input = EnterpriseInput {
        credit_code: None,
        name: body.name,
        legal_representative: body.legal_representative,
        town: body.town_code,
        industry_code: body.industry_code,
        above_designated_size: body.above_designated_size,
        employees: body.employees,
        annual_revenue_fen: body.annual_revenue_fen,
        address: body.address,
        contact_name: body.contact_name,
        contact_phone: body.contact_phone,
        contact_email: body.contact_email,
        established_on: body.established_on,
        recognitions: recognition_inputs(body.recognitions),
    };
    let enterprise = state
        .registry()
        .update_enterprise(&principal, &credit_code, &input, if_match(&headers)?)
        .await?;
    Ok((
        etag(enterprise.version),
        Json(EnterpriseDto::from(enterprise)),
    ))
}

/// Deletes an enterprise without user accounts. City administrators only.
#[utoipa::path(delete, path = "/api/v1/enterprises/{credit_code}", tag = "enterprises", params(("credit_code" = String, Path)),
    responses((status = 204), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn delete_enterprise(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(credit_code): ApiPath<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    state
        .registry()
        .delete_enterprise(&principal, &credit_code, if_match(&headers)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The enterprise's change history, newest first.
#[utoipa::path(get, path = "/api/v1/enterprises/{credit_code}/history", tag = "enterprises", params(("credit_code" = String, Path), Paging),
    responses((status = 200, body = PageOf<AuditEntryDto>), (status = 404, body = crate::problem::Problem)))]
async fn enterprise_history(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(credit_code): ApiPath<String>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageOf<AuditEntryDto>>, ApiError> {
    let page = state
        .registry()
        .enterprise_history(&principal, &credit_code, paging.request())
        .await?;
    Ok(Json(PageOf::from_page(page, AuditEntryDto::from)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ImportQuery {
    /// `create` (default: registered codes are errors) or `upsert` (registered codes are updated).
    mode: Option<String>,
    /// `true` to check without writing.
    dry_run: Option<bool>,
    /// The file's name, when the body is the raw file rather than a form.
    file_name: Option<String>,
}

/// The outcome of an import.
#[derive(Debug, Serialize, ToSchema)]
struct ImportReportDto {
    file_name: String,
    /// `xlsx`, `xls`, `ods` or `csv`.
    format: String,
    encoding: Option<String>,
    rows: usize,
    created: usize,
    updated: usize,
    unchanged: usize,
    rows_with_errors: usize,
    /// Each problem with its row (1-based, as the spreadsheet shows it) and column.
    errors: Vec<crate::problem::ProblemField>,
    ignored_columns: Vec<String>,
    /// Whether anything was written: all rows or none.
    applied: bool,
}

/// Imports enterprises from `.xlsx`, `.xls`, `.ods` or `.csv` (UTF-8 or GBK). Send
/// `multipart/form-data` with a `file` part, or the file itself as the body with
/// `?file_name=`. All or nothing: with any problem, nothing is written and the report (422)
/// lists every problem by row and column.
#[utoipa::path(post, path = "/api/v1/enterprises/import", tag = "enterprises", params(ImportQuery),
    request_body(content_type = "multipart/form-data", description = "A `file` part holding the spreadsheet"),
    responses((status = 200, body = ImportReportDto, description = "Imported (or checked, for a dry run)"), (status = 413, body = crate::problem::Problem), (status = 415, body = crate::problem::Problem), (status = 422, body = ImportReportDto, description = "Problems found; nothing written")))]
async fn import_enterprises(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<ImportQuery>,
    request: Request,
) -> Result<Response, ApiError> {
    let mode = match query.mode.as_deref() {
        None | Some("create") => ImportMode::Create,
        Some("upsert") => ImportMode::Upsert,
        Some(other) => {
            return Err(ApiError::malformed(format!(
                "mode must be create or upsert, not {other:?}"
            )));
        }
    };
    let options = ImportOptions {
        mode,
        dry_run: query.dry_run.unwrap_or(false),
    };
    let (file_name, bytes) = uploaded_file(
        &state,
        request,
        query.file_name.clone(),
        zhizao_registry::MAX_IMPORT_BYTES,
    )
    .await?;
    let report = state
        .registry()
        .import_enterprises(&principal, &file_name, &bytes, &options)
        .await?;
    let status = if report.rows_with_errors > 0 {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let language = principal.language;
    Ok((status, Json(report_dto(report, language))).into_response())
}

fn report_dto(report: ImportReport, language: Language) -> ImportReportDto {
    let field = |e: FieldError| crate::problem::ProblemField::new(e, language);
    ImportReportDto {
        file_name: report.file_name,
        format: report.format,
        encoding: report.encoding,
        rows: report.rows,
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        rows_with_errors: report.rows_with_errors,
        errors: report.errors.into_iter().map(field).collect(),
        ignored_columns: report.ignored_columns,
        applied: report.applied,
    }
}

/// Exports the enterprises the caller may see that match the filters, in the columns the import
/// reads. Cells that would start a formula are prefixed with an apostrophe.
#[utoipa::path(get, path = "/api/v1/enterprises/export", tag = "enterprises", params(EnterpriseQuery),
    responses((status = 200, description = "The spreadsheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 400, body = crate::problem::Problem)))]
async fn export_enterprises(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<EnterpriseQuery>,
) -> Result<Response, ApiError> {
    let format = match non_empty(&query.format) {
        None | Some("xlsx") => ExportFormat::Xlsx,
        Some("csv") => ExportFormat::Csv,
        Some(other) => {
            return Err(ApiError::malformed(format!(
                "format must be xlsx or csv, not {other:?}"
            )));
        }
    };
    let language = match non_empty(&query.language) {
        None => Language::ZhCn,
        Some(tag) => Language::from_tag(tag).ok_or_else(|| {
            ApiError::malformed(format!("language must be zh-CN or en, not {tag:?}"))
        })?,
    };
    let filter = query.filter()?;
    Ok(export_response(&state, &principal, &filter, format, language).await?)
}

/// The download response of an export (shared with the pages).
pub(crate) async fn export_response(
    state: &AppState,
    principal: &zhizao_identity::Principal,
    filter: &EnterpriseFilter,
    format: ExportFormat,
    language: Language,
) -> Result<Response, zhizao_registry::Error> {
    let exported = state
        .registry()
        .export_enterprises(principal, filter, format, language)
        .await?;
    let date = zhizao_core::Timestamp::from_millis(state.identity().clock().now().as_millis())
        .to_shanghai_date_string();
    let disposition = format!(
        "attachment; filename=\"enterprises-{date}.{}\"",
        format.extension()
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        exported.bytes,
    )
        .into_response())
}
