//! The AAMA / ASTM D6673 DXF reader: the exchange format every garment pattern system writes.
//!
//! Each piece in each size is a `BLOCK` in the `BLOCKS` section. Layer 1 holds the cutting line
//! (one closed polyline, or several polylines and lines that chain end to end) and the texts
//! `Piece Name:`, `SIZE:` and `Quantity:`; layer 6 a mirror (fold) line, about which the piece
//! is unfolded; layer 7 the grain line, which the reader turns to run along the fabric; layer 11
//! internal cut-outs. Units come from the `$INSUNITS` header or a `Units: METRIC | ENGLISH`
//! text. Every error names the block and the line of the entity at fault.

use std::collections::HashMap;

use geo::{BooleanOps, LineString, Polygon};

use crate::model::{Mirror, Piece, Point, Problem, Rotations, area, check_polygon};
use crate::{Error, Result};

/// The pieces a pattern file holds, before a fabric is chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// `mm` or `in` when the file says.
    pub unit: Option<String>,
    /// One piece per block with a boundary and a quantity to cut, in file order.
    pub pieces: Vec<Piece>,
    /// Blocks left out, with why: reference pieces whose quantity is 0 (not cut).
    pub skipped: Vec<(String, String)>,
}

impl Pattern {
    /// A problem on a fabric of `width` (in the pattern's unit) with `spacing` between pieces.
    pub fn problem(&self, name: &str, width: f64, spacing: f64) -> Result<Problem> {
        let problem = Problem {
            name: name.to_owned(),
            unit: self.unit.clone(),
            width,
            spacing,
            defects: Vec::new(),
            pieces: self.pieces.clone(),
        };
        problem.validate()?;
        Ok(problem)
    }
}

/// One group-code pair and the 1-based line of its code.
struct Pair<'a> {
    line: usize,
    code: i32,
    value: &'a str,
}

/// What one block holds, as read.
#[derive(Default)]
struct Block {
    name: String,
    line: usize,
    piece_name: Option<String>,
    size: Option<String>,
    quantity: Option<(String, usize)>,
    /// Point chains on the boundary layer, each with the line of its entity.
    boundary: Vec<(Vec<Point>, usize)>,
    cutouts: Vec<(Vec<Point>, usize)>,
    mirror: Option<(Point, Point)>,
    grain: Option<(Point, Point)>,
}

/// Parses a DXF pattern file's bytes (any 8-bit encoding; texts are read as Latin-1 where they
/// are not UTF-8).
pub fn parse(bytes: &[u8]) -> Result<Pattern> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|b| char::from(*b)).collect(),
    };
    let pairs = pairs(&text)?;
    let mut unit = header_unit(&pairs);
    let mut blocks = Vec::new();
    let mut index = 0;
    let mut section = String::new();
    while index < pairs.len() {
        let pair = &pairs[index];
        if pair.code == 0 && pair.value == "SECTION" {
            section = pairs
                .get(index + 1)
                .filter(|p| p.code == 2)
                .map(|p| p.value.to_owned())
                .unwrap_or_default();
            index += 1;
            continue;
        }
        if pair.code == 0 && pair.value == "BLOCK" && section == "BLOCKS" {
            let (block, next) = read_block(&pairs, index)?;
            blocks.push(block);
            index = next;
            continue;
        }
        index += 1;
    }
    // Without a header unit, the first `Units:` text anywhere in the file says it.
    if unit.is_none() {
        unit = pairs
            .iter()
            .filter(|pair| pair.code == 1)
            .find_map(|pair| text_unit(pair.value));
    }
    let quantities = quantities_by_name(&blocks);
    let mut pieces = Vec::new();
    let mut skipped = Vec::new();
    for block in blocks.iter().filter(|b| !b.boundary.is_empty()) {
        match piece_of(block, &quantities)? {
            Some(piece) => pieces.push(piece),
            None => skipped.push((block.name.clone(), "quantity 0: not cut".to_owned())),
        }
    }
    if pieces.is_empty() {
        return Err(Error::parse(
            "the BLOCKS section",
            if skipped.is_empty() {
                "no piece boundaries (no block has a polyline on layer 1): is this a pattern export?"
            } else {
                "every piece has quantity 0: there is nothing to cut"
            },
        ));
    }
    Ok(Pattern {
        unit,
        pieces,
        skipped,
    })
}

