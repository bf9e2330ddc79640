//! Revocation through every path — the domain API (as `yinxin revoke` and the library use it),
//! the CLI itself, and `POST /v1/certificates/{serial}/revoke` on a running `yinxin serve` —
//! with and without invalidity dates, for every requestable reason, holds and their release
//! (removeFromCRL): the full CRL lists a certificate iff OCSP says it is revoked, with the same
//! reason and revocation time, and delta CRLs agree with OCSP too. Invalidity dates before the
//! certificate or in the future are refused (HTTP 422, CLI one line). Damaged rows of an old
//! database do not stop CRL generation, and a failed generation is counted for the metrics.
//! SQLite always, PostgreSQL when `YINXIN_TEST_POSTGRES_URL` is set.

mod common;
use common::http::*;
use common::*;
use der::Decode;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use yinxin::clock::{SystemClock, now_secs, rfc3339};
use yinxin::crypto::{Algorithm, CryptoError, Passphrase, Signer};
use yinxin::pki::authority::{Authority, IssueRequest, KeySource};
use yinxin::pki::region::{self, InitParams, Region};
use yinxin::pki::revocation::{RevocationReason, RevokeError, RevokeRequest, release, revoke};
use yinxin::status::ocsp::{self, BasicOcspResponse, CertStatus, IdHash, OcspResponse};
use yinxin::status::service::{CrlRecord, StatusConfig, StatusError, StatusService};
use yinxin::store::{SqlConnector, Store};

const ORG: &str = "91350100M000100Y43";
const CA: &str = "p256-issuing";
/// The date the tester sent (and the old code stored).
const PRE_1970: &str = "1969-12-31T23:59:59Z";

fn pass() -> Passphrase {
    Passphrase::new(TEST_PASSPHRASE.into()).unwrap()
}

/// What a certificate's status must be.
#[derive(Clone, Debug, PartialEq)]
enum Expect {
    Valid,
    /// Reason code and the invalidity date as its GeneralizedTime text, if any.
    Revoked(i64, Option<String>),
}

struct Env {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    url: String,
    store: Arc<Store>,
    region: Region,
    authority: Authority,
    issuer: Vec<u8>,
    /// serial → (certificate DER, notBefore)
    certs: BTreeMap<String, (Vec<u8>, i64)>,
    expect: BTreeMap<String, Expect>,
}

async fn setup(db: Option<&str>) -> Env {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    region::init(
        InitParams {
            data_dir: data.clone(),
            code: "rp".into(),
            name: "吊销测试区".into(),
            database_url: db.map(str::to_string),
            public_base_url: None,
            hsm: None,
        },
        &pass(),
        &SqlConnector,
    )
    .await
    .unwrap();
    let config = yinxin::config::Config::load(&data).unwrap();
    let url = yinxin::config::resolve_database_url(&config.database.url, &data);
    let store = Arc::new(Store::connect(&url).await.unwrap());
    let region = Region::from_parts(&data, config, store.clone())
        .await
        .unwrap();
    let authority = region.authority(&pass(), &[Algorithm::P256]).await.unwrap();
    let issuer = region
        .repo
        .cas()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id == CA)
        .unwrap()
        .der;
    Env {
        _tmp: tmp,
        data,
        url,
        store,
        region,
        authority,
        issuer,
        certs: BTreeMap::new(),
        expect: BTreeMap::new(),
    }
}

impl Env {
    /// Issue an organization (or, `person`, a person) certificate; returns its serial.
    async fn issue(&mut self, person: bool) -> String {
        let (profile, subject) = if person {
            (
                "person",
                json!({"name": "孙八", "id_number": "11010519491231002X"}),
            )
        } else {
            (
                "organization",
                json!({"name": "吊销测试单位", "credit_code": ORG}),
            )
        };
        let issued = self
            .authority
            .issue(IssueRequest {
                profile: profile.into(),
                algorithm: Algorithm::P256,
                subject,
                key: KeySource::Csr(std::fs::read(fixture("csr/test-p256.csr.pem")).unwrap()),
                validity_days: Some(365),
                actor: "test".into(),
                scope: None,
            })
            .await
            .unwrap();
        let r = issued.record;
        self.certs
            .insert(r.serial.clone(), (r.der.clone(), r.not_before));
        self.expect.insert(r.serial.clone(), Expect::Valid);
        r.serial
    }

    fn not_before(&self, serial: &str) -> i64 {
        self.certs[serial].1
    }

