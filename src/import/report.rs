//! MIGRATION.md: what each application and rule became, what in the rules works
//! differently here, the AWS side step by step, and what cannot be carried over.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::plan::Plan;

/// The summary printed after an import.
pub fn summary(plan: &Plan) -> String {
    let targets = plan.clients.iter().filter(|c| c.aws.is_some()).count();
    let enabled = plan.rules.iter().filter(|r| r.enabled).count();
    let findings: usize = plan.rules.iter().map(|r| r.findings.len()).sum();
    format!(
        "{targets} application(s) with the AWS add-on, {} caller(s), {} left out; {enabled} rule(s) enabled of {} written, {findings} finding(s) in them; {} item(s) need your attention (MIGRATION.md)",
        plan.clients.len() - targets,
        plan.left_out.len(),
        plan.rules.len(),
        plan.attention.len()
    )
}

pub fn report(plan: &Plan, source: &str) -> String {
    let mut r = String::new();
    let _ = writeln!(r, "# Migrating {} from Auth0\n", plan.domain);
    let _ = writeln!(r, "Imported from {source}.\n\n{}.\n", summary(plan));
    let _ = writeln!(r, "## Needs your attention\n");
    if plan.attention.is_empty() {
        let _ = writeln!(r, "Nothing.\n");
    }
    for item in &plan.attention {
        let _ = writeln!(r, "- {item}");
    }
    applications(&mut r, plan);
    rules(&mut r, plan);
    aws_side(&mut r, plan);
    let _ = writeln!(
        r,
        "## What cannot be carried over\n\n\
         - **Auth0's signing key.** Auth0 never hands out the key it signed assertions with,\n  \
           so AWS must trust this server's certificate instead: that is the new IAM SAML\n  \
           provider above. Until the trust policies name it, keep Auth0 running.\n\
         - **refresh_token delegation.** Auth0 checked refresh tokens itself. Here a\n  \
           refresh token is redeemed at the tenant's token endpoint for a fresh id_token:\n  \
           add `token_endpoint = \"https://{}/oauth/token\"` to `[[issuers]]` and\n  \
           `[clients.refresh] enabled = true` (with the client's secret, unless it is a\n  \
           public client) to each application that sends refresh tokens. A rotated refresh\n  \
           token comes back in the answer's `refresh_token`.\n",
        plan.domain
    );
    r
}

fn applications(r: &mut String, plan: &Plan) {
    let _ = writeln!(r, "\n## Applications\n");
    let _ = writeln!(
        r,
        "| Application | Client ID | Became | Role | Principal | Callers | Origins |"
    );
    let _ = writeln!(r, "|---|---|---|---|---|---|---|");
    for c in &plan.clients {
        let (became, role, principal) = match &c.aws {
            Some((role, principal, lifetime)) => (
                format!(
                    "AWS target{}",
                    lifetime.map(|l| format!(", {l} s")).unwrap_or_default()
                ),
                role.clone().unwrap_or_else(|| "(none)".into()),
                principal.clone().unwrap_or_else(|| "(none)".into()),
            ),
            None => ("caller".to_owned(), "-".into(), "-".into()),
        };
        let callers = if c.allowed_callers.is_empty() {
            "itself".to_owned()
        } else {
            c.allowed_callers.join(", ")
        };
        let _ = writeln!(
            r,
            "| {} | `{}` | {became} | `{role}` | `{principal}` | {callers} | {} |",
            c.name,
            c.id,
            c.cors_origins.join(", ")
        );
    }
    if !plan.left_out.is_empty() {
        let _ = writeln!(r, "\nLeft out:\n");
        for (name, why) in &plan.left_out {
            let _ = writeln!(r, "- `{name}`: {why}");
        }
    }
}

fn rules(r: &mut String, plan: &Plan) {
    let _ = writeln!(r, "\n## Rules\n");
    if plan.rules.is_empty() {
        let _ = writeln!(r, "The export has no rules that run at login.");
    }
    for rule in &plan.rules {
        let state = if rule.enabled {
            "enabled"
        } else {
            "disabled in Auth0: written, not listed in [rules] files"
        };
        let _ = writeln!(
            r,
            "### `{}`: {} ({state})\n\nFrom {}.\n",
            rule.file, rule.name, rule.at
        );
        if rule.findings.is_empty() {
            let _ = writeln!(r, "Nothing in it works differently here.\n");
        }
        for f in &rule.findings {
            let _ = writeln!(
                r,
                "- {}:{}: {}. To do: {}.",
                rule.file, f.line, f.what, f.todo
            );
        }
        if !rule.findings.is_empty() {
            r.push('\n');
        }
    }
}

