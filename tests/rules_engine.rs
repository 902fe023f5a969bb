//! The rules engine through its public API: Auth0 rules run unchanged, and every way a
//! rule can fail fails only its own request.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use delegation_server::rules::{
    RuleFailure, RuleSource, RulesEngine, RulesError, RulesOutput, RulesSettings,
};
use serde_json::{Map, Value, json};

const ROLE: &str = "arn:aws:iam::123456789012:role/auth0-role";
const PRINCIPAL: &str = "arn:aws:iam::123456789012:saml-provider/auth0-provider";

/// The seed's rule: role and principal chosen by client.
const SEED_RULE: &str = r"function (user, context, callback) {
  if (context.clientID === 'CLIENT_ID' &&
      context.protocol === 'delegation') {
    // set AWS settings
    context.addonConfiguration = context.addonConfiguration || {};
    context.addonConfiguration.aws = context.addonConfiguration.aws || {};
    context.addonConfiguration.aws.principal = 'arn:aws:iam::123456789012:saml-provider/auth0-provider';
    context.addonConfiguration.aws.role = 'arn:aws:iam::123456789012:role/auth0-role';
  }
  callback(null, user, context);
}
";

/// The seed's eduPersonAffiliation example, with the rule also setting `awsGroup`.
const MAPPINGS_RULE: &str = r"// Send the user's group as eduPersonAffiliation.
function addAffiliation(user, context, callback) {
  user.awsGroup = (user.groups || [])[0];
  context.addonConfiguration.aws.mappings = {
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier': 'name',
    'https://aws.amazon.com/SAML/Attributes/Role':                          'awsrole',
    'https://aws.amazon.com/SAML/Attributes/RoleSessionName':               'rolesessionname',
    'urn:oid:1.3.6.1.4.1.5923.1.1.1.1':                                     'awsGroup'
  };
  callback(null, user, context);
};
";

fn rule(name: &str, source: &str) -> RuleSource {
    RuleSource {
        name: name.to_owned(),
        source: source.to_owned(),
    }
}

fn settings() -> RulesSettings {
    RulesSettings {
        timeout: Duration::from_millis(300),
        memory_limit_bytes: 16 * 1024 * 1024,
        configuration: Map::new(),
        workers: 2,
    }
}

