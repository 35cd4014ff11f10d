//! Server-to-device commands (ThingsBoard's RPC): a user calls a method on a device; whichever
//! transport the device is connected by (an MQTT session subscribed to
//! `v1/devices/me/rpc/request/+`, or an HTTP long poll) delivers the request; the device's
//! response, matched by request id, is returned to the caller.
//!
//! A command goes to the first of these that exists for the device, in this order:
//!
//! 1. the transports connected to this process now (`subscribe`), all of them;
//! 2. else the queues of persistent sessions that are away but asked for commands
//!    (`CommandQueue`, e.g. an MQTT session with `clean_session = false`), which keep it until
//!    the device is back or the caller stops waiting;
//! 3. else the relay (`relay`), a bridge to other processes: with an external MQTT broker the
//!    device may be reachable through another Zhizao node;
//! 4. else the device is offline.
//!
//! Once a relay is registered, request ids carry this process's `NodeNumber` in their upper
//! bits, so ids are unique among the nodes sharing devices and an answer received by any node
//! can be sent to the node that waits for it.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use zhizao_core::{Clock, SystemClock, Timestamp};

use crate::{Error, Result};

/// A command on its way to a device.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcRequest {
    /// The request id (the last topic level; the device answers on `…/response/{id}`).
    pub id: u64,
    /// The method, e.g. `setSpeed`.
    pub method: String,
    /// Its parameters.
    pub params: Value,
    /// When the caller stops waiting: a transport holding the request for a device that is
    /// away drops it then rather than deliver it to nobody's benefit.
    pub expires_at: Timestamp,
}

impl RpcRequest {
    /// The JSON a device receives: `{"method": …, "params": …}`.
    pub fn body(&self) -> Value {
        serde_json::json!({ "method": self.method, "params": self.params })
    }

    /// Whether the caller has stopped waiting at `now`.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expires_at
    }
}

/// Keeps commands for a device that is away but asked to receive them when it is back (an MQTT
/// persistent session subscribed to commands).
pub trait CommandQueue: Send + Sync {
    /// Keeps `request` for the device; false when this queue cannot (its session has ended or
    /// is full, or the request has expired at `now`). Called with the hub's lock held: it must
    /// not block or call the hub.
    fn enqueue(&self, request: &RpcRequest, now: Timestamp) -> bool;
}

/// A command for a device that nothing in this process reaches, handed to the relay.
#[derive(Debug, Clone, PartialEq)]
pub struct RelayedRequest {
    /// The device.
    pub device_id: i64,
    /// The command; its id carries this process's node number.
    pub request: RpcRequest,
}

/// The number that tells apart the processes relaying commands for the same devices: 21 bits,
/// never 0, placed above the 32 bits of a request's sequence number so every id stays below
/// 2⁵³ (devices written in JavaScript read ids as doubles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeNumber(u32);

impl NodeNumber {
    const BITS: u32 = 21;

    /// A random node number: two nodes pick the same one with probability 2⁻²¹.
    pub fn random() -> Self {
        // RandomState is seeded from the operating system's random source.
        let random = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let number = (random % ((1 << Self::BITS) - 1)) as u32 + 1;
        NodeNumber(number)
    }

    /// The node number `number` if it is one (1 to 2²¹ − 1).
    pub fn new(number: u32) -> Option<Self> {
        (number != 0 && number < 1 << Self::BITS).then_some(NodeNumber(number))
    }

