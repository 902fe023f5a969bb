//! Auth0-style rules: `function (user, context, callback) { … }` files run in order, in a
//! sandboxed JavaScript engine (QuickJS), before the AWS settings are resolved.
//!
//! Each worker thread owns a QuickJS runtime with the rules compiled once; requests queue
//! for a worker (boundedly) and get their answer through a oneshot channel, so the async
//! runtime never blocks on JavaScript. A rule that fails (throws, times out, exhausts the
//! memory limit) fails its request; a worker whose runtime may be dirty (time or memory
//! ran out) rebuilds it before the next. A worker stuck in a C loop past its time limit is
//! abandoned and replaced (see `pool.rs`).

mod error;
mod numbers;
mod output;
mod pool;
mod queue;
mod realm;
mod run;
mod sandbox;
mod source;
#[cfg(test)]
mod tests;
mod thrown;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use tokio::sync::oneshot;

pub use error::{RuleFailure, RulesError};
use pool::Pool;
use queue::{Job, Ticket};
use sandbox::{Sandbox, SandboxSettings};

/// The tracing target of everything rules log (console output included).
pub const TRACING_TARGET: &str = "delegation_server::rules";

/// How many requests may wait for a free worker before `run` answers [`RuleFailure::Busy`].
const QUEUE_CAPACITY: usize = 256;
/// Shortest wait between two looks at a request whose worker is past its time limit.
const RECHECK: Duration = Duration::from_millis(10);

/// One rule file, as an Auth0 user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSource {
    /// The file name, e.g. `01-aws-role.js`; errors and log lines name the rule by it.
    pub name: String,
    /// The file's text: `function (user, context, callback) { … }`.
    pub source: String,
}

/// Limits and globals of the rules engine. `Debug` leaves `configuration` (secrets) out.
#[derive(Clone, PartialEq)]
pub struct RulesSettings {
    /// Wall time allowed to each rule, waiting for timers and promises included.
    pub timeout: Duration,
    /// Memory limit of each worker's JavaScript runtime.
    pub memory_limit_bytes: usize,
    /// The rules' global `configuration` object (frozen), e.g. secrets for rules.
    pub configuration: Map<String, Value>,
    /// Number of worker threads, each with its own runtime.
    pub workers: usize,
}

impl Default for RulesSettings {
    /// One second per rule, 32 MiB per runtime, one worker per available CPU.
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(1),
            memory_limit_bytes: 32 * 1024 * 1024,
            configuration: Map::new(),
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

impl std::fmt::Debug for RulesSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RulesSettings")
            .field("timeout", &self.timeout)
            .field("memory_limit_bytes", &self.memory_limit_bytes)
            .field("configuration", &"[redacted]")
            .field("workers", &self.workers)
            .finish()
    }
}

impl RulesSettings {
    fn sandbox(&self) -> SandboxSettings {
        SandboxSettings {
            timeout: self.timeout.max(Duration::from_millis(1)),
            memory_limit_bytes: self.memory_limit_bytes,
            configuration_json: Value::Object(self.configuration.clone()).to_string(),
        }
    }
}

/// The `user` and `context` after every rule ran.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesOutput {
    /// The user, as the last rule passed it on.
    pub user: Map<String, Value>,
    /// The context, as the last rule passed it on.
    pub context: Map<String, Value>,
    /// The last rule that changed `context.addonConfiguration.aws.role` or `principal`.
    pub decided_by: Option<String>,
    /// What each rule changed, when the run was traced (see [`RulesEngine::run_traced`]).
    pub changes: Vec<RuleChange>,
}

/// The properties one rule changed, added or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleChange {
    /// The rule's file name.
    pub rule: String,
    /// Properties of `user`.
    pub user: Vec<String>,
    /// Properties of `context.addonConfiguration.aws`.
    pub aws: Vec<String>,
}

/// Runs the configured rules; shared by every request (`Send + Sync`).
#[derive(Debug)]
pub struct RulesEngine {
    names: Vec<String>,
    /// `None` when there are no rules: nothing to run, no workers.
    pool: Option<Pool>,
}

