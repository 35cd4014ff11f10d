//! Which Parquet files a query can skip, from the manifest alone.
//!
//! DataFusion pushes a query's filters down to the table scan. The simple ones that bound the
//! time (`time > …`, `time BETWEEN … AND …`) or name devices (`device = '…'`,
//! `device IN (…)`) are matched against each file's time range and device range recorded in
//! the manifest, so files that cannot hold a matching row are never opened. Everything else is
//! left to the Parquet reader's row-group statistics and to the filter above the scan, which is
//! always applied: pruning only ever removes files, never rows from a file it keeps.

use std::collections::BTreeSet;

use datafusion::common::ScalarValue;
use datafusion::logical_expr::utils::split_conjunction;
use datafusion::logical_expr::{Between, BinaryExpr, Expr, Operator};

use crate::latest::DEVICE_TAG;
use crate::manifest::FileEntry;
use crate::names::TIME_COLUMN;

/// What a query's filters say about the rows it can match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Bounds {
    /// Rows before this instant (ns) cannot match.
    pub(crate) min_time_ns: Option<i64>,
    /// Rows after this instant (ns) cannot match.
    pub(crate) max_time_ns: Option<i64>,
    /// Only rows of these devices can match.
    pub(crate) devices: Option<BTreeSet<String>>,
}

impl Bounds {
    /// The bounds every one of `filters` (which are ANDed) implies.
    pub(crate) fn from_filters(filters: &[Expr]) -> Self {
        let mut bounds = Bounds::default();
        for filter in filters {
            for conjunct in split_conjunction(filter) {
                bounds.add(conjunct);
            }
        }
        bounds
    }

    /// Whether a file may hold rows that match.
    pub(crate) fn admits(&self, file: &FileEntry) -> bool {
        if self.min_time_ns.is_some_and(|min| file.max_time_ns < min)
            || self.max_time_ns.is_some_and(|max| file.min_time_ns > max)
        {
            return false;
        }
        match (&self.devices, &file.min_device, &file.max_device) {
            (Some(devices), Some(low), Some(high)) => {
                devices.range(low.clone()..=high.clone()).next().is_some()
            }
            // A file without recorded devices (or of a table without them) may hold anything.
            _ => true,
        }
    }

    fn raise_min(&mut self, value: i64) {
        self.min_time_ns = Some(self.min_time_ns.map_or(value, |m| m.max(value)));
    }

    fn lower_max(&mut self, value: i64) {
        self.max_time_ns = Some(self.max_time_ns.map_or(value, |m| m.min(value)));
    }

    fn only_devices(&mut self, devices: BTreeSet<String>) {
        self.devices = Some(match self.devices.take() {
            Some(existing) => existing.intersection(&devices).cloned().collect(),
            None => devices,
        });
    }

    /// Bounds that hold whenever either `self` or `other` holds.
    fn either(self, other: Bounds) -> Bounds {
        let both = |a: Option<i64>, b: Option<i64>, pick: fn(i64, i64) -> i64| Some(pick(a?, b?));
        Bounds {
            min_time_ns: both(self.min_time_ns, other.min_time_ns, i64::min),
            max_time_ns: both(self.max_time_ns, other.max_time_ns, i64::max),
            devices: match (self.devices, other.devices) {
                (Some(mut a), Some(b)) => {
                    a.extend(b);
                    Some(a)
                }
                _ => None,
            },
        }
    }

    /// Narrows these bounds by `other` (both hold).
    fn and(&mut self, other: Bounds) {
        if let Some(min) = other.min_time_ns {
            self.raise_min(min);
        }
        if let Some(max) = other.max_time_ns {
            self.lower_max(max);
        }
        if let Some(devices) = other.devices {
            self.only_devices(devices);
        }
    }

    fn add(&mut self, expr: &Expr) {
        match expr {
            Expr::BinaryExpr(BinaryExpr {
                left,
                op: Operator::Or,
                right,
            }) => {
                let left = Bounds::from_filters(std::slice::from_ref(left));
                let right = Bounds::from_filters(std::slice::from_ref(right));
                self.and(left.either(right));
            }
            Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
                let (column, op, value) = match (column_name(left), column_name(right)) {
                    (Some(column), None) => (column, *op, literal(right)),
                    (None, Some(column)) => match op.swap() {
                        Some(swapped) => (column, swapped, literal(left)),
                        None => return,
                    },
                    _ => return,
                };
                let Some(value) = value else { return };
                if column == TIME_COLUMN {
                    let Some(ns) = nanoseconds(&value) else {
                        return;
                    };
                    match op {
                        Operator::Gt => self.raise_min(ns.saturating_add(1)),
                        Operator::GtEq => self.raise_min(ns),
                        Operator::Lt => self.lower_max(ns.saturating_sub(1)),
                        Operator::LtEq => self.lower_max(ns),
                        Operator::Eq => {
                            self.raise_min(ns);
                            self.lower_max(ns);
                        }
                        _ => {}
                    }
                } else if column == DEVICE_TAG
                    && op == Operator::Eq
                    && let Some(device) = text(&value)
                {
                    self.only_devices(BTreeSet::from([device]));
                }
            }
            Expr::Between(Between {
                expr,
                negated: false,
                low,
                high,
            }) if column_name(expr) == Some(TIME_COLUMN) => {
                if let Some(low) = literal(low).as_ref().and_then(nanoseconds) {
                    self.raise_min(low);
                }
                if let Some(high) = literal(high).as_ref().and_then(nanoseconds) {
                    self.lower_max(high);
                }
            }
            Expr::InList(list) if !list.negated && column_name(&list.expr) == Some(DEVICE_TAG) => {
                let devices: Option<BTreeSet<String>> = list
                    .list
                    .iter()
                    .map(|item| literal(item).as_ref().and_then(text))
                    .collect();
                if let Some(devices) = devices {
                    self.only_devices(devices);
                }
            }
            _ => {}
        }
    }
}

