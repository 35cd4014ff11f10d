//! The last-value cache: each device's latest value of each field, for "latest" views, kept up
//! to date by the log's writer thread as batches are applied.
//!
//! It is saved beside the manifest whenever buffers are persisted and loaded before the log is
//! replayed. Applying a point is idempotent (a value replaces another only if it is not older),
//! so a saved cache that already holds some of the replayed points ends the same.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::buffer::FastMap;
use crate::store::TableKey;
use crate::{FieldValue, Point};

/// The tag that names the device a point is from.
pub const DEVICE_TAG: &str = "device";

/// A field's latest value.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestValue {
    /// The field (shared with the cache: a device's many readings name few fields).
    pub field: Arc<str>,
    /// When (ns since the epoch).
    pub time_ns: i64,
    /// The value.
    pub value: FieldValue,
}

type DeviceValues = BTreeMap<Arc<str>, (i64, FieldValue)>;

/// Latest values per table and device.
#[derive(Debug, Default)]
pub(crate) struct LastValues {
    tables: HashMap<TableKey, FastMap<String, DeviceValues>>,
}

/// One saved value (the cache's file is JSON lines of these).
#[derive(Debug, Serialize, Deserialize)]
struct SavedValue {
    tenant: i64,
    database: String,
    table: String,
    device: String,
    field: String,
    time: i64,
    #[serde(flatten)]
    value: SavedField,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
enum SavedField {
    Float(f64),
    Integer(i64),
    Unsigned(u64),
    String(String),
    Boolean(bool),
}

impl From<&FieldValue> for SavedField {
    fn from(value: &FieldValue) -> Self {
        match value {
            FieldValue::Float(v) => SavedField::Float(*v),
            FieldValue::Integer(v) => SavedField::Integer(*v),
            FieldValue::UInteger(v) => SavedField::Unsigned(*v),
            FieldValue::String(v) => SavedField::String(v.clone()),
            FieldValue::Boolean(v) => SavedField::Boolean(*v),
        }
    }
}

impl From<SavedField> for FieldValue {
    fn from(value: SavedField) -> Self {
        match value {
            SavedField::Float(v) => FieldValue::Float(v),
            SavedField::Integer(v) => FieldValue::Integer(v),
            SavedField::Unsigned(v) => FieldValue::UInteger(v),
            SavedField::String(v) => FieldValue::String(v),
            SavedField::Boolean(v) => FieldValue::Boolean(v),
        }
    }
}

impl LastValues {
    /// Forgets the values of `tenant`'s `database` older than `horizon_ns` (retention: a device
    /// silent for longer than its database keeps data shows nothing). Returns how many went.
    pub(crate) fn forget_before(&mut self, tenant: i64, database: &str, horizon_ns: i64) -> usize {
        let mut forgotten = 0;
        for (key, devices) in &mut self.tables {
            if key.tenant != tenant || key.database != database {
                continue;
            }
            devices.retain(|_, values| {
                let before = values.len();
                values.retain(|_, (time, _)| *time >= horizon_ns);
                forgotten += before - values.len();
                !values.is_empty()
            });
        }
        self.tables.retain(|_, devices| !devices.is_empty());
        forgotten
    }

    /// Takes in a point of `key`'s table.
    pub(crate) fn apply(&mut self, key: &TableKey, point: &Point) {
        self.apply_all(key, std::slice::from_ref(point));
    }

    /// Takes in points of `key`'s table.
    pub(crate) fn apply_all(&mut self, key: &TableKey, points: &[Point]) {
        let devices = match self.tables.get_mut(key) {
            Some(devices) => devices,
            None => self.tables.entry(key.clone()).or_default(),
        };
        for point in points {
            let device = point
                .tags
                .iter()
                .find(|(k, _)| k == DEVICE_TAG)
                .map(|(_, v)| v.as_str())
                .unwrap_or("");
            let values = match devices.get_mut(device) {
                Some(values) => values,
                None => devices.entry(device.to_owned()).or_default(),
            };
            for (field, value) in &point.fields {
                match values.get_mut(field.as_str()) {
                    Some(latest) if latest.0 > point.time_ns => {}
                    Some(latest) => *latest = (point.time_ns, value.clone()),
                    None => {
                        values.insert(Arc::from(field.as_str()), (point.time_ns, value.clone()));
                    }
                }
            }
        }
    }

    /// One device's latest values, by field name.
    pub(crate) fn device(&self, key: &TableKey, device: &str) -> Vec<LatestValue> {
        self.tables
            .get(key)
            .and_then(|devices| devices.get(device))
            .map(latest_values)
            .unwrap_or_default()
    }

