//! The solution library on every backend: a provider writes and publishes solutions (bad input
//! named and nothing changed), they are ranked for an enterprise by its assessment, and adopted
//! from proposal to verified, each side taking only its own steps, each party seeing only its own.

use std::collections::BTreeMap;
use std::sync::Arc;

use zhizao_assessment::model::{self, Answer, IndustryKind};
use zhizao_assessment::{Assessments, history};
use zhizao_core::{Classified, ErrorKind, FixedClock, PageRequest};
use zhizao_db::testing::{TestDatabase, test_databases};
use zhizao_identity::testing::{self, credit_code};
use zhizao_identity::{Actor, Identity, Principal};
use zhizao_registry::reference;
use zhizao_registry::testing::{enterprise, register};
use zhizao_solutions::{
    AdoptionFilter, AdoptionStatus, Figures, SolutionFilter, SolutionInput, SolutionStatus,
    Solutions, Step, Tally, Target, Verification,
};

struct Fixture {
    solutions: Solutions,
    assessments: Assessments,
    identity: Identity,
    _db: TestDatabase,
}

impl Fixture {
    async fn sign_in(&self, username: &str) -> Principal {
        testing::sign_in(&self.identity, username).await
    }

    /// The id of the assessment `who` can see first (the Xiaolan maker's).
    async fn assessment_of(&self, who: &Principal) -> i64 {
        self.assessments
            .list(
                who,
                &Default::default(),
                zhizao_core::PageRequest::default(),
            )
            .await
            .unwrap()
            .items[0]
            .id
    }
}

async fn fixture(test: TestDatabase) -> Fixture {
    let db = test.db.clone();
    reference::sync(&db).await.unwrap();
    let clock = testing::fixed_clock();
    let identity = testing::identity(&db, &clock);
    let assessments = Assessments::new(db.clone(), Arc::<FixedClock>::clone(&clock));
    let solutions = Solutions::new(
        db.clone(),
        Arc::<FixedClock>::clone(&clock),
        assessments.clone(),
    );
    let mut transaction = db.begin().await.unwrap();
    testing::create_organizations(&mut transaction, testing::ORGANIZATIONS).await;
    let ids = register(
        &mut transaction,
        &[
            enterprise(1, "442000118", "3851"),
            enterprise(2, "442000111", "3856"),
        ],
    )
    .await;
    testing::create_users(&mut transaction, testing::USERS).await;
    testing::create_users(
        &mut transaction,
        &[
            ("maker1", &credit_code(1), "enterprise_user"),
            ("maker2", &credit_code(2), "enterprise_user"),
        ],
    )
    .await;
    let polish: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE code = 'polish'")
        .fetch_one(&mut *transaction)
        .await
        .unwrap();
    zhizao_registry::link_platform_client(&mut transaction, polish, ids[0], testing::NOW)
        .await
        .unwrap();
    // The Xiaolan maker assessed itself: level 1 reached, planning not met at level 2.
    let model = model::current();
    let answers: BTreeMap<String, Answer> = model
        .requirements_for(IndustryKind::Discrete)
        .map(|r| {
            let answer = match (r.level, r.subdomain.as_str()) {
                (1, _) => Answer::Fully,
                (2, "planning") => Answer::NotMet,
                (2, _) => Answer::Partly,
                _ => Answer::NotMet,
            };
            (r.code.clone(), answer)
        })
        .collect();
    history::record_submitted(
        &mut transaction,
        &Actor::system("test"),
        ids[0],
        model,
        IndustryKind::Discrete,
        &answers,
        testing::NOW,
    )
    .await
    .unwrap();
    transaction.commit().await.unwrap();
    Fixture {
        solutions,
        assessments,
        identity,
        _db: test,
    }
}

fn aps() -> SolutionInput {
    SolutionInput {
        title: "高级计划排程（APS）上线".into(),
        summary: "按订单和设备能力自动排产，插单时重排".into(),
        targets: vec![Target {
            subdomain: "planning".into(),
            level: 2,
        }],
        industries: vec!["38".into()],
        investment_min_fen: 5_000_000,
        investment_max_fen: 30_000_000,
        payback_months: Some(18),
        references: "小榄某灯饰企业，交期达成率提升 12%".into(),
    }
}

