use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::net::TcpListener;

use crate::domain::Region;
use crate::sts::{StsClient, StsSettings};

/// A listener that accepts connections, counts them and never says a word.
async fn silent() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    (port, accepted)
}

fn client(endpoint: &str) -> StsClient {
    let settings = StsSettings {
        endpoint: Some(url::Url::parse(endpoint).unwrap()),
        ..StsSettings::default()
    };
    StsClient::new(&settings, &crate::roots::Roots::bundled()).unwrap()
}

fn regions() -> Vec<Region> {
    ["us-east-1", "eu-west-1", "us-east-1"]
        .into_iter()
        .map(|r| Region::parse(r).unwrap())
        .collect()
}

#[tokio::test]
async fn one_endpoint_for_every_region_is_opened_once() {
    let (port, accepted) = silent().await;
    let sts = client(&format!("http://127.0.0.1:{port}/"));
    let opened = sts
        .open_connections(&regions(), Duration::from_secs(2))
        .await;
    assert_eq!(opened.len(), 1, "{opened:?}");
    assert_eq!(opened[0].error, None);
    assert_eq!(opened[0].endpoint, format!("http://127.0.0.1:{port}/"));
    let waited = Instant::now();
    while accepted.load(Ordering::SeqCst) == 0 && waited.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_endpoint_that_does_not_finish_its_handshake_is_reported_in_time() {
    let (port, accepted) = silent().await;
    let sts = client(&format!("https://127.0.0.1:{port}/"));
    let start = Instant::now();
    let opened = sts
        .open_connections(&regions(), Duration::from_millis(300))
        .await;
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(opened.len(), 1);
    let error = opened[0].error.as_deref().unwrap();
    assert!(error.contains("not open within 300 ms"), "{error}");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}
