//! PDF signatures beyond B-B, in the library: the SM2 profile of Chinese vendors
//! (`adbe.pkcs7.detached`, SM3, SM2, an SM2 time-stamp) verified by us and each signature
//! checked by OpenSSL over the signed attributes; PAdES B-LT and B-LTA (DSS, VRI, document
//! time-stamps) and their forgeries — a document time-stamp from a TSA of another region
//! proves nothing, one over other bytes fails, a change after it fails naming the revision;
//! certification signatures (DocMDP): what each permission lets later revisions do.

mod common;
use common::profile_signer_alg;
use common::region::{TestRegion, test_region};
use der::{Decode, Encode};
use serde_json::json;
use yinxin::crypto::Algorithm;
use yinxin::document::pdf::{self, DocMdp, Level, SignOptions, ValidationData};
use yinxin::seal::verify::VerifyOptions;
use yinxin::status::tsp;
use yinxin::verify::context::Context;
use yinxin::verify::path::RevocationMode;
use yinxin::verify::report::Indication;

fn simple_pdf() -> Vec<u8> {
    common::pdf::one_page_pdf("BT /F1 24 Tf 72 720 Td (Approved) Tj ET\n")
}

/// The one-page PDF with a text field (`name`, a widget on the page) in its AcroForm.
fn form_pdf() -> Vec<u8> {
    let mut doc = lopdf::Document::load_mem(&simple_pdf()).unwrap();
    let page = *doc.get_pages().get(&1).unwrap();
    let mut w = lopdf::Dictionary::new();
    w.set("Type", lopdf::Object::Name(b"Annot".to_vec()));
    w.set("Subtype", lopdf::Object::Name(b"Widget".to_vec()));
    w.set("FT", lopdf::Object::Name(b"Tx".to_vec()));
    w.set("T", lopdf::Object::string_literal("name"));
    w.set(
        "Rect",
        lopdf::Object::Array(vec![72.into(), 600.into(), 272.into(), 620.into()]),
    );
    w.set("P", lopdf::Object::Reference(page));
    let field = doc.add_object(lopdf::Object::Dictionary(w));
    doc.get_object_mut(page)
        .unwrap()
        .as_dict_mut()
        .unwrap()
        .set("Annots", lopdf::Object::Array(vec![field.into()]));
    let mut form = lopdf::Dictionary::new();
    form.set("Fields", lopdf::Object::Array(vec![field.into()]));
    let form = doc.add_object(lopdf::Object::Dictionary(form));
    doc.catalog_mut()
        .unwrap()
        .set("AcroForm", lopdf::Object::Reference(form));
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn now() -> i64 {
    yinxin::clock::now_secs()
}

/// A time-stamp callback over the bytes given (SHA-256 imprint) from `unit`.
fn stamper(unit: &tsp::TsaUnit) -> impl Fn(&[u8]) -> Option<Vec<u8>> + '_ {
    move |bytes: &[u8]| {
        let h = tsp::TsHash::Sha256;
        let req = tsp::build_request(h, &h.digest(bytes), None, true).ok()?;
        let resp = tsp::respond(
            &req,
            now() * 1000,
            11,
            &|_| Some(unit),
            &tsp::TsaPolicy {
                policy: yinxin::status::tsa::TSA_POLICY,
                accuracy_seconds: 1,
            },
        );
        Some(tsp::parse_response(&resp).ok()?.token?.der)
    }
}

async fn p256_tsa(r: &TestRegion) -> tsp::TsaUnit {
    let (signer, cert_der) = r
        .region
        .service_signer("p256-tsa", &common::region::pass())
        .await
        .unwrap();
    tsp::TsaUnit { signer, cert_der }
}

fn ca(r: &[yinxin::pki::repo::CaRecord], id: &str) -> Vec<u8> {
    r.iter().find(|c| c.id == id).unwrap().der.clone()
}

