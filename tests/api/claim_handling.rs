//! How claims reach the decision: role rules match whole values and read the user the
//! JavaScript rules see, a member named twice anywhere in a token is refused, and integers
//! beyond JavaScript's numbers keep their value through the rules.

use serde_json::{Value, json};

use crate::declarative::{TAG, post_claims};
use crate::test_app::{TestApp, assert_error};

const SURPRISES: &str = r#"
[[clients]]
client_id = "strict"
[clients.aws]
role = "arn:aws:iam::123456789012:role/default-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"
no_match = "deny"

[[clients.aws.role_rules]]
claim = "group"
matches = "admin"
role = "arn:aws:iam::123456789012:role/admin"

[[clients.aws.role_rules]]
claim = "awsrole"
contains = "arn:aws:iam::123456789012:role/chosen"
role = "arn:aws:iam::123456789012:role/chosen"

[[clients.aws.role_rules]]
claim = "user_id"
equals = "auth0|decl"
role = "arn:aws:iam::123456789012:role/by-user-id"
"#;

#[tokio::test]
async fn role_rules_match_whole_values_and_read_the_user_the_rules_see() {
    let app = TestApp::spawn_with(SURPRISES).await;
    let role_for = |claims: Value| {
        let app = &app;
        async move {
            let response = post_claims(app, "strict", claims).await;
            assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
            app.sts.last_form()["RoleArn"].clone()
        }
    };
    assert_eq!(
        role_for(json!({"group": "admin"})).await,
        "arn:aws:iam::123456789012:role/admin"
    );
    // `matches` is anchored: `not-admin` is not `admin`.
    assert_eq!(
        role_for(json!({"group": "not-admin"})).await,
        "arn:aws:iam::123456789012:role/by-user-id"
    );
    // A token's own `awsrole` claim is ignored here as everywhere else, and `user_id`
    // is the verified `sub`, not a claim of that name.
    assert_eq!(
        role_for(json!({"awsrole": "arn:aws:iam::123456789012:role/chosen", "user_id": "other"}))
            .await,
        "arn:aws:iam::123456789012:role/by-user-id"
    );
}

#[tokio::test]
async fn a_claim_with_a_member_named_twice_in_a_nested_object_is_refused() {
    let app = TestApp::spawn().await;
    let header = json!({"alg": "RS256", "kid": app.issuer.kid}).to_string();
    let claims = app.issuer.claims("auth0|dup", "app", json!({}));
    let mut text = claims.to_string();
    text.pop();
    text.push_str(r#","org":{"id":"a","id":"admins"}}"#);
    let token = app.issuer.sign_raw(&header, &text);
    let mut body = app.body_for("app", "auth0|dup");
    body["id_token"] = json!(token);
    let description = assert_error(app.post_json(&body).await, 401, "invalid_grant").await;
    assert!(description.contains("named once"), "{description}");
}

const TENANTED: &str = r#"
[[clients]]
client_id = "tenanted"
[clients.aws]
role = "arn:aws:iam::123456789012:role/auth0-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"
session_policy = '''{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",
  "Resource":"arn:aws:s3:::bucket/${claims.tenant_id}/*"}]}'''
[clients.aws.session_tags]
tenant = "tenant_id"
[rules]
files = ["01-pass.js"]
"#;

#[tokio::test]
async fn integers_beyond_javascript_numbers_keep_their_value_through_the_rules() {
    let pass = "function (user, context, callback) { callback(null, user, context); }";
    let app = TestApp::spawn_with_files(TENANTED, &[("01-pass.js", pass)]).await;
    let mut resources = Vec::new();
    let tenants = [
        9_007_199_254_740_992_u64,
        9_007_199_254_740_993_u64,
        1_234_567_890_123_456_789_u64,
        12_345_678_901_234_567_891_u64,
    ];
    for tenant in tenants {
        let response = post_claims(&app, "tenanted", json!({ "tenant_id": tenant })).await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        let form = app.sts.last_form();
        let policy: Value = serde_json::from_str(&form["Policy"]).unwrap();
        resources.push(
            policy["Statement"][0]["Resource"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        let sp = app.verified_response();
        assert_eq!(
            sp["attributes"][format!("{TAG}tenant")],
            json!([tenant.to_string()])
        );
    }
    let expected: Vec<String> = tenants
        .iter()
        .map(|t| format!("arn:aws:s3:::bucket/{t}/*"))
        .collect();
    assert_eq!(resources, expected);
}
