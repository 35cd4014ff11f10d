//! Frozen buffers written to Parquet: one file per table and UTC day, rows sorted by device and
//! time, zstd, with the statistics the manifest keeps of each file.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, StringArray, TimestampNanosecondArray, UInt32Array, new_null_array,
};
use arrow::compute::{SortColumn, lexsort_to_indices, take};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::Error;
use crate::files::FileStore;
use crate::manifest::FileEntry;
use crate::names::{TIME_COLUMN, path_segment};

use super::{Frozen, TableKey};

/// The UTC day (`YYYY-MM-DD`) of an instant in nanoseconds.
pub(crate) fn day_of(time_ns: i64) -> String {
    let seconds = time_ns.div_euclid(1_000_000_000);
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .map(|t| format!("{:04}-{:02}-{:02}", t.year(), t.month() as u8, t.day()))
        .unwrap_or_else(|_| "out-of-range".to_owned())
}

/// Writes one frozen snapshot: a file per table and UTC day, rows sorted by device and time.
/// Returns each file's entry and the temporary file that holds it until it is placed.
pub(super) fn write_snapshot(
    root: &Path,
    files: &FileStore,
    snapshot: &Frozen,
) -> Result<Vec<(TableKey, FileEntry, PathBuf)>, Error> {
    let mut written = Vec::new();
    for (key, batch) in &snapshot.tables {
        let times = batch
            .column_by_name(TIME_COLUMN)
            .and_then(|c| c.as_any().downcast_ref::<TimestampNanosecondArray>())
            .ok_or_else(|| Error::Persist("a frozen batch has no time column".into()))?;
        let mut days: std::collections::BTreeMap<String, Vec<u32>> =
            std::collections::BTreeMap::new();
        for (row, time) in times.values().iter().enumerate() {
            days.entry(day_of(*time)).or_default().push(row as u32);
        }
        let single_day = days.len() == 1;
        for (day, rows) in days {
            let sorted = if single_day {
                sort_for_storage(batch)?
            } else {
                sort_for_storage(&take_rows(batch, &UInt32Array::from(rows))?)?
            };
            let relative = format!(
                "{}/{:020}.parquet",
                day_directory(key, &day),
                snapshot.through
            );
            let temporary = files.temporary_path(root, &relative);
            let entry = write_parquet(
                &temporary,
                relative,
                sorted.schema(),
                std::iter::once(sorted),
            )?;
            written.push((key.clone(), entry, temporary));
        }
    }
    Ok(written)
}

pub(super) fn take_rows(batch: &RecordBatch, indices: &UInt32Array) -> Result<RecordBatch, Error> {
    let columns: Result<Vec<ArrayRef>, _> = batch
        .columns()
        .iter()
        .map(|c| take(c.as_ref(), indices, None))
        .collect();
    RecordBatch::try_new(
        batch.schema(),
        columns.map_err(|e| Error::Persist(e.to_string()))?,
    )
    .map_err(|e| Error::Persist(e.to_string()))
}

/// Sorts by `device` (if the table has it, nulls first) and then time, which keeps each
/// device's rows together for compression and lets readers skip row groups by device and time.
/// Device names are ranked once each, so the sort compares integers, not strings.
pub(super) fn sort_for_storage(batch: &RecordBatch) -> Result<RecordBatch, Error> {
    let mut keys = Vec::new();
    if let Some(devices) = batch
        .column_by_name(crate::DEVICE_TAG)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
    {
        let distinct: std::collections::HashSet<&str, foldhash::fast::RandomState> =
            devices.iter().flatten().collect();
        let mut names: Vec<&str> = distinct.into_iter().collect();
        names.sort_unstable();
        let rank: crate::buffer::FastMap<&str, u32> = names
            .iter()
            .enumerate()
            .map(|(i, name)| (*name, i as u32 + 1))
            .collect();
        let ranks: UInt32Array = devices
            .iter()
            .map(|d| Some(d.map_or(0, |d| rank[d])))
            .collect();
        keys.push(SortColumn {
            values: Arc::new(ranks),
            options: None,
        });
    }
    if let Some(time) = batch.column_by_name(TIME_COLUMN) {
        keys.push(SortColumn {
            values: Arc::clone(time),
            options: None,
        });
    }
    let indices = lexsort_to_indices(&keys, None).map_err(|e| Error::Persist(e.to_string()))?;
    take_rows(batch, &indices)
}

