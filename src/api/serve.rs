//! Running the router: the panic handler ([`catch_panic`]), the shutdown signal and
//! [`serve`], which binds the listener and hands connections to [`super::listener`].
//!
//! Owns: the process's HTTP lifetime. Must not import handlers or the store.

use super::listener;
use super::problem::Problem;
use super::state::AppState;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;

/// The panic handler of the router: a problem+json 500 (the panic message goes to the log).
pub fn catch_panic() -> tower_http::catch_panic::CatchPanicLayer<fn(PanicPayload) -> Response> {
    tower_http::catch_panic::CatchPanicLayer::custom(panic_response as fn(PanicPayload) -> Response)
}

/// What a panic carries.
pub type PanicPayload = Box<dyn std::any::Any + Send + 'static>;

fn panic_response(payload: PanicPayload) -> Response {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    Problem::internal(&format!("handler panicked: {message}")).into_response()
}

/// Wait for SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown requested: finishing in-flight requests");
}

/// Serve until SIGTERM/SIGINT; in-flight requests finish first. Prints `listening on
/// http://ADDR` on standard output once bound (tests read the port from it).
pub async fn serve(state: Arc<AppState>, listen: &str) -> std::io::Result<()> {
    let tcp = tokio::net::TcpListener::bind(listen).await?;
    let addr: SocketAddr = tcp.local_addr()?;
    println!("listening on http://{addr}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    listener::serve(state, tcp, shutdown_signal()).await
}
