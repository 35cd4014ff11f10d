//! Assessments on every backend, without HTTP: started with the platform's suggestions,
//! answered, refused when the input is wrong (changing nothing), submitted once, reported with
//! the standing among peers, and seen only within scope.

use std::sync::Arc;

use zhizao_assessment::model::{self, Answer, IndustryKind};
use zhizao_assessment::{
    AnswerInput, AssessmentFilter, AssessmentStatus, Assessments, Error, Facts,
};
use zhizao_core::{Classified, ErrorKind, FixedClock, PageRequest};
use zhizao_db::testing::{TestDatabase, test_databases};
use zhizao_identity::testing::{self, credit_code};
use zhizao_identity::{Identity, Principal};
use zhizao_registry::reference;
use zhizao_registry::testing::{enterprise, register};

struct Fixture {
    assessments: Assessments,
    identity: Identity,
    files: tempfile::TempDir,
    _db: TestDatabase,
}

impl Fixture {
    async fn sign_in(&self, username: &str) -> Principal {
        testing::sign_in(&self.identity, username).await
    }
}

/// The test kit's cast and four enterprises: two appliance makers in Xiaolan (division 38), a
/// plastics maker in Xiaolan (29) and an appliance maker in Nantou (38), each with a user; the
/// polishing platform has the first as its client.
async fn fixture(test: TestDatabase) -> Fixture {
    let db = test.db.clone();
    reference::sync(&db).await.unwrap();
    let clock = testing::fixed_clock();
    let identity = testing::identity(&db, &clock);
    let files = tempfile::tempdir().unwrap();
    let assessments = Assessments::new(db.clone(), Arc::<FixedClock>::clone(&clock))
        .with_file_dir(files.path().join("maturity-evidence"));
    let mut transaction = db.begin().await.unwrap();
    testing::create_organizations(&mut transaction, testing::ORGANIZATIONS).await;
    let ids = register(
        &mut transaction,
        &[
            enterprise(1, "442000118", "3851"),
            enterprise(2, "442000118", "3854"),
            enterprise(3, "442000118", "2927"),
            enterprise(4, "442000111", "3856"),
        ],
    )
    .await;
    testing::create_users(&mut transaction, testing::USERS).await;
    let (one, two, three, four) = (
        credit_code(1),
        credit_code(2),
        credit_code(3),
        credit_code(4),
    );
    testing::create_users(
        &mut transaction,
        &[
            ("maker1", &one, "enterprise_user"),
            ("maker2", &two, "enterprise_user"),
            ("maker3", &three, "enterprise_user"),
            ("maker4", &four, "enterprise_user"),
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
    transaction.commit().await.unwrap();
    Fixture {
        assessments,
        identity,
        files,
        _db: test,
    }
}

/// Every requirement of the current model for `kind` at or below `top` answered `answer`,
/// the rest not met.
fn answers_up_to(kind: IndustryKind, top: u8, answer: Answer) -> Vec<AnswerInput> {
    model::current()
        .requirements_for(kind)
        .map(|r| AnswerInput {
            requirement: r.code.clone(),
            answer: if r.level <= top {
                answer
            } else {
                Answer::NotMet
            },
            note: String::new(),
            evidence_url: String::new(),
        })
        .collect()
}

fn input(requirement: &str, answer: Answer) -> AnswerInput {
    AnswerInput {
        requirement: requirement.into(),
        answer,
        note: String::new(),
        evidence_url: String::new(),
    }
}

/// Takes an assessment from start to submission with `answers`.
async fn submitted(
    f: &Fixture,
    who: &Principal,
    kind: IndustryKind,
    answers: &[AnswerInput],
) -> i64 {
    let started = f
        .assessments
        .start(who, kind, &Facts::default())
        .await
        .unwrap();
    let id = started.summary.id;
    f.assessments.answer(who, id, None, answers).await.unwrap();
    f.assessments.submit(who, id, None).await.unwrap();
    id
}

#[tokio::test]
async fn an_enterprise_assesses_itself_from_suggestions_to_a_report() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let maker = f.sign_in("maker1").await;
        let facts = Facts {
            connected_devices: 12,
            reporting_devices: 9,
            completed_projects: vec![("JG2025-0007".into(), "注塑车间 MES 上线".into())],
            shared_factory_orders: 0,
        };
        let started = f
            .assessments
            .start(&maker, IndustryKind::Discrete, &facts)
            .await
            .unwrap();
        let id = started.summary.id;
        assert_eq!(started.summary.status, AssessmentStatus::Draft);
        assert_eq!(started.summary.model, model::current().key());
        // The platform's records suggest answers, each with its evidence, none yet given.
        let connected = &started.answers["equipment.2.1"];
        assert_eq!(connected.suggested, Some(Answer::Fully));
        assert_eq!(connected.answer, None);
        assert!(
            connected.suggestion.as_ref().unwrap().zh.contains("12 台"),
            "{connected:?}"
        );
        assert_eq!(
            started.answers["planning.3.1"].suggested,
            Some(Answer::Partly),
            "one completed project of the two that make it fully met"
        );
        assert!(
            !started.answers.contains_key("procurement.2.2"),
            "no orders, no suggestion"
        );

        // One draft at a time.
        let error = f
            .assessments
            .start(&maker, IndustryKind::Discrete, &facts)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Conflict);

        // A suggestion is not an answer: submitting now names how many are missing.
        let error = f.assessments.submit(&maker, id, None).await.unwrap_err();
        assert!(
            error.to_string().contains("requirements have no answer"),
            "{error}"
        );

        // Confirm one suggestion, correct another, and answer the rest: fully met up to level 2.
        let mut answers = answers_up_to(IndustryKind::Discrete, 2, Answer::Fully);
        for a in &mut answers {
            if a.requirement == "planning.3.1" {
                a.answer = Answer::Mostly;
                a.note = "排产系统已上线，尚未覆盖全部车间".into();
                a.evidence_url = "https://files.example.cn/aps.pdf".into();
            }
        }
        let answered = f
            .assessments
            .answer(&maker, id, Some(started.summary.version), &answers)
            .await
            .unwrap();
        assert_eq!(answered.summary.version, started.summary.version + 1);
        let planning = &answered.answers["planning.3.1"];
        assert_eq!(
            (planning.answer, planning.suggested),
            (Some(Answer::Mostly), Some(Answer::Partly))
        );
        // A stale version is refused.
        let error = f
            .assessments
            .answer(&maker, id, Some(started.summary.version), &answers[..1])
            .await
            .unwrap_err();
        assert_eq!(error.code(), Some("stale-version"));

        let done = f.assessments.submit(&maker, id, None).await.unwrap();
        assert_eq!(done.summary.status, AssessmentStatus::Submitted);
        assert_eq!(done.summary.level, Some(2));
        // Levels 1 and 2 fully met; level 3 has one of its requirements mostly met.
        let report = f.assessments.report(&maker, id).await.unwrap();
        let level3 = report.scorecard.levels[2].score;
        assert!(level3 > 0 && level3 < 100, "{level3}");
        assert_eq!(done.summary.score, Some(2000 + level3));
        assert_eq!(report.scorecard.score, 2000 + level3);
        // The gaps are level 3's requirements not fully met, the largest gain first.
        let level3_count = model::current()
            .requirements_for(IndustryKind::Discrete)
            .filter(|r| r.level == 3)
            .count();
        assert_eq!(report.gaps.len(), level3_count);
        assert_eq!(report.gaps.last().unwrap().requirement, "planning.3.1");
        // Alone in its division and town: first of one.
        let standing = report.industry.unwrap();
        assert_eq!(
            (standing.rank, standing.of, standing.mean),
            (1, 1, 2000 + level3)
        );
        assert_eq!(report.town.unwrap().of, 1);

        // Submitted is final.
        let error = f
            .assessments
            .answer(&maker, id, None, &answers[..1])
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Conflict);
        assert_eq!(
            f.assessments.discard(&maker, id).await.unwrap_err().kind(),
            ErrorKind::Conflict
        );
    }
}

