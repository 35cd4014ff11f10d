//! The bridge to jagua-rs: the model's pieces as collision-engine items, the fabric of a given
//! length as a container (with defects as zones no piece may enter), and placed items back as
//! model placements.

use std::sync::Arc;

use jagua_rs::collision_detection::CDEConfig;
use jagua_rs::entities::{Container, Item, Layout};
use jagua_rs::geometry::fail_fast::SPSurrogateConfig;
use jagua_rs::io::export::int_to_ext_transformation;
use jagua_rs::io::ext_repr::{
    ExtContainer, ExtItem, ExtOrientation, ExtQualityZone, ExtRotation, ExtSPolygon, ExtShape,
};
use jagua_rs::io::import::Importer;

use geo::{Area, BooleanOps, BoundingRect, Coord, LineString, Polygon, Rect};

use crate::model::{Mirror, Placement, Problem, Rotations, allowed_angles};
use crate::{Error, Result};

/// One engine item: a piece, or one hand of a piece cut in mirrored pairs.
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    /// The model piece.
    pub(crate) piece: usize,
    /// The item's outline is the piece's mirror image.
    pub(crate) mirrored: bool,
    /// Copies of this variant.
    pub(crate) demand: usize,
}

/// The problem as the collision engine sees it.
pub(crate) struct World {
    pub(crate) items: Vec<Arc<Item>>,
    pub(crate) variants: Vec<Variant>,
    importer: Importer,
    width: f32,
    half_spacing: f32,
    /// Defect zones as given; each container holds the parts of them on its strip.
    defects: Vec<Polygon<f64>>,
}

/// The spacing the engine is asked to keep for a problem's `spacing`. jagua-rs inflates each
/// piece by half of it with round joins drawn as chords every 0.1 radian, which lie inside the
/// true offset by up to 1 − cos 0.05 of it, so two pieces could come that much closer than
/// asked (the validator found 0.4712 for 0.4714); asking for the spacing divided by that cosine
/// (and a millionth more for the f32 coordinates) keeps every pair the whole spacing apart.
fn engine_spacing(spacing: f64) -> f64 {
    if spacing > 0.0 {
        spacing / 0.05f64.cos() * (1.0 + 1e-6)
    } else {
        0.0
    }
}

