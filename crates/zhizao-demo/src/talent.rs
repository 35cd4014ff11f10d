//! The demo's innovation resources, as the seed reports them: 140 talents brought in (95 of them
//! doctorates) at the city's enterprises, the 197 invention patents they filed among the
//! enterprises' other IP, and 42 innovation teams of which 17 (40 %) work in advanced
//! manufacturing and information technology; the demo maker employs two of the talents.

use sqlx::AnyConnection;
use zhizao_core::Timestamp;
use zhizao_identity::Actor;
use zhizao_talent::history::{record_ip, record_talent, record_team};
use zhizao_talent::talents::Degree;
use zhizao_talent::teams::TeamLevel;
use zhizao_talent::{Field, IpInput, IpKind, IpStatus, TalentInput, TeamInput};

use crate::Error;
use crate::random::SplitMix64;

const SEED: u64 = 0x7a1e_2026;
const TALENTS: usize = 140;
const DOCTORATES: usize = 95;
const PATENTS_BY_TALENTS: usize = 197;
const OTHER_IP: usize = 260;
/// (field, teams)
const TEAMS: &[(Field, usize)] = &[
    (Field::AdvancedManufacturing, 11),
    (Field::InformationTechnology, 6),
    (Field::Biomedicine, 9),
    (Field::NewMaterials, 7),
    (Field::NewEnergy, 5),
    (Field::Other, 4),
];

const PROGRAMMES: &[&str] = &[
    "中山市高层次人才引进计划",
    "中山市创新创业团队计划",
    "广东省珠江人才计划",
    "中山市博士后引进资助",
];
const SURNAMES: &[&str] = &[
    "陈", "李", "黄", "梁", "何", "吴", "林", "张", "刘", "罗", "郑", "冯", "谢", "苏", "周", "徐",
];
const GIVEN: &[&str] = &[
    "志远", "明哲", "嘉怡", "子涵", "浩然", "思远", "晓峰", "雨桐", "建新", "立群", "慧敏", "国华",
];
const SUBJECTS: &[&str] = &[
    "伺服控制",
    "视觉检测",
    "恒力打磨",
    "注塑成型",
    "智能照明",
    "电机能效",
    "柔性装配",
    "工业软件",
    "热管理",
    "精密模具",
];
const FIELDS_BY_WEIGHT: &[Field] = &[
    Field::AdvancedManufacturing,
    Field::AdvancedManufacturing,
    Field::AdvancedManufacturing,
    Field::InformationTechnology,
    Field::InformationTechnology,
    Field::NewMaterials,
    Field::NewEnergy,
    Field::Biomedicine,
];

fn date(year: i64, random: &mut SplitMix64) -> String {
    format!(
        "{year}-{:02}-{:02}",
        random.between(1, 12),
        random.between(1, 28)
    )
}

