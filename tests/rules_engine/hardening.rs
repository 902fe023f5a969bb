//! Rules cannot hold a worker in QuickJS's non-interruptible C loops, and the generic
//! array methods guarded against that still behave as the language says.

use super::*;

/// Runs `snippet` in a rule that records what it threw (or "done") as `user.r`.
async fn outcome_of(engine: &RulesEngine, snippet: &str) -> Result<RulesOutput, RuleFailure> {
    let mut context = context();
    context.insert("snippet".to_owned(), json!(snippet));
    let run = engine.run(user(), context);
    tokio::time::timeout(Duration::from_secs(5), run)
        .await
        .unwrap_or_else(|_| panic!("hung on: {snippet}"))
}

const RECORDER: &str = "function (u, c, cb) {
  try { u.v = Function('return (' + c.snippet + '\\n)')(); u.r = 'done'; } catch (e) { u.r = e.name; }
  cb(null, u, c);
}";

fn one_worker(source: &str) -> RulesEngine {
    let settings = RulesSettings {
        workers: 1,
        ..settings()
    };
    RulesEngine::new(vec![rule("01-arrays.js", source)], settings).expect("compiles")
}

#[tokio::test]
async fn generic_array_methods_refuse_huge_array_likes_quickly() {
    let engine = one_worker(RECORDER);
    let huge = "({ length: 2 ** 53 - 1 })";
    let spreadable = "({ length: 2 ** 53 - 1, [Symbol.isConcatSpreadable]: true })";
    let calls = [
        format!("Array.prototype.reverse.call({huge})"),
        format!("[].join.call({huge}, '')"),
        "new Array(2 ** 32 - 1).reverse()".to_owned(),
        "String(new Array(2 ** 32 - 1))".to_owned(),
        format!("Array.prototype.toString.call(Object.assign({huge}, {{ join: [].join }}))"),
        format!("[].toLocaleString.call({huge})"),
        format!("[].fill.call({huge}, 1)"),
        format!("[].copyWithin.call({huge}, 0, 1)"),
        format!("[].lastIndexOf.call({huge}, 1)"),
        format!("[].sort.call({huge})"),
        format!("[].splice.call({huge}, 0, 1)"),
        format!("[].shift.call({huge})"),
        format!("[].unshift.call({huge}, 1)"),
        format!("[].flat.call({huge})"),
        "[].slice.call({ length: 2 ** 32 - 1 })".to_owned(),
        format!("[].concat({spreadable})"),
        format!("[].concat.call({spreadable})"),
        format!("[].reverse.call(new Proxy({huge}, {{}}))"),
        "[].reverse.call(new Proxy([], { get: (t, k) => k === 'length' ? 2 ** 53 - 1 : t[k] }))"
            .to_owned(),
    ];
    for call in calls {
        let started = Instant::now();
        let output = outcome_of(&engine, &call).await.expect("runs");
        assert_eq!(output.user["r"], "RangeError", "{call}");
        // Unguarded, QuickJS would loop 2^53 times in C; guarded, it refuses at once. The
        // ceiling is far above a refusal even on a loaded machine, far below a loop.
        assert!(started.elapsed() < Duration::from_secs(2), "{call}");
    }
    assert_eq!(engine.abandoned_workers(), 0);
}

#[tokio::test]
async fn a_length_getter_cannot_show_a_small_length_then_a_huge_one() {
    let engine = one_worker(RECORDER);
    let liar = "({ n: 0, 0: 'a', get length() { return this.n++ ? 2 ** 53 - 1 : 2; } })";
    for method in ["reverse", "join", "sort", "fill"] {
        let call = format!("[].{method}.call({liar})");
        let output = outcome_of(&engine, &call).await.expect("runs");
        assert_eq!(output.user["r"], "done", "{call}");
    }
}

#[tokio::test]
async fn the_guarded_methods_behave_as_before() {
    let engine = one_worker(RECORDER);
    let cases = [
        ("[3, 1, 2].sort().join('-')", json!("1-2-3")),
        ("String([1, [2, 3]])", json!("1,2,3")),
        ("[1, [2, [3]]].flat(Infinity)", json!([1, 2, 3])),
        (
            "[1].concat([2], 3, { length: 1, 0: 4, [Symbol.isConcatSpreadable]: true })",
            json!([1, 2, 3, 4]),
        ),
        ("[1].concat({ length: 9 }).length", json!(2)),
        (
            "(function () { const o = { length: 2, 0: 'a', 1: 'b' }; const r = [].reverse.call(o); return [r === o, o[0], o[1]]; })()",
            json!([true, "b", "a"]),
        ),
        (
            "(function () { const a = [1, 2, 3]; return [a.splice(1, 1), a, a.reverse() === a]; })()",
            json!([[2], [3, 1], true]),
        ),
        (
            "[[].join.name, [].join.length, [].concat.name, Object.keys(Array.prototype).length]",
            json!(["join", 1, "concat", 0]),
        ),
        ("[].slice.call('abc', 1)", json!(["b", "c"])),
        (
            "(function () { try { [].join.call(null); } catch (e) { return e.name; } })()",
            json!("TypeError"),
        ),
        (
            "[5, 1, 4].toSorted().with(0, 0).toReversed()",
            json!([5, 4, 0]),
        ),
    ];
    for (call, expected) in cases {
        let output = outcome_of(&engine, call).await.expect("runs");
        assert_eq!(output.user["r"], "done", "{call}");
        assert_eq!(output.user["v"], expected, "{call}");
    }
}
