//! The server as an OIDC issuer: its discovery and JWKS documents as IAM and standard JWT
//! libraries read them, and a key rotation seen from a verifier's side.

use delegation_server::domain::Secret;
use delegation_server::issuer::{OidcIssuer, OidcIssuerSettings, generate_rsa_key};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::test_app::{TestApp, assert_error};

pub(crate) const URL: &str = "https://delegation.test";

async fn app_with_keys(current: &str, next: Option<&str>) -> TestApp {
    let issuer = Issuer::start().await;
    let sts = StsFront::start().await;
    let mut section = format!("[oidc_provider]\nurl = \"{URL}/\"\nsigning_key = \"oidc.key\"\n");
    let mut files = vec![("oidc.key", current)];
    if let Some(next) = next {
        section.push_str("next_signing_key = \"oidc-next.key\"\n");
        files.push(("oidc-next.key", next));
    }
    TestApp::spawn_custom(issuer, sts, &section, None, &files).await
}

/// Signs `claims` with `key_pem` as the server's issuer would.
fn sign_with(key_pem: &str, claims: &Value) -> String {
    let settings = OidcIssuerSettings {
        url: URL.into(),
        signing_key_pem: Secret::new(key_pem.to_owned()),
        next_signing_key_pem: None,
        retired_signing_key_pems: Vec::new(),
        revoked_kids: Vec::new(),
    };
    OidcIssuer::new(&settings).unwrap().sign(claims).unwrap()
}

/// PyJWT's verdict on `token` for audience `sts.amazonaws.com`, with the key found by `kid`
/// in the JWKS at `jwks_url`.
pub(crate) async fn verify_with_pyjwt(jwks_url: &str, token: &str) -> Result<Value, String> {
    verify_with_pyjwt_for(jwks_url, token, "sts.amazonaws.com").await
}

/// PyJWT's verdict on `token` for `audience`. Runs off the runtime, which must keep
/// serving the JWKS meanwhile.
pub(crate) async fn verify_with_pyjwt_for(
    jwks_url: &str,
    token: &str,
    audience: &str,
) -> Result<Value, String> {
    let args = [jwks_url.to_owned(), URL.to_owned(), audience.to_owned()];
    let token = token.to_owned();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = crate::python::run_script("verify_jwt.py", &args, token.as_bytes());
        if out.status.success() {
            Ok(serde_json::from_slice(&out.stdout).unwrap())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    })
    .await
    .unwrap()
}

fn claims(sub: &str) -> Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({"iss": URL, "sub": sub, "aud": "sts.amazonaws.com", "iat": now, "exp": now + 300})
}

#[tokio::test]
async fn discovery_and_jwks_are_served_as_iam_reads_them() {
    let key = generate_rsa_key().unwrap();
    let app = app_with_keys(&key, None).await;
    let response = app.get("/.well-known/openid-configuration").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    let discovery: Value = response.json().await.unwrap();
    // The configured trailing slash is not part of the issuer.
    assert_eq!(discovery["issuer"], URL);
    assert_eq!(
        discovery["jwks_uri"],
        format!("{URL}/.well-known/jwks.json")
    );
    assert_eq!(
        discovery["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    let response = app.get("/.well-known/jwks.json").await;
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    let jwks: Value = response.json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "RSA");
    assert_eq!(keys[0]["use"], "sig");
    assert_eq!(keys[0]["alg"], "RS256");
    assert!(
        keys[0].get("d").is_none(),
        "the private exponent was published"
    );

    let token = sign_with(&key, &claims("auth0|pyjwt"));
    let verified = verify_with_pyjwt(&format!("{}/.well-known/jwks.json", app.address), &token)
        .await
        .unwrap();
    assert_eq!(verified["claims"]["sub"], "auth0|pyjwt");
    assert_eq!(verified["header"]["kid"], keys[0]["kid"]);
    // A token signed with any other key does not verify.
    let stranger = sign_with(&generate_rsa_key().unwrap(), &claims("auth0|pyjwt"));
    let refused =
        verify_with_pyjwt(&format!("{}/.well-known/jwks.json", app.address), &stranger).await;
    assert!(refused.is_err(), "a stranger's token verified");
}

#[tokio::test]
async fn a_rotation_publishes_the_next_key_before_it_signs() {
    let (old, new) = (generate_rsa_key().unwrap(), generate_rsa_key().unwrap());
    let app = app_with_keys(&old, Some(&new)).await;
    let jwks_url = format!("{}/.well-known/jwks.json", app.address);
    let jwks: Value = app
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
    // Both keys' tokens verify while the rotation is under way.
    verify_with_pyjwt(&jwks_url, &sign_with(&old, &claims("u1")))
        .await
        .unwrap();
    verify_with_pyjwt(&jwks_url, &sign_with(&new, &claims("u2")))
        .await
        .unwrap();

    // Promote: the next key becomes the signing key, and the old one leaves the
    // configuration. Tokens it signed (app tokens live up to 30 days) must keep verifying:
    // it stays published, after the new one, for the longest token's lifetime.
    let config = std::fs::read_to_string(&app.config_path).unwrap();
    let dir = app.config_path.parent().unwrap();
    std::fs::write(dir.join("oidc.key"), &new).unwrap();
    std::fs::write(
        &app.config_path,
        config.replace("next_signing_key = \"oidc-next.key\"\n", ""),
    )
    .unwrap();
    app.server.reload().unwrap();
    let after: Value = app
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["keys"].as_array().unwrap().len(), 2);
    assert_eq!(
        after["keys"][0]["kid"], jwks["keys"][1]["kid"],
        "the promoted key keeps its kid and comes first"
    );
    assert_eq!(
        after["keys"][1]["kid"], jwks["keys"][0]["kid"],
        "the old key is kept"
    );
    verify_with_pyjwt(&jwks_url, &sign_with(&new, &claims("u3")))
        .await
        .unwrap();
    verify_with_pyjwt(&jwks_url, &sign_with(&old, &claims("u4")))
        .await
        .expect("a token signed before the promotion still verifies");

    // Across a restart the old key is published only if listed as retired.
    let restarted = app_with_keys(&new, None).await;
    let jwks: Value = restarted
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    let listed = {
        let issuer = Issuer::start().await;
        let sts = StsFront::start().await;
        let section = format!(
            "[oidc_provider]\nurl = \"{URL}/\"\nsigning_key = \"oidc.key\"\nretired_signing_keys = [\"oidc-old.key\"]\n"
        );
        let files = [("oidc.key", new.as_str()), ("oidc-old.key", old.as_str())];
        TestApp::spawn_custom(issuer, sts, &section, None, &files).await
    };
    let listed_url = format!("{}/.well-known/jwks.json", listed.address);
    verify_with_pyjwt(&listed_url, &sign_with(&old, &claims("u5")))
        .await
        .expect("a listed retired key verifies after a restart");
    let tokens: Value = listed
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        tokens["keys"][0]["kid"], after["keys"][0]["kid"],
        "the current key signs"
    );
}

#[tokio::test]
async fn without_an_issuer_section_the_documents_are_not_found() {
    let app = TestApp::spawn().await;
    assert_error(
        app.get("/.well-known/openid-configuration").await,
        404,
        "not_found",
    )
    .await;
    assert_error(app.get("/.well-known/jwks.json").await, 404, "not_found").await;
}
