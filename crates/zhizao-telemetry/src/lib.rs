//! Telemetry from connected equipment and smart products.
//!
//! Work in progress: this crate will own ingest (InfluxDB line protocol, JSON, MQTT), the
//! write-ahead log, in-memory Arrow buffers, Parquet files partitioned by tenant, table and time,
//! and SQL over them with DataFusion. It starts with the line protocol parser.

pub mod line_protocol;
mod point;
pub mod wal;
pub mod wal_codec;

pub use point::{FieldValue, Point, Precision};
