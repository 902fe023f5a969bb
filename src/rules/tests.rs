//! The watchdog and the workers' panic recovery, with test-only hooks: `__testSleep(ms)`
//! blocks a worker the way QuickJS's non-interruptible C loops do, and a rule named
//! `test-panic-in-tidy.js` makes `tidy` panic.
//!
//! The tests wait for the event they need (an answer, the abandoned worker ending) with
//! ceilings far above what a loaded machine takes: the only wall-clock facts asserted are
//! lower bounds that follow from the limits themselves.

use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::pool::STUCK;
use super::sandbox::SandboxSettings;
use super::{RuleFailure, RuleSource, RulesEngine, RulesSettings};

const BLOCKING: &str = "function (u, c, cb) { if (c.block) __testSleep(c.block); cb(null, u, c); }";

fn engine(name: &str, source: &str) -> RulesEngine {
    let rules = vec![RuleSource {
        name: name.to_owned(),
        source: source.to_owned(),
    }];
    let settings = RulesSettings {
        timeout: Duration::from_millis(100),
        workers: 1,
        ..RulesSettings::default()
    };
    RulesEngine::new(rules, settings).expect("compiles")
}

fn blocking(ms: u64) -> Map<String, Value> {
    let mut context = Map::new();
    context.insert("block".to_owned(), json!(ms));
    context
}

async fn run_within(
    engine: &RulesEngine,
    context: Map<String, Value>,
    limit: Duration,
) -> Result<super::RulesOutput, RuleFailure> {
    tokio::time::timeout(limit, engine.run(Map::new(), context))
        .await
        .expect("answered in time")
}

/// Longest wait for an event that normally takes well under a second.
const CEILING: Duration = Duration::from_secs(30);
/// How long a blocked worker sleeps: far past the pool's limit (3 × 100 ms + 1 s of grace),
/// so the watchdog surely gets to it first even when the machine is slow.
const BLOCK_MS: u64 = 8000;

async fn wait_for_no_abandoned(engine: &RulesEngine) {
    let started = Instant::now();
    while engine.abandoned_workers() > 0 {
        assert!(started.elapsed() < CEILING, "still abandoned");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_stuck_worker_is_abandoned_and_replaced() {
    let engine = engine("01-block.js", BLOCKING);
    let started = Instant::now();
    // Limit: (1 rule + 2) × 100 ms + 1 s of grace.
    let result = run_within(&engine, blocking(BLOCK_MS), CEILING).await;
    let expected = RuleFailure::Failed {
        rule: "01-block.js".to_owned(),
        reason: STUCK.to_owned(),
    };
    assert_eq!(result, Err(expected));
    assert!(started.elapsed() >= Duration::from_millis(1300));
    assert_eq!(engine.abandoned_workers(), 1);
    let result = run_within(&engine, Map::new(), CEILING).await;
    assert!(result.is_ok(), "the replacement serves: {result:?}");
    wait_for_no_abandoned(&engine).await;
}

#[tokio::test]
async fn a_stuck_worker_whose_caller_gave_up_is_replaced_by_the_next_run() {
    let engine = engine("01-block.js", BLOCKING);
    let gave_up = tokio::time::timeout(
        Duration::from_millis(50),
        engine.run(Map::new(), blocking(BLOCK_MS)),
    )
    .await;
    assert!(gave_up.is_err());
    // Past the pool's limit, the next run notices the stuck worker.
    tokio::time::sleep(Duration::from_millis(1400)).await;
    let result = run_within(&engine, Map::new(), CEILING).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(engine.abandoned_workers(), 1);
    wait_for_no_abandoned(&engine).await;
}

#[tokio::test]
async fn a_panic_while_tidying_does_not_end_the_worker() {
    let engine = engine("test-panic-in-tidy.js", BLOCKING);
    for _ in 0..3 {
        let result = run_within(&engine, Map::new(), CEILING).await;
        assert!(result.is_ok(), "{result:?}");
    }
    assert_eq!(engine.abandoned_workers(), 0);
}

#[test]
fn sandbox_settings_debug_leaves_the_configuration_out() {
    let settings = SandboxSettings {
        timeout: Duration::from_secs(1),
        memory_limit_bytes: 1,
        configuration_json: r#"{"SECRET":"hunter2"}"#.to_owned(),
    };
    let shown = format!("{settings:?}");
    assert!(
        shown.contains("configuration") && !shown.contains("hunter2"),
        "{shown}"
    );
}
