//! `zhizao backup DIR` and `zhizao restore DIR`: a consistent copy of a running platform's data
//! (the database, telemetry, attachments, MQTT sessions), and bringing it back on a new machine.
//!
//! A backup directory holds `database.sqlite3` (SQLite's `VACUUM INTO`) or `database.pgdump`
//! (`pg_dump --format=custom`), `telemetry/` (the store as of one manifest, with its log),
//! `attachments/`, `mqtt-sessions/` and, written last, `backup.json`: the format, the release
//! and schema it came from, and every file's size and SHA-256. A directory without
//! `backup.json` is a backup that did not finish. Restoring checks every file before it writes
//! anything, refuses a target that already holds data, places the files, and migrates the
//! database forward when the backup came from an older release.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zhizao_db::{Backend, Database, PoolSettings};

use crate::config::{Config, ConfigArgs, ServeArgs};

/// Options of `zhizao backup`.
#[derive(Debug, clap::Args)]
pub(crate) struct BackupArgs {
    /// The directory to write the backup into (new, or empty).
    pub(crate) directory: PathBuf,
    /// How long to wait for the platform to finish a telemetry persist or compaction before
    /// copying the telemetry store, in seconds.
    #[arg(long, default_value_t = 120)]
    pub(crate) wait: u64,
}

/// Options of `zhizao restore`.
#[derive(Debug, clap::Args)]
pub(crate) struct RestoreArgs {
    /// A directory written by `zhizao backup`.
    pub(crate) directory: PathBuf,
}

const FORMAT: &str = "zhizao-backup";
const VERSION: u32 = 1;
const MANIFEST: &str = "backup.json";
const SQLITE_FILE: &str = "database.sqlite3";
const POSTGRES_FILE: &str = "database.pgdump";
/// The data directory's parts a backup copies besides the database, in the order restored.
const DIRECTORIES: [&str; 3] = ["telemetry", "attachments", "mqtt-sessions"];

/// `backup.json`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackupManifest {
    format: String,
    version: u32,
    /// When the backup finished (RFC 3339, UTC).
    created_at: String,
    /// The release that wrote it.
    zhizao: String,
    /// `sqlite` or `postgres`.
    database: String,
    /// The newest migration the database had.
    schema_version: i64,
    /// The telemetry manifest's `persisted_through`.
    telemetry_persisted_through: Option<u64>,
    files: Vec<BackupFile>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackupFile {
    /// Relative to the backup directory, `/`-separated.
    path: String,
    bytes: u64,
    sha256: String,
}

/// `zhizao backup DIR`.
pub(crate) async fn backup(args: &ConfigArgs, options: &BackupArgs) -> anyhow::Result<()> {
    let config = Config::load(args, &ServeArgs::default())?;
    let target = &options.directory;
    if holds_files(target) {
        bail!(
            "{} is not empty: a backup goes into a new or empty directory",
            target.display()
        );
    }
    if config.telemetry_object_store.is_some() {
        bail!(
            "telemetry files are in object storage (telemetry_object_store): back up the bucket \
             by the storage's own means (versioning, replication); zhizao backup copies local \
             stores only"
        );
    }
    let url = config.database_url.expose();
    // Connecting would create a missing SQLite file: say so instead.
    if let Some(file) = zhizao_db::sqlite_file(url)
        && !file.exists()
    {
        bail!(
            "there is no database at {}: nothing to back up",
            file.display()
        );
    }
    let db = Database::connect(url, PoolSettings::default()).await?;
    let Some(schema_version) = db.schema_version().await? else {
        bail!("the database holds no Zhizao data: nothing to back up");
    };
    if schema_version > zhizao_db::latest_schema_version() {
        bail!(
            "the database is at schema {schema_version}, newer than this release knows ({}): \
             back it up with the release that runs it",
            zhizao_db::latest_schema_version()
        );
    }
    fs::create_dir_all(target).with_context(|| format!("creating {}", target.display()))?;
    let data = &config.data_dir;

    // Files are written before the rows that list them and removed after the rows are gone,
    // so copying them before and after the database's snapshot leaves none that it lists
    // missing (short of one added and removed again while the snapshot is taken).
    copy_tree(&data.join("attachments"), &target.join("attachments"))?;
    copy_tree(&data.join("mqtt-sessions"), &target.join("mqtt-sessions"))?;
    let database_file = target.join(match db.backend() {
        Backend::Sqlite => SQLITE_FILE,
        Backend::Postgres => POSTGRES_FILE,
    });
    db.back_up_into(url, &database_file)
        .await
        .context("copying the database")?;
    db.close().await;
    copy_tree(&data.join("attachments"), &target.join("attachments"))?;

    let telemetry = data.join("telemetry");
    let telemetry_persisted_through = if telemetry.exists() {
        let (from, to, wait) = (
            telemetry.clone(),
            target.join("telemetry"),
            Duration::from_secs(options.wait),
        );
        let copied = tokio::task::spawn_blocking(move || {
            zhizao_telemetry::backup::copy_store(&from, &to, wait)
        })
        .await??;
        Some(copied.persisted_through)
    } else {
        None
    };

    let files = describe_files(target)?;
    let manifest = BackupManifest {
        format: FORMAT.to_owned(),
        version: VERSION,
        created_at: now_rfc3339(),
        zhizao: env!("CARGO_PKG_VERSION").to_owned(),
        database: db.backend().name().to_owned(),
        schema_version,
        telemetry_persisted_through,
        files,
    };
    zhizao_core::files::write_durably(
        &target.join(MANIFEST),
        &serde_json::to_vec_pretty(&manifest)?,
    )
    .with_context(|| format!("writing {}", target.join(MANIFEST).display()))?;
    let bytes: u64 = manifest.files.iter().map(|f| f.bytes).sum();
    println!(
        "Backed up the {} database (schema {schema_version}) and {} files ({:.1} MB) into {}.",
        manifest.database,
        manifest.files.len(),
        bytes as f64 / 1e6,
        target.display()
    );
    Ok(())
}

