//! A tiny XML writer whose output is already in exclusive canonical form (exc-c14n).
//!
//! The signed `saml:Assertion` is written once, byte for byte the way a verifier will
//! canonicalize it, so its digest can be computed from the very text we emit without a
//! DOM or a c14n library. That holds as long as callers follow three rules, which the
//! SAML builders in this module do:
//! - no whitespace or comments between elements (every text node is data we put there);
//! - a namespace declaration sits on an element exactly when exc-c14n would render it
//!   there (the prefix is used by the element and not declared on an output ancestor);
//! - attribute names are our own unprefixed constants (`&'static str`), so sorting them
//!   by name is the c14n order (unqualified attributes sort by local name).
//!
//! Everything else — element text and attribute values — may be untrusted and is escaped
//! the way c14n escapes it. Characters XML 1.0 forbids are replaced (see [`REPLACEMENT`]).

/// The character written in place of one XML 1.0 cannot carry (C0 controls other than
/// tab, newline and carriage return, and U+FFFE/U+FFFF). It is U+FFFD REPLACEMENT
/// CHARACTER rather than nothing so a reader can see that something was there.
pub(crate) const REPLACEMENT: &str = "\u{FFFD}";

pub use crate::domain::is_xml_text;

/// Appends `text` as element content, escaped as exc-c14n renders text nodes.
///
/// `\r` must be a character reference: a literal one would be turned into `\n` by the
/// parser's line-end normalization and the digest would no longer match.
pub(crate) fn push_text(out: &mut String, text: &str) {
    push_escaped(out, text, |b| match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'\r' => Some("&#xD;"),
        _ => None,
    });
}

/// Appends `value` as a double-quoted attribute value, escaped as exc-c14n renders it.
///
/// Tab, newline and carriage return must be character references: literal ones would be
/// normalized to spaces by the parser's attribute-value normalization.
pub(crate) fn push_attr_value(out: &mut String, value: &str) {
    push_escaped(out, value, |b| match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'"' => Some("&quot;"),
        b'\t' => Some("&#x9;"),
        b'\n' => Some("&#xA;"),
        b'\r' => Some("&#xD;"),
        _ => None,
    });
}

/// Every byte [`push_escaped`] may write as something else, whichever `escape` it is given:
/// C0 controls, the characters either escape names, and 0xEF (U+FFFE/U+FFFF).
const MAY_NEED_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'"' as usize] = true;
    table[0xEF] = true;
    table
};

/// Copies `text` in runs, writing `escape`'s reference for the ASCII bytes it names and
/// [`REPLACEMENT`] for the characters XML cannot carry: C0 controls other than tab,
/// newline and carriage return, and U+FFFE/U+FFFF, whose UTF-8 starts with 0xEF (the
/// surrogates XML also forbids cannot occur in a `str`).
fn push_escaped(out: &mut String, text: &str, escape: impl Fn(u8) -> Option<&'static str>) {
    let bytes = text.as_bytes();
    // The table must flag every byte an escape names, or the copy below would skip it.
    debug_assert!((0..=u8::MAX).all(|b| MAY_NEED_ESCAPE[usize::from(b)] || escape(b).is_none()));
    // Most values need nothing: copy up to the first byte the loop below could act on.
    let Some(first) = bytes.iter().position(|&b| MAY_NEED_ESCAPE[usize::from(b)]) else {
        out.push_str(text);
        return;
    };
    let mut run = 0;
    let mut i = first;
    while let Some(&b) = bytes.get(i) {
        let (written, len) = match b {
            b'\t' | b'\n' | b'\r' | 0x20..=0x7F => match escape(b) {
                Some(reference) => (reference, 1),
                None => {
                    i += 1;
                    continue;
                }
            },
            0x00..=0x1F => (REPLACEMENT, 1),
            0xEF if bytes.get(i..).is_some_and(|rest| {
                rest.starts_with(b"\xEF\xBF\xBE") || rest.starts_with(b"\xEF\xBF\xBF")
            }) =>
            {
                (REPLACEMENT, 3)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        // `run` and `i` are at character starts: an ASCII byte or U+FFFE/U+FFFF's lead.
        out.push_str(text.get(run..i).unwrap_or_default());
        out.push_str(written);
        i += len;
        run = i;
    }
    out.push_str(text.get(run..).unwrap_or_default());
}

/// An attribute to write: an unprefixed name we chose, or `xmlns`/`xmlns:p`, and a value
/// that may come from anywhere.
pub(crate) type Attr<'a> = (&'static str, &'a str);

/// Appends the start tag of `name` with its attributes in c14n order: namespace
/// declarations first (by prefix), then the other attributes by name.
/// Callers pass them in that order already, which is checked; others are sorted first.
pub(crate) fn push_start(out: &mut String, name: &'static str, attrs: &[Attr<'_>]) {
    out.push('<');
    out.push_str(name);
    if attrs.iter().is_sorted_by_key(c14n_order) {
        attrs.iter().for_each(|attr| push_attr(out, attr));
    } else {
        let mut sorted: Vec<&Attr<'_>> = attrs.iter().collect();
        sorted.sort_by_key(|attr| c14n_order(attr));
        sorted.into_iter().for_each(|attr| push_attr(out, attr));
    }
    out.push('>');
}

fn c14n_order<'a>((attr, _): &Attr<'a>) -> (bool, &'static str) {
    (!is_namespace_declaration(attr), attr)
}

fn push_attr(out: &mut String, (attr, value): &Attr<'_>) {
    out.push(' ');
    out.push_str(attr);
    out.push_str("=\"");
    push_attr_value(out, value);
    out.push('"');
}

fn is_namespace_declaration(attr: &str) -> bool {
    attr == "xmlns" || attr.starts_with("xmlns:")
}

/// Appends an end tag. Canonical XML has no empty-element tags, so every element gets one.
pub(crate) fn push_end(out: &mut String, name: &'static str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Appends an element holding `text` (untrusted: escaped).
pub(crate) fn push_text_element(
    out: &mut String,
    name: &'static str,
    attrs: &[Attr<'_>],
    text: &str,
) {
    push_start(out, name, attrs);
    push_text(out, text);
    push_end(out, name);
}

/// An element whose content is already-built XML (trusted: made by these functions).
pub(crate) fn element(name: &'static str, attrs: &[Attr<'_>], children: &str) -> String {
    let mut out = String::with_capacity(children.len() + 64);
    push_start(&mut out, name, attrs);
    out.push_str(children);
    push_end(&mut out, name);
    out
}

/// An element holding `text` (untrusted: escaped).
pub(crate) fn text_element(name: &'static str, attrs: &[Attr<'_>], text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    push_text_element(&mut out, name, attrs, text);
    out
}

#[cfg(test)]
#[path = "xml_tests.rs"]
mod tests;
