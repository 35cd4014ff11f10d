//! Writers of a marker: SVG for the screen and print, HPGL (`.plt`) for plotters and cutters.

use std::fmt::Write as _;

use crate::Result;
use crate::marker::Marker;
use crate::model::{Point, Problem};

/// Fill colours by size (or by owner when co-nesting), cycled.
const PALETTE: [&str; 8] = [
    "#8ecae6", "#ffb703", "#90be6d", "#f28482", "#b8b8ff", "#f6bd60", "#84a59d", "#cdb4db",
];

/// The marker as a standalone SVG: the fabric, every piece (filled by size, or by owner when
/// pieces have owners), its holes, its label, the defect zones and the length.
pub fn svg(problem: &Problem, marker: &Marker) -> Result<String> {
    let placements = marker.placements_in(problem)?;
    let (length, width) = (marker.length.max(f64::MIN_POSITIVE), problem.width);
    let groups: Vec<String> = {
        let mut keys: Vec<String> = problem.pieces.iter().map(group_key).collect();
        keys.sort();
        keys.dedup();
        keys
    };
    let stroke = (width / 400.0).max(f64::MIN_POSITIVE);
    let font = (width / 40.0).max(f64::MIN_POSITIVE);
    let mut out = String::new();
    // y grows downwards in SVG: flip so the marker reads as it lies on the table.
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="{:.4} {:.4} {:.4} {:.4}" preserveAspectRatio="xMinYMin meet">"#,
        -font,
        -font * 2.5,
        length + 2.0 * font,
        width + font * 3.5
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&problem.name));
    let _ = writeln!(out, r#"<g transform="translate(0 {width}) scale(1 -1)">"#);
    let _ = writeln!(
        out,
        r##"<rect x="0" y="0" width="{length:.4}" height="{width}" fill="#fafafa" stroke="#555" stroke-width="{stroke:.4}"/>"##
    );
    for defect in &problem.defects {
        let _ = writeln!(
            out,
            r##"<polygon class="defect" points="{}" fill="#e63946" fill-opacity="0.35" stroke="#e63946" stroke-width="{stroke:.4}"/>"##,
            points(defect)
        );
    }
    for placement in &placements {
        let piece = &problem.pieces[placement.piece];
        let group = groups
            .iter()
            .position(|g| *g == group_key(piece))
            .unwrap_or(0);
        let mut path = ring(&placement.outline(piece));
        for hole in &piece.holes {
            let placed: Vec<Point> = hole.iter().map(|p| placement.apply(*p)).collect();
            path.push_str(&ring(&placed));
        }
        let _ = writeln!(
            out,
            r##"<path class="piece" data-piece="{}" d="{path}" fill="{}" fill-rule="evenodd" stroke="#333" stroke-width="{stroke:.4}"/>"##,
            escape(&piece.id),
            PALETTE[group % PALETTE.len()]
        );
    }
    let _ = writeln!(out, "</g>");
    for placement in &placements {
        let piece = &problem.pieces[placement.piece];
        let label = [
            piece.name.as_deref().unwrap_or(&piece.id),
            piece.size.as_deref().unwrap_or(""),
        ]
        .join(" ");
        let label = label.trim();
        let (x, y, size, turned) = label_place(&placement.outline(piece), label, font * 0.6);
        let (y, turn) = (width - y, if turned { "rotate(-90 " } else { "" });
        let transform = if turned {
            format!(r#" transform="{turn}{x:.3} {y:.3})""#)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            r##"<text x="{x:.3}" y="{y:.3}" font-size="{size:.3}" text-anchor="middle" dominant-baseline="central" fill="#222"{transform}>{}</text>"##,
            escape(label)
        );
    }
    let _ = writeln!(
        out,
        r##"<text x="0" y="{:.3}" font-size="{font:.3}" fill="#222">{} × {} · {:.2}%</text>"##,
        -font,
        trim_number(marker.length),
        trim_number(width),
        marker.density * 100.0
    );
    out.push_str("</svg>\n");
    Ok(out)
}

/// Where a piece's label goes: the centre of the outline's box, turned to run along the piece
/// when it is taller than wide, its size no larger than `largest` and small enough to stay
/// inside the box (text about 0.6 of its size wide a character).
fn label_place(outline: &[Point], label: &str, largest: f64) -> (f64, f64, f64, bool) {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for [x, y] in outline {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y0 = y0.min(*y);
        y1 = y1.max(*y);
    }
    let (along_x, along_y) = ((x1 - x0).max(0.0), (y1 - y0).max(0.0));
    let turned = along_y > along_x * 1.2;
    let (along, across) = if turned {
        (along_y, along_x)
    } else {
        (along_x, along_y)
    };
    let chars = label.chars().count().max(1) as f64;
    let size = largest
        .min(along * 0.9 / (chars * 0.6))
        .min(across * 0.8)
        .max(f64::MIN_POSITIVE);
    ((x0 + x1) / 2.0, (y0 + y1) / 2.0, size, turned)
}

/// The marker in HPGL for a plotter or cutter: every outline and hole as a closed pen-down
/// path, in plotter units (0.025 mm), from the problem's unit (millimetres when it names none).
pub fn hpgl(problem: &Problem, marker: &Marker) -> Result<String> {
    let placements = marker.placements_in(problem)?;
    let per_unit = match problem
        .unit
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("cm") => 400.0,
        Some("in" | "inch" | "inches") => 1016.0,
        Some("m") => 40_000.0,
        _ => 40.0,
    };
    let mut out = String::from("IN;SP1;\n");
    let mut path = |points: &[Point]| {
        let coordinate = |[x, y]: Point| {
            format!(
                "{},{}",
                (x * per_unit).round() as i64,
                (y * per_unit).round() as i64
            )
        };
        if let Some(first) = points.first() {
            let _ = write!(out, "PU{};PD", coordinate(*first));
            let rest: Vec<String> = points[1..]
                .iter()
                .chain([first])
                .map(|p| coordinate(*p))
                .collect();
            let _ = writeln!(out, "{};", rest.join(","));
        }
    };
    for placement in &placements {
        let piece = &problem.pieces[placement.piece];
        path(&placement.outline(piece));
        for hole in &piece.holes {
            let placed: Vec<Point> = hole.iter().map(|p| placement.apply(*p)).collect();
            path(&placed);
        }
    }
    out.push_str("PU0,0;SP0;\n");
    Ok(out)
}

fn group_key(piece: &crate::model::Piece) -> String {
    piece
        .owner
        .clone()
        .or_else(|| piece.size.clone())
        .unwrap_or_default()
}

fn points(points: &[Point]) -> String {
    points
        .iter()
        .map(|[x, y]| format!("{x:.4},{y:.4}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn ring(points: &[Point]) -> String {
    let mut d = String::new();
    for (i, [x, y]) in points.iter().enumerate() {
        let _ = write!(d, "{}{x:.4} {y:.4} ", if i == 0 { "M" } else { "L" });
    }
    d.push('Z');
    d
}

fn trim_number(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
