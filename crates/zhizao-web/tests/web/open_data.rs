//! The open data API and its pages: the catalogue open to anyone, a dataset's rows for a key
//! the city issued (agreeing with the dashboard, cells from fewer than three enterprises
//! withheld), the key's rate limit answered 429 with `Retry-After`, its use counted, a revoked
//! key refused, and the data office's page that issues and revokes keys.

use axum::http::{StatusCode, header};
use serde_json::{Value, json};

use crate::pages::Visitor;
use crate::support::{TestApp, apps};

const XIAOLAN: &str = "442000118";
const NANTOU: &str = "442000111";

/// Issues a key as the city's staff; its id and secret.
pub(crate) async fn issue(app: &TestApp, per_minute: i64) -> (i64, String) {
    let reply = app
        .api(
            "POST",
            "/api/v1/open-data/keys",
            Some("staff"),
            Some(json!({
                "holder": "广东省政务数据平台",
                "contact": "陈工 0760-88888888",
                "purpose": "汇集各市智能制造指标",
                "per_minute": per_minute,
            })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let issued = reply.json();
    (
        issued["key"]["id"].as_i64().unwrap(),
        issued["secret"].as_str().unwrap().to_owned(),
    )
}

async fn with_key(app: &TestApp, path: &str, secret: &str) -> crate::support::Reply {
    app.api_with_headers("GET", path, None, None, &[("x-api-key", secret)])
        .await
}

/// The value published for `town` (`None`: the city) in `year`.
fn cell(rows: &Value, year: Option<i64>, town: Option<&str>) -> Value {
    rows["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["year"] == json!(year) && r["town"] == json!(town))
        .unwrap_or_else(|| panic!("no cell {year:?} {town:?} in {rows}"))["value"]
        .clone()
}

#[tokio::test]
async fn the_catalogue_is_open_to_anyone_and_lists_the_dashboards_figures() {
    for app in apps().await {
        let catalogue = app
            .api("GET", "/api/v1/open-data/datasets", None, None)
            .await;
        assert_eq!(catalogue.status, StatusCode::OK, "{}", catalogue.text());
        let catalogue = catalogue.json();
        assert_eq!(catalogue["minimum_count"], 3);
        let keys: Vec<&str> = catalogue["datasets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["key"].as_str().unwrap())
            .collect();
        // Every figure the dashboard counts from relational records is a dataset (the
        // equipment's records come from the telemetry store, which has no town grid).
        let board = app
            .api("GET", "/api/v1/dashboard", Some("staff"), None)
            .await
            .json();
        let figures: Vec<&str> = board["sections"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["figures"].as_array().unwrap())
            .map(|f| f["key"].as_str().unwrap())
            .filter(|k| *k != "devices.records")
            .collect();
        assert_eq!(keys, figures);

        let mut visitor = Visitor::new(&app);
        let page = visitor.get("/open-data").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(
            html.contains("开放数据") && html.contains("X-API-Key"),
            "{html}"
        );
        assert!(html.contains(r#"data-dataset="projects.granted""#));
        assert!(html.contains("少于 3 家企业"));
        // A visitor sees no link to the data itself, nor to the keys.
        assert!(!html.contains(r#"href="/open-data/datasets/projects.granted""#));
        assert!(!html.contains(r#"href="/open-data/keys""#));
    }
}

#[tokio::test]
async fn a_key_reads_datasets_within_its_limit_with_small_cells_withheld() {
    for app in apps().await {
        crate::dashboard::seed(&app).await;
        let (id, secret) = issue(&app, 3).await;

        // 2018: three projects at three enterprises for the city; two at two in Xiaolan and
        // one in Nantou are too few to publish; towns without projects are a counted zero.
        let reply = with_key(
            &app,
            "/api/v1/open-data/datasets/projects.projects?from=2018&to=2019",
            &secret,
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_eq!(reply.headers["x-ratelimit-limit"], "3");
        assert_eq!(reply.headers["x-ratelimit-remaining"], "2");
        let projects = reply.json();
        assert_eq!(cell(&projects, Some(2018), None), 3);
        assert_eq!(cell(&projects, Some(2018), Some(XIAOLAN)), Value::Null);
        assert_eq!(cell(&projects, Some(2018), Some(NANTOU)), Value::Null);
        assert_eq!(cell(&projects, Some(2018), Some("442000001")), 0);
        assert_eq!(cell(&projects, Some(2019), None), 0);
        // The city and 23 current towns a year.
        assert_eq!(projects["rows"].as_array().unwrap().len(), 2 * 24);
        let board = app
            .api("GET", "/api/v1/dashboard?year=2018", Some("staff"), None)
            .await
            .json();
        let on_board = board["sections"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["figures"].as_array().unwrap())
            .find(|f| f["key"] == "projects.projects")
            .unwrap()["value"]
            .clone();
        assert_eq!(cell(&projects, Some(2018), None), on_board);

        // Grants of 2018 came from two enterprises: nothing of them is published.
        let granted = with_key(
            &app,
            "/api/v1/open-data/datasets/projects.granted?from=2018&to=2018&format=csv",
            &secret,
        )
        .await;
        assert_eq!(granted.status, StatusCode::OK, "{}", granted.text());
        assert!(
            granted.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let csv = granted.text();
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("\u{feff}year,town_code,town_name,town_name_en,value,unit,suppressed")
        );
        assert_eq!(lines.next(), Some("2018,,全市,Zhongshan,,fen,true"));
        assert!(csv.contains(&format!("2018,{NANTOU},南头镇,Nantou,,fen,true")));
        assert!(
            csv.contains("2018,442000001,石岐街道,Shiqi,0,fen,false"),
            "{csv}"
        );

        // A signed-in user reads without a key (and without its limit).
        let reply = app
            .api(
                "GET",
                "/api/v1/open-data/datasets/registry.enterprises",
                Some("maker"),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert!(!reply.headers.contains_key("x-ratelimit-limit"));

        // The third request is the last of the minute; the fourth waits 20 s.
        let reply = with_key(
            &app,
            "/api/v1/open-data/datasets/registry.enterprises",
            &secret,
        )
        .await;
        assert_eq!(reply.headers["x-ratelimit-remaining"], "0");
        let refused = with_key(
            &app,
            "/api/v1/open-data/datasets/registry.enterprises",
            &secret,
        )
        .await;
        refused.problem(StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.headers[header::RETRY_AFTER], "20");
        let detail = app
            .api(
                "GET",
                &format!("/api/v1/open-data/keys/{id}"),
                Some("staff"),
                None,
            )
            .await
            .json();
        assert_eq!(detail["key"]["answered"], 3, "{detail}");
        assert_eq!(detail["key"]["refused"], 1, "{detail}");
        assert_eq!(detail["days"].as_array().unwrap().len(), 1);

        // Bad requests say what is wrong; none needs a key to be refused for want of one.
        let (_, other) = issue(&app, 100).await;
        for (path, status) in [
            (
                "/api/v1/open-data/datasets/nothing.here",
                StatusCode::NOT_FOUND,
            ),
            (
                "/api/v1/open-data/datasets/projects.granted?format=xml",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "/api/v1/open-data/datasets/projects.granted?from=2020&to=2019",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "/api/v1/open-data/datasets/projects.granted?from=1900",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "/api/v1/open-data/datasets/projects.granted?town=x",
                StatusCode::BAD_REQUEST,
            ),
        ] {
            with_key(&app, path, &other).await.problem(status);
        }
        app.api(
            "GET",
            "/api/v1/open-data/datasets/projects.granted",
            None,
            None,
        )
        .await
        .problem(StatusCode::UNAUTHORIZED);
        with_key(&app, "/api/v1/open-data/datasets/projects.granted", "zod_x")
            .await
            .problem(StatusCode::UNAUTHORIZED);
        // The key as a bearer token works too.
        let reply = app
            .api_with_headers(
                "GET",
                "/api/v1/open-data/datasets/projects.granted",
                None,
                None,
                &[("authorization", &format!("Bearer {other}"))],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

        // Revoked: refused at once.
        let revoked = app
            .api(
                "POST",
                &format!("/api/v1/open-data/keys/{id}/revoke"),
                Some("staff"),
                None,
            )
            .await;
        assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text());
        assert!(revoked.json()["revoked_at"].is_string());
        with_key(
            &app,
            "/api/v1/open-data/datasets/registry.enterprises",
            &secret,
        )
        .await
        .problem(StatusCode::UNAUTHORIZED);

        // Only the city's staff manage keys.
        for user in ["xiaolan", "maker", "polisher"] {
            app.api("GET", "/api/v1/open-data/keys", Some(user), None)
                .await
                .problem(StatusCode::FORBIDDEN);
        }
    }
}

#[tokio::test]
async fn the_data_office_issues_and_revokes_keys_on_its_page() {
    for app in apps().await {
        crate::dashboard::seed(&app).await;
        let mut visitor = Visitor::new(&app);
        visitor.sign_in("staff").await;
        let page = visitor.get("/open-data/keys").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        assert!(page.text().contains("尚未签发密钥"));
        let csrf = visitor.csrf();
        // A limit that is not a number, then one out of range: said, and the input kept.
        let reply = visitor
            .post(
                "/open-data/keys",
                &[
                    ("csrf_token", &csrf),
                    ("holder", "市统计局"),
                    ("contact", "李工"),
                    ("purpose", "统计年鉴"),
                    ("per_minute", "很多"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = reply.text();
        assert!(html.contains("每分钟上限须为整数") && html.contains(r#"value="市统计局""#));
        let reply = visitor
            .post(
                "/open-data/keys",
                &[
                    ("csrf_token", &csrf),
                    ("holder", "市统计局"),
                    ("contact", "李工"),
                    ("purpose", "统计年鉴"),
                    ("per_minute", "9000"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.text().contains("每分钟调用上限为 1–6000 次"));
        let reply = visitor
            .post(
                "/open-data/keys",
                &[
                    ("csrf_token", &csrf),
                    ("holder", "市统计局"),
                    ("contact", "李工"),
                    ("purpose", "统计年鉴"),
                    ("per_minute", "120"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let html = reply.text();
        let secret = html
            .split(r#"id="new-key">"#)
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .unwrap_or_else(|| panic!("{html}"))
            .to_owned();
        assert!(secret.starts_with("zod_"), "{secret}");
        let reply = with_key(&app, "/api/v1/open-data/datasets/talent.talents", &secret).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

        // The list counts the use; revoking from the page stops the key.
        let html = visitor.get("/open-data/keys").await.text();
        assert!(
            html.contains("市统计局") && !html.contains(&secret),
            "{html}"
        );
        let id = html
            .split(r#"<tr data-key=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        let reply = visitor
            .post(
                &format!("/open-data/keys/{id}/revoke"),
                &[("csrf_token", &csrf)],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        assert!(
            visitor
                .get("/open-data/keys")
                .await
                .text()
                .contains("已撤销")
        );
        with_key(&app, "/api/v1/open-data/datasets/talent.talents", &secret)
            .await
            .problem(StatusCode::UNAUTHORIZED);

        // The published table: the city's row, withheld cells marked, the downloads.
        let table = visitor
            .get("/open-data/datasets/projects.projects?from=2018&to=2020")
            .await;
        assert_eq!(table.status, StatusCode::OK, "{}", table.text());
        let html = table.text();
        assert!(
            html.contains(r#"<tr class="total"><th scope="row">全市</th><td class="num">3</td>"#),
            "{html}"
        );
        assert!(html.contains(r#"<th scope="row">小榄镇</th><td class="num suppressed""#));
        assert!(html.contains("format=csv"));
        let page = visitor.get("/open-data").await.text();
        assert!(page.contains(r#"href="/open-data/datasets/projects.granted""#));
        assert!(page.contains(r#"href="/open-data/keys""#));

        // Nobody else manages keys; a visitor is asked to sign in for the table.
        let mut maker = Visitor::new(&app);
        maker.sign_in("maker").await;
        assert_eq!(
            maker.get("/open-data/keys").await.status,
            StatusCode::FORBIDDEN
        );
        let mut visitor = Visitor::new(&app);
        let reply = visitor.get("/open-data/datasets/projects.projects").await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
    }
}
