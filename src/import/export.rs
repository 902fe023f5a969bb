//! What an Auth0 tenant export says, whatever its format: the applications, the rules and
//! the rule settings, each remembering where in the export it was read.

use serde_json::{Map, Value};

use super::ImportError;

/// A tenant export, read.
#[derive(Debug, Default)]
pub struct Export {
    /// `auth0-deploy-cli YAML`, `auth0-deploy-cli directory` or `Management API JSON`.
    pub format: &'static str,
    pub clients: Vec<ExportClient>,
    pub rules: Vec<ExportRule>,
    pub rule_configs: Vec<RuleConfig>,
    /// The tenant's domain and where it was found, when the export says it.
    pub domain: Option<(String, String)>,
}

/// One application.
#[derive(Debug, Clone)]
pub struct ExportClient {
    pub name: String,
    pub client_id: Option<String>,
    /// Where it was read, such as `clients/Web App.json`.
    pub at: String,
    /// `allowed_clients`: client IDs that may call delegation for this one; empty meant all.
    pub allowed_clients: Vec<String>,
    /// `web_origins` and `allowed_origins`, in that order, each once.
    pub origins: Vec<String>,
    /// `jwt_configuration.alg`; `None` when the export leaves it out.
    pub alg: Option<String>,
    /// `jwt_configuration.secret_encoded`.
    pub secret_encoded: bool,
    /// `addons.aws`, when the add-on is on.
    pub aws: Option<AwsAddon>,
}

/// The Amazon Web Services add-on of an application.
#[derive(Debug, Clone, Default)]
pub struct AwsAddon {
    pub role: Option<String>,
    pub principal: Option<String>,
    pub lifetime_in_seconds: Option<u64>,
}

/// One rule, with its script's text.
#[derive(Debug, Clone)]
pub struct ExportRule {
    pub name: String,
    pub script: String,
    pub order: i64,
    pub enabled: bool,
    /// `login_success` unless the export says otherwise.
    pub stage: String,
    pub at: String,
}

/// One rule setting (`rulesConfigs`); Auth0 never exports the value, so it is there only
/// when someone wrote it into the export or gave it with `--keyword`.
#[derive(Debug, Clone)]
pub struct RuleConfig {
    pub key: String,
    pub value: Option<String>,
    pub at: String,
}

/// Reads fields of one object, each problem naming `at` and the field.
struct Fields<'a> {
    object: &'a Map<String, Value>,
    at: &'a str,
}

impl<'a> Fields<'a> {
    fn new(value: &'a Value, at: &'a str) -> Result<Self, ImportError> {
        match value {
            Value::Object(object) => Ok(Self { object, at }),
            _ => Err(ImportError::new(format!("{at}: expected an object"))),
        }
    }

    fn problem(&self, field: &str, what: &str) -> ImportError {
        ImportError::new(format!("{}: field `{field}` {what}", self.at))
    }

    fn get(&self, path: &str) -> Option<&'a Value> {
        let mut value = self.object.get(path.split('.').next()?)?;
        for part in path.split('.').skip(1) {
            value = value.get(part)?;
        }
        Some(value).filter(|v| !v.is_null())
    }

    fn string(&self, path: &str) -> Result<Option<String>, ImportError> {
        match self.get(path) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.problem(path, "is not a string")),
        }
    }

    fn required(&self, path: &str) -> Result<String, ImportError> {
        self.string(path)?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| self.problem(path, "is missing"))
    }

    fn strings(&self, path: &str) -> Result<Vec<String>, ImportError> {
        match self.get(path) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or_else(|| self.problem(path, "is not a list of strings")),
            Some(_) => Err(self.problem(path, "is not a list of strings")),
        }
    }

    fn number(&self, path: &str) -> Result<Option<i64>, ImportError> {
        match self.get(path) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.problem(path, "is not a whole number")),
            // The dashboard stored some numbers as text.
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| self.problem(path, "is not a whole number")),
            Some(_) => Err(self.problem(path, "is not a whole number")),
        }
    }

    fn flag(&self, path: &str, default: bool) -> Result<bool, ImportError> {
        match self.get(path) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(self.problem(path, "is not true or false")),
        }
    }
}

/// An application from its Management API shape (which deploy-cli keeps).
pub fn client(value: &Value, at: &str) -> Result<ExportClient, ImportError> {
    let f = Fields::new(value, at)?;
    let mut origins = f.strings("web_origins")?;
    for origin in f.strings("allowed_origins")? {
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    let aws = match f.get("addons.aws") {
        None => None,
        Some(_) => Some(AwsAddon {
            role: f.string("addons.aws.role")?,
            principal: f.string("addons.aws.principal")?,
            lifetime_in_seconds: f
                .number("addons.aws.lifetime_in_seconds")?
                .map(|n| u64::try_from(n).unwrap_or(0)),
        }),
    };
    Ok(ExportClient {
        name: f.required("name")?,
        client_id: f.string("client_id")?.filter(|s| !s.is_empty()),
        at: at.to_owned(),
        allowed_clients: f.strings("allowed_clients")?,
        origins,
        alg: f.string("jwt_configuration.alg")?,
        secret_encoded: f.flag("jwt_configuration.secret_encoded", false)?,
        aws,
    })
}

/// A rule; `script` is its text, read by the caller from wherever the format keeps it.
pub fn rule(value: &Value, at: &str, script: String) -> Result<ExportRule, ImportError> {
    let f = Fields::new(value, at)?;
    Ok(ExportRule {
        name: f.required("name")?,
        script,
        order: f.number("order")?.unwrap_or(i64::MAX),
        enabled: f.flag("enabled", true)?,
        stage: f
            .string("stage")?
            .unwrap_or_else(|| "login_success".to_owned()),
        at: at.to_owned(),
    })
}

/// Where a rule's script is: inline (`Management API`) or a path (deploy-cli).
pub fn script_field(value: &Value, at: &str) -> Result<String, ImportError> {
    Fields::new(value, at)?.required("script")
}

/// Texts export tools write in place of a secret they leave out.
const REDACTED: [&str; 3] = ["_VALUE_NOT_SHOWN_", "********", "[REDACTED]"];

/// A rule setting: `{key, value}`.
pub fn rule_config(value: &Value, at: &str) -> Result<RuleConfig, ImportError> {
    let f = Fields::new(value, at)?;
    // A value an export tool masked is no value.
    let value = f
        .string("value")?
        .filter(|v| !REDACTED.contains(&v.as_str()));
    Ok(RuleConfig {
        key: f.required("key")?,
        value,
        at: at.to_owned(),
    })
}
