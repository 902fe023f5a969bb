//! Unit tests of the cache's rules: serving, expiry, single-flight, refusals, the bound.

use std::sync::atomic::{AtomicUsize, Ordering};

use time::format_description::well_known::Rfc3339;

use super::*;
use crate::delegation::DelegationError;

fn result(access_key: &str, expires: OffsetDateTime) -> StsResult {
    let expiration = expires.format(&Rfc3339).unwrap();
    StsResult::from_xml(&format!(
        r#"<AssumeRoleWithSAMLResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithSAMLResult>
    <Audience>https://signin.aws.amazon.com/saml</Audience>
    <AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:jane</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/r/jane</Arn></AssumedRoleUser>
    <Credentials><AccessKeyId>{access_key}</AccessKeyId><SecretAccessKey>s</SecretAccessKey>
      <SessionToken>t</SessionToken><Expiration>{expiration}</Expiration></Credentials>
    <Issuer>urn:i</Issuer><NameQualifier>q</NameQualifier><Subject>jane</Subject>
    <SubjectType>persistent</SubjectType>
  </AssumeRoleWithSAMLResult>
  <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>
</AssumeRoleWithSAMLResponse>"#
    ))
    .unwrap()
}

fn cache(max_entries: usize) -> CredentialCache {
    CredentialCache::new(CacheSettings {
        min_remaining: Duration::from_secs(900),
        max_entries: NonZeroUsize::new(max_entries).unwrap(),
        negative_ttl: Duration::from_secs(10),
    })
}

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

const HOUR: Duration = Duration::from_secs(3600);

/// Fetches through `cache`, counting calls; the credentials carry `access_key`.
async fn get(
    cache: &CredentialCache,
    key: CacheKey,
    now: OffsetDateTime,
    calls: &AtomicUsize,
    access_key: &str,
) -> (Result<StsResult, DelegationError>, Lookup) {
    let (result, lookup) = cache
        .get_or_fetch(key, now, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok::<_, FetchError<DelegationError>>(result(access_key, t0() + HOUR))
        })
        .await;
    (result.map_err(as_delegation), lookup)
}

/// A cache answer as the delegation flow reads it.
fn as_delegation(error: FetchError<DelegationError>) -> DelegationError {
    match error {
        FetchError::Sts(e) => e.into(),
        FetchError::Other(e) => e,
        FetchError::Internal(what) => DelegationError::Internal(what.into()),
    }
}

#[tokio::test]
async fn an_entry_serves_until_min_remaining_is_left() {
    let cache = cache(10);
    let calls = AtomicUsize::new(0);
    let (first, lookup) = get(&cache, [1; 32], t0(), &calls, "ASIAFIRST").await;
    assert_eq!(lookup, Lookup::Miss);
    assert_eq!(first.unwrap().access_key_id(), "ASIAFIRST");
    // 2699 s later, 901 s are left: served from the entry, with STS's expiration.
    let later = t0() + Duration::from_secs(2699);
    let (again, lookup) = get(&cache, [1; 32], later, &calls, "ASIASECOND").await;
    assert_eq!(lookup, Lookup::Hit);
    let again = again.unwrap();
    assert_eq!(again.access_key_id(), "ASIAFIRST");
    assert_eq!(again.expiration(), t0() + HOUR);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // At exactly 900 s left it no longer serves.
    let edge = t0() + Duration::from_secs(2700);
    let (fresh, lookup) = get(&cache, [1; 32], edge, &calls, "ASIATHIRD").await;
    assert_eq!(lookup, Lookup::Miss);
    assert_eq!(fresh.unwrap().access_key_id(), "ASIATHIRD");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn credentials_too_short_for_min_remaining_are_not_kept() {
    let cache = cache(10);
    let calls = AtomicUsize::new(0);
    let short = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        Ok::<_, FetchError<DelegationError>>(result("ASIASHORT", t0() + Duration::from_secs(900)))
    };
    for _ in 0..2 {
        let (answer, lookup) = cache.get_or_fetch([2; 32], t0(), short).await;
        assert!(answer.is_ok());
        assert_eq!(lookup, Lookup::Miss);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(cache.is_empty(), "nothing kept, no pending slot left");
}

#[tokio::test]
async fn different_keys_never_share() {
    let cache = cache(10);
    let calls = AtomicUsize::new(0);
    let (a, _) = get(&cache, [3; 32], t0(), &calls, "ASIAA").await;
    let (b, lookup) = get(&cache, [4; 32], t0(), &calls, "ASIAB").await;
    assert_eq!(lookup, Lookup::Miss);
    assert_eq!(a.unwrap().access_key_id(), "ASIAA");
    assert_eq!(b.unwrap().access_key_id(), "ASIAB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_make_one_fetch() {
    let cache = Arc::new(cache(10));
    let calls = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(tokio::sync::Notify::new());
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (cache, calls, release) = (cache.clone(), calls.clone(), release.clone());
            tokio::spawn(async move {
                cache
                    .get_or_fetch([5; 32], t0(), || async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        release.notified().await;
                        Ok::<_, FetchError<DelegationError>>(result("ASIAONE", t0() + HOUR))
                    })
                    .await
            })
        })
        .collect();
    while calls.load(Ordering::SeqCst) == 0 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    release.notify_one();
    let mut lookups = Vec::new();
    for task in tasks {
        let (answer, lookup) = task.await.unwrap();
        assert_eq!(answer.unwrap().access_key_id(), "ASIAONE");
        lookups.push(lookup);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(lookups.iter().filter(|l| **l == Lookup::Miss).count(), 1);
}