#[tokio::test]
async fn a_provider_publishes_solutions_ranked_for_an_enterprise_by_its_gaps() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let [polisher, maker1, maker2, staff, expert] = [
            f.sign_in("polisher").await,
            f.sign_in("maker1").await,
            f.sign_in("maker2").await,
            f.sign_in("staff").await,
            f.sign_in("expert").await,
        ];
        // (what is wrong, the field named)
        let cases: Vec<(SolutionInput, &str)> = vec![
            (
                SolutionInput {
                    title: "A".into(),
                    ..aps()
                },
                "title",
            ),
            (
                SolutionInput {
                    targets: vec![],
                    ..aps()
                },
                "targets",
            ),
            (
                SolutionInput {
                    targets: vec![Target {
                        subdomain: "magic".into(),
                        level: 2,
                    }],
                    ..aps()
                },
                "targets[0].subdomain",
            ),
            (
                SolutionInput {
                    targets: vec![Target {
                        subdomain: "planning".into(),
                        level: 6,
                    }],
                    ..aps()
                },
                "targets[0].level",
            ),
            (
                SolutionInput {
                    industries: vec!["99".into()],
                    ..aps()
                },
                "industries[0]",
            ),
            (
                SolutionInput {
                    investment_max_fen: 1,
                    ..aps()
                },
                "investment_max_fen",
            ),
            (
                SolutionInput {
                    payback_months: Some(0),
                    ..aps()
                },
                "payback_months",
            ),
        ];
        for (input, field) in cases {
            let error = f
                .solutions
                .create_solution(&polisher, &input)
                .await
                .unwrap_err();
            let named: Vec<String> = error.field_errors().into_iter().map(|e| e.field).collect();
            assert!(named.contains(&field.to_owned()), "{field}: {named:?}");
        }
        for who in [&maker1, &staff, &expert] {
            assert_eq!(
                f.solutions
                    .create_solution(who, &aps())
                    .await
                    .unwrap_err()
                    .kind(),
                ErrorKind::Forbidden
            );
        }
        assert!(
            f.solutions
                .solutions(&staff, &SolutionFilter::default(), PageRequest::default())
                .await
                .unwrap()
                .items
                .is_empty()
        );

        let draft = f
            .solutions
            .create_solution(&polisher, &aps())
            .await
            .unwrap();
        assert_eq!(draft.status, SolutionStatus::Draft);
        // A draft is its provider's and the city's.
        assert_eq!(
            f.solutions
                .solution(&maker1, draft.id)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        f.solutions.solution(&staff, draft.id).await.unwrap();
        let published = f
            .solutions
            .set_solution_status(&polisher, draft.id, SolutionStatus::Published)
            .await
            .unwrap();
        for who in [&maker1, &maker2, &expert] {
            f.solutions.solution(who, draft.id).await.unwrap();
        }
        // Only its provider changes it, from the version it read.
        assert_eq!(
            f.solutions
                .update_solution(&maker1, draft.id, published.version, &aps())
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            f.solutions
                .update_solution(&polisher, draft.id, draft.version, &aps())
                .await
                .unwrap_err()
                .code(),
            Some("stale-version")
        );
        // A second solution for any industry, where the maker lacks little.
        let mut security = aps();
        security.title = "工控网络安全加固".into();
        security.targets = vec![Target {
            subdomain: "security".into(),
            level: 2,
        }];
        security.industries = vec![];
        let second = f
            .solutions
            .create_solution(&polisher, &security)
            .await
            .unwrap();
        f.solutions
            .set_solution_status(&polisher, second.id, SolutionStatus::Published)
            .await
            .unwrap();

        // By industry: the APS solution is made for division 38, the other for any; a page at a
        // time.
        for (industry, expected) in [("38", vec![second.id, draft.id]), ("18", vec![second.id])] {
            let filter = SolutionFilter {
                industry: Some(industry.into()),
                ..SolutionFilter::default()
            };
            let found = f
                .solutions
                .solutions(&maker1, &filter, PageRequest::default())
                .await
                .unwrap();
            let ids: Vec<i64> = found.items.iter().map(|s| s.id).collect();
            assert_eq!(ids, expected, "{industry}");
        }
        let first = f
            .solutions
            .solutions(&maker1, &SolutionFilter::default(), PageRequest::new(2, 1))
            .await
            .unwrap();
        assert_eq!(
            (first.total, first.page_count(), first.items[0].id),
            (2, 2, draft.id)
        );

        // Ranked for the Xiaolan maker by its assessment: APS first (planning not met at the
        // next level, made for its industry), with why; security second (partly met there).
        let assessment = f.assessment_of(&maker1).await;
        let ranked = f.solutions.matches(&maker1, assessment).await.unwrap();
        let order: Vec<(i64, u32)> = ranked.iter().map(|(m, s)| (s.id, m.score)).collect();
        assert_eq!(order, [(draft.id, 1200), (second.id, 500)]);
        assert!(
            ranked[0].0.reasons[0].zh.contains("计划与调度"),
            "{:?}",
            ranked[0].0.reasons
        );
        // The provider ranks for its client; another enterprise cannot read the assessment.
        assert_eq!(
            f.solutions
                .matches(&polisher, assessment)
                .await
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            f.solutions
                .matches(&maker2, assessment)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
    }
}

