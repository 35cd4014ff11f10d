//! Property tests of the line protocol parser and writer, through the public API only: no input
//! makes the parser panic, whatever it accepts the writer writes back exactly, and generated
//! points (nasty escapes, Chinese names, multi-line strings) survive a round trip.

use proptest::prelude::*;
use zhizao_telemetry::line_protocol::{self, ParseErrors};
use zhizao_telemetry::{FieldValue, Point, Precision};

const MIN_TIME_NS: i64 = i64::MIN + 2;
const MAX_TIME_NS: i64 = i64::MAX - 1;

/// Characters that stress the escaping rules, plus some that do not need escaping at all.
const NAME_CHARACTERS: &[char] = &[
    'a', 'm', 'Z', '0', '9', ',', '=', ' ', '\\', '"', '\'', '#', '_', '-', '.', 'i', 'u', 't',
    'e', '小', '榄', '镇', '古', '🚀', 'é', '\u{fe0f}', '\u{3000}',
];

/// Characters for string field values: anything goes, newlines and control characters too.
const STRING_CHARACTERS: &[char] = &[
    'a', ' ', ',', '=', '\\', '"', '\n', '\r', '\t', '\0', '#', '小', '🚀', 'n', 'i',
];

/// Characters of almost-valid lines, to reach deeper into the parser than random text does.
const LINE_CHARACTERS: &[char] = &[
    'm', 'a', 'b', '0', '1', '9', ',', '=', ' ', ' ', ' ', '\\', '"', '\n', '\r', '\t', '#', '_',
    '.', 'e', 'E', 'i', 'u', 't', 'f', '-', '+', '镇',
];

fn text_from(
    characters: &'static [char],
    length: std::ops::Range<usize>,
) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(characters), length)
        .prop_map(|characters| characters.into_iter().collect())
}

fn measurement() -> impl Strategy<Value = String> {
    text_from(NAME_CHARACTERS, 1..10).prop_filter("not reserved, not a comment", |name| {
        !name.starts_with('_') && !name.starts_with('#')
    })
}

fn key() -> impl Strategy<Value = String> {
    text_from(NAME_CHARACTERS, 1..8)
        .prop_filter("not reserved", |key| !key.starts_with('_') && key != "time")
}

fn field_value() -> impl Strategy<Value = FieldValue> {
    prop_oneof![
        any::<f64>()
            .prop_filter("finite", |float| float.is_finite())
            .prop_map(FieldValue::Float),
        any::<i64>().prop_map(FieldValue::Integer),
        any::<u64>().prop_map(FieldValue::UInteger),
        any::<bool>().prop_map(FieldValue::Boolean),
        text_from(STRING_CHARACTERS, 0..12).prop_map(FieldValue::String),
        any::<String>().prop_map(FieldValue::String),
    ]
}

/// Points that `parse` can produce, so that their lines must parse back to them.
fn point() -> impl Strategy<Value = Point> {
    (
        measurement(),
        prop::collection::btree_map(key(), text_from(NAME_CHARACTERS, 1..8), 0..4),
        prop::collection::vec((key(), field_value()), 1..6),
        MIN_TIME_NS..=MAX_TIME_NS,
    )
        .prop_filter_map(
            "a field left after removing repeated and tag keys",
            |(measurement, tags, fields, time_ns)| {
                let mut unique_fields: Vec<(String, FieldValue)> = Vec::new();
                for (key, value) in fields {
                    if !tags.contains_key(&key)
                        && !unique_fields.iter().any(|(seen, _)| *seen == key)
                    {
                        unique_fields.push((key, value));
                    }
                }
                (!unique_fields.is_empty()).then(|| Point {
                    measurement,
                    tags: tags.into_iter().collect(),
                    fields: unique_fields,
                    time_ns,
                })
            },
        )
}

/// What may separate two lines: newlines, blank lines, comments, whitespace.
fn separator() -> impl Strategy<Value = &'static str> {
    prop::sample::select(
        &[
            "\n",
            "\r\n",
            "\n\n",
            "\n# a comment with a \"quote\n",
            "\n  \t\r\n",
            " \t\n\t ",
            "\r\n  ",
        ][..],
    )
}

/// Checks what every parsed point must satisfy.
fn assert_well_formed(point: &Point) {
    assert!(!point.measurement.is_empty());
    assert!(!point.measurement.starts_with('_'));
    assert!(
        point.tags.windows(2).all(|pair| pair[0].0 < pair[1].0),
        "{point:?}"
    );
    for (key, value) in &point.tags {
        assert!(!key.is_empty() && !value.is_empty() && !key.starts_with('_') && key != "time");
    }
    assert!(!point.fields.is_empty());
    for (index, (key, value)) in point.fields.iter().enumerate() {
        assert!(!key.is_empty() && !key.starts_with('_') && key != "time");
        assert!(
            point.fields[..index].iter().all(|(other, _)| other != key),
            "{point:?}"
        );
        assert!(point.tags.iter().all(|(tag, _)| tag != key), "{point:?}");
        if let FieldValue::Float(float) = value {
            assert!(float.is_finite());
        }
    }
    assert!((MIN_TIME_NS..=MAX_TIME_NS).contains(&point.time_ns));
}

