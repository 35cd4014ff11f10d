//! Persistent sessions (`clean_session = false`) kept between connections and across restarts.
//!
//! A session is a device's subscriptions and the QoS 1 messages the broker owes it: sent and not
//! yet acknowledged, or commands queued while the device was away. In memory the broker keeps
//! the sessions of disconnected clients in `BrokerState::sessions` (a connected client's session
//! lives in its connection); with a session directory, every change is also written to one file
//! per session, `{device id}-{number}.json`, by a single writer thread: the file is written to a
//! temporary name, synced, renamed over the old one, and the directory synced, so a file is
//! always either the old or the new state. The broker reads the directory when it starts.
//!
//! What is durable when: a SUBACK or UNSUBACK is sent only once the changed subscriptions are on
//! disk; messages owed are written as they change (a few milliseconds later), and the whole
//! session when its connection ends. A session expires `BrokerSettings::session_expiry` after
//! its client disconnected (a session whose client was connected when the process stopped
//! counts from the restart); a queued command expires when its caller stops waiting.
//!
//! The file format is versioned JSON (`format: 1`); `format_version_1_snapshot` guards it.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use bytes::Bytes;
use rumqttc::mqttbytes::QoS;
use rumqttc::mqttbytes::v4::Publish;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use zhizao_core::Timestamp;
use zhizao_devices::rpc::{CommandQueue, RpcRequest};

use crate::BrokerState;
use crate::topics::{Subscription, rpc_request_topic};

/// A session's identity: the device and the client id it connected with. Two devices never
/// share a session, whatever client ids they choose.
pub(crate) type SessionKey = (i64, String);

/// Messages a session may be owed at once; commands beyond are refused (the caller learns the
/// device is offline) rather than piling up for a device that does not come back.
pub(crate) const MAX_PENDING: usize = 100;

/// Persistent sessions one device may keep; connecting with yet another client id ends the
/// one disconnected longest.
pub(crate) const MAX_SESSIONS_PER_DEVICE: usize = 16;

/// A QoS 1 message the broker owes a session.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    /// The message; packet id 0 while it was never sent (queued while the client was away).
    pub(crate) publish: Publish,
    /// When it is no longer worth delivering (a command whose caller stopped waiting).
    pub(crate) expires_at: Option<Timestamp>,
}

impl Pending {
    pub(crate) fn is_expired(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// A persistent session whose client is away.
pub(crate) struct StoredSession {
    pub(crate) subscriptions: HashMap<Subscription, QoS>,
    pub(crate) pending: Vec<Pending>,
    pub(crate) disconnected_at: Timestamp,
    /// Keeps the session's command queue registered with the hub while it is stored.
    pub(crate) _queue: Option<Arc<dyn CommandQueue>>,
}

impl std::fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSession")
            .field("subscriptions", &self.subscriptions)
            .field("pending", &self.pending.len())
            .field("disconnected_at", &self.disconnected_at)
            .finish_non_exhaustive()
    }
}

/// Queues commands for a stored session subscribed to them, for the `CommandHub`.
pub(crate) struct SessionQueue {
    pub(crate) state: Weak<Mutex<BrokerState>>,
    pub(crate) files: Option<SessionFiles>,
    pub(crate) key: SessionKey,
}

impl CommandQueue for SessionQueue {
    fn enqueue(&self, request: &RpcRequest, now: Timestamp) -> bool {
        let Some(state) = self.state.upgrade() else {
            return false;
        };
        let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(session) = state.session_mut(&self.key) else {
            return false;
        };
        // Only a QoS 1 subscription asks the broker to keep messages for later.
        if session.subscriptions.get(&Subscription::RpcRequests) != Some(&QoS::AtLeastOnce)
            || request.is_expired(now)
        {
            return false;
        }
        session.pending.retain(|p| !p.is_expired(now));
        if session.pending.len() >= MAX_PENDING {
            tracing::info!(device = self.key.0, client = %self.key.1, "a session's queue is full; command refused");
            return false;
        }
        let body = Bytes::from(request.body().to_string());
        let mut publish =
            Publish::from_bytes(rpc_request_topic(request.id), QoS::AtLeastOnce, body);
        publish.pkid = 0;
        session.pending.push(Pending {
            publish,
            expires_at: Some(request.expires_at),
        });
        if let Some(files) = &self.files {
            // Sent under the state lock, so the writer sees the session's changes in order.
            files.save(SessionRecord::stored(&self.key, session));
        }
        true
    }
}

