//! One device connection: CONNECT and login, then packets in both directions until the device
//! disconnects, breaks the protocol, goes quiet past its keep-alive, or is taken over by a new
//! connection with the same client id.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use rumqttc::mqttbytes::v4::{
    ConnAck, ConnectReturnCode, Packet, PubAck, Publish, SubAck, SubscribeReasonCode,
};
use rumqttc::mqttbytes::{Protocol, QoS};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{mpsc, watch};
use zhizao_core::{Classified, ErrorKind, Timestamp};
use zhizao_devices::DeviceIdentity;
use zhizao_devices::rpc::RpcRequest;
use zhizao_devices::thingsboard::telemetry_points;

use crate::Broker;
use crate::sessions::{Pending, SessionKey, SessionRecord, StoredSession};
use crate::topics::{
    PublishTopic, Subscription, attributes_response_topic, redacted, rpc_request_topic,
};
use crate::wire::{self, Version};

/// Why a connection ended other than by DISCONNECT.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectionError {
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
    #[error("the client closed the connection without DISCONNECT")]
    Closed,
    #[error("malformed packet: {0}")]
    Malformed(String),
    #[error("protocol violation: {0}")]
    Protocol(String),
    #[error("refused: {0}")]
    Refused(String),
    #[error("invalid message on {topic}: {reason}")]
    Invalid { topic: String, reason: String },
    #[error("the store cannot accept writes now: {0}")]
    Unavailable(String),
    #[error("no packet within the keep-alive interval")]
    KeepAlive,
    #[error("taken over by a new connection with the same client id")]
    TakenOver,
    #[error("the broker is shutting down")]
    ShuttingDown,
}

type Result<T, E = ConnectionError> = std::result::Result<T, E>;

/// QoS 1 messages a device may leave unacknowledged: room for a resumed session's unacknowledged
/// messages and its queued commands (each at most `MAX_PENDING`), with some to spare.
const MAX_IN_FLIGHT: usize = 2 * crate::sessions::MAX_PENDING + 56;

/// Reads the CONNECT, which says the MQTT version of the connection.
async fn read_connect(
    reader: &mut OwnedReadHalf,
    input: &mut BytesMut,
    max: usize,
) -> Result<wire::First> {
    loop {
        if let Some(first) = wire::read_connect(input, max)? {
            return Ok(first);
        }
        if reader.read_buf(input).await? == 0 {
            return Err(ConnectionError::Closed);
        }
    }
}

fn lower(qos: QoS) -> QoS {
    match qos {
        QoS::AtMostOnce => QoS::AtMostOnce,
        _ => QoS::AtLeastOnce,
    }
}

pub(crate) struct Connection<'a> {
    broker: &'a Broker,
    device: DeviceIdentity,
    /// The session's identity, and whether it persists (`clean_session = false`).
    key: SessionKey,
    persistent: bool,
    version: Version,
    writer: OwnedWriteHalf,
    output: BytesMut,
    subscriptions: HashMap<Subscription, QoS>,
    unacknowledged: BTreeMap<u16, Pending>,
    next_packet_id: u16,
    commands: Option<mpsc::Receiver<RpcRequest>>,
}

/// How handling a packet left the connection.
enum Flow {
    Continue,
    Disconnect,
}

