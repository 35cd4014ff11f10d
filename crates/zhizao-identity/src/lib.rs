//! Who is acting, and what they may see.
//!
//! This crate owns organisations (the tenants: the city bureau, towns, service platforms,
//! enterprises, expert panels), their users and roles, how a user proves who they are (argon2id
//! passwords with throttling, session cookies, API tokens), the audit log, and — in [`policy`] —
//! the one place where access is decided.
//!
//! Data flow: the web layer turns a cookie or a bearer token into a [`Principal`] with
//! [`Identity::authenticate_session`] or [`Identity::authenticate_token`]; every domain function
//! then takes that principal, asks [`policy`] for the caller's scope, and records what it changed
//! with [`audit::record`] inside the same transaction as the change.
//!
//! Architecture invariant: no other crate decides who may see what. Domain crates translate the
//! scope [`policy`] hands them into SQL, they do not inspect roles.

pub mod audit;
mod error;
pub mod notifications;
mod organizations;
mod password;
pub mod policy;
mod principal;
mod recovery;
pub mod secret;
mod sessions;
#[cfg(feature = "testing")]
pub mod testing;
mod throttle;
mod tokens;
mod users;

use std::sync::Arc;

use zhizao_core::Clock;
use zhizao_db::Database;

pub use error::{Error, Result};
pub use organizations::{
    NewOrganization, Organization, OrganizationFilter, OrganizationUpdate, create_organization_in,
};
pub use password::PasswordHashing;
pub use principal::{Actor, Channel, Credential, Principal};
pub use recovery::RESET_LINK_MINUTES;
pub use sessions::{LoginOutcome, SessionToken, SessionView};
pub use tokens::{NewApiToken, TokenView, create_token_in};
pub use users::{
    NewUser, UserFilter, UserUpdate, UserView, check_new_password, create_user_in,
    create_user_with_hash_in, parse_username,
};

/// Limits on authentication.
#[derive(Debug, Clone)]
pub struct IdentitySettings {
    /// A session ends after this much inactivity.
    pub session_idle_timeout_ms: i64,
    /// A session ends this long after sign-in, active or not.
    pub session_absolute_timeout_ms: i64,
    /// Failed passwords in a row before an account is locked.
    pub failures_before_lockout: i64,
    /// How long the first lockout lasts; each further failure doubles it, up to a day.
    pub lockout_base_ms: i64,
    /// Failed sign-ins from one address within [`IdentitySettings::address_window_ms`] before the
    /// address is refused.
    pub failures_per_address: u32,
    /// The window of the per-address limit.
    pub address_window_ms: i64,
}

impl Default for IdentitySettings {
    fn default() -> Self {
        IdentitySettings {
            session_idle_timeout_ms: 8 * 3_600_000,
            session_absolute_timeout_ms: 7 * 24 * 3_600_000,
            failures_before_lockout: 5,
            lockout_base_ms: 15 * 60_000,
            failures_per_address: 30,
            address_window_ms: 15 * 60_000,
        }
    }
}

/// The identity service: one per process, shared by every request.
#[derive(Debug, Clone)]
pub struct Identity {
    db: Database,
    clock: Arc<dyn Clock>,
    hashing: PasswordHashing,
    settings: IdentitySettings,
    address_throttle: Arc<throttle::AddressThrottle>,
}

impl Identity {
    /// The service over `db`.
    pub fn new(
        db: Database,
        clock: Arc<dyn Clock>,
        hashing: PasswordHashing,
        settings: IdentitySettings,
    ) -> Self {
        let address_throttle = Arc::new(throttle::AddressThrottle::new(
            settings.failures_per_address,
            settings.address_window_ms,
        ));
        Identity {
            db,
            clock,
            hashing,
            settings,
            address_throttle,
        }
    }

    /// The database this service reads and writes.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The clock this service reads.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The password hashing parameters.
    pub fn hashing(&self) -> &PasswordHashing {
        &self.hashing
    }
}
