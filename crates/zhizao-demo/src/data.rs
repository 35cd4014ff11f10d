//! The demo data set's contents.

use std::collections::HashSet;

use zhizao_core::{CreditCode, Fen, Timestamp};
use zhizao_registry::{EnterpriseInput, RecognitionInput};

use crate::random::SplitMix64;
use crate::{DemoEnterprise, now_year, recognition};

/// An industry cluster: the classes it covers and the words its company names use.
pub(crate) struct Cluster {
    pub(crate) name: &'static str,
    classes: &'static [&'static str],
    words: &'static [&'static str],
}

const APPLIANCES: Cluster = Cluster {
    name: "appliances",
    classes: &[
        "3851", "3852", "3853", "3854", "3855", "3856", "3857", "3859", "3861",
    ],
    words: &["电器", "家电", "厨卫电器", "小家电", "电器制造"],
};
const LIGHTING: Cluster = Cluster {
    name: "lighting",
    classes: &["3871", "3872", "3873", "3874", "3879"],
    words: &["灯饰", "照明", "光电", "灯饰照明"],
};
const HARDWARE: Cluster = Cluster {
    name: "hardware",
    classes: &[
        "3311", "3321", "3322", "3324", "3351", "3352", "3353", "3360", "3381", "3382", "3399",
    ],
    words: &["五金", "金属制品", "五金制品", "锁业"],
};
const GARMENTS: Cluster = Cluster {
    name: "garments",
    classes: &[
        "1811", "1819", "1821", "1829", "1830", "1713", "1752", "1761", "1951",
    ],
    words: &["服装", "制衣", "服饰", "纺织"],
};
const FURNITURE: Cluster = Cluster {
    name: "furniture",
    classes: &["2110", "2130", "2190"],
    words: &["家具", "红木家具", "家居"],
};
const ELECTRONICS: Cluster = Cluster {
    name: "electronics",
    classes: &[
        "3922", "3972", "3976", "3981", "3982", "3989", "3961", "3963", "3964",
    ],
    words: &["电子", "电子科技", "智能科技", "微电子"],
};
const PHARMA: Cluster = Cluster {
    name: "pharma",
    classes: &["2710", "2720", "2740"],
    words: &["药业", "制药", "生物医药"],
};
const FOOD: Cluster = Cluster {
    name: "food",
    classes: &["1411", "1353", "1462"],
    words: &["食品", "腊味", "调味食品"],
};
const PACKAGING: Cluster = Cluster {
    name: "packaging",
    classes: &["2231", "2319"],
    words: &["包装", "印刷", "包装印刷"],
};
const PLASTICS: Cluster = Cluster {
    name: "plastics",
    classes: &["2927", "2929"],
    words: &["塑料制品", "塑胶", "塑料"],
};
const MACHINERY: Cluster = Cluster {
    name: "machinery",
    classes: &["3484", "3491", "3492", "3525", "3599", "4021"],
    words: &["机械", "模具", "自动化设备", "智能装备"],
};
const ELECTRICAL: Cluster = Cluster {
    name: "electrical",
    classes: &["3831", "3841"],
    words: &["电缆", "新能源", "电工"],
};

