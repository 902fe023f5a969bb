//! The one fetch under way for a key, and what its outcome leaves in the cache.

use std::sync::Arc;

use lru::LruCache;
use time::OffsetDateTime;
use tokio::sync::watch;

use super::{CacheKey, CredentialCache, FetchError, Shared, Slot};
use crate::sts::{StsError, StsResult};

/// The one fetch under way for a key. Dropped without [`Flight::finish`] (the request was
/// cancelled), it removes its pending slot, and the requests waiting on it try again.
pub(super) struct Flight<'a> {
    pub(super) cache: &'a CredentialCache,
    pub(super) key: CacheKey,
    pub(super) tx: Option<watch::Sender<Option<Shared>>>,
}

impl Flight<'_> {
    pub(super) fn finish<E>(
        mut self,
        outcome: Result<StsResult, FetchError<E>>,
        now: OffsetDateTime,
    ) -> Result<StsResult, FetchError<E>> {
        let settings = &self.cache.settings;
        let mut entries = self.cache.lock();
        let (slot, shared, answer) = match outcome {
            Ok(result) => {
                let serve_until = result.expiration() - settings.min_remaining;
                let result = Arc::new(result);
                let slot = (now < serve_until).then(|| Slot::Ready {
                    result: Arc::clone(&result),
                    serve_until,
                });
                let answer = Ok(StsResult::clone(&result));
                (slot, Some(Ok(result)), answer)
            }
            Err(FetchError::Sts(error)) => {
                let slot =
                    (refusal_to_keep(&error) && !settings.negative_ttl.is_zero()).then(|| {
                        Slot::Refused {
                            error: error.clone(),
                            until: now + settings.negative_ttl,
                        }
                    });
                (slot, Some(Err(error.clone())), Err(FetchError::Sts(error)))
            }
            Err(error @ (FetchError::Other(_) | FetchError::Internal(_))) => {
                (None, None, Err(error))
            }
        };
        match slot {
            Some(slot) => self.cache.put(&mut entries, self.key, slot),
            None => remove_pending(&mut entries, &self.key),
        }
        drop(entries);
        if let (Some(tx), Some(shared)) = (self.tx.take(), shared) {
            // No receiver left is fine: nobody was waiting.
            let _ = tx.send(Some(shared));
        }
        answer
    }
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        if self.tx.is_some() {
            remove_pending(&mut self.cache.lock(), &self.key);
        }
    }
}

pub(super) fn remove_pending(entries: &mut LruCache<CacheKey, Slot>, key: &CacheKey) {
    if matches!(entries.peek(key), Some(Slot::Pending(_))) {
        entries.pop(key);
    }
}

/// The refusals worth repeating for a while: the role's trust policy or the assertion is
/// wrong, and asking again at once gets the same answer.
fn refusal_to_keep(error: &StsError) -> bool {
    match error {
        StsError::Denied { code, .. } => code == "AccessDenied",
        StsError::Rejected { code, .. } => code == "InvalidIdentityToken",
        _ => false,
    }
}
