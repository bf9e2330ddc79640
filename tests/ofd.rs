//! OFD packages: real vendors' signed invoices verify as `fixtures/interop/EXPECTED.md` says
//! (references, TBS, seal, data hash; chains INDETERMINATE without anchors), and hostile
//! packages (zip bombs, traversal, duplicates, too many entries, deep XML, missing parts) give
//! a clear error or a FAILED / INDETERMINATE report, never a panic.

use std::io::Write as _;
use yinxin::document::ofd::coverage::{self, UnprotectedPart};
use yinxin::document::ofd::{self, OfdError, OfdReport, Package, SignatureReport};
use yinxin::seal::verify::VerifyOptions;
use yinxin::verify::context::Context;
use yinxin::verify::path::RevocationMode;
use yinxin::verify::report::{Indication, SubIndication};

fn fixture(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/interop")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn opts() -> VerifyOptions<'static> {
    VerifyOptions {
        context: Context::builder().revocation(RevocationMode::Off).shared(),
        trust: None,
        registry: None,
        data: None,
        now: 1_650_000_000,
    }
}

async fn verify(bytes: &[u8]) -> OfdReport {
    ofd::verify(bytes, &opts()).await
}

fn step<'a>(s: &'a SignatureReport, name: &str) -> &'a str {
    s.seal
        .as_ref()
        .and_then(|r| r.steps.iter().find(|st| st.name == name))
        .map_or("absent", |st| st.outcome.as_str())
}

fn refs_ok(s: &SignatureReport) -> (usize, usize) {
    (
        s.references.iter().filter(|r| r.ok).count(),
        s.references.len(),
    )
}

fn assert_seal_core_passes(s: &SignatureReport) {
    for name in ["signature-value", "seal-maker-signature", "data"] {
        assert_eq!(
            step(s, name),
            "passed",
            "step {name} of signature {}: {:#?}",
            s.id,
            s.seal
        );
    }
}

#[tokio::test]
async fn gomain_tax_invoice() {
    let r = verify(&fixture("gomain-tax-invoice.ofd")).await;
    assert_eq!(r.signatures.len(), 1, "{r:#?}");
    let s = &r.signatures[0];
    assert_eq!(s.kind, "Seal");
    assert_eq!(s.signature_xml, "Doc_0/Signs/Sign_0/Signature.xml");
    assert_eq!(refs_ok(s), (13, 13), "{:#?}", s.references);
    assert!(s.failed_files.is_empty());
    assert_seal_core_passes(s);
    assert_ne!(r.indication, Indication::TotalPassed, "no anchors: {r:#?}");
    assert_ne!(r.indication, Indication::TotalFailed, "{r:#?}");
    let info = s.info.as_ref().expect("Signature.xml info");
    assert_eq!(
        info.signature_date_time.as_deref(),
        Some("20200723130907.763Z")
    );
    assert_eq!(info.provider.name.as_deref(), Some("gomain_eseal"));
    assert_eq!(info.stamp_annots.len(), 1);
    // Coverage: the root, the page and every other file protected.
    assert!(s.uncovered.is_empty(), "{:?}", s.uncovered);
    assert!(r.unprotected.is_empty() && r.warnings.is_empty(), "{r:#?}");
    // The report serializes.
    let j = serde_json::to_value(&r).expect("json");
    assert!(j["signatures"][0]["references"].is_array());
}

#[tokio::test]
async fn kinggrid_gomain_invoice() {
    let r = verify(&fixture("kinggrid-gomain-invoice.ofd")).await;
    assert_eq!(r.signatures.len(), 1, "{r:#?}");
    let s = &r.signatures[0];
    // BaseLoc="Sign_0/Signature.xml" is relative to Signatures.xml's folder.
    assert_eq!(s.signature_xml, "Doc_0/Signs/Sign_0/Signature.xml");
    assert_eq!(refs_ok(s), (20, 20), "{:#?}", s.references);
    assert_seal_core_passes(s);
    assert_ne!(r.indication, Indication::TotalPassed);
    assert_ne!(r.indication, Indication::TotalFailed, "{r:#?}");
    assert!(
        r.tolerated.iter().any(|t| t.contains("data descriptor")),
        "{:?}",
        r.tolerated
    );
    // Root and all five pages protected; OFD.xml (the invoice metadata in CustomData) is not:
    // reported with a warning, the indication unchanged.
    assert!(s.uncovered.is_empty(), "{:?}", s.uncovered);
    assert_eq!(
        r.unprotected,
        [UnprotectedPart {
            file: "OFD.xml".into(),
            role: coverage::METADATA.into()
        }]
    );
    assert_eq!(r.warnings.len(), 1);
    assert!(r.warnings[0].contains("OFD.xml"), "{:?}", r.warnings);
}

