//! The projects service on every backend, without HTTP: rule sets and batches, an application
//! from draft to payment with its trail and amounts, refusals that change nothing, and scope.

use std::sync::Arc;

use zhizao_core::{Classified, ErrorKind, Fen, FixedClock, PageRequest};
use zhizao_db::testing::{TestDatabase, test_databases};
use zhizao_identity::testing::{self, credit_code};
use zhizao_identity::{Identity, Principal};
use zhizao_projects::rules::{Category, RuleParameters};
use zhizao_projects::workflow::{Action, Status};
use zhizao_projects::{
    ActionRequest, ApplicationFilter, ApplicationInput, BatchInput, Error, ItemInput, Projects,
};
use zhizao_registry::reference;
use zhizao_registry::testing::{enterprise, register};

const DAY_MS: i64 = 86_400_000;

struct Fixture {
    projects: Projects,
    identity: Identity,
    clock: Arc<FixedClock>,
    _attachments: tempfile::TempDir,
    _db: TestDatabase,
}

impl Fixture {
    async fn sign_in(&self, username: &str) -> Principal {
        testing::sign_in(&self.identity, username).await
    }
}

/// The test kit's cast, the makers' enterprise and another in Xiaolan, a rival in Nantou, and a
/// published post-completion batch with its rule set.
async fn fixture(test: TestDatabase) -> Fixture {
    let db = test.db.clone();
    reference::sync(&db).await.unwrap();
    let clock = testing::fixed_clock();
    let identity = testing::identity(&db, &clock);
    let attachments = tempfile::tempdir().unwrap();
    let projects = Projects::new(db.clone(), Arc::<FixedClock>::clone(&clock))
        .with_attachment_dir(attachments.path().to_owned());
    let mut transaction = db.begin().await.unwrap();
    testing::create_organizations(&mut transaction, testing::ORGANIZATIONS).await;
    register(
        &mut transaction,
        &[
            enterprise(1, "442000118", "3851"),
            enterprise(2, "442000118", "3399"),
            enterprise(3, "442000111", "3856"),
        ],
    )
    .await;
    testing::create_users(&mut transaction, testing::USERS).await;
    testing::create_users(
        &mut transaction,
        &[
            ("maker", &credit_code(1), "enterprise_user"),
            ("rival", &credit_code(3), "enterprise_user"),
        ],
    )
    .await;
    transaction.commit().await.unwrap();
    let f = Fixture {
        projects,
        identity,
        clock,
        _attachments: attachments,
        _db: test,
    };
    let staff = f.sign_in("staff").await;
    f.projects
        .save_rule_set(
            &staff,
            "post-completion",
            "事后奖补（测试）",
            &rules(),
            None,
        )
        .await
        .unwrap();
    f.projects
        .create_batch(
            &staff,
            &BatchInput {
                code: Some("PC-2026".into()),
                programme: Some("post_completion".into()),
                year: Some(2026),
                title: Some("2026 年技术改造事后奖补".into()),
                opens_on: Some("2026-11-01".into()),
                closes_on: Some("2026-12-31".into()),
                required_attachments: Some(Vec::new()),
                rule_set: Some("post-completion".into()),
                notice_days: Some(7),
                ..BatchInput::default()
            },
        )
        .await
        .unwrap();
    f.projects
        .set_batch_status(
            &staff,
            "PC-2026",
            zhizao_projects::BatchStatus::Published,
            None,
        )
        .await
        .unwrap();
    f
}

/// Equipment, software and installation count; at least 1 M yuan; 10 %; at most 2 M a project;
/// related parties and items invoiced before 2026 excluded.
fn rules() -> RuleParameters {
    RuleParameters {
        eligible_categories: vec![
            Category::Equipment,
            Category::Software,
            Category::Installation,
        ],
        min_eligible_investment_fen: Fen::new(100_000_000),
        rate_basis_points: 1000,
        cap_per_project_fen: Some(Fen::new(200_000_000)),
        cap_per_enterprise_year_fen: None,
        exclude_related_party_suppliers: true,
        earliest_invoice_date: Some("2026-01-01".into()),
    }
}

