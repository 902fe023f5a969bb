//! The certificate authorities outbound HTTPS (JWKS, STS) trusts.
//!
//! Minimal container bases (distroless/static, scratch, slim images without
//! `ca-certificates`) have no system store, so by default the server also trusts Mozilla's
//! roots built into the binary and works out of the box. The system store is read once at
//! start, with the variables OpenSSL honours (`SSL_CERT_FILE`, `SSL_CERT_DIR`).

use std::fmt;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

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

/// `[outbound]`: trust for outbound HTTPS (JWKS and STS).
#[derive(Debug, PartialEq, Eq)]
pub struct OutboundSettings {
    pub ca_roots: CaRoots,
    /// Extra CA certificates (PEM), e.g. a private CA or an intercepting proxy's.
    pub ca_file_pem: Option<Vec<u8>>,
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

/// The trusted certificate authorities, loaded once at start and handed to every outbound
/// client: the JWKS fetcher (reqwest) and the STS transport (rustls directly).
#[derive(Debug, Clone, Default)]
pub struct Roots {
    certificates: Vec<CertificateDer<'static>>,
}

impl Roots {
    /// Only the Mozilla roots built into the binary, for clients built without a
    /// configuration (such as in tests): no system store is read.
    pub fn bundled() -> Self {
        Self {
            certificates: webpki_root_certs::TLS_SERVER_ROOT_CERTS.to_vec(),
        }
    }

    pub fn len(&self) -> usize {
        self.certificates.len()
    }

    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty()
    }

    /// The same roots as reqwest certificates.
    pub fn to_reqwest(&self) -> Vec<reqwest::Certificate> {
        self.certificates
            .iter()
            .filter_map(|der| reqwest::Certificate::from_der(der).ok())
            .collect()
    }

    /// The same roots as a rustls store; like reqwest, refuses a certificate rustls cannot
    /// use as a trust anchor rather than trusting fewer roots than configured.
    pub fn to_rustls(&self) -> Result<rustls::RootCertStore, rustls::Error> {
        let mut store = rustls::RootCertStore::empty();
        for certificate in &self.certificates {
            store.add(certificate.clone())?;
        }
        Ok(store)
    }
}

/// The roots for `choice`, plus the certificates of `extra_pem` (`outbound.ca_file`).
pub fn load(choice: CaRoots, extra_pem: Option<&[u8]>) -> Result<Roots, RootsError> {
    let mut certificates = Vec::new();
    if matches!(choice, CaRoots::System | CaRoots::SystemAndBundled) {
        // Unreadable files in the store are skipped, as OpenSSL does; an empty store is
        // only an error when nothing else is trusted.
        certificates.extend(rustls_native_certs::load_native_certs().certs);
        if certificates.is_empty() && choice == CaRoots::System {
            return Err(RootsError::NoSystemRoots);
        }
    }
    if matches!(choice, CaRoots::Bundled | CaRoots::SystemAndBundled) {
        certificates.extend(Roots::bundled().certificates);
    }
    if let Some(pem) = extra_pem {
        let extra = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| RootsError::ExtraFile(format!("not a PEM certificate bundle: {e}")))?;
        if extra.is_empty() {
            return Err(RootsError::ExtraFile("holds no certificate".into()));
        }
        certificates.extend(extra);
    }
    Ok(Roots { certificates })
}

#[cfg(test)]
#[path = "roots_tests.rs"]
mod tests;
