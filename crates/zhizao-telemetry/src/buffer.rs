//! In-memory, column-oriented buffers of recent points, queryable at once.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, StringArray,
    StringBuilder, TimestampNanosecondArray, UInt32Array, UInt32Builder, UInt64Builder,
    new_null_array,
};
use arrow::compute::take;
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;

use crate::names::TIME_COLUMN;
use crate::{FieldValue, Point};

/// A hash map with a fast hasher: keys here are names and tag values chosen by the tenant's
/// own writes, and each tenant's buffers are its own, so flooding one only slows that tenant.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Tag values, stored once each.
#[derive(Debug, Default)]
struct Dictionary {
    values: Vec<String>,
    index: FastMap<String, u32>,
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

/// One column's values so far, null where a point did not have it, in Arrow's own layout
/// (values plus a validity bitmap), so that freezing a buffer hands its memory to Arrow arrays
/// without copying.
#[derive(Debug)]
enum Column {
    /// Keys into the table buffer's dictionary of this tag's values.
    Tag(Dictionary, UInt32Builder),
    Float(Float64Builder),
    Integer(Int64Builder),
    UInteger(UInt64Builder),
    String(StringBuilder),
    Boolean(BooleanBuilder),
}

impl Column {
    fn tag(rows: usize) -> Self {
        let mut keys = UInt32Builder::new();
        keys.append_nulls(rows);
        Column::Tag(Dictionary::default(), keys)
    }

    fn for_field(value: &FieldValue, rows: usize) -> Self {
        let mut column = match value {
            FieldValue::Float(_) => Column::Float(Float64Builder::new()),
            FieldValue::Integer(_) => Column::Integer(Int64Builder::new()),
            FieldValue::UInteger(_) => Column::UInteger(UInt64Builder::new()),
            FieldValue::String(_) => Column::String(StringBuilder::new()),
            FieldValue::Boolean(_) => Column::Boolean(BooleanBuilder::new()),
        };
        for _ in 0..rows {
            column.append_null();
        }
        column
    }

    fn append_null(&mut self) {
        match self {
            Column::Tag(_, b) => b.append_null(),
            Column::Float(b) => b.append_null(),
            Column::Integer(b) => b.append_null(),
            Column::UInteger(b) => b.append_null(),
            Column::String(b) => b.append_null(),
            Column::Boolean(b) => b.append_null(),
        }
    }

    fn append_tag(&mut self, value: &str) {
        match self {
            Column::Tag(dictionary, keys) => keys.append_value(dictionary.key(value)),
            // A name is a tag or a field, never both (the schema check sees to it).
            other => other.append_null(),
        }
    }

    fn append(&mut self, value: &FieldValue) {
        match (self, value) {
            (Column::Float(b), FieldValue::Float(x)) => b.append_value(*x),
            (Column::Integer(b), FieldValue::Integer(x)) => b.append_value(*x),
            (Column::UInteger(b), FieldValue::UInteger(x)) => b.append_value(*x),
            (Column::String(b), FieldValue::String(x)) => b.append_value(x),
            (Column::Boolean(b), FieldValue::Boolean(x)) => b.append_value(*x),
            // The schema check before the write rules out a type change; keep a null.
            (column, _) => column.append_null(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Column::Tag(_, b) => b.len(),
            Column::Float(b) => b.len(),
            Column::Integer(b) => b.len(),
            Column::UInteger(b) => b.len(),
            Column::String(b) => b.len(),
            Column::Boolean(b) => b.len(),
        }
    }

    /// The values so far as an array, leaving the column as it is.
    fn to_array(&self) -> Result<ArrayRef, ArrowError> {
        Ok(match self {
            Column::Tag(dictionary, keys) => tag_array(dictionary, &keys.finish_cloned())?,
            Column::Float(b) => Arc::new(b.finish_cloned()),
            Column::Integer(b) => Arc::new(b.finish_cloned()),
            Column::UInteger(b) => Arc::new(b.finish_cloned()),
            Column::String(b) => Arc::new(b.finish_cloned()),
            Column::Boolean(b) => Arc::new(b.finish_cloned()),
        })
    }

    /// The values as an array, taking the column's memory.
    fn into_array(self) -> Result<ArrayRef, ArrowError> {
        Ok(match self {
            Column::Tag(dictionary, mut keys) => tag_array(&dictionary, &keys.finish())?,
            Column::Float(mut b) => Arc::new(b.finish()),
            Column::Integer(mut b) => Arc::new(b.finish()),
            Column::UInteger(mut b) => Arc::new(b.finish()),
            Column::String(mut b) => Arc::new(b.finish()),
            Column::Boolean(mut b) => Arc::new(b.finish()),
        })
    }
}

/// A tag column's values as strings (the tables' schemas have tags as plain strings).
fn tag_array(dictionary: &Dictionary, keys: &UInt32Array) -> Result<ArrayRef, ArrowError> {
    let values = StringArray::from_iter_values(dictionary.values.iter());
    take(&values, keys, None)
}

/// The recent points of one table.
#[derive(Debug, Default)]
pub(crate) struct TableBuffer {
    time: Vec<i64>,
    names: Vec<String>,
    columns: Vec<Column>,
    index: FastMap<String, usize>,
    /// The column of each name of the previous point (tags, then fields): the points of one
    /// source have the same names in the same order, so most points need no lookup at all.
    layout: Vec<usize>,
    /// Scratch: which columns the current point filled.
    filled: Vec<bool>,
}

impl TableBuffer {
    /// Rows held.
    pub(crate) fn rows(&self) -> usize {
        self.time.len()
    }

