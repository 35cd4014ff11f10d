//! Where the store's Parquet files live: under the data directory (the default), or in
//! S3-compatible object storage (AWS S3, MinIO, Garage, Ceph RGW, …) when one machine's disk is
//! not enough or several machines should read the same files.
//!
//! Either way a file is written whole to a temporary file on the local disk first and only
//! then *placed*: renamed into the data directory (after `fsync`, and the directory's), or
//! uploaded to the bucket (a completed upload is durable by the object store's own guarantee).
//! The manifest, which lists the files, is saved only after the placement succeeded, so a file
//! the manifest lists always exists whole; a crash in between leaves an unlisted file that the
//! next open removes ([`FileStore::remove_unlisted`]). The write-ahead log, the manifest and the
//! last-value cache stay on the local disk in both cases: they are small, and the log must be
//! synced on every acknowledged write.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::execution::cache::cache_manager::{CacheManagerConfig, FileMetadataCache};
use datafusion::execution::cache::default_cache::DefaultCache;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::execution::runtime_env::RuntimeEnv;
use futures::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};

use crate::Error;

/// Files up to this size are uploaded in one request, larger ones in parts of this size.
const PART_BYTES: usize = 8 * 1024 * 1024;
/// S3 refuses smaller parts (but the last).
const MIN_PART_BYTES: usize = 5 * 1024 * 1024;

/// Object storage for the telemetry files: a store plus the URL DataFusion knows it by and a
/// prefix inside it, so several platforms (or environments) can share one bucket.
#[derive(Clone)]
pub struct ObjectStorage {
    store: Arc<dyn ObjectStore>,
    base: ObjectStoreUrl,
    prefix: ObjectPath,
    display: String,
    part_bytes: usize,
}

impl std::fmt::Debug for ObjectStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStorage")
            .field("location", &self.display)
            .finish_non_exhaustive()
    }
}

impl ObjectStorage {
    /// Files under `url` (`scheme://bucket[/prefix]`) in `store`, which must be the store that
    /// URL names.
    pub fn new(store: Arc<dyn ObjectStore>, url: &str) -> Result<Self, Error> {
        let (base, prefix) = parse_location(url)?;
        Ok(ObjectStorage {
            store,
            base,
            prefix,
            display: url.trim_end_matches('/').to_owned(),
            part_bytes: PART_BYTES,
        })
    }

    /// The same storage with `store_id` as the last part of the prefix: each store's files are
    /// its own, so two platforms (or a platform whose data directory was lost) given the same
    /// URL never overwrite or tidy away each other's files.
    pub(crate) fn for_store(mut self, store_id: &str) -> Self {
        self.prefix = self.prefix.clone().join(store_id);
        self.display = format!("{}/{store_id}", self.display);
        self
    }

    /// Uploads files larger than `bytes` in parts of `bytes` (at least 5 MiB, S3's minimum).
    #[must_use]
    pub fn with_part_size(mut self, bytes: usize) -> Self {
        self.part_bytes = bytes.max(MIN_PART_BYTES);
        self
    }

    /// S3-compatible storage at `url` (`s3://bucket[/prefix]`). Credentials, region and endpoint
    /// come from the usual environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_REGION`, `AWS_ENDPOINT` for MinIO, Garage or Ceph, `AWS_ALLOW_HTTP=true` for a plain
    /// HTTP endpoint) or from `settings`, which win.
    #[cfg(feature = "s3")]
    pub fn s3(url: &str, settings: &[(String, String)]) -> Result<Self, Error> {
        use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
        parse_location(url)?;
        if !url.starts_with("s3://") {
            return Err(Error::Invalid(format!(
                "invalid object storage URL {url:?}: S3 storage URLs start with s3://"
            )));
        }
        // A few quick retries ride out a blip; a longer outage is the store's to wait out (it
        // keeps the data in the log and retries persisting with its own back-off), so one
        // request never hangs a persist for minutes.
        let retry = object_store::RetryConfig {
            max_retries: 3,
            retry_timeout: std::time::Duration::from_secs(20),
            ..object_store::RetryConfig::default()
        };
        let mut builder = AmazonS3Builder::from_env().with_url(url).with_retry(retry);
        for (key, value) in settings {
            let key: AmazonS3ConfigKey = key.parse().map_err(|_| {
                Error::Invalid(format!("unknown S3 setting {key:?} (for example aws_endpoint, aws_region, aws_access_key_id, aws_allow_http)"))
            })?;
            builder = builder.with_config(key, value);
        }
        let store = builder.build().map_err(|error| {
            Error::Invalid(format!("cannot use object storage {url:?}: {error}"))
        })?;
        ObjectStorage::new(Arc::new(store), url)
    }

