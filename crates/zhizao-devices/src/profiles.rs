//! Device profiles: what a kind of product or machine reports, keeps and accepts.

use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use zhizao_core::{FieldError, Page, PageRequest, Text, Timestamp};
use zhizao_db::{SqlBuilder, allocate_ids, fetch_page, unique_violation};
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::{Actor, Principal, policy};
use zhizao_telemetry::names::{TIME_COLUMN, check_identifier};
use zhizao_telemetry::schema::FieldType;

use crate::{Devices, Error, Result};

/// A telemetry field a profile's devices report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetrySpec {
    /// The field (column) name.
    pub name: String,
    /// `float`, `integer`, `unsigned`, `string` or `boolean`.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// The unit, e.g. `°C`, `rpm`, `kWh`.
    #[serde(default)]
    pub unit: String,
    /// What people call it, e.g. `主轴转速`.
    #[serde(default)]
    pub label: String,
}

/// An attribute a profile's devices have (firmware version, location, set points…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeSpec {
    /// The attribute's name.
    pub name: String,
    /// What people call it.
    #[serde(default)]
    pub label: String,
}

/// A command a profile's devices accept (a ThingsBoard RPC method).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSpec {
    /// The RPC method, e.g. `setSpeed`.
    pub name: String,
    /// What people call it.
    #[serde(default)]
    pub label: String,
    /// The names of its parameters.
    #[serde(default)]
    pub params: Vec<String>,
}

/// A device profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// Internal id.
    pub id: i64,
    /// Unique within the enterprise.
    pub name: String,
    /// What it is.
    pub description: String,
    /// The telemetry table its devices' points go to.
    pub table_name: String,
    /// Telemetry fields.
    pub telemetry: Vec<TelemetrySpec>,
    /// Attributes.
    pub attributes: Vec<AttributeSpec>,
    /// Commands.
    pub commands: Vec<CommandSpec>,
    /// Devices of this profile.
    pub device_count: i64,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
    /// Optimistic-locking version.
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    id: i64,
    name: String,
    description: String,
    table_name: String,
    telemetry: String,
    attributes: String,
    commands: String,
    device_count: i64,
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    created_at: Timestamp,
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    updated_at: Timestamp,
    version: i64,
}

impl From<ProfileRow> for Profile {
    fn from(row: ProfileRow) -> Self {
        Profile {
            id: row.id,
            name: row.name,
            description: row.description,
            table_name: row.table_name,
            telemetry: serde_json::from_str(&row.telemetry).unwrap_or_default(),
            attributes: serde_json::from_str(&row.attributes).unwrap_or_default(),
            commands: serde_json::from_str(&row.commands).unwrap_or_default(),
            device_count: row.device_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}

/// A profile as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileInput {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The telemetry table; derived from the name when empty.
    pub table_name: String,
    /// Telemetry fields.
    pub telemetry: Vec<TelemetrySpec>,
    /// Attributes.
    pub attributes: Vec<AttributeSpec>,
    /// Commands.
    pub commands: Vec<CommandSpec>,
}

const PROFILE_COLUMNS: &str = "SELECT p.id, p.name, p.description, p.table_name, p.telemetry, p.attributes, p.commands, \
     (SELECT COUNT(*) FROM devices d WHERE d.profile_id = p.id) AS device_count, p.created_at, p.updated_at, p.version \
     FROM device_profiles p";

fn check_name_list<'a>(
    field: &str,
    names: impl Iterator<Item = &'a str>,
    reserved: &[&str],
    errors: &mut Vec<FieldError>,
) {
    let mut seen = std::collections::HashSet::new();
    for (index, name) in names.enumerate() {
        let at = format!("{field}[{index}].name");
        if check_identifier("field", name).is_err() || name.starts_with('_') {
            errors.push(FieldError::new(
                at,
                Text::new(
                    "名称须为 1–200 个字符，且不以“_”开头",
                    "use 1 to 200 characters, not starting with '_'",
                ),
            ));
        } else if reserved.contains(&name) {
            errors.push(FieldError::new(
                at,
                Text::owned(
                    format!("“{name}”是保留名称"),
                    format!("{name:?} is reserved"),
                ),
            ));
        } else if !seen.insert(name) {
            errors.push(FieldError::new(
                at,
                Text::owned(format!("“{name}”重复"), format!("{name:?} appears twice")),
            ));
        }
    }
}

/// The profile `name` of `tenant`, or `NotFound`.
pub(crate) async fn require_profile(
    connection: &mut AnyConnection,
    tenant: i64,
    name: &str,
) -> Result<Profile> {
    fetch_profile(connection, tenant, name)
        .await?
        .ok_or_else(|| Error::NotFound {
            what: "device profile",
            key: name.to_owned(),
        })
}

