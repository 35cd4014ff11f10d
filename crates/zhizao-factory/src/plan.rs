//! From orders to a plan: each order's quantity is split into lots, each lot runs the process's
//! routing, each step on any resource of its class that can take the part; the factory's calendar
//! and planned maintenance become unavailability, change-overs the machines' set-up matrices.
//! The instance is solved by `zhizao_schedule` (weighted tardiness, then makespan), which knows
//! nothing of factories. Time in the instance is whole minutes from the plan's origin.

use std::collections::BTreeMap;
use std::time::Duration;

use zhizao_core::{FieldError, Text, Timestamp};
use zhizao_schedule::model::{Alternative, FrozenPlacement, Job, Operation, SetupMatrix, Window};
use zhizao_schedule::{Instance, InstanceParts, Objective, Schedule, SolveOptions, solve};

use crate::setup::{Capability, Process, Resource, Setup, local_day, parse_local};
use crate::tariff::ResourceClass;
use crate::{Error, Result};

/// What an order asks of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demand {
    /// The order's number (or any key the caller keeps).
    pub key: String,
    /// The process.
    pub process: Process,
    /// Part family or fabric.
    pub family: String,
    /// Material.
    pub material: String,
    /// Finish (polishing), empty for none asked.
    pub finish: String,
    /// Pieces.
    pub quantity: i64,
    /// Largest part dimension, mm (polishing).
    pub part_mm: Option<i64>,
    /// Part weight, g (polishing).
    pub weight_g: Option<i64>,
    /// Fabric width, mm (cutting).
    pub width_mm: Option<i64>,
    /// Lay height, mm (cutting).
    pub ply_mm: Option<i64>,
    /// Work may not start before (material received).
    pub release: Timestamp,
    /// Due (the promised date, or the date the client needs).
    pub due: Timestamp,
    /// Weight of lateness.
    pub weight: i64,
    /// The pieces of each lot when the order's cut plan set them (its lays, in order); empty
    /// splits the quantity by the routing's lot size.
    pub lots: Vec<i64>,
}

const MINUTE: i64 = 60_000;
const DAY_MINUTES: i64 = 1440;
/// The furthest a plan looks ahead.
pub const MAX_HORIZON_DAYS: i64 = 730;

fn takes(capability: &Capability, demand: &Demand) -> bool {
    let listed = |list: &[String], value: &str| {
        list.is_empty() || value.is_empty() || list.iter().any(|v| v.trim() == value.trim())
    };
    let within = |limit: Option<i64>, value: Option<i64>| match (limit, value) {
        (Some(limit), Some(value)) => value <= limit,
        _ => true,
    };
    listed(&capability.families, &demand.family)
        && listed(&capability.materials, &demand.material)
        && listed(&capability.finishes, &demand.finish)
        && within(capability.max_part_mm, demand.part_mm)
        && within(capability.max_weight_g, demand.weight_g)
        && within(capability.max_width_mm, demand.width_mm)
        && within(capability.max_ply_mm, demand.ply_mm)
}

/// For each step of the demand's routing, the resources (indices into the set-up) that can run
/// it; a step no resource can take is a problem naming what stands in the way.
pub fn eligible(setup: &Setup, demand: &Demand) -> Result<Vec<Vec<usize>>> {
    let Some(routing) = setup.routing(demand.process) else {
        return Err(Error::invalid(
            "process",
            "该工厂不提供这项加工",
            "the factory does not offer this process",
        ));
    };
    let mut steps = Vec::new();
    for step in &routing.steps {
        let of_class: Vec<(usize, &Resource)> = setup
            .resources
            .iter()
            .enumerate()
            .filter(|(_, r)| r.class == step.class)
            .collect();
        let able: Vec<usize> = of_class
            .iter()
            .filter(|(_, r)| takes(&r.capability, demand))
            .map(|(index, _)| *index)
            .collect();
        if able.is_empty() {
            return Err(Error::Invalid(vec![FieldError::new(
                blocking_field(&of_class, demand),
                Text::owned(
                    format!(
                        "没有一台“{}”能做“{}”这道工序：零件超出能力范围",
                        step.class.label().zh,
                        step.name
                    ),
                    format!(
                        "no {} can run the step {:?}: the part is beyond every resource's capability",
                        step.class.as_str(),
                        step.name
                    ),
                ),
            )]));
        }
        steps.push(able);
    }
    Ok(steps)
}

