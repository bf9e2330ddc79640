//! Admission of a request, after its head was read and routed, before its handler runs.
//!
//! 1. **Limits of the head**: a request target longer than `service.max_uri_bytes` is 414.
//! 2. **Classification**: a request whose `Authorization` carries a token that is valid now is
//!    *authenticated* (operators, `region-peer`); anything else — no token, an unknown, expired
//!    or revoked token — is *anonymous*. An invalid token never gets the authenticated pool.
//! 3. **Rate limits**: an authenticated request is charged to its token's bucket; an anonymous
//!    one to its client address's bucket for the route (`/v1/verify`, `/tsa`, `/crl/…`, OCSP),
//!    each with its own settings. Over the limit: 429 with `Retry-After`, no slot taken.
//! 4. **Slots**: `service.max_concurrency` requests are in flight at most; anonymous ones hold
//!    at most `service.anonymous_max_concurrency` of them (default half), so that anonymous
//!    traffic cannot take the slots of operators and peers. No slot: 503 with `Retry-After`.
//! 5. **Minimum body rate**: the body is read through [`MinRateBody`]; an upload slower than
//!    `service.min_body_rate_bytes_per_second` after the grace period is cut off and the
//!    request answered 408 (the connection is closed).
//!
//! Handlers still call [`AppState::authenticate`] and [`AppState::rate_limit_anonymous`];
//! within an admitted request these reuse the lookup made here and do not charge a bucket a
//! second time (a task-local carries what admission did).

use super::AppState;
use super::problem::Problem;
use crate::auth::{Principal, TokenRecord};
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use hyper::body::{Body as HttpBody, Bytes, Frame, SizeHint};
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The in-flight slots: all requests, and the share anonymous requests may hold.
pub struct Pools {
    all: Arc<Semaphore>,
    anonymous: Arc<Semaphore>,
}

impl Pools {
    /// `total` slots, of which anonymous requests hold at most `anonymous` (0: half; never all
    /// of them when there are two or more).
    pub fn new(total: usize, anonymous: usize) -> Self {
        let total = total.max(1);
        let anonymous = match anonymous {
            0 => total / 2,
            n => n,
        };
        let anonymous = if total > 1 {
            anonymous.clamp(1, total - 1)
        } else {
            1
        };
        Pools {
            all: Arc::new(Semaphore::new(total)),
            anonymous: Arc::new(Semaphore::new(anonymous)),
        }
    }
}

/// Slots held by an admitted request (released when it is answered).
pub struct Slots {
    _all: OwnedSemaphorePermit,
    _anonymous: Option<OwnedSemaphorePermit>,
}

/// What admission did for a request (seen by the handlers through a task-local).
#[derive(Clone, Debug, Default)]
pub struct Admitted {
    /// The token hash looked up, and what was found (None: unknown).
    pub lookup: Option<(String, Option<TokenRecord>)>,
    /// The token whose bucket was charged.
    pub charged_token: Option<String>,
    /// Whether the anonymous bucket of the route was charged.
    pub charged_anonymous: bool,
}

tokio::task_local! {
    static ADMITTED: Admitted;
}

/// Run `f` as an admitted request.
pub async fn scope<F: Future>(admitted: Admitted, f: F) -> F::Output {
    ADMITTED.scope(admitted, f).await
}

/// The record admission looked up for this token hash, if it did (Some(None): unknown).
pub fn looked_up(hash: &str) -> Option<Option<TokenRecord>> {
    ADMITTED
        .try_with(|a| match &a.lookup {
            Some((h, r)) if h == hash => Some(r.clone()),
            _ => None,
        })
        .ok()
        .flatten()
}

/// Whether admission charged this token's bucket for the current request.
pub fn token_charged(token_id: &str) -> bool {
    ADMITTED
        .try_with(|a| a.charged_token.as_deref() == Some(token_id))
        .unwrap_or(false)
}

/// Whether admission charged the anonymous bucket for the current request.
pub fn anonymous_charged() -> bool {
    ADMITTED.try_with(|a| a.charged_anonymous).unwrap_or(false)
}

