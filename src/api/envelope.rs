//! The envelope of every request, the router's outer layer (inside the language layer): the
//! request id (`x-request-id`: the caller's when it is short and plain, else a new one),
//! admission ([`super::admission`]: limits of the head, rate limits, slots, minimum body rate),
//! the request timeout, problem+json for the framework's own errors (404, 405, 413 …),
//! metrics and the access log.
//!
//! Owns: what happens around a handler, the same for every route. Must not import handlers or
//! the store.

use super::admission;
use super::problem::{PROBLEM_JSON, Problem};
use super::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// The token id of the caller, attached to responses for the access log.
#[derive(Clone, Debug)]
pub struct TokenId(pub String);

/// The request id (header `x-request-id`).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The caller's request id when it is short and plain (it goes into the logs), else a new one.
///
/// Not tower-http's `SetRequestId`/`PropagateRequestId`: they keep whatever id the caller sent
/// (any length, any bytes), need the `uuid` crate, and the propagation layer, wrapped around
/// this envelope, would see the request before the id is chosen here; inside it, it would miss
/// the answers the envelope makes itself (admission refusals).
fn request_id(headers: &HeaderMap) -> String {
    if let Some(v) = headers.get(&X_REQUEST_ID).and_then(|v| v.to_str().ok())
        && !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        return v.to_string();
    }
    let mut b = [0u8; 8];
    let _ = crate::crypto::random_bytes(&mut b);
    hex::encode(b)
}

/// Outermost layer: request id, admission (limits of the head, rate limits, slots, minimum
/// body rate: [`admission`]), timeout, problem conversion, metrics and the access log.
pub(super) async fn envelope(
    State(state): State<Arc<AppState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let rid = request_id(req.headers());
    req.extensions_mut().insert(RequestId(rid.clone()));
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "(unmatched)".into());
    let ip = req
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let uri_len = req
        .uri()
        .path_and_query()
        .map_or(req.uri().path().len(), |p| p.as_str().len());
    // Slots are admission's, not tower's `ConcurrencyLimit`: that one makes requests wait for
    // a slot (we answer 503 `overloaded` with `Retry-After` at once) and has no share kept
    // from anonymous callers.
    let admitted = admission::admit(&state, &route, req.headers(), uri_len, ip).await;
    let mut resp = match admitted {
        Err(p) => p.into_response(),
        Ok((admitted, slots)) => {
            let tripped = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let (rate, grace) = state.limits.min_body_rate;
            if rate > 0.0 && !axum::body::HttpBody::is_end_stream(req.body()) {
                let (parts, body) = req.into_parts();
                let body = admission::MinRateBody::new(body, rate, grace, tripped.clone());
                req = Request::from_parts(parts, axum::body::Body::new(body));
            }
            // Not tower-http's `TimeoutLayer`: it answers a bare status, which this envelope
            // could not tell from a handler's own non-problem answer of that status (the
            // health check's 503), so the `timeout` problem below would have to be guessed.
            let run = tokio::time::timeout(state.limits.timeout, next.run(req));
            let r = match admission::scope(admitted, run).await {
                Ok(r) => r,
                Err(_) => {
                    let mut p = Problem::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "timeout",
                        "the request took too long and was abandoned",
                    );
                    // A 503 says when to come back (RFC 9110 §10.2.3).
                    p.retry_after = Some(5);
                    p.into_response()
                }
            };
            drop(slots);
            if tripped.load(std::sync::atomic::Ordering::Relaxed) {
                // Whatever the handler made of the broken body, the answer is 408, and the
                // connection (with the rest of the body unread) is not kept.
                let mut r = admission::too_slow(rate).into_response();
                r.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
                r
            } else {
                r
            }
        }
    };
    let resp_status = resp.status();
    // The citizens' pages answer their errors as pages (`api::pages`), a tlog witness its 409
    // with the size the protocol requires; everything else that is not already a problem
    // becomes one.
    if resp_status.as_u16() >= 400
        && !is_problem(&resp)
        && !is_page(&resp)
        && !is_witness_size(&resp)
    {
        resp = generic_problem(resp_status).into_response();
    }
    if let Ok(v) = HeaderValue::from_str(&rid) {
        resp.headers_mut().insert(X_REQUEST_ID.clone(), v);
    }
    let elapsed = started.elapsed().as_secs_f64();
    state
        .metrics
        .observe(method.as_str(), &route, resp.status().as_u16(), elapsed);
    let token = resp.extensions().get::<TokenId>().map(|t| t.0.clone());
    tracing::info!(
        target: "yinxin::access",
        request_id = %rid,
        method = %method,
        route = %route,
        status = resp.status().as_u16(),
        latency_ms = elapsed * 1000.0,
        token = token.as_deref().unwrap_or("-"),
    );
    resp
}

fn is_problem(r: &Response) -> bool {
    r.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        == Some(PROBLEM_JSON)
}

fn is_witness_size(r: &Response) -> bool {
    r.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        == Some(crate::transparency::witness::SIZE_CONTENT_TYPE)
}

fn is_page(r: &Response) -> bool {
    r.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// A problem for an error response produced by the framework (404 fallback, 405 …).
fn generic_problem(status: StatusCode) -> Problem {
    match status {
        StatusCode::NOT_FOUND => Problem::not_found("no such resource"),
        StatusCode::METHOD_NOT_ALLOWED => Problem::new(
            status,
            "method-not-allowed",
            "this method is not allowed on this resource",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => {
            Problem::new(status, "body-too-large", "the request body is too large")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            Problem::new(status, "unsupported-media-type", "unsupported content type")
        }
        s if s.is_client_error() => {
            Problem::new(s, "bad-request", "the request could not be processed")
        }
        s => Problem::new(s, "internal", "an internal error occurred"),
    }
}
