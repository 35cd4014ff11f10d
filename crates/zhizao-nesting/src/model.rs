//! The nesting model: a fabric of fixed width, pieces with demands, rotations, mirroring and a
//! spacing, and defect zones to keep away from. Everything else (readers, the optimiser, the
//! validator, the writers) meets here, and only here.
//!
//! Coordinates: `x` runs along the fabric (the marker's length, minimised), `y` across it
//! (`0..width`). A placement maps a piece's own coordinates `(px, py)` to the fabric by
//! mirroring first (`py -> -py` when `mirrored`), then rotating counter-clockwise by `rotation`
//! degrees about the piece's origin, then translating by `(x, y)`.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A point `[x, y]`.
pub type Point = [f64; 2];

/// A nesting problem: what the optimiser solves and the validator checks against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    /// A name for reports (the instance, the order and size run).
    pub name: String,
    /// The unit of every length (`mm`, `cm`, `in`); informational, for writers and people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The usable fabric width (the strip's fixed side).
    pub width: f64,
    /// The minimum distance between two pieces (half of it is also kept from the selvedges).
    #[serde(default)]
    pub spacing: f64,
    /// Fabric defects (holes, flaws, a marked selvedge fault) no piece may touch.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub defects: Vec<Vec<Point>>,
    /// The pieces to place.
    pub pieces: Vec<Piece>,
}

/// One pattern piece and how many copies the marker holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Piece {
    /// Unique within the problem; placements refer to it.
    pub id: String,
    /// The piece's name from the pattern (`FRONT`, `SLEEVE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The size it belongs to (`M`, `38`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// Whose piece it is when one marker serves several clients (co-nesting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// How many copies to place (for `mirror: pairs`, the total of both hands).
    pub demand: u32,
    /// The cutting line, a simple polygon (closed implicitly).
    pub outline: Vec<Point>,
    /// Inner cut-outs: drawn and cut, never filled with other pieces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holes: Vec<Vec<Point>>,
    /// The rotations the grain line allows.
    #[serde(default)]
    pub rotations: Rotations,
    /// Whether copies may or must be mirrored.
    #[serde(default)]
    pub mirror: Mirror,
}

/// The rotations a piece may take, in degrees counter-clockwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Rotations {
    /// Exactly these angles (`[0]` for one-way fabric, `[0, 180]` for napless grain).
    Angles(Vec<f64>),
    /// Every multiple of a step (`{"step": 90}`).
    Stepped {
        /// The step in degrees, dividing 360.
        step: f64,
    },
    /// Any angle (`"free"`): knits and non-woven material without a grain.
    Free(FreeRotation),
}

/// The marker word for [`Rotations::Free`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FreeRotation {
    /// Any angle.
    Free,
}

impl Default for Rotations {
    fn default() -> Self {
        Rotations::Angles(vec![0.0])
    }
}

/// How copies of a piece relate to its mirror image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mirror {
    /// Never mirrored.
    #[default]
    None,
    /// Half the copies are mirrored: the left and right hands of a pair (the demand is even).
    Pairs,
    /// Each copy may be mirrored or not, as packs best (a fabric with no face side).
    Free,
}

/// Where one copy of a piece lies on the fabric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    /// Index of the piece in [`Problem::pieces`].
    pub piece: usize,
    /// Mirrored (`y -> -y` in the piece's own coordinates) before rotating.
    #[serde(default)]
    pub mirrored: bool,
    /// Counter-clockwise rotation in degrees, in `0..360`.
    pub rotation: f64,
    /// Translation along the fabric.
    pub x: f64,
    /// Translation across the fabric.
    pub y: f64,
}

impl Placement {
    /// Maps a point of the piece's own coordinates onto the fabric.
    pub fn apply(&self, [px, py]: Point) -> Point {
        let py = if self.mirrored { -py } else { py };
        let (sin, cos) = self.rotation.to_radians().sin_cos();
        [px * cos - py * sin + self.x, px * sin + py * cos + self.y]
    }

    /// The piece's outline as placed.
    pub fn outline(&self, piece: &Piece) -> Vec<Point> {
        piece.outline.iter().map(|p| self.apply(*p)).collect()
    }
}

impl Problem {
    /// The total area of every copy of every piece (the marker's useful fabric).
    pub fn pieces_area(&self) -> f64 {
        self.pieces
            .iter()
            .map(|piece| area(&piece.outline).abs() * f64::from(piece.demand))
            .sum()
    }

    /// How many copies in all.
    pub fn copies(&self) -> usize {
        self.pieces.iter().map(|p| p.demand as usize).sum()
    }

