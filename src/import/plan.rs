//! What the export becomes: the applications this server needs (AWS targets and the
//! callers they allow), the token issuer, the rules in order and their settings, and a
//! note for everything that did not carry over as it was.

use std::collections::BTreeMap;

use super::ImportError;
use super::client::planned_client;
use super::export::Export;
use super::keywords::Keywords;
use super::scan::{Finding, configuration_keys, scan};

/// Everything the files are written from.
#[derive(Debug)]
pub struct Plan {
    pub domain: String,
    pub domain_from: String,
    pub algorithms: Vec<String>,
    pub clients: Vec<PlannedClient>,
    pub rules: Vec<PlannedRule>,
    /// (key, value, where it came from); no value: the operator must set it.
    pub configuration: Vec<(String, Option<String>, String)>,
    /// Applications left out, with why.
    pub left_out: Vec<(String, String)>,
    /// What needs the operator's attention.
    pub attention: Vec<String>,
}

#[derive(Debug)]
pub struct PlannedClient {
    pub name: String,
    pub id: String,
    pub at: String,
    /// Its tokens are HS256: the secret must be supplied.
    pub needs_secret: bool,
    pub secret_encoded: bool,
    pub allowed_callers: Vec<String>,
    pub cors_origins: Vec<String>,
    /// (role, principal, lifetime) from `addons.aws`.
    pub aws: Option<(Option<String>, Option<String>, Option<u64>)>,
}

#[derive(Debug)]
pub struct PlannedRule {
    /// `rules/NN-name.js`.
    pub file: String,
    pub name: String,
    pub script: String,
    pub enabled: bool,
    pub at: String,
    pub findings: Vec<Finding>,
}

/// How the operator fills in what the export lacks.
#[derive(Debug, Default)]
pub struct Hints {
    pub tenant_domain: Option<String>,
    /// Application name → client ID (`--client-id`, or a Management API clients file).
    pub client_ids: BTreeMap<String, String>,
    pub keywords: Keywords,
}

