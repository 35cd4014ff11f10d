//! The telemetry crate's integration tests, linked into one binary.

mod line_protocol;
mod maintenance;
mod store;
