//! Before-and-after figures measured from the enterprise's own telemetry (pure): one numeric
//! field of one of its devices, averaged or summed over the same number of days before the
//! adoption was accepted and after it was reported implemented. The web layer reads the device's
//! data for the two windows; this module says which windows, checks that both are over and hold
//! data, and writes the figures with where they come from.

use zhizao_core::{FieldError, Text, Timestamp};

use crate::adoption::{Adoption, Figures};
use crate::{Error, Result};

const DAY_MS: i64 = 86_400_000;

/// The longest window, in days.
pub const MAX_DAYS: u32 = 366;

/// How the values in a window become one figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Their average (OEE, a temperature, a rate).
    Mean,
    /// Their total (energy used, pieces made).
    Sum,
}

impl Aggregate {
    /// The aggregate a code names: `mean` or `sum`.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "mean" => Some(Aggregate::Mean),
            "sum" => Some(Aggregate::Sum),
            _ => None,
        }
    }

    fn label(self) -> Text {
        match self {
            Aggregate::Mean => Text::new("平均", "mean"),
            Aggregate::Sum => Text::new("合计", "total"),
        }
    }
}

/// What to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    /// The device's name.
    pub device: String,
    /// A numeric field of its telemetry.
    pub field: String,
    /// Averaged or summed.
    pub aggregate: Aggregate,
    /// The length of each window, 1 to [`MAX_DAYS`] days.
    pub days: u32,
}

/// A window of time, `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The start, inclusive.
    pub from: Timestamp,
    /// The end, exclusive.
    pub to: Timestamp,
}

/// The values found in a window: their average and how many.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// The average value.
    pub mean: f64,
    /// How many values.
    pub count: i64,
}

fn invalid(field: &str, zh: String, en: String) -> Error {
    Error::Invalid(vec![FieldError::new(field, Text::owned(zh, en))])
}

fn date(at: Timestamp) -> String {
    at.to_shanghai_string().chars().take(10).collect()
}

impl Measure {
    /// The window before (the `days` before the adoption was accepted) and after (the `days`
    /// from when it was reported implemented), once the latter is over at `now`.
    pub fn windows(&self, adoption: &Adoption, now: Timestamp) -> Result<(Window, Window)> {
        if self.device.trim().is_empty() || self.field.trim().is_empty() {
            let field = if self.device.trim().is_empty() {
                "telemetry.device"
            } else {
                "telemetry.field"
            };
            return Err(invalid(
                field,
                "请填写设备名称和数据字段".into(),
                "name the device and its field".into(),
            ));
        }
        if !(1..=MAX_DAYS).contains(&self.days) {
            return Err(invalid(
                "telemetry.days",
                format!("对比天数为 1–{MAX_DAYS} 天"),
                format!("compare 1 to {MAX_DAYS} days"),
            ));
        }
        let (Some(accepted), Some(implemented)) = (adoption.accepted_at, adoption.implemented_at)
        else {
            return Err(invalid(
                "telemetry",
                "方案尚未接受并实施，无法对比前后数据".into(),
                "the adoption was not accepted and implemented: there is no before and after"
                    .into(),
            ));
        };
        let span = i64::from(self.days) * DAY_MS;
        let before = Window {
            from: accepted.plus_millis(-span),
            to: accepted,
        };
        let after = Window {
            from: implemented,
            to: implemented.plus_millis(span),
        };
        if after.to > now {
            return Err(invalid(
                "telemetry.days",
                format!(
                    "实施后 {} 天要到 {} 才满，届时再验证或缩短天数",
                    self.days,
                    date(after.to)
                ),
                format!(
                    "the {} days after implementation end on {}: verify then, or compare fewer days",
                    self.days,
                    date(after.to)
                ),
            ));
        }
        Ok((before, after))
    }

