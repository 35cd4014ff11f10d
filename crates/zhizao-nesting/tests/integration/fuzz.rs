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
