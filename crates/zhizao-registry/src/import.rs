//! Importing enterprises from the city's spreadsheets (`.xlsx`, `.xls`, `.ods`, `.csv`), all or
//! nothing, with every problem reported by row and column.

use serde::Serialize;
use std::collections::HashMap;
use zhizao_core::{CreditCode, Fen, FieldError, Text};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry};
use zhizao_identity::policy::{self, EnterpriseScope};
use zhizao_sheets::{Sheet, SheetRow, cell_name};

use crate::columns::{
    COLUMNS, ColumnField, REQUIRED, column_for_header, column_letter, parse_recognitions,
    unescape_formula,
};
use crate::enterprises::{fetch_in_scope, insert_enterprise, update_enterprise};
use crate::model::EnterpriseInput;
use crate::scope::town_in_scope;
use crate::validate::{EnterpriseRecord, References, validate_new, validate_update};
use crate::{Error, Registry, Result};

/// The largest file accepted.
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;
/// The most data rows accepted in one file.
pub const MAX_IMPORT_ROWS: usize = 20_000;
/// Problems reported at most; the count of problem rows is always complete.
const MAX_REPORTED_ERRORS: usize = 1_000;

/// What to do with rows whose credit code is already registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Every row must be a new enterprise; a registered code is an error.
    #[default]
    Create,
    /// New codes are registered, registered codes are updated.
    Upsert,
}

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// New only, or new and updates.
    pub mode: ImportMode,
    /// Validate and report without writing anything.
    pub dry_run: bool,
}

/// The outcome of an import: counts, and every problem with its row and column.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// The uploaded file's name.
    pub file_name: String,
    /// `xlsx`, `xls`, `ods` or `csv`.
    pub format: String,
    /// For CSV: the character encoding detected (`UTF-8` or `GB18030`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// Data rows read (blank rows are skipped).
    pub rows: usize,
    /// Enterprises registered (or that would be, in a dry run).
    pub created: usize,
    /// Enterprises changed.
    pub updated: usize,
    /// Rows identical to what is registered.
    pub unchanged: usize,
    /// Rows with at least one problem.
    pub rows_with_errors: usize,
    /// The problems, by row and column (at most 1,000 are listed).
    pub errors: Vec<FieldError>,
    /// Headers that name no known column and were ignored.
    pub ignored_columns: Vec<String>,
    /// Whether the file was written to the registry.
    pub applied: bool,
}

/// Reads the file, with the reader's problem as this crate's validation error on `file`.
async fn read_sheet(file_name: &str, bytes: &[u8]) -> Result<Sheet> {
    zhizao_sheets::read_sheet_in_background(file_name, bytes, MAX_IMPORT_ROWS)
        .await
        .map_err(|error| Error::Invalid(vec![FieldError::new("file", error.message)]))
}

fn parse_flag(value: &str) -> Option<bool> {
    match value.trim().to_lowercase().as_str() {
        "是" | "规上" | "y" | "yes" | "true" | "1" | "√" => Some(true),
        "否" | "规下" | "n" | "no" | "false" | "0" | "×" => Some(false),
        _ => None,
    }
}

fn parse_count(value: &str) -> Option<i64> {
    let cleaned: String = value
        .trim()
        .trim_end_matches('人')
        .chars()
        .filter(|c| *c != ',' && *c != '，')
        .collect();
    cleaned.parse::<i64>().ok().or_else(|| {
        cleaned
            .parse::<f64>()
            .ok()
            .filter(|f| f.fract() == 0.0 && f.abs() < 1e12)
            .map(|f| f as i64)
    })
}

fn parse_date(value: &str) -> String {
    let normalized: String = value
        .trim()
        .replace(['/', '.', '年', '月'], "-")
        .trim_end_matches('日')
        .to_owned();
    let parts: Vec<&str> = normalized.split('-').collect();
    match parts.as_slice() {
        [y, m, d]
            if y.len() == 4 && !m.is_empty() && m.len() <= 2 && !d.is_empty() && d.len() <= 2 =>
        {
            format!("{y}-{m:0>2}-{d:0>2}")
        }
        _ => value.trim().to_owned(),
    }
}