#[tokio::test]
async fn sm2_pdfs_as_chinese_vendors_sign_them() {
    let r = test_region("sm", "SM2 PDF 区").await;
    let (signer, cert, _) = profile_signer_alg(
        &r.region,
        "organization",
        json!({"name": "审批单位", "credit_code": "91350100M000100Y43"}),
        Algorithm::Sm2,
    )
    .await;
    let opts = VerifyOptions::offline(
        Context::builder()
            .anchors(&r.anchors)
            .intermediates(&r.intermediates)
            .revocation(RevocationMode::Off)
            .shared(),
        now(),
    );
    let tsa = &r.tsa;
    let ts = |sig: &[u8]| TestRegion::token(tsa, sig, now() * 1000);
    let signed = pdf::sign(
        &simple_pdf(),
        signer.as_ref(),
        &cert,
        &r.intermediates,
        &SignOptions::default(),
        Some(&ts),
    )
    .unwrap();
    let report = pdf::verify(&signed, &opts).await.unwrap();
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    let s = &report.signatures[0];
    assert_eq!(s.sub_filter, "adbe.pkcs7.detached");
    assert_eq!(s.level, Some("B-T"), "{report:#?}");
    let cms = s.cms.as_ref().unwrap();
    assert_eq!(
        cms.time_basis, "timestamp",
        "the SM2 time-stamp proves the time"
    );
    assert!(
        cms.signing_time.is_some(),
        "the vendors' profile carries signingTime"
    );
    assert!(signed.windows(20).any(|w| w == b"/adbe.pkcs7.detached"));

    // The CMS as OpenSSL sees it: SM3 digest, SM2 signature, and the signature over the
    // signed attributes verifies with `openssl dgst -sm3` and the default distinguishing id.
    let doc = lopdf::Document::load_mem(&signed).unwrap();
    let contents = signed_contents(&doc);
    let ci = cms::content_info::ContentInfo::from_der(&contents).unwrap();
    let sd: cms::signed_data::SignedData = ci.content.decode_as().unwrap();
    let si = sd.signer_infos.0.get(0).unwrap();
    assert_eq!(si.digest_alg.oid.to_string(), "1.2.156.10197.1.401");
    assert_eq!(
        si.signature_algorithm.oid.to_string(),
        "1.2.156.10197.1.501"
    );
    if common::require_openssl("sm2_pdfs_as_chinese_vendors_sign_them") {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
        std::fs::write(
            p("attrs.der"),
            si.signed_attrs.as_ref().unwrap().to_der().unwrap(),
        )
        .unwrap();
        std::fs::write(p("sig.der"), si.signature.as_bytes()).unwrap();
        std::fs::write(p("cert.der"), &cert).unwrap();
        let o = common::openssl(&[
            "x509",
            "-inform",
            "DER",
            "-in",
            &p("cert.der"),
            "-noout",
            "-pubkey",
            "-out",
            &p("pub.pem"),
        ]);
        assert!(o.status.success(), "{o:?}");
        let check = |file: &str| {
            common::openssl(&[
                "dgst",
                "-sm3",
                "-verify",
                &p("pub.pem"),
                "-sigopt",
                "distid:1234567812345678",
                "-signature",
                &p("sig.der"),
                &p(file),
            ])
        };
        let o = check("attrs.der");
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("Verified OK"),
            "{o:?}"
        );
        // Other bytes: OpenSSL refuses, as it should.
        std::fs::write(p("other.der"), b"other").unwrap();
        assert!(!check("other.der").status.success());
    }

    // One byte of the page changed: invalid.
    let mut changed = signed.clone();
    let at = changed.windows(8).position(|w| w == b"Approved").unwrap();
    changed[at] = b'a';
    let bad = pdf::verify(&changed, &opts).await.unwrap();
    assert_eq!(bad.indication, Indication::TotalFailed, "{bad:#?}");
}

fn signed_contents(doc: &lopdf::Document) -> Vec<u8> {
    for o in doc.objects.values() {
        if let Ok(d) = o.as_dict()
            && d.get(b"ByteRange").is_ok()
            && let Ok(lopdf::Object::String(b, _)) = d.get(b"Contents")
        {
            // The DER object at the start (the string is zero-padded).
            let der = b.as_slice();
            assert_eq!(der[0], 0x30);
            let (len, head) = match der[1] {
                l if l < 0x80 => (usize::from(l), 2),
                l => {
                    let n = usize::from(l & 0x7f);
                    let len = der[2..2 + n]
                        .iter()
                        .fold(0usize, |a, x| (a << 8) | usize::from(*x));
                    (len, 2 + n)
                }
            };
            return der[..head + len].to_vec();
        }
    }
    panic!("no signature");
}

