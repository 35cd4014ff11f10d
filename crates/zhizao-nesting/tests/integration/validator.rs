//! The independent validator: a marker the optimiser made passes, and every kind of tampering
//! with it is caught and named.

use zhizao_nesting::model::Mirror;
use zhizao_nesting::{Marker, check};

use crate::common::{ell, nest_checked, piece, problem, quick, rect};

#[test]
fn tampered_markers_are_refused_with_the_reason() {
    let mut shirt = piece("front", 2, &ell(6.0));
    shirt.mirror = Mirror::Pairs;
    let mut problem = problem(14.0, vec![shirt, piece("pocket", 3, &rect(3.0, 2.0))]);
    problem.spacing = 0.2;
    let good = nest_checked(&problem, &quick(2, 1));
    let first = |marker: &mut Marker| marker.placements[0].clone();

    type Tamper = fn(&mut Marker);
    let cases: [(Tamper, &str); 8] = [
        (
            |m| {
                let other = m.placements[1].clone();
                m.placements[0].x = other.x;
                m.placements[0].y = other.y;
                m.placements[0].piece = other.piece;
                m.placements[0].mirrored = other.mirrored;
                m.placements[0].rotation = other.rotation;
            },
            "overlap",
        ),
        (|m| m.placements[0].y = -5.0, "leaves the fabric"),
        (|m| m.placements[0].y += 100.0, "leaves the fabric"),
        (|m| m.placements[0].rotation += 90.0, "does not allow"),
        (
            |m| {
                m.placements.pop();
            },
            "demand is",
        ),
        (
            |m| {
                let p = m
                    .placements
                    .iter_mut()
                    .find(|p| p.piece == "pocket")
                    .unwrap();
                p.mirrored = true;
            },
            "may not be mirrored",
        ),
        (
            |m| {
                for p in m.placements.iter_mut().filter(|p| p.piece == "front") {
                    p.mirrored = false;
                }
            },
            "half must be",
        ),
        (|m| m.placements[0].piece = "ghost".into(), "ghost"),
    ];
    for (index, (tamper, words)) in cases.into_iter().enumerate() {
        let mut marker = good.clone();
        let _ = first(&mut marker);
        tamper(&mut marker);
        let error = check(&problem, &marker)
            .expect_err(&format!("case {index} passes"))
            .to_string();
        assert!(
            error.contains(words),
            "case {index}: `{error}` lacks `{words}`"
        );
    }
}

#[test]
fn pieces_closer_than_the_spacing_are_caught() {
    let mut problem = problem(10.0, vec![piece("a", 2, &rect(2.0, 2.0))]);
    let marker = |gap: f64| -> Marker {
        let placements = [
            zhizao_nesting::Placement {
                piece: 0,
                mirrored: false,
                rotation: 0.0,
                x: 1.0,
                y: 1.0,
            },
            zhizao_nesting::Placement {
                piece: 0,
                mirrored: false,
                rotation: 0.0,
                x: 3.0 + gap,
                y: 1.0,
            },
        ];
        Marker::new(&problem_for_marker(), &placements, search())
    };
    problem.spacing = 0.5;
    assert!(check(&problem, &marker(0.6)).is_ok());
    let error = check(&problem, &marker(0.3)).unwrap_err().to_string();
    assert!(error.contains("closer than the spacing"), "{error}");
    problem.defects = vec![vec![[4.0, 0.0], [7.0, 0.0], [7.0, 4.0], [4.0, 4.0]]];
    let error = check(&problem, &marker(0.6)).unwrap_err().to_string();
    assert!(error.contains("defect zone 1"), "{error}");
}

fn problem_for_marker() -> zhizao_nesting::Problem {
    problem(10.0, vec![piece("a", 2, &rect(2.0, 2.0))])
}

fn search() -> zhizao_nesting::marker::SearchReport {
    zhizao_nesting::marker::SearchReport {
        seed: 0,
        threads: 1,
        iterations: 0,
        elapsed_ms: 0,
    }
}

#[test]
fn marker_files_of_another_format_or_version_are_refused() {
    let cases: [(&[u8], &str); 4] = [
        (b"[]", "`format`"),
        (br#"{"format": "other"}"#, "\"other\""),
        (
            br#"{"format": "zhizao-marker", "version": 9}"#,
            "version 1, not 9",
        ),
        (
            br#"{"format": "zhizao-marker", "version": 1, "problem": 3}"#,
            "problem",
        ),
    ];
    for (bytes, words) in cases {
        let error = Marker::parse(bytes).unwrap_err().to_string();
        assert!(error.contains(words), "`{error}` lacks `{words}`");
    }
}
