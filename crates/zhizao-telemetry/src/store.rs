//! The telemetry store: write-ahead log → in-memory buffers → Parquet files, per tenant.
//!
//! A write is checked against the tables' schemas (all or nothing), appended to the log and,
//! once durable, applied to the in-memory buffers by the log's writer thread before the writer
//! is answered, so it is queryable as soon as it is acknowledged. When the buffers grow past a
//! size or age, the log is rotated and the buffers are frozen as of that rotation; a background
//! task writes frozen buffers to Parquet (one file per table and UTC day, sorted by device and
//! time, zstd-compressed, dictionary-encoded), records the files and the persisted sequence in
//! the manifest, drops the frozen buffers in the same step, and deletes the persisted log
//! segments. After a crash, the manifest says which files are real (others are removed) and the
//! log replays everything after the persisted sequence.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use arrow::record_batch::RecordBatch;

use crate::buffer::TableBuffer;
use crate::files::{FileStore, ObjectStorage};
use crate::latest::{LastValues, LatestValue};
use crate::manifest::{FileEntry, Manifest, RetentionEntry, TableEntry};
use crate::names::{check_database, check_identifier};
use crate::schema::TableSchema;
use crate::wal::{Wal, WalSink};
use crate::wal_codec::WalBatch;
use crate::{Error, Point};

mod snapshot;

use snapshot::write_snapshot;
pub(crate) use snapshot::{day_directory, day_of, widen, write_parquet};

/// Identifies a table: tenant, database, table name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableKey {
    /// The tenant (organisation id).
    pub tenant: i64,
    /// The tenant's database.
    pub database: String,
    /// The table (measurement).
    pub table: String,
}

/// When buffers are frozen and written to Parquet.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Where the log, the manifest, the last-value cache and (without `object_storage`) the
    /// Parquet files live.
    pub root: PathBuf,
    /// Object storage for the Parquet files instead of `root`.
    pub object_storage: Option<ObjectStorage>,
    /// Freeze when the buffers hold this many rows.
    pub freeze_rows: usize,
    /// Freeze when the buffers hold about this many bytes.
    pub freeze_bytes: usize,
    /// Freeze when the oldest buffered row is this old.
    pub freeze_age: Duration,
    /// Compact a day's small files once there are this many of them.
    pub compact_min_files: usize,
    /// A file with fewer rows than this is small (a candidate for compaction).
    pub compact_small_rows: u64,
    /// A past day's small files are compacted (even two of them) once the day ended this long ago.
    pub compact_cold_after: Duration,
    /// How often `run_background` compacts files and applies retention.
    pub maintenance_interval: Duration,
    /// The most the write-ahead log may hold: past it (persisting failing or behind, e.g. object
    /// storage refusing) writes are refused with 503 instead of the disk filling up.
    pub max_log_bytes: u64,
}

impl StoreOptions {
    /// Production defaults under `root`.
    pub fn new(root: PathBuf) -> Self {
        StoreOptions {
            root,
            object_storage: None,
            freeze_rows: 1_000_000,
            freeze_bytes: 256 * 1024 * 1024,
            freeze_age: Duration::from_secs(600),
            compact_min_files: 8,
            compact_small_rows: 8_000_000,
            compact_cold_after: Duration::from_secs(3600),
            maintenance_interval: Duration::from_secs(60),
            max_log_bytes: 8 << 30,
        }
    }
}

/// A Parquet file the store holds. When compaction replaces it or retention drops it, it is
/// retired, and it leaves the disk when the last query reading it lets go of it; a crash in
/// between leaves a file the manifest no longer lists, which the next open removes.
#[derive(Debug)]
pub(crate) struct StoredFile {
    pub(crate) entry: FileEntry,
    /// What a DataFusion scan reads it by.
    pub(crate) url: String,
    files: Arc<FileStore>,
    retired: AtomicBool,
}

impl StoredFile {
    pub(crate) fn new(files: &Arc<FileStore>, entry: FileEntry) -> Arc<Self> {
        Arc::new(StoredFile {
            url: files.url_of(&entry.path),
            files: Arc::clone(files),
            entry,
            retired: AtomicBool::new(false),
        })
    }

