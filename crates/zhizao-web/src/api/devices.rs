//! Device profiles and devices of the caller's enterprise: registration, tokens, attributes,
//! latest values (live), downsampled history for charts, and commands.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhizao_core::{FieldError, Text};
use zhizao_devices::{
    AttributeSpec, CommandSpec, Device, DeviceIdentity, DeviceImportReport, DeviceInput,
    DeviceUpdate, NewDeviceToken, Profile, ProfileInput, TelemetrySpec,
};
use zhizao_telemetry::schema::FieldType;
use zhizao_telemetry::{FieldValue, LatestValue, SeriesRequest};

use super::{PageOf, Paging, etag, if_match, rfc3339};
use crate::AppState;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery, uploaded_file};
use crate::problem::ApiError;

pub(super) fn router() -> OpenApiRouter<AppState> {
    let import = OpenApiRouter::new()
        .routes(routes!(import_devices))
        .layer(DefaultBodyLimit::max(
            zhizao_devices::MAX_DEVICE_IMPORT_BYTES + 256 * 1024,
        ));
    OpenApiRouter::new()
        .routes(routes!(list_profiles, create_profile))
        .routes(routes!(get_profile, update_profile, delete_profile))
        .routes(routes!(list_devices, create_device))
        .routes(routes!(get_device, update_device, delete_device))
        .routes(routes!(rotate_device_token))
        .routes(routes!(device_attributes))
        .routes(routes!(device_latest))
        .routes(routes!(device_live))
        .routes(routes!(device_series))
        .routes(routes!(call_device))
        .merge(import)
}

/// A telemetry field of a profile.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TelemetryFieldDto {
    name: String,
    /// `float`, `integer`, `unsigned`, `string` or `boolean`.
    #[serde(rename = "type")]
    field_type: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    label: String,
}

/// An attribute of a profile.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AttributeDto {
    name: String,
    #[serde(default)]
    label: String,
}

/// A command (RPC method) of a profile.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CommandDto {
    name: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    params: Vec<String>,
}

/// A device profile (product model).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ProfileDto {
    name: String,
    description: String,
    /// The telemetry table its devices write to.
    table_name: String,
    telemetry: Vec<TelemetryFieldDto>,
    attributes: Vec<AttributeDto>,
    commands: Vec<CommandDto>,
    device_count: i64,
    created_at: String,
    updated_at: String,
    version: i64,
}

impl From<Profile> for ProfileDto {
    fn from(profile: Profile) -> Self {
        ProfileDto {
            name: profile.name,
            description: profile.description,
            table_name: profile.table_name,
            telemetry: profile
                .telemetry
                .into_iter()
                .map(|t| TelemetryFieldDto {
                    name: t.name,
                    field_type: t.field_type.name().to_owned(),
                    unit: t.unit,
                    label: t.label,
                })
                .collect(),
            attributes: profile
                .attributes
                .into_iter()
                .map(|a| AttributeDto {
                    name: a.name,
                    label: a.label,
                })
                .collect(),
            commands: profile
                .commands
                .into_iter()
                .map(|c| CommandDto {
                    name: c.name,
                    label: c.label,
                    params: c.params,
                })
                .collect(),
            device_count: profile.device_count,
            created_at: rfc3339(profile.created_at),
            updated_at: rfc3339(profile.updated_at),
            version: profile.version,
        }
    }
}

/// The telemetry field type named `name` (as InfluxDB names them), or the error for the
/// `index`-th telemetry field; the API and the profile form read types through this alone.
pub(crate) fn parse_field_type(index: usize, name: &str) -> Result<FieldType, FieldError> {
    serde_json::from_value::<FieldType>(serde_json::Value::String(name.to_owned())).map_err(|_| {
        FieldError::new(
            format!("telemetry[{index}].type"),
            Text::owned(
                format!("类型“{name}”无效：可选 float、integer、unsigned、string、boolean"),
                format!("type {name:?} is not one of float, integer, unsigned, string, boolean"),
            ),
        )
    })
}

/// A profile as created or replaced.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProfileBody {
    /// Unique in the enterprise (ignored when replacing: the path names it).
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    /// The telemetry table; the profile's name when empty.
    #[serde(default)]
    table_name: String,
    #[serde(default)]
    telemetry: Vec<TelemetryFieldDto>,
    #[serde(default)]
    attributes: Vec<AttributeDto>,
    #[serde(default)]
    commands: Vec<CommandDto>,
}

