//! Organisations: the tenants of the platform.

use serde::Serialize;
use sqlx::AnyConnection;
use zhizao_core::{OrgCode, OrgKind, Page, PageRequest, Text, Timestamp, TownCode};
use zhizao_db::{SqlBuilder, allocate_ids, fetch_page, like_contains, unique_violation};

use crate::audit::{self, AuditEntry, Changes};
use crate::{Actor, Error, Identity, Principal, Result, policy};

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Organization {
    /// Internal id.
    pub id: i64,
    /// The public code: `city`, a township code, a credit code or a slug.
    pub code: String,
    /// What kind of organisation it is.
    #[sqlx(try_from = "String")]
    pub kind: OrgKind,
    /// The organisation's name.
    pub name: String,
    /// For towns and enterprises: the township code.
    pub town_code: Option<String>,
    /// For platforms: the service sector, e.g. smart manufacturing or testing.
    pub sector: Option<String>,
    /// What the organisation does.
    pub description: String,
    /// Created.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub created_at: Timestamp,
    /// Last changed.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub updated_at: Timestamp,
    /// Optimistic-locking version, incremented by every change.
    pub version: i64,
    /// Users belonging to the organisation.
    pub user_count: i64,
}

/// A new organisation, as submitted.
#[derive(Debug, Clone, Default)]
pub struct NewOrganization {
    /// `city`, a township code (towns), or a slug (platforms, expert panels).
    pub code: String,
    /// The kind, by name.
    pub kind: String,
    /// The name.
    pub name: String,
    /// The township code, required for towns.
    pub town_code: Option<String>,
    /// The sector, for platforms.
    pub sector: Option<String>,
    /// Description.
    pub description: String,
}

/// Changes to an organisation; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct OrganizationUpdate {
    /// New name.
    pub name: Option<String>,
    /// New sector (platforms).
    pub sector: Option<Option<String>>,
    /// New description.
    pub description: Option<String>,
}

/// Which organisations to list.
#[derive(Debug, Clone, Default)]
pub struct OrganizationFilter {
    /// Only this kind.
    pub kind: Option<OrgKind>,
    /// Name or code containing this text.
    pub search: Option<String>,
}

pub(crate) const ORGANIZATION_COLUMNS: &str = "SELECT o.id, o.code, o.kind, o.name, o.town_code, o.sector, o.description, \
     o.created_at, o.updated_at, o.version, (SELECT COUNT(*) FROM users u WHERE u.organization_id = o.id) AS user_count \
     FROM organizations o";

fn validate_name(name: &str, field: &'static str, errors: &mut Vec<zhizao_core::FieldError>) {
    let length = name.trim().chars().count();
    if length == 0 || length > 200 {
        errors.push(zhizao_core::FieldError::new(
            field,
            Text::new(
                "名称须为 1–200 个字符",
                "the name must have 1 to 200 characters",
            ),
        ));
    }
}

