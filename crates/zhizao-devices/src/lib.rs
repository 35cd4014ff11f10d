//! Connected equipment and smart products.
//!
//! An enterprise describes each kind of product or machine it connects as a *device profile*
//! (a product model: the telemetry fields it reports with their types and units, its attributes,
//! the commands it accepts, and the telemetry table its points go to), then registers *devices*
//! of those profiles. Each device gets an access token, shown once and stored hashed, with which
//! it speaks for itself and only itself: everything it writes is tagged with its own name in its
//! own enterprise's telemetry.
//!
//! Devices speak the ThingsBoard device API conventions (`thingsboard`), so existing firmware and
//! gateways connect as they are; the same conversion serves HTTP now and MQTT later.
//!
//! Architecture invariant: a device is always resolved to exactly one enterprise and one device
//! name, here; the transports never choose a tenant or a device name themselves.

pub mod dashboard;
mod devices;
mod error;
mod import;
mod profiles;
pub mod rpc;
pub mod thingsboard;

use std::sync::Arc;

use zhizao_core::Clock;
use zhizao_db::Database;

pub use devices::{
    DEVICE_TOKEN_PREFIX, Device, DeviceIdentity, DeviceInput, DeviceUpdate, NewDeviceToken,
};
pub use error::{Error, Result};
pub use import::{DeviceImportReport, MAX_DEVICE_IMPORT_BYTES, MAX_DEVICE_IMPORT_ROWS};
pub use profiles::{AttributeSpec, CommandSpec, Profile, ProfileInput, TelemetrySpec};

/// The device registry service: one per process.
#[derive(Debug, Clone)]
pub struct Devices {
    db: Database,
    clock: Arc<dyn Clock>,
}

impl Devices {
    /// The registry over `db`.
    pub fn new(db: Database, clock: Arc<dyn Clock>) -> Self {
        Devices { db, clock }
    }
}
