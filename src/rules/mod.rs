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
mod settings;
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
use sandbox::Sandbox;
pub use settings::{RuleSource, RulesConfig, RulesSettings};

/// The tracing target of everything rules log (console output included).
pub const TRACING_TARGET: &str = "delegation_server::rules";

/// How many requests may wait for a free worker before `run` answers [`RuleFailure::Busy`].
const QUEUE_CAPACITY: usize = 256;
/// Shortest wait between two looks at a request whose worker is past its time limit.
const RECHECK: Duration = Duration::from_millis(10);

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
    /// Starts the workers (`settings.workers`, or one per available CPU when 0) and
    /// compiles every rule in each. Syntax errors name the rule file and line.
    pub fn new(rules: Vec<RuleSource>, settings: RulesSettings) -> Result<Self, RulesError> {
        let names = rules.iter().map(|r| r.name.clone()).collect();
        if rules.is_empty() {
            return Ok(Self { names, pool: None });
        }
        let pool = Pool::start(
            rules,
            settings.sandbox(),
            settings.worker_count(),
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
