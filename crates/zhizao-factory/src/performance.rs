//! A factory's OEE report: the ISO 22400-2 time model (`oee`) of every resource over a range of
//! days, from what its devices reported (`signals`), summed per resource, line, site or the
//! whole platform and per shift, day, week or month, with the losses behind it as a Pareto list.
//!
//! A resource's state is what its first bound device that reported a state says; its pieces are
//! the sum of all its devices' counters. A resource no device is bound to is left out (and
//! listed); a bound device that says nothing counts as unrecorded time. Planned operation time is the calendar's shifts on
//! working days; planned down time its breaks and the resource's planned maintenance. The
//! planned run time per item is the routing's time for the resource's class (its first step on
//! that class, before any family's own time), until counts are assigned to operations.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Serialize;
use time::{Date, Duration};
use zhizao_core::{Text, closed_vocabulary};

use crate::oee::{MachineState, Observations, Span, TimeModel, busy_spans, covered};
use crate::setup::{LossParty, Resource, Setup, parse_local};
use crate::signals::{DeviceActivity, DeviceKey};
use crate::{Error, Result};

closed_vocabulary! {
    /// What an OEE report sums over.
    Grouping, "grouping" {
        /// Each resource.
        Resource => "resource", "资源", "Resource";
        /// Each line.
        Line => "line", "产线", "Line";
        /// Each site.
        Site => "site", "场地", "Site";
        /// The whole platform.
        Platform => "platform", "全平台", "Platform";
    }
}

closed_vocabulary! {
    /// The periods of an OEE report.
    Bucket, "period" {
        /// Each shift.
        Shift => "shift", "班次", "Shift";
        /// Each day.
        Day => "day", "日", "Day";
        /// Each ISO week.
        Week => "week", "周", "Week";
        /// Each month.
        Month => "month", "月", "Month";
    }
}

closed_vocabulary! {
    /// Why planned busy time or output was lost.
    LossKind, "loss" {
        /// A fault (by alarm code where the set-up names it).
        Fault => "fault", "故障停机", "Fault";
        /// Switched off while planned to work.
        Off => "off", "计划内关机", "Off while planned";
        /// Changing over.
        Setup => "setup", "换型调整", "Set-up";
        /// Idle: waiting for material, an operator, the next job.
        Idle => "idle", "待机等待", "Idle";
        /// No report from the devices.
        Unrecorded => "unrecorded", "无数据", "Unrecorded";
        /// Running slower than planned.
        Speed => "speed", "速度损失", "Speed loss";
        /// Scrap.
        Quality => "quality", "质量损失", "Quality loss";
    }
}

/// The longest range one report covers.
pub const MAX_REPORT_DAYS: i64 = 400;

/// What to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OeeRequest {
    /// First day (Asia/Shanghai).
    pub from: Date,
    /// Last day, inclusive.
    pub to: Date,
    /// What to sum over.
    pub grouping: Grouping,
    /// The periods.
    pub bucket: Bucket,
}

fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

impl OeeRequest {
    /// The request's problems: a range that runs backwards or is too long.
    pub fn check(&self) -> Result<()> {
        if self.to < self.from {
            return Err(Error::invalid(
                "to",
                "结束日期早于开始日期",
                "the last day is before the first",
            ));
        }
        if (self.to - self.from).whole_days() >= MAX_REPORT_DAYS {
            return Err(Error::invalid(
                "to",
                "一次最多统计 400 天",
                "a report covers at most 400 days",
            ));
        }
        Ok(())
    }

