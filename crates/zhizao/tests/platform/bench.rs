//! The factory benchmark runs end to end on a small book: both plans pass the validator and
//! every figure is printed (the figures themselves are the benchmark's to report, not a test's).

use crate::support::run;

#[test]
fn the_factory_benchmark_plans_a_small_book_and_prints_its_figures() {
    let directory = tempfile::tempdir().unwrap();
    let instance = directory.path().join("factory.json");
    let output = run(
        directory.path(),
        &[
            "bench",
            "factory",
            "--orders",
            "12",
            "--seconds",
            "0.3",
            "--quotes",
            "2",
            "--write-instance",
            instance.to_str().unwrap(),
        ],
    );
    for line in [
        "instance: 12 orders",
        "ATCS (k1",
        "zhizao (0.3 s, 1 thread)",
        "instant quote against the plan",
    ] {
        assert!(output.contains(line), "{line}: {output}");
    }
    // The written instance is one the scheduling engine reads back.
    let written = zhizao_schedule::read_file(&instance, None).unwrap();
    assert!(written.n_operations() > 12);
}
