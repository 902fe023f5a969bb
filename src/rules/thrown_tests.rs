//! Unit tests of `rules::thrown`.

use super::*;
use rquickjs::context::EvalOptions;
use rquickjs::{Context, Runtime};

/// Evaluates `source` as file `rule.js` and examines what it throws.
fn thrown_by(source: &str) -> String {
    let runtime = Runtime::new().expect("runtime");
    let context = Context::full(&runtime).expect("context");
    context.with(|ctx| {
        let mut options = EvalOptions::default();
        options.filename = Some("rule.js".to_owned());
        let result: rquickjs::Result<()> = ctx.eval_with_options(source, options);
        assert!(result.is_err(), "{source} did not throw");
        Thrown::examine(&ctx.catch(), "rule.js").text()
    })
}

#[test]
fn an_error_gives_its_name_message_and_line() {
    assert_eq!(
        thrown_by("\n\nnull.x;"),
        "TypeError: cannot read property 'x' of null (line 3)"
    );
}

#[test]
fn an_object_with_a_message_gives_the_message() {
    assert_eq!(thrown_by("throw { message: 'no role' };"), "no role");
}

#[test]
fn other_values_are_shown_as_text() {
    assert_eq!(thrown_by("throw 42;"), "42");
    assert_eq!(thrown_by("throw {};"), "[object Object]");
}

#[test]
fn null_is_what_quickjs_throws_when_memory_ran_out() {
    assert_eq!(thrown_by("throw null;"), "exceeded the memory limit");
}

#[test]
fn long_messages_are_cut() {
    let text = thrown_by("throw new Error('x'.repeat(5000));");
    assert!(text.ends_with("xx… (line 1)"), "{text}");
    assert_eq!(
        text.chars().count(),
        MAX_REASON_CHARS + "… (line 1)".chars().count()
    );
}
