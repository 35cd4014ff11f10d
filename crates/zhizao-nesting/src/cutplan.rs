//! Cut-order planning: from an order's size × colour quantities to the markers (size ratios,
//! each nested for real) and the lays (marker, colour, plies) that cut it at the least cost.
//!
//! The planner is greedy over size ratios: every round it scores each ratio of at most
//! `max_garments_per_marker` garments by the garments it cuts (plies per colour, as many as the
//! remaining quantities and the ply height allow) per estimated cost (fabric, a new marker, a
//! spread per colour), takes the best, and nests it. Longer markers pack better, so ratios of
//! several garments win while quantities last; the small remainders end in short markers. The
//! plan is compared with a lower bound (all piece area over the width) and with cutting one
//! marker per size.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use zhizao_core::Fen;

use crate::engine::{NestOptions, nest};
use crate::marker::Marker;
use crate::model::{Piece, Problem};
use crate::{Error, Result};

/// An order to plan: the fabric, the cutting room's limits and costs, the garment in each size
/// and the quantities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CutOrder {
    /// A name for reports.
    pub name: String,
    /// The unit of every length: `mm`, `cm`, `in` or `m` (fabric is costed by the metre).
    pub unit: String,
    /// Usable fabric width.
    pub width: f64,
    /// Minimum distance between pieces.
    #[serde(default)]
    pub spacing: f64,
    /// The highest ply the spreader and the cutter take.
    pub max_plies: u32,
    /// The spreading table's length: no marker may be longer.
    pub table_length: f64,
    /// Fabric added to each ply beyond the marker (both ends together).
    #[serde(default)]
    pub end_allowance: f64,
    /// The most garments one marker holds.
    #[serde(default = "default_garments")]
    pub max_garments_per_marker: u32,
    /// How many pieces beyond the ordered quantity may be cut, in percent of it.
    #[serde(default)]
    pub overcut_percent: u32,
    /// What fabric, a marker and a spread cost.
    pub costs: Costs,
    /// One garment in each size.
    pub sizes: Vec<SizePieces>,
    /// Garments ordered per colour and size.
    pub quantities: Vec<Quantity>,
}

fn default_garments() -> u32 {
    6
}

/// The cutting room's prices.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Costs {
    /// Fabric, per metre.
    pub fabric_per_metre: Fen,
    /// Making one marker.
    pub marker: Fen,
    /// Spreading one lay.
    pub spread: Fen,
}

/// The pieces of one garment in one size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizePieces {
    /// The size's name.
    pub size: String,
    /// Its pieces, each with the copies one garment needs.
    pub pieces: Vec<Piece>,
}

/// Garments of one colour and size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quantity {
    /// The colour (a fabric lot).
    pub colour: String,
    /// The size.
    pub size: String,
    /// Garments ordered.
    pub quantity: u32,
}

/// A planned marker: a size ratio nested for real.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedMarker {
    /// Garments of each size in the marker.
    pub ratio: Vec<(String, u32)>,
    /// The marker's length.
    pub length: f64,
    /// Its density.
    pub density: f64,
    /// The marker itself.
    pub marker: Marker,
}

/// One spread: a marker laid in one colour so many plies high.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lay {
    /// Index into [`CutPlan::markers`].
    pub marker: usize,
    /// The colour.
    pub colour: String,
    /// Plies.
    pub plies: u32,
    /// Fabric per ply: the marker's length and the end allowance.
    pub ply_length: f64,
}

/// What a plan costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanCost {
    /// Fabric.
    pub fabric: Fen,
    /// Markers made.
    pub markers: Fen,
    /// Spreads.
    pub spreads: Fen,
    /// The sum.
    pub total: Fen,
}

/// A cut plan and how it compares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CutPlan {
    /// The markers to make.
    pub markers: Vec<PlannedMarker>,
    /// The lays to spread and cut, in order.
    pub lays: Vec<Lay>,
    /// Garments cut per colour and size (ordered, cut).
    pub cut: Vec<(String, String, u32, u32)>,
    /// Fabric used: every lay's plies times its ply length.
    pub fabric_length: f64,
    /// No plan uses less: the order's piece area over the width.
    pub lower_bound: f64,
    /// Fabric when every size has its own one-garment marker.
    pub one_marker_per_size: f64,
    /// The plan's cost.
    pub cost: PlanCost,
    /// The one-marker-per-size plan's cost.
    pub one_marker_per_size_cost: PlanCost,
}

