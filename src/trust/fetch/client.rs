//! The bounded outbound HTTP exchange of the fetcher, and the SSRF rule.
//!
//! [`check_url`] decides, before any DNS lookup or connection, whether a URL may be contacted:
//! the caller's `allowed` predicate for that exact string, plain `http://` without user
//! information, and never an unspecified, link-local, multicast or broadcast address.
//! [`RevocationFetcher::exchange`] sends one request with a total timeout (connect + whole
//! body), accepts only HTTP 200 (a redirect is an error), and caps the body while reading it;
//! [`RevocationFetcher::get`], [`RevocationFetcher::get_capped`],
//! [`RevocationFetcher::get_accepting`] and [`RevocationFetcher::post`] are the uncached
//! exchanges built on it: the one outbound HTTP client of the crate.
//!
//! Must not import: certificate, OCSP or CRL types (`crate::verify`, `crate::status`): this
//! file moves bytes and does not read them; nor the cache.

use super::{FetchError, RevocationFetcher};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use std::net::IpAddr;
use std::time::Duration;

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
pub(in crate::trust) fn check_url(
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
            "{url}: https is not supported: what is fetched here (CRLs, OCSP responses, \
             certificates, time-stamps, seal statuses) is signed and travels over plain http \
             (RFC 5280, RFC 6960, RFC 3161)"
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

impl RevocationFetcher {
    /// One HTTP exchange: 200 only, no redirects, body capped at `cap`, all within the timeout.
    pub(in crate::trust) async fn exchange(
        &self,
        url: &str,
        req: hyper::Request<Full<Bytes>>,
        cap: usize,
    ) -> Result<Vec<u8>, FetchError> {
        match self.exchange_any(url, req, cap).await? {
            (200, body) => Ok(body),
            (status, _) => Err(FetchError::Http(format!(
                "{url}: HTTP status {}",
                hyper::StatusCode::from_u16(status)
                    .map_or_else(|_| status.to_string(), |s| s.to_string())
            ))),
        }
    }

    /// One HTTP exchange answering with its status and body: no redirects, body capped at
    /// `cap`, all within the timeout.
    async fn exchange_any(
        &self,
        url: &str,
        req: hyper::Request<Full<Bytes>>,
        cap: usize,
    ) -> Result<(u16, Vec<u8>), FetchError> {
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
            Ok((status.as_u16(), buf))
        };
        match tokio::time::timeout(self.cfg.timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout(format!(
                "{url}: timeout after {}",
                human_duration(self.cfg.timeout)
            ))),
        }
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

    /// GET `url` (which must be in `allowed`) asking for `accept`, the body capped at `cap`
    /// bytes (and at `max_bytes`): the uncached GET of objects that are not revocation data
    /// (caIssuers certificates, signed seal statuses).
    pub fn get_accepting<'a>(
        &'a self,
        url: &'a str,
        allowed: &dyn Fn(&str) -> bool,
        accept: &'static str,
        cap: usize,
    ) -> impl Future<Output = Result<Vec<u8>, FetchError>> + Send + use<'a> {
        let checked = check_url(url, allowed, &self.cfg.refusal);
        async move {
            let req = hyper::Request::get(checked?)
                .header(hyper::header::ACCEPT, accept)
                .body(Full::new(Bytes::new()))
                .map_err(|e| FetchError::Scheme(format!("{url}: {e}")))?;
            self.exchange(url, req, cap.min(self.cfg.max_bytes)).await
        }
    }

    /// POST `body` as `content_type` to `url` (which must be in `allowed`); the answer
    /// (HTTP 200 only) capped at `max_bytes`. Not cached: a time-stamp request is answered
    /// once.
    pub fn post<'a>(
        &'a self,
        url: &'a str,
        allowed: &dyn Fn(&str) -> bool,
        content_type: &'static str,
        body: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<u8>, FetchError>> + Send + use<'a> {
        let checked = check_url(url, allowed, &self.cfg.refusal);
        async move {
            let req = hyper::Request::post(checked?)
                .header(hyper::header::CONTENT_TYPE, content_type)
                .body(Full::new(Bytes::from(body)))
                .map_err(|e| FetchError::Scheme(format!("{url}: {e}")))?;
            self.exchange(url, req, self.cfg.max_bytes).await
        }
    }

    /// GET `url` (which must be in `allowed`): the status and the answer (any status but a
    /// redirect), capped at `cap`. For callers to whom a 404 is an answer (an object not in a
    /// log, a seal not in a registry), not a failure.
    pub fn get_answer<'a>(
        &'a self,
        url: &'a str,
        allowed: &dyn Fn(&str) -> bool,
        cap: usize,
    ) -> impl Future<Output = Result<(u16, Vec<u8>), FetchError>> + Send + use<'a> {
        let checked = check_url(url, allowed, &self.cfg.refusal);
        async move {
            let req = hyper::Request::get(checked?)
                .body(Full::new(Bytes::new()))
                .map_err(|e| FetchError::Scheme(format!("{url}: {e}")))?;
            self.exchange_any(url, req, cap).await
        }
    }

    /// POST `body` as `content_type` to `url` (which must be in `allowed`): the status and the
    /// answer (any status but a redirect), capped at `cap`. For protocols whose refusals carry
    /// data (a tlog witness's 409 names its size).
    pub fn post_answer<'a>(
        &'a self,
        url: &'a str,
        allowed: &dyn Fn(&str) -> bool,
        content_type: &'static str,
        body: Vec<u8>,
        cap: usize,
    ) -> impl Future<Output = Result<(u16, Vec<u8>), FetchError>> + Send + use<'a> {
        let checked = check_url(url, allowed, &self.cfg.refusal);
        async move {
            let req = hyper::Request::post(checked?)
                .header(hyper::header::CONTENT_TYPE, content_type)
                .body(Full::new(Bytes::from(body)))
                .map_err(|e| FetchError::Scheme(format!("{url}: {e}")))?;
            self.exchange_any(url, req, cap).await
        }
    }
}
