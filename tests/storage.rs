//! Storage on SQLite (always) and PostgreSQL (when `YINXIN_TEST_POSTGRES_URL` is set):
//! the CLI issuance flow verified with OpenSSL, unique serials, the append-only audit log,
//! cursor pagination, idempotent migrations, and refusal to create a second region.

mod common;
use common::*;
use serde_json::json;
use yinxin::crypto::{Algorithm, Passphrase};
use yinxin::pki::authority::{IssueRequest, KeySource};
use yinxin::pki::region::{self, InitParams, Region, RegionError};
use yinxin::pki::repo::*;
use yinxin::store::{SqlConnector, Store};

fn pass() -> Passphrase {
    Passphrase::new(TEST_PASSPHRASE.into()).unwrap()
}

/// Everything below the CLI, against one database URL.
async fn exercise(db_url: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    region::init(
        InitParams {
            data_dir: dir.clone(),
            code: "st".into(),
            name: "存储测试".into(),
            database_url: Some(db_url.into()),
            public_base_url: Some("https://ca.example.gov.cn/".into()),
            hsm: None,
        },
        &pass(),
        &SqlConnector,
    )
    .await
    .unwrap();
    let region = Region::open(&dir, None, &SqlConnector).await.unwrap();
    assert_eq!(region.repo.cas().await.unwrap().len(), 4);
    assert_eq!(
        region.repo.services().await.unwrap().len(),
        9,
        "8 and the e-licence QR signer"
    );
    let authority = region.authority(&pass(), &Algorithm::ALL).await.unwrap();
    trust_lists(&region, &dir).await;

    let mut serials = Vec::new();
    for i in 0..12 {
        let alg = if i % 2 == 0 {
            Algorithm::Sm2
        } else {
            Algorithm::P256
        };
        let key = if i % 3 == 0 {
            KeySource::Generate(Passphrase::new("generated-key-pass".into()).unwrap())
        } else {
            KeySource::Csr(
                std::fs::read(fixture(if alg == Algorithm::Sm2 {
                    "csr/test-sm2.csr.pem"
                } else {
                    "csr/test-p256.csr.pem"
                }))
                .unwrap(),
            )
        };
        let issued = authority
            .issue(IssueRequest {
                profile: "organization".into(),
                algorithm: alg,
                subject: json!({"name": format!("单位{i}"), "credit_code": "91350100M000100Y43"}),
                key,
                validity_days: Some(365),
                actor: "storage-test".into(),
                scope: None,
            })
            .await
            .unwrap();
        assert!(issued.certificate_pem.contains("BEGIN CERTIFICATE"));
        serials.push(issued.record.serial.clone());
    }
    // The base URL from init is in the certificates.
    let one = region.repo.certificate(&serials[0]).await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&one.der).into_owned();
    assert!(text.contains("https://ca.example.gov.cn/crl/sm2-issuing.crl"));

    // Cursor pagination walks every organization certificate once, in serial order.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = region
            .repo
            .certificates(&CertificateFilter {
                profile: Some("organization".into()),
                after: after.clone(),
                limit: 5,
                ..Default::default()
            })
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        after = Some(page.last().unwrap().serial.clone());
        seen.extend(page.into_iter().map(|c| c.serial));
    }
    let mut expected = serials.clone();
    expected.sort();
    assert_eq!(seen, expected);
    let by_org = region
        .repo
        .certificates(&CertificateFilter {
            organization: Some("91350100M000100Y43".into()),
            status: Some(CertStatus::Valid),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_org.len(), 12);

    // The serial is unique in the database itself.
    let dup = region.repo.certificate(&serials[1]).await.unwrap().unwrap();
    let before = region.repo.audit(0, 1000).await.unwrap().len();
    let err = region
        .repo
        .insert_certificate(
            &dup,
            &AuditEvent::now("t", "certificate.issue", &dup.serial, "success", ""),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, RepoError::Conflict(_)), "{err}");
    assert_eq!(
        region.repo.audit(0, 1000).await.unwrap().len(),
        before,
        "the audit event rolled back with the certificate"
    );

    // The audit log is append-only.
    sqlx::any::install_default_drivers();
    let url = yinxin::config::resolve_database_url(db_url, &dir);
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    assert!(
        sqlx::query("UPDATE audit SET outcome = 'forged'")
            .execute(&pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM audit")
            .execute(&pool)
            .await
            .is_err()
    );
    let n: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) AS n FROM audit WHERE outcome = 'success'")
            .fetch_one(&pool)
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(
        n,
        1 + 4 + 9 + 12 + 2,
        "region, 4 CAs, 9 service certificates (with the e-licence QR signer), 12 issued, 2 trust lists published"
    );
    pool.close().await;

    // Migrations are idempotent; a second region in the same database is refused.
    Store::connect(&url).await.unwrap();
    let other = tmp.path().join("other");
    let err = region::init(
        InitParams {
            data_dir: other.clone(),
            code: "st2".into(),
            name: "第二".into(),
            database_url: Some(url.clone()),
            public_base_url: None,
            hsm: None,
        },
        &pass(),
        &SqlConnector,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, RegionError::AlreadyExists(_)), "{err}");
    assert!(
        !other.join("yinxin.toml").exists() && !other.join("keys").exists(),
        "a refused init leaves nothing behind"
    );
}

