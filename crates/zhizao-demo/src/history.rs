//! A day of telemetry for about 300 demo devices, so the device pages, charts and the SQL
//! console have something to show from the first start: the demo enterprise (`maker`) gets 24
//! machines, 46 more enterprises six each, every one with a minute-by-minute day from
//! [`crate::machines`]. The demo enterprise's machines are also the fleet `serve --demo`
//! simulates live ([`demo_fleet`]).

use zhizao_core::Timestamp;
use zhizao_db::Database;
use zhizao_devices::thingsboard::telemetry_points;
use zhizao_devices::{DeviceInput, Devices, ProfileInput, TelemetrySpec};
use zhizao_identity::Actor;
use zhizao_telemetry::TelemetryStore;

use crate::Error;
use crate::machines::{Machine, MachineKind};
use crate::random::SplitMix64;

/// Devices of the demo enterprise.
const MAKER_DEVICES: usize = 24;
/// Other enterprises with devices, and devices each.
const OTHER_ENTERPRISES: i64 = 46;
const DEVICES_EACH: usize = 6;
/// A day at one reading a minute.
const READINGS: i64 = 24 * 60;

/// How many days before the loaded day the demo enterprise's first machine ran for a day before
/// its energy-monitoring solution (see `solutions::MAKER_ADOPTION`).
const BEFORE_UPGRADE_DAYS_AGO: i64 = 39;
/// How much more power it drew then.
const BEFORE_UPGRADE_POWER: f64 = 1.18;

/// The same day's readings `BEFORE_UPGRADE_DAYS_AGO` days earlier, drawing more power; returns
/// the points written.
async fn before_upgrade(
    telemetry: &TelemetryStore,
    identity: &zhizao_devices::DeviceIdentity,
    readings: &[serde_json::Value],
    now: Timestamp,
) -> Result<usize, Error> {
    let shift = BEFORE_UPGRADE_DAYS_AGO * 86_400_000;
    let earlier: Vec<serde_json::Value> = readings
        .iter()
        .map(|reading| {
            let mut reading = reading.clone();
            if let Some(ts) = reading["ts"].as_i64() {
                reading["ts"] = serde_json::json!(ts - shift);
            }
            if let Some(power) = reading["values"]["power_kw"].as_f64() {
                reading["values"]["power_kw"] =
                    serde_json::json!((power * BEFORE_UPGRADE_POWER * 100.0).round() / 100.0);
            }
            reading
        })
        .collect();
    let message = serde_json::to_vec(&earlier).unwrap_or_default();
    let points = telemetry_points(&message, identity, now.as_millis()).unwrap_or_default();
    let written = points.len();
    telemetry
        .write(identity.tenant, &identity.database, points)
        .await?;
    Ok(written)
}

/// What [`load_history`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistorySummary {
    /// False when devices existed already and nothing was written.
    pub loaded: bool,
    /// Devices registered.
    pub devices: usize,
    /// Points written.
    pub points: usize,
    /// The shared factories' shop floors: devices and points.
    pub floors: crate::shop_floor::FloorSummary,
}

pub(crate) fn profile(kind: MachineKind) -> ProfileInput {
    ProfileInput {
        name: kind.profile().to_owned(),
        description: kind.label().to_owned(),
        table_name: kind.profile().to_owned(),
        telemetry: kind
            .telemetry()
            .iter()
            .map(|(name, field_type, unit, label)| TelemetrySpec {
                name: (*name).to_owned(),
                field_type: serde_json::from_value(serde_json::Value::String(
                    (*field_type).to_owned(),
                ))
                .unwrap_or(zhizao_telemetry::schema::FieldType::Float),
                unit: (*unit).to_owned(),
                label: (*label).to_owned(),
            })
            .collect(),
        attributes: Vec::new(),
        commands: kind
            .commands()
            .iter()
            .map(|(name, label, params)| zhizao_devices::CommandSpec {
                name: (*name).to_owned(),
                label: (*label).to_owned(),
                params: params.iter().map(|p| (*p).to_owned()).collect(),
            })
            .collect(),
    }
}

