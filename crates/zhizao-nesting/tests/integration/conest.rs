//! Co-nesting: owners' pieces share one marker and split the fabric by the stated rule.

use zhizao_nesting::check;
use zhizao_nesting::conest::co_nest;

use crate::common::{ell, piece, problem, quick, rect};

#[test]
fn owners_share_a_marker_and_save_alike() {
    let owned = |id: &str, owner: &str, demand: u32, outline: &[[f64; 2]]| {
        let mut p = piece(id, demand, outline);
        p.owner = Some(owner.into());
        p
    };
    let problem = problem(
        12.0,
        vec![
            owned("a-body", "xiaolan-garments", 3, &rect(7.0, 5.0)),
            owned("b-ell", "nantou-apparel", 4, &ell(5.0)),
            owned("c-strip", "guzhen-lighting", 5, &rect(9.0, 1.5)),
        ],
    );
    let shared = co_nest(&problem, &quick(3, 1)).unwrap();
    check(&problem, &shared.marker).unwrap();
    assert_eq!(shared.shares.len(), 3);
    assert_eq!(shared.shares.iter().map(|s| s.copies).sum::<usize>(), 12);
    let charged: f64 = shared.shares.iter().map(|s| s.charged_length).sum();
    assert!((charged - shared.marker.length.min(shared.alone_total)).abs() < 1e-9);
    assert!(
        shared.saved_percent > 0.0,
        "sharing saves fabric: {}",
        shared.saved_percent
    );
    for share in &shared.shares {
        let percent = 100.0 * share.saved_length / share.alone_length;
        assert!((percent - shared.saved_percent).abs() < 1e-6, "{share:?}");
    }
}

#[test]
fn co_nesting_needs_owners() {
    let lone = problem(10.0, vec![piece("a", 2, &rect(2.0, 2.0))]);
    let error = co_nest(&lone, &quick(1, 1)).unwrap_err().to_string();
    assert!(
        error.contains("piece a") && error.contains("owner"),
        "{error}"
    );
    let mut one_owner = lone.clone();
    one_owner.pieces[0].owner = Some("x".into());
    let error = co_nest(&one_owner, &quick(1, 1)).unwrap_err().to_string();
    assert!(error.contains("at least two owners"), "{error}");
}
