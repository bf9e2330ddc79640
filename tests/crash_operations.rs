//! kill -9 during e-licence issuance (rendering, sealing, time-stamping, the blob and the row),
//! seal making and certificate revocation at once (issue 18; issuance alone is tests/crash_issuance.rs),
//! on SQLite and PostgreSQL. After each kill the service starts again on the same directory,
//! and: every licence answered 201 is stored, its sealed document is served, and its issuance
//! is audited; every seal answered 201 is stored active and audited; every revocation answered is stored, audited, and OCSP says revoked; nothing is
//! stored twice; the SQLite file passes its integrity check; the audit trail is one chain.
//! A few kills here; `benches/load/crash.sh` runs many (`YINXIN_CRASH_ROUNDS`).

mod common;
use common::http::*;
use common::licence::{agency, values};
use common::*;
use der::{Decode, DecodePem, Encode};
use serde_json::json;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use yinxin::status::ocsp::{self, BasicOcspResponse, CertStatus, IdHash, OcspResponse};

/// Kills per backend: a few in `cargo test`; `YINXIN_CRASH_ROUNDS` (benches/load/crash.sh) for many.
fn rounds() -> usize {
    std::env::var("YINXIN_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2)
}
const LICENCE_CALLERS: usize = 3;
const REVOKE_CALLERS: usize = 2;
const SEAL_CALLERS: usize = 1;
const ORG: &str = "91350100M000100Y43";
/// Answers of each kind to wait for in a round before the kill.
const LICENCES_BEFORE_KILL: usize = 3;
const REVOCATIONS_BEFORE_KILL: usize = 6;
const SEALS_BEFORE_KILL: usize = 2;

#[derive(Default)]
struct Seen {
    licences: Vec<String>,
    revoked: Vec<String>,
    seals: Vec<String>,
    cut: usize,
}

/// The operations a round runs at once, one kind per caller.
#[derive(Clone, Copy, PartialEq)]
enum Op {
    Licence,
    Revoke,
    Seal,
}

const OPS: [(Op, usize, usize); 3] = [
    (Op::Licence, LICENCE_CALLERS, LICENCES_BEFORE_KILL),
    (Op::Revoke, REVOKE_CALLERS, REVOCATIONS_BEFORE_KILL),
    (Op::Seal, SEAL_CALLERS, SEALS_BEFORE_KILL),
];

/// The tokens and material of the rounds.
struct Actors {
    agency: String,
    admin: String,
    seal_admin: String,
    signer_serial: String,
    to_revoke: std::sync::Mutex<Vec<String>>,
}

/// A request: URL, token, body, and the serial a revocation is of.
type Request = (String, String, serde_json::Value, Option<String>);

/// One request of `op`, or None when nothing is left to revoke.
fn request(op: Op, base: &str, a: &Actors) -> Option<Request> {
    use base64::Engine;
    Some(match op {
        Op::Licence => (
            format!("{base}/v1/licences"),
            a.agency.clone(),
            json!({"kind": "business-licence", "values": values("business-licence")}),
            None,
        ),
        Op::Revoke => {
            let serial = a.to_revoke.lock().unwrap().pop()?;
            (
                format!("{base}/v1/certificates/{serial}/revoke"),
                a.admin.clone(),
                json!({"reason": "keyCompromise"}),
                Some(serial),
            )
        }
        Op::Seal => (
            format!("{base}/v1/seals"),
            a.seal_admin.clone(),
            json!({"holder": ORG, "type": "official", "name": "崩溃测试单位合同专用章",
                   "signers": [a.signer_serial],
                   "picture_png_base64": base64::engine::general_purpose::STANDARD.encode(RED_PNG)}),
            None,
        ),
    })
}

/// One caller of `op` until stopped or killed under.
async fn caller(
    op: Op,
    k: usize,
    base: String,
    actors: Arc<Actors>,
    counts: Arc<[AtomicUsize; 3]>,
    stop: Arc<AtomicBool>,
    enough: Arc<tokio::sync::Notify>,
) -> Seen {
    let mut seen = Seen::default();
    while !stop.load(Ordering::SeqCst) {
        let Some((url, token, body, serial)) = request(op, &base, &actors) else {
            break;
        };
        let r = try_call(
            "POST",
            &url,
            Some(&token),
            &[("content-type", "application/json")],
            body.to_string().into_bytes(),
        )
        .await;
        match (op, r) {
            (Op::Licence, Ok(r)) if r.status == 201 => seen
                .licences
                .push(r.json()["identifier"].as_str().unwrap().to_string()),
            (Op::Seal, Ok(r)) if r.status == 201 => seen
                .seals
                .push(r.json()["id"].as_str().unwrap().to_string()),
            (Op::Revoke, Ok(r)) if r.status == 200 => seen.revoked.push(serial.unwrap()),
            (_, Ok(r)) => panic!(
                "{url} answered {}: {}",
                r.status,
                String::from_utf8_lossy(&r.body)
            ),
            // Killed under this request: no answer, nothing may be assumed.
            (_, Err(_)) => {
                seen.cut += 1;
                break;
            }
        }
        counts[k].fetch_add(1, Ordering::SeqCst);
        if OPS
            .iter()
            .enumerate()
            .all(|(j, o)| counts[j].load(Ordering::SeqCst) >= o.2)
        {
            enough.notify_one();
        }
        if op != Op::Licence {
            // Quick ones: spread them over the round.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    seen
}

/// One round: licences, seals and revocations at once, then SIGKILL with requests in flight.
async fn round(data: &Path, actors: Arc<Actors>) -> Seen {
    let mut server = Server::start(
        data,
        &[
            ("YINXIN_RATE_LIMIT_PER_SECOND", "100000"),
            ("YINXIN_RATE_LIMIT_BURST", "100000"),
        ],
    );
    let stop = Arc::new(AtomicBool::new(false));
    let counts: Arc<[AtomicUsize; 3]> = Arc::new(Default::default());
    let enough = Arc::new(tokio::sync::Notify::new());
    let mut tasks = vec![];
    for (k, &(op, callers, _)) in OPS.iter().enumerate() {
        for _ in 0..callers {
            tasks.push(tokio::spawn(caller(
                op,
                k,
                server.base.clone(),
                actors.clone(),
                counts.clone(),
                stop.clone(),
                enough.clone(),
            )));
        }
    }
    tokio::time::timeout(Duration::from_secs(120), enough.notified())
        .await
        .expect("too few answers within 120 s");
    server.child.kill().expect("kill -9");
    server.child.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    let mut all = Seen::default();
    for t in tasks {
        let s = tokio::time::timeout(Duration::from_secs(60), t)
            .await
            .expect("a caller hung after the kill")
            .unwrap();
        all.licences.extend(s.licences);
        all.revoked.extend(s.revoked);
        all.seals.extend(s.seals);
        all.cut += s.cut;
    }
    all
}

/// Issue `n` certificates to revoke later (CLI, before any server runs).
fn certificates(data: &Path, work: &Path, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            issue_generated_org(
                data,
                work,
                &format!("待吊销单位{i}"),
                "91350100M000100Y43",
                &format!("org{i}"),
            )
        })
        .collect()
}

async fn crash_and_check(label: &str, db: Option<&str>) {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let data = work.join("data");
    init_region(&data, db);
    let agency_token = agency(
        &data,
        work,
        "广州市市场监督管理局",
        "11440100MB2C12345P",
        "agency",
    );
    let (_, admin) = token(&data, "admin", None);
    let (_, seal_admin) = token(&data, "seal-admin", Some(ORG));
    let signer_serial = issue_generated_org(&data, work, "崩溃测试单位", ORG, "signer");
    let actors = Arc::new(Actors {
        agency: agency_token.clone(),
        admin: admin.clone(),
        seal_admin,
        signer_serial,
        to_revoke: std::sync::Mutex::new(certificates(&data, work, 10 + 12 * rounds())),
    });
    let mut seen = Seen::default();
    for k in 0..rounds() {
        let s = round(&data, actors.clone()).await;
        println!(
            "{label}: kill -9 #{}: {} licences, {} seals, {} revocations answered, {} cut off",
            k + 1,
            s.licences.len(),
            s.seals.len(),
            s.revoked.len(),
            s.cut
        );
        seen.licences.extend(s.licences);
        seen.revoked.extend(s.revoked);
        seen.seals.extend(s.seals);
        seen.cut += s.cut;
    }
    assert!(seen.cut > 0, "no kill landed while requests were in flight");
    let unique: HashSet<&String> = seen.licences.iter().collect();
    assert_eq!(
        unique.len(),
        seen.licences.len(),
        "a licence identifier was answered twice"
    );

    // Many rounds answer more licences than the default rate limit lets one client read back.
    let server = Server::start(
        &data,
        &[
            ("YINXIN_RATE_LIMIT_PER_SECOND", "100000"),
            ("YINXIN_RATE_LIMIT_BURST", "100000"),
            ("YINXIN_ANONYMOUS_RATE_LIMIT_PER_SECOND", "100000"),
            ("YINXIN_ANONYMOUS_RATE_LIMIT_BURST", "100000"),
        ],
    );
    for id in &seen.licences {
        let r = get(
            &format!("{}/v1/licences/{id}/document", server.base),
            Some(&agency_token),
        )
        .await;
        assert_eq!(
            r.status,
            200,
            "licence {id} answered 201 but its document is not served: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
    for id in &seen.seals {
        let r = get(&format!("{}/v1/seals/{id}", server.base), None).await;
        assert_eq!(
            r.json()["status"],
            "active",
            "seal {id} answered 201 but {}",
            r.json()
        );
    }
    let issuer = std::fs::read(data.join("ca/sm2-issuing.pem")).unwrap();
    let issuer = x509_cert::Certificate::from_pem(issuer)
        .unwrap()
        .to_der()
        .unwrap();
    for serial in &seen.revoked {
        let r = get(
            &format!("{}/v1/certificates/{serial}", server.base),
            Some(&admin),
        )
        .await;
        assert_eq!(
            r.json()["status"],
            "revoked",
            "{serial} answered revoked but stored {}",
            r.json()
        );
        let req = ocsp::build_request(&issuer, &[hex::decode(serial).unwrap()], IdHash::Sha1, None)
            .unwrap();
        let r = call(
            "POST",
            &format!("{}/ocsp", server.base),
            None,
            &[("content-type", "application/ocsp-request")],
            req,
        )
        .await;
        let resp = OcspResponse::from_der(&r.body).unwrap();
        let basic =
            BasicOcspResponse::from_der(resp.response_bytes.unwrap().response.as_bytes()).unwrap();
        assert!(
            matches!(
                basic.tbs_response_data.responses[0].cert_status,
                CertStatus::Revoked(_)
            ),
            "OCSP does not say {serial} is revoked"
        );
    }
    drop(server);

    // Every answer audited once.
    let region = yinxin::pki::region::Region::open(&data, db, &yinxin::store::SqlConnector)
        .await
        .unwrap();
    let mut events = vec![];
    let mut last = 0;
    loop {
        let page = region.repo.audit(last, 1000).await.unwrap();
        let Some(e) = page.last() else { break };
        last = e.id;
        events.extend(page.into_iter().map(|a| (a.action, a.object)));
    }
    for id in &seen.licences {
        let n = events
            .iter()
            .filter(|(a, o)| a == "licence.issue" && *o == format!("licence:{id}"))
            .count();
        assert_eq!(n, 1, "licence {id} audited {n} times");
    }
    for id in &seen.seals {
        let n = events
            .iter()
            .filter(|(a, o)| a == "seal.create" && o == id)
            .count();
        assert_eq!(n, 1, "seal {id} audited {n} times");
    }
    for serial in &seen.revoked {
        let n = events
            .iter()
            .filter(|(a, o)| a == "certificate.revoke" && o == serial)
            .count();
        assert_eq!(n, 1, "revocation of {serial} audited {n} times");
    }
    drop(region);
    assert_store_whole(&data, db).await;
    println!(
        "{label}: {} licences, {} seals and {} revocations answered, all stored, served, audited once; OCSP agrees; trail intact",
        seen.licences.len(),
        seen.seals.len(),
        seen.revoked.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_licences_and_revocations_sqlite() {
    crash_and_check("sqlite", None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_licences_and_revocations_postgres() {
    let Some(base) = postgres_url("kill_9_during_licences_and_revocations_postgres") else {
        return;
    };
    let db = TempPg::create(&base).await;
    crash_and_check("postgresql", Some(&db.url)).await;
    db.drop_database().await;
}
