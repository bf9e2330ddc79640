//! OFD writing and sealing: a document written here reads back, seals (once and twice) and
//! verifies TOTAL_PASSED with our anchors, a changed page after sealing is named, and a
//! vendor's signed OFD sealed again keeps its own signature's references intact.

mod common;
use common::RED_PNG;
use common::sealing::seal_env;
use std::io::Write as _;
use yinxin::document::ofd::{self, OfdReport, Package, SignatureReport};
use yinxin::document::ofd_write::{self, Item, NewDocument, NewPage, Placement};
use yinxin::verify::report::Indication;

fn fixture(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/interop")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The vendor OFDs of `fixtures/interop` that we can seal and sign.
const VENDOR_OFDS: [&str; 4] = [
    "dms360-v1-reserialised.ofd",
    "gomain-bw-v4signed.ofd",
    "gomain-tax-invoice.ofd",
    "kinggrid-gomain-invoice.ofd",
];

fn refs_ok(s: &SignatureReport) -> (usize, usize) {
    (
        s.references.iter().filter(|r| r.ok).count(),
        s.references.len(),
    )
}

fn at(page: usize, x_mm: f64, y_mm: f64) -> Placement {
    Placement::At { page, x_mm, y_mm }
}

fn sample() -> NewDocument {
    let text = |y: f64, t: &str| Item::Text {
        x_mm: 20.0,
        y_mm: y,
        size_mm: 5.0,
        text: t.into(),
        font_name: "宋体".into(),
    };
    NewDocument {
        pages: vec![
            NewPage {
                width_mm: 210.0,
                height_mm: 297.0,
                items: vec![
                    text(30.0, "合同书 <第1页> & 附件"),
                    Item::Text {
                        x_mm: 20.0,
                        y_mm: 50.0,
                        size_mm: 4.0,
                        text: "Contract No. 2026-001".into(),
                        font_name: "SimSun".into(),
                    },
                    Item::Image {
                        x_mm: 150.0,
                        y_mm: 20.0,
                        w_mm: 30.0,
                        h_mm: 30.0,
                        png: RED_PNG.to_vec(),
                    },
                    Item::Line {
                        from: (20.0, 60.0),
                        to: (190.0, 60.0),
                        width_mm: 0.5,
                    },
                ],
            },
            NewPage {
                width_mm: 210.0,
                height_mm: 297.0,
                items: vec![text(200.0, "甲方（盖章）："), text(220.0, "乙方（盖章）：")],
            },
        ],
        ..Default::default()
    }
}

/// The files of a package, one replaced, zipped again.
fn rezip(pkg: &[u8], path: &str, data: &[u8]) -> Vec<u8> {
    let p = Package::from_bytes(pkg).expect("reads");
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for n in p.names() {
        w.start_file(n, opts).expect("start");
        let bytes = if n == path {
            data
        } else {
            p.get(n).expect("get")
        };
        w.write_all(bytes).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

fn assert_passed(r: &OfdReport, n: usize) {
    assert_eq!(r.signatures.len(), n, "{r:#?}");
    for s in &r.signatures {
        assert_eq!(
            s.indication,
            Indication::TotalPassed,
            "signature {}: {s:#?}",
            s.id
        );
        let (ok, all) = refs_ok(s);
        assert_eq!(ok, all, "{:#?}", s.references);
        assert!(all > 0);
        assert!(s.uncovered.is_empty(), "{:?}", s.uncovered);
    }
    assert_eq!(r.indication, Indication::TotalPassed, "{}", r.detail);
    // Our signatures protect every file but the signature machinery.
    assert!(r.unprotected.is_empty(), "{:?}", r.unprotected);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn written_ofd_reads_back() {
    let bytes = ofd_write::write_ofd(&sample()).expect("write");
    let pkg = Package::from_bytes(&bytes).expect("our reader reads it");
    let names: Vec<&str> = pkg.names().collect();
    for n in [
        "OFD.xml",
        "Doc_0/Document.xml",
        "Doc_0/PublicRes.xml",
        "Doc_0/DocumentRes.xml",
        "Doc_0/Pages/Page_0/Content.xml",
        "Doc_0/Pages/Page_1/Content.xml",
    ] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("Doc_0/Res/") && n.ends_with(".png"))
    );
    let page0 =
        String::from_utf8(pkg.get("Doc_0/Pages/Page_0/Content.xml").unwrap().to_vec()).unwrap();
    assert!(page0.contains("合同书 &lt;第1页&gt; &amp; 附件"), "{page0}");
    assert!(page0.contains("<ofd:ImageObject") && page0.contains("<ofd:AbbreviatedData>M "));
    let public = String::from_utf8(pkg.get("Doc_0/PublicRes.xml").unwrap().to_vec()).unwrap();
    assert!(public.contains("FontName=\"宋体\"") && public.contains("FontName=\"SimSun\""));
    // No signatures yet.
    let (entries, _) = ofd::signature_entries(&pkg).expect("entries");
    assert!(entries.is_empty());
    // Bad input is an error, not a panic.
    assert!(ofd_write::write_ofd(&NewDocument::default()).is_err());
    let mut bad = sample();
    bad.pages[0].items.push(Item::Image {
        x_mm: 0.0,
        y_mm: 0.0,
        w_mm: 1.0,
        h_mm: 1.0,
        png: b"GIF89a".to_vec(),
    });
    assert!(ofd_write::write_ofd(&bad).is_err());
    if let Ok(dir) = std::env::var("YINXIN_OFD_OUT") {
        let _ = std::fs::write(std::path::Path::new(&dir).join("written.ofd"), &bytes);
    }
}

#[tokio::test]
async fn seal_verify_twice_and_tamper() {
    let env = seal_env().await;
    let doc = ofd_write::write_ofd(&sample()).expect("write");
    let before = Package::from_bytes(&doc).expect("reads");

    // (b) one signature.
    let once = env.seal(&doc, at(0, 140.0, 230.0));
    let r = env.verify(&once).await;
    assert_passed(&r, 1);
    let s = &r.signatures[0];
    assert_eq!(s.signature_xml, "Doc_0/Signs/Sign_0/Signature.xml");
    let info = s.info.as_ref().expect("info");
    assert_eq!(info.provider.name.as_deref(), Some("yinxin"));
    assert_eq!(info.stamp_annots.len(), 1);
    assert_eq!(
        info.stamp_annots[0].boundary.as_deref(),
        Some("140 230 42 42")
    );
    // Every file but Signatures.xml is protected, OFD.xml (with its new reference) included.
    assert!(s.references.iter().any(|x| x.file == "OFD.xml"));
    assert!(
        !s.references
            .iter()
            .any(|x| x.file.ends_with("Signatures.xml"))
    );
    let p1 = Package::from_bytes(&once).expect("reads");
    for n in before.names().filter(|n| *n != "OFD.xml") {
        assert_eq!(p1.get(n), before.get(n), "{n} unchanged");
    }
    assert!(p1.get("Doc_0/Signs/Sign_0/Seal.esl") == Some(env.seal.der.as_slice()));

    // (c) a second signature, by keyword on page 1.
    let twice = env.seal(&once, Placement::Keyword("乙方（盖章）".into()));
    let r = env.verify(&twice).await;
    assert_passed(&r, 2);
    let ids: Vec<&str> = r.signatures.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["1", "2"]);
    let s2 = &r.signatures[1];
    assert_eq!(s2.signature_xml, "Doc_0/Signs/Sign_1/Signature.xml");
    let annot = &s2.info.as_ref().expect("info").stamp_annots[0];
    let b: Vec<f64> = annot
        .boundary
        .as_deref()
        .unwrap_or_default()
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect();
    // Centred on the keyword (x 20 + 6×5/2 = 35, baseline 220 → ~218).
    assert!((b[0] + b[2] / 2.0 - 35.0).abs() < 0.01, "{b:?}");
    assert!((b[1] + b[3] / 2.0 - 218.25).abs() < 0.01, "{b:?}");
    let p2 = Package::from_bytes(&twice).expect("reads");
    for n in p1.names().filter(|n| !n.ends_with("Signatures.xml")) {
        assert_eq!(
            p2.get(n),
            p1.get(n),
            "{n} unchanged by the second signature"
        );
    }
    // The first signature's files are protected by the second.
    assert!(
        s2.references
            .iter()
            .any(|x| x.file == "Doc_0/Signs/Sign_0/SignedValue.dat")
    );

    // (d) one byte of page 0 changed after sealing.
    let page = p2
        .get("Doc_0/Pages/Page_0/Content.xml")
        .expect("page")
        .to_vec();
    let mut changed = page.clone();
    let at_text = changed
        .windows(3)
        .position(|w| w == "合".as_bytes())
        .expect("text");
    changed[at_text + 2] ^= 0x01;
    let tampered = rezip(&twice, "Doc_0/Pages/Page_0/Content.xml", &changed);
    let r = env.verify(&tampered).await;
    assert_eq!(r.indication, Indication::TotalFailed, "{r:#?}");
    for s in &r.signatures {
        assert_eq!(s.indication, Indication::TotalFailed);
        assert_eq!(s.failed_files, ["Doc_0/Pages/Page_0/Content.xml"], "{s:#?}");
    }
    assert!(
        r.detail.contains("Doc_0/Pages/Page_0/Content.xml"),
        "{}",
        r.detail
    );

    // Placement errors.
    let e = ofd_write::seal_ofd(
        &doc,
        &env.seal,
        env.signer.0.as_ref(),
        &env.signer.1,
        at(5, 0.0, 0.0),
        yinxin::clock::now_secs(),
        None,
    );
    assert!(matches!(e, Err(ofd_write::OfdWriteError::Placement(_))));
    let e = ofd_write::seal_ofd(
        &doc,
        &env.seal,
        env.signer.0.as_ref(),
        &env.signer.1,
        Placement::Keyword("不存在".into()),
        yinxin::clock::now_secs(),
        None,
    );
    assert!(matches!(e, Err(ofd_write::OfdWriteError::Placement(_))));
    assert!(
        ofd_write::seal_ofd(
            b"not a zip",
            &env.seal,
            env.signer.0.as_ref(),
            &env.signer.1,
            at(0, 0.0, 0.0),
            yinxin::clock::now_secs(),
            None,
        )
        .is_err()
    );
    if let Ok(dir) = std::env::var("YINXIN_OFD_OUT") {
        let _ = std::fs::write(std::path::Path::new(&dir).join("sealed-twice.ofd"), &twice);
    }
}

/// A document with custom data (`OFD.xml` `DocInfo`) and an attachment: both read back where
/// GB/T 33190 puts them, sealing protects them, and a changed attachment is named.
#[tokio::test]
async fn custom_data_and_attachments_are_sealed() {
    const ATT: &str = "Doc_0/Attachs/metadata.json";
    let env = seal_env().await;
    let mut doc = sample();
    doc.custom_data = vec![
        ("ZZBS".into(), "1.2.156.3005.2.x".into()),
        ("KZ_MC".into(), "示例 <公司> & \"名称\"".into()),
    ];
    doc.attachments = vec![ofd_write::NewAttachment {
        name: "metadata".into(),
        format: "json".into(),
        file_name: "metadata.json".into(),
        visible: false,
        data: br#"{"ZZBS":"1.2.156.3005.2.x"}"#.to_vec(),
    }];
    let bytes = ofd_write::write_ofd_at(&doc, 1_800_000_000).expect("write");
    let pkg = Package::from_bytes(&bytes).expect("reads");
    let text = |p: &str| String::from_utf8(pkg.get(p).expect(p).to_vec()).unwrap();
    let ofd_xml = text("OFD.xml");
    assert!(
        ofd_xml.contains(
            "</ofd:CreatorVersion><ofd:CustomDatas><ofd:CustomData Name=\"ZZBS\">1.2.156.3005.2.x</ofd:CustomData>\
             <ofd:CustomData Name=\"KZ_MC\">示例 &lt;公司&gt; &amp; &quot;名称&quot;</ofd:CustomData></ofd:CustomDatas></ofd:DocInfo>"
        ),
        "{ofd_xml}"
    );
    let document = text("Doc_0/Document.xml");
    assert!(
        document.ends_with(
            "</ofd:Pages><ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments></ofd:Document>"
        ),
        "{document}"
    );
    let list = text("Doc_0/Attachs/Attachments.xml");
    assert!(
        list.contains(
            "Name=\"metadata\" Format=\"json\" CreationDate=\"2027-01-15T08:00:00\" Size=\"0.026\" \
             Visible=\"false\"><ofd:FileLoc>metadata.json</ofd:FileLoc>"
        ),
        "{list}"
    );
    assert_eq!(pkg.get(ATT), Some(doc.attachments[0].data.as_slice()));
    // A document without them has neither part nor element.
    let plain = Package::from_bytes(&ofd_write::write_ofd(&sample()).unwrap()).unwrap();
    assert!(plain.names().all(|n| !n.contains("Attachs")));
    let plain_doc = String::from_utf8(plain.get("Doc_0/Document.xml").unwrap().to_vec()).unwrap();
    assert!(
        plain_doc.ends_with("</ofd:Pages></ofd:Document>"),
        "{plain_doc}"
    );
    let plain_ofd = String::from_utf8(plain.get("OFD.xml").unwrap().to_vec()).unwrap();
    assert!(!plain_ofd.contains("CustomData"), "{plain_ofd}");
    // Bad input is refused.
    let mut bad = doc.clone();
    bad.attachments[0].file_name = "../x.json".into();
    assert!(ofd_write::write_ofd(&bad).is_err());
    let mut bad = doc.clone();
    bad.custom_data.push(("ZZBS".into(), "again".into()));
    assert!(ofd_write::write_ofd(&bad).is_err());

    // Sealed: every file is protected, the attachment and OFD.xml (custom data) included.
    let sealed = env.seal(&bytes, at(0, 140.0, 230.0));
    let r = env.verify(&sealed).await;
    assert_passed(&r, 1);
    let refs = &r.signatures[0].references;
    for f in [ATT, "Doc_0/Attachs/Attachments.xml", "OFD.xml"] {
        assert!(refs.iter().any(|x| x.file == f && x.ok), "{f}: {refs:#?}");
    }
    // One byte of the attachment changed after sealing: named, TOTAL_FAILED.
    let mut changed = doc.attachments[0].data.clone();
    let last = changed.len() - 3;
    changed[last] = b'y';
    let tampered = rezip(&sealed, ATT, &changed);
    let r = env.verify(&tampered).await;
    assert_eq!(r.indication, Indication::TotalFailed, "{r:#?}");
    assert_eq!(
        r.signatures[0].failed_files,
        [ATT],
        "{:#?}",
        r.signatures[0]
    );
}

#[tokio::test]
async fn seal_a_vendor_ofd() {
    let env = seal_env().await;
    let vendor = fixture("gomain-bw-v4signed.ofd");
    let sealed = env.seal(&vendor, at(0, 100.0, 80.0));
    let before = Package::from_bytes(&vendor).expect("reads");
    let after = Package::from_bytes(&sealed).expect("reads");
    for n in before
        .names()
        .filter(|n| *n != "Doc_0/Signs/Signatures.xml")
    {
        assert_eq!(after.get(n), before.get(n), "{n} unchanged");
    }
    let r = env.verify(&sealed).await;
    assert_eq!(r.signatures.len(), 2, "{r:#?}");
    let vendor_sig = &r.signatures[0];
    assert_eq!(vendor_sig.id, "1");
    assert_eq!(
        refs_ok(vendor_sig),
        (13, 13),
        "{:#?}",
        vendor_sig.references
    );
    assert_eq!(
        vendor_sig.indication,
        Indication::Indeterminate,
        "no anchors for the vendor: {vendor_sig:#?}"
    );
    let ours = &r.signatures[1];
    assert_eq!(ours.id, "2");
    assert_eq!(ours.signature_xml, "Doc_0/Signs/Sign_1/Signature.xml");
    assert_eq!(ours.indication, Indication::TotalPassed, "{ours:#?}");
    let (ok, all) = refs_ok(ours);
    assert_eq!((ok, all), (15, 15), "{:#?}", ours.references);
    let sigs =
        String::from_utf8(after.get("Doc_0/Signs/Signatures.xml").unwrap().to_vec()).unwrap();
    assert!(sigs.contains("<ofd:MaxSignId>2</ofd:MaxSignId>"), "{sigs}");
    if let Ok(dir) = std::env::var("YINXIN_OFD_OUT") {
        let _ = std::fs::write(
            std::path::Path::new(&dir).join("vendor-sealed.ofd"),
            &sealed,
        );
    }
}

/// Type="Sign": a CMS digital signature over Signature.xml, alone and after a seal; both stay
/// valid, the CMS parses as GB/T 35275 SignedData, and a changed page fails both, named.
#[tokio::test]
async fn sign_type_cms_in_ofd() {
    let env = seal_env().await;
    let doc = ofd_write::write_ofd(&sample()).expect("write");
    let signed = env.sign(&doc);
    let r = env.verify(&signed).await;
    assert_passed(&r, 1);
    let s = &r.signatures[0];
    assert_eq!(s.kind, "Sign");
    assert!(s.seal.is_none());
    let p = Package::from_bytes(&signed).expect("reads");
    assert!(p.get("Doc_0/Signs/Sign_0/Seal.esl").is_none());
    let value = p.get("Doc_0/Signs/Sign_0/SignedValue.dat").expect("value");
    let info = yinxin::document::cms::verify_detached(
        value,
        p.get("Doc_0/Signs/Sign_0/Signature.xml").expect("xml"),
    )
    .expect("CMS over Signature.xml");
    assert_eq!(info.signer_cert, env.signer.1);
    let xml = String::from_utf8(
        p.get("Doc_0/Signs/Sign_0/Signature.xml")
            .expect("xml")
            .to_vec(),
    )
    .unwrap();
    assert!(xml.contains("<ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod>"));
    assert!(!xml.contains("StampAnnot") && !xml.contains("<ofd:Seal>"));

    // Seal first, then sign: both valid, the seal's files protected by the signature.
    let both = env.sign(&env.seal(&doc, at(0, 140.0, 230.0)));
    let r = env.verify(&both).await;
    assert_passed(&r, 2);
    let kinds: Vec<&str> = r.signatures.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(kinds, ["Seal", "Sign"]);
    assert!(
        r.signatures[1]
            .references
            .iter()
            .any(|x| x.file == "Doc_0/Signs/Sign_0/Seal.esl")
    );

    // A changed page: both fail, naming it.
    let page = Package::from_bytes(&both)
        .expect("reads")
        .get("Doc_0/Pages/Page_0/Content.xml")
        .expect("page")
        .to_vec();
    let mut changed = page.clone();
    let n = changed.len() - 20;
    changed[n] ^= 0x01;
    let r = env
        .verify(&rezip(&both, "Doc_0/Pages/Page_0/Content.xml", &changed))
        .await;
    assert_eq!(r.indication, Indication::TotalFailed, "{r:#?}");
    for s in &r.signatures {
        assert_eq!(s.failed_files, ["Doc_0/Pages/Page_0/Content.xml"], "{s:#?}");
    }
    // The CMS signature value itself changed: the Sign signature fails on its value.
    let mut bad = Package::from_bytes(&signed)
        .expect("reads")
        .get("Doc_0/Signs/Sign_0/SignedValue.dat")
        .expect("value")
        .to_vec();
    let n = bad.len() - 3;
    bad[n] ^= 0x01;
    let r = env
        .verify(&rezip(&signed, "Doc_0/Signs/Sign_0/SignedValue.dat", &bad))
        .await;
    assert_eq!(r.indication, Indication::TotalFailed, "{r:#?}");
}

/// Every vendor OFD can be sealed and signed by us: our two new signatures pass, every file
/// that was there keeps its bytes (but Signatures.xml), and the vendor's own signatures keep
/// the result they had before. A package whose signature protects Signatures.xml itself
/// (Tongzhiweiye's last signature) is refused: another signature would invalidate it.
#[tokio::test]
async fn seal_and_sign_every_vendor_ofd() {
    let env = seal_env().await;
    for name in VENDOR_OFDS {
        let vendor = fixture(name);
        let before_report = env.verify(&vendor).await;
        let sealed = env.seal(&vendor, at(0, 10.0, 10.0));
        let both = ofd_write::sign_ofd(
            &sealed,
            env.signer.0.as_ref(),
            &env.signer.1,
            &env.intermediates,
            yinxin::clock::now_secs(),
            None,
        )
        .unwrap_or_else(|e| panic!("{name}: sign_ofd: {e}"));
        let before = Package::from_bytes(&vendor).expect("reads");
        let after = Package::from_bytes(&both).expect("reads");
        for n in before.names().filter(|n| !n.ends_with("Signatures.xml")) {
            assert_eq!(after.get(n), before.get(n), "{name}: {n} unchanged");
        }
        let r = env.verify(&both).await;
        let k = before_report.signatures.len();
        assert_eq!(r.signatures.len(), k + 2, "{name}: {r:#?}");
        for (old, new) in before_report.signatures.iter().zip(&r.signatures) {
            assert_eq!(
                (old.indication, &old.failed_files),
                (new.indication, &new.failed_files),
                "{name}: vendor signature {}",
                old.id
            );
        }
        for ours in &r.signatures[k..] {
            assert_eq!(
                ours.indication,
                Indication::TotalPassed,
                "{name}: {ours:#?}"
            );
        }
        // Our last signature protects every file the vendor's left unprotected.
        assert!(r.unprotected.is_empty(), "{name}: {:?}", r.unprotected);
    }
    let e = ofd_write::seal_ofd(
        &fixture("tongzhiweiye-raw64-cms-tampered.ofd"),
        &env.seal,
        env.signer.0.as_ref(),
        &env.signer.1,
        at(0, 10.0, 10.0),
        yinxin::clock::now_secs(),
        None,
    )
    .expect_err("a signature protects Signatures.xml");
    assert!(
        e.to_string().contains("Signatures.xml") && e.to_string().contains("invalidate"),
        "{e}"
    );
}

/// A stamp goes on its page: an explicit position must put the whole stamp inside the page's
/// PhysicalBox (the page's own, else the document's PageArea), naming `x` or `y` otherwise;
/// NaN and infinities are refused; a stamp centred on a keyword near an edge is moved onto the
/// page; a page whose size is unknown or smaller than the stamp cannot be stamped.
#[tokio::test]
async fn stamp_positions_are_bounded_to_the_page() {
    let env = seal_env().await;
    let picture = yinxin::seal::Seal::from_der(&env.seal.der).unwrap().picture;
    let (w, h) = (picture.width_mm as f64, picture.height_mm as f64);
    let text = |x: f64, y: f64, t: &str| Item::Text {
        x_mm: x,
        y_mm: y,
        size_mm: 5.0,
        text: t.into(),
        font_name: "宋体".into(),
    };
    let page = |width_mm: f64, height_mm: f64, items: Vec<Item>| NewPage {
        width_mm,
        height_mm,
        items,
    };
    let doc = ofd_write::write_ofd(&NewDocument {
        pages: vec![
            page(210.0, 297.0, vec![text(195.0, 290.0, "盖章")]),
            page(100.0, 100.0, vec![]),
            page(20.0, 20.0, vec![]),
        ],
        ..Default::default()
    })
    .unwrap();
    let seal = |pkg: &[u8], p: Placement| {
        ofd_write::seal_ofd(
            pkg,
            &env.seal,
            env.signer.0.as_ref(),
            &env.signer.1,
            p,
            yinxin::clock::now_secs(),
            None,
        )
    };
    let position = |r: Result<Vec<u8>, ofd_write::OfdWriteError>| match r {
        Err(ofd_write::OfdWriteError::Position { field, reason }) => (field, reason),
        other => panic!(
            "expected a position error, got {:?}",
            other.map(|v| v.len())
        ),
    };
    // The tester's case: 1e308 (an invisible stamp) and the non-numbers.
    let (f, why) = position(seal(&doc, at(0, 1e308, 10.0)));
    assert_eq!(f, "x");
    assert!(
        why.contains("= 1e308 mm") && why.contains("off page 1 (210 × 297 mm)"),
        "{why}"
    );
    let (f, why) = position(seal(&doc, at(0, 10.0, f64::NAN)));
    assert_eq!((f, why.as_str()), ("y", "is not a finite number"));
    let (f, _) = position(seal(&doc, at(0, f64::NEG_INFINITY, 10.0)));
    assert_eq!(f, "x");
    let (f, _) = position(seal(&doc, at(0, -0.5, 10.0)));
    assert_eq!(f, "x");
    // Page 2 has its own size: 100 × 100 mm.
    let (f, why) = position(seal(&doc, at(1, 100.0 - w + 0.5, 10.0)));
    assert_eq!(f, "x");
    assert!(why.contains("page 2 (100 × 100 mm)"), "{why}");
    let (f, _) = position(seal(&doc, at(1, 10.0, 100.0 - h + 0.5)));
    assert_eq!(f, "y");
    // Exactly at the far corner is on the page.
    let ok = seal(&doc, at(1, 100.0 - w, 100.0 - h)).expect("on the page");
    let sig = signature_xml(&ok);
    assert!(
        sig.contains(&format!("Boundary=\"{} {} {w} {h}\"", 100.0 - w, 100.0 - h)),
        "{sig}"
    );
    // A page smaller than the stamp.
    match seal(&doc, at(2, 0.0, 0.0)) {
        Err(ofd_write::OfdWriteError::Placement(m)) => {
            assert!(m.contains("larger than page 3 (20 × 20 mm)"), "{m}")
        }
        other => panic!("{:?}", other.map(|v| v.len())),
    }
    // A keyword at the bottom-right corner: the stamp is moved onto the page.
    let sealed = seal(&doc, Placement::Keyword("盖章".into())).expect("keyword");
    let sig = signature_xml(&sealed);
    assert!(
        sig.contains(&format!("Boundary=\"{} {} {w} {h}\"", 210.0 - w, 297.0 - h)),
        "{sig}"
    );
    let r = env.verify(&sealed).await;
    assert_eq!(r.indication, Indication::TotalPassed, "{}", r.detail);
    // No PhysicalBox anywhere: the page size is unknown, nothing is placed.
    let p = Package::from_bytes(&doc).unwrap();
    let strip = |path: &str, from: &str, to: &str| {
        String::from_utf8(p.get(path).unwrap().to_vec())
            .unwrap()
            .replace(from, to)
    };
    let document = strip(
        "Doc_0/Document.xml",
        "<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>",
        "",
    );
    let content = strip(
        "Doc_0/Pages/Page_0/Content.xml",
        "<ofd:Area><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:Area>",
        "",
    );
    assert!(!document.contains("PhysicalBox") && !content.contains("PhysicalBox"));
    let no_size = rezip(
        &rezip(&doc, "Doc_0/Document.xml", document.as_bytes()),
        "Doc_0/Pages/Page_0/Content.xml",
        content.as_bytes(),
    );
    match seal(&no_size, at(0, 10.0, 10.0)) {
        Err(ofd_write::OfdWriteError::Placement(m)) => {
            assert!(m.contains("size of page 1 is unknown"), "{m}")
        }
        other => panic!("{:?}", other.map(|v| v.len())),
    }
}

/// The Signature.xml of the first signature we added.
fn signature_xml(pkg: &[u8]) -> String {
    let p = Package::from_bytes(pkg).unwrap();
    String::from_utf8(p.get("Doc_0/Signs/Sign_0/Signature.xml").unwrap().to_vec()).unwrap()
}

/// `text` with what lies between each `open` and the next `close` replaced by `*`.
fn mask_between(text: &str, open: &str, close: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(open) {
        let from = i + open.len();
        let Some(j) = rest[from..].find(close) else {
            break;
        };
        out.push_str(&rest[..from]);
        out.push('*');
        rest = &rest[from + j..];
    }
    out.push_str(rest);
    out
}

/// The SM3 (hex) of every XML part of `after` that `before` lacks or has with other bytes,
/// masked: the crate version, SignatureDateTime and (with `check_values`) every CheckValue.
fn changed_xml(case: &str, before: &[u8], after: &[u8], check_values: bool) -> Vec<String> {
    let b = (!before.is_empty()).then(|| Package::from_bytes(before).expect("reads"));
    let a = Package::from_bytes(after).expect("reads");
    let mut out = Vec::new();
    for n in a.names().filter(|n| n.ends_with(".xml")) {
        let bytes = a.get(n).expect("part");
        if b.as_ref().and_then(|b| b.get(n)) == Some(bytes) {
            continue;
        }
        let text = String::from_utf8_lossy(bytes).replace(env!("CARGO_PKG_VERSION"), "VERSION");
        let mut text = mask_between(&text, "<ofd:SignatureDateTime>", "<");
        if check_values {
            text = mask_between(&text, "<ofd:CheckValue>", "<");
        }
        out.push(format!(
            "{case} {n} {}",
            hex::encode(yinxin::crypto::sm3(text.as_bytes()))
        ));
    }
    out
}

/// What our writer writes keeps its bytes (a change of the XML layer must not alter them):
/// every XML part of `sample()`, and every XML part added or changed by sealing it (at a
/// keyword, then at a position), by sealing each vendor OFD and by signing it. Masked: the
/// random DocID (fixed before sealing), the crate version, SignatureDateTime (the seal is only
/// valid around now) and, after a signature of ours, the CheckValues (its value is random).
/// After an intended change of the output, replace the list by the one the failure prints.
#[tokio::test]
async fn written_xml_keeps_its_bytes() {
    const EXPECTED: &[&str] = &[
        "written Doc_0/Document.xml e293202fd19833bf5d046d7de374a66d047d83d6f2eba40e5e79d4643ee6fc46",
        "written Doc_0/DocumentRes.xml 21692115427ba924fa2e54fbd88808526271a00c7e595d823522fc773945b1bc",
        "written Doc_0/Pages/Page_0/Content.xml ec0e909e839489b546ed7c686d7a787cef7f34f7251850cf4ec24428cbd54f3c",
        "written Doc_0/Pages/Page_1/Content.xml 4f00ed1279fde6f89657aac8054e59feb71b20776f3cf169573d2b10f1f24087",
        "written Doc_0/PublicRes.xml 6f0abe51e54d39796a13b5da69fc14f47c159a02bad040fea43968d4eaee5f4b",
        "written OFD.xml 8d87d5d5ced81a5a6a1b8cb7c92fd2b1e1cad5233e8caa003b6a68d6303a01e0",
        "sealed Doc_0/Signs/Sign_0/Signature.xml 0b00624f18a682dd920bc9118fdc4c0a5de97b7e7ef4f00683a57dfb104998b2",
        "sealed Doc_0/Signs/Signatures.xml 370294a7fd9defa815d6c6763d08dd7e8baa5cd37643e98450f9c2fb746aef6a",
        "sealed OFD.xml 15a977cf6330d993d652179fdad352333598c7db4a501a976788a04c0b7839e0",
        "twice Doc_0/Signs/Sign_1/Signature.xml c822252fd5e88671e3eb0b216813f8b96c2fcd9479fd70e173ca2060e20822aa",
        "twice Doc_0/Signs/Signatures.xml dc30b39c757cc4acb1e9f3716b9beed0a9d3e92d66246faf1833b3fb7a04d187",
        "signed Doc_0/Signs/Sign_0/Signature.xml 2897742b9f5d617c82d4b60b4a863065ff782f5d648d37d4495ec3e2c6cabd13",
        "signed Doc_0/Signs/Signatures.xml f141c2c49db52a83ebf42fcc4d784eb031db696bda21bc99c5c184acec9300d2",
        "signed OFD.xml 15a977cf6330d993d652179fdad352333598c7db4a501a976788a04c0b7839e0",
        "dms360-v1-reserialised.ofd+seal Doc_0/Sign_0/Signature.xml e5b93acf7febb6e5b534ff21052cfbf4119ccfd04169118becf04ee566746570",
        "dms360-v1-reserialised.ofd+seal Doc_0/Signatures.xml 76f828ade7ccebcc1099456561a6de319cca5c538eaec851fe9713cb3b126423",
        "dms360-v1-reserialised.ofd+sign Doc_0/Sign_0/Signature.xml d222be6703546a333b6a209516509aa852dd7494f454e99986a07c582eb51be1",
        "dms360-v1-reserialised.ofd+sign Doc_0/Signatures.xml f5fbd90ecee9b9ad335720556d9d4f2304467f537c8acf0170daba0deb884fc4",
        "gomain-bw-v4signed.ofd+seal Doc_0/Signs/Sign_1/Signature.xml babc287fb8f19f9618715a10ab6765716622fb477878abee7f40680de90d8299",
        "gomain-bw-v4signed.ofd+seal Doc_0/Signs/Signatures.xml 0b1ab002141518192bdc6faf329ea9d65d199385188dd03653257da605382860",
        "gomain-bw-v4signed.ofd+sign Doc_0/Signs/Sign_1/Signature.xml 05d16ed119796c02899ec419e5bd0d610b8523e8c1dbc8398d9bc620397782dc",
        "gomain-bw-v4signed.ofd+sign Doc_0/Signs/Signatures.xml 81a0858726ffb6507b9e20e4bc18a9bdd90cc7955563a94dc9522ff200c47da6",
        "gomain-tax-invoice.ofd+seal Doc_0/Signs/Sign_1/Signature.xml 9660dbfe4dff2495a6c02bc066f6ab87b59e104e7af36de1dc17367c1f4d58c7",
        "gomain-tax-invoice.ofd+seal Doc_0/Signs/Signatures.xml 15a491e328a09f27ba3c21532f64b93859cc5ee5261f658406e092b89fbff7a9",
        "gomain-tax-invoice.ofd+sign Doc_0/Signs/Sign_1/Signature.xml 6607d2426a0e0ff9647ec5fa7547826272df1d35ecff5e6cbcfd8bcea14e0a49",
        "gomain-tax-invoice.ofd+sign Doc_0/Signs/Signatures.xml 33d68636c875f6944babf959e673b33d6de11110d8c40830f32ceb922a8cbec1",
        "kinggrid-gomain-invoice.ofd+seal Doc_0/Signs/Sign_1/Signature.xml 35a3e5f7af328e5b93507f1878aa1766e9d60e980e7bfd0570d4023d52566749",
        "kinggrid-gomain-invoice.ofd+seal Doc_0/Signs/Signatures.xml 503b526bf876983fee7645be1196e8a82687ef38eb3e79a6e2bbfa10b2f2cafa",
        "kinggrid-gomain-invoice.ofd+sign Doc_0/Signs/Sign_1/Signature.xml 91748a4ae56306148607d557e3a4d91ee7cf2fdb993a751ce37b5f41808dac36",
        "kinggrid-gomain-invoice.ofd+sign Doc_0/Signs/Signatures.xml 3569c4af5659f8b5c9fb66afdbb97120b5076b476deb7c112a73a08c464f7f46",
    ];
    let env = seal_env().await;
    let written = ofd_write::write_ofd_at(&sample(), 1_767_225_600).expect("write");
    let ofd_xml = String::from_utf8(
        Package::from_bytes(&written)
            .expect("reads")
            .get("OFD.xml")
            .expect("OFD.xml")
            .to_vec(),
    )
    .unwrap();
    let ofd_xml = mask_between(&ofd_xml, "<ofd:DocID>", "<");
    let written = rezip(&written, "OFD.xml", ofd_xml.as_bytes());
    let mut got = changed_xml("written", &[], &written, false);
    let once = env.seal(&written, Placement::Keyword("乙方".into()));
    got.extend(changed_xml("sealed", &written, &once, false));
    let twice = env.seal(&once, at(0, 140.0, 230.0));
    got.extend(changed_xml("twice", &once, &twice, true));
    got.extend(changed_xml("signed", &written, &env.sign(&written), false));
    for name in VENDOR_OFDS {
        let vendor = fixture(name);
        let sealed = env.seal(&vendor, at(0, 10.0, 10.0));
        got.extend(changed_xml(
            &format!("{name}+seal"),
            &vendor,
            &sealed,
            false,
        ));
        let signed = env.sign(&vendor);
        got.extend(changed_xml(
            &format!("{name}+sign"),
            &vendor,
            &signed,
            false,
        ));
    }
    assert_eq!(got, EXPECTED, "\n{}", got.join("\n"));
}
