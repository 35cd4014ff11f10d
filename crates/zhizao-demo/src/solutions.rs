//! The solution library of the demo, at the seed's scale: the smart-manufacturing platform's
//! integrated solutions (general ones and versions for Zhongshan's main industries) provided to
//! 600-odd of its clients, 1,200-odd in all, of which 600-odd were adopted and implemented; the
//! smart-product platform's upgrade plans, accepted by 75 enterprises; and the AI platform's 48
//! AI solutions, which 214 enterprises implemented. Verified adoptions cite before-and-after
//! figures.

use sqlx::AnyConnection;
use zhizao_core::Timestamp;
use zhizao_identity::Actor;
use zhizao_solutions::history::{record_adoption, record_solution};
use zhizao_solutions::{AdoptionStatus, Figures, SolutionInput, Target, Verification};

use crate::Error;
use crate::random::SplitMix64;

/// A seed of its own, so the library changes nothing else in the demo.
const SEED: u64 = 0x5017_7710;
const DAY_MS: i64 = 86_400_000;

/// (title, summary, targets, divisions, investment in 10,000 yuan from–to, payback months, the
/// metric a verification cites with its unit and typical before → after)
type Template = (
    &'static str,
    &'static str,
    &'static [(&'static str, u8)],
    &'static [&'static str],
    (i64, i64),
    i64,
    (&'static str, &'static str, f64, f64),
);

/// Zhongshan's main industries (GB/T 4754 division, short name) that solutions come in versions
/// for.
const INDUSTRY_VERSIONS: &[(&str, &str)] = &[
    ("38", "家电灯饰"),
    ("33", "五金制品"),
    ("29", "塑料制品"),
    ("18", "纺织服装"),
    ("21", "家具"),
    ("39", "电子信息"),
];

const SMART_MANUFACTURING: &[Template] = &[
    (
        "设备联网与数据采集（DNC/MDC）",
        "关键设备加装采集终端，接入平台，运行、报警和产量数据自动采集，车间看板实时显示。",
        &[("equipment", 2), ("network", 2), ("data", 2)],
        &[],
        (15, 60),
        14,
        ("设备综合效率 OEE", "%", 58.0, 67.5),
    ),
    (
        "轻量化 MES 上线",
        "工单、报工、质量和追溯在线化，手机扫码报工，与 ERP 订单打通。",
        &[("operations", 2), ("operations", 3), ("integration", 3)],
        &[],
        (30, 120),
        18,
        ("准时交付率", "%", 81.0, 93.0),
    ),
    (
        "高级计划排程（APS）",
        "按订单交期和设备能力自动排产，插单时分钟级重排，与 MES 工单联动。",
        &[("planning", 2), ("planning", 3)],
        &[],
        (40, 150),
        20,
        ("订单准时交付率", "%", 84.0, 95.0),
    ),
    (
        "设备预测性维护",
        "振动、温度和电流监测，建立故障预警模型，维修工单自动派发。",
        &[("maintenance", 3), ("maintenance", 4)],
        &[],
        (25, 90),
        16,
        ("非计划停机时间", "小时/月", 42.0, 18.0),
    ),
    (
        "能源在线监测与能效优化",
        "电、水、气分项计量，能耗按产品和工序核算，峰谷用电优化。",
        &[("energy", 2), ("energy", 3), ("energy", 4)],
        &[],
        (12, 50),
        12,
        ("单位产值能耗", "吨标煤/万元", 0.052, 0.044),
    ),
    (
        "智能仓储与条码管理（WMS）",
        "原料和成品条码化，库位管理，先进先出，与生产领料联动。",
        &[("warehousing", 2), ("warehousing", 3), ("logistics", 2)],
        &[],
        (20, 80),
        15,
        ("库存周转天数", "天", 46.0, 31.0),
    ),
    (
        "质量数据采集与 SPC",
        "检验数据在线录入和自动采集，关键参数 SPC 控制，质量问题追溯到批次。",
        &[("operations", 3), ("data", 3)],
        &[],
        (15, 60),
        12,
        ("一次交检合格率", "%", 95.1, 98.4),
    ),
    (
        "PLM/PDM 研发数据管理",
        "图纸、BOM 和变更统一管理，设计与工艺协同，BOM 下发 ERP。",
        &[
            ("product-design", 2),
            ("product-design", 3),
            ("process-design", 3),
        ],
        &["38", "34", "35"],
        (30, 100),
        24,
        ("新品开发周期", "天", 120.0, 92.0),
    ),
    (
        "CAPP 工艺设计与工艺知识库",
        "典型工艺模板化，工艺卡片电子化，工艺参数库与 MES 下发联动。",
        &[("process-design", 2), ("process-design", 3)],
        &[],
        (10, 40),
        15,
        ("工艺文件编制工时", "小时/件", 6.0, 2.5),
    ),
    (
        "工控网络安全加固",
        "生产网与办公网隔离，工控主机白名单，安全审计与应急演练。",
        &[("security", 2), ("security", 3), ("network", 3)],
        &[],
        (8, 35),
        30,
        ("高危漏洞数", "个", 23.0, 2.0),
    ),
    (
        "智能制造规划与人才培养",
        "诊断现状，制定三年智能制造规划，分层培训管理和技术人员。",
        &[
            ("strategy", 2),
            ("strategy", 3),
            ("skills", 2),
            ("skills", 3),
        ],
        &[],
        (5, 20),
        12,
        ("持证技术人员", "人", 3.0, 14.0),
    ),
    (
        "采购协同与供应商门户",
        "询价、订单、交货和对账在线协同，供应商绩效自动评价。",
        &[("procurement", 2), ("procurement", 3)],
        &[],
        (10, 45),
        14,
        ("采购周期", "天", 18.0, 11.0),
    ),
    (
        "客户关系管理与服务工单（CRM）",
        "客户、商机和服务工单统一管理，客户投诉闭环处理。",
        &[
            ("sales", 2),
            ("customer-service", 2),
            ("customer-service", 3),
        ],
        &[],
        (8, 30),
        12,
        ("投诉处理周期", "天", 9.0, 3.5),
    ),
    (
        "安全环保在线监测",
        "危险作业审批在线化，废气、废水在线监测和超标报警。",
        &[("safety", 2), ("safety", 3)],
        &[],
        (10, 50),
        24,
        ("安全隐患整改周期", "天", 12.0, 4.0),
    ),
    (
        "厂内物流 AGV 配送",
        "产线物料按节拍由 AGV 配送，与 WMS 和 MES 调度联动。",
        &[("logistics", 3), ("warehousing", 4)],
        &["38", "34"],
        (60, 200),
        30,
        ("物料配送人员", "人", 18.0, 7.0),
    ),
    (
        "数字孪生车间",
        "产线三维建模，实时映射设备状态，仿真优化布局和节拍。",
        &[("operations", 4), ("planning", 4), ("data", 4)],
        &["38"],
        (120, 400),
        36,
        ("产线平衡率", "%", 78.0, 89.0),
    ),
];

