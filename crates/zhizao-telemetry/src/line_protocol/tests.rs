//! Tests as data: each `check` parses a body and compares a plain rendering of the outcome (the
//! points, or each bad line as `line:column reason`) with the expected text.

use std::fmt::Write as _;

use super::{ParseErrors, format_point, parse, parse_partial};
use crate::{FieldValue, Point, Precision};

/// The default time given to lines without a timestamp.
const DEFAULT_TIME_NS: i64 = 42;

fn render_points(points: &[Point]) -> String {
    let mut rendered = String::new();
    for point in points {
        write!(rendered, "{:?}", point.measurement).unwrap();
        for (key, value) in &point.tags {
            write!(rendered, " {key:?}={value:?}").unwrap();
        }
        rendered.push_str(" |");
        for (key, value) in &point.fields {
            write!(rendered, " {key:?}={value:?}").unwrap();
        }
        writeln!(rendered, " @{}", point.time_ns).unwrap();
    }
    rendered
}

fn render_errors(errors: &ParseErrors) -> String {
    let mut rendered = String::new();
    for error in errors.errors() {
        writeln!(
            rendered,
            "{}:{} {}",
            error.line_number, error.column, error.reason
        )
        .unwrap();
    }
    if errors.n_bad_lines() > errors.errors().len() {
        writeln!(rendered, "{} bad lines", errors.n_bad_lines()).unwrap();
    }
    rendered
}

fn render(outcome: &Result<Vec<Point>, ParseErrors>) -> String {
    match outcome {
        Ok(points) => render_points(points),
        Err(errors) => render_errors(errors),
    }
}

/// Compares two renderings line by line, ignoring indentation and blank lines.
fn assert_rendered(input: &str, actual: &str, expected: &str) {
    let lines = |text: &str| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(
        lines(actual),
        lines(expected),
        "input: {input:?}\nactual:\n{actual}"
    );
}

fn check(input: &str, expected: &str) {
    check_with(input, Precision::Nanoseconds, expected);
}

fn check_with(input: &str, precision: Precision, expected: &str) {
    let outcome = parse(input, precision, DEFAULT_TIME_NS);
    assert_rendered(input, &render(&outcome), expected);
}

#[test]
fn a_plain_line() {
    check(
        "cpu,host=a,region=west usage=64.5,count=3i 1556813561098000000",
        r#""cpu" "host"="a" "region"="west" | "usage"=Float(64.5) "count"=Integer(3) @1556813561098000000"#,
    );
}

