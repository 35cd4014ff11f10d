//! The client's material (来料加工): the factory records each receipt of it (quantity in one unit
//! per order, lots, a note), the plan may start an order's work once its material is in, and the
//! delivery reconciles what came in with what goes back (good, scrap, material returned). A first
//! receipt later than the client said makes the material late: the client's loss, not the
//! plant's, in the per-client figures.

use serde::{Deserialize, Serialize};
use zhizao_core::{FieldError, Text, Timestamp, closed_vocabulary};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy;

use crate::order::{DeliveryInput, Order, OrderRequest, OrderStatus, day_start};
use crate::ordering::changed_one;
use crate::setup::{local_day, parse_date};
use crate::tariff::MAX_QUANTITY;
use crate::{Error, Factories, Result};

closed_vocabulary! {
    /// What the client's material is counted in.
    MaterialUnit, "material unit" {
        /// Parts to polish, blanks.
        Pieces => "pieces", "件", "pieces";
        /// Fabric by length.
        Metres => "metres", "米", "metres";
        /// By weight.
        Kilograms => "kg", "千克", "kg";
    }
}

/// One receipt of material as the factory's staff record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialInput {
    /// How much came, in `unit`.
    pub quantity: i64,
    /// The unit; every receipt of an order uses the first one's.
    pub unit: MaterialUnit,
    /// Lots, rolls or shade lots as labelled.
    #[serde(default)]
    pub lots: String,
    /// Its state, who brought it.
    #[serde(default)]
    pub note: String,
}

impl MaterialInput {
    /// Every problem of this receipt for an order whose earlier receipts are `earlier`.
    pub fn problems(&self, earlier: &[MaterialReceipt]) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !(1..=MAX_QUANTITY).contains(&self.quantity) {
            errors.push(FieldError::new(
                "quantity",
                Text::owned(
                    format!("须在 1 到 {MAX_QUANTITY} 之间"),
                    format!("must be 1 to {MAX_QUANTITY}"),
                ),
            ));
        }
        if let Some(first) = earlier.first()
            && first.input.unit != self.unit
        {
            errors.push(FieldError::new(
                "unit",
                Text::owned(
                    format!(
                        "此订单的来料按{}计，请用同一单位",
                        first.input.unit.label().zh
                    ),
                    format!(
                        "this order's material is counted in {}; record it in the same unit",
                        first.input.unit.label().en
                    ),
                ),
            ));
        }
        for (name, value, most) in [("lots", &self.lots, 500), ("note", &self.note, 2000)] {
            if value.trim().chars().count() > most {
                errors.push(FieldError::new(
                    name,
                    Text::owned(
                        format!("最长 {most} 字"),
                        format!("at most {most} characters"),
                    ),
                ));
            }
        }
        errors
    }
}

/// A receipt as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialReceipt {
    /// What came.
    pub input: MaterialInput,
    /// When it was recorded.
    pub at: Timestamp,
    /// By whom.
    pub by: String,
}

/// When the client's material should be in: the end of the day the client said it arrives, or
/// of the day after the quote when it said nothing (the promise assumed it at hand).
pub fn expected_by(request: &OrderRequest, quoted_at: Timestamp) -> Timestamp {
    const DAY: i64 = 86_400_000;
    match request.material_arrives.as_deref().and_then(parse_date) {
        Some(date) => day_start(date).plus_millis(DAY),
        None => local_day(quoted_at).1.plus_millis(2 * DAY),
    }
}

/// What came in against what goes back, in the material's unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// The unit.
    pub unit: MaterialUnit,
    /// Received in all.
    pub received: i64,
    /// Returned unused with the delivery.
    pub returned: i64,
    /// Received less returned: what the work consumed.
    pub consumed: i64,
    /// For pieces: consumed less good and scrap — pieces nobody accounts for (0 when all is
    /// well; negative would mean more came out than went in, which a delivery may not claim).
    pub unaccounted: Option<i64>,
}

/// Reconciles `receipts` with a delivery note; absent without a receipt.
pub fn reconcile(receipts: &[MaterialReceipt], delivery: &DeliveryInput) -> Option<Reconciliation> {
    let unit = receipts.first()?.input.unit;
    let received = receipts
        .iter()
        .fold(0i64, |sum, r| sum.saturating_add(r.input.quantity));
    let consumed = received - delivery.returned;
    Some(Reconciliation {
        unit,
        received,
        returned: delivery.returned,
        consumed,
        unaccounted: (unit == MaterialUnit::Pieces)
            .then(|| consumed - delivery.good - delivery.scrap),
    })
}

