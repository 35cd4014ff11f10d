//! Delivering an order: the factory's delivery note (good and scrap pieces, the client's material
//! returned) fixes the amount due — the quoted tariff version applied to the good pieces, as the
//! client pays for what it gets — and the client confirms receipt with a rating (1–5 and a
//! comment) that the platform's figures and the city see. Both steps are checked against the row
//! version the actor saw and audited.

use zhizao_core::Text;
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy::{self, RequestScope};

use crate::order::{Delivery, DeliveryInput, Order, OrderRequest, OrderStatus, Receipt};
use crate::ordering::changed_one;
use crate::store::{Document, document_rows, setup_version_of, version_of};
use crate::store::{SetupVersion, TariffVersion};
use crate::tariff::Price;
use crate::{Error, Factories, Result};

/// The amount due for `good` pieces of `request`: the quoted tariff version applied to them (the
/// routing's machine minutes for those pieces, its change-overs, their piece price).
pub fn delivered_price(
    setup: &SetupVersion,
    tariff: &TariffVersion,
    request: &OrderRequest,
    good: i64,
) -> Result<Price> {
    if good == 0 {
        return Ok(Price {
            lines: Vec::new(),
            total: zhizao_core::Fen::new(0),
        });
    }
    let mut delivered = request.clone();
    delivered.quantity = good;
    delivered.matrix.clear();
    tariff
        .tariff
        .price(&delivered.pricing_input(&setup.setup, &tariff.tariff))
}

/// Writes a delivery (and its receipt, if any) to order `id` at `row_version`, inside the caller's
/// transaction: the status follows the receipt.
async fn write_delivery(
    connection: &mut sqlx::AnyConnection,
    id: i64,
    row_version: i64,
    delivery: &Delivery,
) -> Result<sqlx::any::AnyQueryResult> {
    let status = if delivery.receipt.is_some() {
        OrderStatus::Received
    } else {
        OrderStatus::Delivered
    };
    let updated = sqlx::query(
        "UPDATE factory_orders SET status = $1, delivery = $2, good_quantity = $3, final_fen = $4, \
         delivered_at = $5, rating = $6, updated_at = $7, row_version = row_version + 1 \
         WHERE id = $8 AND row_version = $9",
    )
    .bind(status.as_str())
    .bind(serde_json::to_string(delivery).unwrap_or_default())
    .bind(delivery.input.good)
    .bind(delivery.price.total.get())
    .bind(delivery.at.as_millis())
    .bind(delivery.receipt.as_ref().map(|r| r.rating))
    .bind(
        delivery
            .receipt
            .as_ref()
            .map_or(delivery.at, |r| r.at)
            .as_millis(),
    )
    .bind(id)
    .bind(row_version)
    .execute(&mut *connection)
    .await?;
    if updated.rows_affected() == 1 {
        zhizao_services::request::follow_factory_order(
            connection,
            &zhizao_services::FactoryOrderState {
                order_id: id,
                status: status.as_request(),
                amount: delivery.price.total,
                due_at: None,
                delivered_at: Some(delivery.at),
                rating: delivery
                    .receipt
                    .as_ref()
                    .map(|r| (r.rating, r.comment.as_str())),
                at: delivery.receipt.as_ref().map_or(delivery.at, |r| r.at),
                by: delivery
                    .receipt
                    .as_ref()
                    .map_or(delivery.by.as_str(), |r| r.by.as_str()),
            },
        )
        .await?;
    }
    Ok(updated)
}

/// Records a delivery as it happened (and its receipt, if any) on order `id` at `row_version` (1
/// when just written by [`crate::insert_order`]), inside the caller's transaction, without a
/// permission check (the demo data, imports).
pub async fn insert_delivery(
    connection: &mut sqlx::AnyConnection,
    id: i64,
    row_version: i64,
    ordered: i64,
    delivery: &Delivery,
) -> Result<()> {
    let problems = delivery.input.problems(ordered);
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    changed_one(
        &write_delivery(connection, id, row_version, delivery).await?,
        row_version,
    )
}

fn stale_or(expected: Option<i64>, order: &Order) -> Result<()> {
    if expected.is_some_and(|v| v != order.row_version) {
        return Err(Error::StaleVersion {
            current: order.row_version,
        });
    }
    Ok(())
}

