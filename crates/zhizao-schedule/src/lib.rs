//! Flexible job-shop scheduling engine.
