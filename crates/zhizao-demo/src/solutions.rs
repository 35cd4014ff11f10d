//! The solution library of the demo: integrated solutions the smart-manufacturing platform (and
//! the AI and smart-product platforms) offer, each raising named sub-domains of the maturity
//! model, and adoptions by assessed enterprises at every stage, the verified ones citing
//! before-and-after figures.

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

/// (provider, title, summary, targets, divisions, investment in 10,000 yuan from–to, payback
/// months, the metric a verification cites with its unit and typical before → after)
type Template = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, u8)],
    &'static [&'static str],
    (i64, i64),
    i64,
    (&'static str, &'static str, f64, f64),
);

const CATALOGUE: &[Template] = &[
    (
        "smart-manufacturing",
        "设备联网与数据采集（DNC/MDC）",
        "关键设备加装采集终端，接入平台，运行、报警和产量数据自动采集，车间看板实时显示。",
        &[("equipment", 2), ("network", 2), ("data", 2)],
        &[],
        (15, 60),
        14,
        ("设备综合效率 OEE", "%", 58.0, 67.5),
    ),
    (
        "smart-manufacturing",
        "轻量化 MES 上线",
        "工单、报工、质量和追溯在线化，手机扫码报工，与 ERP 订单打通。",
        &[("operations", 2), ("operations", 3), ("integration", 3)],
        &[],
        (30, 120),
        18,
        ("准时交付率", "%", 81.0, 93.0),
    ),
    (
        "smart-manufacturing",
        "高级计划排程（APS）",
        "按订单交期和设备能力自动排产，插单时分钟级重排，与 MES 工单联动。",
        &[("planning", 2), ("planning", 3)],
        &[],
        (40, 150),
        20,
        ("订单准时交付率", "%", 84.0, 95.0),
    ),
    (
        "smart-manufacturing",
        "设备预测性维护",
        "振动、温度和电流监测，建立故障预警模型，维修工单自动派发。",
        &[("maintenance", 3), ("maintenance", 4)],
        &[],
        (25, 90),
        16,
        ("非计划停机时间", "小时/月", 42.0, 18.0),
    ),
    (
        "smart-manufacturing",
        "能源在线监测与能效优化",
        "电、水、气分项计量，能耗按产品和工序核算，峰谷用电优化。",
        &[("energy", 2), ("energy", 3), ("energy", 4)],
        &[],
        (12, 50),
        12,
        ("单位产值能耗", "吨标煤/万元", 0.052, 0.044),
    ),
    (
        "smart-manufacturing",
        "智能仓储与条码管理（WMS）",
        "原料和成品条码化，库位管理，先进先出，与生产领料联动。",
        &[("warehousing", 2), ("warehousing", 3), ("logistics", 2)],
        &[],
        (20, 80),
        15,
        ("库存周转天数", "天", 46.0, 31.0),
    ),
    (
        "smart-manufacturing",
        "质量数据采集与 SPC",
        "检验数据在线录入和自动采集，关键参数 SPC 控制，质量问题追溯到批次。",
        &[("operations", 3), ("data", 3)],
        &[],
        (15, 60),
        12,
        ("一次交检合格率", "%", 95.1, 98.4),
    ),
    (
        "smart-manufacturing",
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
        "smart-manufacturing",
        "CAPP 工艺设计与工艺知识库",
        "典型工艺模板化，工艺卡片电子化，工艺参数库与 MES 下发联动。",
        &[("process-design", 2), ("process-design", 3)],
        &[],
        (10, 40),
        15,
        ("工艺文件编制工时", "小时/件", 6.0, 2.5),
    ),
    (
        "smart-manufacturing",
        "工控网络安全加固",
        "生产网与办公网隔离，工控主机白名单，安全审计与应急演练。",
        &[("security", 2), ("security", 3), ("network", 3)],
        &[],
        (8, 35),
        30,
        ("高危漏洞数", "个", 23.0, 2.0),
    ),
    (
        "smart-manufacturing",
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
        "smart-manufacturing",
        "采购协同与供应商门户",
        "询价、订单、交货和对账在线协同，供应商绩效自动评价。",
        &[("procurement", 2), ("procurement", 3)],
        &[],
        (10, 45),
        14,
        ("采购周期", "天", 18.0, 11.0),
    ),
    (
        "smart-manufacturing",
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
        "smart-manufacturing",
        "安全环保在线监测",
        "危险作业审批在线化，废气、废水在线监测和超标报警。",
        &[("safety", 2), ("safety", 3)],
        &[],
        (10, 50),
        24,
        ("安全隐患整改周期", "天", 12.0, 4.0),
    ),
    (
        "smart-manufacturing",
        "厂内物流 AGV 配送",
        "产线物料按节拍由 AGV 配送，与 WMS 和 MES 调度联动。",
        &[("logistics", 3), ("warehousing", 4)],
        &["38", "34"],
        (60, 200),
        30,
        ("物料配送人员", "人", 18.0, 7.0),
    ),
    (
        "smart-manufacturing",
        "数字孪生车间",
        "产线三维建模，实时映射设备状态，仿真优化布局和节拍。",
        &[("operations", 4), ("planning", 4), ("data", 4)],
        &["38"],
        (120, 400),
        36,
        ("产线平衡率", "%", 78.0, 89.0),
    ),
    (
        "ai-service",
        "AI 视觉质检",
        "深度学习外观缺陷检测，替代人工目检，缺陷图像自动归档。",
        &[("operations", 4), ("data", 4)],
        &["38", "33", "29"],
        (35, 120),
        14,
        ("漏检率", "%", 1.8, 0.3),
    ),
    (
        "ai-service",
        "需求预测与智能补货",
        "基于历史订单和市场数据预测需求，自动生成补货建议。",
        &[("sales", 3), ("sales", 4), ("planning", 4)],
        &[],
        (20, 80),
        18,
        ("成品库存", "万元", 860.0, 610.0),
    ),
    (
        "smart-product",
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
        "smart-product",
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
];

/// Records the library and adoptions by the smart-manufacturing platform's assessed clients;
/// returns (solutions, adoptions).
pub(crate) async fn load(
    connection: &mut AnyConnection,
    now: Timestamp,
) -> Result<(usize, usize), Error> {
    let mut random = SplitMix64::new(SEED);
    let divisions: Vec<String> =
        sqlx::query_scalar("SELECT code FROM industries WHERE level = 'division'")
            .fetch_all(&mut *connection)
            .await?;
    let mut solutions = Vec::with_capacity(CATALOGUE.len());
    for (provider, title, summary, targets, industries, (low, high), payback, metric) in CATALOGUE {
        let provider_id: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE code = $1")
            .bind(*provider)
            .fetch_one(&mut *connection)
            .await?;
        let input = SolutionInput {
            title: (*title).to_owned(),
            summary: (*summary).to_owned(),
            targets: targets
                .iter()
                .map(|(subdomain, level)| Target {
                    subdomain: (*subdomain).to_owned(),
                    level: *level,
                })
                .collect(),
            industries: industries.iter().map(|d| (*d).to_owned()).collect(),
            investment_min_fen: low * 1_000_000,
            investment_max_fen: high * 1_000_000,
            payback_months: Some(*payback),
            references: String::new(),
        };
        let published = now.plus_millis(-random.between(200, 1400) * DAY_MS);
        let id = record_solution(
            connection,
            &Actor::system(provider),
            provider_id,
            &input,
            &divisions,
            published,
        )
        .await?;
        solutions.push((id, provider, metric));
    }
    // Assessed clients of the smart-manufacturing platform take up one solution each (a third of
    // them), at every stage; verified ones cite their figures.
    let assessed: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT a.enterprise_id FROM maturity_assessments a JOIN platform_clients c \
         ON c.enterprise_id = a.enterprise_id JOIN organizations o ON o.id = c.platform_id \
         WHERE o.code = 'smart-manufacturing' AND a.status = 'submitted' ORDER BY a.enterprise_id",
    )
    .fetch_all(&mut *connection)
    .await?;
    let mut adoptions = 0;
    for enterprise in assessed.iter().step_by(3) {
        let (solution, provider, (metric, unit, before, after)) =
            solutions[random.below(solutions.len() as u64) as usize];
        let status = [
            AdoptionStatus::Proposed,
            AdoptionStatus::Accepted,
            AdoptionStatus::Declined,
            AdoptionStatus::Implemented,
            AdoptionStatus::Verified,
            AdoptionStatus::Verified,
        ][random.below(6) as usize];
        let spread = 0.9 + random.unit() * 0.2;
        let verification = Verification::Figures(Figures {
            metric: (*metric).to_owned(),
            unit: (*unit).to_owned(),
            before: (before * 100.0).round() / 100.0,
            after: (after * spread * 100.0).round() / 100.0,
            source: "实施前后各 30 天的设备与生产数据".to_owned(),
        });
        record_adoption(
            connection,
            &Actor::system(provider),
            solution,
            *enterprise,
            status,
            (status == AdoptionStatus::Verified).then_some(&verification),
            now.plus_millis(-random.between(60, 700) * DAY_MS),
            random.between(7, 45),
        )
        .await?;
        adoptions += 1;
    }
    Ok((solutions.len(), adoptions))
}
