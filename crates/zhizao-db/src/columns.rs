//! Reading the shared vocabulary's values out of `BIGINT` columns.
//!
//! Money is stored as fen and instants as UTC milliseconds (see the crate's notes); rows decode
//! them straight into [`Fen`] and [`Timestamp`] fields with `#[sqlx(try_from = "…")]` and one of
//! these adapters, so no row type carries a bare `i64` for either. `zhizao-core` knows nothing of
//! databases, which is why the adapters live here.

use sqlx::any::{AnyTypeInfo, AnyValueRef};
use sqlx::decode::Decode;
use sqlx::error::BoxDynError;
use sqlx::{Any, Type};
use zhizao_core::{Fen, Timestamp};

macro_rules! bigint_column {
    ($(#[$meta:meta])* $name:ident($inner:ty) => $target:ty, $convert:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name($inner);

        impl From<$name> for $target {
            fn from(column: $name) -> $target {
                let convert: fn($inner) -> $target = $convert;
                convert(column.0)
            }
        }

        impl Type<Any> for $name {
            fn type_info() -> AnyTypeInfo {
                <i64 as Type<Any>>::type_info()
            }

            fn compatible(ty: &AnyTypeInfo) -> bool {
                <i64 as Type<Any>>::compatible(ty)
            }
        }

        impl<'r> Decode<'r, Any> for $name {
            fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
                Ok($name(<$inner as Decode<'r, Any>>::decode(value)?))
            }
        }
    };
}

bigint_column! {
    /// A `BIGINT` of fen: `#[sqlx(try_from = "zhizao_db::FenColumn")]` on a [`Fen`] field.
    FenColumn(i64) => Fen, Fen::new
}

bigint_column! {
    /// A nullable `BIGINT` of fen: `#[sqlx(try_from = "zhizao_db::OptionalFenColumn")]` on an
    /// `Option<Fen>` field.
    OptionalFenColumn(Option<i64>) => Option<Fen>, |fen| fen.map(Fen::new)
}

bigint_column! {
    /// A `BIGINT` of UTC milliseconds: `#[sqlx(try_from = "zhizao_db::TimestampColumn")]` on a
    /// [`Timestamp`] field.
    TimestampColumn(i64) => Timestamp, Timestamp::from_millis
}

bigint_column! {
    /// A nullable `BIGINT` of UTC milliseconds:
    /// `#[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]` on an `Option<Timestamp>` field.
    OptionalTimestampColumn(Option<i64>) => Option<Timestamp>, |millis| millis.map(Timestamp::from_millis)
}

bigint_column! {
    /// A `BIGINT` flag, 0 or 1 (the schema's booleans): `#[sqlx(try_from =
    /// "zhizao_db::FlagColumn")]` on a `bool` field.
    FlagColumn(i64) => bool, |flag| flag != 0
}
