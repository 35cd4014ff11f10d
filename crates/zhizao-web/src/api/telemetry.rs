//! Telemetry: writing points and querying them with SQL.
//!
//! Besides Zhizao's own JSON endpoints, the InfluxDB-compatible paths let existing tools write
//! and query unchanged: `/write` (InfluxDB 1.x), `/api/v2/write` (2.x) and `/api/v3/query_sql`
//! (3.x). Those answer errors in InfluxDB's own formats, which their clients parse, instead of
//! problem details. Only an enterprise's users (or its devices) have telemetry: the tenant is
//! always the caller's own enterprise, decided by the policy.

// The InfluxDB-compatible handlers answer failures with InfluxDB-format responses built early,
// so helpers return them as their `Err`: large, but built once per failed request.
#![allow(clippy::result_large_err)]

use std::io::Read;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::{Classified, ErrorKind, FieldError, Text, Timestamp};
use zhizao_devices::DeviceIdentity;
use zhizao_identity::policy;
use zhizao_telemetry::encode::{ResultFormat, encode};
use zhizao_telemetry::line_protocol;
use zhizao_telemetry::{DEVICE_TAG, DatabaseSummary, FieldValue, Point, Precision, QueryLimits};

use crate::AppState;
use crate::auth::{Authentication, Caller};
use crate::extract::{ApiJson, ApiPath, read_body};
use crate::problem::ApiError;

/// Raw write bodies accepted at most (InfluxDB's default).
const MAX_WRITE_BYTES: usize = 25 * 1024 * 1024;
/// Decompressed write bodies accepted at most (a guard against compression bombs).
const MAX_INFLATED_BYTES: usize = 100 * 1024 * 1024;
/// The database of writes and queries that name none.
const DEFAULT_DATABASE: &str = "default";

pub(super) fn router() -> OpenApiRouter<AppState> {
    let writes = OpenApiRouter::new()
        .routes(routes!(write_v1))
        .routes(routes!(write_v2))
        .routes(routes!(write_json))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_WRITE_BYTES + 1024));
    OpenApiRouter::new()
        .routes(routes!(query))
        .routes(routes!(list_databases))
        .routes(routes!(set_retention))
        .routes(routes!(query_sql_get, query_sql_post))
        .merge(writes)
}

/// Now in nanoseconds: the time of points written without one. From the system's clock, not
/// the platform's `Clock`, whose milliseconds would give points written within the same
/// millisecond the same time (and InfluxDB clients expect the server's nanoseconds).
fn now_ns() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64
}

/// An error in InfluxDB 2's format (`{"code": …, "message": …}`), which 1.x clients also read.
fn influx_error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let message = message.into();
    (
        status,
        Json(serde_json::json!({ "code": code, "message": message, "error": message })),
    )
        .into_response()
}

/// Who writes through an InfluxDB-compatible endpoint: an enterprise's user (any database and
/// device of their enterprise) or a device (only its own database, as itself).
enum InfluxWriter {
    User { tenant: i64 },
    Device(Box<DeviceIdentity>),
}

/// The caller of an InfluxDB-compatible endpoint.
fn influx_caller(extensions: &axum::http::Extensions) -> Result<InfluxWriter, Response> {
    match extensions.get::<Authentication>() {
        Some(Authentication::Principal(principal)) => match policy::telemetry_tenant(principal) {
            Some(tenant) => Ok(InfluxWriter::User { tenant }),
            None => Err(influx_error(
                StatusCode::FORBIDDEN,
                "forbidden",
                "only an enterprise's accounts have telemetry",
            )),
        },
        Some(Authentication::Device(device)) => Ok(InfluxWriter::Device(device.clone())),
        _ => Err(influx_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "unauthorized access: send Authorization: Token YOUR_TOKEN",
        )),
    }
}

/// Tags every point with the device's name; a point naming another device refuses the write.
fn as_device(points: &mut [Point], device: &DeviceIdentity) -> Result<(), String> {
    for (index, point) in points.iter_mut().enumerate() {
        match point.tags.iter().find(|(k, _)| k == DEVICE_TAG) {
            Some((_, name)) if name != &device.name => {
                return Err(format!(
                    "point {}: this token belongs to device {:?} and cannot write as {name:?}",
                    index + 1,
                    device.name
                ));
            }
            Some(_) => {}
            None => {
                point
                    .tags
                    .push((DEVICE_TAG.to_owned(), device.name.clone()));
                point.tags.sort();
            }
        }
    }
    Ok(())
}

