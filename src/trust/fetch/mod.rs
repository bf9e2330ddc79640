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

use crate::status::ocsp::{
    BasicOcspResponse, CertId, OCSP_BASIC, OcspRequest, OcspResponse, Request, ResponseStatus,
    TbsRequest,
};
use crate::verify::cert::{Cert, dn_string, names_equal};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use spki::AlgorithmIdentifierOwned;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;
use x509_cert::ext::pkix::AuthorityInfoAccessSyntax;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::serial_number::SerialNumber;

/// Largest OCSP response accepted, whatever [`FetchConfig::max_bytes`] says.
pub const OCSP_MAX_BYTES: usize = 64 * 1024;

/// Most certificates looked at by [`RevocationFetcher::gather`] on one chain.
pub const MAX_CHAIN_STEPS: usize = 6;

/// id-sha1 (the CertID hash of RFC 5019 clients).
const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
/// id-ad-ocsp.
const AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
/// id-pe-authorityInfoAccess.
const AIA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.1");

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

/// What [`RevocationFetcher::gather`] obtained for a chain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Gathered {
    /// DER CRLs (full and delta), without duplicates.
    pub crls: Vec<Vec<u8>>,
    /// DER OCSP responses, without duplicates.
    pub ocsp: Vec<Vec<u8>>,
    /// One line per certificate of the chain: what was used, or why nothing could be.
    pub notes: Vec<String>,
    /// Every URL tried, in order, with its outcome.
    pub urls: Vec<UrlEvent>,
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

/// One cached object.
struct Entry {
    der: Vec<u8>,
    /// Unix milliseconds of the fetch.
    fetched_ms: i64,
    /// Unix milliseconds from which the entry is no longer used.
    expires_ms: i64,
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

/// "3 s", "250 ms".
fn human_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// An error and its sources, on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.ends_with(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

/// The allow-list and URL-form checks; returns the URI to request. `refusal` says why a URL
/// `allowed` refuses is not contacted.
pub(super) fn check_url(
    url: &str,
    allowed: &dyn Fn(&str) -> bool,
    refusal: &str,
) -> Result<hyper::Uri, FetchError> {
    if !allowed(url) {
        return Err(FetchError::NotAllowed(format!("{url} refused: {refusal}")));
    }
    let lower = url.chars().take(8).collect::<String>().to_ascii_lowercase();
    if lower.starts_with("https://") {
        return Err(FetchError::Scheme(format!(
            "{url}: https is not supported: OCSP responses and CRLs are signed objects and are \
             fetched over plain http (RFC 5280, RFC 6960)"
        )));
    }
    if !lower.starts_with("http://") {
        return Err(FetchError::Scheme(format!(
            "{url}: only http:// URLs are fetched"
        )));
    }
    let uri: hyper::Uri = url
        .parse()
        .map_err(|e| FetchError::Scheme(format!("{url}: not a valid http URL: {e}")))?;
    if !uri
        .scheme_str()
        .is_some_and(|s| s.eq_ignore_ascii_case("http"))
    {
        return Err(FetchError::Scheme(format!(
            "{url}: only http:// URLs are fetched"
        )));
    }
    let Some(authority) = uri.authority() else {
        return Err(FetchError::Scheme(format!("{url}: no host")));
    };
    if authority.as_str().contains('@') {
        return Err(FetchError::Scheme(format!(
            "{url}: URLs with user information are refused"
        )));
    }
    if authority.host().is_empty() {
        return Err(FetchError::Scheme(format!("{url}: no host")));
    }
    // Addresses no CA publishes at, whatever a list says: unspecified, link-local (cloud
    // metadata services live at 169.254.169.254), multicast and broadcast. Loopback and private
    // ranges stay allowed (regions on internal networks; tests on loopback).
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    if let Ok(ip) = host.parse::<IpAddr>() {
        let refused = match ip {
            IpAddr::V4(v4) => {
                v4.is_unspecified() || v4.is_link_local() || v4.is_multicast() || v4.is_broadcast()
            }
            IpAddr::V6(v6) => {
                v6.is_unspecified()
                    || v6.is_multicast()
                    || (v6.segments()[0] & 0xffc0) == 0xfe80
                    || v6
                        .to_ipv4_mapped()
                        .is_some_and(|m| m.is_link_local() || m.is_unspecified())
            }
        };
        if refused {
            return Err(FetchError::NotAllowed(format!(
                "{url} refused: {ip} is an unspecified, link-local, multicast or broadcast address"
            )));
        }
    }
    Ok(uri)
}

/// The DER `CertID` (SHA-1) for `cert` issued by `issuer`.
fn cert_id(cert: &Cert, issuer: &Cert) -> Result<CertId, FetchError> {
    let bad = |what: &str| FetchError::Malformed(format!("cannot build the OCSP request: {what}"));
    let name = issuer
        .subject
        .to_der()
        .map_err(|e| bad(&format!("issuer name: {e}")))?;
    let spki = spki::SubjectPublicKeyInfoRef::from_der(&issuer.spki_der)
        .map_err(|e| bad(&format!("issuer key: {e}")))?;
    let sha1 = |data: &[u8]| {
        ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, data)
            .as_ref()
            .to_vec()
    };
    // The serial exactly as the certificate encodes it.
    let len = u8::try_from(cert.serial.len())
        .ok()
        .filter(|l| *l < 0x80 && *l > 0)
        .ok_or_else(|| bad("serial number length"))?;
    let mut serial_der = vec![0x02, len];
    serial_der.extend_from_slice(&cert.serial);
    let serial_number =
        SerialNumber::from_der(&serial_der).map_err(|e| bad(&format!("serial number: {e}")))?;
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: SHA1,
            parameters: None,
        },
        issuer_name_hash: OctetString::new(sha1(&name)).map_err(|e| bad(&e.to_string()))?,
        issuer_key_hash: OctetString::new(sha1(spki.subject_public_key.raw_bytes()))
            .map_err(|e| bad(&e.to_string()))?,
        serial_number,
    })
}

/// An OCSPRequest for one CertID, without nonce (RFC 5019: cacheable answers).
fn ocsp_request(id: &CertId) -> Result<Vec<u8>, FetchError> {
    OcspRequest {
        tbs_request: TbsRequest {
            version: 0,
            requestor_name: None,
            request_list: vec![Request {
                req_cert: id.clone(),
                single_request_extensions: None,
            }],
            request_extensions: None,
        },
        optional_signature: None,
    }
    .to_der()
    .map_err(|e| FetchError::Malformed(format!("cannot encode the OCSP request: {e}")))
}

