//! Devices: registration, access tokens, and resolving a token to exactly one device.

use serde::Serialize;
use sqlx::AnyConnection;
use zhizao_core::{Classified, FieldError, Page, PageRequest, Text, Timestamp};
use zhizao_db::{Flag, SqlBuilder, allocate_ids, fetch_page, like_contains, unique_violation};
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::secret::{hash_secret, random_secret};
use zhizao_identity::{Actor, Principal};
use zhizao_telemetry::TelemetryStore;
use zhizao_telemetry::names::check_database;
use zhizao_telemetry::schema::FieldType;

use crate::profiles::{Profile, fetch_profile, named_tenant, tenant_of};
use crate::{Devices, Error, Result};

/// Every device token starts with this (API tokens start with `zz_`).
pub const DEVICE_TOKEN_PREFIX: &str = "zd_";

/// A registered device (never its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Device {
    /// Internal id.
    pub id: i64,
    /// Unique within the enterprise; the `device` tag of its telemetry.
    pub name: String,
    /// What people call it.
    pub label: String,
    /// Serial number.
    pub serial_number: String,
    /// Its profile's name.
    pub profile: String,
    /// The telemetry table its points go to (from the profile).
    pub table_name: String,
    /// The telemetry database its points go to.
    pub database_name: String,
    /// The first characters of its token.
    pub token_prefix: String,
    /// A disabled device's token is refused.
    #[sqlx(try_from = "zhizao_db::Flag")]
    pub disabled: bool,
    /// Last heard from (updated at most once a minute).
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub last_seen_at: Option<Timestamp>,
    /// Created.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub created_at: Timestamp,
    /// Last changed.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub updated_at: Timestamp,
    /// Optimistic-locking version.
    pub version: i64,
}

/// A device as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceInput {
    /// Name: 1–100 characters without control characters or `/`.
    pub name: String,
    /// Label.
    pub label: String,
    /// Serial number.
    pub serial_number: String,
    /// The profile's name.
    pub profile: String,
    /// The telemetry database (default `default`).
    pub database_name: String,
}

/// Changes to a device; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceUpdate {
    /// New label.
    pub label: Option<String>,
    /// New serial number.
    pub serial_number: Option<String>,
    /// New profile.
    pub profile: Option<String>,
    /// New database.
    pub database_name: Option<String>,
    /// Disable or enable.
    pub disabled: Option<bool>,
}

/// A device with its new token: the only time the token is available.
#[derive(Debug, Clone, Serialize)]
pub struct NewDeviceToken {
    /// The device.
    pub device: Device,
    /// The access token (ThingsBoard's "access token": the MQTT user name, the HTTP path part).
    pub token: String,
}

/// Who a device token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceIdentity {
    /// The device's id.
    pub device_id: i64,
    /// Its enterprise (organisation id): the tenant of everything it writes.
    pub tenant: i64,
    /// Its name: the `device` tag of everything it writes.
    pub name: String,
    /// The telemetry database it writes to.
    pub database: String,
    /// The telemetry table its profile writes to.
    pub table: String,
    /// The types its profile declares for telemetry fields (by name); JSON values are converted
    /// to these, and a value that cannot be is refused.
    pub field_types: Vec<(String, FieldType)>,
}

fn declared_types(telemetry_json: &str) -> Vec<(String, FieldType)> {
    serde_json::from_str::<Vec<crate::TelemetrySpec>>(telemetry_json)
        .unwrap_or_default()
        .into_iter()
        .map(|spec| (spec.name, spec.field_type))
        .collect()
}

const DEVICE_COLUMNS: &str = "SELECT d.id, d.name, d.label, d.serial_number, p.name AS profile, p.table_name, d.database_name, \
     d.token_prefix, d.disabled, d.last_seen_at, d.created_at, d.updated_at, d.version \
     FROM devices d JOIN device_profiles p ON p.id = d.profile_id";

