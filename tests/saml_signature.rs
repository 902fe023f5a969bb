//! The signed SAML Response is checked by real verifiers: `xmlsec1` and a Python service
//! provider configured like AWS (python3-saml + signxml). Each acceptance test has a
//! matching rejection test, so a verifier that accepts everything would be caught.

#[path = "support/saml_verify.rs"]
mod saml_verify;

use std::sync::OnceLock;
use std::time::Duration;

use delegation_server::domain::Partition;
use delegation_server::saml::{
    ResponseParams, SamlAttribute, SamlSigner, build_signed_response, compute_attributes,
    default_mappings, generate_key_and_certificate, metadata_xml,
};
use quick_xml::events::Event;
use saml_verify::{cert_pem_from_der, verify_like_aws, verify_with_xmlsec1};
use serde_json::json;
use time::OffsetDateTime;

const ISSUER: &str = "urn:example.auth0.com";
const ROLE_PAIR: &str =
    "arn:aws:iam::123456789012:role/auth0-role,arn:aws:iam::123456789012:saml-provider/auth0";

/// Key generation is slow-ish; each test binary makes two keys and shares them.
fn keys(which: usize) -> &'static (String, String) {
    static KEYS: OnceLock<[(String, String); 2]> = OnceLock::new();
    &KEYS.get_or_init(|| {
        [
            generate_key_and_certificate("urn:example.auth0.com").unwrap(),
            generate_key_and_certificate("urn:attacker.example").unwrap(),
        ]
    })[which]
}

fn signer() -> SamlSigner {
    let (key, cert) = keys(0);
    SamlSigner::from_pem(key, cert, None).unwrap()
}

fn other_signer() -> SamlSigner {
    let (key, cert) = keys(1);
    SamlSigner::from_pem(key, cert, None).unwrap()
}

fn cert_pem() -> String {
    cert_pem_from_der(signer().certificate_der())
}

/// The attributes AWS needs, computed the way the server does.
fn aws_attributes(name: &str) -> Vec<SamlAttribute> {
    let user = json!({ "name": name, "awsrole": ROLE_PAIR, "rolesessionname": "jane" });
    let serde_json::Value::Object(user) = user else {
        unreachable!("literal object")
    };
    compute_attributes(&user, &default_mappings()).unwrap()
}

fn response(
    signer: &SamlSigner,
    subject: &str,
    partition: Partition,
    attributes: &[SamlAttribute],
) -> String {
    let params = ResponseParams {
        issuer: ISSUER,
        subject,
        recipient: partition.saml_recipient(),
        audience: partition.saml_audience(),
        attributes,
        issued_at: OffsetDateTime::now_utc(),
        lifetime: Duration::from_secs(300),
    };
    build_signed_response(&params, signer).unwrap()
}

fn verify_aws(xml: &str, cert: &str) -> Result<serde_json::Value, String> {
    let p = Partition::Aws;
    verify_like_aws(xml, cert, ISSUER, p.saml_audience(), p.saml_recipient())
}

/// Both verifiers must refuse, for the cryptographic reason expected (not a missing tool
/// or an unrelated check): `xmlsec_reason` is xmlsec1's own wording.
fn assert_rejected_by_both(xml: &str, cert: &str, xmlsec_reason: &str) {
    let xmlsec = verify_with_xmlsec1(xml, cert).expect_err("xmlsec1 accepted a bad Response");
    assert!(xmlsec.contains(xmlsec_reason), "{xmlsec}");
    let python = verify_aws(xml, cert).expect_err("the AWS-like verifier accepted a bad Response");
    assert!(python.contains("Signature validation failed"), "{python}");
}

const DIGEST_MISMATCH: &str = "data and digest do not match";
const BAD_SIGNATURE: &str = "signature verification failed";