#[tokio::test]
async fn long_term_levels_and_their_forgeries() {
    let r = test_region("lt", "长期验证区").await;
    let (signer, cert, _) = profile_signer_alg(
        &r.region,
        "organization",
        json!({"name": "审批单位", "credit_code": "91350100M000100Y43"}),
        Algorithm::P256,
    )
    .await;
    let cas = r.region.repo.cas().await.unwrap();
    let (root, issuing) = (ca(&cas, "p256-root"), ca(&cas, "p256-issuing"));
    let tsa = p256_tsa(&r).await;
    let ts = stamper(&tsa);
    let opts = VerifyOptions::offline(
        Context::builder()
            .anchors([&root])
            .revocation(RevocationMode::Off)
            .shared(),
        now(),
    );
    let bt = pdf::sign(
        &simple_pdf(),
        signer.as_ref(),
        &cert,
        std::slice::from_ref(&issuing),
        &SignOptions::default(),
        Some(&ts),
    )
    .unwrap();
    // B-T: the time-stamp proves the time when the relying party can build the TSU's path.
    let with_cas = VerifyOptions::offline(
        Context::builder()
            .anchors([&root])
            .intermediates([&issuing])
            .revocation(RevocationMode::Off)
            .shared(),
        now(),
    );
    let rep = pdf::verify(&bt, &with_cas).await.unwrap();
    assert_eq!(rep.signatures[0].level, Some("B-T"), "{rep:#?}");
    // Without the TSU's CA the time-stamp proves nothing: B-B, validated now.
    let rep = pdf::verify(&bt, &opts).await.unwrap();
    assert_eq!(rep.signatures[0].level, Some("B-B"), "{rep:#?}");

    // The certificates the signature and its time-stamp carry: the signer, its CA, the TSU.
    let certs = pdf::certificates(&bt).unwrap();
    assert!(certs.contains(&cert) && certs.contains(&issuing) && certs.contains(&tsa.cert_der));
    // B-LT: the DSS (the root and the CAs added by the collector).
    let collect = |_: &[Vec<u8>]| ValidationData {
        certs: vec![root.clone(), issuing.clone()],
        ocsps: vec![],
        crls: vec![],
    };
    let lt = pdf::extend(&bt, Level::BLT, &collect, &ts, now()).unwrap();
    assert!(lt.starts_with(&bt));
    // The TSU's issuing CA is not carried by the token: trusting only the root, the DSS
    // supplies it.
    let rep = pdf::verify(&lt, &opts).await.unwrap();
    assert_eq!(rep.indication, Indication::TotalPassed, "{rep:#?}");
    assert_eq!(rep.signatures[0].level, Some("B-LT"), "{rep:#?}");
    assert!(rep.dss.certs >= 4, "{rep:#?}");
    let doc = lopdf::Document::load_mem(&lt).unwrap();
    let dss = doc
        .catalog()
        .unwrap()
        .get(b"DSS")
        .and_then(|d| doc.dereference(d))
        .unwrap()
        .1
        .as_dict()
        .unwrap()
        .clone();
    let vri = dss.get(b"VRI").unwrap().as_dict().unwrap();
    let key = pdf::dss::vri_key(&{
        let mut c = Vec::new();
        for o in doc.objects.values() {
            if let Ok(d) = o.as_dict()
                && d.get(b"ByteRange").is_ok()
                && let Ok(lopdf::Object::String(b, _)) = d.get(b"Contents")
            {
                c = b.clone();
            }
        }
        c
    });
    assert!(
        vri.get(key.as_bytes()).is_ok(),
        "VRI keyed by the SHA-1 of /Contents"
    );

    // B-LTA: a document time-stamp over it all.
    let lta = pdf::extend(&bt, Level::BLTA, &collect, &ts, now()).unwrap();
    let rep = pdf::verify(&lta, &opts).await.unwrap();
    assert_eq!(rep.indication, Indication::TotalPassed, "{rep:#?}");
    assert_eq!(rep.signatures.len(), 2);
    assert_eq!(rep.signatures[0].level, Some("B-LTA"), "{rep:#?}");
    assert_eq!(rep.signatures[1].kind, "document-timestamp");
    assert_eq!(rep.signatures[1].sub_filter, "ETSI.RFC3161");
    assert!(rep.signatures[1].proven_time.is_some());
    // Extended again (archive renewal): a second document time-stamp, all valid.
    let again = pdf::extend(&lta, Level::BLTA, &collect, &ts, now()).unwrap();
    let rep = pdf::verify(&again, &opts).await.unwrap();
    assert_eq!(rep.indication, Indication::TotalPassed, "{rep:#?}");
    assert_eq!(rep.signatures.len(), 3);

    // Forgery: a PDF signed with the time-stamping unit's key (a certificate for time-stamps
    // only, chaining to the trusted root) is not a document signature.
    let by_tsu = pdf::sign(
        &simple_pdf(),
        tsa.signer.as_ref(),
        &tsa.cert_der,
        std::slice::from_ref(&issuing),
        &SignOptions::default(),
        None,
    )
    .unwrap();
    let rep = pdf::verify(&by_tsu, &with_cas).await.unwrap();
    assert_ne!(rep.indication, Indication::TotalPassed, "{rep:#?}");
    assert!(rep.signatures[0].level.is_none(), "{rep:#?}");
    assert!(
        rep.signatures[0]
            .detail
            .contains("not valid for document-signer"),
        "{rep:#?}"
    );

    // Forgery: a document time-stamp from another region's TSA (a TSA the relying party
    // does not trust) proves nothing: not valid.
    let other = test_region("ot", "他区").await;
    let other_cas = other.region.repo.cas().await.unwrap();
    let _ = ca(&other_cas, "p256-root");
    let rogue = p256_tsa(&other).await;
    let rogue_ts = stamper(&rogue);
    let forged = pdf::timestamp::add(&lt, &rogue_ts).unwrap();
    let rep = pdf::verify(&forged, &opts).await.unwrap();
    assert_ne!(rep.indication, Indication::TotalPassed, "{rep:#?}");
    let d = &rep.signatures[1];
    assert_eq!(d.kind, "document-timestamp");
    assert!(d.proven_time.is_none());
    assert!(d.detail.contains("TSU is not trusted"), "{rep:#?}");
    // A token over other bytes, put in a document time-stamp field: TOTAL_FAILED.
    let wrong = pdf::timestamp::add(&lt, &|_: &[u8]| ts(b"other bytes")).unwrap();
    let rep = pdf::verify(&wrong, &opts).await.unwrap();
    assert_eq!(rep.indication, Indication::TotalFailed, "{rep:#?}");
    assert!(
        rep.signatures[1].detail.contains("not over this signature"),
        "{rep:#?}"
    );
    // A change of the page after the document time-stamp: the signature and the time-stamp
    // both fail, naming the revision.
    let doc = lopdf::Document::load_mem(&lta).unwrap();
    let revisions = lta.windows(5).filter(|w| w == b"%%EOF").count();
    let mut inc = lopdf::IncrementalDocument::create_from(lta.clone(), doc);
    inc.opt_clone_object_to_new_document((4, 0)).unwrap();
    if let Ok(lopdf::Object::Stream(st)) = inc.new_document.get_object_mut((4, 0)) {
        st.set_plain_content(b"BT /F1 24 Tf 72 720 Td (Rejected) Tj ET\n".to_vec());
    }
    let mut edited = Vec::new();
    inc.save_to(&mut edited).unwrap();
    let rep = pdf::verify(&edited, &opts).await.unwrap();
    assert_eq!(rep.indication, Indication::TotalFailed, "{rep:#?}");
    let name = format!("revision {}", revisions + 1);
    assert!(
        rep.signatures
            .iter()
            .all(|s| s.indication == Indication::TotalFailed && s.detail.contains(&name)),
        "{name}: {rep:#?}"
    );
}

