//! The API's contract: problem details for every failure, strict bodies, optimistic locking,
//! imports and exports, operations endpoints, and an OpenAPI document that matches the routes.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use crate::support::{apps, code, maker_code, xiaolan_code};

#[tokio::test]
async fn operations_endpoints_answer() {
    for app in apps().await {
        let health = app.api("GET", "/healthz", None, None).await;
        assert_eq!(
            (health.status, health.text().as_str()),
            (StatusCode::OK, "ok")
        );
        let ready = app.api("GET", "/readyz", None, None).await;
        assert_eq!(
            (ready.status, ready.text().as_str()),
            (
                StatusCode::OK,
                "database: ok\ntelemetry_log: ok\ntelemetry_files: ok\n"
            )
        );
        app.api("GET", "/api/v1/enterprises", Some("admin"), None)
            .await;
        let metrics = app.api("GET", "/metrics", None, None).await;
        let text = metrics.text();
        assert!(text.contains("zhizao_http_requests_total{method=\"GET\",route=\"/api/v1/enterprises\",status=\"200\"} 1"), "{text}");
        assert!(
            text.contains("zhizao_http_request_duration_seconds_bucket"),
            "{text}"
        );
        assert!(text.contains("zhizao_db_pool_connections"), "{text}");
        let gauge = |name: &str| -> i64 {
            text.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
                .unwrap_or_else(|| panic!("{name} in {text}"))
        };
        let (log, limit) = (
            gauge("zhizao_telemetry_log_bytes"),
            gauge("zhizao_telemetry_log_limit_bytes"),
        );
        assert!(limit > 0 && (0..limit).contains(&log), "{log} of {limit}");
        for component in ["database", "telemetry_log", "telemetry_files"] {
            assert!(
                text.contains(&format!(
                    "zhizao_component_up{{component=\"{component}\"}} 1"
                )),
                "{text}"
            );
        }
        let openapi = app.api("GET", "/api/openapi.json", None, None).await.json();
        assert_eq!(openapi["openapi"], "3.1.0");
        for path in [
            "/api/v1/enterprises",
            "/api/v1/enterprises/import",
            "/api/v1/users/{username}",
            "/api/v1/audit",
            "/api/v1/towns",
        ] {
            assert!(openapi["paths"].get(path).is_some(), "{path} is documented");
        }
        assert!(openapi["components"]["securitySchemes"]["bearer"].is_object());
    }
}

