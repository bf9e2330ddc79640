//! Slow and hostile clients against a real `yinxin serve`: slow request heads and idle
//! connections are closed, slow bodies are cut off with 408, connections are capped per
//! address, anonymous traffic can neither take the slots of token holders nor flood `/tsa`
//! and CRLs, and hyper's own refusals (400, 414, 431) are problem documents.
//!
//! Hostile clients speak raw HTTP/1.1 over TCP from other loopback addresses (127.0.0.2,
//! 127.0.0.3: Linux routes all of 127/8 to the loopback) so that they have their own
//! per-address counts and buckets; the "operator" uses 127.0.0.1. Timeouts are shortened
//! through `YINXIN_*` overrides; nothing asserts a latency, state is polled with generous
//! bounds.

mod common;
use common::http::*;
use common::*;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// Generous bound for anything the server must do "soon".
const BOUND: Duration = Duration::from_secs(60);

struct Env {
    _tmp: tempfile::TempDir,
    server: Server,
    admin: String,
}

fn setup(env: &[(&str, &str)]) -> Env {
    let tmp = tempfile::tempdir().unwrap();
    let data: PathBuf = tmp.path().join("data");
    init_region(&data, None);
    let (_, admin) = token(&data, "admin", None);
    let server = Server::start(&data, env);
    Env {
        _tmp: tmp,
        server,
        admin,
    }
}

impl Env {
    fn addr(&self) -> SocketAddr {
        self.server
            .base
            .strip_prefix("http://")
            .unwrap()
            .parse()
            .unwrap()
    }
}

fn lo(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

/// A TCP connection to the server from the loopback address `from`.
async fn connect_from(from: IpAddr, to: SocketAddr) -> TcpStream {
    let s = TcpSocket::new_v4().unwrap();
    s.bind(SocketAddr::new(from, 0)).unwrap();
    tokio::time::timeout(BOUND, s.connect(to))
        .await
        .expect("connect within the bound")
        .expect("connect")
}

struct Raw {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\n{}",
                self.head,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Assert an RFC 9457 problem of this status and kind.
    fn assert_problem(&self, status: u16, kind: &str) {
        assert_eq!(
            self.status,
            status,
            "{}\n{}",
            self.head,
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{}",
            self.head
        );
        let j = self.json();
        assert_eq!(j["type"], format!("urn:yinxin:problem:{kind}"), "{j}");
        assert_eq!(j["status"], status, "{j}");
        assert!(j["detail"].as_str().is_some_and(|d| !d.is_empty()), "{j}");
    }
}

/// Read one response (head and a Content-Length body) from `s`, within the bound.
async fn read_response<R: AsyncReadExt + Unpin>(s: &mut R) -> Raw {
    tokio::time::timeout(BOUND, async {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p;
            }
            let n = s.read(&mut chunk).await.expect("read a response");
            assert!(
                n > 0,
                "connection closed before a response: {}",
                String::from_utf8_lossy(&buf)
            );
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_string();
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not a status line: {head}"));
        let mut r = Raw {
            status,
            head,
            body: buf[end + 4..].to_vec(),
        };
        let len: usize = r
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while r.body.len() < len {
            let n = s.read(&mut chunk).await.expect("read a body");
            assert!(n > 0, "connection closed within the body");
            r.body.extend_from_slice(&chunk[..n]);
        }
        r
    })
    .await
    .expect("a response within the bound")
}

/// Send `request` on a new connection from `from` and read the response.
async fn exchange(from: IpAddr, to: SocketAddr, request: &[u8]) -> Raw {
    let mut s = connect_from(from, to).await;
    s.write_all(request).await.expect("send the request");
    read_response(&mut s).await
}

