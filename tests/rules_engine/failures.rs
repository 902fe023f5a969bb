//! Every way a rule can fail fails only its own request.

use super::*;

#[tokio::test]
async fn a_rule_that_throws_fails_naming_the_rule_and_line() {
    let source = "function (user, context, callback) {\n  user.x.y = 1;\n}";
    let reason = failed_reason(
        run(&engine(&[("01-throw.js", source)])).await,
        "01-throw.js",
    );
    assert!(reason.starts_with("threw: TypeError"), "{reason}");
    assert!(reason.contains("line 2"), "{reason}");
    let recursion = "function (u, c, cb) { (function f() { return f() + 1; })(); }";
    let reason = failed_reason(
        run(&engine(&[("01-deep.js", recursion)])).await,
        "01-deep.js",
    );
    assert!(reason.contains("RangeError"), "{reason}");
}

#[tokio::test]
async fn a_rule_replacing_builtins_does_not_break_the_engine() {
    let source = "function (user, context, callback) {
      JSON.stringify = function () { return 'broken'; };
      JSON.parse = function () { return 'broken'; };
      callback(null, user, context);
    }";
    let engine = engine(&[("01-vandal.js", source)]);
    for _ in 0..2 {
        assert_eq!(run(&engine).await.expect("runs").user, user());
    }
}

#[tokio::test]
async fn a_throw_in_a_timer_or_a_rejected_promise_fails_the_rule() {
    let in_timer =
        "function (u, c, cb) { setTimeout(function () { throw new Error('boom'); }, 1); }";
    let reason = failed_reason(run(&engine(&[("01-t.js", in_timer)])).await, "01-t.js");
    assert!(reason.contains("Error: boom"), "{reason}");
    let in_promise =
        "function (u, c, cb) { Promise.resolve().then(function () { throw new Error('bang'); }); }";
    let reason = failed_reason(run(&engine(&[("01-p.js", in_promise)])).await, "01-p.js");
    assert!(
        reason.contains("unhandled promise rejection: Error: bang"),
        "{reason}"
    );
}

#[tokio::test]
async fn an_endless_loop_times_out_and_the_next_run_succeeds() {
    let engine = RulesEngine::new(
        vec![rule(
            "01-loop.js",
            "function (u, c, cb) { if (c.loop) { while (true) {} } cb(null, u, c); }",
        )],
        RulesSettings {
            workers: 1,
            ..settings()
        },
    )
    .expect("compiles");
    let mut looping = context();
    looping.insert("loop".to_owned(), json!(true));
    let started = Instant::now();
    let reason = failed_reason(engine.run(user(), looping).await, "01-loop.js");
    assert_eq!(reason, "timed out after 300 ms");
    // Interrupted by the time limit, not by the watchdog (which would say "stuck").
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    run(&engine).await.expect("the worker recovered");
}

#[tokio::test]
async fn a_rule_waiting_past_the_limit_times_out() {
    let source = "function (u, c, cb) { setTimeout(function () { cb(null, u, c); }, 60000); }";
    let reason = failed_reason(run(&engine(&[("01-slow.js", source)])).await, "01-slow.js");
    assert_eq!(reason, "timed out after 300 ms");
}

#[tokio::test]
async fn a_rule_that_never_calls_back_fails_without_holding_a_worker() {
    let source = "function (user, context, callback) { new Promise(function () {}); }";
    let reason = failed_reason(
        run(&engine(&[("01-silent.js", source)])).await,
        "01-silent.js",
    );
    // Not "timed out": it failed as soon as nothing was left that could call back.
    assert!(reason.contains("without calling callback"), "{reason}");
}

#[tokio::test]
async fn a_memory_bomb_fails_and_the_next_run_succeeds() {
    let source = "function (u, c, cb) {
      if (c.bomb) { const a = []; for (let i = 0; ; i++) a.push('x'.repeat(1000) + i); }
      cb(null, u, c);
    }";
    let engine = RulesEngine::new(
        vec![rule("01-bomb.js", source)],
        RulesSettings {
            workers: 1,
            ..settings()
        },
    )
    .expect("compiles");
    let mut bomb = context();
    bomb.insert("bomb".to_owned(), json!(true));
    let reason = failed_reason(engine.run(user(), bomb).await, "01-bomb.js");
    assert_eq!(reason, "exceeded the memory limit");
    run(&engine).await.expect("the worker recovered");
}