impl ProfileBody {
    pub(crate) fn input(self) -> Result<ProfileInput, ApiError> {
        let mut errors = Vec::new();
        let mut telemetry = Vec::with_capacity(self.telemetry.len());
        for (index, field) in self.telemetry.into_iter().enumerate() {
            match parse_field_type(index, &field.field_type) {
                Ok(field_type) => telemetry.push(TelemetrySpec {
                    name: field.name,
                    field_type,
                    unit: field.unit,
                    label: field.label,
                }),
                Err(error) => errors.push(error),
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(ProfileInput {
            name: self.name,
            description: self.description,
            table_name: self.table_name,
            telemetry,
            attributes: self
                .attributes
                .into_iter()
                .map(|a| AttributeSpec {
                    name: a.name,
                    label: a.label,
                })
                .collect(),
            commands: self
                .commands
                .into_iter()
                .map(|c| CommandSpec {
                    name: c.name,
                    label: c.label,
                    params: c.params,
                })
                .collect(),
        })
    }
}

/// A registered device (its token is shown only when created or rotated).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DeviceDto {
    /// Unique in the enterprise; the `device` tag of its telemetry.
    name: String,
    label: String,
    serial_number: String,
    /// Its profile.
    profile: String,
    /// The telemetry table and database its points go to.
    table_name: String,
    database_name: String,
    /// The first characters of its access token.
    token_prefix: String,
    disabled: bool,
    /// Whether a transport of it takes commands now.
    online: bool,
    last_seen_at: Option<String>,
    created_at: String,
    updated_at: String,
    version: i64,
}

pub(crate) fn device_dto(device: Device, online: bool) -> DeviceDto {
    DeviceDto {
        name: device.name,
        label: device.label,
        serial_number: device.serial_number,
        profile: device.profile,
        table_name: device.table_name,
        database_name: device.database_name,
        token_prefix: device.token_prefix,
        disabled: device.disabled,
        online,
        last_seen_at: device.last_seen_at.map(rfc3339),
        created_at: rfc3339(device.created_at),
        updated_at: rfc3339(device.updated_at),
        version: device.version,
    }
}

/// A device with its new access token.
#[derive(Debug, Serialize, ToSchema)]
struct DeviceWithToken {
    device: DeviceDto,
    /// The access token: the MQTT user name, the `{token}` of `/api/v1/{token}/telemetry`, or
    /// `Authorization: Token …` for `/write`. Shown this once.
    token: String,
}

fn with_token(created: NewDeviceToken) -> DeviceWithToken {
    DeviceWithToken {
        device: device_dto(created.device, false),
        token: created.token,
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DeviceQuery {
    /// Only devices of this profile.
    profile: Option<String>,
    /// Name, label or serial number contains this.
    q: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

/// A device as registered.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateDevice {
    name: String,
    profile: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    serial_number: String,
    /// The telemetry database (default `default`).
    #[serde(default)]
    database_name: String,
}

/// Changes to a device; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateDevice {
    label: Option<String>,
    serial_number: Option<String>,
    profile: Option<String>,
    database_name: Option<String>,
    disabled: Option<bool>,
}

fn location(path: String) -> [(header::HeaderName, HeaderValue); 1] {
    [(
        header::LOCATION,
        HeaderValue::from_str(&path).unwrap_or(HeaderValue::from_static("/api/v1/devices")),
    )]
}

/// Path segments are percent-encoded in `Location`.
fn encoded(name: &str) -> String {
    form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The caller's enterprise's device profiles.
#[utoipa::path(get, path = "/api/v1/device-profiles", tag = "devices", params(Paging),
    responses((status = 200, body = PageOf<ProfileDto>), (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem)))]
async fn list_profiles(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageOf<ProfileDto>>, ApiError> {
    let page = state
        .devices()
        .list_profiles(&principal, paging.request())
        .await?;
    Ok(Json(PageOf::from_page(page, ProfileDto::from)))
}

/// Defines a device profile: its telemetry fields with types and units, attributes, commands.
#[utoipa::path(post, path = "/api/v1/device-profiles", tag = "devices", request_body = ProfileBody,
    responses((status = 201, body = ProfileDto), (status = 403, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn create_profile(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<ProfileBody>,
) -> Result<impl IntoResponse, ApiError> {
    let profile = state
        .devices()
        .create_profile(&principal, &body.input()?)
        .await?;
    Ok((
        StatusCode::CREATED,
        etag(profile.version),
        location(format!(
            "/api/v1/device-profiles/{}",
            encoded(&profile.name)
        )),
        Json(ProfileDto::from(profile)),
    ))
}

/// One device profile.
#[utoipa::path(get, path = "/api/v1/device-profiles/{name}", tag = "devices", params(("name" = String, Path)),
    responses((status = 200, body = ProfileDto), (status = 404, body = crate::problem::Problem)))]
async fn get_profile(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(name): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let profile = state.devices().profile(&principal, &name).await?;
    Ok((etag(profile.version), Json(ProfileDto::from(profile))))
}

/// Replaces a profile's definition; send `If-Match` with the version read.
#[utoipa::path(put, path = "/api/v1/device-profiles/{name}", tag = "devices", params(("name" = String, Path)), request_body = ProfileBody,
    responses((status = 200, body = ProfileDto), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn update_profile(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(name): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ProfileBody>,
) -> Result<impl IntoResponse, ApiError> {
    let version = if_match(&headers)?;
    let profile = state
        .devices()
        .update_profile(&principal, &name, &body.input()?, version)
        .await?;
    Ok((etag(profile.version), Json(ProfileDto::from(profile))))
}

/// Deletes a profile that no device uses.
#[utoipa::path(delete, path = "/api/v1/device-profiles/{name}", tag = "devices", params(("name" = String, Path)),
    responses((status = 204), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
async fn delete_profile(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(name): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state.devices().delete_profile(&principal, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's enterprise's devices.
#[utoipa::path(get, path = "/api/v1/devices", tag = "devices", params(DeviceQuery),
    responses((status = 200, body = PageOf<DeviceDto>), (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem)))]
async fn list_devices(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<DeviceQuery>,
) -> Result<Json<PageOf<DeviceDto>>, ApiError> {
    let paging = Paging {
        page: query.page,
        page_size: query.page_size,
    };
    let page = state
        .devices()
        .list_devices(
            &principal,
            query.profile.as_deref(),
            query.q.as_deref(),
            paging.request(),
        )
        .await?;
    let commands = state.commands();
    Ok(Json(PageOf::from_page(page, |d| {
        let online = commands.is_online(d.id);
        device_dto(d, online)
    })))
}

/// Registers a device; the answer holds its access token, shown this once.
#[utoipa::path(post, path = "/api/v1/devices", tag = "devices", request_body = CreateDevice,
    responses((status = 201, body = DeviceWithToken), (status = 403, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn create_device(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<CreateDevice>,
) -> Result<impl IntoResponse, ApiError> {
    let input = DeviceInput {
        name: body.name,
        label: body.label,
        serial_number: body.serial_number,
        profile: body.profile,
        database_name: body.database_name,
    };
    let created = state.devices().create_device(&principal, &input).await?;
    Ok((
        StatusCode::CREATED,
        etag(created.device.version),
        location(format!("/api/v1/devices/{}", encoded(&created.device.name))),
        Json(with_token(created)),
    ))
}

/// One device.
#[utoipa::path(get, path = "/api/v1/devices/{name}", tag = "devices", params(("name" = String, Path)),
    responses((status = 200, body = DeviceDto), (status = 404, body = crate::problem::Problem)))]
async fn get_device(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(name): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let device = state.devices().device(&principal, &name).await?;
    let online = state.commands().is_online(device.id);
    Ok((etag(device.version), Json(device_dto(device, online))))
}

/// Changes a device (label, serial number, profile, database, disabled); send `If-Match`.
#[utoipa::path(patch, path = "/api/v1/devices/{name}", tag = "devices", params(("name" = String, Path)), request_body = UpdateDevice,
    responses((status = 200, body = DeviceDto), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn update_device(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(name): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<UpdateDevice>,
) -> Result<impl IntoResponse, ApiError> {
    let update = DeviceUpdate {
        label: body.label,
        serial_number: body.serial_number,
        profile: body.profile,
        database_name: body.database_name,
        disabled: body.disabled,
    };
    let version = if_match(&headers)?;
    let device = state
        .devices()
        .update_device(&principal, &name, &update, version)
        .await?;
    let online = state.commands().is_online(device.id);
    Ok((etag(device.version), Json(device_dto(device, online))))
}

/// Deletes a device; its telemetry stays under its name.
#[utoipa::path(delete, path = "/api/v1/devices/{name}", tag = "devices", params(("name" = String, Path)),
    responses((status = 204), (status = 404, body = crate::problem::Problem)))]
async fn delete_device(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(name): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state.devices().delete_device(&principal, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces a device's access token (the old one stops working at once); the answer holds the
/// new one, shown this once.
#[utoipa::path(post, path = "/api/v1/devices/{name}/token", tag = "devices", params(("name" = String, Path)),
    responses((status = 200, body = DeviceWithToken), (status = 404, body = crate::problem::Problem)))]
async fn rotate_device_token(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<DeviceWithToken>, ApiError> {
    let rotated = state.devices().rotate_token(&principal, &name).await?;
    Ok(Json(with_token(rotated)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ImportQuery {
    /// The file's name when the body is the file itself.
    file_name: Option<String>,
}

/// What a device import did.
#[derive(Debug, Serialize, ToSchema)]
struct DeviceImportDto {
    rows: usize,
    rows_with_errors: usize,
    /// Each problem with its row and column.
    errors: Vec<crate::problem::ProblemField>,
    /// Whether the devices were registered: all rows or none.
    applied: bool,
    /// The registered devices with their tokens, shown this once.
    created: Vec<DeviceWithToken>,
}

fn import_dto(report: DeviceImportReport, language: zhizao_core::Language) -> DeviceImportDto {
    DeviceImportDto {
        rows: report.rows,
        rows_with_errors: report.rows_with_errors,
        errors: report
            .errors
            .into_iter()
            .map(|e| crate::problem::ProblemField::new(e, language))
            .collect(),
        applied: report.applied,
        created: report.created.into_iter().map(with_token).collect(),
    }
}

/// Registers devices from a spreadsheet (`.xlsx`, `.xls`, `.ods`, `.csv`) with the columns
/// name (设备名称), profile (设备型号) and optionally label, serial number, database. All or
/// nothing: with any problem nothing is registered and the report (422) names each by row and
/// column.
#[utoipa::path(post, path = "/api/v1/devices/import", tag = "devices", params(ImportQuery),
    request_body(content_type = "multipart/form-data", description = "A `file` part holding the spreadsheet"),
    responses((status = 200, body = DeviceImportDto), (status = 413, body = crate::problem::Problem), (status = 415, body = crate::problem::Problem), (status = 422, body = DeviceImportDto)))]
async fn import_devices(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiQuery(query): ApiQuery<ImportQuery>,
    request: Request,
) -> Result<Response, ApiError> {
    let (file_name, bytes) = uploaded_file(
        &state,
        request,
        query.file_name,
        zhizao_devices::MAX_DEVICE_IMPORT_BYTES,
    )
    .await?;
    let report = state
        .devices()
        .import_devices(&principal, &file_name, &bytes)
        .await?;
    let status = if report.applied {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(import_dto(report, principal.language))).into_response())
}

/// A device's attributes by scope.
#[derive(Debug, Serialize, ToSchema)]
struct AttributesDto {
    /// Reported by the device.
    #[schema(value_type = Object)]
    client: serde_json::Map<String, serde_json::Value>,
    /// Kept by the platform.
    #[schema(value_type = Object)]
    server: serde_json::Map<String, serde_json::Value>,
    /// Set by the platform for the device.
    #[schema(value_type = Object)]
    shared: serde_json::Map<String, serde_json::Value>,
}

/// A device's attributes.
#[utoipa::path(get, path = "/api/v1/devices/{name}/attributes", tag = "devices", params(("name" = String, Path)),
    responses((status = 200, body = AttributesDto), (status = 404, body = crate::problem::Problem)))]
async fn device_attributes(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<AttributesDto>, ApiError> {
    let device = state.devices().device(&principal, &name).await?;
    let devices = state.devices();
    Ok(Json(AttributesDto {
        client: devices.attributes(device.id, "client", None).await?,
        server: devices.attributes(device.id, "server", None).await?,
        shared: devices.attributes(device.id, "shared", None).await?,
    }))
}

/// A field's latest value.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LatestDto {
    field: String,
    /// What people call it (from the profile).
    label: String,
    unit: String,
    #[schema(value_type = Object)]
    value: serde_json::Value,
    /// RFC 3339 with milliseconds.
    time: String,
    /// Milliseconds since the epoch.
    time_ms: i64,
}

/// A device's latest values.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LatestValuesDto {
    device: String,
    online: bool,
    values: Vec<LatestDto>,
}

fn json_value(value: &FieldValue) -> serde_json::Value {
    match value {
        FieldValue::Float(v) => serde_json::Number::from_f64(*v)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        FieldValue::Integer(v) => (*v).into(),
        FieldValue::UInteger(v) => (*v).into(),
        FieldValue::String(v) => v.clone().into(),
        FieldValue::Boolean(v) => (*v).into(),
    }
}

/// The latest values of a device, labelled from its profile.
pub(crate) async fn latest_values(
    state: &AppState,
    principal: &zhizao_identity::Principal,
    name: &str,
) -> Result<LatestValuesDto, ApiError> {
    let (_, profile, identity) = state
        .devices()
        .device_with_identity(principal, name)
        .await?;
    Ok(latest_dto(state, &identity, &profile))
}

fn latest_dto(state: &AppState, identity: &DeviceIdentity, profile: &Profile) -> LatestValuesDto {
    let values = state.telemetry().latest(
        identity.tenant,
        &identity.database,
        &identity.table,
        &identity.name,
    );
    LatestValuesDto {
        device: identity.name.clone(),
        online: state.commands().is_online(identity.device_id),
        values: values
            .into_iter()
            .map(
                |LatestValue {
                     field,
                     time_ns,
                     value,
                 }| {
                    let spec = profile.telemetry.iter().find(|t| *t.name == *field);
                    LatestDto {
                        label: spec.map(|s| s.label.clone()).unwrap_or_default(),
                        unit: spec.map(|s| s.unit.clone()).unwrap_or_default(),
                        value: json_value(&value),
                        time: time_text(time_ns),
                        time_ms: time_ns.div_euclid(1_000_000),
                        field: field.to_string(),
                    }
                },
            )
            .collect(),
    }
}

fn time_text(time_ns: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(time_ns))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A device's latest value of every field (from the last-value cache).
#[utoipa::path(get, path = "/api/v1/devices/{name}/latest", tag = "devices", params(("name" = String, Path)),
    responses((status = 200, body = LatestValuesDto), (status = 404, body = crate::problem::Problem)))]