#[tokio::test]
async fn bad_requests_are_problems_that_name_what_is_wrong() {
    for app in apps().await {
        let token = format!("Bearer {}", app.tokens["admin"]);
        let post = |content_type: &'static str, body: &'static str| {
            Request::builder()
                .method("POST")
                .uri("/api/v1/enterprises")
                .header(header::AUTHORIZATION, token.clone())
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap()
        };
        let malformed = app
            .send(post(
                "application/json",
                "{\"name\": \"甲\",\n  \"town_code\": }",
            ))
            .await
            .problem(StatusCode::BAD_REQUEST);
        assert!(
            malformed["detail"]
                .as_str()
                .unwrap()
                .contains("line 2 column"),
            "{malformed}"
        );
        let unknown = app
            .send(post(
                "application/json",
                "{\"name\": \"甲\", \"colour\": \"red\"}",
            ))
            .await
            .problem(StatusCode::BAD_REQUEST);
        assert!(
            unknown["detail"]
                .as_str()
                .unwrap()
                .contains("unknown field `colour`"),
            "{unknown}"
        );
        let wrong_type = app
            .send(post("application/json", "{\"employees\": \"many\"}"))
            .await
            .problem(StatusCode::BAD_REQUEST);
        assert_eq!(wrong_type["errors"][0]["field"], "employees");
        app.send(post("text/plain", "{}"))
            .await
            .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
        app.send(post("application/x-www-form-urlencoded", "name=x"))
            .await
            .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
        let request = Request::builder()
            .method("POST")
            .uri("/api/v1/enterprises")
            .header(header::AUTHORIZATION, token.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(huge))
            .unwrap();
        app.send(request)
            .await
            .problem(StatusCode::PAYLOAD_TOO_LARGE);

        let invalid = app
            .api(
                "POST",
                "/api/v1/enterprises",
                Some("admin"),
                Some(json!({"credit_code": "91442000000000001X", "employees": -5})),
            )
            .await;
        let problem = invalid.problem(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        for field in [
            "credit_code",
            "name",
            "legal_representative",
            "town_code",
            "industry_code",
            "above_designated_size",
            "employees",
        ] {
            assert!(fields.contains(&field), "{field} missing from {fields:?}");
        }
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("position"),
            "the credit code error names the position: {problem}"
        );

        let duplicate = json!({"credit_code": xiaolan_code(), "name": "重复", "legal_representative": "李某某", "town_code": "442000118", "industry_code": "3851", "above_designated_size": true});
        let conflict = app
            .api(
                "POST",
                "/api/v1/enterprises",
                Some("admin"),
                Some(duplicate),
            )
            .await
            .problem(StatusCode::CONFLICT);
        assert!(
            conflict["detail"]
                .as_str()
                .unwrap()
                .contains("中山市测试2号企业（示例）"),
            "the 409 names the existing enterprise: {conflict}"
        );

        app.api("GET", "/api/v1/enterprises?size=huge", Some("admin"), None)
            .await
            .problem(StatusCode::BAD_REQUEST);
        app.api("GET", "/api/v1/enterprises?page=minus", Some("admin"), None)
            .await
            .problem(StatusCode::BAD_REQUEST);
        app.api("GET", "/api/v1/enterprises?colour=red", Some("admin"), None)
            .await
            .problem(StatusCode::BAD_REQUEST);
        app.api("DELETE", "/api/v1/tokens/abc", Some("admin"), None)
            .await
            .problem(StatusCode::BAD_REQUEST);
        app.api("PUT", "/api/v1/enterprises", Some("admin"), None)
            .await
            .problem(StatusCode::METHOD_NOT_ALLOWED);
        app.api("GET", "/api/v1/nothing-here", Some("admin"), None)
            .await
            .problem(StatusCode::NOT_FOUND);
        app.api(
            "GET",
            "/api/v1/enterprises/..%2F..%2Fetc%2Fpasswd",
            Some("admin"),
            None,
        )
        .await
        .problem(StatusCode::NOT_FOUND);
        let chinese = Request::builder()
            .uri("/api/v1/me")
            .header(header::ACCEPT_LANGUAGE, "zh-CN")
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            app.send(chinese).await.problem(StatusCode::UNAUTHORIZED)["title"],
            "需要登录"
        );
    }
}