/// The problems of delivering `delivery` against the material `receipts`: material must have
/// come, no more returned than came, and no more pieces out than in.
pub fn delivery_problems(
    receipts: &[MaterialReceipt],
    delivery: &DeliveryInput,
) -> std::result::Result<Vec<FieldError>, Text> {
    let Some(balance) = reconcile(receipts, delivery) else {
        return Err(Text::new(
            "交付前请先登记收到的来料",
            "record the client's material received before delivering",
        ));
    };
    let mut errors = Vec::new();
    if !(0..=balance.received).contains(&delivery.returned) {
        errors.push(FieldError::new(
            "returned",
            Text::owned(
                format!(
                    "退还须在 0 到收到的 {} {} 之间",
                    balance.received,
                    balance.unit.label().zh
                ),
                format!(
                    "returned must be 0 to the {} {} received",
                    balance.received,
                    balance.unit.label().en
                ),
            ),
        ));
    } else if balance.unaccounted.is_some_and(|n| n < 0) {
        errors.push(FieldError::new(
            "good",
            Text::owned(
                format!(
                    "合格、报废与退还合计 {} 件，多于收到的来料 {} 件",
                    delivery.good + delivery.scrap + delivery.returned,
                    balance.received
                ),
                format!(
                    "good, scrap and returned come to {} pieces, more than the {} received",
                    delivery.good + delivery.scrap + delivery.returned,
                    balance.received
                ),
            ),
        ));
    }
    Ok(errors)
}

/// Writes `receipts` to order `id` at `row_version` inside the caller's transaction; the first
/// receipt sets when the material came and whether late against `expected`.
async fn write_material(
    connection: &mut sqlx::AnyConnection,
    id: i64,
    row_version: i64,
    receipts: &[MaterialReceipt],
    expected: Timestamp,
) -> Result<sqlx::any::AnyQueryResult> {
    let first = receipts.first().map(|r| r.at);
    Ok(sqlx::query(
        "UPDATE factory_orders SET material = $1, material_received_at = $2, material_late = $3, \
         updated_at = $4, row_version = row_version + 1 WHERE id = $5 AND row_version = $6",
    )
    .bind(serde_json::to_string(receipts).unwrap_or_default())
    .bind(first.map(Timestamp::as_millis))
    .bind(first.map(|at| i64::from(at > expected)))
    .bind(receipts.last().map_or(0, |r| r.at.as_millis()))
    .bind(id)
    .bind(row_version)
    .execute(&mut *connection)
    .await?)
}

/// Records material as it came on order `id` (at `row_version`, 1 when just written by
/// [`crate::insert_order`]) inside the caller's transaction, without a permission check (the demo
/// data, imports).
pub async fn insert_material(
    connection: &mut sqlx::AnyConnection,
    id: i64,
    row_version: i64,
    request: &OrderRequest,
    quoted_at: Timestamp,
    receipts: &[MaterialReceipt],
) -> Result<()> {
    for (index, receipt) in receipts.iter().enumerate() {
        let problems = receipt.input.problems(&receipts[..index]);
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
    }
    let expected = expected_by(request, quoted_at);
    changed_one(
        &write_material(connection, id, row_version, receipts, expected).await?,
        row_version,
    )
}

impl Order {
    /// Whether the client's material came (or, while the order waits for it, is) later than it
    /// said; an order closed without material is not late for it.
    pub fn material_late(&self, now: Timestamp) -> bool {
        let expected = expected_by(&self.request, self.quote.quoted_at);
        match self.material.first() {
            Some(first) => first.at > expected,
            None => {
                matches!(self.status, OrderStatus::Quoted | OrderStatus::Confirmed)
                    && now > expected
            }
        }
    }

    /// The material received against the delivery, once delivered.
    pub fn reconciliation(&self) -> Option<Reconciliation> {
        reconcile(&self.material, &self.delivery.as_ref()?.input)
    }
}

