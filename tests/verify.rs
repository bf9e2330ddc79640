//! The verification engine on our own SM2 and P-256 chains: what passes, and that each
//! failure gives the expected sub-indication; hostile pools and mutated inputs never panic
//! and stay within the work budget.

mod common;
use common::{TEST_PASSPHRASE, fixture};
use serde_json::json;
use std::sync::Arc;
use yinxin::crypto::{Algorithm, Passphrase, PrivateKey, Signer};
use yinxin::pki::authority::{IssueRequest, KeySource};
use yinxin::pki::cert::{
    self, CertificateTemplate, NameBuilder, StringKind, attr, extensions as x,
};
use yinxin::pki::region::{self, InitParams, Region};
use yinxin::status::ocsp;
use yinxin::status::service::{StatusConfig, StatusService};
use yinxin::store::{SqlConnector, Store};
use yinxin::verify::path::{Input, RevocationMode, Validator};
use yinxin::verify::report::{FailureReason, Indication, RevocationStatus, SubIndication};

struct Env {
    _tmp: tempfile::TempDir,
    region: Region,
    store: Arc<Store>,
    alg: Algorithm,
    root: Vec<u8>,
    issuing: Vec<u8>,
    issuing_signer: Arc<dyn Signer>,
    root_signer: Arc<dyn Signer>,
}

fn pass() -> Passphrase {
    Passphrase::new(TEST_PASSPHRASE.into()).unwrap()
}

async fn setup(alg: Algorithm) -> Env {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    region::init(
        InitParams {
            data_dir: dir.clone(),
            code: "vf".into(),
            name: "验证区".into(),
            database_url: None,
            public_base_url: None,
            hsm: None,
        },
        &pass(),
        &SqlConnector,
    )
    .await
    .unwrap();
    let store = Arc::new(
        Store::connect(&yinxin::config::resolve_database_url(
            "sqlite://yinxin.db",
            &dir,
        ))
        .await
        .unwrap(),
    );
    let region = Region::from_parts(
        &dir,
        yinxin::config::Config::load(&dir).unwrap(),
        store.clone(),
    )
    .await
    .unwrap();
    let cas = region.repo.cas().await.unwrap();
    let der = |id: &str| cas.iter().find(|c| c.id == id).unwrap().der.clone();
    let issuing_signer = region
        .ca_signer(&format!("{alg}-issuing"), &pass())
        .await
        .unwrap();
    let root_signer = region
        .ca_signer(&format!("{alg}-root"), &pass())
        .await
        .unwrap();
    Env {
        root: der(&format!("{alg}-root")),
        issuing: der(&format!("{alg}-issuing")),
        _tmp: tmp,
        region,
        store,
        alg,
        issuing_signer,
        root_signer,
    }
}

impl Env {
    async fn issue(&self) -> (String, Vec<u8>) {
        let authority = self.region.authority(&pass(), &[self.alg]).await.unwrap();
        let csr = if self.alg == Algorithm::Sm2 {
            "csr/test-sm2.csr.pem"
        } else {
            "csr/test-p256.csr.pem"
        };
        let issued = authority
            .issue(IssueRequest {
                profile: "person".into(),
                algorithm: self.alg,
                subject: json!({"name": "周九", "id_number": "11010519491231002X"}),
                key: KeySource::Csr(std::fs::read(fixture(csr)).unwrap()),
                validity_days: Some(365),
                actor: "test".into(),
                scope: None,
            })
            .await
            .unwrap();
        (issued.record.serial.clone(), issued.record.der.clone())
    }

    /// Fresh CRLs: the issuing CA's and the root's (ARL).
    async fn crls(&self) -> Vec<Vec<u8>> {
        let cas = self
            .region
            .crl_only_cas(vec![
                (format!("{}-issuing", self.alg), self.issuing_signer.clone()),
                (format!("{}-root", self.alg), self.root_signer.clone()),
            ])
            .await
            .unwrap();
        let svc = StatusService::new(
            cas,
            self.store.clone(),
            self.store.clone(),
            StatusConfig::default(),
            Arc::new(yinxin::clock::SystemClock),
        )
        .await
        .unwrap();
        vec![
            svc.generate_crl(&format!("{}-issuing", self.alg), false)
                .await
                .unwrap()
                .der,
            svc.generate_crl(&format!("{}-root", self.alg), false)
                .await
                .unwrap()
                .der,
        ]
    }

