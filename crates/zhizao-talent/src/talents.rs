//! Talents (引进人才): people a programme brought to the city, with their degree, field,
//! employer and year, and the project they work on where there is one. The city's talent office
//! records and corrects them (each change a new version); enterprises, towns and the city read
//! them within their scope.

use serde::{Deserialize, Serialize};
use zhizao_core::closed_vocabulary;
use zhizao_db::{SqlBuilder, allocate_ids};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy;

use crate::{Error, Field, Problems, ProjectRef, Result, Talents, check_project};

closed_vocabulary! {
    /// The highest degree.
    Degree, "degree" {
        /// 博士.
        Doctorate => "doctorate", "博士", "Doctorate";
        /// 硕士.
        Master => "master", "硕士", "Master's";
        /// 学士.
        Bachelor => "bachelor", "学士", "Bachelor's";
        /// 其他（高级技师等）.
        Other => "other", "其他", "Other";
    }
}

/// A talent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Talent {
    /// Its id.
    pub id: i64,
    /// Their name.
    pub name: String,
    /// Highest degree.
    pub degree: Degree,
    /// Field.
    pub field: Field,
    /// Employer (an enterprise): id, credit code, name.
    pub enterprise_id: i64,
    /// The employer's credit code.
    pub credit_code: String,
    /// The employer's name.
    pub enterprise_name: String,
    /// The programme that brought them, e.g. 中山市高层次人才引进计划.
    pub programme: String,
    /// The year they came.
    pub year: i64,
    /// The project they work on: number and name.
    pub project: Option<(String, String)>,
    /// Its version.
    pub version: i64,
}

/// A talent as the talent office records them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TalentInput {
    /// 1–40 characters.
    pub name: String,
    /// Highest degree.
    pub degree: Degree,
    /// Field.
    pub field: Field,
    /// The employer's credit code.
    pub enterprise: String,
    /// 2–60 characters.
    pub programme: String,
    /// 1980 to next year.
    pub year: i64,
}

#[derive(sqlx::FromRow)]
struct TalentRow {
    id: i64,
    name: String,
    degree: String,
    field: String,
    enterprise_id: i64,
    credit_code: String,
    enterprise_name: String,
    programme: String,
    year: i64,
    project_number: Option<String>,
    project_name: Option<String>,
    version: i64,
}

impl TalentRow {
    fn into_talent(self) -> Result<Talent> {
        let corrupt = |what: &str| Error::Corrupt(format!("talent {}: {what}", self.id));
        Ok(Talent {
            degree: self.degree.parse().map_err(|_| corrupt("degree"))?,
            field: self.field.parse().map_err(|_| corrupt("field"))?,
            project: self.project_number.zip(self.project_name),
            id: self.id,
            name: self.name,
            enterprise_id: self.enterprise_id,
            credit_code: self.credit_code,
            enterprise_name: self.enterprise_name,
            programme: self.programme,
            year: self.year,
            version: self.version,
        })
    }
}

const COLUMNS: &str = "SELECT t.id, t.name, t.degree, t.field, t.enterprise_id, e.credit_code, e.name AS enterprise_name, \
     t.programme, t.year, t.project_number, t.project_name, t.version FROM talents t JOIN enterprises e ON e.id = t.enterprise_id \
     WHERE 1 = 1";

/// Which talents to list.
#[derive(Debug, Clone, Default)]
pub struct TalentFilter {
    /// Words in the name, programme or employer's name.
    pub text: Option<String>,
    /// Only this degree.
    pub degree: Option<Degree>,
    /// Only this field.
    pub field: Option<crate::Field>,
    /// Only this enterprise (id).
    pub enterprise_id: Option<i64>,
}

fn not_found(id: i64) -> Error {
    Error::NotFound {
        what: "talent",
        key: id.to_string(),
    }
}

impl TalentInput {
    pub(crate) fn check(&self, this_year: i64) -> Result<()> {
        let mut problems = Problems::default();
        problems.length("name", &self.name, 1, 40, "姓名", "the name");
        problems.length(
            "programme",
            &self.programme,
            2,
            60,
            "引才计划",
            "the programme",
        );
        problems.year("year", self.year, this_year);
        problems.into_result()
    }
}

