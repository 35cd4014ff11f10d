//! Placing, re-quoting, accepting and cancelling orders. A quote prices the order under the
//! factory's current tariff and promises the date at which the plan (the factory's confirmed
//! orders held to their promised dates, and this one to the day it is needed) finishes it; the
//! plan is solved on the blocking pool within the service's plan budget. Every step is audited
//! and checked against the row version the actor saw.

use serde::Serialize;
use zhizao_core::Timestamp;
use zhizao_db::{SqlBuilder, allocate_ids};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy::{self, RequestScope};

use crate::order::{Order, OrderAction, OrderQuote, OrderRequest, OrderStatus};
use crate::plan::{build, solve_model};
use crate::store::{Document, document_rows, setup_version_of, version_of};
use crate::store::{SetupVersion, TariffVersion};
use crate::{Error, Factories, Result};

/// How long a quote may be accepted.
pub const QUOTE_VALID_MILLIS: i64 = 24 * 3_600_000;
/// The weight of a confirmed order's lateness against its promised date, beside a new order's 1:
/// a quote never buys its date by breaking an earlier promise when it can be helped.
const PROMISE_WEIGHT: i64 = 10;

impl OrderAction {
    fn audit_action(self) -> &'static str {
        match self {
            OrderAction::Accept => "factory_order.accepted",
            OrderAction::Requote => "factory_order.requoted",
            OrderAction::Cancel => "factory_order.cancelled",
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OrderRow {
    pub(crate) id: i64,
    number: String,
    pub(crate) platform_id: i64,
    platform_code: String,
    platform_name: String,
    pub(crate) client_id: i64,
    client_code: String,
    client_name: String,
    request: String,
    status: String,
    quote: String,
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    created_at: Timestamp,
    created_by: String,
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    updated_at: Timestamp,
    row_version: i64,
    delivery: Option<String>,
    material: Option<String>,
}

const SELECT_ORDERS: &str = "SELECT f.id, f.number, f.platform_id, p.code AS platform_code, p.name AS platform_name, \
     f.client_id, c.code AS client_code, c.name AS client_name, f.request, f.status, f.quote, \
     f.created_at, f.created_by, f.updated_at, f.row_version, f.delivery, f.material FROM factory_orders f \
     JOIN organizations p ON p.id = f.platform_id JOIN organizations c ON c.id = f.client_id";

impl OrderRow {
    pub(crate) fn into_order(self) -> Result<Order> {
        let corrupt = |what: &str, error: String| {
            Error::Corrupt(format!(
                "order {}: the {what} cannot be read: {error}",
                self.number
            ))
        };
        let request =
            serde_json::from_str(&self.request).map_err(|e| corrupt("request", e.to_string()))?;
        let quote =
            serde_json::from_str(&self.quote).map_err(|e| corrupt("quote", e.to_string()))?;
        let status = self
            .status
            .parse()
            .map_err(|e: zhizao_core::UnknownName| corrupt("status", e.to_string()))?;
        let delivery = self
            .delivery
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| corrupt("delivery", e.to_string()))?;
        let material = self
            .material
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| corrupt("material", e.to_string()))?
            .unwrap_or_default();
        Ok(Order {
            number: self.number,
            platform_code: self.platform_code,
            platform_name: self.platform_name,
            client_code: self.client_code,
            client_name: self.client_name,
            request,
            status,
            quote,
            created_at: self.created_at,
            created_by: self.created_by,
            updated_at: self.updated_at,
            row_version: self.row_version,
            material,
            delivery,
        })
    }
}

/// What a list of orders shows.
#[derive(Debug, Clone, Serialize)]
pub struct OrderList {
    /// The orders, newest first.
    pub orders: Vec<Order>,
}

fn sees(principal: &Principal, row: &OrderRow) -> bool {
    match policy::request_scope(principal) {
        RequestScope::All => true,
        RequestScope::Platform(platform) => platform == row.platform_id,
        RequestScope::Client(client) => client == row.client_id,
        RequestScope::Nothing => false,
    }
}

/// A row-version-checked update changed its one row, or someone changed the order first (the
/// row version `seen` moved on).
pub(crate) fn changed_one(result: &sqlx::any::AnyQueryResult, seen: i64) -> Result<()> {
    if result.rows_affected() == 1 {
        Ok(())
    } else {
        Err(Error::StaleVersion { current: seen + 1 })
    }
}

