//! Reader tests: exact error messages for bad inputs, real files, and fuzzing (no panics).

use proptest::prelude::*;
use zhizao_schedule::{Error, Format, parse};

/// Parses `input` and compares the outcome, rendered as text, with `expected`.
fn check(format: Format, input: &str, expected: &str) {
    let outcome = match parse(input.as_bytes(), format, "test") {
        Ok(instance) => format!("ok: {}", instance.summary()),
        Err(error) => error.to_string(),
    };
    assert_eq!(outcome, expected, "input: {input:?}");
}

#[test]
fn fjs_errors_name_the_line_and_what_was_expected() {
    let cases = [
        (
            "",
            "line 1: expected a header line \"n_jobs n_machines\", found end of file",
        ),
        (
            "2 3\n1 1 1 5\n",
            "line 3: expected the line of job 2 (the header announces 2 jobs, the file has 1), found end of file",
        ),
        (
            "1 2\n1 1 3 5\n",
            "line 2: expected a machine number of operation 1 between 1 and 2, found \"3\"",
        ),
        (
            "1 2\n1 1 1\n",
            "line 2: expected a processing time of operation 1, found end of line",
        ),
        (
            "1 2\n1 1 1 5 9\n",
            "line 2: expected end of line after the 1 operations of job 1, found \"9\"",
        ),
        (
            "1 2 x\n1 1 1 5\n",
            "line 1: expected the average number of machines per operation (a number), found \"x\"",
        ),
        (
            "1 2\n1 1 1 -5\n",
            "line 2: expected a processing time of operation 1 (a non-negative integer), found \"-5\"",
        ),
        (
            "1 2\n1 1 1 5\n\n7\n",
            "line 4: expected end of file after the last job, found more data",
        ),
        (
            "1 2\n1 2 1 5 1 6\n",
            "line 2: operation 1 lists machine 1 twice",
        ),
        (
            "1 0\n",
            "line 1: expected the number of machines between 1 and 100000, found \"0\"",
        ),
        (
            "1 2\n1 0\n",
            "line 2: expected the number of machines of operation 1 between 1 and 2, found \"0\"",
        ),
        (
            "1\t2\t1.5\n\n2 1 1 5 2 1 4 2 3\n",
            "ok: 1 jobs, 2 operations, 2 machines",
        ),
    ];
    for (input, expected) in cases {
        check(Format::Fjs, input, expected);
    }
}

#[test]
fn jssp_errors_name_the_line_and_what_was_expected() {
    let cases = [
        (
            "2 2\n0 5 1 3\n",
            "line 3: expected the line of job 2 (the header announces 2 jobs), found end of file",
        ),
        (
            "2 2\n0 5 1 3\n1 2 0\n",
            "line 3: expected the processing time of operation 2, found end of line",
        ),
        (
            "1 2\n0 5 2 3\n",
            "line 2: expected the machine of operation 2 between 0 and 1, found \"2\"",
        ),
        (
            "1 2 3\n",
            "line 1: expected end of line after the header, found \"3\"",
        ),
        (
            "# comment\n2 2\n0 5 1 3\n1 2 0 4\n",
            "ok: 2 jobs, 4 operations, 2 machines",
        ),
    ];
    for (input, expected) in cases {
        check(Format::Jssp, input, expected);
    }
}

#[test]
fn json_errors_name_the_line_or_the_field() {
    let syntax = "{\n  \"format_version\": 1,\n  \"n_machines\": 2,\n  \"jobs\": [\n}\n";
    let error = parse(syntax.as_bytes(), Format::Json, "test").unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("line 5: invalid instance JSON"),
        "{error}"
    );
    let unknown = "{\"format_version\": 1, \"n_machines\": 2, \"jobs\": [], \"colour\": 1}";
    let error = parse(unknown.as_bytes(), Format::Json, "test").unwrap_err();
    assert!(
        error.to_string().contains("unknown field `colour`"),
        "{error}"
    );
    check(
        Format::Json,
        r#"{"format_version": 1, "n_machines": 2, "jobs": [{"operations": [{"alternatives": [{"machine": 5, "duration": 3}]}]}]}"#,
        "invalid instance: job 0 operation 0: machine 5 out of range (the instance has 2 machines)",
    );
    check(
        Format::Json,
        r#"{"format_version": 2, "n_machines": 2, "jobs": []}"#,
        "invalid instance: format_version 2 is not supported (this reader knows version 1)",
    );
    check(
        Format::Json,
        r#"{"format_version": 1, "n_machines": 1, "jobs": [{"operations": [{"family": 2, "alternatives": [{"machine": 0, "duration": 3}]}]}],
            "setup_times": [{"machine": 0, "times": [[0, 1], [1, 0]]}]}"#,
        "invalid instance: job 0 operation 0: family 2 not covered by a set-up matrix of 2 families",
    );
}

#[test]
fn benchmark_files_parse() {
    let mk01 = parse(include_bytes!("../data/mk01.fjs"), Format::Fjs, "mk01").unwrap();
    assert_eq!(mk01.summary(), "10 jobs, 55 operations, 6 machines");
    let ft06 = parse(include_bytes!("../data/ft06.txt"), Format::Jssp, "ft06").unwrap();
    assert_eq!(ft06.summary(), "6 jobs, 36 operations, 6 machines");
}

fn assert_well_behaved(bytes: &[u8], format: Format) {
    let n_lines = bytes.iter().filter(|&&byte| byte == b'\n').count() + 1;
    match parse(bytes, format, "fuzz") {
        Ok(_) | Err(Error::InvalidInstance(_)) => {}
        Err(Error::Parse { line, message }) => {
            assert!(
                (1..=n_lines).contains(&line),
                "line {line} of {n_lines}: {message}"
            );
            assert!(!message.is_empty());
        }
        Err(other) => panic!("unexpected error kind: {other}"),
    }
}

fn token_soup() -> impl Strategy<Value = Vec<u8>> {
    let token = prop::sample::select(vec![
        "0",
        "1",
        "2",
        "3",
        "5",
        "10",
        "-1",
        "x",
        "1.5",
        "99999999999999999999",
        "\n",
        "\n",
        " ",
        "\t",
        "#",
        "{",
        "}",
        "\"",
        "[",
        "]",
        ":",
        ",",
        "\r\n",
        "\u{00e9}",
    ]);
    prop::collection::vec(token, 0..80).prop_map(|tokens| tokens.join(" ").into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        for format in [Format::Fjs, Format::Jssp, Format::Json] {
            assert_well_behaved(&bytes, format);
        }
    }

    #[test]
    fn token_soup_never_panics(bytes in token_soup()) {
        for format in [Format::Fjs, Format::Jssp, Format::Json] {
            assert_well_behaved(&bytes, format);
        }
    }

    #[test]
    fn mutated_benchmark_file_errors_stay_in_range(index in 0usize..2000, byte in any::<u8>()) {
        let mut bytes = include_bytes!("../data/mk01.fjs").to_vec();
        let index = index % bytes.len();
        bytes[index] = byte;
        assert_well_behaved(&bytes, Format::Fjs);
        let mut bytes = include_bytes!("../data/ft06.txt").to_vec();
        let index = index % bytes.len();
        bytes[index] = byte;
        assert_well_behaved(&bytes, Format::Jssp);
    }
}