#[test]
fn a_signed_response_passes_xmlsec1_and_an_aws_like_service_provider() {
    let attributes = aws_attributes("Jane Doe");
    let xml = response(&signer(), "auth0|123", Partition::Aws, &attributes);

    verify_with_xmlsec1(&xml, &cert_pem()).unwrap();
    let seen = verify_aws(&xml, &cert_pem()).unwrap();

    assert_eq!(
        seen,
        json!({
            "name_id": "auth0|123",
            "issuer": ISSUER,
            "attributes": {
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier": ["Jane Doe"],
                "https://aws.amazon.com/SAML/Attributes/Role": [ROLE_PAIR],
                "https://aws.amazon.com/SAML/Attributes/RoleSessionName": ["jane"],
            },
        })
    );
}

#[test]
fn markup_and_non_ascii_in_claims_round_trip_exactly_under_the_signature() {
    let hostile = "Zoë 東京 <&\"'>";
    let tricky = "</saml:NameID>]]>&amp; line1\r\nline2\ttab";
    let mut attributes = aws_attributes(hostile);
    attributes.push(SamlAttribute {
        name: "urn:test:tricky \"<&>\"".to_owned(),
        values: vec![tricky.to_owned(), hostile.to_owned()],
    });
    let xml = response(&signer(), hostile, Partition::Aws, &attributes);

    verify_with_xmlsec1(&xml, &cert_pem()).unwrap();
    let seen = verify_aws(&xml, &cert_pem()).unwrap();

    assert_eq!(seen["name_id"], hostile);
    let name_attribute = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier";
    assert_eq!(seen["attributes"][name_attribute], json!([hostile]));
    assert_eq!(
        seen["attributes"]["urn:test:tricky \"<&>\""],
        json!([tricky, hostile])
    );
}

#[test]
fn every_partition_recipient_and_audience_verify() {
    let attributes = aws_attributes("Jane");
    for partition in [Partition::Aws, Partition::AwsCn, Partition::AwsUsGov] {
        let xml = response(&signer(), "auth0|1", partition, &attributes);
        verify_with_xmlsec1(&xml, &cert_pem()).unwrap();
        let seen = verify_like_aws(
            &xml,
            &cert_pem(),
            ISSUER,
            partition.saml_audience(),
            partition.saml_recipient(),
        )
        .unwrap_or_else(|e| panic!("{partition}: {e}"));
        assert_eq!(seen["name_id"], "auth0|1");
    }
}

#[test]
fn a_response_for_another_partition_is_rejected_by_the_aws_like_verifier() {
    let xml = response(
        &signer(),
        "auth0|1",
        Partition::AwsCn,
        &aws_attributes("Jane"),
    );
    let err = verify_aws(&xml, &cert_pem()).unwrap_err();
    assert!(
        err.contains("was received at https://signin.aws.amazon.com/saml"),
        "{err}"
    );
}

#[test]
fn a_response_for_another_audience_or_issuer_is_rejected_by_the_aws_like_verifier() {
    let xml = response(
        &signer(),
        "auth0|1",
        Partition::Aws,
        &aws_attributes("Jane"),
    );
    let recipient = Partition::Aws.saml_recipient();
    let audience = Partition::Aws.saml_audience();
    let err = verify_like_aws(
        &xml,
        &cert_pem(),
        ISSUER,
        "urn:amazon:webservices",
        recipient,
    )
    .unwrap_err();
    assert!(err.contains("not a valid audience"), "{err}");
    let err = verify_like_aws(
        &xml,
        &cert_pem(),
        "urn:other.auth0.com",
        audience,
        recipient,
    )
    .unwrap_err();
    assert!(err.contains("Invalid issuer"), "{err}");
}

#[test]
fn a_name_id_changed_after_signing_is_rejected() {
    let xml = response(
        &signer(),
        "auth0|123",
        Partition::Aws,
        &aws_attributes("Jane"),
    );
    let tampered = xml.replace(">auth0|123</saml:NameID>", ">auth0|admin</saml:NameID>");
    assert_ne!(tampered, xml);
    assert_rejected_by_both(&tampered, &cert_pem(), DIGEST_MISMATCH);
}