impl<'a> Connection<'a> {
    pub(crate) async fn run(broker: &'a Broker, stream: TcpStream) -> Result<()> {
        let (mut reader, writer) = stream.into_split();
        let max = broker.settings.max_packet_bytes;
        let mut input = BytesMut::with_capacity(1024);
        let first = tokio::time::timeout(
            broker.settings.connect_timeout,
            read_connect(&mut reader, &mut input, max),
        )
        .await
        .map_err(|_| ConnectionError::Protocol("no CONNECT in time".into()))??;
        let wire::First {
            version,
            packet: first,
            resume,
            session_expiry,
        } = first;
        // What the broker keeps a session for, said back to an MQTT 5 client that asked more.
        let kept_for = u32::try_from(broker.settings.session_expiry.as_secs()).unwrap_or(u32::MAX);
        let granted_expiry = (session_expiry > kept_for).then_some(kept_for);
        let Packet::Connect(connect) = first else {
            return Err(ConnectionError::Protocol(
                "the first packet must be CONNECT".into(),
            ));
        };
        let mut refuse = Refusal {
            writer,
            max,
            version,
        };
        if connect.protocol != Protocol::V4 {
            return refuse
                .with(
                    ConnectReturnCode::RefusedProtocolVersion,
                    "only MQTT 3.1.1 and 5.0 are spoken",
                )
                .await;
        }
        let token = connect
            .login
            .as_ref()
            .map(|l| l.username.as_str())
            .unwrap_or("");
        let device = match broker.devices.authenticate(token).await {
            Ok(Some(device)) => device,
            Ok(None) => {
                return refuse
                    .with(
                        ConnectReturnCode::BadUserNamePassword,
                        "unknown, rotated or disabled access token",
                    )
                    .await;
            }
            Err(error) => {
                tracing::error!(%error, "device authentication failed");
                return refuse
                    .with(
                        ConnectReturnCode::ServiceUnavailable,
                        "authentication is unavailable",
                    )
                    .await;
            }
        };
        if let Some(will) = &connect.last_will
            && (PublishTopic::parse(&will.topic).is_none() || will.qos == QoS::ExactlyOnce)
        {
            return refuse
                .with(
                    ConnectReturnCode::NotAuthorized,
                    "the will's topic is not the device's own",
                )
                .await;
        }
        if connect.client_id.is_empty() && !connect.clean_session {
            return refuse
                .with(
                    ConnectReturnCode::BadClientId,
                    "a persistent session needs a client id",
                )
                .await;
        }
        let key: SessionKey = (device.device_id, connect.client_id.clone());
        let persistent = !connect.clean_session;
        let (kick, mut kicked) = watch::channel(false);
        let registered = {
            let mut state = broker.lock();
            if state.closing {
                None
            } else {
                state.next_connection += 1;
                let number = state.next_connection;
                state.live.insert(number);
                let previous =
                    state
                        .connections
                        .insert(key.clone(), (number, kick))
                        .map(|(n, old)| {
                            let _ = old.send(true);
                            n
                        });
                Some((number, previous))
            }
        };
        let Some((number, previous)) = registered else {
            return refuse
                .with(
                    ConnectReturnCode::ServiceUnavailable,
                    "the broker is shutting down",
                )
                .await;
        };
        if let Some(previous) = previous {
            // Let the connection being taken over store its session first.
            for _ in 0..100 {
                if !broker.lock().live.contains(&previous) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        // A session resumed with commands subscribed takes them live before it leaves the
        // store (whose queue takes them until then), so none falls between the two.
        let mut commands = None;
        if resume
            && broker
                .lock()
                .session(&key)
                .is_some_and(|s| s.subscriptions.contains_key(&Subscription::RpcRequests))
        {
            commands = Some(broker.commands.subscribe(device.device_id));
        }
        let now = broker.clock.now();
        let taken = broker.lock().take_session(&key);
        let had_session = taken.is_some();
        // A clean session (MQTT 5: a clean start) ends whatever session the client had; an
        // expired one is gone.
        let stored = taken.filter(|s| resume && !broker.is_expired(s.disconnected_at, now));
        // Its file goes unless the session goes on (MQTT 5 may resume a session that then
        // ends with this connection).
        if had_session
            && (stored.is_none() || !persistent)
            && let Some(files) = &broker.files
        {
            files.delete(key.clone());
        }
        if !stored
            .as_ref()
            .is_some_and(|s| s.subscriptions.contains_key(&Subscription::RpcRequests))
        {
            commands = None;
        }
        let session_present = stored.is_some();
        let mut connection = Connection {
            broker,
            device,
            key,
            persistent,
            version,
            writer: refuse.writer,
            output: BytesMut::with_capacity(256),
            subscriptions: HashMap::new(),
            unacknowledged: BTreeMap::new(),
            next_packet_id: 0,
            commands,
        };
        let outcome = connection
            .start(session_present, granted_expiry, stored, &connect.client_id)
            .await;
        let outcome = match outcome {
            Ok(()) => {
                let keep_alive = (connect.keep_alive > 0)
                    .then(|| Duration::from_millis(u64::from(connect.keep_alive) * 1500));
                connection
                    .serve(&mut reader, &mut input, keep_alive, &mut kicked)
                    .await
            }
            Err(error) => Err(error),
        };

        // The end: the will unless the device said goodbye, the session if it persists.
        if outcome.is_err()
            && let Some(will) = &connect.last_will
            && let Some(topic) = PublishTopic::parse(&will.topic)
            && let Err(error) = connection
                .process(&topic, &will.topic, will.message.clone())
                .await
        {
            tracing::info!(%error, "the last will could not be applied");
        }
        if connection.persistent {
            connection.store().await;
        }
        connection.commands = None;
        let key = connection.key;
        let mut state = broker.lock();
        if state
            .connections
            .get(&key)
            .is_some_and(|(n, _)| *n == number)
        {
            state.connections.remove(&key);
        }
        state.live.remove(&number);
        drop(state);
        outcome
    }

    /// Acknowledges the CONNECT and resumes a stored session: messages sent before and not
    /// acknowledged go again (marked duplicate), queued ones for the first time, expired ones
    /// not at all.
    async fn start(
        &mut self,
        session_present: bool,
        granted_expiry: Option<u32>,
        stored: Option<StoredSession>,
        client_id: &str,
    ) -> Result<()> {
        self.output.clear();
        wire::write_connack(
            self.version,
            session_present,
            granted_expiry,
            &mut self.output,
            self.broker.settings.max_packet_bytes,
        )?;
        self.writer.write_all(&self.output).await?;
        if let Some(stored) = stored {
            self.subscriptions = stored.subscriptions;
            let now = self.broker.clock.now();
            let (sent, queued): (Vec<Pending>, Vec<Pending>) = stored
                .pending
                .into_iter()
                .filter(|p| !p.is_expired(now))
                .partition(|p| p.publish.pkid != 0);
            for mut pending in sent {
                pending.publish.dup = true;
                let publish = pending.publish.clone();
                self.unacknowledged.insert(publish.pkid, pending);
                self.write(Packet::Publish(publish)).await?;
            }
            for pending in queued {
                let publish = pending.publish;
                self.send(
                    &publish.topic,
                    publish.payload,
                    QoS::AtLeastOnce,
                    publish.retain,
                    pending.expires_at,
                )
                .await?;
            }
        }
        if self.persistent {
            // Marks the session connected on disk, so a restart counts its expiry from then.
            self.save();
        }
        tracing::debug!(device = %self.device.name, client = %client_id, "device connected over MQTT");
        Ok(())
    }

    /// Hands the session to the store as the connection ends: its command queue takes over
    /// from the live subscription, and the commands that reached the connection but were not
    /// sent are queued. Returns once the session is on disk.
    async fn store(&mut self) {
        let subscriptions = std::mem::take(&mut self.subscriptions);
        let queue = self.broker.session_queue(&self.key, &subscriptions);
        let stored = StoredSession {
            subscriptions,
            pending: std::mem::take(&mut self.unacknowledged)
                .into_values()
                .collect(),
            disconnected_at: self.broker.clock.now(),
            _queue: queue.clone(),
        };
        {
            let mut state = self.broker.lock();
            let record = SessionRecord::stored(&self.key, &stored);
            let ended = state.store_session(&self.key, stored);
            if let Some(files) = &self.broker.files {
                for key in ended {
                    tracing::info!(device = key.0, client = %key.1, "too many persistent sessions for one device; the oldest ended");
                    files.delete(key);
                }
                files.save(record);
            }
        }
        if let Some(queue) = &queue {
            self.broker.commands.queue(self.key.0, queue);
        }
        if let Some(mut commands) = self.commands.take() {
            commands.close();
            let now = self.broker.clock.now();
            while let Ok(command) = commands.try_recv() {
                if !queue.as_ref().is_some_and(|q| q.enqueue(&command, now)) {
                    tracing::debug!(device = %self.device.name, id = command.id, "a command could not be kept for the session");
                }
            }
        }
        self.durable().await;
    }

    /// Writes the session as it is now, if it persists (soon: `durable` waits for it).
    fn save(&self) {
        if let (true, Some(files)) = (self.persistent, &self.broker.files) {
            files.save(SessionRecord::connected(
                &self.key,
                &self.subscriptions,
                self.unacknowledged.values(),
            ));
        }
    }

    /// Returns once what `save` wrote is on disk.
    async fn durable(&self) {
        if let (true, Some(files)) = (self.persistent, &self.broker.files) {
            let _ = files.flush().await;
        }
    }

    async fn serve(
        &mut self,
        reader: &mut OwnedReadHalf,
        input: &mut BytesMut,
        keep_alive: Option<Duration>,
        kicked: &mut watch::Receiver<bool>,
    ) -> Result<()> {
        let max = self.broker.settings.max_packet_bytes;
        let mut last_heard = Instant::now();
        loop {
            while let Some(packet) = wire::read(self.version, input, max)? {
                last_heard = Instant::now();
                if let Flow::Disconnect = self.handle(packet).await? {
                    return Ok(());
                }
            }
            let deadline = keep_alive.map(|k| last_heard + k);
            tokio::select! {
                read = reader.read_buf(input) => {
                    if read? == 0 {
                        return Err(ConnectionError::Closed);
                    }
                }
                command = next_command(&mut self.commands) => match command {
                    Some(command) => self.send_command(command).await?,
                    None => self.commands = None,
                },
                () = sleep_until(deadline) => return Err(ConnectionError::KeepAlive),
                _ = kicked.changed() => {
                    return Err(if self.broker.lock().closing {
                        ConnectionError::ShuttingDown
                    } else {
                        ConnectionError::TakenOver
                    });
                }
            }
        }
    }

    async fn handle(&mut self, packet: Packet) -> Result<Flow> {
        match packet {
            Packet::PingReq => self.write(Packet::PingResp).await?,
            Packet::Publish(publish) => self.publish(publish).await?,
            Packet::PubAck(ack) => {
                if self.unacknowledged.remove(&ack.pkid).is_some() {
                    self.save();
                }
            }
            Packet::Subscribe(subscribe) => {
                let mut codes = Vec::with_capacity(subscribe.filters.len());
                let mut granted = Vec::new();
                for filter in &subscribe.filters {
                    match Subscription::parse(&filter.path) {
                        Some(subscription) => {
                            let qos = lower(filter.qos);
                            self.subscriptions.insert(subscription, qos);
                            granted.push((subscription, qos));
                            codes.push(SubscribeReasonCode::Success(qos));
                        }
                        None => {
                            tracing::info!(device = %self.device.name, filter = %redacted(&filter.path), "subscription refused");
                            codes.push(SubscribeReasonCode::Failure);
                        }
                    }
                }
                if self.subscriptions.contains_key(&Subscription::RpcRequests)
                    && self.commands.is_none()
                {
                    self.commands = Some(self.broker.commands.subscribe(self.device.device_id));
                }
                // A persistent session's subscriptions are on disk before the client is told.
                self.save();
                self.durable().await;
                self.write(Packet::SubAck(SubAck::new(subscribe.pkid, codes)))
                    .await?;
                for (subscription, qos) in granted {
                    let retained: Vec<Publish> = {
                        let state = self.broker.lock();
                        state
                            .retained
                            .iter()
                            .filter(|((device, topic), _)| {
                                *device == self.device.device_id && subscription.covers(topic)
                            })
                            .map(|(_, publish)| publish.clone())
                            .collect()
                    };
                    for publish in retained {
                        self.send(&publish.topic, publish.payload.clone(), qos, true, None)
                            .await?;
                    }
                }
            }
            Packet::Unsubscribe(unsubscribe) => {
                for topic in &unsubscribe.topics {
                    if let Some(subscription) = Subscription::parse(topic) {
                        self.subscriptions.remove(&subscription);
                        if subscription == Subscription::RpcRequests {
                            self.commands = None;
                        }
                    }
                }
                self.save();
                self.durable().await;
                self.output.clear();
                wire::write_unsuback(
                    self.version,
                    unsubscribe.pkid,
                    unsubscribe.topics.len(),
                    &mut self.output,
                    self.broker.settings.max_packet_bytes,
                )?;
                self.writer.write_all(&self.output).await?;
            }
            Packet::Disconnect => return Ok(Flow::Disconnect),
            Packet::Connect(_) => return Err(ConnectionError::Protocol("a second CONNECT".into())),
            other => {
                return Err(ConnectionError::Protocol(format!(
                    "a client does not send {other:?}"
                )));
            }
        }
        Ok(Flow::Continue)
    }

    async fn publish(&mut self, publish: Publish) -> Result<()> {
        if publish.qos == QoS::ExactlyOnce {
            return Err(ConnectionError::Protocol(
                "QoS 2 is not supported; use QoS 0 or 1".into(),
            ));
        }
        let Some(topic) = PublishTopic::parse(&publish.topic) else {
            return Err(ConnectionError::Refused(format!(
                "device {:?} may not publish to {:?}",
                self.device.name,
                redacted(&publish.topic)
            )));
        };
        if publish.retain {
            let key = (self.device.device_id, publish.topic.clone());
            let mut state = self.broker.lock();
            if publish.payload.is_empty() {
                state.retained.remove(&key);
            } else {
                let mut kept = publish.clone();
                kept.dup = false;
                state.retained.insert(key, kept);
            }
        }
        self.process(&topic, &publish.topic, publish.payload.clone())
            .await?;
        if publish.qos == QoS::AtLeastOnce {
            self.write(Packet::PubAck(PubAck::new(publish.pkid)))
                .await?;
        }
        Ok(())
    }

    /// Applies a message the device sent (or its will) and sends any answer it asks for.
    async fn process(&mut self, topic: &PublishTopic, name: &str, payload: Bytes) -> Result<()> {
        let answer = self
            .broker
            .apply(&self.device, topic, name, payload)
            .await?;
        if let Some((id, body)) = answer
            && let Some(qos) = self
                .subscriptions
                .get(&Subscription::AttributeResponses)
                .copied()
        {
            self.send(&attributes_response_topic(id), body, qos, false, None)
                .await?;
        }
        Ok(())
    }

    async fn send_command(&mut self, command: RpcRequest) -> Result<()> {
        if command.is_expired(self.broker.clock.now()) {
            return Ok(());
        }
        let qos = self
            .subscriptions
            .get(&Subscription::RpcRequests)
            .copied()
            .unwrap_or(QoS::AtMostOnce);
        let body = Bytes::from(command.body().to_string());
        self.send(
            &rpc_request_topic(command.id),
            body,
            qos,
            false,
            Some(command.expires_at),
        )
        .await
    }

    /// Sends a message; a QoS 1 one is owed to the session until acknowledged (and written
    /// down if the session persists), or until `expires_at`.
    async fn send(
        &mut self,
        topic: &str,
        payload: Bytes,
        qos: QoS,
        retain: bool,
        expires_at: Option<Timestamp>,
    ) -> Result<()> {
        let mut publish = Publish::from_bytes(topic, qos, payload);
        publish.retain = retain;
        if qos == QoS::AtLeastOnce {
            // A device that stops acknowledging is cut off early: every QoS 1 message is kept
            // (and, in a persistent session, written out with all the others) until it is.
            if self.unacknowledged.len() >= MAX_IN_FLIGHT {
                return Err(ConnectionError::Protocol(format!(
                    "{MAX_IN_FLIGHT} messages sent and not acknowledged"
                )));
            }
            loop {
                self.next_packet_id = self.next_packet_id.wrapping_add(1).max(1);
                if !self.unacknowledged.contains_key(&self.next_packet_id) {
                    break;
                }
            }
            publish.pkid = self.next_packet_id;
            self.unacknowledged.insert(
                publish.pkid,
                Pending {
                    publish: publish.clone(),
                    expires_at,
                },
            );
            self.save();
        }
        self.write(Packet::Publish(publish)).await
    }

    async fn write(&mut self, packet: Packet) -> Result<()> {
        self.output.clear();
        wire::write(
            self.version,
            packet,
            &mut self.output,
            self.broker.settings.max_packet_bytes,
        )?;
        self.writer.write_all(&self.output).await?;
        Ok(())
    }
}

impl Broker {
    /// Applies a message a device sent (or its will): telemetry, client attributes, a command's
    /// answer or an attribute request, whose answer (request id and body) it returns.
    pub(crate) async fn apply(
        &self,
        device: &DeviceIdentity,
        topic: &PublishTopic,
        name: &str,
        payload: Bytes,
    ) -> Result<Option<(u64, Bytes)>> {
        let invalid = |reason: String| ConnectionError::Invalid {
            topic: redacted(name),
            reason,
        };
        // The one place a store's or registry's failure becomes the device's: a mistake in what
        // it sent, or the platform unable to take it now.
        let failed = |error: &dyn Classified| match error.kind() {
            ErrorKind::InvalidInput | ErrorKind::TooLarge => invalid(error.to_string()),
            _ => ConnectionError::Unavailable(error.to_string()),
        };
        match topic {
            PublishTopic::Telemetry => {
                let points = telemetry_points(&payload, device, self.clock.now().as_millis())
                    .map_err(|e| invalid(e.to_string()))?;
                self.telemetry
                    .write(device.tenant, &device.database, points)
                    .await
                    .map_err(|error| failed(&error))?;
            }
            PublishTopic::Attributes => {
                let attributes: serde_json::Map<String, Value> =
                    serde_json::from_slice(&payload)
                        .map_err(|e| invalid(format!("expected a JSON object: {e}")))?;
                self.devices
                    .set_client_attributes(device, &attributes)
                    .await
                    .map_err(|error| failed(&error))?;
            }
            PublishTopic::RpcResponse(id) => {
                if !self
                    .commands
                    .respond(device.device_id, *id, rpc_answer(&payload))
                {
                    tracing::debug!(device = %device.name, id, "an answer nobody waits for");
                }
            }
            PublishTopic::AttributesRequest(id) => {
                let request: Value = if payload.is_empty() {
                    Value::Object(Default::default())
                } else {
                    serde_json::from_slice(&payload)
                        .map_err(|e| invalid(format!("not JSON: {e}")))?
                };
                let keys = |name: &str| {
                    request.get(name).and_then(Value::as_str).map(|list| {
                        list.split(',')
                            .map(str::trim)
                            .filter(|k| !k.is_empty())
                            .map(str::to_owned)
                            .collect::<Vec<_>>()
                    })
                };
                let client = self
                    .devices
                    .attributes(device.device_id, "client", keys("clientKeys").as_deref())
                    .await
                    .map_err(|error| failed(&error))?;
                let shared = self
                    .devices
                    .attributes(device.device_id, "shared", keys("sharedKeys").as_deref())
                    .await
                    .map_err(|error| failed(&error))?;
                let body = serde_json::json!({ "client": client, "shared": shared });
                return Ok(Some((*id, Bytes::from(body.to_string()))));
            }
        }
        Ok(None)
    }
}

/// A command's answer as the caller gets it: the JSON the device sent, else its text, or null
/// when empty.
pub(crate) fn rpc_answer(payload: &[u8]) -> Value {
    if payload.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(payload)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(payload).into_owned()))
    }
}