    async fn ocsp_for(&self, ee: &[u8], known: ocsp::Known) -> Vec<u8> {
        let (signer, cert) = self
            .region
            .service_signer(&format!("{}-ocsp-signer", self.alg), &pass())
            .await
            .unwrap();
        let responder = ocsp::Responder::new(signer, &cert).unwrap();
        let c = <x509_cert::Certificate as der::Decode>::from_der(ee).unwrap();
        let req = ocsp::build_request(
            &self.issuing,
            &[c.tbs_certificate().serial_number().as_bytes().to_vec()],
            ocsp::IdHash::Sha1,
            None,
        )
        .unwrap();
        let id = ocsp::parse_request(&req).unwrap().ids.remove(0);
        ocsp::sign_response(
            &responder,
            vec![(id, known)],
            yinxin::clock::now_secs(),
            3600,
            None,
        )
        .unwrap()
    }

    fn input(&self, ee: Vec<u8>) -> Input {
        let mut i = Input::new(
            ee,
            vec![self.root.clone()],
            yinxin::clock::now_secs(),
            yinxin::verify::purpose::Purpose::DocumentSigner,
        );
        i.intermediates = vec![self.issuing.clone()];
        i
    }

    /// A certificate signed by the issuing CA with the given extensions (and the issuing
    /// CA's key identifier as authorityKeyIdentifier, as RFC 5280 requires).
    fn craft(
        &self,
        name: &str,
        mut extensions: Vec<x509_cert::ext::Extension>,
        key: &PrivateKey,
    ) -> Vec<u8> {
        let issuing = <x509_cert::Certificate as der::Decode>::from_der(&self.issuing).unwrap();
        let issuer = issuing.tbs_certificate().subject().clone();
        let issuing_spki =
            der::Encode::to_der(issuing.tbs_certificate().subject_public_key_info()).unwrap();
        extensions.push(
            x::authority_key_identifier(&cert::key_identifier(&issuing_spki).unwrap()).unwrap(),
        );
        let now = yinxin::clock::now_secs();
        let tpl = CertificateTemplate {
            serial: vec![0x11, 0x22, 0x33, name.len() as u8],
            issuer,
            subject: NameBuilder::new()
                .push(attr::C, StringKind::Printable, "CN")
                .push(attr::CN, StringKind::Utf8, name)
                .build()
                .unwrap(),
            not_before: now - 60,
            not_after: now + 86_400,
            spki_der: key.public_key_spki_der().unwrap(),
            extensions,
        };
        cert::sign_certificate(&tpl, self.issuing_signer.as_ref()).unwrap()
    }
}

fn expect(report: &yinxin::verify::report::Report, ind: Indication, sub: Option<SubIndication>) {
    assert_eq!(
        (report.indication, report.sub_indication),
        (ind, sub),
        "{}",
        serde_json::to_string_pretty(report).unwrap()
    );
}

