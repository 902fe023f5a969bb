//! Text checks shared by the layers: what XML can carry, and short echoes of untrusted
//! text in error messages and logs.

/// The first 64 characters of `text`, with `…` when it was longer: an echo of request text
/// in an error message or log line stays short.
pub fn truncate(text: &str) -> String {
    let mut cut: String = text.chars().take(64).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

/// Lowercase hex, the high half of each byte first.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push_hex(&mut out, bytes);
    out
}

/// Appends `bytes` to `out` as lowercase hex (no formatting machinery: this is on the
/// request path, for IDs and keys).
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xF)]));
    }
}

/// Whether `text` starts with `prefix`, ASCII letters compared without case. Compares
/// bytes, so text with multi-byte characters anywhere is safe (no slicing of a `str`).
pub fn starts_with_ignore_ascii_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Whether XML 1.0 (`Char` production) allows `c` in a document.
///
/// Rust `char`s are never surrogates, so only the C0 controls and the two non-characters
/// at the end of the BMP are left to exclude.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// Whether every character of `text` can be carried by XML 1.0 unchanged.
pub fn is_xml_text(text: &str) -> bool {
    text.chars().all(is_xml_char)
}

#[cfg(test)]
#[path = "text_tests.rs"]
mod tests;
