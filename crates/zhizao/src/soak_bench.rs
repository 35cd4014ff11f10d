//! `zhizao bench soak`: a platform under everything at once for a long while — a simulated
//! fleet publishing over MQTT, API users reading, the polishing centre's planner asked for a
//! plan every minute — printing, at each sample, the platform's memory, open files and threads
//! and the requests' latencies, so that growth over time shows (flat is the goal).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use tokio::sync::Mutex;

use crate::bench_support::{
    ChildProcess, HttpClient, Platform, WorkArgs, command_line_token, http_client, resident_bytes,
};

/// Options of `zhizao bench soak`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct BenchSoakArgs {
    /// How long to run.
    #[arg(long, default_value_t = 60)]
    minutes: u64,
    /// Simulated machines publishing over MQTT.
    #[arg(long, default_value_t = 200)]
    devices: u32,
    /// Seconds between a machine's messages.
    #[arg(long, default_value_t = 1.0)]
    interval: f64,
    /// API users, each sending its next request as soon as the last is answered.
    #[arg(long, default_value_t = 4)]
    users: usize,
    /// Seconds between samples (one printed line each).
    #[arg(long, default_value_t = 60)]
    sample_seconds: u64,
    #[command(flatten)]
    work: WorkArgs,
}

/// What the API users ask, in turn: lists, a device's readings, a SQL aggregate, requests.
const READS: &[(&str, &str)] = &[
    ("GET", "/api/v1/devices?page_size=50"),
    ("POST", "/api/v1/query"),
    ("GET", "/api/v1/service-requests"),
    ("GET", "/api/v1/enterprises?page_size=20"),
];

/// The users' SQL: the last five minutes of the fleet's readings, per machine.
const QUERY: &str = r#"{"sql": "SELECT device, count(*) AS n, avg(power_kw) AS power FROM cnc_machine WHERE time > now() - INTERVAL '5 minutes' GROUP BY device"}"#;

/// Latencies and failures of one sample window.
#[derive(Default)]
struct Window {
    latencies: Vec<Duration>,
    failures: u64,
    /// How long the plans asked for in this window took (apart: each searches for seconds).
    plans: Vec<Duration>,
}

impl Window {
    /// Records one answer; a failure is also counted by request and status for the summary.
    fn record(
        &mut self,
        took: Duration,
        status: u16,
        request: &str,
        failed: &mut BTreeMap<String, u64>,
    ) {
        self.latencies.push(took);
        if !(200..300).contains(&status) {
            self.failures += 1;
            *failed.entry(format!("{request} → {status}")).or_default() += 1;
        }
    }
}

