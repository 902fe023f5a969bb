//! Redis Sentinel for real: a primary `redis-server` with one replica, watched by three
//! sentinels (`redis-server <conf> --sentinel`, quorum 2, a primary is down after 1 s),
//! every process on a free loopback port and requiring the same password; plain, or over
//! TLS only (to clients, between the data nodes and from the sentinels).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use redis::FromRedisValue;

use super::support::{Redis, eventually, free_port};

/// The name the sentinels monitor the primary under.
pub const SERVICE: &str = "state-primary";
/// Required by the data nodes and by the sentinels alike.
pub const PASSWORD: &str = "s3ntinel-test-pass";

pub struct Sentinels {
    pub primary: Redis,
    pub replica: Redis,
    sentinels: Vec<Sentinel>,
    /// The PEM certificate (its own CA) when everything speaks TLS.
    tls: Option<String>,
}

struct Sentinel {
    port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Sentinels {
    pub async fn start() -> Self {
        Self::start_with(None).await
    }

    /// Everything over TLS only, with `cert` (its own CA) and `key`, both PEM.
    pub async fn start_tls(cert: &str, key: &str) -> Self {
        Self::start_with(Some((cert, key))).await
    }

    /// Starts everything and waits until the sentinels know the replica and each other,
    /// so that a failover can be agreed on.
    async fn start_with(tls: Option<(&str, &str)>) -> Self {
        // A replica is sent the data at once, not after the default 5 s wait for others.
        let mut args = ["--masterauth", PASSWORD, "--repl-diskless-sync-delay", "0"]
            .map(str::to_owned)
            .to_vec();
        if tls.is_some() {
            args.extend(["--tls-replication".to_owned(), "yes".to_owned()]);
        }
        let start = async |more: &[String]| match tls {
            None => {
                let auth = ["--requirepass".to_owned(), PASSWORD.to_owned()];
                Redis::start_plain(&[&auth[..], more].concat(), Some(PASSWORD)).await
            }
            Some((cert, key)) => Redis::start_tls_with(cert, key, PASSWORD, more).await,
        };
        let primary = start(&args).await;
        args.extend(["--replicaof".to_owned(), "127.0.0.1".to_owned()]);
        args.push(primary.port.to_string());
        let replica = start(&args).await;
        let tls_pem = tls.map(|(cert, _)| cert.to_owned());
        eventually(
            "the replica follows the primary",
            Duration::from_secs(10),
            async || {
                query::<String>(replica.port, tls_pem.as_deref(), &["INFO", "replication"])
                    .is_some_and(|info| info.contains("master_link_status:up"))
            },
        )
        .await;
        let sentinels = (0..3).map(|_| Sentinel::start(primary.port, tls)).collect();
        let set = Self {
            primary,
            replica,
            sentinels,
            tls: tls_pem,
        };
        eventually(
            "the sentinels know the replica and each other",
            Duration::from_secs(20),
            async || {
                set.sentinels.iter().all(|s| {
                    set.query::<String>(s, &["SENTINEL", "CKQUORUM", SERVICE])
                        .is_some_and(|r| r.starts_with("OK 3 usable"))
                        && set
                            .query::<Vec<redis::Value>>(s, &["SENTINEL", "REPLICAS", SERVICE])
                            .is_some_and(|r| r.len() == 1)
                })
            },
        )
        .await;
        set
    }

    /// `redis+sentinel://` (`rediss+` over TLS) with the password and every sentinel.
    pub fn url(&self) -> String {
        let hosts: Vec<String> = self
            .sentinels
            .iter()
            .map(|s| format!("127.0.0.1:{}", s.port))
            .collect();
        let scheme = if self.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        format!(
            "{scheme}+sentinel://:{PASSWORD}@{}/{SERVICE}/0",
            hosts.join(",")
        )
    }

    /// Asks a sentinel to hand the primary's role to the replica now (`SENTINEL
    /// FAILOVER`), while the primary is up.
    pub fn force_failover(&self) {
        let reply = self.query::<String>(&self.sentinels[0], &["SENTINEL", "FAILOVER", SERVICE]);
        assert_eq!(reply.as_deref(), Some("OK"), "SENTINEL FAILOVER");
    }

    /// After a failover to the replica: restarts the old primary as a replica of the new
    /// one and checks that it refuses writes.
    pub async fn rejoin_old_primary_as_replica(&mut self) {
        let new_primary = self.replica.port.to_string();
        self.primary
            .restart_with(&["--replicaof".into(), "127.0.0.1".into(), new_primary])
            .await;
        let write = self.primary.command(&["SET", "probe", "1"]).unwrap();
        assert!(write.starts_with("-READONLY"), "{write}");
    }

    /// Waits until every sentinel names the node on `port` as the primary.
    pub async fn until_primary_is(&self, port: u16, within: Duration) {
        eventually(
            &format!("the sentinels name the node on port {port} the primary"),
            within,
            async || {
                self.sentinels.iter().all(|s| {
                    self.query::<(String, u16)>(
                        s,
                        &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", SERVICE],
                    )
                    .is_some_and(|(_, primary)| primary == port)
                })
            },
        )
        .await;
    }

    fn query<T: FromRedisValue>(&self, sentinel: &Sentinel, args: &[&str]) -> Option<T> {
        query(sentinel.port, self.tls.as_deref(), args)
    }
}

/// One command to the node or sentinel on `port`, with the password, over TLS when `tls`
/// holds the CA certificate; `None` when it cannot be sent or fails.
fn query<T: FromRedisValue>(port: u16, tls: Option<&str>, args: &[&str]) -> Option<T> {
    let client = match tls {
        None => redis::Client::open(format!("redis://:{PASSWORD}@127.0.0.1:{port}/")),
        Some(ca) => redis::Client::build_with_tls(
            format!("rediss://:{PASSWORD}@127.0.0.1:{port}/"),
            redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(ca.as_bytes().to_vec()),
            },
        ),
    }
    .ok()?;
    let mut connection = client
        .get_connection_with_timeout(Duration::from_millis(500))
        .ok()?;
    let mut command = redis::cmd(args.first()?);
    for arg in &args[1..] {
        command.arg(*arg);
    }
    command.query(&mut connection).ok()
}

