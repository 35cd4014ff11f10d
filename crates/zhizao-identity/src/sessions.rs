//! Signing in with a password, and the sessions that follow.

use serde::Serialize;
use zhizao_core::{Language, OrgKind, Role, Timestamp};
use zhizao_db::allocate_ids;

use crate::audit::{self, AuditEntry};
use crate::principal::Credential;
use crate::secret::{hash_secret, random_secret};
use crate::users::parse_username;
use crate::{Actor, Channel, Error, Identity, Principal, Result, policy};

/// The secret a browser holds in its session cookie. Only its hash is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// The cookie value.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

/// A successful sign-in.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// Who signed in.
    pub principal: Principal,
    /// The new session's cookie value.
    pub token: SessionToken,
}

/// A session as listed to its owner or an administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SessionView {
    /// Session id.
    pub id: i64,
    /// Signed in.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub created_at: Timestamp,
    /// Last request (updated at most once a minute).
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub last_seen_at: Timestamp,
    /// When it ends unless used again.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub expires_at: Timestamp,
    /// Client address at sign-in.
    pub ip: String,
    /// Browser at sign-in.
    pub user_agent: String,
    /// Whether this is the session making the request.
    #[sqlx(skip)]
    pub current: bool,
}

#[derive(sqlx::FromRow)]
pub(crate) struct PrincipalRow {
    pub(crate) user_id: i64,
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) role: String,
    pub(crate) language: String,
    #[sqlx(try_from = "zhizao_db::Flag")]
    pub(crate) disabled: bool,
    pub(crate) organization_id: i64,
    pub(crate) organization_code: String,
    pub(crate) organization_kind: String,
    pub(crate) organization_name: String,
    pub(crate) town_code: Option<String>,
    #[sqlx(try_from = "zhizao_db::Flag")]
    pub(crate) org_admin: bool,
}

pub(crate) const PRINCIPAL_COLUMNS: &str = "SELECT u.id AS user_id, u.username, u.display_name, u.role, u.language, u.disabled, \
     o.id AS organization_id, o.code AS organization_code, o.kind AS organization_kind, o.name AS organization_name, \
     o.town_code, u.org_admin FROM users u JOIN organizations o ON o.id = u.organization_id";

