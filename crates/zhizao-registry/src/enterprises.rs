//! Enterprises: listing with search and filters, lookup, registration, edits, deletion, history.

use sqlx::{AnyConnection, Connection};
use zhizao_core::{Fen, OrgKind, Page, PageRequest, Text, Timestamp};
use zhizao_db::{Flag, SqlBuilder, allocate_ids, fetch_page, like_contains, unique_violation};
use zhizao_identity::audit::{self, AuditEntry, AuditFilter, AuditRecord, Changes};
use zhizao_identity::policy::{self, EnterpriseEditRights, EnterpriseScope};
use zhizao_identity::{Actor, NewOrganization, Principal, create_organization_in};

use crate::model::{Enterprise, EnterpriseInput, Recognition, RecognitionKind, RecognitionLevel};
use crate::scope::{restrict_to, town_in_scope};
use crate::validate::{EnterpriseRecord, References, validate_new, validate_update};
use crate::{Error, Registry, Result};

/// How to order a list of enterprises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EnterpriseSort {
    /// By name (code-point order).
    #[default]
    Name,
    /// By credit code.
    CreditCode,
    /// Largest revenue first.
    RevenueDescending,
    /// Most employees first.
    EmployeesDescending,
    /// Most recently changed first.
    RecentlyUpdated,
}

impl EnterpriseSort {
    /// The sort named in a query string (`name`, `credit_code`, `-revenue`, `-employees`,
    /// `-updated`).
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "name" => Some(EnterpriseSort::Name),
            "credit_code" => Some(EnterpriseSort::CreditCode),
            "-revenue" => Some(EnterpriseSort::RevenueDescending),
            "-employees" => Some(EnterpriseSort::EmployeesDescending),
            "-updated" => Some(EnterpriseSort::RecentlyUpdated),
            _ => None,
        }
    }

    /// The name [`EnterpriseSort::parse`] accepts.
    pub fn as_str(self) -> &'static str {
        match self {
            EnterpriseSort::Name => "name",
            EnterpriseSort::CreditCode => "credit_code",
            EnterpriseSort::RevenueDescending => "-revenue",
            EnterpriseSort::EmployeesDescending => "-employees",
            EnterpriseSort::RecentlyUpdated => "-updated",
        }
    }

    fn order_by(self) -> &'static str {
        match self {
            EnterpriseSort::Name => " ORDER BY e.name, e.credit_code",
            EnterpriseSort::CreditCode => " ORDER BY e.credit_code",
            EnterpriseSort::RevenueDescending => {
                " ORDER BY COALESCE(e.annual_revenue_fen, -1) DESC, e.credit_code"
            }
            EnterpriseSort::EmployeesDescending => {
                " ORDER BY COALESCE(e.employees, -1) DESC, e.credit_code"
            }
            EnterpriseSort::RecentlyUpdated => " ORDER BY e.updated_at DESC, e.credit_code",
        }
    }
}

/// Above or below the designated size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeFilter {
    /// 规上: annual main revenue of at least 20 M yuan.
    AboveDesignated,
    /// 规下.
    BelowDesignated,
}

/// Which enterprises to list; every criterion is optional and they combine with AND.
#[derive(Debug, Clone, Default)]
pub struct EnterpriseFilter {
    /// Part of the name (any characters, no pinyin needed) or of the credit code.
    pub search: Option<String>,
    /// Township code; enterprises of towns merged into it are included.
    pub town: Option<String>,
    /// Industry division, group or class code (a prefix of the class).
    pub industry: Option<String>,
    /// Size.
    pub size: Option<SizeFilter>,
    /// Has a recognition of this kind.
    pub recognition_kind: Option<RecognitionKind>,
    /// Has a recognition of this level (with the kind above, if given).
    pub recognition_level: Option<RecognitionLevel>,
    /// Order.
    pub sort: EnterpriseSort,
}

