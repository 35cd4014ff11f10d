//! What the registry stores.

use serde::Serialize;
use zhizao_core::{Fen, Timestamp, closed_vocabulary};

closed_vocabulary! {
    /// What a recognition is for.
    RecognitionKind, "recognition kind" {
        /// Smart-manufacturing pilot demonstration project (智能制造试点示范项目).
        DemonstrationProject => "demonstration_project", "智能制造试点示范项目", "Smart-manufacturing demonstration project";
        /// Enterprise technology centre (企业技术中心).
        TechnologyCenter => "technology_center", "企业技术中心", "Enterprise technology centre";
        /// Industrial design centre (工业设计中心).
        DesignCenter => "design_center", "工业设计中心", "Industrial design centre";
        /// Engineering or key laboratory (工程实验室 / 重点实验室).
        Laboratory => "laboratory", "工程实验室", "Engineering laboratory";
    }
}

closed_vocabulary! {
    /// Which government awarded a recognition.
    RecognitionLevel, "recognition level" {
        /// National (国家级).
        National => "national", "国家级", "National";
        /// Provincial (省级).
        Provincial => "provincial", "省级", "Provincial";
        /// City (市级).
        City => "city", "市级", "City";
    }
}

/// A recognition awarded to an enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Recognition {
    /// Recognition id.
    pub id: i64,
    /// The enterprise it belongs to.
    #[serde(skip)]
    pub enterprise_id: i64,
    /// What was recognised.
    #[sqlx(try_from = "String")]
    pub kind: RecognitionKind,
    /// By which level of government.
    #[sqlx(try_from = "String")]
    pub level: RecognitionLevel,
    /// Year awarded.
    pub year: i64,
    /// Free title, e.g. the project's name.
    pub title: String,
}

/// A recognition as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecognitionInput {
    /// Kind name.
    pub kind: String,
    /// Level name.
    pub level: String,
    /// Year awarded.
    pub year: i64,
    /// Free title.
    pub title: String,
}

/// An enterprise with everything the registry knows about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Enterprise {
    /// Internal id (also its organisation's id).
    pub id: i64,
    /// Unified social credit code.
    pub credit_code: String,
    /// Registered name.
    pub name: String,
    /// Legal representative (法定代表人).
    pub legal_representative: String,
    /// Township code of the town or sub-district.
    pub town_code: String,
    /// The town's Chinese name.
    pub town_name_zh: String,
    /// The town's English name.
    pub town_name_en: String,
    /// GB/T 4754-2017 class code.
    pub industry_code: String,
    /// The class's Chinese name.
    pub industry_name_zh: String,
    /// Above designated size (规上): annual main revenue of at least 20 M yuan.
    #[sqlx(try_from = "zhizao_db::Flag")]
    pub above_designated_size: bool,
    /// Employees.
    pub employees: Option<i64>,
    /// Annual revenue in fen.
    #[sqlx(try_from = "zhizao_db::OptionalFenColumn")]
    pub annual_revenue_fen: Option<Fen>,
    /// Address.
    pub address: String,
    /// Contact person.
    pub contact_name: String,
    /// Contact telephone.
    pub contact_phone: String,
    /// Contact e-mail.
    pub contact_email: String,
    /// Date of establishment, `YYYY-MM-DD`.
    pub established_on: Option<String>,
    /// Created.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub created_at: Timestamp,
    /// Last changed.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub updated_at: Timestamp,
    /// Optimistic-locking version.
    pub version: i64,
    /// Recognitions, newest first.
    #[sqlx(skip)]
    pub recognitions: Vec<Recognition>,
}

/// Fields of an enterprise as submitted by a form, the API or a spreadsheet row. `None` means
/// "not given": required for creation, unchanged on update. For nullable fields, `Some(None)`
/// clears the value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EnterpriseInput {
    /// Unified social credit code (creation only).
    pub credit_code: Option<String>,
    /// Registered name.
    pub name: Option<String>,
    /// Legal representative.
    pub legal_representative: Option<String>,
    /// Township code, or (from spreadsheets) the town's name.
    pub town: Option<String>,
    /// Industry class code (`3851`, `C3851`, or `3851 家用制冷电器具制造`).
    pub industry_code: Option<String>,
    /// Above designated size.
    pub above_designated_size: Option<bool>,
    /// Employees.
    pub employees: Option<Option<i64>>,
    /// Annual revenue in fen.
    pub annual_revenue_fen: Option<Option<Fen>>,
    /// Address.
    pub address: Option<String>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact telephone.
    pub contact_phone: Option<String>,
    /// Contact e-mail.
    pub contact_email: Option<String>,
    /// Date of establishment, `YYYY-MM-DD`.
    pub established_on: Option<Option<String>>,
    /// The complete set of recognitions (replaces the current set when given).
    pub recognitions: Option<Vec<RecognitionInput>>,
}

/// A township-level unit with its validity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Town {
    /// Township code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// `subdistrict` or `town`.
    pub kind: String,
    /// Valid from, `YYYY-MM-DD`.
    pub valid_from: String,
    /// Valid until (exclusive), if retired.
    pub valid_to: Option<String>,
    /// The unit that took over, if retired.
    pub successor_code: Option<String>,
}

impl Town {
    /// Whether the unit still exists.
    pub fn is_current(&self) -> bool {
        self.valid_to.is_none()
    }
}

/// A GB/T 4754-2017 section, division, group or class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct IndustryClass {
    /// Code.
    pub code: String,
    /// `section`, `division`, `group` or `class`.
    pub level: String,
    /// Parent code.
    pub parent_code: Option<String>,
    /// Official Chinese name.
    pub name_zh: String,
    /// English name, where one exists.
    pub name_en: Option<String>,
}