/// The request field that rules out the most resources, to put the error beside.
fn blocking_field(of_class: &[(usize, &Resource)], demand: &Demand) -> &'static str {
    type Check = (&'static str, fn(&Capability, &Demand) -> bool);
    let checks: [Check; 7] = [
        ("part_mm", |c, d| {
            c.max_part_mm.zip(d.part_mm).is_none_or(|(l, v)| v <= l)
        }),
        ("weight_g", |c, d| {
            c.max_weight_g.zip(d.weight_g).is_none_or(|(l, v)| v <= l)
        }),
        ("width_mm", |c, d| {
            c.max_width_mm.zip(d.width_mm).is_none_or(|(l, v)| v <= l)
        }),
        ("ply_mm", |c, d| {
            c.max_ply_mm.zip(d.ply_mm).is_none_or(|(l, v)| v <= l)
        }),
        ("family", |c, d| {
            c.families.is_empty() || c.families.iter().any(|f| f.trim() == d.family.trim())
        }),
        ("material", |c, d| {
            c.materials.is_empty() || c.materials.iter().any(|f| f.trim() == d.material.trim())
        }),
        ("finish", |c, d| {
            d.finish.is_empty()
                || c.finishes.is_empty()
                || c.finishes.iter().any(|f| f.trim() == d.finish.trim())
        }),
    ];
    checks
        .iter()
        .max_by_key(|(_, ok)| {
            of_class
                .iter()
                .filter(|(_, r)| !ok(&r.capability, demand))
                .count()
        })
        .map_or("quantity", |(field, _)| field)
}

/// An operation held at a resource and a start: a planner's pin, or an operation that has
/// started under the published plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fixed {
    /// The demand (index).
    pub demand: usize,
    /// The lot (0-based).
    pub lot: usize,
    /// The routing step (0-based).
    pub step: usize,
    /// The resource (index into the set-up).
    pub resource: usize,
    /// When it starts.
    pub start: Timestamp,
}

/// Where an instance job comes from: a segment of one lot's steps. A lot is split before each
/// fixed step that follows a free one, as the engine holds only a job's leading operations
/// fixed; the split is checked after solving (the free part must end by the fixed start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// The demand (index).
    pub demand: usize,
    /// The lot (0-based).
    pub lot: usize,
    /// The routing step of the job's first operation (0-based).
    pub first_step: usize,
    /// Pieces in the lot.
    pub pieces: i64,
    /// When the segment is cut before a fixed step, that step's start (minutes).
    pub must_end_by: Option<i64>,
}

/// A built plan instance and how to read its schedule back.
#[derive(Debug)]
pub struct Model {
    /// The instance to solve.
    pub instance: Instance,
    /// Minute 0 of the instance.
    pub origin: Timestamp,
    /// For each job of the instance, the demand (index) it is a lot of.
    pub job_demand: Vec<usize>,
    /// For each job, the lot segment it is.
    pub segments: Vec<Segment>,
    /// Each demand's key (order number).
    pub keys: Vec<String>,
    /// The end of the planned horizon, beyond which the calendar is not modelled.
    pub horizon_end: Timestamp,
}

/// Builds the instance for `demands` at `now`.
pub fn build(setup: &Setup, demands: &[Demand], now: Timestamp) -> Result<Model> {
    build_with(setup, demands, &[], now)
}

/// Weight of a split segment's lateness against the fixed step after it: far above any order's,
/// so the search finishes the free part in time whenever it can.
const SPLIT_WEIGHT: i64 = 1_000;

