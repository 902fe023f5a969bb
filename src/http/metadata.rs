//! IdP metadata for IAM.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::error::ApiError;
use crate::saml;
use crate::server::Server;

const METADATA_TYPE: &str = "application/samlmetadata+xml; charset=utf-8";

fn metadata(app: &App, entity_id: &str) -> Response {
    let xml = saml::metadata_xml(entity_id, &app.settings.saml.sso_url, &app.signer);
    ([(header::CONTENT_TYPE, METADATA_TYPE)], xml).into_response()
}

/// `GET /samlp/metadata`: the metadata for the server-wide SAML issuer.
pub async fn default_issuer(State(server): State<Arc<Server>>) -> Response {
    let app = server.app();
    metadata(&app, &app.settings.saml.issuer)
}

/// `GET /samlp/metadata/{client_id}`: the metadata for the issuer a client's assertions use.
pub async fn for_client(
    State(server): State<Arc<Server>>,
    Path(client_id): Path<String>,
) -> Result<Response, ApiError> {
    let app = server.app();
    let client = app
        .settings
        .clients
        .get(&client_id)
        .ok_or(ApiError::NotFound)?;
    let issuer = client
        .aws
        .as_ref()
        .and_then(|a| a.saml_issuer.as_deref())
        .unwrap_or(&app.settings.saml.issuer);
    Ok(metadata(&app, issuer))
}
