//! The deployment files are part of the product: the Kubernetes manifests, the compose
//! files (the demo, production, and the high-availability pair), HAProxy's configuration
//! and the Dockerfile are parsed and checked here, and every configuration they carry is
//! passed through `check-config` with the key files it names generated.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use yaml_rust2::{Yaml, YamlLoader};

mod compose;
mod compose_ha;
mod haproxy;
mod image;
mod kubernetes;
mod kubernetes_ha;
mod shutdown;

const BIN: &str = env!("CARGO_BIN_EXE_delegation-server");

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn yaml(path: &str) -> Yaml {
    let mut docs = YamlLoader::load_from_str(&read(path)).unwrap();
    assert_eq!(docs.len(), 1, "{path} should hold one document");
    docs.remove(0)
}

fn strings(value: &Yaml) -> Vec<&str> {
    value
        .as_vec()
        .map(|v| v.iter().filter_map(Yaml::as_str).collect())
        .unwrap_or_default()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `check-config` on `toml` after moving every container path in `mounts` into a
/// temporary directory, with SAML keys from `keygen`, a JWKS and a state key where the
/// config wants them.
fn check_config(toml: &str, mounts: &[&str], env: &[(String, String)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut local = toml.to_owned();
    for (i, mount) in mounts.iter().enumerate() {
        let there = dir.path().join(format!("mount{i}"));
        std::fs::create_dir(&there).unwrap();
        local = local.replace(&format!("{mount}/"), &format!("{}/", there.display()));
    }
    for line in local.lines() {
        let Some((key, value)) = line.split_once(" = ") else {
            continue;
        };
        let file = PathBuf::from(value.trim_matches('"'));
        match key.trim() {
            "signing_key" => keygen(file.parent().unwrap()),
            "keys_file" => std::fs::write(&file, jwks(dir.path())).unwrap(),
            "encryption_key_file" => std::fs::write(&file, "ab".repeat(32)).unwrap(),
            _ => {}
        }
    }
    let config = dir.path().join("delegation.toml");
    std::fs::write(&config, local).unwrap();
    let out = Command::new(BIN)
        .arg("check-config")
        .env("DELEGATION_CONFIG", &config)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "check-config refused:\n{}",
        text(&out)
    );
    text(&out)
}

fn keygen(dir: &Path) {
    let out = Command::new(BIN)
        .args(["keygen", "--if-missing", "--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

/// A JWKS holding one RSA key (only its shape matters to check-config).
fn jwks(scratch: &Path) -> String {
    let dir = scratch.join("issuer-key");
    keygen(&dir);
    let pem = std::fs::read(dir.join("saml.key")).unwrap();
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(&pem).unwrap();
    let mut jwk =
        jsonwebtoken::jwk::Jwk::from_encoding_key(&key, jsonwebtoken::Algorithm::RS256).unwrap();
    jwk.common.key_id = Some("k1".into());
    serde_json::json!({ "keys": [jwk] }).to_string()
}

/// `value` of `key = "value"` in a TOML text.
fn toml_value<'a>(toml: &'a str, key: &str) -> &'a str {
    toml.lines()
        .find_map(|l| l.strip_prefix(&format!("{key} = ")))
        .map(|v| v.trim_matches('"'))
        .unwrap_or_else(|| panic!("no {key}"))
}

/// The integer at a dotted `path` of a TOML text, read by figment as the server reads it.
fn toml_int(toml: &str, path: &str) -> i64 {
    use figment::providers::Format;
    figment::Figment::from(figment::providers::Toml::string(toml))
        .extract_inner(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The string at a dotted `path` of a TOML text.
fn toml_str(toml: &str, path: &str) -> String {
    use figment::providers::Format;
    figment::Figment::from(figment::providers::Toml::string(toml))
        .extract_inner(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}
