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

/// What a sandbox needs besides the rules.
#[derive(Debug, Clone)]
pub(crate) struct SandboxSettings {
    /// Wall time per rule.
    pub(crate) timeout: Duration,
    /// The runtime's memory limit.
    pub(crate) memory_limit_bytes: usize,
    /// The global `configuration`, as JSON.
    pub(crate) configuration_json: String,
}

/// State shared between the host and the closures installed in the runtime.
pub(super) struct Shared {
    /// When set and past, the interrupt handler stops the running JavaScript.
    pub(super) deadline: Cell<Option<Instant>>,
    /// Set by the current rule's callback.
    pub(super) settled: Cell<bool>,
    /// Rejected promises that have no handler yet: (promise, reason).
    pub(super) rejections: RefCell<Vec<(Persistent<Value<'static>>, Persistent<Value<'static>>)>>,
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
    /// Set when the runtime may be in a bad state and must be rebuilt.
    pub(super) dirty: bool,
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
            dirty: false,
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
    let log_names = Rc::clone(names);
    let log =
        move |kind: String, index: i32, text: String| host_log(&log_names, &kind, index, &text);
    host.set("log", Function::new(ctx.clone(), log)?)?;
    let settled = Rc::clone(shared);
    let settle = move |_index: i32| settled.settled.set(true);
    host.set("settled", Function::new(ctx.clone(), settle)?)?;
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

/// Writes a rule's console output, or a second callback, to the server log.
fn host_log(names: &[String], kind: &str, index: i32, text: &str) {
    let rule = usize::try_from(index)
        .ok()
        .and_then(|i| names.get(i))
        .map_or("?", String::as_str);
    if kind == "second-callback" {
        tracing::warn!(target: TRACING_TARGET, rule, "the rule called callback again; the later call was ignored");
    } else {
        tracing::debug!(target: TRACING_TARGET, rule, console = kind, "{}", escape_controls(text));
    }
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
