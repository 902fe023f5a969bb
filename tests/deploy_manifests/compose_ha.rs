//! The high-availability compose files, deploy/compose.ha.yml (the demo) and
//! deploy/compose.ha.production.yml: identical replicas behind HAProxy, sharing one Redis
//! and one state key; the production one without emulator or development issuer.

use std::collections::BTreeSet;

use yaml_rust2::Yaml;

use crate::haproxy::{Config, SERVER_CONFIGS};
use crate::{check_config, parent, read, strings, toml_str, yaml};

const DEMO: &str = "deploy/compose.ha.yml";
const PRODUCTION: &str = "deploy/compose.ha.production.yml";
const HAPROXY_MOUNT: &str = "./ha/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro";

/// The server replicas: services of the server's image with its default command (`serve`).
pub(crate) fn replicas(c: &Yaml) -> Vec<(String, Yaml)> {
    let services = c["services"].as_hash().unwrap();
    let server = |s: &Yaml| {
        s["image"]
            .as_str()
            .is_some_and(|i| i.contains("delegation-server"))
            && s["command"].is_badvalue()
    };
    let found = services.iter().filter(|(_, s)| server(s));
    found
        .map(|(k, s)| (k.as_str().unwrap().to_owned(), s.clone()))
        .collect()
}

/// The services whose image starts with `image` (`redis:`, `haproxy:`).
fn services_of<'a>(c: &'a Yaml, image: &str) -> Vec<(&'a str, &'a Yaml)> {
    let services = c["services"].as_hash().unwrap().iter();
    let of = services.filter(|(_, s)| s["image"].as_str().is_some_and(|i| i.starts_with(image)));
    of.map(|(k, s)| (k.as_str().unwrap(), s)).collect()
}

/// The configuration file a replica mounts (its path in the repository) and its text.
pub(crate) fn mounted_config(service: &Yaml) -> (String, String) {
    let volumes = strings(&service["volumes"]);
    let target = ":/etc/delegation/delegation.toml:ro";
    let source = volumes.iter().find_map(|v| v.strip_suffix(target));
    let path = format!(
        "deploy/{}",
        source.expect("no configuration").trim_start_matches("./")
    );
    let text = read(&path);
    (path, text)
}

/// The host of a `redis://[user:password@]host[:port][/db]` URL.
fn redis_host(url: &str) -> &str {
    let rest = url.split_once("://").unwrap().1;
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split([':', '/']).next().unwrap()
}

/// What both files must hold; returns the parsed file, its replicas and their configuration.
fn check_replicas_behind_haproxy(file: &str) -> (Yaml, Vec<(String, Yaml)>, String) {
    let c = yaml(file);
    let replicas = replicas(&c);
    assert!(replicas.len() >= 2, "{file}: {} replicas", replicas.len());
    let first = &replicas[0].1;
    for (name, r) in &replicas {
        for key in [
            "volumes",
            "environment",
            "secrets",
            "env_file",
            "depends_on",
        ] {
            assert_eq!(r[key], first[key], "{file}: {name}'s {key} differ");
        }
        assert!(
            r["ports"].is_badvalue(),
            "{file}: {name} is reachable around HAProxy"
        );
    }
    let (config, toml) = mounted_config(first);
    assert!(
        SERVER_CONFIGS.contains(&config.as_str()),
        "{config} is not checked against HAProxy"
    );

    // One Redis for all of them, and one state key: the same file on every replica.
    let url = toml_str(&toml, "state.redis_url");
    let redis = services_of(&c, "redis:");
    assert_eq!(redis.len(), 1, "{file}: one Redis");
    assert_eq!(redis_host(&url), redis[0].0, "{file}: {url}");
    let key = toml_str(&toml, "state.encryption_key_file");
    let mut secrets = first["secrets"].as_vec().into_iter().flatten();
    let as_secret = secrets.any(|s| s["target"].as_str() == Some(&key));
    let as_volume = strings(&first["volumes"]).iter().any(|v| {
        let parts: Vec<&str> = v.split(':').collect();
        parts[1] == parent(&key) && parts.get(2) == Some(&"ro") && !parts[0].starts_with('.')
    });
    assert!(
        as_secret || as_volume,
        "{file}: {key} is neither a secret nor a shared volume"
    );

    // HAProxy in front: the only published port, its backends exactly these replicas.
    let haproxy = services_of(&c, "haproxy:2.6");
    assert_eq!(haproxy.len(), 1, "{file}: one HAProxy");
    let h = haproxy[0].1;
    assert!(strings(&h["volumes"]).contains(&HAPROXY_MOUNT), "{file}");
    assert!(
        !strings(&h["ports"]).is_empty(),
        "{file}: HAProxy publishes nothing"
    );
    let names: BTreeSet<&str> = replicas.iter().map(|(n, _)| n.as_str()).collect();
    for name in &names {
        let condition = h["depends_on"][*name]["condition"].as_str();
        assert_eq!(condition, Some("service_healthy"), "{file}: {name}");
    }
    let servers = Config::load().servers();
    let backends: BTreeSet<&str> = servers
        .iter()
        .map(|(_, a, _)| a.split(':').next().unwrap())
        .collect();
    assert_eq!(backends, names, "{file}: HAProxy's servers");
    (c, replicas, toml)
}

