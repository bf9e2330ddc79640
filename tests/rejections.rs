//! Every issuance rejection has its own clear error, leaves no certificate behind and is
//! audited without personal data.

mod common;
use common::{TEST_PASSPHRASE, fixture};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use yinxin::clock::FixedClock;
use yinxin::crypto::{Algorithm, Passphrase};
use yinxin::pki::authority::{Authority, IssueError, IssueRequest, KeySource};
use yinxin::pki::csr::CsrError;
use yinxin::pki::region::{self, InitParams, Region};
use yinxin::pki::repo::*;
use yinxin::pki::subject::SubjectError;
use yinxin::store::SqlConnector;

struct Fixture {
    _tmp: tempfile::TempDir,
    region: Region,
    authority: Authority,
}

fn pass() -> Passphrase {
    Passphrase::new(TEST_PASSPHRASE.into()).unwrap()
}

async fn setup_with(edit: impl FnOnce(&std::path::Path)) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    region::init(
        InitParams {
            data_dir: dir.clone(),
            code: "t1".into(),
            name: "测试区".into(),
            database_url: None,
            public_base_url: None,
            hsm: None,
        },
        &pass(),
        &SqlConnector,
    )
    .await
    .unwrap();
    edit(&dir);
    let region = Region::open(&dir, None, &SqlConnector).await.unwrap();
    let authority = region.authority(&pass(), &Algorithm::ALL).await.unwrap();
    Fixture {
        _tmp: tmp,
        region,
        authority,
    }
}

async fn setup() -> Fixture {
    setup_with(|_| {}).await
}

fn csr(name: &str) -> KeySource {
    KeySource::Csr(std::fs::read(fixture(&format!("csr/{name}.csr.pem"))).unwrap())
}

fn person() -> serde_json::Value {
    json!({"name": "王五", "id_number": "11010519491231002X"})
}

fn req(profile: &str, alg: Algorithm, subject: serde_json::Value, key: KeySource) -> IssueRequest {
    IssueRequest {
        profile: profile.into(),
        algorithm: alg,
        subject,
        key,
        validity_days: None,
        actor: "test".into(),
        scope: None,
    }
}