/// Reads a write body, inflating it if it is gzip-compressed.
async fn write_body(request: Request) -> Result<String, Response> {
    let gzip = request
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    let bytes = read_body(request, MAX_WRITE_BYTES).await.map_err(|_| {
        influx_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request too large",
            format!("the body is larger than {MAX_WRITE_BYTES} bytes"),
        )
    })?;
    let bytes = if gzip {
        let mut inflated = Vec::new();
        let mut decoder =
            flate2::read::GzDecoder::new(&bytes[..]).take(MAX_INFLATED_BYTES as u64 + 1);
        decoder.read_to_end(&mut inflated).map_err(|e| {
            influx_error(
                StatusCode::BAD_REQUEST,
                "invalid",
                format!("the body is not valid gzip: {e}"),
            )
        })?;
        if inflated.len() > MAX_INFLATED_BYTES {
            return Err(influx_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request too large",
                format!("the decompressed body is larger than {MAX_INFLATED_BYTES} bytes"),
            ));
        }
        inflated
    } else {
        bytes.to_vec()
    };
    String::from_utf8(bytes).map_err(|e| {
        influx_error(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("the body is not UTF-8: {e}"),
        )
    })
}

/// Parses line protocol and writes it; all or nothing.
async fn write_lines(
    state: &AppState,
    writer: &InfluxWriter,
    database: &str,
    body: &str,
    precision: Precision,
) -> Response {
    let mut points = match line_protocol::parse(body, precision, now_ns()) {
        Ok(points) => points,
        Err(errors) => return influx_problem(&zhizao_telemetry::Error::from(errors)),
    };
    let tenant = match writer {
        InfluxWriter::User { tenant } => *tenant,
        InfluxWriter::Device(device) => {
            if let Err(message) = as_device(&mut points, device) {
                return influx_error(StatusCode::FORBIDDEN, "forbidden", message);
            }
            device.tenant
        }
    };
    match state.telemetry().write(tenant, database, points).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => influx_problem(&error),
    }
}

/// The one conversion of a failure into InfluxDB's answer: what the caller wrote wrong is 400
/// with the reason; anything else is logged and answered without details.
fn influx_problem(error: &impl Classified) -> Response {
    match error.kind() {
        ErrorKind::InvalidInput | ErrorKind::TooLarge => {
            influx_error(StatusCode::BAD_REQUEST, "invalid", error.to_string())
        }
        ErrorKind::Unavailable | ErrorKind::Timeout => {
            tracing::error!(%error, "telemetry unavailable");
            let mut response = influx_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "internal error",
                "the telemetry store cannot accept writes now; retry later",
            );
            // Telegraf and the InfluxDB clients wait as long as Retry-After says.
            let seconds = error.retry_after_seconds().unwrap_or(5);
            if let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, value);
            }
            response
        }
        _ => {
            tracing::error!(%error, "telemetry request failed");
            influx_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
                "the request failed; it has been logged",
            )
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct WriteV1Query {
    /// The database (created on first write).
    db: Option<String>,
    /// `n`/`ns`, `u`/`us`, `ms`, `s`, `m`, `h` (default `ns`).
    precision: Option<String>,
    /// Retention policy (accepted and ignored: retention is set per tenant).
    #[allow(dead_code)]
    rp: Option<String>,
    /// User name (ignored; the token in `p` identifies the caller).
    #[allow(dead_code)]
    u: Option<String>,
    /// The API token, as InfluxDB 1.x clients send the password.
    #[allow(dead_code)]
    p: Option<String>,
    /// Write consistency (accepted and ignored).
    #[allow(dead_code)]
    consistency: Option<String>,
}

/// Writes InfluxDB line protocol, as InfluxDB 1.x `/write` does (gzip bodies accepted). All or
/// nothing: a bad line refuses the whole body.
#[utoipa::path(post, path = "/write", tag = "telemetry", params(WriteV1Query),
    request_body(content = String, content_type = "text/plain", description = "Line protocol"),
    responses((status = 204, description = "Durable and queryable"), (status = 400, description = "A bad line, named"), (status = 401), (status = 403)))]