#[tokio::test]
async fn gomain_bw_v4signed() {
    let r = verify(&fixture("gomain-bw-v4signed.ofd")).await;
    assert_eq!(r.signatures.len(), 1, "{r:#?}");
    let s = &r.signatures[0];
    assert_eq!(refs_ok(s), (13, 13), "{:#?}", s.references);
    assert_seal_core_passes(s);
    assert_ne!(r.indication, Indication::TotalFailed, "{r:#?}");
    // Everything protected; Document.xml names its template `TPLS/Tpl_0/...` for the entry
    // `Doc_0/Tpls/Tpl_0/...` (tolerated).
    assert!(s.uncovered.is_empty() && r.unprotected.is_empty(), "{r:#?}");
    assert!(
        r.tolerated
            .iter()
            .any(|t| t.contains("TPLS/Tpl_0/Content.xml") && t.contains("case")),
        "{:?}",
        r.tolerated
    );
}

#[tokio::test]
async fn tongzhiweiye_tampered_with_cms() {
    let r = verify(&fixture("tongzhiweiye-raw64-cms-tampered.ofd")).await;
    assert_eq!(r.indication, Indication::TotalFailed, "{r:#?}");
    assert_eq!(r.sub_indication, Some(SubIndication::SigCryptoFailure));
    assert_eq!(r.signatures.len(), 2);
    let want = [
        "Doc_0/Document.xml",
        "Doc_0/Pages/Page_0/Content.xml",
        "OFD.xml",
    ];
    let seal = r
        .signatures
        .iter()
        .find(|s| s.kind == "Seal")
        .expect("the Seal signature");
    let mut failed = seal.failed_files.clone();
    failed.sort();
    assert_eq!(failed, want);
    assert_eq!(refs_ok(seal), (4, 7));
    assert_seal_core_passes(seal);
    assert_eq!(seal.indication, Indication::TotalFailed);
    assert!(seal.detail.contains("OFD.xml"), "{}", seal.detail);
    // The CMS signature: its value verifies (EXPECTED.md: CMS ✔) but its chain leads to a root we
    // do not hold (INDETERMINATE); its references fail on the same files.
    let cms = r
        .signatures
        .iter()
        .find(|s| s.kind == "Sign")
        .expect("the CMS signature");
    assert_eq!(cms.value_indication, Indication::Indeterminate);
    assert!(
        cms.detail.contains("signature valid") && cms.detail.contains("no path to a trust anchor"),
        "{}",
        cms.detail
    );
    assert!(cms.seal.is_none());
    let mut failed = cms.failed_files.clone();
    failed.sort();
    assert_eq!(failed, want);
    // Quirks: OFD.xml in http://www.ofdspec.org, MaxSignId "s4", CheckMethod "SM3".
    assert!(
        r.tolerated
            .iter()
            .any(|t| t.contains("http://www.ofdspec.org"))
    );
    assert!(r.tolerated.iter().any(|t| t.contains("MaxSignId")));
    assert!(seal.tolerated.iter().any(|t| t.contains("\"SM3\"")));
    // Neither signature protects the resource lists nor the embedded font they name.
    let unprotected: Vec<(&str, &str)> = r
        .unprotected
        .iter()
        .map(|u| (u.file.as_str(), u.role.as_str()))
        .collect();
    assert_eq!(
        unprotected,
        [
            ("Doc_0/DocumentRes.xml", coverage::RESOURCES),
            ("Doc_0/PublicRes.xml", coverage::RESOURCES),
            ("Doc_0/Res/Font7.ttf", coverage::RESOURCE_FILE),
        ]
    );
    assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
    assert!(seal.uncovered.is_empty() && cms.uncovered.is_empty());
}

