//! Overlap minimisation: make an infeasible layout feasible by moving colliding items, one at a
//! time, to positions of least weighted overlap, raising the weights of pairs that resist.
//! Several workers try their own random orders from the same layout and the best pass wins,
//! which uses every thread and stays deterministic for a seed.

use std::sync::Arc;

use jagua_rs::entities::{Layout, LayoutSnapshot, PItemKey};
use jagua_rs::geometry::DTransformation;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use super::Budget;
use super::search::{SampleConfig, SeparationEvaluator, search};
use super::tracker::Tracker;
use super::world::World;
use crate::{Error, Result};

/// How hard one separation tries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeparatorConfig {
    /// Passes without a new minimum before a strike.
    pub(crate) passes_without_improvement: usize,
    /// Strikes (rounds without substantial improvement) before giving up.
    pub(crate) strikes: usize,
    pub(crate) samples: SampleConfig,
}

/// Workers per pass: each moves the colliding items in its own random order, the best wins.
const WORKERS: usize = 4;

struct Worker {
    layout: Layout,
    tracker: Tracker,
    rng: Xoshiro256PlusPlus,
}

/// A layout being separated, with its tracker and workers.
pub(crate) struct Separator<'w> {
    world: &'w World,
    pub(crate) layout: Layout,
    pub(crate) tracker: Tracker,
    pub(crate) rng: Xoshiro256PlusPlus,
    pub(crate) length: f32,
    workers: Vec<Worker>,
    pool: rayon::ThreadPool,
}

impl<'w> Separator<'w> {
    pub(crate) fn new(
        world: &'w World,
        layout: Layout,
        length: f32,
        mut rng: Xoshiro256PlusPlus,
        threads: usize,
    ) -> Result<Separator<'w>> {
        let tracker = Tracker::new(&layout);
        // A fixed number of workers (not one per thread) keeps a seed's search the same on
        // one thread or several.
        let workers = (0..WORKERS.max(threads))
            .map(|_| Worker {
                layout: layout.clone(),
                tracker: tracker.clone(),
                rng: Xoshiro256PlusPlus::seed_from_u64(rng.next_u64()),
            })
            .collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
            .map_err(|error| Error::Engine(format!("no worker threads: {error}")))?;
        Ok(Separator {
            world,
            layout,
            tracker,
            rng,
            length,
            workers,
            pool,
        })
    }

    /// Separates until feasible or out of strikes; leaves the least overlapping layout found in
    /// place and returns its loss (zero when feasible).
    pub(crate) fn separate(&mut self, config: SeparatorConfig, budget: &mut Budget) -> f32 {
        let mut best = (self.layout.save(), self.tracker.clone());
        let mut best_loss = self.tracker.total_loss();
        if best_loss == 0.0 {
            return 0.0;
        }
        let mut strikes = 0;
        while strikes < config.strikes && !budget.spent() {
            let strike_start = self.tracker.total_loss();
            let mut without_improvement = 0;
            while without_improvement < config.passes_without_improvement && !budget.spent() {
                self.pass(config.samples);
                budget.count_pass();
                let loss = self.tracker.total_loss();
                if loss == 0.0 {
                    return 0.0;
                }
                if loss < best_loss {
                    if loss < best_loss * 0.98 {
                        without_improvement = 0;
                    }
                    best = (self.layout.save(), self.tracker.clone());
                    best_loss = loss;
                } else {
                    without_improvement += 1;
                }
                self.tracker.update_weights();
            }
            if strike_start * 0.98 <= best_loss {
                strikes += 1;
            } else {
                strikes = 0;
            }
            self.restore(&best.0, Some(&best.1));
        }
        best_loss
    }

    /// One pass: every worker moves every colliding item in its own order; the pass with the
    /// least weighted loss is kept.
    fn pass(&mut self, samples: SampleConfig) {
        let snapshot = self.layout.save();
        let tracker = &self.tracker;
        let workers = &mut self.workers;
        self.pool.install(|| {
            workers.par_iter_mut().for_each(|worker| {
                restore_layout(&mut worker.layout, &snapshot);
                worker.tracker = tracker.clone();
                worker.move_colliding(samples);
            });
        });
        let winner = self
            .workers
            .iter()
            .enumerate()
            .min_by(|(i, a), (j, b)| {
                a.tracker
                    .total_weighted_loss()
                    .total_cmp(&b.tracker.total_weighted_loss())
                    .then(i.cmp(j))
            })
            .map(|(i, _)| i)
            .expect("at least one worker");
        let winner = &self.workers[winner];
        restore_layout(&mut self.layout, &winner.layout.save());
        self.tracker = winner.tracker.clone();
    }

    /// Puts a saved layout back; with a tracker snapshot its losses are taken (weights kept),
    /// without one the tracker starts afresh.
    pub(crate) fn restore(&mut self, snapshot: &LayoutSnapshot, tracker: Option<&Tracker>) {
        restore_layout(&mut self.layout, snapshot);
        match tracker {
            Some(tracker) => self.tracker.take_losses(tracker),
            None => self.tracker = Tracker::new(&self.layout),
        }
    }

    /// Changes the strip's length: items whose centre lies right of `split` move by the change,
    /// and the tracker and workers start afresh on the new fabric.
    pub(crate) fn set_length(&mut self, length: f32, split: f32) {
        let delta = length - self.length;
        let shifted: Vec<(PItemKey, DTransformation)> = self
            .layout
            .placed_items()
            .iter()
            .filter(|(_, placed)| placed.shape().centroid().0 > split)
            .map(|(key, placed)| (key, placed.d_transf()))
            .collect();
        for (key, dt) in shifted {
            let item = Arc::clone(self.layout.placed_items()[key].item());
            self.layout.remove_item(key);
            let (x, y) = dt.translation();
            let moved =
                DTransformation::new(dt.rotation(), (x + delta, y)).with_reflection(dt.reflected);
            self.layout.place_item(&item, moved);
        }
        self.layout.swap_container(self.world.container(length));
        self.length = length;
        self.tracker = Tracker::new(&self.layout);
        for worker in &mut self.workers {
            worker.layout = self.layout.clone();
            worker.tracker = self.tracker.clone();
            worker.rng = Xoshiro256PlusPlus::seed_from_u64(self.rng.next_u64());
        }
    }

    /// Moves one item to a new transformation, keeping the tracker in step.
    pub(crate) fn move_item(&mut self, key: PItemKey, dt: DTransformation) -> PItemKey {
        move_item(&mut self.layout, &mut self.tracker, key, dt)
    }
}