    /// Checks everything the optimiser assumes, naming the piece and the reason of the first
    /// problem: a width, spacing and defects that make sense; unique ids; pieces that are simple
    /// polygons with an area, positive demands, even demands for pairs, allowed rotations, and
    /// that fit the fabric's width in at least one allowed rotation.
    pub fn validate(&self) -> Result<()> {
        if !(self.width.is_finite() && self.width > 0.0) {
            return Err(Error::InvalidProblem(format!(
                "the fabric width must be a positive number, not {}",
                self.width
            )));
        }
        if !(self.spacing.is_finite() && self.spacing >= 0.0 && self.spacing < self.width) {
            return Err(Error::InvalidProblem(format!(
                "the spacing must be zero or more and less than the width, not {}",
                self.spacing
            )));
        }
        if self.pieces.is_empty() {
            return Err(Error::InvalidProblem("there are no pieces to nest".into()));
        }
        for (index, defect) in self.defects.iter().enumerate() {
            check_polygon(defect).map_err(|reason| {
                Error::InvalidProblem(format!("defect zone {}: {reason}", index + 1))
            })?;
        }
        let mut ids = std::collections::HashSet::new();
        for piece in &self.pieces {
            if piece.id.trim().is_empty() {
                return Err(Error::InvalidProblem("a piece has an empty id".into()));
            }
            if !ids.insert(piece.id.as_str()) {
                return Err(Error::piece(&piece.id, "the id is used by another piece"));
            }
            self.validate_piece(piece)?;
        }
        Ok(())
    }

    fn validate_piece(&self, piece: &Piece) -> Result<()> {
        if piece.demand == 0 {
            return Err(Error::piece(&piece.id, "the demand must be at least 1"));
        }
        if piece.mirror == Mirror::Pairs && piece.demand % 2 == 1 {
            return Err(Error::piece(
                &piece.id,
                format!(
                    "mirrored pairs need an even demand (both hands), not {}",
                    piece.demand
                ),
            ));
        }
        check_polygon(&piece.outline)
            .map_err(|reason| Error::piece(&piece.id, format!("outline: {reason}")))?;
        for (index, hole) in piece.holes.iter().enumerate() {
            check_polygon(hole).map_err(|reason| {
                Error::piece(&piece.id, format!("hole {}: {reason}", index + 1))
            })?;
        }
        match &piece.rotations {
            Rotations::Angles(angles) => {
                if angles.is_empty() || angles.iter().any(|a| !a.is_finite()) {
                    return Err(Error::piece(
                        &piece.id,
                        "the allowed rotations must be one or more finite angles",
                    ));
                }
            }
            Rotations::Stepped { step } => {
                let turns = 360.0 / step;
                if !(step.is_finite() && *step > 0.0 && (turns - turns.round()).abs() < 1e-6) {
                    return Err(Error::piece(
                        &piece.id,
                        format!("a rotation step must divide 360 degrees, not {step}"),
                    ));
                }
            }
            Rotations::Free(_) => {}
        }
        let narrowest = narrowest_height(piece);
        if narrowest + self.spacing > self.width * (1.0 + 1e-9) {
            return Err(Error::piece(
                &piece.id,
                format!(
                    "wider than the fabric in every allowed rotation: at least {narrowest:.3} \
                     across (plus spacing {}) against a width of {}",
                    self.spacing, self.width
                ),
            ));
        }
        Ok(())
    }
}

/// The angles a piece's rotation set holds, or `None` when any angle is allowed.
pub fn allowed_angles(rotations: &Rotations) -> Option<Vec<f64>> {
    match rotations {
        Rotations::Angles(angles) => Some(angles.iter().map(|a| a.rem_euclid(360.0)).collect()),
        Rotations::Stepped { step } => {
            let turns = (360.0 / step).round().max(1.0) as usize;
            Some((0..turns).map(|i| i as f64 * step).collect())
        }
        Rotations::Free(_) => None,
    }
}

/// Whether a rotation (degrees) is one the piece allows, within `tolerance` degrees.
pub fn rotation_allowed(rotations: &Rotations, rotation: f64, tolerance: f64) -> bool {
    match allowed_angles(rotations) {
        None => rotation.is_finite(),
        Some(angles) => angles.iter().any(|a| {
            let delta = (rotation - a).rem_euclid(360.0);
            delta.min(360.0 - delta) <= tolerance
        }),
    }
}

