//! Running the rules for one request. Each rule is called, then a small event loop runs
//! its promise jobs and timers until it calls back, fails, or runs out of time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rquickjs::{Ctx, Function, Object, Persistent};
use serde_json::{Map, Value};

use super::realm::CONSOLE_BUDGET_BYTES;
use super::sandbox::Sandbox;
use super::thrown::Thrown;
use super::{RuleFailure, RulesOutput};

/// After a request, leftover promise jobs get this long (at most the rule timeout)…
const TIDY_TIME: Duration = Duration::from_millis(50);
/// …and at most this many jobs; a runtime that still has work is rebuilt.
const TIDY_JOBS: usize = 10_000;

impl Sandbox {
    /// Runs every rule in order on the request's user and context, storing the index of
    /// the rule running in `progress` (for the watchdog).
    ///
    /// A failure that may leave the runtime dirty (time or memory ran out, an engine
    /// error) marks the sandbox dirty: `tidy` then says it must be rebuilt.
    pub(crate) fn run(
        &mut self,
        user: &Map<String, Value>,
        context: &Map<String, Value>,
        trace: bool,
        progress: &AtomicUsize,
    ) -> Result<RulesOutput, RuleFailure> {
        self.shared.console_left.set(Some(CONSOLE_BUDGET_BYTES));
        self.run_all(user, context, trace, progress)
    }

    /// After the reply: lets leftover promise jobs finish, then clears timers and the
    /// request's state and puts back the globals as the lockdown left them. Returns whether
    /// the sandbox can serve another request: when the globals cannot be put back (a rule
    /// froze the global object, say), it must be rebuilt.
    pub(crate) fn tidy(&mut self) -> bool {
        #[cfg(test)]
        if self.names.iter().any(|n| n == "test-panic-in-tidy.js") {
            panic!("a test asked tidy to panic");
        }
        if !self.dirty.get() {
            let deadline = Instant::now() + TIDY_TIME.min(self.timeout);
            self.shared.deadline.set(Some(deadline));
            let mut jobs = 0;
            while self.runtime.is_job_pending() {
                if jobs >= TIDY_JOBS || Instant::now() >= deadline {
                    self.dirty.set(true);
                    break;
                }
                if self.runtime.execute_pending_job().is_err() {
                    self.dirty.set(true);
                    break;
                }
                jobs += 1;
            }
            let restored = || {
                self.call(0, |ctx, i, _| {
                    method(&i, "end")?.call::<_, ()>(())?;
                    self.realm.restore.clone().restore(ctx)?.call::<_, bool>(())
                })
            };
            if !self.dirty.get() && restored() != Ok(true) {
                tracing::warn!(target: super::TRACING_TARGET, "the rules left globals that cannot be put back; rebuilding the engine");
                self.dirty.set(true);
            }
        }
        self.clear_rejections();
        self.shared.deadline.set(None);
        !self.dirty.get()
    }

    fn run_all(
        &mut self,
        user: &Map<String, Value>,
        context: &Map<String, Value>,
        trace: bool,
        progress: &AtomicUsize,
    ) -> Result<RulesOutput, RuleFailure> {
        let (user, context) = match (serde_json::to_string(user), serde_json::to_string(context)) {
            (Ok(user), Ok(context)) => (user, context),
            _ => return Err(self.failed(0, "the user or context is not JSON".to_owned())),
        };
        self.arm();
        self.call(0, |_, i, _| {
            method(&i, "begin")?.call::<_, ()>((user, context, trace))
        })
        .map_err(|reason| {
            self.failed(0, format!("could not load the user and context: {reason}"))
        })?;
        for index in 0..self.names.len() {
            progress.store(index, Ordering::Relaxed);
            self.run_rule(index)?;
        }
        self.finish()
    }

