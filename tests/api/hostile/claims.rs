//! Validly signed tokens whose claims are hostile: the server either carries the text
//! exactly (escaped in the signed XML) or refuses it with a 400 naming the claim.

use serde_json::{Value, json};

use super::{Case, Send, run_table};
use crate::test_app::TestApp;

const BAD: Option<&str> = Some("invalid_request");

#[tokio::test]
async fn hostile_claims_are_carried_exactly_or_refused_clearly() {
    let app = TestApp::spawn().await;
    let long = "n".repeat(10_000);
    let claims: Vec<(&str, Value, u16, Option<&str>)> = vec![
        (
            "XML metacharacters in name",
            json!({"name": "<a href=\"x\">&amp;'</a>"}),
            200,
            None,
        ),
        (
            "CDATA end in name",
            json!({"name": "]]><evil/>"}),
            200,
            None,
        ),
        (
            "comment and PI in name",
            json!({"name": "<!-- x --><?xml version='1.0'?>"}),
            200,
            None,
        ),
        (
            "DOCTYPE in name",
            json!({"name": "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>&e;"}),
            200,
            None,
        ),
        (
            "RTL override in name",
            json!({"name": "\u{202e}nimda"}),
            200,
            None,
        ),
        (
            "zero-width and combining characters",
            json!({"name": "a\u{200b}e\u{301}\u{fe0f}"}),
            200,
            None,
        ),
        (
            "emoji and astral characters",
            json!({"name": "\u{1F600}\u{10FFFF}"}),
            200,
            None,
        ),
        (
            "carriage return and tab in name",
            json!({"name": "a\r\nb\tc"}),
            200,
            None,
        ),
        (
            "control character in name",
            json!({"name": "a\u{1}b"}),
            200,
            None,
        ),
        ("NUL in name", json!({"name": "a\u{0}b"}), 200, None),
        ("10 kB name", json!({"name": long}), 200, None),
        (
            "10 kB nickname (session name cut to 64)",
            json!({"nickname": long}),
            200,
            None,
        ),
        (
            "session name from characters AWS refuses",
            json!({"nickname": "\u{202e}<>"}),
            200,
            None,
        ),
        (
            "empty nickname falls back",
            json!({"nickname": "", "name": ""}),
            200,
            None,
        ),
        (
            "name an array",
            json!({"name": ["a", "b", null, 1, true]}),
            200,
            None,
        ),
        ("name an object", json!({"name": {"first": "a"}}), 400, BAD),
        ("name a nested array", json!({"name": [["a"]]}), 400, BAD),
        ("name a number", json!({"name": 1e21}), 200, None),
        ("name null", json!({"name": null}), 200, None),
        (
            "__proto__ claim",
            json!({"__proto__": {"admin": true}}),
            200,
            None,
        ),
        (
            "constructor claim",
            json!({"constructor": {"prototype": {"x": 1}}}),
            200,
            None,
        ),
        (
            "awsrole claim is ignored",
            json!({"awsrole": "arn:aws:iam::999999999999:role/admin,arn:aws:iam::999999999999:saml-provider/p"}),
            200,
            None,
        ),
        (
            "rolesessionname claim is ignored",
            json!({"rolesessionname": "<admin>"}),
            200,
            None,
        ),
        (
            "sub with an RTL override",
            json!({"sub": "auth0|\u{202e}1"}),
            200,
            None,
        ),
        (
            "sub with XML metacharacters",
            json!({"sub": "auth0|<&>\"'"}),
            200,
            None,
        ),
        ("sub of 10 kB", json!({"sub": long}), 200, None),
        (
            "email with a NUL",
            json!({"email": "a\u{0}@example.com"}),
            200,
            None,
        ),
        (
            "500 claims",
            Value::Object((0..500).map(|i| (format!("c{i}"), json!(i))).collect()),
            200,
            None,
        ),
        (
            "2000 claims, over the token size",
            Value::Object((0..2000).map(|i| (format!("c{i}"), json!(i))).collect()),
            401,
            Some("invalid_grant"),
        ),
    ];
    let mut cases = Vec::new();
    let mut secrets = Vec::new();
    for (i, (name, extra, status, code)) in claims.into_iter().enumerate() {
        // One user per case, so the per-user rate limit never answers for a case.
        let default_sub = format!("auth0|hostile-claims-{i}");
        let sub = extra["sub"].as_str().unwrap_or(&default_sub).to_owned();
        let token = app.issuer.sign(&app.issuer.claims(&sub, "app", extra));
        secrets.push(token.clone());
        let mut body = app.body_for("app", &sub);
        body["id_token"] = json!(token);
        cases.push(Case::new(name, Send::Json(body), status, code));
    }
    run_table(&app, cases, &secrets).await;
    // Every Response the table made was checked by both verifiers when the app drops; the
    // escaped text round-trips exactly (checked claim by claim in the delegation tests).
    assert!(app.sts.all_saml_responses().len() >= 20);
}
