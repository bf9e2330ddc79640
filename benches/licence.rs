//! E-licences, one core (`cargo bench --bench licence`): on a region made in a temporary
//! directory (SQLite), an agency's SM2 organization certificate and registered 电子证照专用章,
//! one business licence issued by the licence service (face, QR, seal with the region's SM2
//! TSA timestamp, data signature, SQL row), then
//! - `verify-ofd`: that sealed OFD verified as `POST /v1/verify` does it (package read, OFD
//!   verification with the region's anchors, CRLs and seal registry, revocation required, then
//!   the e-licence checks against the registry and the JSON report), repeatedly: warm caches,
//!   the figure for the ≥ 1,000 verifications/s per core target;
//! - `status-sign`: one signed licence status (CMS by the SM2 trust-list signer), what every
//!   status request cost before the status cache;
//! - `issue`: issuing one more licence (render, QR signature, seal with timestamp, data
//!   signature, blob in memory, row and event committed on SQLite): the ceiling of issuance
//!   per core.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use std::sync::Arc;
use yinxin::crypto::{Algorithm, Passphrase, PrivateKey};
use yinxin::document::ofd::{self, Package};
use yinxin::licence::blobs::MemoryBlobStore;
use yinxin::licence::service::{IssueRequest, Registry, Sealer};
use yinxin::licence::verify::{RepoStatus, Verifier};
use yinxin::licence::{Agency, Catalogue};
use yinxin::pki::region::{self, InitParams, Region};
use yinxin::seal::service::SealRepository;
use yinxin::seal::verify::VerifyOptions;
use yinxin::status::tsp;
use yinxin::store::{SqlConnector, Store};
use yinxin::verify::context::Context;
use yinxin::verify::path::RevocationMode;

const AGENCY: &str = "91350100M000100Y43";

/// A 1×1 red PNG (the seal's picture).
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x08, 0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xdd, 0x8d, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

