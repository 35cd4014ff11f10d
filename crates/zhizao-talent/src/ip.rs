//! Intellectual property (知识产权): patents (invention, utility model, design), software
//! copyrights and trademarks an enterprise holds, with their number, status and dates, the
//! talents among the inventors, and the project they came from. An enterprise records its own
//! and the city any; a patent's number is checked (its check digit, its kind against the kind
//! recorded, its year against the filing date), and the same number is never recorded twice.

use serde::{Deserialize, Serialize};
use zhizao_core::{Text, closed_vocabulary};
use zhizao_db::{SqlBuilder, allocate_ids};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy;

use crate::number::{self, PatentNumberError};
use crate::{Error, Problems, ProjectRef, Result, Talents, check_project};

closed_vocabulary! {
    /// What kind of IP.
    IpKind, "IP kind" {
        /// 发明专利.
        InventionPatent => "invention_patent", "发明专利", "Invention patent";
        /// 实用新型专利.
        UtilityModel => "utility_model", "实用新型专利", "Utility model";
        /// 外观设计专利.
        DesignPatent => "design_patent", "外观设计专利", "Design patent";
        /// 软件著作权.
        SoftwareCopyright => "software_copyright", "软件著作权", "Software copyright";
        /// 注册商标.
        Trademark => "trademark", "注册商标", "Trademark";
    }
}

closed_vocabulary! {
    /// Where it stands.
    IpStatus, "IP status" {
        /// 已申请.
        Filed => "filed", "已申请", "Filed";
        /// 已授权（登记、注册）.
        Granted => "granted", "已授权", "Granted";
        /// 已失效.
        Lapsed => "lapsed", "已失效", "Lapsed";
    }
}

impl IpKind {
    /// The kind digits a patent number of this kind carries (none for other IP).
    fn patent_kinds(self) -> &'static [u8] {
        match self {
            IpKind::InventionPatent => &[1, 8],
            IpKind::UtilityModel => &[2, 9],
            IpKind::DesignPatent => &[3],
            IpKind::SoftwareCopyright | IpKind::Trademark => &[],
        }
    }
}

/// A piece of IP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpAsset {
    /// Its id.
    pub id: i64,
    /// Kind.
    pub kind: IpKind,
    /// Its number (a patent's as `201710601862.3`).
    pub number: String,
    /// Its title.
    pub title: String,
    /// Status.
    pub status: IpStatus,
    /// The owner: id, credit code, name.
    pub enterprise_id: i64,
    /// The owner's credit code.
    pub credit_code: String,
    /// The owner's name.
    pub enterprise_name: String,
    /// Filed, `YYYY-MM-DD`.
    pub filed_on: String,
    /// Granted, `YYYY-MM-DD`.
    pub granted_on: Option<String>,
    /// The talents among its inventors: id and name.
    pub inventors: Vec<(i64, String)>,
    /// The project it came from: number and name.
    pub project: Option<(String, String)>,
    /// Its version.
    pub version: i64,
}

/// IP as its owner (or the city) records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IpInput {
    /// Kind.
    pub kind: IpKind,
    /// The number: a patent application number with its check digit; 2–40 characters otherwise.
    pub number: String,
    /// 2–120 characters.
    pub title: String,
    /// Status.
    pub status: IpStatus,
    /// The owner's credit code (an enterprise: its own).
    pub enterprise: String,
    /// `YYYY-MM-DD`, not in the future.
    pub filed_on: String,
    /// `YYYY-MM-DD`, required once granted, not before filing.
    #[serde(default)]
    pub granted_on: Option<String>,
    /// Talents among the inventors (ids).
    #[serde(default)]
    pub inventors: Vec<i64>,
}

/// Whether `text` is a calendar date `YYYY-MM-DD`.
fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let (Ok(year), Ok(month), Ok(day)) = (
        text[..4].parse::<i64>(),
        text[5..7].parse::<u32>(),
        text[8..].parse::<u32>(),
    ) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1980..=2100).contains(&year) && (1..=days).contains(&day)
}

