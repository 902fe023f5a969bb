//! CORS with per-client origins. A preflight carries no body, so it cannot name the client:
//! it is answered for any origin some client allows; the actual POST is then held to the
//! calling client's own list.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::server::Server;

fn origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

fn allowed_by_any(app: &App, origin: &str) -> bool {
    let server = &app.settings.server;
    server.cors_origins.iter().any(|o| o == origin)
        || app
            .settings
            .clients
            .values()
            .any(|c| c.cors_origins.iter().any(|o| o == origin))
}

/// Adds `Access-Control-Allow-Origin` to responses for origins some client allows, so a
/// browser can read both credentials and errors.
pub async fn allow_known_origins(
    State(server): State<Arc<Server>>,
    request: Request,
    next: Next,
) -> Response {
    let app = server.app();
    let origin = origin(request.headers())
        .filter(|o| allowed_by_any(&app, o))
        .and_then(|o| HeaderValue::from_str(o).ok());
    let is_preflight = request.method() == Method::OPTIONS;
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        if is_preflight {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("POST, OPTIONS"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("Content-Type"),
            );
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
        }
    }
    response
}

/// `OPTIONS /delegation`: the headers are added by [`allow_known_origins`].
pub async fn preflight() -> impl IntoResponse {
    StatusCode::NO_CONTENT
}
