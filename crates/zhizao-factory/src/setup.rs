//! A shared factory's set-up: its sites, resources (each with its class, line, bound devices and
//! capability), one calendar (workdays, shifts, breaks, holidays, planned maintenance), a routing
//! per process it offers (steps on resource classes with run times per part family or fabric, and
//! the lot size orders are split into) and change-over times between families.
//!
//! The set-up is a versioned document, saved whole like a tariff; its JSON (the serde form of
//! [`Setup`], unknown fields refused) is the format of the set-up API. Clock times are `HH:MM`,
//! dates `YYYY-MM-DD` and instants `YYYY-MM-DD HH:MM`, all in Asia/Shanghai, as the floor
//! reads them. [`Setup::problems`] names every problem by its path (`resources[3].site`).

use serde::{Deserialize, Serialize};
use time::macros::{format_description, offset};
use time::{Date, PrimitiveDateTime};
use zhizao_core::{FieldError, Text, Timestamp, closed_vocabulary};

use crate::tariff::{MAX_QUANTITY, ResourceClass};

closed_vocabulary! {
    /// The processes shared factories offer.
    Process, "process" {
        /// Spread, cut, bundle and label (the cutting centre).
        Cutting => "cutting", "裁剪加工", "Cutting";
        /// Fixture, rough grind, fine polish, inspect and pack (the polishing centre).
        Polishing => "polishing", "打磨抛光", "Polishing";
    }
}

/// One site (a sub-centre).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// Short code, unique in the factory.
    pub code: String,
    /// Its name.
    pub name: String,
}

/// What a resource can take; an empty list or an absent limit means no restriction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capability {
    /// Part families or fabrics it takes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub families: Vec<String>,
    /// Materials it takes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub materials: Vec<String>,
    /// Finishes it produces (polishing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub finishes: Vec<String>,
    /// Largest part dimension, mm (polishing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_part_mm: Option<i64>,
    /// Heaviest part, g (polishing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_weight_g: Option<i64>,
    /// Widest fabric, mm (cutting and spreading).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_width_mm: Option<i64>,
    /// Highest lay, mm (cutting and spreading).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ply_mm: Option<i64>,
}

/// A line, a cell, a robot: something the plan puts operations on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// Short code, unique in the factory.
    pub code: String,
    /// Its name.
    pub name: String,
    /// What kind of resource it is (the routing's steps name classes).
    pub class: ResourceClass,
    /// The site's code.
    pub site: String,
    /// The line it belongs to (robots are grouped into lines).
    pub line: String,
    /// Names of the registered devices whose telemetry says what it is doing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<String>,
    /// What it can take.
    #[serde(default)]
    pub capability: Capability,
}

/// A daily period, `HH:MM` to `HH:MM` (end after start, `24:00` allowed as the end).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// From.
    pub start: String,
    /// To.
    pub end: String,
}

/// Planned maintenance of one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Maintenance {
    /// The resource's code.
    pub resource: String,
    /// From, `YYYY-MM-DD HH:MM`.
    pub start: String,
    /// To, `YYYY-MM-DD HH:MM`.
    pub end: String,
    /// What is done.
    #[serde(default)]
    pub note: String,
}

/// When the factory works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// Working weekdays, 1 (Monday) to 7 (Sunday).
    pub workdays: Vec<u8>,
    /// Shifts on a working day.
    pub shifts: Vec<Period>,
    /// Breaks inside the shifts (meals, hand-overs).
    #[serde(default)]
    pub breaks: Vec<Period>,
    /// Days off, `YYYY-MM-DD`.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Planned maintenance.
    #[serde(default)]
    pub maintenance: Vec<Maintenance>,
}

/// A run time that differs for one family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilyTime {
    /// The part family or fabric.
    pub family: String,
    /// Seconds per piece.
    pub seconds_per_piece: i64,
}

/// One step of a routing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// What is done (铺布, 裁剪, 粗磨, …).
    pub name: String,
    /// The class of resource it runs on.
    pub class: ResourceClass,
    /// Seconds per piece, unless the family has its own time.
    pub seconds_per_piece: i64,
    /// Run times of particular families.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub families: Vec<FamilyTime>,
}

