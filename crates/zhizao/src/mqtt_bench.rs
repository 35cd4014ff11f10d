//! `zhizao bench mqtt`: many simulated devices connected at once to the embedded broker of a
//! Zhizao platform started for the purpose, each publishing the simulator's readings with QoS 1
//! every few seconds, held for a while.
//!
//! Reported: connections, messages per second, the platform process's resident memory (peak
//! while holding), and the time from publish to PUBACK. The broker sends PUBACK only after the
//! reading is in the write-ahead log *and* applied to the queryable buffers, so that time bounds
//! publish-to-queryable from above. At the end every acknowledged reading is counted back with
//! SQL: a run that lost one fails.
//!
//! The devices are plain TCP connections speaking MQTT 3.1.1 (packets encoded by `mqttbytes`),
//! spread over several loopback source addresses so that 60,000 of them do not run out of
//! ephemeral ports.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::BytesMut;
use rumqttc::mqttbytes::QoS;
use rumqttc::mqttbytes::v4::{Connect, Disconnect, Login, Packet, Publish};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::bench_support::{Platform, WorkArgs, cores, http_client, resident_bytes, thousands};
use crate::simulate_command::{Api, SimulatedDevice, register};

/// Options of `zhizao bench mqtt`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct BenchMqttArgs {
    /// Devices connected at once.
    #[arg(long, default_value_t = 60_000)]
    devices: u32,
    /// Seconds between a device's readings.
    #[arg(long, default_value_t = 10.0)]
    interval: f64,
    /// Seconds to connect them all in.
    #[arg(long, default_value_t = 60.0)]
    ramp: f64,
    /// Seconds to hold every device connected and publishing once all are.
    #[arg(long, default_value_t = 600.0)]
    hold: f64,
    #[command(flatten)]
    work: WorkArgs,
}

/// Connections per loopback source address (each has its own ephemeral ports).
const CONNECTIONS_PER_SOURCE: u32 = 20_000;

/// What all device tasks share.
struct Shared {
    broker: SocketAddr,
    connected: AtomicU64,
    failed: AtomicU64,
    acknowledged: AtomicU64,
    /// Acknowledged while the hold window was open.
    acknowledged_in_window: AtomicU64,
    measuring: AtomicBool,
    stop: tokio::sync::watch::Sender<bool>,
    interval: Duration,
}

async fn read_packet(stream: &mut TcpStream, input: &mut BytesMut) -> anyhow::Result<Packet> {
    loop {
        match Packet::read(input, 64 * 1024) {
            Ok(packet) => return Ok(packet),
            Err(rumqttc::mqttbytes::Error::InsufficientBytes(_)) => {}
            Err(error) => bail!("malformed packet from the broker: {error:?}"),
        }
        if stream.read_buf(input).await? == 0 {
            bail!("the broker closed the connection");
        }
    }
}

/// One device: connect, then publish a reading every interval and wait for its PUBACK.
async fn run_device(
    index: u32,
    mut device: SimulatedDevice,
    start: Duration,
    offset: Duration,
    shared: Arc<Shared>,
) -> anyhow::Result<Vec<u32>> {
    tokio::time::sleep(start).await;
    let source = Ipv4Addr::new(127, 0, 0, 1 + (index / CONNECTIONS_PER_SOURCE) as u8);
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::V4(SocketAddrV4::new(source, 0)))?;
    let mut stream = socket.connect(shared.broker).await?;
    stream.set_nodelay(true)?;
    let mut output = BytesMut::with_capacity(512);
    let mut connect = Connect::new(device.name.clone());
    connect.keep_alive = 60;
    connect.login = Some(Login::new(device.token.clone(), ""));
    connect
        .write(&mut output)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    stream.write_all(&output).await?;
    let mut input = BytesMut::with_capacity(256);
    match read_packet(&mut stream, &mut input).await? {
        Packet::ConnAck(ack) if ack.code == rumqttc::mqttbytes::v4::ConnectReturnCode::Success => {}
        other => bail!("{}: CONNECT refused: {other:?}", device.name),
    }
    shared.connected.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(offset).await;
    let mut latencies = Vec::new();
    let mut packet_id: u16 = 0;
    let mut next = tokio::time::Instant::now();
    let mut stopped = shared.stop.subscribe();
    while !*stopped.borrow() {
        let payload = serde_json::to_vec(&device.machine.step(shared.interval.as_secs_f64()))?;
        packet_id = packet_id.checked_add(1).unwrap_or(1);
        let mut publish = Publish::new("v1/devices/me/telemetry", QoS::AtLeastOnce, payload);
        publish.pkid = packet_id;
        output.clear();
        publish
            .write(&mut output)
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let in_window = shared.measuring.load(Ordering::Relaxed);
        let sent = Instant::now();
        stream.write_all(&output).await?;
        loop {
            match read_packet(&mut stream, &mut input).await? {
                Packet::PubAck(ack) if ack.pkid == packet_id => break,
                _ => {}
            }
        }
        let latency = sent.elapsed();
        shared.acknowledged.fetch_add(1, Ordering::Relaxed);
        if in_window && shared.measuring.load(Ordering::Relaxed) {
            shared
                .acknowledged_in_window
                .fetch_add(1, Ordering::Relaxed);
            latencies.push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
        }
        next += shared.interval;
        tokio::select! {
            () = tokio::time::sleep_until(next) => {}
            _ = stopped.wait_for(|stop| *stop) => break,
        }
    }
    output.clear();
    Disconnect
        .write(&mut output)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let _ = stream.write_all(&output).await;
    Ok(latencies)
}

