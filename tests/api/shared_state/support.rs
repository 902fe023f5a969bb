//! A real `redis-server` on a free loopback port, and a second server process (the release
//! binary under test) that shares one test's configuration directory and Redis.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::test_app::TestApp;

const BIN: &str = env!("CARGO_BIN_EXE_delegation-server");

fn free_port() -> u16 {
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
    dir: tempfile::TempDir,
}

impl Redis {
    pub async fn start() -> Self {
        let mut redis = Self {
            port: free_port(),
            child: None,
            dir: tempfile::tempdir().unwrap(),
        };
        redis.launch().await;
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    async fn launch(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("redis-server cannot start ({e}); run scripts/setup"));
        self.child = Some(child);
        eventually(
            "redis-server answers PING",
            Duration::from_secs(10),
            async || self.command(&["PING"]).is_some_and(|r| r == "+PONG\r\n"),
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

    /// Sends one command in RESP and returns the raw reply, or `None` if Redis is down.
    pub fn command(&self, args: &[&str]) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_millis(500)))
            .ok()?;
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

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The server binary run as a second replica of `app`: its configuration file with
/// another listen port, in the same directory (same keys, issuer, STS and Redis).
pub struct Replica {
    pub address: String,
    child: Child,
}

impl Replica {
    pub async fn start(app: &TestApp) -> Self {
        let port = free_port();
        let config = std::fs::read_to_string(&app.config_path).unwrap().replacen(
            "listen = \"127.0.0.1:0\"",
            &format!("listen = \"127.0.0.1:{port}\""),
            1,
        );
        let dir = app.config_path.parent().unwrap();
        let path = dir.join("replica.toml");
        std::fs::write(&path, config).unwrap();
        let child = spawn(&path, dir);
        let replica = Self {
            address: format!("http://127.0.0.1:{port}"),
            child,
        };
        let http = reqwest::Client::new();
        let health = format!("{}/healthz", replica.address);
        eventually(
            "the replica answers /healthz",
            Duration::from_secs(20),
            async || {
                http.get(&health)
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200)
            },
        )
        .await;
        replica
    }
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
