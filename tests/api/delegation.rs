use serde_json::{Value, json};

use crate::helpers::*;
use crate::test_app::TestApp;

const ROLE_ATTR: &str = "https://aws.amazon.com/SAML/Attributes/Role";
const SESSION_ATTR: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";

/// Uses the credentials with boto3 against moto: proves STS really issued them.
pub(crate) fn caller_identity(credentials: &Value) -> Value {
    let out = crate::python::run_script(
        "caller_identity.py",
        &[&moto_endpoint()],
        credentials.to_string().as_bytes(),
    );
    assert!(out.status.success(), "GetCallerIdentity failed");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn the_seed_curl_request_returns_credentials_that_sts_honours() {
    let app = TestApp::spawn().await;
    // curl --data sends the seed's JSON with a form content type.
    let body = app.body_for("app", "auth0|123").to_string();
    let response = app
        .post_raw(Some("application/x-www-form-urlencoded"), body)
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let json: Value = response.json().await.unwrap();
    let creds = &json["Credentials"];
    assert!(creds["AccessKeyId"].as_str().unwrap().len() >= 16);
    assert!(!creds["SecretAccessKey"].as_str().unwrap().is_empty());
    assert!(!creds["SessionToken"].as_str().unwrap().is_empty());
    let expiration = creds["Expiration"].as_str().unwrap();
    assert!(
        expiration.len() == 24 && expiration.ends_with('Z') && expiration.as_bytes()[19] == b'.',
        "Expiration {expiration} is not in Auth0's millisecond form"
    );
    let arn = json["AssumedRoleUser"]["Arn"].as_str().unwrap();
    assert_eq!(
        arn,
        "arn:aws:sts::123456789012:assumed-role/auth0-role/jane"
    );
    assert!(json["ResponseMetadata"]["RequestId"].is_string());

    let identity = caller_identity(&json);
    assert_eq!(identity["Arn"], arn);

    let sp = app.verified_response();
    assert_eq!(sp["name_id"], "auth0|123");
    assert_eq!(
        sp["attributes"][ROLE_ATTR],
        json!([format!("{ROLE},{PRINCIPAL}")])
    );
    assert_eq!(sp["attributes"][SESSION_ATTR], json!(["jane"]));
    let form = app.sts.last_form();
    assert_eq!(form["RoleArn"], ROLE);
    assert_eq!(form["PrincipalArn"], PRINCIPAL);
    assert_eq!(form["DurationSeconds"], "3600");
}

#[tokio::test]
async fn claims_with_markup_and_non_ascii_text_survive_escaping_and_signing() {
    let app = TestApp::spawn().await;
    let tricky = "Zoë 東京 <&\"'> ]]> end";
    let sub = "auth0|<&\"'>Zoë";
    let claims = app
        .issuer
        .claims(sub, "app", json!({ "name": tricky, "nickname": tricky }));
    let mut body = app.body_for("app", sub);
    body["id_token"] = json!(app.issuer.sign(&claims));

    let response = app.post_json(&body).await;

    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let sp = app.verified_response();
    assert_eq!(sp["name_id"], sub);
    let name_attr = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier";
    assert_eq!(sp["attributes"][name_attr], json!([tricky]));
    // The session name keeps only what AWS allows.
    let session = sp["attributes"][SESSION_ATTR][0].as_str().unwrap();
    assert!(
        session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
    );
}

#[tokio::test]
async fn a_form_encoded_request_like_auth0_js_v7_works() {
    let app = TestApp::spawn().await;
    let token = app.issuer.token("auth0|form", "app");
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", "app")
        .append_pair("grant_type", JWT_BEARER)
        .append_pair("id_token", &token)
        .append_pair("api_type", "aws")
        .append_pair("scope", "openid")
        .finish();

    let response = app
        .post_raw(Some("application/x-www-form-urlencoded"), body)
        .await;

    assert_eq!(response.status(), 200);
    let json: Value = response.json().await.unwrap();
    let arn = json["AssumedRoleUser"]["Arn"].as_str().unwrap();
    assert!(arn.ends_with(":assumed-role/auth0-role/jane"), "{arn}");
    assert_eq!(app.verified_response()["name_id"], "auth0|form");
}

#[tokio::test]
async fn a_target_that_allows_the_caller_applies_its_own_role_and_lifetime() {
    let app = TestApp::spawn().await;
    let mut body = app.body_for("app", "auth0|t");
    body["target"] = json!("reports");

    let response = app.post_json(&body).await;

    assert_eq!(response.status(), 200);
    let json: Value = response.json().await.unwrap();
    let arn = json["AssumedRoleUser"]["Arn"].as_str().unwrap();
    assert!(arn.contains(":assumed-role/reports-role/"), "{arn}");
    assert_eq!(app.sts.last_form()["DurationSeconds"], "900");
}

#[tokio::test]
async fn a_request_may_choose_a_role_from_the_targets_allowlist() {
    let app = TestApp::spawn().await;
    let mut body = app.body_for("app", "auth0|r");
    body["target"] = json!("reports");
    body["role"] = json!("arn:aws:iam::123456789012:role/chosen-role");
    body["principal"] = json!(PRINCIPAL);

    let response = app.post_json(&body).await;

    assert_eq!(response.status(), 200);
    let json: Value = response.json().await.unwrap();
    let arn = json["AssumedRoleUser"]["Arn"].as_str().unwrap();
    assert!(arn.contains(":assumed-role/chosen-role/"), "{arn}");
}

#[tokio::test]
async fn a_legacy_client_with_an_hs256_secret_is_served() {
    let app = TestApp::spawn().await;
    let claims = app.issuer.claims("auth0|legacy", "legacy", json!({}));
    let key = jsonwebtoken::EncodingKey::from_secret(HS_SECRET.as_bytes());
    let token = jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).unwrap();
    let mut body = app.body_for("legacy", "auth0|legacy");
    body["id_token"] = json!(token);

    let response = app.post_json(&body).await;

    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

#[tokio::test]
async fn browsers_from_allowed_origins_pass_cors_and_others_are_refused() {
    let app = TestApp::spawn().await;
    let url = format!("{}/delegation", app.address);
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );

    let allowed = app
        .http
        .post(&url)
        .header("origin", "https://app.example.com")
        .json(&app.body_for("app", "auth0|cors"))
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );

    let foreign = app
        .http
        .post(&url)
        .header("origin", "https://evil.example.net")
        .json(&app.body_for("app", "auth0|cors"))
        .send()
        .await
        .unwrap();
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    crate::test_app::assert_error(foreign, 401, "invalid_client").await;
}