    /// A status service as `yinxin serve` builds it (a new one is a restarted process).
    async fn service(&self) -> StatusService {
        let cas = self
            .region
            .status_cas(&pass(), &self.authority)
            .await
            .unwrap();
        StatusService::new(
            cas,
            self.store.clone(),
            self.store.clone(),
            StatusConfig::default(),
            Arc::new(SystemClock),
        )
        .await
        .unwrap()
    }

    /// Revoke through the domain API, as `yinxin revoke` does.
    async fn revoke_domain(
        &mut self,
        serial: &str,
        reason: RevocationReason,
        invalidity: Option<i64>,
    ) -> Result<(), RevokeError> {
        let now = now_secs();
        let (rec, changed) = revoke(
            self.region.repo.as_ref(),
            &RevokeRequest {
                serial,
                reason,
                invalidity_date: invalidity,
                actor: "test",
                scope: None,
                now,
            },
        )
        .await?;
        assert!(changed);
        assert_eq!(rec.invalidity_date, invalidity);
        self.expect.insert(
            serial.into(),
            Expect::Revoked(reason.code(), invalidity.map(gt_text)),
        );
        Ok(())
    }
}

/// GeneralizedTime text of Unix seconds (any year 0000–9999).
fn gt_text(secs: i64) -> String {
    let der = yinxin::status::asn1_time::generalized_time_der(secs).unwrap();
    String::from_utf8(der[2..].to_vec()).unwrap()
}

/// One CRL entry: revocation time, reasonCode (None: absent), invalidityDate text.
#[derive(Debug, PartialEq)]
struct Listed {
    at: i64,
    reason: Option<u8>,
    invalidity: Option<String>,
}

fn crl_entries(der: &[u8]) -> BTreeMap<String, Listed> {
    let crl: x509_cert::crl::CertificateList =
        x509_cert::crl::CertificateList::from_der(der).expect("the CRL parses");
    let mut out = BTreeMap::new();
    for e in crl.tbs_cert_list.revoked_certificates.unwrap_or_default() {
        let mut l = Listed {
            at: e.revocation_date.to_unix_duration().as_secs() as i64,
            reason: None,
            invalidity: None,
        };
        for x in e.crl_entry_extensions.unwrap_or_default() {
            let v = x.extn_value.as_bytes();
            match x.extn_id.to_string().as_str() {
                "2.5.29.21" => {
                    assert_eq!(&v[..2], &[0x0a, 1]);
                    l.reason = Some(v[2]);
                }
                "2.5.29.24" => {
                    assert_eq!(v[0], 0x18, "invalidityDate is GeneralizedTime");
                    l.invalidity = Some(String::from_utf8(v[2..].to_vec()).unwrap());
                }
                other => panic!("unexpected entry extension {other}"),
            }
        }
        let serial = e.serial_number.as_bytes();
        let skip = serial.iter().take_while(|b| **b == 0).count();
        assert!(
            out.insert(hex::encode_upper(&serial[skip..]), l).is_none(),
            "serial listed twice"
        );
    }
    out
}

/// OCSP's answer: None = good, Some((time, reason)) = revoked.
async fn ocsp_status(svc: &StatusService, issuer: &[u8], cert: &[u8]) -> Option<(i64, Option<u8>)> {
    let c = x509_cert::Certificate::from_der(cert).unwrap();
    let serial = c.tbs_certificate().serial_number().as_bytes().to_vec();
    // No nonce: the cached (RFC 5019) path relying parties mostly use.
    let req = ocsp::build_request(issuer, &[serial], IdHash::Sha1, None).unwrap();
    let resp = OcspResponse::from_der(&svc.ocsp(&req).await).unwrap();
    let basic =
        BasicOcspResponse::from_der(resp.response_bytes.unwrap().response.as_bytes()).unwrap();
    match &basic.tbs_response_data.responses[0].cert_status {
        CertStatus::Good(_) => None,
        CertStatus::Revoked(r) => Some((
            r.revocation_time.to_unix_duration().as_secs() as i64,
            r.revocation_reason.as_ref().map(|x| x.0),
        )),
        CertStatus::Unknown(_) => panic!("OCSP does not know one of our certificates"),
    }
}