/// The writer of session files: cheap to clone; the thread ends when the last clone is gone.
#[derive(Clone)]
pub(crate) struct SessionFiles {
    jobs: std::sync::mpsc::Sender<Job>,
}

enum Job {
    Save(SessionRecord),
    Delete(SessionKey),
    Flush(oneshot::Sender<()>),
}

impl SessionFiles {
    /// Opens (creating) the directory, reads the sessions in it, removes those `keep` refuses
    /// (expired), and starts the writer.
    pub(crate) fn open(
        directory: &Path,
        keep: impl Fn(&SessionRecord) -> bool,
    ) -> std::io::Result<(SessionFiles, Vec<SessionRecord>)> {
        std::fs::create_dir_all(directory)?;
        let mut records = Vec::new();
        let mut numbers = HashMap::new();
        let mut next_number = 1u64;
        for entry in std::fs::read_dir(directory)? {
            let path = entry?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if name.ends_with(".tmp") {
                // A write that never reached its rename: the previous file is still whole.
                let _ = std::fs::remove_file(&path);
                continue;
            }
            let Some(number) = name
                .strip_suffix(".json")
                .and_then(|stem| stem.split_once('-'))
                .and_then(|(_, number)| number.parse::<u64>().ok())
            else {
                continue;
            };
            let record = std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|bytes| SessionRecord::decode(&bytes));
            match record {
                Ok(record) if !keep(&record) => {
                    std::fs::remove_file(&path)?;
                }
                Ok(record) if !numbers.contains_key(&record.key()) => {
                    numbers.insert(record.key(), number);
                    next_number = next_number.max(number + 1);
                    records.push(record);
                }
                Ok(_) => {
                    tracing::warn!(file = %path.display(), "a second file for one session; removed");
                    let _ = std::fs::remove_file(&path);
                }
                Err(error) => {
                    // Kept aside for a person to look at; the session starts afresh.
                    tracing::warn!(file = %path.display(), %error, "an unreadable session file; set aside");
                    let _ = std::fs::rename(&path, path.with_extension("unreadable"));
                }
            }
        }
        let (jobs, receiver) = std::sync::mpsc::channel();
        let writer = Writer {
            directory: directory.to_owned(),
            numbers,
            next_number,
        };
        std::thread::Builder::new()
            .name("mqtt-sessions".into())
            .spawn(move || writer.run(receiver))?;
        Ok((SessionFiles { jobs }, records))
    }

    /// Writes `record` over the session's file, soon; `flush` waits for it.
    pub(crate) fn save(&self, record: SessionRecord) {
        let _ = self.jobs.send(Job::Save(record));
    }

    /// Removes the session's file, soon; `flush` waits for it.
    pub(crate) fn delete(&self, key: SessionKey) {
        let _ = self.jobs.send(Job::Delete(key));
    }

    /// Resolves once everything saved or deleted before is on disk.
    pub(crate) fn flush(&self) -> oneshot::Receiver<()> {
        let (done, flushed) = oneshot::channel();
        let _ = self.jobs.send(Job::Flush(done));
        flushed
    }
}

struct Writer {
    directory: PathBuf,
    numbers: HashMap<SessionKey, u64>,
    next_number: u64,
}

