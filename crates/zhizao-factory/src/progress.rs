//! Live progress from the machines: the pieces a resource's devices count are assigned to the
//! operations of the published plan on that resource, so an order shows how far it has come.
//!
//! An operation an operator started on the floor screen takes every count its resource reports
//! from that moment until the operator finishes it. Otherwise counts fill the resource's
//! operations in the plan's order: each count goes to the first operation on the resource that
//! is not done (finished by the operator, or with all its pieces counted), an overflow going on
//! to the next; such an operation starts at its first count and is done at the count that
//! completes it. Counts that find no operation (none left on the resource, or made before the
//! plan was published) are kept as unassigned, never dropped. An operation without counts (a
//! manual station) that the operator finishes passes on the good pieces of its lot's previous
//! step.

use std::collections::HashMap;

use serde::Serialize;
use zhizao_core::{Timestamp, closed_vocabulary};

use crate::planning::PlannedOperation;
use crate::signals::Count;

closed_vocabulary! {
    /// What an operator records about an operation.
    OperationAction, "operation action" {
        /// Work on it began.
        Start => "start", "开工", "Start";
        /// It is done.
        Finish => "finish", "完工", "Finish";
    }
}

closed_vocabulary! {
    /// Where an operation stands on the floor.
    OperationState, "operation state" {
        /// Not begun.
        Waiting => "waiting", "待开工", "Waiting";
        /// Under way.
        Running => "running", "加工中", "Running";
        /// Done.
        Done => "done", "已完工", "Done";
    }
}

/// One thing an operator recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationEvent {
    /// The order's number.
    pub order: String,
    /// The lot, from 1.
    pub lot: usize,
    /// The routing step, from 1.
    pub step: usize,
    /// The resource it ran on.
    pub resource: String,
    /// Start or finish.
    pub action: OperationAction,
    /// When.
    pub at: Timestamp,
    /// By whom.
    pub by: String,
}

/// How far one planned operation has come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationProgress {
    /// The planned operation.
    pub operation: PlannedOperation,
    /// Where it stands.
    pub state: OperationState,
    /// Good pieces counted (or passed on).
    pub good: i64,
    /// Scrap counted.
    pub scrap: i64,
    /// When it started (the operator's start, else its first count).
    pub started_at: Option<Timestamp>,
    /// When it was done.
    pub finished_at: Option<Timestamp>,
}

/// Pieces a resource counted that no operation took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Unassigned {
    /// Good pieces.
    pub good: i64,
    /// Scrap.
    pub scrap: i64,
    /// The first such count.
    pub first_at: Timestamp,
    /// The last.
    pub last_at: Timestamp,
}

/// The floor's progress against the published plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct FloorProgress {
    /// Every operation of the plan, in the plan's order.
    pub operations: Vec<OperationProgress>,
    /// Per resource, what no operation took.
    pub unassigned: Vec<(String, Unassigned)>,
}

/// One step of an order's progress: pieces planned and counted over its lots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepProgress {
    /// The step, from 1.
    pub step: usize,
    /// Its name.
    pub name: String,
    /// Pieces planned.
    pub pieces: i64,
    /// Good pieces.
    pub good: i64,
    /// Scrap.
    pub scrap: i64,
    /// Lots done.
    pub lots_done: usize,
    /// Lots.
    pub lots: usize,
}

impl FloorProgress {
    /// An order's progress, step by step (empty when the plan does not hold it).
    pub fn order(&self, number: &str) -> Vec<StepProgress> {
        let mut steps: Vec<StepProgress> = Vec::new();
        for progress in self
            .operations
            .iter()
            .filter(|p| p.operation.order == number)
        {
            let operation = &progress.operation;
            let index = match steps.iter().position(|s| s.step == operation.step) {
                Some(index) => index,
                None => {
                    steps.push(StepProgress {
                        step: operation.step,
                        name: operation.step_name.clone(),
                        pieces: 0,
                        good: 0,
                        scrap: 0,
                        lots_done: 0,
                        lots: 0,
                    });
                    steps.len() - 1
                }
            };
            let step = &mut steps[index];
            step.pieces += operation.pieces;
            step.good += progress.good;
            step.scrap += progress.scrap;
            step.lots += 1;
            step.lots_done += usize::from(progress.state == OperationState::Done);
        }
        steps.sort_by_key(|s| s.step);
        steps
    }
}

type Key = (String, usize, usize);

fn key_of(operation: &PlannedOperation) -> Key {
    (operation.order.clone(), operation.lot, operation.step)
}

fn keep(left: &mut Option<Unassigned>, at: i64, good: i64, scrap: i64) {
    let at = Timestamp::from_millis(at);
    let entry = left.get_or_insert(Unassigned {
        good: 0,
        scrap: 0,
        first_at: at,
        last_at: at,
    });
    entry.good += good;
    entry.scrap += scrap;
    entry.last_at = at;
}

