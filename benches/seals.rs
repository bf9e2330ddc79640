//! Seal signatures made/s and verified/s (`cargo bench --bench seals`): SM2 seal, SM2 signer,
//! no timestamp; verification with our anchors and CRLs, warm caches (one validator's worth
//! of parsing is redone per call: the seven steps, two chains, data hash).

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yinxin::seal::service as seals;
use yinxin::seal::verify::VerifyOptions;
use yinxin::verify::context::Context;
use yinxin::verify::path::RevocationMode;

fn bench(c: &mut Criterion) {
    let common::SealFixture {
        root,
        seal,
        signer,
        signer_cert,
        status,
    } = common::seal_fixture();
    let data = vec![0x42u8; 100 * 1024];
    let hash = yinxin::crypto::sm3(&data);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut g = c.benchmark_group("seal-sm2");
    g.throughput(Throughput::Elements(1));
    g.bench_function("stamp", |b| {
        b.iter(|| {
            seals::stamp(
                &seal,
                &hash,
                "doc",
                signer.as_ref(),
                &signer_cert,
                yinxin::clock::now_secs(),
                None,
            )
            .unwrap()
        })
    });
    let signed = seals::stamp(
        &seal,
        &hash,
        "doc",
        signer.as_ref(),
        &signer_cert,
        yinxin::clock::now_secs(),
        None,
    )
    .unwrap();
    let opts = VerifyOptions {
        context: Context::builder()
            .anchors([root])
            .revocation(RevocationMode::Off)
            .seal_status([status])
            .shared(),
        trust: None,
        registry: None,
        data: Some(&data),
        now: yinxin::clock::now_secs(),
    };
    assert_eq!(
        rt.block_on(seals::verify(&signed, &opts)).indication,
        yinxin::verify::report::Indication::TotalPassed
    );
    g.bench_function("verify-100KiB", |b| {
        b.iter(|| rt.block_on(seals::verify(&signed, &opts)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
