//! The one middleware in front of every route: the request ID, panics answered 500 and, on
//! the public listener, CORS. One layer rather than one per concern, because each layer
//! costs every request a clone of the routes behind it and a boxed future.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::cors::Cors;
use super::panics::answer_panics;
use crate::ops::request_id;
use crate::server::Server;

/// The public listener: the request ID, CORS (on every answer, a panic's 500 included, so
/// that a browser can read it), panics.
pub async fn public(
    State(server): State<Arc<Server>>,
    mut request: Request,
    next: Next,
) -> Response {
    let id = request_id::assign(&mut request);
    let cors = Cors::of(&server.app(), &request);
    let mut response = answer_panics(request, next).await;
    cors.apply(&mut response);
    request_id::stamp(&mut response, id);
    response
}

/// The management listener: the request ID and panics; no browser calls it.
pub async fn management(mut request: Request, next: Next) -> Response {
    let id = request_id::assign(&mut request);
    let mut response = answer_panics(request, next).await;
    request_id::stamp(&mut response, id);
    response
}

#[cfg(test)]
#[path = "edge_tests.rs"]
mod tests;
