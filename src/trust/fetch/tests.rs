//! Tests of the fetcher against a local supply-point server: the SSRF rule, timeouts, body
//! caps, redirects, OCSP and CRL checks, the cache, and chain gathering.

use super::revocation::SHA1;
use super::*;
use crate::crypto::{Algorithm, PrivateKey, Signer};
use crate::pki::cert::{self, CertificateTemplate, NameBuilder, StringKind, extensions as ext};
use crate::status::crl::{CrlParams, EntryEncoder, build_crl};
use crate::status::ocsp::{BasicOcspResponse, OcspResponse, ResponseStatus};
use crate::status::ocsp::{Known, Responder, parse_request, sign_response, status_only};
use crate::verify::cert::Cert;
use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use der::Decode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use x509_cert::serial_number::SerialNumber;

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
        "/ocsp-unauthorized" => respond(
            200,
            "application/ocsp-response",
            status_only(ResponseStatus::Unauthorized),
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

fn make_ca(cn: &str, serial: u8, parent: Option<&Ca>, extra: Vec<x509_cert::ext::Extension>) -> Ca {
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
            ext::authority_info_access(&format!("{base}/ocsp"), &format!("{base}/ca.cer")).unwrap(),
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

#[tokio::test]
async fn a_lasting_ocsp_refusal_is_remembered_and_try_later_is_not() {
    let fx = fixture().await;
    let f = RevocationFetcher::new(quick());
    let url = format!("{}/ocsp-unauthorized", fx.base);
    let e = f
        .ocsp(&url, &fx.leaf, &fx.issuing.der, &all)
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Http(_)), "{e}");
    assert!(e.to_string().contains("Unauthorized"), "{e}");
    // The responder is not asked again while the refusal is remembered.
    for _ in 0..3 {
        let e = f
            .ocsp(&url, &fx.leaf, &fx.issuing.der, &all)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Http(_)), "{e}");
        assert!(
            e.to_string().contains("Unauthorized") && e.to_string().contains("remembered"),
            "{e}"
        );
    }
    assert_eq!(fx.srv.hits("/ocsp-unauthorized"), 1);
    // Another certificate is another question.
    let e = f
        .ocsp(&url, &fx.issuing.der, &fx.root.der, &all)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Unauthorized"), "{e}");
    assert_eq!(fx.srv.hits("/ocsp-unauthorized"), 2);
    // tryLater is asked again every time.
    let later = format!("{}/ocsp-trylater", fx.base);
    for _ in 0..2 {
        let e = f
            .ocsp(&later, &fx.leaf, &fx.issuing.der, &all)
            .await
            .unwrap_err();
        assert!(!e.to_string().contains("remembered"), "{e}");
    }
    assert_eq!(fx.srv.hits("/ocsp-trylater"), 2);
    // Nothing is remembered when the cache is off.
    let off = RevocationFetcher::new(FetchConfig {
        max_entries: 0,
        ..quick()
    });
    for _ in 0..2 {
        assert!(
            off.ocsp(&url, &fx.leaf, &fx.issuing.der, &all)
                .await
                .is_err()
        );
    }
    assert_eq!(fx.srv.hits("/ocsp-unauthorized"), 4);
}
