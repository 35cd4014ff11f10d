//! Finding a good position for one item: uniform samples over the fabric and around where the
//! item lies, the best few refined by coordinate descent, the best of those refined finely.

use std::cell::Cell;
use std::cmp::Ordering;
use std::sync::Arc;

use jagua_rs::collision_detection::hazards::collector::HazardCollector;
use jagua_rs::collision_detection::hazards::filter::NoFilter;
use jagua_rs::collision_detection::hazards::{BasicHazardEntity, HazKey};
use jagua_rs::entities::{Item, Layout, PItemKey};
use jagua_rs::geometry::DTransformation;
use jagua_rs::geometry::geo_enums::RotationRange;
use jagua_rs::geometry::geo_traits::TransformableFrom;
use jagua_rs::geometry::primitives::{Rect, SPolygon};
use rand::RngExt;
use rand::rngs::Xoshiro256PlusPlus;

use super::tracker::{Tracker, exterior_loss, own_key, pair_loss};

/// How a candidate position scores; smaller is better.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Eval {
    /// No collision; the value ranks clear positions (leftmost first when constructing).
    Clear(f32),
    /// Collides, with this weighted loss.
    Collision(f32),
    /// Not acceptable at all (or worse than a bound, so its evaluation was cut short).
    Invalid,
}

impl Eval {
    fn rank(self) -> (u8, f32) {
        match self {
            Eval::Clear(v) => (0, v),
            Eval::Collision(v) => (1, v),
            Eval::Invalid => (2, 0.0),
        }
    }

    pub(crate) fn better_than(self, other: Eval) -> bool {
        self.cmp_to(other) == Ordering::Less
    }

    fn cmp_to(self, other: Eval) -> Ordering {
        let (a, b) = (self.rank(), other.rank());
        a.0.cmp(&b.0).then(a.1.total_cmp(&b.1))
    }
}

/// Sampling effort of one search.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SampleConfig {
    pub(crate) container_samples: usize,
    pub(crate) focussed_samples: usize,
    pub(crate) refined: usize,
}

/// Scores positions of one item.
pub(crate) trait Evaluator {
    fn evaluate(&mut self, dt: DTransformation, bound: Eval) -> Eval;
}

/// While separating: the weighted loss of the moving item at a position, cut short once it
/// exceeds the bound.
pub(crate) struct SeparationEvaluator<'a> {
    layout: &'a Layout,
    tracker: &'a Tracker,
    item: &'a Arc<Item>,
    moving: PItemKey,
    own: HazKey,
    buffer: SPolygon,
    found: Vec<(HazKey, BasicHazardEntity)>,
}

impl<'a> SeparationEvaluator<'a> {
    pub(crate) fn new(layout: &'a Layout, tracker: &'a Tracker, moving: PItemKey) -> Self {
        let item = layout.placed_items()[moving].item();
        SeparationEvaluator {
            layout,
            tracker,
            item,
            moving,
            own: own_key(layout, moving),
            buffer: item.shape_cd().as_ref().clone(),
            found: Vec::with_capacity(16),
        }
    }
}

impl Evaluator for SeparationEvaluator<'_> {
    fn evaluate(&mut self, dt: DTransformation, bound: Eval) -> Eval {
        let limit = match bound {
            Eval::Clear(_) => 0.0,
            Eval::Collision(v) => v,
            Eval::Invalid => f32::INFINITY,
        };
        self.buffer
            .transform_from(self.item.shape_cd(), &dt.compose());
        let loss = Cell::new(0.0f32);
        let mut found = std::mem::take(&mut self.found);
        found.clear();
        let mut collector = LossCollector {
            found,
            loss: &loss,
            shape: &self.buffer,
            layout: self.layout,
            tracker: self.tracker,
            moving: self.moving,
        };
        let cut = self.layout.cde().collect_poly_collisions_until(
            &self.buffer,
            &self.own,
            &mut collector,
            |_| loss.get() > limit,
        );
        let empty = collector.found.is_empty();
        self.found = collector.found;
        if cut {
            Eval::Invalid
        } else if empty {
            Eval::Clear(0.0)
        } else {
            Eval::Collision(loss.get())
        }
    }
}