#[tokio::test]
async fn dms360_reserialised() {
    let r = verify(&fixture("dms360-v1-reserialised.ofd")).await;
    assert_eq!(r.indication, Indication::TotalFailed, "{r:#?}");
    let s = &r.signatures[0];
    // No Type: Seal by default.
    assert_eq!(s.kind, "Seal");
    assert_eq!(refs_ok(s), (0, 6));
    assert_eq!(s.failed_files.len(), 6);
    assert_eq!(step(s, "seal-maker-signature"), "passed", "{:#?}", s.seal);
    assert_eq!(step(s, "signature-value"), "failed");
    assert_eq!(step(s, "data"), "failed");
    let info = s.info.as_ref().expect("info");
    assert_eq!(info.provider.company.as_deref(), Some("dms360.cn"));
    assert_eq!(
        info.signature_date_time.as_deref(),
        Some("2020-01-25 15:31:56")
    );
    assert_eq!(
        info.seal_base_loc.as_deref(),
        Some("/Doc_0/Signs/Sign_0/Seal.esl")
    );
    assert!(s.tolerated.iter().any(|t| t.contains("Provider")));
    assert!(
        s.tolerated
            .iter()
            .any(|t| t.contains("1.2.156.10197.1.401.2"))
    );
    // It protects every file (its own Signatures.xml at Doc_0/ is signature machinery).
    assert!(s.uncovered.is_empty() && r.unprotected.is_empty(), "{r:#?}");
}

// ---------------------------------------------------------------------------------------------
// Packages built here
// ---------------------------------------------------------------------------------------------

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// One stored entry; `claim` overrides (compressed, uncompressed) sizes in the headers.
struct Raw<'a> {
    name: &'a str,
    data: &'a [u8],
    descriptor: bool,
    claim: Option<(u32, u32)>,
}

fn raw<'a>(name: &'a str, data: &'a [u8]) -> Raw<'a> {
    Raw {
        name,
        data,
        descriptor: false,
        claim: None,
    }
}

/// A hand-made zip of stored entries (duplicates and unsafe names allowed).
fn raw_zip(entries: &[Raw<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let crc = crc32(e.data);
        let (csize, usize) = e
            .claim
            .unwrap_or((e.data.len() as u32, e.data.len() as u32));
        let flags: u16 = if e.descriptor { 0x08 } else { 0 };
        let name = e.name.as_bytes();
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // stored
        out.extend_from_slice(&[0, 0, 0x21, 0]); // time, date
        if e.descriptor {
            out.extend_from_slice(&[0; 12]);
        } else {
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&csize.to_le_bytes());
            out.extend_from_slice(&usize.to_le_bytes());
        }
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name);
        out.extend_from_slice(e.data);
        if e.descriptor {
            out.extend_from_slice(b"PK\x07\x08");
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&csize.to_le_bytes());
            out.extend_from_slice(&usize.to_le_bytes());
        }
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&flags.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&[0, 0, 0x21, 0]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&csize.to_le_bytes());
        central.extend_from_slice(&usize.to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]); // extra, comment, disk, internal, external
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let cd_offset = out.len() as u32;
    let n = entries.len() as u16;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// The files of a fixture, with some replaced (`Some`) or removed (`None`).
fn rebuilt(name: &str, changes: &[(&str, Option<&[u8]>)]) -> Vec<u8> {
    let pkg = Package::from_bytes(&fixture(name)).expect("fixture reads");
    let mut files: Vec<(String, Vec<u8>)> = pkg
        .names()
        .map(|n| (n.to_string(), pkg.get(n).unwrap_or_default().to_vec()))
        .collect();
    for (path, change) in changes {
        match change {
            Some(data) => {
                if let Some(f) = files.iter_mut().find(|(n, _)| n == path) {
                    f.1 = data.to_vec();
                } else {
                    files.push((path.to_string(), data.to_vec()));
                }
            }
            None => files.retain(|(n, _)| n != path),
        }
    }
    let entries: Vec<Raw<'_>> = files.iter().map(|(n, d)| raw(n, d)).collect();
    raw_zip(&entries)
}

const OFD_XML_NO_SIGS: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>
<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.1"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#;

