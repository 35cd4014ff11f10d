//! Devices on an external MQTT broker (a Mosquitto, EMQX or other cluster that deployments run
//! when one machine is not enough): Zhizao subscribes there with shared subscriptions, so every
//! Zhizao node takes a share of the devices' messages and each message is handled once.
//!
//! An external broker cannot tell Zhizao which connection published, so devices publish under
//! their access token instead of `me`: `v1/devices/{token}/telemetry`, `…/attributes`,
//! `…/attributes/request/{id}` (answered on `…/attributes/response/{id}`) and
//! `…/rpc/response/{id}`, and subscribe to `v1/devices/{token}/rpc/request/+` for commands.
//! The broker's ACL must restrict each device to its own token, e.g. Mosquitto's
//! `pattern readwrite v1/devices/%u/#` with the token as the user name, and give Zhizao's own
//! user `v1/devices/#` and `zhizao/#` (which no device may read or write). QoS 1 messages are
//! acknowledged to the broker only once they are durable.
//!
//! # Outages
//!
//! A node keeps one persistent session at the broker (clean session off, under a client id
//! that stays the node's across restarts: `zhizao serve` keeps it in the data directory). While
//! the node is away (restarting, cut off, or the broker restarting) the broker queues the
//! node's share of QoS 1 messages in that session; the node reconnects by itself every second,
//! subscribes again, and the broker delivers what it queued, each message once (a message
//! delivered but not yet acknowledged when the connection broke comes again, as MQTT says).
//! A broker keeps sessions across its own restart only with persistence on (Mosquitto's
//! `persistence true`). A node retired for good leaves a session behind that keeps taking its
//! share: set the broker's session expiry (Mosquitto's `persistent_client_expiration`), or use
//! a retired node's id again for its successor.
//!
//! # Commands
//!
//! Zhizao stores only hashes of tokens, and the topic a device receives commands on carries its
//! raw token. So each node remembers, in memory only, the token each device last published
//! with *on that node* (learned from the device's own messages, which the node just
//! authenticated; never written anywhere, forgotten when found rotated or revoked). A node that
//! knows a device's token subscribes to the device's internal command topic
//! `zhizao/{group}/commands/{device id}` with the shared subscription
//! `$share/{group}/zhizao/{group}/commands/{device id}`: the nodes that can reach a device form
//! that topic's share group.
//!
//! A command issued through the API on any node leaves its `CommandHub` through the relay
//! (no transport of that process reaches the device) and is published once on the device's
//! command topic. The broker hands it to exactly one node of the share group, which checks that
//! the token it remembers is still the device's current one (`Devices::token_is_current`) and
//! publishes the command to `v1/devices/{token}/rpc/request/{id}`, which the ACL lets only that
//! device read. A node whose token turns out stale forgets it, leaves the share group and
//! publishes the command again, so another node that knows the current token gets it (at most
//! `MAX_HOPS` times). When no node knows the device, nobody subscribes to its command topic,
//! the broker drops the command, and the caller waits until its timeout, as for a connected
//! device that does not answer (an external broker does not tell Zhizao who is connected, so
//! the caller never hears "offline" as it does from the embedded broker).
//!
//! Exactly one node forwards a command: between nodes it travels with QoS 0, so it is never
//! duplicated there (one lost with a dropped connection makes its caller time out), and the
//! forwarding node drops it if its caller has given up. To the device it goes with QoS 1,
//! where, as with any MQTT broker, a connection lost before the acknowledgement can deliver it
//! twice, with the same request id, by which a device can recognise it.
//!
//! The device answers on `v1/devices/{token}/rpc/response/{id}`, which the shared subscription
//! brings to any node. Request ids from a relaying hub carry the issuing node's `NodeNumber`
//! (21 random bits drawn when the node starts), so the node that gets the answer and is not
//! waiting for it publishes it, with QoS 1, on `zhizao/{group}/answers/{node}`, which only that
//! node subscribes to; there the hub matches it by device and id as it would a local answer.
//! Two nodes draw the same number with a probability of about one in two million per pair, and
//! even then an answer goes astray only if both wait for the same request id from the same
//! device at once.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::mpsc;
use zhizao_devices::DeviceIdentity;
use zhizao_devices::rpc::NodeNumber;

use crate::Broker;
use crate::connection::{ConnectionError, rpc_answer};
use crate::topics::PublishTopic;