impl World {
    pub(crate) fn new(problem: &Problem) -> Result<World> {
        let importer = Importer::new(
            CDEConfig {
                item_surrogate_config: SPSurrogateConfig {
                    n_pole_limits: [(64, 0.0), (16, 0.8), (8, 0.9)],
                    ff_pole_area_ratio: 0.0,
                },
            },
            // Shapes are simplified and narrow concavities closed only by inflating them, so a
            // layout free of collisions for the engine is one for the true outlines too.
            Some(0.001),
            Some((0.01, 0.01)),
        )
        .with_min_item_separation(engine_spacing(problem.spacing) as f32)
        .map_err(|e| Error::Engine(e.to_string()))?;
        let mut variants = Vec::new();
        for (index, piece) in problem.pieces.iter().enumerate() {
            let demand = piece.demand as usize;
            if piece.mirror == Mirror::Pairs {
                variants.push(Variant {
                    piece: index,
                    mirrored: false,
                    demand: demand / 2,
                });
                variants.push(Variant {
                    piece: index,
                    mirrored: true,
                    demand: demand / 2,
                });
            } else {
                variants.push(Variant {
                    piece: index,
                    mirrored: false,
                    demand,
                });
            }
        }
        let items = variants
            .iter()
            .enumerate()
            .map(|(index, variant)| {
                let piece = &problem.pieces[variant.piece];
                let sign = if variant.mirrored { -1.0 } else { 1.0 };
                let mut points: Vec<(f32, f32)> = piece
                    .outline
                    .iter()
                    .map(|[x, y]| (*x as f32, (sign * y) as f32))
                    .collect();
                if points.len() > 1 && points.first() == points.last() {
                    points.pop();
                }
                let ext = ExtItem {
                    id: index as u64,
                    orientation: ExtOrientation {
                        rotation: match &piece.rotations {
                            Rotations::Angles(angles) => ExtRotation::Discrete {
                                angles: angles.iter().map(|a| *a as f32).collect(),
                            },
                            Rotations::Stepped { step } => {
                                ExtRotation::Stepped { step: *step as f32 }
                            }
                            Rotations::Free(_) => ExtRotation::Continuous {},
                        },
                        reflection_axes: if piece.mirror == Mirror::Free {
                            vec![0.0]
                        } else {
                            Vec::new()
                        },
                    },
                    shape: ExtShape::SimplePolygon(ExtSPolygon(points)),
                    min_quality: None,
                };
                importer
                    .import_item(&ext, index)
                    .map_err(|e| Error::piece(&piece.id, format!("the collision engine: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let defects = problem
            .defects
            .iter()
            .map(|zone| {
                Polygon::new(
                    LineString::from(zone.iter().map(|[x, y]| (*x, *y)).collect::<Vec<_>>()),
                    Vec::new(),
                )
            })
            .collect();
        Ok(World {
            items,
            variants,
            importer,
            width: problem.width as f32,
            half_spacing: (engine_spacing(problem.spacing) / 2.0) as f32,
            defects,
        })
    }

    /// The fabric from 0 to `length`, with the parts of the defect zones that lie on it.
    pub(crate) fn container(&self, length: f32) -> Container {
        let strip = Rect::new(
            Coord { x: 0.0, y: 0.0 },
            Coord {
                x: f64::from(length),
                y: f64::from(self.width),
            },
        )
        .to_polygon();
        let minimum = 1e-9 * f64::from(self.width) * f64::from(self.width);
        let parts: Vec<Polygon<f64>> = self
            .defects
            .iter()
            .flat_map(|zone| zone.intersection(&strip).0)
            .filter(|part| part.unsigned_area() > minimum)
            .collect();
        let zone = |shape: ExtShape| ExtQualityZone { quality: 0, shape };
        let exact = parts
            .iter()
            .map(|part| {
                let mut points: Vec<(f32, f32)> = part
                    .exterior()
                    .coords()
                    .map(|c| (c.x as f32, c.y as f32))
                    .collect();
                points.pop();
                zone(ExtShape::SimplePolygon(ExtSPolygon(points)))
            })
            .collect();
        self.import(length, exact).unwrap_or_else(|| {
            // A clipped sliver the engine cannot take: keep pieces off its bounding box instead
            // (further away, never closer).
            let boxes = parts
                .iter()
                .filter_map(|part| part.bounding_rect())
                .map(|r| {
                    zone(ExtShape::Rectangle {
                        x_min: r.min().x as f32,
                        y_min: r.min().y as f32,
                        width: r.width() as f32,
                        height: r.height() as f32,
                    })
                })
                .collect();
            self.import(length, boxes)
                .expect("a positive rectangle with rectangular zones is a container")
        })
    }

    fn import(&self, length: f32, zones: Vec<ExtQualityZone>) -> Option<Container> {
        self.importer
            .import_container(&ExtContainer {
                id: 0,
                // The engine shrinks the fabric by half the spacing and grows every piece by
                // half: a fabric drawn half the spacing larger all round leaves exactly
                // `0..length × 0..width` to the grown pieces, so an outline keeps half the
                // spacing from the edges and the whole spacing from another outline.
                shape: ExtShape::Rectangle {
                    x_min: -self.half_spacing,
                    y_min: -self.half_spacing,
                    width: length + 2.0 * self.half_spacing,
                    height: self.width + 2.0 * self.half_spacing,
                },
                zones,
            })
            .ok()
    }

    /// Every placed item as a model placement, rotations snapped to the allowed angle they are
    /// within a thousandth of a degree of (single precision leaves 180.000005).
    pub(crate) fn placements(&self, layout: &Layout, problem: &Problem) -> Vec<Placement> {
        let mut placements: Vec<Placement> = layout
            .placed_items()
            .values()
            .map(|placed| {
                let item = placed.item();
                let variant = &self.variants[item.idx()];
                let ext =
                    int_to_ext_transformation(&placed.d_transf(), &item.shape_orig().pre_transform);
                let (x, y) = ext.translation();
                let rotation = f64::from(ext.rotation().to_degrees()).rem_euclid(360.0);
                let snapped = allowed_angles(&problem.pieces[variant.piece].rotations)
                    .unwrap_or_default()
                    .into_iter()
                    .find(|a| {
                        let delta = (rotation - a).rem_euclid(360.0);
                        delta.min(360.0 - delta) < 1e-3
                    })
                    .unwrap_or(rotation);
                Placement {
                    piece: variant.piece,
                    mirrored: variant.mirrored != ext.reflected,
                    rotation: snapped,
                    x: f64::from(x),
                    y: f64::from(y),
                }
            })
            .collect();
        placements.sort_by(|a, b| a.piece.cmp(&b.piece).then(a.x.total_cmp(&b.x)));
        placements
    }
}
