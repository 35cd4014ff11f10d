//! The manifest: which Parquet files hold which table's persisted data, and how far the
//! write-ahead log has been persisted. Written atomically (a temporary file renamed over the
//! old one, then the directory synced), so a crash leaves either the old or the new manifest.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::schema::TableSchema;

/// The manifest format version.
const VERSION: u32 = 1;

/// One Parquet file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to the store's root, with `/` separators.
    pub path: String,
    /// Earliest time in the file (ns).
    pub min_time_ns: i64,
    /// Latest time in the file (ns).
    pub max_time_ns: i64,
    /// Rows.
    pub rows: u64,
    /// Bytes on disk.
    pub bytes: u64,
    /// The first device (by name) with rows in the file, if the table has devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_device: Option<String>,
    /// The last device (by name) with rows in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_device: Option<String>,
}

/// How long a tenant's database keeps its telemetry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionEntry {
    /// The tenant (organisation id).
    pub tenant: i64,
    /// The tenant's database.
    pub database: String,
    /// Days of data kept; older UTC days are dropped.
    pub days: u32,
}

/// One table's schema and files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEntry {
    /// The tenant (organisation id).
    pub tenant: i64,
    /// The tenant's database.
    pub database: String,
    /// The table (measurement).
    pub table: String,
    /// Its columns.
    pub schema: TableSchema,
    /// Its files.
    pub files: Vec<FileEntry>,
}

/// Everything persisted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The format version.
    pub version: u32,
    /// Every batch with a sequence up to this is in the files.
    pub persisted_through: u64,
    /// Tables.
    pub tables: Vec<TableEntry>,
    /// Retention per tenant database; a database not listed keeps everything.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retention: Vec<RetentionEntry>,
}

impl Manifest {
    /// Reads the manifest at `path`, or an empty one if there is none yet.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let io = |source| Error::ManifestIo {
            path: path.display().to_string(),
            source,
        };
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Manifest {
                    version: VERSION,
                    ..Manifest::default()
                });
            }
            Err(error) => return Err(io(error)),
        };
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|e| Error::ManifestUnreadable {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
        if manifest.version != VERSION {
            return Err(Error::ManifestUnreadable {
                path: path.display().to_string(),
                reason: format!("unknown version {}", manifest.version),
            });
        }
        Ok(manifest)
    }

    /// Replaces the manifest at `path` atomically and durably.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let io = |source| Error::ManifestIo {
            path: path.display().to_string(),
            source,
        };
        let temporary = path.with_extension("json.tmp");
        let text = serde_json::to_vec_pretty(self).map_err(|e| Error::ManifestUnreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut file = fs::File::create(&temporary).map_err(io)?;
        file.write_all(&text).map_err(io)?;
        file.sync_all().map_err(io)?;
        fs::rename(&temporary, path).map_err(io)?;
        if let Some(directory) = path.parent() {
            fs::File::open(directory)
                .and_then(|d| d.sync_all())
                .map_err(io)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_starts_empty() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("manifest.json");
        let empty = Manifest::load(&path).unwrap();
        assert_eq!(
            (empty.version, empty.persisted_through, empty.tables.len()),
            (1, 0, 0)
        );
        let manifest = Manifest {
            version: 1,
            persisted_through: 9,
            tables: vec![TableEntry {
                tenant: 3,
                database: "db".into(),
                table: "t".into(),
                schema: TableSchema::default(),
                files: vec![FileEntry {
                    path: "tables/3/db/t/2026-11-26/1.parquet".into(),
                    min_time_ns: 1,
                    max_time_ns: 2,
                    rows: 2,
                    bytes: 100,
                    min_device: Some("a".into()),
                    max_device: Some("b".into()),
                }],
            }],
            retention: vec![RetentionEntry {
                tenant: 3,
                database: "db".into(),
                days: 30,
            }],
        };
        manifest.save(&path).unwrap();
        assert_eq!(Manifest::load(&path).unwrap(), manifest);
        fs::write(&path, "{\"version\": 2}").unwrap();
        assert!(Manifest::load(&path).is_err());
    }
}
