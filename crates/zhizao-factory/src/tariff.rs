//! A shared factory's published tariff and the price of an order under it, with the
//! calculation line by line (as `zhizao_projects::rules` explains a subsidy).
//!
//! A tariff version holds a set-up fee per change-over, a price per machine-hour for each
//! resource class, per-piece prices per part family (or fabric) with quantity breaks — the whole
//! quantity is priced at the break it reaches, as shared factories quote — and a minimum charge.
//! Pricing is a pure function of the tariff and what the order needs (pieces, machine minutes per
//! class from the routing, set-ups from the plan), so a quote can always be recomputed; money is
//! integer fen, rounded half up once per line.

use serde::{Deserialize, Serialize};
use zhizao_core::{Fen, FieldError, Text, closed_vocabulary};

use crate::Error;

closed_vocabulary! {
    /// The kinds of resource a tariff prices by the hour.
    ResourceClass, "resource class" {
        /// An automatic cutting line (裁床).
        CuttingLine => "cutting_line", "自动裁床", "Cutting line";
        /// A spreading line (拉布机).
        SpreadingLine => "spreading_line", "拉布机", "Spreading line";
        /// A robot polishing cell.
        PolishingCell => "polishing_cell", "打磨抛光工作站", "Polishing cell";
        /// Manual work: bundling, labelling, inspection, packing.
        Manual => "manual", "人工工序", "Manual work";
    }
}

/// A unit price from a quantity on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuantityBreak {
    /// The smallest quantity this price applies to.
    pub from_quantity: i64,
    /// Price per piece, fen.
    pub per_piece: Fen,
}

/// Per-piece prices of one part family (polishing) or fabric (cutting).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PiecePrice {
    /// The family's name, as the routing names it.
    pub family: String,
    /// Breaks in increasing quantity; the first starts at 1.
    pub breaks: Vec<QuantityBreak>,
}

/// A price per machine-hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourlyRate {
    /// The class of resource.
    pub class: ResourceClass,
    /// Fen per hour.
    pub per_hour: Fen,
}

/// One version of a factory's tariff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tariff {
    /// Charged per change-over the order needs.
    pub setup_fee: Fen,
    /// Machine-hour prices.
    pub hourly: Vec<HourlyRate>,
    /// Per-piece prices.
    pub pieces: Vec<PiecePrice>,
    /// The least an order costs.
    pub minimum_charge: Fen,
}

/// The most pieces or machine minutes one order may carry.
pub const MAX_QUANTITY: i64 = 100_000_000;

/// What an order needs, to be priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricingInput {
    /// The part family or fabric.
    pub family: String,
    /// Pieces.
    pub quantity: i64,
    /// Machine minutes per resource class (from the routing's run and set-up times).
    pub machine_minutes: Vec<(ResourceClass, i64)>,
    /// Change-overs the order causes.
    pub setups: i64,
}

/// One line of a price's calculation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceLine {
    /// What the line is.
    pub text: Text,
    /// Its amount, fen.
    pub amount: Fen,
}

/// A price with its calculation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    /// The lines, in the order they add up.
    pub lines: Vec<PriceLine>,
    /// The total, fen.
    pub total: Fen,
}

fn field(name: impl Into<String>, zh: String, en: String) -> FieldError {
    FieldError::new(name, Text::owned(zh, en))
}

fn money_ok(amount: Fen) -> bool {
    (0..=Fen::MAX.get()).contains(&amount.get())
}

