//! Unit tests of `http::panics`.

use super::*;

#[tokio::test]
async fn a_panicking_future_gives_an_error_and_a_finished_one_its_output() {
    assert_eq!(catch_panics(async { 7 }).await, Ok(7));
    let panicking = async {
        tokio::task::yield_now().await;
        if std::hint::black_box(true) {
            panic!("a claim value that must not be logged");
        }
        7
    };
    assert_eq!(catch_panics(panicking).await, Err(Panicked));
}
