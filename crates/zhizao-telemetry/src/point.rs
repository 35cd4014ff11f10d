//! Points: one measurement of one thing at one instant.

/// The value of one field.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// A 64-bit float (line protocol's default numeric type).
    Float(f64),
    /// A signed 64-bit integer (`i` suffix).
    Integer(i64),
    /// An unsigned 64-bit integer (`u` suffix).
    UInteger(u64),
    /// A UTF-8 string (double-quoted).
    String(String),
    /// A boolean (`t`, `true`, `f`, `false`, in any of the accepted casings).
    Boolean(bool),
}

/// One point: a measurement (table), tags (indexed strings), fields (values) and a time.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The measurement, which becomes the table name.
    pub measurement: String,
    /// Tag keys and values, sorted by key, keys unique.
    pub tags: Vec<(String, String)>,
    /// Field keys and values, in order of first appearance, keys unique (a repeated key keeps
    /// its last value), at least one.
    pub fields: Vec<(String, FieldValue)>,
    /// Nanoseconds since the Unix epoch (UTC).
    pub time_ns: i64,
}

/// The unit of timestamps in a write request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// Nanoseconds (the default).
    #[default]
    Nanoseconds,
    /// Microseconds.
    Microseconds,
    /// Milliseconds.
    Milliseconds,
    /// Seconds.
    Seconds,
    /// Minutes (InfluxDB 1.x only).
    Minutes,
    /// Hours (InfluxDB 1.x only).
    Hours,
}
