//! Training on every backend: a provider writes and publishes a course (bad input named and
//! nothing changed), learners enrol and follow its lessons (a video only counts once watched),
//! sign in to an offline session with the code on the trainer's screen (an expired code, another
//! session's code, a second sign-in and a full session each refused with their reason), the
//! trainer signs in a person without a phone, and meeting the completion rule issues a
//! certificate anyone can verify. Each party sees only its own.

use std::sync::Arc;

use zhizao_core::{Classified, ErrorKind, FixedClock, Timestamp};
use zhizao_db::testing::{TestDatabase, test_databases};
use zhizao_identity::testing::{self, credit_code};
use zhizao_identity::{Identity, Principal};
use zhizao_registry::reference;
use zhizao_registry::testing::{enterprise, register};
use zhizao_training::code;
use zhizao_training::course::CourseFilter;
use zhizao_training::sessions::PersonInput;
use zhizao_training::{
    CourseInput, CourseStatus, Error, LessonInput, LessonKind, SessionInput, Training,
};

struct Fixture {
    training: Training,
    identity: Identity,
    clock: Arc<FixedClock>,
    _files: tempfile::TempDir,
    _db: TestDatabase,
}

impl Fixture {
    async fn sign_in(&self, username: &str) -> Principal {
        testing::sign_in(&self.identity, username).await
    }

    fn at(&self, minutes_from_start: i64) {
        let target = START + minutes_from_start * 60_000;
        self.clock.advance(target - self.clock_now());
    }

    fn clock_now(&self) -> i64 {
        self.training.now().as_millis()
    }
}

/// When the test's session starts: a day after the test clock's "now".
const START: i64 = testing::NOW.as_millis() + 24 * 3600 * 1000;

async fn fixture(test: TestDatabase) -> Fixture {
    let db = test.db.clone();
    reference::sync(&db).await.unwrap();
    let clock = testing::fixed_clock();
    let identity = testing::identity(&db, &clock);
    let files = tempfile::tempdir().unwrap();
    let training = Training::new(db.clone(), Arc::<FixedClock>::clone(&clock))
        .with_file_dir(files.path().to_path_buf());
    let mut transaction = db.begin().await.unwrap();
    testing::create_organizations(&mut transaction, testing::ORGANIZATIONS).await;
    testing::create_organizations(
        &mut transaction,
        &[("cutting", "platform", "共享裁床", None)],
    )
    .await;
    register(
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
            ("cutter", "cutting", "platform_staff"),
        ],
    )
    .await;
    transaction.commit().await.unwrap();
    Fixture {
        training,
        identity,
        clock,
        _files: files,
        _db: test,
    }
}

fn course() -> CourseInput {
    CourseInput {
        title: "工业机器人打磨编程".into(),
        summary: "示教器编程、打磨轨迹与力控".into(),
        field: "工业机器人".into(),
        hours: 16,
        required_sessions: 1,
    }
}

fn session(title: &str, capacity: i64) -> SessionInput {
    SessionInput {
        title: title.into(),
        place: "小榄镇共享打磨中心二楼实训室".into(),
        starts_at: Timestamp::from_millis(START),
        ends_at: Timestamp::from_millis(START + 3 * 3600 * 1000),
        capacity,
        trainer: "王工".into(),
    }
}

fn field_of(error: &Error) -> String {
    error
        .field_errors()
        .first()
        .map(|e| e.field.clone())
        .unwrap_or_else(|| panic!("a field error: {error}"))
}

fn code_of(error: &Error) -> &'static str {
    error.code().unwrap_or_else(|| panic!("a code: {error}"))
}

/// A minimal MP4: an `ftyp` box.
const MP4: &[u8] = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2";