/// The bearer secret of a request, if it has the shape of one of our tokens.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let secret = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?
        .trim();
    (secret.starts_with("yx_") && secret.len() <= 128).then_some(secret)
}

/// The key of a client address in buckets and connection counts: the address itself (an
/// IPv4-mapped IPv6 address as IPv4), or for IPv6 its /64, which one host usually has whole.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// The anonymous bucket of a route: (bucket name, (rate, burst), who for the message).
fn anonymous_bucket(s: &AppState, route: &str) -> Option<(&'static str, (f64, f64), &'static str)> {
    let l = &s.limits;
    match route {
        "/v1/verify" => Some(("anon", l.anonymous, "anonymous callers from this address")),
        "/tsa" => Some((
            "tsa",
            l.tsa,
            "anonymous time-stamp requests from this address",
        )),
        "/crl/{file}" => Some(("crl", l.crl, "anonymous CRL downloads from this address")),
        // A signed seal status is OCSP for seals.
        "/ocsp" | "/ocsp/{*request}" | "/v1/seals/{id}/status" => {
            Some(("ocsp", l.ocsp, "anonymous OCSP requests from this address"))
        }
        _ => None,
    }
    .filter(|(_, (rate, _), _)| *rate > 0.0)
}

/// Admit a request: classify, rate-limit, take slots. Err: the answer (414, 429, 503).
pub async fn admit(
    s: &AppState,
    route: &str,
    headers: &HeaderMap,
    uri_len: usize,
    ip: Option<IpAddr>,
) -> Result<(Admitted, Slots), Problem> {
    if uri_len > s.limits.max_uri_bytes {
        return Err(
            Problem::new(StatusCode::URI_TOO_LONG, "uri-too-long", "").msg(
                "msg-uri-too-long",
                &[
                    ("length", &uri_len.to_string()),
                    ("max", &s.limits.max_uri_bytes.to_string()),
                ],
            ),
        );
    }
    let mut admitted = Admitted::default();
    let mut principal: Option<Principal> = None;
    if let Some(secret) = bearer(headers) {
        let hash = crate::auth::token_hash(secret);
        let rec = s.lookup_token(&hash).await?;
        principal = rec
            .as_ref()
            .and_then(|r| crate::auth::check_token(r, crate::clock::now_secs()).ok());
        admitted.lookup = Some((hash, rec));
    }
    let slot = |pool: &Arc<Semaphore>| pool.clone().try_acquire_owned().map_err(|_| overloaded());
    let slots = match principal {
        Some(p) => {
            s.rate_limit_token(&p)?;
            admitted.charged_token = Some(p.token_id.clone());
            Slots {
                _all: slot(&s.pools.all)?,
                _anonymous: None,
            }
        }
        None => {
            if let Some((name, (rate, burst), who)) = anonymous_bucket(s, route) {
                let key = format!(
                    "{name}:{}",
                    ip.map(|i| client_key(i).to_string())
                        .unwrap_or_else(|| "unknown".into())
                );
                s.rate_limit(&key, rate, burst.max(1.0), who)?;
                admitted.charged_anonymous = true;
            }
            // The anonymous share first: anonymous traffic never takes a slot beyond it.
            let anonymous = slot(&s.pools.anonymous)?;
            Slots {
                _all: slot(&s.pools.all)?,
                _anonymous: Some(anonymous),
            }
        }
    };
    Ok((admitted, slots))
}

fn overloaded() -> Problem {
    let mut p = Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "overloaded",
        "too many requests in progress; retry shortly",
    );
    p.retry_after = Some(1);
    p
}

/// The answer to a body cut off by [`MinRateBody`].
pub fn too_slow(rate: f64) -> Problem {
    Problem::new(StatusCode::REQUEST_TIMEOUT, "body-too-slow", "")
        .msg("msg-body-too-slow", &[("rate", &rate.to_string())])
}

/// A request body that must arrive at `rate` bytes per second of waiting, after a grace
/// period: time counts only while the handler waits for the client (not while it works), and
/// the whole wait so far is compared with the bytes so far. A body too slow ends in an error
/// and sets `tripped`.
pub struct MinRateBody {
    inner: Body,
    rate: f64,
    grace: Duration,
    received: u64,
    waited: Duration,
    pending_since: Option<Instant>,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    tripped: Arc<AtomicBool>,
}

