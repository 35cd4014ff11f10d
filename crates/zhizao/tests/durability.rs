//! The `zhizao` binary as an operator runs it: a telemetry write acknowledged over HTTP survives
//! `kill -9`, and the platform comes back with it; with object storage configured, telemetry
//! files go to the bucket.

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
    start_with(data_dir, &[], &[])
}

/// `zhizao serve` on free ports with `options` and `environment` added.
fn start_with(
    data_dir: &std::path::Path,
    options: &[&str],
    environment: &[(&str, &str)],
) -> Server {
    let mut child = zhizao(data_dir)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--mqtt-listen",
            "127.0.0.1:0",
        ])
        .args(options)
        .envs(environment.iter().copied())
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

/// A data directory with the demo data and an API token of the demo enterprise's user.
fn demo_with_token(data: &std::path::Path) -> String {
    let demo = zhizao(data).arg("demo").output().unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let token = zhizao(data)
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
    String::from_utf8(token.stdout).unwrap().trim().to_owned()
}

#[test]
fn acknowledged_telemetry_survives_kill_9() {
    let data = tempfile::tempdir().unwrap();
    let token = demo_with_token(data.path());

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

/// Every file under `directory` whose name ends in `.parquet`.
fn parquet_under(directory: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![directory.to_owned()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory)
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.to_string_lossy().ends_with(".parquet") {
                found.push(path);
            }
        }
    }
    found
}

/// `serve --telemetry-object-store`: a real S3 protocol server (s3s over a directory, signed
/// requests) gets the Parquet files when the platform stops; the data directory keeps none,
/// and a restarted platform answers from the bucket.
#[cfg(feature = "s3")]
#[test]
fn telemetry_files_go_to_the_configured_object_storage() {
    const ACCESS_KEY: &str = "zhizao-e2e";
    const SECRET_KEY: &str = "zhizao-e2e-secret-0123456789";
    let bucket_root = tempfile::tempdir().unwrap();
    std::fs::create_dir(bucket_root.path().join("telemetry")).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let endpoint = runtime.block_on(async {
        let mut builder = s3s::service::S3ServiceBuilder::new(
            s3s_fs::FileSystem::new(bucket_root.path()).unwrap(),
        );
        builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let service = builder.build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let service = service.clone();
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(socket), service),
                );
            }
        });
        endpoint
    });

    let data = tempfile::tempdir().unwrap();
    let token = demo_with_token(data.path());
    let options = ["--telemetry-object-store", "s3://telemetry/zhongshan"];
    let environment = [
        ("AWS_ENDPOINT", endpoint.as_str()),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
    ];
    // Wrong credentials: the platform refuses to start and says why.
    let refused = zhizao(data.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--mqtt-listen", "off"])
        .args(options)
        .envs(environment.iter().copied())
        .env("AWS_SECRET_ACCESS_KEY", "not-the-secret")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("telemetry_object_store")
            && stderr.contains("cannot use the object storage s3://telemetry/zhongshan"),
        "{stderr}"
    );

    let mut server = start_with(data.path(), &options, &environment);
    let lines: String = (0..300)
        .map(|i| {
            format!(
                "press,device=p{} temperature={i}.5 {}\n",
                i % 6,
                1_795_700_000_000_000_000i64 + i * 1_000_000_000
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
    // A graceful stop persists everything.
    let stopped = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    let store_id = std::fs::read_to_string(data.path().join("telemetry/store-id")).unwrap();
    let objects = parquet_under(
        &bucket_root
            .path()
            .join(format!("telemetry/zhongshan/{store_id}/tables")),
    );
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert!(
        parquet_under(data.path()).is_empty(),
        "no Parquet file in the data directory: {:?}",
        parquet_under(data.path())
    );
    drop(server);

    let server = start_with(data.path(), &options, &environment);
    let query = r#"{"sql": "SELECT count(*) AS n, count(DISTINCT device) AS d FROM press", "database": "plant"}"#;
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
        body.contains("\"n\":300") && body.contains("\"d\":6"),
        "{body}"
    );
    drop(runtime);
}