/// Assigns each resource's counts (in time order) to the plan's operations, with the
/// operators' events; counts before `since` (when the plan's work began: its publication, or
/// the start of an operation it kept from the previous plan) are unassigned.
pub fn assign(
    operations: &[PlannedOperation],
    counts: &HashMap<String, Vec<Count>>,
    events: &[OperationEvent],
    since: i64,
) -> FloorProgress {
    let mut progress: Vec<OperationProgress> = operations
        .iter()
        .map(|operation| OperationProgress {
            operation: operation.clone(),
            state: OperationState::Waiting,
            good: 0,
            scrap: 0,
            started_at: None,
            finished_at: None,
        })
        .collect();
    let index: HashMap<Key, usize> = operations
        .iter()
        .enumerate()
        .map(|(i, o)| (key_of(o), i))
        .collect();
    // The operators' word: the latest start (an interval until the finish after it) and the
    // finish.
    let mut started: HashMap<usize, i64> = HashMap::new();
    let mut finished: HashMap<usize, i64> = HashMap::new();
    let mut ordered: Vec<&OperationEvent> = events.iter().collect();
    ordered.sort_by_key(|e| e.at);
    for event in ordered {
        let Some(&i) = index.get(&(event.order.clone(), event.lot, event.step)) else {
            continue;
        };
        match event.action {
            OperationAction::Start => {
                started.insert(i, event.at.as_millis());
                finished.remove(&i);
            }
            OperationAction::Finish => {
                finished.insert(i, event.at.as_millis());
            }
        }
    }
    let mut by_resource: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, operation) in operations.iter().enumerate() {
        by_resource.entry(&operation.resource).or_default().push(i);
    }
    for list in by_resource.values_mut() {
        list.sort_by_key(|&i| (operations[i].start, operations[i].end));
    }
    let mut unassigned: Vec<(String, Unassigned)> = Vec::new();
    let mut resources: Vec<&String> = counts.keys().collect();
    resources.sort();
    for resource in resources {
        let on_resource = by_resource
            .get(resource.as_str())
            .map_or(&[][..], Vec::as_slice);
        let mut left: Option<Unassigned> = None;
        for count in &counts[resource] {
            let (mut good, mut scrap) = (count.good, count.scrap);
            if count.at < since {
                keep(&mut left, count.at, good, scrap);
                continue;
            }
            // An operator's open interval takes the whole count.
            let explicit = on_resource.iter().copied().find(|i| {
                started.get(i).is_some_and(|s| {
                    *s <= count.at && finished.get(i).is_none_or(|f| count.at < *f)
                })
            });
            if let Some(i) = explicit {
                let p = &mut progress[i];
                p.good += good;
                p.scrap += scrap;
                continue;
            }
            for &i in on_resource {
                if good + scrap == 0 {
                    break;
                }
                // An operation the operator started takes counts only while it runs; one
                // finished takes none after.
                if started.contains_key(&i) || finished.get(&i).is_some_and(|f| *f <= count.at) {
                    continue;
                }
                let p = &mut progress[i];
                let room = p.operation.pieces - p.good - p.scrap;
                if room <= 0 {
                    continue;
                }
                let take_good = good.min(room);
                let take_scrap = scrap.min(room - take_good);
                p.good += take_good;
                p.scrap += take_scrap;
                good -= take_good;
                scrap -= take_scrap;
                let at = Timestamp::from_millis(count.at);
                p.started_at.get_or_insert(at);
                if p.good + p.scrap >= p.operation.pieces {
                    p.finished_at = Some(at);
                }
            }
            if good + scrap > 0 {
                keep(&mut left, count.at, good, scrap);
            }
        }
        if let Some(left) = left {
            unassigned.push((resource.clone(), left));
        }
    }
    for (i, p) in progress.iter_mut().enumerate() {
        if let Some(start) = started.get(&i) {
            p.started_at = Some(Timestamp::from_millis(*start));
            p.finished_at = None;
        }
        if let Some(finish) = finished.get(&i) {
            p.finished_at = Some(Timestamp::from_millis(*finish));
        }
        p.state = match (p.started_at, p.finished_at) {
            (_, Some(_)) => OperationState::Done,
            (Some(_), None) => OperationState::Running,
            (None, None) => OperationState::Waiting,
        };
    }
    // A finished operation nothing counted passes on its lot's previous step's good pieces
    // (or the lot, at the first step).
    let mut by_step: Vec<usize> = (0..progress.len()).collect();
    by_step.sort_by_key(|&i| {
        let o = &progress[i].operation;
        (o.order.clone(), o.lot, o.step)
    });
    for i in by_step {
        let p = &progress[i];
        if p.state != OperationState::Done || p.good + p.scrap > 0 {
            continue;
        }
        let operation = &p.operation;
        let previous = operation.step.checked_sub(1).and_then(|step| {
            index
                .get(&(operation.order.clone(), operation.lot, step))
                .map(|&j| progress[j].good)
        });
        progress[i].good = previous.unwrap_or(operation.pieces);
    }
    FloorProgress {
        operations: progress,
        unassigned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    fn operation(
        order: &str,
        lot: usize,
        step: usize,
        resource: &str,
        start: i64,
    ) -> PlannedOperation {
        PlannedOperation {
            order: order.into(),
            lot,
            step,
            step_name: format!("step {step}"),
            pieces: 100,
            resource: resource.into(),
            start: Timestamp::from_millis(start * MINUTE),
            end: Timestamp::from_millis((start + 60) * MINUTE),
            setup_minutes: 0,
            fixed: false,
        }
    }

    fn count(minute: i64, good: i64, scrap: i64) -> Count {
        Count {
            at: minute * MINUTE,
            good,
            scrap,
        }
    }

    fn event(
        order: &str,
        lot: usize,
        step: usize,
        action: OperationAction,
        minute: i64,
    ) -> OperationEvent {
        OperationEvent {
            order: order.into(),
            lot,
            step,
            resource: String::new(),
            action,
            at: Timestamp::from_millis(minute * MINUTE),
            by: "operator".into(),
        }
    }

    /// Two lots of FO1 polished on R1 then packed at M (no device); FO2's lot after them on R1.
    fn plan() -> Vec<PlannedOperation> {
        vec![
            // By resource, as plans list them: the station's before the robot's.
            operation("FO1", 1, 2, "M", 60),
            operation("FO1", 2, 2, "M", 120),
            operation("FO1", 1, 1, "R1", 0),
            operation("FO1", 2, 1, "R1", 60),
            operation("FO2", 1, 1, "R1", 120),
        ]
    }

    fn summary(progress: &FloorProgress) -> Vec<(String, usize, usize, OperationState, i64, i64)> {
        progress
            .operations
            .iter()
            .map(|p| {
                (
                    p.operation.order.clone(),
                    p.operation.lot,
                    p.operation.step,
                    p.state,
                    p.good,
                    p.scrap,
                )
            })
            .collect()
    }

    #[test]
    fn counts_fill_the_operations_in_plan_order_and_overflow_to_the_next() {
        use OperationState::*;
        let counts = HashMap::from([(
            "R1".to_owned(),
            vec![
                // Before the plan was published: someone else's work.
                count(-5, 7, 0),
                count(10, 60, 2),
                // Completes lot 1 (38 more) and starts lot 2 with the rest.
                count(50, 45, 1),
                count(70, 30, 0),
            ],
        )]);
        let progress = assign(&plan(), &counts, &[], 0);
        assert_eq!(
            summary(&progress),
            vec![
                ("FO1".into(), 1, 2, Waiting, 0, 0),
                ("FO1".into(), 2, 2, Waiting, 0, 0),
                ("FO1".into(), 1, 1, Done, 98, 2),
                ("FO1".into(), 2, 1, Running, 37, 1),
                ("FO2".into(), 1, 1, Waiting, 0, 0),
            ]
        );
        assert_eq!(
            progress.operations[2].finished_at,
            Some(Timestamp::from_millis(50 * MINUTE))
        );
        assert_eq!(progress.unassigned[0].0, "R1");
        assert_eq!(
            (
                progress.unassigned[0].1.good,
                progress.unassigned[0].1.scrap
            ),
            (7, 0)
        );
        let steps = progress.order("FO1");
        assert_eq!(steps.len(), 2);
        assert_eq!(
            (steps[0].pieces, steps[0].good, steps[0].scrap),
            (200, 135, 3)
        );
        assert_eq!((steps[0].lots_done, steps[0].lots), (1, 2));
    }

    #[test]
    fn an_operators_start_takes_the_counts_and_nothing_is_dropped() {
        use OperationState::*;
        // The operator runs FO2 first (out of the plan's order), finishes it, then FO1's
        // first lot runs by itself; the station finishes FO1 lot 1's packing.
        let events = [
            event("FO2", 1, 1, OperationAction::Start, 5),
            event("FO2", 1, 1, OperationAction::Finish, 40),
            event("FO1", 1, 2, OperationAction::Finish, 200),
        ];
        let counts = HashMap::from([(
            "R1".to_owned(),
            vec![
                count(10, 50, 0),
                count(30, 55, 3),
                count(45, 100, 0),
                // More than every remaining operation takes: the rest stays unassigned.
                count(90, 150, 0),
            ],
        )]);
        let progress = assign(&plan(), &counts, &events, 0);
        assert_eq!(
            summary(&progress),
            vec![
                ("FO1".into(), 1, 2, Done, 100, 0),
                ("FO1".into(), 2, 2, Waiting, 0, 0),
                ("FO1".into(), 1, 1, Done, 100, 0),
                ("FO1".into(), 2, 1, Done, 100, 0),
                ("FO2".into(), 1, 1, Done, 105, 3),
            ]
        );
        assert_eq!(progress.unassigned[0].1.good, 50);
        let total_counted: i64 = counts["R1"].iter().map(|c| c.good + c.scrap).sum();
        let assigned: i64 = progress.operations[2..]
            .iter()
            .map(|p| p.good + p.scrap)
            .sum();
        assert_eq!(
            assigned + progress.unassigned[0].1.good,
            total_counted,
            "every counted piece is somewhere"
        );
    }
}