/// Column positions of the file, by field.
struct Layout {
    positions: HashMap<ColumnField, usize>,
    ignored: Vec<String>,
}

fn layout(sheet: &Sheet) -> Result<Layout> {
    let mut positions = HashMap::new();
    let mut ignored = Vec::new();
    let mut errors = Vec::new();
    for (index, header) in sheet.headers.iter().enumerate() {
        if header.trim().is_empty() {
            continue;
        }
        match column_for_header(header) {
            Some(column) => {
                if let Some(previous) = positions.insert(column.field, index) {
                    errors.push(FieldError::at_cell(
                        column.field.api_name(),
                        sheet.header_row,
                        format!("{} {}", column_letter(index), header.trim()),
                        Text::owned(
                            format!("与 {} 列重复", column_letter(previous)),
                            format!("the same column as {}", column_letter(previous)),
                        ),
                    ));
                }
            }
            None => ignored.push(header.trim().to_owned()),
        }
    }
    if positions.contains_key(&ColumnField::RevenueYuan)
        && positions.contains_key(&ColumnField::RevenueWanYuan)
    {
        errors.push(FieldError::at_cell(
            "annual_revenue_fen",
            sheet.header_row,
            column_letter(positions[&ColumnField::RevenueWanYuan]),
            Text::new(
                "营业收入只能按元或万元给出一列",
                "give revenue in one column only, in yuan or in 10,000 yuan",
            ),
        ));
    }
    for field in REQUIRED {
        if !positions.contains_key(field) {
            let column = COLUMNS
                .iter()
                .find(|c| c.field == *field)
                .expect("required columns are columns");
            errors.push(FieldError::at_cell(
                field.api_name(),
                sheet.header_row,
                column.zh,
                Text::owned(
                    format!("缺少必需的列“{}”", column.zh),
                    format!(
                        "the required column \"{}\" ({}) is missing",
                        column.zh, column.en
                    ),
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(Layout { positions, ignored })
    } else {
        Err(Error::Invalid(errors))
    }
}

/// One row's input, and the problems found while reading its cells.
fn row_input(
    row: &SheetRow,
    layout: &Layout,
    headers: &[String],
) -> (EnterpriseInput, Vec<FieldError>) {
    let mut input = EnterpriseInput::default();
    let mut errors = Vec::new();
    for (&field, &index) in &layout.positions {
        let raw = row.cells.get(index).map(String::as_str).unwrap_or("");
        let value = unescape_formula(raw.trim()).trim();
        let mut fail = |message: Text| {
            errors.push(FieldError::at_cell(
                field.api_name(),
                row.number,
                cell_name(index, headers),
                message,
            ));
        };
        match field {
            ColumnField::CreditCode => input.credit_code = Some(value.to_owned()),
            ColumnField::Name => input.name = Some(value.to_owned()),
            ColumnField::LegalRepresentative => input.legal_representative = Some(value.to_owned()),
            ColumnField::Town => input.town = Some(value.to_owned()),
            ColumnField::IndustryCode => input.industry_code = Some(value.to_owned()),
            ColumnField::IndustryName => {}
            ColumnField::AboveDesignatedSize => match parse_flag(value) {
                Some(flag) => input.above_designated_size = Some(flag),
                None if value.is_empty() => {
                    fail(Text::new("必填：是 或 否", "is required: yes or no"))
                }
                None => fail(Text::owned(
                    format!("“{value}”应为“是”或“否”"),
                    format!("{value:?} should be yes or no"),
                )),
            },
            ColumnField::Employees if value.is_empty() => input.employees = Some(None),
            ColumnField::Employees => match parse_count(value) {
                Some(count) => input.employees = Some(Some(count)),
                None => fail(Text::owned(
                    format!("“{value}”不是整数"),
                    format!("{value:?} is not a whole number"),
                )),
            },
            ColumnField::RevenueYuan | ColumnField::RevenueWanYuan if value.is_empty() => {
                input.annual_revenue_fen = Some(None)
            }
            ColumnField::RevenueYuan | ColumnField::RevenueWanYuan => {
                let parsed = if field == ColumnField::RevenueYuan {
                    Fen::parse_yuan(value)
                } else {
                    Fen::parse_wan_yuan(value)
                };
                match parsed {
                    Ok(amount) => input.annual_revenue_fen = Some(Some(amount)),
                    Err(error) => fail(error.text()),
                }
            }
            ColumnField::Address => input.address = Some(value.to_owned()),
            ColumnField::ContactName => input.contact_name = Some(value.to_owned()),
            ColumnField::ContactPhone => input.contact_phone = Some(value.to_owned()),
            ColumnField::ContactEmail => input.contact_email = Some(value.to_owned()),
            ColumnField::EstablishedOn => {
                input.established_on = Some(Some(parse_date(value)).filter(|v| !v.is_empty()))
            }
            ColumnField::Recognitions => match parse_recognitions(value) {
                Ok(recognitions) => input.recognitions = Some(recognitions),
                Err(message) => fail(message),
            },
        }
    }
    (input, errors)
}

/// Where the validator's field names sit in this file, for pinning its errors to cells.
fn pin_to_cells(
    errors: Vec<FieldError>,
    row: u32,
    layout: &Layout,
    headers: &[String],
) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|error| {
            let base = error
                .field
                .split('[')
                .next()
                .unwrap_or(&error.field)
                .to_owned();
            let index = layout
                .positions
                .iter()
                .find(|(field, _)| field.api_name() == base)
                .map(|(_, &index)| index);
            let column = index.map(|i| cell_name(i, headers)).unwrap_or_default();
            FieldError::at_cell(error.field, row, column, error.message)
        })
        .collect()
}

enum Planned {
    Create(EnterpriseRecord),
    Update(Box<crate::Enterprise>, EnterpriseRecord),
    Unchanged,
}

impl Registry {
    /// Imports enterprises from a spreadsheet. Every row is checked first; if any row has a
    /// problem nothing is written and the report lists every problem with its row and column.
    pub async fn import_enterprises(
        &self,
        principal: &Principal,
        file_name: &str,
        bytes: &[u8],
        options: &ImportOptions,
    ) -> Result<ImportReport> {
        if !policy::may_import_enterprises(principal) {
            return Err(Error::Forbidden("your role may not import enterprises"));
        }
        if bytes.len() > MAX_IMPORT_BYTES {
            return Err(Error::TooLarge {
                unit: "bytes",
                actual: bytes.len() as u64,
                limit: MAX_IMPORT_BYTES as u64,
            });
        }
        let file_name = sanitize_file_name(file_name);
        let sheet = read_sheet(&file_name, bytes).await?;
        let data_rows: Vec<&SheetRow> = sheet
            .rows
            .iter()
            .filter(|r| r.cells.iter().any(|c| !c.trim().is_empty()))
            .collect();
        if data_rows.len() > MAX_IMPORT_ROWS {
            return Err(Error::TooLarge {
                unit: "rows",
                actual: data_rows.len() as u64,
                limit: MAX_IMPORT_ROWS as u64,
            });
        }
        let layout = layout(&sheet)?;
        let scope = policy::enterprise_scope(principal);
        let rights = policy::enterprise_edit_rights(principal);
        let today = self.today();

        let mut transaction = self.db.begin().await?;
        let references = References::load(&mut transaction).await?;
        let mut report = ImportReport {
            file_name: file_name.clone(),
            format: sheet.format.to_owned(),
            encoding: sheet.encoding.map(str::to_owned),
            rows: data_rows.len(),
            created: 0,
            updated: 0,
            unchanged: 0,
            rows_with_errors: 0,
            errors: Vec::new(),
            ignored_columns: layout.ignored.clone(),
            applied: false,
        };
        let mut first_row_of_code: HashMap<String, u32> = HashMap::new();
        let mut plans = Vec::with_capacity(data_rows.len());
        for row in data_rows {
            let (input, mut errors) = row_input(row, &layout, &sheet.headers);
            let code = input
                .credit_code
                .as_deref()
                .and_then(|c| CreditCode::parse(c).ok());
            let credit_column = layout
                .positions
                .get(&ColumnField::CreditCode)
                .map(|&i| cell_name(i, &sheet.headers))
                .unwrap_or_default();
            if let Some(code) = &code
                && let Some(first) = first_row_of_code.insert(code.to_string(), row.number)
            {
                first_row_of_code.insert(code.to_string(), first);
                errors.push(FieldError::at_cell(
                    "credit_code",
                    row.number,
                    credit_column.clone(),
                    Text::owned(
                        format!("与第 {first} 行的信用代码重复"),
                        format!("the same credit code as row {first}"),
                    ),
                ));
            }
            let existing = match &code {
                Some(code) => {
                    fetch_in_scope(&mut transaction, &EnterpriseScope::All, code.as_str()).await?
                }
                None => None,
            };
            let plan = match existing {
                Some(existing) if options.mode == ImportMode::Create => {
                    let visible = fetch_in_scope(&mut transaction, &scope, &existing.credit_code)
                        .await?
                        .is_some();
                    let message = if visible {
                        Text::owned(
                            format!(
                                "该信用代码已登记为“{}”（如需更新，请选择“新增并更新”方式）",
                                existing.name
                            ),
                            format!(
                                "already registered as {:?} (choose the update mode to change it)",
                                existing.name
                            ),
                        )
                    } else {
                        Text::new(
                            "该信用代码已由其他镇街登记",
                            "already registered outside your scope",
                        )
                    };
                    errors.push(FieldError::at_cell(
                        "credit_code",
                        row.number,
                        credit_column.clone(),
                        message,
                    ));
                    None
                }
                Some(existing) => {
                    let visible =
                        fetch_in_scope(&mut transaction, &scope, &existing.credit_code).await?;
                    match visible {
                        None => {
                            errors.push(FieldError::at_cell(
                                "credit_code",
                                row.number,
                                credit_column.clone(),
                                Text::new(
                                    "该信用代码已由其他镇街登记",
                                    "already registered outside your scope",
                                ),
                            ));
                            None
                        }
                        Some(current) => {
                            match validate_update(&current, &input, &references, &today) {
                                Err(field_errors) => {
                                    errors.extend(pin_to_cells(
                                        field_errors,
                                        row.number,
                                        &layout,
                                        &sheet.headers,
                                    ));
                                    None
                                }
                                Ok(record) => {
                                    let changes_forbidden = crate::enterprises::forbidden_field(
                                        &current, &record, rights,
                                    );
                                    if let Some(field) = changes_forbidden {
                                        errors.extend(pin_to_cells(
                                            vec![FieldError::new(
                                                field,
                                                Text::new(
                                                    "您的角色无权修改此项",
                                                    "your role may not change this field",
                                                ),
                                            )],
                                            row.number,
                                            &layout,
                                            &sheet.headers,
                                        ));
                                        None
                                    } else if crate::enterprises::would_change(&current, &record) {
                                        Some(Planned::Update(Box::new(current), record))
                                    } else {
                                        Some(Planned::Unchanged)
                                    }
                                }
                            }
                        }
                    }
                }
                None => match validate_new(&input, &references, &today) {
                    Err(field_errors) => {
                        errors.extend(pin_to_cells(
                            field_errors,
                            row.number,
                            &layout,
                            &sheet.headers,
                        ));
                        None
                    }
                    Ok(record) => {
                        if !town_in_scope(&scope, &record.town_code, |c| references.successor_of(c))
                        {
                            errors.extend(pin_to_cells(
                                vec![FieldError::new(
                                    "town_code",
                                    Text::new(
                                        "只能登记本镇街的企业",
                                        "you may only register enterprises of your own town",
                                    ),
                                )],
                                row.number,
                                &layout,
                                &sheet.headers,
                            ));
                            None
                        } else if !rights.recognitions && !record.recognitions.is_empty() {
                            errors.extend(pin_to_cells(
                                vec![FieldError::new(
                                    "recognitions",
                                    Text::new(
                                        "认定信息由市级部门维护",
                                        "recognitions are maintained by the city",
                                    ),
                                )],
                                row.number,
                                &layout,
                                &sheet.headers,
                            ));
                            None
                        } else {
                            Some(Planned::Create(record))
                        }
                    }
                },
            };
            if errors.is_empty() {
                match &plan {
                    Some(Planned::Create(_)) => report.created += 1,
                    Some(Planned::Update(..)) => report.updated += 1,
                    Some(Planned::Unchanged) => report.unchanged += 1,
                    None => {}
                }
                plans.extend(plan);
            } else {
                report.rows_with_errors += 1;
                // Keep the first problem of each cell only, in column order.
                let mut seen = std::collections::HashSet::new();
                errors.retain(|e| seen.insert((e.field.clone(), e.column.clone())));
                errors.sort_by_key(|e| {
                    let letters = e
                        .column
                        .as_deref()
                        .unwrap_or("")
                        .split(' ')
                        .next()
                        .unwrap_or("")
                        .to_owned();
                    (letters.len(), letters)
                });
                let room = MAX_REPORTED_ERRORS.saturating_sub(report.errors.len());
                report.errors.extend(errors.into_iter().take(room));
            }
        }
        if report.rows_with_errors > 0 || options.dry_run {
            transaction.rollback().await?;
            return Ok(report);
        }
        let actor = principal.actor();
        let now = self.clock.now();
        let note = format!("import {file_name}");
        for plan in plans {
            match plan {
                Planned::Create(record) => {
                    insert_enterprise(
                        &mut transaction,
                        &actor,
                        now,
                        &record,
                        "enterprise.imported",
                        &note,
                    )
                    .await?;
                }
                Planned::Update(current, record) => {
                    update_enterprise(
                        &mut transaction,
                        &actor,
                        now,
                        &current,
                        &record,
                        "enterprise.imported",
                        &note,
                    )
                    .await?;
                }
                Planned::Unchanged => {}
            }
        }
        audit::record(
            &mut transaction,
            &actor,
            now,
            AuditEntry::new("enterprise.import", "import", &file_name).note(format!(
                "{} rows: {} created, {} updated, {} unchanged",
                report.rows, report.created, report.updated, report.unchanged
            )),
        )
        .await?;
        transaction.commit().await?;
        report.applied = true;
        Ok(report)
    }
}

/// The base name of an uploaded file, without directories or control characters, at most 200
/// characters; uploads never choose a path on the server.
pub(crate) fn sanitize_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "upload".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn file_names_lose_their_paths() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            sanitize_file_name("C:\\Users\\张\\企业名录.xlsx"),
            "企业名录.xlsx"
        );
        assert_eq!(sanitize_file_name("..\u{0}"), "upload");
        assert_eq!(sanitize_file_name(".hidden.csv"), "hidden.csv");
    }

    #[test]
    fn cells_in_the_forms_people_type() {
        assert_eq!(parse_flag(" 是 "), Some(true));
        assert_eq!(parse_flag("N"), Some(false));
        assert_eq!(parse_flag("maybe"), None);
        assert_eq!(parse_count("1,200人"), Some(1200));
        assert_eq!(parse_count("35.0"), Some(35));
        assert_eq!(parse_count("3.5"), None);
        assert_eq!(parse_date("2015/3/1"), "2015-03-01");
        assert_eq!(parse_date("2015年3月1日"), "2015-03-01");
        assert_eq!(parse_date("yesterday"), "yesterday");
    }

    proptest! {
        #[test]
        fn every_cell_of_arbitrary_csv_maps_without_panicking(text in "[^\\x00]{0,400}") {
            if let Ok(sheet) = zhizao_sheets::read_csv(text.as_bytes(), MAX_IMPORT_ROWS)
                && let Ok(layout) = layout(&sheet) {
                    for row in &sheet.rows {
                        let (_, errors) = row_input(row, &layout, &sheet.headers);
                        for error in errors {
                            prop_assert!(error.row.is_some() && error.column.is_some());
                        }
                    }
                }
        }
    }
}
