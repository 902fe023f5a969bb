//! Unit tests of `http::edge`.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::*;

async fn boom() -> &'static str {
    panic!("a claim value that must not reach the answer")
}

#[tokio::test]
async fn a_panicking_route_is_answered_500_with_the_request_id() {
    let router = Router::new()
        .route("/boom", get(boom))
        .route("/fine", get(|| async { "fine" }))
        .layer(axum::middleware::from_fn(management));
    let request = Request::get("/boom")
        .header("x-request-id", "trace-42")
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.headers()["x-request-id"], "trace-42");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("server_error"), "{text}");
    assert!(!text.contains("claim value"), "{text}");

    // A request without an ID gets a generated one.
    let request = Request::get("/fine").body(Body::empty()).unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert!(request_id::is_well_formed(id) && id.len() == 32, "{id}");
}
