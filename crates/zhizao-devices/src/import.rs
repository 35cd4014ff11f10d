//! Registering many devices from a spreadsheet: all or nothing, every problem by row and column,
//! and the new tokens returned once.

use std::collections::HashMap;

use serde::Serialize;
use zhizao_core::{FieldError, Text};
use zhizao_identity::Principal;
use zhizao_sheets::{cell_name, read_sheet_in_background};

use crate::devices::{DeviceInput, NewDeviceToken, check_device_input, insert_device};
use crate::profiles::tenant_of;
use crate::{Devices, Error, Result};

/// The largest file accepted.
pub const MAX_DEVICE_IMPORT_BYTES: usize = 5 * 1024 * 1024;
/// The most devices one file registers.
pub const MAX_DEVICE_IMPORT_ROWS: usize = 10_000;
/// Problems reported at most; the count of rows with problems is always complete.
const MAX_REPORTED_ERRORS: usize = 500;

/// The columns, with the headers they are recognised by (Chinese or English, any case).
const COLUMNS: &[(&str, &[&str])] = &[
    ("name", &["name", "device", "设备名称", "名称", "设备编号"]),
    ("label", &["label", "显示名称", "标签", "备注"]),
    (
        "serial_number",
        &[
            "serial_number",
            "serial number",
            "serial",
            "序列号",
            "出厂编号",
        ],
    ),
    (
        "profile",
        &["profile", "device profile", "设备型号", "型号", "产品型号"],
    ),
    ("database_name", &["database_name", "database", "数据库"]),
];
const REQUIRED: &[&str] = &["name", "profile"];

/// What a device import did, or would have done.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceImportReport {
    /// Data rows read (blank rows skipped).
    pub rows: usize,
    /// Rows with at least one problem.
    pub rows_with_errors: usize,
    /// The problems, by row and column.
    pub errors: Vec<FieldError>,
    /// Whether the devices were registered (only when no row had a problem).
    pub applied: bool,
    /// The registered devices with their tokens: shown this once.
    pub created: Vec<NewDeviceToken>,
}

fn file_error(message: Text) -> Error {
    Error::Invalid(vec![FieldError::new("file", message)])
}

impl Devices {
    /// Registers every device of a spreadsheet (columns: name, profile, and optionally label,
    /// serial number, database), or none when any row has a problem.
    pub async fn import_devices(
        &self,
        principal: &Principal,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<DeviceImportReport> {
        let tenant = tenant_of(principal)?;
        if bytes.len() > MAX_DEVICE_IMPORT_BYTES {
            return Err(file_error(Text::owned(
                format!(
                    "文件过大：{} 字节，上限 {MAX_DEVICE_IMPORT_BYTES} 字节",
                    bytes.len()
                ),
                format!(
                    "the file has {} bytes; at most {MAX_DEVICE_IMPORT_BYTES} are accepted",
                    bytes.len()
                ),
            )));
        }
        let sheet = read_sheet_in_background(file_name, bytes, MAX_DEVICE_IMPORT_ROWS)
            .await
            .map_err(|e| file_error(e.message))?;
        let mut positions: HashMap<&'static str, usize> = HashMap::new();
        for (index, header) in sheet.headers.iter().enumerate() {
            let header = header.trim().to_lowercase();
            if let Some((field, _)) = COLUMNS
                .iter()
                .find(|(_, names)| names.contains(&header.as_str()))
                && positions.insert(field, index).is_some()
            {
                return Err(Error::Invalid(vec![FieldError::at_cell(
                    *field,
                    sheet.header_row,
                    cell_name(index, &sheet.headers),
                    Text::new("该列重复出现", "this column appears twice"),
                )]));
            }
        }
        let missing: Vec<FieldError> = REQUIRED
            .iter()
            .filter(|field| !positions.contains_key(*field))
            .map(|field| {
                let names = COLUMNS
                    .iter()
                    .find(|(f, _)| f == field)
                    .map(|(_, names)| names.join(" / "))
                    .unwrap_or_default();
                FieldError::new(
                    *field,
                    Text::owned(
                        format!("缺少必填列：{names}"),
                        format!("the required column is missing: {names}"),
                    ),
                )
            })
            .collect();
        if !missing.is_empty() {
            return Err(Error::Invalid(missing));
        }
        let rows: Vec<_> = sheet
            .rows
            .iter()
            .filter(|r| r.cells.iter().any(|c| !c.trim().is_empty()))
            .collect();
        if rows.len() > MAX_DEVICE_IMPORT_ROWS {
            return Err(file_error(Text::owned(
                format!(
                    "文件有 {} 行设备，上限 {MAX_DEVICE_IMPORT_ROWS} 行",
                    rows.len()
                ),
                format!(
                    "the file has {} device rows; at most {MAX_DEVICE_IMPORT_ROWS} are accepted",
                    rows.len()
                ),
            )));
        }
        let cell = |row: &zhizao_sheets::SheetRow, field: &str| -> String {
            positions
                .get(field)
                .and_then(|&i| row.cells.get(i))
                .map(|c| c.trim().to_owned())
                .unwrap_or_default()
        };
        let mut report = DeviceImportReport {
            rows: rows.len(),
            rows_with_errors: 0,
            errors: Vec::new(),
            applied: false,
            created: Vec::new(),
        };
        let mut transaction = self.db.begin().await?;
        let mut checked = Vec::with_capacity(rows.len());
        let mut first_row_of_name: HashMap<String, u32> = HashMap::new();
        for row in &rows {
            let input = DeviceInput {
                name: cell(row, "name"),
                label: cell(row, "label"),
                serial_number: cell(row, "serial_number"),
                profile: cell(row, "profile"),
                database_name: cell(row, "database_name"),
            };
            let (profile, mut errors) =
                check_device_input(&mut transaction, tenant, &input).await?;
            if errors.is_empty() {
                if let Some(first) = first_row_of_name.get(&input.name) {
                    errors.push(FieldError::new(
                        "name",
                        Text::owned(
                            format!("与第 {first} 行的设备名称重复"),
                            format!("the same device name as row {first}"),
                        ),
                    ));
                } else if crate::devices::fetch_device(&mut transaction, tenant, &input.name)
                    .await?
                    .is_some()
                {
                    errors.push(FieldError::new(
                        "name",
                        Text::owned(
                            format!("设备“{}”已存在", input.name),
                            format!("device {:?} already exists", input.name),
                        ),
                    ));
                }
            }
            first_row_of_name
                .entry(input.name.clone())
                .or_insert(row.number);
            if !errors.is_empty() {
                report.rows_with_errors += 1;
                for error in errors {
                    if report.errors.len() < MAX_REPORTED_ERRORS {
                        let column = positions
                            .get(error.field.as_str())
                            .map(|&i| cell_name(i, &sheet.headers))
                            .unwrap_or_default();
                        report.errors.push(FieldError::at_cell(
                            error.field,
                            row.number,
                            column,
                            error.message,
                        ));
                    }
                }
                continue;
            }
            checked.extend(profile.map(|p| (p, input)));
        }
        if report.rows_with_errors > 0 || rows.is_empty() {
            return Ok(report);
        }
        let now = self.clock.now();
        for (profile, input) in &checked {
            report.created.push(
                insert_device(
                    &mut transaction,
                    &principal.actor(),
                    tenant,
                    profile,
                    input,
                    now,
                )
                .await?,
            );
        }
        transaction.commit().await?;
        report.applied = true;
        Ok(report)
    }
}