    /// A request from a query's words: days `YYYY-MM-DD` (by default the week to `today`),
    /// grouping (by default each resource) and period (by default each day); every bad word
    /// named by its parameter.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        grouping: Option<&str>,
        bucket: Option<&str>,
        today: Date,
    ) -> Result<Self> {
        let mut errors = Vec::new();
        let mut date = |name: &str, value: Option<&str>, default: Date| match given(value) {
            None => default,
            Some(text) => crate::setup::parse_date(text).unwrap_or_else(|| {
                errors.push(zhizao_core::FieldError::new(
                    name,
                    Text::owned(
                        format!("“{text}”不是日期（YYYY-MM-DD）"),
                        format!("“{text}” is not a date (YYYY-MM-DD)"),
                    ),
                ));
                default
            }),
        };
        let to = date("to", to, today);
        let from = date("from", from, to - Duration::days(6));
        let grouping = match given(grouping) {
            None => Grouping::Resource,
            Some(word) => word.parse().unwrap_or_else(|_| {
                errors.push(zhizao_core::FieldError::new(
                    "by",
                    Text::owned(
                        format!("“{word}”不是汇总方式（resource、line、site、platform）"),
                        format!("“{word}” is not a grouping (resource, line, site, platform)"),
                    ),
                ));
                Grouping::Resource
            }),
        };
        let bucket = match given(bucket) {
            None => Bucket::Day,
            Some(word) => word.parse().unwrap_or_else(|_| {
                errors.push(zhizao_core::FieldError::new(
                    "every",
                    Text::owned(
                        format!("“{word}”不是统计周期（shift、day、week、month）"),
                        format!("“{word}” is not a period (shift, day, week, month)"),
                    ),
                ));
                Bucket::Day
            }),
        };
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let request = OeeRequest {
            from,
            to,
            grouping,
            bucket,
        };
        request.check()?;
        Ok(request)
    }

    /// The days of the range.
    pub fn days(&self) -> impl Iterator<Item = Date> + use<> {
        let from = self.from;
        let count = (self.to - self.from).whole_days() + 1;
        (0..count.max(0)).map(move |n| from + Duration::days(n))
    }
}

/// One group's figures in one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OeeRow {
    /// The group's code (resource, line or site; empty for the platform).
    pub group: String,
    /// The period: `2026-11-26`, `2026-W48`, `2026-11`, or `2026-11-26 08:00` for a shift.
    pub period: String,
    /// The time model.
    pub model: TimeModel,
}

/// One loss reason's total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Loss {
    /// What kind.
    pub kind: LossKind,
    /// The alarm code (faults).
    pub alarm: Option<i64>,
    /// The reason in the set-up's words, when it names the code.
    pub reason: Option<String>,
    /// Whose loss it is.
    pub party: LossParty,
    /// Time lost, ms (speed and quality losses as the planned time of what was not made).
    pub ms: i64,
}

/// A factory's OEE over a range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OeeReport {
    /// Each group in each period, groups in set-up order, periods in time order.
    pub rows: Vec<OeeRow>,
    /// Each group over the whole range.
    pub groups: Vec<OeeRow>,
    /// Everything.
    pub total: TimeModel,
    /// Losses, largest first.
    pub losses: Vec<Loss>,
    /// Counter resets seen (each counted once).
    pub resets: u32,
    /// Reports of a state outside the vocabulary.
    pub unknown_states: u32,
    /// Resources no device is bound to (left out of the figures).
    pub resources_without_devices: Vec<String>,
    /// Bound device names the platform has not registered.
    pub unknown_devices: Vec<String>,
    /// The platform's registered devices no resource binds: what they report counts for no
    /// resource (bind them in the set-up).
    pub unbound_devices: Vec<String>,
}

impl OeeReport {
    /// The label of a loss, in both languages.
    pub fn loss_label(loss: &Loss) -> Text {
        match (&loss.reason, loss.alarm) {
            (Some(reason), Some(code)) => {
                Text::owned(format!("{reason}（{code}）"), format!("{reason} ({code})"))
            }
            (None, Some(code)) => {
                let kind = loss.kind.label();
                Text::owned(
                    format!("{}（报警 {code}）", kind.zh),
                    format!("{} (alarm {code})", kind.en),
                )
            }
            _ => loss.kind.label(),
        }
    }
}

/// The devices of a resource, as found in the registry (`None`: bound but not registered).
pub type BoundDevices<'a> = &'a HashMap<String, DeviceKey>;

fn group_of(grouping: Grouping, resource: &Resource) -> String {
    match grouping {
        Grouping::Resource => resource.code.clone(),
        Grouping::Line => resource.line.clone(),
        Grouping::Site => resource.site.clone(),
        Grouping::Platform => String::new(),
    }
}

fn period_of(bucket: Bucket, date: Date, shift_start: i64) -> String {
    match bucket {
        Bucket::Shift => format!(
            "{date} {:02}:{:02}",
            shift_start.div_euclid(60),
            shift_start.rem_euclid(60)
        ),
        Bucket::Day => date.to_string(),
        Bucket::Week => {
            let (year, week, _) = date.to_iso_week_date();
            format!("{year}-W{week:02}")
        }
        Bucket::Month => format!("{}-{:02}", date.year(), u8::from(date.month())),
    }
}

