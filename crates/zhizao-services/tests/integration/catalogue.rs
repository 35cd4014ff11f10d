//! The service catalogue on every backend: a platform drafts and submits, the city returns or
//! approves, the notice ends and the service is published; a published version is never edited
//! (a change is the next version, which replaces it after its own notice); who sees what.

use crate::World;
use zhizao_core::{Classified, ErrorKind, Fen};
use zhizao_services::{CatalogueFilter, Check, Error, OfferingInput, OfferingStatus, SectorInput};

const DAY: i64 = 86_400_000;

fn service(title: &str) -> OfferingInput {
    OfferingInput {
        title: title.into(),
        sector: "shared-factory".into(),
        description: "五金件机器人打磨抛光，来料加工".into(),
        delivery_mode: "at_platform".into(),
        price_model: "fixed".into(),
        price: Some(Fen::new(50_000)),
        lead_days: 7,
        vouchers: true,
    }
}

/// (what is wrong, the field named)
fn bad_services() -> Vec<(OfferingInput, &'static str)> {
    let with = |change: fn(&mut OfferingInput)| {
        let mut input = service("打磨抛光");
        change(&mut input);
        input
    };
    vec![
        (with(|s| s.title = String::new()), "title"),
        (with(|s| s.sector = "nowhere".into()), "sector"),
        (
            with(|s| s.delivery_mode = "by post".into()),
            "delivery_mode",
        ),
        (with(|s| s.price = None), "price"),
        (
            with(|s| {
                s.price_model = "free".into();
            }),
            "price",
        ),
        (with(|s| s.lead_days = 400), "lead_days"),
    ]
}