async fn write_v1(
    State(state): State<AppState>,
    Query(query): Query<WriteV1Query>,
    request: Request,
) -> Response {
    let precision = match query.precision.as_deref() {
        None => Ok(Precision::Nanoseconds),
        Some(name) => Precision::from_v1(name)
            .ok_or_else(|| format!("invalid precision {name:?}: use n, u, ms, s, m or h")),
    };
    let database = Ok(query.db.unwrap_or_else(|| DEFAULT_DATABASE.to_owned()));
    influx_write(&state, request, database, precision).await
}

/// The shared path of both InfluxDB write endpoints: the caller first (so anonymous requests
/// learn nothing else), then the parameters, then the body.
async fn influx_write(
    state: &AppState,
    request: Request,
    database: Result<String, String>,
    precision: Result<Precision, String>,
) -> Response {
    let writer = match influx_caller(request.extensions()) {
        Ok(writer) => writer,
        Err(response) => return response,
    };
    let (database, precision) = match (database, precision) {
        (Ok(database), Ok(precision)) => (database, precision),
        (Err(message), _) | (_, Err(message)) => {
            return influx_error(StatusCode::BAD_REQUEST, "invalid", message);
        }
    };
    if let InfluxWriter::Device(device) = &writer
        && database != device.database
        && database != DEFAULT_DATABASE
    {
        return influx_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "device {:?} writes to database {:?}, not {database:?}",
                device.name, device.database
            ),
        );
    }
    let database = match &writer {
        InfluxWriter::Device(device) => device.database.clone(),
        InfluxWriter::User { .. } => database,
    };
    let body = match write_body(request).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    write_lines(state, &writer, &database, &body, precision).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct WriteV2Query {
    /// The bucket (a database; created on first write).
    bucket: Option<String>,
    /// The organisation (accepted and ignored: the token decides the tenant).
    #[allow(dead_code)]
    org: Option<String>,
    /// `ns`, `us`, `ms` or `s` (default `ns`).
    precision: Option<String>,
}

/// Writes InfluxDB line protocol, as InfluxDB 2.x `/api/v2/write` does (`Authorization: Token …`,
/// gzip bodies accepted). All or nothing.
#[utoipa::path(post, path = "/api/v2/write", tag = "telemetry", params(WriteV2Query),
    request_body(content = String, content_type = "text/plain", description = "Line protocol"),
    responses((status = 204, description = "Durable and queryable"), (status = 400, description = "A bad line, named"), (status = 401), (status = 403)))]
async fn write_v2(
    State(state): State<AppState>,
    Query(query): Query<WriteV2Query>,
    request: Request,
) -> Response {
    let precision = match query.precision.as_deref() {
        None => Ok(Precision::Nanoseconds),
        Some(name) => Precision::from_v2(name)
            .ok_or_else(|| format!("invalid precision {name:?}: use ns, us, ms or s")),
    };
    let bucket = query
        .bucket
        .filter(|b| !b.is_empty())
        .ok_or_else(|| "bucket is required".to_owned());
    influx_write(&state, request, bucket, precision).await
}

/// A point in Zhizao's JSON ingest.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct JsonPoint {
    /// The table (measurement).
    table: String,
    /// The device, stored as the `device` tag.
    device: Option<String>,
    /// Further tags.
    #[serde(default)]
    tags: std::collections::BTreeMap<String, String>,
    /// Field values: numbers (integers stay integers), strings or booleans.
    #[schema(value_type = Object)]
    fields: serde_json::Map<String, serde_json::Value>,
    /// RFC 3339 time, or milliseconds since the Unix epoch; now if absent.
    #[schema(value_type = Option<Object>)]
    time: Option<serde_json::Value>,
}

/// A JSON write.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct JsonWrite {
    /// The database (default `default`).
    database: Option<String>,
    /// The points.
    points: Vec<JsonPoint>,
}

/// What a write did.
#[derive(Debug, Serialize, ToSchema)]
struct WriteResult {
    /// Points written.
    points: usize,
}

