//! Devices on an external MQTT broker (a Mosquitto, EMQX or other cluster that deployments run
//! when one machine is not enough): Zhizao subscribes there with shared subscriptions, so every
//! Zhizao node takes a share of the devices' messages and each message is handled once.
//!
//! An external broker cannot tell Zhizao which connection published, so devices publish under
//! their access token instead of `me`: `v1/devices/{token}/telemetry`, `…/attributes`,
//! `…/attributes/request/{id}` (answered on `…/attributes/response/{id}`) and
//! `…/rpc/response/{id}`. The broker's ACL must restrict each device to its own token, e.g.
//! Mosquitto's `pattern readwrite v1/devices/%u/#` with the token as the user name. QoS 1
//! messages are acknowledged to the broker only once they are durable.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use zhizao_devices::DeviceIdentity;

use crate::Broker;
use crate::connection::ConnectionError;
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
    /// This node's client id.
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
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let client_id = format!("zhizao-{}-{nanos:x}", std::process::id());
        Ok(ExternalBroker {
            host: host.to_owned(),
            port,
            credentials,
            group,
            client_id,
        })
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

impl Broker {
    /// Takes a share of the devices' messages on an external broker until `shutdown`
    /// resolves, reconnecting whenever the connection drops.
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
        options.set_clean_session(true);
        options.set_manual_acks(true);
        options.set_max_packet_size(
            self.settings.max_packet_bytes,
            self.settings.max_packet_bytes,
        );
        if let Some((user, password)) = &external.credentials {
            options.set_credentials(user.clone(), password.clone());
        }
        let (client, mut events) = AsyncClient::new(options, 64);
        let mut identities: HashMap<String, (Option<DeviceIdentity>, Instant)> = HashMap::new();
        tokio::pin!(shutdown);
        loop {
            let event = tokio::select! {
                event = events.poll() => event,
                () = &mut shutdown => break,
            };
            match event {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    tracing::info!(host = %external.host, port = external.port, group = %external.group, "joined the external MQTT broker");
                    for filter in FILTERS {
                        let filter = format!("$share/{}/v1/devices/+/{filter}", external.group);
                        if let Err(error) = client.subscribe(filter, QoS::AtLeastOnce).await {
                            tracing::error!(%error, "subscribing on the external broker failed");
                        }
                    }
                }
                Ok(Event::Incoming(Packet::Publish(publish))) => {
                    let acknowledge = self
                        .handle_external(
                            &client,
                            &mut identities,
                            &publish.topic,
                            publish.payload.clone(),
                        )
                        .await;
                    if acknowledge && let Err(error) = client.ack(&publish).await {
                        tracing::warn!(%error, "acknowledging on the external broker failed");
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "the external MQTT broker is unreachable; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                        () = &mut shutdown => break,
                    }
                }
            }
        }
        let _ = client.disconnect().await;
    }

    /// Handles one device message; returns whether to acknowledge it (not when the store could
    /// not take it, so the broker delivers it again).
    async fn handle_external(
        &self,
        client: &AsyncClient,
        identities: &mut HashMap<String, (Option<DeviceIdentity>, Instant)>,
        topic: &str,
        payload: Bytes,
    ) -> bool {
        let Some((token, rest)) = topic
            .strip_prefix("v1/devices/")
            .and_then(|t| t.split_once('/'))
        else {
            return true;
        };
        let Some(kind) = PublishTopic::parse(&format!("v1/devices/me/{rest}")) else {
            return true;
        };
        let device = match identities.get(token) {
            Some((device, since)) if since.elapsed() < TOKEN_TTL => device.clone(),
            _ => {
                let device = match self.devices.authenticate(token).await {
                    Ok(device) => device,
                    Err(error) => {
                        tracing::error!(%error, "device authentication failed");
                        return false;
                    }
                };
                if identities.len() > 200_000 {
                    identities.retain(|_, (_, since)| since.elapsed() < TOKEN_TTL);
                }
                identities.insert(token.to_owned(), (device.clone(), Instant::now()));
                device
            }
        };
        let Some(device) = device else {
            tracing::info!(topic = %topic.replacen(token, "…", 1), "a message under an unknown access token; dropped");
            return true;
        };
        match self.apply(&device, &kind, topic, payload).await {
            Ok(Some((id, body))) => {
                let reply = format!("v1/devices/{token}/attributes/response/{id}");
                if let Err(error) = client
                    .publish_bytes(reply, QoS::AtLeastOnce, false, body)
                    .await
                {
                    tracing::warn!(%error, "answering an attribute request failed");
                }
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
