//! The demo data set.
//!
//! A deterministic (same seed, same data), fictitious but plausible picture of Zhongshan's
//! smart-manufacturing programme, big enough to feel real: the city bureau and every town and
//! sub-district office, the twelve service platforms the seed names or implies, about 1,500
//! enterprises spread over towns and industries the way the seed describes (appliances around
//! Nantou and Dongfeng, lighting around Guzhen and Henglan, hardware around Xiaolan, garments
//! around Shaxi and Dachong, electronics in the Torch zone, …), and exactly the recognition
//! counts the seed reports (demonstration projects 2 / 19 / 44, technology centres 4 / 102 / 323,
//! design centres 1 / 12, laboratories 1 / 6). People are written 张某某, the usual way of
//! anonymising a name, and every company name ends in （示例）, "sample".
//!
//! [`load`] writes it into an empty database and does nothing to one that already has an
//! organisation in it, so starting twice never duplicates anything.

mod assessments;
mod data;
mod directory;
mod documents;
mod factories;
mod factory_history;
pub mod scale;
pub use factories::polishing_centre;
mod history;
pub mod machines;
mod projects;
pub mod random;
mod requests;
mod shop_floor;
mod solutions;
mod talent;
mod training;
mod vouchers;

use std::sync::Arc;

use serde::Serialize;
use zhizao_core::{Clock, CreditCode, Timestamp};
use zhizao_db::Database;
use zhizao_identity::{
    Actor, NewOrganization, NewUser, PasswordHashing, create_organization_in, create_user_in,
};
use zhizao_registry::{BulkRegistrar, EnterpriseInput, RecognitionInput, link_platform_client};

pub use crate::documents::{attach_documents, attach_order_files};
pub use crate::history::{FleetDevice, HistorySummary, demo_fleet, load_history};
use crate::random::SplitMix64;
pub use crate::shop_floor::{FloorSummary, publish_floor_plans, start_demo_markers};

/// The password of every demo login.
pub const DEMO_PASSWORD: &str = "zhizao-demo-2026";

/// The seed of the demo data set.
pub const DEMO_SEED: u64 = 20_201_015;

