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
                SqlValue::Bool(v) => query.bind(v),
                SqlValue::NullInt => query.bind(None::<i64>),
                SqlValue::NullText => query.bind(None::<String>),
            };
        }
        query
    }};
}

/// A value bound to a `$n` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    /// A `BIGINT`.
    Int(i64),
    /// A `TEXT`.
    Text(String),
    /// A `BOOLEAN`.
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
/// bound with [`SqlBuilder::push_bind`].
#[derive(Debug, Clone, Default)]
pub struct SqlBuilder {
    sql: String,
    values: Vec<SqlValue>,
}

impl SqlBuilder {
    /// Starts a statement.
    pub fn new(sql: &'static str) -> Self {
        SqlBuilder { sql: sql.to_owned(), values: Vec::new() }
    }

    /// Appends a fragment of SQL.
    pub fn push(&mut self, sql: &'static str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a parameter placeholder and binds `value` to it.
    pub fn push_bind(&mut self, value: impl Into<SqlValue>) -> &mut Self {
        self.values.push(value.into());
        self.sql.push('$');
        self.sql.push_str(&self.values.len().to_string());
        self
    }

    /// The SQL text so far.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The statement, ready to execute or fetch rows.
    pub fn query(&self) -> Query<'static, Any, AnyArguments> {
        let query = sqlx::query(AssertSqlSafe(self.sql.clone()));
        bind_all!(query, &self.values)
    }

    /// The statement, mapping each row to `T`.
    pub fn query_as<T>(&self) -> QueryAs<'static, Any, T, AnyArguments>
    where
        T: for<'r> FromRow<'r, sqlx::any::AnyRow>,
    {
        let query = sqlx::query_as(AssertSqlSafe(self.sql.clone()));
        bind_all!(query, &self.values)
    }

    /// The statement, returning its first column.
    pub fn query_scalar<T>(&self) -> QueryScalar<'static, Any, T, AnyArguments>
    where
        (T,): for<'r> FromRow<'r, sqlx::any::AnyRow>,
    {
        let query = sqlx::query_scalar(AssertSqlSafe(self.sql.clone()));
        bind_all!(query, &self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parameters_in_order() {
        let mut builder = SqlBuilder::new("SELECT id FROM t WHERE a = ");
        builder.push_bind(1i64).push(" AND b LIKE ").push_bind("x%").push(" LIMIT ").push_bind(10i64);
        assert_eq!(builder.sql(), "SELECT id FROM t WHERE a = $1 AND b LIKE $2 LIMIT $3");
    }
}
