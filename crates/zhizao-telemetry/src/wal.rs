//! The write-ahead log: a write is acknowledged only after it is on disk.
//!
//! Batches are appended to segment files `NNNNNNNNNNNNNNNNNNNN.wal` (the number is the sequence
//! of the segment's first batch) by one writer thread. Concurrent writers are committed
//! together: the thread takes every request waiting, writes them, calls `fdatasync` once, and
//! only then answers each of them (group commit), so throughput grows with concurrency while
//! every acknowledged batch is durable.
//!
//! On disk a segment is an 8-byte header (`ZZWAL` and the format version) followed by records
//! `[payload length: u32 LE][CRC-32 of payload: u32 LE][payload]`; the payload is a batch in the
//! versioned binary encoding of [`crate::wal_codec`]. Opening the log replays every record; a
//! torn or corrupt record at the end of the last segment (a crash mid-write, never acknowledged)
//! is detected by its length or checksum and cut off. Corruption anywhere else is an error:
//! acknowledged data must not be skipped silently.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use crate::Error;
use crate::wal_codec::{WalBatch, decode_batch, encode_batch};

/// Segment header: magic and format version.
const SEGMENT_HEADER: &[u8; 8] = b"ZZWAL\0\0\x01";
/// A new segment is started when the current one grows past this.
const DEFAULT_SEGMENT_BYTES: u64 = 64 * 1024 * 1024;
/// The largest record accepted when reading (guards against a garbage length).
const MAX_RECORD_BYTES: u32 = 256 * 1024 * 1024;

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::LogIo {
        path: path.to_owned(),
        source,
    }
}

/// What opening the log found.
#[derive(Debug)]
pub struct Replay {
    /// Every batch in the log, in sequence order.
    pub batches: Vec<WalBatch>,
    /// Bytes cut off a torn tail, if any.
    pub truncated_bytes: u64,
}

/// Where durable batches go: the writer thread calls it in sequence order, after a batch is on
/// disk and before its writer is answered, so that an acknowledged write is already visible.
pub trait WalSink: Send + Sync + 'static {
    /// A batch is durable.
    fn apply(&self, batch: &WalBatch);
    /// The log was rotated: every batch applied so far has a sequence ≤ `through`, every later
    /// one will be greater.
    fn rotated(&self, through: u64);
}

enum Request {
    /// The batch comes back with the answer, so that the writer's caller, not the log's single
    /// thread, pays for freeing it.
    Append(
        WalBatch,
        tokio::sync::oneshot::Sender<Result<(u64, WalBatch), String>>,
    ),
    Rotate(tokio::sync::oneshot::Sender<Result<u64, String>>),
}

/// A handle to the log; cheap to clone, safe to share.
#[derive(Debug, Clone)]
pub struct Wal {
    requests: mpsc::Sender<Request>,
    directory: PathBuf,
    /// Why the last write failed, until a write succeeds again.
    failure: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    /// Bytes on disk: the closed segments', and the segment being written's.
    sizes: std::sync::Arc<LogSizes>,
}

/// The log's size on disk, kept as segments grow, close and are removed.
#[derive(Debug, Default)]
struct LogSizes {
    closed: std::sync::atomic::AtomicU64,
    current: std::sync::atomic::AtomicU64,
}

impl LogSizes {
    fn total(&self) -> u64 {
        use std::sync::atomic::Ordering::Relaxed;
        self.closed.load(Relaxed) + self.current.load(Relaxed)
    }
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Request::Append(..) => "Append",
            Request::Rotate(_) => "Rotate",
        })
    }
}

fn segment_path(directory: &Path, first_sequence: u64) -> PathBuf {
    directory.join(format!("{first_sequence:020}.wal"))
}