/// `zhizao restore DIR`.
pub(crate) async fn restore(args: &ConfigArgs, options: &RestoreArgs) -> anyhow::Result<()> {
    let config = Config::load(args, &ServeArgs::default())?;
    let source = &options.directory;
    let manifest = read_manifest(source)?;
    verify_files(source, &manifest)?;
    let backend = match manifest.database.as_str() {
        "sqlite" => Backend::Sqlite,
        "postgres" => Backend::Postgres,
        other => bail!(
            "{}: unknown database {other:?}",
            source.join(MANIFEST).display()
        ),
    };
    if manifest.schema_version > zhizao_db::latest_schema_version() {
        bail!(
            "the backup is at schema {}, newer than this release knows ({}): restore it with the \
             release that wrote it ({})",
            manifest.schema_version,
            zhizao_db::latest_schema_version(),
            manifest.zhizao
        );
    }
    let url = config.database_url.expose();
    let configured = Backend::from_url(url)?;
    if configured != backend {
        bail!(
            "the backup holds a {} database but the platform is configured for {}: restore a \
             backup into the kind of database it came from",
            manifest.database,
            configured.name()
        );
    }
    let data = &config.data_dir;
    for directory in DIRECTORIES {
        let path = data.join(directory);
        if holds_files(&path) {
            bail!(
                "{} is not empty: restore into a data directory that holds no data",
                path.display()
            );
        }
    }
    fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    let sqlite_target = zhizao_db::sqlite_file(url);
    match &sqlite_target {
        Some(file) if file.exists() && fs::metadata(file)?.len() > 0 => {
            bail!(
                "{} exists: restore into a data directory that holds no database",
                file.display()
            );
        }
        Some(_) => {}
        None => {
            let db = Database::connect(url, PoolSettings::default()).await?;
            let blank = db.is_blank().await?;
            db.close().await;
            if !blank {
                bail!("the PostgreSQL database holds Zhizao data: restore into an empty database");
            }
        }
    }

    // Staged in the data directory (one file system), then each part renamed into place; the
    // database goes last, so a restore cut short leaves no database that looks complete.
    let staging = data.join("restore-in-progress");
    if staging.exists() {
        fs::remove_dir_all(&staging).with_context(|| format!("removing {}", staging.display()))?;
    }
    for directory in DIRECTORIES {
        copy_tree(&source.join(directory), &staging.join(directory))?;
    }
    for directory in DIRECTORIES {
        let from = staging.join(directory);
        if from.exists() {
            let to = data.join(directory);
            if to.exists() {
                fs::remove_dir(&to).with_context(|| format!("replacing {}", to.display()))?;
            }
            fs::rename(&from, &to).with_context(|| format!("placing {}", to.display()))?;
        }
    }
    match sqlite_target {
        Some(file) => {
            let staged = staging.join(SQLITE_FILE);
            copy_file(&source.join(SQLITE_FILE), &staged)
                .with_context(|| format!("copying {}", source.join(SQLITE_FILE).display()))?;
            for suffix in ["-wal", "-shm"] {
                let _ = fs::remove_file(with_suffix(&file, suffix));
            }
            if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs::create_dir_all(parent)?;
            }
            fs::rename(&staged, &file).with_context(|| format!("placing {}", file.display()))?;
            sync_directory(file.parent().unwrap_or(Path::new(".")))?;
        }
        None => zhizao_db::restore_postgres(url, &source.join(POSTGRES_FILE))
            .await
            .context("restoring the PostgreSQL database")?,
    }
    fs::remove_dir_all(&staging).ok();
    sync_directory(data)?;

    let db = Database::connect(url, PoolSettings::default()).await?;
    let migrated = manifest.schema_version < zhizao_db::latest_schema_version();
    db.migrate()
        .await
        .context("migrating the restored database")?;
    db.close().await;
    println!(
        "Restored the backup of {} (release {}, schema {}) into {}{}.",
        manifest.created_at,
        manifest.zhizao,
        manifest.schema_version,
        data.display(),
        if migrated {
            format!(
                "; the database was migrated to schema {}",
                zhizao_db::latest_schema_version()
            )
        } else {
            String::new()
        }
    );
    Ok(())
}

