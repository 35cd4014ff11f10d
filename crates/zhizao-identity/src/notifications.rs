//! The notification outbox: messages to people outside the platform (a password-reset link, an
//! approved sign-up), written in the same transaction as what they announce and delivered
//! afterwards by the platform's notifier, which may fail and retry without losing one.

use serde::Serialize;
use sqlx::AnyConnection;
use zhizao_core::{Page, PageRequest, Timestamp, closed_vocabulary};
use zhizao_db::{SqlBuilder, allocate_ids, fetch_page};

use crate::{Error, Identity, Principal, Result, policy};

closed_vocabulary! {
    /// How a message reaches its recipient.
    NotificationChannel, "notification channel" {
        /// An e-mail address.
        Email => "email", "电子邮件", "E-mail";
        /// A mobile number (SMS).
        Sms => "sms", "短信", "SMS";
    }
}

/// A message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Notification {
    /// Row id.
    pub id: i64,
    /// E-mail or SMS.
    #[sqlx(try_from = "String")]
    pub channel: NotificationChannel,
    /// The address or number.
    pub recipient: String,
    /// The subject (e-mail) or first words (SMS).
    pub subject: String,
    /// The text.
    pub body: String,
    /// When it was written.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub created_at: Timestamp,
    /// When the notifier handed it over, once it did.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub sent_at: Option<Timestamp>,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// Why the last attempt failed.
    pub last_error: String,
}

const NOTIFICATION_COLUMNS: &str = "SELECT id, channel, recipient, subject, body, created_at, sent_at, attempts, last_error FROM notifications";

/// Where a user can be reached: their e-mail address, else their mobile number.
pub fn reachable(email: &str, phone: &str) -> Option<(NotificationChannel, String)> {
    let email = email.trim();
    let phone = phone.trim();
    if email.contains('@') {
        Some((NotificationChannel::Email, email.to_owned()))
    } else if phone.chars().filter(char::is_ascii_digit).count() >= 7 {
        Some((NotificationChannel::Sms, phone.to_owned()))
    } else {
        None
    }
}

/// Writes a message into the outbox on the caller's connection (inside its transaction).
pub async fn enqueue(
    connection: &mut AnyConnection,
    channel: NotificationChannel,
    recipient: &str,
    subject: &str,
    body: &str,
    now: Timestamp,
) -> Result<i64> {
    let id = allocate_ids(connection, "notifications", 1).await?;
    sqlx::query(
        "INSERT INTO notifications (id, channel, recipient, subject, body, created_at, attempts, last_error) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, '')",
    )
    .bind(id)
    .bind(channel.as_str())
    .bind(recipient)
    .bind(subject)
    .bind(body)
    .bind(now.as_millis())
    .execute(&mut *connection)
    .await?;
    Ok(id)
}

impl Identity {
    /// The outbox, newest first (city administrators: they answer "I got no link").
    pub async fn notifications(
        &self,
        principal: &Principal,
        page: PageRequest,
    ) -> Result<Page<Notification>> {
        if !policy::may_administer(principal) {
            return Err(Error::Forbidden(
                "only city administrators read the notification outbox",
            ));
        }
        Ok(fetch_page(
            self.db.pool(),
            NOTIFICATION_COLUMNS,
            "SELECT COUNT(*) FROM notifications",
            &SqlBuilder::new(" WHERE 1 = 1"),
            " ORDER BY id DESC",
            page,
        )
        .await?)
    }

    /// Messages the notifier has not handed over yet, oldest first, fewer than `max_attempts`
    /// tries each.
    pub async fn pending_notifications(
        &self,
        limit: i64,
        max_attempts: i64,
    ) -> Result<Vec<Notification>> {
        let mut select = SqlBuilder::new(NOTIFICATION_COLUMNS);
        select
            .push(" WHERE sent_at IS NULL AND attempts < ")
            .push_bind(max_attempts)
            .push(" ORDER BY id LIMIT ")
            .push_bind(limit);
        Ok(select.query_as().fetch_all(self.db.pool()).await?)
    }

    /// Records a delivery attempt: handed over, or failed with `error`.
    pub async fn record_delivery(
        &self,
        id: i64,
        outcome: std::result::Result<(), String>,
    ) -> Result<()> {
        let now = self.clock.now().as_millis();
        match outcome {
            Ok(()) => {
                sqlx::query("UPDATE notifications SET sent_at = $1, attempts = attempts + 1, last_error = '' WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(self.db.pool())
                    .await?;
            }
            Err(error) => {
                let error: String = error.chars().take(500).collect();
                sqlx::query("UPDATE notifications SET attempts = attempts + 1, last_error = $1 WHERE id = $2")
                    .bind(error)
                    .bind(id)
                    .execute(self.db.pool())
                    .await?;
            }
        }
        Ok(())
    }
}
