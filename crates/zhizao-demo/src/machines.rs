//! Simulated equipment with plausible, correlated signals: what `zhizao simulate` sends and
//! what the demo's telemetry history is made of.
//!
//! Each machine runs a small state machine (running, idle, fault) and first-order dynamics:
//! load follows a target with inertia, power follows load, temperature follows power with a
//! long time constant, vibration grows with speed and with wear, counters only go up, and a
//! fault stops the machine with an alarm code until it is cleared. Everything is deterministic
//! for a seed, so a simulation or a demo history can be reproduced.

use serde_json::{Map, Value, json};

use crate::random::SplitMix64;

/// What kind of equipment a machine is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MachineKind {
    /// A CNC machining centre (the shared factories' customers).
    Cnc,
    /// A six-axis polishing robot of the shared polishing centre.
    PolishingRobot,
    /// An automatic cutting line of the shared cutting centre.
    CuttingLine,
    /// A connected household appliance (the smart-product platform).
    Appliance,
}

impl MachineKind {
    /// Every kind, in the order a fleet cycles through them.
    pub const ALL: [MachineKind; 4] = [
        MachineKind::Cnc,
        MachineKind::PolishingRobot,
        MachineKind::CuttingLine,
        MachineKind::Appliance,
    ];

    /// The device profile (and telemetry table) name.
    pub fn profile(self) -> &'static str {
        match self {
            MachineKind::Cnc => "cnc_machine",
            MachineKind::PolishingRobot => "polishing_robot",
            MachineKind::CuttingLine => "cutting_line",
            MachineKind::Appliance => "smart_appliance",
        }
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            MachineKind::Cnc => "数控加工中心",
            MachineKind::PolishingRobot => "打磨抛光机器人",
            MachineKind::CuttingLine => "自动裁床",
            MachineKind::Appliance => "智能空调",
        }
    }

    /// The profile's telemetry fields: name, type (`float`, `integer`, `string`, `boolean`),
    /// unit, label.
    pub fn telemetry(self) -> &'static [(&'static str, &'static str, &'static str, &'static str)] {
        match self {
            MachineKind::Cnc => &[
                ("state", "string", "", "状态"),
                ("spindle_rpm", "float", "rpm", "主轴转速"),
                ("spindle_load", "float", "%", "主轴负载"),
                ("power_kw", "float", "kW", "功率"),
                ("temperature", "float", "°C", "主轴温度"),
                ("vibration", "float", "mm/s", "振动"),
                ("part_count", "integer", "件", "加工件数"),
                ("alarm", "integer", "", "报警代码"),
            ],
            MachineKind::PolishingRobot => &[
                ("state", "string", "", "状态"),
                ("contact_force", "float", "N", "接触力"),
                ("joint_torque", "float", "N·m", "关节扭矩"),
                ("current", "float", "A", "电流"),
                ("temperature", "float", "°C", "电机温度"),
                ("pieces", "integer", "件", "打磨件数"),
                ("good", "integer", "件", "合格累计"),
                ("scrap", "integer", "件", "废品累计"),
                ("alarm", "integer", "", "报警代码"),
            ],
            MachineKind::CuttingLine => &[
                ("state", "string", "", "状态"),
                ("speed", "float", "m/min", "裁剪速度"),
                ("blade_temperature", "float", "°C", "刀片温度"),
                ("vacuum", "float", "kPa", "真空度"),
                ("power_kw", "float", "kW", "功率"),
                ("layers", "integer", "层", "铺布层数"),
                ("good", "integer", "件", "合格累计"),
                ("scrap", "integer", "件", "废品累计"),
                ("alarm", "integer", "", "报警代码"),
            ],
            MachineKind::Appliance => &[
                ("power_on", "boolean", "", "开机"),
                ("room_temperature", "float", "°C", "室温"),
                ("set_temperature", "float", "°C", "设定温度"),
                ("power_w", "float", "W", "功率"),
                ("energy_kwh", "float", "kWh", "累计电量"),
            ],
        }
    }

    /// The alarm codes its faults report (a shared factory's set-up names the robots' and
    /// cutting lines' codes as loss reasons).
    pub fn alarms(self) -> &'static [i64] {
        match self {
            MachineKind::PolishingRobot => &[11, 11, 12, 21, 31, 32],
            MachineKind::CuttingLine => &[41, 42, 42, 51],
            MachineKind::Cnc | MachineKind::Appliance => &[1001, 1002, 2010, 3005, 4040],
        }
    }

    /// The commands a machine of this kind accepts: method, label, parameters.
    pub fn commands(self) -> &'static [(&'static str, &'static str, &'static [&'static str])] {
        match self {
            MachineKind::Cnc => &[
                ("setSpeed", "设定转速", &["rpm"]),
                ("clearAlarm", "清除报警", &[]),
            ],
            MachineKind::PolishingRobot => &[
                ("setForce", "设定接触力", &["newton"]),
                ("clearAlarm", "清除报警", &[]),
            ],
            MachineKind::CuttingLine => &[
                ("setSpeed", "设定裁剪速度", &["m_per_min"]),
                ("clearAlarm", "清除报警", &[]),
            ],
            MachineKind::Appliance => &[
                ("setTemperature", "设定温度", &["celsius"]),
                ("setPower", "开关机", &["on"]),
            ],
        }
    }
}

