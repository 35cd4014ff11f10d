//! Why a line protocol body was refused: every bad line with its position and reason.

use std::fmt;

/// The bad lines of a body that did not parse.
///
/// Lists the first [`ParseErrors::MAX_LISTED`] bad lines in body order and counts them all, so a
/// body of a million bad lines costs a hundred messages, not a million.
///
/// `Display` writes one `unable to parse '<line>': <reason>` per listed line, joined by newlines,
/// as InfluxDB does (plus a last line counting the bad lines left out, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseErrors {
    listed: Vec<LineError>,
    n_bad_lines: usize,
}

impl ParseErrors {
    /// How many bad lines are listed at most.
    pub const MAX_LISTED: usize = 100;

    /// The first bad lines, in body order (never empty, at most [`Self::MAX_LISTED`]).
    pub fn errors(&self) -> &[LineError] {
        &self.listed
    }

    /// How many lines were bad, including those not listed.
    pub fn n_bad_lines(&self) -> usize {
        self.n_bad_lines
    }
}

impl fmt::Display for ParseErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.listed.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        let n_left_out = self.n_bad_lines - self.listed.len();
        if n_left_out > 0 {
            write!(f, "\nand {n_left_out} more lines that could not be parsed")?;
        }
        Ok(())
    }
}

/// One bad line: where it is, what it says and why it was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LineError {
    /// The 1-based number of the line in the body (of its first physical line, when a string
    /// field value spans several).
    pub line_number: usize,
    /// The 1-based byte offset of the error from the start of the line (counted across the
    /// newlines of a string field value that spans several physical lines).
    pub column: usize,
    /// The line without its trailing whitespace, cut after [`MAX_QUOTED_CHARS`] characters
    /// (a cut line ends with `…`).
    pub line: String,
    /// Why the line was refused.
    pub reason: LineErrorReason,
}

/// How many characters of a line, a name or a value an error quotes at most.
pub const MAX_QUOTED_CHARS: usize = 100;

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unable to parse '{}': {}", self.line, self.reason)
    }
}