/// Equipment 3 × 400,000.00 and software 123,456.78 count; the building and the related-party
/// item do not: eligible 1,323,456.78 yuan, 10 % = 132,345.67 yuan.
fn application(project: &str, invoice_prefix: &str) -> ApplicationInput {
    let item =
        |category: &str, name: &str, quantity: i64, price: i64, n: u32, related: bool| ItemInput {
            category: Some(category.into()),
            name: Some(name.into()),
            quantity: Some(quantity),
            unit_price_fen: Some(Fen::new(price)),
            supplier: Some("某某装备公司".into()),
            related_party: Some(related),
            invoice_number: Some(format!("{invoice_prefix}-{n}")),
            invoice_date: Some("2026-03-01".into()),
            ..ItemInput::default()
        };
    ApplicationInput {
        batch: Some("PC-2026".into()),
        project_name: Some(project.into()),
        upgrade_type: Some("industrial_robots".into()),
        starts_on: Some("2026-01-01".into()),
        ends_on: Some("2026-09-30".into()),
        expected_output_value_fen: Some(Fen::new(5_000_000_000)),
        items: vec![
            item("equipment", "六轴机器人", 3, 40_000_000, 1, false),
            item("software", "MES", 1, 12_345_678, 2, false),
            item("buildings", "厂房改造", 1, 90_000_000, 3, false),
            item("equipment", "关联方设备", 1, 50_000_000, 4, true),
        ],
        ..ApplicationInput::default()
    }
}

async fn step(
    f: &Fixture,
    who: &Principal,
    number: &str,
    action: Action,
) -> zhizao_projects::Result<zhizao_projects::ApplicationDetail> {
    let version = f
        .projects
        .application(who, number)
        .await?
        .application
        .version;
    f.projects
        .act(
            who,
            number,
            &ActionRequest {
                action,
                version,
                comment: "同意".into(),
            },
        )
        .await
}

#[tokio::test]
async fn an_application_goes_from_draft_to_payment_with_its_trail_and_amounts() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let (maker, xiaolan, staff) = (
            f.sign_in("maker").await,
            f.sign_in("xiaolan").await,
            f.sign_in("staff").await,
        );
        let draft = f
            .projects
            .create_application(&maker, &application("机器人打磨产线改造", "M"))
            .await
            .unwrap();
        let number = draft.application.number.clone();
        assert_eq!(draft.application.status, Status::Draft);
        assert_eq!(
            draft.application.total_investment_fen,
            Fen::new(272_345_678)
        );
        // An edit against an older version changes nothing.
        let stale = f
            .projects
            .update_application(&maker, &number, &application("改名", "M"), 0)
            .await
            .unwrap_err();
        assert!(matches!(stale, Error::StaleVersion { .. }), "{stale}");
        assert_eq!(
            f.projects
                .application(&maker, &number)
                .await
                .unwrap()
                .application
                .project_name,
            "机器人打磨产线改造"
        );

        step(&f, &maker, &number, Action::Submit).await.unwrap();
        step(&f, &xiaolan, &number, Action::TownApprove)
            .await
            .unwrap();
        let notice = step(&f, &staff, &number, Action::StartNotice)
            .await
            .unwrap();
        assert_eq!(
            notice.application.notice_ends_at,
            Some(testing::NOW.plus_millis(7 * DAY_MS))
        );
        // Not before the notice ends, nor with an objection open.
        let early = step(&f, &staff, &number, Action::Approve)
            .await
            .unwrap_err();
        assert_eq!(early.kind(), ErrorKind::Conflict, "{early}");
        let objection = f
            .projects
            .add_objection(&staff, &number, "某公民", "设备来源存疑")
            .await
            .unwrap();
        f.clock.advance(8 * DAY_MS);
        let objected = step(&f, &staff, &number, Action::Approve)
            .await
            .unwrap_err();
        assert!(objected.to_string().contains("objection"), "{objected}");
        f.projects
            .resolve_objection(&staff, &number, objection.id, "经核实无误")
            .await
            .unwrap();
        let approved = step(&f, &staff, &number, Action::Approve).await.unwrap();
        assert_eq!(approved.application.status, Status::Approved);
        assert_eq!(
            approved.application.eligible_investment_fen,
            Some(Fen::new(132_345_678))
        );
        assert_eq!(approved.application.granted_fen, Some(Fen::new(13_234_567)));
        let evaluation = approved.evaluations.last().unwrap();
        assert_eq!(evaluation.rule_set_version, 1);
        assert_eq!(evaluation.amount_fen, Fen::new(13_234_567));

        step(&f, &maker, &number, Action::ReportCompletion)
            .await
            .unwrap();
        step(&f, &staff, &number, Action::Accept).await.unwrap();
        let paid = step(&f, &staff, &number, Action::Disburse).await.unwrap();
        assert_eq!(paid.application.status, Status::Disbursed);
        assert_eq!(paid.application.disbursed_fen, Some(Fen::new(13_234_567)));
        assert!(paid.actions.is_empty(), "a paid application offers nothing");
        let trail: Vec<&str> = paid.events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            trail,
            [
                "created",
                "submit",
                "town_approve",
                "start_notice",
                "approve",
                "report_completion",
                "accept",
                "disburse"
            ]
        );
    }
}