impl Drop for RulesEngine {
    /// Stops the workers (each finishes the request it is running first).
    fn drop(&mut self) {
        if let Some(pool) = &self.pool {
            pool.close();
        }
    }
}

impl RulesEngine {
    /// Starts the workers and compiles every rule in each. Syntax errors name the rule file
    /// and line.
    pub fn new(rules: Vec<RuleSource>, settings: RulesSettings) -> Result<Self, RulesError> {
        let names = rules.iter().map(|r| r.name.clone()).collect();
        if rules.is_empty() {
            return Ok(Self { names, pool: None });
        }
        let pool = Pool::start(
            rules,
            settings.sandbox(),
            settings.workers.max(1),
            QUEUE_CAPACITY,
        )?;
        Ok(Self {
            names,
            pool: Some(pool),
        })
    }

    /// Only compiles the rules (for `check-config`); same errors as [`RulesEngine::new`].
    pub fn check(rules: &[RuleSource]) -> Result<(), RulesError> {
        Sandbox::new(rules, &RulesSettings::default().sandbox()).map(drop)
    }

    /// Whether there are no rules (then [`RulesEngine::run`] returns its input).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The rules' names, in the order they run.
    pub fn rule_names(&self) -> Vec<String> {
        self.names.clone()
    }

    /// Workers abandoned by the watchdog (stuck past their time limit) whose thread is
    /// still running: each holds a CPU until it ends, so a non-zero count means degraded.
    pub fn abandoned_workers(&self) -> usize {
        self.pool.as_ref().map_or(0, Pool::abandoned)
    }

    /// Runs all rules in order on (`user`, `context`) and returns the final pair.
    ///
    /// Waits at most the pool's time limit (every rule's timeout plus a grace) once a
    /// worker took the request; past it the worker is abandoned and replaced, and the
    /// request fails. A failed rule is logged by the worker, not here.
    pub async fn run(
        &self,
        user: Map<String, Value>,
        context: Map<String, Value>,
    ) -> Result<RulesOutput, RuleFailure> {
        self.run_with(user, context, false).await
    }

    /// As [`RulesEngine::run`], also recording what each rule changed (`changes`).
    pub async fn run_traced(
        &self,
        user: Map<String, Value>,
        context: Map<String, Value>,
    ) -> Result<RulesOutput, RuleFailure> {
        self.run_with(user, context, true).await
    }

    async fn run_with(
        &self,
        user: Map<String, Value>,
        context: Map<String, Value>,
        trace: bool,
    ) -> Result<RulesOutput, RuleFailure> {
        let Some(pool) = &self.pool else {
            return Ok(RulesOutput {
                user,
                context,
                decided_by: None,
                changes: Vec::new(),
            });
        };
        // Also notices stuck workers whose callers stopped waiting.
        pool.watchdog();
        // Kept only when needed: a number JavaScript would round is put back afterwards
        // wherever no rule changed it.
        let exact = (numbers::has_inexact(&user) || numbers::has_inexact(&context))
            .then(|| (user.clone(), context.clone()));
        let (reply, mut answer) = oneshot::channel();
        let ticket = Arc::new(Ticket::new(reply));
        let job = Job {
            user,
            context,
            trace,
            ticket: Arc::clone(&ticket),
        };
        if pool.push(job).is_err() {
            tracing::warn!(target: TRACING_TARGET, "the rules queue is full");
            return Err(RuleFailure::Busy);
        }
        loop {
            let now = Instant::now();
            let due = ticket.started().unwrap_or(now) + pool.limit();
            let wait = due.max(now + RECHECK);
            match tokio::time::timeout_at(wait.into(), &mut answer).await {
                Ok(result) => {
                    let mut result = result.unwrap_or(Err(RuleFailure::Busy));
                    if let (Ok(out), Some((user, context))) = (&mut result, &exact) {
                        numbers::restore_exact(user, &mut out.user);
                        numbers::restore_exact(context, &mut out.context);
                    }
                    return result;
                }
                Err(_) => pool.watchdog(),
            }
        }
    }
}
