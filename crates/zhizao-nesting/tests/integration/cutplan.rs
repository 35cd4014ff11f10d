//! Cut-order planning: every garment ordered is cut, lays respect the ply height and the table,
//! and the plan beats one marker per size without beating the lower bound.

use zhizao_core::Fen;
use zhizao_nesting::cutplan::{Costs, CutOrder, Quantity, SizePieces, plan};
use zhizao_nesting::{Error, check};

use crate::common::{ell, piece, quick, rect};

fn order(quantities: &[(&str, &str, u32)]) -> CutOrder {
    let garment = |scale: f64| {
        vec![
            piece("body", 2, &rect(6.0 * scale, 4.0 * scale)),
            piece("sleeve", 2, &ell(3.0 * scale)),
        ]
    };
    CutOrder {
        name: "tees".into(),
        unit: "cm".into(),
        width: 20.0,
        spacing: 0.0,
        max_plies: 8,
        table_length: 60.0,
        end_allowance: 0.5,
        max_garments_per_marker: 4,
        overcut_percent: 0,
        costs: Costs {
            fabric_per_metre: Fen::new(2_000),
            marker: Fen::new(500),
            spread: Fen::new(800),
        },
        sizes: vec![
            SizePieces {
                size: "S".into(),
                pieces: garment(0.9),
            },
            SizePieces {
                size: "M".into(),
                pieces: garment(1.0),
            },
            SizePieces {
                size: "L".into(),
                pieces: garment(1.1),
            },
        ],
        quantities: quantities
            .iter()
            .map(|(colour, size, quantity)| Quantity {
                colour: (*colour).into(),
                size: (*size).into(),
                quantity: *quantity,
            })
            .collect(),
    }
}

#[test]
fn a_plan_cuts_every_garment_within_the_room_s_limits() {
    let order = order(&[
        ("red", "S", 5),
        ("red", "M", 11),
        ("red", "L", 7),
        ("blue", "M", 9),
    ]);
    let options = quick(1, 1);
    let plan = plan(&order, &options).unwrap();
    for (colour, size, ordered, cut) in &plan.cut {
        assert_eq!(ordered, cut, "{colour} {size}");
    }
    for lay in &plan.lays {
        assert!(lay.plies >= 1 && lay.plies <= order.max_plies, "{lay:?}");
        assert!(lay.ply_length <= order.table_length, "{lay:?}");
    }
    for marker in &plan.markers {
        let problem_width = marker.marker.width;
        assert_eq!(problem_width, order.width);
    }
    // Fabric: no better than the bound, no worse than a marker per size.
    assert!(
        plan.fabric_length >= plan.lower_bound,
        "{} < {}",
        plan.fabric_length,
        plan.lower_bound
    );
    assert!(
        plan.fabric_length <= plan.one_marker_per_size,
        "{} > {}",
        plan.fabric_length,
        plan.one_marker_per_size
    );
    assert!(
        plan.cost.total <= plan.one_marker_per_size_cost.total,
        "{:?}",
        plan.cost
    );
    assert_eq!(
        plan.cost.total.get(),
        plan.cost.fabric.get() + plan.cost.markers.get() + plan.cost.spreads.get()
    );
    // Several garments share markers: fewer markers than lays of single garments would need.
    assert!(
        plan.markers
            .iter()
            .any(|m| m.ratio.iter().map(|(_, c)| c).sum::<u32>() > 1)
    );
}

#[test]
fn every_planned_marker_passes_the_validator() {
    let order = order(&[("red", "M", 3), ("red", "L", 2)]);
    let plan = plan(&order, &quick(2, 1)).unwrap();
    for planned in &plan.markers {
        let ratio: Vec<u32> = order
            .sizes
            .iter()
            .map(|s| {
                planned
                    .ratio
                    .iter()
                    .find(|(n, _)| *n == s.size)
                    .map_or(0, |(_, c)| *c)
            })
            .collect();
        let problem = zhizao_nesting::Problem {
            name: "check".into(),
            unit: Some("cm".into()),
            width: order.width,
            spacing: order.spacing,
            defects: Vec::new(),
            pieces: order
                .sizes
                .iter()
                .zip(&ratio)
                .filter(|(_, c)| **c > 0)
                .flat_map(|(size, count)| {
                    size.pieces.iter().map(move |p| zhizao_nesting::Piece {
                        id: format!("{}/{}", size.size, p.id),
                        size: Some(size.size.clone()),
                        demand: p.demand * count,
                        ..p.clone()
                    })
                })
                .collect(),
        };
        check(&problem, &planned.marker).unwrap_or_else(|e| panic!("{:?}: {e}", planned.ratio));
    }
}

#[test]
fn orders_no_room_can_cut_are_refused_with_the_reason() {
    let mut short_table = order(&[("red", "M", 3)]);
    short_table.table_length = 3.0;
    let mut unknown_size = order(&[("red", "XXL", 3)]);
    unknown_size.quantities[0].size = "XXL".into();
    let mut no_plies = order(&[("red", "M", 3)]);
    no_plies.max_plies = 0;
    let nothing = order(&[("red", "M", 0)]);
    let mut unit = order(&[("red", "M", 1)]);
    unit.unit = "furlong".into();
    let cases = [
        (short_table, "longer than the table"),
        (unknown_size, "XXL, which has no pattern"),
        (no_plies, "at least one ply"),
        (nothing, "nothing is ordered"),
        (unit, "furlong"),
    ];
    for (order, words) in cases {
        let error = plan(&order, &quick(1, 1)).unwrap_err();
        assert!(matches!(error, Error::InvalidProblem(_)), "{error}");
        assert!(
            error.to_string().contains(words),
            "`{error}` lacks `{words}`"
        );
    }
}
