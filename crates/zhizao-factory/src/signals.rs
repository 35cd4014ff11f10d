//! What a factory's machines report, read from the telemetry store: each device bound to a
//! resource publishes, like any device, a `state` (running, setup, idle, fault, off), cumulative
//! piece counters `good` and `scrap`, and optionally an `alarm` code while in fault.
//!
//! A state report holds from its time until the device's next report, but never longer than
//! [`MAX_SILENCE_MS`]: a device that stops talking stops being counted as running, and the time
//! is left unrecorded (which OEE then shows as such). Counters are cumulative: the pieces made
//! between two reports are the difference; a counter that goes down has been reset (the device
//! rebooted) and counts from zero, so a reset never counts twice and loses nothing after the
//! reboot. The first report of a day is measured against the device's last report within the
//! hour before (else it is the baseline and counts nothing).
//!
//! Reading a month of one-second reports of 72 robots is hundreds of millions of rows, so what
//! a device did on a closed day (ended more than [`SETTLED_AFTER_MS`] ago) is folded once into
//! runs and counts and kept in memory; today's and yesterday's are read afresh.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Int64Type};
use zhizao_telemetry::{DEVICE_TAG, QueryLimits, TelemetryStore};

use crate::oee::{MachineState, Span};
use crate::{Error, Result};

/// The state field.
pub const STATE_FIELD: &str = "state";
/// The cumulative good-piece counter.
pub const GOOD_FIELD: &str = "good";
/// The cumulative scrap counter.
pub const SCRAP_FIELD: &str = "scrap";
/// The alarm (fault) code.
pub const ALARM_FIELD: &str = "alarm";
/// The longest a state report holds without a newer one: five minutes.
pub const MAX_SILENCE_MS: i64 = 5 * 60_000;
/// How far before a day its first counter reading looks for the previous one.
pub const LOOKBACK_MS: i64 = 60 * 60_000;
/// A day's reports are taken as final this long after it ends (late data from buffering
/// devices arrives within it).
pub const SETTLED_AFTER_MS: i64 = 6 * 60 * 60_000;

/// One report of a device, as read from its telemetry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// When, ms since the epoch.
    pub at: i64,
    /// The state reported: `Some(None)` for a word outside the vocabulary.
    pub state: Option<Option<MachineState>>,
    /// The good counter.
    pub good: Option<i64>,
    /// The scrap counter.
    pub scrap: Option<i64>,
    /// The alarm code.
    pub alarm: Option<i64>,
}

/// A stretch of one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateRun {
    /// When.
    pub span: Span,
    /// What the device was doing.
    pub state: MachineState,
    /// The alarm code reported with it (faults).
    pub alarm: Option<i64>,
}

/// Pieces counted by the reports of one minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// When the minute's first counting report came.
    pub at: i64,
    /// Good pieces since the previous report.
    pub good: i64,
    /// Scrap since the previous report.
    pub scrap: i64,
}

/// What one device did over one span (a day).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceActivity {
    /// Its states, in order, disjoint.
    pub states: Vec<StateRun>,
    /// Its counts, in order.
    pub counts: Vec<Count>,
    /// Counter resets seen.
    pub resets: u32,
    /// Reports of a state outside the vocabulary (their time is unrecorded).
    pub unknown_states: u32,
}

impl DeviceActivity {
    /// Pieces counted within `span`: good and scrap.
    pub fn pieces_within(&self, span: Span) -> (i64, i64) {
        let from = self.counts.partition_point(|c| c.at < span.start);
        let to = self.counts.partition_point(|c| c.at < span.end);
        self.counts[from..to]
            .iter()
            .fold((0, 0), |(good, scrap), c| (good + c.good, scrap + c.scrap))
    }
}

/// One counter's difference from its previous reading: a counter that went down was reset and
/// counts from zero.
fn increment(previous: &mut Option<i64>, value: Option<i64>, resets: &mut u32) -> i64 {
    let Some(value) = value.filter(|v| *v >= 0) else {
        return 0;
    };
    let counted = match *previous {
        Some(before) if value >= before => value - before,
        Some(_) => {
            *resets += 1;
            value
        }
        None => 0,
    };
    *previous = Some(value);
    counted
}