async fn device_latest(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<LatestValuesDto>, ApiError> {
    Ok(Json(latest_values(&state, &principal, &name).await?))
}

/// How often the live stream looks for new values.
const LIVE_INTERVAL: Duration = Duration::from_millis(500);

/// The device's latest values as they change: Server-Sent Events, one `latest` event with all
/// values at once and then one whenever a value changes.
#[utoipa::path(get, path = "/api/v1/devices/{name}/live", tag = "devices", params(("name" = String, Path)),
    responses((status = 200, description = "`text/event-stream` of `latest` events, each a LatestValuesDto", content_type = "text/event-stream"), (status = 404, body = crate::problem::Problem)))]
async fn device_live(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(name): ApiPath<String>,
) -> Result<Response, ApiError> {
    let (_, profile, identity) = state
        .devices()
        .device_with_identity(&principal, &name)
        .await?;
    let stream = futures::stream::unfold(
        (state, identity, profile, None::<String>, true),
        |(state, identity, profile, last, first)| async move {
            loop {
                if !first {
                    tokio::time::sleep(LIVE_INTERVAL).await;
                }
                let latest = latest_dto(&state, &identity, &profile);
                let text = serde_json::to_string(&latest).unwrap_or_default();
                if last.as_deref() != Some(text.as_str()) {
                    let event = Event::default().event("latest").data(text.clone());
                    return Some((
                        Ok::<_, Infallible>(event),
                        (state, identity, profile, Some(text), false),
                    ));
                }
                if first {
                    return None;
                }
            }
        },
    );
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct SeriesQuery {
    /// A numeric or boolean telemetry field (required).
    field: Option<String>,
    /// Start, RFC 3339 or ms since the epoch (default: a day before `to`).
    from: Option<String>,
    /// End, exclusive (default: now).
    to: Option<String>,
    /// How many buckets at most (default 500, at most 5,000): the server averages into buckets.
    points: Option<u32>,
}

/// A downsampled series for a chart.
#[derive(Debug, Serialize, ToSchema)]
struct SeriesDto {
    device: String,
    field: String,
    unit: String,
    /// Milliseconds since the epoch.
    from_ms: i64,
    to_ms: i64,
    /// Each bucket's width.
    bucket_ms: i64,
    /// `[bucket start ms, average, minimum, maximum, count]` per non-empty bucket, in time order.
    #[schema(value_type = Vec<Vec<f64>>)]
    points: Vec<(i64, f64, f64, f64, i64)>,
}

fn instant_ms(field: &'static str, text: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Ok(ms) = text.parse::<i64>() {
        return Ok(Some(ms));
    }
    super::tokens::parse_rfc3339(text)
        .map(|t| Some(t.as_millis()))
        .ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(
                field,
                Text::new(
                    "时间须为 RFC 3339 或毫秒数",
                    "the time must be RFC 3339 or milliseconds",
                ),
            )])
        })
}

