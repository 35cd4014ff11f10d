//! Server-to-device commands (ThingsBoard's RPC): a user calls a method on a device; whichever
//! transport the device is connected by (an MQTT session subscribed to
//! `v1/devices/me/rpc/request/+`, or an HTTP long poll) delivers the request; the device's
//! response, matched by request id, is returned to the caller.
//!
//! The hub lives in one process: a device connected to another Zhizao node is not reachable
//! from this one (with an external broker, every node subscribes there instead).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

/// A command on its way to a device.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcRequest {
    /// The request id (the last topic level; the device answers on `…/response/{id}`).
    pub id: u64,
    /// The method, e.g. `setSpeed`.
    pub method: String,
    /// Its parameters.
    pub params: Value,
}

impl RpcRequest {
    /// The JSON a device receives: `{"method": …, "params": …}`.
    pub fn body(&self) -> Value {
        serde_json::json!({ "method": self.method, "params": self.params })
    }
}

/// Why a command got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RpcError {
    /// No transport of the device is connected.
    #[error("the device is not connected")]
    Offline,
    /// The device did not answer in time.
    #[error("the device did not answer within {0:?}")]
    Timeout(Duration),
}

#[derive(Debug, Default)]
struct HubState {
    next_id: u64,
    subscribers: HashMap<i64, Vec<mpsc::Sender<RpcRequest>>>,
    pending: HashMap<(i64, u64), oneshot::Sender<Value>>,
}

/// Routes commands to connected devices and responses back; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct CommandHub {
    state: Arc<Mutex<HubState>>,
}

/// Requests a subscriber may have waiting before new ones are dropped for it.
const SUBSCRIBER_QUEUE: usize = 32;

impl CommandHub {
    fn lock(&self) -> std::sync::MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A transport of `device_id` is ready to deliver commands; it receives them until it
    /// drops the receiver.
    pub fn subscribe(&self, device_id: i64) -> mpsc::Receiver<RpcRequest> {
        let (sender, receiver) = mpsc::channel(SUBSCRIBER_QUEUE);
        let mut state = self.lock();
        let subscribers = state.subscribers.entry(device_id).or_default();
        subscribers.retain(|s| !s.is_closed());
        subscribers.push(sender);
        receiver
    }

    /// Whether any transport of the device takes commands now.
    pub fn is_online(&self, device_id: i64) -> bool {
        self.lock()
            .subscribers
            .get(&device_id)
            .is_some_and(|s| s.iter().any(|s| !s.is_closed()))
    }

    /// Sends a command and waits for the device's response.
    pub async fn call(
        &self,
        device_id: i64,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, RpcError> {
        let (answer, answered) = oneshot::channel();
        let id = {
            let mut state = self.lock();
            state.next_id += 1;
            let id = state.next_id;
            let request = RpcRequest {
                id,
                method: method.to_owned(),
                params,
            };
            let subscribers = state.subscribers.entry(device_id).or_default();
            subscribers.retain(|s| !s.is_closed());
            let delivered = subscribers
                .iter()
                .filter(|s| s.try_send(request.clone()).is_ok())
                .count();
            if delivered == 0 {
                return Err(RpcError::Offline);
            }
            state.pending.insert((device_id, id), answer);
            id
        };
        let outcome = tokio::time::timeout(timeout, answered).await;
        self.lock().pending.remove(&(device_id, id));
        match outcome {
            Ok(Ok(value)) => Ok(value),
            _ => Err(RpcError::Timeout(timeout)),
        }
    }

    /// A device's response to request `id`; false when nobody waits for it (unknown, answered
    /// already, timed out, or another device's).
    pub fn respond(&self, device_id: i64, id: u64, value: Value) -> bool {
        let waiting = self.lock().pending.remove(&(device_id, id));
        waiting.is_some_and(|w| w.send(value).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_command_reaches_its_device_and_the_answer_comes_back() {
        let hub = CommandHub::default();
        assert_eq!(
            hub.call(1, "reboot", Value::Null, Duration::from_millis(10))
                .await,
            Err(RpcError::Offline)
        );
        let mut device = hub.subscribe(1);
        let _other = hub.subscribe(2);
        assert!(hub.is_online(1));
        let responder = {
            let hub = hub.clone();
            tokio::spawn(async move {
                let request = device.recv().await.unwrap();
                assert_eq!(request.method, "setSpeed");
                assert!(
                    !hub.respond(2, request.id, Value::Bool(false)),
                    "another device cannot answer"
                );
                assert!(hub.respond(1, request.id, serde_json::json!({"ok": true})));
                assert!(!hub.respond(1, request.id, Value::Null), "answered once");
                device
            })
        };
        let answer = hub
            .call(
                1,
                "setSpeed",
                serde_json::json!({"rpm": 1200}),
                Duration::from_secs(5),
            )
            .await
            .unwrap();
        assert_eq!(answer, serde_json::json!({"ok": true}));
        let device = responder.await.unwrap();
        let silent = hub
            .call(1, "ping", Value::Null, Duration::from_millis(20))
            .await;
        assert_eq!(silent, Err(RpcError::Timeout(Duration::from_millis(20))));
        drop(device);
        assert!(!hub.is_online(1));
    }
}
