//! One worker's sandbox: a QuickJS runtime and context holding the prelude's globals and
//! the rules, compiled once. Running them is in `run.rs`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use rquickjs::context::EvalOptions;
use rquickjs::{Context, Ctx, Function, Object, Persistent, Runtime, Value};

use super::source::{line_count, wrap};
use super::thrown::Thrown;
use super::{RuleSource, RulesError, TRACING_TARGET};

const PRELUDE: &str = include_str!("prelude.js");

/// QuickJS's own stack limit, well inside the worker thread's stack (`WORKER_STACK_BYTES`).
const JS_STACK_BYTES: usize = 1024 * 1024;

/// Bytes of console output one request may log; the rest is dropped.
pub(super) const CONSOLE_BUDGET_BYTES: usize = 64 * 1024;

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

/// A QuickJS runtime with the prelude and the compiled rules.
pub(crate) struct Sandbox {
    // Field order is drop order: JavaScript values first, then the context, then the runtime.
    pub(super) internals: Persistent<Object<'static>>,
    pub(super) rules: Vec<Persistent<Function<'static>>>,
    pub(super) context: Context,
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
    /// Starts a runtime, installs the prelude and compiles every rule.
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
        let context = Context::full(&runtime).map_err(engine)?;
        let names: Rc<[String]> = rules.iter().map(|r| r.name.clone()).collect();

        let built = context.with(|ctx| {
            let internals = install_prelude(&ctx, &shared, &names, &settings.configuration_json)
                .map_err(|e| {
                    RulesError::Engine(format!("the prelude failed: {}", caught(&ctx, e)))
                })?;
            let mut compiled = Vec::with_capacity(rules.len());
            for rule in rules {
                shared.deadline.set(Some(Instant::now() + settings.timeout));
                let result = compile(&ctx, rule);
                shared.deadline.set(None);
                compiled.push(result?);
            }
            Ok::<_, RulesError>((Persistent::save(&ctx, internals), compiled))
        });
        // Loading may have rejected promises; they must not outlive the runtime.
        shared.clear_rejections();
        let (internals, compiled) = built?;
        Ok(Self {
            internals,
            rules: compiled,
            context,
            runtime,
            shared,
            names,
            timeout: settings.timeout,
            dirty: Cell::new(false),
        })
    }
}

/// Evaluates the prelude, which installs the rules' globals and returns the internals.
fn install_prelude<'js>(
    ctx: &Ctx<'js>,
    shared: &Rc<Shared>,
    names: &Rc<[String]>,
    configuration_json: &str,
) -> rquickjs::Result<Object<'js>> {
    let host = Object::new(ctx.clone())?;
    let (log_names, log_shared) = (Rc::clone(names), Rc::clone(shared));
    let log = move |kind: String, index: i32, text: String| {
        host_log(&log_shared, &log_names, &kind, index, &text)
    };
    host.set("log", Function::new(ctx.clone(), log)?)?;
    let is_proxy = |value: Value<'_>| value.is_proxy();
    host.set("isProxy", Function::new(ctx.clone(), is_proxy)?)?;
    let settled = Rc::clone(shared);
    let settle = move |_index: i32| settled.settled.set(true);
    host.set("settled", Function::new(ctx.clone(), settle)?)?;
    #[cfg(test)]
    {
        // A stand-in for QuickJS's non-interruptible C loops, for the watchdog's tests.
        let sleep = |ms: u32| std::thread::sleep(Duration::from_millis(ms.into()));
        ctx.globals()
            .set("__testSleep", Function::new(ctx.clone(), sleep)?)?;
    }
    let mut options = EvalOptions::default();
    options.filename = Some("prelude.js".to_owned());
    let prelude: Function = ctx.eval_with_options(PRELUDE, options)?;
    prelude.call((host, configuration_json))
}

/// Compiles one rule file into its function.
fn compile(ctx: &Ctx<'_>, rule: &RuleSource) -> Result<Persistent<Function<'static>>, RulesError> {
    let mut options = EvalOptions::default();
    // Auth0 ran rules as Node scripts: sloppy mode unless the file asks for strict.
    options.strict = false;
    options.filename = Some(rule.name.clone());
    let value: Value = ctx
        .eval_with_options(wrap(&rule.source), options)
        .map_err(|e| {
            let error = ctx.catch();
            let (message, line) = match e {
                rquickjs::Error::Exception => match Thrown::examine(&error, &rule.name) {
                    Thrown::Value { text, line } => (text, line),
                    Thrown::OutOfMemory => (Thrown::OutOfMemory.text(), None),
                },
                other => (other.to_string(), None),
            };
            let line = line.map(|l| l.min(line_count(&rule.source)));
            RulesError::Syntax {
                rule: rule.name.clone(),
                line,
                message,
            }
        })?;
    match value.into_function() {
        Some(function) => Ok(Persistent::save(ctx, function)),
        None => Err(RulesError::NotAFunction {
            rule: rule.name.clone(),
        }),
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

/// Writes a rule's console output, or a second callback, to the server log. Returns
/// whether the request may log more console output (within [`CONSOLE_BUDGET_BYTES`]).
fn host_log(shared: &Shared, names: &[String], kind: &str, index: i32, text: &str) -> bool {
    let rule = usize::try_from(index)
        .ok()
        .and_then(|i| names.get(i))
        .map_or("?", String::as_str);
    if kind == "second-callback" {
        tracing::warn!(target: TRACING_TARGET, rule, "the rule called callback again; the later call was ignored");
        return true;
    }
    let Some(left) = shared.console_left.get() else {
        return false;
    };
    let fits = text.len() <= left;
    let cut = if fits {
        text.len()
    } else {
        floor_char_boundary(text, left)
    };
    if cut > 0 || fits {
        let text = escape_controls(&text[..cut]);
        tracing::debug!(target: TRACING_TARGET, rule, console = kind, "{text}");
    }
    if fits {
        shared.console_left.set(Some(left - cut));
        return true;
    }
    shared.console_left.set(None);
    tracing::warn!(target: TRACING_TARGET, rule, limit_bytes = CONSOLE_BUDGET_BYTES, "console output truncated: the rest of this request's console output is dropped");
    false
}

/// The largest char boundary of `text` at or below `at`.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    (0..=at.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

/// Keeps a rule's text on one log line: control characters are escaped.
fn escape_controls(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped = c.is_control().then(|| c.escape_default());
            let plain = (!c.is_control()).then_some(c);
            escaped.into_iter().flatten().chain(plain)
        })
        .collect()
}

/// Takes the pending exception after `error` and describes it.
fn caught(ctx: &Ctx<'_>, error: rquickjs::Error) -> String {
    match error {
        rquickjs::Error::Exception => Thrown::examine(&ctx.catch(), "").text(),
        other => other.to_string(),
    }
}