fn json_points(points: Vec<JsonPoint>, now: i64) -> Result<Vec<Point>, Vec<FieldError>> {
    let mut converted = Vec::with_capacity(points.len());
    let mut errors = Vec::new();
    for (index, point) in points.into_iter().enumerate() {
        let field = |name: &str| format!("points[{index}].{name}");
        let mut tags: Vec<(String, String)> = point.tags.into_iter().collect();
        if let Some(device) = point.device {
            tags.retain(|(k, _)| k != "device");
            tags.push(("device".into(), device));
            tags.sort();
        }
        let mut fields = Vec::new();
        for (name, value) in point.fields {
            let value = match value {
                serde_json::Value::Bool(b) => FieldValue::Boolean(b),
                serde_json::Value::String(s) => FieldValue::String(s),
                serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                    (Some(i), _) => FieldValue::Integer(i),
                    (None, Some(f)) if f.is_finite() => FieldValue::Float(f),
                    _ => {
                        errors.push(FieldError::new(
                            field(&format!("fields.{name}")),
                            Text::new("数值超出范围", "the number is out of range"),
                        ));
                        continue;
                    }
                },
                _ => {
                    errors.push(FieldError::new(
                        field(&format!("fields.{name}")),
                        Text::new(
                            "字段值须为数字、字符串或布尔值",
                            "a field value must be a number, string or boolean",
                        ),
                    ));
                    continue;
                }
            };
            fields.push((name, value));
        }
        if fields.is_empty() {
            errors.push(FieldError::new(
                field("fields"),
                Text::new("至少需要一个字段", "at least one field is required"),
            ));
        }
        let time_ns = match point.time {
            None => now,
            Some(serde_json::Value::Number(n)) if n.as_i64().is_some() => {
                match n.as_i64().and_then(|ms| ms.checked_mul(1_000_000)) {
                    Some(ns) => ns,
                    None => {
                        errors.push(FieldError::new(
                            field("time"),
                            Text::new("时间超出范围", "the time is out of range"),
                        ));
                        continue;
                    }
                }
            }
            Some(serde_json::Value::String(text)) => match super::tokens::parse_rfc3339(&text) {
                Some(instant) => instant.as_millis() * 1_000_000,
                None => {
                    errors.push(FieldError::new(
                        field("time"),
                        Text::new(
                            "时间须为 RFC 3339 或毫秒数",
                            "the time must be RFC 3339 or milliseconds",
                        ),
                    ));
                    continue;
                }
            },
            Some(_) => {
                errors.push(FieldError::new(
                    field("time"),
                    Text::new(
                        "时间须为 RFC 3339 或毫秒数",
                        "the time must be RFC 3339 or milliseconds",
                    ),
                ));
                continue;
            }
        };
        converted.push(Point {
            measurement: point.table,
            tags,
            fields,
            time_ns,
        });
    }
    if errors.is_empty() {
        Ok(converted)
    } else {
        Err(errors)
    }
}

/// Writes points as JSON. All or nothing; the points are durable and queryable when this
/// answers.
#[utoipa::path(post, path = "/api/v1/telemetry", tag = "telemetry", request_body = JsonWrite,
    responses((status = 200, body = WriteResult), (status = 403, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn write_json(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<JsonWrite>,
) -> Result<Json<WriteResult>, ApiError> {
    let tenant = policy::telemetry_tenant(&principal)
        .ok_or_else(|| ApiError::forbidden("only an enterprise's accounts have telemetry"))?;
    let points = json_points(body.points, now_ns()).map_err(ApiError::validation)?;
    let database = body.database.unwrap_or_else(|| DEFAULT_DATABASE.to_owned());
    let count = points.len();
    state
        .telemetry()
        .write(tenant, &database, points)
        .await
        .map_err(|error| ApiError::from(error).in_field("points"))?;
    Ok(Json(WriteResult { points: count }))
}

/// A SQL query.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SqlQuery {
    /// One SQL `SELECT` (Apache DataFusion's dialect), e.g. `SELECT date_bin(INTERVAL '1 minute',
    /// time) AS t, avg(temperature) FROM machine_telemetry WHERE device = 'press-07' AND time >
    /// now() - INTERVAL '1 day' GROUP BY t ORDER BY t`.
    sql: String,
    /// The database unqualified table names refer to (default `default`).
    database: Option<String>,
    /// `json` (default), `jsonl`, `csv`, `pretty`, `arrow` or `parquet`.
    format: Option<String>,
}

async fn run_query(
    state: &AppState,
    tenant: i64,
    database: &str,
    sql: &str,
    format: ResultFormat,
) -> zhizao_telemetry::Result<Response> {
    let output = state
        .telemetry()
        .query(tenant, database, sql, QueryLimits::default())
        .await?;
    let bytes = encode(&output, format)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        )],
        bytes,
    )
        .into_response())
}

