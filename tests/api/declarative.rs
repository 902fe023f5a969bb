//! Declarative settings, end to end against moto: role rules pick the role without code,
//! session tags and SourceIdentity come from claims into the signed assertion, and the
//! session policy templated from claims reaches STS. How claims are read is in
//! `claim_handling.rs`.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::test_app::{TestApp, assert_error};

pub(crate) const TAG: &str = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:";
const TRANSITIVE: &str = "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys";
const SOURCE: &str = "https://aws.amazon.com/SAML/Attributes/SourceIdentity";

const GROUPED: &str = r#"
[[clients]]
client_id = "grouped"
[clients.aws]
role = "arn:aws:iam::123456789012:role/default-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"
no_match = "{no_match}"

[[clients.aws.role_rules]]
claim = "https://example.com/groups"
contains = "admins"
role = "arn:aws:iam::123456789012:role/admin"

[[clients.aws.role_rules]]
claim = "profile.team"
matches = "^eng-.*$"
role = "arn:aws:iam::123456789012:role/engineer"
principal = "arn:aws:iam::123456789012:saml-provider/eng-provider"
"#;

pub(crate) async fn post_claims(app: &TestApp, client: &str, extra: Value) -> reqwest::Response {
    let mut body = app.body_for(client, "auth0|decl");
    body["id_token"] = json!(
        app.issuer
            .sign(&app.issuer.claims("auth0|decl", client, extra))
    );
    app.post_json(&body).await
}

#[tokio::test]
async fn role_rules_pick_the_role_in_order_and_refuse_users_they_do_not_match() {
    let app = TestApp::spawn_with(&GROUPED.replace("{no_match}", "deny")).await;
    let admin = post_claims(
        &app,
        "grouped",
        json!({"https://example.com/groups": ["staff", "admins"], "profile": {"team": "eng-core"}}),
    )
    .await;
    assert_eq!(admin.status(), 200);
    assert_eq!(
        app.sts.last_form()["RoleArn"],
        "arn:aws:iam::123456789012:role/admin",
        "the first match wins"
    );
    assert_eq!(
        app.sts.last_form()["PrincipalArn"],
        PRINCIPAL,
        "the client's principal"
    );

    let engineer = post_claims(&app, "grouped", json!({"profile": {"team": "eng-core"}})).await;
    assert_eq!(engineer.status(), 200);
    let form = app.sts.last_form();
    assert_eq!(form["RoleArn"], "arn:aws:iam::123456789012:role/engineer");
    assert_eq!(
        form["PrincipalArn"],
        "arn:aws:iam::123456789012:saml-provider/eng-provider"
    );

    let attempts = app.sts.attempts();
    let nobody = post_claims(
        &app,
        "grouped",
        json!({"https://example.com/groups": "staff"}),
    )
    .await;
    let description = assert_error(nobody, 403, "unauthorized").await;
    assert!(description.contains("no role rule"), "{description}");
    assert_eq!(app.sts.attempts(), attempts);
}

#[tokio::test]
async fn with_no_match_default_an_unmatched_user_gets_the_clients_role() {
    let app = TestApp::spawn_with(&GROUPED.replace("{no_match}", "default")).await;
    let response = post_claims(&app, "grouped", json!({})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        app.sts.last_form()["RoleArn"],
        "arn:aws:iam::123456789012:role/default-role"
    );
}

#[tokio::test]
async fn javascript_rules_see_the_role_rules_choice_and_may_change_it() {
    let rule = "function (user, context, callback) {
      if (context.addonConfiguration.aws.role !== 'arn:aws:iam::123456789012:role/admin') return callback(new UnauthorizedError('saw ' + context.addonConfiguration.aws.role));
      context.addonConfiguration.aws.role = 'arn:aws:iam::123456789012:role/admin-readonly';
      callback(null, user, context);
    }";
    let extra = GROUPED.replace("{no_match}", "deny") + "\n[rules]\nfiles = [\"01-narrow.js\"]\n";
    let app = TestApp::spawn_with_files(&extra, &[("01-narrow.js", rule)]).await;
    let response = post_claims(
        &app,
        "grouped",
        json!({"https://example.com/groups": ["admins"]}),
    )
    .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    assert_eq!(
        app.sts.last_form()["RoleArn"],
        "arn:aws:iam::123456789012:role/admin-readonly"
    );
}

const TAGGED: &str = r#"
[[clients]]
client_id = "tagged"
[clients.aws]
role = "arn:aws:iam::123456789012:role/auth0-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"
transitive_tag_keys = ["department"]
source_identity = "email"
[clients.aws.session_tags]
department = "department"
team = "https://example.com/team"
"#;

