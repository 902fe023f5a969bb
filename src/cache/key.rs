//! The cache key: a SHA-256 over everything that shapes one set of credentials.
//!
//! The flow writes who asks (the token's issuer, the calling and the target client) and
//! the backend's name; the backend writes its canonical call: everything STS's answer
//! depends on (the signed assertion's or token's content, the role, principal, region,
//! lifetime and session policies), except when it was made and its unique ID. Two requests
//! share an entry only when they would have produced equivalent credentials. Every field
//! is length-prefixed and every list counted, so no two different field lists encode to
//! the same bytes. The digest is all that is kept: a shared store never sees a `sub` in
//! clear.

use aws_lc_rs::digest;

/// A cache key (SHA-256).
pub type CacheKey = [u8; 32];

/// Builds a [`CacheKey`] field by field.
pub struct KeyWriter(digest::Context);

impl KeyWriter {
    /// A writer that starts with the key format's version.
    pub fn new() -> Self {
        let mut w = Self(digest::Context::new(&digest::SHA256));
        w.bytes(b"delegation-cache-v3");
        w
    }

    /// A count, such as a list's length.
    pub fn count(&mut self, n: usize) {
        self.0.update(&(n as u64).to_be_bytes());
    }

    /// Bytes, length-prefixed.
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.count(bytes.len());
        self.0.update(bytes);
    }

    pub fn text(&mut self, text: &str) {
        self.bytes(text.as_bytes());
    }

    /// A value that may be absent: absent and empty differ.
    pub fn optional(&mut self, text: Option<&str>) {
        match text {
            None => self.count(0),
            Some(text) => {
                self.count(1);
                self.text(text);
            }
        }
    }

    /// A list of texts, counted.
    pub fn list(&mut self, texts: &[String]) {
        self.count(texts.len());
        for text in texts {
            self.text(text);
        }
    }

    pub fn finish(self) -> CacheKey {
        let mut key = [0u8; 32];
        key.copy_from_slice(self.0.finish().as_ref());
        key
    }
}

impl Default for KeyWriter {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
#[path = "key_tests.rs"]
mod tests;
