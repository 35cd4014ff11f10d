//! Delivering an order: the factory's delivery note (good and scrap pieces, the client's material
//! returned) fixes the amount due — the quoted tariff version applied to the good pieces, as the
//! client pays for what it gets — and the client confirms receipt with a rating (1–5 and a
//! comment) that the platform's figures and the city see. Both steps are checked against the row
//! version the actor saw and audited.

use zhizao_core::Text;
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy::{self, FactoryOrderScope};

use crate::order::{Delivery, DeliveryInput, Order, OrderStatus, Receipt};
use crate::ordering::changed_one;
use crate::store::{Document, document_rows, setup_version_of, version_of};
use crate::{Error, Factories, Result};

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
        let problems = input.problems(order.request.pieces());
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
        let mut delivered = order.request.clone();
        delivered.quantity = input.good.max(1);
        delivered.matrix.clear();
        let price = if input.good == 0 {
            crate::tariff::Price {
                lines: Vec::new(),
                total: zhizao_core::Fen::new(0),
            }
        } else {
            tariff
                .tariff
                .price(&delivered.pricing_input(&setup.setup, &tariff.tariff))?
        };
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
        let updated = sqlx::query(
            "UPDATE factory_orders SET status = $1, delivery = $2, good_quantity = $3, final_fen = $4, \
             delivered_at = $5, updated_at = $5, row_version = row_version + 1 WHERE id = $6 AND row_version = $7",
        )
        .bind(OrderStatus::Delivered.as_str())
        .bind(serde_json::to_string(&delivery).unwrap_or_default())
        .bind(input.good)
        .bind(delivery.price.total.get())
        .bind(now.as_millis())
        .bind(id)
        .bind(order.row_version)
        .execute(&mut *transaction)
        .await?;
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
        if policy::factory_order_scope(principal) != FactoryOrderScope::Client(client) {
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
        let updated = sqlx::query(
            "UPDATE factory_orders SET status = $1, delivery = $2, rating = $3, updated_at = $4, \
             row_version = row_version + 1 WHERE id = $5 AND row_version = $6",
        )
        .bind(OrderStatus::Received.as_str())
        .bind(serde_json::to_string(&delivery).unwrap_or_default())
        .bind(rating)
        .bind(now.as_millis())
        .bind(id)
        .bind(order.row_version)
        .execute(&mut *transaction)
        .await?;
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
