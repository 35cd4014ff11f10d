//! Four years of service requests to the twelve platforms, so that each platform's figures
//! (enterprises served, on-time delivery, satisfaction, free or low-cost share) come from
//! records. Each platform's enterprises request its published services at the yearly rate
//! below; every request's story (answer, contract, delivery, a dispute now and then,
//! acceptance, rating) is drawn, then cut at the demo's "now", so recent ones are still open
//! and wait on one side. The smart-manufacturing platform serves about 200 enterprises a year
//! (the seed: 600+ over its life), testing and certification serves many fewer distinct
//! enterprises than its requests, and technology finance's ratings fall short of 80 %
//! satisfaction, so the city's comparison has something to flag. The demo enterprise has a
//! contract to confirm and the polishing platform a request to answer.

use zhizao_core::Timestamp;
use zhizao_db::allocate_ids;
use zhizao_identity::audit::{self, AuditEntry, Changes};

use crate::Error;
use crate::random::SplitMix64;

const DAY: i64 = 86_400_000;

/// (platform, service requests a year, share of ratings of 4 or 5)
const RATES: &[(&str, i64, f64)] = &[
    ("smart-manufacturing", 250, 0.93),
    ("smart-product", 90, 0.9),
    ("smart-cutting", 40, 0.9),
    ("robot-polishing", 40, 0.92),
    ("hengxin", 50, 0.88),
    ("heizi", 70, 0.9),
    ("hit-robotics", 60, 0.9),
    ("shared-design", 80, 0.91),
    ("testing-certification", 190, 0.9),
    ("common-factory", 90, 0.87),
    ("ai-service", 60, 0.86),
    ("tech-finance", 45, 0.7),
];

/// What enterprises write as their need.
const NEEDS: &[&str] = &[
    "产线改造前希望先做评估，明确投入和回报",
    "新产品上市前需要完成检测和认证",
    "订单增加，现有工艺效率不足，需要方案",
    "设备数据没有联网，管理靠纸质记录",
    "产品外观和结构需要重新设计，请安排对接",
    "质量问题反复出现，希望找出原因",
    "计划申报技改项目，需要技术支持",
    "希望了解适合本企业规模的改造路径",
];

/// A published service of a platform: (id, title, price model, fixed price, lead days).
type Offered = (i64, String, String, Option<i64>, i64);

/// One request's story: each step's time, `None` when it never happens.
#[derive(Default)]
struct Story {
    created: i64,
    quoted: Option<i64>,
    confirmed: Option<i64>,
    first_delivery: Option<i64>,
    disputed: Option<i64>,
    delivered: Option<i64>,
    accepted: Option<i64>,
    rated: Option<(i64, i64)>,
    declined: Option<i64>,
    cancelled: Option<i64>,
    amount: i64,
    starts: i64,
    due: i64,
}

impl Story {
    fn draw(random: &mut SplitMix64, created: i64, offered: &Offered, satisfaction: f64) -> Story {
        let (_, _, model, price, lead) = offered;
        let mut story = Story {
            created,
            ..Story::default()
        };
        let roll = random.unit();
        let answered = created + random.between(1, 4) * DAY;
        if roll < 0.04 {
            story.declined = Some(answered);
            return story;
        }
        if roll < 0.08 {
            story.cancelled = Some(answered);
            return story;
        }
        story.amount = match (model.as_str(), price) {
            ("free", _) => 0,
            (_, Some(price)) => *price,
            _ => {
                // Quotes: most between 3,000 and 80,000 yuan, a few small jobs.
                if random.unit() < 0.15 {
                    random.between(5, 20) * 10_000
                } else {
                    random.between(30, 800) * 10_000
                }
            }
        };
        story.quoted = Some(answered);
        let confirmed = answered + random.between(1, 5) * DAY;
        story.confirmed = Some(confirmed);
        story.starts = confirmed;
        story.due = confirmed + (*lead).max(1) * DAY;
        let took = ((*lead).max(1) as f64 * (0.5 + random.unit() * 0.6)) as i64;
        let first = confirmed + took.max(1) * DAY;
        story.first_delivery = Some(first);
        let mut delivered = first;
        if random.unit() < 0.07 {
            let disputed = first + random.between(1, 3) * DAY;
            story.disputed = Some(disputed);
            delivered = disputed + random.between(2, 6) * DAY;
        }
        story.delivered = Some(delivered);
        let accepted = delivered + random.between(1, 5) * DAY;
        story.accepted = Some(accepted);
        if random.unit() < 0.9 {
            let rating = if random.unit() < satisfaction {
                if random.unit() < 0.6 { 5 } else { 4 }
            } else if random.unit() < 0.7 {
                3
            } else {
                2
            };
            story.rated = Some((accepted + random.between(0, 3) * DAY, rating));
        }
        story
    }
}