/// What a factory offers its clients, from its current set-up and tariff: enough to fill an
/// order form (the set-up itself stays with the factory's staff and the city).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer {
    /// The processes it has a routing for.
    pub processes: Vec<crate::Process>,
    /// The families its tariff prices per piece.
    pub families: Vec<String>,
    /// Materials its resources name (empty: any).
    pub materials: Vec<String>,
    /// Finishes its resources name.
    pub finishes: Vec<String>,
}

/// A confirmed order the plan holds to its promise.
#[derive(Debug, Clone)]
pub struct Held {
    /// Its number.
    pub number: String,
    /// What it asks.
    pub request: OrderRequest,
    /// The date promised.
    pub promised_at: Timestamp,
    /// Whether the client's material is in: its work may start now, whatever day it was
    /// expected.
    pub material_in: bool,
    /// Garments of each lay of the order's cut plan (the newest done plan of a pattern linked
    /// to it whose ordered quantities sum to the order's), else empty.
    pub lays: Vec<i64>,
}

impl Held {
    /// The order as the plan sees it at `now`, held to its promise with `weight`.
    pub fn demand(&self, now: Timestamp, weight: i64) -> crate::plan::Demand {
        let mut demand = self
            .request
            .demand(&self.number, now, self.promised_at, weight);
        if self.material_in {
            demand.release = now;
        }
        demand.lots = self.lays.clone();
        demand
    }
}

/// The factory's confirmed orders, oldest first, as the plan holds them.
pub(crate) async fn confirmed_orders(
    connection: &mut sqlx::AnyConnection,
    platform: i64,
) -> Result<Vec<Held>> {
    let rows: Vec<(i64, String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, number, request, promised_at, material_received_at FROM factory_orders \
         WHERE platform_id = $1 AND status = $2 ORDER BY id",
    )
    .bind(platform)
    .bind(OrderStatus::Confirmed.as_str())
    .fetch_all(&mut *connection)
    .await?;
    let mut lays = crate::markers::planned_lays(connection, platform).await?;
    rows.into_iter()
        .map(|(id, number, text, promised_at, received)| {
            let request: OrderRequest = serde_json::from_str(&text).map_err(|error| {
                Error::Corrupt(format!(
                    "order {number}: the request cannot be read: {error}"
                ))
            })?;
            let lays = lays
                .remove(&id)
                .filter(|(ordered, _)| *ordered == request.pieces())
                .map(|(_, lays)| lays)
                .unwrap_or_default();
            Ok(Held {
                number,
                request,
                promised_at: Timestamp::from_millis(promised_at),
                material_in: received.is_some(),
                lays,
            })
        })
        .collect()
}

/// Quotes `request` at `now`: its price under `tariff` and the date the plan finishes it, the
/// `held` orders planned with it to their promises, the search within `budget` (a time limit and
/// an optional iteration budget). Pure: the service calls it off the request threads, the demo
/// and imports directly.
pub fn quote(
    setup: &SetupVersion,
    tariff: &TariffVersion,
    held: &[Held],
    request: &OrderRequest,
    now: Timestamp,
    budget: (std::time::Duration, Option<u64>),
) -> Result<OrderQuote> {
    let input = request.pricing_input(&setup.setup, &tariff.tariff);
    let price = tariff.tariff.price(&input)?;
    let mut demands: Vec<_> = held.iter().map(|h| h.demand(now, PROMISE_WEIGHT)).collect();
    let due = request.due().unwrap_or(now);
    demands.push(request.demand("new", now, due, 1));
    let model = build(&setup.setup, &demands, now)?;
    let planned = solve_model(&model, budget.0, budget.1)?;
    Ok(OrderQuote {
        tariff_version: tariff.version,
        setup_version: setup.version,
        machine_minutes: input.machine_minutes,
        price,
        promised_at: planned.completions[held.len()],
        valid_until: now.plus_millis(QUOTE_VALID_MILLIS),
        planned_with: held.len(),
        quoted_at: now,
    })
}