impl CutOrder {
    /// Checks the order, naming the size, colour or piece at fault.
    pub fn validate(&self) -> Result<()> {
        let invalid = |message: String| Err(Error::InvalidProblem(message));
        metres_per_unit(&self.unit)?;
        if self.max_plies == 0 {
            return invalid("the ply height must allow at least one ply".into());
        }
        if self.max_garments_per_marker == 0 {
            return invalid("a marker must hold at least one garment".into());
        }
        if !(self.table_length.is_finite() && self.table_length > 0.0) {
            return invalid(format!(
                "the table length must be positive, not {}",
                self.table_length
            ));
        }
        if !(self.end_allowance.is_finite() && self.end_allowance >= 0.0) {
            return invalid(format!(
                "the end allowance must be zero or more, not {}",
                self.end_allowance
            ));
        }
        if self.sizes.is_empty() {
            return invalid("there are no sizes".into());
        }
        for (index, size) in self.sizes.iter().enumerate() {
            if self.sizes[..index].iter().any(|s| s.size == size.size) {
                return invalid(format!("size {} is given twice", size.size));
            }
            let mut ratio = vec![0; self.sizes.len()];
            ratio[index] = 1;
            self.problem(&ratio)
                .validate()
                .map_err(|error| match error {
                    Error::InvalidPiece { piece, reason } => Error::InvalidPiece {
                        piece: format!("{} (size {})", piece, size.size),
                        reason,
                    },
                    other => other,
                })?;
        }
        if self.quantities.iter().all(|q| q.quantity == 0) {
            return invalid("nothing is ordered".into());
        }
        for quantity in &self.quantities {
            if !self.sizes.iter().any(|s| s.size == quantity.size) {
                return invalid(format!(
                    "colour {} orders size {}, which has no pattern",
                    quantity.colour, quantity.size
                ));
            }
        }
        Ok(())
    }

    /// The problem of nesting `ratio[i]` garments of size `i`.
    pub fn problem(&self, ratio: &[u32]) -> Problem {
        let pieces = self
            .sizes
            .iter()
            .zip(ratio)
            .filter(|(_, count)| **count > 0)
            .flat_map(|(size, count)| {
                size.pieces.iter().map(move |piece| Piece {
                    id: format!("{}/{}", size.size, piece.id),
                    size: Some(size.size.clone()),
                    demand: piece.demand * count,
                    ..piece.clone()
                })
            })
            .collect();
        let label: Vec<String> = self
            .sizes
            .iter()
            .zip(ratio)
            .filter(|(_, count)| **count > 0)
            .map(|(size, count)| format!("{}:{count}", size.size))
            .collect();
        Problem {
            name: format!("{} {}", self.name, label.join(" ")),
            unit: Some(self.unit.clone()),
            width: self.width,
            spacing: self.spacing,
            defects: Vec::new(),
            pieces,
        }
    }
}

fn metres_per_unit(unit: &str) -> Result<f64> {
    match unit.to_ascii_lowercase().as_str() {
        "mm" => Ok(0.001),
        "cm" => Ok(0.01),
        "m" => Ok(1.0),
        "in" | "inch" | "inches" => Ok(0.0254),
        other => Err(Error::InvalidProblem(format!(
            "unit {other:?}: fabric is costed by the metre, so the unit must be mm, cm, m or in"
        ))),
    }
}

/// How far a plan has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanProgress {
    /// Markers nested so far (a ratio is nested once).
    pub markers_nested: usize,
    /// Garments the lays chosen so far cut.
    pub garments_planned: u32,
    /// Garments ordered.
    pub garments_ordered: u32,
}

/// Plans the order: every marker is nested with `options` (each marker its own search).
pub fn plan(order: &CutOrder, options: &NestOptions) -> Result<CutPlan> {
    plan_reporting(order, options, &mut |_| {})
}