/// Why loading the demo data failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Creating an organisation or a user failed.
    #[error("demo identity data: {0}")]
    Identity(#[from] zhizao_identity::Error),
    /// Registering an enterprise failed.
    #[error("demo registry data: {0}")]
    Registry(#[from] zhizao_registry::Error),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] zhizao_db::Error),
    /// Registering a demo device failed.
    #[error("demo devices: {0}")]
    Devices(#[from] zhizao_devices::Error),
    /// Writing the demo programmes failed.
    #[error("demo projects: {0}")]
    Projects(#[from] zhizao_projects::Error),
    /// Writing the shared factories' demo tariffs failed.
    #[error("demo factories: {0}")]
    Factory(#[from] zhizao_factory::Error),
    /// The service platforms' records failed.
    #[error(transparent)]
    Services(#[from] zhizao_services::Error),
    /// Writing the demo telemetry failed.
    #[error("demo telemetry: {0}")]
    Telemetry(#[from] zhizao_telemetry::Error),
    /// Recording the demo maturity assessments failed.
    #[error("demo assessments: {0}")]
    Assessment(#[from] zhizao_assessment::Error),
    /// Recording the demo solution library failed.
    #[error("demo solutions: {0}")]
    Solutions(#[from] zhizao_solutions::Error),
    /// Recording the demo training failed.
    #[error("demo training: {0}")]
    Training(zhizao_training::Error),
    /// Recording the demo talent, teams and IP failed.
    #[error("demo talent: {0}")]
    Talent(zhizao_talent::Error),
}

impl zhizao_core::Classified for Error {
    fn kind(&self) -> zhizao_core::ErrorKind {
        match self {
            Error::Identity(error) => error.kind(),
            Error::Registry(error) => error.kind(),
            Error::Database(error) => error.kind(),
            Error::Devices(error) => error.kind(),
            Error::Projects(error) => error.kind(),
            Error::Factory(error) => error.kind(),
            Error::Services(error) => error.kind(),
            Error::Telemetry(error) => error.kind(),
            Error::Assessment(error) => error.kind(),
            Error::Solutions(error) => error.kind(),
            Error::Training(error) => error.kind(),
            Error::Talent(error) => error.kind(),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Error::Database(zhizao_db::Error::Query(error))
    }
}

/// A demo login.
#[derive(Debug, Clone, Serialize)]
pub struct DemoLogin {
    /// User name.
    pub username: String,
    /// Role name.
    pub role: String,
    /// What the account shows, in English.
    pub description: String,
}

/// What [`load`] did.
#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    /// False when the database already had data and nothing was written.
    pub loaded: bool,
    /// Organisations created (towns, platforms, panels, enterprises).
    pub organizations: usize,
    /// Enterprises registered.
    pub enterprises: usize,
    /// The demo logins (all with [`DEMO_PASSWORD`]).
    pub logins: Vec<DemoLogin>,
}

/// The demo logins, whether or not this call loaded them.
pub fn demo_logins() -> Vec<DemoLogin> {
    data::USERS
        .iter()
        .map(|user| DemoLogin {
            username: user.username.to_owned(),
            role: user.role.to_owned(),
            description: user.description.to_owned(),
        })
        .collect()
}

/// Loads the demo data set into an empty database (reference data must already be synced).
pub async fn load(
    db: &Database,
    hashing: &PasswordHashing,
    clock: &Arc<dyn Clock>,
) -> Result<DemoSummary, Error> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations")
        .fetch_one(db.pool())
        .await?;
    if existing > 0 {
        return Ok(DemoSummary {
            loaded: false,
            organizations: 0,
            enterprises: 0,
            logins: demo_logins(),
        });
    }
    let now = clock.now();
    let actor = Actor::system("demo");
    let mut random = SplitMix64::new(DEMO_SEED);
    let mut transaction = db.begin().await?;
    let mut organizations = 0;

    let create = |code: String,
                  kind: &str,
                  name: String,
                  town: Option<String>,
                  sector: Option<&str>,
                  description: &str| NewOrganization {
        code,
        kind: kind.to_owned(),
        name,
        town_code: town,
        sector: sector.map(str::to_owned),
        description: description.to_owned(),
    };
    let mut plain = vec![create(
        "city".into(),
        "city",
        "中山市科学技术局".into(),
        None,
        None,
        "市级主管部门（示例）",
    )];
    let towns: Vec<(String, String)> = sqlx::query_as(
        "SELECT code, name_zh FROM towns WHERE valid_to IS NULL ORDER BY sort_order",
    )
    .fetch_all(&mut *transaction)
    .await?;
    for (code, name) in &towns {
        plain.push(create(
            code.clone(),
            "town",
            format!("{name}办事处"),
            Some(code.clone()),
            None,
            "",
        ));
    }
    for platform in data::PLATFORMS {
        plain.push(create(
            platform.code.into(),
            "platform",
            platform.name.into(),
            None,
            Some(platform.sector),
            platform.description,
        ));
    }
    for (code, name) in data::EXPERT_PANELS {
        plain.push(create(
            (*code).into(),
            "expert_panel",
            (*name).into(),
            None,
            None,
            "",
        ));
    }
    for organization in &plain {
        create_organization_in(&mut transaction, &actor, now, organization).await?;
        organizations += 1;
    }

    let platforms: Vec<(&str, &str, &str)> = data::PLATFORMS
        .iter()
        .map(|p| (p.code, p.sector, p.description))
        .collect();
    directory::load(&mut transaction, &platforms, now).await?;

    let registrar = BulkRegistrar::load(&mut transaction, now).await?;
    let enterprises = data::enterprises(&mut random, now);
    let mut enterprise_ids = Vec::with_capacity(enterprises.len());
    for enterprise in &enterprises {
        let id = registrar
            .register(&mut transaction, &actor, now, &enterprise.input)
            .await?;
        enterprise_ids.push(id);
        organizations += 1;
    }

    for platform in data::PLATFORMS {
        let platform_id: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE code = $1")
            .bind(platform.code)
            .fetch_one(&mut *transaction)
            .await?;
        for (index, enterprise) in enterprises.iter().enumerate() {
            if (platform.serves)(enterprise, &mut random) {
                link_platform_client(&mut transaction, platform_id, enterprise_ids[index], now)
                    .await?;
            }
        }
    }

    // The cutting centre's 500-odd clients: beyond the garment makers, furniture, packaging
    // and lighting makers who have fabric and leather cut.
    let cutting_id: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE code = $1")
        .bind("smart-cutting")
        .fetch_one(&mut *transaction)
        .await?;
    let mut cutting_clients: std::collections::HashSet<i64> =
        sqlx::query_scalar("SELECT enterprise_id FROM platform_clients WHERE platform_id = $1")
            .bind(cutting_id)
            .fetch_all(&mut *transaction)
            .await?
            .into_iter()
            .collect();
    for (index, enterprise) in enterprises.iter().enumerate() {
        if cutting_clients.len() >= data::CUTTING_CLIENTS {
            break;
        }
        if ["furniture", "packaging", "lighting", "plastics"].contains(&enterprise.cluster)
            && cutting_clients.insert(enterprise_ids[index])
        {
            link_platform_client(&mut transaction, cutting_id, enterprise_ids[index], now).await?;
        }
    }

    let maker_code = enterprises
        .iter()
        .find(|e| e.town == "442000111" && e.industry.starts_with("385"))
        .map(|e| e.code.to_string());
    for user in data::USERS {
        let organization_code = if user.organization == data::DEMO_ENTERPRISE {
            maker_code.clone().unwrap_or_default()
        } else {
            user.organization.to_owned()
        };
        let new = NewUser {
            organization_code,
            username: user.username.to_owned(),
            display_name: user.display_name.to_owned(),
            role: user.role.to_owned(),
            password: DEMO_PASSWORD.to_owned(),
            email: String::new(),
            phone: String::new(),
            // The demo enterprise and the polishing platform manage their own users.
            org_admin: matches!(user.username, "maker" | "polishing"),
        };
        create_user_in(&mut transaction, hashing, &actor, now, &new).await?;
    }
    let maker_index = enterprises
        .iter()
        .position(|e| Some(e.code.to_string()) == maker_code)
        .unwrap_or(0);
    let programmes = projects::load(
        &mut transaction,
        &mut random,
        now,
        &enterprises,
        &enterprise_ids,
        maker_index,
    )
    .await?;
    let major = projects::load_major(
        &mut transaction,
        &mut random,
        now,
        &enterprises,
        &enterprise_ids,
        maker_index,
    )
    .await?;
    let maker_id = maker_code.as_ref().and_then(|code| {
        enterprises
            .iter()
            .position(|e| e.code.to_string() == *code)
            .map(|index| enterprise_ids[index])
    });
    let factory_orders = load_factories(&mut transaction, now, maker_id).await?;
    let service_requests = requests::load(&mut transaction, &mut random, now, maker_id).await?;
    let vouchers = vouchers::load(&mut transaction, &mut random, now, maker_id).await?;
    let assessments = assessments::load(&mut transaction, now, maker_id).await?;
    let (solutions, adoptions) = solutions::load(&mut transaction, now, maker_id).await?;
    let (courses, enrolments) = training::load(&mut transaction, now, maker_id).await?;
    let (talents, teams, ip_assets) = talent::load(&mut transaction, now, maker_id).await?;
    zhizao_identity::audit::record(
        &mut transaction,
        &actor,
        now,
        zhizao_identity::audit::AuditEntry::new("demo.loaded", "system", "demo")
            .note(format!("seed {DEMO_SEED}")),
    )
    .await?;
    transaction.commit().await?;
    // A lighting maker of Xiaolan asking to join, for the town's queue.
    zhizao_registry::Registry::new(db.clone(), Arc::clone(clock))
        .request_signup(hashing, &data::signup(), "demo")
        .await?;
    tracing::info!(
        factory_orders,
        service_requests,
        vouchers,
        assessments,
        solutions,
        adoptions,
        courses,
        enrolments,
        talents,
        teams,
        ip_assets,
        organizations,
        enterprises = enterprises.len(),
        batches = programmes.batches,
        applications = programmes.applications,
        major_applications = major,
        "demo data loaded"
    );
    Ok(DemoSummary {
        loaded: true,
        organizations,
        enterprises: enterprises.len(),
        logins: demo_logins(),
    })
}

/// One generated enterprise, with what the platforms choose their clients by.
#[derive(Debug, Clone)]
pub(crate) struct DemoEnterprise {
    pub(crate) code: CreditCode,
    pub(crate) town: String,
    pub(crate) industry: String,
    pub(crate) cluster: &'static str,
    pub(crate) input: EnterpriseInput,
}

pub(crate) fn recognition(kind: &str, level: &str, year: i64) -> RecognitionInput {
    RecognitionInput {
        kind: kind.to_owned(),
        level: level.to_owned(),
        year,
        title: String::new(),
    }
}

pub(crate) fn now_year(now: Timestamp) -> i64 {
    now.to_shanghai_date_string()
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or(2026)
}

/// Publishes the shared factories' tariffs and set-ups and places their demo orders (the demo
/// maker, made a client of the polishing centre, among their clients). Returns how many orders.
async fn load_factories(
    transaction: &mut sqlx::AnyConnection,
    now: Timestamp,
    maker_id: Option<i64>,
) -> Result<usize, Error> {
    let setups = factories::setups(now);
    let mut documents = Vec::new();
    let mut clients = Vec::new();
    for (code, tariff, note) in factories::tariffs() {
        let platform_id: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE code = $1")
            .bind(code)
            .fetch_one(&mut *transaction)
            .await?;
        zhizao_factory::insert_tariff_version(
            transaction,
            platform_id,
            1,
            &tariff,
            note,
            now,
            "demo",
        )
        .await?;
        let Some((_, setup, setup_note)) = setups.iter().find(|(c, _, _)| *c == code) else {
            continue;
        };
        zhizao_factory::insert_setup_version(
            transaction,
            platform_id,
            1,
            setup,
            setup_note,
            now,
            "demo",
        )
        .await?;
        let mut ids: Vec<i64> = Vec::new();
        if code == "robot-polishing"
            && let Some(maker) = maker_id
        {
            link_platform_client(transaction, platform_id, maker, now).await?;
            ids.push(maker);
        }
        let others: Vec<i64> = sqlx::query_scalar(
            "SELECT enterprise_id FROM platform_clients WHERE platform_id = $1 ORDER BY enterprise_id LIMIT 6",
        )
        .bind(platform_id)
        .fetch_all(&mut *transaction)
        .await?;
        ids.extend(others.into_iter().filter(|id| Some(*id) != maker_id));
        clients.push((platform_id, ids));
        documents.push((
            platform_id,
            zhizao_factory::SetupVersion {
                platform_code: code.to_owned(),
                version: 1,
                setup: setup.clone(),
                note: (*setup_note).to_owned(),
                created_at: now,
                created_by: "demo".into(),
            },
            zhizao_factory::TariffVersion {
                platform_code: code.to_owned(),
                version: 1,
                tariff,
                note: note.to_owned(),
                created_at: now,
                created_by: "demo".into(),
            },
        ));
    }
    let live = factories::load_orders(transaction, now, &documents, &clients).await?;
    let past = factory_history::load(transaction, now, &documents).await?;
    Ok(live + past)
}
