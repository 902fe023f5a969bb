//! `explain`: what `/delegation` would do for an id_token, step by step, from the local
//! configuration; nothing is signed and STS is not called.

use std::path::Path;

use crate::app::App;
use crate::delegation::{self, DelegationRequest};

pub async fn explain(
    app: &App,
    token_file: &Path,
    client: Option<&str>,
    target: Option<&str>,
) -> Result<String, String> {
    let token = std::fs::read_to_string(token_file)
        .map_err(|e| format!("cannot read {}: {e}", token_file.display()))?;
    let req = local_request(app, client, target, token.trim(), "explain")?;
    let (report, outcome) = delegation::explain(app, &req).await;
    let explained = crate::error::explanation(report, outcome);
    serde_json::to_string_pretty(&explained).map_err(|e| e.to_string())
}

/// The request a command makes for `client` (the only client when `None`) and `target`
/// (the client itself when `None`).
pub(super) fn local_request(
    app: &App,
    client: Option<&str>,
    target: Option<&str>,
    id_token: &str,
    command: &str,
) -> Result<DelegationRequest, String> {
    let clients = &app.settings.clients;
    let client_id = match client {
        Some(id) => id.to_owned(),
        None if clients.len() == 1 => clients.keys().next().cloned().unwrap_or_default(),
        None => return Err("several clients are configured: name one with --client".into()),
    };
    let target = target.unwrap_or(&client_id);
    DelegationRequest::local(&client_id, target, id_token, command).map_err(|e| e.to_string())
}
