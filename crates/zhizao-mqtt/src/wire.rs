//! MQTT on the wire in both versions devices speak: 3.1.1 and 5.0.
//!
//! The broker works on MQTT 3.1.1 packets (rumqttc's v4 types). A connection's CONNECT says
//! which version it speaks; for MQTT 5 every packet read is turned into its 3.1.1 counterpart
//! and every packet written into its 5.0 counterpart, with the reason codes MQTT 5 has. What
//! 3.1.1 cannot carry is decided here: a session persists when the client asks for a session
//! expiry interval and does not ask for a clean start; the CONNACK says the broker takes QoS 1
//! at most, keeps retained messages, and has no topic aliases, wildcard, shared or identified
//! subscriptions (devices subscribe to their own topics), so conforming clients use none of
//! them; a PUBLISH with a topic alias is a protocol error; properties are otherwise ignored.

use bytes::BytesMut;
use rumqttc::mqttbytes::v4::{
    Connect, ConnectReturnCode, LastWill, Login, Packet, PubAck, Publish, Subscribe,
    SubscribeFilter, SubscribeReasonCode, Unsubscribe,
};
use rumqttc::mqttbytes::{Error as PacketError, Protocol, QoS};
use rumqttc::v5::mqttbytes::v5 as five;
use rumqttc::v5::mqttbytes::{Error as FiveError, QoS as FiveQoS};

use crate::connection::ConnectionError;

/// The MQTT version a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    /// MQTT 3.1.1 (protocol level 4).
    V311,
    /// MQTT 5.0 (protocol level 5).
    V5,
}

/// The protocol level of the CONNECT at the start of `input`: `None` while too few bytes have
/// arrived to tell; level 4 for anything that is not a well-formed start of a CONNECT (the
/// 3.1.1 reader then says what is wrong with it).
fn connect_level(input: &[u8]) -> Option<u8> {
    let first = *input.first()?;
    if first >> 4 != 1 {
        return Some(4);
    }
    // The remaining length: one to four bytes of seven bits.
    let mut position = 1;
    loop {
        let byte = *input.get(position)?;
        position += 1;
        if byte & 0x80 == 0 {
            break;
        }
        if position > 4 {
            return Some(4);
        }
    }
    let name_length = usize::from(u16::from_be_bytes([
        *input.get(position)?,
        *input.get(position + 1)?,
    ]));
    input.get(position + 2 + name_length).copied()
}

/// The first packet of a connection: its version, the packet (a CONNECT, as 3.1.1 says it:
/// `clean_session` is false when the session is to persist after this connection), and whether
/// the client asks to resume the session it had (3.1.1: not clean; MQTT 5: no clean start).
pub(crate) struct First {
    pub(crate) version: Version,
    pub(crate) packet: Packet,
    pub(crate) resume: bool,
    /// MQTT 5: the session expiry interval the client asked for, in seconds.
    pub(crate) session_expiry: u32,
}

/// Reads the first packet of a connection; `Ok(None)` means more bytes are needed.
pub(crate) fn read_connect(
    input: &mut BytesMut,
    max: usize,
) -> Result<Option<First>, ConnectionError> {
    let Some(level) = connect_level(input) else {
        return Ok(None);
    };
    if level == 5 {
        let limit = u32::try_from(max).unwrap_or(u32::MAX);
        return match five::Packet::read(input, Some(limit)) {
            Ok(packet) => {
                let (resume, session_expiry) = match &packet {
                    five::Packet::Connect(connect, _, _) => (
                        !connect.clean_start,
                        connect
                            .properties
                            .as_ref()
                            .and_then(|p| p.session_expiry_interval)
                            .unwrap_or(0),
                    ),
                    _ => (false, 0),
                };
                Ok(Some(First {
                    version: Version::V5,
                    packet: from_five(packet)?,
                    resume,
                    session_expiry,
                }))
            }
            Err(FiveError::InsufficientBytes(_)) => Ok(None),
            Err(error) => Err(ConnectionError::Malformed(error.to_string())),
        };
    }
    Ok(read(Version::V311, input, max)?.map(|packet| {
        let resume = matches!(&packet, Packet::Connect(c) if !c.clean_session);
        First {
            version: Version::V311,
            packet,
            resume,
            session_expiry: 0,
        }
    }))
}