impl Step {
    /// Seconds per piece of `family` at this step.
    pub fn seconds_for(&self, family: &str) -> i64 {
        self.families
            .iter()
            .find(|f| f.family.trim() == family.trim())
            .map_or(self.seconds_per_piece, |f| f.seconds_per_piece)
    }
}

/// How a process runs: its steps in order, and the lot size orders are split into (lots of one
/// order run in parallel on different resources).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Routing {
    /// The process.
    pub process: Process,
    /// Pieces per lot.
    pub lot_size: i64,
    /// Steps in order.
    pub steps: Vec<Step>,
}

/// Minutes to change a resource of `class` from family `from` to `to` (`*` for any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Changeover {
    /// The class of resource.
    pub class: ResourceClass,
    /// From this family, or `*`.
    pub from: String,
    /// To this family, or `*`.
    pub to: String,
    /// Minutes.
    pub minutes: i64,
}

/// A factory's set-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    /// Sites.
    pub sites: Vec<Site>,
    /// Resources.
    pub resources: Vec<Resource>,
    /// The calendar.
    pub calendar: Calendar,
    /// One routing per process offered.
    pub routings: Vec<Routing>,
    /// Change-over times; a change between families no rule covers takes none.
    #[serde(default)]
    pub changeovers: Vec<Changeover>,
    /// What the machines' alarm codes mean, for the loss reasons of OEE.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarms: Vec<AlarmReason>,
}

closed_vocabulary! {
    /// Whose a loss is: the plant's own, or the client's (material late or faulty), so each
    /// client's service figures are fair.
    LossParty, "party" {
        /// The factory's.
        Plant => "plant", "工厂", "Plant";
        /// The client's.
        Client => "client", "客户", "Client";
    }
}

/// The loss reason an alarm code stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmReason {
    /// The code the devices report in `alarm`.
    pub code: i64,
    /// The reason, as the floor says it.
    pub reason: String,
    /// Whose loss it is.
    #[serde(default = "plant")]
    pub party: LossParty,
}

fn plant() -> LossParty {
    LossParty::Plant
}

const MAX_SECONDS_PER_PIECE: i64 = 86_400;
const MAX_CHANGEOVER_MINUTES: i64 = 7 * 1440;
const MAX_ITEMS: usize = 10_000;

fn problem(errors: &mut Vec<FieldError>, name: impl Into<String>, zh: String, en: String) {
    errors.push(FieldError::new(name, Text::owned(zh, en)));
}

/// Minutes after midnight of `HH:MM` (`24:00` is 1440).
pub fn clock_minutes(text: &str) -> Option<i64> {
    let (hours, minutes) = text.trim().split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let hours: i64 = hours.parse().ok()?;
    let minutes: i64 = minutes.parse().ok()?;
    let total = hours * 60 + minutes;
    ((0..24).contains(&hours) && (0..60).contains(&minutes) || total == 1440).then_some(total)
}

/// The day `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text.trim(), format_description!("[year]-[month]-[day]")).ok()
}

/// The instant `YYYY-MM-DD HH:MM` in Asia/Shanghai.
pub fn parse_local(text: &str) -> Option<Timestamp> {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]");
    let local = PrimitiveDateTime::parse(text.trim(), format).ok()?;
    let millis = local.assume_offset(offset!(+8)).unix_timestamp() * 1000;
    Some(Timestamp::from_millis(millis))
}

/// The Shanghai day an instant falls on, and the instant that day starts.
pub fn local_day(at: Timestamp) -> (Date, Timestamp) {
    const DAY: i64 = 86_400_000;
    const OFFSET: i64 = 8 * 3_600_000;
    let local = at.as_millis() + OFFSET;
    let day_start = local.div_euclid(DAY) * DAY - OFFSET;
    let date = Date::from_julian_day(
        i32::try_from(local.div_euclid(DAY) + 2_440_588).unwrap_or(2_440_588),
    )
    .unwrap_or(Date::MIN);
    (date, Timestamp::from_millis(day_start))
}

fn name_ok(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty() && name.chars().count() <= 100
}

impl Period {
    /// Minutes after midnight, start and end, when both parse and end comes after start.
    pub fn minutes(&self) -> Option<(i64, i64)> {
        let start = clock_minutes(&self.start)?;
        let end = clock_minutes(&self.end)?;
        (start < end && start < 1440).then_some((start, end))
    }
}