fn check_device_name(name: &str) -> Option<FieldError> {
    let valid = !name.is_empty()
        && name.chars().count() <= 100
        && !name.chars().any(|c| c.is_control() || c == '/');
    (!valid).then(|| {
        FieldError::new(
            "name",
            Text::new(
                "设备名称须为 1–100 个字符，不含“/”和控制字符",
                "the device name must have 1 to 100 characters without '/' or control characters",
            ),
        )
    })
}

fn check_text(field: &'static str, value: &str, max: usize, errors: &mut Vec<FieldError>) {
    if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            Text::owned(
                format!("不能超过 {max} 个字符"),
                format!("must have at most {max} characters"),
            ),
        ));
    }
}

pub(crate) async fn fetch_device(
    connection: &mut AnyConnection,
    tenant: i64,
    name: &str,
) -> Result<Option<Device>> {
    let mut select = SqlBuilder::new(DEVICE_COLUMNS);
    select
        .push(" WHERE d.organization_id = ")
        .push_bind(tenant)
        .push(" AND d.name = ")
        .push_bind(name);
    Ok(select
        .query_as::<Device>()
        .fetch_optional(&mut *connection)
        .await?)
}

/// The device `name` of `tenant`, or `NotFound`.
pub(crate) async fn require_device(
    connection: &mut AnyConnection,
    tenant: i64,
    name: &str,
) -> Result<Device> {
    fetch_device(connection, tenant, name)
        .await?
        .ok_or_else(|| Error::NotFound {
            what: "device",
            key: name.to_owned(),
        })
}

fn new_token() -> (String, String, String) {
    let token = format!("{DEVICE_TOKEN_PREFIX}{}", random_secret());
    let prefix: String = token.chars().take(DEVICE_TOKEN_PREFIX.len() + 6).collect();
    let hash = hash_secret(&token);
    (token, prefix, hash)
}

/// Checks a new device's fields; returns its profile when that exists, and every problem.
pub(crate) async fn check_device_input(
    connection: &mut AnyConnection,
    tenant: i64,
    input: &DeviceInput,
) -> Result<(Option<Profile>, Vec<FieldError>)> {
    let mut errors = Vec::new();
    errors.extend(check_device_name(input.name.trim()));
    check_text("label", &input.label, 200, &mut errors);
    check_text("serial_number", &input.serial_number, 100, &mut errors);
    check_database_name(database_or_default(&input.database_name), &mut errors);
    let profile = existing_profile(connection, tenant, input.profile.trim(), &mut errors).await?;
    Ok((profile, errors))
}

/// Notes in `errors` a database name the telemetry store would refuse.
fn check_database_name(name: &str, errors: &mut Vec<FieldError>) {
    if let Err(error) = check_database(name) {
        for refused in error.field_errors() {
            errors.push(FieldError::new("database_name", refused.message));
        }
    }
}

/// The profile a device names, noting in `errors` when it does not exist.
async fn existing_profile(
    connection: &mut AnyConnection,
    tenant: i64,
    name: &str,
    errors: &mut Vec<FieldError>,
) -> Result<Option<Profile>> {
    let profile = fetch_profile(connection, tenant, name).await?;
    if profile.is_none() {
        errors.push(FieldError::new(
            "profile",
            Text::owned(
                format!("设备型号“{name}”不存在"),
                format!("device profile {name:?} does not exist"),
            ),
        ));
    }
    Ok(profile)
}

fn database_or_default(name: &str) -> &str {
    if name.trim().is_empty() {
        "default"
    } else {
        name.trim()
    }
}

