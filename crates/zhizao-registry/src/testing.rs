//! What tests need of the registry (feature `testing`): enterprises made alike everywhere, on
//! top of the identity test kit's organisations and users.

use sqlx::AnyConnection;
use zhizao_core::Fen;
use zhizao_identity::Actor;
use zhizao_identity::testing::{NOW, credit_code};

use crate::{BulkRegistrar, EnterpriseInput};

/// An enterprise numbered `n` (credit code [`credit_code`]`(n)`) in `town` (a township code or
/// name) and industry class `industry`; every other one is above designated size, and its
/// employees and revenue grow with `n`.
pub fn enterprise(n: u32, town: &str, industry: &str) -> EnterpriseInput {
    EnterpriseInput {
        credit_code: Some(credit_code(n)),
        name: Some(format!("中山市测试{n}号企业（示例）")),
        legal_representative: Some("张某某".into()),
        town: Some(town.into()),
        industry_code: Some(industry.into()),
        above_designated_size: Some(n.is_multiple_of(2)),
        employees: Some(Some(100 + i64::from(n))),
        annual_revenue_fen: Some(Some(Fen::new(3_000_000_000 + i64::from(n)))),
        ..EnterpriseInput::default()
    }
}

/// Registers `enterprises` (with their organisations) as the system would at [`NOW`]; returns
/// their organisation ids in order. The towns and industries must be synced first
/// (`reference::sync`).
///
/// # Panics
/// When one cannot be registered.
pub async fn register(connection: &mut AnyConnection, enterprises: &[EnterpriseInput]) -> Vec<i64> {
    let registrar = BulkRegistrar::load(connection, NOW)
        .await
        .expect("the reference data loads");
    let mut ids = Vec::with_capacity(enterprises.len());
    for input in enterprises {
        ids.push(
            registrar
                .register(connection, &Actor::system("test"), NOW, input)
                .await
                .unwrap_or_else(|error| panic!("{:?}: {error}", input.credit_code)),
        );
    }
    ids
}
