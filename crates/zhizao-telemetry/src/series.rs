//! A device's numeric field over a time range, averaged into buckets on the server, so a chart of
//! a year draws from a few hundred points.

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Float64Type, Int64Type};

use crate::latest::DEVICE_TAG;
use crate::names::TIME_COLUMN;
use crate::{Error, QueryLimits, Result, TelemetryStore};

/// Which series to draw.
#[derive(Debug, Clone)]
pub struct SeriesRequest<'a> {
    /// The tenant's database.
    pub database: &'a str,
    /// The table the device writes to.
    pub table: &'a str,
    /// The device (its `device` tag).
    pub device: &'a str,
    /// A numeric or boolean field of the table.
    pub field: &'a str,
    /// The start, inclusive, in milliseconds since the epoch.
    pub from_ms: i64,
    /// The end, exclusive.
    pub to_ms: i64,
    /// How many buckets at most (clamped to 1 to [`MAX_SERIES_POINTS`]).
    pub max_points: u32,
}

/// The most buckets a series is cut into.
pub const MAX_SERIES_POINTS: u32 = 5_000;

/// One non-empty bucket of a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesBucket {
    /// The bucket's start, in milliseconds since the epoch.
    pub start_ms: i64,
    /// The average of the values in it.
    pub mean: f64,
    /// The smallest.
    pub low: f64,
    /// The largest.
    pub high: f64,
    /// How many values.
    pub n: i64,
}

/// A downsampled series.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Each bucket's width in milliseconds.
    pub bucket_ms: i64,
    /// The non-empty buckets, in time order.
    pub buckets: Vec<SeriesBucket>,
}

impl TelemetryStore {
    /// One field of a device over `[from_ms, to_ms)`, averaged into at most `max_points`
    /// buckets (with minimum, maximum and count per bucket). The field must be numeric or
    /// boolean; a field the table does not have, or one of text, is refused as such.
    pub async fn series(&self, tenant: i64, request: &SeriesRequest<'_>) -> Result<Series> {
        if request.from_ms >= request.to_ms {
            return Err(Error::EmptyRange);
        }
        let numeric = self
            .catalog(tenant)
            .get(request.database)
            .and_then(|tables| tables.get(request.table))
            .and_then(|schema| schema.field_with_name(request.field).ok().cloned())
            .is_some_and(|column| {
                matches!(
                    column.data_type(),
                    DataType::Float64 | DataType::Int64 | DataType::UInt64 | DataType::Boolean
                )
            });
        if !numeric || request.field == TIME_COLUMN {
            return Err(Error::NotANumericField(request.field.to_owned()));
        }
        let points = i64::from(request.max_points.clamp(1, MAX_SERIES_POINTS));
        let bucket_ms = ((request.to_ms - request.from_ms + points - 1) / points).max(1);
        let value = format!("CAST({} AS DOUBLE)", identifier(request.field));
        let sql = format!(
            "SELECT CAST(date_bin(INTERVAL '{bucket_ms} milliseconds', time, TIMESTAMP '1970-01-01T00:00:00') AS BIGINT) / 1000000 AS t, \
             avg({value}) AS mean, min({value}) AS low, max({value}) AS high, count({value}) AS n \
             FROM {table} WHERE {device_tag} = {device} AND time >= to_timestamp_millis({from_ms}) AND time < to_timestamp_millis({to_ms}) \
             AND {field} IS NOT NULL GROUP BY t ORDER BY t",
            table = identifier(request.table),
            device_tag = identifier(DEVICE_TAG),
            device = literal(request.device),
            field = identifier(request.field),
            from_ms = request.from_ms,
            to_ms = request.to_ms,
        );
        let output = self
            .query(tenant, request.database, &sql, QueryLimits::default())
            .await?;
        let mut buckets = Vec::new();
        for batch in &output.batches {
            let start = batch.column(0).as_primitive::<Int64Type>();
            let mean = batch.column(1).as_primitive::<Float64Type>();
            let low = batch.column(2).as_primitive::<Float64Type>();
            let high = batch.column(3).as_primitive::<Float64Type>();
            let n = batch.column(4).as_primitive::<Int64Type>();
            for row in 0..batch.num_rows() {
                if mean.is_null(row) {
                    continue;
                }
                buckets.push(SeriesBucket {
                    start_ms: start.value(row),
                    mean: mean.value(row),
                    low: low.value(row),
                    high: high.value(row),
                    n: n.value(row),
                });
            }
        }
        Ok(Series { bucket_ms, buckets })
    }
}

/// A SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A SQL identifier.
fn identifier(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}
