//! The broker with real MQTT clients over TCP: rumqttc as a device, and raw packets for what
//! well-behaved clients never send.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use rumqttc::mqttbytes::v4::{Connect, LastWill, Packet};
use rumqttc::{AsyncClient, ConnectReturnCode, Event, EventLoop, MqttOptions, QoS};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zhizao_core::FixedClock;
use zhizao_db::testing::{TestDatabase, test_databases};
use zhizao_devices::rpc::CommandHub;
use zhizao_devices::{DeviceInput, Devices, ProfileInput, TelemetrySpec};
use zhizao_identity::Principal;
use zhizao_identity::testing;
use zhizao_mqtt::{Broker, BrokerSettings};
use zhizao_telemetry::schema::FieldType;
use zhizao_telemetry::{FieldValue, StoreOptions, TelemetryStore};

struct Fixture {
    address: std::net::SocketAddr,
    telemetry: TelemetryStore,
    commands: CommandHub,
    /// The clock of the devices, the command hub and the broker: tests move it instead of
    /// waiting for sessions and commands to expire.
    clock: Arc<FixedClock>,
    devices: Devices,
    tokens: Vec<String>,
    tenant: i64,
    /// The enterprise's user, who manages the devices.
    maker: Principal,
    settings: BrokerSettings,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    serving: Option<tokio::task::JoinHandle<()>>,
    _db: TestDatabase,
    _directory: tempfile::TempDir,
}

impl Fixture {
    /// Serves `broker` on a new port.
    async fn start(&mut self, broker: Broker) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        self.address = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        self.stop = Some(stop);
        self.serving = Some(tokio::spawn(broker.serve(listener, async move {
            let _ = stopped.await;
        })));
    }

    /// Stops the broker as a process stopping would (connections end, sessions are written)
    /// and builds a new one, with a new command hub, on the same session directory.
    async fn restart(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(serving) = self.serving.take() {
            serving.await.unwrap();
        }
        self.commands = CommandHub::new(Arc::<FixedClock>::clone(&self.clock));
        let broker = Broker::new(
            self.devices.clone(),
            self.telemetry.clone(),
            self.commands.clone(),
            self.settings.clone(),
            Arc::<FixedClock>::clone(&self.clock),
        )
        .unwrap();
        self.start(broker).await;
    }

    /// The session files on disk.
    fn session_files(&self) -> usize {
        let directory = self.settings.session_directory.as_ref().unwrap();
        std::fs::read_dir(directory)
            .unwrap()
            .filter(|entry| {
                entry
                    .as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|e| e == "json")
            })
            .count()
    }

    async fn device_id(&self, index: usize) -> i64 {
        self.devices
            .authenticate(&self.tokens[index])
            .await
            .unwrap()
            .unwrap()
            .device_id
    }
}

/// An enterprise with two devices (`press-07`, `press-08`) and a running broker.
async fn fixture(test: TestDatabase) -> Fixture {
    fixture_with_expiry(test, BrokerSettings::default().session_expiry).await
}

