//! The service catalogue: the services each platform offers, in versions. A platform's staff
//! write a draft and submit it; the city checks it and returns it with a reason or puts it on
//! public notice for [`NOTICE_DAYS`] days, after which it is published. A published version is
//! never edited: a change is the next version (a draft again), which replaces the published one
//! once its own notice ends. A platform may withdraw a service.
//!
//! "Published" and "superseded" follow from the time: a version on notice whose window has ended
//! is the published one when no later version of the same service has also ended its notice.
//! Drafts, submissions, returned and withdrawn versions are seen by the platform's staff and the
//! city only; what is on notice or published is seen by anyone.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use zhizao_core::{Fen, FieldError, Text, Timestamp, closed_vocabulary};
use zhizao_db::allocate_ids;
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy;

use crate::{Error, Problems, PublicServices, Result};

/// Days a checked service stays on public notice before it is published.
pub const NOTICE_DAYS: i64 = 5;

closed_vocabulary! {
    /// Where the service is delivered.
    DeliveryMode, "delivery mode" {
        /// At the enterprise.
        OnSite => "on_site", "上门服务", "On site";
        /// Online.
        Online => "online", "线上服务", "Online";
        /// At the platform.
        AtPlatform => "at_platform", "到平台办理", "At the platform";
    }
}

closed_vocabulary! {
    /// How the service is priced.
    PriceModel, "price model" {
        /// Free of charge.
        Free => "free", "免费", "Free";
        /// A fixed price.
        Fixed => "fixed", "固定价格", "Fixed price";
        /// A quote for each request.
        Quote => "quote", "按需报价", "On quotation";
    }
}

closed_vocabulary! {
    /// Where a version stands.
    OfferingStatus, "service status" {
        /// Its platform is writing it.
        Draft => "draft", "草稿", "Draft";
        /// Waiting for the city's check.
        Submitted => "submitted", "待审核", "Awaiting the city's check";
        /// The city returned it with a reason.
        Returned => "returned", "已退回", "Returned";
        /// On public notice.
        Notice => "notice", "公示中", "On public notice";
        /// In the catalogue.
        Published => "published", "已发布", "Published";
        /// A later version replaced it.
        Superseded => "superseded", "已被新版本替代", "Superseded";
        /// Its platform withdrew it.
        Withdrawn => "withdrawn", "已下架", "Withdrawn";
    }
}

/// A service as its platform writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferingInput {
    /// Its title (1–60 characters).
    pub title: String,
    /// The sector's code.
    pub sector: String,
    /// What the enterprise gets (1–2,000 characters).
    pub description: String,
    /// Where it is delivered: on_site, online or at_platform.
    pub delivery_mode: String,
    /// free, fixed or quote.
    pub price_model: String,
    /// The fixed price (fixed only).
    #[serde(default)]
    pub price: Option<Fen>,
    /// Typical days from request to delivery (0–365).
    pub lead_days: i64,
    /// Whether innovation vouchers may pay part of it.
    #[serde(default)]
    pub vouchers: bool,
}

/// One version of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offering {
    /// The version's id.
    pub id: i64,
    /// The service across its versions.
    pub number: String,
    /// Its version.
    pub version: i64,
    /// Where it stands now.
    pub status: OfferingStatus,
    /// The platform's organisation code and name.
    pub platform_code: String,
    /// The platform's name.
    pub platform_name: String,
    /// Its title.
    pub title: String,
    /// Its sector's code.
    pub sector: Option<String>,
    /// What the enterprise gets.
    pub description: String,
    /// Where it is delivered.
    pub delivery_mode: DeliveryMode,
    /// How it is priced.
    pub price_model: PriceModel,
    /// The fixed price.
    pub price: Option<Fen>,
    /// Typical days to delivery.
    pub lead_days: i64,
    /// Vouchers may pay part of it.
    pub vouchers: bool,
    /// The city's reason when it returned the version.
    pub check_note: String,
    /// Written when and by whom.
    pub created_at: Timestamp,
    /// Its writer.
    pub created_by: String,
    /// Submitted for the check.
    pub submitted_at: Option<Timestamp>,
    /// Checked, and by whom.
    pub checked_at: Option<Timestamp>,
    /// The checker.
    pub checked_by: Option<String>,
    /// The end of its public notice.
    pub notice_ends_at: Option<Timestamp>,
    /// Its row version (send it back with a change).
    pub row_version: i64,
}