/// Inserts a checked device with a new token, audited.
pub(crate) async fn insert_device(
    connection: &mut AnyConnection,
    actor: &Actor,
    tenant: i64,
    profile: &Profile,
    input: &DeviceInput,
    now: Timestamp,
) -> Result<NewDeviceToken> {
    let name = input.name.trim();
    let database = database_or_default(&input.database_name);
    let id = allocate_ids(connection, "devices", 1).await?;
    let (token, prefix, hash) = new_token();
    let inserted = sqlx::query(
        "INSERT INTO devices (id, organization_id, profile_id, name, label, serial_number, database_name, token_prefix, token_hash, \
         disabled, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $10, 1)",
    )
    .bind(id)
    .bind(tenant)
    .bind(profile.id)
    .bind(name)
    .bind(input.label.trim())
    .bind(input.serial_number.trim())
    .bind(database)
    .bind(&prefix)
    .bind(hash)
    .bind(now.as_millis())
    .execute(&mut *connection)
    .await;
    if let Err(error) = inserted {
        if unique_violation(&error).as_deref() == Some("devices_organization_id_name_key") {
            return Err(Error::Duplicate {
                what: "device",
                name: name.to_owned(),
            });
        }
        return Err(error.into());
    }
    let mut changes = Changes::new();
    changes
        .created("profile", &profile.name)
        .created("database_name", database)
        .created("label", input.label.trim());
    audit::record(
        connection,
        actor,
        now,
        AuditEntry::new("device.created", "device", name)
            .subject(tenant)
            .changes(changes),
    )
    .await?;
    let device = require_device(connection, tenant, name).await?;
    Ok(NewDeviceToken { device, token })
}

/// Minimum interval between writes of a device's last-seen time.
const TOUCH_INTERVAL_MS: i64 = 60_000;