fn result_format(name: Option<&str>) -> Result<ResultFormat, String> {
    match name {
        None => Ok(ResultFormat::Json),
        Some(name) => ResultFormat::parse(name).ok_or_else(|| {
            format!("format must be json, jsonl, csv, pretty, arrow or parquet, not {name:?}")
        }),
    }
}

/// Runs SQL over the caller's enterprise's telemetry. Another tenant's data is never in the
/// query's catalog, whatever the SQL says; statements other than queries are refused.
#[utoipa::path(post, path = "/api/v1/query", tag = "telemetry", request_body = SqlQuery,
    responses((status = 200, description = "The rows, in the requested format"), (status = 403, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn query(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<SqlQuery>,
) -> Result<Response, ApiError> {
    let tenant = policy::telemetry_tenant(&principal)
        .ok_or_else(|| ApiError::forbidden("only an enterprise's accounts have telemetry"))?;
    let format = result_format(body.format.as_deref()).map_err(ApiError::malformed)?;
    let database = body.database.unwrap_or_else(|| DEFAULT_DATABASE.to_owned());
    run_query(&state, tenant, &database, &body.sql, format)
        .await
        .map_err(|error| ApiError::from(error).in_field("sql"))
}

/// `q`, `db` and `format` of InfluxDB 3's SQL endpoint.
#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct QuerySql {
    /// The SQL.
    q: String,
    /// The database.
    db: Option<String>,
    /// `json` (default), `jsonl`, `csv`, `pretty` or `parquet`.
    format: Option<String>,
}

async fn query_sql(state: AppState, tenant: i64, request: QuerySql) -> Response {
    let format = match result_format(request.format.as_deref()) {
        Ok(format) => format,
        Err(message) => return influx_error(StatusCode::BAD_REQUEST, "invalid", message),
    };
    let database = request.db.unwrap_or_else(|| DEFAULT_DATABASE.to_owned());
    match run_query(&state, tenant, &database, &request.q, format).await {
        Ok(response) => response,
        Err(error) => influx_problem(&error),
    }
}

/// Runs SQL as InfluxDB 3's `GET /api/v3/query_sql` does.
#[utoipa::path(get, path = "/api/v3/query_sql", tag = "telemetry", params(QuerySql),
    responses((status = 200, description = "The rows"), (status = 400), (status = 401)))]
async fn query_sql_get(State(state): State<AppState>, request: Request) -> Response {
    let tenant = match influx_caller(request.extensions()) {
        Ok(InfluxWriter::User { tenant }) => tenant,
        Ok(InfluxWriter::Device(_)) => {
            return influx_error(
                StatusCode::FORBIDDEN,
                "forbidden",
                "a device token writes telemetry but does not query it: use an account's API token",
            );
        }
        Err(response) => return response,
    };
    let query = match Query::<QuerySql>::try_from_uri(request.uri()) {
        Ok(Query(query)) => query,
        Err(rejection) => {
            return influx_error(StatusCode::BAD_REQUEST, "invalid", rejection.body_text());
        }
    };
    query_sql(state, tenant, query).await
}

/// Runs SQL as InfluxDB 3's `POST /api/v3/query_sql` does (a JSON body with `q`, `db`,
/// `format`).
#[utoipa::path(post, path = "/api/v3/query_sql", tag = "telemetry", request_body = QuerySql,
    responses((status = 200, description = "The rows"), (status = 400), (status = 401)))]
