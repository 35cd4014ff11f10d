//! What the service reads and writes: rule sets, batches, applications and their parts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use zhizao_core::{Fen, Role, Text, Timestamp};

use crate::rules::{Category, ExplanationLine, RuleParameters};
use crate::workflow::{Action, Status, UnknownValue};

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal, [$($variant:ident = $text:literal, $zh:literal, $en:literal;)+]) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $(
                #[doc = $en]
                $variant,
            )+
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name used in the API and the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value as people read it.
            pub fn label(self) -> Text {
                match self {
                    $($name::$variant => Text::new($zh, $en),)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == value)
                    .ok_or_else(|| UnknownValue {
                        what: $what,
                        value: value.to_owned(),
                        expected: $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    })
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownValue;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                value.parse()
            }
        }
    };
}

vocabulary!(
    /// The programme a batch belongs to.
    Programme, "programme", [
        TechUpgrade = "tech_upgrade", "技术改造项目入库", "Technology-upgrade project library intake";
        ProvincialFund = "provincial_fund", "省级促进经济发展专项资金", "Provincial special funds";
        CityFund = "city_fund", "市级技改专项资金", "City technology-upgrade funds";
        PostCompletion = "post_completion", "技术改造事后奖补（普惠性）", "Post-completion subsidies";
    ]
);

vocabulary!(
    /// Where a batch stands.
    BatchStatus, "batch status", [
        Draft = "draft", "未发布", "Draft";
        Published = "published", "已发布", "Published";
        Closed = "closed", "已结束", "Closed";
    ]
);

vocabulary!(
    /// The kind of upgrade a project makes.
    UpgradeType, "upgrade type", [
        SmartProductionLine = "smart_production_line", "智能化生产线", "Smart production line";
        IndustrialRobots = "industrial_robots", "工业机器人应用", "Industrial robots";
        DigitalWorkshop = "digital_workshop", "数字化车间", "Digital workshop";
        SmartFactory = "smart_factory", "智能工厂", "Smart factory";
        EquipmentRenewal = "equipment_renewal", "设备更新改造", "Equipment renewal";
        IndustrialInternet = "industrial_internet", "工业互联网与信息化", "Industrial internet and IT";
        GreenUpgrade = "green_upgrade", "绿色化改造", "Green upgrade";
        Other = "other", "其他", "Other";
    ]
);

impl TryFrom<String> for Status {
    type Error = UnknownValue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl TryFrom<String> for Category {
    type Error = UnknownValue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

/// One version of a subsidy rule set. Versions never change once written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSet {
    /// Row id.
    pub id: i64,
    /// The rule set's code (the same across its versions).
    pub code: String,
    /// 1, 2, …
    pub version: i64,
    /// Its name.
    pub name: String,
    /// The rules.
    pub parameters: RuleParameters,
    /// When this version was written.
    pub created_at: Timestamp,
    /// Who wrote it.
    pub created_by: String,
    /// How many batches use this version.
    pub batches: i64,
    /// How many amounts were computed with this version.
    pub evaluations: i64,
}

/// An intake batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Batch {
    /// Row id.
    pub id: i64,
    /// Its code, e.g. `2026-TU-01`.
    pub code: String,
    /// Its programme.
    #[sqlx(try_from = "String")]
    pub programme: Programme,
    /// The programme year.
    pub year: i64,
    /// Its title.
    pub title: String,
    /// First day applications are accepted (`YYYY-MM-DD`, Asia/Shanghai).
    pub opens_on: String,
    /// Last day applications are accepted.
    pub closes_on: String,
    /// First day a project's period and invoices may fall on (`YYYY-MM-DD`).
    pub projects_from: String,
    /// Last day a project's period and invoices may fall on.
    pub projects_until: String,
    /// Who may apply, as published.
    pub eligibility: String,
    /// The attachments an application must carry, as published (JSON list of names).
    pub required_attachments: String,
    /// The rule set version that computes amounts, if the programme grants money.
    pub rule_set_id: Option<i64>,
    /// That rule set's code.
    pub rule_set_code: Option<String>,
    /// That rule set's version.
    pub rule_set_version: Option<i64>,
    /// Days an application stays on public notice.
    pub notice_days: i64,
    /// Draft, published or closed.
    #[sqlx(try_from = "String")]
    pub status: BatchStatus,
    /// When it was published.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub published_at: Option<Timestamp>,
    /// Created.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub created_at: Timestamp,
    /// Last changed.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub updated_at: Timestamp,
    /// Optimistic-locking version.
    pub version: i64,
    /// Applications in it (not counting drafts).
    pub applications: i64,
}