    /// The node that issued request `id`, if a relaying node did.
    pub fn of_request(id: u64) -> Option<Self> {
        u32::try_from(id >> 32).ok().and_then(Self::new)
    }

    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl std::fmt::Display for NodeNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

struct HubState {
    next_sequence: u64,
    node: Option<NodeNumber>,
    subscribers: HashMap<i64, Vec<mpsc::Sender<RpcRequest>>>,
    queues: HashMap<i64, Vec<Weak<dyn CommandQueue>>>,
    relay: Option<mpsc::Sender<RelayedRequest>>,
    pending: HashMap<(i64, u64), oneshot::Sender<Value>>,
}

impl HubState {
    /// Ids continue from the clock (seconds, below 10⁹ so they fit the 32-bit integers small
    /// firmware parses them into), so a process started after a restart does not hand out the
    /// ids of commands that restored MQTT sessions may still deliver and a device may answer.
    fn starting_at(now: Timestamp) -> Self {
        let seconds = u64::try_from(now.as_millis() / 1000).unwrap_or(0);
        HubState {
            next_sequence: seconds % 1_000_000_000,
            node: None,
            subscribers: HashMap::new(),
            queues: HashMap::new(),
            relay: None,
            pending: HashMap::new(),
        }
    }
}

impl HubState {
    fn next_id(&mut self) -> u64 {
        self.next_sequence += 1;
        match self.node {
            // 32 bits of sequence under the node number; 0 is skipped so no id is node << 32.
            Some(node) => {
                let sequence = (self.next_sequence % 0xFFFF_FFFF) + 1;
                (u64::from(node.get()) << 32) | sequence
            }
            None => self.next_sequence,
        }
    }
}

/// Routes commands to connected devices and responses back; cheap to clone.
#[derive(Clone)]
pub struct CommandHub {
    state: Arc<Mutex<HubState>>,
    clock: Arc<dyn Clock>,
}

impl Default for CommandHub {
    /// A hub on the system clock.
    fn default() -> Self {
        CommandHub::new(Arc::new(SystemClock))
    }
}

impl std::fmt::Debug for CommandHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("CommandHub")
            .field("node", &state.node)
            .field("pending", &state.pending.len())
            .finish_non_exhaustive()
    }
}

/// Requests a subscriber may have waiting before new ones are dropped for it.
const SUBSCRIBER_QUEUE: usize = 32;

/// Requests the relay may have waiting before new ones count as undeliverable.
const RELAY_QUEUE: usize = 1024;

impl CommandHub {
    /// A hub whose commands expire by `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        CommandHub {
            state: Arc::new(Mutex::new(HubState::starting_at(clock.now()))),
            clock,
        }
    }

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

    /// A session of `device_id` that is away keeps commands in `queue` while no transport of
    /// the device is connected; the hub holds it weakly, so dropping the last `Arc` ends it.
    pub fn queue(&self, device_id: i64, queue: &Arc<dyn CommandQueue>) {
        let mut state = self.lock();
        let queues = state.queues.entry(device_id).or_default();
        queues.retain(|q| q.strong_count() > 0);
        queues.push(Arc::downgrade(queue));
    }

    /// Hands commands for devices nothing in this process reaches to the returned receiver,
    /// and from now on gives request ids `node` in their upper bits (see `NodeNumber`). A
    /// second call replaces the relay.
    pub fn relay(&self, node: NodeNumber) -> mpsc::Receiver<RelayedRequest> {
        let (sender, receiver) = mpsc::channel(RELAY_QUEUE);
        let mut state = self.lock();
        state.node = Some(node);
        state.relay = Some(sender);
        receiver
    }

    /// Whether any transport of the device takes commands now (a queue of a session that is
    /// away does not count).
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
    ) -> Result<Value> {
        let (answer, answered) = oneshot::channel();
        let id = {
            let now = self.clock.now();
            let mut state = self.lock();
            let id = state.next_id();
            let request = RpcRequest {
                id,
                method: method.to_owned(),
                params,
                expires_at: now.plus_millis(i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX)),
            };
            if !state.deliver(device_id, request, now) {
                return Err(Error::DeviceOffline);
            }
            state.pending.insert((device_id, id), answer);
            id
        };
        let outcome = tokio::time::timeout(timeout, answered).await;
        self.lock().pending.remove(&(device_id, id));
        match outcome {
            Ok(Ok(value)) => Ok(value),
            _ => Err(Error::NoAnswer(timeout)),
        }
    }

    /// A device's response to request `id`; false when nobody waits for it (unknown, answered
    /// already, timed out, or another device's).
    pub fn respond(&self, device_id: i64, id: u64, value: Value) -> bool {
        let waiting = self.lock().pending.remove(&(device_id, id));
        waiting.is_some_and(|w| w.send(value).is_ok())
    }
}

