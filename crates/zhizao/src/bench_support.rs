//! What the telemetry benchmarks share: a Zhizao platform started as a child process on a
//! throw-away data directory, InfluxDB 1.x (Debian's `influxdb` package) started the same way,
//! an HTTP load generator, and process measurements.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use zhizao_identity::{Actor, Identity, IdentitySettings, PasswordHashing};

pub(crate) type HttpClient = Client<HttpConnector, Full<Bytes>>;

pub(crate) fn http_client() -> HttpClient {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(64)
        .build_http()
}

/// A free TCP port on the loopback interface.
pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The machine's logical CPU count, for the report.
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// A directory for a benchmark's data under `parent`, removed when dropped unless `keep`.
pub(crate) struct WorkDirectory {
    path: PathBuf,
    keep: bool,
}

/// Where a benchmark's throw-away data directories go (every benchmark takes these options).
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct WorkArgs {
    /// Where the throw-away data directories go [default: the system's temporary directory].
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// Keep the data directories afterwards.
    #[arg(long)]
    keep: bool,
}

impl WorkArgs {
    /// A new throw-away directory for the benchmark `name`.
    pub(crate) fn directory(&self, name: &str) -> anyhow::Result<WorkDirectory> {
        WorkDirectory::new(self.work_dir.as_deref(), name, self.keep)
    }
}

