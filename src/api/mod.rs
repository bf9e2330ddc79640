//! The HTTP service (`yinxin serve`): axum on tokio over the same data directory and
//! database as the CLI. This module adapts the domain (`pki`, `auth`) to HTTP: routing,
//! authentication and roles, RFC 9457 errors, limits (body size, timeout, per-token and
//! per-address rates, admission with separate slots for anonymous traffic, see [`admission`]),
//! connection handling (timeouts, caps, see [`listener`]), request ids, structured logs,
//! metrics and graceful shutdown. It holds no signing logic of its own.

pub mod admission;
mod documents;
mod handlers;
pub mod listener;
pub mod locale;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod seals;
mod status;
pub mod trust;
pub mod verify_pool;

use crate::auth::{Permission, Principal, TokenRecord, TokenRejection, check_token, token_hash};
use crate::config::Config;
use crate::pki::authority::Authority;
use crate::pki::repo::{AuditEvent, CaRecord, Repository, TokenRepository};
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use problem::{PROBLEM_JSON, Problem};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every route the service answers, as (method, OpenAPI path). The router is built from the
/// same list the OpenAPI document is checked against.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/v1/health"),
    ("GET", "/v1/ca"),
    ("GET", "/openapi.json"),
    ("POST", "/v1/certificates"),
    ("GET", "/v1/certificates"),
    ("GET", "/v1/certificates/{serial}"),
    ("POST", "/v1/certificates/{serial}/revoke"),
    ("GET", "/v1/audit"),
    ("GET", "/metrics"),
    ("POST", "/v1/certificates/{serial}/release"),
    ("GET", "/crl/{file}"),
    ("GET", "/ca/{file}"),
    ("POST", "/ocsp"),
    ("GET", "/ocsp/{request}"),
    ("POST", "/tsa"),
    ("POST", "/v1/seals"),
    ("GET", "/v1/seals/{id}"),
    ("POST", "/v1/seals/{id}/revoke"),
    ("POST", "/v1/seals/{id}/sign"),
    ("POST", "/v1/seals/{id}/prepare"),
    ("POST", "/v1/seals/{id}/complete"),
    ("GET", "/v1/seals/{id}/status"),
    ("POST", "/v1/verify"),
    ("POST", "/v1/documents/seal"),
    ("POST", "/v1/documents/sign"),
    ("GET", "/v1/trust-list"),
    ("POST", "/v1/trust-list/publish"),
    ("POST", "/v1/trust-list/services/{id}/withdraw"),
    ("GET", "/v1/trust/peers"),
    ("POST", "/v1/trust/peers/sync"),
];

/// Limits and knobs of the service.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest body, bytes.
    pub body_limit: usize,
    /// Largest document upload (streamed to disk), bytes.
    pub document_limit: usize,
    /// Memory document sealing may hold at once, bytes (see [`documents::MemoryBudget`]).
    pub document_memory: u64,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Per-token rate (requests/second).
    pub rate: f64,
    /// Per-token burst.
    pub burst: f64,
    /// Requests in flight before 503.
    pub max_concurrency: usize,
    /// Anonymous verification rate and burst per client address.
    pub anonymous: (f64, f64),
    /// `region-peer` token rate and burst.
    pub peer: (f64, f64),
    /// Verification pool: permits in all (0: cores), permits anonymous callers may hold (0:
    /// half), and the deadline of one verification (see [`verify_pool`]).
    pub verify_pool: (usize, usize, Duration),
    /// Requests without a valid token in flight at most (0: half of `max_concurrency`).
    pub anonymous_concurrency: usize,
    /// Anonymous rate and burst per client address of `POST /tsa` (rate 0: not limited).
    pub tsa: (f64, f64),
    /// … of `GET /crl/{file}`.
    pub crl: (f64, f64),
    /// … of OCSP (`POST /ocsp`, `GET /ocsp/…`).
    pub ocsp: (f64, f64),
    /// Slowest request body (bytes/s of waiting; 0: no minimum) after the grace period.
    pub min_body_rate: (f64, Duration),
    /// Longest request target (path and query), bytes.
    pub max_uri_bytes: usize,
    /// Connection timeouts and caps.
    pub connections: listener::ConnectionLimits,
}

/// Seconds from the configuration as a duration: finite and positive, else `default`; at
/// most a day.
fn seconds(v: f64, default: f64) -> Duration {
    Duration::from_secs_f64(if v.is_finite() && v > 0.0 {
        v.min(86_400.0)
    } else {
        default
    })
}