/// Folds a device's reports (in time order) into what it did within `span`; reports before
/// `span.start` only give the state and counters it entered the span with.
pub fn fold(span: Span, readings: &[Reading]) -> DeviceActivity {
    let mut activity = DeviceActivity::default();
    let mut good = None;
    let mut scrap = None;
    // The state being held: since when, what, and its last report.
    let mut held: Option<(i64, Option<MachineState>, Option<i64>, i64)> = None;
    let close = |activity: &mut DeviceActivity,
                 held: &(i64, Option<MachineState>, Option<i64>, i64),
                 until: i64| {
        let (since, state, alarm, last) = *held;
        let end = until.min(last + MAX_SILENCE_MS).min(span.end);
        let start = since.max(span.start);
        if let Some(state) = state
            && end > start
        {
            match activity.states.last_mut() {
                Some(run) if run.span.end == start && run.state == state && run.alarm == alarm => {
                    run.span.end = end;
                }
                _ => activity.states.push(StateRun {
                    span: Span::new(start, end),
                    state,
                    alarm,
                }),
            }
        }
    };
    for reading in readings.iter().filter(|r| r.at < span.end) {
        let inside = reading.at >= span.start;
        let mut resets = 0;
        let counted_good = increment(&mut good, reading.good, &mut resets);
        let counted_scrap = increment(&mut scrap, reading.scrap, &mut resets);
        if inside {
            activity.resets += resets.min(1);
            if counted_good > 0 || counted_scrap > 0 {
                // Counts within one minute are kept as one (at the minute's first report), so a
                // day of a device is at most 1,440 counts however often it reports.
                match activity.counts.last_mut() {
                    Some(last) if last.at.div_euclid(60_000) == reading.at.div_euclid(60_000) => {
                        last.good += counted_good;
                        last.scrap += counted_scrap;
                    }
                    _ => activity.counts.push(Count {
                        at: reading.at,
                        good: counted_good,
                        scrap: counted_scrap,
                    }),
                }
            }
        }
        let Some(state) = reading.state else {
            continue;
        };
        if inside && state.is_none() {
            activity.unknown_states += 1;
        }
        let alarm = reading.alarm.filter(|_| state == Some(MachineState::Fault));
        match &mut held {
            Some((_, current, current_alarm, last))
                if *current == state
                    && *current_alarm == alarm
                    && reading.at <= *last + MAX_SILENCE_MS =>
            {
                *last = reading.at;
            }
            _ => {
                if let Some(previous) = &held {
                    close(&mut activity, previous, reading.at);
                }
                held = Some((reading.at, state, alarm, reading.at));
            }
        }
    }
    if let Some(previous) = &held {
        close(&mut activity, previous, span.end);
    }
    activity
}

/// A device's telemetry: where it is stored and its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceKey {
    /// The owning tenant (the platform).
    pub tenant: i64,
    /// Its telemetry database.
    pub database: String,
    /// Its telemetry table.
    pub table: String,
    /// Its name (the `device` tag).
    pub device: String,
}

/// The most device-days kept in memory; past it the cache starts afresh (about 70 MB at a
/// count a minute).
const MAX_CACHED_DAYS: usize = 50_000;

/// Settled days' activity, kept once read.
#[derive(Debug, Default)]
pub struct ActivityCache {
    days: Mutex<HashMap<(DeviceKey, i64), Arc<DeviceActivity>>>,
}