#[tokio::test]
async fn enterprises_are_created_changed_with_versions_and_audited() {
    for app in apps().await {
        let new = json!({
            "credit_code": code(40), "name": "中山市新登记电器有限公司（示例）", "legal_representative": "陈某某",
            "town_code": "442000111", "industry_code": "3854", "above_designated_size": false,
            "employees": 35, "annual_revenue_fen": 1234567, "established_on": "2015-03-01",
            "recognitions": [{"kind": "technology_center", "level": "city", "year": 2019}]
        });
        let created = app
            .api("POST", "/api/v1/enterprises", Some("staff"), Some(new))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        assert_eq!(created.headers[header::ETAG], "\"1\"");
        assert_eq!(
            created.headers[header::LOCATION],
            format!("/api/v1/enterprises/{}", code(40)).as_str()
        );
        let body = created.json();
        assert_eq!(body["town"]["name_zh"], "南头镇");
        assert_eq!(body["annual_revenue_fen"], 1234567);

        let path = format!("/api/v1/enterprises/{}", code(40));
        let patch = |version: &'static str, body: Value| {
            Request::builder()
                .method("PATCH")
                .uri(&path)
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", app.tokens["nantou"]),
                )
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::IF_MATCH, version)
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        let changed = app
            .send(patch(
                "\"1\"",
                json!({"employees": null, "address": "南头镇示例路 8 号"}),
            ))
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
        assert_eq!(changed.json()["employees"], Value::Null);
        assert_eq!(changed.headers[header::ETAG], "\"2\"");
        let stale = app
            .send(patch("\"1\"", json!({"address": "again"})))
            .await
            .problem(StatusCode::CONFLICT);
        assert_eq!(stale["type"], "/problems/stale-version");
        app.send(patch("three", json!({"address": "again"})))
            .await
            .problem(StatusCode::BAD_REQUEST);
        let not_theirs = app
            .send(patch("\"2\"", json!({"above_designated_size": true})))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            not_theirs["errors"][0]["field"], "above_designated_size",
            "town staff do not decide the size flag"
        );

        let history = app
            .api("GET", &format!("{path}/history"), Some("nantou"), None)
            .await
            .json();
        assert_eq!(history["total"], 2);
        assert_eq!(history["items"][0]["actor"], "nantou");
        assert_eq!(history["items"][0]["channel"], "api");
        assert_eq!(
            history["items"][0]["changes"]["employees"],
            json!({"before": 35, "after": null})
        );

        let deleted = app.api("DELETE", &path, Some("admin"), None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        app.api("GET", &path, Some("admin"), None)
            .await
            .problem(StatusCode::NOT_FOUND);
        let with_users = app
            .api(
                "DELETE",
                &format!("/api/v1/enterprises/{}", maker_code()),
                Some("admin"),
                None,
            )
            .await
            .problem(StatusCode::CONFLICT);
        assert_eq!(with_users["type"], "/problems/in-use");
    }
}

fn multipart(file_name: &str, content: &[u8]) -> (String, Vec<u8>) {
    crate::support::multipart(&[], Some((file_name, content)))
}

#[tokio::test]
async fn imports_report_cells_and_exports_neutralise_formulas() {
    for app in apps().await {
        let csv = format!(
            "统一社会信用代码,企业名称,法定代表人,镇街,行业代码,规上企业,地址\n{},中山市导入灯饰有限公司（示例）,林某某,古镇,3872,否,=cmd|' /C calc'!A0\n{},中山市坏数据有限公司（示例）,,火星,9999,也许,\n",
            code(50),
            code(51)
        );
        let (content_type, body) = multipart("名录.csv", csv.as_bytes());
        let request = Request::builder()
            .method("POST")
            .uri("/api/v1/enterprises/import")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", app.tokens["admin"]),
            )
            .header(header::CONTENT_TYPE, content_type.clone())
            .body(Body::from(body.clone()))
            .unwrap();
        let report = app.send(request).await;
        assert_eq!(
            report.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            report.text()
        );
        let report = report.json();
        assert_eq!(report["applied"], false);
        let cells: Vec<(i64, String)> = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["row"].as_i64().unwrap(),
                    e["column"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            cells,
            [
                (3, "C 法定代表人".to_owned()),
                (3, "D 镇街".to_owned()),
                (3, "E 行业代码".to_owned()),
                (3, "F 规上企业".to_owned())
            ]
        );
        assert_eq!(
            app.api("GET", "/api/v1/enterprises", Some("admin"), None)
                .await
                .json()["total"],
            3,
            "nothing half-imported"
        );

        let good_only: String = csv.lines().take(2).map(|l| format!("{l}\n")).collect();
        let request = Request::builder()
            .method("POST")
            .uri("/api/v1/enterprises/import?file_name=%E5%90%8D%E5%BD%95.csv")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", app.tokens["admin"]),
            )
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(good_only))
            .unwrap();
        let report = app.send(request).await;
        assert_eq!(report.status, StatusCode::OK, "{}", report.text());
        assert_eq!(
            (
                report.json()["created"].as_i64(),
                report.json()["applied"].as_bool()
            ),
            (Some(1), Some(true))
        );

        let export = app
            .api(
                "GET",
                "/api/v1/enterprises/export?format=csv&town=442000105",
                Some("admin"),
                None,
            )
            .await;
        assert_eq!(export.content_type(), "text/csv; charset=utf-8");
        assert!(
            export.headers[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .starts_with("attachment; filename=\"enterprises-")
        );
        let text = export.text();
        assert!(text.contains(",'=cmd|"), "a formula is neutralised: {text}");
        let xlsx = app
            .api("GET", "/api/v1/enterprises/export", Some("admin"), None)
            .await;
        assert_eq!(
            xlsx.content_type(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert!(xlsx.body.starts_with(b"PK"));
        app.api(
            "GET",
            "/api/v1/enterprises/export?format=pdf",
            Some("admin"),
            None,
        )
        .await
        .problem(StatusCode::BAD_REQUEST);

        let wrong = Request::builder()
            .method("POST")
            .uri("/api/v1/enterprises/import")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", app.tokens["admin"]),
            )
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .unwrap();
        app.send(wrong)
            .await
            .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let (content_type, body) = multipart("../../evil.exe", b"MZ");
        let request = Request::builder()
            .method("POST")
            .uri("/api/v1/enterprises/import")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", app.tokens["admin"]),
            )
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        let refused = app
            .send(request)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("evil.exe"),
            "only the base name is used: {refused}"
        );
    }
}

