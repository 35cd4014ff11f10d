//! Major science-and-technology projects through the API: a call, applications, experts
//! assigned without conflicts, blind scoring, ranking, awards within the budget, milestones.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, apps, maker_code, nantou_code};

pub(crate) const CALL: &str = "ST-2026";

fn call() -> Value {
    json!({
        "code": CALL,
        "title": "2026 年重大科技专项",
        "year": 2026,
        "topics": ["人工智能", "机器人", "芯片"],
        "criteria": [
            {"name": "技术先进性", "weight": 40},
            {"name": "产业化前景", "weight": 35},
            {"name": "团队能力", "weight": 25}
        ],
        "budget_fen": 1_000_000_000i64,
        "experts_per_application": 1,
        "opens_on": "2026-11-01",
        "closes_on": "2026-12-31"
    })
}

fn scores(a: i64, b: i64, c: i64) -> Value {
    json!({"scores": {"技术先进性": a, "产业化前景": b, "团队能力": c}, "comment": "意见"})
}

async fn ok(app: &TestApp, method: &str, path: &str, user: &str, body: Option<Value>) -> Value {
    let reply = app.api(method, path, Some(user), body).await;
    assert!(
        reply.status.is_success(),
        "{method} {path} as {user}: {} {}",
        reply.status,
        reply.text()
    );
    if reply.body.is_empty() {
        Value::Null
    } else {
        reply.json()
    }
}

/// The seeded state: the call under review, the maker's application (numbered) assigned to the
/// expert, and the rival's without an expert (the expert works for the rival).
pub(crate) struct Seeded {
    pub(crate) maker_number: String,
    pub(crate) rival_number: String,
    pub(crate) assignment_id: i64,
}

pub(crate) async fn seed(app: &TestApp) -> Seeded {
    ok(app, "POST", "/api/v1/st-calls", "staff", Some(call())).await;
    ok(
        app,
        "POST",
        &format!("/api/v1/st-calls/{CALL}/status"),
        "staff",
        Some(json!({"status": "open"})),
    )
    .await;
    let apply = |topic: &str, title: &str| json!({"call": CALL, "topic": topic, "title": title, "summary": "摘要", "requested_fen": 300_000_000});
    let maker = ok(
        app,
        "POST",
        "/api/v1/st-applications",
        "maker",
        Some(apply("人工智能", "视觉质检大模型")),
    )
    .await;
    let rival = ok(
        app,
        "POST",
        "/api/v1/st-applications",
        "rival",
        Some(apply("机器人", "打磨机器人")),
    )
    .await;
    ok(
        app,
        "PUT",
        "/api/v1/experts/expert/profile",
        "staff",
        Some(json!({"affiliation_credit_code": nantou_code(), "affiliation_name": "南头测试企业", "fields": ["人工智能"]})),
    )
    .await;
    ok(
        app,
        "POST",
        &format!("/api/v1/st-calls/{CALL}/status"),
        "staff",
        Some(json!({"status": "reviewing"})),
    )
    .await;
    let report = ok(
        app,
        "POST",
        &format!("/api/v1/st-calls/{CALL}/assignments"),
        "staff",
        None,
    )
    .await;
    assert_eq!(report["assigned"], 1, "{report}");
    let rival_number = rival["number"].as_str().unwrap().to_owned();
    assert_eq!(report["short"], json!([[rival_number, 0]]), "{report}");
    let reviews = ok(app, "GET", "/api/v1/expert-reviews", "expert", None).await;
    Seeded {
        maker_number: maker["number"].as_str().unwrap().to_owned(),
        rival_number,
        assignment_id: reviews[0]["id"].as_i64().unwrap(),
    }
}