/// The segments in `directory`, by first sequence.
fn segments(directory: &Path) -> Result<Vec<(u64, PathBuf)>, Error> {
    let mut found = Vec::new();
    for entry in fs::read_dir(directory).map_err(io_error(directory))? {
        let entry = entry.map_err(io_error(directory))?;
        let name = entry.file_name();
        let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".wal")) else {
            continue;
        };
        if let Ok(sequence) = stem.parse::<u64>() {
            found.push((sequence, entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

/// Reads one segment; returns its batches and the offset after the last good record.
fn read_segment(path: &Path, is_last: bool) -> Result<(Vec<WalBatch>, u64, u64), Error> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(io_error(path))?;
    let file_length = bytes.len() as u64;
    if bytes.len() < SEGMENT_HEADER.len() {
        // A segment created but never written to (crash right after rotation).
        return if is_last {
            Ok((Vec::new(), 0, file_length))
        } else {
            Err(Error::CorruptLog {
                path: path.to_owned(),
                offset: 0,
                reason: "missing header".into(),
            })
        };
    }
    if &bytes[..SEGMENT_HEADER.len()] != SEGMENT_HEADER {
        return Err(Error::CorruptLog {
            path: path.to_owned(),
            offset: 0,
            reason: "not a Zhizao WAL segment of a known version".into(),
        });
    }
    let mut offset = SEGMENT_HEADER.len();
    let mut batches = Vec::new();
    while offset < bytes.len() {
        let damaged = |reason: String| Error::CorruptLog {
            path: path.to_owned(),
            offset: offset as u64,
            reason,
        };
        let header = bytes.get(offset..offset + 8);
        let result = match header {
            None => Err("record header cut short".to_owned()),
            Some(header) => {
                let length = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
                let checksum = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
                let start = offset + 8;
                match bytes.get(start..start + length as usize) {
                    _ if length > MAX_RECORD_BYTES => {
                        Err(format!("record length {length} is implausible"))
                    }
                    None => Err("record payload cut short".to_owned()),
                    Some(payload) if crc32fast::hash(payload) != checksum => {
                        Err("checksum mismatch".to_owned())
                    }
                    Some(payload) => decode_batch(payload)
                        .map(|batch| (batch, start + length as usize))
                        .map_err(|e| e.to_string()),
                }
            }
        };
        match result {
            Ok((batch, next)) => {
                batches.push(batch);
                offset = next;
            }
            Err(reason) if is_last => {
                tracing_warn(path, offset as u64, &reason);
                return Ok((batches, offset as u64, file_length));
            }
            Err(reason) => return Err(damaged(reason)),
        }
    }
    Ok((batches, offset as u64, file_length))
}

fn tracing_warn(path: &Path, offset: u64, reason: &str) {
    tracing::warn!(path = %path.display(), offset, reason, "cutting off a torn write-ahead log tail (never acknowledged)");
}

impl Wal {
    /// Opens (or creates) the log in `directory`, replays it, cuts off a torn tail, and starts
    /// the writer thread. New batches continue the sequence after the last one found, or after
    /// `persisted_through` if that is larger (segments already persisted may have been removed).
    pub fn open(
        directory: &Path,
        persisted_through: u64,
        sink: std::sync::Arc<dyn WalSink>,
    ) -> Result<(Wal, Replay), Error> {
        Self::open_with_segment_size(directory, persisted_through, DEFAULT_SEGMENT_BYTES, sink)
    }

    /// [`Wal::open`] with a custom segment size (tests use small ones).
    pub fn open_with_segment_size(
        directory: &Path,
        persisted_through: u64,
        segment_bytes: u64,
        sink: std::sync::Arc<dyn WalSink>,
    ) -> Result<(Wal, Replay), Error> {
        fs::create_dir_all(directory).map_err(io_error(directory))?;
        let found = segments(directory)?;
        let mut batches = Vec::new();
        let mut truncated_bytes = 0;
        let mut tail: Option<(PathBuf, u64)> = None;
        for (index, (_, path)) in found.iter().enumerate() {
            let is_last = index + 1 == found.len();
            let (segment_batches, good_length, file_length) = read_segment(path, is_last)?;
            batches.extend(segment_batches);
            if is_last {
                truncated_bytes = file_length - good_length;
                tail = Some((path.clone(), good_length));
            }
        }
        let last_sequence = batches
            .last()
            .map_or(0, |b| b.sequence)
            .max(persisted_through);
        // Continue in the last segment (cut to its last good record) or start a new one.
        let (path, length) = match tail {
            Some((path, good_length)) if good_length >= SEGMENT_HEADER.len() as u64 => {
                (path, good_length)
            }
            Some((path, _)) => {
                fs::remove_file(&path).map_err(io_error(&path))?;
                (
                    create_segment(directory, last_sequence + 1)?,
                    SEGMENT_HEADER.len() as u64,
                )
            }
            None => (
                create_segment(directory, last_sequence + 1)?,
                SEGMENT_HEADER.len() as u64,
            ),
        };
        let file = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(io_error(&path))?;
        file.set_len(length).map_err(io_error(&path))?;
        file.sync_all().map_err(io_error(&path))?;
        let sizes = std::sync::Arc::new(LogSizes::default());
        let mut closed = 0;
        for (_, segment) in segments(directory)? {
            if segment != path {
                closed += fs::metadata(&segment).map_err(io_error(&segment))?.len();
            }
        }
        sizes
            .closed
            .store(closed, std::sync::atomic::Ordering::Relaxed);
        sizes
            .current
            .store(length, std::sync::atomic::Ordering::Relaxed);
        let failure = std::sync::Arc::new(std::sync::Mutex::new(None));
        let writer = Writer {
            directory: directory.to_owned(),
            file,
            path,
            length,
            next_sequence: last_sequence + 1,
            durable_length: length,
            durable_next: last_sequence + 1,
            broken: false,
            failure: std::sync::Arc::clone(&failure),
            sizes: std::sync::Arc::clone(&sizes),
            segment_bytes,
            sink,
        };
        let (requests, receiver) = mpsc::channel();
        std::thread::Builder::new()
            .name("zhizao-wal".into())
            .spawn(move || writer.run(receiver))
            .map_err(io_error(directory))?;
        Ok((
            Wal {
                requests,
                directory: directory.to_owned(),
                failure,
                sizes,
            },
            Replay {
                batches,
                truncated_bytes,
            },
        ))
    }

    /// Appends a batch (its `sequence` is assigned here) and returns its sequence once it is
    /// durable on disk.
    pub async fn append(&self, batch: WalBatch) -> Result<u64, Error> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.requests
            .send(Request::Append(batch, reply))
            .map_err(|_| Error::LogClosed)?;
        let (sequence, returned) =
            answer
                .await
                .map_err(|_| Error::LogClosed)?
                .map_err(|e| Error::LogIo {
                    path: self.directory.clone(),
                    source: io::Error::other(e),
                })?;
        drop(returned);
        Ok(sequence)
    }

    /// Starts a new segment; every batch appended afterwards is in it or later ones. Returns the
    /// sequence of the last batch before the rotation.
    pub async fn rotate(&self) -> Result<u64, Error> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.requests
            .send(Request::Rotate(reply))
            .map_err(|_| Error::LogClosed)?;
        answer
            .await
            .map_err(|_| Error::LogClosed)?
            .map_err(|e| Error::LogIo {
                path: self.directory.clone(),
                source: io::Error::other(e),
            })
    }

    /// Why the log refused its last write (a full disk, an I/O error), until a write succeeds
    /// again; `None` while it writes.
    pub fn failure(&self) -> Option<String> {
        self.failure
            .lock()
            .map(|failure| failure.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Deletes the segments all of whose batches have sequences ≤ `persisted_through` (the
    /// segment being written is never deleted).
    pub fn remove_persisted(&self, persisted_through: u64) -> Result<usize, Error> {
        let found = segments(&self.directory)?;
        let mut removed = 0;
        for window in found.windows(2) {
            let (_, path) = &window[0];
            let (next_first, _) = window[1];
            if next_first.saturating_sub(1) <= persisted_through {
                let bytes = fs::metadata(path).map_err(io_error(path))?.len();
                fs::remove_file(path).map_err(io_error(path))?;
                self.sizes
                    .closed
                    .fetch_sub(bytes, std::sync::atomic::Ordering::Relaxed);
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The log's bytes on disk: what is not yet in Parquet files (and, until the next
    /// removal, what just went there).
    pub fn bytes(&self) -> u64 {
        self.sizes.total()
    }
}

fn create_segment(directory: &Path, first_sequence: u64) -> Result<PathBuf, Error> {
    let path = segment_path(directory, first_sequence);
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .map_err(io_error(&path))?;
    file.write_all(SEGMENT_HEADER).map_err(io_error(&path))?;
    file.sync_all().map_err(io_error(&path))?;
    // Make the new file's directory entry durable too.
    File::open(directory)
        .and_then(|d| d.sync_all())
        .map_err(io_error(directory))?;
    Ok(path)
}

struct Writer {
    directory: PathBuf,
    file: File,
    path: PathBuf,
    length: u64,
    next_sequence: u64,
    /// The current segment's length and the next sequence as of the last successful sync:
    /// everything before is acknowledged (or about to be); after a failure the segment is cut
    /// back to it, exactly as reopening the log would cut a torn tail.
    durable_length: u64,
    durable_next: u64,
    /// Cutting back failed too: try again before the next write.
    broken: bool,
    failure: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    sizes: std::sync::Arc<LogSizes>,
    segment_bytes: u64,
    sink: std::sync::Arc<dyn WalSink>,
}

/// Requests taken into one group commit at most.
const MAX_GROUP: usize = 1024;

impl Writer {
    fn run(mut self, receiver: mpsc::Receiver<Request>) {
        while let Ok(first) = receiver.recv() {
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match receiver.try_recv() {
                    Ok(request) => group.push(request),
                    Err(_) => break,
                }
            }
            if self.broken {
                if let Err(error) = self.recover() {
                    let message = error.to_string();
                    for request in group {
                        refuse(request, &message);
                    }
                    continue;
                }
                self.broken = false;
            }
            let mut appended = Vec::new();
            let mut failure = None;
            let mut requests = group.into_iter();
            for request in requests.by_ref() {
                match request {
                    Request::Append(mut batch, reply) => match self.write_record(&mut batch) {
                        Ok(_) => appended.push((batch, reply)),
                        Err(error) => {
                            let _ = reply.send(Err(error.to_string()));
                            failure = Some(error);
                            break;
                        }
                    },
                    Request::Rotate(reply) => {
                        // Everything before the rotation must be durable before the new segment starts.
                        let result = self.sync().and_then(|()| {
                            for (batch, reply) in appended.drain(..) {
                                self.sink.apply(&batch);
                                let _ = reply.send(Ok((batch.sequence, batch)));
                            }
                            self.sink.rotated(self.next_sequence - 1);
                            self.start_segment()
                        });
                        match result {
                            Ok(()) => {
                                let _ = reply.send(Ok(self.next_sequence - 1));
                            }
                            Err(error) => {
                                let _ = reply.send(Err(error.to_string()));
                                failure = Some(error);
                                break;
                            }
                        }
                    }
                }
            }
            let result = match failure {
                Some(error) => Err(error),
                None => self.sync(),
            };
            match result {
                Ok(()) => {
                    // Cleared before anyone hears of the write, so that a writer who sees it
                    // succeed never finds the log still reporting the failure.
                    self.set_failure(None);
                    for (batch, reply) in appended {
                        self.sink.apply(&batch);
                        let _ = reply.send(Ok((batch.sequence, batch)));
                    }
                }
                Err(error) => {
                    let message = error.to_string();
                    for (_, reply) in appended {
                        let _ = reply.send(Err(message.clone()));
                    }
                    for request in requests {
                        refuse(request, &message);
                    }
                    tracing::error!(error = %message, "write-ahead log write failed; cutting the log back to its last durable record");
                    self.set_failure(Some(message));
                    if let Err(error) = self.recover() {
                        tracing::error!(%error, "write-ahead log could not be cut back; trying again before the next write");
                        self.broken = true;
                    }
                }
            }
        }
    }

    /// Cuts the segment being written back to its last durable record and continues from it,
    /// as reopening the log would: what was written since was never acknowledged.
    fn recover(&mut self) -> Result<(), Error> {
        let file = OpenOptions::new()
            .write(true)
            .open(&self.path)
            .map_err(io_error(&self.path))?;
        file.set_len(self.durable_length)
            .map_err(io_error(&self.path))?;
        file.sync_all().map_err(io_error(&self.path))?;
        self.file = file;
        self.length = self.durable_length;
        self.next_sequence = self.durable_next;
        self.sizes
            .current
            .store(self.length, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    fn set_failure(&self, message: Option<String>) {
        match self.failure.lock() {
            Ok(mut failure) => *failure = message,
            Err(poisoned) => *poisoned.into_inner() = message,
        }
    }

    fn write_record(&mut self, batch: &mut WalBatch) -> Result<u64, Error> {
        if self.length >= self.segment_bytes {
            self.sync()?;
            self.start_segment()?;
        }
        let sequence = self.next_sequence;
        batch.sequence = sequence;
        let payload = encode_batch(batch);
        let mut record = Vec::with_capacity(payload.len() + 8);
        record.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        record.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        record.extend_from_slice(&payload);
        self.file
            .seek(SeekFrom::Start(self.length))
            .map_err(io_error(&self.path))?;
        self.file.write_all(&record).map_err(io_error(&self.path))?;
        self.length += record.len() as u64;
        self.next_sequence += 1;
        Ok(sequence)
    }

    fn sync(&mut self) -> Result<(), Error> {
        self.file.sync_data().map_err(io_error(&self.path))?;
        self.durable_length = self.length;
        self.durable_next = self.next_sequence;
        self.sizes
            .current
            .store(self.length, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    fn start_segment(&mut self) -> Result<(), Error> {
        let path = create_segment(&self.directory, self.next_sequence)?;
        self.sizes
            .closed
            .fetch_add(self.length, std::sync::atomic::Ordering::Relaxed);
        self.file = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(io_error(&path))?;
        self.path = path;
        self.length = SEGMENT_HEADER.len() as u64;
        self.durable_length = self.length;
        self.sizes
            .current
            .store(self.length, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
}

/// Answers `request` with the log's failure.
fn refuse(request: Request, message: &str) {
    match request {
        Request::Append(_, reply) => {
            let _ = reply.send(Err(message.to_owned()));
        }
        Request::Rotate(reply) => {
            let _ = reply.send(Err(message.to_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::{FieldValue, Point};

    /// Records what the writer hands on.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl WalSink for Recorder {
        fn apply(&self, batch: &WalBatch) {
            self.0
                .lock()
                .unwrap()
                .push(format!("apply {}", batch.sequence));
        }
        fn rotated(&self, through: u64) {
            self.0.lock().unwrap().push(format!("rotated {through}"));
        }
    }

    fn sink() -> Arc<Recorder> {
        Arc::new(Recorder::default())
    }

    fn batch(n: i64) -> WalBatch {
        WalBatch {
            sequence: 0,
            tenant: 7,
            database: "factory".into(),
            points: vec![Point {
                measurement: "machine_telemetry".into(),
                tags: vec![
                    ("device".into(), format!("press-{n:02}")),
                    ("town".into(), "小榄".into()),
                ],
                fields: vec![
                    ("temperature".into(), FieldValue::Float(20.5 + n as f64)),
                    ("count".into(), FieldValue::Integer(n)),
                ],
                time_ns: 1_700_000_000_000_000_000 + n,
            }],
        }
    }

    #[tokio::test]
    async fn acknowledged_batches_come_back_in_order_after_reopening() {
        let directory = tempfile::tempdir().unwrap();
        let (wal, replay) = Wal::open_with_segment_size(directory.path(), 0, 300, sink()).unwrap();
        assert!(replay.batches.is_empty());
        let mut handles = Vec::new();
        for n in 0..40 {
            let wal = wal.clone();
            handles.push(tokio::spawn(
                async move { wal.append(batch(n)).await.unwrap() },
            ));
        }
        let mut sequences = Vec::new();
        for handle in handles {
            sequences.push(handle.await.unwrap());
        }
        sequences.sort();
        assert_eq!(sequences, (1..=40).collect::<Vec<_>>());
        drop(wal);
        let segments = segments(directory.path()).unwrap();
        assert!(
            segments.len() > 3,
            "small segments rotate: {}",
            segments.len()
        );
        let (wal, replay) = Wal::open_with_segment_size(directory.path(), 0, 300, sink()).unwrap();
        assert_eq!(
            replay
                .batches
                .iter()
                .map(|b| b.sequence)
                .collect::<Vec<_>>(),
            (1..=40).collect::<Vec<_>>()
        );
        assert_eq!(replay.truncated_bytes, 0);
        assert_eq!(
            wal.append(batch(99)).await.unwrap(),
            41,
            "the sequence continues"
        );
    }

    #[tokio::test]
    async fn a_torn_tail_is_cut_off_and_writing_continues() {
        let directory = tempfile::tempdir().unwrap();
        let (wal, _) = Wal::open(directory.path(), 0, sink()).unwrap();
        for n in 0..3 {
            wal.append(batch(n)).await.unwrap();
        }
        drop(wal);
        let (_, path) = segments(directory.path()).unwrap().pop().unwrap();
        let full = fs::metadata(&path).unwrap().len();
        // A crash in the middle of the fourth record: half a record at the end.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&[40, 0, 0, 0, 1, 2, 3, 4, 9, 9]).unwrap();
        drop(file);
        let (wal, replay) = Wal::open(directory.path(), 0, sink()).unwrap();
        assert_eq!(replay.batches.len(), 3);
        assert_eq!(replay.truncated_bytes, 10);
        assert_eq!(fs::metadata(&path).unwrap().len(), full);
        assert_eq!(wal.append(batch(3)).await.unwrap(), 4);
        drop(wal);
        let (_, replay) = Wal::open(directory.path(), 0, sink()).unwrap();
        assert_eq!(replay.batches.len(), 4);
        assert_eq!(replay.batches[3].points[0].tags[0].1, "press-03");
    }

    #[tokio::test]
    async fn corruption_before_the_end_is_an_error_not_a_silent_loss() {
        let directory = tempfile::tempdir().unwrap();
        let (wal, _) = Wal::open_with_segment_size(directory.path(), 0, 200, sink()).unwrap();
        for n in 0..10 {
            wal.append(batch(n)).await.unwrap();
        }
        drop(wal);
        let (_, first) = segments(directory.path()).unwrap().remove(0);
        let mut bytes = fs::read(&first).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xFF;
        fs::write(&first, bytes).unwrap();
        let error = Wal::open_with_segment_size(directory.path(), 0, 200, sink()).unwrap_err();
        assert!(matches!(error, Error::CorruptLog { .. }), "{error}");
    }

    #[tokio::test]
    async fn persisted_segments_are_removed() {
        let directory = tempfile::tempdir().unwrap();
        let recorder = sink();
        let (wal, _) = Wal::open(
            directory.path(),
            0,
            Arc::clone(&recorder) as Arc<dyn WalSink>,
        )
        .unwrap();
        for n in 0..3 {
            wal.append(batch(n)).await.unwrap();
        }
        assert_eq!(wal.rotate().await.unwrap(), 3);
        wal.append(batch(3)).await.unwrap();
        assert_eq!(wal.remove_persisted(3).unwrap(), 1);
        assert_eq!(
            *recorder.0.lock().unwrap(),
            ["apply 1", "apply 2", "apply 3", "rotated 3", "apply 4"]
        );
        drop(wal);
        let (wal, replay) = Wal::open(directory.path(), 3, sink()).unwrap();
        assert_eq!(
            replay
                .batches
                .iter()
                .map(|b| b.sequence)
                .collect::<Vec<_>>(),
            [4]
        );
        assert_eq!(wal.append(batch(4)).await.unwrap(), 5);
    }

    /// The size the log reports is the size of its files, as segments grow, close, are
    /// removed and the log is reopened.
    #[tokio::test]
    async fn the_log_knows_its_size_on_disk() {
        let directory = tempfile::tempdir().unwrap();
        let on_disk = || -> u64 {
            segments(directory.path())
                .unwrap()
                .iter()
                .map(|(_, path)| fs::metadata(path).unwrap().len())
                .sum()
        };
        let (wal, _) = Wal::open_with_segment_size(directory.path(), 0, 300, sink()).unwrap();
        assert_eq!(wal.bytes(), on_disk());
        for n in 0..12 {
            wal.append(batch(n)).await.unwrap();
            assert_eq!(wal.bytes(), on_disk(), "after batch {n}");
        }
        assert!(segments(directory.path()).unwrap().len() > 2);
        let through = wal.rotate().await.unwrap();
        assert_eq!(wal.bytes(), on_disk());
        wal.remove_persisted(through).unwrap();
        assert_eq!(wal.bytes(), on_disk());
        wal.append(batch(12)).await.unwrap();
        let size = wal.bytes();
        drop(wal);
        let (wal, _) = Wal::open_with_segment_size(directory.path(), through, 300, sink()).unwrap();
        assert_eq!(wal.bytes(), size);
        assert_eq!(wal.bytes(), on_disk());
    }

    #[tokio::test]
    async fn an_empty_log_continues_after_the_persisted_sequence() {
        let directory = tempfile::tempdir().unwrap();
        let (wal, _) = Wal::open(directory.path(), 41, sink()).unwrap();
        assert_eq!(wal.append(batch(0)).await.unwrap(), 42);
    }

    /// A small tmpfs mounted for one test and unmounted after it.
    struct SmallDisk(tempfile::TempDir);

    impl SmallDisk {
        /// A `kilobytes` tmpfs, or `None` where this process may not mount one (not root); a
        /// CI run must be able to.
        fn mount(kilobytes: u32) -> Option<SmallDisk> {
            let directory = tempfile::tempdir().unwrap();
            let mounted = std::process::Command::new("mount")
                .args(["-t", "tmpfs", "-o", &format!("size={kilobytes}k"), "tmpfs"])
                .arg(directory.path())
                .status()
                .is_ok_and(|status| status.success());
            if !mounted {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "CI runs as root and must fill a real tmpfs"
                );
                eprintln!("cannot mount a tmpfs here; the full-disk test is skipped");
                return None;
            }
            Some(SmallDisk(directory))
        }

        fn path(&self) -> &Path {
            self.0.path()
        }
    }

    impl Drop for SmallDisk {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount")
                .arg(self.0.path())
                .status();
        }
    }

    #[tokio::test]
    async fn a_full_disk_refuses_writes_until_space_returns_and_loses_nothing_acknowledged() {
        let Some(disk) = SmallDisk::mount(256) else {
            return;
        };
        let directory = disk.path().join("wal");
        let (wal, _) = Wal::open_with_segment_size(&directory, 0, 64 * 1024, sink()).unwrap();
        assert_eq!(wal.failure(), None);
        // Fill the disk, then write until the log can grow no more.
        let filler = disk.path().join("filler");
        {
            let mut file = File::create(&filler).unwrap();
            let chunk = vec![7u8; 4096];
            while file
                .write_all(&chunk)
                .and_then(|()| file.sync_all())
                .is_ok()
            {}
        }
        let mut acknowledged = Vec::new();
        let mut refused = 0;
        for n in 0..2000 {
            match wal.append(batch(n)).await {
                Ok(sequence) => acknowledged.push((sequence, n)),
                Err(error) => {
                    refused += 1;
                    assert!(error.to_string().contains("No space"), "{error}");
                    if refused == 3 {
                        break;
                    }
                }
            }
        }
        assert_eq!(refused, 3, "the disk filled");
        let failure = wal.failure().expect("the failure is reported");
        assert!(failure.contains("No space"), "{failure}");
        // Space returns: the next write goes through, continuing the sequence, and the
        // failure is cleared without a restart.
        fs::remove_file(&filler).unwrap();
        let next = wal.append(batch(9_999)).await.unwrap();
        assert_eq!(next, acknowledged.last().map_or(1, |(s, _)| s + 1));
        acknowledged.push((next, 9_999));
        assert_eq!(wal.failure(), None);
        drop(wal);
        // Reopened, the log holds exactly what was acknowledged, in order.
        let (_, replay) = Wal::open_with_segment_size(&directory, 0, 64 * 1024, sink()).unwrap();
        let found: Vec<(u64, i64)> = replay
            .batches
            .iter()
            .map(|b| {
                let count = b.points[0]
                    .fields
                    .iter()
                    .find_map(|(name, value)| match (name.as_str(), value) {
                        ("count", FieldValue::Integer(n)) => Some(*n),
                        _ => None,
                    })
                    .unwrap();
                (b.sequence, count)
            })
            .collect();
        assert_eq!(found, acknowledged);
    }
}
