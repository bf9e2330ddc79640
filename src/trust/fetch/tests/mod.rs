//! Tests of the fetcher against a local supply-point server: the SSRF rule, timeouts, body
//! caps, redirects, OCSP and CRL checks, the cache, and chain gathering. This file holds the
//! fixture (a two-level CA, its CRLs and OCSP responder, the server); the tests are grouped by
//! concept in `transport`, `cache` and `gather`.

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

mod cache;
mod gather;
mod transport;