async fn certificate_count(f: &Fixture, profile: &str) -> usize {
    f.region
        .repo
        .certificates(&CertificateFilter {
            profile: Some(profile.into()),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .len()
}

/// Issue, expect a rejection, and check nothing was stored and the audit line is clean.
async fn reject(f: &Fixture, r: IssueRequest) -> IssueError {
    let profile = r.profile.clone();
    let before = certificate_count(f, &profile).await;
    let err = f.authority.issue(r).await.expect_err("must be rejected");
    assert!(err.is_client_error(), "{err}");
    assert_eq!(
        certificate_count(f, &profile).await,
        before,
        "nothing stored for a rejected request"
    );
    let audit = f.region.repo.audit(0, 1000).await.unwrap();
    let last = audit.last().unwrap();
    assert_eq!(last.outcome, "rejected");
    assert_eq!(last.detail, err.code());
    for e in &audit {
        let line = format!("{e:?}");
        assert!(
            !line.contains("11010519491231002"),
            "identity number in audit: {line}"
        );
    }
    err
}

/// An identity number whose birth date is in the future (the tester's 2099-12-31) or before 1900
/// is refused with the reason, the number itself never echoed nor audited.
#[tokio::test]
async fn birth_dates_out_of_range() {
    let f = setup().await;
    for (birth, reason) in [
        ("20991231", "embedded birth date is in the future"),
        ("18991231", "embedded birth date is before 1900"),
    ] {
        let mut id = format!("110105{birth}002");
        id.push(yinxin::pki::identifiers::id_number_check_char(&id).unwrap());
        let e = reject(
            &f,
            req(
                "person",
                Algorithm::Sm2,
                json!({"name": "王五", "id_number": id}),
                csr("test-sm2"),
            ),
        )
        .await;
        assert!(
            matches!(e, IssueError::Subject(SubjectError::FieldInvalid(ref fld, ref why))
                if fld == "id_number" && why == reason),
            "{birth}: {e}"
        );
        assert!(!e.to_string().contains(&id), "error echoes the number: {e}");
        let audit = f.region.repo.audit(0, 1000).await.unwrap();
        assert!(audit.iter().all(|a| !format!("{a:?}").contains(&id)));
    }
}

#[tokio::test]
async fn bad_check_characters() {
    let f = setup().await;
    let e = reject(
        &f,
        req(
            "person",
            Algorithm::Sm2,
            json!({"name": "王五", "id_number": "110105194912310021"}),
            csr("test-sm2"),
        ),
    )
    .await;
    assert!(
        matches!(e, IssueError::Subject(SubjectError::BadCheckCharacter(ref fld)) if fld == "id_number"),
        "{e}"
    );
    assert!(
        !e.to_string().contains("110105194912310021"),
        "error must not echo the number: {e}"
    );
    let e = reject(
        &f,
        req(
            "organization",
            Algorithm::Sm2,
            json!({"name": "某局", "credit_code": "91350100M000100Y44"}),
            csr("test-sm2"),
        ),
    )
    .await;
    assert!(
        matches!(e, IssueError::Subject(SubjectError::BadCheckCharacter(ref fld)) if fld == "credit_code"),
        "{e}"
    );
    let e = reject(
        &f,
        req(
            "device",
            Algorithm::P256,
            json!({"device_id": "d1", "owner_credit_code": "91350100M000100Y42"}),
            csr("test-p256"),
        ),
    )
    .await;
    assert!(
        matches!(e, IssueError::Subject(SubjectError::BadCheckCharacter(ref fld)) if fld == "owner_credit_code"),
        "{e}"
    );
    assert_eq!(e.code(), "bad-check-character");
}

#[tokio::test]
async fn unknown_profile_and_service_profiles() {
    let f = setup().await;
    let e = reject(&f, req("nosuch", Algorithm::Sm2, person(), csr("test-sm2"))).await;
    assert!(
        matches!(e, IssueError::UnknownProfile(ref p) if p == "nosuch"),
        "{e}"
    );
    let e = reject(
        &f,
        req(
            "ocsp-signer",
            Algorithm::Sm2,
            json!({"name": "x", "organization": "y"}),
            csr("test-sm2"),
        ),
    )
    .await;
    assert!(matches!(e, IssueError::ServiceProfile(_)), "{e}");
}

#[tokio::test]
async fn missing_unknown_too_long_and_invalid_fields() {
    let f = setup().await;
    let e = reject(
        &f,
        req(
            "person",
            Algorithm::Sm2,
            json!({"name": "王五"}),
            csr("test-sm2"),
        ),
    )
    .await;
    assert_eq!(
        e.to_string(),
        "subject field `id_number` is required by the profile"
    );
    assert_eq!(e.code(), "field-missing");
    let long: String = "张".repeat(65);
    let e = reject(
        &f,
        req(
            "person",
            Algorithm::Sm2,
            json!({"name": long, "id_number": "11010519491231002X"}),
            csr("test-sm2"),
        ),
    )
    .await;
    assert!(
        matches!(e, IssueError::Subject(SubjectError::FieldTooLong { ref field, len: 65, max: 64 }) if field == "name"),
        "{e}"
    );
    let e = reject(
        &f,
        req(
            "person",
            Algorithm::Sm2,
            json!({"name": "王五", "id_number": "11010519491231002X", "email": "a@b"}),
            csr("test-sm2"),
        ),
    )
    .await;
    assert!(
        matches!(e, IssueError::Subject(SubjectError::FieldNotAllowed(ref x)) if x == "email"),
        "{e}"
    );
    let e = reject(&f, req("device", Algorithm::P256, json!({"device_id": "d1", "owner_credit_code": "91350100M000100Y43", "dns": ["bad..name"]}), csr("test-p256"))).await;
    assert!(
        matches!(e, IssueError::Subject(SubjectError::FieldInvalid(ref x, _)) if x == "dns"),
        "{e}"
    );
    let e = reject(&f, req("device", Algorithm::P256, json!({"device_id": "d1", "owner_credit_code": "91350100M000100Y43", "ip": ["300.1.1.1"]}), csr("test-p256"))).await;
    assert!(
        matches!(e, IssueError::Subject(SubjectError::FieldInvalid(ref x, _)) if x == "ip"),
        "{e}"
    );
    let e = reject(
        &f,
        req(
            "person",
            Algorithm::Sm2,
            json!(["not", "an", "object"]),
            csr("test-sm2"),
        ),
    )
    .await;
    assert!(
        matches!(e, IssueError::Subject(SubjectError::NotAnObject)),
        "{e}"
    );
}

#[tokio::test]
async fn validity_beyond_profile_and_issuer() {
    let f = setup().await;
    let mut r = req("person", Algorithm::Sm2, person(), csr("test-sm2"));
    r.validity_days = Some(1096);
    let e = reject(&f, r).await;
    assert!(
        matches!(
            e,
            IssueError::ValidityBeyondProfile {
                requested: 1096,
                max: 1095
            }
        ),
        "{e}"
    );
    let mut r = req("person", Algorithm::Sm2, person(), csr("test-sm2"));
    r.validity_days = Some(0);
    assert!(matches!(reject(&f, r).await, IssueError::ValidityZero));

    // Near the end of the issuing CA's life, a full-length certificate would outlive it.
    let issuer_end = f.authority.issuer(Algorithm::Sm2).unwrap().record.not_after;
    let late = f
        .region
        .authority_with(
            &pass(),
            &[Algorithm::Sm2],
            Arc::new(FixedClock(issuer_end - 100 * 86_400)),
            f.region.repo.clone(),
        )
        .await
        .unwrap();
    let before = certificate_count(&f, "person").await;
    let e = late
        .issue(req("person", Algorithm::Sm2, person(), csr("test-sm2")))
        .await
        .unwrap_err();
    assert!(matches!(e, IssueError::ValidityBeyondIssuer(_)), "{e}");
    assert_eq!(certificate_count(&f, "person").await, before);
    // A short one still fits.
    let mut r = req("person", Algorithm::Sm2, person(), csr("test-sm2"));
    r.validity_days = Some(30);
    late.issue(r).await.unwrap();
}

#[tokio::test]
async fn csr_signature_invalid() {
    let f = setup().await;
    for (name, alg) in [
        ("test-sm2-badsig", Algorithm::Sm2),
        ("test-p256-badsig", Algorithm::P256),
    ] {
        let e = reject(&f, req("person", alg, person(), csr(name))).await;
        assert!(
            matches!(e, IssueError::Csr(CsrError::BadSignature)),
            "{name}: {e}"
        );
        assert_eq!(e.code(), "csr-signature-invalid");
    }
    let e = reject(
        &f,
        req(
            "person",
            Algorithm::Sm2,
            person(),
            KeySource::Csr(
                b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"
                    .to_vec(),
            ),
        ),
    )
    .await;
    assert!(matches!(e, IssueError::Csr(CsrError::Malformed(_))), "{e}");
    let e = reject(
        &f,
        req(
            "person",
            Algorithm::Sm2,
            person(),
            KeySource::Csr(vec![0x30, 0x03, 0x02, 0x01, 0x00]),
        ),
    )
    .await;
    assert!(matches!(e, IssueError::Csr(CsrError::Malformed(_))), "{e}");
}

#[tokio::test]
async fn algorithm_not_allowed() {
    let f = setup_with(|dir| {
        let p = dir.join("policies/person.toml");
        let t = std::fs::read_to_string(&p)
            .unwrap()
            .replace("algorithms = [\"sm2\", \"p256\"]", "algorithms = [\"sm2\"]");
        std::fs::write(p, t).unwrap();
    })
    .await;
    let e = reject(
        &f,
        req("person", Algorithm::P256, person(), csr("test-p256")),
    )
    .await;
    assert!(
        matches!(e, IssueError::AlgorithmNotAllowed { ref algorithm, ref profile } if algorithm == "p256" && profile == "person"),
        "{e}"
    );
    // Keys of algorithms yinxin does not issue.
    for name in ["test-rsa2048", "test-p384"] {
        let e = reject(
            &f,
            req(
                "organization",
                Algorithm::P256,
                json!({"name": "某局", "credit_code": "91350100M000100Y43"}),
                csr(name),
            ),
        )
        .await;
        assert!(
            matches!(e, IssueError::Csr(CsrError::AlgorithmNotAllowed(_))),
            "{name}: {e}"
        );
        assert_eq!(e.code(), "algorithm-not-allowed");
    }
    // A CSR whose key is not the requested algorithm.
    let e = reject(
        &f,
        req(
            "organization",
            Algorithm::P256,
            json!({"name": "某局", "credit_code": "91350100M000100Y43"}),
            csr("test-sm2"),
        ),
    )
    .await;
    assert!(
        matches!(
            e,
            IssueError::AlgorithmMismatch {
                requested: Algorithm::P256,
                found: Algorithm::Sm2
            }
        ),
        "{e}"
    );
}

#[tokio::test]
async fn weak_and_malformed_keys() {
    let f = setup().await;
    let e = reject(
        &f,
        req("person", Algorithm::P256, person(), csr("test-rsa1024")),
    )
    .await;
    assert!(matches!(e, IssueError::Csr(CsrError::WeakKey(_))), "{e}");
    assert_eq!(e.code(), "weak-key");
    for (name, alg) in [
        ("test-sm2-badpoint", Algorithm::Sm2),
        ("test-p256-badpoint", Algorithm::P256),
    ] {
        let e = reject(&f, req("person", alg, person(), csr(name))).await;
        assert!(
            matches!(e, IssueError::Csr(CsrError::MalformedKey(_))),
            "{name}: {e}"
        );
        assert_eq!(e.code(), "malformed-key");
    }
    let e = reject(
        &f,
        req(
            "person",
            Algorithm::Sm2,
            person(),
            KeySource::Generate(Passphrase::new("short".into()).unwrap()),
        ),
    )
    .await;
    assert!(matches!(e, IssueError::WeakPassphrase), "{e}");
}

#[tokio::test]
async fn accepted_requests_are_stored_with_their_audit_event() {
    let f = setup().await;
    // OpenSSL 3.0's default (empty-ID) SM2 CSR is accepted as proof of possession.
    let issued = f
        .authority
        .issue(req(
            "person",
            Algorithm::Sm2,
            person(),
            csr("test-sm2-emptyid"),
        ))
        .await
        .unwrap();
    let stored = f
        .region
        .repo
        .certificate(&issued.record.serial)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.der, issued.record.der);
    assert_eq!(stored.status, CertStatus::Valid);
    assert_eq!(stored.holder_id.len(), 64, "person holder id is a hash");
    assert!(!stored.subject.contains("11010519491231002X"));
    let audit = f.region.repo.audit(0, 1000).await.unwrap();
    let ev = audit
        .iter()
        .find(|e| e.object == issued.record.serial)
        .unwrap();
    assert_eq!(
        (ev.action.as_str(), ev.outcome.as_str(), ev.actor.as_str()),
        ("certificate.issue", "success", "test")
    );
    // The same holder hashes the same way: lookups by holder work.
    let again = f
        .authority
        .issue(req("person", Algorithm::P256, person(), csr("test-p256")))
        .await
        .unwrap();
    assert_eq!(again.record.holder_id, stored.holder_id);
    let by_holder = f
        .region
        .repo
        .certificates(&CertificateFilter {
            holder: Some(stored.holder_id.clone()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_holder.len(), 2);
    // Serials are 128-bit, positive.
    assert_eq!(issued.record.serial.len(), 32);
    assert!(u8::from_str_radix(&issued.record.serial[..2], 16).unwrap() < 0x80);
}

/// A repository that reports a serial collision on the first insert, as the database's
/// unique constraint would.
struct CollidingRepo {
    inner: Arc<dyn Repository>,
    collisions: AtomicUsize,
}

#[async_trait::async_trait]
impl Repository for CollidingRepo {
    async fn region(&self) -> Result<Option<RegionRecord>, RepoError> {
        self.inner.region().await
    }
    async fn bootstrap_region(&self, b: &RegionBootstrap) -> Result<(), RepoError> {
        self.inner.bootstrap_region(b).await
    }
    async fn cas(&self) -> Result<Vec<CaRecord>, RepoError> {
        self.inner.cas().await
    }
    async fn add_cas(&self, a: &CaAddition) -> Result<(), RepoError> {
        self.inner.add_cas(a).await
    }
    async fn services(&self) -> Result<Vec<ServiceRecord>, RepoError> {
        self.inner.services().await
    }
    async fn insert_certificate(
        &self,
        c: &CertificateRecord,
        a: &AuditEvent,
    ) -> Result<(), RepoError> {
        if self.collisions.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err(RepoError::Conflict(
                "UNIQUE constraint failed: certificates.serial".into(),
            ));
        }
        self.inner.insert_certificate(c, a).await
    }
    async fn certificate(&self, s: &str) -> Result<Option<CertificateRecord>, RepoError> {
        self.inner.certificate(s).await
    }
    async fn certificates(
        &self,
        f: &CertificateFilter,
    ) -> Result<Vec<CertificateRecord>, RepoError> {
        self.inner.certificates(f).await
    }
    async fn append_audit(&self, e: &AuditEvent) -> Result<(), RepoError> {
        self.inner.append_audit(e).await
    }
    async fn revoke(
        &self,
        change: &StatusChange,
        audit: &AuditEvent,
    ) -> Result<RevokeOutcome, RepoError> {
        self.inner.revoke(change, audit).await
    }
    async fn release(
        &self,
        serial: &str,
        at: i64,
        audit: &AuditEvent,
    ) -> Result<RevokeOutcome, RepoError> {
        self.inner.release(serial, at, audit).await
    }
    async fn audit(&self, after: i64, limit: u32) -> Result<Vec<AuditEvent>, RepoError> {
        self.inner.audit(after, limit).await
    }
}

#[tokio::test]
async fn serial_collision_draws_a_new_serial() {
    let f = setup().await;
    let repo = Arc::new(CollidingRepo {
        inner: f.region.repo.clone(),
        collisions: AtomicUsize::new(0),
    });
    let a = f
        .region
        .authority_with(
            &pass(),
            &[Algorithm::Sm2],
            Arc::new(yinxin::clock::SystemClock),
            repo.clone(),
        )
        .await
        .unwrap();
    let issued = a
        .issue(req("person", Algorithm::Sm2, person(), csr("test-sm2")))
        .await
        .unwrap();
    assert_eq!(
        repo.collisions.load(Ordering::SeqCst),
        2,
        "one collision, one successful insert"
    );
    assert!(
        f.region
            .repo
            .certificate(&issued.record.serial)
            .await
            .unwrap()
            .is_some()
    );
}
