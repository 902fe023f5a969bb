//! The rule step's cost per request: `RulesEngine::run` with the seed's rule (role and
//! principal chosen by client), the way the delegation flow calls it, against one
//! RSA-2048 signature on the same machine. Goal: `rules_seed_rule` at most 0.35× of
//! `rsa2048_sign`. `rules_fresh_sandbox` is what building a new sandbox per request would
//! cost instead, the alternative to putting the engine's state back after each run.

use std::time::Duration;

use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use criterion::{Criterion, criterion_group, criterion_main};
use delegation_server::rules::{RuleSource, RulesEngine, RulesSettings};
use serde_json::{Map, Value, json};

/// The rule from Auth0's AWS delegation guide, shared with the rules engine tests.
const SEED_RULE: &str = include_str!("../tests/fixtures/seed-rule.js");

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A user and context shaped like the delegation flow's: id_token claims, the request.
fn inputs() -> (Map<String, Value>, Map<String, Value>) {
    let user = object(json!({
        "iss": "https://example.auth0.com/", "sub": "auth0|5f7c8ec7c33c6c004bbafe82",
        "user_id": "auth0|5f7c8ec7c33c6c004bbafe82", "aud": "CLIENT_ID",
        "iat": 1_700_000_000, "exp": 1_700_036_000, "name": "jane@example.com",
        "email": "jane@example.com", "email_verified": true,
    }));
    let context = object(json!({
        "clientID": "CLIENT_ID",
        "protocol": "delegation",
        "request": {
            "body": {
                "client_id": "CLIENT_ID", "api_type": "aws", "scope": "openid",
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "id_token": "eyJ…",
            },
            "ip": "203.0.113.7", "userAgent": "curl/8.5.0", "hostname": "auth.example.com",
        },
        "addonConfiguration": { "aws": {
            "region": "us-east-1", "lifetime_in_seconds": 3600,
            "mappings": {
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier": "name",
                "https://aws.amazon.com/SAML/Attributes/Role": "awsrole",
                "https://aws.amazon.com/SAML/Attributes/RoleSessionName": "rolesessionname",
            },
        }},
    }));
    (user, context)
}

fn benches(c: &mut Criterion) {
    let Ok(key) = RsaKeyPair::generate(KeySize::Rsa2048) else {
        return;
    };
    c.bench_function("rsa2048_sign", |b| {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let mut signature = vec![0; key.public_modulus_len()];
        b.iter(|| key.sign(&RSA_PKCS1_SHA256, &rng, b"signed info", &mut signature))
    });

    let rules = vec![RuleSource {
        name: "01-aws-role.js".to_owned(),
        source: SEED_RULE.to_owned(),
    }];
    let Ok(engine) = RulesEngine::new(rules, RulesSettings::default()) else {
        return;
    };
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let (user, context) = inputs();
    c.bench_function("rules_seed_rule", |b| {
        b.iter(|| runtime.block_on(engine.run(user.clone(), context.clone())))
    });

    // What a fresh sandbox per request would cost instead of putting one back: a new
    // runtime and realm (the prelude, the rule compiled, the lockdown's walk and freeze).
    let seed = [RuleSource {
        name: "01-aws-role.js".to_owned(),
        source: SEED_RULE.to_owned(),
    }];
    c.bench_function("rules_fresh_sandbox", |b| {
        b.iter(|| RulesEngine::check(&seed))
    });
}

criterion_group! {
    name = rules;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = benches
}
criterion_main!(rules);