impl ActivityCache {
    /// What each device did within `day`, from the cache for a settled day, else from the
    /// store (and then kept if settled at `now`).
    pub async fn day(
        &self,
        store: &TelemetryStore,
        devices: &[DeviceKey],
        day: Span,
        now: i64,
    ) -> Result<HashMap<DeviceKey, Arc<DeviceActivity>>> {
        let settled = day.end + SETTLED_AFTER_MS <= now;
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        {
            let days = self.days.lock().unwrap_or_else(|e| e.into_inner());
            for key in devices {
                match days.get(&(key.clone(), day.start)).filter(|_| settled) {
                    Some(activity) => {
                        found.insert(key.clone(), Arc::clone(activity));
                    }
                    None => missing.push(key.clone()),
                }
            }
        }
        // One query per table for the devices not yet known.
        let mut by_table: HashMap<(i64, String, String), Vec<String>> = HashMap::new();
        for key in &missing {
            by_table
                .entry((key.tenant, key.database.clone(), key.table.clone()))
                .or_default()
                .push(key.device.clone());
        }
        for ((tenant, database, table), names) in by_table {
            // A day before the table's first report needs no query (a year's report on a
            // factory connected last month plans twelve queries, not 365).
            let holds_any = store
                .earliest_time_ns(tenant, &database, &table)
                .is_some_and(|earliest| earliest.div_euclid(1_000_000) < day.end);
            let readings = if holds_any {
                read(store, tenant, &database, &table, &names, day).await?
            } else {
                HashMap::new()
            };
            let mut days = self.days.lock().unwrap_or_else(|e| e.into_inner());
            for name in names {
                let activity = Arc::new(
                    readings
                        .get(&name)
                        .map(|r| fold(day, r))
                        .unwrap_or_default(),
                );
                let key = DeviceKey {
                    tenant,
                    database: database.clone(),
                    table: table.clone(),
                    device: name,
                };
                if settled {
                    if days.len() >= MAX_CACHED_DAYS {
                        days.clear();
                    }
                    days.insert((key.clone(), day.start), Arc::clone(&activity));
                }
                found.insert(key, activity);
            }
        }
        Ok(found)
    }
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn identifier(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The reports of `devices` in one table from [`LOOKBACK_MS`] before `day` to its end, per
/// device in time order. Fields the table lacks read as absent.
async fn read(
    store: &TelemetryStore,
    tenant: i64,
    database: &str,
    table: &str,
    devices: &[String],
    day: Span,
) -> Result<HashMap<String, Vec<Reading>>> {
    let Some(schema) = store
        .catalog(tenant)
        .get(database)
        .and_then(|tables| tables.get(table))
        .cloned()
    else {
        return Ok(HashMap::new());
    };
    let column = |name: &str, cast: &str| {
        if schema.field_with_name(name).is_ok() {
            format!("CAST({} AS {cast})", identifier(name))
        } else {
            format!("CAST(NULL AS {cast})")
        }
    };
    let names: Vec<String> = devices.iter().map(|d| literal(d)).collect();
    let sql = format!(
        "SELECT {device} AS d, CAST(time AS BIGINT) / 1000000 AS t, {state} AS s, {good} AS g, \
         {scrap} AS x, {alarm} AS a FROM {table} WHERE {device} IN ({names}) \
         AND time >= to_timestamp_millis({from}) AND time < to_timestamp_millis({to})",
        device = identifier(DEVICE_TAG),
        state = column(STATE_FIELD, "VARCHAR"),
        good = column(GOOD_FIELD, "BIGINT"),
        scrap = column(SCRAP_FIELD, "BIGINT"),
        alarm = column(ALARM_FIELD, "BIGINT"),
        table = identifier(table),
        names = names.join(", "),
        from = day.start - LOOKBACK_MS,
        to = day.end,
    );
    let limits = QueryLimits {
        max_rows: 1 << 40,
        timeout: std::time::Duration::from_secs(600),
        memory_bytes: 4 * 1024 * 1024 * 1024,
    };
    let output = store
        .query(tenant, database, &sql, limits)
        .await
        .map_err(|e| Error::Corrupt(format!("reading machine data of {table}: {e}")))?;
    let mut readings: HashMap<String, Vec<Reading>> = HashMap::new();
    let strings = |array: &Arc<dyn Array>| {
        arrow::compute::cast(array, &DataType::Utf8)
            .map_err(|e| Error::Corrupt(format!("reading machine data of {table}: {e}")))
    };
    for batch in &output.batches {
        let device = strings(batch.column(0))?;
        let device = device.as_string::<i32>();
        let state = strings(batch.column(2))?;
        let state = state.as_string::<i32>();
        let time = batch.column(1).as_primitive::<Int64Type>();
        let good = batch.column(3).as_primitive::<Int64Type>();
        let scrap = batch.column(4).as_primitive::<Int64Type>();
        let alarm = batch.column(5).as_primitive::<Int64Type>();
        let value = |array: &arrow::array::PrimitiveArray<Int64Type>, row: usize| {
            (!array.is_null(row)).then(|| array.value(row))
        };
        // Rows come in runs of one device: collect a run, then file it under its name.
        let mut run_name = String::new();
        let mut run: Vec<Reading> = Vec::new();
        for row in 0..batch.num_rows() {
            if device.is_null(row) || time.is_null(row) {
                continue;
            }
            let name = device.value(row);
            if name != run_name {
                if !run.is_empty() {
                    readings
                        .entry(std::mem::take(&mut run_name))
                        .or_default()
                        .append(&mut run);
                }
                name.clone_into(&mut run_name);
            }
            run.push(Reading {
                at: time.value(row),
                state: (!state.is_null(row)).then(|| state.value(row).parse().ok()),
                good: value(good, row),
                scrap: value(scrap, row),
                alarm: value(alarm, row),
            });
        }
        if !run.is_empty() {
            readings.entry(run_name).or_default().append(&mut run);
        }
    }
    for list in readings.values_mut() {
        list.sort_by_key(|r| r.at);
    }
    Ok(readings)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    fn at(minute: i64) -> Reading {
        Reading {
            at: minute * MINUTE,
            state: None,
            good: None,
            scrap: None,
            alarm: None,
        }
    }

    fn state(minute: i64, state: MachineState) -> Reading {
        Reading {
            state: Some(Some(state)),
            ..at(minute)
        }
    }

    fn counters(minute: i64, good: i64, scrap: i64) -> Reading {
        Reading {
            good: Some(good),
            scrap: Some(scrap),
            ..at(minute)
        }
    }

    fn run(from: i64, to: i64, state: MachineState) -> StateRun {
        StateRun {
            span: Span::new(from * MINUTE, to * MINUTE),
            state,
            alarm: None,
        }
    }

    #[test]
    fn states_hold_until_the_next_report_or_the_silence_limit() {
        use MachineState::*;
        let day = Span::new(0, 120 * MINUTE);
        let readings = [
            // Before the day: the robot was already running.
            state(-2, Running),
            state(1, Running),
            state(4, Running),
            state(6, Idle),
            // Silent from minute 7 to 30: idle holds for five minutes, then nothing.
            state(30, Fault),
            state(34, Fault),
            state(40, Running),
            // Silent again: running holds five minutes, and the last report to the day's end.
            state(118, Running),
        ];
        let activity = fold(day, &readings);
        assert_eq!(
            activity.states,
            vec![
                run(0, 6, Running),
                run(6, 11, Idle),
                run(30, 39, Fault),
                run(40, 45, Running),
                run(118, 120, Running),
            ]
        );
    }

    #[test]
    fn counter_resets_never_count_twice_and_lose_nothing_after_the_reboot() {
        let day = Span::new(0, 60 * MINUTE);
        let readings = [
            // The hour before: the baseline.
            counters(-10, 100, 4),
            counters(1, 110, 4),
            counters(2, 125, 5),
            // Reboot: both counters restart.
            counters(3, 3, 0),
            counters(4, 3, 0),
            counters(5, 9, 1),
            // A report without counters changes nothing.
            at(6),
        ];
        let activity = fold(day, &readings);
        assert_eq!(activity.resets, 1);
        assert_eq!(
            activity.pieces_within(day),
            (10 + 15 + 3 + 6, 1 + 1),
            "{:?}",
            activity.counts
        );
        assert_eq!(activity.pieces_within(Span::new(0, 3 * MINUTE)), (25, 1));
        // Without the hour before, the first report is only the baseline.
        let fresh = fold(day, &readings[1..]);
        assert_eq!(fresh.pieces_within(day), (15 + 3 + 6, 1 + 1));
    }

    #[test]
    fn counts_within_a_minute_are_kept_as_one() {
        let second = |s: i64, good: i64| Reading {
            at: s * 1_000,
            good: Some(good),
            scrap: Some(0),
            ..at(0)
        };
        let day = Span::new(0, 10 * MINUTE);
        let readings: Vec<Reading> = (0..180).map(|s| second(s, s)).collect();
        let activity = fold(day, &readings);
        assert_eq!(
            activity.counts,
            vec![
                Count {
                    at: 1_000,
                    good: 59,
                    scrap: 0
                },
                Count {
                    at: 60_000,
                    good: 60,
                    scrap: 0
                },
                Count {
                    at: 120_000,
                    good: 60,
                    scrap: 0
                },
            ]
        );
    }

    #[test]
    fn faults_keep_their_alarm_and_unknown_states_are_unrecorded() {
        use MachineState::*;
        let day = Span::new(0, 30 * MINUTE);
        let fault = |minute, code| Reading {
            alarm: Some(code),
            ..state(minute, Fault)
        };
        let readings = [
            fault(0, 17),
            fault(2, 17),
            fault(4, 23),
            Reading {
                state: Some(None),
                ..at(6)
            },
            state(8, Running),
            Reading {
                alarm: Some(99),
                ..state(9, Running)
            },
        ];
        let activity = fold(day, &readings);
        assert_eq!(activity.unknown_states, 1);
        assert_eq!(
            activity.states,
            vec![
                StateRun {
                    alarm: Some(17),
                    ..run(0, 4, Fault)
                },
                StateRun {
                    alarm: Some(23),
                    ..run(4, 6, Fault)
                },
                run(8, 14, Running),
            ]
        );
    }
}