#[test]
fn package_reading_and_paths() {
    let pkg = Package::from_bytes(&fixture("gomain-tax-invoice.ofd")).expect("reads");
    assert!(pkg.get("OFD.xml").is_some());
    assert!(pkg.get("/Doc_0/Document.xml").is_some());
    assert!(
        pkg.names()
            .all(|n| !n.starts_with('/') && !n.ends_with('/'))
    );
    assert_eq!(
        pkg.resolve("Doc_0/Signs/Signatures.xml", "Sign_0/Signature.xml")
            .as_deref(),
        Some("Doc_0/Signs/Sign_0/Signature.xml")
    );
    assert_eq!(
        pkg.resolve("Doc_0/Signs/Sign_0/Signature.xml", "/Doc_0/PublicRes.xml")
            .as_deref(),
        Some("Doc_0/PublicRes.xml")
    );
    assert_eq!(pkg.resolve("OFD.xml", "../../etc/passwd"), None);
}

#[tokio::test]
async fn junk_before_the_zip_is_tolerated() {
    let mut bytes = b"JUNK\x00\x01 some vendor header ".repeat(20);
    bytes.extend_from_slice(&fixture("gomain-tax-invoice.ofd"));
    let r = verify(&bytes).await;
    assert!(r.tolerated.iter().any(|t| t.contains("junk")), "{r:#?}");
    assert_eq!(refs_ok(&r.signatures[0]), (13, 13));
    assert_seal_core_passes(&r.signatures[0]);
}

#[test]
fn stored_entries_with_data_descriptors() {
    let mut e = raw("OFD.xml", OFD_XML_NO_SIGS);
    e.descriptor = true;
    let pkg = Package::from_bytes(&raw_zip(&[e])).expect("reads");
    assert_eq!(pkg.get("OFD.xml"), Some(OFD_XML_NO_SIGS));
    assert!(
        pkg.tolerated()
            .iter()
            .any(|t| t.contains("data descriptor"))
    );
}

#[tokio::test]
async fn tampered_file_is_named() {
    let name = "gomain-tax-invoice.ofd";
    let pkg = Package::from_bytes(&fixture(name)).expect("reads");
    let mut content = pkg
        .get("Doc_0/Pages/Page_0/Content.xml")
        .expect("page")
        .to_vec();
    content.extend_from_slice(b"\n");
    let r = verify(&rebuilt(
        name,
        &[("Doc_0/Pages/Page_0/Content.xml", Some(&content))],
    ))
    .await;
    assert_eq!(r.indication, Indication::TotalFailed);
    assert_eq!(
        r.signatures[0].failed_files,
        ["Doc_0/Pages/Page_0/Content.xml"]
    );
    assert_seal_core_passes(&r.signatures[0]);
}

#[tokio::test]
async fn missing_protected_file_is_a_failed_reference() {
    let r = verify(&rebuilt(
        "gomain-tax-invoice.ofd",
        &[("Doc_0/PublicRes.xml", None)],
    ))
    .await;
    assert_eq!(r.indication, Indication::TotalFailed);
    let s = &r.signatures[0];
    assert_eq!(s.failed_files, ["Doc_0/PublicRes.xml"]);
    assert!(
        s.references
            .iter()
            .any(|x| !x.ok && x.detail.contains("missing"))
    );
}

