//! Configuration: one TOML file, overridable by `DELEGATION_<SECTION>__<KEY>` environment
//! variables, validated once at start into typed [`Settings`]. Errors name the key.

mod env;
pub(crate) mod file;
mod settings;
mod validate;
mod warnings;

use std::path::Path;

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};

pub use settings::{AwsDefaults, Client, NoMatch, SamlSettings, ServerSettings, Settings};
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
    load_with(path, true)
}

/// Reads and validates `path` as written, without environment overrides: what a tool that
/// writes a configuration checks it has written.
pub fn load_exact(path: &Path) -> Result<Settings, ConfigError> {
    load_with(path, false)
}

fn load_with(path: &Path, overrides: bool) -> Result<Settings, ConfigError> {
    if !path.exists() {
        return Err(ConfigError::Load(format!(
            "{} does not exist (set --config or DELEGATION_CONFIG)",
            path.display()
        )));
    }
    let figment = if overrides {
        with_env_overrides(path)?
    } else {
        Figment::from(Toml::file_exact(path))
    };
    let raw: file::FileConfig = figment
        .extract()
        .map_err(|e| ConfigError::Load(describe_figment_error(e)))?;
    let base = path.parent().unwrap_or_else(|| Path::new("."));
    validate::validate(raw, base).map_err(ConfigError::Invalid)
}

/// The file at `path` with the environment's overrides applied (see `env.rs`):
/// `DELEGATION_SERVER__LISTEN=0.0.0.0:9000` sets `server.listen`, and
/// `DELEGATION_ISSUERS__0__JWKS_URI` the first issuer's `jwks_uri`.
pub(crate) fn with_env_overrides(path: &Path) -> Result<Figment, ConfigError> {
    let mut tree: figment::value::Dict = Figment::from(Toml::file_exact(path))
        .extract()
        .map_err(|e| ConfigError::Load(describe_figment_error(e)))?;
    // Variables whose name or value is not UTF-8 cannot be configuration: skipped.
    let vars = std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)));
    env::apply(&mut tree, vars).map_err(ConfigError::Load)?;
    Ok(Figment::from(Serialized::defaults(tree)))
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
