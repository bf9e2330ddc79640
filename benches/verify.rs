//! Validations/s of a 3-certificate SM2 chain (root anchor, issuing CA, end entity) with CRLs
//! for both certificates, cold (new validator, empty signature cache) and warm (cache of
//! intermediate and CRL signatures; the end entity's signature is always checked).
//! `cargo bench --bench verify`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use std::sync::Arc;
use yinxin::crypto::{Algorithm, Passphrase};
use yinxin::pki::authority::{IssueRequest, KeySource};
use yinxin::pki::region::{self, InitParams, Region};
use yinxin::status::service::{StatusConfig, StatusService};
use yinxin::store::{SqlConnector, Store};
use yinxin::verify::path::{Input, Validator};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let pass = Passphrase::new("bench-only-passphrase".into()).unwrap();
    let input = rt.block_on(async {
        region::init(
            InitParams {
                data_dir: dir.clone(),
                code: "vb".into(),
                name: "Verify bench".into(),
                database_url: None,
                public_base_url: None,
                hsm: None,
            },
            &pass,
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
        let authority = region.authority(&pass, &[Algorithm::Sm2]).await.unwrap();
        let issued = authority
            .issue(IssueRequest {
                profile: "person".into(),
                algorithm: Algorithm::Sm2,
                subject: json!({"name": "基准", "id_number": "11010519491231002X"}),
                key: KeySource::Csr(
                    std::fs::read(format!(
                        "{}/fixtures/csr/test-sm2.csr.pem",
                        env!("CARGO_MANIFEST_DIR")
                    ))
                    .unwrap(),
                ),
                validity_days: Some(365),
                actor: "bench".into(),
                scope: None,
            })
            .await
            .unwrap();
        let cas = region.repo.cas().await.unwrap();
        let der = |id: &str| cas.iter().find(|c| c.id == id).unwrap().der.clone();
        let signers = vec![
            (
                "sm2-issuing".to_string(),
                region.ca_signer("sm2-issuing", &pass).await.unwrap(),
            ),
            (
                "sm2-root".to_string(),
                region.ca_signer("sm2-root", &pass).await.unwrap(),
            ),
        ];
        let svc = StatusService::new(
            region.crl_only_cas(signers).await.unwrap(),
            store.clone(),
            store.clone(),
            StatusConfig::default(),
            Arc::new(yinxin::clock::SystemClock),
        )
        .await
        .unwrap();
        let mut input = Input::new(
            issued.record.der.clone(),
            vec![der("sm2-root")],
            yinxin::clock::now_secs(),
            yinxin::verify::purpose::Purpose::DocumentSigner,
        );
        input.intermediates = vec![der("sm2-issuing")];
        input.crls = vec![
            svc.generate_crl("sm2-issuing", false).await.unwrap().der,
            svc.generate_crl("sm2-root", false).await.unwrap().der,
        ];
        input
    });
    assert!(Validator::new().validate(&input).passed());
    let mut g = c.benchmark_group("validate-sm2-3-cert-chain-with-crls");
    g.throughput(Throughput::Elements(1));
    g.bench_function("cold", |b| {
        b.iter(|| assert!(Validator::new().validate(&input).passed()))
    });
    let warm = Validator::new();
    g.bench_function("warm", |b| {
        b.iter(|| assert!(warm.validate(&input).passed()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
