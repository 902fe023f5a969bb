//! `keygen`: the SAML signing key and certificate, or the OIDC issuer's key, written so only
//! the owner can read the private key.

use std::path::Path;

use crate::saml;

pub(super) fn keygen(out: &Path, common_name: &str, force: bool) -> Result<(), String> {
    let key_path = out.join("saml.key");
    let cert_path = out.join("saml.crt");
    if !force && (key_path.exists() || cert_path.exists()) {
        return Err(format!(
            "{} already holds keys; pass --force to replace them",
            out.display()
        ));
    }
    write_saml_keys(out, common_name)?;
    println!("wrote {} and {}", key_path.display(), cert_path.display());
    Ok(())
}

/// A new SAML signing key (saml.key, readable by the owner only) and its self-signed
/// certificate (saml.crt) in `out`.
pub(super) fn write_saml_keys(out: &Path, common_name: &str) -> Result<(), String> {
    let (key, cert) = saml::generate_key_and_certificate(common_name).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let cert_path = out.join("saml.crt");
    write_private(&out.join("saml.key"), key.as_bytes())?;
    std::fs::write(&cert_path, cert)
        .map_err(|e| format!("cannot write {}: {e}", cert_path.display()))
}

pub(super) fn keygen_oidc(
    out: &Path,
    algorithm: super::OidcAlgorithm,
    force: bool,
) -> Result<(), String> {
    let key_path = out.join("oidc.key");
    if !force && key_path.exists() {
        return Err(format!(
            "{} already exists; pass --force to replace it",
            key_path.display()
        ));
    }
    let (key, what) = match algorithm {
        super::OidcAlgorithm::Es256 => (crate::issuer::generate_ec_key(), "EC P-256, ES256"),
        super::OidcAlgorithm::Rs256 => (crate::issuer::generate_rsa_key(), "RSA-2048, RS256"),
    };
    let key = key.map_err(|e| e.to_string())?;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    write_private(&key_path, key.as_bytes())?;
    println!("wrote {} ({what})", key_path.display());
    Ok(())
}

pub(super) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let fail = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(fail)?;
    // `mode` applies only to new files; a key replaced with --force must be private too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(fail)?;
    }
    file.write_all(bytes).map_err(fail)
}
