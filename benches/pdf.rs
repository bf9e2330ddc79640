//! PDFs signed/s and verified/s (`cargo bench --bench pdf`): a one-page PDF of ~1 MB (a content
//! stream of text lines), a P-256 signer certified by a P-256 root, PAdES B-B (no time-stamp).
//! Signing: parse, incremental update, hash, sign. Verification: parse, the byte range hashed,
//! the CMS and the signer's chain (revocation off), warm caches — the figure to compare with
//! the ≥ 1,000/s/core target of the PDF issue.

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yinxin::document::pdf::{self, SignOptions};
use yinxin::seal::verify::VerifyOptions;
use yinxin::verify::context::Context;
use yinxin::verify::path::RevocationMode;
use yinxin::verify::report::Indication;

#[path = "../tests/common/pdf.rs"]
mod fixture;

/// A one-page PDF whose content stream is about `size` bytes of text lines.
fn pdf_of(size: usize) -> Vec<u8> {
    let mut content = String::from("BT /F1 10 Tf 40 800 Td 12 TL\n");
    let mut i = 0;
    while content.len() < size {
        content.push_str(&format!(
            "(Line {i}: the application meets the conditions and is approved.) '\n"
        ));
        i += 1;
    }
    content.push_str("ET\n");
    fixture::one_page_pdf(&content)
}

fn bench(c: &mut Criterion) {
    let (root, signer, cert) = common::p256_signer();
    let doc = pdf_of(1024 * 1024);
    println!("unsigned PDF: {} bytes", doc.len());
    let sign = || {
        pdf::sign(
            &doc,
            signer.as_ref(),
            &cert,
            &[],
            &SignOptions::default(),
            None,
        )
        .unwrap()
    };
    let signed = sign();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let opts = VerifyOptions::offline(
        Context::builder()
            .anchors([&root])
            .revocation(RevocationMode::Off)
            .shared(),
        yinxin::clock::now_secs(),
    );
    let r = rt.block_on(pdf::verify(&signed, &opts)).unwrap();
    assert_eq!(r.indication, Indication::TotalPassed, "{r:?}");
    let mut g = c.benchmark_group("pdf");
    g.throughput(Throughput::Elements(1));
    g.bench_function("sign-1MB", |b| b.iter(sign));
    g.bench_function("verify-1MB", |b| {
        b.iter(|| rt.block_on(pdf::verify(&signed, &opts)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
