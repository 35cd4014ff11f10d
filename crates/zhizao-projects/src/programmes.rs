//! Rule sets and intake batches: what the city bureau sets up before anyone applies.

use sqlx::AnyConnection;
use zhizao_core::{Text, Timestamp};
use zhizao_db::{SqlBuilder, allocate_ids, unique_violation};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy;

use crate::model::{Batch, BatchInput, BatchStatus, RuleSet};
use crate::rules::RuleParameters;
use crate::validate::validate_batch;
use crate::{Error, Projects, Result};

#[derive(sqlx::FromRow)]
struct RuleSetRow {
    id: i64,
    code: String,
    version: i64,
    name: String,
    parameters: String,
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    created_at: Timestamp,
    created_by: String,
    batches: i64,
    evaluations: i64,
}

impl TryFrom<RuleSetRow> for RuleSet {
    type Error = Error;

    fn try_from(row: RuleSetRow) -> Result<Self> {
        let parameters: RuleParameters = serde_json::from_str(&row.parameters).map_err(|e| {
            Error::Database(zhizao_db::Error::Query(sqlx::Error::Decode(Box::new(e))))
        })?;
        Ok(RuleSet {
            id: row.id,
            code: row.code,
            version: row.version,
            name: row.name,
            parameters,
            created_at: row.created_at,
            created_by: row.created_by,
            batches: row.batches,
            evaluations: row.evaluations,
        })
    }
}

const RULE_SET_COLUMNS: &str = "SELECT r.id, r.code, r.version, r.name, r.parameters, r.created_at, r.created_by, \
     (SELECT COUNT(*) FROM project_batches b WHERE b.rule_set_id = r.id) AS batches, \
     (SELECT COUNT(*) FROM subsidy_evaluations v WHERE v.rule_set_id = r.id) AS evaluations \
     FROM subsidy_rule_sets r";

pub(crate) const BATCH_COLUMNS: &str = "SELECT b.id, b.code, b.programme, b.year, b.title, b.opens_on, b.closes_on, b.projects_from, b.projects_until, \
     b.eligibility, b.required_attachments, b.rule_set_id, r.code AS rule_set_code, r.version AS rule_set_version, \
     b.notice_days, b.status, b.published_at, b.created_at, b.updated_at, b.version, \
     (SELECT COUNT(*) FROM project_applications a WHERE a.batch_id = b.id AND a.status NOT IN ('draft', 'withdrawn')) AS applications \
     FROM project_batches b LEFT JOIN subsidy_rule_sets r ON r.id = b.rule_set_id";

/// Loads a rule set version by id.
pub(crate) async fn rule_set_by_id(connection: &mut AnyConnection, id: i64) -> Result<RuleSet> {
    let mut select = SqlBuilder::new(RULE_SET_COLUMNS);
    select.push(" WHERE r.id = ").push_bind(id);
    let row: RuleSetRow = select.query_as().fetch_one(&mut *connection).await?;
    row.try_into()
}

/// Resolves `code` or `code@version` to a rule set version (the latest when none is given).
async fn resolve_rule_set(connection: &mut AnyConnection, reference: &str) -> Result<RuleSet> {
    let (code, version) = match reference.split_once('@') {
        Some((code, version)) => {
            let version = version.trim().parse::<i64>().map_err(|_| {
                Error::invalid(
                    "rule_set",
                    Text::owned(
                        format!("“{reference}”的版本号不是数字"),
                        format!("the version in {reference:?} is not a number"),
                    ),
                )
            })?;
            (code.trim(), Some(version))
        }
        None => (reference.trim(), None),
    };
    let mut select = SqlBuilder::new(RULE_SET_COLUMNS);
    select.push(" WHERE r.code = ").push_bind(code);
    match version {
        Some(version) => select.push(" AND r.version = ").push_bind(version),
        None => select.push(" ORDER BY r.version DESC LIMIT 1"),
    };
    let row: Option<RuleSetRow> = select.query_as().fetch_optional(&mut *connection).await?;
    match row {
        Some(row) => row.try_into(),
        None => Err(Error::invalid(
            "rule_set",
            Text::owned(
                format!("补助规则“{reference}”不存在"),
                format!("there is no rule set {reference:?}"),
            ),
        )),
    }
}

