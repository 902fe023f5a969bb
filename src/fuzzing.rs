//! Entry points for the fuzz targets under `fuzz/` (feature `fuzzing`): the parsers of
//! untrusted bytes that are private to their modules, reached without a running server.

use crate::sts::{StsError, parse_reply};
use crate::token::{TokenError, parse_header};

/// Parses an STS reply body as the client does; `Ok` names the document it read.
pub fn sts_reply(body: &[u8]) -> Result<&'static str, StsError> {
    parse_reply(body).map(|success| if success { "result" } else { "error" })
}

/// Decodes a JOSE header (the first base64url part of a JWT) as the verifier does and
/// returns the key id it names.
pub fn jwt_header(encoded: &str) -> Result<Option<String>, TokenError> {
    parse_header(encoded).map(|header| header.kid)
}
