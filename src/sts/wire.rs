//! The bytes on the wire: the form we send and the bounded read of the reply.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{AssumeRoleWithSaml, AssumeRoleWithWebIdentity};

/// The form STS expects; the assertion is standard base64 without line breaks.
///
/// The assertion is about 10 kB of base64, in which only `+`, `/` and `=` need escaping:
/// it is written straight into the form instead of through the generic byte-by-byte
/// encoder (which showed in profiles), and the body is built once and shared by retries.
pub(super) fn form_body(req: &AssumeRoleWithSaml<'_>) -> bytes::Bytes {
    let assertion = STANDARD.encode(req.saml_response_xml.as_bytes());
    let mut form = form_urlencoded::Serializer::new(String::with_capacity(assertion.len() + 512));
    form.append_pair("Action", "AssumeRoleWithSAML")
        .append_pair("Version", "2011-06-15")
        .append_pair("RoleArn", req.role.as_str())
        .append_pair("PrincipalArn", req.principal.as_str())
        .append_pair("DurationSeconds", &req.duration_seconds.to_string());
    session_policies(&mut form, req.policy, req.policy_arns);
    let mut body = form.finish();
    body.push_str("&SAMLAssertion=");
    append_base64_encoded(&mut body, &assertion);
    bytes::Bytes::from(body)
}

/// The `AssumeRoleWithWebIdentity` form. A JWT is base64url and dots, which need no
/// escaping.
pub(super) fn web_identity_form_body(req: &AssumeRoleWithWebIdentity<'_>) -> bytes::Bytes {
    let capacity = req.web_identity_token.len() + 512;
    let mut form = form_urlencoded::Serializer::new(String::with_capacity(capacity));
    form.append_pair("Action", "AssumeRoleWithWebIdentity")
        .append_pair("Version", "2011-06-15")
        .append_pair("RoleArn", req.role.as_str())
        .append_pair("RoleSessionName", req.role_session_name)
        .append_pair("DurationSeconds", &req.duration_seconds.to_string())
        .append_pair("WebIdentityToken", req.web_identity_token);
    session_policies(&mut form, req.policy, req.policy_arns);
    bytes::Bytes::from(form.finish())
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

/// Appends standard base64 text form-encoded: its only characters needing escapes are
/// `+`, `/` and `=`.
fn append_base64_encoded(out: &mut String, base64: &str) {
    out.reserve(base64.len() + base64.len() / 8);
    let mut rest = base64;
    while let Some(at) = rest.find(['+', '/', '=']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'+' => "%2B",
            b'/' => "%2F",
            _ => "%3D",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PrincipalArn, Region, RoleArn};

    #[test]
    fn the_form_carries_every_parameter_and_a_single_line_assertion() {
        let region = Region::parse("us-east-1").unwrap();
        let role = RoleArn::parse("arn:aws:iam::123456789012:role/auth0-role").unwrap();
        let principal = PrincipalArn::parse("arn:aws:iam::123456789012:saml-provider/a0").unwrap();
        let xml = "<samlp:Response>".to_owned() + &"é+/?".repeat(100) + "</samlp:Response>";
        let body = form_body(&AssumeRoleWithSaml {
            region: &region,
            role: &role,
            principal: &principal,
            saml_response_xml: &xml,
            duration_seconds: 3600,
            policy: None,
            policy_arns: &[],
        });
        let pairs: Vec<(String, String)> = form_urlencoded::parse(&body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(pairs.len(), 6);
        assert_eq!(get("Action"), Some("AssumeRoleWithSAML"));
        assert_eq!(get("Version"), Some("2011-06-15"));
        assert_eq!(get("RoleArn"), Some(role.as_str()));
        assert_eq!(get("PrincipalArn"), Some(principal.as_str()));
        assert_eq!(get("DurationSeconds"), Some("3600"));
        let assertion = get("SAMLAssertion").unwrap();
        assert!(!assertion.contains('\n'));
        assert_eq!(STANDARD.decode(assertion).unwrap(), xml.as_bytes());
    }

    #[test]
    fn the_web_identity_form_carries_the_token_and_session_name() {
        let region = Region::parse("us-east-1").unwrap();
        let role = RoleArn::parse("arn:aws:iam::123456789012:role/r").unwrap();
        let arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned()];
        let body = web_identity_form_body(&AssumeRoleWithWebIdentity {
            region: &region,
            role: &role,
            role_session_name: "alice@example.com",
            web_identity_token: "eyJh.eyJz.c2ln-_",
            duration_seconds: 1800,
            policy: Some("{\"Version\":\"2012-10-17\"}"),
            policy_arns: &arns,
        });
        let pairs: Vec<(String, String)> = form_urlencoded::parse(&body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(pairs.len(), 8);
        assert_eq!(get("Action"), Some("AssumeRoleWithWebIdentity"));
        assert_eq!(get("RoleArn"), Some(role.as_str()));
        assert_eq!(get("RoleSessionName"), Some("alice@example.com"));
        assert_eq!(get("WebIdentityToken"), Some("eyJh.eyJz.c2ln-_"));
        assert_eq!(get("DurationSeconds"), Some("1800"));
        assert_eq!(get("Policy"), Some("{\"Version\":\"2012-10-17\"}"));
        assert_eq!(get("PolicyArns.member.1.arn"), Some(arns[0].as_str()));
        assert_eq!(get("PrincipalArn"), None);
    }

    #[test]
    fn base64_is_form_encoded_as_the_generic_encoder_does() {
        let text = "ab+/cd==x/+";
        let mut fast = String::new();
        append_base64_encoded(&mut fast, text);
        let generic: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
        assert_eq!(fast, generic);
    }

    #[test]
    fn session_policies_are_sent_when_set() {
        let region = Region::parse("us-east-1").unwrap();
        let role = RoleArn::parse("arn:aws:iam::123456789012:role/r").unwrap();
        let principal = PrincipalArn::parse("arn:aws:iam::123456789012:saml-provider/p").unwrap();
        let arns = [
            "arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned(),
            "arn:aws:iam::123456789012:policy/x".to_owned(),
        ];
        let policy = r#"{"Version":"2012-10-17","Statement":[]}"#;
        let body = form_body(&AssumeRoleWithSaml {
            region: &region,
            role: &role,
            principal: &principal,
            saml_response_xml: "<x/>",
            duration_seconds: 900,
            policy: Some(policy),
            policy_arns: &arns,
        });
        let pairs: Vec<(String, String)> = form_urlencoded::parse(&body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("Policy"), Some(policy));
        assert_eq!(get("PolicyArns.member.1.arn"), Some(arns[0].as_str()));
        assert_eq!(get("PolicyArns.member.2.arn"), Some(arns[1].as_str()));
    }
}
