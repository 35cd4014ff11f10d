//! Marker making at the cutting centre on every backend: patterns uploaded and checked whole,
//! markers and cut plans searched in the background with their best result kept, stopped early,
//! and found interrupted after a crash; only the factory's own staff upload and run, the city
//! reads, anyone else finds nothing.

use std::sync::Arc;

use zhizao_core::{Classified, ErrorKind, Fen};
use zhizao_db::testing::test_databases;
use zhizao_factory::Factories;
use zhizao_factory::markers::{
    CutInput, MarkerFormat, PatternInput, RotationRule, RunInput, RunKind, RunResult, RunStatus,
};
use zhizao_identity::testing;
use zhizao_nesting::cutplan::Quantity;

const DXF: &[u8] = include_bytes!("../../zhizao-nesting/tests/data/dxf/simple-sizes-26-36.DXF");

/// A tee in two sizes, in centimetres: a body and two sleeves each.
fn tee_json() -> Vec<u8> {
    let piece = |id: &str, size: &str, w: f64, h: f64, demand: u32| {
        serde_json::json!({"id": format!("{size}-{id}"), "size": size, "demand": demand,
            "outline": [[0, 0], [w, 0], [w, h], [0, h]], "rotations": [0, 180]})
    };
    serde_json::json!({
        "name": "tee", "unit": "cm", "width": 150, "spacing": 0.2,
        "pieces": [piece("body", "S", 50.0, 70.0, 2), piece("sleeve", "S", 22.0, 20.0, 2),
                   piece("body", "M", 54.0, 72.0, 2), piece("sleeve", "M", 24.0, 21.0, 2)]
    })
    .to_string()
    .into_bytes()
}

fn upload(name: &str, file: Option<(&str, Vec<u8>)>, width_cm: Option<f64>) -> PatternInput {
    PatternInput {
        name: name.into(),
        order: None,
        file: file.map(|(n, b)| (n.to_owned(), b)),
        unit: None,
        width_cm,
        spacing_mm: Some(2.0),
        rotations: RotationRule::AsFile,
    }
}

fn marker(time_limit_s: u32) -> RunInput {
    RunInput {
        kind: RunKind::Marker,
        time_limit_s,
        threads: 1,
        seed: 3,
        cut: None,
    }
}

