//! The optimiser: valid markers on real and constructed problems, every model feature honoured,
//! and the same marker for the same seed and pass budget.

use zhizao_nesting::model::{FreeRotation, Mirror, Rotations};
use zhizao_nesting::{check, read};

use crate::common::{ell, esicup, nest_checked, piece, problem, quick, rect};

#[test]
fn a_seed_and_a_pass_budget_give_the_same_marker_with_one_thread_or_two() {
    let problem = read::read_file(&esicup("shapes0")).unwrap();
    for threads in [1, 2] {
        let first = nest_checked(&problem, &quick(7, threads));
        let second = nest_checked(&problem, &quick(7, threads));
        assert_eq!(first.placements, second.placements, "threads {threads}");
        assert_eq!(first.search.iterations, 300);
    }
}

#[test]
fn the_search_shortens_the_marker_it_starts_from() {
    let problem = read::read_file(&esicup("trousers")).unwrap();
    let mut lengths = Vec::new();
    let marker = zhizao_nesting::nest(&problem, &quick(3, 1), &mut |p| {
        // Every layout reported on the way is a valid marker of its length.
        let evaluation = check(&problem, &p.marker).unwrap();
        assert!(
            evaluation.length <= p.length * 1.001,
            "{} > {}",
            evaluation.length,
            p.length
        );
        lengths.push(p.length)
    })
    .unwrap();
    check(&problem, &marker).unwrap();
    assert!(lengths.len() > 2, "{lengths:?}");
    assert!(
        lengths.windows(2).all(|w| w[1] < w[0]),
        "not shrinking: {lengths:?}"
    );
    // The trousers' pieces cover 79 × 214.5 at 100 %; a marker at 80 % is 268 long.
    assert!(marker.length < 268.0, "length {}", marker.length);
    assert!(marker.density > 0.8, "density {}", marker.density);
}

#[test]
fn a_stop_from_outside_ends_the_search_with_the_best_marker_so_far() {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    let problem = read::read_file(&esicup("shapes0")).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let options = zhizao_nesting::NestOptions {
        time_limit: std::time::Duration::from_secs(600),
        iterations: None,
        stop: Some(Arc::clone(&stop)),
        ..quick(1, 1)
    };
    let mut best = f64::INFINITY;
    let started = std::time::Instant::now();
    let marker = zhizao_nesting::nest(&problem, &options, &mut |p| {
        best = p.length;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    })
    .unwrap();
    assert!(started.elapsed().as_secs() < 300, "not stopped");
    check(&problem, &marker).unwrap();
    assert!(marker.length <= best + 1e-6, "{} vs {best}", marker.length);
}

#[test]
fn mirrored_pairs_spacing_and_defects_are_honoured() {
    let mut sleeve = piece("sleeve", 4, &ell(6.0));
    sleeve.mirror = Mirror::Pairs;
    let mut problem = problem(20.0, vec![sleeve, piece("cuff", 6, &rect(4.0, 2.0))]);
    problem.spacing = 0.5;
    problem.defects = vec![vec![[3.0, 8.0], [6.0, 8.0], [6.0, 12.0], [3.0, 12.0]]];
    let marker = nest_checked(&problem, &quick(5, 1));
    let mirrored = marker.placements.iter().filter(|p| p.mirrored).count();
    assert_eq!(mirrored, 2, "half the sleeves are the other hand");
}

#[test]
fn free_rotation_and_free_mirroring_stay_valid() {
    let mut triangle = piece("gusset", 5, &[[0.0, 0.0], [5.0, 0.0], [1.0, 4.0]]);
    triangle.rotations = Rotations::Free(FreeRotation::Free);
    triangle.mirror = Mirror::Free;
    let mut holed = piece("collar", 2, &rect(6.0, 6.0));
    holed.holes = vec![
        rect(2.0, 2.0)
            .into_iter()
            .map(|[x, y]| [x + 2.0, y + 2.0])
            .collect(),
    ];
    let problem = problem(12.0, vec![triangle, holed]);
    let marker = nest_checked(&problem, &quick(9, 2));
    assert_eq!(marker.placements.len(), 7);
}

#[test]
fn defects_beyond_or_across_the_strip_are_kept_away_from() {
    // One defect across the selvedge, one far down the roll beyond any marker, one spanning
    // the width in the middle of where pieces go.
    let mut problem = problem(10.0, vec![piece("panel", 6, &rect(3.0, 3.0))]);
    problem.defects = vec![
        vec![[2.0, -1.0], [4.0, -1.0], [4.0, 2.0], [2.0, 2.0]],
        vec![[500.0, 2.0], [501.0, 2.0], [501.0, 3.0]],
        vec![[7.0, 0.0], [7.5, 0.0], [7.5, 10.0], [7.0, 10.0]],
    ];
    nest_checked(&problem, &quick(6, 1));
}
