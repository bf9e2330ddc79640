//! Mutual recognition with three `yinxin serve` processes on loopback (regions ra, rb, rc),
//! each recognizing the others through signed trust lists. rb fetches ra's list through a
//! proxy run by this test, so that it can be offered forged, rolled-back, slow, huge and
//! malformed lists.

mod common;
use common::federation::*;
use common::http::*;
use common::*;

use base64::Engine;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// What the list proxy serves.
#[derive(Clone)]
enum Mode {
    /// Forward to the real list.
    Forward,
    /// Serve these bytes.
    Fixed(Vec<u8>),
    /// Answer after this long.
    Slow(Duration),
    /// Refuse (HTTP 503).
    Down,
}

struct Proxy {
    base: String,
    mode: Arc<Mutex<Mode>>,
}

async fn start_proxy(upstream: String) -> Proxy {
    let mode = Arc::new(Mutex::new(Mode::Forward));
    let m = mode.clone();
    let app = axum::Router::new().route(
        "/list",
        axum::routing::get(move || {
            let m = m.clone();
            let upstream = upstream.clone();
            async move {
                let mode = m.lock().unwrap().clone();
                match mode {
                    Mode::Forward => {
                        let r = get(&upstream, None).await;
                        (axum::http::StatusCode::OK, r.body)
                    }
                    Mode::Fixed(b) => (axum::http::StatusCode::OK, b),
                    Mode::Slow(d) => {
                        tokio::time::sleep(d).await;
                        (axum::http::StatusCode::OK, vec![])
                    }
                    Mode::Down => (axum::http::StatusCode::SERVICE_UNAVAILABLE, vec![]),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Proxy { base, mode }
}

async fn peer_state(base: &str, region: &str) -> Value {
    let j = get(&format!("{base}/v1/trust/peers"), None).await.json();
    j["peers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["region"] == region)
        .cloned()
        .unwrap()
}

/// Every chain report in a verification report (any depth).
fn recognitions(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("recognition") {
                out.push(r.clone());
            }
            m.values().for_each(|x| recognitions(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| recognitions(x, out)),
        _ => {}
    }
}

/// Every verification step named `name` in a report (any depth).
fn steps_named(v: &Value, name: &str, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) => {
            if m.get("name").is_some_and(|n| n == name) && m.contains_key("outcome") {
                out.push(v.clone());
            }
            m.values().for_each(|x| steps_named(x, name, out));
        }
        Value::Array(a) => a.iter().for_each(|x| steps_named(x, name, out)),
        _ => {}
    }
}

fn sample_ofd() -> Vec<u8> {
    use yinxin::document::ofd_write::{Item, NewDocument, NewPage, write_ofd};
    write_ofd(&NewDocument {
        pages: vec![NewPage {
            width_mm: 210.0,
            height_mm: 297.0,
            items: vec![Item::Text {
                x_mm: 20.0,
                y_mm: 40.0,
                size_mm: 5.0,
                text: "跨区域合同（盖章）".into(),
                font_name: "宋体".into(),
            }],
        }],
        ..Default::default()
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_regions_recognize_each_other() {
    let tmp = tempfile::tempdir().unwrap();
    let [(da, pa), (db, pb), (dc, pc)] = init_regions(
        tmp.path(),
        [("ra", "甲区域"), ("rb", "乙区域"), ("rc", "丙区域")],
    );
    let (pin_a, pin_b, pin_c) = (signer_pin(&da), signer_pin(&db), signer_pin(&dc));
    let list = |p: u16| format!("http://127.0.0.1:{p}/v1/trust-list");
    let proxy = start_proxy(list(pa)).await;

    // A recognizes B and C; B recognizes A (through the proxy) and C; C recognizes A and B.
    write_trust(
        &da,
        &[
            Peer {
                code: "rb",
                url: list(pb),
                pin: pin_b.clone(),
            },
            Peer {
                code: "rc",
                url: list(pc),
                pin: pin_c.clone(),
            },
        ],
        "",
    );
    write_trust(
        &db,
        &[
            Peer {
                code: "ra",
                url: format!("{}/list", proxy.base),
                pin: pin_a.clone(),
            },
            Peer {
                code: "rc",
                url: list(pc),
                pin: pin_c.clone(),
            },
        ],
        "timeout_seconds = 1\nmax_list_bytes = 200000\nrevocation_cache_seconds = 2\nrevocation_timeout_seconds = 2",
    );
    write_trust(
        &dc,
        &[
            Peer {
                code: "ra",
                url: list(pa),
                pin: pin_a.clone(),
            },
            Peer {
                code: "rb",
                url: list(pb),
                pin: pin_b.clone(),
            },
        ],
        // C requires a valid transparency proof of A's and B's certificates.
        "revocation_cache_seconds = 2\n[transparency]\nmode = \"fail\"",
    );

    // A: an organization with a signer certificate (server-held key), a second organization.
    let serial = issue_generated_org(
        &da,
        tmp.path(),
        "跨区域签约公司",
        "91350100M000100Y43",
        "signer",
    );
    let (signer_dir, other_dir) = (tmp.path().join("signer"), tmp.path().join("other"));
    issue_generated_org(&da, tmp.path(), "另一家公司", "91110000802100433B", "other");
    let (_, seal_admin) = token(&da, "seal-admin", Some("91350100M000100Y43"));
    let signer_token = signer_token(&da, tmp.path(), &serial, "signer");
    let (_, admin_a) = token(&da, "admin", None);
    let (_, admin_b) = token(&db, "admin", None);
    let (_, peer_token_c) = token(&dc, "region-peer", None);
    let loose = [
        ("YINXIN_RATE_LIMIT_PER_SECOND", "100000"),
        ("YINXIN_RATE_LIMIT_BURST", "100000"),
        ("YINXIN_ANONYMOUS_RATE_LIMIT_PER_SECOND", "100000"),
        ("YINXIN_ANONYMOUS_RATE_LIMIT_BURST", "100000"),
    ];
    let a = Server::start_at(&da, &format!("127.0.0.1:{pa}"), &loose);
    let b = Server::start_at(&db, &format!("127.0.0.1:{pb}"), &loose);
    let c = Server::start_at(
        &dc,
        &format!("127.0.0.1:{pc}"),
        &[
            ("YINXIN_ANONYMOUS_RATE_LIMIT_PER_SECOND", "0.01"),
            ("YINXIN_ANONYMOUS_RATE_LIMIT_BURST", "30"),
        ],
    );
    let (ba, bb, bc) = (a.base.clone(), b.base.clone(), c.base.clone());

    // The published list: signed CMS by default, JSON on request, both algorithms.
    let r = get(&format!("{ba}/v1/trust-list?format=json"), None).await;
    assert_eq!(r.status, 200);
    let la = r.json();
    assert_eq!(la["region"]["code"], "ra");
    let kinds: Vec<&str> = la["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    for k in [
        "root-ca",
        "issuing-ca",
        "seal-maker",
        "tsu",
        "ocsp-responder",
    ] {
        assert!(kinds.contains(&k), "{k} missing in {kinds:?}");
    }
    let issuing = la["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "sm2-issuing")
        .unwrap();
    assert_eq!(issuing["status"], "granted");
    assert!(
        issuing["supply_points"]["ocsp"][0]
            .as_str()
            .unwrap()
            .ends_with("/ocsp")
    );
    for alg in ["sm2", "p256"] {
        let r = get(&format!("{ba}/v1/trust-list?alg={alg}"), None).await;
        assert_eq!(r.header("content-type").as_deref(), Some("application/cms"));
        let info = yinxin::document::cms::verify_embedded(&r.body).unwrap();
        let content = yinxin::document::cms::embedded_content(&r.body)
            .unwrap()
            .unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&content).unwrap()["sequence"],
            la["sequence"]
        );
        // The SM2 copy is signed by the pinned SM2 signer, the P-256 copy by the other one.
        let fp = hex::encode(yinxin::crypto::sha256(&info.signer_cert));
        assert_eq!(fp == pin_a, alg == "sm2", "{alg}");
    }

    // Federation: B and C fetch the others' lists.
    for p in ["ra", "rc"] {
        let s = sync(&bb, &admin_b, p).await;
        assert_eq!(s["ok"], true, "{s:#}");
    }
    let (_, admin_c) = token(&dc, "admin", None);
    for p in ["ra", "rb"] {
        let s = sync(&bc, &admin_c, p).await;
        assert_eq!(s["ok"], true, "{s:#}");
    }
    // A learns B's and C's witnesses from their lists (it asks them to cosign its log).
    for p in ["rb", "rc"] {
        let s = sync(&ba, &admin_a, p).await;
        assert_eq!(s["ok"], true, "{s:#}");
    }
    let st = peer_state(&bb, "ra").await;
    assert_eq!(st["state"], "fresh", "{st:#}");
    let seq1 = st["sequence"].as_u64().unwrap();
    let m = get(&format!("{bb}/metrics"), Some(&admin_b)).await;
    let m = String::from_utf8_lossy(&m.body).to_string();
    assert!(
        m.contains("yinxin_trust_peer_state{region=\"ra\"} 1"),
        "{m}"
    );
    assert!(
        m.contains(&format!(
            "yinxin_trust_peer_sequence{{region=\"ra\"}} {seq1}"
        )),
        "{m}"
    );

    // A makes a seal and seals an OFD (timestamped by A's TSA).
    let r = post_json(
        &format!("{ba}/v1/seals"),
        Some(&seal_admin),
        &json!({"holder": "91350100M000100Y43", "type": "official", "name": "跨区域签约公司", "signers": [serial], "picture_png_base64": b64().encode(RED_PNG)}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let seal_id = r.json()["id"].as_str().unwrap().to_string();
    let seal_ofd = |seal_id: String, token: String, ba: String| async move {
        let r = call(
            "POST",
            &format!("{ba}/v1/documents/seal?seal={seal_id}&page=1&x=120&y=200"),
            Some(&token),
            &[("content-type", "application/octet-stream")],
            sample_ofd(),
        )
        .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        r.body
    };
    let sealed1 = seal_ofd(seal_id.clone(), signer_token.clone(), ba.clone()).await;

    // B and C verify it: TOTAL_PASSED, recognized via A's list, assurance mapped.
    let deadline = Instant::now() + Duration::from_secs(15);
    for base in [&bb, &bc] {
        let j = loop {
            let j = verify_at(base, &sealed1).await;
            if j["indication"] == "TOTAL_PASSED" || Instant::now() > deadline {
                break j;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        assert_eq!(j["indication"], "TOTAL_PASSED", "{j:#}");
        let mut recs = vec![];
        recognitions(&j, &mut recs);
        assert!(!recs.is_empty(), "{j:#}");
        for r in &recs {
            assert_eq!(r["region"], "ra", "{r:#}");
            assert_eq!(r["via"], "trust-list");
            assert!(
                r["summary"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("recognized via region ra trust list #{seq1}")),
                "{r:#}"
            );
        }
        assert!(
            recs.iter().any(|r| r["assurance"]
                .as_str()
                .is_some_and(|a| a.starts_with("high"))),
            "{recs:#?}"
        );
    }
    // Transparency: every certificate of A's seal (signer, seal maker, TSU) is in A's log, with
    // a proof whose checkpoint B's and C's witnesses cosigned (A asks them about once a second).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let j = verify_at(&bb, &sealed1).await;
        let mut recs = vec![];
        recognitions(&j, &mut recs);
        let logged: Vec<Value> = recs.iter().map(|r| r["transparency"].clone()).collect();
        let mut seal_steps = vec![];
        steps_named(&j, "seal-logged", &mut seal_steps);
        let cosigned = !logged.is_empty()
            && logged
                .iter()
                .all(|t| t["status"] == "proven" && t["cosigned_by"] == json!(["rb", "rc"]))
            && !seal_steps.is_empty()
            && seal_steps.iter().all(|s| {
                s["outcome"] == "passed"
                    && s["detail"]
                        .as_str()
                        .is_some_and(|d| d.ends_with("cosigned by rb, rc"))
            });
        if cosigned {
            for t in &logged {
                let s = t["summary"].as_str().unwrap();
                assert!(
                    s.starts_with("logged at index ") && s.contains("in region ra's log"),
                    "{s}"
                );
                assert!(s.ends_with("cosigned by rb, rc"), "{s}");
                assert!(t["index"].as_u64().unwrap() < t["checkpoint_size"].as_u64().unwrap());
            }
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not cosigned by rb and rc: {logged:#?} {seal_steps:#?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // C, which requires proofs, passes the seal too; the witnesses' state is in /metrics.
    assert_eq!(verify_at(&bc, &sealed1).await["indication"], "TOTAL_PASSED");
    // Forgery: a seal made with A's real seal-maker key outside A's system is in no log; C
    // (mode fail) does not pass it, and says why.
    let forged = unlogged_seal(
        &da,
        "ra",
        "91350100M000100Y43",
        &serial,
        &signer_dir.join("cert.pem"),
    )
    .await;
    let j = verify_at(&bc, &forged).await;
    assert_ne!(j["indication"], "TOTAL_PASSED", "{j:#}");
    let mut steps = vec![];
    steps_named(&j, "seal-logged", &mut steps);
    assert_eq!(steps.len(), 1, "{j:#}");
    assert_eq!(steps[0]["outcome"], "indeterminate", "{j:#}");
    let detail = steps[0]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("transparency required: not in region ra's transparency log"),
        "{detail}"
    );
    let m = get(&format!("{ba}/metrics"), Some(&admin_a)).await;
    let m = String::from_utf8_lossy(&m.body).to_string();
    for w in ["rb", "rc"] {
        let size = m
            .lines()
            .find_map(|l| l.strip_prefix(&format!("yinxin_log_cosigned_size{{witness=\"{w}\"}} ")))
            .unwrap_or_else(|| panic!("no cosigned size of {w}: {m}"));
        assert!(size.parse::<u64>().unwrap() > 0, "{m}");
    }
    assert!(m.contains("yinxin_log_size "), "{m}");
    let m = get(&format!("{bb}/metrics"), Some(&admin_b)).await;
    let m = String::from_utf8_lossy(&m.body).to_string();
    assert!(
        m.contains("yinxin_witness_answers_total{status=\"200\"}"),
        "{m}"
    );
    assert!(!m.contains("yinxin_witnessed_size{log=\"ra\"} 0\n"), "{m}");

    // A bare certificate of A at B, and at A itself (own region).
    let cert_pem = std::fs::read(signer_dir.join("cert.pem")).unwrap();
    let j = verify_at(&bb, &cert_pem).await;
    assert_eq!(j["indication"], "TOTAL_PASSED", "{j:#}");
    assert_eq!(j["object"], "certificate");
    assert_eq!(j["recognition"]["region"], "ra");
    assert!(j["revocation"].as_array().unwrap().len() >= 2, "{j:#}");
    let j = verify_at(&ba, &cert_pem).await;
    assert_eq!(j["recognition"]["via"], "own-region", "{j:#}");

    // Bad lists offered to B: each is rejected with a clear error; the good list stays in use.
    let good = get(&list(pa), None).await.body;
    let mut forged = good.clone();
    let at = forged
        .windows(8)
        .position(|w| w == b"\"region\"")
        .expect("content inside the CMS");
    forged[at + 20] ^= 0x01;
    let stranger = {
        // A list signed by a key nobody pinned.
        let key = yinxin::crypto::PrivateKey::generate(yinxin::crypto::Algorithm::Sm2).unwrap();
        let signer = key.signer().unwrap();
        let name = yinxin::pki::cert::NameBuilder::new()
            .push(
                yinxin::pki::cert::attr::CN,
                yinxin::pki::cert::StringKind::Utf8,
                "冒充者",
            )
            .build()
            .unwrap();
        let now = yinxin::clock::now_secs();
        let cert = yinxin::pki::cert::sign_certificate(
            &yinxin::pki::cert::CertificateTemplate {
                serial: vec![1],
                issuer: name.clone(),
                subject: name,
                not_before: now - 60,
                not_after: now + 3600,
                spki_der: key.public_key_spki_der().unwrap(),
                extensions: vec![],
            },
            &signer,
        )
        .unwrap();
        let mut l = yinxin::trust::list::TrustList::from_json(la.to_string().as_bytes()).unwrap();
        l.sequence += 100;
        yinxin::trust::list::sign(&l, &signer, &cert, now).unwrap()
    };
    let cases: Vec<(Mode, &str)> = vec![
        (Mode::Fixed(forged), "forged"),
        (Mode::Fixed(stranger), "unknown signer"),
        (
            Mode::Fixed(b"<html>not a list</html>".to_vec()),
            "forged or malformed",
        ),
        (Mode::Fixed(vec![0x30; 300_000]), "larger than"),
        (Mode::Slow(Duration::from_secs(3)), "timeout"),
        (Mode::Down, "503"),
    ];
    for (mode, expect) in cases {
        *proxy.mode.lock().unwrap() = mode;
        let s = sync(&bb, &admin_b, "ra").await;
        assert_eq!(s["ok"], false, "{s:#}");
        assert!(
            s["error"].as_str().unwrap().contains(expect),
            "{expect}: {s:#}"
        );
        let st = peer_state(&bb, "ra").await;
        assert_eq!(st["state"], "fresh");
        assert_eq!(st["sequence"].as_u64(), Some(seq1));
        assert!(
            st["last_error"].as_str().unwrap().contains(expect),
            "{st:#}"
        );
    }
    *proxy.mode.lock().unwrap() = Mode::Forward;
    assert_eq!(verify_at(&bb, &sealed1).await["indication"], "TOTAL_PASSED");

    // A withdraws its SM2 seal maker (a new list version); B syncs it.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = call(
        "POST",
        &format!("{ba}/v1/trust-list/services/sm2-seal-maker/withdraw"),
        Some(&admin_a),
        &[],
        vec![],
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let seq2 = r.json()["sequence"].as_u64().unwrap();
    assert!(seq2 > seq1);
    let s = sync(&bb, &admin_b, "ra").await;
    assert_eq!(s["result"]["outcome"], "accepted", "{s:#}");
    assert_eq!(s["result"]["sequence"].as_u64(), Some(seq2));
    // A rolled-back list (the old version, validly signed) is now refused.
    *proxy.mode.lock().unwrap() = Mode::Fixed(good.clone());
    let s = sync(&bb, &admin_b, "ra").await;
    assert!(s["error"].as_str().unwrap().contains("rollback"), "{s:#}");
    assert_eq!(peer_state(&bb, "ra").await["sequence"].as_u64(), Some(seq2));
    *proxy.mode.lock().unwrap() = Mode::Forward;
    let st = peer_state(&bb, "ra").await;
    assert!(
        st["versions"].as_array().unwrap().len() >= 2,
        "every version kept: {st:#}"
    );

    // A new seal stamped after the withdrawal fails at B; the one timestamped before passes.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let sealed2 = seal_ofd(seal_id.clone(), signer_token.clone(), ba.clone()).await;
    let j = verify_at(&bb, &sealed2).await;
    assert_eq!(j["indication"], "TOTAL_FAILED", "{j:#}");
    assert!(j.to_string().contains("withdrawn"), "{j:#}");
    let j = verify_at(&bb, &sealed1).await;
    assert_eq!(j["indication"], "TOTAL_PASSED", "{j:#}");

    // A revokes the signer certificate: B reports REVOKED once its 2 s revocation cache expires.
    let r = post_json(
        &format!("{ba}/v1/certificates/{serial}/revoke"),
        Some(&admin_a),
        &json!({"reason": "keyCompromise"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let revoked_at = Instant::now();
    let j = loop {
        let j = verify_at(&bb, &sealed1).await;
        if j["indication"] != "TOTAL_PASSED" || revoked_at.elapsed() > Duration::from_secs(15) {
            break j;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(j["indication"], "TOTAL_FAILED", "{j:#}");
    assert!(j.to_string().contains("REVOKED"), "{j:#}");
    println!("revocation seen at B after {:?}", revoked_at.elapsed());

    // Region-peer tokens get their own bucket at C; anonymous callers are limited.
    let other_pem = std::fs::read(other_dir.join("cert.pem")).unwrap();
    let mut limited = false;
    for _ in 0..40 {
        let r = call(
            "POST",
            &format!("{bc}/v1/verify"),
            None,
            &[("content-type", "application/octet-stream")],
            other_pem.clone(),
        )
        .await;
        if r.status == 429 {
            r.assert_problem(429, "rate-limited");
            limited = true;
            break;
        }
    }
    assert!(limited, "anonymous callers are rate-limited");
    let r = call(
        "POST",
        &format!("{bc}/v1/verify"),
        Some(&peer_token_c),
        &[("content-type", "application/octet-stream")],
        other_pem.clone(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));

    // A stopped: once B's cached status of A's other certificate expires, B cannot tell.
    assert_eq!(
        verify_at(&bb, &other_pem).await["indication"],
        "TOTAL_PASSED"
    );
    drop(a);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let j = verify_at(&bb, &other_pem).await;
    assert_eq!(j["indication"], "INDETERMINATE", "{j:#}");
    assert_eq!(j["sub_indication"], "TRY_LATER", "{j:#}");
    let j = verify_at(&bb, &sealed1).await;
    assert_ne!(j["indication"], "TOTAL_PASSED", "{j:#}");
    drop(b);
    drop(c);
}

/// The P-256 copy of a trust list verifies with OpenSSL 3 (`openssl cms -verify`) up to the
/// region's P-256 root (the issuing CA travels in the CMS), and the content OpenSSL extracts is the canonical JSON `show` prints.
#[test]
fn trust_list_verifies_with_openssl() {
    if !require_openssl("trust_list_verifies_with_openssl") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    init_region(&dir, None);
    run_ok(
        yinxin()
            .args(["trust-list", "publish", "--data-dir"])
            .arg(&dir),
    );
    let cms = tmp.path().join("list.p256.cms");
    let shown = run_ok(
        yinxin()
            .args(["trust-list", "show", "--alg", "p256", "--data-dir"])
            .arg(&dir)
            .arg("--out")
            .arg(&cms),
    );
    let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
    let content = tmp.path().join("content.json");
    let cms_verify = || {
        openssl(&[
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            cms.to_str().unwrap(),
            "-CAfile",
            dir.join("ca/p256-root.pem").to_str().unwrap(),
            "-purpose",
            "any",
            "-out",
            content.to_str().unwrap(),
        ])
    };
    let o = cms_verify();
    assert!(
        o.status.success(),
        "openssl cms -verify: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let got: Value = serde_json::from_slice(&std::fs::read(&content).unwrap()).unwrap();
    assert_eq!(got, shown["list"]);
    // One flipped byte of the content: OpenSSL refuses it too.
    let mut bad = std::fs::read(&cms).unwrap();
    let at = bad.windows(8).position(|w| w == b"\"region\"").unwrap();
    bad[at + 12] ^= 1;
    std::fs::write(&cms, bad).unwrap();
    assert!(!cms_verify().status.success());
}

/// A relying party without a yinxin service verifies a certificate of region A offline with
/// A's signed trust list (`yinxin verify --trust-list --trust-pin`): recognized via the list;
/// refused with an unpinned signer; failed once A's list withdraws the issuing CA.
#[test]
fn offline_verification_with_a_trust_list() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a");
    init_region(&dir, None);
    common::flow::write_subjects(tmp.path());
    common::flow::issue(
        &dir,
        tmp.path(),
        "organization",
        "sm2",
        Ok(&fixture("csr/test-sm2.csr.pem")),
        "org",
    );
    let cert = tmp.path().join("org/cert.pem");
    let publish = |extra: &[&str]| {
        run_ok(
            yinxin()
                .args(["trust-list"])
                .args(extra)
                .arg("--data-dir")
                .arg(&dir),
        );
        let list = tmp.path().join("list.cms");
        let shown = run_ok(
            yinxin()
                .args(["trust-list", "show", "--data-dir"])
                .arg(&dir)
                .arg("--out")
                .arg(&list),
        );
        let pin = serde_json::from_slice::<Value>(&shown.stdout).unwrap()["signer_sha256"]["sm2"]
            .as_str()
            .unwrap()
            .to_string();
        (list, pin)
    };
    let verify = |list: &Path, pin: &str| {
        yinxin()
            .arg("verify")
            .arg(&cert)
            .arg("--trust-list")
            .arg(list)
            .args(["--trust-pin", pin, "--no-revocation"])
            .output()
            .unwrap()
    };
    let (list, pin) = publish(&["publish"]);
    let o = verify(&list, &pin);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("recognized via region test-gd trust list #1"),
        "{out}"
    );
    // Without the list there is no anchor at all.
    let o = yinxin()
        .arg("verify")
        .arg(&cert)
        .arg("--no-revocation")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    // A pin that is not the signer's: the list is refused, one line, exit 3.
    let o = verify(&list, &"ab".repeat(32));
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("unknown signer") && err.trim().lines().count() == 1,
        "{err}"
    );
    // A withdraws its SM2 issuing CA: certificates under it are no longer recognized.
    let (list, pin) = publish(&["withdraw", "--service", "sm2-issuing"]);
    let o = verify(&list, &pin);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("issuing CA service sm2-issuing"), "{out}");
}
