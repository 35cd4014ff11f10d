//! Technology-upgrade projects and subsidies through the API: the whole flow from a batch to a
//! payment with every amount checked by hand, refusals that change nothing, and the reports.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, apps};

pub(crate) const RULE_SET: &str = "post-completion";
pub(crate) const BATCH: &str = "PC-2026";

/// Rules: equipment, software and installation count; at least 1 M yuan; 10 %; at most 2 M
/// yuan a project; related parties and items invoiced before 2026 excluded.
fn rules() -> Value {
    json!({
        "name": "事后奖补（测试）",
        "parameters": {
            "eligible_categories": ["equipment", "software", "installation"],
            "min_eligible_investment_fen": 100_000_000,
            "rate_basis_points": 1000,
            "cap_per_project_fen": 200_000_000,
            "cap_per_enterprise_year_fen": null,
            "exclude_related_party_suppliers": true,
            "earliest_invoice_date": "2026-01-01"
        }
    })
}

fn batch() -> Value {
    json!({
        "code": BATCH,
        "programme": "post_completion",
        "year": 2026,
        "title": "2026 年技术改造事后奖补",
        "opens_on": "2026-11-01",
        "closes_on": "2026-12-31",
        "required_attachments": ["营业执照"],
        "rule_set": RULE_SET,
        "notice_days": 7
    })
}

/// Equipment 3 × 400,000.00 + software 123,456.78 count; the building and the related-party
/// item do not: eligible 1,323,456.78 yuan, 10 % = 132,345.67 yuan.
pub(crate) fn application(project: &str, invoice_prefix: &str) -> Value {
    let item = |category: &str, name: &str, quantity: i64, price: i64, n: u32, related: bool| {
        json!({
            "category": category, "name": name, "quantity": quantity, "unit_price_fen": price,
            "supplier": "某某装备公司", "related_party": related,
            "invoice_number": format!("{invoice_prefix}-{n}"), "invoice_date": "2026-03-01"
        })
    };
    json!({
        "batch": BATCH,
        "project_name": project,
        "upgrade_type": "industrial_robots",
        "starts_on": "2026-01-01",
        "ends_on": "2026-09-30",
        "expected_output_value_fen": 5_000_000_000i64,
        "items": [
            item("equipment", "六轴机器人", 3, 40_000_000, 1, false),
            item("software", "MES", 1, 12_345_678, 2, false),
            item("buildings", "厂房改造", 1, 90_000_000, 3, false),
            item("equipment", "关联方设备", 1, 50_000_000, 4, true),
        ]
    })
}

