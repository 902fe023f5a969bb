//! Logging, budgets and the cost of failures.

use super::*;

fn one_worker(name: &str, source: &str) -> RulesEngine {
    let settings = RulesSettings {
        workers: 1,
        ..settings()
    };
    RulesEngine::new(vec![rule(name, source)], settings).expect("compiles")
}

fn lines_with(logs: &str, needles: &[&str]) -> usize {
    logs.lines()
        .filter(|l| needles.iter().all(|n| l.contains(n)))
        .count()
}

#[tokio::test]
async fn a_failed_rule_is_logged_once_even_when_nobody_waits_for_it() {
    log_buffer();
    let source = "function (u, c, cb) {
      setTimeout(function () { throw new Error('dropped-marker'); }, 100);
    }";
    let engine = one_worker("01-dropped.js", source);
    let gave_up = tokio::time::timeout(Duration::from_millis(10), run(&engine)).await;
    assert!(gave_up.is_err(), "the caller stopped waiting");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let logs = logs();
    assert_eq!(
        lines_with(&logs, &["WARN", "01-dropped.js", "dropped-marker"]),
        1,
        "{logs}"
    );

    let engine = one_worker(
        "01-once.js",
        "function () { throw new Error('once-marker'); }",
    );
    failed_reason(run(&engine).await, "01-once.js");
    let logs = super::logs();
    assert_eq!(lines_with(&logs, &["WARN", "once-marker"]), 1, "{logs}");
}

#[tokio::test]
async fn a_user_or_context_over_1_mib_fails() {
    let source = "function (u, c, cb) { u.big = 'x'.repeat(c.size); cb(null, u, c); }";
    let engine = one_worker("01-big.js", source);
    let mut big = context();
    big.insert("size".to_owned(), json!(1_100_000));
    let reason = failed_reason(engine.run(user(), big).await, "01-big.js");
    assert_eq!(reason, "left a user or context larger than 1 MiB");
    let mut small = context();
    small.insert("size".to_owned(), json!(900_000));
    assert!(engine.run(user(), small).await.is_ok());
}

#[tokio::test]
async fn a_falsy_error_in_callback_continues() {
    for err in ["false", "0", "''", "null", "undefined"] {
        let source = format!(
            "function (user, context, callback) {{ user.seen = true; callback({err}, user, context); }}"
        );
        let output = run(&engine(&[("01-falsy.js", &source)])).await;
        assert_eq!(output.expect(err).user["seen"], true, "{err}");
    }
}

#[tokio::test]
async fn every_request_starts_afresh_whatever_the_last_one_did() {
    // Each request runs in a realm of its own: `global` starts empty every time.
    let source = "function (u, c, cb) {
      global.runs = (global.runs || 0) + 1;
      u.runs = global.runs;
      if (c.act === 'throw') throw new TypeError('missing claim');
      if (c.act === 'refuse') return cb(new UnauthorizedError('no'));
      if (c.act === 'loop') for (;;) {}
      cb(null, u, c);
    }";
    let engine = one_worker("01-count.js", source);
    let act = |what: &str| {
        let mut context = context();
        context.insert("act".to_owned(), json!(what));
        engine.run(user(), context)
    };
    let runs =
        |output: Result<RulesOutput, RuleFailure>| output.expect("runs").user["runs"].clone();
    assert_eq!(runs(act("").await), 1);
    failed_reason(act("throw").await, "01-count.js");
    unauthorized_message(act("refuse").await);
    assert_eq!(runs(act("").await), 1, "fresh after a throw and a refusal");
    failed_reason(act("loop").await, "01-count.js");
    assert_eq!(runs(act("").await), 1, "fresh after a timeout");
}

#[tokio::test]
async fn console_output_has_a_budget_per_request() {
    log_buffer();
    let source = "function (u, c, cb) {
      for (let i = 0; i < 100; i++) console.log('budget-marker ' + 'z'.repeat(4000));
      cb(null, u, c);
    }";
    let engine = one_worker("01-chatty.js", source);
    run(&engine).await.expect("runs");
    let logs = logs();
    assert_eq!(
        lines_with(&logs, &["01-chatty.js", "console output truncated"]),
        1,
        "{logs}"
    );
    let logged: usize = logs
        .lines()
        .filter(|l| l.contains("budget-marker"))
        .map(|l| l.matches('z').count())
        .sum();
    assert!((60_000..=64 * 1024).contains(&logged), "{logged}");
    run(&engine).await.expect("runs");
    let logs = super::logs();
    assert_eq!(
        lines_with(&logs, &["01-chatty.js", "truncated"]),
        2,
        "a fresh budget"
    );
}

#[test]
fn debug_output_leaves_the_configuration_out() {
    let mut settings = settings();
    settings.configuration = object(json!({ "SECRET": "hunter2" }));
    let shown = format!("{settings:?}");
    assert!(
        shown.contains("configuration") && !shown.contains("hunter2"),
        "{shown}"
    );
}
