//! Unit tests for reply parsing (kept apart so `reply.rs` stays short).
// Tests slice texts at offsets they just found; a panic fails the test.
#![allow(clippy::string_slice)]

use super::*;

/// Shaped like a real STS reply (indentation, namespace, every optional member).
const FULL: &str = r#"<AssumeRoleWithSAMLResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithSAMLResult>
    <Audience>https://signin.aws.amazon.com/saml</Audience>
    <AssumedRoleUser>
      <AssumedRoleId>AROAEXAMPLEID12345678:jane</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/auth0-role/jane</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLEKEY123456</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>IQoJb3JpZ2luX2VjEXAMPLETOKEN+/=</SessionToken>
      <Expiration>2026-11-27T19:00:00Z</Expiration>
    </Credentials>
    <Issuer>urn:example.auth0.com</Issuer>
    <NameQualifier>SbdGOnUkh1i4+EXAMPLE=</NameQualifier>
    <PackedPolicySize>6</PackedPolicySize>
    <SourceIdentity>jane@example.com</SourceIdentity>
    <Subject>auth0|123</Subject>
    <SubjectType>persistent</SubjectType>
  </AssumeRoleWithSAMLResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleWithSAMLResponse>
"#;

fn without(xml: &str, element: &str) -> String {
    let start = xml.find(&format!("<{element}>")).unwrap();
    let end_tag = format!("</{element}>");
    let end = xml.find(&end_tag).unwrap() + end_tag.len();
    format!("{}{}", &xml[..start], &xml[end..])
}

#[test]
fn a_full_reply_serialises_to_auth0_json() {
    let result = StsResult::from_xml(FULL).unwrap();
    let json = serde_json::to_string(&result).unwrap();
    assert_eq!(
        json,
        concat!(
            r#"{"Credentials":{"AccessKeyId":"ASIAEXAMPLEKEY123456","#,
            r#""SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY","#,
            r#""SessionToken":"IQoJb3JpZ2luX2VjEXAMPLETOKEN+/=","#,
            r#""Expiration":"2026-11-27T19:00:00.000Z"},"#,
            r#""AssumedRoleUser":{"AssumedRoleId":"AROAEXAMPLEID12345678:jane","#,
            r#""Arn":"arn:aws:sts::123456789012:assumed-role/auth0-role/jane"},"#,
            r#""PackedPolicySize":6,"Subject":"auth0|123","SubjectType":"persistent","#,
            r#""Issuer":"urn:example.auth0.com","Audience":"https://signin.aws.amazon.com/saml","#,
            r#""NameQualifier":"SbdGOnUkh1i4+EXAMPLE=","SourceIdentity":"jane@example.com","#,
            r#""ResponseMetadata":{"RequestId":"c6104cbe-af31-11e0-8154-cbc7ccf896c7"}}"#
        )
    );
}

