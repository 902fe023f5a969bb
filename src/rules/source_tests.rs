//! Unit tests of `rules::source`.

use super::*;

#[test]
fn a_file_is_whole_when_only_comments_surround_its_function() {
    let f = "function (user, context, callback) { callback(null, user, context); }";
    for source in [
        f.to_owned(),
        format!("// pick a role\n/* more */\n{f}\n"),
        format!("{f};\n// done\n"),
        format!("{f} /* end */ ;;\n\n"),
    ] {
        assert!(is_whole_file(&source, f), "{source}");
    }
}

#[test]
fn a_file_that_computes_its_function_is_not_whole() {
    let inner = "function (u, c, cb) { cb(null, u, c); }";
    let iife = format!("(function () {{ var cache = {{}}; return {inner}; }})()");
    assert!(!is_whole_file(&iife, inner));
    assert!(!is_whole_file(&format!("{inner}, 1"), inner));
    assert!(!is_whole_file(&format!("x = 1, {inner}"), inner));
    assert!(!is_whole_file(inner, ""));
}

#[test]
fn wrapping_keeps_the_function_on_its_original_lines() {
    let wrapped = wrap("// pick the role\nfunction (user, context, callback) {\n}\n");
    assert_eq!(
        wrapped,
        "(// pick the role\nfunction (user, context, callback) {\n}\n)"
    );
    assert_eq!(
        wrapped.lines().nth(1),
        Some("function (user, context, callback) {")
    );
}

#[test]
fn wrapping_drops_trailing_semicolons_and_blank_lines() {
    assert_eq!(
        wrap("function f(u, c, cb) {};\n ;\n\n"),
        "(function f(u, c, cb) {}\n)"
    );
}

#[test]
fn a_trailing_line_comment_does_not_hide_the_closing_parenthesis() {
    assert_eq!(wrap("function () {} // done"), "(function () {} // done\n)");
}

#[test]
fn line_count_ignores_trailing_blank_lines() {
    assert_eq!(line_count("a\nb\nc\n\n\n"), 3);
    assert_eq!(line_count(""), 1);
}

#[test]
fn the_line_is_read_from_a_named_frame() {
    let stack = "    at <anonymous> (01-aws.js:3:11)\n    at start (prelude.js:140:7)\n";
    assert_eq!(line_in_stack(stack, "01-aws.js"), Some(3));
}

#[test]
fn the_line_is_read_from_a_bare_frame() {
    assert_eq!(
        line_in_stack("    at 02-map.js:12:5\n", "02-map.js"),
        Some(12)
    );
}

#[test]
fn a_longer_file_name_ending_in_the_same_text_does_not_count() {
    let stack = "    at f (data.js:9:1)\n    at <anonymous> (a.js:4:2)\n";
    assert_eq!(line_in_stack(stack, "a.js"), Some(4));
}

#[test]
fn no_line_when_the_file_is_not_in_the_stack() {
    assert_eq!(
        line_in_stack("    at start (prelude.js:140:7)\n", "01-aws.js"),
        None
    );
    assert_eq!(line_in_stack("    at 01-aws.js\n", "01-aws.js"), None);
}
