//! Credential cache entries in Redis: sealed values under `cred:<digest>`, and the short
//! `lock:<digest>` that lets one replica fetch while the others wait.
//!
//! A lock is a lease: it lasts a few seconds and its holder renews it while it fetches. So
//! a lock whose holder is gone (the replica stopped, or the lock was copied to a new
//! primary after a failover and its holder has finished) is gone soon, rather than keeping
//! the others waiting for as long as a fetch could take.

use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use redis::AsyncCommands;

use super::{SharedState, StateError};
use crate::sts::StsResult;

impl SharedState {
    /// The entry kept under `digest`, if any. One that does not open (sealed with another
    /// key, or altered) counts as none; the next fetch overwrites it.
    pub async fn cache_get(&self, digest: &[u8; 32]) -> Result<Option<StsResult>, StateError> {
        let key = self.key("cred", digest);
        let sealed: Option<Vec<u8>> = self
            .run("cache_get", |mut conn| {
                let key = &key;
                async move { conn.get(key).await }
            })
            .await?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let sealer = self.sealer()?;
        let opened = match sealer.open(key.as_bytes(), &sealed) {
            Ok(plain) => serde_json::from_slice(&plain).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match opened {
            Ok(result) => Ok(Some(result)),
            Err(error) => {
                tracing::warn!(%error, "a shared cache entry could not be read; fetching anew");
                Ok(None)
            }
        }
    }

    /// Keeps `result` under `digest` for `ttl`.
    pub async fn cache_put(
        &self,
        digest: &[u8; 32],
        result: &StsResult,
        ttl: Duration,
    ) -> Result<(), StateError> {
        let key = self.key("cred", digest);
        let plain = serde_json::to_vec(result).map_err(|e| StateError::Entry(e.to_string()))?;
        let sealed = self
            .sealer()?
            .seal(key.as_bytes(), &plain)
            .map_err(|e| StateError::Entry(e.to_string()))?;
        let ms = millis(ttl);
        self.run("cache_put", |mut conn| {
            let key = &key;
            async move {
                redis::cmd("SET")
                    .arg(key)
                    .arg(sealed)
                    .arg("PX")
                    .arg(ms)
                    .query_async(&mut conn)
                    .await
            }
        })
        .await
    }

    /// Takes the fetch lock for `digest`; `None` when another replica holds it. The lock
    /// expires `ttl` after it was last renewed, and is renewed every third of `ttl` until
    /// it is released (or dropped).
    pub async fn lock(
        self: &Arc<Self>,
        digest: &[u8; 32],
        ttl: Duration,
    ) -> Result<Option<StoreLock>, StateError> {
        let key = self.key("lock", digest);
        let mut token = [0u8; 16];
        SystemRandom::new()
            .fill(&mut token)
            .map_err(|_| StateError::Entry("no random lock token available".into()))?;
        let token = crate::domain::hex(&token);
        let ms = millis(ttl);
        let taken: Option<String> = self
            .run("lock", |mut conn| {
                let (key, token) = (&key, &token);
                async move {
                    redis::cmd("SET")
                        .arg(key)
                        .arg(token)
                        .arg("NX")
                        .arg("PX")
                        .arg(ms)
                        .query_async(&mut conn)
                        .await
                }
            })
            .await?;
        if taken.is_none() {
            return Ok(None);
        }
        let renewal = tokio::spawn(renew_while_held(
            Arc::clone(self),
            key.clone(),
            token.clone(),
            ttl,
        ));
        Ok(Some(StoreLock {
            state: Arc::clone(self),
            key,
            token: Some(token),
            renewal,
        }))
    }

    /// Extends the lock under `key` to `ttl` from now if it still holds `token`; `false`
    /// when it does not (it expired, or was taken anew).
    async fn renew(&self, key: &str, token: &str, ttl: Duration) -> Result<bool, StateError> {
        let renew = &self.scripts.renew;
        let renewed: i64 = self
            .run("lock", |mut conn| async move {
                renew
                    .key(key)
                    .arg(token)
                    .arg(millis(ttl))
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Ok(renewed == 1)
    }

    async fn unlock(&self, key: &str, token: &str) {
        let release = &self.scripts.release;
        // A lock left behind expires by itself; the failure is counted.
        let _ = self
            .run("unlock", |mut conn| async move {
                let _: i64 = release.key(key).arg(token).invoke_async(&mut conn).await?;
                Ok(())
            })
            .await;
    }

    fn sealer(&self) -> Result<&super::Sealer, StateError> {
        self.sealer
            .as_ref()
            .ok_or_else(|| StateError::Entry("no [state] encryption_key_file".into()))
    }
}

fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// Renews the lock every third of `ttl`, on a fixed schedule, until it is released or
/// found lost (then there is nothing left to keep). Each renewal gets at most that third:
/// one that fails or is slow is counted and tried again at the next turn, while the lease
/// still has two thirds to run.
async fn renew_while_held(state: Arc<SharedState>, key: String, token: String, ttl: Duration) {
    let every = (ttl / 3).max(Duration::from_millis(10));
    let mut turns = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    turns.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        turns.tick().await;
        if let Ok(Ok(false)) = tokio::time::timeout(every, state.renew(&key, &token, ttl)).await {
            return;
        }
    }
}

/// A held fetch lock. Released by [`StoreLock::release`]; dropped unreleased (the request
/// was cancelled), it is released in the background, so waiting replicas need not wait
/// for it to expire. Either way its renewal stops.
pub struct StoreLock {
    state: Arc<SharedState>,
    key: String,
    token: Option<String>,
    renewal: tokio::task::JoinHandle<()>,
}

impl StoreLock {
    pub async fn release(mut self) {
        self.renewal.abort();
        if let Some(token) = self.token.take() {
            self.state.unlock(&self.key, &token).await;
        }
    }
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        self.renewal.abort();
        if let Some(token) = self.token.take() {
            let state = Arc::clone(&self.state);
            let key = std::mem::take(&mut self.key);
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move { state.unlock(&key, &token).await });
            }
        }
    }
}
