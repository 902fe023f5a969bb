//! A panic inside a request never takes the connection down unanswered: the request's
//! future is polled under `catch_unwind`, and a panic becomes a 500 like any internal
//! error (the delegation handler also writes its audit record). While it is polled, the
//! panic hook logs only where a panic happened, never its message (`telemetry`).

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::telemetry::redacting_panics;

/// The future panicked; what it held was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panicked;

impl From<Panicked> for ApiError {
    fn from(_: Panicked) -> Self {
        crate::delegation::DelegationError::Internal(
            "the request panicked (location in the log line before)".into(),
        )
        .into()
    }
}

/// Polls `future` to completion, turning a panic in any poll into `Err(Panicked)`.
///
/// A future of its own rather than an `async fn`: an `async fn` keeps both its argument
/// and the pinned copy, twice the size of the wrapped future, and the delegation flow's
/// future is several kilobytes, copied whenever the future is moved.
pub fn catch_panics<F: Future>(future: F) -> CatchPanics<F> {
    CatchPanics { future }
}

pin_project_lite::pin_project! {
    /// The future [`catch_panics`] returns.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct CatchPanics<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for CatchPanics<F> {
    type Output = Result<F::Output, Panicked>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.project().future;
        let polled = redacting_panics(|| catch_unwind(AssertUnwindSafe(|| future.poll(cx))));
        match polled {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(Err(Panicked)),
        }
    }
}

/// Runs the rest of the request's handling; a panic in it is answered 500
/// `server_error`.
pub async fn answer_panics(request: Request, next: Next) -> Response {
    match catch_panics(next.run(request)).await {
        Ok(response) => response,
        Err(panicked) => ApiError::from(panicked).into_response(),
    }
}

#[cfg(test)]
#[path = "panics_tests.rs"]
mod tests;
