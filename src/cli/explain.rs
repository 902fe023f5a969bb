//! `explain`: what `/delegation` would do for an id_token, step by step, from the local
//! configuration; nothing is signed and STS is not called.

use std::path::Path;

use serde_json::{Map, json};

use crate::app::App;
use crate::delegation::{self, DelegationRequest, RequestInfo};

pub async fn explain(
    app: &App,
    token_file: &Path,
    client: Option<&str>,
    target: Option<&str>,
) -> Result<String, String> {
    let token = std::fs::read_to_string(token_file)
        .map_err(|e| format!("cannot read {}: {e}", token_file.display()))?
        .trim()
        .to_owned();
    let clients = &app.settings.clients;
    let client_id = match client {
        Some(id) => id.to_owned(),
        None if clients.len() == 1 => clients.keys().next().cloned().unwrap_or_default(),
        None => return Err("several clients are configured: name one with --client".into()),
    };
    let target = target.unwrap_or(&client_id).to_owned();
    let mut body = Map::new();
    body.insert("client_id".into(), json!(client_id));
    body.insert("target".into(), json!(target));
    let req = DelegationRequest {
        client_id,
        api_type: delegation::ApiType::Aws,
        target,
        id_token: token,
        role: None,
        principal: None,
        body,
        info: RequestInfo {
            ip: "127.0.0.1".into(),
            user_agent: Some("delegation-server explain".into()),
            ..RequestInfo::default()
        },
    };
    let (report, outcome) = delegation::explain(app, &req).await;
    let explained = crate::error::explanation(report, outcome);
    serde_json::to_string_pretty(&explained).map_err(|e| e.to_string())
}