impl Talents {
    /// The talents the caller may read matching `filter`, newest first (at most 2,000).
    pub async fn talents(
        &self,
        principal: &Principal,
        filter: &TalentFilter,
    ) -> Result<Vec<Talent>> {
        let mut select = SqlBuilder::new(COLUMNS);
        zhizao_registry::restrict_to_scope(&policy::talent_scope(principal), &mut select);
        if let Some(degree) = filter.degree {
            select.push(" AND t.degree = ").push_bind(degree.as_str());
        }
        if let Some(field) = filter.field {
            select.push(" AND t.field = ").push_bind(field.as_str());
        }
        if let Some(enterprise) = filter.enterprise_id {
            select.push(" AND t.enterprise_id = ").push_bind(enterprise);
        }
        if let Some(text) = filter.text.as_deref() {
            select.push_contains_any(&["t.name", "t.programme", "e.name"], text);
        }
        select.push(" ORDER BY t.year DESC, t.id DESC LIMIT 2000");
        let rows: Vec<TalentRow> = select.query_as().fetch_all(self.db.pool()).await?;
        rows.into_iter().map(TalentRow::into_talent).collect()
    }

    /// One talent the caller may read.
    pub async fn talent(&self, principal: &Principal, id: i64) -> Result<Talent> {
        let mut select = SqlBuilder::new(COLUMNS);
        select.push(" AND t.id = ").push_bind(id);
        zhizao_registry::restrict_to_scope(&policy::talent_scope(principal), &mut select);
        let row: Option<TalentRow> = select.query_as().fetch_optional(self.db.pool()).await?;
        row.ok_or_else(|| not_found(id))?.into_talent()
    }

    /// Records a talent (the city's talent office), tied to `project` where they work on one.
    /// Audited.
    pub async fn create_talent(
        &self,
        principal: &Principal,
        input: &TalentInput,
        project: Option<&ProjectRef>,
    ) -> Result<Talent> {
        if !policy::may_record_talent(principal) {
            return Err(Error::Forbidden("the city's talent office records talents"));
        }
        input.check(self.this_year())?;
        let enterprise = self
            .enterprise_in_scope(principal, &input.enterprise)
            .await?;
        let mut problems = Problems::default();
        check_project(&mut problems, project, enterprise.id);
        problems.into_result()?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let id = allocate_ids(&mut transaction, "talents", 1).await?;
        sqlx::query(
            "INSERT INTO talents (id, name, degree, field, enterprise_id, programme, year, project_number, project_name, \
             created_at, created_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10)",
        )
        .bind(id)
        .bind(input.name.trim())
        .bind(input.degree.as_str())
        .bind(input.field.as_str())
        .bind(enterprise.id)
        .bind(input.programme.trim())
        .bind(input.year)
        .bind(project.map(|p| p.number.clone()))
        .bind(project.map(|p| p.name.clone()))
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await?;
        let mut changes = Changes::new();
        changes
            .created("name", input.name.trim())
            .created("enterprise", &enterprise.credit_code)
            .created("degree", input.degree.as_str());
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("talent.recorded", "talent", id.to_string()).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.talent(principal, id).await
    }

    /// Corrects a talent's record (the city's talent office), from the version read. Audited.
    pub async fn update_talent(
        &self,
        principal: &Principal,
        id: i64,
        expected_version: i64,
        input: &TalentInput,
        project: Option<&ProjectRef>,
    ) -> Result<Talent> {
        let before = self.talent(principal, id).await?;
        if !policy::may_record_talent(principal) {
            return Err(Error::Forbidden("the city's talent office records talents"));
        }
        input.check(self.this_year())?;
        let enterprise = self
            .enterprise_in_scope(principal, &input.enterprise)
            .await?;
        let mut problems = Problems::default();
        check_project(&mut problems, project, enterprise.id);
        problems.into_result()?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let updated = sqlx::query(
            "UPDATE talents SET name = $1, degree = $2, field = $3, enterprise_id = $4, programme = $5, year = $6, \
             project_number = $7, project_name = $8, updated_at = $9, version = version + 1 WHERE id = $10 AND version = $11",
        )
        .bind(input.name.trim())
        .bind(input.degree.as_str())
        .bind(input.field.as_str())
        .bind(enterprise.id)
        .bind(input.programme.trim())
        .bind(input.year)
        .bind(project.map(|p| p.number.clone()))
        .bind(project.map(|p| p.name.clone()))
        .bind(now.as_millis())
        .bind(id)
        .bind(expected_version)
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(Error::StaleVersion {
                current: before.version,
            });
        }
        let mut changes = Changes::new();
        changes
            .field("name", &before.name, input.name.trim())
            .field("degree", before.degree.as_str(), input.degree.as_str())
            .field("field", before.field.as_str(), input.field.as_str())
            .field("enterprise", &before.credit_code, &enterprise.credit_code)
            .field("year", before.year, input.year);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("talent.updated", "talent", id.to_string()).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.talent(principal, id).await
    }
}
