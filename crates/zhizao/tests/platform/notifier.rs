//! Messages reach people through the city's gateway: `serve --notification-webhook` posts each
//! outbox message (an approved sign-up, a password-reset link starting with --public-url) as
//! JSON, and tries again when the gateway refuses.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{http_with, run, serve_with};

/// A gateway on a free port that refuses its first message with 503 and takes the rest;
/// returns its address and what it took.
fn gateway() -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let taken = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&taken);
    std::thread::spawn(move || {
        let mut refused = false;
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).ok();
            let status = if refused {
                kept.lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
                "200 OK"
            } else {
                refused = true;
                "503 Service Unavailable"
            };
            write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .ok();
        }
    });
    (address, taken)
}

#[test]
fn messages_go_through_the_gateway_and_are_retried() {
    let data = tempfile::tempdir().unwrap();
    run(data.path(), &["demo"]);
    let token = run(
        data.path(),
        &[
            "token",
            "create",
            "--username",
            "xiaolan",
            "--name",
            "gateway test",
        ],
    )
    .trim()
    .to_owned();
    let (gateway, taken) = gateway();
    let webhook = format!("http://{gateway}/send");
    let platform = serve_with(
        data.path(),
        &[
            "--notification-webhook",
            &webhook,
            "--public-url",
            "https://zhizao.example",
        ],
        &[],
    );
    let public = |path: &str, body: Value| {
        http_with(
            &platform.http,
            "POST",
            path,
            &[("Content-Type", "application/json")],
            &body.to_string(),
        )
    };
    let code = zhizao_core::CreditCode::from_parts('9', '1', "442000", "6GATEWAY")
        .unwrap()
        .to_string();
    let (status, body) = public(
        "/api/v1/signups",
        json!({
            "credit_code": code, "enterprise_name": "中山市网关测试家电有限公司",
            "legal_representative": "罗九", "town": "442000118", "industry_code": "3856",
            "contact_name": "罗九", "phone": "13500000009", "email": "gateway@example.com",
            "username": "gateway.test", "password": "Gateway-Test-2026"
        }),
    );
    assert_eq!(status, 202, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"].clone();
    let (status, body) = http_with(
        &platform.http,
        "POST",
        &format!("/api/v1/signups/{id}/decision"),
        &[
            ("Authorization", &format!("Bearer {token}")),
            ("Content-Type", "application/json"),
            ("If-Match", "\"1\""),
        ],
        &json!({"approve": true}).to_string(),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = public(
        "/api/v1/password-resets",
        json!({"login": "gateway@example.com"}),
    );
    assert_eq!(status, 202, "{body}");

    // Both messages arrive, the first after the gateway refused it once.
    let deadline = Instant::now() + Duration::from_secs(60);
    while taken.lock().unwrap().len() < 2 {
        assert!(
            Instant::now() < deadline,
            "the gateway took {:?}",
            taken.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let taken = taken.lock().unwrap().clone();
    assert!(
        taken
            .iter()
            .all(|m| m["channel"] == "email" && m["recipient"] == "gateway@example.com")
    );
    let bodies: Vec<&str> = taken.iter().filter_map(|m| m["body"].as_str()).collect();
    assert!(
        bodies.iter().any(|b| b.contains("已审核通过")),
        "{bodies:?}"
    );
    assert!(
        bodies
            .iter()
            .any(|b| b.contains("https://zhizao.example/password/reset/")),
        "{bodies:?}"
    );
}
