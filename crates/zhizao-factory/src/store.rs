//! The shared factories' versioned documents: each platform's tariff and set-up. A version is
//! never edited: saving writes the next one, checked against the version the editor saw, and
//! audited. Anyone signed in reads a platform's tariff (published prices are for clients to
//! compare); its set-up only its own staff and the city read; only its own staff write either.

use std::sync::Arc;

use serde::Serialize;
use zhizao_core::{Clock, FieldError, Text, Timestamp};
use zhizao_db::{Database, allocate_ids, unique_violation};
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::{Principal, policy};

use crate::setup::Setup;
use crate::tariff::{Price, PricingInput, Tariff};
use crate::{Error, Result};

/// The shared-factory service: one per process, cheap to clone.
#[derive(Debug, Clone)]
pub struct Factories {
    pub(crate) db: Database,
    pub(crate) clock: Arc<dyn Clock>,
    /// How long a quote's plan may search, and an optional iteration budget (tests).
    pub(crate) plan_budget: (std::time::Duration, Option<u64>),
    /// The same for a planner's plan of the whole factory.
    pub(crate) planning_budget: (std::time::Duration, Option<u64>),
    /// Where the machines' reports are (OEE, progress); none in tests that do not need it.
    pub(crate) telemetry: Option<zhizao_telemetry::TelemetryStore>,
    /// What devices did on settled days, read once.
    pub(crate) activity: Arc<crate::signals::ActivityCache>,
    /// Where orders' files are kept; none where no files are taken.
    pub(crate) file_dir: Option<std::path::PathBuf>,
    /// Marker runs searching in the background.
    pub(crate) nesting: Arc<crate::markers::NestingRunner>,
}

/// How long an instant quote's plan searches: at most 1.5 s and 5,000 iterations.
pub const DEFAULT_QUOTE_BUDGET: (std::time::Duration, Option<u64>) =
    (std::time::Duration::from_millis(1500), Some(5_000));

/// One version of a platform's set-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetupVersion {
    /// The platform's organisation code.
    pub platform_code: String,
    /// 1, 2, …
    pub version: i64,
    /// The set-up.
    pub setup: Setup,
    /// What changed, in the author's words.
    pub note: String,
    /// When it was saved.
    pub created_at: Timestamp,
    /// By whom.
    pub created_by: String,
}

/// The two versioned documents.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Document {
    Tariff,
    Setup,
}

impl Document {
    fn table(self) -> &'static str {
        match self {
            Document::Tariff => "factory_tariffs",
            Document::Setup => "factory_setups",
        }
    }

    fn insert(self) -> &'static str {
        match self {
            Document::Tariff => {
                "INSERT INTO factory_tariffs (id, platform_id, version, parameters, note, created_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)"
            }
            Document::Setup => {
                "INSERT INTO factory_setups (id, platform_id, version, parameters, note, created_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)"
            }
        }
    }

    fn versions(self) -> &'static str {
        match self {
            Document::Tariff => {
                "SELECT version, parameters, note, created_at, created_by FROM factory_tariffs \
                 WHERE platform_id = $1 ORDER BY version DESC"
            }
            Document::Setup => {
                "SELECT version, parameters, note, created_at, created_by FROM factory_setups \
                 WHERE platform_id = $1 ORDER BY version DESC"
            }
        }
    }

    fn latest(self) -> &'static str {
        match self {
            Document::Tariff => "SELECT MAX(version) FROM factory_tariffs WHERE platform_id = $1",
            Document::Setup => "SELECT MAX(version) FROM factory_setups WHERE platform_id = $1",
        }
    }
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
pub(crate) struct DocumentRow {
    pub(crate) version: i64,
    parameters: String,
    note: String,
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    created_at: Timestamp,
    created_by: String,
}

impl Factories {
    /// The service over `db`.
    pub fn new(db: Database, clock: Arc<dyn Clock>) -> Self {
        Factories {
            db,
            clock,
            plan_budget: DEFAULT_QUOTE_BUDGET,
            planning_budget: (std::time::Duration::from_secs(10), None),
            telemetry: None,
            activity: Arc::default(),
            file_dir: None,
            nesting: Arc::new(crate::markers::NestingRunner::new(None)),
        }
    }