/// Where the external broker is and how to join it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalBroker {
    /// Host name or address.
    pub host: String,
    /// Port (1883 by default).
    pub port: u16,
    /// User name and password for Zhizao's own connection.
    pub credentials: Option<(String, String)>,
    /// The shared-subscription group all Zhizao nodes join.
    pub group: String,
    /// This node's client id: its persistent session at the broker. Random per process
    /// unless set with [`ExternalBroker::with_client_id`].
    pub client_id: String,
}

/// Why a broker URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid MQTT broker URL {url:?}: {reason}")]
pub struct BrokerUrlError {
    url: String,
    reason: &'static str,
}

impl ExternalBroker {
    /// Parses `mqtt://[user[:password]@]host[:port][?group=name]`.
    pub fn parse(url: &str) -> Result<Self, BrokerUrlError> {
        let fail = |reason| BrokerUrlError {
            url: redact(url),
            reason,
        };
        let rest = url
            .strip_prefix("mqtt://")
            .or_else(|| url.strip_prefix("tcp://"))
            .ok_or_else(|| fail("it must start with mqtt:// (TLS is not supported yet)"))?;
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (credentials, address) = match rest.rsplit_once('@') {
            Some((credentials, address)) => {
                let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
                (Some((user.to_owned(), password.to_owned())), address)
            }
            None => (None, rest),
        };
        let address = address.trim_end_matches('/');
        let (host, port) = match address.rsplit_once(':') {
            Some((host, port)) => (
                host,
                port.parse::<u16>()
                    .map_err(|_| fail("the port is not a number"))?,
            ),
            None => (address, 1883),
        };
        if host.is_empty() {
            return Err(fail("the host is missing"));
        }
        let mut group = "zhizao".to_owned();
        for (key, value) in query.split('&').filter_map(|pair| pair.split_once('=')) {
            match key {
                "group" if !value.is_empty() && !value.contains(['/', '+', '#']) => {
                    group = value.to_owned()
                }
                "group" => return Err(fail("the group must be a name without '/', '+' or '#'")),
                _ => return Err(fail("the only parameter is group")),
            }
        }
        // Two processes that share a process id (on two hosts) still take distinct ids.
        let random = {
            use std::hash::{BuildHasher, Hasher};
            std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish()
                & 0xFFFF_FFFF
        };
        let client_id = format!("zhizao-{}-{random:x}", std::process::id());
        Ok(ExternalBroker {
            host: host.to_owned(),
            port,
            credentials,
            group,
            client_id,
        })
    }
}

