//! State the engine keeps outside any JavaScript object (in its context or runtime), item
//! by item: user A's run sets it, user B's later run on the same worker must not see it.
//! The list follows the engine version shipped; docs/security.md names each item.

use super::*;

/// One rule that, for user A (`act` set), does `act`'s planting and, for every user,
/// reports what it observes in `user.seen`. The victim's own rule refuses with their email.
fn engine_with(rule_text: &str) -> RulesEngine {
    let settings = RulesSettings {
        workers: 1,
        ..settings()
    };
    RulesEngine::new(vec![rule("01-probe.js", rule_text)], settings).expect("the rule compiles")
}

fn as_user(name: &str, extra: Value) -> Map<String, Value> {
    let mut user = object(json!({
        "sub": format!("auth0|{name}"), "user_id": format!("auth0|{name}"),
        "email": format!("{name}@example.com"),
    }));
    user.extend(object(extra));
    user
}

/// Runs A (planting), then B (the victim, whose rule may throw with their email), then A
/// again; returns what A's second run saw.
async fn planted_then_observed(engine: &RulesEngine) -> Value {
    let _ = engine
        .run(as_user("alice", json!({"plant": true})), context())
        .await;
    let _ = engine
        .run(as_user("bob", json!({"victim": true})), context())
        .await;
    let out = engine
        .run(as_user("alice", json!({})), context())
        .await
        .expect("the observing run completes");
    out.user["seen"].clone()
}

#[tokio::test]
async fn a_stack_trace_hook_planted_by_one_user_sees_nothing_of_the_next() {
    let engine = engine_with(
        r"function (user, context, callback) {
          if (user.plant) {
            try { Error.prepareStackTrace = function (e, sites) { (globalThis.__stolen = globalThis.__stolen || []).push(String(e.message)); return ''; }; } catch (e) {}
            try { Reflect.set(Error, 'prepareStackTrace', function (e) { Object.prototype.__stolen = String(e.message); }); } catch (e) {}
          }
          if (user.victim) {
            try { throw new Error('secret of ' + user.email); } catch (e) { String(e.stack); }
            return callback(new UnauthorizedError('refused ' + user.email));
          }
          user.seen = { hook: typeof Error.prepareStackTrace, stolen: globalThis.__stolen || ({}).__stolen || null };
          callback(null, user, context);
        }",
    );
    let seen = planted_then_observed(&engine).await;
    assert_eq!(seen, json!({"hook": "undefined", "stolen": null}));
}

#[tokio::test]
async fn a_stack_trace_limit_set_by_one_user_runs_nothing_in_the_next() {
    let engine = engine_with(
        r"function (user, context, callback) {
          if (user.plant) {
            try { Error.stackTraceLimit = { valueOf: function () { Object.prototype.__ran = 'yes'; return 10; } }; } catch (e) {}
          }
          if (user.victim) { try { null.x; } catch (e) {} return callback(null, user, context); }
          user.seen = { limit: typeof Error.stackTraceLimit, ran: ({}).__ran || null };
          callback(null, user, context);
        }",
    );
    let seen = planted_then_observed(&engine).await;
    assert_eq!(seen, json!({"limit": "undefined", "ran": null}));
}

/// The engine's own generator: xorshift64*, whose draw is the top 52 bits of the output.
const XORSHIFT_MULTIPLIER: u64 = 0x2545_F491_4F6C_DD1D;

fn xorshift64star(state: u64) -> (u64, u64) {
    let mut x = state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    (x, x.wrapping_mul(XORSHIFT_MULTIPLIER))
}

/// The draw that follows `draw` if both came from the engine's generator, when exactly one
/// of the 4,096 states that could have made `draw` makes `next`.
fn engine_would_follow(draw: f64, next: f64) -> bool {
    let mut inverse = XORSHIFT_MULTIPLIER;
    for _ in 0..6 {
        inverse =
            inverse.wrapping_mul(2u64.wrapping_sub(XORSHIFT_MULTIPLIER.wrapping_mul(inverse)));
    }
    let top = (draw * (1u64 << 52) as f64) as u64;
    let wanted = (next * (1u64 << 52) as f64) as u64;
    (0..4096u64).any(|low| {
        let state = ((top << 12) | low).wrapping_mul(inverse);
        xorshift64star(state).1 >> 12 == wanted
    })
}

#[test]
fn the_predictor_knows_the_engine_generator() {
    // Two consecutive draws of xorshift64*, as the engine makes them, are recognised.
    let (mut state, mut draws) = (0x1234_5678_9abc_def1_u64, Vec::new());
    for _ in 0..2 {
        let (next, out) = xorshift64star(state);
        state = next;
        draws.push((out >> 12) as f64 / (1u64 << 52) as f64);
    }
    assert!(engine_would_follow(draws[0], draws[1]));
}