/// Wait (within the bound) until the server closes `s`; returns what it sent before.
async fn closed_by_server(s: &mut TcpStream) -> Vec<u8> {
    tokio::time::timeout(BOUND, async {
        let mut got = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return got,
                Ok(n) => got.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await
    .expect("the server closes the connection within the bound")
}

fn get_request(path: &str, extra: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: yinxin\r\n{extra}\r\n").into_bytes()
}

/// A valid RFC 3161 request.
fn tsq() -> Vec<u8> {
    yinxin::status::tsp::build_request(yinxin::status::tsp::TsHash::Sha256, &[0x42; 32], None, true)
        .unwrap()
}

/// Connections that never finish their request head (or send nothing) are closed after the
/// header read timeout without an answer, and idle keep-alive connections after the idle
/// timeout; while they are held an operator and an anonymous caller are served.
#[tokio::test]
async fn slow_heads_and_idle_connections_are_closed_without_starving_anyone() {
    let e = setup(&[
        ("YINXIN_HEADER_READ_TIMEOUT_SECONDS", "5"),
        ("YINXIN_IDLE_TIMEOUT_SECONDS", "5"),
        ("YINXIN_MAX_CONNECTIONS_PER_ADDRESS", "16"),
    ]);
    let to = e.addr();
    // 24 slow heads from one address (16 are held, the others closed at accept by the cap)
    // and 4 silent connections from another.
    let mut slow = Vec::new();
    for i in 0..28 {
        let mut s = connect_from(lo(if i < 24 { 2 } else { 3 }), to).await;
        if i < 24 {
            // (A connection over the cap may already be closed: the write may fail.)
            let _ = s.write_all(b"GET /v1/certificates?limit=1 HT").await;
        }
        slow.push(s);
    }
    // Meanwhile the operator and an anonymous caller are served.
    let r = get(
        &format!("{}/v1/certificates", e.server.base),
        Some(&e.admin),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        get(&format!("{}/v1/health", e.server.base), None)
            .await
            .status,
        200
    );
    // Every slow connection is closed by the server, none with an answer.
    for s in &mut slow {
        let got = closed_by_server(s).await;
        assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    }
    // A keep-alive connection: two requests, then silence until the idle timeout closes it.
    let mut s = connect_from(lo(2), to).await;
    for _ in 0..2 {
        s.write_all(&get_request("/v1/health", "")).await.unwrap();
        assert_eq!(read_response(&mut s).await.status, 200);
    }
    let got = closed_by_server(&mut s).await;
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
}

/// A body that trickles in slower than the minimum rate is cut off with a 408 problem.
#[tokio::test]
async fn slow_bodies_are_cut_off_with_408() {
    let e = setup(&[
        ("YINXIN_MIN_BODY_RATE_BYTES_PER_SECOND", "1000"),
        ("YINXIN_BODY_RATE_GRACE_SECONDS", "1"),
        ("YINXIN_REQUEST_TIMEOUT_SECONDS", "300"),
    ]);
    let s = connect_from(lo(2), e.addr()).await;
    let (mut rd, mut wr) = s.into_split();
    wr.write_all(
        b"POST /tsa HTTP/1.1\r\nHost: yinxin\r\nContent-Type: application/timestamp-query\r\n\
          Content-Length: 1000\r\n\r\n",
    )
    .await
    .unwrap();
    // One byte every 250 ms (4 bytes/s) until the server stops taking them.
    let trickle = tokio::spawn(async move {
        for _ in 0..1000 {
            if wr.write_all(b"0").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    });
    let r = read_response(&mut rd).await;
    trickle.abort();
    r.assert_problem(408, "body-too-slow");
    assert_eq!(r.header("connection").as_deref(), Some("close"));
    // A body at a normal pace on the same server is served.
    let r = call(
        "POST",
        &format!("{}/tsa", e.server.base),
        None,
        &[("content-type", "application/timestamp-query")],
        tsq(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

/// Anonymous requests hold at most their share of the in-flight slots: with it taken by slow
/// anonymous uploads, anonymous callers (also with an invalid token) get 503 while a token
/// holder is still admitted.
#[tokio::test]
async fn anonymous_traffic_cannot_take_the_slots_of_token_holders() {
    let e = setup(&[
        ("YINXIN_MAX_CONCURRENCY", "4"),
        ("YINXIN_ANONYMOUS_MAX_CONCURRENCY", "2"),
        // The uploads below stay slow but under the cut-off for the whole test.
        ("YINXIN_BODY_RATE_GRACE_SECONDS", "600"),
        ("YINXIN_REQUEST_TIMEOUT_SECONDS", "600"),
    ]);
    let to = e.addr();
    let mut uploads = Vec::new();
    for _ in 0..6 {
        let mut s = connect_from(lo(2), to).await;
        s.write_all(
            b"POST /tsa HTTP/1.1\r\nHost: yinxin\r\nContent-Type: application/timestamp-query\r\n\
              Content-Length: 100\r\n\r\n0",
        )
        .await
        .unwrap();
        uploads.push(s);
    }
    // Wait until the anonymous share is taken: anonymous probes from elsewhere get 503.
    let deadline = Instant::now() + BOUND;
    let shed = loop {
        let r = exchange(
            lo(3),
            to,
            &get_request("/v1/health", "Connection: close\r\n"),
        )
        .await;
        if r.status == 503 {
            break r;
        }
        assert_eq!(r.status, 200);
        assert!(
            Instant::now() < deadline,
            "the slow uploads never took the anonymous slots"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    shed.assert_problem(503, "overloaded");
    assert_eq!(shed.header("retry-after").as_deref(), Some("1"));
    // An invalid token does not get the token holders' slots.
    exchange(
        lo(3),
        to,
        &get_request(
            "/v1/health",
            "Authorization: Bearer yx_not-a-real-token\r\nConnection: close\r\n",
        ),
    )
    .await
    .assert_problem(503, "overloaded");
    // The operator is served, repeatedly.
    for _ in 0..5 {
        let r = get(
            &format!("{}/v1/certificates", e.server.base),
            Some(&e.admin),
        )
        .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    }
    // Once the uploads are gone their slots come back.
    drop(uploads);
    let deadline = Instant::now() + BOUND;
    loop {
        let r = exchange(
            lo(3),
            to,
            &get_request("/v1/health", "Connection: close\r\n"),
        )
        .await;
        if r.status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "slots never came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One address holds at most `max_connections_per_address` connections; more are closed at
/// accept, other addresses are unaffected, and a freed slot can be used again.
#[tokio::test]
async fn connections_are_capped_per_address() {
    let e = setup(&[
        ("YINXIN_MAX_CONNECTIONS_PER_ADDRESS", "4"),
        ("YINXIN_HEADER_READ_TIMEOUT_SECONDS", "600"),
        ("YINXIN_IDLE_TIMEOUT_SECONDS", "600"),
    ]);
    let to = e.addr();
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect_from(lo(2), to).await);
    }
    // The fifth from the same address is closed without an answer.
    let mut fifth = connect_from(lo(2), to).await;
    let _ = fifth.write_all(&get_request("/v1/health", "")).await;
    let got = closed_by_server(&mut fifth).await;
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    // The four are served; another address is served.
    for s in &mut held {
        s.write_all(&get_request("/v1/health", "")).await.unwrap();
        assert_eq!(read_response(s).await.status, 200);
    }
    assert_eq!(
        exchange(lo(3), to, &get_request("/v1/health", ""))
            .await
            .status,
        200
    );
    // Closing one frees its place.
    held.pop();
    let deadline = Instant::now() + BOUND;
    loop {
        let mut s = connect_from(lo(2), to).await;
        let _ = s
            .write_all(&get_request("/v1/health", "Connection: close\r\n"))
            .await;
        let got = closed_by_server(&mut s).await;
        if !got.is_empty() {
            assert!(
                got.starts_with(b"HTTP/1.1 200"),
                "{}",
                String::from_utf8_lossy(&got)
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the freed place was never reused"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Anonymous `/tsa` and CRL requests are rate-limited per address (429 problem with
/// Retry-After); an invalid token is anonymous; a token holder and other addresses pass.
#[tokio::test]
async fn anonymous_tsa_and_crl_floods_get_429() {
    let e = setup(&[
        ("YINXIN_TSA_RATE_LIMIT_PER_SECOND", "0.01"),
        ("YINXIN_TSA_RATE_LIMIT_BURST", "2"),
        ("YINXIN_CRL_RATE_LIMIT_PER_SECOND", "0.01"),
        ("YINXIN_CRL_RATE_LIMIT_BURST", "2"),
    ]);
    let tsa = format!("{}/tsa", e.server.base);
    let ct = [("content-type", "application/timestamp-query")];
    let mut codes = Vec::new();
    for _ in 0..4 {
        let r = call("POST", &tsa, None, &ct, tsq()).await;
        if r.status == 429 {
            r.assert_problem(429, "rate-limited");
            let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
            assert!(wait >= 1);
        }
        codes.push(r.status);
    }
    assert_eq!(codes, [200, 200, 429, 429]);
    // An invalid token is anonymous: still limited.
    let r = call(
        "POST",
        &tsa,
        None,
        &[
            ("content-type", "application/timestamp-query"),
            ("authorization", "Bearer yx_not-a-real-token"),
        ],
        tsq(),
    )
    .await;
    r.assert_problem(429, "rate-limited");
    // A token holder passes (its own bucket), and so does another address.
    let r = call("POST", &tsa, Some(&e.admin), &ct, tsq()).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let q = tsq();
    let mut req = format!(
        "POST /tsa HTTP/1.1\r\nHost: yinxin\r\nContent-Type: application/timestamp-query\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        q.len()
    )
    .into_bytes();
    req.extend_from_slice(&q);
    assert_eq!(exchange(lo(2), e.addr(), &req).await.status, 200);
    // CRL downloads.
    let crl = format!("{}/crl/sm2-root.crl", e.server.base);
    let mut codes = Vec::new();
    for _ in 0..3 {
        codes.push(get(&crl, None).await.status);
    }
    assert_eq!(codes, [200, 200, 429]);
    get(&crl, None).await.assert_problem(429, "rate-limited");
    assert_eq!(get(&crl, Some(&e.admin)).await.status, 200);
}

/// Heads the server refuses are answered with problem documents: a target over
/// `max_uri_bytes` (414, by the router), a head over `max_header_bytes` or with too many
/// fields (431, by hyper), an unparsable request line (400, by hyper).
#[tokio::test]
async fn refused_heads_are_problem_documents() {
    let e = setup(&[
        ("YINXIN_MAX_URI_BYTES", "2048"),
        ("YINXIN_MAX_HEADER_BYTES", "8192"),
        ("YINXIN_MAX_HEADERS", "20"),
    ]);
    let to = e.addr();
    let long = format!("/v1/health?x={}", "a".repeat(3000));
    exchange(lo(2), to, &get_request(&long, ""))
        .await
        .assert_problem(414, "uri-too-long");
    let longer = format!("/v1/health?x={}", "a".repeat(20_000));
    exchange(lo(2), to, &get_request(&longer, ""))
        .await
        .assert_problem(431, "headers-too-large");
    let many: String = (0..40).map(|i| format!("X-Filler-{i}: {i}\r\n")).collect();
    exchange(lo(2), to, &get_request("/v1/health", &many))
        .await
        .assert_problem(431, "headers-too-large");
    let big = format!("X-Big: {}\r\n", "b".repeat(10_000));
    exchange(lo(2), to, &get_request("/v1/health", &big))
        .await
        .assert_problem(431, "headers-too-large");
    exchange(lo(2), to, b"NOT A REQUEST LINE\r\n\r\n")
        .await
        .assert_problem(400, "bad-request");
    exchange(lo(2), to, b"GET /v1/health HTTP/1.1\r\nBad Header\r\n\r\n")
        .await
        .assert_problem(400, "bad-request");
    // The server is unharmed.
    let r = exchange(lo(2), to, &get_request("/v1/health", "")).await;
    assert_eq!(r.status, 200);
    assert!(r.header("x-request-id").is_some());
}