    /// The object key of the file `relative`. Relative paths are built by the store from
    /// escaped segments (ASCII letters, digits, `_`, `-`, `.` and `%XX`), which are valid keys
    /// as they are, so a key read back from a listing is the relative path again.
    fn key(&self, relative: &str) -> ObjectPath {
        let joined = if self.prefix.as_ref().is_empty() {
            relative.to_owned()
        } else {
            format!("{}/{relative}", self.prefix)
        };
        ObjectPath::parse(&joined).unwrap_or_else(|_| ObjectPath::from(joined.as_str()))
    }
}

/// The store's URL (`scheme://authority`) and the prefix inside it, from
/// `scheme://authority[/prefix]`.
fn parse_location(url: &str) -> Result<(ObjectStoreUrl, ObjectPath), Error> {
    let invalid =
        |reason: &str| Error::Invalid(format!("invalid object storage URL {url:?}: {reason}"));
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| invalid("it must look like s3://bucket/prefix"))?;
    let (authority, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if scheme.is_empty() || authority.is_empty() {
        return Err(invalid("the scheme and the bucket are required"));
    }
    let prefix = prefix.trim_end_matches('/');
    if prefix.contains("//") || prefix.contains(['?', '#', '%']) {
        return Err(invalid(
            "the prefix may not contain empty segments, '?', '#' or '%'",
        ));
    }
    let prefix = ObjectPath::parse(prefix).map_err(|error| invalid(&error.to_string()))?;
    let base = ObjectStoreUrl::parse(format!("{scheme}://{authority}"))
        .map_err(|error| invalid(&error.to_string()))?;
    Ok((base, prefix))
}

/// Parquet footers and page indexes kept between queries, in bytes. Files never change once
/// placed (every new file gets a new name), so a cached footer never goes stale.
const METADATA_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// The caches every scan of one store shares.
#[derive(Clone)]
pub(crate) struct SharedCaches(CacheManagerConfig);

impl SharedCaches {
    pub(crate) fn new() -> Self {
        let metadata: Arc<FileMetadataCache> =
            Arc::new(DefaultCache::new(METADATA_CACHE_BYTES).with_name("zhizao-parquet-metadata"));
        SharedCaches(
            CacheManagerConfig::default()
                .with_file_metadata_cache(Some(metadata))
                .with_metadata_cache_limit(METADATA_CACHE_BYTES),
        )
    }

    /// The configuration a query's runtime is built with.
    pub(crate) fn config(&self) -> CacheManagerConfig {
        self.0.clone()
    }
}

impl std::fmt::Debug for SharedCaches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedCaches")
    }
}

/// The location of every Parquet file of a store.
#[derive(Debug, Clone)]
pub(crate) enum FileStore {
    /// Under the data directory.
    Local { root: PathBuf },
    /// In object storage.
    Object(ObjectStorage),
}

impl FileStore {
    /// What to log about the location.
    pub(crate) fn describe(&self) -> String {
        match self {
            FileStore::Local { root } => root.display().to_string(),
            FileStore::Object(storage) => storage.display.clone(),
        }
    }

    /// The URL a DataFusion scan reads the file `relative` by.
    pub(crate) fn url_of(&self, relative: &str) -> String {
        match self {
            FileStore::Local { root } => root.join(relative).to_string_lossy().into_owned(),
            FileStore::Object(storage) => {
                // DataFusion percent-decodes URL paths; escaped names carry '%' literally.
                let key = storage.key(relative).to_string().replace('%', "%25");
                format!("{}{key}", storage.base.as_str())
            }
        }
    }

