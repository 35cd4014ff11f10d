//! Shared factories through the pages and the API: the factory's staff publish a tariff on its
//! form (each problem beside its row) and a set-up; clients find the factory, price an order
//! with the calculation shown, order, and get a quote and a promised date they accept.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::pages::Visitor;
use crate::support::{TestApp, apps};

/// A small polishing centre: one site, three robots on two lines and a packing station.
pub(crate) fn setup() -> Value {
    json!({
        "sites": [{"code": "S1", "name": "南头基地"}],
        "resources": [
            {"code": "R01", "name": "1 号机器人", "class": "polishing_cell", "site": "S1", "line": "L1",
             "devices": ["robot-01"], "capability": {"materials": ["黄铜", "不锈钢"], "max_part_mm": 400}},
            {"code": "R02", "name": "2 号机器人", "class": "polishing_cell", "site": "S1", "line": "L1",
             "capability": {"materials": ["黄铜", "不锈钢"], "max_part_mm": 400}},
            {"code": "R03", "name": "3 号机器人", "class": "polishing_cell", "site": "S1", "line": "L2",
             "capability": {"max_part_mm": 800}},
            {"code": "M01", "name": "包装工位", "class": "manual", "site": "S1", "line": "L1"}
        ],
        "calendar": {"workdays": [1, 2, 3, 4, 5, 6], "shifts": [{"start": "08:00", "end": "20:00"}],
            "breaks": [{"start": "12:00", "end": "13:00"}], "holidays": ["2027-01-01"]},
        "routings": [{"process": "polishing", "lot_size": 200, "steps": [
            {"name": "粗磨", "class": "polishing_cell", "seconds_per_piece": 60},
            {"name": "精抛", "class": "polishing_cell", "seconds_per_piece": 45},
            {"name": "检验包装", "class": "manual", "seconds_per_piece": 8}
        ]}],
        "changeovers": [{"class": "polishing_cell", "from": "*", "to": "*", "minutes": 25}],
        "alarms": [{"code": 7, "reason": "砂带断裂"},
            {"code": 31, "reason": "来料未到", "party": "client"}]
    })
}

/// A tariff pricing faucets.
pub(crate) fn tariff() -> Value {
    json!({
        "tariff": {"setup_fee_fen": 20000, "minimum_charge_fen": 0,
            "hourly": [{"class": "polishing_cell", "per_hour_fen": 18000}],
            "pieces": [{"family": "卫浴龙头", "breaks": [{"from_quantity": 1, "per_piece_fen": 250}]}]}
    })
}

/// An order of faucets the test factory can take.
pub(crate) fn faucets(quantity: i64) -> Value {
    json!({"process": "polishing", "family": "卫浴龙头", "material": "黄铜", "quantity": quantity,
        "part_mm": 250, "material_supplied": "黄铜毛坯", "need_by": "2026-12-20"})
}

