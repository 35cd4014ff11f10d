//! Exporting the filtered registry to `.xlsx` and `.csv`, in the same columns import reads.

use rust_xlsxwriter::{Format, Workbook};
use zhizao_core::Language;
use zhizao_identity::Principal;

use crate::columns::{COLUMNS, ColumnField, escape_formula, format_recognitions};
use crate::enterprises::EnterpriseFilter;
use crate::model::Enterprise;
use crate::{Error, Registry, Result};

/// The most rows one export writes.
const MAX_EXPORT_ROWS: i64 = 200_000;

/// A spreadsheet format to export to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Office Open XML workbook.
    Xlsx,
    /// Comma-separated values, UTF-8 with a byte-order mark so that Excel reads Chinese correctly.
    Csv,
}

impl ExportFormat {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv => "csv",
        }
    }

    /// The MIME type.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ExportFormat::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// An exported file.
#[derive(Debug, Clone)]
pub struct Exported {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Rows written (without the header).
    pub rows: usize,
}

/// Export columns: every import column (the revenue in yuan, not 万元).
fn export_columns() -> impl Iterator<Item = &'static crate::columns::Column> {
    COLUMNS
        .iter()
        .filter(|c| c.field != ColumnField::RevenueWanYuan)
}

/// A cell's value: text, or a number that spreadsheets can sum.
enum Cell {
    Text(String),
    Number(f64, String),
    Empty,
}

fn cell(enterprise: &Enterprise, field: ColumnField, language: Language) -> Cell {
    let text = |s: &str| {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.to_owned())
        }
    };
    match field {
        ColumnField::CreditCode => text(&enterprise.credit_code),
        ColumnField::Name => text(&enterprise.name),
        ColumnField::LegalRepresentative => text(&enterprise.legal_representative),
        ColumnField::Town => text(if language == Language::ZhCn {
            &enterprise.town_name_zh
        } else {
            &enterprise.town_name_en
        }),
        ColumnField::IndustryCode => text(&enterprise.industry_code),
        ColumnField::IndustryName => text(&enterprise.industry_name_zh),
        ColumnField::AboveDesignatedSize => Cell::Text(
            match (enterprise.above_designated_size, language) {
                (true, Language::ZhCn) => "是",
                (false, Language::ZhCn) => "否",
                (true, Language::En) => "yes",
                (false, Language::En) => "no",
            }
            .to_owned(),
        ),
        ColumnField::Employees => enterprise
            .employees
            .map_or(Cell::Empty, |n| Cell::Number(n as f64, n.to_string())),
        ColumnField::RevenueYuan | ColumnField::RevenueWanYuan => {
            enterprise.annual_revenue_fen.map_or(Cell::Empty, |fen| {
                let plain = fen.to_plain_yuan_string();
                Cell::Number(fen.get() as f64 / 100.0, plain)
            })
        }
        ColumnField::Address => text(&enterprise.address),
        ColumnField::ContactName => text(&enterprise.contact_name),
        ColumnField::ContactPhone => text(&enterprise.contact_phone),
        ColumnField::ContactEmail => text(&enterprise.contact_email),
        ColumnField::EstablishedOn => text(enterprise.established_on.as_deref().unwrap_or("")),
        ColumnField::Recognitions => text(&format_recognitions(&enterprise.recognitions, language)),
    }
}