const ENTERPRISE_COLUMNS: &str = "SELECT e.id, e.credit_code, e.name, e.legal_representative, e.town_code, \
     t.name_zh AS town_name_zh, t.name_en AS town_name_en, e.industry_code, i.name_zh AS industry_name_zh, \
     e.above_designated_size, e.employees, e.annual_revenue_fen, e.address, e.contact_name, e.contact_phone, \
     e.contact_email, e.established_on, e.created_at, e.updated_at, e.version \
     FROM enterprises e JOIN towns t ON t.code = e.town_code JOIN industries i ON i.code = e.industry_code";

const ENTERPRISE_COUNT: &str = "SELECT COUNT(*) FROM enterprises e";

fn filter_conditions(scope: &EnterpriseScope, filter: &EnterpriseFilter) -> SqlBuilder {
    let mut conditions = SqlBuilder::new(" WHERE 1 = 1");
    restrict_to(scope, &mut conditions);
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        conditions
            .push(" AND (e.name LIKE ")
            .push_bind(like_contains(search))
            .push(" ESCAPE '\\' OR e.credit_code LIKE ")
            .push_bind(like_contains(&search.to_ascii_uppercase()))
            .push(" ESCAPE '\\')");
    }
    if let Some(town) = filter.town.as_deref().filter(|t| !t.is_empty()) {
        restrict_to(&EnterpriseScope::Town(town.to_owned()), &mut conditions);
    }
    if let Some(industry) = filter
        .industry
        .as_deref()
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        let prefix = industry.trim_start_matches(['C', 'c']);
        conditions
            .push(" AND e.industry_code LIKE ")
            .push_bind(format!("{}%", prefix.replace(['%', '_', '\\'], "")))
            .push(" ESCAPE '\\'");
    }
    match filter.size {
        Some(SizeFilter::AboveDesignated) => {
            conditions.push(" AND e.above_designated_size = 1");
        }
        Some(SizeFilter::BelowDesignated) => {
            conditions.push(" AND e.above_designated_size = 0");
        }
        None => {}
    }
    if filter.recognition_kind.is_some() || filter.recognition_level.is_some() {
        conditions.push(" AND EXISTS (SELECT 1 FROM recognitions r WHERE r.enterprise_id = e.id");
        if let Some(kind) = filter.recognition_kind {
            conditions.push(" AND r.kind = ").push_bind(kind.as_str());
        }
        if let Some(level) = filter.recognition_level {
            conditions.push(" AND r.level = ").push_bind(level.as_str());
        }
        conditions.push(")");
    }
    conditions
}

async fn attach_recognitions(
    connection: &mut AnyConnection,
    enterprises: &mut [Enterprise],
) -> Result<()> {
    // One query per page, not per row; the page is at most PageRequest::MAX_PAGE_SIZE long.
    if enterprises.is_empty() {
        return Ok(());
    }
    let mut select = SqlBuilder::new(
        "SELECT id, enterprise_id, kind, level, year, title FROM recognitions WHERE enterprise_id IN (",
    );
    for (index, enterprise) in enterprises.iter().enumerate() {
        if index > 0 {
            select.push(", ");
        }
        select.push_bind(enterprise.id);
    }
    select.push(") ORDER BY year DESC, level, kind");
    let recognitions: Vec<Recognition> = select.query_as().fetch_all(&mut *connection).await?;
    for enterprise in enterprises.iter_mut() {
        enterprise.recognitions = recognitions
            .iter()
            .filter(|r| r.enterprise_id == enterprise.id)
            .cloned()
            .collect();
    }
    Ok(())
}

/// Loads one enterprise by credit code if it is in `scope`.
pub(crate) async fn fetch_in_scope(
    connection: &mut AnyConnection,
    scope: &EnterpriseScope,
    credit_code: &str,
) -> Result<Option<Enterprise>> {
    let mut select = SqlBuilder::new(ENTERPRISE_COLUMNS);
    select
        .push(" WHERE e.credit_code = ")
        .push_bind(credit_code.trim().to_ascii_uppercase());
    restrict_to(scope, &mut select);
    let Some(enterprise) = select
        .query_as::<Enterprise>()
        .fetch_optional(&mut *connection)
        .await?
    else {
        return Ok(None);
    };
    let mut enterprises = [enterprise];
    attach_recognitions(connection, &mut enterprises).await?;
    let [enterprise] = enterprises;
    Ok(Some(enterprise))
}

