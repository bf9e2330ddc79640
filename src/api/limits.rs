//! The limits and knobs of the service, read from `[service]` of `yinxin.toml`: body sizes,
//! timeouts, rates, concurrency, the verification pool and connection caps.
//!
//! Owns: turning configuration values into usable limits (bounds, defaults). Must not import
//! handlers, the store or the domain.

use super::listener;
use crate::config::Config;
use std::time::Duration;

/// Limits and knobs of the service.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest body, bytes.
    pub body_limit: usize,
    /// Largest document upload (streamed to disk), bytes.
    pub document_limit: usize,
    /// Memory document sealing may hold at once, bytes (see `documents::MemoryBudget`).
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
    /// half), and the deadline of one verification (see [`super::verify_pool`]).
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
