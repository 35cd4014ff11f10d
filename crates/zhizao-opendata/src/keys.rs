//! API keys of the open data API: issued by the city's data office to another system (a
//! holder, a contact, a purpose, a rate limit), shown once and stored hashed, revoked at any
//! time; every request is counted per key and Asia/Shanghai day, answered or refused.

use serde::Serialize;
use zhizao_core::{FieldError, Text, Timestamp};
use zhizao_db::allocate_ids;
use zhizao_identity::audit::{self, AuditEntry};
use zhizao_identity::secret::{hash_secret, random_secret};
use zhizao_identity::{Principal, policy};

use crate::limiter::Decision;
use crate::{Error, OpenData, Result};

/// Every key starts with this, so secret scanners can recognise leaked ones.
pub const KEY_PREFIX: &str = "zod_";

/// The most requests a minute a key may be allowed.
pub const MAX_PER_MINUTE: i64 = 6000;

/// What the data office fills in to issue a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInput {
    /// The system or organisation it is issued to.
    pub holder: String,
    /// Whom to call about it.
    pub contact: String,
    /// What it is for.
    pub purpose: String,
    /// Requests allowed a minute (1–6,000).
    pub per_minute: i64,
}

impl KeyInput {
    fn check(&self) -> Result<()> {
        let mut errors = Vec::new();
        let mut length = |field: &str, text: &str, max: usize, zh: &str, en: &str| {
            if !(2..=max).contains(&text.trim().chars().count()) {
                errors.push(FieldError::new(
                    field,
                    Text::owned(
                        format!("{zh}为 2–{max} 个字"),
                        format!("{en} has 2 to {max} characters"),
                    ),
                ));
            }
        };
        length("holder", &self.holder, 100, "使用单位", "the holder");
        length("contact", &self.contact, 100, "联系人", "the contact");
        length("purpose", &self.purpose, 500, "用途", "the purpose");
        if !(1..=MAX_PER_MINUTE).contains(&self.per_minute) {
            errors.push(FieldError::new(
                "per_minute",
                Text::owned(
                    format!("每分钟调用上限为 1–{MAX_PER_MINUTE} 次"),
                    format!("the limit is 1 to {MAX_PER_MINUTE} requests a minute"),
                ),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(errors))
        }
    }
}

/// A key as listed (never the secret), with its use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct KeyView {
    /// Its id.
    pub id: i64,
    /// The system or organisation it is issued to.
    pub holder: String,
    /// Whom to call about it.
    pub contact: String,
    /// What it is for.
    pub purpose: String,
    /// The first characters of the secret, to tell keys apart.
    pub key_prefix: String,
    /// Requests allowed a minute.
    pub per_minute: i64,
    /// Issued.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub created_at: Timestamp,
    /// Issued by (username).
    pub created_by: String,
    /// Revoked at, if revoked.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub revoked_at: Option<Timestamp>,
    /// Revoked by (username).
    pub revoked_by: Option<String>,
    /// Last answered request (updated at most once a minute).
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub last_used_at: Option<Timestamp>,
    /// Requests answered, ever.
    pub answered: i64,
    /// Requests refused for the rate limit, ever.
    pub refused: i64,
    /// Requests answered today (Asia/Shanghai).
    pub answered_today: i64,
}

/// A newly issued key: the only time its secret is available.
#[derive(Debug, Clone, Serialize)]
pub struct NewKey {
    /// The key's listing.
    pub view: KeyView,
    /// The secret to send as `X-API-Key`.
    pub secret: String,
}

/// One day's use of a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DayUse {
    /// The Asia/Shanghai date, `YYYY-MM-DD`.
    pub day: String,
    /// Requests answered.
    pub answered: i64,
    /// Requests refused for the rate limit.
    pub refused: i64,
}

/// A request the limiter let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    /// The key.
    pub key_id: i64,
    /// Its allowance a minute.
    pub per_minute: u32,
    /// Requests it may still make at once.
    pub remaining: u32,
}

/// A key as listed with its use (`$1`: today's date), followed by `$tail`.
macro_rules! view {
    ($tail:literal) => {
        concat!(
            "SELECT k.id, k.holder, k.contact, k.purpose, k.key_prefix, k.per_minute, k.created_at, \
             k.created_by, k.revoked_at, k.revoked_by, k.last_used_at, \
             CAST(COALESCE((SELECT SUM(u.answered) FROM open_data_usage u WHERE u.key_id = k.id), 0) AS BIGINT) AS answered, \
             CAST(COALESCE((SELECT SUM(u.refused) FROM open_data_usage u WHERE u.key_id = k.id), 0) AS BIGINT) AS refused, \
             CAST(COALESCE((SELECT u.answered FROM open_data_usage u WHERE u.key_id = k.id AND u.day = $1), 0) AS BIGINT) AS answered_today \
             FROM open_data_keys k ",
            $tail
        )
    };
}

impl OpenData {
    fn today(&self) -> String {
        self.clock.now().to_shanghai_date_string()
    }

