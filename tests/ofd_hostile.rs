//! OFD signatures that protect too little, and packages built to make verification work hard.
//!
//! No default pass: a genuine seal over a Signature.xml with no References, or with References
//! that leave the document root or a page's content out, is TOTAL_FAILED naming what is left
//! out; files no signature protects (a file added after signing, a template left out) are
//! reported as unprotected parts with a warning while the signature keeps its indication.
//!
//! Bounded work: too many References or Signatures are refused (naming the cap) before any is
//! hashed or verified, a file named by thousands of References is hashed once, a signature
//! listed twice is not counted twice, an expired deadline stops the work; over HTTP, hostile
//! packages posted in parallel leave `/v1/health` answering, the deadline answers 503, and a
//! panicking handler answers a problem+json 500.

mod common;
use base64::Engine as _;
use common::http::{Server, call, get, token};
use common::sealing::{SealEnv, seal_env};
use common::{fixture, init_region};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::time::{Duration, Instant};
use yinxin::document::ofd::{self, Deadline, OfdReport, Package, coverage};
use yinxin::document::ofd_write::{self, Item, NewDocument, NewPage, Placement};
use yinxin::verify::report::{Indication, SubIndication};

type Files = BTreeMap<String, Vec<u8>>;

fn files(pkg: &[u8]) -> Files {
    let p = Package::from_bytes(pkg).expect("reads");
    p.names()
        .map(|n| (n.to_string(), p.get(n).unwrap_or_default().to_vec()))
        .collect()
}