/// The same with persistent sessions expiring `session_expiry` after their client left.
async fn fixture_with_expiry(test: TestDatabase, session_expiry: Duration) -> Fixture {
    let db = test.db.clone();
    let clock = testing::fixed_clock();
    let identity = testing::identity(&db, &clock);
    let mut transaction = db.begin().await.unwrap();
    testing::create_enterprise_organizations(
        &mut transaction,
        &[(testing::credit_code(1), "中山市甲电器有限公司")],
    )
    .await;
    testing::create_users(
        &mut transaction,
        &[("maker", &testing::credit_code(1), "enterprise_user")],
    )
    .await;
    transaction.commit().await.unwrap();
    let maker = testing::sign_in(&identity, "maker").await;
    let devices = Devices::new(db.clone(), Arc::<FixedClock>::clone(&clock));
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
    let commands = CommandHub::new(Arc::<FixedClock>::clone(&clock));
    let settings = BrokerSettings {
        max_packet_bytes: 64 * 1024,
        connect_timeout: Duration::from_secs(2),
        session_directory: Some(directory.path().join("mqtt-sessions")),
        session_expiry,
    };
    let broker = Broker::new(
        devices.clone(),
        telemetry.clone(),
        commands.clone(),
        settings.clone(),
        Arc::<FixedClock>::clone(&clock),
    )
    .unwrap();
    let mut fixture = Fixture {
        address: "127.0.0.1:1".parse().unwrap(),
        telemetry,
        commands,
        clock,
        devices,
        tokens,
        tenant: maker.organization_id,
        maker,
        settings,
        stop: None,
        serving: None,
        _db: test,
        _directory: directory,
    };
    fixture.start(broker).await;
    fixture
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
    binary: String,
    directory: tempfile::TempDir,
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Mosquitto {
    fn spawn(binary: &str, directory: &std::path::Path) -> std::process::Child {
        std::process::Command::new(binary)
            .arg("-c")
            .arg(directory.join("mosquitto.conf"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    }

    async fn wait_listening(&mut self) {
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("mosquitto did not start");
    }

    /// Stops it as its service manager does (SIGTERM: a persistent one saves its sessions and
    /// queued messages).
    fn stop(&mut self) {
        let stopped = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(stopped.success());
        let _ = self.child.wait();
    }

    /// Starts it again on the same port after [`Mosquitto::stop`].
    async fn start(&mut self) {
        self.child = Mosquitto::spawn(&self.binary, self.directory.path());
        self.wait_listening().await;
    }

    async fn restart(&mut self) {
        self.stop();
        self.start().await;
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
/// its absence fails the test. `acl` is the text of its ACL file, if any.
async fn mosquitto(acl: Option<&str>) -> Option<Mosquitto> {
    mosquitto_with(acl, false).await
}

/// [`mosquitto`], keeping sessions and queued messages across its restarts when `persistent`.
async fn mosquitto_with(acl: Option<&str>, persistent: bool) -> Option<Mosquitto> {
    let Some(binary) = installed("mosquitto") else {
        zhizao_db::testing::missing("mosquitto");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let directory = tempfile::tempdir().unwrap();
    let config = directory.path().join("mosquitto.conf");
    let mut text = format!("listener {port} 127.0.0.1\nallow_anonymous true\n");
    if persistent {
        // As root Mosquitto would become the `mosquitto` user, who cannot write here.
        text.push_str(&format!(
            "persistence true\npersistence_location {}/\nuser root\n",
            directory.path().display()
        ));
    } else {
        text.push_str("persistence false\n");
    }
    if let Some(acl) = acl {
        let path = directory.path().join("acl");
        std::fs::write(&path, acl).unwrap();
        text.push_str(&format!("acl_file {}\n", path.display()));
    }
    std::fs::write(&config, text).unwrap();
    let child = Mosquitto::spawn(&binary, directory.path());
    let mut mosquitto = Mosquitto {
        child,
        port,
        binary,
        directory,
    };
    mosquitto.wait_listening().await;
    Some(mosquitto)
}

/// Rows of the `machine` table from 2023-11-14 on (the measured messages; probes are older).
async fn count(store: &TelemetryStore, tenant: i64) -> i64 {
    count_rows(
        store,
        tenant,
        "SELECT count(*) AS n FROM machine WHERE time >= to_timestamp_millis(1700000000000)",
    )
    .await
}

/// The count a `SELECT count(*)` over the tenant's `default` database answers (0 before the
/// table exists).
async fn count_rows(store: &TelemetryStore, tenant: i64, sql: &str) -> i64 {
    let output = store
        .query(
            tenant,
            "default",
            sql,
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
    let Some(mosquitto) = mosquitto(None).await else {
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
                CommandHub::new(Arc::<FixedClock>::clone(&f.clock)),
                BrokerSettings::default(),
                Arc::<FixedClock>::clone(&f.clock),
            )
            .unwrap();
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
        zhizao_db::testing::missing("mosquitto_pub");
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

/// MQTT 5 clients (rumqttc's and Mosquitto's) publish, take commands and keep persistent
/// sessions as 3.1.1 clients do, and get MQTT 5 reason codes.
#[tokio::test]
async fn mqtt5_clients_publish_take_commands_and_keep_sessions() {
    use rumqttc::v5::mqttbytes::QoS as Qos5;
    use rumqttc::v5::mqttbytes::v5::{ConnectReturnCode, Packet as Packet5};
    use rumqttc::v5::{AsyncClient as Client5, Event as Event5, MqttOptions as Options5};

    async fn until5(
        events: &mut rumqttc::v5::EventLoop,
        wanted: impl Fn(&Packet5) -> bool,
    ) -> Packet5 {
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                if let Event5::Incoming(packet) = events.poll().await.expect("connected")
                    && wanted(&packet)
                {
                    return packet;
                }
            }
        })
        .await
        .expect("the packet arrived in time")
    }
    /// The answer of `call`, polling the client meanwhile (which sends what it published).
    async fn polling(
        events: &mut rumqttc::v5::EventLoop,
        mut call: tokio::task::JoinHandle<serde_json::Value>,
    ) -> serde_json::Value {
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                tokio::select! {
                    answer = &mut call => return answer.unwrap(),
                    polled = events.poll() => {
                        polled.expect("connected");
                    }
                }
            }
        })
        .await
        .expect("answered in time")
    }
    let publisher = installed("mosquitto_pub");
    if publisher.is_none() {
        zhizao_db::testing::missing("mosquitto_pub");
    }
    for test in test_databases().await {
        let f = fixture(test).await;
        let options = |token: &str, clean_start: bool| {
            let mut options =
                Options5::new("press-07-v5", f.address.ip().to_string(), f.address.port());
            options.set_credentials(token, "");
            options.set_clean_start(clean_start);
            // Thirty days: more than the broker keeps a session for.
            options.set_session_expiry_interval(Some(30 * 86_400));
            options
        };
        // A clean start with an expiry interval (as paho's "clean start first only" does): a
        // new session that outlives the connection.
        let (client, mut events) = Client5::new(options(&f.tokens[0], true), 10);
        let Packet5::ConnAck(ack) = until5(&mut events, |p| matches!(p, Packet5::ConnAck(_))).await
        else {
            unreachable!()
        };
        assert_eq!(ack.code, ConnectReturnCode::Success);
        assert!(!ack.session_present);
        let properties = ack.properties.unwrap();
        assert_eq!(properties.max_qos, Some(1));
        assert_eq!(
            properties.session_expiry_interval.map(u64::from),
            Some(f.settings.session_expiry.as_secs()),
            "the broker says it keeps the session for less than asked"
        );
        client
            .subscribe("v1/devices/me/rpc/request/+", Qos5::AtLeastOnce)
            .await
            .unwrap();
        until5(&mut events, |p| matches!(p, Packet5::SubAck(_))).await;
        client
            .publish(
                "v1/devices/me/telemetry",
                Qos5::AtLeastOnce,
                false,
                r#"{"temperature": 55.5}"#,
            )
            .await
            .unwrap();
        until5(&mut events, |p| matches!(p, Packet5::PubAck(_))).await;
        assert_eq!(
            latest(&f, "press-07"),
            [("temperature".to_owned(), FieldValue::Float(55.5))]
        );

        // A command, answered by the MQTT 5 device.
        let device_id = f.device_id(0).await;
        let hub = f.commands.clone();
        let call = tokio::spawn(async move { command(&hub, device_id, 5).await });
        let Packet5::Publish(request) =
            until5(&mut events, |p| matches!(p, Packet5::Publish(_))).await
        else {
            unreachable!()
        };
        let topic = String::from_utf8(request.topic.to_vec()).unwrap();
        let id = topic.rsplit('/').next().unwrap().to_owned();
        client
            .publish(
                format!("v1/devices/me/rpc/response/{id}"),
                Qos5::AtLeastOnce,
                false,
                r#"{"speed": 5}"#,
            )
            .await
            .unwrap();
        assert_eq!(polling(&mut events, call).await["speed"], 5);

        // Away and back: the session (and its subscription) is still there.
        client.disconnect().await.unwrap();
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while events.poll().await.is_ok() {}
        })
        .await;
        let (client, mut events) = Client5::new(options(&f.tokens[0], false), 10);
        let Packet5::ConnAck(ack) = until5(&mut events, |p| matches!(p, Packet5::ConnAck(_))).await
        else {
            unreachable!()
        };
        assert!(
            ack.session_present,
            "expiry set and no clean start: persists"
        );
        let hub = f.commands.clone();
        let call = tokio::spawn(async move { command(&hub, device_id, 6).await });
        let Packet5::Publish(request) =
            until5(&mut events, |p| matches!(p, Packet5::Publish(_))).await
        else {
            unreachable!()
        };
        let topic = String::from_utf8(request.topic.to_vec()).unwrap();
        let id = topic.rsplit('/').next().unwrap().to_owned();
        client
            .publish(
                format!("v1/devices/me/rpc/response/{id}"),
                Qos5::AtLeastOnce,
                false,
                r#"{"speed": 6}"#,
            )
            .await
            .unwrap();
        assert_eq!(
            polling(&mut events, call).await["speed"],
            6,
            "without subscribing again"
        );
        client
            .unsubscribe("v1/devices/me/rpc/request/+")
            .await
            .unwrap();
        let Packet5::UnsubAck(ack) =
            until5(&mut events, |p| matches!(p, Packet5::UnsubAck(_))).await
        else {
            unreachable!()
        };
        assert_eq!(ack.reasons.len(), 1, "a reason per filter");
        client.disconnect().await.unwrap();

        // A wrong token gets MQTT 5's reason code.
        let (_client, mut events) = Client5::new(options("zd_wrong", false), 10);
        let refused = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                match events.poll().await {
                    Err(rumqttc::v5::ConnectionError::ConnectionRefused(code)) => return code,
                    Err(error) => panic!("{error:?}"),
                    Ok(_) => {}
                }
            }
        })
        .await
        .unwrap();
        assert_eq!(refused, ConnectReturnCode::BadUserNamePassword);

        // Mosquitto's own client speaking MQTT 5.
        if let Some(publisher) = &publisher {
            let status = tokio::process::Command::new(publisher)
                .args([
                    "-V",
                    "mqttv5",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &f.address.port().to_string(),
                ])
                .args([
                    "-u",
                    &f.tokens[1],
                    "-q",
                    "1",
                    "-t",
                    "v1/devices/me/telemetry",
                ])
                .args(["-m", r#"{"temperature": 12.5}"#])
                .status()
                .await
                .unwrap();
            assert!(status.success());
            assert_eq!(
                latest(&f, "press-08"),
                [("temperature".to_owned(), FieldValue::Float(12.5))]
            );
        }
    }
}

