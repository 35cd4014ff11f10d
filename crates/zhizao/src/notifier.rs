//! The notifier: hands the outbox's messages (password-reset links, approved sign-ups) to the
//! city's e-mail or SMS gateway, one JSON message per POST, and records each attempt; a message
//! the gateway refuses is tried again later, up to [`MAX_ATTEMPTS`] times. Without a gateway the
//! messages wait in the outbox, where city administrators read them.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use zhizao_identity::Identity;
use zhizao_identity::notifications::Notification;

/// Attempts before a message is left for a person to look at.
pub(crate) const MAX_ATTEMPTS: i64 = 10;

/// Delivers pending messages every `every` until `stopped` resolves.
pub(crate) async fn run(
    identity: Identity,
    webhook: String,
    every: Duration,
    stopped: impl std::future::Future<Output = ()>,
) {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    tokio::pin!(stopped);
    loop {
        match identity.pending_notifications(50, MAX_ATTEMPTS).await {
            Ok(pending) => {
                for message in pending {
                    let outcome = deliver(&client, &webhook, &message).await;
                    if let Err(error) = &outcome {
                        tracing::warn!(id = message.id, %error, "notification not delivered");
                    }
                    if let Err(error) = identity.record_delivery(message.id, outcome).await {
                        tracing::warn!(id = message.id, %error, "cannot record a delivery");
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "cannot read the notification outbox"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = &mut stopped => return,
        }
    }
}

async fn deliver(
    client: &Client<HttpConnector, Full<Bytes>>,
    webhook: &str,
    message: &Notification,
) -> Result<(), String> {
    let body = serde_json::json!({
        "id": message.id,
        "channel": message.channel.as_str(),
        "recipient": message.recipient,
        "subject": message.subject,
        "body": message.body,
    });
    let request = hyper::Request::post(webhook)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .map_err(|e| e.to_string())?;
    let response = tokio::time::timeout(Duration::from_secs(10), client.request(request))
        .await
        .map_err(|_| "the gateway did not answer within 10 s".to_owned())?
        .map_err(|e| format!("cannot reach the gateway: {e}"))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let text = response
        .into_body()
        .collect()
        .await
        .map(|b| {
            String::from_utf8_lossy(&b.to_bytes())
                .chars()
                .take(200)
                .collect::<String>()
        })
        .unwrap_or_default();
    Err(format!("the gateway answered {status}: {text}"))
}
