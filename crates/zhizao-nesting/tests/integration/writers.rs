//! The SVG and HPGL writers draw every copy (and its holes) where the marker puts it.

use zhizao_nesting::write::{hpgl, svg};

use crate::common::{nest_checked, piece, problem, quick, rect};

#[test]
fn svg_and_hpgl_draw_every_copy_and_hole() {
    let mut collar = piece("collar", 2, &rect(4.0, 4.0));
    collar.holes = vec![vec![[1.0, 1.0], [2.0, 1.0], [2.0, 2.0], [1.0, 2.0]]];
    collar.name = Some("COLLAR <A&B>".into());
    let problem = problem(10.0, vec![collar, piece("tab", 3, &rect(1.0, 2.0))]);
    let marker = nest_checked(&problem, &quick(4, 1));

    let drawing = svg(&problem, &marker).unwrap();
    assert!(drawing.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_eq!(drawing.matches("class=\"piece\"").count(), 5);
    // The collars' paths each hold two rings: the outline and the hole.
    let collar_paths: Vec<&str> = drawing
        .lines()
        .filter(|l| l.contains("data-piece=\"collar\""))
        .collect();
    assert!(
        collar_paths.iter().all(|l| l.matches('M').count() == 2),
        "{collar_paths:?}"
    );
    assert!(drawing.contains("COLLAR &lt;A&amp;B&gt;"));

    let plot = hpgl(&problem, &marker).unwrap();
    assert!(plot.starts_with("IN;SP1;"));
    assert_eq!(plot.matches("PD").count(), 5 + 2, "outlines plus holes");
    // Centimetres: 400 plotter units each; every coordinate lies on the marker.
    let limit = (marker.length * 400.0).ceil() as i64 + 1;
    for pair in plot.split([';', 'U', 'D']).filter(|s| s.contains(',')) {
        let pair = pair.trim_start_matches('P');
        for (i, value) in pair.split(',').enumerate() {
            let value: i64 = value.trim().parse().unwrap_or_else(|_| panic!("{pair}"));
            let high = if i % 2 == 0 { limit } else { 4001 };
            assert!(
                (-1..=high).contains(&value),
                "{value} outside the marker in {pair}"
            );
        }
    }
}

#[test]
fn labels_of_narrow_pieces_run_along_them_and_stay_inside() {
    // A waistband standing across the fabric: 0.5 along, 8 across.
    let mut band = piece("band", 1, &rect(0.5, 8.0));
    band.name = Some("WAISTBAND".into());
    let problem = problem(10.0, vec![band, piece("front", 1, &rect(6.0, 6.0))]);
    let marker = nest_checked(&problem, &quick(2, 1));
    let drawing = svg(&problem, &marker).unwrap();
    let label = drawing
        .lines()
        .find(|l| l.contains(">WAISTBAND<"))
        .unwrap_or_else(|| panic!("{drawing}"));
    assert!(label.contains("rotate(-90 "), "{label}");
    let size: f64 = label
        .split("font-size=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(size <= 0.5 * 0.8 + 1e-9, "{label}");
    // The square's label is not turned.
    let front = drawing.lines().find(|l| l.contains(">front<")).unwrap();
    assert!(!front.contains("rotate"), "{front}");
}
