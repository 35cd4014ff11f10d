//! Reading the spreadsheets people actually have: Excel workbooks (`.xlsx`, `.xls`), OpenDocument
//! (`.ods`) and CSV in UTF-8 or the GBK/GB18030 that Chinese Excel writes, with row numbers as
//! the user's editor shows them, so every import can report problems by row and column.

use std::io::Cursor;

use calamine::{Data, Reader};
use zhizao_core::{Classified, ErrorKind, Text};

/// Why a file could not be read as a sheet, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .message.en)]
pub struct SheetError {
    /// What is wrong with the file.
    pub message: Text,
}

/// One row of a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// The row number people see in their editor (1-based).
    pub number: u32,
    /// The cells as text, from column A.
    pub cells: Vec<String>,
}

/// A worksheet: its header row and the rows below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// The first non-empty row's cells.
    pub headers: Vec<String>,
    /// The header row's number.
    pub header_row: u32,
    /// The rows below the header, blank ones included (their numbers stay true).
    pub rows: Vec<SheetRow>,
    /// `xlsx`, `xls`, `ods` or `csv`.
    pub format: &'static str,
    /// For CSV: `UTF-8` or `GB18030`.
    pub encoding: Option<&'static str>,
}

impl Classified for SheetError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidInput
    }

    fn message(&self) -> Option<Text> {
        Some(self.message.clone())
    }
}

/// [`read_sheet`] on the blocking thread pool, for async callers: decompressing and parsing a
/// workbook of thousands of rows takes long enough to stall the threads serving requests.
pub async fn read_sheet_in_background(
    file_name: &str,
    bytes: &[u8],
    max_rows: usize,
) -> Result<Sheet, SheetError> {
    let file_name = file_name.to_owned();
    let bytes = bytes.to_vec();
    tokio::task::spawn_blocking(move || read_sheet(&file_name, &bytes, max_rows))
        .await
        .unwrap_or_else(|error| {
            Err(file_error(Text::owned(
                "读取文件时出错，请重试".to_owned(),
                format!("reading the file failed ({error}); try again"),
            )))
        })
}

fn file_error(message: Text) -> SheetError {
    SheetError { message }
}

/// Reads the first worksheet of an `.xlsx`, `.xlsm`, `.xls` or `.ods` file, or a CSV, into a
/// header row and data rows. The kind comes from the name, or from the content when the name
/// says nothing; a workbook named `.csv` is refused with a message saying so.
pub fn read_sheet(file_name: &str, bytes: &[u8], max_rows: usize) -> Result<Sheet, SheetError> {
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let looks_like_zip = bytes.starts_with(b"PK\x03\x04");
    let looks_like_ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    match extension.as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" => read_workbook(
            bytes,
            if extension == "xlsm" {
                "xlsx"
            } else {
                leak_format(&extension)
            },
        ),
        "csv" | "txt" if looks_like_zip || looks_like_ole => Err(file_error(Text::new(
            "文件扩展名为 .csv，但内容是 Excel 工作簿；请改用 .xlsx 扩展名",
            "the file is named .csv but holds an Excel workbook; name it .xlsx",
        ))),
        "csv" | "txt" => read_csv(bytes, max_rows),
        _ if looks_like_zip => read_workbook(bytes, "xlsx"),
        _ if looks_like_ole => read_workbook(bytes, "xls"),
        _ => Err(file_error(Text::owned(
            format!("不支持的文件类型“{file_name}”：请上传 .xlsx、.xls、.ods 或 .csv 文件"),
            format!("unsupported file {file_name:?}: upload an .xlsx, .xls, .ods or .csv file"),
        ))),
    }
}

fn leak_format(extension: &str) -> &'static str {
    match extension {
        "xls" => "xls",
        "ods" => "ods",
        _ => "xlsx",
    }
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => {
            if *b {
                "是".to_owned()
            } else {
                "否".to_owned()
            }
        }
        Data::DateTime(date) => {
            excel_serial_to_date(date.as_f64()).unwrap_or_else(|| date.as_f64().to_string())
        }
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_owned(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(error) => format!("#{error:?}"),
    }
}

/// Excel's serial day number (1900 date system) as `YYYY-MM-DD`.
pub fn excel_serial_to_date(serial: f64) -> Option<String> {
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    // Serial 60 is Excel's non-existent 1900-02-29; from 61 on, day 0 is 1899-12-30.
    let epoch = time::Date::from_calendar_date(1899, time::Month::December, 30).ok()?;
    let days = if serial < 61.0 {
        serial as i64 + 1
    } else {
        serial as i64
    };
    let date = epoch.checked_add(time::Duration::days(days))?;
    Some(format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        date.month() as u8,
        date.day()
    ))
}