    /// Marks the file for deletion once nothing holds it.
    pub(crate) fn retire(&self) {
        self.retired.store(true, Ordering::Release);
    }
}

impl Drop for StoredFile {
    fn drop(&mut self) {
        if self.retired.load(Ordering::Acquire) {
            self.files.delete_soon(&self.entry.path);
        }
    }
}

/// Rows of one table frozen at a log rotation.
#[derive(Debug)]
pub(crate) struct Frozen {
    pub(crate) through: u64,
    pub(crate) tables: Vec<(TableKey, RecordBatch)>,
}

/// What queries and writes share.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) schemas: HashMap<TableKey, TableSchema>,
    pub(crate) active: HashMap<TableKey, TableBuffer>,
    active_rows: usize,
    active_bytes: usize,
    active_since: Option<Instant>,
    pub(crate) frozen: Vec<Arc<Frozen>>,
    pub(crate) files: HashMap<TableKey, Vec<Arc<StoredFile>>>,
    pub(crate) persisted_through: u64,
    pub(crate) latest: LastValues,
    /// Days kept per tenant database.
    pub(crate) retention: BTreeMap<(i64, String), u32>,
}

impl State {
    /// Every table's file entries as they are now.
    pub(crate) fn file_entries(&self) -> BTreeMap<TableKey, Vec<FileEntry>> {
        self.files
            .iter()
            .map(|(key, files)| (key.clone(), files.iter().map(|f| f.entry.clone()).collect()))
            .collect()
    }

    /// The manifest for this state with `files` in place of its own and `persisted_through`.
    pub(crate) fn manifest(
        &self,
        persisted_through: u64,
        files: BTreeMap<TableKey, Vec<FileEntry>>,
    ) -> Manifest {
        Manifest {
            version: 1,
            persisted_through,
            tables: files
                .into_iter()
                .filter(|(_, files)| !files.is_empty())
                .map(|(key, files)| TableEntry {
                    schema: self.schemas.get(&key).cloned().unwrap_or_default(),
                    tenant: key.tenant,
                    database: key.database,
                    table: key.table,
                    files,
                })
                .collect(),
            retention: retention_entries(&self.retention),
        }
    }
}

/// Retention settings as the manifest lists them.
pub(crate) fn retention_entries(retention: &BTreeMap<(i64, String), u32>) -> Vec<RetentionEntry> {
    retention
        .iter()
        .map(|((tenant, database), days)| RetentionEntry {
            tenant: *tenant,
            database: database.clone(),
            days: *days,
        })
        .collect()
}

/// The part of the store the log's writer thread applies batches to.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) root: PathBuf,
    /// Where the Parquet files are.
    pub(crate) files: Arc<FileStore>,
    /// Caches (Parquet metadata) shared by every query's runtime.
    pub(crate) caches: crate::files::SharedCaches,
    pub(crate) state: RwLock<State>,
    /// Why the last persist failed, until one succeeds.
    persist_failure: std::sync::Mutex<Option<String>>,
}

impl Shared {
    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl State {
    /// Applies points of one table (already checked against its schema) to the buffers and
    /// the last-value cache.
    fn apply_run(&mut self, key: TableKey, points: &[Point]) {
        self.latest.apply_all(&key, points);
        let buffer = self.active.entry(key).or_default();
        for point in points {
            buffer.push(point);
            self.active_bytes += approximate_bytes(point);
        }
        self.active_rows += points.len();
    }
}

impl Shared {
    /// Applies a batch read back from the log at start-up, rebuilding the schemas it needs.
    fn replay(&self, batch: &WalBatch) {
        let mut state = self.write();
        for point in &batch.points {
            let key = TableKey {
                tenant: batch.tenant,
                database: batch.database.clone(),
                table: point.measurement.clone(),
            };
            if state
                .schemas
                .entry(key.clone())
                .or_default()
                .merge(point)
                .is_err()
            {
                tracing::error!(table = %key.table, "a logged point no longer fits its table; skipped");
                continue;
            }
            state.apply_run(key, std::slice::from_ref(point));
        }
        state.active_since.get_or_insert_with(Instant::now);
    }
}

impl WalSink for Shared {
    /// Applies a batch just made durable; its schema changes were reserved before it was logged.
    fn apply(&self, batch: &WalBatch) {
        let mut state = self.write();
        for run in batch.points.chunk_by(|a, b| a.measurement == b.measurement) {
            let key = TableKey {
                tenant: batch.tenant,
                database: batch.database.clone(),
                table: run[0].measurement.clone(),
            };
            state.apply_run(key, run);
        }
        state.active_since.get_or_insert_with(Instant::now);
    }

