//! The broker with real MQTT clients over TCP: rumqttc as a device, and raw packets for what
//! well-behaved clients never send.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use rumqttc::mqttbytes::v4::{Connect, LastWill, Packet};
use rumqttc::{AsyncClient, ConnectReturnCode, Event, EventLoop, MqttOptions, QoS};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zhizao_core::{CreditCode, FixedClock, Timestamp};
use zhizao_db::testing::{TestDatabase, test_databases};
use zhizao_devices::rpc::CommandHub;
use zhizao_devices::{DeviceInput, Devices, ProfileInput, TelemetrySpec};
use zhizao_identity::{
    Actor, Identity, IdentitySettings, NewOrganization, NewUser, PasswordHashing,
    create_organization_in, create_user_in,
};
use zhizao_mqtt::{Broker, BrokerSettings};
use zhizao_telemetry::schema::FieldType;
use zhizao_telemetry::{FieldValue, StoreOptions, TelemetryStore};

const PASSWORD: &str = "correct-horse-42";

struct Fixture {
    address: std::net::SocketAddr,
    telemetry: TelemetryStore,
    commands: CommandHub,
    devices: Devices,
    tokens: Vec<String>,
    tenant: i64,
    _db: TestDatabase,
    _directory: tempfile::TempDir,
}

/// An enterprise with two devices (`press-07`, `press-08`) and a running broker.
async fn fixture(test: TestDatabase) -> Fixture {
    let db = test.db.clone();
    let clock = Arc::new(FixedClock::new(Timestamp::from_millis(1_795_700_000_000)));
    let identity = Identity::new(
        db.clone(),
        Arc::<FixedClock>::clone(&clock),
        PasswordHashing::for_tests(),
        IdentitySettings::default(),
    );
    let code = CreditCode::from_parts('9', '1', "442000", "00000001")
        .unwrap()
        .to_string();
    let actor = Actor::system("test");
    let now = Timestamp::from_millis(1_795_700_000_000);
    let mut transaction = db.begin().await.unwrap();
    let new = NewOrganization {
        code: code.clone(),
        kind: "enterprise".into(),
        name: "中山市甲电器有限公司".into(),
        ..Default::default()
    };
    create_organization_in(&mut transaction, &actor, now, &new)
        .await
        .unwrap();
    let new = NewUser {
        organization_code: code,
        username: "maker".into(),
        role: "enterprise_user".into(),
        password: PASSWORD.into(),
        ..Default::default()
    };
    create_user_in(
        &mut transaction,
        &PasswordHashing::for_tests(),
        &actor,
        now,
        &new,
    )
    .await
    .unwrap();
    transaction.commit().await.unwrap();
    let maker = identity
        .login("maker", PASSWORD, "10.0.0.1", "test")
        .await
        .unwrap()
        .principal;
    let devices = Devices::new(db.clone(), clock);
    devices
        .create_profile(
            &maker,
            &ProfileInput {
                name: "cnc".into(),
                table_name: "machine".into(),
                telemetry: vec![TelemetrySpec {
                    name: "temperature".into(),
                    field_type: FieldType::Float,
                    unit: "°C".into(),
                    label: String::new(),
                }],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut tokens = Vec::new();
    for name in ["press-07", "press-08"] {
        let created = devices
            .create_device(
                &maker,
                &DeviceInput {
                    name: name.into(),
                    profile: "cnc".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        tokens.push(created.token);
    }
    let directory = tempfile::tempdir().unwrap();
    let telemetry = TelemetryStore::open(StoreOptions::new(directory.path().to_owned())).unwrap();
    let commands = CommandHub::default();
    let broker = Broker::new(
        devices.clone(),
        telemetry.clone(),
        commands.clone(),
        BrokerSettings {
            max_packet_bytes: 64 * 1024,
            connect_timeout: Duration::from_secs(2),
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(broker.serve(listener, std::future::pending()));
    Fixture {
        address,
        telemetry,
        commands,
        devices,
        tokens,
        tenant: maker.organization_id,
        _db: test,
        _directory: directory,
    }
}

fn options(f: &Fixture, client_id: &str, token: &str) -> MqttOptions {
    let mut options = MqttOptions::new(client_id, f.address.ip().to_string(), f.address.port());
    options.set_credentials(token, "");
    options.set_keep_alive(Duration::from_secs(30));
    options
}

/// Polls the event loop until `wanted` matches an event; panics on a connection error.
async fn until(events: &mut EventLoop, wanted: impl Fn(&Event) -> bool) -> Event {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let event = events.poll().await.expect("the connection stays up");
            if wanted(&event) {
                return event;
            }
        }
    })
    .await
    .expect("the event arrived in time")
}

/// Whether the broker closes the client's connection within 5 s.
async fn closed_by_broker(events: &mut EventLoop) -> bool {
    tokio::time::timeout(Duration::from_secs(5), async {
        while events.poll().await.is_ok() {}
    })
    .await
    .is_ok()
}

fn latest(f: &Fixture, device: &str) -> Vec<(String, FieldValue)> {
    f.telemetry
        .latest(f.tenant, "default", "machine", device)
        .into_iter()
        .map(|v| (v.field.to_string(), v.value))
        .collect()
}

#[tokio::test]
async fn a_device_publishes_telemetry_with_qos_0_and_1() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let (client, mut events) = AsyncClient::new(options(&f, "press-07", &f.tokens[0]), 10);
        until(&mut events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::ConnAck(_)))
        })
        .await;
        client
            .publish(
                "v1/devices/me/telemetry",
                QoS::AtLeastOnce,
                false,
                r#"{"temperature": 71.5}"#,
            )
            .await
            .unwrap();
        until(&mut events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::PubAck(_)))
        })
        .await;
        assert_eq!(
            latest(&f, "press-07"),
            [("temperature".to_owned(), FieldValue::Float(71.5))],
            "durable and queryable when acknowledged"
        );
        client
            .publish(
                "v1/devices/me/telemetry",
                QoS::AtMostOnce,
                false,
                r#"[{"ts": 1700000000000, "values": {"temperature": 1.0}}, {"temperature": 72.5, "running": true}]"#,
            )
            .await
            .unwrap();
        client
            .publish(
                "v1/devices/me/attributes",
                QoS::AtLeastOnce,
                false,
                r#"{"firmware": "2.0.1"}"#,
            )
            .await
            .unwrap();
        until(&mut events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::PubAck(_)))
        })
        .await;
        assert_eq!(
            latest(&f, "press-07"),
            [
                ("running".to_owned(), FieldValue::Boolean(true)),
                ("temperature".to_owned(), FieldValue::Float(72.5))
            ]
        );
        let device_id = f
            .devices
            .authenticate(&f.tokens[0])
            .await
            .unwrap()
            .unwrap()
            .device_id;
        let attributes = f
            .devices
            .attributes(device_id, "client", None)
            .await
            .unwrap();
        assert_eq!(attributes["firmware"], "2.0.1");
        assert!(
            latest(&f, "press-08").is_empty(),
            "nothing lands on another device"
        );
    }
}