#[tokio::test]
async fn missing_parts() {
    // No OFD.xml.
    let r = verify(&rebuilt("gomain-tax-invoice.ofd", &[("OFD.xml", None)])).await;
    assert_eq!(r.indication, Indication::TotalFailed);
    assert_eq!(r.sub_indication, Some(SubIndication::FormatFailure));
    assert!(r.detail.contains("missing part: OFD.xml"), "{}", r.detail);

    // No Signatures.xml although OFD.xml names it.
    let r = verify(&rebuilt(
        "gomain-tax-invoice.ofd",
        &[("Doc_0/Signs/Signatures.xml", None)],
    ))
    .await;
    assert_eq!(r.indication, Indication::TotalFailed);
    assert!(r.detail.contains("Signatures.xml"), "{}", r.detail);

    // No Signature.xml.
    let r = verify(&rebuilt(
        "gomain-tax-invoice.ofd",
        &[("Doc_0/Signs/Sign_0/Signature.xml", None)],
    ))
    .await;
    assert_eq!(r.indication, Indication::TotalFailed);
    assert!(
        r.signatures[0].detail.contains("missing part"),
        "{}",
        r.signatures[0].detail
    );

    // No SignedValue.dat.
    let r = verify(&rebuilt(
        "gomain-tax-invoice.ofd",
        &[("Doc_0/Signs/Sign_0/SignedValue.dat", None)],
    ))
    .await;
    assert_eq!(r.indication, Indication::TotalFailed);
    let s = &r.signatures[0];
    assert!(s.detail.contains("SignedValue"), "{}", s.detail);
    assert_eq!(refs_ok(s), (13, 13));

    // SignedValue.dat renamed SignValue.dat (as some vendors name it): found and tolerated.
    let pkg = Package::from_bytes(&fixture("gomain-tax-invoice.ofd")).expect("reads");
    let value = pkg
        .get("Doc_0/Signs/Sign_0/SignedValue.dat")
        .expect("value")
        .to_vec();
    let r = verify(&rebuilt(
        "gomain-tax-invoice.ofd",
        &[
            ("Doc_0/Signs/Sign_0/SignedValue.dat", None),
            ("Doc_0/Signs/Sign_0/SignValue.dat", Some(&value)),
        ],
    ))
    .await;
    let s = &r.signatures[0];
    assert!(s.tolerated.iter().any(|t| t.contains("SignValue.dat")));
    assert_seal_core_passes(s);
}

#[tokio::test]
async fn no_signatures_is_indeterminate() {
    let r = verify(&raw_zip(&[raw("OFD.xml", OFD_XML_NO_SIGS)])).await;
    assert_eq!(r.indication, Indication::Indeterminate);
    assert!(r.signatures.is_empty());
    assert!(r.detail.contains("no signatures"), "{}", r.detail);
}