impl MinRateBody {
    /// Wrap `inner` (rate > 0).
    pub fn new(inner: Body, rate: f64, grace: Duration, tripped: Arc<AtomicBool>) -> Self {
        MinRateBody {
            inner,
            rate,
            grace,
            received: 0,
            waited: Duration::ZERO,
            pending_since: None,
            timer: None,
            tripped,
        }
    }

    fn trip(&mut self) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        self.tripped.store(true, Ordering::Relaxed);
        Poll::Ready(Some(Err(axum::Error::new(
            "the request body arrived too slowly",
        ))))
    }
}

impl HttpBody for MinRateBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        if this.tripped.load(Ordering::Relaxed) {
            return this.trip();
        }
        let now = Instant::now();
        let since = *this.pending_since.get_or_insert(now);
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(r) => {
                this.waited += now.saturating_duration_since(since);
                this.pending_since = None;
                if let Some(Ok(f)) = &r
                    && let Some(d) = f.data_ref()
                {
                    this.received += d.len() as u64;
                }
                Poll::Ready(r)
            }
            Poll::Pending => {
                let allowed = this
                    .grace
                    .max(Duration::from_secs_f64(this.received as f64 / this.rate));
                let waited = this.waited + now.saturating_duration_since(since);
                let Some(left) = allowed.checked_sub(waited).filter(|d| !d.is_zero()) else {
                    return this.trip();
                };
                let deadline = tokio::time::Instant::from_std(now + left);
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                timer.as_mut().reset(deadline);
                if timer.as_mut().poll(cx).is_ready() {
                    return this.trip();
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_anonymous_share_never_takes_every_slot() {
        let sizes = |t, a| {
            let p = Pools::new(t, a);
            (p.all.available_permits(), p.anonymous.available_permits())
        };
        assert_eq!(sizes(1024, 0), (1024, 512));
        assert_eq!(sizes(4, 0), (4, 2));
        assert_eq!(sizes(4, 10), (4, 3));
        assert_eq!(sizes(2, 0), (2, 1));
        assert_eq!(sizes(1, 0), (1, 1));
        assert_eq!(sizes(0, 0), (1, 1));
    }

    #[test]
    fn client_keys() {
        let k = |s: &str| client_key(s.parse().unwrap()).to_string();
        assert_eq!(k("192.0.2.7"), "192.0.2.7");
        assert_eq!(k("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(k("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::");
    }

    #[tokio::test]
    async fn a_body_below_the_minimum_rate_is_cut_off() {
        use http_body_util::BodyExt;
        // 10 bytes at once, then nothing: with 100 bytes/s after 200 ms of grace, the wait
        // allowed is max(200 ms, 10/100 s) = 200 ms; then the body fails.
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(4);
        let inner = Body::new(http_body_util::StreamBody::new(
            tokio_stream_shim::Receiver(rx),
        ));
        let tripped = Arc::new(AtomicBool::new(false));
        let mut b = MinRateBody::new(inner, 100.0, Duration::from_millis(200), tripped.clone());
        tx.send(Ok(Frame::data(Bytes::from_static(b"0123456789"))))
            .await
            .unwrap();
        let f = b.frame().await.unwrap().unwrap();
        assert_eq!(f.into_data().unwrap().len(), 10);
        assert!(!tripped.load(Ordering::Relaxed));
        let next = tokio::time::timeout(Duration::from_secs(60), b.frame())
            .await
            .expect("cut off within the bound");
        assert!(next.unwrap().is_err());
        assert!(tripped.load(Ordering::Relaxed));
        drop(tx);
    }

    /// A stream over an mpsc receiver (what tokio-stream's wrapper does).
    mod tokio_stream_shim {
        pub struct Receiver<T>(pub tokio::sync::mpsc::Receiver<T>);
        impl<T> futures_util::Stream for Receiver<T> {
            type Item = T;
            fn poll_next(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<T>> {
                self.0.poll_recv(cx)
            }
        }
    }
}
