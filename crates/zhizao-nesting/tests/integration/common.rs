//! The one helper of this crate's tests: problems written as data, and the benchmark files.

use std::path::PathBuf;
use std::time::Duration;

use zhizao_nesting::model::{Mirror, Piece, Point, Problem, Rotations};
use zhizao_nesting::{Marker, NestOptions};

/// The ESICUP instances shipped with the benchmarks, if this checkout has them beside it.
pub(crate) fn esicup(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/esicup")
        .join(format!("{name}.json"))
}

/// A piece from its outline with the defaults a test does not care about.
pub(crate) fn piece(id: &str, demand: u32, outline: &[Point]) -> Piece {
    Piece {
        id: id.into(),
        name: None,
        size: None,
        owner: None,
        demand,
        outline: outline.to_vec(),
        holes: Vec::new(),
        rotations: Rotations::Angles(vec![0.0, 180.0]),
        mirror: Mirror::None,
    }
}

/// A `w × h` rectangle at the origin.
pub(crate) fn rect(w: f64, h: f64) -> Vec<Point> {
    vec![[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]]
}

/// An L-shaped piece (concave), `size` across.
pub(crate) fn ell(size: f64) -> Vec<Point> {
    let t = size / 3.0;
    vec![
        [0.0, 0.0],
        [size, 0.0],
        [size, t],
        [t, t],
        [t, size],
        [0.0, size],
    ]
}

pub(crate) fn problem(width: f64, pieces: Vec<Piece>) -> Problem {
    Problem {
        name: "test".into(),
        unit: Some("cm".into()),
        width,
        spacing: 0.0,
        defects: Vec::new(),
        pieces,
    }
}

/// A short deterministic search: a pass budget, a generous clock.
pub(crate) fn quick(seed: u64, threads: usize) -> NestOptions {
    NestOptions {
        time_limit: Duration::from_secs(120),
        iterations: Some(300),
        threads,
        seed,
        stop: None,
    }
}

/// Nests and insists the independent validator accepts the result.
pub(crate) fn nest_checked(problem: &Problem, options: &NestOptions) -> Marker {
    let marker = zhizao_nesting::nest(problem, options, &mut |_| {}).expect("nests");
    if let Err(error) = zhizao_nesting::check(problem, &marker) {
        panic!("the validator rejects the optimiser's marker: {error}");
    }
    marker
}

/// A DXF pattern file of the tests' data.
pub(crate) fn dxf(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/dxf")
        .join(name)
}
