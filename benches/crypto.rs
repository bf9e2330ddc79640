//! Sign and verify per algorithm (`cargo bench --bench crypto`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use yinxin::crypto::verify::verify_signature;
use yinxin::crypto::{Algorithm, PrivateKey, Signer};

fn bench(c: &mut Criterion) {
    let msg = vec![0x5au8; 1024];
    let mut g = c.benchmark_group("signature");
    g.throughput(Throughput::Elements(1));
    for alg in Algorithm::ALL {
        let signer = PrivateKey::generate(alg).unwrap().signer().unwrap();
        let sig = signer.sign(&msg).unwrap();
        let oid = signer.signature_algorithm_oid();
        let spki = signer.public_key_spki().to_vec();
        g.bench_function(format!("{alg}/sign-1KiB"), |b| {
            b.iter(|| signer.sign(black_box(&msg)).unwrap())
        });
        g.bench_function(format!("{alg}/verify-1KiB"), |b| {
            b.iter(|| {
                verify_signature(
                    black_box(&spki),
                    oid,
                    None,
                    black_box(&msg),
                    black_box(&sig),
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