pub fn plan(export: Export, hints: &Hints) -> Result<Plan, ImportError> {
    let (domain, domain_from) = match (&hints.tenant_domain, &export.domain) {
        (Some(d), _) => (d.clone(), "--tenant-domain".to_owned()),
        (None, Some((d, from))) => (d.clone(), from.clone()),
        (None, None) => {
            return Err(ImportError::new(
                "the export does not say the tenant's domain: give --tenant-domain (such as example.eu.auth0.com)",
            ));
        }
    };
    let domain = domain
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_owned();
    let exact = url::Url::parse(&format!("https://{domain}/")).is_ok_and(|u| {
        u.host_str() == Some(domain.as_str()) && u.path() == "/" && u.port().is_none()
    });
    if !exact {
        return Err(ImportError::new(format!(
            "the tenant domain `{domain}` ({domain_from}) is not a host name such as example.eu.auth0.com"
        )));
    }
    let mut attention = Vec::new();
    let mut left_out = Vec::new();
    // Every application with its client ID, when known.
    let ids: Vec<Option<String>> = export
        .clients
        .iter()
        .map(|c| {
            c.client_id
                .clone()
                .or_else(|| hints.client_ids.get(&c.name).cloned())
        })
        .collect();
    let mut by_id: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        let Some(id) = id.as_deref() else { continue };
        if let Some(first) = by_id.insert(id, i) {
            return Err(ImportError::new(format!(
                "{} and {} have the same client ID `{id}`",
                export.clients[first].at, export.clients[i].at
            )));
        }
    }
    // Targets (with the add-on), then the callers they allow.
    let mut needed: Vec<usize> = Vec::new();
    for (i, client) in export.clients.iter().enumerate() {
        if client.aws.is_some() {
            needed.push(i);
        }
    }
    let mut callers: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for &t in &needed.clone() {
        let target = &export.clients[t];
        let mut allowed = Vec::new();
        for id in &target.allowed_clients {
            match by_id.get(id.as_str()) {
                Some(&c) if c == t => {}
                Some(&c) => {
                    allowed.push(id.clone());
                    if !needed.contains(&c) {
                        needed.push(c);
                    }
                }
                None => attention.push(format!(
                    "`{}` allows client ID `{id}` (allowed_clients), which is not among the exported applications; it is left out of allowed_callers",
                    target.name
                )),
            }
        }
        if target.allowed_clients.is_empty() {
            attention.push(format!(
                "`{}` had an empty allowed_clients, which in Auth0 let every application of the tenant call delegation for it. Here only `{}` itself may until you list the callers it needs in allowed_callers",
                target.name, target.name
            ));
        }
        callers.insert(t, allowed);
    }
    let mut clients = Vec::new();
    for (i, client) in export.clients.iter().enumerate() {
        if !needed.contains(&i) {
            left_out.push((
                client.name.clone(),
                "no AWS add-on, and no application with one lists it in allowed_clients".into(),
            ));
            continue;
        }
        let Some(id) = ids[i].clone() else {
            left_out.push((
                client.name.clone(),
                format!("the export has no client ID for it (deploy-cli strips them): give --client-id \"{}=ID\"", client.name),
            ));
            attention.push(format!(
                "`{}` has no client ID: it is left out until you give --client-id \"{}=ID\"",
                client.name, client.name
            ));
            continue;
        };
        clients.push(planned_client(
            client,
            id,
            callers.remove(&i).unwrap_or_default(),
            &mut attention,
        )?);
    }
    let allowed: Vec<String> = clients.iter().map(|c| c.id.clone()).collect();
    for client in &mut clients {
        client.allowed_callers.retain(|id| allowed.contains(id));
    }
    let mut algorithms: Vec<String> = Vec::new();
    for client in export
        .clients
        .iter()
        .filter(|c| clients.iter().any(|p| p.name == c.name))
    {
        let alg = client.alg.clone().unwrap_or_else(|| "RS256".to_owned());
        if !algorithms.contains(&alg) {
            algorithms.push(alg);
        }
    }
    if algorithms.is_empty() {
        algorithms.push("RS256".to_owned());
    }
    let mut configuration: Vec<(String, Option<String>, String)> = export
        .rule_configs
        .iter()
        .map(|c| {
            let value = c
                .value
                .clone()
                .or_else(|| hints.keywords.get(&c.key).cloned());
            (c.key.clone(), value, c.at.clone())
        })
        .collect();
    // Settings rules read that the export does not list (the Management API's rules have
    // none): taken from --keyword when given there.
    for rule in &export.rules {
        for key in configuration_keys(&rule.script) {
            if configuration.iter().all(|(k, _, _)| *k != key)
                && let Some(value) = hints.keywords.get(&key)
            {
                configuration.push((key, Some(value.clone()), "--keyword".to_owned()));
            }
        }
    }
    for (i, (key, _, at)) in configuration.iter().enumerate() {
        if let Some((_, _, first)) = configuration[..i].iter().find(|(k, _, _)| k == key) {
            return Err(ImportError::new(format!(
                "rule setting `{key}` is given twice ({first} and {at})"
            )));
        }
    }
    for (key, value, _) in &configuration {
        if value.is_none() {
            attention.push(format!(
                "rule setting `{key}` has no value in the export (Auth0 never exports them): set it under [rules.configuration], or import again with --keyword {key}=VALUE"
            ));
        }
    }
    let settings: Vec<String> = configuration
        .iter()
        .filter(|(_, v, _)| v.is_some())
        .map(|(k, _, _)| k.clone())
        .collect();
    let rules = planned_rules(&export, &settings, &mut attention);
    Ok(Plan {
        domain,
        domain_from,
        algorithms,
        clients,
        rules,
        configuration,
        left_out,
        attention,
    })
}

fn planned_rules(
    export: &Export,
    settings: &[String],
    attention: &mut Vec<String>,
) -> Vec<PlannedRule> {
    let mut rules: Vec<&super::export::ExportRule> = Vec::new();
    for rule in &export.rules {
        if rule.stage == "login_success" {
            rules.push(rule);
        } else {
            attention.push(format!(
                "rule `{}` runs at stage `{}`, which has no counterpart in delegation: left out",
                rule.name, rule.stage
            ));
        }
    }
    rules.sort_by_key(|r| r.order);
    rules
        .iter()
        .enumerate()
        .map(|(i, rule)| PlannedRule {
            file: format!("rules/{:02}-{}.js", i + 1, file_name(&rule.name)),
            name: rule.name.clone(),
            script: rule.script.clone(),
            enabled: rule.enabled,
            at: rule.at.clone(),
            findings: scan(&rule.script, settings),
        })
        .collect()
}

/// A rule's name as a file name: lowercase letters, digits and dashes.
fn file_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() {
        "rule".to_owned()
    } else {
        out
    }
}