/// Builds the instance for `demands` at `now` with operations `fixed` at their resources and
/// starts (started ones may lie before `now`).
pub fn build_with(
    setup: &Setup,
    demands: &[Demand],
    fixed: &[Fixed],
    now: Timestamp,
) -> Result<Model> {
    let earliest_fixed = fixed.iter().map(|f| f.start).min().unwrap_or(now);
    let origin =
        Timestamp::from_millis(now.min(earliest_fixed).as_millis().div_euclid(MINUTE) * MINUTE);
    let minutes_from = |at: Timestamp| (at.as_millis() - origin.as_millis()).div_euclid(MINUTE);
    let longest_period = setup
        .calendar
        .working_periods()
        .iter()
        .map(|(s, e)| e - s)
        .max()
        .unwrap_or(0);
    let mut families: BTreeMap<&str, usize> = BTreeMap::new();
    for demand in demands {
        let next = families.len() + 1;
        families.entry(demand.family.trim()).or_insert(next);
    }
    let max_changeover = setup
        .changeovers
        .iter()
        .map(|c| c.minutes)
        .max()
        .unwrap_or(0);
    let mut jobs = Vec::new();
    let mut job_demand = Vec::new();
    let mut segments = Vec::new();
    let mut used = vec![false; fixed.len()];
    let mut work_minutes: BTreeMap<ResourceClass, i64> = BTreeMap::new();
    for (index, demand) in demands.iter().enumerate() {
        let steps = eligible(setup, demand)?;
        let Some(routing) = setup.routing(demand.process) else {
            continue;
        };
        let slowest = routing
            .steps
            .iter()
            .map(|s| s.seconds_for(&demand.family))
            .max()
            .unwrap_or(0)
            .max(1);
        // A lot must fit in one working period with a change-over before it.
        let fits = ((longest_period - max_changeover).max(1) * 60 / slowest).max(1);
        let lot_size = routing.lot_size.min(fits);
        // The cut plan's lays when it set them (one too big for a working period in parts),
        // else lots of the routing's size.
        let lot_pieces: Vec<i64> = if demand.lots.iter().any(|l| *l > 0) {
            demand
                .lots
                .iter()
                .filter(|l| **l > 0)
                .flat_map(|&lay| {
                    let parts = (lay + fits - 1) / fits;
                    (0..parts).map(move |part| fits.min(lay - part * fits))
                })
                .collect()
        } else {
            let lots = (demand.quantity + lot_size - 1) / lot_size;
            (0..lots)
                .map(|lot| lot_size.min(demand.quantity - lot * lot_size))
                .collect()
        };
        // A lot's first segment waits for the material; one that started already did.
        let released = minutes_from(demand.release).max(0);
        let segment_release = |first_step: usize, operations: &[Operation]| {
            let started = operations.first().and_then(|o| o.frozen).map(|f| f.start);
            match (first_step, started) {
                (0, Some(start)) => released.min(start),
                (0, None) => released,
                _ => 0,
            }
        };
        for (lot, &pieces) in lot_pieces.iter().enumerate() {
            let mut operations: Vec<Operation> = Vec::new();
            let mut first_step = 0;
            for (position, (step, able)) in routing.steps.iter().zip(&steps).enumerate() {
                let duration = ((pieces * step.seconds_for(&demand.family) + 59) / 60).max(1);
                *work_minutes.entry(step.class).or_default() += duration;
                let held = fixed
                    .iter()
                    .position(|f| f.demand == index && f.lot == lot && f.step == position)
                    .map(|found| {
                        used[found] = true;
                        &fixed[found]
                    });
                let frozen = match held {
                    Some(held) if !able.contains(&held.resource) => {
                        return Err(Error::Invalid(vec![FieldError::new(
                            "resource",
                            Text::owned(
                                format!(
                                    "{} 不能做“{}”这道工序",
                                    setup.resources[held.resource].code, step.name
                                ),
                                format!(
                                    "{} cannot run the step {:?}",
                                    setup.resources[held.resource].code, step.name
                                ),
                            ),
                        )]));
                    }
                    Some(held) => Some(FrozenPlacement {
                        machine: held.resource,
                        start: minutes_from(held.start),
                    }),
                    None => None,
                };
                // A fixed step after a free one starts a new segment.
                if let Some(placement) = frozen
                    && operations.last().is_some_and(|o| o.frozen.is_none())
                {
                    segments.push(Segment {
                        demand: index,
                        lot,
                        first_step,
                        pieces,
                        must_end_by: Some(placement.start),
                    });
                    jobs.push(Job {
                        name: Some(format!("{}#{}/{}", demand.key, lot + 1, first_step + 1)),
                        release: segment_release(first_step, &operations),
                        due: Some(placement.start.max(0)),
                        weight: SPLIT_WEIGHT,
                        operations: std::mem::take(&mut operations),
                    });
                    job_demand.push(index);
                    first_step = position;
                }
                operations.push(Operation {
                    family: families[demand.family.trim()],
                    alternatives: able
                        .iter()
                        .map(|&machine| Alternative { machine, duration })
                        .collect(),
                    frozen,
                });
            }
            segments.push(Segment {
                demand: index,
                lot,
                first_step,
                pieces,
                must_end_by: None,
            });
            jobs.push(Job {
                name: Some(format!("{}#{}", demand.key, lot + 1)),
                release: segment_release(first_step, &operations),
                due: Some(minutes_from(demand.due).max(0)),
                weight: demand.weight.max(1),
                operations,
            });
            job_demand.push(index);
        }
    }
    if let Some(unused) = used.iter().position(|u| !u) {
        let f = fixed[unused];
        let key = demands.get(f.demand).map_or("", |d| d.key.as_str());
        return Err(Error::Invalid(vec![FieldError::new(
            "pins",
            Text::owned(
                format!("{key} 没有第 {} 批第 {} 道工序", f.lot + 1, f.step + 1),
                format!("{key} has no lot {} step {}", f.lot + 1, f.step + 1),
            ),
        )]));
    }
    // Look ahead far enough for each class's work spread over its resources, twice, plus two
    // weeks.
    let weekly = setup.calendar.weekly_minutes().max(1);
    let busiest = work_minutes
        .iter()
        .map(|(class, minutes)| {
            let resources = setup.resources.iter().filter(|r| r.class == *class).count();
            minutes / resources.max(1) as i64
        })
        .max()
        .unwrap_or(0);
    let latest_release = demands
        .iter()
        .map(|d| minutes_from(d.release).max(0))
        .max()
        .unwrap_or(0);
    let days = (latest_release / DAY_MINUTES + 2 * busiest * 7 / weekly + 14).min(MAX_HORIZON_DAYS);
    let calendar_windows = closed_windows(setup, origin, days);
    let unavailability = setup
        .resources
        .iter()
        .map(|resource| {
            let mut windows = calendar_windows.clone();
            for maintenance in &setup.calendar.maintenance {
                if maintenance.resource.trim() != resource.code.trim() {
                    continue;
                }
                if let (Some(start), Some(end)) = (
                    parse_local(&maintenance.start),
                    parse_local(&maintenance.end),
                ) {
                    let (start, end) = (minutes_from(start).max(0), minutes_from(end));
                    if end > start {
                        windows.push(Window { start, end });
                    }
                }
            }
            windows
        })
        .collect();
    let family_names: Vec<&str> = families.keys().copied().collect();
    let setup_times = setup
        .resources
        .iter()
        .map(|resource| setup_matrix(setup, resource, &family_names, &families))
        .collect::<Result<Vec<_>>>()?;
    let has_fixed = !fixed.is_empty();
    let instance = Instance::new(InstanceParts {
        name: "factory".into(),
        n_machines: setup.resources.len(),
        jobs,
        setup_times,
        unavailability,
        now: minutes_from(now).max(0),
    })
    .map_err(|error| {
        if has_fixed {
            // Fixed operations that overlap each other, closed time or their lot's release.
            Error::Invalid(vec![FieldError::new(
                "pins",
                Text::owned(
                    format!("固定的工序无法同时成立：{error}"),
                    format!("the pinned operations cannot all hold: {error}"),
                ),
            )])
        } else {
            Error::Corrupt(format!("the plan cannot be modelled: {error}"))
        }
    })?;
    Ok(Model {
        instance,
        origin,
        job_demand,
        segments,
        keys: demands.iter().map(|d| d.key.clone()).collect(),
        horizon_end: origin.plus_millis(days * DAY_MINUTES * MINUTE),
    })
}