impl Tariff {
    /// Every problem of the tariff, named by field (`hourly[1].per_hour`, `pieces[0].breaks[2]`).
    pub fn problems(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (name, amount) in [
            ("setup_fee", self.setup_fee),
            ("minimum_charge", self.minimum_charge),
        ] {
            if !money_ok(amount) {
                errors.push(field(
                    name,
                    "金额超出范围".into(),
                    "the amount is out of range".into(),
                ));
            }
        }
        for (index, rate) in self.hourly.iter().enumerate() {
            if !money_ok(rate.per_hour) {
                errors.push(field(
                    format!("hourly[{index}].per_hour"),
                    "金额超出范围".into(),
                    "the amount is out of range".into(),
                ));
            }
            if self.hourly[..index].iter().any(|r| r.class == rate.class) {
                errors.push(field(
                    format!("hourly[{index}].class"),
                    format!("“{}”已有机时价格", rate.class.label().zh),
                    format!("{} is priced twice", rate.class.as_str()),
                ));
            }
        }
        for (index, price) in self.pieces.iter().enumerate() {
            let family = price.family.trim();
            if family.is_empty() || family.chars().count() > 100 {
                errors.push(field(
                    format!("pieces[{index}].family"),
                    "请填写品类（最长 100 字）".into(),
                    "name the family (at most 100 characters)".into(),
                ));
            } else if self.pieces[..index]
                .iter()
                .any(|p| p.family.trim() == family)
            {
                errors.push(field(
                    format!("pieces[{index}].family"),
                    format!("品类“{family}”重复"),
                    format!("the family {family:?} is priced twice"),
                ));
            }
            if price.breaks.first().map(|b| b.from_quantity) != Some(1) {
                errors.push(field(
                    format!("pieces[{index}].breaks"),
                    "第一档须从 1 件起".into(),
                    "the first break starts at 1 piece".into(),
                ));
            }
            for (position, step) in price.breaks.iter().enumerate() {
                let increasing =
                    position == 0 || step.from_quantity > price.breaks[position - 1].from_quantity;
                if !increasing || !(1..=MAX_QUANTITY).contains(&step.from_quantity) {
                    errors.push(field(
                        format!("pieces[{index}].breaks[{position}].from_quantity"),
                        "起订量须逐档递增".into(),
                        "breaks must start at increasing quantities".into(),
                    ));
                }
                if !money_ok(step.per_piece) {
                    errors.push(field(
                        format!("pieces[{index}].breaks[{position}].per_piece"),
                        "金额超出范围".into(),
                        "the amount is out of range".into(),
                    ));
                }
            }
        }
        errors
    }