/// Which right covers a field: names, town, industry and date of establishment are identity;
/// address and contacts are contacts; employees and revenue are figures.
fn field_allowed(field: &str, rights: EnterpriseEditRights) -> bool {
    match field {
        "name" | "legal_representative" | "town_code" | "industry_code" | "established_on" => {
            rights.identity
        }
        "address" | "contact_name" | "contact_phone" | "contact_email" => rights.contacts,
        "employees" | "annual_revenue_fen" => rights.figures,
        "above_designated_size" => rights.size_flag,
        "recognitions" => rights.recognitions,
        _ => false,
    }
}

/// The first field `record` changes that `rights` do not cover, if any.
pub(crate) fn forbidden_field(
    current: &Enterprise,
    record: &EnterpriseRecord,
    rights: EnterpriseEditRights,
) -> Option<String> {
    record_changes(Some(current), record)
        .fields()
        .keys()
        .find(|field| !field_allowed(field, rights))
        .cloned()
}

/// Whether writing `record` would change anything about `current`.
pub(crate) fn would_change(current: &Enterprise, record: &EnterpriseRecord) -> bool {
    !record_changes(Some(current), record).is_empty()
}

fn sorted<T: Ord>(mut values: Vec<T>) -> Vec<T> {
    values.sort();
    values
}

fn record_changes(current: Option<&Enterprise>, record: &EnterpriseRecord) -> Changes {
    let mut changes = Changes::new();
    let before =
        |f: fn(&Enterprise) -> serde_json::Value| current.map(f).unwrap_or(serde_json::Value::Null);
    changes
        .field("name", before(|e| e.name.clone().into()), &record.name)
        .field(
            "legal_representative",
            before(|e| e.legal_representative.clone().into()),
            &record.legal_representative,
        )
        .field(
            "town_code",
            before(|e| e.town_code.clone().into()),
            &record.town_code,
        )
        .field(
            "industry_code",
            before(|e| e.industry_code.clone().into()),
            &record.industry_code,
        )
        .field(
            "above_designated_size",
            before(|e| e.above_designated_size.into()),
            record.above_designated_size,
        )
        .field(
            "employees",
            before(|e| e.employees.into()),
            record.employees,
        )
        .field(
            "annual_revenue_fen",
            before(|e| e.annual_revenue_fen.map(Fen::get).into()),
            record.annual_revenue_fen.map(Fen::get),
        )
        .field(
            "address",
            before(|e| e.address.clone().into()),
            &record.address,
        )
        .field(
            "contact_name",
            before(|e| e.contact_name.clone().into()),
            &record.contact_name,
        )
        .field(
            "contact_phone",
            before(|e| e.contact_phone.clone().into()),
            &record.contact_phone,
        )
        .field(
            "contact_email",
            before(|e| e.contact_email.clone().into()),
            &record.contact_email,
        )
        .field(
            "established_on",
            before(|e| e.established_on.clone().into()),
            &record.established_on,
        );
    // Recognitions are compared as a set of `level/kind/year` (and the title, when there is one).
    let describe = |kind: &str, level: &str, year: i64, title: &str| {
        let title = title.trim();
        if title.is_empty() {
            format!("{level}/{kind}/{year}")
        } else {
            format!("{level}/{kind}/{year} {title}")
        }
    };
    let old: Vec<String> = current
        .map(|e| {
            e.recognitions
                .iter()
                .map(|r| describe(r.kind.as_str(), r.level.as_str(), r.year, &r.title))
                .collect()
        })
        .unwrap_or_default();
    let new: Vec<String> = record
        .recognitions
        .iter()
        .map(|r| describe(&r.kind, &r.level, r.year, &r.title))
        .collect();
    changes.field("recognitions", sorted(old), sorted(new));
    changes
}

