//! The services domain on every backend, linked into one binary with one set-up.

mod catalogue;
mod directory;
mod requests;
mod vouchers;

use std::sync::Arc;

use zhizao_core::FixedClock;
use zhizao_db::testing::{TestDatabase, test_databases};
use zhizao_identity::{Principal, testing};
use zhizao_services::PublicServices;

/// The city bureau, the polishing and cutting platforms, an expert panel and two enterprises,
/// with a user of each.
pub(crate) struct World {
    pub(crate) services: PublicServices,
    pub(crate) clock: Arc<FixedClock>,
    /// City staff.
    pub(crate) city: Principal,
    /// The polishing platform's staff.
    pub(crate) polisher: Principal,
    /// Someone with no part in the directory.
    pub(crate) expert: Principal,
    /// The cutting platform's staff.
    pub(crate) cutter: Principal,
    /// A user of the first enterprise (甲龙头厂).
    pub(crate) maker1: Principal,
    /// A user of the second (乙五金厂).
    pub(crate) maker2: Principal,
    _db: TestDatabase,
    _files: tempfile::TempDir,
}

/// One world per backend.
pub(crate) async fn worlds() -> Vec<World> {
    let mut worlds = Vec::new();
    for test in test_databases().await {
        let files = tempfile::tempdir().unwrap();
        let clock = testing::fixed_clock();
        let identity = testing::identity(&test.db, &clock);
        let services = PublicServices::new(test.db.clone(), Arc::<FixedClock>::clone(&clock))
            .with_file_dir(files.path().join("service-requests"));
        let mut transaction = test.db.begin().await.unwrap();
        testing::create_organizations(
            &mut transaction,
            &[
                testing::ORGANIZATIONS[0],
                testing::ORGANIZATIONS[3],
                testing::ORGANIZATIONS[4],
                ("cutting", "platform", "共享裁床中心", None),
            ],
        )
        .await;
        let (one, two) = (testing::credit_code(1), testing::credit_code(2));
        testing::create_enterprise_organizations(
            &mut transaction,
            &[(one.clone(), "甲龙头厂"), (two.clone(), "乙五金厂")],
        )
        .await;
        let mut users = testing::users(&["staff", "polisher", "expert"]);
        users.extend([
            ("cutter", "cutting", "platform_staff"),
            ("maker1", one.as_str(), "enterprise_user"),
            ("maker2", two.as_str(), "enterprise_user"),
        ]);
        testing::create_users(&mut transaction, &users).await;
        transaction.commit().await.unwrap();
        worlds.push(World {
            services,
            clock,
            city: testing::sign_in(&identity, "staff").await,
            polisher: testing::sign_in(&identity, "polisher").await,
            expert: testing::sign_in(&identity, "expert").await,
            cutter: testing::sign_in(&identity, "cutter").await,
            maker1: testing::sign_in(&identity, "maker1").await,
            maker2: testing::sign_in(&identity, "maker2").await,
            _db: test,
            _files: files,
        });
    }
    worlds
}
