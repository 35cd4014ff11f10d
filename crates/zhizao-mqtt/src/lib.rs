//! The embedded MQTT broker devices connect to, speaking the ThingsBoard device API over MQTT
//! 3.1.1 or 5.0 so existing firmware works unchanged:
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
//! DISCONNECT), clean and persistent sessions (subscriptions, unacknowledged messages and
//! commands queued while the client is away, kept per device and client id, on disk when the
//! broker has a session directory: see `sessions`), keep-alive (1.5 × the client's interval).
//! A malformed packet closes that connection only.
//!
//! With `--mqtt-broker` the same message handling serves devices connected to an external
//! broker instead (see `external`).

mod connection;
mod external;
mod sessions;
pub mod topics;
mod wire;

pub use external::{BrokerUrlError, ExternalBroker};

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::mqttbytes::QoS;
use rumqttc::mqttbytes::v4::Publish;
use tokio::net::TcpListener;
use zhizao_core::{Clock, Timestamp};
use zhizao_devices::Devices;
use zhizao_devices::rpc::{CommandHub, CommandQueue};
use zhizao_telemetry::TelemetryStore;

use crate::sessions::{
    MAX_SESSIONS_PER_DEVICE, SessionFiles, SessionKey, SessionQueue, SessionRecord, StoredSession,
};
use crate::topics::Subscription;

/// Why the broker cannot start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The session directory cannot be created or read.
    #[error("MQTT session directory {path}: {source}")]
    SessionDirectory {
        /// The directory.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl zhizao_core::Classified for Error {
    fn kind(&self) -> zhizao_core::ErrorKind {
        match self {
            Error::SessionDirectory { .. } => zhizao_core::ErrorKind::Unavailable,
        }
    }
}

/// Broker limits.
#[derive(Debug, Clone)]
pub struct BrokerSettings {
    /// The largest packet accepted.
    pub max_packet_bytes: usize,
    /// How long a new connection has to send CONNECT.
    pub connect_timeout: Duration,
    /// Where persistent sessions are written so they survive a restart (one broker per
    /// directory); `None` keeps them in memory only.
    pub session_directory: Option<PathBuf>,
    /// How long a persistent session outlives its client's disconnection.
    pub session_expiry: Duration,
}

