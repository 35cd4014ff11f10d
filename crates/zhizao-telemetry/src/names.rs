//! Names that tenants choose (databases, tables, columns) and how they become file paths.

use std::fmt::Write;

/// The column holding each point's time.
pub const TIME_COLUMN: &str = "time";

/// Why a name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} name {name:?}: {reason}")]
pub struct NameError {
    /// `database`, `table`, `tag` or `field`.
    pub what: &'static str,
    /// The name.
    pub name: String,
    /// What is wrong.
    pub reason: &'static str,
}

/// Checks a database name: 1–64 characters of letters, digits, `_`, `-` and `.`, not starting
/// with `.` or `_` (InfluxDB reserves `_` names).
pub fn check_database(name: &str) -> Result<(), NameError> {
    let fail = |reason| {
        Err(NameError {
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
pub fn check_identifier(what: &'static str, name: &str) -> Result<(), NameError> {
    let fail = |reason| {
        Err(NameError {
            what,
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() || name.chars().count() > 200 {
        return fail("use 1 to 200 characters");
    }
    if name.chars().any(char::is_control) {
        return fail("must not contain control characters");
    }
    Ok(())
}

/// A name as one path segment: ASCII letters, digits, `_` and `-` stay, every other byte becomes
/// `%XX`, so no name can climb out of its directory or collide with another.
pub fn path_segment(name: &str) -> String {
    let mut segment = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-') {
            segment.push(byte as char);
        } else {
            let _ = write!(segment, "%{byte:02X}");
        }
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
    }
}