#[tokio::test]
async fn tokens_and_sessions_through_the_api() {
    for app in apps().await {
        let created = app
            .api(
                "POST",
                "/api/v1/tokens",
                Some("maker"),
                Some(json!({"name": "ERP", "expires_at": "2099-01-01T00:00:00+08:00"})),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let secret = created.json()["secret"].as_str().unwrap().to_owned();
        let me = Request::builder()
            .uri("/api/v1/me")
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(app.send(me).await.json()["organization_code"], maker_code());
        let listed = app
            .api("GET", "/api/v1/tokens", Some("maker"), None)
            .await
            .json();
        assert!(
            listed
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t.get("secret").is_none()),
            "secrets are never listed"
        );
        let id = created.json()["token"]["id"].as_i64().unwrap();
        assert_eq!(
            app.api(
                "DELETE",
                &format!("/api/v1/tokens/{id}"),
                Some("maker"),
                None
            )
            .await
            .status,
            StatusCode::NO_CONTENT
        );
        let me = Request::builder()
            .uri("/api/v1/me")
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .body(Body::empty())
            .unwrap();
        app.send(me).await.problem(StatusCode::UNAUTHORIZED);
        let past = app
            .api(
                "POST",
                "/api/v1/tokens",
                Some("maker"),
                Some(json!({"name": "old", "expires_at": "2001-01-01T00:00:00Z"})),
            )
            .await;
        past.problem(StatusCode::UNPROCESSABLE_ENTITY);

        let weak = app
            .api(
                "POST",
                "/api/v1/users/maker/password",
                Some("maker"),
                Some(
                    json!({"current_password": crate::support::PASSWORD, "new_password": "short"}),
                ),
            )
            .await;
        assert_eq!(
            weak.problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"],
            "new_password",
            "named as the request names it"
        );
        let changed = app.api("POST", "/api/v1/users/maker/password", Some("maker"), Some(json!({"current_password": crate::support::PASSWORD, "new_password": "a-much-better-one-7"}))).await;
        assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.text());

        let role = app
            .api(
                "PATCH",
                "/api/v1/users/polisher",
                Some("admin"),
                Some(json!({"role": "city_admin"})),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(role["errors"][0]["field"], "role");
        let created = app.api("POST", "/api/v1/users", Some("admin"), Some(json!({"organization_code": "polish", "username": "Polisher", "role": "platform_staff", "password": "long-enough-pass-1"}))).await;
        assert_eq!(
            created.problem(StatusCode::CONFLICT)["type"],
            "/problems/duplicate"
        );
    }
}