/// Zip `files`, deflated; XML parts over 1 MiB stored (deflated they would expand more than
/// the reader's 100:1 ratio allows).
fn zip(files: &Files) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in files {
        let o = if name.ends_with(".xml") && data.len() > 1 << 20 {
            o.compression_method(zip::CompressionMethod::Stored)
        } else {
            o
        };
        w.start_file(name.as_str(), o).expect("start");
        w.write_all(data).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn text_page(lines: &[&str]) -> NewPage {
    NewPage {
        width_mm: 210.0,
        height_mm: 297.0,
        items: lines
            .iter()
            .enumerate()
            .map(|(i, t)| Item::Text {
                x_mm: 20.0,
                y_mm: 30.0 + 10.0 * i as f64,
                size_mm: 5.0,
                text: (*t).into(),
                font_name: "宋体".into(),
            })
            .collect(),
    }
}

/// A two-page document written by us.
fn two_pages() -> Vec<u8> {
    ofd_write::write_ofd(&NewDocument {
        pages: vec![
            text_page(&["合同书", "第一页"]),
            text_page(&["甲方（盖章）："]),
        ],
        ..Default::default()
    })
    .expect("write")
}

fn at_first_page() -> Placement {
    Placement::At {
        page: 0,
        x_mm: 140.0,
        y_mm: 230.0,
    }
}

const SIG0: &str = "Doc_0/Signs/Sign_0/Signature.xml";

/// Sign Sign_0 again, genuinely, over a Signature.xml keeping only the References whose file
/// `keep` accepts: the seal verifies, only what it protects changes.
fn resign(env: &SealEnv, pkg: &[u8], keep: impl Fn(&str) -> bool) -> Vec<u8> {
    let mut f = files(pkg);
    let xml = String::from_utf8(f[SIG0].clone()).expect("utf-8");
    let start = xml.find("<ofd:Reference ").expect("a Reference");
    let end = xml.rfind("</ofd:Reference>").expect("a Reference") + "</ofd:Reference>".len();
    let kept: String = xml[start..end]
        .split_inclusive("</ofd:Reference>")
        .filter(|r| {
            keep(
                r.split('"')
                    .nth(1)
                    .unwrap_or_default()
                    .trim_start_matches('/'),
            )
        })
        .collect();
    let new_xml = format!("{}{kept}{}", &xml[..start], &xml[end..]).into_bytes();
    let value = yinxin::seal::service::stamp(
        &env.seal,
        &yinxin::crypto::sm3(&new_xml),
        &format!("/{SIG0}"),
        env.signer.0.as_ref(),
        &env.signer.1,
        yinxin::clock::now_secs(),
        None,
    )
    .expect("stamp");
    f.insert(SIG0.into(), new_xml);
    f.insert("Doc_0/Signs/Sign_0/SignedValue.dat".into(), value);
    zip(&f)
}

/// The one signature of `r`, whose signed value must verify (its seal is genuine).
fn genuine(r: &OfdReport) -> &ofd::SignatureReport {
    assert_eq!(r.signatures.len(), 1, "{r:#?}");
    let s = &r.signatures[0];
    assert_eq!(s.value_indication, Indication::TotalPassed, "{s:#?}");
    s
}

#[tokio::test]
async fn signatures_that_protect_too_little_fail() {
    let env = seal_env().await;
    let sealed = env.seal(&two_pages(), at_first_page());
    let r = env.verify(&sealed).await;
    assert_eq!(r.indication, Indication::TotalPassed, "{r:#?}");
    assert!(r.unprotected.is_empty() && r.warnings.is_empty(), "{r:#?}");

    // No References at all: the seal is genuine, the signature protects nothing.
    let r = env.verify(&resign(&env, &sealed, |_| false)).await;
    let s = genuine(&r);
    assert!(s.references.is_empty());
    assert_eq!(s.indication, Indication::TotalFailed);
    assert_eq!(s.sub_indication, Some(SubIndication::FormatFailure));
    assert!(s.detail.contains("protects no file"), "{}", s.detail);
    assert_eq!(r.indication, Indication::TotalFailed);
    assert!(r.detail.contains("protects no file"), "{}", r.detail);

    // The document root left out.
    let r = env
        .verify(&resign(&env, &sealed, |f| f != "Doc_0/Document.xml"))
        .await;
    let s = genuine(&r);
    assert!(s.references.iter().all(|x| x.ok));
    assert_eq!(s.indication, Indication::TotalFailed, "{s:#?}");
    assert_eq!(s.uncovered, ["Doc_0/Document.xml"]);
    assert!(
        s.detail
            .contains("leaves unprotected: document root Doc_0/Document.xml"),
        "{}",
        s.detail
    );
    // Unprotected by every signature: listed at package level too.
    assert!(
        r.unprotected
            .iter()
            .any(|u| u.file == "Doc_0/Document.xml" && u.role == coverage::ROOT),
        "{:?}",
        r.unprotected
    );

    // The second page's content left out.
    let page = "Doc_0/Pages/Page_1/Content.xml";
    let r = env.verify(&resign(&env, &sealed, |f| f != page)).await;
    let s = genuine(&r);
    assert_eq!(s.indication, Indication::TotalFailed, "{s:#?}");
    assert_eq!(s.uncovered, [page]);
    assert!(
        s.detail.contains(&format!("page content {page}")),
        "{}",
        s.detail
    );
    assert_eq!(r.indication, Indication::TotalFailed);
}

#[tokio::test]
async fn unprotected_parts_are_warned_without_failing() {
    let env = seal_env().await;
    // A document with a page template.
    let mut f = files(&two_pages());
    let doc = String::from_utf8(f["Doc_0/Document.xml"].clone()).expect("utf-8");
    let doc = doc.replacen(
        "</ofd:PageArea>",
        "</ofd:PageArea><ofd:TemplatePage ID=\"99\" BaseLoc=\"Tpls/Tpl_0/Content.xml\"/>",
        1,
    );
    assert!(doc.contains("TemplatePage"));
    f.insert("Doc_0/Document.xml".into(), doc.into_bytes());
    let template = "Doc_0/Tpls/Tpl_0/Content.xml";
    f.insert(
        template.into(),
        br#"<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content/></ofd:Page>"#.to_vec(),
    );
    let sealed = env.seal(&zip(&f), at_first_page());
    let r = env.verify(&sealed).await;
    assert_eq!(r.indication, Indication::TotalPassed, "{r:#?}");
    assert!(r.unprotected.is_empty(), "{:?}", r.unprotected);

    // The template left out of the References (as some vendors do): the signature keeps its
    // indication, the template is reported with a warning.
    let r = env.verify(&resign(&env, &sealed, |f| f != template)).await;
    let s = genuine(&r);
    assert_eq!(s.indication, Indication::TotalPassed, "{s:#?}");
    assert!(s.uncovered.is_empty());
    assert_eq!(r.indication, Indication::TotalPassed, "{}", r.detail);
    assert_eq!(
        r.unprotected,
        [coverage::UnprotectedPart {
            file: template.into(),
            role: coverage::TEMPLATE.into(),
        }]
    );
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(
        r.warnings[0].contains(template) && r.warnings[0].contains("page template"),
        "{:?}",
        r.warnings
    );
    assert!(
        r.detail.contains("protected by no signature"),
        "{}",
        r.detail
    );

    // A file added after signing: not part of the document, protected by nothing.
    let mut f = files(&sealed);
    f.insert("Doc_0/Res/added.png".into(), common::RED_PNG.to_vec());
    let r = env.verify(&zip(&f)).await;
    assert_eq!(r.indication, Indication::TotalPassed, "{}", r.detail);
    assert_eq!(
        r.unprotected,
        [coverage::UnprotectedPart {
            file: "Doc_0/Res/added.png".into(),
            role: coverage::UNKNOWN.into(),
        }]
    );
    assert!(
        r.warnings[0].contains("Doc_0/Res/added.png")
            && r.warnings[0].contains("added after signing"),
        "{:?}",
        r.warnings
    );
    // The report says so in JSON too.
    let j = serde_json::to_value(&r).expect("json");
    assert_eq!(j["unprotected"][0]["file"], "Doc_0/Res/added.png");
    assert!(j["warnings"][0].is_string());
}

#[tokio::test]
async fn a_signature_listed_twice_is_not_counted_twice() {
    let env = seal_env().await;
    let sealed = env.seal(&two_pages(), at_first_page());
    let mut f = files(&sealed);
    let sigs = String::from_utf8(f["Doc_0/Signs/Signatures.xml"].clone()).expect("utf-8");
    // The same Signature.xml once more, written relative to Signatures.xml.
    let twice = sigs.replace(
        "</ofd:Signatures>",
        "<ofd:Signature ID=\"2\" Type=\"Seal\" BaseLoc=\"Sign_0/Signature.xml\"/></ofd:Signatures>",
    );
    f.insert("Doc_0/Signs/Signatures.xml".into(), twice.into_bytes());
    let r = env.verify(&zip(&f)).await;
    assert_eq!(r.signatures.len(), 2, "{r:#?}");
    assert_eq!(r.signatures[0].indication, Indication::TotalPassed);
    let dup = &r.signatures[1];
    assert_eq!(dup.indication, Indication::TotalFailed);
    assert_eq!(dup.sub_indication, Some(SubIndication::FormatFailure));
    assert!(
        dup.detail.contains("already listed as signature ID \"1\""),
        "{}",
        dup.detail
    );
    assert!(dup.references.is_empty(), "not verified again");
    assert_eq!(r.indication, Indication::TotalFailed);
    assert!(
        !r.detail.contains("2 signature(s) verified"),
        "{}",
        r.detail
    );
    // Listed 2,001 times: refused by the signature cap, before any verification.
    let entry =
        "<ofd:Signature ID=\"1\" Type=\"Seal\" BaseLoc=\"/Doc_0/Signs/Sign_0/Signature.xml\"/>";
    let many = sigs.replace(
        "</ofd:Signatures>",
        &format!("{}</ofd:Signatures>", entry.repeat(2000)),
    );
    f.insert("Doc_0/Signs/Signatures.xml".into(), many.into_bytes());
    let r = env.verify(&zip(&f)).await;
    assert_eq!(r.indication, Indication::TotalFailed);
    assert!(r.signatures.is_empty());
    assert!(r.detail.contains("2001 signatures"), "{}", r.detail);
}

// ---------------------------------------------------------------------------------------------
// Hostile packages (no genuine signature needed: the caps refuse them before verifying)
// ---------------------------------------------------------------------------------------------

const BIG: &str = "Doc_0/Res/big.bin";

/// `unsigned-contract.ofd` with a `Signatures.xml` listing `entries` and more files.
fn signed_like(signatures: &str, extra: Files) -> Vec<u8> {
    let mut f = files(&std::fs::read(fixture("ofd/unsigned-contract.ofd")).expect("fixture"));
    let ofd_xml = String::from_utf8(f["OFD.xml"].clone())
        .expect("utf-8")
        .replace(
            "</ofd:DocBody>",
            "<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody>",
        );
    f.insert("OFD.xml".into(), ofd_xml.into_bytes());
    f.insert(
        "Doc_0/Signs/Signatures.xml".into(),
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Signatures xmlns:ofd="http://www.ofdspec.org/2016"><ofd:MaxSignId>1</ofd:MaxSignId>{signatures}</ofd:Signatures>"#
        )
        .into_bytes(),
    );
    f.extend(extra);
    zip(&f)
}