#[tokio::test]
async fn applications_exist_only_in_their_scope_and_drafts_only_for_their_enterprise() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let maker = f.sign_in("maker").await;
        let number = f
            .projects
            .create_application(&maker, &application("注塑车间数字化", "D"))
            .await
            .unwrap()
            .application
            .number;
        // A draft is the enterprise's own: nobody else, the city included, sees it.
        for username in ["xiaolan", "nantou", "staff", "polisher", "expert", "rival"] {
            let other = f.sign_in(username).await;
            let error = f.projects.application(&other, &number).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::NotFound, "{username}: {error}");
        }
        step(&f, &maker, &number, Action::Submit).await.unwrap();
        // Submitted: its town and the city see it; the other town, platforms, experts and other
        // enterprises do not.
        for (username, sees) in [
            ("xiaolan", true),
            ("staff", true),
            ("admin", true),
            ("nantou", false),
            ("polisher", false),
            ("expert", false),
            ("rival", false),
        ] {
            let who = f.sign_in(username).await;
            let found = f.projects.application(&who, &number).await;
            assert_eq!(found.is_ok(), sees, "{username}");
            let listed = f
                .projects
                .list_applications(&who, &ApplicationFilter::default(), PageRequest::default())
                .await
                .map(|page| page.total)
                .unwrap_or(0);
            assert_eq!(listed, i64::from(sees), "{username}");
        }
        // The rival's town cannot take the town's step on it either.
        let nantou = f.sign_in("nantou").await;
        let refused = step(&f, &nantou, &number, Action::TownApprove)
            .await
            .unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::NotFound);
        // The queue says what waits on whom.
        let xiaolan = f.sign_in("xiaolan").await;
        let queue = f.projects.queue(&xiaolan).await.unwrap();
        assert_eq!(queue.len(), 1);
        assert_eq!(queue[0].status, Status::TownReview);
        assert_eq!(queue[0].count, 1);
    }
}