fn engine(rules: &[(&str, &str)]) -> RulesEngine {
    let rules = rules.iter().map(|(n, s)| rule(n, s)).collect();
    RulesEngine::new(rules, settings()).expect("the rules compile")
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn user() -> Map<String, Value> {
    object(
        json!({ "sub": "auth0|123", "user_id": "auth0|123", "name": "jane", "groups": ["staff"] }),
    )
}

fn context() -> Map<String, Value> {
    object(json!({
        "clientID": "CLIENT_ID",
        "protocol": "delegation",
        "request": { "body": {}, "ip": "127.0.0.1", "userAgent": "test", "hostname": "localhost" },
        "addonConfiguration": { "aws": { "mappings": {}, "region": "us-east-1" } },
    }))
}

async fn run(engine: &RulesEngine) -> Result<RulesOutput, RuleFailure> {
    engine.run(user(), context()).await
}

fn failed_reason(result: Result<RulesOutput, RuleFailure>, expected_rule: &str) -> String {
    match result {
        Err(RuleFailure::Failed { rule, reason }) => {
            assert_eq!(rule, expected_rule);
            reason
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}

fn unauthorized_message(result: Result<RulesOutput, RuleFailure>) -> String {
    match result {
        Err(RuleFailure::Unauthorized { message, .. }) => message,
        other => panic!("expected Unauthorized, got {other:?}"),
    }
}

#[tokio::test]
async fn the_seed_rule_sets_the_role_and_principal() {
    let output = run(&engine(&[("01-aws.js", SEED_RULE)]))
        .await
        .expect("runs");
    let aws = &output.context["addonConfiguration"]["aws"];
    assert_eq!(aws["role"], ROLE);
    assert_eq!(aws["principal"], PRINCIPAL);
    assert_eq!(
        aws["region"], "us-east-1",
        "what the rule did not touch is kept"
    );
    assert_eq!(output.user, user());
}

#[tokio::test]
async fn the_seed_rule_leaves_other_clients_alone() {
    let mut other = context();
    other.insert("clientID".to_owned(), json!("OTHER"));
    let output = engine(&[("01-aws.js", SEED_RULE)])
        .run(user(), other.clone())
        .await;
    assert_eq!(output.expect("runs").context, other);
}

#[tokio::test]
async fn a_rule_can_reassign_the_mappings_and_set_user_properties() {
    let output = run(&engine(&[("02-map.js", MAPPINGS_RULE)]))
        .await
        .expect("runs");
    let mappings = &output.context["addonConfiguration"]["aws"]["mappings"];
    assert_eq!(mappings["urn:oid:1.3.6.1.4.1.5923.1.1.1.1"], "awsGroup");
    assert_eq!(mappings.as_object().map(Map::len), Some(4));
    assert_eq!(output.user["awsGroup"], "staff");
}

#[tokio::test]
async fn rules_run_in_order_and_each_sees_the_previous_changes() {
    let second = "function (user, context, callback) {
      user.sawRole = context.addonConfiguration.aws.role;
      callback(null, user, context);
    }";
    let output = run(&engine(&[("01-aws.js", SEED_RULE), ("02-see.js", second)])).await;
    assert_eq!(output.expect("runs").user["sawRole"], ROLE);
}

#[tokio::test]
async fn the_configuration_is_visible_and_frozen() {
    let source = "function (user, context, callback) {
      'use strict';
      user.secret = configuration.AWS_ACCOUNT;
      try { configuration.AWS_ACCOUNT = 'changed'; } catch (e) { user.frozen = true; }
      callback(null, user, context);
    }";
    let mut settings = settings();
    settings.configuration = object(json!({ "AWS_ACCOUNT": "123456789012" }));
    let engine = RulesEngine::new(vec![rule("01-config.js", source)], settings).expect("compiles");
    let output = run(&engine).await.expect("runs");
    assert_eq!(output.user["secret"], "123456789012");
    assert_eq!(output.user["frozen"], true);
}

#[tokio::test]
async fn unauthorized_error_with_or_without_new_refuses_with_its_message() {
    for call in [
        "new UnauthorizedError('no group')",
        "UnauthorizedError('no group')",
    ] {
        let source = format!(
            "function (user, context, callback) {{
              const err = {call};
              if (!(err instanceof UnauthorizedError) || !(err instanceof Error)) throw err;
              callback(err);
            }}"
        );
        let result = run(&engine(&[("03-deny.js", &source)])).await;
        assert_eq!(unauthorized_message(result), "no group", "{call}");
    }
}

#[tokio::test]
async fn any_error_passed_to_callback_refuses_and_names_the_rule() {
    let result = run(&engine(&[(
        "01-err.js",
        "function (u, c, cb) { cb(new Error('x')); }",
    )]))
    .await;
    match result {
        Err(RuleFailure::Unauthorized { rule, message }) => {
            assert_eq!((rule.as_str(), message.as_str()), ("01-err.js", "x"));
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }
    let result = run(&engine(&[(
        "01-str.js",
        "function (u, c, cb) { cb('plain text'); }",
    )]))
    .await;
    assert_eq!(unauthorized_message(result), "plain text");
}

#[tokio::test]
async fn a_rule_may_call_back_later_from_a_timer() {
    let source = "function (user, context, callback) {
      setTimeout(function () { user.late = true; callback(null, user, context); }, 10);
    }";
    let started = Instant::now();
    let output = run(&engine(&[("01-timer.js", source)]))
        .await
        .expect("runs");
    assert_eq!(output.user["late"], true);
    assert!(started.elapsed() >= Duration::from_millis(10));
}

#[tokio::test]
async fn a_rule_may_call_back_from_a_promise() {
    let source = "function (user, context, callback) {
      Promise.resolve('from a promise')
        .then(function (v) { user.how = v; return v; })
        .then(function () { callback(null, user, context); });
    }";
    let output = run(&engine(&[("01-promise.js", source)]))
        .await
        .expect("runs");
    assert_eq!(output.user["how"], "from a promise");
}

#[tokio::test]
async fn an_async_rule_works() {
    let source = "async function (user, context, callback) {
      user.value = await new Promise(function (resolve) { setTimeout(resolve, 5, 42); });
      callback(null, user, context);
    }";
    let output = run(&engine(&[("01-async.js", source)]))
        .await
        .expect("runs");
    assert_eq!(output.user["value"], 42);
}

