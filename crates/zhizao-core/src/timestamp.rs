//! Instants stored in UTC and shown in Asia/Shanghai, and the clock that produces them.

use std::fmt;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use time::{
    OffsetDateTime, UtcOffset, format_description::BorrowedFormatItem, macros::format_description,
};

/// China Standard Time, UTC+8 all year round (no daylight saving since 1991).
const SHANGHAI: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

const DISPLAY_FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]");
const DATE_FORMAT: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// A UTC instant with millisecond precision, stored as milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// An instant from milliseconds since the Unix epoch.
    pub const fn from_millis(millis: i64) -> Self {
        Timestamp(millis)
    }

    /// Milliseconds since the Unix epoch, as stored in the database.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// This instant plus `millis` milliseconds (saturating).
    pub const fn plus_millis(self, millis: i64) -> Self {
        Timestamp(self.0.saturating_add(millis))
    }

    fn to_offset_date_time(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// `YYYY-MM-DD HH:MM` in Asia/Shanghai, for pages.
    pub fn to_shanghai_string(self) -> String {
        self.to_offset_date_time()
            .to_offset(SHANGHAI)
            .format(DISPLAY_FORMAT)
            .unwrap_or_default()
    }

    /// `YYYY-MM-DD` in Asia/Shanghai.
    pub fn to_shanghai_date_string(self) -> String {
        self.to_offset_date_time()
            .to_offset(SHANGHAI)
            .format(DATE_FORMAT)
            .unwrap_or_default()
    }

    /// RFC 3339 in UTC, for APIs.
    pub fn to_rfc3339(self) -> String {
        self.to_offset_date_time()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// Where the current time comes from, so that tests can fix it.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
        Timestamp((nanos / 1_000_000) as i64)
    }
}

/// A clock that stands still until a test moves it.
#[derive(Debug)]
pub struct FixedClock(Mutex<Timestamp>);

impl FixedClock {
    /// A clock showing `now`.
    pub fn new(now: Timestamp) -> Self {
        FixedClock(Mutex::new(now))
    }

    /// Moves the clock forward by `millis`.
    pub fn advance(&self, millis: i64) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now = now.plus_millis(millis);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_shanghai_time() {
        // 2026-11-26T16:30:00Z is half past midnight on the 27th in Shanghai.
        let instant = Timestamp::from_millis(1_795_710_600_000);
        assert_eq!(instant.to_rfc3339(), "2026-11-26T16:30:00Z");
        assert_eq!(instant.to_shanghai_string(), "2026-11-27 00:30");
        assert_eq!(instant.to_shanghai_date_string(), "2026-11-27");
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let clock = FixedClock::new(Timestamp::from_millis(1_000));
        assert_eq!(clock.now(), Timestamp::from_millis(1_000));
        clock.advance(500);
        assert_eq!(clock.now(), Timestamp::from_millis(1_500));
    }
}
