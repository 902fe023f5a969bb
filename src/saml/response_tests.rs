// Tests slice the server's own output at offsets they just found; a panic fails the test.
#![allow(clippy::string_slice)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use quick_xml::events::Event;
use time::macros::datetime;

use super::*;
use crate::saml::signer::tests::fixture_signer;

const AWS: &str = "https://signin.aws.amazon.com/saml";

fn params<'a>(subject: &'a str, attributes: &'a [SamlAttribute]) -> ResponseParams<'a> {
    ResponseParams {
        issuer: "urn:example.auth0.com",
        subject,
        recipient: AWS,
        audience: AWS,
        attributes,
        issued_at: datetime!(2026-11-27 18:00:00.123456 UTC),
        lifetime: Duration::from_secs(300),
    }
}

fn build(subject: &str, attributes: &[SamlAttribute]) -> String {
    build_signed_response(&params(subject, attributes), &fixture_signer()).unwrap()
}

/// Start-tag names in document order; also proves the XML is well-formed.
fn element_names(xml: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut names = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => names.push(String::from_utf8(e.name().as_ref().to_vec()).unwrap()),
            Event::Empty(_) => panic!("canonical XML has no empty-element tags"),
            Event::Eof => return names,
            _ => {}
        }
    }
}

/// The unescaped text of each `<tag …>…</tag>` in the document.
fn texts(xml: &str, tag: &str) -> Vec<String> {
    let close = format!("</{tag}>");
    xml.split(&format!("<{tag}"))
        .skip(1)
        .filter(|rest| rest.starts_with([' ', '>']))
        .map(|rest| {
            let body = &rest[rest.find('>').unwrap() + 1..rest.find(&close).unwrap()];
            quick_xml::escape::unescape(body).unwrap().into_owned()
        })
        .collect()
}

fn attr<'a>(xml: &'a str, element: &str, name: &str) -> &'a str {
    let start = xml.find(&format!("<{element} ")).unwrap();
    let tag = &xml[start..start + xml[start..].find('>').unwrap()];
    let value_start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    &tag[value_start..value_start + tag[value_start..].find('"').unwrap()]
}

#[test]
fn elements_come_in_the_order_the_schema_and_aws_expect() {
    let attributes = [SamlAttribute {
        name: "a".into(),
        values: vec!["1".into(), "2".into()],
    }];
    let names = element_names(&build("auth0|1", &attributes));
    let expected = [
        "samlp:Response",
        "saml:Issuer",
        "samlp:Status",
        "samlp:StatusCode",
        "saml:Assertion",
        "saml:Issuer",
        "ds:Signature",
        "ds:SignedInfo",
        "ds:CanonicalizationMethod",
        "ds:SignatureMethod",
        "ds:Reference",
        "ds:Transforms",
        "ds:Transform",
        "ds:Transform",
        "ds:DigestMethod",
        "ds:DigestValue",
        "ds:SignatureValue",
        "ds:KeyInfo",
        "ds:X509Data",
        "ds:X509Certificate",
        "saml:Subject",
        "saml:NameID",
        "saml:SubjectConfirmation",
        "saml:SubjectConfirmationData",
        "saml:Conditions",
        "saml:AudienceRestriction",
        "saml:Audience",
        "saml:AuthnStatement",
        "saml:AuthnContext",
        "saml:AuthnContextClassRef",
        "saml:AttributeStatement",
        "saml:Attribute",
        "saml:AttributeValue",
        "saml:AttributeValue",
    ];
    assert_eq!(names, expected);
}

#[test]
fn timestamps_are_utc_with_milliseconds_and_not_before_allows_clock_skew() {
    let xml = build("u", &[]);
    assert_eq!(
        attr(&xml, "samlp:Response", "IssueInstant"),
        "2026-11-27T18:00:00.123Z"
    );
    assert_eq!(
        attr(&xml, "saml:Assertion", "IssueInstant"),
        "2026-11-27T18:00:00.123Z"
    );
    assert_eq!(
        attr(&xml, "saml:AuthnStatement", "AuthnInstant"),
        "2026-11-27T18:00:00.123Z"
    );
    assert_eq!(
        attr(&xml, "saml:Conditions", "NotBefore"),
        "2026-11-27T17:59:00.123Z"
    );
    assert_eq!(
        attr(&xml, "saml:Conditions", "NotOnOrAfter"),
        "2026-11-27T18:05:00.123Z"
    );
    assert_eq!(
        attr(&xml, "saml:SubjectConfirmationData", "NotOnOrAfter"),
        "2026-11-27T18:05:00.123Z"
    );
}

#[test]
fn non_utc_instants_are_converted_to_utc() {
    let mut p = params("u", &[]);
    p.issued_at = datetime!(2026-11-27 20:00:00 +02:00);
    let xml = build_signed_response(&p, &fixture_signer()).unwrap();
    assert_eq!(
        attr(&xml, "samlp:Response", "IssueInstant"),
        "2026-11-27T18:00:00.000Z"
    );
}