/// The project window a batch of `programme` in `year` closing on `closes_on` has when none is
/// typed (the migration that added the window gives existing batches the same).
pub fn default_project_window(
    programme: Programme,
    year: i64,
    closes_on: &str,
) -> (String, String) {
    let from = format!("{:04}-01-01", year - 1);
    let until = match programme {
        Programme::PostCompletion => closes_on.to_owned(),
        _ => format!("{:04}-12-31", year + 2),
    };
    (from, until)
}

impl Batch {
    /// The attachment names the batch requires.
    pub fn required_attachment_names(&self) -> Vec<String> {
        serde_json::from_str(&self.required_attachments).unwrap_or_default()
    }
}

/// What a batch is made of when it is opened or changed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BatchInput {
    /// Required on creation: letters, digits and `-`, at most 32.
    pub code: Option<String>,
    /// Required.
    pub programme: Option<String>,
    /// Required: 2000–2100.
    pub year: Option<i64>,
    /// Required.
    pub title: Option<String>,
    /// Required, `YYYY-MM-DD`.
    pub opens_on: Option<String>,
    /// Required, not before `opens_on`.
    pub closes_on: Option<String>,
    /// The first day a project's period and invoices may fall on; by default 1 January of the
    /// year before the programme year.
    pub projects_from: Option<String>,
    /// The last day a project's period and invoices may fall on; by default the closing day
    /// for post-completion subsidies, otherwise 31 December two years after the programme year.
    pub projects_until: Option<String>,
    /// Who may apply.
    pub eligibility: Option<String>,
    /// Attachment names an application must carry.
    pub required_attachments: Option<Vec<String>>,
    /// `code` or `code@version` of the rule set (latest version when none is given).
    pub rule_set: Option<String>,
    /// 1–60 days, default 7.
    pub notice_days: Option<i64>,
}

