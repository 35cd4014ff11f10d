//! Readers: the ESICUP / jagua-rs JSON instances (old and new orientation fields) and Zhizao's
//! own problem JSON. Errors name the file and the JSON path; nothing returned is unvalidated.

use std::path::Path;

use serde::Deserialize;

use crate::model::{FreeRotation, Mirror, Piece, Point, Problem, Rotations};
use crate::{Error, Result};

/// Reads a problem file: Zhizao's problem JSON or an ESICUP / jagua-rs instance, told apart by
/// their fields, and validates it.
pub fn read_file(path: &Path) -> Result<Problem> {
    let bytes = std::fs::read(path).map_err(|error| Error::io(path, error))?;
    parse(&bytes).map_err(|error| Error::in_file(path, error))
}

/// Parses a problem from JSON bytes (either format) and validates it.
pub fn parse(bytes: &[u8]) -> Result<Problem> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|error| {
        Error::parse(
            format!("line {} column {}", error.line(), error.column()),
            format!("not JSON: {error}"),
        )
    })?;
    let problem = if value.get("strip_height").is_some() {
        from_esicup(typed(value)?)?
    } else if value.get("pieces").is_some() {
        typed::<Problem>(value)?
    } else {
        return Err(Error::parse(
            "the top level",
            "neither a Zhizao problem (with `width` and `pieces`) nor an ESICUP instance (with \
             `strip_height` and `items`)",
        ));
    };
    problem.validate()?;
    Ok(problem)
}

fn typed<T: for<'de> Deserialize<'de>>(value: serde_json::Value) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        Error::parse(
            if path == "." {
                "the top level".into()
            } else {
                path
            },
            error.into_inner().to_string(),
        )
    })
}

#[derive(Deserialize)]
struct EsicupInstance {
    name: String,
    strip_height: f64,
    #[serde(default)]
    min_item_separation: f64,
    items: Vec<EsicupItem>,
}

#[derive(Deserialize)]
struct EsicupItem {
    id: u64,
    demand: u32,
    /// The old field: a list of degrees.
    #[serde(default)]
    allowed_orientations: Option<Vec<f64>>,
    /// The new field (jagua-rs 0.7 on): `{ "rotation": {"mode": ...}, "reflection_axes": [...] }`.
    #[serde(default)]
    orientation: Option<EsicupOrientation>,
    shape: EsicupShape,
    /// The source file of the shape; ignored.
    #[serde(default)]
    #[allow(dead_code)]
    dxf: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EsicupOrientation {
    rotation: EsicupRotation,
    #[serde(default)]
    reflection_axes: Vec<f64>,
}

#[derive(Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
enum EsicupRotation {
    Discrete { angles: Vec<f64> },
    Stepped { step: f64 },
    Continuous {},
}

#[derive(Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum EsicupShape {
    SimplePolygon(Vec<Point>),
    Polygon {
        outer: Vec<Point>,
        #[serde(default)]
        inner: Vec<Vec<Point>>,
    },
    Rectangle {
        x_min: f64,
        y_min: f64,
        width: f64,
        height: f64,
    },
}

fn from_esicup(instance: EsicupInstance) -> Result<Problem> {
    let pieces = instance
        .items
        .into_iter()
        .map(|item| {
            let id = item.id.to_string();
            let (rotations, mirror) = match (item.allowed_orientations, item.orientation) {
                (Some(_), Some(_)) => {
                    return Err(Error::piece(
                        &id,
                        "both `allowed_orientations` and `orientation`: give one",
                    ));
                }
                (Some(angles), None) => (Rotations::Angles(angles), Mirror::None),
                (None, Some(orientation)) => (
                    match orientation.rotation {
                        EsicupRotation::Discrete { angles } => Rotations::Angles(angles),
                        EsicupRotation::Stepped { step } => Rotations::Stepped { step },
                        EsicupRotation::Continuous {} => Rotations::Free(FreeRotation::Free),
                    },
                    if orientation.reflection_axes.is_empty() {
                        Mirror::None
                    } else {
                        Mirror::Free
                    },
                ),
                (None, None) => (Rotations::default(), Mirror::None),
            };
            let (outline, holes) = match item.shape {
                EsicupShape::SimplePolygon(points) => (points, Vec::new()),
                EsicupShape::Polygon { outer, inner } => (outer, inner),
                EsicupShape::Rectangle {
                    x_min,
                    y_min,
                    width,
                    height,
                } => (
                    vec![
                        [x_min, y_min],
                        [x_min + width, y_min],
                        [x_min + width, y_min + height],
                        [x_min, y_min + height],
                    ],
                    Vec::new(),
                ),
            };
            Ok(Piece {
                id,
                name: None,
                size: None,
                owner: None,
                demand: item.demand,
                outline,
                holes,
                rotations,
                mirror,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Problem {
        name: instance.name,
        unit: None,
        width: instance.strip_height,
        spacing: instance.min_item_separation,
        defects: Vec::new(),
        pieces,
    })
}

/// Whether a path names a DXF pattern file (by its extension, in any case).
pub fn is_dxf(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("dxf"))
}

/// Reads a DXF pattern file's pieces.
pub fn read_pattern(path: &Path) -> Result<crate::dxf::Pattern> {
    let bytes = std::fs::read(path).map_err(|error| Error::io(path, error))?;
    crate::dxf::parse(&bytes).map_err(|error| Error::in_file(path, error))
}