/// A town's code, its share of the enterprises, and its industry mix (cluster, weight).
type TownProfile = (&'static str, u32, &'static [(&'static Cluster, u32)]);

/// Each current town's share of the enterprises and its industry mix.
const TOWN_PROFILES: &[TownProfile] = &[
    (
        "442000001",
        40,
        &[
            (&ELECTRONICS, 2),
            (&PACKAGING, 2),
            (&GARMENTS, 1),
            (&FOOD, 1),
        ],
    ),
    (
        "442000002",
        30,
        &[(&ELECTRONICS, 3), (&PHARMA, 1), (&MACHINERY, 1)],
    ),
    (
        "442000003",
        140,
        &[
            (&ELECTRONICS, 5),
            (&PHARMA, 3),
            (&MACHINERY, 3),
            (&ELECTRICAL, 2),
            (&PACKAGING, 1),
        ],
    ),
    (
        "442000004",
        40,
        &[
            (&MACHINERY, 2),
            (&PLASTICS, 2),
            (&ELECTRONICS, 2),
            (&HARDWARE, 1),
        ],
    ),
    (
        "442000005",
        30,
        &[(&MACHINERY, 2), (&HARDWARE, 1), (&PLASTICS, 1)],
    ),
    (
        "442000006",
        15,
        &[(&MACHINERY, 1), (&HARDWARE, 1), (&FOOD, 1)],
    ),
    (
        "442000007",
        40,
        &[(&MACHINERY, 1), (&PLASTICS, 1), (&FOOD, 1), (&FURNITURE, 1)],
    ),
    (
        "442000008",
        40,
        &[
            (&FOOD, 1),
            (&MACHINERY, 1),
            (&ELECTRONICS, 1),
            (&PACKAGING, 1),
        ],
    ),
    (
        "442000101",
        70,
        &[
            (&FOOD, 4),
            (&APPLIANCES, 2),
            (&PACKAGING, 2),
            (&HARDWARE, 1),
        ],
    ),
    (
        "442000103",
        110,
        &[
            (&APPLIANCES, 6),
            (&HARDWARE, 2),
            (&PLASTICS, 1),
            (&ELECTRICAL, 1),
        ],
    ),
    (
        "442000105",
        170,
        &[(&LIGHTING, 10), (&ELECTRONICS, 1), (&HARDWARE, 1)],
    ),
    ("442000106", 90, &[(&GARMENTS, 8), (&FOOD, 1)]),
    (
        "442000107",
        60,
        &[
            (&MACHINERY, 2),
            (&ELECTRONICS, 2),
            (&PLASTICS, 1),
            (&FOOD, 1),
        ],
    ),
    (
        "442000108",
        50,
        &[
            (&MACHINERY, 2),
            (&FURNITURE, 1),
            (&PLASTICS, 1),
            (&HARDWARE, 1),
        ],
    ),
    (
        "442000109",
        50,
        &[(&ELECTRONICS, 2), (&GARMENTS, 2), (&MACHINERY, 1)],
    ),
    (
        "442000110",
        80,
        &[(&LIGHTING, 6), (&HARDWARE, 1), (&GARMENTS, 1)],
    ),
    (
        "442000111",
        130,
        &[(&APPLIANCES, 10), (&HARDWARE, 1), (&PLASTICS, 1)],
    ),
    (
        "442000112",
        45,
        &[
            (&HARDWARE, 2),
            (&PLASTICS, 2),
            (&MACHINERY, 1),
            (&ELECTRICAL, 1),
        ],
    ),
    (
        "442000114",
        60,
        &[
            (&FURNITURE, 2),
            (&ELECTRONICS, 2),
            (&FOOD, 1),
            (&GARMENTS, 1),
        ],
    ),
    (
        "442000115",
        40,
        &[(&MACHINERY, 2), (&GARMENTS, 1), (&HARDWARE, 1)],
    ),
    ("442000116", 60, &[(&FURNITURE, 5), (&GARMENTS, 3)]),
    ("442000117", 20, &[(&FOOD, 2), (&MACHINERY, 1)]),
    (
        "442000118",
        200,
        &[
            (&HARDWARE, 8),
            (&LIGHTING, 2),
            (&APPLIANCES, 1),
            (&ELECTRONICS, 1),
            (&MACHINERY, 2),
            (&FURNITURE, 1),
        ],
    ),
];

/// Enterprises in the demo data set.
pub(crate) const ENTERPRISE_COUNT: u32 = 1_500;

/// The cutting centre's clients: the seed's "500+ client enterprises".
pub(crate) const CUTTING_CLIENTS: usize = 520;

/// The recognition counts the seed reports (kind, level, count).
pub(crate) const RECOGNITION_COUNTS: &[(&str, &str, u32)] = &[
    ("demonstration_project", "national", 2),
    ("demonstration_project", "provincial", 19),
    ("demonstration_project", "city", 44),
    ("technology_center", "national", 4),
    ("technology_center", "provincial", 102),
    ("technology_center", "city", 323),
    ("design_center", "national", 1),
    ("design_center", "provincial", 12),
    ("laboratory", "national", 1),
    ("laboratory", "provincial", 6),
];

const SURNAMES: &[&str] = &[
    "梁", "黄", "李", "陈", "何", "林", "吴", "郭", "冯", "刘", "杨", "张", "余", "郑", "罗", "周",
    "苏", "谭", "麦", "卢",
];
const BRAND_FIRST: &[&str] = &[
    "恒", "华", "美", "裕", "鸿", "嘉", "盛", "宏", "信", "达", "丰", "泰", "力", "宝", "新", "科",
    "创", "捷", "锐", "联", "顺", "德", "昌", "冠", "誉", "骏", "中", "海", "瑞", "智",
];
const BRAND_SECOND: &[&str] = &[
    "鑫", "源", "通", "发", "隆", "兴", "邦", "威", "迪", "诺", "森", "晟", "辉", "科", "美", "乐",
    "凯", "豪", "胜", "亿", "星", "朗", "尚", "程", "达", "信", "宇", "峰", "菱", "阳",
];
const ROADS: &[&str] = &[
    "兴业路",
    "工业大道",
    "创业路",
    "科技路",
    "民营路",
    "沿江路",
    "富华道",
    "环镇路",
    "新兴路",
    "振兴路",
    "工业园路",
    "东成路",
];

/// A platform of the demo set and which enterprises are its clients.
pub(crate) struct Platform {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) sector: &'static str,
    pub(crate) description: &'static str,
    pub(crate) serves: fn(&DemoEnterprise, &mut SplitMix64) -> bool,
}

fn in_cluster(enterprise: &DemoEnterprise, clusters: &[&str]) -> bool {
    clusters.contains(&enterprise.cluster)
}

/// The twelve service platforms the seed names or implies.
pub(crate) const PLATFORMS: &[Platform] = &[
    Platform {
        code: "smart-manufacturing",
        name: "智能制造公共服务平台",
        sector: "智能制造",
        description: "广东省精密电子和家电产业智能制造公共服务平台：诊断评估、一体化解决方案、培训",
        serves: |_, r| r.unit() < 0.4,
    },
    Platform {
        code: "smart-product",
        name: "智能产品公共服务平台",
        sector: "智能制造",
        description: "应用容器、智能产品联网、产品与设备数据汇聚",
        serves: |e, r| in_cluster(e, &["appliances", "lighting"]) && r.unit() < 0.16,
    },
    Platform {
        code: "smart-cutting",
        name: "智能裁剪快速加工公共服务平台",
        sector: "共性工厂",
        description: "6 个分中心、10 条裁剪流水线、20 条铺布流水线",
        serves: |e, r| {
            in_cluster(e, &["garments"]) || (in_cluster(e, &["furniture"]) && r.unit() < 0.3)
        },
    },
    Platform {
        code: "robot-polishing",
        name: "智能·共享机器人打磨抛光公共服务平台",
        sector: "共性工厂",
        description: "7 条自动抛光打磨生产线、72 台六关节工业机器人",
        serves: |e, r| in_cluster(e, &["hardware"]) && r.unit() < 0.3,
    },
    Platform {
        code: "hengxin",
        name: "恒鑫智能装备服务平台（示例）",
        sector: "智能制造",
        description: "智能工厂装备集成应用",
        serves: |e, r| in_cluster(e, &["machinery", "appliances"]) && r.unit() < 0.05,
    },
    Platform {
        code: "heizi",
        name: "黑子信息科技服务平台（示例）",
        sector: "工业互联网",
        description: "工业软件与数字化改造",
        serves: |_, r| r.unit() < 0.03,
    },
    Platform {
        code: "hit-robotics",
        name: "哈工大机器人创新服务平台（示例）",
        sector: "智能制造",
        description: "无人装备与人工智能创新中心",
        serves: |e, r| in_cluster(e, &["machinery", "hardware"]) && r.unit() < 0.08,
    },
    Platform {
        code: "shared-design",
        name: "共享设计服务平台",
        sector: "共享设计",
        description: "工业设计与快速打样",
        serves: |e, r| in_cluster(e, &["furniture", "lighting", "appliances"]) && r.unit() < 0.08,
    },
    Platform {
        code: "testing-certification",
        name: "检验检测认证服务平台",
        sector: "检验检测认证",
        description: "产品检测、认证咨询",
        serves: |_, r| r.unit() < 0.1,
    },
    Platform {
        code: "common-factory",
        name: "共性工厂服务平台",
        sector: "共性工厂",
        description: "共享模具、精密加工、表面处理",
        serves: |e, r| in_cluster(e, &["hardware", "plastics"]) && r.unit() < 0.1,
    },
    Platform {
        code: "ai-service",
        name: "人工智能技术服务平台",
        sector: "人工智能",
        description: "机器视觉、算法与算力服务",
        serves: |e, r| in_cluster(e, &["electronics"]) && r.unit() < 0.1,
    },
    Platform {
        code: "tech-finance",
        name: "科技金融服务平台",
        sector: "科技金融",
        description: "科技信贷、科技保险",
        serves: |_, r| r.unit() < 0.05,
    },
];

/// Expert panels.
pub(crate) const EXPERT_PANELS: &[(&str, &str)] = &[
    ("expert-panel-ai", "人工智能专家组"),
    ("expert-panel-manufacturing", "智能制造专家组"),
];

/// Marks the demo user who belongs to the first appliance maker in Nantou.
pub(crate) const DEMO_ENTERPRISE: &str = "<demo enterprise>";

/// A demo login.
pub(crate) struct DemoUser {
    pub(crate) username: &'static str,
    pub(crate) display_name: &'static str,
    pub(crate) role: &'static str,
    pub(crate) organization: &'static str,
    pub(crate) description: &'static str,
}

/// The demo logins, one per role and a few tenants to compare.
pub(crate) const USERS: &[DemoUser] = &[
    DemoUser {
        username: "admin",
        display_name: "系统管理员",
        role: "city_admin",
        organization: "city",
        description: "city administrator: everything, organisations, users, audit log",
    },
    DemoUser {
        username: "city.staff",
        display_name: "陈某某（市科技局）",
        role: "city_staff",
        organization: "city",
        description: "city staff: the whole registry",
    },
    DemoUser {
        username: "xiaolan",
        display_name: "梁某某（小榄镇）",
        role: "town_staff",
        organization: "442000118",
        description: "Xiaolan town office: Xiaolan's enterprises only",
    },
    DemoUser {
        username: "nantou",
        display_name: "何某某（南头镇）",
        role: "town_staff",
        organization: "442000111",
        description: "Nantou town office: Nantou's enterprises only",
    },
    DemoUser {
        username: "polishing",
        display_name: "林某某（打磨抛光平台）",
        role: "platform_staff",
        organization: "robot-polishing",
        description: "robot polishing platform: its client enterprises only",
    },
    DemoUser {
        username: "cutting",
        display_name: "吴某某（智能裁剪平台）",
        role: "platform_staff",
        organization: "smart-cutting",
        description: "smart cutting platform: its client enterprises only",
    },
    DemoUser {
        username: "smart",
        display_name: "王某某（智能制造平台）",
        role: "platform_staff",
        organization: "smart-manufacturing",
        description: "smart-manufacturing platform: solutions, training, its clients' assessments",
    },
    DemoUser {
        username: "maker",
        display_name: "黄某某（企业）",
        role: "enterprise_user",
        organization: DEMO_ENTERPRISE,
        description: "an appliance maker in Nantou: its own record only",
    },
    DemoUser {
        username: "expert",
        display_name: "郭某某（专家）",
        role: "expert",
        organization: "expert-panel-ai",
        description: "expert: no registry access",
    },
];

/// Generates the enterprises, deterministically.
pub(crate) fn enterprises(random: &mut SplitMix64, now: Timestamp) -> Vec<DemoEnterprise> {
    let total_weight: u32 = TOWN_PROFILES.iter().map(|(_, weight, _)| weight).sum();
    // Largest-remainder apportionment, so the counts add up to exactly ENTERPRISE_COUNT.
    let mut counts: Vec<(usize, u32, u32)> = TOWN_PROFILES
        .iter()
        .enumerate()
        .map(|(index, (_, weight, _))| {
            let exact = weight * ENTERPRISE_COUNT;
            (index, exact / total_weight, exact % total_weight)
        })
        .collect();
    let assigned: u32 = counts.iter().map(|c| c.1).sum();
    counts.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    for count in counts
        .iter_mut()
        .take((ENTERPRISE_COUNT - assigned) as usize)
    {
        count.1 += 1;
    }
    counts.sort_by_key(|c| c.0);

    let year = now_year(now);
    let mut names = HashSet::new();
    let mut bodies = HashSet::new();
    let mut result = Vec::with_capacity(ENTERPRISE_COUNT as usize);
    for (index, count, _) in counts {
        let (town, _, mix) = TOWN_PROFILES[index];
        let weights: Vec<u32> = mix.iter().map(|(_, w)| *w).collect();
        for _ in 0..count {
            let cluster = mix[random.weighted(&weights)].0;
            let industry = *random.pick(cluster.classes);
            let code = loop {
                let body = format!("{:08}", random.below(100_000_000));
                if bodies.insert(body.clone()) {
                    break CreditCode::from_parts('9', '1', "442000", &body)
                        .expect("digits are valid parts");
                }
            };
            let name = loop {
                let brand = format!("{}{}", random.pick(BRAND_FIRST), random.pick(BRAND_SECOND));
                let candidate = format!(
                    "中山市{brand}{}有限公司（示例）",
                    random.pick(cluster.words)
                );
                if names.insert(candidate.clone()) {
                    break candidate;
                }
            };
            let size = random.unit();
            let employees = if size < 0.55 {
                random.between(10, 80)
            } else if size < 0.85 {
                random.between(80, 300)
            } else if size < 0.97 {
                random.between(300, 1_500)
            } else {
                random.between(1_500, 8_000)
            };
            let yuan_per_employee = random.between(150_000, 800_000);
            let revenue_fen = employees * yuan_per_employee * 100 + random.between(0, 99);
            let surname = random.pick(SURNAMES);
            let contact_surname = random.pick(SURNAMES);
            let town_name = TOWN_NAMES
                .iter()
                .find(|(code, _)| *code == town)
                .map_or("", |(_, name)| name);
            let serial = result.len() + 1;
            let input = EnterpriseInput {
                credit_code: Some(code.to_string()),
                name: Some(name),
                legal_representative: Some(format!("{surname}某某")),
                town: Some(town.to_owned()),
                industry_code: Some(industry.to_owned()),
                above_designated_size: Some(revenue_fen >= 2_000_000_000),
                employees: Some(Some(employees)),
                annual_revenue_fen: Some(Some(Fen::new(revenue_fen))),
                address: Some(format!(
                    "广东省中山市{town_name}{}{}号",
                    random.pick(ROADS),
                    random.between(1, 188)
                )),
                contact_name: Some(format!(
                    "{contact_surname}{}",
                    if random.unit() < 0.5 {
                        "先生"
                    } else {
                        "女士"
                    }
                )),
                contact_phone: Some(format!("0760-{}", random.between(22_000_000, 89_999_999))),
                contact_email: Some(format!("contact{serial}@example.com")),
                established_on: Some(Some(format!(
                    "{}-{:02}-{:02}",
                    random.between(1985, year - 3),
                    random.between(1, 12),
                    random.between(1, 28)
                ))),
                recognitions: Some(Vec::new()),
            };
            result.push(DemoEnterprise {
                code,
                town: town.to_owned(),
                industry: industry.to_owned(),
                cluster: cluster.name,
                input,
            });
        }
    }
    assign_recognitions(&mut result, random);
    result
}

/// Town names for addresses.
const TOWN_NAMES: &[(&str, &str)] = &[
    ("442000001", "石岐街道"),
    ("442000002", "东区街道"),
    ("442000003", "火炬开发区"),
    ("442000004", "西区街道"),
    ("442000005", "南区街道"),
    ("442000006", "五桂山街道"),
    ("442000007", "民众街道"),
    ("442000008", "南朗街道"),
    ("442000101", "黄圃镇"),
    ("442000103", "东凤镇"),
    ("442000105", "古镇镇"),
    ("442000106", "沙溪镇"),
    ("442000107", "坦洲镇"),
    ("442000108", "港口镇"),
    ("442000109", "三角镇"),
    ("442000110", "横栏镇"),
    ("442000111", "南头镇"),
    ("442000112", "阜沙镇"),
    ("442000114", "三乡镇"),
    ("442000115", "板芙镇"),
    ("442000116", "大涌镇"),
    ("442000117", "神湾镇"),
    ("442000118", "小榄镇"),
];

/// Hands out exactly the seed's recognition counts, to larger enterprises more often: national
/// ones among the largest 5 %, provincial among the largest 25 %, city ones among the largest 60 %.
fn assign_recognitions(enterprises: &mut [DemoEnterprise], random: &mut SplitMix64) {
    let mut by_size: Vec<usize> = (0..enterprises.len()).collect();
    by_size.sort_by_key(|&i| {
        std::cmp::Reverse(
            enterprises[i]
                .input
                .annual_revenue_fen
                .flatten()
                .unwrap_or_default(),
        )
    });
    for &(kind, level, count) in RECOGNITION_COUNTS {
        let pool_share = match level {
            "national" => 0.05,
            "provincial" => 0.25,
            _ => 0.60,
        };
        let pool =
            &by_size[..((enterprises.len() as f64 * pool_share) as usize).max(count as usize * 2)];
        let mut given = 0;
        while given < count {
            let index = *random.pick(pool);
            let recognitions = enterprises[index]
                .input
                .recognitions
                .get_or_insert_with(Vec::new);
            if recognitions
                .iter()
                .any(|r: &RecognitionInput| r.kind == kind && r.level == level)
            {
                continue;
            }
            let year = match level {
                "national" => random.between(2015, 2019),
                "provincial" => random.between(2012, 2019),
                _ => random.between(2010, 2019),
            };
            recognitions.push(recognition(kind, level, year));
            given += 1;
        }
    }
}

/// A company of Xiaolan that asked to join and waits for the town (its code is of a company the
/// demo registry does not hold).
pub(crate) fn signup() -> zhizao_registry::SignupInput {
    zhizao_registry::SignupInput {
        credit_code: CreditCode::from_parts('9', '1', "442000", "7J0N8LT1")
            .map(|code| code.to_string())
            .unwrap_or_default(),
        enterprise_name: "中山市榄新灯饰有限公司".into(),
        legal_representative: "梁晓明".into(),
        town_code: "442000118".into(),
        industry_code: "3872".into(),
        contact_name: "梁晓明".into(),
        phone: "13800138000".into(),
        email: String::new(),
        username: "lanxin.light".into(),
        password: "Lanxin-Light-2026".into(),
    }
}
