//! The log's storage (`src/store/log.rs`) under concurrency, SQLite and PostgreSQL: writers
//! commit events with log entries while two sequencers on separate connection pools (two
//! processes' worth) integrate them. Every entry is integrated exactly once, the indexes have
//! no gap, every checkpoint is the tree of its first entries (computed here from RFC 6962),
//! and each step's proofs verify against the checkpoint the step signed.

mod common;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use yinxin::pki::repo::{AuditEvent, Repository};
use yinxin::store::Store;
use yinxin::transparency::checkpoint::{CheckpointPolicy, CosignatureSigner};
use yinxin::transparency::ed25519::Ed25519Signer;
use yinxin::transparency::entry::Entry;
use yinxin::transparency::log::{Log, LogConfig, LogKeys};
use yinxin::transparency::note::Verifiers;

const ORIGIN: &str = "store-test.example/log";
const WRITERS: usize = 4;
const PER_WRITER: usize = 60;

fn keys() -> LogKeys {
    LogKeys {
        log: Ed25519Signer::from_seed(ORIGIN, &[3; 32]).unwrap(),
        sm2: None,
        witness: CosignatureSigner::from_seed("store-test.example/witness", &[4; 32]).unwrap(),
    }
}

fn now() -> i64 {
    yinxin::clock::now_secs()
}

async fn two_sequencers(url: &str) {
    let store = Arc::new(Store::connect(url).await.unwrap());
    let logs: Vec<Arc<Log>> = {
        let mut v = vec![];
        for _ in 0..2 {
            let s = Arc::new(Store::connect(url).await.unwrap());
            v.push(Arc::new(Log::new(
                ORIGIN,
                s,
                Some(keys()),
                LogConfig::default(),
                now,
            )));
        }
        v
    };
    let writing = Arc::new(AtomicBool::new(true));
    let mut writers = vec![];
    for w in 0..WRITERS {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..PER_WRITER {
                let object = format!("object {w}/{i}");
                let ev = AuditEvent::now("test", "seal.create", &object, "success", "").logged(
                    Entry::new("seal.make", 1_765_000_000, &object, object.as_bytes())
                        .holder(Some("91350100M000100Y43")),
                );
                store.append_audit(&ev).await.unwrap();
            }
        }));
    }
    let mut sequencers = vec![];
    for log in &logs {
        let (log, writing) = (log.clone(), writing.clone());
        sequencers.push(tokio::spawn(async move {
            let mut integrated = 0;
            loop {
                let n = log.sequence_once().await.unwrap();
                integrated += n;
                if n == 0 {
                    if !writing.load(Ordering::SeqCst) {
                        break;
                    }
                    tokio::task::yield_now().await;
                }
            }
            integrated
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    writing.store(false, Ordering::SeqCst);
    let mut integrated = 0;
    for s in sequencers {
        integrated += s.await.unwrap();
    }
    // Both sequenced (or one did everything), and together exactly what was written.
    assert_eq!(
        integrated,
        WRITERS * PER_WRITER,
        "integrated twice or not at all"
    );
    let (entries, _, objects) = common::log::assert_log_whole(url).await;
    assert_eq!(entries as usize, WRITERS * PER_WRITER);
    assert!(objects.values().all(|n| *n == 1), "an object logged twice");

    // A proof of every 17th entry verifies against the head's checkpoint.
    let log = &logs[0];
    let mut keys_v = Verifiers::new();
    keys_v.push(Box::new(keys().log.verifier()));
    let policy = CheckpointPolicy::new(ORIGIN, keys_v);
    for w in 0..WRITERS {
        for i in (0..PER_WRITER).step_by(17) {
            let object = format!("object {w}/{i}");
            let sha = yinxin::crypto::sha256(object.as_bytes());
            let p = log
                .proof_of(&sha, "seal.make")
                .await
                .unwrap()
                .expect("logged");
            let entry = p.extra.clone().unwrap();
            p.verify(&entry, &policy).unwrap();
            assert_eq!(Entry::parse(&entry).unwrap().reference, object);
        }
    }
    // The consistency proof between two kept sizes verifies.
    let latest = log.latest().await.unwrap().unwrap();
    let head = log.head().await.unwrap().unwrap();
    let cp = |note: &str| {
        let n = yinxin::transparency::note::Note::parse(note.as_bytes()).unwrap();
        yinxin::transparency::checkpoint::Checkpoint::parse(n.text()).unwrap()
    };
    let (old, new) = (cp(&latest.note), cp(&head.note));
    let proof = log.consistency(old.size(), new.size()).await.unwrap();
    yinxin::transparency::merkle::verify_consistency(
        old.size(),
        new.size(),
        old.root_hash(),
        new.root_hash(),
        &proof,
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sequencers_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", tmp.path().join("log.db").display());
    two_sequencers(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sequencers_postgres() {
    let Some(base) = common::postgres_url("two_sequencers_postgres") else {
        return;
    };
    let db = common::TempPg::create(&base).await;
    two_sequencers(&db.url).await;
    db.drop_database().await;
}