impl IpInput {
    /// Every problem, named by field; returns the number as stored.
    pub(crate) fn check(&self, today: &str) -> Result<String> {
        let mut problems = Problems::default();
        problems.length("title", &self.title, 2, 120, "名称", "the title");
        let filed_ok = is_date(&self.filed_on) && self.filed_on.as_str() <= today;
        let number = if self.kind.patent_kinds().is_empty() {
            problems.length("number", &self.number, 2, 40, "编号", "the number");
            self.number.trim().to_owned()
        } else {
            match number::parse(&self.number) {
                Ok(parsed) => {
                    if !self.kind.patent_kinds().contains(&parsed.kind) {
                        problems.add(
                            "number",
                            format!(
                                "申请号第 {} 位表示的专利类型与“{}”不符",
                                if parsed.canonical.len() == 14 { 5 } else { 3 },
                                self.kind.label().zh
                            ),
                            format!(
                                "the number's kind digit is not that of a {}",
                                self.kind.label().en.to_lowercase()
                            ),
                        );
                    }
                    if filed_ok && self.filed_on[..4].parse::<i64>().ok() != Some(parsed.year) {
                        problems.add(
                            "filed_on",
                            format!("申请号表示 {} 年申请，与申请日不符", parsed.year),
                            format!("the number says it was filed in {}, not in the year of the filing date", parsed.year),
                        );
                    }
                    parsed.canonical
                }
                Err(PatentNumberError::Check) => {
                    problems.add(
                        "number",
                        "申请号校验位不对，请核对是否输错".into(),
                        "the number's check digit does not match: check it for a typing error"
                            .into(),
                    );
                    String::new()
                }
                Err(PatentNumberError::Shape | PatentNumberError::Kind) => {
                    problems.add(
                        "number",
                        "专利申请号形如 201710601862.3（12 位数字、小数点和校验位）".into(),
                        "a patent application number looks like 201710601862.3 (12 digits, a point, the check digit)".into(),
                    );
                    String::new()
                }
            }
        };
        if !filed_ok {
            problems.add(
                "filed_on",
                "申请日为不晚于今天的日期，如 2024-03-15".into(),
                "the filing date is a date not after today, e.g. 2024-03-15".into(),
            );
        }
        match (&self.granted_on, self.status) {
            (Some(granted), _)
                if !is_date(granted)
                    || granted.as_str() < self.filed_on.as_str()
                    || granted.as_str() > today =>
            {
                problems.add(
                    "granted_on",
                    "授权日为申请日至今天之间的日期".into(),
                    "the grant date is between the filing date and today".into(),
                );
            }
            (None, IpStatus::Granted) => {
                problems.add(
                    "granted_on",
                    "已授权的请填写授权日".into(),
                    "give the grant date of a granted one".into(),
                );
            }
            _ => {}
        }
        if self.inventors.len() > 30 {
            problems.add(
                "inventors",
                "发明人最多 30 位".into(),
                "at most 30 inventors".into(),
            );
        }
        problems.into_result()?;
        Ok(number)
    }
}

#[derive(sqlx::FromRow)]
struct IpRow {
    id: i64,
    kind: String,
    number: String,
    title: String,
    status: String,
    enterprise_id: i64,
    credit_code: String,
    enterprise_name: String,
    filed_on: String,
    granted_on: Option<String>,
    project_number: Option<String>,
    project_name: Option<String>,
    version: i64,
}

const COLUMNS: &str = "SELECT i.id, i.kind, i.number, i.title, i.status, i.enterprise_id, e.credit_code, e.name AS enterprise_name, \
     i.filed_on, i.granted_on, i.project_number, i.project_name, i.version FROM ip_assets i \
     JOIN enterprises e ON e.id = i.enterprise_id WHERE 1 = 1";

fn not_found(id: i64) -> Error {
    Error::NotFound {
        what: "IP",
        key: id.to_string(),
    }
}

/// Which IP to list.
#[derive(Debug, Clone, Default)]
pub struct IpFilter {
    /// Only this kind.
    pub kind: Option<IpKind>,
    /// Only this status.
    pub status: Option<IpStatus>,
    /// Words in the title, number or owner's name.
    pub text: Option<String>,
}

impl Talents {
    /// The rows with their inventors, read in one query.
    async fn with_inventors(&self, rows: Vec<IpRow>) -> Result<Vec<IpAsset>> {
        let mut inventors: Vec<(i64, i64, String)> = Vec::new();
        if !rows.is_empty() {
            let mut select = SqlBuilder::new(
                "SELECT v.ip_id, t.id, t.name FROM ip_inventors v JOIN talents t ON t.id = v.talent_id \
                 WHERE v.ip_id IN (",
            );
            for (index, row) in rows.iter().enumerate() {
                if index > 0 {
                    select.push(", ");
                }
                select.push_bind(row.id);
            }
            select.push(") ORDER BY v.ip_id, t.id");
            inventors = select.query_as().fetch_all(self.db.pool()).await?;
        }
        let mut assets = Vec::with_capacity(rows.len());
        for row in rows {
            let inventors: Vec<(i64, String)> = inventors
                .iter()
                .filter(|(ip, _, _)| *ip == row.id)
                .map(|(_, id, name)| (*id, name.clone()))
                .collect();
            let corrupt = |what: &str| Error::Corrupt(format!("IP {}: {what}", row.id));
            assets.push(IpAsset {
                kind: row.kind.parse().map_err(|_| corrupt("kind"))?,
                status: row.status.parse().map_err(|_| corrupt("status"))?,
                project: row.project_number.zip(row.project_name),
                id: row.id,
                number: row.number,
                title: row.title,
                enterprise_id: row.enterprise_id,
                credit_code: row.credit_code,
                enterprise_name: row.enterprise_name,
                filed_on: row.filed_on,
                granted_on: row.granted_on,
                inventors,
                version: row.version,
            });
        }
        Ok(assets)
    }

