//! The shared factories' records: so far each platform's tariff versions. A version is never
//! edited: saving writes the next one, checked against the version the editor saw, and audited.
//! Anyone signed in reads a platform's tariff (published prices are for clients to compare);
//! only the platform's own staff write it.

use std::sync::Arc;

use serde::Serialize;
use zhizao_core::{Clock, FieldError, Text, Timestamp};
use zhizao_db::{Database, allocate_ids, unique_violation};
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::{Principal, policy};

use crate::tariff::{Price, PricingInput, Tariff};
use crate::{Error, Result};

/// The shared-factory service: one per process, cheap to clone.
#[derive(Debug, Clone)]
pub struct Factories {
    db: Database,
    clock: Arc<dyn Clock>,
}

/// One version of a platform's tariff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TariffVersion {
    /// The platform's organisation code.
    pub platform_code: String,
    /// 1, 2, …
    pub version: i64,
    /// The prices.
    pub tariff: Tariff,
    /// What changed, in the author's words.
    pub note: String,
    /// When it was published.
    pub created_at: Timestamp,
    /// By whom.
    pub created_by: String,
}

/// A platform with a published tariff, as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PublishedFactory {
    /// The platform's organisation code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The current tariff version.
    pub version: i64,
    /// When that version was published.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub published_at: Timestamp,
}

/// A price under a platform's current tariff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quote {
    /// The platform's organisation code.
    pub platform_code: String,
    /// The tariff version it follows.
    pub tariff_version: i64,
    /// The price with its calculation.
    pub price: Price,
}

#[derive(sqlx::FromRow)]
struct TariffRow {
    version: i64,
    parameters: String,
    note: String,
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    created_at: Timestamp,
    created_by: String,
}

impl Factories {
    /// The service over `db`.
    pub fn new(db: Database, clock: Arc<dyn Clock>) -> Self {
        Factories { db, clock }
    }

