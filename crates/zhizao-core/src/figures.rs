//! The figures a domain reports to the city's dashboard: what is counted, its value over the
//! viewer's scope, its trend by year and its spread over the towns. Each domain computes its own
//! from its records; the dashboard only composes them.

use serde::Serialize;

use crate::{Text, Timestamp, closed_vocabulary};

closed_vocabulary! {
    /// What a figure's number is.
    FigureUnit, "figure unit" {
        /// A count (enterprises, projects, devices, people).
        Count => "count", "个", "count";
        /// Money in fen.
        Fen => "fen", "元", "yuan";
    }
}

/// Which slice of the records a figure is computed over (besides the viewer's scope).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FigureFilter {
    /// One calendar year in Asia/Shanghai (a programme year where the records have one).
    pub year: Option<i32>,
    /// One town (with the units merged into it).
    pub town: Option<String>,
}

/// One figure as a domain reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// Stable key, `module.figure` (`projects.granted`).
    pub key: &'static str,
    /// What it is called.
    pub label: Text,
    /// What is counted, from which records.
    pub definition: Text,
    /// Count or money.
    pub unit: FigureUnit,
    /// The value over the viewer's scope and the filter.
    pub value: i64,
    /// The value in every year of the trend (the filter's town applied, its year not), oldest
    /// first, a year without records as 0; empty where the records carry no date.
    pub by_year: Vec<(i32, i64)>,
    /// The value in each town with records, over the reader's scope (the filter's year
    /// applied); records of no town count only in the value.
    pub by_town: Vec<(String, i64)>,
}

/// The first instant of `year` in Asia/Shanghai (1 January, 00:00 +08:00), in milliseconds.
pub fn shanghai_year_start(year: i32) -> i64 {
    let date =
        time::Date::from_calendar_date(year, time::Month::January, 1).unwrap_or(time::Date::MIN);
    let start = date
        .midnight()
        .assume_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC));
    i64::try_from(start.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MIN)
}

/// The calendar year of `instant` in Asia/Shanghai.
pub fn shanghai_year(instant: Timestamp) -> i32 {
    let date = instant.to_shanghai_date_string();
    date.get(..4).and_then(|y| y.parse().ok()).unwrap_or(1970)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_start_at_midnight_in_shanghai() {
        // 2020-01-01T00:00+08:00 is 2019-12-31T16:00Z.
        assert_eq!(shanghai_year_start(2020), 1_577_808_000_000);
        assert_eq!(
            shanghai_year(Timestamp::from_millis(1_577_808_000_000)),
            2020
        );
        assert_eq!(
            shanghai_year(Timestamp::from_millis(1_577_808_000_000 - 1)),
            2019
        );
        assert!(shanghai_year_start(2021) - shanghai_year_start(2020) == 366 * 86_400_000);
    }
}