/// Check an OCSP answer: successful, basic, with a SingleResponse for `id`. Returns the
/// response's nextUpdate (Unix seconds) for `id`, if any.
fn check_ocsp_response(
    url: &str,
    der_bytes: &[u8],
    id: &CertId,
) -> Result<Option<i64>, FetchError> {
    let bad = |what: String| FetchError::Malformed(format!("{url}: {what}"));
    let resp =
        OcspResponse::from_der(der_bytes).map_err(|e| bad(format!("not an OCSP response: {e}")))?;
    if resp.response_status != ResponseStatus::Successful {
        return Err(FetchError::Http(format!(
            "{url}: OCSP responder status {:?}",
            resp.response_status
        )));
    }
    let body = resp
        .response_bytes
        .ok_or_else(|| bad("successful OCSP response without responseBytes".into()))?;
    if body.response_type != OCSP_BASIC {
        return Err(bad(format!(
            "OCSP response type {} is not id-pkix-ocsp-basic",
            body.response_type
        )));
    }
    let basic = BasicOcspResponse::from_der(body.response.as_bytes())
        .map_err(|e| bad(format!("not a BasicOCSPResponse: {e}")))?;
    let single = basic
        .tbs_response_data
        .responses
        .iter()
        .find(|s| {
            let r = &s.cert_id;
            r.serial_number.as_bytes() == id.serial_number.as_bytes()
                && (r.hash_algorithm.oid != id.hash_algorithm.oid
                    || (r.issuer_name_hash == id.issuer_name_hash
                        && r.issuer_key_hash == id.issuer_key_hash))
        })
        .ok_or_else(|| {
            bad("the OCSP response does not answer for the certificate asked about".into())
        })?;
    Ok(single
        .next_update
        .map(|t| i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)))
}

/// Check a CRL; returns its nextUpdate (Unix seconds), if any.
fn check_crl(url: &str, der_bytes: &[u8]) -> Result<Option<i64>, FetchError> {
    let crl = crate::verify::revocation::Crl::from_der(der_bytes)
        .map_err(|e| FetchError::Malformed(format!("{url}: {e}")))?;
    Ok(crl.next_update)
}

/// The id-ad-ocsp URIs of a certificate's authorityInfoAccess.
pub(crate) fn ocsp_urls(der_bytes: &[u8]) -> Vec<String> {
    aia_urls(der_bytes, AD_OCSP)
}

/// The URIs of a certificate's authorityInfoAccess for access `method`.
pub(crate) fn aia_urls(der_bytes: &[u8], method: ObjectIdentifier) -> Vec<String> {
    let Ok(c) = x509_cert::certificate::CertificateInner::<x509_cert::certificate::Raw>::from_der(
        der_bytes,
    ) else {
        return vec![];
    };
    let Some(exts) = c.tbs_certificate().extensions() else {
        return vec![];
    };
    let mut out = Vec::new();
    for e in exts.iter().filter(|e| e.extn_id == AIA) {
        let Ok(aia) = AuthorityInfoAccessSyntax::from_der(e.extn_value.as_bytes()) else {
            continue;
        };
        for ad in aia.0 {
            if ad.access_method == method
                && let GeneralName::UniformResourceIdentifier(u) = ad.access_location
            {
                out.push(u.to_string());
            }
        }
    }
    out
}

