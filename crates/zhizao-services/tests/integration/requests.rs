//! Requests to delivery on every backend: an enterprise requests a published service; every step
//! is taken by its own side only (the other side and the city get 403, anyone else 404) from the
//! statuses it is allowed in, changes nothing when refused, and is audited; the request always
//! says whom it waits on; files follow the side that adds them.

use crate::World;
use zhizao_core::{Classified, ErrorKind, Fen};
use zhizao_identity::Principal;
use zhizao_services::{
    Check, OfferingInput, Party, PublicServices, RequestFilter, RequestStatus, SectorInput, Step,
    Terms,
};

const DAY: i64 = 86_400_000;
pub(crate) const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// A published service of the polishing platform priced `model`; its version's id.
pub(crate) async fn published(world: &World, model: &str, price: Option<i64>) -> i64 {
    let services = &world.services;
    services
        .save_sector(
            &world.city,
            &SectorInput {
                code: "shared-factory".into(),
                name: "共性工厂".into(),
                name_en: "Shared factories".into(),
                ..SectorInput::default()
            },
        )
        .await
        .unwrap();
    let draft = services
        .create_offering(
            &world.polisher,
            "polish",
            &OfferingInput {
                title: "不锈钢件打磨工艺诊断".into(),
                sector: "shared-factory".into(),
                description: "上门诊断打磨工艺，出具改进报告".into(),
                delivery_mode: "on_site".into(),
                price_model: model.into(),
                price: price.map(Fen::new),
                lead_days: 10,
                vouchers: true,
            },
        )
        .await
        .unwrap();
    let submitted = services
        .submit_offering(&world.polisher, draft.id, draft.row_version)
        .await
        .unwrap();
    services
        .check_offering(
            &world.city,
            draft.id,
            Check::Approve,
            "",
            submitted.row_version,
        )
        .await
        .unwrap();
    world.clock.advance(6 * DAY);
    draft.id
}

pub(crate) fn terms(amount: i64, starts_on: &str, due_on: &str) -> Terms {
    Terms {
        amount: Fen::new(amount),
        scope: "现场诊断两天，交付改进报告一份".into(),
        starts_on: starts_on.into(),
        due_on: due_on.into(),
    }
}

/// Everyone of the world with whether they see the request (of maker1 to polish).
fn everyone(world: &World) -> Vec<(&'static str, &Principal, bool)> {
    vec![
        ("city", &world.city, true),
        ("polisher", &world.polisher, true),
        ("maker1", &world.maker1, true),
        ("cutter", &world.cutter, false),
        ("maker2", &world.maker2, false),
        ("expert", &world.expert, false),
    ]
}

/// Takes `step` as every principal but `taker` (each refused: 403 to those who see the request,
/// 404 to the others, nothing changed), then as `taker`.
async fn only_taker(
    world: &World,
    number: &str,
    step: &Step,
    taker: &str,
) -> zhizao_services::ServiceRequest {
    let services: &PublicServices = &world.services;
    let before = services.request(&world.city, number).await.unwrap();
    for (name, who, sees) in everyone(world) {
        if name == taker {
            continue;
        }
        let error = services
            .step_request(who, number, step, before.row_version)
            .await
            .unwrap_err();
        let expected = if sees {
            ErrorKind::Forbidden
        } else {
            ErrorKind::NotFound
        };
        assert_eq!(error.kind(), expected, "{name} takes {}", step.name());
    }
    assert_eq!(services.request(&world.city, number).await.unwrap(), before);
    let who = everyone(world)
        .into_iter()
        .find(|(name, _, _)| *name == taker)
        .unwrap()
        .1;
    let after = services
        .step_request(who, number, step, before.row_version)
        .await
        .unwrap();
    assert_eq!(after.status, step.rule().2, "{}", step.name());
    after
}