/// The smallest extent across the fabric (`y`) the piece can take in an allowed rotation. For
/// free rotation this is the polygon's minimum width, found exactly on its convex hull's edges.
fn narrowest_height(piece: &Piece) -> f64 {
    let height_at = |degrees: f64| {
        let (sin, cos) = degrees.to_radians().sin_cos();
        let ys = piece.outline.iter().map(|[x, y]| x * sin + y * cos);
        let (low, high) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), y| {
            (l.min(y), h.max(y))
        });
        high - low
    };
    match allowed_angles(&piece.rotations) {
        Some(angles) => angles
            .into_iter()
            .map(height_at)
            .fold(f64::INFINITY, f64::min),
        None => {
            let n = piece.outline.len();
            (0..n)
                .map(|i| {
                    let [ax, ay] = piece.outline[i];
                    let [bx, by] = piece.outline[(i + 1) % n];
                    // Rotating by minus the edge's angle lays the edge along x.
                    -(by - ay).atan2(bx - ax).to_degrees()
                })
                // Hull edges bridging a concavity are not outline edges: a fine sweep covers
                // them (an estimate can only be wider, never narrower, than the truth).
                .chain((0..720).map(|i| f64::from(i) * 0.25))
                .map(height_at)
                .fold(f64::INFINITY, f64::min)
        }
    }
}

/// The polygon's signed area (positive when counter-clockwise).
pub fn area(points: &[Point]) -> f64 {
    let n = points.len();
    (0..n)
        .map(|i| {
            let [ax, ay] = points[i];
            let [bx, by] = points[(i + 1) % n];
            ax * by - bx * ay
        })
        .sum::<f64>()
        / 2.0
}

/// Why a point list is not a simple polygon with an area, if it is not: too few points,
/// numbers that are not finite, no area, or two edges that cross or touch.
pub fn check_polygon(points: &[Point]) -> std::result::Result<(), String> {
    let mut points = points.to_vec();
    if points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    if points.len() < 3 {
        return Err(format!(
            "an open polygon: {} distinct points where a closed outline needs 3 or more",
            points.len()
        ));
    }
    if let Some(index) = points
        .iter()
        .position(|[x, y]| !(x.is_finite() && y.is_finite()))
    {
        return Err(format!("point {} is not a finite number", index + 1));
    }
    let n = points.len();
    for i in 0..n {
        if points[i] == points[(i + 1) % n] {
            return Err(format!("points {} and {} coincide", i + 1, (i + 1) % n + 1));
        }
    }
    for i in 0..n {
        for j in i + 1..n {
            // Neighbouring edges share a vertex; they only intersect if they fold back.
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            let (a, b) = (points[i], points[(i + 1) % n]);
            let (c, d) = (points[j], points[(j + 1) % n]);
            if adjacent {
                if folds_back(a, b, c, d) {
                    return Err(format!(
                        "self-intersecting: edges {} and {} fold back onto each other",
                        i + 1,
                        j + 1
                    ));
                }
            } else if segments_touch(a, b, c, d) {
                return Err(format!(
                    "self-intersecting: edge {} ({:?} to {:?}) meets edge {} ({:?} to {:?})",
                    i + 1,
                    a,
                    b,
                    j + 1,
                    c,
                    d
                ));
            }
        }
    }
    let scale = points
        .iter()
        .flat_map(|[x, y]| [x.abs(), y.abs()])
        .fold(1.0, f64::max);
    if area(&points).abs() <= 1e-12 * scale * scale {
        return Err("the outline has no area".into());
    }
    Ok(())
}

fn cross(o: Point, a: Point, b: Point) -> f64 {
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
}

fn on_segment(a: Point, b: Point, p: Point) -> bool {
    p[0] >= a[0].min(b[0])
        && p[0] <= a[0].max(b[0])
        && p[1] >= a[1].min(b[1])
        && p[1] <= a[1].max(b[1])
}

/// Whether two closed segments share any point.
fn segments_touch(a: Point, b: Point, c: Point, d: Point) -> bool {
    let (d1, d2) = (cross(c, d, a), cross(c, d, b));
    let (d3, d4) = (cross(a, b, c), cross(a, b, d));
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    (d1 == 0.0 && on_segment(c, d, a))
        || (d2 == 0.0 && on_segment(c, d, b))
        || (d3 == 0.0 && on_segment(a, b, c))
        || (d4 == 0.0 && on_segment(a, b, d))
}

/// Whether two edges sharing a vertex overlap along a stretch (a spike folding back).
fn folds_back(a: Point, b: Point, c: Point, d: Point) -> bool {
    // The shared vertex is b == c (consecutive) or a == d (first and last edge).
    let (shared, p, q) = if b == c { (b, a, d) } else { (a, b, c) };
    cross(shared, p, q) == 0.0
        && (p[0] - shared[0]) * (q[0] - shared[0]) + (p[1] - shared[1]) * (q[1] - shared[1]) > 0.0
}
