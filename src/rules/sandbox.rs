//! One worker's sandbox: a QuickJS runtime and its realm (the context with the prelude's
//! globals and the compiled rules, see `realm.rs`). Running the rules is in `run.rs`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use rquickjs::{Ctx, Persistent, Runtime, Value};

use super::realm::{Blueprint, CONSOLE_BUDGET_BYTES, Realm};
use super::thrown::Thrown;
use super::{RuleSource, RulesError};

/// QuickJS's own stack limit, well inside the worker thread's stack (`WORKER_STACK_BYTES`).
const JS_STACK_BYTES: usize = 1024 * 1024;

/// What a sandbox needs besides the rules. `Debug` leaves the configuration out.
#[derive(Clone)]
pub(crate) struct SandboxSettings {
    /// Wall time per rule.
    pub(crate) timeout: Duration,
    /// The runtime's memory limit.
    pub(crate) memory_limit_bytes: usize,
    /// The global `configuration`, as JSON.
    pub(crate) configuration_json: String,
}

impl std::fmt::Debug for SandboxSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxSettings")
            .field("timeout", &self.timeout)
            .field("memory_limit_bytes", &self.memory_limit_bytes)
            .field("configuration_json", &"[redacted]")
            .finish()
    }
}

/// State shared between the host and the closures installed in the runtime.
pub(super) struct Shared {
    /// When set and past, the interrupt handler stops the running JavaScript.
    pub(super) deadline: Cell<Option<Instant>>,
    /// Set by the current rule's callback.
    pub(super) settled: Cell<bool>,
    /// Rejected promises that have no handler yet: (promise, reason).
    pub(super) rejections: RefCell<Vec<(Persistent<Value<'static>>, Persistent<Value<'static>>)>>,
    /// Console bytes the current request may still log; `None` once output was cut.
    pub(super) console_left: Cell<Option<usize>>,
}

/// A QuickJS runtime and its realm.
pub(crate) struct Sandbox {
    // Field order is drop order: the realm (JavaScript values, context), then the runtime.
    pub(super) realm: Realm,
    pub(super) runtime: Runtime,
    pub(super) shared: Rc<Shared>,
    pub(super) names: Rc<[String]>,
    pub(super) timeout: Duration,
    /// Set when the runtime may be in a bad state (time or memory ran out) and must be
    /// rebuilt. An ordinary exception or a refusal leaves it clean.
    pub(super) dirty: Cell<bool>,
}

impl Shared {
    /// Forgets the tracked rejections. Must happen before the runtime is freed: QuickJS
    /// aborts the process if a value outlives its runtime.
    pub(super) fn clear_rejections(&self) {
        if let Ok(mut rejections) = self.rejections.try_borrow_mut() {
            rejections.clear();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shared.clear_rejections();
    }
}

impl Sandbox {
    /// Starts a runtime and builds its realm: the prelude, every rule compiled (syntax
    /// errors are found here), and the built-ins locked down.
    pub(crate) fn new(
        rules: &[RuleSource],
        settings: &SandboxSettings,
    ) -> Result<Self, RulesError> {
        let engine = |e: rquickjs::Error| RulesError::Engine(e.to_string());
        let runtime = Runtime::new().map_err(engine)?;
        runtime.set_memory_limit(settings.memory_limit_bytes);
        runtime.set_max_stack_size(JS_STACK_BYTES);
        let shared = Rc::new(Shared {
            deadline: Cell::new(None),
            settled: Cell::new(false),
            rejections: RefCell::new(Vec::new()),
            console_left: Cell::new(Some(CONSOLE_BUDGET_BYTES)),
        });
        let watch = Rc::clone(&shared);
        runtime.set_interrupt_handler(Some(Box::new(move || {
            watch.deadline.get().is_some_and(|d| Instant::now() >= d)
        })));
        let track = Rc::clone(&shared);
        runtime.set_host_promise_rejection_tracker(Some(Box::new(
            move |ctx, promise, reason, handled| {
                track_rejection(&track, &ctx, promise, reason, handled)
            },
        )));
        let names: Rc<[String]> = rules.iter().map(|r| r.name.clone()).collect();
        let plan = Blueprint {
            rules,
            names: &names,
            shared: &shared,
            configuration_json: &settings.configuration_json,
            timeout: settings.timeout,
        };
        let realm = Realm::build(&runtime, &plan)?;
        Ok(Self {
            realm,
            runtime,
            shared,
            names,
            timeout: settings.timeout,
            dirty: Cell::new(false),
        })
    }
}

/// Records a rejected promise without a handler, or forgets it once one is attached.
fn track_rejection<'js>(
    shared: &Shared,
    ctx: &Ctx<'js>,
    promise: Value<'js>,
    reason: Value<'js>,
    handled: bool,
) {
    let Ok(mut rejections) = shared.rejections.try_borrow_mut() else {
        return;
    };
    if handled {
        rejections.retain(|(p, _)| p.clone().restore(ctx).map_or(true, |p| p != promise));
    } else {
        rejections.push((
            Persistent::save(ctx, promise),
            Persistent::save(ctx, reason),
        ));
    }
}

/// Takes the pending exception after `error` and describes it.
pub(super) fn caught(ctx: &Ctx<'_>, error: rquickjs::Error) -> String {
    match error {
        rquickjs::Error::Exception => Thrown::examine(&ctx.catch(), "").text(),
        other => other.to_string(),
    }
}
