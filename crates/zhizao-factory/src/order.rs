//! A client's order to a shared factory: what it asks for ([`OrderRequest`], checked field by
//! field), the quote it gets ([`OrderQuote`]: the price under the current tariff line by line and
//! the date promised by planning the order into the factory's confirmed work) and where it stands
//! ([`OrderStatus`]).

use serde::{Deserialize, Serialize};
use zhizao_core::{Fen, FieldError, Text, Timestamp, closed_vocabulary};

use crate::plan::Demand;
use crate::setup::{Process, Setup, local_day, parse_date};
use crate::tariff::{MAX_QUANTITY, Price, PricingInput, ResourceClass, Tariff};

closed_vocabulary! {
    /// Where an order stands.
    OrderStatus, "order status" {
        /// Priced and promised; the client may accept until the quote expires.
        Quoted => "quoted", "已报价", "Quoted";
        /// Accepted by the client: the factory's plan holds it to its promised date.
        Confirmed => "confirmed", "已确认", "Confirmed";
        /// Withdrawn by the client or declined by the factory.
        Cancelled => "cancelled", "已取消", "Cancelled";
        /// The factory delivered it with a delivery note.
        Delivered => "delivered", "已交付", "Delivered";
        /// The client confirmed receipt and rated the service.
        Received => "received", "已签收", "Received";
    }
}

impl OrderStatus {
    /// Where the order stands as a service request (orders are one kind of request).
    pub fn as_request(self) -> zhizao_services::RequestStatus {
        use zhizao_services::RequestStatus as R;
        match self {
            OrderStatus::Quoted => R::Quoted,
            OrderStatus::Confirmed => R::Contracted,
            OrderStatus::Cancelled => R::Cancelled,
            OrderStatus::Delivered => R::Delivered,
            OrderStatus::Received => R::Rated,
        }
    }
}

closed_vocabulary! {
    /// What a client or a factory does to an order.
    OrderAction, "order action" {
        /// The client accepts the quote.
        Accept => "accept", "接受报价", "Accept the quote";
        /// The client or the factory asks for a fresh quote.
        Requote => "requote", "重新报价", "Quote again";
        /// The client withdraws, or the factory declines.
        Cancel => "cancel", "取消订单", "Cancel";
    }
}

/// One cell of a cutting order's size × colour matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixCell {
    /// Size (S, M, L, 160/84A, …).
    pub size: String,
    /// Colour.
    pub colour: String,
    /// Garments.
    pub quantity: i64,
}

/// What a client asks a factory for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    /// The process.
    pub process: Process,
    /// Part family (polishing) or fabric (cutting), as the tariff names it.
    pub family: String,
    /// Material.
    pub material: String,
    /// Finish asked for (polishing).
    #[serde(default)]
    pub finish: String,
    /// Pieces (polishing); for cutting the matrix's sum, or 0 to take it.
    #[serde(default)]
    pub quantity: i64,
    /// Sizes × colours (cutting).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matrix: Vec<MatrixCell>,
    /// Largest part dimension, mm (polishing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_mm: Option<i64>,
    /// Part weight, g (polishing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_g: Option<i64>,
    /// Fabric roll width, mm (cutting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width_mm: Option<i64>,
    /// Lay height, mm (cutting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ply_mm: Option<i64>,
    /// Fabric shade lots (cutting).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shade_lots: Vec<String>,
    /// The material the client supplies (来料), as it will arrive.
    #[serde(default)]
    pub material_supplied: String,
    /// When the material reaches the factory, `YYYY-MM-DD` (work cannot start before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material_arrives: Option<String>,
    /// The day the client needs the work back, `YYYY-MM-DD`.
    pub need_by: String,
    /// Anything else.
    #[serde(default)]
    pub note: String,
}

fn problem(errors: &mut Vec<FieldError>, name: &str, zh: String, en: String) {
    errors.push(FieldError::new(name, Text::owned(zh, en)));
}

