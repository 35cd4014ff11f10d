//! `zhizao bench oee`: the polishing centre's OEE over a month of its 72 robots' one-second
//! reports. The demo's set-up (7 lines, 72 robots bound to devices, one calendar) and generated
//! reports (state, cumulative good and scrap counters, alarm codes; running, set-up, idle and
//! faults with the counters at the routing's pace, reboots now and then) are written into a
//! telemetry store of their own and made Parquet; then the report is computed cold (every day
//! read from the store once) and warm (settled days from memory), by resource and day, by line
//! and week, and by platform and shift.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use zhizao_demo::random::SplitMix64;
use zhizao_factory::performance::{Bucket, Grouping, OeeRequest, report};
use zhizao_factory::setup::{local_day, parse_local};
use zhizao_factory::signals::{ActivityCache, DeviceKey};
use zhizao_telemetry::{FieldValue, Point, StoreOptions, TelemetryStore};

use crate::bench_support::{WorkArgs, cores, thousands};

/// Options of `zhizao bench oee`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct BenchOeeArgs {
    /// Days of reports (ending the day before the report is asked for).
    #[arg(long, default_value_t = 30)]
    days: i64,
    /// Seconds between a robot's reports.
    #[arg(long, default_value_t = 1)]
    interval: i64,
    /// Warm runs of each report (the median and the worst are printed).
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    #[command(flatten)]
    work: WorkArgs,
}

const TENANT: i64 = 1;
const DATABASE: &str = "bench";
const TABLE: &str = "polishing_robot";

/// One robot's generator: a state with the seconds it has left, counters and the part of a
/// piece under way.
struct Robot {
    random: SplitMix64,
    state: &'static str,
    left: i64,
    alarm: i64,
    good: i64,
    scrap: i64,
    progress: f64,
    cycle: f64,
}

impl Robot {
    fn new(seed: u64, cycle: f64) -> Self {
        Robot {
            random: SplitMix64::new(seed),
            state: "idle",
            left: 0,
            alarm: 0,
            good: 0,
            scrap: 0,
            progress: 0.0,
            cycle,
        }
    }

    /// Advances `seconds`; `working` says whether the calendar has the robot at work.
    fn step(&mut self, seconds: i64, working: bool) {
        if !working {
            self.state = "off";
            self.left = 0;
            return;
        }
        self.left -= seconds;
        if self.left <= 0 {
            let next = self.random.unit();
            (self.state, self.left) = match self.state {
                "running" if next < 0.03 => {
                    self.alarm = *self.random.pick(&[11, 11, 12, 21, 31, 32]);
                    ("fault", 300 + self.random.below(1_200) as i64)
                }
                "running" => ("idle", 60 + self.random.below(600) as i64),
                "idle" if next < 0.3 => ("setup", 600 + self.random.below(1_200) as i64),
                _ => ("running", 1_200 + self.random.below(4_800) as i64),
            };
            // A reboot now and then: the counters start again from zero.
            if self.state == "fault" && self.random.unit() < 0.2 {
                self.good = 0;
                self.scrap = 0;
            }
        }
        if self.state == "running" {
            self.progress += seconds as f64 / self.cycle * (0.85 + 0.1 * self.random.unit());
            while self.progress >= 1.0 {
                self.progress -= 1.0;
                if self.random.unit() < 0.02 {
                    self.scrap += 1;
                } else {
                    self.good += 1;
                }
            }
        }
    }