/// Connects `options` and returns the client with its event loop once CONNACK says whether a
/// session was present.
async fn connect(options: MqttOptions) -> (AsyncClient, EventLoop, bool) {
    let (client, mut events) = AsyncClient::new(options, 10);
    let event = until(&mut events, |e| {
        matches!(e, Event::Incoming(rumqttc::Packet::ConnAck(_)))
    })
    .await;
    let Event::Incoming(rumqttc::Packet::ConnAck(ack)) = event else {
        unreachable!()
    };
    (client, events, ack.session_present)
}

/// Disconnects politely and lets the event loop see the end.
async fn disconnect(client: AsyncClient, mut events: EventLoop) {
    client.disconnect().await.unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while events.poll().await.is_ok() {}
    })
    .await;
}

/// The next message the client receives.
async fn next_publish(events: &mut EventLoop) -> rumqttc::Publish {
    let event = until(events, |e| {
        matches!(e, Event::Incoming(rumqttc::Packet::Publish(_)))
    })
    .await;
    let Event::Incoming(rumqttc::Packet::Publish(publish)) = event else {
        unreachable!()
    };
    publish
}

/// Whether the client receives any message within `within`.
async fn receives_nothing(events: &mut EventLoop, within: Duration) -> bool {
    tokio::time::timeout(within, async {
        loop {
            if let Ok(Event::Incoming(rumqttc::Packet::Publish(publish))) = events.poll().await {
                return publish;
            }
        }
    })
    .await
    .is_err()
}