/// A rate setting: finite and positive, else 0 (not limited).
fn rate_setting(rate: f64, burst: f64) -> (f64, f64) {
    if rate.is_finite() && rate > 0.0 {
        (
            rate,
            if burst.is_finite() {
                burst.max(1.0)
            } else {
                1.0
            },
        )
    } else {
        (0.0, 0.0)
    }
}

impl Limits {
    /// From the configuration.
    pub fn from_config(c: &Config) -> Self {
        Limits {
            body_limit: c.service.body_limit_bytes,
            document_limit: c.service.document_limit_bytes,
            document_memory: c.service.max_document_memory_bytes,
            timeout: Duration::from_secs(c.service.request_timeout_seconds.max(1)),
            rate: c.service.rate_limit_per_second.max(0.001),
            burst: c.service.rate_limit_burst.max(1.0),
            max_concurrency: c.service.max_concurrency.max(1),
            anonymous: (
                c.service.anonymous_rate_limit_per_second.max(0.001),
                c.service.anonymous_rate_limit_burst.max(1.0),
            ),
            peer: (
                c.service.peer_rate_limit_per_second.max(0.001),
                c.service.peer_rate_limit_burst.max(1.0),
            ),
            verify_pool: (
                c.service.verify_workers,
                c.service.anonymous_verify_workers,
                verify_deadline(c),
            ),
            anonymous_concurrency: c.service.anonymous_max_concurrency,
            tsa: rate_setting(
                c.service.tsa_rate_limit_per_second,
                c.service.tsa_rate_limit_burst,
            ),
            crl: rate_setting(
                c.service.crl_rate_limit_per_second,
                c.service.crl_rate_limit_burst,
            ),
            ocsp: rate_setting(
                c.service.ocsp_rate_limit_per_second,
                c.service.ocsp_rate_limit_burst,
            ),
            min_body_rate: (
                rate_setting(c.service.min_body_rate_bytes_per_second, 1.0).0,
                seconds(c.service.body_rate_grace_seconds, 5.0),
            ),
            max_uri_bytes: c.service.max_uri_bytes.max(64),
            connections: listener::ConnectionLimits {
                header_read_timeout: seconds(c.service.header_read_timeout_seconds, 10.0),
                idle_timeout: seconds(c.service.idle_timeout_seconds, 60.0),
                max_connections: c.service.max_connections.max(1),
                max_per_address: c.service.max_connections_per_address.max(1),
                max_header_bytes: c.service.max_header_bytes.max(1024),
                max_headers: c.service.max_headers.max(8),
            },
        }
    }
}

/// The deadline of one public verification: as configured (finite, positive), at most 90 % of
/// the request timeout so that the verification's own answer comes before the generic one.
fn verify_deadline(c: &Config) -> Duration {
    let timeout = Duration::from_secs(c.service.request_timeout_seconds.max(1));
    let s = c.service.verify_deadline_seconds;
    let wanted = if s.is_finite() && s > 0.0 {
        Duration::from_secs_f64(s.min(86_400.0))
    } else {
        Duration::from_secs(20)
    };
    wanted.min(timeout.mul_f64(0.9))
}

/// How long a looked-up token is trusted before it is read again (revocation delay).
const TOKEN_CACHE_TTL: Duration = Duration::from_secs(2);

/// Shared state of the service.
pub struct AppState {
    /// The issuing authority.
    pub authority: Arc<Authority>,
    /// Certificates and audit.
    pub repo: Arc<dyn Repository>,
    /// Tokens.
    pub tokens: Arc<dyn TokenRepository>,
    /// Region code.
    pub region_code: String,
    /// Region name.
    pub region_name: String,
    /// The region's CAs.
    pub cas: Vec<CaRecord>,
    /// Limits.
    pub limits: Limits,
    /// Metrics.
    pub metrics: metrics::Metrics,
    /// The status service (OCSP, CRLs).
    pub status: Arc<crate::status::service::StatusService>,
    /// Its validity settings.
    pub status_config: crate::status::service::StatusConfig,
    /// The time-stamping service.
    pub tsa: Arc<crate::status::tsa::TsaService>,
    /// Seal services.
    pub seals: Option<Arc<seals::SealServices>>,
    /// Trust list and federation (mutual recognition).
    pub trust: Option<Arc<trust::TrustServices>>,
    /// CAs whose CRLs must be regenerated, and the wake-up of the CRL worker.
    pub crl_dirty: (
        Mutex<std::collections::HashSet<String>>,
        tokio::sync::Notify,
    ),
    crl_cache:
        std::sync::RwLock<HashMap<String, (Arc<crate::status::service::CrlRecord>, Instant)>>,
    token_cache: Mutex<HashMap<String, (TokenRecord, Instant)>>,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
    pools: admission::Pools,
    /// The bounded pool public verification runs on.
    pub verify_pool: verify_pool::VerifyPool,
    /// The memory budget of document sealing.
    pub(crate) document_memory: documents::MemoryBudget,
    openapi: String,
}

