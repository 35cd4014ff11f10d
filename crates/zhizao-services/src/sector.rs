//! The sectors (板块) service platforms serve in — smart manufacturing, shared factories, shared
//! design, testing and certification, … — kept by the city, read by anyone.

use serde::{Deserialize, Serialize};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy;

use crate::{Error, Problems, PublicServices, Result};

/// A sector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Sector {
    /// Its code, e.g. `smart-manufacturing`.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its English name.
    pub name_en: String,
    /// What it covers.
    pub description: String,
    /// Where it is listed (smallest first).
    pub position: i64,
}

/// A sector as the city writes it (created, or changed by its code).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectorInput {
    /// Its code: 2–40 lowercase letters, digits and hyphens.
    pub code: String,
    /// Its name (1–40 characters).
    pub name: String,
    /// Its English name (1–80 characters).
    pub name_en: String,
    /// What it covers (at most 500 characters).
    #[serde(default)]
    pub description: String,
    /// Where it is listed.
    #[serde(default)]
    pub position: i64,
}

fn length_ok(text: &str, max: usize) -> bool {
    let count = text.trim().chars().count();
    (1..=max).contains(&count)
}

impl SectorInput {
    /// Every problem, named by field.
    pub fn check(&self) -> Result<()> {
        let mut problems = Problems::default();
        let code = self.code.trim();
        if !(2..=40).contains(&code.len())
            || !code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            problems.add(
                "code",
                "编码为 2–40 位小写字母、数字或连字符".into(),
                "the code is 2–40 lowercase letters, digits or hyphens".into(),
            );
        }
        if !length_ok(&self.name, 40) {
            problems.add(
                "name",
                "请填写名称（最长 40 字）".into(),
                "give a name (at most 40 characters)".into(),
            );
        }
        if !length_ok(&self.name_en, 80) {
            problems.add(
                "name_en",
                "请填写英文名称（最长 80 字）".into(),
                "give an English name (at most 80 characters)".into(),
            );
        }
        if self.description.chars().count() > 500 {
            problems.add(
                "description",
                "说明最长 500 字".into(),
                "the description has at most 500 characters".into(),
            );
        }
        if !(0..=1000).contains(&self.position) {
            problems.add(
                "position",
                "排序号为 0–1000".into(),
                "the position is 0 to 1000".into(),
            );
        }
        problems.into_result()
    }
}

impl PublicServices {
    /// Every sector, in their order (anyone).
    pub async fn sectors(&self) -> Result<Vec<Sector>> {
        Ok(sqlx::query_as(
            "SELECT code, name, name_en, description, position FROM service_sectors ORDER BY position, code",
        )
        .fetch_all(self.db.pool())
        .await?)
    }

    /// Creates the sector `input.code` names, or changes it (the city); audited.
    pub async fn save_sector(&self, principal: &Principal, input: &SectorInput) -> Result<Sector> {
        if !policy::may_manage_service_directory(principal) {
            return Err(Error::Forbidden("the city keeps the sectors"));
        }
        input.check()?;
        let now = self.clock.now();
        let code = input.code.trim();
        let mut transaction = self.db.begin().await?;
        let before: Option<Sector> = sqlx::query_as(
            "SELECT code, name, name_en, description, position FROM service_sectors WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(&mut *transaction)
        .await?;
        let sector = Sector {
            code: code.to_owned(),
            name: input.name.trim().to_owned(),
            name_en: input.name_en.trim().to_owned(),
            description: input.description.trim().to_owned(),
            position: input.position,
        };
        let mut changes = Changes::new();
        match &before {
            Some(before) => {
                sqlx::query(
                    "UPDATE service_sectors SET name = $1, name_en = $2, description = $3, position = $4, \
                     updated_at = $5 WHERE code = $6",
                )
                .bind(&sector.name)
                .bind(&sector.name_en)
                .bind(&sector.description)
                .bind(sector.position)
                .bind(now.as_millis())
                .bind(code)
                .execute(&mut *transaction)
                .await?;
                changes
                    .field("name", &before.name, &sector.name)
                    .field("name_en", &before.name_en, &sector.name_en)
                    .field("description", &before.description, &sector.description)
                    .field("position", before.position, sector.position);
            }
            None => {
                sqlx::query(
                    "INSERT INTO service_sectors (code, name, name_en, description, position, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6)",
                )
                .bind(code)
                .bind(&sector.name)
                .bind(&sector.name_en)
                .bind(&sector.description)
                .bind(sector.position)
                .bind(now.as_millis())
                .execute(&mut *transaction)
                .await?;
                changes
                    .created("name", &sector.name)
                    .created("name_en", &sector.name_en)
                    .created("position", sector.position);
            }
        }
        let action = if before.is_some() {
            "service_sector.updated"
        } else {
            "service_sector.created"
        };
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(action, "service_sector", code).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        Ok(sector)
    }
}
