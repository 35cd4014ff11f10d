//! `zhizao nest`, `zhizao check-marker` and `zhizao bench nesting`: thin wrappers over
//! `zhizao-nesting`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use zhizao_nesting::bench::{BenchRow, instances, records, run_instance};
use zhizao_nesting::{Marker, NestOptions, Progress};

#[derive(Debug, Args)]
pub(crate) struct NestArgs {
    /// Problem file: Zhizao's problem JSON, an ESICUP / jagua-rs instance, or an AAMA / ASTM
    /// DXF pattern (with --width).
    file: PathBuf,
    #[command(flatten)]
    fabric: FabricArgs,
    #[command(flatten)]
    search: SearchArgs,
    /// Write the marker here (versioned JSON).
    #[arg(long, value_name = "MARKER_JSON")]
    out: Option<PathBuf>,
    /// Also draw the marker as SVG (screen and print).
    #[arg(long, value_name = "SVG")]
    svg: Option<PathBuf>,
    /// Also write the marker as HPGL for a plotter or cutter.
    #[arg(long, value_name = "PLT")]
    plt: Option<PathBuf>,
    /// Co-nesting: the pieces' owners share the marker; nest each owner alone too and print
    /// who is charged what length (in proportion to their own markers' lengths).
    #[arg(long)]
    share: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CheckMarkerArgs {
    /// Problem file (for a DXF pattern, the width is the marker's unless --width is given).
    file: PathBuf,
    /// Marker file written by `zhizao nest --out`.
    marker: PathBuf,
    #[command(flatten)]
    fabric: FabricArgs,
}

/// The fabric of a DXF pattern, which names none.
#[derive(Debug, Args)]
pub(crate) struct FabricArgs {
    /// Usable fabric width, in the pattern's unit (DXF patterns only).
    #[arg(long)]
    width: Option<f64>,
    /// Minimum distance between pieces (DXF patterns only).
    #[arg(long, default_value_t = 0.0)]
    spacing: f64,
}

/// Reads a problem file; a DXF pattern becomes a problem on the given (or the marker's) width.
fn read_problem(
    file: &std::path::Path,
    fabric: &FabricArgs,
    marker_width: Option<f64>,
) -> anyhow::Result<zhizao_nesting::Problem> {
    if !zhizao_nesting::read::is_dxf(file) {
        return Ok(zhizao_nesting::read::read_file(file)?);
    }
    let pattern = zhizao_nesting::read::read_pattern(file)?;
    for (block, why) in &pattern.skipped {
        eprintln!("left out {block}: {why}");
    }
    let width = fabric.width.or(marker_width).context(
        "a DXF pattern names no fabric: give its usable width with --width (in the pattern's unit)",
    )?;
    let name = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    pattern
        .problem(&name, width, fabric.spacing)
        .with_context(|| file.display().to_string())
}

#[derive(Debug, Args)]
pub(crate) struct BenchNestingArgs {
    /// Directory of instance files, e.g. ../shared/benchmarks/nesting/esicup.
    #[arg(long, value_name = "DIR")]
    set: PathBuf,
    #[command(flatten)]
    search: SearchArgs,
    /// Only these instances (comma-separated file stems).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

/// How long and how the optimiser searches (every nesting command).
#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    /// Wall-clock time limit in seconds (per marker).
    #[arg(long, value_name = "SECS")]
    time_limit: f64,
    /// Worker threads.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Stop after this many separator passes: with it a seed gives the same marker every run.
    #[arg(long)]
    iterations: Option<u64>,
}

impl SearchArgs {
    fn options(&self) -> anyhow::Result<NestOptions> {
        Ok(NestOptions {
            time_limit: crate::schedule_commands::time_limit(self.time_limit)?,
            iterations: self.iterations,
            threads: self.threads.max(1),
            seed: self.seed,
            stop: None,
        })
    }
}

fn print_progress(progress: Progress) {
    eprintln!(
        "[{:>8.3}s] length {:.3} density {:.3}%",
        progress.elapsed.as_secs_f64(),
        progress.length,
        progress.density * 100.0
    );
}

pub(crate) fn nest(args: NestArgs) -> anyhow::Result<()> {
    let problem = read_problem(&args.file, &args.fabric, None)?;
    eprintln!(
        "{}: {} pieces ({} copies) on a width of {}",
        problem.name,
        problem.pieces.len(),
        problem.copies(),
        problem.width
    );
    let options = args.search.options()?;
    let marker = if args.share {
        let shared = zhizao_nesting::conest::co_nest(&problem, &options)?;
        println!(
            "{:<24} {:>6} {:>12} {:>12} {:>12}",
            "owner", "copies", "alone", "charged", "saved"
        );
        for share in &shared.shares {
            println!(
                "{:<24} {:>6} {:>12.3} {:>12.3} {:>12.3}",
                share.owner,
                share.copies,
                share.alone_length,
                share.charged_length,
                share.saved_length
            );
        }
        println!(
            "shared marker {:.3} against {:.3} alone: every owner saves {:.2}%",
            shared.marker.length, shared.alone_total, shared.saved_percent
        );
        shared.marker
    } else {
        zhizao_nesting::nest(&problem, &options, &mut print_progress)?
    };
    // Never hand out a marker the independent validator rejects.
    let evaluation = zhizao_nesting::check(&problem, &marker)
        .context("internal error: the optimiser produced an invalid marker")?;
    eprintln!(
        "{} passes in {:.2}s",
        marker.search.iterations,
        marker.search.elapsed_ms as f64 / 1000.0
    );
    if let Some(path) = &args.out {
        let json = serde_json::to_string_pretty(&marker).context("the marker as JSON")?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("marker written to {}", path.display());
    }
    if let Some(path) = &args.svg {
        let svg = zhizao_nesting::write::svg(&problem, &marker)?;
        std::fs::write(path, svg).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.plt {
        let plt = zhizao_nesting::write::hpgl(&problem, &marker)?;
        std::fs::write(path, plt).with_context(|| format!("writing {}", path.display()))?;
    }
    println!(
        "length {:.4} density {:.3}%",
        evaluation.length,
        evaluation.density * 100.0
    );
    Ok(())
}

pub(crate) fn check_marker(args: CheckMarkerArgs) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.marker)
        .with_context(|| format!("reading {}", args.marker.display()))?;
    let marker =
        Marker::parse(&bytes).with_context(|| format!("reading {}", args.marker.display()))?;
    let problem = read_problem(&args.file, &args.fabric, Some(marker.width))?;
    let evaluation = zhizao_nesting::check(&problem, &marker).with_context(|| {
        format!(
            "{} does not hold for {}",
            args.marker.display(),
            args.file.display()
        )
    })?;
    println!(
        "valid: {} copies, length {:.4}, density {:.3}%",
        evaluation.copies,
        evaluation.length,
        evaluation.density * 100.0
    );
    Ok(())
}

