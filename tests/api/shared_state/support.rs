//! A real `redis-server` on a free loopback port, and a second server process (the release
//! binary under test) that shares one test's configuration directory and Redis.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::test_app::TestApp;

const BIN: &str = env!("CARGO_BIN_EXE_delegation-server");

pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Polls `check` until it holds, for at most `within`.
pub async fn eventually(what: &str, within: Duration, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < within, "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub struct Redis {
    pub port: u16,
    child: Option<Child>,
    pub dir: tempfile::TempDir,
    /// Arguments beyond the port and persistence (TLS, a password).
    extra: Vec<String>,
    tls: bool,
    /// Sent with `AUTH` before each of [`Redis::command`]'s commands.
    password: Option<String>,
}

impl Redis {
    pub async fn start() -> Self {
        Self::start_plain(&[], None).await
    }

    /// Redis over TLS only, with `cert`/`key` (PEM) and `requirepass`.
    pub async fn start_tls(cert: &str, key: &str, password: &str) -> Self {
        Self::start_tls_with(cert, key, password, &[]).await
    }

    /// [`Redis::start_tls`] with `more` arguments.
    pub async fn start_tls_with(cert: &str, key: &str, password: &str, more: &[String]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tls.crt"), cert).unwrap();
        std::fs::write(dir.path().join("tls.key"), key).unwrap();
        let path = |name: &str| dir.path().join(name).display().to_string();
        let extra = [
            "--tls-cert-file".to_owned(),
            path("tls.crt"),
            "--tls-key-file".to_owned(),
            path("tls.key"),
            "--tls-ca-cert-file".to_owned(),
            path("tls.crt"),
            "--tls-auth-clients".to_owned(),
            "no".to_owned(),
            "--requirepass".to_owned(),
            password.to_owned(),
        ];
        let mut redis = Self {
            port: free_port(),
            child: None,
            dir,
            extra: [&extra[..], more].concat(),
            tls: true,
            password: None,
        };
        redis.launch().await;
        redis
    }

    /// Plain TCP with `extra` arguments; `password` is what they make Redis require.
    pub async fn start_plain(extra: &[String], password: Option<&str>) -> Self {
        let mut redis = Self {
            port: free_port(),
            child: None,
            dir: tempfile::tempdir().unwrap(),
            extra: extra.to_vec(),
            tls: false,
            password: password.map(str::to_owned),
        };
        redis.launch().await;
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    async fn launch(&mut self) {
        let port = self.port.to_string();
        let ports = if self.tls {
            ["--port", "0", "--tls-port", &port]
        } else {
            ["--port", &port, "--tls-port", "0"]
        };
        let child = Command::new("redis-server")
            .args(ports)
            .args(["--bind", "127.0.0.1"])
            .args(&self.extra)
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("redis-server cannot start ({e}); run scripts/setup"));
        self.child = Some(child);
        let tls = self.tls;
        eventually(
            "redis-server answers",
            Duration::from_secs(10),
            async || {
                if tls {
                    TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                } else {
                    self.command(&["PING"]).is_some_and(|r| r == "+PONG\r\n")
                }
            },
        )
        .await;
    }

    /// Stops Redis as a crash would (SIGKILL).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts Redis again on the same port, empty.
    pub async fn restart(&mut self) {
        self.launch().await;
    }

    /// Starts Redis again on the same port, empty, with `more` arguments from now on.
    pub async fn restart_with(&mut self, more: &[String]) {
        self.extra.extend_from_slice(more);
        self.launch().await;
    }

    /// Sends one command in RESP and returns the raw reply, or `None` if Redis is down.
    pub fn command(&self, args: &[&str]) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_millis(500)))
            .ok()?;
        if let Some(password) = &self.password {
            let reply = send(&mut stream, &["AUTH", password])?;
            if !reply.starts_with("+OK") {
                return Some(reply);
            }
        }
        send(&mut stream, args)
    }

    /// Every key Redis holds.
    pub fn keys(&self) -> Vec<String> {
        let reply = self.command(&["KEYS", "*"]).unwrap_or_default();
        reply
            .split("\r\n")
            .filter(|l| !l.is_empty() && !l.starts_with('*') && !l.starts_with('$'))
            .map(str::to_owned)
            .collect()
    }
}

/// Writes `args` as one RESP command and reads the raw reply.
pub fn send(stream: &mut TcpStream, args: &[&str]) -> Option<String> {
    let mut out = format!("*{}\r\n", args.len());
    for a in args {
        out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    stream.write_all(out.as_bytes()).ok()?;
    let mut reply = vec![0u8; 64 * 1024];
    let mut len = 0;
    // Replies here are small; read until a short pause.
    while let Ok(n) = stream.read(&mut reply[len..]) {
        if n == 0 {
            break;
        }
        len += n;
        if reply[..len].ends_with(b"\r\n") {
            break;
        }
    }
    Some(String::from_utf8_lossy(&reply[..len]).into_owned())
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The server binary run as a second replica of `app`: its configuration file with
/// another listen port, in the same directory (same keys, issuer, STS and Redis).
pub struct Replica {
    pub address: String,
    /// The replica's management listener (`/metrics`).
    pub management: String,
    child: Child,
}

impl Replica {
    pub async fn start(app: &TestApp) -> Self {
        let (port, management) = (free_port(), free_port());
        let config = std::fs::read_to_string(&app.config_path)
            .unwrap()
            .replacen(
                "\nlisten = \"127.0.0.1:0\"",
                &format!("\nlisten = \"127.0.0.1:{port}\""),
                1,
            )
            .replacen(
                "management_listen = \"127.0.0.1:0\"",
                &format!("management_listen = \"127.0.0.1:{management}\""),
                1,
            );
        let dir = app.config_path.parent().unwrap();
        let path = dir.join("replica.toml");
        std::fs::write(&path, config).unwrap();
        let child = spawn(&path, dir);
        let replica = Self {
            address: format!("http://127.0.0.1:{port}"),
            management: format!("http://127.0.0.1:{management}"),
            child,
        };
        until_healthy("the replica", &replica.address).await;
        replica
    }
}

/// Waits (at most 20 s) until the server at `address` answers `/healthz` with 200.
pub async fn until_healthy(what: &str, address: &str) {
    let http = reqwest::Client::new();
    let health = format!("{address}/healthz");
    eventually(
        &format!("{what} answers /healthz"),
        Duration::from_secs(20),
        async || {
            http.get(&health)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        },
    )
    .await;
}

fn spawn(config: &Path, dir: &Path) -> Child {
    Command::new(BIN)
        .arg("serve")
        .env("DELEGATION_CONFIG", config)
        .env("DELEGATION_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("replica.log")).unwrap())
        .spawn()
        .unwrap()
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
