//! The web identity backend: a token signed by the server's own issuer, redeemed through
//! `AssumeRoleWithWebIdentity` with moto, and verified by PyJWT against the served JWKS.

use delegation_server::issuer::generate_rsa_key;
use serde_json::{Value, json};

use crate::delegation::caller_identity;
use crate::helpers::*;
use crate::own_issuer::{URL, verify_with_pyjwt};
use crate::test_app::{TestApp, assert_error};

const WEB_ROLE: &str = "arn:aws:iam::123456789012:role/web-role";
const PROVIDER: &str = "arn:aws:iam::123456789012:oidc-provider/delegation.test";
const TAGS: &str = "https://aws.amazon.com/tags";

/// A `web` client whose AWS settings are `aws` (TOML lines under `[clients.aws]`), and
/// `rest` after it.
async fn web_app(aws: &str, rest: &str, files: &[(&str, &str)]) -> TestApp {
    let issuer = Issuer::start().await;
    let sts = StsFront::start().await;
    let key = generate_rsa_key().unwrap();
    let extra = format!(
        "\n[oidc_provider]\nurl = \"{URL}\"\nsigning_key = \"oidc.key\"\n\n[[clients]]\nclient_id = \"web\"\nissuer = \"{}\"\n[clients.aws]\nbackend = \"web_identity\"\nrole = \"{WEB_ROLE}\"\n{aws}\n{rest}",
        issuer.issuer
    );
    let mut all = vec![("oidc.key", key.as_str())];
    all.extend_from_slice(files);
    TestApp::spawn_custom(issuer, sts, &extra, None, &all).await
}

fn body_with(app: &TestApp, sub: &str, extra: Value) -> Value {
    let mut body = app.body_for("web", sub);
    body["id_token"] = json!(app.issuer.sign(&app.issuer.claims(sub, "web", extra)));
    body
}

/// The token the server sent to STS, as PyJWT verifies it against the served JWKS.
async fn sent_token_claims(app: &TestApp) -> Value {
    let form = app.sts.last_form();
    let jwks = format!("{}/.well-known/jwks.json", app.address);
    let verified = verify_with_pyjwt(&jwks, &form["WebIdentityToken"])
        .await
        .expect("PyJWT rejected the web identity token");
    verified["claims"].clone()
}

const TAGGED: &str = r#"lifetime_in_seconds = 1800
source_identity = "email"
transitive_tag_keys = ["team"]
[clients.aws.mappings]
email = "email"
groups = "https://example.com/groups"
[clients.aws.session_tags]
team = "https://example.com/team"
"#;

#[tokio::test]
async fn credentials_come_from_a_token_pyjwt_verifies_with_tags_and_mapped_claims() {
    let app = web_app(TAGGED, "", &[]).await;
    let extra =
        json!({"https://example.com/team": "blue", "https://example.com/groups": ["a", "b"]});
    let response = app.post_json(&body_with(&app, "auth0|w1", extra)).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let json: Value = response.json().await.unwrap();
    assert_eq!(json["SubjectFromWebIdentityToken"], "auth0|w1");
    assert_eq!(json["Provider"], PROVIDER);
    assert_eq!(json["Audience"], "sts.amazonaws.com");
    for saml_only in ["Subject", "SubjectType", "Issuer", "NameQualifier"] {
        assert!(json.get(saml_only).is_none(), "{saml_only} in {json}");
    }
    let arn = json["AssumedRoleUser"]["Arn"].as_str().unwrap();
    assert_eq!(arn, "arn:aws:sts::123456789012:assumed-role/web-role/jane");
    assert_eq!(caller_identity(&json)["Arn"], arn);

    let form = app.sts.last_form();
    assert_eq!(form["Action"], "AssumeRoleWithWebIdentity");
    assert_eq!(form["RoleArn"], WEB_ROLE);
    assert_eq!(form["RoleSessionName"], "jane");
    assert_eq!(form["DurationSeconds"], "1800");
    assert!(!form.contains_key("PrincipalArn") && !form.contains_key("SAMLAssertion"));

    let claims = sent_token_claims(&app).await;
    assert_eq!(claims["iss"], URL);
    assert_eq!(claims["sub"], "auth0|w1");
    assert_eq!(claims["aud"], "sts.amazonaws.com");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        300
    );
    let jti = claims["jti"].as_str().unwrap().to_owned();
    assert_eq!(jti.len(), 32);
    assert_eq!(claims["email"], "jane@example.com");
    assert_eq!(claims["groups"], json!(["a", "b"]));
    assert_eq!(
        claims[TAGS],
        json!({"principal_tags": {"team": ["blue"]}, "transitive_tag_keys": ["team"]})
    );
    assert_eq!(
        claims["https://aws.amazon.com/source_identity"],
        "jane@example.com"
    );
    // Claims that are not mapped stay out of the token.
    assert!(claims.get("name").is_none() && claims.get("nickname").is_none());

    // Every token is new.
    let again = app
        .post_json(&body_with(
            &app,
            "auth0|w1",
            json!({"https://example.com/team": "blue"}),
        ))
        .await;
    assert_eq!(again.status(), 200);
    assert_ne!(sent_token_claims(&app).await["jti"], jti);
}