/// Inserts a validated enterprise with its organisation and recognitions, and audits it.
pub(crate) async fn insert_enterprise(
    connection: &mut AnyConnection,
    actor: &Actor,
    now: Timestamp,
    record: &EnterpriseRecord,
    action: &'static str,
    note: &str,
) -> Result<i64> {
    let organization = NewOrganization {
        code: record.credit_code.to_string(),
        kind: OrgKind::Enterprise.as_str().to_owned(),
        name: record.name.clone(),
        town_code: Some(record.town_code.clone()),
        ..NewOrganization::default()
    };
    // A savepoint, so that after a duplicate the transaction can still look up who has the code
    // (PostgreSQL aborts a transaction on any failed statement).
    let mut savepoint = connection.begin().await?;
    let organization = match create_organization_in(&mut savepoint, actor, now, &organization).await
    {
        Ok(organization) => organization,
        Err(zhizao_identity::Error::Duplicate { .. }) => {
            savepoint.rollback().await?;
            return Err(duplicate(connection, record.credit_code.as_str()).await);
        }
        Err(error) => return Err(error.into()),
    };
    let inserted = sqlx::query(
        "INSERT INTO enterprises (id, credit_code, name, legal_representative, town_code, industry_code, above_designated_size, \
         employees, annual_revenue_fen, address, contact_name, contact_phone, contact_email, established_on, created_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, 1)",
    )
    .bind(organization.id)
    .bind(record.credit_code.as_str())
    .bind(&record.name)
    .bind(&record.legal_representative)
    .bind(&record.town_code)
    .bind(&record.industry_code)
    .bind(Flag(record.above_designated_size))
    .bind(record.employees)
    .bind(record.annual_revenue_fen.map(Fen::get))
    .bind(&record.address)
    .bind(&record.contact_name)
    .bind(&record.contact_phone)
    .bind(&record.contact_email)
    .bind(record.established_on.clone())
    .bind(now.as_millis())
    .execute(&mut *savepoint)
    .await;
    if let Err(error) = inserted {
        savepoint.rollback().await?;
        if unique_violation(&error).as_deref() == Some("enterprises_credit_code_key") {
            return Err(duplicate(connection, record.credit_code.as_str()).await);
        }
        return Err(error.into());
    }
    savepoint.commit().await?;
    replace_recognitions(connection, organization.id, record, now).await?;
    audit::record(
        connection,
        actor,
        now,
        AuditEntry::new(action, "enterprise", record.credit_code.as_str())
            .subject(organization.id)
            .changes(record_changes(None, record))
            .note(note),
    )
    .await?;
    Ok(organization.id)
}

async fn duplicate(connection: &mut AnyConnection, credit_code: &str) -> Error {
    let existing_name: Option<String> =
        sqlx::query_scalar("SELECT name FROM organizations WHERE code = $1")
            .bind(credit_code)
            .fetch_optional(&mut *connection)
            .await
            .ok()
            .flatten();
    Error::DuplicateCreditCode {
        credit_code: credit_code.to_owned(),
        existing_name: existing_name.unwrap_or_default(),
    }
}

