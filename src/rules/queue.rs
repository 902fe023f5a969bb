//! Requests waiting for a worker: a bounded FIFO where each new job wakes one idle worker.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Instant;

use serde_json::{Map, Value};
use tokio::sync::oneshot;

use super::{RuleFailure, RulesOutput};

/// What a request gets back.
pub(crate) type Reply = Result<RulesOutput, RuleFailure>;

/// A request's link between the caller, the worker running it and the watchdog: whoever
/// answers first (the worker, or the watchdog when the worker is stuck) is heard.
pub(crate) struct Ticket {
    reply: Mutex<Option<oneshot::Sender<Reply>>>,
    /// Index of the rule running now; `usize::MAX` before the first.
    pub(crate) rule: AtomicUsize,
    /// When a worker started running the request.
    started: OnceLock<Instant>,
}

impl Ticket {
    pub(crate) fn new(reply: oneshot::Sender<Reply>) -> Self {
        Self {
            reply: Mutex::new(Some(reply)),
            rule: AtomicUsize::new(usize::MAX),
            started: OnceLock::new(),
        }
    }

    /// Sends the answer unless someone already did; returns whether this one was sent.
    pub(crate) fn answer(&self, result: Reply) -> bool {
        let sender = self
            .reply
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        sender.is_some_and(|s| s.send(result).is_ok())
    }

    /// Whether nobody waits for the answer any more (answered, or the caller gave up).
    pub(crate) fn is_closed(&self) -> bool {
        let reply = self.reply.lock().unwrap_or_else(PoisonError::into_inner);
        reply.as_ref().is_none_or(oneshot::Sender::is_closed)
    }

    pub(crate) fn mark_started(&self, at: Instant) {
        let _ = self.started.set(at);
    }

    pub(crate) fn started(&self) -> Option<Instant> {
        self.started.get().copied()
    }

    /// The index of the rule running now, if one started.
    pub(crate) fn rule(&self) -> Option<usize> {
        Some(self.rule.load(Ordering::Relaxed)).filter(|&i| i != usize::MAX)
    }
}

/// One request waiting for a worker.
pub(crate) struct Job {
    pub(crate) user: Map<String, Value>,
    pub(crate) context: Map<String, Value>,
    /// Record what each rule changed (for explaining a decision).
    pub(crate) trace: bool,
    pub(crate) ticket: Arc<Ticket>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").finish_non_exhaustive()
    }
}

#[derive(Debug)]
pub(crate) struct Queue {
    state: Mutex<QueueState>,
    available: Condvar,
    capacity: usize,
}

#[derive(Debug)]
struct QueueState {
    jobs: VecDeque<Job>,
    closed: bool,
}

impl Queue {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            state: Mutex::new(QueueState {
                jobs: VecDeque::with_capacity(capacity),
                closed: false,
            }),
            available: Condvar::new(),
            capacity,
        }
    }

    /// Adds a job, or gives it back when the queue is full or closed.
    pub(crate) fn push(&self, job: Job) -> Result<(), Job> {
        let mut state = self.lock();
        if state.closed || state.jobs.len() >= self.capacity {
            return Err(job);
        }
        state.jobs.push_back(job);
        drop(state);
        self.available.notify_one();
        Ok(())
    }

    /// Stops the workers; jobs still waiting are dropped (their callers see `Busy`).
    pub(crate) fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        state.jobs.clear();
        drop(state);
        self.available.notify_all();
    }

    /// Waits for the next job; `None` once the queue is closed.
    pub(crate) fn pop(&self) -> Option<Job> {
        let mut state = self.lock();
        loop {
            if state.closed {
                return None;
            }
            if let Some(job) = state.jobs.pop_front() {
                return Some(job);
            }
            state = self
                .available
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn lock(&self) -> MutexGuard<'_, QueueState> {
        // Nothing panics while holding this lock; recover rather than propagate anyway.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
