//! Unit tests of `sts::xml`.

use super::*;

#[test]
fn leaves_are_keyed_by_their_path_and_unescaped() {
    let flat = flatten(
        "<?xml version=\"1.0\"?>\n<R xmlns=\"urn:x\">\n  <A><B> a &amp; b&#x21; </B><C/></A>\
             <D><![CDATA[<raw>]]></D></R>",
    )
    .unwrap();
    assert_eq!(flat.root, "R");
    assert_eq!(flat.get(&["R", "A", "B"]), Some("a & b!"));
    assert_eq!(flat.get(&["R", "A", "C"]), Some(""));
    assert_eq!(flat.get(&["R", "D"]), Some("<raw>"));
    assert_eq!(flat.get(&["R", "A"]), None);
    assert_eq!(flat.get(&["R", "A/B"]), Some("a & b!"));
    assert_eq!(flat.get(&["R/A", "B"]), Some("a & b!"));
    assert_eq!(flat.get(&["R", "A", "B", "C"]), None);
    assert_eq!(flat.get(&["R", "AB"]), None);
}

#[test]
fn prefixed_names_are_read_by_local_name() {
    let flat = flatten("<s:R xmlns:s=\"urn:x\"><s:A>1</s:A></s:R>").unwrap();
    assert_eq!(flat.get(&["R", "A"]), Some("1"));
}

#[test]
fn documents_that_are_not_plain_records_are_refused() {
    for bad in [
        "",
        "just text",
        "<!doctype html><html><body>oops</body></html>",
        "<R><A>1</A>",
        "<R><A>1</B></R>",
        "<R><A>1</A><A>2</A></R>",
        "<R/><S/>",
        "<R>&bogus;</R>",
        "<R></R>trailing",
    ] {
        assert!(flatten(bad).is_err(), "{bad:?} was accepted");
    }
}

#[test]
fn deep_nesting_is_refused() {
    let deep = format!("{}{}", "<a>".repeat(40), "</a>".repeat(40));
    assert!(flatten(&deep).unwrap_err().contains("deeply"));
}
