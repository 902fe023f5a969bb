//! `import auth0`: reads a tenant export, writes the configuration, rules, keys and
//! MIGRATION.md into a new directory, and checks the result as `check-config` does. Nothing
//! is written unless all of it passes.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use crate::import::{self, Hints, Options};

/// What `import` reads.
#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// An Auth0 tenant export: auth0-deploy-cli's tenant.yaml or directory, or the
    /// Management API's clients and rules JSON (a directory holding clients.json and
    /// rules.json, or the two files one after the other).
    Auth0(Auth0Args),
}

#[derive(Debug, Args)]
pub struct Auth0Args {
    /// The export: a tenant.yaml, a deploy-cli directory, or clients.json and rules.json.
    #[arg(required = true, num_args = 1..=2, value_name = "SOURCE")]
    sources: Vec<PathBuf>,
    /// The directory to write into; it must not exist or be empty.
    #[arg(long)]
    out: PathBuf,
    /// The tenant's domain, such as example.eu.auth0.com, when the export does not say it.
    #[arg(long)]
    tenant_domain: Option<String>,
    /// A value for a placeholder (##KEY## or @@KEY@@) or a rule setting. Repeatable.
    #[arg(long = "keyword", value_name = "KEY=VALUE")]
    keywords: Vec<String>,
    /// The client ID of an application the export names without one. Repeatable.
    #[arg(long = "client-id", value_name = "NAME=ID")]
    client_ids: Vec<String>,
    /// A Management API clients file (GET /api/v2/clients) to take client IDs from.
    #[arg(long)]
    ids_from: Option<PathBuf>,
    /// A directory holding saml.key and saml.crt to use instead of new ones.
    #[arg(long)]
    keys: Option<PathBuf>,
}

/// What `check-config` checks, on the file as written (the environment's overrides are for
/// the server that later runs it, not for judging what was made).
fn check(config: &Path) -> Result<(), String> {
    let settings = crate::config::load_exact(config).map_err(|e| e.to_string())?;
    let app = crate::app::App::build(settings, std::sync::Arc::new(crate::app::SystemClock))
        .map_err(|e| e.to_string())?;
    print!("{}", super::summary(&app.settings, app.signer.key_bits()));
    Ok(())
}

/// `KEY=VALUE` pairs, each key once.
fn pairs(
    list: &[String],
    flag: &str,
) -> Result<std::collections::BTreeMap<String, String>, String> {
    let mut out = std::collections::BTreeMap::new();
    for item in list {
        let Some((key, value)) = item.split_once('=').filter(|(k, _)| !k.is_empty()) else {
            return Err(format!("{flag} `{item}`: expected NAME=VALUE"));
        };
        if out.insert(key.to_owned(), value.to_owned()).is_some() {
            return Err(format!("{flag}: `{key}` is given twice"));
        }
    }
    Ok(out)
}

pub(super) fn import(source: ImportSource) -> Result<(), String> {
    let ImportSource::Auth0(args) = source;
    let options = Options {
        sources: args.sources,
        hints: Hints {
            tenant_domain: args.tenant_domain,
            client_ids: pairs(&args.client_ids, "--client-id")?,
            keywords: pairs(&args.keywords, "--keyword")?,
        },
        ids_from: args.ids_from,
        keys: args.keys,
    };
    let imported = import::auth0(&options).map_err(|e| e.to_string())?;
    let out = &args.out;
    let empty = match std::fs::read_dir(out) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => return Err(format!("{}: {e}", out.display())),
    };
    if !empty {
        return Err(format!(
            "{} is not empty; name a new directory with --out",
            out.display()
        ));
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".import-")
        .tempdir_in(parent)
        .map_err(|e| format!("{}: {e}", parent.display()))?;
    for (path, text) in &imported.files {
        let file = staging.path().join(path);
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        // The configuration holds rule settings (and later client secrets): owner only.
        if path.as_os_str() == "delegation.toml" {
            super::keygen::write_private(&file, text.as_bytes())?;
        } else {
            std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display()))?;
        }
    }
    if imported.make_keys {
        super::keygen::write_saml_keys(&staging.path().join("keys"), "delegation-server")?;
    }
    let config = staging.path().join("delegation.toml");
    check(&config).map_err(|e| {
        format!("the configuration made from the export does not pass check-config (nothing was written):\n{e}")
    })?;
    let _ = std::fs::remove_dir(out);
    let staged = staging.keep();
    std::fs::rename(&staged, out).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staged);
        let _ = std::fs::create_dir(out);
        format!("cannot move the result to {}: {e}", out.display())
    })?;
    println!("wrote {}: {}", out.display(), imported.summary);
    Ok(())
}