fn setup_matrix(
    setup: &Setup,
    resource: &Resource,
    names: &[&str],
    index: &BTreeMap<&str, usize>,
) -> Result<Option<SetupMatrix>> {
    if !setup.changeovers.iter().any(|c| c.class == resource.class) || names.is_empty() {
        return Ok(None);
    }
    let size = names.len() + 1;
    let mut rows = vec![vec![0; size]; size];
    for from in names {
        for to in names {
            rows[index[from]][index[to]] = setup.changeover_minutes(resource.class, from, to);
        }
    }
    SetupMatrix::from_rows(&rows)
        .map(Some)
        .map_err(|error| Error::Corrupt(format!("change-overs cannot be modelled: {error}")))
}

/// The calendar's closed time from `origin` over `days` days, in minutes from `origin`.
fn closed_windows(setup: &Setup, origin: Timestamp, days: i64) -> Vec<Window> {
    let periods = setup.calendar.working_periods();
    let (mut date, day_start) = local_day(origin);
    let mut day_offset = (day_start.as_millis() - origin.as_millis()).div_euclid(MINUTE);
    let mut windows = Vec::new();
    let mut closed_from = 0i64;
    for _ in 0..=days {
        if setup.calendar.works_on(date) {
            for (start, end) in &periods {
                let (start, end) = (day_offset + start, day_offset + end);
                if end <= 0 {
                    continue;
                }
                if start.max(0) > closed_from {
                    windows.push(Window {
                        start: closed_from,
                        end: start.max(0),
                    });
                }
                closed_from = end;
            }
        }
        day_offset += DAY_MINUTES;
        date = date.next_day().unwrap_or(date);
    }
    windows
}