#[tokio::test]
async fn certification_signatures_bound_later_revisions() {
    let r = test_region("mdp", "DocMDP 区").await;
    let (signer, cert, _) = profile_signer_alg(
        &r.region,
        "organization",
        json!({"name": "审批单位", "credit_code": "91350100M000100Y43"}),
        Algorithm::P256,
    )
    .await;
    let cas = r.region.repo.cas().await.unwrap();
    let (root, issuing) = (ca(&cas, "p256-root"), ca(&cas, "p256-issuing"));
    let tsa = p256_tsa(&r).await;
    let ts = stamper(&tsa);
    let opts = VerifyOptions::offline(
        Context::builder()
            .anchors([&root])
            .intermediates([&issuing])
            .revocation(RevocationMode::Off)
            .shared(),
        now(),
    );
    let sign = |pdf: &[u8], certify: Option<DocMdp>| {
        pdf::sign(
            pdf,
            signer.as_ref(),
            &cert,
            std::slice::from_ref(&issuing),
            &SignOptions {
                certify,
                ..SignOptions::default()
            },
            Some(&ts),
        )
    };
    let comment = |pdf: &[u8]| {
        let doc = lopdf::Document::load_mem(pdf).unwrap();
        let mut inc = lopdf::IncrementalDocument::create_from(pdf.to_vec(), doc);
        let mut d = lopdf::Dictionary::new();
        d.set("Type", lopdf::Object::Name(b"Annot".to_vec()));
        d.set("Subtype", lopdf::Object::Name(b"Text".to_vec()));
        d.set(
            "Rect",
            lopdf::Object::Array(vec![10.into(), 10.into(), 30.into(), 30.into()]),
        );
        let note = inc.new_document.add_object(lopdf::Object::Dictionary(d));
        inc.opt_clone_object_to_new_document((3, 0)).unwrap();
        let page = inc
            .new_document
            .get_object_mut((3, 0))
            .unwrap()
            .as_dict_mut()
            .unwrap();
        let annots = page.get(b"Annots").unwrap().clone();
        match annots {
            lopdf::Object::Reference(id) => {
                inc.opt_clone_object_to_new_document(id).unwrap();
                inc.new_document
                    .get_object_mut(id)
                    .unwrap()
                    .as_array_mut()
                    .unwrap()
                    .push(note.into());
            }
            _ => page
                .get_mut(b"Annots")
                .unwrap()
                .as_array_mut()
                .unwrap()
                .push(note.into()),
        }
        let mut out = Vec::new();
        inc.save_to(&mut out).unwrap();
        out
    };

    // /P 1: no change; another signature after it fails the certification, validation data
    // and a document time-stamp do not.
    let certified = sign(&simple_pdf(), Some(DocMdp::NoChanges)).unwrap();
    let rep = pdf::verify(&certified, &opts).await.unwrap();
    assert_eq!(rep.indication, Indication::TotalPassed, "{rep:#?}");
    assert_eq!(rep.signatures[0].docmdp, Some(1));
    let countersigned = sign(&certified, None).unwrap();
    let rep = pdf::verify(&countersigned, &opts).await.unwrap();
    assert_eq!(rep.indication, Indication::TotalFailed, "{rep:#?}");
    assert!(rep.signatures[0].detail.contains("revision 3"), "{rep:#?}");
    let collect = |_: &[Vec<u8>]| ValidationData {
        certs: vec![root.clone()],
        ..Default::default()
    };
    let archived = pdf::extend(&certified, Level::BLTA, &collect, &ts, now()).unwrap();
    let rep = pdf::verify(&archived, &opts).await.unwrap();
    assert_eq!(rep.indication, Indication::TotalPassed, "{rep:#?}");
    // A certification signature must come first.
    let e = sign(&countersigned, Some(DocMdp::FormFill)).unwrap_err();
    assert!(e.to_string().contains("first signature"), "{e}");

    // /P 2: signatures allowed, a comment not; /P 3: a comment allowed.
    let p2 = sign(&simple_pdf(), Some(DocMdp::FormFill)).unwrap();
    let rep = pdf::verify(&sign(&p2, None).unwrap(), &opts).await.unwrap();
    assert_eq!(rep.indication, Indication::TotalPassed, "{rep:#?}");
    let rep = pdf::verify(&comment(&p2), &opts).await.unwrap();
    assert_eq!(rep.indication, Indication::TotalFailed, "{rep:#?}");
    let p3 = sign(&simple_pdf(), Some(DocMdp::Annotations)).unwrap();
    let rep = pdf::verify(&comment(&p3), &opts).await.unwrap();
    assert_eq!(rep.indication, Indication::TotalPassed, "{rep:#?}");
    assert_eq!(rep.signatures[0].docmdp, Some(3));
    // Filling in a form: allowed under /P 2, not under /P 1.
    let form = form_pdf();
    let fill = |pdf: &[u8]| {
        let doc = lopdf::Document::load_mem(pdf).unwrap();
        let field = doc
            .objects
            .iter()
            .find(|(_, o)| {
                o.as_dict()
                    .is_ok_and(|d| matches!(d.get(b"FT"), Ok(lopdf::Object::Name(n)) if n == b"Tx"))
            })
            .map(|(id, _)| *id)
            .unwrap();
        let mut inc = lopdf::IncrementalDocument::create_from(pdf.to_vec(), doc);
        let look = lopdf::Stream::new(
            {
                let mut d = lopdf::Dictionary::new();
                d.set("Type", lopdf::Object::Name(b"XObject".to_vec()));
                d.set("Subtype", lopdf::Object::Name(b"Form".to_vec()));
                d.set(
                    "BBox",
                    lopdf::Object::Array(vec![0.into(), 0.into(), 200.into(), 20.into()]),
                );
                d
            },
            b"BT /Helv 12 Tf 2 6 Td (Zhang San) Tj ET".to_vec(),
        );
        let look = inc.new_document.add_object(look);
        inc.opt_clone_object_to_new_document(field).unwrap();
        let f = inc
            .new_document
            .get_object_mut(field)
            .unwrap()
            .as_dict_mut()
            .unwrap();
        f.set("V", lopdf::Object::string_literal("Zhang San"));
        let mut ap = lopdf::Dictionary::new();
        ap.set("N", lopdf::Object::Reference(look));
        f.set("AP", lopdf::Object::Dictionary(ap));
        let mut out = Vec::new();
        inc.save_to(&mut out).unwrap();
        out
    };
    let p2 = sign(&form, Some(DocMdp::FormFill)).unwrap();
    let rep = pdf::verify(&fill(&p2), &opts).await.unwrap();
    assert_eq!(rep.indication, Indication::TotalPassed, "{rep:#?}");
    assert!(
        rep.signatures[0].detail.contains("later revisions"),
        "{rep:#?}"
    );
    let p1 = sign(&form, Some(DocMdp::NoChanges)).unwrap();
    let rep = pdf::verify(&fill(&p1), &opts).await.unwrap();
    assert_eq!(rep.indication, Indication::TotalFailed, "{rep:#?}");
    assert!(rep.signatures[0].detail.contains("/V"), "{rep:#?}");
    // Without a certification signature, form filling after an approval signature is a
    // change too (no FieldMDP here).
    let approved = sign(&form, None).unwrap();
    let rep = pdf::verify(&fill(&approved), &opts).await.unwrap();
    assert_eq!(rep.indication, Indication::TotalFailed, "{rep:#?}");

    // And the catalog names the certification signature (/Perms /DocMDP).
    let doc = lopdf::Document::load_mem(&p3).unwrap();
    assert!(doc.catalog().unwrap().get(b"Perms").is_ok());
}