#[test]
fn accessors_expose_what_the_http_layer_logs() {
    let result = StsResult::from_xml(FULL).unwrap();
    assert_eq!(
        result.assumed_role_arn(),
        "arn:aws:sts::123456789012:assumed-role/auth0-role/jane"
    );
    assert_eq!(result.assumed_role_id(), "AROAEXAMPLEID12345678:jane");
    assert_eq!(result.subject(), "auth0|123");
    assert_eq!(result.access_key_id(), "ASIAEXAMPLEKEY123456");
    assert_eq!(result.request_id(), "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
    assert_eq!(result.source_identity(), Some("jane@example.com"));
    assert_eq!(result.expiration().unix_timestamp(), 1_795_806_000);
}

#[test]
fn optional_members_are_omitted_when_sts_leaves_them_out() {
    let xml = without(&without(FULL, "PackedPolicySize"), "SourceIdentity");
    let json = serde_json::to_string(&StsResult::from_xml(&xml).unwrap()).unwrap();
    assert!(!json.contains("PackedPolicySize"), "{json}");
    assert!(!json.contains("SourceIdentity"), "{json}");
    let order = [
        "\"Credentials\"",
        "\"AssumedRoleUser\"",
        "\"Subject\"",
        "\"SubjectType\"",
        "\"Issuer\"",
        "\"Audience\"",
        "\"NameQualifier\"",
        "\"ResponseMetadata\"",
    ]
    .map(|key| json.find(key).unwrap());
    assert!(order.is_sorted(), "{json}");
}

#[test]
fn expiration_is_normalised_to_utc_milliseconds() {
    for (sent, shown) in [
        ("2026-11-27T19:00:00Z", "2026-11-27T19:00:00.000Z"),
        ("2026-11-27T19:20:41.469895Z", "2026-11-27T19:20:41.469Z"),
        ("2026-11-27T19:00:00.5Z", "2026-11-27T19:00:00.500Z"),
        ("2026-11-27T20:00:00+01:00", "2026-11-27T19:00:00.000Z"),
    ] {
        let xml = FULL.replace("2026-11-27T19:00:00Z", sent);
        let json = serde_json::to_value(StsResult::from_xml(&xml).unwrap()).unwrap();
        assert_eq!(json["Credentials"]["Expiration"], shown, "for {sent}");
    }
}

#[test]
fn an_unreadable_expiration_is_malformed() {
    let xml = FULL.replace("2026-11-27T19:00:00Z", "tomorrow");
    assert!(matches!(
        StsResult::from_xml(&xml),
        Err(StsError::Malformed { .. })
    ));
}

#[test]
fn debug_output_never_shows_the_secret_or_the_session_token() {
    let shown = format!("{:?}", StsResult::from_xml(FULL).unwrap());
    assert!(!shown.contains("wJalrXUtnFEMI"), "{shown}");
    assert!(!shown.contains("IQoJb3JpZ2lu"), "{shown}");
    assert!(shown.contains("<redacted>"));
    assert!(shown.contains("ASIAEXAMPLEKEY123456"));
}

#[test]
fn each_missing_required_member_is_malformed() {
    for element in [
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
        "AssumedRoleId",
        "Arn",
        "Subject",
        "SubjectType",
        "Issuer",
        "Audience",
        "NameQualifier",
        "RequestId",
    ] {
        let err = StsResult::from_xml(&without(FULL, element)).unwrap_err();
        match err {
            StsError::Malformed { reason } => assert!(reason.contains(element), "{reason}"),
            other => panic!("{element}: {other:?}"),
        }
    }
}

#[test]
fn an_empty_secret_is_malformed() {
    let xml = FULL.replace("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY", "");
    assert!(matches!(
        StsResult::from_xml(&xml),
        Err(StsError::Malformed { .. })
    ));
}

#[test]
fn a_non_numeric_packed_policy_size_is_malformed() {
    let xml = FULL.replace("<PackedPolicySize>6<", "<PackedPolicySize>six<");
    assert!(matches!(
        StsResult::from_xml(&xml),
        Err(StsError::Malformed { .. })
    ));
}

#[test]
fn error_documents_give_type_code_and_message() {
    let body = br#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>AccessDenied</Code>
    <Message>Not authorized to perform sts:AssumeRoleWithSAML &amp; more</Message>
  </Error>
  <RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>
</ErrorResponse>"#;
    let Reply::Error(e) = parse(body).unwrap() else {
        panic!("not an error")
    };
    assert_eq!(e.kind.as_deref(), Some("Sender"));
    assert_eq!(e.code, "AccessDenied");
    assert_eq!(
        e.message,
        "Not authorized to perform sts:AssumeRoleWithSAML & more"
    );
}

#[test]
fn long_error_messages_are_capped_and_control_characters_removed() {
    let body = format!(
        "<ErrorResponse><Error><Code>ValidationError</Code><Message>a\nb{}</Message></Error></ErrorResponse>",
        "x".repeat(5000)
    );
    let Reply::Error(e) = parse(body.as_bytes()).unwrap() else {
        panic!("not an error")
    };
    assert_eq!(e.message.chars().count(), MAX_MESSAGE_CHARS + 1);
    assert!(e.message.starts_with("a b"));
    assert!(e.message.ends_with('…'));
    assert_eq!(e.kind, None);
}

#[test]
fn an_error_without_a_code_is_malformed() {
    let body = b"<ErrorResponse><Error><Message>hm</Message></Error></ErrorResponse>";
    assert!(matches!(parse(body), Err(StsError::Malformed { .. })));
}

#[test]
fn garbage_html_and_other_documents_are_malformed() {
    for body in [
        &b"\xff\xfe not utf8"[..],
        b"",
        b"Service Unavailable",
        b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
        b"<html><body><h1>Forbidden</h1></body></html>",
        b"<AssumeRoleWithSAMLResponse><AssumeRoleWithSAMLResult>",
        br#"{"Credentials":{}}"#,
    ] {
        assert!(
            matches!(parse(body), Err(StsError::Malformed { .. })),
            "{:?} was accepted",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn from_xml_refuses_an_error_document() {
    let body = "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>";
    assert!(matches!(
        StsResult::from_xml(body),
        Err(StsError::Malformed { .. })
    ));
}

#[test]
fn the_json_form_reads_back_to_the_same_result() {
    for xml in [FULL.to_owned(), without(FULL, "SourceIdentity")] {
        let result = StsResult::from_xml(&xml).unwrap();
        let json = serde_json::to_vec(&result).unwrap();
        let back: StsResult = serde_json::from_slice(&json).unwrap();
        assert_eq!(back, result);
        assert_eq!(back.expiration(), result.expiration());
    }
    let bad = serde_json::to_string(&StsResult::from_xml(FULL).unwrap())
        .unwrap()
        .replace("2026-11-27T19:00:00.000Z", "tomorrow");
    assert!(serde_json::from_str::<StsResult>(&bad).is_err());
}