impl Writer {
    fn run(mut self, jobs: std::sync::mpsc::Receiver<Job>) {
        while let Ok(first) = jobs.recv() {
            // Everything waiting is one batch: only a session's last state is written, and
            // the directory is synced once for all the renames.
            let mut batch = vec![first];
            batch.extend(jobs.try_iter());
            let mut last: HashMap<SessionKey, usize> = HashMap::new();
            for (index, job) in batch.iter().enumerate() {
                match job {
                    Job::Save(record) => {
                        last.insert(record.key(), index);
                    }
                    Job::Delete(key) => {
                        last.insert(key.clone(), index);
                    }
                    Job::Flush(_) => {}
                }
            }
            let mut waiting = Vec::new();
            let mut changed = false;
            for (index, job) in batch.into_iter().enumerate() {
                match job {
                    Job::Save(record) => {
                        if last.get(&record.key()) == Some(&index) {
                            if let Err(error) = self.write(&record) {
                                tracing::error!(device = record.device_id, %error, "writing an MQTT session failed");
                            }
                            changed = true;
                        }
                    }
                    Job::Delete(key) => {
                        if last.get(&key) == Some(&index)
                            && let Some(number) = self.numbers.remove(&key)
                        {
                            let path = self.path(&key, number);
                            if let Err(error) = std::fs::remove_file(&path)
                                && error.kind() != std::io::ErrorKind::NotFound
                            {
                                tracing::error!(file = %path.display(), %error, "removing an MQTT session failed");
                            }
                            changed = true;
                        }
                    }
                    Job::Flush(done) => waiting.push(done),
                }
            }
            if changed
                && let Err(error) = std::fs::File::open(&self.directory).and_then(|d| d.sync_all())
            {
                tracing::error!(directory = %self.directory.display(), %error, "syncing the MQTT session directory failed");
            }
            for done in waiting {
                let _ = done.send(());
            }
        }
    }

    fn path(&self, key: &SessionKey, number: u64) -> PathBuf {
        self.directory.join(format!("{}-{number}.json", key.0))
    }

    fn write(&mut self, record: &SessionRecord) -> std::io::Result<()> {
        let key = record.key();
        let number = match self.numbers.get(&key) {
            Some(number) => *number,
            None => {
                let number = self.next_number;
                self.next_number += 1;
                self.numbers.insert(key.clone(), number);
                number
            }
        };
        let path = self.path(&key, number);
        let temporary = path.with_extension("json.tmp");
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(&record.encode())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, &path)
    }
}