    /// The figures of the two windows' readings (`unit` the field's), or which window holds no
    /// data.
    pub fn figures(
        &self,
        unit: &str,
        (before_window, after_window): (Window, Window),
        before: Option<Reading>,
        after: Option<Reading>,
    ) -> Result<Figures> {
        let value = |reading: Reading| match self.aggregate {
            Aggregate::Mean => reading.mean,
            Aggregate::Sum => reading.mean * reading.count as f64,
        };
        let missing = |which: (&str, &str), window: Window| {
            invalid(
                "telemetry.field",
                format!(
                    "设备 {} 在实施{}（{} 至 {}）没有字段 {} 的数据",
                    self.device,
                    which.0,
                    date(window.from),
                    date(window.to.plus_millis(-1)),
                    self.field
                ),
                format!(
                    "device {} has no {} data in the period {} ({} to {})",
                    self.device,
                    self.field,
                    which.1,
                    date(window.from),
                    date(window.to.plus_millis(-1))
                ),
            )
        };
        let before = before
            .filter(|r| r.count > 0)
            .ok_or_else(|| missing(("前", "before"), before_window))?;
        let after = after
            .filter(|r| r.count > 0)
            .ok_or_else(|| missing(("后", "after"), after_window))?;
        let round = |v: f64| (v * 10_000.0).round() / 10_000.0;
        let label = self.aggregate.label();
        Ok(Figures {
            metric: format!("{} {}（{}）", self.device, self.field, label.zh)
                .chars()
                .take(100)
                .collect(),
            unit: unit.chars().take(20).collect(),
            before: round(value(before)),
            after: round(value(after)),
            source: format!(
                "平台按设备遥测计算：设备 {} 字段 {} 的{}值，实施前 {} 至 {}（{} 条），实施后 {} 至 {}（{} 条）",
                self.device,
                self.field,
                label.zh,
                date(before_window.from),
                date(before_window.to.plus_millis(-1)),
                before.count,
                date(after_window.from),
                date(after_window.to.plus_millis(-1)),
                after.count
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adoption::AdoptionStatus;

    const T0: i64 = 1_780_000_000_000;

    fn adoption(accepted: Option<i64>, implemented: Option<i64>) -> Adoption {
        Adoption {
            id: 1,
            solution_id: 1,
            solution_title: "MES".into(),
            provider_id: 1,
            provider_name: "平台".into(),
            enterprise_id: 2,
            enterprise_name: "企业".into(),
            status: AdoptionStatus::Implemented,
            proposed_side: "provider".into(),
            note: String::new(),
            proposed_at: Timestamp::from_millis(T0),
            proposed_by: "x".into(),
            accepted_at: accepted.map(Timestamp::from_millis),
            implemented_at: implemented.map(Timestamp::from_millis),
            verified_at: None,
            verification: None,
            version: 1,
        }
    }

    fn measure(aggregate: Aggregate, days: u32) -> Measure {
        Measure {
            device: "line-2".into(),
            field: "kwh".into(),
            aggregate,
            days,
        }
    }

    fn field_of(error: &Error) -> String {
        match error {
            Error::Invalid(fields) => fields[0].field.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_windows_are_the_days_before_acceptance_and_after_implementation() {
        let accepted = T0 + 10 * DAY_MS;
        let implemented = T0 + 40 * DAY_MS;
        let a = adoption(Some(accepted), Some(implemented));
        let now = Timestamp::from_millis(implemented + 30 * DAY_MS);
        let (before, after) = measure(Aggregate::Mean, 30).windows(&a, now).unwrap();
        assert_eq!(
            (before.from.as_millis(), before.to.as_millis()),
            (accepted - 30 * DAY_MS, accepted)
        );
        assert_eq!(
            (after.from.as_millis(), after.to.as_millis()),
            (implemented, implemented + 30 * DAY_MS)
        );
        // One millisecond early, the after window is not over.
        let early = Timestamp::from_millis(implemented + 30 * DAY_MS - 1);
        let error = measure(Aggregate::Mean, 30).windows(&a, early).unwrap_err();
        assert_eq!(field_of(&error), "telemetry.days");
        for days in [0, MAX_DAYS + 1] {
            let error = measure(Aggregate::Mean, days).windows(&a, now).unwrap_err();
            assert_eq!(field_of(&error), "telemetry.days");
        }
        let error = measure(Aggregate::Mean, 30)
            .windows(&adoption(Some(accepted), None), now)
            .unwrap_err();
        assert_eq!(field_of(&error), "telemetry");
        let mut nameless = measure(Aggregate::Mean, 30);
        nameless.device = " ".into();
        assert_eq!(
            field_of(&nameless.windows(&a, now).unwrap_err()),
            "telemetry.device"
        );
    }

    #[test]
    fn a_sum_is_the_mean_times_the_count_and_an_empty_window_is_named() {
        let windows = (
            Window {
                from: Timestamp::from_millis(T0),
                to: Timestamp::from_millis(T0 + DAY_MS),
            },
            Window {
                from: Timestamp::from_millis(T0 + 5 * DAY_MS),
                to: Timestamp::from_millis(T0 + 6 * DAY_MS),
            },
        );
        let before = Reading {
            mean: 2.5,
            count: 4,
        };
        let after = Reading {
            mean: 1.75,
            count: 4,
        };
        let sum = measure(Aggregate::Sum, 1)
            .figures("kWh", windows, Some(before), Some(after))
            .unwrap();
        assert_eq!(
            (sum.before, sum.after, sum.unit.as_str()),
            (10.0, 7.0, "kWh")
        );
        assert!(sum.metric.contains("合计"), "{}", sum.metric);
        assert!(sum.source.contains("（4 条）"), "{}", sum.source);
        let mean = measure(Aggregate::Mean, 1)
            .figures("kWh", windows, Some(before), Some(after))
            .unwrap();
        assert_eq!((mean.before, mean.after), (2.5, 1.75));
        let error = measure(Aggregate::Mean, 1)
            .figures("kWh", windows, Some(before), None)
            .unwrap_err();
        assert_eq!(field_of(&error), "telemetry.field");
        assert!(error.to_string().contains("after"), "{error}");
    }
}