fn short(text: &str, most: usize) -> bool {
    text.trim().chars().count() <= most
}

impl OrderRequest {
    /// The pieces ordered: the quantity, or the matrix's sum when the quantity is 0.
    pub fn pieces(&self) -> i64 {
        if self.quantity == 0 {
            self.matrix
                .iter()
                .fold(0i64, |sum, cell| sum.saturating_add(cell.quantity.max(0)))
        } else {
            self.quantity
        }
    }

    /// When the material arrives (or `now` when not said or already past).
    pub fn release(&self, now: Timestamp) -> Timestamp {
        self.material_arrives
            .as_deref()
            .and_then(parse_date)
            .map_or(now, |date| day_start(date).max(now))
    }

    /// The end of the day the client needs the work by.
    pub fn due(&self) -> Option<Timestamp> {
        parse_date(&self.need_by).map(|date| day_start(date).plus_millis(86_400_000))
    }

    /// Every problem of the request at `now`, named by field.
    pub fn problems(&self, now: Timestamp) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (name, value) in [("family", &self.family), ("material", &self.material)] {
            if value.trim().is_empty() || !short(value, 100) {
                problem(
                    &mut errors,
                    name,
                    "必填，最长 100 字".into(),
                    "required, at most 100 characters".into(),
                );
            }
        }
        for (name, value, most) in [
            ("finish", &self.finish, 100),
            ("material_supplied", &self.material_supplied, 500),
            ("note", &self.note, 2000),
        ] {
            if !short(value, most) {
                problem(
                    &mut errors,
                    name,
                    format!("最长 {most} 字"),
                    format!("at most {most} characters"),
                );
            }
        }
        self.quantity_problems(&mut errors);
        for (name, value) in [
            ("part_mm", self.part_mm),
            ("weight_g", self.weight_g),
            ("width_mm", self.width_mm),
            ("ply_mm", self.ply_mm),
        ] {
            if value.is_some_and(|v| !(1..=MAX_QUANTITY).contains(&v)) {
                problem(
                    &mut errors,
                    name,
                    "须为正数".into(),
                    "must be a positive number".into(),
                );
            }
        }
        if self.shade_lots.len() > 100 || self.shade_lots.iter().any(|lot| !short(lot, 100)) {
            problem(
                &mut errors,
                "shade_lots",
                "缸号最多 100 个，每个最长 100 字".into(),
                "at most 100 shade lots of at most 100 characters".into(),
            );
        }
        let (today, _) = local_day(now);
        match parse_date(&self.need_by) {
            None => problem(
                &mut errors,
                "need_by",
                format!("“{}”不是日期（YYYY-MM-DD）", self.need_by.trim()),
                format!("{:?} is not a date (YYYY-MM-DD)", self.need_by.trim()),
            ),
            Some(date) if date < today => problem(
                &mut errors,
                "need_by",
                "需求日期已过".into(),
                "the date needed is in the past".into(),
            ),
            Some(_) => {}
        }
        if let Some(arrives) = &self.material_arrives {
            match (parse_date(arrives), parse_date(&self.need_by)) {
                (None, _) => problem(
                    &mut errors,
                    "material_arrives",
                    format!("“{}”不是日期（YYYY-MM-DD）", arrives.trim()),
                    format!("{:?} is not a date (YYYY-MM-DD)", arrives.trim()),
                ),
                (Some(arrives), Some(needed)) if arrives > needed => problem(
                    &mut errors,
                    "material_arrives",
                    "来料日期晚于需求日期".into(),
                    "the material arrives after the date needed".into(),
                ),
                _ => {}
            }
        }
        errors
    }

    fn quantity_problems(&self, errors: &mut Vec<FieldError>) {
        if self.process == Process::Cutting && self.matrix.is_empty() && self.quantity != 0 {
            problem(
                errors,
                "matrix",
                "裁剪订单按尺码 × 颜色填写数量".into(),
                "a cutting order gives its quantities by size × colour".into(),
            );
        }
        if self.matrix.len() > 1000 {
            problem(
                errors,
                "matrix",
                "尺码 × 颜色最多 1000 格".into(),
                "at most 1,000 size × colour cells".into(),
            );
            return;
        }
        for (index, cell) in self.matrix.iter().enumerate() {
            let repeated = self.matrix[..index].iter().any(|c| {
                c.size.trim() == cell.size.trim() && c.colour.trim() == cell.colour.trim()
            });
            if cell.size.trim().is_empty()
                || cell.colour.trim().is_empty()
                || !short(&cell.size, 50)
                || !short(&cell.colour, 50)
                || repeated
                || !(1..=MAX_QUANTITY).contains(&cell.quantity)
            {
                problem(
                    errors,
                    &format!("matrix[{index}]"),
                    "每格须有尺码、颜色（不重复）和正数数量".into(),
                    "each cell has a size, a colour (not repeated) and a positive quantity".into(),
                );
            }
        }
        let pieces = self.pieces();
        if !(1..=MAX_QUANTITY).contains(&pieces) {
            problem(
                errors,
                "quantity",
                format!("数量须在 1 至 {MAX_QUANTITY} 件之间"),
                format!("the quantity must be 1 to {MAX_QUANTITY} pieces"),
            );
        } else if !self.matrix.is_empty() && self.quantity != 0 && self.quantity != pieces {
            problem(
                errors,
                "quantity",
                "数量与尺码 × 颜色合计不符".into(),
                "the quantity differs from the matrix's sum".into(),
            );
        }
    }

    /// The order as the plan sees it.
    pub fn demand(&self, key: &str, now: Timestamp, due: Timestamp, weight: i64) -> Demand {
        Demand {
            key: key.to_owned(),
            process: self.process,
            family: self.family.trim().to_owned(),
            material: self.material.trim().to_owned(),
            finish: self.finish.trim().to_owned(),
            quantity: self.pieces(),
            part_mm: self.part_mm,
            weight_g: self.weight_g,
            width_mm: self.width_mm,
            ply_mm: self.ply_mm,
            release: self.release(now),
            due,
            weight,
            lots: Vec::new(),
        }
    }

    /// What the order needs priced under `setup`'s routing: pieces, machine minutes of the
    /// classes `tariff` prices by the hour, and one change-over per step on a class that has
    /// change-over times.
    pub fn pricing_input(&self, setup: &Setup, tariff: &Tariff) -> PricingInput {
        let pieces = self.pieces();
        let mut machine_minutes: Vec<(ResourceClass, i64)> = Vec::new();
        let mut setups = 0;
        for step in setup.routing(self.process).map_or(&[][..], |r| &r.steps) {
            if setup
                .changeovers
                .iter()
                .any(|c| c.class == step.class && c.minutes > 0)
            {
                setups += 1;
            }
            if !tariff.hourly.iter().any(|rate| rate.class == step.class) {
                continue;
            }
            let minutes = (pieces.saturating_mul(step.seconds_for(&self.family)) + 59) / 60;
            match machine_minutes
                .iter_mut()
                .find(|(class, _)| *class == step.class)
            {
                Some((_, sum)) => *sum += minutes,
                None => machine_minutes.push((step.class, minutes)),
            }
        }
        PricingInput {
            family: self.family.trim().to_owned(),
            quantity: pieces,
            machine_minutes,
            setups,
        }
    }
}