#[tokio::test]
async fn persistent_sessions_survive_a_restart_of_the_broker() {
    for test in test_databases().await {
        let mut f = fixture(test).await;
        let (press07, press08) = (f.device_id(0).await, f.device_id(1).await);
        let mut line = options(&f, "line-1", &f.tokens[0]);
        line.set_clean_session(false);
        line.set_manual_acks(true);
        let (client, mut events, present) = connect(line.clone()).await;
        assert!(!present);
        client
            .subscribe("v1/devices/me/rpc/request/+", QoS::AtLeastOnce)
            .await
            .unwrap();
        until(&mut events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::SubAck(_)))
        })
        .await;
        // A command reaches the device, which goes away without acknowledging it.
        let hub = f.commands.clone();
        let unacknowledged = tokio::spawn(async move {
            hub.call(
                press07,
                "home",
                serde_json::json!({}),
                Duration::from_secs(60),
            )
            .await
        });
        let first = next_publish(&mut events).await;
        disconnect(client, events).await;

        // press-08 chooses the same client id: a session of its own, never press-07's.
        let mut other = options(&f, "line-1", &f.tokens[1]);
        other.set_clean_session(false);
        let (client, mut events, present) = connect(other.clone()).await;
        assert!(!present, "press-07's session is not press-08's");
        client
            .subscribe("v1/devices/me/rpc/request/+", QoS::AtLeastOnce)
            .await
            .unwrap();
        until(&mut events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::SubAck(_)))
        })
        .await;
        disconnect(client, events).await;

        f.restart().await;
        let mut line = options(&f, "line-1", &f.tokens[0]);
        line.set_clean_session(false);
        line.set_manual_acks(true);
        let mut other = options(&f, "line-1", &f.tokens[1]);
        other.set_clean_session(false);
        unacknowledged.abort();
        assert_eq!(f.session_files(), 2);
        assert!(
            !f.commands.is_online(press07),
            "a stored session is not online"
        );

        // Commands while the devices are away wait in their sessions (on disk); one whose
        // caller gives up first is not delivered.
        let hub = f.commands.clone();
        let queued = tokio::spawn(async move {
            hub.call(
                press07,
                "setSpeed",
                serde_json::json!({"rpm": 1200}),
                Duration::from_secs(30),
            )
            .await
        });
        assert!(matches!(
            f.commands
                .call(
                    press08,
                    "stop",
                    serde_json::json!({}),
                    Duration::from_millis(200)
                )
                .await,
            Err(zhizao_devices::Error::NoAnswer(waited)) if waited == Duration::from_millis(200)
        ));
        // The command's caller has stopped waiting: the queued command is now expired.
        f.clock.advance(200);

        // The device comes back without subscribing: the session is there, with both commands.
        let (client, mut events, present) = connect(line).await;
        assert!(present, "session_present after the restart");
        let again = next_publish(&mut events).await;
        assert!(again.dup, "the unacknowledged command is sent again");
        assert_eq!(
            (again.topic.as_str(), &again.payload),
            (first.topic.as_str(), &first.payload)
        );
        client.ack(&again).await.unwrap();
        let request = next_publish(&mut events).await;
        assert!(!request.dup);
        assert_eq!(request.qos, QoS::AtLeastOnce);
        let body: serde_json::Value = serde_json::from_slice(&request.payload).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"method": "setSpeed", "params": {"rpm": 1200}})
        );
        client.ack(&request).await.unwrap();
        let id = request.topic.rsplit('/').next().unwrap().to_owned();
        client
            .publish(
                format!("v1/devices/me/rpc/response/{id}"),
                QoS::AtLeastOnce,
                false,
                r#"{"rpm": 1200}"#,
            )
            .await
            .unwrap();
        until(&mut events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::PubAck(_)))
        })
        .await;
        assert_eq!(
            tokio::time::timeout(Duration::from_secs(10), queued)
                .await
                .unwrap()
                .unwrap()
                .unwrap(),
            serde_json::json!({"rpm": 1200})
        );
        assert!(f.commands.is_online(press07));
        // Live commands still flow through the resumed subscription.
        let hub = f.commands.clone();
        let live = tokio::spawn(async move {
            hub.call(
                press07,
                "ping",
                serde_json::Value::Null,
                Duration::from_secs(10),
            )
            .await
        });
        let ping = until(&mut events, |e| matches!(e, Event::Incoming(rumqttc::Packet::Publish(p)) if p.payload.starts_with(br#"{"method":"ping""#))).await;
        let Event::Incoming(rumqttc::Packet::Publish(ping)) = ping else {
            unreachable!()
        };
        client.ack(&ping).await.unwrap();
        let id = ping.topic.rsplit('/').next().unwrap().to_owned();
        client
            .publish(
                format!("v1/devices/me/rpc/response/{id}"),
                QoS::AtLeastOnce,
                false,
                "pong",
            )
            .await
            .unwrap();
        until(&mut events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::PubAck(_)))
        })
        .await;
        assert_eq!(
            live.await.unwrap().unwrap(),
            serde_json::Value::String("pong".into())
        );

        // press-08 resumes its own session: none of press-07's commands, nor its expired one.
        let (_client, mut events, present) = connect(other).await;
        assert!(present);
        assert!(receives_nothing(&mut events, Duration::from_millis(500)).await);
    }
}

