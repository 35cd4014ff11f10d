//! The shared factories' records on every backend: tariff versions and quotes.

use zhizao_core::{Classified, ErrorKind, Fen};
use zhizao_db::testing::test_databases;
use zhizao_factory::tariff::{
    HourlyRate, PiecePrice, PricingInput, QuantityBreak, ResourceClass, Tariff,
};
use zhizao_factory::{Error, Factories};
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
