//! Group commit (`src/store/group_commit.rs`): a batch of certificates waiting for the writer
//! is committed all at once (multi-row INSERTs, one move of the audit head), and a batch that
//! cannot be — one serial already taken — is redone item by item, so that only that item
//! fails. Each stored certificate has its audit event on one unbroken chain; SQLite and
//! PostgreSQL.

mod common;
use common::{assert_store_whole, init_region};
use std::path::Path;
use std::sync::Arc;
use yinxin::crypto::Algorithm;
use yinxin::pki::repo::{AuditEvent, CertStatus, CertificateRecord, RepoError, Repository};
use yinxin::store::Store;

fn record(serial: &str, ca: &str) -> CertificateRecord {
    CertificateRecord {
        serial: serial.into(),
        issuer_ca: ca.into(),
        profile: "organization".into(),
        algorithm: Algorithm::Sm2,
        subject: format!("CN=batch {serial}"),
        holder_id: format!("holder-{serial}"),
        organization: None,
        not_before: 1_700_000_000,
        not_after: 1_800_000_000,
        status: CertStatus::Valid,
        revoked_at: None,
        revocation_reason: None,
        invalidity_date: None,
        der: serial.as_bytes().to_vec(),
        created_at: 1_700_000_000,
    }
}

/// Insert these serials at once: every insert is queued before the writer runs (a
/// current-thread runtime runs the writer only when all of them wait), so they make one batch.
async fn insert_at_once(
    store: &Arc<Store>,
    ca: &str,
    serials: &[String],
) -> Vec<Result<(), RepoError>> {
    let futures = serials.iter().map(|s| {
        let store = store.clone();
        let rec = record(s, ca);
        async move {
            let ev = AuditEvent::now(
                "test:batch",
                "certificate.issue",
                &rec.serial,
                "success",
                "",
            );
            store.insert_certificate(&rec, &ev).await
        }
    });
    futures_util::future::join_all(futures).await
}

async fn batches(data: &Path, db: Option<&str>, url: &str) {
    init_region(data, db);
    let store = Arc::new(Store::connect(url).await.unwrap().with_group_commit(256));
    let ca = store.cas().await.unwrap()[0].id.clone();
    let audit_before = store.audit(0, 1000).await.unwrap().len();

    let first: Vec<String> = (0..120).map(|i| format!("BA7C{i:04X}")).collect();
    let results = insert_at_once(&store, &ca, &first).await;
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    assert_eq!(
        store.group_commit_fallbacks(),
        0,
        "a clean batch goes in all at once, not item by item"
    );

    // A batch with one serial that is already stored: that one fails, the rest go in.
    let mut second: Vec<String> = (0..30).map(|i| format!("BB7C{i:04X}")).collect();
    second.insert(17, first[5].clone());
    let results = insert_at_once(&store, &ca, &second).await;
    assert_eq!(
        store.group_commit_fallbacks(),
        1,
        "the collision made the batch go item by item"
    );
    for (s, r) in second.iter().zip(&results) {
        if s == &first[5] {
            assert!(r.is_err(), "the duplicate serial {s} was accepted");
        } else {
            assert!(r.is_ok(), "{s}: {r:?}");
        }
    }

    for s in first.iter().chain(&second) {
        let c = store.certificate(s).await.unwrap().expect("stored");
        assert_eq!(c.subject, format!("CN=batch {s}"));
    }
    let events = store.audit(0, 1000).await.unwrap();
    // The batch's order is the order the inserts reached the writer, which the test does not
    // fix; each stored certificate has exactly one event, the duplicate none.
    let mut issued: Vec<&str> = events[audit_before..]
        .iter()
        .map(|e| e.object.as_str())
        .collect();
    issued.sort_unstable();
    let mut want: Vec<&str> = first.iter().map(String::as_str).collect();
    want.extend(
        second
            .iter()
            .filter(|s| *s != &first[5])
            .map(String::as_str),
    );
    want.sort_unstable();
    assert_eq!(issued, want, "one audit event per stored certificate");
    store.close().await;
    let trail = assert_store_whole(data, db).await;
    assert_eq!(trail["rows"], events.len(), "{trail}");
}

#[tokio::test(flavor = "current_thread")]
async fn batches_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("region");
    let url = format!("sqlite://{}", data.join("yinxin.db").display());
    batches(&data, None, &url).await;
}

#[tokio::test(flavor = "current_thread")]
async fn batches_on_postgres() {
    let Some(base) = common::postgres_url("batches_on_postgres") else {
        return;
    };
    let db = common::TempPg::create(&base).await;
    let tmp = tempfile::tempdir().unwrap();
    batches(&tmp.path().join("region"), Some(&db.url), &db.url).await;
    db.drop_database().await;
}
