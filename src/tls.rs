//! Native TLS for the listener (`[server.tls]`): rustls with TLS 1.2 and 1.3 only, HTTP/1.1
//! by ALPN. The configuration is built with the rest of the app, so a reload picks up new
//! certificate files for new connections, and a bad file fails the reload, not a request.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::domain::Secret;

/// `[server.tls]`: PEM texts of the listener's certificate chain and private key.
#[derive(Debug, PartialEq)]
pub struct TlsSettings {
    pub cert_pem: String,
    pub key_pem: Secret,
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("server.tls.cert holds no PEM certificate")]
    NoCertificate,
    #[error("server.tls.cert: {0}")]
    Certificate(String),
    #[error("server.tls.key holds no usable PEM private key (PKCS#8, PKCS#1 or SEC1)")]
    NoKey,
    #[error("server.tls: {0}")]
    Config(String),
}

/// The rustls server configuration for `settings`.
pub fn server_config(settings: &TlsSettings) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let chain = CertificateDer::pem_slice_iter(settings.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Certificate(e.to_string()))?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate);
    }
    let key =
        PrivateKeyDer::from_pem_slice(settings.key_pem.expose()).map_err(|_| TlsError::NoKey)?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
