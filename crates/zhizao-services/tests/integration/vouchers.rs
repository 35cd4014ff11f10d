//! Innovation vouchers on every backend: the city opens a programme and grants quotas; an
//! enterprise pays part of a contract; the platform claims after delivery with evidence; the
//! city reviews and reimburses; closing expires the rest. Bad input changes nothing, a quota is
//! never spent twice even by concurrent uses, and the ledger's sums are the balances.

use crate::World;
use crate::requests::{PDF, published, terms};
use zhizao_core::{Classified, ErrorKind, Fen};
use zhizao_services::{Account, ProgrammeInput, Step};

fn programme(code: &str) -> ProgrammeInput {
    ProgrammeInput {
        code: code.into(),
        year: 2026,
        title: "2026 年科技创新券".into(),
        budget: Fen::new(1_000_000),
        share_bp: 5_000,
        cap_per_enterprise: Fen::new(200_000),
        sectors: vec!["shared-factory".into()],
        platforms: vec!["polish".into()],
        ends_on: "2026-12-31".into(),
    }
}

/// A request of maker1 for service `offering` with a confirmed contract of `amount` fen.
async fn contract(world: &World, offering: i64, amount: i64) -> String {
    let services = &world.services;
    let request = services
        .create_request(&world.maker1, offering, "需要打磨工艺诊断")
        .await
        .unwrap();
    let quoted = services
        .step_request(
            &world.polisher,
            &request.number,
            &Step::Quote(terms(amount, "2026-12-03", "2026-12-20")),
            request.row_version,
        )
        .await
        .unwrap();
    services
        .step_request(
            &world.maker1,
            &request.number,
            &Step::Confirm,
            quoted.row_version,
        )
        .await
        .unwrap();
    request.number
}