/// An order as an import or the demo writes it.
#[derive(Debug, Clone)]
pub struct OrderRecord<'a> {
    /// The factory's organisation id.
    pub platform_id: i64,
    /// The client's organisation id.
    pub client_id: i64,
    /// What it asks.
    pub request: &'a OrderRequest,
    /// Where it stands.
    pub status: OrderStatus,
    /// Its quote.
    pub quote: &'a OrderQuote,
    /// When placed.
    pub at: Timestamp,
    /// By whom.
    pub by: &'a str,
}

/// Writes an order inside the caller's transaction without a permission check (the demo data,
/// imports); returns its number. The request must be valid at the time it was placed.
pub async fn insert_order(
    connection: &mut sqlx::AnyConnection,
    record: &OrderRecord<'_>,
) -> Result<(i64, String)> {
    let problems = record.request.problems(record.at);
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let id = allocate_ids(&mut *connection, "factory_orders", 1).await?;
    let number = format!("FO{id:06}");
    sqlx::query(
        "INSERT INTO factory_orders (id, number, platform_id, client_id, process, family, quantity, need_by, \
         request, status, quote, total_fen, promised_at, quote_valid_until, created_at, created_by, updated_at, row_version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $15, 1)",
    )
    .bind(id)
    .bind(&number)
    .bind(record.platform_id)
    .bind(record.client_id)
    .bind(record.request.process.as_str())
    .bind(record.request.family.trim())
    .bind(record.request.pieces())
    .bind(record.request.due().map_or(0, Timestamp::as_millis))
    .bind(serde_json::to_string(record.request).unwrap_or_default())
    .bind(record.status.as_str())
    .bind(serde_json::to_string(record.quote).unwrap_or_default())
    .bind(record.quote.price.total.get())
    .bind(record.quote.promised_at.as_millis())
    .bind(record.quote.valid_until.as_millis())
    .bind(record.at.as_millis())
    .bind(record.by)
    .execute(&mut *connection)
    .await?;
    zhizao_services::request::record_factory_order(
        connection,
        &number,
        record.platform_id,
        record.client_id,
        record.request.family.trim(),
        &zhizao_services::FactoryOrderState {
            order_id: id,
            status: record.status.as_request(),
            amount: record.quote.price.total,
            due_at: Some(record.quote.promised_at),
            delivered_at: None,
            rating: None,
            at: record.at,
            by: record.by,
        },
    )
    .await?;
    Ok((id, number))
}

impl Factories {
    /// What `code`'s factory offers (anyone signed in: clients compare factories); a factory
    /// without a set-up or a tariff offers nothing yet.
    pub async fn offer(&self, _principal: &Principal, code: &str) -> Result<Offer> {
        let mut connection = self.db.pool().acquire().await?;
        let platform = self.platform_id(&mut connection, code).await?;
        let tariff = document_rows(&mut connection, Document::Tariff, platform)
            .await?
            .into_iter()
            .next()
            .map(|row| version_of(code.trim(), row))
            .transpose()?;
        let setup = document_rows(&mut connection, Document::Setup, platform)
            .await?
            .into_iter()
            .next()
            .map(|row| setup_version_of(code.trim(), row))
            .transpose()?;
        let (Some(tariff), Some(setup)) = (tariff, setup) else {
            return Ok(Offer {
                processes: Vec::new(),
                families: Vec::new(),
                materials: Vec::new(),
                finishes: Vec::new(),
            });
        };
        let mut materials: Vec<String> = Vec::new();
        let mut finishes: Vec<String> = Vec::new();
        for resource in &setup.setup.resources {
            for (list, names) in [
                (&mut materials, &resource.capability.materials),
                (&mut finishes, &resource.capability.finishes),
            ] {
                for name in names {
                    if !list.contains(name) {
                        list.push(name.clone());
                    }
                }
            }
        }
        Ok(Offer {
            processes: setup.setup.routings.iter().map(|r| r.process).collect(),
            families: tariff
                .tariff
                .pieces
                .iter()
                .map(|p| p.family.clone())
                .collect(),
            materials,
            finishes,
        })
    }