    fn point(&self, device: &str, at_ms: i64) -> Point {
        let mut fields = vec![
            (
                "state".to_owned(),
                FieldValue::String(self.state.to_owned()),
            ),
            ("good".to_owned(), FieldValue::Integer(self.good)),
            ("scrap".to_owned(), FieldValue::Integer(self.scrap)),
        ];
        if self.state == "fault" {
            fields.push(("alarm".to_owned(), FieldValue::Integer(self.alarm)));
        }
        Point {
            measurement: TABLE.to_owned(),
            tags: vec![("device".to_owned(), device.to_owned())],
            fields,
            time_ns: at_ms * 1_000_000,
        }
    }
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

pub(crate) async fn oee(args: BenchOeeArgs) -> anyhow::Result<()> {
    if args.days < 1 || args.days > 400 || args.interval < 1 || args.repeat < 1 {
        bail!("--days must be 1 to 400, --interval and --repeat at least 1");
    }
    let first = parse_local("2026-11-02 00:00").context("the benchmark's start")?;
    let (first_day, _) = local_day(first);
    let end_ms = first.as_millis() + args.days * 86_400_000;
    // Asked the morning after the last day, once every day has settled.
    let now = end_ms + 86_400_000;
    let (setup, _) = zhizao_demo::polishing_centre(zhizao_core::Timestamp::from_millis(now));
    let periods = setup.calendar.working_periods();
    let mut robots: Vec<(String, Robot)> = Vec::new();
    let mut devices: HashMap<String, DeviceKey> = HashMap::new();
    for (index, resource) in setup.resources.iter().enumerate() {
        for name in &resource.devices {
            robots.push((name.clone(), Robot::new(index as u64 + 1, 60.0)));
            devices.insert(
                name.clone(),
                DeviceKey {
                    tenant: TENANT,
                    database: DATABASE.into(),
                    table: TABLE.into(),
                    device: name.clone(),
                },
            );
        }
    }
    let work = args.work.directory("oee")?;
    let store = TelemetryStore::open(StoreOptions::new(work.path().join("telemetry")))
        .context("opening the store")?;
    println!(
        "machine: {} logical cores; {} robots, {} days of reports every {} s",
        cores(),
        robots.len(),
        args.days,
        args.interval
    );
    let started = Instant::now();
    let mut written: u64 = 0;
    let mut batch = Vec::with_capacity(100_000);
    for day in 0..args.days {
        let date = first_day + time::Duration::days(day);
        let works = setup.calendar.works_on(date);
        let midnight = first.as_millis() + day * 86_400_000;
        for second in (0..86_400).step_by(args.interval as usize) {
            let minute = second / 60;
            let working = works && periods.iter().any(|(s, e)| (*s..*e).contains(&minute));
            let at = midnight + second * 1_000;
            for (name, robot) in &mut robots {
                robot.step(args.interval, working);
                batch.push(robot.point(name, at));
            }
            if batch.len() >= 100_000 {
                written += batch.len() as u64;
                store
                    .write(TENANT, DATABASE, std::mem::take(&mut batch))
                    .await?;
                store.persist(false).await?;
            }
        }
        eprintln!(
            "day {}/{}: {} reports so far, {:.0} s",
            day + 1,
            args.days,
            thousands(written),
            started.elapsed().as_secs_f64()
        );
    }
    written += batch.len() as u64;
    store.write(TENANT, DATABASE, batch).await?;
    store.persist(true).await?;
    store.compact(true).await?;
    let generated = started.elapsed();
    println!(
        "written: {} reports ({} rows a robot a day) in {:.0} s, Parquet and compacted",
        thousands(written),
        thousands((86_400 / args.interval) as u64),
        generated.as_secs_f64()
    );
    let last_day = first_day + time::Duration::days(args.days - 1);
    let cache = ActivityCache::default();
    let requests = [
        ("by robot and day", Grouping::Resource, Bucket::Day),
        ("by line and week", Grouping::Line, Bucket::Week),
        ("platform by shift", Grouping::Platform, Bucket::Shift),
    ];
    for (index, (label, grouping, bucket)) in requests.into_iter().enumerate() {
        let request = OeeRequest {
            from: first_day,
            to: last_day,
            grouping,
            bucket,
        };
        if index == 0 {
            let started = Instant::now();
            let cold = report(
                &store,
                &cache,
                &setup,
                &devices,
                &HashMap::new(),
                request,
                now,
            )
            .await?;
            let figures = cold.total.figures();
            println!(
                "cold (every day read from the store once): {:.2} s; platform OEE {:.1} %, availability {:.1} %, effectiveness {:.1} %, quality {:.1} %, {} counter resets, {} loss reasons",
                started.elapsed().as_secs_f64(),
                figures.oee.unwrap_or(0.0) * 100.0,
                figures.availability.unwrap_or(0.0) * 100.0,
                figures.effectiveness.unwrap_or(0.0) * 100.0,
                figures.quality_rate.unwrap_or(0.0) * 100.0,
                cold.resets,
                cold.losses.len()
            );
        }
        let mut times = Vec::with_capacity(args.repeat);
        let mut rows = 0;
        for _ in 0..args.repeat {
            let started = Instant::now();
            let warm = report(
                &store,
                &cache,
                &setup,
                &devices,
                &HashMap::new(),
                request,
                now,
            )
            .await?;
            times.push(started.elapsed());
            rows = warm.rows.len();
        }
        let worst = times.iter().copied().max().unwrap_or_default();
        println!(
            "warm, {label}: {} rows, median {:.1} ms, worst {:.1} ms (target: under 200 ms)",
            rows,
            median(&mut times).as_secs_f64() * 1e3,
            worst.as_secs_f64() * 1e3
        );
    }
    Ok(())
}