async fn own_chain(alg: Algorithm) {
    let e = setup(alg).await;
    let v = Validator::new();
    let (serial, ee) = e.issue().await;
    let crls = e.crls().await;

    // Passes with CRLs for both certificates; the report names the path and the sources.
    let mut input = e.input(ee.clone());
    input.crls = crls.clone();
    let r = v.validate(&input);
    expect(&r, Indication::TotalPassed, None);
    assert_eq!(r.path.len(), 2);
    assert_eq!(r.revocation.len(), 2);
    assert!(
        r.revocation
            .iter()
            .all(|x| x.status == RevocationStatus::Good && x.source.starts_with("CRL #")),
        "{:?}",
        r.revocation
    );
    assert!(
        r.valid_policy_set
            .contains(&"1.3.6.1.4.1.32473.1.1.1".to_string()),
        "{:?}",
        r.valid_policy_set
    );
    // With the profile's policy required explicitly, and with a policy it does not have.
    input.policy.initial_explicit_policy = true;
    input.policy.user_initial_policy_set = Some(vec![const_oid::ObjectIdentifier::new_unwrap(
        "1.3.6.1.4.1.32473.1.1.1",
    )]);
    assert!(v.validate(&input).passed());
    input.policy.user_initial_policy_set = Some(vec![const_oid::ObjectIdentifier::new_unwrap(
        "1.3.6.1.4.1.32473.1.1.2",
    )]);
    expect(
        &v.validate(&input),
        Indication::TotalFailed,
        Some(SubIndication::ChainConstraintsFailure),
    );

    // Passes with OCSP for the end entity (and the ARL for the issuing CA).
    let mut input = e.input(ee.clone());
    input.crls = vec![crls[1].clone()];
    input.ocsp = vec![e.ocsp_for(&ee, ocsp::Known::Good).await];
    let r = v.validate(&input);
    expect(&r, Indication::TotalPassed, None);
    assert!(
        r.revocation
            .iter()
            .any(|x| x.source.starts_with("OCSP response of")),
        "{:?}",
        r.revocation
    );

    // No revocation data when it is required: INDETERMINATE / TRY_LATER.
    expect(
        &v.validate(&e.input(ee.clone())),
        Indication::Indeterminate,
        Some(SubIndication::TryLater),
    );

    // Tampered signature.
    let mut bad = ee.clone();
    let last = bad.len() - 3;
    bad[last] ^= 0x5a;
    let mut input = e.input(bad);
    input.crls = crls.clone();
    expect(
        &v.validate(&input),
        Indication::TotalFailed,
        Some(SubIndication::SigCryptoFailure),
    );

    // Expired and not yet valid.
    let mut input = e.input(ee.clone());
    input.crls = crls.clone();
    input.revocation = RevocationMode::Off;
    input.time += 400 * 86_400;
    expect(
        &v.validate(&input),
        Indication::TotalFailed,
        Some(SubIndication::Expired),
    );
    input.time -= 800 * 86_400;
    expect(
        &v.validate(&input),
        Indication::TotalFailed,
        Some(SubIndication::NotYetValid),
    );

    // Wrong key usage for the purpose.
    let mut input = e.input(ee.clone());
    input.crls = crls.clone();
    input.purpose = yinxin::verify::purpose::Purpose::OcspSigner;
    expect(
        &v.validate(&input),
        Indication::TotalFailed,
        Some(SubIndication::ChainConstraintsFailure),
    );

    // Revoked: by CRL and by OCSP.
    let req = yinxin::pki::revocation::RevokeRequest {
        serial: &serial,
        reason: yinxin::pki::revocation::RevocationReason::KeyCompromise,
        invalidity_date: None,
        actor: "test",
        scope: None,
        now: yinxin::clock::now_secs(),
    };
    yinxin::pki::revocation::revoke(e.region.repo.as_ref(), &req)
        .await
        .unwrap();
    let mut input = e.input(ee.clone());
    input.crls = e.crls().await;
    let r = v.validate(&input);
    expect(&r, Indication::TotalFailed, Some(SubIndication::Revoked));
    assert_eq!(
        r.failure.as_ref().unwrap().index,
        Some(0),
        "the end entity is named"
    );
    let mut input = e.input(ee.clone());
    input.crls = vec![crls[1].clone()];
    input.ocsp = vec![
        e.ocsp_for(
            &ee,
            ocsp::Known::Revoked {
                at: yinxin::clock::now_secs() - 5,
                reason: 1,
            },
        )
        .await,
    ];
    expect(
        &v.validate(&input),
        Indication::TotalFailed,
        Some(SubIndication::Revoked),
    );

    // Path length exceeded: a CA under the issuing CA (pathLen 0) and an end entity under it.
    let sub_key = PrivateKey::generate(alg).unwrap();
    let sub_ski = cert::key_identifier(&sub_key.public_key_spki_der().unwrap()).unwrap();
    let sub = e.craft(
        "Rogue Sub CA",
        vec![
            x::basic_constraints(true, None).unwrap(),
            x::key_usage(&["keyCertSign", "cRLSign"]).unwrap(),
            x::subject_key_identifier(&sub_ski).unwrap(),
        ],
        &sub_key,
    );
    let sub_name = <x509_cert::Certificate as der::Decode>::from_der(&sub)
        .unwrap()
        .tbs_certificate()
        .subject()
        .clone();
    let leaf_key = PrivateKey::generate(alg).unwrap();
    let now = yinxin::clock::now_secs();
    let leaf = cert::sign_certificate(
        &CertificateTemplate {
            serial: vec![0x42],
            issuer: sub_name,
            subject: NameBuilder::new()
                .push(attr::CN, StringKind::Utf8, "leaf")
                .build()
                .unwrap(),
            not_before: now - 60,
            not_after: now + 86_400,
            spki_der: leaf_key.public_key_spki_der().unwrap(),
            extensions: vec![
                x::basic_constraints(false, None).unwrap(),
                x::authority_key_identifier(&sub_ski).unwrap(),
            ],
        },
        &sub_key.signer().unwrap(),
    )
    .unwrap();
    let mut input = e.input(leaf);
    input.intermediates.push(sub);
    input.revocation = RevocationMode::Off;
    let r = v.validate(&input);
    expect(
        &r,
        Indication::TotalFailed,
        Some(SubIndication::ChainConstraintsFailure),
    );
    assert!(
        r.failure.as_ref().unwrap().rule.contains("path length"),
        "{:?}",
        r.failure
    );
    assert_eq!(
        r.failure.as_ref().unwrap().reason,
        FailureReason::PathLengthExceeded
    );

    // Unknown critical extension.
    let k = PrivateKey::generate(alg).unwrap();
    let odd = x509_cert::ext::Extension {
        extn_id: const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.32473.99.1"),
        critical: true,
        extn_value: der::asn1::OctetString::new(vec![0x05, 0x00]).unwrap(),
    };
    let crit = e.craft(
        "critical",
        vec![x::basic_constraints(false, None).unwrap(), odd],
        &k,
    );
    let mut input = e.input(crit);
    input.revocation = RevocationMode::Off;
    let r = v.validate(&input);
    expect(
        &r,
        Indication::TotalFailed,
        Some(SubIndication::ChainConstraintsFailure),
    );
    assert!(
        r.failure.as_ref().unwrap().rule.contains("critical"),
        "{:?}",
        r.failure
    );
    assert_eq!(
        r.failure.as_ref().unwrap().reason.code(),
        "unknown-critical-extension"
    );

    // A hostile pool: many certificates named like the issuing CA (other keys); the real one
    // is still found, within the work budget.
    let issuing_name = <x509_cert::Certificate as der::Decode>::from_der(&e.issuing)
        .unwrap()
        .tbs_certificate()
        .subject()
        .clone();
    let mut pool = Vec::new();
    for i in 0..60u8 {
        let k = PrivateKey::generate(alg).unwrap();
        pool.push(
            cert::sign_certificate(
                &CertificateTemplate {
                    serial: vec![0x70, i],
                    issuer: issuing_name.clone(),
                    subject: issuing_name.clone(),
                    not_before: now - 60,
                    not_after: now + 86_400,
                    spki_der: k.public_key_spki_der().unwrap(),
                    extensions: vec![x::basic_constraints(true, None).unwrap()],
                },
                &k.signer().unwrap(),
            )
            .unwrap(),
        );
    }
    pool.push(e.issuing.clone());
    let (_, ee2) = e.issue().await;
    let mut input = e.input(ee2);
    input.intermediates = pool;
    input.revocation = RevocationMode::Off;
    let r = v.validate(&input);
    assert!(r.passed(), "{}", serde_json::to_string_pretty(&r).unwrap());
    assert!(r.signature_checks <= input.budget.max_signatures);
    assert!(r.paths_tried <= input.budget.max_paths);
}