    /// The IP the caller may read matching `filter`, newest first (at most 500).
    pub async fn ip_assets(
        &self,
        principal: &Principal,
        filter: &IpFilter,
    ) -> Result<Vec<IpAsset>> {
        let mut select = SqlBuilder::new(COLUMNS);
        zhizao_registry::restrict_to_scope(&policy::talent_scope(principal), &mut select);
        if let Some(kind) = filter.kind {
            select.push(" AND i.kind = ").push_bind(kind.as_str());
        }
        if let Some(status) = filter.status {
            select.push(" AND i.status = ").push_bind(status.as_str());
        }
        if let Some(text) = filter.text.as_deref() {
            select.push_contains_any(&["i.title", "i.number", "e.name"], text);
        }
        select.push(" ORDER BY i.filed_on DESC, i.id DESC LIMIT 500");
        let rows: Vec<IpRow> = select.query_as().fetch_all(self.db.pool()).await?;
        self.with_inventors(rows).await
    }

    /// One piece of IP the caller may read.
    pub async fn ip_asset(&self, principal: &Principal, id: i64) -> Result<IpAsset> {
        let mut select = SqlBuilder::new(COLUMNS);
        select.push(" AND i.id = ").push_bind(id);
        zhizao_registry::restrict_to_scope(&policy::talent_scope(principal), &mut select);
        let rows: Vec<IpRow> = select.query_as().fetch_all(self.db.pool()).await?;
        self.with_inventors(rows)
            .await?
            .pop()
            .ok_or_else(|| not_found(id))
    }

    /// Checks an input against the records: the owner in scope, the inventors talents the caller
    /// may read, the project the owner's. Returns the owner's id and the number as stored.
    async fn checked(
        &self,
        principal: &Principal,
        input: &IpInput,
        project: Option<&ProjectRef>,
    ) -> Result<(i64, String)> {
        let today = self.clock.now().to_shanghai_date_string();
        let number = input.check(&today)?;
        let owner = self
            .enterprise_in_scope(principal, &input.enterprise)
            .await?;
        let mut problems = Problems::default();
        check_project(&mut problems, project, owner.id);
        for (index, talent) in input.inventors.iter().enumerate() {
            if self.talent(principal, *talent).await.is_err() {
                problems.add(
                    format!("inventors[{index}]"),
                    format!("人才 {talent} 不存在"),
                    format!("there is no talent {talent}"),
                );
            }
        }
        problems.into_result()?;
        Ok((owner.id, number))
    }

    /// Records IP (an enterprise its own, the city any). Audited.
    pub async fn create_ip(
        &self,
        principal: &Principal,
        input: &IpInput,
        project: Option<&ProjectRef>,
    ) -> Result<IpAsset> {
        if !policy::may_record_ip(principal) {
            return Err(Error::Forbidden(
                "enterprises record their IP, and the city",
            ));
        }
        let (owner, number) = self.checked(principal, input, project).await?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let taken: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM ip_assets WHERE kind = $1 AND number = $2")
                .bind(input.kind.as_str())
                .bind(&number)
                .fetch_one(&mut *transaction)
                .await?;
        if taken > 0 {
            return Err(Error::Duplicate(Text::owned(
                format!("{} {number} 已登记", input.kind.label().zh),
                format!("{} {number} is already recorded", input.kind.label().en),
            )));
        }
        let id = allocate_ids(&mut transaction, "ip_assets", 1).await?;
        sqlx::query(
            "INSERT INTO ip_assets (id, kind, number, title, status, enterprise_id, filed_on, granted_on, project_number, \
             project_name, created_at, created_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $11)",
        )
        .bind(id)
        .bind(input.kind.as_str())
        .bind(&number)
        .bind(input.title.trim())
        .bind(input.status.as_str())
        .bind(owner)
        .bind(&input.filed_on)
        .bind(input.granted_on.clone())
        .bind(project.map(|p| p.number.clone()))
        .bind(project.map(|p| p.name.clone()))
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await?;
        write_inventors(&mut transaction, id, &input.inventors).await?;
        let mut changes = Changes::new();
        changes
            .created("kind", input.kind.as_str())
            .created("number", &number)
            .created("status", input.status.as_str());
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("ip.recorded", "ip", id.to_string()).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.ip_asset(principal, id).await
    }