fn percentile(sorted: &[u32], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 * fraction).ceil() as usize).clamp(1, sorted.len());
    Duration::from_micros(u64::from(sorted[rank - 1]))
}

/// Rows in every table of the enterprise's `default` database, through the SQL API.
async fn stored_rows(api: &Api) -> anyhow::Result<u64> {
    let (status, databases) = api
        .call(
            "GET",
            "/api/v1/telemetry/databases",
            "application/json",
            Vec::new(),
        )
        .await?;
    if status != 200 {
        bail!("listing databases: {status} {databases}");
    }
    let mut total = 0;
    for database in databases.as_array().into_iter().flatten() {
        let name = database["name"].as_str().unwrap_or_default();
        for table in database["tables"].as_array().into_iter().flatten() {
            let table = table["name"].as_str().unwrap_or_default();
            let body = serde_json::json!({
                "sql": format!("SELECT count(*) AS n FROM \"{table}\""),
                "database": name,
            });
            let (status, rows) = api
                .call(
                    "POST",
                    "/api/v1/query",
                    "application/json",
                    body.to_string().into_bytes(),
                )
                .await?;
            if status != 200 {
                bail!("counting {name}.{table}: {status} {rows}");
            }
            total += rows[0]["n"].as_u64().unwrap_or(0);
        }
    }
    Ok(total)
}

