//! The embedded MQTT broker devices connect to, speaking the ThingsBoard device API over MQTT
//! 3.1.1 so existing firmware works unchanged:
//!
//! - log in with the device's access token as the user name (the password is ignored, as
//!   ThingsBoard does);
//! - publish telemetry to `v1/devices/me/telemetry` (`{"k": v}`, `{"ts": ms, "values": {…}}` or
//!   an array) and client attributes to `v1/devices/me/attributes`; QoS 1 is acknowledged only
//!   once the points are durable;
//! - receive commands on `v1/devices/me/rpc/request/{id}` after subscribing to
//!   `v1/devices/me/rpc/request/+`, and answer on `v1/devices/me/rpc/response/{id}`;
//! - ask for attributes on `v1/devices/me/attributes/request/{id}`, answered on
//!   `v1/devices/me/attributes/response/{id}`.
//!
//! `me` is always the logged-in device: any other topic is refused (a publish closes the
//! connection, a subscription gets the failure code), so a device can neither write as nor
//! listen to another. QoS 0 and 1 (QoS 2 closes the connection), retained messages per device,
//! last will (published as if the device had sent it when the connection ends without
//! DISCONNECT), clean and persistent sessions (subscriptions and unacknowledged commands kept
//! per device and client id while the process runs), keep-alive (1.5 × the client's interval).
//! A malformed packet closes that connection only.

mod connection;
mod external;
pub mod topics;

pub use external::{BrokerUrlError, ExternalBroker};

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::mqttbytes::v4::Publish;
use tokio::net::TcpListener;
use zhizao_devices::Devices;
use zhizao_devices::rpc::CommandHub;
use zhizao_telemetry::TelemetryStore;

use crate::topics::Subscription;

/// Broker limits.
#[derive(Debug, Clone)]
pub struct BrokerSettings {
    /// The largest packet accepted.
    pub max_packet_bytes: usize,
    /// How long a new connection has to send CONNECT.
    pub connect_timeout: Duration,
}

impl Default for BrokerSettings {
    fn default() -> Self {
        BrokerSettings {
            max_packet_bytes: 1024 * 1024,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// A persistent session kept between connections.
#[derive(Debug, Default)]
pub(crate) struct StoredSession {
    pub(crate) subscriptions: HashMap<Subscription, rumqttc::mqttbytes::QoS>,
    pub(crate) unacknowledged: Vec<Publish>,
}

#[derive(Debug, Default)]
pub(crate) struct BrokerState {
    /// Persistent sessions by device and client id.
    pub(crate) sessions: HashMap<(i64, String), StoredSession>,
    /// The live connection of each device and client id, to take over.
    pub(crate) connections: HashMap<(i64, String), (u64, tokio::sync::watch::Sender<bool>)>,
    /// Retained messages by device and topic.
    pub(crate) retained: HashMap<(i64, String), Publish>,
    pub(crate) next_connection: u64,
    /// Connections still running, by number.
    pub(crate) live: std::collections::HashSet<u64>,
}

/// The broker: cheap to clone, one per process.
#[derive(Clone)]
pub struct Broker {
    pub(crate) devices: Devices,
    pub(crate) telemetry: TelemetryStore,
    pub(crate) commands: CommandHub,
    pub(crate) settings: BrokerSettings,
    pub(crate) state: Arc<Mutex<BrokerState>>,
    pub(crate) connected: Arc<std::sync::atomic::AtomicUsize>,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("settings", &self.settings)
            .field("connected", &self.connections())
            .finish_non_exhaustive()
    }
}

impl Broker {
    /// A broker writing to `telemetry` for devices of `devices`, delivering `commands`.
    pub fn new(
        devices: Devices,
        telemetry: TelemetryStore,
        commands: CommandHub,
        settings: BrokerSettings,
    ) -> Self {
        Broker {
            devices,
            telemetry,
            commands,
            settings,
            state: Arc::new(Mutex::new(BrokerState::default())),
            connected: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
        }
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, BrokerState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Devices connected now.
    pub fn connections(&self) -> usize {
        self.connected.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Accepts connections on `listener` until `shutdown` resolves; each connection runs on its
    /// own task and ends with the process.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let broker = self.clone();
                        tokio::spawn(async move { broker.run_connection(stream, peer).await });
                    }
                    Err(error) => {
                        // Out of file descriptors and the like: wait instead of spinning.
                        tracing::warn!(%error, "accepting an MQTT connection failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                () = &mut shutdown => break,
            }
        }
    }

    async fn run_connection(self, stream: tokio::net::TcpStream, peer: SocketAddr) {
        let _ = stream.set_nodelay(true);
        self.connected
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let outcome = connection::Connection::run(&self, stream).await;
        self.connected
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        match outcome {
            Ok(()) => tracing::debug!(%peer, "MQTT connection closed"),
            Err(error) => tracing::info!(%peer, %error, "MQTT connection closed"),
        }
    }
}
