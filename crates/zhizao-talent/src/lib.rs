//! Talent, innovation teams and intellectual property (人才、创新团队与知识产权): what the city
//! reports of its innovation resources, each tied to the enterprise it belongs to and, where
//! relevant, to a project.
//!
//! - [`talents`]: people brought in by a programme — degree, field, employer, programme, year;
//! - [`teams`]: innovation teams — field, level (national, provincial, city), leader, members;
//! - [`ip`]: patents and other IP — kind, number (a patent number's check digit verified,
//!   [`number`]), status, owner, the talents among its inventors;
//! - [`figures`]: talents and doctorates, invention patents filed by talents, teams by field.
//!
//! The city's talent office records talents and teams (`policy::may_record_talent`); an
//! enterprise records its own IP and the city any (`policy::may_record_ip`); each is read within
//! `policy::talent_scope` (an enterprise its own, a town its town's, the city all); out of scope
//! is "not found".

use std::sync::Arc;

use serde::Serialize;
use zhizao_core::{Classified, Clock, ErrorKind, FieldError, Text, closed_vocabulary};
use zhizao_db::{Database, SqlBuilder};
use zhizao_identity::{Principal, policy};

pub mod dashboard;
pub mod figures;
pub mod history;
pub mod ip;
pub mod number;
pub mod talents;
pub mod teams;

pub use figures::TalentFigures;
pub use ip::{IpAsset, IpInput, IpKind, IpStatus};
pub use talents::{Talent, TalentInput};
pub use teams::{Team, TeamInput};

/// What can go wrong with talent, teams and IP.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that cannot be used, named by field.
    #[error("invalid input: {}", describe(.0))]
    Invalid(Vec<FieldError>),
    /// No such thing, or not the caller's to see.
    #[error("{what} {key:?} not found")]
    NotFound {
        /// What was looked for.
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// The caller may not do this.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Someone saved a newer version first.
    #[error("a newer version ({current}) was saved; reload and try again")]
    StaleVersion {
        /// The latest version now.
        current: i64,
    },
    /// The same IP is already recorded.
    #[error("{}", .0.en)]
    Duplicate(Text),
    /// A stored record that cannot be read.
    #[error("{0}")]
    Corrupt(String),
    /// The audit log or another identity operation failed.
    #[error(transparent)]
    Identity(#[from] zhizao_identity::Error),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] zhizao_db::Error),
}

/// This crate's results.
pub type Result<T> = std::result::Result<T, Error>;

fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message.en))
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Error::Database(error.into())
    }
}

impl Classified for Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::Invalid(_) => ErrorKind::InvalidInput,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Forbidden(_) => ErrorKind::Forbidden,
            Error::StaleVersion { .. } | Error::Duplicate(_) => ErrorKind::Conflict,
            Error::Corrupt(_) => ErrorKind::Internal,
            Error::Identity(error) => error.kind(),
            Error::Database(error) => error.kind(),
        }
    }

    fn code(&self) -> Option<&'static str> {
        match self {
            Error::StaleVersion { .. } => Some("stale-version"),
            Error::Duplicate(_) => Some("duplicate"),
            Error::Identity(error) => error.code(),
            _ => None,
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Error::Invalid(errors) => errors.clone(),
            _ => Vec::new(),
        }
    }

    fn message(&self) -> Option<Text> {
        match self {
            Error::Duplicate(text) => Some(text.clone()),
            _ => None,
        }
    }
}

/// Collects problems named by field.
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<FieldError>);

impl Problems {
    pub(crate) fn add(&mut self, field: impl Into<String>, zh: String, en: String) {
        self.0.push(FieldError::new(field, Text::owned(zh, en)));
    }

    /// A text of `min`–`max` characters (trimmed).
    pub(crate) fn length(
        &mut self,
        field: &str,
        text: &str,
        min: usize,
        max: usize,
        zh: &str,
        en: &str,
    ) {
        if !(min..=max).contains(&text.trim().chars().count()) {
            self.add(
                field,
                format!("{zh}为 {min}–{max} 字"),
                format!("{en} has {min} to {max} characters"),
            );
        }
    }

    /// A year from 1980 to next year.
    pub(crate) fn year(&mut self, field: &str, year: i64, this_year: i64) {
        if !(1980..=this_year + 1).contains(&year) {
            self.add(
                field,
                format!("年份为 1980–{}", this_year + 1),
                format!("the year is 1980 to {}", this_year + 1),
            );
        }
    }

    pub(crate) fn into_result(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}

closed_vocabulary! {
    /// The field a talent or team works in, as the city reports them.
    Field, "field" {
        /// 先进制造.
        AdvancedManufacturing => "advanced_manufacturing", "先进制造", "Advanced manufacturing";
        /// 新一代信息技术.
        InformationTechnology => "information_technology", "新一代信息技术", "Information technology";
        /// 生物医药与健康.
        Biomedicine => "biomedicine", "生物医药与健康", "Biomedicine and health";
        /// 新材料.
        NewMaterials => "new_materials", "新材料", "New materials";
        /// 新能源与节能环保.
        NewEnergy => "new_energy", "新能源与节能环保", "New energy and environment";
        /// 其他.
        Other => "other", "其他", "Other";
    }
}

/// A project a record is tied to, as the projects domain found it for the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectRef {
    /// Its number.
    pub number: String,
    /// Its name.
    pub name: String,
    /// The enterprise that applied.
    pub enterprise_id: i64,
}

/// The enterprise a record belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EnterpriseRef {
    /// Its id.
    pub id: i64,
    /// Its unified social credit code.
    pub credit_code: String,
    /// Its name.
    pub name: String,
}

/// Talent, teams and IP over one database.
#[derive(Debug, Clone)]
pub struct Talents {
    pub(crate) db: Database,
    pub(crate) clock: Arc<dyn Clock>,
}

impl Talents {
    /// The service over `db`, telling time by `clock`.
    pub fn new(db: Database, clock: Arc<dyn Clock>) -> Self {
        Talents { db, clock }
    }

    /// The enterprise with credit code `code` in the caller's talent scope.
    pub(crate) async fn enterprise_in_scope(
        &self,
        principal: &Principal,
        code: &str,
    ) -> Result<EnterpriseRef> {
        let mut select = SqlBuilder::new(
            "SELECT e.id, e.credit_code, e.name FROM enterprises e WHERE e.credit_code = ",
        );
        select.push_bind(code.trim().to_owned());
        zhizao_registry::restrict_to_scope(&policy::talent_scope(principal), &mut select);
        let found: Option<EnterpriseRef> = select.query_as().fetch_optional(self.db.pool()).await?;
        found.ok_or_else(|| {
            Error::Invalid(vec![FieldError::new(
                "enterprise",
                Text::owned(
                    format!("没有统一社会信用代码为“{}”的企业", code.trim()),
                    format!("no enterprise has the credit code {:?}", code.trim()),
                ),
            )])
        })
    }

    /// This year, Beijing time.
    pub(crate) fn this_year(&self) -> i64 {
        self.clock
            .now()
            .to_shanghai_date_string()
            .get(..4)
            .and_then(|y| y.parse().ok())
            .unwrap_or(2026)
    }
}

/// Checks that `project` (if any) is `enterprise_id`'s.
pub(crate) fn check_project(
    problems: &mut Problems,
    project: Option<&ProjectRef>,
    enterprise_id: i64,
) {
    if let Some(project) = project
        && project.enterprise_id != enterprise_id
    {
        problems.add(
            "project",
            format!("项目 {} 不是该企业的项目", project.number),
            format!("project {} is not this enterprise's", project.number),
        );
    }
}
