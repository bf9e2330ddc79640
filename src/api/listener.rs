//! The accept loop of `yinxin serve`: HTTP/1.1 connections served by hyper, with the limits
//! `axum::serve` does not have.
//!
//! - **Caps at accept**: at most `service.max_connections` open connections, and at most
//!   `service.max_connections_per_address` from one client address (IPv6: one /64). A
//!   connection over a cap is closed at once, before any byte is read.
//! - **Header read timeout** (`service.header_read_timeout_seconds`): a request's head must be
//!   complete within this time of its first byte (of the accept, for the first request); else
//!   the connection is closed.
//! - **Idle timeout** (`service.idle_timeout_seconds`): a keep-alive connection waiting that
//!   long for its next request is closed, and so is one whose client has not taken any of
//!   the response for that long (a stalled reader).
//! - **Size of the head**: at most `service.max_header_bytes` (request line and headers) and
//!   `service.max_headers` fields. hyper answers these, and a request it cannot parse, itself
//!   (400, 414, 431, no body); those answers are rewritten on their way out into RFC 9457
//!   problem documents like every other error (see [`own_error_answer`]).
//! - **Graceful shutdown**: on the signal the listener closes, idle connections close, and
//!   requests in flight finish (each connection closes after its current answer).
//!
//! Handlers see the peer address as `ConnectInfo<SocketAddr>`, as with `axum::serve`.

use super::AppState;
use super::admission::client_key;
use super::problem::Problem;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use hyper::body::{Body as HttpBody, Bytes, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// Connection timeouts and caps (from `[service]`).
#[derive(Clone, Debug)]
pub struct ConnectionLimits {
    /// Time to send a request head, from its first byte (from the accept for the first).
    pub header_read_timeout: Duration,
    /// Time a connection may wait for the next request, or for the client to read.
    pub idle_timeout: Duration,
    /// Open connections at most.
    pub max_connections: usize,
    /// Open connections per client address at most.
    pub max_per_address: usize,
    /// Largest request head, bytes.
    pub max_header_bytes: usize,
    /// Most header fields.
    pub max_headers: usize,
}

impl ConnectionLimits {
    /// How often a connection's timers are looked at while nothing else wakes them.
    fn tick(&self) -> Duration {
        (self.header_read_timeout / 4).clamp(Duration::from_millis(50), Duration::from_secs(1))
    }
}

/// Open connections, in all and per client address.
#[derive(Default)]
struct Registry {
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
    refused: AtomicU64,
}

/// One admitted connection (counted until dropped).
struct Slot {
    registry: Arc<Registry>,
    key: IpAddr,
}

impl Registry {
    fn admit(self: &Arc<Self>, ip: IpAddr, l: &ConnectionLimits) -> Option<Slot> {
        let key = client_key(ip);
        let mut g = self.open.lock().ok()?;
        let (total, per) = &mut *g;
        if *total >= l.max_connections {
            return None;
        }
        let n = per.entry(key).or_insert(0);
        if *n >= l.max_per_address {
            return None;
        }
        *n += 1;
        *total += 1;
        Some(Slot {
            registry: self.clone(),
            key,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut g) = self.registry.open.lock() {
            let (total, per) = &mut *g;
            *total = total.saturating_sub(1);
            if let Some(n) = per.get_mut(&self.key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    per.remove(&self.key);
                }
            }
        }
    }
}

/// Where a connection is.
#[derive(Clone, Copy, Debug)]
enum Phase {
    /// Reading a request head since then (or waiting for the first request since the accept).
    Head(Instant),
    /// Waiting for the next request since then.
    Idle(Instant),
    /// Requests being handled or answered.
    Busy(u32),
}

/// The timers of one connection: its phase and since when its writes are stuck.
struct Watch {
    state: Mutex<(Phase, Option<Instant>)>,
}

impl Watch {
    fn new(now: Instant) -> Self {
        Watch {
            state: Mutex::new((Phase::Head(now), None)),
        }
    }

    fn update(&self, f: impl FnOnce(&mut (Phase, Option<Instant>))) {
        if let Ok(mut s) = self.state.lock() {
            f(&mut s);
        }
    }

    /// Bytes came in: an idle connection is now reading a head.
    fn read(&self) {
        self.update(|s| {
            if let Phase::Idle(_) = s.0 {
                s.0 = Phase::Head(Instant::now());
            }
        });
    }

    /// A write did (false) or did not (true) make progress.
    fn wrote(&self, stuck: bool) {
        self.update(|s| {
            if stuck {
                s.1.get_or_insert_with(Instant::now);
            } else {
                s.1 = None;
            }
        });
    }

    fn begin(&self) {
        self.update(|s| {
            s.0 = match s.0 {
                Phase::Busy(n) => Phase::Busy(n.saturating_add(1)),
                _ => Phase::Busy(1),
            }
        });
    }

    fn end(&self) {
        self.update(|s| {
            s.0 = match s.0 {
                Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
                _ => Phase::Idle(Instant::now()),
            }
        });
    }

    fn busy(&self) -> bool {
        self.state
            .lock()
            .map(|s| matches!(s.0, Phase::Busy(_)))
            .unwrap_or(false)
    }

    /// Ok: when to look again; Err: why the connection must be closed now.
    fn check(&self, now: Instant, l: &ConnectionLimits) -> Result<Instant, &'static str> {
        let Ok(s) = self.state.lock() else {
            return Err("poisoned");
        };
        let mut next = now + l.tick();
        if let Some(since) = s.1 {
            let at = since + l.idle_timeout;
            if now >= at {
                return Err("client stopped reading");
            }
            next = next.min(at);
        }
        let (at, why) = match s.0 {
            Phase::Head(since) => (since + l.header_read_timeout, "header read timeout"),
            Phase::Idle(since) => (since + l.idle_timeout, "idle timeout"),
            Phase::Busy(_) => return Ok(next),
        };
        if now >= at {
            Err(why)
        } else {
            Ok(next.min(at))
        }
    }

    /// Resolves when the connection must be closed, with the reason.
    async fn expired(&self, l: &ConnectionLimits) -> &'static str {
        loop {
            match self.check(Instant::now(), l) {
                Err(why) => return why,
                Ok(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
            }
        }
    }
}