#[tokio::test]
async fn the_audience_and_role_follow_configuration_and_rules() {
    let rule = "function (user, context, callback) {\n  context.addonConfiguration.aws.role = 'arn:aws:iam::123456789012:role/' + user.role_name;\n  callback(null, user, context);\n}\n";
    let rules = "[rules]\nfiles = [\"role.js\"]\n";
    let app = web_app(
        "audience = \"my-provider-client\"",
        rules,
        &[("role.js", rule)],
    )
    .await;
    let response = app
        .post_json(&body_with(&app, "auth0|w2", json!({"role_name": "picked"})))
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let json: Value = response.json().await.unwrap();
    assert_eq!(json["Audience"], "my-provider-client");
    assert_eq!(
        app.sts.last_form()["RoleArn"],
        "arn:aws:iam::123456789012:role/picked"
    );
    let form = app.sts.last_form();
    let jwks = format!("{}/.well-known/jwks.json", app.address);
    // PyJWT checks aud against sts.amazonaws.com: this token is for another audience.
    assert!(
        verify_with_pyjwt(&jwks, &form["WebIdentityToken"])
            .await
            .is_err_and(|e| e.contains("Audience")),
        "a token for my-provider-client verified for sts.amazonaws.com"
    );
}

#[tokio::test]
async fn a_rule_cannot_choose_a_principal_for_web_identity() {
    let rule = "function (user, context, callback) {\n  context.addonConfiguration.aws.principal = 'arn:aws:iam::123456789012:saml-provider/p';\n  callback(null, user, context);\n}\n";
    let rules = "[rules]\nfiles = [\"principal.js\"]\n";
    let app = web_app("", rules, &[("principal.js", rule)]).await;
    let response = app.post_json(&body_with(&app, "auth0|w3", json!({}))).await;
    assert_error(response, 500, "server_error").await;
    assert_eq!(app.sts.attempts(), 0, "STS was called");
}

#[tokio::test]
async fn hostile_claims_are_carried_exactly_or_refused_before_sts() {
    // Two claims from one property: a token within the id_token limit can still make one
    // over STS's.
    let aws = "[clients.aws.mappings]\nnote = \"note\"\nnote_copy = \"note\"\n\
               [clients.aws.session_tags]\nteam = \"team\"\n";
    let app = web_app(aws, "", &[]).await;
    let exact = [
        "a\u{0}b\u{1b}[31m\r\n\"quoted\" </script>",
        "Zoë 東京 \u{202e}nimda \u{1F600}",
    ];
    for note in exact {
        let response = app
            .post_json(&body_with(&app, "auth0|h1", json!({"note": note})))
            .await;
        assert_eq!(response.status(), 200, "{note:?}");
        let claims = sent_token_claims(&app).await;
        assert_eq!(claims["note"], note, "{note:?}");
        assert_eq!(claims["note_copy"], note, "{note:?}");
    }
    let calls = app.sts.attempts();
    let refused = [
        (json!({"note": "n".repeat(8_000)}), "at most 20000"),
        (json!({"team": "<script>"}), "session tag `team`"),
        (json!({"team": {"nested": 1}}), "session tag `team`"),
    ];
    for (extra, expected) in refused {
        let response = app.post_json(&body_with(&app, "auth0|h2", extra)).await;
        let description = assert_error(response, 400, "invalid_request").await;
        assert!(description.contains(expected), "{description}");
    }
    assert_eq!(app.sts.attempts(), calls, "a refused request reached STS");
}

#[tokio::test]
async fn two_token_issuers_cannot_share_the_web_identity_namespace() {
    let other = Issuer::start().await;
    let second = format!(
        "[[issuers]]\nissuer = \"{0}\"\njwks_uri = \"{1}\"\nalgorithms = [\"RS256\"]\n\n[[clients]]\nclient_id = \"web2\"\nissuer = \"{0}\"\n[clients.aws]\nbackend = \"web_identity\"\nrole = \"{WEB_ROLE}\"\n",
        other.issuer,
        other.jwks_uri()
    );
    let app = web_app("", "", &[]).await;
    let config = std::fs::read_to_string(&app.config_path).unwrap() + "\n" + &second;
    std::fs::write(&app.config_path, config).unwrap();
    let error = delegation_server::config::load(&app.config_path)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("clients[") && error.contains("client `web2` takes id_tokens from"),
        "{error}"
    );
}

#[tokio::test]
async fn cached_credentials_are_kept_per_token_content() {
    let rest = "[cache]\nenabled = true\n\n[limits]\nper_user_per_minute = 0\n";
    let app = web_app("[clients.aws.session_tags]\nteam = \"team\"\n", rest, &[]).await;
    let keys = |json: Value| json["Credentials"]["AccessKeyId"].clone();
    let first = ask(&app, "blue").await;
    let second = ask(&app, "blue").await;
    assert_eq!(app.sts.attempts(), 1, "an identical request called STS");
    assert_eq!(keys(first.clone()), keys(second.clone()));
    assert_eq!(second["SubjectFromWebIdentityToken"], "auth0|c1");
    let other = ask(&app, "red").await;
    assert_eq!(
        app.sts.attempts(),
        2,
        "another tag value was served from the cache"
    );
    assert_ne!(keys(other), keys(first));
}

async fn ask(app: &TestApp, team: &str) -> Value {
    let body = body_with(app, "auth0|c1", json!({ "team": team }));
    let response = app.post_json(&body).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn explain_shows_the_derived_provider_and_the_token_claims() {
    let token = "admin-token-0123456789-abcdefghijklmnop";
    let rest = "[admin]\ntoken_file = \"admin.token\"\n";
    let aws = "[clients.aws.mappings]\nmail = \"email\"\n";
    let app = web_app(aws, rest, &[("admin.token", token)]).await;
    let response = app
        .http
        .post(format!("{}/delegation/explain", app.management()))
        .bearer_auth(token)
        .json(&body_with(&app, "auth0|e1", json!({})))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    let result = &report["result"];
    assert_eq!(result["backend"], "web_identity");
    assert_eq!(result["principal"], PROVIDER);
    assert_eq!(result["token_claims"], json!({"mail": "jane@example.com"}));
    assert!(result.get("saml_attributes").is_none(), "{result}");
    assert_eq!(app.sts.attempts(), 0);
}