#[tokio::test]
async fn sm2_chain() {
    own_chain(Algorithm::Sm2).await;
}

#[tokio::test]
async fn p256_chain() {
    own_chain(Algorithm::P256).await;
}

#[tokio::test]
async fn mutated_inputs_never_panic_and_stay_in_budget() {
    let e = setup(Algorithm::P256).await;
    let (_, ee) = e.issue().await;
    let crls = e.crls().await;
    let v = Validator::new();
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn mutate(&mut self, d: &[u8]) -> Vec<u8> {
            let mut m = d.to_vec();
            for _ in 0..(1 + self.next() % 3) {
                let pos = (self.next() as usize) % m.len().max(1);
                match self.next() % 4 {
                    0 => m[pos] ^= (self.next() as u8) | 1,
                    1 => m.truncate(pos.max(1)),
                    2 => m.insert(pos, self.next() as u8),
                    _ => {
                        if m.len() > 2 {
                            m.remove(pos.min(m.len() - 1));
                        }
                    }
                }
            }
            m
        }
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let objects = [
        ee.clone(),
        e.issuing.clone(),
        e.root.clone(),
        crls[0].clone(),
        crls[1].clone(),
    ];
    for round in 0..400 {
        let target = if round % 2 == 0 {
            rng.mutate(&ee)
        } else {
            ee.clone()
        };
        let mut input = Input::new(
            target,
            vec![e.root.clone()],
            yinxin::clock::now_secs(),
            yinxin::verify::purpose::Purpose::DocumentSigner,
        );
        let n = rng.next() % 6;
        input.intermediates = (0..n)
            .map(|_| {
                let k = (rng.next() % 5) as usize;
                rng.mutate(&objects[k])
            })
            .collect();
        input.intermediates.push(e.issuing.clone());
        let n = rng.next() % 3;
        input.crls = (0..n)
            .map(|_| {
                let k = 3 + (rng.next() % 2) as usize;
                rng.mutate(&objects[k])
            })
            .collect();
        input.crls.push(crls[(rng.next() % 2) as usize].clone());
        input.revocation = if round % 3 == 0 {
            RevocationMode::Require
        } else {
            RevocationMode::IfAvailable
        };
        let r = v.validate(&input);
        assert!(r.signature_checks <= input.budget.max_signatures);
        assert!(r.paths_tried <= input.budget.max_paths);
        serde_json::to_string(&r).unwrap();
    }
}