#[tokio::test]
async fn session_tags_and_source_identity_from_claims_are_signed_into_the_assertion() {
    let app = TestApp::spawn_with(TAGGED).await;
    let claims = json!({"department": "Finance", "https://example.com/team": ["blue", "red"]});
    let response = post_claims(&app, "tagged", claims).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let sp = app.verified_response();
    assert_eq!(
        sp["attributes"][format!("{TAG}department")],
        json!(["Finance"])
    );
    assert_eq!(
        sp["attributes"][format!("{TAG}team")],
        json!(["blue:red"]),
        "arrays are joined with ':'"
    );
    assert_eq!(sp["attributes"][TRANSITIVE], json!(["department"]));
    assert_eq!(sp["attributes"][SOURCE], json!(["jane@example.com"]));
}

#[tokio::test]
async fn a_rule_may_set_tags_which_override_those_from_claims() {
    let rule = "function (user, context, callback) {
      context.addonConfiguration.aws.tags.department = 'Audit';
      context.addonConfiguration.aws.tags['cost-center'] = 42;
      callback(null, user, context);
    }";
    let extra = TAGGED.to_owned() + "\n[rules]\nfiles = [\"01-tags.js\"]\n";
    let app = TestApp::spawn_with_files(&extra, &[("01-tags.js", rule)]).await;
    let response = post_claims(&app, "tagged", json!({"department": "Finance"})).await;
    assert_eq!(response.status(), 200);
    let sp = app.verified_response();
    assert_eq!(
        sp["attributes"][format!("{TAG}department")],
        json!(["Audit"])
    );
    assert_eq!(sp["attributes"][format!("{TAG}cost-center")], json!(["42"]));
}

#[tokio::test]
async fn claims_aws_would_refuse_as_tags_or_source_identity_are_clear_400s() {
    let app = TestApp::spawn_with(TAGGED).await;
    let cases = [
        (json!({"department": "a\nb"}), "session tag `department`"),
        (
            json!({"department": {"nested": true}}),
            "session tag `department`",
        ),
        (json!({"department": "x".repeat(257)}), "longer than 256"),
        (json!({"email": "aws:admin@example.com"}), "SourceIdentity"),
        (json!({"email": "has space@example.com"}), "SourceIdentity"),
        // Multi-byte text around the `aws:` check once panicked the request.
        (json!({"email": "abcé@example.com"}), "SourceIdentity"),
        (json!({"email": "é"}), "SourceIdentity"),
    ];
    for (claims, expected) in cases {
        let response = post_claims(&app, "tagged", claims.clone()).await;
        let description = assert_error(response, 400, "invalid_request").await;
        assert!(description.contains(expected), "{claims}: {description}");
    }
    assert_eq!(app.sts.attempts(), 0, "nothing refused reached STS");
}

const POLICED: &str = r#"
[[clients]]
client_id = "policed"
[clients.aws]
role = "arn:aws:iam::123456789012:role/auth0-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"
policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
session_policy = '''{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",
  "Resource":"arn:aws:s3:::my-bucket/home/${claims.nickname}/*"}]}'''
"#;

#[tokio::test]
async fn the_session_policy_is_templated_from_claims_and_sent_to_sts() {
    let app = TestApp::spawn_with(POLICED).await;
    let response = post_claims(&app, "policed", json!({"nickname": "jane"})).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let form = app.sts.last_form();
    let policy: Value = serde_json::from_str(&form["Policy"]).unwrap();
    assert_eq!(
        policy["Statement"][0]["Resource"],
        "arn:aws:s3:::my-bucket/home/jane/*"
    );
    assert_eq!(policy["Statement"][0]["Action"], "s3:*");
    assert_eq!(
        form["PolicyArns.member.1.arn"],
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    );

    for (nickname, why) in [
        ("*", "`*`"),
        ("../other", "`/`"),
        ("${aws:username}", "`$`"),
    ] {
        let attempts = app.sts.attempts();
        let response = post_claims(&app, "policed", json!({ "nickname": nickname })).await;
        let description = assert_error(response, 400, "invalid_request").await;
        assert!(
            description.contains("nickname") && description.contains(why),
            "{nickname}: {description}"
        );
        assert_eq!(app.sts.attempts(), attempts);
    }
    let long = post_claims(&app, "policed", json!({"nickname": "j".repeat(2100)})).await;
    assert!(
        assert_error(long, 400, "invalid_request")
            .await
            .contains("2048")
    );
}
