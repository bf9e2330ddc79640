//! Crash safety of issuance: `yinxin serve` is killed with SIGKILL (`kill -9`) while it is
//! issuing certificates for concurrent callers, restarted on the same data directory, and
//! killed again. Afterwards every certificate that was answered `201` is in the database with
//! its audit event, no serial was answered twice or stored twice, the server starts and serves
//! the certificates again, and (SQLite) the database passes `PRAGMA integrity_check`.
//! SQLite always; PostgreSQL when `YINXIN_TEST_POSTGRES_URL` is set.

mod common;
use common::http::*;
use common::*;
use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const ORG: &str = "91350100M000100Y43";
/// Kills per backend.
/// Kills per backend: a few in `cargo test`; `YINXIN_CRASH_ROUNDS` (benches/load/crash.sh) for many.
fn rounds() -> usize {
    std::env::var("YINXIN_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}
/// Concurrent callers.
const CALLERS: usize = 12;
/// Answers to wait for in a round before the kill (the other callers are then in flight).
const ANSWERS_BEFORE_KILL: usize = 150;

fn issue_body(i: usize) -> Vec<u8> {
    let (alg, csr) = if i.is_multiple_of(2) {
        ("sm2", "test-sm2")
    } else {
        ("p256", "test-p256")
    };
    let csr = std::fs::read_to_string(fixture(&format!("csr/{csr}.csr.pem"))).unwrap();
    serde_json::json!({
        "profile": "organization",
        "algorithm": alg,
        "subject": {"name": "崩溃测试单位", "credit_code": ORG},
        "csr": csr,
    })
    .to_string()
    .into_bytes()
}

/// POST an issuance; `None` when no complete answer came back (connection refused or reset,
/// or the body cut short by the kill).
async fn post_issue(url: &str, token: &str, body: Vec<u8>) -> Option<(u16, Vec<u8>)> {
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;
    let client: hyper_util::client::legacy::Client<_, Full<Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http();
    let req = hyper::Request::builder()
        .method("POST")
        .uri(url)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .ok()?;
    let resp = client.request(req).await.ok()?;
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.ok()?.to_bytes().to_vec();
    Some((status, body))
}

/// What one round saw.
#[derive(Default)]
struct Round {
    /// Serials answered 201.
    answered: Vec<String>,
    /// Requests that got no answer (the server died under them).
    unanswered: usize,
}

/// Start a server, issue with `CALLERS` concurrent callers until `ANSWERS_BEFORE_KILL` answers,
/// then SIGKILL it while the others are in flight.
async fn crash_round(data: &Path, admin: &str) -> Round {
    let mut server = Server::start(
        data,
        &[
            ("YINXIN_RATE_LIMIT_PER_SECOND", "100000"),
            ("YINXIN_RATE_LIMIT_BURST", "100000"),
        ],
    );
    let url = format!("{}/v1/certificates", server.base);
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicUsize::new(0));
    let enough = Arc::new(tokio::sync::Notify::new());
    let mut tasks = vec![];
    for c in 0..CALLERS {
        let (url, admin) = (url.clone(), admin.to_string());
        let (stop, count, enough) = (stop.clone(), count.clone(), enough.clone());
        tasks.push(tokio::spawn(async move {
            let mut round = Round::default();
            let mut i = c;
            while !stop.load(Ordering::SeqCst) {
                let r = post_issue(&url, &admin, issue_body(i)).await;
                i += CALLERS;
                match r {
                    Some((201, body)) => {
                        let j: serde_json::Value = serde_json::from_slice(&body).unwrap();
                        round
                            .answered
                            .push(j["serial"].as_str().unwrap().to_string());
                        if count.fetch_add(1, Ordering::SeqCst) + 1 >= ANSWERS_BEFORE_KILL {
                            enough.notify_one();
                        }
                    }
                    Some((status, body)) => panic!(
                        "issuance answered {status}: {}",
                        String::from_utf8_lossy(&body)
                    ),
                    // The server was killed under this request (reset, refused, or a body cut
                    // short): no answer, so nothing may be assumed about it.
                    None => {
                        round.unanswered += 1;
                        break;
                    }
                }
            }
            round
        }));
    }
    tokio::time::timeout(Duration::from_secs(60), enough.notified())
        .await
        .expect("the server answered too few issuances within 60 s");
    // SIGKILL: no shutdown, no flush, requests in flight.
    server.child.kill().expect("kill -9");
    let status = server.child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "killed by SIGKILL: {status:?}"
    );
    stop.store(true, Ordering::SeqCst);
    let mut round = Round::default();
    for t in tasks {
        let r = tokio::time::timeout(Duration::from_secs(30), t)
            .await
            .expect("a caller hung after the kill")
            .unwrap();
        round.answered.extend(r.answered);
        round.unanswered += r.unanswered;
    }
    round
}

