//! The marker file: a versioned JSON record of where every copy of every piece lies, what the
//! marker measures and how the search that made it ran.

use serde::{Deserialize, Serialize};

use crate::model::{Placement, Problem};
use crate::{Error, Result};

/// The `format` field of every marker file.
pub const MARKER_FORMAT: &str = "zhizao-marker";
/// The version of the marker format this crate writes and reads.
pub const MARKER_VERSION: u32 = 1;

/// A marker: the layout of a problem's pieces on its fabric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Marker {
    /// Always [`MARKER_FORMAT`].
    pub format: String,
    /// The format's version, [`MARKER_VERSION`].
    pub version: u32,
    /// The problem's name.
    pub problem: String,
    /// The fabric width it was made for.
    pub width: f64,
    /// The marker's length: from 0 to the furthest point of any piece.
    pub length: f64,
    /// Total piece area over `width × length`.
    pub density: f64,
    /// One entry per copy.
    pub placements: Vec<MarkerPlacement>,
    /// How the search ran.
    pub search: SearchReport,
}

/// One copy of a piece, by the piece's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkerPlacement {
    /// The piece's id.
    pub piece: String,
    /// Mirrored before rotating.
    #[serde(default)]
    pub mirrored: bool,
    /// Degrees counter-clockwise.
    pub rotation: f64,
    /// Translation along the fabric.
    pub x: f64,
    /// Translation across the fabric.
    pub y: f64,
}

/// The search behind a marker, so a result can be reproduced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchReport {
    /// The seed.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// Separator iterations run.
    pub iterations: u64,
    /// Wall time in milliseconds.
    pub elapsed_ms: u64,
}

impl Marker {
    /// A marker for `problem` from model placements, measuring its length and density.
    pub fn new(problem: &Problem, placements: &[Placement], search: SearchReport) -> Marker {
        let length = placements
            .iter()
            .flat_map(|p| p.outline(&problem.pieces[p.piece]))
            .map(|[x, _]| x)
            .fold(0.0, f64::max);
        Marker {
            format: MARKER_FORMAT.into(),
            version: MARKER_VERSION,
            problem: problem.name.clone(),
            width: problem.width,
            length,
            density: if length > 0.0 {
                problem.pieces_area() / (problem.width * length)
            } else {
                0.0
            },
            placements: placements
                .iter()
                .map(|p| MarkerPlacement {
                    piece: problem.pieces[p.piece].id.clone(),
                    mirrored: p.mirrored,
                    rotation: p.rotation,
                    x: p.x,
                    y: p.y,
                })
                .collect(),
            search,
        }
    }

    /// Reads a marker file's JSON, checking its format and version.
    pub fn parse(bytes: &[u8]) -> Result<Marker> {
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|error| Error::InvalidMarker(format!("not JSON: {error}")))?;
        let format = value.get("format").and_then(|f| f.as_str());
        if format != Some(MARKER_FORMAT) {
            return Err(Error::InvalidMarker(format!(
                "`format` must be \"{MARKER_FORMAT}\", not {}",
                format.map_or("missing".into(), |f| format!("\"{f}\""))
            )));
        }
        let version = value.get("version").and_then(serde_json::Value::as_u64);
        if version != Some(u64::from(MARKER_VERSION)) {
            return Err(Error::InvalidMarker(format!(
                "this build reads marker version {MARKER_VERSION}, not {}",
                version.map_or("missing".into(), |v| v.to_string())
            )));
        }
        serde_path_to_error::deserialize(value)
            .map_err(|error| Error::InvalidMarker(format!("{}: {}", error.path(), error.inner())))
    }

    /// The placements in model form, each piece looked up by its id.
    pub fn placements_in(&self, problem: &Problem) -> Result<Vec<Placement>> {
        self.placements
            .iter()
            .enumerate()
            .map(|(index, placed)| {
                let piece = problem
                    .pieces
                    .iter()
                    .position(|p| p.id == placed.piece)
                    .ok_or_else(|| {
                        Error::InvalidMarker(format!(
                            "placement {} names piece \"{}\", which the problem does not have",
                            index + 1,
                            placed.piece
                        ))
                    })?;
                if ![placed.rotation, placed.x, placed.y]
                    .iter()
                    .all(|v| v.is_finite())
                {
                    return Err(Error::InvalidMarker(format!(
                        "placement {} has a number that is not finite",
                        index + 1
                    )));
                }
                Ok(Placement {
                    piece,
                    mirrored: placed.mirrored,
                    rotation: placed.rotation,
                    x: placed.x,
                    y: placed.y,
                })
            })
            .collect()
    }
}
