//! Nothing one request's rules do survives into the next: every run starts from pristine
//! built-ins, globals and `configuration`, so one user's data cannot change the decision
//! made for another.

use super::*;

/// A deep merge of `user.user_metadata` into defaults, as rules commonly write it: with
/// `{"__proto__": {...}}` in the metadata it assigns through `Object.prototype`.
const DEEP_MERGE: &str = r"function (user, context, callback) {
  function merge(into, from) {
    for (var key in from) {
      if (from[key] && typeof from[key] === 'object' && !Array.isArray(from[key])) {
        if (!into[key]) into[key] = {};
        merge(into[key], from[key]);
      } else {
        into[key] = from[key];
      }
    }
    return into;
  }
  user.settings = merge({ theme: 'light' }, user.user_metadata || {});
  callback(null, user, context);
}";

/// The shipped example: the role from the `groups` claim, refusal for users in none.
const ROLE_FROM_GROUP: &str = include_str!("../../config/rules/03-role-from-group.js");

fn configured(rules: &[(&str, &str)], configuration: Value, workers: usize) -> RulesEngine {
    let rules = rules.iter().map(|(n, s)| rule(n, s)).collect();
    let settings = RulesSettings {
        configuration: object(configuration),
        workers,
        ..settings()
    };
    RulesEngine::new(rules, settings).expect("the rules compile")
}

fn user_with(extra: Value) -> Map<String, Value> {
    let mut user = object(json!({ "sub": "auth0|b", "user_id": "auth0|b", "name": "b" }));
    user.extend(object(extra));
    user
}

#[tokio::test]
async fn prototype_pollution_gives_nobody_a_role_neither_its_author_nor_the_next_user() {
    // One worker, so both users run in the same engine one after the other.
    let engine = configured(
        &[
            ("01-merge.js", DEEP_MERGE),
            ("03-role-from-group.js", ROLE_FROM_GROUP),
        ],
        json!({ "AWS_ACCOUNT_ID": "123456789012" }),
        1,
    );
    let victim = || engine.run(user_with(json!({})), context());
    let message = unauthorized_message(victim().await);
    assert_eq!(message, "You are not in a group with AWS access.");

    let attacker = user_with(json!({ "user_metadata": { "__proto__": { "groups": ["admins"] } } }));
    let message = unauthorized_message(engine.run(attacker, context()).await);
    assert_eq!(
        message, "You are not in a group with AWS access.",
        "A polluted its own run"
    );

    let message = unauthorized_message(victim().await);
    assert_eq!(
        message, "You are not in a group with AWS access.",
        "B got A's role"
    );
}

/// A rule that, for a user carrying `plant`, leaves state behind in the built-in or the
/// global named by `plant`, and for every user reports what it finds there.
const PLANT_AND_PROBE: &str = r"function (user, context, callback) {
  var found = {
    objectProto: ({}).planted,
    arrayProto: [].planted,
    functionProto: (function () {}).planted,
    global: typeof leftBehind === 'undefined' ? undefined : leftBehind,
    globalProp: global.planted,
    configuration: configuration.planted,
    json: JSON.planted,
    math: Math.planted,
    errorProto: new Error('x').planted,
    replacedJoin: [1, 2].join('-'),
    replacedStringify: JSON.stringify({ a: 1 }),
  };
  switch (user.plant) {
    case 'objectProto': Object.prototype.planted = 'yes'; break;
    case 'arrayProto': Array.prototype.planted = 'yes'; break;
    case 'functionProto': Function.prototype.planted = 'yes'; break;
    case 'global': leftBehind = 'yes'; break;
    case 'globalProp': global.planted = 'yes'; break;
    case 'configuration':
      try { configuration.planted = 'yes'; } catch (e) {}
      try { Object.defineProperty(configuration, 'planted', { value: 'yes' }); } catch (e) {}
      break;
    case 'json': JSON.planted = 'yes'; break;
    case 'math': Math.planted = 'yes'; break;
    case 'errorProto': Error.prototype.planted = 'yes'; break;
    case 'replacedJoin': Array.prototype.join = function () { return 'hijacked'; }; break;
    case 'replacedStringify': JSON.stringify = function () { return 'hijacked'; }; break;
  }
  user.found = found;
  callback(null, user, context);
}";

