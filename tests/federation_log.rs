//! Transparency across regions (issue 20), with two `yinxin serve` processes (ra, rb) that
//! recognize each other: rb's witness cosigns ra's log, refuses checkpoints signed with ra's
//! real log key that show another history (409 for another root at the size it cosigned, 422
//! for a tree that does not extend it), and keeps cosigning the true log afterwards; `yinxin
//! monitor` at rb follows ra's log, lists what ra made for a holder, flags a seal ra's log
//! holds but its database lost, and refuses a checkpoint that rewrites the history it
//! verified. (The three-region flow with cosignatures by two witnesses is in federation.rs.)

mod common;
use common::federation::*;
use common::http::*;
use common::*;

use base64::Engine;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use yinxin::transparency::checkpoint::Checkpoint;
use yinxin::transparency::ed25519::Ed25519Signer;
use yinxin::transparency::witness::AddCheckpoint;

const HOLDER: &str = "91350100M000100Y43";

async fn list_json(base: &str) -> Value {
    get(&format!("{base}/v1/trust-list?format=json"), None)
        .await
        .json()
}

/// Post an add-checkpoint request to `url`.
async fn add_checkpoint(url: &str, req: &AddCheckpoint) -> Resp {
    call(
        "POST",
        url,
        None,
        &[("content-type", "text/plain")],
        req.encode().into_bytes(),
    )
    .await
}

/// A metric's value (first line starting with `name`).
async fn metric(base: &str, admin: &str, name: &str) -> Option<u64> {
    let m = get(&format!("{base}/metrics"), Some(admin)).await;
    String::from_utf8_lossy(&m.body)
        .lines()
        .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
        .and_then(|v| v.parse().ok())
}

