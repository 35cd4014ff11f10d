//! The demo programmes: illustrative subsidy rule sets, the 13 technology-upgrade intake batches
//! of 2014–2019 holding exactly the seed's 2,224 projects and 42.34 bn yuan of investment, the
//! 2019 funding rounds with the seed's figures (provincial funds 266 M yuan for 147 projects, city
//! funds 217 M yuan for 329 projects, post-completion subsidies 327 M yuan to 130 enterprises,
//! against 97 enterprises and 165.7 M yuan in 2018: +34 % and +97.3 %), and two open 2026
//! batches with applications at every stage of the flow, whose amounts are computed by the rules.

use sqlx::AnyConnection;
use zhizao_core::{Fen, Timestamp};
use zhizao_projects::history::{
    PastApplication, PastBatch, PastItem, insert_application, insert_batch, insert_evaluation,
    insert_rule_set, set_next_sequence,
};
use zhizao_projects::rules::{Category, RuleItem, RuleParameters, evaluate};
use zhizao_projects::workflow::Status;
use zhizao_projects::{BatchStatus, Programme, UpgradeType};

use crate::random::SplitMix64;
use crate::{DemoEnterprise, Error};

const DAY_MS: i64 = 86_400_000;

/// Midnight in Asia/Shanghai of a calendar date, as an instant.
pub(crate) fn date(year: i64, month: u8, day: u8) -> Timestamp {
    let month = time::Month::try_from(month).unwrap_or(time::Month::January);
    let date = time::Date::from_calendar_date(year as i32, month, day).unwrap_or(time::Date::MIN);
    let utc = date.midnight().assume_utc().unix_timestamp() * 1000;
    Timestamp::from_millis(utc - 8 * 3_600_000)
}

/// What the demo programmes hold.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProjectsSummary {
    pub(crate) batches: usize,
    pub(crate) applications: usize,
}

/// What an enterprise of an industry makes, by the first two digits of its industry class
/// (GB/T 4754), so a project's name fits its applicant: a lamp maker does not file a denim
/// project.
fn products_of(industry_code: &str) -> &'static [&'static str] {
    match industry_code.get(..3).unwrap_or("") {
        "385" | "386" => &["空调", "电饭煲", "小家电", "燃气具", "风扇", "热水器"],
        "387" => &["LED 灯具", "灯饰", "照明灯具"],
        "331" | "332" | "335" | "336" | "338" | "339" => &["五金锁具", "五金制品", "卫浴五金"],
        _ => match industry_code.get(..2).unwrap_or("") {
            "17" | "18" | "19" => &["牛仔服装", "休闲服装", "针织服装"],
            "21" => &["红木家具", "实木家具", "办公家具"],
            "39" => &["电路板", "电子元器件", "智能终端"],
            "27" => &["中成药", "化学药品制剂"],
            "13" | "14" => &["食品", "调味品"],
            "22" | "23" => &["包装材料", "印刷包装"],
            "29" => &["注塑件", "塑料制品"],
            "34" | "35" | "40" => &["通用设备", "专用设备", "仪器仪表"],
            _ => &["主导产品"],
        },
    }
}
const PROJECT_KINDS: &[(&str, UpgradeType)] = &[
    ("智能化生产线技术改造项目", UpgradeType::SmartProductionLine),
    ("工业机器人应用技术改造项目", UpgradeType::IndustrialRobots),
    ("数字化车间建设项目", UpgradeType::DigitalWorkshop),
    ("智能工厂建设项目", UpgradeType::SmartFactory),
    ("生产设备更新改造项目", UpgradeType::EquipmentRenewal),
    ("工业互联网平台应用项目", UpgradeType::IndustrialInternet),
    ("绿色节能改造项目", UpgradeType::GreenUpgrade),
];
const EQUIPMENT: &[(&str, &str)] = &[
    ("六轴工业机器人", "IR-6/1400"),
    ("数控加工中心", "VMC-850"),
    ("全自动注塑机", "ZS-280"),
    ("激光切割机", "LC-3015"),
    ("自动贴片机", "SMT-X4"),
    ("智能仓储系统", "AS/RS-2"),
    ("自动化装配线", "AL-60"),
];
const SUPPLIERS: &[&str] = &[
    "广东某某智能装备有限公司（示例）",
    "中山市某某自动化科技有限公司（示例）",
    "佛山市某某机械有限公司（示例）",
    "深圳市某某机器人有限公司（示例）",
];

