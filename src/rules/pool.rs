//! The worker threads, each owning a [`Sandbox`] and taking requests from one bounded
//! queue, and the watchdog that replaces a worker stuck past its time limit.
//!
//! A few QuickJS built-ins loop in C without checking the interrupt handler, so a rule
//! can in principle hold its worker far past the rule timeout. Such a thread cannot be
//! killed: the watchdog answers its request, abandons it (it exits whenever it finishes)
//! and starts a replacement, so the pool keeps its capacity.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::telemetry::redacting_panics;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use super::queue::{Job, Queue, Ticket};
use super::sandbox::{Sandbox, SandboxSettings};
use super::{RuleFailure, RuleSource, RulesError, TRACING_TARGET};

/// Stack of a worker thread: room for QuickJS's own 1 MiB limit and the host frames.
const WORKER_STACK_BYTES: usize = 4 * 1024 * 1024;
/// Added to a worker's time limit before the watchdog gives up on it.
const GRACE: Duration = Duration::from_secs(1);
/// The reason given for a request whose worker the watchdog abandoned.
pub(crate) const STUCK: &str = "did not stop at its time limit; the worker was replaced";

/// The workers and what they share.
pub(crate) struct Pool {
    shared: Arc<Shared>,
    /// The live (not abandoned) workers.
    slots: Mutex<Vec<Arc<Slot>>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").finish_non_exhaustive()
    }
}

struct Shared {
    rules: Vec<RuleSource>,
    settings: SandboxSettings,
    queue: Queue,
    /// How long one step of a worker (a request, tidying, a rebuild) may take.
    limit: Duration,
    /// Abandoned workers whose thread is still running.
    abandoned: AtomicUsize,
    next_id: AtomicUsize,
}

/// What the watchdog knows about one worker.
struct Slot {
    id: usize,
    state: Mutex<SlotState>,
}

#[derive(Default)]
struct SlotState {
    /// When the current step must be over; `None` while the worker waits for a job.
    deadline: Option<Instant>,
    /// The request being run, until it is answered.
    ticket: Option<Arc<Ticket>>,
    abandoned: bool,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a step, which the watchdog allows `limit`; `false` if the worker is abandoned.
    fn enter(&self, limit: Duration, ticket: Option<&Arc<Ticket>>) -> bool {
        let now = Instant::now();
        let mut state = self.lock();
        state.deadline = Some(now + limit);
        if let Some(ticket) = ticket {
            ticket.mark_started(now);
        }
        state.ticket = ticket.cloned();
        !state.abandoned
    }

    /// Back to waiting for a job; `false` if the worker is abandoned and must exit.
    fn leave(&self) -> bool {
        let mut state = self.lock();
        state.deadline = None;
        state.ticket = None;
        !state.abandoned
    }
}

impl Pool {
    /// Starts `workers` threads and waits until each has compiled the rules. The queue
    /// holds `capacity` waiting requests.
    pub(crate) fn start(
        rules: Vec<RuleSource>,
        settings: SandboxSettings,
        workers: usize,
        capacity: usize,
    ) -> Result<Self, RulesError> {
        // Loading the request and reading it back are each allowed the rule timeout too.
        let steps = u32::try_from(rules.len().saturating_add(2)).unwrap_or(u32::MAX);
        let limit = settings.timeout.saturating_mul(steps).saturating_add(GRACE);
        let shared = Arc::new(Shared {
            rules,
            settings,
            queue: Queue::new(capacity),
            limit,
            abandoned: AtomicUsize::new(0),
            next_id: AtomicUsize::new(0),
        });
        let (ready_tx, ready_rx) = mpsc::channel();
        let mut slots = Vec::with_capacity(workers);
        for _ in 0..workers {
            match spawn(&shared, Some(ready_tx.clone())) {
                Ok(slot) => slots.push(slot),
                Err(error) => {
                    shared.queue.close();
                    return Err(error);
                }
            }
        }
        drop(ready_tx);
        for _ in 0..workers {
            let failure = match ready_rx.recv() {
                Ok(Ok(())) => continue,
                Ok(Err(error)) => error,
                Err(_) => RulesError::Engine("a rules worker stopped while starting".to_owned()),
            };
            shared.queue.close();
            return Err(failure);
        }
        Ok(Self {
            shared,
            slots: Mutex::new(slots),
        })
    }

    /// Queues a request, or gives it back when the queue is full or closed.
    pub(crate) fn push(&self, job: Job) -> Result<(), Job> {
        self.shared.queue.push(job)
    }

    /// Stops the workers (each finishes the request it is running first).
    pub(crate) fn close(&self) {
        self.shared.queue.close();
    }

    /// How long a worker may run one request before the watchdog abandons it.
    pub(crate) fn limit(&self) -> Duration {
        self.shared.limit
    }

    /// Abandoned workers whose thread is still running.
    pub(crate) fn abandoned(&self) -> usize {
        self.shared.abandoned.load(Ordering::Relaxed)
    }

