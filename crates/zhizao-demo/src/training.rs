//! The demo's training: courses of the smart-manufacturing platform and the two shared
//! factories, three years of learners — about 1,850 people online and 480 technicians in the
//! room, as the seed reports — with their certificates, the demo maker's user half-way through a
//! course and holding a certificate from last year, and a hands-on session starting within the
//! hour whose sign-in screen works live.

use sqlx::AnyConnection;
use zhizao_core::Timestamp;
use zhizao_identity::Actor;
use zhizao_training::history::{Learner, Record, record_course, record_learner, record_session};
use zhizao_training::{CourseInput, LessonInput, LessonKind, SessionInput};

use crate::Error;
use crate::random::SplitMix64;

/// A seed of its own, so training changes nothing else in the demo.
const SEED: u64 = 0x7141_2026;
const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
/// People who learned online only over the three years; with the trainees of the blended
/// courses (who do their lessons online too) about 1,850 people learned online (the seed: 1,800+).
const ONLINE_LEARNERS: usize = 1_480;
/// Technicians trained in the room (the seed: about 480).
const OFFLINE_TRAINEES: usize = 480;

/// (provider, title, field, hours, offline sessions required, summary, lessons (title, minutes))
type Template = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    i64,
    &'static str,
    &'static [(&'static str, i64)],
);

const COURSES: &[Template] = &[
    (
        "smart-manufacturing",
        "智能制造基础与成熟度自评估",
        "智能制造",
        8,
        0,
        "智能制造能力成熟度模型（GB/T 39116）的五个等级和二十个能力子域，如何做自评估、读懂报告、按差距选方案。",
        &[
            ("什么是智能制造", 20),
            ("成熟度模型的结构", 30),
            ("自评估怎么做", 30),
            ("从差距到方案", 25),
        ],
    ),
    (
        "smart-manufacturing",
        "设备联网与数据采集实务",
        "工业互联网",
        12,
        0,
        "设备通信协议、采集网关、MQTT 接入平台，数据质量和保存，车间看板和 OEE 计算。",
        &[
            ("设备通信协议概览", 30),
            ("网关与现场接线", 40),
            ("接入平台与设备令牌", 30),
            ("用数据算 OEE", 35),
        ],
    ),
    (
        "smart-manufacturing",
        "精益生产与 MES 应用",
        "精益生产",
        16,
        1,
        "价值流、标准作业与现场改善，MES 的工单、报工和追溯；线上学习后到示范车间现场教学一次。",
        &[
            ("价值流分析", 40),
            ("标准作业与现场改善", 40),
            ("MES 工单与报工", 35),
        ],
    ),
    (
        "robot-polishing",
        "工业机器人打磨编程与操作",
        "工业机器人",
        32,
        2,
        "示教器编程、打磨轨迹规划、力控与换砂，安全规范；两次实操课在共享打磨中心进行。",
        &[
            ("机器人安全规范", 20),
            ("示教器基础", 40),
            ("打磨轨迹与力控", 45),
        ],
    ),
    (
        "smart-cutting",
        "服装 CAD 排料与自动裁床操作",
        "服装智能制造",
        24,
        2,
        "纸样导入、排料与利用率、铺布方案，自动裁床操作与保养；两次实操课在共享裁剪中心进行。",
        &[
            ("纸样与 DXF 交换格式", 30),
            ("排料与面料利用率", 40),
            ("铺布与裁床安全", 30),
        ],
    ),
    (
        "smart-manufacturing",
        "数控机床操作与维护",
        "数控加工",
        24,
        2,
        "数控系统操作、刀具与夹具、日常点检和常见故障处理，线下实操为主。",
        &[],
    ),
];

/// Where each provider teaches.
fn place(provider: &str) -> &'static str {
    match provider {
        "robot-polishing" => "东凤镇共享打磨中心实训室",
        "smart-cutting" => "沙溪镇共享裁剪中心培训教室",
        _ => "火炬开发区智能制造公共服务平台培训室",
    }
}

fn trainer(provider: &str) -> &'static str {
    match provider {
        "robot-polishing" => "林工",
        "smart-cutting" => "吴工",
        _ => "王工",
    }
}

const SURNAMES: &[&str] = &[
    "陈", "李", "黄", "梁", "何", "吴", "林", "张", "刘", "罗", "郑", "冯", "谢", "苏",
];
const GIVEN: &[&str] = &[
    "志强", "伟", "丽", "海燕", "建华", "晓东", "敏", "俊杰", "小红", "国栋", "嘉欣", "文斌",
    "少华", "婷",
];