/// Whether a machine is working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MachineState {
    /// Producing.
    Running,
    /// Waiting for work.
    Idle,
    /// Changing over to the next job (shared-factory robots and cutting lines).
    Setup,
    /// Stopped by a fault (with an alarm code).
    Fault,
}

impl MachineState {
    fn name(self) -> &'static str {
        match self {
            MachineState::Running => "running",
            MachineState::Idle => "idle",
            MachineState::Setup => "setup",
            MachineState::Fault => "fault",
        }
    }
}

/// One simulated machine.
#[derive(Debug, Clone)]
pub struct Machine {
    kind: MachineKind,
    random: SplitMix64,
    state: MachineState,
    /// Seconds left in the current state.
    remaining: f64,
    /// The set point (rpm, N, m/min or °C) commands change.
    set_point: f64,
    /// 0..1: how hard the machine works now.
    load: f64,
    temperature: f64,
    ambient: f64,
    wear: f64,
    count: i64,
    /// Good and scrap pieces since the machine started (shared-factory machines' counters).
    good: i64,
    scrap: i64,
    /// Best seconds a piece, and the part of a piece under way.
    cycle: f64,
    progress: f64,
    /// Whether the plan has work for it (`None`: it decides by itself).
    work: Option<bool>,
    energy_kwh: f64,
    alarm: i64,
    power_on: bool,
}

impl Machine {
    /// A machine of `kind` whose randomness comes from `seed`.
    pub fn new(kind: MachineKind, seed: u64) -> Self {
        let mut random = SplitMix64::new(seed);
        let ambient = 24.0 + random.unit() * 6.0;
        let set_point = match kind {
            MachineKind::Cnc => 6_000.0 + random.unit() * 6_000.0,
            MachineKind::PolishingRobot => 40.0 + random.unit() * 40.0,
            MachineKind::CuttingLine => 20.0 + random.unit() * 40.0,
            MachineKind::Appliance => 24.0 + (random.below(5) as f64),
        };
        Machine {
            kind,
            state: MachineState::Idle,
            remaining: random.unit() * 300.0,
            set_point,
            load: 0.0,
            temperature: ambient + 2.0,
            ambient,
            wear: random.unit() * 0.3,
            count: random.between(0, 5_000),
            good: 0,
            scrap: 0,
            cycle: match kind {
                MachineKind::Cnc => 45.0,
                MachineKind::PolishingRobot => 30.0,
                MachineKind::CuttingLine | MachineKind::Appliance => 120.0,
            },
            progress: 0.0,
            work: None,
            energy_kwh: random.unit() * 1_000.0,
            alarm: 0,
            power_on: random.unit() < 0.6,
            random,
        }
    }

    /// Its kind.
    pub fn kind(&self) -> MachineKind {
        self.kind
    }

    /// Its state.
    pub fn state(&self) -> MachineState {
        self.state
    }

    /// Gaussian-ish noise with standard deviation `sigma` (sum of uniforms).
    fn noise(&mut self, sigma: f64) -> f64 {
        let sum: f64 = (0..4).map(|_| self.random.unit()).sum();
        (sum - 2.0) * sigma * 1.73
    }