/// A trust anchor that carries name constraints binds the path (RFC 5937, the default); the
/// opt-out treats the anchor as a name and a key only.
#[test]
fn anchor_name_constraints_are_enforced_by_default() {
    use der::Encode;
    use x509_cert::ext::pkix::constraints::name::{GeneralSubtree, NameConstraints};
    use x509_cert::ext::pkix::name::GeneralName;
    let root_key = PrivateKey::generate(Algorithm::P256).unwrap();
    let root_signer = root_key.signer().unwrap();
    let root_spki = root_key.public_key_spki_der().unwrap();
    let root_name = NameBuilder::new()
        .push(attr::CN, StringKind::Utf8, "Peer Region Root")
        .build()
        .unwrap();
    let nc = NameConstraints {
        permitted_subtrees: Some(vec![GeneralSubtree {
            base: GeneralName::DnsName(der::asn1::Ia5String::new("gov.cn").unwrap()),
            minimum: 0,
            maximum: None,
        }]),
        excluded_subtrees: None,
    };
    let nc_ext = x509_cert::ext::Extension {
        extn_id: const_oid::ObjectIdentifier::new_unwrap("2.5.29.30"),
        critical: true,
        extn_value: der::asn1::OctetString::new(nc.to_der().unwrap()).unwrap(),
    };
    let now = yinxin::clock::now_secs();
    let root = cert::sign_certificate(
        &CertificateTemplate {
            serial: vec![1],
            issuer: root_name.clone(),
            subject: root_name.clone(),
            not_before: now - 60,
            not_after: now + 86_400,
            spki_der: root_spki.clone(),
            extensions: vec![
                x::basic_constraints(true, None).unwrap(),
                x::key_usage(&["keyCertSign", "cRLSign"]).unwrap(),
                nc_ext,
            ],
        },
        &root_signer,
    )
    .unwrap();
    let leaf = |dns: &str, serial: u8| {
        let k = PrivateKey::generate(Algorithm::P256).unwrap();
        cert::sign_certificate(
            &CertificateTemplate {
                serial: vec![serial],
                issuer: root_name.clone(),
                subject: NameBuilder::new()
                    .push(attr::CN, StringKind::Utf8, dns)
                    .build()
                    .unwrap(),
                not_before: now - 60,
                not_after: now + 86_400,
                spki_der: k.public_key_spki_der().unwrap(),
                extensions: vec![
                    x::basic_constraints(false, None).unwrap(),
                    x::authority_key_identifier(&cert::key_identifier(&root_spki).unwrap())
                        .unwrap(),
                    x::subject_alt_name(vec![GeneralName::DnsName(
                        der::asn1::Ia5String::new(dns).unwrap(),
                    )])
                    .unwrap(),
                ],
            },
            &root_signer,
        )
        .unwrap()
    };
    let v = Validator::new();
    let run = |ee: Vec<u8>, enforce: Option<bool>| {
        let mut i = Input::new(
            ee,
            vec![root.clone()],
            now,
            yinxin::verify::purpose::Purpose::ServerAuth,
        );
        i.revocation = RevocationMode::Off;
        if let Some(e) = enforce {
            i.enforce_anchor_constraints = e;
        }
        v.validate(&i)
    };
    assert!(run(leaf("www.beijing.gov.cn", 2), None).passed());
    let outside = leaf("www.example.com", 3);
    assert!(
        run(outside.clone(), Some(false)).passed(),
        "the opt-out does not apply the anchor's constraints"
    );
    let r = run(outside, None);
    expect(
        &r,
        Indication::TotalFailed,
        Some(SubIndication::ChainConstraintsFailure),
    );
    assert!(
        r.failure
            .as_ref()
            .unwrap()
            .rule
            .contains("name constraints"),
        "{:?}",
        r.failure
    );
    assert_eq!(
        r.failure.as_ref().unwrap().reason.code(),
        "name-constraints-violated"
    );
}

