//! The scanner and parser behind [`super::parse`]: each line is parsed by one forward pass over
//! its bytes, names are sliced from the input (copied only when they contain escapes, and once
//! more into the owned strings of the [`Point`]), and the rare line whose string field value
//! spans several physical lines is found by a second look only when the first parse fails.

use std::borrow::Cow;

use super::error::{Element, ErrorCollector, LineErrorReason, ParseErrors, shorten};
use crate::{FieldValue, Point, Precision};

/// The longest measurement, tag key, tag value or field key, in bytes (InfluxDB's limit).
pub(crate) const MAX_NAME_BYTES: usize = 65_535;

/// The longest string field value, in bytes (InfluxDB 3's limit).
pub(crate) const MAX_STRING_BYTES: usize = 1 << 20;

/// The earliest timestamp InfluxDB accepts, in nanoseconds (`i64::MIN` and `i64::MIN + 1` are
/// sentinels in its storage).
pub(crate) const MIN_TIME_NS: i64 = i64::MIN + 2;

/// The latest timestamp InfluxDB accepts, in nanoseconds (`i64::MAX` is a sentinel).
pub(crate) const MAX_TIME_NS: i64 = i64::MAX - 1;

/// Parses every line of `body`. Points of good lines that follow a bad one are kept only when
/// `keep_points_after_error` is set (otherwise the caller refuses the whole body and they would
/// be wasted work).
pub(crate) fn parse_body(
    body: &str,
    precision: Precision,
    default_time_ns: i64,
    keep_points_after_error: bool,
) -> (Vec<Point>, Option<ParseErrors>) {
    let bytes = body.as_bytes();
    // Counting newlines is much faster than growing the vector of points. The count is capped
    // by the shortest possible point line (`m f=1` and a newline), and the excess of a body of
    // comments or blank lines is given back at the end.
    let n_newlines = bytes.iter().filter(|&&byte| byte == b'\n').count();
    let mut points = Vec::with_capacity((n_newlines + 1).min(bytes.len() / 6 + 1));
    let mut errors = ErrorCollector::default();
    let mut scratch = Scratch::default();
    let mut line_number = 1;
    let mut position = 0;
    while position < bytes.len() {
        let line_start = position;
        let content_start = skip_spaces_and_tabs(bytes, line_start);
        let mut end = find_newline(bytes, content_start);
        let mut n_inner_newlines = 0;
        let mut content_end = trim_trailing_whitespace(bytes, content_start, end);
        if bytes.get(content_start) != Some(&b'#') && content_end > content_start {
            let mut line = &body[content_start..content_end];
            let mut outcome = LineParser::new(line, &mut scratch).parse(precision, default_time_ns);
            // Most lines end at the next newline. Only a string field value can carry a line
            // over a newline, and then the parse above fails: find where the line really ends
            // and parse that instead. (A line that parses within one physical line ends there
            // for the splitter too, so the splitter runs only on failures.)
            if outcome.is_err() && line.contains('"') {
                (end, n_inner_newlines) = logical_line_end(bytes, content_start);
                let logical_end = trim_trailing_whitespace(bytes, content_start, end);
                if logical_end != content_end {
                    content_end = logical_end;
                    line = &body[content_start..content_end];
                    outcome = LineParser::new(line, &mut scratch).parse(precision, default_time_ns);
                }
            }
            match outcome {
                Ok(point) => {
                    if errors.is_empty() || keep_points_after_error {
                        points.push(point);
                    }
                }
                Err(failure) => {
                    if errors.is_empty() && !keep_points_after_error {
                        points = Vec::new();
                    }
                    errors.push(
                        line_number,
                        content_start - line_start + failure.offset + 1,
                        &body[line_start..content_end],
                        failure.reason,
                    );
                }
            }
        }
        line_number += n_inner_newlines + 1;
        position = end + 1;
    }
    if points.capacity() > 2 * points.len() + 64 {
        points.shrink_to_fit();
    }
    (points, errors.finish())
}

