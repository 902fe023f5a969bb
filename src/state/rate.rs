//! The per-user rate limit in Redis: GCRA (the generic cell rate algorithm), which is the
//! in-process token bucket's exact equivalent kept as one number per user — the time at
//! which the user's bucket would be full again (the "theoretical arrival time").
//!
//! A request at `now` is allowed when `max(tat, now) + interval − now ≤ burst × interval`;
//! then `tat` moves on by one interval. So a user gets `burst` requests at once, then one
//! per interval, as in process. The script reads Redis's clock (`TIME`), so replicas need
//! not agree on theirs, and keeps the key only while it matters (its TTL is `tat − now`).

use std::time::Duration;

use aws_lc_rs::digest;
use redis::Script;

use super::{SharedState, StateError};

/// KEYS[1]: the user's key. ARGV[1]: interval (µs). ARGV[2]: burst.
/// Returns 0 when allowed, else the microseconds until the next request would be.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next_tat = tat + interval
local wait = next_tat - burst * interval - now
if wait > 0 then return math.ceil(wait) end
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX',
  math.max(1, math.ceil((next_tat - now) / 1000)))
return 0
";

/// Deletes KEYS[1] only if it still holds ARGV[1]: a lock is released only by its holder.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// Sets KEYS[1]'s TTL to ARGV[2] ms only if it still holds ARGV[1]: only the holder keeps
/// a lock alive.
const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
";

pub(super) struct Scripts {
    pub gcra: Script,
    pub release: Script,
    pub renew: Script,
}

impl Scripts {
    pub fn new() -> Self {
        Self {
            gcra: Script::new(GCRA),
            release: Script::new(RELEASE),
            renew: Script::new(RENEW),
        }
    }
}

impl SharedState {
    /// Takes one request from `user`'s allowance of `per_minute` (burst `burst`), or says
    /// how long until one is available. `per_minute` is above zero.
    pub async fn take(
        &self,
        user: &str,
        per_minute: u32,
        burst: u32,
    ) -> Result<Result<(), Duration>, StateError> {
        let digest = digest::digest(&digest::SHA256, user.as_bytes());
        let key = self.key("rate", digest.as_ref());
        let interval_us = 60_000_000 / u64::from(per_minute.max(1));
        let (gcra, key) = (&self.scripts.gcra, &key);
        let wait_us: u64 = self
            .run("rate_limit", |mut conn| async move {
                gcra.key(key)
                    .arg(interval_us)
                    .arg(burst.max(1))
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Ok(match wait_us {
            0 => Ok(()),
            us => Err(Duration::from_micros(us)),
        })
    }
}
