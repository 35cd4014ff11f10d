//! InfluxDB line protocol: the parser that turns the body of a `/write` or `/api/v2/write`
//! request into [`Point`]s, and the writer that turns points back into lines.
//!
//! ```
//! use zhizao_telemetry::{FieldValue, Precision, line_protocol};
//! let body = "# a comment\n\
//!             machine,town=小榄,device=press-07 temperature=71.5,running=t 1700000000\n";
//! let points = line_protocol::parse(body, Precision::Seconds, 0).unwrap();
//! assert_eq!(points[0].measurement, "machine");
//! assert_eq!(points[0].tags[1], ("town".to_owned(), "小榄".to_owned()));
//! assert_eq!(points[0].fields[1], ("running".to_owned(), FieldValue::Boolean(true)));
//! assert_eq!(points[0].time_ns, 1_700_000_000_000_000_000);
//!
//! let errors = line_protocol::parse("machine temperature=hot", Precision::Seconds, 0).unwrap_err();
//! assert_eq!(
//!     errors.to_string(),
//!     "unable to parse 'machine temperature=hot': invalid value `hot` in field `temperature` \
//!      (string values must be double-quoted)"
//! );
//! assert_eq!((errors.errors()[0].line_number, errors.errors()[0].column), (1, 21));
//! ```
//!
//! # Grammar
//!
//! ```text
//! body        = line *( "\n" line )              ; "\r\n" works too: trailing "\r" is whitespace
//! line        = blank | comment | point
//! blank       = *( " " | "\t" )
//! comment     = *( " " | "\t" ) "#" *any-but-newline
//! point       = *( " " | "\t" ) measurement *( "," tag ) 1*" " field *( "," field )
//!               [ 1*" " timestamp ] *( " " | "\t" | "\r" )
//! tag         = tag-key "=" tag-value
//! field       = field-key "=" field-value
//! field-value = float | integer "i" | digits "u" | string | boolean
//! float       = [ "-" ] ( digits [ "." *digit ] | "." digits ) [ ( "e" | "E" ) [ "+" | "-" ] digits ]
//! integer     = [ "-" ] digits
//! string      = '"' *( any-but-quote-or-backslash | "\" any ) '"'
//! boolean     = "t" | "T" | "true" | "True" | "TRUE" | "f" | "F" | "false" | "False" | "FALSE"
//! timestamp   = [ "-" ] digits                   ; in the request's precision
//! ```
//!
//! Measurements end at an unescaped comma or space; tag keys and field keys at an unescaped
//! `=`, comma or space; tag values at an unescaped comma or space. A backslash escapes the
//! characters that would end the element (comma and space in measurements; comma, `=` and space
//! in keys and tag values; `"` in strings) and a backslash itself; before any other character it
//! is a literal backslash (`C:\data` reads as written, `a\\b` reads as `a\b`, as the InfluxDB 2
//! and 3 references' table on backslashes says).
//!
//! # Decisions where the references are silent or disagree
//!
//! Each was made after reading the InfluxDB 1.x, 2.x and 3 line protocol references, and is
//! strict wherever a lenient reading would store something other than what the client meant.
//!
//! - **Newlines in strings.** The references say line protocol does not support newlines in
//!   field values, but InfluxDB's own parsers (Go and Rust) accept a raw newline inside a
//!   double-quoted string field value, and Telegraf and the client libraries send one (log
//!   lines, stack traces). So does this parser: inside a string a newline is content, elsewhere
//!   it always ends the line (a backslash before it is literal). A string that is never closed
//!   is reported at its opening quote and ends its line at the next newline, so one stray quote
//!   does not swallow the rest of the body.
//! - **Whitespace.** Elements are separated by one or more spaces (not tabs). Leading spaces and
//!   tabs and trailing spaces, tabs and carriage returns are ignored, as are blank lines and
//!   lines whose first non-blank character is `#`.
//! - **Control characters** (U+0000 to U+001F, tab included, and U+007F to U+009F) are refused
//!   in measurements, keys and tag values, where they are never meant and where the store
//!   would refuse them anyway (Telegraf writes `\t` and `\n` there as two characters, which are
//!   kept as written); string values may hold anything.
//! - **Quotes** in measurements, keys and tag values are ordinary characters.
//! - **Tag values** cannot be empty (the references say so), and an `=` in one must be escaped
//!   (the references say so; InfluxDB 3's parser is lax here).
//! - **Duplicate tag keys** in a line are refused, as InfluxDB 1.x and 3 do. **Repeated field
//!   keys** are merged: the field keeps its first position and its last value.
//! - **A key used both as a tag and a field** in one line is refused: both would be columns of
//!   one table, as in InfluxDB 3.
//! - **Reserved names.** Measurements, tag keys and field keys may not start with `_`, a
//!   namespace the InfluxDB 2 reference reserves for system use (Zhizao keeps it for its own
//!   columns), and a tag or field key may not be `time`, which names the timestamp column (the
//!   InfluxDB 1.x reference refuses it too).
//! - **Floats** follow the syntax of InfluxDB's Go parser: `1`, `1.0`, `1.`, `.5`, `-1.5e3`,
//!   `1.E+78` are floats; a leading `+`, `NaN`, `Inf`, hexadecimal and `_` are not, and values
//!   beyond the 64-bit range (`1e400`) are refused rather than stored as infinity. Underflow
//!   rounds towards zero as usual.
//! - **Integers** must fit `i64` (`i` suffix) or `u64` (`u` suffix); `-1u` is refused.
//! - **Timestamps** are integers (negative ones too) in the request's precision, converted to
//!   nanoseconds; the result must lie within -9223372036854775806..=9223372036854775806 ns, the
//!   range InfluxDB documents. A line without a timestamp gets the caller's default time.
//! - **Limits**: names and tag values at most 65,535 bytes, string values at most 1 MiB
//!   (InfluxDB 3's limits).
//! - **Errors** name the line (1-based, the first physical line of a line whose string spans
//!   several), the byte column from the start of that line, the line's text (cut after 100
//!   characters) and the reason; at most [`ParseErrors::MAX_LISTED`] lines are listed, all are
//!   counted.