/// The AI platform's solutions, each in a version per main industry (48 in all).
const AI: &[Template] = &[
    (
        "AI 视觉质检",
        "深度学习外观缺陷检测，替代人工目检，缺陷图像自动归档。",
        &[("operations", 4), ("data", 4)],
        &[],
        (35, 120),
        14,
        ("漏检率", "%", 1.8, 0.3),
    ),
    (
        "需求预测与智能补货",
        "基于历史订单和市场数据预测需求，自动生成补货建议。",
        &[("sales", 3), ("sales", 4), ("planning", 4)],
        &[],
        (20, 80),
        18,
        ("成品库存", "万元", 860.0, 610.0),
    ),
    (
        "工艺参数智能优化",
        "采集工艺参数与质量结果，机器学习模型推荐最优参数，新品试产次数减少。",
        &[("process-design", 4), ("operations", 4)],
        &[],
        (25, 90),
        16,
        ("一次合格率", "%", 93.5, 97.8),
    ),
    (
        "设备故障智能诊断",
        "振动和电流特征自动提取，故障类型识别和剩余寿命预测。",
        &[("maintenance", 4), ("data", 4)],
        &[],
        (20, 80),
        15,
        ("非计划停机时间", "小时/月", 36.0, 14.0),
    ),
    (
        "智能排产优化",
        "约束求解与启发式算法结合，兼顾交期、换型和能耗，分钟级给出排程。",
        &[("planning", 4), ("operations", 4)],
        &[],
        (30, 100),
        18,
        ("设备利用率", "%", 71.0, 82.0),
    ),
    (
        "能耗智能调优",
        "按产量和环境预测负荷，空压、空调和炉温自动调优。",
        &[("energy", 4), ("data", 4)],
        &[],
        (15, 60),
        12,
        ("单位产品能耗", "千瓦时/件", 1.9, 1.55),
    ),
    (
        "机器人视觉引导上下料",
        "3D 视觉识别来料位置，机器人自动上下料，一人看多机。",
        &[("equipment", 3), ("operations", 4)],
        &[],
        (40, 150),
        20,
        ("单线操作人员", "人", 6.0, 2.0),
    ),
    (
        "智能客服与知识库",
        "产品资料和维修经验建成知识库，智能问答处理常见咨询和报修。",
        &[("customer-service", 4), ("sales", 4)],
        &[],
        (10, 40),
        10,
        ("客服首次响应时间", "分钟", 35.0, 3.0),
    ),
];