#[tokio::test]
async fn math_random_cannot_be_predicted_from_an_earlier_run() {
    // With the engine's generator, one draw of user A's run gives away the next draw:
    // user B's. Each draw now comes fresh from the operating system.
    let engine = engine_with(
        r"function (user, context, callback) {
          try { Math.random = function () { return 0.5; }; } catch (e) {}
          user.seen = Math.random();
          callback(null, user, context);
        }",
    );
    let mut draws = Vec::new();
    for name in ["alice", "bob", "alice", "bob"] {
        let out = engine
            .run(as_user(name, json!({})), context())
            .await
            .unwrap();
        draws.push(out.user["seen"].as_f64().unwrap());
    }
    assert!(
        draws.iter().all(|x| (0.0..1.0).contains(x) && *x != 0.5),
        "{draws:?}"
    );
    for pair in draws.windows(2) {
        assert!(
            !engine_would_follow(pair[0], pair[1]),
            "{pair:?} came from the engine's generator"
        );
    }
}

#[tokio::test]
async fn pending_jobs_and_timers_of_one_run_never_run_in_the_next() {
    let engine = engine_with(
        r"function (user, context, callback) {
          if (user.plant) {
            Promise.resolve().then(function () { return new Promise(function (r) { setTimeout(r, 0); }); })
              .then(function () { Object.prototype.__late = 'microtask'; });
            setTimeout(function () { Object.prototype.__timer = 'timer'; }, 50);
            queueMicrotask(function () { globalThis.__queued = 'queued'; });
            return callback(null, user, context);
          }
          if (user.victim) return callback(null, user, context);
          user.seen = { late: ({}).__late || null, timer: ({}).__timer || null, queued: globalThis.__queued || null };
          callback(null, user, context);
        }",
    );
    let seen = planted_then_observed(&engine).await;
    assert_eq!(seen, json!({"late": null, "timer": null, "queued": null}));
}

#[tokio::test]
async fn the_symbol_registry_carries_nothing_a_later_run_can_read() {
    // Registered symbols live in the runtime, but a run can only test for a key it already
    // knows, and gets the same answer whether or not an earlier run registered it.
    let engine = engine_with(
        r"function (user, context, callback) {
          if (user.plant) { globalThis.__sym = Symbol.for('alice@example.com'); Object.prototype[Symbol.for('mark')] = 1; return callback(null, user, context); }
          if (user.victim) return callback(null, user, context);
          var fresh = Symbol.for('alice@example.com');
          user.seen = { key: Symbol.keyFor(fresh), kept: typeof globalThis.__sym, marked: ({})[Symbol.for('mark')] || null };
          callback(null, user, context);
        }",
    );
    let seen = planted_then_observed(&engine).await;
    assert_eq!(
        seen,
        json!({"key": "alice@example.com", "kept": "undefined", "marked": null})
    );
}

#[tokio::test]
async fn modules_shared_memory_and_removed_built_ins_stay_out_of_reach() {
    let engine = engine_with(
        r"function (user, context, callback) {
          if (user.plant) {
            try { globalThis.__buf = new SharedArrayBuffer(8); Atomics.store(new Int32Array(globalThis.__buf), 0, 42); } catch (e) {}
            return callback(null, user, context);
          }
          if (user.victim) return callback(null, user, context);
          var seen = { buffer: typeof globalThis.__buf, eval: typeof eval, weakRef: typeof WeakRef, registry: typeof FinalizationRegistry };
          import('fs').then(function () { seen.module = 'loaded'; }, function () { seen.module = 'refused'; })
            .then(function () { user.seen = seen; callback(null, user, context); });
        }",
    );
    let seen = planted_then_observed(&engine).await;
    assert_eq!(
        seen,
        json!({"buffer": "undefined", "eval": "undefined", "weakRef": "undefined", "registry": "undefined", "module": "refused"})
    );
}

#[tokio::test]
async fn a_rule_that_freezes_the_global_object_leaves_the_next_run_a_fresh_one() {
    // The one kind of change `restore()` cannot undo: the worker rebuilds its realm.
    let engine = engine_with(
        r"function (user, context, callback) {
          if (user.plant) { globalThis.__left = user.email; Object.freeze(globalThis); return callback(null, user, context); }
          if (user.victim) return callback(null, user, context);
          user.seen = { left: globalThis.__left || null, frozen: Object.isFrozen(globalThis) };
          callback(null, user, context);
        }",
    );
    let seen = planted_then_observed(&engine).await;
    assert_eq!(seen, json!({"left": null, "frozen": false}));
}

#[tokio::test]
async fn the_clock_rules_see_does_not_tell_a_rebuilt_realm_from_an_old_one() {
    // A run that freezes the global object makes the worker rebuild its realm; the
    // engine's own `performance` would start counting again from zero there.
    let engine = engine_with(
        r"function (user, context, callback) {
          if (user.plant) { Object.freeze(globalThis); return callback(null, user, context); }
          user.seen = { origin: performance.timeOrigin, now: performance.now() };
          callback(null, user, context);
        }",
    );
    let look = || async {
        let out = engine
            .run(as_user("bob", json!({})), context())
            .await
            .unwrap();
        out.user["seen"].clone()
    };
    let before = look().await;
    let _ = engine
        .run(as_user("alice", json!({"plant": true})), context())
        .await;
    let after = look().await;
    assert_eq!(
        after["origin"], before["origin"],
        "the origin moved with the realm"
    );
    assert!(after["now"].as_f64().unwrap() >= before["now"].as_f64().unwrap());
}
