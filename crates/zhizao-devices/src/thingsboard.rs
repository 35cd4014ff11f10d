//! The ThingsBoard device API's telemetry formats, so ThingsBoard-compatible firmware and
//! gateways work unchanged.
//!
//! A telemetry message is one of
//! - `{"temperature": 42.2, "running": true}`: values now;
//! - `{"ts": 1451649600512, "values": {"temperature": 42.2}}`: values at a time (ms);
//! - an array of either.
//!
//! Values take the types the device's profile declares (`70` for a float field is `70.0`, a
//! string for a numeric field is refused); undeclared numbers are floats, so `70` and a later
//! `70.5` share a column; strings and booleans stay what they are, and nested objects or arrays
//! are stored as their JSON text (as ThingsBoard does).

use serde_json::{Map, Value};
use zhizao_telemetry::schema::FieldType;
use zhizao_telemetry::{FieldValue, Point};

use crate::DeviceIdentity;

/// Why a message is not ThingsBoard telemetry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid telemetry{}: {reason}", .path.as_ref().map(|p| format!(" at {p}")).unwrap_or_default())]
pub struct TelemetryError {
    /// Where in the message, e.g. `[2].values`.
    pub path: Option<String>,
    /// What is wrong.
    pub reason: String,
}

fn fail(path: impl Into<String>, reason: impl Into<String>) -> TelemetryError {
    TelemetryError {
        path: Some(path.into()),
        reason: reason.into(),
    }
}

/// Keys a device may not send: the platform sets the device tag and the time.
const RESERVED_KEYS: &[&str] = &["device", "time"];

/// The most entries one message may have.
const MAX_ENTRIES: usize = 100_000;

/// Converts a telemetry message from `device` into points of its table, tagged with its name;
/// entries without `ts` get `now_ms`.
pub fn telemetry_points(
    message: &[u8],
    device: &DeviceIdentity,
    now_ms: i64,
) -> Result<Vec<Point>, TelemetryError> {
    let value: Value = serde_json::from_slice(message).map_err(|e| TelemetryError {
        path: None,
        reason: format!("not JSON: {e}"),
    })?;
    let entries: Vec<(String, &Value)> = match &value {
        Value::Array(items) if items.len() > MAX_ENTRIES => {
            return Err(fail("", format!("more than {MAX_ENTRIES} entries")));
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("[{i}]"), v))
            .collect(),
        other => vec![(String::new(), other)],
    };
    let mut points = Vec::with_capacity(entries.len());
    for (path, entry) in entries {
        let Value::Object(object) = entry else {
            return Err(fail(path, "expected an object"));
        };
        let (time_ms, values, values_path) = match (object.get("ts"), object.get("values")) {
            (Some(ts), Some(Value::Object(values))) if object.len() == 2 => {
                let ts = ts.as_i64().ok_or_else(|| {
                    fail(
                        format!("{path}.ts"),
                        "ts must be milliseconds since the epoch",
                    )
                })?;
                (ts, values, format!("{path}.values"))
            }
            (Some(_), Some(_)) if object.len() == 2 => {
                return Err(fail(format!("{path}.values"), "values must be an object"));
            }
            _ => (now_ms, object, path.clone()),
        };
        let time_ns = time_ms
            .checked_mul(1_000_000)
            .ok_or_else(|| fail(format!("{path}.ts"), "ts is out of range"))?;
        let fields = fields(values, &values_path, &device.field_types)?;
        points.push(Point {
            measurement: device.table.clone(),
            tags: vec![("device".to_owned(), device.name.clone())],
            fields,
            time_ns,
        });
    }
    Ok(points)
}

/// A JSON value as a field of the declared type, or why it cannot be one.
fn typed(value: &Value, declared: FieldType) -> Result<FieldValue, &'static str> {
    match (declared, value) {
        (FieldType::Float, Value::Number(n)) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .map(FieldValue::Float)
            .ok_or("the number is out of range"),
        (FieldType::Integer, Value::Number(n)) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            })
            .map(FieldValue::Integer)
            .ok_or("the profile declares an integer"),
        (FieldType::UInteger, Value::Number(n)) => n
            .as_u64()
            .map(FieldValue::UInteger)
            .ok_or("the profile declares an unsigned integer"),
        (FieldType::Boolean, Value::Bool(b)) => Ok(FieldValue::Boolean(*b)),
        (FieldType::String, Value::String(s)) => Ok(FieldValue::String(s.clone())),
        (FieldType::String, other) => Ok(FieldValue::String(other.to_string())),
        (FieldType::Boolean, _) => Err("the profile declares a boolean"),
        (_, _) => Err("the profile declares a number"),
    }
}

