//! Boolean columns stored as `BIGINT` 0/1.

use sqlx::any::{AnyTypeInfo, AnyValueRef};
use sqlx::decode::Decode;
use sqlx::encode::{Encode, IsNull};
use sqlx::error::BoxDynError;
use sqlx::{Any, Database, Type};

/// A yes/no value stored as `BIGINT` 0 or 1, because sqlx's Any driver cannot read SQLite's
/// booleans. Bind it like any value; in `FromRow` structs decode a `bool` field through it with
/// `#[sqlx(try_from = "zhizao_db::Flag")]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0
    }
}

impl Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty)
    }
}

impl Encode<'_, Any> for Flag {
    fn encode_by_ref(
        &self,
        buffer: &mut <Any as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<'_, Any>>::encode_by_ref(&i64::from(self.0), buffer)
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Flag(<i64 as Decode<'r, Any>>::decode(value)? != 0))
    }
}
