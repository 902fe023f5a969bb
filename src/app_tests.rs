//! Unit tests of `app`: a reload keeps exactly the components whose settings are unchanged,
//! as `on_reload` classifies them.

use std::path::Path;

use super::*;

/// Every component a reload can keep is on here, built from a file of its own.
const BASE: &str = r#"
[server]
listen = "127.0.0.1:0"
request_timeout_ms = 10000
max_in_flight = 64

[saml]
issuer = "urn:reload.test"
signing_key = "saml.key"
signing_cert = "saml.crt"

[sts]
endpoint = "http://127.0.0.1:9/"
retries = 2

[outbound]
ca_roots = "bundled"

[[issuers]]
issuer = "https://issuer.test/"
keys_file = "jwks.json"

[[clients]]
client_id = "app"
[clients.aws]
role = "arn:aws:iam::123456789012:role/first"
principal = "arn:aws:iam::123456789012:saml-provider/p"

[rules]
files = ["rule.js"]
timeout_ms = 500
workers = 1

[limits]
per_user_per_minute = 60

[cache]
enabled = true
max_entries = 100

[state]
redis_url = "redis://127.0.0.1:9/"
encryption_key_file = "state.key"

[oidc_provider]
url = "https://delegation.test"
signing_key = "oidc.key"

[audit]
path = "audit.log"
"#;

/// One change per field: the field as `on_reload` names it, and the text replaced in BASE.
const EDITS: &[(&str, &str, &str)] = &[
    ("sts", "retries = 2", "retries = 3"),
    (
        "verifier",
        "keys_file = \"jwks.json\"",
        "keys_file = \"jwks.json\"\nleeway_seconds = 5",
    ),
    ("rules", "timeout_ms = 500", "timeout_ms = 400"),
    (
        "limits",
        "per_user_per_minute = 60",
        "per_user_per_minute = 30",
    ),
    ("cache", "max_entries = 100", "max_entries = 200"),
    (
        "state",
        "127.0.0.1:9/\"\nencryption",
        "127.0.0.1:10/\"\nencryption",
    ),
    (
        "oidc_issuer",
        "signing_key = \"oidc.key\"",
        "signing_key = \"oidc.key\"\nrevoked_kids = [\"gone\"]",
    ),
    (
        "outbound",
        "ca_roots = \"bundled\"",
        "ca_roots = \"system+bundled\"",
    ),
    ("audit", "path = \"audit.log\"", "path = \"other.log\""),
    (
        "server.max_in_flight",
        "max_in_flight = 64",
        "max_in_flight = 32",
    ),
    ("saml", "urn:reload.test", "urn:other.test"),
    ("clients", "role/first", "role/second"),
    (
        "server.request_timeout",
        "request_timeout_ms = 10000",
        "request_timeout_ms = 9000",
    ),
    ("server.listen", "127.0.0.1:0", "127.0.0.1:1"),
];

const ALL: [Component; 9] = [
    Component::Verifier,
    Component::Sts,
    Component::Rules,
    Component::State,
    Component::Oidc,
    Component::Limiter,
    Component::Cache,
    Component::InFlight,
    Component::Audit,
];

/// Whether `next` holds the very component `before` held.
fn kept(before: &App, next: &App, component: Component) -> bool {
    fn same<T>(a: &Option<Arc<T>>, b: &Option<Arc<T>>) -> bool {
        matches!((a, b), (Some(a), Some(b)) if Arc::ptr_eq(a, b))
    }
    match component {
        Component::Verifier => Arc::ptr_eq(&before.verifier, &next.verifier),
        Component::Sts => before.sts.shares_pool_with(&next.sts),
        Component::Rules => Arc::ptr_eq(&before.rules, &next.rules),
        Component::State => same(&before.state, &next.state),
        Component::Oidc => same(&before.oidc, &next.oidc),
        Component::Limiter => same(&before.limiter, &next.limiter),
        Component::Cache => same(&before.cache, &next.cache),
        Component::InFlight => Arc::ptr_eq(&before.in_flight, &next.in_flight),
        Component::Audit => same(&before.audit, &next.audit),
    }
}

/// A directory with the files BASE names.
fn files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = crate::saml::generate_key_and_certificate("reload.test").unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("saml.key", &key);
    write("saml.crt", &cert);
    write("oidc.key", &crate::issuer::generate_rsa_key().unwrap());
    write("jwks.json", r#"{"keys": []}"#);
    write("state.key", &"ab".repeat(32));
    write(
        "rule.js",
        "function (user, context, callback) { callback(null, user, context); }",
    );
    dir
}

fn load(dir: &Path, text: &str) -> Settings {
    let path = dir.join("delegation.toml");
    std::fs::write(&path, text).unwrap();
    crate::config::load(&path).unwrap()
}

fn reload(dir: &Path, text: &str, before: &App) -> Arc<App> {
    let metrics = Arc::new(Metrics::new());
    App::build_with(
        load(dir, text),
        Arc::new(SystemClock),
        &metrics,
        Some(before),
    )
    .unwrap()
}

#[tokio::test]
async fn a_reload_rebuilds_exactly_the_components_a_changed_setting_is_compared_for() {
    let dir = files();
    let before = App::build(load(dir.path(), BASE), Arc::new(SystemClock)).unwrap();
    let unchanged = reload(dir.path(), BASE, &before);
    for component in ALL {
        assert!(
            kept(&before, &unchanged, component),
            "{component:?} rebuilt"
        );
    }
    let fields = on_reload(&before.settings);
    for &(field, from, to) in EDITS {
        assert!(BASE.contains(from), "{field}: `{from}` is not in BASE");
        let next = reload(dir.path(), &BASE.replace(from, to), &before);
        let how = fields.iter().find(|(name, _)| *name == field).map(|f| f.1);
        let rebuilt: &[Component] = match how {
            Some(OnReload::Compared(components)) => components,
            Some(_) => &[],
            None => panic!("`{field}` is not a field on_reload lists"),
        };
        for component in ALL {
            assert_eq!(
                kept(&before, &next, component),
                !rebuilt.contains(&component),
                "after a change to {field}: {component:?}"
            );
        }
    }
}

#[test]
fn every_compared_setting_is_changed_once_by_the_reload_test() {
    let dir = files();
    let settings = load(dir.path(), BASE);
    let fields = on_reload(&settings);
    for (i, (name, how)) in fields.iter().enumerate() {
        assert!(
            fields[..i].iter().all(|(other, _)| other != name),
            "{name} listed twice"
        );
        if matches!(how, OnReload::Compared(_)) {
            assert!(
                EDITS.iter().any(|(field, _, _)| field == name),
                "{name} is compared on reload: add a change to EDITS"
            );
        }
    }
}
