//! The benchmark runner behind `zhizao bench nesting`: nest every instance of a directory,
//! validate every marker independently, and compare densities with the published records
//! (`records.csv`: `instance,best_length,strip_height,best_density_pct,avg_density_1200s_pct,…`,
//! found in the set directory or one of its ancestors).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::engine::{NestOptions, nest};
use crate::{Error, Result, check, read};

/// One line of the benchmark table.
#[derive(Debug, Clone)]
pub struct BenchRow {
    /// The instance's file stem.
    pub instance: String,
    /// Copies nested.
    pub copies: usize,
    /// The validated marker length.
    pub length: f64,
    /// The validated density in percent.
    pub density_pct: f64,
    /// The record to compare with (the 20-minute average where known, else the best), percent.
    pub reference_pct: Option<f64>,
    /// `reference - density`, in percentage points.
    pub gap_pp: Option<f64>,
    /// Separator passes run.
    pub iterations: u64,
}

impl BenchRow {
    /// The table header matching [`BenchRow::table_line`].
    pub fn table_header() -> String {
        format!(
            "{:<10} {:>6} {:>11} {:>9} {:>9} {:>7} {:>8}",
            "instance", "pieces", "length", "density%", "record%", "gap pp", "passes"
        )
    }

    /// The row formatted for the table.
    pub fn table_line(&self) -> String {
        let value = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.3}"));
        format!(
            "{:<10} {:>6} {:>11.3} {:>9.3} {:>9} {:>7} {:>8}",
            self.instance,
            self.copies,
            self.length,
            self.density_pct,
            value(self.reference_pct),
            value(self.gap_pp),
            self.iterations
        )
    }
}

/// The instance files (`*.json`) of a set directory, in name order.
pub fn instances(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|error| Error::io(dir, error))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::Bench(format!(
            "{} holds no .json instances",
            dir.display()
        )));
    }
    Ok(files)
}

/// Reads `records.csv` from `dir` or its nearest ancestor holding one: instance → the reference
/// density in percent (the 20-minute average where known, else the best).
pub fn records(dir: &Path) -> Result<HashMap<String, f64>> {
    let Some(path) = dir
        .ancestors()
        .map(|d| d.join("records.csv"))
        .find(|p| p.exists())
    else {
        return Ok(HashMap::new());
    };
    let text = std::fs::read_to_string(&path).map_err(|error| Error::io(&path, error))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name);
    let (Some(instance), Some(best)) = (column("instance"), column("best_density_pct")) else {
        return Err(Error::Bench(format!(
            "{}: needs the columns instance and best_density_pct",
            path.display()
        )));
    };
    let average = column("avg_density_1200s_pct");
    let mut result = HashMap::new();
    for (number, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        let number_at = |index: Option<usize>| {
            index
                .and_then(|i| fields.get(i))
                .and_then(|f| f.trim().parse::<f64>().ok())
        };
        let reference = number_at(average)
            .or(number_at(Some(best)))
            .ok_or_else(|| {
                Error::Bench(format!(
                    "{} line {}: no density",
                    path.display(),
                    number + 2
                ))
            })?;
        if let Some(name) = fields.get(instance) {
            result.insert(name.trim().to_owned(), reference);
        }
    }
    Ok(result)
}

/// Nests one instance file and validates the marker, giving its row.
pub fn run_instance(
    path: &Path,
    options: &NestOptions,
    records: &HashMap<String, f64>,
    on_progress: &mut dyn FnMut(crate::Progress),
) -> Result<BenchRow> {
    let problem = read::read_file(path)?;
    let marker = nest(&problem, options, on_progress)?;
    let evaluation = check(&problem, &marker).map_err(|error| Error::in_file(path, error))?;
    let instance = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let density_pct = evaluation.density * 100.0;
    let reference_pct = records.get(&instance).copied();
    Ok(BenchRow {
        instance,
        copies: evaluation.copies,
        length: evaluation.length,
        density_pct,
        reference_pct,
        gap_pp: reference_pct.map(|r| r - density_pct),
        iterations: marker.search.iterations,
    })
}

/// Grading factors of the generated size run (XS to XXL about the base size M... L).
pub const SIZE_RUN: [(&str, f64); 5] = [
    ("XS", 0.92),
    ("S", 0.96),
    ("M", 1.0),
    ("L", 1.04),
    ("XL", 1.08),
];

/// Garments ordered per size of [`SIZE_RUN`] in two colours: a bell over the run.
const QUANTITIES: [(&str, [u32; 5]); 2] = [
    ("navy", [20, 45, 60, 40, 15]),
    ("white", [10, 25, 35, 20, 8]),
];

/// The garment-like cut orders: the shirts and trousers instances of a set directory taken as
/// one garment (each piece type as often as its demand over 8, at least once), graded into a
/// five-size run by scaling, ordered in two colours, on the instance's width in centimetres.
pub fn garment_orders(dir: &Path) -> Result<Vec<crate::cutplan::CutOrder>> {
    use crate::cutplan::{Costs, CutOrder, Quantity, SizePieces};
    use zhizao_core::Fen;
    ["shirts", "trousers"]
        .iter()
        .map(|name| {
            let problem = read::read_file(&dir.join(format!("{name}.json")))?;
            let sizes = SIZE_RUN
                .iter()
                .map(|(size, scale)| SizePieces {
                    size: (*size).into(),
                    pieces: problem
                        .pieces
                        .iter()
                        .map(|piece| crate::model::Piece {
                            demand: ((f64::from(piece.demand) / 8.0).round() as u32).max(1),
                            outline: piece
                                .outline
                                .iter()
                                .map(|[x, y]| [x * scale, y * scale])
                                .collect(),
                            ..piece.clone()
                        })
                        .collect(),
                })
                .collect();
            let quantities = QUANTITIES
                .iter()
                .flat_map(|(colour, counts)| {
                    SIZE_RUN
                        .iter()
                        .zip(counts)
                        .map(|((size, _), quantity)| Quantity {
                            colour: (*colour).into(),
                            size: (*size).into(),
                            quantity: *quantity,
                        })
                })
                .collect();
            Ok(CutOrder {
                name: (*name).into(),
                unit: "cm".into(),
                width: problem.width,
                spacing: 0.0,
                max_plies: 50,
                table_length: 600.0,
                end_allowance: 2.0,
                max_garments_per_marker: 6,
                overcut_percent: 0,
                costs: Costs {
                    fabric_per_metre: Fen::new(2_500),
                    marker: Fen::new(3_000),
                    spread: Fen::new(4_000),
                },
                sizes,
                quantities,
            })
        })
        .collect()
}
