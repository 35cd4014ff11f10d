//! The city's dashboard over HTTP: each figure against the rows it counts (a year of imported
//! projects, talents and teams, the registry), narrowed to a year and a town, a town's staff
//! held to their town, the page with its map and the workbook.

use axum::http::{StatusCode, header};
use serde_json::Value;

use crate::pages::Visitor;
use crate::support::{TestApp, apps, code};

const XIAOLAN: &str = "442000118";
const NANTOU: &str = "442000111";

/// The 2018 history: a project in the library at the maker (Xiaolan, no grant), a grant of
/// 64.04 万元 paid at the other Xiaolan enterprise, one of 24 万元 accepted but unpaid at the
/// Nantou enterprise, and a rejected application.
pub(crate) async fn seed(app: &TestApp) {
    let csv = format!(
        "批次编号,批次名称,专项,年度,统一社会信用代码,项目名称,改造类型,总投资（万元）,核定补助（万元）,已拨付（万元）,状态\n\
         TU-2018-1,2018 年第 1 批技术改造项目入库,技术改造项目入库,2018,{},自动化产线,智能化生产线,1200,,,\n\
         PC-2018,2018 年事后奖补,事后奖补,2018,{},机器人工作站,工业机器人应用,800.5,64.04,64.04,\n\
         PC-2018,2018 年事后奖补,事后奖补,2018,{},数字化车间,数字化车间,300,24,,已验收\n\
         PC-2018,2018 年事后奖补,事后奖补,2018,{},旧设备改造,,50,,,未通过\n",
        code(1),
        code(2),
        code(3),
        code(1),
    );
    let done = crate::projects::import_csv(app, "staff", &csv, false)
        .await
        .json();
    assert_eq!(done["applied"], true, "{done}");
    crate::talent::seed(app).await;
}

async fn board(app: &TestApp, user: &str, query: &str) -> Value {
    let reply = app
        .api(
            "GET",
            &format!("/api/v1/dashboard{query}"),
            Some(user),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text());
    reply.json()
}

fn figure<'a>(board: &'a Value, key: &str) -> &'a Value {
    board["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["figures"].as_array().unwrap())
        .find(|f| f["key"] == key)
        .unwrap_or_else(|| panic!("no figure {key} in {board}"))
}

fn value(board: &Value, key: &str) -> i64 {
    figure(board, key)["value"].as_i64().unwrap()
}

fn pairs(figure: &Value, list: &str, name: &str) -> Vec<(Value, i64)> {
    figure[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[name].clone(), p["value"].as_i64().unwrap()))
        .collect()
}

/// (user, query, figure, value): what each reader sees of the seeded rows.
const EXPECTED: &[(&str, &str, &str, i64)] = &[
    ("staff", "", "registry.enterprises", 3),
    ("staff", "", "registry.above_designated_size", 1),
    ("staff", "", "projects.batches", 2),
    ("staff", "", "projects.projects", 3),
    ("staff", "", "projects.investment", 2_300_500_000),
    ("staff", "", "projects.enterprises_subsidised", 2),
    ("staff", "", "projects.granted", 88_040_000),
    ("staff", "", "projects.disbursed", 64_040_000),
    ("staff", "", "talent.talents", 1),
    ("staff", "", "talent.teams", 1),
    ("staff", "", "talent.ip_granted", 0),
    ("staff", "", "devices.connected", 0),
    ("staff", "?year=2018", "projects.granted", 88_040_000),
    ("staff", "?year=2019", "projects.granted", 0),
    ("staff", "?year=2024", "talent.talents", 1),
    ("staff", "?year=2018", "talent.talents", 0),
    ("staff", "?town=442000111", "projects.granted", 24_000_000),
    ("staff", "?town=442000111", "registry.enterprises", 1),
    ("staff", "?town=442000111", "talent.talents", 0),
    ("xiaolan", "", "registry.enterprises", 2),
    ("xiaolan", "", "projects.projects", 2),
    ("xiaolan", "", "projects.granted", 64_040_000),
    ("xiaolan", "", "projects.enterprises_subsidised", 1),
    (
        "xiaolan",
        "?town=442000118",
        "projects.investment",
        2_000_500_000,
    ),
    ("xiaolan", "", "talent.talents", 1),
    ("nantou", "", "projects.granted", 24_000_000),
    ("nantou", "", "projects.disbursed", 0),
    ("nantou", "", "talent.teams", 0),
];