impl Calendar {
    /// The working periods of a working day, in minutes after midnight: shifts without breaks,
    /// sorted and merged.
    pub fn working_periods(&self) -> Vec<(i64, i64)> {
        let mut minute_works = vec![false; 1440];
        for (start, end) in self.shifts.iter().filter_map(Period::minutes) {
            minute_works[start as usize..end as usize].fill(true);
        }
        for (start, end) in self.breaks.iter().filter_map(Period::minutes) {
            minute_works[start as usize..end as usize].fill(false);
        }
        let mut periods = Vec::new();
        let mut start = None;
        for (minute, works) in minute_works.iter().chain([&false]).enumerate() {
            match (start, works) {
                (None, true) => start = Some(minute as i64),
                (Some(from), false) => {
                    periods.push((from, minute as i64));
                    start = None;
                }
                _ => {}
            }
        }
        periods
    }

    /// Whether the factory works on `date` (a workday and no holiday).
    pub fn works_on(&self, date: Date) -> bool {
        let weekday = date.weekday().number_from_monday();
        self.workdays.contains(&weekday)
            && !self
                .holidays
                .iter()
                .any(|holiday| parse_date(holiday) == Some(date))
    }

    /// Working minutes in a week, for capacity estimates.
    pub fn weekly_minutes(&self) -> i64 {
        let daily: i64 = self.working_periods().iter().map(|(s, e)| e - s).sum();
        daily * self.workdays.len() as i64
    }
}

impl Setup {
    /// The routing of `process`, if the factory offers it.
    pub fn routing(&self, process: Process) -> Option<&Routing> {
        self.routings.iter().find(|r| r.process == process)
    }

    /// Minutes to change a resource of `class` from `from` to `to`: the most specific rule
    /// (both named, then `from` named, then `to` named, then `*` to `*`); the same family, or no
    /// rule, takes none.
    pub fn changeover_minutes(&self, class: ResourceClass, from: &str, to: &str) -> i64 {
        if from == to {
            return 0;
        }
        let rule = |f: &str, t: &str| {
            self.changeovers
                .iter()
                .find(|c| c.class == class && c.from.trim() == f && c.to.trim() == t)
                .map(|c| c.minutes)
        };
        rule(from, to)
            .or_else(|| rule(from, "*"))
            .or_else(|| rule("*", to))
            .or_else(|| rule("*", "*"))
            .unwrap_or(0)
    }

    /// The reason an alarm code stands for, if the set-up names it.
    pub fn alarm(&self, code: i64) -> Option<&AlarmReason> {
        self.alarms.iter().find(|a| a.code == code)
    }

    /// Every problem of the set-up, named by its path.
    pub fn problems(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.sites.len() > MAX_ITEMS || self.resources.len() > MAX_ITEMS {
            problem(
                &mut errors,
                "resources",
                "场地或资源过多".into(),
                format!("at most {MAX_ITEMS} sites and {MAX_ITEMS} resources"),
            );
            return errors;
        }
        self.site_problems(&mut errors);
        self.resource_problems(&mut errors);
        self.calendar_problems(&mut errors);
        self.routing_problems(&mut errors);
        for (index, alarm) in self.alarms.iter().enumerate() {
            if !name_ok(&alarm.reason) {
                problem(
                    &mut errors,
                    format!("alarms[{index}].reason"),
                    "请填写原因（1–100 字）".into(),
                    "give the reason (1–100 characters)".into(),
                );
            }
            if self.alarms[..index].iter().any(|a| a.code == alarm.code) {
                problem(
                    &mut errors,
                    format!("alarms[{index}].code"),
                    "报警代码重复".into(),
                    format!("alarm code {} is listed twice", alarm.code),
                );
            }
        }
        for (index, changeover) in self.changeovers.iter().enumerate() {
            if !(0..=MAX_CHANGEOVER_MINUTES).contains(&changeover.minutes) {
                problem(
                    &mut errors,
                    format!("changeovers[{index}].minutes"),
                    "换型时间须在 0 到 10080 分钟之间".into(),
                    "a change-over takes 0 to 10,080 minutes".into(),
                );
            }
            for (name, family) in [("from", &changeover.from), ("to", &changeover.to)] {
                if !name_ok(family) {
                    problem(
                        &mut errors,
                        format!("changeovers[{index}].{name}"),
                        "请填写品类或 *".into(),
                        "name a family or *".into(),
                    );
                }
            }
        }
        errors
    }