impl PrincipalRow {
    pub(crate) fn into_principal(
        self,
        credential: Credential,
        channel: Channel,
        ip: &str,
    ) -> Option<Principal> {
        if self.disabled {
            return None;
        }
        Some(Principal {
            user_id: self.user_id,
            username: self.username,
            display_name: self.display_name,
            role: self.role.parse::<Role>().ok()?,
            organization_id: self.organization_id,
            organization_code: self.organization_code,
            organization_kind: self.organization_kind.parse::<OrgKind>().ok()?,
            organization_name: self.organization_name,
            town_code: self.town_code,
            org_admin: self.org_admin,
            language: Language::from_tag(&self.language).unwrap_or_default(),
            credential,
            channel,
            ip: ip.to_owned(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct LoginRow {
    id: i64,
    password_hash: String,
    #[sqlx(try_from = "zhizao_db::Flag")]
    disabled: bool,
    failed_login_count: i64,
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    locked_until: Option<Timestamp>,
    organization_id: i64,
}

/// Minimum interval between writes of a session's or token's last-use time.
const TOUCH_INTERVAL_MS: i64 = 60_000;

impl Identity {
    /// Checks a user name and password and opens a session.
    ///
    /// Wrong names and wrong passwords fail alike and take as long. After
    /// [`crate::IdentitySettings::failures_before_lockout`] failures in a row the account is locked
    /// for a while that doubles with each further failure; too many failures from one address
    /// refuse that address for a while. Every attempt is audited.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        ip: &str,
        user_agent: &str,
    ) -> Result<LoginOutcome> {
        let now = self.clock.now();
        if let Err(retry_after_seconds) = self.address_throttle.check(ip, now.as_millis()) {
            return Err(Error::Throttled {
                retry_after_seconds,
            });
        }
        let normalized =
            parse_username(username).unwrap_or_else(|_| username.trim().to_ascii_lowercase());
        let row: Option<LoginRow> = sqlx::query_as(
            "SELECT u.id, u.password_hash, u.disabled, u.failed_login_count, u.locked_until, u.organization_id \
             FROM users u WHERE u.username = $1",
        )
        .bind(&normalized)
        .fetch_optional(self.db.pool())
        .await?;
        let Some(row) = row else {
            self.hashing.verify_dummy(password.to_owned()).await;
            self.address_throttle.record_failure(ip, now.as_millis());
            self.audit_failed_login(&normalized, ip, None, "unknown user")
                .await?;
            return Err(Error::InvalidCredentials);
        };
        if let Some(locked_until) = row.locked_until.filter(|&t| t > now) {
            self.audit_failed_login(&normalized, ip, Some(row.organization_id), "account locked")
                .await?;
            return Err(Error::Throttled {
                retry_after_seconds: ((locked_until.as_millis() - now.as_millis()) / 1000).max(1),
            });
        }
        let password_ok = self
            .hashing
            .verify(password.to_owned(), row.password_hash.clone())
            .await?;
        if !password_ok || row.disabled {
            self.address_throttle.record_failure(ip, now.as_millis());
            let failures = row.failed_login_count + 1;
            let lock_until = (failures >= self.settings.failures_before_lockout).then(|| {
                let doublings = (failures - self.settings.failures_before_lockout).min(10) as u32;
                let lock = (self.settings.lockout_base_ms.saturating_mul(1 << doublings))
                    .min(24 * 3_600_000);
                now.as_millis() + lock
            });
            sqlx::query(
                "UPDATE users SET failed_login_count = $1, locked_until = $2 WHERE id = $3",
            )
            .bind(failures)
            .bind(lock_until)
            .bind(row.id)
            .execute(self.db.pool())
            .await?;
            let reason = if row.disabled {
                "account disabled"
            } else {
                "wrong password"
            };
            self.audit_failed_login(&normalized, ip, Some(row.organization_id), reason)
                .await?;
            return Err(Error::InvalidCredentials);
        }

        let secret = random_secret();
        let expires_at = self.session_expiry(now, now);
        let mut transaction = self.db.begin().await?;
        let session_id = allocate_ids(&mut transaction, "sessions", 1).await?;
        sqlx::query(
            "INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent) \
             VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
        )
        .bind(session_id)
        .bind(hash_secret(&secret))
        .bind(row.id)
        .bind(now.as_millis())
        .bind(expires_at.as_millis())
        .bind(ip)
        .bind(user_agent.chars().take(300).collect::<String>())
        .execute(&mut *transaction)
        .await?;
        sqlx::query("UPDATE users SET failed_login_count = 0, locked_until = NULL, last_login_at = $1 WHERE id = $2")
            .bind(now.as_millis())
            .bind(row.id)
            .execute(&mut *transaction)
            .await?;
        let mut select = zhizao_db::SqlBuilder::new(PRINCIPAL_COLUMNS);
        select.push(" WHERE u.id = ").push_bind(row.id);
        let principal_row: PrincipalRow = select.query_as().fetch_one(&mut *transaction).await?;
        let principal = principal_row
            .into_principal(Credential::Session(session_id), Channel::Web, ip)
            .ok_or(Error::InvalidCredentials)?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("session.login", "user", &principal.username)
                .subject(principal.organization_id)
                .note(format!("session {session_id}")),
        )
        .await?;
        transaction.commit().await?;
        Ok(LoginOutcome {
            principal,
            token: SessionToken(secret),
        })
    }

    fn session_expiry(&self, created_at: Timestamp, now: Timestamp) -> Timestamp {
        let idle = now.plus_millis(self.settings.session_idle_timeout_ms);
        let absolute = created_at.plus_millis(self.settings.session_absolute_timeout_ms);
        idle.min(absolute)
    }

    async fn audit_failed_login(
        &self,
        username: &str,
        ip: &str,
        organization_id: Option<i64>,
        reason: &str,
    ) -> Result<()> {
        let mut transaction = self.db.begin().await?;
        let mut entry = AuditEntry::new("session.login_failed", "user", username).note(reason);
        entry.subject_organization_id = organization_id;
        audit::record(
            &mut transaction,
            &Actor::anonymous(username, Channel::Web, ip),
            self.clock.now(),
            entry,
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// The principal behind a session cookie, or [`Error::InvalidCredentials`] when the session is
    /// unknown, revoked, expired, or its user disabled. Extends the session's idle timeout.
    pub async fn authenticate_session(
        &self,
        token: &str,
        channel: Channel,
        ip: &str,
    ) -> Result<Principal> {
        let now = self.clock.now();
        #[derive(sqlx::FromRow)]
        struct SessionRow {
            id: i64,
            user_id: i64,
            #[sqlx(try_from = "zhizao_db::TimestampColumn")]
            created_at: Timestamp,
            #[sqlx(try_from = "zhizao_db::TimestampColumn")]
            last_seen_at: Timestamp,
            #[sqlx(try_from = "zhizao_db::TimestampColumn")]
            expires_at: Timestamp,
            #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
            revoked_at: Option<Timestamp>,
        }
        let session: Option<SessionRow> = sqlx::query_as(
            "SELECT id, user_id, created_at, last_seen_at, expires_at, revoked_at FROM sessions WHERE token_hash = $1",
        )
        .bind(hash_secret(token))
        .fetch_optional(self.db.pool())
        .await?;
        let Some(session) = session.filter(|s| s.revoked_at.is_none() && s.expires_at > now) else {
            return Err(Error::InvalidCredentials);
        };
        let mut select = zhizao_db::SqlBuilder::new(PRINCIPAL_COLUMNS);
        select.push(" WHERE u.id = ").push_bind(session.user_id);
        let row: PrincipalRow = select
            .query_as()
            .fetch_optional(self.db.pool())
            .await?
            .ok_or(Error::InvalidCredentials)?;
        let principal = row
            .into_principal(Credential::Session(session.id), channel, ip)
            .ok_or(Error::InvalidCredentials)?;
        if now.as_millis() - session.last_seen_at.as_millis() >= TOUCH_INTERVAL_MS {
            let expires_at = self.session_expiry(session.created_at, now);
            sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3")
                .bind(now.as_millis())
                .bind(expires_at.as_millis())
                .bind(session.id)
                .execute(self.db.pool())
                .await?;
        }
        Ok(principal)
    }

    /// Ends the principal's current session (sign out).
    pub async fn logout(&self, principal: &Principal) -> Result<()> {
        if let Credential::Session(id) = principal.credential {
            self.end_session(principal, id, "session.logout").await?;
        }
        Ok(())
    }

    /// Lists the open sessions of `username`: one's own, or anyone's for administrators.
    pub async fn list_sessions(
        &self,
        principal: &Principal,
        username: &str,
    ) -> Result<Vec<SessionView>> {
        let user = self.user(principal, username).await?;
        let now = self.clock.now();
        let mut sessions: Vec<SessionView> = sqlx::query_as(
            "SELECT id, created_at, last_seen_at, expires_at, ip, user_agent FROM sessions \
             WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY last_seen_at DESC",
        )
        .bind(user.id)
        .bind(now.as_millis())
        .fetch_all(self.db.pool())
        .await?;
        for session in &mut sessions {
            session.current = principal.credential == Credential::Session(session.id);
        }
        Ok(sessions)
    }

    /// Revokes one session of one's own, or anyone's for administrators.
    pub async fn revoke_session(&self, principal: &Principal, session_id: i64) -> Result<()> {
        self.end_session(principal, session_id, "session.revoked")
            .await
    }

    async fn end_session(
        &self,
        principal: &Principal,
        session_id: i64,
        action: &'static str,
    ) -> Result<()> {
        let owner: Option<(i64, String, i64)> = sqlx::query_as(
            "SELECT s.user_id, u.username, u.organization_id FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id = $1 AND s.revoked_at IS NULL",
        )
        .bind(session_id)
        .fetch_optional(self.db.pool())
        .await?;
        let Some((user_id, username, organization_id)) = owner.filter(|(user_id, _, _)| {
            *user_id == principal.user_id || policy::may_administer(principal)
        }) else {
            return Err(Error::NotFound {
                what: "session",
                key: session_id.to_string(),
            });
        };
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND user_id = $3")
            .bind(now.as_millis())
            .bind(session_id)
            .bind(user_id)
            .execute(&mut *transaction)
            .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(action, "user", username)
                .subject(organization_id)
                .note(format!("session {session_id}")),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }
}

impl Identity {
    /// The user `username` as the platform itself acts for them (the demo loader publishing a
    /// factory's first plan as its staff): no session, the system channel, every permission
    /// still decided by `policy` from their role. `None` for an unknown or disabled user.
    pub async fn system_principal(&self, username: &str) -> Result<Option<Principal>> {
        let mut select = zhizao_db::SqlBuilder::new(PRINCIPAL_COLUMNS);
        select.push(" WHERE u.username = ").push_bind(username);
        let row: Option<PrincipalRow> = select.query_as().fetch_optional(self.db.pool()).await?;
        Ok(row.and_then(|row| row.into_principal(Credential::Session(0), Channel::System, "")))
    }
}
