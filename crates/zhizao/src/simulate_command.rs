//! `zhizao simulate`: a fleet of simulated equipment (CNC machines, polishing robots, cutting
//! lines, smart appliances; see `zhizao_demo::machines`) registered in an enterprise through the
//! REST API and publishing over MQTT or HTTP, as real devices would; MQTT devices also answer
//! commands.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use zhizao_demo::machines::{Machine, MachineKind};

/// Options of `zhizao simulate`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SimulateArgs {
    /// How many devices.
    #[arg(long, default_value_t = 20)]
    devices: u32,
    /// Seconds between a device's messages.
    #[arg(long, default_value_t = 10.0)]
    interval: f64,
    /// Publish over MQTT to this broker (HOST:PORT), as ThingsBoard devices do.
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "http")]
    mqtt: Option<String>,
    /// Publish over HTTP to this platform (the ThingsBoard HTTP device API).
    #[arg(long, value_name = "URL")]
    http: Option<String>,
    /// The platform's address for registering the devices [default: the --http URL, else
    /// http://127.0.0.1:8080].
    #[arg(long, value_name = "URL")]
    api: Option<String>,
    /// An API token of an enterprise user (the devices are registered in that enterprise).
    #[arg(long, env = "ZHIZAO_TOKEN", hide_env_values = true)]
    token: String,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long)]
    duration: Option<f64>,
    /// Device names start with this.
    #[arg(long, default_value = "sim")]
    prefix: String,
    /// Seed of the machines' randomness.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Run a shared factory's floor instead: every device its set-up binds to a resource (the
    /// token is its staff's), each working while the published plan has operations left on
    /// its resource, at its routing's pace, and breaking down now and then.
    #[arg(long, value_name = "CODE")]
    factory: Option<String>,
    /// With --factory: machines live this many seconds per second of the clock (set-ups, runs,
    /// faults and pieces alike), so a demonstration sees a shift's work within minutes.
    #[arg(long, default_value_t = 1.0, requires = "factory")]
    pace: f64,
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// The platform's REST API as an enterprise user.
pub(crate) struct Api {
    pub(crate) client: HttpClient,
    pub(crate) base: String,
    pub(crate) token: String,
}

