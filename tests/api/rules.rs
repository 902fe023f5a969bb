//! Auth0 rules in the real flow: the shipped example rules pick roles, change mappings and
//! refuse users; failing rules fail one request and leave the server healthy.

use serde_json::{Value, json};

use crate::test_app::{TestApp, assert_error};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config/rules");
const EDU_ATTR: &str = "urn:oid:1.3.6.1.4.1.5923.1.1.1.1";

/// A client with AWS settings but no role: only a rule can make its requests succeed.
const RULED_CLIENT: &str = r#"
[[clients]]
client_id = "ruled"
[clients.aws]
region = "us-east-1"
"#;

fn rules_section(files: &[&str], timeout_ms: u64) -> String {
    let list: Vec<String> = files.iter().map(|f| format!("{f:?}")).collect();
    format!(
        r#"
[rules]
files = [{}]
timeout_ms = {timeout_ms}
memory_limit_mb = 16
[rules.configuration]
AWS_CLIENT_ID = "ruled"
AWS_ACCOUNT_ID = "123456789012"
EXPECTED_SETTING = "from-config"
"#,
        list.join(", ")
    )
}

fn example(name: &str) -> String {
    format!("{EXAMPLES}/{name}")
}

async fn post_claims(app: &TestApp, client: &str, sub: &str, extra: Value) -> reqwest::Response {
    let mut body = app.body_for(client, sub);
    body["id_token"] = json!(app.issuer.sign(&app.issuer.claims(sub, client, extra)));
    app.post_json(&body).await
}