    fn site_problems(&self, errors: &mut Vec<FieldError>) {
        if self.sites.is_empty() {
            problem(
                errors,
                "sites",
                "至少需要一个场地".into(),
                "at least one site".into(),
            );
        }
        for (index, site) in self.sites.iter().enumerate() {
            if !name_ok(&site.code) || !name_ok(&site.name) {
                problem(
                    errors,
                    format!("sites[{index}]"),
                    "请填写场地编码和名称（最长 100 字）".into(),
                    "give the site a code and a name (at most 100 characters)".into(),
                );
            } else if self.sites[..index]
                .iter()
                .any(|s| s.code.trim() == site.code.trim())
            {
                problem(
                    errors,
                    format!("sites[{index}].code"),
                    format!("场地编码“{}”重复", site.code.trim()),
                    format!("the site code {:?} is used twice", site.code.trim()),
                );
            }
        }
    }

    fn resource_problems(&self, errors: &mut Vec<FieldError>) {
        for (index, resource) in self.resources.iter().enumerate() {
            let at = |field: &str| format!("resources[{index}].{field}");
            if !name_ok(&resource.code) || !name_ok(&resource.name) || !name_ok(&resource.line) {
                problem(
                    errors,
                    format!("resources[{index}]"),
                    "请填写资源编码、名称和所属产线（最长 100 字）".into(),
                    "give the resource a code, a name and a line (at most 100 characters)".into(),
                );
            } else if self.resources[..index]
                .iter()
                .any(|r| r.code.trim() == resource.code.trim())
            {
                problem(
                    errors,
                    at("code"),
                    format!("资源编码“{}”重复", resource.code.trim()),
                    format!("the resource code {:?} is used twice", resource.code.trim()),
                );
            }
            if !self
                .sites
                .iter()
                .any(|s| s.code.trim() == resource.site.trim())
            {
                problem(
                    errors,
                    at("site"),
                    format!("没有场地“{}”", resource.site.trim()),
                    format!("no site {:?}", resource.site.trim()),
                );
            }
            for (position, device) in resource.devices.iter().enumerate() {
                let taken = self.resources[..index]
                    .iter()
                    .flat_map(|r| &r.devices)
                    .chain(&resource.devices[..position])
                    .any(|d| d.trim() == device.trim());
                if !name_ok(device) || taken {
                    problem(
                        errors,
                        at(&format!("devices[{position}]")),
                        format!("设备“{}”为空或已绑定到其他资源", device.trim()),
                        format!("the device {:?} is empty or bound twice", device.trim()),
                    );
                }
            }
            let limits = [
                ("max_part_mm", resource.capability.max_part_mm),
                ("max_weight_g", resource.capability.max_weight_g),
                ("max_width_mm", resource.capability.max_width_mm),
                ("max_ply_mm", resource.capability.max_ply_mm),
            ];
            for (name, limit) in limits {
                if limit.is_some_and(|value| !(1..=MAX_QUANTITY).contains(&value)) {
                    problem(
                        errors,
                        at(&format!("capability.{name}")),
                        "上限须为正数".into(),
                        "a limit is a positive number".into(),
                    );
                }
            }
        }
    }