#[tokio::test]
async fn patterns_are_nested_in_the_background_by_their_factory_and_read_by_the_city() {
    for test in test_databases().await {
        let clock = testing::fixed_clock();
        let identity = testing::identity(&test.db, &clock);
        let factories = Factories::new(
            test.db.clone(),
            Arc::<zhizao_core::FixedClock>::clone(&clock),
        )
        .with_nesting_budget(40);
        let mut transaction = test.db.begin().await.unwrap();
        testing::create_organizations(
            &mut transaction,
            &[
                testing::ORGANIZATIONS[0],
                testing::ORGANIZATIONS[3],
                testing::ORGANIZATIONS[4],
            ],
        )
        .await;
        testing::create_users(
            &mut transaction,
            &testing::users(&["admin", "polisher", "expert"]),
        )
        .await;
        transaction.commit().await.unwrap();
        let staff = testing::sign_in(&identity, "polisher").await;
        let city = testing::sign_in(&identity, "admin").await;
        let outsider = testing::sign_in(&identity, "expert").await;

        // Bad input is named and changes nothing.
        let cases: Vec<(PatternInput, &str)> = vec![
            (
                upload("", Some(("a.dxf", DXF.to_vec())), Some(150.0)),
                "name",
            ),
            (upload("裤子", None, Some(150.0)), "file"),
            (
                upload("裤子", Some(("a.dxf", DXF.to_vec())), None),
                "width_cm",
            ),
            (
                upload(
                    "裤子",
                    Some(("a.dxf", b"0\nSECTION\n".to_vec())),
                    Some(150.0),
                ),
                "file",
            ),
            (
                upload(
                    "裤子",
                    Some(("a.json", b"{\"pieces\": 3}".to_vec())),
                    Some(150.0),
                ),
                "file",
            ),
            (
                upload("裤子", Some(("a.dxf", DXF.to_vec())), Some(-3.0)),
                "width_cm",
            ),
            // A fabric narrower than the pieces in every rotation.
            (
                upload("裤子", Some(("a.dxf", DXF.to_vec())), Some(5.0)),
                "file",
            ),
        ];
        for (input, field) in cases {
            let error = factories
                .add_pattern(&staff, "polish", input)
                .await
                .unwrap_err();
            assert_eq!(error.field_errors()[0].field, field, "{error}");
        }
        assert!(
            factories
                .patterns(&staff, "polish")
                .await
                .unwrap()
                .is_empty()
        );
        // The city reads but does not upload; anyone else finds no factory.
        let good = || {
            upload(
                "西裤 26–36",
                Some(("trousers.DXF", DXF.to_vec())),
                Some(150.0),
            )
        };
        let refused = factories.add_pattern(&city, "polish", good()).await;
        assert_eq!(refused.unwrap_err().kind(), ErrorKind::Forbidden);
        let hidden = factories.add_pattern(&outsider, "polish", good()).await;
        assert_eq!(hidden.unwrap_err().kind(), ErrorKind::NotFound);

        let pattern = factories
            .add_pattern(&staff, "polish", good())
            .await
            .unwrap();
        assert!(pattern.pieces > 0 && pattern.copies >= pattern.pieces);
        let listed = factories.patterns(&city, "polish").await.unwrap();
        assert_eq!(listed.len(), 1);
        let detail = factories
            .pattern(&city, "polish", pattern.id)
            .await
            .unwrap();
        // The width is 150 cm in the file's own unit (inches).
        assert_eq!(detail.problem.unit.as_deref(), Some("in"));
        assert!((detail.problem.width - 150.0 / 2.54).abs() < 1e-9);
        for reader in [&outsider] {
            let error = factories.pattern(reader, "polish", pattern.id).await;
            assert_eq!(error.unwrap_err().kind(), ErrorKind::NotFound);
        }

        // A marker run: bad options are named; the city does not run; the staff's run ends
        // done with a marker the independent validator accepts.
        let error = factories
            .start_run(&staff, "polish", pattern.id, marker(0))
            .await
            .unwrap_err();
        assert_eq!(error.field_errors()[0].field, "time_limit_s");
        let refused = factories
            .start_run(&city, "polish", pattern.id, marker(60))
            .await;
        assert_eq!(refused.unwrap_err().kind(), ErrorKind::Forbidden);
        let run = factories
            .start_run(&staff, "polish", pattern.id, marker(60))
            .await
            .unwrap();
        factories.nesting_idle().await;
        let (pattern_now, done) = factories
            .run(&city, "polish", pattern.id, run.id)
            .await
            .unwrap();
        assert_eq!(done.status, RunStatus::Done, "{:?}", done.error);
        assert_eq!(done.progress_per_mille, 1000);
        let Some(RunResult::Marker(best)) = &done.result else {
            panic!("no marker: {done:?}")
        };
        let evaluation = zhizao_nesting::check(&pattern_now.problem, best).unwrap();
        assert_eq!(done.length, Some(best.length));
        assert!(evaluation.density > 0.3, "{evaluation:?}");
        let svg = factories
            .marker_file(&city, "polish", (pattern.id, run.id), 0, MarkerFormat::Svg)
            .await
            .unwrap();
        assert!(String::from_utf8(svg.bytes).unwrap().contains("<svg"));
        let plt = factories
            .marker_file(&staff, "polish", (pattern.id, run.id), 0, MarkerFormat::Plt)
            .await
            .unwrap();
        assert!(plt.bytes.starts_with(b"IN;"), "{:?}", &plt.bytes[..10]);
        let none = factories
            .marker_file(&staff, "polish", (pattern.id, run.id), 1, MarkerFormat::Svg)
            .await;
        assert_eq!(none.unwrap_err().kind(), ErrorKind::NotFound);
        let listed = factories.patterns(&staff, "polish").await.unwrap();
        assert_eq!(listed[0].runs, 1);
        assert_eq!(listed[0].best_density, done.density);
        // A finished run cannot be stopped.
        let error = factories
            .stop_run(&staff, "polish", pattern.id, run.id)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Conflict);

        // A cut plan of a two-size tee: the quantities are met within the over-cut.
        let tees = factories
            .add_pattern(
                &staff,
                "polish",
                PatternInput {
                    width_cm: None,
                    spacing_mm: None,
                    ..upload("T 恤", Some(("tee.json", tee_json())), None)
                },
            )
            .await
            .unwrap();
        let quantity = |colour: &str, size: &str, quantity: u32| Quantity {
            colour: colour.into(),
            size: size.into(),
            quantity,
        };
        let cut = |quantities: Vec<Quantity>| RunInput {
            kind: RunKind::CutPlan,
            time_limit_s: 5,
            threads: 1,
            seed: 1,
            cut: Some(CutInput {
                quantities,
                max_plies: 20,
                table_length_m: 8.0,
                end_allowance_cm: 2.0,
                max_garments_per_marker: 4,
                overcut_percent: 0,
                fabric_per_metre: Fen::new(1800),
                marker_cost: Fen::new(3000),
                spread_cost: Fen::new(4000),
            }),
        };
        let error = factories
            .start_run(
                &staff,
                "polish",
                tees.id,
                cut(vec![quantity("黑", "XXL", 10)]),
            )
            .await
            .unwrap_err();
        assert_eq!(error.field_errors()[0].field, "cut", "{error}");
        let run = factories
            .start_run(
                &staff,
                "polish",
                tees.id,
                cut(vec![
                    quantity("黑", "S", 30),
                    quantity("黑", "M", 50),
                    quantity("白", "M", 12),
                ]),
            )
            .await
            .unwrap();
        factories.nesting_idle().await;
        let (_, planned) = factories
            .run(&staff, "polish", tees.id, run.id)
            .await
            .unwrap();
        assert_eq!(planned.status, RunStatus::Done, "{:?}", planned.error);
        let Some(RunResult::CutPlan(plan)) = &planned.result else {
            panic!("no plan: {planned:?}")
        };
        for (colour, size, ordered, cut) in &plan.cut {
            assert_eq!(ordered, cut, "{colour} {size}");
        }
        assert!(plan.lays.iter().all(|l| l.plies <= 20));
        assert!(plan.fabric_length >= plan.lower_bound);
        for index in 0..plan.markers.len() {
            let file = factories
                .marker_file(
                    &staff,
                    "polish",
                    (tees.id, run.id),
                    index,
                    MarkerFormat::Json,
                )
                .await
                .unwrap();
            zhizao_nesting::Marker::parse(&file.bytes).unwrap();
        }
    }
}