/// Reads the next whole packet of `version` from `input` as a 3.1.1 packet; `Ok(None)` means
/// more bytes are needed.
pub(crate) fn read(
    version: Version,
    input: &mut BytesMut,
    max: usize,
) -> Result<Option<Packet>, ConnectionError> {
    match version {
        Version::V311 => match Packet::read(input, max) {
            Ok(packet) => Ok(Some(packet)),
            Err(PacketError::InsufficientBytes(_)) => Ok(None),
            Err(error) => Err(ConnectionError::Malformed(error.to_string())),
        },
        Version::V5 => {
            let limit = u32::try_from(max).unwrap_or(u32::MAX);
            match five::Packet::read(input, Some(limit)) {
                Ok(packet) => from_five(packet).map(Some),
                Err(FiveError::InsufficientBytes(_)) => Ok(None),
                Err(error) => Err(ConnectionError::Malformed(error.to_string())),
            }
        }
    }
}

/// Writes `packet` in `version` to `output`.
pub(crate) fn write(
    version: Version,
    packet: Packet,
    output: &mut BytesMut,
    max: usize,
) -> Result<(), ConnectionError> {
    let failed = |error: String| ConnectionError::Protocol(format!("cannot encode: {error}"));
    match version {
        Version::V311 => packet
            .write(output, max)
            .map(|_| ())
            .map_err(|e| failed(e.to_string())),
        Version::V5 => {
            let limit = u32::try_from(max).unwrap_or(u32::MAX);
            to_five(packet)?
                .write(output, Some(limit))
                .map(|_| ())
                .map_err(|e| failed(e.to_string()))
        }
    }
}

/// Writes the successful CONNACK. In MQTT 5 it also says the session expiry interval when the
/// broker keeps sessions for less than the client asked (`granted_expiry`).
pub(crate) fn write_connack(
    version: Version,
    session_present: bool,
    granted_expiry: Option<u32>,
    output: &mut BytesMut,
    max: usize,
) -> Result<(), ConnectionError> {
    let acknowledgement = Packet::ConnAck(rumqttc::mqttbytes::v4::ConnAck::new(
        ConnectReturnCode::Success,
        session_present,
    ));
    if version == Version::V311 || granted_expiry.is_none() {
        return write(version, acknowledgement, output, max);
    }
    let mut packet = to_five(acknowledgement)?;
    if let five::Packet::ConnAck(five::ConnAck {
        properties: Some(properties),
        ..
    }) = &mut packet
    {
        properties.session_expiry_interval = granted_expiry;
    }
    packet
        .write(output, Some(u32::try_from(max).unwrap_or(u32::MAX)))
        .map(|_| ())
        .map_err(|e| ConnectionError::Protocol(format!("cannot encode: {e}")))
}

/// Writes the UNSUBACK for `filters` filters (MQTT 5 gives a reason per filter, 3.1.1 none).
pub(crate) fn write_unsuback(
    version: Version,
    pkid: u16,
    filters: usize,
    output: &mut BytesMut,
    max: usize,
) -> Result<(), ConnectionError> {
    let failed = |error: String| ConnectionError::Protocol(format!("cannot encode: {error}"));
    match version {
        Version::V311 => Packet::UnsubAck(rumqttc::mqttbytes::v4::UnsubAck::new(pkid))
            .write(output, max)
            .map(|_| ())
            .map_err(|e| failed(e.to_string())),
        Version::V5 => five::Packet::UnsubAck(five::UnsubAck {
            pkid,
            reasons: vec![five::UnsubAckReason::Success; filters],
            properties: None,
        })
        .write(output, Some(u32::try_from(max).unwrap_or(u32::MAX)))
        .map(|_| ())
        .map_err(|e| failed(e.to_string())),
    }
}

