//! `keygen --kind oidc`: an EC P-256 key (ES256) unless `--algorithm rs256`, checked with
//! openssl, and `--algorithm` refused for SAML keys.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_delegation-server");

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn keygen(args: &[&str]) -> Output {
    Command::new(BIN).arg("keygen").args(args).output().unwrap()
}

/// What openssl says the private key in `path` is.
fn openssl_describes(path: &std::path::Path) -> String {
    let out = Command::new("openssl")
        .args(["pkey", "-noout", "-text", "-in"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn an_oidc_key_is_ec_p256_by_default_and_rsa_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let ec = dir.path().join("ec");
    let out = keygen(&["--kind", "oidc", "--out", ec.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("ES256"), "{}", text(&out));
    let described = openssl_describes(&ec.join("oidc.key"));
    assert!(described.contains("prime256v1"), "{described}");

    let rsa = dir.path().join("rsa");
    let out = keygen(&[
        "--kind",
        "oidc",
        "--algorithm",
        "rs256",
        "--out",
        rsa.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("RS256"), "{}", text(&out));
    let described = openssl_describes(&rsa.join("oidc.key"));
    assert!(described.contains("2048 bit"), "{described}");
}

#[test]
fn an_algorithm_for_saml_keys_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = keygen(&[
        "--algorithm",
        "es256",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(text(&out).contains("--kind oidc"), "{}", text(&out));
    assert!(!dir.path().join("saml.key").exists());
}