pub(crate) async fn mqtt(args: BenchMqttArgs) -> anyhow::Result<()> {
    if args.devices == 0 || args.devices > 200_000 {
        bail!("--devices must be 1 to 200000");
    }
    if !(0.1..=3600.0).contains(&args.interval) || args.ramp < 0.0 || args.hold <= 0.0 {
        bail!("--interval must be 0.1 to 3600 s, --ramp at least 0 and --hold more than 0");
    }
    // The devices' ends live in this process and the broker's in the platform's, which
    // inherits the limit: each needs a file per connection and some to spare.
    let needed = u64::from(args.devices) + 1_000;
    let limit = rlimit::increase_nofile_limit(needed).context("raising the open-file limit")?;
    if limit < needed {
        bail!(
            "{} connections need about {needed} open files in each process, but the hard limit \
             is {limit}: raise it (ulimit -Hn, or LimitNOFILE in a systemd unit) or use fewer \
             --devices",
            args.devices
        );
    }
    let work = args.work.directory("mqtt")?;
    eprintln!("starting Zhizao with its MQTT broker…");
    let mut platform = Platform::start(&work.path().join("zhizao"), true).await?;
    let broker = platform.mqtt.context("the broker has no address")?;
    let api = Api {
        client: http_client(),
        base: platform.base.clone(),
        token: platform.token.clone(),
    };
    eprintln!(
        "registering {} devices…",
        thousands(u64::from(args.devices))
    );
    let registered = Instant::now();
    let devices = register(&api, args.devices, "bench", 1, false).await?;
    eprintln!("registered in {:.1} s", registered.elapsed().as_secs_f64());

    let shared = Arc::new(Shared {
        broker,
        connected: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        acknowledged: AtomicU64::new(0),
        acknowledged_in_window: AtomicU64::new(0),
        measuring: AtomicBool::new(false),
        stop: tokio::sync::watch::channel(false).0,
        interval: Duration::from_secs_f64(args.interval),
    });
    let count = f64::from(args.devices);
    let mut tasks = Vec::with_capacity(devices.len());
    for (index, device) in devices.into_iter().enumerate() {
        let share = index as f64 / count;
        let start = Duration::from_secs_f64(args.ramp * share);
        // Spread the readings evenly over the interval.
        let offset = Duration::from_secs_f64(
            args.interval * ((index * 7_919) % args.devices as usize) as f64 / count,
        );
        let shared = Arc::clone(&shared);
        tasks.push(tokio::spawn(async move {
            let result = run_device(index as u32, device, start, offset, Arc::clone(&shared)).await;
            if result.is_err() {
                shared.failed.fetch_add(1, Ordering::Relaxed);
            }
            result
        }));
    }

    let pid = platform.process.pid();
    let started = Instant::now();
    let mut ticker = tokio::time::interval(Duration::from_secs(5));
    let mut window: Option<Instant> = None;
    let mut peak_rss = 0u64;
    let mut last_acknowledged = 0;
    loop {
        ticker.tick().await;
        platform.process.check_running()?;
        let connected = shared.connected.load(Ordering::Relaxed);
        let failed = shared.failed.load(Ordering::Relaxed);
        let acknowledged = shared.acknowledged.load(Ordering::Relaxed);
        let rss = resident_bytes(pid).unwrap_or(0);
        if window.is_some() {
            peak_rss = peak_rss.max(rss);
        }
        eprintln!(
            "{:>5.0} s  connected {connected:>6}  failed {failed}  acknowledged {acknowledged:>9} ({:>6.0}/s)  platform RSS {:.0} MiB",
            started.elapsed().as_secs_f64(),
            (acknowledged - last_acknowledged) as f64 / 5.0,
            rss as f64 / 1_048_576.0
        );
        last_acknowledged = acknowledged;
        if failed > 0 {
            shared.stop.send_replace(true);
            break;
        }
        match window {
            None if connected == u64::from(args.devices) => {
                eprintln!("all connected; holding for {} s", args.hold);
                shared.measuring.store(true, Ordering::Relaxed);
                window = Some(Instant::now());
            }
            None if started.elapsed().as_secs_f64() > args.ramp + 300.0 => {
                shared.stop.send_replace(true);
                bail!("only {connected} of {} devices connected", args.devices);
            }
            Some(opened) if opened.elapsed().as_secs_f64() >= args.hold => break,
            _ => {}
        }
    }
    let held = window.map(|w| w.elapsed()).unwrap_or_default();
    shared.measuring.store(false, Ordering::Relaxed);
    shared.stop.send_replace(true);
    let connected = shared.connected.load(Ordering::Relaxed);
    let mut latencies = Vec::new();
    let mut first_error = None;
    for task in tasks {
        match task.await? {
            Ok(mut own) => latencies.append(&mut own),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    if let Some(error) = first_error {
        return Err(error.context("a device failed"));
    }
    let acknowledged = shared.acknowledged.load(Ordering::Relaxed);
    let stored = stored_rows(&api).await?;
    platform.process.stop(Duration::from_secs(120))?;
    latencies.sort_unstable();
    let in_window = shared.acknowledged_in_window.load(Ordering::Relaxed);

    println!("zhizao bench mqtt — embedded broker, QoS 1, the simulator's readings");
    println!(
        "machine: {} cores (devices and platform on the same machine)",
        cores()
    );
    println!(
        "  connections held      {} for {:.0} s",
        thousands(connected),
        held.as_secs_f64()
    );
    println!(
        "  messages              {:.0}/s while holding ({} acknowledged in all)",
        in_window as f64 / held.as_secs_f64().max(1e-9),
        thousands(acknowledged)
    );
    println!(
        "  platform memory       {:.0} MiB resident at most while holding",
        peak_rss as f64 / 1_048_576.0
    );
    println!(
        "  publish → PUBACK      p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (PUBACK follows durable and queryable)",
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        percentile(&latencies, 1.0).as_secs_f64() * 1e3
    );
    println!(
        "  stored rows           {} (every acknowledged reading: {})",
        thousands(stored),
        if stored == acknowledged { "yes" } else { "NO" }
    );
    if stored != acknowledged {
        bail!("{acknowledged} readings were acknowledged but {stored} are stored");
    }
    Ok(())
}
