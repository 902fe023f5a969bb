//! The SAML Response builder with claim text from the input.
//! Property: the Response always parses as XML, and the subject and every attribute value
//! read back exactly as given (characters XML cannot hold read back as U+FFFD).
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use delegation_server::domain::is_xml_char;
use delegation_server::saml::{ResponseParams, SamlAttribute, SamlSigner, build_signed_response};
use libfuzzer_sys::fuzz_target;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

const KEY: &str = include_str!("../../src/saml/testdata/rsa2048-pkcs8.pem");
const CERT: &str = include_str!("../../src/saml/testdata/rsa2048-cert.pem");

fn signer() -> &'static SamlSigner {
    static SIGNER: OnceLock<SamlSigner> = OnceLock::new();
    SIGNER.get_or_init(|| SamlSigner::from_pem(KEY, CERT, None).expect("test key"))
}

fn as_emitted(text: &str) -> String {
    text.chars()
        .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
        .collect()
}

/// The text content of every element named `name`, in document order.
fn texts_of(xml: &str, name: &[u8]) -> Vec<String> {
    let mut reader = Reader::from_str(xml);
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    loop {
        match reader
            .read_event()
            .expect("the Response is well-formed XML")
        {
            Event::Start(e) if e.name().as_ref() == name => current = Some(String::new()),
            Event::Empty(e) if e.name().as_ref() == name => found.push(String::new()),
            Event::Text(t) => {
                if let Some(text) = current.as_mut() {
                    text.push_str(&t.decode().expect("UTF-8 text"));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(text) = current.as_mut() {
                    let name = r.decode().expect("UTF-8 reference");
                    let c = match r.resolve_char_ref().expect("a valid character reference") {
                        Some(c) => c,
                        None => match &*name {
                            "amp" => '&',
                            "lt" => '<',
                            "gt" => '>',
                            "quot" => '"',
                            "apos" => '\'',
                            other => panic!("unknown entity &{other};"),
                        },
                    };
                    text.push(c);
                }
            }
            Event::End(e) if e.name().as_ref() == name => {
                found.extend(current.take());
            }
            Event::Eof => return found,
            _ => {}
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\u{0}');
    let subject = parts.next().unwrap_or_default();
    if subject.is_empty() {
        return;
    }
    let values: Vec<String> = parts.take(8).map(str::to_owned).collect();
    let attributes = [SamlAttribute {
        name: "urn:fuzz:claim".to_owned(),
        values: values.clone(),
    }];
    let params = ResponseParams {
        issuer: "urn:fuzz.example.com",
        subject,
        recipient: "https://signin.aws.amazon.com/saml",
        audience: "https://signin.aws.amazon.com/saml",
        attributes: if values.is_empty() { &[] } else { &attributes },
        issued_at: time::OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time"),
        lifetime: Duration::from_secs(300),
    };
    let xml = build_signed_response(&params, signer()).expect("a Response for any text");
    assert_eq!(texts_of(&xml, b"saml:NameID"), [as_emitted(subject)]);
    let expected: Vec<String> = values.iter().map(|v| as_emitted(v)).collect();
    assert_eq!(texts_of(&xml, b"saml:AttributeValue"), expected);
});