fn skip_spaces_and_tabs(bytes: &[u8], mut position: usize) -> usize {
    while matches!(bytes.get(position), Some(b' ' | b'\t')) {
        position += 1;
    }
    position
}

/// The position of the first newline at or after `position`, or the end of `bytes`.
fn find_newline(bytes: &[u8], position: usize) -> usize {
    bytes[position..]
        .iter()
        .position(|&byte| byte == b'\n')
        .map_or(bytes.len(), |offset| position + offset)
}

/// `end` moved back over spaces, tabs and carriage returns, but not before `start`.
fn trim_trailing_whitespace(bytes: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && matches!(bytes[end - 1], b' ' | b'\t' | b'\r') {
        end -= 1;
    }
    end
}

/// Where the logical line that starts at `start` ends (the position of its terminating newline,
/// or the end of the body), and how many newlines it contains.
///
/// A newline ends a line except inside a string field value. Without a double quote before the
/// next newline that is all there is to it; otherwise a small state machine follows the line's
/// sections the way the parser reads them, so that both agree on where strings are (in
/// particular, a line that the parser accepts within one physical line ends at its newline here
/// too). A string that is never closed ends its line at the first newline after its opening
/// quote, so that one stray quote does not swallow the rest of the body.
fn logical_line_end(bytes: &[u8], start: usize) -> (usize, usize) {
    for (offset, &byte) in bytes[start..].iter().enumerate() {
        match byte {
            b'\n' => return (start + offset, 0),
            b'"' => return quoted_line_end(bytes, start),
            _ => {}
        }
    }
    (bytes.len(), 0)
}

/// What the line splitter is looking at.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    /// The measurement and the tag set.
    Series,
    /// The spaces before the first field key.
    BeforeFields,
    /// A field key.
    FieldKey,
    /// The first byte of a field value.
    FieldValueStart,
    /// An unquoted field value, or what follows a string field value.
    FieldValue,
    /// Inside a string field value.
    String,
    /// The timestamp and anything after it.
    Timestamp,
}

fn quoted_line_end(bytes: &[u8], start: usize) -> (usize, usize) {
    let mut section = Section::Series;
    let mut string_start = start;
    let mut n_newlines = 0;
    let mut position = start;
    while position < bytes.len() {
        let byte = bytes[position];
        match section {
            Section::Series | Section::FieldKey => match byte {
                b'\n' => return (position, n_newlines),
                // An escape pair is skipped whole, so an escaped space or `=` changes nothing;
                // an escaped newline does not exist (a backslash before it is literal).
                b'\\' if bytes.get(position + 1).is_some_and(|&next| next != b'\n') => {
                    position += 1;
                }
                b' ' if section == Section::Series => section = Section::BeforeFields,
                b' ' => section = Section::Timestamp,
                b'=' if section == Section::FieldKey => section = Section::FieldValueStart,
                _ => {}
            },
            Section::BeforeFields => {
                if byte != b' ' {
                    section = Section::FieldKey;
                    continue;
                }
            }
            Section::FieldValueStart => {
                if byte == b'"' {
                    section = Section::String;
                    string_start = position;
                } else {
                    section = Section::FieldValue;
                    continue;
                }
            }
            Section::FieldValue => match byte {
                b'\n' => return (position, n_newlines),
                b',' => section = Section::FieldKey,
                b' ' => section = Section::Timestamp,
                _ => {}
            },
            Section::String => match byte {
                b'\\' => {
                    if bytes.get(position + 1) == Some(&b'\n') {
                        n_newlines += 1;
                    }
                    position += 1;
                }
                b'"' => section = Section::FieldValue,
                b'\n' => n_newlines += 1,
                _ => {}
            },
            Section::Timestamp => {
                if byte == b'\n' {
                    return (position, n_newlines);
                }
            }
        }
        position += 1;
    }
    if section == Section::String {
        (find_newline(bytes, string_start), 0)
    } else {
        (bytes.len(), n_newlines)
    }
}

/// Buffers reused from line to line so that a line allocates only the strings of its point.
#[derive(Default)]
struct Scratch<'a> {
    tags: Vec<ParsedTag<'a>>,
    fields: Vec<ParsedField<'a>>,
}

