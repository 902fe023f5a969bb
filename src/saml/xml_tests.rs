//! Unit tests of `saml::xml`.

use super::*;

fn text(s: &str) -> String {
    let mut out = String::new();
    push_text(&mut out, s);
    out
}

fn attr(s: &str) -> String {
    let mut out = String::new();
    push_attr_value(&mut out, s);
    out
}

#[test]
fn text_escapes_markup_and_carriage_returns_like_c14n() {
    assert_eq!(text("a<b>&c\"d'e"), "a&lt;b&gt;&amp;c\"d'e");
    assert_eq!(text("l1\r\nl2\tx"), "l1&#xD;\nl2\tx");
}

#[test]
fn attribute_values_escape_quotes_and_whitespace_like_c14n() {
    assert_eq!(attr("a<b>&c\"d'e"), "a&lt;b>&amp;c&quot;d'e");
    assert_eq!(attr("\t\n\r"), "&#x9;&#xA;&#xD;");
}

#[test]
fn non_ascii_text_is_written_as_is() {
    assert_eq!(text("Zoë 東京 😀"), "Zoë 東京 😀");
    assert_eq!(attr("Zoë 東京 😀"), "Zoë 東京 😀");
}

#[test]
fn characters_xml_forbids_are_replaced_in_text_and_attributes() {
    let bad = "a\u{0}b\u{1}c\u{8}d\u{B}e\u{C}f\u{1F}g\u{FFFE}h\u{FFFF}i";
    let expected = "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}f\u{FFFD}g\u{FFFD}h\u{FFFD}i";
    assert_eq!(text(bad), expected);
    assert_eq!(attr(bad), expected);
}

/// Each character as c14n writes it, kept apart from the writer's own tables.
fn reference(c: char, in_attribute: bool) -> String {
    match c {
        '&' => "&amp;".into(),
        '<' => "&lt;".into(),
        '>' if !in_attribute => "&gt;".into(),
        '"' if in_attribute => "&quot;".into(),
        '\t' if in_attribute => "&#x9;".into(),
        '\n' if in_attribute => "&#xA;".into(),
        '\r' => "&#xD;".into(),
        '\t' | '\n' => c.into(),
        '\u{0}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}' => REPLACEMENT.into(),
        _ => c.into(),
    }
}

#[test]
fn every_character_is_written_as_c14n_writes_it_wherever_it_stands() {
    let chars = (0..0x800).chain(0xEF00..0x10000).filter_map(char::from_u32);
    for c in chars.chain(['\u{10000}', '\u{10FFFF}']) {
        for (write, in_attribute) in [(text as fn(&str) -> String, false), (attr, true)] {
            let expected = reference(c, in_attribute);
            assert_eq!(write(&c.to_string()), expected, "{c:?}");
            assert_eq!(
                write(&format!("ab{c}cd{c}")),
                format!("ab{expected}cd{expected}"),
                "{c:?}"
            );
        }
    }
}

#[test]
fn allowed_edge_characters_are_kept() {
    let ok = "\u{20}\u{7F}\u{85}\u{D7FF}\u{E000}\u{FFFD}\u{10000}\u{10FFFF}";
    assert_eq!(text(ok), ok);
}

#[test]
fn start_tags_put_namespace_declarations_first_then_sorted_attributes() {
    let mut out = String::new();
    push_start(
        &mut out,
        "p:E",
        &[
            ("b", "2"),
            ("xmlns:z", "urn:z"),
            ("A", "1"),
            ("xmlns:p", "urn:p"),
            ("a", "3"),
        ],
    );
    assert_eq!(
        out,
        r#"<p:E xmlns:p="urn:p" xmlns:z="urn:z" A="1" a="3" b="2">"#
    );
}

#[test]
fn empty_elements_get_an_end_tag() {
    assert_eq!(element("E", &[("x", "<")], ""), r#"<E x="&lt;"></E>"#);
    assert_eq!(text_element("E", &[], "&"), "<E>&amp;</E>");
}