#[test]
fn recipient_audience_and_issuer_are_where_aws_reads_them() {
    let xml = build("u", &[]);
    assert_eq!(attr(&xml, "samlp:Response", "Destination"), AWS);
    assert_eq!(attr(&xml, "saml:SubjectConfirmationData", "Recipient"), AWS);
    assert_eq!(texts(&xml, "saml:Audience"), [AWS]);
    assert_eq!(texts(&xml, "saml:Issuer"), ["urn:example.auth0.com"; 2]);
    assert_eq!(
        attr(&xml, "saml:NameID", "Format"),
        "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    );
}

#[test]
fn claim_text_is_escaped_and_round_trips() {
    let hostile = "Zoë 東京 <&\"'> </saml:NameID><x>\r\n\t]]>";
    let attributes = [SamlAttribute {
        name: "n\"<&>".into(),
        values: vec![hostile.into()],
    }];
    let xml = build(hostile, &attributes);
    element_names(&xml);
    assert_eq!(texts(&xml, "saml:NameID"), [hostile]);
    assert_eq!(texts(&xml, "saml:AttributeValue"), [hostile]);
    assert!(xml.contains(r#"<saml:Attribute Name="n&quot;&lt;&amp;>""#));
}

#[test]
fn characters_xml_forbids_never_reach_the_document() {
    let attributes = [SamlAttribute {
        name: "a\u{1}".into(),
        values: vec!["v\u{0}\u{FFFF}".into()],
    }];
    let xml = build("u\u{8}", &attributes);
    assert!(
        !xml.chars()
            .any(|c| c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
    );
    assert!(!xml.contains('\u{FFFF}'));
    assert_eq!(texts(&xml, "saml:NameID"), ["u\u{FFFD}"]);
    assert_eq!(texts(&xml, "saml:AttributeValue"), ["v\u{FFFD}\u{FFFD}"]);
}

#[test]
fn no_attributes_means_no_attribute_statement() {
    assert!(!build("u", &[]).contains("AttributeStatement"));
}

#[test]
fn ids_are_fresh_ncnames_and_the_reference_points_at_the_assertion() {
    let a = build("u", &[]);
    let b = build("u", &[]);
    let id = attr(&a, "saml:Assertion", "ID");
    assert!(id.starts_with('_') && id.len() == 41, "{id}");
    assert_ne!(id, attr(&a, "samlp:Response", "ID"));
    assert_ne!(id, attr(&b, "saml:Assertion", "ID"));
    assert_eq!(attr(&a, "ds:Reference", "URI"), format!("#{id}"));
}

#[test]
fn digest_covers_the_assertion_without_its_signature_and_the_signature_verifies() {
    let xml = build("auth0|1", &[]);
    let assertion =
        &xml[xml.find("<saml:Assertion").unwrap()..xml.find("</samlp:Response>").unwrap()];
    let sig_start = assertion.find("<ds:Signature").unwrap();
    let sig_end = assertion.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let unsigned = [&assertion[..sig_start], &assertion[sig_end..]].concat();
    assert_eq!(texts(&xml, "ds:DigestValue"), [digest_value(&unsigned)]);

    let signed_info = &xml[xml.find("<ds:SignedInfo").unwrap()
        ..xml.find("</ds:SignedInfo>").unwrap() + "</ds:SignedInfo>".len()];
    let signature = STANDARD
        .decode(&texts(&xml, "ds:SignatureValue")[0])
        .unwrap();
    let signer = fixture_signer();
    let (_, cert) = x509_parser::parse_x509_certificate(signer.certificate_der()).unwrap();
    let key = aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        cert.public_key().subject_public_key.data.to_vec(),
    );
    key.verify(signed_info.as_bytes(), &signature).unwrap();
    assert_eq!(
        texts(&xml, "ds:X509Certificate"),
        [STANDARD.encode(signer.certificate_der())]
    );
}

#[test]
fn empty_required_fields_are_refused() {
    let signer = fixture_signer();
    let mut p = params("", &[]);
    assert_eq!(
        build_signed_response(&p, &signer),
        Err(SamlError::Empty("subject (NameID)"))
    );
    p.subject = "u";
    p.issuer = "";
    assert_eq!(
        build_signed_response(&p, &signer),
        Err(SamlError::Empty("issuer"))
    );
}

#[test]
fn lifetimes_past_year_9999_are_refused() {
    let signer = fixture_signer();
    let mut p = params("u", &[]);
    p.lifetime = Duration::from_secs(u64::MAX);
    assert_eq!(
        build_signed_response(&p, &signer),
        Err(SamlError::TimeOutOfRange("NotOnOrAfter"))
    );
    p.lifetime = Duration::from_secs(9000 * 366 * 86_400);
    assert_eq!(
        build_signed_response(&p, &signer),
        Err(SamlError::TimeOutOfRange("NotOnOrAfter"))
    );
}
