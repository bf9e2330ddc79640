//! `POST /v1/documents/seal` under memory pressure, against a real `yinxin serve` process:
//! large OFDs (the contract fixture with a large stored resource) sealed one at a time and
//! several at once; the server's peak resident memory (`VmHWM` in `/proc/<pid>/status`) stays
//! below its baseline plus `service.max_document_memory_bytes`, whatever the number of callers.
//! Also: a package needing more than the whole budget is refused (413) before it is read, and a
//! stamp position off the page is refused (422 naming the parameter).

mod common;
use common::http::*;
use common::*;
use serde_json::json;
use std::io::{Read, Write};
use std::time::Instant;

const MIB: u64 = 1024 * 1024;
/// The memory budget the server runs with.
const BUDGET: u64 = 256 * MIB;
/// Size of the large stored resource added to the contract.
const BIG: usize = 48 * 1024 * 1024;
/// Large documents sealed at once.
const PARALLEL: usize = 4;
/// `src/api/documents.rs` SEAL_OVERHEAD_BYTES: what a sealing reserves beyond the package and
/// its files.
const SEAL_OVERHEAD: u64 = 32 * MIB;

/// `fixtures/ofd/unsigned-contract.ofd` with `Doc_0/Res/big.bin` added: `size` pseudo-random
/// (incompressible) bytes, stored.
fn big_ofd(size: usize, seed: u64) -> Vec<u8> {
    let fixture = std::fs::read(fixture("ofd/unsigned-contract.ofd")).unwrap();
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(fixture)).unwrap();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::with_capacity(size + 4096)));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = vec![];
        f.read_to_end(&mut data).unwrap();
        w.start_file(name, deflated).unwrap();
        w.write_all(&data).unwrap();
    }
    w.start_file(
        "Doc_0/Res/big.bin",
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(false),
    )
    .unwrap();
    let mut x = seed | 1;
    let mut chunk = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        for b in chunk.chunks_exact_mut(8) {
            // xorshift64
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b.copy_from_slice(&x.to_le_bytes());
        }
        let n = left.min(chunk.len());
        w.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    w.finish().unwrap().into_inner()
}

/// A package whose central directory declares `entries` × 63 MiB of (deflated) zeros.
fn declares_much(entries: usize) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let zeros = vec![0u8; 1 << 20];
    for e in 0..entries {
        w.start_file(format!("Doc_0/Res/zeros{e}.bin"), o).unwrap();
        for _ in 0..63 {
            w.write_all(&zeros).unwrap();
        }
    }
    w.finish().unwrap().into_inner()
}

/// A `/proc/<pid>/status` figure, in bytes (`VmRSS`, `VmHWM` …).
fn proc_status(pid: u32, key: &str) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/status"))
        * 1024
}

/// Reset the peak (`VmHWM`) to the current resident size (Linux `clear_refs` 5).
fn reset_peak(pid: u32) {
    std::fs::write(format!("/proc/{pid}/clear_refs"), b"5").unwrap();
}

fn mib(b: u64) -> f64 {
    b as f64 / MIB as f64
}

async fn post_doc(url: &str, token: &str, body: Vec<u8>) -> Resp {
    call(
        "POST",
        url,
        Some(token),
        &[("content-type", "application/octet-stream")],
        body,
    )
    .await
}

