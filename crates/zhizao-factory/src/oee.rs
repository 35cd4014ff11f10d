//! Overall equipment effectiveness as ISO 22400-2:2014 defines it, from what a resource's
//! devices report: state intervals (running, set-up, idle, fault, off) and piece counts.
//!
//! The time model, per resource and period:
//! - *planned operation time* (POT): the calendar's shifts within the period;
//! - *planned down time* (PDOT): planned maintenance and breaks within the shifts;
//! - *planned busy time* (PBT) = POT − PDOT;
//! - within PBT, what the machine did: *actual production time* (APT, running), *actual set-up
//!   time* (AUST), *actual down time* (ADOT: faults, and the machine off when it was meant to
//!   work) and *delay time* (ADET: idle, waiting for material or an operator). Time within PBT
//!   that no state covers (a device that said nothing) counts as delay and is also reported on
//!   its own as unrecorded, so a silent device lowers availability instead of hiding.
//!
//! The key figures: availability = APT / PBT; effectiveness = planned run time per item × produced
//! quantity / APT; quality rate = good quantity / produced quantity; OEE = availability ×
//! effectiveness × quality rate. A figure whose denominator is zero is absent, not zero.
//! Models add up (`+`), so a line's, a site's or a platform's figures are computed from summed
//! times and quantities, never by averaging ratios.

use std::ops::Add;

use serde::Serialize;
use zhizao_core::closed_vocabulary;

use crate::Error;

closed_vocabulary! {
    /// What a resource reports it is doing.
    MachineState, "machine state" {
        /// Producing.
        Running => "running", "运行", "Running";
        /// Changing over between jobs.
        Setup => "setup", "换型", "Set-up";
        /// On and waiting (material, operator, the next job).
        Idle => "idle", "待机", "Idle";
        /// Stopped by a fault.
        Fault => "fault", "故障", "Fault";
        /// Switched off.
        Off => "off", "关机", "Off";
    }
}

/// A half-open interval of milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First instant (inclusive).
    pub start: i64,
    /// End (exclusive).
    pub end: i64,
}

impl Span {
    /// The span from `start` to `end`.
    pub fn new(start: i64, end: i64) -> Self {
        Span { start, end }
    }

    fn length(self) -> i64 {
        (self.end - self.start).max(0)
    }
}

/// What a resource reported over a period.
#[derive(Debug, Clone, Default)]
pub struct Observations {
    /// The calendar's shifts within the period (planned operation time).
    pub shifts: Vec<Span>,
    /// Planned down time within the shifts: breaks, planned maintenance.
    pub planned_down: Vec<Span>,
    /// The states the devices reported, each from its start to the next state's.
    pub states: Vec<(Span, MachineState)>,
    /// Pieces produced, good and bad.
    pub produced: i64,
    /// Of which good.
    pub good: i64,
    /// Planned run time per item, ms (from the routing, for what was produced).
    pub planned_run_time_per_item_ms: i64,
}

/// The ISO 22400-2 time model of one resource (or a sum of them), in milliseconds, with the
/// quantities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TimeModel {
    /// Planned operation time (POT).
    pub planned_operation_ms: i64,
    /// Planned down time (PDOT).
    pub planned_down_ms: i64,
    /// Planned busy time (PBT = POT − PDOT).
    pub planned_busy_ms: i64,
    /// Actual production time (APT).
    pub production_ms: i64,
    /// Actual set-up time (AUST).
    pub setup_ms: i64,
    /// Actual down time (ADOT): faults, and off while meant to work.
    pub down_ms: i64,
    /// Delay time (ADET): idle, and unrecorded.
    pub delay_ms: i64,
    /// Of the delay, time no report covers.
    pub unrecorded_ms: i64,
    /// Produced quantity (PQ).
    pub produced: i64,
    /// Good quantity (GQ).
    pub good: i64,
    /// Planned run time of what was produced: planned run time per item × PQ, summed.
    pub planned_run_ms: i64,
}

impl Add for TimeModel {
    type Output = TimeModel;

