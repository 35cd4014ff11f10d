//! Importing past batches from the city's spreadsheets: one row per project, grouped into
//! batches by their code. Every row is checked first and every problem is reported with its row
//! and column; only a file without problems is written, in one transaction, so nothing is ever
//! half-imported. A batch that already exists is refused, so importing a file twice changes
//! nothing.

use std::collections::HashMap;

use serde::Serialize;
use zhizao_core::{CreditCode, Fen, FieldError, Text};
use zhizao_identity::audit::{self, AuditEntry};
use zhizao_identity::{Principal, policy};
use zhizao_sheets::{Sheet, SheetRow, cell_name};

use crate::history::{PastApplication, PastBatch, PastItem, insert_application, insert_batch};
use crate::model::{BatchStatus, Programme, UpgradeType};
use crate::rules::Category;
use crate::validate::project_key;
use crate::workflow::Status;
use crate::{Error, Projects, Result};

/// The largest history file accepted.
pub const MAX_HISTORY_BYTES: usize = 10 * 1024 * 1024;
/// The most rows a history file may have.
pub const MAX_HISTORY_ROWS: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    BatchCode,
    BatchTitle,
    Programme,
    Year,
    CreditCode,
    ProjectName,
    UpgradeType,
    InvestmentWan,
    GrantedWan,
    DisbursedWan,
    Status,
}

/// (column, Chinese header, English header, required)
const COLUMNS: &[(Column, &str, &str, bool)] = &[
    (Column::BatchCode, "批次编号", "batch_code", true),
    (Column::BatchTitle, "批次名称", "batch_title", true),
    (Column::Programme, "专项", "programme", true),
    (Column::Year, "年度", "year", true),
    (Column::CreditCode, "统一社会信用代码", "credit_code", true),
    (Column::ProjectName, "项目名称", "project_name", true),
    (Column::UpgradeType, "改造类型", "upgrade_type", false),
    (
        Column::InvestmentWan,
        "总投资（万元）",
        "investment_wan_yuan",
        true,
    ),
    (
        Column::GrantedWan,
        "核定补助（万元）",
        "granted_wan_yuan",
        false,
    ),
    (
        Column::DisbursedWan,
        "已拨付（万元）",
        "disbursed_wan_yuan",
        false,
    ),
    (Column::Status, "状态", "status", false),
];

