//! Service requests through the API and the pages: an enterprise requests a service on notice,
//! the platform proposes a contract, the enterprise confirms, the platform delivers with
//! evidence, the enterprise accepts and rates; each step needs the version read; the lists say
//! on whom each request waits.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::pages::Visitor;
use crate::support::{TestApp, apps};

/// The polishing platform's service, checked onto public notice (requestable); its id.
pub(crate) async fn seed_service(app: &TestApp) -> i64 {
    let id = crate::services::seed_draft(app).await;
    for (user, path, body) in [
        ("polisher", format!("/api/v1/services/{id}/submit"), None),
        (
            "staff",
            format!("/api/v1/services/{id}/check"),
            Some(json!({"decision": "approve"})),
        ),
    ] {
        let version = app
            .api("GET", &format!("/api/v1/services/{id}"), Some(user), None)
            .await
            .json()["row_version"]
            .to_string();
        let reply = app
            .api_with_headers(
                "POST",
                &path,
                Some(user),
                body,
                &[("if-match", version.as_str())],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    }
    id
}

/// The maker's request of the polishing platform's service, with an attached file; its number
/// and the file's id.
pub(crate) async fn seed_request(app: &TestApp) -> (String, i64) {
    let id = seed_service(app).await;
    let reply = app
        .api(
            "POST",
            "/api/v1/service-requests",
            Some("maker"),
            Some(json!({"service_id": id, "need": "阀体打磨后划痕多，请诊断"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let number = reply.json()["number"].as_str().unwrap().to_owned();
    let reply = crate::projects::upload_to(
        app,
        "maker",
        &format!("/api/v1/service-requests/{number}/files"),
        "",
        "划痕照片.pdf",
        crate::projects::PDF,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    (number, reply.json()["id"].as_i64().unwrap())
}

/// The city's voucher programme of the tests.
pub(crate) const PROGRAMME: &str = "CV2026";

/// The city's programme, a quota granted to the maker, and a voucher paying part of request
/// `number`'s contract (proposed and confirmed here); the quota's and the voucher's ids.
pub(crate) async fn seed_voucher(app: &TestApp, number: &str) -> (i64, i64) {
    let opened = app
        .api(
            "POST",
            "/api/v1/voucher-programmes",
            Some("staff"),
            Some(
                json!({"code": PROGRAMME, "year": 2026, "title": "2026 年科技创新券",
                "budget_fen": 10_000_000, "share_bp": 5000, "cap_per_enterprise_fen": 1_000_000,
                "ends_on": "2026-12-31"}),
            ),
        )
        .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text());
    let applied = app
        .api(
            "POST",
            &format!("/api/v1/voucher-programmes/{PROGRAMME}/applications"),
            Some("maker"),
            Some(json!({"amount_fen": 200_000, "purpose": "打磨工艺诊断"})),
        )
        .await;
    assert_eq!(applied.status, StatusCode::CREATED, "{}", applied.text());
    let quota = applied.json()["id"].as_i64().unwrap();
    let granted = app
        .api_with_headers(
            "POST",
            &format!("/api/v1/voucher-quotas/{quota}/decision"),
            Some("staff"),
            Some(json!({"grant_fen": 200_000})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.text());
    step(
        app,
        "polisher",
        number,
        "quote",
        Some(json!({"amount_fen": 300000, "scope": "现场诊断", "starts_on": "2026-12-01", "due_on": "2026-12-10"})),
    )
    .await;
    step(app, "maker", number, "confirm", None).await;
    let used = app
        .api(
            "POST",
            &format!("/api/v1/service-requests/{number}/voucher"),
            Some("maker"),
            Some(json!({"programme": PROGRAMME, "amount_fen": 150_000})),
        )
        .await;
    assert_eq!(used.status, StatusCode::CREATED, "{}", used.text());
    (quota, used.json()["id"].as_i64().unwrap())
}

/// `step` on `number` by `user` from the version it reads now.
async fn step(app: &TestApp, user: &str, number: &str, step: &str, body: Option<Value>) -> Value {
    let path = format!("/api/v1/service-requests/{number}");
    let version = app.api("GET", &path, Some(user), None).await.json()["row_version"].to_string();
    let reply = app
        .api_with_headers(
            "POST",
            &format!("{path}/{step}"),
            Some(user),
            body,
            &[("if-match", version.as_str())],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{step}: {}", reply.text());
    reply.json()
}

#[tokio::test]
async fn a_request_runs_from_need_to_rating_through_the_api() {
    for app in apps().await {
        let (number, file) = seed_request(&app).await;
        let path = format!("/api/v1/service-requests/{number}");
        let request = app.api("GET", &path, Some("polisher"), None).await.json();
        assert_eq!(request["status"], "requested");
        assert_eq!(request["waiting_on"], "platform");
        assert_eq!(request["client_code"], crate::support::maker_code());

        // A step without the version read is malformed; with an old one, a conflict.
        let bare = app
            .api(
                "POST",
                &format!("{path}/decline"),
                Some("polisher"),
                Some(json!({"reason": "x"})),
            )
            .await;
        bare.problem(StatusCode::BAD_REQUEST);
        let stale = app
            .api_with_headers(
                "POST",
                &format!("{path}/decline"),
                Some("polisher"),
                Some(json!({"reason": "x"})),
                &[("if-match", "\"99\"")],
            )
            .await;
        stale.problem(StatusCode::CONFLICT);
        // Bad terms are named by field, and change nothing.
        let version = request["row_version"].to_string();
        let bad = app
            .api_with_headers(
                "POST",
                &format!("{path}/quote"),
                Some("polisher"),
                Some(json!({"amount_fen": 300000, "scope": "诊断", "starts_on": "2026-12-20", "due_on": "2026-12-01"})),
                &[("if-match", version.as_str())],
            )
            .await;
        let problem = bad.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "due_on", "{problem}");
        // The maker may not answer for the platform.
        let forbidden = app
            .api_with_headers(
                "POST",
                &format!("{path}/quote"),
                Some("maker"),
                Some(json!({"amount_fen": 1, "scope": "x", "starts_on": "2026-12-20", "due_on": "2026-12-21"})),
                &[("if-match", version.as_str())],
            )
            .await;
        forbidden.problem(StatusCode::FORBIDDEN);

        let quoted = step(
            &app,
            "polisher",
            &number,
            "quote",
            Some(json!({"amount_fen": 300000, "scope": "现场诊断两天，交付报告", "starts_on": "2026-12-01", "due_on": "2026-12-10"})),
        )
        .await;
        assert_eq!(quoted["waiting_on"], "client");
        step(&app, "maker", &number, "confirm", None).await;
        let evidence = crate::projects::upload_to(
            &app,
            "polisher",
            &format!("{path}/files"),
            "",
            "诊断报告.pdf",
            crate::projects::PDF,
        )
        .await;
        assert_eq!(evidence.status, StatusCode::CREATED, "{}", evidence.text());
        assert_eq!(evidence.json()["purpose"], "evidence");
        step(
            &app,
            "polisher",
            &number,
            "deliver",
            Some(json!({"report": "完成现场诊断，见报告"})),
        )
        .await;
        step(&app, "maker", &number, "accept", None).await;
        let rated = step(
            &app,
            "maker",
            &number,
            "rate",
            Some(json!({"rating": 5, "comment": "很专业"})),
        )
        .await;
        assert_eq!(rated["status"], "rated");
        assert_eq!(rated["on_time"], true);
        assert_eq!(rated["waiting_on"], Value::Null);

        let files = app
            .api("GET", &format!("{path}/files"), Some("staff"), None)
            .await
            .json();
        assert_eq!(files.as_array().unwrap().len(), 2);
        let download = app
            .api(
                "GET",
                &format!("{path}/files/{file}"),
                Some("polisher"),
                None,
            )
            .await;
        assert_eq!(download.status, StatusCode::OK);
        let history = app
            .api("GET", &format!("{path}/history"), Some("maker"), None)
            .await
            .json();
        let actions: Vec<&str> = history
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions.first(), Some(&"service_request.created"));
        assert_eq!(actions.last(), Some(&"service_request.rated"));
        assert_eq!(actions.len(), 8, "{actions:?}");

        // Lists by side and by whom they wait on; a bad filter is named.
        for (user, count) in [
            ("maker", 1),
            ("polisher", 1),
            ("staff", 1),
            ("rival", 0),
            ("xiaolan", 0),
        ] {
            let listed = app
                .api("GET", "/api/v1/service-requests", Some(user), None)
                .await
                .json();
            assert_eq!(listed.as_array().unwrap().len(), count, "{user}");
        }
        let waiting = app
            .api(
                "GET",
                "/api/v1/service-requests?waiting_on=platform",
                Some("polisher"),
                None,
            )
            .await
            .json();
        assert!(waiting.as_array().unwrap().is_empty());
        let bad = app
            .api(
                "GET",
                "/api/v1/service-requests?waiting_on=nobody",
                Some("polisher"),
                None,
            )
            .await;
        let problem = bad.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "waiting_on");
    }
}

/// Posts `fields` (with the CSRF token and the request's row version read now) to
/// `/requests/{number}/{step}` as `visitor`.
async fn post_step(
    app: &TestApp,
    visitor: &mut Visitor<'_>,
    number: &str,
    step: &str,
    fields: &[(&str, &str)],
) -> crate::support::Reply {
    let version = app
        .api(
            "GET",
            &format!("/api/v1/service-requests/{number}"),
            Some("staff"),
            None,
        )
        .await
        .json()["row_version"]
        .to_string();
    let csrf = visitor.csrf();
    let mut form = vec![
        ("csrf_token", csrf.as_str()),
        ("row_version", version.as_str()),
    ];
    form.extend_from_slice(fields);
    visitor
        .post(&format!("/requests/{number}/{step}"), &form)
        .await
}

#[tokio::test]
async fn each_side_works_a_request_from_its_pages() {
    for app in apps().await {
        let id = seed_service(&app).await;
        let mut maker = Visitor::new(&app);
        maker.sign_in("maker").await;
        let page = maker.get(&format!("/services/{id}")).await;
        assert!(
            page.text().contains("id=\"request-form\""),
            "{}",
            page.text()
        );
        // A visitor is asked to sign in; the platform's staff get no request form.
        let mut visitor = Visitor::new(&app);
        let public = visitor.get(&format!("/services/{id}")).await;
        assert!(public.text().contains("id=\"sign-in-to-request\""));
        let mut polisher = Visitor::new(&app);
        polisher.sign_in("polisher").await;
        let own = polisher.get(&format!("/services/{id}")).await;
        assert!(!own.text().contains("id=\"request-form\""));

        // A blank need or a file that is not what it says makes nothing.
        let csrf = maker.csrf();
        let blank = maker
            .post_multipart(
                &format!("/services/{id}/request"),
                &[("csrf_token", &csrf), ("need", " ")],
                None,
            )
            .await;
        assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(blank.text().contains("id=\"need-error\""));
        let bad_file = maker
            .post_multipart(
                &format!("/services/{id}/request"),
                &[("csrf_token", &csrf), ("need", "诊断")],
                Some(("图纸.pdf", b"not a pdf")),
            )
            .await;
        assert_eq!(bad_file.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad_file.text().contains("id=\"file-error\""));
        assert!(bad_file.text().contains("诊断"), "the need typed is kept");
        let listed = app
            .api("GET", "/api/v1/service-requests", Some("maker"), None)
            .await
            .json();
        assert!(listed.as_array().unwrap().is_empty(), "{listed}");
        let made = maker
            .post_multipart(
                &format!("/services/{id}/request"),
                &[("csrf_token", &csrf), ("need", "阀体划痕多，请诊断")],
                Some(("划痕.pdf", crate::projects::PDF)),
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text());
        let location = made.headers["location"].to_str().unwrap().to_owned();
        let number = location
            .trim_start_matches("/requests/")
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        let page = maker.get(&location).await;
        assert!(page.text().contains("划痕.pdf"));
        assert!(!page.text().contains("id=\"quote-form\""));
        assert!(
            page.text().contains("id=\"reason-form\""),
            "the maker may withdraw"
        );

        // The platform finds it waiting on it, and proposes a contract.
        let mine = polisher.get("/requests?waiting=me").await;
        assert!(mine.text().contains(&format!("data-number=\"{number}\"")));
        let theirs = maker.get("/requests?waiting=me").await;
        assert!(!theirs.text().contains(&format!("data-number=\"{number}\"")));
        let page = polisher.get(&format!("/requests/{number}")).await;
        assert!(page.text().contains("id=\"quote-form\""));
        let bad = post_step(
            &app,
            &mut polisher,
            &number,
            "quote",
            &[
                ("amount", "三千"),
                ("scope", "诊断"),
                ("starts_on", "2026-12-01"),
                ("due_on", "2026-12-09"),
            ],
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("id=\"amount-error\""));
        assert!(bad.text().contains("三千"), "the amount typed is kept");
        let done = post_step(
            &app,
            &mut polisher,
            &number,
            "quote",
            &[
                ("amount", "3000"),
                ("scope", "现场诊断"),
                ("starts_on", "2026-12-01"),
                ("due_on", "2026-12-09"),
            ],
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
        // The home page says what waits on whom.
        assert!(
            maker
                .get("/")
                .await
                .text()
                .contains("href=\"/requests?waiting=me\"")
        );
        assert!(
            !polisher
                .get("/")
                .await
                .text()
                .contains("href=\"/requests?waiting=me\"")
        );
        // A form read before the change is refused with the reason.
        let csrf = maker.csrf();
        let stale = maker
            .post(
                &format!("/requests/{number}/confirm"),
                &[("csrf_token", &csrf), ("row_version", "1")],
            )
            .await;
        assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(stale.text().contains("id=\"stale\""));
        for (platform, step, fields) in [
            (false, "confirm", vec![]),
            (true, "deliver", vec![("report", "完成诊断，见报告")]),
            (false, "dispute", vec![("reason", "缺少参数建议")]),
            (true, "deliver", vec![("report", "补充参数建议")]),
            (false, "accept", vec![]),
            (false, "rate", vec![("rating", "5"), ("comment", "专业")]),
        ] {
            let who = if platform { &mut polisher } else { &mut maker };
            let reply = post_step(&app, who, &number, step, &fields).await;
            assert_eq!(
                reply.status,
                StatusCode::SEE_OTHER,
                "{step}: {}",
                reply.text()
            );
        }
        let page = app
            .api(
                "GET",
                &format!("/api/v1/service-requests/{number}"),
                Some("staff"),
                None,
            )
            .await
            .json();
        assert_eq!(page["status"], "rated");
        assert_eq!(page["amount_fen"], 300_000);
        let mut city = Visitor::new(&app);
        city.sign_in("staff").await;
        let seen = city.get(&format!("/requests/{number}")).await;
        assert_eq!(seen.status, StatusCode::OK);
        assert!(seen.text().contains("id=\"rating\""));
        assert!(
            !seen.text().contains("id=\"file-form\""),
            "the city adds nothing"
        );
        let mut rival = Visitor::new(&app);
        rival.sign_in("rival").await;
        assert_eq!(
            rival.get(&format!("/requests/{number}")).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn a_voucher_is_claimed_reviewed_and_reimbursed_through_the_api() {
    for app in apps().await {
        let (number, _) = seed_request(&app).await;
        let (quota, voucher) = seed_voucher(&app, &number).await;
        let path = format!("/api/v1/voucher-uses/{voucher}");
        let on_request = app
            .api(
                "GET",
                &format!("/api/v1/service-requests/{number}/voucher"),
                Some("polisher"),
                None,
            )
            .await
            .json();
        assert_eq!(on_request["amount_fen"], 150_000);
        let evidence = crate::projects::upload_to(
            &app,
            "polisher",
            &format!("/api/v1/service-requests/{number}/files"),
            "",
            "诊断报告.pdf",
            crate::projects::PDF,
        )
        .await;
        assert_eq!(evidence.status, StatusCode::CREATED, "{}", evidence.text());
        step(
            &app,
            "polisher",
            &number,
            "deliver",
            Some(json!({"report": "完成"})),
        )
        .await;
        step(&app, "maker", &number, "accept", None).await;
        let version = |reply: &crate::support::Reply| reply.json()["row_version"].to_string();
        let current = app.api("GET", &path, Some("polisher"), None).await;
        let claim = crate::support::multipart(&[], Some(("付款凭证.pdf", crate::projects::PDF)));
        let claimed = app
            .send(
                axum::http::Request::builder()
                    .method("POST")
                    .uri(format!("{path}/claim"))
                    .header(
                        "authorization",
                        format!("Bearer {}", app.tokens["polisher"]),
                    )
                    .header("if-match", version(&current))
                    .header("content-type", claim.0)
                    .body(axum::body::Body::from(claim.1))
                    .unwrap(),
            )
            .await;
        assert_eq!(claimed.status, StatusCode::OK, "{}", claimed.text());
        assert_eq!(claimed.json()["status"], "claimed");
        let queue = app
            .api(
                "GET",
                &format!("/api/v1/voucher-programmes/{PROGRAMME}/uses?status=claimed"),
                Some("staff"),
                None,
            )
            .await
            .json();
        assert_eq!(queue.as_array().unwrap().len(), 1);
        let reviewed = app
            .api_with_headers(
                "POST",
                &format!("{path}/review"),
                Some("staff"),
                Some(json!({"approve": true})),
                &[("if-match", version(&claimed).as_str())],
            )
            .await;
        assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.text());
        let paid = app
            .api_with_headers(
                "POST",
                &format!("{path}/reimburse"),
                Some("staff"),
                Some(json!({"payment_reference": "ZS-0001"})),
                &[("if-match", version(&reviewed).as_str())],
            )
            .await;
        assert_eq!(paid.json()["status"], "reimbursed");
        let ledger = app
            .api(
                "GET",
                &format!("/api/v1/voucher-programmes/{PROGRAMME}/ledger"),
                Some("staff"),
                None,
            )
            .await
            .json();
        assert_eq!(ledger["totals"]["reimbursed_fen"], 150_000);
        assert_eq!(ledger["totals"]["available_fen"], 50_000);
        assert_eq!(ledger["totals"]["unallocated_fen"], 9_800_000);
        assert_eq!(ledger["platforms"]["polish"]["reimbursed_fen"], 150_000);
        let own = app
            .api(
                "GET",
                &format!("/api/v1/voucher-quotas/{quota}"),
                Some("maker"),
                None,
            )
            .await
            .json();
        assert_eq!(
            (
                own["reimbursed_fen"].as_i64(),
                own["available_fen"].as_i64()
            ),
            (Some(150_000), Some(50_000))
        );
        let rival = app
            .api(
                "GET",
                &format!("/api/v1/voucher-programmes/{PROGRAMME}/ledger"),
                Some("rival"),
                None,
            )
            .await
            .json();
        assert!(rival["entries"].as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn vouchers_are_run_from_their_pages() {
    for app in apps().await {
        let mut city = Visitor::new(&app);
        city.sign_in("staff").await;
        let csrf = city.csrf();
        let fields = |budget: &'static str| {
            vec![
                ("code", "CV2027"),
                ("year", "2026"),
                ("title", "科技创新券"),
                ("budget", budget),
                ("share_bp", "5000"),
                ("cap", "10000"),
                ("sectors", ""),
                ("platforms", "polish"),
                ("ends_on", "2026-12-31"),
            ]
        };
        let mut bad = vec![("csrf_token", csrf.as_str())];
        bad.extend(fields("十万"));
        let refused = city.post("/vouchers", &bad).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.text().contains("id=\"budget-error\""),
            "{}",
            refused.text()
        );
        let mut good = vec![("csrf_token", csrf.as_str())];
        good.extend(fields("100000"));
        let opened = city.post("/vouchers", &good).await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.text());

        // The maker applies from the programme's page, the city grants from its own.
        let mut maker = Visitor::new(&app);
        maker.sign_in("maker").await;
        assert!(
            maker
                .get("/vouchers/CV2027")
                .await
                .text()
                .contains("id=\"apply-form\"")
        );
        let csrf = maker.csrf();
        let applied = maker
            .post(
                "/vouchers/CV2027/apply",
                &[
                    ("csrf_token", &csrf),
                    ("amount", "2000"),
                    ("purpose", "打磨诊断"),
                ],
            )
            .await;
        assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", applied.text());
        let quotas = app
            .api(
                "GET",
                "/api/v1/voucher-programmes/CV2027/quotas",
                Some("staff"),
                None,
            )
            .await
            .json();
        let quota = quotas[0]["id"].as_i64().unwrap();
        let csrf = city.csrf();
        let granted = city
            .post(
                &format!("/voucher-quotas/{quota}/decide"),
                &[
                    ("csrf_token", &csrf),
                    ("row_version", "1"),
                    ("amount", "2000"),
                    ("reason", ""),
                ],
            )
            .await;
        assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.text());

        // On a confirmed contract the maker pays with it; too much is named, and changes nothing.
        let (number, _) = seed_request(&app).await;
        step(&app, "polisher", &number, "quote", Some(json!({"amount_fen": 300000, "scope": "诊断", "starts_on": "2026-12-01", "due_on": "2026-12-10"}))).await;
        step(&app, "maker", &number, "confirm", None).await;
        let page = maker.get(&format!("/requests/{number}")).await;
        assert!(
            page.text().contains("id=\"voucher-form\""),
            "{}",
            page.text()
        );
        let csrf = maker.csrf();
        let too_much = maker
            .post(
                &format!("/requests/{number}/voucher"),
                &[
                    ("csrf_token", &csrf),
                    ("programme", "CV2027"),
                    ("amount", "2000.01"),
                ],
            )
            .await;
        assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(too_much.text().contains("id=\"voucher-amount-error\""));
        let used = maker
            .post(
                &format!("/requests/{number}/voucher"),
                &[
                    ("csrf_token", &csrf),
                    ("programme", "CV2027"),
                    ("amount", "1500"),
                ],
            )
            .await;
        assert_eq!(used.status, StatusCode::SEE_OTHER, "{}", used.text());
        let page = maker.get(&format!("/requests/{number}")).await;
        assert!(page.text().contains("id=\"release-voucher\""));
        let programme = city.get("/vouchers/CV2027").await;
        assert!(programme.text().contains("id=\"grant-form\""));
        assert_eq!(
            city.get("/vouchers/CV2027/ledger").await.status,
            StatusCode::OK
        );
        let mut rival = Visitor::new(&app);
        rival.sign_in("rival").await;
        let theirs = rival.get("/vouchers/CV2027").await.text();
        assert!(
            !theirs.contains(&number),
            "another enterprise sees none of the maker's"
        );
    }
}
