//! API tokens: bearer credentials for scripts and integrations, shown once and stored hashed.

use serde::Serialize;
use sqlx::AnyConnection;
use zhizao_core::{Text, Timestamp};
use zhizao_db::allocate_ids;

use crate::audit::{self, AuditEntry};
use crate::principal::Credential;
use crate::secret::{hash_secret, random_secret};
use crate::sessions::{PRINCIPAL_COLUMNS, PrincipalRow};
use crate::{Actor, Channel, Error, Identity, Principal, Result, policy};

/// Every token starts with this, so secret scanners can recognise leaked ones.
pub(crate) const TOKEN_PREFIX: &str = "zz_";

/// A token as listed (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TokenView {
    /// Token id.
    pub id: i64,
    /// The owner's label, e.g. `ERP sync`.
    pub name: String,
    /// The first characters of the secret, to tell tokens apart.
    pub token_prefix: String,
    /// Created.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub created_at: Timestamp,
    /// Stops working at, if set.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub expires_at: Option<Timestamp>,
    /// Last used (updated at most once a minute).
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub last_used_at: Option<Timestamp>,
    /// Address of the last use.
    pub last_used_ip: Option<String>,
    /// Revoked at, if revoked.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub revoked_at: Option<Timestamp>,
}

/// A newly created token: the only time its secret is available.
#[derive(Debug, Clone, Serialize)]
pub struct NewApiToken {
    /// The token's listing.
    pub view: TokenView,
    /// The secret to send as `Authorization: Bearer …`.
    pub secret: String,
}

/// Creates a token for a user without a permission check (command line).
pub async fn create_token_in(
    connection: &mut AnyConnection,
    actor: &Actor,
    now: Timestamp,
    user_id: i64,
    name: &str,
    expires_at: Option<Timestamp>,
) -> Result<NewApiToken> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid(
            "name",
            Text::new(
                "令牌名称须为 1–100 个字符",
                "the token name must have 1 to 100 characters",
            ),
        ));
    }
    if expires_at.is_some_and(|t| t <= now) {
        return Err(Error::invalid(
            "expires_at",
            Text::new("过期时间须晚于现在", "the expiry must be in the future"),
        ));
    }
    let secret = format!("{TOKEN_PREFIX}{}", random_secret());
    let id = allocate_ids(connection, "api_tokens", 1).await?;
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, token_prefix, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(user_id)
    .bind(name)
    .bind(&prefix)
    .bind(hash_secret(&secret))
    .bind(now.as_millis())
    .bind(expires_at.map(Timestamp::as_millis))
    .execute(&mut *connection)
    .await?;
    let (username, organization_id): (String, i64) =
        sqlx::query_as("SELECT username, organization_id FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&mut *connection)
            .await?;
    audit::record(
        connection,
        actor,
        now,
        AuditEntry::new("token.created", "user", username)
            .subject(organization_id)
            .note(format!("token {id} {name:?} {prefix}…")),
    )
    .await?;
    let view = TokenView {
        id,
        name: name.to_owned(),
        token_prefix: prefix,
        created_at: now,
        expires_at,
        last_used_at: None,
        last_used_ip: None,
        revoked_at: None,
    };
    Ok(NewApiToken { view, secret })
}

/// Token uses are written to the audit log at most this often per token (every request would
/// flood the log); `last_used_at` records the latest use.
const TOKEN_USE_AUDIT_INTERVAL_MS: i64 = 3_600_000;

impl Identity {
    /// Creates a token for the principal themselves.
    pub async fn create_token(
        &self,
        principal: &Principal,
        name: &str,
        expires_at: Option<Timestamp>,
    ) -> Result<NewApiToken> {
        let mut transaction = self.db.begin().await?;
        let token = create_token_in(
            &mut transaction,
            &principal.actor(),
            self.clock.now(),
            principal.user_id,
            name,
            expires_at,
        )
        .await?;
        transaction.commit().await?;
        Ok(token)
    }

