//! Training over HTTP: a provider builds a course with a video served with ranges, a learner
//! follows it and signs in to the session with the code on the screen, and the certificate is
//! verified by anyone; the pages a learner uses on a phone, and the public verify page that says
//! nothing about an unknown code.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::pages::Visitor;
use crate::support::{TestApp, apps};

/// A minimal MP4 (an `ftyp` box and some bytes), enough to be known as a video.
const MP4: &[u8] = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2\0\0\0\x08free0123456789";

async fn created(reply: crate::support::Reply) -> Value {
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    reply.json()
}

/// Sign-in opens 30 minutes before the start; the sessions here start 10 minutes after the
/// test clock's now.
fn session_body(title: &str) -> Value {
    let starts = zhizao_identity::testing::NOW.plus_millis(10 * 60_000);
    json!({
        "title": title,
        "place": "小榄共享打磨中心实训室",
        "starts_at": starts.to_rfc3339(),
        "ends_at": starts.plus_millis(3 * 3_600_000).to_rfc3339(),
        "capacity": 20,
        "trainer": "王工",
    })
}

fn course_body(title: &str, required_sessions: i64) -> Value {
    json!({"title": title, "summary": "示教器编程与打磨工艺", "field": "工业机器人", "hours": 16, "required_sessions": required_sessions})
}