/// The smart-product platform's upgrade plans for the products themselves.
const SMART_PRODUCT: &[Template] = &[
    (
        "智能产品联网与远程运维",
        "产品内置通信模组接入平台，远程诊断、固件升级和使用数据分析。",
        &[
            ("product-service", 2),
            ("product-service", 3),
            ("customer-service", 4),
        ],
        &["38"],
        (30, 150),
        24,
        ("上门服务次数", "次/月", 320.0, 140.0),
    ),
    (
        "产品全生命周期服务平台",
        "产品使用数据反哺设计，按使用量提供增值服务，开拓服务型制造。",
        &[
            ("product-service", 4),
            ("product-service", 5),
            ("product-design", 4),
        ],
        &["38"],
        (80, 300),
        36,
        ("服务收入占比", "%", 2.0, 9.0),
    ),
    (
        "家电 Wi-Fi/蓝牙模组智能化改造",
        "在现有机型上加装通信模组和控制固件，接入平台应用容器，手机 App 远程控制。",
        &[("product-design", 3), ("product-service", 2)],
        &["38"],
        (20, 80),
        18,
        ("联网机型占比", "%", 5.0, 60.0),
    ),
    (
        "灯具智能照明控制改造",
        "调光调色驱动与无线控制协议接入，场景联动，支持主流智能家居平台。",
        &[("product-design", 3), ("product-service", 3)],
        &["38"],
        (15, 60),
        15,
        ("智能灯具销售占比", "%", 3.0, 25.0),
    ),
    (
        "产品应用容器开发（手机应用与小程序）",
        "在平台应用容器上开发产品控制、售后报修和会员服务，免自建服务器。",
        &[("product-service", 3), ("customer-service", 3)],
        &[],
        (8, 30),
        12,
        ("月活跃用户", "万人", 0.8, 6.5),
    ),
    (
        "用户行为数据分析与精准营销",
        "汇聚产品使用和用户行为数据，画像分群，新品定义和营销按数据决策。",
        &[("sales", 3), ("product-service", 4)],
        &[],
        (10, 50),
        14,
        ("老用户复购率", "%", 12.0, 21.0),
    ),
];

/// A solution in the library: its id, the division of its industry version (none: general) and
/// the metric its verifications cite.
struct Shelved {
    id: i64,
    division: Option<&'static str>,
    metric: (&'static str, &'static str, f64, f64),
}

/// One provider's offer: its code, its solutions and whether each comes in industry versions
/// (then only in them when there is no general one).
struct Offer {
    provider: &'static str,
    templates: &'static [Template],
    general: bool,
    versions: bool,
}

const OFFERS: &[Offer] = &[
    Offer {
        provider: "smart-manufacturing",
        templates: SMART_MANUFACTURING,
        general: true,
        versions: true,
    },
    Offer {
        provider: "ai-service",
        templates: AI,
        general: false,
        versions: true,
    },
    Offer {
        provider: "smart-product",
        templates: SMART_PRODUCT,
        general: true,
        versions: false,
    },
];

