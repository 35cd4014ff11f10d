//! Device pages of an enterprise: the device list with registration (one by one or from a
//! spreadsheet), a device's page (latest values pushed live, charts drawn from server-side
//! downsampled series, attributes, commands), and the SQL console.
//!
//! The live parts are progressive: the page renders the values it has, and `devices.js` then
//! subscribes to `/api/v1/devices/{name}/live`, draws charts from `/series` and sends commands
//! to `/rpc` with the session cookie and the CSRF header.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use zhizao_core::{Classified, PageRequest, Timestamp};
use zhizao_devices::{Device, DeviceImportReport, DeviceInput, Profile};

use super::{Layout, OrPage, PageContext, PageError, PageForm, Pager, SignedIn, render};
use crate::AppState;
use crate::pages::{PageUpload, UploadedFile};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/devices", get(list).post(register))
        .route("/devices/import", axum::routing::post(import))
        .route("/devices/{name}", get(detail))
        .route("/telemetry/sql", get(sql_console))
}

/// A profile as people call it: its description, else its name.
fn profile_label(profile: &Profile) -> String {
    if profile.description.trim().is_empty() {
        profile.name.clone()
    } else {
        profile.description.clone()
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    profile: String,
    page: Option<u32>,
}

struct DeviceRow {
    name: String,
    label: String,
    profile: String,
    /// The profile as people call it (its description, else its name).
    profile_label: String,
    serial_number: String,
    online: bool,
    disabled: bool,
    last_seen: String,
}

/// A device registered just now, with its token.
struct Registered {
    name: String,
    token: String,
}

#[derive(Template)]
#[template(path = "devices/list.html")]
struct ListPage {
    layout: Layout,
    q: ListQuery,
    profiles: Vec<Profile>,
    rows: Vec<DeviceRow>,
    total: i64,
    pager: Pager,
    registered: Vec<Registered>,
    errors: Vec<String>,
}

fn when(at: Option<Timestamp>) -> String {
    at.map(Timestamp::to_shanghai_string)
        .unwrap_or_else(|| "—".to_owned())
}

async fn list_page(
    state: &AppState,
    context: &PageContext,
    principal: &zhizao_identity::Principal,
    query: ListQuery,
    registered: Vec<Registered>,
    errors: Vec<String>,
) -> Result<Response, Response> {
    let devices = state.devices();
    let profiles = devices
        .list_profiles(principal, PageRequest::new(1, 500))
        .await
        .or_page(context)?
        .items;
    let page = devices
        .list_devices(
            principal,
            Some(query.profile.as_str()),
            Some(query.q.as_str()),
            PageRequest::new(query.page.unwrap_or(1), 50),
        )
        .await
        .or_page(context)?;
    let pager = Pager::new(&context.uri, &page);
    let rows = page
        .items
        .iter()
        .map(|d: &Device| DeviceRow {
            name: d.name.clone(),
            label: d.label.clone(),
            profile: d.profile.clone(),
            profile_label: profiles
                .iter()
                .find(|p| p.name == d.profile)
                .map(profile_label)
                .unwrap_or_else(|| d.profile.clone()),
            serial_number: d.serial_number.clone(),
            online: state.commands().is_online(d.id),
            disabled: d.disabled,
            last_seen: when(d.last_seen_at),
        })
        .collect();
    Ok(render(&ListPage {
        layout: context.layout("devices"),
        q: query,
        profiles,
        rows,
        total: page.total,
        pager,
        registered,
        errors,
    }))
}

async fn list(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    list_page(&state, &context, &principal, query, Vec::new(), Vec::new()).await
}

#[derive(Deserialize)]
struct RegisterForm {
    name: String,
    profile: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    serial_number: String,
}

async fn register(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(form): PageForm<RegisterForm>,
) -> Result<Response, Response> {
    let input = DeviceInput {
        name: form.name,
        label: form.label,
        serial_number: form.serial_number,
        profile: form.profile,
        database_name: String::new(),
    };
    let t = context.t();
    let (registered, errors) = match state.devices().create_device(&principal, &input).await {
        Ok(created) => (
            vec![Registered {
                name: created.device.name,
                token: created.token,
            }],
            Vec::new(),
        ),
        Err(error) if !error.field_errors().is_empty() => (
            Vec::new(),
            error
                .field_errors()
                .iter()
                .map(|e| format!("{}: {}", e.field, t.text(&e.message)))
                .collect(),
        ),
        Err(error @ zhizao_devices::Error::Duplicate { .. }) => {
            (Vec::new(), vec![error.to_string()])
        }
        Err(error) => return Err(PageError::from(error).render(&context)),
    };
    list_page(
        &state,
        &context,
        &principal,
        ListQuery::default(),
        registered,
        errors,
    )
    .await
}

fn import_messages(report: &DeviceImportReport, context: &PageContext) -> Vec<String> {
    let t = context.t();
    report
        .errors
        .iter()
        .map(|e| {
            format!(
                "{} {}{}: {}",
                e.row.map(|r| format!("#{r}")).unwrap_or_default(),
                e.column.clone().unwrap_or_default(),
                if e.column.is_some() { "" } else { &e.field },
                t.text(&e.message)
            )
        })
        .collect()
}

async fn import(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageUpload(upload): PageUpload,
) -> Result<Response, Response> {
    let (status, file) = match upload {
        Ok(upload) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            upload.file("file").cloned(),
        ),
        Err(error) => (error.status, None),
    };
    let Some(UploadedFile { file_name, bytes }) = file else {
        let page = list_page(
            &state,
            &context,
            &principal,
            ListQuery::default(),
            Vec::new(),
            vec!["file: —".to_owned()],
        )
        .await?;
        return Ok((status, page).into_response());
    };
    let t = context.t();
    let (registered, errors) = match state
        .devices()
        .import_devices(&principal, &file_name, &bytes)
        .await
    {
        Ok(report) if report.applied => (
            report
                .created
                .into_iter()
                .map(|c| Registered {
                    name: c.device.name,
                    token: c.token,
                })
                .collect(),
            Vec::new(),
        ),
        Ok(report) => (Vec::new(), import_messages(&report, &context)),
        Err(error) if !error.field_errors().is_empty() => (
            Vec::new(),
            error
                .field_errors()
                .iter()
                .map(|e| format!("{}: {}", e.field, t.text(&e.message)))
                .collect(),
        ),
        Err(error) => return Err(PageError::from(error).render(&context)),
    };
    list_page(
        &state,
        &context,
        &principal,
        ListQuery::default(),
        registered,
        errors,
    )
    .await
}