/// A session as written to its file (format 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SessionRecord {
    format: u32,
    device_id: i64,
    client_id: String,
    /// Whether the client was connected when this was written.
    connected: bool,
    /// When the client disconnected (UTC milliseconds); meaningless while connected.
    disconnected_at: i64,
    subscriptions: Vec<SubscriptionRecord>,
    pending: Vec<PendingRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriptionRecord {
    filter: String,
    qos: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PendingRecord {
    topic: String,
    /// The payload when it is UTF-8 text (commands and answers are JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payload: Option<String>,
    /// The payload's bytes otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payload_bytes: Option<Vec<u8>>,
    /// 0 while never sent.
    packet_id: u16,
    retain: bool,
    /// UTC milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
}

const FORMAT: u32 = 1;

/// A session read back from its file.
pub(crate) struct RestoredSession {
    pub(crate) key: SessionKey,
    pub(crate) subscriptions: HashMap<Subscription, QoS>,
    pub(crate) pending: Vec<Pending>,
    /// When the client went away; a client connected when the process stopped went away then,
    /// which the caller stands for by `now`.
    pub(crate) disconnected_at: Option<Timestamp>,
}

impl SessionRecord {
    /// The record of a session whose client is connected now.
    pub(crate) fn connected<'a>(
        key: &SessionKey,
        subscriptions: &HashMap<Subscription, QoS>,
        pending: impl Iterator<Item = &'a Pending>,
    ) -> Self {
        Self::new(key, subscriptions, pending, None)
    }

    /// The record of a stored session.
    pub(crate) fn stored(key: &SessionKey, session: &StoredSession) -> Self {
        Self::new(
            key,
            &session.subscriptions,
            session.pending.iter(),
            Some(session.disconnected_at),
        )
    }

    fn new<'a>(
        key: &SessionKey,
        subscriptions: &HashMap<Subscription, QoS>,
        pending: impl Iterator<Item = &'a Pending>,
        disconnected_at: Option<Timestamp>,
    ) -> Self {
        let mut subscriptions: Vec<SubscriptionRecord> = subscriptions
            .iter()
            .map(|(subscription, qos)| SubscriptionRecord {
                filter: subscription.filter().to_owned(),
                qos: *qos as u8,
            })
            .collect();
        subscriptions.sort_by(|a, b| a.filter.cmp(&b.filter));
        let pending = pending
            .map(|p| {
                let (payload, payload_bytes) = match std::str::from_utf8(&p.publish.payload) {
                    Ok(text) => (Some(text.to_owned()), None),
                    Err(_) => (None, Some(p.publish.payload.to_vec())),
                };
                PendingRecord {
                    topic: p.publish.topic.clone(),
                    payload,
                    payload_bytes,
                    packet_id: p.publish.pkid,
                    retain: p.publish.retain,
                    expires_at: p.expires_at.map(Timestamp::as_millis),
                }
            })
            .collect();
        SessionRecord {
            format: FORMAT,
            device_id: key.0,
            client_id: key.1.clone(),
            connected: disconnected_at.is_none(),
            disconnected_at: disconnected_at.map_or(0, Timestamp::as_millis),
            subscriptions,
            pending,
        }
    }

    pub(crate) fn key(&self) -> SessionKey {
        (self.device_id, self.client_id.clone())
    }

    /// When the client disconnected; `None` if it was connected when this was written.
    pub(crate) fn disconnected_at(&self) -> Option<Timestamp> {
        (!self.connected).then(|| Timestamp::from_millis(self.disconnected_at))
    }

    fn encode(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    fn decode(bytes: &[u8]) -> Result<Self, String> {
        let record: SessionRecord = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if record.format != FORMAT {
            return Err(format!("format {} is not known", record.format));
        }
        Ok(record)
    }

    /// The session in the broker's terms; subscriptions and messages it cannot take are
    /// dropped (never another device's: a filter that is not `me`'s is not one).
    pub(crate) fn restore(self) -> RestoredSession {
        let disconnected_at = self.disconnected_at();
        let subscriptions = self
            .subscriptions
            .iter()
            .filter_map(|s| {
                let qos = match s.qos {
                    0 => QoS::AtMostOnce,
                    _ => QoS::AtLeastOnce,
                };
                Subscription::parse(&s.filter).map(|subscription| (subscription, qos))
            })
            .collect();
        let pending = self
            .pending
            .into_iter()
            .filter(|p| crate::topics::is_sent_to_devices(&p.topic))
            .map(|p| {
                let payload = match (p.payload, p.payload_bytes) {
                    (Some(text), _) => Bytes::from(text),
                    (None, Some(bytes)) => Bytes::from(bytes),
                    (None, None) => Bytes::new(),
                };
                let mut publish = Publish::from_bytes(p.topic, QoS::AtLeastOnce, payload);
                publish.pkid = p.packet_id;
                publish.retain = p.retain;
                Pending {
                    publish,
                    expires_at: p.expires_at.map(Timestamp::from_millis),
                }
            })
            .collect();
        RestoredSession {
            key: (self.device_id, self.client_id),
            subscriptions,
            pending,
            disconnected_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SessionRecord {
        let key = (17, "press-07-main".to_owned());
        let subscriptions = HashMap::from([
            (Subscription::RpcRequests, QoS::AtLeastOnce),
            (Subscription::AttributeUpdates, QoS::AtMostOnce),
        ]);
        let mut command = Publish::new(
            rpc_request_topic(5),
            QoS::AtLeastOnce,
            r#"{"method":"setSpeed","params":{"rpm":900}}"#,
        );
        command.pkid = 3;
        let mut binary = Publish::new("v1/devices/me/attributes", QoS::AtLeastOnce, vec![0xff, 0]);
        binary.pkid = 0;
        binary.retain = true;
        let pending = [
            Pending {
                publish: command,
                expires_at: Some(Timestamp::from_millis(1_795_700_010_000)),
            },
            Pending {
                publish: binary,
                expires_at: None,
            },
        ];
        let session = StoredSession {
            subscriptions,
            pending: pending.to_vec(),
            disconnected_at: Timestamp::from_millis(1_795_700_000_000),
            _queue: None,
        };
        SessionRecord::stored(&key, &session)
    }

    /// The on-disk format, byte for byte: if this test fails, the format changed and needs a
    /// new version (files written by the previous release must stay readable).
    #[test]
    fn format_version_1_snapshot() {
        let text = String::from_utf8(sample().encode()).unwrap();
        let expected = r#"{
  "format": 1,
  "device_id": 17,
  "client_id": "press-07-main",
  "connected": false,
  "disconnected_at": 1795700000000,
  "subscriptions": [
    {
      "filter": "v1/devices/me/attributes",
      "qos": 0
    },
    {
      "filter": "v1/devices/me/rpc/request/+",
      "qos": 1
    }
  ],
  "pending": [
    {
      "topic": "v1/devices/me/rpc/request/5",
      "payload": "{\"method\":\"setSpeed\",\"params\":{\"rpm\":900}}",
      "packet_id": 3,
      "retain": false,
      "expires_at": 1795700010000
    },
    {
      "topic": "v1/devices/me/attributes",
      "payload_bytes": [
        255,
        0
      ],
      "packet_id": 0,
      "retain": true
    }
  ]
}
"#;
        assert_eq!(text, expected);
        assert_eq!(SessionRecord::decode(text.as_bytes()), Ok(sample()));
        let restored = sample().restore();
        assert_eq!(restored.key, (17, "press-07-main".to_owned()));
        assert_eq!(restored.subscriptions.len(), 2);
        assert_eq!(restored.pending.len(), 2);
        assert_eq!(restored.pending[0].publish.pkid, 3);
        assert_eq!(&restored.pending[1].publish.payload[..], [0xff, 0]);
        assert_eq!(
            restored.disconnected_at,
            Some(Timestamp::from_millis(1_795_700_000_000))
        );
    }

    #[test]
    fn unknown_formats_and_foreign_topics_are_not_restored() {
        let text = String::from_utf8(sample().encode())
            .unwrap()
            .replace("\"format\": 1", "\"format\": 2");
        assert!(SessionRecord::decode(text.as_bytes()).is_err());
        let mut record = sample();
        record.subscriptions[0].filter = "v1/devices/+/attributes".into();
        record.pending[0].topic = "v1/devices/press-08/rpc/request/5".into();
        let restored = record.restore();
        assert_eq!(
            restored.subscriptions.keys().collect::<Vec<_>>(),
            [&Subscription::RpcRequests]
        );
        assert_eq!(restored.pending.len(), 1);
    }

    #[tokio::test]
    async fn files_are_replaced_whole_and_read_back() {
        let directory = tempfile::tempdir().unwrap();
        let (files, records) = SessionFiles::open(directory.path(), |_| true).unwrap();
        assert!(records.is_empty());
        let mut record = sample();
        files.save(record.clone());
        record.pending.clear();
        files.save(record.clone());
        let mut other = sample();
        other.device_id = 18;
        files.save(other.clone());
        files.flush().await.unwrap();
        std::fs::write(directory.path().join("18-9.json.tmp"), b"{ torn").unwrap();
        std::fs::write(directory.path().join("19-10.json"), b"{ damaged").unwrap();
        drop(files);
        let (files, mut records) = SessionFiles::open(directory.path(), |_| true).unwrap();
        records.sort_by_key(|r| r.device_id);
        assert_eq!(records, [record.clone(), other]);
        assert!(directory.path().join("19-10.unreadable").exists());
        assert!(!directory.path().join("18-9.json.tmp").exists());
        files.delete(record.key());
        files.flush().await.unwrap();
        drop(files);
        let (_files, records) = SessionFiles::open(directory.path(), |_| true).unwrap();
        assert_eq!(records.len(), 1);
    }
}
