//! Unit tests of `domain::secret`.

use super::*;

#[test]
fn debug_output_never_shows_the_value() {
    let secret = Secret::new("hunter2-hunter2".to_owned());
    let shown = format!("{secret:?} {:?}", Some(&secret));
    assert!(!shown.contains("hunter2"), "{shown}");
    assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
}

#[test]
fn secrets_compare_by_value() {
    assert_eq!(Secret::new(b"a".to_vec()), Secret::new(b"a".to_vec()));
    assert_ne!(Secret::new(b"a".to_vec()), Secret::new(b"b".to_vec()));
    assert_eq!(Secret::new(b"a".to_vec()).expose(), b"a");
}