#[tokio::test]
async fn persistent_sessions_expire() {
    for test in test_databases().await {
        let mut f = fixture_with_expiry(test, Duration::from_secs(1)).await;
        let mut line = options(&f, "line-1", &f.tokens[0]);
        line.set_clean_session(false);
        let (client, mut events, _) = connect(line.clone()).await;
        client
            .subscribe("v1/devices/me/rpc/request/+", QoS::AtLeastOnce)
            .await
            .unwrap();
        until(&mut events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::SubAck(_)))
        })
        .await;
        disconnect(client, events).await;
        let (client, events, present) = connect(line.clone()).await;
        assert!(present, "within the expiry");
        disconnect(client, events).await;
        assert_eq!(f.session_files(), 1);

        // Past the expiry, while running and across a restart.
        f.clock.advance(1300);
        let (client, events, present) = connect(line.clone()).await;
        assert!(!present, "expired while the broker ran");
        disconnect(client, events).await;
        f.clock.advance(1300);
        f.restart().await;
        assert_eq!(
            f.session_files(),
            0,
            "expired sessions are removed on start"
        );
        let mut line = options(&f, "line-1", &f.tokens[0]);
        line.set_clean_session(false);
        let (_client, _events, present) = connect(line).await;
        assert!(!present, "expired across the restart");

        // A session whose client was connected when the process stopped (a crash) counts from
        // the restart, however long ago the client connected.
        let press07 = f.device_id(0).await;
        let record = serde_json::json!({
            "format": 1,
            "device_id": press07,
            "client_id": "line-2",
            "connected": true,
            "disconnected_at": 0,
            "subscriptions": [{"filter": "v1/devices/me/rpc/request/+", "qos": 1}],
            "pending": [],
        });
        let directory = f.settings.session_directory.clone().unwrap();
        std::fs::write(
            directory.join(format!("{press07}-999.json")),
            record.to_string(),
        )
        .unwrap();
        f.restart().await;
        let mut crashed = options(&f, "line-2", &f.tokens[0]);
        crashed.set_clean_session(false);
        let (_client, _events, present) = connect(crashed).await;
        assert!(present, "counted from the restart");
    }
}