/// Collects hazards and sums their weighted losses as they are found.
struct LossCollector<'a> {
    found: Vec<(HazKey, BasicHazardEntity)>,
    loss: &'a Cell<f32>,
    shape: &'a SPolygon,
    layout: &'a Layout,
    tracker: &'a Tracker,
    moving: PItemKey,
}

impl HazardCollector for LossCollector<'_> {
    type Entity = BasicHazardEntity;

    fn contains_key(&self, hkey: HazKey) -> bool {
        self.found.iter().any(|(k, _)| *k == hkey)
    }

    fn insert(&mut self, hkey: HazKey, entity: BasicHazardEntity) {
        let weighted = match entity {
            BasicHazardEntity::PlacedItem { pk, .. } => {
                pair_loss(self.shape, self.layout.placed_items()[pk].shape())
                    * self.tracker.pair_weight(self.moving, pk)
            }
            BasicHazardEntity::Exterior => {
                exterior_loss(self.shape, self.layout.container().outer_cd().bbox())
                    * self.tracker.border_weight(self.moving)
            }
            BasicHazardEntity::InferiorQualityZone { .. } | BasicHazardEntity::Hole { .. } => {
                let zone = self
                    .layout
                    .cde()
                    .hazard(hkey)
                    .expect("a found hazard")
                    .shape();
                pair_loss(self.shape, zone) * self.tracker.border_weight(self.moving)
            }
        };
        self.loss.set(self.loss.get() + weighted);
        self.found.push((hkey, entity));
    }

    fn remove_by_key(&mut self, hkey: HazKey) {
        self.found.retain(|(k, _)| *k != hkey);
    }

    fn len(&self) -> usize {
        self.found.len()
    }

    fn iter(&self) -> impl Iterator<Item = (HazKey, &BasicHazardEntity)> {
        self.found.iter().map(|(k, e)| (*k, e))
    }
}

/// While constructing: clear positions only, the leftmost (then lowest) best.
pub(crate) struct ConstructionEvaluator<'a> {
    layout: &'a Layout,
    item: &'a Arc<Item>,
    buffer: SPolygon,
}

impl<'a> ConstructionEvaluator<'a> {
    pub(crate) fn new(layout: &'a Layout, item: &'a Arc<Item>) -> Self {
        ConstructionEvaluator {
            layout,
            item,
            buffer: item.shape_cd().as_ref().clone(),
        }
    }
}

impl Evaluator for ConstructionEvaluator<'_> {
    fn evaluate(&mut self, dt: DTransformation, _bound: Eval) -> Eval {
        self.buffer
            .transform_from(self.item.shape_cd(), &dt.compose());
        if self
            .layout
            .cde()
            .detect_poly_collision(&self.buffer, &NoFilter)
        {
            Eval::Invalid
        } else {
            let bbox = self.buffer.bbox();
            let poi = self.buffer.poi().center;
            Eval::Clear(10.0 * (bbox.x_max + poi.0) + (bbox.y_min + poi.1))
        }
    }
}

/// One orientation an item may take and where its translation keeps it on the fabric.
#[derive(Debug, Clone)]
struct Orientation {
    reflected: bool,
    rotation: f32,
    /// The rotated shape's bounding box at translation zero.
    bbox: Rect,
}

/// Orientations sampled for continuous rotation.
const CONTINUOUS_SAMPLES: usize = 16;

fn orientations(item: &Item) -> Vec<Orientation> {
    let angles = |range: &RotationRange| match range {
        RotationRange::None => vec![0.0],
        RotationRange::Discrete(angles) => angles.clone(),
        RotationRange::Continuous => (0..CONTINUOUS_SAMPLES)
            .map(|i| i as f32 * std::f32::consts::TAU / CONTINUOUS_SAMPLES as f32)
            .collect(),
    };
    let allowed = item.allowed_orientations();
    let mut result = Vec::new();
    let mut buffer = item.shape_cd().as_ref().clone();
    let mut push = |reflected: bool, rotation: f32| {
        let dt = DTransformation::new(rotation, (0.0, 0.0)).with_reflection(reflected);
        buffer.transform_from(item.shape_cd(), &dt.compose());
        result.push(Orientation {
            reflected,
            rotation,
            bbox: buffer.bbox(),
        });
    };
    for rotation in angles(allowed.rotations()) {
        push(false, rotation);
    }
    if let Some(range) = allowed.rotations_after_reflection() {
        for rotation in angles(range) {
            push(true, rotation);
        }
    }
    result
}