    /// Every device's latest values in a table, by device name.
    /// (Unordered: the caller sorts them outside the store's lock.)
    pub(crate) fn table(&self, key: &TableKey) -> Vec<(String, Vec<LatestValue>)> {
        self.tables
            .get(key)
            .map(|devices| {
                devices
                    .iter()
                    .map(|(device, values)| (device.clone(), latest_values(values)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Writes the cache to `path` atomically (a temporary file renamed over it).
    pub(crate) fn save(&self, path: &Path) -> std::io::Result<()> {
        let temporary = path.with_extension("tmp");
        let mut file = std::io::BufWriter::new(fs::File::create(&temporary)?);
        for (key, devices) in &self.tables {
            for (device, values) in devices {
                for (field, (time, value)) in values {
                    let saved = SavedValue {
                        tenant: key.tenant,
                        database: key.database.clone(),
                        table: key.table.clone(),
                        device: device.clone(),
                        field: field.to_string(),
                        time: *time,
                        value: value.into(),
                    };
                    serde_json::to_writer(&mut file, &saved)?;
                    file.write_all(b"\n")?;
                }
            }
        }
        let file = file.into_inner().map_err(|e| e.into_error())?;
        file.sync_data()?;
        fs::rename(&temporary, path)
    }

    /// Reads a saved cache; a missing file is an empty cache, unreadable lines are skipped
    /// (the cache is an optimisation: the data itself is in the files and the log).
    pub(crate) fn load(path: &Path) -> Self {
        let mut cache = LastValues::default();
        let Ok(text) = fs::read_to_string(path) else {
            return cache;
        };
        for line in text.lines() {
            let Ok(saved) = serde_json::from_str::<SavedValue>(line) else {
                tracing::warn!("skipping an unreadable line of the last-value cache");
                continue;
            };
            let key = TableKey {
                tenant: saved.tenant,
                database: saved.database,
                table: saved.table,
            };
            let tags = if saved.device.is_empty() {
                Vec::new()
            } else {
                vec![(DEVICE_TAG.to_owned(), saved.device)]
            };
            cache.apply(
                &key,
                &Point {
                    measurement: key.table.clone(),
                    tags,
                    fields: vec![(saved.field, saved.value.into())],
                    time_ns: saved.time,
                },
            );
        }
        cache
    }
}

fn latest_values(values: &DeviceValues) -> Vec<LatestValue> {
    values
        .iter()
        .map(|(field, (time_ns, value))| LatestValue {
            field: Arc::clone(field),
            time_ns: *time_ns,
            value: value.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> TableKey {
        TableKey {
            tenant: 1,
            database: "default".into(),
            table: "machine".into(),
        }
    }

    fn point(device: &str, time_ns: i64, fields: &[(&str, FieldValue)]) -> Point {
        Point {
            measurement: "machine".into(),
            tags: vec![(DEVICE_TAG.into(), device.into())],
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            time_ns,
        }
    }

    #[test]
    fn newest_value_per_field_wins_whatever_the_order() {
        let mut cache = LastValues::default();
        cache.apply(
            &key(),
            &point(
                "a",
                20,
                &[
                    ("t", FieldValue::Float(2.0)),
                    ("s", FieldValue::String("run".into())),
                ],
            ),
        );
        cache.apply(&key(), &point("a", 10, &[("t", FieldValue::Float(1.0))]));
        cache.apply(&key(), &point("a", 30, &[("n", FieldValue::Integer(3))]));
        cache.apply(&key(), &point("b", 5, &[("t", FieldValue::Float(9.0))]));
        let a = cache.device(&key(), "a");
        let summary: Vec<(&str, i64)> = a.iter().map(|v| (&*v.field, v.time_ns)).collect();
        assert_eq!(summary, [("n", 30), ("s", 20), ("t", 20)]);
        assert_eq!(a[2].value, FieldValue::Float(2.0));
        assert_eq!(cache.table(&key()).len(), 2);
        assert!(cache.device(&key(), "c").is_empty());

        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("latest.jsonl");
        cache.save(&path).unwrap();
        let loaded = LastValues::load(&path);
        assert_eq!(loaded.device(&key(), "a"), a);
        let sorted = |mut table: Vec<(String, Vec<LatestValue>)>| {
            table.sort_by(|a, b| a.0.cmp(&b.0));
            table
        };
        assert_eq!(sorted(loaded.table(&key())), sorted(cache.table(&key())));
        assert!(
            LastValues::load(&directory.path().join("missing"))
                .tables
                .is_empty()
        );
    }
}