    fn calendar_problems(&self, errors: &mut Vec<FieldError>) {
        let calendar = &self.calendar;
        let mut days = calendar.workdays.clone();
        days.sort_unstable();
        days.dedup();
        if calendar.workdays.is_empty()
            || days.len() != calendar.workdays.len()
            || days.iter().any(|day| !(1..=7).contains(day))
        {
            problem(
                errors,
                "calendar.workdays",
                "工作日为 1（周一）到 7（周日），不重复，至少一天".into(),
                "workdays are 1 (Monday) to 7 (Sunday), each once, at least one".into(),
            );
        }
        for (list, periods) in [("shifts", &calendar.shifts), ("breaks", &calendar.breaks)] {
            for (index, period) in periods.iter().enumerate() {
                if period.minutes().is_none() {
                    problem(
                        errors,
                        format!("calendar.{list}[{index}]"),
                        format!(
                            "“{}–{}”不是有效时段（HH:MM，结束晚于开始）",
                            period.start, period.end
                        ),
                        format!(
                            "{:?}–{:?} is not a period (HH:MM, the end after the start)",
                            period.start, period.end
                        ),
                    );
                }
            }
        }
        let periods_ok = calendar
            .shifts
            .iter()
            .chain(&calendar.breaks)
            .all(|p| p.minutes().is_some());
        if periods_ok && calendar.working_periods().is_empty() {
            problem(
                errors,
                "calendar.shifts",
                "班次扣除休息后没有工作时间".into(),
                "the shifts leave no working time after the breaks".into(),
            );
        }
        for (index, holiday) in calendar.holidays.iter().enumerate() {
            if parse_date(holiday).is_none() {
                problem(
                    errors,
                    format!("calendar.holidays[{index}]"),
                    format!("“{holiday}”不是日期（YYYY-MM-DD）"),
                    format!("{holiday:?} is not a date (YYYY-MM-DD)"),
                );
            }
        }
        for (index, maintenance) in calendar.maintenance.iter().enumerate() {
            let at = |field: &str| format!("calendar.maintenance[{index}].{field}");
            if !self
                .resources
                .iter()
                .any(|r| r.code.trim() == maintenance.resource.trim())
            {
                problem(
                    errors,
                    at("resource"),
                    format!("没有资源“{}”", maintenance.resource.trim()),
                    format!("no resource {:?}", maintenance.resource.trim()),
                );
            }
            match (
                parse_local(&maintenance.start),
                parse_local(&maintenance.end),
            ) {
                (Some(start), Some(end)) if start < end => {}
                _ => problem(
                    errors,
                    at("end"),
                    "起止时间须为 YYYY-MM-DD HH:MM，结束晚于开始".into(),
                    "start and end are YYYY-MM-DD HH:MM, the end after the start".into(),
                ),
            }
        }
    }

