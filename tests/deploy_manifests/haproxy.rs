//! HAProxy in front of the replicas (deploy/ha/haproxy.cfg, mounted by both
//! high-availability compose files): replicas leave the pool when `/readyz` fails, a request
//! is retried only when no server answered it, and the timeouts leave the servers' own room.

use crate::{read, toml_int, toml_str};

pub const CFG: &str = "deploy/ha/haproxy.cfg";
/// The configurations of the servers behind it: the demo's and production's.
pub const SERVER_CONFIGS: [&str; 2] = [
    "deploy/ha/delegation.toml",
    "deploy/production/delegation-ha.toml",
];

/// A section of the configuration: its first line (`defaults`, `backend delegation`) and
/// its directives, each as words, comments left out.
pub struct Section {
    pub header: String,
    pub lines: Vec<Vec<String>>,
}

impl Section {
    /// The words after `keyword` (one or more words) on each line that starts with it.
    pub fn all(&self, keyword: &str) -> Vec<Vec<String>> {
        let key: Vec<&str> = keyword.split(' ').collect();
        self.lines
            .iter()
            .filter(|l| l.len() >= key.len() && l.iter().zip(&key).all(|(w, k)| w == k))
            .map(|l| l[key.len()..].to_vec())
            .collect()
    }
}

pub fn sections(text: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    for raw in text.lines() {
        let code = raw.split('#').next().unwrap().trim_end();
        if code.trim().is_empty() {
            continue;
        }
        if !code.starts_with(char::is_whitespace) {
            let header = code.trim().to_owned();
            out.push(Section {
                header,
                lines: Vec::new(),
            });
        } else {
            let words = code.split_whitespace().map(str::to_owned).collect();
            out.last_mut()
                .expect("a directive outside a section")
                .lines
                .push(words);
        }
    }
    out
}

/// The parsed file, with the `defaults` section and the backend that the frontend bound to
/// port 8080 uses.
pub struct Config {
    pub sections: Vec<Section>,
}

impl Config {
    pub fn load() -> Self {
        Self {
            sections: sections(&read(CFG)),
        }
    }

    pub fn section(&self, header: &str) -> &Section {
        let found = self.sections.iter().find(|s| s.header == header);
        found.unwrap_or_else(|| panic!("no section `{header}`"))
    }

    pub fn frontend(&self) -> &Section {
        let bound = |s: &&Section| s.all("bind").iter().any(|b| b[0].ends_with(":8080"));
        let mut frontends = self
            .sections
            .iter()
            .filter(|s| s.header.starts_with("frontend "));
        frontends.find(bound).expect("no frontend bound to :8080")
    }

    pub fn backend(&self) -> &Section {
        let name = &self.frontend().all("default_backend")[0][0];
        self.section(&format!("backend {name}"))
    }

    /// What applies to `proxy` for `keyword`: its own setting, else the defaults'.
    pub fn setting(&self, proxy: &Section, keyword: &str) -> Option<Vec<String>> {
        let own = proxy.all(keyword).pop();
        own.or_else(|| self.section("defaults").all(keyword).pop())
    }

    pub fn timeout_ms(&self, proxy: &Section, name: &str) -> u64 {
        let value = self.setting(proxy, &format!("timeout {name}"));
        duration_ms(&value.unwrap_or_else(|| panic!("no timeout {name}"))[0])
    }

    /// The backend's `server` lines: name, address and settings, with `default-server`'s
    /// settings before the line's own.
    pub fn servers(&self) -> Vec<(String, String, Vec<String>)> {
        let backend = self.backend();
        let defaults = self.setting(backend, "default-server").unwrap_or_default();
        let servers = backend.all("server").into_iter();
        servers
            .map(|s| (s[0].clone(), s[1].clone(), [&defaults, &s[2..]].concat()))
            .collect()
    }
}

/// HAProxy's time format: a number with `ms`, `s`, `m` or `h`; milliseconds without one.
pub fn duration_ms(text: &str) -> u64 {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().unwrap_or_else(|_| panic!("time `{text}`"));
    number
        * match unit {
            "" | "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => panic!("time `{text}`"),
        }
}