/// Writes `enterprises` as a workbook or CSV with headers in `language`.
pub(crate) fn write(
    enterprises: &[Enterprise],
    format: ExportFormat,
    language: Language,
) -> Result<Vec<u8>> {
    let headers: Vec<&str> = export_columns()
        .map(|c| {
            if language == Language::ZhCn {
                c.zh
            } else {
                c.en
            }
        })
        .collect();
    match format {
        ExportFormat::Csv => {
            let mut buffer = b"\xEF\xBB\xBF".to_vec();
            {
                let mut writer = csv::Writer::from_writer(&mut buffer);
                writer
                    .write_record(&headers)
                    .map_err(|e| Error::Export(e.to_string()))?;
                for enterprise in enterprises {
                    let row: Vec<String> = export_columns()
                        .map(|c| match cell(enterprise, c.field, language) {
                            Cell::Text(s) => escape_formula(&s),
                            Cell::Number(_, s) => s,
                            Cell::Empty => String::new(),
                        })
                        .collect();
                    writer
                        .write_record(&row)
                        .map_err(|e| Error::Export(e.to_string()))?;
                }
                writer.flush().map_err(|e| Error::Export(e.to_string()))?;
            }
            Ok(buffer)
        }
        ExportFormat::Xlsx => {
            let xlsx = |e: rust_xlsxwriter::XlsxError| Error::Export(e.to_string());
            let mut workbook = Workbook::new();
            let sheet = workbook.add_worksheet();
            sheet
                .set_name(if language == Language::ZhCn {
                    "企业名录"
                } else {
                    "Enterprises"
                })
                .map_err(xlsx)?;
            let bold = Format::new().set_bold();
            let money = Format::new().set_num_format("#,##0.00");
            let text_format = Format::new().set_num_format("@");
            for (column, header) in headers.iter().enumerate() {
                sheet
                    .write_string_with_format(0, column as u16, *header, &bold)
                    .map_err(xlsx)?;
                let width = match export_columns().nth(column).map(|c| c.field) {
                    Some(ColumnField::Name | ColumnField::Address | ColumnField::Recognitions) => {
                        36.0
                    }
                    Some(
                        ColumnField::CreditCode
                        | ColumnField::IndustryName
                        | ColumnField::RevenueYuan,
                    ) => 22.0,
                    _ => 14.0,
                };
                sheet.set_column_width(column as u16, width).map_err(xlsx)?;
            }
            for (index, enterprise) in enterprises.iter().enumerate() {
                let row = index as u32 + 1;
                for (column, definition) in export_columns().enumerate() {
                    let column = column as u16;
                    match cell(enterprise, definition.field, language) {
                        Cell::Text(s) => {
                            sheet
                                .write_string_with_format(
                                    row,
                                    column,
                                    escape_formula(&s),
                                    &text_format,
                                )
                                .map_err(xlsx)?;
                        }
                        Cell::Number(n, _) if definition.field == ColumnField::RevenueYuan => {
                            sheet
                                .write_number_with_format(row, column, n, &money)
                                .map_err(xlsx)?;
                        }
                        Cell::Number(n, _) => {
                            sheet.write_number(row, column, n).map_err(xlsx)?;
                        }
                        Cell::Empty => {}
                    }
                }
            }
            sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
            let last_column = headers.len().saturating_sub(1) as u16;
            sheet
                .autofilter(0, 0, enterprises.len() as u32, last_column)
                .map_err(xlsx)?;
            workbook.save_to_buffer().map_err(xlsx)
        }
    }
}

impl Registry {
    /// Exports every enterprise in the principal's scope matching `filter`.
    pub async fn export_enterprises(
        &self,
        principal: &Principal,
        filter: &EnterpriseFilter,
        format: ExportFormat,
        language: Language,
    ) -> Result<Exported> {
        let enterprises = self
            .all_enterprises(principal, filter, MAX_EXPORT_ROWS)
            .await?;
        let rows = enterprises.len();
        // Writing a workbook of thousands of rows is CPU work: off the async threads.
        let bytes = tokio::task::spawn_blocking(move || write(&enterprises, format, language))
            .await
            .map_err(|e| Error::Export(e.to_string()))??;
        Ok(Exported { bytes, rows })
    }

    /// An empty workbook with the import columns, to fill in.
    pub fn import_template(&self, language: Language) -> Result<Vec<u8>> {
        write(&[], ExportFormat::Xlsx, language)
    }
}