fn values(i: usize) -> serde_json::Map<String, serde_json::Value> {
    let first17 = format!("91440101MA{i:07}");
    let c = yinxin::pki::identifiers::credit_code_check_char(&first17).unwrap();
    json!({
        "credit_code": format!("{first17}{c}"),
        "name": format!("广州示例{i}科技有限公司"),
        "entity_type": "有限责任公司（自然人投资或控股）",
        "legal_representative": "张三",
        "business_scope": "软件开发；信息技术咨询服务。",
        "registered_capital": "100",
        "established": "2019-03-01",
        "domicile": format!("广州市天河区示例路{i}号")
    })
    .as_object()
    .unwrap()
    .clone()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pass = Passphrase::new("bench-only-passphrase-0001".into()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let (region, store) = rt.block_on(async {
        region::init(
            InitParams {
                data_dir: dir.clone(),
                code: "bench".into(),
                name: "基准区".into(),
                database_url: None,
                public_base_url: None,
                hsm: None,
            },
            &pass,
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
        (region, store)
    });
    let now = yinxin::clock::now_secs();
    let cas = rt.block_on(region.repo.cas()).unwrap();
    let der = |id: &str| cas.iter().find(|c| c.id == id).unwrap().der.clone();
    let (anchors, intermediates) = (vec![der("sm2-root")], vec![der("sm2-issuing")]);

    // The agency: an organization certificate from the region's SM2 CA, its e-licence seal.
    let (signer, cert, serial) = rt.block_on(async {
        let authority = region.authority(&pass, &[Algorithm::Sm2]).await.unwrap();
        let kp = Passphrase::new("signer-key-passphrase".into()).unwrap();
        let issued = authority
            .issue(yinxin::pki::authority::IssueRequest {
                profile: "organization".into(),
                algorithm: Algorithm::Sm2,
                subject: json!({"name": "福州市市场监督管理局", "credit_code": AGENCY}),
                key: yinxin::pki::authority::KeySource::Generate(kp.clone()),
                validity_days: Some(365),
                actor: "bench".into(),
                scope: None,
            })
            .await
            .unwrap();
        let key =
            PrivateKey::from_encrypted_pem(issued.encrypted_key_pem.as_ref().unwrap(), &kp, "k")
                .unwrap();
        (
            key.signer().unwrap(),
            issued.record.der.clone(),
            issued.record.serial.clone(),
        )
    });
    let maker = rt
        .block_on(region.service_signer("sm2-seal-maker", &pass))
        .unwrap();
    let t = yinxin::seal::types::by_key("e-licence").unwrap();
    let seal = yinxin::seal::service::make_seal(
        &yinxin::seal::service::SealRequest {
            region: "bench",
            seal_type: &t,
            holder: AGENCY,
            name: "福州市市场监督管理局电子证照专用章",
            signers: vec![(serial, cert.clone())],
            picture_png: PNG.to_vec(),
            validity_days: 365,
            now: now - 60,
        },
        maker.0.as_ref(),
        &maker.1,
    )
    .unwrap();
    rt.block_on(store.insert_seal(
        &seal,
        &yinxin::pki::repo::AuditEvent::now("bench", "seal.create", &seal.id, "success", ""),
    ))
    .unwrap();

    // The licence service over the region's registry, its QR signer and TSA.
    let (qr_signer, qr_cert) = rt
        .block_on(region.service_signer("sm2-licence-qr-signer", &pass))
        .unwrap();
    let (tl_signer, tl_cert) = rt
        .block_on(region.service_signer("sm2-trust-list-signer", &pass))
        .unwrap();
    let (tsa_signer, tsa_cert) = rt
        .block_on(region.service_signer("sm2-tsa", &pass))
        .unwrap();
    let unit = tsp::TsaUnit {
        signer: tsa_signer,
        cert_der: tsa_cert,
    };
    let serials = std::sync::atomic::AtomicU64::new(1);
    let timestamp = |sig: &[u8]| {
        let req =
            tsp::build_request(tsp::TsHash::Sm3, &yinxin::crypto::sm3(sig), None, true).ok()?;
        let resp = tsp::respond(
            &req,
            yinxin::clock::now_millis(),
            serials.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            &|_| Some(&unit),
            &tsp::TsaPolicy {
                policy: yinxin::status::tsa::TSA_POLICY,
                accuracy_seconds: 1,
            },
        );
        tsp::parse_response(&resp).ok()?.token.map(|t| t.der)
    };
    let hasher = yinxin::pki::region::load_holder_hasher(&dir, &pass).unwrap();
    let vault = yinxin::licence::vault::Vault::new(&hasher);
    let blobs = MemoryBlobStore::default();
    let catalogue = Catalogue::builtin();
    let reg = Registry {
        catalogue: &catalogue,
        repo: store.as_ref(),
        blobs: &blobs,
        vault: &vault,
        hasher: &hasher,
        region: "bench",
        public_base: "http://127.0.0.1:8080",
        qr_signer: qr_signer.as_ref(),
        qr_cert: &qr_cert,
    };
    let sealer = Sealer {
        seal: &seal,
        signer: &signer,
        cert: &cert,
        chain: &intermediates,
        timestamp: Some(&timestamp),
        format: yinxin::licence::service::DocumentFormat::Ofd,
    };
    let n = std::sync::atomic::AtomicUsize::new(0);
    let issue_one = || {
        let i = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        rt.block_on(reg.issue(
            &sealer,
            IssueRequest {
                kind: "business-licence".into(),
                agency: Agency {
                    credit_code: AGENCY.into(),
                    name: "福州市市场监督管理局".into(),
                },
                values: values(i),
                external_key: None,
                actor: "bench".into(),
            },
            yinxin::clock::now_secs(),
        ))
        .unwrap_or_else(|e| panic!("issue: {e}"))
    };
    let issued = issue_one();
    println!("sealed e-licence OFD: {} bytes", issued.document.len());

    // Verification as `POST /v1/verify` does it.
    let crls = rt.block_on(async {
        let mut signers = Vec::new();
        for id in ["sm2-issuing", "sm2-root"] {
            signers.push((id.to_string(), region.ca_signer(id, &pass).await.unwrap()));
        }
        let svc = yinxin::status::service::StatusService::new(
            region.crl_only_cas(signers).await.unwrap(),
            store.clone(),
            store.clone(),
            yinxin::status::service::StatusConfig::default(),
            Arc::new(yinxin::clock::SystemClock),
        )
        .await
        .unwrap();
        vec![
            svc.generate_crl("sm2-issuing", false).await.unwrap().der,
            svc.generate_crl("sm2-root", false).await.unwrap().der,
        ]
    });
    let opts = VerifyOptions {
        context: Context::builder()
            .anchors(&anchors)
            .intermediates(&intermediates)
            .revocation(RevocationMode::Require)
            .crls(crls)
            .shared(),
        trust: None,
        registry: Some(store.as_ref()),
        data: None,
        now: yinxin::clock::now_secs(),
    };
    let own = RepoStatus(store.as_ref());
    let qr_signers = [qr_cert.clone()];
    let verifier = Verifier {
        region: Some("bench"),
        own: Some(&own),
        own_qr_signers: &qr_signers,
        ..Verifier::new(&catalogue, &opts)
    };
    let verify = |doc: &[u8]| {
        rt.block_on(async {
            let pkg = Package::from_bytes(doc).unwrap();
            let report = ofd::verify_package(&pkg, &opts).await;
            let l = verifier.ofd(&report, &pkg).await;
            yinxin::licence::verify::ofd_with_licence(&report, &l)
        })
    };
    let first = verify(&issued.document);
    assert_eq!(first["indication"], "TOTAL_PASSED", "{first:#}");

    let mut g = c.benchmark_group("licence-sm2");
    g.throughput(Throughput::Elements(1));
    g.bench_function("verify-ofd", |b| b.iter(|| verify(&issued.document)));
    let id = issued.licence.id.to_string();
    let st = rt
        .block_on(yinxin::licence::service::statement(
            store.as_ref(),
            "bench",
            &id,
            now,
            3600,
        ))
        .unwrap();
    g.bench_function("status-sign", |b| {
        b.iter(|| yinxin::licence::status::sign(&st, tl_signer.as_ref(), &tl_cert, now).unwrap())
    });
    let cache = yinxin::licence::status_cache::StatusCache::new(3600, 1000);
    g.bench_function("status-cached", |b| {
        b.iter(|| {
            cache
                .get_or_sign(&st, now, |st| {
                    yinxin::licence::status::sign(st, tl_signer.as_ref(), &tl_cert, now)
                })
                .unwrap()
        })
    });
    g.bench_function("issue", |b| b.iter(issue_one));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
