//! Keeping the files in shape: compaction of small files and retention per tenant database.
//!
//! Every persist adds one file per table and UTC day, so a busy day collects many small files,
//! which compress worse and cost a file open each per query. Compaction merges a day's small
//! files into one, sorted by device and time, streaming through DataFusion's sort-preserving
//! merge (memory-bounded, spilling to disk if it must). The merge runs without holding any lock;
//! only the swap (manifest first, then the in-memory file list) does, and it gives up if the
//! inputs changed meanwhile. Replaced files are retired: they leave the disk when the last query
//! reading them finishes.
//!
//! Retention keeps a database's last N UTC days: files whose every row is older are dropped
//! from the manifest and retired the same way.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::record_batch::RecordBatch;
use datafusion::common::Column;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::Expr;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::StreamExt;

use crate::Error;
use crate::files::FileStore;
use crate::latest::DEVICE_TAG;
use crate::manifest::FileEntry;
use crate::names::{TIME_COLUMN, check_database};
use crate::store::{
    StoredFile, TableKey, TelemetryStore, day_directory, day_of, manifest_path, write_parquet,
};

/// The longest retention a database can have: a hundred years.
pub const MAX_RETENTION_DAYS: u32 = 36_500;

const DAY_NS: i64 = 86_400_000_000_000;

/// Memory a compaction's merge may use before it spills to disk.
const COMPACTION_MEMORY: usize = 256 * 1024 * 1024;

/// What one compaction pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CompactionReport {
    /// Files merged away.
    pub files_in: usize,
    /// Files written in their place.
    pub files_out: usize,
    /// Bytes of the merged files.
    pub bytes_in: u64,
    /// Bytes of the files written.
    pub bytes_out: u64,
}

/// What one table holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TableSummary {
    /// The table.
    pub name: String,
    /// Its columns (time, tags and fields).
    pub columns: usize,
    /// Rows in memory, not yet in files.
    pub buffered_rows: u64,
    /// Parquet files.
    pub files: usize,
    /// Rows in the files.
    pub stored_rows: u64,
    /// Bytes of the files.
    pub stored_bytes: u64,
    /// The earliest time in the files (ns), if any.
    pub first_time_ns: Option<i64>,
    /// The latest time in the files (ns), if any.
    pub last_time_ns: Option<i64>,
}

/// One of a tenant's databases.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DatabaseSummary {
    /// The database.
    pub name: String,
    /// UTC days kept, if limited.
    pub retention_days: Option<u32>,
    /// Its tables, by name.
    pub tables: Vec<TableSummary>,
}

/// A day of one table whose small files are due for merging.
struct Group {
    key: TableKey,
    day: String,
    files: Vec<Arc<StoredFile>>,
}

fn now_ns() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64
}

impl TelemetryStore {
    /// One round of upkeep: retention, then compaction. Failures are logged; the next round
    /// tries again, and nothing stored is lost by a failed round.
    pub async fn maintain(&self) {
        if let Err(error) = self.expire(now_ns()).await {
            tracing::error!(%error, "applying telemetry retention failed");
        }
        match self.compact(false).await {
            Ok(report) if report.files_in > 0 => {
                tracing::info!(?report, "compacted telemetry files")
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "compacting telemetry files failed"),
        }
    }

