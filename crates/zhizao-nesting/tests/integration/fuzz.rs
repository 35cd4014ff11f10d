//! Arbitrary bytes and arbitrary polygons never panic the readers or the model's checks.

use proptest::prelude::*;
use zhizao_nesting::model::check_polygon;
use zhizao_nesting::{Marker, read};

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn problem_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = read::parse(&bytes);
    }

    #[test]
    fn problem_reader_never_panics_on_near_json(
        width in prop_oneof![Just(f64::NAN), Just(-1.0), Just(0.0), Just(1e308), -10.0..100.0f64],
        demand in prop_oneof![Just(0i64), Just(-1), Just(1), Just(u32::MAX as i64 + 1), 0..5i64],
        points in proptest::collection::vec((-1e6..1e6f64, -1e6..1e6f64), 0..9),
    ) {
        let outline: Vec<String> = points.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
        let json = format!(
            r#"{{"name": "f", "width": {width}, "pieces": [{{"id": "p", "demand": {demand}, "outline": [{}]}}]}}"#,
            outline.join(",")
        );
        let _ = read::parse(json.as_bytes());
    }

    #[test]
    fn marker_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Marker::parse(&bytes);
    }

    #[test]
    fn polygon_check_never_panics(points in proptest::collection::vec(
        (prop_oneof![Just(f64::INFINITY), Just(0.0), -50.0..50.0f64],
         prop_oneof![Just(f64::NAN), Just(0.0), -50.0..50.0f64]), 0..12)) {
        let points: Vec<[f64; 2]> = points.into_iter().map(|(x, y)| [x, y]).collect();
        let _ = check_polygon(&points);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn dxf_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = zhizao_nesting::dxf::parse(&bytes);
    }

    #[test]
    fn dxf_reader_never_panics_on_cut_real_files(cut in 0usize..83_404, flip in any::<u8>()) {
        let mut bytes = std::fs::read(crate::common::dxf("simple-sizes-26-36.DXF")).unwrap();
        bytes.truncate(cut);
        if let Some(last) = bytes.last_mut() {
            *last ^= flip;
        }
        let _ = zhizao_nesting::dxf::parse(&bytes);
    }
}

/// A small random piece: a triangle, a rectangle or an L, at a random scale.
fn random_piece(
    index: usize,
    kind: u8,
    scale: f64,
    demand: u32,
    turn: u8,
    mirror: u8,
) -> zhizao_nesting::Piece {
    use zhizao_nesting::model::{FreeRotation, Mirror, Rotations};
    let outline = match kind % 3 {
        0 => vec![[0.0, 0.0], [scale, 0.0], [0.2 * scale, 0.8 * scale]],
        1 => vec![
            [0.0, 0.0],
            [scale, 0.0],
            [scale, 0.4 * scale],
            [0.0, 0.4 * scale],
        ],
        _ => crate::common::ell(scale),
    };
    let mut piece = crate::common::piece(&format!("p{index}"), demand, &outline);
    piece.rotations = match turn % 4 {
        0 => Rotations::Angles(vec![0.0]),
        1 => Rotations::Angles(vec![0.0, 180.0]),
        2 => Rotations::Stepped { step: 90.0 },
        _ => Rotations::Free(FreeRotation::Free),
    };
    piece.mirror = match mirror % 3 {
        0 => Mirror::None,
        1 => {
            piece.demand = demand * 2;
            Mirror::Pairs
        }
        _ => Mirror::Free,
    };
    piece
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever valid problem it is given, the optimiser returns a marker the validator accepts
    /// (or refuses the problem with a reason): never a panic, never an invalid marker.
    #[test]
    fn random_problems_nest_into_valid_markers(
        pieces in proptest::collection::vec((any::<u8>(), 1.0..6.0f64, 1..4u32, any::<u8>(), any::<u8>()), 1..5),
        width in 4.0..20.0f64,
        spacing in prop_oneof![Just(0.0), 0.0..0.5f64],
        defect in proptest::option::of((0.0..10.0f64, -1.0..15.0f64)),
        seed in any::<u64>(),
    ) {
        let pieces = pieces
            .into_iter()
            .enumerate()
            .map(|(i, (kind, scale, demand, turn, mirror))| random_piece(i, kind, scale, demand, turn, mirror))
            .collect();
        let mut problem = crate::common::problem(width, pieces);
        problem.spacing = spacing;
        if let Some((x, y)) = defect {
            problem.defects = vec![vec![[x, y], [x + 1.0, y], [x + 1.0, y + 1.5], [x, y + 1.5]]];
        }
        let options = zhizao_nesting::NestOptions {
            iterations: Some(40),
            seed,
            ..crate::common::quick(seed, 1)
        };
        match zhizao_nesting::nest(&problem, &options, &mut |_| {}) {
            Ok(marker) => {
                if let Err(error) = zhizao_nesting::check(&problem, &marker) {
                    panic!("invalid marker for {problem:?}: {error}");
                }
            }
            Err(zhizao_nesting::Error::InvalidPiece { .. } | zhizao_nesting::Error::InvalidProblem(_)) => {}
            Err(error) => panic!("unexpected error for {problem:?}: {error}"),
        }
    }
}

/// The problem the fuzz test once found nested 0.4712 apart for a spacing of 0.4714 (the
/// engine's round joins cut inside the offset; seed 24 did it again before the fix): every seed
/// now keeps the spacing.
#[test]
fn the_spacing_found_short_by_the_fuzz_test_is_kept_whatever_the_seed() {
    use zhizao_nesting::model::{FreeRotation, Mirror, Rotations};
    let mut ell = crate::common::piece("p0", 3, &crate::common::ell(2.268504729148244));
    ell.rotations = Rotations::Free(FreeRotation::Free);
    let triangle = |id: &str, scale: f64, demand: u32| {
        crate::common::piece(
            id,
            demand,
            &[[0.0, 0.0], [scale, 0.0], [0.2 * scale, 0.8 * scale]],
        )
    };
    let mut free = triangle("p1", 1.4152727905345552, 2);
    free.rotations = Rotations::Free(FreeRotation::Free);
    free.mirror = Mirror::Free;
    let mut pairs = triangle("p2", 1.5180542837715147, 6);
    pairs.rotations = Rotations::Angles(vec![0.0]);
    pairs.mirror = Mirror::Pairs;
    let mut problem = crate::common::problem(4.551830426694819, vec![ell, free, pairs]);
    problem.spacing = 0.4713790014629443;
    let (x, y) = (1.0405463536172497, 11.734286082603825);
    problem.defects = vec![vec![[x, y], [x + 1.0, y], [x + 1.0, y + 1.5], [x, y + 1.5]]];
    for seed in 0..40 {
        let options = zhizao_nesting::NestOptions {
            iterations: Some(40),
            seed,
            ..crate::common::quick(seed, 1)
        };
        let marker = zhizao_nesting::nest(&problem, &options, &mut |_| {}).unwrap();
        if let Err(error) = zhizao_nesting::check(&problem, &marker) {
            panic!("seed {seed}: {error}");
        }
    }
}