/// A port that accepts connections and never answers, as a sentinel whose host has gone
/// dark (packets dropped, nothing refused) looks. It listens until the test ends.
pub async fn silent_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    port
}

impl Sentinel {
    fn start(primary_port: u16, tls: Option<(&str, &str)>) -> Self {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name).display().to_string();
        let listen = match tls {
            None => format!("port {port}\n"),
            Some((cert, key)) => {
                std::fs::write(path("tls.crt"), cert).unwrap();
                std::fs::write(path("tls.key"), key).unwrap();
                format!(
                    "port 0\ntls-port {port}\ntls-cert-file {crt}\ntls-key-file {key}\n\
                     tls-ca-cert-file {crt}\ntls-auth-clients no\ntls-replication yes\n",
                    crt = path("tls.crt"),
                    key = path("tls.key"),
                )
            }
        };
        let conf = path("sentinel.conf");
        std::fs::write(
            &conf,
            format!(
                "{listen}bind 127.0.0.1\ndaemonize no\ndir {dir}\n\
                 requirepass {PASSWORD}\nsentinel sentinel-pass {PASSWORD}\n\
                 sentinel monitor {SERVICE} 127.0.0.1 {primary_port} 2\n\
                 sentinel auth-pass {SERVICE} {PASSWORD}\n\
                 sentinel down-after-milliseconds {SERVICE} 1000\n\
                 sentinel failover-timeout {SERVICE} 2000\n\
                 sentinel parallel-syncs {SERVICE} 1\n",
                dir = dir.path().display()
            ),
        )
        .unwrap();
        let child = Command::new("redis-server")
            .arg(&conf)
            .arg("--sentinel")
            .stdout(std::fs::File::create(path("sentinel.log")).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("redis-server --sentinel cannot start ({e}); run scripts/setup")
            });
        Self {
            port,
            child,
            _dir: dir,
        }
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
