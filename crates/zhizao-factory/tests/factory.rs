//! The shared factories' records on every backend: tariff and set-up versions, quotes, and
//! orders from placing to acceptance.

use zhizao_core::{Classified, Clock, ErrorKind, Fen};
use zhizao_db::testing::test_databases;
use zhizao_factory::tariff::{
    HourlyRate, PiecePrice, PricingInput, QuantityBreak, ResourceClass, Tariff,
};
use zhizao_factory::{
    DeliveryInput, Error, Factories, MaterialInput, MaterialUnit, OrderAction, OrderRequest,
    OrderStatus, Pin, PlanStatus,
};
use zhizao_identity::testing;

fn tariff(per_piece: i64) -> Tariff {
    Tariff {
        setup_fee: Fen::new(20_000),
        hourly: vec![HourlyRate {
            class: ResourceClass::PolishingCell,
            per_hour: Fen::new(18_000),
        }],
        pieces: vec![PiecePrice {
            family: "龙头".into(),
            breaks: vec![QuantityBreak {
                from_quantity: 1,
                per_piece: Fen::new(per_piece),
            }],
        }],
        minimum_charge: Fen::new(0),
    }
}

fn order(quantity: i64) -> PricingInput {
    PricingInput {
        family: "龙头".into(),
        quantity,
        machine_minutes: vec![(ResourceClass::PolishingCell, 60)],
        setups: 1,
    }
}

#[tokio::test]
async fn a_factory_publishes_versions_of_its_tariff_and_anyone_gets_a_quote() {
    for test in test_databases().await {
        let clock = testing::fixed_clock();
        let identity = testing::identity(&test.db, &clock);
        let factories = Factories::new(
            test.db.clone(),
            std::sync::Arc::<zhizao_core::FixedClock>::clone(&clock),
        );
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
        let polisher = testing::sign_in(&identity, "polisher").await;
        let admin = testing::sign_in(&identity, "admin").await;
        // Someone who neither runs the factory nor orders from it still reads its prices.
        let reader = testing::sign_in(&identity, "expert").await;

        // No tariff yet: nothing to quote from.
        let none = factories
            .quote(&reader, "polish", &order(10))
            .await
            .unwrap_err();
        assert_eq!(none.kind(), ErrorKind::NotFound);

        // Only the factory's own staff publish it; a bad tariff is named by field.
        for outsider in [&admin, &reader] {
            assert!(matches!(
                factories
                    .save_tariff(outsider, "polish", &tariff(250), "", None)
                    .await,
                Err(Error::Forbidden(_))
            ));
        }
        let mut bad = tariff(250);
        bad.pieces[0].breaks[0].from_quantity = 2;
        let error = factories
            .save_tariff(&polisher, "polish", &bad, "", None)
            .await
            .unwrap_err();
        assert_eq!(error.field_errors()[0].field, "pieces[0].breaks");
        // A code that is not a platform's names no factory.
        assert_eq!(
            factories
                .save_tariff(&polisher, "city", &tariff(250), "", None)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );

        let first = factories
            .save_tariff(&polisher, "polish", &tariff(250), "首版价目表", None)
            .await
            .unwrap();
        assert_eq!(first.version, 1);
        // Saving against a version that is not the latest is refused and changes nothing.
        let stale = factories
            .save_tariff(&polisher, "polish", &tariff(300), "", None)
            .await
            .unwrap_err();
        assert!(
            matches!(stale, Error::StaleVersion { current: 1 }),
            "{stale:?}"
        );
        let second = factories
            .save_tariff(&polisher, "polish", &tariff(220), "降价", Some(1))
            .await
            .unwrap();
        assert_eq!(second.version, 2);

        let versions = factories.tariff_versions(&reader, "polish").await.unwrap();
        assert_eq!(
            versions.iter().map(|v| v.version).collect::<Vec<_>>(),
            [2, 1]
        );
        assert_eq!(
            versions[1].tariff,
            tariff(250),
            "a version is kept as saved"
        );
        assert_eq!(versions[0].created_by, "polisher");

        // A quote follows the current version: 200 + 180 + 100 × 2.20 = 600 yuan.
        let quote = factories
            .quote(&reader, "polish", &order(100))
            .await
            .unwrap();
        assert_eq!(quote.tariff_version, 2);
        assert_eq!(quote.price.total, Fen::new(60_000));
        let bad_order = factories
            .quote(&reader, "polish", &order(0))
            .await
            .unwrap_err();
        assert_eq!(bad_order.field_errors()[0].field, "quantity");

        // Each version is in the audit log.
        let audited: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'factory_tariff.version_created'",
        )
        .fetch_one(test.db.pool())
        .await
        .unwrap();
        assert_eq!(audited, 2);
    }
}

