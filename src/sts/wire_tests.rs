//! Unit tests of `sts::wire`.

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
fn a_web_identity_token_reads_back_whole_whether_copied_or_escaped() {
    let region = Region::parse("us-east-1").unwrap();
    let role = RoleArn::parse("arn:aws:iam::123456789012:role/r").unwrap();
    for token in ["eyJh.eyJz.c2ln-_*", "a+b=c&d e/%\u{e9}", ""] {
        let body = web_identity_form_body(&AssumeRoleWithWebIdentity {
            region: &region,
            role: &role,
            role_session_name: "s",
            web_identity_token: token,
            duration_seconds: 900,
            policy: None,
            policy_arns: &[],
        });
        let values: Vec<String> = form_urlencoded::parse(&body)
            .filter(|(k, _)| k == "WebIdentityToken")
            .map(|(_, v)| v.into_owned())
            .collect();
        assert_eq!(values, [token], "{}", String::from_utf8_lossy(&body));
    }
}

#[test]
fn base64_is_form_encoded_as_the_generic_encoders_do_at_every_length() {
    // Lengths around the block size cover padding of 0, 1 and 2 and several blocks;
    // the bytes cover all 64 base64 digits, `+` and `/` included.
    let data: Vec<u8> = (0..3000u32).map(|i| (i * 37 % 256) as u8).collect();
    for len in [0, 1, 2, 3, 767, 768, 769, 770, 1536, 2000, 3000] {
        let mut fast = Vec::new();
        append_base64_form_encoded(&mut fast, &data[..len]);
        let base64 = STANDARD.encode(&data[..len]);
        let generic: String = form_urlencoded::byte_serialize(base64.as_bytes()).collect();
        assert_eq!(String::from_utf8(fast).unwrap(), generic, "length {len}");
    }
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