#[tokio::test]
async fn wrong_answers_are_named_and_change_nothing() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let maker = f.sign_in("maker3").await;
        let started = f
            .assessments
            .start(&maker, IndustryKind::Process, &Facts::default())
            .await
            .unwrap();
        let id = started.summary.id;
        // (answers, the field named, words of the message)
        let cases: Vec<(Vec<AnswerInput>, &str, &str)> = vec![
            (
                vec![
                    input("strategy.1.1", Answer::Fully),
                    input("strategy.9.9", Answer::Fully),
                ],
                "answers[1].requirement",
                "is not a requirement of gbt39116-2020.1",
            ),
            (
                vec![input("product-design.2.1", Answer::Fully)],
                "answers[0].requirement",
                "not assessed for process",
            ),
            (
                vec![
                    input("strategy.1.1", Answer::Fully),
                    input("strategy.1.1", Answer::Partly),
                ],
                "answers[1].requirement",
                "answered twice",
            ),
            (
                vec![AnswerInput {
                    evidence_url: "javascript:alert(1)".into(),
                    ..input("strategy.1.1", Answer::Fully)
                }],
                "answers[0].evidence_url",
                "http",
            ),
            (
                vec![AnswerInput {
                    note: "长".repeat(501),
                    ..input("strategy.1.1", Answer::Fully)
                }],
                "answers[0].note",
                "500",
            ),
            (Vec::new(), "answers", "at least one"),
        ];
        for (answers, field, words) in cases {
            let error = f
                .assessments
                .answer(&maker, id, None, &answers)
                .await
                .unwrap_err();
            let named = error.field_errors();
            assert!(
                named
                    .iter()
                    .any(|e| e.field == field && e.message.en.contains(words)),
                "{field}: {error}"
            );
        }
        let after = f.assessments.get(&maker, id).await.unwrap();
        assert_eq!(after, started, "nothing changed");

        // Discarding a draft removes it; then a new one may start.
        f.assessments.discard(&maker, id).await.unwrap();
        assert_eq!(
            f.assessments.get(&maker, id).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        f.assessments
            .start(&maker, IndustryKind::Process, &Facts::default())
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn assessments_are_seen_within_scope_and_drafts_by_their_enterprise_alone() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let [maker1, maker2, maker3, maker4] = [
            f.sign_in("maker1").await,
            f.sign_in("maker2").await,
            f.sign_in("maker3").await,
            f.sign_in("maker4").await,
        ];
        let kind = IndustryKind::Discrete;
        // Scores: maker1 3.000, maker2 2.000, maker4 (Nantou, same division) 1.000.
        let one = submitted(&f, &maker1, kind, &answers_up_to(kind, 3, Answer::Fully)).await;
        let two = submitted(&f, &maker2, kind, &answers_up_to(kind, 2, Answer::Fully)).await;
        let four = submitted(&f, &maker4, kind, &answers_up_to(kind, 1, Answer::Fully)).await;
        // maker3 (plastics, Xiaolan) keeps a draft.
        let draft = f
            .assessments
            .start(&maker3, kind, &Facts::default())
            .await
            .unwrap()
            .summary
            .id;

        // Standing: maker2 is second of three appliance makers (mean 2.000) and second of two
        // assessed in Xiaolan (the draft does not count).
        let report = f.assessments.report(&maker2, two).await.unwrap();
        let industry = report.industry.unwrap();
        assert_eq!((industry.rank, industry.of, industry.mean), (2, 3, 2000));
        let town = report.town.unwrap();
        assert_eq!((town.rank, town.of, town.mean), (2, 2, 2500));

        let page = PageRequest::default();
        let listed = |who: Principal| {
            let assessments = f.assessments.clone();
            async move {
                let mut ids: Vec<i64> = assessments
                    .list(&who, &AssessmentFilter::default(), page)
                    .await
                    .unwrap()
                    .items
                    .iter()
                    .map(|a| a.id)
                    .collect();
                ids.sort_unstable();
                ids
            }
        };
        // (who, the assessments listed)
        let cases = [
            ("staff", vec![one, two, four]),
            ("xiaolan", vec![one, two]),
            ("nantou", vec![four]),
            ("polisher", vec![one]),
            ("expert", vec![]),
            ("maker3", vec![draft]),
            ("maker1", vec![one]),
        ];
        for (who, expected) in cases {
            let principal = f.sign_in(who).await;
            assert_eq!(listed(principal.clone()).await, expected, "{who} lists");
            for id in [one, two, four, draft] {
                let seen = f.assessments.get(&principal, id).await;
                assert_eq!(seen.is_ok(), expected.contains(&id), "{who} reads {id}");
                if let Err(error) = seen {
                    assert_eq!(error.kind(), ErrorKind::NotFound, "{who} reads {id}");
                }
                let report = f.assessments.report(&principal, id).await;
                assert_eq!(report.is_ok(), expected.contains(&id), "{who} reports {id}");
            }
        }
        // Only the enterprise answers its own draft: the town that may read it cannot.
        let xiaolan = f.sign_in("xiaolan").await;
        assert!(matches!(
            f.assessments
                .answer(&xiaolan, one, None, &[input("strategy.1.1", Answer::Fully)])
                .await,
            Err(Error::NotFound { .. } | Error::Forbidden(_) | Error::Transition(_))
        ));
        assert!(matches!(
            f.assessments.start(&xiaolan, kind, &Facts::default()).await,
            Err(Error::Forbidden(_))
        ));
        // Another enterprise cannot touch maker3's draft.
        assert_eq!(
            f.assessments
                .answer(
                    &maker4,
                    draft,
                    None,
                    &[input("strategy.1.1", Answer::Fully)]
                )
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            f.assessments
                .discard(&maker4, draft)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        // Filters narrow within scope.
        let staff = f.sign_in("staff").await;
        let in_nantou = f
            .assessments
            .list(
                &staff,
                &AssessmentFilter {
                    town: Some("442000111".into()),
                    ..AssessmentFilter::default()
                },
                page,
            )
            .await
            .unwrap();
        assert_eq!(in_nantou.total, 1);
        assert_eq!(in_nantou.items[0].id, four);
    }
}

