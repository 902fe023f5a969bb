//! `try-rule`: runs the rules for a given user, as `/delegation` would, and prints the
//! resulting AWS settings and what the backend would send, without signing or calling STS
//! — what Auth0's "Try this rule" was for.

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::app::App;
use crate::delegation::{self, Trace, VerifiedUser};
use crate::domain::Subject;

/// Stands for the id_token, which `try-rule` replaces with a user file and never verifies.
const NO_TOKEN: &str = "-";

pub async fn try_rule(
    app: &App,
    user_file: &Path,
    client: Option<&str>,
    target: Option<&str>,
) -> Result<String, String> {
    let text = std::fs::read_to_string(user_file)
        .map_err(|e| format!("cannot read {}: {e}", user_file.display()))?;
    // Read as a token's payload is: a member named twice, at any depth, is refused.
    let claims: Map<String, Value> = crate::domain::json::object_with_unique_keys(text.as_bytes())
        .map_err(|e| {
            format!(
                "{} is not a JSON object with each member named once: {e}",
                user_file.display()
            )
        })?;
    let req = super::explain::local_request(app, client, target, NO_TOKEN, "try-rule")?;
    let fail = |e: delegation::DelegationError| match e {
        delegation::DelegationError::Internal(detail) => detail,
        other => {
            let code = crate::error::ApiError::from(other);
            format!("{code} ({})", code.code())
        }
    };
    let subject =
        Subject::from_claims(&claims).map_err(|e| format!("{}: {e}", user_file.display()))?;
    let user = VerifiedUser { subject, claims };
    let mut trace = Trace::default();
    let prepared = delegation::dry_run_user(app, &req, user, &mut trace)
        .await
        .map_err(fail)?;
    let aws = prepared.call.aws();
    let mappings: Map<String, Value> = aws
        .mappings
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let (output, shown) = prepared.call.preview();
    let report = json!({
        "rules": app.rules.rule_names(),
        "aws": {
            "backend": aws.backend.name(),
            "role": aws.role.as_str(),
            "principal": aws.principal.as_str(),
            "region": aws.region.as_str(),
            "lifetime_in_seconds": aws.lifetime_in_seconds,
            "mappings": mappings,
        },
        output: shown,
        "user": prepared.user,
    });
    serde_json::to_string_pretty(&report).map_err(|e| e.to_string())
}