    /// Abandons every worker past its deadline: answers its request, starts a replacement.
    pub(crate) fn watchdog(&self) {
        // Another caller checking right now does the same work.
        let Ok(mut slots) = self.slots.try_lock() else {
            return;
        };
        let now = Instant::now();
        for slot in slots.iter_mut() {
            let ticket = {
                let mut state = slot.lock();
                if state.abandoned || state.deadline.is_none_or(|d| d > now) {
                    continue;
                }
                state.abandoned = true;
                // Counted under the lock: the worker cannot see itself abandoned before.
                self.shared.abandoned.fetch_add(1, Ordering::Relaxed);
                state.ticket.take()
            };
            let rule = ticket
                .as_ref()
                .and_then(|t| t.rule())
                .and_then(|i| self.shared.rules.get(i))
                .map_or("rules", |r| r.name.as_str());
            tracing::error!(target: TRACING_TARGET, worker = slot.id, rule, "a rules worker did not stop at its time limit; abandoning it and starting another");
            if let Some(ticket) = ticket {
                let reason = STUCK.to_owned();
                let rule = rule.to_owned();
                ticket.answer(Err(RuleFailure::Failed { rule, reason }));
            }
            match spawn(&self.shared, None) {
                Ok(replacement) => *slot = replacement,
                Err(error) => {
                    tracing::error!(target: TRACING_TARGET, %error, "cannot replace a rules worker");
                }
            }
        }
    }
}

/// Starts one worker thread; it reports on `ready` once it compiled the rules.
fn spawn(
    shared: &Arc<Shared>,
    ready: Option<mpsc::Sender<Result<(), RulesError>>>,
) -> Result<Arc<Slot>, RulesError> {
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let slot = Arc::new(Slot {
        id,
        state: Mutex::default(),
    });
    let (thread_shared, thread_slot) = (Arc::clone(shared), Arc::clone(&slot));
    thread::Builder::new()
        .name(format!("rules-{id}"))
        .stack_size(WORKER_STACK_BYTES)
        .spawn(move || work(&thread_shared, &thread_slot, ready))
        .map_err(|e| RulesError::Engine(format!("cannot start a rules worker: {e}")))?;
    Ok(slot)
}

/// A worker's life: compile, report, then serve requests until the engine is dropped or
/// the watchdog abandons the worker.
fn work(shared: &Shared, slot: &Slot, ready: Option<mpsc::Sender<Result<(), RulesError>>>) {
    slot.enter(shared.limit, None);
    let mut sandbox = match (Sandbox::new(&shared.rules, &shared.settings), ready) {
        (Ok(sandbox), ready) => {
            if let Some(ready) = ready {
                let _ = ready.send(Ok(()));
            }
            Some(sandbox)
        }
        (Err(error), Some(ready)) => {
            let _ = ready.send(Err(error));
            return;
        }
        (Err(error), None) => {
            tracing::error!(target: TRACING_TARGET, %error, "cannot start a rules worker");
            None
        }
    };
    let mut alive = slot.leave();
    while alive && let Some(job) = shared.queue.pop() {
        if job.ticket.is_closed() {
            continue; // the caller gave up while waiting
        }
        // A panic anywhere (running, tidying, rebuilding) must not end the thread, and its
        // message (which may quote a claim) never reaches the log.
        let served = redacting_panics(|| {
            catch_unwind(AssertUnwindSafe(|| serve(shared, slot, &mut sandbox, &job)))
        });
        if served.is_err() {
            tracing::error!(target: TRACING_TARGET, "the rules engine panicked; replacing the worker's runtime");
            let reason = "internal error in the rules engine".to_owned();
            let rule = "rules".to_owned();
            job.ticket.answer(Err(RuleFailure::Failed { rule, reason }));
            let _ = redacting_panics(|| catch_unwind(AssertUnwindSafe(|| drop(sandbox.take()))));
        }
        alive = slot.leave();
    }
    if !alive {
        drop(sandbox);
        shared.abandoned.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs one request, answers it, then readies the sandbox for the next.
fn serve(shared: &Shared, slot: &Slot, sandbox: &mut Option<Sandbox>, job: &Job) {
    if sandbox.is_none() {
        slot.enter(shared.limit, None);
        *sandbox = rebuild(shared);
    }
    let Some(current) = sandbox.as_mut() else {
        job.ticket.answer(Err(RuleFailure::Busy));
        return;
    };
    slot.enter(shared.limit, Some(&job.ticket));
    let result = current.run(&job.user, &job.context, job.trace, &job.ticket.rule);
    // Logged here, not by the caller: the line exists even if the caller gave up.
    if let Err(RuleFailure::Failed { rule, reason }) = &result {
        tracing::warn!(target: TRACING_TARGET, rule, reason, "a rule failed");
    }
    job.ticket.answer(result);
    if !slot.enter(shared.limit, None) {
        return; // abandoned: the thread exits
    }
    if !current.tidy() {
        // The runtime may be dirty (interrupted, out of memory, stray jobs): start afresh.
        drop(sandbox.take());
        *sandbox = rebuild(shared);
    }
}

fn rebuild(shared: &Shared) -> Option<Sandbox> {
    Sandbox::new(&shared.rules, &shared.settings)
        .inspect_err(|error| {
            tracing::error!(target: TRACING_TARGET, %error, "cannot rebuild a rules worker");
        })
        .ok()
}