/// [`plan`], telling `on_progress` after each marker nested.
pub fn plan_reporting(
    order: &CutOrder,
    options: &NestOptions,
    on_progress: &mut dyn FnMut(PlanProgress),
) -> Result<CutPlan> {
    order.validate()?;
    let sizes = order.sizes.len();
    // Colours in the order they are first named.
    let mut colours: Vec<String> = Vec::new();
    for quantity in &order.quantities {
        if !colours.contains(&quantity.colour) {
            colours.push(quantity.colour.clone());
        }
    }
    let size_index = |name: &str| order.sizes.iter().position(|s| s.size == name).unwrap_or(0);
    let colour_index = |name: &str| colours.iter().position(|c| c == name).unwrap_or(0);
    let mut ordered = vec![vec![0u32; sizes]; colours.len()];
    for quantity in &order.quantities {
        ordered[colour_index(&quantity.colour)][size_index(&quantity.size)] += quantity.quantity;
    }
    let garments_ordered: u32 = ordered.iter().flatten().sum();
    let mut tell = |nested: &HashMap<Vec<u32>, PlannedMarker>, remaining: &[Vec<u32>]| {
        on_progress(PlanProgress {
            markers_nested: nested.len(),
            garments_planned: garments_ordered - remaining.iter().flatten().sum::<u32>(),
            garments_ordered,
        });
    };
    let metres = metres_per_unit(&order.unit)?;

    // Every ratio is nested at most once.
    let mut nested: HashMap<Vec<u32>, PlannedMarker> = HashMap::new();

    // One garment of each size: the baseline and the basis of estimates.
    let mut single_length = Vec::with_capacity(sizes);
    let mut single_area = Vec::with_capacity(sizes);
    let mut single_density = Vec::with_capacity(sizes);
    for index in 0..sizes {
        let mut ratio = vec![0; sizes];
        ratio[index] = 1;
        let planned = nest_ratio(order, options, &mut nested, &ratio)?;
        if planned.length + order.end_allowance > order.table_length {
            return Err(Error::InvalidProblem(format!(
                "size {}: one garment's marker is {:.3} long (with the end allowance {}), longer \
                 than the table ({})",
                order.sizes[index].size, planned.length, order.end_allowance, order.table_length
            )));
        }
        single_length.push(planned.length);
        single_area.push(order.problem(&ratio).pieces_area());
        single_density.push(planned.density);
        tell(&nested, &ordered);
    }
    let mean_density = single_density.iter().sum::<f64>() / sizes as f64;
    let estimate = |ratio: &[u32]| {
        let garments: u32 = ratio.iter().sum();
        let piece_area: f64 = ratio
            .iter()
            .zip(&single_area)
            .map(|(r, a)| f64::from(*r) * a)
            .sum();
        // More garments pack denser; the gain levels off.
        let density = mean_density
            + (0.9f64.max(mean_density) - mean_density)
                * 0.5
                * (1.0 - 1.0 / f64::from(garments.max(1)));
        piece_area / (order.width * density)
    };
    let fabric_cost = |length: f64| {
        Fen::new((length * metres * order.costs.fabric_per_metre.get() as f64).round() as i64)
    };

    let allowance: Vec<Vec<u32>> = ordered
        .iter()
        .map(|row| {
            row.iter()
                .map(|q| q * order.overcut_percent / 100)
                .collect()
        })
        .collect();
    let mut remaining = ordered.clone();
    let mut spare = allowance;
    let mut rounds: Vec<(Vec<u32>, Vec<u32>)> = Vec::new(); // (ratio, plies per colour)
    let mut too_long: Vec<Vec<u32>> = Vec::new();
    let candidates = ratios(sizes, order.max_garments_per_marker);
    while remaining.iter().flatten().any(|q| *q > 0) {
        let mut best: Option<(f64, Vec<u32>, Vec<u32>)> = None;
        for ratio in &candidates {
            if too_long.contains(ratio)
                || estimate(ratio) + order.end_allowance > order.table_length
            {
                continue;
            }
            let plies: Vec<u32> = (0..colours.len())
                .map(|c| {
                    ratio
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| **r > 0)
                        .map(|(s, r)| (remaining[c][s] + spare[c][s]) / r)
                        .min()
                        .unwrap_or(0)
                        .min(order.max_plies)
                })
                .collect();
            let useful: u32 = (0..colours.len())
                .map(|c| {
                    ratio
                        .iter()
                        .enumerate()
                        .map(|(s, r)| (plies[c] * r).min(remaining[c][s]))
                        .sum::<u32>()
                })
                .sum();
            if useful == 0 {
                continue;
            }
            let length = nested
                .get(ratio)
                .map_or_else(|| estimate(ratio), |m| m.length);
            let total_plies: u32 = plies.iter().sum();
            let lays = plies.iter().filter(|p| **p > 0).count() as i64;
            let cost = fabric_cost((length + order.end_allowance) * f64::from(total_plies)).get()
                + if nested.contains_key(ratio) {
                    0
                } else {
                    order.costs.marker.get()
                }
                + lays * order.costs.spread.get();
            let score = f64::from(useful) / (cost.max(1) as f64);
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, ratio.clone(), plies));
            }
        }
        let Some((_, ratio, plies)) = best else {
            return Err(Error::InvalidProblem(
                "no marker of the allowed garments fits the table for what remains to cut".into(),
            ));
        };
        let planned = nest_ratio(order, options, &mut nested, &ratio)?;
        if planned.length + order.end_allowance > order.table_length {
            // The estimate was short: never try this ratio again.
            too_long.push(ratio);
            continue;
        }
        for (c, ply) in plies.iter().enumerate() {
            for (s, r) in ratio.iter().enumerate() {
                let cut = ply * r;
                let from_remaining = cut.min(remaining[c][s]);
                remaining[c][s] -= from_remaining;
                spare[c][s] -= (cut - from_remaining).min(spare[c][s]);
            }
        }
        rounds.push((ratio, plies));
        tell(&nested, &remaining);
    }

    // Markers in the order first used; lays per round and colour.
    let mut markers: Vec<PlannedMarker> = Vec::new();
    let mut marker_of: HashMap<Vec<u32>, usize> = HashMap::new();
    let mut lays = Vec::new();
    let mut cut = vec![vec![0u32; sizes]; colours.len()];
    for (ratio, plies) in &rounds {
        let index = match marker_of.get(ratio) {
            Some(index) => *index,
            None => {
                markers.push(nest_ratio(order, options, &mut nested, ratio)?);
                marker_of.insert(ratio.clone(), markers.len() - 1);
                markers.len() - 1
            }
        };
        for (c, ply) in plies.iter().enumerate().filter(|(_, p)| **p > 0) {
            for (s, r) in ratio.iter().enumerate() {
                cut[c][s] += ply * r;
            }
            lays.push(Lay {
                marker: index,
                colour: colours[c].clone(),
                plies: *ply,
                ply_length: markers[index].length + order.end_allowance,
            });
        }
    }
    let fabric_length: f64 = lays.iter().map(|l| l.ply_length * f64::from(l.plies)).sum();
    let cost_of = |fabric: f64, markers: usize, spreads: usize| {
        let fabric = fabric_cost(fabric);
        let markers = Fen::new(order.costs.marker.get() * markers as i64);
        let spreads = Fen::new(order.costs.spread.get() * spreads as i64);
        PlanCost {
            fabric,
            markers,
            spreads,
            total: Fen::new(fabric.get() + markers.get() + spreads.get()),
        }
    };
    let lower_bound: f64 = (0..colours.len())
        .flat_map(|c| (0..sizes).map(move |s| (c, s)))
        .map(|(c, s)| f64::from(ordered[c][s]) * single_area[s])
        .sum::<f64>()
        / order.width;
    let mut baseline_fabric = 0.0;
    let mut baseline_spreads = 0;
    let mut baseline_markers = 0;
    for s in 0..sizes {
        let garments: Vec<u32> = (0..colours.len()).map(|c| ordered[c][s]).collect();
        if garments.iter().all(|g| *g == 0) {
            continue;
        }
        baseline_markers += 1;
        for g in garments.into_iter().filter(|g| *g > 0) {
            baseline_fabric += f64::from(g) * (single_length[s] + order.end_allowance);
            baseline_spreads += g.div_ceil(order.max_plies) as usize;
        }
    }
    Ok(CutPlan {
        cost: cost_of(fabric_length, markers.len(), lays.len()),
        one_marker_per_size_cost: cost_of(baseline_fabric, baseline_markers, baseline_spreads),
        markers,
        lays,
        cut: (0..colours.len())
            .flat_map(|c| (0..sizes).map(move |s| (c, s)))
            .filter(|(c, s)| ordered[*c][*s] > 0 || cut[*c][*s] > 0)
            .map(|(c, s)| {
                (
                    colours[c].clone(),
                    order.sizes[s].size.clone(),
                    ordered[c][s],
                    cut[c][s],
                )
            })
            .collect(),
        fabric_length,
        lower_bound,
        one_marker_per_size: baseline_fabric,
    })
}