impl Offering {
    /// Whether it is in the public catalogue (on notice or published).
    pub fn public(&self) -> bool {
        matches!(
            self.status,
            OfferingStatus::Notice | OfferingStatus::Published
        )
    }

    /// Whether anyone may read it: in the catalogue, or once published and since replaced.
    pub fn readable_by_anyone(&self) -> bool {
        self.public() || self.status == OfferingStatus::Superseded
    }
}

/// Which services to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueFilter {
    /// Only this sector's.
    pub sector: Option<String>,
    /// Only this platform's (organisation code).
    pub platform: Option<String>,
    /// Only free ones.
    pub free: bool,
    /// Only those vouchers may pay.
    pub vouchers: bool,
    /// Only versions in this status (the platform's own and the city's lists).
    pub status: Option<OfferingStatus>,
    /// Words in the title or description.
    pub text: Option<String>,
}

/// What the city decides on a submitted version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Put it on public notice.
    Approve,
    /// Return it to its platform (a reason is required).
    Return,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    platform_id: i64,
    platform_code: String,
    platform_name: String,
    number: String,
    version: i64,
    status: String,
    title: String,
    sector_code: Option<String>,
    description: String,
    delivery_mode: String,
    price_model: String,
    price_fen: Option<i64>,
    lead_days: i64,
    vouchers: i64,
    check_note: String,
    created_at: i64,
    created_by: String,
    submitted_at: Option<i64>,
    checked_at: Option<i64>,
    checked_by: Option<String>,
    notice_ends_at: Option<i64>,
    row_version: i64,
}

/// The catalogue's query ending in `tail`.
macro_rules! select_offerings {
    ($tail:literal) => {
        concat!(
            "SELECT s.id, s.platform_id, o.code AS platform_code, o.name AS platform_name, s.number, \
             s.version, s.status, s.title, s.sector_code, s.description, s.delivery_mode, \
             s.price_model, s.price_fen, s.lead_days, s.vouchers, s.check_note, s.created_at, \
             s.created_by, s.submitted_at, s.checked_at, s.checked_by, s.notice_ends_at, \
             s.row_version FROM service_offerings s JOIN organizations o ON o.id = s.platform_id",
            $tail
        )
    };
}

fn corrupt(row: &Row, what: &str) -> Error {
    Error::Corrupt(format!(
        "service {} v{}: its {what}",
        row.number, row.version
    ))
}