fn environment(service: &Yaml) -> Vec<(String, String)> {
    let env = service["environment"].as_hash().unwrap().iter();
    let env = env.map(|(k, v)| {
        (
            k.as_str().unwrap().to_owned(),
            v.as_str().unwrap().to_owned(),
        )
    });
    env.filter(|(k, _)| k.contains("__")).collect()
}

#[test]
fn the_ha_demo_runs_replicas_behind_haproxy_on_one_redis_and_check_config_accepts_them() {
    let (_, replicas, toml) = check_replicas_behind_haproxy(DEMO);
    let s = &replicas[0].1;
    let volumes = strings(&s["volumes"]);
    let mounts: Vec<&str> = volumes
        .iter()
        .map(|v| v.split(':').nth(1).unwrap())
        .collect();

    let summary = check_config(&toml, &mounts, &environment(s));

    assert!(summary.contains("sts: http://moto:5000/"), "{summary}");
    assert!(summary.contains("client: compose-app"), "{summary}");
}

#[test]
fn the_ha_production_file_has_no_emulator_nor_dev_issuer_and_locks_everything_down() {
    let (c, replicas, toml) = check_replicas_behind_haproxy(PRODUCTION);
    let text = read(PRODUCTION);
    for word in [
        "moto",
        "demo.py",
        "dev-issuer",
        "ALLOW_HTTP_ENDPOINT",
        "STS__ENDPOINT",
    ] {
        assert!(!text.contains(word), "{PRODUCTION} mentions {word}");
    }
    for word in ["keys_file", "[sts]", "dev-issuer", "http://"] {
        assert!(
            !toml.contains(word),
            "the production HA config holds {word}"
        );
    }
    for (name, s) in c["services"].as_hash().unwrap() {
        let name = name.as_str().unwrap();
        assert_eq!(s["read_only"].as_bool(), Some(true), "{name}");
        assert_eq!(strings(&s["cap_drop"]), ["ALL"], "{name}");
        assert!(
            strings(&s["security_opt"]).contains(&"no-new-privileges:true"),
            "{name}"
        );
        let restart = s["restart"].as_str();
        assert!(
            matches!(restart, Some("always" | "unless-stopped")),
            "{name}"
        );
    }
    // Redis wants a password, read from a secret file, and is reachable only inside.
    let (_, redis) = services_of(&c, "redis:")[0];
    assert!(redis["ports"].is_badvalue());
    assert!(strings(&redis["secrets"]).contains(&"redis_password"));
    let command = strings(&redis["command"]).join(" ");
    assert!(
        command.contains("requirepass $$(cat /run/secrets/redis_password)"),
        "{command}"
    );
    // Every key the configuration names is a secret file.
    let s = &replicas[0].1;
    for key in [
        "saml.signing_key",
        "saml.signing_cert",
        "state.encryption_key_file",
    ] {
        let path = toml_str(&toml, key);
        let secrets = s["secrets"].as_vec().unwrap();
        let entry = secrets.iter().find(|e| e["target"].as_str() == Some(&path));
        let source = entry.unwrap_or_else(|| panic!("{path} is not a secret"))["source"].as_str();
        assert!(
            c["secrets"][source.unwrap()]["file"].as_str().is_some(),
            "{key}"
        );
    }
    assert!(
        s["env_file"].as_str().is_some(),
        "the Redis URL with its password"
    );

    let mut env = environment(s);
    env.push((
        "DELEGATION_STATE__REDIS_URL".into(),
        "redis://:pw@redis:6379/0".into(),
    ));
    let summary = check_config(&toml, &["/run/secrets/delegation"], &env);

    assert!(summary.contains("AWS regional endpoints"), "{summary}");
}

#[test]
fn redis_hosts_are_read_from_urls_with_and_without_a_password() {
    assert_eq!(redis_host("redis://redis:6379/0"), "redis");
    assert_eq!(redis_host("redis://:p@ss@cache/1"), "cache");
    assert_eq!(
        redis_host("rediss://user:pw@r.example.com:6380"),
        "r.example.com"
    );
}
