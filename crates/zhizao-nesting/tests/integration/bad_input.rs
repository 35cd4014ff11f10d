//! Bad input: each case gets an error naming the piece (or the place) and the reason, and
//! nothing is nested.

use zhizao_nesting::model::{Mirror, Rotations};
use zhizao_nesting::{Error, read};

use crate::common::{piece, problem, quick, rect};

fn json_with(piece_json: &str) -> String {
    format!(r#"{{"name": "bad", "width": 10, "pieces": [{piece_json}]}}"#)
}

#[test]
fn bad_pieces_are_named_with_their_reason_and_nothing_is_nested() {
    // (piece JSON, words the error must hold)
    let table = [
        (
            r#"{"id": "bow", "demand": 1, "outline": [[0,0],[4,4],[4,0],[0,4]]}"#,
            &["bow", "self-intersecting"][..],
        ),
        (
            r#"{"id": "line", "demand": 1, "outline": [[0,0],[4,0]]}"#,
            &["line", "open polygon"],
        ),
        (
            r#"{"id": "flat", "demand": 1, "outline": [[0,0],[2,0],[4,0]]}"#,
            &["flat", "fold back"],
        ),
        (
            r#"{"id": "wide", "demand": 1, "outline": [[0,0],[3,0],[3,12],[0,12]], "rotations": [0, 180]}"#,
            &["wide", "wider than the fabric"],
        ),
        (
            r#"{"id": "none", "demand": 0, "outline": [[0,0],[1,0],[1,1]]}"#,
            &["none", "demand must be at least 1"],
        ),
        (
            r#"{"id": "odd", "demand": 3, "mirror": "pairs", "outline": [[0,0],[1,0],[1,1]]}"#,
            &["odd", "even demand"],
        ),
        (
            r#"{"id": "step", "demand": 1, "rotations": {"step": 70}, "outline": [[0,0],[1,0],[1,1]]}"#,
            &["step", "divide 360"],
        ),
        (
            r#"{"id": "neg", "demand": -2, "outline": [[0,0],[1,0],[1,1]]}"#,
            &["pieces[0].demand"],
        ),
        (
            r#"{"id": "nan", "demand": 1, "outline": [[0,0],[1,"x"],[1,1]]}"#,
            &["pieces[0].outline"],
        ),
    ];
    for (piece_json, words) in table {
        let error = read::parse(json_with(piece_json).as_bytes())
            .unwrap_err()
            .to_string();
        for word in words {
            assert!(
                error.contains(word),
                "{piece_json}: `{error}` lacks `{word}`"
            );
        }
    }
}

#[test]
fn a_piece_that_fits_only_when_turned_is_accepted_only_if_turning_is_allowed() {
    let tall = || piece("tall", 1, &rect(3.0, 12.0));
    let mut turned = problem(10.0, vec![tall()]);
    turned.pieces[0].rotations = Rotations::Stepped { step: 90.0 };
    assert!(turned.validate().is_ok());
    let mut free = problem(10.0, vec![tall()]);
    free.pieces[0].rotations = Rotations::Free(zhizao_nesting::model::FreeRotation::Free);
    assert!(free.validate().is_ok());
    let fixed = problem(10.0, vec![tall()]);
    let error = zhizao_nesting::nest(&fixed, &quick(1, 1), &mut |_| {}).unwrap_err();
    assert!(
        matches!(error, Error::InvalidPiece { ref piece, .. } if piece == "tall"),
        "{error}"
    );
}

#[test]
fn problem_level_mistakes_are_refused() {
    let ok = || piece("a", 1, &rect(1.0, 1.0));
    let mut cases = Vec::new();
    cases.push((problem(0.0, vec![ok()]), "width"));
    cases.push((problem(10.0, vec![]), "no pieces"));
    cases.push((problem(10.0, vec![ok(), ok()]), "used by another piece"));
    let mut spacing = problem(10.0, vec![ok()]);
    spacing.spacing = -1.0;
    cases.push((spacing, "spacing"));
    let mut defect = problem(10.0, vec![ok()]);
    defect.defects = vec![vec![[0.0, 0.0], [1.0, 1.0]]];
    cases.push((defect, "defect zone 1"));
    let mut pairs = problem(10.0, vec![ok()]);
    pairs.pieces[0].mirror = Mirror::Pairs;
    cases.push((pairs, "even demand"));
    for (problem, words) in cases {
        let error = zhizao_nesting::nest(&problem, &quick(1, 1), &mut |_| {}).unwrap_err();
        assert!(
            error.to_string().contains(words),
            "`{error}` lacks `{words}`"
        );
    }
}

#[test]
fn files_that_are_neither_format_say_so() {
    let error = read::parse(br#"{"name": "x"}"#).unwrap_err().to_string();
    assert!(error.contains("neither a Zhizao problem"), "{error}");
    let error = read::parse(b"{not json").unwrap_err().to_string();
    assert!(error.contains("line 1"), "{error}");
}
