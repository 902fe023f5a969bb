//! Unit tests of `ops::request_id`.

use super::*;

#[test]
fn ids_from_clients_are_kept_only_when_plain() {
    for good in [
        "abc",
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "Root=1-5759e988",
        "a/b+c=",
    ] {
        assert!(is_well_formed(good), "{good}");
    }
    let long = "a".repeat(129);
    for bad in ["", "a b", "a\nb", "<script>", "ü", long.as_str(), "a\"b"] {
        assert!(!is_well_formed(bad), "{bad:?}");
    }
}

#[test]
fn generated_ids_are_distinct_and_well_formed() {
    let (a, b) = (generate(), generate());
    assert_ne!(a, b);
    assert_eq!(a.len(), 32);
    assert!(is_well_formed(&a));
}