fn qos_from_five(qos: FiveQoS) -> QoS {
    match qos {
        FiveQoS::AtMostOnce => QoS::AtMostOnce,
        FiveQoS::AtLeastOnce => QoS::AtLeastOnce,
        FiveQoS::ExactlyOnce => QoS::ExactlyOnce,
    }
}

fn qos_to_five(qos: QoS) -> FiveQoS {
    match qos {
        QoS::AtMostOnce => FiveQoS::AtMostOnce,
        QoS::AtLeastOnce => FiveQoS::AtLeastOnce,
        QoS::ExactlyOnce => FiveQoS::ExactlyOnce,
    }
}

fn text(bytes: &[u8], what: &str) -> Result<String, ConnectionError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| ConnectionError::Malformed(format!("the {what} is not UTF-8")))
}

/// An MQTT 5 packet from a client as its 3.1.1 counterpart.
fn from_five(packet: five::Packet) -> Result<Packet, ConnectionError> {
    Ok(match packet {
        five::Packet::Connect(connect, will, login) => {
            let expiry = connect
                .properties
                .as_ref()
                .and_then(|p| p.session_expiry_interval)
                .unwrap_or(0);
            let last_will = match will {
                Some(will) => Some(LastWill {
                    topic: text(&will.topic, "will topic")?,
                    message: will.message,
                    qos: qos_from_five(will.qos),
                    retain: will.retain,
                }),
                None => None,
            };
            Packet::Connect(Connect {
                protocol: Protocol::V4,
                keep_alive: connect.keep_alive,
                client_id: connect.client_id,
                // Whether the session outlives the connection; resuming is `First::resume`.
                clean_session: expiry == 0,
                last_will,
                login: login.map(|l| Login {
                    username: l.username,
                    password: l.password,
                }),
            })
        }
        five::Packet::Publish(publish) => {
            if publish
                .properties
                .as_ref()
                .is_some_and(|p| p.topic_alias.is_some())
            {
                return Err(ConnectionError::Protocol(
                    "topic aliases are not supported (the CONNACK allows none)".into(),
                ));
            }
            Packet::Publish(Publish {
                dup: publish.dup,
                qos: qos_from_five(publish.qos),
                retain: publish.retain,
                topic: text(&publish.topic, "topic")?,
                pkid: publish.pkid,
                payload: publish.payload,
            })
        }
        five::Packet::PubAck(ack) => Packet::PubAck(PubAck::new(ack.pkid)),
        five::Packet::Subscribe(subscribe) => Packet::Subscribe(Subscribe {
            pkid: subscribe.pkid,
            filters: subscribe
                .filters
                .into_iter()
                .map(|f| SubscribeFilter::new(f.path, qos_from_five(f.qos)))
                .collect(),
        }),
        five::Packet::Unsubscribe(unsubscribe) => Packet::Unsubscribe(Unsubscribe {
            pkid: unsubscribe.pkid,
            topics: unsubscribe.filters,
        }),
        five::Packet::PingReq(_) => Packet::PingReq,
        five::Packet::Disconnect(_) => Packet::Disconnect,
        other => {
            return Err(ConnectionError::Protocol(format!(
                "a client does not send {other:?} here"
            )));
        }
    })
}

