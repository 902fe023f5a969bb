//! A worker's realm: a QuickJS context holding the prelude's globals and the compiled
//! rules, locked down (`lockdown.js`): every built-in and every rule is frozen, and the
//! globals are put back after each request, so no request's rules can leave state for the
//! next, and user data cannot pollute a prototype.

use std::rc::Rc;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use rquickjs::context::EvalOptions;
use rquickjs::{Context, Ctx, Function, Object, Persistent, Runtime, Value};

use super::sandbox::{Shared, caught};
use super::source::{is_whole_file, line_count, wrap};
use super::thrown::Thrown;
use super::{RuleSource, RulesError, TRACING_TARGET};

const PRELUDE: &str = include_str!("prelude.js");
const LOCKDOWN: &str = include_str!("lockdown.js");

/// Bytes of console output one request may log; the rest is dropped.
pub(super) const CONSOLE_BUDGET_BYTES: usize = 64 * 1024;

/// A context with the prelude's internals and the rules, compiled in it.
pub(crate) struct Realm {
    // Field order is drop order: JavaScript values first, then their context.
    pub(super) internals: Persistent<Object<'static>>,
    pub(super) rules: Vec<Persistent<Function<'static>>>,
    /// Puts the globals back as the lockdown left them; returns whether it could.
    pub(super) restore: Persistent<Function<'static>>,
    pub(super) context: Context,
}

/// What building a realm needs from its sandbox.
pub(super) struct Blueprint<'a> {
    pub(super) rules: &'a [RuleSource],
    pub(super) names: &'a Rc<[String]>,
    pub(super) shared: &'a Rc<Shared>,
    pub(super) configuration_json: &'a str,
    /// Time allowed to compile each rule (and to run the prelude).
    pub(super) timeout: Duration,
}

impl Realm {
    /// A new context in `runtime`, with the prelude run, every rule compiled, and then
    /// everything locked down.
    pub(super) fn build(runtime: &Runtime, plan: &Blueprint<'_>) -> Result<Self, RulesError> {
        let context = Context::full(runtime).map_err(|e| RulesError::Engine(e.to_string()))?;
        let built = context.with(|ctx| {
            let shared = plan.shared;
            shared.deadline.set(Some(Instant::now() + plan.timeout));
            let internals = install_prelude(&ctx, plan).map_err(|e| {
                RulesError::Engine(format!("the prelude failed: {}", caught(&ctx, e)))
            });
            let internals = match internals {
                Ok(internals) => internals,
                Err(e) => {
                    shared.deadline.set(None);
                    return Err(e);
                }
            };
            let mut compiled = Vec::with_capacity(plan.rules.len());
            for rule in plan.rules {
                shared.deadline.set(Some(Instant::now() + plan.timeout));
                let result = compile(&ctx, rule);
                shared.deadline.set(None);
                compiled.push(result?);
            }
            shared.deadline.set(Some(Instant::now() + plan.timeout));
            let restore = lock_down(&ctx, &compiled);
            shared.deadline.set(None);
            let restore = restore.map_err(|e| {
                RulesError::Engine(format!("the lockdown failed: {}", caught(&ctx, e)))
            })?;
            let rules = compiled
                .into_iter()
                .map(|f| Persistent::save(&ctx, f))
                .collect();
            Ok((
                Persistent::save(&ctx, internals),
                rules,
                Persistent::save(&ctx, restore),
            ))
        });
        // Loading may have rejected promises; they must not outlive the context.
        plan.shared.clear_rejections();
        let (internals, rules, restore) = built?;
        Ok(Self {
            internals,
            rules,
            restore,
            context,
        })
    }
}

/// Evaluates the prelude, which installs the rules' globals and returns the internals.
fn install_prelude<'js>(ctx: &Ctx<'js>, plan: &Blueprint<'_>) -> rquickjs::Result<Object<'js>> {
    let host = Object::new(ctx.clone())?;
    let (log_names, log_shared) = (Rc::clone(plan.names), Rc::clone(plan.shared));
    let log = move |kind: String, index: i32, text: String| {
        host_log(&log_shared, &log_names, &kind, index, &text)
    };
    host.set("log", Function::new(ctx.clone(), log)?)?;
    let is_proxy = |value: Value<'_>| value.is_proxy();
    host.set("isProxy", Function::new(ctx.clone(), is_proxy)?)?;
    host.set("random", Function::new(ctx.clone(), host_random)?)?;
    host.set("now", Function::new(ctx.clone(), host_now)?)?;
    host.set("timeOrigin", *TIME_ORIGIN_MS)?;
    let settled = Rc::clone(plan.shared);
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
    prelude.call((host, plan.configuration_json))
}

/// Freezes the built-ins and the rules; returns the function that puts the globals back.
fn lock_down<'js>(ctx: &Ctx<'js>, rules: &[Function<'js>]) -> rquickjs::Result<Function<'js>> {
    let mut options = EvalOptions::default();
    options.filename = Some("lockdown.js".to_owned());
    let lockdown: Function = ctx.eval_with_options(LOCKDOWN, options)?;
    let list = rquickjs::Array::new(ctx.clone())?;
    for (i, rule) in rules.iter().enumerate() {
        list.set(i, rule.clone())?;
    }
    lockdown.call((list,))
}

/// Compiles one rule file into its function. The file must be one function expression:
/// code around it (an IIFE returning the function, say) could keep state in a closure
/// from one request to the next, out of the lockdown's reach.
fn compile<'js>(ctx: &Ctx<'js>, rule: &RuleSource) -> Result<Function<'js>, RulesError> {
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
    let Some(function) = value.into_function() else {
        return Err(RulesError::NotAFunction {
            rule: rule.name.clone(),
        });
    };
    let text: String = function
        .get::<_, Function>("toString")
        .and_then(|to_string| to_string.call((rquickjs::function::This(function.clone()),)))
        .unwrap_or_default();
    if !is_whole_file(&rule.source, &text) {
        return Err(RulesError::NotAFunction {
            rule: rule.name.clone(),
        });
    }
    Ok(function)
}

/// The process's start, shared by every realm: `performance.timeOrigin` and `now()` count
/// from it, so they cannot tell a rebuilt realm from an old one.
static PROCESS_START: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(Instant::now);
static TIME_ORIGIN_MS: std::sync::LazyLock<f64> = std::sync::LazyLock::new(|| {
    LazyLock::force(&PROCESS_START);
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
});

/// Milliseconds since the process started (`performance.now()`).
fn host_now() -> f64 {
    PROCESS_START.elapsed().as_secs_f64() * 1000.0
}

/// A uniform double in [0, 1) from the operating system: 53 random bits.
fn host_random() -> f64 {
    let mut bytes = [0u8; 8];
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        return 0.0;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
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
        let text = crate::telemetry::escape_controls(text.get(..cut).unwrap_or_default());
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