    /// `tenant`'s databases (those with tables, or with a retention setting), by name.
    pub fn databases(&self, tenant: i64) -> Vec<DatabaseSummary> {
        let state = self.shared.read();
        let mut databases: BTreeMap<String, DatabaseSummary> = BTreeMap::new();
        fn database<'a>(
            databases: &'a mut BTreeMap<String, DatabaseSummary>,
            retention: &BTreeMap<(i64, String), u32>,
            tenant: i64,
            name: &str,
        ) -> &'a mut DatabaseSummary {
            databases
                .entry(name.to_owned())
                .or_insert_with(|| DatabaseSummary {
                    name: name.to_owned(),
                    retention_days: retention.get(&(tenant, name.to_owned())).copied(),
                    tables: Vec::new(),
                })
        }
        for (owner, name) in state.retention.keys() {
            if *owner == tenant {
                database(&mut databases, &state.retention, tenant, name);
            }
        }
        for (key, schema) in state.schemas.iter().filter(|(key, _)| key.tenant == tenant) {
            let files = state.files.get(key).map(Vec::as_slice).unwrap_or_default();
            let table = TableSummary {
                name: key.table.clone(),
                columns: schema.arrow().fields().len(),
                buffered_rows: state.active.get(key).map_or(0, |b| b.rows() as u64)
                    + state
                        .frozen
                        .iter()
                        .flat_map(|f| f.tables.iter())
                        .filter(|(k, _)| k == key)
                        .map(|(_, batch)| batch.num_rows() as u64)
                        .sum::<u64>(),
                files: files.len(),
                stored_rows: files.iter().map(|f| f.entry.rows).sum(),
                stored_bytes: files.iter().map(|f| f.entry.bytes).sum(),
                first_time_ns: files.iter().map(|f| f.entry.min_time_ns).min(),
                last_time_ns: files.iter().map(|f| f.entry.max_time_ns).max(),
            };
            database(&mut databases, &state.retention, tenant, &key.database)
                .tables
                .push(table);
        }
        let mut databases: Vec<DatabaseSummary> = databases.into_values().collect();
        for database in &mut databases {
            database.tables.sort_by(|a, b| a.name.cmp(&b.name));
        }
        databases
    }

    /// How many UTC days `tenant`'s `database` keeps, if it is limited.
    pub fn retention(&self, tenant: i64, database: &str) -> Option<u32> {
        self.shared
            .read()
            .retention
            .get(&(tenant, database.to_owned()))
            .copied()
    }

    /// Sets how many UTC days `tenant`'s `database` keeps (`None`: everything; else 1 to
    /// [`MAX_RETENTION_DAYS`]). Takes effect at
    /// the next upkeep round, or at once with [`TelemetryStore::expire`].
    pub async fn set_retention(
        &self,
        tenant: i64,
        database: &str,
        days: Option<u32>,
    ) -> Result<(), Error> {
        check_database(database)?;
        if let Some(days) = days
            && !(1..=MAX_RETENTION_DAYS).contains(&days)
        {
            return Err(Error::RetentionOutOfRange(days));
        }
        let _guard = self.lock_manifest().await?;
        let slot = (tenant, database.to_owned());
        let mut retention = self.shared.read().retention.clone();
        match days {
            Some(days) => retention.insert(slot, days),
            None => retention.remove(&slot),
        };
        let manifest = {
            let state = self.shared.read();
            let mut manifest = state.manifest(state.persisted_through, state.file_entries());
            manifest.retention = crate::store::retention_entries(&retention);
            manifest
        };
        manifest.save(&manifest_path(&self.shared.root))?;
        self.shared.write().retention = retention;
        Ok(())
    }

    /// Drops every file whose rows are all older than its database's retention as of `now_ns`.
    /// Returns the number of files dropped.
    pub async fn expire(&self, now_ns: i64) -> Result<usize, Error> {
        let _guard = self.lock_manifest().await?;
        let today_start = now_ns.div_euclid(DAY_NS) * DAY_NS;
        let horizon_of = |days: u32| today_start.saturating_sub(i64::from(days - 1) * DAY_NS);
        {
            let mut state = self.shared.write();
            let retention: Vec<((i64, String), u32)> = state
                .retention
                .iter()
                .map(|(k, d)| (k.clone(), *d))
                .collect();
            for ((tenant, database), days) in retention {
                state
                    .latest
                    .forget_before(tenant, &database, horizon_of(days));
            }
        }
        let (manifest, expired) = {
            let state = self.shared.read();
            if state.retention.is_empty() {
                return Ok(0);
            }
            let mut entries = state.file_entries();
            let mut expired: Vec<(TableKey, String)> = Vec::new();
            for (key, files) in &mut entries {
                let Some(days) = state.retention.get(&(key.tenant, key.database.clone())) else {
                    continue;
                };
                // Keep today and the `days - 1` days before it, whole.
                let horizon = horizon_of(*days);
                files.retain(|file| {
                    let keep = file.max_time_ns >= horizon;
                    if !keep {
                        expired.push((key.clone(), file.path.clone()));
                    }
                    keep
                });
            }
            if expired.is_empty() {
                return Ok(0);
            }
            (state.manifest(state.persisted_through, entries), expired)
        };
        manifest.save(&manifest_path(&self.shared.root))?;
        let mut state = self.shared.write();
        for (key, path) in &expired {
            if let Some(files) = state.files.get_mut(key) {
                files.retain(|file| {
                    let gone = file.entry.path == *path;
                    if gone {
                        file.retire();
                    }
                    !gone
                });
            }
        }
        state.files.retain(|_, files| !files.is_empty());
        tracing::info!(
            files = expired.len(),
            "dropped telemetry past its retention"
        );
        Ok(expired.len())
    }

    /// Merges each day's small files into one. With `everything`, every day with more than one
    /// file is merged whatever the files' sizes and age (for benchmarks and operators).
    pub async fn compact(&self, everything: bool) -> Result<CompactionReport, Error> {
        let groups = self.groups_due(everything, now_ns());
        let mut report = CompactionReport::default();
        for group in groups {
            let files_in = group.files.len();
            let bytes_in: u64 = group.files.iter().map(|f| f.entry.bytes).sum();
            if let Some(bytes_out) = self.compact_group(group).await? {
                report.files_in += files_in;
                report.files_out += 1;
                report.bytes_in += bytes_in;
                report.bytes_out += bytes_out;
            }
        }
        Ok(report)
    }

    fn groups_due(&self, everything: bool, now_ns: i64) -> Vec<Group> {
        let options = &self.options;
        let cold_ns = i64::try_from(options.compact_cold_after.as_nanos()).unwrap_or(i64::MAX);
        let state = self.shared.read();
        let mut groups = Vec::new();
        for (key, files) in &state.files {
            let mut days: BTreeMap<String, Vec<Arc<StoredFile>>> = BTreeMap::new();
            for file in files {
                if everything || file.entry.rows < options.compact_small_rows {
                    days.entry(day_of(file.entry.min_time_ns))
                        .or_default()
                        .push(Arc::clone(file));
                }
            }
            for (day, files) in days {
                let day_end = files[0].entry.min_time_ns.div_euclid(DAY_NS) * DAY_NS + DAY_NS;
                let cold = now_ns.saturating_sub(day_end) >= cold_ns;
                if files.len() >= 2
                    && (everything || cold || files.len() >= options.compact_min_files)
                {
                    groups.push(Group {
                        key: key.clone(),
                        day,
                        files,
                    });
                }
            }
        }
        groups
    }

    /// Merges one group; `None` if the group changed meanwhile and the merge was discarded.
    async fn compact_group(&self, group: Group) -> Result<Option<u64>, Error> {
        let schema = match self.shared.read().schemas.get(&group.key) {
            Some(schema) => schema.arrow(),
            None => return Ok(None),
        };
        let root = self.shared.root.clone();
        let files = Arc::clone(&self.shared.files);
        let relative = format!(
            "{}/c{:020}-{}.parquet",
            day_directory(&group.key, &group.day),
            self.persisted_through(),
            now_ns()
        );
        let temporary = files.temporary_path(&root, &relative);
        let entry = merge(&root, &files, &temporary, relative, schema, &group.files).await?;
        let expected: u64 = group.files.iter().map(|f| f.entry.rows).sum();
        if entry.rows != expected {
            let _ = std::fs::remove_file(&temporary);
            return Err(Error::Persist(format!(
                "compacting {} files of {} gave {} rows instead of {expected}; kept the originals",
                group.files.len(),
                group.key.table,
                entry.rows
            )));
        }

        // Placed under the manifest lock, so tidying the object storage never sees it unlisted.
        let _guard = self.lock_manifest().await?;
        let still_there = {
            let state = self.shared.read();
            let current = state.files.get(&group.key);
            group.files.iter().all(|input| {
                current.is_some_and(|files| files.iter().any(|f| Arc::ptr_eq(f, input)))
            })
        };
        if !still_there {
            let _ = std::fs::remove_file(&temporary);
            return Ok(None);
        }
        files.place(&temporary, &entry.path).await?;
        let is_input = |path: &str| group.files.iter().any(|f| f.entry.path == path);
        let manifest = {
            let state = self.shared.read();
            let mut entries = state.file_entries();
            let table_files = entries.entry(group.key.clone()).or_default();
            table_files.retain(|file| !is_input(&file.path));
            table_files.push(entry.clone());
            state.manifest(state.persisted_through, entries)
        };
        // A failed save may have replaced the manifest all the same (it fails at the directory
        // sync after the rename), so the merged file stays: listed or not, the next open (or
        // the next save, from the state below, which still has the inputs) sorts it out.
        manifest.save(&manifest_path(&root))?;
        let bytes = entry.bytes;
        let stored = StoredFile::new(&files, entry);
        let mut state = self.shared.write();
        let table_files = state.files.entry(group.key.clone()).or_default();
        table_files.retain(|file| {
            let input = is_input(&file.entry.path);
            if input {
                file.retire();
            }
            !input
        });
        table_files.push(stored);
        Ok(Some(bytes))
    }
}

