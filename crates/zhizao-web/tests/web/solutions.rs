//! The solution library over the API: a provider publishes, a solution is ranked for an
//! assessed enterprise with the reasons, and an adoption runs from proposal to verified.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, apps, nantou_code};

pub(crate) fn body(title: &str, subdomain: &str) -> Value {
    json!({
        "title": title,
        "summary": "按订单和设备能力自动排产",
        "targets": [{"subdomain": subdomain, "level": 2}],
        "industries": [],
        "investment_min_fen": 5_000_000,
        "investment_max_fen": 30_000_000,
        "payback_months": 18
    })
}

async fn created(app: &TestApp, title: &str, subdomain: &str, publish: bool) -> i64 {
    let reply = app
        .api(
            "POST",
            "/api/v1/solutions",
            Some("polisher"),
            Some(body(title, subdomain)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let id = reply.json()["id"].as_i64().unwrap();
    if publish {
        let reply = app
            .api(
                "POST",
                &format!("/api/v1/solutions/{id}/publish"),
                Some("polisher"),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    }
    id
}

/// A draft solution of the polishing platform, and an adoption of a published one it proposed
/// to its client, the Nantou enterprise (`rival`): their ids.
pub(crate) async fn seed(app: &TestApp) -> (i64, i64) {
    let draft = created(app, "打磨机器人离线编程", "operations", false).await;
    let published = created(app, "高级计划排程", "planning", true).await;
    let reply = app
        .api(
            "POST",
            &format!("/api/v1/solutions/{published}/adoptions"),
            Some("polisher"),
            Some(json!({"enterprise": nantou_code(), "note": "可试点"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    (draft, reply.json()["id"].as_i64().unwrap())
}

#[tokio::test]
async fn a_provider_publishes_and_an_enterprise_adopts_over_the_api() {
    for app in apps().await {
        // Bad input is named by field; only providers write.
        let mut bad = body("A", "magic");
        bad["industries"] = json!(["99"]);
        let problem = app
            .api("POST", "/api/v1/solutions", Some("polisher"), Some(bad))
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
            ["title", "targets[0].subdomain", "industries[0]"],
            "{problem}"
        );
        for who in ["maker", "staff", "xiaolan"] {
            app.api(
                "POST",
                "/api/v1/solutions",
                Some(who),
                Some(body("高级计划排程", "planning")),
            )
            .await
            .problem(StatusCode::FORBIDDEN);
        }
        let id = created(&app, "高级计划排程", "planning", false).await;
        // Changes need the version read.
        let path = format!("/api/v1/solutions/{id}");
        app.api(
            "PUT",
            &path,
            Some("polisher"),
            Some(body("高级计划排程 APS", "planning")),
        )
        .await
        .problem(StatusCode::BAD_REQUEST);
        let reply = app
            .api_with_headers(
                "PUT",
                &path,
                Some("polisher"),
                Some(body("高级计划排程 APS", "planning")),
                &[("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        app.api("GET", &path, Some("maker"), None)
            .await
            .problem(StatusCode::NOT_FOUND);
        app.api("POST", &format!("{path}/publish"), Some("polisher"), None)
            .await;
        assert_eq!(
            app.api("GET", &path, Some("maker"), None).await.status,
            StatusCode::OK
        );
        // The library a page at a time: the maker sees the published one, not the provider's
        // draft; the polisher both; made for any industry, so listed under any division.
        created(&app, "打磨机器人离线编程", "operations", false).await;
        for (who, query, total) in [
            ("maker", "?industry=38", 1),
            ("polisher", "?page_size=1", 2),
            ("maker", "?q=%E5%AE%8C%E5%85%A8%E6%97%A0%E5%85%B3", 0),
        ] {
            let listed = app
                .api("GET", &format!("/api/v1/solutions{query}"), Some(who), None)
                .await
                .json();
            assert_eq!(listed["total"], total, "{who}{query}: {listed}");
            assert!(listed["items"].as_array().unwrap().len() <= 1, "{listed}");
        }
        app.api("GET", "/api/v1/solutions?page=two", Some("maker"), None)
            .await
            .problem(StatusCode::BAD_REQUEST);

        // The maker assesses itself (level 1; planning not met at level 2): APS is ranked for it.
        let assessment = crate::assessments::submitted_at_level_1(&app, "maker").await;
        let ranked = app
            .api(
                "GET",
                &format!("/api/v1/assessments/{assessment}/solutions"),
                Some("maker"),
                None,
            )
            .await
            .json();
        assert_eq!(ranked[0]["solution"]["id"], id, "{ranked}");
        assert!(
            ranked[0]["reasons_zh"][0]
                .as_str()
                .unwrap()
                .contains("计划与调度"),
            "{ranked}"
        );
        // The town reads it; another enterprise does not.
        assert_eq!(
            app.api(
                "GET",
                &format!("/api/v1/assessments/{assessment}/solutions"),
                Some("xiaolan"),
                None
            )
            .await
            .status,
            StatusCode::OK
        );

        // The maker asks for it; the provider accepts, implements; the maker verifies.
        let reply = app
            .api(
                "POST",
                &format!("{path}/adoptions"),
                Some("maker"),
                Some(json!({"note": "想试点"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let adoption = reply.json()["id"].as_i64().unwrap();
        let at = format!("/api/v1/solution-adoptions/{adoption}");
        app.api(
            "POST",
            &format!("{at}/accept"),
            Some("maker"),
            Some(json!({})),
        )
        .await
        .problem(StatusCode::FORBIDDEN);
        app.api(
            "POST",
            &format!("{at}/finish"),
            Some("polisher"),
            Some(json!({})),
        )
        .await
        .problem(StatusCode::NOT_FOUND);
        for step in ["accept", "implemented"] {
            let reply = app
                .api(
                    "POST",
                    &format!("{at}/{step}"),
                    Some("polisher"),
                    Some(json!({})),
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{step}: {}", reply.text());
        }
        app.api(
            "POST",
            &format!("{at}/verification"),
            Some("maker"),
            Some(json!({"project": "PC-2099-0001"})),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
        app.api(
            "POST",
            &format!("{at}/verification"),
            Some("maker"),
            Some(json!({})),
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
        let reply = app
            .api(
                "POST",
                &format!("{at}/verification"),
                Some("maker"),
                Some(
                    json!({"figures": {"metric": "准时交付率", "unit": "%", "before": 82.0,
                    "after": 94.5, "source": "订单台账，上线前后各 30 天"}}),
                ),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let verified = reply.json();
        assert_eq!(verified["status"], "verified");
        assert_eq!(verified["verification"]["kind"], "figures");
        assert_eq!(verified["verification"]["after"], 94.5);
        for (who, count) in [
            ("staff", 1),
            ("xiaolan", 1),
            ("polisher", 1),
            ("nantou", 0),
            ("rival", 0),
        ] {
            let listed = app
                .api(
                    "GET",
                    "/api/v1/solution-adoptions?status=verified",
                    Some(who),
                    None,
                )
                .await
                .json();
            assert_eq!(listed["total"], count, "{who}: {listed}");
            assert_eq!(
                listed["items"].as_array().unwrap().len(),
                count,
                "{who}: {listed}"
            );
        }
    }
}

fn location(reply: &crate::support::Reply) -> String {
    reply.headers[axum::http::header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_library_and_adoptions_work_from_the_pages() {
    use crate::pages::Visitor;
    for app in apps().await {
        let mut provider = Visitor::new(&app);
        provider.sign_in("polisher").await;
        let csrf = provider.csrf();
        let form = |title: &'static str, level: &'static str| {
            vec![
                ("title", title),
                ("summary", "按订单交期自动排产"),
                ("target", "planning"),
                ("level.planning", level),
                ("industries", "38"),
                ("investment_min", "50000"),
                ("investment_max", "300000"),
                ("payback_months", "18"),
            ]
        };
        // A wrong level and a short title are named next to their fields; what was typed stays.
        let mut fields = form("A", "9");
        fields.push(("csrf_token", &csrf));
        let reply = provider.post("/solutions", &fields).await;
        assert_eq!(reply.status, StatusCode::OK);
        let html = reply.text();
        assert!(html.contains("名称为 2–80 字"), "{html}");
        assert!(html.contains("按订单交期自动排产"));
        let mut fields = form("高级计划排程", "2");
        fields.push(("csrf_token", &csrf));
        let reply = provider.post("/solutions", &fields).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let page = location(&reply);
        let id: i64 = page.trim_start_matches("/solutions/").parse().unwrap();
        let reply = provider
            .post(
                &format!("/solutions/{id}/status"),
                &[("csrf_token", &csrf), ("status", "published")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert!(
            provider
                .get("/solutions")
                .await
                .text()
                .contains("高级计划排程")
        );

        // The maker's report recommends it, with why; the maker asks for it.
        let assessment = crate::assessments::submitted_at_level_1(&app, "maker").await;
        let mut maker = Visitor::new(&app);
        maker.sign_in("maker").await;
        let report = maker
            .get(&format!("/assessments/{assessment}/report"))
            .await
            .text();
        assert!(report.contains("推荐解决方案"), "{report}");
        assert!(report.contains(&format!("/solutions/{id}")), "{report}");
        assert!(report.contains("计划与调度"), "{report}");
        let maker_csrf = maker.csrf();
        let reply = maker
            .post(
                &format!("/solutions/{id}/adopt"),
                &[("csrf_token", &maker_csrf), ("note", "想先在一条线试点")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        // Asking twice says so on the page.
        let reply = maker
            .post(
                &format!("/solutions/{id}/adopt"),
                &[("csrf_token", &maker_csrf)],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(
            reply.text().contains("已有此方案的采用记录"),
            "{}",
            reply.text()
        );

        // The provider accepts and reports it implemented; the maker verifies with figures.
        let adoption = app
            .api("GET", "/api/v1/solution-adoptions", Some("maker"), None)
            .await
            .json()["items"][0]["id"]
            .as_i64()
            .unwrap();
        for step in ["accept", "implemented"] {
            let reply = provider
                .post(
                    &format!("/solution-adoptions/{adoption}/step"),
                    &[("csrf_token", &csrf), ("step", step)],
                )
                .await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{step}");
        }
        let list = maker.get("/solution-adoptions").await.text();
        assert!(list.contains("验证成效"), "{list}");
        let reply = maker
            .post(
                &format!("/solution-adoptions/{adoption}/verify"),
                &[("csrf_token", &maker_csrf), ("before", "82"), ("after", "")],
            )
            .await;
        assert!(
            reply.text().contains("请填写已验收的项目编号"),
            "{}",
            reply.text()
        );
        let reply = maker
            .post(
                &format!("/solution-adoptions/{adoption}/verify"),
                &[
                    ("csrf_token", &maker_csrf),
                    ("metric", "准时交付率"),
                    ("unit", "%"),
                    ("before", "82"),
                    ("after", "94.5"),
                    ("source", "订单台账"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let list = maker.get("/solution-adoptions").await.text();
        assert!(list.contains("已验证"), "{list}");
        assert!(list.contains("准时交付率：82 % → 94.5 %"), "{list}");
        // The status filter keeps it among the verified and leaves it out of the proposed.
        let row = format!("id=\"adoption-{adoption}\"");
        let verified = maker
            .get("/solution-adoptions?status=verified")
            .await
            .text();
        assert!(
            verified.contains(&row) && verified.contains("共 1 条"),
            "{verified}"
        );
        let proposed = maker
            .get("/solution-adoptions?status=proposed")
            .await
            .text();
        assert!(
            !proposed.contains(&row) && proposed.contains("共 0 条"),
            "{proposed}"
        );
    }
}

#[tokio::test]
async fn the_library_figures_count_what_enterprises_took_up() {
    for app in apps().await {
        let (_, adoption) = seed(&app).await;
        let figures = |user: &'static str| {
            let app = &app;
            async move {
                app.api("GET", "/api/v1/solution-figures", Some(user), None)
                    .await
            }
        };
        // Proposed by the provider: provided to one enterprise, not yet accepted.
        let before = figures("staff").await.json();
        assert_eq!(
            (
                &before["total"]["library"],
                &before["total"]["provided"],
                &before["total"]["enterprises_served"],
                &before["total"]["enterprises_accepted"]
            ),
            (&json!(1), &json!(1), &json!(1), &json!(0)),
            "{before}"
        );
        let reply = app
            .api(
                "POST",
                &format!("/api/v1/solution-adoptions/{adoption}/accept"),
                Some("rival"),
                Some(json!({})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        for user in ["staff", "polisher", "nantou"] {
            let after = figures(user).await.json();
            assert_eq!(
                (
                    &after["total"]["enterprises_accepted"],
                    &after["total"]["implemented"]
                ),
                (&json!(1), &json!(0)),
                "{user}: {after}"
            );
            assert_eq!(after["providers"].as_array().unwrap().len(), 1, "{after}");
            assert_eq!(after["providers"][0]["enterprises_accepted"], 1, "{after}");
        }
        let xiaolan = figures("xiaolan").await.json();
        assert_eq!(
            (&xiaolan["total"]["library"], &xiaolan["total"]["provided"]),
            (&json!(1), &json!(0)),
            "{xiaolan}"
        );
        figures("maker").await.problem(StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn an_enterprise_verifies_an_adoption_with_its_own_machine_data() {
    const DAY: i64 = 86_400_000;
    for app in apps().await {
        let token = crate::devices::maker_device(&app).await;
        let solution = created(&app, "设备联网", "equipment", true).await;
        let asked = app
            .api(
                "POST",
                &format!("/api/v1/solutions/{solution}/adoptions"),
                Some("maker"),
                Some(json!({})),
            )
            .await;
        assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text());
        let adoption = asked.json()["id"].as_i64().unwrap();
        let step = |step: &'static str| {
            let app = &app;
            async move {
                let reply = app
                    .api(
                        "POST",
                        &format!("/api/v1/solution-adoptions/{adoption}/{step}"),
                        Some("polisher"),
                        Some(json!({})),
                    )
                    .await;
                assert_eq!(reply.status, StatusCode::OK, "{step}: {}", reply.text());
            }
        };
        let accepted = zhizao_core::Clock::now(app.clock.as_ref()).as_millis();
        step("accept").await;
        app.clock.advance(DAY);
        let implemented = zhizao_core::Clock::now(app.clock.as_ref()).as_millis();
        step("implemented").await;
        // The press ran hotter before (60 and 62 °C) than after (50 and 51 °C); one point
        // before the window and one inside acceptance day, outside both, are not counted.
        for (ts, temperature) in [
            (accepted - 40 * DAY, 99.0),
            (accepted - 20 * DAY, 60.0),
            (accepted - DAY, 62.0),
            (accepted + DAY / 2, 99.0),
            (implemented + DAY, 50.0),
            (implemented + 20 * DAY, 51.0),
        ] {
            let reply = app
                .send_device(
                    "/api/v1/{token}/telemetry",
                    &token,
                    json!({"ts": ts, "values": {"temperature": temperature}}),
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        }
        let verify = |body: Value| {
            let app = &app;
            async move {
                app.api(
                    "POST",
                    &format!("/api/v1/solution-adoptions/{adoption}/verification"),
                    Some("maker"),
                    Some(body),
                )
                .await
            }
        };
        let measured = |field: &str, days: u32| json!({"telemetry": {"device": "press-07", "field": field, "days": days}});
        // Thirty days after implementation are not over yet.
        let problem = verify(measured("temperature", 30))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "telemetry.days", "{problem}");
        app.clock.advance(30 * DAY);
        for (body, field) in [
            (measured("temperature", 0), "telemetry.days"),
            (measured("spindle_rpm", 30), "telemetry.field"),
            (
                json!({"telemetry": {"device": "press-99", "field": "temperature"}}),
                "telemetry.device",
            ),
            (
                json!({"telemetry": {"device": "press-07", "field": "temperature", "aggregate": "max"}}),
                "telemetry.aggregate",
            ),
        ] {
            let problem = verify(body).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        // The page's form names an unknown device the same way.
        let mut maker = crate::pages::Visitor::new(&app);
        maker.sign_in("maker").await;
        maker.get("/solution-adoptions").await;
        let csrf = maker.csrf();
        let reply = maker
            .post(
                &format!("/solution-adoptions/{adoption}/verify"),
                &[
                    ("csrf_token", csrf.as_str()),
                    ("device", "press-99"),
                    ("field", "temperature"),
                    ("aggregate", "mean"),
                    ("days", "30"),
                ],
            )
            .await;
        assert!(
            reply.text().contains("本企业没有名为“press-99”的设备"),
            "{}",
            reply.text()
        );
        // The provider cannot verify for the enterprise.
        app.api(
            "POST",
            &format!("/api/v1/solution-adoptions/{adoption}/verification"),
            Some("polisher"),
            Some(measured("temperature", 30)),
        )
        .await
        .problem(StatusCode::FORBIDDEN);
        let verified = verify(measured("temperature", 30)).await;
        assert_eq!(verified.status, StatusCode::OK, "{}", verified.text());
        let figures = &verified.json()["verification"];
        assert_eq!(
            (
                &figures["before"],
                &figures["after"],
                &figures["unit"],
                &figures["kind"]
            ),
            (&json!(61.0), &json!(50.5), &json!("°C"), &json!("figures")),
            "{figures}"
        );
        assert!(
            figures["source"].as_str().unwrap().contains("（2 条）"),
            "{figures}"
        );
    }
}