struct ParsedTag<'a> {
    key: Cow<'a, str>,
    value: Cow<'a, str>,
    /// Where the key starts in the line.
    offset: usize,
}

struct ParsedField<'a> {
    key: Cow<'a, str>,
    value: FieldValue,
    /// Where the key starts in the line.
    offset: usize,
}

/// Why a line failed and where (a byte offset in the line).
struct Failure {
    offset: usize,
    reason: LineErrorReason,
}

type LineResult<T> = Result<T, Failure>;

fn fail<T>(offset: usize, reason: LineErrorReason) -> LineResult<T> {
    Err(Failure { offset, reason })
}

/// Parses one logical line: no leading or trailing whitespace, not a comment, not empty.
struct LineParser<'a, 's> {
    line: &'a str,
    bytes: &'a [u8],
    position: usize,
    scratch: &'s mut Scratch<'a>,
}

impl<'a, 's> LineParser<'a, 's> {
    fn new(line: &'a str, scratch: &'s mut Scratch<'a>) -> Self {
        scratch.tags.clear();
        scratch.fields.clear();
        Self {
            line,
            bytes: line.as_bytes(),
            position: 0,
            scratch,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.position += 1;
        }
    }

    fn parse(mut self, precision: Precision, default_time_ns: i64) -> LineResult<Point> {
        let measurement = self.name(Element::Measurement, "")?;
        if measurement.is_empty() {
            return fail(0, LineErrorReason::MissingMeasurement);
        }
        check_name(Element::Measurement, &measurement, 0)?;

        while self.peek() == Some(b',') {
            self.position += 1;
            self.tag()?;
        }

        // The name scanners stop only at their terminators, so a space or the end is next.
        let series_end = self.position;
        self.skip_spaces();
        if self.position == self.bytes.len() {
            return fail(series_end, LineErrorReason::MissingFields);
        }
        loop {
            self.field()?;
            if self.peek() != Some(b',') {
                break;
            }
            self.position += 1;
        }

        let time_ns = if self.peek().is_some() {
            self.skip_spaces();
            self.timestamp(precision)?
        } else {
            default_time_ns
        };
        self.finish(measurement, time_ns)
    }

    /// Parses `key=value` after a comma of the tag set.
    fn tag(&mut self) -> LineResult<()> {
        let key_start = self.position;
        let key = self.name(Element::TagKey, "")?;
        if key.is_empty() {
            return fail(key_start, LineErrorReason::MissingTagKey);
        }
        if self.peek() != Some(b'=') {
            return fail(
                self.position,
                LineErrorReason::ExpectedEqualsAfterTagKey { key: shorten(&key) },
            );
        }
        check_name(Element::TagKey, &key, key_start)?;
        self.position += 1;
        let value_start = self.position;
        let value = self.name(Element::TagValue, &key)?;
        if value.is_empty() {
            return fail(
                value_start,
                LineErrorReason::MissingTagValue { key: shorten(&key) },
            );
        }
        check_name(Element::TagValue, &value, value_start)?;
        self.scratch.tags.push(ParsedTag {
            key,
            value,
            offset: key_start,
        });
        Ok(())
    }

    /// Parses `key=value` of the field set.
    fn field(&mut self) -> LineResult<()> {
        let key_start = self.position;
        let key = self.name(Element::FieldKey, "")?;
        if key.is_empty() {
            return fail(key_start, LineErrorReason::MissingFieldKey);
        }
        if self.peek() != Some(b'=') {
            return fail(
                self.position,
                LineErrorReason::ExpectedEqualsAfterFieldKey { key: shorten(&key) },
            );
        }
        check_name(Element::FieldKey, &key, key_start)?;
        self.position += 1;
        let value = if self.peek() == Some(b'"') {
            self.string_value(&key)?
        } else {
            self.unquoted_value(&key)?
        };
        self.scratch.fields.push(ParsedField {
            key,
            value,
            offset: key_start,
        });
        Ok(())
    }