/// The versions of `rows` with the status the time gives them (see the module's notes), with
/// the platform each belongs to.
fn settle(rows: Vec<Row>, now: Timestamp) -> Result<Vec<(i64, Offering)>> {
    let ended = |row: &Row| {
        row.status == "notice" && row.notice_ends_at.is_some_and(|end| end <= now.as_millis())
    };
    let mut newest_ended: HashMap<String, i64> = HashMap::new();
    for row in rows.iter().filter(|r| ended(r)) {
        let newest = newest_ended
            .entry(row.number.clone())
            .or_insert(row.version);
        *newest = (*newest).max(row.version);
    }
    rows.into_iter()
        .map(|row| {
            let status = if ended(&row) {
                if newest_ended.get(&row.number) == Some(&row.version) {
                    OfferingStatus::Published
                } else {
                    OfferingStatus::Superseded
                }
            } else {
                row.status.parse().map_err(|_| corrupt(&row, "status"))?
            };
            let delivery_mode = row
                .delivery_mode
                .parse()
                .map_err(|_| corrupt(&row, "delivery mode"))?;
            let price_model = row
                .price_model
                .parse()
                .map_err(|_| corrupt(&row, "price model"))?;
            Ok((
                row.platform_id,
                Offering {
                    id: row.id,
                    number: row.number,
                    version: row.version,
                    status,
                    platform_code: row.platform_code,
                    platform_name: row.platform_name,
                    title: row.title,
                    sector: row.sector_code,
                    description: row.description,
                    delivery_mode,
                    price_model,
                    price: row.price_fen.map(Fen::new),
                    lead_days: row.lead_days,
                    vouchers: row.vouchers == 1,
                    check_note: row.check_note,
                    created_at: Timestamp::from_millis(row.created_at),
                    created_by: row.created_by,
                    submitted_at: row.submitted_at.map(Timestamp::from_millis),
                    checked_at: row.checked_at.map(Timestamp::from_millis),
                    checked_by: row.checked_by,
                    notice_ends_at: row.notice_ends_at.map(Timestamp::from_millis),
                    row_version: row.row_version,
                },
            ))
        })
        .collect()
}

/// A checked input: (title, sector, description, mode, model, price, lead days, vouchers).
struct Checked {
    title: String,
    sector: String,
    description: String,
    delivery_mode: DeliveryMode,
    price_model: PriceModel,
    price: Option<Fen>,
    lead_days: i64,
    vouchers: bool,
}

impl OfferingInput {
    fn check(&self, sectors: &[crate::Sector]) -> Result<Checked> {
        let mut problems = Problems::default();
        let title = self.title.trim();
        if !(1..=60).contains(&title.chars().count()) {
            problems.add(
                "title",
                "请填写服务名称（最长 60 字）".into(),
                "give the service a title (at most 60 characters)".into(),
            );
        }
        let sector = self.sector.trim();
        if !sectors.iter().any(|s| s.code == sector) {
            problems.add(
                "sector",
                format!("请选择板块（没有“{sector}”）"),
                format!("choose a sector (there is no {sector:?})"),
            );
        }
        let description = self.description.trim();
        if !(1..=2000).contains(&description.chars().count()) {
            problems.add(
                "description",
                "请说明服务内容（最长 2000 字）".into(),
                "describe the service (at most 2,000 characters)".into(),
            );
        }
        let delivery_mode = self.delivery_mode.trim().parse::<DeliveryMode>();
        if delivery_mode.is_err() {
            problems.add(
                "delivery_mode",
                "请选择服务方式（上门、线上、到平台）".into(),
                "choose a delivery mode: on_site, online or at_platform".into(),
            );
        }
        let price_model = self.price_model.trim().parse::<PriceModel>();
        match (&price_model, self.price) {
            (Err(_), _) => problems.add(
                "price_model",
                "请选择收费方式（免费、固定价格、按需报价）".into(),
                "choose a price model: free, fixed or quote".into(),
            ),
            (Ok(PriceModel::Fixed), price) if price.is_none_or(|p| p.get() <= 0) => problems.add(
                "price",
                "固定价格须为正数".into(),
                "a fixed price is more than zero".into(),
            ),
            (Ok(PriceModel::Free | PriceModel::Quote), Some(_)) => problems.add(
                "price",
                "只有固定价格的服务填写价格".into(),
                "only a fixed-price service has a price".into(),
            ),
            _ => {}
        }
        if self.price.is_some_and(|p| p.get() > 100_000_000_000) {
            problems.add("price", "价格过大".into(), "the price is too large".into());
        }
        if !(0..=365).contains(&self.lead_days) {
            problems.add(
                "lead_days",
                "办理周期为 0–365 天".into(),
                "the lead time is 0 to 365 days".into(),
            );
        }
        problems.into_result()?;
        Ok(Checked {
            title: title.to_owned(),
            sector: sector.to_owned(),
            description: description.to_owned(),
            delivery_mode: delivery_mode.map_err(|_| Error::Corrupt("checked".into()))?,
            price_model: price_model.map_err(|_| Error::Corrupt("checked".into()))?,
            price: self.price,
            lead_days: self.lead_days,
            vouchers: self.vouchers,
        })
    }
}

