//! `import auth0`: an Auth0 tenant export (auth0-deploy-cli's YAML or directory format, or
//! the Management API's JSON) read into this server's configuration, rule files and a
//! migration report (docs/migrating-from-auth0.md). Nothing here writes files: the result
//! is the files' paths and contents, which `cli` writes once they pass `check-config`.

mod client;
mod export;
mod keywords;
mod plan;
mod read;
mod render;
mod report;
mod scan;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use keywords::Keywords;
pub use plan::Hints;
pub use scan::Finding;

/// Why an export cannot be imported; the text names the file and field.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ImportError(String);

impl ImportError {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }
}

/// What `import auth0` was asked.
#[derive(Debug, Default)]
pub struct Options {
    /// A tenant.yaml or deploy-cli directory, or the Management API's clients and rules files.
    pub sources: Vec<PathBuf>,
    pub hints: Hints,
    /// A Management API clients file to take client IDs from, by application name.
    pub ids_from: Option<PathBuf>,
    /// A directory with saml.key and saml.crt to use instead of new ones.
    pub keys: Option<PathBuf>,
}

/// The files an import makes, relative to the output directory.
#[derive(Debug)]
pub struct Imported {
    pub files: Vec<(PathBuf, String)>,
    /// Whether `keys/saml.key` and `keys/saml.crt` are still to be made (no `--keys`).
    pub make_keys: bool,
    pub summary: String,
}

pub fn auth0(options: &Options) -> Result<Imported, ImportError> {
    let export = read::read(&options.sources, &options.hints.keywords)?;
    let mut hints = Hints {
        tenant_domain: options.hints.tenant_domain.clone(),
        client_ids: options.hints.client_ids.clone(),
        keywords: options.hints.keywords.clone(),
    };
    if let Some(file) = &options.ids_from {
        for (name, id) in ids_from(file)? {
            hints.client_ids.entry(name).or_insert(id);
        }
    }
    let source = format!(
        "{} ({})",
        export.format,
        options
            .sources
            .iter()
            .map(|s| s.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let plan = plan::plan(export, &hints)?;
    if plan.clients.is_empty() {
        let why: Vec<String> = plan
            .left_out
            .iter()
            .map(|(name, why)| format!("  - {name}: {why}"))
            .collect();
        return Err(ImportError::new(format!(
            "no application could be configured:\n{}",
            why.join("\n")
        )));
    }
    let keys = match &options.keys {
        Some(dir) => existing_keys(dir)?,
        None => render::KeyPaths {
            key: "keys/saml.key".into(),
            cert: "keys/saml.crt".into(),
        },
    };
    let mut files = vec![
        (
            PathBuf::from("delegation.toml"),
            render::render(&plan, &source, &keys),
        ),
        (
            PathBuf::from("MIGRATION.md"),
            report::report(&plan, &source),
        ),
    ];
    for rule in &plan.rules {
        files.push((PathBuf::from(&rule.file), rule.script.clone()));
    }
    Ok(Imported {
        files,
        make_keys: options.keys.is_none(),
        summary: report::summary(&plan),
    })
}

/// `--keys DIR`: its saml.key and saml.crt, by absolute path.
fn existing_keys(dir: &Path) -> Result<render::KeyPaths, ImportError> {
    let path = |name: &str| {
        let file = dir.join(name);
        std::fs::canonicalize(&file)
            .map(|p| p.display().to_string())
            .map_err(|e| ImportError::new(format!("--keys: {}: {e}", file.display())))
    };
    Ok(render::KeyPaths {
        key: path("saml.key")?,
        cert: path("saml.crt")?,
    })
}

/// Application name → client ID from a Management API clients file.
fn ids_from(file: &Path) -> Result<BTreeMap<String, String>, ImportError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| ImportError::new(format!("{}: cannot read: {e}", file.display())))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| ImportError::new(format!("{}: not JSON: {e}", file.display())))?;
    let Some(clients) = value.as_array() else {
        return Err(ImportError::new(format!(
            "{}: expected the JSON array GET /api/v2/clients returns",
            file.display()
        )));
    };
    let mut ids: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for (i, client) in clients.iter().enumerate() {
        let (Some(name), Some(id)) = (
            client.get("name").and_then(|v| v.as_str()),
            client.get("client_id").and_then(|v| v.as_str()),
        ) else {
            continue;
        };
        if let Some((first, _)) = ids.insert(name.to_owned(), (i, id.to_owned())) {
            return Err(ImportError::new(format!(
                "{}: [{first}] and [{i}] are both named `{name}`, so their client IDs cannot be told apart by name; give --client-id \"{name}=ID\" instead",
                file.display()
            )));
        }
    }
    Ok(ids.into_iter().map(|(name, (_, id))| (name, id)).collect())
}