/// Records the library and its adoptions; returns (solutions, adoptions). The demo enterprise
/// (`maker_id`) is left out of the served, and has the energy-monitoring solution implemented
/// yesterday, ready to verify with its own machine's data (see [`MAKER_ADOPTION`]).
pub(crate) async fn load(
    connection: &mut AnyConnection,
    now: Timestamp,
    maker_id: Option<i64>,
) -> Result<(usize, usize), Error> {
    let mut random = SplitMix64::new(SEED);
    let divisions: Vec<String> =
        sqlx::query_scalar("SELECT code FROM industries WHERE level = 'division'")
            .fetch_all(&mut *connection)
            .await?;
    let mut solutions = 0;
    let mut adoptions = 0;
    for offer in OFFERS {
        let provider_id: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE code = $1")
            .bind(offer.provider)
            .fetch_one(&mut *connection)
            .await?;
        let actor = Actor::system(offer.provider);
        let mut shelf = Vec::new();
        for template in offer.templates {
            let mut versions: Vec<Option<&(&str, &str)>> = Vec::new();
            if offer.general {
                versions.push(None);
            }
            if offer.versions {
                versions.extend(INDUSTRY_VERSIONS.iter().map(Some));
            }
            for version in versions {
                let (title, summary, targets, industries, (low, high), payback, metric) = template;
                let (title, summary, industries) = match version {
                    None => (
                        (*title).to_owned(),
                        (*summary).to_owned(),
                        industries.iter().map(|d| (*d).to_owned()).collect(),
                    ),
                    Some((division, name)) => (
                        format!("{title}·{name}行业版"),
                        format!("{summary}已按{name}行业的典型工艺、设备和管理习惯预先配置。"),
                        vec![(*division).to_owned()],
                    ),
                };
                let input = SolutionInput {
                    title,
                    summary,
                    targets: targets
                        .iter()
                        .map(|(subdomain, level)| Target {
                            subdomain: (*subdomain).to_owned(),
                            level: *level,
                        })
                        .collect(),
                    industries,
                    investment_min_fen: low * 1_000_000,
                    investment_max_fen: high * 1_000_000,
                    payback_months: Some(*payback),
                    references: String::new(),
                };
                let published = now.plus_millis(-random.between(1_450, 2_000) * DAY_MS);
                let id = record_solution(
                    connection,
                    &actor,
                    provider_id,
                    &input,
                    &divisions,
                    published,
                )
                .await?;
                shelf.push(Shelved {
                    id,
                    division: version.map(|(division, _)| *division),
                    metric: *metric,
                });
            }
        }
        solutions += shelf.len();
        for (enterprise, division, status) in
            served(connection, &mut random, offer.provider, provider_id, now).await?
        {
            if Some(enterprise) == maker_id {
                continue;
            }
            let taken = 1 + usize::from(offer.provider == "smart-manufacturing")
                * (usize::from(random.unit() < 0.7) + usize::from(random.unit() < 0.28));
            let mut chosen: Vec<i64> = Vec::with_capacity(taken);
            for round in 0..taken {
                // The first is the enterprise's own status; more to one enterprise each get one.
                let status = if round == 0 {
                    status
                } else {
                    smart_manufacturing_status(&mut random)
                };
                let fitting: Vec<&Shelved> = shelf
                    .iter()
                    .filter(|s| s.division.is_none_or(|d| d == division))
                    .filter(|s| !chosen.contains(&s.id))
                    .collect();
                let pool: Vec<&Shelved> = if fitting.is_empty() {
                    shelf.iter().filter(|s| !chosen.contains(&s.id)).collect()
                } else {
                    fitting
                };
                let solution = pool[random.below(pool.len() as u64) as usize];
                chosen.push(solution.id);
                let (metric, unit, before, after) = solution.metric;
                let spread = 0.9 + random.unit() * 0.2;
                let verification = Verification::Figures(Figures {
                    metric: metric.to_owned(),
                    unit: unit.to_owned(),
                    before: (before * 100.0).round() / 100.0,
                    after: (after * spread * 100.0).round() / 100.0,
                    source: "实施前后各 30 天的设备与生产数据".to_owned(),
                });
                record_adoption(
                    connection,
                    &actor,
                    solution.id,
                    enterprise,
                    status,
                    (status == AdoptionStatus::Verified).then_some(&verification),
                    now.plus_millis(-random.between(150, 1_400) * DAY_MS),
                    random.between(7, 45),
                )
                .await?;
                adoptions += 1;
            }
        }
    }
    if let Some(maker) = maker_id {
        adoptions += usize::from(maker_adoption(connection, maker, now).await?);
    }
    Ok((solutions, adoptions))
}

/// The demo enterprise's implemented solution: (title, days from proposal to acceptance and on
/// to implementation). Proposed 77 days and 10 minutes before the load, accepted 39 days and 10
/// minutes before it, implemented a day and 10 minutes before it: the day before acceptance holds
/// the hourly readings [`crate::history`] writes for its first machine 40 days back (with the
/// power it drew before), the day after implementation the machine's minute-by-minute day.
pub(crate) const MAKER_ADOPTION: (&str, i64) = ("能源在线监测与能效优化", 38);

