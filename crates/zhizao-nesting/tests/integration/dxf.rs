//! The AAMA / ASTM DXF reader on real pattern exports, and its errors on broken ones.

use zhizao_nesting::dxf::parse;
use zhizao_nesting::model::{Mirror, area};

use crate::common::{dxf, nest_checked, quick};

#[test]
fn real_pattern_exports_read_into_pieces() {
    // (file, pieces, unit, a piece id, its size, its demand, its mirroring)
    let table = [
        (
            "simple-sizes-26-36.DXF",
            8,
            Some("in"),
            "C-S1615WWO206-NB_36",
            "36",
            1,
            Mirror::None,
        ),
        (
            "GLX4802S19_ASTM-size-36.DXF",
            3,
            Some("mm"),
            "GLX4802SLS_36",
            "36",
            2,
            Mirror::Pairs,
        ),
        (
            "clo2-pattern.dxf",
            9,
            Some("mm"),
            "11_M",
            "M",
            1,
            Mirror::None,
        ),
    ];
    for (file, count, unit, id, size, demand, mirror) in table {
        let pattern =
            parse(&std::fs::read(dxf(file)).unwrap()).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(pattern.pieces.len(), count, "{file}");
        assert_eq!(pattern.unit.as_deref(), unit, "{file}");
        let piece = pattern
            .pieces
            .iter()
            .find(|p| p.id == id)
            .unwrap_or_else(|| panic!("{file}: {id}"));
        assert_eq!(piece.size.as_deref(), Some(size), "{file}");
        assert_eq!(
            (piece.demand, piece.mirror),
            (demand, mirror),
            "{file} {id}"
        );
        for piece in &pattern.pieces {
            assert!(area(&piece.outline).abs() > 0.0, "{file} {}", piece.id);
        }
    }
}

#[test]
fn pieces_cut_on_the_fold_are_unfolded_to_twice_their_half() {
    let bytes = std::fs::read(dxf("mirrored-size-50.DXF")).unwrap();
    let pattern = parse(&bytes).unwrap();
    let back = pattern
        .pieces
        .iter()
        .find(|p| p.id == "GMG1016S19-BK_50")
        .expect("the back");
    // The half drawn in the file spans y 344.55..620.44 from the fold at y = 344.55.
    let (low, high) = back
        .outline
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), [_, y]| {
            (l.min(*y), h.max(*y))
        });
    assert!(
        (high - low - 2.0 * (620.4382 - 344.5536)).abs() < 0.01,
        "{low}..{high}"
    );
    assert_eq!(back.demand, 1, "`Quantity: 0` on the fold is one piece");
    // Reference pieces (quantity 0, not on a fold) are left out, and said so.
    assert!(
        pattern
            .skipped
            .iter()
            .any(|(id, why)| id == "GMG1016S19-SS_50" && why.contains("quantity 0"))
    );
}

#[test]
fn a_dxf_pattern_nests_on_a_fabric() {
    let pattern = parse(&std::fs::read(dxf("simple-sizes-26-36.DXF")).unwrap()).unwrap();
    let problem = pattern.problem("simple", 60.0, 0.1).unwrap();
    let marker = nest_checked(&problem, &quick(1, 1));
    assert_eq!(marker.placements.len(), problem.copies());
}

#[test]
fn broken_pattern_files_name_the_block_and_line() {
    let block = |body: &str| {
        format!(
            "0\nSECTION\n2\nBLOCKS\n0\nBLOCK\n8\n0\n2\nFRONT_M\n{body}0\nENDBLK\n0\nENDSEC\n0\nEOF\n"
        )
    };
    let polyline = |points: &[(f64, f64)]| {
        let mut text = String::from("0\nPOLYLINE\n8\n1\n66\n1\n70\n0\n");
        for (x, y) in points {
            text.push_str(&format!("0\nVERTEX\n8\n1\n10\n{x}\n20\n{y}\n"));
        }
        text + "0\nSEQEND\n8\n1\n"
    };
    let square = polyline(&[
        (0.0, 0.0),
        (10.0, 0.0),
        (10.0, 10.0),
        (0.0, 10.0),
        (0.0, 0.0),
    ]);
    let cases = [
        (
            block(&polyline(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)])),
            &["block FRONT_M", "line 11", "open boundary"][..],
        ),
        (
            block("0\nTEXT\n8\n1\n1\nPiece Name: FRONT\n"),
            &["no piece boundaries"],
        ),
        (
            block(&format!("{square}0\nTEXT\n8\n1\n1\nQuantity: 0\n")),
            &["every piece has quantity 0"],
        ),
        (
            block(&format!("{square}0\nTEXT\n8\n1\n1\nQuantity: 2,1\n")),
            &["FRONT_M", "pairs need"],
        ),
        (
            block("0\nPOLYLINE\n8\n1\n0\nVERTEX\n8\n1\n10\nten\n20\n1\n"),
            &["block FRONT_M", "must be a number"],
        ),
        (
            block(&polyline(&[
                (0.0, 0.0),
                (10.0, 10.0),
                (10.0, 0.0),
                (0.0, 10.0),
                (0.0, 0.0),
            ])),
            &["FRONT_M", "self-intersecting"],
        ),
        ("0\nSECTION\nx\n".to_owned(), &["line 3", "group code"]),
        (
            "0\nSECTION\n2\nBLOCKS\n0\nBLOCK\n2\nX\n".to_owned(),
            &["no ENDBLK"],
        ),
    ];
    for (text, words) in cases {
        let error = parse(text.as_bytes()).expect_err(&text).to_string();
        for word in words {
            assert!(error.contains(word), "`{error}` lacks `{word}`");
        }
    }
}