struct LatestRow {
    field: String,
    label: String,
    value: String,
    unit: String,
    time: String,
}

struct AttributeRow {
    name: String,
    value: String,
}

#[derive(Template)]
#[template(path = "devices/detail.html")]
struct DetailPage {
    layout: Layout,
    device: Device,
    profile: Profile,
    online: bool,
    last_seen: String,
    latest: Vec<LatestRow>,
    chart_fields: Vec<(String, String)>,
    client_attributes: Vec<AttributeRow>,
    shared_attributes: Vec<AttributeRow>,
    origin_hint: String,
    /// The enterprise's other devices of the same profile, and whether each is connected.
    siblings: Vec<(String, String, bool)>,
}

fn attribute_rows(map: serde_json::Map<String, serde_json::Value>) -> Vec<AttributeRow> {
    map.into_iter()
        .map(|(name, value)| AttributeRow {
            name,
            value: match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            },
        })
        .collect()
}

async fn detail(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(name): Path<String>,
) -> Result<Response, Response> {
    let devices = state.devices();
    let (device, profile, identity) = devices
        .device_with_identity(&principal, &name)
        .await
        .or_page(&context)?;
    let latest = state
        .telemetry()
        .latest(
            identity.tenant,
            &identity.database,
            &identity.table,
            &identity.name,
        )
        .into_iter()
        .map(|v| {
            let spec = profile.telemetry.iter().find(|t| *t.name == *v.field);
            LatestRow {
                label: spec.map(|s| s.label.clone()).unwrap_or_default(),
                unit: spec.map(|s| s.unit.clone()).unwrap_or_default(),
                value: match &v.value {
                    zhizao_telemetry::FieldValue::Float(f) => format!("{f}"),
                    zhizao_telemetry::FieldValue::Integer(i) => i.to_string(),
                    zhizao_telemetry::FieldValue::UInteger(u) => u.to_string(),
                    zhizao_telemetry::FieldValue::String(s) => s.clone(),
                    zhizao_telemetry::FieldValue::Boolean(b) => b.to_string(),
                },
                time: when(Some(Timestamp::from_millis(
                    v.time_ns.div_euclid(1_000_000),
                ))),
                field: v.field.to_string(),
            }
        })
        .collect();
    use zhizao_telemetry::schema::FieldType;
    let chart_fields = profile
        .telemetry
        .iter()
        .filter(|t| !matches!(t.field_type, FieldType::String))
        .map(|t| {
            let label = if t.label.is_empty() {
                t.name.clone()
            } else {
                t.label.clone()
            };
            (t.name.clone(), label)
        })
        .collect();
    let client_attributes = attribute_rows(
        devices
            .attributes(device.id, "client", None)
            .await
            .or_page(&context)?,
    );
    let shared_attributes = attribute_rows(
        devices
            .attributes(device.id, "shared", None)
            .await
            .or_page(&context)?,
    );
    let online = state.commands().is_online(device.id);
    let siblings = devices
        .list_devices(
            &principal,
            Some(device.profile.as_str()),
            None,
            PageRequest::new(1, 20),
        )
        .await
        .or_page(&context)?
        .items
        .into_iter()
        .filter(|d| d.id != device.id)
        .map(|d| (d.name, d.label, state.commands().is_online(d.id)))
        .collect();
    Ok(render(&DetailPage {
        siblings,
        layout: context.layout("devices"),
        last_seen: when(device.last_seen_at),
        online,
        latest,
        chart_fields,
        client_attributes,
        shared_attributes,
        origin_hint: "http://HOST:8080".to_owned(),
        device,
        profile,
    }))
}