#[tokio::test]
async fn one_project_per_enterprise_and_batch_and_each_invoice_claimed_once() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let maker = f.sign_in("maker").await;
        f.projects
            .create_application(&maker, &application("机器人打磨产线改造", "M"))
            .await
            .unwrap();
        let duplicate = f
            .projects
            .create_application(&maker, &application("机器人打磨产线改造", "N"))
            .await
            .unwrap_err();
        assert!(
            matches!(duplicate, Error::DuplicateProject { .. }),
            "{duplicate}"
        );
        // The same invoice numbers in one application are refused item by item.
        let mut repeated = application("激光切割升级", "R");
        repeated.items[1].invoice_number = repeated.items[0].invoice_number.clone();
        let error = f
            .projects
            .create_application(&maker, &repeated)
            .await
            .unwrap_err();
        let fields: Vec<String> = error.field_errors().into_iter().map(|e| e.field).collect();
        assert!(
            fields.contains(&"items[1].invoice_number".to_owned()),
            "{fields:?}"
        );
        // Nothing was stored by the refusals.
        let listed = f
            .projects
            .list_applications(
                &maker,
                &ApplicationFilter::default(),
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(listed.total, 1);
    }
}

#[tokio::test]
async fn a_major_call_is_reviewed_blind_and_awarded_within_its_budget() {
    use zhizao_projects::major::{
        BudgetLine, CallInput, CallStatus, ExpertProfile, MajorStatus, PlannedMilestone, Proposal,
        ProposalInput,
    };
    use zhizao_projects::scoring::Criterion;

    for test in test_databases().await {
        let f = fixture(test).await;
        let (staff, maker, expert) = (
            f.sign_in("staff").await,
            f.sign_in("maker").await,
            f.sign_in("expert").await,
        );
        let call = f
            .projects
            .create_call(
                &staff,
                &CallInput {
                    code: "ST-2027".into(),
                    title: "2027 年重大科技专项".into(),
                    year: 2027,
                    topics: vec!["人工智能".into(), "机器人".into()],
                    criteria: vec![
                        Criterion {
                            name: "技术先进性".into(),
                            weight: 60,
                        },
                        Criterion {
                            name: "产业化前景".into(),
                            weight: 40,
                        },
                    ],
                    budget_fen: Fen::new(300_000_000),
                    experts_per_application: 1,
                    opens_on: "2026-11-01".into(),
                    closes_on: "2026-12-31".into(),
                    review_due_on: Some("2027-01-20".into()),
                    blind_review: true,
                },
            )
            .await
            .unwrap();
        assert_eq!(call.status, CallStatus::Draft);
        // Only the next status is possible, by the city only.
        let skipped = f
            .projects
            .set_call_status(&staff, "ST-2027", CallStatus::Reviewing)
            .await
            .unwrap_err();
        assert_eq!(skipped.kind(), ErrorKind::Conflict, "{skipped}");
        f.projects
            .set_call_status(&staff, "ST-2027", CallStatus::Open)
            .await
            .unwrap();
        let proposal = Proposal {
            objectives: "复杂曲面打磨一次合格率达到 98%".into(),
            approach: "三维视觉定位与力控打磨".into(),
            indicators: "节拍 90 秒/件".into(),
            budget: vec![
                BudgetLine {
                    item: "设备购置".into(),
                    amount_fen: Fen::new(250_000_000),
                },
                BudgetLine {
                    item: "测试化验加工费".into(),
                    amount_fen: Fen::new(50_000_000),
                },
            ],
            plan: vec![
                PlannedMilestone {
                    title: "样机".into(),
                    due_on: "2027-06-30".into(),
                },
                PlannedMilestone {
                    title: "产线验证".into(),
                    due_on: "2027-12-31".into(),
                },
            ],
        };
        let input = ProposalInput {
            call: "ST-2027".into(),
            topic: "机器人".into(),
            title: "打磨机器人视觉引导".into(),
            summary: "用视觉引导六轴机器人打磨复杂曲面".into(),
            requested_fen: Fen::new(200_000_000),
            proposal: proposal.clone(),
        };
        let application = f.projects.apply_to_call(&maker, &input).await.unwrap();
        assert_eq!(application.status, MajorStatus::Submitted);
        let attachment = f
            .projects
            .add_major_attachment(
                &maker,
                &application.number,
                "技术报告",
                "美信电器技术报告.pdf",
                b"%PDF-1.7\n%%EOF\n".to_vec(),
            )
            .await
            .unwrap();
        // Problems of the proposal are named line by line, with everything else.
        let mut bad = input.clone();
        bad.title = "另一个项目".into();
        bad.topic = "人工智能".into();
        bad.requested_fen = Fen::new(400_000_000);
        bad.proposal.budget[1].item = " ".into();
        bad.proposal.plan[1].due_on = "2027-01-01".into();
        let beyond = f.projects.apply_to_call(&maker, &bad).await.unwrap_err();
        let fields: Vec<String> = beyond.field_errors().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "requested_fen",
                "budget[1].item",
                "budget",
                "plan[1].due_on"
            ],
            "{beyond}"
        );

        f.projects
            .save_expert_profile(
                &staff,
                &ExpertProfile {
                    username: "expert".into(),
                    affiliation_name: "中山大学".into(),
                    fields: vec!["机器人".into()],
                    ..ExpertProfile::default()
                },
            )
            .await
            .unwrap();
        f.projects
            .set_call_status(&staff, "ST-2027", CallStatus::Reviewing)
            .await
            .unwrap();
        let report = f.projects.assign_experts(&staff, "ST-2027").await.unwrap();
        assert_eq!(report.assigned, 1);
        // The expert sees the proposal whole and its deadline, never the applicant, not even
        // through a file's name.
        let reviews = f.projects.my_reviews(&expert).await.unwrap();
        assert_eq!(reviews.len(), 1);
        assert_eq!(reviews[0].title, "打磨机器人视觉引导");
        assert_eq!(reviews[0].proposal, proposal);
        assert_eq!(reviews[0].review_due_on.as_deref(), Some("2027-01-20"));
        assert_eq!(reviews[0].applicant, None);
        let (file, bytes) = f
            .projects
            .review_attachment(&expert, reviews[0].id, attachment.id)
            .await
            .unwrap();
        assert_eq!(file.file_name, format!("技术报告-{}.pdf", attachment.id));
        assert!(bytes.starts_with(b"%PDF"));
        assert_eq!(
            f.projects
                .review_attachment(&maker, reviews[0].id, attachment.id)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound,
            "only the assigned expert reads it this way"
        );
        let scores = [("技术先进性".to_owned(), 90), ("产业化前景".to_owned(), 80)]
            .into_iter()
            .collect();
        f.projects
            .score(&expert, reviews[0].id, &scores, "方案可行")
            .await
            .unwrap();
        let ranking = f.projects.rank_call(&staff, "ST-2027").await.unwrap();
        assert_eq!(ranking[0].application.number, application.number);
        // 90 × 60 % + 80 × 40 % = 86 points.
        assert_eq!(ranking[0].application.score_milli, Some(86_000));

        let version = ranking[0].application.version;
        let over = f
            .projects
            .decide_award(
                &staff,
                &application.number,
                Some(Fen::new(250_000_000)),
                version,
            )
            .await
            .unwrap_err();
        assert_eq!(over.field_errors()[0].field, "awarded_fen", "{over}");
        let awarded = f
            .projects
            .decide_award(
                &staff,
                &application.number,
                Some(Fen::new(150_000_000)),
                version,
            )
            .await
            .unwrap();
        assert_eq!(awarded.status, MajorStatus::Awarded);
        assert_eq!(awarded.awarded_fen, Some(Fen::new(150_000_000)));
        let summary = f.projects.major_summary(&staff, Some(2027)).await.unwrap();
        assert_eq!(summary.len(), 1);
        assert_eq!(
            (summary[0].projects, summary[0].awarded_fen),
            (1, Fen::new(150_000_000))
        );
        // The applicant sees its own application, not the reviews.
        let own = f
            .projects
            .major_application(&maker, &application.number)
            .await
            .unwrap();
        assert!(own.reviews.is_empty());
    }
}