/// What the tenancy table reaches: a draft course of the polishing platform with a lesson and a
/// session someone is registered for, and a certificate the maker earned on a published course.
/// Returns (course, lesson, session, registration, certificate code).
pub(crate) async fn seed(app: &TestApp) -> (i64, i64, i64, i64, String) {
    let draft = created(
        app.api(
            "POST",
            "/api/v1/courses",
            Some("polisher"),
            Some(course_body("打磨工艺（草稿）", 1)),
        )
        .await,
    )
    .await;
    let draft_id = draft["id"].as_i64().unwrap();
    let lesson = created(
        app.api(
            "POST",
            &format!("/api/v1/courses/{draft_id}/lessons"),
            Some("polisher"),
            Some(
                json!({"title": "安全须知", "kind": "text", "body": "穿戴防护用品", "minutes": 5}),
            ),
        )
        .await,
    )
    .await;
    let session = created(
        app.api(
            "POST",
            &format!("/api/v1/courses/{draft_id}/sessions"),
            Some("polisher"),
            Some(session_body("草稿课的线下课")),
        )
        .await,
    )
    .await;
    let session_id = session["id"].as_i64().unwrap();
    let registration = created(
        app.api(
            "POST",
            &format!("/api/v1/training-sessions/{session_id}/registrations"),
            Some("polisher"),
            Some(json!({"name": "李师傅", "phone": "13800138000"})),
        )
        .await,
    )
    .await;
    // A published text-only course the maker completes.
    let course = created(
        app.api(
            "POST",
            "/api/v1/courses",
            Some("polisher"),
            Some(course_body("安全生产", 0)),
        )
        .await,
    )
    .await;
    let course_id = course["id"].as_i64().unwrap();
    let text = created(
        app.api(
            "POST",
            &format!("/api/v1/courses/{course_id}/lessons"),
            Some("polisher"),
            Some(json!({"title": "安全生产十条", "kind": "text", "body": "一、……", "minutes": 10})),
        )
        .await,
    )
    .await;
    let reply = app
        .api(
            "POST",
            &format!("/api/v1/courses/{course_id}/publish"),
            Some("polisher"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    created(
        app.api(
            "POST",
            &format!("/api/v1/courses/{course_id}/enrolment"),
            Some("maker"),
            None,
        )
        .await,
    )
    .await;
    let progress = app
        .api(
            "POST",
            &format!(
                "/api/v1/courses/{course_id}/lessons/{}/progress",
                text["id"]
            ),
            Some("maker"),
            Some(json!({"done": true})),
        )
        .await
        .json();
    let code = progress["enrolment"]["certificate"]
        .as_str()
        .expect("a certificate")
        .to_owned();
    (
        draft_id,
        lesson["id"].as_i64().unwrap(),
        session_id,
        registration["id"].as_i64().unwrap(),
        code,
    )
}

#[tokio::test]
async fn a_course_is_built_followed_and_certified_over_the_api() {
    for app in apps().await {
        // Bad input is named by field.
        let problem = app
            .api(
                "POST",
                "/api/v1/courses",
                Some("polisher"),
                Some(json!({"title": "A", "summary": "", "field": "x", "hours": 0})),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["title", "summary", "hours"], "{problem}");
        app.api(
            "POST",
            "/api/v1/courses",
            Some("maker"),
            Some(course_body("越权课程", 0)),
        )
        .await
        .problem(StatusCode::FORBIDDEN);

        let course = created(
            app.api(
                "POST",
                "/api/v1/courses",
                Some("polisher"),
                Some(course_body("机器人打磨编程", 1)),
            )
            .await,
        )
        .await;
        let id = course["id"].as_i64().unwrap();
        let bad_kind = app
            .api(
                "POST",
                &format!("/api/v1/courses/{id}/lessons"),
                Some("polisher"),
                Some(json!({"title": "示教", "kind": "audio", "minutes": 5})),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad_kind["errors"][0]["field"], "kind");
        let video = created(
            app.api(
                "POST",
                &format!("/api/v1/courses/{id}/lessons"),
                Some("polisher"),
                Some(json!({"title": "示教器基础", "kind": "video", "minutes": 1})),
            )
            .await,
        )
        .await;
        let lesson = video["id"].as_i64().unwrap();
        // A video's file must be a video.
        let upload = |bytes: &'static [u8], name: &'static str| {
            let (content_type, body) = crate::support::multipart(&[], Some((name, bytes)));
            axum::http::Request::builder()
                .method("POST")
                .uri(format!("/api/v1/courses/{id}/lessons/{lesson}/file"))
                .header(
                    "authorization",
                    format!("Bearer {}", app.tokens["polisher"]),
                )
                .header("content-type", content_type)
                .body(axum::body::Body::from(body))
                .unwrap()
        };
        let refused = app.send(upload(b"%PDF-1.7\n", "video.mp4")).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.text()
        );
        app.api(
            "POST",
            &format!("/api/v1/courses/{id}/publish"),
            Some("polisher"),
            None,
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
        let uploaded = app.send(upload(MP4, "示教器基础.mp4")).await;
        assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.text());
        assert_eq!(uploaded.json()["file"]["content_type"], "video/mp4");
        let published = app
            .api(
                "POST",
                &format!("/api/v1/courses/{id}/publish"),
                Some("polisher"),
                None,
            )
            .await;
        assert_eq!(published.json()["status"], "published");

        // The video is served inline with ranges, so a player can seek.
        let whole = app
            .api(
                "GET",
                &format!("/api/v1/courses/{id}/lessons/{lesson}/file"),
                Some("maker"),
                None,
            )
            .await;
        assert_eq!(whole.status, StatusCode::OK);
        assert_eq!(whole.body, MP4);
        assert_eq!(whole.content_type(), "video/mp4");
        assert_eq!(whole.headers["accept-ranges"], "bytes");
        let part = app
            .api_with_headers(
                "GET",
                &format!("/api/v1/courses/{id}/lessons/{lesson}/file"),
                Some("maker"),
                None,
                &[("range", "bytes=4-7")],
            )
            .await;
        assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(part.body, b"ftyp");
        assert_eq!(
            part.headers["content-range"],
            format!("bytes 4-7/{}", MP4.len())
        );

        // The maker enrols and watches; a video counts once 90 % of it is watched.
        created(
            app.api(
                "POST",
                &format!("/api/v1/courses/{id}/enrolment"),
                Some("maker"),
                None,
            )
            .await,
        )
        .await;
        app.api(
            "POST",
            &format!("/api/v1/courses/{id}/enrolment"),
            Some("maker"),
            None,
        )
        .await
        .problem(StatusCode::CONFLICT);
        let early = app
            .api(
                "POST",
                &format!("/api/v1/courses/{id}/lessons/{lesson}/progress"),
                Some("maker"),
                Some(json!({"seconds": 30, "done": true})),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(early["errors"][0]["field"], "done");
        let watched = app
            .api(
                "POST",
                &format!("/api/v1/courses/{id}/lessons/{lesson}/progress"),
                Some("maker"),
                Some(json!({"seconds": 55})),
            )
            .await
            .json();
        assert_eq!(watched["enrolment"]["lessons_done"], 1);
        assert_eq!(
            watched["enrolment"]["certificate"],
            Value::Null,
            "the session is still to come"
        );

        // The session: the trainer's code signs the maker in; a second time is refused.
        let session = created(
            app.api(
                "POST",
                &format!("/api/v1/courses/{id}/sessions"),
                Some("polisher"),
                Some(session_body("第 1 次课")),
            )
            .await,
        )
        .await;
        let session_id = session["id"].as_i64().unwrap();
        let bad_time = app
            .api(
                "POST",
                &format!("/api/v1/courses/{id}/sessions"),
                Some("polisher"),
                Some(json!({"title": "x课", "place": "实训室", "starts_at": "明天", "ends_at": "2026-12-12T12:00:00+08:00", "capacity": 5, "trainer": "王"})),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad_time["errors"][0]["field"], "starts_at");
        let code = app
            .api(
                "GET",
                &format!("/api/v1/training-sessions/{session_id}/code"),
                Some("polisher"),
                None,
            )
            .await
            .json();
        let shown = code["code"].as_str().unwrap();
        assert_eq!(
            code["sign_in_path"],
            format!("/training/sessions/{session_id}/sign-in?code={shown}")
        );
        app.api(
            "GET",
            &format!("/api/v1/training-sessions/{session_id}/code"),
            Some("maker"),
            None,
        )
        .await
        .problem(StatusCode::NOT_FOUND);
        let wrong = app
            .api(
                "POST",
                &format!("/api/v1/training-sessions/{session_id}/sign-in"),
                Some("maker"),
                Some(json!({"code": "ABCD2345"})),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(wrong["errors"][0]["field"], "code");
        let signed = app
            .api(
                "POST",
                &format!("/api/v1/training-sessions/{session_id}/sign-in"),
                Some("maker"),
                Some(json!({"code": shown})),
            )
            .await;
        assert_eq!(signed.status, StatusCode::OK, "{}", signed.text());
        assert_eq!(signed.json()["sign_in_method"], "code");
        let twice = app
            .api(
                "POST",
                &format!("/api/v1/training-sessions/{session_id}/sign-in"),
                Some("maker"),
                Some(json!({"code": shown})),
            )
            .await
            .problem(StatusCode::CONFLICT);
        assert_eq!(twice["type"], "/problems/already-signed-in", "{twice}");
        // Three minutes later the photographed code is expired.
        app.clock.advance(3 * 60_000);
        let stale = app
            .api(
                "POST",
                &format!("/api/v1/training-sessions/{session_id}/sign-in"),
                Some("rival"),
                Some(json!({"code": shown})),
            )
            .await
            .problem(StatusCode::CONFLICT);
        assert_eq!(stale["type"], "/problems/code-expired", "{stale}");

        // Completed: the certificate is the maker's; anyone verifies it, nobody learns of others.
        let certificates = app
            .api("GET", "/api/v1/me/certificates", Some("maker"), None)
            .await
            .json();
        let certificate = certificates[0]["code"].as_str().unwrap().to_owned();
        let verified = app
            .api(
                "GET",
                &format!("/api/v1/certificates/{certificate}"),
                None,
                None,
            )
            .await;
        assert_eq!(verified.status, StatusCode::OK, "{}", verified.text());
        assert_eq!(verified.json()["course_title"], "机器人打磨编程");
        let unknown = app
            .api("GET", "/api/v1/certificates/2345-6789-ABCD", None, None)
            .await
            .problem(StatusCode::NOT_FOUND);
        assert!(!unknown.to_string().contains("机器人"), "{unknown}");
        let pdf = app
            .api(
                "GET",
                &format!("/api/v1/certificates/{certificate}/pdf"),
                Some("maker"),
                None,
            )
            .await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert_eq!(pdf.content_type(), "application/pdf");
        assert!(pdf.body.starts_with(b"%PDF-"));
        app.api(
            "GET",
            &format!("/api/v1/certificates/{certificate}/pdf"),
            Some("rival"),
            None,
        )
        .await
        .problem(StatusCode::NOT_FOUND);
        let learners = app
            .api(
                "GET",
                &format!("/api/v1/courses/{id}/learners"),
                Some("polisher"),
                None,
            )
            .await
            .json();
        assert_eq!(learners[0]["certificate"], certificate.as_str());
    }
}

#[tokio::test]
async fn a_learner_signs_in_on_a_phone_and_anyone_verifies_the_certificate() {
    for app in apps().await {
        let course = created(
            app.api(
                "POST",
                "/api/v1/courses",
                Some("polisher"),
                Some(course_body("现场实训", 1)),
            )
            .await,
        )
        .await;
        let id = course["id"].as_i64().unwrap();
        app.api(
            "POST",
            &format!("/api/v1/courses/{id}/publish"),
            Some("polisher"),
            None,
        )
        .await;
        let session = created(
            app.api(
                "POST",
                &format!("/api/v1/courses/{id}/sessions"),
                Some("polisher"),
                Some(session_body("第 1 次课")),
            )
            .await,
        )
        .await;
        let session_id = session["id"].as_i64().unwrap();

        // The trainer's screen serves the code with its QR code.
        let mut trainer = Visitor::new(&app);
        trainer.sign_in("polisher").await;
        let screen = trainer
            .get(&format!("/training/sessions/{session_id}/screen"))
            .await;
        assert_eq!(screen.status, StatusCode::OK, "{}", screen.text());
        let state = trainer
            .get(&format!("/training/sessions/{session_id}/code"))
            .await
            .json();
        assert_eq!(state["open"], true);
        assert!(state["svg"].as_str().unwrap().contains("<svg"), "{state}");
        let shown = state["code"].as_str().unwrap().replace('-', "");

        // The learner scans: the link opens the sign-in page with the code filled in.
        let mut learner = Visitor::new(&app);
        learner.sign_in("maker").await;
        let page = learner
            .get(&format!(
                "/training/sessions/{session_id}/sign-in?code={shown}"
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains(&shown));
        let csrf = learner.csrf();
        let wrong = learner
            .post(
                &format!("/training/sessions/{session_id}/sign-in"),
                &[("csrf_token", &csrf), ("code", "ABCD-2345")],
            )
            .await;
        assert!(
            wrong.text().contains("签到码不是本次课的"),
            "{}",
            wrong.text()
        );
        let signed = learner
            .post(
                &format!("/training/sessions/{session_id}/sign-in"),
                &[("csrf_token", &csrf), ("code", &shown)],
            )
            .await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.text());
        let after = learner
            .get(&format!("/training/sessions/{session_id}/sign-in"))
            .await;
        assert!(after.text().contains("id=\"signed\""), "{}", after.text());
        let again = learner
            .post(
                &format!("/training/sessions/{session_id}/sign-in"),
                &[("csrf_token", &csrf), ("code", &shown)],
            )
            .await;
        assert!(again.text().contains("无需重复签到"), "{}", again.text());

        // Attending the one session completes the course: the certificate is on the learner's
        // page and anyone (not signed in) verifies it.
        let mine = learner.get("/training/certificates").await.text();
        let code = mine
            .split("/certificates/verify?code=")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a certificate on the page")
            .to_owned();
        let mut anyone = Visitor::new(&app);
        let valid = anyone
            .get(&format!("/certificates/verify?code={code}"))
            .await;
        assert_eq!(valid.status, StatusCode::OK);
        assert!(
            valid.text().contains("certificate-valid") && valid.text().contains("现场实训"),
            "{}",
            valid.text()
        );
        let unknown = anyone
            .get("/certificates/verify?code=2345-6789-ABCD")
            .await
            .text();
        assert!(
            unknown.contains("certificate-unknown") && !unknown.contains("现场实训"),
            "{unknown}"
        );
        // The course page lists the learner for the provider and not for another learner.
        let course_page = trainer.get(&format!("/training/courses/{id}")).await.text();
        assert!(course_page.contains("learner-table"), "{course_page}");
        let mut rival = Visitor::new(&app);
        rival.sign_in("rival").await;
        assert!(
            !rival
                .get(&format!("/training/courses/{id}"))
                .await
                .text()
                .contains("learner-table")
        );
    }
}

#[tokio::test]
async fn a_provider_reorders_lessons_and_cancels_a_session_over_the_api() {
    for app in apps().await {
        let (course, lesson, session, _, _) = seed(&app).await;
        let second = created(
            app.api(
                "POST",
                &format!("/api/v1/courses/{course}/lessons"),
                Some("polisher"),
                Some(json!({"title": "示教器", "kind": "text", "body": "……", "minutes": 5})),
            )
            .await,
        )
        .await;
        let moved = format!("/api/v1/courses/{course}/lessons/{}/move", second["id"]);
        let problem = app
            .api(
                "POST",
                &moved,
                Some("polisher"),
                Some(json!({"direction": "up"})),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "direction", "{problem}");
        let order = app
            .api(
                "POST",
                &moved,
                Some("polisher"),
                Some(json!({"direction": "earlier"})),
            )
            .await
            .json();
        let ids: Vec<i64> = order
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [second["id"].as_i64().unwrap(), lesson]);
        app.api(
            "POST",
            &moved,
            Some("polisher"),
            Some(json!({"direction": "earlier"})),
        )
        .await
        .problem(StatusCode::CONFLICT);

        let cancel = format!("/api/v1/training-sessions/{session}/cancel");
        app.api("POST", &cancel, Some("polisher"), Some(json!({})))
            .await
            .problem(StatusCode::BAD_REQUEST);
        let cancelled = app
            .api(
                "POST",
                &cancel,
                Some("polisher"),
                Some(json!({"reason": "场地检修，另行通知"})),
            )
            .await;
        assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text());
        let cancelled = cancelled.json();
        assert_eq!(cancelled["cancel_reason"], "场地检修，另行通知");
        assert!(cancelled["cancelled_at"].is_string(), "{cancelled}");
        app.api(
            "POST",
            &cancel,
            Some("polisher"),
            Some(json!({"reason": "再次取消"})),
        )
        .await
        .problem(StatusCode::CONFLICT);
    }
}

#[tokio::test]
async fn the_trainer_reorders_lessons_and_cancels_a_session_from_the_pages() {
    for app in apps().await {
        let (course, lesson, session, _, _) = seed(&app).await;
        let second = created(
            app.api(
                "POST",
                &format!("/api/v1/courses/{course}/lessons"),
                Some("polisher"),
                Some(json!({"title": "示教器", "kind": "text", "body": "……", "minutes": 5})),
            )
            .await,
        )
        .await;
        let mut trainer = crate::pages::Visitor::new(&app);
        trainer.sign_in("polisher").await;
        let page = trainer
            .get(&format!("/training/courses/{course}"))
            .await
            .text();
        let move_form = format!("/training/courses/{course}/lessons/{}/move", second["id"]);
        assert!(page.contains(&move_form), "{page}");
        let csrf = trainer.csrf();
        let reply = trainer
            .post(
                &move_form,
                &[("csrf_token", csrf.as_str()), ("direction", "earlier")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let lessons = app
            .api(
                "GET",
                &format!("/api/v1/courses/{course}/lessons"),
                Some("polisher"),
                None,
            )
            .await
            .json();
        assert_eq!(lessons[0]["id"], second["id"]);
        assert_eq!(lessons[1]["id"], lesson);

        // Cancelling needs a reason, said on the page; then the page says it was cancelled.
        let at = format!("/training/sessions/{session}");
        trainer.get(&at).await;
        let csrf = trainer.csrf();
        let reply = trainer
            .post(
                &format!("{at}/cancel"),
                &[("csrf_token", csrf.as_str()), ("reason", "")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.text().contains("请说明取消原因"), "{}", reply.text());
        let reply = trainer
            .post(
                &format!("{at}/cancel"),
                &[("csrf_token", csrf.as_str()), ("reason", "场地检修")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let page = trainer.get(&at).await.text();
        assert!(page.contains("本次课已取消：场地检修"), "{page}");
        assert!(
            !page.contains("id=\"open-screen\""),
            "no sign-in screen for a cancelled session"
        );
    }
}