impl Factories {
    /// Records the factory's delivery of a confirmed order (its own staff) and the amount due.
    pub async fn deliver(
        &self,
        principal: &Principal,
        number: &str,
        input: &DeliveryInput,
        expected_version: Option<i64>,
    ) -> Result<Order> {
        let row = self.order_row(principal, number).await?;
        let (id, platform) = (row.id, row.platform_id);
        let order = row.into_order()?;
        if !policy::may_run_factory(principal, platform) {
            return Err(Error::Forbidden("only the factory delivers its orders"));
        }
        stale_or(expected_version, &order)?;
        if order.status != OrderStatus::Confirmed {
            return Err(Error::Transition(Text::new(
                "只有已确认的订单可以交付",
                "only a confirmed order can be delivered",
            )));
        }
        let mut problems = input.problems(order.request.pieces());
        if problems.is_empty() {
            problems = crate::material::delivery_problems(&order.material, input)
                .map_err(Error::Transition)?;
        }
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let mut connection = self.db.pool().acquire().await?;
        let code = order.platform_code.clone();
        let tariff = document_rows(&mut connection, Document::Tariff, platform)
            .await?
            .into_iter()
            .find(|row| row.version == order.quote.tariff_version)
            .ok_or_else(|| Error::Corrupt(format!("order {number}: its tariff version is gone")))
            .and_then(|row| version_of(&code, row))?;
        let setup = document_rows(&mut connection, Document::Setup, platform)
            .await?
            .into_iter()
            .find(|row| row.version == order.quote.setup_version)
            .ok_or_else(|| Error::Corrupt(format!("order {number}: its set-up version is gone")))
            .and_then(|row| setup_version_of(&code, row))?;
        drop(connection);
        let price = delivered_price(&setup, &tariff, &order.request, input.good)?;
        let now = self.clock.now();
        let delivery = Delivery {
            input: DeliveryInput {
                material_returned: input.material_returned.trim().to_owned(),
                note: input.note.trim().to_owned(),
                ..input.clone()
            },
            price,
            at: now,
            by: principal.username.clone(),
            late: now > order.quote.promised_at,
            receipt: None,
        };
        let mut transaction = self.db.begin().await?;
        let updated = write_delivery(&mut transaction, id, order.row_version, &delivery).await?;
        changed_one(&updated, order.row_version)?;
        let mut changes = Changes::new();
        changes
            .field(
                "status",
                order.status.as_str(),
                OrderStatus::Delivered.as_str(),
            )
            .created("good", input.good)
            .created("scrap", input.scrap)
            .created("returned", input.returned)
            .created("final_fen", delivery.price.total.get());
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("factory_order.delivered", "factory_order", &order.number)
                .subject(id)
                .changes(changes)
                .note(input.note.trim()),
        )
        .await?;
        transaction.commit().await?;
        self.order(principal, number).await
    }

    /// The client confirms receipt of a delivered order and rates the service (1–5).
    pub async fn receive(
        &self,
        principal: &Principal,
        number: &str,
        rating: i64,
        comment: &str,
        expected_version: Option<i64>,
    ) -> Result<Order> {
        let row = self.order_row(principal, number).await?;
        let (id, client) = (row.id, row.client_id);
        let order = row.into_order()?;
        if policy::request_scope(principal) != RequestScope::Client(client) {
            return Err(Error::Forbidden("only the client confirms receipt"));
        }
        stale_or(expected_version, &order)?;
        let Some(mut delivery) = order.delivery.clone() else {
            return Err(Error::Transition(Text::new(
                "订单尚未交付",
                "the order has not been delivered",
            )));
        };
        if order.status != OrderStatus::Delivered {
            return Err(Error::Transition(Text::new(
                "订单已签收",
                "the order was already received",
            )));
        }
        let mut problems = Vec::new();
        if !(1..=5).contains(&rating) {
            problems.push(zhizao_core::FieldError::new(
                "rating",
                Text::new("评分为 1 到 5", "rate from 1 to 5"),
            ));
        }
        if comment.trim().chars().count() > 500 {
            problems.push(zhizao_core::FieldError::new(
                "comment",
                Text::new("评价最长 500 字", "at most 500 characters"),
            ));
        }
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let now = self.clock.now();
        delivery.receipt = Some(Receipt {
            rating,
            comment: comment.trim().to_owned(),
            at: now,
            by: principal.username.clone(),
        });
        let mut transaction = self.db.begin().await?;
        let updated = write_delivery(&mut transaction, id, order.row_version, &delivery).await?;
        changed_one(&updated, order.row_version)?;
        let mut changes = Changes::new();
        changes
            .field(
                "status",
                order.status.as_str(),
                OrderStatus::Received.as_str(),
            )
            .created("rating", rating);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("factory_order.received", "factory_order", &order.number)
                .subject(id)
                .changes(changes)
                .note(comment.trim()),
        )
        .await?;
        transaction.commit().await?;
        self.order(principal, number).await
    }
}