fn transition(zh: &'static str, en: &'static str) -> Error {
    Error::Transition(Text::new(zh, en))
}

impl PublicServices {
    async fn offering_rows(
        &self,
        connection: &mut sqlx::AnyConnection,
    ) -> Result<Vec<(i64, Offering)>> {
        let rows: Vec<Row> = sqlx::query_as(select_offerings!(" ORDER BY s.number, s.version"))
            .fetch_all(&mut *connection)
            .await?;
        settle(rows, self.clock.now())
    }

    /// The version `id` as `principal` may see it, with its platform's id; not found when
    /// they may not.
    async fn visible(
        &self,
        connection: &mut sqlx::AnyConnection,
        principal: Option<&Principal>,
        id: i64,
    ) -> Result<(i64, Offering)> {
        let rows: Vec<Row> = sqlx::query_as(select_offerings!(
            " WHERE s.number = (SELECT number FROM service_offerings WHERE id = $1) ORDER BY s.version"
        ))
        .bind(id)
        .fetch_all(&mut *connection)
        .await?;
        settle(rows, self.clock.now())?
            .into_iter()
            .find(|(platform, offering)| {
                offering.id == id
                    && (offering.readable_by_anyone()
                        || principal
                            .is_some_and(|p| policy::may_read_platform_drafts(p, *platform)))
            })
            .ok_or_else(|| Error::NotFound {
                what: "service",
                key: id.to_string(),
            })
    }

    /// The versions `principal` may see that `filter` selects: to anyone the catalogue (each
    /// service's published version, or the version on notice when none is published yet); to
    /// a platform's staff also their own drafts, submissions and returned versions, and to the
    /// city every platform's (with `status`, those in it).
    pub async fn offerings(
        &self,
        principal: Option<&Principal>,
        filter: &CatalogueFilter,
    ) -> Result<Vec<Offering>> {
        let mut connection = self.db.pool().acquire().await?;
        let all = self.offering_rows(&mut connection).await?;
        let words: Vec<String> = filter
            .text
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        // The newest public version of each service.
        let mut catalogue: HashMap<&str, &Offering> = HashMap::new();
        for (_, offering) in &all {
            if offering.public()
                && catalogue.get(offering.number.as_str()).is_none_or(|seen| {
                    seen.status != OfferingStatus::Published
                        || offering.status == OfferingStatus::Published
                })
            {
                catalogue.insert(&offering.number, offering);
            }
        }
        let mut found: Vec<Offering> = all
            .iter()
            .filter(|(platform, offering)| match filter.status {
                Some(status) => {
                    offering.status == status
                        && (offering.public()
                            || principal
                                .is_some_and(|p| policy::may_read_platform_drafts(p, *platform)))
                }
                None => {
                    catalogue
                        .get(offering.number.as_str())
                        .is_some_and(|shown| shown.id == offering.id)
                        || (!offering.public()
                            && !matches!(
                                offering.status,
                                OfferingStatus::Superseded | OfferingStatus::Withdrawn
                            )
                            && principal.is_some_and(|p| policy::may_offer_services(p, *platform)))
                }
            })
            .map(|(_, offering)| offering)
            .filter(|o| {
                filter
                    .sector
                    .as_deref()
                    .is_none_or(|s| o.sector.as_deref() == Some(s.trim()))
                    && filter
                        .platform
                        .as_deref()
                        .is_none_or(|p| o.platform_code == p.trim())
                    && (!filter.free || o.price_model == PriceModel::Free)
                    && (!filter.vouchers || o.vouchers)
                    && {
                        let haystack = format!("{} {}", o.title, o.description).to_lowercase();
                        words.iter().all(|w| haystack.contains(w))
                    }
            })
            .cloned()
            .collect();
        found.sort_by(|a, b| (&a.platform_name, &a.title).cmp(&(&b.platform_name, &b.title)));
        Ok(found)
    }

