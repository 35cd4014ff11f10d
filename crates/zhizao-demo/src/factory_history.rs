//! Years of the shared factories' past orders, so their figures are the seed's: the cutting
//! centre has cut 49.21 M pieces for 500-odd enterprises, the polishing centre has polished 6 M
//! pieces for 50-odd, since 2019. Each order is priced under the published tariff, its client's
//! material received (now and then later than the client said), delivered (mostly by the
//! promised day) and rated, month by month with the work growing year on year; the pieces add up
//! to the seed's totals exactly.

use time::{Date, Month};
use zhizao_core::Timestamp;
use zhizao_factory::order::{Delivery, DeliveryInput, OrderQuote, OrderStatus, Receipt};
use zhizao_factory::setup::{local_day, parse_local};
use zhizao_factory::{
    MaterialInput, MaterialReceipt, MaterialUnit, OrderRecord, OrderRequest, Process, SetupVersion,
    TariffVersion,
};

use crate::factories::{cutting_order, polishing_order};
use crate::random::SplitMix64;

/// The first month of the history.
const FIRST: (i32, Month) = (2019, Month::January);
const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;

/// What a factory's history adds up to.
pub(crate) struct Target {
    /// The platform's code.
    pub(crate) platform: &'static str,
    /// Good pieces delivered since the first month.
    pub(crate) pieces: i64,
    /// Pieces in a typical order.
    pub(crate) typical: i64,
}

/// The seed's totals.
pub(crate) const TARGETS: &[Target] = &[
    Target {
        platform: "smart-cutting",
        pieces: 49_210_000,
        typical: 20_000,
    },
    Target {
        platform: "robot-polishing",
        pieces: 6_000_000,
        typical: 5_000,
    },
];

/// The months of the history, from [`FIRST`] to three weeks before `now` (so every order of
/// it is delivered and rated by now): each month's start and the days of it orders are placed
/// on.
fn months(now: Timestamp) -> Vec<(Timestamp, i64)> {
    let last = local_day(now.plus_millis(-21 * DAY)).0;
    let mut months = Vec::new();
    let (mut year, mut month) = FIRST;
    while (year, month as u8) <= (last.year(), last.month() as u8) {
        let days = if (year, month) == (last.year(), last.month()) {
            i64::from(last.day()) - 1
        } else {
            28
        };
        if let Some(start) = Date::from_calendar_date(year, month, 1)
            .ok()
            .and_then(|d| parse_local(&format!("{d} 00:00")))
            .filter(|_| days > 0)
        {
            months.push((start, days));
        }
        month = month.next();
        if month == Month::January {
            year += 1;
        }
    }
    months
}

/// Splits `total` over `weights` in whole pieces that add up to `total` exactly.
fn apportion(total: i64, weights: &[f64]) -> Vec<i64> {
    let sum: f64 = weights.iter().sum();
    let mut shares: Vec<i64> = weights
        .iter()
        .map(|w| (total as f64 * w / sum).floor() as i64)
        .collect();
    let mut left = total - shares.iter().sum::<i64>();
    let count = shares.len().max(1);
    let mut index = 0;
    while left > 0 {
        shares[index % count] += 1;
        left -= 1;
        index += 1;
    }
    shares
}

/// One past order as written.
struct Past {
    request: OrderRequest,
    at: Timestamp,
    good: i64,
    scrap: i64,
}

