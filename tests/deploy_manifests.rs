//! The deployment files are part of the product: the Kubernetes manifests, both compose
//! files and the Dockerfile are parsed and checked here, and every configuration they carry
//! is passed through `check-config` with the key files it names generated.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use yaml_rust2::{Yaml, YamlLoader};

const BIN: &str = env!("CARGO_BIN_EXE_delegation-server");

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn yaml(path: &str) -> Yaml {
    let mut docs = YamlLoader::load_from_str(&read(path)).unwrap();
    assert_eq!(docs.len(), 1, "{path} should hold one document");
    docs.remove(0)
}

fn strings(value: &Yaml) -> Vec<&str> {
    value
        .as_vec()
        .map(|v| v.iter().filter_map(Yaml::as_str).collect())
        .unwrap_or_default()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `check-config` on `toml` after moving every container path in `mounts` into a
/// temporary directory, with SAML keys from `keygen` and a JWKS where the config wants them.
fn check_config(toml: &str, mounts: &[&str], env: &[(String, String)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut local = toml.to_owned();
    for (i, mount) in mounts.iter().enumerate() {
        let there = dir.path().join(format!("mount{i}"));
        std::fs::create_dir(&there).unwrap();
        local = local.replace(&format!("{mount}/"), &format!("{}/", there.display()));
    }
    for line in local.lines() {
        let Some((key, value)) = line.split_once(" = ") else {
            continue;
        };
        let file = PathBuf::from(value.trim_matches('"'));
        match key.trim() {
            "signing_key" => keygen(file.parent().unwrap()),
            "keys_file" => std::fs::write(&file, jwks(dir.path())).unwrap(),
            _ => {}
        }
    }
    let config = dir.path().join("delegation.toml");
    std::fs::write(&config, local).unwrap();
    let out = Command::new(BIN)
        .arg("check-config")
        .env("DELEGATION_CONFIG", &config)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "check-config refused:\n{}",
        text(&out)
    );
    text(&out)
}

fn keygen(dir: &Path) {
    let out = Command::new(BIN)
        .args(["keygen", "--if-missing", "--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

/// A JWKS holding one RSA key (only its shape matters to check-config).
fn jwks(scratch: &Path) -> String {
    let dir = scratch.join("issuer-key");
    keygen(&dir);
    let pem = std::fs::read(dir.join("saml.key")).unwrap();
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(&pem).unwrap();
    let mut jwk =
        jsonwebtoken::jwk::Jwk::from_encoding_key(&key, jsonwebtoken::Algorithm::RS256).unwrap();
    jwk.common.key_id = Some("k1".into());
    serde_json::json!({ "keys": [jwk] }).to_string()
}

/// `value` of `key = "value"` in a TOML text.
fn toml_value<'a>(toml: &'a str, key: &str) -> &'a str {
    toml.lines()
        .find_map(|l| l.strip_prefix(&format!("{key} = ")))
        .map(|v| v.trim_matches('"'))
        .unwrap_or_else(|| panic!("no {key}"))
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

#[test]
fn the_deployment_runs_two_locked_down_replicas_with_probes_and_requests() {
    let d = yaml("deploy/kubernetes/deployment.yaml");
    assert_eq!(d["kind"].as_str(), Some("Deployment"));
    assert_eq!(d["spec"]["replicas"].as_i64(), Some(2));
    let pod = &d["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"].as_bool(), Some(true));
    assert!(pod["securityContext"]["runAsUser"].as_i64().unwrap() > 0);
    let c = &pod["containers"][0];
    assert_eq!(
        c["readinessProbe"]["httpGet"]["path"].as_str(),
        Some("/readyz")
    );
    assert_eq!(
        c["livenessProbe"]["httpGet"]["path"].as_str(),
        Some("/healthz")
    );
    assert_eq!(c["ports"][0]["containerPort"].as_i64(), Some(8080));
    let sc = &c["securityContext"];
    assert_eq!(sc["runAsNonRoot"].as_bool(), Some(true));
    assert_eq!(sc["readOnlyRootFilesystem"].as_bool(), Some(true));
    assert_eq!(sc["allowPrivilegeEscalation"].as_bool(), Some(false));
    assert_eq!(strings(&sc["capabilities"]["drop"]), ["ALL"]);
    let requests = &c["resources"]["requests"];
    assert!(requests["cpu"].as_str().is_some() && requests["memory"].as_str().is_some());
}

#[test]
fn the_deployment_mounts_the_configmap_and_the_secret_where_the_config_looks() {
    let d = yaml("deploy/kubernetes/deployment.yaml");
    let pod = &d["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    let cm = yaml("deploy/kubernetes/configmap.yaml");
    let secret = yaml("deploy/kubernetes/secret.yaml");
    let toml = cm["data"]["delegation.toml"].as_str().unwrap();

    let volume = |name: &str| {
        let volumes = pod["volumes"].as_vec().unwrap();
        let v = volumes.iter().find(|v| v["name"].as_str() == Some(name));
        v.unwrap_or_else(|| panic!("no volume {name}")).clone()
    };
    let mount_of = |source: &str| {
        let mounts = c["volumeMounts"].as_vec().unwrap();
        let m = mounts.iter().find(|m| m["name"].as_str() == Some(source));
        assert_eq!(m.unwrap()["readOnly"].as_bool(), Some(true));
        m.unwrap()["mountPath"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        volume("config")["configMap"]["name"].as_str(),
        cm["metadata"]["name"].as_str()
    );
    assert_eq!(
        volume("saml")["secret"]["secretName"].as_str(),
        secret["metadata"]["name"].as_str()
    );
    let env = &c["env"].as_vec().unwrap();
    let config_path = env
        .iter()
        .find(|e| e["name"].as_str() == Some("DELEGATION_CONFIG"))
        .and_then(|e| e["value"].as_str())
        .unwrap();
    assert_eq!(
        config_path,
        format!("{}/delegation.toml", mount_of("config"))
    );
    for key in ["signing_key", "signing_cert"] {
        let path = toml_value(toml, key);
        assert_eq!(parent(path), mount_of("saml"), "{key}");
        let file = path.rsplit('/').next().unwrap();
        assert!(
            !secret["stringData"][file].is_badvalue(),
            "Secret lacks {file}"
        );
    }
    let listed = strings(&yaml("deploy/kubernetes/kustomization.yaml")["resources"]).join(" ");
    for file in ["configmap.yaml", "deployment.yaml", "service.yaml"] {
        assert!(listed.contains(file), "kustomization lacks {file}");
    }
}

#[test]
fn the_configmap_carries_the_production_config_and_check_config_accepts_it() {
    let cm = yaml("deploy/kubernetes/configmap.yaml");
    let toml = cm["data"]["delegation.toml"].as_str().unwrap();
    assert_eq!(toml, read("deploy/production/delegation.toml"));

    let summary = check_config(toml, &["/run/secrets/delegation"], &[]);

    assert!(summary.contains("AWS regional endpoints"), "{summary}");
}

#[test]
fn the_service_targets_the_container_port() {
    let s = yaml("deploy/kubernetes/service.yaml");
    assert_eq!(s["spec"]["ports"][0]["targetPort"].as_str(), Some("http"));
    let d = yaml("deploy/kubernetes/deployment.yaml");
    let labels = &d["spec"]["template"]["metadata"]["labels"];
    for (k, v) in s["spec"]["selector"].as_hash().unwrap() {
        assert_eq!(&labels[k.as_str().unwrap()], v);
    }
}

#[test]
fn the_production_compose_file_has_no_emulator_and_a_locked_down_server() {
    let c = yaml("deploy/compose.production.yml");
    let services = c["services"].as_hash().unwrap();
    assert_eq!(services.len(), 1, "only the server");
    assert!(!read("deploy/compose.production.yml").contains("moto"));
    let s = &c["services"]["delegation"];
    assert_eq!(s["read_only"].as_bool(), Some(true));
    assert_eq!(strings(&s["cap_drop"]), ["ALL"]);
    assert!(matches!(
        s["restart"].as_str(),
        Some("always" | "unless-stopped")
    ));
    assert!(!s["healthcheck"]["test"].is_badvalue());
    let toml = read("deploy/production/delegation.toml");
    for (key, secret) in [("signing_key", "saml_key"), ("signing_cert", "saml_cert")] {
        let entry = s["secrets"]
            .as_vec()
            .unwrap()
            .iter()
            .find(|e| e["source"].as_str() == Some(secret))
            .unwrap_or_else(|| panic!("no secret {secret}"));
        assert_eq!(entry["target"].as_str(), Some(toml_value(&toml, key)));
        assert!(c["secrets"][secret]["file"].as_str().is_some(), "{secret}");
    }
    let volumes = strings(&s["volumes"]);
    assert!(volumes.iter().all(|v| v.ends_with(":ro")), "{volumes:?}");
}

#[test]
fn the_demo_compose_config_passes_check_config_with_the_compose_environment() {
    let c = yaml("docker-compose.yml");
    let s = &c["services"]["delegation"];
    let env: Vec<(String, String)> = s["environment"]
        .as_hash()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().into(), v.as_str().unwrap().into()))
        .filter(|(k, _)| k != "DELEGATION_CONFIG")
        .collect();
    let volumes = strings(&s["volumes"]);
    let mounts: Vec<&str> = volumes
        .iter()
        .map(|v| v.split(':').nth(1).unwrap())
        .collect();

    let summary = check_config(&read("deploy/compose/delegation.toml"), &mounts, &env);

    assert!(summary.contains("sts: http://moto:5000/"), "{summary}");
    assert!(summary.contains("client: compose-app"), "{summary}");
}

#[test]
fn the_demo_compose_file_makes_keys_once_and_waits_for_health() {
    let c = yaml("docker-compose.yml");
    let s = &c["services"];
    let keygen = strings(&s["keys"]["command"]);
    assert!(keygen.contains(&"keygen") && keygen.contains(&"--if-missing"));
    let deps = &s["delegation"]["depends_on"];
    assert_eq!(deps["moto"]["condition"].as_str(), Some("service_healthy"));
    assert_eq!(
        deps["keys"]["condition"].as_str(),
        Some("service_completed_successfully")
    );
    assert_eq!(
        s["demo"]["depends_on"]["delegation"]["condition"].as_str(),
        Some("service_healthy")
    );
    assert!(strings(&s["delegation"]["volumes"]).contains(&"keys:/var/lib/delegation:ro"));
    for name in ["delegation", "moto"] {
        let ports = strings(&s[name]["ports"]);
        assert!(
            ports.iter().all(|p| p.starts_with("127.0.0.1:")),
            "{ports:?}"
        );
    }
    assert!(read("deploy/moto/Dockerfile").contains("HEALTHCHECK"));
}

#[test]
fn the_dockerfile_pins_rust_runs_as_nonroot_and_labels_the_version() {
    let dockerfile = read("Dockerfile");
    let pinned = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("ARG RUST_VERSION="))
        .unwrap();
    let version = |v: &str| -> Vec<u32> { v.split('.').map(|p| p.parse().unwrap()).collect() };
    assert!(version(pinned) >= version(env!("CARGO_PKG_RUST_VERSION")));
    assert!(dockerfile.contains("FROM rust:${RUST_VERSION}-slim-bookworm AS build"));
    assert!(dockerfile.contains("--release --locked"));
    // The build settings in .cargo/config.toml apply to the image's build too.
    assert!(dockerfile.contains("COPY .cargo .cargo"));
    let label = format!("ARG VERSION={}", env!("CARGO_PKG_VERSION"));
    assert!(dockerfile.contains(&label), "{label}");
    let user = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .unwrap();
    let uid: u32 = user.split(':').next().unwrap().parse().unwrap();
    assert_ne!(uid, 0);
    assert!(dockerfile.contains("CMD [\"/usr/local/bin/delegation-server\", \"healthcheck\"]"));
    assert!(dockerfile.contains("ENV DELEGATION_CONFIG=/etc/delegation/delegation.toml"));
    let ignored = read(".dockerignore");
    for dir in ["target/", ".venv/", ".run/"] {
        assert!(
            ignored.lines().any(|l| l == dir),
            "{dir} not in .dockerignore"
        );
    }
}
