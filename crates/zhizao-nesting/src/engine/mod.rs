//! The optimiser: 2D irregular strip packing on the jagua-rs collision engine.
//!
//! 1. **Construct**: place every copy, largest first, at the leftmost clear position found by
//!    sampling, widening the strip when nothing fits; then fit the strip to the layout.
//! 2. **Explore** (most of the time): shrink the strip a little, which makes the layout
//!    infeasible, and separate it ([`separator`]); on success shrink again, on failure restart
//!    from one of the least-overlapping failures with two large pieces swapped.
//! 3. **Compress** (the rest): from the best feasible layout, shrink by ever smaller steps at
//!    random places and keep what separates.
//!
//! The approach follows the published state of the art (overlap minimisation with guided local
//! search and strip-length compression); the code is this crate's own.

mod search;
mod separator;
mod tracker;
mod world;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jagua_rs::entities::{Layout, LayoutSnapshot};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, RngExt, SeedableRng};

use crate::marker::{Marker, SearchReport};
use crate::model::Problem;
use crate::{Error, Result};
use search::{ConstructionEvaluator, Eval, SampleConfig, search};
use separator::{Separator, SeparatorConfig};
use world::World;

/// How long and how the optimiser searches.
#[derive(Debug, Clone)]
pub struct NestOptions {
    /// Wall-clock limit of the whole search.
    pub time_limit: Duration,
    /// An optional budget of separator passes instead of (or besides) time: with it, a seed
    /// gives the same marker on every run.
    pub iterations: Option<u64>,
    /// Worker threads.
    pub threads: usize,
    /// The seed of every random choice.
    pub seed: u64,
    /// Set from elsewhere to end the search early with the best marker so far.
    pub stop: Option<Arc<AtomicBool>>,
}

impl Default for NestOptions {
    fn default() -> Self {
        NestOptions {
            time_limit: Duration::from_secs(60),
            iterations: None,
            threads: 1,
            seed: 0,
            stop: None,
        }
    }
}

/// A new best marker during the search.
#[derive(Debug, Clone)]
pub struct Progress {
    /// The strip length of the new best feasible layout.
    pub length: f64,
    /// Its density.
    pub density: f64,
    /// Time since the start.
    pub elapsed: Duration,
    /// Share of the budget (time or passes) used, `0..=1`.
    pub done: f64,
    /// The layout itself, as a marker file.
    pub marker: Marker,
}

/// Share of the budget the exploration phase gets.
const EXPLORE_SHARE: f64 = 0.8;
/// Strip shrink after each feasible layout while exploring.
const EXPLORE_SHRINK: f32 = 0.002;
/// Failed separations kept to restart from.
const FAILURES_KEPT: usize = 10;
/// Compression's shrink, from the first value to the second as time passes.
const COMPRESS_SHRINK: (f32, f32) = (0.0005, 0.00001);

const EXPLORE: SeparatorConfig = SeparatorConfig {
    passes_without_improvement: 200,
    strikes: 3,
    samples: SampleConfig {
        container_samples: 50,
        focussed_samples: 25,
        refined: 3,
    },
};

const COMPRESS: SeparatorConfig = SeparatorConfig {
    passes_without_improvement: 100,
    strikes: 5,
    samples: EXPLORE.samples,
};

const CONSTRUCT: SampleConfig = SampleConfig {
    container_samples: 1000,
    focussed_samples: 0,
    refined: 3,
};

/// What is left of the search budget.
pub(crate) struct Budget {
    start: Instant,
    deadline: Instant,
    passes: u64,
    pass_limit: Option<u64>,
    stop: Option<Arc<AtomicBool>>,
}

impl Budget {
    fn spent(&self) -> bool {
        self.pass_limit.is_some_and(|limit| self.passes >= limit)
            || Instant::now() >= self.deadline
            || self
                .stop
                .as_ref()
                .is_some_and(|stop| stop.load(Ordering::Relaxed))
    }

    fn count_pass(&mut self) {
        self.passes += 1;
    }

    /// The share used of the phase ending at `deadline` / `pass_limit`.
    fn share_used(&self) -> f64 {
        let by_time = self.start.elapsed().as_secs_f64()
            / (self.deadline - self.start).as_secs_f64().max(1e-9);
        let by_passes = self
            .pass_limit
            .map_or(0.0, |limit| self.passes as f64 / limit.max(1) as f64);
        by_time.max(by_passes).min(1.0)
    }
}

