//! Telemetry from connected equipment and smart products.
//!
//! The store behind every ingest path (InfluxDB line protocol, JSON, MQTT): a write-ahead log,
//! in-memory Arrow buffers, Parquet files partitioned by tenant, table and time, a last-value
//! cache, and SQL over them with DataFusion, one tenant per query session.

pub mod backup;
mod buffer;
pub mod encode;
mod error;
mod files;
mod latest;
pub mod line_protocol;
mod maintenance;
pub mod manifest;
pub mod names;
mod point;
mod prune;
pub mod query;
pub mod schema;
mod series;
mod store;
#[cfg(feature = "testing")]
pub mod testing;
pub mod wal;
pub mod wal_codec;

pub use error::{Error, Result};
pub use files::ObjectStorage;
pub use latest::{DEVICE_TAG, LatestValue};
pub use maintenance::{CompactionReport, DatabaseSummary, MAX_RETENTION_DAYS, TableSummary};
pub use point::{FieldValue, Point, Precision};
pub use query::{QueryLimits, QueryOutput};
pub use series::{MAX_SERIES_POINTS, Series, SeriesBucket, SeriesRequest};
pub use store::{StoreOptions, TableKey, TelemetryStore, WriteReceipt};