impl Devices {
    /// How many of the caller's enterprise's devices are connected (not disabled), and how many
    /// of those were heard from in the last `days` days (last seen is written at most once a
    /// minute): what the maturity self-assessment suggests answers from.
    pub async fn fleet_counts(&self, principal: &Principal, days: i64) -> Result<(u32, u32)> {
        let tenant = tenant_of(principal)?;
        let since = self.clock.now().plus_millis(-days * 86_400_000);
        let (connected, reporting): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN last_seen_at >= $2 THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM devices WHERE organization_id = $1 AND disabled = 0",
        )
        .bind(tenant)
        .bind(since.as_millis())
        .fetch_one(self.db.pool())
        .await?;
        let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        Ok((count(connected), count(reporting)))
    }

    /// The caller's enterprise's devices, optionally of one profile or matching a search.
    pub async fn list_devices(
        &self,
        principal: &Principal,
        profile: Option<&str>,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Device>> {
        let tenant = tenant_of(principal)?;
        let mut conditions = SqlBuilder::new(" WHERE d.organization_id = ");
        conditions.push_bind(tenant);
        if let Some(profile) = profile.filter(|p| !p.is_empty()) {
            conditions.push(" AND p.name = ").push_bind(profile);
        }
        if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
            let pattern = like_contains(search);
            conditions
                .push(" AND (d.name LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR d.label LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR d.serial_number LIKE ")
                .push_bind(pattern)
                .push(" ESCAPE '\\')");
        }
        Ok(fetch_page(
            self.db.pool(),
            DEVICE_COLUMNS,
            "SELECT COUNT(*) FROM devices d JOIN device_profiles p ON p.id = d.profile_id",
            &conditions,
            " ORDER BY d.name",
            page,
        )
        .await?)
    }

    /// Every device of `tenant`, by name, for a domain that has decided its caller may know them
    /// (a shared factory's OEE reads its own machines' data for the city too).
    pub async fn devices_of(&self, tenant: i64) -> Result<Vec<Device>> {
        let mut select = SqlBuilder::new(DEVICE_COLUMNS);
        select
            .push(" WHERE d.organization_id = ")
            .push_bind(tenant)
            .push(" ORDER BY d.name");
        Ok(select
            .query_as::<Device>()
            .fetch_all(self.db.pool())
            .await?)
    }

    /// One device of the caller's enterprise.
    pub async fn device(&self, principal: &Principal, name: &str) -> Result<Device> {
        let tenant = named_tenant(principal, "device", name)?;
        let mut connection = self.db.pool().acquire().await?;
        require_device(&mut connection, tenant, name).await
    }

    /// One of the caller's devices with its profile and the identity its telemetry is stored
    /// under.
    pub async fn device_with_identity(
        &self,
        principal: &Principal,
        name: &str,
    ) -> Result<(Device, Profile, DeviceIdentity)> {
        let tenant = named_tenant(principal, "device", name)?;
        let device = self.device(principal, name).await?;
        let profile = self.profile(principal, &device.profile).await?;
        let identity = DeviceIdentity {
            device_id: device.id,
            tenant,
            name: device.name.clone(),
            database: device.database_name.clone(),
            table: device.table_name.clone(),
            field_types: profile
                .telemetry
                .iter()
                .map(|spec| (spec.name.clone(), spec.field_type))
                .collect(),
        };
        Ok((device, profile, identity))
    }

    /// Registers a device and returns it with its access token (shown once).
    pub async fn create_device(
        &self,
        principal: &Principal,
        input: &DeviceInput,
    ) -> Result<NewDeviceToken> {
        let tenant = tenant_of(principal)?;
        self.create_device_as(&principal.actor(), tenant, input)
            .await
    }

    /// Registers a device in `tenant` on behalf of `actor` (the demo data, imports run by the
    /// system); the caller has decided that `actor` may.
    pub async fn create_device_as(
        &self,
        actor: &Actor,
        tenant: i64,
        input: &DeviceInput,
    ) -> Result<NewDeviceToken> {
        let mut transaction = self.db.begin().await?;
        let (profile, errors) = check_device_input(&mut transaction, tenant, input).await?;
        let (Some(profile), true) = (profile, errors.is_empty()) else {
            return Err(Error::Invalid(errors));
        };
        let created = insert_device(
            &mut transaction,
            actor,
            tenant,
            &profile,
            input,
            self.clock.now(),
        )
        .await?;
        transaction.commit().await?;
        Ok(created)
    }

    /// Changes a device; applies only at `expected_version` when given.
    pub async fn update_device(
        &self,
        principal: &Principal,
        name: &str,
        update: &DeviceUpdate,
        expected_version: Option<i64>,
    ) -> Result<Device> {
        let tenant = named_tenant(principal, "device", name)?;
        let mut transaction = self.db.begin().await?;
        let current = require_device(&mut transaction, tenant, name).await?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(Error::StaleVersion {
                what: "device",
                current: current.version,
            });
        }
        let mut errors = Vec::new();
        let label = update
            .label
            .as_deref()
            .map(str::trim)
            .unwrap_or(&current.label)
            .to_owned();
        let serial = update
            .serial_number
            .as_deref()
            .map(str::trim)
            .unwrap_or(&current.serial_number)
            .to_owned();
        let database = update
            .database_name
            .as_deref()
            .map(str::trim)
            .unwrap_or(&current.database_name)
            .to_owned();
        check_text("label", &label, 200, &mut errors);
        check_text("serial_number", &serial, 100, &mut errors);
        check_database_name(&database, &mut errors);
        let profile_name = update
            .profile
            .as_deref()
            .map(str::trim)
            .unwrap_or(&current.profile)
            .to_owned();
        let profile =
            existing_profile(&mut transaction, tenant, &profile_name, &mut errors).await?;
        let (Some(profile), true) = (profile, errors.is_empty()) else {
            return Err(Error::Invalid(errors));
        };
        let disabled = update.disabled.unwrap_or(current.disabled);
        let mut changes = Changes::new();
        changes
            .field("label", &current.label, &label)
            .field("serial_number", &current.serial_number, &serial)
            .field("database_name", &current.database_name, &database)
            .field("profile", &current.profile, &profile.name)
            .field("disabled", current.disabled, disabled);
        if changes.is_empty() {
            return Ok(current);
        }
        let now = self.clock.now();
        sqlx::query(
            "UPDATE devices SET label = $1, serial_number = $2, database_name = $3, profile_id = $4, disabled = $5, updated_at = $6, \
             version = version + 1 WHERE id = $7",
        )
        .bind(&label)
        .bind(&serial)
        .bind(&database)
        .bind(profile.id)
        .bind(Flag(disabled))
        .bind(now.as_millis())
        .bind(current.id)
        .execute(&mut *transaction)
        .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("device.updated", "device", name)
                .subject(tenant)
                .changes(changes),
        )
        .await?;
        let updated = require_device(&mut transaction, tenant, name).await?;
        transaction.commit().await?;
        Ok(updated)
    }

    /// Replaces a device's token (the old one stops working at once) and returns the new one.
    pub async fn rotate_token(&self, principal: &Principal, name: &str) -> Result<NewDeviceToken> {
        let tenant = named_tenant(principal, "device", name)?;
        self.rotate_token_as(&principal.actor(), tenant, name).await
    }

    /// Replaces the token of device `name` of `tenant` on behalf of `actor` (the system: the
    /// demo's simulated fleet takes fresh tokens each time it starts), without a permission
    /// check.
    pub async fn rotate_token_as(
        &self,
        actor: &Actor,
        tenant: i64,
        name: &str,
    ) -> Result<NewDeviceToken> {
        let mut transaction = self.db.begin().await?;
        let current = require_device(&mut transaction, tenant, name).await?;
        let (token, prefix, hash) = new_token();
        let now = self.clock.now();
        sqlx::query("UPDATE devices SET token_prefix = $1, token_hash = $2, updated_at = $3, version = version + 1 WHERE id = $4")
            .bind(&prefix)
            .bind(hash)
            .bind(now.as_millis())
            .bind(current.id)
            .execute(&mut *transaction)
            .await?;
        audit::record(
            &mut transaction,
            actor,
            now,
            AuditEntry::new("device.token_rotated", "device", name)
                .subject(tenant)
                .note(format!("{prefix}…")),
        )
        .await?;
        let device = require_device(&mut transaction, tenant, name).await?;
        transaction.commit().await?;
        Ok(NewDeviceToken { device, token })
    }

    /// Deletes a device (its telemetry stays, under its name).
    pub async fn delete_device(&self, principal: &Principal, name: &str) -> Result<()> {
        let tenant = named_tenant(principal, "device", name)?;
        let mut transaction = self.db.begin().await?;
        let current = require_device(&mut transaction, tenant, name).await?;
        sqlx::query("DELETE FROM device_attributes WHERE device_id = $1")
            .bind(current.id)
            .execute(&mut *transaction)
            .await?;
        sqlx::query("DELETE FROM devices WHERE id = $1")
            .bind(current.id)
            .execute(&mut *transaction)
            .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            self.clock.now(),
            AuditEntry::new("device.deleted", "device", name).subject(tenant),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Audits a command a user sends to one of their devices.
    pub async fn record_command(
        &self,
        principal: &Principal,
        name: &str,
        method: &str,
    ) -> Result<()> {
        let tenant = named_tenant(principal, "device", name)?;
        let mut connection = self.db.pool().acquire().await?;
        audit::record(
            &mut connection,
            &principal.actor(),
            self.clock.now(),
            AuditEntry::new("device.command", "device", name)
                .subject(tenant)
                .note(method.chars().take(200).collect::<String>()),
        )
        .await?;
        Ok(())
    }

    /// Sets how long one of the caller's enterprise's telemetry databases keeps its data
    /// (`None`: everything; see [`TelemetryStore::set_retention`]) and audits the change.
    pub async fn set_retention(
        &self,
        principal: &Principal,
        telemetry: &TelemetryStore,
        database: &str,
        days: Option<u32>,
    ) -> Result<()> {
        let tenant = tenant_of(principal)?;
        let before = telemetry.retention(tenant, database);
        telemetry.set_retention(tenant, database, days).await?;
        let mut changes = Changes::new();
        changes.field("retention_days", before, days);
        if !changes.is_empty() {
            let mut connection = self.db.pool().acquire().await?;
            audit::record(
                &mut connection,
                &principal.actor(),
                self.clock.now(),
                AuditEntry::new(
                    "telemetry.retention_changed",
                    "telemetry_database",
                    database,
                )
                .subject(tenant)
                .changes(changes),
            )
            .await?;
        }
        Ok(())
    }

    /// The device a token belongs to, if the token is valid and the device enabled; records
    /// that the device was seen.
    pub async fn authenticate(&self, token: &str) -> Result<Option<DeviceIdentity>> {
        if !token.starts_with(DEVICE_TOKEN_PREFIX) {
            return Ok(None);
        }
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            organization_id: i64,
            name: String,
            database_name: String,
            table_name: String,
            telemetry: String,
            #[sqlx(try_from = "zhizao_db::Flag")]
            disabled: bool,
            #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
            last_seen_at: Option<Timestamp>,
        }
        let row: Option<Row> = sqlx::query_as(
            "SELECT d.id, d.organization_id, d.name, d.database_name, p.table_name, p.telemetry, d.disabled, d.last_seen_at \
             FROM devices d JOIN device_profiles p ON p.id = d.profile_id WHERE d.token_hash = $1",
        )
        .bind(hash_secret(token))
        .fetch_optional(self.db.pool())
        .await?;
        let Some(row) = row.filter(|r| !r.disabled) else {
            return Ok(None);
        };
        let now = self.clock.now().as_millis();
        if row
            .last_seen_at
            .is_none_or(|seen| now - seen.as_millis() >= TOUCH_INTERVAL_MS)
        {
            sqlx::query("UPDATE devices SET last_seen_at = $1 WHERE id = $2")
                .bind(now)
                .bind(row.id)
                .execute(self.db.pool())
                .await?;
        }
        Ok(Some(DeviceIdentity {
            device_id: row.id,
            tenant: row.organization_id,
            name: row.name,
            database: row.database_name,
            table: row.table_name,
            field_types: declared_types(&row.telemetry),
        }))
    }

    /// Whether `token` is the current token of device `device_id` and the device is enabled:
    /// a transport that remembers a device's token checks it before sending the device a
    /// command, so a rotated or disabled token receives nothing. Unlike `authenticate`, this
    /// does not record the device as seen.
    pub async fn token_is_current(&self, device_id: i64, token: &str) -> Result<bool> {
        if !token.starts_with(DEVICE_TOKEN_PREFIX) {
            return Ok(false);
        }
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM devices WHERE id = $1 AND token_hash = $2 AND disabled = 0",
        )
        .bind(device_id)
        .bind(hash_secret(token))
        .fetch_optional(self.db.pool())
        .await?;
        Ok(row.is_some())
    }

    /// Stores attributes a device reports about itself (ThingsBoard's client-side attributes).
    pub async fn set_client_attributes(
        &self,
        device: &DeviceIdentity,
        attributes: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<()> {
        if let Some(name) = attributes
            .keys()
            .find(|k| k.is_empty() || k.chars().count() > 200)
        {
            return Err(Error::invalid(
                format!("attributes.{name}"),
                Text::new(
                    "属性名称须为 1–200 个字符",
                    "an attribute name must have 1 to 200 characters",
                ),
            ));
        }
        let now = self.clock.now().as_millis();
        let mut transaction = self.db.begin().await?;
        for (name, value) in attributes {
            sqlx::query(
                "INSERT INTO device_attributes (device_id, scope, name, value, updated_at) VALUES ($1, 'client', $2, $3, $4) \
                 ON CONFLICT (device_id, scope, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            )
            .bind(device.device_id)
            .bind(name)
            .bind(value.to_string())
            .bind(now)
            .execute(&mut *transaction)
            .await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    /// A device's attributes in one scope (`client`, `server` or `shared`), optionally only
    /// the named ones.
    pub async fn attributes(
        &self,
        device_id: i64,
        scope: &'static str,
        names: Option<&[String]>,
    ) -> Result<serde_json::Map<String, serde_json::Value>> {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT name, value FROM device_attributes WHERE device_id = $1 AND scope = $2 ORDER BY name")
            .bind(device_id)
            .bind(scope)
            .fetch_all(self.db.pool())
            .await?;
        Ok(rows
            .into_iter()
            .filter(|(name, _)| names.is_none_or(|wanted| wanted.iter().any(|w| w == name)))
            .map(|(name, value)| {
                (
                    name,
                    serde_json::from_str(&value).unwrap_or(serde_json::Value::Null),
                )
            })
            .collect())
    }
}