    fn add(self, other: TimeModel) -> TimeModel {
        TimeModel {
            planned_operation_ms: self.planned_operation_ms + other.planned_operation_ms,
            planned_down_ms: self.planned_down_ms + other.planned_down_ms,
            planned_busy_ms: self.planned_busy_ms + other.planned_busy_ms,
            production_ms: self.production_ms + other.production_ms,
            setup_ms: self.setup_ms + other.setup_ms,
            down_ms: self.down_ms + other.down_ms,
            delay_ms: self.delay_ms + other.delay_ms,
            unrecorded_ms: self.unrecorded_ms + other.unrecorded_ms,
            produced: self.produced + other.produced,
            good: self.good + other.good,
            planned_run_ms: self.planned_run_ms + other.planned_run_ms,
        }
    }
}

impl std::iter::Sum for TimeModel {
    fn sum<I: Iterator<Item = TimeModel>>(models: I) -> TimeModel {
        models.fold(TimeModel::default(), Add::add)
    }
}

/// The key figures of a time model, each a fraction (0.85 is 85 %), absent when undefined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Figures {
    /// APT / PBT.
    pub availability: Option<f64>,
    /// Planned run time per item × PQ / APT.
    pub effectiveness: Option<f64>,
    /// GQ / PQ.
    pub quality_rate: Option<f64>,
    /// Availability × effectiveness × quality rate.
    pub oee: Option<f64>,
    /// (APT + set-up time) / PBT: the share of the planned busy time the resource was working
    /// or being set up for work, what a shop manager calls utilisation (availability counts
    /// production alone).
    pub utilisation: Option<f64>,
}

fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

impl TimeModel {
    /// Availability, effectiveness, quality rate and OEE.
    pub fn figures(&self) -> Figures {
        let availability = ratio(self.production_ms, self.planned_busy_ms);
        let effectiveness = ratio(self.planned_run_ms, self.production_ms);
        let quality_rate = ratio(self.good, self.produced);
        let oee = match (availability, effectiveness, quality_rate) {
            (Some(a), Some(e), Some(q)) => Some(a * e * q),
            _ => None,
        };
        Figures {
            availability,
            effectiveness,
            quality_rate,
            oee,
            utilisation: ratio(self.production_ms + self.setup_ms, self.planned_busy_ms),
        }
    }

    /// Whether any of the planned busy time is covered by a report (a period before the
    /// machines were connected has none, and its figures say nothing).
    pub fn recorded(&self) -> bool {
        self.planned_busy_ms > self.unrecorded_ms
    }
}