pub(crate) async fn soak(args: BenchSoakArgs) -> anyhow::Result<()> {
    if !(1..=24 * 60).contains(&args.minutes) {
        bail!("--minutes must be 1 to 1440");
    }
    if args.sample_seconds == 0 || args.users == 0 || args.users > 256 {
        bail!("--sample-seconds must be at least 1 and --users 1 to 256");
    }
    let work = args.work.directory("zhizao-soak")?;
    println!("Preparing the platform (the demo's registry and users)…");
    let mut platform = Platform::start(work.path(), true).await?;
    let mqtt = platform.mqtt.context("the embedded broker")?;
    let planner_token = command_line_token(work.path(), "polishing", "soak")?;

    let total = Duration::from_secs(args.minutes * 60);
    let mut fleet = ChildProcess::spawn(
        "zhizao simulate",
        std::process::Command::new(std::env::current_exe()?)
            .args([
                "simulate",
                "--mqtt",
                &mqtt.to_string(),
                "--api",
                &platform.base,
            ])
            .args(["--devices", &args.devices.to_string()])
            .args(["--interval", &args.interval.to_string()])
            .args([
                "--duration",
                // Longer than the soak (the warm-up comes first); stopped when it ends.
                &(total.as_secs() + 600).to_string(),
                "--prefix",
                "soak",
            ])
            .env("ZHIZAO_TOKEN", &platform.token)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(work.path().join("simulate.log"))?),
    )?;

    let client = http_client();
    // The fleet registers its machines and sends its first readings before the users ask.
    let warming = Instant::now();
    loop {
        let (status, _) = call(
            &client,
            &platform.base,
            &platform.token,
            "POST",
            "/api/v1/query",
            Some(QUERY),
            None,
        )
        .await;
        if status == 200 {
            break;
        }
        fleet.check_running()?;
        if warming.elapsed() > Duration::from_secs(120) {
            bail!("the fleet's readings did not become queryable within 2 minutes (last {status})");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let window = Arc::new(Mutex::new(Window::default()));
    let failed: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let stopping = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for user in 0..args.users {
        let (client, base, token) = (
            client.clone(),
            platform.base.clone(),
            platform.token.clone(),
        );
        let (window, stopping, failed) = (
            Arc::clone(&window),
            Arc::clone(&stopping),
            Arc::clone(&failed),
        );
        tasks.push(tokio::spawn(async move {
            let mut turn = user;
            while !stopping.load(Ordering::Relaxed) {
                let (method, path) = READS[turn % READS.len()];
                turn += 1;
                let body = (method == "POST").then_some(QUERY);
                let started = Instant::now();
                let (status, _) = call(&client, &base, &token, method, path, body, None).await;
                let took = started.elapsed();
                let mut failed = failed.lock().await;
                window
                    .lock()
                    .await
                    .record(took, status, &format!("{method} {path}"), &mut failed);
            }
        }));
    }
    let planner = {
        let (client, base) = (client.clone(), platform.base.clone());
        let (window, stopping, failed) = (
            Arc::clone(&window),
            Arc::clone(&stopping),
            Arc::clone(&failed),
        );
        tokio::spawn(async move {
            // The latest plan version, sent as If-Match as the planning page does.
            let (_, listed) = call(
                &client,
                &base,
                &planner_token,
                "GET",
                "/api/v1/factories/robot-polishing/plans",
                None,
                None,
            )
            .await;
            let mut latest = listed.filter(|etag| etag != "\"0\"");
            while !stopping.load(Ordering::Relaxed) {
                let started = Instant::now();
                let (status, etag) = call(
                    &client,
                    &base,
                    &planner_token,
                    "POST",
                    "/api/v1/factories/robot-polishing/plans",
                    Some("{}"),
                    latest.as_deref(),
                )
                .await;
                if etag.is_some() {
                    latest = etag;
                }
                let took = started.elapsed();
                let mut failed = failed.lock().await;
                let mut window = window.lock().await;
                window.plans.push(took);
                window.failures += u64::from(!(200..300).contains(&status));
                if !(200..300).contains(&status) {
                    *failed.entry(format!("POST plans → {status}")).or_default() += 1;
                }
                drop((window, failed));
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
        })
    };

    println!(
        "Soak: {} simulated machines every {} s over MQTT, {} API users, a plan a minute, for {} min; a line every {} s.",
        args.devices, args.interval, args.users, args.minutes, args.sample_seconds
    );
    println!(
        "{:>7} {:>9} {:>6} {:>8} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8}",
        "minute",
        "RSS MB",
        "files",
        "threads",
        "requests",
        "p50 ms",
        "p99 ms",
        "max ms",
        "plan s",
        "failed"
    );
    let pid = platform.process.pid();
    let started = Instant::now();
    let mut first: Option<(u64, usize, f64)> = None;
    let mut last = (0, 0, 0.0);
    while started.elapsed() < total {
        tokio::time::sleep(Duration::from_secs(args.sample_seconds).min(total - started.elapsed()))
            .await;
        platform.process.check_running()?;
        let Window {
            mut latencies,
            failures,
            plans,
        } = std::mem::take(&mut *window.lock().await);
        latencies.sort();
        let at = |q: f64| {
            latencies
                .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
                .map_or(0.0, |d| d.as_secs_f64() * 1e3)
        };
        let rss = resident_bytes(pid).unwrap_or(0);
        let files = count_entries(&format!("/proc/{pid}/fd"));
        let threads = count_entries(&format!("/proc/{pid}/task"));
        println!(
            "{:>7.1} {:>9.1} {:>6} {:>8} {:>9} {:>9.1} {:>9.1} {:>9.1} {:>8} {:>8}",
            started.elapsed().as_secs_f64() / 60.0,
            rss as f64 / 1e6,
            files,
            threads,
            latencies.len(),
            at(0.5),
            at(0.99),
            latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
            plans
                .iter()
                .max()
                .map_or("-".to_owned(), |d| format!("{:.1}", d.as_secs_f64())),
            failures
        );
        let sample = (rss, files, at(0.99));
        first.get_or_insert(sample);
        last = sample;
    }
    stopping.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    planner.abort();
    let _ = fleet.stop(Duration::from_secs(10));
    platform.process.stop(Duration::from_secs(30))?;
    if let Some((rss, files, p99)) = first {
        println!(
            "from the first sample to the last: RSS {:.1} → {:.1} MB, open files {files} → {}, p99 {p99:.1} → {:.1} ms",
            rss as f64 / 1e6,
            last.0 as f64 / 1e6,
            last.1,
            last.2
        );
    }
    for (request, count) in failed.lock().await.iter() {
        println!("failed: {request} ×{count}");
    }
    Ok(())
}

/// One request as the holder of `token` (with `If-Match` when given); its status (0 when it got
/// no answer) and the answer's ETag.
async fn call(
    client: &HttpClient,
    base: &str,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
    if_match: Option<&str>,
) -> (u16, Option<String>) {
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(format!("{base}{path}"))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json");
    if let Some(version) = if_match {
        request = request.header("If-Match", version);
    }
    let Ok(request) = request.body(Full::new(Bytes::from(body.unwrap_or("").to_owned()))) else {
        return (0, None);
    };
    match client.request(request).await {
        Ok(response) => {
            let status = response.status().as_u16();
            let etag = response
                .headers()
                .get("ETag")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let _ = response.into_body().collect().await;
            (status, etag)
        }
        Err(_) => (0, None),
    }
}

fn count_entries(directory: &str) -> usize {
    std::fs::read_dir(directory).map_or(0, |entries| entries.count())
}
