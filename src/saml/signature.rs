//! The enveloped XML Signature (`ds:Signature`) over one element, in canonical form.
//!
//! The algorithms are fixed to what AWS documents and modern verifiers accept by default:
//! RSA-SHA256 over exclusive-c14n `SignedInfo`, a SHA-256 digest of the referenced element
//! after the enveloped-signature and exclusive-c14n transforms.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::xml::{element, push_end, push_start, push_text_element, text_element};

const DS_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

/// Base64 of the SHA-256 of `canonical` (the `DigestValue` of a reference to it).
pub(crate) fn digest_value(canonical: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes());
    STANDARD.encode(digest.as_ref())
}

fn push_algorithm(out: &mut String, name: &'static str, uri: &str) {
    push_start(out, name, &[("Algorithm", uri)]);
    push_end(out, name);
}

/// The `ds:SignedInfo` referencing `#reference_id`, exactly as exc-c14n renders it when
/// `SignedInfo` is the apex: that is the byte string the RSA signature covers. It carries
/// its own `xmlns:ds` because exc-c14n puts the declaration there (no output ancestor).
pub(crate) fn signed_info(reference_id: &str, digest_value: &str) -> String {
    let mut out = String::with_capacity(768);
    push_start(&mut out, "ds:SignedInfo", &[("xmlns:ds", DS_NS)]);
    push_algorithm(&mut out, "ds:CanonicalizationMethod", EXC_C14N);
    push_algorithm(&mut out, "ds:SignatureMethod", RSA_SHA256);
    push_start(
        &mut out,
        "ds:Reference",
        &[("URI", &format!("#{reference_id}"))],
    );
    push_start(&mut out, "ds:Transforms", &[]);
    push_algorithm(&mut out, "ds:Transform", ENVELOPED);
    push_algorithm(&mut out, "ds:Transform", EXC_C14N);
    push_end(&mut out, "ds:Transforms");
    push_algorithm(&mut out, "ds:DigestMethod", SHA256);
    push_text_element(&mut out, "ds:DigestValue", &[], digest_value);
    push_end(&mut out, "ds:Reference");
    push_end(&mut out, "ds:SignedInfo");
    out
}

/// The `ds:KeyInfo` naming the signing certificate (base64 without line breaks, which
/// every verifier accepts). The same for every signature, so it is made once per key.
pub(crate) fn key_info(certificate_der: &[u8]) -> String {
    element(
        "ds:KeyInfo",
        &[],
        &element(
            "ds:X509Data",
            &[],
            &text_element("ds:X509Certificate", &[], &STANDARD.encode(certificate_der)),
        ),
    )
}

/// The complete `ds:Signature`: the signed `SignedInfo`, the signature value and the
/// `KeyInfo` from [`key_info`].
pub(crate) fn signature_element(
    signed_info: &str,
    signature_value: &[u8],
    key_info: &str,
) -> String {
    let value = STANDARD.encode(signature_value);
    let mut out = String::with_capacity(signed_info.len() + value.len() + key_info.len() + 160);
    push_start(&mut out, "ds:Signature", &[("xmlns:ds", DS_NS)]);
    out.push_str(signed_info);
    push_start(&mut out, "ds:SignatureValue", &[]);
    out.push_str(&value);
    push_end(&mut out, "ds:SignatureValue");
    out.push_str(key_info);
    push_end(&mut out, "ds:Signature");
    out
}

#[cfg(test)]
#[path = "signature_tests.rs"]
mod tests;