/// Merges overlapping spans into sorted disjoint ones.
fn normalised(spans: &[Span]) -> Vec<Span> {
    let mut sorted: Vec<Span> = spans.iter().copied().filter(|s| s.end > s.start).collect();
    sorted.sort_by_key(|s| s.start);
    let mut merged: Vec<Span> = Vec::with_capacity(sorted.len());
    for span in sorted {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}

/// The length of `span` covered by the disjoint sorted `spans`.
pub(crate) fn covered(span: Span, spans: &[Span]) -> i64 {
    spans
        .iter()
        .map(|s| Span::new(s.start.max(span.start), s.end.min(span.end)).length())
        .sum()
}

/// Cuts `span` by the disjoint sorted `holes`, returning what remains.
fn minus(span: Span, holes: &[Span]) -> Vec<Span> {
    let mut rest = Vec::new();
    let mut from = span.start;
    for hole in holes {
        if hole.end <= from || hole.start >= span.end {
            continue;
        }
        if hole.start > from {
            rest.push(Span::new(from, hole.start));
        }
        from = from.max(hole.end);
    }
    if from < span.end {
        rest.push(Span::new(from, span.end));
    }
    rest
}

fn busy_of(shifts: &[Span], planned_down: &[Span]) -> Vec<Span> {
    shifts
        .iter()
        .flat_map(|shift| minus(*shift, planned_down))
        .collect()
}

/// The planned busy time of `observations` as sorted disjoint spans: the shifts less planned
/// down time.
pub(crate) fn busy_spans(observations: &Observations) -> Vec<Span> {
    busy_of(
        &normalised(&observations.shifts),
        &normalised(&observations.planned_down),
    )
}

/// Computes the time model of one resource from what it reported. Overlapping shifts or
/// planned down times count once; states outside the planned busy time do not count (a machine
/// running through a break neither gains nor loses availability); overlapping states are
/// refused, as are counts that do not add up.
pub fn time_model(observations: &Observations) -> Result<TimeModel, Error> {
    if observations.produced < 0
        || observations.good < 0
        || observations.good > observations.produced
    {
        return Err(Error::invalid(
            "good",
            "合格数须在 0 与产量之间",
            "the good quantity must be between 0 and the produced quantity",
        ));
    }
    if observations.planned_run_time_per_item_ms < 0 {
        return Err(Error::invalid(
            "planned_run_time_per_item_ms",
            "单件计划加工时间不能为负",
            "the planned run time per item cannot be negative",
        ));
    }
    let mut states: Vec<(Span, MachineState)> = observations
        .states
        .iter()
        .copied()
        .filter(|(span, _)| span.end > span.start)
        .collect();
    states.sort_by_key(|(span, _)| span.start);
    if states
        .windows(2)
        .any(|pair| pair[1].0.start < pair[0].0.end)
    {
        return Err(Error::invalid(
            "states",
            "设备状态时段重叠",
            "the reported states overlap",
        ));
    }
    let shifts = normalised(&observations.shifts);
    let planned_down = normalised(&observations.planned_down);
    let busy = busy_of(&shifts, &planned_down);
    let planned_operation_ms: i64 = shifts.iter().map(|s| s.length()).sum();
    let planned_down_ms: i64 = shifts.iter().map(|s| covered(*s, &planned_down)).sum();
    let planned_busy_ms = planned_operation_ms - planned_down_ms;
    let mut model = TimeModel {
        planned_operation_ms,
        planned_down_ms,
        planned_busy_ms,
        produced: observations.produced,
        good: observations.good,
        planned_run_ms: observations
            .planned_run_time_per_item_ms
            .saturating_mul(observations.produced),
        ..TimeModel::default()
    };
    let mut recorded = 0;
    for (span, state) in &states {
        let within = covered(*span, &busy);
        recorded += within;
        match state {
            MachineState::Running => model.production_ms += within,
            MachineState::Setup => model.setup_ms += within,
            MachineState::Fault | MachineState::Off => model.down_ms += within,
            MachineState::Idle => model.delay_ms += within,
        }
    }
    model.unrecorded_ms = planned_busy_ms - recorded;
    model.delay_ms += model.unrecorded_ms;
    Ok(model)
}

#[cfg(test)]
mod tests {
    use zhizao_core::Classified;

    use super::*;

    const MINUTE: i64 = 60_000;

    fn span(from_minute: i64, to_minute: i64) -> Span {
        Span::new(from_minute * MINUTE, to_minute * MINUTE)
    }

    /// An 8-hour shift with a 30-minute break and 30 minutes of planned maintenance; the robot
    /// sets up for 20 minutes, runs 300, idles 40 (no material), faults for 30, runs 20, and says
    /// nothing for the last 10; it made 560 pieces at 30 s planned each, 532 good.
    fn shift() -> Observations {
        Observations {
            shifts: vec![span(0, 480)],
            planned_down: vec![span(240, 270), span(450, 480)],
            states: vec![
                (span(0, 20), MachineState::Setup),
                (span(20, 240), MachineState::Running),
                // The break: running through it counts for nothing.
                (span(240, 270), MachineState::Running),
                (span(270, 350), MachineState::Running),
                (span(350, 390), MachineState::Idle),
                (span(390, 420), MachineState::Fault),
                (span(420, 440), MachineState::Running),
            ],
            produced: 560,
            good: 532,
            planned_run_time_per_item_ms: 30_000,
        }
    }

    #[test]
    fn the_time_model_of_a_shift_matches_the_hand_computation() {
        let model = time_model(&shift()).unwrap();
        // POT 480 min; PDOT 30 + 30 = 60; PBT 420.
        assert_eq!(model.planned_operation_ms, 480 * MINUTE);
        assert_eq!(model.planned_down_ms, 60 * MINUTE);
        assert_eq!(model.planned_busy_ms, 420 * MINUTE);
        // APT 220 + 80 + 20 = 320; set-up 20; down 30; delay 40 idle + 10 unrecorded.
        assert_eq!(model.production_ms, 320 * MINUTE);
        assert_eq!(model.setup_ms, 20 * MINUTE);
        assert_eq!(model.down_ms, 30 * MINUTE);
        assert_eq!(model.unrecorded_ms, 10 * MINUTE);
        assert_eq!(model.delay_ms, 50 * MINUTE);
        assert_eq!(
            model.production_ms + model.setup_ms + model.down_ms + model.delay_ms,
            model.planned_busy_ms,
            "the busy time is accounted for exactly"
        );
        let figures = model.figures();
        // Availability 320 / 420; effectiveness 560 × 0.5 min / 320 = 280 / 320;
        // quality 532 / 560 = 0.95; OEE = 280 / 420 × 0.95.
        let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-12;
        assert!(close(figures.availability, 320.0 / 420.0), "{figures:?}");
        assert!(close(figures.effectiveness, 280.0 / 320.0), "{figures:?}");
        assert!(close(figures.quality_rate, 0.95), "{figures:?}");
        assert!(close(figures.oee, 280.0 / 420.0 * 0.95), "{figures:?}");
        // Utilisation: production and set-up, (320 + 20) / 420.
        assert!(close(figures.utilisation, 340.0 / 420.0), "{figures:?}");
        assert!(model.recorded());
        let silent = TimeModel {
            planned_busy_ms: 420 * MINUTE,
            delay_ms: 420 * MINUTE,
            unrecorded_ms: 420 * MINUTE,
            ..TimeModel::default()
        };
        assert!(!silent.recorded(), "no report covers any of it");
    }

    #[test]
    fn figures_of_many_resources_come_from_summed_times_not_averaged_ratios() {
        let busy = time_model(&shift()).unwrap();
        // A second robot planned for the same shift that never ran and made nothing.
        let silent = time_model(&Observations {
            shifts: vec![span(0, 480)],
            planned_down: vec![span(240, 270), span(450, 480)],
            ..Observations::default()
        })
        .unwrap();
        assert_eq!(silent.unrecorded_ms, 420 * MINUTE);
        let silent_figures = silent.figures();
        assert_eq!(silent_figures.availability, Some(0.0));
        assert_eq!(silent_figures.effectiveness, None, "no production time");
        assert_eq!(silent_figures.quality_rate, None, "nothing produced");
        assert_eq!(silent_figures.oee, None);
        let line: TimeModel = [busy, silent].into_iter().sum();
        let figures = line.figures();
        assert_eq!(line.planned_busy_ms, 840 * MINUTE);
        assert!((figures.availability.unwrap() - 320.0 / 840.0).abs() < 1e-12);
        assert!((figures.oee.unwrap() - 280.0 / 840.0 * 0.95).abs() < 1e-12);
    }

    #[test]
    fn overlapping_calendars_count_once_and_bad_reports_are_refused() {
        let mut twice = shift();
        twice.shifts.push(span(100, 200));
        twice.planned_down.push(span(245, 260));
        assert_eq!(time_model(&twice).unwrap(), time_model(&shift()).unwrap());

        let mut overlapping = shift();
        overlapping.states.push((span(10, 30), MachineState::Idle));
        assert_eq!(
            time_model(&overlapping).unwrap_err().field_errors()[0].field,
            "states"
        );
        let mut counts = shift();
        counts.good = 600;
        assert_eq!(
            time_model(&counts).unwrap_err().field_errors()[0].field,
            "good"
        );
    }
}
