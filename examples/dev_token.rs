//! A development token issuer for the quickstart: makes an RSA key and its JWKS, and mints
//! id_tokens signed with it. Not for production: real tokens come from your OIDC provider.
//!
//! ```text
//! dev_token init DIR                     write DIR/dev-issuer.key and DIR/dev-jwks.json
//! dev_token mint DIR ISSUER AUDIENCE SUB [NAME]   print a signed id_token (valid 10 minutes)
//! ```
//!
//! Each key's `kid` is its RFC 7638 thumbprint, so two directories make two distinct keys
//! (what a key rotation needs).

use std::path::Path;
use std::process::ExitCode;

use jsonwebtoken::{Algorithm, EncodingKey, Header, jwk};
use serde_json::json;

fn init(dir: &Path) -> Result<(), String> {
    let key_path = dir.join("dev-issuer.key");
    if !key_path.exists() {
        let (key, _) = delegation_server::saml::generate_key_and_certificate("dev issuer")
            .map_err(|e| e.to_string())?;
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        std::fs::write(&key_path, key).map_err(|e| e.to_string())?;
    }
    let (key, kid) = load(dir)?;
    let mut public =
        jwk::Jwk::from_encoding_key(&key, Algorithm::RS256).map_err(|e| e.to_string())?;
    public.common.key_id = Some(kid);
    public.common.public_key_use = Some(jwk::PublicKeyUse::Signature);
    let jwks =
        serde_json::to_string_pretty(&json!({ "keys": [public] })).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("dev-jwks.json"), jwks).map_err(|e| e.to_string())
}

/// The signing key and its `kid`, the RFC 7638 thumbprint of its public half.
fn load(dir: &Path) -> Result<(EncodingKey, String), String> {
    let pem = std::fs::read(dir.join("dev-issuer.key")).map_err(|e| e.to_string())?;
    let key = EncodingKey::from_rsa_pem(&pem).map_err(|e| e.to_string())?;
    let kid = jwk::Jwk::from_encoding_key(&key, Algorithm::RS256)
        .and_then(|public| public.thumbprint(jwk::ThumbprintHash::SHA256))
        .map_err(|e| e.to_string())?;
    Ok((key, kid))
}

fn mint(dir: &Path, issuer: &str, audience: &str, sub: &str, name: &str) -> Result<String, String> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let nickname = name
        .split_whitespace()
        .next()
        .unwrap_or(name)
        .to_lowercase();
    let claims = json!({
        "iss": issuer, "aud": audience, "sub": sub, "iat": now, "exp": now + 600,
        "name": name, "nickname": nickname, "email": format!("{nickname}@example.com"),
    });
    let (key, kid) = load(dir)?;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid);
    jsonwebtoken::encode(&header, &claims, &key).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["init", dir] => init(Path::new(dir)),
        ["mint", dir, iss, aud, sub] => {
            mint(Path::new(dir), iss, aud, sub, "Jane Doe").map(|t| println!("{t}"))
        }
        ["mint", dir, iss, aud, sub, name] => {
            mint(Path::new(dir), iss, aud, sub, name).map(|t| println!("{t}"))
        }
        _ => {
            Err("usage: dev_token init DIR | dev_token mint DIR ISSUER AUDIENCE SUB [NAME]".into())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