/// The domain services the HTTP layer adapts.
pub struct Services {
    /// The issuing authority.
    pub authority: Arc<Authority>,
    /// Certificates and audit.
    pub repo: Arc<dyn Repository>,
    /// Tokens.
    pub tokens: Arc<dyn TokenRepository>,
    /// OCSP and CRLs.
    pub status: Arc<crate::status::service::StatusService>,
    /// Their validity settings.
    pub status_config: crate::status::service::StatusConfig,
    /// Time-stamping.
    pub tsa: Arc<crate::status::tsa::TsaService>,
    /// Seals (None: seal endpoints answer 503).
    pub seals: Option<Arc<seals::SealServices>>,
    /// Trust list and federation (None: trust endpoints answer 503).
    pub trust: Option<Arc<trust::TrustServices>>,
}

impl AppState {
    /// Assemble the state.
    pub fn new(services: Services, config: &Config, cas: Vec<CaRecord>) -> Self {
        let Services {
            authority,
            repo,
            tokens,
            status,
            status_config,
            tsa,
            seals,
            trust,
        } = services;
        let limits = Limits::from_config(config);
        AppState {
            authority,
            repo,
            tokens,
            region_code: config.region.code.clone(),
            region_name: config.region.name.clone(),
            cas,
            pools: admission::Pools::new(limits.max_concurrency, limits.anonymous_concurrency),
            verify_pool: verify_pool::VerifyPool::new(
                limits.verify_pool.0,
                limits.verify_pool.1,
                limits.verify_pool.2,
            ),
            document_memory: documents::MemoryBudget::new(limits.document_memory),
            limits,
            metrics: metrics::Metrics::default(),
            status,
            status_config,
            tsa,
            seals,
            trust,
            crl_dirty: (
                Mutex::new(std::collections::HashSet::new()),
                tokio::sync::Notify::new(),
            ),
            crl_cache: std::sync::RwLock::new(HashMap::new()),
            token_cache: Mutex::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
            openapi: openapi::document().to_string(),
        }
    }