    /// Advances the machine by `seconds` and returns its readings.
    pub fn step(&mut self, seconds: f64) -> Map<String, Value> {
        let seconds = seconds.clamp(0.0, 3_600.0);
        self.remaining -= seconds;
        if self.remaining <= 0.0 {
            self.next_state();
        }
        match (self.work, self.state) {
            (Some(false), MachineState::Running | MachineState::Setup) => {
                self.state = MachineState::Idle;
                self.remaining = 60.0;
            }
            (Some(true), MachineState::Idle) if self.remaining > 30.0 => self.remaining = 30.0,
            _ => {}
        }
        // A running machine occasionally faults; wear makes it likelier.
        if self.state == MachineState::Running
            && self.random.unit() < seconds * (0.000_05 + self.wear * 0.000_2)
        {
            self.state = MachineState::Fault;
            self.alarm = *self.random.pick(self.kind.alarms());
            self.remaining = 60.0 + self.random.unit() * 900.0;
        }
        let target_load = match self.state {
            MachineState::Running => 0.55 + 0.35 * self.random.unit(),
            MachineState::Idle => 0.05,
            MachineState::Setup => 0.15,
            MachineState::Fault => 0.0,
        };
        // First-order lag towards the target load (time constant 20 s) and temperature (600 s).
        let alpha = 1.0 - (-seconds / 20.0).exp();
        self.load += (target_load - self.load) * alpha;
        let power_share = self.load;
        let hot = self.ambient + 8.0 + 40.0 * power_share;
        let beta = 1.0 - (-seconds / 600.0).exp();
        self.temperature += (hot - self.temperature) * beta;
        self.wear = (self.wear + seconds * 0.000_000_5 * power_share).min(1.0);
        let producing = self.state == MachineState::Running;
        let mut values = Map::new();
        match self.kind {
            MachineKind::Cnc => {
                let rpm = if producing {
                    self.set_point * (0.97 + 0.03 * self.load) + self.noise(15.0)
                } else {
                    0.0
                };
                let load = (self.load * 100.0 + self.noise(2.0)).clamp(0.0, 120.0);
                if producing {
                    self.produce(seconds);
                }
                values.insert("spindle_rpm".into(), json!(round(rpm.max(0.0), 1)));
                values.insert("spindle_load".into(), json!(round(load, 1)));
                values.insert(
                    "power_kw".into(),
                    json!(round(0.8 + 14.0 * self.load + self.noise(0.2), 2)),
                );
                values.insert(
                    "temperature".into(),
                    json!(round(self.temperature + self.noise(0.3), 2)),
                );
                let vibration = 0.4
                    + rpm.max(0.0) / 12_000.0 * 2.5 * (1.0 + 3.0 * self.wear)
                    + self.noise(0.05);
                values.insert("vibration".into(), json!(round(vibration.max(0.0), 3)));
                values.insert("part_count".into(), json!(self.count));
            }
            MachineKind::PolishingRobot => {
                let force = if producing {
                    self.set_point + self.noise(2.5)
                } else {
                    0.0
                };
                if producing {
                    self.produce(seconds);
                }
                values.insert("contact_force".into(), json!(round(force.max(0.0), 2)));
                values.insert(
                    "joint_torque".into(),
                    json!(round(12.0 + force.max(0.0) * 0.35 + self.noise(0.4), 2)),
                );
                values.insert(
                    "current".into(),
                    json!(round(1.2 + 9.0 * self.load + self.noise(0.1), 2)),
                );
                values.insert(
                    "temperature".into(),
                    json!(round(self.temperature + self.noise(0.3), 2)),
                );
                values.insert("pieces".into(), json!(self.count));
            }
            MachineKind::CuttingLine => {
                let speed = if producing {
                    self.set_point * (0.9 + 0.1 * self.load) + self.noise(0.6)
                } else {
                    0.0
                };
                if producing {
                    self.produce(seconds);
                }
                values.insert("speed".into(), json!(round(speed.max(0.0), 2)));
                values.insert(
                    "blade_temperature".into(),
                    json!(round(
                        self.temperature + 10.0 * self.load + self.noise(0.4),
                        2
                    )),
                );
                values.insert(
                    "vacuum".into(),
                    json!(round(
                        if producing {
                            -18.0 + self.noise(0.5)
                        } else {
                            -1.0
                        },
                        2
                    )),
                );
                values.insert(
                    "power_kw".into(),
                    json!(round(0.5 + 7.5 * self.load + self.noise(0.1), 2)),
                );
                values.insert("layers".into(), json!(self.count));
            }
            MachineKind::Appliance => {
                // The room drifts towards the outside temperature, the unit pulls it back.
                let outside = self.ambient + 6.0;
                let cooling = if self.power_on {
                    ((self.temperature - self.set_point) * 0.4).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                self.temperature +=
                    ((outside - self.temperature) * 0.002 - cooling * 0.01) * seconds.min(600.0);
                let power = if self.power_on {
                    150.0 + 1_300.0 * cooling + self.noise(10.0)
                } else {
                    1.5
                };
                self.energy_kwh += power.max(0.0) * seconds / 3_600_000.0;
                values.insert("power_on".into(), json!(self.power_on));
                values.insert(
                    "room_temperature".into(),
                    json!(round(self.temperature + self.noise(0.05), 2)),
                );
                values.insert("set_temperature".into(), json!(self.set_point));
                values.insert("power_w".into(), json!(round(power.max(0.0), 1)));
                values.insert("energy_kwh".into(), json!(round(self.energy_kwh, 3)));
                return values;
            }
        }
        if matches!(
            self.kind,
            MachineKind::PolishingRobot | MachineKind::CuttingLine
        ) {
            values.insert("good".into(), json!(self.good));
            values.insert("scrap".into(), json!(self.scrap));
        }
        values.insert("state".into(), json!(self.state.name()));
        values.insert("alarm".into(), json!(self.alarm));
        values
    }

    /// The same machine making a piece every `seconds` at best (a shared factory's robot at its
    /// routing's time); it runs at 85–95 % of that.
    pub fn with_cycle(mut self, seconds: f64) -> Self {
        self.cycle = seconds.max(0.1);
        self
    }

    /// Says whether the published plan has work for the machine: without work it waits (idle),
    /// with work it gets going within half a minute; `None` lets it decide by itself.
    pub fn set_work(&mut self, work: Option<bool>) {
        self.work = work;
    }

    /// Makes what `seconds` of running make: a piece a cycle at 85–95 % of the best speed.
    fn produce(&mut self, seconds: f64) {
        self.progress += seconds / self.cycle * (0.85 + 0.1 * self.random.unit());
        let pieces = self.progress.floor();
        self.progress -= pieces;
        self.made(pieces as i64);
    }

    /// Counts `pieces` made, about 2 % of them scrap.
    fn made(&mut self, pieces: i64) {
        self.count += pieces;
        for _ in 0..pieces {
            if self.random.unit() < 0.02 {
                self.scrap += 1;
            } else {
                self.good += 1;
            }
        }
    }

    fn next_state(&mut self) {
        (self.state, self.remaining) = match self.state {
            // Faults are cleared; the machine goes back to work or waits.
            MachineState::Fault => {
                self.alarm = 0;
                (MachineState::Idle, 60.0 + self.random.unit() * 300.0)
            }
            // A shared factory's robot or line changes over before the next job, now and then.
            MachineState::Idle if self.work == Some(false) => (MachineState::Idle, 60.0),
            MachineState::Idle
                if matches!(
                    self.kind,
                    MachineKind::PolishingRobot | MachineKind::CuttingLine
                ) && self.random.unit() < 0.35 =>
            {
                (MachineState::Setup, 600.0 + self.random.unit() * 1_200.0)
            }
            MachineState::Idle | MachineState::Setup => {
                (MachineState::Running, 600.0 + self.random.unit() * 5_400.0)
            }
            MachineState::Running => (MachineState::Idle, 60.0 + self.random.unit() * 900.0),
        };
        if self.kind == MachineKind::Appliance && self.random.unit() < 0.2 {
            self.power_on = !self.power_on;
        }
    }

    /// Applies a command (a ThingsBoard RPC method) and returns the answer to send back.
    pub fn command(&mut self, method: &str, params: &Value) -> Value {
        let number = |names: &[&str]| {
            names
                .iter()
                .find_map(|name| params.get(*name).and_then(Value::as_f64))
                .or_else(|| params.as_f64())
        };
        match (self.kind, method) {
            (MachineKind::Cnc, "setSpeed")
            | (MachineKind::CuttingLine, "setSpeed")
            | (MachineKind::PolishingRobot, "setForce") => {
                match number(&["rpm", "m_per_min", "newton", "value"]) {
                    Some(value) if value > 0.0 && value < 100_000.0 => {
                        self.set_point = value;
                        json!({ "ok": true, "set_point": value })
                    }
                    _ => json!({ "ok": false, "error": "a positive number is required" }),
                }
            }
            (MachineKind::Appliance, "setTemperature") => match number(&["celsius", "value"]) {
                Some(value) if (16.0..=32.0).contains(&value) => {
                    self.set_point = value;
                    json!({ "ok": true, "set_temperature": value })
                }
                _ => json!({ "ok": false, "error": "16 to 32 °C" }),
            },
            (MachineKind::Appliance, "setPower") => {
                self.power_on = params
                    .get("on")
                    .and_then(Value::as_bool)
                    .unwrap_or(!self.power_on);
                json!({ "ok": true, "power_on": self.power_on })
            }
            (_, "clearAlarm") => {
                if self.state == MachineState::Fault {
                    self.state = MachineState::Idle;
                    self.remaining = 30.0;
                }
                self.alarm = 0;
                json!({ "ok": true })
            }
            _ => json!({ "ok": false, "error": format!("unknown method {method:?}") }),
        }
    }
}

fn round(value: f64, digits: i32) -> f64 {
    let factor = 10f64.powi(digits);
    (value * factor).round() / factor
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: MachineKind, seed: u64, steps: usize, seconds: f64) -> Vec<Map<String, Value>> {
        let mut machine = Machine::new(kind, seed);
        (0..steps).map(|_| machine.step(seconds)).collect()
    }

