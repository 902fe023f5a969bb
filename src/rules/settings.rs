//! What the rules engine is built from: the rule files and the engine's limits.

use std::time::Duration;

use serde_json::{Map, Value};

use super::sandbox::SandboxSettings;

/// `[rules]`: the rule files, in the order they run, and the engine's settings. Equal
/// values build an equivalent engine, so a reload keeps the running one when they are.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesConfig {
    /// The rule files, in the order they run.
    pub sources: Vec<RuleSource>,
    /// Limits, workers and the rules' `configuration` object.
    pub settings: RulesSettings,
}

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
    /// Number of worker threads, each with its own runtime; 0: one per available CPU,
    /// counted when the engine starts.
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
    pub(super) fn sandbox(&self) -> SandboxSettings {
        SandboxSettings {
            timeout: self.timeout.max(Duration::from_millis(1)),
            memory_limit_bytes: self.memory_limit_bytes,
            configuration_json: Value::Object(self.configuration.clone()).to_string(),
        }
    }

    /// The number of workers to start: `workers`, or one per available CPU when it is 0.
    pub(super) fn worker_count(&self) -> usize {
        match self.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