#[tokio::test]
async fn hostile_rules_fail_their_request_and_the_next_one_succeeds() {
    let attacks = [
        "u.a = []; for (;;) u.a.push('x'.repeat(1000) + u.a.length);",
        "const big = 'x'.repeat(100000); u.a = []; for (let i = 0; i < 400; i++) u.a.push(big + i); cb(null, u, c);",
        "(async function () { const a = []; for (;;) { a.push('y'.repeat(1000) + a.length); await null; } })();",
        "(async function () { await null; for (;;) {} })();",
        "setTimeout(function () { for (;;) {} }, 1);",
        "setTimeout(function () { const a = []; for (;;) a.push({ n: a.length }); }, 1);",
        "throw { get message() { for (;;) {} } };",
        "cb({ get message() { for (;;) {} } });",
        "Promise.reject({ get message() { throw new Error('nested'); } });",
        "cb(null, new Proxy({}, { ownKeys: function () { for (;;) {} } }), c);",
        "let o = {}; for (let i = 0; i < 100000; i++) o = { o: o }; u.deep = o; cb(null, u, c);",
        "u.toJSON = function () { return this; }; cb(null, u, c);",
        "cb(null, u, c); (function f() { Promise.resolve().then(f); })();",
        "cb(null, u, c); setTimeout(function f() { setTimeout(f, 0); }, 0);",
        "cb(null, u, c); queueMicrotask(function () { throw new Error('late'); });",
        "eval('function (');",
        "new Function('for (;;) {}')();",
        "setTimeout(function () { cb(null, u, c); }, Infinity);",
    ];
    for attack in attacks {
        let source = format!(
            "function (u, c, cb) {{ if (!c.attack) {{ return cb(null, u, c); }} {attack} }}"
        );
        let engine = RulesEngine::new(
            vec![rule("01-hostile.js", &source)],
            RulesSettings {
                workers: 1,
                ..settings()
            },
        )
        .expect("compiles");
        let mut hostile = context();
        hostile.insert("attack".to_owned(), json!(true));
        let _ = engine.run(user(), hostile).await;
        for _ in 0..2 {
            let output = run(&engine).await;
            assert_eq!(output.map(|o| o.user).ok(), Some(user()), "after: {attack}");
        }
    }
}

#[tokio::test]
async fn require_is_refused_and_there_is_nothing_to_reach_outside() {
    let source = "function (u, c, cb) { require('fs'); }";
    let reason = failed_reason(run(&engine(&[("01-req.js", source)])).await, "01-req.js");
    assert!(
        reason.contains("require('fs')") && reason.contains("not available"),
        "{reason}"
    );
    let probe = "function (user, context, callback) {
      try { require('child_process'); } catch (e) { user.caught = e.message; }
      user.globals = ['process', 'std', 'os', 'fetch', 'XMLHttpRequest', 'Deno', 'Bun']
        .filter(function (n) { return typeof globalThis[n] !== 'undefined'; });
      try { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); } catch (e) { user.blocked = false; }
      callback(null, user, context);
    }";
    let output = run(&engine(&[("01-probe.js", probe)])).await.expect("runs");
    assert!(
        output.user["caught"]
            .as_str()
            .is_some_and(|m| m.contains("not available"))
    );
    assert_eq!(output.user["globals"], json!([]));
    assert_eq!(
        output.user["blocked"], false,
        "Atomics.wait cannot block a worker"
    );
}

#[test]
fn a_syntax_error_names_the_file_and_line() {
    let source = "// pick a role\nfunction (user, context, callback) {\n  if (user.x {\n  }\n}\n";
    let error = RulesEngine::check(&[rule("01-aws.js", SEED_RULE), rule("02-bad.js", source)])
        .expect_err("does not compile");
    match &error {
        RulesError::Syntax { rule, line, .. } => {
            assert_eq!((rule.as_str(), *line), ("02-bad.js", Some(3)))
        }
        other => panic!("expected Syntax, got {other:?}"),
    }
    // The rule's name is its configured path already: printed once, with no prefix.
    assert!(error.to_string().starts_with("02-bad.js:3: "), "{error}");
    let error = RulesEngine::check(&[rule("rules/extra.js", source)]).expect_err("refused");
    assert!(
        error.to_string().starts_with("rules/extra.js:3: "),
        "{error}"
    );
    let engine = RulesEngine::new(vec![rule("02-bad.js", source)], settings());
    assert!(matches!(
        engine,
        Err(RulesError::Syntax { line: Some(3), .. })
    ));
}

#[test]
fn a_file_that_is_not_a_function_is_refused() {
    let error = RulesEngine::check(&[rule("01-obj.js", "({ rule: true })")]).expect_err("refused");
    assert_eq!(
        error,
        RulesError::NotAFunction {
            rule: "01-obj.js".to_owned()
        }
    );
    assert!(RulesEngine::check(&[rule("01-ok.js", SEED_RULE)]).is_ok());
    let rejecting = "function () {}, Promise.reject(new Error('at load'))";
    let error = RulesEngine::check(&[rule("01-rej.js", rejecting)]).expect_err("refused");
    assert_eq!(
        error,
        RulesError::NotAFunction {
            rule: "01-rej.js".to_owned()
        }
    );
}
