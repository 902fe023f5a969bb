//! The worker threads: each owns a [`Sandbox`] and takes requests from one bounded queue.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;

use serde_json::{Map, Value};
use tokio::sync::oneshot;

use super::sandbox::{Sandbox, SandboxSettings};
use super::{RuleFailure, RuleSource, RulesError, RulesOutput, TRACING_TARGET};

/// Stack of a worker thread: room for QuickJS's own 1 MiB limit and the host frames.
const WORKER_STACK_BYTES: usize = 4 * 1024 * 1024;

/// One request waiting for a worker.
pub(crate) struct Job {
    pub(crate) user: Map<String, Value>,
    pub(crate) context: Map<String, Value>,
    pub(crate) reply: oneshot::Sender<Result<RulesOutput, RuleFailure>>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").finish_non_exhaustive()
    }
}

/// Requests waiting for a worker: a bounded FIFO where each new job wakes one idle worker.
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
    fn pop(&self) -> Option<Job> {
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

/// What every worker shares.
struct Shared {
    rules: Vec<RuleSource>,
    settings: SandboxSettings,
    queue: Arc<Queue>,
}

/// Starts `workers` threads and waits until each has compiled the rules. The queue holds
/// `capacity` waiting requests; closing it stops the workers.
pub(crate) fn start(
    rules: Vec<RuleSource>,
    settings: SandboxSettings,
    workers: usize,
    capacity: usize,
) -> Result<Arc<Queue>, RulesError> {
    let queue = Arc::new(Queue {
        state: Mutex::new(QueueState {
            jobs: VecDeque::with_capacity(capacity),
            closed: false,
        }),
        available: Condvar::new(),
        capacity,
    });
    let shared = Arc::new(Shared {
        rules,
        settings,
        queue: Arc::clone(&queue),
    });
    let (ready_tx, ready_rx) = mpsc::channel();
    for id in 0..workers {
        let shared = Arc::clone(&shared);
        let ready = ready_tx.clone();
        let spawned = thread::Builder::new()
            .name(format!("rules-{id}"))
            .stack_size(WORKER_STACK_BYTES)
            .spawn(move || work(&shared, &ready));
        if let Err(e) = spawned {
            queue.close();
            return Err(RulesError::Engine(format!(
                "cannot start a rules worker: {e}"
            )));
        }
    }
    drop(ready_tx);
    for _ in 0..workers {
        let failure = match ready_rx.recv() {
            Ok(Ok(())) => continue,
            Ok(Err(error)) => error,
            Err(_) => RulesError::Engine("a rules worker stopped while starting".to_owned()),
        };
        queue.close();
        return Err(failure);
    }
    Ok(queue)
}

/// A worker's life: compile, report, then serve requests until the engine is dropped.
fn work(shared: &Shared, ready: &mpsc::Sender<Result<(), RulesError>>) {
    let mut sandbox = match Sandbox::new(&shared.rules, &shared.settings) {
        Ok(sandbox) => Some(sandbox),
        Err(error) => {
            let _ = ready.send(Err(error));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    while let Some(job) = shared.queue.pop() {
        if job.reply.is_closed() {
            continue; // the caller gave up while waiting
        }
        if sandbox.is_none() {
            sandbox = rebuild(shared);
        }
        let Some(current) = sandbox.as_mut() else {
            let _ = job.reply.send(Err(RuleFailure::Busy));
            continue;
        };
        let healthy = match catch_unwind(AssertUnwindSafe(|| current.run(&job.user, &job.context)))
        {
            Ok(result) => {
                let _ = job.reply.send(result);
                current.tidy()
            }
            Err(_) => {
                tracing::error!(target: TRACING_TARGET, "the rules engine panicked; rebuilding the worker");
                let reason = "internal error in the rules engine".to_owned();
                let _ = job.reply.send(Err(RuleFailure::Failed {
                    rule: String::new(),
                    reason,
                }));
                false
            }
        };
        if !healthy {
            // A failed rule may leave the runtime dirty (interrupted, out of memory, stray
            // jobs): start afresh before the next request.
            drop(sandbox.take());
            sandbox = rebuild(shared);
        }
    }
}

fn rebuild(shared: &Shared) -> Option<Sandbox> {
    Sandbox::new(&shared.rules, &shared.settings)
        .inspect_err(|error| {
            tracing::error!(target: TRACING_TARGET, %error, "cannot rebuild a rules worker");
        })
        .ok()
}