/// The value after `key` in a server's settings (`inter 2s`), the last one winning.
pub(crate) fn server_value<'a>(settings: &'a [String], key: &str) -> Option<&'a str> {
    let at = settings.iter().rposition(|w| w == key)?;
    settings.get(at + 1).map(String::as_str)
}

#[test]
fn haproxy_takes_a_replica_out_when_readyz_fails_within_seconds() {
    let cfg = Config::load();
    let backend = cfg.backend();
    assert_eq!(
        cfg.setting(backend, "option httpchk").unwrap(),
        ["GET", "/readyz"]
    );
    assert!(read("src/http/mod.rs").contains(".route(\"/readyz\""));
    assert_eq!(
        cfg.setting(backend, "http-check expect").unwrap(),
        ["status", "200"]
    );
    let servers = cfg.servers();
    assert!(servers.len() >= 2, "{} servers", servers.len());
    for (name, _, settings) in &servers {
        assert!(
            settings.iter().any(|w| w == "check"),
            "{name} is not checked"
        );
        let inter = duration_ms(server_value(settings, "inter").unwrap_or("2000"));
        let fall: u64 = server_value(settings, "fall")
            .unwrap_or("3")
            .parse()
            .unwrap();
        let rise: u64 = server_value(settings, "rise")
            .unwrap_or("2")
            .parse()
            .unwrap();
        assert!(
            inter * fall <= 10_000,
            "{name}: out after {} ms",
            inter * fall
        );
        assert!(rise <= 3, "{name}: back after {rise} checks");
    }
}

#[test]
fn haproxy_retries_only_requests_no_server_answered() {
    let cfg = Config::load();
    let backend = cfg.backend();
    for section in &cfg.sections {
        for retry_on in section.all("retry-on") {
            let mut on = retry_on.clone();
            on.sort();
            assert_eq!(on, ["conn-failure", "empty-response"], "{}", section.header);
        }
    }
    let on = cfg.setting(backend, "retry-on").expect("no retry-on");
    assert_eq!(on.len(), 2, "{on:?}");
    let retries: u32 = cfg.setting(backend, "retries").unwrap()[0].parse().unwrap();
    assert!((1..=3).contains(&retries), "retries {retries}");
    assert!(cfg.setting(backend, "option redispatch").is_some());
    // A retried request must be whole in HAProxy's buffer.
    assert!(cfg.setting(backend, "option http-buffer-request").is_some());
}

#[test]
fn haproxy_forwards_the_client_address_and_the_servers_trust_that_one_hop() {
    let cfg = Config::load();
    assert!(cfg.setting(cfg.frontend(), "option forwardfor").is_some());
    for config in SERVER_CONFIGS {
        assert_eq!(
            toml_int(&read(config), "server.forwarded_hops"),
            1,
            "{config}"
        );
    }
}

#[test]
fn haproxy_timeouts_leave_the_servers_their_own() {
    let cfg = Config::load();
    let (frontend, backend) = (cfg.frontend(), cfg.backend());
    let server = cfg.timeout_ms(backend, "server");
    let connect = cfg.timeout_ms(backend, "connect");
    let request = cfg.timeout_ms(frontend, "http-request");
    for config in SERVER_CONFIGS {
        let toml = read(config);
        let timeout = toml_int(&toml, "server.request_timeout_ms") as u64;
        // The server answers its own timeout (503, Retry-After) before HAProxy gives up.
        assert!(server > timeout, "{config}: timeout server {server} ms");
        let header_read = toml_int(&toml, "server.header_read_timeout_ms") as u64;
        assert!(
            request <= header_read,
            "{config}: http-request {request} ms"
        );
        let port = listen_port(&toml);
        for (name, address, _) in cfg.servers() {
            assert!(address.ends_with(&format!(":{port}")), "{name} {address}");
        }
    }
    assert!(
        connect <= 5_000 && connect < server,
        "timeout connect {connect} ms"
    );
}

pub fn listen_port(toml: &str) -> u16 {
    let listen = toml_str(toml, "server.listen");
    listen.rsplit(':').next().unwrap().parse().unwrap()
}

#[test]
fn haproxy_times_read_as_haproxy_reads_them() {
    assert_eq!(duration_ms("2s"), 2_000);
    assert_eq!(duration_ms("500ms"), 500);
    assert_eq!(duration_ms("1m"), 60_000);
    assert_eq!(duration_ms("250"), 250);
}
