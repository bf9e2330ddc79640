//! Fetching revocation data (OCSP responses, CRLs) for certificates issued in another region.
//!
//! This module owns the outbound HTTP traffic of mutual recognition: when this region verifies
//! a certificate issued in region A, the OCSP responses and CRLs it needs are fetched from A by
//! a [`RevocationFetcher`], with a total timeout per request (connect + whole body), a running
//! cap on the body size, no redirects, and an in-memory cache bounded in size and age.
//!
//! **SSRF rule.** The fetcher never contacts a URL that the caller's `allowed` predicate does
//! not accept *for that exact string*; the predicate is meant to answer "is this a supply point
//! listed in the issuing region's signed trust list". The check happens before anything touches
//! the network (no DNS lookup, no connection). Beyond that, only plain `http://` URLs without
//! user information are fetched (CRLs and OCSP responses are signed objects, distributed over
//! HTTP per RFC 5280 and RFC 6960), and a redirect is an error, since following it could lead
//! outside the allow-list.
//!
//! Nothing here checks signatures: the objects are handed to the path validator
//! (`crate::verify`), which does. The fetcher only makes sure they parse, that an OCSP response
//! is `successful` and answers for the certificate asked about, and it uses their `nextUpdate`
//! to bound how long they are reused. An expired cache entry is never returned: when a refetch
//! fails, the caller gets the error (and should report the status as indeterminate).
//!
//! The parts, one concept each: `client` is the bounded outbound HTTP exchange and the
//! SSRF rule (which URLs may be contacted at all); `cache` keeps fetched objects no longer
//! than their nextUpdate and the configured age; `revocation` fetches and sanity-checks one
//! OCSP response or one CRL; `urls` reads the supply points a certificate names;
//! `gather` walks a chain and fetches what each certificate needs. This file holds the
//! fetcher itself and the vocabulary they share (configuration, results, errors).
//!
//! Must not import: `axum` or `crate::api` (no HTTP server here), `crate::store` (nothing is
//! persisted), `crate::crypto` (no signature is checked here).

mod cache;
mod client;
mod gather;
mod revocation;
mod urls;

#[cfg(test)]
mod tests;

use cache::Entry;
pub(super) use client::check_url;
pub use gather::{Gathered, MAX_CHAIN_STEPS};
pub(crate) use gather::{find_issuer, self_signed};
pub use revocation::OCSP_MAX_BYTES;
pub(crate) use urls::{aia_urls, ocsp_urls};

use http_body_util::Full;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Limits of a [`RevocationFetcher`].
#[derive(Clone, Debug)]
pub struct FetchConfig {
    /// Total time for one request: connecting, sending and reading the whole body.
    pub timeout: Duration,
    /// Largest body accepted (CRLs); OCSP responses are further capped at [`OCSP_MAX_BYTES`].
    pub max_bytes: usize,
    /// The longest a fetched object is reused, even when its nextUpdate is later.
    pub cache_ttl: Duration,
    /// Most cached objects; the oldest is dropped first. 0 disables the cache.
    pub max_entries: usize,
    /// Why a URL the `allowed` predicate refuses is not contacted, as the error says it (`{url}
    /// refused: {refusal}`).
    pub refusal: String,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            timeout: Duration::from_secs(3),
            max_bytes: 8 * 1024 * 1024,
            cache_ttl: Duration::from_secs(300),
            max_entries: 1024,
            refusal: "not a supply point of the issuing region's trust list".into(),
        }
    }
}

/// One fetched object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// The DER OCSPResponse or CertificateList.
    pub der: Vec<u8>,
    /// Whether it came from the cache rather than the network.
    pub from_cache: bool,
    /// When it was fetched from the network, Unix seconds.
    pub fetched_at: i64,
}

/// One URL tried: what for, and what came of it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct UrlEvent {
    /// What was asked for: `OCSP`, `CRL`, `delta CRL`, `caIssuers`, `seal status`.
    pub kind: String,
    /// The URL.
    pub url: String,
    /// `fetched`, `cached` (fetched earlier, reused), `not-allowed` (nothing was sent: the
    /// allow-list or the URL form refused it) or `failed`.
    pub outcome: &'static str,
    /// The error, for `not-allowed` and `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl UrlEvent {
    /// The event of one attempt at `url` for `kind`; `from_cache` tells a reuse.
    pub fn of<T>(kind: &str, url: &str, r: &Result<T, FetchError>, from_cache: bool) -> Self {
        let (outcome, detail) = match r {
            Ok(_) if from_cache => ("cached", None),
            Ok(_) => ("fetched", None),
            Err(e @ (FetchError::NotAllowed(_) | FetchError::Scheme(_))) => {
                ("not-allowed", Some(e.to_string()))
            }
            Err(e) => ("failed", Some(e.to_string())),
        };
        UrlEvent {
            kind: kind.into(),
            url: url.into(),
            outcome,
            detail,
        }
    }
}

/// Why an object could not be fetched. Every message names the URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL is not a supply point of the issuing region's trust list (nothing was sent).
    #[error("{0}")]
    NotAllowed(String),
    /// Not a plain `http://` URL, or a URL with user information (nothing was sent).
    #[error("{0}")]
    Scheme(String),
    /// No complete answer within the configured timeout.
    #[error("{0}")]
    Timeout(String),
    /// The body is larger than allowed.
    #[error("{0}")]
    TooLarge(String),
    /// Connection failure, a status other than 200 (redirects included), or an OCSP responder
    /// status other than `successful`.
    #[error("{0}")]
    Http(String),
    /// The body is not the object asked for, or the inputs could not be used.
    #[error("{0}")]
    Malformed(String),
}
/// Fetches OCSP responses and CRLs from allowed supply points, with a cache. Cheap to share
/// through an `Arc`; one HTTP client (and its connection pool) serves all requests.
pub struct RevocationFetcher {
    cfg: FetchConfig,
    client: Client<HttpConnector, Full<Bytes>>,
    cache: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for RevocationFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationFetcher")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}
impl RevocationFetcher {
    /// A fetcher with its own HTTP client and an empty cache.
    pub fn new(cfg: FetchConfig) -> Self {
        let mut connector = HttpConnector::new();
        connector.enforce_http(true);
        connector.set_connect_timeout(Some(cfg.timeout));
        connector.set_nodelay(true);
        let client = Client::builder(hyper_util::rt::TokioExecutor::new())
            .pool_timer(hyper_util::rt::TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        RevocationFetcher {
            cfg,
            client,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &FetchConfig {
        &self.cfg
    }
}
