//! `X-Request-Id`: taken from the request when it is well-formed (so a proxy's ID carries
//! through), generated otherwise, and sent back on every response. The ID is in the
//! diagnostic log line and the audit record of the request.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Longest ID accepted from a client.
const MAX_LEN: usize = 128;

/// The request's ID, as an extension handlers can read.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Whether `id` is safe to echo in headers and logs: 1–128 characters of
/// `[A-Za-z0-9._~:@/+=-]` (UUIDs, ULIDs, base64 and trace IDs all fit).
pub fn is_well_formed(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._~:@/+=-".contains(&b))
}

/// A new random ID: 128 bits as 32 hex digits.
pub fn generate() -> String {
    let mut bytes = [0u8; 16];
    // The system random source failing is not a reason to refuse a request: an ID from
    // the clock still tells log lines apart.
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = nanos.to_be_bytes();
    }
    crate::domain::hex(&bytes)
}

/// Gives `request` its ID (an extension handlers read); returns the header value for the
/// response, which [`stamp`] puts on it.
pub fn assign(request: &mut Request) -> Option<HeaderValue> {
    let id = request
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|id| is_well_formed(id))
        .map_or_else(generate, str::to_owned);
    let value = HeaderValue::from_str(&id).ok();
    request.extensions_mut().insert(RequestId(id));
    value
}

/// Sends the request's ID back on its response.
pub fn stamp(response: &mut Response, value: Option<HeaderValue>) {
    if let Some(value) = value {
        response.headers_mut().insert(HEADER, value);
    }
}

#[cfg(test)]
#[path = "request_id_tests.rs"]
mod tests;