#[tokio::test]
async fn a_request_goes_from_need_to_contract_delivery_dispute_acceptance_and_rating() {
    for world in crate::worlds().await {
        let offering = published(&world, "quote", None).await;
        let services = &world.services;

        // Only enterprises request, what is in the catalogue, with a need.
        for who in [&world.city, &world.polisher, &world.expert] {
            let error = services
                .create_request(who, offering, "需要诊断")
                .await
                .unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Forbidden);
        }
        let blank = services
            .create_request(&world.maker1, offering, "  ")
            .await
            .unwrap_err();
        assert_eq!(blank.field_errors()[0].field, "need");
        let request = services
            .create_request(&world.maker1, offering, "水龙头阀体打磨后划痕多，需要诊断")
            .await
            .unwrap();
        assert_eq!(request.status, RequestStatus::Requested);
        assert_eq!(request.waiting_on(), Some(Party::Platform));
        assert_eq!(request.platform_code, "polish");
        let number = request.number.clone();

        // Who sees it: its two sides and the city.
        for (name, who, sees) in everyone(&world) {
            let listed = services
                .requests(who, &RequestFilter::default())
                .await
                .unwrap();
            assert_eq!(listed.len(), usize::from(sees), "{name}");
            assert_eq!(services.request(who, &number).await.is_ok(), sees, "{name}");
        }
        let waiting = |party| RequestFilter {
            waiting_on: Some(party),
            ..RequestFilter::default()
        };
        assert_eq!(
            services
                .requests(&world.polisher, &waiting(Party::Platform))
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            services
                .requests(&world.polisher, &waiting(Party::Client))
                .await
                .unwrap()
                .is_empty()
        );

        // A step out of turn is refused by name; terms are checked field by field.
        let early = services
            .step_request(&world.maker1, &number, &Step::Accept, request.row_version)
            .await
            .unwrap_err();
        assert_eq!(early.code(), Some("illegal-transition"));
        for (bad, field) in [
            (terms(-1, "2026-12-03", "2026-12-10"), "amount_fen"),
            (terms(100, "12/3/2026", "2026-12-10"), "starts_on"),
            (terms(100, "2026-12-03", "2026-12-01"), "due_on"),
            (terms(100, "2026-11-01", "2026-12-10"), "starts_on"),
        ] {
            let error = services
                .step_request(
                    &world.polisher,
                    &number,
                    &Step::Quote(bad),
                    request.row_version,
                )
                .await
                .unwrap_err();
            assert_eq!(error.field_errors()[0].field, field);
        }
        let stale = services
            .step_request(
                &world.polisher,
                &number,
                &Step::Quote(terms(300_000, "2026-12-03", "2026-12-10")),
                request.row_version + 1,
            )
            .await
            .unwrap_err();
        assert_eq!(stale.code(), Some("stale-version"));

        // The happy path with one dispute, each step by its own side only.
        let quoted = only_taker(
            &world,
            &number,
            &Step::Quote(terms(300_000, "2026-12-03", "2026-12-10")),
            "polisher",
        )
        .await;
        assert_eq!(quoted.amount, Some(Fen::new(300_000)));
        assert_eq!(quoted.waiting_on(), Some(Party::Client));
        let contracted = only_taker(&world, &number, &Step::Confirm, "maker1").await;
        assert_eq!(contracted.confirmed_by.as_deref(), Some("maker1"));
        // The evidence comes before the report; the enterprise adds to its need meanwhile.
        let evidence = services
            .add_request_file(&world.polisher, &number, "诊断报告.pdf", PDF.to_vec())
            .await
            .unwrap();
        assert_eq!(evidence.purpose, "evidence");
        let need = services
            .add_request_file(&world.maker1, &number, "划痕照片.pdf", PDF.to_vec())
            .await
            .unwrap();
        assert_eq!(need.purpose, "need");
        let not_pdf = services
            .add_request_file(&world.maker1, &number, "x.pdf", b"hello".to_vec())
            .await
            .unwrap_err();
        assert_eq!(not_pdf.field_errors()[0].field, "file");
        for (name, who, _) in everyone(&world) {
            let files = services.request_files(who, &number).await;
            match name {
                "city" | "polisher" | "maker1" => {
                    assert_eq!(files.unwrap().len(), 2, "{name}");
                    let (file, bytes) = services
                        .request_file(who, &number, evidence.id)
                        .await
                        .unwrap();
                    assert_eq!((file, bytes.as_slice()), (evidence.clone(), PDF));
                }
                _ => {
                    assert_eq!(files.unwrap_err().kind(), ErrorKind::NotFound, "{name}");
                    let added = services
                        .add_request_file(who, &number, "a.pdf", PDF.to_vec())
                        .await
                        .unwrap_err();
                    assert_eq!(added.kind(), ErrorKind::NotFound, "{name}");
                }
            }
        }
        let report = |text: &str| Step::Deliver(text.into());
        let blank_report = services
            .step_request(
                &world.polisher,
                &number,
                &report(" "),
                contracted.row_version,
            )
            .await
            .unwrap_err();
        assert_eq!(blank_report.field_errors()[0].field, "report");
        world.clock.advance(DAY);
        only_taker(&world, &number, &report("已完成现场诊断"), "polisher").await;
        let blank_reason = services
            .step_request(
                &world.maker1,
                &number,
                &Step::Dispute(String::new()),
                services
                    .request(&world.maker1, &number)
                    .await
                    .unwrap()
                    .row_version,
            )
            .await
            .unwrap_err();
        assert_eq!(blank_reason.field_errors()[0].field, "reason");
        let disputed = only_taker(
            &world,
            &number,
            &Step::Dispute("报告缺少抛光参数建议".into()),
            "maker1",
        )
        .await;
        assert_eq!(disputed.waiting_on(), Some(Party::Platform));
        assert_eq!(disputed.reason, "报告缺少抛光参数建议");
        let redelivered = only_taker(
            &world,
            &number,
            &report("补充抛光参数建议后的诊断报告"),
            "polisher",
        )
        .await;
        assert_eq!(redelivered.deliveries, 2);
        let accepted = only_taker(&world, &number, &Step::Accept, "maker1").await;
        assert_eq!(accepted.waiting_on(), Some(Party::Client));
        assert_eq!(accepted.on_time(), Some(true));
        // A rating is 1 to 5, by the enterprise only.
        let too_high = services
            .step_request(
                &world.maker1,
                &number,
                &Step::Rate {
                    rating: 6,
                    comment: String::new(),
                },
                accepted.row_version,
            )
            .await
            .unwrap_err();
        assert_eq!(too_high.field_errors()[0].field, "rating");
        let rated = only_taker(
            &world,
            &number,
            &Step::Rate {
                rating: 4,
                comment: "诊断细致".into(),
            },
            "maker1",
        )
        .await;
        assert_eq!((rated.rating, rated.waiting_on()), (Some(4), None));
        let again = services
            .step_request(
                &world.maker1,
                &number,
                &Step::Rate {
                    rating: 5,
                    comment: String::new(),
                },
                rated.row_version,
            )
            .await
            .unwrap_err();
        assert_eq!(again.code(), Some("illegal-transition"));
        // Once rated the enterprise adds nothing; the platform's evidence may still follow
        // (a voucher claim rests on it).
        let closed = services
            .add_request_file(&world.maker1, &number, "补充.pdf", PDF.to_vec())
            .await
            .unwrap_err();
        assert_eq!(closed.code(), Some("illegal-transition"));

        // Every step is in the history, oldest first, to whoever sees the request.
        let history = services
            .request_history(&world.maker1, &number)
            .await
            .unwrap();
        let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "service_request.created",
                "service_request.quoted",
                "service_request.confirmed",
                "service_request.file_added",
                "service_request.file_added",
                "service_request.delivered",
                "service_request.disputed",
                "service_request.delivered",
                "service_request.accepted",
                "service_request.rated",
            ]
        );
        assert_eq!(
            services
                .request_history(&world.maker2, &number)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );

        // The platform's year from its requests: one enterprise served, on time, satisfied;
        // short of a demonstration platform's count and free share. Its staff and the city
        // read it; the public sees the mean rating only.
        for who in [&world.polisher, &world.city] {
            let years = services.platform_figures(who, "polish").await.unwrap();
            assert_eq!(years.len(), 1);
            let year = &years[0];
            assert_eq!(year.year, 2026);
            assert_eq!(
                (year.requests, year.served, year.contracts, year.completed),
                (1, 1, 1, 1)
            );
            assert_eq!(year.contract_value, Fen::new(300_000));
            assert_eq!(year.on_time_per_mille(), Some(1000));
            assert_eq!(year.satisfaction_per_mille(), Some(1000));
            assert_eq!(year.free_per_mille(), Some(0));
            assert_eq!(year.shortfalls().len(), 2, "{:?}", year.shortfalls());
        }
        for who in [&world.maker1, &world.cutter, &world.expert] {
            let error = services.platform_figures(who, "polish").await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::NotFound);
        }
        let compared = services.figures_of_year(&world.city, 2026).await.unwrap();
        let served: Vec<(&str, i64)> = compared
            .iter()
            .map(|(code, _, y)| (code.as_str(), y.served))
            .collect();
        assert_eq!(served, [("polish", 1), ("cutting", 0)]);
        assert_eq!(
            services
                .figures_of_year(&world.polisher, 2026)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::Forbidden
        );
        assert_eq!(
            services.public_rating("polish").await.unwrap(),
            (1, Some(40))
        );
        assert_eq!(services.public_rating("cutting").await.unwrap(), (0, None));
    }
}