/// The polishing platform publishes a tariff and a set-up; the maker orders 1,000 faucets.
/// Returns the order's number.
/// A drawing the client attached to order `number`; its id.
pub(crate) async fn seed_order_file(app: &TestApp, number: &str) -> i64 {
    let reply = crate::projects::upload_to(
        app,
        "maker",
        &format!("/api/v1/factory-orders/{number}/files"),
        "drawing",
        "龙头图纸.pdf",
        crate::projects::PDF,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    reply.json()["id"].as_i64().unwrap()
}

pub(crate) async fn seed_order(app: &TestApp) -> String {
    for (path, body) in [
        ("/api/v1/factories/polish/tariffs", tariff()),
        (
            "/api/v1/factories/polish/setups",
            json!({"setup": setup(), "note": "首版"}),
        ),
    ] {
        let reply = app.api("POST", path, Some("polisher"), Some(body)).await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{path}: {}",
            reply.text()
        );
    }
    let reply = app
        .api(
            "POST",
            "/api/v1/factories/polish/orders",
            Some("maker"),
            Some(faucets(1000)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    reply.json()["number"].as_str().unwrap().to_owned()
}

/// The maker orders `quantity` faucets and accepts the quote; returns the order's number.
pub(crate) async fn accepted_order(app: &TestApp, quantity: i64) -> String {
    let order = app
        .api(
            "POST",
            "/api/v1/factories/polish/orders",
            Some("maker"),
            Some(faucets(quantity)),
        )
        .await
        .json();
    let number = order["number"].as_str().unwrap().to_owned();
    let accepted = app
        .api(
            "POST",
            &format!("/api/v1/factory-orders/{number}/accept"),
            Some("maker"),
            None,
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text());
    number
}

/// The maker orders 600 faucets and accepts; the polishing platform plans (version 1, a draft).
/// Returns the order's number.
pub(crate) async fn seed_plan(app: &TestApp) -> String {
    let number = accepted_order(app, 600).await;
    let plan = app
        .api(
            "POST",
            "/api/v1/factories/polish/plans",
            Some("polisher"),
            Some(json!({"pins": []})),
        )
        .await;
    assert_eq!(plan.status, StatusCode::CREATED, "{}", plan.text());
    number
}

/// The polishing platform connects robot-01 (bound to R01 in the set-up) and returns its token.
pub(crate) async fn robot(app: &TestApp) -> String {
    let profile = app
        .api(
            "POST",
            "/api/v1/device-profiles",
            Some("polisher"),
            Some(json!({
                "name": "polishing_robot",
                "table_name": "robots",
                "telemetry": [
                    {"name": "state", "type": "string", "label": "状态"},
                    {"name": "good", "type": "integer", "unit": "件", "label": "合格数"},
                    {"name": "scrap", "type": "integer", "unit": "件", "label": "废品数"},
                    {"name": "alarm", "type": "integer", "label": "报警代码"}
                ]
            })),
        )
        .await;
    assert_eq!(profile.status, StatusCode::CREATED, "{}", profile.text());
    let device = app
        .api(
            "POST",
            "/api/v1/devices",
            Some("polisher"),
            Some(json!({"name": "robot-01", "profile": "polishing_robot", "label": "1 号机器人"})),
        )
        .await;
    assert_eq!(device.status, StatusCode::CREATED, "{}", device.text());
    device.json()["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_factorys_oee_comes_from_what_its_robots_report() {
    for app in apps().await {
        seed_order(&app).await;
        let token = robot(&app).await;
        // On the test day (Thursday 26 November; shift 08:00–20:00, lunch 12:00–13:00) the
        // robot runs 08:00–10:00, faults (alarm 7) to 10:20, runs to 12:00 and then says
        // nothing; its counters read 100 good at 08:00, 30 good and 1 scrap after a reboot at
        // 11:00, and 160 good and 3 scrap at 12:00.
        let at = |hours: i64, minutes: i64| 1_795_622_400_000 + (hours * 60 + minutes) * 60_000;
        let mut reports = Vec::new();
        for minute in (8 * 60..12 * 60).step_by(4) {
            let state = if (600..620).contains(&minute) {
                "fault"
            } else {
                "running"
            };
            reports.push(json!({"ts": at(0, minute), "values": {"state": state, "alarm": 7}}));
        }
        for (hours, good, scrap) in [(8, 100, 0), (11, 30, 1), (12, 160, 3)] {
            reports.push(json!({"ts": at(hours, 0), "values": {"good": good, "scrap": scrap}}));
        }
        let sent = app
            .send_device("/api/v1/{token}/telemetry", &token, json!(reports))
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
        let path = "/api/v1/factories/polish/oee?from=2026-11-26&to=2026-11-26";
        let report = app.api("GET", path, Some("staff"), None).await;
        assert_eq!(report.status, StatusCode::OK, "{}", report.text());
        let report = report.json();
        let r01 = &report["groups"][0];
        assert_eq!(r01["group"], "R01", "{report}");
        assert_eq!(r01["planned_busy_minutes"], 660.0);
        assert_eq!(r01["production_minutes"], 220.0, "{report}");
        assert_eq!(r01["down_minutes"], 20.0);
        assert_eq!(r01["unrecorded_minutes"], 420.0);
        // 08:00 is the baseline; 100 → 30 is a reset, so the pieces are 30 + 130 good and
        // 1 + 2 scrap.
        assert_eq!(r01["produced"], 163, "{report}");
        assert_eq!(r01["good"], 160);
        assert_eq!(report["counter_resets"], 1);
        assert_eq!(report["unbound_devices"], json!([]), "{report}");
        // A device the platform registers but binds to no resource is named, not counted.
        let spare = app
            .api(
                "POST",
                "/api/v1/devices",
                Some("polisher"),
                Some(json!({"name": "robot-spare", "profile": "polishing_robot"})),
            )
            .await;
        assert_eq!(spare.status, StatusCode::CREATED, "{}", spare.text());
        let again = app.api("GET", path, Some("staff"), None).await.json();
        assert_eq!(again["unbound_devices"], json!(["robot-spare"]), "{again}");
        assert_eq!(again["groups"], report["groups"]);
        let availability = r01["availability"].as_f64().unwrap();
        assert!((availability - 220.0 / 660.0).abs() < 1e-9);
        // The factory's figures carry the machines' month beside its orders: the whole
        // platform (the robot reported on this day only), and months before it reported
        // anything are unrecorded from end to end.
        let figures = app
            .api(
                "GET",
                "/api/v1/factories/polish/figures",
                Some("staff"),
                None,
            )
            .await
            .json();
        let machines = &figures["machines"];
        let november = &machines["months"][10];
        assert_eq!(november["period"], "2026-11", "{machines}");
        assert_eq!(november["production_minutes"], 220.0, "{machines}");
        assert_eq!(november["produced"], 163);
        let utilisation = november["utilisation"].as_f64().unwrap();
        let busy = november["planned_busy_minutes"].as_f64().unwrap();
        assert!((utilisation - 220.0 / busy).abs() < 1e-9, "{november}");
        let march = &machines["months"][2];
        assert_eq!(march["unrecorded_minutes"], march["planned_busy_minutes"]);
        assert_eq!(machines["total"]["production_minutes"], 220.0);
        let mut page = Visitor::new(&app);
        page.sign_in("staff").await;
        let html = page.get("/factories/polish/figures").await.text();
        let oee = (november["oee"].as_f64().unwrap() * 1000.0).round() / 10.0;
        assert!(
            html.contains(&format!("id=\"year-oee\">{oee:.1}<")),
            "{oee}: {html}"
        );
        assert_eq!(report["losses"][0]["kind"], "unrecorded", "{report}");
        assert!(
            report["losses"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["kind"] == "fault" && l["alarm"] == 7 && l["minutes"] == 20.0),
            "{report}"
        );
        // R02 and R03 are bound to no device; the packing station neither.
        assert_eq!(
            report["resources_without_devices"],
            json!(["R02", "R03", "M01"])
        );
        let line = app
            .api(
                "GET",
                "/api/v1/factories/polish/oee?from=2026-11-01&to=2026-11-30&by=line&every=week",
                Some("polisher"),
                None,
            )
            .await
            .json();
        assert_eq!(line["groups"][0]["group"], "L1", "{line}");
        assert_eq!(line["groups"][0]["produced"], 163);
        assert!(
            line["rows"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["period"] == "2026-W48")
        );
        // Bad words are named; clients and other platforms do not see the factory.
        for (query, field) in [
            ("by=robot", "by"),
            ("every=hour", "every"),
            ("from=2026-13-01", "from"),
            ("from=2026-11-30&to=2026-11-01", "to"),
            ("from=2020-01-01&to=2026-11-30", "to"),
        ] {
            let reply = app
                .api(
                    "GET",
                    &format!("/api/v1/factories/polish/oee?{query}"),
                    Some("polisher"),
                    None,
                )
                .await;
            let problem = reply.problem(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
        }
        app.api("GET", path, Some("maker"), None)
            .await
            .problem(StatusCode::NOT_FOUND);
        // An operator gives the reason for a stop, one of the set-up's; nobody else can.
        let stops = "/api/v1/factories/polish/floor/stops";
        let recorded = app
            .api(
                "POST",
                stops,
                Some("polisher"),
                Some(json!({"resource": "R01", "code": 31})),
            )
            .await;
        assert_eq!(recorded.status, StatusCode::CREATED, "{}", recorded.text());
        for (body, field) in [
            (json!({"resource": "R01", "code": 99}), "code"),
            (json!({"resource": "R99", "code": 31}), "resource"),
        ] {
            let refused = app
                .api("POST", stops, Some("polisher"), Some(body))
                .await
                .problem(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(refused["errors"][0]["field"], field, "{refused}");
        }
        let body = json!({"resource": "R01", "code": 31});
        app.api("POST", stops, Some("staff"), Some(body.clone()))
            .await
            .problem(StatusCode::FORBIDDEN);
        app.api("POST", stops, Some("maker"), Some(body))
            .await
            .problem(StatusCode::NOT_FOUND);

        // The page says the same, with the losses and what the figures leave out.
        let mut staff = Visitor::new(&app);
        staff.sign_in("polisher").await;
        let page = staff
            .get("/factories/polish/oee?from=2026-11-26&to=2026-11-26")
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        let r01 = html
            .split("<tr data-group=\"R01\">")
            .nth(1)
            .and_then(|rest| rest.split("</tr>").next())
            .unwrap_or_else(|| panic!("no R01 row: {html}"));
        // Availability 33.3 %, busy 11.0 h, production 3.7 h, 163 produced.
        for cell in ["33.3", "11.0", "3.7", "163", "160"] {
            assert!(r01.contains(&format!(">{cell}<")), "{cell} in {r01}");
        }
        assert!(html.contains("id=\"oee-losses\""), "{html}");
        assert!(
            html.contains("R02, R03, M01"),
            "unbound resources are named"
        );
        assert!(html.contains("/assets/factory-oee.js"));
        let bad = staff.get("/factories/polish/oee?by=robot").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("robot"), "the bad word is named");
        let mut client = Visitor::new(&app);
        client.sign_in("maker").await;
        assert_eq!(
            client.get("/factories/polish/oee").await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn the_floor_takes_the_robots_counts_and_the_operators_starts_and_finishes() {
    for app in apps().await {
        seed_order(&app).await;
        let token = robot(&app).await;
        let number = accepted_order(&app, 600).await;
        // Lot 1's rough grind is pinned to R01, whose robot reports.
        let plan = app
            .api(
                "POST",
                "/api/v1/factories/polish/plans",
                Some("polisher"),
                Some(json!({"pins": [
                    {"order": number, "lot": 1, "step": 1, "resource": "R01", "start": "2026-11-27 08:00"},
                    {"order": number, "lot": 3, "step": 1, "resource": "R01", "start": "2026-11-27 15:00"}
                ]})),
            )
            .await;
        assert_eq!(plan.status, StatusCode::CREATED, "{}", plan.text());
        // Nothing published: an empty floor.
        let floor = app
            .api(
                "GET",
                "/api/v1/factories/polish/floor",
                Some("polisher"),
                None,
            )
            .await
            .json();
        assert_eq!(floor["plan_version"], Value::Null, "{floor}");
        let published = app
            .api(
                "POST",
                "/api/v1/factories/polish/plans/1/publish",
                Some("polisher"),
                None,
            )
            .await;
        assert_eq!(published.status, StatusCode::OK, "{}", published.text());
        // Friday morning: the robot counts 152 pieces after its first report.
        app.clock.advance(12 * 3_600_000);
        let friday = |hours: i64, minutes: i64| 1_795_708_800_000 + (hours * 60 + minutes) * 60_000;
        let reports = json!([
            {"ts": friday(8, 30), "values": {"state": "running", "good": 40, "scrap": 1}},
            {"ts": friday(9, 0), "values": {"state": "running", "good": 190, "scrap": 3}}
        ]);
        let sent = app
            .send_device("/api/v1/{token}/telemetry", &token, reports)
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
        let floor = app
            .api("GET", "/api/v1/factories/polish/floor", Some("staff"), None)
            .await
            .json();
        assert_eq!(floor["plan_version"], 1, "{floor}");
        let operations = floor["operations"].as_array().unwrap();
        let find = |floor: &Value, lot: u64, step: u64| -> Value {
            floor["operations"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["order"] == number.as_str() && o["lot"] == lot && o["step"] == step)
                .cloned()
                .unwrap_or_else(|| panic!("no lot {lot} step {step}: {floor}"))
        };
        assert!(operations.len() >= 6, "{floor}");
        let first = find(&floor, 1, 1);
        assert_eq!(first["resource"], "R01");
        assert_eq!(
            (first["good"].as_i64(), first["scrap"].as_i64()),
            (Some(150), Some(2))
        );
        assert_eq!(first["state"], "running", "{first}");
        let progress = app
            .api(
                "GET",
                &format!("/api/v1/factory-orders/{number}"),
                Some("maker"),
                None,
            )
            .await
            .json();
        let steps = progress["progress"].as_array().unwrap();
        assert_eq!(steps[0]["pieces"], 600, "{progress}");
        assert_eq!(steps[0]["good"], 150, "{progress}");

        // The operator finishes the rough grind (its counts stay its own) and the fine polish
        // (nothing counted: it passes on the rough grind's good pieces), then packs lot 1.
        let record = |action: &str, lot: usize, step: usize| json!({"order": number, "lot": lot, "step": step, "action": action});
        let path = "/api/v1/factories/polish/floor/operations";
        let done = app
            .api("POST", path, Some("polisher"), Some(record("finish", 1, 1)))
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text());
        let rough = find(&done.json(), 1, 1);
        assert_eq!(
            (rough["state"].as_str(), rough["good"].as_i64()),
            (Some("done"), Some(150))
        );
        for action in ["finish", "start"] {
            app.api("POST", path, Some("polisher"), Some(record(action, 1, 1)))
                .await
                .problem(StatusCode::CONFLICT);
        }
        let fine = app
            .api("POST", path, Some("polisher"), Some(record("finish", 1, 2)))
            .await
            .json();
        assert_eq!(find(&fine, 1, 2)["good"], 150, "{fine}");
        for (user, status) in [
            ("staff", StatusCode::FORBIDDEN),
            ("maker", StatusCode::NOT_FOUND),
        ] {
            app.api("POST", path, Some(user), Some(record("start", 1, 3)))
                .await
                .problem(status);
        }
        let started = app
            .api("POST", path, Some("polisher"), Some(record("start", 1, 3)))
            .await;
        assert_eq!(started.status, StatusCode::OK, "{}", started.text());
        assert_eq!(find(&started.json(), 1, 3)["state"], "running");
        app.api("POST", path, Some("polisher"), Some(record("start", 1, 3)))
            .await
            .problem(StatusCode::CONFLICT);
        app.api("POST", path, Some("polisher"), Some(record("start", 99, 1)))
            .await
            .problem(StatusCode::NOT_FOUND);
        let bad = app
            .api("POST", path, Some("polisher"), Some(record("pause", 1, 3)))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad["errors"][0]["field"], "action", "{bad}");
        let packed = app
            .api("POST", path, Some("polisher"), Some(record("finish", 1, 3)))
            .await
            .json();
        let packing = find(&packed, 1, 3);
        assert_eq!(packing["state"], "done", "{packing}");
        assert_eq!(packing["good"], 150, "{packing}");
        let progress = app
            .api(
                "GET",
                &format!("/api/v1/factory-orders/{number}"),
                Some("maker"),
                None,
            )
            .await
            .json();
        assert_eq!(progress["progress"][2]["good"], 150, "{progress}");
        assert_eq!(progress["progress"][2]["lots_done"], 1, "{progress}");

        // The floor screen: R01's card says what the robot last said; the operator starts
        // lot 2's rough grind with one button, and a second start is refused with the reason.
        let mut operator = Visitor::new(&app);
        operator.sign_in("polisher").await;
        let screen = operator.get("/factories/polish/floor?line=L1").await;
        assert_eq!(screen.status, StatusCode::OK);
        let html = screen.text();
        let r01 = html
            .split("data-resource=\"R01\"")
            .nth(1)
            .and_then(|rest| rest.split("</section>").next())
            .unwrap_or_else(|| panic!("no R01 card: {html}"));
        // Its last report (09:00) is older than a state holds at 09:33: silent, not running.
        assert!(
            r01.contains("data-state=\"unknown\"") && r01.contains("设备无上报"),
            "{r01}"
        );
        let csrf = operator.csrf();
        let lot2 = finished_lot2_rough(&packed, &number);
        let form = [
            ("csrf_token", csrf.as_str()),
            ("line", "L1"),
            ("order", number.as_str()),
            ("lot", lot2.0.as_str()),
            ("step", "1"),
        ];
        let started = operator.post("/factories/polish/floor/start", &form).await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text());
        let again = operator.post("/factories/polish/floor/start", &form).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(again.text().contains("该工序已开工"), "{}", again.text());
        let mut client = Visitor::new(&app);
        client.sign_in("maker").await;
        assert_eq!(
            client.get("/factories/polish/floor").await.status,
            StatusCode::NOT_FOUND
        );
        let order_page = client
            .get(&format!("/factory-orders/{number}"))
            .await
            .text();
        assert!(order_page.contains("id=\"progress\""), "{order_page}");
        // R01 faults (alarm 7) with lot 3 still to do: its card offers a re-plan around two
        // hours of repair, which makes a draft with nothing on R01 meanwhile.
        let fault = json!({"ts": friday(9, 32), "values": {"state": "fault", "alarm": 7}});
        app.send_device("/api/v1/{token}/telemetry", &token, fault)
            .await;
        let html = operator.get("/factories/polish/floor?line=L1").await.text();
        let outage = html
            .split("name=\"outages\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no re-plan offered: {html}"))
            .to_owned();
        assert!(
            outage.starts_with("R01 2026-11-27 09:34 2026-11-27 11:34"),
            "{outage}"
        );
        // The operator may also say why it stands, from the set-up's reasons.
        assert!(html.contains("data-stop=\"R01\""), "{html}");
        let reason = operator
            .post(
                "/factories/polish/floor-stop",
                &[
                    ("csrf_token", csrf.as_str()),
                    ("line", "L1"),
                    ("resource", "R01"),
                    ("code", "7"),
                ],
            )
            .await;
        assert_eq!(reason.status, StatusCode::SEE_OTHER, "{}", reason.text());
        let replanned = operator
            .post(
                "/factories/polish/plan",
                &[
                    ("csrf_token", csrf.as_str()),
                    ("latest_version", "1"),
                    ("pins", ""),
                    ("outages", outage.as_str()),
                ],
            )
            .await;
        assert_eq!(
            replanned.status,
            StatusCode::SEE_OTHER,
            "{}",
            replanned.text()
        );
        let draft = app
            .api(
                "GET",
                "/api/v1/factories/polish/plans/2",
                Some("polisher"),
                None,
            )
            .await
            .json();
        assert_eq!(draft["status"], "draft");
        assert_eq!(draft["outages"][0]["resource"], "R01", "{draft}");
        let (from, until) = ("2026-11-27T01:34:00Z", "2026-11-27T03:34:00Z");
        for operation in draft["operations"].as_array().unwrap() {
            if operation["resource"] == "R01" {
                let (start, end) = (
                    operation["start"].as_str().unwrap(),
                    operation["end"].as_str().unwrap(),
                );
                assert!(
                    end <= from || start >= until,
                    "{operation} during the outage"
                );
            }
        }
        // An outage is checked like everything else.
        for (outage, field) in [
            (
                json!({"resource": "R99", "start": "2026-11-27 10:00", "end": "2026-11-27 11:00"}),
                "outages[0].resource",
            ),
            (
                json!({"resource": "R01", "start": "2026-11-27 11:00", "end": "2026-11-27 10:00"}),
                "outages[0].end",
            ),
            (
                json!({"resource": "R01", "start": "tomorrow", "end": "2026-11-27 10:00"}),
                "outages[0].start",
            ),
        ] {
            let refused = app
                .api_with_headers(
                    "POST",
                    "/api/v1/factories/polish/plans",
                    Some("polisher"),
                    Some(json!({"outages": [outage]})),
                    &[("if-match", "\"2\"")],
                )
                .await
                .problem(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(refused["errors"][0]["field"], field, "{refused}");
        }
    }
}

/// The lot whose rough grind is still waiting (as text for a form).
fn finished_lot2_rough(floor: &Value, number: &str) -> (String,) {
    let lot = floor["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["order"] == number && o["step"] == 1 && o["state"] == "waiting")
        .map(|o| o["lot"].as_u64().unwrap())
        .unwrap_or_else(|| panic!("no waiting rough grind: {floor}"));
    (lot.to_string(),)
}

#[tokio::test]
async fn the_factory_plans_publishes_and_the_client_sees_the_date() {
    for app in apps().await {
        seed_order(&app).await;
        let number = seed_plan(&app).await;
        let plans = app
            .api(
                "GET",
                "/api/v1/factories/polish/plans",
                Some("polisher"),
                None,
            )
            .await;
        assert_eq!(plans.headers["etag"], "\"1\"");
        let plan = app
            .api(
                "GET",
                "/api/v1/factories/polish/plans/1",
                Some("admin"),
                None,
            )
            .await
            .json();
        // 600 faucets in lots of 200 through three steps.
        assert_eq!(
            plan["operations"].as_array().map(Vec::len),
            Some(9),
            "{plan}"
        );
        assert_eq!(plan["figures"]["operations"], 9);
        let first = plan["operations"][0].clone();
        // A second planner working from no version is refused; a pin is held.
        app.api(
            "POST",
            "/api/v1/factories/polish/plans",
            Some("polisher"),
            Some(json!({"pins": []})),
        )
        .await
        .problem(StatusCode::CONFLICT);
        let pinned = app
            .api_with_headers(
                "POST",
                "/api/v1/factories/polish/plans",
                Some("polisher"),
                Some(
                    json!({"pins": [{"order": number, "lot": 3, "step": 1, "resource": "R03",
                    "start": "2026-11-30 14:00"}]}),
                ),
                &[("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(pinned.status, StatusCode::CREATED, "{}", pinned.text());
        let pinned = pinned.json();
        let held = pinned["operations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["lot"] == 3 && o["step"] == 1)
            .unwrap()
            .clone();
        assert_eq!(held["resource"], "R03", "{held}");
        assert_eq!(held["start"], "2026-11-30T06:00:00Z");
        assert_eq!(held["fixed"], true);
        let refused = app
            .api_with_headers(
                "POST",
                "/api/v1/factories/polish/plans",
                Some("polisher"),
                Some(
                    json!({"pins": [{"order": number, "lot": 1, "step": 1, "resource": "M01",
                    "start": "2026-11-30 14:00"}]}),
                ),
                &[("if-match", "\"2\"")],
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.to_string().contains("M01"), "{refused}");
        // No date before publication; the published plan's after.
        let order = app
            .api(
                "GET",
                &format!("/api/v1/factory-orders/{number}"),
                Some("maker"),
                None,
            )
            .await
            .json();
        assert!(order.get("expected_end").is_none(), "{order}");
        app.api(
            "POST",
            "/api/v1/factories/polish/plans/2/publish",
            Some("admin"),
            None,
        )
        .await
        .problem(StatusCode::FORBIDDEN);
        let published = app
            .api(
                "POST",
                "/api/v1/factories/polish/plans/2/publish",
                Some("polisher"),
                None,
            )
            .await;
        assert_eq!(
            published.json()["status"],
            "published",
            "{}",
            published.text()
        );
        app.api(
            "POST",
            "/api/v1/factories/polish/plans/1/publish",
            Some("polisher"),
            None,
        )
        .await
        .problem(StatusCode::CONFLICT);
        let order = app
            .api(
                "GET",
                &format!("/api/v1/factory-orders/{number}"),
                Some("maker"),
                None,
            )
            .await
            .json();
        let outcome = pinned["orders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["order"] == number.as_str())
            .unwrap()
            .clone();
        assert_eq!(order["expected_end"], outcome["planned_end"], "{order}");
        // The planner's page: versions, the chart's data, the orders against their promises.
        let mut staff = Visitor::new(&app);
        staff.sign_in("polisher").await;
        let page = staff.get("/factories/polish/plan").await.text();
        assert!(page.contains("id=\"plan-versions\""), "{page}");
        assert!(page.contains("data-status=\"published\""));
        assert!(page.contains("id=\"plan-data\""));
        assert!(page.contains(&format!("href=\"/factory-orders/{number}\"")));
        assert!(page.contains("id=\"make-plan\""));
        // A pin typed wrong is named on the form; a good one makes version 3.
        let csrf = staff.csrf();
        let reply = staff
            .post(
                "/factories/polish/plan",
                &[
                    ("csrf_token", csrf.as_str()),
                    ("latest_version", "2"),
                    ("pins", "FO1 x"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.text().contains("id=\"plan-problems\""));
        let line = format!("{number} 3 1 R02 2026-11-30 15:00");
        let reply = staff
            .post(
                "/factories/polish/plan",
                &[
                    ("csrf_token", csrf.as_str()),
                    ("latest_version", "2"),
                    ("pins", line.as_str()),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let reply = staff
            .post(
                "/factories/polish/plan/3/publish",
                &[("csrf_token", csrf.as_str()), ("published_version", "2")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        // The client sees the date on its order; the maker cannot open the plan.
        let mut maker = Visitor::new(&app);
        maker.sign_in("maker").await;
        assert!(
            maker
                .get(&format!("/factory-orders/{number}"))
                .await
                .text()
                .contains("id=\"eta\"")
        );
        assert_eq!(
            maker.get("/factories/polish/plan").await.status,
            StatusCode::NOT_FOUND
        );
        let _ = first;
    }
}

#[tokio::test]
async fn an_enterprise_orders_over_the_api_and_accepts_the_quote() {
    for app in apps().await {
        let number = seed_order(&app).await;
        let path = format!("/api/v1/factory-orders/{number}");
        let order = app.api("GET", &path, Some("maker"), None).await;
        assert_eq!(order.status, StatusCode::OK);
        assert_eq!(order.headers["etag"], "\"1\"");
        let order = order.json();
        assert_eq!(order["status"], "quoted");
        // 2 set-ups × 200 + 1,750 robot minutes at 180 an hour (5,250) + 1,000 × 2.50 = 8,150.
        assert_eq!(order["quote"]["total_fen"], 815_000, "{order}");
        assert_eq!(
            order["quote"]["lines"].as_array().unwrap().len(),
            3,
            "{order}"
        );
        assert_eq!(order["quote"]["later_than_needed"], false);
        assert_eq!(order["request"]["quantity"], 1000);
        // Each bad field is named; nothing is stored.
        for (body, field) in [
            (
                json!({"process": "polishing", "family": "卫浴龙头", "material": "黄铜", "quantity": 10,
                "part_mm": 2000, "need_by": "2026-12-20"}),
                "part_mm",
            ),
            (
                json!({"process": "welding", "family": "卫浴龙头", "material": "黄铜", "quantity": 10,
                "need_by": "2026-12-20"}),
                "process",
            ),
            (
                json!({"process": "cutting", "family": "卫浴龙头", "material": "黄铜", "quantity": 0,
                "matrix": [{"size": "M", "colour": "蓝", "quantity": 5}], "need_by": "2026-12-20"}),
                "process",
            ),
            (
                json!({"process": "polishing", "family": "卫浴龙头", "material": "黄铜", "quantity": 10,
                "need_by": "2026-01-01"}),
                "need_by",
            ),
        ] {
            let reply = app
                .api(
                    "POST",
                    "/api/v1/factories/polish/orders",
                    Some("rival"),
                    Some(body),
                )
                .await;
            let problem = reply.problem(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        let rivals = app
            .api("GET", "/api/v1/factory-orders", Some("rival"), None)
            .await
            .json();
        assert_eq!(rivals, json!([]));
        // Lists hold what each reader sees.
        for (user, count) in [
            ("maker", 1),
            ("polisher", 1),
            ("admin", 1),
            ("xiaolan", 0),
            ("expert", 0),
        ] {
            let list = app
                .api("GET", "/api/v1/factory-orders", Some(user), None)
                .await
                .json();
            assert_eq!(list.as_array().map(Vec::len), Some(count), "{user}: {list}");
        }
        app.api(
            "GET",
            "/api/v1/factory-orders?status=shipped",
            Some("maker"),
            None,
        )
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
        // Accepting against an old version is a conflict; the current one confirms.
        let accept = format!("{path}/accept");
        app.api_with_headers(
            "POST",
            &accept,
            Some("maker"),
            None,
            &[("if-match", "\"5\"")],
        )
        .await
        .problem(StatusCode::CONFLICT);
        app.api("POST", &accept, Some("polisher"), None)
            .await
            .problem(StatusCode::FORBIDDEN);
        let confirmed = app
            .api_with_headers(
                "POST",
                &accept,
                Some("maker"),
                None,
                &[("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
        assert_eq!(confirmed.json()["status"], "confirmed");
        assert_eq!(confirmed.json()["row_version"], 2);
        let again = app.api("POST", &accept, Some("maker"), None).await;
        assert_eq!(
            again.problem(StatusCode::CONFLICT)["type"],
            "/problems/illegal-transition"
        );
        // The next client's order is planned behind it.
        let second = app
            .api(
                "POST",
                "/api/v1/factories/polish/orders",
                Some("rival"),
                Some(faucets(1000)),
            )
            .await
            .json();
        assert_eq!(second["quote"]["planned_with"], 1, "{second}");
        assert!(
            second["quote"]["promised_at"].as_str()
                > confirmed.json()["quote"]["promised_at"].as_str(),
            "{second}"
        );
        // The factory delivers the first with a note; the amount follows the good pieces; the
        // client confirms and rates; nobody else can.
        let delivery = format!("{path}/delivery");
        app.api(
            "POST",
            &delivery,
            Some("maker"),
            Some(json!({"good": 990, "scrap": 10})),
        )
        .await
        .problem(StatusCode::FORBIDDEN);
        // Not before the client's material is recorded, which only the factory does.
        let bare = app
            .api(
                "POST",
                &delivery,
                Some("polisher"),
                Some(json!({"good": 990, "scrap": 10})),
            )
            .await
            .problem(StatusCode::CONFLICT);
        assert!(
            bare["detail"].as_str().unwrap().contains("material"),
            "{bare}"
        );
        let material = format!("{path}/material");
        app.api(
            "POST",
            &material,
            Some("maker"),
            Some(json!({"quantity": 1000, "unit": "pieces"})),
        )
        .await
        .problem(StatusCode::FORBIDDEN);
        let odd = app
            .api(
                "POST",
                &material,
                Some("polisher"),
                Some(json!({"quantity": 1000, "unit": "boxes"})),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(odd["errors"][0]["field"], "unit", "{odd}");
        let received_material = app
            .api(
                "POST",
                &material,
                Some("polisher"),
                Some(json!({"quantity": 1000, "unit": "pieces", "lots": "B-7"})),
            )
            .await;
        assert_eq!(
            received_material.status,
            StatusCode::OK,
            "{}",
            received_material.text()
        );
        let received_material = received_material.json();
        assert_eq!(received_material["material"][0]["lots"], "B-7");
        assert_eq!(received_material["material_late"], false);
        let delivered = app
            .api(
                "POST",
                &delivery,
                Some("polisher"),
                Some(json!({"good": 990, "scrap": 10, "material_returned": "毛坯 5 件"})),
            )
            .await;
        assert_eq!(delivered.status, StatusCode::OK, "{}", delivered.text());
        let delivered = delivered.json();
        assert_eq!(delivered["status"], "delivered");
        assert_eq!(delivered["delivery"]["good"], 990);
        assert_eq!(
            delivered["delivery"]["reconciliation"],
            json!({"unit": "pieces", "received": 1000, "returned": 0, "consumed": 1000, "unaccounted": 0})
        );
        assert!(
            delivered["delivery"]["final_fen"].as_i64().unwrap() < 815_000,
            "{delivered}"
        );
        app.api(
            "POST",
            &format!("{path}/receipt"),
            Some("rival"),
            Some(json!({"rating": 5})),
        )
        .await
        .problem(StatusCode::NOT_FOUND);
        let received = app
            .api(
                "POST",
                &format!("{path}/receipt"),
                Some("maker"),
                Some(json!({"rating": 5, "comment": "好"})),
            )
            .await
            .json();
        assert_eq!(received["status"], "received", "{received}");
        assert_eq!(received["delivery"]["rating"], 5);
        // The factory declines it with a reason.
        let declined = app
            .api(
                "POST",
                &format!(
                    "/api/v1/factory-orders/{}/cancel",
                    second["number"].as_str().unwrap()
                ),
                Some("polisher"),
                Some(json!({"reason": "排产已满"})),
            )
            .await;
        assert_eq!(
            declined.json()["status"],
            "cancelled",
            "{}",
            declined.text()
        );
        // The factory's figures count them: the month's and the year's alike.
        let figures = app
            .api(
                "GET",
                "/api/v1/factories/polish/figures",
                Some("staff"),
                None,
            )
            .await
            .json();
        assert_eq!(figures["year"], 2026, "{figures}");
        assert_eq!(figures["months"].as_array().map(Vec::len), Some(11));
        let november = &figures["months"][10];
        assert_eq!(november, &{
            let mut total = figures["total"].clone();
            total["period"] = json!("2026-11");
            total
        });
        assert_eq!(november["deliveries"], 1, "{figures}");
        assert_eq!(november["on_time"], 1);
        assert_eq!(november["clients_served"], 1);
        assert_eq!(november["pieces"], 990);
        assert_eq!(november["revenue_fen"], delivered["delivery"]["final_fen"]);
        assert_eq!(november["mean_rating"], 5.0);
        assert!(november["cancelled"].as_i64() >= Some(1), "{figures}");
        assert!(november["placed"].as_i64() >= Some(2), "{figures}");
        let refused = app
            .api(
                "GET",
                "/api/v1/factories/polish/figures?year=1999",
                Some("polisher"),
                None,
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused["errors"][0]["field"], "year", "{refused}");
        // Every factory's totals: the city and the factory's staff see it, a client none.
        for (user, seen) in [("staff", 1), ("polisher", 1), ("maker", 0)] {
            let all = app
                .api("GET", "/api/v1/factory-figures", Some(user), None)
                .await
                .json();
            assert_eq!(all.as_array().map(Vec::len), Some(seen), "{user}: {all}");
        }
        let all = app
            .api("GET", "/api/v1/factory-figures", Some("staff"), None)
            .await
            .json();
        assert_eq!(all[0]["total"], figures["total"]);
        assert_eq!(all[0]["to_date"]["pieces"], 990, "{all}");
        let mut page = Visitor::new(&app);
        page.sign_in("polisher").await;
        let html = page.get("/factories/polish/figures").await.text();
        assert!(html.contains("id=\"figures-total\""), "{html}");
        assert!(html.contains("id=\"figures-to-date\""), "{html}");
        assert!(html.contains("id=\"client-figures\""), "{html}");
        let list = page.get("/factories").await.text();
        assert!(list.contains("id=\"factory-totals\""), "{list}");
        // The set-up: its staff and the city read it; a bad one is named by path.
        let setups = app
            .api(
                "GET",
                "/api/v1/factories/polish/setups",
                Some("staff"),
                None,
            )
            .await;
        assert_eq!(
            setups.json()[0]["setup"]["resources"]
                .as_array()
                .map(Vec::len),
            Some(4)
        );
        let mut bad = setup();
        bad["resources"][1]["site"] = json!("S9");
        let problem = app
            .api_with_headers(
                "POST",
                "/api/v1/factories/polish/setups",
                Some("polisher"),
                Some(json!({"setup": bad})),
                &[("if-match", "\"1\"")],
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            problem["errors"][0]["field"], "setup.resources[1].site",
            "{problem}"
        );
        let mut unknown = setup();
        unknown["resources"][0]["colour"] = json!("red");
        let problem = app
            .api(
                "POST",
                "/api/v1/factories/polish/setups",
                Some("polisher"),
                Some(json!({"setup": unknown})),
            )
            .await
            .problem(StatusCode::BAD_REQUEST);
        assert!(problem.to_string().contains("colour"), "{problem}");
        app.api(
            "GET",
            "/api/v1/factories/polish/setups",
            Some("maker"),
            None,
        )
        .await
        .problem(StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn an_enterprise_orders_on_the_form_and_accepts_on_the_order_page() {
    for app in apps().await {
        let number = seed_order(&app).await;
        let mut maker = Visitor::new(&app);
        maker.sign_in("maker").await;
        let tariff = maker.get("/factories/polish/tariff").await.text();
        assert!(
            tariff.contains("href=\"/factories/polish/order\""),
            "{tariff}"
        );
        assert!(
            !tariff.contains("id=\"factory-setup\""),
            "clients do not see the set-up"
        );
        let form = maker.get("/factories/polish/order").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.text().contains("<option value=\"卫浴龙头\""),
            "{}",
            form.text()
        );
        let csrf = maker.csrf();
        let fields = |quantity: &'static str, part: &'static str, matrix: &'static str| {
            vec![
                ("csrf_token", csrf.clone()),
                ("process", "polishing".to_owned()),
                ("family", "卫浴龙头".to_owned()),
                ("material", "黄铜".to_owned()),
                ("quantity", quantity.to_owned()),
                ("part_mm", part.to_owned()),
                ("matrix", matrix.to_owned()),
                ("need_by", "2026-12-24".to_owned()),
            ]
        };
        let as_refs = |v: &Vec<(&'static str, String)>| {
            v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>()
        };
        // Each problem beside its field, what was typed kept.
        for (quantity, part, matrix, field) in [
            ("abc", "250", "", "quantity"),
            ("500", "1200", "", "part_mm"),
            ("0", "250", "M 蓝", "matrix"),
        ] {
            let typed = as_refs(&fields(quantity, part, matrix));
            let pairs: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let reply = maker
                .post_multipart("/factories/polish/order", &pairs, None)
                .await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
            let text = reply.text();
            assert!(
                text.contains(&format!("id=\"{field}-error\"")),
                "{field}: {text}"
            );
            assert!(text.contains(&format!("value=\"{part}\"")), "{text}");
        }
        let typed = as_refs(&fields("600", "250", ""));
        let mut pairs: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (*k, v.as_str())).collect();
        // A file that is not a drawing is refused beside its field, and no order is placed.
        let before = app
            .api("GET", "/api/v1/factory-orders", Some("maker"), None)
            .await
            .json();
        pairs.push(("file_purpose", "drawing"));
        let reply = maker
            .post_multipart(
                "/factories/polish/order",
                &pairs,
                Some(("龙头.exe", &b"MZ\x90\x00"[..])),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            reply.text().contains("id=\"file-error\""),
            "{}",
            reply.text()
        );
        let after = app
            .api("GET", "/api/v1/factory-orders", Some("maker"), None)
            .await
            .json();
        assert_eq!(before, after, "nothing was placed");
        // The order goes with its drawing.
        let reply = maker
            .post_multipart(
                "/factories/polish/order",
                &pairs,
                Some(("龙头总图.pdf", crate::projects::PDF)),
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let location = reply.headers["location"].to_str().unwrap().to_owned();
        let page = maker.get(&location).await.text();
        assert!(page.contains("订单已提交"), "{page}");
        assert!(page.contains("id=\"quote-lines\""));
        assert!(page.contains("id=\"accept\""));
        assert!(page.contains("id=\"pieces\">600<"), "{page}");
        assert!(
            page.contains("龙头总图.pdf"),
            "the drawing came with it: {page}"
        );
        // Accepting on the page confirms it.
        let new_number = location
            .split('?')
            .next()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        let reply = maker
            .post(
                &format!("/factory-orders/{new_number}/accept"),
                &[("csrf_token", &csrf), ("row_version", "1")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let page = maker
            .get(&format!("/factory-orders/{new_number}"))
            .await
            .text();
        assert!(page.contains("data-status=\"confirmed\""), "{page}");
        assert!(!page.contains("id=\"accept\""));
        // The factory records the delivery on the order page; the client confirms and rates.
        let mut floor = Visitor::new(&app);
        floor.sign_in("polisher").await;
        let page = floor
            .get(&format!("/factory-orders/{new_number}"))
            .await
            .text();
        assert!(!page.contains("id=\"delivery-form\""), "{page}");
        assert!(page.contains("id=\"deliver-needs-material\""), "{page}");
        let floor_csrf = floor.csrf();
        let reply = floor
            .post(
                &format!("/factory-orders/{new_number}/material"),
                &[
                    ("csrf_token", floor_csrf.as_str()),
                    ("row_version", "2"),
                    ("quantity", "-5"),
                    ("unit", "pieces"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            reply.text().contains("id=\"quantity-error\""),
            "{}",
            reply.text()
        );
        let reply = floor
            .post(
                &format!("/factory-orders/{new_number}/material"),
                &[
                    ("csrf_token", floor_csrf.as_str()),
                    ("row_version", "2"),
                    ("quantity", "600"),
                    ("unit", "pieces"),
                    ("lots", "B-9"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let page = floor
            .get(&format!("/factory-orders/{new_number}"))
            .await
            .text();
        assert!(page.contains("id=\"material-receipts\""), "{page}");
        assert!(page.contains("id=\"delivery-form\""), "{page}");
        let reply = floor
            .post(
                &format!("/factory-orders/{new_number}/deliver"),
                &[
                    ("csrf_token", floor_csrf.as_str()),
                    ("row_version", "3"),
                    ("good", "abc"),
                    ("scrap", "0"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            reply.text().contains("id=\"good-error\""),
            "{}",
            reply.text()
        );
        let reply = floor
            .post(
                &format!("/factory-orders/{new_number}/deliver"),
                &[
                    ("csrf_token", floor_csrf.as_str()),
                    ("row_version", "3"),
                    ("good", "590"),
                    ("scrap", "10"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let page = maker
            .get(&format!("/factory-orders/{new_number}"))
            .await
            .text();
        assert!(page.contains("id=\"delivered-good\">590<"), "{page}");
        assert!(page.contains("id=\"receipt-form\""));
        let reply = maker
            .post(
                &format!("/factory-orders/{new_number}/receive"),
                &[
                    ("csrf_token", csrf.as_str()),
                    ("row_version", "4"),
                    ("rating", ""),
                    ("comment", ""),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.text().contains("id=\"rating-error\""));
        let reply = maker
            .post(
                &format!("/factory-orders/{new_number}/receive"),
                &[
                    ("csrf_token", csrf.as_str()),
                    ("row_version", "4"),
                    ("rating", "5"),
                    ("comment", "准时"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        assert!(
            maker
                .get(&format!("/factory-orders/{new_number}"))
                .await
                .text()
                .contains("id=\"rating\">5<")
        );
        // The list shows both orders; another enterprise sees neither.
        let list = maker.get("/factory-orders").await.text();
        assert!(
            list.contains(&number) && list.contains(&new_number),
            "{list}"
        );
        let mut rival = Visitor::new(&app);
        rival.sign_in("rival").await;
        assert!(
            rival
                .get("/factory-orders")
                .await
                .text()
                .contains("id=\"no-orders\"")
        );
        assert_eq!(
            rival.get(&format!("/factory-orders/{number}")).await.status,
            StatusCode::NOT_FOUND
        );
        // The factory's staff read the set-up and refuse a broken one with its path.
        let mut staff = Visitor::new(&app);
        staff.sign_in("polisher").await;
        let setup_page = staff.get("/factories/polish/setup").await.text();
        assert!(setup_page.contains("id=\"resources\""), "{setup_page}");
        assert!(setup_page.contains("robot-01"));
        let csrf = staff.csrf();
        let mut broken = setup();
        broken["calendar"]["workdays"] = json!([0]);
        let reply = staff
            .post(
                "/factories/polish/setup",
                &[
                    ("csrf_token", csrf.as_str()),
                    ("latest_version", "1"),
                    ("setup", &broken.to_string()),
                    ("note", ""),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            reply.text().contains("calendar.workdays"),
            "{}",
            reply.text()
        );
        let reply = staff
            .post(
                "/factories/polish/setup",
                &[
                    ("csrf_token", csrf.as_str()),
                    ("latest_version", "1"),
                    ("setup", &setup().to_string()),
                    ("note", "第二版"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        // The maker may not open it.
        assert_eq!(
            maker.get("/factories/polish/setup").await.status,
            StatusCode::NOT_FOUND
        );
        // The staff see both orders, and may quote again or decline but not accept.
        let order_page = staff.get(&format!("/factory-orders/{number}")).await.text();
        assert!(order_page.contains("id=\"requote\"") && !order_page.contains("id=\"accept\""));
    }
}

fn tariff_form<'a>(csrf: &'a str, latest: &'a str, breaks: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf_token", csrf),
        ("latest_version", latest),
        ("setup_fee", "200"),
        ("minimum_charge", "500"),
        ("cutting_line", ""),
        ("spreading_line", ""),
        ("polishing_cell", "180"),
        ("manual", ""),
        ("p0_family", "龙头"),
        ("p0_breaks", breaks),
        ("p1_family", ""),
        ("p1_breaks", ""),
        ("note", "首版"),
    ]
}

#[tokio::test]
async fn a_factory_publishes_its_tariff_on_a_form_and_clients_price_orders() {
    for app in apps().await {
        let mut staff = Visitor::new(&app);
        staff.sign_in("polisher").await;
        let list = staff.get("/factories").await.text();
        assert!(list.contains("id=\"no-factories\""), "{list}");
        assert!(list.contains("href=\"/factories/polish/tariff\""));
        let form = staff.get("/factories/polish/tariff/edit").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text().contains("name=\"p1_family\""));
        let csrf = staff.csrf();
        // Problems are named beside their row, and what was typed stays.
        for (breaks, says) in [
            ("1=2.50; 1000", "起订量=单价"),
            ("5=2.50", "第一档须从 1 件起"),
        ] {
            let reply = staff
                .post(
                    "/factories/polish/tariff/edit",
                    &tariff_form(&csrf, "", breaks),
                )
                .await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{breaks}");
            let text = reply.text();
            assert!(text.contains("id=\"p0_breaks-error\""), "{text}");
            assert!(text.contains(says), "{says}: {text}");
            assert!(text.contains("value=\"龙头\""));
        }
        let reply = staff
            .post(
                "/factories/polish/tariff/edit",
                &tariff_form(&csrf, "", "1=2.50; 1000=2.20"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let location = reply.headers["location"].to_str().unwrap().to_owned();
        assert!(
            staff
                .get(&location)
                .await
                .text()
                .contains("已发布第 1 版价目表")
        );
        // A form opened before that publication is stale, said on the form.
        let stale = staff
            .post(
                "/factories/polish/tariff/edit",
                &tariff_form(&csrf, "", "1=2.40"),
            )
            .await;
        assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(stale.text().contains("价目表已更新为第 1 版"));

        // A client finds the factory and prices 1,200 faucets with an hour of a cell and one
        // set-up: 200 + 180 + 1,200 × 2.20 = 3,020 yuan.
        let mut maker = Visitor::new(&app);
        maker.sign_in("maker").await;
        assert!(maker.get("/").await.text().contains("href=\"/factories\""));
        assert!(
            maker
                .get("/factories")
                .await
                .text()
                .contains("href=\"/factories/polish/tariff\"")
        );
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("family", "龙头"),
                ("quantity", "1200"),
                ("setups", "1"),
                ("polishing_cell", "60"),
            ])
            .finish();
        let page = maker
            .get(&format!("/factories/polish/tariff?{query}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let text = page.text();
        assert!(text.contains("id=\"price-total\">3,020.00<"), "{text}");
        assert!(text.contains("1000 件起档"));
        assert!(
            !text.contains("id=\"edit-tariff\""),
            "only the factory publishes"
        );
        assert_eq!(
            maker.get("/factories/polish/tariff/edit").await.status,
            StatusCode::FORBIDDEN
        );
        let bad = maker
            .get("/factories/polish/tariff?family=x&quantity=abc")
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("id=\"quantity-error\""));
        // A code that names no factory is not found.
        assert_eq!(
            maker.get("/factories/city/tariff").await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn an_order_carries_drawings_and_pattern_pieces_judged_by_their_content() {
    for app in apps().await {
        let number = seed_order(&app).await;
        let files = format!("/api/v1/factory-orders/{number}/files");
        let drawing = seed_order_file(&app, &number).await;
        // The factory adds the client's pattern pieces as exported from its CAD system.
        let dxf = b"999\r\nAAMA export\r\n  0\r\nSECTION\r\n  2\r\nENTITIES\r\n  0\r\nENDSEC\r\n  0\r\nEOF\r\n";
        let pattern =
            crate::projects::upload_to(&app, "polisher", &files, "pattern", "款式 A.dxf", dxf)
                .await;
        assert_eq!(pattern.status, StatusCode::CREATED, "{}", pattern.text());
        assert_eq!(pattern.json()["content_type"], "image/vnd.dxf");
        // Anything else is named and nothing is kept.
        for (purpose, name, bytes, field) in [
            ("drawing", "setup.exe", &b"MZ\x90\x00"[..], "file"),
            ("drawing", "drawing.png", crate::projects::PDF, "file"),
            ("drawing", "empty.pdf", &b""[..], "file"),
            ("invoice", "drawing.pdf", crate::projects::PDF, "purpose"),
        ] {
            let reply =
                crate::projects::upload_to(&app, "maker", &files, purpose, name, bytes).await;
            let problem = reply.problem(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(problem["errors"][0]["field"], field, "{name}: {problem}");
        }
        let listed = app.api("GET", &files, Some("staff"), None).await.json();
        assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
        assert_eq!(listed[0]["file_name"], "龙头图纸.pdf");
        assert_eq!(listed[1]["purpose"], "pattern");
        // Whoever sees the order downloads them, always as a download.
        for user in ["maker", "polisher", "staff"] {
            let reply = app
                .api("GET", &format!("{files}/{drawing}"), Some(user), None)
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{user}");
            assert_eq!(reply.body, crate::projects::PDF);
            assert_eq!(reply.headers["x-content-type-options"], "nosniff");
        }
        app.api("GET", &format!("{files}/999999"), Some("maker"), None)
            .await
            .problem(StatusCode::NOT_FOUND);
        // The client adds a photo on the order page; a program is refused beside the field.
        let mut page = Visitor::new(&app);
        page.sign_in("maker").await;
        let html = page.get(&format!("/factory-orders/{number}")).await.text();
        assert!(html.contains("id=\"file-form\""), "{html}");
        assert!(html.contains("龙头图纸.pdf"), "{html}");
        let csrf = page.csrf();
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        for (name, bytes, status) in [
            (
                "run.exe",
                &b"MZ\x90\x00"[..],
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            ("毛坯.png", &png[..], StatusCode::SEE_OTHER),
        ] {
            let reply = page
                .post_multipart(
                    &format!("/factory-orders/{number}/files"),
                    &[("csrf_token", &csrf), ("purpose", "photo")],
                    Some((name, bytes)),
                )
                .await;
            assert_eq!(reply.status, status, "{name}: {}", reply.text());
            if status != StatusCode::SEE_OTHER {
                assert!(
                    reply.text().contains("id=\"file-error\""),
                    "{}",
                    reply.text()
                );
            }
        }
        let html = page.get(&format!("/factory-orders/{number}")).await.text();
        assert!(html.contains("毛坯.png"), "{html}");
        // Each side removes what it added, nothing of the other's: the client its drawing
        // (not the factory's pattern), the factory its pattern; the city only reads.
        let listed = app.api("GET", &files, Some("maker"), None).await.json();
        let removable: Vec<(&str, bool)> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["file_name"].as_str().unwrap(),
                    f["removable"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            removable,
            [
                ("龙头图纸.pdf", true),
                ("款式 A.dxf", false),
                ("毛坯.png", true)
            ],
            "{listed}"
        );
        let pattern_id = listed[1]["id"].as_i64().unwrap();
        for user in ["maker", "staff"] {
            app.api("DELETE", &format!("{files}/{pattern_id}"), Some(user), None)
                .await
                .problem(StatusCode::FORBIDDEN);
        }
        app.api(
            "DELETE",
            &format!("{files}/{drawing}"),
            Some("polisher"),
            None,
        )
        .await
        .problem(StatusCode::FORBIDDEN);
        assert!(
            html.contains(&format!("id=\"remove-file-{drawing}\"")),
            "{html}"
        );
        assert!(!html.contains(&format!("id=\"remove-file-{pattern_id}\"")));
        let reply = page
            .post(
                &format!("/factory-orders/{number}/files/{drawing}/remove"),
                &[("csrf_token", csrf.as_str())],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let reply = app
            .api(
                "DELETE",
                &format!("{files}/{pattern_id}"),
                Some("polisher"),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
        let listed = app.api("GET", &files, Some("staff"), None).await.json();
        assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
        assert_eq!(listed[0]["file_name"], "毛坯.png");
        app.api("GET", &format!("{files}/{drawing}"), Some("maker"), None)
            .await
            .problem(StatusCode::NOT_FOUND);
        app.api("DELETE", &format!("{files}/{drawing}"), Some("maker"), None)
            .await
            .problem(StatusCode::NOT_FOUND);
        let audit = app
            .api(
                "GET",
                "/api/v1/audit?action=factory_order.file_removed",
                Some("admin"),
                None,
            )
            .await;
        let audit = audit.json();
        let removed: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(removed, ["factory_order.file_removed"; 2], "{audit}");
        assert!(audit.to_string().contains("龙头图纸.pdf"), "{audit}");
        // Once cancelled, the order takes no more.
        app.api(
            "POST",
            &format!("/api/v1/factory-orders/{number}/cancel"),
            Some("maker"),
            Some(json!({"reason": "改期"})),
        )
        .await;
        let closed = crate::projects::upload_to(
            &app,
            "maker",
            &files,
            "photo",
            "a.pdf",
            crate::projects::PDF,
        )
        .await;
        closed.problem(StatusCode::CONFLICT);
        let photo = listed[0]["id"].as_i64().unwrap();
        app.api("DELETE", &format!("{files}/{photo}"), Some("maker"), None)
            .await
            .problem(StatusCode::CONFLICT);
    }
}