#[tokio::test]
async fn every_figure_counts_its_rows_in_the_readers_scope() {
    for app in apps().await {
        seed(&app).await;
        for (user, query, key, expected) in EXPECTED {
            let board = board(&app, user, query).await;
            assert_eq!(
                value(&board, key),
                *expected,
                "{} {user}{query} {key}",
                app.backend
            );
        }
        // Two readings from the maker's press in 2023, once in a data file.
        let token = crate::devices::maker_device(&app).await;
        let readings = serde_json::json!([
            {"ts": 1_700_000_010_000i64, "values": {"temperature": 60.0}},
            {"ts": 1_700_000_070_000i64, "values": {"temperature": 61.0}},
        ]);
        let reply = app
            .send_device("/api/v1/{token}/telemetry", &token, readings)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let before = board(&app, "staff", "").await;
        assert_eq!(value(&before, "devices.records"), 0, "buffered rows wait");
        app.telemetry.persist(true).await.unwrap();
        // The device itself was connected this year (the devices' clock is the system's).
        for (user, query, records, connected) in [
            ("staff", "", 2, 1),
            ("staff", "?year=2023", 2, 0),
            ("staff", "?year=2024", 0, 0),
            ("xiaolan", "", 2, 1),
            ("nantou", "", 0, 0),
        ] {
            let board = board(&app, user, query).await;
            assert_eq!(value(&board, "devices.records"), records, "{user}{query}");
            assert_eq!(
                value(&board, "devices.connected"),
                connected,
                "{user}{query}"
            );
        }
        let city = board(&app, "staff", "").await;
        let records = figure(&city, "devices.records");
        assert_eq!(pairs(records, "by_town", "town"), [(XIAOLAN.into(), 2)]);
        assert!(pairs(records, "by_year", "year").contains(&(2023.into(), 2)));

        // The trend and the map of the city's grants, and the projects' own report agrees.
        let city = board(&app, "staff", "").await;
        let granted = figure(&city, "projects.granted");
        let by_year = pairs(granted, "by_year", "year");
        assert_eq!(by_year.len(), 10, "{granted}");
        assert_eq!(by_year[1], (2018.into(), 88_040_000));
        assert!(
            by_year
                .iter()
                .filter(|(y, _)| *y != 2018)
                .all(|(_, v)| *v == 0)
        );
        assert_eq!(
            pairs(granted, "by_town", "town"),
            [(NANTOU.into(), 24_000_000), (XIAOLAN.into(), 64_040_000)]
        );
        assert_eq!(
            figure(&city, "talent.ip_granted")["by_year"],
            serde_json::json!([])
        );
        let report = app
            .api(
                "GET",
                "/api/v1/project-reports?by=year",
                Some("staff"),
                None,
            )
            .await
            .json();
        assert_eq!(
            report["total"]["granted_fen"],
            value(&city, "projects.granted")
        );
        assert_eq!(
            report["total"]["projects"],
            value(&city, "projects.projects")
        );
        assert_eq!(
            report["total"]["investment_fen"],
            value(&city, "projects.investment")
        );
        assert_eq!(city["first_year"], 2017);
        assert_eq!(city["last_year"], 2026);
        // A town sees its own town only.
        let town = board(&app, "xiaolan", "").await;
        assert_eq!(
            pairs(figure(&town, "projects.granted"), "by_town", "town"),
            [(XIAOLAN.into(), 64_040_000)]
        );
        assert_eq!(
            figure(&city, "projects.granted")["label"],
            "核定资助金额",
            "{city}"
        );
    }
}