    /// The same service keeping orders' files under `directory`.
    pub fn with_file_dir(mut self, directory: std::path::PathBuf) -> Self {
        self.file_dir = Some(directory);
        self
    }

    /// The same service reading the machines' reports from `store`.
    pub fn with_telemetry(mut self, store: zhizao_telemetry::TelemetryStore) -> Self {
        self.telemetry = Some(store);
        self
    }

    /// The same service with quotes and plans searched under this budget (tests fix an
    /// iteration budget so that dates do not depend on the machine's speed).
    pub fn with_plan_budget(
        mut self,
        time_limit: std::time::Duration,
        max_iterations: Option<u64>,
    ) -> Self {
        self.plan_budget = (time_limit, max_iterations);
        self.planning_budget = (time_limit, max_iterations);
        self
    }

    /// The same service with a planner's plans searched for at most `time_limit`.
    pub fn with_planning_limit(mut self, time_limit: std::time::Duration) -> Self {
        self.planning_budget = (time_limit, None);
        self
    }

    /// The platform with `code` when `principal` may read its set-up and what is made of it
    /// (its staff and the city), else `what` is not found, so its existence does not leak.
    pub(crate) async fn readable_platform(
        &self,
        connection: &mut sqlx::AnyConnection,
        principal: &Principal,
        code: &str,
        what: &'static str,
    ) -> Result<i64> {
        let platform = self.platform_id(connection, code).await?;
        if !policy::may_read_factory_setup(principal, platform) {
            return Err(Error::NotFound {
                what,
                key: code.trim().to_owned(),
            });
        }
        Ok(platform)
    }