/// The best few distinct positions seen, best first.
struct Best {
    size: usize,
    unique: f32,
    samples: Vec<(DTransformation, Eval)>,
}

impl Best {
    fn bound(&self) -> Eval {
        if self.samples.len() < self.size {
            Eval::Invalid
        } else {
            self.samples[self.samples.len() - 1].1
        }
    }

    fn report(&mut self, dt: DTransformation, eval: Eval) {
        if !eval.better_than(self.bound()) {
            return;
        }
        let similar = |other: &DTransformation| {
            let (a, b) = (dt.translation(), other.translation());
            (a.0 - b.0).abs() < self.unique
                && (a.1 - b.1).abs() < self.unique
                && dt.reflected == other.reflected
                && (dt.rotation() - other.rotation()).abs() < 0.0175
        };
        if self
            .samples
            .iter()
            .any(|(d, e)| similar(d) && !eval.better_than(*e))
        {
            return;
        }
        self.samples.retain(|(d, _)| !similar(d));
        if self.samples.len() == self.size {
            self.samples.pop();
        }
        let at = self
            .samples
            .iter()
            .position(|(_, e)| eval.better_than(*e))
            .unwrap_or(self.samples.len());
        self.samples.insert(at, (dt, eval));
    }
}

/// Searches a position for `item`, starting from where it lies (`current`) when it is placed.
pub(crate) fn search(
    item: &Item,
    fabric: Rect,
    current: Option<(DTransformation, Rect)>,
    evaluator: &mut impl Evaluator,
    config: SampleConfig,
    rng: &mut Xoshiro256PlusPlus,
) -> Option<(DTransformation, Eval)> {
    let size = item.shape_cd().bbox();
    let min_dim = size.width().min(size.height());
    let mut best = Best {
        size: config.refined.max(1),
        unique: min_dim * 0.05,
        samples: Vec::new(),
    };
    let orientations = orientations(item);
    let sample_in = |area: Rect, rng: &mut Xoshiro256PlusPlus| -> Option<DTransformation> {
        let orientation = &orientations[rng.random_range(0..orientations.len())];
        let x = (fabric.x_min - orientation.bbox.x_min).max(area.x_min)
            ..(fabric.x_max - orientation.bbox.x_max).min(area.x_max);
        let y = (fabric.y_min - orientation.bbox.y_min).max(area.y_min)
            ..(fabric.y_max - orientation.bbox.y_max).min(area.y_max);
        if x.start > x.end || y.start > y.end {
            return None;
        }
        let pick = |r: std::ops::Range<f32>, rng: &mut Xoshiro256PlusPlus| {
            if r.end > r.start {
                rng.random_range(r)
            } else {
                r.start
            }
        };
        let (tx, ty) = (pick(x, rng), pick(y, rng));
        Some(
            DTransformation::new(orientation.rotation, (tx, ty))
                .with_reflection(orientation.reflected),
        )
    };
    if let Some((dt, bbox)) = current {
        let eval = evaluator.evaluate(dt, best.bound());
        best.report(dt, eval);
        // Around the item: translations that keep its reference point within its own box.
        let (cx, cy) = dt.translation();
        let area = Rect {
            x_min: cx - bbox.width() / 2.0,
            x_max: cx + bbox.width() / 2.0,
            y_min: cy - bbox.height() / 2.0,
            y_max: cy + bbox.height() / 2.0,
        };
        for _ in 0..config.focussed_samples {
            if let Some(dt) = sample_in(area, rng) {
                let eval = evaluator.evaluate(dt, best.bound());
                best.report(dt, eval);
            }
        }
    }
    let everywhere = Rect {
        x_min: f32::NEG_INFINITY,
        y_min: f32::NEG_INFINITY,
        x_max: f32::INFINITY,
        y_max: f32::INFINITY,
    };
    for _ in 0..config.container_samples {
        if let Some(dt) = sample_in(everywhere, rng) {
            let eval = evaluator.evaluate(dt, best.bound());
            best.report(dt, eval);
        }
    }
    let continuous = matches!(
        item.allowed_orientations().rotations(),
        RotationRange::Continuous
    );
    let starts = best.samples.clone();
    for start in starts {
        let refined = descend(start, evaluator, Steps::coarse(min_dim), continuous, rng);
        best.report(refined.0, refined.1);
    }
    let first = best.samples.first().copied()?;
    Some(descend(
        first,
        evaluator,
        Steps::fine(min_dim),
        continuous,
        rng,
    ))
}

