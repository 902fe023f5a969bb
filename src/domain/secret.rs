//! A secret value (a key, a password, a token) that never shows in `Debug` output or logs.

use std::fmt;

/// A secret (bytes by default) that never shows in `Debug` output or logs.
#[derive(Clone)]
pub struct Secret<T = Vec<u8>>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }
}

/// Equal when the values are; used to tell whether a reload changed settings, not to
/// check a secret someone presented (that is constant-time, elsewhere).
impl<T: PartialEq> PartialEq for Secret<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
#[path = "secret_tests.rs"]
mod tests;
