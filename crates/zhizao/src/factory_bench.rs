//! `zhizao bench factory`: the polishing centre's day as the planner meets it. The demo's set-up
//! (7 lines of 72 robots with a loading and packing station each, one calendar, change-overs
//! between families) and a generated order book (about 2,000 operations from 300 orders with
//! due dates and weights) become one instance, planned by the ATCS dispatching rule (tuned over
//! its usual parameter grid) and by the solver on one thread, both checked by the independent
//! validator; then instant quotes are timed against that live plan. Optionally the instance is
//! written as the scheduling JSON model for other solvers (OR-Tools CP-SAT).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use zhizao_core::Timestamp;
use zhizao_demo::random::SplitMix64;
use zhizao_factory::plan::{Demand, build};
use zhizao_factory::setup::parse_local;
use zhizao_factory::{Held, OrderRequest, Process, SetupVersion, TariffVersion};
use zhizao_schedule::{Objective, SolveOptions, validate};

/// Options of `zhizao bench factory`.
#[derive(Debug, Args)]
pub(crate) struct BenchFactoryArgs {
    /// Orders in the book.
    #[arg(long, default_value_t = 300)]
    orders: usize,
    /// The solver's time limit in seconds (one thread).
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Random seed of the order book and the solver.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Instant quotes to time against the planned book.
    #[arg(long, default_value_t = 20)]
    quotes: usize,
    /// Write the instance as the scheduling JSON model here (for CP-SAT and other solvers).
    #[arg(long, value_name = "FILE")]
    write_instance: Option<PathBuf>,
}

const FAMILIES: [(&str, &str, i64, i64); 3] = [
    ("卫浴龙头", "黄铜", 220, 650),
    ("五金门把手", "锌合金", 180, 400),
    ("不锈钢锅具", "不锈钢", 320, 1_800),
];