#[derive(Deserialize, Default)]
struct SqlQueryForm {
    #[serde(default)]
    sql: String,
    #[serde(default)]
    database: String,
}

struct TableInfo {
    database: String,
    table: String,
    columns: String,
}

#[derive(Template)]
#[template(path = "devices/sql.html")]
struct SqlPage {
    layout: Layout,
    q: SqlQueryForm,
    tables: Vec<TableInfo>,
    example: String,
}

async fn sql_console(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<SqlQueryForm>,
) -> Result<Response, Response> {
    let tenant = zhizao_identity::policy::telemetry_tenant(&principal)
        .ok_or(PageError::Forbidden)
        .map_err(|e| e.render(&context))?;
    let mut tables = Vec::new();
    for (database, database_tables) in state.telemetry().catalog(tenant) {
        for (table, schema) in database_tables {
            let columns = schema
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect::<Vec<_>>()
                .join(", ");
            tables.push(TableInfo {
                database: database.clone(),
                table,
                columns,
            });
        }
    }
    let example = tables
        .first()
        .map(|t| {
            format!(
                "SELECT date_bin(INTERVAL '1 minute', time) AS t, device, count(*) AS points\nFROM \"{}\"\nWHERE time > now() - INTERVAL '1 day'\nGROUP BY t, device\nORDER BY t DESC\nLIMIT 100",
                t.table.replace('"', "\"\"")
            )
        })
        .unwrap_or_else(|| "SELECT 1".to_owned());
    Ok(render(&SqlPage {
        layout: context.layout("sql"),
        q: query,
        tables,
        example,
    }))
}