/// The instant `minutes` after midnight of `date` in Asia/Shanghai.
fn at_minutes(date: Date, minutes: i64) -> i64 {
    parse_local(&format!("{date} 00:00"))
        .map(|t| t.as_millis() + minutes * 60_000)
        .unwrap_or(0)
}

/// Accumulates the report day by day.
pub struct ReportBuilder<'a> {
    setup: &'a Setup,
    request: OeeRequest,
    devices: BoundDevices<'a>,
    rows: BTreeMap<(usize, String), TimeModel>,
    group_order: HashMap<String, usize>,
    losses: HashMap<(LossKind, Option<i64>), i64>,
    resets: u32,
    unknown_states: u32,
    maintenance: HashMap<&'a str, Vec<Span>>,
    stops: &'a StopReasons,
}

/// Reasons operators gave for stops, per resource: (when, the alarm code of the set-up's list
/// they chose), in time order.
pub type StopReasons = HashMap<String, Vec<(i64, i64)>>;

/// The reason an operator gave during a stop `run` of `resource`, if any (the last one given).
fn stop_reason(stops: &StopReasons, resource: &str, run: &crate::signals::StateRun) -> Option<i64> {
    if !matches!(
        run.state,
        MachineState::Idle | MachineState::Fault | MachineState::Off
    ) {
        return None;
    }
    stops
        .get(resource)?
        .iter()
        .rev()
        .find(|(at, _)| run.span.start <= *at && *at < run.span.end)
        .map(|(_, code)| *code)
}

impl<'a> ReportBuilder<'a> {
    /// A report of `setup`'s resources, whose devices are `devices` (by name), with the
    /// operators' `stops` reasons.
    pub fn new(
        setup: &'a Setup,
        request: OeeRequest,
        devices: BoundDevices<'a>,
        stops: &'a StopReasons,
    ) -> Self {
        let mut group_order = HashMap::new();
        for resource in &setup.resources {
            let next = group_order.len();
            group_order
                .entry(group_of(request.grouping, resource))
                .or_insert(next);
        }
        let mut maintenance: HashMap<&str, Vec<Span>> = HashMap::new();
        for planned in &setup.calendar.maintenance {
            if let (Some(start), Some(end)) =
                (parse_local(&planned.start), parse_local(&planned.end))
            {
                maintenance
                    .entry(planned.resource.trim())
                    .or_default()
                    .push(Span::new(start.as_millis(), end.as_millis()));
            }
        }
        ReportBuilder {
            setup,
            request,
            devices,
            rows: BTreeMap::new(),
            group_order,
            losses: HashMap::new(),
            resets: 0,
            unknown_states: 0,
            maintenance,
            stops,
        }
    }

    /// The planned run time per item of a resource, ms.
    fn planned_per_item_ms(&self, resource: &Resource) -> i64 {
        self.setup
            .routings
            .iter()
            .flat_map(|r| &r.steps)
            .find(|step| step.class == resource.class)
            .map_or(0, |step| step.seconds_per_piece * 1000)
    }