/// Splits `total` into `count` parts in proportion to random weights, exactly.
fn split(random: &mut SplitMix64, total: i64, count: usize, spread: f64) -> Vec<i64> {
    let weights: Vec<f64> = (0..count).map(|_| (random.unit() * spread).exp()).collect();
    let sum: f64 = weights.iter().sum();
    let mut parts: Vec<i64> = weights
        .iter()
        .map(|w| (total as f64 * w / sum).floor() as i64)
        .collect();
    let assigned: i64 = parts.iter().sum();
    if let Some(last) = parts.last_mut() {
        *last += total - assigned;
    }
    parts
}

/// Line items adding up to exactly `investment` (fen): mostly equipment, some software and
/// installation.
fn items_for(
    random: &mut SplitMix64,
    investment: i64,
    invoice_prefix: &str,
    invoice_date: Option<String>,
) -> Vec<PastItem> {
    let equipment_share = random.between(65, 85);
    let software = investment * random.between(5, 15) / 100;
    let equipment_total = investment * equipment_share / 100;
    let quantity = random.between(1, 12);
    let unit_price = equipment_total / quantity;
    let installation = investment - unit_price * quantity - software;
    let (name, model) = *random.pick(EQUIPMENT);
    let supplier = (*random.pick(SUPPLIERS)).to_owned();
    let item = |category, name: &str, model: &str, quantity, unit_price_fen, n: u32| PastItem {
        category,
        name: name.to_owned(),
        model: model.to_owned(),
        quantity,
        unit_price_fen: Fen::new(unit_price_fen),
        supplier: supplier.clone(),
        related_party: false,
        invoice_number: format!("{invoice_prefix}-{n}"),
        invoice_date: invoice_date.clone(),
    };
    vec![
        item(Category::Equipment, name, model, quantity, unit_price, 1),
        item(
            Category::Software,
            "制造执行系统（MES）",
            "",
            1,
            software,
            2,
        ),
        item(Category::Installation, "安装调试", "", 1, installation, 3),
    ]
}

struct Generator<'a> {
    random: &'a mut SplitMix64,
    enterprises: &'a [DemoEnterprise],
    ids: &'a [i64],
    applications: usize,
}

impl Generator<'_> {
    fn project_name(&mut self, enterprise: usize) -> (String, UpgradeType) {
        let industry = self.enterprises[enterprise]
            .input
            .industry_code
            .as_deref()
            .unwrap_or("");
        let product = self.random.pick(products_of(industry));
        let (kind, upgrade) = *self.random.pick(PROJECT_KINDS);
        let short = self.enterprises[enterprise]
            .input
            .name
            .as_deref()
            .unwrap_or("")
            .trim_start_matches("中山市")
            .chars()
            .take(4)
            .collect::<String>();
        (format!("{short}{product}{kind}"), upgrade)
    }

    /// `count` distinct enterprises (by index).
    fn applicants(&mut self, count: usize) -> Vec<usize> {
        let mut chosen: Vec<usize> = Vec::with_capacity(count);
        while chosen.len() < count.min(self.enterprises.len()) {
            let index = self.random.below(self.enterprises.len() as u64) as usize;
            if !chosen.contains(&index) {
                chosen.push(index);
            }
        }
        chosen
    }
}

/// One historical round: `approved` projects sharing `investment` (fen) and `granted` (fen),
/// plus `rejected` ones.
struct Round<'a> {
    code: &'a str,
    programme: Programme,
    year: i64,
    title: String,
    opens: (u8, u8),
    rule_set_id: Option<i64>,
    approved: usize,
    rejected: usize,
    investment_fen: i64,
    granted_fen: i64,
}