#[tokio::test]
async fn a_request_is_declined_or_withdrawn_and_a_free_service_costs_nothing() {
    for world in crate::worlds().await {
        let offering = published(&world, "free", None).await;
        let services = &world.services;
        let first = services
            .create_request(&world.maker1, offering, "需要免费诊断")
            .await
            .unwrap();
        let priced = services
            .step_request(
                &world.polisher,
                &first.number,
                &Step::Quote(terms(100, "2026-12-03", "2026-12-04")),
                first.row_version,
            )
            .await
            .unwrap_err();
        assert_eq!(priced.field_errors()[0].field, "amount_fen");
        let quoted = services
            .step_request(
                &world.polisher,
                &first.number,
                &Step::Quote(terms(0, "2026-12-03", "2026-12-04")),
                first.row_version,
            )
            .await
            .unwrap();
        // The platform may propose again until the enterprise confirms.
        let requoted = services
            .step_request(
                &world.polisher,
                &first.number,
                &Step::Quote(terms(0, "2026-12-05", "2026-12-06")),
                quoted.row_version,
            )
            .await
            .unwrap();
        assert_eq!(requoted.starts_on.as_deref(), Some("2026-12-05"));
        let declined = only_taker(
            &world,
            &first.number,
            &Step::Decline("本月排期已满".into()),
            "polisher",
        )
        .await;
        assert_eq!(declined.waiting_on(), None);

        let second = services
            .create_request(&world.maker1, offering, "再次申请")
            .await
            .unwrap();
        let cancelled = only_taker(
            &world,
            &second.number,
            &Step::Cancel("已自行解决".into()),
            "maker1",
        )
        .await;
        assert_eq!(cancelled.reason, "已自行解决");
        let closed = services
            .add_request_file(&world.maker1, &second.number, "a.pdf", PDF.to_vec())
            .await
            .unwrap_err();
        assert_eq!(closed.code(), Some("illegal-transition"));

        // A withdrawn service leaves the catalogue and takes no new requests; those made stay.
        let version = services
            .offering(Some(&world.polisher), offering)
            .await
            .unwrap();
        services
            .withdraw_offering(&world.polisher, offering, version.row_version)
            .await
            .unwrap();
        let gone = services
            .create_request(&world.maker1, offering, "还想申请")
            .await
            .unwrap_err();
        assert_eq!(gone.kind(), ErrorKind::NotFound);
        let filter = RequestFilter {
            status: Some(RequestStatus::Declined),
            ..RequestFilter::default()
        };
        let listed = services.requests(&world.city, &filter).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].number, first.number);
    }
}
