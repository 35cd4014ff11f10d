//! `zhizao simulate` against a real platform: the binary serves on free ports with its embedded
//! MQTT broker, a fleet of simulated machines registers itself in the demo enterprise and
//! publishes for a few seconds over MQTT and then over HTTP, and SQL shows that every device's
//! readings arrived, each within what its kind of machine can report. A command sent to an MQTT
//! device while it runs is answered, and the machine acts on it.

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Platform, Running, api, demo_with_token, serve, zhizao};

/// The rows of a SQL query over the enterprise's telemetry.
fn sql(platform: &Platform, token: &str, sql: &str) -> Vec<Value> {
    let (status, body) = api(
        &platform.http,
        "POST",
        "/api/v1/query",
        token,
        Some(json!({ "sql": sql })),
    );
    assert_eq!(status, 200, "{sql}: {body}");
    body.as_array()
        .unwrap_or_else(|| panic!("{sql}: {body}"))
        .clone()
}

/// `zhizao simulate` started with `args` (the token goes through the environment).
fn simulate(data_dir: &std::path::Path, token: &str, args: &[&str]) -> Running {
    Running(
        zhizao(data_dir)
            .arg("simulate")
            .args(args)
            .env("ZHIZAO_TOKEN", token)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    )
}

/// Waits for a simulation to end by itself; returns how many messages it says it sent, after
/// checking that it succeeded and that none failed.
fn finish(mut simulation: Running) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = simulation.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the simulation did not stop after its --duration"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    simulation
        .0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    simulation
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "{stdout}\n{stderr}");
    // "sent 16 messages from 4 devices in 4.0 s (4/s), 0 failed"
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("sent "))
        .unwrap_or_else(|| panic!("no summary: {stdout}\n{stderr}"));
    assert!(summary.ends_with(", 0 failed"), "{summary}\n{stderr}");
    summary
        .split(' ')
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{summary}"))
}

/// One of the simulator's tables (one per kind of machine): each numeric field with the bounds
/// its machine model keeps it within, and whether the machine reports `state` and `alarm`.
struct Table {
    name: &'static str,
    bounds: &'static [(&'static str, f64, f64)],
    has_state: bool,
}

const TABLES: &[Table] = &[
    Table {
        name: "cnc_machine",
        bounds: &[
            ("spindle_rpm", 0.0, 13_000.0),
            ("spindle_load", 0.0, 120.0),
            ("power_kw", 0.0, 16.0),
            ("temperature", 15.0, 90.0),
            ("vibration", 0.0, 15.0),
            ("part_count", 0.0, 6_000.0),
        ],
        has_state: true,
    },
    Table {
        name: "polishing_robot",
        bounds: &[
            ("contact_force", 0.0, 90.0),
            ("joint_torque", 5.0, 50.0),
            ("current", 0.0, 12.0),
            ("temperature", 15.0, 90.0),
            ("pieces", 0.0, 6_000.0),
            ("good", 0.0, 6_000.0),
            ("scrap", 0.0, 200.0),
        ],
        has_state: true,
    },
    Table {
        name: "cutting_line",
        bounds: &[
            ("speed", 0.0, 65.0),
            ("blade_temperature", 15.0, 100.0),
            ("vacuum", -25.0, 0.0),
            ("power_kw", 0.0, 10.0),
            ("layers", 0.0, 6_000.0),
            ("good", 0.0, 6_000.0),
            ("scrap", 0.0, 200.0),
        ],
        has_state: true,
    },
    Table {
        name: "smart_appliance",
        bounds: &[
            ("room_temperature", 10.0, 45.0),
            ("set_temperature", 16.0, 32.0),
            ("power_w", 0.0, 1_600.0),
            ("energy_kwh", 0.0, 1_100.0),
        ],
        has_state: false,
    },
];

const STATES: &[&str] = &["running", "setup", "idle", "fault"];
/// No alarm, the machining centre's codes, the polishing robot's and the cutting line's.
const ALARMS: &[i64] = &[
    0, 1001, 1002, 2010, 3005, 4040, 11, 12, 21, 31, 32, 41, 42, 51,
];