pub(crate) async fn batch_by_code(
    connection: &mut AnyConnection,
    code: &str,
) -> Result<Option<Batch>> {
    let mut select = SqlBuilder::new(BATCH_COLUMNS);
    select.push(" WHERE b.code = ").push_bind(code);
    Ok(select.query_as().fetch_optional(&mut *connection).await?)
}

fn check_code(code: &str) -> Result<()> {
    if code.is_empty()
        || code.len() > 32
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(Error::invalid(
            "code",
            Text::new(
                "编号只能由字母、数字和“-”组成，最长 32 个字符",
                "use only letters, digits and '-', at most 32 characters",
            ),
        ));
    }
    Ok(())
}

impl Projects {
    /// The latest version of every rule set (anyone signed in may read the rules).
    pub async fn rule_sets(&self) -> Result<Vec<RuleSet>> {
        let mut select = SqlBuilder::new(RULE_SET_COLUMNS);
        select.push(" WHERE r.version = (SELECT MAX(x.version) FROM subsidy_rule_sets x WHERE x.code = r.code) ORDER BY r.code");
        let rows: Vec<RuleSetRow> = select.query_as().fetch_all(self.db.pool()).await?;
        rows.into_iter().map(RuleSet::try_from).collect()
    }

    /// Every version of one rule set, newest first.
    pub async fn rule_set_versions(&self, code: &str) -> Result<Vec<RuleSet>> {
        let mut select = SqlBuilder::new(RULE_SET_COLUMNS);
        select
            .push(" WHERE r.code = ")
            .push_bind(code)
            .push(" ORDER BY r.version DESC");
        let rows: Vec<RuleSetRow> = select.query_as().fetch_all(self.db.pool()).await?;
        if rows.is_empty() {
            return Err(Error::not_found("rule set", code));
        }
        rows.into_iter().map(RuleSet::try_from).collect()
    }