/// What solving a plan gives each demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The schedule (minutes from the origin).
    pub schedule: Schedule,
    /// Per demand, when its last lot finishes.
    pub completions: Vec<Timestamp>,
    /// Search iterations.
    pub iterations: u64,
}

/// Solves `model` within `limits` (weighted tardiness, then makespan); with an iteration budget
/// the result is the same on every machine.
pub fn solve_model(
    model: &Model,
    time_limit: Duration,
    max_iterations: Option<u64>,
) -> Result<Planned> {
    let options = SolveOptions {
        time_limit,
        threads: 1,
        seed: 1,
        objective: Objective::TardinessThenMakespan,
        max_iterations,
    };
    let outcome = solve(&model.instance, &options, &|_| {});
    let n_demands = model.job_demand.iter().max().map_or(0, |m| m + 1);
    let mut completions = vec![model.origin; n_demands];
    for operation in &outcome.schedule.operations {
        let demand = model.job_demand[operation.job];
        let end = model.origin.plus_millis(operation.end * MINUTE);
        if end > completions[demand] {
            completions[demand] = end;
        }
    }
    for (job, segment) in model.segments.iter().enumerate() {
        let Some(deadline) = segment.must_end_by else {
            continue;
        };
        let end = outcome
            .schedule
            .operations
            .iter()
            .filter(|o| o.job == job)
            .map(|o| o.end)
            .max()
            .unwrap_or(0);
        if end > deadline {
            let at = |minutes: i64| {
                model
                    .origin
                    .plus_millis(minutes * MINUTE)
                    .to_shanghai_string()
            };
            let step = segment.first_step + model.instance.jobs()[job].operations.len() + 1;
            return Err(Error::Invalid(vec![FieldError::new(
                "pins",
                Text::owned(
                    format!(
                        "{} 第 {} 批第 {step} 道工序固定在 {} 开始，但前一道工序最早 {} 才能完成",
                        model.keys[segment.demand],
                        segment.lot + 1,
                        at(deadline),
                        at(end)
                    ),
                    format!(
                        "{} lot {} step {step} is pinned to start at {}, but the step before it cannot end before {}",
                        model.keys[segment.demand],
                        segment.lot + 1,
                        at(deadline),
                        at(end)
                    ),
                ),
            )]));
        }
    }
    if completions.iter().any(|&end| end > model.horizon_end) {
        return Err(Error::invalid(
            "quantity",
            "两年内的产能排不下这批订单",
            "the factory's capacity cannot fit this work within two years",
        ));
    }
    Ok(Planned {
        schedule: outcome.schedule,
        completions,
        iterations: outcome.iterations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setup::tests::polishing;

    fn demand(key: &str, quantity: i64, due: &str) -> Demand {
        Demand {
            key: key.into(),
            process: Process::Polishing,
            family: "卫浴龙头".into(),
            material: "黄铜".into(),
            finish: String::new(),
            quantity,
            part_mm: Some(250),
            weight_g: Some(900),
            width_mm: None,
            ply_mm: None,
            release: parse_local("2026-12-07 08:00").unwrap(),
            due: parse_local(due).unwrap(),
            weight: 1,
            lots: Vec::new(),
        }
    }

    fn now() -> Timestamp {
        parse_local("2026-12-07 07:30").unwrap()
    }

    #[test]
    fn lots_run_in_parallel_inside_working_time() {
        let setup = polishing();
        let model = build(&setup, &[demand("A", 1000, "2026-12-09 20:00")], now()).unwrap();
        assert_eq!(model.job_demand.len(), 5, "1,000 pieces in lots of 200");
        let planned = solve_model(&model, Duration::from_secs(5), Some(2000)).unwrap();
        let report = zhizao_schedule::validate(&model.instance, &planned.schedule).unwrap();
        assert_eq!(report.makespan, planned.schedule.makespan);
        for operation in &planned.schedule.operations {
            let start = model.origin.plus_millis(operation.start * MINUTE);
            let end = model.origin.plus_millis(operation.end * MINUTE);
            let (date, day_start) = local_day(start);
            assert!(setup.calendar.works_on(date), "{operation:?} on a day off");
            let from = (start.as_millis() - day_start.as_millis()) / MINUTE;
            let to = (end.as_millis() - day_start.as_millis()) / MINUTE;
            assert!(
                setup
                    .calendar
                    .working_periods()
                    .iter()
                    .any(|&(s, e)| s <= from && to <= e),
                "{operation:?} outside the shifts ({from}..{to})"
            );
            let robot_1_down =
                parse_local("2026-12-08 08:00").unwrap()..parse_local("2026-12-08 12:00").unwrap();
            assert!(
                operation.machine != 0 || end <= robot_1_down.start || start >= robot_1_down.end,
                "{operation:?} during R01's maintenance"
            );
        }
        // Rough grinding 1,000 faucets at 90 s is 1,500 minutes over three robots, fine
        // polishing 750 more: at least 750 working minutes, two days of 11 hours.
        assert!(planned.completions[0] > parse_local("2026-12-07 20:00").unwrap());
        assert!(planned.completions[0] < parse_local("2026-12-10 20:00").unwrap());
    }

    #[test]
    fn a_cut_plans_lays_are_the_lots() {
        let setup = polishing();
        let laid = Demand {
            lots: vec![120, 0, 35, 45],
            ..demand("L", 200, "2026-12-09 20:00")
        };
        let model = build(&setup, &[laid], now()).unwrap();
        let pieces: Vec<i64> = model.segments.iter().map(|s| s.pieces).collect();
        assert_eq!(pieces, [120, 35, 45], "one lot a lay, in order");
    }

    #[test]
    fn more_work_ahead_promises_later() {
        let setup = polishing();
        let alone = build(&setup, &[demand("B", 400, "2026-12-08 20:00")], now()).unwrap();
        let alone = solve_model(&alone, Duration::from_secs(5), Some(1000)).unwrap();
        let busy = [
            Demand {
                weight: 10,
                ..demand("A", 3000, "2026-12-10 20:00")
            },
            demand("B", 400, "2026-12-30 20:00"),
        ];
        let model = build(&setup, &busy, now()).unwrap();
        let behind = solve_model(&model, Duration::from_secs(5), Some(1000)).unwrap();
        assert!(behind.completions[1] > alone.completions[0]);
    }

    #[test]
    fn a_part_too_large_for_every_cell_is_refused_beside_its_size() {
        let setup = polishing();
        let huge = Demand {
            part_mm: Some(1200),
            ..demand("C", 10, "2026-12-09 20:00")
        };
        let error = build(&setup, &[huge], now()).unwrap_err();
        let fields: Vec<String> = zhizao_core::Classified::field_errors(&error)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["part_mm"]);
        let cutting = Demand {
            process: Process::Cutting,
            ..demand("D", 10, "2026-12-09 20:00")
        };
        let error = build(&setup, &[cutting], now()).unwrap_err();
        assert!(error.to_string().contains("process"), "{error}");
    }
}
