//! Unit tests of `telemetry`.

use super::*;

#[test]
fn control_characters_are_escaped_and_other_text_kept() {
    assert_eq!(escape_controls("plain é ✓"), "plain é ✓");
    assert_eq!(
        escape_controls("a\nb\rc\td\u{1b}[31me\u{7f}\u{85}"),
        "a\\nb\\rc\\td\\u{1b}[31me\\u{7f}\\u{85}"
    );
}

#[test]
fn colour_only_on_a_terminal_without_no_color() {
    use std::ffi::OsStr;
    assert!(wants_colour(true, None));
    assert!(wants_colour(true, Some(OsStr::new(""))));
    assert!(!wants_colour(true, Some(OsStr::new("1"))));
    assert!(!wants_colour(false, None));
}