    fn rotated(&self, through: u64) {
        let mut state = self.write();
        let active = std::mem::take(&mut state.active);
        state.active_rows = 0;
        state.active_bytes = 0;
        state.active_since = None;
        let mut tables = Vec::with_capacity(active.len());
        for (key, buffer) in active {
            let schema = state.schemas.get(&key).cloned().unwrap_or_default().arrow();
            match buffer.into_record_batch(&schema) {
                Ok(batch) => tables.push((key, batch)),
                Err(error) => tracing::error!(%error, "freezing a buffer failed"),
            }
        }
        if !tables.is_empty() {
            state.frozen.push(Arc::new(Frozen { through, tables }));
        }
    }
}

/// Whether every point fits its table's schema as it is (the usual case once a source has
/// written once), checked under a shared lock: consecutive points of a table with the same
/// columns as the one before are not looked at again.
fn points_fit(
    schemas: &HashMap<TableKey, TableSchema>,
    tenant: i64,
    database: &str,
    points: &[Point],
) -> bool {
    let same_columns = |a: &Point, b: &Point| {
        a.tags.len() == b.tags.len()
            && a.fields.len() == b.fields.len()
            && a.tags.iter().zip(&b.tags).all(|((x, _), (y, _))| x == y)
            && a.fields.iter().zip(&b.fields).all(|((x, u), (y, v))| {
                x == y && crate::schema::FieldType::of(u) == crate::schema::FieldType::of(v)
            })
    };
    for run in points.chunk_by(|a, b| a.measurement == b.measurement) {
        let key = TableKey {
            tenant,
            database: database.to_owned(),
            table: run[0].measurement.clone(),
        };
        let Some(schema) = schemas.get(&key) else {
            return false;
        };
        let mut checked: Option<&Point> = None;
        for point in run {
            if checked.is_some_and(|previous| same_columns(previous, point)) {
                continue;
            }
            if !schema.fits(point) {
                return false;
            }
            checked = Some(point);
        }
    }
    true
}

/// Roughly what a point costs in the buffers: 16 bytes per value, plus string contents.
fn approximate_bytes(point: &Point) -> usize {
    let strings: usize = point
        .fields
        .iter()
        .map(|(_, v)| {
            if let crate::FieldValue::String(s) = v {
                s.len()
            } else {
                0
            }
        })
        .sum();
    8 + 16 * (point.tags.len() + point.fields.len()) + strings
}

/// The telemetry store; cheap to clone.
#[derive(Debug, Clone)]
pub struct TelemetryStore {
    pub(crate) shared: Arc<Shared>,
    wal: Wal,
    pub(crate) options: StoreOptions,
    /// Held by whoever writes the manifest (persisting, compacting, expiring), so each change
    /// starts from the one before; see [`TelemetryStore::lock_manifest`].
    pub(crate) manifest_lock: Arc<tokio::sync::Mutex<()>>,
    /// `manifest.lock` in the store's directory, locked while the manifest is changed so that
    /// another process (`zhizao backup`) can copy a consistent store.
    manifest_lock_file: Arc<fs::File>,
}

/// The manifest lock, held: in this process (the mutex) and against other processes (an
/// exclusive lock on `manifest.lock`, released when this is dropped).
pub(crate) struct ManifestGuard {
    _held: tokio::sync::OwnedMutexGuard<()>,
    file: Arc<fs::File>,
}

impl Drop for ManifestGuard {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// The file whose exclusive lock is held while a store's manifest, last-value cache and log
/// segments change, by the platform and by a copy of the store.
pub(crate) fn manifest_lock_path(root: &Path) -> PathBuf {
    root.join("manifest.lock")
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteReceipt {
    /// The batch's position in the log.
    pub sequence: u64,
    /// Points written.
    pub points: usize,
}

pub(crate) fn manifest_path(root: &Path) -> PathBuf {
    root.join("manifest.json")
}

fn latest_path(root: &Path) -> PathBuf {
    root.join("latest.jsonl")
}

impl TelemetryStore {
    /// Opens the store under `options.root`: reads the manifest, removes files it does not list
    /// (left by a crash mid-persist), replays the log.
    pub fn open(options: StoreOptions) -> Result<Self, Error> {
        let root = options.root.clone();
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| Error::Io { path, source }
        };
        fs::create_dir_all(&root).map_err(io(&root))?;
        let lock_path = manifest_lock_path(&root);
        let manifest_lock_file = Arc::new(
            fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
                .map_err(io(&lock_path))?,
        );
        let files = Arc::new(match &options.object_storage {
            Some(storage) => FileStore::Object(storage.clone().for_store(&store_id(&root)?)),
            None => FileStore::Local { root: root.clone() },
        });
        let manifest = Manifest::load(&manifest_path(&root))?;
        let mut state = State {
            persisted_through: manifest.persisted_through,
            latest: LastValues::load(&latest_path(&root)),
            retention: manifest
                .retention
                .into_iter()
                .map(|r| ((r.tenant, r.database), r.days))
                .collect(),
            ..State::default()
        };
        let mut known = BTreeSet::new();
        for table in manifest.tables {
            let key = TableKey {
                tenant: table.tenant,
                database: table.database,
                table: table.table,
            };
            known.extend(table.files.iter().map(|f| f.path.clone()));
            state.schemas.insert(key.clone(), table.schema);
            let files = table
                .files
                .into_iter()
                .map(|entry| StoredFile::new(&files, entry))
                .collect();
            state.files.insert(key, files);
        }
        // Object storage is tidied by `run_background`, which can wait for the network.
        files.remove_unlisted_now(&root, &known)?;
        tracing::info!(files = %files.describe(), "telemetry files");
        let shared = Arc::new(Shared {
            root: root.clone(),
            files,
            caches: crate::files::SharedCaches::new(),
            state: RwLock::new(state),
            persist_failure: std::sync::Mutex::new(None),
        });
        let (wal, replay) = Wal::open(
            &root.join("wal"),
            manifest.persisted_through,
            Arc::clone(&shared) as Arc<dyn WalSink>,
        )?;
        let replayed = replay
            .batches
            .iter()
            .filter(|b| b.sequence > manifest.persisted_through)
            .count();
        for batch in replay
            .batches
            .iter()
            .filter(|b| b.sequence > manifest.persisted_through)
        {
            shared.replay(batch);
        }
        tracing::info!(
            replayed,
            truncated_bytes = replay.truncated_bytes,
            "telemetry store opened"
        );
        Ok(TelemetryStore {
            shared,
            wal,
            options,
            manifest_lock: Arc::new(tokio::sync::Mutex::new(())),
            manifest_lock_file,
        })
    }

    /// Takes the manifest lock: first in this process, then against other processes (a copy
    /// of the store in progress holds it for as long as the copy takes; writes go on into the
    /// log and the buffers meanwhile, only persisting waits).
    pub(crate) async fn lock_manifest(&self) -> Result<ManifestGuard, Error> {
        let held = Arc::clone(&self.manifest_lock).lock_owned().await;
        let file = Arc::clone(&self.manifest_lock_file);
        let locking = Arc::clone(&file);
        tokio::task::spawn_blocking(move || locking.lock())
            .await
            .map_err(|e| Error::Persist(e.to_string()))?
            .map_err(|source| Error::Io {
                path: manifest_lock_path(&self.shared.root),
                source,
            })?;
        Ok(ManifestGuard { _held: held, file })
    }

    /// Writes points for `tenant` into `database`. Either every point is written or none; the
    /// points are durable and queryable when this returns `Ok`.
    pub async fn write(
        &self,
        tenant: i64,
        database: &str,
        points: Vec<Point>,
    ) -> Result<WriteReceipt, Error> {
        check_database(database)?;
        for point in &points {
            check_identifier("table", &point.measurement)?;
        }
        if points.is_empty() {
            return Ok(WriteReceipt {
                sequence: 0,
                points: 0,
            });
        }
        let bytes = self.wal.bytes();
        if bytes > self.options.max_log_bytes {
            return Err(Error::Backlog {
                bytes,
                limit: self.options.max_log_bytes,
                because: self
                    .persist_failure()
                    .unwrap_or_else(|| "persisting has not caught up yet".to_owned()),
            });
        }
        let fits = points_fit(&self.shared.read().schemas, tenant, database, &points);
        if !fits {
            // Reserve the schema changes first: a conflicting write is refused before the log.
            let mut state = self.shared.write();
            let mut changed: HashMap<TableKey, TableSchema> = HashMap::new();
            for point in &points {
                let key = TableKey {
                    tenant,
                    database: database.to_owned(),
                    table: point.measurement.clone(),
                };
                let schema = match changed.get_mut(&key) {
                    Some(schema) => schema,
                    None => {
                        let existing = state.schemas.get(&key).cloned().unwrap_or_default();
                        changed.entry(key).or_insert(existing)
                    }
                };
                schema.merge(point)?;
            }
            state.schemas.extend(changed);
        }
        let count = points.len();
        let sequence = self
            .wal
            .append(WalBatch {
                sequence: 0,
                tenant,
                database: database.to_owned(),
                points,
            })
            .await?;
        Ok(WriteReceipt {
            sequence,
            points: count,
        })
    }

    fn should_freeze(&self) -> bool {
        let state = self.shared.read();
        state.active_rows > 0
            && (state.active_rows >= self.options.freeze_rows
                || state.active_bytes >= self.options.freeze_bytes
                || state
                    .active_since
                    .is_some_and(|since| since.elapsed() >= self.options.freeze_age))
    }

    /// Freezes the buffers if they are due (or always, with `force`) and writes every frozen
    /// buffer to Parquet. Returns the number of files written. A failure is kept for
    /// [`TelemetryStore::persist_failure`] until a persist succeeds.
    pub async fn persist(&self, force: bool) -> Result<usize, Error> {
        let result = self.persist_now(force).await;
        let failure = result.as_ref().err().map(ToString::to_string);
        match self.shared.persist_failure.lock() {
            Ok(mut kept) => *kept = failure,
            Err(poisoned) => *poisoned.into_inner() = failure,
        }
        result
    }

    /// Why the last persist failed (the object storage refusing, a full disk), until one
    /// succeeds; `None` while files are written.
    pub fn persist_failure(&self) -> Option<String> {
        match self.shared.persist_failure.lock() {
            Ok(kept) => kept.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The write-ahead log's size on disk and the size beyond which writes are refused
    /// (`telemetry_max_log_mb`): the log grows while persisting cannot keep up or fails.
    pub fn log_bytes(&self) -> (u64, u64) {
        (self.wal.bytes(), self.options.max_log_bytes)
    }

    /// Whether the Parquet files go to object storage (rather than the data directory).
    pub fn uses_object_storage(&self) -> bool {
        self.options.object_storage.is_some()
    }

    async fn persist_now(&self, force: bool) -> Result<usize, Error> {
        let _guard = self.lock_manifest().await?;
        let has_rows = self.shared.read().active_rows > 0;
        if has_rows && (force || self.should_freeze()) {
            self.wal.rotate().await?;
        }
        let frozen: Vec<Arc<Frozen>> = self.shared.read().frozen.clone();
        let mut written = 0;
        for snapshot in frozen {
            let shared = Arc::clone(&self.shared);
            let snapshot_for_writing = Arc::clone(&snapshot);
            let written_files = tokio::task::spawn_blocking(move || {
                write_snapshot(&shared.root, &shared.files, &snapshot_for_writing)
            })
            .await
            .map_err(|e| Error::Persist(e.to_string()))??;
            let mut files = Vec::with_capacity(written_files.len());
            let mut placing = Ok(());
            for (key, entry, temporary) in written_files {
                if placing.is_ok() {
                    placing = self.shared.files.place(&temporary, &entry.path).await;
                    files.push((key, entry));
                } else {
                    let _ = fs::remove_file(&temporary);
                }
            }
            // Files placed before a failure are unlisted; they go at the next tidy-up.
            placing?;
            written += files.len();
            let manifest = {
                let state = self.shared.read();
                let mut entries = state.file_entries();
                for (key, file) in &files {
                    entries.entry(key.clone()).or_default().push(file.clone());
                }
                state.manifest(snapshot.through, entries)
            };
            manifest.save(&manifest_path(&self.shared.root))?;
            {
                // Files in, frozen rows out, in one step: queries never see both or neither.
                let mut state = self.shared.write();
                for (key, file) in files {
                    let file = StoredFile::new(&self.shared.files, file);
                    state.files.entry(key).or_default().push(file);
                }
                state.frozen.retain(|f| f.through != snapshot.through);
                state.persisted_through = snapshot.through;
            }
            self.save_latest().await;
            self.wal.remove_persisted(snapshot.through)?;
        }
        Ok(written)
    }

    /// Persists what is due every `interval` (and compacts and applies retention every `maintenance_interval`)
    /// until `shutdown` resolves, then persists everything.
    pub async fn run_background(
        &self,
        interval: Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        if let Err(error) = self.remove_unlisted_objects().await {
            tracing::warn!(%error, "tidying the object storage failed; will try at the next start");
        }
        // Upkeep runs beside persisting, so a long merge never delays the next persist. Stopping
        // it mid-merge is safe: the merged file is not in the manifest until the swap, and a
        // file the manifest does not list is deleted at the next open.
        let maintenance = {
            let store = self.clone();
            tokio::spawn(async move {
                let mut ticker = tokio::time::interval(store.options.maintenance_interval);
                ticker.tick().await;
                loop {
                    ticker.tick().await;
                    store.maintain().await;
                }
            })
        };
        let mut ticker = tokio::time::interval(interval);
        let mut failures = 0u32;
        let mut next_attempt = tokio::time::Instant::now();
        loop {
            tokio::select! {
                now = ticker.tick() => {
                    if now < next_attempt {
                        continue;
                    }
                    match self.persist(false).await {
                        Ok(_) => failures = 0,
                        Err(error) => {
                            failures += 1;
                            let wait = retry_delay(failures);
                            next_attempt = tokio::time::Instant::now() + wait;
                            tracing::error!(%error, retry_in_seconds = wait.as_secs(), bytes_in_log = self.wal.bytes(), "persisting telemetry failed; the log keeps the data");
                        }
                    }
                }
                () = &mut shutdown => break,
            }
        }
        maintenance.abort();
        let _ = maintenance.await;
        if let Err(error) = self.persist(true).await {
            tracing::error!(%error, "persisting telemetry at shutdown failed; the log still holds it");
        }
    }

    /// Checks that the place the Parquet files go is usable: for object storage, that the
    /// endpoint answers and accepts the credentials.
    pub async fn check_file_storage(&self) -> Result<(), Error> {
        self.shared.files.check().await
    }

    /// Deletes objects the manifest does not list (left by a crash between an upload and the
    /// manifest). Returns how many; nothing to do with local files, which `open` tidies.
    pub async fn remove_unlisted_objects(&self) -> Result<usize, Error> {
        let _guard = self.lock_manifest().await?;
        let known: BTreeSet<String> = self
            .shared
            .read()
            .files
            .values()
            .flatten()
            .map(|file| file.entry.path.clone())
            .collect();
        self.shared.files.remove_unlisted_objects(&known).await
    }

    /// Saves the last-value cache before the log segments it was built from are deleted. A
    /// failure is logged, not fatal: the cache then misses only values that are in the files.
    async fn save_latest(&self) {
        let shared = Arc::clone(&self.shared);
        let saved = tokio::task::spawn_blocking(move || {
            let path = latest_path(&shared.root);
            shared.read().latest.save(&path)
        })
        .await;
        match saved {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%error, "saving the last-value cache failed"),
            Err(error) => tracing::warn!(%error, "saving the last-value cache failed"),
        }
    }

    /// One device's latest value of every field of a table (from the last-value cache).
    pub fn latest(
        &self,
        tenant: i64,
        database: &str,
        table: &str,
        device: &str,
    ) -> Vec<LatestValue> {
        let key = TableKey {
            tenant,
            database: database.to_owned(),
            table: table.to_owned(),
        };
        self.shared.read().latest.device(&key, device)
    }

    /// Every device's latest values in a table, by device name.
    pub fn latest_by_device(
        &self,
        tenant: i64,
        database: &str,
        table: &str,
    ) -> Vec<(String, Vec<LatestValue>)> {
        let key = TableKey {
            tenant,
            database: database.to_owned(),
            table: table.to_owned(),
        };
        let mut devices = self.shared.read().latest.table(&key);
        devices.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        devices
    }

    /// Rows in Parquet files by tenant and by the first instant (ns) of each file: every file
    /// holds one UTC day of one table, so this tells each day's rows without reading a file.
    /// Rows still in the buffers (the last seconds) are not counted until they are persisted.
    pub fn persisted_rows(&self) -> Vec<(i64, i64, u64)> {
        let state = self.shared.read();
        state
            .files
            .iter()
            .flat_map(|(key, files)| {
                files
                    .iter()
                    .map(move |f| (key.tenant, f.entry.min_time_ns, f.entry.rows))
            })
            .collect()
    }

    /// The sequence through which data is in Parquet files.
    pub fn persisted_through(&self) -> u64 {
        self.shared.read().persisted_through
    }

    /// Why the write-ahead log refused its last write (a full disk, an I/O error), until a
    /// write succeeds again (the log cuts itself back and retries on each write, so writing
    /// resumes by itself once the cause is gone); `None` while it writes.
    pub fn log_failure(&self) -> Option<String> {
        self.wal.failure()
    }
}

/// How long persisting waits after its `failures`-th failure in a row: 1, 2, 4 … seconds, at
/// most a minute.
fn retry_delay(failures: u32) -> Duration {
    Duration::from_secs(1u64 << failures.saturating_sub(1).min(6)).min(Duration::from_secs(60))
}

/// This store's identity (16 hex digits), made at its first open and kept in `store-id` beside
/// the manifest. Its files in object storage live under it.
fn store_id(root: &Path) -> Result<String, Error> {
    let path = root.join("store-id");
    let io = |source| Error::Io {
        path: path.clone(),
        source,
    };
    match fs::read_to_string(&path) {
        Ok(id) if id.trim().len() == 16 && id.trim().bytes().all(|b| b.is_ascii_hexdigit()) => {
            return Ok(id.trim().to_owned());
        }
        Ok(id) => {
            return Err(Error::NotAStoreId {
                path,
                found: id.trim().to_owned(),
            });
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(io(error)),
    }
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.write_u32(std::process::id());
    let id = format!("{:016x}", hasher.finish());
    let temporary = root.join("store-id.tmp");
    fs::write(&temporary, &id).map_err(io)?;
    fs::File::open(&temporary)
        .and_then(|f| f.sync_all())
        .map_err(io)?;
    fs::rename(&temporary, &path).map_err(io)?;
    fs::File::open(root)
        .and_then(|d| d.sync_all())
        .map_err(io)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persisting_backs_off_up_to_a_minute() {
        let delays: Vec<u64> = (1..=9).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn a_retired_file_stays_until_the_last_reader_lets_go() {
        let directory = tempfile::tempdir().unwrap();
        let entry = FileEntry {
            path: "f.parquet".into(),
            min_time_ns: 0,
            max_time_ns: 0,
            rows: 0,
            bytes: 0,
            min_device: None,
            max_device: None,
        };
        let path = directory.path().join("f.parquet");
        fs::write(&path, b"x").unwrap();
        let files = Arc::new(FileStore::Local {
            root: directory.path().to_owned(),
        });
        let kept = StoredFile::new(&files, entry.clone());
        assert_eq!(kept.url, path.to_string_lossy());
        drop(kept);
        assert!(path.exists(), "a file that is not retired is never removed");
        let file = StoredFile::new(&files, entry);
        let reader = Arc::clone(&file);
        file.retire();
        drop(file);
        assert!(path.exists(), "a reader still holds it");
        drop(reader);
        assert!(!path.exists());
    }
}
