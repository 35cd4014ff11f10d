//! Table schemas, learned from writes: which columns a table has and what type each holds.
//!
//! A table has the `time` column, tag columns (strings, what points are grouped and filtered
//! by, e.g. `device`) and field columns (typed values). A write that gives an existing field a
//! different type, uses one name as both tag and field, or names a column `time` is refused as
//! a whole, naming the column; nothing of it is written.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde::{Deserialize, Serialize};

use crate::names::{TIME_COLUMN, check_identifier};
use crate::{Error, FieldValue, Point};

/// The type of a field column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// 64-bit float.
    Float,
    /// Signed 64-bit integer.
    Integer,
    /// Unsigned 64-bit integer.
    #[serde(rename = "unsigned")]
    UInteger,
    /// UTF-8 string.
    String,
    /// Boolean.
    Boolean,
}

impl FieldType {
    pub(crate) fn of(value: &FieldValue) -> Self {
        match value {
            FieldValue::Float(_) => FieldType::Float,
            FieldValue::Integer(_) => FieldType::Integer,
            FieldValue::UInteger(_) => FieldType::UInteger,
            FieldValue::String(_) => FieldType::String,
            FieldValue::Boolean(_) => FieldType::Boolean,
        }
    }

    fn arrow(self) -> DataType {
        match self {
            FieldType::Float => DataType::Float64,
            FieldType::Integer => DataType::Int64,
            FieldType::UInteger => DataType::UInt64,
            FieldType::String => DataType::Utf8,
            FieldType::Boolean => DataType::Boolean,
        }
    }

    /// The name InfluxDB uses for the type.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Float => "float",
            FieldType::Integer => "integer",
            FieldType::UInteger => "unsigned",
            FieldType::String => "string",
            FieldType::Boolean => "boolean",
        }
    }
}

/// What a column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "type")]
pub enum ColumnKind {
    /// A tag: a string that identifies a series.
    Tag,
    /// A field of this type.
    Field(FieldType),
}

/// The columns of one table (besides `time`), by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSchema {
    /// Columns by name.
    pub columns: BTreeMap<String, ColumnKind>,
}

fn kind_name(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Tag => "tag",
        ColumnKind::Field(_) => "field",
    }
}

impl TableSchema {
    /// Adds the columns of `point`, or explains why it does not fit (changing nothing then).
    pub fn merge(&mut self, point: &Point) -> Result<(), Error> {
        let mut additions = Vec::new();
        let columns = point
            .tags
            .iter()
            .map(|(name, _)| (name, ColumnKind::Tag))
            .chain(
                point
                    .fields
                    .iter()
                    .map(|(name, value)| (name, ColumnKind::Field(FieldType::of(value)))),
            );
        for (name, kind) in columns {
            let invalid = |reason| Error::InvalidColumn {
                table: point.measurement.clone(),
                column: name.clone(),
                reason,
            };
            match self
                .columns
                .get(name)
                .copied()
                .or_else(|| additions.iter().find(|(n, _)| n == name).map(|(_, k)| *k))
            {
                // Only a new column's name needs checking: the others were checked when added.
                None => {
                    if name == TIME_COLUMN {
                        return Err(invalid("\"time\" is the timestamp column"));
                    }
                    if check_identifier("column", name).is_err() {
                        return Err(invalid(
                            "use 1 to 200 characters without control characters",
                        ));
                    }
                    additions.push((name.clone(), kind));
                }
                Some(existing) if existing == kind => {}
                Some(ColumnKind::Field(existing)) if matches!(kind, ColumnKind::Field(_)) => {
                    let ColumnKind::Field(found) = kind else {
                        unreachable!("matched a field")
                    };
                    return Err(Error::TypeConflict {
                        table: point.measurement.clone(),
                        column: name.clone(),
                        found: found.name(),
                        existing: existing.name(),
                    });
                }
                Some(existing) => {
                    return Err(Error::KindConflict {
                        table: point.measurement.clone(),
                        column: name.clone(),
                        found: kind_name(kind),
                        existing: kind_name(existing),
                    });
                }
            }
        }
        self.columns.extend(additions);
        Ok(())
    }

    /// Whether `point` fits as the schema is (every column exists with the point's kind), so
    /// that writing it changes nothing.
    pub fn fits(&self, point: &Point) -> bool {
        point
            .tags
            .iter()
            .all(|(name, _)| self.columns.get(name) == Some(&ColumnKind::Tag))
            && point.fields.iter().all(|(name, value)| {
                self.columns.get(name) == Some(&ColumnKind::Field(FieldType::of(value)))
            })
    }

    /// The Arrow schema: `time` first, then tags, then fields, each group by name.
    pub fn arrow(&self) -> SchemaRef {
        let mut fields = vec![Field::new(
            TIME_COLUMN,
            DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
            false,
        )];
        for (name, kind) in &self.columns {
            if *kind == ColumnKind::Tag {
                fields.push(Field::new(name, DataType::Utf8, true));
            }
        }
        for (name, kind) in &self.columns {
            if let ColumnKind::Field(field_type) = kind {
                fields.push(Field::new(name, field_type.arrow(), true));
            }
        }
        Arc::new(Schema::new(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(tags: &[(&str, &str)], fields: Vec<(&str, FieldValue)>) -> Point {
        Point {
            measurement: "m".into(),
            tags: tags
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            time_ns: 0,
        }
    }

    #[test]
    fn schemas_grow_and_refuse_conflicts_whole() {
        let mut schema = TableSchema::default();
        schema
            .merge(&point(
                &[("device", "a")],
                vec![("t", FieldValue::Float(1.0))],
            ))
            .unwrap();
        schema
            .merge(&point(
                &[("device", "a"), ("line", "1")],
                vec![("n", FieldValue::Integer(1))],
            ))
            .unwrap();
        assert_eq!(schema.columns.len(), 4);
        let before = schema.clone();
        let error = schema
            .merge(&point(
                &[],
                vec![
                    ("new", FieldValue::Boolean(true)),
                    ("t", FieldValue::Integer(1)),
                ],
            ))
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("field type conflict: input field \"t\""),
            "{error}"
        );
        assert_eq!(schema, before, "a refused point adds nothing");
        let error = schema
            .merge(&point(&[("t", "x")], vec![("v", FieldValue::Float(1.0))]))
            .unwrap_err();
        assert!(matches!(error, Error::KindConflict { .. }), "{error}");
        let error = schema
            .merge(&point(&[], vec![("time", FieldValue::Float(1.0))]))
            .unwrap_err();
        assert!(matches!(error, Error::InvalidColumn { .. }));
        let names: Vec<String> = schema
            .arrow()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(names, ["time", "device", "line", "n", "t"]);
    }
}