/// Role ARNs the add-ons name and the rules' scripts mention.
fn roles(plan: &Plan) -> BTreeSet<String> {
    let mut roles: BTreeSet<String> = plan
        .clients
        .iter()
        .filter_map(|c| c.aws.as_ref()?.0.clone())
        .collect();
    for rule in &plan.rules {
        for (at, _) in rule.script.match_indices("arn:aws") {
            let text = rule.script.get(at..).unwrap_or_default();
            let end = text
                .find(|c: char| {
                    c.is_whitespace() || matches!(c, '\'' | '"' | '`' | ',' | ')' | ';')
                })
                .unwrap_or(text.len());
            let arn = text.get(..end).unwrap_or_default();
            if arn.contains(":role/") {
                roles.insert(arn.to_owned());
            }
        }
    }
    // Only real role ARNs with names IAM allows: these go into shell commands.
    roles.retain(|arn| {
        let name = arn.rsplit('/').next().unwrap_or_default();
        crate::domain::RoleArn::parse(arn).is_ok()
            && !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    });
    roles
}

fn aws_side(r: &mut String, plan: &Plan) {
    let _ = writeln!(
        r,
        "\n## The AWS side\n\n\
         1. Start this server, then create an IAM SAML provider that trusts its certificate\n   \
            (in each AWS account that holds the roles):\n\n   \
            ```sh\n   \
            delegation-server metadata > delegation-idp.xml   # or: curl https://YOUR-SERVER/samlp/metadata\n   \
            aws iam create-saml-provider --name delegation-server --saml-metadata-document file://delegation-idp.xml\n   \
            ```\n\n   \
            A client switched to `backend = \"web_identity\"` needs an IAM OIDC provider for\n   \
            `[oidc_provider] url` instead, made from `https://YOUR-SERVER/.well-known/openid-configuration`:\n\n   \
            ```sh\n   \
            aws iam create-open-id-connect-provider --url https://YOUR-SERVER --client-id-list sts.amazonaws.com\n   \
            ```\n\n\
         2. Add the new provider to each role's trust policy, beside Auth0's (the principal ARN\n   \
            changes; the roles below are those the add-ons name and the rules mention):\n"
    );
    for role in roles(plan) {
        let name = role.rsplit('/').next().unwrap_or(&role);
        let account = role.split(':').nth(4).unwrap_or("ACCOUNT");
        let _ = writeln!(
            r,
            "   - `{role}`:\n\n     \
             ```sh\n     \
             aws iam get-role --role-name {name} --query Role.AssumeRolePolicyDocument > trust-{name}.json\n     \
             # add to Statement: {{\"Effect\": \"Allow\", \"Action\": \"sts:AssumeRoleWithSAML\",\n     \
             #   \"Principal\": {{\"Federated\": \"arn:aws:iam::{account}:saml-provider/delegation-server\"}},\n     \
             #   \"Condition\": {{\"StringEquals\": {{\"SAML:aud\": \"https://signin.aws.amazon.com/saml\"}}}}}}\n     \
             aws iam update-assume-role-policy --role-name {name} --policy-document file://trust-{name}.json\n     \
             ```\n"
        );
    }
    let _ = writeln!(
        r,
        "3. In delegation.toml, point each `principal` (and any principal a rule sets) at\n   \
            `arn:aws:iam::ACCOUNT:saml-provider/delegation-server`, then run\n   \
            `delegation-server check-config`.\n\
         4. Run both side by side: point one application at this server's `/delegation`\n   \
            and compare the credentials (`delegation-server explain --token token.txt` shows\n   \
            each step). Then move the others.\n\
         5. Cut over: once no application calls Auth0's `/delegation`, remove Auth0's\n   \
            provider from the trust policies and delete it\n   \
            (`aws iam delete-saml-provider --saml-provider-arn ...`).\n"
    );
}
