//! Unit tests of `state::seal`.

use super::*;

#[test]
fn sealed_values_open_only_with_the_same_key_and_store_key() {
    let sealer = Sealer::new(&[7; 32]).unwrap();
    let sealed = sealer.seal(b"k1", b"secret credentials").unwrap();
    assert!(!sealed.windows(6).any(|w| w == b"secret"));
    assert_eq!(sealer.open(b"k1", &sealed).unwrap(), b"secret credentials");
    assert_eq!(sealer.open(b"k2", &sealed), Err(SealError::Open));
    let other = Sealer::new(&[8; 32]).unwrap();
    assert_eq!(other.open(b"k1", &sealed), Err(SealError::Open));
    let mut altered = sealed.clone();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    assert_eq!(sealer.open(b"k1", &altered), Err(SealError::Open));
    assert_eq!(sealer.open(b"k1", &sealed[..5]), Err(SealError::Open));
    assert_eq!(sealer.open(b"k1", b""), Err(SealError::Open));
    // A fresh nonce each time: the same value never seals to the same bytes.
    assert_ne!(
        sealer.seal(b"k1", b"x").unwrap(),
        sealer.seal(b"k1", b"x").unwrap()
    );
}
