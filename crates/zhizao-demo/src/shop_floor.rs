//! The shared factories' shop floors: every resource the demo set-ups bind to a device (72
//! polishing robots, 10 cutting and 20 spreading lines) is registered in its platform and
//! reports, minute by minute through the working hours of the past week up to now, its state
//! (running, set-up, idle, fault; off after each working period), its good and scrap counters
//! and alarm codes, so the OEE page has a week of machine data from the first start.

use time::Duration as Days;
use zhizao_core::Timestamp;
use zhizao_db::Database;
use zhizao_devices::thingsboard::telemetry_points;
use zhizao_devices::{DeviceInput, Devices};
use zhizao_factory::Setup;
use zhizao_factory::setup::{local_day, parse_local};
use zhizao_factory::tariff::ResourceClass;
use zhizao_identity::Actor;
use zhizao_telemetry::TelemetryStore;

use crate::Error;
use crate::machines::{Machine, MachineKind};

/// Days of history before today.
const DAYS: i64 = 7;

/// What the shop floors wrote: devices and points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FloorSummary {
    /// Devices registered.
    pub devices: usize,
    /// Points written.
    pub points: usize,
}

fn kind_of(class: ResourceClass) -> Option<MachineKind> {
    match class {
        ResourceClass::PolishingCell => Some(MachineKind::PolishingRobot),
        ResourceClass::CuttingLine | ResourceClass::SpreadingLine => Some(MachineKind::CuttingLine),
        ResourceClass::Manual => None,
    }
}

/// The minutes of `setup`'s working time from `from` to `to` (ms), each with whether it is the
/// last minute of a working period.
fn working_minutes(setup: &Setup, from: i64, to: i64) -> Vec<(i64, bool)> {
    let periods = setup.calendar.working_periods();
    let mut minutes = Vec::new();
    let (mut date, _) = local_day(Timestamp::from_millis(from));
    while let Some(midnight) = parse_local(&format!("{date} 00:00")) {
        let midnight = midnight.as_millis();
        if midnight >= to {
            break;
        }
        if setup.calendar.works_on(date) {
            for (start, end) in &periods {
                for minute in *start..*end {
                    let at = midnight + minute * 60_000;
                    if at >= from && at < to {
                        minutes.push((at, minute + 1 == *end));
                    }
                }
            }
        }
        date = date.saturating_add(Days::days(1));
    }
    minutes
}

/// The routing's seconds a piece of the resource a device is bound to.
fn cycle(setup: &Setup, class: ResourceClass) -> i64 {
    setup
        .routings
        .iter()
        .flat_map(|r| &r.steps)
        .find(|step| step.class == class)
        .map_or(60, |step| step.seconds_per_piece)
}

/// Each demo shop-floor device's best seconds a piece, by name.
pub(crate) fn cycles() -> std::collections::HashMap<String, f64> {
    let mut cycles = std::collections::HashMap::new();
    for (_, setup, _) in crate::factories::setups(Timestamp::from_millis(0)) {
        for resource in &setup.resources {
            for name in &resource.devices {
                cycles.insert(name.clone(), cycle(&setup, resource.class) as f64);
            }
        }
    }
    cycles
}

/// Registers each platform's bound devices and writes their past week, once per platform (a
/// platform that has devices is left alone).
pub(crate) async fn load_shop_floors(
    db: &Database,
    devices: &Devices,
    telemetry: &TelemetryStore,
    now: Timestamp,
) -> Result<FloorSummary, Error> {
    let actor = Actor::system("demo");
    let mut summary = FloorSummary::default();
    let (today, midnight) = local_day(now);
    let from = midnight.as_millis() - DAYS * 86_400_000;
    for (code, setup, _) in crate::factories::setups(now) {
        let platform: Option<i64> =
            sqlx::query_scalar("SELECT id FROM organizations WHERE code = $1")
                .bind(code)
                .fetch_optional(db.pool())
                .await?;
        let Some(platform) = platform else {
            continue;
        };
        if !devices.devices_of(platform).await?.is_empty() {
            continue;
        }
        let minutes = working_minutes(&setup, from, now.as_millis());
        let mut profiles = Vec::new();
        for (index, resource) in setup.resources.iter().enumerate() {
            let Some(kind) = kind_of(resource.class) else {
                continue;
            };
            if !profiles.contains(&kind) {
                devices
                    .create_profile_as(&actor, platform, &crate::history::profile(kind))
                    .await?;
                profiles.push(kind);
            }
            let cycle = cycle(&setup, resource.class);
            for name in &resource.devices {
                let input = DeviceInput {
                    name: name.clone(),
                    label: resource.name.clone(),
                    serial_number: format!("{code}-{today}-{index:03}"),
                    profile: kind.profile().to_owned(),
                    database_name: String::new(),
                };
                let created = devices.create_device_as(&actor, platform, &input).await?;
                let Some(identity) = devices.authenticate(&created.token).await? else {
                    continue;
                };
                let mut machine = Machine::new(kind, crate::DEMO_SEED ^ (index as u64) << 8)
                    .with_cycle(cycle as f64);
                let mut readings = Vec::with_capacity(minutes.len() + minutes.len() / 600);
                for (at, last) in &minutes {
                    readings.push(serde_json::json!({"ts": at, "values": machine.step(60.0)}));
                    if *last {
                        readings.push(
                            serde_json::json!({"ts": at + 60_000, "values": {"state": "off"}}),
                        );
                    }
                }
                let message = serde_json::to_vec(&readings).unwrap_or_default();
                let points =
                    telemetry_points(&message, &identity, now.as_millis()).unwrap_or_default();
                summary.points += points.len();
                if !points.is_empty() {
                    telemetry
                        .write(platform, &identity.database, points)
                        .await?;
                }
                summary.devices += 1;
            }
        }
    }
    Ok(summary)
}