/// The URI alternatives of each distribution point.
fn dp_urls(dps: Option<&Vec<DistributionPoint>>) -> Vec<Vec<String>> {
    dps.map(|v| {
        v.iter()
            .filter_map(|dp| match &dp.distribution_point {
                Some(DistributionPointName::FullName(names)) => Some(
                    names
                        .iter()
                        .filter_map(|n| match n {
                            GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
            .filter(|alts| !alts.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// Self-signed as far as names and key identifiers tell (the signature is not checked here).
pub(crate) fn self_signed(c: &Cert) -> bool {
    c.self_issued
        && match (&c.aki, &c.ski) {
            (Some(a), Some(s)) => a == s,
            _ => true,
        }
}

/// Try `urls` in order with `fetch` until one answers. Each attempt leaves a note in `parts`
/// (`{kind} {url}: fetched`, `… served from cache, fetched N s ago`, or `{kind} {error}`); the
/// first answer is returned.
async fn first_answer<'a, F, Fut>(
    kind: &str,
    urls: &'a [String],
    parts: &mut Vec<String>,
    events: &mut Vec<UrlEvent>,
    now: i64,
    mut fetch: F,
) -> Option<Vec<u8>>
where
    F: FnMut(&'a str) -> Fut,
    Fut: Future<Output = Result<Fetched, FetchError>>,
{
    for u in urls {
        let r = fetch(u).await;
        let cached = r.as_ref().is_ok_and(|f| f.from_cache);
        events.push(UrlEvent::of(kind, u, &r, cached));
        match r {
            Ok(f) => {
                let origin = if f.from_cache {
                    format!(
                        "served from cache, fetched {} s ago",
                        (now - f.fetched_at).max(0)
                    )
                } else {
                    "fetched".to_string()
                };
                parts.push(format!("{kind} {u}: {origin}"));
                return Some(f.der);
            }
            Err(e) => parts.push(format!("{kind} {e}")),
        }
    }
    None
}

fn push_unique(list: &mut Vec<Vec<u8>>, der_bytes: Vec<u8>) {
    if !list.contains(&der_bytes) {
        list.push(der_bytes);
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

    /// Drop every cached object.
    pub fn clear(&self) {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// A live cache entry; an expired one is removed (and not returned).
    fn cached(&self, key: &str) -> Option<Fetched> {
        let now = crate::clock::now_millis();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        match cache.get(key) {
            Some(e) if now < e.expires_ms => Some(Fetched {
                der: e.der.clone(),
                from_cache: true,
                fetched_at: e.fetched_ms.div_euclid(1000),
            }),
            Some(_) => {
                cache.remove(key);
                None
            }
            None => None,
        }
    }

    /// Remember a fresh object, valid until min(now + ttl, nextUpdate).
    fn remember(&self, key: String, der_bytes: &[u8], fetched_ms: i64, next_update: Option<i64>) {
        if self.cfg.max_entries == 0 {
            return;
        }
        let ttl_ms = i64::try_from(self.cfg.cache_ttl.as_millis()).unwrap_or(i64::MAX);
        let mut expires_ms = fetched_ms.saturating_add(ttl_ms);
        if let Some(n) = next_update {
            expires_ms = expires_ms.min(n.saturating_mul(1000));
        }
        if expires_ms <= fetched_ms {
            return;
        }
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if !cache.contains_key(&key) && cache.len() >= self.cfg.max_entries {
            let now = crate::clock::now_millis();
            cache.retain(|_, e| now < e.expires_ms);
            while cache.len() >= self.cfg.max_entries {
                let Some(oldest) = cache
                    .iter()
                    .min_by_key(|(_, e)| e.fetched_ms)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                cache.remove(&oldest);
            }
        }
        cache.insert(
            key,
            Entry {
                der: der_bytes.to_vec(),
                fetched_ms,
                expires_ms,
            },
        );
    }

    /// One HTTP exchange: 200 only, no redirects, body capped at `cap`, all within the timeout.
    pub(super) async fn exchange(
        &self,
        url: &str,
        req: hyper::Request<Full<Bytes>>,
        cap: usize,
    ) -> Result<Vec<u8>, FetchError> {
        let work = async {
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| FetchError::Http(format!("{url}: {}", error_chain(&e))))?;
            let status = resp.status();
            if status.is_redirection() {
                let to = resp
                    .headers()
                    .get(hyper::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("?")
                    .chars()
                    .take(200)
                    .collect::<String>();
                return Err(FetchError::Http(format!(
                    "{url}: redirect ({status}) to {to} not followed: only supply points listed \
                     in the trust list are contacted"
                )));
            }
            if status != hyper::StatusCode::OK {
                return Err(FetchError::Http(format!("{url}: HTTP status {status}")));
            }
            let too_large =
                || FetchError::TooLarge(format!("{url}: answer larger than {cap} bytes"));
            let declared = resp
                .headers()
                .get(hyper::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            if declared.is_some_and(|n| n > cap as u64) {
                return Err(too_large());
            }
            let initial = declared
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0)
                .min(cap);
            let mut buf = Vec::with_capacity(initial);
            let mut body = resp.into_body();
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| {
                    FetchError::Http(format!("{url}: reading the answer: {}", error_chain(&e)))
                })?;
                if let Ok(data) = frame.into_data() {
                    if buf.len().saturating_add(data.len()) > cap {
                        return Err(too_large());
                    }
                    buf.extend_from_slice(&data);
                }
            }
            Ok(buf)
        };
        match tokio::time::timeout(self.cfg.timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout(format!(
                "{url}: timeout after {}",
                human_duration(self.cfg.timeout)
            ))),
        }
    }

    /// OCSP for `cert` issued by `issuer` from responder `url`, which must be in `allowed`.
    ///
    /// Sends a nonce-less RFC 6960 request with one SHA-1 CertID by POST; accepts only HTTP
    /// 200 with a `successful` basic response answering for that CertID (the signature is for
    /// the path validator to check). Responder statuses other than `successful` are
    /// [`FetchError::Http`].
    ///
    /// `allowed`, the URL form and the certificates are checked when this is called, before
    /// the returned future is polled; the future holds no reference to `allowed`, so it is
    /// `Send` whatever the predicate is.
    pub fn ocsp<'a>(
        &'a self,
        url: &'a str,
        cert: &[u8],
        issuer: &[u8],
        allowed: &dyn Fn(&str) -> bool,
    ) -> impl Future<Output = Result<Fetched, FetchError>> + Send + use<'a> {
        let prepared = check_url(url, allowed, &self.cfg.refusal).and_then(|uri| {
            let c = Cert::from_der(cert)
                .map_err(|e| FetchError::Malformed(format!("certificate: {e}")))?;
            let i = Cert::from_der(issuer)
                .map_err(|e| FetchError::Malformed(format!("issuer certificate: {e}")))?;
            Ok((uri, c, i))
        });
        async move {
            let (uri, c, i) = prepared?;
            self.fetch_ocsp(url, uri, &c, &i).await
        }
    }

    /// OCSP for a parsed certificate and issuer from an already checked URL.
    async fn fetch_ocsp(
        &self,
        url: &str,
        uri: hyper::Uri,
        c: &Cert,
        i: &Cert,
    ) -> Result<Fetched, FetchError> {
        if !names_equal(&c.issuer, &i.subject) {
            return Err(FetchError::Malformed(format!(
                "{} is not the issuer of {}",
                dn_string(&i.subject),
                c.describe()
            )));
        }
        let id = cert_id(c, i)?;
        let id_der = id
            .to_der()
            .map_err(|e| FetchError::Malformed(format!("cannot encode the CertID: {e}")))?;
        let key = format!("ocsp {url} {}", hex::encode(&id_der));
        if let Some(hit) = self.cached(&key) {
            return Ok(hit);
        }
        let body = ocsp_request(&id)?;
        let req = hyper::Request::post(uri)
            .header(hyper::header::CONTENT_TYPE, "application/ocsp-request")
            .header(hyper::header::ACCEPT, "application/ocsp-response")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| FetchError::Scheme(format!("{url}: {e}")))?;
        let fetched_ms = crate::clock::now_millis();
        let der_bytes = self
            .exchange(url, req, self.cfg.max_bytes.min(OCSP_MAX_BYTES))
            .await?;
        let next_update = check_ocsp_response(url, &der_bytes, &id)?;
        self.remember(key, &der_bytes, fetched_ms, next_update);
        Ok(Fetched {
            der: der_bytes,
            from_cache: false,
            fetched_at: fetched_ms.div_euclid(1000),
        })
    }

    /// A CRL (full or delta) from `url`, which must be in `allowed`. GET; accepts only HTTP 200
    /// with a DER CertificateList (its signature is for the path validator to check).
    ///
    /// `allowed` and the URL form are checked when this is called, before the returned future
    /// is polled; the future is `Send` whatever the predicate is.
    pub fn crl<'a>(
        &'a self,
        url: &'a str,
        allowed: &dyn Fn(&str) -> bool,
    ) -> impl Future<Output = Result<Fetched, FetchError>> + Send + use<'a> {
        let checked = check_url(url, allowed, &self.cfg.refusal);
        async move { self.fetch_crl(url, checked?).await }
    }

    /// A CRL from an already checked URL.
    async fn fetch_crl(&self, url: &str, uri: hyper::Uri) -> Result<Fetched, FetchError> {
        let key = format!("crl {url}");
        if let Some(hit) = self.cached(&key) {
            return Ok(hit);
        }
        let req = hyper::Request::get(uri)
            .header(hyper::header::ACCEPT, "application/pkix-crl")
            .body(Full::new(Bytes::new()))
            .map_err(|e| FetchError::Scheme(format!("{url}: {e}")))?;
        let fetched_ms = crate::clock::now_millis();
        let der_bytes = self.exchange(url, req, self.cfg.max_bytes).await?;
        let next_update = check_crl(url, &der_bytes)?;
        self.remember(key, &der_bytes, fetched_ms, next_update);
        Ok(Fetched {
            der: der_bytes,
            from_cache: false,
            fetched_at: fetched_ms.div_euclid(1000),
        })
    }

    /// Any object from `url` (which must be in `allowed`) by GET, neither cached nor parsed:
    /// for signed objects other than CRLs and OCSP responses (a peer's trust list). The same
    /// rules apply: plain `http://` only, no redirects, the timeout, and `max_bytes`.
    pub fn get<'a>(
        &'a self,
        url: &'a str,
        allowed: &dyn Fn(&str) -> bool,
    ) -> impl Future<Output = Result<Vec<u8>, FetchError>> + Send + use<'a> {
        self.get_capped(url, allowed, self.cfg.max_bytes)
    }

    /// [`RevocationFetcher::get`] with the body capped at `cap` bytes (and at `max_bytes`).
    pub fn get_capped<'a>(
        &'a self,
        url: &'a str,
        allowed: &dyn Fn(&str) -> bool,
        cap: usize,
    ) -> impl Future<Output = Result<Vec<u8>, FetchError>> + Send + use<'a> {
        let checked = check_url(url, allowed, &self.cfg.refusal);
        async move {
            let req = hyper::Request::get(checked?)
                .body(Full::new(Bytes::new()))
                .map_err(|e| FetchError::Scheme(format!("{url}: {e}")))?;
            self.exchange(url, req, cap.min(self.cfg.max_bytes)).await
        }
    }

    /// Gather revocation data for a chain.
    ///
    /// Starting at `target`, each certificate's issuer is looked up in `pool` (the issuing
    /// region's CA certificates: issuer name = subject name and, when both are present,
    /// AKI = SKI); the walk stops at a self-signed certificate, at a certificate whose issuer
    /// is not in the pool, or after [`MAX_CHAIN_STEPS`] certificates. For each certificate that
    /// is not self-signed: OCSP from its AIA responder when that URL is allowed and the issuer
    /// is known; otherwise (or when OCSP fails) the allowed CRL distribution point URLs (one
    /// success per distribution point), then, once a full CRL was obtained, the freshestCRL
    /// (delta) URLs. One note per certificate says what was used or why nothing could be.
    ///
    /// The chain is walked and every URL it names is put to `allowed` when this is called;
    /// the returned future only fetches, holds no reference to `allowed`, and is `Send`.
    pub fn gather<'a>(
        &'a self,
        target: &[u8],
        pool: &[Vec<u8>],
        allowed: &dyn Fn(&str) -> bool,
    ) -> impl Future<Output = Gathered> + Send + use<'a> {
        let (plan, head) = plan_chain(target, pool);
        // The allow-list verdict of every URL the plan may use, decided now.
        let mut verdicts: HashMap<String, Result<hyper::Uri, String>> = HashMap::new();
        for p in &plan {
            let urls = p
                .ocsp
                .iter()
                .chain(p.crls.iter().flatten())
                .chain(p.deltas.iter().flatten());
            for u in urls {
                if !verdicts.contains_key(u) {
                    let v = check_url(u, allowed, &self.cfg.refusal).map_err(|e| e.to_string());
                    verdicts.insert(u.clone(), v);
                }
            }
        }
        async move { self.run_plan(plan, head, verdicts).await }
    }

    /// Fetch what a chain plan calls for.
    async fn run_plan(
        &self,
        plan: Vec<Planned>,
        head: Vec<String>,
        verdicts: HashMap<String, Result<hyper::Uri, String>>,
    ) -> Gathered {
        let mut out = Gathered {
            notes: head,
            ..Gathered::default()
        };
        for p in plan {
            let who = p.cert.describe();
            if p.self_signed {
                out.notes
                    .push(format!("{who}: self-signed: no revocation data needed"));
                out.notes.extend(p.after);
                continue;
            }
            let now = crate::clock::now_secs();
            let checked = |u: &str| -> Result<hyper::Uri, FetchError> {
                match verdicts.get(u) {
                    Some(Ok(uri)) => Ok(uri.clone()),
                    Some(Err(m)) => Err(FetchError::NotAllowed(m.clone())),
                    None => Err(FetchError::NotAllowed(format!("{u} refused: not checked"))),
                }
            };
            let mut parts: Vec<String> = Vec::new();
            let mut done = false;
            match &p.issuer {
                Some(i) => {
                    if p.ocsp.is_empty() {
                        parts.push("no OCSP responder in the certificate".into());
                    }
                    let cert = &p.cert;
                    let got = first_answer(
                        "OCSP",
                        &p.ocsp,
                        &mut parts,
                        &mut out.urls,
                        now,
                        |u| async move { self.fetch_ocsp(u, checked(u)?, cert, i).await },
                    )
                    .await;
                    if let Some(der_bytes) = got {
                        push_unique(&mut out.ocsp, der_bytes);
                        done = true;
                    }
                }
                None if !p.ocsp.is_empty() => parts.push(format!(
                    "OCSP impossible: issuer {} is not among the issuing region's CA certificates",
                    dn_string(&p.cert.issuer)
                )),
                None => {}
            }
            if !done {
                if p.crls.is_empty() {
                    parts.push("no CRL distribution point in the certificate".into());
                }
                for (kind, lists) in [("CRL", &p.crls), ("delta CRL", &p.deltas)] {
                    if kind == "delta CRL" && !done {
                        break;
                    }
                    for alternatives in lists {
                        let got = first_answer(
                            kind,
                            alternatives,
                            &mut parts,
                            &mut out.urls,
                            now,
                            |u| async move { self.fetch_crl(u, checked(u)?).await },
                        )
                        .await;
                        if let Some(der_bytes) = got {
                            push_unique(&mut out.crls, der_bytes);
                            done = true;
                        }
                    }
                }
            }
            if !done {
                parts.push("no revocation data obtained".into());
            }
            out.notes.push(format!("{who}: {}", parts.join("; ")));
            out.notes.extend(p.after);
        }
        out
    }
}