pub(crate) fn bench(args: BenchNestingArgs) -> anyhow::Result<()> {
    let options = args.search.options()?;
    let records = records(&args.set)?;
    let files: Vec<PathBuf> = instances(&args.set)?
        .into_iter()
        .filter(|path| {
            args.only.is_empty()
                || path
                    .file_stem()
                    .is_some_and(|stem| args.only.iter().any(|o| *o == stem.to_string_lossy()))
        })
        .collect();
    println!(
        "{} instances, {} s each, {} thread(s), seed {}",
        files.len(),
        args.search.time_limit,
        options.threads,
        options.seed
    );
    println!("{}", BenchRow::table_header());
    let mut gaps = Vec::new();
    for path in files {
        let row = run_instance(&path, &options, &records, &mut |_| {})?;
        println!("{}", row.table_line());
        gaps.extend(row.gap_pp);
    }
    if gaps.is_empty() {
        println!("mean density gap: - (no records for these instances)");
    } else {
        println!(
            "mean density gap: {:.3} pp",
            gaps.iter().sum::<f64>() / gaps.len() as f64
        );
    }
    Ok(())
}

#[derive(Debug, Args)]
pub(crate) struct BenchCutPlanArgs {
    /// Directory holding shirts.json and trousers.json (ESICUP), graded into size runs.
    #[arg(long, value_name = "DIR")]
    set: PathBuf,
    #[command(flatten)]
    search: SearchArgs,
}

