//! How much a layout overlaps, piece by piece, with guided-local-search weights.
//!
//! Exact overlap areas of concave polygons are too slow to compute millions of times, so the
//! loss of a colliding pair is a smooth proxy from the pieces' inscribed circles ("poles"): the
//! deeper circles of one piece reach into circles of the other, the larger the loss, and it
//! never drops to zero while the pair collides (the literature's overlap proxy). Weights grow on
//! pairs that keep colliding, so the search stops circling around the same conflict.

use jagua_rs::collision_detection::hazards::collector::BasicHazardCollector;
use jagua_rs::collision_detection::hazards::{BasicHazardEntity, HazKey};
use jagua_rs::entities::{Layout, PItemKey};
use jagua_rs::geometry::primitives::{Rect, SPolygon};
use slotmap::SecondaryMap;

/// Weight growth for the worst pair in an iteration, and for the mildest.
const WEIGHT_MAX_GROWTH: f32 = 2.0;
const WEIGHT_MIN_GROWTH: f32 = 1.2;
/// Weight decay of pairs that no longer collide.
const WEIGHT_DECAY: f32 = 0.95;
/// Penetrations shallower than this share of the larger diameter still count, decaying.
const EPSILON_OF_DIAMETER: f32 = 0.01;

#[derive(Debug, Clone, Copy)]
struct Entry {
    loss: f32,
    weight: f32,
}

impl Entry {
    const CLEAR: Entry = Entry {
        loss: 0.0,
        weight: 1.0,
    };
}

/// Losses and weights of every colliding pair and of every piece against the fabric's edges
/// and defects.
#[derive(Debug, Clone)]
pub(crate) struct Tracker {
    size: usize,
    slot: SecondaryMap<PItemKey, usize>,
    pairs: Vec<Entry>,
    border: Vec<Entry>,
}

impl Tracker {
    pub(crate) fn new(layout: &Layout) -> Tracker {
        let size = layout.placed_items().len();
        let mut tracker = Tracker {
            size,
            slot: layout
                .placed_items()
                .keys()
                .enumerate()
                .map(|(i, k)| (k, i))
                .collect(),
            pairs: vec![Entry::CLEAR; size * size],
            border: vec![Entry::CLEAR; size],
        };
        let keys: Vec<PItemKey> = layout.placed_items().keys().collect();
        for key in keys {
            tracker.recompute(layout, key);
        }
        tracker
    }

    /// Takes the losses of `other` (the same layout) and keeps this tracker's weights.
    pub(crate) fn take_losses(&mut self, other: &Tracker) {
        self.slot = other.slot.clone();
        for (mine, theirs) in self.pairs.iter_mut().zip(&other.pairs) {
            mine.loss = theirs.loss;
        }
        for (mine, theirs) in self.border.iter_mut().zip(&other.border) {
            mine.loss = theirs.loss;
        }
    }

    /// Records that the item under `old` now lies under `new` and recomputes its losses.
    pub(crate) fn moved(&mut self, layout: &Layout, old: PItemKey, new: PItemKey) {
        let slot = self.slot.remove(old).expect("a tracked item");
        self.slot.insert(new, slot);
        self.recompute(layout, new);
    }

    fn recompute(&mut self, layout: &Layout, key: PItemKey) {
        let slot = self.slot[key];
        for other in 0..self.size {
            self.pairs[slot * self.size + other].loss = 0.0;
            self.pairs[other * self.size + slot].loss = 0.0;
        }
        self.border[slot].loss = 0.0;
        let placed = &layout.placed_items()[key];
        let shape = placed.shape();
        let own = own_key(layout, key);
        let mut collector = BasicHazardCollector::with_capacity(8);
        layout
            .cde()
            .collect_poly_collisions(shape, &own, &mut collector);
        for (hkey, entity) in collector.iter() {
            match entity {
                BasicHazardEntity::PlacedItem { pk, .. } => {
                    let other = self.slot[*pk];
                    let loss = pair_loss(shape, layout.placed_items()[*pk].shape());
                    self.pairs[slot * self.size + other].loss = loss;
                    self.pairs[other * self.size + slot].loss = loss;
                }
                BasicHazardEntity::Exterior => {
                    self.border[slot].loss +=
                        exterior_loss(shape, layout.container().outer_cd().bbox());
                }
                BasicHazardEntity::InferiorQualityZone { .. } | BasicHazardEntity::Hole { .. } => {
                    let zone = layout
                        .cde()
                        .hazard(hkey)
                        .expect("a collected hazard")
                        .shape();
                    self.border[slot].loss += pair_loss(shape, zone);
                }
            }
        }
    }

    /// Grows the weights of what collides (most for the worst), decays the rest.
    pub(crate) fn update_weights(&mut self) {
        let worst = self
            .pairs
            .iter()
            .chain(&self.border)
            .map(|e| e.loss)
            .fold(0.0, f32::max);
        for entry in self.pairs.iter_mut().chain(self.border.iter_mut()) {
            let factor = if entry.loss == 0.0 {
                WEIGHT_DECAY
            } else {
                WEIGHT_MIN_GROWTH + (WEIGHT_MAX_GROWTH - WEIGHT_MIN_GROWTH) * entry.loss / worst
            };
            entry.weight = (entry.weight * factor).max(1.0);
        }
    }