    /// One version of a service (anyone, once it is on notice; before, its platform's staff
    /// and the city).
    pub async fn offering(&self, principal: Option<&Principal>, id: i64) -> Result<Offering> {
        let mut connection = self.db.pool().acquire().await?;
        Ok(self.visible(&mut connection, principal, id).await?.1)
    }

    /// Every version of the service version `id` belongs to, oldest first (as `offering`).
    pub async fn offering_versions(
        &self,
        principal: Option<&Principal>,
        id: i64,
    ) -> Result<Vec<Offering>> {
        let mut connection = self.db.pool().acquire().await?;
        let (platform, offering) = self.visible(&mut connection, principal, id).await?;
        let rows: Vec<Row> =
            sqlx::query_as(select_offerings!(" WHERE s.number = $1 ORDER BY s.version"))
                .bind(&offering.number)
                .fetch_all(&mut *connection)
                .await?;
        let insider = principal.is_some_and(|p| policy::may_read_platform_drafts(p, platform));
        Ok(settle(rows, self.clock.now())?
            .into_iter()
            .map(|(_, o)| o)
            .filter(|o| insider || o.readable_by_anyone())
            .collect())
    }

    /// Whether `principal` offers the services of platform `code` (its own staff).
    pub async fn may_offer_for(&self, principal: &Principal, code: &str) -> Result<bool> {
        let platform: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM organizations WHERE code = $1 AND kind = 'platform'",
        )
        .bind(code.trim())
        .fetch_optional(self.db.pool())
        .await?;
        Ok(platform.is_some_and(|id| policy::may_offer_services(principal, id)))
    }

    /// A new service of platform `code`, as a draft (its staff); audited.
    pub async fn create_offering(
        &self,
        principal: &Principal,
        code: &str,
        input: &OfferingInput,
    ) -> Result<Offering> {
        let platform: i64 = sqlx::query_scalar(
            "SELECT id FROM organizations WHERE code = $1 AND kind = 'platform'",
        )
        .bind(code.trim())
        .fetch_optional(self.db.pool())
        .await?
        .ok_or_else(|| Error::NotFound {
            what: "service platform",
            key: code.trim().to_owned(),
        })?;
        if !policy::may_offer_services(principal, platform) {
            return Err(Error::Forbidden(
                "a platform's own staff offer its services",
            ));
        }
        let checked = input.check(&self.sectors().await?)?;
        let mut transaction = self.db.begin().await?;
        let number_id = allocate_ids(&mut transaction, "service_numbers", 1).await?;
        let now = self.clock.now();
        let year = &now.to_shanghai_date_string()[..4];
        let number = format!("SV{year}-{number_id:04}");
        let id = self
            .insert_version(&mut transaction, principal, platform, &number, 1, &checked)
            .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("service_offering.created", "service_offering", &number)
                .subject(platform)
                .changes(changes_of(&checked)),
        )
        .await?;
        transaction.commit().await?;
        self.offering(Some(principal), id).await
    }

    async fn insert_version(
        &self,
        connection: &mut sqlx::AnyConnection,
        principal: &Principal,
        platform: i64,
        number: &str,
        version: i64,
        checked: &Checked,
    ) -> Result<i64> {
        let id = allocate_ids(&mut *connection, "service_offerings", 1).await?;
        let now = self.clock.now().as_millis();
        sqlx::query(
            "INSERT INTO service_offerings (id, platform_id, number, version, status, title, sector_code, description, \
             delivery_mode, price_model, price_fen, lead_days, vouchers, created_at, created_by, updated_at) \
             VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $13)",
        )
        .bind(id)
        .bind(platform)
        .bind(number)
        .bind(version)
        .bind(&checked.title)
        .bind(&checked.sector)
        .bind(&checked.description)
        .bind(checked.delivery_mode.as_str())
        .bind(checked.price_model.as_str())
        .bind(checked.price.map(Fen::get))
        .bind(checked.lead_days)
        .bind(i64::from(checked.vouchers))
        .bind(now)
        .bind(&principal.username)
        .execute(&mut *connection)
        .await?;
        Ok(id)
    }

    /// Changes draft or returned version `id` (its platform's staff), from row version
    /// `expected`; a returned version becomes a draft again. Audited.
    pub async fn update_offering(
        &self,
        principal: &Principal,
        id: i64,
        input: &OfferingInput,
        expected: i64,
    ) -> Result<Offering> {
        let checked = input.check(&self.sectors().await?)?;
        let mut transaction = self.db.begin().await?;
        let (platform, current) = self.writable(&mut transaction, principal, id).await?;
        if !matches!(
            current.status,
            OfferingStatus::Draft | OfferingStatus::Returned
        ) {
            return Err(transition(
                "只有草稿或退回的版本可以修改；已发布的服务请新建版本",
                "only a draft or a returned version is edited; a published service takes a new version",
            ));
        }
        let now = self.clock.now();
        let changed = sqlx::query(
            "UPDATE service_offerings SET status = 'draft', title = $1, sector_code = $2, description = $3, \
             delivery_mode = $4, price_model = $5, price_fen = $6, lead_days = $7, vouchers = $8, \
             updated_at = $9, row_version = row_version + 1 WHERE id = $10 AND row_version = $11",
        )
        .bind(&checked.title)
        .bind(&checked.sector)
        .bind(&checked.description)
        .bind(checked.delivery_mode.as_str())
        .bind(checked.price_model.as_str())
        .bind(checked.price.map(Fen::get))
        .bind(checked.lead_days)
        .bind(i64::from(checked.vouchers))
        .bind(now.as_millis())
        .bind(id)
        .bind(expected)
        .execute(&mut *transaction)
        .await?;
        if changed.rows_affected() != 1 {
            return Err(Error::StaleVersion {
                current: current.row_version,
            });
        }
        let mut changes = Changes::new();
        changes
            .field("title", &current.title, &checked.title)
            .field("sector", &current.sector, Some(&checked.sector))
            .field("description", &current.description, &checked.description)
            .field(
                "delivery_mode",
                current.delivery_mode.as_str(),
                checked.delivery_mode.as_str(),
            )
            .field(
                "price_model",
                current.price_model.as_str(),
                checked.price_model.as_str(),
            )
            .field(
                "price_fen",
                current.price.map(Fen::get),
                checked.price.map(Fen::get),
            )
            .field("lead_days", current.lead_days, checked.lead_days)
            .field("vouchers", current.vouchers, checked.vouchers);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "service_offering.updated",
                "service_offering",
                &current.number,
            )
            .subject(platform)
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.offering(Some(principal), id).await
    }

    /// The version `id` for a change by its platform's staff (404 to anyone who may not see
    /// it, 403 to the city and others who see it but do not run the platform).
    async fn writable(
        &self,
        connection: &mut sqlx::AnyConnection,
        principal: &Principal,
        id: i64,
    ) -> Result<(i64, Offering)> {
        let (platform, offering) = self.visible(connection, Some(principal), id).await?;
        if !policy::may_offer_services(principal, platform) {
            return Err(Error::Forbidden(
                "a platform's own staff change its services",
            ));
        }
        Ok((platform, offering))
    }

    /// Moves version `id` from row version `expected` to `to`, with the fields the step sets,
    /// after `allowed` says the step may be taken from where it stands. Audited as `action`.
    #[allow(clippy::too_many_arguments)]
    async fn step(
        &self,
        principal: &Principal,
        id: i64,
        expected: i64,
        action: &'static str,
        by_city: bool,
        allowed: fn(OfferingStatus) -> Result<()>,
        to: OfferingStatus,
        note: &str,
    ) -> Result<Offering> {
        let mut transaction = self.db.begin().await?;
        let (platform, current) = if by_city {
            let found = self.visible(&mut transaction, Some(principal), id).await?;
            if !policy::may_check_services(principal) {
                return Err(Error::Forbidden("the city checks services"));
            }
            found
        } else {
            self.writable(&mut transaction, principal, id).await?
        };
        allowed(current.status)?;
        if current.row_version != expected {
            return Err(Error::StaleVersion {
                current: current.row_version,
            });
        }
        let now = self.clock.now();
        let notice_ends = now.as_millis() + NOTICE_DAYS * 86_400_000;
        let stored = match to {
            OfferingStatus::Published | OfferingStatus::Notice => "notice",
            other => other.as_str(),
        };
        let changed = match to {
            OfferingStatus::Submitted => sqlx::query(
                "UPDATE service_offerings SET status = $1, submitted_at = $2, check_note = '', updated_at = $2, \
                 row_version = row_version + 1 WHERE id = $3 AND row_version = $4",
            )
            .bind(stored)
            .bind(now.as_millis())
            .bind(id)
            .bind(expected)
            .execute(&mut *transaction)
            .await?,
            OfferingStatus::Notice | OfferingStatus::Returned => sqlx::query(
                "UPDATE service_offerings SET status = $1, checked_at = $2, checked_by = $3, check_note = $4, \
                 notice_ends_at = $5, updated_at = $2, row_version = row_version + 1 WHERE id = $6 AND row_version = $7",
            )
            .bind(stored)
            .bind(now.as_millis())
            .bind(&principal.username)
            .bind(note)
            .bind((to == OfferingStatus::Notice).then_some(notice_ends))
            .bind(id)
            .bind(expected)
            .execute(&mut *transaction)
            .await?,
            _ => sqlx::query(
                "UPDATE service_offerings SET status = 'withdrawn', updated_at = $1, row_version = row_version + 1 \
                 WHERE number = $2 AND status = 'notice'",
            )
            .bind(now.as_millis())
            .bind(&current.number)
            .execute(&mut *transaction)
            .await?,
        };
        if changed.rows_affected() == 0 {
            return Err(Error::StaleVersion {
                current: current.row_version,
            });
        }
        let mut changes = Changes::new();
        changes.field("status", current.status.as_str(), to.as_str());
        if !note.is_empty() {
            changes.created("note", note);
        }
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(action, "service_offering", &current.number)
                .subject(platform)
                .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.offering(Some(principal), id).await
    }

    /// Submits draft (or returned) version `id` for the city's check (its platform's staff).
    pub async fn submit_offering(
        &self,
        principal: &Principal,
        id: i64,
        expected: i64,
    ) -> Result<Offering> {
        self.step(
            principal,
            id,
            expected,
            "service_offering.submitted",
            false,
            |status| match status {
                OfferingStatus::Draft | OfferingStatus::Returned => Ok(()),
                _ => Err(transition(
                    "只有草稿或退回的版本可以提交审核",
                    "only a draft or a returned version is submitted",
                )),
            },
            OfferingStatus::Submitted,
            "",
        )
        .await
    }

    /// The city's check of submitted version `id`: on public notice for [`NOTICE_DAYS`] days, or
    /// returned with `note` (required).
    pub async fn check_offering(
        &self,
        principal: &Principal,
        id: i64,
        check: Check,
        note: &str,
        expected: i64,
    ) -> Result<Offering> {
        let note = note.trim();
        if check == Check::Return && note.is_empty() {
            return Err(Error::Invalid(vec![FieldError::new(
                "note",
                Text::new("退回须说明原因", "say why it is returned"),
            )]));
        }
        if note.chars().count() > 500 {
            return Err(Error::Invalid(vec![FieldError::new(
                "note",
                Text::new("意见最长 500 字", "a note has at most 500 characters"),
            )]));
        }
        let (action, to) = match check {
            Check::Approve => ("service_offering.approved", OfferingStatus::Notice),
            Check::Return => ("service_offering.returned", OfferingStatus::Returned),
        };
        self.step(
            principal,
            id,
            expected,
            action,
            true,
            |status| match status {
                OfferingStatus::Submitted => Ok(()),
                _ => Err(transition(
                    "只有待审核的版本可以审核",
                    "only a submitted version is checked",
                )),
            },
            to,
            note,
        )
        .await
    }

    /// Withdraws the service whose published (or on-notice) version is `id` (its platform's
    /// staff): it leaves the catalogue.
    pub async fn withdraw_offering(
        &self,
        principal: &Principal,
        id: i64,
        expected: i64,
    ) -> Result<Offering> {
        self.step(
            principal,
            id,
            expected,
            "service_offering.withdrawn",
            false,
            |status| match status {
                OfferingStatus::Published | OfferingStatus::Notice => Ok(()),
                _ => Err(transition(
                    "只有已发布或公示中的服务可以下架",
                    "only a published service or one on notice is withdrawn",
                )),
            },
            OfferingStatus::Withdrawn,
            "",
        )
        .await
    }

    /// A new draft version of the published service whose version is `id` (its platform's
    /// staff), copied from it; refused while another version of it is being written or checked.
    pub async fn revise_offering(&self, principal: &Principal, id: i64) -> Result<Offering> {
        let mut transaction = self.db.begin().await?;
        let (platform, current) = self.writable(&mut transaction, principal, id).await?;
        if current.status != OfferingStatus::Published {
            return Err(transition(
                "只有已发布的服务可以新建版本",
                "only a published service takes a new version",
            ));
        }
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM service_offerings WHERE number = $1 AND status IN ('draft', 'submitted', 'returned')",
        )
        .bind(&current.number)
        .fetch_one(&mut *transaction)
        .await?;
        let newest: i64 =
            sqlx::query_scalar("SELECT MAX(version) FROM service_offerings WHERE number = $1")
                .bind(&current.number)
                .fetch_one(&mut *transaction)
                .await?;
        if open > 0 || newest != current.version {
            return Err(transition(
                "该服务已有正在编写或审核的新版本",
                "a newer version of this service is already being written or checked",
            ));
        }
        let checked = Checked {
            title: current.title.clone(),
            sector: current.sector.clone().unwrap_or_default(),
            description: current.description.clone(),
            delivery_mode: current.delivery_mode,
            price_model: current.price_model,
            price: current.price,
            lead_days: current.lead_days,
            vouchers: current.vouchers,
        };
        let new_id = self
            .insert_version(
                &mut transaction,
                principal,
                platform,
                &current.number,
                current.version + 1,
                &checked,
            )
            .await?;
        let mut changes = Changes::new();
        changes.created("version", current.version + 1);
        audit::record(
            &mut transaction,
            &principal.actor(),
            self.clock.now(),
            AuditEntry::new(
                "service_offering.revised",
                "service_offering",
                &current.number,
            )
            .subject(platform)
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.offering(Some(principal), new_id).await
    }
}

fn changes_of(checked: &Checked) -> Changes {
    let mut changes = Changes::new();
    changes
        .created("title", &checked.title)
        .created("sector", &checked.sector)
        .created("delivery_mode", checked.delivery_mode.as_str())
        .created("price_model", checked.price_model.as_str())
        .created("price_fen", checked.price.map(Fen::get))
        .created("lead_days", checked.lead_days)
        .created("vouchers", checked.vouchers);
    changes
}
