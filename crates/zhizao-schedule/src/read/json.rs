//! The JSON model, version 1 (`schema/instance.schema.json` describes it for other tools).

use serde::{Deserialize, Serialize};

use crate::model::{
    Alternative, FrozenPlacement, InstanceParts, Job, Operation, SetupMatrix, Time, Window,
};
use crate::{Error, Instance, Result};

/// The instance format version this crate reads and writes.
pub(crate) const INSTANCE_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct InstanceDocument {
    format_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    n_machines: usize,
    #[serde(default, skip_serializing_if = "is_zero")]
    now: Time,
    jobs: Vec<JobDocument>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    setup_times: Vec<SetupDocument>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unavailability: Vec<WindowDocument>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobDocument {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    release: Time,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    due: Option<Time>,
    #[serde(default = "default_weight", skip_serializing_if = "is_one")]
    weight: Time,
    operations: Vec<OperationDocument>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OperationDocument {
    #[serde(default, skip_serializing_if = "is_zero_usize")]
    family: usize,
    alternatives: Vec<AlternativeDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    frozen: Option<FrozenDocument>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlternativeDocument {
    machine: usize,
    duration: Time,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrozenDocument {
    machine: usize,
    start: Time,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetupDocument {
    machine: usize,
    times: Vec<Vec<Time>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowDocument {
    machine: usize,
    start: Time,
    end: Time,
}

fn default_weight() -> Time {
    1
}

fn is_zero(value: &Time) -> bool {
    *value == 0
}

fn is_one(value: &Time) -> bool {
    *value == 1
}

fn is_zero_usize(value: &usize) -> bool {
    *value == 0
}

pub(super) fn parse_json(bytes: &[u8], name: &str) -> Result<Instance> {
    let document: InstanceDocument = serde_json::from_slice(bytes).map_err(|error| {
        let line = error.line().max(1);
        Error::parse(line, format!("invalid instance JSON: {error}"))
    })?;
    if document.format_version != INSTANCE_FORMAT_VERSION {
        return Err(Error::InvalidInstance(format!(
            "format_version {} is not supported (this reader knows version {INSTANCE_FORMAT_VERSION})",
            document.format_version
        )));
    }
    let n_machines = document.n_machines;
    if n_machines == 0 || n_machines > crate::model::MAX_MACHINES {
        return Err(Error::InvalidInstance(format!(
            "n_machines must be between 1 and {}, found {n_machines}",
            crate::model::MAX_MACHINES
        )));
    }
    let mut setup_times: Vec<Option<SetupMatrix>> = Vec::new();
    if !document.setup_times.is_empty() {
        setup_times = vec![None; n_machines];
        for (index, setup) in document.setup_times.iter().enumerate() {
            let slot = setup_times.get_mut(setup.machine).ok_or_else(|| {
                Error::InvalidInstance(format!(
                    "setup_times[{index}].machine: machine {} out of range",
                    setup.machine
                ))
            })?;
            if slot.is_some() {
                return Err(Error::InvalidInstance(format!(
                    "setup_times[{index}]: machine {} has two set-up matrices",
                    setup.machine
                )));
            }
            let matrix = SetupMatrix::from_rows(&setup.times).map_err(|error| {
                Error::InvalidInstance(format!("setup_times[{index}]: {error}"))
            })?;
            *slot = Some(matrix);
        }
    }
    let mut unavailability: Vec<Vec<Window>> = Vec::new();
    if !document.unavailability.is_empty() {
        unavailability = vec![Vec::new(); n_machines];
        for (index, window) in document.unavailability.iter().enumerate() {
            let slot = unavailability.get_mut(window.machine).ok_or_else(|| {
                Error::InvalidInstance(format!(
                    "unavailability[{index}].machine: machine {} out of range",
                    window.machine
                ))
            })?;
            slot.push(Window {
                start: window.start,
                end: window.end,
            });
        }
    }
    let jobs = document
        .jobs
        .into_iter()
        .map(|job| Job {
            name: job.name,
            release: job.release,
            due: job.due,
            weight: job.weight,
            operations: job
                .operations
                .into_iter()
                .map(|operation| Operation {
                    family: operation.family,
                    alternatives: operation
                        .alternatives
                        .into_iter()
                        .map(|alternative| Alternative {
                            machine: alternative.machine,
                            duration: alternative.duration,
                        })
                        .collect(),
                    frozen: operation.frozen.map(|frozen| FrozenPlacement {
                        machine: frozen.machine,
                        start: frozen.start,
                    }),
                })
                .collect(),
        })
        .collect();
    Instance::new(InstanceParts {
        name: document.name.unwrap_or_else(|| name.to_owned()),
        n_machines,
        jobs,
        setup_times,
        unavailability,
        now: document.now,
    })
}

/// Writes an instance in the JSON model (pretty-printed, format version 1).
pub fn instance_to_json(instance: &Instance) -> String {
    let document = InstanceDocument {
        format_version: INSTANCE_FORMAT_VERSION,
        name: Some(instance.name().to_owned()),
        n_machines: instance.n_machines(),
        now: instance.now(),
        jobs: instance
            .jobs()
            .iter()
            .map(|job| JobDocument {
                name: job.name.clone(),
                release: job.release,
                due: job.due,
                weight: job.weight,
                operations: job
                    .operations
                    .iter()
                    .map(|operation| OperationDocument {
                        family: operation.family,
                        alternatives: operation
                            .alternatives
                            .iter()
                            .map(|alternative| AlternativeDocument {
                                machine: alternative.machine,
                                duration: alternative.duration,
                            })
                            .collect(),
                        frozen: operation.frozen.map(|frozen| FrozenDocument {
                            machine: frozen.machine,
                            start: frozen.start,
                        }),
                    })
                    .collect(),
            })
            .collect(),
        setup_times: (0..instance.n_machines())
            .filter_map(|machine| {
                instance.setup_matrix(machine).map(|matrix| SetupDocument {
                    machine,
                    times: matrix.rows(),
                })
            })
            .collect(),
        unavailability: (0..instance.n_machines())
            .flat_map(|machine| {
                instance
                    .windows(machine)
                    .iter()
                    .map(move |window| WindowDocument {
                        machine,
                        start: window.start,
                        end: window.end,
                    })
            })
            .collect(),
    };
    // Serializing plain data structures cannot fail.
    serde_json::to_string_pretty(&document).unwrap_or_default()
}