/// Checks a profile; returns the table name to use.
fn validate(input: &ProfileInput) -> Result<String> {
    let mut errors = Vec::new();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new(
            "name",
            Text::new(
                "名称须为 1–100 个字符",
                "the name must have 1 to 100 characters",
            ),
        ));
    }
    if input.description.chars().count() > 2000 {
        errors.push(FieldError::new(
            "description",
            Text::new("简介过长", "the description is too long"),
        ));
    }
    let table = if input.table_name.trim().is_empty() {
        name.to_owned()
    } else {
        input.table_name.trim().to_owned()
    };
    if check_identifier("table", &table).is_err() || table.starts_with('_') {
        errors.push(FieldError::new(
            "table_name",
            Text::new(
                "表名须为 1–200 个字符，且不以“_”开头",
                "the table name must have 1 to 200 characters, not starting with '_'",
            ),
        ));
    }
    check_name_list(
        "telemetry",
        input.telemetry.iter().map(|t| t.name.as_str()),
        &[TIME_COLUMN, "device"],
        &mut errors,
    );
    check_name_list(
        "attributes",
        input.attributes.iter().map(|a| a.name.as_str()),
        &[],
        &mut errors,
    );
    check_name_list(
        "commands",
        input.commands.iter().map(|c| c.name.as_str()),
        &[],
        &mut errors,
    );
    if errors.is_empty() {
        Ok(table)
    } else {
        Err(Error::Invalid(errors))
    }
}

pub(crate) async fn fetch_profile(
    connection: &mut AnyConnection,
    tenant: i64,
    name: &str,
) -> Result<Option<Profile>> {
    let mut select = SqlBuilder::new(PROFILE_COLUMNS);
    select
        .push(" WHERE p.organization_id = ")
        .push_bind(tenant)
        .push(" AND p.name = ")
        .push_bind(name);
    Ok(select
        .query_as::<ProfileRow>()
        .fetch_optional(&mut *connection)
        .await?
        .map(Profile::from))
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned())
}

/// The caller's enterprise, for lists and creation: other roles have no devices (403).
pub(crate) fn tenant_of(principal: &Principal) -> Result<i64> {
    policy::telemetry_tenant(principal).ok_or(Error::Forbidden)
}

/// The caller's enterprise, for one named profile or device: to anyone else it does not exist
/// (404), so existence does not leak.
pub(crate) fn named_tenant(principal: &Principal, what: &'static str, name: &str) -> Result<i64> {
    policy::telemetry_tenant(principal).ok_or_else(|| Error::NotFound {
        what,
        key: name.to_owned(),
    })
}

impl Devices {
    /// The caller's enterprise's profiles, by name.
    pub async fn list_profiles(
        &self,
        principal: &Principal,
        page: PageRequest,
    ) -> Result<Page<Profile>> {
        let tenant = tenant_of(principal)?;
        let mut conditions = SqlBuilder::new(" WHERE p.organization_id = ");
        conditions.push_bind(tenant);
        let page = fetch_page::<ProfileRow>(
            self.db.pool(),
            PROFILE_COLUMNS,
            "SELECT COUNT(*) FROM device_profiles p",
            &conditions,
            " ORDER BY p.name",
            page,
        )
        .await?;
        Ok(page.map(Profile::from))
    }

    /// One profile of the caller's enterprise.
    pub async fn profile(&self, principal: &Principal, name: &str) -> Result<Profile> {
        let tenant = named_tenant(principal, "device profile", name)?;
        let mut connection = self.db.pool().acquire().await?;
        require_profile(&mut connection, tenant, name).await
    }

    /// Creates a profile in the caller's enterprise.
    pub async fn create_profile(
        &self,
        principal: &Principal,
        input: &ProfileInput,
    ) -> Result<Profile> {
        let tenant = tenant_of(principal)?;
        self.create_profile_as(&principal.actor(), tenant, input)
            .await
    }

