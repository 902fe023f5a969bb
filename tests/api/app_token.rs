//! `api_type=app`: a new id_token for the target, signed by the server's own issuer and
//! verified by PyJWT against the served JWKS.

use delegation_server::issuer::generate_rsa_key;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::own_issuer::{URL, verify_with_pyjwt_for};
use crate::test_app::{TestApp, assert_error};

const RULE: &str = "function (user, context, callback) {
  user['https://example.com/seen_by'] = context.clientID + '>' + context.targetClientID;
  user.name = 'Renamed by rule';
  callback(null, user, context);
}";

async fn app_with_targets() -> TestApp {
    let issuer = Issuer::start().await;
    let sts = StsFront::start().await;
    let key = generate_rsa_key().unwrap();
    let extra = format!(
        "\n[oidc_provider]\nurl = \"{URL}\"\nsigning_key = \"oidc.key\"\n\n[rules]\nfiles = [\"seen.js\"]\n\n\
         [[clients]]\nclient_id = \"portal\"\nissuer = \"{0}\"\nallowed_callers = [\"app\"]\n\
         [clients.app]\nenabled = true\nlifetime_in_seconds = 3600\n",
        issuer.issuer
    );
    TestApp::spawn_custom(
        issuer,
        sts,
        &extra,
        None,
        &[("oidc.key", &key), ("seen.js", RULE)],
    )
    .await
}

#[tokio::test]
async fn an_app_delegation_returns_an_id_token_for_the_target() {
    let app = app_with_targets().await;
    let claims = app.issuer.claims(
        "auth0|a1",
        "app",
        json!({"nonce": "n-0S6_WzA2Mj", "groups": ["x", "y"]}),
    );
    let mut body = app.body_for("app", "auth0|a1");
    body["id_token"] = json!(app.issuer.sign(&claims));
    body["target"] = json!("portal");
    body["api_type"] = json!("app");
    let response = app.post_json(&body).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    assert_eq!(response.headers()["cache-control"], "no-store");
    let json: Value = response.json().await.unwrap();
    assert_eq!(json["token_type"], "Bearer");
    assert_eq!(json["expires_in"], 3600);
    assert_eq!(json.as_object().unwrap().len(), 3, "{json}");
    assert_eq!(app.sts.attempts(), 0, "STS was called for an app token");

    let jwks = format!("{}/.well-known/jwks.json", app.address);
    let token = json["id_token"].as_str().unwrap();
    let verified = verify_with_pyjwt_for(&jwks, token, "portal").await.unwrap();
    let claims = &verified["claims"];
    assert_eq!(claims["iss"], URL);
    assert_eq!(claims["sub"], "auth0|a1");
    assert_eq!(claims["aud"], "portal");
    assert_eq!(claims["azp"], "app");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    assert_eq!(claims["jti"].as_str().unwrap().len(), 32);
    assert_eq!(claims["email"], "jane@example.com");
    assert_eq!(claims["groups"], json!(["x", "y"]));
    assert_eq!(claims["name"], "Renamed by rule");
    assert_eq!(claims["https://example.com/seen_by"], "app>portal");
    assert!(
        claims.get("nonce").is_none(),
        "the sign-in nonce was copied"
    );
    assert!(claims.get("user_id").is_none());
    // The caller's audience is not the new token's.
    assert!(verify_with_pyjwt_for(&jwks, token, "app").await.is_err());
}

#[tokio::test]
async fn targets_that_do_not_enable_app_refuse_it() {
    let app = app_with_targets().await;
    let mut body = app.body_for("app", "auth0|a2");
    body["api_type"] = json!("app");
    let description = assert_error(app.post_json(&body).await, 400, "invalid_request").await;
    assert!(
        description.contains("client `app` does not allow api_type app"),
        "{description}"
    );
    // An unverified token learns nothing about the target's settings.
    body["id_token"] = json!("not-a-token");
    body["target"] = json!("portal");
    assert_error(app.post_json(&body).await, 401, "invalid_grant").await;
}
