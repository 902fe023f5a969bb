//! The rules engine through its public API: Auth0 rules run unchanged, and every way a
//! rule can fail fails only its own request.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use delegation_server::rules::{
    RuleFailure, RuleSource, RulesEngine, RulesError, RulesOutput, RulesSettings,
};
use serde_json::{Map, Value, json};

const ROLE: &str = "arn:aws:iam::123456789012:role/auth0-role";
const PRINCIPAL: &str = "arn:aws:iam::123456789012:saml-provider/auth0-provider";

/// The seed's rule: role and principal chosen by client.
const SEED_RULE: &str = include_str!("../fixtures/seed-rule.js");

/// The seed's eduPersonAffiliation example, with the rule also setting `awsGroup`.
const MAPPINGS_RULE: &str = r"// Send the user's group as eduPersonAffiliation.
function addAffiliation(user, context, callback) {
  user.awsGroup = (user.groups || [])[0];
  context.addonConfiguration.aws.mappings = {
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier': 'name',
    'https://aws.amazon.com/SAML/Attributes/Role':                          'awsrole',
    'https://aws.amazon.com/SAML/Attributes/RoleSessionName':               'rolesessionname',
    'urn:oid:1.3.6.1.4.1.5923.1.1.1.1':                                     'awsGroup'
  };
  callback(null, user, context);
};
";

fn rule(name: &str, source: &str) -> RuleSource {
    RuleSource {
        name: name.to_owned(),
        source: source.to_owned(),
    }
}

fn settings() -> RulesSettings {
    RulesSettings {
        timeout: Duration::from_millis(300),
        memory_limit_bytes: 16 * 1024 * 1024,
        configuration: Map::new(),
        workers: 2,
    }
}

fn engine(rules: &[(&str, &str)]) -> RulesEngine {
    let rules = rules.iter().map(|(n, s)| rule(n, s)).collect();
    RulesEngine::new(rules, settings()).expect("the rules compile")
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn user() -> Map<String, Value> {
    object(
        json!({ "sub": "auth0|123", "user_id": "auth0|123", "name": "jane", "groups": ["staff"] }),
    )
}

fn context() -> Map<String, Value> {
    object(json!({
        "clientID": "CLIENT_ID",
        "protocol": "delegation",
        "request": { "body": {}, "ip": "127.0.0.1", "userAgent": "test", "hostname": "localhost" },
        "addonConfiguration": { "aws": { "mappings": {}, "region": "us-east-1" } },
    }))
}

async fn run(engine: &RulesEngine) -> Result<RulesOutput, RuleFailure> {
    engine.run(user(), context()).await
}

fn failed_reason(result: Result<RulesOutput, RuleFailure>, expected_rule: &str) -> String {
    match result {
        Err(RuleFailure::Failed { rule, reason }) => {
            assert_eq!(rule, expected_rule);
            reason
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}

fn unauthorized_message(result: Result<RulesOutput, RuleFailure>) -> String {
    match result {
        Err(RuleFailure::Unauthorized { message, .. }) => message,
        other => panic!("expected Unauthorized, got {other:?}"),
    }
}

mod engine_state;
mod failures;
mod hardening;
mod isolation;
mod limits;
mod semantics;

/// Everything logged by this test binary so far (every test's workers log into it).
fn logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().expect("log buffer")).into_owned()
}

/// Installs the capturing subscriber once; call before running rules whose logs matter.
fn log_buffer() -> &'static Mutex<Vec<u8>> {
    static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUFFER.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&buffer);
        let _ = tracing_subscriber::fmt()
            .with_env_filter("delegation_server::rules=debug")
            .with_ansi(false)
            .with_writer(move || SharedWriter(Arc::clone(&writer)))
            .try_init();
        buffer
    })
}

struct SharedWriter(Arc<Mutex<Vec<u8>>>);

impl Write for SharedWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut buffer = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