/// Nests `problem` and returns the best marker found; `on_progress` hears of every new best.
pub fn nest(
    problem: &Problem,
    options: &NestOptions,
    on_progress: &mut dyn FnMut(Progress),
) -> Result<Marker> {
    problem.validate()?;
    let start = Instant::now();
    let world = World::new(problem)?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(options.seed);
    let (layout, length) = construct(&world, problem, &mut rng)?;
    let threads = options.threads.max(1);
    let mut separator = Separator::new(
        &world,
        layout,
        length,
        Xoshiro256PlusPlus::seed_from_u64(rng.next_u64()),
        threads,
    )?;
    let mut best = (separator.layout.save(), length);
    let pieces_area = problem.pieces_area();
    let report =
        |length: f32, layout: &Layout, budget: &Budget, on_progress: &mut dyn FnMut(Progress)| {
            let elapsed = start.elapsed();
            on_progress(Progress {
                length: f64::from(length),
                density: pieces_area / (problem.width * f64::from(length)),
                elapsed,
                done: budget.share_used(),
                marker: Marker::new(
                    problem,
                    &world.placements(layout, problem),
                    SearchReport {
                        seed: options.seed,
                        threads,
                        iterations: budget.passes,
                        elapsed_ms: elapsed.as_millis() as u64,
                    },
                ),
            });
        };

    let total = options.time_limit;
    let mut budget = Budget {
        start,
        deadline: start + total.mul_f64(EXPLORE_SHARE),
        passes: 0,
        pass_limit: options
            .iterations
            .map(|n| (n as f64 * EXPLORE_SHARE).ceil() as u64),
        stop: options.stop.clone(),
    };
    report(length, &separator.layout, &budget, on_progress);
    explore(
        &mut separator,
        &mut best,
        &mut budget,
        &mut |l, layout, b| report(l, layout, b, on_progress),
    );

    let explored = budget.passes;
    let mut budget = Budget {
        start,
        deadline: start + total,
        passes: explored,
        pass_limit: options.iterations,
        stop: options.stop.clone(),
    };
    compress(
        &mut separator,
        &mut best,
        &mut budget,
        &mut |l, layout, b| report(l, layout, b, on_progress),
    );

    let layout = Layout::from_snapshot(&best.0);
    let placements = world.placements(&layout, problem);
    Ok(Marker::new(
        problem,
        &placements,
        SearchReport {
            seed: options.seed,
            threads,
            iterations: budget.passes,
            elapsed_ms: start.elapsed().as_millis() as u64,
        },
    ))
}

/// Places every copy, largest first, at the leftmost clear position found; returns the layout
/// on a strip fitted to it.
fn construct(
    world: &World,
    problem: &Problem,
    rng: &mut Xoshiro256PlusPlus,
) -> Result<(Layout, f32)> {
    let mut order: Vec<usize> = (0..world.items.len())
        .flat_map(|i| std::iter::repeat_n(i, world.variants[i].demand))
        .collect();
    order.sort_by(|a, b| {
        let size = |i: usize| {
            let shape = world.items[i].shape_cd();
            shape.surrogate().convex_hull_area * shape.diameter()
        };
        size(*b).total_cmp(&size(*a)).then(a.cmp(b))
    });
    let widest = world
        .items
        .iter()
        .map(|item| item.shape_cd().diameter())
        .fold(0.0, f32::max);
    let first_length = (problem.pieces_area() / problem.width) as f32 + widest;
    let mut length = first_length;
    let mut layout = Layout::new(world.container(length));
    for index in order {
        let item = &world.items[index];
        loop {
            if length > first_length * 1e4 {
                // Validation keeps this from happening; never widen without end.
                let piece = &problem.pieces[world.variants[index].piece].id;
                return Err(Error::piece(
                    piece,
                    "no room for it on the fabric was found",
                ));
            }
            let fabric = layout.container().outer_cd().bbox();
            let found = {
                let mut evaluator = ConstructionEvaluator::new(&layout, item);
                search(item, fabric, None, &mut evaluator, CONSTRUCT, rng)
            };
            if let Some((dt, Eval::Clear(_))) = found {
                layout.place_item(item, dt);
                break;
            }
            length *= 1.2;
            layout.swap_container(world.container(length));
        }
    }
    let fitted = fitted_length(&layout);
    layout.swap_container(world.container(fitted));
    Ok((layout, fitted))
}