#[test]
fn a_role_changed_after_signing_is_rejected() {
    let xml = response(
        &signer(),
        "auth0|123",
        Partition::Aws,
        &aws_attributes("Jane"),
    );
    let tampered = xml.replace("role/auth0-role,", "role/admin,");
    assert_ne!(tampered, xml);
    assert_rejected_by_both(&tampered, &cert_pem(), DIGEST_MISMATCH);
}

#[test]
fn a_response_signed_with_another_key_is_rejected() {
    let xml = response(
        &other_signer(),
        "auth0|123",
        Partition::Aws,
        &aws_attributes("Jane"),
    );
    // Sanity: the same Response is fine for the key that signed it.
    verify_with_xmlsec1(&xml, &cert_pem_from_der(other_signer().certificate_der())).unwrap();
    assert_rejected_by_both(&xml, &cert_pem(), BAD_SIGNATURE);
}

#[test]
fn an_expired_response_is_rejected_by_the_aws_like_verifier() {
    let attributes = aws_attributes("Jane");
    let params = ResponseParams {
        issuer: ISSUER,
        subject: "auth0|1",
        recipient: Partition::Aws.saml_recipient(),
        audience: Partition::Aws.saml_audience(),
        attributes: &attributes,
        issued_at: OffsetDateTime::now_utc() - time::Duration::hours(1),
        lifetime: Duration::from_secs(300),
    };
    let xml = build_signed_response(&params, &signer()).unwrap();
    // The signature itself is fine; only the time checks fail.
    verify_with_xmlsec1(&xml, &cert_pem()).unwrap();
    let err = verify_aws(&xml, &cert_pem()).unwrap_err();
    assert!(err.contains("expired"), "{err}");
}

/// The base64 of every `ds:X509Certificate` inside a `KeyDescriptor use="signing"`.
fn signing_certificates(metadata: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(metadata);
    let (mut in_signing_key, mut in_cert) = (false, false);
    let mut certs = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) if e.name().as_ref() == b"md:KeyDescriptor" => {
                let usage = e.try_get_attribute("use").unwrap().unwrap();
                in_signing_key = usage.value.as_ref() == b"signing";
            }
            Event::End(e) if e.name().as_ref() == b"md:KeyDescriptor" => in_signing_key = false,
            Event::Start(e) if e.name().as_ref() == b"ds:X509Certificate" => in_cert = true,
            Event::End(e) if e.name().as_ref() == b"ds:X509Certificate" => in_cert = false,
            Event::Text(t) if in_cert && in_signing_key => {
                certs.push(t.decode().unwrap().into_owned())
            }
            Event::Eof => return certs,
            _ => {}
        }
    }
}

#[test]
fn metadata_parses_and_publishes_the_signing_certificate() {
    let signer = signer();
    let xml = metadata_xml(ISSUER, "https://idp.example.com/samlp/client", &signer);
    let b64 = |der: &[u8]| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der);
    assert_eq!(signing_certificates(&xml), [b64(signer.certificate_der())]);
    let parsed = saml_verify::parse_idp_metadata(&xml).unwrap();
    assert_eq!(parsed["entity_id"], ISSUER);
    assert_eq!(
        parsed["signing_certs"],
        json!([b64(signer.certificate_der())])
    );
}

#[test]
fn metadata_during_rotation_publishes_both_certificates() {
    let (key, cert) = keys(0);
    let (_, next) = keys(1);
    let signer = SamlSigner::from_pem(key, cert, Some(next)).unwrap();
    let xml = metadata_xml(ISSUER, "https://idp.example.com/samlp/client", &signer);
    let b64 = |der: &[u8]| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der);
    let expected: Vec<String> = signer
        .published_certificates()
        .into_iter()
        .map(b64)
        .collect();
    assert_eq!(expected.len(), 2);
    assert_eq!(signing_certificates(&xml), expected);
    let parsed = saml_verify::parse_idp_metadata(&xml).unwrap();
    assert_eq!(parsed["signing_certs"], json!(expected));
}
