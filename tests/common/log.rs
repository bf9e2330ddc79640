//! The transparency log's invariants, checked on the database after crashes and runs: the
//! entries have the indexes 0..n with no gap and no duplicate, every kept checkpoint (and the
//! head's) has the root of the first `size` entries computed here from RFC 6962 (so all are
//! prefixes of one history), nothing is left pending once the server has run, and the objects
//! the callers were answered about are logged exactly once.

use sqlx::{AnyPool, Row};
use std::collections::HashMap;

/// RFC 6962 §2.1 MTH over leaf hashes, written from the RFC (independent of
/// `src/transparency`).
pub fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
    use sha2::Digest;
    match leaves.len() {
        0 => sha2::Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            let mut h = sha2::Sha256::new();
            h.update([1u8]);
            h.update(mth(&leaves[..k]));
            h.update(mth(&leaves[k..]));
            h.finalize().into()
        }
    }
}

/// The database URL of a data directory (`db` None: its SQLite file).
pub fn db_url(data: &std::path::Path, db: Option<&str>) -> String {
    match db {
        Some(u) => u.to_string(),
        None => format!("sqlite://{}", data.join("yinxin.db").display()),
    }
}

/// Poll until nothing is pending in the log (a running server sequences it), within 60 s.
pub async fn wait_sequenced(url: &str) {
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(url).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM log_pending")
            .fetch_one(&pool)
            .await
            .unwrap()
            .get("n");
        if n == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{n} entries stay pending"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    pool.close().await;
}

/// Check the invariants; returns (entries, kept checkpoints, count of entries by object
/// SHA-256 hex and kind).
pub async fn assert_log_whole(url: &str) -> (u64, usize, HashMap<(String, String), usize>) {
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(url).await.unwrap();
    let rows = sqlx::query("SELECT idx, kind, object_sha256, entry FROM log_entries ORDER BY idx")
        .fetch_all(&pool)
        .await
        .unwrap();
    let mut leaves = Vec::with_capacity(rows.len());
    let mut objects: HashMap<(String, String), usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let idx: i64 = r.get("idx");
        assert_eq!(idx, i as i64, "a gap or duplicate at index {i}");
        let entry: Vec<u8> = r.get("entry");
        let parsed = yinxin::transparency::entry::Entry::parse(&entry).unwrap();
        let kind: String = r.get("kind");
        let object: String = r.get("object_sha256");
        assert_eq!(parsed.kind, kind);
        assert_eq!(hex::encode(parsed.object_sha256), object);
        *objects.entry((object, kind)).or_default() += 1;
        leaves.push(yinxin::transparency::merkle::leaf_hash(&entry));
    }
    let head = sqlx::query("SELECT size, checkpoint FROM log_head WHERE one = 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    let head_size: i64 = head.get("size");
    assert_eq!(
        head_size as usize,
        leaves.len(),
        "the head's size is not the entries'"
    );
    let mut notes: Vec<(i64, String)> =
        sqlx::query("SELECT size, note FROM log_checkpoints ORDER BY size")
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get("size"), r.get("note")))
            .collect();
    let kept = notes.len();
    if let Some(c) = head.get::<Option<String>, _>("checkpoint") {
        notes.push((head_size, c));
    }
    for (size, note) in &notes {
        let n = yinxin::transparency::note::Note::parse(note.as_bytes()).unwrap();
        let cp = yinxin::transparency::checkpoint::Checkpoint::parse(n.text()).unwrap();
        assert_eq!(cp.size() as i64, *size);
        assert_eq!(
            cp.root_hash(),
            &mth(&leaves[..*size as usize]),
            "the checkpoint of size {size} is not the tree of the first {size} entries"
        );
    }
    // Every stored tree node is the hash of its entries.
    let hashes = sqlx::query("SELECT COUNT(*) AS n FROM log_hashes WHERE level = 0")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(hashes.get::<i64, _>("n") as usize, leaves.len());
    pool.close().await;
    (leaves.len() as u64, kept, objects)
}