#[tokio::test]
async fn id_token_claims_cannot_pick_the_role_or_the_session_name() {
    let app = TestApp::spawn().await;
    let forged = json!({
        "awsrole": format!("arn:aws:iam::123456789012:role/admin,{PRINCIPAL}"),
        "rolesessionname": "someone-else",
        "user_id": "auth0|someone-else",
    });
    let claims = app.issuer.claims("auth0|forger", "app", forged);
    let mut body = app.body_for("app", "auth0|forger");
    body["id_token"] = json!(app.issuer.sign(&claims));

    let response = app.post_json(&body).await;

    assert_eq!(response.status(), 200);
    assert_eq!(app.sts.last_form()["RoleArn"], ROLE);
    let sp = app.verified_response();
    assert_eq!(sp["name_id"], "auth0|forger");
    assert_eq!(
        sp["attributes"][ROLE_ATTR],
        json!([format!("{ROLE},{PRINCIPAL}")])
    );
    assert_eq!(sp["attributes"][SESSION_ATTR], json!(["jane"]));
}

async fn boom() -> &'static str {
    panic!("claim text that must stay out of the answer")
}

#[tokio::test]
async fn a_panic_behind_the_public_edge_is_a_500_a_browser_can_read() {
    use tower::ServiceExt;
    let app = TestApp::spawn().await;
    let router = axum::Router::new()
        .route("/boom", axum::routing::get(boom))
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::clone(&app.server),
            delegation_server::http::edge::public,
        ));
    let request = axum::http::Request::get("/boom")
        .header("origin", "https://app.example.com")
        .header("x-request-id", "trace-7")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), 500);
    let headers = response.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(headers["vary"], "Origin");
    assert_eq!(headers["x-request-id"], "trace-7");
}