impl Api {
    pub(crate) async fn call(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<(u16, Value)> {
        let request = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", content_type)
            .header("accept-language", "en")
            .body(Full::new(Bytes::from(body)))?;
        let response = self
            .client
            .request(request)
            .await
            .with_context(|| format!("cannot reach {}", self.base))?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await?.to_bytes();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok((status, value))
    }
}

/// A device of the fleet with its token.
pub(crate) struct SimulatedDevice {
    pub(crate) name: String,
    pub(crate) token: String,
    pub(crate) machine: Machine,
    /// Whether the published plan has work for its resource (a factory's floor), else none.
    pub(crate) work: Option<Arc<AtomicBool>>,
    /// Machine seconds per second of the clock (1: real time).
    pub(crate) pace: f64,
}

impl SimulatedDevice {
    /// The machine's readings after `seconds`, told first whether it has work.
    fn step(&mut self, seconds: f64) -> serde_json::Map<String, Value> {
        if let Some(work) = &self.work {
            self.machine.set_work(Some(work.load(Ordering::Relaxed)));
        }
        self.machine.step(seconds * self.pace)
    }
}

pub(crate) async fn simulate(args: SimulateArgs) -> anyhow::Result<()> {
    if args.devices == 0 || args.devices > 100_000 {
        bail!("--devices must be 1 to 100000");
    }
    if !(0.01..=86_400.0).contains(&args.interval) {
        bail!("--interval must be 0.01 to 86400 seconds");
    }
    if !(0.01..=3_600.0).contains(&args.pace) {
        bail!("--pace must be 0.01 to 3600 (times the routing's pace)");
    }
    if args.mqtt.is_none() && args.http.is_none() {
        bail!("say where the devices publish: --mqtt HOST:PORT or --http URL");
    }
    let base = args
        .api
        .clone()
        .or_else(|| args.http.clone())
        .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned())
        .trim_end_matches('/')
        .to_owned();
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let api = Api {
        client: client.clone(),
        base,
        token: args.token.clone(),
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let devices = match &args.factory {
        Some(code) => {
            let (devices, work) = register_factory(&api, code, args.seed, args.pace).await?;
            tokio::spawn(follow_plan(api, code.clone(), work, stopped.clone()));
            devices
        }
        None => register(&api, args.devices, &args.prefix, args.seed, true).await?,
    };
    let count = devices.len().max(1) as f64;
    eprintln!(
        "{} devices registered; publishing every {} s",
        devices.len(),
        args.interval
    );

    let sent = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let commands = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(devices.len());
    for (index, device) in devices.into_iter().enumerate() {
        // Spread the first messages over one interval.
        let offset = Duration::from_secs_f64(args.interval * index as f64 / count);
        let counters = (
            Arc::clone(&sent),
            Arc::clone(&failed),
            Arc::clone(&commands),
        );
        let stopped = stopped.clone();
        let interval = Duration::from_secs_f64(args.interval);
        if let Some(broker) = &args.mqtt {
            let broker = broker.clone();
            tasks.push(tokio::spawn(run_mqtt(
                device, broker, offset, interval, counters, stopped,
            )));
        } else if let Some(http) = &args.http {
            let url = http.trim_end_matches('/').to_owned();
            let client = client.clone();
            tasks.push(tokio::spawn(run_http(
                device, client, url, offset, interval, counters, stopped,
            )));
        }
    }

    let started = Instant::now();
    let deadline = args
        .duration
        .map(|d| started + Duration::from_secs_f64(d.max(0.0)));
    let mut report = tokio::time::interval(Duration::from_secs(5));
    report.tick().await;
    let mut last = 0;
    loop {
        tokio::select! {
            _ = report.tick() => {
                let now = sent.load(Ordering::Relaxed);
                eprintln!(
                    "{:>6.0} s  sent {now}  ({:.0}/s)  failed {}  commands answered {}",
                    started.elapsed().as_secs_f64(),
                    (now - last) as f64 / 5.0,
                    failed.load(Ordering::Relaxed),
                    commands.load(Ordering::Relaxed),
                );
                last = now;
            }
            () = sleep_until(deadline) => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    let _ = stop.send(true);
    for task in tasks {
        let _ = task.await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let total = sent.load(Ordering::Relaxed);
    println!(
        "sent {total} messages from {} devices in {seconds:.1} s ({:.0}/s), {} failed",
        count,
        total as f64 / seconds.max(0.001),
        failed.load(Ordering::Relaxed)
    );
    Ok(())
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}

/// Creates the four profiles in the token's enterprise or platform, unless they exist.
async fn create_profiles(api: &Api) -> anyhow::Result<()> {
    for kind in MachineKind::ALL {
        let telemetry: Vec<Value> = kind
            .telemetry()
            .iter()
            .map(|(name, field_type, unit, label)| json!({"name": name, "type": field_type, "unit": unit, "label": label}))
            .collect();
        let commands: Vec<Value> = kind
            .commands()
            .iter()
            .map(|(name, label, params)| json!({"name": name, "label": label, "params": params}))
            .collect();
        let profile = json!({
            "name": kind.profile(),
            "description": kind.label(),
            "telemetry": telemetry,
            "commands": commands,
        });
        let (status, body) = api
            .call(
                "POST",
                "/api/v1/device-profiles",
                "application/json",
                profile.to_string().into_bytes(),
            )
            .await?;
        match status {
            201 | 409 => {}
            401 | 403 => {
                bail!(
                    "the token was refused ({status}): use an API token of an enterprise's or a service platform's user"
                )
            }
            _ => bail!("creating profile {}: {status} {body}", kind.profile()),
        }
    }
    Ok(())
}

/// The machine a resource class is simulated by.
fn kind_of(class: &str) -> Option<MachineKind> {
    match class {
        "polishing_cell" => Some(MachineKind::PolishingRobot),
        "cutting_line" | "spreading_line" => Some(MachineKind::CuttingLine),
        _ => None,
    }
}

/// A factory's bound devices (from its latest set-up) with fresh tokens, each working when its
/// resource's flag says the plan has work for it; the flags by resource code.
async fn register_factory(
    api: &Api,
    code: &str,
    seed: u64,
    pace: f64,
) -> anyhow::Result<(Vec<SimulatedDevice>, Vec<(String, Arc<AtomicBool>)>)> {
    let (status, versions) = api
        .call(
            "GET",
            &format!("/api/v1/factories/{code}/setups"),
            "application/json",
            Vec::new(),
        )
        .await?;
    if status != 200 {
        bail!("reading the set-up of factory {code}: {status} {versions}");
    }
    let Some(setup) = versions.get(0).map(|v| v["setup"].clone()) else {
        bail!("factory {code} has no set-up yet");
    };
    create_profiles(api).await?;
    let mut devices = Vec::new();
    let mut flags = Vec::new();
    for (index, resource) in setup["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let class = resource["class"].as_str().unwrap_or_default();
        let Some(kind) = kind_of(class) else {
            continue;
        };
        let cycle = setup["routings"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| r["steps"].as_array().into_iter().flatten())
            .find(|step| step["class"] == class)
            .and_then(|step| step["seconds_per_piece"].as_f64())
            .unwrap_or(60.0);
        let flag = Arc::new(AtomicBool::new(false));
        flags.push((
            resource["code"].as_str().unwrap_or_default().to_owned(),
            Arc::clone(&flag),
        ));
        for name in resource["devices"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap_or_default().to_owned();
            let (status, _) = api
                .call(
                    "GET",
                    &format!("/api/v1/devices/{name}"),
                    "application/json",
                    Vec::new(),
                )
                .await?;
            let (status, body) = if status == 200 {
                api.call(
                    "POST",
                    &format!("/api/v1/devices/{name}/token"),
                    "application/json",
                    Vec::new(),
                )
                .await?
            } else {
                let device = json!({"name": name, "profile": kind.profile(),
                    "label": resource["name"].as_str().unwrap_or_default()});
                api.call(
                    "POST",
                    "/api/v1/devices",
                    "application/json",
                    device.to_string().into_bytes(),
                )
                .await?
            };
            let Some(token) = body["token"]
                .as_str()
                .filter(|_| status == 200 || status == 201)
            else {
                bail!("registering {name}: {status} {body}");
            };
            devices.push(SimulatedDevice {
                name,
                token: token.to_owned(),
                machine: Machine::new(
                    kind,
                    seed.wrapping_mul(1_000_003).wrapping_add(index as u64),
                )
                .with_cycle(cycle),
                work: Some(Arc::clone(&flag)),
                pace,
            });
        }
    }
    if devices.is_empty() {
        bail!("factory {code} binds no device to a robot, cutting or spreading line");
    }
    Ok((devices, flags))
}

/// Every ten seconds, tells each resource's devices whether the published plan still has an
/// operation on it that is not done.
async fn follow_plan(
    api: Api,
    code: String,
    flags: Vec<(String, Arc<AtomicBool>)>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let mut ticker = tokio::time::interval(Duration::from_secs(10));
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stopped.changed() => return,
        }
        let floor = match api
            .call(
                "GET",
                &format!("/api/v1/factories/{code}/floor"),
                "application/json",
                Vec::new(),
            )
            .await
        {
            Ok((200, floor)) => floor,
            Ok((status, body)) => {
                tracing::warn!(%status, %body, "reading the floor failed");
                continue;
            }
            Err(error) => {
                tracing::warn!(%error, "reading the floor failed");
                continue;
            }
        };
        let operations = floor["operations"].as_array().cloned().unwrap_or_default();
        for (resource, flag) in &flags {
            let work = operations
                .iter()
                .any(|o| o["resource"] == resource.as_str() && o["state"] != "done");
            flag.store(work, Ordering::Relaxed);
        }
    }
}

/// Creates the four profiles (if missing) and `count` devices named after `prefix`, returning
/// each with a token: new devices get theirs at registration, existing ones (looked for only
/// with `reuse`) a rotated one.
pub(crate) async fn register(
    api: &Api,
    count: u32,
    prefix: &str,
    seed: u64,
    reuse: bool,
) -> anyhow::Result<Vec<SimulatedDevice>> {
    create_profiles(api).await?;
    let width = count.to_string().len().max(3);
    let planned: Vec<(String, MachineKind)> = (0..count)
        .map(|i| {
            let kind = MachineKind::ALL[i as usize % MachineKind::ALL.len()];
            (
                format!("{}-{}-{:0width$}", prefix, kind.profile(), i + 1),
                kind,
            )
        })
        .collect();
    let mut tokens = std::collections::HashMap::new();
    let mut missing = Vec::new();
    for (name, kind) in &planned {
        if !reuse {
            missing.push((name.clone(), *kind));
            continue;
        }
        let (status, _) = api
            .call(
                "GET",
                &format!("/api/v1/devices/{name}"),
                "application/json",
                Vec::new(),
            )
            .await?;
        if status == 200 {
            let (status, body) = api
                .call(
                    "POST",
                    &format!("/api/v1/devices/{name}/token"),
                    "application/json",
                    Vec::new(),
                )
                .await?;
            match body["token"].as_str() {
                Some(token) if status == 200 => {
                    tokens.insert(name.clone(), token.to_owned());
                }
                _ => bail!("rotating the token of {name}: {status} {body}"),
            }
        } else {
            missing.push((name.clone(), *kind));
        }
    }
    for chunk in missing.chunks(zhizao_devices::MAX_DEVICE_IMPORT_ROWS) {
        let mut csv = String::from("name,profile,label\n");
        for (name, kind) in chunk {
            csv.push_str(&format!("{name},{},{}\n", kind.profile(), kind.label()));
        }
        let (status, body) = api
            .call(
                "POST",
                "/api/v1/devices/import",
                "text/csv",
                csv.into_bytes(),
            )
            .await?;
        if status != 200 {
            bail!("registering devices: {status} {body}");
        }
        for created in body["created"].as_array().into_iter().flatten() {
            if let (Some(name), Some(token)) = (
                created["device"]["name"].as_str(),
                created["token"].as_str(),
            ) {
                tokens.insert(name.to_owned(), token.to_owned());
            }
        }
    }
    planned
        .into_iter()
        .enumerate()
        .map(|(index, (name, kind))| {
            let token = tokens
                .remove(&name)
                .with_context(|| format!("no token for {name}"))?;
            let machine = Machine::new(
                kind,
                seed.wrapping_mul(1_000_003).wrapping_add(index as u64),
            );
            Ok(SimulatedDevice {
                name,
                token,
                machine,
                work: None,
                pace: 1.0,
            })
        })
        .collect()
}

/// Messages sent, failures, commands answered.
pub(crate) type Counters = (Arc<AtomicU64>, Arc<AtomicU64>, Arc<AtomicU64>);

/// Runs one device over MQTT until `stopped`: telemetry every `interval` after `offset`, and
/// answers to commands.
pub(crate) async fn run_mqtt(
    mut device: SimulatedDevice,
    broker: String,
    offset: Duration,
    interval: Duration,
    (sent, failed, commands): Counters,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let (host, port) = broker
        .rsplit_once(':')
        .map(|(h, p)| (h.to_owned(), p.parse().unwrap_or(1883)))
        .unwrap_or((broker.clone(), 1883));
    let mut options = rumqttc::MqttOptions::new(device.name.clone(), host, port);
    options.set_credentials(device.token.clone(), "");
    options.set_keep_alive(Duration::from_secs(60));
    let (client, mut events) = rumqttc::AsyncClient::new(options, 16);
    const COMMANDS: &str = "v1/devices/me/rpc/request/+";
    // Connected before the loop below: a poll cancelled by the ticker while it is still
    // connecting would start the connection again (and the broker take the first one over).
    let connected = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match events.poll().await {
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::ConnAck(_))) => return true,
                Ok(_) => {}
                Err(error) => {
                    failed.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(device = %device.name, %error, "MQTT connection failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    })
    .await
    .unwrap_or(false);
    if connected {
        let _ = client.try_subscribe(COMMANDS, rumqttc::QoS::AtLeastOnce);
    }
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + offset, interval);
    let mut last = Instant::now();
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                let seconds = last.elapsed().as_secs_f64();
                last = Instant::now();
                let values = device.step(seconds);
                let body = Value::Object(values).to_string();
                match client.try_publish("v1/devices/me/telemetry", rumqttc::QoS::AtLeastOnce, false, body) {
                    Ok(()) => sent.fetch_add(1, Ordering::Relaxed),
                    Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
            event = events.poll() => match event {
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::Publish(request))) => {
                    if let Some(id) = request.topic.strip_prefix("v1/devices/me/rpc/request/") {
                        let call: Value = serde_json::from_slice(&request.payload).unwrap_or(Value::Null);
                        let method = call["method"].as_str().unwrap_or("");
                        let answer = device.machine.command(method, &call["params"]);
                        let topic = format!("v1/devices/me/rpc/response/{id}");
                        if client.try_publish(topic, rumqttc::QoS::AtLeastOnce, false, answer.to_string()).is_ok() {
                            commands.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                // Back after a lost connection: a clean session has no subscriptions.
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::ConnAck(_))) => {
                    let _ = client.try_subscribe(COMMANDS, rumqttc::QoS::AtLeastOnce);
                }
                Ok(_) => {}
                Err(error) => {
                    failed.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(device = %device.name, %error, "MQTT connection failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            },
            _ = stopped.changed() => break,
        }
    }
    let _ = client.disconnect().await;
    // Let the DISCONNECT go out.
    let _ = tokio::time::timeout(Duration::from_millis(500), async {
        while events.poll().await.is_ok() {}
    })
    .await;
}

async fn run_http(
    mut device: SimulatedDevice,
    client: HttpClient,
    url: String,
    offset: Duration,
    interval: Duration,
    (sent, failed, _): Counters,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + offset, interval);
    let mut last = Instant::now();
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                let seconds = last.elapsed().as_secs_f64();
                last = Instant::now();
                let body = Value::Object(device.step(seconds)).to_string();
                let request = hyper::Request::builder()
                    .method("POST")
                    .uri(format!("{url}/api/v1/{}/telemetry", device.token))
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(body)));
                let ok = match request {
                    Ok(request) => matches!(client.request(request).await, Ok(response) if response.status().is_success()),
                    Err(_) => false,
                };
                if ok { sent.fetch_add(1, Ordering::Relaxed); } else { failed.fetch_add(1, Ordering::Relaxed); }
            }
            _ = stopped.changed() => break,
        }
    }
}
