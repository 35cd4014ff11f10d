//! The `zhizao` binary as an operator runs it, in one test binary: backup and restore, upgrades
//! from an earlier release's data directory, durability across `kill -9` and object storage,
//! simulated fleets against a served platform, the factory benchmark on a small book, and every
//! demo login walked through in a real browser.

mod backup;
mod bench;
mod crashes;
mod database_restart;
mod durability;
mod nesting;
mod notifier;
mod simulate;
mod support;
mod upgrade;
mod walkthrough;