/// One signature with `n` References to a 1 MiB file (correct CheckValues), plus the root
/// and the page; its signed value is not a signature.
fn many_references(n: usize) -> Vec<u8> {
    let big = vec![0u8; 1 << 20];
    let check = b64(&yinxin::crypto::sm3(&big));
    let mut refs = String::new();
    for _ in 0..n {
        refs.push_str(&format!(
            "<ofd:Reference FileRef=\"/{BIG}\"><ofd:CheckValue>{check}</ofd:CheckValue></ofd:Reference>"
        ));
    }
    let base = files(&std::fs::read(fixture("ofd/unsigned-contract.ofd")).expect("fixture"));
    for p in ["Doc_0/Document.xml", "Doc_0/Pages/Page_0/Content.xml"] {
        refs.push_str(&format!(
            "<ofd:Reference FileRef=\"/{p}\"><ofd:CheckValue>{}</ofd:CheckValue></ofd:Reference>",
            b64(&yinxin::crypto::sm3(&base[p]))
        ));
    }
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Signature xmlns:ofd="http://www.ofdspec.org/2016"><ofd:SignedInfo><ofd:References CheckMethod="1.2.156.10197.1.401">{refs}</ofd:References></ofd:SignedInfo><ofd:SignedValue>/Doc_0/Signs/Sign_0/SignedValue.dat</ofd:SignedValue></ofd:Signature>"#
    );
    signed_like(
        r#"<ofd:Signature ID="1" Type="Seal" BaseLoc="/Doc_0/Signs/Sign_0/Signature.xml"/>"#,
        Files::from([
            (BIG.to_string(), big),
            (SIG0.to_string(), xml.into_bytes()),
            (
                "Doc_0/Signs/Sign_0/SignedValue.dat".to_string(),
                b"not a signature".to_vec(),
            ),
        ]),
    )
}

