//! Devices over HTTP: profiles and devices through the REST API, the ThingsBoard device API
//! with the device's token, line protocol with a device token, latest values, charts, live
//! updates and commands; a device speaks only for itself.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use crate::support::{TestApp, apps};

/// Creates the maker's `cnc` profile and device `press-07`; returns the device's token.
pub(crate) async fn maker_device(app: &TestApp) -> String {
    let reply = app
        .api(
            "POST",
            "/api/v1/device-profiles",
            Some("maker"),
            Some(json!({
                "name": "cnc",
                "description": "五轴加工中心",
                "table_name": "machine_telemetry",
                "telemetry": [
                    {"name": "temperature", "type": "float", "unit": "°C", "label": "温度"},
                    {"name": "spindle_rpm", "type": "integer", "unit": "rpm", "label": "主轴转速"}
                ],
                "attributes": [{"name": "firmware", "label": "固件版本"}],
                "commands": [{"name": "setSpeed", "label": "设定转速", "params": ["rpm"]}]
            })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let reply = app
        .api(
            "POST",
            "/api/v1/devices",
            Some("maker"),
            Some(json!({"name": "press-07", "profile": "cnc", "label": "冲压机 7 号"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert_eq!(reply.headers[header::LOCATION], "/api/v1/devices/press-07");
    let body = reply.json();
    assert_eq!(body["device"]["profile"], "cnc");
    body["token"].as_str().unwrap().to_owned()
}

async fn line_write(
    app: &TestApp,
    authorization: &str,
    path: &str,
    body: &str,
) -> crate::support::Reply {
    let request = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::AUTHORIZATION, authorization)
        .body(Body::from(body.to_owned()))
        .unwrap();
    app.send(request).await
}

#[tokio::test]
async fn a_device_writes_as_itself_and_its_enterprise_sees_it() {
    for app in apps().await {
        let token = maker_device(&app).await;
        // The three ThingsBoard telemetry shapes.
        for body in [
            json!({"temperature": 70.5, "spindle_rpm": 1200}),
            json!({"ts": 1_700_000_010_000i64, "values": {"temperature": 60.0}}),
            json!([{"ts": 1_700_000_070_000i64, "values": {"temperature": 61.0}}, {"spindle_rpm": 1300}]),
        ] {
            let reply = app
                .send_device("/api/v1/{token}/telemetry", &token, body.clone())
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{body}: {}", reply.text());
        }
        // Bad messages name the position and store nothing.
        let reply = app
            .send_device("/api/v1/{token}/telemetry", &token, json!([{"a": 1}, 7]))
            .await;
        let problem = reply.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "body[1]", "{problem}");
        let reply = app
            .send_device(
                "/api/v1/{token}/telemetry",
                &token,
                json!({"device": "press-08", "t": 1}),
            )
            .await;
        reply.problem(StatusCode::UNPROCESSABLE_ENTITY);
        let reply = app
            .send_device(
                "/api/v1/{token}/telemetry",
                &token,
                json!({"temperature": "hot"}),
            )
            .await;
        reply.problem(StatusCode::UNPROCESSABLE_ENTITY);

        // Line protocol with the device token: tagged with the device, another device refused.
        let reply = line_write(
            &app,
            &format!("Token {token}"),
            "/api/v2/write?bucket=default&org=x&precision=ms",
            "machine_telemetry temperature=80.25 1700000100000\n",
        )
        .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
        let reply = line_write(
            &app,
            &format!("Token {token}"),
            "/api/v2/write?bucket=default&org=x&precision=ms",
            "machine_telemetry,device=press-08 temperature=1 1700000100000\n",
        )
        .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
        assert!(
            reply.text().contains("cannot write as \\\"press-08\\\""),
            "{}",
            reply.text()
        );
        let reply = line_write(
            &app,
            &format!("Token {token}"),
            "/write?db=elsewhere",
            "machine_telemetry temperature=1\n",
        )
        .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
        // A device token neither queries nor calls the rest of the API.
        let reply = line_write(
            &app,
            &format!("Token {token}"),
            "/api/v3/query_sql?q=SELECT%201",
            "",
        )
        .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
        let request = Request::builder()
            .uri("/api/v1/enterprises")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(app.send(request).await.status, StatusCode::FORBIDDEN);

        // The enterprise sees every accepted point under the device's name, and nothing else.
        let reply = app
            .api(
                "POST",
                "/api/v1/query",
                Some("maker"),
                Some(json!({"sql": "SELECT device, count(*) AS n FROM machine_telemetry GROUP BY device"})),
            )
            .await;
        assert_eq!(
            reply.json(),
            json!([{"device": "press-07", "n": 5}]),
            "{}",
            reply.text()
        );
        let reply = app
            .api(
                "POST",
                "/api/v1/query",
                Some("rival"),
                Some(json!({"sql": "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'machine_telemetry'"})),
            )
            .await;
        assert_eq!(reply.json(), json!([{"n": 0}]));

        // Latest values, labelled from the profile.
        let latest = app
            .api(
                "GET",
                "/api/v1/devices/press-07/latest",
                Some("maker"),
                None,
            )
            .await
            .json();
        let values = latest["values"].as_array().unwrap();
        let temperature = values.iter().find(|v| v["field"] == "temperature").unwrap();
        assert_eq!(temperature["label"], "温度");
        assert_eq!(temperature["unit"], "°C");
        assert_eq!(
            temperature["value"], 70.5,
            "the newest point, which came first: {latest}"
        );
        let rpm = values.iter().find(|v| v["field"] == "spindle_rpm").unwrap();
        assert_eq!(rpm["value"], 1300);

        // A chart series, averaged into buckets on the server.
        let series = app
            .api(
                "GET",
                "/api/v1/devices/press-07/series?field=temperature&from=1700000010000&to=1700000190000&points=2",
                Some("maker"),
                None,
            )
            .await;
        assert_eq!(series.status, StatusCode::OK, "{}", series.text());
        let series = series.json();
        assert_eq!(series["bucket_ms"], 90_000);
        assert_eq!(series["unit"], "°C");
        assert_eq!(
            series["points"],
            json!([
                [1_700_000_010_000i64, 60.5, 60.0, 61.0, 2],
                [1_700_000_100_000i64, 80.25, 80.25, 80.25, 1]
            ])
        );
        for bad in [
            "field=nope",
            "field=temperature&from=yesterday",
            "field=temperature&from=5&to=1",
            "",
        ] {
            app.api(
                "GET",
                &format!("/api/v1/devices/press-07/series?{bad}"),
                Some("maker"),
                None,
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        }

        // Attributes the device reports.
        let reply = app
            .send_device(
                "/api/v1/{token}/attributes",
                &token,
                json!({"firmware": "2.1.0"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let attributes = app
            .api(
                "GET",
                "/api/v1/devices/press-07/attributes",
                Some("maker"),
                None,
            )
            .await
            .json();
        assert_eq!(attributes["client"], json!({"firmware": "2.1.0"}));
        let request = Request::builder()
            .uri(format!(
                "/api/v1/{token}/attributes?clientKeys=firmware,other"
            ))
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            app.send(request).await.json(),
            json!({"client": {"firmware": "2.1.0"}, "shared": {}})
        );

        // A disabled device's token stops working at once.
        let reply = app
            .api(
                "PATCH",
                "/api/v1/devices/press-07",
                Some("maker"),
                Some(json!({"disabled": true})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        app.send_device("/api/v1/{token}/telemetry", &token, json!({"t": 1}))
            .await
            .problem(StatusCode::UNAUTHORIZED);
        let reply = line_write(&app, &format!("Token {token}"), "/write", "m t=1\n").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_command_reaches_the_device_and_its_answer_comes_back() {
    for app in apps().await {
        let token = maker_device(&app).await;
        let offline = app
            .api(
                "POST",
                "/api/v1/devices/press-07/rpc",
                Some("maker"),
                Some(json!({"method": "setSpeed", "params": {"rpm": 900}})),
            )
            .await;
        offline.problem(StatusCode::CONFLICT);
        let unknown = app
            .api(
                "POST",
                "/api/v1/devices/press-07/rpc",
                Some("maker"),
                Some(json!({"method": "selfDestruct"})),
            )
            .await;
        unknown.problem(StatusCode::UNPROCESSABLE_ENTITY);

        // The device long-polls, gets the command and answers it.
        let device = {
            let app = app.router.clone();
            let token = token.clone();
            tokio::spawn(async move {
                use tower::ServiceExt;
                let poll = Request::builder()
                    .uri(format!("/api/v1/{token}/rpc?timeout=5000"))
                    .body(Body::empty())
                    .unwrap();
                let response = app.clone().oneshot(poll).await.unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                let bytes = http_body_util::BodyExt::collect(response.into_body())
                    .await
                    .unwrap()
                    .to_bytes();
                let command: Value = serde_json::from_slice(&bytes).unwrap();
                assert_eq!(command["method"], "setSpeed");
                assert_eq!(command["params"], json!({"rpm": 900}));
                let answer = Request::builder()
                    .method("POST")
                    .uri(format!("/api/v1/{token}/rpc/{}", command["id"]))
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(r#"{"rpm": 900, "ok": true}"#))
                    .unwrap();
                let response = app.oneshot(answer).await.unwrap();
                assert_eq!(response.status(), StatusCode::OK);
            })
        };
        let mut answer = None;
        for _ in 0..100 {
            let reply = app
                .api(
                    "POST",
                    "/api/v1/devices/press-07/rpc",
                    Some("maker"),
                    Some(json!({"method": "setSpeed", "params": {"rpm": 900}, "timeout_ms": 5000})),
                )
                .await;
            if reply.status == StatusCode::CONFLICT {
                // The device's poll has not subscribed yet.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            answer = Some(reply);
            break;
        }
        let answer = answer.expect("the device connected");
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        assert_eq!(answer.json(), json!({"response": {"rpm": 900, "ok": true}}));
        device.await.unwrap();
        // Nobody waits for a second answer.
        app.send_device("/api/v1/{token}/rpc/999", &token, json!({}))
            .await
            .problem(StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn devices_are_registered_from_a_spreadsheet_all_or_nothing() {
    for app in apps().await {
        maker_device(&app).await;
        let send = |body: &'static str| {
            let request = Request::builder()
                .method("POST")
                .uri("/api/v1/devices/import")
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", app.tokens["maker"]),
                )
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(body))
                .unwrap();
            app.send(request)
        };
        let reply = send("设备名称,设备型号\npress-07,cnc\npress-09,lathe\n").await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let report = reply.json();
        assert_eq!(report["applied"], false);
        assert_eq!(report["errors"][0]["row"], 2);
        assert_eq!(report["errors"][1]["column"], "B 设备型号");
        let reply =
            send("设备名称,设备型号,显示名称\npress-08,cnc,八号\npress-09,cnc,九号\n").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let report = reply.json();
        assert_eq!(report["created"].as_array().unwrap().len(), 2);
        let token = report["created"][1]["token"].as_str().unwrap();
        let reply = app
            .send_device(
                "/api/v1/{token}/telemetry",
                token,
                json!({"temperature": 20.0}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        let list = app
            .api("GET", "/api/v1/devices?q=九", Some("maker"), None)
            .await
            .json();
        assert_eq!(list["total"], 1);
        assert_eq!(list["items"][0]["name"], "press-09");
        // Other roles have no devices.
        app.api("GET", "/api/v1/devices", Some("admin"), None)
            .await
            .problem(StatusCode::FORBIDDEN);
        let rival = app
            .api("GET", "/api/v1/devices", Some("rival"), None)
            .await
            .json();
        assert_eq!(rival["total"], 0);
    }
}

#[tokio::test]
async fn live_values_are_pushed_as_server_sent_events() {
    for app in apps().await {
        let token = maker_device(&app).await;
        app.send_device(
            "/api/v1/{token}/telemetry",
            &token,
            json!({"temperature": 33.5}),
        )
        .await;
        let request = Request::builder()
            .uri("/api/v1/devices/press-07/live")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", app.tokens["maker"]),
            )
            .body(Body::empty())
            .unwrap();
        use tower::ServiceExt;
        let response = app.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/event-stream"
        );
        let mut body = response.into_body().into_data_stream();
        use futures::StreamExt;
        let first = tokio::time::timeout(Duration::from_secs(5), body.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let text = String::from_utf8_lossy(&first).into_owned();
        assert!(text.starts_with("event: latest"), "{text}");
        assert!(text.contains("33.5"), "{text}");
        // A new value is pushed without asking.
        app.send_device(
            "/api/v1/{token}/telemetry",
            &token,
            json!({"temperature": 34.5}),
        )
        .await;
        let mut pushed = String::new();
        while !pushed.contains("34.5") {
            let chunk = tokio::time::timeout(Duration::from_secs(5), body.next())
                .await
                .expect("pushed within the interval")
                .unwrap()
                .unwrap();
            pushed.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}
