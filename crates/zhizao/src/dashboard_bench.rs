//! `zhizao bench dashboard`: the city's dashboard over the demo data scaled to a city (by
//! default 10,000 enterprises, 50,000 project applications and 60,000 devices): the whole
//! city's figures once warm, and drill-downs to a year, a town and both, as the city's staff ask
//! for them over the API (the page renders the same composition).

use std::time::{Duration, Instant};

use anyhow::bail;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};

use crate::bench_support::{
    HttpClient, Platform, WorkArgs, command_line_token, http_client, thousands,
};

/// Options of `zhizao bench dashboard`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct BenchDashboardArgs {
    /// Enterprises in the scaled city (the demo's 1,500, copied).
    #[arg(long, default_value_t = 10_000)]
    enterprises: u32,
    /// Project applications (the demo's, copied across the enterprises' copies).
    #[arg(long, default_value_t = 50_000)]
    projects: u32,
    /// Connected devices (the demo's, copied).
    #[arg(long, default_value_t = 60_000)]
    devices: u32,
    /// Timed requests of each kind.
    #[arg(long, default_value_t = 20)]
    rounds: u32,
    #[command(flatten)]
    work: WorkArgs,
}

async fn get(client: &HttpClient, base: &str, token: &str, path: &str) -> anyhow::Result<Duration> {
    let request = hyper::Request::builder()
        .uri(format!("{base}{path}"))
        .header("Authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::new()))?;
    let started = Instant::now();
    let response = client.request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    let took = started.elapsed();
    if !status.is_success() {
        bail!("{path}: {status}: {}", String::from_utf8_lossy(&body));
    }
    Ok(took)
}

fn millis(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

pub(crate) async fn dashboard(args: BenchDashboardArgs) -> anyhow::Result<()> {
    if args.rounds == 0 || args.rounds > 10_000 {
        bail!("--rounds must be 1 to 10000");
    }
    let work = args.work.directory("zhizao-dashboard")?;
    println!("Preparing the platform (the demo data set)…");
    let mut platform = Platform::start(work.path(), false).await?;
    let url = format!("sqlite://{}", work.path().join("zhizao.sqlite3").display());
    let db = zhizao_db::Database::connect(&url, zhizao_db::PoolSettings::default()).await?;
    println!("Scaling the demo by copying its enterprises, applications and devices…");
    let started = Instant::now();
    let scaled =
        zhizao_demo::scale::scale(&db, args.enterprises, args.projects, args.devices).await?;
    db.close().await;
    println!(
        "Scaled in {:.0} s: {} enterprises, {} project applications, {} devices",
        started.elapsed().as_secs_f64(),
        thousands(scaled.enterprises),
        thousands(scaled.applications),
        thousands(scaled.devices)
    );

    let token = command_line_token(work.path(), "city.staff", "bench")?;
    let client = http_client();
    let base = platform.base.clone();
    // Warm: the database's pages in memory, the connections open.
    for _ in 0..3 {
        get(&client, &base, &token, "/api/v1/dashboard").await?;
    }
    let kinds: [(&str, &[&str]); 4] = [
        ("the whole city", &["/api/v1/dashboard"]),
        (
            "a year",
            &["/api/v1/dashboard?year=2019", "/api/v1/dashboard?year=2018"],
        ),
        (
            "a town",
            &[
                "/api/v1/dashboard?town=442000118",
                "/api/v1/dashboard?town=442000111",
                "/api/v1/dashboard?town=442000105",
            ],
        ),
        (
            "a town in a year",
            &[
                "/api/v1/dashboard?town=442000118&year=2019",
                "/api/v1/dashboard?town=442000003&year=2018",
            ],
        ),
    ];
    println!(
        "{:<18} {:>8} {:>8} {:>8}   (warm, {} requests each, one at a time)",
        "dashboard of", "p50", "p95", "max", args.rounds
    );
    for (name, paths) in kinds {
        let mut took = Vec::new();
        for round in 0..args.rounds as usize {
            took.push(get(&client, &base, &token, paths[round % paths.len()]).await?);
        }
        took.sort();
        let at = |q: f64| took[((took.len() - 1) as f64 * q).round() as usize];
        println!(
            "{name:<18} {:>8} {:>8} {:>8}",
            millis(at(0.5)),
            millis(at(0.95)),
            millis(at(1.0))
        );
    }
    platform.process.stop(Duration::from_secs(10))?;
    Ok(())
}