/// The orders of one month that deliver `pieces` good pieces in all, each placed on a working
/// hour of a day of the month starting at `start`.
fn month_orders(
    process: Process,
    (start, days): (Timestamp, i64),
    pieces: i64,
    typical: i64,
    random: &mut SplitMix64,
) -> Vec<Past> {
    let mut orders = Vec::new();
    let mut left = pieces;
    while left > 0 {
        let wanted = (typical / 2 + random.between(0, typical)).min(left);
        // The last order of the month takes what is left.
        let good = if left - wanted < typical / 4 {
            left
        } else {
            wanted
        };
        left -= good;
        let at = start
            .plus_millis(random.between(0, days - 1) * DAY)
            .plus_millis(random.between(9, 17) * HOUR);
        let lead = match process {
            Process::Cutting => random.between(4, 8),
            Process::Polishing => random.between(7, 12),
        };
        let (request, ordered) = match process {
            Process::Cutting => {
                // 20 cells per matrix (4 sizes in shares 2:4:3:1, 2 colours): enough garments
                // to deliver the good ones.
                let per_cell = (good + good / 100 + 19) / 20;
                let fabric = if random.unit() < 0.55 {
                    "针织布"
                } else {
                    "牛仔布"
                };
                (cutting_order(at, fabric, per_cell, lead), per_cell * 20)
            }
            Process::Polishing => {
                let (family, material) = *random.pick(&[
                    ("卫浴龙头", "黄铜"),
                    ("五金门把手", "锌合金"),
                    ("不锈钢锅具", "不锈钢"),
                ]);
                let ordered = good + good / 80;
                (
                    polishing_order(at, family, material, ordered, lead),
                    ordered,
                )
            }
        };
        orders.push(Past {
            request,
            at,
            good,
            scrap: ordered - good,
        });
    }
    orders
}

const COMMENTS: &[&str] = &[
    "交期准时，质量稳定",
    "裁片准确，包装整齐",
    "表面处理达到要求",
    "沟通及时，下次继续合作",
    "个别批次略有延误",
];

/// Writes the history of every factory in `documents` (platform id, set-up, tariff) for its
/// platform's clients; returns how many orders.
pub(crate) async fn load(
    connection: &mut sqlx::AnyConnection,
    now: Timestamp,
    documents: &[(i64, SetupVersion, TariffVersion)],
) -> Result<usize, zhizao_factory::Error> {
    let mut written = 0;
    let months = months(now);
    for target in TARGETS {
        let Some((platform, setup, tariff)) = documents
            .iter()
            .find(|(_, setup, _)| setup.platform_code == target.platform)
        else {
            continue;
        };
        let clients: Vec<i64> = sqlx::query_scalar(
            "SELECT enterprise_id FROM platform_clients WHERE platform_id = $1 ORDER BY enterprise_id",
        )
        .bind(platform)
        .fetch_all(&mut *connection)
        .await?;
        if clients.is_empty() {
            continue;
        }
        let process = setup.setup.routings[0].process;
        let mut random = SplitMix64::new(0x5EED_F00D ^ *platform as u64);
        // The work grows by about a fifth a year.
        let weights: Vec<f64> = months
            .iter()
            .enumerate()
            .map(|(m, (_, days))| 1.2f64.powf(m as f64 / 12.0) * *days as f64 / 28.0)
            .collect();
        let mut index = 0usize;
        for (start, pieces) in months.iter().zip(apportion(target.pieces, &weights)) {
            for past in month_orders(process, *start, pieces, target.typical, &mut random) {
                // Every client orders at least once; then the larger clients more often.
                let client = if index < clients.len() {
                    clients[index]
                } else {
                    let skewed = random.unit().powi(2);
                    clients[(skewed * clients.len() as f64) as usize % clients.len()]
                };
                index += 1;
                write(
                    connection,
                    *platform,
                    client,
                    setup,
                    tariff,
                    &past,
                    &mut random,
                )
                .await?;
                written += 1;
            }
        }
    }
    Ok(written)
}