    /// Creates a profile in `tenant` on behalf of `actor` (the demo data, imports run by the
    /// system); the caller has decided that `actor` may.
    pub async fn create_profile_as(
        &self,
        actor: &Actor,
        tenant: i64,
        input: &ProfileInput,
    ) -> Result<Profile> {
        let table = validate(input)?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let id = allocate_ids(&mut transaction, "device_profiles", 1).await?;
        let inserted = sqlx::query(
            "INSERT INTO device_profiles (id, organization_id, name, description, table_name, telemetry, attributes, commands, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1)",
        )
        .bind(id)
        .bind(tenant)
        .bind(input.name.trim())
        .bind(input.description.trim())
        .bind(&table)
        .bind(json(&input.telemetry))
        .bind(json(&input.attributes))
        .bind(json(&input.commands))
        .bind(now.as_millis())
        .execute(&mut *transaction)
        .await;
        if let Err(error) = inserted {
            if unique_violation(&error).as_deref()
                == Some("device_profiles_organization_id_name_key")
            {
                return Err(Error::Duplicate {
                    what: "device profile",
                    name: input.name.trim().to_owned(),
                });
            }
            return Err(error.into());
        }
        let mut changes = Changes::new();
        changes
            .created("table_name", &table)
            .created("telemetry", &input.telemetry);
        audit::record(
            &mut transaction,
            actor,
            now,
            AuditEntry::new(
                "device_profile.created",
                "device_profile",
                input.name.trim(),
            )
            .subject(tenant)
            .changes(changes),
        )
        .await?;
        let profile = require_profile(&mut transaction, tenant, input.name.trim()).await?;
        transaction.commit().await?;
        Ok(profile)
    }

    /// Replaces a profile's definition (its name stays); applies only at `expected_version`.
    pub async fn update_profile(
        &self,
        principal: &Principal,
        name: &str,
        input: &ProfileInput,
        expected_version: Option<i64>,
    ) -> Result<Profile> {
        let tenant = named_tenant(principal, "device profile", name)?;
        let mut transaction = self.db.begin().await?;
        let current = require_profile(&mut transaction, tenant, name).await?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(Error::StaleVersion {
                what: "device profile",
                current: current.version,
            });
        }
        let input = ProfileInput {
            name: current.name.clone(),
            ..input.clone()
        };
        let table = validate(&input)?;
        let now = self.clock.now();
        let mut changes = Changes::new();
        changes
            .field(
                "description",
                &current.description,
                input.description.trim(),
            )
            .field("table_name", &current.table_name, &table)
            .field("telemetry", &current.telemetry, &input.telemetry)
            .field("attributes", &current.attributes, &input.attributes)
            .field("commands", &current.commands, &input.commands);
        if changes.is_empty() {
            return Ok(current);
        }
        sqlx::query(
            "UPDATE device_profiles SET description = $1, table_name = $2, telemetry = $3, attributes = $4, commands = $5, \
             updated_at = $6, version = version + 1 WHERE id = $7",
        )
        .bind(input.description.trim())
        .bind(&table)
        .bind(json(&input.telemetry))
        .bind(json(&input.attributes))
        .bind(json(&input.commands))
        .bind(now.as_millis())
        .bind(current.id)
        .execute(&mut *transaction)
        .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("device_profile.updated", "device_profile", name)
                .subject(tenant)
                .changes(changes),
        )
        .await?;
        let updated = require_profile(&mut transaction, tenant, name).await?;
        transaction.commit().await?;
        Ok(updated)
    }

    /// Deletes a profile that no device uses.
    pub async fn delete_profile(&self, principal: &Principal, name: &str) -> Result<()> {
        let tenant = named_tenant(principal, "device profile", name)?;
        let mut transaction = self.db.begin().await?;
        let current = require_profile(&mut transaction, tenant, name).await?;
        if current.device_count > 0 {
            return Err(Error::InUse {
                name: name.to_owned(),
                devices: current.device_count,
            });
        }
        sqlx::query("DELETE FROM device_profiles WHERE id = $1")
            .bind(current.id)
            .execute(&mut *transaction)
            .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            self.clock.now(),
            AuditEntry::new("device_profile.deleted", "device_profile", name).subject(tenant),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zhizao_core::Classified;

    #[test]
    fn profiles_are_validated_field_by_field() {
        let input = ProfileInput {
            name: "CNC 加工中心".into(),
            telemetry: vec![
                TelemetrySpec {
                    name: "spindle_rpm".into(),
                    field_type: FieldType::Integer,
                    unit: "rpm".into(),
                    label: "主轴转速".into(),
                },
                TelemetrySpec {
                    name: "time".into(),
                    field_type: FieldType::Float,
                    unit: String::new(),
                    label: String::new(),
                },
                TelemetrySpec {
                    name: "spindle_rpm".into(),
                    field_type: FieldType::Float,
                    unit: String::new(),
                    label: String::new(),
                },
            ],
            commands: vec![CommandSpec {
                name: "_hidden".into(),
                label: String::new(),
                params: vec![],
            }],
            ..ProfileInput::default()
        };
        let error = validate(&input).unwrap_err();
        let fields: Vec<String> = error.field_errors().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["telemetry[1].name", "telemetry[2].name", "commands[0].name"]
        );
        let ok = ProfileInput {
            telemetry: input.telemetry[..1].to_vec(),
            commands: vec![],
            ..input
        };
        assert_eq!(
            validate(&ok).unwrap(),
            "CNC 加工中心",
            "the table is named after the profile by default"
        );
    }
}