#[tokio::test]
async fn a_provider_runs_a_course_and_learners_complete_it_online_and_in_the_room() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let [polisher, cutter, maker1, maker2, staff, xiaolan] = [
            f.sign_in("polisher").await,
            f.sign_in("cutter").await,
            f.sign_in("maker1").await,
            f.sign_in("maker2").await,
            f.sign_in("staff").await,
            f.sign_in("xiaolan").await,
        ];
        let t = &f.training;

        // Bad courses are named by field and create nothing.
        for (input, field) in [
            (
                CourseInput {
                    title: "A".into(),
                    ..course()
                },
                "title",
            ),
            (
                CourseInput {
                    hours: 0,
                    ..course()
                },
                "hours",
            ),
            (
                CourseInput {
                    required_sessions: 51,
                    ..course()
                },
                "required_sessions",
            ),
            (
                CourseInput {
                    field: String::new(),
                    ..course()
                },
                "field",
            ),
        ] {
            let error = t.create_course(&polisher, &input).await.unwrap_err();
            assert_eq!(field_of(&error), field);
        }
        for outsider in [&maker1, &staff, &xiaolan] {
            let error = t.create_course(outsider, &course()).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Forbidden);
        }
        assert!(
            t.courses(&staff, &CourseFilter::default())
                .await
                .unwrap()
                .is_empty()
        );

        let draft = t.create_course(&polisher, &course()).await.unwrap();
        assert_eq!(draft.status, CourseStatus::Draft);
        // A draft is its provider's and the city's; to other providers and learners it does not exist.
        for outsider in [&cutter, &maker1, &xiaolan] {
            let error = t.course(outsider, draft.id).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::NotFound, "{}", outsider.username);
        }
        t.course(&staff, draft.id).await.unwrap();

        // Lessons: a text lesson needs its text; a video its file, of the right kind.
        let error = t
            .add_lesson(
                &polisher,
                draft.id,
                &LessonInput {
                    title: "安全须知".into(),
                    kind: LessonKind::Text,
                    body: " ".into(),
                    minutes: 10,
                    required: true,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(field_of(&error), "body");
        let text = t
            .add_lesson(
                &polisher,
                draft.id,
                &LessonInput {
                    title: "安全须知".into(),
                    kind: LessonKind::Text,
                    body: "进入实训室须穿戴防护用品。".into(),
                    minutes: 10,
                    required: true,
                },
            )
            .await
            .unwrap();
        let video = t
            .add_lesson(
                &polisher,
                draft.id,
                &LessonInput {
                    title: "示教器基础".into(),
                    kind: LessonKind::Video,
                    body: String::new(),
                    minutes: 10,
                    required: true,
                },
            )
            .await
            .unwrap();
        assert_eq!((text.position, video.position), (1, 2));
        let error = t
            .upload_lesson_file(&cutter, draft.id, video.id, "v.mp4", MP4.to_vec())
            .await
            .unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::NotFound,
            "another provider's lesson"
        );
        // Publishing waits for the video's file.
        let error = t
            .set_course_status(&polisher, draft.id, CourseStatus::Published)
            .await
            .unwrap_err();
        assert_eq!(field_of(&error), "lessons");
        let error = t
            .upload_lesson_file(
                &polisher,
                draft.id,
                video.id,
                "video.mp4",
                b"%PDF-1.7 not a video".to_vec(),
            )
            .await
            .unwrap_err();
        assert_eq!(field_of(&error), "file");
        let error = t
            .upload_lesson_file(&polisher, draft.id, text.id, "a.pdf", b"%PDF-1.7".to_vec())
            .await
            .unwrap_err();
        assert_eq!(field_of(&error), "file", "a text lesson takes no file");
        let video = t
            .upload_lesson_file(
                &polisher,
                draft.id,
                video.id,
                "示教器基础.mp4",
                MP4.to_vec(),
            )
            .await
            .unwrap();
        assert_eq!(video.file.as_ref().unwrap().content_type, "video/mp4");
        let (_, _, path) = t.lesson_file(&polisher, draft.id, video.id).await.unwrap();
        assert_eq!(std::fs::read(path).unwrap(), MP4);
        let error = t.enrol(&maker1, draft.id).await.unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::NotFound,
            "a draft is not open to learners"
        );
        let published = t
            .set_course_status(&polisher, draft.id, CourseStatus::Published)
            .await
            .unwrap();
        assert_eq!(published.status, CourseStatus::Published);
        let course_id = published.id;

        // Learners enrol once; only enterprise users learn.
        let enrolment = t.enrol(&maker1, course_id).await.unwrap();
        assert_eq!(enrolment.name, maker1.display_name);
        assert_eq!(
            code_of(&t.enrol(&maker1, course_id).await.unwrap_err()),
            "already-enrolled"
        );
        assert_eq!(
            t.enrol(&polisher, course_id).await.unwrap_err().kind(),
            ErrorKind::Forbidden
        );
        // Progress: a video counts only once 90 % of it is watched.
        let error = t
            .record_progress(&maker1, course_id, video.id, 300, true)
            .await
            .unwrap_err();
        assert_eq!(field_of(&error), "done");
        let error = t
            .record_progress(&maker1, course_id, video.id, -1, false)
            .await
            .unwrap_err();
        assert_eq!(field_of(&error), "seconds");
        let progress = t
            .record_progress(&maker1, course_id, video.id, 300, false)
            .await
            .unwrap();
        assert_eq!(progress.enrolment.lessons_done, 0);
        // Watching less later does not undo what was watched.
        t.record_progress(&maker1, course_id, video.id, 100, false)
            .await
            .unwrap();
        let progress = t
            .record_progress(&maker1, course_id, video.id, 540, false)
            .await
            .unwrap();
        assert_eq!(progress.enrolment.lessons_done, 1);
        assert_eq!(progress.lessons[0].seconds, 540);
        let progress = t
            .record_progress(&maker1, course_id, text.id, 0, true)
            .await
            .unwrap();
        assert_eq!(progress.enrolment.lessons_done, 2);
        // Lessons done, but the rule also asks for an offline session: no certificate yet.
        assert_eq!(progress.enrolment.completed_at, None);
        assert!(t.my_certificates(&maker1).await.unwrap().is_empty());
        let error = t
            .record_progress(&maker2, course_id, text.id, 0, true)
            .await
            .unwrap_err();
        assert_eq!(code_of(&error), "not-enrolled");

        // An offline session with two seats, and another session of the same course.
        let error = t
            .create_session(
                &polisher,
                course_id,
                &SessionInput {
                    ends_at: Timestamp::from_millis(START),
                    ..session("第 1 次课", 2)
                },
            )
            .await
            .unwrap_err();
        assert_eq!(field_of(&error), "ends_at");
        let room = t
            .create_session(&polisher, course_id, &session("第 1 次课：示教器实操", 2))
            .await
            .unwrap();
        let other = t
            .create_session(&polisher, course_id, &session("第 2 次课", 10))
            .await
            .unwrap();
        assert_eq!(
            t.create_session(&cutter, course_id, &session("越权", 2))
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        t.register(&maker1, room.id).await.unwrap();
        assert_eq!(
            code_of(&t.register(&maker1, room.id).await.unwrap_err()),
            "already-registered"
        );
        let bad_phone = PersonInput {
            name: "李师傅".into(),
            phone: "12345".into(),
        };
        assert_eq!(
            field_of(
                &t.register_person(&polisher, room.id, &bad_phone)
                    .await
                    .unwrap_err()
            ),
            "phone"
        );
        let walk_in = t
            .register_person(
                &polisher,
                room.id,
                &PersonInput {
                    name: "李师傅".into(),
                    phone: "13800138000".into(),
                },
            )
            .await
            .unwrap();
        assert!(!walk_in.has_account);
        // Two seats taken: the session is full.
        assert_eq!(
            code_of(&t.register(&maker2, room.id).await.unwrap_err()),
            "session-full"
        );
        assert_eq!(t.session(&maker2, room.id).await.unwrap().1.registered, 2);
        // The roster is the provider's and the city's.
        assert_eq!(t.registrations(&polisher, room.id).await.unwrap().len(), 2);
        assert_eq!(t.registrations(&staff, room.id).await.unwrap().len(), 2);
        for outsider in [&cutter, &maker1, &xiaolan] {
            assert_eq!(
                t.registrations(outsider, room.id).await.unwrap_err().kind(),
                ErrorKind::NotFound
            );
        }

        // Sign-in opens 30 minutes before the start.
        f.at(-31);
        assert_eq!(
            code_of(&t.current_code(&polisher, room.id).await.unwrap_err()),
            "sign-in-closed"
        );
        f.at(-5);
        let (shown, changes) = t.current_code(&polisher, room.id).await.unwrap();
        assert_eq!(changes, code::next_change(t.now()));
        assert_eq!(
            t.current_code(&cutter, room.id).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            t.current_code(&maker1, room.id).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        // Another session's code is refused; so is this one's photographed code three minutes on.
        let (other_code, _) = t.current_code(&polisher, other.id).await.unwrap();
        assert_eq!(
            field_of(
                &t.sign_in_with_code(&maker1, room.id, &other_code)
                    .await
                    .unwrap_err()
            ),
            "code"
        );
        f.at(-2);
        assert_eq!(
            code_of(
                &t.sign_in_with_code(&maker1, room.id, &shown)
                    .await
                    .unwrap_err()
            ),
            "code-expired"
        );
        assert_eq!(
            t.registrations(&polisher, room.id)
                .await
                .unwrap()
                .iter()
                .filter(|r| r.signed_in_at.is_some())
                .count(),
            0
        );
        // The code on the screen now works, once.
        let (now_shown, _) = t.current_code(&polisher, room.id).await.unwrap();
        let signed = t
            .sign_in_with_code(&maker1, room.id, &now_shown.to_lowercase())
            .await
            .unwrap();
        assert_eq!(signed.sign_in_method.as_deref(), Some("code"));
        assert_eq!(
            code_of(
                &t.sign_in_with_code(&maker1, room.id, &now_shown)
                    .await
                    .unwrap_err()
            ),
            "already-signed-in"
        );
        // Someone not registered cannot take a seat the session does not have.
        assert_eq!(
            code_of(
                &t.sign_in_with_code(&maker2, room.id, &now_shown)
                    .await
                    .unwrap_err()
            ),
            "session-full"
        );

        // Lessons and the session done: the certificate is issued, once, and anyone verifies it.
        let mine = t.my_certificates(&maker1).await.unwrap();
        assert_eq!(mine.len(), 1);
        let certificate = &mine[0];
        assert_eq!(
            (certificate.hours, certificate.course_title.as_str()),
            (16, "工业机器人打磨编程")
        );
        let verified = t
            .verify_certificate(&certificate.code.to_lowercase())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&verified, certificate);
        for unknown in ["2345-6789-ABCD", "", "<script>", "2345-6789-ABC0"] {
            assert_eq!(
                t.verify_certificate(unknown).await.unwrap(),
                None,
                "{unknown:?}"
            );
        }
        // Its PDF is the holder's, the provider's and the city's.
        for reader in [&maker1, &polisher, &staff] {
            let (_, pdf) = t
                .certificate_pdf(reader, &certificate.code, "https://zhizao.example")
                .await
                .unwrap();
            assert!(pdf.starts_with(b"%PDF-"));
        }
        for outsider in [&maker2, &cutter, &xiaolan] {
            let error = t
                .certificate_pdf(outsider, &certificate.code, "")
                .await
                .unwrap_err();
            assert_eq!(error.kind(), ErrorKind::NotFound, "{}", outsider.username);
        }

        // The trainer signs in the person without a phone, once; an offline-only learner cannot
        // complete a course whose rule also asks for lessons.
        let roster = t.registrations(&polisher, room.id).await.unwrap();
        let walk_in = roster.iter().find(|r| !r.has_account).unwrap();
        assert_eq!(
            t.sign_in_by_trainer(&cutter, room.id, walk_in.id)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        let signed = t
            .sign_in_by_trainer(&polisher, room.id, walk_in.id)
            .await
            .unwrap();
        assert_eq!(signed.sign_in_method.as_deref(), Some("trainer"));
        assert_eq!(
            code_of(
                &t.sign_in_by_trainer(&polisher, room.id, walk_in.id)
                    .await
                    .unwrap_err()
            ),
            "already-signed-in"
        );
        let learners = t.learners(&polisher, course_id).await.unwrap();
        assert_eq!(learners.len(), 2);
        let li = learners.iter().find(|l| l.name == "李师傅").unwrap();
        assert_eq!(
            (li.sessions_attended, li.lessons_done, li.completed_at),
            (1, 0, None)
        );
        assert_eq!(
            t.learners(&maker1, course_id).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );

        // After the end, sign-in is closed.
        f.at(181);
        assert_eq!(
            code_of(
                &t.sign_in_with_code(&maker1, other.id, &other_code)
                    .await
                    .unwrap_err()
            ),
            "sign-in-closed"
        );

        // The figures count people, not enrolments, from the records, in each one's scope.
        let figures = t.figures(&polisher).await.unwrap();
        assert_eq!(
            (
                figures.courses,
                figures.online_learners,
                figures.offline_trainees,
                figures.sessions_held,
                figures.certificates
            ),
            (1, 1, 2, 2, 1),
            "{figures:?}"
        );
        assert_eq!(
            t.figures(&staff).await.unwrap(),
            figures,
            "the city sees every provider"
        );
        assert_eq!(
            t.figures(&cutter).await.unwrap().online_learners,
            0,
            "another provider's own"
        );
        assert_eq!(
            t.figures(&maker1).await.unwrap_err().kind(),
            ErrorKind::Forbidden
        );

        // Withdrawn: no more lessons or sessions, but the certificate stands.
        t.set_course_status(&polisher, course_id, CourseStatus::Withdrawn)
            .await
            .unwrap();
        assert_eq!(
            code_of(
                &t.set_course_status(&polisher, course_id, CourseStatus::Published)
                    .await
                    .unwrap_err()
            ),
            "illegal-transition"
        );
        assert!(
            t.verify_certificate(&certificate.code)
                .await
                .unwrap()
                .is_some()
        );
    }
}