pub(crate) fn day_start(date: time::Date) -> Timestamp {
    let midnight = date.midnight().assume_offset(time::macros::offset!(+8));
    Timestamp::from_millis(midnight.unix_timestamp() * 1000)
}

/// A quote: the price and the promised date, valid until a stated time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderQuote {
    /// The tariff version priced under.
    pub tariff_version: i64,
    /// The set-up version planned with.
    pub setup_version: i64,
    /// The price, line by line.
    pub price: Price,
    /// Machine minutes per class the price charges.
    pub machine_minutes: Vec<(ResourceClass, i64)>,
    /// When the factory promises the work back: the plan's completion of the order.
    pub promised_at: Timestamp,
    /// Until when the client may accept.
    pub valid_until: Timestamp,
    /// How many confirmed orders the plan held besides this one.
    pub planned_with: usize,
    /// When quoted.
    pub quoted_at: Timestamp,
}

/// An order as its readers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Order {
    /// FO000123.
    pub number: String,
    /// The factory's organisation code.
    pub platform_code: String,
    /// The factory's name.
    pub platform_name: String,
    /// The client's organisation code.
    pub client_code: String,
    /// The client's name.
    pub client_name: String,
    /// What was asked.
    pub request: OrderRequest,
    /// Where it stands.
    pub status: OrderStatus,
    /// The current quote.
    pub quote: OrderQuote,
    /// Placed when, by whom.
    pub created_at: Timestamp,
    /// The username.
    pub created_by: String,
    /// Last changed.
    pub updated_at: Timestamp,
    /// Changes with every step; a writer sends the one it saw.
    pub row_version: i64,
    /// The client's material as received, first receipt first.
    pub material: Vec<crate::material::MaterialReceipt>,
    /// The delivery note and receipt, once delivered.
    pub delivery: Option<Delivery>,
}