async fn past_round(
    connection: &mut AnyConnection,
    generator: &mut Generator<'_>,
    round: Round<'_>,
    now: Timestamp,
) -> Result<(), Error> {
    let (month, day) = round.opens;
    let closes_month = (month + 1).min(12);
    let batch = PastBatch {
        code: round.code.to_owned(),
        programme: round.programme,
        year: round.year,
        title: round.title,
        opens_on: format!("{}-{month:02}-{day:02}", round.year),
        closes_on: format!("{}-{closes_month:02}-28", round.year),
        eligibility: "在中山市依法登记注册、具有独立法人资格的工业企业（示例）".into(),
        required_attachments: vec!["营业执照".into(), "技改备案证".into()],
        rule_set_id: round.rule_set_id,
        status: BatchStatus::Closed,
    };
    let batch_id = insert_batch(connection, &batch, now).await?;
    let decided = date(round.year, closes_month, 28).as_millis() + 45 * DAY_MS;
    let count = round.approved + round.rejected;
    let applicants = generator.applicants(count);
    let investments = split(generator.random, round.investment_fen, round.approved, 3.0);
    let grants = split(generator.random, round.granted_fen, round.approved, 1.0);
    for (sequence, &enterprise) in applicants.iter().enumerate() {
        let approved = sequence < round.approved;
        let investment = if approved {
            investments[sequence]
        } else {
            generator.random.between(50_000_000, 2_000_000_000)
        };
        let (project_name, upgrade_type) = generator.project_name(enterprise);
        let (granted, disbursed, status) = if !approved {
            (None, None, Status::Rejected)
        } else if round.granted_fen > 0 {
            let granted = grants[sequence];
            (
                Some((Fen::new(granted), Some(Fen::new(investment)))),
                Some(Fen::new(granted)),
                Status::Disbursed,
            )
        } else {
            (None, None, Status::Approved)
        };
        let submitted = Timestamp::from_millis(
            date(round.year, month, day).as_millis() + generator.random.between(1, 25) * DAY_MS,
        );
        let invoice_date = Some(format!(
            "{}-{:02}-{:02}",
            round.year - 1,
            generator.random.between(1, 12),
            generator.random.between(1, 28)
        ));
        let application = PastApplication {
            batch_id,
            batch_code: round.code.to_owned(),
            sequence: sequence as i64 + 1,
            enterprise_id: generator.ids[enterprise],
            project_name,
            upgrade_type,
            starts_on: Some(format!("{}-03-01", round.year - 1)),
            ends_on: Some(format!("{}-12-31", round.year)),
            description: String::new(),
            expected_output_value_fen: Some(Fen::new(
                investment * generator.random.between(15, 40) / 10,
            )),
            items: items_for(
                generator.random,
                investment,
                &format!("{}-{}", round.code, sequence + 1),
                invoice_date,
            ),
            status,
            status_changed_at: Timestamp::from_millis(
                decided + generator.random.between(0, 20) * DAY_MS,
            ),
            submitted_at: Some(submitted),
            notice_ends_at: approved.then(|| Timestamp::from_millis(decided - 5 * DAY_MS)),
            granted,
            disbursed_fen: disbursed,
            recorded_by: "demo".into(),
        };
        insert_application(connection, &application).await?;
        generator.applications += 1;
    }
    set_next_sequence(connection, batch_id, count as i64).await?;
    Ok(())
}

/// One open application: its stage, how long it has been there, and whether it belongs to the
/// demo maker.
struct Open {
    status: Status,
    days_in_status: i64,
    maker: bool,
}