    /// Scans a measurement, tag key, tag value or field key up to its first unescaped
    /// terminator (or the end of the line) and unescapes it. `tag_key` names the tag whose
    /// value is scanned, for the error about an unescaped `=`.
    fn name(&mut self, element: Element, tag_key: &str) -> LineResult<Cow<'a, str>> {
        let stops = match element {
            Element::Measurement => &MEASUREMENT_STOPS,
            Element::TagKey | Element::FieldKey => &KEY_STOPS,
            // String values have their own scanner; this arm only keeps the match total.
            Element::TagValue | Element::StringValue => &TAG_VALUE_STOPS,
        };
        let escapable = escapable_in(element);
        let start = self.position;
        let mut has_escape = false;
        loop {
            self.position += self.bytes[self.position..]
                .iter()
                .position(|&byte| stops[usize::from(byte)])
                .unwrap_or(self.bytes.len() - self.position);
            match self.peek() {
                Some(b'\\') => match self.bytes.get(self.position + 1) {
                    Some(&next) if escapable(next) => {
                        has_escape = true;
                        self.position += 2;
                    }
                    _ => self.position += 1,
                },
                Some(b'=') if element == Element::TagValue => {
                    return fail(
                        self.position,
                        LineErrorReason::UnescapedEqualsInTagValue {
                            key: shorten(tag_key),
                        },
                    );
                }
                Some(0xc2) => match self.bytes.get(self.position + 1) {
                    // U+0080 to U+009F, the C1 control characters, are 0xC2 0x80 to 0xC2 0x9F.
                    Some(&next @ 0x80..=0x9f) => {
                        return fail(
                            self.position,
                            LineErrorReason::ControlCharacter {
                                element,
                                code: u32::from(next),
                            },
                        );
                    }
                    _ => self.position += 1,
                },
                Some(byte) if is_control(byte) => {
                    return fail(
                        self.position,
                        LineErrorReason::ControlCharacter {
                            element,
                            code: u32::from(byte),
                        },
                    );
                }
                _ => break,
            }
        }
        let raw = &self.line[start..self.position];
        Ok(if has_escape {
            Cow::Owned(unescape(raw, escapable))
        } else {
            Cow::Borrowed(raw)
        })
    }

    /// Parses a double-quoted string field value; the position is at its opening quote.
    fn string_value(&mut self, key: &str) -> LineResult<FieldValue> {
        let quote = self.position;
        let start = quote + 1;
        let mut position = start;
        let mut has_escape = false;
        loop {
            match self.bytes.get(position) {
                None => {
                    return fail(
                        quote,
                        LineErrorReason::UnterminatedString { key: shorten(key) },
                    );
                }
                Some(b'"') => break,
                Some(b'\\') => {
                    if matches!(self.bytes.get(position + 1), Some(b'"' | b'\\')) {
                        has_escape = true;
                        position += 2;
                    } else {
                        position += 1;
                    }
                }
                Some(_) => position += 1,
            }
        }
        let raw = &self.line[start..position];
        self.position = position + 1;
        if !matches!(self.peek(), None | Some(b',' | b' ')) {
            return fail(
                self.position,
                LineErrorReason::ExpectedSeparatorAfterString { key: shorten(key) },
            );
        }
        let value = if has_escape {
            unescape(raw, |byte| byte == b'"' || byte == b'\\')
        } else {
            raw.to_owned()
        };
        if value.len() > MAX_STRING_BYTES {
            return fail(
                quote,
                LineErrorReason::TooLong {
                    element: Element::StringValue,
                    max_bytes: MAX_STRING_BYTES,
                },
            );
        }
        Ok(FieldValue::String(value))
    }

    /// Parses a float, integer, unsigned integer or boolean field value.
    fn unquoted_value(&mut self, key: &str) -> LineResult<FieldValue> {
        let start = self.position;
        self.position += self.bytes[start..]
            .iter()
            .position(|&byte| byte == b',' || byte == b' ')
            .unwrap_or(self.bytes.len() - start);
        let raw = &self.line[start..self.position];
        parse_unquoted_value(raw).map_err(|kind| Failure {
            offset: start,
            reason: kind.into_reason(key, raw),
        })
    }

    /// Parses the timestamp and checks that nothing follows it.
    fn timestamp(&mut self, precision: Precision) -> LineResult<i64> {
        let start = self.position;
        self.position += self.bytes[start..]
            .iter()
            .position(|&byte| byte == b' ')
            .unwrap_or(self.bytes.len() - start);
        let raw = &self.line[start..self.position];
        if !is_integer_syntax(raw) {
            return fail(
                start,
                LineErrorReason::InvalidTimestamp {
                    value: shorten(raw),
                },
            );
        }
        let time_ns = raw
            .parse::<i64>()
            .ok()
            .and_then(|time| time.checked_mul(precision.nanoseconds_per_unit()))
            .filter(|time_ns| (MIN_TIME_NS..=MAX_TIME_NS).contains(time_ns));
        let Some(time_ns) = time_ns else {
            return fail(
                start,
                LineErrorReason::TimestampOutOfRange {
                    value: shorten(raw),
                },
            );
        };
        self.skip_spaces();
        if self.position < self.bytes.len() {
            return fail(
                self.position,
                LineErrorReason::TextAfterTimestamp {
                    text: shorten(&self.line[self.position..]),
                },
            );
        }
        Ok(time_ns)
    }

    /// Sorts and checks the tags, merges repeated fields and builds the point.
    fn finish(self, measurement: Cow<'a, str>, time_ns: i64) -> LineResult<Point> {
        let Scratch { tags, fields } = self.scratch;
        if !tags.is_sorted_by(|a, b| a.key <= b.key) {
            tags.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        }
        if let Some(pair) = tags.windows(2).find(|pair| pair[0].key == pair[1].key) {
            return fail(
                pair[0].offset.max(pair[1].offset),
                LineErrorReason::DuplicateTagKey {
                    key: shorten(&pair[0].key),
                },
            );
        }
        merge_repeated_fields(fields);
        if !tags.is_empty() {
            // Few tags: comparing lengths first rules out most pairs without comparing bytes.
            let is_tag_key = |key: &str| {
                if tags.len() <= 8 {
                    tags.iter().any(|tag| tag.key == key)
                } else {
                    tags.binary_search_by(|tag| tag.key.as_ref().cmp(key))
                        .is_ok()
                }
            };
            for field in fields.iter() {
                if is_tag_key(&field.key) {
                    return fail(
                        field.offset,
                        LineErrorReason::FieldKeyIsTagKey {
                            key: shorten(&field.key),
                        },
                    );
                }
            }
        }
        Ok(Point {
            measurement: measurement.into_owned(),
            tags: tags
                .drain(..)
                .map(|tag| (tag.key.into_owned(), tag.value.into_owned()))
                .collect(),
            fields: fields
                .drain(..)
                .map(|field| (field.key.into_owned(), field.value))
                .collect(),
            time_ns,
        })
    }
}