/// Checks that each device of a fleet of one machine per kind (named `{prefix}-{table}-NNN`
/// as the simulator names them) has at least `at_least` readings in its kind's table, every
/// value within its model's bounds; returns how many readings the fleet has in all.
/// Waits (up to 15 s) until `prefix`'s devices have `expected` readings in all.
fn stored_eventually(platform: &Platform, token: &str, prefix: &str, expected: u64) {
    let count = TABLES
        .iter()
        .map(|table| {
            format!(
                "(SELECT count(*) FROM {} WHERE device LIKE '{prefix}-%')",
                table.name
            )
        })
        .collect::<Vec<_>>()
        .join(" + ");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let rows = sql(platform, token, &format!("SELECT {count} AS n"));
        let stored = rows[0]["n"].as_u64().unwrap_or(0);
        if stored >= expected || Instant::now() > deadline {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn check_readings(platform: &Platform, token: &str, prefix: &str, at_least: i64) -> u64 {
    let mut total = 0;
    for (index, table) in TABLES.iter().enumerate() {
        let Table {
            name: table,
            bounds,
            has_state,
        } = table;
        let device = format!("{prefix}-{table}-{:03}", index + 1);
        let aggregates: String = bounds
            .iter()
            .map(|(field, _, _)| format!(", min({field}) AS min_{field}, max({field}) AS max_{field}, count({field}) AS n_{field}"))
            .collect();
        let rows = sql(
            platform,
            token,
            &format!("SELECT count(*) AS n{aggregates} FROM {table} WHERE device = '{device}'"),
        );
        let row = &rows[0];
        let n = row["n"].as_i64().unwrap();
        assert!(
            n >= at_least,
            "{device}: {n} readings, expected at least {at_least}"
        );
        total += n as u64;
        for (field, low, high) in *bounds {
            assert_eq!(
                row[format!("n_{field}")],
                n,
                "{device} reports {field} every time"
            );
            let (min, max) = (
                row[format!("min_{field}")].as_f64().unwrap(),
                row[format!("max_{field}")].as_f64().unwrap(),
            );
            assert!(
                *low <= min && max <= *high,
                "{device} {field} from {min} to {max}, outside {low}..{high}"
            );
        }
        if *has_state {
            for row in sql(
                platform,
                token,
                &format!("SELECT DISTINCT state, alarm FROM {table} WHERE device = '{device}'"),
            ) {
                let state = row["state"].as_str().unwrap_or_default();
                assert!(STATES.contains(&state), "{device} state {row}");
                let alarm = row["alarm"].as_i64().unwrap();
                assert!(ALARMS.contains(&alarm), "{device} alarm {row}");
                assert_eq!(
                    alarm != 0,
                    state == "fault",
                    "{device}: an alarm code exactly while faulted: {row}"
                );
            }
        } else {
            let rows = sql(
                platform,
                token,
                &format!(
                    "SELECT count(*) AS n FROM {table} WHERE device = '{device}' AND power_on IS NOT NULL"
                ),
            );
            assert_eq!(rows[0]["n"], n, "{device} reports power_on every time");
        }
    }
    total
}

/// Waits until the platform says the device `name` is connected.
fn wait_online(
    platform: &Platform,
    token: &str,
    name: &str,
    deadline: Instant,
) -> Result<(), String> {
    loop {
        let (status, device) = api(
            &platform.http,
            "GET",
            &format!("/api/v1/devices/{name}"),
            token,
            None,
        );
        if status == 200 && device["online"] == true {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("{name} did not come online: {status} {device}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A command to `name` and the device's answer, retried while the device has not subscribed
/// to commands yet.
fn command(
    platform: &Platform,
    token: &str,
    name: &str,
    call: Value,
    deadline: Instant,
) -> Result<Value, String> {
    loop {
        let (status, body) = api(
            &platform.http,
            "POST",
            &format!("/api/v1/devices/{name}/rpc"),
            token,
            Some(call.clone()),
        );
        if status == 200 {
            return Ok(body["response"].clone());
        }
        if !(status == 409 || status == 504) || Instant::now() >= deadline {
            return Err(format!("{call} to {name}: {status} {body}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn simulated_fleets_publish_over_mqtt_and_http_and_answer_commands() {
    let data = tempfile::tempdir().unwrap();
    let token = demo_with_token(data.path(), "simulate");
    let platform = serve(data.path());
    let devices = TABLES.len().to_string();

    // Over MQTT, four machines (one of each kind) for eight seconds; meanwhile the smart
    // appliance is told a new set temperature, and another one out of its range.
    let simulation = simulate(
        data.path(),
        &token,
        &[
            "--mqtt",
            &platform.mqtt,
            "--api",
            &format!("http://{}", platform.http),
            "--devices",
            &devices,
            "--interval",
            "1",
            "--duration",
            "20",
            "--prefix",
            "mq",
        ],
    );
    // The fleet registers first and then runs for its duration, so it is connected at least
    // until then; the commands are done well before it ends, so later readings show them.
    let deadline = Instant::now() + Duration::from_secs(15);
    let appliance = "mq-smart_appliance-004";
    let cnc = "mq-cnc_machine-001";
    let answers = (|| {
        wait_online(&platform, &token, appliance, deadline)?;
        wait_online(&platform, &token, cnc, deadline)?;
        let timeout_ms = 2000;
        Ok::<_, String>([
            command(
                &platform,
                &token,
                appliance,
                json!({"method": "setTemperature", "params": {"celsius": 30.5}, "timeout_ms": timeout_ms}),
                deadline,
            )?,
            command(
                &platform,
                &token,
                appliance,
                json!({"method": "setTemperature", "params": {"celsius": 99}, "timeout_ms": timeout_ms}),
                deadline,
            )?,
            command(
                &platform,
                &token,
                cnc,
                json!({"method": "clearAlarm", "timeout_ms": timeout_ms}),
                deadline,
            )?,
        ])
    })();
    // The simulator's own account first: it says why devices were offline, if they were.
    let sent_over_mqtt = finish(simulation);
    let [set, out_of_range, cleared] = answers.unwrap();
    assert_eq!(set, json!({"ok": true, "set_temperature": 30.5}));
    assert_eq!(out_of_range["ok"], false, "{out_of_range}");
    assert_eq!(cleared, json!({"ok": true}));
    assert!(sent_over_mqtt >= 20, "{sent_over_mqtt} messages over MQTT");
    // The last messages may still be on their way into the store when the simulator exits.
    stored_eventually(&platform, &token, "mq", sent_over_mqtt);
    let stored = check_readings(&platform, &token, "mq", 5);
    assert_eq!(
        stored, sent_over_mqtt,
        "every message the simulator sent over MQTT is stored"
    );
    // The appliance acted on the command: its last readings carry the new set point.
    let last = sql(
        &platform,
        &token,
        &format!(
            "SELECT set_temperature FROM smart_appliance WHERE device = '{appliance}' ORDER BY time DESC LIMIT 1"
        ),
    );
    assert_eq!(last[0]["set_temperature"], 30.5, "{last:?}");

    // Over HTTP, the same fleet under another prefix for three seconds.
    let simulation = simulate(
        data.path(),
        &token,
        &[
            "--http",
            &format!("http://{}", platform.http),
            "--devices",
            &devices,
            "--interval",
            "1",
            "--duration",
            "3",
            "--prefix",
            "ht",
        ],
    );
    let sent_over_http = finish(simulation);
    assert!(sent_over_http >= 8, "{sent_over_http} messages over HTTP");
    let stored = check_readings(&platform, &token, "ht", 2);
    assert_eq!(
        stored, sent_over_http,
        "every message acknowledged over HTTP is stored"
    );
    // Nothing but the two fleets wrote to the simulator's tables.
    for Table { name: table, .. } in TABLES {
        let rows = sql(
            &platform,
            &token,
            &format!(
                "SELECT count(*) AS n FROM {table} WHERE device NOT LIKE 'mq-%' AND device NOT LIKE 'ht-%'"
            ),
        );
        assert_eq!(rows[0]["n"], 0, "{table}");
    }
}

#[test]
fn an_order_goes_from_its_quote_through_the_plan_and_the_simulated_floor_to_delivery_and_figures() {
    let data = tempfile::tempdir().unwrap();
    crate::support::run(data.path(), &["demo"]);
    let token_of = |username: &str| {
        crate::support::run(
            data.path(),
            &["token", "create", "--username", username, "--name", "e2e"],
        )
        .trim()
        .to_owned()
    };
    let token = token_of("polishing");
    let maker = token_of("maker");
    let platform = serve(data.path());
    // A client orders 200 faucets due in three days: an instant price and a promised date.
    let shanghai = time::UtcOffset::from_hms(8, 0, 0).unwrap();
    let need_by = (time::OffsetDateTime::now_utc().to_offset(shanghai).date()
        + time::Duration::days(3))
    .to_string();
    let (status, order) = api(
        &platform.http,
        "POST",
        "/api/v1/factories/robot-polishing/orders",
        &maker,
        Some(
            json!({"process": "polishing", "family": "卫浴龙头", "material": "黄铜",
            "finish": "镜面", "quantity": 200, "part_mm": 220, "weight_g": 650,
            "material_supplied": "黄铜毛坯", "need_by": need_by}),
        ),
    );
    assert_eq!(status, 201, "{order}");
    assert!(order["quote"]["total_fen"].as_i64() > Some(0), "{order}");
    assert!(order["quote"]["promised_at"].is_string(), "{order}");
    let number = order["number"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/factory-orders/{number}");
    let (status, accepted) = api(
        &platform.http,
        "POST",
        &format!("{path}/accept"),
        &maker,
        None,
    );
    assert_eq!(
        (status, &accepted["status"]),
        (200, &json!("confirmed")),
        "{accepted}"
    );
    // Its blanks arrive and the factory records them.
    let (status, received) = api(
        &platform.http,
        "POST",
        &format!("{path}/material"),
        &token,
        Some(json!({"quantity": 204, "unit": "pieces", "lots": "B-1"})),
    );
    assert_eq!(status, 200, "{received}");
    // The polishing centre plans its confirmed orders and publishes the plan.
    let (status, plan) = api(
        &platform.http,
        "POST",
        "/api/v1/factories/robot-polishing/plans",
        &token,
        Some(json!({"pins": []})),
    );
    assert_eq!(status, 201, "{plan}");
    let version = plan["version"].as_i64().unwrap();
    let (status, published) = api(
        &platform.http,
        "POST",
        &format!("/api/v1/factories/robot-polishing/plans/{version}/publish"),
        &token,
        None,
    );
    assert_eq!(status, 200, "{published}");
    // The plan puts the small order behind the big ones; its operator starts its rough grinding
    // now on the screen, so the robot's counts are its own.
    let grinding = plan["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["order"] == json!(number) && o["lot"] == 1 && o["step"] == 2)
        .unwrap_or_else(|| panic!("{number} is not in {plan}"))
        .clone();
    let (status, floor) = api(
        &platform.http,
        "POST",
        "/api/v1/factories/robot-polishing/floor/operations",
        &token,
        Some(json!({"order": number, "lot": 1, "step": 2, "action": "start"})),
    );
    assert_eq!(status, 200, "{floor}");
    let busy: std::collections::HashSet<String> = plan["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| format!("polish-{}", o["resource"].as_str().unwrap().to_lowercase()))
        .collect();
    assert!(!busy.is_empty(), "{plan}");

    // Its 72 robots register themselves in the platform and run for half a minute: those the
    // plan gives work get going, the others wait.
    let sent = finish(simulate(
        data.path(),
        &token,
        &[
            "--http",
            &format!("http://{}", platform.http),
            "--factory",
            "robot-polishing",
            "--interval",
            "2",
            "--duration",
            "40",
            "--pace",
            "120",
        ],
    ));
    assert!(sent >= 72 * 10, "{sent}");
    let rows = sql(
        &platform,
        &token,
        "SELECT device, state, count(*) AS n FROM polishing_robot GROUP BY device, state",
    );
    let devices: std::collections::HashSet<&str> =
        rows.iter().map(|r| r["device"].as_str().unwrap()).collect();
    assert_eq!(devices.len(), 72, "{rows:?}");
    let mut working = std::collections::HashSet::new();
    for row in &rows {
        let device = row["device"].as_str().unwrap();
        let state = row["state"].as_str().unwrap();
        // "polish-l1-r03" binds resource L1-R03.
        let has_work = busy.contains(device);
        if !has_work {
            assert!(
                matches!(state, "idle" | "fault"),
                "{device} has no work in the plan but reports {state}"
            );
        } else if matches!(state, "running" | "setup") {
            working.insert(device);
        }
    }
    let with_work = devices.iter().filter(|d| busy.contains(**d)).count();
    assert!(
        working.len() * 2 >= with_work,
        "{} of {with_work} robots with work got going: {rows:?}",
        working.len()
    );
    // The robots' counts show as the order's progress on its client's page.
    let (status, live) = api(&platform.http, "GET", &path, &maker, None);
    assert_eq!(status, 200, "{live}");
    let counted = live["progress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["good"].as_i64().unwrap())
        .max()
        .unwrap_or(0);
    assert!(
        counted > 0,
        "no pieces counted for {number} on {}: {live}",
        grinding["resource"]
    );
    // The factory delivers what was counted (at most the 200 ordered) and returns the rest of the
    // blanks; the client confirms and rates; the figures gain the delivery.
    let figures = |token: &str| {
        let (status, figures) = api(
            &platform.http,
            "GET",
            "/api/v1/factories/robot-polishing/figures",
            token,
            None,
        );
        assert_eq!(status, 200, "{figures}");
        figures["total"].clone()
    };
    let before = figures(&token);
    let good = counted.min(200);
    let (status, delivered) = api(
        &platform.http,
        "POST",
        &format!("{path}/delivery"),
        &token,
        Some(json!({"good": good, "scrap": 0, "returned": 204 - good})),
    );
    assert_eq!(status, 200, "{delivered}");
    assert_eq!(delivered["delivery"]["reconciliation"]["unaccounted"], 0);
    let (status, rated) = api(
        &platform.http,
        "POST",
        &format!("{path}/receipt"),
        &maker,
        Some(json!({"rating": 5, "comment": "准时"})),
    );
    assert_eq!(
        (status, &rated["status"]),
        (200, &json!("received")),
        "{rated}"
    );
    let after = figures(&token);
    assert_eq!(
        after["deliveries"].as_i64().unwrap() - before["deliveries"].as_i64().unwrap(),
        1,
        "{before} → {after}"
    );
    assert_eq!(
        after["pieces"].as_i64().unwrap() - before["pieces"].as_i64().unwrap(),
        good
    );
    assert_eq!(
        after["revenue_fen"].as_i64().unwrap() - before["revenue_fen"].as_i64().unwrap(),
        delivered["delivery"]["final_fen"].as_i64().unwrap()
    );
}
