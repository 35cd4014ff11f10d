//! The policy's enterprise scope, as SQL over the `enterprises e` alias.

use zhizao_db::SqlBuilder;
use zhizao_identity::policy::EnterpriseScope;

/// Appends ` AND …` conditions that keep only enterprises in `scope` (over the alias `e` for
/// `enterprises`).
pub fn restrict_to(scope: &EnterpriseScope, sql: &mut SqlBuilder) {
    match scope {
        EnterpriseScope::All => {}
        EnterpriseScope::Town(town) => {
            // The town itself and units that merged into it (two generations cover Zhongshan's
            // history), so records registered under a retired town stay with its successor.
            sql.push(" AND (e.town_code = ")
                .push_bind(town.as_str())
                .push(" OR e.town_code IN (SELECT code FROM towns WHERE successor_code = ")
                .push_bind(town.as_str())
                .push(") OR e.town_code IN (SELECT a.code FROM towns a JOIN towns b ON a.successor_code = b.code WHERE b.successor_code = ")
                .push_bind(town.as_str())
                .push("))");
        }
        EnterpriseScope::PlatformClients(platform_id) => {
            sql.push(
                " AND e.id IN (SELECT enterprise_id FROM platform_clients WHERE platform_id = ",
            )
            .push_bind(*platform_id)
            .push(")");
        }
        EnterpriseScope::Single(enterprise_id) => {
            sql.push(" AND e.id = ").push_bind(*enterprise_id);
        }
        EnterpriseScope::Nothing => {
            sql.push(" AND 1 = 0");
        }
    }
}

/// Whether an enterprise in `town_code` falls in `scope` as far as the town decides it (used to
/// check where a new enterprise may be registered); `successors` maps retired towns to the
/// towns that took them over.
pub(crate) fn town_in_scope(
    scope: &EnterpriseScope,
    town_code: &str,
    successor: impl Fn(&str) -> Option<String>,
) -> bool {
    match scope {
        EnterpriseScope::All => true,
        EnterpriseScope::Town(town) => {
            let mut current = Some(town_code.to_owned());
            for _ in 0..3 {
                match current {
                    Some(code) if code == *town => return true,
                    Some(code) => current = successor(&code),
                    None => return false,
                }
            }
            false
        }
        EnterpriseScope::PlatformClients(_)
        | EnterpriseScope::Single(_)
        | EnterpriseScope::Nothing => false,
    }
}