/// One certificate of a chain and where its status can be fetched.
struct Planned {
    cert: Cert,
    issuer: Option<Cert>,
    self_signed: bool,
    /// AIA OCSP responders.
    ocsp: Vec<String>,
    /// CRL distribution points (URI alternatives of each).
    crls: Vec<Vec<String>>,
    /// freshestCRL distribution points.
    deltas: Vec<Vec<String>>,
    /// Notes after this certificate's (why the walk stopped).
    after: Vec<String>,
}

/// The issuer of `c` in `pool` as far as names and key identifiers tell: issuer name = subject
/// name and, when both are present, AKI = SKI (the signature is the validator's to check).
pub(crate) fn find_issuer<'p>(pool: &'p [Cert], c: &Cert) -> Option<&'p Cert> {
    pool.iter().find(|p| {
        p.fingerprint != c.fingerprint
            && names_equal(&p.subject, &c.issuer)
            && match (&c.aki, &p.ski) {
                (Some(a), Some(s)) => a == s,
                _ => true,
            }
    })
}

/// Walk the chain from `target` through `pool` (no network). Returns the certificates and
/// the notes to put first (when the target does not parse).
fn plan_chain(target: &[u8], pool: &[Vec<u8>]) -> (Vec<Planned>, Vec<String>) {
    let pool: Vec<Cert> = pool.iter().filter_map(|d| Cert::from_der(d).ok()).collect();
    let mut current = match Cert::from_der(target) {
        Ok(c) => c,
        Err(e) => return (vec![], vec![format!("target: {e}")]),
    };
    let mut plan: Vec<Planned> = Vec::new();
    let mut seen: Vec<[u8; 32]> = Vec::new();
    for step in 0..MAX_CHAIN_STEPS {
        seen.push(current.fingerprint);
        if self_signed(&current) {
            plan.push(Planned {
                cert: current,
                issuer: None,
                self_signed: true,
                ocsp: vec![],
                crls: vec![],
                deltas: vec![],
                after: vec![],
            });
            break;
        }
        let issuer = find_issuer(&pool, &current).cloned();
        let who = current.describe();
        let mut after = Vec::new();
        let next = match issuer.clone() {
            None => {
                after.push(format!(
                    "issuer {} of {who} is not among the issuing region's CA certificates: \
                     chain not followed further",
                    dn_string(&current.issuer)
                ));
                None
            }
            Some(n) if seen.contains(&n.fingerprint) => {
                after.push(format!("{}: loop in the chain, stopped", n.describe()));
                None
            }
            Some(n) if step + 1 == MAX_CHAIN_STEPS => {
                after.push(format!(
                    "chain longer than {MAX_CHAIN_STEPS} certificates: stopped before {}",
                    n.describe()
                ));
                None
            }
            Some(n) => Some(n),
        };
        plan.push(Planned {
            ocsp: ocsp_urls(&current.der),
            crls: dp_urls(current.crl_dps.as_ref()),
            deltas: dp_urls(current.freshest_crl.as_ref()),
            cert: current,
            issuer,
            self_signed: false,
            after,
        });
        match next {
            Some(n) => current = n,
            None => break,
        }
    }
    (plan, vec![])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Algorithm, PrivateKey, Signer};
    use crate::pki::cert::{self, CertificateTemplate, NameBuilder, StringKind, extensions as ext};
    use crate::status::crl::{CrlParams, EntryEncoder, build_crl};
    use crate::status::ocsp::{Known, Responder, parse_request, sign_response, status_only};
    use axum::body::Body;
    use axum::extract::State;
    use axum::response::Response;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// A CA key with its certificate.
    struct Ca {
        key: PrivateKey,
        der: Vec<u8>,
        ski: Vec<u8>,
    }

    /// The test region: root → issuing CA → leaf, and the server publishing their status.
    struct Fixture {
        base: String,
        srv: Arc<Srv>,
        root: Ca,
        issuing: Ca,
        leaf: Vec<u8>,
    }

    /// The supply-point server: what it serves and how often it was asked.
    struct Srv {
        hits: Mutex<HashMap<String, usize>>,
        total: AtomicUsize,
        fail: AtomicBool,
        responder: Responder,
        issuing_key: PrivateKey,
        issuing: Vec<u8>,
        issuing_ski: Vec<u8>,
        root_crl: Vec<u8>,
        issuing_crl: Vec<u8>,
        delta_crl: Vec<u8>,
    }

    impl Srv {
        fn hits(&self, path: &str) -> usize {
            self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
        }
        fn total(&self) -> usize {
            self.total.load(Ordering::SeqCst)
        }
    }

    fn name(cn: &str) -> x509_cert::name::Name {
        NameBuilder::new()
            .push(cert::attr::CN, StringKind::Utf8, cn)
            .build()
            .unwrap()
    }

    fn signer(k: &PrivateKey) -> Arc<dyn Signer> {
        Arc::new(k.signer().unwrap())
    }

    fn crl_of(
        ca: &[u8],
        ski: &[u8],
        key: &PrivateKey,
        number: u64,
        delta: Option<u64>,
        next: i64,
    ) -> Vec<u8> {
        let now = crate::clock::now_secs();
        build_crl(
            &CrlParams {
                issuer_cert: ca.to_vec(),
                issuer_ski: ski.to_vec(),
                number,
                delta_base: delta,
                this_update: now - 60,
                next_update: next,
            },
            EntryEncoder::default(),
            signer(key).as_ref(),
        )
        .unwrap()
    }

    fn respond(status: u16, ctype: &str, body: Vec<u8>) -> Response {
        Response::builder()
            .status(status)
            .header("content-type", ctype)
            .body(Body::from(body))
            .unwrap()
    }

    /// A body of `n` chunks of `size` bytes, one every `every` (no content-length).
    fn trickle(n: usize, size: usize, every: Duration) -> Response {
        let s = futures_util::stream::unfold(0usize, move |i| async move {
            if i >= n {
                return None;
            }
            tokio::time::sleep(every).await;
            Some((
                Ok::<_, std::io::Error>(Bytes::from(vec![0x30u8; size])),
                i + 1,
            ))
        });
        Response::builder()
            .status(200)
            .body(Body::from_stream(s))
            .unwrap()
    }

    async fn ocsp_answer(s: &Srv, req: axum::extract::Request, wrong_serial: bool) -> Response {
        let Ok(body) = axum::body::to_bytes(req.into_body(), 1 << 16).await else {
            return respond(400, "text/plain", vec![]);
        };
        let parsed = match parse_request(&body) {
            Ok(p) => p,
            Err(st) => return respond(200, "application/ocsp-response", status_only(st)),
        };
        let answers = parsed
            .ids
            .into_iter()
            .map(|mut id| {
                if wrong_serial {
                    id.serial_number = SerialNumber::new(&[0x7f, 0x7e]).unwrap();
                }
                (id, Known::Good)
            })
            .collect();
        let der_bytes =
            sign_response(&s.responder, answers, crate::clock::now_secs(), 3600, None).unwrap();
        respond(200, "application/ocsp-response", der_bytes)
    }

    async fn handle(State(s): State<Arc<Srv>>, req: axum::extract::Request) -> Response {
        let path = req.uri().path().to_string();
        s.total.fetch_add(1, Ordering::SeqCst);
        *s.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
        let crl = "application/pkix-crl";
        match path.as_str() {
            "/ocsp" => ocsp_answer(&s, req, false).await,
            "/ocsp-wrong-serial" => ocsp_answer(&s, req, true).await,
            "/ocsp-trylater" => respond(
                200,
                "application/ocsp-response",
                status_only(ResponseStatus::TryLater),
            ),
            "/ocsp-huge" => respond(200, "application/ocsp-response", vec![0x30; 100 * 1024]),
            "/root.crl" => respond(200, crl, s.root_crl.clone()),
            "/issuing.crl" => respond(200, crl, s.issuing_crl.clone()),
            "/delta.crl" => respond(200, crl, s.delta_crl.clone()),
            "/flaky.crl" if s.fail.load(Ordering::SeqCst) => {
                respond(500, "text/plain", b"down".to_vec())
            }
            "/flaky.crl" => respond(200, crl, s.issuing_crl.clone()),
            "/short.crl" => {
                // nextUpdate two seconds from now: earlier than the cache TTL.
                let next = crate::clock::now_secs() + 2;
                respond(
                    200,
                    crl,
                    crl_of(&s.issuing, &s.issuing_ski, &s.issuing_key, 9, None, next),
                )
            }
            "/slow" => {
                tokio::time::sleep(Duration::from_secs(3)).await;
                respond(200, crl, s.issuing_crl.clone())
            }
            "/slow-body" => trickle(30, 10, Duration::from_millis(100)),
            "/huge" => respond(200, crl, vec![0x30; 300 * 1024]),
            "/huge-chunked" => trickle(40, 16 * 1024, Duration::ZERO),
            "/redirect" => Response::builder()
                .status(302)
                .header("location", "http://169.254.169.254/latest/meta-data/")
                .body(Body::empty())
                .unwrap(),
            "/garbage" => respond(200, crl, b"this is not DER at all".to_vec()),
            _ => respond(404, "text/plain", b"no such thing".to_vec()),
        }
    }

    fn make_ca(
        cn: &str,
        serial: u8,
        parent: Option<&Ca>,
        extra: Vec<x509_cert::ext::Extension>,
    ) -> Ca {
        let key = PrivateKey::generate(Algorithm::P256).unwrap();
        let spki = key.public_key_spki_der().unwrap();
        let ski = cert::key_identifier(&spki).unwrap();
        let now = crate::clock::now_secs();
        let (issuer, sign_key, aki) = match parent {
            Some(p) => {
                let c = Cert::from_der(&p.der).unwrap();
                (c.subject, &p.key, p.ski.clone())
            }
            None => (name(cn), &key, ski.clone()),
        };
        let mut exts = vec![
            ext::basic_constraints(true, None).unwrap(),
            ext::key_usage(&["keyCertSign", "cRLSign"]).unwrap(),
            ext::subject_key_identifier(&ski).unwrap(),
            ext::authority_key_identifier(&aki).unwrap(),
        ];
        exts.extend(extra);
        let der = cert::sign_certificate(
            &CertificateTemplate {
                serial: vec![serial],
                issuer,
                subject: name(cn),
                not_before: now - 3600,
                not_after: now + 86400,
                spki_der: spki,
                extensions: exts,
            },
            signer(sign_key).as_ref(),
        )
        .unwrap();
        Ca { key, der, ski }
    }

    async fn fixture() -> Fixture {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let root = make_ca("Test Root", 1, None, vec![]);
        let issuing = make_ca(
            "Test Issuing CA",
            2,
            Some(&root),
            vec![ext::crl_distribution_point(&format!("{base}/root.crl")).unwrap()],
        );
        let leaf = make_ca(
            "Test Leaf",
            0x83,
            Some(&issuing),
            vec![
                ext::authority_info_access(&format!("{base}/ocsp"), &format!("{base}/ca.cer"))
                    .unwrap(),
                ext::crl_distribution_point(&format!("{base}/issuing.crl")).unwrap(),
                ext::freshest_crl(&format!("{base}/delta.crl")).unwrap(),
            ],
        )
        .der;
        let next = crate::clock::now_secs() + 3600;
        let srv = Arc::new(Srv {
            hits: Mutex::new(HashMap::new()),
            total: AtomicUsize::new(0),
            fail: AtomicBool::new(false),
            responder: Responder::new(signer(&issuing.key), &issuing.der).unwrap(),
            issuing_key: PrivateKey::generate(Algorithm::P256).unwrap(),
            issuing: issuing.der.clone(),
            issuing_ski: issuing.ski.clone(),
            root_crl: crl_of(&root.der, &root.ski, &root.key, 1, None, next),
            issuing_crl: crl_of(&issuing.der, &issuing.ski, &issuing.key, 5, None, next),
            delta_crl: crl_of(&issuing.der, &issuing.ski, &issuing.key, 6, Some(5), next),
        });
        let app = axum::Router::new().fallback(handle).with_state(srv.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Fixture {
            base,
            srv,
            root,
            issuing,
            leaf,
        }
    }

    fn all(_: &str) -> bool {
        true
    }

    fn quick() -> FetchConfig {
        FetchConfig {
            timeout: Duration::from_millis(500),
            ..FetchConfig::default()
        }
    }

    #[test]
    fn shareable() {
        fn is_send_sync<T: Send + Sync>() {}
        is_send_sync::<RevocationFetcher>();
        is_send_sync::<Arc<RevocationFetcher>>();
    }

    #[tokio::test]
    async fn disallowed_urls_are_never_contacted() {
        let fx = fixture().await;
        let f = RevocationFetcher::new(quick());
        let crl_url = format!("{}/issuing.crl", fx.base);
        let ocsp_url = format!("{}/ocsp", fx.base);
        let none = |_: &str| false;
        let e = f.crl(&crl_url, &none).await.unwrap_err();
        assert!(matches!(e, FetchError::NotAllowed(_)), "{e}");
        assert!(e.to_string().contains("not a supply point"), "{e}");
        let e = f
            .ocsp(&ocsp_url, &fx.leaf, &fx.issuing.der, &none)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::NotAllowed(_)), "{e}");
        // The exact string is checked: a look-alike of an allowed URL is refused.
        let only = |u: &str| u == crl_url;
        let e = f.crl(&format!("{crl_url}?x=1"), &only).await.unwrap_err();
        assert!(matches!(e, FetchError::NotAllowed(_)), "{e}");
        assert_eq!(fx.srv.total(), 0, "no request may reach the server");
        assert!(f.crl(&crl_url, &only).await.is_ok());
        assert_eq!(fx.srv.total(), 1);
    }

    #[tokio::test]
    async fn only_plain_http_without_userinfo() {
        let fx = fixture().await;
        let f = RevocationFetcher::new(quick());
        let host = fx.base.trim_start_matches("http://");
        for (url, want) in [
            (
                format!("https://{host}/issuing.crl"),
                "https is not supported",
            ),
            (format!("ldap://{host}/cn=x"), "only http://"),
            (
                format!("http://user:pw@{host}/issuing.crl"),
                "user information",
            ),
            ("http://".to_string(), "not a valid http URL"),
            ("not a url".to_string(), "only http://"),
        ] {
            let e = f.crl(&url, &all).await.unwrap_err();
            assert!(matches!(e, FetchError::Scheme(_)), "{url}: {e}");
            assert!(e.to_string().contains(want), "{url}: {e}");
        }
        let e = f
            .ocsp(
                &format!("https://{host}/ocsp"),
                &fx.leaf,
                &fx.issuing.der,
                &all,
            )
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Scheme(_)), "{e}");
        assert_eq!(fx.srv.total(), 0);
        // Metadata-style and other addresses no CA publishes at, even when "allowed".
        for url in [
            "http://169.254.169.254/latest/meta-data/",
            "http://0.0.0.0/x.crl",
            "http://224.0.0.1/x.crl",
            "http://255.255.255.255/x.crl",
            "http://[fe80::1]/x.crl",
            "http://[::ffff:169.254.169.254]/x.crl",
        ] {
            let e = f.crl(url, &all).await.unwrap_err();
            assert!(matches!(e, FetchError::NotAllowed(_)), "{url}: {e}");
        }
    }

    #[tokio::test]
    async fn timeouts_cover_headers_and_body() {
        let fx = fixture().await;
        let f = RevocationFetcher::new(quick());
        for path in ["/slow", "/slow-body"] {
            let started = std::time::Instant::now();
            let e = f
                .crl(&format!("{}{path}", fx.base), &all)
                .await
                .unwrap_err();
            assert!(matches!(e, FetchError::Timeout(_)), "{path}: {e}");
            assert!(e.to_string().contains("timeout after 500 ms"), "{e}");
            assert!(started.elapsed() < Duration::from_secs(2), "{path}");
        }
        let slow_ocsp = RevocationFetcher::new(FetchConfig {
            timeout: Duration::from_millis(300),
            ..FetchConfig::default()
        });
        let e = slow_ocsp
            .ocsp(
                &format!("{}/slow", fx.base),
                &fx.leaf,
                &fx.issuing.der,
                &all,
            )
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Timeout(_)), "{e}");
        // Nothing listens here (the port was just released): a connection error, not a hang.
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let dead = format!("http://{}/x.crl", l.local_addr().unwrap());
        drop(l);
        let e = f.crl(&dead, &all).await.unwrap_err();
        assert!(matches!(e, FetchError::Http(_)), "{e}");
    }

    #[tokio::test]
    async fn bodies_are_capped() {
        let fx = fixture().await;
        let small = RevocationFetcher::new(FetchConfig {
            max_bytes: 100 * 1024,
            ..quick()
        });
        for path in ["/huge", "/huge-chunked"] {
            let e = small
                .crl(&format!("{}{path}", fx.base), &all)
                .await
                .unwrap_err();
            assert!(matches!(e, FetchError::TooLarge(_)), "{path}: {e}");
        }
        // The real CRL fits.
        assert!(
            small
                .crl(&format!("{}/issuing.crl", fx.base), &all)
                .await
                .is_ok()
        );
        // OCSP answers are capped at 64 KiB whatever max_bytes says.
        let big = RevocationFetcher::new(quick());
        let e = big
            .ocsp(
                &format!("{}/ocsp-huge", fx.base),
                &fx.leaf,
                &fx.issuing.der,
                &all,
            )
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::TooLarge(_)), "{e}");
        assert!(e.to_string().contains("65536"), "{e}");
    }

    #[tokio::test]
    async fn redirects_statuses_and_garbage_are_refused() {
        let fx = fixture().await;
        let f = RevocationFetcher::new(quick());
        let b = &fx.base;
        let e = f.crl(&format!("{b}/redirect"), &all).await.unwrap_err();
        assert!(matches!(e, FetchError::Http(_)), "{e}");
        assert!(e.to_string().contains("not followed"), "{e}");
        assert_eq!(fx.srv.total(), 1, "the redirect target was not contacted");
        let e = f.crl(&format!("{b}/missing.crl"), &all).await.unwrap_err();
        assert!(matches!(e, FetchError::Http(_)), "{e}");
        assert!(e.to_string().contains("404"), "{e}");
        let e = f.crl(&format!("{b}/garbage"), &all).await.unwrap_err();
        assert!(matches!(e, FetchError::Malformed(_)), "{e}");
        // An OCSP response where a CRL was expected (and vice versa) is malformed.
        let e = f
            .ocsp(&format!("{b}/issuing.crl"), &fx.leaf, &fx.issuing.der, &all)
            .await;
        // (GET-only CRL endpoint answers the POST with the CRL body.)
        assert!(matches!(e, Err(FetchError::Malformed(_))), "{e:?}");
        let e = f
            .ocsp(&format!("{b}/garbage"), &fx.leaf, &fx.issuing.der, &all)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Malformed(_)), "{e}");
        let e = f
            .ocsp(
                &format!("{b}/ocsp-wrong-serial"),
                &fx.leaf,
                &fx.issuing.der,
                &all,
            )
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Malformed(_)), "{e}");
        assert!(e.to_string().contains("does not answer"), "{e}");
        let e = f
            .ocsp(
                &format!("{b}/ocsp-trylater"),
                &fx.leaf,
                &fx.issuing.der,
                &all,
            )
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Http(_)), "{e}");
        assert!(e.to_string().contains("TryLater"), "{e}");
        // The wrong issuer is refused before anything is sent.
        let before = fx.srv.total();
        let e = f
            .ocsp(&format!("{b}/ocsp"), &fx.leaf, &fx.root.der, &all)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Malformed(_)), "{e}");
        assert_eq!(fx.srv.total(), before);
        // Nothing that failed was cached.
        let e = f.crl(&format!("{b}/garbage"), &all).await.unwrap_err();
        assert!(matches!(e, FetchError::Malformed(_)), "{e}");
        assert_eq!(fx.srv.hits("/garbage"), 3);
    }

    #[tokio::test]
    async fn ocsp_request_and_response() {
        let fx = fixture().await;
        let f = RevocationFetcher::new(quick());
        let url = format!("{}/ocsp", fx.base);
        let got = f.ocsp(&url, &fx.leaf, &fx.issuing.der, &all).await.unwrap();
        assert!(!got.from_cache);
        assert!((got.fetched_at - crate::clock::now_secs()).abs() <= 1);
        let resp = OcspResponse::from_der(&got.der).unwrap();
        assert_eq!(resp.response_status, ResponseStatus::Successful);
        let basic =
            BasicOcspResponse::from_der(resp.response_bytes.unwrap().response.as_bytes()).unwrap();
        let single = &basic.tbs_response_data.responses[0];
        // The responder saw our SHA-1 CertID for the leaf, with the serial as encoded (0x0083).
        assert_eq!(single.cert_id.hash_algorithm.oid, SHA1);
        assert_eq!(single.cert_id.serial_number.as_bytes(), &[0x00, 0x83]);
        let hashes = crate::status::ocsp::IssuerHashes::of(&fx.issuing.der).unwrap();
        assert!(hashes.matches(&single.cert_id));
        assert!(
            basic.tbs_response_data.response_extensions.is_none(),
            "no nonce"
        );
        // Cached per certificate: the issuing CA's own status is another key.
        let again = f.ocsp(&url, &fx.leaf, &fx.issuing.der, &all).await.unwrap();
        assert!(again.from_cache);
        assert_eq!(again.der, got.der);
        assert_eq!(fx.srv.hits("/ocsp"), 1);
        let other = f
            .ocsp(&url, &fx.issuing.der, &fx.root.der, &all)
            .await
            .unwrap();
        assert!(!other.from_cache);
        assert_eq!(fx.srv.hits("/ocsp"), 2);
    }

    #[tokio::test]
    async fn cache_reuse_expiry_and_no_stale_data() {
        let fx = fixture().await;
        let b = &fx.base;
        let f = RevocationFetcher::new(quick());
        let url = format!("{b}/issuing.crl");
        let first = f.crl(&url, &all).await.unwrap();
        assert!(!first.from_cache);
        assert_eq!(first.der, fx.srv.issuing_crl);
        let second = f.crl(&url, &all).await.unwrap();
        assert!(second.from_cache);
        assert_eq!(second.der, first.der);
        assert_eq!(second.fetched_at, first.fetched_at);
        assert_eq!(fx.srv.hits("/issuing.crl"), 1);
        f.clear();
        assert!(!f.crl(&url, &all).await.unwrap().from_cache);
        assert_eq!(fx.srv.hits("/issuing.crl"), 2);

        // After the TTL the object is fetched again; a failed refetch is an error, not the
        // stale copy.
        let short = RevocationFetcher::new(FetchConfig {
            cache_ttl: Duration::from_secs(1),
            ..quick()
        });
        let flaky = format!("{b}/flaky.crl");
        assert!(!short.crl(&url, &all).await.unwrap().from_cache);
        assert!(!short.crl(&flaky, &all).await.unwrap().from_cache);
        assert!(short.crl(&flaky, &all).await.unwrap().from_cache);
        let ocsp = format!("{b}/ocsp");
        assert!(
            !short
                .ocsp(&ocsp, &fx.leaf, &fx.issuing.der, &all)
                .await
                .unwrap()
                .from_cache
        );
        tokio::time::sleep(Duration::from_millis(1100)).await;
        fx.srv.fail.store(true, Ordering::SeqCst);
        assert!(!short.crl(&url, &all).await.unwrap().from_cache);
        assert_eq!(fx.srv.hits("/issuing.crl"), 4);
        assert!(
            !short
                .ocsp(&ocsp, &fx.leaf, &fx.issuing.der, &all)
                .await
                .unwrap()
                .from_cache
        );
        assert_eq!(fx.srv.hits("/ocsp"), 2);
        for _ in 0..2 {
            let e = short.crl(&flaky, &all).await.unwrap_err();
            assert!(matches!(e, FetchError::Http(_)), "{e}");
            assert!(e.to_string().contains("500"), "{e}");
        }
        assert_eq!(fx.srv.hits("/flaky.crl"), 3);
        fx.srv.fail.store(false, Ordering::SeqCst);
        assert!(!short.crl(&flaky, &all).await.unwrap().from_cache);
    }

    #[tokio::test]
    async fn next_update_bounds_reuse() {
        let fx = fixture().await;
        let f = RevocationFetcher::new(quick());
        let url = format!("{}/short.crl", fx.base);
        assert!(!f.crl(&url, &all).await.unwrap().from_cache);
        // nextUpdate is 2 s away (whole seconds): reused for a moment, then not.
        assert!(f.crl(&url, &all).await.unwrap().from_cache);
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert!(!f.crl(&url, &all).await.unwrap().from_cache);
        assert_eq!(fx.srv.hits("/short.crl"), 2);
    }

    #[tokio::test]
    async fn cache_is_bounded_oldest_first() {
        let fx = fixture().await;
        let f = RevocationFetcher::new(FetchConfig {
            max_entries: 2,
            ..quick()
        });
        let u = |p: &str| format!("{}/{p}", fx.base);
        for p in ["root.crl", "issuing.crl", "delta.crl"] {
            assert!(!f.crl(&u(p), &all).await.unwrap().from_cache);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(f.crl(&u("delta.crl"), &all).await.unwrap().from_cache);
        assert!(f.crl(&u("issuing.crl"), &all).await.unwrap().from_cache);
        assert!(!f.crl(&u("root.crl"), &all).await.unwrap().from_cache);
        assert_eq!(fx.srv.hits("/root.crl"), 2);
        let none = RevocationFetcher::new(FetchConfig {
            max_entries: 0,
            ..quick()
        });
        assert!(!none.crl(&u("root.crl"), &all).await.unwrap().from_cache);
        assert!(!none.crl(&u("root.crl"), &all).await.unwrap().from_cache);
    }

    #[tokio::test]
    async fn concurrent_fetches_share_the_fetcher() {
        let fx = fixture().await;
        let f = Arc::new(RevocationFetcher::new(quick()));
        let mut tasks = Vec::new();
        for i in 0..16 {
            let f = f.clone();
            let url = format!(
                "{}/{}",
                fx.base,
                ["root.crl", "issuing.crl", "delta.crl"][i % 3]
            );
            tasks.push(tokio::spawn(async move { f.crl(&url, &all).await }));
        }
        for t in tasks {
            assert!(t.await.unwrap().is_ok());
        }
        let again = f
            .crl(&format!("{}/issuing.crl", fx.base), &all)
            .await
            .unwrap();
        assert!(again.from_cache);
        assert_eq!(again.der, fx.srv.issuing_crl);
    }

    #[tokio::test]
    async fn gather_walks_the_chain() {
        let fx = fixture().await;
        let f = RevocationFetcher::new(quick());
        let pool = vec![fx.root.der.clone(), fx.issuing.der.clone()];
        let b = fx.base.clone();

        // Everything listed: OCSP for the leaf, the root's CRL for the issuing CA.
        let g = f.gather(&fx.leaf, &pool, &all).await;
        assert_eq!(g.ocsp.len(), 1, "{:?}", g.notes);
        assert_eq!(g.crls, vec![fx.srv.root_crl.clone()], "{:?}", g.notes);
        assert_eq!(g.notes.len(), 3, "{:?}", g.notes);
        // Each URL tried is reported with its outcome.
        let tried: Vec<(&str, &str, &str)> = g
            .urls
            .iter()
            .map(|e| (e.kind.as_str(), e.url.as_str(), e.outcome))
            .collect();
        let (ocsp_u, root_u) = (format!("{b}/ocsp"), format!("{b}/root.crl"));
        assert_eq!(
            tried,
            vec![
                ("OCSP", ocsp_u.as_str(), "fetched"),
                ("CRL", root_u.as_str(), "fetched")
            ]
        );
        assert!(g.notes[0].starts_with("CN=Test Leaf"), "{:?}", g.notes);
        assert!(
            g.notes[0].contains(&format!("OCSP {b}/ocsp: fetched")),
            "{:?}",
            g.notes
        );
        assert!(g.notes[1].contains("no OCSP responder"), "{:?}", g.notes);
        assert!(
            g.notes[1].contains(&format!("CRL {b}/root.crl: fetched")),
            "{:?}",
            g.notes
        );
        assert!(g.notes[2].contains("self-signed"), "{:?}", g.notes);
        assert_eq!(fx.srv.hits("/issuing.crl"), 0, "OCSP sufficed for the leaf");

        // Again: from the cache.
        let g2 = f.gather(&fx.leaf, &pool, &all).await;
        assert_eq!(
            (g2.ocsp.clone(), g2.crls.clone()),
            (g.ocsp.clone(), g.crls.clone())
        );
        assert!(
            g2.notes[0].contains("served from cache, fetched"),
            "{:?}",
            g2.notes
        );
        assert!(
            g2.urls.iter().all(|e| e.outcome == "cached"),
            "{:?}",
            g2.urls
        );
        assert!(g2.notes[1].contains("served from cache"), "{:?}", g2.notes);
        assert_eq!(fx.srv.hits("/ocsp"), 1);

        // The responder is not a supply point: the leaf falls back to its CRL and delta CRL.
        let ocsp_url = format!("{b}/ocsp");
        let no_ocsp = |u: &str| u != ocsp_url;
        let g3 = f.gather(&fx.leaf, &pool, &no_ocsp).await;
        assert!(g3.ocsp.is_empty());
        assert_eq!(
            g3.crls,
            vec![
                fx.srv.issuing_crl.clone(),
                fx.srv.delta_crl.clone(),
                fx.srv.root_crl.clone()
            ],
            "{:?}",
            g3.notes
        );
        assert!(
            g3.notes[0].contains(&format!(
                "OCSP {b}/ocsp refused: not a supply point of the issuing region's trust list"
            )),
            "{:?}",
            g3.notes
        );
        assert!(g3.notes[0].contains(&format!("delta CRL {b}/delta.crl: fetched")));
        assert_eq!(fx.srv.hits("/ocsp"), 1);

        // Nothing listed: nothing fetched, and the notes say why.
        let before = fx.srv.total();
        let g4 = f.gather(&fx.leaf, &pool, &|_: &str| false).await;
        assert!(g4.ocsp.is_empty() && g4.crls.is_empty());
        assert_eq!(g4.notes.len(), 3);
        assert!(
            !g4.urls.is_empty()
                && g4.urls.iter().all(|e| e.outcome == "not-allowed"
                    && e.detail.as_deref().is_some_and(|d| d.contains("refused"))),
            "{:?}",
            g4.urls
        );
        assert!(
            g4.notes[0].contains("no revocation data obtained"),
            "{:?}",
            g4.notes
        );
        assert!(
            g4.notes[1].contains(&format!("CRL {b}/root.crl refused")),
            "{:?}",
            g4.notes
        );
        assert_eq!(fx.srv.total(), before);

        // The issuer is not in the pool: no OCSP (no issuer to name), CRLs only, and stop.
        f.clear();
        let g5 = f
            .gather(&fx.leaf, std::slice::from_ref(&fx.root.der), &all)
            .await;
        assert!(g5.ocsp.is_empty());
        assert_eq!(g5.crls.len(), 2, "{:?}", g5.notes);
        assert_eq!(g5.notes.len(), 2, "{:?}", g5.notes);
        assert!(g5.notes[0].contains("OCSP impossible"), "{:?}", g5.notes);
        assert!(
            g5.notes[1].contains("not followed further"),
            "{:?}",
            g5.notes
        );

        // Garbage in: a note, no panic.
        let g6 = f
            .gather(b"\x30\x03\x02\x01\x00", &[b"junk".to_vec()], &all)
            .await;
        assert_eq!(g6.notes.len(), 1);
        assert!(g6.crls.is_empty() && g6.ocsp.is_empty());
    }
}