    /// The platform organisation with `code`, or not found (an enterprise's or a town's code
    /// names no factory).
    pub(crate) async fn platform_id(
        &self,
        connection: &mut sqlx::AnyConnection,
        code: &str,
    ) -> Result<i64> {
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
        document_rows(&mut connection, Document::Tariff, platform)
            .await?
            .into_iter()
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
        errors.extend(note_problems(note));
        let note = note.trim();
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let version = next_version(
            &mut transaction,
            Document::Tariff,
            platform,
            expected_version,
        )
        .await?;
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

    /// Every version of the platform's set-up, newest first (its own staff and the city).
    pub async fn setup_versions(
        &self,
        principal: &Principal,
        code: &str,
    ) -> Result<Vec<SetupVersion>> {
        let mut connection = self.db.pool().acquire().await?;
        let platform = self.platform_id(&mut connection, code).await?;
        if !policy::may_read_factory_setup(principal, platform) {
            return Err(Error::NotFound {
                what: "factory set-up",
                key: code.trim().to_owned(),
            });
        }
        document_rows(&mut connection, Document::Setup, platform)
            .await?
            .into_iter()
            .map(|row| setup_version_of(code.trim(), row))
            .collect()
    }

    /// Saves the next version of the platform's set-up (its own staff). `expected_version` is
    /// the latest version the editor saw (`None` for the first).
    pub async fn save_setup(
        &self,
        principal: &Principal,
        code: &str,
        setup: &Setup,
        note: &str,
        expected_version: Option<i64>,
    ) -> Result<SetupVersion> {
        let mut transaction = self.db.begin().await?;
        let platform = self.platform_id(&mut transaction, code).await?;
        if !policy::may_read_factory_setup(principal, platform) {
            return Err(Error::NotFound {
                what: "factory set-up",
                key: code.trim().to_owned(),
            });
        }
        if !policy::may_run_factory(principal, platform) {
            return Err(Error::Forbidden("only the factory's own staff set it up"));
        }
        let mut errors = setup.problems();
        errors.extend(note_problems(note));
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let version = next_version(
            &mut transaction,
            Document::Setup,
            platform,
            expected_version,
        )
        .await?;
        let now = self.clock.now();
        insert_setup_version(
            &mut transaction,
            platform,
            version,
            setup,
            note,
            now,
            &principal.username,
        )
        .await?;
        let mut changes = Changes::new();
        changes
            .created("version", version)
            .created("resources", setup.resources.len() as i64);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("factory_setup.version_created", "factory", code.trim())
                .subject(platform)
                .changes(changes)
                .note(note.trim()),
        )
        .await?;
        transaction.commit().await?;
        Ok(SetupVersion {
            platform_code: code.trim().to_owned(),
            version,
            setup: setup.clone(),
            note: note.trim().to_owned(),
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
    let parameters = serde_json::to_string(tariff).unwrap_or_default();
    insert_document(
        connection,
        Document::Tariff,
        platform_id,
        version,
        &parameters,
        note,
        at,
        by,
    )
    .await
}

/// Writes version `version` of a platform's set-up as it was saved, inside the caller's
/// transaction, without a permission check (the demo data, imports); a version that exists is
/// a stale save.
pub async fn insert_setup_version(
    connection: &mut sqlx::AnyConnection,
    platform_id: i64,
    version: i64,
    setup: &Setup,
    note: &str,
    at: Timestamp,
    by: &str,
) -> Result<()> {
    let problems = setup.problems();
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let parameters = serde_json::to_string(setup).unwrap_or_default();
    insert_document(
        connection,
        Document::Setup,
        platform_id,
        version,
        &parameters,
        note,
        at,
        by,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn insert_document(
    connection: &mut sqlx::AnyConnection,
    document: Document,
    platform_id: i64,
    version: i64,
    parameters: &str,
    note: &str,
    at: Timestamp,
    by: &str,
) -> Result<()> {
    let id = allocate_ids(&mut *connection, document.table(), 1).await?;
    let inserted = sqlx::query(document.insert())
        .bind(id)
        .bind(platform_id)
        .bind(version)
        .bind(parameters)
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

/// The latest set-up of `platform` (whose code is `code`), or not found.
pub(crate) async fn latest_setup(
    connection: &mut sqlx::AnyConnection,
    platform: i64,
    code: &str,
) -> Result<SetupVersion> {
    document_rows(connection, Document::Setup, platform)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotFound {
            what: "factory set-up",
            key: code.trim().to_owned(),
        })
        .and_then(|row| setup_version_of(code.trim(), row))
}

/// Every version of a platform's document, newest first.
pub(crate) async fn document_rows(
    connection: &mut sqlx::AnyConnection,
    document: Document,
    platform: i64,
) -> Result<Vec<DocumentRow>> {
    Ok(sqlx::query_as(document.versions())
        .bind(platform)
        .fetch_all(&mut *connection)
        .await?)
}

/// The version a save writes, when the editor saw the latest (`expected`).
async fn next_version(
    connection: &mut sqlx::AnyConnection,
    document: Document,
    platform: i64,
    expected: Option<i64>,
) -> Result<i64> {
    let latest: Option<i64> = sqlx::query_scalar(document.latest())
        .bind(platform)
        .fetch_one(&mut *connection)
        .await?;
    if expected != latest {
        return Err(Error::StaleVersion {
            current: latest.unwrap_or(0),
        });
    }
    Ok(latest.unwrap_or(0) + 1)
}

fn note_problems(note: &str) -> Vec<FieldError> {
    if note.trim().chars().count() > 500 {
        vec![FieldError::new(
            "note",
            Text::new("说明最长 500 字", "at most 500 characters"),
        )]
    } else {
        Vec::new()
    }
}

pub(crate) fn setup_version_of(code: &str, row: DocumentRow) -> Result<SetupVersion> {
    let setup: Setup = serde_json::from_str(&row.parameters).map_err(|error| {
        Error::Corrupt(format!(
            "set-up version {} of {code} cannot be read: {error}",
            row.version
        ))
    })?;
    Ok(SetupVersion {
        platform_code: code.to_owned(),
        version: row.version,
        setup,
        note: row.note,
        created_at: row.created_at,
        created_by: row.created_by,
    })
}

pub(crate) fn version_of(code: &str, row: DocumentRow) -> Result<TariffVersion> {
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