    /// Authenticate the bearer token of a request and apply its rate limit.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Principal, Problem> {
        let value = headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| unauthorized(TokenRejection::Missing))?
            .to_str()
            .map_err(|_| unauthorized(TokenRejection::Unknown))?;
        let secret = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or_else(|| unauthorized(TokenRejection::Missing))?
            .trim();
        if !secret.starts_with("yx_") || secret.len() > 128 {
            return Err(unauthorized(TokenRejection::Unknown));
        }
        let hash = token_hash(secret);
        let rec = self
            .lookup_token(&hash)
            .await?
            .ok_or_else(|| unauthorized(TokenRejection::Unknown))?;
        let principal = check_token(&rec, crate::clock::now_secs()).map_err(unauthorized)?;
        // Admission already charged this token for this request (see `admission`).
        if !admission::token_charged(&principal.token_id) {
            self.rate_limit_token(&principal)?;
        }
        Ok(principal)
    }

    /// The token with this hash (None: unknown): as admission found it for this request, else
    /// from the cache (positive answers, [`TOKEN_CACHE_TTL`]), else from the database.
    async fn lookup_token(&self, hash: &str) -> Result<Option<TokenRecord>, Problem> {
        if let Some(r) = admission::looked_up(hash) {
            return Ok(r);
        }
        let cached = self.token_cache.lock().ok().and_then(|c| {
            c.get(hash)
                .filter(|(_, at)| at.elapsed() < TOKEN_CACHE_TTL)
                .map(|(r, _)| r.clone())
        });
        if let Some(r) = cached {
            return Ok(Some(r));
        }
        let found = self
            .tokens
            .token_by_hash(hash)
            .await
            .map_err(|e| Problem::internal(&e))?;
        if let Some(r) = &found
            && let Ok(mut c) = self.token_cache.lock()
        {
            if c.len() > 10_000 {
                c.clear();
            }
            c.insert(hash.to_string(), (r.clone(), Instant::now()));
        }
        Ok(found)
    }

    /// Charge a token's bucket (`region-peer` tokens have their own rate).
    fn rate_limit_token(&self, principal: &Principal) -> Result<(), Problem> {
        let (rate, burst) = if principal.role == crate::auth::Role::RegionPeer {
            self.limits.peer
        } else {
            (self.limits.rate, self.limits.burst)
        };
        self.rate_limit(&principal.token_id, rate, burst, "this token")
    }

    /// Authenticate and require a permission; a refusal is audited.
    pub async fn require(
        &self,
        headers: &HeaderMap,
        p: Permission,
        what: &str,
    ) -> Result<Principal, Problem> {
        let principal = self.authenticate(headers).await?;
        if !principal.role.allows(p) {
            self.audit(
                &principal,
                what,
                "-",
                "denied",
                &format!("role {} lacks {p:?}", principal.role.as_str()),
            )
            .await;
            return Err(Problem::forbidden("")
                .msg("msg-role-forbidden", &[("role", principal.role.as_str())]));
        }
        Ok(principal)
    }

    /// Append an audit event for a token's action (failures are logged, not returned).
    pub async fn audit(
        &self,
        who: &Principal,
        action: &str,
        object: &str,
        outcome: &str,
        detail: &str,
    ) {
        let ev = AuditEvent::now(&who.actor(), action, object, outcome, detail);
        if let Err(e) = self.repo.append_audit(&ev).await {
            tracing::error!(error = %e, "audit append failed");
        }
    }

    /// Rate-limit an anonymous caller by its address (public verification).
    /// Within an admitted request admission has charged it already (see [`admission`]).
    pub fn rate_limit_anonymous(&self, ip: Option<std::net::IpAddr>) -> Result<(), Problem> {
        if admission::anonymous_charged() {
            return Ok(());
        }
        let key = format!(
            "anon:{}",
            ip.map(|i| admission::client_key(i).to_string())
                .unwrap_or_else(|| "unknown".into())
        );
        let (rate, burst) = self.limits.anonymous;
        self.rate_limit(&key, rate, burst, "anonymous callers from this address")
    }

    fn rate_limit(&self, token_id: &str, rate: f64, burst: f64, who: &str) -> Result<(), Problem> {
        let mut b = self
            .buckets
            .lock()
            .map_err(|_| Problem::internal(&"rate limiter poisoned"))?;
        let now = Instant::now();
        if b.len() > 100_000 {
            // Anonymous addresses come and go: forget buckets that have refilled.
            b.retain(|_, (_, at)| now.duration_since(*at) < Duration::from_secs(60));
        }
        let entry = b.entry(token_id.to_string()).or_insert((burst, now));
        entry.0 = (entry.0 + now.duration_since(entry.1).as_secs_f64() * rate).min(burst);
        entry.1 = now;
        if entry.0 >= 1.0 {
            entry.0 -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - entry.0) / rate).ceil().max(1.0) as u64;
            let mut p = Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", "").msg(
                "msg-rate-limited",
                &[("rate", &rate.to_string()), ("who", who)],
            );
            p.retry_after = Some(wait);
            Err(p)
        }
    }
}

impl AppState {
    /// After a status change: evict cached OCSP responses and schedule CRL regeneration.
    pub fn status_changed(&self, serial: &str, ca_id: &str) {
        self.status.evict(serial);
        if let Ok(mut d) = self.crl_dirty.0.lock() {
            d.insert(ca_id.to_string());
        }
        self.crl_dirty.1.notify_one();
    }
}