impl Default for BrokerSettings {
    fn default() -> Self {
        BrokerSettings {
            max_packet_bytes: 1024 * 1024,
            connect_timeout: Duration::from_secs(10),
            session_directory: None,
            session_expiry: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct BrokerState {
    /// Persistent sessions of clients that are away, by device and client id.
    pub(crate) sessions: HashMap<i64, HashMap<String, StoredSession>>,
    /// The live connection of each device and client id, to take over.
    pub(crate) connections: HashMap<SessionKey, (u64, tokio::sync::watch::Sender<bool>)>,
    /// Retained messages by device and topic.
    pub(crate) retained: HashMap<(i64, String), Publish>,
    pub(crate) next_connection: u64,
    /// Connections still running, by number.
    pub(crate) live: HashSet<u64>,
    /// The broker is shutting down: connections are ended and no new one is taken.
    pub(crate) closing: bool,
}

impl BrokerState {
    pub(crate) fn session_mut(&mut self, key: &SessionKey) -> Option<&mut StoredSession> {
        self.sessions.get_mut(&key.0)?.get_mut(&key.1)
    }

    pub(crate) fn session(&self, key: &SessionKey) -> Option<&StoredSession> {
        self.sessions.get(&key.0)?.get(&key.1)
    }

    pub(crate) fn take_session(&mut self, key: &SessionKey) -> Option<StoredSession> {
        let clients = self.sessions.get_mut(&key.0)?;
        let session = clients.remove(&key.1);
        if clients.is_empty() {
            self.sessions.remove(&key.0);
        }
        session
    }

    /// Stores a session; returns the device's sessions ended to stay within
    /// `MAX_SESSIONS_PER_DEVICE` (those disconnected longest).
    pub(crate) fn store_session(
        &mut self,
        key: &SessionKey,
        session: StoredSession,
    ) -> Vec<SessionKey> {
        let clients = self.sessions.entry(key.0).or_default();
        clients.insert(key.1.clone(), session);
        let mut ended = Vec::new();
        while clients.len() > MAX_SESSIONS_PER_DEVICE {
            let Some(oldest) = clients
                .iter()
                .filter(|(client, _)| **client != key.1)
                .min_by_key(|(_, session)| session.disconnected_at)
                .map(|(client, _)| client.clone())
            else {
                break;
            };
            clients.remove(&oldest);
            ended.push((key.0, oldest));
        }
        ended
    }
}

/// The broker: cheap to clone, one per process.
#[derive(Clone)]
pub struct Broker {
    pub(crate) devices: Devices,
    pub(crate) telemetry: TelemetryStore,
    pub(crate) commands: CommandHub,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settings: BrokerSettings,
    pub(crate) state: Arc<Mutex<BrokerState>>,
    pub(crate) files: Option<SessionFiles>,
    pub(crate) connected: Arc<std::sync::atomic::AtomicUsize>,
    /// Why this node is not joined to its external broker (`None` while it is, or when it has
    /// none).
    pub(crate) external_failure: Arc<std::sync::Mutex<Option<String>>>,
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
    /// A broker writing to `telemetry` for devices of `devices`, delivering `commands`; with a
    /// session directory it restores the persistent sessions written there (those not expired),
    /// whose commands `commands` then queues until their clients are back. Sessions expire,
    /// and points without a time of their own are stamped, by `clock`.
    pub fn new(
        devices: Devices,
        telemetry: TelemetryStore,
        commands: CommandHub,
        settings: BrokerSettings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, Error> {
        let now = clock.now();
        let expiry = settings.session_expiry;
        let (files, records) = match &settings.session_directory {
            Some(directory) => {
                // A client connected when the process stopped was disconnected by the stop,
                // so its session counts from now.
                let keep = |record: &SessionRecord| {
                    !is_expired(record.disconnected_at().unwrap_or(now), expiry, now)
                };
                let (files, records) = SessionFiles::open(directory, keep).map_err(|source| {
                    Error::SessionDirectory {
                        path: directory.clone(),
                        source,
                    }
                })?;
                (Some(files), records)
            }
            None => (None, Vec::new()),
        };
        let broker = Broker {
            devices,
            telemetry,
            commands,
            clock,
            settings,
            state: Arc::new(Mutex::new(BrokerState::default())),
            files,
            connected: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
            external_failure: Arc::new(std::sync::Mutex::new(None)),
        };
        let mut queues = Vec::new();
        {
            let mut state = broker.lock();
            for record in records {
                let mut restored = record.restore();
                let key = restored.key.clone();
                let disconnected_at = restored.disconnected_at.unwrap_or(now);
                let owed = restored.pending.len();
                restored.pending.retain(|p| !p.is_expired(now));
                // Rewritten only when the file is out of date: the client was connected when
                // the process stopped, or commands expired since.
                let rewrite = restored.disconnected_at.is_none() || restored.pending.len() < owed;
                let queue = broker.session_queue(&key, &restored.subscriptions);
                let session = StoredSession {
                    subscriptions: restored.subscriptions,
                    pending: restored.pending,
                    disconnected_at,
                    _queue: queue.clone(),
                };
                if rewrite && let Some(files) = &broker.files {
                    files.save(SessionRecord::stored(&key, &session));
                }
                for ended in state.store_session(&key, session) {
                    if let Some(files) = &broker.files {
                        files.delete(ended);
                    }
                }
                queues.extend(queue.map(|queue| (key.0, queue)));
            }
        }
        // Outside the state lock: the hub calls queues with its own lock held, and they take
        // the state lock.
        for (device_id, queue) in &queues {
            broker.commands.queue(*device_id, queue);
        }
        Ok(broker)
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, BrokerState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn is_expired(&self, disconnected_at: Timestamp, now: Timestamp) -> bool {
        is_expired(disconnected_at, self.settings.session_expiry, now)
    }

    /// The command queue of a stored session, if it is subscribed to commands with QoS 1.
    pub(crate) fn session_queue(
        &self,
        key: &SessionKey,
        subscriptions: &HashMap<Subscription, QoS>,
    ) -> Option<Arc<dyn CommandQueue>> {
        (subscriptions.get(&Subscription::RpcRequests) == Some(&QoS::AtLeastOnce)).then(|| {
            Arc::new(SessionQueue {
                state: Arc::downgrade(&self.state),
                files: self.files.clone(),
                key: key.clone(),
            }) as Arc<dyn CommandQueue>
        })
    }

    /// Ends the stored sessions whose clients have been away longer than the expiry.
    fn expire_sessions(&self) {
        let now = self.clock.now();
        let mut expired = Vec::new();
        {
            let mut state = self.lock();
            state.sessions.retain(|device_id, clients| {
                clients.retain(|client, session| {
                    let keep = !self.is_expired(session.disconnected_at, now);
                    if !keep {
                        expired.push((*device_id, client.clone()));
                    }
                    keep
                });
                !clients.is_empty()
            });
        }
        for key in expired {
            tracing::debug!(device = key.0, client = %key.1, "MQTT session expired");
            if let Some(files) = &self.files {
                files.delete(key);
            }
        }
    }

    /// Devices connected now.
    pub fn connections(&self) -> usize {
        self.connected.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Why this node is not joined to its external broker (not yet, or the broker unreachable
    /// since), for readiness; `None` while it is joined, or when it has no external broker.
    pub fn external_failure(&self) -> Option<String> {
        match self.external_failure.lock() {
            Ok(failure) => failure.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub(crate) fn set_external_failure(&self, failure: Option<String>) {
        match self.external_failure.lock() {
            Ok(mut kept) => *kept = failure,
            Err(poisoned) => *poisoned.into_inner() = failure,
        }
    }

    /// Accepts connections on `listener` until `shutdown` resolves, then ends the connections
    /// (their persistent sessions stored) and returns once the sessions are on disk. Each
    /// connection runs on its own task.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        let mut expiry = tokio::time::interval(
            Duration::from_secs(60).min(self.settings.session_expiry.max(Duration::from_secs(1))),
        );
        expiry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
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
                _ = expiry.tick() => self.expire_sessions(),
                () = &mut shutdown => break,
            }
        }
        drop(listener);
        self.close().await;
    }

    /// Ends every connection and waits (up to 10 s) for their sessions to be stored.
    async fn close(&self) {
        {
            let mut state = self.lock();
            state.closing = true;
            for (_, kick) in state.connections.values() {
                let _ = kick.send(true);
            }
        }
        for _ in 0..1000 {
            if self.lock().live.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if let Some(files) = &self.files {
            let _ = files.flush().await;
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

/// Whether a session whose client left at `disconnected_at` has expired at `now`.
fn is_expired(disconnected_at: Timestamp, expiry: Duration, now: Timestamp) -> bool {
    let expiry = i64::try_from(expiry.as_millis()).unwrap_or(i64::MAX);
    disconnected_at.plus_millis(expiry) <= now
}