/// The ACL of a deployment with an external broker: Zhizao's own user reads and writes the
/// device topics and its internal ones; a device (user name = token) only its own topics.
const EXTERNAL_ACL: &str = "user zhizao\ntopic readwrite v1/devices/#\ntopic readwrite zhizao/#\n\npattern readwrite v1/devices/%u/#\n";

/// A device on the external broker, answering every command with its client id, the method
/// and the parameters, and reporting the commands it receives.
struct ExternalDevice {
    client: AsyncClient,
    token: String,
    commands: tokio::sync::mpsc::UnboundedReceiver<rumqttc::Publish>,
}

impl ExternalDevice {
    async fn connect(port: u16, client_id: &str, token: &str) -> Self {
        let mut options = MqttOptions::new(client_id, "127.0.0.1", port);
        options.set_credentials(token, "");
        let (client, mut events) = AsyncClient::new(options, 100);
        until(&mut events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::ConnAck(_)))
        })
        .await;
        client
            .subscribe(
                format!("v1/devices/{token}/rpc/request/+"),
                QoS::AtLeastOnce,
            )
            .await
            .unwrap();
        until(&mut events, |e| {
            matches!(e, Event::Incoming(rumqttc::Packet::SubAck(_)))
        })
        .await;
        let (received, commands) = tokio::sync::mpsc::unbounded_channel();
        let answering = client.clone();
        let name = client_id.to_owned();
        let token_owned = token.to_owned();
        tokio::spawn(async move {
            while let Ok(event) = events.poll().await {
                let Event::Incoming(rumqttc::Packet::Publish(publish)) = event else {
                    continue;
                };
                let prefix = format!("v1/devices/{token_owned}/rpc/request/");
                if let Some(id) = publish.topic.strip_prefix(&prefix) {
                    let request: serde_json::Value =
                        serde_json::from_slice(&publish.payload).unwrap();
                    let answer = serde_json::json!({
                        "client": name,
                        "method": request["method"],
                        "params": request["params"],
                    });
                    answering
                        .publish(
                            format!("v1/devices/{token_owned}/rpc/response/{id}"),
                            QoS::AtLeastOnce,
                            false,
                            answer.to_string(),
                        )
                        .await
                        .unwrap();
                }
                let _ = received.send(publish);
            }
        });
        ExternalDevice {
            client,
            token: token.to_owned(),
            commands,
        }
    }

    /// Publishes readings from `from` on until every store has one: each node has heard from
    /// the device under this token.
    async fn heard_by(&self, stores: &[TelemetryStore], tenant: i64, device: &str, from: i64) {
        let heard = |store: &TelemetryStore| {
            store
                .latest(tenant, "default", "machine", device)
                .iter()
                .any(|v| matches!(v.value, FieldValue::Float(t) if t >= from as f64))
        };
        for n in from..from + 300 {
            if stores.iter().all(heard) {
                return;
            }
            let body = format!(
                r#"{{"ts": {}, "values": {{"temperature": {n}}}}}"#,
                1_600_000_000_000i64 + n * 1000
            );
            self.client
                .publish(
                    format!("v1/devices/{}/telemetry", self.token),
                    QoS::AtLeastOnce,
                    false,
                    body,
                )
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the nodes did not hear from {device}");
    }

    /// The commands received so far.
    fn received(&mut self) -> Vec<rumqttc::Publish> {
        std::iter::from_fn(|| self.commands.try_recv().ok()).collect()
    }
}

/// A command through `hub`, tried a few times while the nodes' subscriptions settle.
async fn command(hub: &CommandHub, device_id: i64, n: u64) -> serde_json::Value {
    for _ in 0..5 {
        match hub
            .call(
                device_id,
                "setSpeed",
                serde_json::json!({"n": n}),
                Duration::from_secs(3),
            )
            .await
        {
            Ok(answer) => return answer,
            Err(error) => eprintln!("command {n}: {error}; trying again"),
        }
    }
    panic!("command {n} was never answered");
}

