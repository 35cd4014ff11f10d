//! The service-platform directory of the demo: the nine sectors of the city's platform system
//! (the seed names smart manufacturing, shared factories, shared design and testing and
//! certification; the rest follow the platforms it names) and each platform's profile — ten
//! of the twelve are city-level public technology service units, and the two recognitions the
//! seed reports are on the platforms it names.

use zhizao_core::Timestamp;

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
    Ok(())
}
