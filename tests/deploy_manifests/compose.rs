//! The compose files: the demo (docker-compose.yml) and the production one.

use crate::{check_config, read, strings, toml_value, yaml};

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
