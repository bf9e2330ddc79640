//! PDFs signed/s, sealed/s and verified/s (`cargo bench --bench pdf`): a one-page PDF of ~1 MB
//! (a content stream of text lines), a P-256 signer certified by a P-256 root, PAdES B-B (no
//! time-stamp). Signing: parse, incremental update, hash, sign. Sealing: the SM2 seal of the
//! seal benchmark, its picture drawn (PNG decoded, image XObject), the SES_Signature made over
//! SM3 of the byte ranges and carried in the CMS (no time-stamps). Verification: parse, the
//! byte range hashed, the CMS and the signer's chain (revocation off), warm caches — the
//! figure to compare with the ≥ 1,000/s/core target of the PDF issue; a sealed PDF's adds the
//! seal's seven steps.

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

    let common::SealFixture {
        root: seal_root,
        seal,
        signer: seal_signer,
        signer_cert,
        status,
    } = common::seal_fixture();
    let at = pdf::SealPlacement::At {
        page: 0,
        x_mm: 20.0,
        y_mm: 20.0,
    };
    let seal_it = || {
        pdf::seal(
            &doc,
            &seal,
            seal_signer.as_ref(),
            &signer_cert,
            &[],
            &at,
            &SignOptions::default(),
            None,
            None,
        )
        .unwrap()
    };
    let sealed = seal_it();
    let seal_opts = VerifyOptions::offline(
        Context::builder()
            .anchors([&seal_root])
            .revocation(RevocationMode::Off)
            .seal_status([status])
            .shared(),
        yinxin::clock::now_secs(),
    );
    let r = rt.block_on(pdf::verify(&sealed, &seal_opts)).unwrap();
    assert_eq!(r.indication, Indication::TotalPassed, "{r:?}");
    g.bench_function("seal-1MB", |b| b.iter(seal_it));
    g.bench_function("verify-sealed-1MB", |b| {
        b.iter(|| rt.block_on(pdf::verify(&sealed, &seal_opts)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