#[tokio::test]
async fn omitted_objects_keep_the_previous_ones() {
    let source = "function (user, context, callback) { user.seen = true; callback(null); }";
    assert_eq!(
        run(&engine(&[("01-omit.js", source)]))
            .await
            .expect("runs")
            .user["seen"],
        true
    );
}

#[tokio::test]
async fn a_rule_passing_a_non_object_fails() {
    let source = "function (user, context, callback) { callback(null, 'jane', context); }";
    let reason = failed_reason(run(&engine(&[("01-bad.js", source)])).await, "01-bad.js");
    assert!(reason.contains("not an object"), "{reason}");
}

#[tokio::test]
async fn a_user_that_cannot_be_json_fails() {
    let source =
        "function (user, context, callback) { user.self = user; callback(null, user, context); }";
    let reason = failed_reason(
        run(&engine(&[("01-cycle.js", source)])).await,
        "01-cycle.js",
    );
    assert!(reason.contains("JSON"), "{reason}");
}

#[tokio::test]
async fn a_second_callback_is_ignored_and_logged() {
    let source = "function (user, context, callback) {
      user.first = true;
      callback(null, user, context);
      callback(new UnauthorizedError('too late'));
    }";
    log_buffer();
    let output = run(&engine(&[("01-twice.js", source)]))
        .await
        .expect("the first call wins");
    assert_eq!(output.user["first"], true);
    let logs = logs();
    assert!(
        logs.lines()
            .any(|l| l.contains("WARN") && l.contains("01-twice.js") && l.contains("again")),
        "{logs}"
    );
}

#[tokio::test]
async fn console_output_goes_to_the_log_with_the_rule_name() {
    let source = "function (user, context, callback) {
      console.log('hello from', { rule: 'logging' }, 7);
      callback(null, user, context);
    }";
    log_buffer();
    run(&engine(&[("01-console.js", source)]))
        .await
        .expect("runs");
    let logs = logs();
    let line = logs
        .lines()
        .find(|l| l.contains("hello from"))
        .unwrap_or_default();
    assert!(
        line.contains("01-console.js") && line.contains(r#"{"rule":"logging"} 7"#),
        "{logs}"
    );
}

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
    assert!(
        started.elapsed() < Duration::from_millis(800),
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
    let started = Instant::now();
    let reason = failed_reason(
        run(&engine(&[("01-silent.js", source)])).await,
        "01-silent.js",
    );
    assert!(reason.contains("without calling callback"), "{reason}");
    assert!(started.elapsed() < Duration::from_millis(300));
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
    assert!(
        error.to_string().starts_with("rules/02-bad.js:3: "),
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

#[tokio::test]
async fn no_rules_means_the_input_comes_back() {
    let engine = RulesEngine::new(Vec::new(), settings()).expect("starts");
    assert!(engine.is_empty());
    let output = run(&engine).await.expect("runs");
    assert_eq!((output.user, output.context), (user(), context()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_runs_all_succeed() {
    let engine = Arc::new(engine(&[
        ("01-aws.js", SEED_RULE),
        ("02-map.js", MAPPINGS_RULE),
    ]));
    assert_eq!(engine.rule_names(), ["01-aws.js", "02-map.js"]);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let engine = Arc::clone(&engine);
        tasks.spawn(async move {
            let mut user = user();
            user.insert("n".to_owned(), json!(i));
            engine.run(user, context()).await
        });
    }
    let mut seen = Vec::new();
    while let Some(result) = tasks.join_next().await {
        let output = result.expect("task").expect("runs");
        assert_eq!(output.context["addonConfiguration"]["aws"]["role"], ROLE);
        seen.push(output.user["n"].as_i64().expect("n"));
    }
    seen.sort_unstable();
    assert_eq!(seen, (0..50).collect::<Vec<_>>());
}

/// Everything logged by this test binary so far (every test's workers log into it).
fn logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().expect("log buffer")).into_owned()
}

/// Installs the capturing subscriber once; call before running rules whose logs matter.
fn log_buffer() -> &'static Mutex<Vec<u8>> {
    static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUFFER.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&buffer);
        let _ = tracing_subscriber::fmt()
            .with_env_filter("delegation_server::rules=debug")
            .with_ansi(false)
            .with_writer(move || SharedWriter(Arc::clone(&writer)))
            .try_init();
        buffer
    })
}

struct SharedWriter(Arc<Mutex<Vec<u8>>>);

impl Write for SharedWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut buffer = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