/// Keeps the first occurrence of each field key, with the value of its last occurrence.
fn merge_repeated_fields(fields: &mut Vec<ParsedField<'_>>) {
    // Lines rarely have more than a few fields: compare every pair until they get long, then
    // sort indices instead so that a hostile line of many fields stays n log n.
    const MAX_PAIRWISE: usize = 16;
    if fields.len() <= MAX_PAIRWISE {
        let mut index = 1;
        while index < fields.len() {
            let key = &fields[index].key;
            match fields[..index].iter().position(|field| field.key == *key) {
                Some(first) => {
                    let repeated = fields.remove(index);
                    fields[first].value = repeated.value;
                }
                None => index += 1,
            }
        }
        return;
    }
    let mut order: Vec<usize> = (0..fields.len()).collect();
    order.sort_by(|&a, &b| fields[a].key.cmp(&fields[b].key).then(a.cmp(&b)));
    let mut keep = vec![true; fields.len()];
    // Each run of equal keys in `order` lists one key's occurrences in line order.
    let mut run_start = 0;
    while run_start < order.len() {
        let key = &fields[order[run_start]].key;
        let run_length = order[run_start..]
            .iter()
            .take_while(|&&index| fields[index].key == *key)
            .count();
        let run = &order[run_start..run_start + run_length];
        if let [first, .., last] = *run {
            let value = std::mem::replace(&mut fields[last].value, FieldValue::Boolean(false));
            fields[first].value = value;
            for &repeated in &run[1..] {
                keep[repeated] = false;
            }
        }
        run_start += run_length;
    }
    let mut index = 0;
    fields.retain(|_| {
        index += 1;
        keep[index - 1]
    });
}