    #[test]
    fn deterministic_for_a_seed() {
        for kind in MachineKind::ALL {
            assert_eq!(run(kind, 7, 50, 10.0), run(kind, 7, 50, 10.0));
            assert_ne!(run(kind, 7, 50, 10.0), run(kind, 8, 50, 10.0));
        }
    }

    #[test]
    fn readings_match_the_profile_and_stay_plausible() {
        for kind in MachineKind::ALL {
            let names: Vec<&str> = kind.telemetry().iter().map(|t| t.0).collect();
            for values in run(kind, 3, 2_000, 30.0) {
                let mut keys: Vec<&str> = values.keys().map(String::as_str).collect();
                keys.sort();
                let mut expected = names.clone();
                expected.sort();
                assert_eq!(keys, expected, "{kind:?}");
                for (field, value) in &values {
                    if let Some(number) = value.as_f64() {
                        assert!(
                            number.is_finite() && number > -50.0 && number < 200_000.0,
                            "{kind:?} {field} = {number}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn shared_factory_machines_change_over_and_count_good_and_scrap() {
        for kind in [MachineKind::PolishingRobot, MachineKind::CuttingLine] {
            let mut states = std::collections::HashSet::new();
            let (mut good, mut scrap) = (0, 0);
            for values in run(kind, 5, 20_000, 10.0) {
                let (g, s) = (
                    values["good"].as_i64().unwrap(),
                    values["scrap"].as_i64().unwrap(),
                );
                assert!(g >= good && s >= scrap, "{kind:?}: counters only go up");
                (good, scrap) = (g, s);
                let state = values["state"].as_str().unwrap().to_owned();
                if state == "fault" {
                    assert!(kind.alarms().contains(&values["alarm"].as_i64().unwrap()));
                }
                states.insert(state);
            }
            assert!(
                states.contains("setup") && states.contains("running"),
                "{states:?}"
            );
            let share = scrap as f64 / (good + scrap) as f64;
            assert!(
                good > 100 && share > 0.005 && share < 0.05,
                "{kind:?}: {good} {scrap}"
            );
        }
    }

    #[test]
    fn signals_are_correlated_and_faults_stop_the_machine() {
        // A day of a CNC machine every 10 s.
        let mut machine = Machine::new(MachineKind::Cnc, 11);
        let mut seen = std::collections::HashSet::new();
        let mut running_power = Vec::new();
        let mut idle_power = Vec::new();
        let mut previous_count = 0;
        for _ in 0..8_640 {
            let values = machine.step(10.0);
            let state = values["state"].as_str().unwrap().to_owned();
            let rpm = values["spindle_rpm"].as_f64().unwrap();
            let power = values["power_kw"].as_f64().unwrap();
            let count = values["part_count"].as_i64().unwrap();
            assert!(count >= previous_count, "counters only go up");
            previous_count = count;
            match state.as_str() {
                "fault" => {
                    assert_eq!(rpm, 0.0);
                    assert_ne!(values["alarm"], 0);
                }
                "running" => running_power.push(power),
                _ => {
                    assert_eq!(rpm, 0.0);
                    idle_power.push(power);
                }
            }
            seen.insert(state);
        }
        assert!(
            seen.contains("running") && seen.contains("idle"),
            "{seen:?}"
        );
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        assert!(
            mean(&running_power) > 3.0 * mean(&idle_power),
            "power follows load"
        );
        // Commands change what the machine does.
        let answer = machine.command("setSpeed", &json!({"rpm": 9000}));
        assert_eq!(answer["ok"], true);
        assert_eq!(
            machine.command("setSpeed", &json!({"rpm": -1}))["ok"],
            false
        );
        assert_eq!(machine.command("selfDestruct", &Value::Null)["ok"], false);
    }
}
