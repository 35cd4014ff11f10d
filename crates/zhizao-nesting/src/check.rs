//! The independent marker validator behind `zhizao check-marker`: it shares nothing with the
//! optimiser but the model, and measures with the `geo` crate in double precision.
//!
//! A marker passes when every piece lies inside the strip `[0, length] × [0, width]`, no two
//! pieces overlap by more than the tolerance, every pair keeps the problem's spacing, no piece
//! touches a defect zone, every piece's demand is met exactly (half mirrored for pairs), and
//! every rotation and mirroring is one the piece allows.

use geo::{Area, BooleanOps, Distance, Euclidean, LineString, Polygon};

use crate::marker::Marker;
use crate::model::{Mirror, Placement, Point, Problem, rotation_allowed};
use crate::{Error, Result};

/// What a valid marker measures.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The extent along the fabric, measured from the placed outlines.
    pub length: f64,
    /// Total piece area over `width × length`.
    pub density: f64,
    /// The copies placed.
    pub copies: usize,
    /// The largest overlap area found between two pieces (within the tolerance).
    pub worst_overlap: f64,
}

/// Lengths within this fraction of the strip's size count as touching (the optimiser computes
/// in single precision).
pub const RELATIVE_TOLERANCE: f64 = 1e-5;

/// Checks `marker` against `problem`; the error lists what is wrong (up to ten findings).
pub fn check(problem: &Problem, marker: &Marker) -> Result<Evaluation> {
    problem.validate()?;
    if (marker.width - problem.width).abs() > 1e-9 * problem.width.max(1.0) {
        return Err(Error::InvalidMarker(format!(
            "made for a width of {}, the problem's is {}",
            marker.width, problem.width
        )));
    }
    let placements = marker.placements_in(problem)?;
    let mut findings = Vec::new();
    check_counts(problem, &placements, &mut findings);

    let outlines: Vec<Vec<Point>> = placements
        .iter()
        .map(|p| p.outline(&problem.pieces[p.piece]))
        .collect();
    let length = outlines
        .iter()
        .flatten()
        .map(|[x, _]| *x)
        .fold(0.0, f64::max);
    let tolerance = RELATIVE_TOLERANCE * (problem.width + length);
    let label = |index: usize| {
        format!(
            "copy {} (piece {})",
            index + 1,
            problem.pieces[placements[index].piece].id
        )
    };

    for (index, outline) in outlines.iter().enumerate() {
        let (low, high) = bounds(outline);
        if low[0] < -tolerance || low[1] < -tolerance || high[1] > problem.width + tolerance {
            findings.push(format!(
                "{} leaves the fabric: it spans x {:.4}..{:.4}, y {:.4}..{:.4} on a width of {}",
                label(index),
                low[0],
                high[0],
                low[1],
                high[1],
                problem.width
            ));
        }
        let placement = &placements[index];
        if !rotation_allowed(
            &problem.pieces[placement.piece].rotations,
            placement.rotation,
            1e-3,
        ) {
            findings.push(format!(
                "{} is rotated {}°, which its grain does not allow",
                label(index),
                placement.rotation
            ));
        }
    }

    let polygons: Vec<Polygon<f64>> = outlines.iter().map(|o| polygon(o)).collect();
    let boxes: Vec<(Point, Point)> = outlines.iter().map(|o| bounds(o)).collect();
    let reach = problem.spacing + tolerance;
    let mut worst_overlap: f64 = 0.0;
    for i in 0..polygons.len() {
        for j in i + 1..polygons.len() {
            let ((a_low, a_high), (b_low, b_high)) = (boxes[i], boxes[j]);
            if a_low[0] > b_high[0] + reach
                || b_low[0] > a_high[0] + reach
                || a_low[1] > b_high[1] + reach
                || b_low[1] > a_high[1] + reach
            {
                continue;
            }
            let overlap = polygons[i].intersection(&polygons[j]).unsigned_area();
            // An overlap is a sliver along a shared edge at most `tolerance` deep.
            let allowed = tolerance * perimeter(&outlines[i]).min(perimeter(&outlines[j]));
            if overlap > allowed {
                findings.push(format!(
                    "{} and {} overlap by an area of {overlap:.6}",
                    label(i),
                    label(j)
                ));
                continue;
            }
            worst_overlap = worst_overlap.max(overlap);
            if problem.spacing > 0.0 {
                let gap = Euclidean.distance(&polygons[i], &polygons[j]);
                if gap < problem.spacing - tolerance {
                    findings.push(format!(
                        "{} and {} are {gap:.4} apart, closer than the spacing of {}",
                        label(i),
                        label(j),
                        problem.spacing
                    ));
                }
            }
        }
    }
    for (zone_index, zone) in problem.defects.iter().enumerate() {
        let zone_polygon = polygon(zone);
        for (index, piece) in polygons.iter().enumerate() {
            let overlap = piece.intersection(&zone_polygon).unsigned_area();
            if overlap > tolerance * perimeter(&outlines[index]) {
                findings.push(format!(
                    "{} lies on defect zone {} (an area of {overlap:.6})",
                    label(index),
                    zone_index + 1
                ));
            }
        }
    }

    if findings.is_empty() {
        Ok(Evaluation {
            length,
            density: if length > 0.0 {
                problem.pieces_area() / (problem.width * length)
            } else {
                0.0
            },
            copies: placements.len(),
            worst_overlap,
        })
    } else {
        let total = findings.len();
        findings.truncate(10);
        let more = if total > 10 {
            format!("; and {} more", total - 10)
        } else {
            String::new()
        };
        Err(Error::InvalidMarker(format!(
            "{}{more}",
            findings.join("; ")
        )))
    }
}

fn check_counts(problem: &Problem, placements: &[Placement], findings: &mut Vec<String>) {
    for (index, piece) in problem.pieces.iter().enumerate() {
        let copies: Vec<&Placement> = placements.iter().filter(|p| p.piece == index).collect();
        let mirrored = copies.iter().filter(|p| p.mirrored).count();
        if copies.len() != piece.demand as usize {
            findings.push(format!(
                "piece {} is placed {} times, its demand is {}",
                piece.id,
                copies.len(),
                piece.demand
            ));
        }
        match piece.mirror {
            Mirror::None if mirrored > 0 => findings.push(format!(
                "piece {} may not be mirrored, {mirrored} copies are",
                piece.id
            )),
            Mirror::Pairs if mirrored * 2 != copies.len() => findings.push(format!(
                "piece {} is cut in pairs: {mirrored} of {} copies are mirrored, half must be",
                piece.id,
                copies.len()
            )),
            _ => {}
        }
    }
}

fn polygon(points: &[Point]) -> Polygon<f64> {
    Polygon::new(
        LineString::from(points.iter().map(|[x, y]| (*x, *y)).collect::<Vec<_>>()),
        Vec::new(),
    )
}

fn bounds(points: &[Point]) -> (Point, Point) {
    points.iter().fold(
        ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]),
        |(low, high), [x, y]| {
            (
                [low[0].min(*x), low[1].min(*y)],
                [high[0].max(*x), high[1].max(*y)],
            )
        },
    )
}

fn perimeter(points: &[Point]) -> f64 {
    let n = points.len();
    (0..n)
        .map(|i| {
            let ([ax, ay], [bx, by]) = (points[i], points[(i + 1) % n]);
            (bx - ax).hypot(by - ay)
        })
        .sum()
}