/// Writes one past order: placed, its material received, delivered and rated.
async fn write(
    connection: &mut sqlx::AnyConnection,
    platform: i64,
    client: i64,
    setup: &SetupVersion,
    tariff: &TariffVersion,
    past: &Past,
    random: &mut SplitMix64,
) -> Result<(), zhizao_factory::Error> {
    let request = &past.request;
    let input = request.pricing_input(&setup.setup, &tariff.tariff);
    let price = tariff.tariff.price(&input)?;
    let due = request.due().unwrap_or(past.at);
    // Promised for the afternoon before the day needed.
    let promised_at = due.plus_millis(-DAY - 6 * HOUR);
    let quote = OrderQuote {
        tariff_version: tariff.version,
        setup_version: setup.version,
        price,
        machine_minutes: input.machine_minutes,
        promised_at,
        valid_until: past.at.plus_millis(DAY),
        planned_with: 0,
        quoted_at: past.at,
    };
    let (id, _) = zhizao_factory::insert_order(
        connection,
        &OrderRecord {
            platform_id: platform,
            client_id: client,
            request,
            status: OrderStatus::Received,
            quote: &quote,
            at: past.at,
            by: "demo",
        },
    )
    .await?;
    // The material: mostly the morning of the day the client said, now and then days late.
    let said = request
        .material_arrives
        .as_deref()
        .and_then(|day| parse_local(&format!("{day} 09:00")))
        .unwrap_or(past.at);
    let material_late = random.unit() < 0.06;
    let received_at = if material_late {
        said.plus_millis(random.between(2, 4) * DAY)
    } else {
        said
    };
    let (quantity, unit) = match request.process {
        Process::Polishing => (
            request.pieces() + request.pieces() / 100,
            MaterialUnit::Pieces,
        ),
        Process::Cutting => (request.pieces() * 6 / 5, MaterialUnit::Metres),
    };
    let receipt = MaterialReceipt {
        input: MaterialInput {
            quantity,
            unit,
            lots: String::new(),
            note: String::new(),
        },
        at: received_at,
        by: "demo".into(),
    };
    zhizao_factory::insert_material(connection, id, 1, request, past.at, &[receipt]).await?;
    // Delivered by the promise, unless the material came late (mostly) or the plant slipped.
    let late = if material_late {
        random.unit() < 0.7
    } else {
        random.unit() < 0.04
    };
    let delivered_at = if late {
        promised_at.plus_millis(random.between(1, 2) * DAY)
    } else {
        promised_at.plus_millis(-random.between(0, 36) * HOUR)
    };
    let rating = match random.below(50) {
        0 => 2,
        1..=4 => 3,
        5..=19 => 4,
        _ => 5,
    };
    let returned = match request.process {
        Process::Polishing => quantity - past.good - past.scrap,
        Process::Cutting => quantity / 20,
    };
    let delivery = Delivery {
        input: DeliveryInput {
            good: past.good,
            scrap: past.scrap,
            returned,
            material_returned: String::new(),
            note: String::new(),
        },
        price: zhizao_factory::delivered_price(setup, tariff, request, past.good)?,
        at: delivered_at,
        by: "demo".into(),
        late,
        receipt: Some(Receipt {
            rating,
            comment: (*random.pick(COMMENTS)).to_owned(),
            at: delivered_at.plus_millis(DAY),
            by: "demo".into(),
        }),
    };
    zhizao_factory::insert_delivery(connection, id, 2, request.pieces(), &delivery).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_months_orders_deliver_their_share_exactly() {
        let mut random = SplitMix64::new(7);
        let start = parse_local("2021-03-01 00:00").unwrap();
        for (process, pieces, typical) in [
            (Process::Cutting, 534_781, 20_000),
            (Process::Polishing, 65_217, 5_000),
            (Process::Polishing, 1_200, 5_000),
        ] {
            let orders = month_orders(process, (start, 28), pieces, typical, &mut random);
            assert_eq!(orders.iter().map(|o| o.good).sum::<i64>(), pieces);
            for order in &orders {
                assert_eq!(order.good + order.scrap, order.request.pieces());
                assert!(
                    order.request.problems(order.at).is_empty(),
                    "{order:?}",
                    order = order.request
                );
            }
        }
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]).iter().sum::<i64>(), 10);
    }
}
