//! What an unverified caller can learn, and how identities stay apart: configuration is
//! revealed only after the id_token is verified, users of two issuers never share an AWS
//! identity, and claim values that AWS or SAML would mangle are refused up front.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::test_app::{TestApp, assert_error, response_issuer};

/// Sends `body` with an `Origin` header when one is given.
async fn post_with_origin(app: &TestApp, body: &Value, origin: Option<&str>) -> (u16, String) {
    let mut req = app
        .http
        .post(format!("{}/delegation", app.address))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(origin) = origin {
        req = req.header("origin", origin);
    }
    let response = req.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn an_unverified_caller_gets_one_answer_whatever_the_configuration() {
    let app = TestApp::spawn().await;
    let variants = [
        // (target, role, principal, origin)
        ("app", None, None, None),
        ("reports", None, None, None),
        ("closed", None, None, None),
        ("no-aws", None, None, None),
        ("ghost", None, None, None),
        (
            "reports",
            Some("arn:aws:iam::123456789012:role/chosen-role"),
            Some(PRINCIPAL),
            None,
        ),
        (
            "reports",
            Some("arn:aws:iam::999999999999:role/guess"),
            Some(PRINCIPAL),
            None,
        ),
        ("app", None, None, Some("https://evil.example.com")),
        ("app", None, None, Some("https://app.example.com")),
    ];
    let mut answers = Vec::new();
    for (target, role, principal, origin) in variants {
        let mut body = json!({
            "client_id": "app", "grant_type": JWT_BEARER, "id_token": "garbage",
            "target": target, "api_type": "aws",
        });
        if let (Some(role), Some(principal)) = (role, principal) {
            body["role"] = json!(role);
            body["principal"] = json!(principal);
        }
        answers.push(post_with_origin(&app, &body, origin).await);
    }
    let (status, text) = &answers[0];
    assert_eq!(*status, 401, "{text}");
    let first: Value = serde_json::from_str(text).unwrap();
    assert_eq!(first["error"], "invalid_grant");
    for (i, answer) in answers.iter().enumerate() {
        assert_eq!(answer, &answers[0], "variant {i} answered differently");
    }
    assert_eq!(app.sts.attempts(), 0);
}

#[tokio::test]
async fn once_verified_an_unknown_and_a_closed_target_look_the_same() {
    let app = TestApp::spawn().await;
    let mut unknown = app.body_for("app", "auth0|t");
    unknown["target"] = json!("ghost");
    let unknown = assert_error(app.post_json(&unknown).await, 401, "invalid_client").await;
    let mut closed = app.body_for("app", "auth0|t");
    closed["target"] = json!("closed");
    let closed = assert_error(app.post_json(&closed).await, 401, "invalid_client").await;
    assert_eq!(
        unknown.replace("ghost", "X"),
        closed.replace("closed", "X"),
        "the two refusals differ beyond the echoed name"
    );
}

#[tokio::test]
async fn a_sub_with_surrounding_whitespace_is_refused() {
    let app = TestApp::spawn().await;
    for sub in [" alice", "alice ", "alice\n", "\u{3000}alice"] {
        let body = app.body_for("app", sub);
        let description = assert_error(app.post_json(&body).await, 401, "invalid_grant").await;
        assert!(description.contains("whitespace"), "{sub:?}: {description}");
    }
    assert_eq!(app.sts.attempts(), 0);
}

const TAGGED_CLIENT: &str = r#"
[[clients]]
client_id = "tagged"
[clients.aws]
role = "arn:aws:iam::123456789012:role/auth0-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"
[clients.aws.mappings]
"https://aws.amazon.com/SAML/Attributes/Role" = "awsrole"
"https://aws.amazon.com/SAML/Attributes/RoleSessionName" = "rolesessionname"
"https://aws.amazon.com/SAML/Attributes/PrincipalTag:team" = "team"
"urn:example:profile" = "profile"
"#;

async fn post_claims(app: &TestApp, client: &str, extra: Value) -> reqwest::Response {
    let mut body = app.body_for(client, "auth0|claims");
    let claims = app.issuer.claims("auth0|claims", client, extra);
    body["id_token"] = json!(app.issuer.sign(&claims));
    app.post_json(&body).await
}

#[tokio::test]
async fn a_tag_value_aws_would_refuse_is_a_clear_400_before_signing() {
    let app = TestApp::spawn_with(TAGGED_CLIENT).await;
    let bad = json!({ "team": "t\r\n\t\"<&>'😀" });
    let description = assert_error(
        post_claims(&app, "tagged", bad).await,
        400,
        "invalid_request",
    )
    .await;
    assert!(description.contains("PrincipalTag:team"), "{description}");
    assert!(description.contains("`team`"), "{description}");
    assert_eq!(app.sts.attempts(), 0, "nothing was signed or sent");

    let good = json!({ "team": "Zoë: data/platform @ east+1" });
    assert_eq!(post_claims(&app, "tagged", good).await.status(), 200);
}

#[tokio::test]
async fn a_mapped_claim_holding_an_object_is_a_400_naming_the_claim() {
    let app = TestApp::spawn_with(TAGGED_CLIENT).await;
    for (claim, value) in [
        ("profile", json!({"x": "<y>"})),
        ("team", json!(["a", "b"])),
    ] {
        let response = post_claims(&app, "tagged", json!({ claim: value })).await;
        let description = assert_error(response, 400, "invalid_request").await;
        assert!(description.contains(&format!("`{claim}`")), "{description}");
        assert!(!description.contains("<y>"), "the value is not echoed");
    }
    // Auth0's default mappings read `name`: an object there is refused the same way.
    let response = post_claims(&app, "app", json!({ "name": {"first": "Jane"} })).await;
    let description = assert_error(response, 400, "invalid_request").await;
    assert!(description.contains("`name`"), "{description}");
    assert_eq!(app.sts.attempts(), 0);
}

#[tokio::test]
async fn users_of_two_issuers_with_the_same_sub_get_distinct_aws_identities() {
    let partner = Issuer::start().await;
    let extra = format!(
        r#"
[[issuers]]
issuer = "{}"
jwks_uri = "{}"
jwks_min_refresh_seconds = 1

[[clients]]
client_id = "partner"
issuer = "{}"
[clients.aws]
role = "arn:aws:iam::123456789012:role/partner-role"
principal = "arn:aws:iam::123456789012:saml-provider/partner-provider"
saml_issuer = "urn:partner.example.com"
"#,
        partner.issuer,
        partner.jwks_uri(),
        partner.issuer
    );
    let mut app = TestApp::spawn_with(&extra).await;
    app.other_saml_issuers
        .push("urn:partner.example.com".to_owned());

    let ours = app.post_json(&app.body_for("app", "auth0|same")).await;
    assert_eq!(ours.status(), 200);
    let ours_xml = app.sts.last_saml_response();

    let mut body = app.body_for("partner", "auth0|same");
    body["id_token"] = json!(partner.token("auth0|same", "partner"));
    let theirs = app.post_json(&body).await;
    assert_eq!(theirs.status(), 200, "{}", theirs.text().await.unwrap());
    let theirs_xml = app.sts.last_saml_response();

    assert_eq!(response_issuer(&ours_xml), SAML_ISSUER);
    assert_eq!(response_issuer(&theirs_xml), "urn:partner.example.com");
    assert!(theirs_xml.contains("partner-provider"));

    // A token of one issuer is no use to the other's client.
    let mut crossed = app.body_for("partner", "auth0|same");
    crossed["id_token"] = json!(app.issuer.token("auth0|same", "partner"));
    assert_error(app.post_json(&crossed).await, 401, "invalid_grant").await;
}
