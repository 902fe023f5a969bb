//! The command line and configuration loading, run as users run them: the real binary.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_delegation-server");

fn run(args: &[&str], config: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env("DELEGATION_CONFIG", config);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The shipped example configuration, in a temporary tree with generated keys where it
/// expects them (`../keys/` from the config directory).
fn example_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("config")).unwrap();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/config/delegation.toml");
    std::fs::copy(example, dir.path().join("config/delegation.toml")).unwrap();
    let keys = dir.path().join("keys");
    let out = Command::new(BIN)
        .args(["keygen", "--out", keys.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    dir
}

#[test]
fn the_example_configuration_passes_check_config() {
    let tree = example_tree();
    let out = run(
        &["check-config"],
        &tree.path().join("config/delegation.toml"),
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let summary = text(&out);
    assert!(summary.contains("urn:delegation.example.com"), "{summary}");
    assert!(summary.contains("YOUR_CLIENT_ID"), "{summary}");
    assert!(summary.contains("RSA-2048"), "{summary}");
}

#[test]
fn environment_variables_override_file_keys() {
    let tree = example_tree();
    let config = tree.path().join("config/delegation.toml");
    let env = [("DELEGATION_SAML__ISSUER", "urn:from-env.example.com")];
    let out = run(&["check-config"], &config, &env);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("urn:from-env.example.com"));
}

#[test]
fn configuration_errors_name_the_key() {
    let tree = example_tree();
    let config = tree.path().join("config/delegation.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    let cases = [
        (
            "role/auth0-role\"",
            "role/auth0 role\"",
            "clients[0].aws.role",
        ),
        (
            "region = \"us-east-1\"",
            "region = \"cn-north-1\"",
            "clients[0].aws.region",
        ),
        (
            "lifetime_seconds = 180",
            "lifetime_seconds = 900",
            "saml.lifetime_seconds",
        ),
        (
            "algorithms = [\"RS256\"]",
            "algorithms = [\"none\"]",
            "issuers[0].algorithms",
        ),
        (
            "allowed_callers = []",
            "allowed_callers = [\"ghost\"]",
            "clients[0].allowed_callers",
        ),
        (
            "jwks_uri = \"https://example.auth0.com/",
            "jwks_uri = \"http://example.auth0.com/",
            "issuers[0].jwks_uri",
        ),
        ("[server]\n", "[server]\nlisten_port = 1\n", "listen_port"),
        (
            "# endpoint = \"http://localhost:5000\"",
            "endpoint = \"http://sts.internal:5000\"",
            "sts.endpoint",
        ),
        (
            "# endpoint = \"http://localhost:5000\"",
            "endpoint = \"http://user:hunter2@localhost:5000\"",
            "sts.endpoint",
        ),
        (
            "# client_secret = \"...\"",
            "client_secret = \"0123456789abcdef0123456789abcdef\"",
            "clients[0].client_secret",
        ),
        (
            "# redis_url = \"redis://redis:6379/0\"",
            "redis_url = \"http://:hunter2@redis:6379/\"",
            "state.redis_url",
        ),
        (
            "# redis_url = \"redis://redis:6379/0\"",
            "redis_url = \"redis://redis:6379/0\"\nencryption_key_file = \"missing.key\"",
            "state.encryption_key_file",
        ),
        (
            "warm_up_ms = 2000\n\n# The server as an OIDC issuer",
            "warm_up_ms = 60000\n\n# The server as an OIDC issuer",
            "state.warm_up_ms",
        ),
        (
            "on_error = \"closed\"",
            "on_error = \"ignore\"",
            "state.on_error",
        ),
        (
            "# [clients.console]\n# enabled = true",
            "[clients.console]\nenabled = true\nissuer = \"https://app.example.com/login\"\ndestination = \"https://console.aws.amazon.com.evil.example/\"",
            "clients[0].console.destination",
        ),
        (
            "# [clients.console]\n# enabled = true",
            "[clients.console]\nenabled = true\ndestination = \"https://console.aws.amazon.com/\"",
            "clients[0].console.issuer",
        ),
        (
            "# [clients.console]\n# enabled = true",
            "[clients.console]\nenabled = true\nissuer = \"https://app.example.com/login\"\nsession_duration_seconds = 60",
            "clients[0].console.session_duration_seconds",
        ),
        (
            "# [clients.console]\n# enabled = true",
            "[clients.console]\nenabled = true\nissuer = \"https://app.example.com/login\"\nfederation_endpoint = \"http://signin.internal/federation\"",
            "clients[0].console.federation_endpoint",
        ),
    ];
    for (from, to, key) in cases {
        assert!(original.contains(from), "example lacks {from}");
        std::fs::write(&config, original.replacen(from, to, 1)).unwrap();
        let out = run(&["check-config"], &config, &[]);
        assert!(!out.status.success(), "accepted {to}");
        assert!(
            text(&out).contains(key),
            "error for {to} does not name {key}: {}",
            text(&out)
        );
        assert!(!text(&out).contains("hunter2"), "a password was shown");
    }
}

#[test]
fn keygen_kind_oidc_writes_an_issuer_key_that_check_config_loads() {
    let tree = example_tree();
    let keys = tree.path().join("keys");
    let keygen = || {
        Command::new(BIN)
            .args(["keygen", "--kind", "oidc", "--out", keys.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let out = keygen();
    assert!(out.status.success(), "{}", text(&out));
    let key = keys.join("oidc.key");
    assert!(
        std::fs::read_to_string(&key)
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A second run keeps the key unless told otherwise; the SAML keys are untouched.
    assert!(!keygen().status.success());
    assert!(keys.join("saml.key").exists());

    let config = tree.path().join("config/delegation.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    let enabled = with_issuer(&original);
    std::fs::write(&config, &enabled).unwrap();
    let out = run(&["check-config"], &config, &[]);
    assert!(out.status.success(), "{}", text(&out));
    // A plain-HTTP issuer elsewhere than loopback, or a certificate for a key, is named.
    for (from, to, key) in [
        (
            "\nurl = \"https://delegation",
            "\nurl = \"http://delegation",
            "oidc_provider.url",
        ),
        (
            "../keys/oidc.key",
            "../keys/saml.crt",
            "oidc_provider.signing_key",
        ),
    ] {
        std::fs::write(&config, enabled.replacen(from, to, 1)).unwrap();
        let out = run(&["check-config"], &config, &[]);
        assert!(!out.status.success(), "accepted {to}");
        assert!(text(&out).contains(key), "{}", text(&out));
    }
}

/// The example with its `[oidc_provider]` block switched on (keys/oidc.key must exist).
fn with_issuer(original: &str) -> String {
    let enabled = original
        .replacen("# [oidc_provider]\n", "[oidc_provider]\n", 1)
        .replacen(
            "# url = \"https://delegation.example.com\"",
            "url = \"https://delegation.example.com\"",
            1,
        )
        .replacen(
            "# signing_key = \"../keys/oidc.key\"",
            "signing_key = \"../keys/oidc.key\"",
            1,
        );
    assert_ne!(
        enabled, original,
        "the example has no [oidc_provider] block"
    );
    enabled
}

/// `try-rule` for a user with `claims` (JSON), which must succeed; its report.
fn try_rule_report(dir: &Path, config: &Path, claims: &str) -> serde_json::Value {
    let user = dir.join("user.json");
    std::fs::write(&user, claims).unwrap();
    let out = run(&["try-rule", "--user", user.to_str().unwrap()], config, &[]);
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The example client's SAML provider line, which a web identity client must not have.
const PRINCIPAL_LINE: &str =
    "principal = \"arn:aws:iam::123456789012:saml-provider/auth0-provider\"\n";

/// The example tree with an `[oidc_provider]` key, its configuration text, and that text
/// with the client switched to the web identity backend (its `[oidc_provider]` block still
/// commented out).
fn web_identity_tree() -> (tempfile::TempDir, String, String) {
    let tree = example_tree();
    let keys = tree.path().join("keys");
    let out = Command::new(BIN)
        .args(["keygen", "--kind", "oidc", "--out", keys.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let config = tree.path().join("config/delegation.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    let without_issuer = original
        .replacen("# backend = \"saml\"", "backend = \"web_identity\"", 1)
        .replacen(PRINCIPAL_LINE, "", 1);
    (tree, original, without_issuer)
}

#[test]
fn try_rule_shows_the_web_identity_provider_and_token_claims() {
    let (tree, _, without_issuer) = web_identity_tree();
    let config = tree.path().join("config/delegation.toml");
    let mapped = with_issuer(&without_issuer).replacen(
        "\n# Per-user rate limit",
        "\n[clients.aws.mappings]\nmail = \"email\"\n# Per-user rate limit",
        1,
    );
    std::fs::write(&config, mapped).unwrap();
    let report = try_rule_report(
        tree.path(),
        &config,
        r#"{"sub": "auth0|7", "email": "ann@example.com"}"#,
    );
    assert_eq!(report["aws"]["backend"], "web_identity");
    assert_eq!(
        report["aws"]["principal"],
        "arn:aws:iam::123456789012:oidc-provider/delegation.example.com"
    );
    assert_eq!(report["web_identity"]["sub"], "auth0|7");
    assert_eq!(
        report["web_identity"]["claims"],
        serde_json::json!({"mail": "ann@example.com"})
    );
    assert!(report.get("saml").is_none(), "{report}");
}

#[test]
fn web_identity_and_app_clients_need_the_issuer_and_no_saml_settings() {
    let (tree, original, without_issuer) = web_identity_tree();
    let config = tree.path().join("config/delegation.toml");
    let web = with_issuer(&without_issuer);
    std::fs::write(&config, &web).unwrap();
    let out = run(&["check-config"], &config, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let mapping = "[clients.aws.mappings]\nsub = \"email\"\n";
    for (broken, key) in [
        (without_issuer.clone(), "clients[0].aws.backend"),
        (
            original.replacen(
                "# [clients.app]\n# enabled = false",
                "[clients.app]\nenabled = true",
                1,
            ),
            "clients[0].app.enabled",
        ),
        (
            web.replacen(
                "# [clients.app]\n# enabled = false",
                "[clients.app]\nenabled = true",
                1,
            )
            .replacen(
                "# lifetime_in_seconds = 36000",
                "lifetime_in_seconds = 10",
                1,
            ),
            "clients[0].app.lifetime_in_seconds",
        ),
        (
            web.replacen(
                "# [clients.app]\n# enabled = false",
                "[clients.app]\nenabled = true",
                1,
            )
            .replacen(
                "# audience = \"urn:amazon:webservices\"",
                "audience = \"YOUR_CLIENT_ID\"",
                1,
            ),
            "clients[0].client_id",
        ),
        (
            web.replacen(
                "url = \"https://delegation.example.com\"",
                "url = \"https://delegation.example.com:8443\"",
                1,
            ),
            "oidc_provider.url",
        ),
        (
            web.replacen(
                "role = \"arn:aws:iam::123456789012:role/auth0-role\"\n",
                &format!("role = \"arn:aws:iam::123456789012:role/auth0-role\"\n{PRINCIPAL_LINE}"),
                1,
            ),
            "clients[0].aws.principal",
        ),
        (
            web.replacen("# saml_issuer = ", "saml_issuer = ", 1),
            "clients[0].aws.saml_issuer",
        ),
        (
            web.replacen(
                "\n# Per-user rate limit",
                &format!("\n{mapping}# Per-user rate limit"),
                1,
            ),
            "clients[0].aws.mappings.sub",
        ),
        (
            web.replacen("backend = \"web_identity\"", "backend = \"oidc\"", 1),
            "clients[0].aws.backend",
        ),
    ] {
        assert_ne!(broken, web);
        std::fs::write(&config, &broken).unwrap();
        let out = run(&["check-config"], &config, &[]);
        assert!(
            !out.status.success(),
            "accepted a broken web identity config for {key}"
        );
        assert!(text(&out).contains(key), "{key}: {}", text(&out));
    }
}

#[test]
fn the_cache_in_redis_needs_an_encryption_key() {
    let tree = example_tree();
    let config = tree.path().join("config/delegation.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    let with_redis = original
        .replacen("[cache]\nenabled = false", "[cache]\nenabled = true", 1)
        .replacen(
            "# redis_url = \"redis://redis:6379/0\"",
            "redis_url = \"redis://:hunter2@redis:6379/0\"",
            1,
        );
    // Without the cache too: Redis key names are derived from users with the key.
    for text_ in [
        with_redis.clone(),
        with_redis.replacen("[cache]\nenabled = true", "[cache]\nenabled = false", 1),
    ] {
        std::fs::write(&config, &text_).unwrap();
        let out = run(&["check-config"], &config, &[]);
        assert!(!out.status.success());
        assert!(
            text(&out).contains("state.encryption_key_file"),
            "{}",
            text(&out)
        );
    }
    let keyed = with_redis.replacen(
        "# encryption_key_file = \"state.key\"",
        "encryption_key_file = \"state.key\"",
        1,
    );
    std::fs::write(&config, keyed).unwrap();
    std::fs::write(config.with_file_name("state.key"), "ab".repeat(32)).unwrap();
    let out = run(&["check-config"], &config, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("hunter2"), "a password was shown");
}

#[test]
fn a_missing_configuration_file_is_named() {
    let out = run(
        &["check-config"],
        Path::new("/nonexistent/delegation.toml"),
        &[],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("/nonexistent/delegation.toml"));
}

#[test]
fn keygen_writes_a_private_key_only_the_owner_can_read_and_keeps_existing_keys() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("k");
    let keygen = || {
        Command::new(BIN)
            .args(["keygen", "--out", out_dir.to_str().unwrap()])
            .output()
            .unwrap()
    };
    assert!(keygen().status.success());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out_dir.join("saml.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "key readable by others: {mode:o}");
    }
    let second = keygen();
    assert!(!second.status.success());
    assert!(text(&second).contains("--force"));
}

#[test]
fn metadata_prints_the_idp_metadata() {
    let tree = example_tree();
    let out = run(
        &["metadata"],
        &tree.path().join("config/delegation.toml"),
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(
        xml.contains("entityID=\"urn:delegation.example.com\""),
        "{xml}"
    );
    assert!(xml.contains("X509Certificate"));
}

/// The example tree with the shipped example rules enabled and one more rule file.
fn tree_with_rules(extra_rule: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tree = example_tree();
    let rules = tree.path().join("config/rules");
    std::fs::create_dir(&rules).unwrap();
    for name in ["01-aws-role-by-client.js", "02-edu-person-affiliation.js"] {
        let from = format!("{}/config/rules/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(from, rules.join(name)).unwrap();
    }
    std::fs::write(rules.join("extra.js"), extra_rule).unwrap();
    let config = tree.path().join("config/delegation.toml");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "  # \"rules/01-aws-role-by-client.js\",\n  # \"rules/02-edu-person-affiliation.js\",",
        "  \"rules/01-aws-role-by-client.js\",\n  \"rules/02-edu-person-affiliation.js\",\n  \"rules/extra.js\",",
    );
    std::fs::write(&config, text).unwrap();
    (tree, config)
}

#[test]
fn try_rule_prints_the_aws_settings_and_attributes_the_rules_produce() {
    let rule = "function (user, context, callback) {\n  context.addonConfiguration.aws.region = 'eu-west-1';\n  callback(null, user, context);\n}\n";
    let (tree, config) = tree_with_rules(rule);
    let claims =
        r#"{"sub": "auth0|42", "name": "Ann Lee", "nickname": "ann", "awsGroup": "staff"}"#;
    let report = try_rule_report(tree.path(), &config, claims);
    assert_eq!(
        report["aws"]["role"],
        "arn:aws:iam::123456789012:role/auth0-role"
    );
    assert_eq!(report["aws"]["region"], "eu-west-1");
    assert_eq!(report["saml"]["name_id"], "auth0|42");
    let attributes = &report["saml"]["attributes"];
    assert_eq!(
        attributes["urn:oid:1.3.6.1.4.1.5923.1.1.1.1"],
        serde_json::json!(["staff"])
    );
    assert_eq!(
        attributes["https://aws.amazon.com/SAML/Attributes/RoleSessionName"],
        serde_json::json!(["ann"])
    );
}

#[test]
fn try_rule_shows_a_refusal() {
    let rule = "function (user, context, callback) {\n  callback(new UnauthorizedError('no AWS for ' + user.name));\n}\n";
    let (tree, config) = tree_with_rules(rule);
    let user = tree.path().join("user.json");
    std::fs::write(&user, r#"{"sub": "auth0|1", "name": "Bob"}"#).unwrap();
    let out = run(
        &["try-rule", "--user", user.to_str().unwrap()],
        &config,
        &[],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("no AWS for Bob"), "{}", text(&out));
}

#[test]
fn check_config_reports_a_rule_syntax_error_with_file_and_line() {
    let rule =
        "function (user, context, callback) {\n  var x = ;\n  callback(null, user, context);\n}\n";
    let (_tree, config) = tree_with_rules(rule);
    let out = run(&["check-config"], &config, &[]);
    assert!(!out.status.success());
    let message = text(&out);
    assert!(message.contains("extra.js:2"), "{message}");
}

#[test]
fn check_config_lists_the_rules_it_compiled() {
    let (_tree, config) = tree_with_rules("function (u, c, cb) { cb(null, u, c); }");
    let out = run(&["check-config"], &config, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("rules: 3 compiled"), "{}", text(&out));
}

/// A configuration with two token issuers; `extra` is appended.
fn two_issuer_tree(extra: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tree = example_tree();
    let config = tree.path().join("config/delegation.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    let second = r#"
[[issuers]]
issuer = "https://partner.example.com/"
jwks_uri = "https://partner.example.com/.well-known/jwks.json"
"#;
    // The example's client must now name its issuer; the second issuer goes before it.
    let text = original
        .replacen(
            "[[clients]]\nclient_id = \"YOUR_CLIENT_ID\"",
            &format!(
                "{second}\n[[clients]]\nclient_id = \"YOUR_CLIENT_ID\"\nissuer = \"https://example.auth0.com/\""
            ),
            1,
        )
        + extra;
    std::fs::write(&config, text).unwrap();
    (tree, config)
}

const PARTNER_CLIENT: &str = r#"
[[clients]]
client_id = "partner"
issuer = "https://partner.example.com/"
allowed_callers = []
[clients.partner_aws]
"#;

fn partner_client(allowed_callers: &str, saml_issuer: Option<&str>) -> String {
    let saml_issuer = saml_issuer.map_or(String::new(), |s| format!("saml_issuer = \"{s}\"\n"));
    PARTNER_CLIENT
        .replace("allowed_callers = []", &format!("allowed_callers = {allowed_callers}"))
        .replace(
            "[clients.partner_aws]\n",
            &format!(
                "[clients.aws]\nrole = \"arn:aws:iam::123456789012:role/partner\"\nprincipal = \"arn:aws:iam::123456789012:saml-provider/partner\"\n{saml_issuer}"
            ),
        )
}

#[test]
fn two_token_issuers_behind_one_saml_issuer_are_refused_with_the_risk_explained() {
    let (_tree, config) = two_issuer_tree(&partner_client("[]", None));
    let out = run(&["check-config"], &config, &[]);
    assert!(!out.status.success(), "accepted a shared SAML issuer");
    let text = text(&out);
    assert!(text.contains("clients[1].aws"), "{text}");
    assert!(text.contains("urn:delegation.example.com"), "{text}");
    assert!(text.contains("unique only within one issuer"), "{text}");
    assert!(text.contains("aws.saml_issuer"), "{text}");
}

#[test]
fn a_target_refuses_callers_whose_tokens_come_from_another_issuer() {
    let extra = partner_client("[\"YOUR_CLIENT_ID\"]", Some("urn:partner.example.com"));
    let (_tree, config) = two_issuer_tree(&extra);
    let out = run(&["check-config"], &config, &[]);
    assert!(!out.status.success(), "accepted a cross-issuer caller");
    let text = text(&out);
    assert!(text.contains("clients[1].allowed_callers"), "{text}");
    assert!(text.contains("YOUR_CLIENT_ID"), "{text}");
}

#[test]
fn two_issuers_with_their_own_saml_issuers_pass_and_a_shared_role_is_warned_about() {
    let extra = partner_client("[]", Some("urn:partner.example.com"))
        .replace("role/partner\"", "role/auth0-role\"");
    let (_tree, config) = two_issuer_tree(&extra);
    let out = run(&["check-config"], &config, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let text = text(&out);
    assert!(
        text.contains("warning: role `arn:aws:iam::123456789012:role/auth0-role`"),
        "{text}"
    );
    assert!(text.contains("saml:namequalifier"), "{text}");
}

#[test]
fn check_config_warns_when_a_client_secret_client_may_call_a_target() {
    let tree = example_tree();
    let config = tree.path().join("config/delegation.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    let text = original.replacen(
        "algorithms = [\"RS256\"]",
        "algorithms = [\"RS256\", \"HS256\"]",
        1,
    ) + r#"
[[clients]]
client_id = "legacy"
client_secret = "0123456789abcdef0123456789abcdef"

[[clients]]
client_id = "reports"
allowed_callers = ["legacy"]
[clients.aws]
role = "arn:aws:iam::123456789012:role/reports"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"
"#;
    std::fs::write(&config, text).unwrap();
    let out = run(&["check-config"], &config, &[]);
    assert!(out.status.success(), "{}", self::text(&out));
    let shown = self::text(&out);
    assert!(shown.contains("warning: client `legacy`"), "{shown}");
    assert!(shown.contains("target `reports`"), "{shown}");
    assert!(
        !shown.contains("0123456789abcdef"),
        "the secret is not shown"
    );
}

#[test]
fn regions_of_unsupported_partitions_are_refused_with_a_reason() {
    let tree = example_tree();
    let config = tree.path().join("config/delegation.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    for region in ["us-iso-east-1", "us-isob-east-1", "eusc-de-east-1"] {
        let text = original.replacen(
            "region = \"us-east-1\"",
            &format!("region = \"{region}\""),
            1,
        );
        std::fs::write(&config, text).unwrap();
        let out = run(&["check-config"], &config, &[]);
        assert!(!out.status.success(), "accepted {region}");
        let shown = self::text(&out);
        assert!(shown.contains("clients[0].aws.region"), "{shown}");
        assert!(shown.contains("not supported"), "{shown}");
    }
}

#[test]
fn without_a_system_certificate_store_the_bundled_roots_are_used() {
    let tree = example_tree();
    let config = tree.path().join("config/delegation.toml");
    let empty = tempfile::tempdir().unwrap();
    let no_store = [
        ("SSL_CERT_FILE", "/nonexistent/ca-certificates.crt"),
        ("SSL_CERT_DIR", empty.path().to_str().unwrap()),
    ];
    let out = run(&["check-config"], &config, &no_store);
    assert!(out.status.success(), "{}", text(&out));

    // Asked to use only the system store, it says what is missing and how to fix it.
    let original = std::fs::read_to_string(&config).unwrap();
    let system_only =
        original.replacen("ca_roots = \"system+bundled\"", "ca_roots = \"system\"", 1);
    std::fs::write(&config, system_only).unwrap();
    let out = run(&["check-config"], &config, &no_store);
    assert!(!out.status.success(), "started without any CA certificate");
    let shown = text(&out);
    assert!(shown.contains("no CA certificates were found"), "{shown}");
    assert!(shown.contains("ca-certificates"), "{shown}");
    assert!(shown.contains("system+bundled"), "{shown}");
}

#[test]
fn an_unknown_ca_roots_choice_and_a_bad_ca_file_are_named() {
    let tree = example_tree();
    let config = tree.path().join("config/delegation.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    let roots = "ca_roots = \"system+bundled\"";
    std::fs::write(&config, original.replacen(roots, "ca_roots = \"none\"", 1)).unwrap();
    let out = run(&["check-config"], &config, &[]);
    assert!(!out.status.success());
    assert!(text(&out).contains("outbound.ca_roots"), "{}", text(&out));

    std::fs::write(tree.path().join("config/extra.pem"), "not a certificate").unwrap();
    let extra = format!("{roots}\nca_file = \"extra.pem\"");
    std::fs::write(&config, original.replacen(roots, &extra, 1)).unwrap();
    let out = run(&["check-config"], &config, &[]);
    assert!(!out.status.success());
    assert!(text(&out).contains("outbound.ca_file"), "{}", text(&out));
}

/// A loopback port that was free a moment ago.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// `GET path` on loopback `port`: (status, body), or `None` if nothing answers.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    let status = text.split(' ').nth(1)?.parse().ok()?;
    Some((status, text))
}

/// Polls until `check` holds (or panics after 30 s).
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !check() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// A server process, killed when the test ends, even by a failed assertion.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn sighup_and_the_reload_command_reload_the_running_server() {
    let tree = example_tree();
    let config = tree.path().join("config/delegation.toml");
    let (port, management) = (free_port(), free_port());
    let original = std::fs::read_to_string(&config)
        .unwrap()
        .replacen(
            "listen = \"0.0.0.0:8080\"",
            &format!("listen = \"127.0.0.1:{port}\"\npid_file = \"server.pid\""),
            1,
        )
        .replacen(
            "management_listen = \"127.0.0.1:9090\"",
            &format!("management_listen = \"127.0.0.1:{management}\""),
            1,
        );
    std::fs::write(&config, &original).unwrap();
    let mut server = Running(
        Command::new(BIN)
            .arg("serve")
            .env("DELEGATION_CONFIG", &config)
            .env("DELEGATION_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    eventually("the server answers", || {
        get(port, "/healthz").is_some_and(|(s, _)| s == 200)
    });
    let pid_file = tree.path().join("config/server.pid");
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert_eq!(pid.trim(), server.0.id().to_string());
    assert_eq!(get(port, "/samlp/metadata/second").unwrap().0, 404);

    let second = "\n[[clients]]\nclient_id = \"second\"\n[clients.aws]\nrole = \"arn:aws:iam::123456789012:role/second\"\nprincipal = \"arn:aws:iam::123456789012:saml-provider/auth0-provider\"\nsaml_issuer = \"urn:second.example.com\"\n";
    std::fs::write(&config, original.clone() + second).unwrap();
    let out = run(&["reload"], &config, &[]);
    assert!(out.status.success(), "{}", text(&out));
    eventually("the reload took effect", || {
        get(port, "/samlp/metadata/second")
            .is_some_and(|(s, body)| s == 200 && body.contains("urn:second.example.com"))
    });

    // A plain SIGHUP does the same; a broken file is counted and changes nothing.
    std::fs::write(&config, original.clone() + second + "\nnot toml at all [[").unwrap();
    let pid = rustix::process::Pid::from_raw(server.0.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::HUP).unwrap();
    eventually("the failed reload was counted", || {
        get(management, "/metrics")
            .is_some_and(|(_, body)| body.contains("config_reloads_total{result=\"error\"} 1"))
    });
    let (_, metrics) = get(management, "/metrics").unwrap();
    assert!(
        metrics.contains("config_reloads_total{result=\"ok\"} 1"),
        "{metrics}"
    );
    assert_eq!(get(port, "/samlp/metadata/second").unwrap().0, 200);

    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let status = server.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(!pid_file.exists(), "the pid file is removed at exit");
}

#[test]
fn declarative_settings_are_checked_at_load_and_errors_name_the_key() {
    let tree = example_tree();
    let config = tree.path().join("config/delegation.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    let client = |aws: &str| {
        format!(
            "\n[[clients]]\nclient_id = \"decl\"\n[clients.aws]\nrole = \"arn:aws:iam::123456789012:role/r\"\nprincipal = \"arn:aws:iam::123456789012:saml-provider/p\"\n{aws}\n"
        )
    };
    let cases = [
        (
            "[[clients.aws.role_rules]]\nclaim = \"g\"\nequals = \"a\"\ncontains = \"b\"\nrole = \"arn:aws:iam::123456789012:role/x\"",
            "clients[1].aws.role_rules[0]",
        ),
        (
            "[[clients.aws.role_rules]]\nclaim = \"g\"\nmatches = \"(\"\nrole = \"arn:aws:iam::123456789012:role/x\"",
            "clients[1].aws.role_rules[0].matches",
        ),
        (
            "[[clients.aws.role_rules]]\nclaim = \"g\"\nequals = \"a\"\nrole = \"not an arn\"",
            "clients[1].aws.role_rules[0].role",
        ),
        ("no_match = \"maybe\"", "clients[1].aws.no_match"),
        (
            "transitive_tag_keys = [\"team\"]",
            "clients[1].aws.transitive_tag_keys[0]",
        ),
        (
            "[clients.aws.session_tags]\n\"bad key!\" = \"c\"",
            "clients[1].aws.session_tags.bad key!",
        ),
        (
            "[clients.aws.session_tags]\nteam = \"t\"\nTEAM = \"u\"",
            "clients[1].aws.session_tags",
        ),
        (
            "session_policy = 'not json'",
            "clients[1].aws.session_policy",
        ),
        (
            "session_policy = '{\"a\":\"${claims.sub\"}'",
            "clients[1].aws.session_policy",
        ),
        (
            "policy_arns = [\"arn:aws:iam::123456789012:role/r\"]",
            "clients[1].aws.policy_arns[0]",
        ),
    ];
    for (aws, key) in cases {
        std::fs::write(&config, original.clone() + &client(aws)).unwrap();
        let out = run(&["check-config"], &config, &[]);
        assert!(!out.status.success(), "accepted: {aws}");
        assert!(
            text(&out).contains(key),
            "{aws}: error does not name {key}: {}",
            text(&out)
        );
    }
    let good = "session_policy = '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/${claims.sub}/*\"}]}'";
    std::fs::write(&config, original + &client(good)).unwrap();
    let out = run(&["check-config"], &config, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("session_policy=") && text(&out).contains("with sample values"),
        "{}",
        text(&out)
    );
}

#[test]
fn the_explain_command_prints_each_step_from_the_local_configuration() {
    use jsonwebtoken::{Algorithm, EncodingKey, Header, jwk};
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let out = Command::new(BIN)
        .args(["keygen", "--out", keys.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let (issuer_key, _) = delegation_server::saml::generate_key_and_certificate("issuer").unwrap();
    let key = EncodingKey::from_rsa_pem(issuer_key.as_bytes()).unwrap();
    let mut public = jwk::Jwk::from_encoding_key(&key, Algorithm::RS256).unwrap();
    public.common.key_id = Some("k1".into());
    std::fs::write(
        dir.path().join("jwks.json"),
        serde_json::json!({ "keys": [public] }).to_string(),
    )
    .unwrap();
    let config = dir.path().join("delegation.toml");
    std::fs::write(
        &config,
        r#"
[saml]
issuer = "urn:explain.test"
signing_key = "keys/saml.key"
signing_cert = "keys/saml.crt"
[[issuers]]
issuer = "https://issuer.test/"
keys_file = "jwks.json"
[[clients]]
client_id = "app"
[clients.aws]
role = "arn:aws:iam::123456789012:role/default"
principal = "arn:aws:iam::123456789012:saml-provider/p"
[[clients.aws.role_rules]]
claim = "groups"
contains = "admins"
role = "arn:aws:iam::123456789012:role/admin"
"#,
    )
    .unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = serde_json::json!({"iss": "https://issuer.test/", "aud": "app", "sub": "auth0|cli", "iat": now, "exp": now + 300, "groups": ["admins"]});
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("k1".into());
    let token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    let token_file = dir.path().join("token.txt");
    std::fs::write(&token_file, &token).unwrap();

    let out = run(
        &["explain", "--token", token_file.to_str().unwrap()],
        &config,
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["outcome"], "ok");
    assert_eq!(report["starting_role"]["chosen_by"], "role_rules[0]");
    assert_eq!(
        report["result"]["role"],
        "arn:aws:iam::123456789012:role/admin"
    );
    assert!(!text(&out).contains(&token), "the token is echoed");
}

#[test]
fn environment_overrides_reach_entries_of_arrays_of_tables() {
    let tree = example_tree();
    let config = tree.path().join("config/delegation.toml");
    let out = run(
        &["check-config"],
        &config,
        &[
            (
                "DELEGATION_ISSUERS__0__ISSUER",
                "https://tenant.example.com/",
            ),
            (
                "DELEGATION_ISSUERS__0__JWKS_URI",
                "http://127.0.0.1:9/jwks.json",
            ),
            ("DELEGATION_SERVER__LISTEN", "127.0.0.1:9000"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("issuer: https://tenant.example.com/"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("listen: 127.0.0.1:9000"),
        "{}",
        text(&out)
    );
    // An entry the file does not have is named, not silently made.
    let out = run(
        &["check-config"],
        &config,
        &[(
            "DELEGATION_ISSUERS__3__JWKS_URI",
            "http://127.0.0.1:9/jwks.json",
        )],
    );
    assert!(!out.status.success());
    assert!(
        text(&out).contains("DELEGATION_ISSUERS__3__JWKS_URI") && text(&out).contains("1 entries"),
        "{}",
        text(&out)
    );
}

#[test]
fn the_old_name_of_oidc_provider_is_read_with_a_warning() {
    let tree = example_tree();
    let keygen = run(
        &[
            "keygen",
            "--kind",
            "oidc",
            "--out",
            tree.path().join("keys").to_str().unwrap(),
        ],
        &tree.path().join("config/delegation.toml"),
        &[],
    );
    assert!(keygen.status.success(), "{}", text(&keygen));
    let config = tree.path().join("config/delegation.toml");
    let enabled = with_issuer(&std::fs::read_to_string(&config).unwrap());
    let old = enabled.replacen("[oidc_provider]\n", "[issuer]\n", 1);
    std::fs::write(&config, &old).unwrap();
    let out = run(&["check-config"], &config, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("`[issuer]` is an old name") && text(&out).contains("[oidc_provider]"),
        "{}",
        text(&out)
    );
    // Both names at once is ambiguous: refused.
    let both = format!(
        "{enabled}\n[issuer]\nurl = \"https://other.example.com\"\nsigning_key = \"../keys/oidc.key\"\n"
    );
    std::fs::write(&config, both).unwrap();
    let out = run(&["check-config"], &config, &[]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("old name of [oidc_provider]"),
        "{}",
        text(&out)
    );
}

#[test]
fn the_management_listener_old_name_cannot_be_written_beside_the_new_one() {
    let tree = example_tree();
    let config = tree.path().join("config/delegation.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    let with = |extra: &str| original.replacen("[server]\n", &format!("[server]\n{extra}\n"), 1);
    std::fs::write(&config, with("metrics_listen = \"\"")).unwrap();
    let out = run(&["check-config"], &config, &[]);
    assert!(
        out.status.success(),
        "an empty old key reads as unset: {}",
        text(&out)
    );
    std::fs::write(&config, with("metrics_listen = \"127.0.0.1:9191\"")).unwrap();
    let out = run(&["check-config"], &config, &[]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("server.metrics_listen"),
        "{}",
        text(&out)
    );
}

#[test]
fn try_rule_refuses_a_user_file_that_names_a_member_twice() {
    let tree = example_tree();
    let config = tree.path().join("config/delegation.toml");
    let user = tree.path().join("user.json");
    std::fs::write(&user, r#"{"sub":"auth0|1","org":{"id":"a","id":"b"}}"#).unwrap();
    let out = run(
        &["try-rule", "--user", user.to_str().unwrap()],
        &config,
        &[],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("named once"), "{}", text(&out));
}