#[allow(clippy::too_many_arguments)]
async fn open_round(
    connection: &mut AnyConnection,
    generator: &mut Generator<'_>,
    code: &str,
    programme: Programme,
    title: &str,
    rule: Option<(i64, &RuleParameters)>,
    open: &[Open],
    maker: usize,
    now: Timestamp,
) -> Result<(), Error> {
    let batch = PastBatch {
        code: code.to_owned(),
        programme,
        year: 2026,
        title: title.to_owned(),
        opens_on: "2026-10-08".into(),
        closes_on: "2026-12-31".into(),
        eligibility: "在中山市依法登记注册、具有独立法人资格的工业企业；项目已竣工投产（示例）"
            .into(),
        required_attachments: vec![
            "营业执照".into(),
            "技改备案证".into(),
            "设备发票".into(),
            "第三方竣工评价报告".into(),
        ],
        rule_set_id: rule.map(|(id, _)| id),
        status: BatchStatus::Published,
    };
    let batch_id = insert_batch(connection, &batch, now).await?;
    let mut applicants = generator.applicants(open.len());
    // The demo towns' logins (Xiaolan, Nantou) have applications to review: every other
    // application still at town or city level comes from one of them.
    let mut from_towns = ["442000118", "442000111"]
        .iter()
        .flat_map(|town| {
            generator
                .enterprises
                .iter()
                .enumerate()
                .filter(move |(index, e)| e.town == *town && *index != maker)
                .map(|(index, _)| index)
                .take(4)
        })
        .collect::<Vec<_>>()
        .into_iter();
    for (sequence, stage) in open.iter().enumerate() {
        if stage.maker {
            applicants[sequence] = maker;
        } else if sequence % 2 == 0
            && matches!(
                stage.status,
                Status::TownReview | Status::Returned | Status::CityReview | Status::PublicNotice
            )
            && let Some(index) = from_towns.next()
            && !applicants.contains(&index)
        {
            applicants[sequence] = index;
        }
        let enterprise = applicants[sequence];
        let investment = generator.random.between(30_000_000, 900_000_000) * 10;
        let (project_name, upgrade_type) = generator.project_name(enterprise);
        let invoice_date = format!(
            "2026-{:02}-{:02}",
            generator.random.between(1, 8),
            generator.random.between(1, 28)
        );
        let mut items = items_for(
            generator.random,
            investment,
            &format!("{code}-{}", sequence + 1),
            Some(invoice_date),
        );
        // Some applications carry what the rules leave out, so explanations show it.
        if sequence % 4 == 1 {
            items.push(PastItem {
                category: Category::Buildings,
                name: "厂房改造".into(),
                model: String::new(),
                quantity: 1,
                unit_price_fen: Fen::new(investment / 5),
                supplier: "中山市某某建筑工程有限公司（示例）".into(),
                related_party: false,
                invoice_number: format!("{code}-{}-4", sequence + 1),
                invoice_date: Some("2026-05-10".into()),
            });
        }
        if sequence % 5 == 2 {
            items[0].related_party = true;
        }
        let changed = Timestamp::from_millis(now.as_millis() - stage.days_in_status * DAY_MS);
        let notice_ends_at = match stage.status {
            Status::PublicNotice => Some(Timestamp::from_millis(changed.as_millis() + 7 * DAY_MS)),
            Status::Approved | Status::AcceptanceReview | Status::Accepted | Status::Disbursed => {
                Some(Timestamp::from_millis(changed.as_millis() - 3 * DAY_MS))
            }
            _ => None,
        };
        let application = PastApplication {
            batch_id,
            batch_code: code.to_owned(),
            sequence: sequence as i64 + 1,
            enterprise_id: generator.ids[enterprise],
            project_name,
            upgrade_type,
            starts_on: Some("2025-09-01".into()),
            ends_on: Some("2026-08-31".into()),
            description: "对现有生产线进行智能化改造，提高生产效率和产品一致性（示例）".into(),
            expected_output_value_fen: Some(Fen::new(investment * 3)),
            items: items.clone(),
            status: stage.status,
            status_changed_at: changed,
            submitted_at: (stage.status != Status::Draft)
                .then(|| Timestamp::from_millis(changed.as_millis() - 10 * DAY_MS)),
            notice_ends_at,
            granted: None,
            disbursed_fen: None,
            recorded_by: "demo".into(),
        };
        let (application_id, _) = insert_application(connection, &application).await?;
        generator.applications += 1;
        let Some((rule_set_id, parameters)) = rule else {
            continue;
        };
        let decided = matches!(
            stage.status,
            Status::Approved | Status::AcceptanceReview | Status::Accepted | Status::Disbursed
        );
        if decided || stage.status == Status::PublicNotice {
            let rule_items: Vec<RuleItem> = items
                .iter()
                .enumerate()
                .map(|(index, item)| RuleItem {
                    position: index + 1,
                    name: item.name.clone(),
                    category: item.category,
                    amount_fen: Fen::new(item.quantity * item.unit_price_fen.get()),
                    related_party: item.related_party,
                    invoice_date: item.invoice_date.clone(),
                })
                .collect();
            let evaluation = evaluate(parameters, &rule_items, Fen::new(0));
            insert_evaluation(
                connection,
                application_id,
                rule_set_id,
                &evaluation,
                Timestamp::from_millis(changed.as_millis() - DAY_MS),
                "city.staff",
                decided,
            )
            .await?;
            if stage.status == Status::Disbursed {
                sqlx::query(
                    "UPDATE project_applications SET disbursed_fen = granted_fen, disbursed_at = status_changed_at WHERE id = $1",
                )
                .bind(application_id)
                .execute(&mut *connection)
                .await?;
            }
        }
    }
    set_next_sequence(connection, batch_id, open.len() as i64).await?;
    Ok(())
}