/// Kill the server [`rounds`] times on `db` (None: SQLite), then check what was answered.
async fn crash_and_check(label: &str, db: Option<&str>) {
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init_region(&data, db);
    let (_, admin) = token(&data, "admin", None);
    let mut answered: Vec<String> = vec![];
    let mut unanswered = 0;
    for k in 0..rounds() {
        let r = crash_round(&data, &admin).await;
        println!(
            "{label}: kill -9 #{}: {} answered, {} cut off",
            k + 1,
            r.answered.len(),
            r.unanswered
        );
        assert!(
            r.unanswered > 0,
            "the kill landed while requests were in flight"
        );
        answered.extend(r.answered);
        unanswered += r.unanswered;
    }
    // No serial was answered twice.
    let unique: HashSet<&String> = answered.iter().collect();
    assert_eq!(unique.len(), answered.len(), "a serial was answered twice");

    // The server starts again on the same directory and serves what it answered.
    let server = Server::start(&data, &[]);
    // It sequences what the killed processes committed and left pending.
    let url = common::log::db_url(&data, db);
    common::log::wait_sequenced(&url).await;
    for serial in answered.iter().step_by(answered.len().div_ceil(10).max(1)) {
        let r = get(
            &format!("{}/v1/certificates/{serial}", server.base),
            Some(&admin),
        )
        .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.json()["serial"], serial.as_str());
        assert_eq!(r.json()["status"], "valid");
    }
    drop(server);

    // Every answered certificate is stored with its audit event; nothing is stored twice.
    let region = yinxin::pki::region::Region::open(&data, db, &yinxin::store::SqlConnector)
        .await
        .unwrap();
    let mut stored: Vec<String> = vec![];
    let mut after = None;
    loop {
        let page = region
            .repo
            .certificates(&yinxin::pki::repo::CertificateFilter {
                profile: Some("organization".into()),
                after: after.clone(),
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.serial.clone());
        stored.extend(page.into_iter().map(|c| c.serial));
    }
    let stored_set: BTreeSet<&String> = stored.iter().collect();
    assert_eq!(stored_set.len(), stored.len(), "a serial is stored twice");
    let lost: Vec<&String> = answered
        .iter()
        .filter(|s| !stored_set.contains(s))
        .collect();
    assert!(lost.is_empty(), "answered but not stored: {lost:?}");
    let mut issue_events: Vec<String> = vec![];
    let mut last = 0;
    loop {
        let page = region.repo.audit(last, 1000).await.unwrap();
        let Some(e) = page.last() else { break };
        last = e.id;
        issue_events.extend(
            page.into_iter()
                .filter(|a| a.action == "certificate.issue" && a.outcome == "success")
                .map(|a| a.object),
        );
    }
    let audited: HashSet<&String> = issue_events.iter().collect();
    let unaudited: Vec<&&String> = stored_set
        .iter()
        .filter(|s| !audited.contains(**s))
        .collect();
    assert!(
        unaudited.is_empty(),
        "stored without their audit event: {unaudited:?}"
    );
    assert_eq!(
        audited.len(),
        issue_events.len(),
        "an issuance is audited twice"
    );
    // Issued but never answered (committed, then killed before the answer) is allowed.
    println!(
        "{label}: {} kills, {} answered, {} cut off, {} stored ({} committed but not \
         answered), 0 lost, 0 duplicate serials, {:.1} s",
        rounds(),
        answered.len(),
        unanswered,
        stored.len(),
        stored.len() - answered.len(),
        started.elapsed().as_secs_f64()
    );
    drop(region);

    // The transparency log across the kills: no gap, no duplicate index, every checkpoint a
    // prefix of the same history, and every stored certificate logged exactly once.
    let (entries, kept, objects) = common::log::assert_log_whole(&url).await;
    let region = yinxin::pki::region::Region::open(&data, db, &yinxin::store::SqlConnector)
        .await
        .unwrap();
    for serial in &stored {
        let c = region.repo.certificate(serial).await.unwrap().unwrap();
        let key = (
            hex::encode(yinxin::crypto::sha256(&c.der)),
            "certificate.issue".to_string(),
        );
        assert_eq!(
            objects.get(&key),
            Some(&1),
            "certificate {serial} logged other than once"
        );
    }
    drop(region);
    println!("{label}: transparency log whole: {entries} entries, {kept} kept checkpoints");

    // The audit trail is one unbroken chain across the kills (no half-written link), and
    // SQLite's file is whole.
    let trail = assert_store_whole(&data, db).await;
    assert!(
        trail["rows"].as_u64().unwrap() >= issue_events.len() as u64,
        "{trail}"
    );
    println!("{label}: audit trail intact, integrity check ok: {trail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_issuance_sqlite() {
    crash_and_check("sqlite", None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_issuance_postgres() {
    let Some(base) = postgres_url("kill_9_during_issuance_postgres") else {
        return;
    };
    let db = TempPg::create(&base).await;
    crash_and_check("postgresql", Some(&db.url)).await;
    db.drop_database().await;
}
