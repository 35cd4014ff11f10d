//! Dynamic SQL whose text comes only from this repository.

use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{Any, AssertSqlSafe, FromRow};

/// Binds every value in order; `Query`, `QueryAs` and `QueryScalar` share `bind` but no trait.
macro_rules! bind_all {
    ($query:expr, $values:expr) => {{
        let mut query = $query;
        for value in $values {
            query = match value.clone() {
                SqlValue::Int(v) => query.bind(v),
                SqlValue::Text(v) => query.bind(v),
                SqlValue::Bool(v) => query.bind(crate::Flag(v)),
                SqlValue::NullInt => query.bind(None::<i64>),
                SqlValue::NullText => query.bind(None::<String>),
            };
        }
        query
    }};
}

/// A `LIKE` pattern that matches `text` anywhere, with `%`, `_` and `\` escaped; use it with
/// `LIKE $n ESCAPE '\'`.
pub fn like_contains(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for character in text.chars() {
        if matches!(character, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(character);
    }
    pattern.push('%');
    pattern
}

/// A value bound to a `$n` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    /// A `BIGINT`.
    Int(i64),
    /// A `TEXT`.
    Text(String),
    /// A flag, stored as `BIGINT` 0/1 (see [`crate::Flag`]).
    Bool(bool),
    /// `NULL` in a `BIGINT` column.
    NullInt,
    /// `NULL` in a `TEXT` column.
    NullText,
}

impl From<i64> for SqlValue {
    fn from(value: i64) -> Self {
        SqlValue::Int(value)
    }
}

impl From<bool> for SqlValue {
    fn from(value: bool) -> Self {
        SqlValue::Bool(value)
    }
}

impl From<String> for SqlValue {
    fn from(value: String) -> Self {
        SqlValue::Text(value)
    }
}

impl From<&str> for SqlValue {
    fn from(value: &str) -> Self {
        SqlValue::Text(value.to_owned())
    }
}

impl From<Option<i64>> for SqlValue {
    fn from(value: Option<i64>) -> Self {
        value.map_or(SqlValue::NullInt, SqlValue::Int)
    }
}

impl From<Option<String>> for SqlValue {
    fn from(value: Option<String>) -> Self {
        value.map_or(SqlValue::NullText, SqlValue::Text)
    }
}

/// Builds a statement from static fragments and bound values, numbering parameters `$1, $2, …`
/// (which both PostgreSQL and SQLite accept).
///
/// `push` takes only `&'static str`: text typed by a user cannot become SQL, it can only be
/// bound with [`SqlBuilder::push_bind`]. Builders compose: a `WHERE` clause built once can be
/// appended to both a `COUNT(*)` and a `SELECT` with [`SqlBuilder::push_builder`].
#[derive(Debug, Clone, Default)]
pub struct SqlBuilder {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone)]
enum Piece {
    Sql(&'static str),
    Value(SqlValue),
}

impl SqlBuilder {
    /// Starts a statement.
    pub fn new(sql: &'static str) -> Self {
        SqlBuilder {
            pieces: vec![Piece::Sql(sql)],
        }
    }

    /// Appends a fragment of SQL.
    pub fn push(&mut self, sql: &'static str) -> &mut Self {
        self.pieces.push(Piece::Sql(sql));
        self
    }

    /// Appends a parameter placeholder and binds `value` to it.
    pub fn push_bind(&mut self, value: impl Into<SqlValue>) -> &mut Self {
        self.pieces.push(Piece::Value(value.into()));
        self
    }

    /// Appends ` AND (c1 LIKE $n ESCAPE '\' OR c2 LIKE …)`: rows where any of `columns`
    /// contains `text` (trimmed; nothing is appended when it is empty, or no column is given).
    pub fn push_contains_any(&mut self, columns: &[&'static str], text: &str) -> &mut Self {
        let text = text.trim();
        if text.is_empty() || columns.is_empty() {
            return self;
        }
        let pattern = like_contains(text);
        for (index, column) in columns.iter().enumerate() {
            self.push(if index == 0 { " AND (" } else { " OR " })
                .push(column)
                .push(" LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\'");
        }
        self.push(")")
    }

    /// Appends another builder's fragments and values.
    pub fn push_builder(&mut self, other: &SqlBuilder) -> &mut Self {
        self.pieces.extend(other.pieces.iter().cloned());
        self
    }

    /// The SQL text with numbered placeholders.
    pub fn sql(&self) -> String {
        let mut sql = String::new();
        let mut parameter = 0;
        for piece in &self.pieces {
            match piece {
                Piece::Sql(fragment) => sql.push_str(fragment),
                Piece::Value(_) => {
                    parameter += 1;
                    sql.push('$');
                    sql.push_str(&parameter.to_string());
                }
            }
        }
        sql
    }

    fn values(&self) -> impl Iterator<Item = &SqlValue> {
        self.pieces.iter().filter_map(|piece| match piece {
            Piece::Value(value) => Some(value),
            Piece::Sql(_) => None,
        })
    }

    /// The statement, ready to execute or fetch rows.
    pub fn query(&self) -> Query<'static, Any, AnyArguments> {
        bind_all!(sqlx::query(AssertSqlSafe(self.sql())), self.values())
    }