/// The heart of the test: for every certificate, OCSP answers as expected, the full CRL lists
/// it iff OCSP says revoked, with the same reason, the same time (the stored one) and the
/// expected invalidity date; and every delta entry agrees with OCSP.
async fn assert_agree(e: &Env, svc: &StatusService, full: &CrlRecord, deltas: &[&CrlRecord]) {
    svc.poll_changes().await.unwrap();
    let listed = crl_entries(&full.der);
    let revoked = e
        .expect
        .values()
        .filter(|x| matches!(x, Expect::Revoked(..)))
        .count();
    assert_eq!(
        listed.len(),
        revoked,
        "the full CRL lists exactly the revoked certificates"
    );
    assert_eq!(full.entries as usize, revoked);
    let mut answers = BTreeMap::new();
    for (serial, expect) in &e.expect {
        let (der, _) = &e.certs[serial];
        let answer = ocsp_status(svc, &e.issuer, der).await;
        answers.insert(serial.clone(), answer);
        match (expect, answer, listed.get(serial)) {
            (Expect::Valid, None, None) => {}
            (Expect::Revoked(reason, invalidity), Some((at, ocsp_reason)), Some(l)) => {
                let rec = e.region.repo.certificate(serial).await.unwrap().unwrap();
                let stored = rec.revoked_at.unwrap();
                let published = if stored < 0 { 0 } else { stored };
                assert_eq!(
                    (l.at, at),
                    (published, published),
                    "{serial}: revocation time"
                );
                let want = (*reason != 0).then_some(*reason as u8);
                assert_eq!((l.reason, ocsp_reason), (want, want), "{serial}: reason");
                assert_eq!(&l.invalidity, invalidity, "{serial}: invalidity date");
            }
            (x, a, l) => panic!("{serial}: expected {x:?}, OCSP {a:?}, full CRL {l:?}"),
        }
    }
    for d in deltas {
        for (serial, l) in crl_entries(&d.der) {
            match answers.get(&serial) {
                Some(None) => assert_eq!(l.reason, Some(8), "{serial}: valid in a delta CRL"),
                Some(Some((at, reason))) => {
                    assert_eq!((l.at, l.reason), (*at, *reason), "{serial}: delta vs OCSP")
                }
                None => panic!("{serial}: a delta entry that is not ours"),
            }
        }
    }
}

fn health(
    svc_health: &[yinxin::status::service::CrlHealth],
    delta: bool,
) -> (u64, Option<i64>, u64) {
    let h = svc_health
        .iter()
        .find(|h| h.ca_id == CA && h.delta == delta)
        .expect("health of the P-256 issuing CA");
    (h.failures, h.last_success, h.adjusted_entries)
}

/// A signer that has stopped answering (an HSM gone away).
struct Broken(Vec<u8>);

impl Signer for Broken {
    fn algorithm(&self) -> Algorithm {
        Algorithm::P256
    }
    fn public_key_spki(&self) -> &[u8] {
        &self.0
    }
    fn sign(&self, _: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Err(CryptoError::Encoding(
            "the key device did not answer".into(),
        ))
    }
}

const REASONS: [RevocationReason; 8] = [
    RevocationReason::Unspecified,
    RevocationReason::KeyCompromise,
    RevocationReason::CaCompromise,
    RevocationReason::AffiliationChanged,
    RevocationReason::Superseded,
    RevocationReason::CessationOfOperation,
    RevocationReason::PrivilegeWithdrawn,
    RevocationReason::AaCompromise,
];

