//! The line protocol writer: one point to one line, escaped so that [`super::parse`] reads back
//! the same point.

use std::fmt::Write as _;

use crate::{FieldValue, Point};

/// Formats `point` as one line of line protocol, without a trailing newline, with its timestamp
/// in nanoseconds.
///
/// Parsing the line with [`Precision::Nanoseconds`](crate::Precision::Nanoseconds) gives back
/// the point, provided the point is one that [`parse`](super::parse) could produce: a non-empty
/// measurement that does not start with `#` (a comment) or `_`, tags sorted by key with unique
/// non-empty keys and non-empty values, at least one field, keys neither `time` nor starting
/// with `_` and no field key equal to a tag key, no control characters in names or tag values,
/// finite floats, and a time within InfluxDB's range. Other points are written anyway, but the
/// line will not parse back.
///
/// ```
/// use zhizao_telemetry::{FieldValue, Point, line_protocol};
/// let point = Point {
///     measurement: "machine telemetry".into(),
///     tags: vec![("town".into(), "小榄".into())],
///     fields: vec![
///         ("spindle_rpm".into(), FieldValue::Integer(12000)),
///         ("note".into(), FieldValue::String(r#"say "hi""#.into())),
///     ],
///     time_ns: 1_700_000_000_000_000_000,
/// };
/// let line = line_protocol::format_point(&point);
/// assert_eq!(
///     line,
///     r#"machine\ telemetry,town=小榄 spindle_rpm=12000i,note="say \"hi\"" 1700000000000000000"#
/// );
/// ```
pub fn format_point(point: &Point) -> String {
    let mut line = String::with_capacity(64);
    write_point(&mut line, point);
    line
}

/// Appends `point` to `out` as [`format_point`] formats it (without a newline), to build a
/// body of many lines without a string per line.
pub fn write_point(out: &mut String, point: &Point) {
    write_escaped(out, &point.measurement, is_measurement_special);
    for (key, value) in &point.tags {
        out.push(',');
        write_escaped(out, key, is_key_special);
        out.push('=');
        write_escaped(out, value, is_key_special);
    }
    for (index, (key, value)) in point.fields.iter().enumerate() {
        out.push(if index == 0 { ' ' } else { ',' });
        write_escaped(out, key, is_key_special);
        out.push('=');
        write_field_value(out, value);
    }
    // Writing to a `String` cannot fail.
    let _ = write!(out, " {}", point.time_ns);
}

fn write_field_value(out: &mut String, value: &FieldValue) {
    // Writing to a `String` cannot fail.
    let _ = match value {
        FieldValue::Float(float) => {
            // Plain notation where it is short, exponent notation elsewhere (`1e300`, not 301
            // digits); both print the shortest text that parses back to the same float.
            let magnitude = float.abs();
            if magnitude == 0.0 || (1e-5..1e16).contains(&magnitude) {
                write!(out, "{float}")
            } else {
                write!(out, "{float:e}")
            }
        }
        FieldValue::Integer(integer) => write!(out, "{integer}i"),
        FieldValue::UInteger(unsigned) => write!(out, "{unsigned}u"),
        FieldValue::Boolean(boolean) => write!(out, "{boolean}"),
        FieldValue::String(string) => {
            out.reserve(string.len() + 2);
            out.push('"');
            for character in string.chars() {
                if character == '"' || character == '\\' {
                    out.push('\\');
                }
                out.push(character);
            }
            out.push('"');
            Ok(())
        }
    };
}

fn is_measurement_special(byte: u8) -> bool {
    matches!(byte, b',' | b' ')
}

fn is_key_special(byte: u8) -> bool {
    matches!(byte, b',' | b'=' | b' ')
}

/// Appends `name` with its special bytes escaped. A backslash is doubled only where it would
/// otherwise be read as an escape: before a special byte, before another backslash, or at the
/// end (where the next byte of the line follows it). Elsewhere it stays single, which InfluxDB
/// 1.x also reads as a literal backslash.
fn write_escaped(out: &mut String, name: &str, is_special: fn(u8) -> bool) {
    let bytes = name.as_bytes();
    let mut segment_start = 0;
    for (position, &byte) in bytes.iter().enumerate() {
        let needs_escape = if byte == b'\\' {
            bytes
                .get(position + 1)
                .is_none_or(|&next| next == b'\\' || is_special(next))
        } else {
            is_special(byte)
        };
        if needs_escape {
            out.push_str(&name[segment_start..position]);
            out.push('\\');
            segment_start = position;
        }
    }
    out.push_str(&name[segment_start..]);
}
