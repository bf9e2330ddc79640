//! The HTTP service (`yinxin serve`): axum on tokio over the same data directory and
//! database as the CLI. This module adapts the domain (`pki`, `auth`) to HTTP: routing by the
//! role of the process ([`routes`]: `verify` answers the public and holds no key, `ca` signs
//! and administers, `all` does both), authentication and operator roles ([`state`]), RFC 9457
//! errors ([`problem`]), the envelope of every request ([`envelope`]: request ids, admission
//! with limits and separate slots for anonymous traffic — see [`admission`] —, timeout,
//! metrics, access log), connection handling ([`listener`]), background work by role
//! ([`background`]) and graceful shutdown ([`serve`]). It holds no signing logic of its own.
//!
//! Owns: the HTTP adaptation. Must not import `app` or `cli`; handlers reach the database
//! through the repository traits the state holds.

pub mod admission;
pub mod background;
mod documents;
mod documents_pdf;
pub mod enterprises;
pub mod envelope;
mod handlers;
mod holder_api;
pub mod holders;
pub mod licences;
pub mod limits;
pub mod listener;
pub mod locale;
mod log;
pub mod log_cosign;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod problem;
pub mod routes;
pub mod seals;
pub mod serve;
pub mod state;
mod status;
pub mod trust;
pub mod verify;
pub mod verify_pool;

pub use background::spawn_background;
pub use envelope::{RequestId, TokenId};
pub use limits::Limits;
pub use routes::{ROUTES, Route, Served, router};
pub use serve::{PanicPayload, catch_panic, serve, shutdown_signal};
pub use state::{AppState, Services};
