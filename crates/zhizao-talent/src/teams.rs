//! Innovation teams (创新团队): a team of an enterprise recognised at a level, in a field, with its
//! leader and size, and the project it carries where there is one. Recorded by the city's talent
//! office; read within the talent scope.

use serde::{Deserialize, Serialize};
use zhizao_core::closed_vocabulary;
use zhizao_db::{SqlBuilder, allocate_ids};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy;

use crate::{Error, Field, Problems, ProjectRef, Result, Talents, check_project};

closed_vocabulary! {
    /// Who recognised the team.
    TeamLevel, "team level" {
        /// 国家级.
        National => "national", "国家级", "National";
        /// 省级.
        Provincial => "provincial", "省级", "Provincial";
        /// 市级.
        City => "city", "市级", "City";
    }
}

/// An innovation team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Team {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Field.
    pub field: Field,
    /// Level.
    pub level: TeamLevel,
    /// Its leader's name.
    pub leader: String,
    /// Members.
    pub members: i64,
    /// The enterprise: id, credit code, name.
    pub enterprise_id: i64,
    /// The enterprise's credit code.
    pub credit_code: String,
    /// The enterprise's name.
    pub enterprise_name: String,
    /// The year it was recognised.
    pub year: i64,
    /// The project it carries: number and name.
    pub project: Option<(String, String)>,
    /// Its version.
    pub version: i64,
}

/// A team as the talent office records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    /// 2–80 characters.
    pub name: String,
    /// Field.
    pub field: Field,
    /// Level.
    pub level: TeamLevel,
    /// 1–40 characters.
    pub leader: String,
    /// 2–500.
    pub members: i64,
    /// The enterprise's credit code.
    pub enterprise: String,
    /// 1980 to next year.
    pub year: i64,
}

impl TeamInput {
    pub(crate) fn check(&self, this_year: i64) -> Result<()> {
        let mut problems = Problems::default();
        problems.length("name", &self.name, 2, 80, "团队名称", "the name");
        problems.length("leader", &self.leader, 1, 40, "带头人", "the leader's name");
        if !(2..=500).contains(&self.members) {
            problems.add(
                "members",
                "团队人数为 2–500".into(),
                "a team has 2 to 500 members".into(),
            );
        }
        problems.year("year", self.year, this_year);
        problems.into_result()
    }
}

#[derive(sqlx::FromRow)]
struct TeamRow {
    id: i64,
    name: String,
    field: String,
    level: String,
    leader: String,
    members: i64,
    enterprise_id: i64,
    credit_code: String,
    enterprise_name: String,
    year: i64,
    project_number: Option<String>,
    project_name: Option<String>,
    version: i64,
}

impl TeamRow {
    fn into_team(self) -> Result<Team> {
        let corrupt = |what: &str| Error::Corrupt(format!("team {}: {what}", self.id));
        Ok(Team {
            field: self.field.parse().map_err(|_| corrupt("field"))?,
            level: self.level.parse().map_err(|_| corrupt("level"))?,
            project: self.project_number.zip(self.project_name),
            id: self.id,
            name: self.name,
            leader: self.leader,
            members: self.members,
            enterprise_id: self.enterprise_id,
            credit_code: self.credit_code,
            enterprise_name: self.enterprise_name,
            year: self.year,
            version: self.version,
        })
    }
}

const COLUMNS: &str = "SELECT t.id, t.name, t.field, t.level, t.leader, t.members, t.enterprise_id, e.credit_code, \
     e.name AS enterprise_name, t.year, t.project_number, t.project_name, t.version FROM innovation_teams t \
     JOIN enterprises e ON e.id = t.enterprise_id WHERE 1 = 1";

fn not_found(id: i64) -> Error {
    Error::NotFound {
        what: "innovation team",
        key: id.to_string(),
    }
}

impl Talents {
    /// The teams the caller may read, in `field` if given, with `text` in the name, leader or
    /// enterprise; newest first (at most 2,000).
    pub async fn teams(
        &self,
        principal: &Principal,
        field: Option<Field>,
        text: Option<&str>,
    ) -> Result<Vec<Team>> {
        let mut select = SqlBuilder::new(COLUMNS);
        zhizao_registry::restrict_to_scope(&policy::talent_scope(principal), &mut select);
        if let Some(field) = field {
            select.push(" AND t.field = ").push_bind(field.as_str());
        }
        if let Some(text) = text {
            select.push_contains_any(&["t.name", "t.leader", "e.name"], text);
        }
        select.push(" ORDER BY t.year DESC, t.id DESC LIMIT 2000");
        let rows: Vec<TeamRow> = select.query_as().fetch_all(self.db.pool()).await?;
        rows.into_iter().map(TeamRow::into_team).collect()
    }

    /// One team the caller may read.
    pub async fn team(&self, principal: &Principal, id: i64) -> Result<Team> {
        let mut select = SqlBuilder::new(COLUMNS);
        select.push(" AND t.id = ").push_bind(id);
        zhizao_registry::restrict_to_scope(&policy::talent_scope(principal), &mut select);
        let row: Option<TeamRow> = select.query_as().fetch_optional(self.db.pool()).await?;
        row.ok_or_else(|| not_found(id))?.into_team()
    }

    /// Records a team (the city's talent office). Audited.
    pub async fn create_team(
        &self,
        principal: &Principal,
        input: &TeamInput,
        project: Option<&ProjectRef>,
    ) -> Result<Team> {
        if !policy::may_record_talent(principal) {
            return Err(Error::Forbidden(
                "the city's talent office records innovation teams",
            ));
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
        let id = allocate_ids(&mut transaction, "innovation_teams", 1).await?;
        sqlx::query(
            "INSERT INTO innovation_teams (id, name, field, level, leader, members, enterprise_id, year, project_number, \
             project_name, created_at, created_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $11)",
        )
        .bind(id)
        .bind(input.name.trim())
        .bind(input.field.as_str())
        .bind(input.level.as_str())
        .bind(input.leader.trim())
        .bind(input.members)
        .bind(enterprise.id)
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
            .created("level", input.level.as_str());
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "innovation_team.recorded",
                "innovation_team",
                id.to_string(),
            )
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.team(principal, id).await
    }

    /// Corrects a team's record (the city's talent office), from the version read. Audited.
    pub async fn update_team(
        &self,
        principal: &Principal,
        id: i64,
        expected_version: i64,
        input: &TeamInput,
        project: Option<&ProjectRef>,
    ) -> Result<Team> {
        let before = self.team(principal, id).await?;
        if !policy::may_record_talent(principal) {
            return Err(Error::Forbidden(
                "the city's talent office records innovation teams",
            ));
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
            "UPDATE innovation_teams SET name = $1, field = $2, level = $3, leader = $4, members = $5, enterprise_id = $6, \
             year = $7, project_number = $8, project_name = $9, updated_at = $10, version = version + 1 \
             WHERE id = $11 AND version = $12",
        )
        .bind(input.name.trim())
        .bind(input.field.as_str())
        .bind(input.level.as_str())
        .bind(input.leader.trim())
        .bind(input.members)
        .bind(enterprise.id)
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
            .field("field", before.field.as_str(), input.field.as_str())
            .field("level", before.level.as_str(), input.level.as_str())
            .field("members", before.members, input.members);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("innovation_team.updated", "innovation_team", id.to_string())
                .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.team(principal, id).await
    }
}
