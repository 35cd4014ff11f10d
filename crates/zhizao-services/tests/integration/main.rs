//! The services domain on every backend, linked into one binary with one set-up.

mod catalogue;
mod directory;

use std::sync::Arc;

use zhizao_core::FixedClock;
use zhizao_db::testing::{TestDatabase, test_databases};
use zhizao_identity::{Principal, testing};
use zhizao_services::PublicServices;

/// The city bureau, the polishing platform and an expert panel, with a user of each.
pub(crate) struct World {
    pub(crate) services: PublicServices,
    pub(crate) clock: Arc<FixedClock>,
    /// City staff.
    pub(crate) city: Principal,
    /// The polishing platform's staff.
    pub(crate) polisher: Principal,
    /// Someone with no part in the directory.
    pub(crate) expert: Principal,
    _db: TestDatabase,
}

/// One world per backend.
pub(crate) async fn worlds() -> Vec<World> {
    let mut worlds = Vec::new();
    for test in test_databases().await {
        let clock = testing::fixed_clock();
        let identity = testing::identity(&test.db, &clock);
        let services = PublicServices::new(test.db.clone(), Arc::<FixedClock>::clone(&clock));
        let mut transaction = test.db.begin().await.unwrap();
        testing::create_organizations(
            &mut transaction,
            &[
                testing::ORGANIZATIONS[0],
                testing::ORGANIZATIONS[3],
                testing::ORGANIZATIONS[4],
            ],
        )
        .await;
        testing::create_users(
            &mut transaction,
            &testing::users(&["staff", "polisher", "expert"]),
        )
        .await;
        transaction.commit().await.unwrap();
        worlds.push(World {
            services,
            clock,
            city: testing::sign_in(&identity, "staff").await,
            polisher: testing::sign_in(&identity, "polisher").await,
            expert: testing::sign_in(&identity, "expert").await,
            _db: test,
        });
    }
    worlds
}