/// Writes the demo programmes.
pub(crate) async fn load(
    connection: &mut AnyConnection,
    random: &mut SplitMix64,
    now: Timestamp,
    enterprises: &[DemoEnterprise],
    ids: &[i64],
    maker: usize,
) -> Result<ProjectsSummary, Error> {
    let reward_2017 = RuleParameters {
        eligible_categories: vec![
            Category::Equipment,
            Category::Software,
            Category::Installation,
        ],
        min_eligible_investment_fen: Fen::new(100_000_000),
        rate_basis_points: 1000,
        cap_per_project_fen: Some(Fen::new(500_000_000)),
        cap_per_enterprise_year_fen: None,
        exclude_related_party_suppliers: true,
        earliest_invoice_date: None,
    };
    let reward_2020 = RuleParameters {
        eligible_categories: vec![Category::Equipment],
        rate_basis_points: 2000,
        cap_per_project_fen: Some(Fen::new(2_000_000_000)),
        ..reward_2017.clone()
    };
    let post_2018 = RuleParameters {
        eligible_categories: vec![
            Category::Equipment,
            Category::Software,
            Category::Installation,
        ],
        min_eligible_investment_fen: Fen::new(50_000_000),
        rate_basis_points: 800,
        cap_per_project_fen: Some(Fen::new(800_000_000)),
        cap_per_enterprise_year_fen: Some(Fen::new(1_000_000_000)),
        exclude_related_party_suppliers: true,
        earliest_invoice_date: Some("2017-01-01".into()),
    };
    let post_2026 = RuleParameters {
        rate_basis_points: 1000,
        earliest_invoice_date: Some("2025-01-01".into()),
        ..post_2018.clone()
    };
    let reward_v1 = insert_rule_set(
        connection,
        "equipment-reward",
        1,
        "技术改造设备奖励（仿 2017 年规则，示例，非正式政策）",
        &reward_2017,
        date(2017, 3, 1),
        "demo",
    )
    .await?;
    insert_rule_set(
        connection,
        "equipment-reward",
        2,
        "技术改造设备奖励（仿 2020 年规则，示例，非正式政策）",
        &reward_2020,
        date(2020, 4, 1),
        "demo",
    )
    .await?;
    let post_v1 = insert_rule_set(
        connection,
        "post-completion",
        1,
        "技术改造事后奖补（普惠性，示例，非正式政策）",
        &post_2018,
        date(2018, 2, 1),
        "demo",
    )
    .await?;
    let post_v2 = insert_rule_set(
        connection,
        "post-completion",
        2,
        "技术改造事后奖补（普惠性，2026 年，示例，非正式政策）",
        &post_2026,
        date(2026, 8, 1),
        "demo",
    )
    .await?;

    let mut generator = Generator {
        random,
        enterprises,
        ids,
        applications: 0,
    };
    // The 13 intake batches: 2,224 projects, 42.34 bn yuan.
    let intake: [(i64, usize); 13] = [
        (2014, 120),
        (2015, 130),
        (2015, 140),
        (2016, 150),
        (2016, 160),
        (2017, 170),
        (2017, 180),
        (2018, 190),
        (2018, 200),
        (2018, 210),
        (2019, 190),
        (2019, 200),
        (2019, 184),
    ];
    let investments = split(generator.random, 4_234_000_000_000, intake.len(), 0.3);
    let mut per_year = std::collections::BTreeMap::<i64, u8>::new();
    for (index, (year, projects)) in intake.iter().enumerate() {
        let round_in_year = per_year.entry(*year).or_insert(0);
        *round_in_year += 1;
        let code = format!("TU-{year}-{round_in_year}");
        past_round(
            connection,
            &mut generator,
            Round {
                code: &code,
                programme: Programme::TechUpgrade,
                year: *year,
                title: format!("{year} 年第 {round_in_year} 批技术改造项目入库"),
                opens: (3 * *round_in_year, 1),
                rule_set_id: None,
                approved: *projects,
                rejected: projects / 12,
                investment_fen: investments[index],
                granted_fen: 0,
            },
            now,
        )
        .await?;
    }
    // Funding rounds with the seed's figures.
    let rounds = [
        (
            "PC-2018",
            Programme::PostCompletion,
            2018,
            "2018 年技术改造事后奖补（普惠性）",
            post_v1,
            97,
            16_570_000_000,
        ),
        (
            "PC-2019",
            Programme::PostCompletion,
            2019,
            "2019 年技术改造事后奖补（普惠性）",
            post_v1,
            130,
            32_700_000_000,
        ),
        (
            "SF-2019-P",
            Programme::ProvincialFund,
            2019,
            "2019 年省级促进经济发展专项资金（技术改造）",
            reward_v1,
            147,
            26_600_000_000,
        ),
        (
            "SF-2019-C",
            Programme::CityFund,
            2019,
            "2019 年市级技术改造和平台专项资金",
            reward_v1,
            329,
            21_700_000_000,
        ),
    ];
    for (code, programme, year, title, rule_set_id, approved, granted) in rounds {
        past_round(
            connection,
            &mut generator,
            Round {
                code,
                programme,
                year,
                title: title.to_owned(),
                opens: (5, 1),
                rule_set_id: Some(rule_set_id),
                approved,
                rejected: approved / 10,
                // Grants are about a tenth of the investment they reward.
                investment_fen: granted * 11,
                granted_fen: granted,
            },
            now,
        )
        .await?;
    }
    // Open rounds, with something at every stage.
    let stage = |status, days_in_status, maker| Open {
        status,
        days_in_status,
        maker,
    };
    let post_completion_2026 = [
        stage(Status::Draft, 2, true),
        stage(Status::TownReview, 1, false),
        stage(Status::TownReview, 3, false),
        stage(Status::TownReview, 5, false),
        stage(Status::TownReview, 9, false),
        stage(Status::TownReview, 12, false),
        stage(Status::TownReview, 4, true),
        stage(Status::Returned, 6, false),
        stage(Status::CityReview, 2, false),
        stage(Status::CityReview, 7, false),
        stage(Status::CityReview, 15, false),
        stage(Status::ExpertReview, 8, false),
        stage(Status::PublicNotice, 2, false),
        stage(Status::PublicNotice, 5, false),
        stage(Status::PublicNotice, 9, false),
        stage(Status::Approved, 20, false),
        stage(Status::AcceptanceReview, 10, false),
        stage(Status::Accepted, 6, false),
        stage(Status::Disbursed, 3, false),
        stage(Status::Rejected, 11, false),
        stage(Status::Withdrawn, 13, false),
    ];
    open_round(
        connection,
        &mut generator,
        "PC-2026",
        Programme::PostCompletion,
        "2026 年技术改造事后奖补（普惠性）",
        Some((post_v2, &post_2026)),
        &post_completion_2026,
        maker,
        now,
    )
    .await?;
    let intake_2026 = [
        stage(Status::Returned, 4, true),
        stage(Status::TownReview, 2, false),
        stage(Status::TownReview, 6, false),
        stage(Status::TownReview, 10, false),
        stage(Status::CityReview, 3, false),
        stage(Status::CityReview, 8, false),
        stage(Status::PublicNotice, 1, false),
        stage(Status::Approved, 14, false),
        stage(Status::Approved, 16, false),
    ];
    open_round(
        connection,
        &mut generator,
        "TU-2026-1",
        Programme::TechUpgrade,
        "2026 年第 1 批技术改造项目入库",
        None,
        &intake_2026,
        maker,
        now,
    )
    .await?;
    Ok(ProjectsSummary {
        batches: intake.len() + rounds.len() + 2,
        applications: generator.applications,
    })
}

