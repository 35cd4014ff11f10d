//! Marker making through the API and the pages: a factory's staff upload a garment CAD
//! pattern, watch a marker run to its end, plan the cut of a size × colour order, and download
//! the markers; the city reads; bad input is named and changes nothing.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use crate::pages::Visitor;
use crate::support::{Reply, TestApp, apps, multipart};

const DXF: &[u8] = include_bytes!("../../../zhizao-nesting/tests/data/dxf/simple-sizes-26-36.DXF");

/// A multipart body of text fields and one file.
async fn upload(
    app: &TestApp,
    user: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Reply {
    let (content_type, body) = multipart(fields, file);
    app.send(
        Request::builder()
            .method("POST")
            .uri("/api/v1/factories/polish/patterns")
            .header("authorization", format!("Bearer {}", app.tokens[user]))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// Polls a run until it has ended.
async fn finished(app: &TestApp, user: &str, path: &str) -> Value {
    let started = std::time::Instant::now();
    loop {
        let run = app.api("GET", path, Some(user), None).await.json();
        if !["queued", "running"].contains(&run["status"].as_str().unwrap_or_default()) {
            return run;
        }
        assert!(
            started.elapsed().as_secs() < 120,
            "the run never ended: {run}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The polishing platform's staff (the test's one factory) upload the trousers pattern and
/// nest it; returns the pattern's and the finished run's ids.
pub(crate) async fn seed_run(app: &TestApp) -> (i64, i64) {
    let reply = upload(
        app,
        "polisher",
        &[("name", "西裤"), ("width_cm", "150"), ("spacing_mm", "2")],
        Some(("trousers.DXF", DXF)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let pattern = reply.json()["id"].as_i64().unwrap();
    let reply = app
        .api(
            "POST",
            &format!("/api/v1/factories/polish/patterns/{pattern}/runs"),
            Some("polisher"),
            Some(json!({"kind": "marker", "time_limit_s": 30, "threads": 1})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    let run = reply.json()["id"].as_i64().unwrap();
    let done = finished(
        app,
        "polisher",
        &format!("/api/v1/factories/polish/patterns/{pattern}/runs/{run}"),
    )
    .await;
    assert_eq!(done["status"], "done", "{done}");
    (pattern, run)
}

#[tokio::test]
async fn staff_upload_a_pattern_nest_it_and_download_the_marker() {
    for app in apps().await {
        // Bad input is named; nothing is kept.
        for (fields, file, field) in [
            (vec![("name", "西裤")], None, "file"),
            (
                vec![("name", "西裤"), ("width_cm", "150")],
                Some((
                    "x.dxf",
                    &b"0\nSECTION\n2\nENTITIES\n0\nENDSEC\n0\nEOF\n"[..],
                )),
                "file",
            ),
            (vec![("name", "西裤")], Some(("x.dxf", DXF)), "width_cm"),
        ] {
            let reply = upload(&app, "polisher", &fields, file).await;
            let problem = reply.problem(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        let reply = upload(
            &app,
            "polisher",
            &[("name", "西裤"), ("width_cm", "wide")],
            Some(("x.dxf", DXF)),
        )
        .await;
        reply.problem(StatusCode::BAD_REQUEST);
        let listed = app
            .api(
                "GET",
                "/api/v1/factories/polish/patterns",
                Some("admin"),
                None,
            )
            .await;
        assert_eq!(listed.json(), json!([]));
        // The city reads the factory's patterns but does not upload.
        upload(&app, "admin", &[("name", "西裤")], Some(("x.dxf", DXF)))
            .await
            .problem(StatusCode::FORBIDDEN);

        let (pattern, run) = seed_run(&app).await;
        let detail = app
            .api(
                "GET",
                &format!("/api/v1/factories/polish/patterns/{pattern}"),
                Some("admin"),
                None,
            )
            .await
            .json();
        assert_eq!(detail["problem"]["unit"], "in", "{detail}");
        assert_eq!(detail["runs"][0]["status"], "done");
        assert!(
            detail["runs"][0]["result"].is_null(),
            "lists carry no markers"
        );
        let base = format!("/api/v1/factories/polish/patterns/{pattern}/runs/{run}");
        let run_json = app.api("GET", &base, Some("admin"), None).await.json();
        assert_eq!(run_json["result"]["format"], "zhizao-marker");
        assert_eq!(run_json["progress_per_mille"], 1000);
        let svg = app
            .api("GET", &format!("{base}/marker"), Some("admin"), None)
            .await;
        assert_eq!(svg.status, StatusCode::OK);
        assert_eq!(svg.content_type(), "image/svg+xml");
        assert!(svg.text().contains("<svg"));
        let plt = app
            .api(
                "GET",
                &format!("{base}/marker?format=plt"),
                Some("polisher"),
                None,
            )
            .await;
        assert!(plt.text().starts_with("IN;"), "{}", plt.text());
        app.api(
            "GET",
            &format!("{base}/marker?format=dwg"),
            Some("polisher"),
            None,
        )
        .await
        .problem(StatusCode::BAD_REQUEST);
        app.api(
            "GET",
            &format!("{base}/marker?marker=3"),
            Some("polisher"),
            None,
        )
        .await
        .problem(StatusCode::NOT_FOUND);
        // A run's options are checked before it is queued; an ended run is not stopped.
        let runs = format!("/api/v1/factories/polish/patterns/{pattern}/runs");
        let problem = app
            .api(
                "POST",
                &runs,
                Some("polisher"),
                Some(json!({"kind": "marker", "time_limit_s": 0, "threads": 1})),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "time_limit_s");
        app.api(
            "POST",
            &runs,
            Some("admin"),
            Some(json!({"kind": "marker", "time_limit_s": 5, "threads": 1})),
        )
        .await
        .problem(StatusCode::FORBIDDEN);
        app.api("POST", &format!("{base}/stop"), Some("polisher"), None)
            .await
            .problem(StatusCode::CONFLICT);
    }
}

#[tokio::test]
async fn the_pages_upload_run_and_plan_the_cut() {
    for app in apps().await {
        let mut staff = Visitor::new(&app);
        staff.sign_in("polisher").await;
        let page = staff.get("/factories/polish/patterns").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("id=\"no-patterns\""));
        assert!(page.text().contains("id=\"pattern-form\""));
        let csrf = staff.csrf();
        // An upload without a width is shown again with the problem and the input kept.
        let (content_type, body) = multipart(
            &[("csrf_token", &csrf), ("name", "衬衫 S–L")],
            Some(("shirt.dxf", DXF)),
        );
        let reply = staff
            .send(
                Request::builder()
                    .method("POST")
                    .uri("/factories/polish/patterns")
                    .header(header::CONTENT_TYPE, content_type.clone()),
                Body::from(body),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.text().contains("DXF 纸样需要填写面料幅宽"));
        assert!(reply.text().contains("衬衫 S–L"));
        let (content_type, body) = multipart(
            &[
                ("csrf_token", &csrf),
                ("name", "西裤"),
                ("width_cm", "150"),
                ("spacing_mm", "2"),
                ("rotations", "two_way"),
            ],
            Some(("trousers.DXF", DXF)),
        );
        let reply = staff
            .send(
                Request::builder()
                    .method("POST")
                    .uri("/factories/polish/patterns")
                    .header(header::CONTENT_TYPE, content_type),
                Body::from(body),
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let location = reply.headers[header::LOCATION].to_str().unwrap().to_owned();
        let pattern_path = location.split('?').next().unwrap().to_owned();
        let page = staff.get(&location).await;
        assert_eq!(page.status, StatusCode::OK);
        let text = page.text();
        assert!(text.contains("<path d=\"M"), "pieces are drawn");
        assert!(text.contains("id=\"marker-form\"") && text.contains("id=\"cut-plan-form\""));
        // A bad time limit is named on the page.
        let reply = staff
            .post(
                &format!("{pattern_path}/runs"),
                &[
                    ("csrf_token", &csrf),
                    ("kind", "marker"),
                    ("time_limit_s", "soon"),
                    ("threads", "1"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.text().contains("“soon”不是整数"), "{}", reply.text());
        let reply = staff
            .post(
                &format!("{pattern_path}/runs"),
                &[
                    ("csrf_token", &csrf),
                    ("kind", "marker"),
                    ("time_limit_s", "20"),
                    ("threads", "1"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let run_path = reply.headers[header::LOCATION].to_str().unwrap().to_owned();
        let api_path = format!("/api/v1{run_path}");
        finished(&app, "polisher", &api_path).await;
        let page = staff.get(&run_path).await.text();
        assert!(page.contains("data-status=\"done\""), "{page}");
        assert!(page.contains("id=\"downloads\""));
        assert!(!page.contains("factory-markers.js"), "no polling once done");

        // The cut plan of the pattern's sizes in two colours.
        let detail = app
            .api(
                "GET",
                &format!("/api/v1{pattern_path}"),
                Some("polisher"),
                None,
            )
            .await
            .json();
        let sizes = detail["sizes"].as_array().unwrap().len();
        let mut form: Vec<(String, String)> = [
            ("csrf_token", csrf.as_str()),
            ("kind", "cut_plan"),
            ("threads", "1"),
            ("plan_time_limit_s", "5"),
            ("max_plies", "30"),
            ("table_length_m", "12"),
            ("end_allowance_cm", "2"),
            ("max_garments", "3"),
            ("overcut_percent", "0"),
            ("fabric_yuan", "18"),
            ("marker_yuan", "30"),
            ("spread_yuan", "40"),
            ("colour_0", "藏青"),
            ("colour_1", "黑"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        for s in 0..sizes {
            form.push((format!("q_0_{s}"), "20".into()));
            form.push((format!("q_1_{s}"), "7".into()));
        }
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let reply = staff.post(&format!("{pattern_path}/runs"), &pairs).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let run_path = reply.headers[header::LOCATION].to_str().unwrap().to_owned();
        let plan = finished(&app, "polisher", &format!("/api/v1{run_path}")).await;
        assert_eq!(plan["status"], "done", "{plan}");
        for row in plan["result"]["cut"].as_array().unwrap() {
            assert_eq!(row[2], row[3], "ordered = cut: {row}");
        }
        let page = staff.get(&run_path).await.text();
        for id in ["plan-totals", "lays", "cut-quantities", "marker-1"] {
            assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
        }
        // The city reads the same pages without the forms.
        let mut city = Visitor::new(&app);
        city.sign_in("admin").await;
        let page = city.get(&pattern_path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.text().contains("id=\"marker-form\""));
        // Anyone else finds nothing.
        let mut maker = Visitor::new(&app);
        maker.sign_in("maker").await;
        for path in ["/factories/polish/patterns", &pattern_path, &run_path] {
            let reply = maker.get(path).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
            assert!(!reply.text().contains("西裤"));
        }
    }
}

#[tokio::test]
async fn an_orders_cut_plan_sets_the_lots_of_the_factory_plan() {
    for app in apps().await {
        crate::factories::seed_order(&app).await;
        let number = crate::factories::accepted_order(&app, 600).await;
        // A two-size pattern for the order, planned for its 600 pieces.
        let piece = |size: &str, id: &str, w: f64, h: f64| {
            json!({"id": format!("{size}-{id}"), "size": size, "demand": 2,
                "outline": [[0, 0], [w, 0], [w, h], [0, h]], "rotations": [0, 180]})
        };
        let problem = json!({"name": "tee", "unit": "cm", "width": 150, "spacing": 0.2,
            "pieces": [piece("S", "body", 50.0, 70.0), piece("S", "sleeve", 22.0, 20.0),
                       piece("M", "body", 54.0, 72.0), piece("M", "sleeve", 24.0, 21.0)]})
        .to_string();
        let reply = upload(
            &app,
            "polisher",
            &[("name", "T 恤"), ("order", &number)],
            Some(("tee.json", problem.as_bytes())),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        assert_eq!(reply.json()["order"], number.as_str());
        let pattern = reply.json()["id"].as_i64().unwrap();
        let cut = |quantities: Value| {
            json!({"kind": "cut_plan", "time_limit_s": 5, "threads": 1, "cut": {
                "quantities": quantities, "max_plies": 20, "table_length_m": 10,
                "max_garments_per_marker": 4, "fabric_per_metre": 1800,
                "marker_cost": 3000, "spread_cost": 4000}})
        };
        let runs = format!("/api/v1/factories/polish/patterns/{pattern}/runs");
        // A plan of other quantities than the order's does not touch the factory's plan; the
        // newest of the order's own does.
        let mut plan = Value::Null;
        for quantities in [
            json!([{"colour": "黑", "size": "S", "quantity": 10}]),
            json!([{"colour": "黑", "size": "S", "quantity": 250},
                   {"colour": "白", "size": "M", "quantity": 350}]),
        ] {
            let reply = app
                .api("POST", &runs, Some("polisher"), Some(cut(quantities)))
                .await;
            assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
            let id = reply.json()["id"].as_i64().unwrap();
            plan = finished(&app, "polisher", &format!("{runs}/{id}")).await;
            assert_eq!(plan["status"], "done", "{plan}");
        }
        let lays: Vec<i64> = plan["result"]["lays"]
            .as_array()
            .unwrap()
            .iter()
            .map(|lay| {
                let marker = &plan["result"]["markers"][lay["marker"].as_u64().unwrap() as usize];
                let per_ply: i64 = marker["ratio"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r[1].as_i64().unwrap())
                    .sum();
                lay["plies"].as_i64().unwrap() * per_ply
            })
            .collect();
        assert_eq!(lays.iter().sum::<i64>(), 600, "{lays:?}");
        let made = app
            .api(
                "POST",
                "/api/v1/factories/polish/plans",
                Some("polisher"),
                Some(json!({"pins": []})),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
        let version = made.json()["version"].as_i64().unwrap();
        let body = app
            .api(
                "GET",
                &format!("/api/v1/factories/polish/plans/{version}"),
                Some("polisher"),
                None,
            )
            .await
            .json();
        let mut first_steps: Vec<(i64, i64)> = body["operations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["order"] == number.as_str() && o["step"] == 1)
            .map(|o| (o["lot"].as_i64().unwrap(), o["pieces"].as_i64().unwrap()))
            .collect();
        first_steps.sort();
        let planned: Vec<i64> = first_steps.iter().map(|(_, pieces)| *pieces).collect();
        assert_eq!(planned, lays, "one lot a lay, in the plan's order");
    }
}