#[tokio::test]
async fn unknown_tokens_are_refused_and_the_acl_holds() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let (_client, mut events) = AsyncClient::new(options(&f, "x", "zd_not-a-token"), 10);
        match events.poll().await {
            Err(rumqttc::ConnectionError::ConnectionRefused(code)) => {
                assert_eq!(code, ConnectReturnCode::BadUserNamePassword)
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        // Another device's topic: the subscription fails, the publish closes the connection.
        let (client, mut events) = AsyncClient::new(options(&f, "press-07", &f.tokens[0]), 10);
        until(&mut events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::ConnAck(_)))
        })
        .await;
        client.subscribe("#", QoS::AtLeastOnce).await.unwrap();
        let event = until(&mut events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::SubAck(_)))
        })
        .await;
        let Event::Incoming(rumqttc::Packet::SubAck(ack)) = event else {
            unreachable!()
        };
        assert_eq!(ack.return_codes, [rumqttc::SubscribeReasonCode::Failure]);
        client
            .publish(
                "v1/devices/press-08/telemetry",
                QoS::AtLeastOnce,
                false,
                r#"{"temperature": 1}"#,
            )
            .await
            .unwrap();
        assert!(
            closed_by_broker(&mut events).await,
            "the connection was closed"
        );
        assert!(latest(&f, "press-08").is_empty());
        // A bad message closes the connection and stores nothing.
        let (client, mut events) = AsyncClient::new(options(&f, "press-08", &f.tokens[1]), 10);
        until(&mut events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::ConnAck(_)))
        })
        .await;
        client
            .publish(
                "v1/devices/me/telemetry",
                QoS::AtLeastOnce,
                false,
                r#"{"temperature": "hot"}"#,
            )
            .await
            .unwrap();
        client
            .publish(
                "v1/devices/me/telemetry",
                QoS::AtLeastOnce,
                false,
                r#"{"device": "press-07", "x": 1}"#,
            )
            .await
            .unwrap();
        assert!(
            closed_by_broker(&mut events).await,
            "the connection was closed"
        );
        assert!(latest(&f, "press-08").is_empty());
    }
}