#[tokio::test]
async fn an_offline_course_completes_by_attendance_and_a_course_must_ask_for_something() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let [polisher, maker2] = [f.sign_in("polisher").await, f.sign_in("maker2").await];
        let t = &f.training;
        let empty = t
            .create_course(
                &polisher,
                &CourseInput {
                    required_sessions: 0,
                    ..course()
                },
            )
            .await
            .unwrap();
        let error = t
            .set_course_status(&polisher, empty.id, CourseStatus::Published)
            .await
            .unwrap_err();
        assert_eq!(
            field_of(&error),
            "lessons",
            "a rule that asks for nothing is refused"
        );
        let offline = t.create_course(&polisher, &course()).await.unwrap();
        t.set_course_status(&polisher, offline.id, CourseStatus::Published)
            .await
            .unwrap();
        let room = t
            .create_session(&polisher, offline.id, &session("现场课", 30))
            .await
            .unwrap();
        f.at(0);
        let (shown, _) = t.current_code(&polisher, room.id).await.unwrap();
        // Not registered, not enrolled: scanning registers, enrols and signs in at once.
        let registration = t.sign_in_with_code(&maker2, room.id, &shown).await.unwrap();
        assert!(registration.signed_in_at.is_some());
        let certificates = t.my_certificates(&maker2).await.unwrap();
        assert_eq!(
            certificates.len(),
            1,
            "attending the one session completes the course"
        );
        assert_eq!(
            t.my_enrolments(&maker2).await.unwrap()[0]
                .certificate
                .as_deref(),
            Some(certificates[0].code.as_str())
        );
    }
}