/// Registers the demo devices and writes the day before `now`, once: a database that has any
/// device is left alone.
pub async fn load_history(
    db: &Database,
    devices: &Devices,
    telemetry: &TelemetryStore,
    now: Timestamp,
) -> Result<HistorySummary, Error> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM devices")
        .fetch_one(db.pool())
        .await?;
    let maker: Option<i64> =
        sqlx::query_scalar("SELECT organization_id FROM users WHERE username = 'maker'")
            .fetch_optional(db.pool())
            .await?;
    let Some(maker) = maker.filter(|_| existing == 0) else {
        return Ok(HistorySummary {
            loaded: false,
            devices: 0,
            points: 0,
            floors: Default::default(),
        });
    };
    let others: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM organizations WHERE kind = 'enterprise' AND id <> $1 ORDER BY id LIMIT $2",
    )
    .bind(maker)
    .bind(OTHER_ENTERPRISES)
    .fetch_all(db.pool())
    .await?;
    let actor = Actor::system("demo");
    let mut random = SplitMix64::new(crate::DEMO_SEED ^ 0xD5_71CE);
    let start_ms = now.as_millis() - READINGS * 60_000;
    let mut summary = HistorySummary {
        loaded: true,
        devices: 0,
        points: 0,
        floors: Default::default(),
    };
    let plans = std::iter::once((maker, MAKER_DEVICES))
        .chain(others.into_iter().map(|id| (id, DEVICES_EACH)));
    for (tenant, count) in plans {
        for kind in MachineKind::ALL {
            devices
                .create_profile_as(&actor, tenant, &profile(kind))
                .await?;
        }
        for number in 0..count {
            let kind = if tenant == maker {
                MachineKind::ALL[number % MachineKind::ALL.len()]
            } else {
                *random.pick(&MachineKind::ALL)
            };
            let name = format!("{}-{:02}", kind.profile().replace('_', "-"), number + 1);
            let input = DeviceInput {
                name: name.clone(),
                label: format!("{} {} 号", kind.label(), number + 1),
                serial_number: format!(
                    "ZS{}-{:06}",
                    2024 + random.below(3),
                    random.below(1_000_000)
                ),
                profile: kind.profile().to_owned(),
                database_name: String::new(),
            };
            let created = devices.create_device_as(&actor, tenant, &input).await?;
            let Some(identity) = devices.authenticate(&created.token).await? else {
                continue;
            };
            let mut machine = Machine::new(kind, random.next_u64());
            let readings: Vec<serde_json::Value> = (0..READINGS)
                .map(|minute| serde_json::json!({ "ts": start_ms + minute * 60_000, "values": machine.step(60.0) }))
                .collect();
            let message = serde_json::to_vec(&readings).unwrap_or_default();
            let points = telemetry_points(&message, &identity, now.as_millis()).unwrap_or_default();
            summary.points += points.len();
            telemetry.write(tenant, &identity.database, points).await?;
            if tenant == maker && number == 0 {
                summary.points += before_upgrade(telemetry, &identity, &readings, now).await?;
            }
            summary.devices += 1;
        }
    }
    summary.floors = crate::shop_floor::load_shop_floors(db, devices, telemetry, now).await?;
    tracing::info!(
        devices = summary.devices,
        points = summary.points,
        floor_devices = summary.floors.devices,
        floor_points = summary.floors.points,
        "demo telemetry history written"
    );
    Ok(summary)
}

/// A demo device the embedded simulator runs: its name, a fresh token and its machine.
pub struct FleetDevice {
    /// The device's name.
    pub name: String,
    /// A token issued just now (the previous one stops working).
    pub token: String,
    /// What it simulates.
    pub machine: Machine,
}

/// The demo devices `serve --demo` simulates live, with fresh tokens: the `maker` login's
/// machines and the shared factories' robots and lines (each making pieces at its routing's
/// time), so that a newcomer sees devices online and a shop floor running now. Empty when the
/// demo is not loaded.
pub async fn demo_fleet(db: &Database, devices: &Devices) -> Result<Vec<FleetDevice>, Error> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT DISTINCT d.organization_id, d.name, p.name FROM devices d JOIN device_profiles p ON p.id = d.profile_id \
         JOIN users u ON u.organization_id = d.organization_id \
         WHERE u.username IN ('maker', 'polishing', 'cutting') AND d.disabled = 0 ORDER BY d.name",
    )
    .fetch_all(db.pool())
    .await?;
    let cycles = crate::shop_floor::cycles();
    let actor = Actor::system("demo simulator");
    let mut fleet = Vec::with_capacity(rows.len());
    for (index, (tenant, name, profile)) in rows.into_iter().enumerate() {
        let Some(kind) = MachineKind::ALL
            .into_iter()
            .find(|k| k.profile() == profile)
        else {
            continue;
        };
        let issued = devices.rotate_token_as(&actor, tenant, &name).await?;
        let mut machine = Machine::new(kind, crate::DEMO_SEED ^ index as u64);
        if let Some(seconds) = cycles.get(&name) {
            machine = machine.with_cycle(*seconds);
        }
        fleet.push(FleetDevice {
            name,
            token: issued.token,
            machine,
        });
    }
    Ok(fleet)
}
