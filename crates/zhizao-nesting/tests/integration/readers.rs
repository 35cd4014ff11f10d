//! The ESICUP reader on real instances, and the problem JSON round trip.

use zhizao_nesting::model::{Mirror, Rotations};
use zhizao_nesting::read;

use crate::common::{esicup, piece, problem, rect};

#[test]
fn esicup_instances_read_with_their_old_orientation_field() {
    // (instance, piece types, copies, width, rotations of the first piece)
    let table: [(&str, usize, usize, f64, &[f64]); 5] = [
        ("albano", 8, 24, 4900.0, &[0.0, 180.0]),
        ("fu", 12, 12, 38.0038, &[0.0, 90.0, 180.0, 270.0]),
        ("jakobs1", 25, 25, 40.004, &[0.0, 90.0, 180.0, 270.0]),
        ("shapes0", 4, 43, 40.004, &[0.0]),
        ("trousers", 17, 64, 79.0, &[0.0, 180.0]),
    ];
    for (name, types, copies, width, rotations) in table {
        let problem = read::read_file(&esicup(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(problem.pieces.len(), types, "{name}");
        assert_eq!(problem.copies(), copies, "{name}");
        assert!(
            (problem.width - width).abs() < 1e-9,
            "{name}: width {}",
            problem.width
        );
        assert_eq!(
            problem.pieces[0].rotations,
            Rotations::Angles(rotations.to_vec()),
            "{name}"
        );
        assert_eq!(problem.pieces[0].mirror, Mirror::None);
    }
}

#[test]
fn the_new_orientation_field_and_shape_kinds_are_read() {
    let json = br#"{"name": "new", "strip_height": 10, "min_item_separation": 0.5, "items": [
        {"id": 1, "demand": 2, "orientation": {"rotation": {"mode": "stepped", "step": 90},
         "reflection_axes": [0]}, "shape": {"type": "rectangle",
         "data": {"x_min": 0, "y_min": 0, "width": 3, "height": 2}}},
        {"id": 2, "demand": 1, "orientation": {"rotation": {"mode": "continuous"}},
         "shape": {"type": "polygon", "data": {"outer": [[0,0],[4,0],[4,4],[0,4]],
         "inner": [[[1,1],[1,2],[2,2],[2,1]]]}}}]}"#;
    let problem = read::parse(json).unwrap();
    assert_eq!(problem.spacing, 0.5);
    assert_eq!(
        problem.pieces[0].rotations,
        Rotations::Stepped { step: 90.0 }
    );
    assert_eq!(problem.pieces[0].mirror, Mirror::Free);
    assert_eq!(problem.pieces[0].outline.len(), 4);
    assert!(matches!(problem.pieces[1].rotations, Rotations::Free(_)));
    assert_eq!(problem.pieces[1].holes.len(), 1);
}

#[test]
fn zhizao_problem_json_round_trips() {
    let mut original = problem(50.0, vec![piece("front", 2, &rect(10.0, 20.0))]);
    original.pieces[0].mirror = Mirror::Pairs;
    original.pieces[0].rotations = Rotations::Stepped { step: 180.0 };
    original.defects = vec![rect(2.0, 2.0)];
    let json = serde_json::to_vec(&original).unwrap();
    assert_eq!(read::parse(&json).unwrap(), original);
}

#[test]
fn the_readme_s_problem_example_reads() {
    let readme = include_str!("../../README.md");
    let start = readme.find("```json\n").expect("a JSON example") + "```json\n".len();
    let end = start + readme[start..].find("```").expect("its end");
    let problem = read::parse(&readme.as_bytes()[start..end]).unwrap();
    assert_eq!(problem.pieces.len(), 3);
    assert_eq!(
        problem.pieces[1].rotations,
        Rotations::Stepped { step: 90.0 }
    );
    assert!(matches!(problem.pieces[2].rotations, Rotations::Free(_)));
    assert_eq!(problem.pieces[2].mirror, Mirror::Free);
    assert_eq!(problem.defects.len(), 1);
}
