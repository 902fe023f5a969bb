//! The transport against raw-socket peers: keep-alive reuse, a connection closed while idle,
//! bounded and chunked bodies, TLS with a private CA, and both kinds of HTTP proxy.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use super::*;

/// What the peer does after answering a request.
#[derive(Clone, Copy, PartialEq)]
enum After {
    KeepOpen,
    /// Closes the connection a moment later, without saying so in the reply.
    CloseSoon,
}

/// A request as the peer saw it: the head (lowercased) and the body.
type Seen = (String, Vec<u8>);

/// A one-origin HTTP/1.1 peer that records every request head and body.
#[derive(Clone)]
struct Peer {
    accepted: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Seen>>>,
    reply: Arc<dyn Fn(usize) -> Vec<u8> + Send + Sync>,
    after: After,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

impl Peer {
    fn new(reply: impl Fn(usize) -> Vec<u8> + Send + Sync + 'static) -> Self {
        Self {
            accepted: Arc::default(),
            requests: Arc::default(),
            reply: Arc::new(reply),
            after: After::KeepOpen,
            tls: None,
        }
    }

    /// Listens on 127.0.0.1 and returns the port.
    async fn start(&self) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let peer = self.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                peer.accepted.fetch_add(1, Ordering::SeqCst);
                let peer = peer.clone();
                tokio::spawn(async move {
                    match peer.tls.clone() {
                        Some(tls) => {
                            if let Ok(stream) = tls.accept(stream).await {
                                peer.serve(stream).await;
                            }
                        }
                        None => peer.serve(stream).await,
                    }
                });
            }
        });
        port
    }

    async fn serve<S: AsyncRead + AsyncWrite + Unpin>(&self, mut stream: S) {
        while let Some(request) = read_request(&mut stream).await {
            let n = {
                let mut requests = self.requests.lock().unwrap();
                requests.push(request);
                requests.len()
            };
            if stream.write_all(&(self.reply)(n)).await.is_err() {
                return;
            }
            if self.after == After::CloseSoon {
                tokio::time::sleep(Duration::from_millis(20)).await;
                return;
            }
        }
    }

    fn heads(&self) -> Vec<String> {
        let requests = self.requests.lock().unwrap();
        requests.iter().map(|(head, _)| head.clone()).collect()
    }
}

/// One request's head (lowercased) and body, or `None` at the end of the stream.
async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Seen> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if data.len() >= end + 4 + length {
                return Some((head, data[end + 4..end + 4 + length].to_vec()));
            }
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
}