impl HubState {
    /// Hands `request` to the device's transports, else its queues, else the relay; false
    /// when none took it.
    fn deliver(&mut self, device_id: i64, request: RpcRequest, now: Timestamp) -> bool {
        if let Some(subscribers) = self.subscribers.get_mut(&device_id) {
            subscribers.retain(|s| !s.is_closed());
            let delivered = subscribers
                .iter()
                .filter(|s| s.try_send(request.clone()).is_ok())
                .count();
            if subscribers.is_empty() {
                self.subscribers.remove(&device_id);
            }
            if delivered > 0 {
                return true;
            }
        }
        if let Some(queues) = self.queues.get_mut(&device_id) {
            let live: Vec<Arc<dyn CommandQueue>> =
                queues.iter().filter_map(Weak::upgrade).collect();
            queues.retain(|q| q.strong_count() > 0);
            if queues.is_empty() {
                self.queues.remove(&device_id);
            }
            let queued = live.iter().filter(|q| q.enqueue(&request, now)).count();
            if queued > 0 {
                return true;
            }
        }
        self.relay.as_ref().is_some_and(|relay| {
            relay
                .try_send(RelayedRequest { device_id, request })
                .is_ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_command_reaches_its_device_and_the_answer_comes_back() {
        let hub = CommandHub::default();
        assert!(matches!(
            hub.call(1, "reboot", Value::Null, Duration::from_millis(10))
                .await,
            Err(Error::DeviceOffline)
        ));
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
        assert!(
            matches!(silent, Err(Error::NoAnswer(waited)) if waited == Duration::from_millis(20))
        );
        drop(device);
        assert!(!hub.is_online(1));
    }

    struct Kept(Mutex<Vec<u64>>);

    impl CommandQueue for Kept {
        fn enqueue(&self, request: &RpcRequest, _now: Timestamp) -> bool {
            self.0.lock().unwrap().push(request.id);
            true
        }
    }

    #[tokio::test]
    async fn a_device_away_gets_commands_queued_and_others_go_to_the_relay() {
        let hub = CommandHub::default();
        let kept = Arc::new(Kept(Mutex::new(Vec::new())));
        let queue: Arc<dyn CommandQueue> = Arc::<Kept>::clone(&kept);
        hub.queue(1, &queue);
        assert!(!hub.is_online(1), "a queue is not a connection");
        let short = Duration::from_millis(10);
        assert!(
            matches!(
                hub.call(1, "home", Value::Null, short).await,
                Err(Error::NoAnswer(waited)) if waited == short
            ),
            "queued, so the caller waits"
        );
        assert_eq!(kept.0.lock().unwrap().len(), 1);
        // A connected transport comes first.
        let mut live = hub.subscribe(1);
        let _ = hub.call(1, "home", Value::Null, short).await;
        assert!(live.try_recv().is_ok());
        assert_eq!(kept.0.lock().unwrap().len(), 1);
        drop(live);
        // Dropping the queue ends it.
        drop(queue);
        drop(kept);
        assert!(matches!(
            hub.call(1, "home", Value::Null, short).await,
            Err(Error::DeviceOffline)
        ));

        // With a relay, a device nothing here reaches goes to it, with ids naming this node.
        let node = NodeNumber::new(77).unwrap();
        let mut relay = hub.relay(node);
        let call = {
            let hub = hub.clone();
            tokio::spawn(async move {
                hub.call(2, "setSpeed", Value::Null, Duration::from_secs(5))
                    .await
            })
        };
        let relayed = relay.recv().await.unwrap();
        assert_eq!(relayed.device_id, 2);
        assert_eq!(NodeNumber::of_request(relayed.request.id), Some(node));
        assert!(relayed.request.id < 1 << 53);
        assert!(hub.respond(2, relayed.request.id, Value::Bool(true)));
        assert_eq!(call.await.unwrap().unwrap(), Value::Bool(true));
        drop(relay);
        assert!(matches!(
            hub.call(2, "setSpeed", Value::Null, short).await,
            Err(Error::DeviceOffline)
        ));
    }

    #[test]
    fn node_numbers_fit_in_21_bits_and_are_never_0() {
        assert_eq!(NodeNumber::new(0), None);
        assert_eq!(NodeNumber::new(1 << 21), None);
        assert_eq!(
            NodeNumber::new((1 << 21) - 1).map(NodeNumber::get),
            Some((1 << 21) - 1)
        );
        assert_eq!(NodeNumber::of_request(5), None, "a hub without relay");
        for _ in 0..100 {
            let node = NodeNumber::random();
            assert_eq!(NodeNumber::new(node.get()), Some(node));
        }
    }
}