/// The trust list tables: published versions with status history, sequence uniqueness,
/// peer versions kept in order and idempotently.
async fn trust_lists(region: &Region, dir: &std::path::Path) {
    use yinxin::trust::TrustRepository;
    use yinxin::trust::list::{ServiceStatus, TrustList};
    let store = Store::connect(&yinxin::config::resolve_database_url(
        &region.config.database.url,
        dir,
    ))
    .await
    .unwrap();
    let cfg = yinxin::trust::peers::TrustConfig::load(&dir.join("policies")).unwrap();
    assert_eq!(cfg.list.assurance_levels.len(), 3, "shipped trust.toml");
    let v1 = yinxin::trust::publish::publish(region, &pass(), &store, &cfg, None, "test")
        .await
        .unwrap();
    assert_eq!(v1.sequence, 1);
    let v2 = yinxin::trust::publish::publish(
        region,
        &pass(),
        &store,
        &cfg,
        Some(("p256-tsa", ServiceStatus::Withdrawn)),
        "test",
    )
    .await
    .unwrap();
    assert_eq!(v2.sequence, 2);
    let latest = store.latest_own_list().await.unwrap().unwrap();
    assert_eq!(latest.sequence, 2);
    assert_eq!(latest.signed_p256, v2.signed_p256);
    let l = TrustList::from_json(latest.content.as_bytes()).unwrap();
    let tsa = l.services.iter().find(|s| s.id == "p256-tsa").unwrap();
    assert_eq!(tsa.status, ServiceStatus::Withdrawn);
    assert_eq!(tsa.history.len(), 2);
    assert!(
        l.services
            .iter()
            .all(|s| s.id == "p256-tsa" || s.status == ServiceStatus::Granted)
    );
    // Unknown service: nothing is published.
    assert!(
        yinxin::trust::publish::publish(
            region,
            &pass(),
            &store,
            &cfg,
            Some(("nope", ServiceStatus::Withdrawn)),
            "test"
        )
        .await
        .is_err()
    );
    assert_eq!(store.latest_own_list().await.unwrap().unwrap().sequence, 2);
    // The same sequence twice: refused without error (the publisher retries).
    let audit = AuditEvent::now("test", "trust-list.publish", "2", "success", "");
    assert!(!store.insert_own_list(&latest, &audit).await.unwrap());
    for seq in [3u64, 1, 2, 3] {
        store
            .insert_peer_list(&yinxin::trust::PeerListRecord {
                region: "peer".into(),
                sequence: seq,
                issued_at: seq as i64,
                next_update: 100,
                fetched_at: 5,
                signed: vec![seq as u8],
            })
            .await
            .unwrap();
    }
    let kept = store.peer_lists("peer").await.unwrap();
    assert_eq!(
        kept.iter().map(|k| k.sequence).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(store.peer_lists("other").await.unwrap().is_empty());
    store.close().await;
}

#[tokio::test]
async fn sqlite_store() {
    exercise("sqlite://yinxin.db").await;
}

#[tokio::test]
async fn postgres_store() {
    let Some(base) = postgres_url("postgres_store") else {
        return;
    };
    let db = TempPg::create(&base).await;
    exercise(&db.url).await;
    db.drop_database().await;
}

#[tokio::test]
async fn postgres_cli_issuance_verifies_with_openssl() {
    let Some(base) = postgres_url("postgres_cli_issuance_verifies_with_openssl") else {
        return;
    };
    for alg in ["sm2", "p256"] {
        let db = TempPg::create(&base).await;
        let url = db.url.clone();
        tokio::task::spawn_blocking(move || flow::full_flow(alg, Some(&url)))
            .await
            .unwrap();
        db.drop_database().await;
    }
}