impl ExternalBroker {
    /// The same broker under `client_id`, which a node keeps across its restarts so that it
    /// resumes its session and takes what the broker queued while it was away.
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:…{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The device topics this node takes its share of.
const FILTERS: &[&str] = &[
    "telemetry",
    "attributes",
    "attributes/request/+",
    "rpc/response/+",
];

/// How long a resolved token is believed before it is looked up again.
const TOKEN_TTL: Duration = Duration::from_secs(60);

/// How many times a command is passed on by nodes whose token for the device was stale.
const MAX_HOPS: u8 = 8;

/// Device command topics subscribed to in one SUBSCRIBE after a reconnection.
const FILTERS_PER_SUBSCRIBE: usize = 100;

/// A command on its way between nodes.
#[derive(Debug, Serialize, Deserialize)]
struct RelayedCommand {
    id: u64,
    method: String,
    params: Value,
    /// When the caller stops waiting (UTC milliseconds).
    expires_at: i64,
    /// How many nodes passed it on already.
    hops: u8,
}

/// A device's answer on its way to the node that waits for it.
#[derive(Debug, Serialize, Deserialize)]
struct RelayedAnswer {
    device_id: i64,
    id: u64,
    answer: Value,
}

/// What this node sends to the external broker; written by one task in order, so the event
/// loop never waits for its own request queue.
enum Outgoing {
    Subscribe(Vec<String>, QoS),
    Unsubscribe(String),
    Publish(String, QoS, Bytes),
    Acknowledge(rumqttc::Publish),
}

/// This node's part: who the devices are, and the tokens it may send commands to.
struct Bridge {
    group: String,
    node: NodeNumber,
    outbox: mpsc::UnboundedSender<Outgoing>,
    /// Resolved tokens (or `None` for unknown ones) with when they were looked up.
    identities: HashMap<String, (Option<DeviceIdentity>, Instant)>,
    /// The raw token each device last published with through this node. Memory only.
    tokens: HashMap<i64, String>,
    devices_by_token: HashMap<String, i64>,
}

impl Bridge {
    fn send(&self, outgoing: Outgoing) {
        // The writer ends only with this bridge.
        let _ = self.outbox.send(outgoing);
    }

    fn commands_topic(&self, device_id: i64) -> String {
        format!("zhizao/{}/commands/{device_id}", self.group)
    }

    fn commands_filter(&self, device_id: i64) -> String {
        format!("$share/{}/{}", self.group, self.commands_topic(device_id))
    }

    fn answers_topic(&self, node: NodeNumber) -> String {
        format!("zhizao/{}/answers/{node}", self.group)
    }

    /// Everything this node subscribes to, in SUBSCRIBE-sized groups.
    fn subscribe_all(&self) {
        let mut filters: Vec<String> = FILTERS
            .iter()
            .map(|filter| format!("$share/{}/v1/devices/+/{filter}", self.group))
            .collect();
        filters.push(self.answers_topic(self.node));
        self.send(Outgoing::Subscribe(filters, QoS::AtLeastOnce));
        let commands: Vec<String> = self
            .tokens
            .keys()
            .map(|device_id| self.commands_filter(*device_id))
            .collect();
        for chunk in commands.chunks(FILTERS_PER_SUBSCRIBE) {
            self.send(Outgoing::Subscribe(chunk.to_vec(), QoS::AtMostOnce));
        }
    }

    /// `token` is the device's: it just published with it.
    fn learn(&mut self, device_id: i64, token: &str) {
        if self
            .tokens
            .get(&device_id)
            .is_some_and(|known| known == token)
        {
            return;
        }
        match self.tokens.insert(device_id, token.to_owned()) {
            Some(previous) => {
                self.devices_by_token.remove(&previous);
            }
            None => self.send(Outgoing::Subscribe(
                vec![self.commands_filter(device_id)],
                QoS::AtMostOnce,
            )),
        }
        self.devices_by_token.insert(token.to_owned(), device_id);
    }

    /// The device's token is no longer good: leave its command topic's share group.
    fn forget(&mut self, device_id: i64) {
        if let Some(token) = self.tokens.remove(&device_id) {
            self.devices_by_token.remove(&token);
            self.identities.remove(&token);
            self.send(Outgoing::Unsubscribe(self.commands_filter(device_id)));
        }
    }

    /// Publishes a command this node cannot deliver on the device's command topic again (after
    /// any unsubscription this node sent, so another node gets it).
    fn pass_on(&self, device_id: i64, mut command: RelayedCommand) {
        if command.hops >= MAX_HOPS {
            tracing::info!(
                device_id,
                id = command.id,
                "no node could deliver a command"
            );
            return;
        }
        command.hops += 1;
        self.publish_command(device_id, &command);
    }

    fn publish_command(&self, device_id: i64, command: &RelayedCommand) {
        match serde_json::to_vec(command) {
            Ok(body) => self.send(Outgoing::Publish(
                self.commands_topic(device_id),
                QoS::AtMostOnce,
                Bytes::from(body),
            )),
            Err(error) => tracing::error!(%error, "encoding a command failed"),
        }
    }
}

impl Broker {
    /// Takes a share of the devices' messages on an external broker, and carries commands to
    /// them, until `shutdown` resolves, reconnecting whenever the connection drops.
    pub async fn run_external(
        self,
        external: ExternalBroker,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        let mut options = MqttOptions::new(
            external.client_id.clone(),
            external.host.clone(),
            external.port,
        );
        options.set_keep_alive(Duration::from_secs(30));
        // A persistent session: the broker queues this node's share while it is away.
        options.set_clean_session(false);
        options.set_manual_acks(true);
        options.set_max_packet_size(
            self.settings.max_packet_bytes,
            self.settings.max_packet_bytes,
        );
        if let Some((user, password)) = &external.credentials {
            options.set_credentials(user.clone(), password.clone());
        }
        self.set_external_failure(Some(format!(
            "not yet joined to mqtt://{}:{}",
            external.host, external.port
        )));
        let (client, mut events) = AsyncClient::new(options, 256);
        let (outbox, mut outgoing) = mpsc::unbounded_channel();
        let writer = tokio::spawn(async move {
            while let Some(request) = outgoing.recv().await {
                let sent = match request {
                    Outgoing::Subscribe(filters, qos) => {
                        client
                            .subscribe_many(
                                filters
                                    .into_iter()
                                    .map(|filter| rumqttc::SubscribeFilter::new(filter, qos)),
                            )
                            .await
                    }
                    Outgoing::Unsubscribe(filter) => client.unsubscribe(filter).await,
                    Outgoing::Publish(topic, qos, body) => {
                        client.publish_bytes(topic, qos, false, body).await
                    }
                    Outgoing::Acknowledge(publish) => client.ack(&publish).await,
                };
                if let Err(error) = sent {
                    tracing::warn!(%error, "a request to the external MQTT broker failed");
                }
            }
            let _ = client.disconnect().await;
        });
        let node = NodeNumber::random();
        let mut relayed = self.commands.relay(node);
        let mut bridge = Bridge {
            group: external.group.clone(),
            node,
            outbox,
            identities: HashMap::new(),
            tokens: HashMap::new(),
            devices_by_token: HashMap::new(),
        };
        let internal = format!("zhizao/{}/", external.group);
        tokio::pin!(shutdown);
        loop {
            let event = tokio::select! {
                event = events.poll() => event,
                Some(relayed) = relayed.recv() => {
                    let command = RelayedCommand {
                        id: relayed.request.id,
                        method: relayed.request.method,
                        params: relayed.request.params,
                        expires_at: relayed.request.expires_at.as_millis(),
                        hops: 0,
                    };
                    bridge.publish_command(relayed.device_id, &command);
                    continue;
                }
                () = &mut shutdown => break,
            };
            match event {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    tracing::info!(host = %external.host, port = external.port, group = %external.group, %node, "joined the external MQTT broker");
                    self.set_external_failure(None);
                    bridge.subscribe_all();
                }
                Ok(Event::Incoming(Packet::Publish(publish))) => {
                    let acknowledge = match publish.topic.strip_prefix(&internal) {
                        Some(rest) => {
                            self.handle_internal(&mut bridge, rest, &publish.payload)
                                .await;
                            true
                        }
                        None => {
                            self.handle_external(
                                &mut bridge,
                                &publish.topic,
                                publish.payload.clone(),
                            )
                            .await
                        }
                    };
                    if acknowledge && publish.qos != QoS::AtMostOnce {
                        bridge.send(Outgoing::Acknowledge(publish));
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "the external MQTT broker is unreachable; retrying");
                    self.set_external_failure(Some(format!(
                        "mqtt://{}:{}: {error}",
                        external.host, external.port
                    )));
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                        () = &mut shutdown => break,
                    }
                }
            }
        }
        drop(bridge);
        drop(relayed);
        // The writer sends what is queued, then DISCONNECT, while the event loop runs.
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            tokio::pin!(writer);
            loop {
                tokio::select! {
                    _ = &mut writer => break,
                    event = events.poll() => if event.is_err() { break },
                }
            }
        })
        .await;
    }

    /// A message from another node: a command to forward to a device, or an answer this node
    /// waits for.
    async fn handle_internal(&self, bridge: &mut Bridge, rest: &str, payload: &[u8]) {
        if let Some(device_id) = rest
            .strip_prefix("commands/")
            .and_then(|id| id.parse::<i64>().ok())
        {
            match serde_json::from_slice::<RelayedCommand>(payload) {
                Ok(command) => self.forward_command(bridge, device_id, command).await,
                Err(error) => tracing::warn!(%error, "an unreadable relayed command"),
            }
        } else if rest.starts_with("answers/") {
            match serde_json::from_slice::<RelayedAnswer>(payload) {
                Ok(answer) => {
                    if !self
                        .commands
                        .respond(answer.device_id, answer.id, answer.answer)
                    {
                        tracing::debug!(
                            device_id = answer.device_id,
                            id = answer.id,
                            "a relayed answer nobody waits for"
                        );
                    }
                }
                Err(error) => tracing::warn!(%error, "an unreadable relayed answer"),
            }
        }
    }

    /// Sends a command to the device if this node knows its current token, else passes it on.
    async fn forward_command(&self, bridge: &mut Bridge, device_id: i64, command: RelayedCommand) {
        if self.clock.now().as_millis() >= command.expires_at {
            tracing::debug!(
                device_id,
                id = command.id,
                "a relayed command expired on its way"
            );
            return;
        }
        let Some(token) = bridge.tokens.get(&device_id).cloned() else {
            // This node left the share group while the command was on its way.
            bridge.pass_on(device_id, command);
            return;
        };
        match self.devices.token_is_current(device_id, &token).await {
            Ok(true) => {
                let body =
                    serde_json::json!({ "method": command.method, "params": command.params });
                bridge.send(Outgoing::Publish(
                    format!("v1/devices/{token}/rpc/request/{}", command.id),
                    QoS::AtLeastOnce,
                    Bytes::from(body.to_string()),
                ));
            }
            Ok(false) => {
                tracing::debug!(device_id, "the token this node knew was rotated or revoked");
                bridge.forget(device_id);
                bridge.pass_on(device_id, command);
            }
            Err(error) => {
                tracing::error!(%error, device_id, "checking a device's token failed; the command is dropped");
            }
        }
    }

    /// Handles one device message; returns whether to acknowledge it (not when the store could
    /// not take it, so the broker delivers it again).
    async fn handle_external(&self, bridge: &mut Bridge, topic: &str, payload: Bytes) -> bool {
        let Some((token, rest)) = topic
            .strip_prefix("v1/devices/")
            .and_then(|t| t.split_once('/'))
        else {
            return true;
        };
        let Some(kind) = PublishTopic::parse(&format!("v1/devices/me/{rest}")) else {
            return true;
        };
        let device = match bridge.identities.get(token) {
            Some((device, since)) if since.elapsed() < TOKEN_TTL => device.clone(),
            _ => {
                let device = match self.devices.authenticate(token).await {
                    Ok(device) => device,
                    Err(error) => {
                        tracing::error!(%error, "device authentication failed");
                        return false;
                    }
                };
                if bridge.identities.len() > 200_000 {
                    bridge
                        .identities
                        .retain(|_, (_, since)| since.elapsed() < TOKEN_TTL);
                }
                bridge
                    .identities
                    .insert(token.to_owned(), (device.clone(), Instant::now()));
                device
            }
        };
        let Some(device) = device else {
            if let Some(device_id) = bridge.devices_by_token.get(token).copied() {
                bridge.forget(device_id);
            }
            tracing::info!(topic = %topic.replacen(token, "…", 1), "a message under an unknown access token; dropped");
            return true;
        };
        bridge.learn(device.device_id, token);
        if let PublishTopic::RpcResponse(id) = kind {
            let answer = rpc_answer(&payload);
            if !self.commands.respond(device.device_id, id, answer.clone()) {
                match NodeNumber::of_request(id) {
                    Some(node) if node != bridge.node => {
                        let relayed = RelayedAnswer {
                            device_id: device.device_id,
                            id,
                            answer,
                        };
                        match serde_json::to_vec(&relayed) {
                            Ok(body) => bridge.send(Outgoing::Publish(
                                bridge.answers_topic(node),
                                QoS::AtLeastOnce,
                                Bytes::from(body),
                            )),
                            Err(error) => tracing::error!(%error, "encoding an answer failed"),
                        }
                    }
                    _ => {
                        tracing::debug!(device = %device.name, id, "an answer nobody waits for")
                    }
                }
            }
            return true;
        }
        // The topic as errors name it: without the token, which is never logged.
        let name = format!("v1/devices/…/{rest}");
        match self.apply(&device, &kind, &name, payload).await {
            Ok(Some((id, body))) => {
                bridge.send(Outgoing::Publish(
                    format!("v1/devices/{token}/attributes/response/{id}"),
                    QoS::AtLeastOnce,
                    body,
                ));
                true
            }
            Ok(None) => true,
            Err(ConnectionError::Unavailable(reason)) => {
                tracing::error!(%reason, "a device message could not be stored; the broker will deliver it again");
                false
            }
            Err(error) => {
                tracing::info!(device = %device.name, %error, "a device message was refused");
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_urls() {
        let parsed =
            ExternalBroker::parse("mqtt://zhizao:s3cret@broker.example:1884?group=plant").unwrap();
        assert_eq!(
            (parsed.host.as_str(), parsed.port, parsed.group.as_str()),
            ("broker.example", 1884, "plant")
        );
        assert_eq!(
            parsed.credentials,
            Some(("zhizao".to_owned(), "s3cret".to_owned()))
        );
        let parsed = ExternalBroker::parse("mqtt://10.0.0.5").unwrap();
        assert_eq!(
            (parsed.port, parsed.credentials, parsed.group.as_str()),
            (1883, None, "zhizao")
        );
        for (bad, reason) in [
            ("http://x", "mqtt://"),
            ("mqtt://x:port", "port"),
            ("mqtt://:1883", "host"),
            ("mqtt://x?group=a/b", "group"),
            ("mqtt://x?qos=2", "only parameter"),
        ] {
            let error = ExternalBroker::parse(bad).unwrap_err().to_string();
            assert!(error.contains(reason), "{bad}: {error}");
        }
        let error = ExternalBroker::parse("mqtt://user:hunter2@x:nope")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("hunter2"), "{error}");
    }
}