#[tokio::test]
async fn an_adoption_goes_from_proposal_to_verified_each_side_taking_its_own_steps() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let [polisher, maker1, maker2, xiaolan, nantou, staff] = [
            f.sign_in("polisher").await,
            f.sign_in("maker1").await,
            f.sign_in("maker2").await,
            f.sign_in("xiaolan").await,
            f.sign_in("nantou").await,
            f.sign_in("staff").await,
        ];
        let solution = f
            .solutions
            .create_solution(&polisher, &aps())
            .await
            .unwrap();
        // A draft is not proposed.
        assert_eq!(
            f.solutions
                .propose(&polisher, solution.id, Some(credit_code(1).as_str()), "")
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::Conflict
        );
        f.solutions
            .set_solution_status(&polisher, solution.id, SolutionStatus::Published)
            .await
            .unwrap();
        // Not a client of the provider: no such enterprise for it.
        assert_eq!(
            f.solutions
                .propose(&polisher, solution.id, Some(credit_code(2).as_str()), "")
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        let proposed = f
            .solutions
            .propose(
                &polisher,
                solution.id,
                Some(credit_code(1).as_str()),
                "可先在一条线试点",
            )
            .await
            .unwrap();
        assert_eq!(proposed.status, AdoptionStatus::Proposed);
        let id = proposed.id;
        assert_eq!(
            f.solutions
                .propose(&polisher, solution.id, Some(credit_code(1).as_str()), "")
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::Conflict
        );
        // Who sees it: both sides, the town, the city; not another enterprise or town.
        for who in [&polisher, &maker1, &xiaolan, &staff] {
            f.solutions.adoption(who, id).await.unwrap();
        }
        for who in [&maker2, &nantou] {
            assert_eq!(
                f.solutions.adoption(who, id).await.unwrap_err().kind(),
                ErrorKind::NotFound
            );
            assert_eq!(
                f.solutions
                    .adoptions(who, &AdoptionFilter::default(), PageRequest::default())
                    .await
                    .unwrap()
                    .total,
                0
            );
        }
        // The provider proposed, so it cannot accept; the enterprise cannot report it done.
        assert_eq!(
            f.solutions
                .step(&polisher, id, Step::Accept, "")
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::Forbidden
        );
        let accepted = f
            .solutions
            .step(&maker1, id, Step::Accept, "同意")
            .await
            .unwrap();
        assert_eq!(accepted.status, AdoptionStatus::Accepted);
        assert_eq!(
            f.solutions
                .step(&maker1, id, Step::Implemented, "")
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::Forbidden
        );
        // Not implemented yet: nothing to verify.
        let figures = Verification::Figures(Figures {
            metric: "2 号线 OEE".into(),
            unit: "%".into(),
            before: 61.5,
            after: 72.0,
            source: "machine_telemetry, 30 days before and after".into(),
        });
        assert_eq!(
            f.solutions
                .verify(&maker1, id, &figures, &[])
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::Conflict
        );
        f.solutions
            .step(&polisher, id, Step::Implemented, "已上线")
            .await
            .unwrap();
        // A project the enterprise did not complete is named; figures verify it.
        let project = Verification::Project {
            number: "PC-2026-0001".into(),
            name: String::new(),
        };
        let error = f
            .solutions
            .verify(
                &maker1,
                id,
                &project,
                &[("PC-2025-0009".into(), "MES".into())],
            )
            .await
            .unwrap_err();
        assert_eq!(error.field_errors()[0].field, "project");
        assert_eq!(
            f.solutions
                .verify(&polisher, id, &figures, &[])
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::Forbidden
        );
        let verified = f
            .solutions
            .verify(&maker1, id, &figures, &[])
            .await
            .unwrap();
        assert_eq!(verified.status, AdoptionStatus::Verified);
        assert_eq!(verified.verification, Some(figures));
        assert_eq!(
            f.solutions
                .adoptions(
                    &staff,
                    &AdoptionFilter {
                        status: Some(AdoptionStatus::Verified),
                        ..AdoptionFilter::default()
                    },
                    PageRequest::default()
                )
                .await
                .unwrap()
                .total,
            1
        );

        // The Nantou maker asks for it itself; the provider declines; it may ask again.
        let asked = f
            .solutions
            .propose(&maker2, solution.id, None, "想了解")
            .await
            .unwrap();
        assert_eq!(asked.proposed_side, "enterprise");
        assert_eq!(
            f.solutions
                .step(&maker2, asked.id, Step::Accept, "")
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::Forbidden
        );
        let declined = f
            .solutions
            .step(&polisher, asked.id, Step::Decline, "暂不服务南头")
            .await
            .unwrap();
        assert_eq!(declined.status, AdoptionStatus::Declined);
        let again = f
            .solutions
            .propose(&maker2, solution.id, None, "再次申请")
            .await
            .unwrap();
        assert_eq!(
            (again.id, again.status),
            (asked.id, AdoptionStatus::Proposed)
        );

        // The figures, in each one's scope: the Xiaolan maker's adoption was put to it by the
        // provider and verified; the Nantou maker asked for its own and waits, so it is not yet
        // provided.
        let city = f.solutions.figures(&staff).await.unwrap();
        let verified = Tally {
            library: 1,
            provided: 1,
            enterprises_served: 1,
            enterprises_accepted: 1,
            implemented: 1,
            enterprises_implemented: 1,
            verified: 1,
        };
        assert_eq!(city.total, verified, "{city:?}");
        assert_eq!(city.providers.len(), 1, "{city:?}");
        assert_eq!(
            (city.providers[0].provider_id, city.providers[0].tally),
            (solution.provider_id, verified)
        );
        assert_eq!(f.solutions.figures(&polisher).await.unwrap(), city);
        assert_eq!(f.solutions.figures(&xiaolan).await.unwrap().total, verified);
        let library_only = Tally {
            library: 1,
            ..Tally::default()
        };
        assert_eq!(
            f.solutions.figures(&nantou).await.unwrap().total,
            library_only
        );
        // Once the provider agrees to the Nantou request it is provided and accepted, not
        // implemented; the city counts two enterprises served.
        f.solutions
            .step(&polisher, again.id, Step::Accept, "")
            .await
            .unwrap();
        let nantou_figures = f.solutions.figures(&nantou).await.unwrap();
        assert_eq!(
            nantou_figures.total,
            Tally {
                library: 1,
                provided: 1,
                enterprises_served: 1,
                enterprises_accepted: 1,
                ..Tally::default()
            }
        );
        let city = f.solutions.figures(&staff).await.unwrap().total;
        assert_eq!(
            (
                city.provided,
                city.enterprises_served,
                city.enterprises_accepted,
                city.implemented
            ),
            (2, 2, 2, 1)
        );
        let listed = f
            .solutions
            .adoptions(
                &staff,
                &AdoptionFilter {
                    status: Some(AdoptionStatus::Accepted),
                    solution_id: Some(solution.id),
                    provider_id: Some(solution.provider_id),
                },
                PageRequest::new(1, 1),
            )
            .await
            .unwrap();
        assert_eq!(
            (listed.total, listed.items[0].id, listed.page_count()),
            (1, again.id, 1)
        );
        assert_eq!(
            f.solutions.figures(&maker1).await.unwrap_err().kind(),
            ErrorKind::Forbidden
        );
    }
}
