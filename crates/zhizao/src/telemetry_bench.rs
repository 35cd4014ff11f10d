//! `zhizao bench ingest`, `zhizao bench disk` and `zhizao bench query`: the telemetry store's
//! figures, measured on this machine and printed with its core count.
//!
//! - ingest: InfluxDB line protocol over HTTP into a Zhizao platform started for the purpose
//!   (durable: each write is fsynced before it is answered), and the same bodies into InfluxDB
//!   1.x in the same run;
//! - disk: bytes per stored field value of the simulator's data after compaction, Zhizao's
//!   Parquet against InfluxDB's TSM;
//! - query: the latest values of every device from the last-value cache, one device's 1-minute
//!   averages over a day, and a full-table aggregate in field values per second.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use zhizao_demo::machines::{Machine, MachineKind};
use zhizao_demo::random::SplitMix64;
use zhizao_telemetry::{FieldValue, Point, QueryLimits, StoreOptions, TelemetryStore};

use crate::bench_support::{
    Influx, Platform, WorkArgs, cores, directory_bytes, http_client, influxd, post_all, thousands,
};

/// The benchmarks' database (InfluxDB 1.x `db`).
const DATABASE: &str = "bench";
/// Where the generated data starts: 2026-11-01T00:00:00Z.
const START_NS: i64 = 1_793_491_200_000_000_000;
const SECOND_NS: i64 = 1_000_000_000;

/// Options of `zhizao bench ingest`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct BenchIngestArgs {
    /// Points to write (each of 3 tags and 5 fields).
    #[arg(long, default_value_t = 2_000_000)]
    points: usize,
    /// Points per request.
    #[arg(long, default_value_t = 5_000)]
    batch: usize,
    /// Concurrent HTTP connections (as many writers as a city's factories would have at once;
    /// both databases get the same).
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// `auto` (influxd on the PATH), `off`, or the path of an influxd binary.
    #[arg(long, default_value = "auto")]
    influxdb: String,
    #[command(flatten)]
    work: WorkArgs,
}

/// Line-protocol bodies of `points` points of 3 tags and 5 fields (1,000 devices on 10 lines in
/// 2 plants, a reading per device per second), `batch` points per body.
fn ingest_bodies(points: usize, batch: usize) -> Vec<Bytes> {
    let mut random = SplitMix64::new(7);
    let mut bodies = Vec::with_capacity(points.div_ceil(batch));
    let mut body = String::with_capacity(batch * 160);
    let mut in_body = 0;
    for i in 0..points {
        let device = i % 1_000;
        let time = START_NS + (i / 1_000) as i64 * SECOND_NS;
        let temperature = 40.0 + random.unit() * 40.0;
        let vibration = random.unit() * 8.0;
        let power = 5.0 + random.unit() * 20.0;
        let rpm = 8_000 + random.below(6_000);
        let running = random.below(10) > 0;
        use std::fmt::Write;
        let _ = writeln!(
            body,
            "machine,device=cnc-{device:04},line=line-{:02},plant=plant-{} temperature={temperature:.2},vibration={vibration:.3},power_kw={power:.2},spindle_rpm={rpm}i,running={running} {time}",
            device % 10 + 1,
            device % 2 + 1,
        );
        in_body += 1;
        if in_body == batch {
            bodies.push(Bytes::from(std::mem::take(&mut body)));
            body.reserve(batch * 160);
            in_body = 0;
        }
    }
    if in_body > 0 {
        bodies.push(Bytes::from(body));
    }
    bodies
}

struct IngestFigure {
    seconds: f64,
    points_per_second: f64,
}

fn ingest_figure(points: usize, elapsed: Duration) -> IngestFigure {
    let seconds = elapsed.as_secs_f64();
    IngestFigure {
        seconds,
        points_per_second: points as f64 / seconds.max(1e-9),
    }
}