/// Plans each demo factory's confirmed orders and publishes the plan as its own staff (the
/// `polishing` and `cutting` logins), so the floor screen has work on its lines from the first
/// start; a factory that has a plan is left alone. Returns the plans published.
pub async fn publish_floor_plans(
    identity: &zhizao_identity::Identity,
    factories: &zhizao_factory::Factories,
) -> Result<usize, Error> {
    // An iteration budget keeps the demo's plans the same on every machine.
    let factories = factories
        .clone()
        .with_plan_budget(std::time::Duration::from_secs(20), Some(300));
    let mut published = 0;
    for (username, code) in [
        ("polishing", "robot-polishing"),
        ("cutting", "smart-cutting"),
    ] {
        let Some(staff) = identity.system_principal(username).await? else {
            continue;
        };
        if !factories.plans(&staff, code).await?.is_empty() {
            continue;
        }
        let plan = factories.make_plan(&staff, code, &[], None).await?;
        if plan.body.operations.is_empty() {
            continue;
        }
        factories
            .publish_plan(&staff, code, plan.version, None)
            .await?;
        published += 1;
    }
    Ok(published)
}

/// A real AAMA / ASTM pattern export (a pair of trousers graded to sizes 26 and 36) the demo
/// cutting centre nests.
const DEMO_PATTERN: &[u8] =
    include_bytes!("../../zhizao-nesting/tests/data/dxf/simple-sizes-26-36.DXF");

/// Gives the demo cutting centre (the `cutting` login) a pattern for its first confirmed order
/// and starts a marker and a cut plan on it in the background, so its marker pages show a run
/// at work from the first start; a centre that has patterns is left alone. Returns the runs
/// started.
pub async fn start_demo_markers(
    identity: &zhizao_identity::Identity,
    factories: &zhizao_factory::Factories,
) -> Result<usize, Error> {
    use zhizao_factory::markers::{CutInput, PatternInput, RotationRule, RunInput, RunKind};
    let code = "smart-cutting";
    let Some(staff) = identity.system_principal("cutting").await? else {
        return Ok(0);
    };
    if !factories.patterns(&staff, code).await?.is_empty() {
        return Ok(0);
    }
    let order = factories
        .orders(&staff, Some(zhizao_factory::OrderStatus::Confirmed))
        .await?
        .into_iter()
        .filter(|o| o.platform_code == code)
        .map(|o| o.number)
        .next_back();
    let pattern = factories
        .add_pattern(
            &staff,
            code,
            PatternInput {
                name: "男士西裤 26 / 36 码".into(),
                order: order.clone(),
                file: Some(("trousers-26-36.dxf".into(), DEMO_PATTERN.to_vec())),
                unit: None,
                width_cm: Some(150.0),
                spacing_mm: Some(2.0),
                rotations: RotationRule::TwoWay,
            },
        )
        .await?;
    let quantity = |colour: &str, size: &str, quantity: u32| zhizao_nesting::cutplan::Quantity {
        colour: colour.into(),
        size: size.into(),
        quantity,
    };
    // The cut plan is of the linked order's own pieces, colour by colour (so its lays become
    // the order's lots in the factory's plan), each colour split over the pattern's two sizes.
    let mut colours: Vec<(String, u32)> = Vec::new();
    if let Some(number) = &order {
        let request = factories.order(&staff, number).await?.request;
        for cell in &request.matrix {
            let count = u32::try_from(cell.quantity.max(0)).unwrap_or(0);
            match colours
                .iter_mut()
                .find(|(colour, _)| *colour == cell.colour)
            {
                Some((_, total)) => *total += count,
                None => colours.push((cell.colour.clone(), count)),
            }
        }
        if colours.is_empty() {
            let pieces = u32::try_from(request.pieces().max(0)).unwrap_or(0);
            colours.push(("藏青".into(), pieces));
        }
    }
    if colours.iter().all(|(_, total)| *total < 2) {
        colours = vec![("藏青".into(), 200), ("黑".into(), 96)];
    }
    let quantities: Vec<_> = colours
        .iter()
        .flat_map(|(colour, total)| {
            let small = total * 6 / 10;
            [
                quantity(colour, "26", small),
                quantity(colour, "36", total - small),
            ]
        })
        .filter(|q| q.quantity > 0)
        .collect();
    for input in [
        RunInput {
            kind: RunKind::Marker,
            time_limit_s: 30,
            threads: 1,
            seed: 1,
            cut: None,
        },
        RunInput {
            kind: RunKind::CutPlan,
            time_limit_s: 5,
            threads: 1,
            seed: 1,
            cut: Some(CutInput {
                quantities,
                max_plies: 50,
                table_length_m: 12.0,
                end_allowance_cm: 2.0,
                max_garments_per_marker: 4,
                overcut_percent: 2,
                fabric_per_metre: zhizao_core::Fen::new(2_800),
                marker_cost: zhizao_core::Fen::new(3_000),
                spread_cost: zhizao_core::Fen::new(4_000),
            }),
        },
    ] {
        factories.start_run(&staff, code, pattern.id, input).await?;
    }
    Ok(2)
}