    /// Issues a key (the city's data office). Audited.
    pub async fn issue(&self, principal: &Principal, input: &KeyInput) -> Result<NewKey> {
        if !policy::may_manage_open_data(principal) {
            return Err(Error::Forbidden(
                "the city's data office issues open data keys",
            ));
        }
        input.check()?;
        let now = self.clock.now();
        let secret = format!("{KEY_PREFIX}{}", random_secret());
        let prefix: String = secret.chars().take(KEY_PREFIX.len() + 6).collect();
        let mut transaction = self.db.begin().await?;
        let id = allocate_ids(&mut transaction, "open_data_keys", 1).await?;
        sqlx::query(
            "INSERT INTO open_data_keys (id, holder, contact, purpose, key_prefix, key_hash, per_minute, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(input.holder.trim())
        .bind(input.contact.trim())
        .bind(input.purpose.trim())
        .bind(&prefix)
        .bind(hash_secret(&secret))
        .bind(input.per_minute)
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("open_data.key_issued", "open_data_key", id.to_string()).note(format!(
                "{} ({prefix}…, {} a minute)",
                input.holder.trim(),
                input.per_minute
            )),
        )
        .await?;
        transaction.commit().await?;
        let view = self.key(principal, id).await?;
        Ok(NewKey { view, secret })
    }

    /// Every key, those in use first, newest first (the city's data office).
    pub async fn keys(&self, principal: &Principal) -> Result<Vec<KeyView>> {
        if !policy::may_manage_open_data(principal) {
            return Err(Error::Forbidden(
                "the city's data office manages open data keys",
            ));
        }
        Ok(
            sqlx::query_as(view!("ORDER BY k.revoked_at IS NOT NULL, k.id DESC"))
                .bind(self.today())
                .fetch_all(self.db.pool())
                .await?,
        )
    }

    /// One key; to anyone but the data office it does not exist.
    pub async fn key(&self, principal: &Principal, id: i64) -> Result<KeyView> {
        let not_found = || Error::NotFound {
            what: "open data key",
            key: id.to_string(),
        };
        if !policy::may_manage_open_data(principal) {
            return Err(not_found());
        }
        sqlx::query_as(view!("WHERE k.id = $2"))
            .bind(self.today())
            .bind(id)
            .fetch_optional(self.db.pool())
            .await?
            .ok_or_else(not_found)
    }

    /// A key's use per day over its last `days` days with any, newest first.
    pub async fn usage(&self, principal: &Principal, id: i64, days: i64) -> Result<Vec<DayUse>> {
        self.key(principal, id).await?;
        Ok(sqlx::query_as(
            "SELECT day, answered, refused FROM open_data_usage WHERE key_id = $1 ORDER BY day DESC LIMIT $2",
        )
        .bind(id)
        .bind(days.clamp(1, 366))
        .fetch_all(self.db.pool())
        .await?)
    }

    /// Revokes a key at once (revoking a revoked key changes nothing). Audited.
    pub async fn revoke(&self, principal: &Principal, id: i64) -> Result<KeyView> {
        let key = self.key(principal, id).await?;
        if key.revoked_at.is_some() {
            return Ok(key);
        }
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        sqlx::query(
            "UPDATE open_data_keys SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("open_data.key_revoked", "open_data_key", id.to_string())
                .note(format!("{} ({}…)", key.holder, key.key_prefix)),
        )
        .await?;
        transaction.commit().await?;
        self.limiter.forget(id);
        self.key(principal, id).await
    }

    /// Lets one request through on `secret`, within its key's rate limit, and counts it: an
    /// unknown or revoked key is unauthenticated; one past its allowance is refused with the
    /// seconds to wait.
    pub async fn admit(&self, secret: &str) -> Result<Admission> {
        let unknown = Error::Unauthenticated("the open data key is unknown or revoked");
        let secret = secret.trim();
        if !secret.starts_with(KEY_PREFIX) || secret.len() > 100 {
            return Err(unknown);
        }
        let row: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, per_minute, revoked_at FROM open_data_keys WHERE key_hash = $1",
        )
        .bind(hash_secret(secret))
        .fetch_optional(self.db.pool())
        .await?;
        let Some((key_id, per_minute, None)) = row else {
            return Err(unknown);
        };
        let per_minute = u32::try_from(per_minute).unwrap_or(1);
        let now = self.clock.now();
        let decision = self.limiter.take(key_id, per_minute, now.as_millis());
        let (answered, refused) = match decision {
            Decision::Allowed { .. } => (1_i64, 0_i64),
            Decision::Refused { .. } => (0, 1),
        };
        sqlx::query(
            "INSERT INTO open_data_usage (key_id, day, answered, refused) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key_id, day) DO UPDATE SET answered = open_data_usage.answered + excluded.answered, \
             refused = open_data_usage.refused + excluded.refused",
        )
        .bind(key_id)
        .bind(now.to_shanghai_date_string())
        .bind(answered)
        .bind(refused)
        .execute(self.db.pool())
        .await?;
        match decision {
            Decision::Allowed { remaining } => {
                sqlx::query(
                    "UPDATE open_data_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)",
                )
                .bind(key_id)
                .bind(now.as_millis())
                .bind(now.as_millis() - 60_000)
                .execute(self.db.pool())
                .await?;
                Ok(Admission {
                    key_id,
                    per_minute,
                    remaining,
                })
            }
            Decision::Refused { retry_after } => Err(Error::RateLimited {
                per_minute,
                retry_after,
            }),
        }
    }
}