async fn assumed_role(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let json: Value = response.json().await.unwrap();
    json["AssumedRoleUser"]["Arn"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_seeds_rule_picks_the_role_and_principal_by_client() {
    let extra =
        RULED_CLIENT.to_owned() + &rules_section(&[&example("01-aws-role-by-client.js")], 1000);
    let app = TestApp::spawn_with(&extra).await;

    let arn = assumed_role(post_claims(&app, "ruled", "auth0|seed", json!({})).await).await;

    assert_eq!(
        arn,
        "arn:aws:sts::123456789012:assumed-role/auth0-role/jane"
    );
    assert_eq!(
        app.sts.last_form()["RoleArn"],
        "arn:aws:iam::123456789012:role/auth0-role"
    );
}

#[tokio::test]
async fn the_seeds_rule_also_fires_when_another_caller_targets_its_application() {
    let ruled = RULED_CLIENT.replace(
        "client_id = \"ruled\"\n",
        "client_id = \"ruled\"\nallowed_callers = [\"app\"]\n",
    );
    let extra = ruled + &rules_section(&[&example("01-aws-role-by-client.js")], 1000);
    let app = TestApp::spawn_with(&extra).await;

    // `app` calls with its own token and names `ruled` as the target: the rule guards
    // `ruled` by context.targetClientID, so it sets the role although clientID is `app`.
    let mut body = app.body_for("app", "auth0|via-app");
    body["target"] = json!("ruled");
    let arn = assumed_role(app.post_json(&body).await).await;
    assert_eq!(
        arn,
        "arn:aws:sts::123456789012:assumed-role/auth0-role/jane"
    );
}

#[tokio::test]
async fn a_rule_that_changes_the_mappings_adds_the_attribute_to_the_signed_response() {
    let files = [
        &example("01-aws-role-by-client.js"),
        &example("02-edu-person-affiliation.js"),
    ];
    let extra = RULED_CLIENT.to_owned() + &rules_section(&files.map(String::as_str), 1000);
    let app = TestApp::spawn_with(&extra).await;

    let response = post_claims(&app, "ruled", "auth0|edu", json!({ "awsGroup": "faculty" })).await;

    assert_eq!(response.status(), 200);
    let sp = app.verified_response();
    assert_eq!(sp["attributes"][EDU_ATTR], json!(["faculty"]));
}

#[tokio::test]
async fn a_rule_chooses_the_role_from_a_group_and_refuses_users_in_none() {
    let extra = rules_section(&[&example("03-role-from-group.js")], 1000);
    let app = TestApp::spawn_with(&extra).await;

    let arn = assumed_role(
        post_claims(
            &app,
            "app",
            "auth0|g",
            json!({ "groups": ["staff", "analysts"] }),
        )
        .await,
    )
    .await;
    assert!(arn.contains(":assumed-role/aws-analyst/"), "{arn}");

    let refused = post_claims(&app, "app", "auth0|nogroup", json!({ "groups": ["staff"] })).await;
    let description = assert_error(refused, 403, "unauthorized").await;
    assert_eq!(description, "You are not in a group with AWS access.");
}

const CONTEXT_PROBE: &str = r#"
function (user, context, callback) {
  var problems = [];
  function expect(what, ok) { if (!ok) problems.push(what); }
  expect('clientID', context.clientID === 'app');
  expect('targetClientID', context.targetClientID === 'app');
  expect('targetClientName', context.targetClientName === 'app');
  expect('protocol', context.protocol === 'delegation');
  expect('body.api_type', context.request.body.api_type === 'aws');
  expect('body hides id_token', context.request.body.id_token === undefined);
  expect('ip', context.request.ip === '127.0.0.1');
  expect('userAgent', context.request.userAgent === 'delegation-tests/1.0');
  expect('hostname', /^127\.0\.0\.1:\d+$/.test(context.request.hostname));
  expect('aws.role', context.addonConfiguration.aws.role === 'arn:aws:iam::123456789012:role/auth0-role');
  expect('aws.region', context.addonConfiguration.aws.region === undefined);
  expect('aws.lifetime', context.addonConfiguration.aws.lifetime_in_seconds === 3600);
  expect('aws.mappings', context.addonConfiguration.aws.mappings['https://aws.amazon.com/SAML/Attributes/Role'] === 'awsrole');
  expect('user_id', user.user_id === user.sub);
  expect('claims', user.email === 'jane@example.com');
  expect('configuration', configuration.EXPECTED_SETTING === 'from-config');
  if (problems.length) return callback(new UnauthorizedError('context: ' + problems.join(', ')));
  context.addonConfiguration.aws.lifetime_in_seconds = 1800;
  context.addonConfiguration.aws.region = 'eu-west-1';
  callback(null, user, context);
}
"#;

#[tokio::test]
async fn rules_see_auth0s_user_and_context_and_their_changes_apply() {
    let extra = rules_section(&["probe.js"], 1000);
    let app = TestApp::spawn_with_files(&extra, &[("probe.js", CONTEXT_PROBE)]).await;

    let response = post_claims(&app, "app", "auth0|ctx", json!({})).await;

    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    assert_eq!(app.sts.last_form()["DurationSeconds"], "1800");
}

const MISBEHAVING: &str = r#"
function (user, context, callback) {
  switch (user.mode) {
    case 'throw': throw new TypeError('boom');
    case 'loop': while (true) {}
    case 'silent': return;
    case 'memory': var hog = []; while (true) { hog.push(new Array(100000).join('x') + hog.length); }
    case 'require': require('fs'); break;
    case 'reject': return Promise.reject(new Error('async failure'));
    case 'twice': callback(null, user, context); return callback(new Error('second call'));
    case 'later': return setTimeout(function () { callback(null, user, context); }, 20);
  }
  callback(null, user, context);
}
"#;

#[tokio::test]
async fn each_failing_rule_fails_only_its_request_and_the_server_stays_healthy() {
    let extra = rules_section(&["misbehaving.js"], 400);
    let app = TestApp::spawn_with_files(&extra, &[("misbehaving.js", MISBEHAVING)]).await;

    for mode in ["throw", "loop", "silent", "memory", "require", "reject"] {
        let failed = post_claims(&app, "app", "auth0|bad", json!({ "mode": mode })).await;
        let description = assert_error(failed, 500, "server_error").await;
        assert!(
            !description.contains("boom"),
            "internals leaked for {mode}: {description}"
        );

        let next = post_claims(&app, "app", "auth0|good", json!({})).await;
        assert_eq!(next.status(), 200, "request after `{mode}` failed");
    }
    for mode in ["twice", "later"] {
        let ok = post_claims(&app, "app", "auth0|ok", json!({ "mode": mode })).await;
        assert_eq!(ok.status(), 200, "mode {mode}");
    }
}

const SETS_BAD_VALUES: &str = r#"
function (user, context, callback) {
  var aws = context.addonConfiguration.aws;
  switch (user.mode) {
    case 'role': aws.role = 'arn:aws:iam::123:role/short-account'; break;
    case 'lifetime': aws.lifetime_in_seconds = parseInt('not a number'); break;
    case 'mappings': aws.mappings = 'awsrole'; break;
    case 'region': aws.region = 'cn-north-1'; break;
    case 'aws': context.addonConfiguration.aws = 42; break;
  }
  callback(null, user, context);
}
"#;

#[tokio::test]
async fn values_a_rule_sets_are_checked_and_a_bad_one_is_named_in_the_log() {
    let logs = crate::logs::captured_logs();
    let extra = rules_section(&["bad-values.js"], 1000);
    let app = TestApp::spawn_with_files(&extra, &[("bad-values.js", SETS_BAD_VALUES)]).await;
    let cases = [
        ("role", "context.addonConfiguration.aws.role"),
        (
            "lifetime",
            "context.addonConfiguration.aws.lifetime_in_seconds",
        ),
        ("mappings", "context.addonConfiguration.aws.mappings"),
        ("region", "region cn-north-1 is not in the role's partition"),
        (
            "aws",
            "context.addonConfiguration.aws that is not an object",
        ),
    ];
    for (mode, logged) in cases {
        let response = post_claims(&app, "app", "auth0|values", json!({ "mode": mode })).await;
        let description = assert_error(response, 500, "server_error").await;
        assert!(
            !description.contains("addonConfiguration"),
            "internals leaked: {description}"
        );
        let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
        assert!(text.contains(logged), "no log line with `{logged}`");
    }
    assert_eq!(app.sts.attempts(), 0, "nothing may reach STS");
}

#[tokio::test]
async fn a_failing_rule_is_named_in_the_log() {
    let logs = crate::logs::captured_logs();
    let extra = rules_section(&["named-failure.js"], 400);
    let app = TestApp::spawn_with_files(&extra, &[("named-failure.js", MISBEHAVING)]).await;

    let failed = post_claims(&app, "app", "auth0|named", json!({ "mode": "throw" })).await;

    assert_error(failed, 500, "server_error").await;
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    let line = text
        .lines()
        .find(|l| l.contains("named-failure.js") && l.contains("boom"));
    assert!(line.is_some(), "no log line names the failing rule");
}