    /// Adds one day, given what each device did that day.
    pub fn add_day(
        &mut self,
        date: Date,
        activity: &HashMap<DeviceKey, Arc<DeviceActivity>>,
    ) -> Result<()> {
        let working = self.setup.calendar.works_on(date);
        let mut shifts: Vec<(i64, Span)> = if working {
            self.setup
                .calendar
                .shifts
                .iter()
                .filter_map(|p| p.minutes())
                .map(|(start, end)| {
                    (
                        start,
                        Span::new(at_minutes(date, start), at_minutes(date, end)),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        shifts.sort_by_key(|(start, _)| *start);
        let breaks: Vec<Span> = if working {
            self.setup
                .calendar
                .breaks
                .iter()
                .filter_map(|p| p.minutes())
                .map(|(start, end)| Span::new(at_minutes(date, start), at_minutes(date, end)))
                .collect()
        } else {
            Vec::new()
        };
        let day = Span::new(at_minutes(date, 0), at_minutes(date, 1440));
        let buckets: Vec<(String, Vec<Span>, Span)> = match self.request.bucket {
            // A shift's pieces are those counted from its start to the next shift's (the
            // first from midnight, the last to midnight), so a count reported as a shift ends,
            // or in the gap after it, belongs to it and every piece of the day to some shift.
            Bucket::Shift => shifts
                .iter()
                .enumerate()
                .map(|(index, (start, span))| {
                    let from = if index == 0 { day.start } else { span.start };
                    let to = shifts
                        .get(index + 1)
                        .map_or(day.end, |(_, next)| next.start);
                    (
                        period_of(Bucket::Shift, date, *start),
                        vec![*span],
                        Span::new(from, to),
                    )
                })
                .collect(),
            bucket => vec![(
                period_of(bucket, date, 0),
                shifts.iter().map(|(_, span)| *span).collect(),
                day,
            )],
        };
        let empty = DeviceActivity::default();
        // A resource no device is bound to has no figures: it is listed, not counted as
        // silent (a bound device that says nothing is).
        for resource in self
            .setup
            .resources
            .iter()
            .filter(|r| !r.devices.is_empty())
        {
            let activities: Vec<&DeviceActivity> = resource
                .devices
                .iter()
                .filter_map(|name| self.devices.get(name.trim()))
                .filter_map(|key| activity.get(key).map(Arc::as_ref))
                .collect();
            for device in &activities {
                self.resets += device.resets;
                self.unknown_states += device.unknown_states;
            }
            let states = activities
                .iter()
                .find(|a| !a.states.is_empty())
                .copied()
                .unwrap_or(&empty);
            let mut planned_down = breaks.clone();
            if let Some(spans) = self.maintenance.get(resource.code.trim()) {
                planned_down.extend(spans.iter().copied());
            }
            let per_item = self.planned_per_item_ms(resource);
            let group = group_of(self.request.grouping, resource);
            let order = self.group_order[&group];
            for (period, bucket_shifts, counted) in &buckets {
                let (good, scrap) = activities
                    .iter()
                    .map(|a| a.pieces_within(*counted))
                    .fold((0, 0), |(g, s), (good, scrap)| (g + good, s + scrap));
                let observations = Observations {
                    shifts: bucket_shifts.clone(),
                    planned_down: planned_down.clone(),
                    states: states
                        .states
                        .iter()
                        .map(|run| (run.span, run.state))
                        .collect(),
                    produced: good + scrap,
                    good,
                    planned_run_time_per_item_ms: per_item,
                };
                let model = crate::oee::time_model(&observations)?;
                let busy = busy_spans(&observations);
                for run in &states.states {
                    let kind = match run.state {
                        MachineState::Fault => LossKind::Fault,
                        MachineState::Off => LossKind::Off,
                        MachineState::Setup => LossKind::Setup,
                        MachineState::Idle => LossKind::Idle,
                        MachineState::Running => continue,
                    };
                    let lost = covered(run.span, &busy);
                    if lost > 0 {
                        // The machine's alarm code, else the reason an operator chose.
                        let alarm = run
                            .alarm
                            .or_else(|| stop_reason(self.stops, &resource.code, run));
                        *self.losses.entry((kind, alarm)).or_default() += lost;
                    }
                }
                let speed =
                    (model.production_ms - model.planned_run_ms.min(model.production_ms)).max(0);
                for (kind, ms) in [
                    (LossKind::Unrecorded, model.unrecorded_ms),
                    (LossKind::Speed, speed),
                    (LossKind::Quality, scrap.saturating_mul(per_item)),
                ] {
                    if ms > 0 {
                        *self.losses.entry((kind, None)).or_default() += ms;
                    }
                }
                let entry = self.rows.entry((order, period.clone())).or_default();
                *entry = *entry + model;
            }
        }
        Ok(())
    }

    /// The report.
    pub fn finish(self) -> OeeReport {
        let names: HashMap<usize, String> = self
            .group_order
            .iter()
            .map(|(name, order)| (*order, name.clone()))
            .collect();
        let mut groups: BTreeMap<usize, TimeModel> = BTreeMap::new();
        let rows: Vec<OeeRow> = self
            .rows
            .into_iter()
            .map(|((order, period), model)| {
                let entry = groups.entry(order).or_default();
                *entry = *entry + model;
                OeeRow {
                    group: names[&order].clone(),
                    period,
                    model,
                }
            })
            .collect();
        let total = groups.values().copied().sum();
        let groups = groups
            .into_iter()
            .map(|(order, model)| OeeRow {
                group: names[&order].clone(),
                period: String::new(),
                model,
            })
            .collect();
        let mut losses: Vec<Loss> = self
            .losses
            .into_iter()
            .map(|((kind, alarm), ms)| {
                let named = alarm.and_then(|code| self.setup.alarm(code));
                Loss {
                    kind,
                    alarm,
                    reason: named.map(|a| a.reason.trim().to_owned()),
                    party: named.map_or(LossParty::Plant, |a| a.party),
                    ms,
                }
            })
            .collect();
        losses.sort_by(|a, b| {
            b.ms.cmp(&a.ms)
                .then(a.kind.as_str().cmp(b.kind.as_str()))
                .then(a.alarm.cmp(&b.alarm))
        });
        let resources_without_devices = self
            .setup
            .resources
            .iter()
            .filter(|r| r.devices.is_empty())
            .map(|r| r.code.clone())
            .collect();
        let mut unknown_devices: Vec<String> = self
            .setup
            .resources
            .iter()
            .flat_map(|r| &r.devices)
            .filter(|name| !self.devices.contains_key(name.trim()))
            .cloned()
            .collect();
        unknown_devices.sort();
        unknown_devices.dedup();
        let bound: std::collections::HashSet<&str> = self
            .setup
            .resources
            .iter()
            .flat_map(|r| &r.devices)
            .map(|name| name.trim())
            .collect();
        let mut unbound_devices: Vec<String> = self
            .devices
            .keys()
            .filter(|name| !bound.contains(name.as_str()))
            .cloned()
            .collect();
        unbound_devices.sort();
        OeeReport {
            rows,
            groups,
            total,
            losses,
            resets: self.resets,
            unknown_states: self.unknown_states,
            resources_without_devices,
            unknown_devices,
            unbound_devices,
        }
    }
}

/// The OEE report of `setup` over the request's days, reading what `devices` did from `store`
/// through `cache` (settled days once). `now` decides which days are settled.
pub async fn report(
    store: &zhizao_telemetry::TelemetryStore,
    cache: &crate::signals::ActivityCache,
    setup: &Setup,
    devices: BoundDevices<'_>,
    stops: &StopReasons,
    request: OeeRequest,
    now: i64,
) -> Result<OeeReport> {
    request.check()?;
    let keys: Vec<DeviceKey> = {
        let mut keys: Vec<DeviceKey> = setup
            .resources
            .iter()
            .flat_map(|r| &r.devices)
            .filter_map(|name| devices.get(name.trim()).cloned())
            .collect();
        keys.sort_by(|a, b| a.device.cmp(&b.device));
        keys.dedup();
        keys
    };
    let mut builder = ReportBuilder::new(setup, request, devices, stops);
    for date in request.days() {
        let day = Span::new(at_minutes(date, 0), at_minutes(date, 1440));
        let activity = if day.start >= now {
            HashMap::new()
        } else {
            cache.day(store, &keys, day, now).await?
        };
        builder.add_day(date, &activity)?;
    }
    Ok(builder.finish())
}

impl crate::Factories {
    /// The OEE report of the platform with `code`, for its own staff and the city (404 for
    /// anyone else), from its latest set-up and its registered devices' reports.
    pub async fn oee(
        &self,
        principal: &zhizao_identity::Principal,
        code: &str,
        request: OeeRequest,
    ) -> Result<(crate::SetupVersion, OeeReport)> {
        let mut connection = self.db.pool().acquire().await?;
        let platform = self
            .readable_platform(&mut connection, principal, code, "factory")
            .await?;
        request.check()?;
        let setup = crate::store::latest_setup(&mut connection, platform, code).await?;
        drop(connection);
        let store = self
            .telemetry
            .as_ref()
            .ok_or_else(|| Error::Corrupt("the platform runs without a telemetry store".into()))?;
        let devices = self.registered_devices(platform).await?;
        let stops = self.stop_reasons(platform, request).await?;
        let now = self.clock.now().as_millis();
        let report = report(
            store,
            &self.activity,
            &setup.setup,
            &devices,
            &stops,
            request,
            now,
        )
        .await?;
        Ok((setup, report))
    }
}