    /// The platform organisation with `code`, or not found (an enterprise's or a town's code
    /// names no factory).
    async fn platform_id(&self, connection: &mut sqlx::AnyConnection, code: &str) -> Result<i64> {
        sqlx::query_scalar("SELECT id FROM organizations WHERE code = $1 AND kind = 'platform'")
            .bind(code.trim())
            .fetch_optional(&mut *connection)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "factory",
                key: code.trim().to_owned(),
            })
    }

    /// The platforms with a published tariff and its current version, by name (anyone signed
    /// in: clients compare factories).
    pub async fn published(&self, _principal: &Principal) -> Result<Vec<PublishedFactory>> {
        Ok(sqlx::query_as(
            "SELECT o.code, o.name, t.version, t.created_at AS published_at FROM factory_tariffs t \
             JOIN organizations o ON o.id = t.platform_id \
             WHERE t.version = (SELECT MAX(l.version) FROM factory_tariffs l WHERE l.platform_id = t.platform_id) \
             ORDER BY o.name",
        )
        .fetch_all(self.db.pool())
        .await?)
    }

    /// The name of the platform `code`, or not found.
    pub async fn platform_name(&self, code: &str) -> Result<String> {
        sqlx::query_scalar("SELECT name FROM organizations WHERE code = $1 AND kind = 'platform'")
            .bind(code.trim())
            .fetch_optional(self.db.pool())
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "factory",
                key: code.trim().to_owned(),
            })
    }

    /// Every tariff version of the platform `code`, newest first.
    pub async fn tariff_versions(
        &self,
        _principal: &Principal,
        code: &str,
    ) -> Result<Vec<TariffVersion>> {
        let mut connection = self.db.pool().acquire().await?;
        let platform = self.platform_id(&mut connection, code).await?;
        let rows: Vec<TariffRow> = sqlx::query_as(
            "SELECT version, parameters, note, created_at, created_by FROM factory_tariffs WHERE platform_id = $1 ORDER BY version DESC",
        )
        .bind(platform)
        .fetch_all(&mut *connection)
        .await?;
        rows.into_iter()
            .map(|row| version_of(code.trim(), row))
            .collect()
    }

    /// Publishes the next version of the platform's tariff (its own staff). `expected_version`
    /// is the latest version the editor saw (`None` for the first).
    pub async fn save_tariff(
        &self,
        principal: &Principal,
        code: &str,
        tariff: &Tariff,
        note: &str,
        expected_version: Option<i64>,
    ) -> Result<TariffVersion> {
        let mut transaction = self.db.begin().await?;
        let platform = self.platform_id(&mut transaction, code).await?;
        if !policy::may_run_factory(principal, platform) {
            return Err(Error::Forbidden(
                "only the factory's own staff publish its tariff",
            ));
        }
        let mut errors = tariff.problems();
        let note = note.trim();
        if note.chars().count() > 500 {
            errors.push(FieldError::new(
                "note",
                Text::new("说明最长 500 字", "at most 500 characters"),
            ));
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let latest: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM factory_tariffs WHERE platform_id = $1")
                .bind(platform)
                .fetch_one(&mut *transaction)
                .await?;
        if expected_version != latest {
            return Err(Error::StaleVersion {
                current: latest.unwrap_or(0),
            });
        }
        let version = latest.unwrap_or(0) + 1;
        let now = self.clock.now();
        insert_tariff_version(
            &mut transaction,
            platform,
            version,
            tariff,
            note,
            now,
            &principal.username,
        )
        .await?;
        let mut changes = Changes::new();
        changes
            .created("version", version)
            .created("tariff", serde_json::to_value(tariff).unwrap_or_default());
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("factory_tariff.version_created", "factory", code.trim())
                .subject(platform)
                .changes(changes)
                .note(note),
        )
        .await?;
        transaction.commit().await?;
        Ok(TariffVersion {
            platform_code: code.trim().to_owned(),
            version,
            tariff: tariff.clone(),
            note: note.to_owned(),
            created_at: now,
            created_by: principal.username.clone(),
        })
    }

    /// Prices what an order needs under the platform's current tariff, with the calculation
    /// (anyone signed in may ask, as clients compare factories).
    pub async fn quote(
        &self,
        principal: &Principal,
        code: &str,
        input: &PricingInput,
    ) -> Result<Quote> {
        let Some(current) = self
            .tariff_versions(principal, code)
            .await?
            .into_iter()
            .next()
        else {
            return Err(Error::NotFound {
                what: "tariff",
                key: code.trim().to_owned(),
            });
        };
        let price = current.tariff.price(input)?;
        Ok(Quote {
            platform_code: current.platform_code,
            tariff_version: current.version,
            price,
        })
    }
}

/// Writes version `version` of a platform's tariff as it was published, inside the caller's
/// transaction, without a permission check (the demo data, imports); a version that exists is
/// a stale save.
pub async fn insert_tariff_version(
    connection: &mut sqlx::AnyConnection,
    platform_id: i64,
    version: i64,
    tariff: &Tariff,
    note: &str,
    at: Timestamp,
    by: &str,
) -> Result<()> {
    let problems = tariff.problems();
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let id = allocate_ids(&mut *connection, "factory_tariffs", 1).await?;
    let inserted = sqlx::query(
        "INSERT INTO factory_tariffs (id, platform_id, version, parameters, note, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(platform_id)
    .bind(version)
    .bind(serde_json::to_string(tariff).unwrap_or_default())
    .bind(note.trim())
    .bind(at.as_millis())
    .bind(by)
    .execute(&mut *connection)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(error) if unique_violation(&error).is_some() => {
            Err(Error::StaleVersion { current: version })
        }
        Err(error) => Err(zhizao_db::Error::from(error).into()),
    }
}

fn version_of(code: &str, row: TariffRow) -> Result<TariffVersion> {
    let tariff: Tariff = serde_json::from_str(&row.parameters).map_err(|error| {
        Error::Corrupt(format!(
            "tariff version {} of {code} cannot be read: {error}",
            row.version
        ))
    })?;
    Ok(TariffVersion {
        platform_code: code.to_owned(),
        version: row.version,
        tariff,
        note: row.note,
        created_at: row.created_at,
        created_by: row.created_by,
    })
}
