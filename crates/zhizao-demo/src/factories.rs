//! The demo's shared factories: the tariffs and set-ups the cutting and polishing centres
//! publish (at the seed's scale: 6 sub-centres with 10 cutting and 20 spreading lines; 7 lines
//! of 72 robots), and orders from their clients at every stage, each quoted by planning it into
//! the factory's confirmed work as a live order would be.

use time::Duration as Days;
use zhizao_core::{Fen, Timestamp};
use zhizao_factory::order::{Delivery, DeliveryInput, MatrixCell, OrderStatus, Receipt};
use zhizao_factory::setup::{
    AlarmReason, Calendar, Capability, Changeover, FamilyTime, LossParty, Maintenance, Period,
    Resource, Routing, Site, Step, local_day,
};
use zhizao_factory::tariff::ResourceClass;
use zhizao_factory::{
    Held, MaterialInput, MaterialReceipt, MaterialUnit, OrderRecord, OrderRequest, Process, Setup,
    SetupVersion, TariffVersion,
};

/// How long each demo quote's plan searches: an iteration budget keeps the demo the same on
/// every machine.
const DEMO_PLAN_BUDGET: (std::time::Duration, Option<u64>) =
    (std::time::Duration::from_secs(5), Some(200));

fn period(start: &str, end: &str) -> Period {
    Period {
        start: start.into(),
        end: end.into(),
    }
}

fn changeover(class: ResourceClass, from: &str, to: &str, minutes: i64) -> Changeover {
    Changeover {
        class,
        from: from.into(),
        to: to.into(),
        minutes,
    }
}