/// The column an expression reads, looking through casts.
fn column_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Column(column) => Some(column.name.as_str()),
        Expr::Cast(cast) => column_name(&cast.expr),
        Expr::TryCast(cast) => column_name(&cast.expr),
        _ => None,
    }
}

/// The constant an expression is, looking through casts of constants.
fn literal(expr: &Expr) -> Option<ScalarValue> {
    match expr {
        Expr::Literal(value, _) => Some(value.clone()),
        Expr::Cast(cast) => literal(&cast.expr)?.cast_to(cast.field.data_type()).ok(),
        _ => None,
    }
}

fn nanoseconds(value: &ScalarValue) -> Option<i64> {
    match value {
        ScalarValue::TimestampNanosecond(Some(v), _) => Some(*v),
        ScalarValue::TimestampMicrosecond(Some(v), _) => v.checked_mul(1_000),
        ScalarValue::TimestampMillisecond(Some(v), _) => v.checked_mul(1_000_000),
        ScalarValue::TimestampSecond(Some(v), _) => v.checked_mul(1_000_000_000),
        _ => None,
    }
}

fn text(value: &ScalarValue) -> Option<String> {
    match value {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => Some(s.clone()),
        ScalarValue::Dictionary(_, inner) => text(inner),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use datafusion::prelude::{col, lit};

    use super::*;

    fn at(ns: i64) -> Expr {
        lit(ScalarValue::TimestampNanosecond(
            Some(ns),
            Some("UTC".into()),
        ))
    }

    fn file(min: i64, max: i64, devices: Option<(&str, &str)>) -> FileEntry {
        FileEntry {
            path: "f.parquet".into(),
            min_time_ns: min,
            max_time_ns: max,
            rows: 1,
            bytes: 1,
            min_device: devices.map(|d| d.0.to_owned()),
            max_device: devices.map(|d| d.1.to_owned()),
        }
    }

    #[test]
    fn time_comparisons_bound_the_range_from_either_side() {
        let bounds =
            Bounds::from_filters(&[col("time").gt(at(100)).and(at(200).gt_eq(col("time")))]);
        assert_eq!(
            (bounds.min_time_ns, bounds.max_time_ns),
            (Some(101), Some(200))
        );
        assert!(!bounds.admits(&file(0, 100, None)));
        assert!(bounds.admits(&file(0, 101, None)));
        assert!(bounds.admits(&file(200, 300, None)));
        assert!(!bounds.admits(&file(201, 300, None)));

        let between = Bounds::from_filters(&[col("time").between(at(10), at(20))]);
        assert_eq!(
            (between.min_time_ns, between.max_time_ns),
            (Some(10), Some(20))
        );
        let milliseconds = Bounds::from_filters(&[
            col("time").lt(lit(ScalarValue::TimestampMillisecond(Some(5), None)))
        ]);
        assert_eq!(milliseconds.max_time_ns, Some(4_999_999));
    }

    #[test]
    fn device_filters_skip_files_whose_device_range_excludes_them() {
        let one = Bounds::from_filters(&[col("device").eq(lit("press-07"))]);
        assert!(one.admits(&file(0, 1, Some(("press-01", "press-09")))));
        assert!(!one.admits(&file(0, 1, Some(("press-08", "press-09")))));
        assert!(one.admits(&file(0, 1, None)));

        let several =
            Bounds::from_filters(&[col("device").in_list(vec![lit("a"), lit("z")], false)]);
        assert!(several.admits(&file(0, 1, Some(("y", "zz")))));
        assert!(!several.admits(&file(0, 1, Some(("b", "c")))));

        let both = Bounds::from_filters(&[
            col("device").in_list(vec![lit("a"), lit("b")], false),
            col("device").eq(lit("c")),
        ]);
        assert_eq!(both.devices, Some(BTreeSet::new()));

        let either = Bounds::from_filters(&[col("device")
            .eq(lit("a"))
            .or(col("device").eq(lit("z")))
            .and(col("time").gt(at(5)))]);
        assert_eq!(
            either.devices,
            Some(BTreeSet::from(["a".to_owned(), "z".to_owned()]))
        );
        assert_eq!(either.min_time_ns, Some(6));
        let one_side =
            Bounds::from_filters(&[col("device").eq(lit("a")).or(col("time").gt(at(5)))]);
        assert_eq!(one_side, Bounds::default());
        assert!(!both.admits(&file(0, 1, Some(("a", "z")))));
    }

    #[test]
    fn filters_it_cannot_read_prune_nothing() {
        let filters = [
            col("time").gt(at(5)).or(col("time").lt(at(1))),
            col("time").gt(at(5)).or(col("temperature").lt(lit(1.0))),
            col("device").not_eq(lit("a")),
            col("device").in_list(vec![lit("a")], true),
            col("temperature").gt(lit(3.0)),
            !col("time").between(at(10), at(20)),
        ];
        assert_eq!(Bounds::from_filters(&filters), Bounds::default());
    }
}