/// Why one line was refused. Names and values quoted here are cut after [`MAX_QUOTED_CHARS`]
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LineErrorReason {
    /// The line starts with a comma (or an escaped nothing): there is no measurement.
    #[error("missing measurement")]
    MissingMeasurement,
    /// A comma in the tag set is not followed by a tag key.
    #[error("missing tag key")]
    MissingTagKey,
    /// A tag key is followed by a comma, a space or the end of the line instead of `=`.
    #[error("expected `=` after tag key `{key}`")]
    ExpectedEqualsAfterTagKey {
        /// The tag key.
        key: String,
    },
    /// A tag has an empty value (line protocol has no empty tag values: omit the tag).
    #[error("missing value for tag `{key}` (tag values cannot be empty; omit the tag instead)")]
    MissingTagValue {
        /// The tag key.
        key: String,
    },
    /// A tag value contains an `=` that is not escaped as `\=`.
    #[error("unescaped `=` in the value of tag `{key}` (write it as `\\=`)")]
    UnescapedEqualsInTagValue {
        /// The tag key.
        key: String,
    },
    /// The same tag key appears twice in one line.
    #[error("duplicate tag key `{key}`")]
    DuplicateTagKey {
        /// The repeated tag key.
        key: String,
    },
    /// The line has a measurement (and maybe tags) but no field set.
    #[error("missing fields")]
    MissingFields,
    /// The field set starts with `=`, or a comma in it is not followed by a field key.
    #[error("missing field key")]
    MissingFieldKey,
    /// A field key is followed by a comma, a space or the end of the line instead of `=`.
    #[error("expected `=` after field key `{key}`")]
    ExpectedEqualsAfterFieldKey {
        /// The field key.
        key: String,
    },
    /// A field's `=` is followed by a comma, a space or the end of the line.
    #[error("missing value for field `{key}`")]
    MissingFieldValue {
        /// The field key.
        key: String,
    },
    /// An unquoted value that starts like a number is not a valid float.
    #[error("invalid float `{value}` in field `{key}`")]
    InvalidFloat {
        /// The field key.
        key: String,
        /// The value as written.
        value: String,
    },
    /// A float too large for a 64-bit float (such as `1e400`).
    #[error("float `{value}` out of range in field `{key}`")]
    FloatOutOfRange {
        /// The field key.
        key: String,
        /// The value as written.
        value: String,
    },
    /// `NaN` or an infinity, which InfluxDB does not store.
    #[error("unsupported value `{value}` in field `{key}` (NaN and infinity are not supported)")]
    NotFinite {
        /// The field key.
        key: String,
        /// The value as written.
        value: String,
    },
    /// A value ending in `i` that is not an optional `-` followed by digits.
    #[error("invalid integer `{value}` in field `{key}`")]
    InvalidInteger {
        /// The field key.
        key: String,
        /// The value as written, suffix included.
        value: String,
    },
    /// An integer outside the signed 64-bit range.
    #[error(
        "integer `{value}` out of range in field `{key}` \
         (from -9223372036854775808i to 9223372036854775807i)"
    )]
    IntegerOutOfRange {
        /// The field key.
        key: String,
        /// The value as written, suffix included.
        value: String,
    },
    /// A value ending in `u` that is not digits (negative numbers included).
    #[error("invalid unsigned integer `{value}` in field `{key}`")]
    InvalidUnsigned {
        /// The field key.
        key: String,
        /// The value as written, suffix included.
        value: String,
    },
    /// An unsigned integer above the unsigned 64-bit range.
    #[error(
        "unsigned integer `{value}` out of range in field `{key}` \
         (from 0u to 18446744073709551615u)"
    )]
    UnsignedOutOfRange {
        /// The field key.
        key: String,
        /// The value as written, suffix included.
        value: String,
    },
    /// An unquoted value that starts like a boolean but is not one of its ten spellings.
    #[error(
        "invalid boolean `{value}` in field `{key}` \
         (use t, T, true, True, TRUE, f, F, false, False or FALSE)"
    )]
    InvalidBoolean {
        /// The field key.
        key: String,
        /// The value as written.
        value: String,
    },
    /// An unquoted value that is neither a number nor a boolean.
    #[error("invalid value `{value}` in field `{key}` (string values must be double-quoted)")]
    InvalidFieldValue {
        /// The field key.
        key: String,
        /// The value as written.
        value: String,
    },
    /// A string field value whose closing double quote is missing.
    #[error("unterminated string in field `{key}`")]
    UnterminatedString {
        /// The field key.
        key: String,
    },
    /// A string field value's closing quote is followed by something other than a comma, a
    /// space or the end of the line.
    #[error("expected `,` or a space after the string value of field `{key}`")]
    ExpectedSeparatorAfterString {
        /// The field key.
        key: String,
    },
    /// A key is both a tag key and a field key of the line (both would be columns of one table).
    #[error("field key `{key}` is also a tag key")]
    FieldKeyIsTagKey {
        /// The key.
        key: String,
    },
    /// The timestamp is not an optional `-` followed by digits.
    #[error("invalid timestamp `{value}` (expected an integer in the request's precision)")]
    InvalidTimestamp {
        /// The timestamp as written.
        value: String,
    },
    /// The timestamp, converted to nanoseconds, is outside the range InfluxDB accepts
    /// (from -9223372036854775806 to 9223372036854775806 ns).
    #[error("timestamp `{value}` out of range")]
    TimestampOutOfRange {
        /// The timestamp as written.
        value: String,
    },
    /// Something follows the timestamp.
    #[error("unexpected `{text}` after the timestamp")]
    TextAfterTimestamp {
        /// What follows the timestamp.
        text: String,
    },
    /// A control character (Unicode's category Cc: U+0000 to U+001F, tab included, and U+007F
    /// to U+009F) outside a string field value.
    #[error("control character U+{code:04X} in {element}")]
    ControlCharacter {
        /// Where the character is.
        element: Element,
        /// The character's code point.
        code: u32,
    },
    /// A measurement, tag key or field key that starts with `_`, a prefix reserved for system
    /// use.
    #[error("{element} `{name}` starts with `_`, which is reserved for system use")]
    ReservedPrefix {
        /// Which kind of name.
        element: Element,
        /// The name.
        name: String,
    },
    /// A tag key or field key named `time`, which is the name of the timestamp column.
    #[error("{element} `time` is reserved for the timestamp")]
    TimeKey {
        /// Tag key or field key.
        element: Element,
    },
    /// A name, tag value or string field value longer than its limit.
    #[error("{element} longer than {max_bytes} bytes")]
    TooLong {
        /// Which element.
        element: Element,
        /// The limit.
        max_bytes: usize,
    },
}

/// The parts of a line that errors point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Element {
    /// The measurement (table name).
    Measurement,
    /// A tag key.
    TagKey,
    /// A tag value.
    TagValue,
    /// A field key.
    FieldKey,
    /// A string field value.
    StringValue,
}

impl fmt::Display for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Measurement => "measurement",
            Self::TagKey => "tag key",
            Self::TagValue => "tag value",
            Self::FieldKey => "field key",
            Self::StringValue => "string field value",
        })
    }
}

/// Collects bad lines while a body is parsed: lists the first ones, counts them all.
#[derive(Debug, Default)]
pub(crate) struct ErrorCollector {
    listed: Vec<LineError>,
    n_bad_lines: usize,
}

impl ErrorCollector {
    pub(crate) fn is_empty(&self) -> bool {
        self.n_bad_lines == 0
    }

    /// Records a bad line; `line` is its text without trailing whitespace and `column` is
    /// 1-based.
    pub(crate) fn push(
        &mut self,
        line_number: usize,
        column: usize,
        line: &str,
        reason: LineErrorReason,
    ) {
        self.n_bad_lines += 1;
        if self.listed.len() < ParseErrors::MAX_LISTED {
            self.listed.push(LineError {
                line_number,
                column,
                line: shorten(line),
                reason,
            });
        }
    }

    pub(crate) fn finish(self) -> Option<ParseErrors> {
        (self.n_bad_lines > 0).then_some(ParseErrors {
            listed: self.listed,
            n_bad_lines: self.n_bad_lines,
        })
    }
}

/// `text` cut after [`MAX_QUOTED_CHARS`] characters, with `…` marking the cut.
pub(crate) fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