fn request(random: &mut SplitMix64, now: Timestamp) -> (OrderRequest, i64) {
    let (family, material, part_mm, weight_g) = *random.pick(&FAMILIES);
    let (today, _) = zhizao_factory::setup::local_day(now);
    let need_by = today.saturating_add(time::Duration::days(random.between(1, 5)));
    let weight = [1, 1, 1, 1, 1, 1, 1, 2, 2, 3][random.below(10) as usize];
    (
        OrderRequest {
            process: Process::Polishing,
            family: family.into(),
            material: material.into(),
            finish: "镜面".into(),
            quantity: random.between(20, 360),
            matrix: Vec::new(),
            part_mm: Some(part_mm),
            weight_g: Some(weight_g),
            width_mm: None,
            ply_mm: None,
            shade_lots: Vec::new(),
            material_supplied: String::new(),
            material_arrives: None,
            need_by: need_by.to_string(),
            note: String::new(),
        },
        weight,
    )
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

pub(crate) fn factory(args: BenchFactoryArgs) -> anyhow::Result<()> {
    let time_limit = Duration::try_from_secs_f64(args.seconds).context("--seconds")?;
    // A Monday before the shift starts.
    let now = parse_local("2027-03-01 07:00").context("the benchmark's start")?;
    let (setup, tariff) = zhizao_demo::polishing_centre(now);
    let mut random = SplitMix64::new(args.seed);
    let book: Vec<(OrderRequest, i64)> = (0..args.orders)
        .map(|_| request(&mut random, now))
        .collect();
    let demands: Vec<Demand> = book
        .iter()
        .enumerate()
        .map(|(index, (request, weight))| {
            let due = request.due().unwrap_or(now);
            request.demand(&format!("FO{index:06}"), now, due, *weight)
        })
        .collect();
    let model = build(&setup, &demands, now)?;
    let instance = &model.instance;
    println!(
        "machine: {} ({} logical cores)",
        cpu_model(),
        crate::bench_support::cores()
    );
    println!(
        "instance: {} orders, {} operations, {} resources ({} robots), 3 families with change-overs, calendar and maintenance as {} unavailability windows",
        args.orders,
        instance.n_operations(),
        instance.n_machines(),
        setup
            .resources
            .iter()
            .filter(|r| r.class == zhizao_factory::tariff::ResourceClass::PolishingCell)
            .count(),
        (0..instance.n_machines())
            .map(|m| instance.windows(m).len())
            .sum::<usize>()
    );
    if let Some(path) = &args.write_instance {
        std::fs::write(path, zhizao_schedule::read::instance_to_json(instance))
            .with_context(|| format!("writing {}", path.display()))?;
        println!("instance written to {}", path.display());
    }
    println!("times in minutes; weighted tardiness is the sum of weight × minutes late");
    let started = Instant::now();
    let (atcs, k1, k2) = zhizao_schedule::dispatch::atcs_tuned(instance);
    let atcs_time = started.elapsed();
    let atcs_value = validate(instance, &atcs)
        .map_err(|violation| anyhow::anyhow!("the ATCS schedule is invalid: {violation}"))?;
    println!(
        "ATCS (k1 {k1}, k2 {k2}, best of 12): weighted tardiness {}, makespan {}, {:.2} s",
        atcs_value.total_weighted_tardiness,
        atcs_value.makespan,
        atcs_time.as_secs_f64()
    );
    let options = SolveOptions {
        time_limit,
        threads: 1,
        seed: args.seed,
        objective: Objective::TardinessThenMakespan,
        max_iterations: None,
    };
    let outcome = zhizao_schedule::solve(instance, &options, &|_| {});
    let value = validate(instance, &outcome.schedule)
        .map_err(|violation| anyhow::anyhow!("the solver's schedule is invalid: {violation}"))?;
    println!(
        "zhizao ({} s, 1 thread): weighted tardiness {}, makespan {}, {} iterations ({:.0}/s)",
        args.seconds,
        value.total_weighted_tardiness,
        value.makespan,
        outcome.iterations,
        outcome.iterations as f64 / outcome.elapsed.as_secs_f64().max(1e-9)
    );
    if atcs_value.total_weighted_tardiness > 0 {
        println!(
            "zhizao / ATCS weighted tardiness: {:.3} (aim: at most 0.2)",
            value.total_weighted_tardiness as f64 / atcs_value.total_weighted_tardiness as f64
        );
    }
    // Instant quotes against that plan: every order confirmed at its planned end.
    let mut ends = vec![model.origin; demands.len()];
    for operation in &outcome.schedule.operations {
        let demand = model.job_demand[operation.job];
        let end = model.origin.plus_millis(operation.end * 60_000);
        ends[demand] = ends[demand].max(end);
    }
    let held: Vec<Held> = book
        .iter()
        .zip(&demands)
        .zip(&ends)
        .map(|(((request, _), demand), end)| Held {
            number: demand.key.clone(),
            request: request.clone(),
            promised_at: *end,
            material_in: false,
            lays: Vec::new(),
        })
        .collect();
    let setup_version = SetupVersion {
        platform_code: "robot-polishing".into(),
        version: 1,
        setup,
        note: String::new(),
        created_at: now,
        created_by: "bench".into(),
    };
    let tariff_version = TariffVersion {
        platform_code: "robot-polishing".into(),
        version: 1,
        tariff,
        note: String::new(),
        created_at: now,
        created_by: "bench".into(),
    };
    let mut times = Vec::new();
    for _ in 0..args.quotes {
        let (new, _) = request(&mut random, now);
        let started = Instant::now();
        zhizao_factory::quote(
            &setup_version,
            &tariff_version,
            &held,
            &new,
            now,
            zhizao_factory::DEFAULT_QUOTE_BUDGET,
        )?;
        times.push(started.elapsed());
    }
    times.sort();
    if let (Some(median), Some(worst)) = (times.get(times.len() / 2), times.last()) {
        let p95 = times[(times.len() * 95).div_ceil(100).saturating_sub(1)];
        println!(
            "instant quote against the plan ({} operations held, budget {:?}): p50 {:.2} s, p95 {:.2} s, max {:.2} s over {} quotes (aim: p95 under 2 s)",
            instance.n_operations(),
            zhizao_factory::DEFAULT_QUOTE_BUDGET,
            median.as_secs_f64(),
            p95.as_secs_f64(),
            worst.as_secs_f64(),
            times.len()
        );
    }
    Ok(())
}
