//! Unit tests for `AssumeRoleWithWebIdentity` replies.

use super::*;

/// Shaped like a real STS reply.
const FULL: &str = r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>auth0|123</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/web-role/jane</Arn>
      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:jane</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <Expiration>2026-11-27T19:00:00Z</Expiration>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
    <SourceIdentity>jane</SourceIdentity>
    <Provider>arn:aws:iam::123456789012:oidc-provider/d.example.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
"#;

#[test]
fn a_web_identity_reply_serialises_with_its_own_members() {
    let result = StsResult::from_xml(FULL).unwrap();
    assert_eq!(result.subject(), "auth0|123");
    assert_eq!(result.source_identity(), Some("jane"));
    assert_eq!(result.request_id(), "ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE");
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["SubjectFromWebIdentityToken"], "auth0|123");
    assert_eq!(
        json["Provider"],
        "arn:aws:iam::123456789012:oidc-provider/d.example.com"
    );
    assert_eq!(json["Audience"], "sts.amazonaws.com");
    assert_eq!(
        json["Credentials"]["Expiration"],
        "2026-11-27T19:00:00.000Z"
    );
    for saml_only in ["Subject", "SubjectType", "Issuer", "NameQualifier"] {
        assert!(json.get(saml_only).is_none(), "{saml_only} in {json}");
    }
}

#[test]
fn results_of_both_kinds_come_back_from_their_json() {
    let web = StsResult::from_xml(FULL).unwrap();
    let text = serde_json::to_string(&web).unwrap();
    let back: StsResult = serde_json::from_str(&text).unwrap();
    assert_eq!(back, web);
    assert!(matches!(back.identity(), Identity::WebIdentity { .. }));
}

#[test]
fn members_sts_left_out_are_completed_and_sent_ones_kept() {
    let bare = FULL
        .replace(
            "<SubjectFromWebIdentityToken>auth0|123</SubjectFromWebIdentityToken>",
            "",
        )
        .replace("<Audience>sts.amazonaws.com</Audience>", "");
    let mut result = StsResult::from_xml(&bare).unwrap();
    result.complete_web_identity("auth0|9", "arn:aws:iam::1:oidc-provider/x", "aud-9");
    let Identity::WebIdentity {
        subject_from_web_identity_token,
        provider,
        audience,
    } = result.identity()
    else {
        panic!("not a web identity result");
    };
    assert_eq!(subject_from_web_identity_token, "auth0|9");
    assert_eq!(audience, "aud-9");
    assert_eq!(
        provider,
        "arn:aws:iam::123456789012:oidc-provider/d.example.com"
    );
}

#[test]
fn credentials_stay_required() {
    let xml = FULL.replace("<AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>", "");
    let err = StsResult::from_xml(&xml).unwrap_err();
    assert!(
        matches!(&err, StsError::Malformed { reason } if reason.contains("AssumeRoleWithWebIdentityResult/Credentials/AccessKeyId")),
        "{err:?}"
    );
}
