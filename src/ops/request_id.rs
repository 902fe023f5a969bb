//! `X-Request-Id`: taken from the request when it is well-formed (so a proxy's ID carries
//! through), generated otherwise, and sent back on every response. The ID is in the
//! diagnostic log line and the audit record of the request.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
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
    hex(&bytes)
}

/// Lowercase hex, the high half of each byte first.
fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xF)]));
    }
    out
}

/// Middleware: gives every request its ID and every response the header.
pub async fn assign(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|id| is_well_formed(id))
        .map_or_else(generate, str::to_owned);
    let value = HeaderValue::from_str(&id).ok();
    request.extensions_mut().insert(RequestId(id));
    let mut response = next.run(request).await;
    if let Some(value) = value {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
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
    fn hex_is_lowercase_with_the_high_half_first() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff, 0x10]), "000fa5ff10");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn generated_ids_are_distinct_and_well_formed() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(is_well_formed(&a));
    }
}