/// Creates an organisation without a permission check (for the command line and the demo
/// loader; pages and the API go through [`Identity::create_organization`]). Enterprises are
/// created by the registry, which calls this with `kind = enterprise` and its credit code.
pub async fn create_organization_in(
    connection: &mut AnyConnection,
    actor: &Actor,
    now: Timestamp,
    new: &NewOrganization,
) -> Result<Organization> {
    let mut errors = Vec::new();
    let kind = match new.kind.parse::<OrgKind>() {
        Ok(kind) => Some(kind),
        Err(error) => {
            errors.push(zhizao_core::FieldError::new("kind", error.text()));
            None
        }
    };
    let code = match OrgCode::parse(&new.code) {
        Ok(code) => Some(code),
        Err(message) => {
            errors.push(zhizao_core::FieldError::new("code", message));
            None
        }
    };
    validate_name(&new.name, "name", &mut errors);
    let town_code = match (
        &kind,
        new.town_code
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty()),
    ) {
        (Some(OrgKind::Town), None) => {
            errors.push(zhizao_core::FieldError::new(
                "town_code",
                Text::new("镇街机构须指定镇街", "a town office needs its town"),
            ));
            None
        }
        (_, Some(town)) => match TownCode::parse(town) {
            Ok(town) => Some(town),
            Err(message) => {
                errors.push(zhizao_core::FieldError::new("town_code", message));
                None
            }
        },
        (_, None) => None,
    };
    if let (Some(OrgKind::Town), Some(code), Some(town)) = (&kind, &code, &town_code)
        && code.as_str() != town.as_str()
    {
        errors.push(zhizao_core::FieldError::new(
            "code",
            Text::new(
                "镇街机构的代码须为其乡级区划代码",
                "a town office's code must be its township code",
            ),
        ));
    }
    if let Some(town) = &town_code {
        let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM towns WHERE code = $1")
            .bind(town.as_str())
            .fetch_one(&mut *connection)
            .await?;
        if known == 0 {
            errors.push(zhizao_core::FieldError::new(
                "town_code",
                Text::owned(
                    format!("未知的镇街代码“{town}”"),
                    format!("unknown town code {town:?}"),
                ),
            ));
        }
    }
    if new.sector.as_ref().is_some_and(|s| s.chars().count() > 100)
        || new.description.chars().count() > 2000
    {
        errors.push(zhizao_core::FieldError::new(
            "description",
            Text::new("内容过长", "too long"),
        ));
    }
    let (Some(kind), Some(code), true) = (kind, code, errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let id = allocate_ids(connection, "organizations", 1).await?;
    let sector = new
        .sector
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let inserted = sqlx::query(
        "INSERT INTO organizations (id, code, kind, name, town_code, sector, description, created_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 1)",
    )
    .bind(id)
    .bind(code.as_str())
    .bind(kind.as_str())
    .bind(new.name.trim())
    .bind(town_code.as_ref().map(|t| t.as_str().to_owned()))
    .bind(sector.map(str::to_owned))
    .bind(new.description.trim())
    .bind(now.as_millis())
    .execute(&mut *connection)
    .await;
    if let Err(error) = inserted {
        if unique_violation(&error).as_deref() == Some("organizations_code_key") {
            return Err(Error::Duplicate {
                field: "code",
                value: code.as_str().to_owned(),
            });
        }
        return Err(error.into());
    }
    let mut changes = Changes::new();
    changes
        .created("code", code.as_str())
        .created("kind", kind.as_str())
        .created("name", new.name.trim())
        .created("town_code", town_code.as_ref().map(|t| t.as_str()))
        .created("sector", sector);
    audit::record(
        connection,
        actor,
        now,
        AuditEntry::new("organization.created", "organization", code.as_str())
            .subject(id)
            .changes(changes),
    )
    .await?;
    fetch_by_code(connection, code.as_str())
        .await?
        .ok_or_else(|| Error::NotFound {
            what: "organisation",
            key: code.to_string(),
        })
}

pub(crate) async fn fetch_by_code(
    connection: &mut AnyConnection,
    code: &str,
) -> Result<Option<Organization>> {
    let mut select = SqlBuilder::new(ORGANIZATION_COLUMNS);
    select.push(" WHERE o.code = ").push_bind(code);
    Ok(select
        .query_as::<Organization>()
        .fetch_optional(&mut *connection)
        .await?)
}

impl Identity {
    /// Creates an organisation other than an enterprise (enterprises are registered in the
    /// registry). City administrators only.
    pub async fn create_organization(
        &self,
        principal: &Principal,
        new: &NewOrganization,
    ) -> Result<Organization> {
        if !policy::may_administer(principal) {
            return Err(Error::Forbidden(
                "only city administrators may create organisations",
            ));
        }
        if new.kind == OrgKind::Enterprise.as_str() {
            return Err(Error::invalid(
                "kind",
                Text::new(
                    "企业请在企业名录中登记",
                    "register enterprises in the enterprise registry",
                ),
            ));
        }
        let mut transaction = self.db.begin().await?;
        let organization =
            create_organization_in(&mut transaction, &principal.actor(), self.clock.now(), new)
                .await?;
        transaction.commit().await?;
        Ok(organization)
    }