    /// Writes the next version of rule set `code` (the first when it is new). Versions are never
    /// changed in place, so every amount computed earlier keeps the rules it was computed with.
    /// `expected_version` is the latest version the editor saw (none for a new rule set).
    pub async fn save_rule_set(
        &self,
        principal: &Principal,
        code: &str,
        name: &str,
        parameters: &RuleParameters,
        expected_version: Option<i64>,
    ) -> Result<RuleSet> {
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("only city staff edit subsidy rules"));
        }
        check_code(code)?;
        let mut errors = parameters.validate();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            errors.push(zhizao_core::FieldError::new(
                "name",
                Text::new("名称必填，最长 200 字", "required, at most 200 characters"),
            ));
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let mut transaction = self.db.begin().await?;
        let latest: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM subsidy_rule_sets WHERE code = $1")
                .bind(code)
                .fetch_one(&mut *transaction)
                .await?;
        if expected_version != latest {
            return Err(match latest {
                Some(current) => Error::StaleVersion {
                    what: "rule set",
                    key: code.to_owned(),
                    current,
                },
                None => Error::not_found("rule set", code),
            });
        }
        let version = latest.unwrap_or(0) + 1;
        let id = allocate_ids(&mut transaction, "subsidy_rule_sets", 1).await?;
        let now = self.clock.now();
        let json = serde_json::to_string(parameters).unwrap_or_default();
        let inserted = sqlx::query(
            "INSERT INTO subsidy_rule_sets (id, code, version, name, parameters, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(code)
        .bind(version)
        .bind(name)
        .bind(&json)
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await;
        if let Err(error) = inserted {
            if unique_violation(&error).is_some() {
                return Err(Error::StaleVersion {
                    what: "rule set",
                    key: code.to_owned(),
                    current: version,
                });
            }
            return Err(error.into());
        }
        let mut changes = Changes::new();
        changes.created("version", version).created(
            "parameters",
            serde_json::to_value(parameters).unwrap_or_default(),
        );
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("subsidy_rules.version_created", "subsidy_rule_set", code)
                .changes(changes)
                .note(name),
        )
        .await?;
        let saved = rule_set_by_id(&mut transaction, id).await?;
        transaction.commit().await?;
        Ok(saved)
    }

    /// The batches `principal` may see: published and closed ones for everyone, drafts for the
    /// city too; newest first.
    pub async fn batches(&self, principal: &Principal) -> Result<Vec<Batch>> {
        let mut select = SqlBuilder::new(BATCH_COLUMNS);
        if !policy::may_manage_programmes(principal) {
            select.push(" WHERE b.status <> 'draft'");
        }
        select.push(" ORDER BY b.year DESC, b.opens_on DESC, b.code DESC");
        Ok(select.query_as().fetch_all(self.db.pool()).await?)
    }

    /// One batch, if `principal` may see it.
    pub async fn batch(&self, principal: &Principal, code: &str) -> Result<Batch> {
        let mut connection = self.db.pool().acquire().await?;
        match batch_by_code(&mut connection, code).await? {
            Some(batch)
                if batch.status != BatchStatus::Draft
                    || policy::may_manage_programmes(principal) =>
            {
                Ok(batch)
            }
            _ => Err(Error::not_found("batch", code)),
        }
    }

    /// Opens a batch as a draft (city staff).
    pub async fn create_batch(&self, principal: &Principal, input: &BatchInput) -> Result<Batch> {
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("only city staff open batches"));
        }
        let record = validate_batch(input, None).map_err(Error::Invalid)?;
        let mut transaction = self.db.begin().await?;
        let rule_set = match input
            .rule_set
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            Some(reference) => Some(resolve_rule_set(&mut transaction, reference).await?),
            None => None,
        };
        let id = allocate_ids(&mut transaction, "project_batches", 1).await?;
        let now = self.clock.now().as_millis();
        let inserted = sqlx::query(
            "INSERT INTO project_batches (id, code, programme, year, title, opens_on, closes_on, eligibility, required_attachments, \
             rule_set_id, notice_days, status, created_at, updated_at, version, projects_from, projects_until) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'draft', $12, $12, 1, $13, $14)",
        )
        .bind(id)
        .bind(&record.code)
        .bind(record.programme.as_str())
        .bind(record.year)
        .bind(&record.title)
        .bind(&record.opens_on)
        .bind(&record.closes_on)
        .bind(&record.eligibility)
        .bind(serde_json::to_string(&record.required_attachments).unwrap_or_default())
        .bind(rule_set.as_ref().map(|r| r.id))
        .bind(record.notice_days)
        .bind(now)
        .bind(&record.projects_from)
        .bind(&record.projects_until)
        .execute(&mut *transaction)
        .await;
        if let Err(error) = inserted {
            if unique_violation(&error).as_deref() == Some("project_batches_code_key") {
                return Err(Error::DuplicateCode {
                    what: "batch",
                    code: record.code,
                });
            }
            return Err(error.into());
        }
        let mut changes = Changes::new();
        changes
            .created("programme", record.programme.as_str())
            .created("year", record.year)
            .created("title", &record.title)
            .created("opens_on", &record.opens_on)
            .created("closes_on", &record.closes_on)
            .created("projects_from", &record.projects_from)
            .created("projects_until", &record.projects_until)
            .created(
                "rule_set",
                rule_set
                    .as_ref()
                    .map(|r| format!("{}@{}", r.code, r.version)),
            );
        audit::record(
            &mut transaction,
            &principal.actor(),
            self.clock.now(),
            AuditEntry::new("project_batch.created", "project_batch", &record.code)
                .changes(changes),
        )
        .await?;
        let batch = batch_by_code(&mut transaction, &record.code)
            .await?
            .ok_or_else(|| Error::not_found("batch", &record.code))?;
        transaction.commit().await?;
        Ok(batch)
    }

    /// Changes a draft batch (city staff). A published batch is fixed: applicants rely on it.
    pub async fn update_batch(
        &self,
        principal: &Principal,
        code: &str,
        input: &BatchInput,
        expected_version: Option<i64>,
    ) -> Result<Batch> {
        let current = self.batch(principal, code).await?;
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("only city staff change batches"));
        }
        if current.status != BatchStatus::Draft {
            return Err(Error::NotYet(Text::new(
                "批次已发布，不能再修改",
                "the batch is published and can no longer be changed",
            )));
        }
        let record = validate_batch(input, Some(code)).map_err(Error::Invalid)?;
        let mut transaction = self.db.begin().await?;
        let rule_set = match input
            .rule_set
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            Some(reference) => Some(resolve_rule_set(&mut transaction, reference).await?),
            None => None,
        };
        let version = expected_version.unwrap_or(current.version);
        let updated = sqlx::query(
            "UPDATE project_batches SET programme = $1, year = $2, title = $3, opens_on = $4, closes_on = $5, eligibility = $6, \
             required_attachments = $7, rule_set_id = $8, notice_days = $9, updated_at = $10, version = version + 1, \
             projects_from = $13, projects_until = $14 \
             WHERE id = $11 AND version = $12 AND status = 'draft'",
        )
        .bind(record.programme.as_str())
        .bind(record.year)
        .bind(&record.title)
        .bind(&record.opens_on)
        .bind(&record.closes_on)
        .bind(&record.eligibility)
        .bind(serde_json::to_string(&record.required_attachments).unwrap_or_default())
        .bind(rule_set.as_ref().map(|r| r.id))
        .bind(record.notice_days)
        .bind(self.clock.now().as_millis())
        .bind(current.id)
        .bind(version)
        .bind(&record.projects_from)
        .bind(&record.projects_until)
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(Error::StaleVersion {
                what: "batch",
                key: code.to_owned(),
                current: current.version,
            });
        }
        let mut changes = Changes::new();
        changes
            .field(
                "programme",
                current.programme.as_str(),
                record.programme.as_str(),
            )
            .field("year", current.year, record.year)
            .field("title", &current.title, &record.title)
            .field("opens_on", &current.opens_on, &record.opens_on)
            .field("closes_on", &current.closes_on, &record.closes_on)
            .field(
                "projects_from",
                &current.projects_from,
                &record.projects_from,
            )
            .field(
                "projects_until",
                &current.projects_until,
                &record.projects_until,
            )
            .field("notice_days", current.notice_days, record.notice_days)
            .field(
                "rule_set",
                current
                    .rule_set_code
                    .as_ref()
                    .map(|c| format!("{c}@{}", current.rule_set_version.unwrap_or(0))),
                rule_set
                    .as_ref()
                    .map(|r| format!("{}@{}", r.code, r.version)),
            );
        audit::record(
            &mut transaction,
            &principal.actor(),
            self.clock.now(),
            AuditEntry::new("project_batch.updated", "project_batch", code).changes(changes),
        )
        .await?;
        let batch = batch_by_code(&mut transaction, code)
            .await?
            .ok_or_else(|| Error::not_found("batch", code))?;
        transaction.commit().await?;
        Ok(batch)
    }

    /// Publishes a draft batch (applications open on its first day) or closes a published one.
    pub async fn set_batch_status(
        &self,
        principal: &Principal,
        code: &str,
        status: BatchStatus,
        expected_version: Option<i64>,
    ) -> Result<Batch> {
        let current = self.batch(principal, code).await?;
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden(
                "only city staff publish and close batches",
            ));
        }
        let allowed = matches!(
            (current.status, status),
            (BatchStatus::Draft, BatchStatus::Published)
                | (BatchStatus::Published, BatchStatus::Closed)
        );
        if !allowed {
            return Err(Error::NotYet(Text::owned(
                format!(
                    "“{}”状态的批次不能改为“{}”",
                    current.status.label().zh,
                    status.label().zh
                ),
                format!(
                    "a {} batch cannot become {}; batches go draft → published → closed",
                    current.status, status
                ),
            )));
        }
        if status == BatchStatus::Published
            && current.programme != crate::model::Programme::TechUpgrade
            && current.rule_set_id.is_none()
        {
            return Err(Error::invalid(
                "rule_set",
                Text::new(
                    "补助类批次须先指定补助规则",
                    "a subsidy batch needs a rule set before it is published",
                ),
            ));
        }
        let version = expected_version.unwrap_or(current.version);
        let now = self.clock.now().as_millis();
        let mut transaction = self.db.begin().await?;
        let updated = sqlx::query(
            "UPDATE project_batches SET status = $1, published_at = COALESCE(published_at, $2), updated_at = $2, version = version + 1 \
             WHERE id = $3 AND version = $4",
        )
        .bind(status.as_str())
        .bind(now)
        .bind(current.id)
        .bind(version)
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(Error::StaleVersion {
                what: "batch",
                key: code.to_owned(),
                current: current.version,
            });
        }
        let action = if status == BatchStatus::Published {
            "project_batch.published"
        } else {
            "project_batch.closed"
        };
        let mut changes = Changes::new();
        changes.field("status", current.status.as_str(), status.as_str());
        audit::record(
            &mut transaction,
            &principal.actor(),
            self.clock.now(),
            AuditEntry::new(action, "project_batch", code).changes(changes),
        )
        .await?;
        let batch = batch_by_code(&mut transaction, code)
            .await?
            .ok_or_else(|| Error::not_found("batch", code))?;
        transaction.commit().await?;
        Ok(batch)
    }
}
