//! Unit tests of `token::rsa`.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RSA_PSS_SHA512, RsaKeyPair};

use super::*;

fn components(pair: &RsaKeyPair) -> (String, String) {
    let public = pair.public_key();
    let n = public.modulus().big_endian_without_leading_zero();
    let e = public.exponent().big_endian_without_leading_zero();
    (URL_SAFE_NO_PAD.encode(n), URL_SAFE_NO_PAD.encode(e))
}

fn sign(pair: &RsaKeyPair, scheme: &'static dyn signature::RsaEncoding, input: &str) -> String {
    let mut out = vec![0; pair.public_modulus_len()];
    let signed = pair.sign(scheme, &SystemRandom::new(), input.as_bytes(), &mut out);
    assert!(signed.is_ok());
    URL_SAFE_NO_PAD.encode(out)
}

#[test]
fn each_scheme_verifies_only_its_own_signatures() {
    let Ok(pair) = RsaKeyPair::generate(KeySize::Rsa2048) else {
        panic!("key generation failed");
    };
    let (n, e) = components(&pair);
    let Some(key) = RsaKey::from_jwk_components(&n, &e) else {
        panic!("a valid key was refused");
    };
    let input = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0";
    let pkcs1 = sign(&pair, &RSA_PKCS1_SHA256, input);
    let pss = sign(&pair, &RSA_PSS_SHA512, input);
    let key_for = |alg| key.for_alg(alg).unwrap_or_else(|| panic!("{alg:?}"));

    assert_eq!(verify(&key_for(Algorithm::RS256), input, &pkcs1), Ok(()));
    assert_eq!(verify(&key_for(Algorithm::PS512), input, &pss), Ok(()));
    for (alg, signature) in [
        (Algorithm::RS384, &pkcs1),
        (Algorithm::PS256, &pkcs1),
        (Algorithm::RS512, &pss),
    ] {
        assert_eq!(
            verify(&key_for(alg), input, signature),
            Err(TokenError::Signature),
            "{alg:?}"
        );
    }
    let altered = format!("{input}x");
    assert_eq!(
        verify(&key_for(Algorithm::RS256), &altered, &pkcs1),
        Err(TokenError::Signature)
    );
    assert_eq!(
        verify(&key_for(Algorithm::RS256), input, "not base64url!"),
        Err(TokenError::Malformed("a part is not base64url"))
    );
    assert!(key.for_alg(Algorithm::ES256).is_none());
    assert!(key.for_alg(Algorithm::HS256).is_none());
}

#[test]
fn broken_components_give_no_key() {
    assert!(RsaKey::from_jwk_components("", "AQAB").is_none());
    assert!(RsaKey::from_jwk_components("AKxh", "AQAB").is_none());
    assert!(RsaKey::from_jwk_components("sXch", "not base64!").is_none());
}

#[test]
fn a_key_below_2048_bits_verifies_nothing_even_its_own_signatures() {
    // A 1024-bit key (e = 65537) and its PKCS#1 v1.5 SHA-256 signature of "a.b".
    const N: &str = "9CQ696Dwt7ItncfyFnACALfEIhboxzvDMP5ewFzWnrImpnscLnFfy19yO3VMJV5R_OiGwnUPDSlbZUaZv3wO3XDfQ6JwCMh1raqcz2SU8zEAfUIGFaRn-Eji7IwDP8SwresUw-n9HOS6n-nHNvDqQGFdnLPtch5TrOgR_0TMGiM";
    const SIGNATURE: &str = "P2JLgga78Fs-BinQRfRj4t47jTyoUiEgT4682EGpAFyadujMv5Z8g6iC6YTZVSISNIar1jGo7bSViMSrb9SK2fwujdW-GnuAcqNwGXcrQdWnHq2Ea_TcwjKQ0KVgSRWX474PN10Ux5SAfkgTLLxOWtlMGw9VY5gpCV0tdaSYY2w";
    let (n, signature) = match (URL_SAFE_NO_PAD.decode(N), URL_SAFE_NO_PAD.decode(SIGNATURE)) {
        (Ok(n), Ok(signature)) => (n, signature),
        _ => panic!("test constants are not base64url"),
    };
    // The signature is genuine: the legacy scheme, which allows 1024 bits, accepts it.
    let e = vec![1, 0, 1];
    let legacy = RsaPublicKeyComponents { n: &n, e: &e };
    assert!(
        legacy
            .verify(
                &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
                b"a.b",
                &signature
            )
            .is_ok()
    );
    let Some(small) = RsaKey::from_jwk_components(N, "AQAB") else {
        panic!("parsing defers the size check to verification");
    };
    let key = small.for_alg(Algorithm::RS256);
    assert_eq!(
        key.map(|k| verify(&k, "a.b", SIGNATURE)),
        Some(Err(TokenError::Signature))
    );
}