/// Poll until rb's witness has cosigned ra's log at a size above `above`; that size.
async fn witnessed_above(bb: &str, admin_b: &str, above: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(n) = metric(bb, admin_b, "yinxin_witnessed_size{log=\"ra\"}").await
            && n > above
        {
            return n;
        }
        assert!(
            Instant::now() < deadline,
            "rb never cosigned ra's log above {above}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn monitor(data: &std::path::Path, extra: &[&str]) -> std::process::Output {
    yinxin()
        .args(["monitor", "--region", "ra", "--data-dir"])
        .arg(data)
        .args(extra)
        .output()
        .unwrap()
}

fn json_lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn witnesses_and_the_monitor_catch_a_log_that_lies() {
    let tmp = tempfile::tempdir().unwrap();
    let [(da, pa), (db, pb)] = init_regions(tmp.path(), [("ra", "甲区域"), ("rb", "乙区域")]);
    let (pin_a, pin_b) = (signer_pin(&da), signer_pin(&db));
    let list = |p: u16| format!("http://127.0.0.1:{p}/v1/trust-list");
    write_trust(
        &da,
        &[Peer {
            code: "rb",
            url: list(pb),
            pin: pin_b,
        }],
        "",
    );
    write_trust(
        &db,
        &[Peer {
            code: "ra",
            url: list(pa),
            pin: pin_a,
        }],
        "",
    );
    let serial = issue_generated_org(&da, tmp.path(), "日志监测公司", HOLDER, "signer");
    let (_, seal_admin) = token(&da, "seal-admin", Some(HOLDER));
    let (_, admin_a) = token(&da, "admin", None);
    let (_, admin_b) = token(&db, "admin", None);
    let a = Server::start_at(&da, &format!("127.0.0.1:{pa}"), &[]);
    let b = Server::start_at(&db, &format!("127.0.0.1:{pb}"), &[]);
    let (ba, bb) = (a.base.clone(), b.base.clone());
    assert_eq!(sync(&ba, &admin_a, "rb").await["ok"], true);
    assert_eq!(sync(&bb, &admin_b, "ra").await["ok"], true);

    // A makes a seal; its answer carries the proof of its entry.
    let seal = make_seal(&ba, &seal_admin, "official", "日志监测公司", &serial).await;
    let seal_id = seal["id"].as_str().unwrap().to_string();
    assert!(seal["transparency"]["tlog_proof"].is_string(), "{seal:#}");

    // At B, A's seal is found in A's log; a seal made with A's real seal-maker key outside
    // A's system (never logged) is reported as not proven to be public.
    let real = base64::engine::general_purpose::STANDARD
        .decode(seal["esl_base64"].as_str().unwrap())
        .unwrap();
    seal_logged_step(&bb, &real, "passed", "logged at index ").await;
    let forged = unlogged_seal(
        &da,
        "ra",
        HOLDER,
        &serial,
        &tmp.path().join("signer/cert.pem"),
    )
    .await;
    // B warns (mode warn): the step is reported, not passed.
    seal_logged_step(
        &bb,
        &forged,
        "skipped",
        "not in region ra's transparency log",
    )
    .await;

    // B's witness cosigns A's log; A serves the cosignature with its checkpoint. Nothing is
    // logged after the seal, so the checkpoint that covers it is the last one B cosigns.
    let seal_index = seal["transparency"]["index"].as_u64().unwrap();
    let la = list_json(&ba).await["transparency"].clone();
    let lb = list_json(&bb).await["transparency"].clone();
    let origin = la["origin"].as_str().unwrap().to_string();
    let witness_name = lb["witness_key"]
        .as_str()
        .unwrap()
        .split('+')
        .next()
        .unwrap()
        .to_string();
    let n = cosigned_checkpoint(&ba, &witness_name, seal_index).await;
    assert_eq!(witnessed_above(&bb, &admin_b, 0).await, n);

    // A's real log key signs two other histories; B's witness refuses both.
    let pass = yinxin::crypto::Passphrase::new(TEST_PASSPHRASE.into()).unwrap();
    let [seed, _] = yinxin::pki::region::log_seeds(&da, &pass).unwrap();
    let key = Ed25519Signer::from_seed(&origin, &seed).unwrap();
    let witness_url = lb["witness_url"].as_str().unwrap();
    assert!(witness_url.starts_with(&bb));
    let answers = |s: u16| {
        let bb = bb.clone();
        let admin_b = admin_b.clone();
        async move {
            metric(
                &bb,
                &admin_b,
                &format!("yinxin_witness_answers_total{{status=\"{s}\"}}"),
            )
            .await
            .unwrap_or(0)
        }
    };
    let (conflicts, bad_proofs) = (answers(409).await, answers(422).await);
    let other_root = Checkpoint::new(&origin, n, [0x42; 32])
        .unwrap()
        .sign(&[&key])
        .unwrap();
    let r = add_checkpoint(
        witness_url,
        &AddCheckpoint {
            old: n,
            proof: vec![],
            checkpoint: other_root,
        },
    )
    .await;
    assert_eq!(r.status, 409, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/x.tlog.size")
    );
    assert_eq!(String::from_utf8_lossy(&r.body), format!("{n}\n"));
    let len = yinxin::transparency::merkle::consistency_proof_len(n, n + 5).unwrap();
    let fork = Checkpoint::new(&origin, n + 5, [0x43; 32])
        .unwrap()
        .sign(&[&key])
        .unwrap();
    let r = add_checkpoint(
        witness_url,
        &AddCheckpoint {
            old: n,
            proof: vec![[7u8; 32]; len],
            checkpoint: fork.clone(),
        },
    )
    .await;
    r.assert_problem(422, "inconsistent-checkpoint");
    // A stale old size: 409 naming the size B holds; another key: 403; another log: 404.
    let r = add_checkpoint(
        witness_url,
        &AddCheckpoint {
            old: 0,
            proof: vec![],
            checkpoint: fork,
        },
    )
    .await;
    assert_eq!(r.status, 409);
    assert_eq!(String::from_utf8_lossy(&r.body), format!("{n}\n"));
    let stranger = Ed25519Signer::from_seed(&origin, &[9u8; 32]).unwrap();
    let cp = Checkpoint::new(&origin, n + 1, [1; 32])
        .unwrap()
        .sign(&[&stranger])
        .unwrap();
    add_checkpoint(
        witness_url,
        &AddCheckpoint {
            old: n,
            proof: vec![[7u8; 32]; 1],
            checkpoint: cp,
        },
    )
    .await
    .assert_problem(403, "checkpoint-not-signed-by-log");
    let elsewhere = Ed25519Signer::from_seed("elsewhere.example/log", &seed).unwrap();
    let cp = Checkpoint::new("elsewhere.example/log", 1, [1; 32])
        .unwrap()
        .sign(&[&elsewhere])
        .unwrap();
    add_checkpoint(
        witness_url,
        &AddCheckpoint {
            old: 0,
            proof: vec![],
            checkpoint: cp,
        },
    )
    .await
    .assert_problem(404, "unknown-log");
    assert_eq!(answers(409).await, conflicts + 2);
    assert_eq!(answers(422).await, bad_proofs + 1);
    // The true log goes on being cosigned.
    let r = post_json(
        &format!("{ba}/v1/certificates"),
        Some(&admin_a),
        &json!({"profile": "organization", "algorithm": "sm2",
                "subject": {"name": "日志监测公司", "credit_code": HOLDER},
                "generate_key": {"passphrase": "holder-passphrase-1"}}),
    )
    .await;
    assert_eq!(r.status, 201);
    witnessed_above(&bb, &admin_b, n).await;

    // The monitor at B lists what A made for the holder; the registry knows the seal.
    let state = tmp.path().join("monitor-ra.json");
    let st = state.to_str().unwrap();
    let out = monitor(&db, &["--state", st, "--holder", HOLDER]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out.stdout);
    let summary = lines.last().unwrap();
    assert_eq!(summary["alarms"], json!([]), "{summary:#}");
    let listed = &lines[..lines.len() - 1];
    assert!(listed.iter().all(|e| e["holder"] == HOLDER), "{listed:#?}");
    let made = listed
        .iter()
        .find(|e| e["kind"] == "seal.make")
        .expect("the seal is listed");
    assert_eq!(made["ref"], seal_id.as_str());
    assert_eq!(made["name"], "日志监测公司");
    assert_eq!(made["registry"], "present");
    assert!(
        listed
            .iter()
            .filter(|e| e["kind"] == "certificate.issue")
            .count()
            >= 2
    );
    let size1 = summary["size"].as_u64().unwrap();

    // A's database loses the seal (a hidden object): the monitor's next run flags it.
    let hidden_seal = make_seal(
        &ba,
        &seal_admin,
        "contract",
        "日志监测公司合同专用章",
        &serial,
    )
    .await;
    let hidden = hidden_seal["id"].as_str().unwrap().to_string();
    cosigned_checkpoint(
        &ba,
        &witness_name,
        hidden_seal["transparency"]["index"].as_u64().unwrap(),
    )
    .await;
    let sql = format!("DELETE FROM seals WHERE id = '{hidden}'");
    let o = std::process::Command::new("sqlite3")
        .arg(da.join("yinxin.db"))
        .arg(&sql)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = monitor(&db, &["--state", st, "--name", "合同专用章"]);
    assert!(!out.status.success(), "a hidden seal must be an alarm");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "seal {hidden} is in the log but not in the region's registry"
        )),
        "{err}"
    );
    let lines = json_lines(&out.stdout);
    assert_eq!(lines[0]["ref"], hidden.as_str());
    assert_eq!(lines[0]["registry"], "absent");
    assert!(lines.last().unwrap()["previous_size"].as_u64() == Some(size1));

    // A log that rewrites what the monitor verified: a checkpoint, signed with A's key, of a
    // larger tree that does not extend it, served by a mirror.
    let state_now: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    let verified = state_now["size"].as_u64().unwrap();
    // One more entry at A (a revocation), so that the entries of the lie's size exist.
    let r = post_json(
        &format!("{ba}/v1/certificates/{serial}/revoke"),
        Some(&admin_a),
        &json!({"reason": "superseded"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let cert_der = cert_der_of(&tmp.path().join("signer/cert.pem"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while get(
        &format!(
            "{ba}/log/proof?kind=certificate.revoke&sha256={}",
            hex::encode(yinxin::crypto::sha256(&cert_der))
        ),
        None,
    )
    .await
    .status
        != 200
    {
        assert!(
            Instant::now() < deadline,
            "the revocation was never integrated"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let lie = Checkpoint::new(&origin, verified + 1, [0x44; 32])
        .unwrap()
        .sign(&[&key])
        .unwrap();
    let mirror = start_mirror(ba.clone(), lie).await;
    let out = monitor(
        &db,
        &[
            "--state",
            st,
            "--log-url",
            &format!("{mirror}/log"),
            "--no-registry-check",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("INCONSISTENT"), "{err}");
    let after: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(after, state_now, "a refused run does not move the state");
    drop(a);
    drop(b);
}

/// A seal of `HOLDER` made at A through the API: the answer.
async fn make_seal(ba: &str, token: &str, kind: &str, name: &str, serial: &str) -> Value {
    let png = base64::engine::general_purpose::STANDARD.encode(RED_PNG);
    let r = post_json(
        &format!("{ba}/v1/seals"),
        Some(token),
        &json!({"holder": HOLDER, "type": kind, "name": name, "signers": [serial], "picture_png_base64": png}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

/// The `seal-logged` step of B's report on a seal has `outcome` and a detail containing
/// `says`.
async fn seal_logged_step(bb: &str, seal: &[u8], outcome: &str, says: &str) {
    let j = verify_at(bb, seal).await;
    let step = j["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("{j:#}"))
        .iter()
        .find(|s| s["name"] == "seal-logged")
        .cloned()
        .unwrap_or_else(|| panic!("no seal-logged step: {j:#}"));
    assert_eq!(step["outcome"], outcome, "{step:#}");
    assert!(step["detail"].as_str().unwrap().contains(says), "{step:#}");
}

/// Poll A's served checkpoint until it covers entry `index` and carries the cosignature of
/// `witness`; its size.
async fn cosigned_checkpoint(ba: &str, witness: &str, index: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = get(&format!("{ba}/log/checkpoint"), None).await;
        let cp = String::from_utf8(r.body).unwrap();
        let size = cp
            .lines()
            .nth(1)
            .and_then(|l| l.parse::<u64>().ok())
            .unwrap_or(0);
        if size > index && cp.contains(&format!("— {witness} ")) {
            return size;
        }
        assert!(
            Instant::now() < deadline,
            "A never served a checkpoint of entry {index} cosigned by {witness}: {cp}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// A mirror of A's log that serves `checkpoint` instead of A's and forwards the rest.
async fn start_mirror(upstream: String, checkpoint: String) -> String {
    let app = axum::Router::new()
        .route(
            "/log/checkpoint",
            axum::routing::get(move || {
                let c = checkpoint.clone();
                async move { c }
            }),
        )
        .fallback(move |uri: axum::http::Uri| {
            let upstream = upstream.clone();
            async move {
                let r = get(&format!("{upstream}{uri}"), None).await;
                (axum::http::StatusCode::from_u16(r.status).unwrap(), r.body)
            }
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    base
}