#[tokio::test]
async fn a_call_goes_from_applications_to_awards_with_blind_conflict_free_review() {
    for app in apps().await {
        // Only the city opens calls, with weights adding up to 100.
        app.api("POST", "/api/v1/st-calls", Some("xiaolan"), Some(call()))
            .await
            .problem(StatusCode::FORBIDDEN);
        let mut bad = call();
        bad["criteria"][2]["weight"] = json!(15);
        let problem = app
            .api("POST", "/api/v1/st-calls", Some("staff"), Some(bad))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "criteria", "{problem}");

        let seeded = seed(&app).await;
        let maker_path = format!("/api/v1/st-applications/{}", seeded.maker_number);
        // Applications are the applicant's and the city's.
        for outsider in ["rival", "xiaolan", "nantou", "polisher", "expert"] {
            app.api("GET", &maker_path, Some(outsider), None)
                .await
                .problem(StatusCode::NOT_FOUND);
        }
        let own = ok(&app, "GET", "/api/v1/st-applications", "maker", None).await;
        assert_eq!(own.as_array().unwrap().len(), 1);
        // The same title twice is refused; applying after the window is refused.
        let closed = app
            .api(
                "POST",
                "/api/v1/st-applications",
                Some("maker"),
                Some(json!({"call": CALL, "topic": "芯片", "title": "新项目", "requested_fen": 1})),
            )
            .await
            .problem(StatusCode::CONFLICT);
        assert!(
            closed["detail"]
                .as_str()
                .unwrap()
                .contains("accepts applications")
        );

        // The expert sees the project, not the applicant, and scores it.
        let review_path = format!("/api/v1/expert-reviews/{}", seeded.assignment_id);
        let review = app.api("GET", &review_path, Some("expert"), None).await;
        assert_eq!(review.status, StatusCode::OK);
        assert!(
            !review.text().contains("测试1号企业"),
            "blind: {}",
            review.text()
        );
        assert!(
            !review.text().contains(&maker_code()),
            "blind: {}",
            review.text()
        );
        let missing = app
            .api(
                "POST",
                &review_path,
                Some("expert"),
                Some(json!({"scores": {"技术先进性": 90}})),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(missing["errors"][0]["field"], "scores.产业化前景");
        // A relation declared after assignment: the expert is refused, and it is audited.
        ok(
            &app,
            "PUT",
            "/api/v1/experts/expert/profile",
            "staff",
            Some(json!({"affiliation_credit_code": nantou_code(), "declared_relations": [maker_code()]})),
        )
        .await;
        app.api(
            "POST",
            &review_path,
            Some("expert"),
            Some(scores(90, 80, 71)),
        )
        .await
        .problem(StatusCode::FORBIDDEN);
        let audit = ok(
            &app,
            "GET",
            &format!(
                "/api/v1/audit?entity_type=st_application&entity_key={}",
                seeded.maker_number
            ),
            "admin",
            None,
        )
        .await;
        assert!(
            audit.to_string().contains("st_review.conflict_refused"),
            "{audit}"
        );
        ok(
            &app,
            "PUT",
            "/api/v1/experts/expert/profile",
            "staff",
            Some(json!({"affiliation_credit_code": nantou_code()})),
        )
        .await;
        let scored = ok(
            &app,
            "POST",
            &review_path,
            "expert",
            Some(scores(90, 80, 71)),
        )
        .await;
        assert_eq!(scored["total"], 81.75);

        // The expert no longer works for the rival: assigning again tops the rival's application
        // up, and leaves the maker's (already staffed) alone.
        ok(
            &app,
            "PUT",
            "/api/v1/experts/expert/profile",
            "staff",
            Some(json!({"affiliation_credit_code": null})),
        )
        .await;
        let again = ok(
            &app,
            "POST",
            &format!("/api/v1/st-calls/{CALL}/assignments"),
            "staff",
            None,
        )
        .await;
        assert_eq!(again, json!({"assigned": 1, "short": []}));

        // Ranking, then awards within the amount asked for and the budget.
        let ranking = ok(
            &app,
            "POST",
            &format!("/api/v1/st-calls/{CALL}/ranking"),
            "staff",
            None,
        )
        .await;
        assert_eq!(ranking[0]["number"], seeded.maker_number.as_str());
        assert_eq!(ranking[0]["rank"], 1);
        assert_eq!(ranking[0]["score"], 81.75);
        assert_eq!(ranking[1]["rank"], Value::Null, "no expert, no score");
        app.api(
            "POST",
            &format!("/api/v1/st-calls/{CALL}/ranking"),
            Some("maker"),
            None,
        )
        .await
        .problem(StatusCode::NOT_FOUND);
        let detail = ok(&app, "GET", &maker_path, "staff", None).await;
        let version = detail["version"].as_i64().unwrap();
        app.api(
            "POST",
            &format!("{maker_path}/decision"),
            Some("staff"),
            Some(json!({"awarded_fen": 400_000_000, "version": version})),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
        let awarded = ok(
            &app,
            "POST",
            &format!("{maker_path}/decision"),
            "staff",
            Some(json!({"awarded_fen": 200_000_000, "version": version})),
        )
        .await;
        assert_eq!(awarded["status"], "awarded");
        // Once something is decided, the ranking stays as it was.
        app.api(
            "POST",
            &format!("/api/v1/st-calls/{CALL}/ranking"),
            Some("staff"),
            None,
        )
        .await
        .problem(StatusCode::CONFLICT);
        // A decision on a version already decided is refused.
        app.api(
            "POST",
            &format!("{maker_path}/decision"),
            Some("staff"),
            Some(json!({"awarded_fen": 100_000_000, "version": version})),
        )
        .await
        .problem(StatusCode::CONFLICT);
        // The applicant sees the outcome but not the reviews.
        let seen = ok(&app, "GET", &maker_path, "maker", None).await;
        assert_eq!(seen["awarded_fen"], 200_000_000);
        assert_eq!(seen["reviews"], json!([]));
        let rival_path = format!("/api/v1/st-applications/{}", seeded.rival_number);
        let rival = ok(&app, "GET", &rival_path, "staff", None).await;
        app.api(
            "POST",
            &format!("{rival_path}/decision"),
            Some("staff"),
            Some(json!({"awarded_fen": 1, "version": rival["version"]})),
        )
        .await
        .problem(StatusCode::CONFLICT);

        // Milestones: tranches within the award; the enterprise reports, the city accepts.
        let first = ok(
            &app,
            "POST",
            &format!("{maker_path}/milestones"),
            "staff",
            Some(json!({"title": "样机", "due_on": "2027-06-30", "amount_fen": 120_000_000})),
        )
        .await;
        ok(
            &app,
            "POST",
            &format!("{maker_path}/milestones"),
            "staff",
            Some(json!({"title": "量产", "due_on": "2027-12-31", "amount_fen": 80_000_000})),
        )
        .await;
        app.api(
            "POST",
            &format!("{maker_path}/milestones"),
            Some("staff"),
            Some(json!({"title": "追加", "due_on": "2028-01-31", "amount_fen": 1})),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
        let milestone = format!("{maker_path}/milestones/{}", first["id"]);
        app.api(
            "POST",
            &format!("{milestone}/acceptance"),
            Some("staff"),
            None,
        )
        .await
        .problem(StatusCode::CONFLICT);
        ok(
            &app,
            "POST",
            &format!("{milestone}/report"),
            "maker",
            Some(json!({"report": "样机已完成"})),
        )
        .await;
        ok(
            &app,
            "POST",
            &format!("{milestone}/acceptance"),
            "staff",
            None,
        )
        .await;
        app.api(
            "POST",
            &format!("{milestone}/acceptance"),
            Some("staff"),
            None,
        )
        .await
        .problem(StatusCode::CONFLICT);
        let summary = ok(&app, "GET", "/api/v1/st-summary?year=2026", "staff", None).await;
        assert_eq!(
            summary,
            json!([{"call": CALL, "topic": "人工智能", "projects": 1, "awarded_fen": 200_000_000}])
        );
        let rival_summary = ok(&app, "GET", "/api/v1/st-summary", "rival", None).await;
        assert_eq!(rival_summary, json!([]));
    }
}

#[tokio::test]
async fn a_proposal_is_written_whole_and_experts_score_what_it_says() {
    for app in apps().await {
        let mut with_deadline = call();
        with_deadline["review_due_on"] = json!("2027-01-15");
        ok(
            &app,
            "POST",
            "/api/v1/st-calls",
            "staff",
            Some(with_deadline),
        )
        .await;
        ok(
            &app,
            "POST",
            &format!("/api/v1/st-calls/{CALL}/status"),
            "staff",
            Some(json!({"status": "open"})),
        )
        .await;
        let mut maker = crate::pages::Visitor::new(&app);
        maker.sign_in("maker").await;
        let form = maker.get(&format!("/major/apply?call={CALL}")).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.text());
        let csrf = maker.csrf();
        let fields = |amount: &'static str, due: &'static str| {
            vec![
                ("csrf_token", csrf.clone()),
                ("call", CALL.to_owned()),
                ("topic", "人工智能".to_owned()),
                ("title", "视觉质检大模型".to_owned()),
                ("summary", "家电外观缺陷检测".to_owned()),
                ("requested_yuan", "3,000,000".to_owned()),
                ("objectives", "缺陷检出率 99.5%".to_owned()),
                ("approach", "小样本学习与产线在线部署".to_owned()),
                ("indicators", "误报率低于 0.5%".to_owned()),
                ("b0_item", "设备购置费".to_owned()),
                ("b0_amount", "4,000,000".to_owned()),
                ("b1_item", "测试化验加工费".to_owned()),
                ("b1_amount", amount.to_owned()),
                ("p0_title", "样机".to_owned()),
                ("p0_due_on", "2027-06-30".to_owned()),
                ("p1_title", "产线验证".to_owned()),
                ("p1_due_on", due.to_owned()),
            ]
        };
        // An unreadable amount, then milestones out of order: each beside its row.
        let values = fields("二十万", "2027-12-31");
        let borrowed: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = maker.post("/major/apply", &borrowed).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = reply.text();
        assert!(html.contains("id=\"budget-1-error\""), "{html}");
        assert!(html.contains("value=\"视觉质检大模型\""), "input is kept");
        let values = fields("200,000", "2027-01-01");
        let borrowed: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = maker.post("/major/apply", &borrowed).await;
        let html = reply.text();
        assert!(html.contains("id=\"plan-1-error\""), "{html}");
        assert!(!html.contains("plan[1]"), "no raw keys: {html}");
        let values = fields("200,000", "2027-12-31");
        let borrowed: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = maker.post("/major/apply", &borrowed).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let location = reply.headers["location"].to_str().unwrap().to_owned();
        let number = location
            .trim_start_matches("/major/applications/")
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        let page = maker.get(&format!("/major/applications/{number}")).await;
        let html = page.text();
        assert!(html.contains("4,200,000.00"), "the budget's total: {html}");
        assert!(
            html.contains("id=\"upload\""),
            "attachments while the call is open"
        );

        // The expert reads the proposal, its plan and the deadline, not the applicant.
        ok(
            &app,
            "PUT",
            "/api/v1/experts/expert/profile",
            "staff",
            Some(json!({"affiliation_credit_code": nantou_code(), "affiliation_name": "南头测试企业", "fields": ["人工智能"]})),
        )
        .await;
        ok(
            &app,
            "POST",
            &format!("/api/v1/st-calls/{CALL}/status"),
            "staff",
            Some(json!({"status": "reviewing"})),
        )
        .await;
        ok(
            &app,
            "POST",
            &format!("/api/v1/st-calls/{CALL}/assignments"),
            "staff",
            None,
        )
        .await;
        let mut expert = crate::pages::Visitor::new(&app);
        expert.sign_in("expert").await;
        let html = expert.get("/reviews").await.text();
        for expected in [
            "缺陷检出率 99.5%",
            "小样本学习",
            "测试化验加工费",
            "200,000.00",
            "产线验证",
            "2027-01-15",
        ] {
            assert!(html.contains(expected), "{expected}: {html}");
        }
        let maker_name: String =
            sqlx::query_scalar("SELECT name FROM enterprises WHERE credit_code = $1")
                .bind(maker_code())
                .fetch_one(app._db.db.pool())
                .await
                .unwrap();
        assert!(!html.contains(&maker_name), "blind: {html}");
    }
}
