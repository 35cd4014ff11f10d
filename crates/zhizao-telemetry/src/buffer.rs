//! In-memory, column-oriented buffers of recent points, queryable at once.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray, TimestampNanosecondArray,
    UInt64Array, new_null_array,
};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;

use crate::names::TIME_COLUMN;
use crate::{FieldValue, Point};

/// Tag values, stored once each.
#[derive(Debug, Default, Clone)]
struct Dictionary {
    values: Vec<String>,
    index: HashMap<String, u32>,
}

impl Dictionary {
    fn key(&mut self, value: &str) -> u32 {
        if let Some(&key) = self.index.get(value) {
            return key;
        }
        let key = self.values.len() as u32;
        self.values.push(value.to_owned());
        self.index.insert(value.to_owned(), key);
        key
    }
}

/// One column's values, `None` where a point did not have it.
#[derive(Debug, Clone)]
enum Column {
    Tag(Dictionary, Vec<Option<u32>>),
    Float(Vec<Option<f64>>),
    Integer(Vec<Option<i64>>),
    UInteger(Vec<Option<u64>>),
    String(Vec<Option<String>>),
    Boolean(Vec<Option<bool>>),
}

impl Column {
    fn for_field(value: &FieldValue, rows: usize) -> Self {
        match value {
            FieldValue::Float(_) => Column::Float(vec![None; rows]),
            FieldValue::Integer(_) => Column::Integer(vec![None; rows]),
            FieldValue::UInteger(_) => Column::UInteger(vec![None; rows]),
            FieldValue::String(_) => Column::String(vec![None; rows]),
            FieldValue::Boolean(_) => Column::Boolean(vec![None; rows]),
        }
    }

    fn push_null(&mut self) {
        match self {
            Column::Tag(_, v) => v.push(None),
            Column::Float(v) => v.push(None),
            Column::Integer(v) => v.push(None),
            Column::UInteger(v) => v.push(None),
            Column::String(v) => v.push(None),
            Column::Boolean(v) => v.push(None),
        }
    }

    fn len(&self) -> usize {
        match self {
            Column::Tag(_, v) => v.len(),
            Column::Float(v) => v.len(),
            Column::Integer(v) => v.len(),
            Column::UInteger(v) => v.len(),
            Column::String(v) => v.len(),
            Column::Boolean(v) => v.len(),
        }
    }

    /// Sets the last row's value (the row was pushed as null first).
    fn set_last(&mut self, value: &FieldValue) {
        match (self, value) {
            (Column::Float(v), FieldValue::Float(x)) => set_last(v, *x),
            (Column::Integer(v), FieldValue::Integer(x)) => set_last(v, *x),
            (Column::UInteger(v), FieldValue::UInteger(x)) => set_last(v, *x),
            (Column::String(v), FieldValue::String(x)) => set_last(v, x.clone()),
            (Column::Boolean(v), FieldValue::Boolean(x)) => set_last(v, *x),
            // The schema check before the write rules out a type change; keep the null.
            _ => {}
        }
    }

    fn to_array(&self) -> ArrayRef {
        match self {
            Column::Tag(dictionary, keys) => Arc::new(
                keys.iter()
                    .map(|k| k.map(|k| dictionary.values[k as usize].as_str()))
                    .collect::<StringArray>(),
            ),
            Column::Float(v) => Arc::new(v.iter().copied().collect::<Float64Array>()),
            Column::Integer(v) => Arc::new(v.iter().copied().collect::<Int64Array>()),
            Column::UInteger(v) => Arc::new(v.iter().copied().collect::<UInt64Array>()),
            Column::String(v) => Arc::new(v.iter().map(|s| s.as_deref()).collect::<StringArray>()),
            Column::Boolean(v) => Arc::new(v.iter().copied().collect::<BooleanArray>()),
        }
    }
}

fn set_last<T>(values: &mut [Option<T>], value: T) {
    if let Some(last) = values.last_mut() {
        *last = Some(value);
    }
}

/// The recent points of one table.
#[derive(Debug, Clone, Default)]
pub(crate) struct TableBuffer {
    time: Vec<i64>,
    columns: BTreeMap<String, Column>,
}

impl TableBuffer {
    /// Rows held.
    pub(crate) fn rows(&self) -> usize {
        self.time.len()
    }

    /// Appends a point whose columns were checked against the table's schema.
    pub(crate) fn push(&mut self, point: &Point) {
        let rows = self.time.len();
        self.time.push(point.time_ns);
        for column in self.columns.values_mut() {
            column.push_null();
        }
        for (name, value) in &point.tags {
            let column = self
                .columns
                .entry(name.clone())
                .or_insert_with(|| Column::Tag(Dictionary::default(), vec![None; rows + 1]));
            if let Column::Tag(dictionary, keys) = column {
                let key = dictionary.key(value);
                set_last(keys, key);
            }
        }
        for (name, value) in &point.fields {
            let column = self
                .columns
                .entry(name.clone())
                .or_insert_with(|| Column::for_field(value, rows + 1));
            column.set_last(value);
        }
        debug_assert!(self.columns.values().all(|c| c.len() == self.time.len()));
    }

    /// The rows as one batch in `schema` (which may have columns this buffer never saw).
    pub(crate) fn to_record_batch(&self, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
        let columns = schema
            .fields()
            .iter()
            .map(|field| {
                if field.name() == TIME_COLUMN {
                    Arc::new(TimestampNanosecondArray::from(self.time.clone()).with_timezone("UTC"))
                        as ArrayRef
                } else {
                    match self.columns.get(field.name()) {
                        Some(column) => column.to_array(),
                        None => new_null_array(field.data_type(), self.time.len()),
                    }
                }
            })
            .collect();
        RecordBatch::try_new(Arc::clone(schema), columns)
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::Array;

    use super::*;
    use crate::schema::TableSchema;

    #[test]
    fn sparse_columns_line_up() {
        let points = [
            Point {
                measurement: "m".into(),
                tags: vec![("device".into(), "a".into())],
                fields: vec![("t".into(), FieldValue::Float(1.0))],
                time_ns: 1,
            },
            Point {
                measurement: "m".into(),
                tags: vec![],
                fields: vec![("n".into(), FieldValue::Integer(2))],
                time_ns: 2,
            },
            Point {
                measurement: "m".into(),
                tags: vec![("device".into(), "a".into())],
                fields: vec![
                    ("t".into(), FieldValue::Float(3.0)),
                    ("s".into(), FieldValue::String("x".into())),
                ],
                time_ns: 3,
            },
        ];
        let mut schema = TableSchema::default();
        let mut buffer = TableBuffer::default();
        for point in &points {
            schema.merge(point).unwrap();
            buffer.push(point);
        }
        let mut wider = schema.clone();
        wider
            .merge(&Point {
                measurement: "m".into(),
                tags: vec![],
                fields: vec![("late".into(), FieldValue::Boolean(true))],
                time_ns: 0,
            })
            .unwrap();
        let batch = buffer.to_record_batch(&wider.arrow()).unwrap();
        assert_eq!(batch.num_rows(), 3);
        let device = batch.column_by_name("device").unwrap();
        assert_eq!((device.null_count(), device.is_null(1)), (1, true));
        let t = batch
            .column_by_name("t")
            .unwrap()
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap();
        assert_eq!(t.iter().collect::<Vec<_>>(), [Some(1.0), None, Some(3.0)]);
        assert_eq!(batch.column_by_name("late").unwrap().null_count(), 3);
    }
}