#[tokio::test]
async fn no_built_in_global_or_configuration_change_survives_a_run() {
    let engine = configured(
        &[("01-plant.js", PLANT_AND_PROBE)],
        json!({ "SETTING": "x" }),
        1,
    );
    let clean = engine
        .run(user_with(json!({})), context())
        .await
        .expect("runs")
        .user["found"]
        .clone();
    assert_eq!(clean["replacedJoin"], "1-2");
    for plant in [
        "objectProto",
        "arrayProto",
        "functionProto",
        "global",
        "globalProp",
        "configuration",
        "json",
        "math",
        "errorProto",
        "replacedJoin",
        "replacedStringify",
    ] {
        let planted = engine
            .run(user_with(json!({ "plant": plant })), context())
            .await;
        assert!(planted.is_ok(), "{plant}: {planted:?}");
        let after = engine
            .run(user_with(json!({})), context())
            .await
            .expect("runs")
            .user["found"]
            .clone();
        assert_eq!(after, clean, "state planted through {plant} survived");
    }
}

#[tokio::test]
async fn state_does_not_survive_a_failed_run_either() {
    let source = "function (user, context, callback) {
      var seen = Object.prototype.mark;
      Object.prototype.mark = 'left';
      user.seen = seen === undefined ? 'clean' : 'dirty';
      if (user.act === 'throw') throw new Error('boom');
      if (user.act === 'refuse') return callback(new UnauthorizedError('no'));
      if (user.act === 'loop') for (;;) {}
      callback(null, user, context);
    }";
    let engine = configured(&[("01-mark.js", source)], json!({}), 1);
    for act in ["", "throw", "refuse", "loop"] {
        let _ = engine
            .run(user_with(json!({ "act": act })), context())
            .await;
        let next = engine.run(user_with(json!({})), context()).await;
        assert_eq!(next.expect("runs").user["seen"], "clean", "after {act:?}");
    }
}

#[tokio::test]
async fn globals_a_rule_sets_last_for_its_own_run() {
    // `global.cache = global.cache || …` still works within one request, rule to rule.
    let first = "function (u, c, cb) { global.cache = global.cache || { runs: 0 }; global.cache.runs++; cb(null, u, c); }";
    let second = "function (u, c, cb) { u.runs = global.cache.runs; cb(null, u, c); }";
    let engine = configured(
        &[("01-set.js", first), ("02-read.js", second)],
        json!({}),
        1,
    );
    for _ in 0..3 {
        let output = engine.run(user(), context()).await.expect("runs");
        assert_eq!(output.user["runs"], 1);
    }
}

/// Walks the prototypes of values of every kind a rule can make, and the objects their
/// properties lead to, and lists every one that is not frozen: none may be, or a rule
/// could leave state behind in it.
const COMPLETENESS_PROBE: &str = r"function (user, context, callback) {
  function* gen() {}
  async function af() {}
  async function* ag() {}
  var K = class {};
  var made = [
    {}, [], function () {}, () => {}, gen, gen(), af, ag, ag(), K, new K(),
    /x/g, 'a'.matchAll(/a/g), new Date(0), new Error('e'), new TypeError('t'), new RangeError('r'),
    new SyntaxError('s'), new ReferenceError('r'), new EvalError('e'), new URIError('u'),
    new AggregateError([]), Promise.resolve(1), new Map(), new Set(), new WeakMap(), new WeakSet(),
    new Map().entries(), new Set().values(), [].values(), [].keys(), [].entries(), ''[Symbol.iterator](),
    new ArrayBuffer(8), new DataView(new ArrayBuffer(8)), new Uint8Array(2), new Float64Array(2),
    new BigInt64Array(1), Object(1n), Object(Symbol('s')), Object('s'), Object(1), Object(true),
    new Proxy({}, {}), arguments, (function () { 'use strict'; return arguments; })(),
    Function.prototype.bind.call(function () {}, null),
  ];
  if (typeof Iterator === 'function') made.push(Iterator.from({ next: function () { return { done: true }; } }), [].values().map(function (x) { return x; }));
  if (typeof DisposableStack === 'function') made.push(new DisposableStack());
  if (typeof AsyncDisposableStack === 'function') made.push(new AsyncDisposableStack());
  if (typeof SharedArrayBuffer === 'function') made.push(new SharedArrayBuffer(8));
  var own = new Set(made.concat([gen.prototype, ag.prototype, K.prototype]));
  var seen = new Set();
  var queue = made.map(function (v) { return Object.getPrototypeOf(v); });
  queue.push(globalThis);
  var open = [];
  while (queue.length) {
    var v = queue.pop();
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null || seen.has(v)) continue;
    seen.add(v);
    if (v !== globalThis && !own.has(v) && !Object.isFrozen(v)) open.push(String(Object.prototype.toString.call(v)) + ' ' + Object.getOwnPropertyNames(v).slice(0, 5).join(','));
    queue.push(Object.getPrototypeOf(v));
    Reflect.ownKeys(v).forEach(function (k) {
      var d = Object.getOwnPropertyDescriptor(v, k);
      if (!d) return;
      if ('value' in d) queue.push(d.value); else { queue.push(d.get); queue.push(d.set); }
    });
  }
  user.open = open;
  user.walked = seen.size;
  callback(null, user, context);
}";