/// The Shanghai day of `millis`.
fn day(millis: i64) -> String {
    Timestamp::from_millis(millis).to_shanghai_date_string()
}

/// The millisecond a Shanghai day ends, for the day `millis` falls on.
fn end_of_day(millis: i64) -> i64 {
    const OFFSET: i64 = 8 * 3_600_000;
    ((millis + OFFSET).div_euclid(DAY) + 1) * DAY - OFFSET
}

/// Writes `story` of `client` for `offered` at `platform`, as it stands at `now`; with its
/// audit trail when `audited`. Returns the request's number.
#[allow(clippy::too_many_arguments)]
async fn write(
    connection: &mut sqlx::AnyConnection,
    random: &mut SplitMix64,
    now: i64,
    platform: i64,
    client: i64,
    requester: &str,
    answerer: &str,
    offered: &Offered,
    story: &Story,
    audited: bool,
) -> Result<String, Error> {
    let seen = |at: Option<i64>| at.filter(|at| *at <= now);
    let quoted = seen(story.quoted);
    let confirmed = seen(story.confirmed);
    let first = seen(story.first_delivery);
    let disputed = seen(story.disputed);
    let delivered = seen(story.delivered);
    let accepted = seen(story.accepted);
    let rated = story.rated.filter(|(at, _)| *at <= now);
    let declined = seen(story.declined);
    let cancelled = seen(story.cancelled);
    let status = if declined.is_some() {
        "declined"
    } else if cancelled.is_some() {
        "cancelled"
    } else if rated.is_some() {
        "rated"
    } else if accepted.is_some() {
        "accepted"
    } else if delivered.is_some() {
        "delivered"
    } else if disputed.is_some() {
        "disputed"
    } else if first.is_some() {
        "delivered"
    } else if confirmed.is_some() {
        "contracted"
    } else if quoted.is_some() {
        "quoted"
    } else {
        "requested"
    };
    let latest_delivery = delivered.or(first);
    let deliveries =
        i64::from(first.is_some()) + i64::from(delivered.is_some() && disputed.is_some());
    let id = allocate_ids(&mut *connection, "service_requests", 1).await?;
    let number = format!("SR{}-{id:05}", &day(story.created)[..4]);
    let (_, title, _, _, _) = offered;
    let need = *random.pick(NEEDS);
    let reason = if declined.is_some() {
        "本月排期已满，建议选择其他平台"
    } else if cancelled.is_some() {
        "企业已自行解决"
    } else if disputed.is_some() {
        "报告缺少整改建议，请补充"
    } else {
        ""
    };
    let scope = format!("{title}：按需求说明提供服务并交付书面报告");
    sqlx::query(
        "INSERT INTO service_requests (id, number, kind, offering_id, platform_id, client_id, title, need, status, \
         amount_fen, scope, starts_on, due_on, due_at, quoted_at, quoted_by, confirmed_at, confirmed_by, delivered_at, \
         delivered_by, report, deliveries, accepted_at, reason, rating, rating_comment, rated_at, created_at, created_by, \
         updated_at) VALUES ($1, $2, 'service', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29)",
    )
    .bind(id)
    .bind(&number)
    .bind(offered.0)
    .bind(platform)
    .bind(client)
    .bind(title)
    .bind(need)
    .bind(status)
    .bind(quoted.map(|_| story.amount))
    .bind(if quoted.is_some() { scope.as_str() } else { "" })
    .bind(quoted.map(|_| day(story.starts)))
    .bind(quoted.map(|_| day(story.due)))
    .bind(quoted.map(|_| end_of_day(story.due)))
    .bind(quoted)
    .bind(quoted.map(|_| answerer))
    .bind(confirmed)
    .bind(confirmed.map(|_| requester))
    .bind(latest_delivery)
    .bind(latest_delivery.map(|_| answerer))
    .bind(if latest_delivery.is_some() {
        "已按合同完成服务，报告见附件"
    } else {
        ""
    })
    .bind(deliveries)
    .bind(accepted)
    .bind(reason)
    .bind(rated.map(|(_, rating)| rating))
    .bind(match rated {
        Some((_, 5)) => "服务专业，响应及时",
        Some((_, 4)) => "整体满意",
        Some(_) => "交付偏慢，报告不够具体",
        None => "",
    })
    .bind(rated.map(|(at, _)| at))
    .bind(story.created)
    .bind(requester)
    .bind(
        [rated.map(|r| r.0), accepted, delivered, disputed, first, confirmed, quoted, declined, cancelled]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(story.created),
    )
    .execute(&mut *connection)
    .await?;
    if audited {
        let mut steps: Vec<(i64, &str, &str)> =
            vec![(story.created, "service_request.created", requester)];
        for (at, action, by) in [
            (quoted, "service_request.quoted", answerer),
            (declined, "service_request.declined", answerer),
            (cancelled, "service_request.cancelled", requester),
            (confirmed, "service_request.confirmed", requester),
            (first, "service_request.delivered", answerer),
            (disputed, "service_request.disputed", requester),
            (
                delivered.filter(|_| disputed.is_some()),
                "service_request.delivered",
                answerer,
            ),
            (accepted, "service_request.accepted", requester),
            (rated.map(|r| r.0), "service_request.rated", requester),
        ] {
            if let Some(at) = at {
                steps.push((at, action, by));
            }
        }
        steps.sort_by_key(|step| step.0);
        for (at, action, by) in steps {
            let mut changes = Changes::new();
            if action == "service_request.created" {
                changes.created("need", need);
            }
            let actor = zhizao_identity::Actor::system(by);
            audit::record(
                &mut *connection,
                &actor,
                Timestamp::from_millis(at),
                AuditEntry::new(action, "service_request", &number)
                    .subject(client)
                    .changes(changes),
            )
            .await?;
        }
    }
    Ok(number)
}