pub(crate) async fn ingest(args: BenchIngestArgs) -> anyhow::Result<()> {
    if args.points == 0 || args.batch == 0 || args.connections == 0 {
        bail!("--points, --batch and --connections must be at least 1");
    }
    let influxd = influxd(&args.influxdb)?;
    eprintln!(
        "generating {} points in bodies of {}…",
        thousands(args.points as u64),
        args.batch
    );
    let bodies = Arc::new(ingest_bodies(args.points, args.batch));
    let bytes: usize = bodies.iter().map(Bytes::len).sum();
    let work = args.work.directory("ingest")?;
    let client = http_client();

    eprintln!("starting Zhizao…");
    let mut platform = Platform::start(&work.path().join("zhizao"), false).await?;
    let authorization = format!("Token {}", platform.token);
    let url = format!("{}/write?db={DATABASE}&precision=ns", platform.base);
    eprintln!("writing to Zhizao…");
    let elapsed = post_all(
        &client,
        &url,
        Some(&authorization),
        &bodies,
        args.connections,
    )
    .await?;
    let zhizao = ingest_figure(args.points, elapsed);
    platform.process.stop(Duration::from_secs(120))?;

    let influx = match influxd {
        Some(influxd) => {
            eprintln!("starting InfluxDB ({})…", influxd.display());
            let mut influx = Influx::start(&influxd, &work.path().join("influxdb")).await?;
            influx
                .statement(&client, &format!("CREATE DATABASE {DATABASE}"))
                .await?;
            eprintln!("writing to InfluxDB…");
            let url = format!("{}/write?db={DATABASE}&precision=ns", influx.base);
            let elapsed = post_all(&client, &url, None, &bodies, args.connections).await?;
            influx.process.stop(Duration::from_secs(60))?;
            Some(ingest_figure(args.points, elapsed))
        }
        None => None,
    };

    println!("zhizao bench ingest — HTTP line protocol, durable (fsync before the answer)");
    println!(
        "machine: {} cores; {} points of 3 tags and 5 fields in {} requests of {} points \
         ({:.1} MB), {} connections",
        cores(),
        thousands(args.points as u64),
        bodies.len(),
        args.batch,
        bytes as f64 / 1e6,
        args.connections
    );
    println!(
        "  Zhizao       {:>12} points/s  ({:.2} s)",
        thousands(zhizao.points_per_second as u64),
        zhizao.seconds
    );
    if let Some(influx) = &influx {
        println!(
            "  InfluxDB 1.x {:>12} points/s  ({:.2} s)",
            thousands(influx.points_per_second as u64),
            influx.seconds
        );
        println!(
            "  ratio        {:>12.2} × InfluxDB",
            zhizao.points_per_second / influx.points_per_second
        );
    }
    Ok(())
}

/// Options of `zhizao bench disk`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct BenchDiskArgs {
    /// Simulated devices (CNC machines, polishing robots, cutting lines, air conditioners).
    #[arg(long, default_value_t = 300)]
    devices: usize,
    /// Hours of readings.
    #[arg(long, default_value_t = 24)]
    hours: u32,
    /// Seconds between a device's readings.
    #[arg(long, default_value_t = 60)]
    interval: u32,
    /// `auto` (influxd on the PATH), `off`, or the path of an influxd binary.
    #[arg(long, default_value = "auto")]
    influxdb: String,
    #[command(flatten)]
    work: WorkArgs,
}

/// The simulator's readings as line protocol (one table per kind of machine, the device as the
/// tag, each field in its profile's type), in bodies of about 5,000 lines, and the number of
/// field values.
fn simulator_bodies(devices: usize, hours: u32, interval: u32) -> (Vec<Bytes>, u64) {
    let mut random = SplitMix64::new(11);
    let readings = u64::from(hours) * 3600 / u64::from(interval.max(1));
    let mut bodies = Vec::new();
    let mut body = String::new();
    let mut lines = 0;
    let mut values = 0u64;
    for index in 0..devices {
        let kind = MachineKind::ALL[index % MachineKind::ALL.len()];
        let types = kind.telemetry();
        let mut machine = Machine::new(kind, random.next_u64());
        let name = format!("{}-{:04}", kind.profile().replace('_', "-"), index + 1);
        for reading in 0..readings {
            let time = START_NS + (reading * u64::from(interval)) as i64 * SECOND_NS;
            let step = machine.step(f64::from(interval));
            let mut fields = Vec::new();
            for (field, field_type, _, _) in types {
                let Some(value) = step.get(*field) else {
                    continue;
                };
                let text = match (*field_type, value) {
                    ("float", v) => v.as_f64().map(|f| format!("{f}")),
                    ("integer", v) => v.as_f64().map(|f| format!("{}i", f.round() as i64)),
                    ("boolean", v) => v.as_bool().map(|b| b.to_string()),
                    (_, v) => v
                        .as_str()
                        .map(|s| format!("\"{}\"", s.replace('"', "\\\""))),
                };
                if let Some(text) = text {
                    fields.push(format!("{field}={text}"));
                }
            }
            if fields.is_empty() {
                continue;
            }
            values += fields.len() as u64;
            body.push_str(&format!(
                "{},device={name} {} {time}\n",
                kind.profile(),
                fields.join(",")
            ));
            lines += 1;
            if lines == 5_000 {
                bodies.push(Bytes::from(std::mem::take(&mut body)));
                lines = 0;
            }
        }
    }
    if lines > 0 {
        bodies.push(Bytes::from(body));
    }
    (bodies, values)
}

