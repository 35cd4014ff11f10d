//! Telemetry over HTTP: InfluxDB-compatible writes and queries, JSON ingest, SQL, and tenants
//! that never see each other's points.

use std::io::Write;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use crate::support::{Reply, TestApp, apps};

async fn write(
    app: &TestApp,
    path: &str,
    authorization: Option<String>,
    body: Vec<u8>,
    gzip: bool,
) -> Reply {
    let mut request = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8");
    if let Some(authorization) = authorization {
        request = request.header(header::AUTHORIZATION, authorization);
    }
    if gzip {
        request = request.header(header::CONTENT_ENCODING, "gzip");
    }
    app.send(request.body(Body::from(body)).unwrap()).await
}

fn token(app: &TestApp, user: &str) -> Option<String> {
    Some(format!("Token {}", app.tokens[user]))
}

async fn sql(app: &TestApp, user: &str, query: &str, database: &str) -> Vec<Value> {
    let reply = app
        .api(
            "POST",
            "/api/v1/query",
            Some(user),
            Some(json!({"sql": query, "database": database})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text());
    reply.json().as_array().unwrap().clone()
}

#[tokio::test]
async fn influx_clients_write_and_read_their_own_telemetry() {
    for app in apps().await {
        let lines = "machine_telemetry,device=press-07,line=A temperature=71.5,spindle_rpm=1200i,running=true 1795700000000000000\n\
                     machine_telemetry,device=press-07,line=A temperature=72.0,spindle_rpm=1210i,running=true 1795700060000000000\n\
                     machine_telemetry,device=press-08,line=B temperature=65.25,spindle_rpm=900i,running=false 1795700000000000000\n";
        let reply = write(
            &app,
            "/api/v2/write?org=any&bucket=plant&precision=ns",
            token(&app, "maker"),
            lines.as_bytes().to_vec(),
            false,
        )
        .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());

        // InfluxDB 1.x with the token as password in ?p=, seconds precision, gzip.
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gzip.write_all(b"machine_telemetry,device=press-09 temperature=50 1795700120\n")
            .unwrap();
        let path = format!(
            "/write?db=plant&precision=s&u=maker&p={}",
            app.tokens["maker"]
        );
        let reply = write(&app, &path, None, gzip.finish().unwrap(), true).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());

        let rows = sql(&app, "maker", "SELECT device, count(*) AS n, max(temperature) AS hottest FROM machine_telemetry GROUP BY device ORDER BY device", "plant").await;
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[0],
            json!({"device": "press-07", "n": 2, "hottest": 72.0})
        );
        let per_minute = sql(
            &app,
            "maker",
            "SELECT date_bin(INTERVAL '1 minute', time) AS t, avg(temperature) AS avg_t FROM machine_telemetry \
             WHERE device = 'press-07' AND time > now() - INTERVAL '100 years' GROUP BY t ORDER BY t",
            "plant",
        )
        .await;
        assert_eq!(per_minute.len(), 2);

        // Another enterprise sees none of it, whatever it asks.
        let reply = write(
            &app,
            "/api/v2/write?bucket=plant",
            token(&app, "rival"),
            b"machine_telemetry,device=own x=1\n".to_vec(),
            false,
        )
        .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
        for query in [
            "SELECT * FROM machine_telemetry",
            "SELECT * FROM zhizao.plant.machine_telemetry WHERE device LIKE 'press%'",
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'spindle_rpm'",
        ] {
            let rows = sql(&app, "rival", query, "plant").await;
            assert!(
                !Value::Array(rows.clone()).to_string().contains("press")
                    && !Value::Array(rows)
                        .to_string()
                        .contains("machine_telemetry\""),
                "{query}"
            );
        }
        let stolen = app
            .api(
                "POST",
                "/api/v1/query",
                Some("rival"),
                Some(json!({"sql": "CREATE EXTERNAL TABLE x STORED AS PARQUET LOCATION '/'"})),
            )
            .await;
        assert_eq!(
            stolen.problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["field"],
            "sql"
        );

        // InfluxDB 3's SQL endpoint, in other formats.
        let uri = format!(
            "/api/v3/query_sql?db=plant&format=csv&q={}",
            form_urlencoded::byte_serialize(
                b"SELECT device FROM machine_telemetry ORDER BY device"
            )
            .collect::<String>()
        );
        let request = Request::builder()
            .uri(uri)
            .header(header::AUTHORIZATION, token(&app, "maker").unwrap())
            .body(Body::empty())
            .unwrap();
        let reply = app.send(request).await;
        assert_eq!(reply.content_type(), "text/csv; charset=utf-8");
        assert_eq!(
            reply.text(),
            "device\npress-07\npress-07\npress-08\npress-09\n"
        );
        for (format, content_type, magic) in [
            ("parquet", "application/vnd.apache.parquet", &b"PAR1"[..]),
            (
                "arrow",
                "application/vnd.apache.arrow.stream",
                &b"\xff\xff\xff\xff"[..],
            ),
        ] {
            let reply = app
                .api(
                    "POST",
                    "/api/v1/query",
                    Some("maker"),
                    Some(json!({"sql": "SELECT 1 AS one", "format": format})),
                )
                .await;
            assert_eq!(reply.content_type(), content_type);
            assert!(reply.body.starts_with(magic), "{format}");
        }
    }
}