impl Factories {
    /// The factory (its own staff) records material received for an order that is quoted or
    /// confirmed; `expected_version` refuses it if the order changed meanwhile.
    pub async fn record_material(
        &self,
        principal: &Principal,
        number: &str,
        input: &MaterialInput,
        expected_version: Option<i64>,
    ) -> Result<Order> {
        let row = self.order_row(principal, number).await?;
        let (id, platform) = (row.id, row.platform_id);
        let order = row.into_order()?;
        if !policy::may_run_factory(principal, platform) {
            return Err(Error::Forbidden(
                "only the factory records material received",
            ));
        }
        if expected_version.is_some_and(|v| v != order.row_version) {
            return Err(Error::StaleVersion {
                current: order.row_version,
            });
        }
        if !matches!(order.status, OrderStatus::Quoted | OrderStatus::Confirmed) {
            return Err(Error::Transition(Text::new(
                "只有已报价或已确认的订单可以登记来料",
                "material can be recorded only for a quoted or confirmed order",
            )));
        }
        let problems = input.problems(&order.material);
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let now = self.clock.now();
        let mut receipts = order.material.clone();
        receipts.push(MaterialReceipt {
            input: MaterialInput {
                lots: input.lots.trim().to_owned(),
                note: input.note.trim().to_owned(),
                ..input.clone()
            },
            at: now,
            by: principal.username.clone(),
        });
        let expected = expected_by(&order.request, order.quote.quoted_at);
        let mut transaction = self.db.begin().await?;
        let updated =
            write_material(&mut transaction, id, order.row_version, &receipts, expected).await?;
        changed_one(&updated, order.row_version)?;
        let mut changes = Changes::new();
        changes
            .created("quantity", input.quantity)
            .created("unit", input.unit.as_str());
        if receipts.len() == 1 {
            changes.created("late", now > expected);
        }
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "factory_order.material_received",
                "factory_order",
                &order.number,
            )
            .subject(id)
            .changes(changes)
            .note(input.lots.trim()),
        )
        .await?;
        transaction.commit().await?;
        self.order(principal, number).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(quantity: i64, unit: MaterialUnit) -> MaterialReceipt {
        MaterialReceipt {
            input: MaterialInput {
                quantity,
                unit,
                lots: String::new(),
                note: String::new(),
            },
            at: Timestamp::from_millis(0),
            by: "staff".into(),
        }
    }

    fn delivered(good: i64, scrap: i64, returned: i64) -> DeliveryInput {
        DeliveryInput {
            good,
            scrap,
            returned,
            material_returned: String::new(),
            note: String::new(),
        }
    }

    #[test]
    fn pieces_in_are_pieces_out() {
        let receipts = [
            receipt(600, MaterialUnit::Pieces),
            receipt(420, MaterialUnit::Pieces),
        ];
        // (good, scrap, returned) → unaccounted, or the field refused.
        type Case = ((i64, i64, i64), std::result::Result<i64, &'static str>);
        let cases: [Case; 5] = [
            ((1000, 15, 5), Ok(0)),
            ((990, 10, 0), Ok(20)),
            ((1000, 30, 0), Err("good")),
            ((0, 0, 1021), Err("returned")),
            ((0, 0, -1), Err("returned")),
        ];
        for ((good, scrap, returned), expected) in cases {
            let note = delivered(good, scrap, returned);
            let problems = delivery_problems(&receipts, &note).unwrap();
            match expected {
                Ok(unaccounted) => {
                    assert!(problems.is_empty(), "{problems:?}");
                    let balance = reconcile(&receipts, &note).unwrap();
                    assert_eq!(balance.received, 1020);
                    assert_eq!(balance.unaccounted, Some(unaccounted), "{note:?}");
                }
                Err(field) => assert_eq!(problems[0].field, field, "{note:?}"),
            }
        }
    }

    #[test]
    fn fabric_is_reconciled_by_length_and_nothing_is_delivered_without_material() {
        let receipts = [receipt(3_000, MaterialUnit::Metres)];
        let balance = reconcile(&receipts, &delivered(1_200, 4, 120)).unwrap();
        assert_eq!((balance.consumed, balance.unaccounted), (2_880, None));
        assert!(delivery_problems(&[], &delivered(1, 0, 0)).is_err());
    }

    #[test]
    fn a_receipt_keeps_the_orders_unit_and_a_sane_quantity() {
        let earlier = [receipt(10, MaterialUnit::Metres)];
        let mut input = receipt(5, MaterialUnit::Pieces).input;
        assert_eq!(input.problems(&earlier)[0].field, "unit");
        input.quantity = 0;
        assert_eq!(input.problems(&[]).len(), 1);
        input.quantity = 5;
        assert!(input.problems(&[]).is_empty());
    }

    #[test]
    fn material_is_expected_by_the_end_of_the_day_the_client_said() {
        let request: OrderRequest = serde_json::from_value(serde_json::json!({
            "process": "polishing", "family": "f", "material": "m", "quantity": 1,
            "material_arrives": "2026-12-08", "need_by": "2026-12-20"
        }))
        .unwrap();
        let quoted = crate::setup::parse_local("2026-12-01 10:00").unwrap();
        let end = crate::setup::parse_local("2026-12-09 00:00").unwrap();
        assert_eq!(expected_by(&request, quoted), end);
        let silent = OrderRequest {
            material_arrives: None,
            ..request
        };
        let after_next_day = crate::setup::parse_local("2026-12-03 00:00").unwrap();
        assert_eq!(expected_by(&silent, quoted), after_next_day);
    }
}
