//! Runs the same benchmark as `zhizao bench schedule`, without building the whole platform.
//!
//! Usage: `bench SET_DIR [TIME_LIMIT_SECS] [--threads N] [--seed S] [--limit N] [--only a,b,c]`

use std::path::PathBuf;
use std::time::Duration;

use zhizao_schedule::bench::{BenchOptions, BenchRow, run_benchmark};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut arguments = std::env::args().skip(1);
    let mut options = BenchOptions {
        set_dir: PathBuf::new(),
        bounds: None,
        time_limit: Duration::from_secs(10),
        threads: 1,
        seed: 1,
        only: Vec::new(),
        limit: None,
    };
    let mut positional = 0;
    while let Some(argument) = arguments.next() {
        let mut value = || arguments.next().ok_or(format!("{argument} needs a value"));
        match argument.as_str() {
            "--threads" => options.threads = value()?.parse()?,
            "--seed" => options.seed = value()?.parse()?,
            "--limit" => options.limit = Some(value()?.parse()?),
            "--only" => options.only = value()?.split(',').map(str::to_owned).collect(),
            _ if positional == 0 => {
                options.set_dir = PathBuf::from(&argument);
                positional += 1;
            }
            _ => {
                options.time_limit = Duration::from_secs_f64(argument.parse()?);
                positional += 1;
            }
        }
    }
    println!("{}", BenchRow::table_header());
    let report = run_benchmark(&options, &mut |row| {
        println!("{}", row.table_line());
        eprintln!(
            "  {} iterations ({:.0}/s)",
            row.iterations,
            row.iterations as f64 / row.elapsed.as_secs_f64().max(1e-9)
        );
    })?;
    println!("{}", report.mean_gap_line());
    Ok(())
}