#[tokio::test]
async fn commands_reach_devices_on_an_external_broker_through_any_node() {
    let Some(mosquitto) = mosquitto(Some(EXTERNAL_ACL)).await else {
        return;
    };
    for (round, test) in test_databases().await.into_iter().enumerate() {
        let f = fixture(test).await;
        let (press07, press08) = (f.device_id(0).await, f.device_id(1).await);
        // Two nodes, each with its own store and command hub.
        let mut stores = Vec::new();
        let mut hubs = Vec::new();
        let mut directories = Vec::new();
        for _ in 0..2 {
            let directory = tempfile::tempdir().unwrap();
            let store =
                TelemetryStore::open(StoreOptions::new(directory.path().to_owned())).unwrap();
            let hub = CommandHub::new(Arc::<FixedClock>::clone(&f.clock));
            let node = Broker::new(
                f.devices.clone(),
                store.clone(),
                hub.clone(),
                BrokerSettings::default(),
                Arc::<FixedClock>::clone(&f.clock),
            )
            .unwrap();
            let external = zhizao_mqtt::ExternalBroker::parse(&format!(
                "mqtt://zhizao:secret@127.0.0.1:{}?group=commands{round}",
                mosquitto.port
            ))
            .unwrap();
            tokio::spawn(node.run_external(external, std::future::pending()));
            stores.push(store);
            hubs.push(hub);
            directories.push(directory);
        }
        let mut device07 = ExternalDevice::connect(mosquitto.port, "press-07", &f.tokens[0]).await;
        let mut device08 = ExternalDevice::connect(mosquitto.port, "press-08", &f.tokens[1]).await;
        // press-08 tries to listen to press-07's commands and to Zhizao's own topics: the
        // broker's ACL lets it hear none of them.
        for filter in [
            format!("v1/devices/{}/rpc/request/+", f.tokens[0]),
            "v1/devices/+/rpc/request/+".to_owned(),
            "zhizao/#".to_owned(),
            "#".to_owned(),
        ] {
            device08
                .client
                .subscribe(filter, QoS::AtLeastOnce)
                .await
                .unwrap();
        }
        device07.heard_by(&stores, f.tenant, "press-07", 0).await;
        device08.heard_by(&stores, f.tenant, "press-08", 0).await;

        // Commands issued on either node reach the device once, and the answer comes back to
        // the caller whichever node the answer reaches. (Two commands per node in turn: the
        // broker hands the answers to the nodes in turn, so some reach the other node.)
        for n in 0..8 {
            let answer = command(&hubs[(n / 2) % 2], press07, n as u64).await;
            assert_eq!(
                answer,
                serde_json::json!({"client": "press-07", "method": "setSpeed", "params": {"n": n}})
            );
        }
        let answer = command(&hubs[1], press08, 100).await;
        assert_eq!(answer["client"], "press-08");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let received = device07.received();
        let mut ns: Vec<u64> = received
            .iter()
            .map(|p| {
                let body: serde_json::Value = serde_json::from_slice(&p.payload).unwrap();
                body["params"]["n"].as_u64().unwrap()
            })
            .collect();
        ns.dedup();
        assert_eq!(
            ns,
            (0..8).collect::<Vec<_>>(),
            "each command delivered once"
        );
        // (Its `#` brings it its own messages, which the ACL allows.)
        let heard: Vec<String> = device08
            .received()
            .into_iter()
            .map(|p| p.topic)
            .filter(|topic| topic.contains("/rpc/request/") || !topic.contains(&f.tokens[1]))
            .collect();
        assert_eq!(
            heard.len(),
            1,
            "press-08 heard only its own command: {heard:?}"
        );
        assert!(heard[0].starts_with(&format!("v1/devices/{}/rpc/request/", f.tokens[1])));

        // A rotated token receives no more commands; until the device speaks with the new one,
        // no node can reach it and the caller times out.
        let rotated = f
            .devices
            .rotate_token(&f.maker, "press-07")
            .await
            .unwrap()
            .token;
        for hub in &hubs {
            assert!(matches!(
                hub.call(
                    press07,
                    "stop",
                    serde_json::json!({}),
                    Duration::from_millis(1500)
                )
                .await,
                Err(zhizao_devices::Error::NoAnswer(waited)) if waited == Duration::from_millis(1500)
            ));
        }
        let mut device07b = ExternalDevice::connect(mosquitto.port, "press-07b", &rotated).await;
        device07b
            .heard_by(&stores, f.tenant, "press-07", 1000)
            .await;
        let answer = command(&hubs[1], press07, 200).await;
        assert_eq!(answer["client"], "press-07b");
        assert!(
            device07.received().is_empty(),
            "the old token heard nothing"
        );
        assert!(!device07b.received().is_empty());

        // A disabled device receives nothing either.
        f.devices
            .update_device(
                &f.maker,
                "press-08",
                &zhizao_devices::DeviceUpdate {
                    disabled: Some(true),
                    ..Default::default()
                },
                None,
            )
            .await
            .unwrap();
        assert!(matches!(
            hubs[0]
                .call(
                    press08,
                    "stop",
                    serde_json::json!({}),
                    Duration::from_millis(1500)
                )
                .await,
            Err(zhizao_devices::Error::NoAnswer(waited)) if waited == Duration::from_millis(1500)
        ));
        assert!(
            !device08
                .received()
                .iter()
                .any(|p| p.topic.contains("/rpc/request/")),
            "a disabled device heard nothing"
        );
    }
}

