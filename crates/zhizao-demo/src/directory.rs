//! The service-platform directory of the demo: the nine sectors of the city's platform system
//! (the seed names smart manufacturing, shared factories, shared design and testing and
//! certification; the rest follow the platforms it names) and each platform's profile — ten
//! of the twelve are city-level public technology service units, and the two recognitions the
//! seed reports are on the platforms it names. The catalogue holds a few services of each
//! platform, most published, one awaiting the city's check and one draft.

use zhizao_core::Timestamp;
use zhizao_db::allocate_ids;

use crate::Error;

/// (code, name, English name, what it covers)
const SECTORS: &[(&str, &str, &str, &str)] = &[
    (
        "smart-manufacturing",
        "智能制造",
        "Smart manufacturing",
        "诊断评估、一体化解决方案、智能化改造",
    ),
    (
        "shared-factory",
        "共性工厂",
        "Shared factories",
        "共享裁剪、机器人打磨抛光、模具与精密加工",
    ),
    (
        "shared-design",
        "共享设计",
        "Shared design",
        "工业设计、快速打样",
    ),
    (
        "testing-certification",
        "检验检测认证",
        "Testing and certification",
        "产品检测、认证咨询",
    ),
    (
        "industrial-internet",
        "工业互联网",
        "Industrial internet",
        "设备联网、工业软件、数据服务",
    ),
    (
        "artificial-intelligence",
        "人工智能",
        "Artificial intelligence",
        "机器视觉、算法与算力",
    ),
    (
        "tech-finance",
        "科技金融",
        "Technology finance",
        "科技信贷、科技保险",
    ),
    (
        "intellectual-property",
        "知识产权",
        "Intellectual property",
        "专利布局、知识产权运营（示例）",
    ),
    (
        "talent-training",
        "人才培训",
        "Talent and training",
        "技能培训、人才引进（示例）",
    ),
];

/// The sector a demo platform's organisation names, by its Chinese name.
fn sector_code(name: &str) -> Option<&'static str> {
    SECTORS.iter().find(|s| s.1 == name).map(|s| s.0)
}

/// Platforms the city built as its own public technology service units (the introduced
/// platforms are not).
const NOT_CITY_UNITS: &[&str] = &["hengxin", "heizi"];

/// (platform, level, title, year): what the seed reports.
const RECOGNITIONS: &[(&str, &str, &str, i32)] = &[
    (
        "smart-manufacturing",
        "provincial",
        "广东省精密电子和家电产业智能制造公共服务平台",
        2019,
    ),
    (
        "hengxin",
        "provincial",
        "广东省智能制造公共技术支撑平台",
        2019,
    ),
];

/// (platform, title, description, delivery mode, price model, price in fen, lead days,
/// vouchers, status): the demo catalogue; `published` ones ended their notice a month ago.
type DemoService = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<i64>,
    i64,
    bool,
    &'static str,
);

const SERVICES: &[DemoService] = &[
    (
        "smart-manufacturing",
        "智能制造诊断评估",
        "按智能制造能力成熟度模型上门诊断，给出差距与改造路线",
        "on_site",
        "free",
        None,
        10,
        false,
        "published",
    ),
    (
        "smart-manufacturing",
        "智能制造一体化解决方案",
        "产线自动化、MES 与设备联网的一体化方案设计",
        "on_site",
        "quote",
        None,
        30,
        true,
        "published",
    ),
    (
        "smart-manufacturing",
        "智能制造技术人员培训",
        "线下实训与线上课程，结业颁发证书",
        "at_platform",
        "free",
        None,
        5,
        false,
        "published",
    ),
    (
        "smart-product",
        "智能产品联网接入",
        "应用容器与设备接入，产品数据汇聚到平台",
        "online",
        "fixed",
        Some(300_000),
        15,
        true,
        "published",
    ),
    (
        "smart-cutting",
        "智能裁剪来料加工",
        "自动铺布、裁剪、打包贴标，排料优化省料",
        "at_platform",
        "quote",
        None,
        3,
        true,
        "published",
    ),
    (
        "smart-cutting",
        "排料优化服务",
        "上传纸样，自动排料并给出裁剪方案与用料",
        "online",
        "fixed",
        Some(20_000),
        1,
        true,
        "draft",
    ),
    (
        "robot-polishing",
        "机器人打磨抛光来料加工",
        "卫浴龙头、五金门把手等打磨抛光，按件计价",
        "at_platform",
        "quote",
        None,
        7,
        true,
        "published",
    ),
    (
        "robot-polishing",
        "打磨工艺开发与试样",
        "新品打磨抛光工艺开发、机器人轨迹编程与试样",
        "at_platform",
        "fixed",
        Some(800_000),
        14,
        true,
        "submitted",
    ),
    (
        "hengxin",
        "智能工厂装备集成",
        "自动化产线与智能装备集成应用",
        "on_site",
        "quote",
        None,
        60,
        true,
        "published",
    ),
    (
        "heizi",
        "工业软件数字化改造",
        "ERP、MES 选型实施与数据治理",
        "on_site",
        "quote",
        None,
        45,
        true,
        "published",
    ),
    (
        "hit-robotics",
        "机器人应用方案",
        "工业机器人选型、集成与应用验证",
        "on_site",
        "quote",
        None,
        30,
        true,
        "published",
    ),
    (
        "shared-design",
        "工业设计与快速打样",
        "外观与结构设计、3D 打印快速打样",
        "at_platform",
        "fixed",
        Some(500_000),
        10,
        true,
        "published",
    ),
    (
        "testing-certification",
        "产品检测",
        "电气安全、能效与可靠性检测，出具报告",
        "at_platform",
        "fixed",
        Some(150_000),
        7,
        true,
        "published",
    ),
    (
        "testing-certification",
        "认证咨询",
        "CCC、CE 等认证咨询与辅导",
        "online",
        "free",
        None,
        5,
        false,
        "published",
    ),
    (
        "common-factory",
        "共享模具与精密加工",
        "模具共享、精密加工与表面处理",
        "at_platform",
        "quote",
        None,
        15,
        true,
        "published",
    ),
    (
        "ai-service",
        "机器视觉检测方案",
        "缺陷检测算法训练与部署，算力租用",
        "online",
        "quote",
        None,
        20,
        true,
        "published",
    ),
    (
        "tech-finance",
        "科技信贷对接",
        "科技信贷、科技保险产品对接",
        "online",
        "free",
        None,
        10,
        false,
        "published",
    ),
];

