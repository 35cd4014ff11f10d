//! The binary encoding of write-ahead log batches, format version 1.
//!
//! ```text
//! batch   = version:u8(=1) sequence:u64 tenant:i64 database:str count:u32 point*
//! point   = measurement:str tags:u16 (key:str value:str)* fields:u16 (key:str field)* time_ns:i64
//! field   = 0 f64 | 1 i64 | 2 u64 | 3 str | 4 u8(0|1)
//! str     = length:u32 utf8-bytes
//! ```
//! Integers are little-endian. The encoding is covered by a byte-for-byte snapshot test: a
//! change to it is a new version, never an edit.

use crate::{FieldValue, Point};

/// The current format version.
const VERSION: u8 = 1;

/// A batch of points written together by one tenant to one database.
#[derive(Debug, Clone, PartialEq)]
pub struct WalBatch {
    /// The batch's position in the log (assigned when appended).
    pub sequence: u64,
    /// The tenant (enterprise organisation id) the points belong to.
    pub tenant: i64,
    /// The tenant's database the points go to (InfluxDB's `db` or `bucket`).
    pub database: String,
    /// The points.
    pub points: Vec<Point>,
}

/// Why a payload could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid write-ahead log batch at byte {offset}: {reason}")]
pub struct DecodeError {
    offset: usize,
    reason: &'static str,
}

/// Encodes a batch.
pub fn encode_batch(batch: &WalBatch) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + batch.points.len() * 64);
    out.push(VERSION);
    out.extend_from_slice(&batch.sequence.to_le_bytes());
    out.extend_from_slice(&batch.tenant.to_le_bytes());
    put_str(&mut out, &batch.database);
    out.extend_from_slice(&(batch.points.len() as u32).to_le_bytes());
    for point in &batch.points {
        put_str(&mut out, &point.measurement);
        out.extend_from_slice(&(point.tags.len() as u16).to_le_bytes());
        for (key, value) in &point.tags {
            put_str(&mut out, key);
            put_str(&mut out, value);
        }
        out.extend_from_slice(&(point.fields.len() as u16).to_le_bytes());
        for (key, value) in &point.fields {
            put_str(&mut out, key);
            match value {
                FieldValue::Float(v) => {
                    out.push(0);
                    out.extend_from_slice(&v.to_le_bytes());
                }
                FieldValue::Integer(v) => {
                    out.push(1);
                    out.extend_from_slice(&v.to_le_bytes());
                }
                FieldValue::UInteger(v) => {
                    out.push(2);
                    out.extend_from_slice(&v.to_le_bytes());
                }
                FieldValue::String(v) => {
                    out.push(3);
                    put_str(&mut out, v);
                }
                FieldValue::Boolean(v) => {
                    out.push(4);
                    out.push(u8::from(*v));
                }
            }
        }
        out.extend_from_slice(&point.time_ns.to_le_bytes());
    }
    out
}

fn put_str(out: &mut Vec<u8>, value: &str) {
    out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    out.extend_from_slice(value.as_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    fn fail<T>(&self, reason: &'static str) -> Result<T, DecodeError> {
        Err(DecodeError {
            offset: self.offset,
            reason,
        })
    }

    fn take(&mut self, count: usize) -> Result<&'a [u8], DecodeError> {
        match self
            .bytes
            .get(self.offset..self.offset.saturating_add(count))
        {
            Some(slice) if self.offset.checked_add(count).is_some() => {
                self.offset += count;
                Ok(slice)
            }
            _ => self.fail("truncated"),
        }
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, DecodeError> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ]))
    }

    fn string(&mut self) -> Result<String, DecodeError> {
        let length = self.u32()? as usize;
        let bytes = self.take(length)?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_owned()),
            Err(_) => self.fail("invalid UTF-8"),
        }
    }
}

/// Decodes a batch, refusing anything malformed (never panicking).
pub fn decode_batch(bytes: &[u8]) -> Result<WalBatch, DecodeError> {
    let mut reader = Reader { bytes, offset: 0 };
    if reader.u8()? != VERSION {
        return reader.fail("unknown format version");
    }
    let sequence = reader.u64()?;
    let tenant = reader.u64()? as i64;
    let database = reader.string()?;
    let count = reader.u32()? as usize;
    // Each point needs at least 17 bytes, so a count beyond that is garbage, not an allocation.
    if count > bytes.len() / 17 + 1 {
        return reader.fail("point count exceeds the payload");
    }
    let mut points = Vec::with_capacity(count);
    for _ in 0..count {
        let measurement = reader.string()?;
        let tag_count = reader.u16()?;
        let mut tags = Vec::with_capacity(usize::from(tag_count).min(64));
        for _ in 0..tag_count {
            tags.push((reader.string()?, reader.string()?));
        }
        let field_count = reader.u16()?;
        let mut fields = Vec::with_capacity(usize::from(field_count).min(64));
        for _ in 0..field_count {
            let key = reader.string()?;
            let value = match reader.u8()? {
                0 => FieldValue::Float(f64::from_bits(reader.u64()?)),
                1 => FieldValue::Integer(reader.u64()? as i64),
                2 => FieldValue::UInteger(reader.u64()?),
                3 => FieldValue::String(reader.string()?),
                4 => FieldValue::Boolean(reader.u8()? != 0),
                _ => return reader.fail("unknown field type"),
            };
            fields.push((key, value));
        }
        let time_ns = reader.u64()? as i64;
        points.push(Point {
            measurement,
            tags,
            fields,
            time_ns,
        });
    }
    if reader.offset != bytes.len() {
        return reader.fail("trailing bytes");
    }
    Ok(WalBatch {
        sequence,
        tenant,
        database,
        points,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn sample() -> WalBatch {
        WalBatch {
            sequence: 5,
            tenant: 42,
            database: "db".into(),
            points: vec![Point {
                measurement: "m".into(),
                tags: vec![("device".into(), "机".into())],
                fields: vec![
                    ("f".into(), FieldValue::Float(1.5)),
                    ("i".into(), FieldValue::Integer(-2)),
                    ("u".into(), FieldValue::UInteger(3)),
                    ("s".into(), FieldValue::String("ok".into())),
                    ("b".into(), FieldValue::Boolean(true)),
                ],
                time_ns: 1_000,
            }],
        }
    }

    /// The on-disk format, byte for byte: if this test fails, the format changed and needs a
    /// new version (old logs must stay readable).
    #[test]
    fn format_version_1_snapshot() {
        let bytes = encode_batch(&sample());
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let expected = concat!(
            "0105000000000000002a0000000000000002000000646201000000010000006d",
            "01000600000064657669636503000000e69cba05000100000066000000000000",
            "00f83f010000006901feffffffffffffff010000007502030000000000000001",
            "0000007303020000006f6b01000000620401e803000000000000",
        );
        assert_eq!(hex, expected);
        assert_eq!(decode_batch(&bytes), Ok(sample()));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode_batch(&bytes);
        }

        #[test]
        fn damaged_payloads_are_refused_or_differ(cut in 0usize..80) {
            let bytes = encode_batch(&sample());
            let cut = cut.min(bytes.len() - 1);
            prop_assert!(decode_batch(&bytes[..cut]).is_err());
        }
    }
}