#[tokio::test]
async fn a_cancelled_fetch_hands_over_to_a_waiting_request() {
    let cache = Arc::new(cache(10));
    let leader = {
        let cache = cache.clone();
        tokio::spawn(async move {
            cache
                .get_or_fetch(
                    [6; 32],
                    t0(),
                    std::future::pending::<Result<StsResult, FetchError<DelegationError>>>,
                )
                .await
        })
    };
    while cache.is_empty() {
        tokio::task::yield_now().await;
    }
    let follower = {
        let cache = cache.clone();
        tokio::spawn(async move {
            let calls = AtomicUsize::new(0);
            get(&cache, [6; 32], t0(), &calls, "ASIAFOLLOWER").await
        })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    leader.abort();
    let (answer, lookup) = follower.await.unwrap();
    assert_eq!(answer.unwrap().access_key_id(), "ASIAFOLLOWER");
    assert_eq!(lookup, Lookup::Miss);
}

#[tokio::test]
async fn access_denied_is_repeated_for_the_negative_ttl_only() {
    let cache = cache(10);
    let calls = AtomicUsize::new(0);
    let denied = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        Err::<StsResult, _>(FetchError::<DelegationError>::Sts(StsError::Denied {
            code: "AccessDenied".into(),
            message: "Not authorized".into(),
        }))
    };
    let (first, lookup) = cache.get_or_fetch([7; 32], t0(), denied).await;
    assert!(matches!(
        first.map_err(as_delegation),
        Err(DelegationError::AccessDenied(_))
    ));
    assert_eq!(lookup, Lookup::Miss);
    let soon = t0() + Duration::from_secs(9);
    let (again, lookup) = cache.get_or_fetch([7; 32], soon, denied).await;
    assert!(matches!(
        again.map_err(as_delegation),
        Err(DelegationError::AccessDenied(_))
    ));
    assert_eq!(lookup, Lookup::Refused);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let later = t0() + Duration::from_secs(10);
    let (_, lookup) = cache.get_or_fetch([7; 32], later, denied).await;
    assert_eq!(lookup, Lookup::Miss);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn other_failures_are_not_kept() {
    let cache = cache(10);
    let calls = AtomicUsize::new(0);
    let unavailable = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        Err::<StsResult, _>(FetchError::<DelegationError>::Sts(StsError::Unavailable {
            reason: "503".into(),
            retry_after: None,
        }))
    };
    for _ in 0..2 {
        let (answer, lookup) = cache.get_or_fetch([8; 32], t0(), unavailable).await;
        assert!(matches!(
            answer.map_err(as_delegation),
            Err(DelegationError::Unavailable { .. })
        ));
        assert_eq!(lookup, Lookup::Miss);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(cache.is_empty());
}

#[derive(Debug, Default)]
struct Counts {
    evicted: AtomicUsize,
    hits: AtomicUsize,
}

impl CacheObserver for Counts {
    fn lookup(&self, lookup: Lookup) {
        if lookup == Lookup::Hit {
            self.hits.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn evicted(&self) {
        self.evicted.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn the_least_recently_used_entry_goes_first() {
    let counts = Arc::new(Counts::default());
    let cache = cache(2).with_observer(counts.clone());
    let calls = AtomicUsize::new(0);
    for key in [[10; 32], [11; 32]] {
        assert!(get(&cache, key, t0(), &calls, "ASIAX").await.0.is_ok());
    }
    // Using the first makes the second the oldest, so a third pushes the second out.
    assert_eq!(
        get(&cache, [10; 32], t0(), &calls, "X").await.1,
        Lookup::Hit
    );
    assert!(get(&cache, [12; 32], t0(), &calls, "ASIAX").await.0.is_ok());
    assert_eq!(counts.evicted.load(Ordering::SeqCst), 1);
    assert_eq!(cache.len(), 2);
    assert_eq!(
        get(&cache, [10; 32], t0(), &calls, "X").await.1,
        Lookup::Hit
    );
    assert_eq!(
        get(&cache, [11; 32], t0(), &calls, "X").await.1,
        Lookup::Miss
    );
    assert_eq!(counts.hits.load(Ordering::SeqCst), 2);
}