#[test]
fn lines_without_timestamp_get_the_default_time() {
    check("cpu usage=1", r#""cpu" | "usage"=Float(1.0) @42"#);
    check(
        "cpu,host=a usage=1",
        r#""cpu" "host"="a" | "usage"=Float(1.0) @42"#,
    );
}

#[test]
fn tags_are_sorted_by_key_and_fields_keep_their_order() {
    check(
        "m,zone=z,host=h,app=a z=1,a=2,m=3 1",
        r#""m" "app"="a" "host"="h" "zone"="z" | "z"=Float(1.0) "a"=Float(2.0) "m"=Float(3.0) @1"#,
    );
    // Byte order, as Go's bytes.Compare: upper case before lower case.
    check(
        "m,b=1,B=2,a=3 f=1 1",
        r#""m" "B"="2" "a"="3" "b"="1" | "f"=Float(1.0) @1"#,
    );
}

#[test]
fn blank_lines_comments_and_whitespace_are_skipped() {
    check(
        "\n# comment with \"a quote\n   \t\n  # indented comment\r\n\
         m f=1 1\r\n\
         \t  m f=2 2 \t\r\n\
         m  f=3   3\n\
         \n",
        r#"
        "m" | "f"=Float(1.0) @1
        "m" | "f"=Float(2.0) @2
        "m" | "f"=Float(3.0) @3
        "#,
    );
    check("", "");
    check("\n\r\n  \n# only comments", "");
}

#[test]
fn a_body_of_blank_lines_keeps_no_memory_for_points() {
    let points = parse(&"\n".repeat(100_000), Precision::Nanoseconds, 0).unwrap();
    assert!(points.is_empty() && points.capacity() == 0);
    let points = parse(
        &"# comment\nm f=1\n".repeat(1_000),
        Precision::Nanoseconds,
        0,
    )
    .unwrap();
    assert_eq!(points.len(), 1_000);
    assert!(points.capacity() <= 2 * points.len() + 64);
}

#[test]
fn the_last_line_needs_no_newline() {
    check(
        "m f=1 1\nm f=2",
        r#""m" | "f"=Float(1.0) @1
                                "m" | "f"=Float(2.0) @42"#,
    );
}

#[test]
fn floats() {
    check(
        "m a=1,b=1.0,c=-1.5e3,d=.5,e=-.5,f=1.,g=1.E+78,h=-1.234456e+78,i=007.5,j=1e-400,k=0,l=-0",
        r#""m" | "a"=Float(1.0) "b"=Float(1.0) "c"=Float(-1500.0) "d"=Float(0.5) "e"=Float(-0.5) "f"=Float(1.0) "g"=Float(1e78) "h"=Float(-1.234456e78) "i"=Float(7.5) "j"=Float(0.0) "k"=Float(0.0) "l"=Float(-0.0) @42"#,
    );
    check(
        "m a=1.7976931348623157e308,b=5e-324",
        r#""m" | "a"=Float(1.7976931348623157e308) "b"=Float(5e-324) @42"#,
    );
}

#[test]
fn invalid_floats() {
    check("m f=1.2.3", "1:5 invalid float `1.2.3` in field `f`");
    check("m f=+1", "1:5 invalid float `+1` in field `f`");
    check("m f=-", "1:5 invalid float `-` in field `f`");
    check("m f=.", "1:5 invalid float `.` in field `f`");
    check("m f=1e", "1:5 invalid float `1e` in field `f`");
    check("m f=1e+", "1:5 invalid float `1e+` in field `f`");
    check("m f=0x10", "1:5 invalid float `0x10` in field `f`");
    check("m f=1_000", "1:5 invalid float `1_000` in field `f`");
    check("m f=12x", "1:5 invalid float `12x` in field `f`");
    check("m f=1-2", "1:5 invalid float `1-2` in field `f`");
    check("m f=--1", "1:5 invalid float `--1` in field `f`");
    check("m f=1e400", "1:5 float `1e400` out of range in field `f`");
    check("m f=-1e400", "1:5 float `-1e400` out of range in field `f`");
}

#[test]
fn nan_and_infinity_are_refused() {
    for value in [
        "NaN",
        "nan",
        "-nan",
        "Inf",
        "inf",
        "+Inf",
        "-Inf",
        "infinity",
        "-Infinity",
    ] {
        check(
            &format!("m f={value}"),
            &format!(
                "1:5 unsupported value `{value}` in field `f` (NaN and infinity are not supported)"
            ),
        );
    }
}

#[test]
fn integers() {
    check(
        "m a=1i,b=-12485903i,c=9223372036854775807i,d=-9223372036854775808i,e=0i,f=-0i,g=007i",
        r#""m" | "a"=Integer(1) "b"=Integer(-12485903) "c"=Integer(9223372036854775807) "d"=Integer(-9223372036854775808) "e"=Integer(0) "f"=Integer(0) "g"=Integer(7) @42"#,
    );
    check(
        "m f=9223372036854775808i",
        "1:5 integer `9223372036854775808i` out of range in field `f` \
         (from -9223372036854775808i to 9223372036854775807i)",
    );
    check(
        "m f=-9223372036854775809i",
        "1:5 integer `-9223372036854775809i` out of range in field `f` \
         (from -9223372036854775808i to 9223372036854775807i)",
    );
    check(
        "m count=12xi",
        "1:9 invalid integer `12xi` in field `count`",
    );
    check("m f=1.5i", "1:5 invalid integer `1.5i` in field `f`");
    check("m f=-i", "1:5 invalid integer `-i` in field `f`");
    check("m f=1e3i", "1:5 invalid integer `1e3i` in field `f`");
    check("m f=+1i", "1:5 invalid integer `+1i` in field `f`");
    check("m f=1ii", "1:5 invalid integer `1ii` in field `f`");
    check(
        "m f=i",
        "1:5 invalid value `i` in field `f` (string values must be double-quoted)",
    );
}

#[test]
fn unsigned_integers() {
    check(
        "m a=0u,b=12485903u,c=18446744073709551615u",
        r#""m" | "a"=UInteger(0) "b"=UInteger(12485903) "c"=UInteger(18446744073709551615) @42"#,
    );
    check(
        "m f=18446744073709551616u",
        "1:5 unsigned integer `18446744073709551616u` out of range in field `f` \
         (from 0u to 18446744073709551615u)",
    );
    check("m f=-1u", "1:5 invalid unsigned integer `-1u` in field `f`");
    check(
        "m f=1.0u",
        "1:5 invalid unsigned integer `1.0u` in field `f`",
    );
    check("m f=+1u", "1:5 invalid unsigned integer `+1u` in field `f`");
    check("m f=-u", "1:5 invalid unsigned integer `-u` in field `f`");
}

#[test]
fn booleans() {
    check(
        "m a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE",
        r#""m" | "a"=Boolean(true) "b"=Boolean(true) "c"=Boolean(true) "d"=Boolean(true) "e"=Boolean(true) "f"=Boolean(false) "g"=Boolean(false) "h"=Boolean(false) "i"=Boolean(false) "j"=Boolean(false) @42"#,
    );
    for value in ["tRUE", "tru", "TRue", "fals", "FaLsE", "yes", "truee", "t1"] {
        let expected = if value == "yes" {
            format!(
                "1:6 invalid value `{value}` in field `on` (string values must be double-quoted)"
            )
        } else {
            format!(
                "1:6 invalid boolean `{value}` in field `on` \
                 (use t, T, true, True, TRUE, f, F, false, False or FALSE)"
            )
        };
        check(&format!("m on={value}"), &expected);
    }
}

#[test]
fn strings() {
    check(
        r#"m a="",b="hello world",c="with, comma= and space",d="t",e="1i",f="小榄 🚀""#,
        r#""m" | "a"=String("") "b"=String("hello world") "c"=String("with, comma= and space") "d"=String("t") "e"=String("1i") "f"=String("小榄 🚀") @42"#,
    );
    // Only `\"` and `\\` are escapes; a backslash before anything else is literal.
    check(
        r#"m a="say \"hi\"",b="back\\slash",c="C:\data\n",d="\\\"",e="end\\""#,
        r#""m" | "a"=String("say \"hi\"") "b"=String("back\\slash") "c"=String("C:\\data\\n") "d"=String("\\\"") "e"=String("end\\") @42"#,
    );
    // Anything may be in a string: control characters, `#`, `=`, quotes of the other kind.
    check(
        "m a=\"tab\there\",b=\"# not a comment\",c=\"'single'\" 1",
        r##""m" | "a"=String("tab\there") "b"=String("# not a comment") "c"=String("'single'") @1"##,
    );
}

#[test]
fn strings_may_span_lines() {
    check(
        "m,t=a msg=\"first\nsecond\r\nthird\",n=1i 5\nm,t=b msg=\"x\" 6\n",
        r#"
        "m" "t"="a" | "msg"=String("first\nsecond\r\nthird") "n"=Integer(1) @5
        "m" "t"="b" | "msg"=String("x") @6
        "#,
    );
    // An escaped quote does not end the string, and the line numbers still count.
    check(
        "m a=\"1\\\"\n2\\\\\" 1\nm b=\"\n\n\" 2\nm bad 3",
        "6:6 expected `=` after field key `bad`",
    );
    // A backslash before a newline in a string is a literal backslash.
    check("m a=\"x\\\ny\" 1", r#""m" | "a"=String("x\\\ny") @1"#);
}

#[test]
fn an_unterminated_string_ends_its_line_at_the_next_newline() {
    check(
        "m f=\"abc 1\nm g=1 2\nm h=3 3",
        "1:5 unterminated string in field `f`",
    );
    let (points, _) = parse_partial("m f=\"abc 1\nm g=1 2\nm h=3 3", Precision::Nanoseconds, 0);
    assert_eq!(
        render_points(&points),
        "\"m\" | \"g\"=Float(1.0) @2\n\"m\" | \"h\"=Float(3.0) @3\n"
    );
    check("m f=\"", "1:5 unterminated string in field `f`");
    check(r#"m f="abc\""#, "1:5 unterminated string in field `f`");
    // But a later quote closes it, as in InfluxDB: the string spans lines up to that quote.
    check(
        "m f=\"abc 1\nm g=1 2\nm h=\"x\" 3\nm i=1 4",
        "1:25 expected `,` or a space after the string value of field `f`",
    );
    // A quote inside the measurement or a tag is an ordinary character, not a string.
    check(
        "\"m\",t=\"v\" f=1 1\nm f=2 2",
        r#"
        "\"m\"" "t"="\"v\"" | "f"=Float(1.0) @1
        "m" | "f"=Float(2.0) @2
        "#,
    );
}

#[test]
fn what_may_follow_a_string() {
    check(
        r#"m f="a"b"#,
        "1:8 expected `,` or a space after the string value of field `f`",
    );
    check(
        r#"m f="a""b""#,
        "1:8 expected `,` or a space after the string value of field `f`",
    );
    check(
        r#"m f="a",g="b" 1"#,
        r#""m" | "f"=String("a") "g"=String("b") @1"#,
    );
    // A quote in the middle of an unquoted value does not open a string.
    check(
        "m f=ab\"c\nm g=1 1",
        "1:5 invalid value `ab\"c` in field `f` (string values must be double-quoted)",
    );
}

#[test]
fn escapes_in_measurements() {
    check(
        r"my\ Measurement f=1",
        r#""my Measurement" | "f"=Float(1.0) @42"#,
    );
    check(r"a\,b,t=v f=1", r#""a,b" "t"="v" | "f"=Float(1.0) @42"#);
    // `=` is ordinary in a measurement, so `\=` is a backslash and an `=`.
    check(r"a=b f=1", r#""a=b" | "f"=Float(1.0) @42"#);
    check(r"a\=b f=1", r#""a\\=b" | "f"=Float(1.0) @42"#);
    check(r"\ lead f=1", r#"" lead" | "f"=Float(1.0) @42"#);
    check(r"end\\ f=1", r#""end\\" | "f"=Float(1.0) @42"#);
}

#[test]
fn escapes_in_keys_and_tag_values() {
    check(
        r"m,tag\ Key1=tag\ Value1,k\,2=v\,2,k\=3=v\=3 field\ Key=100,f\,2=1,f\=3=2",
        r#""m" "k,2"="v,2" "k=3"="v=3" "tag Key1"="tag Value1" | "field Key"=Float(100.0) "f,2"=Float(1.0) "f=3"=Float(2.0) @42"#,
    );
    check(
        "\"measurement\\ with\\ quo⚡️es\\ and\\ emoji\",tag\\ key\\ with\\ sp🚀ces=tag\\,value\\,with\"commas\" field_k\\ey=\"string field value, only \\\" need be esc🍭ped\"",
        r#""\"measurement with quo⚡\u{fe0f}es and emoji\"" "tag key with sp🚀ces"="tag,value,with\"commas\"" | "field_k\\ey"=String("string field value, only \" need be esc🍭ped") @42"#,
    );
    check(
        "m,town=小榄,镇=古镇 温度=21.5",
        r#""m" "town"="小榄" "镇"="古镇" | "温度"=Float(21.5) @42"#,
    );
}

#[test]
fn backslashes_follow_the_reference_table() {
    // `\` and `\\` read as one backslash, `\\\` and `\\\\` as two, and so on; a backslash
    // before an ordinary character is literal.
    check(
        r"m,a=x\y,b=x\\y,c=x\\\y,d=x\\\\y,e=x\\\\\y,g=C:\data f=1",
        r#""m" "a"="x\\y" "b"="x\\y" "c"="x\\\\y" "d"="x\\\\y" "e"="x\\\\\\y" "g"="C:\\data" | "f"=Float(1.0) @42"#,
    );
    // Telegraf writes tabs and newlines in tags as `\t` and `\n`; they are kept as written.
    check(
        r"m,t=a\tb\nc f=1",
        r#""m" "t"="a\\tb\\nc" | "f"=Float(1.0) @42"#,
    );
}

#[test]
fn a_backslash_does_not_escape_a_newline() {
    check("m,t=a\\\nm f=1 1", "1:7 missing fields");
    check("m\\\nf=1", "1:3 missing fields\n2:4 missing fields");
}

#[test]
fn repeated_fields_keep_their_first_position_and_last_value() {
    check(
        "m a=1,b=2,a=3i,c=4,b=\"x\" 1",
        r#""m" | "a"=Integer(3) "b"=String("x") "c"=Float(4.0) @1"#,
    );
    // Past sixteen fields the merge sorts instead of comparing pairs; the result is the same.
    let fields: Vec<String> = (0..40)
        .map(|index| format!("f{}={index}i", index % 7))
        .collect();
    let expected: String = (0..7)
        .map(|key| {
            let last = (0..40).filter(|index| index % 7 == key).max().unwrap();
            format!(" \"f{key}\"=Integer({last})")
        })
        .collect();
    check(
        &format!("m {} 1", fields.join(",")),
        &format!("\"m\" |{expected} @1"),
    );
}

#[test]
fn structural_errors() {
    check(",t=a f=1", "1:1 missing measurement");
    check(",f=1", "1:1 missing measurement");
    check("m", "1:2 missing fields");
    check("m,t=a", "1:6 missing fields");
    check("m,t=a   ", "1:6 missing fields");
    check("m, f=1", "1:3 missing tag key");
    check("m,=a f=1", "1:3 missing tag key");
    check("m,t=a, f=1", "1:7 missing tag key");
    check("m,t=a,,u=b f=1", "1:7 missing tag key");
    check("m,t f=1", "1:4 expected `=` after tag key `t`");
    check("m,t,u=1 f=1", "1:4 expected `=` after tag key `t`");
    check("m,t", "1:4 expected `=` after tag key `t`");
    check(
        "m,t= f=1",
        "1:5 missing value for tag `t` (tag values cannot be empty; omit the tag instead)",
    );
    check(
        "m,t=,u=1 f=1",
        "1:5 missing value for tag `t` (tag values cannot be empty; omit the tag instead)",
    );
    check(
        "m,t=a=b f=1",
        "1:6 unescaped `=` in the value of tag `t` (write it as `\\=`)",
    );
    check("m =1", "1:3 missing field key");
    check("m f=1,", "1:7 missing field key");
    check("m f=1,,g=2", "1:7 missing field key");
    check("m f=1, g=2", "1:7 missing field key");
    check("m temp 1", "1:7 expected `=` after field key `temp`");
    check("m temp", "1:7 expected `=` after field key `temp`");
    check("m f=1,g 1", "1:8 expected `=` after field key `g`");
    check("m f=", "1:5 missing value for field `f`");
    check("m f= 1", "1:5 missing value for field `f`");
    check("m f=,g=1", "1:5 missing value for field `f`");
    check(
        "m f=abc",
        "1:5 invalid value `abc` in field `f` (string values must be double-quoted)",
    );
    check(
        "m f='x'",
        "1:5 invalid value `'x'` in field `f` (string values must be double-quoted)",
    );
}

#[test]
fn duplicate_tag_keys_are_refused() {
    check("m,t=a,t=b f=1", "1:7 duplicate tag key `t`");
    check("m,u=1,t=a,v=2,t=b f=1", "1:15 duplicate tag key `t`");
    // Escapes are resolved before keys are compared.
    check(r"m,a\ b=1,a\ b=2 f=1", "1:10 duplicate tag key `a b`");
}

#[test]
fn a_key_cannot_be_both_a_tag_and_a_field() {
    check(
        "m,host=a,t=x host=1",
        "1:14 field key `host` is also a tag key",
    );
}

#[test]
fn reserved_names() {
    check(
        "_m f=1",
        "1:1 measurement `_m` starts with `_`, which is reserved for system use",
    );
    check(
        "m,_t=a f=1",
        "1:3 tag key `_t` starts with `_`, which is reserved for system use",
    );
    check(
        "m _field=1",
        "1:3 field key `_field` starts with `_`, which is reserved for system use",
    );
    check(
        "m,time=a f=1",
        "1:3 tag key `time` is reserved for the timestamp",
    );
    check(
        "m time=1",
        "1:3 field key `time` is reserved for the timestamp",
    );
    // Only the exact name is reserved, and a measurement may be called `time`.
    check(
        "time,Time=a,t_=b times=1,m_=2",
        r#""time" "Time"="a" "t_"="b" | "times"=Float(1.0) "m_"=Float(2.0) @42"#,
    );
    // Tag values are not names.
    check("m,t=_x f=1", r#""m" "t"="_x" | "f"=Float(1.0) @42"#);
}

#[test]
fn control_characters_are_refused_outside_strings() {
    check("m\tx f=1", "1:2 control character U+0009 in measurement");
    check("m,t\u{1}=a f=1", "1:4 control character U+0001 in tag key");
    check(
        "m,t=a\u{7f} f=1",
        "1:6 control character U+007F in tag value",
    );
    check("m f\0=1", "1:4 control character U+0000 in field key");
    check("m\rx f=1", "1:2 control character U+000D in measurement");
    check(
        "m,t=a\u{85}b f=1",
        "1:6 control character U+0085 in tag value",
    );
    check("m\u{9f} f=1", "1:2 control character U+009F in measurement");
    // Other characters starting with the same byte are fine (U+00A0 and U+00B0 here).
    check(
        "m\u{a0},t=1\u{b0} f=1",
        r#""m\u{a0}" "t"="1°" | "f"=Float(1.0) @42"#,
    );
    // A tab is not a separator either.
    check("m f=1\t1", "1:5 invalid float `1\t1` in field `f`");
}

#[test]
fn names_and_strings_have_length_limits() {
    let long_name = "n".repeat(65_536);
    check(
        &format!("{long_name} f=1"),
        "1:1 measurement longer than 65535 bytes",
    );
    check(
        &format!("m,t={long_name} f=1"),
        "1:5 tag value longer than 65535 bytes",
    );
    check(
        &format!("m {long_name}=1"),
        "1:3 field key longer than 65535 bytes",
    );
    let longest_name = "n".repeat(65_535);
    assert!(
        parse(
            &format!("m,t={longest_name} {longest_name}=1"),
            Precision::Nanoseconds,
            0
        )
        .is_ok()
    );
    let long_string = "s".repeat((1 << 20) + 1);
    check(
        &format!("m f=\"{long_string}\""),
        "1:5 string field value longer than 1048576 bytes",
    );
    // The limit applies to the unescaped string.
    let escaped = "\\\\".repeat((1 << 19) + 1);
    assert!(parse(&format!("m f=\"{escaped}\""), Precision::Nanoseconds, 0).is_ok());
}

#[test]
fn timestamps_in_every_precision() {
    let precisions = [
        Precision::Nanoseconds,
        Precision::Microseconds,
        Precision::Milliseconds,
        Precision::Seconds,
        Precision::Minutes,
        Precision::Hours,
    ];
    for precision in precisions {
        let factor = precision.nanoseconds_per_unit();
        let points = parse("m f=1 -5\nm f=1 1700", precision, 0).unwrap();
        assert_eq!(points[0].time_ns, -5 * factor);
        assert_eq!(points[1].time_ns, 1700 * factor);
    }
    check_with(
        "m f=1 1700000000",
        Precision::Seconds,
        r#""m" | "f"=Float(1.0) @1700000000000000000"#,
    );
    check_with(
        "m f=1 1700000000000",
        Precision::Milliseconds,
        r#""m" | "f"=Float(1.0) @1700000000000000000"#,
    );
    check_with(
        "m f=1 28333333",
        Precision::Minutes,
        r#""m" | "f"=Float(1.0) @1699999980000000000"#,
    );
    check_with(
        "m f=1 472222",
        Precision::Hours,
        r#""m" | "f"=Float(1.0) @1699999200000000000"#,
    );
    // Precision applies to explicit timestamps only.
    check_with("m f=1", Precision::Seconds, r#""m" | "f"=Float(1.0) @42"#);
    check("m f=1 -0", r#""m" | "f"=Float(1.0) @0"#);
    check("m f=1 0000000000000000000", r#""m" | "f"=Float(1.0) @0"#);
}

#[test]
fn timestamp_range() {
    check(
        "m f=1 -9223372036854775806",
        r#""m" | "f"=Float(1.0) @-9223372036854775806"#,
    );
    check(
        "m f=1 9223372036854775806",
        r#""m" | "f"=Float(1.0) @9223372036854775806"#,
    );
    check(
        "m f=1 -9223372036854775807",
        "1:7 timestamp `-9223372036854775807` out of range",
    );
    check(
        "m f=1 9223372036854775807",
        "1:7 timestamp `9223372036854775807` out of range",
    );
    check(
        "m f=1 9223372036854775808",
        "1:7 timestamp `9223372036854775808` out of range",
    );
    check(
        "m f=1 -99999999999999999999",
        "1:7 timestamp `-99999999999999999999` out of range",
    );
    check_with(
        "m f=1 9223372037",
        Precision::Seconds,
        "1:7 timestamp `9223372037` out of range",
    );
    check_with(
        "m f=1 9223372036",
        Precision::Seconds,
        r#""m" | "f"=Float(1.0) @9223372036000000000"#,
    );
    check_with(
        "m f=1 -2562048",
        Precision::Hours,
        "1:7 timestamp `-2562048` out of range",
    );
}

#[test]
fn invalid_timestamps() {
    for value in [
        "1.5",
        "12a",
        "1e9",
        "+1",
        "-",
        "\"1466625759000000000\"",
        "0x1",
        "1i",
    ] {
        check(
            &format!("m f=1 {value}"),
            &format!(
                "1:7 invalid timestamp `{value}` (expected an integer in the request's precision)"
            ),
        );
    }
    check("m f=1 1 2", "1:9 unexpected `2` after the timestamp");
    check("m f=1 1  2 3", "1:10 unexpected `2 3` after the timestamp");
    check(
        "m f=1 12a 3",
        "1:7 invalid timestamp `12a` (expected an integer in the request's precision)",
    );
}

#[test]
fn every_bad_line_is_reported_with_its_position() {
    check(
        "m f=1 1\n\
         m f=x 2\n\
         # comment\n\
         \n\
         m,t= f=1\n\
         m f=1 3\n\
         \x20\x20m g=tru\r\n\
         m f=1 4",
        "2:5 invalid value `x` in field `f` (string values must be double-quoted)
         5:5 missing value for tag `t` (tag values cannot be empty; omit the tag instead)
         7:7 invalid boolean `tru` in field `g` (use t, T, true, True, TRUE, f, F, false, False or FALSE)",
    );
}

#[test]
fn the_error_list_is_capped_but_every_bad_line_counted() {
    let body = "m f=x\n".repeat(250);
    let errors = parse(&body, Precision::Nanoseconds, 0).unwrap_err();
    assert_eq!(errors.errors().len(), ParseErrors::MAX_LISTED);
    assert_eq!(errors.n_bad_lines(), 250);
    assert_eq!(errors.errors()[99].line_number, 100);
    let message = errors.to_string();
    assert_eq!(message.lines().count(), 101);
    assert!(message.ends_with("\nand 150 more lines that could not be parsed"));
}

#[test]
fn errors_display_as_influxdb_does() {
    let errors = parse("m f=1 1\nm f=x\nm,t=1\n", Precision::Nanoseconds, 0).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "unable to parse 'm f=x': invalid value `x` in field `f` (string values must be double-quoted)\n\
         unable to parse 'm,t=1': missing fields"
    );
    let error = &errors.errors()[1];
    assert_eq!(
        (error.line_number, error.column, error.line.as_str()),
        (3, 6, "m,t=1")
    );
}

#[test]
fn errors_quote_long_lines_and_values_shortened() {
    let value = "镇".repeat(150);
    let errors = parse(&format!("m f={value}"), Precision::Nanoseconds, 0).unwrap_err();
    let error = &errors.errors()[0];
    assert_eq!(error.line, format!("m f={}…", "镇".repeat(96)));
    let reason = error.reason.to_string();
    assert!(reason.starts_with(&format!(
        "invalid value `{}…` in field `f`",
        "镇".repeat(100)
    )));
}

#[test]
fn columns_count_bytes_from_the_start_of_the_line() {
    // Leading whitespace counts, and a multibyte character is several bytes.
    let errors = parse("  镇 f=x", Precision::Nanoseconds, 0).unwrap_err();
    let error = &errors.errors()[0];
    assert_eq!((error.column, error.line.as_str()), (9, "  镇 f=x"));
    // A string that spans lines counts its newlines as bytes of its line.
    let errors = parse("m s=\"a\nb\",f=x", Precision::Nanoseconds, 0).unwrap_err();
    assert_eq!(
        (errors.errors()[0].line_number, errors.errors()[0].column),
        (1, 13)
    );
}

#[test]
fn partial_parsing_keeps_the_good_lines() {
    let (points, errors) = parse_partial("m f=1 1\nm f=x 2\nm f=3 3", Precision::Nanoseconds, 0);
    assert_eq!(
        render_points(&points),
        "\"m\" | \"f\"=Float(1.0) @1\n\"m\" | \"f\"=Float(3.0) @3\n"
    );
    let errors = errors.unwrap();
    assert_eq!(
        (errors.n_bad_lines(), errors.errors()[0].line_number),
        (1, 2)
    );
    let (points, errors) = parse_partial("m f=1 1", Precision::Nanoseconds, 0);
    assert_eq!((points.len(), errors), (1, None));
}

#[test]
fn precision_names() {
    let v1 = [
        ("", Some(Precision::Nanoseconds)),
        ("n", Some(Precision::Nanoseconds)),
        ("ns", Some(Precision::Nanoseconds)),
        ("u", Some(Precision::Microseconds)),
        ("us", Some(Precision::Microseconds)),
        ("ms", Some(Precision::Milliseconds)),
        ("s", Some(Precision::Seconds)),
        ("m", Some(Precision::Minutes)),
        ("h", Some(Precision::Hours)),
        ("S", None),
        ("sec", None),
        ("µs", None),
        (" s", None),
    ];
    for (name, precision) in v1 {
        assert_eq!(Precision::from_v1(name), precision, "{name:?}");
    }
    let v2 = [
        ("", Some(Precision::Nanoseconds)),
        ("ns", Some(Precision::Nanoseconds)),
        ("us", Some(Precision::Microseconds)),
        ("ms", Some(Precision::Milliseconds)),
        ("s", Some(Precision::Seconds)),
        ("n", None),
        ("u", None),
        ("m", None),
        ("h", None),
        ("NS", None),
    ];
    for (name, precision) in v2 {
        assert_eq!(Precision::from_v2(name), precision, "{name:?}");
    }
}

/// Checks the line `format_point` writes, and that it parses back to the point.
fn check_format(point: &Point, expected: &str) {
    let line = format_point(point);
    assert_eq!(line, expected);
    let parsed = parse(&line, Precision::Nanoseconds, 0).unwrap();
    assert_eq!(parsed, vec![point.clone()], "{line}");
}

fn point(measurement: &str, tags: &[(&str, &str)], fields: Vec<(&str, FieldValue)>) -> Point {
    Point {
        measurement: measurement.to_owned(),
        tags: tags
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect(),
        fields: fields
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect(),
        time_ns: 7,
    }
}

#[test]
fn the_writer_escapes_what_must_be_escaped() {
    check_format(
        &point(
            "my meas,ure=ment",
            &[("k ,=", "v ,=")],
            vec![("f ,=", FieldValue::Float(1.5))],
        ),
        r"my\ meas\,ure=ment,k\ \,\==v\ \,\= f\ \,\==1.5 7",
    );
    check_format(
        &point(
            r"C:\data",
            &[(r"a\b", r"end\")],
            vec![(r"x\\", FieldValue::Boolean(true))],
        ),
        r"C:\data,a\b=end\\ x\\\\=true 7",
    );
    check_format(
        &point(
            r"m\,",
            &[(r"k\=", "v")],
            vec![("s", FieldValue::String("q\"b\\\nz".to_owned()))],
        ),
        "m\\\\\\,,k\\\\\\==v s=\"q\\\"b\\\\\nz\" 7",
    );
    check_format(
        &point(
            "m",
            &[],
            vec![
                ("i", FieldValue::Integer(i64::MIN)),
                ("u", FieldValue::UInteger(u64::MAX)),
                ("b", FieldValue::Boolean(false)),
            ],
        ),
        "m i=-9223372036854775808i,u=18446744073709551615u,b=false 7",
    );
}

#[test]
fn the_writer_prints_floats_short_and_exact() {
    let cases = [
        (0.0, "0"),
        (-0.0, "-0"),
        (1.0, "1"),
        (0.1, "0.1"),
        (-2.5, "-2.5"),
        (123_456.789, "123456.789"),
        (1e-5, "0.00001"),
        (9.9e-6, "9.9e-6"),
        (1e15, "1000000000000000"),
        (1e16, "1e16"),
        (1e300, "1e300"),
        (-1.234456e78, "-1.234456e78"),
        (f64::MAX, "1.7976931348623157e308"),
        (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
        (5e-324, "5e-324"),
    ];
    for (value, text) in cases {
        check_format(
            &point("m", &[], vec![("f", FieldValue::Float(value))]),
            &format!("m f={text} 7"),
        );
    }
}