    /// Creates a token for the named user from the server's command line.
    pub async fn create_token_for_user(
        &self,
        actor: &Actor,
        username: &str,
        name: &str,
    ) -> Result<NewApiToken> {
        let mut transaction = self.db.begin().await?;
        let user_id: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(username.trim().to_ascii_lowercase())
            .fetch_optional(&mut *transaction)
            .await?;
        let user_id = user_id.ok_or_else(|| Error::NotFound {
            what: "user",
            key: username.to_owned(),
        })?;
        let token = create_token_in(
            &mut transaction,
            actor,
            self.clock.now(),
            user_id,
            name,
            None,
        )
        .await?;
        transaction.commit().await?;
        Ok(token)
    }

    /// The principal behind a bearer token, or [`Error::InvalidCredentials`] when it is unknown,
    /// revoked, expired, or its user disabled.
    pub async fn authenticate_token(&self, secret: &str, ip: &str) -> Result<Principal> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Err(Error::InvalidCredentials);
        }
        let now = self.clock.now();
        #[derive(sqlx::FromRow)]
        struct TokenRow {
            id: i64,
            user_id: i64,
            #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
            expires_at: Option<Timestamp>,
            #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
            last_used_at: Option<Timestamp>,
            #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
            revoked_at: Option<Timestamp>,
        }
        let token: Option<TokenRow> =
            sqlx::query_as("SELECT id, user_id, expires_at, last_used_at, revoked_at FROM api_tokens WHERE token_hash = $1")
                .bind(hash_secret(secret))
                .fetch_optional(self.db.pool())
                .await?;
        let Some(token) =
            token.filter(|t| t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > now))
        else {
            return Err(Error::InvalidCredentials);
        };
        let mut select = zhizao_db::SqlBuilder::new(PRINCIPAL_COLUMNS);
        select.push(" WHERE u.id = ").push_bind(token.user_id);
        let row: PrincipalRow = select
            .query_as()
            .fetch_optional(self.db.pool())
            .await?
            .ok_or(Error::InvalidCredentials)?;
        let principal = row
            .into_principal(Credential::Token(token.id), Channel::Api, ip)
            .ok_or(Error::InvalidCredentials)?;
        let since_last_use = token
            .last_used_at
            .map_or(i64::MAX, |t| now.as_millis() - t.as_millis());
        if since_last_use >= 60_000 {
            let mut transaction = self.db.begin().await?;
            sqlx::query("UPDATE api_tokens SET last_used_at = $1, last_used_ip = $2 WHERE id = $3")
                .bind(now.as_millis())
                .bind(ip)
                .bind(token.id)
                .execute(&mut *transaction)
                .await?;
            if since_last_use >= TOKEN_USE_AUDIT_INTERVAL_MS {
                audit::record(
                    &mut transaction,
                    &principal.actor(),
                    now,
                    AuditEntry::new("token.used", "user", &principal.username)
                        .subject(principal.organization_id)
                        .note(format!("token {}", token.id)),
                )
                .await?;
            }
            transaction.commit().await?;
        }
        Ok(principal)
    }

    /// Lists the tokens of `username`: one's own, or anyone's for administrators.
    pub async fn list_tokens(
        &self,
        principal: &Principal,
        username: &str,
    ) -> Result<Vec<TokenView>> {
        let user = self.user(principal, username).await?;
        Ok(sqlx::query_as(
            "SELECT id, name, token_prefix, created_at, expires_at, last_used_at, last_used_ip, revoked_at \
             FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(user.id)
        .fetch_all(self.db.pool())
        .await?)
    }

    /// Revokes a token of one's own, or anyone's for administrators.
    pub async fn revoke_token(&self, principal: &Principal, token_id: i64) -> Result<()> {
        let owner: Option<(i64, String, i64)> = sqlx::query_as(
            "SELECT t.user_id, u.username, u.organization_id FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.id = $1 AND t.revoked_at IS NULL",
        )
        .bind(token_id)
        .fetch_optional(self.db.pool())
        .await?;
        let Some((_, username, organization_id)) = owner.filter(|(user_id, _, _)| {
            *user_id == principal.user_id || policy::may_administer(principal)
        }) else {
            return Err(Error::NotFound {
                what: "token",
                key: token_id.to_string(),
            });
        };
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
            .bind(now.as_millis())
            .bind(token_id)
            .execute(&mut *transaction)
            .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("token.revoked", "user", username)
                .subject(organization_id)
                .note(format!("token {token_id}")),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }
}