async fn exercise(db: Option<&str>) {
    let mut e = setup(db).await;

    // --- The domain API (what `yinxin revoke` calls): every reason, with and without an
    // invalidity date (the certificate's notBefore: the earliest allowed).
    for reason in REASONS {
        for with_date in [false, true] {
            let s = e.issue(false).await;
            let inv = with_date.then(|| e.not_before(&s));
            e.revoke_domain(&s, reason, inv).await.unwrap();
        }
    }
    let held = e.issue(true).await;
    let nb = e.not_before(&held);
    e.revoke_domain(&held, RevocationReason::CertificateHold, Some(nb))
        .await
        .unwrap();
    let to_release = e.issue(true).await;
    e.revoke_domain(&to_release, RevocationReason::CertificateHold, None)
        .await
        .unwrap();
    // Refused in the domain, whatever the caller: before notBefore, before 1970, future.
    let s = e.issue(false).await;
    let nb = e.not_before(&s);
    for (inv, before) in [(nb - 1, true), (-1, true), (now_secs() + 3600, false)] {
        match e
            .revoke_domain(&s, RevocationReason::KeyCompromise, Some(inv))
            .await
        {
            Err(RevokeError::InvalidityBeforeNotBefore { date, not_before }) if before => {
                assert_eq!((date, not_before), (inv, nb))
            }
            Err(RevokeError::InvalidityInFuture { date, .. }) if !before => assert_eq!(date, inv),
            other => panic!("invalidity {inv}: {other:?}"),
        }
    }
    assert_eq!(
        e.expect[&s],
        Expect::Valid,
        "a refused revocation changes nothing"
    );

    // --- The CLI: one line, non-zero exit, for a refused date; a good one is recorded.
    let cli = e.issue(false).await;
    for (date, words) in [
        (
            PRE_1970.to_string(),
            "is before the certificate's notBefore",
        ),
        (rfc3339(now_secs() + 86_400), "is in the future"),
    ] {
        let out = yinxin()
            .args([
                "revoke",
                "--reason",
                "keyCompromise",
                "--invalidity-date",
                &date,
            ])
            .arg("--data-dir")
            .arg(&e.data)
            .arg(&cli)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!("yinxin: error: the invalidity date {date}"))
                && err.contains(words),
            "{err}"
        );
    }
    let nb = e.not_before(&cli);
    run_ok(
        yinxin()
            .args([
                "revoke",
                "--reason",
                "cessationOfOperation",
                "--invalidity-date",
            ])
            .arg(rfc3339(nb))
            .arg("--data-dir")
            .arg(&e.data)
            .arg(&cli),
    );
    e.expect
        .insert(cli.clone(), Expect::Revoked(5, Some(gt_text(nb))));

    // --- HTTP, on a running service: admin and a registrar bound to the organization.
    let http: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..5 {
            v.push(e.issue(false).await);
        }
        v.push(e.issue(true).await);
        v
    };
    let (_, admin) = token(&e.data, "admin", None);
    let (_, registrar) = token(&e.data, "registrar", Some(ORG));
    {
        let server = Server::start(
            &e.data,
            &[
                ("YINXIN_RATE_LIMIT_PER_SECOND", "100000"),
                ("YINXIN_RATE_LIMIT_BURST", "100000"),
            ],
        );
        let url = |s: &str| format!("{}/v1/certificates/{s}/revoke", server.base);
        // The tester's request, by an admin and by the registrar on its own certificate, and
        // a future date: 422 with the reason; nothing recorded.
        for (tok, body, kind) in [
            (
                &admin,
                json!({"reason": "keyCompromise", "invalidity_date": PRE_1970}),
                "invalidity-date-before-validity",
            ),
            (
                &registrar,
                json!({"reason": "keyCompromise", "invalidity_date": PRE_1970}),
                "invalidity-date-before-validity",
            ),
            (
                &admin,
                json!({"reason": 1, "invalidity_date": rfc3339(now_secs() + 86_400)}),
                "invalidity-date-in-future",
            ),
        ] {
            let r = post_json(&url(&http[0]), Some(tok), &body).await;
            r.assert_problem(422, kind);
            if kind == "invalidity-date-before-validity" {
                assert!(r.json()["detail"].as_str().unwrap().contains(PRE_1970));
            }
        }
        // removeFromCRL cannot be requested (it only comes from releasing a hold).
        post_json(
            &url(&http[0]),
            Some(&admin),
            &json!({"reason": "removeFromCRL"}),
        )
        .await
        .assert_problem(422, "invalid-reason");
        let nb0 = e.not_before(&http[0]);
        let now = now_secs();
        let cases: [(&str, &String, serde_json::Value, Expect); 6] = [
            (
                "admin, code, invalidity date",
                &admin,
                json!({"reason": 1, "invalidity_date": rfc3339(nb0)}),
                Expect::Revoked(1, Some(gt_text(nb0))),
            ),
            (
                "admin, no reason",
                &admin,
                json!({}),
                Expect::Revoked(0, None),
            ),
            (
                "registrar, own organization",
                &registrar,
                json!({"reason": "affiliationChanged", "invalidity_date": rfc3339(e.not_before(&http[2]) + 1)}),
                Expect::Revoked(3, Some(gt_text(e.not_before(&http[2]) + 1))),
            ),
            (
                "registrar, superseded",
                &registrar,
                json!({"reason": "superseded"}),
                Expect::Revoked(4, None),
            ),
            (
                // Within the allowed clock skew: recorded as the revocation time (checked below).
                "admin, a minute ahead",
                &admin,
                json!({"reason": "privilegeWithdrawn", "invalidity_date": rfc3339(now + 60)}),
                Expect::Revoked(9, None),
            ),
            (
                "admin, hold",
                &admin,
                json!({"reason": "certificateHold"}),
                Expect::Revoked(6, None),
            ),
        ];
        for ((what, tok, body, expect), serial) in cases.into_iter().zip(&http) {
            let r = post_json(&url(serial), Some(tok), &body).await;
            assert_eq!(
                r.status,
                200,
                "{what}: {}",
                String::from_utf8_lossy(&r.body)
            );
            assert_eq!(r.json()["changed"], true, "{what}");
            e.expect.insert(serial.clone(), expect);
        }
        let ahead = e.region.repo.certificate(&http[4]).await.unwrap().unwrap();
        assert_eq!(
            ahead.invalidity_date, ahead.revoked_at,
            "skew: recorded as the revocation time"
        );
        e.expect.insert(
            http[4].clone(),
            Expect::Revoked(9, Some(gt_text(ahead.revoked_at.unwrap()))),
        );
        // The service's metrics carry the CRL health of its CAs.
        let m = get(&format!("{}/metrics", server.base), Some(&admin)).await;
        assert_eq!(m.status, 200);
        let text = String::from_utf8_lossy(&m.body);
        for kind in ["full", "delta"] {
            let line =
                format!("yinxin_crl_generation_failures_total{{ca=\"{CA}\",kind=\"{kind}\"}} 0");
            assert!(text.lines().any(|l| l == line), "{line} missing:\n{text}");
        }
    }

    // --- CRLs and OCSP agree; then a release (removeFromCRL) and more revocations in a delta.
    let svc = e.service().await;
    let (full, delta) = svc.regenerate_crls(CA).await.unwrap();
    assert_eq!(delta.base_number, Some(full.number));
    assert_agree(&e, &svc, &full, &[&delta]).await;

    let (_, changed) = release(
        e.region.repo.as_ref(),
        &to_release,
        "test",
        None,
        now_secs(),
    )
    .await
    .unwrap();
    assert!(changed);
    e.expect.insert(to_release.clone(), Expect::Valid);
    let late = e.issue(false).await;
    let nb = e.not_before(&late);
    e.revoke_domain(&late, RevocationReason::KeyCompromise, Some(nb))
        .await
        .unwrap();
    // A hold becomes a revocation.
    e.revoke_domain(&held, RevocationReason::KeyCompromise, None)
        .await
        .unwrap();
    let delta = svc.generate_crl(CA, true).await.unwrap();
    assert_eq!(delta.base_number, Some(full.number));
    let d = crl_entries(&delta.der);
    assert_eq!(
        d[&to_release].reason,
        Some(8),
        "released hold: removeFromCRL"
    );
    assert_eq!(d[&late].reason, Some(1));
    assert_eq!(d[&late].invalidity, Some(gt_text(nb)));
    assert_eq!(d[&held].reason, Some(1));
    let full = svc.generate_crl(CA, false).await.unwrap();
    assert!(!crl_entries(&full.der).contains_key(&to_release));
    assert_agree(&e, &svc, &full, &[&delta]).await;

    // --- An old database: rows a former version stored, or a hand edit left.
    let pool = sqlx::AnyPool::connect(&e.url).await.unwrap();
    let now = now_secs();
    let mut damaged = Vec::new();
    for (revoked_at, reason, inv) in [
        (now - 3600, 1_i64, Some(-1_i64)), // the tester's 1969 invalidity date
        (now - 3600, 1, Some(253_402_300_800)), // year 10000: no encoding exists
        (-86_400, 4, None),                // revoked "before 1970"
    ] {
        let s = e.issue(false).await;
        sqlx::query(
            "UPDATE certificates SET status = 'revoked', revoked_at = $1, revocation_reason = $2, invalidity_date = $3 WHERE serial = $4",
        )
        .bind(revoked_at)
        .bind(reason)
        .bind(inv)
        .bind(&s)
        .execute(&pool)
        .await
        .unwrap();
        damaged.push(s);
    }
    pool.close().await;
    e.expect.insert(
        damaged[0].clone(),
        Expect::Revoked(1, Some("19691231235959Z".into())),
    );
    e.expect
        .insert(damaged[1].clone(), Expect::Revoked(1, None));
    e.expect
        .insert(damaged[2].clone(), Expect::Revoked(4, None));

    // A restarted service makes its CRLs; the damaged rows are listed, two adjusted.
    let svc = e.service().await;
    let full = svc.generate_crl(CA, false).await.unwrap();
    let listed = crl_entries(&full.der);
    assert_eq!(
        listed[&damaged[2]].at, 0,
        "before 1970: published as the epoch"
    );
    // OpenSSL reads both: the 1969 invalidityDate (GeneralizedTime) and the adjusted date.
    if openssl_available() {
        let f = e._tmp.path().join("damaged.crl");
        std::fs::write(&f, &full.der).unwrap();
        let o = openssl(&[
            "crl",
            "-inform",
            "DER",
            "-noout",
            "-text",
            "-in",
            f.to_str().unwrap(),
        ]);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(text.contains("Dec 31 23:59:59 1969 GMT"), "{text}");
        assert!(
            text.contains("Revocation Date: Jan  1 00:00:00 1970 GMT"),
            "{text}"
        );
    }
    assert_eq!(
        health(&svc.crl_health().await, false),
        (0, Some(full.this_update), 2)
    );
    assert_agree(&e, &svc, &full, &[]).await;
    // Revocations made after them reach the next delta and full CRLs.
    let after = [e.issue(false).await, e.issue(true).await];
    let nb = e.not_before(&after[0]);
    e.revoke_domain(&after[0], RevocationReason::KeyCompromise, Some(nb))
        .await
        .unwrap();
    e.revoke_domain(&after[1], RevocationReason::CertificateHold, None)
        .await
        .unwrap();
    let delta = svc.generate_crl(CA, true).await.unwrap();
    assert_eq!(delta.base_number, Some(full.number));
    let d = crl_entries(&delta.der);
    assert_eq!(
        (d[&after[0]].reason, d[&after[1]].reason),
        (Some(1), Some(6))
    );
    let full = svc.generate_crl(CA, false).await.unwrap();
    assert_agree(&e, &svc, &full, &[&delta]).await;
    assert_eq!(
        health(&svc.crl_health().await, true),
        (0, Some(delta.this_update), 0)
    );

    // --- A CRL that cannot be made is counted (and logged), and the last success stays.
    let spki = <x509_cert::Certificate as der::Decode>::from_der(&e.issuer)
        .unwrap()
        .tbs_certificate()
        .subject_public_key_info()
        .clone();
    let spki = der::Encode::to_der(&spki).unwrap();
    let broken = StatusService::new(
        e.region
            .crl_only_cas(vec![(
                CA.to_string(),
                Arc::new(Broken(spki)) as Arc<dyn Signer>,
            )])
            .await
            .unwrap(),
        e.store.clone(),
        e.store.clone(),
        StatusConfig::default(),
        Arc::new(SystemClock),
    )
    .await
    .unwrap();
    assert_eq!(
        health(&broken.crl_health().await, false),
        (0, Some(full.this_update), 0)
    );
    match broken.generate_crl(CA, false).await {
        Err(StatusError::Crl(err)) => assert!(err.to_string().contains("did not answer"), "{err}"),
        other => panic!("{other:?}"),
    }
    // Both kinds are attempted: the delta fails as well.
    assert!(broken.regenerate_crls(CA).await.is_err());
    let h = broken.crl_health().await;
    assert_eq!(health(&h, false), (2, Some(full.this_update), 0));
    assert_eq!(health(&h, true).0, 1);
    let text = yinxin::api::metrics::render_crl_health(&h);
    assert!(
        text.lines()
            .any(|l| l
                == format!("yinxin_crl_generation_failures_total{{ca=\"{CA}\",kind=\"full\"}} 2")),
        "{text}"
    );
    // A CA whose CRLs are made offline (no key here), or no such CA: refused, not counted.
    assert!(matches!(
        broken.generate_crl("p256-root", false).await,
        Err(StatusError::NoCrlSigner(_))
    ));
    assert!(matches!(
        broken.generate_crl("nope", false).await,
        Err(StatusError::UnknownCa(_))
    ));
    assert!(broken.crl_health().await.iter().all(|h| h.ca_id == CA));
    assert_eq!(health(&broken.crl_health().await, false).0, 2);
}

#[tokio::test]
async fn sqlite_revocation_paths_agree() {
    exercise(None).await;
}

#[tokio::test]
async fn postgres_revocation_paths_agree() {
    let Some(base) = postgres_url("postgres_revocation_paths_agree") else {
        return;
    };
    let db = TempPg::create(&base).await;
    exercise(Some(&db.url)).await;
    db.drop_database().await;
}