/// A node on an external broker (`mqtt://…?group=outage`) under a client id it keeps.
fn outage_node(
    f: &Fixture,
    store: &TelemetryStore,
    port: u16,
) -> (tokio::sync::oneshot::Sender<()>, Broker) {
    let node = Broker::new(
        f.devices.clone(),
        store.clone(),
        CommandHub::new(Arc::<FixedClock>::clone(&f.clock)),
        BrokerSettings::default(),
        Arc::<FixedClock>::clone(&f.clock),
    )
    .unwrap();
    let external =
        zhizao_mqtt::ExternalBroker::parse(&format!("mqtt://127.0.0.1:{port}?group=outage"))
            .unwrap()
            .with_client_id("zhizao-node-outage");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(node.clone().run_external(external, async move {
        let _ = stopped.await;
    }));
    (stop, node)
}

/// Publishes readings `from..to` (timestamps from 2023-11-14 on) with QoS 1.
async fn publish_readings(device: &AsyncClient, token: &str, from: i64, to: i64) {
    for n in from..to {
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
}

/// Probes (older readings) until the node takes one: it has joined and subscribed.
async fn until_subscribed(
    device: &AsyncClient,
    token: &str,
    store: &TelemetryStore,
    tenant: i64,
    probe: &mut i64,
) {
    let before = probe_count(store, tenant).await;
    for _ in 0..300 {
        *probe += 1;
        let body = format!(
            r#"{{"ts": {}, "values": {{"temperature": 0}}}}"#,
            1_600_000_000_000i64 + *probe * 1000
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
        if probe_count(store, tenant).await > before {
            return;
        }
    }
    panic!("the node did not subscribe");
}

/// Rows of the `machine` table before 2023-11-14 (the probes).
async fn probe_count(store: &TelemetryStore, tenant: i64) -> i64 {
    count_rows(
        store,
        tenant,
        "SELECT count(*) AS n FROM machine WHERE time < to_timestamp_millis(1700000000000)",
    )
    .await
}

/// Waits until the node has stored `expected` readings, and checks no more come.
async fn stored_exactly(store: &TelemetryStore, tenant: i64, expected: i64, when: &str) {
    for _ in 0..400 {
        if count(store, tenant).await >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        count(store, tenant).await,
        expected,
        "{when}: each message once"
    );
}

/// The broker restarts under a node, and a node is away while the broker restarts: the bridge
/// rejoins by itself and subscribes again, and what the broker queued for the node's
/// persistent session meanwhile arrives, each message once.
#[tokio::test]
async fn the_bridge_rejoins_a_restarted_broker_and_takes_what_was_queued_for_it() {
    let Some(mut mosquitto) = mosquitto_with(None, true).await else {
        return;
    };
    let f = fixture(zhizao_db::testing::sqlite().await).await;
    let directory = tempfile::tempdir().unwrap();
    let store = TelemetryStore::open(StoreOptions::new(directory.path().to_owned())).unwrap();
    let (mut stop, node) = outage_node(&f, &store, mosquitto.port);

    let token = f.tokens[0].clone();
    let mut options = MqttOptions::new("press-outage", "127.0.0.1", mosquitto.port);
    options.set_credentials(token.as_str(), "");
    let (device, mut events) = AsyncClient::new(options, 100);
    // The device's event loop reconnects on its own after the broker's restarts.
    tokio::spawn(async move {
        loop {
            if events.poll().await.is_err() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    });
    let mut probe = 0;
    until_subscribed(&device, &token, &store, f.tenant, &mut probe).await;
    publish_readings(&device, &token, 0, 10).await;
    stored_exactly(&store, f.tenant, 10, "before any outage").await;

    assert_eq!(node.external_failure(), None, "joined");

    // The broker restarts under the node: readiness hears of it while it is down, and the node
    // rejoins and subscribes again by itself.
    mosquitto.stop();
    let mut waited = 0;
    while node.external_failure().is_none() {
        assert!(waited < 200, "the node did not notice the broker was gone");
        waited += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let failure = node.external_failure().unwrap();
    assert!(
        failure.contains(&format!("mqtt://127.0.0.1:{}", mosquitto.port)),
        "{failure}"
    );
    mosquitto.start().await;
    until_subscribed(&device, &token, &store, f.tenant, &mut probe).await;
    assert_eq!(node.external_failure(), None, "joined again");
    publish_readings(&device, &token, 10, 20).await;
    stored_exactly(&store, f.tenant, 20, "after the broker's restart").await;

    // The node is away while the devices go on and the broker restarts: its session keeps
    // its messages, which it takes when it comes back under its client id.
    let _ = stop.send(());
    tokio::time::sleep(Duration::from_millis(500)).await;
    publish_readings(&device, &token, 20, 45).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(count(&store, f.tenant).await, 20, "the node is away");
    mosquitto.restart().await;
    (stop, _) = outage_node(&f, &store, mosquitto.port);
    stored_exactly(&store, f.tenant, 45, "after the node came back").await;
    let _ = stop.send(());
}
