//! Opening connections to STS before the first calls need them, so that the first
//! delegations after a start do not pay for DNS, TCP and a TLS handshake.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use super::client::StsClient;
use super::transport::Target;
use crate::domain::Region;

/// How opening the connection to one endpoint went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub endpoint: String,
    /// Why it is not open; `None` when it is.
    pub error: Option<String>,
}

impl StsClient {
    /// Opens one connection to the endpoint of each of `regions` (each distinct endpoint
    /// once, all at the same time) and keeps it in the pool. An endpoint whose connection
    /// is not open within `within` is reported with the reason, and connected at its first
    /// call as usual.
    pub async fn open_connections(&self, regions: &[Region], within: Duration) -> Vec<Opened> {
        let mut endpoints: Vec<url::Url> = regions.iter().map(|r| self.endpoint_for(r)).collect();
        endpoints.sort();
        endpoints.dedup();
        let mut tasks = JoinSet::new();
        for url in endpoints {
            let http = Arc::clone(&self.http);
            tasks.spawn(async move {
                let error = match Target::of(&url) {
                    Err(e) => Some(e),
                    Ok(target) => match tokio::time::timeout(within, http.open(&target)).await {
                        Ok(Ok(())) => None,
                        Ok(Err(e)) => Some(e.to_string()),
                        Err(_) => Some(format!("not open within {} ms", within.as_millis())),
                    },
                };
                Opened {
                    endpoint: url.to_string(),
                    error,
                }
            });
        }
        let mut opened = Vec::new();
        while let Some(done) = tasks.join_next().await {
            if let Ok(one) = done {
                opened.push(one);
            }
        }
        opened.sort_by(|a, b| a.endpoint.cmp(&b.endpoint));
        opened
    }
}

#[cfg(test)]
#[path = "warm_tests.rs"]
mod tests;