    fn routing_problems(&self, errors: &mut Vec<FieldError>) {
        if self.routings.is_empty() {
            problem(
                errors,
                "routings",
                "至少需要一条工艺路线".into(),
                "at least one routing".into(),
            );
        }
        let longest_period = self
            .calendar
            .working_periods()
            .iter()
            .map(|(s, e)| e - s)
            .max()
            .unwrap_or(0);
        for (index, routing) in self.routings.iter().enumerate() {
            let at = |field: &str| format!("routings[{index}].{field}");
            if self.routings[..index]
                .iter()
                .any(|r| r.process == routing.process)
            {
                problem(
                    errors,
                    at("process"),
                    format!("“{}”已有工艺路线", routing.process.label().zh),
                    format!("{} has two routings", routing.process.as_str()),
                );
            }
            if !(1..=MAX_QUANTITY).contains(&routing.lot_size) {
                problem(
                    errors,
                    at("lot_size"),
                    "批量须为正数".into(),
                    "the lot size is a positive number".into(),
                );
            }
            if routing.steps.is_empty() {
                problem(
                    errors,
                    at("steps"),
                    "至少需要一道工序".into(),
                    "at least one step".into(),
                );
            }
            for (position, step) in routing.steps.iter().enumerate() {
                let at = |field: &str| format!("routings[{index}].steps[{position}].{field}");
                if !name_ok(&step.name) {
                    problem(
                        errors,
                        at("name"),
                        "请填写工序名称（最长 100 字）".into(),
                        "name the step (at most 100 characters)".into(),
                    );
                }
                if !self.resources.iter().any(|r| r.class == step.class) {
                    problem(
                        errors,
                        at("class"),
                        format!("没有“{}”类资源可做这道工序", step.class.label().zh),
                        format!("no {} resource can run this step", step.class.as_str()),
                    );
                }
                let times = std::iter::once(step.seconds_per_piece)
                    .chain(step.families.iter().map(|f| f.seconds_per_piece));
                for seconds in times {
                    if !(0..=MAX_SECONDS_PER_PIECE).contains(&seconds) {
                        problem(
                            errors,
                            at("seconds_per_piece"),
                            "每件时间须在 0 到 86400 秒之间".into(),
                            "a piece takes 0 to 86,400 seconds".into(),
                        );
                    } else if longest_period > 0 && seconds > longest_period * 60 {
                        problem(
                            errors,
                            at("seconds_per_piece"),
                            "一件的加工时间长于任何一段工作时间".into(),
                            "one piece takes longer than any working period".into(),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn polishing() -> Setup {
        serde_json::from_str(include_str!("../tests/data/polishing-setup.json")).unwrap()
    }

    #[test]
    fn the_example_set_up_has_no_problem() {
        assert_eq!(polishing().problems(), Vec::new());
    }

    #[test]
    fn clock_times_and_dates_parse_strictly() {
        assert_eq!(clock_minutes("08:30"), Some(510));
        assert_eq!(clock_minutes("24:00"), Some(1440));
        for bad in ["8:30", "24:01", "12:60", "ab:cd", "", "-1:00"] {
            assert_eq!(clock_minutes(bad), None, "{bad}");
        }
        assert!(parse_date("2026-02-30").is_none());
        assert_eq!(
            parse_local("2026-12-07 08:00").map(|t| t.to_shanghai_string()),
            Some("2026-12-07 08:00".to_owned())
        );
        let (date, start) = local_day(parse_local("2026-12-07 23:59").unwrap());
        assert_eq!(date.to_string(), "2026-12-07");
        assert_eq!(start.to_shanghai_string(), "2026-12-07 00:00");
    }

    #[test]
    fn breaks_split_shifts_and_holidays_stop_work() {
        let setup = polishing();
        assert_eq!(setup.calendar.working_periods(), [(480, 720), (780, 1200)]);
        let monday = parse_date("2026-12-07").unwrap();
        let sunday = parse_date("2026-12-13").unwrap();
        let holiday = parse_date("2027-01-01").unwrap();
        assert!(setup.calendar.works_on(monday));
        assert!(!setup.calendar.works_on(sunday));
        assert!(!setup.calendar.works_on(holiday));
    }

    #[test]
    fn the_most_specific_changeover_rule_wins() {
        let setup = polishing();
        let cell = ResourceClass::PolishingCell;
        assert_eq!(setup.changeover_minutes(cell, "卫浴龙头", "卫浴龙头"), 0);
        assert_eq!(setup.changeover_minutes(cell, "卫浴龙头", "门把手"), 25);
        assert_eq!(setup.changeover_minutes(cell, "门把手", "卫浴龙头"), 40);
        assert_eq!(setup.changeover_minutes(ResourceClass::Manual, "a", "b"), 0);
    }

    #[test]
    fn every_problem_is_named_by_its_path() {
        type Case = (&'static str, fn(&mut Setup));
        let cases: [Case; 10] = [
            ("resources[1].site", |s| {
                s.resources[1].site = "nowhere".into()
            }),
            ("resources[2].code", |s| {
                s.resources[2].code = s.resources[0].code.clone()
            }),
            ("resources[1].devices[0]", |s| {
                s.resources[1].devices = s.resources[0].devices.clone();
            }),
            ("calendar.workdays", |s| s.calendar.workdays = vec![1, 1]),
            ("calendar.shifts[0]", |s| {
                s.calendar.shifts[0].end = "07:00".into()
            }),
            ("calendar.holidays[0]", |s| {
                s.calendar.holidays[0] = "2027-13-01".into()
            }),
            ("calendar.maintenance[0].resource", |s| {
                s.calendar.maintenance[0].resource = "R99".into();
            }),
            ("routings[0].lot_size", |s| s.routings[0].lot_size = 0),
            ("routings[0].steps[1].seconds_per_piece", |s| {
                s.routings[0].steps[1].seconds_per_piece = 8 * 3600;
            }),
            ("changeovers[0].minutes", |s| s.changeovers[0].minutes = -1),
        ];
        for (field, break_it) in cases {
            let mut setup = polishing();
            break_it(&mut setup);
            let fields: Vec<String> = setup.problems().into_iter().map(|e| e.field).collect();
            assert_eq!(fields, [field], "{field}");
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let error = serde_json::from_str::<Setup>(
            r#"{"sites":[],"resources":[],"calendar":{"workdays":[1],"shifts":[],"colour":1},"routings":[]}"#,
        )
        .unwrap_err();
        assert!(error.to_string().contains("colour"), "{error}");
    }
}
