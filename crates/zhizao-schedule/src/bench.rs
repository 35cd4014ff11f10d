//! The benchmark runner behind `zhizao bench schedule`: solve every instance of a directory,
//! validate every schedule with the independent validator, and compare with best-known bounds.
//!
//! Bounds come from a `bks.csv` (`set,instance,n_jobs,n_machines,lower_bound,upper_bound,optimal`)
//! found in the set directory or one of its ancestors. The set name is derived from the path
//! below that file, e.g. `fjsp/hurink/vdata` is `hurink_vdata` and `jssp/taillard` is `taillard`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::model::Time;
use crate::read::{Format, read_file};
use crate::schedule::Objective;
use crate::solve::{SolveOptions, solve};
use crate::validate::validate;
use crate::{Error, Result};

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Directory holding the instance files (`*.fjs`, `*.txt`, `*.json`).
    pub set_dir: PathBuf,
    /// Bounds table; searched upwards from `set_dir` when not given.
    pub bounds: Option<PathBuf>,
    /// Time limit per instance.
    pub time_limit: Duration,
    /// Search threads per instance.
    pub threads: usize,
    /// Solver seed.
    pub seed: u64,
    /// Only these instances (file stems); all when empty.
    pub only: Vec<String>,
    /// Only the first `limit` instances in name order.
    pub limit: Option<usize>,
}

/// One line of the benchmark table.
#[derive(Debug, Clone)]
pub struct BenchRow {
    /// File stem.
    pub instance: String,
    /// Number of jobs.
    pub n_jobs: usize,
    /// Number of machines.
    pub n_machines: usize,
    /// Best-known lower bound, if the table has the instance.
    pub lower_bound: Option<Time>,
    /// Best-known upper bound, if the table has the instance.
    pub upper_bound: Option<Time>,
    /// Makespan found (validated).
    pub found: Time,
    /// `100 * (found - upper_bound) / upper_bound`.
    pub gap_percent: Option<f64>,
    /// Solve time.
    pub elapsed: Duration,
    /// Search iterations (over all threads).
    pub iterations: u64,
}

impl BenchRow {
    /// The table header matching [`BenchRow::table_line`].
    pub fn table_header() -> String {
        format!(
            "{:<12} {:>9} {:>7} {:>7} {:>7} {:>8} {:>7}",
            "instance", "size", "lb", "ub", "found", "gap %", "time s"
        )
    }

    /// The row formatted for the table.
    pub fn table_line(&self) -> String {
        let bound = |value: Option<Time>| value.map_or_else(|| "-".to_owned(), |v| v.to_string());
        format!(
            "{:<12} {:>9} {:>7} {:>7} {:>7} {:>8} {:>7.1}",
            self.instance,
            format!("{}x{}", self.n_jobs, self.n_machines),
            bound(self.lower_bound),
            bound(self.upper_bound),
            self.found,
            self.gap_percent
                .map_or_else(|| "-".to_owned(), |gap| format!("{gap:.2}")),
            self.elapsed.as_secs_f64()
        )
    }
}

/// All rows and the mean gap over the rows that have an upper bound.
#[derive(Debug, Clone)]
pub struct BenchReport {
    /// One row per instance, in name order.
    pub rows: Vec<BenchRow>,
    /// Mean of the gaps in percent.
    pub mean_gap_percent: f64,
}

impl BenchReport {
    /// The closing line of the table: `mean gap: X.XX%`.
    pub fn mean_gap_line(&self) -> String {
        format!("mean gap: {:.2}%", self.mean_gap_percent)
    }
}