fn setup() -> zhizao_factory::Setup {
    serde_json::from_str(include_str!("data/polishing-setup.json")).unwrap()
}

fn faucets(quantity: i64, part_mm: i64, need_by: &str) -> OrderRequest {
    serde_json::from_value(serde_json::json!({
        "process": "polishing", "family": "卫浴龙头", "material": "黄铜",
        "quantity": quantity, "part_mm": part_mm, "weight_g": 900,
        "material_supplied": "黄铜毛坯，客户送货", "need_by": need_by
    }))
    .unwrap()
}

/// The polishing factory `polish` with its faucet tariff and set-up published, one client
/// enterprise (`maker1`, 甲龙头厂) and quotes and plans searching `iterations` iterations.
struct Published {
    factories: Factories,
    clock: std::sync::Arc<zhizao_core::FixedClock>,
    polisher: zhizao_identity::Principal,
    admin: zhizao_identity::Principal,
    maker1: zhizao_identity::Principal,
    /// The client's credit code.
    one: String,
}

async fn published(test: &zhizao_db::testing::TestDatabase, iterations: u64) -> Published {
    let clock = testing::fixed_clock();
    let identity = testing::identity(&test.db, &clock);
    let factories = Factories::new(
        test.db.clone(),
        std::sync::Arc::<zhizao_core::FixedClock>::clone(&clock),
    )
    .with_plan_budget(std::time::Duration::from_secs(20), Some(iterations));
    let mut transaction = test.db.begin().await.unwrap();
    testing::create_organizations(
        &mut transaction,
        &[testing::ORGANIZATIONS[0], testing::ORGANIZATIONS[3]],
    )
    .await;
    let one = testing::credit_code(1);
    testing::create_enterprise_organizations(&mut transaction, &[(one.clone(), "甲龙头厂")]).await;
    let mut users = testing::users(&["admin", "polisher"]);
    users.push(("maker1", one.as_str(), "enterprise_user"));
    testing::create_users(&mut transaction, &users).await;
    transaction.commit().await.unwrap();
    let polisher = testing::sign_in(&identity, "polisher").await;
    let mut faucet_tariff = tariff(250);
    faucet_tariff.pieces[0].family = "卫浴龙头".into();
    factories
        .save_tariff(&polisher, "polish", &faucet_tariff, "", None)
        .await
        .unwrap();
    factories
        .save_setup(&polisher, "polish", &setup(), "", None)
        .await
        .unwrap();
    Published {
        factories,
        clock,
        admin: testing::sign_in(&identity, "admin").await,
        maker1: testing::sign_in(&identity, "maker1").await,
        polisher,
        one: one.to_string(),
    }
}