/// A request being handled or answered on a connection (until its response body is done).
struct Busy(Arc<Watch>);

impl Busy {
    fn new(w: Arc<Watch>) -> Self {
        w.begin();
        Busy(w)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// A response body that keeps its connection busy until hyper has written (and dropped) it.
struct Guarded {
    inner: axum::body::Body,
    _busy: Busy,
}

impl HttpBody for Guarded {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The socket as hyper sees it: reads and writes feed the connection's timers, and hyper's
/// own error answers are rewritten as problem documents.
struct Io {
    inner: TcpStream,
    watch: Arc<Watch>,
    /// A rewritten answer being written: its bytes, how many are out, how many of hyper's
    /// bytes it stands for.
    rewrite: Option<(Vec<u8>, usize, usize)>,
}

/// hyper's own answer to a request it could not take (bad request line or header, target or
/// head too large: 400, 414, 431; a bare head, no body) as a problem document, or None for
/// anything else. Only a complete head with one of those statuses and without the
/// `x-request-id` every answer of the router carries is taken, and only when no request is
/// being handled on the connection.
fn own_error_answer(buf: &[u8]) -> Option<Vec<u8>> {
    let rest = buf.strip_prefix(b"HTTP/1.1 ")?;
    let (status, kind, detail) = match rest.get(..4)? {
        b"400 " => (
            StatusCode::BAD_REQUEST,
            "bad-request",
            "the request is not valid HTTP/1.1 (request line or header fields)",
        ),
        b"414 " => (
            StatusCode::URI_TOO_LONG,
            "uri-too-long",
            "the request target is too long",
        ),
        b"431 " => (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers-too-large",
            "the request head is too large or has too many header fields",
        ),
        _ => return None,
    };
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    if end + 4 != buf.len()
        || buf
            .windows(12)
            .any(|w| w.eq_ignore_ascii_case(b"x-request-id"))
    {
        return None;
    }
    let body = Problem::new(status, kind, detail).body().to_string();
    Some(
        format!(
            "HTTP/1.1 {} {}\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            status.as_u16(),
            status.canonical_reason().unwrap_or(""),
            super::problem::PROBLEM_JSON,
            body.len(),
        )
        .into_bytes(),
    )
}

impl Io {
    fn poll_rewrite(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let Io {
            inner,
            watch,
            rewrite,
        } = self;
        let Some((bytes, out, claimed)) = rewrite else {
            return Poll::Ready(Ok(0));
        };
        while *out < bytes.len() {
            match Pin::new(&mut *inner).poll_write(cx, &bytes[*out..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => *out += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    watch.wrote(true);
                    return Poll::Pending;
                }
            }
        }
        watch.wrote(false);
        let claimed = *claimed;
        *rewrite = None;
        Poll::Ready(Ok(claimed))
    }

    /// Start rewriting if `buf` is hyper's own error answer.
    fn intercept(&mut self, buf: &[u8]) {
        if self.rewrite.is_none()
            && !self.watch.busy()
            && let Some(bytes) = own_error_answer(buf)
        {
            tracing::debug!("hyper refused a request; answering with a problem document");
            self.rewrite = Some((bytes, 0, buf.len()));
        }
    }
}

impl AsyncRead for Io {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.watch.read();
        }
        r
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        this.intercept(buf);
        if this.rewrite.is_some() {
            return this.poll_rewrite(cx);
        }
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.watch.wrote(r.is_pending());
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if let Some(first) = bufs.iter().find(|b| !b.is_empty()) {
            this.intercept(first);
        }
        if this.rewrite.is_some() {
            return this.poll_rewrite(cx);
        }
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.watch.wrote(r.is_pending());
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Serve `app` on one accepted connection until it closes, a timer expires, or (after the
/// shutdown signal) its current request is answered.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: axum::Router,
    builder: Arc<http1::Builder>,
    limits: ConnectionLimits,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let watch = Arc::new(Watch::new(Instant::now()));
    let io = TokioIo::new(Io {
        inner: stream,
        watch: watch.clone(),
        rewrite: None,
    });
    let w = watch.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        let busy = Busy::new(w.clone());
        let mut app = app.clone();
        let answer: Pin<Box<dyn Future<Output = _> + Send>> = Box::pin(async move {
            let resp = match tower_service::Service::call(&mut app, req).await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            Ok::<_, Infallible>(
                resp.map(|inner| axum::body::Body::new(Guarded { inner, _busy: busy })),
            )
        });
        answer
    });
    let mut conn = builder.serve_connection(io, service);
    let mut shutting = false;
    enum Event {
        Done(hyper::Result<()>),
        Expired(&'static str),
        Stop,
    }
    loop {
        let event = tokio::select! {
            // The connection's own progress first: a timer never wins over bytes that came.
            biased;
            r = std::future::poll_fn(|cx| conn.poll_without_shutdown(cx)) => Event::Done(r),
            why = watch.expired(&limits) => Event::Expired(why),
            _ = shutdown.changed(), if !shutting => Event::Stop,
        };
        match event {
            Event::Stop => {
                shutting = true;
                Pin::new(&mut conn).graceful_shutdown();
            }
            Event::Expired(why) => {
                // Closed at once: a client this slow gets no lingering.
                tracing::debug!(peer = %peer, reason = why, "connection closed");
                return;
            }
            Event::Done(r) => {
                if let Err(e) = r {
                    tracing::debug!(peer = %peer, error = %e, "connection ended with an error");
                }
                let stream = conn.into_parts().io.into_inner().inner;
                linger(stream).await;
                return;
            }
        }
    }
}

/// How long a closing connection still reads what the client sends.
const LINGER: Duration = Duration::from_secs(2);

/// Close a connection without losing the last answer: closing a socket with unread input
/// (the rest of a body that was refused or cut off) resets it, and a reset can destroy the
/// answer in the client's buffer before it is read. So: send FIN, then read and discard for a
/// while (at most [`LINGER`] and 1 MiB) until the client closes too.
async fn linger(mut stream: TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if stream.shutdown().await.is_err() {
        return;
    }
    let mut buf = vec![0u8; 8192];
    let mut left: usize = 1 << 20;
    let _ = tokio::time::timeout(LINGER, async {
        while left > 0 {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    })
    .await;
}

/// Errors of `accept` that concern one connection only (the next accept may succeed).
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Accept connections on `tcp` and serve the router of `state` until `signal`; then stop
/// accepting, let every connection finish its current request, and return.
pub async fn serve(
    state: Arc<AppState>,
    tcp: TcpListener,
    signal: impl Future<Output = ()>,
) -> io::Result<()> {
    let limits = state.limits.connections.clone();
    let app = super::router(state);
    let mut builder = http1::Builder::new();
    builder
        .keep_alive(true)
        .header_read_timeout(None)
        .max_header_size(limits.max_header_bytes)
        .max_headers(limits.max_headers);
    let builder = Arc::new(builder);
    let registry = Arc::new(Registry::default());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    let mut signal = std::pin::pin!(signal);
    let mut warned: Option<Instant> = None;
    loop {
        let (stream, peer) = tokio::select! {
            _ = signal.as_mut() => break,
            // Finished connections are reaped as they come, so the set stays small.
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            r = tcp.accept() => match r {
                Ok(c) => c,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
        };
        let Some(slot) = registry.admit(peer.ip(), &limits) else {
            drop(stream);
            let n = registry.refused.fetch_add(1, Ordering::Relaxed) + 1;
            if warned.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
                warned = Some(Instant::now());
                tracing::warn!(
                    peer = %peer.ip(),
                    refused_total = n,
                    "connection refused at accept: too many open connections (in all or from this address)"
                );
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (app, builder, limits, stopped) = (
            app.clone(),
            builder.clone(),
            limits.clone(),
            stopped.clone(),
        );
        connections.spawn(async move {
            connection(stream, peer, app, builder, limits, stopped).await;
            drop(slot);
        });
    }
    drop(tcp);
    let _ = stop.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyper_refusals_become_problem_documents() {
        let bare = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n";
        let out = String::from_utf8(own_error_answer(bare).expect("rewritten")).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(head.contains("content-type: application/problem+json"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(head.contains("connection: close"));
        let j: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(j["type"], "urn:yinxin:problem:headers-too-large");
        assert_eq!(j["status"], 431);
        for (bare, kind) in [
            (
                &b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n"[..],
                "bad-request",
            ),
            (
                b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\n\r\n",
                "uri-too-long",
            ),
        ] {
            let out = own_error_answer(bare).expect("rewritten");
            assert!(String::from_utf8(out).unwrap().contains(kind));
        }
        // The router's own answers, other statuses, or a head with a body are left alone.
        for other in [
            &b"HTTP/1.1 400 Bad Request\r\nx-request-id: 1\r\ncontent-length: 0\r\n\r\n"[..],
            b"HTTP/1.1 400 Bad Request\r\nX-Request-Id: 1\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n\r\n{}",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n",
            b"{\"HTTP/1.1 400 \"}",
        ] {
            assert!(own_error_answer(other).is_none(), "{other:?}");
        }
    }

    fn limits() -> ConnectionLimits {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 3,
            max_per_address: 2,
            max_header_bytes: 8192,
            max_headers: 100,
        }
    }

    #[test]
    fn connections_are_capped_in_all_and_per_address() {
        let r = Arc::new(Registry::default());
        let l = limits();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b2: IpAddr = "2001:db8:1:2:ffff::2".parse().unwrap();
        let a1 = r.admit(a, &l).expect("first");
        let _a2 = r.admit(a, &l).expect("second");
        assert!(r.admit(a, &l).is_none(), "per address");
        let _b1 = r.admit(b, &l).expect("other address");
        assert!(r.admit(b2, &l).is_none(), "in all");
        drop(a1);
        // The /64 counts as one address.
        let _b2 = r.admit(b2, &l).expect("freed");
        assert!(r.admit(a, &l).is_none(), "in all again");
    }

    #[test]
    fn timers_follow_the_phase() {
        let l = limits();
        let t0 = Instant::now();
        let w = Watch::new(t0);
        assert!(w.check(t0 + Duration::from_secs(9), &l).is_ok());
        assert_eq!(
            w.check(t0 + Duration::from_secs(10), &l),
            Err("header read timeout")
        );
        w.begin();
        assert!(w.check(t0 + Duration::from_secs(3600), &l).is_ok(), "busy");
        w.end();
        let t1 = Instant::now();
        assert!(w.check(t1 + Duration::from_secs(59), &l).is_ok());
        assert_eq!(
            w.check(t1 + Duration::from_secs(61), &l),
            Err("idle timeout")
        );
        w.read();
        assert_eq!(
            w.check(Instant::now() + Duration::from_secs(11), &l),
            Err("header read timeout")
        );
        w.begin();
        w.wrote(true);
        assert_eq!(
            w.check(Instant::now() + Duration::from_secs(61), &l),
            Err("client stopped reading")
        );
        w.wrote(false);
        assert!(
            w.check(Instant::now() + Duration::from_secs(61), &l)
                .is_ok()
        );
    }
}
