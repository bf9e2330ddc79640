//! The transparency log's rates through the store and the log service (the code the server
//! runs), one JSON line per figure:
//!
//! 1. `sequencing`: entries already pending (bulk-loaded), integrated by `Log::sequence_once`
//!    steps of up to 4,096 entries (one transaction and one Ed25519 checkpoint signature each).
//! 2. `appends`: `--writers` concurrent writers storing certificates through the store's group
//!    commit (the issuance path: concurrent inserts committed together, each certificate with
//!    its audit event and its log entry), with the sequencer running as in the server; entries
//!    committed per second, the largest lag behind the commits, and the drain after the stop.
//!    `appends-unbatched`: the same with one transaction per entry (`append_audit`: a seal or a
//!    revocation).
//! 3. `proof_size`: for a tree of 10⁷ entries, the tiles an inclusion proof of a random entry
//!    reads (C2SP tlog-tiles, 256 hashes a tile) and the proof's bytes.
//! 4. `tiles`: full level-0 tiles read back through `Log::tile` by `--readers` concurrent
//!    readers (the work of `GET /log/tile/…` minus HTTP).
//!
//! ```text
//! cargo bench --bench transparency_log -- [--url sqlite:///dev/shm/log.db | postgres://…]
//!     [--pending 200000] [--writers 16] [--seconds 10] [--readers 8]
//! ```
//! Without `--url` a fresh SQLite file in a temporary directory is used.

use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use yinxin::pki::repo::{AuditEvent, CertStatus, CertificateRecord, Repository};
use yinxin::store::Store;
use yinxin::transparency::checkpoint::CosignatureSigner;
use yinxin::transparency::ed25519::Ed25519Signer;
use yinxin::transparency::entry::Entry;
use yinxin::transparency::log::{Log, LogConfig, LogKeys};
use yinxin::transparency::repo::LogRepository;
use yinxin::transparency::tiles::{self, Tile};

struct Args {
    url: Option<String>,
    pending: u64,
    writers: usize,
    seconds: u64,
    readers: usize,
}

fn args() -> Args {
    let mut a = Args {
        url: None,
        pending: 200_000,
        writers: 16,
        seconds: 10,
        readers: 8,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--url" => a.url = Some(v()),
            "--pending" => a.pending = v().parse().expect("--pending: a number"),
            "--writers" => a.writers = v().parse().expect("--writers: a number"),
            "--seconds" => a.seconds = v().parse().expect("--seconds: a number"),
            "--readers" => a.readers = v().parse().expect("--readers: a number"),
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

fn entry(i: u64) -> Entry {
    let cert = format!("certificate number {i} of the benchmark, standing for its DER");
    Entry::new(
        "certificate.issue",
        1_765_000_000 + i as i64,
        &format!("{i:016X}"),
        cert.as_bytes(),
    )
    .holder(Some("91350100M000100Y43"))
    .name(Some("基准测试公司"))
}

fn keys() -> LogKeys {
    LogKeys {
        log: Ed25519Signer::from_seed("bench.example/log", &[1; 32]).unwrap(),
        sm2: None,
        witness: CosignatureSigner::from_seed("bench.example/witness", &[2; 32]).unwrap(),
    }
}

fn now() -> i64 {
    yinxin::clock::now_secs()
}

/// Bulk-load `n` pending entries (multi-row INSERTs in a few transactions).
async fn load_pending(url: &str, n: u64) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let mut i = 0;
    while i < n {
        let mut tx = pool.begin().await.unwrap();
        for _ in 0..50 {
            if i >= n {
                break;
            }
            let rows = (n - i).min(500);
            let values: Vec<String> = (0..rows)
                .map(|k| format!("(${}, ${}, ${})", 3 * k + 1, 3 * k + 2, 3 * k + 3))
                .collect();
            let sql = format!(
                "INSERT INTO log_pending (kind, object_sha256, entry) VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for k in 0..rows {
                let e = entry(i + k);
                q = q
                    .bind(e.kind.clone())
                    .bind(hex::encode(e.object_sha256))
                    .bind(e.encode().unwrap());
            }
            q.execute(&mut *tx).await.unwrap();
            i += rows;
        }
        tx.commit().await.unwrap();
    }
    pool.close().await;
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let a = args();
    let tmp = tempfile::tempdir().unwrap();
    let url = a
        .url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", tmp.path().join("log.db").display()));
    let store = Arc::new(Store::connect(&url).await.unwrap());
    let repo: Arc<dyn LogRepository> = store.clone();
    let log = Arc::new(Log::new(
        "bench.example/log",
        repo.clone(),
        Some(keys()),
        LogConfig::default(),
        now,
    ));

    // 1. Sequencing what is pending.
    let start_size = repo.log_size().await.unwrap();
    load_pending(&url, a.pending).await;
    let t = Instant::now();
    let mut done = 0u64;
    while done < a.pending {
        let n = log.sequence_once().await.unwrap() as u64;
        assert!(n > 0, "nothing sequenced with {} pending", a.pending - done);
        done += n;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"figure": "sequencing", "entries": done, "seconds": secs,
               "entries_per_second": (done as f64 / secs).round(),
               "size": repo.log_size().await.unwrap(), "from": start_size})
    );

    // 2. Concurrent appends with the sequencer running.
    tokio::spawn(log.clone().run_sequencer());
    add_ca(&url).await;
    let batched = Arc::new(Store::connect(&url).await.unwrap().with_group_commit(64));
    appends(&a, "appends", &batched, &repo, &log, true).await;
    appends(&a, "appends-unbatched", &store, &repo, &log, false).await;
    rest(&a, &repo, &log).await;
}