/// The writer of a connection being refused at CONNECT.
struct Refusal {
    writer: OwnedWriteHalf,
    max: usize,
    version: Version,
}

impl Refusal {
    async fn with(&mut self, code: ConnectReturnCode, reason: &str) -> Result<()> {
        let mut output = BytesMut::new();
        if wire::write(
            self.version,
            Packet::ConnAck(ConnAck::new(code, false)),
            &mut output,
            self.max,
        )
        .is_ok()
        {
            let _ = self.writer.write_all(&output).await;
        }
        let _ = self.writer.shutdown().await;
        Err(ConnectionError::Refused(reason.to_owned()))
    }
}

async fn next_command(commands: &mut Option<mpsc::Receiver<RpcRequest>>) -> Option<RpcRequest> {
    match commands {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever a client sends, reading packets never panics (the broker closes the
        /// connection on an error instead).
        #[test]
        fn arbitrary_bytes_never_panic_the_packet_reader(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut input = BytesMut::from(&bytes[..]);
            for _ in 0..64 {
                match Packet::read(&mut input, 256) {
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
        }

        /// The same with a valid fixed header in front, so the packet bodies are exercised.
        #[test]
        fn arbitrary_packet_bodies_never_panic(kind in 1u8..15, flags in 0u8..16, body in proptest::collection::vec(any::<u8>(), 0..120)) {
            let mut bytes = vec![(kind << 4) | flags, body.len() as u8];
            bytes.extend(body);
            let mut input = BytesMut::from(&bytes[..]);
            let _ = Packet::read(&mut input, 1024);
        }
    }
}