/// A 3.1.1 packet from the broker as its MQTT 5 counterpart.
fn to_five(packet: Packet) -> Result<five::Packet, ConnectionError> {
    Ok(match packet {
        Packet::ConnAck(ack) => {
            let code = match ack.code {
                ConnectReturnCode::Success => five::ConnectReturnCode::Success,
                ConnectReturnCode::RefusedProtocolVersion => {
                    five::ConnectReturnCode::UnsupportedProtocolVersion
                }
                ConnectReturnCode::BadClientId => five::ConnectReturnCode::ClientIdentifierNotValid,
                ConnectReturnCode::ServiceUnavailable => five::ConnectReturnCode::ServerUnavailable,
                ConnectReturnCode::BadUserNamePassword => {
                    five::ConnectReturnCode::BadUserNamePassword
                }
                ConnectReturnCode::NotAuthorized => five::ConnectReturnCode::NotAuthorized,
            };
            let properties =
                (code == five::ConnectReturnCode::Success).then(|| five::ConnAckProperties {
                    session_expiry_interval: None,
                    receive_max: None,
                    max_qos: Some(1),
                    retain_available: Some(1),
                    max_packet_size: None,
                    assigned_client_identifier: None,
                    topic_alias_max: Some(0),
                    reason_string: None,
                    user_properties: Vec::new(),
                    wildcard_subscription_available: Some(0),
                    subscription_identifiers_available: Some(0),
                    shared_subscription_available: Some(0),
                    server_keep_alive: None,
                    response_information: None,
                    server_reference: None,
                    authentication_method: None,
                    authentication_data: None,
                });
            five::Packet::ConnAck(five::ConnAck {
                session_present: ack.session_present,
                code,
                properties,
            })
        }
        Packet::Publish(publish) => five::Packet::Publish(five::Publish {
            dup: publish.dup,
            qos: qos_to_five(publish.qos),
            retain: publish.retain,
            topic: publish.topic.into_bytes().into(),
            pkid: publish.pkid,
            payload: publish.payload,
            properties: None,
        }),
        Packet::PubAck(ack) => five::Packet::PubAck(five::PubAck::new(ack.pkid, None)),
        Packet::SubAck(ack) => five::Packet::SubAck(five::SubAck {
            pkid: ack.pkid,
            return_codes: ack
                .return_codes
                .into_iter()
                .map(|code| match code {
                    SubscribeReasonCode::Success(qos) => {
                        five::SubscribeReasonCode::Success(qos_to_five(qos))
                    }
                    SubscribeReasonCode::Failure => five::SubscribeReasonCode::NotAuthorized,
                })
                .collect(),
            properties: None,
        }),
        Packet::PingResp => five::Packet::PingResp(five::PingResp),
        other => {
            return Err(ConnectionError::Protocol(format!(
                "the broker does not send {other:?}"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rumqttc::mqttbytes::v4::ConnAck;

    fn encoded(packet: five::Packet) -> BytesMut {
        let mut output = BytesMut::new();
        packet.write(&mut output, None).unwrap();
        output
    }

    #[test]
    fn the_connect_tells_the_version_once_enough_has_arrived() {
        let mut connect = five::Connect {
            keep_alive: 30,
            client_id: "press-07".into(),
            clean_start: false,
            properties: Some(five::ConnectProperties {
                session_expiry_interval: Some(3600),
                ..five::ConnectProperties::new()
            }),
        };
        let login = five::Login::new("zd_token", "");
        let bytes = encoded(five::Packet::Connect(connect.clone(), None, Some(login)));
        for cut in 0..9 {
            assert_eq!(connect_level(&bytes[..cut]), None, "{cut} bytes");
        }
        let mut input = bytes.clone();
        let first = read_connect(&mut input, 1024).unwrap().unwrap();
        assert_eq!(first.version, Version::V5);
        assert!(first.resume, "no clean start resumes");
        let Packet::Connect(read) = first.packet else {
            panic!("{:?}", first.packet)
        };
        assert!(!read.clean_session, "an expiry interval persists");
        assert_eq!(read.login.unwrap().username, "zd_token");
        assert!(input.is_empty());

        // A clean start with an expiry interval: a new session that persists.
        connect.clean_start = true;
        let mut input = encoded(five::Packet::Connect(connect.clone(), None, None));
        let first = read_connect(&mut input, 1024).unwrap().unwrap();
        assert!(!first.resume);
        assert!(matches!(first.packet, Packet::Connect(c) if !c.clean_session));

        // No session expiry interval: the session ends with the connection.
        connect.properties = None;
        let mut input = encoded(five::Packet::Connect(connect, None, None));
        let first = read_connect(&mut input, 1024).unwrap().unwrap();
        assert!(matches!(first.packet, Packet::Connect(c) if c.clean_session));

        let mut input = BytesMut::new();
        Packet::Connect(Connect::new("press-08"))
            .write(&mut input, 1024)
            .unwrap();
        let first = read_connect(&mut input, 1024).unwrap().unwrap();
        assert_eq!(first.version, Version::V311);
        assert!(!first.resume, "3.1.1's clean session does not resume");
    }

    #[test]
    fn broker_packets_carry_mqtt5_reason_codes_and_limits() {
        let mut output = BytesMut::new();
        write(
            Version::V5,
            Packet::ConnAck(ConnAck::new(ConnectReturnCode::Success, true)),
            &mut output,
            1024,
        )
        .unwrap();
        let five::Packet::ConnAck(ack) = five::Packet::read(&mut output, None).unwrap() else {
            panic!()
        };
        assert!(ack.session_present);
        let properties = ack.properties.unwrap();
        assert_eq!(properties.max_qos, Some(1));
        assert_eq!(properties.topic_alias_max, Some(0));

        write(
            Version::V5,
            Packet::ConnAck(ConnAck::new(ConnectReturnCode::BadUserNamePassword, false)),
            &mut output,
            1024,
        )
        .unwrap();
        let five::Packet::ConnAck(ack) = five::Packet::read(&mut output, None).unwrap() else {
            panic!()
        };
        assert_eq!(ack.code, five::ConnectReturnCode::BadUserNamePassword);

        write(
            Version::V5,
            Packet::SubAck(rumqttc::mqttbytes::v4::SubAck::new(
                9,
                vec![
                    SubscribeReasonCode::Success(QoS::AtLeastOnce),
                    SubscribeReasonCode::Failure,
                ],
            )),
            &mut output,
            1024,
        )
        .unwrap();
        let five::Packet::SubAck(ack) = five::Packet::read(&mut output, None).unwrap() else {
            panic!()
        };
        assert_eq!(
            ack.return_codes,
            vec![
                five::SubscribeReasonCode::Success(FiveQoS::AtLeastOnce),
                five::SubscribeReasonCode::NotAuthorized
            ]
        );
    }

    #[test]
    fn the_connack_says_when_sessions_are_kept_for_less_than_asked() {
        let mut output = BytesMut::new();
        write_connack(Version::V5, false, Some(604_800), &mut output, 1024).unwrap();
        let five::Packet::ConnAck(ack) = five::Packet::read(&mut output, None).unwrap() else {
            panic!()
        };
        let properties = ack.properties.unwrap();
        assert_eq!(properties.session_expiry_interval, Some(604_800));
        assert_eq!(properties.max_qos, Some(1));
        write_connack(Version::V5, true, None, &mut output, 1024).unwrap();
        let five::Packet::ConnAck(ack) = five::Packet::read(&mut output, None).unwrap() else {
            panic!()
        };
        assert!(ack.session_present);
        assert_eq!(ack.properties.unwrap().session_expiry_interval, None);
    }

    #[test]
    fn a_topic_alias_is_refused() {
        let mut publish = five::Publish::new("", FiveQoS::AtMostOnce, "{}", None);
        publish.properties = Some(five::PublishProperties {
            topic_alias: Some(1),
            ..Default::default()
        });
        let mut input = encoded(five::Packet::Publish(publish));
        let error = read(Version::V5, &mut input, 1024).unwrap_err();
        assert!(error.to_string().contains("topic aliases"), "{error}");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_either_reader(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut input = BytesMut::from(&bytes[..]);
            let _ = read_connect(&mut input, 256);
            let mut input = BytesMut::from(&bytes[..]);
            while let Ok(Some(_)) = read(Version::V5, &mut input, 256) {}
        }
    }
}
