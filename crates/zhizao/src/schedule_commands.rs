//! `zhizao solve`, `zhizao check` and `zhizao bench schedule`: thin wrappers over `zhizao-schedule`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use zhizao_schedule::bench::{BenchOptions, BenchRow, run_benchmark};
use zhizao_schedule::{Format, Objective, Progress, Schedule, SolveOptions};

/// Instance file formats accepted on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum FormatArg {
    /// FJSP `.fjs` (Brandimarte, Hurink, Dauzère-Pérès), machines 1-based.
    Fjs,
    /// JSSP "n m" header then "machine time" pairs per job, machines 0-based.
    Jssp,
    /// The JSON model with every extension (schema in crates/zhizao-schedule/schema).
    Json,
}

impl From<FormatArg> for Format {
    fn from(format: FormatArg) -> Format {
        match format {
            FormatArg::Fjs => Format::Fjs,
            FormatArg::Jssp => Format::Jssp,
            FormatArg::Json => Format::Json,
        }
    }
}

/// Objectives accepted on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ObjectiveArg {
    /// Completion time of the last operation.
    Makespan,
    /// Total weighted tardiness.
    Tardiness,
    /// Total weighted tardiness, then makespan.
    TardinessThenMakespan,
}

impl From<ObjectiveArg> for Objective {
    fn from(objective: ObjectiveArg) -> Objective {
        match objective {
            ObjectiveArg::Makespan => Objective::Makespan,
            ObjectiveArg::Tardiness => Objective::Tardiness,
            ObjectiveArg::TardinessThenMakespan => Objective::TardinessThenMakespan,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct SolveArgs {
    /// Instance file (.fjs, JSSP .txt or .json).
    file: PathBuf,
    /// Input format; guessed from the extension when omitted (.fjs, .json, else JSSP).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Wall-clock time limit in seconds.
    #[arg(long, value_name = "SECS")]
    time_limit: f64,
    /// Search threads (1 gives a deterministic search for a seed).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// What to minimize.
    #[arg(long, value_enum, default_value = "makespan")]
    objective: ObjectiveArg,
    /// Stop after this many search iterations per thread (reproducible across machines).
    #[arg(long)]
    max_iterations: Option<u64>,
    /// Write the schedule here (versioned JSON, see the zhizao-schedule README).
    #[arg(long, value_name = "SCHEDULE_JSON")]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Instance file.
    file: PathBuf,
    /// Schedule file written by `zhizao solve --out`.
    schedule: PathBuf,
    /// Input format of the instance; guessed from the extension when omitted.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
}

#[derive(Debug, Args)]
pub(crate) struct BenchScheduleArgs {
    /// Directory of instance files, e.g. ../shared/benchmarks/scheduling/fjsp/brandimarte.
    #[arg(long, value_name = "DIR")]
    set: PathBuf,
    /// Time limit per instance in seconds.
    #[arg(long, value_name = "SECS")]
    time_limit: f64,
    /// Search threads per instance.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Best-known bounds table; searched upwards from the set directory when omitted.
    #[arg(long, value_name = "CSV")]
    bounds: Option<PathBuf>,
    /// Only these instances (comma-separated file stems).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Only the first N instances in name order (e.g. 50 for Taillard ta01–ta50).
    #[arg(long)]
    limit: Option<usize>,
}

pub(crate) fn time_limit(seconds: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(seconds).with_context(|| {
        format!("--time-limit must be a non-negative number of seconds, found {seconds}")
    })
}

pub(crate) fn solve(args: SolveArgs) -> anyhow::Result<()> {
    let instance = zhizao_schedule::read_file(&args.file, args.format.map(Format::from))?;
    eprintln!("{}: {}", instance.name(), instance.summary());
    let options = SolveOptions {
        time_limit: time_limit(args.time_limit)?,
        threads: args.threads.max(1),
        seed: args.seed,
        objective: args.objective.into(),
        max_iterations: args.max_iterations,
    };
    let report = |progress: &Progress| {
        let value = match progress.objective {
            Objective::TardinessThenMakespan => {
                format!("{} {}", progress.value, progress.secondary)
            }
            Objective::Makespan | Objective::Tardiness => progress.value.to_string(),
        };
        eprintln!(
            "[{:>8.3}s] {} {value}",
            progress.elapsed.as_secs_f64(),
            progress.objective
        );
    };
    let outcome = zhizao_schedule::solve(&instance, &options, &report);
    // Never hand out a schedule the independent validator rejects.
    zhizao_schedule::validate(&instance, &outcome.schedule)
        .context("internal error: the solver produced an invalid schedule")?;
    eprintln!(
        "{} iterations in {:.2}s{}",
        outcome.iterations,
        outcome.elapsed.as_secs_f64(),
        if outcome.proven_optimal {
            " (optimal: lower bound reached)"
        } else {
            ""
        }
    );
    if let Some(path) = &args.out {
        std::fs::write(path, outcome.schedule.to_json())
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("schedule written to {}", path.display());
    }
    println!("{}", outcome.schedule.objective_line());
    Ok(())
}

pub(crate) fn check(args: CheckArgs) -> anyhow::Result<()> {
    let instance = zhizao_schedule::read_file(&args.file, args.format.map(Format::from))?;
    let bytes = std::fs::read(&args.schedule)
        .with_context(|| format!("reading {}", args.schedule.display()))?;
    let schedule = Schedule::from_json(&bytes)
        .with_context(|| format!("reading {}", args.schedule.display()))?;
    let evaluation = zhizao_schedule::validate(&instance, &schedule)
        .map_err(|violation| anyhow::anyhow!("invalid schedule: {violation}"))?;
    println!(
        "valid: makespan {}, total weighted tardiness {}",
        evaluation.makespan, evaluation.total_weighted_tardiness
    );
    Ok(())
}

pub(crate) fn bench(args: BenchScheduleArgs) -> anyhow::Result<()> {
    let options = BenchOptions {
        set_dir: args.set,
        bounds: args.bounds,
        time_limit: time_limit(args.time_limit)?,
        threads: args.threads.max(1),
        seed: args.seed,
        only: args.only,
        limit: args.limit,
    };
    println!("{}", BenchRow::table_header());
    let report = run_benchmark(&options, &mut |row| println!("{}", row.table_line()))?;
    println!("{}", report.mean_gap_line());
    Ok(())
}