#[tokio::test]
async fn commands_reach_a_subscribed_device_and_sessions_persist() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let device_id = f
            .devices
            .authenticate(&f.tokens[0])
            .await
            .unwrap()
            .unwrap()
            .device_id;
        let mut persistent = options(&f, "press-07-main", &f.tokens[0]);
        persistent.set_clean_session(false);
        let (client, mut events) = AsyncClient::new(persistent.clone(), 10);
        until(
            &mut events,
            |e| matches!(e, Event::Incoming(rumqttc::Packet::ConnAck(ack)) if !ack.session_present),
        )
        .await;
        client
            .subscribe("v1/devices/me/rpc/request/+", QoS::AtLeastOnce)
            .await
            .unwrap();
        until(&mut events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::SubAck(_)))
        })
        .await;
        client.disconnect().await.unwrap();
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while events.poll().await.is_ok() {}
        })
        .await;
        assert!(!f.commands.is_online(device_id));

        // Reconnect without subscribing again: the session remembers.
        let (client, mut events) = AsyncClient::new(persistent, 10);
        until(
            &mut events,
            |e| matches!(e, Event::Incoming(rumqttc::Packet::ConnAck(ack)) if ack.session_present),
        )
        .await;
        assert!(f.commands.is_online(device_id));
        let hub = f.commands.clone();
        let call = tokio::spawn(async move {
            hub.call(
                device_id,
                "setSpeed",
                serde_json::json!({"rpm": 900}),
                Duration::from_secs(10),
            )
            .await
        });
        let event = until(&mut events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::Publish(_)))
        })
        .await;
        let Event::Incoming(rumqttc::Packet::Publish(request)) = event else {
            unreachable!()
        };
        assert!(
            request.topic.starts_with("v1/devices/me/rpc/request/"),
            "{}",
            request.topic
        );
        let body: serde_json::Value = serde_json::from_slice(&request.payload).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"method": "setSpeed", "params": {"rpm": 900}})
        );
        let id = request.topic.rsplit('/').next().unwrap().to_owned();
        client
            .publish(
                format!("v1/devices/me/rpc/response/{id}"),
                QoS::AtLeastOnce,
                false,
                r#"{"ok": true}"#,
            )
            .await
            .unwrap();
        until(&mut events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::PubAck(_)))
        })
        .await;
        assert_eq!(
            call.await.unwrap().unwrap(),
            serde_json::json!({"ok": true})
        );

        // Attribute requests are answered on the response topic.
        client
            .subscribe("v1/devices/me/attributes/response/+", QoS::AtMostOnce)
            .await
            .unwrap();
        client
            .publish(
                "v1/devices/me/attributes",
                QoS::AtLeastOnce,
                true,
                r#"{"firmware": "3.0"}"#,
            )
            .await
            .unwrap();
        client
            .publish(
                "v1/devices/me/attributes/request/7",
                QoS::AtMostOnce,
                false,
                r#"{"clientKeys": "firmware"}"#,
            )
            .await
            .unwrap();
        let event = until(&mut events, |e| matches!(e, Event::Incoming(rumqttc::Packet::Publish(p)) if p.topic.ends_with("/response/7"))).await;
        let Event::Incoming(rumqttc::Packet::Publish(answer)) = event else {
            unreachable!()
        };
        let body: serde_json::Value = serde_json::from_slice(&answer.payload).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"client": {"firmware": "3.0"}, "shared": {}})
        );

        // The retained attributes message reaches a later subscriber of the same device.
        let (other, mut other_events) =
            AsyncClient::new(options(&f, "press-07-panel", &f.tokens[0]), 10);
        until(&mut other_events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::ConnAck(_)))
        })
        .await;
        other
            .subscribe("v1/devices/me/attributes", QoS::AtMostOnce)
            .await
            .unwrap();
        let event = until(&mut other_events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::Publish(_)))
        })
        .await;
        let Event::Incoming(rumqttc::Packet::Publish(retained)) = event else {
            unreachable!()
        };
        assert!(retained.retain);
        assert_eq!(&retained.payload[..], br#"{"firmware": "3.0"}"#);
        // …but never another device's.
        let (third, mut third_events) = AsyncClient::new(options(&f, "press-08", &f.tokens[1]), 10);
        until(&mut third_events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::ConnAck(_)))
        })
        .await;
        third
            .subscribe("v1/devices/me/attributes", QoS::AtMostOnce)
            .await
            .unwrap();
        until(&mut third_events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::SubAck(_)))
        })
        .await;
        let nothing = tokio::time::timeout(Duration::from_millis(300), async {
            loop {
                if let Ok(Event::Incoming(rumqttc::Packet::Publish(p))) = third_events.poll().await
                {
                    return p;
                }
            }
        })
        .await;
        assert!(nothing.is_err(), "press-08 got {nothing:?}");
    }
}