/// A company of Xiaolan asks to join through the public API; returns the request's id.
pub(crate) async fn xiaolan_signup(app: &crate::support::TestApp) -> i64 {
    let reply = app
        .api(
            "POST",
            "/api/v1/signups",
            None,
            Some(json!({
                "credit_code": code(77),
                "enterprise_name": "中山市新加入照明有限公司",
                "legal_representative": "陈六",
                "town": "小榄镇",
                "industry_code": "3872",
                "contact_name": "陈六",
                "phone": "13800000077",
                "email": "joiner@example.com",
                "username": "joiner",
                "password": "Joined-Lights-2026"
            })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    let received = reply.json();
    assert_eq!(received["status"], "pending");
    assert_eq!(received["town_name"], "小榄镇");
    received["id"].as_i64().expect("an id")
}

#[tokio::test]
async fn a_company_joins_and_a_password_is_reset_through_the_api() {
    for app in apps().await {
        // Every problem of a sign-up at once, by field, in the caller's language.
        let problem = app
            .api(
                "POST",
                "/api/v1/signups",
                None,
                Some(json!({
                    "credit_code": "123", "enterprise_name": "", "legal_representative": "",
                    "town": "火星镇", "industry_code": "", "contact_name": "", "phone": "x",
                    "username": "maker", "password": "short"
                })),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        for field in ["credit_code", "town", "phone", "username", "password"] {
            assert!(fields.contains(&field), "{field} in {problem}");
        }

        let id = xiaolan_signup(&app).await;
        // The town sees it, Nantou does not; deciding needs the version.
        let listed = app
            .api(
                "GET",
                "/api/v1/signups?status=pending",
                Some("xiaolan"),
                None,
            )
            .await
            .json();
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
        let nantou = app
            .api("GET", "/api/v1/signups", Some("nantou"), None)
            .await
            .json();
        assert_eq!(nantou, json!([]));
        app.api("GET", "/api/v1/signups?status=maybe", Some("xiaolan"), None)
            .await
            .problem(StatusCode::BAD_REQUEST);
        let decision = format!("/api/v1/signups/{id}/decision");
        app.api(
            "POST",
            &decision,
            Some("xiaolan"),
            Some(json!({"approve": true})),
        )
        .await
        .problem(StatusCode::PRECONDITION_REQUIRED);
        let refused = app
            .api_with_headers(
                "POST",
                &decision,
                Some("xiaolan"),
                Some(json!({"approve": false})),
                &[("if-match", "\"1\"")],
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused["errors"][0]["field"], "reason");
        let approved = app
            .api_with_headers(
                "POST",
                &decision,
                Some("xiaolan"),
                Some(json!({"approve": true})),
                &[("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.text());
        assert_eq!(approved.json()["status"], "approved");
        app.api_with_headers(
            "POST",
            &decision,
            Some("xiaolan"),
            Some(json!({"approve": true})),
            &[("if-match", "\"1\"")],
        )
        .await
        .problem(StatusCode::CONFLICT);
        // The company is registered and its administrator signs in.
        let registered = app
            .api(
                "GET",
                &format!("/api/v1/enterprises/{}", code(77)),
                Some("xiaolan"),
                None,
            )
            .await
            .json();
        assert_eq!(registered["name"], "中山市新加入照明有限公司");
        let joined = app
            .identity
            .login("joiner", "Joined-Lights-2026", "10.0.0.5", "test")
            .await
            .unwrap()
            .principal;
        assert!(joined.org_admin);

        // Forgotten: a link goes to the address on the account, and works once.
        let reply = app
            .api(
                "POST",
                "/api/v1/password-resets",
                None,
                Some(json!({"login": "joiner@example.com"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
        let admin = zhizao_identity::testing::sign_in(&app.identity, "admin").await;
        let outbox = app
            .identity
            .notifications(&admin, zhizao_core::PageRequest::default())
            .await
            .unwrap();
        let link = &outbox.items[0];
        assert_eq!(link.recipient, "joiner@example.com");
        let token = link
            .body
            .split("/password/reset/")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("a link")
            .to_owned();
        let weak = app
            .api(
                "POST",
                "/api/v1/password-resets/confirm",
                None,
                Some(json!({"token": token, "new_password": "joiner"})),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(weak["errors"][0]["field"], "new_password", "{weak}");
        let reply = app
            .api(
                "POST",
                "/api/v1/password-resets/confirm",
                None,
                Some(json!({"token": token, "new_password": "Brighter-Lights-2027"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
        let used = app
            .api(
                "POST",
                "/api/v1/password-resets/confirm",
                None,
                Some(json!({"token": token, "new_password": "Third-Lights-2028"})),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(used["errors"][0]["field"], "token");
        app.identity
            .login("joiner", "Brighter-Lights-2027", "10.0.0.5", "test")
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_factory_publishes_its_tariff_and_quotes_follow_it() {
    for app in apps().await {
        let tariff = |per_piece: i64| {
            json!({
                "setup_fee_fen": 20000, "minimum_charge_fen": 50000,
                "hourly": [{"class": "polishing_cell", "per_hour_fen": 18000}],
                "pieces": [{"family": "龙头", "breaks": [
                    {"from_quantity": 1, "per_piece_fen": per_piece},
                    {"from_quantity": 1000, "per_piece_fen": per_piece - 30}]}]
            })
        };
        let path = "/api/v1/factories/polish/tariffs";
        // Problems are named as the request names them.
        let mut bad = tariff(250);
        bad["hourly"][0]["class"] = json!("laser");
        let problem = app
            .api("POST", path, Some("polisher"), Some(json!({"tariff": bad})))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "tariff.hourly[0].class");
        let mut bad = tariff(250);
        bad["pieces"][0]["breaks"][1]["per_piece_fen"] = json!(-1);
        let problem = app
            .api("POST", path, Some("polisher"), Some(json!({"tariff": bad})))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            problem["errors"][0]["field"],
            "tariff.pieces[0].breaks[1].per_piece_fen"
        );
        // A code that is no platform's names no factory.
        app.api(
            "POST",
            &format!("/api/v1/factories/{}/quote", maker_code()),
            Some("maker"),
            Some(json!({"family": "龙头", "quantity": 1})),
        )
        .await
        .problem(StatusCode::NOT_FOUND);

        let first = app
            .api(
                "POST",
                path,
                Some("polisher"),
                Some(json!({"tariff": tariff(250), "note": "首版"})),
            )
            .await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
        assert_eq!(first.headers["etag"], "\"1\"");
        app.api(
            "POST",
            path,
            Some("polisher"),
            Some(json!({"tariff": tariff(240)})),
        )
        .await
        .problem(StatusCode::CONFLICT);
        let second = app
            .api_with_headers(
                "POST",
                path,
                Some("polisher"),
                Some(json!({"tariff": tariff(220)})),
                &[("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(second.status, StatusCode::CREATED, "{}", second.text());

        // The maker's quote follows version 2: 200 + 180 + 1,200 × 1.90 = 2,660 yuan.
        let quote = app
            .api(
                "POST",
                "/api/v1/factories/polish/quote",
                Some("maker"),
                Some(json!({"family": "龙头", "quantity": 1200, "setups": 1,
                    "machine_minutes": [{"class": "polishing_cell", "minutes": 60}]})),
            )
            .await
            .json();
        assert_eq!(quote["tariff_version"], 2, "{quote}");
        assert_eq!(quote["total_fen"], 266_000, "{quote}");
        assert_eq!(quote["lines"].as_array().unwrap().len(), 3);
        assert!(
            quote["lines"][2]["text_zh"]
                .as_str()
                .unwrap()
                .contains("1000 件起档"),
            "{quote}"
        );
        let problem = app
            .api(
                "POST",
                "/api/v1/factories/polish/quote",
                Some("maker"),
                Some(json!({"family": "门把手", "quantity": 0})),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(fields, ["quantity", "family"]);
    }
}
