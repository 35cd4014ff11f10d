//! Maturity self-assessment over the API: answers suggested from the enterprise's real devices,
//! answered, refused when wrong, submitted, reported, and seen only within scope.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, apps};

/// Uploads `bytes` as `name` to the answer of `requirement` in assessment `id`, as `user`.
async fn upload(
    app: &TestApp,
    user: &str,
    id: i64,
    requirement: &str,
    name: &str,
    bytes: &[u8],
) -> crate::support::Reply {
    let (content_type, body) = crate::support::multipart(&[], Some((name, bytes)));
    app.send(
        axum::http::Request::builder()
            .method("POST")
            .uri(format!("/api/v1/assessments/{id}/evidence/{requirement}"))
            .header("authorization", format!("Bearer {}", app.tokens[user]))
            .header("content-type", content_type)
            .body(axum::body::Body::from(body))
            .unwrap(),
    )
    .await
}

/// The maker's draft assessment (discrete manufacturing) with a PDF as evidence for
/// `strategy.1.1`: the assessment's id and the file's.
pub(crate) async fn seed_draft(app: &TestApp) -> (i64, i64) {
    let reply = app
        .api(
            "POST",
            "/api/v1/assessments",
            Some("maker"),
            Some(json!({"industry_kind": "discrete"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let id = reply.json()["id"].as_i64().unwrap();
    let reply = upload(
        app,
        "maker",
        id,
        "strategy.1.1",
        "规划.pdf",
        crate::projects::PDF,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    (id, reply.json()["id"].as_i64().unwrap())
}

/// An assessment of `user`'s enterprise submitted through the API with every requirement of
/// level 1 fully met and the rest not met (level 1); its id.
pub(crate) async fn submitted_at_level_1(app: &TestApp, user: &str) -> i64 {
    let reply = app
        .api(
            "POST",
            "/api/v1/assessments",
            Some(user),
            Some(json!({"industry_kind": "discrete"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let id = reply.json()["id"].as_i64().unwrap();
    let model = current_model(app).await;
    let path = format!("/api/v1/assessments/{id}");
    let reply = app
        .api(
            "PUT",
            &format!("{path}/answers"),
            Some(user),
            Some(answers(&model, 1)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let reply = app
        .api("POST", &format!("{path}/submit"), Some(user), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    id
}

/// The current model revision as the API serves it.
async fn current_model(app: &TestApp) -> Value {
    let models = app
        .api("GET", "/api/v1/maturity-models", Some("rival"), None)
        .await
        .json();
    let key = models
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["current"] == true)
        .unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    app.api(
        "GET",
        &format!("/api/v1/maturity-models/{key}"),
        Some("xiaolan"),
        None,
    )
    .await
    .json()
}

/// Every requirement assessed for discrete industries answered fully up to `top`, not met above.
fn answers(model: &Value, top: u64) -> Value {
    let discrete: Vec<&str> = model["factors"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["domains"].as_array().unwrap())
        .flat_map(|d| d["subdomains"].as_array().unwrap())
        .filter(|s| s["weights"].get("discrete").is_some())
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    let answers: Vec<Value> = model["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| discrete.contains(&r["subdomain"].as_str().unwrap()))
        .map(|r| {
            let answer = if r["level"].as_u64().unwrap() <= top {
                "fully"
            } else {
                "not_met"
            };
            json!({"requirement": r["code"], "answer": answer})
        })
        .collect();
    json!({ "answers": answers })
}

#[tokio::test]
async fn an_enterprise_assesses_itself_over_the_api() {
    for app in apps().await {
        // One device connected and reporting: the platform suggests equipment is partly connected.
        let device_token = crate::devices::maker_device(&app).await;
        let reply = app
            .send_device(
                "/api/v1/{token}/telemetry",
                &device_token,
                json!({"temperature": 41.5}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

        for (body, field) in [
            (json!({"industry_kind": "chemical"}), "industry_kind"),
            (json!({"industry_kind": "discrete", "extra": 1}), ""),
        ] {
            let reply = app
                .api("POST", "/api/v1/assessments", Some("maker"), Some(body))
                .await;
            let status = if field.is_empty() {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let problem = reply.problem(status);
            if !field.is_empty() {
                assert_eq!(problem["errors"][0]["field"], field, "{problem}");
            }
        }
        for who in ["staff", "xiaolan", "polisher", "expert"] {
            app.api(
                "POST",
                "/api/v1/assessments",
                Some(who),
                Some(json!({"industry_kind": "discrete"})),
            )
            .await
            .problem(StatusCode::FORBIDDEN);
        }

        let reply = app
            .api(
                "POST",
                "/api/v1/assessments",
                Some("maker"),
                Some(json!({"industry_kind": "discrete"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let started = reply.json();
        let id = started["id"].as_i64().unwrap();
        let equipment = started["answers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["requirement"] == "equipment.2.1")
            .unwrap_or_else(|| panic!("{started}"));
        assert_eq!(equipment["suggested"], "partly");
        assert_eq!(equipment["answer"], Value::Null);
        assert!(
            equipment["suggestion_zh"]
                .as_str()
                .unwrap()
                .contains("1 台"),
            "{equipment}"
        );
        assert_eq!(started["answered"], 0);
        let path = format!("/api/v1/assessments/{id}");

        // Wrong answers are named and change nothing.
        let model = current_model(&app).await;
        for (body, field) in [
            (
                json!({"answers": [{"requirement": "strategy.1.1", "answer": "sort of"}]}),
                "answers[0].answer",
            ),
            (
                json!({"answers": [{"requirement": "strategy.1.1", "answer": "fully"}, {"requirement": "strategy.7.1", "answer": "fully"}]}),
                "answers[1].requirement",
            ),
            (
                json!({"answers": [{"requirement": "strategy.1.1", "answer": "fully", "evidence_url": "ftp://x"}]}),
                "answers[0].evidence_url",
            ),
        ] {
            let problem = app
                .api("PUT", &format!("{path}/answers"), Some("maker"), Some(body))
                .await
                .problem(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        let unchanged = app.api("GET", &path, Some("maker"), None).await.json();
        assert_eq!(unchanged["version"], started["version"]);

        // Evidence: judged by content, listed, downloaded byte for byte.
        let problem = upload(
            &app,
            "maker",
            id,
            "strategy.1.1",
            "规划.pdf",
            b"PK\x03\x04 zip",
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "file", "{problem}");
        let problem = upload(
            &app,
            "maker",
            id,
            "strategy.9.9",
            "规划.pdf",
            crate::projects::PDF,
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "requirement", "{problem}");
        let reply = upload(
            &app,
            "maker",
            id,
            "equipment.2.1",
            "台账.pdf",
            crate::projects::PDF,
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let file_id = reply.json()["id"].as_i64().unwrap();
        let listed = app
            .api("GET", &format!("{path}/evidence"), Some("maker"), None)
            .await
            .json();
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
        assert_eq!(listed[0]["requirement"], "equipment.2.1");
        let file_path = format!("{path}/evidence-files/{file_id}");
        let download = app.api("GET", &file_path, Some("maker"), None).await;
        assert_eq!(download.status, StatusCode::OK);
        assert_eq!(download.body.as_slice(), crate::projects::PDF);

        // Everything fully met up to level 2, from the version read.
        let version = started["version"].as_i64().unwrap().to_string();
        let reply = app
            .api_with_headers(
                "PUT",
                &format!("{path}/answers"),
                Some("maker"),
                Some(answers(&model, 2)),
                &[("if-match", &format!("\"{version}\""))],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let answered = reply.json();
        assert_eq!(answered["answered"], answered["requirements"]);
        // The version read before is stale now.
        app.api_with_headers(
            "PUT",
            &format!("{path}/answers"),
            Some("maker"),
            Some(answers(&model, 1)),
            &[("if-match", &format!("\"{version}\""))],
        )
        .await
        .problem(StatusCode::CONFLICT);

        let reply = app
            .api("POST", &format!("{path}/submit"), Some("maker"), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let submitted = reply.json();
        assert_eq!(submitted["status"], "submitted");
        assert_eq!(submitted["level"], 2);
        assert_eq!(submitted["score"], 2.0);

        // The report: level 2, twelve domains, the gaps of level 3, first of one in Xiaolan.
        for who in ["maker", "xiaolan", "staff"] {
            let reply = app
                .api("GET", &format!("{path}/report"), Some(who), None)
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{who}: {}", reply.text());
            let report = reply.json();
            assert_eq!(report["level"], 2, "{report}");
            assert_eq!(report["domains"].as_array().unwrap().len(), 12);
            assert!(!report["gaps"].as_array().unwrap().is_empty());
            assert_eq!(report["town"]["rank"], 1);
            assert_eq!(report["town"]["of"], 1);
        }
        for who in ["nantou", "rival", "polisher", "expert"] {
            app.api("GET", &format!("{path}/report"), Some(who), None)
                .await
                .problem(StatusCode::NOT_FOUND);
        }
        // Lists within scope.
        for (who, total) in [("staff", 1), ("xiaolan", 1), ("nantou", 0), ("rival", 0)] {
            let page = app
                .api("GET", "/api/v1/assessments", Some(who), None)
                .await
                .json();
            assert_eq!(page["total"], total, "{who}: {page}");
        }
        app.api(
            "GET",
            "/api/v1/assessments?status=finished",
            Some("staff"),
            None,
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
        // Submitted is final; the town reads its evidence.
        let download = app.api("GET", &file_path, Some("xiaolan"), None).await;
        assert_eq!(download.status, StatusCode::OK);
        app.api("DELETE", &file_path, Some("maker"), None)
            .await
            .problem(StatusCode::CONFLICT);
        app.api(
            "PUT",
            &format!("{path}/answers"),
            Some("maker"),
            Some(answers(&model, 1)),
        )
        .await
        .problem(StatusCode::CONFLICT);
        app.api(
            "GET",
            "/api/v1/maturity-models/gbt39116-2020.99",
            Some("maker"),
            None,
        )
        .await
        .problem(StatusCode::NOT_FOUND);
    }
}

fn location(reply: &crate::support::Reply) -> String {
    reply.headers[axum::http::header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_enterprise_answers_on_its_phone_and_the_town_reads_the_report() {
    use crate::pages::Visitor;
    for app in apps().await {
        let mut maker = Visitor::new(&app);
        maker.sign_in("maker").await;
        let page = maker.get("/assessments").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("开始自评估"), "{}", page.text());
        let csrf = maker.csrf();
        // No kind chosen: named next to the field, nothing started.
        let reply = maker
            .post(
                "/assessments",
                &[("csrf_token", &csrf), ("industry_kind", "")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.text().contains("请选择离散型或流程型制造"));
        let reply = maker
            .post(
                "/assessments",
                &[("csrf_token", &csrf), ("industry_kind", "discrete")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let questionnaire = location(&reply);
        let id: i64 = questionnaire
            .trim_start_matches("/assessments/")
            .parse()
            .unwrap();

        // The first sub-domain, organisation strategy, with its requirements and four choices.
        let page = maker.get(&questionnaire).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("name=\"answer.strategy.1.1\""), "{html}");
        assert!(html.contains("已作答 0 / "), "{html}");
        let version = {
            let at = html.find("name=\"version\" value=\"").unwrap() + 22;
            html[at..at + html[at..].find('"').unwrap()].to_owned()
        };
        // A bad evidence link is named next to its requirement, and what was typed stays.
        let reply = maker
            .post(
                &format!("/assessments/{id}/answers"),
                &[
                    ("csrf_token", &csrf),
                    ("version", &version),
                    ("subdomain", "strategy"),
                    ("answer.strategy.1.1", "mostly"),
                    ("note.strategy.1.1", "规划已印发"),
                    ("evidence_url.strategy.1.1", "file:///c:/plan.docx"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        let html = reply.text();
        assert!(html.contains("证明材料链接应为"), "{html}");
        assert!(html.contains("规划已印发"));
        assert!(html.contains("value=\"mostly\" checked"), "{html}");
        // Saved properly, on to the next sub-domain.
        let reply = maker
            .post(
                &format!("/assessments/{id}/answers"),
                &[
                    ("csrf_token", &csrf),
                    ("version", &version),
                    ("subdomain", "strategy"),
                    ("next", "skills"),
                    ("answer.strategy.1.1", "mostly"),
                    ("note.strategy.1.1", "规划已印发"),
                    (
                        "evidence_url.strategy.1.1",
                        "https://files.example.cn/plan.pdf",
                    ),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        assert_eq!(location(&reply), format!("/assessments/{id}?s=skills"));
        let page = maker.get(&format!("/assessments/{id}?s=strategy")).await;
        assert!(page.text().contains("已作答 1 / "));
        // Evidence from the phone: a file of the wrong kind is refused on the page, a PDF kept.
        let evidence = format!("/assessments/{id}/evidence/strategy.1.1");
        let reply = maker
            .post_multipart(
                &evidence,
                &[("csrf_token", &csrf)],
                Some(("规划.pdf", b"just some text")),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.text().contains("按文件内容判断"), "{}", reply.text());
        let reply = maker
            .post_multipart(
                &evidence,
                &[("csrf_token", &csrf)],
                Some(("规划.pdf", crate::projects::PDF)),
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let page = maker.get(&evidence).await.text();
        assert!(page.contains("规划.pdf"), "{page}");
        let page = maker
            .get(&format!("/assessments/{id}?s=strategy"))
            .await
            .text();
        assert!(page.contains("证明材料 (1)"), "{page}");
        // Submitting with requirements unanswered says how many.
        let reply = maker
            .post(
                &format!("/assessments/{id}/submit"),
                &[("csrf_token", &csrf)],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        let page = maker.get(&location(&reply)).await;
        assert!(page.text().contains("项要求未作答"), "{}", page.text());
        // A draft's report is a trial on the answers so far.
        let page = maker.get(&format!("/assessments/{id}/report")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("草稿按已作答内容试算"));

        // The rest answered (through the API, as a spreadsheet tool would), then submitted here.
        let model = current_model(&app).await;
        let reply = app
            .api(
                "PUT",
                &format!("/api/v1/assessments/{id}/answers"),
                Some("maker"),
                Some(answers(&model, 1)),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let reply = maker
            .post(
                &format!("/assessments/{id}/submit"),
                &[("csrf_token", &csrf)],
            )
            .await;
        assert_eq!(location(&reply), format!("/assessments/{id}/report"));
        // A page still open on the submitted assessment says so when saved, not "someone else".
        let reply = maker
            .post(
                &format!("/assessments/{id}/answers"),
                &[
                    ("csrf_token", &csrf),
                    ("subdomain", "strategy"),
                    ("answer.strategy.1.1", "partly"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        let notice = location(&reply);
        assert!(notice.contains("notice="), "{notice}");
        let shown = maker.get(&format!("/assessments/{id}/report")).await;
        assert_eq!(shown.status, StatusCode::OK);
        let decoded: String = form_urlencoded::parse(notice.split_once('?').unwrap().1.as_bytes())
            .find(|(k, _)| k == "notice")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        assert!(decoded.contains("该自评估已提交"), "{decoded}");
        // Submitted: the questionnaire leads to the report, which has the level and the radar.
        let reply = maker.get(&format!("/assessments/{id}")).await;
        assert_eq!(location(&reply), format!("/assessments/{id}/report"));
        for who in ["maker", "xiaolan", "staff"] {
            let mut visitor = Visitor::new(&app);
            visitor.sign_in(who).await;
            let page = visitor.get(&format!("/assessments/{id}/report")).await;
            assert_eq!(page.status, StatusCode::OK, "{who}");
            let html = page.text();
            assert!(html.contains("1 · 规划级"), "{who}: {html}");
            assert!(html.contains("id=\"radar-data\""));
            assert!(html.contains("距离“规范级”的差距"), "{html}");
            let list = visitor.get("/assessments").await.text();
            assert!(list.contains(&format!("id=\"assessment-{id}\"")), "{who}");
        }
        for who in ["nantou", "rival", "expert"] {
            let mut visitor = Visitor::new(&app);
            visitor.sign_in(who).await;
            let page = visitor.get(&format!("/assessments/{id}/report")).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{who}");
        }
    }
}
