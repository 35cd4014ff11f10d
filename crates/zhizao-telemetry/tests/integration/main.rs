//! The telemetry crate's integration tests, linked into one binary.

mod line_protocol;
mod maintenance;
#[cfg(feature = "s3")]
mod object_storage;
mod store;