    /// Updates IP (its owner or the city), e.g. when granted, from the version read. Audited.
    pub async fn update_ip(
        &self,
        principal: &Principal,
        id: i64,
        expected_version: i64,
        input: &IpInput,
        project: Option<&ProjectRef>,
    ) -> Result<IpAsset> {
        let before = self.ip_asset(principal, id).await?;
        if !policy::may_record_ip(principal) {
            return Err(Error::Forbidden(
                "enterprises record their IP, and the city",
            ));
        }
        let (owner, number) = self.checked(principal, input, project).await?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let taken: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM ip_assets WHERE kind = $1 AND number = $2 AND id <> $3",
        )
        .bind(input.kind.as_str())
        .bind(&number)
        .bind(id)
        .fetch_one(&mut *transaction)
        .await?;
        if taken > 0 {
            return Err(Error::Duplicate(Text::owned(
                format!("{} {number} 已登记", input.kind.label().zh),
                format!("{} {number} is already recorded", input.kind.label().en),
            )));
        }
        let updated = sqlx::query(
            "UPDATE ip_assets SET kind = $1, number = $2, title = $3, status = $4, enterprise_id = $5, filed_on = $6, \
             granted_on = $7, project_number = $8, project_name = $9, updated_at = $10, version = version + 1 \
             WHERE id = $11 AND version = $12",
        )
        .bind(input.kind.as_str())
        .bind(&number)
        .bind(input.title.trim())
        .bind(input.status.as_str())
        .bind(owner)
        .bind(&input.filed_on)
        .bind(input.granted_on.clone())
        .bind(project.map(|p| p.number.clone()))
        .bind(project.map(|p| p.name.clone()))
        .bind(now.as_millis())
        .bind(id)
        .bind(expected_version)
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(Error::StaleVersion {
                current: before.version,
            });
        }
        sqlx::query("DELETE FROM ip_inventors WHERE ip_id = $1")
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        write_inventors(&mut transaction, id, &input.inventors).await?;
        let mut changes = Changes::new();
        changes
            .field("number", &before.number, &number)
            .field("status", before.status.as_str(), input.status.as_str())
            .field("granted_on", &before.granted_on, &input.granted_on);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("ip.updated", "ip", id.to_string()).changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.ip_asset(principal, id).await
    }
}

pub(crate) async fn write_inventors(
    connection: &mut sqlx::AnyConnection,
    id: i64,
    inventors: &[i64],
) -> Result<()> {
    let mut unique = inventors.to_vec();
    unique.sort_unstable();
    unique.dedup();
    for talent in unique {
        sqlx::query("INSERT INTO ip_inventors (ip_id, talent_id) VALUES ($1, $2)")
            .bind(id)
            .bind(talent)
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patent(number: &str, filed_on: &str) -> IpInput {
        IpInput {
            kind: IpKind::InventionPatent,
            number: number.into(),
            title: "一种打磨机器人力控方法".into(),
            status: IpStatus::Filed,
            enterprise: "x".into(),
            filed_on: filed_on.into(),
            granted_on: None,
            inventors: vec![],
        }
    }

    fn fields(result: Result<String>) -> Vec<String> {
        match result {
            Err(Error::Invalid(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn a_patent_number_agrees_with_its_kind_and_filing_date() {
        let today = "2026-12-07";
        assert_eq!(
            patent("CN201710601862.3", "2017-08-01")
                .check(today)
                .unwrap(),
            "201710601862.3"
        );
        assert_eq!(
            fields(patent("201710601862.4", "2017-08-01").check(today)),
            ["number"]
        );
        assert_eq!(
            fields(patent("201710601862.3", "2018-08-01").check(today)),
            ["filed_on"]
        );
        assert_eq!(
            fields(patent("201710601862.3", "2017-02-30").check(today)),
            ["filed_on"]
        );
        assert_eq!(
            fields(patent("201710601862.3", "2027-01-01").check(today)),
            ["filed_on"]
        );
        let utility = IpInput {
            kind: IpKind::UtilityModel,
            ..patent("201710601862.3", "2017-08-01")
        };
        assert_eq!(
            fields(utility.check(today)),
            ["number"],
            "an invention number for a utility model"
        );
        let granted = IpInput {
            status: IpStatus::Granted,
            ..patent("201710601862.3", "2017-08-01")
        };
        assert_eq!(fields(granted.check(today)), ["granted_on"]);
        let early = IpInput {
            granted_on: Some("2016-01-01".into()),
            ..patent("201710601862.3", "2017-08-01")
        };
        assert_eq!(fields(early.check(today)), ["granted_on"]);
        let copyright = IpInput {
            kind: IpKind::SoftwareCopyright,
            number: "2023SR0123456".into(),
            ..patent("", "2023-05-01")
        };
        assert_eq!(copyright.check(today).unwrap(), "2023SR0123456");
        assert!(
            is_date("2024-02-29")
                && !is_date("2023-02-29")
                && !is_date("2024-13-01")
                && !is_date("24-01-01")
        );
    }
}