async fn query_sql_post(State(state): State<AppState>, request: Request) -> Response {
    let tenant = match influx_caller(request.extensions()) {
        Ok(InfluxWriter::User { tenant }) => tenant,
        Ok(InfluxWriter::Device(_)) => {
            return influx_error(
                StatusCode::FORBIDDEN,
                "forbidden",
                "a device token writes telemetry but does not query it: use an account's API token",
            );
        }
        Err(response) => return response,
    };
    let bytes: Bytes = match read_body(request, 1024 * 1024).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return influx_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request too large",
                "the query is too large",
            );
        }
    };
    match serde_json::from_slice::<QuerySql>(&bytes) {
        Ok(query) => query_sql(state, tenant, query).await,
        Err(error) => influx_error(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("invalid JSON: {error}"),
        ),
    }
}

/// One table of a telemetry database.
#[derive(Debug, Serialize, ToSchema)]
struct TableView {
    /// The table (measurement).
    name: String,
    /// Columns: time, tags and fields.
    columns: usize,
    /// Rows in memory, not yet written to files (queryable all the same).
    buffered_rows: u64,
    /// Parquet files.
    files: usize,
    /// Rows in the files.
    stored_rows: u64,
    /// Bytes of the files.
    stored_bytes: u64,
    /// The earliest stored time (RFC 3339), if any.
    first_time: Option<String>,
    /// The latest stored time (RFC 3339), if any.
    last_time: Option<String>,
}

/// One of the enterprise's telemetry databases.
#[derive(Debug, Serialize, ToSchema)]
struct DatabaseView {
    /// The database (`db` / `bucket` of the InfluxDB-compatible endpoints).
    name: String,
    /// UTC days kept (today and the days before it); `null` keeps everything.
    retention_days: Option<u32>,
    /// Its tables.
    tables: Vec<TableView>,
}

fn database_view(summary: DatabaseSummary) -> DatabaseView {
    let rfc3339 = |ns: i64| super::rfc3339(Timestamp::from_millis(ns.div_euclid(1_000_000)));
    DatabaseView {
        name: summary.name,
        retention_days: summary.retention_days,
        tables: summary
            .tables
            .into_iter()
            .map(|table| TableView {
                name: table.name,
                columns: table.columns,
                buffered_rows: table.buffered_rows,
                files: table.files,
                stored_rows: table.stored_rows,
                stored_bytes: table.stored_bytes,
                first_time: table.first_time_ns.map(rfc3339),
                last_time: table.last_time_ns.map(rfc3339),
            })
            .collect(),
    }
}

fn own_tenant(principal: &zhizao_identity::Principal) -> Result<i64, ApiError> {
    policy::telemetry_tenant(principal)
        .ok_or_else(|| ApiError::forbidden("only an enterprise's accounts have telemetry"))
}

/// The enterprise's telemetry databases: tables, rows, bytes on disk and retention.
#[utoipa::path(get, path = "/api/v1/telemetry/databases", tag = "telemetry",
    responses((status = 200, body = Vec<DatabaseView>), (status = 403, body = crate::problem::Problem)))]
async fn list_databases(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> Result<Json<Vec<DatabaseView>>, ApiError> {
    let tenant = own_tenant(&principal)?;
    Ok(Json(
        state
            .telemetry()
            .databases(tenant)
            .into_iter()
            .map(database_view)
            .collect(),
    ))
}

/// How long a database keeps its telemetry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RetentionBody {
    /// UTC days kept, 1 to 36,500 (today and the days before it); `null` keeps everything.
    days: Option<u32>,
}

/// Sets how long one of the enterprise's databases keeps its telemetry. Days older than that are
/// dropped whole at the next upkeep round (within a minute), for good; the change is audited.
/// The database need not hold data yet.
#[utoipa::path(put, path = "/api/v1/telemetry/databases/{database}/retention", tag = "telemetry",
    params(("database" = String, Path, description = "The database")), request_body = RetentionBody,
    responses((status = 200, body = DatabaseView), (status = 403, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn set_retention(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(database): ApiPath<String>,
    ApiJson(body): ApiJson<RetentionBody>,
) -> Result<Json<DatabaseView>, ApiError> {
    let tenant = own_tenant(&principal)?;
    let telemetry = state.telemetry();
    state
        .devices()
        .set_retention(&principal, telemetry, &database, body.days)
        .await?;
    let summary = telemetry
        .databases(tenant)
        .into_iter()
        .find(|d| d.name == database)
        .unwrap_or(DatabaseSummary {
            name: database,
            retention_days: body.days,
            tables: Vec::new(),
        });
    Ok(Json(database_view(summary)))
}