/// One field of a device over a time range, averaged into at most `points` buckets on the
/// server (with minimum, maximum and count per bucket), so a year of data draws at once.
#[utoipa::path(get, path = "/api/v1/devices/{name}/series", tag = "devices", params(("name" = String, Path), SeriesQuery),
    responses((status = 200, body = SeriesDto), (status = 404, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
async fn device_series(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(name): ApiPath<String>,
    ApiQuery(query): ApiQuery<SeriesQuery>,
) -> Result<Json<SeriesDto>, ApiError> {
    let (_, profile, identity) = state
        .devices()
        .device_with_identity(&principal, &name)
        .await?;
    let field = query.field.clone().unwrap_or_default();
    let now_ms = state.identity().clock().now().as_millis();
    let to_ms = instant_ms("to", query.to.as_deref())?.unwrap_or(now_ms);
    let from_ms = instant_ms("from", query.from.as_deref())?.unwrap_or(to_ms - 86_400_000);
    let series = state
        .telemetry()
        .series(
            identity.tenant,
            &SeriesRequest {
                database: &identity.database,
                table: &identity.table,
                device: &identity.name,
                field: &field,
                from_ms,
                to_ms,
                max_points: query.points.unwrap_or(500),
            },
        )
        .await?;
    let unit = profile
        .telemetry
        .iter()
        .find(|t| t.name == field)
        .map(|t| t.unit.clone())
        .unwrap_or_default();
    Ok(Json(SeriesDto {
        device: identity.name,
        field,
        unit,
        from_ms,
        to_ms,
        bucket_ms: series.bucket_ms,
        points: series
            .buckets
            .iter()
            .map(|b| (b.start_ms, b.mean, b.low, b.high, b.n))
            .collect(),
    }))
}

/// A command to a device.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CommandBody {
    /// The RPC method; one of the profile's commands when it lists any.
    method: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    params: serde_json::Value,
    /// How long to wait for the answer (default 10,000 ms, at most 60,000).
    timeout_ms: Option<u64>,
}

/// The device's answer.
#[derive(Debug, Serialize, ToSchema)]
struct CommandAnswer {
    #[schema(value_type = Object)]
    response: serde_json::Value,
}

/// Sends a command to a device (ThingsBoard two-way RPC: MQTT `v1/devices/me/rpc/request/{id}`
/// on the embedded broker, `v1/devices/{token}/rpc/request/{id}` through an external one, or the
/// HTTP long poll) and waits for its answer. A device that is away with a persistent MQTT session
/// gets the command when it is back, and with an external broker any node that knows the device
/// sends it, so both wait; 409 when nothing can take the command (not connected, no session, no
/// external broker), 504 when no answer comes in time.
#[utoipa::path(post, path = "/api/v1/devices/{name}/rpc", tag = "devices", params(("name" = String, Path)), request_body = CommandBody,
    responses((status = 200, body = CommandAnswer), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem, description = "Nothing can take the command: not connected, no persistent session, no external broker"), (status = 422, body = crate::problem::Problem), (status = 504, body = crate::problem::Problem)))]
async fn call_device(
    State(state): State<AppState>,
    Caller(principal): Caller,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<CommandBody>,
) -> Result<Json<CommandAnswer>, ApiError> {
    let device = state.devices().device(&principal, &name).await?;
    let profile = state.devices().profile(&principal, &device.profile).await?;
    if body.method.trim().is_empty()
        || (!profile.commands.is_empty() && !profile.commands.iter().any(|c| c.name == body.method))
    {
        return Err(ApiError::validation(vec![FieldError::new(
            "method",
            Text::owned(
                format!("设备型号“{}”没有命令“{}”", profile.name, body.method),
                format!(
                    "profile {:?} has no command {:?}",
                    profile.name, body.method
                ),
            ),
        )]));
    }
    let timeout = Duration::from_millis(body.timeout_ms.unwrap_or(10_000).clamp(100, 60_000));
    state
        .devices()
        .record_command(&principal, &name, &body.method)
        .await?;
    let response = state
        .commands()
        .call(device.id, &body.method, body.params, timeout)
        .await?;
    Ok(Json(CommandAnswer { response }))
}