    /// Places an order with `code`'s factory for the caller's enterprise and quotes it.
    pub async fn place_order(
        &self,
        principal: &Principal,
        code: &str,
        request: &OrderRequest,
    ) -> Result<Order> {
        if !policy::may_order_from_factories(principal) {
            return Err(Error::Forbidden(
                "only enterprises order from shared factories",
            ));
        }
        let now = self.clock.now();
        let problems = request.problems(now);
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let mut connection = self.db.pool().acquire().await?;
        let platform = self.platform_id(&mut connection, code).await?;
        drop(connection);
        let quote = self.quote_order(platform, code, request, None, now).await?;
        let mut transaction = self.db.begin().await?;
        let (id, number) = insert_order(
            &mut transaction,
            &OrderRecord {
                platform_id: platform,
                client_id: principal.organization_id,
                request,
                status: OrderStatus::Quoted,
                quote: &quote,
                at: now,
                by: &principal.username,
            },
        )
        .await?;
        let mut changes = Changes::new();
        changes
            .created("factory", code.trim())
            .created("quantity", request.pieces())
            .created("total_fen", quote.price.total.get())
            .created("promised_at", quote.promised_at.to_rfc3339());
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("factory_order.placed", "factory_order", &number)
                .subject(id)
                .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.order(principal, &number).await
    }

