//! The `zhizao` binary as an operator runs it: a telemetry write acknowledged over HTTP survives
//! `kill -9`, and the platform comes back with it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn zhizao(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zhizao"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env("ZHIZAO_LOG", "warn");
    command
}

fn start(data_dir: &std::path::Path) -> Server {
    let mut child = zhizao(data_dir)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--mqtt-listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let address = loop {
        assert!(Instant::now() < deadline, "the server did not start");
        let line = lines
            .next()
            .expect("the server prints its address")
            .unwrap();
        if let Some(rest) = line.strip_prefix("Zhizao is running at http://") {
            break rest.split('/').next().unwrap().to_owned();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, address }
}

/// One HTTP/1.1 request; returns the status code and body.
fn http(
    address: &str,
    method: &str,
    path: &str,
    token: &str,
    content_type: &str,
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Token {token}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn acknowledged_telemetry_survives_kill_9() {
    let data = tempfile::tempdir().unwrap();
    let demo = zhizao(data.path()).arg("demo").output().unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let token = zhizao(data.path())
        .args([
            "token",
            "create",
            "--username",
            "maker",
            "--name",
            "durability",
        ])
        .output()
        .unwrap();
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let token = String::from_utf8(token.stdout).unwrap().trim().to_owned();

    let server = start(data.path());
    let mut acknowledged = 0;
    for batch in 0..40 {
        let lines: String = (0..25)
            .map(|i| {
                format!(
                    "press,device=p{i} temperature={}.5 {}\n",
                    batch,
                    1_795_700_000_000_000_000i64 + batch * 1000 + i
                )
            })
            .collect();
        let (status, body) = http(
            &server.address,
            "POST",
            "/api/v2/write?bucket=plant",
            &token,
            "text/plain",
            &lines,
        );
        assert_eq!(status, 204, "{body}");
        acknowledged += 25;
    }
    // kill -9: no chance to flush anything that was not already durable.
    drop(server);

    let server = start(data.path());
    let query = r#"{"sql": "SELECT count(*) AS n FROM press", "database": "plant"}"#;
    let (status, body) = http(
        &server.address,
        "POST",
        "/api/v1/query",
        &token,
        "application/json",
        query,
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(&format!("\"n\":{acknowledged}")),
        "expected {acknowledged} points: {body}"
    );
}