mod error;
mod parser;
#[cfg(test)]
mod tests;
mod writer;

pub use error::{Element, LineError, LineErrorReason, MAX_QUOTED_CHARS, ParseErrors};
pub use writer::{format_point, write_point};

use crate::{Point, Precision};

/// Parses a whole body, all or nothing: every point, or every bad line.
///
/// Timestamps are read in `precision`; lines without one get `default_time_ns` (the time the
/// request arrived, in nanoseconds since the Unix epoch). An empty body (or one of comments and
/// blank lines) gives no points.
///
/// # Errors
///
/// If any line is bad, the [`ParseErrors`] list the first bad lines and count them all.
pub fn parse(
    body: &str,
    precision: Precision,
    default_time_ns: i64,
) -> Result<Vec<Point>, ParseErrors> {
    match parser::parse_body(body, precision, default_time_ns, false) {
        (_, Some(errors)) => Err(errors),
        (points, None) => Ok(points),
    }
}

/// Parses a whole body the way InfluxDB's `/write` does: the points of the good lines, and the
/// bad lines if there are any (InfluxDB writes the good points and answers with a "partial
/// write" error that lists the bad lines).
pub fn parse_partial(
    body: &str,
    precision: Precision,
    default_time_ns: i64,
) -> (Vec<Point>, Option<ParseErrors>) {
    parser::parse_body(body, precision, default_time_ns, true)
}

impl Precision {
    /// The precision named by the `precision` query parameter of InfluxDB 1.x's `/write`: `n`
    /// or `ns`, `u` or `us`, `ms`, `s`, `m` (minutes) or `h`. An empty value means nanoseconds,
    /// as it does for InfluxDB; a missing parameter should too.
    pub fn from_v1(name: &str) -> Option<Self> {
        match name {
            "" | "n" | "ns" => Some(Self::Nanoseconds),
            "u" | "us" => Some(Self::Microseconds),
            "ms" => Some(Self::Milliseconds),
            "s" => Some(Self::Seconds),
            "m" => Some(Self::Minutes),
            "h" => Some(Self::Hours),
            _ => None,
        }
    }

    /// The precision named by the `precision` query parameter of InfluxDB 2's `/api/v2/write`:
    /// `ns`, `us`, `ms` or `s`. An empty value means nanoseconds, as it does for InfluxDB; a
    /// missing parameter should too.
    pub fn from_v2(name: &str) -> Option<Self> {
        match name {
            "" | "ns" => Some(Self::Nanoseconds),
            "us" => Some(Self::Microseconds),
            "ms" => Some(Self::Milliseconds),
            "s" => Some(Self::Seconds),
            _ => None,
        }
    }

    /// How many nanoseconds one unit of this precision lasts.
    pub(crate) fn nanoseconds_per_unit(self) -> i64 {
        match self {
            Self::Nanoseconds => 1,
            Self::Microseconds => 1_000,
            Self::Milliseconds => 1_000_000,
            Self::Seconds => 1_000_000_000,
            Self::Minutes => 60 * 1_000_000_000,
            Self::Hours => 3_600 * 1_000_000_000,
        }
    }
}