    /// The quote for `request` at `code`'s factory now: the price under the current tariff and
    /// the date the plan finishes it, the factory's confirmed orders (but `excluding` this one)
    /// held to their promises.
    async fn quote_order(
        &self,
        platform: i64,
        code: &str,
        request: &OrderRequest,
        excluding: Option<&str>,
        now: Timestamp,
    ) -> Result<OrderQuote> {
        let mut connection = self.db.pool().acquire().await?;
        let not_ready = |what: &'static str| Error::NotFound {
            what,
            key: code.trim().to_owned(),
        };
        let tariff = document_rows(&mut connection, Document::Tariff, platform)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| not_ready("tariff"))
            .and_then(|row| version_of(code.trim(), row))?;
        let setup = document_rows(&mut connection, Document::Setup, platform)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| not_ready("factory set-up"))
            .and_then(|row| setup_version_of(code.trim(), row))?;
        let mut held = confirmed_orders(&mut connection, platform).await?;
        drop(connection);
        held.retain(|h| Some(h.number.as_str()) != excluding);
        let request = request.clone();
        let budget = self.plan_budget;
        tokio::task::spawn_blocking(move || quote(&setup, &tariff, &held, &request, now, budget))
            .await
            .map_err(|error| Error::Corrupt(format!("the plan stopped: {error}")))?
    }

    pub(crate) async fn order_row(&self, principal: &Principal, number: &str) -> Result<OrderRow> {
        let mut query = SqlBuilder::new(SELECT_ORDERS);
        query.push(" WHERE f.number = ").push_bind(number.trim());
        let row: Option<OrderRow> = query.query_as().fetch_optional(self.db.pool()).await?;
        row.filter(|row| sees(principal, row))
            .ok_or_else(|| Error::NotFound {
                what: "order",
                key: number.trim().to_owned(),
            })
    }

    /// One order the caller sees.
    pub async fn order(&self, principal: &Principal, number: &str) -> Result<Order> {
        self.order_row(principal, number).await?.into_order()
    }

    /// The orders the caller sees, newest first, optionally only those in `status`.
    pub async fn orders(
        &self,
        principal: &Principal,
        status: Option<OrderStatus>,
    ) -> Result<Vec<Order>> {
        let mut query = SqlBuilder::new(SELECT_ORDERS);
        query.push(" WHERE 1 = 1");
        match policy::request_scope(principal) {
            RequestScope::All => {}
            RequestScope::Platform(platform) => {
                query.push(" AND f.platform_id = ").push_bind(platform);
            }
            RequestScope::Client(client) => {
                query.push(" AND f.client_id = ").push_bind(client);
            }
            RequestScope::Nothing => return Ok(Vec::new()),
        }
        if let Some(status) = status {
            query.push(" AND f.status = ").push_bind(status.as_str());
        }
        query.push(" ORDER BY f.id DESC LIMIT 500");
        let rows: Vec<OrderRow> = query.query_as().fetch_all(self.db.pool()).await?;
        rows.into_iter().map(OrderRow::into_order).collect()
    }

    /// Does `action` to the order the caller sees, when its row version is still
    /// `expected_version` (the one the actor saw); `reason` is kept with a cancellation.
    pub async fn act_on_order(
        &self,
        principal: &Principal,
        number: &str,
        action: OrderAction,
        expected_version: Option<i64>,
        reason: &str,
    ) -> Result<Order> {
        let row = self.order_row(principal, number).await?;
        let is_client = policy::request_scope(principal) == RequestScope::Client(row.client_id);
        let runs_factory = policy::may_run_factory(principal, row.platform_id);
        let (id, platform) = (row.id, row.platform_id);
        let order = row.into_order()?;
        let now = self.clock.now();
        if expected_version.is_some_and(|v| v != order.row_version) {
            return Err(Error::StaleVersion {
                current: order.row_version,
            });
        }
        let refuse = |zh: &'static str, en: &'static str| {
            Err(Error::Transition(zhizao_core::Text::new(zh, en)))
        };
        let (status, quote) = match action {
            OrderAction::Accept => {
                if !is_client {
                    return Err(Error::Forbidden("only the client accepts a quote"));
                }
                if order.status != OrderStatus::Quoted {
                    return refuse(
                        "只有待确认的报价可以接受",
                        "only a quoted order can be accepted",
                    );
                }
                if order.expired(now) {
                    return refuse(
                        "报价已过期，请重新报价",
                        "the quote has expired: ask for a new one",
                    );
                }
                (OrderStatus::Confirmed, order.quote.clone())
            }
            OrderAction::Requote => {
                if !is_client && !runs_factory {
                    return Err(Error::Forbidden("only the client or the factory re-quotes"));
                }
                if !matches!(order.status, OrderStatus::Quoted | OrderStatus::Confirmed) {
                    return refuse(
                        "只有待确认或已确认的订单可以重新报价",
                        "only a quoted or confirmed order is quoted again",
                    );
                }
                let mut request = order.request.clone();
                // The date needed may have passed since; the plan then aims at today.
                let (today, _) = crate::setup::local_day(now);
                if request.due().is_none_or(|due| due < now) {
                    request.need_by = today.to_string();
                }
                let quote = self
                    .quote_order(
                        platform,
                        &order.platform_code,
                        &request,
                        Some(&order.number),
                        now,
                    )
                    .await?;
                (OrderStatus::Quoted, quote)
            }
            OrderAction::Cancel => {
                if !is_client && !runs_factory {
                    return Err(Error::Forbidden("only the client or the factory cancels"));
                }
                if !matches!(order.status, OrderStatus::Quoted | OrderStatus::Confirmed) {
                    return refuse(
                        "只有待确认或已确认的订单可以取消",
                        "only a quoted or confirmed order can be cancelled",
                    );
                }
                (OrderStatus::Cancelled, order.quote.clone())
            }
        };
        let mut transaction = self.db.begin().await?;
        let updated = sqlx::query(
            "UPDATE factory_orders SET status = $1, quote = $2, total_fen = $3, promised_at = $4, \
             quote_valid_until = $5, updated_at = $6, row_version = row_version + 1 \
             WHERE id = $7 AND row_version = $8",
        )
        .bind(status.as_str())
        .bind(serde_json::to_string(&quote).unwrap_or_default())
        .bind(quote.price.total.get())
        .bind(quote.promised_at.as_millis())
        .bind(quote.valid_until.as_millis())
        .bind(now.as_millis())
        .bind(id)
        .bind(order.row_version)
        .execute(&mut *transaction)
        .await?;
        changed_one(&updated, order.row_version)?;
        zhizao_services::request::follow_factory_order(
            &mut transaction,
            &zhizao_services::FactoryOrderState {
                order_id: id,
                status: status.as_request(),
                amount: quote.price.total,
                due_at: Some(quote.promised_at),
                delivered_at: None,
                rating: None,
                at: now,
                by: &principal.username,
            },
        )
        .await?;
        let mut changes = Changes::new();
        changes.field("status", order.status.as_str(), status.as_str());
        if quote != order.quote {
            changes
                .field("total_fen", order.total().get(), quote.price.total.get())
                .field(
                    "promised_at",
                    order.quote.promised_at.to_rfc3339(),
                    quote.promised_at.to_rfc3339(),
                );
        }
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(action.audit_action(), "factory_order", &order.number)
                .subject(id)
                .changes(changes)
                .note(reason.trim()),
        )
        .await?;
        transaction.commit().await?;
        self.order(principal, number).await
    }
}