/// The demo's major science-and-technology projects: the 2019 call as decided (38 projects,
/// 143 M yuan, 13 of them in AI for 44 M yuan, as the seed reports) and a 2026 call under
/// review whose applications wait for the demo expert's blind scores.
pub(crate) async fn load_major(
    connection: &mut AnyConnection,
    random: &mut SplitMix64,
    now: Timestamp,
    enterprises: &[DemoEnterprise],
    ids: &[i64],
    maker: usize,
) -> Result<usize, Error> {
    use zhizao_db::allocate_ids;
    let criteria = r#"[{"name":"技术先进性","weight":35},{"name":"产业化前景","weight":30},{"name":"团队与基础","weight":20},{"name":"经费合理性","weight":15}]"#;
    let topics = r#"["人工智能","机器人","芯片","新材料","生物医药"]"#;
    let mut calls = Vec::new();
    for (code, title, year, status, budget) in [
        (
            "ST-2019",
            "2019 年中山市重大科技专项",
            2019,
            "decided",
            15_000_000_000i64,
        ),
        (
            "ST-2026",
            "2026 年中山市重大科技专项",
            2026,
            "reviewing",
            20_000_000_000,
        ),
    ] {
        let id = allocate_ids(connection, "st_calls", 1).await?;
        sqlx::query(
            "INSERT INTO st_calls (id, code, title, year, topics, criteria, budget_fen, experts_per_application, opens_on, closes_on, status, created_at, updated_at, version, review_due_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, 1, $13)",
        )
        .bind(id)
        .bind(code)
        .bind(title)
        .bind(year)
        .bind(topics)
        .bind(criteria)
        .bind(budget)
        .bind(if year == 2019 { 5 } else { 1 })
        .bind(format!("{year}-03-01"))
        .bind(format!("{year}-04-30"))
        .bind(status)
        .bind(now.as_millis())
        // The open call's experts have two weeks from today.
        .bind(if year == 2019 {
            "2019-06-30".to_owned()
        } else {
            now.plus_millis(14 * DAY_MS).to_shanghai_date_string()
        })
        .execute(&mut *connection)
        .await?;
        calls.push(id);
    }
    let mut generator = Generator {
        random,
        enterprises,
        ids,
        applications: 0,
    };
    // 2019: 13 AI projects sharing 44 M yuan and 25 others sharing 99 M; 12 not awarded.
    let ai = split(generator.random, 4_400_000_000, 13, 0.8);
    let others = split(generator.random, 9_900_000_000, 25, 0.8);
    let other_topics = ["机器人", "芯片", "新材料", "生物医药"];
    let applicants = generator.applicants(50);
    let mut count = 0;
    for (index, &enterprise) in applicants.iter().enumerate() {
        let (topic, awarded) = if index < 13 {
            ("人工智能", Some(ai[index]))
        } else if index < 38 {
            (other_topics[index % 4], Some(others[index - 13]))
        } else {
            (other_topics[index % 4], None)
        };
        let id = allocate_ids(connection, "st_applications", 1).await?;
        let title = format!(
            "{}{}关键技术研发与产业化",
            enterprises[enterprise]
                .input
                .name
                .as_deref()
                .unwrap_or("")
                .trim_start_matches("中山市")
                .chars()
                .take(4)
                .collect::<String>(),
            topic
        );
        let requested = awarded.map(|a| a * 5 / 4).unwrap_or(300_000_000);
        let score = awarded.map_or(generator.random.between(60_000, 74_000), |_| {
            generator.random.between(75_000, 92_000)
        });
        sqlx::query(
            "INSERT INTO st_applications (id, number, call_id, enterprise_id, topic, title, title_key, summary, requested_fen, status, score_milli, awarded_fen, decided_at, decided_by, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8, $9, $10, $11, $12, 'demo', $12, $12, 1)",
        )
        .bind(id)
        .bind(format!("ST-2019-{:04}", index + 1))
        .bind(calls[0])
        .bind(ids[enterprise])
        .bind(topic)
        .bind(&title)
        .bind(project_key_of(&title))
        .bind(requested)
        .bind(if awarded.is_some() { "awarded" } else { "not_awarded" })
        .bind(score)
        .bind(awarded)
        .bind(date(2019, 7, 15).as_millis())
        .execute(&mut *connection)
        .await?;
        count += 1;
    }
    // Ranks by score, as the ranking would have stored them.
    let ranked: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM st_applications WHERE call_id = $1 ORDER BY score_milli DESC, number",
    )
    .bind(calls[0])
    .fetch_all(&mut *connection)
    .await?;
    for (rank, (id,)) in ranked.iter().enumerate() {
        sqlx::query("UPDATE st_applications SET rank = $1 WHERE id = $2")
            .bind(rank as i64 + 1)
            .bind(id)
            .execute(&mut *connection)
            .await?;
    }
    // 2026: six applications (one the maker's) waiting for the demo expert.
    let expert: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = 'expert'")
        .fetch_optional(&mut *connection)
        .await?;
    if let Some(expert) = expert {
        sqlx::query(
            "INSERT INTO expert_profiles (user_id, affiliation_credit_code, affiliation_name, fields, declared_relations, updated_at) \
             VALUES ($1, NULL, $2, $3, '[]', $4)",
        )
        .bind(expert)
        .bind("电子科技大学中山学院（示例）")
        .bind(topics)
        .bind(now.as_millis())
        .execute(&mut *connection)
        .await?;
    }
    let mut applicants = generator.applicants(6);
    applicants[0] = maker;
    for (index, &enterprise) in applicants.iter().enumerate() {
        let (topic, title) = [
            ("人工智能", "基于机器视觉的小家电外观缺陷检测系统"),
            ("机器人", "五金件柔性打磨机器人力控工艺包"),
            ("芯片", "变频电机驱动专用芯片设计与验证"),
            ("新材料", "高导热复合材料在灯具散热中的应用"),
            ("生物医药", "医用级注塑件洁净生产关键技术"),
            ("人工智能", "面向家电制造的工业大模型应用示范"),
        ][index];
        let title = title.to_owned();
        let requested = generator.random.between(100, 600) * 1_000_000;
        let (objectives, approach, indicators, budget, plan) = demo_proposal(topic, requested);
        let id = allocate_ids(connection, "st_applications", 1).await?;
        sqlx::query(
            "INSERT INTO st_applications (id, number, call_id, enterprise_id, topic, title, title_key, summary, requested_fen, status, created_at, updated_at, version, \
             objectives, approach, indicators, budget, plan) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'under_review', $10, $10, 1, $11, $12, $13, $14, $15)",
        )
        .bind(id)
        .bind(format!("ST-2026-{:04}", index + 1))
        .bind(calls[1])
        .bind(ids[enterprise])
        .bind(topic)
        .bind(&title)
        .bind(project_key_of(&title))
        .bind("面向本地制造企业的关键技术攻关与示范应用（示例）")
        .bind(requested)
        .bind(now.as_millis())
        .bind(objectives)
        .bind(approach)
        .bind(indicators)
        .bind(budget)
        .bind(plan)
        .execute(&mut *connection)
        .await?;
        if let Some(expert) = expert {
            let assignment = allocate_ids(connection, "st_assignments", 1).await?;
            sqlx::query("INSERT INTO st_assignments (id, application_id, expert_user_id, assigned_at) VALUES ($1, $2, $3, $4)")
                .bind(assignment)
                .bind(id)
                .bind(expert)
                .bind(now.as_millis())
                .execute(&mut *connection)
                .await?;
        }
        count += 1;
    }
    Ok(count)
}