    pub(crate) fn pair_weight(&self, a: PItemKey, b: PItemKey) -> f32 {
        self.pairs[self.slot[a] * self.size + self.slot[b]].weight
    }

    pub(crate) fn border_weight(&self, key: PItemKey) -> f32 {
        self.border[self.slot[key]].weight
    }

    /// The unweighted loss of one item.
    pub(crate) fn loss_of(&self, key: PItemKey) -> f32 {
        let slot = self.slot[key];
        self.border[slot].loss
            + self.pairs[slot * self.size..(slot + 1) * self.size]
                .iter()
                .map(|e| e.loss)
                .sum::<f32>()
    }

    /// The whole layout's unweighted loss (each pair once); zero when it is feasible.
    pub(crate) fn total_loss(&self) -> f32 {
        self.border.iter().map(|e| e.loss).sum::<f32>()
            + self.pairs.iter().map(|e| e.loss).sum::<f32>() / 2.0
    }

    /// The whole layout's weighted loss.
    pub(crate) fn total_weighted_loss(&self) -> f32 {
        self.border.iter().map(|e| e.loss * e.weight).sum::<f32>()
            + self.pairs.iter().map(|e| e.loss * e.weight).sum::<f32>() / 2.0
    }
}

/// The collision engine's key of a placed item's own hazard.
pub(crate) fn own_key(layout: &Layout, key: PItemKey) -> HazKey {
    let placed = &layout.placed_items()[key];
    layout
        .cde()
        .haz_key(&(key, placed).into())
        .expect("every placed item is registered")
}

/// Lanes of the overlap proxy's inner loop (two SSE registers, one AVX register).
const LANES: usize = 8;
/// Poles gathered per shape (the surrogate configuration makes at most 64).
const MAX_POLES: usize = 64;

/// The overlap proxy of two colliding shapes, scaled so large and small pieces weigh alike.
///
/// Most of the search's time is spent here, so `b`'s poles are laid out as arrays padded to
/// whole lanes (padding poles have radius zero and contribute nothing) and summed in lanes the
/// compiler vectorises.
pub(crate) fn pair_loss(a: &SPolygon, b: &SPolygon) -> f32 {
    let epsilon = a.diameter().max(b.diameter()) * EPSILON_OF_DIAMETER;
    let epsilon_squared = epsilon * epsilon;
    let poles_b = &b.surrogate().poles;
    let count = poles_b.len().min(MAX_POLES);
    let padded = count.div_ceil(LANES) * LANES;
    let (mut xs, mut ys, mut rs) = ([0f32; MAX_POLES], [0f32; MAX_POLES], [0f32; MAX_POLES]);
    for (i, q) in poles_b.iter().take(MAX_POLES).enumerate() {
        (xs[i], ys[i], rs[i]) = (q.center.0, q.center.1, q.radius);
    }
    let mut lanes = [0f32; LANES];
    for p in &a.surrogate().poles {
        for ((x, y), r) in xs[..padded]
            .chunks_exact(LANES)
            .zip(ys[..padded].chunks_exact(LANES))
            .zip(rs[..padded].chunks_exact(LANES))
        {
            for k in 0..LANES {
                let (dx, dy) = (p.center.0 - x[k], p.center.1 - y[k]);
                let depth = p.radius + r[k] - (dx * dx + dy * dy).sqrt();
                // Shallow or absent penetration still counts a little, so touching pieces
                // that the exact test calls colliding never cost nothing.
                let shallow = epsilon_squared / (2.0 * epsilon - depth.min(epsilon));
                let depth = if depth >= epsilon { depth } else { shallow };
                lanes[k] += depth * p.radius.min(r[k]);
            }
        }
        for q in poles_b.iter().skip(MAX_POLES) {
            let (dx, dy) = (p.center.0 - q.center.0, p.center.1 - q.center.1);
            let depth = p.radius + q.radius - (dx * dx + dy * dy).sqrt();
            let shallow = epsilon_squared / (2.0 * epsilon - depth.min(epsilon));
            let depth = if depth >= epsilon { depth } else { shallow };
            lanes[0] += depth * p.radius.min(q.radius);
        }
    }
    let overlap = lanes.iter().sum::<f32>() * std::f32::consts::PI + epsilon_squared;
    overlap.sqrt() * size_penalty(a, b)
}

/// How far a shape's bounding box leaves the fabric.
pub(crate) fn exterior_loss(shape: &SPolygon, fabric: Rect) -> f32 {
    let bbox = shape.bbox();
    let outside = match Rect::intersection(bbox, fabric) {
        Some(inside) => bbox.area() - inside.area() + 0.0001 * bbox.area(),
        None => {
            let (a, b) = (bbox.centroid(), fabric.centroid());
            bbox.area() + (a.0 - b.0).hypot(a.1 - b.1)
        }
    };
    2.0 * outside.sqrt() * size_penalty(shape, shape)
}

fn size_penalty(a: &SPolygon, b: &SPolygon) -> f32 {
    (a.surrogate().convex_hull_area.sqrt() * b.surrogate().convex_hull_area.sqrt()).sqrt()
}