/// Runs the benchmark, calling `on_row` as each instance finishes.
///
/// Fails on the first schedule that does not validate, naming the instance and the violation.
pub fn run_benchmark(
    options: &BenchOptions,
    on_row: &mut dyn FnMut(&BenchRow),
) -> Result<BenchReport> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(&options.set_dir)
        .map_err(|error| Error::Io {
            path: options.set_dir.clone(),
            error,
        })?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.is_file()
                && matches!(
                    path.extension().and_then(|extension| extension.to_str()),
                    Some("fjs" | "txt" | "json")
                )
        })
        .filter(|path| {
            options.only.is_empty() || options.only.iter().any(|name| stem(path) == *name)
        })
        .collect();
    files.sort();
    if let Some(limit) = options.limit {
        files.truncate(limit);
    }
    if files.is_empty() {
        return Err(Error::Bench(format!(
            "no instance files (*.fjs, *.txt, *.json) selected in {}",
            options.set_dir.display()
        )));
    }
    let bounds = load_bounds(options)?;
    let mut rows = Vec::new();
    for path in files {
        let instance = read_file(&path, Some(Format::from_path(&path)))?;
        let solve_options = SolveOptions {
            time_limit: options.time_limit,
            threads: options.threads,
            seed: options.seed,
            objective: Objective::Makespan,
            max_iterations: None,
        };
        let outcome = solve(&instance, &solve_options, &|_| {});
        let evaluation = validate(&instance, &outcome.schedule)
            .map_err(|violation| Error::in_file(&path, Error::Violation(violation)))?;
        let name = stem(&path);
        let (lower_bound, upper_bound) = bounds.get(&name).copied().unwrap_or((None, None));
        let gap_percent = upper_bound
            .map(|upper| 100.0 * (evaluation.makespan - upper) as f64 / (upper.max(1)) as f64);
        let row = BenchRow {
            instance: name,
            n_jobs: instance.jobs().len(),
            n_machines: instance.n_machines(),
            lower_bound,
            upper_bound,
            found: evaluation.makespan,
            gap_percent,
            elapsed: outcome.elapsed,
            iterations: outcome.iterations,
        };
        on_row(&row);
        rows.push(row);
    }
    let gaps: Vec<f64> = rows.iter().filter_map(|row| row.gap_percent).collect();
    let mean_gap_percent = if gaps.is_empty() {
        0.0
    } else {
        gaps.iter().sum::<f64>() / gaps.len() as f64
    };
    Ok(BenchReport {
        rows,
        mean_gap_percent,
    })
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or_default()
        .to_owned()
}

type Bounds = HashMap<String, (Option<Time>, Option<Time>)>;

/// Bounds of the set's instances by instance name (empty when no table is found).
fn load_bounds(options: &BenchOptions) -> Result<Bounds> {
    let set_dir = options
        .set_dir
        .canonicalize()
        .unwrap_or_else(|_| options.set_dir.clone());
    let table = match &options.bounds {
        Some(path) => Some(path.clone()),
        None => set_dir
            .ancestors()
            .map(|directory| directory.join("bks.csv"))
            .find(|candidate| candidate.is_file()),
    };
    let Some(table) = table else {
        return Ok(Bounds::new());
    };
    let text = std::fs::read_to_string(&table).map_err(|error| Error::Io {
        path: table.clone(),
        error,
    })?;
    // The set name: path components below the table's directory, minus a leading fjsp/jssp.
    let base = table.parent().unwrap_or(Path::new(""));
    let mut components: Vec<String> = set_dir
        .strip_prefix(base)
        .map(|relative| {
            relative
                .components()
                .map(|component| component.as_os_str().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    if components
        .first()
        .is_some_and(|first| first == "fjsp" || first == "jssp")
    {
        components.remove(0);
    }
    let set_name = components.join("_");
    let mut all: Vec<(String, String, Option<Time>, Option<Time>)> = Vec::new();
    for (index, line) in text.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() < 6 {
            if line.trim().is_empty() {
                continue;
            }
            return Err(Error::in_file(
                &table,
                Error::parse(index + 1, "expected 7 comma-separated fields"),
            ));
        }
        all.push((
            fields[0].to_owned(),
            fields[1].to_owned(),
            fields[4].trim().parse().ok(),
            fields[5].trim().parse().ok(),
        ));
    }
    let mut bounds = Bounds::new();
    let in_set = all.iter().filter(|(set, ..)| *set == set_name).count() > 0;
    for (set, instance, lower, upper) in all {
        if !in_set || set == set_name {
            // Without a matching set name, an instance name may only be used if unique.
            if !in_set && bounds.contains_key(&instance) {
                bounds.insert(instance, (None, None));
                continue;
            }
            bounds.insert(instance, (lower, upper));
        }
    }
    Ok(bounds)
}