#[tokio::test]
async fn a_run_stops_early_with_its_best_marker_and_a_crash_leaves_it_interrupted() {
    for test in test_databases().await {
        let clock = testing::fixed_clock();
        let identity = testing::identity(&test.db, &clock);
        // No pass budget: the run would search for ten minutes.
        let factories = Factories::new(
            test.db.clone(),
            Arc::<zhizao_core::FixedClock>::clone(&clock),
        );
        let mut transaction = test.db.begin().await.unwrap();
        testing::create_organizations(
            &mut transaction,
            &[testing::ORGANIZATIONS[0], testing::ORGANIZATIONS[3]],
        )
        .await;
        testing::create_users(&mut transaction, &testing::users(&["polisher"])).await;
        transaction.commit().await.unwrap();
        let staff = testing::sign_in(&identity, "polisher").await;
        let pattern = factories
            .add_pattern(
                &staff,
                "polish",
                upload("西裤", Some(("trousers.DXF", DXF.to_vec())), Some(150.0)),
            )
            .await
            .unwrap();
        let first = factories
            .start_run(&staff, "polish", pattern.id, marker(600))
            .await
            .unwrap();
        // Queued behind the first, stopped before it starts.
        let second = factories
            .start_run(&staff, "polish", pattern.id, marker(600))
            .await
            .unwrap();
        factories
            .stop_run(&staff, "polish", pattern.id, second.id)
            .await
            .unwrap();
        // Wait for the first marker to be written, then stop.
        let started = std::time::Instant::now();
        loop {
            let (_, run) = factories
                .run(&staff, "polish", pattern.id, first.id)
                .await
                .unwrap();
            if run.result.is_some() {
                assert_eq!(run.status, RunStatus::Running);
                break;
            }
            assert!(
                started.elapsed().as_secs() < 120,
                "no marker written: {run:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        factories
            .stop_run(&staff, "polish", pattern.id, first.id)
            .await
            .unwrap();
        factories.nesting_idle().await;
        let (problem, stopped) = factories
            .run(&staff, "polish", pattern.id, first.id)
            .await
            .unwrap();
        assert_eq!(stopped.status, RunStatus::Stopped);
        let Some(RunResult::Marker(best)) = &stopped.result else {
            panic!("no marker: {stopped:?}")
        };
        zhizao_nesting::check(&problem.problem, best).unwrap();
        let (_, never) = factories
            .run(&staff, "polish", pattern.id, second.id)
            .await
            .unwrap();
        assert_eq!(never.status, RunStatus::Stopped);
        assert!(never.result.is_none() && never.started_at.is_none());

        // A service that stopped mid-search finds the run interrupted, its marker kept.
        sqlx::query("UPDATE factory_nesting_runs SET status = 'running' WHERE id = $1")
            .bind(first.id)
            .execute(test.db.pool())
            .await
            .unwrap();
        let restarted = Factories::new(
            test.db.clone(),
            Arc::<zhizao_core::FixedClock>::clone(&clock),
        );
        assert_eq!(restarted.resume_nesting_runs().await.unwrap(), (1, 0));
        let (_, after) = restarted
            .run(&staff, "polish", pattern.id, first.id)
            .await
            .unwrap();
        assert_eq!(after.status, RunStatus::Interrupted);
        assert_eq!(after.result, stopped.result);
    }
}