/// The shortest strip holding every placed item (as the engine grows it by half the spacing).
fn fitted_length(layout: &Layout) -> f32 {
    let right = layout
        .placed_items()
        .values()
        .map(|placed| placed.shape().bbox().x_max)
        .fold(0.0, f32::max);
    right * 1.00001
}

fn explore(
    separator: &mut Separator<'_>,
    best: &mut (LayoutSnapshot, f32),
    budget: &mut Budget,
    report: &mut dyn FnMut(f32, &Layout, &Budget),
) {
    let mut failures: Vec<(LayoutSnapshot, f32)> = Vec::new();
    while !budget.spent() {
        let loss = separator.separate(EXPLORE, budget);
        if loss == 0.0 {
            if separator.length < best.1 {
                *best = (separator.layout.save(), separator.length);
                report(separator.length, &separator.layout, budget);
            }
            failures.clear();
            let next = separator.length * (1.0 - EXPLORE_SHRINK);
            let split = separator.length / 2.0;
            separator.set_length(next, split);
        } else if !budget.spent() {
            let at = failures.partition_point(|(_, l)| *l <= loss);
            failures.insert(at, (separator.layout.save(), loss));
            failures.truncate(FAILURES_KEPT);
            // Restart from a failure, the least overlapping most likely.
            let pick: f32 = separator.rng.random();
            let index = ((pick * pick) * failures.len() as f32) as usize;
            let snapshot = failures[index.min(failures.len() - 1)].0.clone();
            separator.restore(&snapshot, None);
            disrupt(separator);
        }
    }
}

/// Swaps two of the larger pieces, so a stuck search sees a different layout.
fn disrupt(separator: &mut Separator<'_>) {
    let mut large: Vec<(jagua_rs::entities::PItemKey, f32)> = separator
        .layout
        .placed_items()
        .iter()
        .map(|(key, placed)| (key, placed.shape().surrogate().convex_hull_area))
        .collect();
    if large.len() < 2 {
        return;
    }
    large.sort_by(|a, b| b.1.total_cmp(&a.1));
    large.truncate((large.len() / 4).max(2));
    let first = separator.rng.random_range(0..large.len());
    let mut second = separator.rng.random_range(0..large.len() - 1);
    if second >= first {
        second += 1;
    }
    let (a, b) = (large[first].0, large[second].0);
    let (dt_a, dt_b) = (
        separator.layout.placed_items()[a].d_transf(),
        separator.layout.placed_items()[b].d_transf(),
    );
    let swap = |own: jagua_rs::geometry::DTransformation,
                other: jagua_rs::geometry::DTransformation| {
        jagua_rs::geometry::DTransformation::new(own.rotation(), other.translation())
            .with_reflection(own.reflected)
    };
    separator.move_item(a, swap(dt_a, dt_b));
    separator.move_item(b, swap(dt_b, dt_a));
}

fn compress(
    separator: &mut Separator<'_>,
    best: &mut (LayoutSnapshot, f32),
    budget: &mut Budget,
    report: &mut dyn FnMut(f32, &Layout, &Budget),
) {
    let phase_start = budget.share_used();
    while !budget.spent() {
        let progress = ((budget.share_used() - phase_start) / (1.0 - phase_start).max(1e-9)) as f32;
        let step =
            COMPRESS_SHRINK.0 + (COMPRESS_SHRINK.1 - COMPRESS_SHRINK.0) * progress.clamp(0.0, 1.0);
        // Back to the best layout on its own strip, then shrink at a random place.
        let (snapshot, length) = (best.0.clone(), best.1);
        separator.set_length(length, f32::INFINITY);
        separator.restore(&snapshot, None);
        let split = separator.rng.random_range(0.0..length);
        separator.set_length(length * (1.0 - step), split);
        if separator.separate(COMPRESS, budget) == 0.0 {
            *best = (separator.layout.save(), separator.length);
            report(separator.length, &separator.layout, budget);
        }
    }
}