impl Worker {
    fn move_colliding(&mut self, samples: SampleConfig) {
        let mut candidates: Vec<PItemKey> = self
            .layout
            .placed_items()
            .keys()
            .filter(|key| self.tracker.loss_of(*key) > 0.0)
            .collect();
        candidates.shuffle(&mut self.rng);
        let fabric = self.layout.container().outer_cd().bbox();
        for key in candidates {
            if self.tracker.loss_of(key) <= 0.0 {
                continue;
            }
            let placed = &self.layout.placed_items()[key];
            let item = Arc::clone(placed.item());
            let current = (placed.d_transf(), placed.shape().bbox());
            let found = {
                let mut evaluator = SeparationEvaluator::new(&self.layout, &self.tracker, key);
                search(
                    &item,
                    fabric,
                    Some(current),
                    &mut evaluator,
                    samples,
                    &mut self.rng,
                )
            };
            if let Some((dt, _)) = found {
                move_item(&mut self.layout, &mut self.tracker, key, dt);
            }
        }
    }
}

fn move_item(
    layout: &mut Layout,
    tracker: &mut Tracker,
    key: PItemKey,
    dt: DTransformation,
) -> PItemKey {
    let item = Arc::clone(layout.placed_items()[key].item());
    layout.remove_item(key);
    let new = layout.place_item(&item, dt);
    tracker.moved(layout, key, new);
    new
}

fn restore_layout(layout: &mut Layout, snapshot: &LayoutSnapshot) {
    if layout.restore(snapshot).is_err() {
        *layout = Layout::from_snapshot(snapshot);
    }
}