    /// The statement, mapping each row to `T`.
    pub fn query_as<T>(&self) -> QueryAs<'static, Any, T, AnyArguments>
    where
        T: for<'r> FromRow<'r, sqlx::any::AnyRow>,
    {
        bind_all!(sqlx::query_as(AssertSqlSafe(self.sql())), self.values())
    }

    /// The statement, returning its first column.
    pub fn query_scalar<T>(&self) -> QueryScalar<'static, Any, T, AnyArguments>
    where
        (T,): for<'r> FromRow<'r, sqlx::any::AnyRow>,
    {
        bind_all!(sqlx::query_scalar(AssertSqlSafe(self.sql())), self.values())
    }
}

/// One page of a filtered list: counts the rows `from_for_count … conditions` match, then
/// selects `select … conditions order_by LIMIT … OFFSET …`, both with the same bound values.
///
/// `select` is the full `SELECT columns FROM tables` text and `from_for_count` the matching
/// `SELECT COUNT(*) FROM tables`; `conditions` starts with ` WHERE`.
pub async fn fetch_page<T>(
    pool: &sqlx::AnyPool,
    select: &'static str,
    count: &'static str,
    conditions: &SqlBuilder,
    order_by: &'static str,
    page: zhizao_core::PageRequest,
) -> Result<zhizao_core::Page<T>, sqlx::Error>
where
    T: for<'r> FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let mut counting = SqlBuilder::new(count);
    counting.push_builder(conditions);
    let total: i64 = counting.query_scalar().fetch_one(pool).await?;
    let mut selecting = SqlBuilder::new(select);
    selecting
        .push_builder(conditions)
        .push(order_by)
        .push(" LIMIT ")
        .push_bind(page.limit())
        .push(" OFFSET ")
        .push_bind(page.offset());
    let items = selecting.query_as::<T>().fetch_all(pool).await?;
    Ok(zhizao_core::Page::new(items, total, page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_contains("50%_a\\b"), "%50\\%\\_a\\\\b%");
        assert_eq!(like_contains("电器"), "%电器%");
    }

    #[test]
    fn words_are_looked_for_in_any_column() {
        let mut builder = SqlBuilder::new("SELECT id FROM t WHERE 1 = 1");
        builder.push_contains_any(&["t.name", "t.note"], "  5%  ");
        assert_eq!(
            builder.sql(),
            "SELECT id FROM t WHERE 1 = 1 AND (t.name LIKE $1 ESCAPE '\\' OR t.note LIKE $2 ESCAPE '\\')"
        );
        assert_eq!(
            builder.values().collect::<Vec<_>>(),
            [&SqlValue::from("%5\\%%"), &SqlValue::from("%5\\%%")]
        );
        let mut untouched = SqlBuilder::new("SELECT 1");
        untouched
            .push_contains_any(&["a"], "   ")
            .push_contains_any(&[], "x");
        assert_eq!(untouched.sql(), "SELECT 1");
    }

    #[test]
    fn numbers_parameters_in_order() {
        let mut builder = SqlBuilder::new("SELECT id FROM t WHERE a = ");
        builder
            .push_bind(1i64)
            .push(" AND b LIKE ")
            .push_bind("x%")
            .push(" LIMIT ")
            .push_bind(10i64);
        assert_eq!(
            builder.sql(),
            "SELECT id FROM t WHERE a = $1 AND b LIKE $2 LIMIT $3"
        );
        let mut outer = SqlBuilder::new("SELECT COUNT(*) FROM t WHERE x = ");
        outer.push_bind(true).push(" AND ").push_builder(&builder);
        assert!(
            outer
                .sql()
                .ends_with("x = $1 AND SELECT id FROM t WHERE a = $2 AND b LIKE $3 LIMIT $4")
        );
    }
}