    fn run_rule(&mut self, index: usize) -> Result<(), RuleFailure> {
        let deadline = self.arm();
        self.shared.settled.set(false);
        self.clear_rejections();
        let js_index = i32::try_from(index).unwrap_or(i32::MAX);
        self.call(index, |ctx, i, rules| {
            let rule = rules.get(index).cloned().ok_or(rquickjs::Error::Unknown)?;
            let rule = rule.restore(ctx)?;
            method(&i, "start")?.call::<_, ()>((rule, js_index))
        })
        .map_err(|reason| self.failed(index, reason))?;

        while !self.shared.settled.get() {
            if Instant::now() >= deadline {
                self.dirty.set(true);
                return Err(self.failed(index, self.timed_out()));
            }
            if self.runtime.is_job_pending() {
                if let Err(job) = self.runtime.execute_pending_job() {
                    drop(job);
                    let reason = self
                        .call(index, |_, _, _| Err::<(), _>(rquickjs::Error::Exception))
                        .err()
                        .unwrap_or_default();
                    return Err(self.failed(index, reason));
                }
                continue;
            }
            if let Some(reason) = self.unhandled_rejection(index) {
                return Err(self.failed(index, reason));
            }
            let next: f64 = self
                .call(index, |_, i, _| method(&i, "nextTimer")?.call(()))
                .map_err(|reason| self.failed(index, reason))?;
            if next < 0.0 {
                let reason =
                    "returned without calling callback, and nothing is pending that could call it";
                return Err(self.failed(index, reason.to_owned()));
            }
            if next > 0.0 {
                // `setTimeout(f, Infinity)` is allowed: it simply waits out the deadline.
                let wait = Duration::try_from_secs_f64(next / 1000.0).unwrap_or(Duration::MAX);
                std::thread::sleep(wait.min(deadline.saturating_duration_since(Instant::now())));
                continue;
            }
            self.call(index, |_, i, _| method(&i, "runTimer")?.call::<_, ()>(()))
                .map_err(|reason| self.failed(index, reason))?;
        }

        let outcome: Vec<String> = self
            .call(index, |_, i, _| method(&i, "outcome")?.call(()))
            .map_err(|reason| self.failed(index, reason))?;
        match outcome.as_slice() {
            [kind, _] if kind == "ok" => Ok(()),
            [kind, message] if kind == "unauthorized" => Err(RuleFailure::Unauthorized {
                rule: self.file(index).to_owned(),
                message: message.clone(),
            }),
            [_, reason] => Err(self.failed(index, reason.clone())),
            _ => {
                self.dirty.set(true);
                Err(self.failed(index, "the engine lost the rule's outcome".to_owned()))
            }
        }
    }

    /// Runs `f` in the request's realm with the prelude's internals and the compiled
    /// rules; a thrown exception becomes a reason naming what went wrong in rule `index`.
    pub(super) fn call<R>(
        &self,
        index: usize,
        f: impl for<'js> FnOnce(
            &Ctx<'js>,
            Object<'js>,
            &[Persistent<Function<'static>>],
        ) -> rquickjs::Result<R>,
    ) -> Result<R, String> {
        let realm = &self.realm;
        realm.context.with(|ctx| {
            let result = realm
                .internals
                .clone()
                .restore(&ctx)
                .and_then(|i| f(&ctx, i, &realm.rules));
            result.map_err(|e| self.reason(&ctx, e, index))
        })
    }

    /// Why JavaScript stopped: the deadline, the memory limit, or a thrown value. The
    /// first two (and engine errors) mark the sandbox dirty; a thrown value does not.
    pub(super) fn reason(&self, ctx: &Ctx<'_>, error: rquickjs::Error, index: usize) -> String {
        let thrown = match error {
            rquickjs::Error::Exception => Some(Thrown::examine(&ctx.catch(), self.file(index))),
            _ => None,
        };
        // Checked after reading the value: its getters may be what ran out of time.
        if self
            .shared
            .deadline
            .get()
            .is_some_and(|d| Instant::now() >= d)
        {
            self.dirty.set(true);
            return self.timed_out();
        }
        match thrown {
            Some(Thrown::OutOfMemory) => {
                self.dirty.set(true);
                Thrown::OutOfMemory.text()
            }
            Some(thrown) => format!("threw: {}", thrown.text()),
            None => {
                self.dirty.set(true);
                format!("engine error: {error}")
            }
        }
    }

    /// The first promise rejected without a handler since the rule started, as a reason.
    fn unhandled_rejection(&self, index: usize) -> Option<String> {
        let (_, reason) = self.shared.rejections.try_borrow().ok()?.first()?.clone();
        let text = self.realm.context.with(|ctx| {
            let reason = reason.restore(&ctx).ok()?;
            Some(match Thrown::examine(&reason, self.file(index)) {
                Thrown::OutOfMemory => {
                    self.dirty.set(true);
                    Thrown::OutOfMemory.text()
                }
                thrown => format!("unhandled promise rejection: {}", thrown.text()),
            })
        });
        Some(text.unwrap_or_else(|| "unhandled promise rejection".to_owned()))
    }

    fn clear_rejections(&self) {
        self.shared.clear_rejections();
    }

    /// Starts the clock for one step (a rule, or loading and reading back the objects).
    pub(super) fn arm(&self) -> Instant {
        let deadline = Instant::now() + self.timeout;
        self.shared.deadline.set(Some(deadline));
        deadline
    }

    fn timed_out(&self) -> String {
        format!("timed out after {} ms", self.timeout.as_millis())
    }

    pub(super) fn file(&self, index: usize) -> &str {
        self.names.get(index).map_or("", String::as_str)
    }

    pub(super) fn failed(&self, index: usize, reason: String) -> RuleFailure {
        RuleFailure::Failed {
            rule: self.file(index).to_owned(),
            reason,
        }
    }
}

/// One of the prelude's internal functions.
pub(super) fn method<'js>(internals: &Object<'js>, name: &str) -> rquickjs::Result<Function<'js>> {
    internals.get(name)
}