fn name(random: &mut SplitMix64) -> String {
    format!("{}{}", random.pick(SURNAMES), random.pick(GIVEN))
}

/// Records the demo's training; returns (courses, enrolments).
pub(crate) async fn load(
    connection: &mut AnyConnection,
    now: Timestamp,
    maker_id: Option<i64>,
) -> Result<(usize, usize), Error> {
    let mut random = SplitMix64::new(SEED);
    let enterprises: Vec<i64> = sqlx::query_scalar("SELECT id FROM enterprises ORDER BY id")
        .fetch_all(&mut *connection)
        .await?;
    let maker_user: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE username = 'maker'")
            .fetch_optional(&mut *connection)
            .await?;
    let three_years_ago = now.plus_millis(-3 * 365 * DAY_MS);
    let mut courses = Vec::new();
    for (provider, title, field, hours, sessions, summary, lessons) in COURSES {
        let provider_id: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE code = $1")
            .bind(*provider)
            .fetch_one(&mut *connection)
            .await?;
        let actor = Actor::system(provider);
        let input = CourseInput {
            title: (*title).into(),
            summary: (*summary).into(),
            field: (*field).into(),
            hours: *hours,
            required_sessions: *sessions,
        };
        let lessons: Vec<LessonInput> = lessons
            .iter()
            .map(|(title, minutes)| LessonInput {
                title: (*title).into(),
                kind: LessonKind::Text,
                body: format!("{title}：本课时讲义。\n\n要点一：……\n要点二：……\n要点三：……\n\n课后思考：结合本企业情况，列出可以马上改进的一项。"),
                minutes: *minutes,
                required: true,
            })
            .collect();
        let (id, lesson_ids) = record_course(
            connection,
            &actor,
            provider_id,
            &input,
            &lessons,
            three_years_ago,
        )
        .await
        .map_err(Error::Training)?;
        courses.push((id, *provider, *sessions, lesson_ids, actor));
    }
    let mut enrolments = 0;
    // Online: people spread over the courses with lessons, most finishing them.
    let online: Vec<&(i64, &str, i64, Vec<i64>, Actor)> =
        courses.iter().filter(|c| !c.3.is_empty()).collect();
    for person in 0..ONLINE_LEARNERS {
        let (course, _, _, lessons, actor) = online[person % online.len()];
        let enrolled_at = three_years_ago.plus_millis(random.between(30, 3 * 365 - 10) * DAY_MS);
        let finished = if random.unit() < 0.72 {
            lessons.len()
        } else {
            1 + random.below(lessons.len() as u64) as usize
        };
        let record = Record {
            enrolled_at,
            lessons: lessons
                .iter()
                .take(finished)
                .enumerate()
                .map(|(i, l)| (*l, enrolled_at.plus_millis((i as i64 + 1) * 2 * DAY_MS)))
                .collect(),
            sessions: Vec::new(),
        };
        let phone = format!("138{:08}", 10_000_000 + person);
        let learner = Learner {
            name: &name(&mut random),
            phone: Some(&phone),
            user_id: None,
            enterprise_id: Some(*random.pick(&enterprises)),
        };
        record_learner(connection, actor, *course, learner, &record)
            .await
            .map_err(Error::Training)?;
        enrolments += 1;
    }
    // In the room: sessions of thirty over the years, each trainee at the sessions their course
    // asks for (a few missing one), online lessons done where the course has them.
    let offline: Vec<&(i64, &str, i64, Vec<i64>, Actor)> =
        courses.iter().filter(|c| c.2 > 0).collect();
    let per_session = 30;
    let mut trainee = 0;
    let mut cohort = 0;
    while trainee < OFFLINE_TRAINEES {
        let (course, provider, required, lessons, actor) = offline[cohort % offline.len()];
        // 09:00 Beijing time (01:00 UTC) on the cohort's first day.
        let midnight =
            (three_years_ago.as_millis() + 8 * HOUR_MS).div_euclid(DAY_MS) * DAY_MS - 8 * HOUR_MS;
        let day = Timestamp::from_millis(midnight)
            .plus_millis((60 + cohort as i64 * 60) * DAY_MS + 9 * HOUR_MS);
        let mut session_ids = Vec::new();
        for n in 0..*required {
            let starts_at = day.plus_millis(n * 7 * DAY_MS);
            let input = SessionInput {
                title: format!("第 {} 期第 {} 次实操课", cohort + 1, n + 1),
                place: place(provider).into(),
                starts_at,
                ends_at: starts_at.plus_millis(3 * HOUR_MS),
                capacity: 30,
                trainer: trainer(provider).into(),
            };
            session_ids.push((
                record_session(connection, actor, *course, &input, starts_at)
                    .await
                    .map_err(Error::Training)?,
                starts_at,
            ));
        }
        for _ in 0..per_session.min(OFFLINE_TRAINEES - trainee) {
            let enrolled_at = day.plus_millis(-10 * DAY_MS);
            let record = Record {
                enrolled_at,
                lessons: lessons
                    .iter()
                    .map(|l| (*l, enrolled_at.plus_millis(3 * DAY_MS)))
                    .collect(),
                sessions: session_ids
                    .iter()
                    .enumerate()
                    .map(|(n, (id, starts))| {
                        // Everyone comes to the first session; a few miss a later one.
                        let came = n == 0 || random.unit() < 0.94;
                        (
                            *id,
                            came.then(|| starts.plus_millis(random.between(-20, 10) * 60_000)),
                        )
                    })
                    .collect(),
            };
            let phone = format!("139{:08}", 10_000_000 + trainee);
            let learner = Learner {
                name: &name(&mut random),
                phone: Some(&phone),
                user_id: None,
                enterprise_id: Some(*random.pick(&enterprises)),
            };
            record_learner(connection, actor, *course, learner, &record)
                .await
                .map_err(Error::Training)?;
            enrolments += 1;
            trainee += 1;
        }
        cohort += 1;
    }
    // The demo maker's user: a certificate from last year, a course half done, and a seat at the
    // hands-on session that starts within the hour.
    if let (Some(user), Some(maker)) = (maker_user, maker_id) {
        let learner = Learner {
            name: "黄某某",
            phone: None,
            user_id: Some(user),
            enterprise_id: Some(maker),
        };
        let (course, _, _, lessons, actor) = &courses[0];
        let enrolled_at = now.plus_millis(-400 * DAY_MS);
        let record = Record {
            enrolled_at,
            lessons: lessons
                .iter()
                .map(|l| (*l, enrolled_at.plus_millis(5 * DAY_MS)))
                .collect(),
            sessions: Vec::new(),
        };
        record_learner(connection, actor, *course, learner, &record)
            .await
            .map_err(Error::Training)?;
        let (course, _, _, lessons, actor) = &courses[1];
        let enrolled_at = now.plus_millis(-6 * DAY_MS);
        let record = Record {
            enrolled_at,
            lessons: lessons
                .iter()
                .take(2)
                .map(|l| (*l, enrolled_at.plus_millis(DAY_MS)))
                .collect(),
            sessions: Vec::new(),
        };
        record_learner(connection, actor, *course, learner, &record)
            .await
            .map_err(Error::Training)?;
        enrolments += 2;
    }
    // A session starting 20 minutes from now: its sign-in is open on the demo.
    let (course, provider, _, lessons, actor) = &courses[3];
    let starts_at = now.plus_millis(20 * 60_000);
    let input = SessionInput {
        title: format!("第 {} 期第 1 次实操课", cohort + 1),
        place: place(provider).into(),
        starts_at,
        ends_at: starts_at.plus_millis(3 * HOUR_MS),
        capacity: 30,
        trainer: trainer(provider).into(),
    };
    let upcoming = record_session(connection, actor, *course, &input, now)
        .await
        .map_err(Error::Training)?;
    for seat in 0..12 {
        let phone = format!("137{:08}", 10_000_000 + seat);
        let enrolled_at = now.plus_millis(-5 * DAY_MS);
        let record = Record {
            enrolled_at,
            lessons: lessons
                .iter()
                .map(|l| (*l, enrolled_at.plus_millis(DAY_MS)))
                .collect(),
            sessions: vec![(upcoming, None)],
        };
        let learner = Learner {
            name: &name(&mut random),
            phone: Some(&phone),
            user_id: None,
            enterprise_id: Some(*random.pick(&enterprises)),
        };
        record_learner(connection, actor, *course, learner, &record)
            .await
            .map_err(Error::Training)?;
        enrolments += 1;
    }
    Ok((courses.len(), enrolments))
}
