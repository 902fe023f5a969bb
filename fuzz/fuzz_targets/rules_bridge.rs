//! The rules' JSON bridge: the user object into the JavaScript engine and back.
//! Property: a rule that passes the user on unchanged gives back the same JSON (numbers
//! compared as the doubles JavaScript holds), or a clear failure; never a panic.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use delegation_server::rules::{RuleSource, RulesEngine, RulesSettings};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

const PASS_ON: &str = "function (user, context, callback) { callback(null, user, context); }";

struct Harness {
    runtime: tokio::runtime::Runtime,
    engine: RulesEngine,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let settings = RulesSettings {
            timeout: Duration::from_secs(5),
            workers: 1,
            ..RulesSettings::default()
        };
        let rule = RuleSource {
            name: "pass-on.js".to_owned(),
            source: PASS_ON.to_owned(),
        };
        Harness {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .expect("runtime"),
            engine: RulesEngine::new(vec![rule], settings).expect("rule compiles"),
        }
    })
}

/// Whether every number is one a double holds exactly (JavaScript has no other kind).
fn exact_in_javascript(value: &Value) -> bool {
    match value {
        Value::Number(n) => {
            n.as_f64().is_some_and(|f| f.is_finite())
                && (n.is_f64()
                    || n.as_f64()
                        .is_some_and(|f| f.abs() < 9_007_199_254_740_992.0))
        }
        Value::Array(items) => items.iter().all(exact_in_javascript),
        Value::Object(map) => map.values().all(exact_in_javascript),
        _ => true,
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(user) = serde_json::from_slice::<Map<String, Value>>(data) else {
        return;
    };
    let harness = harness();
    let output = harness
        .runtime
        .block_on(harness.engine.run(user.clone(), Map::new()));
    if let Ok(output) = output {
        let (sent, got) = (Value::Object(user), Value::Object(output.user));
        if exact_in_javascript(&sent) {
            assert!(
                same(&sent, &got),
                "the user changed on the way: {sent} -> {got}"
            );
        }
    }
});