/// Background work of a serving process: follow the status change feed (revocations made
/// by other processes or the CLI) every 250 ms, and regenerate CRLs when certificates of a CA
/// changed (coalesced) or when the latest CRL has lived half its validity.
pub fn spawn_background(state: Arc<AppState>) {
    if let Some(t) = state.trust.clone() {
        // The own trust list: published at start when missing, re-signed at half its validity.
        let own = t.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = own.publish_if_due().await {
                    tracing::error!(error = %e, "trust list publication failed");
                }
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
        });
        // Federation: every peer's list at start and on schedule (failures: within 30 s).
        tokio::spawn(async move {
            let every = Duration::from_secs(t.federation.config().sync.interval_seconds.max(1));
            loop {
                let results = t.federation.sync_all().await;
                // A peer that failed (down, or not yet up at our start) is retried sooner.
                let failed = results.iter().any(|(_, r)| r.is_err());
                let wait = if failed {
                    every.min(Duration::from_secs(30))
                } else {
                    every
                };
                tokio::time::sleep(wait).await;
            }
        });
    }
    let s = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tick.tick().await;
            match s.status.poll_changes().await {
                Ok(cas) if !cas.is_empty() => {
                    if let Ok(mut d) = s.crl_dirty.0.lock() {
                        d.extend(cas);
                    }
                    s.crl_dirty.1.notify_one();
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "status change feed"),
            }
        }
    });
    tokio::spawn(async move {
        let s = state;
        loop {
            let due: Vec<String> = {
                let now = crate::clock::now_secs();
                let mut due = Vec::new();
                for ca in s.status.cas().iter().filter(|c| c.crl_signer.is_some()) {
                    let latest = s
                        .status
                        .store()
                        .latest_crl(&ca.record.id, false)
                        .await
                        .ok()
                        .flatten();
                    let stale = latest
                        .is_none_or(|c| now >= c.this_update + (c.next_update - c.this_update) / 2);
                    if stale {
                        due.push(ca.record.id.clone());
                    }
                }
                if let Ok(mut d) = s.crl_dirty.0.lock() {
                    due.extend(d.drain());
                }
                due.sort();
                due.dedup();
                due
            };
            for ca in due {
                if s.status
                    .cas()
                    .iter()
                    .any(|c| c.record.id == ca && c.crl_signer.is_some())
                {
                    // A failure is logged and counted by the status service (metrics).
                    if let Ok((full, delta)) = s.status.regenerate_crls(&ca).await {
                        tracing::info!(ca = %ca, full = full.number, delta = delta.number, entries = full.entries, "CRLs published")
                    }
                }
            }
            tokio::select! {
                _ = s.crl_dirty.1.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            }
        }
    });
}

fn unauthorized(r: TokenRejection) -> Problem {
    Problem::unauthorized(r.to_string())
}

/// The token id of the caller, attached to responses for the access log.
#[derive(Clone, Debug)]
pub struct TokenId(pub String);

/// The request id (header `x-request-id`).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

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
async fn envelope(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
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
            let run = tokio::time::timeout(state.limits.timeout, next.run(req));
            let r = match admission::scope(admitted, run).await {
                Ok(r) => r,
                Err(_) => Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "timeout",
                    "the request took too long and was abandoned",
                )
                .into_response(),
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
    if resp_status.as_u16() >= 400 && !is_problem(&resp) {
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

/// Build the router. Every route here is listed in [`ROUTES`] and documented in
/// `/openapi.json` (a test checks both directions).
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/health", get(handlers::health))
        .route("/v1/ca", get(handlers::ca))
        .route("/openapi.json", get(handlers::openapi))
        .route(
            "/v1/certificates",
            post(handlers::issue).get(handlers::list),
        )
        .route("/v1/certificates/{serial}", get(handlers::get_certificate))
        .route("/v1/certificates/{serial}/revoke", post(handlers::revoke))
        .route("/v1/audit", get(handlers::audit))
        .route("/metrics", get(handlers::metrics))
        .route("/v1/certificates/{serial}/release", post(handlers::release))
        .route("/crl/{file}", get(status::crl))
        .route("/ca/{file}", get(status::ca_certificate))
        .route("/ocsp", post(status::ocsp_post))
        .route("/ocsp/{*request}", get(status::ocsp_get))
        .route("/tsa", post(status::tsa))
        .route("/v1/seals", post(seals::create))
        .route("/v1/seals/{id}", get(seals::get))
        .route("/v1/seals/{id}/revoke", post(seals::revoke))
        .route("/v1/seals/{id}/sign", post(seals::sign))
        .route("/v1/seals/{id}/prepare", post(seals::prepare))
        .route("/v1/seals/{id}/complete", post(seals::complete))
        .route("/v1/seals/{id}/status", get(seals::status))
        .route("/v1/verify", post(seals::verify))
        .route("/v1/documents/seal", post(documents::seal))
        .route("/v1/documents/sign", post(documents::sign))
        .route("/v1/trust-list", get(trust::trust_list))
        .route("/v1/trust-list/publish", post(trust::publish))
        .route(
            "/v1/trust-list/services/{id}/withdraw",
            post(trust::withdraw),
        )
        .route("/v1/trust/peers", get(trust::peers))
        .route("/v1/trust/peers/sync", post(trust::sync))
        .fallback(|| async { Problem::not_found("no such resource") })
        // Last line: a panic in a handler is a problem+json 500 (seen by the envelope's log
        // and metrics), not a dropped connection.
        .layer(catch_panic())
        .layer(middleware::from_fn_with_state(state.clone(), envelope))
        // Outermost: problems (the envelope's own included) in the caller's language.
        .layer(middleware::from_fn(locale::localize))
        .with_state(state)
}

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
