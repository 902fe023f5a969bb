//! A replica that stops leaves HAProxy's pool before it closes its port: its shutdown delay
//! outlasts HAProxy's checks taking it out, and compose's stop grace period outlasts the
//! delay and the drain (the three timeouts that bound the requests in flight).

use crate::compose_ha::{mounted_config, replicas};
use crate::haproxy::{Config, duration_ms, server_value};
use crate::{toml_int, yaml};

#[test]
fn a_stopping_replica_leaves_haproxys_pool_before_its_port_closes() {
    // From the first failed check to the replica's removal, plus a check already under way.
    let out_after_ms = Config::load()
        .servers()
        .iter()
        .map(|(_, _, settings)| {
            let inter = duration_ms(server_value(settings, "inter").unwrap_or("2000"));
            let fall: u64 = server_value(settings, "fall")
                .unwrap_or("3")
                .parse()
                .unwrap();
            inter * fall + inter
        })
        .max()
        .unwrap();
    for file in ["deploy/compose.ha.yml", "deploy/compose.ha.production.yml"] {
        for (name, replica) in replicas(&yaml(file)) {
            let (config, toml) = mounted_config(&replica);
            let ms = |key: &str| toml_int(&toml, &format!("server.{key}")) as u64;
            let delay_ms = ms("shutdown_delay_seconds") * 1000;
            assert!(
                delay_ms >= out_after_ms,
                "{config}: a shutdown delay of {delay_ms} ms ends before HAProxy takes the replica out ({out_after_ms} ms)"
            );
            let drain_ms = ms("header_read_timeout_ms")
                + ms("body_read_timeout_ms")
                + ms("request_timeout_ms");
            let grace = replica["stop_grace_period"]
                .as_str()
                .unwrap_or_else(|| panic!("{file}: {name} has no stop_grace_period"));
            let grace_ms = duration_ms(grace);
            assert!(
                grace_ms > delay_ms + drain_ms,
                "{file}: {name} is killed {grace_ms} ms after SIGTERM, before the delay ({delay_ms} ms) and the drain ({drain_ms} ms)"
            );
        }
    }
}