    /// Prices what an order needs, or names what cannot be priced.
    pub fn price(&self, input: &PricingInput) -> Result<Price, Error> {
        let mut errors = self.problems();
        if !(1..=MAX_QUANTITY).contains(&input.quantity) {
            errors.push(field(
                "quantity",
                format!("数量须在 1 至 {MAX_QUANTITY} 件之间"),
                format!("the quantity must be 1 to {MAX_QUANTITY} pieces"),
            ));
        }
        if !(0..=MAX_QUANTITY).contains(&input.setups) {
            errors.push(field(
                "setups",
                "换型次数超出范围".into(),
                "the number of set-ups is out of range".into(),
            ));
        }
        let family = input.family.trim();
        let piece_price = self.pieces.iter().find(|p| p.family.trim() == family);
        if piece_price.is_none() {
            errors.push(field(
                "family",
                format!("价目表中没有“{family}”的计件价格"),
                format!("the tariff has no piece price for {family:?}"),
            ));
        }
        for (index, (class, minutes)) in input.machine_minutes.iter().enumerate() {
            if !(0..=MAX_QUANTITY).contains(minutes) {
                errors.push(field(
                    format!("machine_minutes[{index}]"),
                    "机时超出范围".into(),
                    "the machine minutes are out of range".into(),
                ));
            }
            if !self.hourly.iter().any(|r| r.class == *class) {
                errors.push(field(
                    format!("machine_minutes[{index}]"),
                    format!("价目表中没有“{}”的机时价格", class.label().zh),
                    format!("the tariff has no hourly price for {}", class.as_str()),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let mut lines = Vec::new();
        if input.setups > 0 {
            lines.push(PriceLine {
                text: Text::owned(
                    format!(
                        "换型 {} 次 × {} 元",
                        input.setups,
                        self.setup_fee.to_yuan_string()
                    ),
                    format!(
                        "{} set-up(s) × {} yuan",
                        input.setups,
                        self.setup_fee.to_yuan_string()
                    ),
                ),
                amount: Fen::new(clamp(
                    i128::from(input.setups) * i128::from(self.setup_fee.get()),
                )),
            });
        }
        for (class, minutes) in &input.machine_minutes {
            let Some(rate) = self.hourly.iter().find(|r| r.class == *class) else {
                continue;
            };
            if *minutes == 0 {
                continue;
            }
            // Minutes × fen per hour / 60, rounded half up.
            let amount = (i128::from(*minutes) * i128::from(rate.per_hour.get()) + 30) / 60;
            lines.push(PriceLine {
                text: Text::owned(
                    format!(
                        "{} {} 分钟 × {} 元/小时",
                        class.label().zh,
                        minutes,
                        rate.per_hour.to_yuan_string()
                    ),
                    format!(
                        "{} {minutes} min × {} yuan/h",
                        class.label().en,
                        rate.per_hour.to_yuan_string()
                    ),
                ),
                amount: Fen::new(clamp(amount)),
            });
        }
        if let Some(price) = piece_price {
            let step = price
                .breaks
                .iter()
                .rev()
                .find(|b| b.from_quantity <= input.quantity)
                .copied()
                .unwrap_or(price.breaks[0]);
            lines.push(PriceLine {
                text: Text::owned(
                    format!(
                        "{family} {} 件 × {} 元（{} 件起档）",
                        input.quantity,
                        step.per_piece.to_yuan_string(),
                        step.from_quantity
                    ),
                    format!(
                        "{family} {} pieces × {} yuan (the break from {})",
                        input.quantity,
                        step.per_piece.to_yuan_string(),
                        step.from_quantity
                    ),
                ),
                amount: Fen::new(clamp(
                    i128::from(input.quantity) * i128::from(step.per_piece.get()),
                )),
            });
        }
        let sum = clamp(lines.iter().map(|l| i128::from(l.amount.get())).sum());
        let total = if sum < self.minimum_charge.get() {
            lines.push(PriceLine {
                text: Text::owned(
                    format!(
                        "不足最低收费 {} 元，按最低收费计",
                        self.minimum_charge.to_yuan_string()
                    ),
                    format!(
                        "raised to the minimum charge of {} yuan",
                        self.minimum_charge.to_yuan_string()
                    ),
                ),
                amount: Fen::new(self.minimum_charge.get() - sum),
            });
            self.minimum_charge
        } else {
            Fen::new(sum)
        };
        if total.get() > Fen::MAX.get() {
            return Err(Error::invalid(
                "quantity",
                "订单金额超出范围",
                "the order's amount is out of range",
            ));
        }
        Ok(Price { lines, total })
    }
}

/// An amount in fen that fits: anything larger is held at one fen above the largest amount, so
/// the total check refuses it.
fn clamp(amount: i128) -> i64 {
    i64::try_from(amount.min(i128::from(Fen::MAX.get()) + 1)).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use zhizao_core::Classified;

    use super::*;

    fn yuan(amount: i64) -> Fen {
        Fen::new(amount * 100)
    }

    /// The polishing centre's tariff: 200 yuan per set-up, 180 yuan per cell-hour, 60 yuan per
    /// hour of manual work, faucets at 2.50 yuan a piece, 2.20 from 1,000 and 1.90 from 10,000,
    /// and at least 500 yuan an order.
    fn tariff() -> Tariff {
        Tariff {
            setup_fee: yuan(200),
            hourly: vec![
                HourlyRate {
                    class: ResourceClass::PolishingCell,
                    per_hour: yuan(180),
                },
                HourlyRate {
                    class: ResourceClass::Manual,
                    per_hour: yuan(60),
                },
            ],
            pieces: vec![PiecePrice {
                family: "龙头".into(),
                breaks: vec![
                    QuantityBreak {
                        from_quantity: 1,
                        per_piece: Fen::new(250),
                    },
                    QuantityBreak {
                        from_quantity: 1_000,
                        per_piece: Fen::new(220),
                    },
                    QuantityBreak {
                        from_quantity: 10_000,
                        per_piece: Fen::new(190),
                    },
                ],
            }],
            minimum_charge: yuan(500),
        }
    }

    fn order(quantity: i64, cell_minutes: i64, manual_minutes: i64, setups: i64) -> PricingInput {
        PricingInput {
            family: "龙头".into(),
            quantity,
            machine_minutes: vec![
                (ResourceClass::PolishingCell, cell_minutes),
                (ResourceClass::Manual, manual_minutes),
            ],
            setups,
        }
    }

    #[test]
    fn prices_add_up_line_by_line_as_computed_by_hand() {
        // 2 set-ups 400; 125 cell minutes at 180/h = 375; 47 manual minutes at 60/h = 47;
        // 2,400 faucets at the 1,000 break, 2.20 = 5,280; total 6,102.
        let price = tariff().price(&order(2_400, 125, 47, 2)).unwrap();
        let amounts: Vec<i64> = price.lines.iter().map(|l| l.amount.get()).collect();
        assert_eq!(amounts, [40_000, 37_500, 4_700, 528_000]);
        assert_eq!(price.total, Fen::new(610_200));
        assert!(
            price.lines[3].text.zh.contains("1000 件起档"),
            "{:?}",
            price.lines[3]
        );
        // A third of a minute's price rounds half up: 1 minute at 0.50 yuan/h is 0.83 fen → 1.
        let mut cheap = tariff();
        cheap.hourly[1].per_hour = Fen::new(50);
        cheap.minimum_charge = Fen::new(0);
        let price = cheap.price(&order(1, 0, 1, 0)).unwrap();
        assert_eq!(price.lines[0].amount, Fen::new(1));
    }

    #[test]
    fn breaks_apply_to_the_whole_quantity_and_small_orders_pay_the_minimum() {
        let unit = |quantity| {
            let price = tariff().price(&order(quantity, 0, 0, 0)).unwrap();
            price.lines[0].amount.get() / quantity
        };
        assert_eq!(unit(999), 250);
        assert_eq!(unit(1_000), 220);
        assert_eq!(unit(9_999), 220);
        assert_eq!(unit(10_000), 190);
        let small = tariff().price(&order(10, 0, 0, 0)).unwrap();
        assert_eq!(small.total, yuan(500));
        assert_eq!(
            small.lines.iter().map(|l| l.amount.get()).sum::<i64>(),
            small.total.get(),
            "the lines add up to the total"
        );
    }

    #[test]
    fn what_cannot_be_priced_is_named_by_field() {
        let mut input = order(0, -5, 10, -1);
        input.family = "门把手".into();
        input.machine_minutes.push((ResourceClass::CuttingLine, 10));
        let error = tariff().price(&input).unwrap_err();
        let fields: Vec<String> = error.field_errors().into_iter().map(|e| e.field).collect();
        for expected in [
            "quantity",
            "setups",
            "family",
            "machine_minutes[0]",
            "machine_minutes[2]",
        ] {
            assert!(
                fields.iter().any(|f| f == expected),
                "{expected} in {fields:?}"
            );
        }
        // Absurd sizes are refused, never wrapped.
        let mut huge = tariff();
        huge.pieces[0].breaks[2].per_piece = Fen::MAX;
        let error = huge.price(&order(MAX_QUANTITY, 0, 0, 0)).unwrap_err();
        assert_eq!(error.field_errors()[0].field, "quantity");
    }

    #[test]
    fn a_tariff_names_its_own_problems() {
        let mut bad = tariff();
        bad.hourly.push(HourlyRate {
            class: ResourceClass::Manual,
            per_hour: Fen::new(-1),
        });
        bad.pieces.push(PiecePrice {
            family: "龙头".into(),
            breaks: vec![
                QuantityBreak {
                    from_quantity: 5,
                    per_piece: Fen::new(1),
                },
                QuantityBreak {
                    from_quantity: 5,
                    per_piece: Fen::new(1),
                },
            ],
        });
        let fields: Vec<String> = bad.problems().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "hourly[2].per_hour",
                "hourly[2].class",
                "pieces[1].family",
                "pieces[1].breaks",
                "pieces[1].breaks[1].from_quantity",
            ]
        );
        assert!(tariff().problems().is_empty());
    }
}