#[tokio::test]
async fn evidence_files_are_judged_by_content_and_kept_with_the_answer() {
    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    for test in test_databases().await {
        let f = fixture(test).await;
        let maker = f.sign_in("maker1").await;
        let other = f.sign_in("maker2").await;
        let xiaolan = f.sign_in("xiaolan").await;
        let id = f
            .assessments
            .start(&maker, IndustryKind::Process, &Facts::default())
            .await
            .unwrap()
            .summary
            .id;
        // (requirement, file name, bytes, the field named, words of the message)
        let refused: &[(&str, &str, &[u8], &str, &str)] = &[
            (
                "strategy.1.1",
                "plan.pdf",
                b"MZ\x90\x00 not a document",
                "file",
                "only PDF",
            ),
            ("strategy.1.1", "plan.docx", PDF, "file", "name ends in"),
            ("strategy.1.1", "empty.pdf", b"", "file", "empty"),
            (
                "product-design.2.1",
                "plan.pdf",
                PDF,
                "requirement",
                "not a requirement",
            ),
            (
                "strategy.8.1",
                "plan.pdf",
                PDF,
                "requirement",
                "not a requirement",
            ),
        ];
        for (requirement, name, bytes, field, words) in refused {
            let error = f
                .assessments
                .add_evidence(&maker, id, requirement, name, bytes.to_vec())
                .await
                .unwrap_err();
            let named = error.field_errors();
            assert!(
                named
                    .iter()
                    .any(|e| e.field == *field && e.message.en.contains(words)),
                "{requirement} {name}: {error}"
            );
        }
        assert!(
            f.assessments
                .evidence_files(&maker, id)
                .await
                .unwrap()
                .is_empty()
        );

        let file = f
            .assessments
            .add_evidence(&maker, id, "strategy.1.1", "../../规划.pdf", PDF.to_vec())
            .await
            .unwrap();
        assert_eq!(file.file_name, "规划.pdf");
        assert_eq!(file.content_type, "application/pdf");
        let (read, bytes) = f
            .assessments
            .evidence_file(&maker, id, file.id)
            .await
            .unwrap();
        assert_eq!((read, bytes.as_slice()), (file.clone(), PDF));
        // Another enterprise, and the town before submission, find nothing.
        for who in [&other, &xiaolan] {
            assert_eq!(
                f.assessments
                    .evidence_file(who, id, file.id)
                    .await
                    .unwrap_err()
                    .kind(),
                ErrorKind::NotFound
            );
            assert_eq!(
                f.assessments
                    .add_evidence(who, id, "strategy.1.1", "x.pdf", PDF.to_vec())
                    .await
                    .unwrap_err()
                    .kind(),
                ErrorKind::NotFound
            );
        }
        // Removed in the draft, it is gone from the list and the disk.
        let second = f
            .assessments
            .add_evidence(&maker, id, "strategy.2.1", "台账.pdf", PDF.to_vec())
            .await
            .unwrap();
        f.assessments
            .remove_evidence(&maker, id, second.id)
            .await
            .unwrap();
        let listed: Vec<i64> = f
            .assessments
            .evidence_files(&maker, id)
            .await
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(listed, [file.id]);
        let on_disk = f
            .files
            .path()
            .join("maturity-evidence")
            .join(id.to_string());
        assert_eq!(std::fs::read_dir(&on_disk).unwrap().count(), 1);

        // Submitted: the town reads the evidence; nobody changes it any more.
        f.assessments
            .answer(
                &maker,
                id,
                None,
                &answers_up_to(IndustryKind::Process, 1, Answer::Fully),
            )
            .await
            .unwrap();
        f.assessments.submit(&maker, id, None).await.unwrap();
        let (_, bytes) = f
            .assessments
            .evidence_file(&xiaolan, id, file.id)
            .await
            .unwrap();
        assert_eq!(bytes, PDF);
        assert_eq!(
            f.assessments
                .remove_evidence(&maker, id, file.id)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::Conflict
        );

        // A discarded draft takes its files with it.
        let draft = f
            .assessments
            .start(&maker, IndustryKind::Process, &Facts::default())
            .await
            .unwrap()
            .summary
            .id;
        f.assessments
            .add_evidence(&maker, draft, "strategy.1.1", "a.pdf", PDF.to_vec())
            .await
            .unwrap();
        f.assessments.discard(&maker, draft).await.unwrap();
        assert!(
            !f.files
                .path()
                .join("maturity-evidence")
                .join(draft.to_string())
                .exists()
        );
    }
}
