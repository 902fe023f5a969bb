//! Checks a SAML Response with real verifiers: `xmlsec1` and a Python service-provider
//! check (`verify_saml.py`: python3-saml configured like AWS, plus signxml).
//!
//! Standalone on purpose: include it with
//! `#[path = "support/saml_verify.rs"] mod saml_verify;` from any test binary.
#![allow(dead_code)] // each test binary uses a different part of it

use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;

use base64::Engine as _;

/// The PEM text of a DER certificate, as verifiers take it.
pub fn cert_pem_from_der(der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

fn temp_file(contents: &str, suffix: &str) -> Result<tempfile::NamedTempFile, String> {
    let mut file = tempfile::Builder::new()
        .suffix(suffix)
        .tempfile()
        .map_err(|e| format!("creating a temporary file: {e}"))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| format!("writing a temporary file: {e}"))?;
    Ok(file)
}

/// `xmlsec1 --verify` with `cert_pem` as the only trusted key and the Assertion's `ID`
/// registered as an ID attribute. `Err` carries xmlsec1's output.
pub fn verify_with_xmlsec1(response_xml: &str, cert_pem: &str) -> Result<(), String> {
    let cert = temp_file(cert_pem, ".pem")?;
    let response = temp_file(response_xml, ".xml")?;
    let output = Command::new("xmlsec1")
        .arg("--verify")
        .arg("--pubkey-cert-pem")
        .arg(cert.path())
        .arg("--id-attr:ID")
        .arg("urn:oasis:names:tc:SAML:2.0:assertion:Assertion")
        .arg(response.path())
        .output()
        .map_err(|e| format!("running xmlsec1 (is it installed?): {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // xmlsec1 exits 0 only when the signature is valid; "OK" is its own confirmation.
    if output.status.success() && text.contains("OK") {
        Ok(())
    } else {
        Err(format!(
            "xmlsec1 rejected the Response ({}):\n{text}",
            output.status
        ))
    }
}

/// The Python interpreter with python3-saml and signxml: `DELEGATION_TEST_PYTHON`, or the
/// project's `.venv`.
fn python() -> PathBuf {
    std::env::var_os("DELEGATION_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"))
}

/// Runs `verify_saml.py`: the Response must pass python3-saml configured as AWS's service
/// provider (issuer, audience, recipient, timestamps, signature) and signxml. Returns its
/// JSON report `{"name_id", "attributes", "issuer"}`; `Err` carries the reason.
pub fn verify_like_aws(
    response_xml: &str,
    cert_pem: &str,
    issuer: &str,
    audience: &str,
    recipient: &str,
) -> Result<serde_json::Value, String> {
    let cert = temp_file(cert_pem, ".pem")?;
    let response = temp_file(response_xml, ".xml")?;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/verify_saml.py");
    let python = python();
    let output = Command::new(&python)
        .arg(&script)
        .arg("--cert")
        .arg(cert.path())
        .arg("--issuer")
        .arg(issuer)
        .arg("--audience")
        .arg(audience)
        .arg("--recipient")
        .arg(recipient)
        .arg(response.path())
        .output()
        .map_err(|e| {
            format!(
                "running {} (set DELEGATION_TEST_PYTHON?): {e}",
                python.display()
            )
        })?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "verify_saml.py rejected the Response ({}): {stderr}",
            output.status
        ));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("verify_saml.py printed something other than JSON: {e}; {stderr}"))
}

/// What python3-saml's IdP metadata parser (the kind of consumer IAM is) reads from
/// `metadata`: `{"entity_id", "sso_url", "signing_certs": [base64 DER]}`.
pub fn parse_idp_metadata(metadata: &str) -> Result<serde_json::Value, String> {
    const SCRIPT: &str = r#"
import json, sys
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser as P
idp = P.parse(sys.stdin.buffer.read())["idp"]
certs = idp.get("x509certMulti", {}).get("signing") or [idp["x509cert"]]
json.dump({"entity_id": idp["entityId"], "sso_url": idp["singleSignOnService"]["url"],
           "signing_certs": certs}, sys.stdout)
"#;
    let python = python();
    let mut child = Command::new(&python)
        .arg("-c")
        .arg(SCRIPT)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("running {}: {e}", python.display()))?;
    child
        .stdin
        .take()
        .ok_or("no stdin for python")?
        .write_all(metadata.as_bytes())
        .map_err(|e| format!("writing metadata to python: {e}"))?;
    let output = child
        .wait_with_output()
        .map_err(|e| format!("waiting for python: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "python3-saml could not parse the metadata: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("not JSON: {e}"))
}
