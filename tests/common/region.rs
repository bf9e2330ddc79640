//! A region created in-process in a temporary directory, with its store, its seal maker and
//! TSA signers, its SM2 anchors, and CRLs on demand: the setup the seal, document and forgery
//! tests share.

use super::TEST_PASSPHRASE;
use std::sync::Arc;
use yinxin::crypto::{Passphrase, Signer};
use yinxin::pki::region::{self, InitParams, Region};
use yinxin::status::service::{StatusConfig, StatusService};
use yinxin::status::tsp;
use yinxin::store::{SqlConnector, Store};

pub struct TestRegion {
    pub tmp: tempfile::TempDir,
    /// The data directory.
    pub dir: std::path::PathBuf,
    pub region: Region,
    pub store: Arc<Store>,
    /// The SM2 seal maker: signer and certificate.
    pub maker: (Arc<dyn Signer>, Vec<u8>),
    /// The SM2 time-stamping unit.
    pub tsa: tsp::TsaUnit,
    /// The SM2 root.
    pub anchors: Vec<Vec<u8>>,
    /// The SM2 issuing CA.
    pub intermediates: Vec<Vec<u8>>,
}

pub fn pass() -> Passphrase {
    Passphrase::new(TEST_PASSPHRASE.into()).unwrap()
}

/// Create region `code` named `name`.
pub async fn test_region(code: &str, name: &str) -> TestRegion {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    region::init(
        InitParams {
            data_dir: dir.clone(),
            code: code.into(),
            name: name.into(),
            database_url: None,
            public_base_url: None,
            hsm: None,
        },
        &pass(),
        &SqlConnector,
    )
    .await
    .unwrap();
    let url = yinxin::config::resolve_database_url("sqlite://yinxin.db", &dir);
    let store = Arc::new(Store::connect(&url).await.unwrap());
    let config = yinxin::config::Config::load(&dir).unwrap();
    let region = Region::from_parts(&dir, config, store.clone())
        .await
        .unwrap();
    let maker = region
        .service_signer("sm2-seal-maker", &pass())
        .await
        .unwrap();
    let (tsa_signer, tsa_cert) = region.service_signer("sm2-tsa", &pass()).await.unwrap();
    let cas = region.repo.cas().await.unwrap();
    let der = |id: &str| cas.iter().find(|c| c.id == id).unwrap().der.clone();
    TestRegion {
        tmp,
        dir,
        anchors: vec![der("sm2-root")],
        intermediates: vec![der("sm2-issuing")],
        region,
        store,
        maker,
        tsa: tsp::TsaUnit {
            signer: tsa_signer,
            cert_der: tsa_cert,
        },
    }
}

impl TestRegion {
    /// Fresh full CRLs of the SM2 issuing CA and root.
    pub async fn crls(&self) -> Vec<Vec<u8>> {
        let mut signers = Vec::new();
        for id in ["sm2-issuing", "sm2-root"] {
            signers.push((
                id.to_string(),
                self.region.ca_signer(id, &pass()).await.unwrap(),
            ));
        }
        let svc = StatusService::new(
            self.region.crl_only_cas(signers).await.unwrap(),
            self.store.clone(),
            self.store.clone(),
            StatusConfig::default(),
            Arc::new(yinxin::clock::SystemClock),
        )
        .await
        .unwrap();
        vec![
            svc.generate_crl("sm2-issuing", false).await.unwrap().der,
            svc.generate_crl("sm2-root", false).await.unwrap().der,
        ]
    }

    /// A time-stamp token over `sig` from `unit` (SM3 imprint) with genTime `at_millis`;
    /// `None` (with the reason printed) when the unit refuses.
    pub fn token(unit: &tsp::TsaUnit, sig: &[u8], at_millis: i64) -> Option<Vec<u8>> {
        let req =
            tsp::build_request(tsp::TsHash::Sm3, &yinxin::crypto::sm3(sig), None, true).ok()?;
        let resp = tsp::respond(
            &req,
            at_millis,
            7,
            &|_| Some(unit),
            &tsp::TsaPolicy {
                policy: yinxin::status::tsa::TSA_POLICY,
                accuracy_seconds: 1,
            },
        );
        let parsed = tsp::parse_response(&resp).ok()?;
        if parsed.token.is_none() {
            eprintln!(
                "TSA refused: {:?} {:?}",
                parsed.failures(),
                parsed.status_text
            );
        }
        parsed.token.map(|t| t.der)
    }
}

/// A self-made time-stamping unit: a self-signed SM2 certificate with the timeStamping EKU
/// (critical), valid ten years around `now` (Unix seconds) — trusted by nobody.
pub fn self_made_tsa(now: i64) -> tsp::TsaUnit {
    use yinxin::pki::cert::{
        self, CertificateTemplate, NameBuilder, StringKind, attr, extensions as x,
    };
    const DAY: i64 = 86_400;
    let fake_key = yinxin::crypto::PrivateKey::generate(yinxin::crypto::Algorithm::Sm2).unwrap();
    let fake_name = NameBuilder::new()
        .push(attr::CN, StringKind::Utf8, "Totally Trusted TSA")
        .build()
        .unwrap();
    let fake_signer: Arc<dyn Signer> = Arc::new(fake_key.signer().unwrap());
    let spki = fake_key.public_key_spki_der().unwrap();
    let fake_cert = cert::sign_certificate(
        &CertificateTemplate {
            serial: vec![0x42],
            issuer: fake_name.clone(),
            subject: fake_name,
            not_before: now - 3650 * DAY,
            not_after: now + 3650 * DAY,
            spki_der: spki.clone(),
            extensions: vec![
                x::key_usage(&["digitalSignature"]).unwrap(),
                x::extended_key_usage(
                    vec![const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8")],
                    true,
                )
                .unwrap(),
                x::subject_key_identifier(&cert::key_identifier(&spki).unwrap()).unwrap(),
            ],
        },
        fake_signer.as_ref(),
    )
    .unwrap();
    tsp::TsaUnit {
        signer: fake_signer,
        cert_der: fake_cert,
    }
}