#[tokio::test]
async fn a_service_goes_from_draft_through_the_citys_check_and_notice_to_the_catalogue() {
    for world in crate::worlds().await {
        let World {
            services,
            clock,
            city,
            polisher,
            expert,
            ..
        } = world;
        services
            .save_sector(
                &city,
                &SectorInput {
                    code: "shared-factory".into(),
                    name: "共性工厂".into(),
                    name_en: "Shared factories".into(),
                    ..SectorInput::default()
                },
            )
            .await
            .unwrap();

        // Only the platform's staff offer its services; bad input is named by field.
        for who in [&city, &expert] {
            assert!(matches!(
                services
                    .create_offering(who, "polish", &service("打磨抛光"))
                    .await,
                Err(Error::Forbidden(_))
            ));
        }
        for (input, field) in bad_services() {
            let error = services
                .create_offering(&polisher, "polish", &input)
                .await
                .unwrap_err();
            assert_eq!(error.field_errors()[0].field, field, "{error}");
        }
        let draft = services
            .create_offering(&polisher, "polish", &service("机器人打磨抛光"))
            .await
            .unwrap();
        assert_eq!((draft.version, draft.status), (1, OfferingStatus::Draft));
        // A draft is the platform's and the city's to see, no one else's.
        assert_eq!(
            services
                .offering(Some(&expert), draft.id)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            services.offering(None, draft.id).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        services.offering(Some(&city), draft.id).await.unwrap();
        let catalogue = |who| {
            let services = services.clone();
            async move {
                services
                    .offerings(who, &CatalogueFilter::default())
                    .await
                    .unwrap()
            }
        };
        assert!(catalogue(None).await.is_empty());
        assert_eq!(catalogue(Some(&polisher)).await.len(), 1, "its own draft");

        // Submitted, returned with a reason (required), edited, submitted again.
        let submitted = services
            .submit_offering(&polisher, draft.id, draft.row_version)
            .await
            .unwrap();
        assert_eq!(
            services
                .check_offering(&city, draft.id, Check::Return, " ", submitted.row_version)
                .await
                .unwrap_err()
                .field_errors()[0]
                .field,
            "note"
        );
        assert!(matches!(
            services
                .check_offering(
                    &polisher,
                    draft.id,
                    Check::Approve,
                    "",
                    submitted.row_version
                )
                .await,
            Err(Error::Forbidden(_))
        ));
        let queue = services
            .offerings(
                Some(&city),
                &CatalogueFilter {
                    status: Some(OfferingStatus::Submitted),
                    ..CatalogueFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(queue.len(), 1, "the city's queue");
        let returned = services
            .check_offering(
                &city,
                draft.id,
                Check::Return,
                "请写明单价对应的件数",
                submitted.row_version,
            )
            .await
            .unwrap();
        assert_eq!(returned.status, OfferingStatus::Returned);
        assert_eq!(returned.check_note, "请写明单价对应的件数");
        // A stale row version changes nothing.
        assert!(matches!(
            services
                .update_offering(
                    &polisher,
                    draft.id,
                    &service("机器人打磨抛光（每件）"),
                    submitted.row_version
                )
                .await,
            Err(Error::StaleVersion { .. })
        ));
        let edited = services
            .update_offering(
                &polisher,
                draft.id,
                &service("机器人打磨抛光（每件）"),
                returned.row_version,
            )
            .await
            .unwrap();
        assert_eq!(edited.status, OfferingStatus::Draft);
        let submitted = services
            .submit_offering(&polisher, draft.id, edited.row_version)
            .await
            .unwrap();

        // Approved: on public notice, visible to anyone; published when the notice ends.
        let noticed = services
            .check_offering(&city, draft.id, Check::Approve, "", submitted.row_version)
            .await
            .unwrap();
        assert_eq!(noticed.status, OfferingStatus::Notice);
        assert_eq!(catalogue(None).await.len(), 1, "on notice, anyone sees it");
        assert!(matches!(
            services
                .update_offering(&polisher, draft.id, &service("改"), noticed.row_version)
                .await,
            Err(Error::Transition(_))
        ));
        clock.advance(5 * DAY);
        let published = services.offering(None, draft.id).await.unwrap();
        assert_eq!(published.status, OfferingStatus::Published);

        // A change is the next version; the published one stays until the next is published.
        let next = services.revise_offering(&polisher, draft.id).await.unwrap();
        assert_eq!((next.version, next.status), (2, OfferingStatus::Draft));
        assert!(matches!(
            services.revise_offering(&polisher, draft.id).await,
            Err(Error::Transition(_))
        ));
        let mut cheaper = service("机器人打磨抛光（每件）");
        cheaper.price = Some(Fen::new(45_000));
        let next = services
            .update_offering(&polisher, next.id, &cheaper, next.row_version)
            .await
            .unwrap();
        let next = services
            .submit_offering(&polisher, next.id, next.row_version)
            .await
            .unwrap();
        let next = services
            .check_offering(&city, next.id, Check::Approve, "", next.row_version)
            .await
            .unwrap();
        let shown = catalogue(None).await;
        assert_eq!(shown.len(), 1);
        assert_eq!(
            shown[0].version, 1,
            "the published version shows during the next one's notice"
        );
        clock.advance(5 * DAY);
        let shown = catalogue(None).await;
        assert_eq!(
            (shown[0].version, shown[0].price),
            (2, Some(Fen::new(45_000)))
        );
        assert_eq!(
            services.offering(None, draft.id).await.unwrap().status,
            OfferingStatus::Superseded
        );
        let versions = services.offering_versions(None, next.id).await.unwrap();
        assert_eq!(versions.len(), 2);

        // Filters: free, vouchers, sector, words.
        for (filter, count) in [
            (
                CatalogueFilter {
                    free: true,
                    ..CatalogueFilter::default()
                },
                0,
            ),
            (
                CatalogueFilter {
                    vouchers: true,
                    ..CatalogueFilter::default()
                },
                1,
            ),
            (
                CatalogueFilter {
                    sector: Some("shared-factory".into()),
                    ..CatalogueFilter::default()
                },
                1,
            ),
            (
                CatalogueFilter {
                    text: Some("打磨 来料".into()),
                    ..CatalogueFilter::default()
                },
                1,
            ),
            (
                CatalogueFilter {
                    text: Some("注塑".into()),
                    ..CatalogueFilter::default()
                },
                0,
            ),
        ] {
            assert_eq!(
                services.offerings(None, &filter).await.unwrap().len(),
                count,
                "{filter:?}"
            );
        }

        // Withdrawn: it leaves the catalogue.
        let current = services.offering(Some(&polisher), next.id).await.unwrap();
        services
            .withdraw_offering(&polisher, next.id, current.row_version)
            .await
            .unwrap();
        assert!(catalogue(None).await.is_empty());
        assert_eq!(
            services.offering(None, next.id).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
    }
}
