//! Reading a tenant export in any of the three formats into an [`Export`]: auth0-deploy-cli
//! YAML (`tenant.yaml`, scripts referenced by path), auth0-deploy-cli directories
//! (`clients/*.json`, `rules/*.json` and their `.js`, `rules-configs/*.json`) and the
//! Management API's JSON arrays (`clients.json`, `rules.json`). Every file is read with its
//! keyword placeholders replaced.

use std::path::{Path, PathBuf};

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

use super::ImportError;
use super::export::{self, Export};
use super::keywords::{self, Keywords};

/// Reads the export `sources` name: one file or directory, or the Management API's
/// clients and rules files one after the other.
pub fn read(sources: &[PathBuf], keywords: &Keywords) -> Result<Export, ImportError> {
    let reader = Reader {
        keywords: Some(keywords),
    };
    let mut export = match sources {
        [clients, rules] => reader.management(clients, Some(rules))?,
        [one] if one.is_dir() && one.join("tenant.yaml").is_file() => {
            reader.yaml(&one.join("tenant.yaml"))?
        }
        [one] if one.is_dir() && one.join("clients.json").is_file() => {
            let rules = one.join("rules.json");
            reader.management(
                &one.join("clients.json"),
                Some(rules.as_path()).filter(|r| r.is_file()),
            )?
        }
        [one] if one.is_dir() => reader.directory(one)?,
        [one] if one.is_file() => match one.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => reader.yaml(one)?,
            _ => reader.management(one, None)?,
        },
        [one] => {
            return Err(ImportError::new(format!(
                "{}: no such file or directory",
                one.display()
            )));
        }
        _ => {
            return Err(ImportError::new(
                "name the export: a tenant.yaml, a deploy-cli directory, or the Management API's clients and rules files",
            ));
        }
    };
    if export.domain.is_none() {
        let base = sources
            .first()
            .map(|s| if s.is_dir() { s.clone() } else { parent(s) });
        if let Some(config) = base.map(|b| b.join("config.json")).filter(|c| c.is_file()) {
            let value = reader.json(&config)?;
            if let Some(domain) = value.get("AUTH0_DOMAIN").and_then(Value::as_str) {
                export.domain = Some((
                    domain.to_owned(),
                    format!("{} AUTH0_DOMAIN", config.display()),
                ));
            }
        }
    }
    // By name, whatever order the format lists them in.
    export.clients.sort_by(|a, b| a.name.cmp(&b.name));
    // deploy-cli identifies applications by name; the Management API by client ID (which
    // the plan checks), and Auth0 allows two applications one name.
    let by_name = export.format != MANAGEMENT;
    if let Some(pair) = export
        .clients
        .windows(2)
        .find(|w| by_name && w[0].name == w[1].name)
    {
        return Err(ImportError::new(format!(
            "two applications are named `{}` ({} and {}); deploy-cli identifies applications by name, so rename one in the export",
            pair[0].name, pair[0].at, pair[1].at
        )));
    }
    Ok(export)
}

const MANAGEMENT: &str = "Management API JSON";

fn parent(path: &Path) -> PathBuf {
    path.parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

struct Reader<'k> {
    /// `None`: the files are read as they are (the Management API's answers).
    keywords: Option<&'k Keywords>,
}