#[tokio::test]
async fn bad_writes_are_refused_whole_in_influxdbs_format() {
    for app in apps().await {
        let body = b"ok,device=a value=1 1\nbroken,device=a value= 2\nalso bad\n".to_vec();
        let reply = write(
            &app,
            "/api/v2/write?bucket=plant",
            token(&app, "maker"),
            body,
            false,
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        let error = reply.json();
        assert_eq!(error["code"], "invalid");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("broken,device=a value= 2") && message.contains("also bad"),
            "{message}"
        );
        let empty = sql(
            &app,
            "maker",
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'plant'",
            "plant",
        )
        .await;
        assert!(empty.is_empty(), "nothing of the refused body was written");

        write(
            &app,
            "/api/v2/write?bucket=plant",
            token(&app, "maker"),
            b"m,device=a value=1i 1\n".to_vec(),
            false,
        )
        .await;
        let conflict = write(
            &app,
            "/api/v2/write?bucket=plant",
            token(&app, "maker"),
            b"m,device=a value=\"hot\" 2\n".to_vec(),
            false,
        )
        .await;
        assert_eq!(conflict.status, StatusCode::BAD_REQUEST);
        assert!(
            conflict.json()["message"]
                .as_str()
                .unwrap()
                .contains("field type conflict")
        );

        let anonymous = write(
            &app,
            "/api/v2/write?bucket=plant",
            None,
            b"m value=1\n".to_vec(),
            false,
        )
        .await;
        assert_eq!(
            (anonymous.status, anonymous.json()["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("unauthorized"))
        );
        let forged = write(
            &app,
            "/api/v2/write?bucket=plant",
            Some("Token zz_forged".into()),
            b"m value=1\n".to_vec(),
            false,
        )
        .await;
        assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
        let city = write(
            &app,
            "/api/v2/write?bucket=plant",
            token(&app, "staff"),
            b"m value=1\n".to_vec(),
            false,
        )
        .await;
        assert_eq!(city.status, StatusCode::FORBIDDEN);
        let no_bucket = write(
            &app,
            "/api/v2/write",
            token(&app, "maker"),
            b"m value=1\n".to_vec(),
            false,
        )
        .await;
        assert_eq!(no_bucket.status, StatusCode::BAD_REQUEST);
        let bad_precision = write(
            &app,
            "/api/v2/write?bucket=plant&precision=h",
            token(&app, "maker"),
            b"m value=1\n".to_vec(),
            false,
        )
        .await;
        assert_eq!(bad_precision.status, StatusCode::BAD_REQUEST);
        let traversal = write(
            &app,
            "/api/v2/write?bucket=..%2F..%2Fetc",
            token(&app, "maker"),
            b"m value=1\n".to_vec(),
            false,
        )
        .await;
        assert_eq!(traversal.status, StatusCode::BAD_REQUEST);
        let not_gzip = write(
            &app,
            "/api/v2/write?bucket=plant",
            token(&app, "maker"),
            b"plainly not gzip".to_vec(),
            true,
        )
        .await;
        assert_eq!(not_gzip.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn json_ingest_writes_typed_points() {
    for app in apps().await {
        let body = json!({"database": "products", "points": [
            {"table": "fridge", "device": "FR-001", "tags": {"model": "X9"}, "fields": {"temperature": -18.5, "door_open": false, "compressor_starts": 12}, "time": 1795700000000i64},
            {"table": "fridge", "device": "FR-001", "fields": {"temperature": -18.0, "mode": "eco"}, "time": "2026-11-26T10:00:00+08:00"}
        ]});
        let reply = app
            .api("POST", "/api/v1/telemetry", Some("maker"), Some(body))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_eq!(reply.json()["points"], 2);
        let rows = sql(
            &app,
            "maker",
            "SELECT device, model, compressor_starts, mode FROM fridge ORDER BY time",
            "products",
        )
        .await;
        // 10:00 in Shanghai is 02:00 UTC, before the other point's 09:33 UTC.
        assert_eq!(rows[0]["mode"], "eco");
        assert_eq!(rows[1]["compressor_starts"], 12);
        assert_eq!(rows[1]["model"], "X9");
        let bad = app
            .api("POST", "/api/v1/telemetry", Some("maker"), Some(json!({"points": [{"table": "fridge", "fields": {"x": [1]}, "time": "yesterday"}]})))
            .await;
        let problem = bad.problem(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            ["points[0].fields.x", "points[0].fields", "points[0].time"]
        );
        app.api(
            "POST",
            "/api/v1/telemetry",
            Some("staff"),
            Some(json!({"points": []})),
        )
        .await
        .problem(StatusCode::FORBIDDEN);
        let _ = &app.telemetry;
    }
}

#[tokio::test]
async fn each_enterprise_lists_its_databases_and_sets_their_retention() {
    for app in apps().await {
        let line = "machine_telemetry,device=press-07 temperature=70 1795700000000000000\n";
        for user in ["maker", "rival"] {
            let reply = write(
                &app,
                "/write?db=plant",
                token(&app, user),
                line.as_bytes().to_vec(),
                false,
            )
            .await;
            assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
        }
        let listed = app
            .api("GET", "/api/v1/telemetry/databases", Some("maker"), None)
            .await
            .json();
        assert_eq!(listed[0]["name"], "plant");
        assert_eq!(listed[0]["retention_days"], Value::Null);
        assert_eq!(listed[0]["tables"][0]["name"], "machine_telemetry");
        assert_eq!(listed[0]["tables"][0]["buffered_rows"], 1);
        assert_eq!(listed[0]["tables"][0]["columns"], 3);

        let path = "/api/v1/telemetry/databases/plant/retention";
        let set = app
            .api("PUT", path, Some("maker"), Some(json!({"days": 30})))
            .await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.text());
        assert_eq!(set.json()["retention_days"], 30);
        // A database that holds nothing yet may get a retention too.
        let empty = app
            .api(
                "PUT",
                "/api/v1/telemetry/databases/archive/retention",
                Some("maker"),
                Some(json!({"days": 3650})),
            )
            .await;
        assert_eq!(empty.json()["tables"], json!([]));

        for (body, field) in [
            (json!({"days": 0}), "days"),
            (json!({"days": 36_501}), "days"),
        ] {
            let problem = app
                .api("PUT", path, Some("maker"), Some(body))
                .await
                .problem(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        let problem = app
            .api(
                "PUT",
                "/api/v1/telemetry/databases/bad%20name!/retention",
                Some("maker"),
                Some(json!({"days": 1})),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "database", "{problem}");
        let problem = app
            .api("PUT", path, Some("maker"), Some(json!({"days": -1})))
            .await
            .problem(StatusCode::BAD_REQUEST);
        assert_eq!(problem["errors"][0]["field"], "days", "{problem}");

        // The rival's database of the same name is its own and unchanged.
        let rival = app
            .api("GET", "/api/v1/telemetry/databases", Some("rival"), None)
            .await
            .json();
        assert_eq!(rival.as_array().unwrap().len(), 1);
        assert_eq!(rival[0]["retention_days"], Value::Null);
        let maker = app
            .api("GET", "/api/v1/telemetry/databases", Some("maker"), None)
            .await
            .json();
        let names: Vec<(&str, &Value)> = maker
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["name"].as_str().unwrap(), &d["retention_days"]))
            .collect();
        assert_eq!(names, [("archive", &json!(3650)), ("plant", &json!(30))]);

        // The change is audited; clearing it keeps everything again.
        let audit = app
            .api(
                "GET",
                "/api/v1/audit?action=telemetry.retention_changed",
                Some("admin"),
                None,
            )
            .await
            .json();
        assert_eq!(audit["items"].as_array().unwrap().len(), 2, "{audit}");
        let cleared = app
            .api("PUT", path, Some("maker"), Some(json!({"days": null})))
            .await;
        assert_eq!(cleared.json()["retention_days"], Value::Null);
    }
}
