//! Copying a store while the platform writes to it, for `zhizao backup`.
//!
//! The copy holds the manifest lock (`manifest.lock`, which the platform takes whenever it
//! changes the manifest, the last-value cache or removes log segments) for as long as it takes:
//! the manifest, the cache and every Parquet file the manifest lists are then one state, and the
//! log segments copied last hold every batch after that state's `persisted_through`. The platform
//! keeps accepting writes meanwhile (into the log and the buffers); only persisting waits. A
//! batch being appended as its segment is copied is a torn tail in the copy, cut when the copy is
//! opened, exactly as after a crash: the copy is the store as of a moment during the copy, and
//! every write acknowledged before the copy began is in it.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::Error;
use crate::manifest::Manifest;
use crate::store::{manifest_lock_path, manifest_path};

/// What a copy of a store holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreCopy {
    /// Every file copied, relative to the store's directory, `/`-separated.
    pub files: Vec<String>,
    /// The manifest's `persisted_through`: batches up to it are in Parquet files.
    pub persisted_through: u64,
    /// Log segments copied.
    pub log_segments: usize,
    /// Parquet files copied.
    pub parquet_files: usize,
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}

/// Copies the store under `root` into `destination` (created; it must not hold a store yet),
/// waiting at most `wait` for the platform to release the manifest lock. A store whose Parquet
/// files are in object storage is refused: its bucket is backed up by the storage's own means
/// (versioning, replication), and a copy here would not hold them.
pub fn copy_store(root: &Path, destination: &Path, wait: Duration) -> Result<StoreCopy, Error> {
    if !manifest_path(root).exists() && !root.join("wal").exists() {
        return Err(Error::Invalid(format!(
            "{} holds no telemetry store (no manifest.json, no wal/)",
            root.display()
        )));
    }
    if root.join("store-id").exists() {
        return Err(Error::Invalid(format!(
            "the telemetry store at {} keeps its files in object storage; back up the bucket by \
             the storage's own means",
            root.display()
        )));
    }
    if manifest_path(destination).exists() || destination.join("wal").exists() {
        return Err(Error::Invalid(format!(
            "{} already holds a telemetry store",
            destination.display()
        )));
    }
    fs::create_dir_all(destination.join("wal")).map_err(io_error(destination))?;
    let lock_path = manifest_lock_path(root);
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io_error(&lock_path))?;
    let deadline = Instant::now() + wait;
    loop {
        match lock.try_lock() {
            Ok(()) => break,
            Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(Error::Invalid(format!(
                    "the platform held {} for more than {} s; try again",
                    lock_path.display(),
                    wait.as_secs()
                )));
            }
            Err(fs::TryLockError::Error(source)) => {
                return Err(Error::Io {
                    path: lock_path,
                    source,
                });
            }
        }
    }
    let copied = copy_locked(root, destination);
    let _ = lock.unlock();
    copied
}

/// The copy itself, under the lock: manifest, cache, the files it lists, then the log.
fn copy_locked(root: &Path, destination: &Path) -> Result<StoreCopy, Error> {
    let mut files = Vec::new();
    let manifest = Manifest::load(&manifest_path(root))?;
    for name in ["manifest.json", "latest.jsonl"] {
        if copy_file(&root.join(name), &destination.join(name))? {
            files.push(name.to_owned());
        }
    }
    let mut parquet_files = 0;
    for entry in manifest.tables.iter().flat_map(|t| &t.files) {
        let from = root.join(&entry.path);
        if !copy_file(&from, &destination.join(&entry.path))? {
            return Err(Error::Invalid(format!(
                "the manifest lists {} but it is not there: the store is damaged",
                from.display()
            )));
        }
        files.push(entry.path.clone());
        parquet_files += 1;
    }
    let log = root.join("wal");
    let mut segments: Vec<PathBuf> = match fs::read_dir(&log) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "wal"))
            .collect(),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(source) => return Err(Error::Io { path: log, source }),
    };
    segments.sort();
    let mut log_segments = 0;
    for segment in segments {
        let Some(name) = segment.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        // Segments are removed only under the lock we hold, so each one listed is still there.
        if copy_file(&segment, &destination.join("wal").join(name))? {
            files.push(format!("wal/{name}"));
            log_segments += 1;
        }
    }
    sync_directory(&destination.join("wal"))?;
    sync_directory(destination)?;
    Ok(StoreCopy {
        files,
        persisted_through: manifest.persisted_through,
        log_segments,
        parquet_files,
    })
}

