//! The audit log: one JSON line per delegation, apart from the diagnostic log.
//!
//! A writer thread takes records from a bounded queue, appends a batch of them, and syncs
//! the file once per batch (group commit). A delegation that issued credentials waits for
//! its record to be on disk before the credentials are sent, so every credential handed
//! out is in the log; when the record cannot be written the credentials are withheld.
//! Refusals are queued without waiting.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::Metrics;

/// Records that may wait for the writer; more make requests wait to queue theirs.
const QUEUE: usize = 4096;
/// Most records written before one sync.
const BATCH: usize = 256;

/// Where audit records go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditTarget {
    /// Standard output, one line per record (for log collectors); not synced.
    Stdout,
    /// A file, appended to (created with mode 0600) and synced per batch.
    File(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot open the audit log {path}: {source}")]
    Open {
        path: String,
        source: std::io::Error,
    },
    #[error("the audit log could not be written: {0}")]
    Write(String),
    #[error("the audit writer has stopped")]
    Stopped,
}

struct Entry {
    line: String,
    done: Option<oneshot::Sender<Result<(), String>>>,
}

/// A running audit log.
pub struct AuditSink {
    target: AuditTarget,
    queue: mpsc::Sender<Entry>,
}

impl std::fmt::Debug for AuditSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditSink")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl AuditSink {
    /// Opens the target (so a bad path fails at start, naming it) and starts the writer,
    /// which counts records it could not write in `metrics`.
    pub fn open(target: AuditTarget, metrics: Arc<Metrics>) -> Result<Arc<Self>, AuditError> {
        let out: Box<dyn Output> = match &target {
            AuditTarget::Stdout => Box::new(StdoutOutput),
            AuditTarget::File(path) => {
                let mut options = OpenOptions::new();
                options.append(true).create(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let open_error = |source| AuditError::Open {
                    path: path.display().to_string(),
                    source,
                };
                let mut file = options.open(path).map_err(open_error)?;
                if terminate_torn_tail(path, &mut file).map_err(open_error)? {
                    tracing::warn!(
                        path = %path.display(),
                        "the audit log ended in a partial record (the last process stopped mid-write); it was closed with a newline"
                    );
                }
                Box::new(FileOutput {
                    file,
                    path: path.clone(),
                    after_failure: false,
                })
            }
        };
        let (queue, received) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("audit-writer".to_owned())
            // Records hold user data: a panic's message would too, so it is not logged.
            .spawn(move || {
                crate::telemetry::redacting_panics(|| write_loop(received, out, &metrics))
            })
            .map_err(|e| AuditError::Write(format!("cannot start the writer: {e}")))?;
        Ok(Arc::new(Self { target, queue }))
    }

    pub fn target(&self) -> &AuditTarget {
        &self.target
    }

    /// Queues one record; with `wait`, returns only once it is written (and synced).
    pub async fn record(&self, line: String, wait: bool) -> Result<(), AuditError> {
        let (done, written) = if wait {
            let (tx, rx) = oneshot::channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        self.queue
            .send(Entry { line, done })
            .await
            .map_err(|_| AuditError::Stopped)?;
        match written {
            None => Ok(()),
            Some(rx) => match rx.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(AuditError::Write(e)),
                Err(_) => Err(AuditError::Stopped),
            },
        }
    }
}

/// Ends the file with a newline when it does not already end with one, so that a record
/// cut off mid-write (a process killed, a disk that filled up) stays a line of its own (an
/// unparsable one) and the next record starts a line. The last byte is read through a
/// read-only handle of its own; a file this process may append to but not read is left as
/// it is. Returns whether a newline was added.
fn terminate_torn_tail(path: &Path, append: &mut std::fs::File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let mut reader = match std::fs::File::open(path) {
        Ok(reader) => reader,
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => return Ok(false),
        Err(e) => return Err(e),
    };
    let len = reader.metadata()?.len();
    if len == 0 {
        return Ok(false);
    }
    let mut last = [0u8; 1];
    reader.seek(SeekFrom::Start(len - 1))?;
    reader.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(false);
    }
    append.write_all(b"\n")?;
    append.sync_data()?;
    Ok(true)
}

/// Where the writer puts a batch.
trait Output: Send {
    fn write_batch(&mut self, bytes: &[u8]) -> std::io::Result<()>;
}

struct FileOutput {
    file: std::fs::File,
    path: PathBuf,
    /// The last batch failed, possibly part-way: the next one starts on a line of its own.
    after_failure: bool,
}

impl Output for FileOutput {
    fn write_batch(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.after_failure {
            terminate_torn_tail(&self.path, &mut self.file)?;
        }
        let written = self
            .file
            .write_all(bytes)
            .and_then(|()| self.file.sync_data());
        self.after_failure = written.is_err();
        written
    }
}

struct StdoutOutput;

impl Output for StdoutOutput {
    fn write_batch(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()
    }
}

/// Runs until every sender is gone (the sink was dropped, e.g. replaced by a reload).
fn write_loop(mut received: mpsc::Receiver<Entry>, mut out: Box<dyn Output>, metrics: &Metrics) {
    let mut buffer = Vec::with_capacity(64 * 1024);
    while let Some(first) = received.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match received.try_recv() {
                Ok(entry) => batch.push(entry),
                Err(_) => break,
            }
        }
        buffer.clear();
        for entry in &batch {
            buffer.extend_from_slice(entry.line.as_bytes());
            buffer.push(b'\n');
        }
        let result = out.write_batch(&buffer).map_err(|e| e.to_string());
        if let Err(error) = &result {
            tracing::error!(%error, records = batch.len(), "audit records could not be written");
            for _ in 0..batch.len() {
                metrics.audit_failed();
            }
        }
        for entry in batch {
            if let Some(done) = entry.done {
                let _ = done.send(result.clone());
            }
        }
    }
}