async fn maker_adoption(
    connection: &mut AnyConnection,
    maker: i64,
    now: Timestamp,
) -> Result<bool, Error> {
    let (title, step_days) = MAKER_ADOPTION;
    let solution: Option<i64> = sqlx::query_scalar(
        "SELECT s.id FROM solutions s JOIN organizations o ON o.id = s.provider_id \
         WHERE o.code = 'smart-manufacturing' AND s.title = $1",
    )
    .bind(title)
    .fetch_optional(&mut *connection)
    .await?;
    let Some(solution) = solution else {
        return Ok(false);
    };
    let proposed = now.plus_millis(-(2 * step_days + 1) * DAY_MS - 10 * 60_000);
    record_adoption(
        connection,
        &Actor::system("smart-manufacturing"),
        solution,
        maker,
        AdoptionStatus::Implemented,
        None,
        proposed,
        step_days,
    )
    .await?;
    Ok(true)
}

/// Where one of the smart-manufacturing platform's solutions ends up: about half adopted and
/// implemented, a quarter declined.
fn smart_manufacturing_status(random: &mut SplitMix64) -> AdoptionStatus {
    [
        AdoptionStatus::Proposed,
        AdoptionStatus::Accepted,
        AdoptionStatus::Declined,
        AdoptionStatus::Implemented,
        AdoptionStatus::Verified,
    ][random.weighted(&[9, 12, 27, 27, 25])]
}

/// The enterprises a provider served, each with its division and the status of its (first)
/// solution, made clients of the provider where they were not: the smart-manufacturing
/// platform nearly all its clients; the smart-product platform 90 enterprises, 75 of which
/// accepted; the AI platform 236, 214 of which implemented.
async fn served(
    connection: &mut AnyConnection,
    random: &mut SplitMix64,
    provider: &str,
    provider_id: i64,
    now: Timestamp,
) -> Result<Vec<(i64, &'static str, AdoptionStatus)>, Error> {
    use AdoptionStatus::{Accepted, Declined, Implemented, Proposed, Verified};
    let outcomes: &[(AdoptionStatus, usize)] = match provider {
        "smart-product" => &[
            (Verified, 25),
            (Implemented, 30),
            (Accepted, 20),
            (Declined, 10),
            (Proposed, 5),
        ],
        "ai-service" => &[
            (Verified, 90),
            (Implemented, 124),
            (Accepted, 4),
            (Declined, 14),
            (Proposed, 4),
        ],
        _ => &[],
    };
    // Its clients first, then enterprises of its industries, in a fixed random order.
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT e.id, e.industry_code, CASE WHEN c.enterprise_id IS NULL THEN 0 ELSE 1 END \
         FROM enterprises e LEFT JOIN platform_clients c \
         ON c.enterprise_id = e.id AND c.platform_id = $1 ORDER BY e.id",
    )
    .bind(provider_id)
    .fetch_all(&mut *connection)
    .await?;
    let division = |code: &str| -> &'static str {
        INDUSTRY_VERSIONS
            .iter()
            .find(|(d, _)| code.starts_with(d))
            .map_or("", |(d, _)| d)
    };
    let mut ranked: Vec<(u64, i64, &'static str, bool)> = rows
        .iter()
        .map(|(id, code, client)| (random.next_u64(), *id, division(code), *client == 1))
        .collect();
    ranked.sort_by_key(|(key, _, division, client)| (!client, division.is_empty(), *key));
    let mut served = Vec::new();
    if outcomes.is_empty() {
        for (_, id, division, client) in ranked.into_iter().filter(|r| r.3) {
            if random.unit() >= 0.035 {
                served.push((id, division, smart_manufacturing_status(random), client));
            }
        }
    } else {
        let mut ranked = ranked.into_iter();
        for (status, count) in outcomes {
            for (_, id, division, client) in ranked.by_ref().take(*count) {
                served.push((id, division, *status, client));
            }
        }
    }
    for (id, _, _, client) in &served {
        if !client {
            sqlx::query(
                "INSERT INTO platform_clients (platform_id, enterprise_id, since) VALUES ($1, $2, $3)",
            )
            .bind(provider_id)
            .bind(*id)
            .bind(now.plus_millis(-1_500 * DAY_MS).as_millis())
            .execute(&mut *connection)
            .await?;
        }
    }
    Ok(served
        .into_iter()
        .map(|(id, division, status, _)| (id, division, status))
        .collect())
}