/// Copies `from` to `to` (creating its directory) and syncs it; `false` when `from` does not
/// exist.
fn copy_file(from: &Path, to: &Path) -> Result<bool, Error> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    match fs::copy(from, to) {
        Ok(_) => {}
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(source) => {
            return Err(Error::Io {
                path: from.to_owned(),
                source,
            });
        }
    }
    File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(io_error(to))?;
    Ok(true)
}

fn sync_directory(directory: &Path) -> Result<(), Error> {
    File::open(directory)
        .and_then(|d| d.sync_all())
        .map_err(io_error(directory))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FieldValue, Point, StoreOptions, TelemetryStore};

    fn point(device: &str, value: f64, time_ns: i64) -> Point {
        Point {
            measurement: "press".into(),
            tags: vec![("device".into(), device.into())],
            fields: vec![("temperature".into(), FieldValue::Float(value))],
            time_ns,
        }
    }

    async fn count(store: &TelemetryStore) -> String {
        let output = store
            .query(
                7,
                "plant",
                "SELECT count(*) AS n, sum(temperature) AS s FROM press",
                crate::QueryLimits::default(),
            )
            .await
            .unwrap();
        format!("{:?}", output.batches)
    }

    /// Persisted files and log-only batches both come back when the copy is opened, and the
    /// copy refuses a destination that already holds a store.
    #[tokio::test]
    async fn a_copy_opens_with_every_point_of_the_files_and_the_log() {
        let directory = tempfile::tempdir().unwrap();
        let root = directory.path().join("store");
        let store = TelemetryStore::open(StoreOptions::new(root.clone())).unwrap();
        for i in 0..50 {
            let points = vec![point(
                "p1",
                f64::from(i),
                1_795_700_000_000_000_000 + i64::from(i),
            )];
            store.write(7, "plant", points).await.unwrap();
        }
        store.persist(true).await.unwrap();
        for i in 50..80 {
            let points = vec![point(
                "p2",
                f64::from(i),
                1_795_700_000_000_000_000 + i64::from(i),
            )];
            store.write(7, "plant", points).await.unwrap();
        }
        let expected = count(&store).await;

        let copy = directory.path().join("copy");
        let copied = copy_store(&root, &copy, Duration::from_secs(5)).unwrap();
        assert_eq!(copied.parquet_files, 1, "{copied:?}");
        assert!(copied.log_segments >= 1, "{copied:?}");
        assert!(copied.persisted_through > 0);
        let refused = copy_store(&root, &copy, Duration::from_secs(5)).unwrap_err();
        assert!(refused.to_string().contains("already holds"), "{refused}");

        let reopened = TelemetryStore::open(StoreOptions::new(copy.clone())).unwrap();
        assert_eq!(count(&reopened).await, expected);
        let latest = reopened.latest(7, "plant", "press", "p1");
        assert!(!latest.is_empty(), "the last-value cache came along");
    }

    /// While a copy holds the lock, the platform's persisting waits for it; writes do not.
    #[tokio::test]
    async fn persisting_waits_for_a_copy_in_progress() {
        let directory = tempfile::tempdir().unwrap();
        let root = directory.path().join("store");
        let store = TelemetryStore::open(StoreOptions::new(root.clone())).unwrap();
        store
            .write(
                7,
                "plant",
                vec![point("p1", 1.0, 1_795_700_000_000_000_000)],
            )
            .await
            .unwrap();
        let lock = File::options()
            .write(true)
            .open(manifest_lock_path(&root))
            .unwrap();
        lock.lock().unwrap();
        let persisting = tokio::spawn({
            let store = store.clone();
            async move { store.persist(true).await }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!persisting.is_finished(), "persisting went on under a copy");
        store
            .write(
                7,
                "plant",
                vec![point("p1", 2.0, 1_795_700_000_000_000_001)],
            )
            .await
            .unwrap();
        lock.unlock().unwrap();
        assert_eq!(persisting.await.unwrap().unwrap(), 1);
    }

    #[test]
    fn a_directory_without_a_store_is_refused() {
        let directory = tempfile::tempdir().unwrap();
        let refused = copy_store(
            directory.path(),
            &directory.path().join("copy"),
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(
            refused.to_string().contains("holds no telemetry store"),
            "{refused}"
        );
    }
}
