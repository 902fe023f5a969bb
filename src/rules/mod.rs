//! Auth0-style rules: `function (user, context, callback) { … }` files run in order, in a
//! sandboxed JavaScript engine (QuickJS), before the AWS settings are resolved.
//!
//! Each worker thread owns a QuickJS runtime with the rules compiled once; requests queue
//! for a worker (boundedly) and get their answer through a oneshot channel, so the async
//! runtime never blocks on JavaScript. A rule that fails (throws, times out, exhausts the
//! memory limit) fails its request, and its worker rebuilds its runtime before the next.

mod error;
mod pool;
mod run;
mod sandbox;
mod source;
mod thrown;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::oneshot;

pub use error::{RuleFailure, RulesError};
use pool::{Job, Queue};
use sandbox::{Sandbox, SandboxSettings};

/// The tracing target of everything rules log (console output included).
pub const TRACING_TARGET: &str = "delegation_server::rules";

/// How many requests may wait for a free worker before `run` answers [`RuleFailure::Busy`].
const QUEUE_CAPACITY: usize = 256;

/// One rule file, as an Auth0 user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSource {
    /// The file name, e.g. `01-aws-role.js`; errors and log lines name the rule by it.
    pub name: String,
    /// The file's text: `function (user, context, callback) { … }`.
    pub source: String,
}

/// Limits and globals of the rules engine.
#[derive(Debug, Clone, PartialEq)]
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
}

/// Runs the configured rules; shared by every request (`Send + Sync`).
#[derive(Debug)]
pub struct RulesEngine {
    names: Vec<String>,
    /// `None` when there are no rules: nothing to run, no workers.
    queue: Option<Arc<Queue>>,
}

impl Drop for RulesEngine {
    /// Stops the workers (each finishes the request it is running first).
    fn drop(&mut self) {
        if let Some(queue) = &self.queue {
            queue.close();
        }
    }
}

impl RulesEngine {
    /// Starts the workers and compiles every rule in each. Syntax errors name the rule file
    /// and line.
    pub fn new(rules: Vec<RuleSource>, settings: RulesSettings) -> Result<Self, RulesError> {
        let names = rules.iter().map(|r| r.name.clone()).collect();
        if rules.is_empty() {
            return Ok(Self { names, queue: None });
        }
        let queue = pool::start(
            rules,
            settings.sandbox(),
            settings.workers.max(1),
            QUEUE_CAPACITY,
        )?;
        Ok(Self {
            names,
            queue: Some(queue),
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

    /// Runs all rules in order on (`user`, `context`) and returns the final pair.
    pub async fn run(
        &self,
        user: Map<String, Value>,
        context: Map<String, Value>,
    ) -> Result<RulesOutput, RuleFailure> {
        let Some(queue) = &self.queue else {
            return Ok(RulesOutput { user, context });
        };
        let (reply, answer) = oneshot::channel();
        if queue
            .push(Job {
                user,
                context,
                reply,
            })
            .is_err()
        {
            tracing::warn!(target: TRACING_TARGET, "the rules queue is full");
            return Err(RuleFailure::Busy);
        }
        let result = answer.await.unwrap_or(Err(RuleFailure::Busy));
        // The log line naming a failed rule, with the reason the client does not see.
        // (A refusal is the caller's to log: it is an answer, not a fault.)
        if let Err(RuleFailure::Failed { rule, reason }) = &result {
            tracing::warn!(target: TRACING_TARGET, rule, reason, "a rule failed");
        }
        result
    }
}