fn pairs(text: &str) -> Result<Vec<Pair<'_>>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut pairs = Vec::with_capacity(lines.len() / 2);
    let mut index = 0;
    while index < lines.len() {
        let code = lines[index].trim();
        if code.is_empty() && index + 1 == lines.len() {
            break;
        }
        let code: i32 = code.parse().map_err(|_| {
            Error::parse(
                format!("line {}", index + 1),
                format!("a group code (a whole number) was expected, found {code:?}"),
            )
        })?;
        let value = lines.get(index + 1).map(|v| v.trim()).ok_or_else(|| {
            Error::parse(
                format!("line {}", index + 1),
                "a group code without its value",
            )
        })?;
        pairs.push(Pair {
            line: index + 1,
            code,
            value,
        });
        if code == 0 && value == "EOF" {
            break;
        }
        index += 2;
    }
    Ok(pairs)
}

fn header_unit(pairs: &[Pair<'_>]) -> Option<String> {
    let at = pairs
        .iter()
        .position(|p| p.code == 9 && p.value == "$INSUNITS")?;
    match pairs.get(at + 1).map(|p| p.value) {
        Some("1") => Some("in".into()),
        Some("4") => Some("mm".into()),
        Some("5") => Some("cm".into()),
        Some("6") => Some("m".into()),
        _ => None,
    }
}

fn text_unit(text: &str) -> Option<String> {
    let (key, value) = text.split_once(':')?;
    if !key.trim().eq_ignore_ascii_case("units") {
        return None;
    }
    match value.trim().to_ascii_uppercase().as_str() {
        "METRIC" => Some("mm".into()),
        "ENGLISH" => Some("in".into()),
        _ => None,
    }
}

fn number(pair: &Pair<'_>, block: &str) -> Result<f64> {
    pair.value
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            Error::parse(
                format!("block {block}, line {}", pair.line + 1),
                format!(
                    "group {} must be a number, found {:?}",
                    pair.code, pair.value
                ),
            )
        })
}

