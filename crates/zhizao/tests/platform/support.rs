//! The `zhizao` binary as an operator starts it, and the requests its clients send: what every
//! test of the binary shares.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A child process that is killed (`kill -9`) if the test ends before it does.
pub(crate) struct Running(pub(crate) Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `zhizao` on `data_dir`, logging warnings only.
pub(crate) fn zhizao(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zhizao"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env("ZHIZAO_LOG", "warn");
    command
}

/// Runs a `zhizao` command to completion and returns its standard output.
///
/// # Panics
/// When the command fails (with its standard error).
pub(crate) fn run(data_dir: &std::path::Path, args: &[&str]) -> String {
    let output = zhizao(data_dir).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "zhizao {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A data directory with the demo data, and a new API token of the demo enterprise's user.
pub(crate) fn demo_with_token(data_dir: &std::path::Path, name: &str) -> String {
    run(data_dir, &["demo"]);
    run(
        data_dir,
        &["token", "create", "--username", "maker", "--name", name],
    )
    .trim()
    .to_owned()
}

/// A platform: `zhizao serve` with HTTP and the MQTT broker on free ports.
pub(crate) struct Platform {
    pub(crate) process: Running,
    /// `host:port` of HTTP.
    pub(crate) http: String,
    /// `host:port` of the MQTT broker.
    pub(crate) mqtt: String,
}

/// `zhizao serve` on free ports.
pub(crate) fn serve(data_dir: &std::path::Path) -> Platform {
    serve_with(data_dir, &[], &[])
}

/// `zhizao serve` on free ports with `options` and `environment` added; returns once it says
/// where it listens.
///
/// # Panics
/// When it does not say so within three minutes (the demo's start writes a week of telemetry,
/// which takes a minute or more on two busy cores).
pub(crate) fn serve_with(
    data_dir: &std::path::Path,
    options: &[&str],
    environment: &[(&str, &str)],
) -> Platform {
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
        .stderr(if std::env::var_os("ZHIZAO_TEST_SERVER_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let process = Running(child);
    // Lines arrive through a thread, so a platform that stalls fails the test instead of
    // hanging it; the thread keeps draining stdout so the platform never blocks on the pipe.
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(180);
    let (mut http, mut mqtt) = (None, None);
    while http.is_none() || mqtt.is_none() {
        let line = received
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the platform prints its addresses within three minutes");
        if let Some(rest) = line.strip_prefix("Zhizao is running at http://") {
            http = rest.split('/').next().map(str::to_owned);
        } else if let Some(rest) = line.strip_prefix("MQTT broker for devices at mqtt://") {
            mqtt = Some(rest.trim().to_owned());
        }
    }
    std::thread::spawn(move || for _ in received {});
    Platform {
        process,
        http: http.unwrap(),
        mqtt: mqtt.unwrap(),
    }
}

/// Stops a platform as its supervisor would (SIGTERM) and waits for it.
pub(crate) fn stop(mut platform: Platform) {
    let pid = platform.process.0.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while platform.process.0.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the platform did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One HTTP/1.1 request with the `Authorization` header `authorization`; returns the status
/// and the body.
pub(crate) fn http(
    address: &str,
    method: &str,
    path: &str,
    authorization: &str,
    content_type: &str,
    body: &str,
) -> (u16, String) {
    http_with(
        address,
        method,
        path,
        &[
            ("Authorization", authorization),
            ("Content-Type", content_type),
        ],
        body,
    )
}

/// One HTTP/1.1 request with `headers`; returns the status and the body.
///
/// # Panics
/// When the platform cannot be reached or does not answer.
pub(crate) fn http_with(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let answer = try_http(address, method, path, headers, body).unwrap();
    (answer.status, answer.body)
}

/// An HTTP answer: its status, its header block and its body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) head: String,
    pub(crate) body: String,
}

/// One HTTP/1.1 request (read timeout `timeout`) for tests whose platform may go away
/// meanwhile (a `kill -9`, a database restart): a connection that fails is an error, not a
/// panic.
pub(crate) fn try_http(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<Answer> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    Ok(Answer {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    })
}

/// One JSON API call as the holder of `token`; returns the status and the body (`null` when
/// it is not JSON).
pub(crate) fn api(
    address: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let (status, text) = http(
        address,
        method,
        path,
        &format!("Bearer {token}"),
        "application/json",
        &body,
    );
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A PostgreSQL cluster of one test's own, which it may stop and start (the test script's
/// shared cluster serves every other test at once); as root it belongs to `postgres`.
pub(crate) struct OwnPostgres {
    bin: std::path::PathBuf,
    directory: tempfile::TempDir,
    pub(crate) url: String,
    port: u16,
}

impl OwnPostgres {
    /// A new cluster, started; `None` where PostgreSQL is not installed (reported through
    /// `missing`, which fails a run that must test everything).
    pub(crate) fn start() -> Option<OwnPostgres> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|b| b.join("initdb").exists())
            .max();
        let Some(bin) = bin else {
            zhizao_db::testing::missing("PostgreSQL's server programs (initdb, pg_ctl)");
            return None;
        };
        let directory = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = OwnPostgres {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            bin,
            directory,
            port,
        };
        if is_root() {
            assert!(
                Command::new("chown")
                    .arg("postgres")
                    .arg(cluster.directory.path())
                    .status()
                    .unwrap()
                    .success()
            );
        }
        let data = cluster.directory.path().join("data");
        assert!(
            cluster
                .as_postgres("initdb")
                .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "-D"])
                .arg(&data)
                .stdout(Stdio::null())
                .status()
                .unwrap()
                .success()
        );
        cluster.ctl("start");
        Some(cluster)
    }

    fn as_postgres(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    /// `pg_ctl start` (waiting until it accepts connections) or `stop` (fast: sessions are
    /// ended, as a restart for maintenance does).
    pub(crate) fn ctl(&self, action: &str) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off",
            self.port,
            self.directory.path().display()
        );
        let mut command = self.as_postgres("pg_ctl");
        command
            .arg("-D")
            .arg(self.directory.path().join("data"))
            .arg("-l")
            .arg(self.directory.path().join("log"))
            .args(["-w", "-m", "fast", "-o", &options, action])
            .stdout(Stdio::null());
        assert!(command.status().unwrap().success(), "pg_ctl {action}");
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = self
            .as_postgres("pg_ctl")
            .arg("-D")
            .arg(self.directory.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Every file under `root`, however deep (none when it does not exist).
pub(crate) fn files_under(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_owned()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory)
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}