/// Checks the limits and reserved names of a measurement, tag key, tag value or field key that
/// starts at `offset`.
fn check_name(element: Element, name: &str, offset: usize) -> LineResult<()> {
    if name.len() > MAX_NAME_BYTES {
        return fail(
            offset,
            LineErrorReason::TooLong {
                element,
                max_bytes: MAX_NAME_BYTES,
            },
        );
    }
    if element == Element::TagValue {
        return Ok(());
    }
    if name.starts_with('_') {
        return fail(
            offset,
            LineErrorReason::ReservedPrefix {
                element,
                name: shorten(name),
            },
        );
    }
    if name == "time" && element != Element::Measurement {
        return fail(offset, LineErrorReason::TimeKey { element });
    }
    Ok(())
}

/// Why an unquoted field value is invalid (the key and value are added by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueError {
    Missing,
    InvalidFloat,
    FloatOutOfRange,
    NotFinite,
    InvalidInteger,
    IntegerOutOfRange,
    InvalidUnsigned,
    UnsignedOutOfRange,
    InvalidBoolean,
    Invalid,
}

impl ValueError {
    fn into_reason(self, key: &str, value: &str) -> LineErrorReason {
        let key = shorten(key);
        let value = shorten(value);
        match self {
            Self::Missing => LineErrorReason::MissingFieldValue { key },
            Self::InvalidFloat => LineErrorReason::InvalidFloat { key, value },
            Self::FloatOutOfRange => LineErrorReason::FloatOutOfRange { key, value },
            Self::NotFinite => LineErrorReason::NotFinite { key, value },
            Self::InvalidInteger => LineErrorReason::InvalidInteger { key, value },
            Self::IntegerOutOfRange => LineErrorReason::IntegerOutOfRange { key, value },
            Self::InvalidUnsigned => LineErrorReason::InvalidUnsigned { key, value },
            Self::UnsignedOutOfRange => LineErrorReason::UnsignedOutOfRange { key, value },
            Self::InvalidBoolean => LineErrorReason::InvalidBoolean { key, value },
            Self::Invalid => LineErrorReason::InvalidFieldValue { key, value },
        }
    }
}

/// Parses an unquoted field value: `-?digits i`, `digits u`, a float, or a boolean.
fn parse_unquoted_value(raw: &str) -> Result<FieldValue, ValueError> {
    let bytes = raw.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return Err(ValueError::Missing);
    };
    match first {
        b'-' | b'+' | b'.' | b'0'..=b'9' => match last {
            b'i' => {
                let digits = &raw[..raw.len() - 1];
                if !is_integer_syntax(digits) {
                    return Err(ValueError::InvalidInteger);
                }
                // The syntax is checked, so parsing fails only by overflow.
                digits
                    .parse()
                    .map(FieldValue::Integer)
                    .map_err(|_| ValueError::IntegerOutOfRange)
            }
            b'u' => {
                let digits = &raw[..raw.len() - 1];
                if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
                    return Err(ValueError::InvalidUnsigned);
                }
                digits
                    .parse()
                    .map(FieldValue::UInteger)
                    .map_err(|_| ValueError::UnsignedOutOfRange)
            }
            _ => parse_float(raw),
        },
        b't' | b'T' | b'f' | b'F' => match raw {
            "t" | "T" | "true" | "True" | "TRUE" => Ok(FieldValue::Boolean(true)),
            "f" | "F" | "false" | "False" | "FALSE" => Ok(FieldValue::Boolean(false)),
            _ => Err(ValueError::InvalidBoolean),
        },
        _ if is_non_finite_spelling(raw) => Err(ValueError::NotFinite),
        _ => Err(ValueError::Invalid),
    }
}