fn read_manifest(source: &Path) -> anyhow::Result<BackupManifest> {
    let path = source.join(MANIFEST);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => bail!(
            "{} has no {MANIFEST}: it is not a backup, or its backup did not finish",
            source.display()
        ),
        Err(error) => return Err(error).with_context(|| format!("reading {}", path.display())),
    };
    let manifest: BackupManifest = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a Zhizao backup manifest", path.display()))?;
    if manifest.format != FORMAT || manifest.version != VERSION {
        bail!(
            "{}: format {:?} version {}, this release reads {FORMAT:?} version {VERSION}",
            path.display(),
            manifest.format,
            manifest.version
        );
    }
    Ok(manifest)
}

/// Every file the manifest lists is there with its size and SHA-256, and each path stays inside
/// the backup.
fn verify_files(source: &Path, manifest: &BackupManifest) -> anyhow::Result<()> {
    for file in &manifest.files {
        let relative = Path::new(&file.path);
        if file.path.is_empty()
            || relative
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            bail!(
                "{}: the path {:?} leaves the backup",
                source.join(MANIFEST).display(),
                file.path
            );
        }
        let path = source.join(relative);
        let (bytes, sha256) =
            hash_file(&path).with_context(|| format!("reading {}", path.display()))?;
        if bytes != file.bytes || sha256 != file.sha256 {
            bail!(
                "{} is damaged: {bytes} bytes with SHA-256 {sha256}, the backup recorded {} bytes \
                 with {}; nothing was restored",
                path.display(),
                file.bytes,
                file.sha256
            );
        }
    }
    Ok(())
}

/// Every file under `root` (but the manifest), with its size and SHA-256.
fn describe_files(root: &Path) -> anyhow::Result<Vec<BackupFile>> {
    let mut files = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let directory = root.join(&relative);
        for entry in
            fs::read_dir(&directory).with_context(|| format!("listing {}", directory.display()))?
        {
            let entry = entry?;
            let name = relative.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                pending.push(name);
            } else if name != Path::new(MANIFEST) {
                let (bytes, sha256) = hash_file(&entry.path())
                    .with_context(|| format!("reading {}", entry.path().display()))?;
                let path = name
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                files.push(BackupFile {
                    path,
                    bytes,
                    sha256,
                });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn hash_file(path: &Path) -> io::Result<(u64, String)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    let mut bytes = 0;
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        bytes += read as u64;
    }
    let digest = hasher.finalize();
    Ok((bytes, digest.iter().map(|b| format!("{b:02x}")).collect()))
}

/// Copies every file under `from` that `to` does not have yet (nothing when `from` is absent).
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    let entries = match fs::read_dir(from) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error).with_context(|| format!("listing {}", from.display())),
    };
    fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in entries {
        let entry = entry?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type()?.is_dir() {
            copy_tree(&source, &target)?;
        } else if !target.exists() && !is_temporary(&source) {
            match copy_file(&source, &target) {
                Ok(()) => {}
                // Removed since it was listed: it is no longer part of the data.
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => {
                    return Err(error).with_context(|| format!("copying {}", source.display()));
                }
            }
        }
    }
    sync_directory(to)
}

/// A file being written (through a temporary name) is not yet part of the data.
fn is_temporary(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".tmp") || n.ends_with(".partial"))
}

/// Copies `from` to `to` and syncs the copy.
fn copy_file(from: &Path, to: &Path) -> io::Result<()> {
    fs::copy(from, to)?;
    File::open(to)?.sync_all()
}

/// Whether `path` is a directory with something in it.
fn holds_files(path: &Path) -> bool {
    fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_some())
}

fn sync_directory(directory: &Path) -> anyhow::Result<()> {
    File::open(directory)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing {}", directory.display()))
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