/// `n` Signature entries (their Signature.xml files do not exist).
fn many_signatures(n: usize) -> Vec<u8> {
    let entries: String = (0..n)
        .map(|i| {
            format!(
                "<ofd:Signature ID=\"{i}\" Type=\"Seal\" BaseLoc=\"/Doc_0/Signs/Sign_{i}/Signature.xml\"/>"
            )
        })
        .collect();
    signed_like(&entries, Files::new())
}

fn opts() -> yinxin::seal::verify::VerifyOptions<'static> {
    yinxin::seal::verify::VerifyOptions {
        context: yinxin::verify::context::Context::builder()
            .revocation(yinxin::verify::path::RevocationMode::Off)
            .shared(),
        trust: None,
        registry: None,
        data: None,
        now: yinxin::clock::now_secs(),
    }
}

#[tokio::test]
async fn ten_thousand_references_are_refused_unhashed() {
    let pkg = many_references(10_000);
    let started = Instant::now();
    let r = ofd::verify(&pkg, &opts()).await;
    println!(
        "10,000 references: {} bytes, refused in {:?}",
        pkg.len(),
        started.elapsed()
    );
    assert_eq!(r.indication, Indication::TotalFailed, "{}", r.detail);
    assert_eq!(r.sub_indication, Some(SubIndication::FormatFailure));
    let s = &r.signatures[0];
    assert!(
        s.detail.contains("10002 References") && s.detail.contains("MAX_REFERENCES"),
        "{}",
        s.detail
    );
    assert!(s.references.is_empty() && s.info.is_none());
    assert_eq!(r.work.digests, 0, "nothing hashed: {:?}", r.work);
}

#[tokio::test]
async fn a_file_named_by_thousands_of_references_is_hashed_once() {
    let r = ofd::verify(&many_references(4_000), &opts()).await;
    let s = &r.signatures[0];
    assert_eq!(s.references.len(), 4_002);
    assert!(s.references.iter().all(|x| x.ok), "{:?}", s.references[0]);
    assert!(s.uncovered.is_empty(), "{:?}", s.uncovered);
    // Three files hashed once each, the 1 MiB one included.
    assert_eq!(r.work.references, 4_002);
    assert_eq!(r.work.digests, 3, "{:?}", r.work);
    assert!(r.work.bytes < (1 << 20) + 10_000, "{:?}", r.work);
    // Its value is not a signature: FAILED on that, not passed by default.
    assert_eq!(s.indication, Indication::TotalFailed, "{}", s.detail);
}

#[tokio::test]
async fn a_thousand_signatures_are_refused_unverified() {
    let pkg = many_signatures(1_000);
    let started = Instant::now();
    let r = ofd::verify(&pkg, &opts()).await;
    println!(
        "1,000 signatures: {} bytes, refused in {:?}",
        pkg.len(),
        started.elapsed()
    );
    assert_eq!(r.indication, Indication::TotalFailed);
    assert_eq!(r.sub_indication, Some(SubIndication::FormatFailure));
    assert!(
        r.detail.contains("1000 signatures") && r.detail.contains("MAX_SIGNATURES"),
        "{}",
        r.detail
    );
    assert!(r.signatures.is_empty());
    // At the cap: each one verified (here: each Signature.xml is missing).
    let r = ofd::verify(&many_signatures(ofd::MAX_SIGNATURES), &opts()).await;
    assert_eq!(r.signatures.len(), ofd::MAX_SIGNATURES);
    assert!(
        r.signatures
            .iter()
            .all(|s| s.indication == Indication::TotalFailed && s.detail.contains("missing part"))
    );
}