/// Hostile input: a stream that decompresses far beyond its size is refused with a clear
/// error, not inflated.
#[tokio::test]
async fn decompression_bombs_are_refused() {
    let mut stream = lopdf::Stream::new(lopdf::Dictionary::new(), vec![0u8; 64 * 1024 * 1024]);
    stream.compress().unwrap();
    let bomb = stream.content;
    // An object stream (decoded while loading) holding the bomb.
    let mut out = b"%PDF-1.7\n".to_vec();
    let o1 = out.len();
    out.extend_from_slice(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    let o2 = out.len();
    out.extend_from_slice(b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n");
    let o3 = out.len();
    out.extend_from_slice(
        format!(
            "3 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length {} >>\nstream\n",
            bomb.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&bomb);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = out.len();
    out.extend_from_slice(
        format!(
            "xref\n0 4\n0000000000 65535 f \n{o1:010} 00000 n \n{o2:010} 00000 n \n{o3:010} 00000 n \ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    assert!(out.len() < 1024 * 1024);
    let e = pdf::limits::load(&out).unwrap_err();
    assert!(e.to_string().contains("decompression bomb"), "{e}");
    // Verifying and signing it: the same clear error.
    let opts = VerifyOptions::offline(Context::builder().shared(), now());
    let e = pdf::verify(&out, &opts).await.unwrap_err();
    assert!(e.to_string().contains("decompression bomb"), "{e}");
    // Not a PDF at all.
    let e = pdf::limits::load(b"GIF89a").unwrap_err();
    assert!(e.to_string().contains("not a PDF"), "{e}");
}
