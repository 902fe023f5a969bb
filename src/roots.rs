//! The certificate authorities outbound HTTPS (JWKS, STS) trusts.
//!
//! Minimal container bases (distroless/static, scratch, slim images without
//! `ca-certificates`) have no system store, so by default the server also trusts Mozilla's
//! roots built into the binary and works out of the box. The system store is read once at
//! start, with the variables OpenSSL honours (`SSL_CERT_FILE`, `SSL_CERT_DIR`).

use std::fmt;

/// Which roots to trust, from `outbound.ca_roots`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaRoots {
    /// The system store plus the bundled Mozilla roots (the default).
    SystemAndBundled,
    /// Only the system store: refuse to start when it is empty.
    System,
    /// Only the bundled Mozilla roots: the system store is not read.
    Bundled,
}

impl CaRoots {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "system+bundled" => Some(Self::SystemAndBundled),
            "system" => Some(Self::System),
            "bundled" => Some(Self::Bundled),
            _ => None,
        }
    }
}

impl fmt::Display for CaRoots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SystemAndBundled => "system+bundled",
            Self::System => "system",
            Self::Bundled => "bundled",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RootsError {
    #[error(
        "outbound.ca_roots = \"system\", but no CA certificates were found in the system store (looked in the usual paths and SSL_CERT_FILE/SSL_CERT_DIR); install the ca-certificates package, or set outbound.ca_roots = \"system+bundled\" to trust the bundled Mozilla roots"
    )]
    NoSystemRoots,
    #[error("outbound.ca_file: {0}")]
    ExtraFile(String),
}

/// The roots to hand to every outbound HTTP client, loaded once at start.
pub fn load(
    choice: CaRoots,
    extra_pem: Option<&[u8]>,
) -> Result<Vec<reqwest::Certificate>, RootsError> {
    let mut roots = Vec::new();
    if matches!(choice, CaRoots::System | CaRoots::SystemAndBundled) {
        // Unreadable files in the store are skipped, as OpenSSL does; an empty store is
        // only an error when nothing else is trusted.
        for der in rustls_native_certs::load_native_certs().certs {
            if let Ok(cert) = reqwest::Certificate::from_der(&der) {
                roots.push(cert);
            }
        }
        if roots.is_empty() && choice == CaRoots::System {
            return Err(RootsError::NoSystemRoots);
        }
    }
    if matches!(choice, CaRoots::Bundled | CaRoots::SystemAndBundled) {
        for der in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
            if let Ok(cert) = reqwest::Certificate::from_der(der) {
                roots.push(cert);
            }
        }
    }
    if let Some(pem) = extra_pem {
        let extra = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| RootsError::ExtraFile(format!("not a PEM certificate bundle: {e}")))?;
        if extra.is_empty() {
            return Err(RootsError::ExtraFile("holds no certificate".into()));
        }
        roots.extend(extra);
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_roots_are_there_without_any_system_store() {
        let roots = load(CaRoots::Bundled, None).unwrap();
        assert!(roots.len() > 100, "{} roots", roots.len());
    }

    #[test]
    fn choices_parse_and_print_alike() {
        for choice in [CaRoots::SystemAndBundled, CaRoots::System, CaRoots::Bundled] {
            assert_eq!(CaRoots::parse(&choice.to_string()), Some(choice));
        }
        assert_eq!(CaRoots::parse("none"), None);
    }

    #[test]
    fn an_extra_file_must_hold_certificates() {
        assert!(load(CaRoots::Bundled, Some(b"not pem")).is_err());
    }
}