#[tokio::test]
async fn an_expired_or_cancelled_deadline_stops_the_work() {
    let pkg = many_references(4_000);
    let e = ofd::verify_until(&pkg, &opts(), &Deadline::after(Duration::ZERO))
        .await
        .expect_err("stopped");
    assert!(e.reason.contains("reached its deadline"), "{e}");
    let d = Deadline::none();
    d.clone().cancel();
    let e = ofd::verify_until(&pkg, &opts(), &d)
        .await
        .expect_err("stopped");
    assert!(e.reason.contains("cancelled"), "{e}");
    // A generous deadline: the same verification completes.
    let r = ofd::verify_until(&pkg, &opts(), &Deadline::after(Duration::from_secs(600)))
        .await
        .expect("completes");
    assert_eq!(r.signatures[0].references.len(), 4_002);
}

// ---------------------------------------------------------------------------------------------
// Over HTTP
// ---------------------------------------------------------------------------------------------

async fn post_octets(base: &str, token: Option<&str>, body: Vec<u8>) -> common::http::Resp {
    call(
        "POST",
        &format!("{base}/v1/verify"),
        token,
        &[("content-type", "application/octet-stream")],
        body,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_packages_in_parallel_leave_health_answering() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init_region(&data, None);
    let (_, peer) = token(&data, "region-peer", None);
    let server = Server::start(&data, &[]);
    let base = server.base.clone();
    let health = get(&format!("{base}/v1/health"), None).await;
    assert_eq!(health.status, 200);

    // One anonymous, one with a token, at once.
    let refs = tokio::spawn({
        let base = base.clone();
        async move { post_octets(&base, None, many_references(10_000)).await }
    });
    let sigs = tokio::spawn({
        let base = base.clone();
        async move { post_octets(&base, Some(&peer), many_signatures(1_000)).await }
    });
    // Health answers while they are in flight (bounded: at most 600 polls).
    let mut latencies = Vec::new();
    for _ in 0..600 {
        let t = Instant::now();
        let h = get(&format!("{base}/v1/health"), None).await;
        latencies.push(t.elapsed());
        assert_eq!(h.status, 200, "{}", String::from_utf8_lossy(&h.body));
        if refs.is_finished() && sigs.is_finished() {
            break;
        }
    }
    println!(
        "/v1/health during two hostile verifications: {} calls, slowest {:?}",
        latencies.len(),
        latencies.iter().max()
    );
    let refs = refs.await.expect("task");
    assert_eq!(refs.status, 200, "{}", String::from_utf8_lossy(&refs.body));
    let j = refs.json();
    assert_eq!(j["indication"], "TOTAL_FAILED", "{j:#}");
    assert!(
        j["signatures"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("MAX_REFERENCES")),
        "{j:#}"
    );
    let sigs = sigs.await.expect("task");
    assert_eq!(sigs.status, 200, "{}", String::from_utf8_lossy(&sigs.body));
    let j = sigs.json();
    assert_eq!(j["indication"], "TOTAL_FAILED", "{j:#}");
    assert!(
        j["detail"]
            .as_str()
            .is_some_and(|d| d.contains("MAX_SIGNATURES")),
        "{j:#}"
    );
    assert!(
        sigs.body.len() < 10_000,
        "a short answer: {}",
        sigs.body.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_answers_503() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init_region(&data, None);
    // A deadline of one microsecond: every verification is cut at its first check.
    let server = Server::start(&data, &[("YINXIN_VERIFY_DEADLINE_SECONDS", "0.000001")]);
    let r = post_octets(&server.base, None, many_references(4_000)).await;
    r.assert_problem(503, "timeout");
    let detail = r.json()["detail"].as_str().unwrap_or_default().to_string();
    assert!(detail.contains("deadline"), "{detail}");
    assert_eq!(
        get(&format!("{}/v1/health", server.base), None)
            .await
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_answers_a_problem() {
    let app = axum::Router::new()
        .route(
            "/boom",
            axum::routing::get(|| async {
                if true {
                    panic!("boom");
                }
                "never"
            }),
        )
        .layer(yinxin::api::catch_panic());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });
    let r = get(&format!("http://{addr}/boom"), None).await;
    r.assert_problem(500, "internal");
    serving.abort();
}