/// Checks the parser on any input: no panic, consistent all-or-nothing and partial results,
/// well-formed points that the writer writes back exactly, and a sane error list.
fn check_any_input(body: &str) {
    let outcome = line_protocol::parse(body, Precision::Nanoseconds, 0);
    let (partial_points, partial_errors) =
        line_protocol::parse_partial(body, Precision::Nanoseconds, 0);
    match &outcome {
        Ok(points) => {
            assert_eq!(partial_errors, None);
            assert_eq!(&partial_points, points);
            for point in points {
                assert_well_formed(point);
                let line = line_protocol::format_point(point);
                let reparsed = line_protocol::parse(&line, Precision::Nanoseconds, 1);
                assert_eq!(
                    reparsed.as_deref(),
                    Ok(std::slice::from_ref(point)),
                    "{line:?}"
                );
            }
        }
        Err(errors) => {
            assert_eq!(partial_errors.as_ref(), Some(errors));
            for point in &partial_points {
                assert_well_formed(point);
            }
            check_errors(body, errors);
        }
    }
}

fn check_errors(body: &str, errors: &ParseErrors) {
    let listed = errors.errors();
    assert!(!listed.is_empty() && listed.len() <= ParseErrors::MAX_LISTED);
    assert!(errors.n_bad_lines() >= listed.len());
    let n_physical_lines = body.split('\n').count();
    assert!(
        listed
            .windows(2)
            .all(|pair| pair[0].line_number < pair[1].line_number)
    );
    for error in listed {
        assert!(
            (1..=n_physical_lines).contains(&error.line_number),
            "{error:?}"
        );
        assert!(error.column >= 1);
        assert!(error.line.chars().count() <= line_protocol::MAX_QUOTED_CHARS + 1);
    }
    assert!(!errors.to_string().is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(body in any::<String>()) {
        check_any_input(&body);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        check_any_input(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn almost_valid_lines_never_panic(body in text_from(LINE_CHARACTERS, 0..60)) {
        check_any_input(&body);
    }

    #[test]
    fn mutated_valid_bodies_never_panic(
        points in prop::collection::vec(point(), 1..4),
        cut in any::<prop::sample::Index>(),
        insert in prop::sample::select(LINE_CHARACTERS),
    ) {
        let body: Vec<char> = points.iter().map(line_protocol::format_point).collect::<Vec<_>>().join("\n").chars().collect();
        let at = cut.index(body.len() + 1);
        let mut inserted = body.clone();
        inserted.insert(at, insert);
        check_any_input(&inserted.into_iter().collect::<String>());
        if at < body.len() {
            let mut removed = body;
            removed.remove(at);
            check_any_input(&removed.into_iter().collect::<String>());
        }
    }

    #[test]
    fn formatted_points_parse_back(
        points in prop::collection::vec(point(), 1..6),
        separators in prop::collection::vec(separator(), 6),
        trailing in prop::sample::select(&["", "\n", "\r\n", " \n\n"][..]),
    ) {
        let mut body = String::new();
        for (index, point) in points.iter().enumerate() {
            if index > 0 {
                body.push_str(separators[index]);
            }
            line_protocol::write_point(&mut body, point);
        }
        body.push_str(trailing);
        prop_assert_eq!(line_protocol::parse(&body, Precision::Nanoseconds, 0), Ok(points));
    }

    #[test]
    fn a_bad_line_is_found_among_good_ones(
        points in prop::collection::vec(point(), 0..5),
        bad_index in any::<prop::sample::Index>(),
        bad_line in prop::sample::select(&[
            "m f=x", "m,t= f=1", "m", ",t=a f=1", "m f=1 1.5", "m f=1e400",
            "m,t=a,t=b f=1", "m f=1 1 1", "m f=tru", "m f=99999999999999999999i",
        ][..]),
    ) {
        let at = bad_index.index(points.len() + 1);
        let mut lines: Vec<String> = points.iter().map(line_protocol::format_point).collect();
        lines.insert(at, bad_line.to_owned());
        let body = lines.join("\n");
        let expected_line_number = 1 + lines[..at].iter().map(|line| line.matches('\n').count() + 1).sum::<usize>();

        let errors = line_protocol::parse(&body, Precision::Nanoseconds, 0).unwrap_err();
        prop_assert_eq!(errors.n_bad_lines(), 1);
        prop_assert_eq!(errors.errors()[0].line_number, expected_line_number);
        prop_assert_eq!(errors.errors()[0].line.as_str(), bad_line);

        let (good_points, partial_errors) = line_protocol::parse_partial(&body, Precision::Nanoseconds, 0);
        prop_assert_eq!(good_points, points);
        prop_assert_eq!(partial_errors, Some(errors));
    }

    #[test]
    fn timestamps_scale_with_precision_or_are_refused(
        time in any::<i64>(),
        precision in prop::sample::select(&[
            (Precision::Nanoseconds, 1_i64),
            (Precision::Microseconds, 1_000),
            (Precision::Milliseconds, 1_000_000),
            (Precision::Seconds, 1_000_000_000),
            (Precision::Minutes, 60_000_000_000),
            (Precision::Hours, 3_600_000_000_000),
        ][..]),
    ) {
        let (precision, factor) = precision;
        let expected = time.checked_mul(factor).filter(|ns| (MIN_TIME_NS..=MAX_TIME_NS).contains(ns));
        let outcome = line_protocol::parse(&format!("m f=1 {time}"), precision, 0);
        match expected {
            Some(time_ns) => prop_assert_eq!(outcome.unwrap()[0].time_ns, time_ns),
            None => prop_assert!(outcome.unwrap_err().to_string().ends_with("out of range")),
        }
    }
}
