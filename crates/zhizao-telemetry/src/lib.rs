//! Telemetry from connected equipment and smart products.
//!
//! Work in progress: this crate will own ingest (InfluxDB line protocol, JSON, MQTT), the
//! write-ahead log, in-memory Arrow buffers, Parquet files partitioned by tenant, table and time,
//! and SQL over them with DataFusion. It starts with the line protocol parser.

mod buffer;
pub mod encode;
pub mod line_protocol;
pub mod manifest;
pub mod names;
mod point;
pub mod query;
pub mod schema;
mod store;
pub mod wal;
pub mod wal_codec;

pub use point::{FieldValue, Point, Precision};
pub use query::{QueryError, QueryLimits, QueryOutput};
pub use store::{StoreError, StoreOptions, TableKey, TelemetryStore, WriteReceipt};
