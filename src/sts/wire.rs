//! The bytes on the wire: the form we send and the bounded read of the reply.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{AssumeRoleWithSaml, AssumeRoleWithWebIdentity};

/// The form STS expects; the assertion is standard base64 without line breaks.
///
/// The assertion is several kilobytes of base64, in which only `+`, `/` and `=` need
/// escaping: it is encoded and escaped in one pass straight into the form, rather than
/// base64 into a string of its own and then through the generic byte-by-byte encoder
/// (both showed in profiles). The body is built once and shared by retries.
pub(super) fn form_body(req: &AssumeRoleWithSaml<'_>) -> bytes::Bytes {
    let xml = req.saml_response_xml.as_bytes();
    let capacity = xml.len() / 3 * 4 + xml.len() / 8 + 512;
    let mut form = form_urlencoded::Serializer::new(String::with_capacity(capacity));
    form.append_pair("Action", "AssumeRoleWithSAML")
        .append_pair("Version", "2011-06-15")
        .append_pair("RoleArn", req.role.as_str())
        .append_pair("PrincipalArn", req.principal.as_str())
        .append_pair("DurationSeconds", &req.duration_seconds.to_string());
    session_policies(&mut form, req.policy, req.policy_arns);
    let mut body = form.finish().into_bytes();
    body.extend_from_slice(b"&SAMLAssertion=");
    append_base64_form_encoded(&mut body, xml);
    bytes::Bytes::from(body)
}

/// The `AssumeRoleWithWebIdentity` form. A JWT is base64url and dots, which need no
/// escaping: it is copied as it is instead of byte by byte through the encoder (which
/// showed in profiles), and anything else in it is escaped as usual.
pub(super) fn web_identity_form_body(req: &AssumeRoleWithWebIdentity<'_>) -> bytes::Bytes {
    let token = req.web_identity_token;
    let capacity = token.len() + 512;
    let mut form = form_urlencoded::Serializer::new(String::with_capacity(capacity));
    form.append_pair("Action", "AssumeRoleWithWebIdentity")
        .append_pair("Version", "2011-06-15")
        .append_pair("RoleArn", req.role.as_str())
        .append_pair("RoleSessionName", req.role_session_name)
        .append_pair("DurationSeconds", &req.duration_seconds.to_string());
    let plain = token.bytes().all(is_unreserved);
    if !plain {
        form.append_pair("WebIdentityToken", token);
    }
    session_policies(&mut form, req.policy, req.policy_arns);
    let mut body = form.finish();
    if plain {
        body.push_str("&WebIdentityToken=");
        body.push_str(token);
    }
    bytes::Bytes::from(body)
}

/// The bytes form encoding leaves as they are.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'*')
}

fn session_policies(
    form: &mut form_urlencoded::Serializer<'_, String>,
    policy: Option<&str>,
    policy_arns: &[String],
) {
    if let Some(policy) = policy {
        form.append_pair("Policy", policy);
    }
    for (i, arn) in policy_arns.iter().enumerate() {
        form.append_pair(&format!("PolicyArns.member.{}.arn", i + 1), arn);
    }
}

/// Appends `data` as standard base64, form-encoded: of its characters only `+`, `/` and
/// `=` need escapes. Encoded a block at a time on the stack; blocks of a multiple of three
/// bytes keep padding to the very end.
fn append_base64_form_encoded(out: &mut Vec<u8>, data: &[u8]) {
    const BLOCK: usize = 768;
    let mut encoded = [0u8; BLOCK / 3 * 4];
    out.reserve(data.len() / 3 * 4 + data.len() / 8);
    for block in data.chunks(BLOCK) {
        // The buffer fits a whole block, so encoding into it cannot fail.
        match STANDARD.encode_slice(block, &mut encoded) {
            Ok(n) => append_escaped(out, &encoded[..n]),
            Err(_) => append_escaped(out, STANDARD.encode(block).as_bytes()),
        }
    }
}

fn append_escaped(out: &mut Vec<u8>, base64: &[u8]) {
    let mut run = 0;
    for i in memchr::memchr3_iter(b'+', b'/', b'=', base64) {
        out.extend_from_slice(&base64[run..i]);
        out.extend_from_slice(match base64[i] {
            b'+' => b"%2B",
            b'/' => b"%2F",
            _ => b"%3D",
        });
        run = i + 1;
    }
    out.extend_from_slice(&base64[run..]);
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