fn read_workbook(bytes: &[u8], format: &'static str) -> Result<Sheet, SheetError> {
    let unreadable = |detail: String| {
        file_error(Text::owned(
            format!("无法读取 {format} 文件：{detail}"),
            format!("cannot read the {format} file: {detail}"),
        ))
    };
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| unreadable(e.to_string()))?;
    let Some(sheet_name) = workbook.sheet_names().first().cloned() else {
        return Err(unreadable("no worksheet".to_owned()));
    };
    let range = workbook
        .worksheet_range(&sheet_name)
        .map_err(|e| unreadable(e.to_string()))?;
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let mut rows = range.rows().enumerate().map(|(index, cells)| {
        let mut texts = vec![String::new(); first_column as usize];
        texts.extend(cells.iter().map(cell_text));
        SheetRow {
            number: first_row + index as u32 + 1,
            cells: texts,
        }
    });
    let header = rows
        .by_ref()
        .find(|row| row.cells.iter().any(|c| !c.trim().is_empty()));
    let Some(header) = header else {
        return Err(file_error(Text::new(
            "工作表是空的",
            "the worksheet is empty",
        )));
    };
    Ok(Sheet {
        headers: header.cells,
        header_row: header.number,
        rows: rows.collect(),
        format,
        encoding: None,
    })
}

/// Reads a CSV file (UTF-8 with or without BOM, or GBK/GB18030; comma or tab separated),
/// stopping after `max_rows` + 2 rows (enough for the caller to see it has too many).
pub fn read_csv(bytes: &[u8], max_rows: usize) -> Result<Sheet, SheetError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (text, encoding) = match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), "UTF-8"),
        Err(_) => {
            // Spreadsheets saved as CSV by Chinese Excel are in GBK; GB18030 is its superset.
            let (decoded, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err(file_error(Text::new(
                    "无法识别 CSV 文件的字符编码（支持 UTF-8 和 GBK/GB18030）",
                    "cannot tell the CSV file's character encoding (UTF-8 and GBK/GB18030 are supported)",
                )));
            }
            (decoded.into_owned(), "GB18030")
        }
    };
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if first_line.matches('\t').count() > first_line.matches(',').count() {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    // The reader reports where it started reading a record, which is before any blank lines it
    // skipped; count lines ourselves from the byte offset so row numbers match the editor's.
    let bytes = text.as_bytes();
    let mut line = 1u32;
    let mut counted_to = 0usize;
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            file_error(Text::owned(
                format!("第 {line} 行不是有效的 CSV：{e}"),
                format!("line {line} is not valid CSV: {e}"),
            ))
        })?;
        let mut start = record
            .position()
            .map(|p| p.byte() as usize)
            .unwrap_or(counted_to)
            .min(bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\n' | b'\r') {
            start += 1;
        }
        line += bytes[counted_to..start.max(counted_to)]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u32;
        counted_to = start.max(counted_to);
        rows.push(SheetRow {
            number: line,
            cells: record.iter().map(str::to_owned).collect(),
        });
        if rows.len() > max_rows + 1 {
            break;
        }
    }
    let mut rows = rows.into_iter();
    let header = rows
        .by_ref()
        .find(|row| row.cells.iter().any(|c| !c.trim().is_empty()));
    let Some(header) = header else {
        return Err(file_error(Text::new("文件是空的", "the file is empty")));
    };
    Ok(Sheet {
        headers: header.cells,
        header_row: header.number,
        rows: rows.collect(),
        format: "csv",
        encoding: Some(encoding),
    })
}

/// A column's spreadsheet letters: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_letter(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// A column as an error report names it: its letter and header, e.g. `B 企业名称`.
pub fn cell_name(index: usize, headers: &[String]) -> String {
    format!(
        "{} {}",
        column_letter(index),
        headers.get(index).map(|h| h.trim()).unwrap_or("")
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn excel_serial_days() {
        assert_eq!(excel_serial_to_date(43831.0).as_deref(), Some("2020-01-01"));
        assert_eq!(excel_serial_to_date(1.0).as_deref(), Some("1900-01-01"));
        assert_eq!(excel_serial_to_date(-5.0), None);
    }

    #[test]
    fn gbk_csv_is_decoded() {
        let (bytes, _, _) =
            encoding_rs::GBK.encode("统一社会信用代码,企业名称\n9144030071526726XG,示例电器\n");
        let sheet = read_csv(&bytes, 10).unwrap();
        assert_eq!(sheet.encoding, Some("GB18030"));
        assert_eq!(sheet.headers[1], "企业名称");
        assert_eq!(sheet.rows[0].number, 2);
    }

    #[test]
    fn row_numbers_count_blank_lines_and_tabs_are_separators() {
        let sheet = read_csv(b"\n\nname\tlabel\n\na\tb\n", 10).unwrap();
        assert_eq!(sheet.header_row, 3);
        assert_eq!(sheet.headers, ["name", "label"]);
        assert_eq!(sheet.rows[0].number, 5);
        assert_eq!(sheet.rows[0].cells, ["a", "b"]);
        let error = read_sheet("list.csv", b"PK\x03\x04rest", 10).unwrap_err();
        assert!(error.to_string().contains("Excel workbook"), "{error}");
        let error = read_sheet("list.pdf", b"%PDF", 10).unwrap_err();
        assert!(error.to_string().contains("unsupported file"), "{error}");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_the_readers(bytes in proptest::collection::vec(any::<u8>(), 0..2000), name in "[a-z]{1,5}\\.(csv|xlsx|xls|ods|bin)") {
            let _ = read_sheet(&name, &bytes, 100);
        }

        #[test]
        fn arbitrary_zip_like_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let mut bytes = b"PK\x03\x04".to_vec();
            bytes.extend(tail);
            let _ = read_sheet("x.xlsx", &bytes, 100);
        }
    }
}
