//! `delegation.toml` from a [`Plan`]: every key set from the export says, in a comment,
//! where in the export its value came from.

use std::fmt::Write;

use super::plan::{Plan, PlannedClient};

/// Where the SAML key and certificate are, relative to the configuration or absolute.
pub struct KeyPaths {
    pub key: String,
    pub cert: String,
}

/// Text from the export made safe inside a `#` comment: a line break there would end the
/// comment and let the rest be read as TOML.
fn comment(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A TOML basic string: quotes and backslashes escaped, and every control character
/// (DEL included, which TOML refuses raw) as `\uXXXX`.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A bare key when TOML allows one, else quoted.
fn key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { name.to_owned() } else { quote(name) }
}

pub fn render(plan: &Plan, source: &str, keys: &KeyPaths) -> String {
    let mut t = String::new();
    let d = &plan.domain;
    let source = comment(source);
    let _ = writeln!(
        t,
        "# Written by `delegation-server import auth0` from {source}.\n\
         # Each key taken from the export names where it was read; MIGRATION.md beside this\n\
         # file lists what is left to do, and config/delegation.toml in the distribution\n\
         # documents every key.\n"
    );
    let _ = writeln!(t, "[server]\nlisten = \"0.0.0.0:8080\"\n");
    let _ = writeln!(
        t,
        "[saml]\n\
         # Auth0's SAML issuer for the tenant, so trust policies that test saml:iss keep working.\n\
         issuer = {}\n\
         signing_key = {}\n\
         signing_cert = {}\n",
        quote(&format!("urn:{d}")),
        quote(&keys.key),
        quote(&keys.cert)
    );
    let _ = writeln!(
        t,
        "[[issuers]]\n\
         # The tenant ({}).\n\
         issuer = {}\n\
         jwks_uri = {}\n\
         # jwt_configuration.alg of the applications below.\n\
         algorithms = {}\n",
        comment(&plan.domain_from),
        quote(&format!("https://{d}/")),
        quote(&format!("https://{d}/.well-known/jwks.json")),
        list(&plan.algorithms)
    );
    for client in &plan.clients {
        render_client(&mut t, client);
    }
    render_rules(&mut t, plan);
    t
}

fn render_client(t: &mut String, c: &PlannedClient) {
    let _ = writeln!(t, "# {} ({})", comment(&c.name), comment(&c.at));
    let _ = writeln!(
        t,
        "[[clients]]\nclient_id = {}\nname = {}",
        quote(&c.id),
        quote(&c.name)
    );
    if c.needs_secret {
        let _ = writeln!(
            t,
            "# jwt_configuration.alg is HS256: copy the client secret from the Auth0 dashboard.\n\
             # client_secret = \"\""
        );
        if c.secret_encoded {
            let _ = writeln!(
                t,
                "# jwt_configuration.secret_encoded\nclient_secret_base64 = true"
            );
        }
    }
    let _ = writeln!(
        t,
        "# allowed_clients\nallowed_callers = {}",
        list(&c.allowed_callers)
    );
    let _ = writeln!(
        t,
        "# web_origins and allowed_origins\ncors_origins = {}",
        list(&c.cors_origins)
    );
    if let Some((role, principal, lifetime)) = &c.aws {
        let _ = writeln!(t, "# addons.aws\n[clients.aws]");
        if let Some(role) = role {
            let _ = writeln!(t, "role = {}", quote(role));
        }
        if let Some(principal) = principal {
            let _ = writeln!(
                t,
                "# Auth0's SAML provider: point this at the one made from this server's metadata\n\
                 # (MIGRATION.md, \"The AWS side\").\n\
                 principal = {}",
                quote(principal)
            );
        }
        if let Some(lifetime) = lifetime {
            let _ = writeln!(t, "lifetime_in_seconds = {lifetime}");
        }
    }
    t.push('\n');
}

fn render_rules(t: &mut String, plan: &Plan) {
    let _ = writeln!(
        t,
        "[rules]\n# In Auth0's order; disabled rules are written but not listed.\nfiles = ["
    );
    for rule in &plan.rules {
        let entry = format!("{},", quote(&rule.file));
        let (name, at) = (comment(&rule.name), comment(&rule.at));
        if rule.enabled {
            let _ = writeln!(t, "  {entry} # {name} ({at})");
        } else {
            let _ = writeln!(t, "  # {entry} # {name} ({at}), disabled in Auth0");
        }
    }
    let _ = writeln!(t, "]\n\n[rules.configuration]");
    for (name, value, at) in &plan.configuration {
        match value {
            Some(value) => {
                let _ = writeln!(t, "# {}\n{} = {}", comment(at), key(name), quote(value));
            }
            None => {
                let _ = writeln!(
                    t,
                    "# {}: the export has no value; set it.\n# {} = \"\"",
                    comment(at),
                    key(name)
                );
            }
        }
    }
}