/// A CA row for the benchmark's certificates (their foreign key).
async fn add_ca(url: &str) {
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query(
        "INSERT INTO cas (id, algorithm, role, parent_id, subject, serial, not_before, not_after, \
         ski, key_id, der, created_at) VALUES ('bench-ca', 'sm2', 'issuing', NULL, 'CN=bench', \
         '01', 0, 4000000000, '00', 'bench-ca', $1, 0)",
    )
    .bind(vec![0x30u8, 0x00])
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

fn record(i: u64) -> CertificateRecord {
    CertificateRecord {
        serial: format!("{i:016X}"),
        issuer_ca: "bench-ca".into(),
        profile: "organization".into(),
        algorithm: yinxin::crypto::Algorithm::Sm2,
        subject: format!("CN=bench {i}"),
        holder_id: "91350100M000100Y43".into(),
        organization: Some("基准测试公司".into()),
        not_before: 1_765_000_000,
        not_after: 1_800_000_000,
        status: CertStatus::Valid,
        revoked_at: None,
        revocation_reason: None,
        invalidity_date: None,
        der: format!("certificate number {i} of the benchmark, standing for its DER").into_bytes(),
        created_at: 1_765_000_000,
    }
}

/// Writers for `a.seconds` (certificates through `store`'s group commit when `batched`, else
/// bare audit events), the sequencer running; one JSON line.
async fn appends(
    a: &Args,
    figure: &str,
    store: &Arc<Store>,
    repo: &Arc<dyn LogRepository>,
    log: &Arc<Log>,
    batched: bool,
) {
    let committed = Arc::new(AtomicU64::new(0));
    let before = repo.log_size().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let mut tasks = vec![];
    for w in 0..a.writers {
        let (store, committed, log) = (store.clone(), committed.clone(), log.clone());
        let base = if batched { 1 } else { 100 };
        tasks.push(tokio::spawn(async move {
            let mut i = 1_000_000_000 * (w as u64 + base);
            while Instant::now() < deadline {
                let rec = record(i);
                let ev = AuditEvent::now("bench", "certificate.issue", &rec.serial, "success", "")
                    .logged(entry(i));
                if batched {
                    store.insert_certificate(&rec, &ev).await.unwrap();
                } else {
                    store.append_audit(&ev).await.unwrap();
                }
                log.kick();
                committed.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        }));
    }
    let mut max_lag = 0u64;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let size = repo.log_size().await.unwrap();
        let lag = (before + committed.load(Ordering::Relaxed)).saturating_sub(size);
        max_lag = max_lag.max(lag);
    }
    for t in tasks {
        t.await.unwrap();
    }
    let total = committed.load(Ordering::Relaxed);
    let t_drain = Instant::now();
    while repo.log_size().await.unwrap() < before + total {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    println!(
        "{}",
        json!({"figure": figure, "writers": a.writers, "seconds": a.seconds,
               "committed_per_second": (total as f64 / a.seconds as f64).round(),
               "integrated": total, "max_lag_entries": max_lag,
               "drain_after_stop_ms": t_drain.elapsed().as_millis()})
    );
}

async fn rest(a: &Args, repo: &Arc<dyn LogRepository>, log: &Arc<Log>) {
    // 3. Proof size at 10^7 entries.
    let size = 10_000_000u64;
    let (mut max_tiles, mut sum_tiles, mut max_hashes) = (0usize, 0usize, 0usize);
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let samples = 10_000;
    for _ in 0..samples {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let index = x % size;
        let n = tiles::inclusion_tiles(index, size).unwrap().len();
        max_tiles = max_tiles.max(n);
        sum_tiles += n;
        max_hashes =
            max_hashes.max(yinxin::transparency::merkle::inclusion_proof_len(index, size).unwrap());
    }
    let cp = log
        .latest()
        .await
        .unwrap()
        .map(|c| c.note.len())
        .unwrap_or(0);
    println!(
        "{}",
        json!({"figure": "proof_size", "entries": size, "samples": samples,
               "tiles_max": max_tiles, "tiles_mean": sum_tiles as f64 / samples as f64,
               "proof_hashes_max": max_hashes, "tlog_proof_bytes_max": max_hashes * 45 + cp + 64})
    );

    // 4. Reading full tiles back.
    let size = repo.log_size().await.unwrap();
    let full = size / 256;
    let reads = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(a.seconds.min(5));
    let mut tasks = vec![];
    for r in 0..a.readers {
        let (log, reads) = (log.clone(), reads.clone());
        tasks.push(tokio::spawn(async move {
            let mut k = r as u64 * 7919;
            while Instant::now() < deadline {
                let t = Tile::new(0, k % full, 256).unwrap();
                let body = log.tile(&t).await.unwrap();
                assert_eq!(body.len(), 256 * 32);
                reads.fetch_add(1, Ordering::Relaxed);
                k += 104_729;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let n = reads.load(Ordering::Relaxed);
    println!(
        "{}",
        json!({"figure": "tiles", "readers": a.readers, "full_tiles_in_log": full,
               "tiles_per_second": (n as f64 / a.seconds.min(5) as f64).round()})
    );
}