/// A raw CONNECT for `token`, optionally with a will.
fn connect_bytes(token: &str, keep_alive: u16, will: Option<LastWill>) -> Vec<u8> {
    let mut connect = Connect::new("raw");
    connect.keep_alive = keep_alive;
    connect.set_login(token, "");
    connect.last_will = will;
    let mut bytes = BytesMut::new();
    Packet::Connect(connect).write(&mut bytes, 1 << 20).unwrap();
    bytes.to_vec()
}

async fn closed(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
    tokio::time::timeout(within, async {
        let mut buffer = [0u8; 256];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn malformed_packets_silence_and_lost_connections_end_only_that_connection() {
    for test in test_databases().await {
        let f = fixture(test).await;
        // A well-behaved neighbour stays connected throughout.
        let (neighbour, mut neighbour_events) =
            AsyncClient::new(options(&f, "press-08", &f.tokens[1]), 10);
        until(&mut neighbour_events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::ConnAck(_)))
        })
        .await;

        // Garbage after CONNECT closes the connection, with its will published.
        let will = LastWill::new(
            "v1/devices/me/telemetry",
            r#"{"online": false}"#,
            rumqttc::mqttbytes::QoS::AtLeastOnce,
            false,
        );
        let mut raw = tokio::net::TcpStream::connect(f.address).await.unwrap();
        raw.write_all(&connect_bytes(&f.tokens[0], 30, Some(will)))
            .await
            .unwrap();
        raw.write_all(&[0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
            .await
            .unwrap();
        assert!(closed(&mut raw, Duration::from_secs(5)).await);
        let mut applied = false;
        for _ in 0..50 {
            if latest(&f, "press-07").contains(&("online".to_owned(), FieldValue::Boolean(false))) {
                applied = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(applied, "the will was published as the device's telemetry");

        // Silence past 1.5 × keep-alive closes the connection.
        let mut raw = tokio::net::TcpStream::connect(f.address).await.unwrap();
        raw.write_all(&connect_bytes(&f.tokens[0], 1, None))
            .await
            .unwrap();
        let started = std::time::Instant::now();
        assert!(closed(&mut raw, Duration::from_secs(5)).await);
        assert!(
            started.elapsed() >= Duration::from_millis(1400),
            "{:?}",
            started.elapsed()
        );

        // No CONNECT at all, or a will on another device's topic.
        let mut raw = tokio::net::TcpStream::connect(f.address).await.unwrap();
        assert!(
            closed(&mut raw, Duration::from_secs(5)).await,
            "connect timeout"
        );
        let will = LastWill::new(
            "v1/devices/press-08/telemetry",
            "{}",
            rumqttc::mqttbytes::QoS::AtMostOnce,
            false,
        );
        let mut raw = tokio::net::TcpStream::connect(f.address).await.unwrap();
        raw.write_all(&connect_bytes(&f.tokens[0], 30, Some(will)))
            .await
            .unwrap();
        let mut reply = [0u8; 4];
        raw.read_exact(&mut reply).await.unwrap();
        assert_eq!(reply, [0x20, 0x02, 0x00, 0x05], "CONNACK: not authorised");

        neighbour
            .publish(
                "v1/devices/me/telemetry",
                QoS::AtLeastOnce,
                false,
                r#"{"temperature": 5.5}"#,
            )
            .await
            .unwrap();
        until(&mut neighbour_events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::PubAck(_)))
        })
        .await;
        assert_eq!(
            latest(&f, "press-08"),
            [("temperature".to_owned(), FieldValue::Float(5.5))]
        );
    }
}

/// A throw-away Mosquitto (Debian's `mosquitto`) on a free port.
struct Mosquitto {
    child: std::process::Child,
    port: u16,
    _directory: tempfile::TempDir,
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn installed(program: &str) -> Option<String> {
    [
        format!("/usr/sbin/{program}"),
        format!("/usr/bin/{program}"),
    ]
    .into_iter()
    .find(|path| std::path::Path::new(path).exists())
    .or_else(|| {
        std::process::Command::new(program)
            .arg("--help")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .ok()
            .map(|_| program.to_owned())
    })
}

/// Mosquitto, or `None` where it is not installed; CI installs it (scripts/test.sh), so there
/// its absence fails the test.
async fn mosquitto() -> Option<Mosquitto> {
    let Some(binary) = installed("mosquitto") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "mosquitto is required in CI (scripts/test.sh installs it)"
        );
        eprintln!("mosquitto is not installed; skipping");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let directory = tempfile::tempdir().unwrap();
    let config = directory.path().join("mosquitto.conf");
    std::fs::write(
        &config,
        format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"),
    )
    .unwrap();
    let mut child = std::process::Command::new(binary)
        .arg("-c")
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(Mosquitto {
                child,
                port,
                _directory: directory,
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("mosquitto did not start");
}

/// Rows of the `machine` table from 2023-11-14 on (the measured messages; probes are older).
async fn count(store: &TelemetryStore, tenant: i64) -> i64 {
    let output = store
        .query(
            tenant,
            "default",
            "SELECT count(*) AS n FROM machine WHERE time >= to_timestamp_millis(1700000000000)",
            zhizao_telemetry::QueryLimits::default(),
        )
        .await;
    match output {
        Ok(output) => {
            use arrow::array::AsArray;
            output.batches[0]
                .column(0)
                .as_primitive::<arrow::datatypes::Int64Type>()
                .value(0)
        }
        Err(_) => 0,
    }
}

/// All rows of the `machine` table.
async fn probe_rows(store: &TelemetryStore, tenant: i64) -> usize {
    store
        .query(
            tenant,
            "default",
            "SELECT time FROM machine LIMIT 1",
            zhizao_telemetry::QueryLimits::default(),
        )
        .await
        .map(|output| output.rows())
        .unwrap_or(0)
}

#[tokio::test]
async fn zhizao_nodes_share_the_devices_of_an_external_broker() {
    let Some(mosquitto) = mosquitto().await else {
        return;
    };
    for (round, test) in test_databases().await.into_iter().enumerate() {
        let f = fixture(test).await;
        // Two nodes, each with its own store, in one shared-subscription group (one group per
        // round: the previous round's nodes, on another database, stay subscribed).
        let mut stores = Vec::new();
        let mut directories = Vec::new();
        for _ in 0..2 {
            let directory = tempfile::tempdir().unwrap();
            let store =
                TelemetryStore::open(StoreOptions::new(directory.path().to_owned())).unwrap();
            let node = Broker::new(
                f.devices.clone(),
                store.clone(),
                CommandHub::default(),
                BrokerSettings::default(),
            );
            let external = zhizao_mqtt::ExternalBroker::parse(&format!(
                "mqtt://127.0.0.1:{}?group=round{round}",
                mosquitto.port
            ))
            .unwrap();
            tokio::spawn(node.run_external(external, std::future::pending()));
            stores.push(store);
            directories.push(directory);
        }
        let token = &f.tokens[0];
        let mut options = MqttOptions::new("press-07", "127.0.0.1", mosquitto.port);
        options.set_credentials(token.as_str(), "");
        let (device, mut events) = AsyncClient::new(options, 100);
        until(&mut events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::ConnAck(_)))
        })
        .await;
        // The device's event loop runs on its own, handing incoming publishes over.
        let (received, mut answers) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok(event) = events.poll().await {
                if let Event::Incoming(rumqttc::Packet::Publish(publish)) = event {
                    let _ = received.send(publish);
                }
            }
        });
        device
            .subscribe(
                format!("v1/devices/{token}/attributes/response/+"),
                QoS::AtLeastOnce,
            )
            .await
            .unwrap();
        // Probe (with older readings) until both nodes have subscribed and taken one each.
        let mut probe = 0i64;
        loop {
            let (ready0, ready1) = (
                probe_rows(&stores[0], f.tenant).await,
                probe_rows(&stores[1], f.tenant).await,
            );
            if ready0 > 0 && ready1 > 0 {
                break;
            }
            assert!(
                probe < 300,
                "the nodes did not subscribe: {ready0} {ready1}"
            );
            probe += 1;
            let body = format!(
                r#"{{"ts": {}, "values": {{"temperature": 0}}}}"#,
                1_600_000_000_000i64 + probe * 1000
            );
            device
                .publish(
                    format!("v1/devices/{token}/telemetry"),
                    QoS::AtLeastOnce,
                    false,
                    body,
                )
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        const MESSAGES: i64 = 40;
        for n in 0..MESSAGES {
            let body = format!(
                r#"{{"ts": {}, "values": {{"temperature": {n}}}}}"#,
                1_700_000_000_000i64 + n * 1000
            );
            device
                .publish(
                    format!("v1/devices/{token}/telemetry"),
                    QoS::AtLeastOnce,
                    false,
                    body,
                )
                .await
                .unwrap();
        }
        // Under an unknown token: dropped.
        device
            .publish(
                "v1/devices/zd_unknown/telemetry",
                QoS::AtLeastOnce,
                false,
                r#"{"temperature": 1}"#,
            )
            .await
            .unwrap();
        device
            .publish(
                format!("v1/devices/{token}/attributes"),
                QoS::AtLeastOnce,
                false,
                r#"{"firmware": "4.2"}"#,
            )
            .await
            .unwrap();
        let mut counts = (0, 0);
        let started = std::time::Instant::now();
        for _ in 0..400 {
            counts = (
                count(&stores[0], f.tenant).await,
                count(&stores[1], f.tenant).await,
            );
            if counts.0 + counts.1 >= MESSAGES {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            counts.0 + counts.1,
            MESSAGES,
            "every message handled exactly once: {counts:?} after {:?}",
            started.elapsed()
        );
        assert!(
            counts.0 > 0 && counts.1 > 0,
            "both nodes took a share: {counts:?}"
        );

        // An attribute request is answered under the token.
        device
            .publish(
                format!("v1/devices/{token}/attributes/request/9"),
                QoS::AtLeastOnce,
                false,
                r#"{"clientKeys": "firmware"}"#,
            )
            .await
            .unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(10), answers.recv())
            .await
            .expect("answered in time")
            .unwrap();
        assert!(
            answer.topic.ends_with("/attributes/response/9"),
            "{}",
            answer.topic
        );
        let body: serde_json::Value = serde_json::from_slice(&answer.payload).unwrap();
        assert_eq!(body["client"]["firmware"], "4.2");
    }
}

#[tokio::test]
async fn mosquitto_clients_publish_to_the_embedded_broker() {
    let Some(publisher) = installed("mosquitto_pub") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "mosquitto_pub is required in CI (scripts/test.sh installs it)"
        );
        return;
    };
    for test in test_databases().await {
        let f = fixture(test).await;
        let status = tokio::process::Command::new(&publisher)
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &f.address.port().to_string(),
                "-u",
                &f.tokens[1],
            ])
            .args([
                "-q",
                "1",
                "-t",
                "v1/devices/me/telemetry",
                "-m",
                r#"{"temperature": 36.6}"#,
            ])
            .status()
            .await
            .unwrap();
        assert!(status.success());
        assert_eq!(
            latest(&f, "press-08"),
            [("temperature".to_owned(), FieldValue::Float(36.6))]
        );
        let refused = tokio::process::Command::new(&publisher)
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &f.address.port().to_string(),
                "-u",
                "zd_wrong",
            ])
            .args(["-q", "1", "-t", "v1/devices/me/telemetry", "-m", "{}"])
            .stderr(std::process::Stdio::null())
            .status()
            .await
            .unwrap();
        assert!(!refused.success(), "a wrong token is refused");
    }
}