    /// Makes the files readable by scans running in `runtime`.
    pub(crate) fn register(&self, runtime: &RuntimeEnv) {
        if let FileStore::Object(storage) = self {
            runtime.register_object_store(storage.base.as_ref(), Arc::clone(&storage.store));
        }
    }

    /// A new temporary file on the local disk for a file being written (`root` is the store's
    /// data directory); for local storage it sits beside its final place so the rename stays on
    /// one file system.
    pub(crate) fn temporary_path(&self, root: &Path, relative: &str) -> PathBuf {
        match self {
            FileStore::Local { root } => root.join(relative).with_extension("parquet.tmp"),
            // The same tree as in the bucket, so two files never share a temporary name.
            FileStore::Object(_) => root
                .join("upload")
                .join(relative)
                .with_extension("parquet.tmp"),
        }
    }

    /// Moves the complete, synced temporary file to `relative`: a rename in the data directory,
    /// or an upload (then the temporary file is removed).
    pub(crate) async fn place(&self, temporary: &Path, relative: &str) -> Result<(), Error> {
        match self {
            FileStore::Local { root } => {
                let path = root.join(relative);
                let io = |source| Error::Io {
                    path: path.clone(),
                    source,
                };
                fs::rename(temporary, &path).map_err(io)?;
                let directory = path.parent().unwrap_or(root);
                fs::File::open(directory)
                    .and_then(|d| d.sync_all())
                    .map_err(io)?;
                Ok(())
            }
            FileStore::Object(storage) => {
                let key = storage.key(relative);
                let uploaded = upload(storage, temporary, &key).await;
                let _ = fs::remove_file(temporary);
                uploaded.map_err(|error| {
                    Error::Persist(format!(
                        "uploading {relative} to {}: {error}",
                        storage.display
                    ))
                })
            }
        }
    }

    /// Removes the file `relative` (a missing file is fine).
    pub(crate) async fn delete(&self, relative: &str) -> Result<(), Error> {
        match self {
            FileStore::Local { root } => remove_local(&root.join(relative)),
            FileStore::Object(storage) => {
                match storage.store.delete(&storage.key(relative)).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                    Err(error) => Err(Error::Persist(format!(
                        "deleting {relative} from {}: {error}",
                        storage.display
                    ))),
                }
            }
        }
    }

    /// Removes the file `relative` without waiting (from a destructor): locally at once, in
    /// object storage on the runtime if there is one. A file left behind is unlisted and goes
    /// at the next open.
    pub(crate) fn delete_soon(&self, relative: &str) {
        match self {
            FileStore::Local { root } => {
                if let Err(error) = remove_local(&root.join(relative)) {
                    tracing::warn!(%error, "removing a retired file failed");
                }
            }
            FileStore::Object(_) => match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    let files = self.clone();
                    let relative = relative.to_owned();
                    runtime.spawn(async move {
                        if let Err(error) = files.delete(&relative).await {
                            tracing::warn!(%error, "removing a retired file failed");
                        }
                    });
                }
                Err(_) => tracing::debug!(relative, "left a retired file for the next open"),
            },
        }
    }

    /// Checks that the files' place can be listed (for object storage: the endpoint answers and
    /// the credentials are accepted), so a misconfiguration is found at start, not at the
    /// first persist.
    pub(crate) async fn check(&self) -> Result<(), Error> {
        let FileStore::Object(storage) = self else {
            return Ok(());
        };
        storage
            .store
            .list_with_delimiter(Some(&storage.key("tables")))
            .await
            .map(|_| ())
            .map_err(|error| {
                Error::ObjectStorage(format!(
                    "cannot use the object storage {}: {error}",
                    storage.display
                ))
            })
    }

    /// Deletes the temporary files of interrupted writes and, in the data directory, every
    /// file under `tables/` that `known` (relative paths) does not list. Object storage is
    /// tidied by [`FileStore::remove_unlisted_objects`].
    pub(crate) fn remove_unlisted_now(
        &self,
        root: &Path,
        known: &BTreeSet<String>,
    ) -> Result<(), Error> {
        let upload = root.join("upload");
        if upload.exists() {
            fs::remove_dir_all(&upload).map_err(|source| Error::Io {
                path: upload.clone(),
                source,
            })?;
        }
        match self {
            FileStore::Local { root } => remove_unlisted_local(root, &root.join("tables"), known),
            FileStore::Object(_) => Ok(()),
        }
    }

    /// Deletes every object under the prefix's `tables/` that `known` does not list (left by a
    /// crash between an upload and the manifest). The caller holds the manifest lock, so no
    /// upload is between placing and listing meanwhile. Returns how many were deleted.
    pub(crate) async fn remove_unlisted_objects(
        &self,
        known: &BTreeSet<String>,
    ) -> Result<usize, Error> {
        let FileStore::Object(storage) = self else {
            return Ok(0);
        };
        let tables = storage.key("tables");
        let listed: Vec<object_store::ObjectMeta> = storage
            .store
            .list(Some(&tables))
            .try_collect()
            .await
            .map_err(|error| {
                Error::Persist(format!("listing {}/tables: {error}", storage.display))
            })?;
        let skip = storage.prefix.parts().count();
        let mut deleted = 0;
        for object in listed {
            let relative = object
                .location
                .parts()
                .skip(skip)
                .map(|part| part.as_ref().to_owned())
                .collect::<Vec<_>>()
                .join("/");
            if !known.contains(&relative) {
                tracing::warn!(
                    object = %object.location,
                    "removing an object the manifest does not list"
                );
                self.delete(&relative).await?;
                deleted += 1;
            }
        }
        Ok(deleted)
    }
}

