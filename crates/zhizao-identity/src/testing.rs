//! What every crate's tests need of identity (feature `testing`): one password, one instant and
//! its fixed clock, the platform's usual cast of organisations and users, and a way to make
//! them in one call, so no test suite seeds people by hand.
//!
//! ```ignore
//! let clock = testing::fixed_clock();
//! let identity = testing::identity(&db, &clock);
//! let mut transaction = db.begin().await?;
//! testing::create_organizations(&mut transaction, testing::ORGANIZATIONS).await;
//! testing::create_users(&mut transaction, &testing::users(&["admin", "xiaolan"])).await;
//! transaction.commit().await?;
//! let admin = testing::sign_in(&identity, "admin").await;
//! ```

use std::sync::Arc;

use sqlx::AnyConnection;
use zhizao_core::{CreditCode, FixedClock, Timestamp};
use zhizao_db::Database;

use crate::{
    Actor, Identity, IdentitySettings, NewOrganization, NewUser, PasswordHashing, Principal,
    UserView, create_organization_in, create_user_in,
};

/// Every test user's password.
pub const PASSWORD: &str = "correct-horse-42";

/// The instant every test starts at: 2026-11-26 in Shanghai.
pub const NOW: Timestamp = Timestamp::from_millis(1_795_700_000_000);

/// An organisation of a test: code, kind, name and, for towns, the township code.
pub type Organization = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

/// A user of a test: user name, organisation code and role.
pub type User = (&'static str, &'static str, &'static str);

/// The city bureau, the demo towns Xiaolan and Nantou, the shared polishing platform and an
/// expert panel.
pub const ORGANIZATIONS: &[Organization] = &[
    ("city", "city", "市科技局", None),
    ("442000118", "town", "小榄镇办事处", Some("442000118")),
    ("442000111", "town", "南头镇办事处", Some("442000111")),
    ("polish", "platform", "共享打磨抛光平台", None),
    ("experts", "expert_panel", "专家组", None),
];

/// One user per role of [`ORGANIZATIONS`]; enterprise users are made per test, since their
/// organisation is an enterprise the test registers.
pub const USERS: &[User] = &[
    ("admin", "city", "city_admin"),
    ("staff", "city", "city_staff"),
    ("xiaolan", "442000118", "town_staff"),
    ("nantou", "442000111", "town_staff"),
    ("polisher", "polish", "platform_staff"),
    ("expert", "experts", "expert"),
];

/// The users of [`USERS`] named `names`, in that order.
///
/// # Panics
/// When a name is not one of them.
pub fn users(names: &[&str]) -> Vec<User> {
    names
        .iter()
        .map(|name| {
            *USERS
                .iter()
                .find(|(username, _, _)| username == name)
                .unwrap_or_else(|| panic!("{name} is not a test user"))
        })
        .collect()
}

/// A valid unified social credit code numbered `n` (Zhongshan, an enterprise).
///
/// # Panics
/// Never for `n` below 10⁸.
pub fn credit_code(n: u32) -> String {
    CreditCode::from_parts('9', '1', "442000", &format!("{n:08}"))
        .expect("a credit code built from valid parts")
        .to_string()
}

/// A clock standing at [`NOW`], which tests move by hand.
pub fn fixed_clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(NOW))
}

/// The identity service over `db` on `clock`, hashing passwords quickly.
pub fn identity(db: &Database, clock: &Arc<FixedClock>) -> Identity {
    Identity::new(
        db.clone(),
        Arc::<FixedClock>::clone(clock),
        PasswordHashing::for_tests(),
        IdentitySettings::default(),
    )
}

/// Creates `organizations` as the system would at [`NOW`].
///
/// # Panics
/// When one cannot be created: the test has nothing to run against.
pub async fn create_organizations(connection: &mut AnyConnection, organizations: &[Organization]) {
    for (code, kind, name, town) in organizations {
        let new = NewOrganization {
            code: (*code).to_owned(),
            kind: (*kind).to_owned(),
            name: (*name).to_owned(),
            town_code: town.map(str::to_owned),
            ..NewOrganization::default()
        };
        create_organization_in(connection, &Actor::system("test"), NOW, &new)
            .await
            .unwrap_or_else(|error| panic!("organisation {code}: {error}"));
    }
}

/// Creates enterprises' organisations (without registry records) named by their credit code.
///
/// # Panics
/// When one cannot be created.
pub async fn create_enterprise_organizations(
    connection: &mut AnyConnection,
    enterprises: &[(String, &str)],
) {
    for (code, name) in enterprises {
        let new = NewOrganization {
            code: code.clone(),
            kind: "enterprise".to_owned(),
            name: (*name).to_owned(),
            ..NewOrganization::default()
        };
        create_organization_in(connection, &Actor::system("test"), NOW, &new)
            .await
            .unwrap_or_else(|error| panic!("enterprise {code}: {error}"));
    }
}

/// Creates `users` with [`PASSWORD`]; an organisation code may be any organisation's (an
/// enterprise's credit code included).
///
/// # Panics
/// When one cannot be created.
pub async fn create_users(
    connection: &mut AnyConnection,
    users: &[(&str, &str, &str)],
) -> Vec<UserView> {
    let mut created = Vec::with_capacity(users.len());
    for (username, organization, role) in users {
        let new = NewUser {
            organization_code: (*organization).to_owned(),
            username: (*username).to_owned(),
            role: (*role).to_owned(),
            password: PASSWORD.to_owned(),
            ..NewUser::default()
        };
        created.push(
            create_user_in(
                connection,
                &PasswordHashing::for_tests(),
                &Actor::system("test"),
                NOW,
                &new,
            )
            .await
            .unwrap_or_else(|error| panic!("user {username}: {error}")),
        );
    }
    created
}

/// Signs `username` in with [`PASSWORD`] and returns who they are.
///
/// # Panics
/// When the sign-in fails.
pub async fn sign_in(identity: &Identity, username: &str) -> Principal {
    identity
        .login(username, PASSWORD, "10.0.0.1", "test")
        .await
        .unwrap_or_else(|error| panic!("signing {username} in: {error}"))
        .principal
}