/// Parses `-? (digits | digits . digits? | . digits) ([eE] [+-]? digits)?`, the float syntax of
/// InfluxDB's parser (no leading `+`, no `inf` or `nan`, no hexadecimal, no `_`).
fn parse_float(raw: &str) -> Result<FieldValue, ValueError> {
    let bytes = raw.as_bytes();
    // Rust's float syntax is this one plus a leading `+` and the words `inf`, `infinity` and
    // `nan`; ruling out those bytes leaves exactly InfluxDB's syntax to `str::parse`.
    let allowed =
        |byte: u8| byte.is_ascii_digit() || matches!(byte, b'.' | b'e' | b'E' | b'-' | b'+');
    if bytes[0] == b'+' || !bytes.iter().all(|&byte| allowed(byte)) {
        return Err(if is_non_finite_spelling(raw) {
            ValueError::NotFinite
        } else {
            ValueError::InvalidFloat
        });
    }
    match raw.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(FieldValue::Float(value)),
        Ok(_) => Err(ValueError::FloatOutOfRange),
        Err(_) => Err(ValueError::InvalidFloat),
    }
}

/// Whether `raw` spells NaN or an infinity (any case, optionally signed).
fn is_non_finite_spelling(raw: &str) -> bool {
    let unsigned = raw.strip_prefix(['+', '-']).unwrap_or(raw);
    ["nan", "inf", "infinity"]
        .iter()
        .any(|word| unsigned.eq_ignore_ascii_case(word))
}

/// Whether `raw` is an optional `-` followed by at least one ASCII digit.
fn is_integer_syntax(raw: &str) -> bool {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())
}

fn is_control(byte: u8) -> bool {
    byte < 0x20 || byte == 0x7f
}

/// The bytes that a backslash escapes in `element` (a backslash before any other byte is a
/// literal backslash).
fn escapable_in(element: Element) -> fn(u8) -> bool {
    match element {
        Element::Measurement => |byte| matches!(byte, b',' | b' ' | b'\\'),
        Element::TagKey | Element::TagValue | Element::FieldKey => {
            |byte| matches!(byte, b',' | b'=' | b' ' | b'\\')
        }
        Element::StringValue => |byte| matches!(byte, b'"' | b'\\'),
    }
}

/// `raw` with each backslash that escapes an `escapable` byte removed.
fn unescape(raw: &str, escapable: impl Fn(u8) -> bool) -> String {
    let bytes = raw.as_bytes();
    let mut unescaped = String::with_capacity(raw.len());
    let mut segment_start = 0;
    let mut position = 0;
    while position < bytes.len() {
        if bytes[position] == b'\\' && bytes.get(position + 1).is_some_and(|&next| escapable(next))
        {
            // The escaped byte (ASCII, so a character boundary) starts the next segment.
            unescaped.push_str(&raw[segment_start..position]);
            segment_start = position + 1;
            position += 2;
        } else {
            position += 1;
        }
    }
    unescaped.push_str(&raw[segment_start..]);
    unescaped
}

/// For each byte, whether the name scanner must stop and look at it: backslashes, control
/// characters (and 0xC2, which starts the C1 controls and other characters) and the element's
/// terminators.
const fn stop_table(terminators: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[0x7f] = true;
    table[0xc2] = true;
    table[b'\\' as usize] = true;
    let mut index = 0;
    while index < terminators.len() {
        table[terminators[index] as usize] = true;
        index += 1;
    }
    table
}

static MEASUREMENT_STOPS: [bool; 256] = stop_table(b", ");
static KEY_STOPS: [bool; 256] = stop_table(b",= ");
/// `=` is not a terminator of tag values, but an unescaped one is an error.
static TAG_VALUE_STOPS: [bool; 256] = stop_table(b",= ");