    /// Lists the organisations `principal` can see: all for city staff, their own otherwise.
    pub async fn list_organizations(
        &self,
        principal: &Principal,
        filter: &OrganizationFilter,
        page: PageRequest,
    ) -> Result<Page<Organization>> {
        let mut conditions = SqlBuilder::new(" WHERE 1 = 1");
        if !policy::sees_all_organizations(principal) {
            conditions
                .push(" AND o.id = ")
                .push_bind(principal.organization_id);
        }
        if let Some(kind) = filter.kind {
            conditions.push(" AND o.kind = ").push_bind(kind.as_str());
        }
        if let Some(search) = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let pattern = like_contains(search);
            conditions
                .push(" AND (o.name LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR o.code LIKE ")
                .push_bind(pattern)
                .push(" ESCAPE '\\')");
        }
        Ok(fetch_page(
            self.db.pool(),
            ORGANIZATION_COLUMNS,
            "SELECT COUNT(*) FROM organizations o",
            &conditions,
            " ORDER BY CASE o.kind WHEN 'city' THEN 0 WHEN 'town' THEN 1 WHEN 'platform' THEN 2 \
             WHEN 'expert_panel' THEN 3 ELSE 4 END, o.code",
            page,
        )
        .await?)
    }

    /// One organisation, if `principal` may see it; otherwise not found.
    pub async fn organization(&self, principal: &Principal, code: &str) -> Result<Organization> {
        let mut connection = self.db.pool().acquire().await?;
        match fetch_by_code(&mut connection, code).await? {
            Some(organization) if policy::may_see_organization(principal, organization.id) => {
                Ok(organization)
            }
            _ => Err(Error::NotFound {
                what: "organisation",
                key: code.to_owned(),
            }),
        }
    }

    /// Changes an organisation's name, sector or description. City administrators only; the
    /// change applies only if the organisation is still at `expected_version`.
    pub async fn update_organization(
        &self,
        principal: &Principal,
        code: &str,
        update: &OrganizationUpdate,
        expected_version: Option<i64>,
    ) -> Result<Organization> {
        let mut transaction = self.db.begin().await?;
        let current = match fetch_by_code(&mut transaction, code).await? {
            Some(organization) if policy::may_see_organization(principal, organization.id) => {
                organization
            }
            _ => {
                return Err(Error::NotFound {
                    what: "organisation",
                    key: code.to_owned(),
                });
            }
        };
        if !policy::may_administer(principal) {
            return Err(Error::Forbidden(
                "only city administrators may change organisations",
            ));
        }
        if let Some(expected) = expected_version
            && expected != current.version
        {
            return Err(Error::StaleVersion {
                what: "organisation",
                current: current.version,
            });
        }
        let mut errors = Vec::new();
        if let Some(name) = &update.name {
            validate_name(name, "name", &mut errors);
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let name = update
            .name
            .as_deref()
            .map(str::trim)
            .unwrap_or(&current.name)
            .to_owned();
        let sector = match &update.sector {
            Some(sector) => sector
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            None => current.sector.clone(),
        };
        let description = update
            .description
            .as_deref()
            .map(str::trim)
            .unwrap_or(&current.description)
            .to_owned();
        let mut changes = Changes::new();
        changes
            .field("name", &current.name, &name)
            .field("sector", &current.sector, &sector)
            .field("description", &current.description, &description);
        if changes.is_empty() {
            return Ok(current);
        }
        let now = self.clock.now();
        sqlx::query(
            "UPDATE organizations SET name = $1, sector = $2, description = $3, updated_at = $4, version = version + 1 \
             WHERE id = $5 AND version = $6",
        )
        .bind(&name)
        .bind(sector)
        .bind(&description)
        .bind(now.as_millis())
        .bind(current.id)
        .bind(current.version)
        .execute(&mut *transaction)
        .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("organization.updated", "organization", code)
                .subject(current.id)
                .changes(changes),
        )
        .await?;
        let updated = fetch_by_code(&mut transaction, code)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "organisation",
                key: code.to_owned(),
            })?;
        transaction.commit().await?;
        Ok(updated)
    }
}
