//! One fetch of an issuer's JWKS: bounded in time and size, with the freshness its
//! `Cache-Control` gives.

use std::time::Duration;

use reqwest::header::{ACCEPT, CACHE_CONTROL};

use super::{FETCH_TIMEOUT, JwksCache, MAX_JWKS_BYTES, MAX_TTL};
use crate::token::keys::KeySet;

impl JwksCache {
    /// One GET of the JWKS; returns the parsed set and how long it stays fresh.
    pub(super) async fn fetch(&self) -> Result<(KeySet, Duration), FetchError> {
        let mut response = self
            .http
            .get(self.uri.clone())
            .header(ACCEPT, "application/json, application/jwk-set+json")
            .timeout(FETCH_TIMEOUT)
            .send()
            .await
            .map_err(FetchError::Request)?;
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|len| len > MAX_JWKS_BYTES as u64)
        {
            return Err(FetchError::TooLarge);
        }
        let ttl = response
            .headers()
            .get_all(CACHE_CONTROL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(max_age)
            .map_or(self.default_ttl, Duration::from_secs)
            .min(MAX_TTL)
            .max(self.min_refresh);

        // Read chunk by chunk so a huge or endless body is cut off at the bound.
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(FetchError::Request)? {
            if body.len().saturating_add(chunk.len()) > MAX_JWKS_BYTES {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        let keys = KeySet::from_json(&body).map_err(FetchError::Invalid)?;
        // An empty set is more likely a broken deploy than a real statement; keep the old.
        if keys.signing_key_count() == 0 {
            return Err(FetchError::NoKeys);
        }
        Ok((keys, ttl))
    }
}
/// Why a fetch failed. `Display` is safe to show clients (no URL, body or headers); the
/// log line adds the underlying cause.
#[derive(Debug, thiserror::Error)]
pub(super) enum FetchError {
    #[error("{}", describe_request_error(.0))]
    Request(#[source] reqwest::Error),
    #[error("the JWKS endpoint answered HTTP {0}")]
    Status(u16),
    #[error("the JWKS response is larger than {MAX_JWKS_BYTES} bytes")]
    TooLarge,
    #[error("{0}")]
    Invalid(&'static str),
    #[error("the JWKS contains no usable signing keys")]
    NoKeys,
}

impl FetchError {
    /// The cause chain, for the log only.
    pub(super) fn detail(&self) -> String {
        let mut detail = String::new();
        let mut cause = std::error::Error::source(self);
        while let Some(err) = cause {
            if !detail.is_empty() {
                detail.push_str(": ");
            }
            detail.push_str(&err.to_string());
            cause = err.source();
        }
        detail
    }
}

/// A short description of a failed request.
fn describe_request_error(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "the JWKS request timed out"
    } else if error.is_connect() {
        "could not connect to the JWKS endpoint"
    } else if error.is_body() || error.is_decode() {
        "the JWKS response could not be read"
    } else {
        "the JWKS request failed"
    }
}

/// The `max-age` of one `Cache-Control` value; `no-store`/`no-cache` count as 0 (clamped
/// up to `min_refresh` by the caller).
fn max_age(value: &str) -> Option<u64> {
    value
        .split(',')
        .map(str::trim)
        .find_map(|directive| match directive.split_once('=') {
            Some((name, secs)) if name.trim().eq_ignore_ascii_case("max-age") => {
                secs.trim().trim_matches('"').parse().ok()
            }
            None if directive.eq_ignore_ascii_case("no-store")
                || directive.eq_ignore_ascii_case("no-cache") =>
            {
                Some(0)
            }
            _ => None,
        })
}

#[cfg(test)]
#[path = "fetch_tests.rs"]
mod tests;
