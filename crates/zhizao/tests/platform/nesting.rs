//! Marker making from the command line as a cutting room runs it: `zhizao nest` on a DXF
//! pattern writes a marker, SVG and HPGL; `zhizao check-marker` accepts it and refuses a tampered
//! one; the nesting and cut-plan benchmarks run end to end on small sets.

use std::path::PathBuf;

use crate::support::{run, zhizao};

fn test_data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../zhizao-nesting/tests/data")
        .join(path)
}

#[test]
fn a_dxf_pattern_is_nested_written_and_checked() {
    let directory = tempfile::tempdir().unwrap();
    let pattern = test_data("dxf/simple-sizes-26-36.DXF");
    let (marker, svg, plt) = (
        directory.path().join("marker.json"),
        directory.path().join("marker.svg"),
        directory.path().join("marker.plt"),
    );
    let path = |p: &PathBuf| p.to_str().unwrap().to_owned();
    let output = run(
        directory.path(),
        &[
            "nest",
            &path(&pattern),
            "--width",
            "58",
            "--spacing",
            "0.1",
            "--time-limit",
            "60",
            "--iterations",
            "200",
            "--out",
            &path(&marker),
            "--svg",
            &path(&svg),
            "--plt",
            &path(&plt),
        ],
    );
    assert!(output.starts_with("length "), "{output}");
    assert!(
        std::fs::read_to_string(&svg)
            .unwrap()
            .contains("class=\"piece\"")
    );
    assert!(
        std::fs::read_to_string(&plt)
            .unwrap()
            .starts_with("IN;SP1;")
    );
    let checked = run(
        directory.path(),
        &[
            "check-marker",
            &path(&pattern),
            &path(&marker),
            "--spacing",
            "0.1",
        ],
    );
    assert!(checked.starts_with("valid: 8 copies"), "{checked}");

    // Two copies on top of each other: refused, with the reason, and a failing exit.
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&marker).unwrap()).unwrap();
    let first = json["placements"][0].clone();
    json["placements"][1]["x"] = first["x"].clone();
    json["placements"][1]["y"] = first["y"].clone();
    json["placements"][1]["piece"] = first["piece"].clone();
    json["placements"][1]["rotation"] = first["rotation"].clone();
    json["placements"][1]["mirrored"] = first["mirrored"].clone();
    std::fs::write(&marker, json.to_string()).unwrap();
    let refused = zhizao(directory.path())
        .args([
            "check-marker",
            &path(&pattern),
            &path(&marker),
            "--spacing",
            "0.1",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("overlap"), "{stderr}");

    // A DXF without a width is told what to give.
    let missing = zhizao(directory.path())
        .args(["nest", &path(&pattern), "--time-limit", "1"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--width"));
}

#[test]
fn the_nesting_benchmarks_run_end_to_end() {
    let directory = tempfile::tempdir().unwrap();
    let set = test_data("esicup");
    let output = run(
        directory.path(),
        &[
            "bench",
            "nesting",
            "--set",
            set.to_str().unwrap(),
            "--time-limit",
            "0.5",
            "--only",
            "fu,jakobs1",
        ],
    );
    assert!(output.contains("\nfu "), "{output}");
    assert!(output.contains("\njakobs1 "), "{output}");
    // No records table beside the test copies: the gap is not made up.
    assert!(
        output.contains("mean density gap: - (no records"),
        "{output}"
    );

    let output = run(
        directory.path(),
        &[
            "bench",
            "cut-plan",
            "--set",
            set.to_str().unwrap(),
            "--time-limit",
            "0.2",
        ],
    );
    for order in ["\nshirts ", "\ntrousers "] {
        assert!(output.contains(order), "{order}: {output}");
    }
}

#[test]
fn a_cut_order_is_planned_into_markers_and_lays() {
    let directory = tempfile::tempdir().unwrap();
    let order = test_data("cut-order-tees.json");
    let plan = directory.path().join("plan.json");
    let output = run(
        directory.path(),
        &[
            "cut-plan",
            order.to_str().unwrap(),
            "--time-limit",
            "60",
            "--iterations",
            "100",
            "--out",
            plan.to_str().unwrap(),
        ],
    );
    assert!(
        output.contains("fabric ") && output.contains("one marker per size"),
        "{output}"
    );
    let plan: serde_json::Value = serde_json::from_slice(&std::fs::read(plan).unwrap()).unwrap();
    // Every garment ordered is cut, exactly.
    for row in plan["cut"].as_array().unwrap() {
        assert_eq!(row[2], row[3], "{row}");
    }
    let plies: u64 = plan["lays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["plies"].as_u64().unwrap())
        .sum();
    assert!(plies >= 1);
    assert!(
        plan["lays"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["plies"].as_u64().unwrap() <= 40)
    );
}