#[tokio::test]
async fn a_voucher_pays_part_of_a_contract_and_is_claimed_reviewed_and_reimbursed() {
    for world in crate::worlds().await {
        let services = &world.services;
        let offering = published(&world, "quote", None).await;

        // The city opens a programme; bad rules are named by field.
        for (change, field) in [
            (
                (|p: &mut ProgrammeInput| p.share_bp = 0) as fn(&mut ProgrammeInput),
                "share_bp",
            ),
            (
                |p| p.cap_per_enterprise = Fen::new(2_000_000),
                "cap_per_enterprise_fen",
            ),
            (|p| p.sectors = vec!["nowhere".into()], "sectors"),
            (|p| p.platforms = vec!["nobody".into()], "platforms"),
            (|p| p.ends_on = "明年".into(), "ends_on"),
        ] {
            let mut input = programme("CV2026");
            change(&mut input);
            let error = services
                .open_programme(&world.city, &input)
                .await
                .unwrap_err();
            assert_eq!(error.field_errors()[0].field, field);
        }
        let forbidden = services
            .open_programme(&world.polisher, &programme("CV2026"))
            .await
            .unwrap_err();
        assert_eq!(forbidden.kind(), ErrorKind::Forbidden);
        let opened = services
            .open_programme(&world.city, &programme("CV2026"))
            .await
            .unwrap();
        assert_eq!(opened.unallocated, Fen::new(1_000_000));

        // Enterprises apply within the cap; the city grants or refuses with a reason.
        let over = services
            .apply_for_quota(&world.maker1, "CV2026", Fen::new(300_000), "打磨工艺诊断")
            .await
            .unwrap_err();
        assert_eq!(over.field_errors()[0].field, "amount_fen");
        let applied = services
            .apply_for_quota(&world.maker1, "CV2026", Fen::new(150_000), "打磨工艺诊断")
            .await
            .unwrap();
        let other = services
            .apply_for_quota(&world.maker2, "CV2026", Fen::new(100_000), "检测认证")
            .await
            .unwrap();
        let granted = services
            .decide_quota(
                &world.city,
                applied.id,
                Some(Fen::new(150_000)),
                "",
                applied.row_version,
            )
            .await
            .unwrap();
        assert_eq!(
            (granted.status.as_str(), granted.available_fen),
            ("granted", 150_000)
        );
        let unexplained = services
            .decide_quota(&world.city, other.id, None, " ", other.row_version)
            .await
            .unwrap_err();
        assert_eq!(unexplained.field_errors()[0].field, "reason");
        services
            .decide_quota(
                &world.city,
                other.id,
                None,
                "不在适用范围",
                other.row_version,
            )
            .await
            .unwrap();
        let theirs = services.quota(&world.maker2, applied.id).await.unwrap_err();
        assert_eq!(theirs.kind(), ErrorKind::NotFound);

        // A voucher pays at most half the contract, only the enterprise's own, once.
        let first = contract(&world, offering, 300_000).await;
        for (who, kind) in [
            (&world.polisher, ErrorKind::Forbidden),
            (&world.city, ErrorKind::Forbidden),
            (&world.maker2, ErrorKind::NotFound),
        ] {
            let error = services
                .use_voucher(who, &first, "CV2026", Fen::new(10_000))
                .await
                .unwrap_err();
            assert_eq!(error.kind(), kind);
        }
        let too_much = services
            .use_voucher(&world.maker1, &first, "CV2026", Fen::new(150_001))
            .await
            .unwrap_err();
        assert_eq!(too_much.field_errors()[0].field, "amount_fen");
        let used = services
            .use_voucher(&world.maker1, &first, "CV2026", Fen::new(100_000))
            .await
            .unwrap();
        assert_eq!(used.status, "reserved");
        let twice = services
            .use_voucher(&world.maker1, &first, "CV2026", Fen::new(10_000))
            .await
            .unwrap_err();
        assert_eq!(twice.code(), Some("illegal-transition"));

        // Two contracts, 50,000 free: concurrent uses of it all, and of one contract twice:
        // exactly one of each pair passes.
        let second = contract(&world, offering, 100_000).await;
        let third = contract(&world, offering, 100_000).await;
        let (a, b) = tokio::join!(
            services.use_voucher(&world.maker1, &second, "CV2026", Fen::new(50_000)),
            services.use_voucher(&world.maker1, &third, "CV2026", Fen::new(50_000)),
        );
        assert_eq!(
            usize::from(a.is_ok()) + usize::from(b.is_ok()),
            1,
            "{a:?} {b:?}"
        );
        let quota = services.quota(&world.maker1, applied.id).await.unwrap();
        assert_eq!((quota.available_fen, quota.reserved_fen), (0, 150_000));
        let winner = a.or(b).unwrap();
        services
            .release_voucher(&world.maker1, winner.id, winner.row_version)
            .await
            .unwrap();
        let (c, d) = tokio::join!(
            services.use_voucher(&world.maker1, &second, "CV2026", Fen::new(20_000)),
            services.use_voucher(&world.maker1, &second, "CV2026", Fen::new(20_000)),
        );
        assert_eq!(
            usize::from(c.is_ok()) + usize::from(d.is_ok()),
            1,
            "{c:?} {d:?}"
        );

        // The claim waits for the accepted delivery, the evidence and the payment proof.
        let early = services
            .claim_voucher(
                &world.polisher,
                used.id,
                used.row_version,
                Some(("付款.pdf", PDF.to_vec())),
            )
            .await
            .unwrap_err();
        assert_eq!(early.code(), Some("illegal-transition"));
        let request = services.request(&world.polisher, &first).await.unwrap();
        let delivered = services
            .step_request(
                &world.polisher,
                &first,
                &Step::Deliver("已完成".into()),
                request.row_version,
            )
            .await
            .unwrap();
        services
            .step_request(&world.maker1, &first, &Step::Accept, delivered.row_version)
            .await
            .unwrap();
        let bare = services
            .claim_voucher(
                &world.polisher,
                used.id,
                used.row_version,
                Some(("付款.pdf", PDF.to_vec())),
            )
            .await
            .unwrap_err();
        assert_eq!(bare.field_errors()[0].field, "evidence");
        let evidence = services
            .request_files(&world.polisher, &first)
            .await
            .unwrap()
            .len();
        assert_eq!(evidence, 0, "a refused claim keeps no file");
        services
            .add_request_file(&world.polisher, &first, "诊断报告.pdf", PDF.to_vec())
            .await
            .unwrap();
        let unpaid = services
            .claim_voucher(&world.polisher, used.id, used.row_version, None)
            .await
            .unwrap_err();
        assert_eq!(unpaid.field_errors()[0].field, "file");
        let by_client = services
            .claim_voucher(
                &world.maker1,
                used.id,
                used.row_version,
                Some(("付款.pdf", PDF.to_vec())),
            )
            .await
            .unwrap_err();
        assert_eq!(by_client.kind(), ErrorKind::Forbidden);
        let claimed = services
            .claim_voucher(
                &world.polisher,
                used.id,
                used.row_version,
                Some(("付款.pdf", PDF.to_vec())),
            )
            .await
            .unwrap();
        assert_eq!(claimed.status, "claimed");

        // The city returns it with a reason, the platform claims again, the city approves and pays.
        let silent = services
            .review_voucher(&world.city, used.id, claimed.row_version, false, "")
            .await
            .unwrap_err();
        assert_eq!(silent.field_errors()[0].field, "note");
        let by_platform = services
            .review_voucher(&world.polisher, used.id, claimed.row_version, true, "")
            .await
            .unwrap_err();
        assert_eq!(by_platform.kind(), ErrorKind::Forbidden);
        let returned = services
            .review_voucher(
                &world.city,
                used.id,
                claimed.row_version,
                false,
                "付款凭证不清晰",
            )
            .await
            .unwrap();
        assert_eq!(returned.status, "reserved");
        let again = services
            .claim_voucher(
                &world.polisher,
                used.id,
                returned.row_version,
                Some(("付款2.pdf", PDF.to_vec())),
            )
            .await
            .unwrap();
        let approved = services
            .review_voucher(&world.city, used.id, again.row_version, true, "")
            .await
            .unwrap();
        let no_reference = services
            .reimburse_voucher(&world.city, used.id, approved.row_version, "")
            .await
            .unwrap_err();
        assert_eq!(no_reference.field_errors()[0].field, "payment_reference");
        let paid = services
            .reimburse_voucher(&world.city, used.id, approved.row_version, "ZS2026-0001")
            .await
            .unwrap();
        assert_eq!(
            (paid.status.as_str(), paid.payment_reference.as_str()),
            ("reimbursed", "ZS2026-0001")
        );

        // Closing expires what is free; the ledger's sums are every quota's balances.
        services
            .close_programme(&world.city, "CV2026")
            .await
            .unwrap();
        let late = services
            .apply_for_quota(&world.maker2, "CV2026", Fen::new(1), "x")
            .await
            .unwrap_err();
        assert_eq!(late.code(), Some("illegal-transition"));
        let summary = services
            .ledger_summary(&world.city, "CV2026")
            .await
            .unwrap();
        let whole = &summary.programme;
        assert_eq!(whole.of(Account::Appropriation), -1_000_000);
        assert_eq!(whole.of(Account::Budget), 850_000);
        assert_eq!(whole.granted, 150_000);
        assert_eq!(whole.of(Account::Reimbursed), 100_000);
        assert_eq!(whole.of(Account::Reserved), 20_000);
        assert_eq!(whole.of(Account::Expired), 30_000);
        assert_eq!(whole.of(Account::Available), 0);
        for (account, balance) in &whole.accounts {
            assert!(
                *balance >= 0 || account == "appropriation",
                "{account} is {balance}"
            );
        }
        for quota in services.quotas(&world.city, "CV2026").await.unwrap() {
            let sums = summary
                .enterprises
                .get(&quota.enterprise_code)
                .cloned()
                .unwrap_or_default();
            assert_eq!(
                (
                    sums.granted,
                    sums.of(Account::Available),
                    sums.of(Account::Reserved),
                    sums.of(Account::Claimed),
                    sums.of(Account::Redeemed),
                    sums.of(Account::Reimbursed),
                    sums.of(Account::Expired),
                ),
                (
                    quota.granted_fen,
                    quota.available_fen,
                    quota.reserved_fen,
                    quota.claimed_fen,
                    quota.redeemed_fen,
                    quota.reimbursed_fen,
                    quota.expired_fen,
                ),
                "{}",
                quota.enterprise_code
            );
        }
        assert_eq!(summary.platforms["polish"].of(Account::Reimbursed), 100_000);
        let year = services
            .platform_figures(&world.city, "polish")
            .await
            .unwrap();
        assert_eq!(year[0].vouchers_redeemed, Fen::new(100_000));
        // Each side sees its own part of the ledger.
        assert!(
            services
                .ledger(&world.maker2, "CV2026")
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            services
                .ledger(&world.expert, "CV2026")
                .await
                .unwrap()
                .is_empty()
        );
        let platform_view = services.ledger(&world.polisher, "CV2026").await.unwrap();
        assert!(!platform_view.is_empty());
        assert!(
            platform_view
                .iter()
                .all(|e| e.platform_code.as_deref() == Some("polish"))
        );
    }
}