async fn orders_in_table(db: &zhizao_db::Database) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM factory_orders")
        .fetch_one(db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn an_order_is_priced_promised_from_the_plan_accepted_and_held_to_its_promise() {
    for test in test_databases().await {
        let clock = testing::fixed_clock();
        let identity = testing::identity(&test.db, &clock);
        let factories = Factories::new(
            test.db.clone(),
            std::sync::Arc::<zhizao_core::FixedClock>::clone(&clock),
        )
        .with_plan_budget(std::time::Duration::from_secs(20), Some(300));
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
        let (one, two) = (testing::credit_code(1), testing::credit_code(2));
        testing::create_enterprise_organizations(
            &mut transaction,
            &[(one.clone(), "甲龙头厂"), (two.clone(), "乙五金厂")],
        )
        .await;
        let mut users = testing::users(&["admin", "polisher", "expert"]);
        users.extend([
            ("maker1", one.as_str(), "enterprise_user"),
            ("maker2", two.as_str(), "enterprise_user"),
        ]);
        testing::create_users(&mut transaction, &users).await;
        transaction.commit().await.unwrap();
        let polisher = testing::sign_in(&identity, "polisher").await;
        let admin = testing::sign_in(&identity, "admin").await;
        let expert = testing::sign_in(&identity, "expert").await;
        let maker1 = testing::sign_in(&identity, "maker1").await;
        let maker2 = testing::sign_in(&identity, "maker2").await;

        // Nothing to quote from before the factory publishes a tariff and a set-up.
        let mut faucet_tariff = tariff(250);
        faucet_tariff.pieces[0].family = "卫浴龙头".into();
        factories
            .save_tariff(&polisher, "polish", &faucet_tariff, "", None)
            .await
            .unwrap();
        let early = factories
            .place_order(&maker1, "polish", &faucets(2000, 250, "2026-12-10"))
            .await
            .unwrap_err();
        assert_eq!(early.kind(), ErrorKind::NotFound, "{early}");

        // Only its staff set the factory up; the city reads the set-up, clients do not.
        assert!(matches!(
            factories
                .save_setup(&admin, "polish", &setup(), "", None)
                .await,
            Err(Error::Forbidden(_))
        ));
        let saved = factories
            .save_setup(&polisher, "polish", &setup(), "南头基地", None)
            .await
            .unwrap();
        assert_eq!(saved.version, 1);
        assert_eq!(
            factories
                .setup_versions(&admin, "polish")
                .await
                .unwrap()
                .len(),
            1
        );
        let hidden = factories
            .setup_versions(&maker1, "polish")
            .await
            .unwrap_err();
        assert_eq!(hidden.kind(), ErrorKind::NotFound);

        // Only enterprises order; bad input is named and stores nothing.
        assert!(matches!(
            factories
                .place_order(&polisher, "polish", &faucets(2000, 250, "2026-12-10"))
                .await,
            Err(Error::Forbidden(_))
        ));
        for (request, field) in [
            (faucets(-5, 250, "2026-12-10"), "quantity"),
            (faucets(2000, 250, "2026-11-01"), "need_by"),
            (faucets(2000, 1200, "2026-12-10"), "part_mm"),
        ] {
            let error = factories
                .place_order(&maker1, "polish", &request)
                .await
                .unwrap_err();
            assert_eq!(error.field_errors()[0].field, field, "{error}");
        }
        assert_eq!(orders_in_table(&test.db).await, 0);

        // The first order: priced under the tariff, promised from the plan, valid for a day.
        let first = factories
            .place_order(&maker1, "polish", &faucets(2000, 250, "2026-12-10"))
            .await
            .unwrap();
        assert_eq!(first.status, OrderStatus::Quoted);
        assert_eq!(first.client_name, "甲龙头厂");
        assert_eq!(first.quote.planned_with, 0);
        // 2 set-ups × 200 + 4,500 robot minutes at 180/h (13,500) + 2,000 × 2.50 = 18,900 yuan.
        assert_eq!(first.total(), Fen::new(1_890_000));
        let now = clock.now();
        assert!(first.quote.promised_at > now);
        assert_eq!(first.quote.valid_until, now.plus_millis(24 * 3_600_000));
        assert!(!first.later_than_needed(), "{:?}", first.quote.promised_at);

        // Who sees it.
        assert_eq!(
            factories
                .order(&maker2, &first.number)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        for reader in [&polisher, &admin] {
            assert_eq!(factories.order(reader, &first.number).await.unwrap(), first);
        }
        assert!(factories.orders(&expert, None).await.unwrap().is_empty());
        assert!(factories.orders(&maker2, None).await.unwrap().is_empty());

        // Only the client accepts, against the version it saw.
        let accept = |who, version| {
            factories.act_on_order(who, &first.number, OrderAction::Accept, version, "")
        };
        assert!(matches!(
            accept(&polisher, None).await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            accept(&maker1, Some(7)).await,
            Err(Error::StaleVersion { current: 1 })
        ));
        let confirmed = accept(&maker1, Some(1)).await.unwrap();
        assert_eq!(confirmed.status, OrderStatus::Confirmed);
        assert_eq!(confirmed.row_version, 2);
        assert_eq!(
            accept(&maker1, None).await.unwrap_err().kind(),
            ErrorKind::Conflict
        );

        // The next order is planned behind the confirmed one: the same work finishes later.
        let second = factories
            .place_order(&maker2, "polish", &faucets(2000, 250, "2026-12-10"))
            .await
            .unwrap();
        assert_eq!(second.quote.planned_with, 1);
        assert!(
            second.quote.promised_at > first.quote.promised_at,
            "{} after {}",
            second.quote.promised_at,
            first.quote.promised_at
        );

        // A quote left a day expires; a fresh one can be accepted.
        clock.advance(25 * 3_600_000);
        let late = factories
            .act_on_order(&maker2, &second.number, OrderAction::Accept, None, "")
            .await
            .unwrap_err();
        assert_eq!(late.code(), Some("illegal-transition"));
        let again = factories
            .act_on_order(&maker2, &second.number, OrderAction::Requote, None, "")
            .await
            .unwrap();
        assert_eq!(again.status, OrderStatus::Quoted);
        assert!(again.quote.valid_until > clock.now());
        factories
            .act_on_order(&maker2, &second.number, OrderAction::Accept, None, "")
            .await
            .unwrap();

        // The factory declines with a reason; a cancelled order stays cancelled.
        let cancelled = factories
            .act_on_order(
                &polisher,
                &second.number,
                OrderAction::Cancel,
                None,
                "来料不足",
            )
            .await
            .unwrap();
        assert_eq!(cancelled.status, OrderStatus::Cancelled);
        let twice = factories
            .act_on_order(&maker2, &second.number, OrderAction::Cancel, None, "")
            .await
            .unwrap_err();
        assert_eq!(twice.kind(), ErrorKind::Conflict);
        let platform_orders = factories
            .orders(&polisher, Some(OrderStatus::Confirmed))
            .await
            .unwrap();
        assert_eq!(platform_orders.len(), 1);
        assert_eq!(platform_orders[0].number, first.number);

        let audited: Vec<String> = sqlx::query_scalar(
            "SELECT action FROM audit_log WHERE entity_type = 'factory_order' ORDER BY id",
        )
        .fetch_all(test.db.pool())
        .await
        .unwrap();
        assert_eq!(
            audited,
            [
                "factory_order.placed",
                "factory_order.accepted",
                "factory_order.placed",
                "factory_order.requoted",
                "factory_order.accepted",
                "factory_order.cancelled"
            ]
        );
    }
}

fn pin(order: &str, lot: usize, step: usize, resource: &str, start: &str) -> Pin {
    Pin {
        order: order.into(),
        lot,
        step,
        resource: resource.into(),
        start: start.into(),
    }
}

#[tokio::test]
async fn the_factory_plans_its_confirmed_orders_in_versions_with_pins_and_publishes_one() {
    for test in test_databases().await {
        let Published {
            factories,
            clock,
            polisher,
            admin,
            maker1,
            ..
        } = published(&test, 300).await;
        let nothing = factories
            .make_plan(&polisher, "polish", &[], None)
            .await
            .unwrap_err();
        assert_eq!(
            nothing.kind(),
            ErrorKind::Conflict,
            "no confirmed orders yet"
        );
        let mut numbers = Vec::new();
        for (quantity, need_by) in [(1000, "2026-12-04"), (650, "2026-12-08")] {
            let order = factories
                .place_order(&maker1, "polish", &faucets(quantity, 250, need_by))
                .await
                .unwrap();
            factories
                .act_on_order(&maker1, &order.number, OrderAction::Accept, None, "")
                .await
                .unwrap();
            numbers.push(order.number);
        }

        // Only its staff plan; the city reads plans, clients do not see them.
        assert!(matches!(
            factories.make_plan(&admin, "polish", &[], None).await,
            Err(Error::Forbidden(_))
        ));
        assert_eq!(
            factories.plans(&maker1, "polish").await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        let first = factories
            .make_plan(&polisher, "polish", &[], None)
            .await
            .unwrap();
        assert_eq!((first.version, first.status), (1, PlanStatus::Draft));
        // 1,000 and 650 faucets in lots of 200 through four steps: 9 lots, 36 operations.
        assert_eq!(first.body.figures.operations, 36);
        assert_eq!(first.body.figures.moved, None);
        assert_eq!(first.body.orders.len(), 2);
        assert!(first.body.figures.utilisation_per_mille > 0);
        assert!(first.body.operations.iter().all(|o| !o.fixed));
        // A second planner who did not see version 1 is refused.
        let stale = factories
            .make_plan(&polisher, "polish", &[], None)
            .await
            .unwrap_err();
        assert!(
            matches!(stale, Error::StaleVersion { current: 1 }),
            "{stale:?}"
        );

        // Pins that cannot hold are refused with the reason, and nothing is stored.
        for (bad, says) in [
            (pin(&numbers[0], 1, 2, "M01", "2026-11-27 14:00"), "M01"),
            (pin(&numbers[0], 1, 2, "R03", "2026-11-20 14:00"), "past"),
            (pin(&numbers[0], 9, 2, "R03", "2026-11-27 14:00"), "lot 9"),
            (
                pin(&numbers[0], 1, 2, "R03", "2026-11-29 03:00"),
                "cannot all hold",
            ),
            (
                // The last lot of 50 loads in 9 minutes from 08:00: its grinding cannot start at
                // 08:05.
                pin(&numbers[1], 4, 2, "R03", "2026-11-27 08:05"),
                "cannot end before",
            ),
            (
                pin("FO999999", 1, 2, "R03", "2026-11-27 14:00"),
                "not a confirmed order",
            ),
        ] {
            let error = factories
                .make_plan(&polisher, "polish", &[bad], Some(1))
                .await
                .unwrap_err();
            let message = error
                .field_errors()
                .iter()
                .map(|e| e.message.en.to_string())
                .collect::<Vec<_>>()
                .join("; ");
            assert!(message.contains(says), "{says}: {message}");
        }
        assert_eq!(factories.plans(&admin, "polish").await.unwrap().len(), 1);

        // A pin that can hold is where the planner put it, and the plan moves around it.
        let pinned = pin(&numbers[0], 1, 2, "R03", "2026-11-27 14:00");
        let second = factories
            .make_plan(&polisher, "polish", std::slice::from_ref(&pinned), Some(1))
            .await
            .unwrap();
        let held = second
            .body
            .operations
            .iter()
            .find(|o| o.order == numbers[0] && o.lot == 1 && o.step == 2)
            .unwrap();
        assert_eq!(held.resource, "R03");
        assert_eq!(held.start.to_shanghai_string(), "2026-11-27 14:00");
        assert!(held.fixed);
        assert!(second.body.figures.moved.unwrap() > 0);
        assert_eq!(second.body.pins, [pinned]);

        // Publishing is explicit and checked against the published version the planner saw.
        let published = factories
            .publish_plan(&polisher, "polish", 2, None)
            .await
            .unwrap();
        assert_eq!(published.status, PlanStatus::Published);
        let late = factories
            .publish_plan(&polisher, "polish", 1, None)
            .await
            .unwrap_err();
        assert!(
            matches!(late, Error::StaleVersion { current: 2 }),
            "{late:?}"
        );
        let eta = factories
            .published_eta(&maker1, &numbers[0])
            .await
            .unwrap()
            .unwrap();
        let outcome = second
            .body
            .orders
            .iter()
            .find(|o| o.order == numbers[0])
            .unwrap();
        assert_eq!(eta, outcome.planned_end);

        // What started under the published plan stays where it is in the next plan.
        clock.advance(24 * 3_600_000);
        let now = clock.now();
        let third = factories
            .make_plan(&polisher, "polish", &[], Some(2))
            .await
            .unwrap();
        let started: Vec<_> = second
            .body
            .operations
            .iter()
            .filter(|o| o.start < now)
            .collect();
        assert!(!started.is_empty());
        for before in started {
            let after = third
                .body
                .operations
                .iter()
                .find(|o| {
                    (o.order.as_str(), o.lot, o.step)
                        == (before.order.as_str(), before.lot, before.step)
                })
                .unwrap();
            assert_eq!(
                (&after.resource, after.start),
                (&before.resource, before.start)
            );
            assert!(after.fixed);
        }
        assert!(
            third
                .body
                .operations
                .iter()
                .filter(|o| !o.fixed)
                .all(|o| o.start >= now)
        );
        let audited: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE entity_type = 'factory_plan'")
                .fetch_one(test.db.pool())
                .await
                .unwrap();
        assert_eq!(audited, 4, "three plans and one publication");
    }
}

#[tokio::test]
async fn an_order_is_delivered_priced_on_its_good_pieces_and_rated_by_the_client() {
    for test in test_databases().await {
        let Published {
            factories,
            clock,
            polisher,
            maker1,
            one,
            ..
        } = published(&test, 200).await;
        let quoted = factories
            .place_order(&maker1, "polish", &faucets(500, 250, "2026-12-10"))
            .await
            .unwrap();
        let order = factories
            .place_order(&maker1, "polish", &faucets(1000, 250, "2026-12-10"))
            .await
            .unwrap();
        factories
            .act_on_order(&maker1, &order.number, OrderAction::Accept, None, "")
            .await
            .unwrap();
        let delivery = |good, scrap, returned| DeliveryInput {
            good,
            scrap,
            returned,
            material_returned: "毛坯 20 件".into(),
            note: String::new(),
        };
        // Nothing is delivered before the client's material is recorded, which only the factory
        // does, in one unit per order.
        let bare = factories
            .deliver(&polisher, &order.number, &delivery(950, 50, 20), None)
            .await
            .unwrap_err();
        assert_eq!(bare.code(), Some("illegal-transition"));
        let blanks = |quantity, unit| MaterialInput {
            quantity,
            unit,
            lots: "L-1".into(),
            note: String::new(),
        };
        assert!(matches!(
            factories
                .record_material(
                    &maker1,
                    &order.number,
                    &blanks(600, MaterialUnit::Pieces),
                    None
                )
                .await,
            Err(Error::Forbidden(_))
        ));
        let first = factories
            .record_material(
                &polisher,
                &order.number,
                &blanks(600, MaterialUnit::Pieces),
                Some(2),
            )
            .await
            .unwrap();
        assert!(!first.material_late(clock.now()));
        for (input, field) in [
            (blanks(420, MaterialUnit::Metres), "unit"),
            (blanks(0, MaterialUnit::Pieces), "quantity"),
        ] {
            let error = factories
                .record_material(&polisher, &order.number, &input, None)
                .await
                .unwrap_err();
            assert_eq!(error.field_errors()[0].field, field);
        }
        factories
            .record_material(
                &polisher,
                &order.number,
                &blanks(420, MaterialUnit::Pieces),
                Some(3),
            )
            .await
            .unwrap();
        // Only the factory delivers, only a confirmed order, only what was ordered and received.
        assert!(matches!(
            factories
                .deliver(&maker1, &order.number, &delivery(950, 50, 20), None)
                .await,
            Err(Error::Forbidden(_))
        ));
        let early = factories
            .deliver(&polisher, &quoted.number, &delivery(500, 0, 0), None)
            .await
            .unwrap_err();
        assert_eq!(early.code(), Some("illegal-transition"));
        for (good, scrap, returned, field) in [
            (1200, 0, 0, "good"),
            (0, 0, 0, "good"),
            (900, -1, 0, "scrap"),
            (950, 100, 0, "good"),
            (950, 50, 30, "good"),
            (950, 50, 2000, "returned"),
        ] {
            let error = factories
                .deliver(
                    &polisher,
                    &order.number,
                    &delivery(good, scrap, returned),
                    None,
                )
                .await
                .unwrap_err();
            assert_eq!(
                error.field_errors()[0].field,
                field,
                "{good} {scrap} {returned}"
            );
        }
        assert!(matches!(
            factories
                .deliver(&polisher, &order.number, &delivery(950, 50, 20), Some(1))
                .await,
            Err(Error::StaleVersion { current: 4 })
        ));
        let delivered = factories
            .deliver(&polisher, &order.number, &delivery(950, 50, 20), Some(4))
            .await
            .unwrap();
        assert_eq!(delivered.status, OrderStatus::Delivered);
        let balance = delivered.reconciliation().unwrap();
        assert_eq!(
            (balance.received, balance.returned, balance.unaccounted),
            (1020, 20, Some(0))
        );
        let note = delivered.delivery.as_ref().unwrap();
        // The good pieces only: rough grinding 950 × 90 s = 1,425 min and fine polishing
        // 950 × 45 s = 713 min at 180 yuan an hour (6,414), 2 set-ups × 200, 950 × 2.50:
        // 9,189 yuan.
        assert_eq!(note.price.total, Fen::new(918_900));
        assert_eq!(note.input.material_returned, "毛坯 20 件");
        assert!(note.receipt.is_none());
        // The client confirms and rates; a rating out of range is named.
        assert!(matches!(
            factories
                .receive(&polisher, &order.number, 5, "", None)
                .await,
            Err(Error::Forbidden(_))
        ));
        let bad = factories
            .receive(&maker1, &order.number, 6, "", None)
            .await
            .unwrap_err();
        assert_eq!(bad.field_errors()[0].field, "rating");
        let received = factories
            .receive(&maker1, &order.number, 4, "按时交付，表面良好", None)
            .await
            .unwrap();
        assert_eq!(received.status, OrderStatus::Received);
        assert_eq!(received.delivery.unwrap().receipt.unwrap().rating, 4);
        // Orders are one kind of service request: each side's request list carries them, in
        // step with the order, and nobody else's.
        let services = zhizao_services::PublicServices::new(
            test.db.clone(),
            std::sync::Arc::<zhizao_core::FixedClock>::clone(&clock),
        );
        let filter = zhizao_services::RequestFilter::default();
        for who in [&maker1, &polisher] {
            let requests = services.requests(who, &filter).await.unwrap();
            let numbers: Vec<&str> = requests.iter().map(|r| r.number.as_str()).collect();
            assert_eq!(numbers, [order.number.as_str(), quoted.number.as_str()]);
            let request = &requests[0];
            assert_eq!(request.kind, zhizao_services::RequestKind::FactoryOrder);
            assert_eq!(request.status, zhizao_services::RequestStatus::Rated);
            assert_eq!((request.rating, request.deliveries), (Some(4), 1));
            assert_eq!(request.rating_comment, "按时交付，表面良好");
            assert_eq!(requests[1].status, zhizao_services::RequestStatus::Quoted);
            assert_eq!(
                requests[1].waiting_on(),
                Some(zhizao_services::Party::Client)
            );
        }
        let again = factories
            .receive(&maker1, &order.number, 5, "", None)
            .await
            .unwrap_err();
        assert_eq!(again.kind(), ErrorKind::Conflict);
        for action in [OrderAction::Requote, OrderAction::Cancel] {
            let error = factories
                .act_on_order(&maker1, &order.number, action, None, "")
                .await
                .unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Conflict, "{action:?}");
        }
        let stored: (i64, i64, i64) = sqlx::query_as(
            "SELECT good_quantity, final_fen, rating FROM factory_orders WHERE number = $1",
        )
        .bind(&order.number)
        .fetch_one(test.db.pool())
        .await
        .unwrap();
        assert_eq!(stored, (950, 918_900, 4));
        // The year's figures name the client; material brought three days after the client
        // said (it said nothing: the day after the quote) is late, the client's doing.
        let figures = factories.figures(&polisher, "polish", 2026).await.unwrap();
        assert_eq!(figures.clients.len(), 1);
        assert_eq!(figures.clients[0].code, one);
        assert_eq!(
            (
                figures.clients[0].figures.deliveries,
                figures.clients[0].figures.pieces
            ),
            (1, 950)
        );
        clock.advance(3 * 86_400_000);
        let late = factories
            .record_material(
                &polisher,
                &quoted.number,
                &blanks(500, MaterialUnit::Pieces),
                None,
            )
            .await
            .unwrap();
        assert!(late.material_late(clock.now()));
        let flagged: Option<i64> =
            sqlx::query_scalar("SELECT material_late FROM factory_orders WHERE number = $1")
                .bind(&quoted.number)
                .fetch_one(test.db.pool())
                .await
                .unwrap();
        assert_eq!(flagged, Some(1));
    }
}

#[tokio::test]
async fn the_plan_waits_for_the_clients_material_until_it_is_recorded() {
    for test in test_databases().await {
        let Published {
            factories,
            polisher,
            maker1,
            ..
        } = published(&test, 200).await;
        // The client says its blanks arrive on 1 December (now is 26 November).
        let mut request = faucets(400, 250, "2026-12-10");
        request.material_arrives = Some("2026-12-01".into());
        let order = factories
            .place_order(&maker1, "polish", &request)
            .await
            .unwrap();
        factories
            .act_on_order(&maker1, &order.number, OrderAction::Accept, None, "")
            .await
            .unwrap();
        let arrives = zhizao_factory::setup::parse_local("2026-12-01 00:00").unwrap();
        let waiting = factories
            .make_plan(&polisher, "polish", &[], None)
            .await
            .unwrap();
        assert_eq!(waiting.body.orders[0].material_awaited, Some(arrives));
        assert!(waiting.body.operations.iter().all(|o| o.start >= arrives));
        // They come early: the next plan starts the order before the day said.
        factories
            .record_material(
                &polisher,
                &order.number,
                &MaterialInput {
                    quantity: 400,
                    unit: MaterialUnit::Pieces,
                    lots: String::new(),
                    note: String::new(),
                },
                None,
            )
            .await
            .unwrap();
        let early = factories
            .make_plan(&polisher, "polish", &[], Some(waiting.version))
            .await
            .unwrap();
        assert_eq!(early.body.orders[0].material_awaited, None);
        assert!(early.body.operations.iter().any(|o| o.start < arrives));
    }
}