fn ok(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn no_proxy() -> Matcher {
    Matcher::builder().build()
}

fn transport(roots: &Roots, proxies: Matcher) -> Transport {
    Transport::with_proxies(roots, Duration::from_secs(2), proxies).unwrap()
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

fn origin_of(to: &Url) -> pool::Origin {
    Target::of(to).unwrap().origin
}

async fn post(t: &Transport, to: &Url, body: &'static str) -> Result<Exchange, TransportError> {
    let target = Target::of(to).unwrap();
    t.post_form(&target, Bytes::from_static(body.as_bytes()), 1024)
        .await
}

#[tokio::test]
async fn sequential_posts_share_one_connection_and_carry_the_form() {
    let peer = Peer::new(|n| ok(&format!("<r>{n}</r>")));
    let port = peer.start().await;
    let t = transport(&Roots::default(), no_proxy());
    let to = url(&format!("http://127.0.0.1:{port}/sts?x=1"));
    for n in 1..=5 {
        let reply = post(&t, &to, "Action=A&B=c").await.unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body.unwrap(), format!("<r>{n}</r>").as_bytes());
    }
    assert_eq!(peer.accepted.load(Ordering::SeqCst), 1);
    assert_eq!(t.pool.idle(&origin_of(&to)), 1);
    let (head, body) = peer.requests.lock().unwrap()[0].clone();
    assert!(head.starts_with("post /sts?x=1 http/1.1\r\n"), "{head}");
    for line in [
        format!("host: 127.0.0.1:{port}"),
        "content-type: application/x-www-form-urlencoded".to_owned(),
        "accept: text/xml".to_owned(),
        "content-length: 12".to_owned(),
        format!("user-agent: {USER_AGENT}"),
    ] {
        assert!(head.lines().any(|l| l == line), "{line} missing in {head}");
    }
    assert_eq!(body, b"Action=A&B=c");
}

#[tokio::test]
async fn a_connection_the_peer_closed_while_idle_is_replaced_transparently() {
    let mut peer = Peer::new(|_| ok("<r/>"));
    peer.after = After::CloseSoon;
    let port = peer.start().await;
    let t = transport(&Roots::default(), no_proxy());
    let to = url(&format!("http://127.0.0.1:{port}/"));
    for _ in 0..3 {
        post(&t, &to, "a=b").await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(peer.accepted.load(Ordering::SeqCst), 3);
    assert_eq!(peer.heads().len(), 3, "every request reached the peer once");
}

#[tokio::test]
async fn a_reply_that_says_close_is_not_reused() {
    let peer = Peer::new(|_| {
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 4\r\n\r\n<r/>".to_vec()
    });
    let port = peer.start().await;
    let t = transport(&Roots::default(), no_proxy());
    let to = url(&format!("http://127.0.0.1:{port}/"));
    post(&t, &to, "a=b").await.unwrap();
    assert_eq!(t.pool.idle(&origin_of(&to)), 0);
    post(&t, &to, "a=b").await.unwrap();
    assert_eq!(peer.accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn idle_connections_are_closed_after_the_idle_timeout_even_without_calls() {
    let peer = Peer::new(|_| ok("<r/>"));
    let port = peer.start().await;
    let t = transport(&Roots::default(), no_proxy()).with_idle_timeout(Duration::from_millis(150));
    let to = url(&format!("http://127.0.0.1:{port}/"));
    post(&t, &to, "a=b").await.unwrap();
    assert_eq!(t.pool.idle(&origin_of(&to)), 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(t.pool.idle(&origin_of(&to)), 0, "the sweeper closed it");
    post(&t, &to, "a=b").await.unwrap();
    assert_eq!(peer.accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_request_on_a_connection_known_closed_is_handed_back_unsent() {
    let (client, server) = tokio::io::duplex(4096);
    let io = hyper_util::rt::TokioIo::new(client);
    let mut connection = connection::Connection::handshake(io, None).await.unwrap();
    drop(server);
    let now = tokio::time::Instant::now();
    assert!(!connection.reusable(now, Duration::from_secs(30)));
    let request = hyper::Request::post("/once")
        .body(Full::new(Bytes::from_static(b"a=b")))
        .unwrap();
    match connection.exchange(request, 1024).await {
        Err(SendError::NotSent(not_sent)) => assert_eq!(not_sent.request.uri(), "/once"),
        Err(SendError::Failed(e)) => panic!("reported as failed: {e}"),
        Ok(reply) => panic!("answered: {reply:?}"),
    }
}

#[tokio::test]
async fn chunked_replies_are_read_whole() {
    let peer = Peer::new(|_| {
        b"HTTP/1.1 503 Busy\r\nRetry-After: 2\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n<r>\r\n4\r\n</r>\r\n0\r\n\r\n"
            .to_vec()
    });
    let port = peer.start().await;
    let t = transport(&Roots::default(), no_proxy());
    let reply = post(&t, &url(&format!("http://127.0.0.1:{port}/")), "a=b")
        .await
        .unwrap();
    assert_eq!(reply.status, 503);
    assert_eq!(reply.headers.get("retry-after").unwrap(), "2");
    assert_eq!(reply.body.unwrap(), b"<r></r>");
}

#[tokio::test]
async fn bodies_over_the_limit_are_none_declared_or_not_and_their_connection_is_dropped() {
    let big = "x".repeat(2000);
    let declared = ok(&big);
    let chunked = format!(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
        big.len()
    )
    .into_bytes();
    for reply in [declared, chunked] {
        let peer = Peer::new(move |_| reply.clone());
        let port = peer.start().await;
        let t = transport(&Roots::default(), no_proxy());
        let to = url(&format!("http://127.0.0.1:{port}/"));
        assert!(post(&t, &to, "a=b").await.unwrap().body.is_none());
        assert_eq!(t.pool.idle(&origin_of(&to)), 0);
    }
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error_naming_the_address() {
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let t = transport(&Roots::default(), no_proxy());
    let error = post(&t, &url(&format!("http://127.0.0.1:{port}/")), "a=b")
        .await
        .unwrap_err();
    assert!(matches!(error, TransportError::Connect(_)), "{error}");
    assert!(
        error.to_string().contains(&format!("127.0.0.1:{port}")),
        "{error}"
    );
}

#[tokio::test]
async fn a_reply_cut_short_is_a_failure_not_a_reply() {
    let peer = Peer::new(|_| b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<partial".to_vec());
    let mut peer = peer;
    peer.after = After::CloseSoon;
    let port = peer.start().await;
    let t = transport(&Roots::default(), no_proxy());
    let error = post(&t, &url(&format!("http://127.0.0.1:{port}/")), "a=b")
        .await
        .unwrap_err();
    assert!(matches!(error, TransportError::Failed(_)), "{error}");
}

/// An HTTPS peer answering `body` with a certificate for `localhost`, started: (roots
/// trusting that certificate, the peer, its port).
async fn tls_peer(body: &'static str) -> (Roots, Peer, u16) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let roots = crate::roots::load(
        crate::roots::CaRoots::Bundled,
        Some(made.cert.pem().as_bytes()),
    )
    .unwrap();
    let key = rustls::pki_types::PrivateKeyDer::try_from(made.signing_key.serialize_der()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![made.cert.der().clone()], key)
        .unwrap();
    let mut peer = Peer::new(move |_| ok(body));
    peer.tls = Some(tokio_rustls::TlsAcceptor::from(Arc::new(config)));
    let port = peer.start().await;
    (roots, peer, port)
}

#[tokio::test]
async fn https_trusts_the_configured_roots_and_nothing_else() {
    let (roots, peer, port) = tls_peer("<secure/>").await;
    let to = url(&format!("https://localhost:{port}/"));

    let trusting = transport(&roots, no_proxy());
    for _ in 0..2 {
        let reply = post(&trusting, &to, "a=b").await.unwrap();
        assert_eq!(reply.body.unwrap(), b"<secure/>");
    }
    assert_eq!(peer.accepted.load(Ordering::SeqCst), 1);

    let bundled = crate::roots::load(crate::roots::CaRoots::Bundled, None).unwrap();
    let error = post(&transport(&bundled, no_proxy()), &to, "a=b")
        .await
        .unwrap_err();
    assert!(matches!(error, TransportError::Connect(_)), "{error}");
    assert!(
        error.to_string().contains("TLS handshake failed"),
        "{error}"
    );

    // Trusted, but issued for another name than the one connected to.
    let by_address = url(&format!("https://127.0.0.1:{port}/"));
    let error = post(&trusting, &by_address, "a=b").await.unwrap_err();
    assert!(
        error.to_string().contains("TLS handshake failed"),
        "{error}"
    );
    assert_eq!(peer.heads().len(), 2, "nothing was sent without trust");
}

/// A CONNECT proxy: records each CONNECT head, then relays to the named address.
async fn connect_proxy(heads: Arc<Mutex<Vec<String>>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let heads = Arc::clone(&heads);
            tokio::spawn(async move {
                let Some((head, _)) = read_request(&mut client).await else {
                    return;
                };
                let target = head.split(' ').nth(1).unwrap().to_owned();
                heads.lock().unwrap().push(head);
                let target = target.replace("localhost", "127.0.0.1");
                let mut upstream = TcpStream::connect(target).await.unwrap();
                client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await
                    .unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn https_goes_through_a_connect_tunnel_with_the_proxy_credentials() {
    let (roots, peer, port) = tls_peer("<tunnelled/>").await;
    let heads = Arc::default();
    let proxy_port = connect_proxy(Arc::clone(&heads)).await;
    let proxies = Matcher::builder()
        .https(format!("http://alice:s3cret@127.0.0.1:{proxy_port}"))
        .build();
    let t = transport(&roots, proxies);
    let reply = post(&t, &url(&format!("https://localhost:{port}/")), "a=b")
        .await
        .unwrap();
    assert_eq!(reply.body.unwrap(), b"<tunnelled/>");
    let heads = heads.lock().unwrap();
    assert_eq!(heads.len(), 1);
    assert!(heads[0].starts_with(&format!("connect localhost:{port} http/1.1")));
    // base64("alice:s3cret"), lowercased with the rest of the head.
    assert!(
        heads[0].contains("proxy-authorization: basic ywxpy2u6cznjcmv0"),
        "{}",
        heads[0]
    );
    assert!(
        peer.heads()[0].starts_with("post / http/1.1"),
        "TLS ends at the origin"
    );
}

#[tokio::test]
async fn plain_http_through_a_proxy_is_sent_in_absolute_form_unless_no_proxy_says_otherwise() {
    let proxy = Peer::new(|_| ok("<forwarded/>"));
    let proxy_port = proxy.start().await;
    let proxies = Matcher::builder()
        .http(format!("http://bob:pw@127.0.0.1:{proxy_port}"))
        .no("direct.test")
        .build();
    let t = transport(&Roots::default(), proxies);
    let reply = post(&t, &url("http://sts.example.test:5000/a?b=c"), "a=b")
        .await
        .unwrap();
    assert_eq!(reply.body.unwrap(), b"<forwarded/>");
    let head = &proxy.heads()[0];
    assert!(
        head.starts_with("post http://sts.example.test:5000/a?b=c http/1.1"),
        "{head}"
    );
    assert!(head.contains("host: sts.example.test:5000"), "{head}");
    assert!(head.contains("proxy-authorization: basic"), "{head}");

    let error = post(&t, &url("http://direct.test:1/"), "a=b")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("direct.test:1"), "{error}");
    assert_eq!(proxy.heads().len(), 1, "NO_PROXY hosts are not proxied");
}

#[tokio::test]
async fn a_proxy_that_is_not_plain_http_is_refused_naming_only_its_host() {
    // An unescaped `@` in the password leaves part of it in the URL's authority.
    let proxies = Matcher::builder()
        .https("https://user:p@ss@proxy.test:3128")
        .build();
    let to = url("https://sts.us-east-1.amazonaws.com/");
    let proxy = proxies.intercept(&"https://sts.us-east-1.amazonaws.com/".parse().unwrap());
    assert!(
        proxy.is_some_and(|p| p.uri().authority().unwrap().as_str().contains("ss@")),
        "the proxy URL must reach the connector with part of its password"
    );
    let error = post(&transport(&Roots::default(), proxies), &to, "a=b")
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("only HTTP proxies"), "{text}");
    assert!(text.contains("proxy.test:3128"), "{text}");
    assert!(!text.contains("ss@"), "part of the password in {text}");
}

#[tokio::test]
async fn ipv6_literals_are_connected_to_and_named_in_the_host_header() {
    let Ok(listener) = TcpListener::bind("[::1]:0").await else {
        return; // no IPv6 loopback on this machine
    };
    let port = listener.local_addr().unwrap().port();
    let peer = Peer::new(|_| ok("<v6/>"));
    let served = peer.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let peer = served.clone();
            tokio::spawn(async move { peer.serve(stream).await });
        }
    });
    let t = transport(&Roots::default(), no_proxy());
    let reply = post(&t, &url(&format!("http://[::1]:{port}/")), "a=b")
        .await
        .unwrap();
    assert_eq!(reply.body.unwrap(), b"<v6/>");
    let head = &peer.heads()[0];
    assert!(head.contains(&format!("host: [::1]:{port}")), "{head}");
}

#[tokio::test]
async fn an_opened_connection_carries_the_first_post_without_another_handshake() {
    let (roots, peer, port) = tls_peer("<warm/>").await;
    let to = url(&format!("https://localhost:{port}/"));
    let t = transport(&roots, no_proxy());
    t.open(&Target::of(&to).unwrap()).await.unwrap();
    assert_eq!(peer.accepted.load(Ordering::SeqCst), 1);
    assert_eq!(t.pool.idle(&origin_of(&to)), 1);
    assert!(peer.heads().is_empty(), "opening sends nothing");

    let reply = post(&t, &to, "a=b").await.unwrap();
    assert_eq!(reply.body.unwrap(), b"<warm/>");
    assert_eq!(
        peer.accepted.load(Ordering::SeqCst),
        1,
        "no second connection"
    );
}