/// Writes four years of requests to every platform from its enterprises, up to `now`, and the
/// demo enterprise's own (`maker`); returns how many.
pub(crate) async fn load(
    connection: &mut sqlx::AnyConnection,
    random: &mut SplitMix64,
    now: Timestamp,
    maker: Option<i64>,
) -> Result<usize, Error> {
    let everyone: Vec<i64> = sqlx::query_scalar("SELECT id FROM enterprises ORDER BY id")
        .fetch_all(&mut *connection)
        .await?;
    let now_at = now;
    let now = now.as_millis();
    let this_year: i64 = day(now)[..4].parse().unwrap_or(2026);
    let mut written = 0;
    for (code, per_year, satisfaction) in RATES {
        let platform: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE code = $1")
            .bind(*code)
            .fetch_one(&mut *connection)
            .await?;
        let offered: Vec<Offered> = sqlx::query_as(
            "SELECT id, title, price_model, price_fen, lead_days FROM service_offerings \
             WHERE platform_id = $1 AND status = 'notice' ORDER BY id",
        )
        .bind(platform)
        .fetch_all(&mut *connection)
        .await?;
        let clients: Vec<i64> = sqlx::query_scalar(
            "SELECT enterprise_id FROM platform_clients WHERE platform_id = $1 ORDER BY enterprise_id",
        )
        .bind(platform)
        .fetch_all(&mut *connection)
        .await?;
        if offered.is_empty() || clients.is_empty() {
            continue;
        }
        // Most requests come from the platform's clients in turn (over four years each comes
        // back), the rest from any of them: a platform reaches most of its clients.
        let mut turn = random.below(clients.len() as u64) as usize;
        for year in this_year - 3..=this_year {
            let start = crate::projects::date(year, 1, 1).as_millis();
            let end = crate::projects::date(year + 1, 1, 1)
                .as_millis()
                .min(now - DAY);
            let share = (end - start) as f64 / (365.0 * DAY as f64);
            let count = (*per_year as f64 * share).round() as i64;
            for _ in 0..count {
                let created = start + random.between(0, (end - start) / 60_000) * 60_000;
                let service = random.pick(&offered).clone();
                let roll = random.unit();
                let client = if roll < 0.8 {
                    turn = (turn + 1) % clients.len();
                    clients[turn]
                } else if roll < 0.92 || everyone.is_empty() {
                    *random.pick(&clients)
                } else {
                    // A newcomer: the request makes it the platform's client.
                    let newcomer = *random.pick(&everyone);
                    zhizao_registry::link_platform_client(
                        &mut *connection,
                        platform,
                        newcomer,
                        now_at,
                    )
                    .await?;
                    newcomer
                };
                let story = Story::draw(random, created, &service, *satisfaction);
                let audited = now - created < 90 * DAY;
                let answerer = match *code {
                    "robot-polishing" => "polishing",
                    "smart-cutting" => "cutting",
                    _ => "demo",
                };
                write(
                    connection, random, now, platform, client, "demo", answerer, &service, &story,
                    audited,
                )
                .await?;
                written += 1;
            }
        }
    }
    // The demo enterprise: one rated request, a contract the polishing platform proposed for it
    // to confirm, and a request the platform has yet to answer.
    if let Some(maker) = maker {
        let platform: i64 =
            sqlx::query_scalar("SELECT id FROM organizations WHERE code = 'robot-polishing'")
                .fetch_one(&mut *connection)
                .await?;
        let offered: Vec<Offered> = sqlx::query_as(
            "SELECT id, title, price_model, price_fen, lead_days FROM service_offerings \
             WHERE platform_id = $1 AND status = 'notice' ORDER BY id",
        )
        .bind(platform)
        .fetch_all(&mut *connection)
        .await?;
        if let Some(service) = offered.last() {
            for (days_ago, cut) in [(200, None), (6, Some(1)), (1, Some(0))] {
                let created = now - days_ago * DAY;
                let mut story = Story::draw(random, created, service, 1.0);
                // The first is one that went all the way to a rating.
                while cut.is_none() && story.rated.is_none() {
                    story = Story::draw(random, created, service, 1.0);
                }
                if let Some(steps) = cut {
                    // Only the first `steps` steps have happened.
                    story.declined = None;
                    story.cancelled = None;
                    if story.quoted.is_none() {
                        story.quoted = Some(created + DAY);
                        story.amount = 680_000;
                    }
                    story.quoted = story.quoted.map(|_| created + DAY).filter(|_| steps >= 1);
                    story.confirmed = None;
                    story.first_delivery = None;
                    story.disputed = None;
                    story.delivered = None;
                    story.accepted = None;
                    story.rated = None;
                    story.starts = created + 2 * DAY;
                    story.due = created + 20 * DAY;
                }
                write(
                    connection,
                    random,
                    now,
                    platform,
                    maker,
                    "maker",
                    "polishing",
                    service,
                    &story,
                    true,
                )
                .await?;
                written += 1;
            }
        }
    }
    Ok(written)
}