/// An application as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Application {
    /// Row id.
    pub id: i64,
    /// Its number, e.g. `2026-TU-01-0007`.
    pub number: String,
    /// The batch.
    pub batch_id: i64,
    /// The batch's code.
    pub batch_code: String,
    /// The batch's programme.
    #[sqlx(try_from = "String")]
    pub programme: Programme,
    /// The batch's year.
    pub year: i64,
    /// The applicant (organisation id).
    pub enterprise_id: i64,
    /// The applicant's credit code.
    pub credit_code: String,
    /// The applicant's name.
    pub enterprise_name: String,
    /// The applicant's town.
    pub town_code: String,
    /// The town's name.
    pub town_name_zh: String,
    /// The project's name.
    pub project_name: String,
    /// The kind of upgrade.
    #[sqlx(try_from = "String")]
    pub upgrade_type: UpgradeType,
    /// Project start, `YYYY-MM-DD`.
    pub starts_on: Option<String>,
    /// Project end.
    pub ends_on: Option<String>,
    /// What the project does.
    pub description: String,
    /// Expected additional annual output value (fen).
    #[sqlx(try_from = "zhizao_db::OptionalFenColumn")]
    pub expected_output_value_fen: Option<Fen>,
    /// Expected efficiency gain (percent).
    pub expected_efficiency_gain_percent: Option<i64>,
    /// Expected energy saving (tonnes of standard coal a year).
    pub expected_energy_saving_tce: Option<i64>,
    /// Sum of the line items (fen).
    #[sqlx(try_from = "zhizao_db::FenColumn")]
    pub total_investment_fen: Fen,
    /// Where it stands.
    #[sqlx(try_from = "String")]
    pub status: Status,
    /// Since when.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub status_changed_at: Timestamp,
    /// First submitted.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub submitted_at: Option<Timestamp>,
    /// When its public notice ends.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub notice_ends_at: Option<Timestamp>,
    /// Eligible investment of the granting evaluation (fen).
    #[sqlx(try_from = "zhizao_db::OptionalFenColumn")]
    pub eligible_investment_fen: Option<Fen>,
    /// The subsidy granted (fen).
    #[sqlx(try_from = "zhizao_db::OptionalFenColumn")]
    pub granted_fen: Option<Fen>,
    /// The evaluation the grant came from.
    pub granted_evaluation_id: Option<i64>,
    /// The subsidy paid (fen).
    #[sqlx(try_from = "zhizao_db::OptionalFenColumn")]
    pub disbursed_fen: Option<Fen>,
    /// When it was paid.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub disbursed_at: Option<Timestamp>,
    /// Who created it.
    pub created_by: String,
    /// Created.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub created_at: Timestamp,
    /// Last changed.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub updated_at: Timestamp,
    /// Optimistic-locking version.
    pub version: i64,
}

/// A line item of the investment breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct InvestmentItem {
    /// 1-based position.
    pub position: i64,
    /// Category.
    #[sqlx(try_from = "String")]
    pub category: Category,
    /// Equipment or item name.
    pub name: String,
    /// Model.
    pub model: String,
    /// Quantity.
    pub quantity: i64,
    /// Unit price (fen).
    #[sqlx(try_from = "zhizao_db::FenColumn")]
    pub unit_price_fen: Fen,
    /// Quantity × unit price (fen).
    #[sqlx(try_from = "zhizao_db::FenColumn")]
    pub amount_fen: Fen,
    /// Supplier.
    pub supplier: String,
    /// Bought from a related party.
    #[sqlx(try_from = "zhizao_db::Flag")]
    pub related_party: bool,
    /// Invoice number.
    pub invoice_number: String,
    /// Invoice date, `YYYY-MM-DD`.
    pub invoice_date: Option<String>,
}

/// A step in an application's trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplicationEvent {
    /// When.
    pub occurred_at: Timestamp,
    /// Who.
    pub actor_username: String,
    /// In which role; `None` for the system (a past programme recorded from its files).
    pub actor_role: Option<Role>,
    /// What (`created`, `updated`, `recorded`, or an [`Action`] name).
    pub action: String,
    /// Status before; `None` when the application began with this step.
    pub from_status: Option<Status>,
    /// Status after.
    pub to_status: Status,
    /// Why.
    pub comment: String,
}

/// The role stored for the system's own trail entries.
pub(crate) const SYSTEM_ACTOR: &str = "system";

/// A trail entry as stored: roles and statuses by name, empty where there is none.
#[derive(sqlx::FromRow)]
pub(crate) struct ApplicationEventRow {
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    occurred_at: Timestamp,
    actor_username: String,
    actor_role: String,
    action: String,
    from_status: String,
    to_status: String,
    comment: String,
}

impl TryFrom<ApplicationEventRow> for ApplicationEvent {
    type Error = UnknownValue;

    fn try_from(row: ApplicationEventRow) -> Result<Self, Self::Error> {
        Ok(ApplicationEvent {
            occurred_at: row.occurred_at,
            actor_username: row.actor_username,
            // The system records past programmes from their files as `system`.
            actor_role: match row.actor_role.as_str() {
                SYSTEM_ACTOR => None,
                role => {
                    Some(
                        role.parse()
                            .map_err(|error: zhizao_core::UnknownName| UnknownValue {
                                what: "role",
                                value: error.value,
                                expected: error.expected,
                            })?,
                    )
                }
            },
            action: row.action,
            from_status: match row.from_status.as_str() {
                "" => None,
                status => Some(status.parse()?),
            },
            to_status: row.to_status.parse()?,
            comment: row.comment,
        })
    }
}

