//! Registration without a principal, for trusted loaders (the demo data set, the command line).

use sqlx::AnyConnection;
use zhizao_core::Timestamp;
use zhizao_identity::Actor;

use crate::enterprises::insert_enterprise;
use crate::model::EnterpriseInput;
use crate::validate::{References, validate_new};
use crate::{Error, Result};

/// Registers many enterprises on one connection, validating each exactly as the registry does
/// but without a permission check: only code running on the server (the demo loader, the
/// command line) may use it.
#[derive(Debug)]
pub struct BulkRegistrar {
    references: References,
    today: String,
}

impl BulkRegistrar {
    /// Loads the reference data once.
    pub async fn load(connection: &mut AnyConnection, now: Timestamp) -> Result<Self> {
        Ok(BulkRegistrar {
            references: References::load(connection).await?,
            today: now.to_shanghai_date_string(),
        })
    }

    /// Validates and registers one enterprise; returns its id.
    pub async fn register(
        &self,
        connection: &mut AnyConnection,
        actor: &Actor,
        now: Timestamp,
        input: &EnterpriseInput,
    ) -> Result<i64> {
        let record = validate_new(input, &self.references, &self.today).map_err(Error::Invalid)?;
        insert_enterprise(connection, actor, now, &record, "enterprise.created", "").await
    }
}
