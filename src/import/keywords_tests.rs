//! Unit tests of `import::keywords`.

use super::*;

fn keywords(pairs: &[(&str, &str)]) -> Keywords {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn hashes_insert_the_text_and_ats_insert_a_json_string() {
    let k = keywords(&[("ENV", "dev"), ("NUMBER", "123"), ("NAME", "We\"b")]);
    assert_eq!(
        replace(
            r#"{"url": "https://##ENV##.x.com", "o": "@@NUMBER@@", "n": @@NAME@@}"#,
            &k
        )
        .unwrap(),
        r#"{"url": "https://dev.x.com", "o": "123", "n": "We\"b"}"#,
        "a value is text: it never changes type"
    );
    // In YAML, single quotes around the placeholder go too.
    assert_eq!(replace("o: '@@ENV@@'", &k).unwrap(), r#"o: "dev""#);
}

#[test]
fn a_placeholder_without_a_value_is_named() {
    let k = keywords(&[("ENV", "dev")]);
    assert_eq!(
        replace("##ENV## ##MISSING## @@ALSO@@", &k).unwrap_err(),
        ["##MISSING##", "@@ALSO@@"]
    );
}

#[test]
fn text_that_only_looks_like_a_mark_is_kept() {
    let k = Keywords::new();
    let text = "a ## b @@ c ##not closed @@x y@@ émoji ##";
    assert_eq!(replace(text, &k).unwrap(), text);
}
