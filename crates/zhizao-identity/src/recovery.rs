//! Forgotten passwords: a one-time link sent through the notification outbox to the e-mail
//! address or mobile number on the account. Asking says the same whether or not the account
//! exists, counts against the address like a failed sign-in, and is limited per account; a link
//! works once, for [`RESET_LINK_MINUTES`], and using it ends the user's sessions and lifts a
//! lockout.

use zhizao_core::{Text, Timestamp};
use zhizao_db::allocate_ids;

use crate::audit::{self, AuditEntry};
use crate::notifications::{enqueue, reachable};
use crate::password::validate_new_password;
use crate::secret::{hash_secret, random_secret};
use crate::{Actor, Channel, Error, Identity, Result};

/// How long a reset link works.
pub const RESET_LINK_MINUTES: i64 = 30;
/// Links one account may be sent in an hour.
const LINKS_PER_HOUR: i64 = 3;

#[derive(sqlx::FromRow)]
struct Account {
    id: i64,
    username: String,
    display_name: String,
    email: String,
    phone: String,
    organization_id: i64,
    #[sqlx(try_from = "zhizao_db::Flag")]
    disabled: bool,
}

fn link_broken() -> Error {
    Error::invalid(
        "token",
        Text::new(
            "链接无效、已使用或已过期，请重新申请重设密码",
            "the link is wrong, used or expired; ask for a new one",
        ),
    )
}

impl Identity {
    /// Sends a reset link for the account named by `login` (user name, e-mail address or mobile
    /// number) to its e-mail or mobile, if it exists, is enabled and can be reached; answers
    /// the same in every case. `base_url` is the platform's public address the link starts
    /// with.
    pub async fn request_password_reset(
        &self,
        login: &str,
        ip: &str,
        base_url: &str,
    ) -> Result<()> {
        let now = self.clock.now();
        if let Err(retry_after_seconds) = self.address_throttle.check(ip, now.as_millis()) {
            return Err(Error::Throttled {
                retry_after_seconds,
            });
        }
        // Every request counts against the address, so the form cannot be used to probe or
        // flood accounts faster than sign-in can.
        self.address_throttle.record_failure(ip, now.as_millis());
        let login = login.trim().to_lowercase();
        if login.is_empty() || login.chars().count() > 200 {
            return Err(Error::invalid(
                "login",
                Text::new(
                    "请填写用户名、电子邮箱或手机号",
                    "give your user name, e-mail address or mobile number",
                ),
            ));
        }
        let accounts: Vec<Account> = sqlx::query_as(
            "SELECT id, username, display_name, email, phone, organization_id, disabled FROM users \
             WHERE username = $1 OR LOWER(email) = $1 OR phone = $1 LIMIT 2",
        )
        .bind(&login)
        .fetch_all(self.db.pool())
        .await?;
        let actor = Actor::anonymous(&login, Channel::Web, ip);
        // An address or number shared by two accounts names neither.
        let [account] = accounts.as_slice() else {
            return self
                .note_reset_refused(&actor, now, &login, "no single account")
                .await;
        };
        let Some((channel, recipient)) = reachable(&account.email, &account.phone) else {
            return self
                .note_reset_refused(&actor, now, &account.username, "no e-mail or mobile")
                .await;
        };
        if account.disabled {
            return self
                .note_reset_refused(&actor, now, &account.username, "disabled")
                .await;
        }
        let mut transaction = self.db.begin().await?;
        let recent: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM password_resets WHERE user_id = $1 AND created_at > $2",
        )
        .bind(account.id)
        .bind(now.as_millis() - 3_600_000)
        .fetch_one(&mut *transaction)
        .await?;
        if recent >= LINKS_PER_HOUR {
            drop(transaction);
            return self
                .note_reset_refused(&actor, now, &account.username, "too many links this hour")
                .await;
        }
        let token = random_secret();
        let id = allocate_ids(&mut transaction, "password_resets", 1).await?;
        sqlx::query(
            "INSERT INTO password_resets (id, user_id, token_hash, created_at, expires_at, ip) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(account.id)
        .bind(hash_secret(&token))
        .bind(now.as_millis())
        .bind(now.as_millis() + RESET_LINK_MINUTES * 60_000)
        .bind(ip)
        .execute(&mut *transaction)
        .await?;
        let link = format!("{}/password/reset/{token}", base_url.trim_end_matches('/'));
        enqueue(
            &mut transaction,
            channel,
            &recipient,
            "智造平台：重设密码 / Zhizao: reset your password",
            &format!(
                "{}，您好：\n请在 {RESET_LINK_MINUTES} 分钟内打开以下链接重设密码，链接只能使用一次：\n{link}\n如果不是您本人申请，请忽略本消息，您的密码不会改变。\n\n\
                 To reset your password, open this link within {RESET_LINK_MINUTES} minutes; it works once. If you did not ask, ignore this message.",
                account.display_name
            ),
            now,
        )
        .await?;
        audit::record(
            &mut transaction,
            &actor,
            now,
            AuditEntry::new("user.password_reset_requested", "user", &account.username)
                .subject(account.organization_id)
                .note(format!("link sent by {}", channel.as_str())),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Records a reset that was asked for and not sent, and answers as if it was.
    async fn note_reset_refused(
        &self,
        actor: &Actor,
        now: Timestamp,
        key: &str,
        why: &str,
    ) -> Result<()> {
        let mut transaction = self.db.begin().await?;
        audit::record(
            &mut transaction,
            actor,
            now,
            AuditEntry::new("user.password_reset_requested", "user", key)
                .note(format!("no link sent: {why}")),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Whether `token` is a reset link that still works (the page asks before showing its form).
    pub async fn reset_link_works(&self, token: &str) -> Result<bool> {
        let now = self.clock.now().as_millis();
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(hash_secret(token.trim()))
        .bind(now)
        .fetch_optional(self.db.pool())
        .await?;
        Ok(found.is_some())
    }

    /// Sets a new password with a reset link's token. The link is then used up, as are the
    /// user's other links; the user's sessions end and a lockout is lifted.
    pub async fn reset_password_with_link(
        &self,
        token: &str,
        new_password: &str,
        ip: &str,
    ) -> Result<()> {
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT id, user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(hash_secret(token.trim()))
        .bind(now.as_millis())
        .fetch_optional(&mut *transaction)
        .await?;
        let Some((reset_id, user_id)) = row else {
            return Err(link_broken());
        };
        let (username, organization_id): (String, i64) =
            sqlx::query_as("SELECT username, organization_id FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_one(&mut *transaction)
                .await?;
        validate_new_password(new_password, &username)?;
        let hash = self.hashing.hash(new_password.to_owned()).await?;
        let used = sqlx::query(
            "UPDATE password_resets SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(reset_id)
        .execute(&mut *transaction)
        .await?;
        if used.rows_affected() == 0 {
            return Err(link_broken());
        }
        sqlx::query(
            "UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(user_id)
        .execute(&mut *transaction)
        .await?;
        sqlx::query(
            "UPDATE users SET password_hash = $1, password_changed_at = $2, failed_login_count = 0, locked_until = NULL, \
             updated_at = $2, version = version + 1 WHERE id = $3",
        )
        .bind(hash)
        .bind(now.as_millis())
        .bind(user_id)
        .execute(&mut *transaction)
        .await?;
        sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(user_id)
        .execute(&mut *transaction)
        .await?;
        audit::record(
            &mut transaction,
            &Actor::anonymous(&username, Channel::Web, ip),
            now,
            AuditEntry::new("user.password_reset", "user", &username)
                .subject(organization_id)
                .note("with a reset link"),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }
}
