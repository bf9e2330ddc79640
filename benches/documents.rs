//! OFD documents sealed/s and verified/s (`cargo bench --bench documents`): a ~100 KB
//! one-page OFD (text plus a 96 KiB image whose bytes after the PNG signature are random, so
//! the package does not compress below 100 KB), SM2 seal and signer, no timestamp.
//! Verification: every reference hashed (SM3), Signature.xml read, the seven seal steps and
//! both chains, revocation off, warm caches — the figure to compare with the ≥ 1,000/s/core
//! target of the documents issue.

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yinxin::document::ofd_write::{Item, NewDocument, NewPage, Placement, seal_ofd, write_ofd};
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
    let mut image = common::PNG[..8].to_vec();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while image.len() < 96 * 1024 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        image.extend_from_slice(&x.to_le_bytes());
    }
    let mut items: Vec<Item> = (0..40)
        .map(|i| Item::Text {
            x_mm: 20.0,
            y_mm: 30.0 + i as f64 * 6.0,
            size_mm: 4.0,
            text: format!("第{i}行：经审查，该申请符合规定条件，同意办理。"),
            font_name: "宋体".into(),
        })
        .collect();
    items.push(Item::Image {
        x_mm: 140.0,
        y_mm: 20.0,
        w_mm: 40.0,
        h_mm: 40.0,
        png: image,
    });
    let doc = write_ofd(&NewDocument {
        pages: vec![NewPage {
            width_mm: 210.0,
            height_mm: 297.0,
            items,
        }],
        ..Default::default()
    })
    .unwrap();
    println!("unsealed OFD: {} bytes", doc.len());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let place = || Placement::At {
        page: 0,
        x_mm: 100.0,
        y_mm: 200.0,
    };
    let mut g = c.benchmark_group("ofd-sm2");
    g.throughput(Throughput::Elements(1));
    g.bench_function("seal-100KB", |b| {
        b.iter(|| {
            seal_ofd(
                &doc,
                &seal,
                signer.as_ref(),
                &signer_cert,
                place(),
                yinxin::clock::now_secs(),
                None,
            )
            .unwrap()
        })
    });
    let sealed = seal_ofd(
        &doc,
        &seal,
        signer.as_ref(),
        &signer_cert,
        place(),
        yinxin::clock::now_secs(),
        None,
    )
    .unwrap();
    println!("sealed OFD: {} bytes", sealed.len());
    let opts = VerifyOptions {
        context: Context::builder()
            .anchors([root])
            .revocation(RevocationMode::Off)
            .seal_status([status])
            .shared(),
        trust: None,
        registry: None,
        data: None,
        now: yinxin::clock::now_secs(),
    };
    let r = rt.block_on(yinxin::document::ofd::verify(&sealed, &opts));
    assert_eq!(
        r.indication,
        yinxin::verify::report::Indication::TotalPassed,
        "{}",
        r.detail
    );
    g.bench_function("verify-100KB", |b| {
        b.iter(|| rt.block_on(yinxin::document::ofd::verify(&sealed, &opts)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