/// Reads the block starting at `start` (its `0 BLOCK`), returning it and the index after it.
fn read_block(pairs: &[Pair<'_>], start: usize) -> Result<(Block, usize)> {
    let mut block = Block {
        line: pairs[start].line,
        ..Block::default()
    };
    let mut index = start + 1;
    while index < pairs.len() && pairs[index].code != 0 {
        if pairs[index].code == 2 {
            block.name = pairs[index].value.to_owned();
        }
        index += 1;
    }
    while index < pairs.len() {
        let entity = &pairs[index];
        if entity.value == "ENDBLK" {
            return Ok((block, index + 1));
        }
        if entity.value == "BLOCK" || entity.value == "ENDSEC" {
            break;
        }
        let kind = entity.value;
        let line = entity.line;
        let mut end = index + 1;
        while end < pairs.len() && pairs[end].code != 0 {
            end += 1;
        }
        let fields = &pairs[index + 1..end];
        let layer = fields.iter().find(|p| p.code == 8).map_or("", |p| p.value);
        match kind {
            "TEXT" | "MTEXT" if layer == "1" => {
                let text = fields.iter().find(|p| p.code == 1).map_or("", |p| p.value);
                if let Some((key, value)) = text.split_once(':') {
                    let value = value.trim().to_owned();
                    match key.trim().to_ascii_lowercase().as_str() {
                        "piece name" => block.piece_name = Some(value),
                        "size" => block.size = Some(value),
                        "quantity" => block.quantity = Some((value, line)),
                        _ => {}
                    }
                }
            }
            "POLYLINE" => {
                let mut points = Vec::new();
                let mut vertex = end;
                while vertex < pairs.len() && pairs[vertex].value == "VERTEX" {
                    let mut next = vertex + 1;
                    let (mut x, mut y) = (None, None);
                    while next < pairs.len() && pairs[next].code != 0 {
                        match pairs[next].code {
                            10 => x = Some(number(&pairs[next], &block.name)?),
                            20 => y = Some(number(&pairs[next], &block.name)?),
                            _ => {}
                        }
                        next += 1;
                    }
                    match (x, y) {
                        (Some(x), Some(y)) => points.push([x, y]),
                        _ => {
                            return Err(Error::parse(
                                format!(
                                    "block {}, VERTEX at line {}",
                                    block.name, pairs[vertex].line
                                ),
                                "a vertex without both coordinates (groups 10 and 20)",
                            ));
                        }
                    }
                    vertex = next;
                }
                if pairs.get(vertex).is_some_and(|p| p.value == "SEQEND") {
                    vertex += 1;
                    while vertex < pairs.len() && pairs[vertex].code != 0 {
                        vertex += 1;
                    }
                }
                close_if_flagged(fields, &mut points);
                add_chain(&mut block, layer, points, line);
                index = vertex;
                continue;
            }
            "LWPOLYLINE" => {
                let mut points = Vec::new();
                let mut x = None;
                for pair in fields {
                    match pair.code {
                        10 => x = Some(number(pair, &block.name)?),
                        20 => {
                            let y = number(pair, &block.name)?;
                            let x = x.take().ok_or_else(|| {
                                Error::parse(
                                    format!("block {}, LWPOLYLINE at line {line}", block.name),
                                    "a y coordinate without its x",
                                )
                            })?;
                            points.push([x, y]);
                        }
                        _ => {}
                    }
                }
                close_if_flagged(fields, &mut points);
                add_chain(&mut block, layer, points, line);
            }
            "LINE" => {
                let mut coordinates = [None; 4];
                for pair in fields {
                    let slot = match pair.code {
                        10 => 0,
                        20 => 1,
                        11 => 2,
                        21 => 3,
                        _ => continue,
                    };
                    coordinates[slot] = Some(number(pair, &block.name)?);
                }
                let [Some(x1), Some(y1), Some(x2), Some(y2)] = coordinates else {
                    return Err(Error::parse(
                        format!("block {}, LINE at line {line}", block.name),
                        "a line without both end points (groups 10, 20, 11, 21)",
                    ));
                };
                match layer {
                    "6" => block.mirror = Some(([x1, y1], [x2, y2])),
                    "7" => block.grain = Some(([x1, y1], [x2, y2])),
                    _ => add_chain(&mut block, layer, vec![[x1, y1], [x2, y2]], line),
                }
            }
            _ => {}
        }
        index = end;
    }
    Err(Error::parse(
        format!("block {}, BLOCK at line {}", block.name, block.line),
        "the block has no ENDBLK",
    ))
}

/// A polyline whose flags (group 70) say closed ends where it starts.
fn close_if_flagged(fields: &[Pair<'_>], points: &mut Vec<Point>) {
    let closed = fields
        .iter()
        .find(|p| p.code == 70)
        .and_then(|p| p.value.parse::<i32>().ok())
        .is_some_and(|flags| flags & 1 == 1);
    if closed && let Some(first) = points.first().copied() {
        points.push(first);
    }
}

fn add_chain(block: &mut Block, layer: &str, points: Vec<Point>, line: usize) {
    if points.len() < 2 {
        return;
    }
    match layer {
        "1" => block.boundary.push((points, line)),
        "11" => block.cutouts.push((points, line)),
        "6" if block.mirror.is_none() => {
            block.mirror = Some((points[0], points[points.len() - 1]));
        }
        _ => {}
    }
}

/// Quantities are usually written once per piece name (in the sample size's block).
fn quantities_by_name(blocks: &[Block]) -> HashMap<String, (String, usize)> {
    blocks
        .iter()
        .filter_map(|b| Some((b.piece_name.clone()?, b.quantity.clone()?)))
        .collect()
}

/// The block's piece, or `None` for a reference piece with quantity 0.
fn piece_of(block: &Block, quantities: &HashMap<String, (String, usize)>) -> Result<Option<Piece>> {
    let place = |line: usize| format!("block {}, line {line}", block.name);
    let scale = block
        .boundary
        .iter()
        .flat_map(|(points, _)| points)
        .flat_map(|[x, y]| [x.abs(), y.abs()])
        .fold(1.0, f64::max);
    let tolerance = scale * 1e-6;
    let mut rings = chain(&block.boundary, tolerance).map_err(|line| {
        Error::parse(
            place(line),
            "an open boundary: the cutting line on layer 1 does not close",
        )
    })?;
    rings.sort_by(|a, b| area(b).abs().total_cmp(&area(a).abs()));
    let mut outline = rings.remove(0);
    let mut holes: Vec<Vec<Point>> = rings;
    for ring in chain(&block.cutouts, tolerance)
        .map_err(|line| Error::parse(place(line), "an open internal cut-out on layer 11"))?
    {
        holes.push(ring);
    }
    let (quantity, quantity_line) = block
        .quantity
        .clone()
        .or_else(|| {
            block
                .piece_name
                .as_ref()
                .and_then(|n| quantities.get(n).cloned())
        })
        .unwrap_or_else(|| ("1".into(), block.line));
    let id = block.name.clone();
    let mut folded = false;
    if let Some((a, b)) = block.mirror {
        outline = unfold(&outline, a, b).ok_or_else(|| {
            Error::piece(
                &id,
                "unfolding about the mirror line (layer 6) does not give one piece",
            )
        })?;
        folded = true;
    }
    let Some((demand, mirror)) = parse_quantity(&quantity, folded)
        .map_err(|reason| Error::parse(place(quantity_line), format!("piece {id}: {reason}")))?
    else {
        return Ok(None);
    };
    // Turn the piece so its grain line runs along the fabric (x).
    if let Some((a, b)) = block.grain {
        let angle = (b[1] - a[1]).atan2(b[0] - a[0]);
        if (b[1] - a[1]).hypot(b[0] - a[0]) > 0.0 && angle.abs() > 1e-9 {
            let (sin, cos) = (-angle).sin_cos();
            let turn = |[x, y]: Point| [x * cos - y * sin, x * sin + y * cos];
            outline = outline.into_iter().map(turn).collect();
            holes = holes
                .into_iter()
                .map(|h| h.into_iter().map(turn).collect())
                .collect();
        }
    }
    check_polygon(&outline).map_err(|reason| Error::piece(&id, format!("outline: {reason}")))?;
    Ok(Some(Piece {
        id,
        name: block.piece_name.clone(),
        size: block.size.clone(),
        owner: None,
        demand,
        outline,
        holes,
        rotations: Rotations::Angles(vec![0.0, 180.0]),
        mirror,
    }))
}

/// `Quantity: N` or `Quantity: N,M` (M mirrored); a folded piece is cut once when it says 0,
/// any other piece saying 0 is a reference piece, not cut (`None`).
fn parse_quantity(text: &str, folded: bool) -> std::result::Result<Option<(u32, Mirror)>, String> {
    let numbers: Vec<&str> = text.split(',').map(str::trim).collect();
    let parse = |value: &str| {
        value
            .parse::<u32>()
            .map_err(|_| format!("the quantity {text:?} is not a whole number of pieces"))
    };
    let (plain, mirrored) = match numbers.as_slice() {
        [plain] => (parse(plain)?, 0),
        [plain, mirrored] => (parse(plain)?, parse(mirrored)?),
        _ => return Err(format!("the quantity {text:?} has more than two numbers")),
    };
    match (plain, mirrored) {
        (0, 0) if folded => Ok(Some((1, Mirror::None))),
        (0, 0) => Ok(None),
        (n, 0) => Ok(Some((n, Mirror::None))),
        (n, m) if n == m => Ok(Some((n + m, Mirror::Pairs))),
        (n, m) => Err(format!(
            "{n} plain and {m} mirrored pieces: pairs need as many of each"
        )),
    }
}

/// Chains point lists into closed rings; on failure, the line of a chain that stays open.
fn chain(
    parts: &[(Vec<Point>, usize)],
    tolerance: f64,
) -> std::result::Result<Vec<Vec<Point>>, usize> {
    let near =
        |a: Point, b: Point| (a[0] - b[0]).abs() <= tolerance && (a[1] - b[1]).abs() <= tolerance;
    let mut unused: Vec<(Vec<Point>, usize)> = parts.to_vec();
    let mut rings = Vec::new();
    while let Some((mut ring, line)) = unused.pop() {
        loop {
            let (first, last) = (ring[0], ring[ring.len() - 1]);
            if ring.len() > 2 && near(first, last) {
                ring.pop();
                break;
            }
            let Some(at) = unused
                .iter()
                .position(|(p, _)| near(p[0], last) || near(p[p.len() - 1], last))
            else {
                return Err(line);
            };
            let (mut next, _) = unused.swap_remove(at);
            if !near(next[0], last) {
                next.reverse();
            }
            ring.extend(next.into_iter().skip(1));
        }
        ring.dedup_by(|a, b| near(*a, *b));
        if ring.len() > 1 && near(ring[0], ring[ring.len() - 1]) {
            ring.pop();
        }
        if ring.len() >= 3 {
            rings.push(ring);
        }
    }
    if rings.is_empty()
        && let Some((_, line)) = parts.first()
    {
        return Err(*line);
    }
    Ok(rings)
}

/// The piece and its mirror image about the line `a`–`b`, as one outline.
fn unfold(outline: &[Point], a: Point, b: Point) -> Option<Vec<Point>> {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let length_squared = dx * dx + dy * dy;
    if length_squared == 0.0 {
        return None;
    }
    let reflect = |[x, y]: Point| {
        let t = ((x - a[0]) * dx + (y - a[1]) * dy) / length_squared;
        let (px, py) = (a[0] + t * dx, a[1] + t * dy);
        [2.0 * px - x, 2.0 * py - y]
    };
    let polygon = |points: Vec<Point>| {
        Polygon::new(
            LineString::from(points.into_iter().map(|[x, y]| (x, y)).collect::<Vec<_>>()),
            Vec::new(),
        )
    };
    let half = polygon(outline.to_vec());
    let mirrored = polygon(outline.iter().map(|p| reflect(*p)).collect());
    let union = half.union(&mirrored);
    let [whole] = union.0.as_slice() else {
        return None;
    };
    let mut points: Vec<Point> = whole.exterior().coords().map(|c| [c.x, c.y]).collect();
    if points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    Some(points)
}