fn alarm(code: i64, reason: &str, party: LossParty) -> AlarmReason {
    AlarmReason {
        code,
        reason: reason.into(),
        party,
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn calendar(now: Timestamp, maintenance: Vec<(String, i64)>) -> Calendar {
    let (today, _) = local_day(now);
    Calendar {
        workdays: vec![1, 2, 3, 4, 5, 6],
        shifts: vec![period("08:00", "20:00")],
        breaks: vec![period("12:00", "13:00")],
        holidays: strings(&[
            "2027-01-01",
            "2027-02-06",
            "2027-02-07",
            "2027-02-08",
            "2027-02-09",
            "2027-02-10",
            "2027-02-11",
            "2027-02-12",
        ]),
        maintenance: maintenance
            .into_iter()
            .map(|(resource, in_days)| {
                let day = today.saturating_add(Days::days(in_days));
                Maintenance {
                    resource,
                    start: format!("{day} 08:00"),
                    end: format!("{day} 12:00"),
                    note: "更换砂带、校准工具坐标系".into(),
                }
            })
            .collect(),
    }
}

/// The polishing centre: one base in Nantou, 7 lines of 72 six-axis robots (11 on the first
/// two lines, 10 on the others) and a loading and packing station per line.
fn polishing(now: Timestamp) -> Setup {
    let mut resources = Vec::new();
    for line in 1..=7 {
        let robots = if line <= 2 { 11 } else { 10 };
        let capability = match line {
            1..=3 => Capability {
                families: strings(&["卫浴龙头", "五金门把手"]),
                materials: strings(&["黄铜", "锌合金", "不锈钢"]),
                finishes: strings(&["镜面", "拉丝", "哑光"]),
                max_part_mm: Some(400),
                max_weight_g: Some(3_000),
                ..Capability::default()
            },
            4 | 5 => Capability {
                families: strings(&["不锈钢锅具", "五金门把手"]),
                materials: strings(&["不锈钢", "铝合金"]),
                finishes: strings(&["镜面", "拉丝"]),
                max_part_mm: Some(500),
                max_weight_g: Some(5_000),
                ..Capability::default()
            },
            _ => Capability {
                materials: strings(&["黄铜", "不锈钢", "铝合金", "锌合金"]),
                finishes: strings(&["镜面", "拉丝", "哑光"]),
                max_part_mm: Some(900),
                max_weight_g: Some(12_000),
                ..Capability::default()
            },
        };
        for robot in 1..=robots {
            resources.push(Resource {
                code: format!("L{line}-R{robot:02}"),
                name: format!("{line} 号线 {robot} 号机器人"),
                class: ResourceClass::PolishingCell,
                site: "NT".into(),
                line: format!("L{line}"),
                devices: vec![format!("polish-l{line}-r{robot:02}")],
                capability: capability.clone(),
            });
        }
        resources.push(Resource {
            code: format!("L{line}-M"),
            name: format!("{line} 号线上下料与包装工位"),
            class: ResourceClass::Manual,
            site: "NT".into(),
            line: format!("L{line}"),
            devices: Vec::new(),
            capability: Capability::default(),
        });
    }
    let cell = ResourceClass::PolishingCell;
    Setup {
        sites: vec![Site {
            code: "NT".into(),
            name: "南头基地".into(),
        }],
        resources,
        calendar: calendar(now, vec![("L1-R03".into(), 1), ("L6-R07".into(), 3)]),
        routings: vec![Routing {
            process: Process::Polishing,
            lot_size: 200,
            steps: vec![
                Step {
                    name: "装夹上料".into(),
                    class: ResourceClass::Manual,
                    seconds_per_piece: 6,
                    families: Vec::new(),
                },
                Step {
                    name: "粗磨".into(),
                    class: cell,
                    seconds_per_piece: 60,
                    families: vec![
                        FamilyTime {
                            family: "卫浴龙头".into(),
                            seconds_per_piece: 90,
                        },
                        FamilyTime {
                            family: "不锈钢锅具".into(),
                            seconds_per_piece: 120,
                        },
                    ],
                },
                Step {
                    name: "精抛".into(),
                    class: cell,
                    seconds_per_piece: 45,
                    families: vec![FamilyTime {
                        family: "不锈钢锅具".into(),
                        seconds_per_piece: 90,
                    }],
                },
                Step {
                    name: "检验包装".into(),
                    class: ResourceClass::Manual,
                    seconds_per_piece: 5,
                    families: Vec::new(),
                },
            ],
        }],
        changeovers: vec![
            changeover(cell, "*", "*", 20),
            changeover(cell, "五金门把手", "卫浴龙头", 35),
            changeover(cell, "*", "不锈钢锅具", 45),
        ],
        alarms: vec![
            alarm(11, "砂带磨损断裂", LossParty::Plant),
            alarm(12, "力控传感器超限", LossParty::Plant),
            alarm(21, "夹具定位偏差", LossParty::Plant),
            alarm(31, "来料未到或缺件", LossParty::Client),
            alarm(32, "来料毛坯不合格", LossParty::Client),
        ],
    }
}

/// The cutting centre: 6 sub-centres; the first four with two cutting lines, the other two
/// with one; two spreading lines per cutting line; a bundling table per sub-centre.
fn cutting(now: Timestamp) -> Setup {
    let sites = [
        ("SX", "沙溪分中心"),
        ("DY", "大涌分中心"),
        ("XL", "小榄分中心"),
        ("DS", "东升分中心"),
        ("SXI", "三乡分中心"),
        ("HJ", "火炬分中心"),
    ];
    let mut resources = Vec::new();
    for (index, (site, name)) in sites.iter().enumerate() {
        let lines = if index < 4 { 2 } else { 1 };
        let wide = index % 2 == 0;
        let capability = Capability {
            materials: strings(&["棉", "涤棉", "牛仔", "针织"]),
            max_width_mm: Some(if wide { 2_200 } else { 1_850 }),
            max_ply_mm: Some(if wide { 90 } else { 60 }),
            ..Capability::default()
        };
        for line in 1..=lines {
            resources.push(Resource {
                code: format!("{site}-C{line}"),
                name: format!("{name} {line} 号自动裁床"),
                class: ResourceClass::CuttingLine,
                site: (*site).into(),
                line: format!("{site}-{line}"),
                devices: vec![format!("cutter-{}-{line}", site.to_lowercase())],
                capability: capability.clone(),
            });
            for spreader in 1..=2 {
                resources.push(Resource {
                    code: format!("{site}-S{line}{spreader}"),
                    name: format!("{name} {line}-{spreader} 号拉布机"),
                    class: ResourceClass::SpreadingLine,
                    site: (*site).into(),
                    line: format!("{site}-{line}"),
                    devices: vec![format!("spreader-{}-{line}{spreader}", site.to_lowercase())],
                    capability: capability.clone(),
                });
            }
        }
        resources.push(Resource {
            code: format!("{site}-B"),
            name: format!("{name} 捆扎贴标台"),
            class: ResourceClass::Manual,
            site: (*site).into(),
            line: format!("{site}-1"),
            devices: Vec::new(),
            capability: Capability::default(),
        });
    }
    Setup {
        sites: sites
            .iter()
            .map(|(code, name)| Site {
                code: (*code).into(),
                name: (*name).into(),
            })
            .collect(),
        resources,
        calendar: calendar(now, vec![("DY-C2".into(), 2)]),
        routings: vec![Routing {
            process: Process::Cutting,
            lot_size: 2_000,
            steps: vec![
                Step {
                    name: "铺布".into(),
                    class: ResourceClass::SpreadingLine,
                    seconds_per_piece: 2,
                    families: vec![FamilyTime {
                        family: "牛仔布".into(),
                        seconds_per_piece: 3,
                    }],
                },
                Step {
                    name: "自动裁剪".into(),
                    class: ResourceClass::CuttingLine,
                    seconds_per_piece: 1,
                    families: Vec::new(),
                },
                Step {
                    name: "捆扎贴标".into(),
                    class: ResourceClass::Manual,
                    seconds_per_piece: 1,
                    families: Vec::new(),
                },
            ],
        }],
        changeovers: vec![
            changeover(ResourceClass::SpreadingLine, "*", "*", 15),
            changeover(ResourceClass::CuttingLine, "*", "*", 10),
        ],
        alarms: vec![
            alarm(41, "刀片磨损更换", LossParty::Plant),
            alarm(42, "真空吸附不足", LossParty::Plant),
            alarm(51, "面料未到或色差待确认", LossParty::Client),
        ],
    }
}

/// The demo polishing centre's set-up and tariff at `now` (the factory benchmark plans on it).
pub fn polishing_centre(now: Timestamp) -> (Setup, zhizao_factory::tariff::Tariff) {
    let tariff = tariffs()
        .into_iter()
        .find(|(code, _, _)| *code == "robot-polishing")
        .map(|(_, tariff, _)| tariff)
        .expect("the demo publishes the polishing centre's tariff");
    (polishing(now), tariff)
}

/// The set-ups the two shared factories publish: (platform code, set-up, note).
pub(crate) fn setups(now: Timestamp) -> Vec<(&'static str, Setup, &'static str)> {
    vec![
        (
            "robot-polishing",
            polishing(now),
            "7 条产线、72 台机器人（示例）",
        ),
        (
            "smart-cutting",
            cutting(now),
            "6 个分中心、10 条裁剪线、20 条铺布线（示例）",
        ),
    ]
}

/// A demo order: what it asks and where it stands.
pub(crate) struct DemoOrder {
    pub(crate) platform: &'static str,
    /// Which of the platform's demo clients places it (the polishing centre's first is the
    /// demo maker).
    pub(crate) client: usize,
    pub(crate) status: OrderStatus,
    pub(crate) request: OrderRequest,
    /// Delivered: good and scrap pieces, and the client's rating once received.
    pub(crate) delivered: Option<(i64, i64, Option<i64>)>,
}

fn day(now: Timestamp, in_days: i64) -> String {
    local_day(now)
        .0
        .saturating_add(Days::days(in_days))
        .to_string()
}

pub(crate) fn polishing_order(
    now: Timestamp,
    family: &str,
    material: &str,
    quantity: i64,
    days: i64,
) -> OrderRequest {
    OrderRequest {
        process: Process::Polishing,
        family: family.into(),
        material: material.into(),
        finish: "镜面".into(),
        quantity,
        matrix: Vec::new(),
        part_mm: Some(if family == "不锈钢锅具" {
            320
        } else {
            220
        }),
        weight_g: Some(if family == "不锈钢锅具" {
            1_800
        } else {
            650
        }),
        width_mm: None,
        ply_mm: None,
        shade_lots: Vec::new(),
        material_supplied: "客户来料：毛坯件，按批次送达".into(),
        material_arrives: Some(day(now, 1)),
        need_by: day(now, days),
        note: String::new(),
    }
}

pub(crate) fn cutting_order(
    now: Timestamp,
    fabric: &str,
    per_cell: i64,
    days: i64,
) -> OrderRequest {
    let mut matrix = Vec::new();
    for colour in ["藏青", "浅蓝"] {
        for (size, share) in [("S", 2), ("M", 4), ("L", 3), ("XL", 1)] {
            matrix.push(MatrixCell {
                size: size.into(),
                colour: colour.into(),
                quantity: per_cell * share,
            });
        }
    }
    OrderRequest {
        process: Process::Cutting,
        family: fabric.into(),
        material: if fabric == "牛仔布" {
            "牛仔"
        } else {
            "针织"
        }
        .into(),
        finish: String::new(),
        quantity: 0,
        matrix,
        part_mm: None,
        weight_g: None,
        width_mm: Some(1_650),
        ply_mm: Some(50),
        shade_lots: strings(&["A-2611", "A-2612"]),
        material_supplied: "客户来料：面料整卷，附缸号".into(),
        material_arrives: Some(day(now, 1)),
        need_by: day(now, days),
        note: "纸样随单附上".into(),
    }
}

/// Orders at every stage: confirmed ones the factories are working to, quotes waiting for the
/// client (the first polishing quote is the demo maker's), and one the factory declined.
pub(crate) fn orders(now: Timestamp) -> Vec<DemoOrder> {
    use OrderStatus::{Cancelled, Confirmed, Quoted};
    let p = |client, status, request| DemoOrder {
        platform: "robot-polishing",
        client,
        status,
        request,
        delivered: None,
    };
    let c = |client, status, request| DemoOrder {
        platform: "smart-cutting",
        client,
        status,
        request,
        delivered: None,
    };
    let done = |order: DemoOrder, good, scrap, rating| DemoOrder {
        delivered: Some((good, scrap, rating)),
        ..order
    };
    vec![
        p(
            0,
            Confirmed,
            polishing_order(now, "卫浴龙头", "黄铜", 12_000, 9),
        ),
        p(
            1,
            Confirmed,
            polishing_order(now, "五金门把手", "锌合金", 20_000, 7),
        ),
        p(
            2,
            Confirmed,
            polishing_order(now, "不锈钢锅具", "不锈钢", 3_000, 12),
        ),
        p(
            3,
            Cancelled,
            polishing_order(now, "卫浴龙头", "黄铜", 800, 5),
        ),
        p(
            4,
            Confirmed,
            polishing_order(now, "卫浴龙头", "黄铜", 6_000, 14),
        ),
        p(
            0,
            Quoted,
            polishing_order(now, "卫浴龙头", "黄铜", 5_000, 10),
        ),
        c(0, Confirmed, cutting_order(now, "牛仔布", 1_500, 6)),
        c(1, Confirmed, cutting_order(now, "针织布", 2_500, 8)),
        c(2, Quoted, cutting_order(now, "针织布", 800, 5)),
        // Delivered today: one waiting for the demo maker's receipt, two received and rated.
        done(
            p(
                0,
                Confirmed,
                polishing_order(now, "五金门把手", "锌合金", 1_200, 6),
            ),
            1_188,
            12,
            None,
        ),
        done(
            p(
                2,
                Confirmed,
                polishing_order(now, "卫浴龙头", "黄铜", 2_000, 6),
            ),
            1_985,
            15,
            Some(5),
        ),
        done(
            c(1, Confirmed, cutting_order(now, "牛仔布", 150, 6)),
            2_990,
            10,
            Some(4),
        ),
    ]
}

/// Quotes and writes the demo orders: each is planned with the factory's confirmed orders so
/// far, so the promised dates are the plan's.
pub(crate) async fn load_orders(
    connection: &mut sqlx::AnyConnection,
    now: Timestamp,
    documents: &[(i64, SetupVersion, TariffVersion)],
    clients: &[(i64, Vec<i64>)],
) -> Result<usize, zhizao_factory::Error> {
    let mut held: Vec<(i64, Held)> = Vec::new();
    let mut written = 0;
    for order in orders(now) {
        let Some((platform, setup, tariff)) = documents
            .iter()
            .find(|(_, setup, _)| setup.platform_code == order.platform)
        else {
            continue;
        };
        let Some(client) = clients
            .iter()
            .find(|(p, _)| p == platform)
            .and_then(|(_, ids)| ids.get(order.client % ids.len().max(1)))
        else {
            continue;
        };
        let planned_with: Vec<Held> = held
            .iter()
            .filter(|(p, _)| p == platform)
            .map(|(_, h)| h.clone())
            .collect();
        let quote = zhizao_factory::quote(
            setup,
            tariff,
            &planned_with,
            &order.request,
            now,
            DEMO_PLAN_BUDGET,
        )?;
        let (id, number) = zhizao_factory::insert_order(
            connection,
            &OrderRecord {
                platform_id: *platform,
                client_id: *client,
                request: &order.request,
                status: order.status,
                quote: &quote,
                at: now,
                by: "demo",
            },
        )
        .await?;
        // The material of the delivered orders and of the first clients' confirmed ones came
        // with the order; the rest is still on its way.
        let (material, unit) = match order.request.process {
            Process::Polishing => (order.request.pieces() * 102 / 100, MaterialUnit::Pieces),
            Process::Cutting => (order.request.pieces() * 6 / 5, MaterialUnit::Metres),
        };
        let received = (order.delivered.is_some()
            || (order.status == OrderStatus::Confirmed && order.client < 2))
            .then_some(now);
        let mut version = 1;
        if let Some(at) = received {
            let receipt = MaterialReceipt {
                input: MaterialInput {
                    quantity: material,
                    unit,
                    lots: match order.request.process {
                        Process::Polishing => "毛坯批次 B-01".into(),
                        Process::Cutting => order.request.shade_lots.join("、"),
                    },
                    note: "客户送货，数量已清点".into(),
                },
                at,
                by: "demo".into(),
            };
            zhizao_factory::insert_material(
                connection,
                id,
                version,
                &order.request,
                now,
                &[receipt],
            )
            .await?;
            version += 1;
        }
        if let Some((good, scrap, rating)) = order.delivered {
            let price = zhizao_factory::delivered_price(setup, tariff, &order.request, good)?;
            let delivery = Delivery {
                input: DeliveryInput {
                    good,
                    scrap,
                    returned: match order.request.process {
                        Process::Polishing => material - good - scrap,
                        Process::Cutting => material / 20,
                    },
                    material_returned: "余料已随货退还".into(),
                    note: String::new(),
                },
                price,
                at: now,
                by: "demo".into(),
                late: now > quote.promised_at,
                receipt: rating.map(|rating| Receipt {
                    rating,
                    comment: "交期准时，质量稳定".into(),
                    at: now,
                    by: "demo".into(),
                }),
            };
            zhizao_factory::insert_delivery(
                connection,
                id,
                version,
                order.request.pieces(),
                &delivery,
            )
            .await?;
        } else if order.status == OrderStatus::Confirmed {
            held.push((
                *platform,
                Held {
                    number,
                    request: order.request.clone(),
                    promised_at: quote.promised_at,
                    material_in: received.is_some(),
                    // No cut plan yet: lots by the routing's size.
                    lays: Vec::new(),
                },
            ));
        }
        written += 1;
    }
    Ok(written)
}

/// The tariffs the two shared factories publish: (platform code, tariff, note).
pub(crate) fn tariffs() -> Vec<(&'static str, zhizao_factory::tariff::Tariff, &'static str)> {
    use zhizao_factory::tariff::{HourlyRate, PiecePrice, QuantityBreak, ResourceClass, Tariff};
    let breaks = |steps: &[(i64, i64)]| -> Vec<QuantityBreak> {
        steps
            .iter()
            .map(|(from_quantity, fen)| QuantityBreak {
                from_quantity: *from_quantity,
                per_piece: Fen::new(*fen),
            })
            .collect()
    };
    let piece = |family: &str, steps: &[(i64, i64)]| PiecePrice {
        family: family.to_owned(),
        breaks: breaks(steps),
    };
    vec![
        (
            "robot-polishing",
            Tariff {
                setup_fee: Fen::new(20_000),
                hourly: vec![
                    HourlyRate {
                        class: ResourceClass::PolishingCell,
                        per_hour: Fen::new(18_000),
                    },
                    HourlyRate {
                        class: ResourceClass::Manual,
                        per_hour: Fen::new(6_000),
                    },
                ],
                pieces: vec![
                    piece("卫浴龙头", &[(1, 250), (1_000, 220), (10_000, 190)]),
                    piece("五金门把手", &[(1, 180), (2_000, 150)]),
                    piece("不锈钢锅具", &[(1, 420), (500, 380)]),
                ],
                minimum_charge: Fen::new(50_000),
            },
            "2026 年价目表（示例）",
        ),
        (
            "smart-cutting",
            Tariff {
                setup_fee: Fen::new(8_000),
                hourly: vec![
                    HourlyRate {
                        class: ResourceClass::SpreadingLine,
                        per_hour: Fen::new(9_000),
                    },
                    HourlyRate {
                        class: ResourceClass::CuttingLine,
                        per_hour: Fen::new(24_000),
                    },
                    HourlyRate {
                        class: ResourceClass::Manual,
                        per_hour: Fen::new(5_000),
                    },
                ],
                pieces: vec![
                    piece("牛仔布", &[(1, 35), (5_000, 28), (50_000, 22)]),
                    piece("针织布", &[(1, 30), (5_000, 24)]),
                ],
                minimum_charge: Fen::new(30_000),
            },
            "2026 年价目表（示例）",
        ),
    ]
}