    /// The earliest time held, ns.
    pub(crate) fn earliest(&self) -> Option<i64> {
        self.time.iter().copied().min()
    }

    /// The column named `name`, created (null for the rows so far) by `make` if it is new.
    fn column(&mut self, name: &str, make: impl FnOnce(usize) -> Column) -> usize {
        if let Some(&slot) = self.index.get(name) {
            return slot;
        }
        let slot = self.columns.len();
        self.columns.push(make(self.time.len()));
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), slot);
        slot
    }

    fn same_layout(&self, point: &Point) -> bool {
        self.layout.len() == point.tags.len() + point.fields.len()
            && point
                .tags
                .iter()
                .map(|(name, _)| name)
                .chain(point.fields.iter().map(|(name, _)| name))
                .zip(&self.layout)
                .all(|(name, &slot)| self.names[slot] == *name)
    }

    /// Appends a point whose columns were checked against the table's schema.
    pub(crate) fn push(&mut self, point: &Point) {
        if !self.same_layout(point) {
            let mut layout = Vec::with_capacity(point.tags.len() + point.fields.len());
            for (name, _) in &point.tags {
                layout.push(self.column(name, Column::tag));
            }
            for (name, value) in &point.fields {
                layout.push(self.column(name, |rows| Column::for_field(value, rows)));
            }
            self.layout = layout;
        }
        self.filled.clear();
        self.filled.resize(self.columns.len(), false);
        let (tag_slots, field_slots) = self.layout.split_at(point.tags.len());
        for ((_, value), &slot) in point.tags.iter().zip(tag_slots) {
            if !self.filled[slot] {
                self.columns[slot].append_tag(value);
                self.filled[slot] = true;
            }
        }
        for ((_, value), &slot) in point.fields.iter().zip(field_slots) {
            if !self.filled[slot] {
                self.columns[slot].append(value);
                self.filled[slot] = true;
            }
        }
        for (column, filled) in self.columns.iter_mut().zip(&self.filled) {
            if !filled {
                column.append_null();
            }
        }
        self.time.push(point.time_ns);
        debug_assert!(self.columns.iter().all(|c| c.len() == self.time.len()));
    }

    fn batch<'a>(
        &self,
        schema: &SchemaRef,
        time: ArrayRef,
        mut column: impl FnMut(usize) -> Result<ArrayRef, ArrowError> + 'a,
    ) -> Result<RecordBatch, ArrowError> {
        let columns = schema
            .fields()
            .iter()
            .map(|field| {
                if field.name() == TIME_COLUMN {
                    Ok(Arc::clone(&time))
                } else {
                    match self.index.get(field.name()) {
                        Some(&slot) => column(slot),
                        None => Ok(new_null_array(field.data_type(), self.time.len())),
                    }
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        RecordBatch::try_new(Arc::clone(schema), columns)
    }

    /// The rows as one batch in `schema` (which may have columns this buffer never saw),
    /// leaving the buffer as it is.
    pub(crate) fn to_record_batch(&self, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
        let time: ArrayRef =
            Arc::new(TimestampNanosecondArray::from(self.time.clone()).with_timezone("UTC"));
        self.batch(schema, time, |slot| self.columns[slot].to_array())
    }

    /// The rows as one batch in `schema`, taking the buffer's memory.
    pub(crate) fn into_record_batch(
        mut self,
        schema: &SchemaRef,
    ) -> Result<RecordBatch, ArrowError> {
        let time: ArrayRef = Arc::new(
            TimestampNanosecondArray::from(std::mem::take(&mut self.time)).with_timezone("UTC"),
        );
        let rows = time.len();
        let mut columns: Vec<Option<Column>> = std::mem::take(&mut self.columns)
            .into_iter()
            .map(Some)
            .collect();
        let fields = schema
            .fields()
            .iter()
            .map(|field| {
                if field.name() == TIME_COLUMN {
                    return Ok(Arc::clone(&time));
                }
                match self
                    .index
                    .get(field.name())
                    .and_then(|&slot| columns[slot].take())
                {
                    Some(column) => column.into_array(),
                    None => Ok(new_null_array(field.data_type(), rows)),
                }
            })
            .collect::<Result<Vec<_>, ArrowError>>()?;
        RecordBatch::try_new(Arc::clone(schema), fields)
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{Array, Float64Array};

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
        let strings = batch.column_by_name("s").unwrap();
        assert_eq!((strings.null_count(), strings.is_valid(2)), (2, true));
        // Freezing hands over the same rows.
        assert_eq!(buffer.into_record_batch(&wider.arrow()).unwrap(), batch);
    }
}
