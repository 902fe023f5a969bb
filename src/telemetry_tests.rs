//! Unit tests of `telemetry`.

use super::*;

#[test]
fn line_separators_and_bidirectional_overrides_are_escaped() {
    assert_eq!(
        escape_controls("a\u{2028}b\u{202E}c\u{2066}d"),
        "a\\u{2028}b\\u{202e}c\\u{2066}d"
    );
}

#[test]
fn a_panic_on_request_data_is_logged_without_its_message() {
    use std::sync::{Arc, Mutex};
    #[derive(Clone)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    install_panic_hook();
    let buffer = Buffer(Arc::default());
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let caught = redacting_panics(|| {
            std::panic::catch_unwind(|| panic!("claim value SECRET-CLAIM-TEXT"))
        });
        assert!(caught.is_err());
    });
    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("its message is not logged"), "{text}");
    assert!(
        text.contains("telemetry_tests.rs"),
        "the location is kept: {text}"
    );
    assert!(!text.contains("SECRET-CLAIM-TEXT"), "{text}");
}

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
