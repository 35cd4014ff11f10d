//! The demo's live fleet: with `serve --demo` and the embedded broker on, the `maker` login's
//! machines and the shared factories' robots and lines connect over MQTT as real devices do,
//! report every few seconds and answer commands, so a newcomer sees them online with live
//! values and the factories' OEE moving.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use zhizao_db::Database;
use zhizao_devices::Devices;

use crate::simulate_command::{SimulatedDevice, run_mqtt};

/// Seconds between a demo device's reports.
const INTERVAL: Duration = Duration::from_secs(5);

/// Starts the demo devices against the broker at `broker`; they stop when `stopped` says so.
pub(crate) async fn start(
    db: &Database,
    devices: &Devices,
    broker: SocketAddr,
    stopped: &watch::Receiver<bool>,
) -> anyhow::Result<Vec<JoinHandle<()>>> {
    let fleet = zhizao_demo::demo_fleet(db, devices).await?;
    // A broker listening on every interface is reached on this machine's loopback.
    let host = if broker.ip().is_unspecified() {
        if broker.is_ipv4() {
            "127.0.0.1".to_owned()
        } else {
            "::1".to_owned()
        }
    } else {
        broker.ip().to_string()
    };
    let address = format!("{host}:{}", broker.port());
    let counters = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let count = fleet.len().max(1) as u32;
    let mut tasks = Vec::with_capacity(fleet.len());
    for (index, device) in fleet.into_iter().enumerate() {
        let device = SimulatedDevice {
            name: device.name,
            token: device.token,
            machine: device.machine,
            work: None,
            pace: 1.0,
        };
        // The first reports spread over one interval.
        let offset = INTERVAL * index as u32 / count;
        tasks.push(tokio::spawn(run_mqtt(
            device,
            address.clone(),
            offset,
            INTERVAL,
            (
                Arc::clone(&counters.0),
                Arc::clone(&counters.1),
                Arc::clone(&counters.2),
            ),
            stopped.clone(),
        )));
    }
    Ok(tasks)
}