/// Streams the rows of `inputs` (each sorted by device and time), merged in that order, into
/// the local file `temporary`, to be placed as `relative`.
async fn merge(
    root: &std::path::Path,
    files: &FileStore,
    temporary: &std::path::Path,
    relative: String,
    schema: arrow::datatypes::SchemaRef,
    inputs: &[Arc<StoredFile>],
) -> Result<FileEntry, Error> {
    let failed = |e: datafusion::error::DataFusionError| Error::Persist(e.to_string());
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_limit(COMPACTION_MEMORY, 1.0)
        .with_temp_file_path(root.join("tmp"))
        .build_arc()
        .map_err(failed)?;
    files.register(&runtime);
    // One partition per input file, each already in order, lets DataFusion merge the streams
    // (SortPreservingMergeExec, little memory) instead of sorting everything again.
    let mut config = SessionConfig::new()
        .with_target_partitions(inputs.len().max(1))
        .with_repartition_file_scans(false);
    config.options_mut().execution.sort_spill_reservation_bytes = 32 * 1024 * 1024;
    let context = SessionContext::new_with_config_rt(config, runtime);
    let column = |name: &str| Expr::Column(Column::new_unqualified(name));
    let mut order = Vec::new();
    if schema.field_with_name(DEVICE_TAG).is_ok() {
        order.push(column(DEVICE_TAG).sort(true, true));
    }
    order.push(column(TIME_COLUMN).sort(true, true));
    let urls = inputs
        .iter()
        .map(|file| ListingTableUrl::parse(&file.url))
        .collect::<datafusion::error::Result<Vec<_>>>()
        .map_err(failed)?;
    let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
        .with_file_extension(".parquet")
        .with_file_sort_order(vec![order.clone()]);
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(Arc::clone(&schema));
    let table = ListingTable::try_new(config).map_err(failed)?;
    let mut stream = context
        .read_table(Arc::new(table))
        .and_then(|frame| frame.sort(order))
        .map_err(failed)?
        .execute_stream()
        .await
        .map_err(failed)?;

    let (sender, mut receiver) = tokio::sync::mpsc::channel::<RecordBatch>(2);
    let writer_temporary = temporary.to_owned();
    let writer = tokio::task::spawn_blocking(move || {
        write_parquet(
            &writer_temporary,
            relative,
            schema,
            std::iter::from_fn(|| receiver.blocking_recv()),
        )
    });
    let mut read_error = None;
    while let Some(batch) = stream.next().await {
        match batch {
            Ok(batch) => {
                if sender.send(batch).await.is_err() {
                    break;
                }
            }
            Err(error) => {
                read_error = Some(failed(error));
                break;
            }
        }
    }
    drop(sender);
    let written = writer.await.map_err(|e| Error::Persist(e.to_string()))?;
    match (read_error, written) {
        (None, Ok(entry)) => Ok(entry),
        (Some(error), Ok(_)) => {
            let _ = std::fs::remove_file(temporary);
            Err(error)
        }
        (_, Err(error)) => Err(error),
    }
}