#[tokio::test]
async fn deeply_nested_xml() {
    let mut xml = String::from(r#"<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016">"#);
    xml.push_str(&"<a>".repeat(10_000));
    xml.push_str(&"</a>".repeat(10_000));
    xml.push_str("</ofd:OFD>");
    let r = verify(&raw_zip(&[raw("OFD.xml", xml.as_bytes())])).await;
    assert_eq!(r.indication, Indication::TotalFailed);
    assert!(r.detail.contains("nested deeper"), "{}", r.detail);
}

#[tokio::test]
async fn external_entities_are_not_resolved() {
    let xml = br#"<?xml version="1.0"?><!DOCTYPE ofd:OFD [<!ENTITY x SYSTEM "file:///etc/passwd">]><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:Signatures>&x;</ofd:Signatures></ofd:DocBody></ofd:OFD>"#;
    let r = verify(&raw_zip(&[raw("OFD.xml", xml)])).await;
    assert_eq!(r.indication, Indication::TotalFailed);
    assert!(r.detail.contains("bad XML"), "{}", r.detail);
}

#[test]
fn not_a_zip() {
    assert!(matches!(
        Package::from_bytes(b"this is not a zip at all"),
        Err(OfdError::NotZip(_))
    ));
    assert!(matches!(Package::from_bytes(b""), Err(OfdError::NotZip(_))));
}

#[test]
fn path_traversal_is_rejected() {
    for name in [
        "../evil",
        "Doc_0/../../evil",
        "/etc/passwd",
        "C:/evil",
        "Doc_0\\evil",
    ] {
        let z = raw_zip(&[raw("OFD.xml", OFD_XML_NO_SIGS), raw(name, b"x")]);
        let e = Package::from_bytes(&z).expect_err(name);
        assert!(matches!(e, OfdError::Traversal { .. }), "{name}: {e}");
        assert!(e.to_string().contains("not a safe relative path"));
    }
}

#[test]
fn duplicate_names_are_rejected() {
    let z = raw_zip(&[
        raw("OFD.xml", OFD_XML_NO_SIGS),
        raw("Doc_0/a.xml", b"one"),
        raw("Doc_0/a.xml", b"two"),
    ]);
    let e = Package::from_bytes(&z).expect_err("duplicate");
    assert!(
        matches!(e, OfdError::Duplicate(ref n) if n == "Doc_0/a.xml"),
        "{e}"
    );
    // Names equal once normalized.
    let z = raw_zip(&[raw("Doc_0/a.xml", b"one"), raw("Doc_0/./a.xml", b"two")]);
    let e = Package::from_bytes(&z).expect_err("duplicate");
    assert!(
        matches!(e, OfdError::Duplicate(ref n) if n == "Doc_0/a.xml"),
        "{e}"
    );
}

#[test]
fn too_many_entries() {
    let names: Vec<String> = (0..20_000).map(|i| format!("f/{i}")).collect();
    let entries: Vec<Raw<'_>> = names.iter().map(|n| raw(n, b"x")).collect();
    let e = Package::from_bytes(&raw_zip(&entries)).expect_err("too many");
    assert!(matches!(e, OfdError::TooManyEntries(20_000)), "{e}");
}

#[test]
fn zip_bomb_real() {
    // 100 MB of zeros, deflated (about 100 KB).
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    w.start_file("OFD.xml", o).expect("start");
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..100 {
        w.write_all(&zeros).expect("write");
    }
    let z = w.finish().expect("finish").into_inner();
    assert!(z.len() < 1 << 20);
    let e = Package::from_bytes(&z).expect_err("bomb");
    assert!(
        matches!(e, OfdError::ZipBomb { .. } | OfdError::TooLarge(_)),
        "{e}"
    );
    // 10 MB of zeros: within the size limits, caught by the ratio (about 1000:1).
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("Doc_0/zeros.bin", o).expect("start");
    for _ in 0..10 {
        w.write_all(&zeros).expect("write");
    }
    let z = w.finish().expect("finish").into_inner();
    let e = Package::from_bytes(&z).expect_err("bomb");
    assert!(
        matches!(e, OfdError::ZipBomb { ratio, .. } if ratio > 100),
        "{e}"
    );
    assert!(e.to_string().contains("zip bomb"));
}

#[test]
fn zip_bomb_claimed_sizes() {
    // A claimed 4 GB entry.
    let mut e = raw("OFD.xml", b"tiny");
    e.claim = Some((4, 0xFFFF_FFF0));
    let err = Package::from_bytes(&raw_zip(&[e])).expect_err("huge");
    assert!(matches!(err, OfdError::TooLarge(_)), "{err}");
    // A claimed 2 MiB from 4 bytes: ratio.
    let mut e = raw("OFD.xml", b"tiny");
    e.claim = Some((4, 2 << 20));
    let err = Package::from_bytes(&raw_zip(&[e])).expect_err("ratio");
    assert!(matches!(err, OfdError::ZipBomb { .. }), "{err}");
    // Sizes that lie the other way: bytes beyond the claim are not read, the mismatch fails.
    let mut e = raw("OFD.xml", b"more data than claimed");
    e.claim = Some((4, 4));
    assert!(Package::from_bytes(&raw_zip(&[e])).is_err());
}

#[test]
fn total_size_limit() {
    // 5 entries of 60 MiB (stored would be big in memory; claim it instead).
    let mut entries = Vec::new();
    let names: Vec<String> = (0..5).map(|i| format!("big{i}")).collect();
    for n in &names {
        let mut e = raw(n, b"x");
        e.claim = Some((60 << 20, 60 << 20));
        entries.push(e);
    }
    let err = Package::from_bytes(&raw_zip(&entries)).expect_err("too large");
    assert!(
        matches!(err, OfdError::TooLarge(_) | OfdError::BadEntry { .. }),
        "{err}"
    );
}

/// `yinxin verify FILE.ofd` names the files changed after signing and exits 1.
#[test]
fn cli_verify_detects_ofd() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/interop/tongzhiweiye-raw64-cms-tampered.ofd");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_yinxin"))
        .arg("verify")
        .arg(&path)
        .arg("--no-revocation")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with("TOTAL_FAILED") && out.contains("OFD"),
        "{out}"
    );
    for f in [
        "OFD.xml",
        "Doc_0/Document.xml",
        "Doc_0/Pages/Page_0/Content.xml",
    ] {
        assert!(
            out.contains(&format!("changed after signing: {f}")),
            "{f}: {out}"
        );
    }
    let ok = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/interop/gomain-bw-v4signed.ofd");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_yinxin"))
        .arg("verify")
        .arg(&ok)
        .arg("--no-revocation")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "chains to roots we do not hold: {}",
        String::from_utf8_lossy(&o.stdout)
    );
}