/// The sealed package: the original files (big.bin byte for byte) plus one seal signature.
fn assert_sealed(sealed: &[u8], original: &[u8]) {
    let out = yinxin::document::ofd::Package::from_bytes(sealed).expect("a sealed package");
    let inp = yinxin::document::ofd::Package::from_bytes(original).unwrap();
    assert_eq!(out.get("Doc_0/Res/big.bin"), inp.get("Doc_0/Res/big.bin"));
    let sig = out
        .get("Doc_0/Signs/Sign_0/Signature.xml")
        .expect("the new signature");
    let sig = String::from_utf8_lossy(sig);
    assert!(sig.contains("FileRef=\"/Doc_0/Res/big.bin\""), "{sig}");
    assert!(sig.contains("<ofd:StampAnnot"), "{sig}");
    assert!(out.get("Doc_0/Signs/Sign_0/SignedValue.dat").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sealing_large_documents_stays_within_the_memory_budget() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init_region(&data, None);
    let serial = issue_generated_org(
        &data,
        tmp.path(),
        "盖章单位",
        "91350100M000100Y43",
        "signer",
    );
    let (_, admin) = token(&data, "seal-admin", Some("91350100M000100Y43"));
    let signer = signer_token(&data, tmp.path(), &serial, "signer");
    let budget = BUDGET.to_string();
    let server = Server::start(
        &data,
        &[
            ("YINXIN_RATE_LIMIT_PER_SECOND", "100000"),
            ("YINXIN_RATE_LIMIT_BURST", "100000"),
            ("YINXIN_MAX_DOCUMENT_MEMORY_BYTES", &budget),
            ("YINXIN_REQUEST_TIMEOUT_SECONDS", "120"),
        ],
    );
    let pid = server.child.id();
    let base = server.base.clone();
    let r = post_json(
        &format!("{base}/v1/seals"),
        Some(&admin),
        &json!({"holder": "91350100M000100Y43", "type": "official", "name": "盖章单位",
                "signers": [serial], "picture_png_base64": b64.encode(RED_PNG)}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["id"].as_str().unwrap().to_string();
    let url = format!("{base}/v1/documents/seal?seal={id}&page=1&x=120&y=200");

    // Warm up on the small contract (TSA, keys, caches), then take the baseline.
    let small = std::fs::read(fixture("ofd/unsigned-contract.ofd")).unwrap();
    let r = post_doc(&url, &signer, small.clone()).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let baseline = proc_status(pid, "VmRSS");

    // One large document alone: the per-request factor.
    let doc = big_ofd(BIG, 1);
    let size = doc.len() as u64;
    reset_peak(pid);
    let t = Instant::now();
    let r = post_doc(&url, &signer, doc.clone()).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        r.header("content-length").as_deref(),
        Some(r.body.len().to_string().as_str())
    );
    let one = t.elapsed();
    assert_sealed(&r.body, &doc);
    let peak_one = proc_status(pid, "VmHWM");
    let factor = (peak_one.saturating_sub(baseline)) as f64 / size as f64;
    // What the service reserves for one such request (documents.rs: size + declared + overhead).
    let reserved = size + BIG as u64 + SEAL_OVERHEAD;
    println!(
        "memory: baseline {:.1} MiB; one {:.1} MiB document: peak {:.1} MiB (+{:.1} MiB, {factor:.2} × \
         its size; {:.1} MiB reserved) in {:.1} s",
        mib(baseline),
        mib(size),
        mib(peak_one),
        mib(peak_one.saturating_sub(baseline)),
        mib(reserved),
        one.as_secs_f64()
    );
    assert!(
        peak_one.saturating_sub(baseline) <= reserved,
        "one request used more than it reserved"
    );
    // The parallel run below needs the budget: all at once would not fit.
    assert!(PARALLEL as u64 * reserved > BUDGET);

    // Several at once: the peak stays under baseline + budget.
    let docs: Vec<Vec<u8>> = (0..PARALLEL).map(|i| big_ofd(BIG, 7 + i as u64)).collect();
    reset_peak(pid);
    let t = Instant::now();
    let tasks: Vec<_> = docs
        .iter()
        .cloned()
        .map(|d| {
            let (url, signer) = (url.clone(), signer.clone());
            tokio::spawn(async move { post_doc(&url, &signer, d).await })
        })
        .collect();
    let mut results = vec![];
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let all = t.elapsed();
    let peak_all = proc_status(pid, "VmHWM");
    for (r, d) in results.iter().zip(&docs) {
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_sealed(&r.body, d);
    }
    println!(
        "memory: {PARALLEL} × {:.1} MiB at once: peak {:.1} MiB (+{:.1} MiB; ceiling baseline + \
         budget = {:.1} MiB; without the budget about +{:.1} MiB) in {:.1} s",
        mib(size),
        mib(peak_all),
        mib(peak_all.saturating_sub(baseline)),
        mib(baseline + BUDGET),
        mib(PARALLEL as u64 * peak_one.saturating_sub(baseline)),
        all.as_secs_f64()
    );
    assert!(
        peak_all <= baseline + BUDGET,
        "peak {:.1} MiB above baseline {:.1} MiB + budget {:.1} MiB",
        mib(peak_all),
        mib(baseline),
        mib(BUDGET)
    );

    // A package that needs more than the whole budget is refused before it is read.
    let greedy = declares_much(4);
    assert!(greedy.len() < MIB as usize);
    reset_peak(pid);
    // Measured from what the process holds now: the allocator (mimalloc) may still hold pages
    // the parallel sealings freed.
    let before = proc_status(pid, "VmRSS");
    let r = post_doc(&url, &signer, greedy).await;
    r.assert_problem(413, "document-too-large");
    let detail = r.json()["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("max_document_memory_bytes"), "{detail}");
    assert!(detail.contains("256 MiB"), "{detail}");
    assert!(proc_status(pid, "VmHWM") < before + 64 * MIB);

    // Positions are bounded to the page (A4, 210 × 297 mm; the stamp is 42 × 42 mm).
    let at = |q: &str| format!("{base}/v1/documents/seal?seal={id}&{q}");
    for (q, field, words) in [
        ("x=1e308&y=100", "'x'", "off page 1 (210 × 297 mm)"),
        ("x=100&y=1e308", "'y'", "off page 1 (210 × 297 mm)"),
        ("x=169&y=100", "'x'", "from 0 to 168 mm"),
        ("x=100&y=256", "'y'", "from 0 to 255 mm"),
        ("x=-1&y=100", "'x'", "42 mm wide stamp"),
        ("x=NaN&y=100", "'x'", "not a finite number"),
        ("x=100&y=inf", "'y'", "not a finite number"),
    ] {
        let r = post_doc(&at(q), &signer, small.clone()).await;
        r.assert_problem(422, "placement");
        let detail = r.json()["detail"].as_str().unwrap().to_string();
        assert!(detail.contains(field), "{q}: {detail}");
        assert!(detail.contains(words), "{q}: {detail}");
    }
    // The edges themselves are on the page.
    for q in ["x=0&y=0", "x=168&y=255"] {
        let r = post_doc(&at(q), &signer, small.clone()).await;
        assert_eq!(r.status, 200, "{q}: {}", String::from_utf8_lossy(&r.body));
        let out = yinxin::document::ofd::Package::from_bytes(&r.body).unwrap();
        let sig = String::from_utf8_lossy(out.get("Doc_0/Signs/Sign_0/Signature.xml").unwrap())
            .into_owned();
        let (x, y) = q.split_once('&').unwrap();
        let want = format!(
            "Boundary=\"{} {} 42 42\"",
            x.trim_start_matches("x="),
            y.trim_start_matches("y=")
        );
        assert!(sig.contains(&want), "{q}: {sig}");
    }
}