async fn replace_recognitions(
    connection: &mut AnyConnection,
    enterprise_id: i64,
    record: &EnterpriseRecord,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("DELETE FROM recognitions WHERE enterprise_id = $1")
        .bind(enterprise_id)
        .execute(&mut *connection)
        .await?;
    if record.recognitions.is_empty() {
        return Ok(());
    }
    let first_id =
        allocate_ids(connection, "recognitions", record.recognitions.len() as i64).await?;
    for (offset, recognition) in record.recognitions.iter().enumerate() {
        sqlx::query("INSERT INTO recognitions (id, enterprise_id, kind, level, year, title, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(first_id + offset as i64)
            .bind(enterprise_id)
            .bind(&recognition.kind)
            .bind(&recognition.level)
            .bind(recognition.year)
            .bind(recognition.title.trim())
            .bind(now.as_millis())
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

/// Writes a validated change to an existing enterprise and audits it; returns false when
/// nothing changed.
pub(crate) async fn update_enterprise(
    connection: &mut AnyConnection,
    actor: &Actor,
    now: Timestamp,
    current: &Enterprise,
    record: &EnterpriseRecord,
    action: &'static str,
    note: &str,
) -> Result<bool> {
    let changes = record_changes(Some(current), record);
    if changes.is_empty() {
        return Ok(false);
    }
    let updated = sqlx::query(
        "UPDATE enterprises SET name = $1, legal_representative = $2, town_code = $3, industry_code = $4, above_designated_size = $5, \
         employees = $6, annual_revenue_fen = $7, address = $8, contact_name = $9, contact_phone = $10, contact_email = $11, \
         established_on = $12, updated_at = $13, version = version + 1 WHERE id = $14 AND version = $15",
    )
    .bind(&record.name)
    .bind(&record.legal_representative)
    .bind(&record.town_code)
    .bind(&record.industry_code)
    .bind(Flag(record.above_designated_size))
    .bind(record.employees)
    .bind(record.annual_revenue_fen.map(Fen::get))
    .bind(&record.address)
    .bind(&record.contact_name)
    .bind(&record.contact_phone)
    .bind(&record.contact_email)
    .bind(record.established_on.clone())
    .bind(now.as_millis())
    .bind(current.id)
    .bind(current.version)
    .execute(&mut *connection)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(Error::StaleVersion {
            credit_code: current.credit_code.clone(),
            current: current.version + 1,
        });
    }
    sqlx::query("UPDATE organizations SET name = $1, town_code = $2, updated_at = $3, version = version + 1 WHERE id = $4")
        .bind(&record.name)
        .bind(&record.town_code)
        .bind(now.as_millis())
        .bind(current.id)
        .execute(&mut *connection)
        .await?;
    if changes.fields().contains_key("recognitions") {
        replace_recognitions(connection, current.id, record, now).await?;
    }
    audit::record(
        connection,
        actor,
        now,
        AuditEntry::new(action, "enterprise", &current.credit_code)
            .subject(current.id)
            .changes(changes)
            .note(note),
    )
    .await?;
    Ok(true)
}

impl Registry {
    pub(crate) fn today(&self) -> String {
        self.clock.now().to_shanghai_date_string()
    }

    /// Lists the enterprises `principal` can see that match `filter`.
    pub async fn list_enterprises(
        &self,
        principal: &Principal,
        filter: &EnterpriseFilter,
        page: PageRequest,
    ) -> Result<Page<Enterprise>> {
        let conditions = filter_conditions(&policy::enterprise_scope(principal), filter);
        let mut page = fetch_page::<Enterprise>(
            self.db.pool(),
            ENTERPRISE_COLUMNS,
            ENTERPRISE_COUNT,
            &conditions,
            filter.sort.order_by(),
            page,
        )
        .await?;
        let mut connection = self.db.pool().acquire().await?;
        attach_recognitions(&mut connection, &mut page.items).await?;
        Ok(page)
    }

    /// Every enterprise matching `filter` in the principal's scope (for export), up to `limit`.
    pub(crate) async fn all_enterprises(
        &self,
        principal: &Principal,
        filter: &EnterpriseFilter,
        limit: i64,
    ) -> Result<Vec<Enterprise>> {
        let conditions = filter_conditions(&policy::enterprise_scope(principal), filter);
        let mut select = SqlBuilder::new(ENTERPRISE_COLUMNS);
        select
            .push_builder(&conditions)
            .push(filter.sort.order_by())
            .push(" LIMIT ")
            .push_bind(limit);
        let mut connection = self.db.pool().acquire().await?;
        let mut items: Vec<Enterprise> = select.query_as().fetch_all(&mut *connection).await?;
        for chunk in items.chunks_mut(PageRequest::MAX_PAGE_SIZE as usize) {
            attach_recognitions(&mut connection, chunk).await?;
        }
        Ok(items)
    }

    /// One enterprise, if `principal` can see it; otherwise not found.
    pub async fn enterprise(&self, principal: &Principal, credit_code: &str) -> Result<Enterprise> {
        let mut connection = self.db.pool().acquire().await?;
        fetch_in_scope(
            &mut connection,
            &policy::enterprise_scope(principal),
            credit_code,
        )
        .await?
        .ok_or_else(|| Error::NotFound(credit_code.to_owned()))
    }

    /// Registers an enterprise. City staff anywhere, town staff in their own town.
    pub async fn create_enterprise(
        &self,
        principal: &Principal,
        input: &EnterpriseInput,
    ) -> Result<Enterprise> {
        if !policy::may_register_enterprises(principal) {
            return Err(Error::Forbidden("your role may not register enterprises"));
        }
        let mut transaction = self.db.begin().await?;
        let references = References::load(&mut transaction).await?;
        let record = validate_new(input, &references, &self.today()).map_err(Error::Invalid)?;
        let scope = policy::enterprise_scope(principal);
        if !town_in_scope(&scope, &record.town_code, |code| {
            references.successor_of(code)
        }) {
            return Err(Error::invalid(
                "town_code",
                Text::new(
                    "只能登记本镇街的企业",
                    "you may only register enterprises of your own town",
                ),
            ));
        }
        if !policy::enterprise_edit_rights(principal).recognitions
            && !record.recognitions.is_empty()
        {
            return Err(Error::invalid(
                "recognitions",
                Text::new(
                    "认定信息由市级部门维护",
                    "recognitions are maintained by the city",
                ),
            ));
        }
        insert_enterprise(
            &mut transaction,
            &principal.actor(),
            self.clock.now(),
            &record,
            "enterprise.created",
            "",
        )
        .await?;
        let created = fetch_in_scope(
            &mut transaction,
            &EnterpriseScope::All,
            record.credit_code.as_str(),
        )
        .await?
        .ok_or_else(|| Error::NotFound(record.credit_code.to_string()))?;
        transaction.commit().await?;
        Ok(created)
    }

    /// Changes an enterprise's fields within the principal's edit rights; applies only if the
    /// enterprise is still at `expected_version` (when given).
    pub async fn update_enterprise(
        &self,
        principal: &Principal,
        credit_code: &str,
        input: &EnterpriseInput,
        expected_version: Option<i64>,
    ) -> Result<Enterprise> {
        let scope = policy::enterprise_scope(principal);
        let mut transaction = self.db.begin().await?;
        let current = fetch_in_scope(&mut transaction, &scope, credit_code)
            .await?
            .ok_or_else(|| Error::NotFound(credit_code.to_owned()))?;
        let rights = policy::enterprise_edit_rights(principal);
        if !rights.any() {
            return Err(Error::Forbidden("your role may not change enterprises"));
        }
        if let Some(expected) = expected_version
            && expected != current.version
        {
            return Err(Error::StaleVersion {
                credit_code: current.credit_code.clone(),
                current: current.version,
            });
        }
        let references = References::load(&mut transaction).await?;
        let record =
            validate_update(&current, input, &references, &self.today()).map_err(Error::Invalid)?;
        if let Some(field) = forbidden_field(&current, &record, rights) {
            return Err(Error::invalid(
                &field,
                Text::new(
                    "您的角色无权修改此项",
                    "your role may not change this field",
                ),
            ));
        }
        if !town_in_scope(&scope, &record.town_code, |code| {
            references.successor_of(code)
        }) && scope != EnterpriseScope::Single(current.id)
        {
            return Err(Error::invalid(
                "town_code",
                Text::new(
                    "不能把企业移出本镇街",
                    "you cannot move an enterprise out of your town",
                ),
            ));
        }
        update_enterprise(
            &mut transaction,
            &principal.actor(),
            self.clock.now(),
            &current,
            &record,
            "enterprise.updated",
            "",
        )
        .await?;
        let updated = fetch_in_scope(&mut transaction, &EnterpriseScope::All, credit_code)
            .await?
            .ok_or_else(|| Error::NotFound(credit_code.to_owned()))?;
        transaction.commit().await?;
        Ok(updated)
    }

    /// Deletes an enterprise that has no user accounts. City administrators only.
    pub async fn delete_enterprise(
        &self,
        principal: &Principal,
        credit_code: &str,
        expected_version: Option<i64>,
    ) -> Result<()> {
        let scope = policy::enterprise_scope(principal);
        let mut transaction = self.db.begin().await?;
        let current = fetch_in_scope(&mut transaction, &scope, credit_code)
            .await?
            .ok_or_else(|| Error::NotFound(credit_code.to_owned()))?;
        if !policy::may_delete_enterprises(principal) {
            return Err(Error::Forbidden(
                "only city administrators may delete enterprises",
            ));
        }
        if let Some(expected) = expected_version
            && expected != current.version
        {
            return Err(Error::StaleVersion {
                credit_code: current.credit_code.clone(),
                current: current.version,
            });
        }
        let users: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE organization_id = $1")
                .bind(current.id)
                .fetch_one(&mut *transaction)
                .await?;
        if users > 0 {
            return Err(Error::InUse {
                credit_code: current.credit_code.clone(),
                users,
            });
        }
        for statement in [
            "DELETE FROM recognitions WHERE enterprise_id = $1",
            "DELETE FROM platform_clients WHERE enterprise_id = $1",
            "DELETE FROM enterprises WHERE id = $1",
            "DELETE FROM organizations WHERE id = $1",
        ] {
            sqlx::query(statement)
                .bind(current.id)
                .execute(&mut *transaction)
                .await?;
        }
        let mut changes = Changes::new();
        changes
            .field("name", &current.name, serde_json::Value::Null)
            .field("town_code", &current.town_code, serde_json::Value::Null);
        let now = self.clock.now();
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("enterprise.deleted", "enterprise", &current.credit_code)
                .subject(current.id)
                .changes(changes)
                .note(serde_json::to_string(&current).unwrap_or_default()),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// The enterprise's change history (its audit entries), newest first, for whoever may see it.
    pub async fn enterprise_history(
        &self,
        principal: &Principal,
        credit_code: &str,
        page: PageRequest,
    ) -> Result<Page<AuditRecord>> {
        let enterprise = self.enterprise(principal, credit_code).await?;
        let filter = AuditFilter {
            entity_type: Some("enterprise".into()),
            entity_key: Some(enterprise.credit_code),
            ..AuditFilter::default()
        };
        Ok(audit::list_entries(&self.db, &filter, page).await?)
    }

    /// Records that an enterprise brought work to a platform, putting it in the platform staff's
    /// scope. City administrators only (later, orders and service requests do this themselves).
    pub async fn add_platform_client(
        &self,
        principal: &Principal,
        platform_code: &str,
        credit_code: &str,
    ) -> Result<()> {
        if !policy::may_administer(principal) {
            return Err(Error::Forbidden(
                "only city administrators may link enterprises to platforms",
            ));
        }
        let mut transaction = self.db.begin().await?;
        let enterprise = fetch_in_scope(&mut transaction, &EnterpriseScope::All, credit_code)
            .await?
            .ok_or_else(|| Error::NotFound(credit_code.to_owned()))?;
        let platform: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM organizations WHERE code = $1 AND kind = 'platform'",
        )
        .bind(platform_code)
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(platform_id) = platform else {
            return Err(Error::invalid(
                "platform_code",
                Text::owned(
                    format!("平台“{platform_code}”不存在"),
                    format!("platform {platform_code:?} does not exist"),
                ),
            ));
        };
        let now = self.clock.now();
        link_platform_client(&mut transaction, platform_id, enterprise.id, now).await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "enterprise.platform_client_added",
                "enterprise",
                &enterprise.credit_code,
            )
            .subject(enterprise.id)
            .note(platform_code),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }
}

/// Makes `enterprise_id` a client of `platform_id`; idempotent.
pub async fn link_platform_client(
    connection: &mut AnyConnection,
    platform_id: i64,
    enterprise_id: i64,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("INSERT INTO platform_clients (platform_id, enterprise_id, since) VALUES ($1, $2, $3) ON CONFLICT (platform_id, enterprise_id) DO NOTHING")
        .bind(platform_id)
        .bind(enterprise_id)
        .bind(now.as_millis())
        .execute(&mut *connection)
        .await?;
    Ok(())
}