/// The marker of a ratio, nested on first use.
fn nest_ratio(
    order: &CutOrder,
    options: &NestOptions,
    nested: &mut HashMap<Vec<u32>, PlannedMarker>,
    ratio: &[u32],
) -> Result<PlannedMarker> {
    if let Some(found) = nested.get(ratio) {
        return Ok(found.clone());
    }
    let problem = order.problem(ratio);
    let marker = nest(&problem, options, &mut |_| {})?;
    let planned = PlannedMarker {
        ratio: order
            .sizes
            .iter()
            .zip(ratio)
            .filter(|(_, c)| **c > 0)
            .map(|(s, c)| (s.size.clone(), *c))
            .collect(),
        length: marker.length,
        density: marker.density,
        marker,
    };
    nested.insert(ratio.to_vec(), planned.clone());
    Ok(planned)
}

/// Every ratio of `sizes` counts with 1 to `max` garments in all.
fn ratios(sizes: usize, max: u32) -> Vec<Vec<u32>> {
    fn extend(prefix: &mut Vec<u32>, sizes: usize, left: u32, out: &mut Vec<Vec<u32>>) {
        if prefix.len() == sizes {
            if prefix.iter().any(|r| *r > 0) {
                out.push(prefix.clone());
            }
            return;
        }
        for count in 0..=left {
            prefix.push(count);
            extend(prefix, sizes, left - count, out);
            prefix.pop();
        }
    }
    let mut out = Vec::new();
    // Beyond 8 sizes the ratios would number in the hundreds of thousands; cap the garments.
    let max = if sizes > 8 { max.min(3) } else { max };
    extend(&mut Vec::new(), sizes, max, &mut out);
    out
}