fn fields(
    values: &Map<String, Value>,
    path: &str,
    declared: &[(String, FieldType)],
) -> Result<Vec<(String, FieldValue)>, TelemetryError> {
    if values.is_empty() {
        return Err(fail(path, "no values"));
    }
    let mut fields = Vec::with_capacity(values.len());
    for (key, value) in values {
        if key.is_empty() {
            return Err(fail(path, "an empty key"));
        }
        if RESERVED_KEYS.contains(&key.as_str()) {
            return Err(fail(
                format!("{path}.{key}"),
                format!("{key:?} is reserved: the platform sets it"),
            ));
        }
        if value.is_null() {
            continue;
        }
        let field = match declared.iter().find(|(name, _)| name == key) {
            Some((_, field_type)) => {
                typed(value, *field_type).map_err(|reason| fail(format!("{path}.{key}"), reason))?
            }
            // Undeclared numbers are floats, so `70` and later `70.5` land in one column.
            None => match value {
                Value::Bool(b) => FieldValue::Boolean(*b),
                Value::String(s) => FieldValue::String(s.clone()),
                Value::Number(n) => match n.as_f64() {
                    Some(f) if f.is_finite() => FieldValue::Float(f),
                    _ => return Err(fail(format!("{path}.{key}"), "the number is out of range")),
                },
                nested => FieldValue::String(nested.to_string()),
            },
        };
        fields.push((key.clone(), field));
    }
    if fields.is_empty() {
        return Err(fail(path, "only null values"));
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn device() -> DeviceIdentity {
        DeviceIdentity {
            device_id: 1,
            tenant: 7,
            name: "press-07".into(),
            database: "default".into(),
            table: "machine_telemetry".into(),
            field_types: vec![
                ("rpm".into(), FieldType::Integer),
                ("temperature".into(), FieldType::Float),
                ("running".into(), FieldType::Boolean),
                ("note".into(), FieldType::String),
            ],
        }
    }

    /// Expected points: time and fields.
    type Expected<'a> = Result<Vec<(i64, Vec<(&'a str, FieldValue)>)>, &'a str>;

    #[test]
    fn every_thingsboard_shape() {
        let check = |message: &str, expected: Expected<'_>| {
            let result = telemetry_points(message.as_bytes(), &device(), 5);
            match (result, expected) {
                (Ok(points), Ok(expected)) => {
                    let got: Vec<(i64, Vec<(String, FieldValue)>)> =
                        points.into_iter().map(|p| (p.time_ns, p.fields)).collect();
                    let want: Vec<(i64, Vec<(String, FieldValue)>)> = expected
                        .into_iter()
                        .map(|(t, f)| (t, f.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
                        .collect();
                    assert_eq!(got, want, "{message}");
                }
                (Err(error), Err(expected)) => {
                    assert!(error.to_string().contains(expected), "{message}: {error}")
                }
                (result, expected) => panic!("{message}: got {result:?}, expected {expected:?}"),
            }
        };
        check(
            r#"{"temperature": 42.5, "count": 3, "ok": true, "mode": "eco"}"#,
            Ok(vec![(
                5_000_000,
                vec![
                    ("count", FieldValue::Float(3.0)),
                    ("mode", FieldValue::String("eco".into())),
                    ("ok", FieldValue::Boolean(true)),
                    ("temperature", FieldValue::Float(42.5)),
                ],
            )]),
        );
        check(
            r#"{"ts": 1451649600512, "values": {"t": 1.5}}"#,
            Ok(vec![(
                1_451_649_600_512_000_000,
                vec![("t", FieldValue::Float(1.5))],
            )]),
        );
        check(
            r#"[{"ts": 1, "values": {"a": 1}}, {"b": {"nested": [1, 2]}}]"#,
            Ok(vec![
                (1_000_000, vec![("a", FieldValue::Float(1.0))]),
                (
                    5_000_000,
                    vec![("b", FieldValue::String("{\"nested\":[1,2]}".into()))],
                ),
            ]),
        );
        check(
            r#"{"ts": "yesterday", "values": {"a": 1}}"#,
            Err("at .ts: ts must be milliseconds"),
        );
        check(r#"[1]"#, Err("at [0]: expected an object"));
        check(r#"{}"#, Err("no values"));
        check(r#"{"a": null}"#, Err("only null values"));
        check(r#"{"a": 1"#, Err("not JSON"));
        check(
            r#"{"ts": 9223372036854775807, "values": {"a": 1}}"#,
            Err("ts is out of range"),
        );
        check(
            r#"{"device": "someone-else", "x": 1}"#,
            Err("at .device: \"device\" is reserved"),
        );
        // Declared types: an integral float is an integer, an integer a float; the rest refused.
        check(
            r#"{"rpm": 1200.0, "temperature": 70, "running": false, "note": 5}"#,
            Ok(vec![(
                5_000_000,
                vec![
                    ("note", FieldValue::String("5".into())),
                    ("rpm", FieldValue::Integer(1200)),
                    ("running", FieldValue::Boolean(false)),
                    ("temperature", FieldValue::Float(70.0)),
                ],
            )]),
        );
        check(
            r#"{"temperature": "hot"}"#,
            Err("at .temperature: the profile declares a number"),
        );
        check(
            r#"{"rpm": 1.5}"#,
            Err("at .rpm: the profile declares an integer"),
        );
        check(
            r#"{"running": 1}"#,
            Err("at .running: the profile declares a boolean"),
        );
        let points = telemetry_points(br#"{"x": 1}"#, &device(), 0).unwrap();
        assert_eq!(
            points[0].tags,
            [("device".to_owned(), "press-07".to_owned())]
        );
        assert_eq!(points[0].measurement, "machine_telemetry");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = telemetry_points(&bytes, &device(), 0);
        }
    }
}