fn normalize(header: &str) -> String {
    header
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '（' | '）' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HistoryReport {
    /// Data rows read (blank ones not counted).
    pub rows: usize,
    /// Batches found.
    pub batches: usize,
    /// Applications found.
    pub applications: usize,
    /// Problems by row and column (at most 1,000 listed).
    pub errors: Vec<FieldError>,
    /// Headers that name no known column.
    pub ignored_columns: Vec<String>,
    /// Whether the file was written.
    pub applied: bool,
}

fn parse_programme(text: &str) -> Option<Programme> {
    let text = text.trim();
    text.parse().ok().or_else(|| {
        if text.contains("入库") {
            Some(Programme::TechUpgrade)
        } else if text.contains("省") {
            Some(Programme::ProvincialFund)
        } else if text.contains("事后") || text.contains("普惠") {
            Some(Programme::PostCompletion)
        } else if text.contains("市") {
            Some(Programme::CityFund)
        } else {
            None
        }
    })
}

fn parse_upgrade_type(text: &str) -> Option<UpgradeType> {
    let text = text.trim();
    if text.is_empty() {
        return Some(UpgradeType::Other);
    }
    text.parse().ok().or_else(|| {
        UpgradeType::ALL
            .iter()
            .copied()
            .find(|u| u.label().zh == text || u.label().en.eq_ignore_ascii_case(text))
    })
}

fn parse_status(text: &str, disbursed: bool) -> Option<Status> {
    match text.trim() {
        "" if disbursed => Some(Status::Disbursed),
        "" | "已立项" | "立项" | "通过" | "入库" => Some(Status::Approved),
        "未通过" | "不通过" | "rejected" => Some(Status::Rejected),
        "已验收" | "accepted" => Some(Status::Accepted),
        "已拨付" | "disbursed" => Some(Status::Disbursed),
        other => other.parse::<Status>().ok().filter(|s| {
            matches!(
                s,
                Status::Approved | Status::Rejected | Status::Accepted | Status::Disbursed
            )
        }),
    }
}

struct ParsedRow {
    batch_code: String,
    batch_title: String,
    programme: Programme,
    year: i64,
    enterprise_id: i64,
    project_name: String,
    upgrade_type: UpgradeType,
    investment_fen: Fen,
    granted_fen: Option<Fen>,
    disbursed_fen: Option<Fen>,
    status: Status,
}

impl Projects {
    /// Imports past batches from a spreadsheet (city staff); with `dry_run`, checks only.
    pub async fn import_history(
        &self,
        principal: &Principal,
        file_name: &str,
        bytes: &[u8],
        dry_run: bool,
    ) -> Result<HistoryReport> {
        if !policy::may_manage_programmes(principal) {
            return Err(Error::Forbidden("only city staff import past batches"));
        }
        if bytes.len() > MAX_HISTORY_BYTES {
            return Err(Error::invalid(
                "file",
                Text::owned(
                    format!("文件超过 {} MB", MAX_HISTORY_BYTES / 1024 / 1024),
                    format!("the file is larger than {MAX_HISTORY_BYTES} bytes"),
                ),
            ));
        }
        let sheet: Sheet =
            zhizao_sheets::read_sheet_in_background(file_name, bytes, MAX_HISTORY_ROWS)
                .await
                .map_err(|error| Error::Invalid(vec![FieldError::new("file", error.message)]))?;
        let mut report = HistoryReport::default();
        let mut positions: HashMap<Column, usize> = HashMap::new();
        let mut header_errors = Vec::new();
        for (index, header) in sheet.headers.iter().enumerate() {
            let wanted = normalize(header);
            if wanted.is_empty() {
                continue;
            }
            match COLUMNS
                .iter()
                .find(|(_, zh, en, _)| normalize(zh) == wanted || normalize(en) == wanted)
            {
                Some((column, _, _, _)) => {
                    positions.insert(*column, index);
                }
                None => report.ignored_columns.push(header.trim().to_owned()),
            }
        }
        for (column, zh, en, required) in COLUMNS {
            if *required && !positions.contains_key(column) {
                header_errors.push(FieldError::at_cell(
                    *en,
                    sheet.header_row,
                    *zh,
                    Text::owned(
                        format!("缺少必需的列“{zh}”"),
                        format!("the required column \"{zh}\" ({en}) is missing"),
                    ),
                ));
            }
        }
        if !header_errors.is_empty() {
            return Err(Error::Invalid(header_errors));
        }
        let mut connection = self.db.pool().acquire().await?;
        let enterprises: HashMap<String, i64> =
            sqlx::query_as::<_, (String, i64)>("SELECT credit_code, id FROM enterprises")
                .fetch_all(&mut *connection)
                .await?
                .into_iter()
                .collect();
        let existing_batches: Vec<String> = sqlx::query_scalar("SELECT code FROM project_batches")
            .fetch_all(&mut *connection)
            .await?;
        drop(connection);

        let mut errors: Vec<FieldError> = Vec::new();
        let mut parsed: Vec<ParsedRow> = Vec::new();
        let mut batch_first_row: HashMap<String, (u32, String, Programme, i64)> = HashMap::new();
        let mut seen_projects: HashMap<(String, i64, String), u32> = HashMap::new();
        for row in &sheet.rows {
            if row.cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            report.rows += 1;
            let before = errors.len();
            if let Some(parsed_row) =
                parse_row(row, &positions, &sheet.headers, &enterprises, &mut errors)
            {
                let at = |column: Column| {
                    cell_name(positions.get(&column).copied().unwrap_or(0), &sheet.headers)
                };
                if existing_batches.contains(&parsed_row.batch_code) {
                    errors.push(FieldError::at_cell(
                        "batch_code",
                        row.number,
                        at(Column::BatchCode),
                        Text::owned(
                            format!("批次 {} 已存在，不能重复导入", parsed_row.batch_code),
                            format!(
                                "batch {} already exists; it cannot be imported again",
                                parsed_row.batch_code
                            ),
                        ),
                    ));
                }
                match batch_first_row.get(&parsed_row.batch_code) {
                    Some((first, title, programme, year)) => {
                        let differs = [
                            (
                                *title != parsed_row.batch_title,
                                Column::BatchTitle,
                                "batch_title",
                            ),
                            (
                                *programme != parsed_row.programme,
                                Column::Programme,
                                "programme",
                            ),
                            (*year != parsed_row.year, Column::Year, "year"),
                        ];
                        for (_, column, field) in differs.iter().filter(|(d, _, _)| *d) {
                            errors.push(FieldError::at_cell(
                                *field,
                                row.number,
                                at(*column),
                                Text::owned(
                                    format!("与第 {first} 行同一批次的值不一致"),
                                    format!("differs from row {first} of the same batch"),
                                ),
                            ));
                        }
                    }
                    None => {
                        batch_first_row.insert(
                            parsed_row.batch_code.clone(),
                            (
                                row.number,
                                parsed_row.batch_title.clone(),
                                parsed_row.programme,
                                parsed_row.year,
                            ),
                        );
                    }
                }
                let key = (
                    parsed_row.batch_code.clone(),
                    parsed_row.enterprise_id,
                    project_key(&parsed_row.project_name),
                );
                if let Some(first) = seen_projects.insert(key, row.number) {
                    errors.push(FieldError::at_cell(
                        "project_name",
                        row.number,
                        at(Column::ProjectName),
                        Text::owned(
                            format!("与第 {first} 行是同一企业在同一批次的同一项目"),
                            format!("the same enterprise's same project in the same batch as row {first}"),
                        ),
                    ));
                }
                if errors.len() == before {
                    parsed.push(parsed_row);
                }
            }
        }
        report.batches = batch_first_row.len();
        report.applications = parsed.len();
        if report.rows == 0 {
            errors.push(FieldError::new(
                "file",
                Text::new("文件没有数据行", "the file has no data rows"),
            ));
        }
        if !errors.is_empty() {
            errors.truncate(1000);
            report.errors = errors;
            return Ok(report);
        }
        if dry_run {
            return Ok(report);
        }
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let mut batch_ids: HashMap<String, (i64, i64)> = HashMap::new();
        let mut codes: Vec<&String> = batch_first_row.keys().collect();
        codes.sort();
        for code in codes {
            let (_, title, programme, year) = &batch_first_row[code];
            let id = insert_batch(
                &mut transaction,
                &PastBatch {
                    code: code.clone(),
                    programme: *programme,
                    year: *year,
                    title: title.clone(),
                    opens_on: format!("{year}-01-01"),
                    closes_on: format!("{year}-12-31"),
                    eligibility: String::new(),
                    required_attachments: Vec::new(),
                    rule_set_id: None,
                    status: BatchStatus::Closed,
                },
                now,
            )
            .await?;
            batch_ids.insert(code.clone(), (id, 0));
        }
        for row in &parsed {
            let entry = batch_ids
                .get_mut(&row.batch_code)
                .ok_or_else(|| Error::not_found("batch", &row.batch_code))?;
            entry.1 += 1;
            let (batch_id, sequence) = *entry;
            insert_application(
                &mut transaction,
                &PastApplication {
                    batch_id,
                    batch_code: row.batch_code.clone(),
                    sequence,
                    enterprise_id: row.enterprise_id,
                    project_name: row.project_name.clone(),
                    upgrade_type: row.upgrade_type,
                    starts_on: None,
                    ends_on: None,
                    description: String::new(),
                    expected_output_value_fen: None,
                    items: vec![PastItem {
                        category: Category::Other,
                        name: "总投资（历史导入）".into(),
                        model: String::new(),
                        quantity: 1,
                        unit_price_fen: row.investment_fen,
                        supplier: String::new(),
                        related_party: false,
                        invoice_number: String::new(),
                        invoice_date: None,
                    }],
                    status: row.status,
                    status_changed_at: now,
                    submitted_at: None,
                    notice_ends_at: None,
                    granted: row.granted_fen.map(|g| (g, None)),
                    disbursed_fen: row.disbursed_fen,
                    recorded_by: principal.username.clone(),
                },
            )
            .await?;
        }
        for (code, (_, count)) in &batch_ids {
            crate::history::set_next_sequence(&mut transaction, batch_ids[code].0, *count).await?;
            audit::record(
                &mut transaction,
                &principal.actor(),
                now,
                AuditEntry::new("project_batch.imported", "project_batch", code)
                    .note(format!("{count} application(s) from {file_name}")),
            )
            .await?;
        }
        transaction.commit().await?;
        report.applied = true;
        Ok(report)
    }
}

fn parse_row(
    row: &SheetRow,
    positions: &HashMap<Column, usize>,
    headers: &[String],
    enterprises: &HashMap<String, i64>,
    errors: &mut Vec<FieldError>,
) -> Option<ParsedRow> {
    let cell = |column: Column| -> &str {
        positions
            .get(&column)
            .and_then(|i| row.cells.get(*i))
            .map(|s| s.trim())
            .unwrap_or("")
    };
    let at = |column: Column| cell_name(positions.get(&column).copied().unwrap_or(0), headers);
    let before = errors.len();
    let problem = |errors: &mut Vec<FieldError>, column: Column, field: &str, message: Text| {
        errors.push(FieldError::at_cell(field, row.number, at(column), message));
    };
    let required = |errors: &mut Vec<FieldError>, column: Column, field: &str| -> Option<String> {
        let value = cell(column);
        if value.is_empty() {
            errors.push(FieldError::at_cell(
                field,
                row.number,
                at(column),
                Text::new("必填", "is required"),
            ));
            None
        } else {
            Some(value.to_owned())
        }
    };
    let batch_code = required(errors, Column::BatchCode, "batch_code");
    if let Some(code) = &batch_code
        && (code.len() > 32 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        problem(
            errors,
            Column::BatchCode,
            "batch_code",
            Text::new(
                "批次编号只能由字母、数字和“-”组成，最长 32 个字符",
                "use only letters, digits and '-', at most 32 characters",
            ),
        );
    }
    let batch_title = required(errors, Column::BatchTitle, "batch_title");
    let programme = match parse_programme(cell(Column::Programme)) {
        Some(p) => Some(p),
        None => {
            problem(
                errors,
                Column::Programme,
                "programme",
                Text::owned(
                    format!(
                        "“{}”不是专项（技术改造项目入库、省级专项资金、市级专项资金、事后奖补）",
                        cell(Column::Programme)
                    ),
                    format!(
                        "{:?} is not a programme (tech_upgrade, provincial_fund, city_fund, post_completion)",
                        cell(Column::Programme)
                    ),
                ),
            );
            None
        }
    };
    let year = match cell(Column::Year).trim_end_matches('年').parse::<i64>() {
        Ok(year) if (2000..=2100).contains(&year) => Some(year),
        _ => {
            problem(
                errors,
                Column::Year,
                "year",
                Text::new(
                    "年度应为 2000 至 2100 之间的数字",
                    "the year must be a number from 2000 to 2100",
                ),
            );
            None
        }
    };
    let enterprise_id = match CreditCode::parse(cell(Column::CreditCode)) {
        Ok(code) => match enterprises.get(code.as_str()) {
            Some(id) => Some(*id),
            None => {
                problem(
                    errors,
                    Column::CreditCode,
                    "credit_code",
                    Text::owned(
                        format!("信用代码 {code} 不在企业名录中，请先登记企业"),
                        format!(
                            "credit code {code} is not in the registry; register the enterprise first"
                        ),
                    ),
                );
                None
            }
        },
        Err(error) => {
            problem(
                errors,
                Column::CreditCode,
                "credit_code",
                Text::owned(error.to_string(), error.to_string()),
            );
            None
        }
    };
    let project_name = required(errors, Column::ProjectName, "project_name");
    if let Some(name) = &project_name
        && name.chars().count() > 200
    {
        problem(
            errors,
            Column::ProjectName,
            "project_name",
            Text::new("不能超过 200 个字", "at most 200 characters"),
        );
    }
    let upgrade_type = parse_upgrade_type(cell(Column::UpgradeType)).or_else(|| {
        problem(
            errors,
            Column::UpgradeType,
            "upgrade_type",
            Text::owned(
                format!("“{}”不是改造类型", cell(Column::UpgradeType)),
                format!("{:?} is not an upgrade type", cell(Column::UpgradeType)),
            ),
        );
        None
    });
    let money =
        |errors: &mut Vec<FieldError>, column: Column, field: &str, needed: bool| -> Option<Fen> {
            let text = cell(column);
            if text.is_empty() {
                if needed {
                    errors.push(FieldError::at_cell(
                        field,
                        row.number,
                        at(column),
                        Text::new("必填", "is required"),
                    ));
                }
                return None;
            }
            match Fen::parse_wan_yuan(text) {
                Ok(fen) if fen.get() >= 0 => Some(fen),
                Ok(_) => {
                    errors.push(FieldError::at_cell(
                        field,
                        row.number,
                        at(column),
                        Text::new("金额不能为负", "must not be negative"),
                    ));
                    None
                }
                Err(error) => {
                    errors.push(FieldError::at_cell(
                        field,
                        row.number,
                        at(column),
                        error.text(),
                    ));
                    None
                }
            }
        };
    let investment = money(errors, Column::InvestmentWan, "investment_wan_yuan", true);
    let granted = money(errors, Column::GrantedWan, "granted_wan_yuan", false);
    let disbursed = money(errors, Column::DisbursedWan, "disbursed_wan_yuan", false);
    if let (Some(g), Some(d)) = (granted, disbursed)
        && d > g
    {
        errors.push(FieldError::at_cell(
            "disbursed_wan_yuan",
            row.number,
            at(Column::DisbursedWan),
            Text::new("已拨付金额超过核定补助", "more was paid than granted"),
        ));
    }
    if disbursed.is_some() && granted.is_none() {
        errors.push(FieldError::at_cell(
            "granted_wan_yuan",
            row.number,
            at(Column::GrantedWan),
            Text::new(
                "有拨付金额时须填写核定补助",
                "give the amount granted when an amount was paid",
            ),
        ));
    }
    let status = parse_status(cell(Column::Status), disbursed.is_some());
    if status.is_none() {
        errors.push(FieldError::at_cell(
            "status",
            row.number,
            at(Column::Status),
            Text::owned(
                format!(
                    "“{}”不是历史状态（已立项、未通过、已验收、已拨付）",
                    cell(Column::Status)
                ),
                format!(
                    "{:?} is not a final status (approved, rejected, accepted, disbursed)",
                    cell(Column::Status)
                ),
            ),
        ));
    }
    if status == Some(Status::Rejected) && granted.is_some_and(|g| g > Fen::new(0)) {
        errors.push(FieldError::at_cell(
            "granted_wan_yuan",
            row.number,
            at(Column::GrantedWan),
            Text::new("未通过的项目不能有补助", "a rejected project has no grant"),
        ));
    }
    if errors.len() > before {
        return None;
    }
    Some(ParsedRow {
        batch_code: batch_code?,
        batch_title: batch_title?,
        programme: programme?,
        year: year?,
        enterprise_id: enterprise_id?,
        project_name: project_name?,
        upgrade_type: upgrade_type?,
        investment_fen: investment?,
        granted_fen: granted,
        disbursed_fen: disbursed,
        status: status?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programmes_and_statuses_read_as_people_write_them() {
        assert_eq!(
            parse_programme("技术改造项目入库"),
            Some(Programme::TechUpgrade)
        );
        assert_eq!(
            parse_programme("省级促进经济发展专项资金"),
            Some(Programme::ProvincialFund)
        );
        assert_eq!(
            parse_programme("事后奖补（普惠性）"),
            Some(Programme::PostCompletion)
        );
        assert_eq!(parse_programme("市级技改资金"), Some(Programme::CityFund));
        assert_eq!(parse_programme("city_fund"), Some(Programme::CityFund));
        assert_eq!(parse_programme("其他"), None);
        assert_eq!(parse_status("", true), Some(Status::Disbursed));
        assert_eq!(parse_status("", false), Some(Status::Approved));
        assert_eq!(parse_status("未通过", false), Some(Status::Rejected));
        assert_eq!(
            parse_status("draft", false),
            None,
            "history holds final decisions"
        );
        assert_eq!(
            parse_upgrade_type("数字化车间"),
            Some(UpgradeType::DigitalWorkshop)
        );
        assert_eq!(parse_upgrade_type("robots"), None);
    }
}