#[tokio::test]
async fn the_dashboard_refuses_other_readers_other_towns_and_bad_filters() {
    for app in apps().await {
        for user in ["maker", "polisher", "expert"] {
            app.api("GET", "/api/v1/dashboard", Some(user), None)
                .await
                .problem(StatusCode::FORBIDDEN);
        }
        for (user, query) in [
            ("xiaolan", "?town=442000111"),
            ("nantou", "?town=442000118"),
            // A town merged into Xiaolan in 2021 is not a town to drill into now.
            ("staff", "?town=442000104"),
            ("staff", "?town=nowhere"),
        ] {
            app.api(
                "GET",
                &format!("/api/v1/dashboard{query}"),
                Some(user),
                None,
            )
            .await
            .problem(StatusCode::NOT_FOUND);
        }
        app.api("GET", "/api/v1/dashboard?year=1900", Some("staff"), None)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        app.api("GET", "/api/v1/dashboard?year=abc", Some("staff"), None)
            .await
            .problem(StatusCode::BAD_REQUEST);
        app.api("GET", "/api/v1/dashboard?colour=red", Some("staff"), None)
            .await
            .problem(StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn the_page_shows_tiles_a_map_and_exports_a_workbook() {
    for app in apps().await {
        seed(&app).await;
        let mut visitor = Visitor::new(&app);
        visitor.sign_in("staff").await;
        let page = visitor.get("/dashboard?map=projects.granted").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let html = page.text();
        assert!(html.contains("数据驾驶舱"), "{html}");
        assert!(html.contains(r#"data-figure="projects.granted""#));
        // 88.04 万元 granted in all, the Nantou tile lit with its 24 万元.
        assert!(html.contains("88.0 万元"), "{html}");
        assert!(
            html.contains(r#"data-town="442000111" title="南头镇 24万""#),
            "{html}"
        );
        assert!(html.contains(r#"href="/dashboard?year=2018&#38;map=projects.granted""#));
        // Narrowed to Nantou, the other towns were not counted and show no value.
        let nantou = visitor
            .get("/dashboard?town=442000111&map=projects.granted")
            .await
            .text();
        assert!(
            nantou.contains(r#"data-town="442000111" title="南头镇 24万""#),
            "{nantou}"
        );
        assert!(
            nantou.contains(r#"data-town="442000118" title="小榄镇 ""#),
            "{nantou}"
        );
        // The wall display refreshes itself.
        let wall = visitor.get("/dashboard?wall=1").await.text();
        assert!(wall.contains(r#"data-refresh="60""#));

        let workbook = visitor.get("/dashboard.xlsx?year=2018").await;
        assert_eq!(workbook.status, StatusCode::OK);
        assert!(
            workbook.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .contains("spreadsheetml")
        );
        let sheet = zhizao_sheets::read_sheet("dashboard.xlsx", &workbook.body, 1000).unwrap();
        let granted = sheet
            .rows
            .iter()
            .find(|row| row.cells.get(1).is_some_and(|c| c == "核定资助金额"))
            .unwrap_or_else(|| panic!("{:?}", sheet.rows));
        assert_eq!(granted.cells[2], "880400");

        // A town's staff drill into their own town only.
        let mut town = Visitor::new(&app);
        town.sign_in("xiaolan").await;
        assert_eq!(town.get("/dashboard").await.status, StatusCode::OK);
        assert_eq!(
            town.get("/dashboard?town=442000111").await.status,
            StatusCode::NOT_FOUND
        );
        let mut maker = Visitor::new(&app);
        maker.sign_in("maker").await;
        assert_eq!(maker.get("/dashboard").await.status, StatusCode::FORBIDDEN);
        assert!(!maker.get("/").await.text().contains(r#"href="/dashboard""#));
    }
}
