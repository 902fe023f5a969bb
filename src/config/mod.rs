//! Configuration: one TOML file, overridable by `DELEGATION_<SECTION>__<KEY>` environment
//! variables, validated once at start into typed [`Settings`]. Errors name the key.

pub(crate) mod file;
mod settings;
mod validate;
mod warnings;

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Toml};

pub use settings::{
    AwsDefaults, Backend, Client, IssuerKeys, IssuerSettings, LimitSettings, NoMatch,
    OutboundSettings, RulesConfig, SamlSettings, Secret, ServerSettings, Settings, StsSettings,
    TlsSettings,
};
pub use warnings::warnings;

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration: {0}")]
    Load(String),
    #[error("invalid configuration:\n{}", .0.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<String>),
}

/// Reads `path`, applies environment overrides and validates the result.
pub fn load(path: &Path) -> Result<Settings, ConfigError> {
    if !path.exists() {
        return Err(ConfigError::Load(format!(
            "{} does not exist (set --config or DELEGATION_CONFIG)",
            path.display()
        )));
    }
    let figment = Figment::from(Toml::file_exact(path)).merge(env_overrides());
    let raw: file::FileConfig = figment
        .extract()
        .map_err(|e| ConfigError::Load(describe_figment_error(e)))?;
    let base = path.parent().unwrap_or_else(|| Path::new("."));
    validate::validate(raw, base).map_err(ConfigError::Invalid)
}

/// `DELEGATION_SERVER__LISTEN=0.0.0.0:9000` sets `server.listen`; `DELEGATION_CONFIG` and
/// `DELEGATION_LOG` are read elsewhere and are not configuration keys.
pub(crate) fn env_overrides() -> Env {
    Env::prefixed("DELEGATION_")
        .filter(|key| key.as_str().contains("__"))
        .split("__")
}

fn describe_figment_error(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            if key.is_empty() {
                e.kind.to_string()
            } else {
                format!("{key}: {}", e.kind)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}