/// Sets up a rule set and a published batch, and the maker's application submitted to its town
/// (Xiaolan); returns the application's number.
pub(crate) async fn seed(app: &TestApp) -> String {
    let reply = app
        .api(
            "PUT",
            &format!("/api/v1/subsidy-rule-sets/{RULE_SET}"),
            Some("staff"),
            Some(rules()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let reply = app
        .api(
            "POST",
            "/api/v1/project-batches",
            Some("staff"),
            Some(batch()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let reply = app
        .api(
            "POST",
            &format!("/api/v1/project-batches/{BATCH}/status"),
            Some("staff"),
            Some(json!({"status": "published"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let reply = app
        .api(
            "POST",
            "/api/v1/project-applications",
            Some("maker"),
            Some(application("机器人打磨产线改造", "M")),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let created = reply.json();
    let number = created["number"].as_str().unwrap().to_owned();
    // The batch requires the business licence: submitting without it is refused.
    let v = version(app, "maker", &number).await;
    let refused = try_act(app, "maker", &number, "submit", v)
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["errors"][0]["field"], "attachments", "{refused}");
    let reply = upload(app, "maker", &number, "营业执照", "营业执照.pdf", PDF).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    act(app, "maker", &number, "submit", "").await;
    number
}

pub(crate) const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

/// Uploads `bytes` as `file_name` (multipart) to an application.
pub(crate) async fn upload(
    app: &TestApp,
    user: &str,
    number: &str,
    purpose: &str,
    file_name: &str,
    bytes: &[u8],
) -> crate::support::Reply {
    upload_to(
        app,
        user,
        &format!("/api/v1/project-applications/{number}/attachments"),
        purpose,
        file_name,
        bytes,
    )
    .await
}

/// Uploads `bytes` as `file_name` with its `purpose` (multipart) to `path`.
pub(crate) async fn upload_to(
    app: &TestApp,
    user: &str,
    path: &str,
    purpose: &str,
    file_name: &str,
    bytes: &[u8],
) -> crate::support::Reply {
    let boundary = "zhizao-test-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n{purpose}\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = axum::http::Request::builder()
        .method("POST")
        .uri(path)
        .header("authorization", format!("Bearer {}", app.tokens[user]))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(axum::body::Body::from(body))
        .unwrap();
    app.send(request).await
}

/// The id of the seeded application's first attachment.
pub(crate) async fn seeded_attachment(app: &TestApp, number: &str) -> i64 {
    let reply = app
        .api(
            "GET",
            &format!("/api/v1/project-applications/{number}"),
            Some("maker"),
            None,
        )
        .await;
    reply.json()["attachments"][0]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn attachments_are_judged_by_content_and_stay_with_their_tenant() {
    for app in apps().await {
        let number = seed(&app).await;
        let id = seeded_attachment(&app, &number).await;
        let path = format!("/api/v1/project-applications/{number}/attachments/{id}");
        for insider in ["maker", "xiaolan", "staff"] {
            let reply = app.api("GET", &path, Some(insider), None).await;
            assert_eq!(reply.status, StatusCode::OK, "{insider}");
            assert_eq!(reply.body, PDF);
            assert_eq!(reply.content_type(), "application/pdf");
            assert_eq!(reply.headers["x-content-type-options"], "nosniff");
            assert!(
                reply.headers["content-disposition"]
                    .to_str()
                    .unwrap()
                    .starts_with("attachment;")
            );
        }
        for outsider in ["rival", "nantou", "polisher", "expert"] {
            app.api("GET", &path, Some(outsider), None)
                .await
                .problem(StatusCode::NOT_FOUND);
        }
        // Under review, nothing is added or removed.
        upload(&app, "maker", &number, "其他", "more.pdf", PDF)
            .await
            .problem(StatusCode::CONFLICT);
        app.api("DELETE", &path, Some("maker"), None)
            .await
            .problem(StatusCode::CONFLICT);
        // A draft: an executable named .pdf, a PDF named .xlsx and an empty file are refused.
        let reply = app
            .api(
                "POST",
                "/api/v1/project-applications",
                Some("rival"),
                Some(application("注塑车间改造", "R")),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let draft = reply.json()["number"].as_str().unwrap().to_owned();
        for (name, bytes) in [
            ("licence.pdf", &b"MZ\x90\x00 this program"[..]),
            ("licence.xlsx", PDF),
            ("licence.pdf", &b""[..]),
        ] {
            let problem = upload(&app, "rival", &draft, "营业执照", name, bytes)
                .await
                .problem(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(problem["errors"][0]["field"], "file", "{problem}");
        }
        let reply = upload(&app, "rival", &draft, "营业执照", "../../licence.pdf", PDF).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let attachment = reply.json();
        assert_eq!(attachment["file_name"], "licence.pdf");
        assert_eq!(attachment["size_bytes"], PDF.len());
        // The maker cannot attach to the rival's draft, nor see it.
        upload(&app, "maker", &draft, "其他", "x.pdf", PDF)
            .await
            .problem(StatusCode::NOT_FOUND);
        let own = format!(
            "/api/v1/project-applications/{draft}/attachments/{}",
            attachment["id"]
        );
        let reply = app.api("DELETE", &own, Some("rival"), None).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
        app.api("GET", &own, Some("rival"), None)
            .await
            .problem(StatusCode::NOT_FOUND);
    }
}

async fn version(app: &TestApp, user: &str, number: &str) -> i64 {
    let reply = app
        .api(
            "GET",
            &format!("/api/v1/project-applications/{number}"),
            Some(user),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["version"].as_i64().unwrap()
}

/// Takes a step as `user` with the current version; asserts it succeeded.
async fn act(app: &TestApp, user: &str, number: &str, action: &str, comment: &str) -> Value {
    let version = version(app, user, number).await;
    let reply = app
        .api(
            "POST",
            &format!("/api/v1/project-applications/{number}/actions"),
            Some(user),
            Some(json!({"action": action, "version": version, "comment": comment})),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{action} by {user}: {}",
        reply.text()
    );
    reply.json()
}

async fn try_act(
    app: &TestApp,
    user: &str,
    number: &str,
    action: &str,
    version: i64,
) -> crate::support::Reply {
    app.api(
        "POST",
        &format!("/api/v1/project-applications/{number}/actions"),
        Some(user),
        Some(json!({"action": action, "version": version, "comment": "理由"})),
    )
    .await
}

#[tokio::test]
async fn an_application_goes_from_draft_to_payment_with_the_amount_explained() {
    for app in apps().await {
        let number = seed(&app).await;
        // Only the enterprise and its town (and the city) know it exists.
        for outsider in ["rival", "nantou", "polisher", "expert"] {
            app.api(
                "GET",
                &format!("/api/v1/project-applications/{number}"),
                Some(outsider),
                None,
            )
            .await
            .problem(StatusCode::NOT_FOUND);
        }
        // The enterprise cannot review its own application; the city cannot skip the town.
        let v = version(&app, "maker", &number).await;
        try_act(&app, "maker", &number, "town_approve", v)
            .await
            .problem(StatusCode::FORBIDDEN);
        let problem = try_act(&app, "staff", &number, "approve", v)
            .await
            .problem(StatusCode::CONFLICT);
        assert_eq!(problem["type"], "/problems/illegal-transition", "{problem}");
        assert!(problem["detail"].as_str().unwrap().contains("town_approve"));
        // Two town reviewers act on the same version: the second gets 409 and nothing changes.
        let first = try_act(&app, "xiaolan", &number, "town_approve", v).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text());
        let second = try_act(&app, "xiaolan", &number, "return", v).await;
        second.problem(StatusCode::CONFLICT);
        let after = app
            .api(
                "GET",
                &format!("/api/v1/project-applications/{number}"),
                Some("staff"),
                None,
            )
            .await
            .json();
        assert_eq!(after["status"], "city_review");
        assert_eq!(after["version"], v + 1);

        // The city returns it; the maker fixes it and resubmits.
        let returned = act(&app, "staff", &number, "return", "请补充设备型号").await;
        assert_eq!(returned["status"], "returned");
        let v = version(&app, "maker", &number).await;
        let mut fixed = application("机器人打磨产线改造", "M");
        fixed["description"] = json!("补充了设备型号");
        let reply = app
            .api_with_headers(
                "PUT",
                &format!("/api/v1/project-applications/{number}"),
                Some("maker"),
                Some(fixed),
                &[("if-match", &format!("\"{v}\""))],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        act(&app, "maker", &number, "submit", "").await;
        act(&app, "xiaolan", &number, "town_approve", "").await;
        act(&app, "staff", &number, "send_to_experts", "").await;
        let notice = act(&app, "staff", &number, "start_notice", "").await;
        assert_eq!(notice["status"], "public_notice");

        // Approval waits for the notice period and for objections to be resolved.
        let v = version(&app, "staff", &number).await;
        let early = try_act(&app, "staff", &number, "approve", v)
            .await
            .problem(StatusCode::CONFLICT);
        assert_eq!(early["type"], "/problems/not-possible-now");
        let objection = app
            .api(
                "POST",
                &format!("/api/v1/project-applications/{number}/objections"),
                Some("staff"),
                Some(json!({"objector": "匿名", "content": "设备为旧设备翻新"})),
            )
            .await;
        assert_eq!(
            objection.status,
            StatusCode::CREATED,
            "{}",
            objection.text()
        );
        let objection_id = objection.json()["id"].as_i64().unwrap();
        app.clock.advance(8 * 86_400_000);
        let blocked = try_act(&app, "staff", &number, "approve", v)
            .await
            .problem(StatusCode::CONFLICT);
        assert!(
            blocked["detail"].as_str().unwrap().contains("objection"),
            "{blocked}"
        );
        let reply = app
            .api(
                "POST",
                &format!(
                    "/api/v1/project-applications/{number}/objections/{objection_id}/resolution"
                ),
                Some("staff"),
                Some(json!({"resolution": "经核查为新购设备，异议不成立"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
        let approved = act(&app, "staff", &number, "approve", "").await;
        assert_eq!(approved["status"], "approved");
        assert_eq!(approved["eligible_investment_fen"], 132_345_678);
        assert_eq!(approved["granted_fen"], 13_234_567);
        let evaluation = &approved["evaluations"][0];
        assert_eq!(evaluation["rule_set"], format!("{RULE_SET}@1"));
        let lines: Vec<&str> = evaluation["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["zh"].as_str().unwrap())
            .collect();
        assert!(lines.iter().any(|l| l.contains("建筑工程")), "{lines:?}");
        assert!(lines.iter().any(|l| l.contains("关联方")), "{lines:?}");
        assert_eq!(*lines.last().unwrap(), "补助金额 132,345.67 元");

        // A new rule set version does not change what was granted with the old one.
        let mut newer = rules();
        newer["parameters"]["rate_basis_points"] = json!(2000);
        let reply = app
            .api_with_headers(
                "PUT",
                &format!("/api/v1/subsidy-rule-sets/{RULE_SET}"),
                Some("staff"),
                Some(newer.clone()),
                &[("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        assert_eq!(reply.json()["version"], 2);
        // Editing from a stale version is refused.
        app.api_with_headers(
            "PUT",
            &format!("/api/v1/subsidy-rule-sets/{RULE_SET}"),
            Some("staff"),
            Some(newer),
            &[("if-match", "\"1\"")],
        )
        .await
        .problem(StatusCode::CONFLICT);

        act(&app, "maker", &number, "report_completion", "").await;
        act(&app, "staff", &number, "accept", "").await;
        let paid = act(&app, "staff", &number, "disburse", "").await;
        assert_eq!(paid["status"], "disbursed");
        assert_eq!(paid["disbursed_fen"], 13_234_567);
        assert_eq!(paid["granted_fen"], 13_234_567, "kept from version 1");
        let trail: Vec<&str> = paid["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            trail,
            [
                "created",
                "submit",
                "town_approve",
                "return",
                "updated",
                "submit",
                "town_approve",
                "send_to_experts",
                "start_notice",
                "approve",
                "report_completion",
                "accept",
                "disburse"
            ]
        );
        assert!(paid["actions"].as_array().unwrap().is_empty());

        // Every transition is in the audit log.
        let audit = app
            .api(
                "GET",
                &format!("/api/v1/audit?entity_type=project_application&entity_key={number}&page_size=100"),
                Some("admin"),
                None,
            )
            .await;
        assert_eq!(audit.status, StatusCode::OK, "{}", audit.text());
        assert!(
            audit.json()["total"].as_i64().unwrap() >= 15,
            "{}",
            audit.text()
        );

        // The report counts it: one project, its investment, grant and payment.
        let report = app
            .api(
                "GET",
                "/api/v1/project-reports?by=town&year=2026",
                Some("staff"),
                None,
            )
            .await
            .json();
        assert_eq!(report["total"]["projects"], 1);
        assert_eq!(report["total"]["granted_fen"], 13_234_567);
        assert_eq!(report["total"]["disbursed_fen"], 13_234_567);
        assert_eq!(report["total"]["investment_fen"], 272_345_678);
        assert_eq!(report["rows"][0]["key"], "442000118");
        for format in ["xlsx", "csv"] {
            let export = app
                .api(
                    "GET",
                    &format!("/api/v1/project-reports?by=town&year=2026&format={format}"),
                    Some("xiaolan"),
                    None,
                )
                .await;
            assert_eq!(export.status, StatusCode::OK, "{}", export.text());
            if format == "csv" {
                assert!(export.text().contains("2723456.78"), "{}", export.text());
            }
        }
        // Nantou's town sees nothing of Xiaolan's.
        let nantou = app
            .api(
                "GET",
                "/api/v1/project-reports?by=town",
                Some("nantou"),
                None,
            )
            .await
            .json();
        assert_eq!(nantou["total"]["applications"], 0, "{nantou}");
    }
}

#[tokio::test]
async fn bad_input_gets_precise_errors_and_changes_nothing() {
    for app in apps().await {
        let number = seed(&app).await;
        // The same project twice in a batch.
        let twice = app
            .api(
                "POST",
                "/api/v1/project-applications",
                Some("maker"),
                Some(application("机器人打磨 产线改造", "N")),
            )
            .await
            .problem(StatusCode::CONFLICT);
        assert!(
            twice["detail"].as_str().unwrap().contains(&number),
            "{twice}"
        );
        // Another enterprise claiming the maker's invoice: named, without naming the maker.
        let claimed = app
            .api(
                "POST",
                "/api/v1/project-applications",
                Some("rival"),
                Some(application("注塑车间改造", "M")),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = claimed["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "items[0].invoice_number",
                "items[1].invoice_number",
                "items[2].invoice_number",
                "items[3].invoice_number"
            ]
        );
        assert!(!claimed.to_string().contains(&number), "{claimed}");
        // Negative and absurd amounts, a date out of order, an unknown category.
        let mut bad = application("另一个项目", "R");
        bad["items"][0]["unit_price_fen"] = json!(-1);
        bad["items"][1]["quantity"] = json!(10_000_000);
        bad["items"][2]["category"] = json!("land");
        bad["ends_on"] = json!("2025-01-01");
        let problem = app
            .api(
                "POST",
                "/api/v1/project-applications",
                Some("rival"),
                Some(bad),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "ends_on",
                "items[0].unit_price_fen",
                "items[1].quantity",
                "items[2].category"
            ]
        );
        // Only enterprises apply; a batch outside its window refuses.
        app.api(
            "POST",
            "/api/v1/project-applications",
            Some("staff"),
            Some(application("城市项目", "S")),
        )
        .await
        .problem(StatusCode::FORBIDDEN);
        let mut closed = batch();
        closed["code"] = json!("PC-2025");
        closed["opens_on"] = json!("2025-01-01");
        closed["closes_on"] = json!("2025-03-31");
        let reply = app
            .api(
                "POST",
                "/api/v1/project-batches",
                Some("staff"),
                Some(closed),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        app.api(
            "POST",
            "/api/v1/project-batches/PC-2025/status",
            Some("staff"),
            Some(json!({"status": "published"})),
        )
        .await;
        let mut late = application("迟到的项目", "L");
        late["batch"] = json!("PC-2025");
        let problem = app
            .api(
                "POST",
                "/api/v1/project-applications",
                Some("rival"),
                Some(late),
            )
            .await
            .problem(StatusCode::CONFLICT);
        assert!(
            problem["detail"].as_str().unwrap().contains("2025-03-31"),
            "{problem}"
        );
        // Returning without a reason; a stale version; editing while under review.
        let v = version(&app, "xiaolan", &number).await;
        let reply = app
            .api(
                "POST",
                &format!("/api/v1/project-applications/{number}/actions"),
                Some("xiaolan"),
                Some(json!({"action": "return", "version": v})),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply["errors"][0]["field"], "comment");
        try_act(&app, "xiaolan", &number, "town_approve", v - 1)
            .await
            .problem(StatusCode::CONFLICT);
        app.api_with_headers(
            "PUT",
            &format!("/api/v1/project-applications/{number}"),
            Some("maker"),
            Some(application("机器人打磨产线改造", "M")),
            &[("if-match", &format!("\"{v}\""))],
        )
        .await
        .problem(StatusCode::CONFLICT);
        app.api(
            "PUT",
            &format!("/api/v1/project-applications/{number}"),
            Some("maker"),
            Some(application("机器人打磨产线改造", "M")),
        )
        .await
        .problem(StatusCode::PRECONDITION_REQUIRED);
        // The applicant does not compute amounts; reviewers do.
        app.api(
            "POST",
            &format!("/api/v1/project-applications/{number}/evaluations"),
            Some("maker"),
            None,
        )
        .await
        .problem(StatusCode::FORBIDDEN);
        // Rule sets: only the city edits them, and nonsense parameters are named.
        app.api(
            "PUT",
            "/api/v1/subsidy-rule-sets/mine",
            Some("xiaolan"),
            Some(rules()),
        )
        .await
        .problem(StatusCode::FORBIDDEN);
        let mut nonsense = rules();
        nonsense["parameters"]["rate_basis_points"] = json!(20_000);
        nonsense["parameters"]["eligible_categories"] = json!(["equipment", "land"]);
        let problem = app
            .api(
                "PUT",
                "/api/v1/subsidy-rule-sets/other",
                Some("staff"),
                Some(nonsense),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            problem["errors"][0]["field"],
            "parameters.eligible_categories[1]"
        );
        let mut rate = rules();
        rate["parameters"]["rate_basis_points"] = json!(20_000);
        let problem = app
            .api(
                "PUT",
                "/api/v1/subsidy-rule-sets/other",
                Some("staff"),
                Some(rate),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            problem["errors"][0]["field"],
            "parameters.rate_basis_points"
        );
        // Nothing changed.
        let now = app
            .api(
                "GET",
                &format!("/api/v1/project-applications/{number}"),
                Some("maker"),
                None,
            )
            .await
            .json();
        assert_eq!(now["status"], "town_review");
        assert_eq!(now["version"], v);
        let list = app
            .api("GET", "/api/v1/project-applications", Some("rival"), None)
            .await
            .json();
        assert_eq!(list["total"], 0, "{list}");
        let rule_sets = app
            .api("GET", "/api/v1/subsidy-rule-sets", Some("maker"), None)
            .await
            .json();
        assert_eq!(rule_sets.as_array().unwrap().len(), 1, "{rule_sets}");
        let queue = app
            .api("GET", "/api/v1/project-queue", Some("xiaolan"), None)
            .await
            .json();
        assert_eq!(queue[0]["status"], "town_review", "{queue}");
        assert_eq!(queue[0]["count"], 1);
    }
}

pub(crate) async fn import_csv(
    app: &TestApp,
    user: &str,
    csv: &str,
    dry_run: bool,
) -> crate::support::Reply {
    let request = axum::http::Request::builder()
        .method("POST")
        .uri(format!(
            "/api/v1/project-batches/import?file_name=history.csv&dry_run={dry_run}"
        ))
        .header("authorization", format!("Bearer {}", app.tokens[user]))
        .header("accept-language", "en")
        .header("content-type", "text/csv")
        .body(axum::body::Body::from(csv.to_owned()))
        .unwrap();
    app.send(request).await
}

#[tokio::test]
async fn past_batches_import_all_or_nothing_with_every_problem_named() {
    use crate::support::code;
    for app in apps().await {
        let header = "批次编号,批次名称,专项,年度,统一社会信用代码,项目名称,改造类型,总投资（万元）,核定补助（万元）,已拨付（万元）,状态";
        let bad = format!(
            "{header}\n\
             PC-2018,2018 年事后奖补,事后奖补,2018,{},机器人工作站,工业机器人应用,800.5,64.04,64.04,\n\
             PC-2018,2018 年事后奖补（改）,事后奖补,2018,{},注塑车间,,300,24,24,\n\
             PC-2018,2018 年事后奖补,事后奖补,2018,{},机器人 工作站,,50,,,\n\
             TU-2018-1,2018 年入库,技术改造项目入库,2018,{},数字化车间,数字化车间,100,,,草稿\n\
             PC-2018,2018 年事后奖补,事后奖补,2018,{},包装线,,12x,10,20,\n",
            code(1),
            code(3),
            code(1),
            code(99),
            code(2),
        );
        let reply = import_csv(&app, "staff", &bad, false).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let report = reply.json();
        assert_eq!(report["applied"], false);
        let problems: Vec<(i64, &str)> = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["row"].as_i64().unwrap(), e["field"].as_str().unwrap()))
            .collect();
        assert_eq!(
            problems,
            [
                (3, "batch_title"),
                (4, "project_name"),
                (5, "credit_code"),
                (5, "status"),
                (6, "investment_wan_yuan"),
                (6, "disbursed_wan_yuan"),
            ],
            "{report}"
        );
        assert!(
            report["errors"][0]["column"]
                .as_str()
                .unwrap()
                .contains("批次名称")
        );
        // Nothing was written.
        let batches = app
            .api("GET", "/api/v1/project-batches", Some("staff"), None)
            .await
            .json();
        assert_eq!(batches.as_array().unwrap().len(), 0, "{batches}");

        let good = format!(
            "{header}\n\
             TU-2018-1,2018 年第 1 批技术改造项目入库,技术改造项目入库,2018,{},自动化产线,智能化生产线,1200,,,\n\
             PC-2018,2018 年事后奖补,事后奖补,2018,{},机器人工作站,工业机器人应用,800.5,64.04,64.04,\n\
             PC-2018,2018 年事后奖补,事后奖补,2018,{},数字化车间,数字化车间,300,24,,已验收\n\
             PC-2018,2018 年事后奖补,事后奖补,2018,{},旧设备改造,,50,,,未通过\n",
            code(1),
            code(2),
            code(3),
            code(1),
        );
        import_csv(&app, "xiaolan", &good, false)
            .await
            .problem(StatusCode::FORBIDDEN);
        let dry = import_csv(&app, "staff", &good, true).await.json();
        assert_eq!(
            (dry["applied"].as_bool(), dry["applications"].as_i64()),
            (Some(false), Some(4))
        );
        let done = import_csv(&app, "staff", &good, false).await.json();
        assert_eq!(done["applied"], true, "{done}");
        assert_eq!(done["batches"], 2);
        let report = app
            .api(
                "GET",
                "/api/v1/project-reports?by=programme&year=2018",
                Some("staff"),
                None,
            )
            .await
            .json();
        let post = report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == "post_completion")
            .unwrap()
            .clone();
        assert_eq!(post["applications"], 3);
        assert_eq!(post["projects"], 2);
        assert_eq!(post["investment_fen"], 1_100_500_000);
        assert_eq!(post["granted_fen"], 88_040_000);
        assert_eq!(post["disbursed_fen"], 64_040_000);
        // Towns see their own share of the history.
        let nantou = app
            .api(
                "GET",
                "/api/v1/project-reports?by=programme&year=2018",
                Some("nantou"),
                None,
            )
            .await
            .json();
        assert_eq!(nantou["total"]["granted_fen"], 24_000_000, "{nantou}");
        // Importing the same file again changes nothing.
        let again = import_csv(&app, "staff", &good, false).await.json();
        assert_eq!(again["applied"], false);
        assert_eq!(again["errors"][0]["field"], "batch_code", "{again}");
        assert!(
            again["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("TU-2018-1"),
            "{again}"
        );
    }
}

#[tokio::test]
async fn the_batch_window_bounds_a_submission_and_only_a_fresh_draft_is_deleted() {
    for app in apps().await {
        let submitted = seed(&app).await;
        let batch = app
            .api(
                "GET",
                &format!("/api/v1/project-batches/{BATCH}"),
                Some("maker"),
                None,
            )
            .await
            .json();
        // The post-completion default: from a year before the programme year to the close.
        assert_eq!(batch["projects_from"], "2025-01-01", "{batch}");
        assert_eq!(batch["projects_until"], "2026-12-31", "{batch}");

        // A 2010 project with a 2009 invoice is kept as a draft but not submitted.
        let mut old = application("旧产线改造", "OLD");
        old["starts_on"] = json!("2010-01-01");
        old["ends_on"] = json!("2011-12-31");
        old["items"][0]["invoice_date"] = json!("2009-05-01");
        let reply = app
            .api(
                "POST",
                "/api/v1/project-applications",
                Some("maker"),
                Some(old),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let draft = reply.json()["number"].as_str().unwrap().to_owned();
        upload(&app, "maker", &draft, "营业执照", "营业执照.pdf", PDF).await;
        let v = version(&app, "maker", &draft).await;
        let refused = try_act(&app, "maker", &draft, "submit", v)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = refused["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            ["starts_on", "ends_on", "items[0].invoice_date"],
            "{refused}"
        );
        assert_eq!(version(&app, "maker", &draft).await, v, "nothing changed");

        // The city may not approve during the notice: the step is listed with its reason.
        act(&app, "xiaolan", &submitted, "town_approve", "").await;
        act(&app, "staff", &submitted, "start_notice", "").await;
        let detail = app
            .api(
                "GET",
                &format!("/api/v1/project-applications/{submitted}"),
                Some("staff"),
                None,
            )
            .await
            .json();
        assert_eq!(detail["not_yet"][0]["action"], "approve", "{detail}");
        assert!(
            detail["not_yet"][0]["reason_zh"]
                .as_str()
                .unwrap()
                .contains("公示期"),
            "{detail}"
        );

        // A draft is deleted with its version; a submitted application is not.
        let path = format!("/api/v1/project-applications/{draft}");
        app.api("DELETE", &path, Some("maker"), None)
            .await
            .problem(StatusCode::PRECONDITION_REQUIRED);
        app.api_with_headers(
            "DELETE",
            &path,
            Some("xiaolan"),
            None,
            &[("if-match", "\"1\"")],
        )
        .await
        .problem(StatusCode::NOT_FOUND);
        let submitted_path = format!("/api/v1/project-applications/{submitted}");
        let sv = version(&app, "maker", &submitted).await.to_string();
        app.api_with_headers(
            "DELETE",
            &submitted_path,
            Some("maker"),
            None,
            &[("if-match", &sv)],
        )
        .await
        .problem(StatusCode::CONFLICT);
        let v = version(&app, "maker", &draft).await.to_string();
        let reply = app
            .api_with_headers("DELETE", &path, Some("maker"), None, &[("if-match", &v)])
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
        app.api("GET", &path, Some("maker"), None)
            .await
            .problem(StatusCode::NOT_FOUND);
    }
}