impl WorkDirectory {
    pub(crate) fn new(parent: Option<&Path>, name: &str, keep: bool) -> anyhow::Result<Self> {
        let parent = parent.map_or_else(std::env::temp_dir, Path::to_owned);
        let stamp = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
        let path = parent.join(format!(
            "zhizao-bench-{name}-{}-{stamp}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(WorkDirectory { path, keep })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for WorkDirectory {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("kept the benchmark's data in {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A child process that is stopped (SIGTERM, then SIGKILL after a grace period) when dropped.
pub(crate) struct ChildProcess {
    child: Option<Child>,
    name: &'static str,
}

impl ChildProcess {
    pub(crate) fn spawn(name: &'static str, command: &mut Command) -> anyhow::Result<Self> {
        let child = command.spawn().with_context(|| {
            format!(
                "cannot start {name} ({})",
                command.get_program().to_string_lossy()
            )
        })?;
        Ok(ChildProcess {
            child: Some(child),
            name,
        })
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Fails if the process has exited.
    pub(crate) fn check_running(&mut self) -> anyhow::Result<()> {
        if let Some(child) = &mut self.child
            && let Some(status) = child.try_wait()?
        {
            bail!("{} exited early: {status}", self.name);
        }
        Ok(())
    }

    /// Asks the process to stop and waits for it (at most `grace`, then kills it).
    pub(crate) fn stop(&mut self, grace: Duration) -> anyhow::Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        // A graceful stop (SIGTERM) lets the platform persist what it holds, as in production.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{} did not stop within {grace:?}; killing it", self.name);
        child.kill()?;
        child.wait()?;
        Ok(())
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        let _ = self.stop(Duration::from_secs(30));
    }
}

/// Resident memory of a process in bytes (Linux `/proc`), if it can be read.
pub(crate) fn resident_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Bytes of the regular files under `directory` whose name satisfies `include`.
pub(crate) fn directory_bytes(directory: &Path, include: &dyn Fn(&Path) -> bool) -> u64 {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| {
            let path = entry.path();
            match entry.metadata() {
                Ok(meta) if meta.is_dir() => directory_bytes(&path, include),
                Ok(meta) if include(&path) => meta.len(),
                _ => 0,
            }
        })
        .sum()
}

/// Waits until `url` answers 2xx.
pub(crate) async fn wait_until_ready(
    client: &HttpClient,
    url: &str,
    process: &mut ChildProcess,
    limit: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        process.check_running()?;
        let request = hyper::Request::get(url).body(Full::new(Bytes::new()))?;
        if let Ok(response) = client.request(request).await
            && response.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{url} did not answer within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A Zhizao platform in a child process, on its own data directory, with an enterprise user's
/// API token (the demo data set's `maker`).
pub(crate) struct Platform {
    pub(crate) process: ChildProcess,
    pub(crate) base: String,
    pub(crate) token: String,
    pub(crate) mqtt: Option<SocketAddr>,
}

impl Platform {
    /// Prepares `data_dir` (schema, the demo organisations and users, a token) and starts
    /// `zhizao serve` on it; with `mqtt`, the embedded broker listens too.
    pub(crate) async fn start(data_dir: &Path, mqtt: bool) -> anyhow::Result<Platform> {
        std::fs::create_dir_all(data_dir)?;
        let url = format!("sqlite://{}", data_dir.join("zhizao.sqlite3").display());
        let db = crate::platform_commands::prepare_database(data_dir, &url).await?;
        let clock = crate::platform_commands::system_clock();
        zhizao_demo::load(&db, &PasswordHashing::default(), &clock).await?;
        let identity = Identity::new(
            db.clone(),
            clock,
            PasswordHashing::default(),
            IdentitySettings::default(),
        );
        let token = identity
            .create_token_for_user(&Actor::command_line(), "maker", "benchmark")
            .await?
            .secret;
        db.close().await;

        let http_port = free_port()?;
        let mqtt_address = if mqtt {
            Some(SocketAddr::from(([127, 0, 0, 1], free_port()?)))
        } else {
            None
        };
        let log = std::fs::File::create(data_dir.join("zhizao.log"))?;
        let mut command = Command::new(std::env::current_exe()?);
        command
            .arg("--data-dir")
            .arg(data_dir)
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{http_port}"))
            .arg("--mqtt-listen")
            .arg(mqtt_address.map_or_else(|| "off".to_owned(), |a| a.to_string()))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        let mut process = ChildProcess::spawn("zhizao serve", &mut command)?;
        let base = format!("http://127.0.0.1:{http_port}");
        wait_until_ready(
            &http_client(),
            &format!("{base}/readyz"),
            &mut process,
            Duration::from_secs(120),
        )
        .await
        .with_context(|| format!("see {}", data_dir.join("zhizao.log").display()))?;
        Ok(Platform {
            process,
            base,
            token,
            mqtt: mqtt_address,
        })
    }
}

/// A new API token for `username` on the platform whose data directory is `data_dir`, made by
/// `zhizao token create` as an operator would while the platform runs.
pub(crate) fn command_line_token(
    data_dir: &Path,
    username: &str,
    name: &str,
) -> anyhow::Result<String> {
    let output = Command::new(std::env::current_exe()?)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["token", "create", "--username", username, "--name", name])
        .output()?;
    if !output.status.success() {
        bail!("{}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}

/// InfluxDB 1.x in a child process, durable as Zhizao is (the WAL is fsynced before a write is
/// answered), with compaction of cold shards after a second so its disk figure is final quickly.
pub(crate) struct Influx {
    pub(crate) process: ChildProcess,
    pub(crate) base: String,
    pub(crate) data_dir: PathBuf,
}

/// Where `influxd` is: `auto` looks on the PATH; `off` means none.
pub(crate) fn influxd(choice: &str) -> anyhow::Result<Option<PathBuf>> {
    match choice {
        "off" => Ok(None),
        "auto" => {
            let found = std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|p| p.join("influxd"))
                    .find(|p| p.is_file())
            });
            match found {
                Some(path) => Ok(Some(path)),
                None => bail!(
                    "influxd is not installed: run scripts/install-bench-tools.sh (Debian's \
                     influxdb package, InfluxDB 1.6), or pass --influxdb off"
                ),
            }
        }
        path => Ok(Some(PathBuf::from(path))),
    }
}

impl Influx {
    pub(crate) async fn start(influxd: &Path, directory: &Path) -> anyhow::Result<Influx> {
        std::fs::create_dir_all(directory)?;
        let http_port = free_port()?;
        let rpc_port = free_port()?;
        let config = format!(
            r#"reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"
[meta]
  dir = "{dir}/meta"
[data]
  dir = "{dir}/data"
  wal-dir = "{dir}/wal"
  wal-fsync-delay = "0s"
  index-version = "inmem"
  query-log-enabled = false
  cache-snapshot-write-cold-duration = "1s"
  compact-full-write-cold-duration = "1s"
[coordinator]
[retention]
  enabled = false
[shard-precreation]
  enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:{http_port}"
  auth-enabled = false
  log-enabled = false
  max-body-size = 0
[logging]
  level = "error"
[subscriber]
  enabled = false
[continuous_queries]
  enabled = false
"#,
            dir = directory.display()
        );
        let config_path = directory.join("influxdb.conf");
        std::fs::write(&config_path, config)?;
        let log = std::fs::File::create(directory.join("influxd.log"))?;
        let mut command = Command::new(influxd);
        command
            .arg("-config")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        let mut process = ChildProcess::spawn("influxd", &mut command)?;
        let base = format!("http://127.0.0.1:{http_port}");
        wait_until_ready(
            &http_client(),
            &format!("{base}/ping"),
            &mut process,
            Duration::from_secs(60),
        )
        .await
        .with_context(|| format!("see {}", directory.join("influxd.log").display()))?;
        Ok(Influx {
            process,
            base,
            data_dir: directory.join("data"),
        })
    }

    /// Runs an InfluxQL statement (e.g. `CREATE DATABASE bench`).
    pub(crate) async fn statement(&self, client: &HttpClient, q: &str) -> anyhow::Result<()> {
        let encoded: String = q
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        let request = hyper::Request::post(format!("{}/query?q={encoded}", self.base))
            .body(Full::new(Bytes::new()))?;
        let response = client.request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            bail!(
                "InfluxDB refused {q:?}: {status} {}",
                String::from_utf8_lossy(&body)
            );
        }
        Ok(())
    }
}

/// Posts every body to `url` over `connections` concurrent connections, each body once, and
/// returns the wall time. Any answer but 2xx stops the run with its text.
pub(crate) async fn post_all(
    client: &HttpClient,
    url: &str,
    authorization: Option<&str>,
    bodies: &Arc<Vec<Bytes>>,
    connections: usize,
) -> anyhow::Result<Duration> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(connections);
    for _ in 0..connections {
        let client = client.clone();
        let url = url.to_owned();
        let authorization = authorization.map(str::to_owned);
        let bodies = Arc::clone(bodies);
        let next = Arc::clone(&next);
        tasks.push(tokio::spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(index) else {
                    return Ok::<(), anyhow::Error>(());
                };
                let mut request =
                    hyper::Request::post(&url).header("content-type", "text/plain; charset=utf-8");
                if let Some(authorization) = &authorization {
                    request = request.header("authorization", authorization);
                }
                let response = client
                    .request(request.body(Full::new(body.clone()))?)
                    .await
                    .with_context(|| format!("posting to {url}"))?;
                let status = response.status();
                let text = response.into_body().collect().await?.to_bytes();
                if !status.is_success() {
                    bail!(
                        "{url} answered {status}: {}",
                        String::from_utf8_lossy(&text)
                    );
                }
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(started.elapsed())
}

/// Formats a count with thousands separators.
pub(crate) fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