/// A stored evaluation: the amount, the rule set version it used, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvaluationRecord {
    /// Row id.
    pub id: i64,
    /// The rule set's code.
    pub rule_set_code: String,
    /// The version used.
    pub rule_set_version: i64,
    /// The rule set's name.
    pub rule_set_name: String,
    /// When.
    pub evaluated_at: Timestamp,
    /// Who asked.
    pub evaluated_by: String,
    /// Eligible investment (fen).
    pub eligible_investment_fen: Fen,
    /// The amount (fen).
    pub amount_fen: Fen,
    /// Line by line.
    pub lines: Vec<ExplanationLine>,
}

/// An objection raised during public notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Objection {
    /// Row id.
    pub id: i64,
    /// When it was received.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub received_at: Timestamp,
    /// Who recorded it.
    pub recorded_by: String,
    /// Who objected (as they gave it; may be anonymous).
    pub objector: String,
    /// What they said.
    pub content: String,
    /// When it was resolved.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub resolved_at: Option<Timestamp>,
    /// By whom.
    pub resolved_by: Option<String>,
    /// How.
    pub resolution: Option<String>,
}

/// An application with everything that belongs to it, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplicationDetail {
    /// The application.
    pub application: Application,
    /// The batch's title.
    pub batch_title: String,
    /// Its investment breakdown.
    pub items: Vec<InvestmentItem>,
    /// Its trail, oldest first.
    pub events: Vec<ApplicationEvent>,
    /// Every evaluation, newest first.
    pub evaluations: Vec<EvaluationRecord>,
    /// Objections raised during notice.
    pub objections: Vec<Objection>,
    /// Attached files.
    pub attachments: Vec<crate::attachments::Attachment>,
    /// The steps the caller's role may take from the application's status.
    pub actions: Vec<Action>,
    /// Those of `actions` that cannot be taken yet, with the reason (the notice period runs,
    /// an objection is open, nothing was granted, the batch is closed).
    pub not_yet: Vec<(Action, Text)>,
}

/// A line item as entered.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ItemInput {
    /// Required: `equipment`, `software`, `installation`, `buildings`, `other`.
    pub category: Option<String>,
    /// Required.
    pub name: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Required, 1–1,000,000.
    pub quantity: Option<i64>,
    /// Required, fen.
    pub unit_price_fen: Option<Fen>,
    /// Supplier.
    pub supplier: Option<String>,
    /// Bought from a related party.
    pub related_party: Option<bool>,
    /// Invoice number (unique within the batch).
    pub invoice_number: Option<String>,
    /// Invoice date, `YYYY-MM-DD`, not in the future.
    pub invoice_date: Option<String>,
}

/// An application as entered (a whole draft: saving replaces the previous content).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApplicationInput {
    /// Required on creation: the batch's code.
    pub batch: Option<String>,
    /// Required.
    pub project_name: Option<String>,
    /// Required.
    pub upgrade_type: Option<String>,
    /// `YYYY-MM-DD`; required to submit.
    pub starts_on: Option<String>,
    /// `YYYY-MM-DD`; required to submit, not before `starts_on`.
    pub ends_on: Option<String>,
    /// What the project does.
    pub description: Option<String>,
    /// Expected additional annual output value (fen).
    pub expected_output_value_fen: Option<Fen>,
    /// Expected efficiency gain (percent).
    pub expected_efficiency_gain_percent: Option<i64>,
    /// Expected energy saving (tonnes of standard coal a year).
    pub expected_energy_saving_tce: Option<i64>,
    /// The investment breakdown.
    pub items: Vec<ItemInput>,
}
