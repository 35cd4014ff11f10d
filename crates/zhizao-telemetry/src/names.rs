//! Names that tenants choose (databases, tables, columns) and how they become file paths.

use std::fmt::Write;

use crate::Error;

/// The column holding each point's time.
pub const TIME_COLUMN: &str = "time";

/// Checks a database name: 1–64 characters of letters, digits, `_`, `-` and `.`, not starting
/// with `.` or `_` (InfluxDB reserves `_` names).
pub fn check_database(name: &str) -> Result<(), Error> {
    let fail = |reason| {
        Err(Error::InvalidName {
            what: "database",
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() || name.chars().count() > 64 {
        return fail("use 1 to 64 characters");
    }
    if name.starts_with(['.', '_']) {
        return fail("must not start with '.' or '_'");
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return fail("use letters, digits, '_', '-' and '.'");
    }
    Ok(())
}

/// Checks a table or column name: 1–200 characters without control characters.
pub fn check_identifier(what: &'static str, name: &str) -> Result<(), Error> {
    let fail = |reason| {
        Err(Error::InvalidName {
            what,
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_ascii() {
        // The common case, without decoding characters.
        if name.is_empty() || name.len() > 200 {
            return fail("use 1 to 200 characters");
        }
        if name.bytes().any(|b| b.is_ascii_control()) {
            return fail("must not contain control characters");
        }
        return Ok(());
    }
    if name.chars().count() > 200 {
        return fail("use 1 to 200 characters");
    }
    if name.chars().any(char::is_control) {
        return fail("must not contain control characters");
    }
    Ok(())
}

/// A name as one path segment: ASCII letters, digits, `_` and `-` stay, every other byte becomes
/// `%XX`, so no name can climb out of its directory or collide with another. Long names are cut
/// and given a hash of the whole name, so a segment stays within file-system limits (255 bytes).
pub fn path_segment(name: &str) -> String {
    const MAX_SEGMENT: usize = 120;
    let mut segment = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-') {
            segment.push(byte as char);
        } else {
            let _ = write!(segment, "%{byte:02X}");
        }
    }
    if segment.len() > MAX_SEGMENT {
        // FNV-1a over the whole name: stable across versions and platforms.
        let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        segment.truncate(80);
        let _ = write!(segment, "~{hash:016x}");
    }
    segment
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths() {
        assert!(check_database("factory").is_ok());
        assert!(check_database("工厂-1").is_ok());
        assert!(check_database("../etc").is_err());
        assert!(check_database("_internal").is_err());
        assert!(check_database("").is_err());
        assert!(check_identifier("table", "machine telemetry").is_ok());
        assert!(check_identifier("table", "a\nb").is_err());
        assert_eq!(path_segment("../x y"), "%2E%2E%2Fx%20y");
        assert_eq!(path_segment("press_07"), "press_07");
        assert_ne!(path_segment("a.b"), path_segment("a%2Eb"));
        let long_a = "传感器".repeat(60) + "a";
        let long_b = "传感器".repeat(60) + "b";
        assert!(path_segment(&long_a).len() <= 120);
        assert_ne!(path_segment(&long_a), path_segment(&long_b));
    }
}
