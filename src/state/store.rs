//! Credential cache entries in Redis: sealed values under `cred:<digest>`, and the short
//! `lock:<digest>` that lets one replica fetch while the others wait.

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

    /// Takes the fetch lock for `digest` for at most `ttl`; `None` when another replica
    /// holds it.
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
        let token: String = token.iter().map(|b| format!("{b:02x}")).collect();
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
        Ok(taken.map(|_| StoreLock {
            state: Arc::clone(self),
            key,
            token: Some(token),
        }))
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

/// A held fetch lock. Released by [`StoreLock::release`]; dropped unreleased (the request
/// was cancelled), it is released in the background, so waiting replicas need not wait
/// for it to expire.
pub struct StoreLock {
    state: Arc<SharedState>,
    key: String,
    token: Option<String>,
}

impl StoreLock {
    pub async fn release(mut self) {
        if let Some(token) = self.token.take() {
            self.state.unlock(&self.key, &token).await;
        }
    }
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        if let Some(token) = self.token.take() {
            let state = Arc::clone(&self.state);
            let key = std::mem::take(&mut self.key);
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move { state.unlock(&key, &token).await });
            }
        }
    }
}