/// `yinxin verify-chain` exit codes: 0 passed, 1 failed, 2 indeterminate, 3 usage error.
#[tokio::test]
async fn verify_chain_cli_exit_codes() {
    let e = setup(Algorithm::P256).await;
    let (_, ee) = e.issue().await;
    let crls = e.crls().await;
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, data: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, data).unwrap();
        p
    };
    let root = w("root.pem", cert::to_pem(&e.root).as_bytes());
    let issuing = w("issuing.der", &e.issuing);
    let leaf = w("leaf.pem", cert::to_pem(&ee).as_bytes());
    let c1 = w("issuing.crl", &crls[0]);
    let c2 = w("root.crl", &crls[1]);
    let mut bad = ee.clone();
    let n = bad.len() - 3;
    bad[n] ^= 0x33;
    let tampered = w("bad.der", &bad);
    let run = |args: &[&std::path::Path], extra: &[&str]| {
        let mut c = common::yinxin();
        c.arg("verify-chain")
            .arg("--anchor")
            .arg(&root)
            .arg("--intermediate")
            .arg(&issuing);
        for a in args {
            c.arg(a);
        }
        c.args(extra);
        c.output().unwrap()
    };
    let o = run(
        &[
            std::path::Path::new("--cert"),
            &leaf,
            std::path::Path::new("--crl"),
            &c1,
            &c2,
        ],
        &["--json"],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["indication"], "TOTAL_PASSED");
    assert_eq!(j["path"].as_array().unwrap().len(), 2);
    let o = run(
        &[
            std::path::Path::new("--cert"),
            &tampered,
            std::path::Path::new("--crl"),
            &c1,
            &c2,
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("TOTAL_FAILED / SIG_CRYPTO_FAILURE"));
    let o = run(&[std::path::Path::new("--cert"), &leaf], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("INDETERMINATE / TRY_LATER"));
    let o = run(
        &[std::path::Path::new("--cert"), &leaf],
        &["--no-revocation", "--at", "1999-01-01T00:00:00Z"],
    );
    assert_eq!(o.status.code(), Some(1));
    let o = run(
        &[
            std::path::Path::new("--cert"),
            &dir.path().join("missing.pem"),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(3));
    let o = common::yinxin()
        .args(["verify-chain", "--cert", "x.pem"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
}