/// How every Parquet file is written.
pub(crate) fn writer_properties() -> Result<WriterProperties, Error> {
    Ok(WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3).map_err(|e| Error::Persist(e.to_string()))?,
        ))
        .set_dictionary_enabled(true)
        .set_max_row_group_row_count(Some(1_000_000))
        .set_statistics_enabled(parquet::file::properties::EnabledStatistics::Page)
        .build())
}

/// The directory of a table's files for one UTC day, relative to the store's root.
pub(crate) fn day_directory(key: &TableKey, day: &str) -> String {
    format!(
        "tables/{}/{}/{}/{day}",
        key.tenant,
        path_segment(&key.database),
        path_segment(&key.table)
    )
}

/// What a file holds, gathered while writing it.
#[derive(Debug, Default)]
pub(super) struct FileStatistics {
    rows: u64,
    min_time_ns: Option<i64>,
    max_time_ns: Option<i64>,
    min_device: Option<String>,
    max_device: Option<String>,
}

impl FileStatistics {
    fn observe(&mut self, batch: &RecordBatch) {
        self.rows += batch.num_rows() as u64;
        if let Some(times) = batch
            .column_by_name(TIME_COLUMN)
            .and_then(|c| c.as_any().downcast_ref::<TimestampNanosecondArray>())
        {
            if let Some(min) = arrow::compute::min(times) {
                self.min_time_ns = Some(self.min_time_ns.map_or(min, |m| m.min(min)));
            }
            if let Some(max) = arrow::compute::max(times) {
                self.max_time_ns = Some(self.max_time_ns.map_or(max, |m| m.max(max)));
            }
        }
        if let Some(devices) = batch
            .column_by_name(crate::DEVICE_TAG)
            .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        {
            if let Some(min) = arrow::compute::min_string(devices)
                && self.min_device.as_deref().is_none_or(|m| min < m)
            {
                self.min_device = Some(min.to_owned());
            }
            if let Some(max) = arrow::compute::max_string(devices)
                && self.max_device.as_deref().is_none_or(|m| max > m)
            {
                self.max_device = Some(max.to_owned());
            }
        }
    }
}

/// Writes `batches` (of `schema`) as the Parquet file `relative` to the local file `temporary`,
/// synced; [`FileStore::place`] then puts it where it belongs, so a file is either whole or
/// absent. Returns its manifest entry.
pub(crate) fn write_parquet(
    temporary: &Path,
    relative: String,
    schema: SchemaRef,
    batches: impl Iterator<Item = RecordBatch>,
) -> Result<FileEntry, Error> {
    let io = |source| Error::Io {
        path: temporary.to_owned(),
        source,
    };
    let directory = temporary
        .parent()
        .ok_or_else(|| Error::Persist("a file without a directory".into()))?;
    fs::create_dir_all(directory).map_err(io)?;
    let file = fs::File::create(temporary).map_err(io)?;
    let mut writer = ArrowWriter::try_new(file, schema, Some(writer_properties()?))
        .map_err(|e| Error::Persist(e.to_string()))?;
    let mut statistics = FileStatistics::default();
    for batch in batches {
        statistics.observe(&batch);
        writer
            .write(&batch)
            .map_err(|e| Error::Persist(e.to_string()))?;
    }
    let file = writer
        .into_inner()
        .map_err(|e| Error::Persist(e.to_string()))?;
    file.sync_all().map_err(io)?;
    let bytes = file.metadata().map_err(io)?.len();
    Ok(FileEntry {
        path: relative,
        min_time_ns: statistics.min_time_ns.unwrap_or(0),
        max_time_ns: statistics.max_time_ns.unwrap_or(0),
        rows: statistics.rows,
        bytes,
        min_device: statistics.min_device,
        max_device: statistics.max_device,
    })
}

/// A batch widened to `schema` (columns added to the table after it was frozen are null).
pub(crate) fn widen(
    batch: &RecordBatch,
    schema: &SchemaRef,
) -> Result<RecordBatch, arrow::error::ArrowError> {
    if batch.schema() == *schema {
        return Ok(batch.clone());
    }
    let columns = schema
        .fields()
        .iter()
        .map(|field| {
            batch
                .column_by_name(field.name())
                .cloned()
                .unwrap_or_else(|| new_null_array(field.data_type(), batch.num_rows()))
        })
        .collect();
    RecordBatch::try_new(Arc::clone(schema), columns)
}