/// Writes line-protocol bodies straight into a store (as the HTTP endpoint would after parsing).
async fn write_bodies(store: &TelemetryStore, tenant: i64, bodies: &[Bytes]) -> anyhow::Result<()> {
    for body in bodies {
        let text = std::str::from_utf8(body)?;
        let points = zhizao_telemetry::line_protocol::parse(
            text,
            zhizao_telemetry::Precision::Nanoseconds,
            0,
        )
        .map_err(|errors| anyhow::anyhow!("{errors}"))?;
        store.write(tenant, DATABASE, points).await?;
        store.persist(false).await?;
    }
    Ok(())
}

/// Waits until InfluxDB's data directory stops changing (its cold shards fully compacted).
async fn settle(directory: &Path, limit: Duration) -> u64 {
    let deadline = Instant::now() + limit;
    let mut last = u64::MAX;
    let mut stable_since = Instant::now();
    loop {
        let size = directory_bytes(directory, &|_| true);
        let busy = directory_bytes(directory, &|p| p.extension().is_some_and(|e| e == "tmp")) > 0;
        if size != last || busy {
            last = size;
            stable_since = Instant::now();
        } else if stable_since.elapsed() >= Duration::from_secs(10) {
            return size;
        }
        if Instant::now() > deadline {
            eprintln!("InfluxDB was still compacting after {limit:?}; measuring as it is");
            return size;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

pub(crate) async fn disk(args: BenchDiskArgs) -> anyhow::Result<()> {
    if args.devices == 0 || args.hours == 0 || args.interval == 0 {
        bail!("--devices, --hours and --interval must be at least 1");
    }
    let influxd = influxd(&args.influxdb)?;
    eprintln!("simulating {} devices for {} h…", args.devices, args.hours);
    let (bodies, values) = simulator_bodies(args.devices, args.hours, args.interval);
    let work = args.work.directory("disk")?;

    eprintln!("writing to Zhizao's store, persisting and compacting…");
    let root = work.path().join("zhizao");
    let store = TelemetryStore::open(StoreOptions::new(root.clone()))?;
    write_bodies(&store, 1, &bodies).await?;
    store.persist(true).await?;
    let report = store.compact(true).await?;
    tracing::info!(?report, "compacted");
    let summary = store.databases(1);
    let zhizao_bytes: u64 = summary
        .iter()
        .flat_map(|d| d.tables.iter())
        .map(|t| t.stored_bytes)
        .sum();
    let files: usize = summary
        .iter()
        .flat_map(|d| d.tables.iter())
        .map(|t| t.files)
        .sum();
    drop(store);

    let influx_bytes = match influxd {
        Some(influxd) => {
            eprintln!("writing to InfluxDB and waiting for its compaction…");
            let client = http_client();
            let mut influx = Influx::start(&influxd, &work.path().join("influxdb")).await?;
            influx
                .statement(&client, &format!("CREATE DATABASE {DATABASE}"))
                .await?;
            let url = format!("{}/write?db={DATABASE}&precision=ns", influx.base);
            post_all(&client, &url, None, &Arc::new(bodies.clone()), 2).await?;
            let all = settle(&influx.data_dir, Duration::from_secs(300)).await;
            let tsm = directory_bytes(&influx.data_dir, &|p| {
                p.extension().is_some_and(|e| e == "tsm")
            });
            influx.process.stop(Duration::from_secs(60))?;
            Some((tsm, all))
        }
        None => None,
    };

    println!("zhizao bench disk — the simulator's data after compaction");
    println!(
        "machine: {} cores; {} devices, {} h at {} s: {} field values",
        cores(),
        args.devices,
        args.hours,
        args.interval,
        thousands(values)
    );
    println!(
        "  Zhizao (Parquet, {files} files)  {:>14} bytes  {:.3} bytes/value",
        thousands(zhizao_bytes),
        zhizao_bytes as f64 / values as f64
    );
    if let Some((tsm, all)) = influx_bytes {
        println!(
            "  InfluxDB 1.x TSM files          {:>14} bytes  {:.3} bytes/value",
            thousands(tsm),
            tsm as f64 / values as f64
        );
        println!(
            "  InfluxDB 1.x data directory     {:>14} bytes  {:.3} bytes/value (TSM, series file, index)",
            thousands(all),
            all as f64 / values as f64
        );
        println!(
            "  ratio                           {:>14.2} × InfluxDB's TSM files",
            zhizao_bytes as f64 / tsm as f64
        );
    }
    Ok(())
}

/// Options of `zhizao bench query`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct BenchQueryArgs {
    /// Devices with a latest value (the last-value cache figure).
    #[arg(long, default_value_t = 60_000)]
    devices: usize,
    /// Devices with a day of history (the series and full-table figures).
    #[arg(long, default_value_t = 1_000)]
    history_devices: usize,
    /// Seconds between readings in the history.
    #[arg(long, default_value_t = 10)]
    interval: u32,
    /// Repetitions of each query (the median and the worst are reported).
    #[arg(long, default_value_t = 20)]
    repeat: usize,
    #[command(flatten)]
    work: WorkArgs,
}

fn reading(table: &str, device: &str, time_ns: i64, random: &mut SplitMix64) -> Point {
    Point {
        measurement: table.to_owned(),
        tags: vec![("device".into(), device.to_owned())],
        fields: vec![
            (
                "temperature".into(),
                FieldValue::Float(40.0 + random.unit() * 40.0),
            ),
            ("vibration".into(), FieldValue::Float(random.unit() * 8.0)),
            (
                "power_kw".into(),
                FieldValue::Float(5.0 + random.unit() * 20.0),
            ),
            (
                "spindle_rpm".into(),
                FieldValue::Integer(8_000 + random.below(6_000) as i64),
            ),
            ("running".into(), FieldValue::Boolean(random.below(10) > 0)),
        ],
        time_ns,
    }
}

struct Timings(Vec<Duration>);

impl Timings {
    fn median(&self) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort();
        sorted[sorted.len() / 2]
    }

    fn worst(&self) -> Duration {
        self.0.iter().copied().max().unwrap_or_default()
    }
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

pub(crate) async fn query(args: BenchQueryArgs) -> anyhow::Result<()> {
    if args.devices == 0 || args.history_devices == 0 || args.interval == 0 || args.repeat == 0 {
        bail!("--devices, --history-devices, --interval and --repeat must be at least 1");
    }
    let work = args.work.directory("query")?;
    let store = TelemetryStore::open(StoreOptions::new(work.path().join("telemetry")))
        .context("opening the store")?;
    let mut random = SplitMix64::new(3);
    let tenant = 1;

    eprintln!("writing the latest values of {} devices…", args.devices);
    let now = START_NS + 86_400 * SECOND_NS;
    for chunk in (0..args.devices).collect::<Vec<_>>().chunks(5_000) {
        let points = chunk
            .iter()
            .map(|d| {
                reading(
                    "product",
                    &format!("ac-{d:05}"),
                    now - (*d as i64) * 1_000,
                    &mut random,
                )
            })
            .collect();
        store.write(tenant, DATABASE, points).await?;
    }
    let mut latest = Vec::new();
    let mut rows = 0;
    for _ in 0..args.repeat {
        let started = Instant::now();
        let values = store.latest_by_device(tenant, DATABASE, "product");
        latest.push(started.elapsed());
        rows = values.len();
    }
    if rows != args.devices {
        bail!(
            "the last-value cache returned {rows} devices, not {}",
            args.devices
        );
    }

    let readings = 86_400 / i64::from(args.interval);
    eprintln!(
        "writing a day of readings every {} s from {} devices ({} points) and compacting…",
        args.interval,
        args.history_devices,
        thousands((readings as u64) * args.history_devices as u64)
    );
    // Minute by minute across all devices, as they would arrive.
    let mut batch = Vec::with_capacity(50_000);
    for step in 0..readings {
        let time = START_NS + step * i64::from(args.interval) * SECOND_NS;
        for device in 0..args.history_devices {
            batch.push(reading(
                "machine",
                &format!("cnc-{device:04}"),
                time,
                &mut random,
            ));
        }
        if batch.len() >= 50_000 {
            store
                .write(tenant, DATABASE, std::mem::take(&mut batch))
                .await?;
            store.persist(false).await?;
        }
    }
    store.write(tenant, DATABASE, batch).await?;
    store.persist(true).await?;
    store.compact(true).await?;

    let device = format!("cnc-{:04}", args.history_devices / 2);
    let series_sql = format!(
        "SELECT date_bin(INTERVAL '1 minute', time) AS t, avg(temperature) AS temperature \
         FROM machine WHERE device = '{device}' AND time >= to_timestamp_nanos({START_NS}) \
         AND time < to_timestamp_nanos({}) GROUP BY t ORDER BY t",
        START_NS + 86_400 * SECOND_NS
    );
    let mut series = Vec::new();
    for _ in 0..args.repeat {
        let started = Instant::now();
        let output = store
            .query(tenant, DATABASE, &series_sql, QueryLimits::default())
            .await?;
        series.push(started.elapsed());
        if output.rows() != 1_440 {
            bail!(
                "the day of 1-minute averages has {} rows, not 1440",
                output.rows()
            );
        }
    }

    let aggregate_sql = "SELECT count(*), avg(temperature), max(vibration), sum(power_kw), \
                         avg(spindle_rpm), count(running) FROM machine";
    let stored_values = (readings as u64) * args.history_devices as u64 * 5;
    let mut aggregate = Vec::new();
    for _ in 0..args.repeat.min(5) {
        let started = Instant::now();
        store
            .query(tenant, DATABASE, aggregate_sql, QueryLimits::default())
            .await?;
        aggregate.push(started.elapsed());
    }

    let latest = Timings(latest);
    let series = Timings(series);
    let aggregate = Timings(aggregate);
    println!("zhizao bench query — in-process, after persisting and compacting");
    println!("machine: {} cores", cores());
    println!(
        "  latest values of all {} devices (last-value cache): median {:.2} ms, worst {:.2} ms",
        thousands(args.devices as u64),
        milliseconds(latest.median()),
        milliseconds(latest.worst())
    );
    println!(
        "  one device's 1-minute averages over a day ({} devices stored): median {:.2} ms, worst {:.2} ms",
        thousands(args.history_devices as u64),
        milliseconds(series.median()),
        milliseconds(series.worst())
    );
    println!(
        "  full-table aggregate over {} field values: median {:.0} ms = {} values/s",
        thousands(stored_values),
        milliseconds(aggregate.median()),
        thousands((stored_values as f64 / aggregate.median().as_secs_f64()) as u64)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_bodies_are_valid_line_protocol_of_the_stated_size() {
        let bodies = ingest_bodies(2_500, 1_000);
        assert_eq!(bodies.len(), 3);
        let mut points = 0;
        for body in &bodies {
            let parsed = zhizao_telemetry::line_protocol::parse(
                std::str::from_utf8(body).unwrap(),
                zhizao_telemetry::Precision::Nanoseconds,
                0,
            )
            .unwrap();
            assert!(
                parsed
                    .iter()
                    .all(|p| p.tags.len() == 3 && p.fields.len() == 5)
            );
            points += parsed.len();
        }
        assert_eq!(points, 2_500);

        let (bodies, values) = simulator_bodies(8, 1, 60);
        let mut counted = 0u64;
        for body in &bodies {
            let parsed = zhizao_telemetry::line_protocol::parse(
                std::str::from_utf8(body).unwrap(),
                zhizao_telemetry::Precision::Nanoseconds,
                0,
            )
            .unwrap();
            counted += parsed.iter().map(|p| p.fields.len() as u64).sum::<u64>();
        }
        assert_eq!(counted, values);
        assert!(values > 8 * 60 * 4, "{values}");
    }
}
