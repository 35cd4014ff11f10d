//! Query results in the formats clients ask for.

use std::sync::Arc;

use arrow::record_batch::RecordBatch;

use crate::{Error, QueryOutput};

/// A result format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultFormat {
    /// A JSON array of row objects.
    Json,
    /// One JSON object per line.
    JsonLines,
    /// CSV with a header row.
    Csv,
    /// An aligned text table.
    Pretty,
    /// An Arrow IPC stream.
    Arrow,
    /// A Parquet file.
    Parquet,
}

impl ResultFormat {
    /// The format a name (`json`, `jsonl`, `csv`, `pretty`, `arrow`, `parquet`) asks for.
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "json" => Some(ResultFormat::Json),
            "jsonl" | "ndjson" => Some(ResultFormat::JsonLines),
            "csv" => Some(ResultFormat::Csv),
            "pretty" | "text" => Some(ResultFormat::Pretty),
            "arrow" | "ipc" => Some(ResultFormat::Arrow),
            "parquet" => Some(ResultFormat::Parquet),
            _ => None,
        }
    }

    /// The MIME type.
    pub fn content_type(self) -> &'static str {
        match self {
            ResultFormat::Json => "application/json",
            ResultFormat::JsonLines => "application/jsonl",
            ResultFormat::Csv => "text/csv; charset=utf-8",
            ResultFormat::Pretty => "text/plain; charset=utf-8",
            ResultFormat::Arrow => "application/vnd.apache.arrow.stream",
            ResultFormat::Parquet => "application/vnd.apache.parquet",
        }
    }
}

fn fail(error: impl std::fmt::Display) -> Error {
    Error::Encode(error.to_string())
}

/// Encodes a result.
pub fn encode(output: &QueryOutput, format: ResultFormat) -> Result<Vec<u8>, Error> {
    let batches: Vec<&RecordBatch> = output.batches.iter().collect();
    let mut bytes = Vec::new();
    match format {
        ResultFormat::Json => {
            let mut writer = arrow::json::ArrayWriter::new(&mut bytes);
            writer.write_batches(&batches).map_err(fail)?;
            writer.finish().map_err(fail)?;
            if bytes.is_empty() {
                bytes.extend_from_slice(b"[]");
            }
        }
        ResultFormat::JsonLines => {
            let mut writer = arrow::json::LineDelimitedWriter::new(&mut bytes);
            writer.write_batches(&batches).map_err(fail)?;
            writer.finish().map_err(fail)?;
        }
        ResultFormat::Csv => {
            let mut writer = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut bytes);
            if output.batches.is_empty() {
                let empty = RecordBatch::new_empty(Arc::clone(&output.schema));
                writer.write(&empty).map_err(fail)?;
            }
            for batch in &output.batches {
                writer.write(batch).map_err(fail)?;
            }
        }
        ResultFormat::Pretty => {
            let text = arrow::util::pretty::pretty_format_batches(&output.batches).map_err(fail)?;
            bytes.extend_from_slice(text.to_string().as_bytes());
        }
        ResultFormat::Arrow => {
            let mut writer = arrow::ipc::writer::StreamWriter::try_new(&mut bytes, &output.schema)
                .map_err(fail)?;
            for batch in &output.batches {
                writer.write(batch).map_err(fail)?;
            }
            writer.finish().map_err(fail)?;
        }
        ResultFormat::Parquet => {
            let mut writer =
                parquet::arrow::ArrowWriter::try_new(&mut bytes, Arc::clone(&output.schema), None)
                    .map_err(fail)?;
            for batch in &output.batches {
                writer.write(batch).map_err(fail)?;
            }
            writer.close().map_err(fail)?;
        }
    }
    Ok(bytes)
}
