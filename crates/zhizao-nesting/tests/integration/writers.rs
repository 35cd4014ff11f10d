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