async fn upload(
    storage: &ObjectStorage,
    temporary: &Path,
    key: &ObjectPath,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    use tokio::io::AsyncReadExt;
    let mut file = tokio::fs::File::open(temporary).await?;
    let length = usize::try_from(file.metadata().await?.len())?;
    let part_bytes = storage.part_bytes;
    if length <= part_bytes {
        let mut bytes = Vec::with_capacity(length);
        file.read_to_end(&mut bytes).await?;
        storage.store.put(key, bytes.into()).await?;
        return Ok(());
    }
    let upload = storage.store.put_multipart(key).await?;
    let mut writer = object_store::WriteMultipart::new_with_chunk_size(upload, part_bytes);
    let mut chunk = vec![0u8; part_bytes];
    let sent: Result<(), Box<dyn std::error::Error + Send + Sync>> = async {
        loop {
            let read = file.read(&mut chunk).await?;
            if read == 0 {
                return Ok(());
            }
            writer.wait_for_capacity(4).await?;
            writer.write(&chunk[..read]);
        }
    }
    .await;
    match sent {
        Ok(()) => {
            writer.finish().await?;
            Ok(())
        }
        Err(error) => {
            // Parts already uploaded would otherwise stay in the bucket, unlisted and billed.
            if let Err(abort) = writer.abort().await {
                tracing::warn!(%abort, "aborting a failed multipart upload failed");
            }
            Err(error)
        }
    }
}

fn remove_local(path: &Path) -> Result<(), Error> {
    match fs::remove_file(path) {
        Ok(()) => {
            tracing::debug!(path = %path.display(), "removed a file");
            Ok(())
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

fn remove_unlisted_local(
    root: &Path,
    directory: &Path,
    known: &BTreeSet<String>,
) -> Result<(), Error> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    let entries = match fs::read_dir(directory) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(io(directory)(source)),
    };
    for entry in entries {
        let path = entry.map_err(io(directory))?.path();
        if path.is_dir() {
            remove_unlisted_local(root, &path, known)?;
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .ok()
            .and_then(|p| p.to_str())
            .map(|p| p.replace(std::path::MAIN_SEPARATOR, "/"));
        if relative.is_none_or(|relative| !known.contains(&relative)) {
            tracing::warn!(path = %path.display(), "removing a file the manifest does not list");
            fs::remove_file(&path).map_err(io(&path))?;
        }
    }
    Ok(())
}
