//! Issue-and-store per second on SQLite (`cargo bench --bench issuance`): one certificate
//! from a CSR per iteration — subject checks, CSR proof of possession, signing, and the
//! committed transaction (certificate + audit event), sequentially on one task.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use yinxin::crypto::{Algorithm, Passphrase};
use yinxin::pki::authority::{IssueRequest, KeySource};
use yinxin::pki::region::{self, InitParams, Region};
use yinxin::store::SqlConnector;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let pass = Passphrase::new("bench-only-passphrase".into()).unwrap();
    let authority = rt.block_on(async {
        region::init(
            InitParams {
                data_dir: dir.clone(),
                code: "bench".into(),
                name: "Bench".into(),
                database_url: None,
                public_base_url: None,
                hsm: None,
            },
            &pass,
            &SqlConnector,
        )
        .await
        .unwrap();
        let region = Region::open(&dir, None, &SqlConnector).await.unwrap();
        region.authority(&pass, &Algorithm::ALL).await.unwrap()
    });
    let root = env!("CARGO_MANIFEST_DIR");
    let mut g = c.benchmark_group("issue-and-store-sqlite");
    g.throughput(Throughput::Elements(1));
    for (alg, csr) in [(Algorithm::Sm2, "test-sm2"), (Algorithm::P256, "test-p256")] {
        let csr = std::fs::read(format!("{root}/fixtures/csr/{csr}.csr.pem")).unwrap();
        g.bench_function(format!("{alg}/organization-from-csr"), |b| {
            b.iter(|| {
                rt.block_on(authority.issue(IssueRequest {
                    profile: "organization".into(),
                    algorithm: alg,
                    subject: json!({"name": "基准测试单位", "credit_code": "91350100M000100Y43"}),
                    key: KeySource::Csr(csr.clone()),
                    validity_days: Some(365),
                    actor: "bench".into(),
                    scope: None,
                }))
                .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