#[tokio::test]
async fn every_built_in_a_rule_can_reach_is_frozen() {
    let engine = configured(
        &[("01-probe.js", COMPLETENESS_PROBE)],
        json!({ "K": {"nested": [1]} }),
        1,
    );
    let output = engine.run(user(), context()).await.expect("runs");
    assert_eq!(output.user["open"], json!([]), "open built-ins");
    assert!(
        output.user["walked"].as_u64().unwrap() > 500,
        "{}",
        output.user["walked"]
    );
}

#[tokio::test]
async fn ordinary_assignments_still_work_on_objects_with_frozen_prototypes() {
    let source = r"function (user, context, callback) {
      var e = new Error();
      e.name = 'CustomError'; e.message = 'set later';
      var o = {}; o.toString = function () { return 'mine'; }; o.constructor = 'c'; o.valueOf = 1;
      o.hasOwnProperty = 2;
      var f = function () {}; f.toString = function () { return 'f'; };
      user.r = [String(e), String(o), o.constructor, o.valueOf, o.hasOwnProperty, String(f)].join('|');
      Object.prototype.polluted = 'yes';
      Array.prototype.polluted = 'yes';
      user.p = [({}).polluted, [].polluted, typeof eval].join('|');
      callback(null, user, context);
    }";
    let engine = configured(&[("01-assign.js", source)], json!({}), 1);
    let output = engine.run(user(), context()).await.expect("runs");
    assert_eq!(output.user["r"], "CustomError: set later|mine|c|1|2|f");
    assert_eq!(
        output.user["p"], "||undefined",
        "built-ins stay frozen, eval is gone"
    );
}

#[tokio::test]
async fn globals_that_cannot_be_put_back_get_a_fresh_engine() {
    let source = r"function (user, context, callback) {
      user.seen = [typeof pinned, typeof viaProto, Object.isExtensible(globalThis)].join('|');
      if (user.act === 'pin') Object.defineProperty(globalThis, 'pinned', { value: 1 });
      if (user.act === 'proto') Object.setPrototypeOf(globalThis, { viaProto: 1 });
      if (user.act === 'freeze') Object.freeze(globalThis);
      callback(null, user, context);
    }";
    let engine = configured(&[("01-globals.js", source)], json!({}), 1);
    for act in ["pin", "proto", "freeze"] {
        engine
            .run(user_with(json!({ "act": act })), context())
            .await
            .expect("runs");
        let output = engine
            .run(user_with(json!({})), context())
            .await
            .expect("runs");
        assert_eq!(
            output.user["seen"], "undefined|undefined|true",
            "after {act}"
        );
    }
}

#[tokio::test]
async fn a_rule_cannot_keep_state_on_its_own_function() {
    let source = r"function (user, context, callback) {
      var self = arguments.callee;
      user.before = self.cache === undefined ? 'clean' : 'dirty';
      self.cache = user.sub;
      if (self.prototype) self.prototype.cache = user.sub;
      callback(null, user, context);
    }";
    let engine = configured(&[("01-self.js", source)], json!({}), 1);
    for _ in 0..2 {
        let output = engine.run(user(), context()).await.expect("runs");
        assert_eq!(output.user["before"], "clean");
    }
}

#[test]
fn a_rule_file_that_computes_its_function_is_refused() {
    let iife = "(function () { var cache = {}; return function (user, context, callback) { callback(null, user, context); }; })()";
    let result = RulesEngine::new(vec![rule("01-iife.js", iife)], settings());
    assert!(
        matches!(result, Err(RulesError::NotAFunction { ref rule }) if rule == "01-iife.js"),
        "{result:?}"
    );
}