/// Writes the demo catalogue: services of the platforms, most published, one awaiting the
/// city's check and one draft.
async fn load_services(connection: &mut sqlx::AnyConnection, now: Timestamp) -> Result<(), Error> {
    const DAY: i64 = 86_400_000;
    let year = &now.to_shanghai_date_string()[..4];
    for (index, (platform, title, description, mode, model, price, lead, vouchers, status)) in
        SERVICES.iter().enumerate()
    {
        let (platform_id, sector): (i64, Option<String>) = sqlx::query_as(
            "SELECT o.id, p.sector_code FROM organizations o \
             LEFT JOIN service_platform_profiles p ON p.organization_id = o.id WHERE o.code = $1",
        )
        .bind(*platform)
        .fetch_one(&mut *connection)
        .await?;
        let id = allocate_ids(&mut *connection, "service_offerings", 1).await?;
        let number = allocate_ids(&mut *connection, "service_numbers", 1).await?;
        // Published services have been in the catalogue for years (the requests go back
        // four); the others are being written or checked now.
        let created = if *status == "published" {
            now.as_millis() - (5 * 365 + index as i64) * DAY
        } else {
            now.as_millis() - (60 + index as i64) * DAY
        };
        let (stored, submitted, checked, notice_ends) = match *status {
            "published" => (
                "notice",
                Some(created + DAY),
                Some(created + 3 * DAY),
                Some(created + 8 * DAY),
            ),
            "submitted" => ("submitted", Some(now.as_millis() - DAY), None, None),
            _ => ("draft", None, None, None),
        };
        sqlx::query(
            "INSERT INTO service_offerings (id, platform_id, number, version, status, title, sector_code, description, \
             delivery_mode, price_model, price_fen, lead_days, vouchers, created_at, created_by, submitted_at, \
             checked_at, checked_by, notice_ends_at, updated_at) \
             VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'demo', $14, $15, $16, $17, $13)",
        )
        .bind(id)
        .bind(platform_id)
        .bind(format!("SV{year}-{number:04}"))
        .bind(stored)
        .bind(*title)
        .bind(sector)
        .bind(*description)
        .bind(*mode)
        .bind(*model)
        .bind(*price)
        .bind(*lead)
        .bind(i64::from(*vouchers))
        .bind(created)
        .bind(submitted)
        .bind(checked)
        .bind(checked.map(|_| "demo"))
        .bind(notice_ends)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Writes the sectors and a profile for each of `platforms` (code, sector name, description).
pub(crate) async fn load(
    connection: &mut sqlx::AnyConnection,
    platforms: &[(&str, &str, &str)],
    now: Timestamp,
) -> Result<(), Error> {
    for (position, (code, name, name_en, description)) in SECTORS.iter().enumerate() {
        sqlx::query(
            "INSERT INTO service_sectors (code, name, name_en, description, position, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(*code)
        .bind(*name)
        .bind(*name_en)
        .bind(*description)
        .bind(position as i64 + 1)
        .bind(now.as_millis())
        .execute(&mut *connection)
        .await?;
    }
    for (index, (code, sector, description)) in platforms.iter().enumerate() {
        let id: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE code = $1")
            .bind(*code)
            .fetch_one(&mut *connection)
            .await?;
        let recognitions: Vec<serde_json::Value> = RECOGNITIONS
            .iter()
            .filter(|r| r.0 == *code)
            .map(|r| serde_json::json!({"level": r.1, "title": r.2, "year": r.3}))
            .collect();
        sqlx::query(
            "INSERT INTO service_platform_profiles (organization_id, sector_code, city_unit, operator, summary, \
             recognitions, contact_name, contact_phone, contact_email, website, staff, updated_at, updated_by, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'demo', 1)",
        )
        .bind(id)
        .bind(sector_code(sector))
        .bind(i64::from(!NOT_CITY_UNITS.contains(code)))
        .bind(format!("{}运营公司（示例）", sector))
        .bind(*description)
        .bind(serde_json::Value::Array(recognitions).to_string())
        .bind("服务专员（示例）")
        .bind(format!("0760-8{:03} {:04}", 100 + index, 2000 + index * 37))
        .bind(format!("service@{code}.example.cn"))
        .bind(format!("https://{code}.example.cn"))
        .bind(12 + (index as i64 * 7) % 40)
        .bind(now.as_millis())
        .execute(&mut *connection)
        .await?;
    }
    load_services(connection, now).await
}