/// Records the demo's talents, teams and IP; returns (talents, teams, IP).
pub(crate) async fn load(
    connection: &mut AnyConnection,
    now: Timestamp,
    maker_id: Option<i64>,
) -> Result<(usize, usize, usize), Error> {
    let mut random = SplitMix64::new(SEED);
    let actor = Actor::system("talent-office");
    let enterprises: Vec<i64> = sqlx::query_scalar("SELECT id FROM enterprises ORDER BY id")
        .fetch_all(&mut *connection)
        .await?;
    let this_year = crate::now_year(now);
    let mut talents = Vec::new();
    for index in 0..TALENTS {
        let employer = match (index, maker_id) {
            (0 | 1, Some(maker)) => maker,
            _ => *random.pick(&enterprises),
        };
        let degree = if index < DOCTORATES {
            Degree::Doctorate
        } else if index % 3 == 0 {
            Degree::Bachelor
        } else {
            Degree::Master
        };
        let year = this_year - random.between(0, 6);
        let input = TalentInput {
            name: format!("{}{}", random.pick(SURNAMES), random.pick(GIVEN)),
            degree,
            field: *random.pick(FIELDS_BY_WEIGHT),
            enterprise: String::new(),
            programme: (*random.pick(PROGRAMMES)).into(),
            year,
        };
        let at = now.plus_millis(-(this_year - year) * 365 * 86_400_000);
        let id = record_talent(connection, &actor, employer, &input, at)
            .await
            .map_err(Error::Talent)?;
        talents.push((id, employer, year));
    }
    let mut serial = 1_000_000;
    let mut ip = 0;
    // Invention patents filed by the talents at their employers, after they came.
    for index in 0..PATENTS_BY_TALENTS {
        let (talent, employer, came) = talents[index % talents.len()];
        let year = (came + random.between(0, 2)).min(this_year);
        serial += random.between(1, 900);
        let Some(number) = zhizao_talent::number::with_check(&format!("{year}1{serial:07}")) else {
            continue;
        };
        let filed_on = date(year, &mut random).min(now.to_shanghai_date_string());
        let granted = year + 2 <= this_year && random.unit() < 0.6;
        let input = IpInput {
            kind: IpKind::InventionPatent,
            number,
            title: format!("一种{}方法及系统", random.pick(SUBJECTS)),
            status: if granted {
                IpStatus::Granted
            } else {
                IpStatus::Filed
            },
            enterprise: String::new(),
            granted_on: granted
                .then(|| date(year + 2, &mut random).min(now.to_shanghai_date_string())),
            filed_on,
            inventors: vec![talent],
        };
        record_ip(connection, &actor, employer, &input, now)
            .await
            .map_err(Error::Talent)?;
        ip += 1;
    }
    // The enterprises' other IP: utility models, designs and invention patents without a talent.
    for _ in 0..OTHER_IP {
        let employer = *random.pick(&enterprises);
        let year = this_year - random.between(0, 8);
        let (kind, digit) = *random.pick(&[
            (IpKind::UtilityModel, 2),
            (IpKind::UtilityModel, 2),
            (IpKind::DesignPatent, 3),
            (IpKind::InventionPatent, 1),
        ]);
        serial += random.between(1, 900);
        let Some(number) = zhizao_talent::number::with_check(&format!("{year}{digit}{serial:07}"))
        else {
            continue;
        };
        let input = IpInput {
            kind,
            number,
            title: format!("一种{}装置", random.pick(SUBJECTS)),
            status: IpStatus::Granted,
            enterprise: String::new(),
            filed_on: date(year, &mut random).min(now.to_shanghai_date_string()),
            granted_on: None,
            inventors: vec![],
        };
        // Granted a year after filing, or still filed when that is in the future.
        let granted_on = date(year + 1, &mut random);
        let input = if granted_on <= now.to_shanghai_date_string() && granted_on >= input.filed_on {
            IpInput {
                granted_on: Some(granted_on),
                ..input
            }
        } else {
            IpInput {
                status: IpStatus::Filed,
                ..input
            }
        };
        record_ip(connection, &actor, employer, &input, now)
            .await
            .map_err(Error::Talent)?;
        ip += 1;
    }
    let mut teams = 0;
    for (field, count) in TEAMS {
        for n in 0..*count {
            let input = TeamInput {
                name: format!("{}创新团队（{}）", random.pick(SUBJECTS), n + 1),
                field: *field,
                level: *random.pick(&[
                    TeamLevel::City,
                    TeamLevel::City,
                    TeamLevel::Provincial,
                    TeamLevel::National,
                ]),
                leader: format!("{}{}", random.pick(SURNAMES), random.pick(GIVEN)),
                members: random.between(5, 40),
                enterprise: String::new(),
                year: this_year - random.between(0, 7),
            };
            let owner = match (teams, maker_id) {
                (0, Some(maker)) => maker,
                _ => *random.pick(&enterprises),
            };
            record_team(connection, &actor, owner, &input, now)
                .await
                .map_err(Error::Talent)?;
            teams += 1;
        }
    }
    Ok((talents.len(), teams, ip))
}