fn project_key_of(title: &str) -> String {
    title
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A demo proposal's objectives, approach, indicators, budget (JSON, the city's share being
/// half) and plan (JSON) for a project of `topic` asking for `requested` fen.
fn demo_proposal(topic: &str, requested: i64) -> (String, String, String, String, String) {
    let total = requested * 2;
    let shares = [
        ("设备购置费", 45),
        ("材料费", 15),
        ("测试化验加工费", 10),
        ("人员劳务费", 20),
        ("其他费用", 10),
    ];
    let mut budget: Vec<serde_json::Value> = shares
        .iter()
        .map(|(item, share)| serde_json::json!({"item": item, "amount_fen": total * share / 100}))
        .collect();
    let assigned: i64 = shares.iter().map(|(_, share)| total * share / 100).sum();
    if let Some(last) = budget.last_mut() {
        last["amount_fen"] = serde_json::json!(total * 10 / 100 + total - assigned);
    }
    let plan = serde_json::json!([
        {"title": "完成总体方案设计和关键部件样机", "due_on": "2027-06-30"},
        {"title": "完成中试验证并形成工艺规范", "due_on": "2027-12-31"},
        {"title": "在两家以上本地企业示范应用并通过验收", "due_on": "2028-06-30"},
    ]);
    (
        format!("突破{topic}方向制约本地制造企业的关键技术，形成可复制推广的解决方案（示例）"),
        "产学研联合攻关：需求调研与方案设计、关键技术研发与样机、中试验证、示范应用四个阶段（示例）"
            .to_owned(),
        "申请发明专利 3 项以上；关键指标达到国内先进水平；示范企业生产效率提升 20% 以上（示例）"
            .to_owned(),
        serde_json::Value::Array(budget).to_string(),
        plan.to_string(),
    )
}