/// Step sizes of a coordinate descent.
#[derive(Debug, Clone, Copy)]
struct Steps {
    translation: f32,
    translation_limit: f32,
    rotation: f32,
    rotation_limit: f32,
}

impl Steps {
    fn coarse(min_dim: f32) -> Steps {
        Steps {
            translation: min_dim * 0.25,
            translation_limit: min_dim * 0.02,
            rotation: 5f32.to_radians(),
            rotation_limit: 1f32.to_radians(),
        }
    }

    fn fine(min_dim: f32) -> Steps {
        Steps {
            translation: min_dim * 0.01,
            translation_limit: min_dim * 0.001,
            rotation: 0.5f32.to_radians(),
            rotation_limit: 0.05f32.to_radians(),
        }
    }
}

/// Adaptive coordinate descent: try both ways along an axis; a better position grows the step,
/// anything else shrinks it and picks another axis, until every step is below its limit.
fn descend(
    (mut position, mut eval): (DTransformation, Eval),
    evaluator: &mut impl Evaluator,
    steps: Steps,
    wiggle: bool,
    rng: &mut Xoshiro256PlusPlus,
) -> (DTransformation, Eval) {
    let (mut sx, mut sy, mut sr) = (steps.translation, steps.translation, steps.rotation);
    let axes = if wiggle { 6 } else { 4 };
    let mut axis = rng.random_range(0..axes);
    let mut budget = 1000;
    while budget > 0
        && !(sx < steps.translation_limit
            && sy < steps.translation_limit
            && (!wiggle || sr < steps.rotation_limit))
    {
        budget -= 1;
        let (tx, ty) = position.translation();
        let r = position.rotation();
        let candidates = match axis {
            0 => [(tx + sx, ty, r), (tx - sx, ty, r)],
            1 => [(tx, ty + sy, r), (tx, ty - sy, r)],
            2 => [(tx + sx, ty + sy, r), (tx - sx, ty - sy, r)],
            3 => [(tx - sx, ty + sy, r), (tx + sx, ty - sy, r)],
            _ => [(tx, ty, r + sr), (tx, ty, r - sr)],
        };
        let mut improved = false;
        let mut moved = false;
        for (x, y, r) in candidates {
            let candidate = DTransformation::new(r, (x, y)).with_reflection(position.reflected);
            let candidate_eval = evaluator.evaluate(candidate, eval);
            match candidate_eval.cmp_to(eval) {
                Ordering::Less => {
                    (position, eval) = (candidate, candidate_eval);
                    improved = true;
                    break;
                }
                Ordering::Equal if !moved => {
                    (position, eval) = (candidate, candidate_eval);
                    moved = true;
                }
                _ => {}
            }
        }
        let factor = if improved { 1.1 } else { 0.5 };
        match axis {
            0 => sx *= factor,
            1 => sy *= factor,
            2 | 3 => {
                sx *= factor.sqrt();
                sy *= factor.sqrt();
            }
            _ => sr *= factor,
        }
        if !improved {
            axis = rng.random_range(0..axes);
        }
    }
    (position, eval)
}