pub(crate) fn bench_cut_plan(args: BenchCutPlanArgs) -> anyhow::Result<()> {
    let options = args.search.options()?;
    let orders = zhizao_nesting::bench::garment_orders(&args.set)?;
    println!(
        "{:<10} {:>8} {:>7} {:>5} {:>10} {:>10} {:>7} {:>12} {:>8} {:>12} {:>12}",
        "order",
        "garments",
        "markers",
        "lays",
        "fabric",
        "bound",
        "over %",
        "per size",
        "saved %",
        "cost ¥",
        "per size ¥"
    );
    for order in orders {
        let plan = zhizao_nesting::cutplan::plan(&order, &options)?;
        let garments: u32 = order.quantities.iter().map(|q| q.quantity).sum();
        println!(
            "{:<10} {:>8} {:>7} {:>5} {:>10.1} {:>10.1} {:>7.2} {:>12.1} {:>8.2} {:>12} {:>12}",
            order.name,
            garments,
            plan.markers.len(),
            plan.lays.len(),
            plan.fabric_length,
            plan.lower_bound,
            100.0 * (plan.fabric_length / plan.lower_bound - 1.0),
            plan.one_marker_per_size,
            100.0 * (1.0 - plan.fabric_length / plan.one_marker_per_size),
            plan.cost.total.to_plain_yuan_string(),
            plan.one_marker_per_size_cost.total.to_plain_yuan_string()
        );
    }
    Ok(())
}

#[derive(Debug, Args)]
pub(crate) struct CutPlanArgs {
    /// Cut order JSON: fabric, room limits and costs, one garment per size, quantities.
    file: PathBuf,
    #[command(flatten)]
    search: SearchArgs,
    /// Write the plan (markers, lays, costs) here as JSON.
    #[arg(long, value_name = "PLAN_JSON")]
    out: Option<PathBuf>,
}

pub(crate) fn cut_plan(args: CutPlanArgs) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let order: zhizao_nesting::cutplan::CutOrder = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a cut order", args.file.display()))?;
    let options = args.search.options()?;
    let plan = zhizao_nesting::cutplan::plan(&order, &options)?;
    println!(
        "{:<4} {:<28} {:>10} {:>9}",
        "mark", "ratio", "length", "density%"
    );
    for (index, marker) in plan.markers.iter().enumerate() {
        let ratio: Vec<String> = marker
            .ratio
            .iter()
            .map(|(s, c)| format!("{s}:{c}"))
            .collect();
        println!(
            "{:<4} {:<28} {:>10.2} {:>9.2}",
            index + 1,
            ratio.join(" "),
            marker.length,
            marker.density * 100.0
        );
    }
    println!(
        "{:<4} {:<12} {:>6} {:>10}",
        "lay", "colour", "plies", "per ply"
    );
    for (index, lay) in plan.lays.iter().enumerate() {
        println!(
            "{:<4} {:<12} {:>6} {:>10.2}  marker {}",
            index + 1,
            lay.colour,
            lay.plies,
            lay.ply_length,
            lay.marker + 1
        );
    }
    println!(
        "fabric {:.1} {} (bound {:.1}, one marker per size {:.1}); cost ¥{} (one marker per size ¥{})",
        plan.fabric_length,
        order.unit,
        plan.lower_bound,
        plan.one_marker_per_size,
        plan.cost.total.to_plain_yuan_string(),
        plan.one_marker_per_size_cost.total.to_plain_yuan_string()
    );
    if let Some(path) = &args.out {
        let json = serde_json::to_string_pretty(&plan).context("the plan as JSON")?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
