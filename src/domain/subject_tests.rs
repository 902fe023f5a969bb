//! Unit tests of `domain::subject`.

use super::*;

#[test]
fn ordinary_subjects_are_kept_exactly() {
    for sub in ["auth0|123", "a", "Zoë 東京", "google-oauth2|1 2", "<&>\"'"] {
        assert_eq!(Subject::parse(sub).unwrap().as_str(), sub);
    }
}

#[test]
fn subjects_a_consumer_could_alter_are_refused() {
    assert_eq!(Subject::parse(""), Err(SubjectError::Missing));
    assert_eq!(Subject::parse("a\u{0}b"), Err(SubjectError::NotXmlText));
    assert_eq!(Subject::parse("a\u{FFFF}"), Err(SubjectError::NotXmlText));
    for padded in [
        " alice",
        "alice ",
        "\talice",
        "alice\n",
        "\u{a0}alice",
        "alice\u{3000}",
    ] {
        assert_eq!(
            Subject::parse(padded),
            Err(SubjectError::Padded),
            "{padded:?}"
        );
    }
}