/// What the factory hands back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryInput {
    /// Good pieces delivered.
    pub good: i64,
    /// Scrap pieces.
    pub scrap: i64,
    /// The client's material returned unused (来料退还), in the unit its receipts use.
    #[serde(default)]
    pub returned: i64,
    /// The material returned, in words (lots, state).
    #[serde(default)]
    pub material_returned: String,
    /// Anything else.
    #[serde(default)]
    pub note: String,
}

impl DeliveryInput {
    /// Every problem of a delivery of an order of `ordered` pieces.
    pub fn problems(&self, ordered: i64) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (name, value) in [("good", self.good), ("scrap", self.scrap)] {
            if !(0..=ordered).contains(&value) {
                problem(
                    &mut errors,
                    name,
                    format!("须在 0 到订购数量 {ordered} 件之间"),
                    format!("must be 0 to the {ordered} pieces ordered"),
                );
            }
        }
        if errors.is_empty() && (self.good + self.scrap == 0 || self.good + self.scrap > ordered) {
            problem(
                &mut errors,
                "good",
                format!("合格与报废合计须在 1 到 {ordered} 件之间"),
                format!("good and scrap together must be 1 to {ordered} pieces"),
            );
        }
        for (name, value, most) in [
            ("material_returned", &self.material_returned, 500),
            ("note", &self.note, 2000),
        ] {
            if !short(value, most) {
                problem(
                    &mut errors,
                    name,
                    format!("最长 {most} 字"),
                    format!("at most {most} characters"),
                );
            }
        }
        errors
    }
}

/// The client's receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// 1 to 5.
    pub rating: i64,
    /// In the client's words.
    pub comment: String,
    /// When.
    pub at: Timestamp,
    /// By whom.
    pub by: String,
}

/// An order's delivery note, its final amount and the client's receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// What was handed back.
    pub input: DeliveryInput,
    /// The amount due: the quoted tariff version applied to the good pieces.
    pub price: Price,
    /// When delivered.
    pub at: Timestamp,
    /// By whom.
    pub by: String,
    /// Whether it came after the promised date.
    pub late: bool,
    /// The client's receipt, once confirmed.
    pub receipt: Option<Receipt>,
}

impl Order {
    /// Whether the quote can no longer be accepted.
    pub fn expired(&self, now: Timestamp) -> bool {
        self.status == OrderStatus::Quoted && now > self.quote.valid_until
    }

    /// Whether the promised date is later than the client needs.
    pub fn later_than_needed(&self) -> bool {
        self.request
            .due()
            .is_some_and(|due| self.quote.promised_at > due)
    }