impl Reader<'_> {
    /// A file's text with its placeholders replaced.
    fn text(&self, path: &Path) -> Result<String, ImportError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ImportError::new(format!("{}: cannot read: {e}", path.display())))?;
        let Some(keywords) = self.keywords else {
            return Ok(text);
        };
        keywords::replace(&text, keywords).map_err(|missing| {
            ImportError::new(format!(
                "{}: {} has no value; give it with --keyword NAME=VALUE",
                path.display(),
                missing.join(", ")
            ))
        })
    }

    fn json(&self, path: &Path) -> Result<Value, ImportError> {
        serde_json::from_str(&self.text(path)?)
            .map_err(|e| ImportError::new(format!("{}: not JSON: {e}", path.display())))
    }

    fn yaml(&self, path: &Path) -> Result<Export, ImportError> {
        let text = self.text(path)?;
        // deploy-cli never writes aliases, and a few nested ones expand to more than any
        // memory holds: refused before anything is built.
        if has_alias(&text) {
            return Err(ImportError::new(format!(
                "{}: uses YAML aliases (*name), which a deploy-cli export never has",
                path.display()
            )));
        }
        let docs = YamlLoader::load_from_str(&text)
            .map_err(|e| ImportError::new(format!("{}: not YAML: {e}", path.display())))?;
        let tenant = docs.first().map(yaml_to_json).unwrap_or(Value::Null);
        let name = path.display().to_string();
        let base = parent(path);
        let mut export = Export {
            format: "auth0-deploy-cli YAML",
            ..Export::default()
        };
        for (i, value) in list(&tenant, "clients", &name)?.iter().enumerate() {
            export
                .clients
                .push(export::client(value, &format!("{name} clients[{i}]"))?);
        }
        for (i, value) in list(&tenant, "rules", &name)?.iter().enumerate() {
            let at = format!("{name} rules[{i}]");
            let script = self.script(&base, &export::script_field(value, &at)?, &at)?;
            export.rules.push(export::rule(value, &at, script)?);
        }
        for (i, value) in list(&tenant, "rulesConfigs", &name)?.iter().enumerate() {
            export.rule_configs.push(export::rule_config(
                value,
                &format!("{name} rulesConfigs[{i}]"),
            )?);
        }
        Ok(export)
    }

    fn directory(&self, dir: &Path) -> Result<Export, ImportError> {
        let known = ["clients", "rules", "rules-configs"]
            .iter()
            .any(|d| dir.join(d).is_dir());
        if !known && !dir.join("tenant.json").is_file() {
            return Err(ImportError::new(format!(
                "{}: neither tenant.yaml, clients.json, nor deploy-cli's clients/ and rules/ folders",
                dir.display()
            )));
        }
        let mut export = Export {
            format: "auth0-deploy-cli directory",
            ..Export::default()
        };
        for path in json_files(&dir.join("clients"))? {
            export.clients.push(export::client(
                &self.json(&path)?,
                &path.display().to_string(),
            )?);
        }
        let rules_dir = dir.join("rules");
        for path in json_files(&rules_dir)? {
            let at = path.display().to_string();
            let value = self.json(&path)?;
            let script = self.script(&rules_dir, &export::script_field(&value, &at)?, &at)?;
            export.rules.push(export::rule(&value, &at, script)?);
        }
        for path in json_files(&dir.join("rules-configs"))? {
            let at = path.display().to_string();
            export
                .rule_configs
                .push(export::rule_config(&self.json(&path)?, &at)?);
        }
        Ok(export)
    }

    /// The Management API's answers are the tenant's data, never templated: read as they
    /// are, without keyword replacement.
    fn management(&self, clients: &Path, rules: Option<&Path>) -> Result<Export, ImportError> {
        let mut export = Export {
            format: MANAGEMENT,
            ..Export::default()
        };
        let raw = Reader { keywords: None };
        let name = clients.display().to_string();
        for (i, value) in array(&raw.json(clients)?, &name)?.iter().enumerate() {
            export
                .clients
                .push(export::client(value, &format!("{name}[{i}]"))?);
        }
        if let Some(rules) = rules {
            let name = rules.display().to_string();
            for (i, value) in array(&raw.json(rules)?, &name)?.iter().enumerate() {
                let at = format!("{name}[{i}]");
                let script = export::script_field(value, &at)?;
                export.rules.push(export::rule(value, &at, script)?);
            }
        }
        Ok(export)
    }

    /// A rule's script file, `reference` relative to `base`, which it may not leave: an
    /// export names its own files, never others on this machine.
    fn script(&self, base: &Path, reference: &str, at: &str) -> Result<String, ImportError> {
        let path = base.join(reference);
        if !path.is_file() {
            return Err(ImportError::new(format!(
                "{at}: field `script` names {}, which does not exist",
                path.display()
            )));
        }
        let inside = match (path.canonicalize(), base.canonicalize()) {
            (Ok(file), Ok(root)) => file.starts_with(root),
            _ => false,
        };
        if !inside {
            return Err(ImportError::new(format!(
                "{at}: field `script` names {}, which is outside {}",
                path.display(),
                base.display()
            )));
        }
        self.text(&path)
    }
}

/// Whether the YAML text has an alias event (parse errors are left to the loader).
fn has_alias(text: &str) -> bool {
    let mut parser = yaml_rust2::parser::Parser::new_from_str(text);
    while let Ok((event, _)) = parser.next_token() {
        match event {
            yaml_rust2::Event::Alias(_) => return true,
            yaml_rust2::Event::StreamEnd => return false,
            _ => {}
        }
    }
    false
}

/// The `.json` files of `dir`, by name; none when it does not exist.
fn json_files(dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| ImportError::new(format!("{}: cannot read: {e}", dir.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    Ok(files)
}

fn list<'v>(tenant: &'v Value, key: &str, name: &str) -> Result<&'v [Value], ImportError> {
    match tenant.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(ImportError::new(format!("{name}: `{key}` is not a list"))),
    }
}

fn array<'v>(value: &'v Value, name: &str) -> Result<&'v [Value], ImportError> {
    value.as_array().map(Vec::as_slice).ok_or_else(|| {
        ImportError::new(format!(
            "{name}: expected a JSON array, as the Management API returns"
        ))
    })
}

/// YAML as JSON; keys that are not strings are written as text.
fn yaml_to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Real(text) => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(text.clone()), Value::Number),
        Yaml::Integer(n) => Value::from(*n),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(items) => Value::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Hash(hash) => Value::Object(
            hash.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s.clone(),
                        Yaml::Integer(n) => n.to_string(),
                        Yaml::Boolean(b) => b.to_string(),
                        other => format!("{other:?}"),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        _ => Value::Null,
    }
}