#[tokio::test]
async fn a_provider_reorders_lessons_and_cancels_a_session_telling_everyone_registered() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let [polisher, cutter, maker2] = [
            f.sign_in("polisher").await,
            f.sign_in("cutter").await,
            f.sign_in("maker2").await,
        ];
        let t = &f.training;
        let course = t.create_course(&polisher, &course()).await.unwrap();
        let mut ids = Vec::new();
        for title in ["安全须知", "示教器编程", "力控打磨"] {
            let lesson = LessonInput {
                title: title.into(),
                kind: LessonKind::Text,
                body: "正文".into(),
                minutes: 10,
                required: true,
            };
            ids.push(
                t.add_lesson(&polisher, course.id, &lesson)
                    .await
                    .unwrap()
                    .id,
            );
        }
        // The last moves earlier; the first cannot; another provider cannot touch it.
        let order: Vec<i64> = t
            .move_lesson(&polisher, course.id, ids[2], true)
            .await
            .unwrap()
            .iter()
            .map(|l| l.id)
            .collect();
        assert_eq!(order, [ids[0], ids[2], ids[1]]);
        assert_eq!(
            code_of(
                &t.move_lesson(&polisher, course.id, ids[0], true)
                    .await
                    .unwrap_err()
            ),
            "illegal-transition"
        );
        assert_eq!(
            t.move_lesson(&cutter, course.id, ids[1], false)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );

        t.set_course_status(&polisher, course.id, CourseStatus::Published)
            .await
            .unwrap();
        let room = t
            .create_session(&polisher, course.id, &session("现场课", 30))
            .await
            .unwrap();
        t.register(&maker2, room.id).await.unwrap();
        t.register_person(
            &polisher,
            room.id,
            &PersonInput {
                name: "李师傅".into(),
                phone: "13800138000".into(),
            },
        )
        .await
        .unwrap();
        let outbox = || async {
            let rows: Vec<(String, String)> =
                sqlx::query_as("SELECT recipient, body FROM notifications ORDER BY id")
                    .fetch_all(f._db.db.pool())
                    .await
                    .unwrap();
            rows
        };
        let before = outbox().await.len();
        // A reason is required; the learner cannot cancel; another provider does not see it.
        assert_eq!(
            field_of(&t.cancel_session(&polisher, room.id, " ").await.unwrap_err()),
            "reason"
        );
        assert_eq!(
            t.cancel_session(&maker2, room.id, "讲师出差")
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            t.cancel_session(&cutter, room.id, "讲师出差")
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        assert_eq!(outbox().await.len(), before, "nothing told yet");
        let cancelled = t
            .cancel_session(&polisher, room.id, "讲师出差，改期另行通知")
            .await
            .unwrap();
        assert!(cancelled.cancelled_at.is_some());
        assert_eq!(cancelled.cancel_reason, "讲师出差，改期另行通知");
        // The walk-in is told by SMS at the number the provider took.
        let told = outbox().await;
        let sms = told
            .iter()
            .find(|(recipient, _)| recipient == "13800138000")
            .unwrap_or_else(|| panic!("{told:?}"));
        assert!(
            sms.1.contains("李师傅") && sms.1.contains("讲师出差，改期另行通知"),
            "{sms:?}"
        );
        // Closed: a second cancellation, registration and sign-in are refused.
        assert_eq!(
            code_of(
                &t.cancel_session(&polisher, room.id, "再次取消")
                    .await
                    .unwrap_err()
            ),
            "session-over"
        );
        let other = f.sign_in("maker1").await;
        assert_eq!(
            code_of(&t.register(&other, room.id).await.unwrap_err()),
            "session-over"
        );
        f.at(0);
        assert_eq!(
            code_of(&t.current_code(&polisher, room.id).await.unwrap_err()),
            "sign-in-closed"
        );
    }
}
