//! CORS with per-client origins. A preflight carries no body, so it cannot name the client:
//! it is answered for any origin some client allows; the actual POST is then held to the
//! calling client's own list.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::App;

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

/// What CORS adds to a response, decided from its request: `Access-Control-Allow-Origin`
/// for origins some client allows, so a browser can read both credentials and errors.
pub struct Cors {
    origin: Option<HeaderValue>,
    preflight: bool,
}

impl Cors {
    pub fn of(app: &App, request: &Request) -> Self {
        let origin = origin(request.headers())
            .filter(|o| allowed_by_any(app, o))
            .and_then(|o| HeaderValue::from_str(o).ok());
        Self {
            origin,
            preflight: request.method() == Method::OPTIONS,
        }
    }

    pub fn apply(self, response: &mut Response) {
        let headers = response.headers_mut();
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
        let Some(origin) = self.origin else { return };
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        if self.preflight {
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
}

/// `OPTIONS /delegation`: the headers are added by [`Cors`].
pub async fn preflight() -> impl IntoResponse {
    StatusCode::NO_CONTENT
}
