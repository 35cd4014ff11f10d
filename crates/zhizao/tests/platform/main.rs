//! The `zhizao` binary as an operator runs it, in one test binary: durability across `kill -9`
//! and object storage, and simulated fleets against a served platform.

mod durability;
mod simulate;
mod support;