    /// The total, fen.
    pub fn total(&self) -> Fen {
        self.quote.price.total
    }

    /// What the client owes: the delivery's amount once delivered, else the quote's.
    pub fn amount_due(&self) -> Fen {
        self.delivery
            .as_ref()
            .map_or(self.quote.price.total, |d| d.price.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setup::parse_local;

    fn request() -> OrderRequest {
        serde_json::from_value(serde_json::json!({
            "process": "polishing", "family": "卫浴龙头", "material": "黄铜",
            "quantity": 2000, "part_mm": 250, "weight_g": 900,
            "material_arrives": "2026-12-08", "need_by": "2026-12-20"
        }))
        .unwrap()
    }

    #[test]
    fn a_good_request_has_no_problem_and_knows_its_dates() {
        let now = parse_local("2026-12-07 09:00").unwrap();
        let request = request();
        assert_eq!(request.problems(now), Vec::new());
        assert_eq!(
            request.release(now).to_shanghai_string(),
            "2026-12-08 00:00"
        );
        assert_eq!(
            request.due().unwrap().to_shanghai_string(),
            "2026-12-21 00:00"
        );
    }

    #[test]
    fn each_bad_field_is_named() {
        let now = parse_local("2026-12-07 09:00").unwrap();
        type Case = (&'static str, fn(&mut OrderRequest));
        let cases: [Case; 8] = [
            ("quantity", |r| r.quantity = -5),
            ("quantity", |r| r.quantity = MAX_QUANTITY + 1),
            ("need_by", |r| {
                r.need_by = "2026-12-06".into();
                r.material_arrives = None;
            }),
            ("need_by", |r| r.need_by = "next week".into()),
            ("material_arrives", |r| {
                r.material_arrives = Some("2026-12-30".into())
            }),
            ("family", |r| r.family = " ".into()),
            ("part_mm", |r| r.part_mm = Some(0)),
            ("matrix[1]", |r| {
                r.quantity = 0;
                r.matrix = vec![
                    MatrixCell {
                        size: "M".into(),
                        colour: "蓝".into(),
                        quantity: 10,
                    },
                    MatrixCell {
                        size: "M".into(),
                        colour: "蓝".into(),
                        quantity: 5,
                    },
                ];
            }),
        ];
        for (field, break_it) in cases {
            let mut request = request();
            break_it(&mut request);
            let fields: Vec<String> = request.problems(now).into_iter().map(|e| e.field).collect();
            assert_eq!(fields, [field], "{field}");
        }
    }

    #[test]
    fn a_cutting_order_counts_its_matrix() {
        let mut request = request();
        request.process = Process::Cutting;
        assert_eq!(
            request.problems(parse_local("2026-12-07 09:00").unwrap())[0].field,
            "matrix"
        );
        request.quantity = 0;
        request.matrix = vec![
            MatrixCell {
                size: "S".into(),
                colour: "蓝".into(),
                quantity: 120,
            },
            MatrixCell {
                size: "M".into(),
                colour: "蓝".into(),
                quantity: 300,
            },
        ];
        assert_eq!(request.pieces(), 420);
    }

    #[test]
    fn pricing_charges_the_routing_minutes_of_hourly_priced_classes() {
        let setup = crate::setup::tests::polishing();
        let tariff = Tariff {
            setup_fee: Fen::new(20_000),
            hourly: vec![crate::tariff::HourlyRate {
                class: ResourceClass::PolishingCell,
                per_hour: Fen::new(18_000),
            }],
            pieces: Vec::new(),
            minimum_charge: Fen::new(0),
        };
        let input = request().pricing_input(&setup, &tariff);
        // 2,000 faucets: rough grinding 90 s and fine polishing 45 s each = 4,500 minutes.
        assert_eq!(
            input.machine_minutes,
            [(ResourceClass::PolishingCell, 4500)]
        );
        assert_eq!(input.setups, 2, "one change-over per polishing-cell step");
        assert_eq!(input.quantity, 2000);
    }
}
