//! PDF signatures (PAdES B-B with P-256) added by incremental update: the earlier bytes stay a
//! prefix; ours verify TOTAL_PASSED; poppler's `pdfsig` says the signature is valid, pyHanko
//! judges it valid with our root as its trust root, and `qpdf --check` finds the file clean; a
//! byte changed in the signed range → ours, pdfsig and pyHanko say invalid. Modification
//! analysis: a second signature in a later revision leaves the first valid (ours, pdfsig,
//! pyHanko); a later revision changing the page's content fails the first, naming the revision
//! and the object; bytes appended after the last revision fail it. A PDF without signature is
//! not valid.

mod common;
use common::profile_signer_alg;
use common::region::test_region;
use serde_json::json;
use yinxin::crypto::Algorithm;
use yinxin::document::pdf::{self, SignOptions};
use yinxin::seal::verify::VerifyOptions;
use yinxin::verify::context::Context;
use yinxin::verify::path::RevocationMode;
use yinxin::verify::report::Indication;

/// A one-page PDF saying "Approved".
fn simple_pdf() -> Vec<u8> {
    common::pdf::one_page_pdf("BT /F1 24 Tf 72 720 Td (Approved) Tj ET\n")
}

fn tool(name: &str) -> bool {
    let ok = std::process::Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success() || !o.stderr.is_empty());
    if !ok {
        println!("skipped: {name} is not installed (.ci/run installs poppler-utils and qpdf)");
    }
    ok
}

/// pyHanko's command line: `YINXIN_PYHANKO` (set by .ci/run, a venv), else `pyhanko` on PATH.
fn pyhanko() -> Option<String> {
    let cmd = std::env::var("YINXIN_PYHANKO").unwrap_or_else(|_| "pyhanko".into());
    let ok = std::process::Command::new(&cmd)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        println!(
            "skipped: pyHanko is not installed (.ci/run installs pyhanko and pyhanko-cli in a venv)"
        );
    }
    ok.then_some(cmd)
}

/// `pyhanko sign validate` of `pdf` trusting `root` (no revocation: our test CA publishes
/// none here): its output.
fn pyhanko_validate(cmd: &str, pdf: &std::path::Path, root: &std::path::Path) -> (bool, String) {
    pyhanko_validate_with(cmd, pdf, root, None)
}

/// [`pyhanko_validate`] given `other` certificates (the issuing CA of the time-stamping unit,
/// which the token does not carry; B-LT puts it in the DSS).
fn pyhanko_validate_with(
    cmd: &str,
    pdf: &std::path::Path,
    root: &std::path::Path,
    other: Option<&std::path::Path>,
) -> (bool, String) {
    let mut c = std::process::Command::new(cmd);
    c.args([
        "sign",
        "validate",
        "--no-revocation-check",
        "--pretty-print",
    ])
    .arg("--trust")
    .arg(root);
    if let Some(o) = other {
        c.arg("--other-certs").arg(o);
    }
    let o = c.arg(pdf).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

fn pdfsig(path: &std::path::Path) -> String {
    let o = std::process::Command::new("pdfsig")
        .arg(path)
        .output()
        .unwrap();
    // pdfsig exits 0 even when a signature fails: its words are what count.
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test]
async fn pades_signatures_by_incremental_update() {
    let r = test_region("pd", "PDF 测试区").await;
    let (signer, cert, _) = profile_signer_alg(
        &r.region,
        "organization",
        json!({"name": "盖章单位", "credit_code": "91350100M000100Y43"}),
        Algorithm::P256,
    )
    .await;
    let cas = r.region.repo.cas().await.unwrap();
    let ca = |id: &str| cas.iter().find(|c| c.id == id).unwrap().der.clone();
    let (root, issuing) = (ca("p256-root"), ca("p256-issuing"));
    let opts = VerifyOptions::offline(
        Context::builder()
            .anchors([&root])
            .intermediates([&issuing])
            .revocation(RevocationMode::Off)
            .shared(),
        yinxin::clock::now_secs(),
    );

    let original = simple_pdf();
    let unsigned = pdf::verify(&original, &opts).await.unwrap();
    assert_eq!(unsigned.indication, Indication::Indeterminate);
    assert!(unsigned.signatures.is_empty());

    let signed = pdf::sign(
        &original,
        signer.as_ref(),
        &cert,
        std::slice::from_ref(&issuing),
        &SignOptions {
            reason: Some("同意".into()),
            ..SignOptions::default()
        },
        None,
    )
    .unwrap();
    assert!(
        signed.starts_with(&original),
        "an incremental update keeps the original bytes"
    );
    let report = pdf::verify(&signed, &opts).await.unwrap();
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    let s = &report.signatures[0];
    assert_eq!(s.field, "Signature1");
    assert_eq!(s.sub_filter, "ETSI.CAdES.detached");
    assert!(s.covers_whole_file);
    let cms = s.cms.as_ref().unwrap();
    assert_eq!(cms.signing_time, None, "PAdES: no signingTime attribute");
    assert!(
        cms.signer.as_deref().unwrap_or("").contains("盖章单位"),
        "{cms:?}"
    );

    // A backdated /M (the signer's claim, 2000-01-01) proves nothing: without a time-stamp
    // the signer is validated now, and the report says the time basis is the current time.
    let backdated = pdf::sign(
        &original,
        signer.as_ref(),
        &cert,
        std::slice::from_ref(&issuing),
        &SignOptions {
            time: 946_684_800,
            ..SignOptions::default()
        },
        None,
    )
    .unwrap();
    let b = pdf::verify(&backdated, &opts).await.unwrap();
    let bcms = b.signatures[0].cms.as_ref().unwrap();
    assert_eq!(bcms.time_basis, "current-time", "{b:#?}");
    assert!(
        bcms.validated_at.unwrap() >= yinxin::clock::now_secs() - 600,
        "{b:#?}"
    );
    assert!(bcms.timestamp_time.is_none());

    // One byte changed inside the signed range (the page's text): invalid.
    let mut changed = signed.clone();
    let at = changed.windows(8).position(|w| w == b"Approved").unwrap();
    changed[at] = b'a';
    let bad = pdf::verify(&changed, &opts).await.unwrap();
    assert_eq!(bad.indication, Indication::TotalFailed, "{bad:#?}");
    // Bytes added after the last revision: the signed file was changed.
    let mut later = signed.clone();
    later.extend_from_slice(b"\n% appended\n");
    let more = pdf::verify(&later, &opts).await.unwrap();
    assert_eq!(more.indication, Indication::TotalFailed, "{more:#?}");
    assert!(!more.signatures[0].covers_whole_file);
    assert!(
        more.signatures[0]
            .detail
            .contains("bytes after the last revision"),
        "{more:#?}"
    );

    // A second signature (a later revision): both valid, the first not covering the file.
    let twice = pdf::sign(
        &signed,
        signer.as_ref(),
        &cert,
        std::slice::from_ref(&issuing),
        &SignOptions::default(),
        None,
    )
    .unwrap();
    let both = pdf::verify(&twice, &opts).await.unwrap();
    assert_eq!(both.indication, Indication::TotalPassed, "{both:#?}");
    assert_eq!(both.signatures.len(), 2);
    assert_eq!(both.signatures[1].field, "Signature2");
    assert!(!both.signatures[0].covers_whole_file && both.signatures[1].covers_whole_file);
    assert!(
        both.signatures[0].detail.contains("only add signatures"),
        "{both:#?}"
    );

    // A later revision (the file's third) that changes the page's text: the signature fails,
    // naming the revision and the object.
    let doc = lopdf::Document::load_mem(&signed).unwrap();
    let mut inc = lopdf::IncrementalDocument::create_from(signed.clone(), doc);
    inc.opt_clone_object_to_new_document((4, 0)).unwrap();
    if let Ok(lopdf::Object::Stream(st)) = inc.new_document.get_object_mut((4, 0)) {
        st.set_plain_content(b"BT /F1 24 Tf 72 720 Td (Rejected) Tj ET\n".to_vec());
    }
    let mut edited = Vec::new();
    inc.save_to(&mut edited).unwrap();
    let ed = pdf::verify(&edited, &opts).await.unwrap();
    assert_eq!(ed.indication, Indication::TotalFailed, "{ed:#?}");
    let d = &ed.signatures[0].detail;
    assert!(
        d.contains("modified after this signature")
            && d.contains("revision 3")
            && d.contains("stream 4 0"),
        "{d}"
    );
    // Trusting only another root (the region's SM2 one): the signer's chain is not found.
    let elsewhere = VerifyOptions::offline(
        Context::builder()
            .anchors(&r.anchors)
            .revocation(RevocationMode::Off)
            .shared(),
        yinxin::clock::now_secs(),
    );
    let other = pdf::verify(&signed, &elsewhere).await.unwrap();
    assert_ne!(other.indication, Indication::TotalPassed, "{other:#?}");
    // A later revision adding a comment (a /Text annotation, not a signature) to the page:
    // the signed document changed.
    let doc = lopdf::Document::load_mem(&signed).unwrap();
    let mut inc = lopdf::IncrementalDocument::create_from(signed.clone(), doc);
    let mut d = lopdf::Dictionary::new();
    d.set("Type", lopdf::Object::Name(b"Annot".to_vec()));
    d.set("Subtype", lopdf::Object::Name(b"Text".to_vec()));
    d.set(
        "Rect",
        lopdf::Object::Array(vec![10.into(), 10.into(), 30.into(), 30.into()]),
    );
    d.set("Contents", lopdf::Object::string_literal("not approved"));
    let note = inc.new_document.add_object(lopdf::Object::Dictionary(d));
    inc.opt_clone_object_to_new_document((3, 0)).unwrap();
    let page = inc
        .new_document
        .get_object_mut((3, 0))
        .unwrap()
        .as_dict_mut()
        .unwrap();
    page.get_mut(b"Annots")
        .unwrap()
        .as_array_mut()
        .unwrap()
        .push(note.into());
    let mut commented = Vec::new();
    inc.save_to(&mut commented).unwrap();
    let c = pdf::verify(&commented, &opts).await.unwrap();
    assert_eq!(c.indication, Indication::TotalFailed, "{c:#?}");
    assert!(c.signatures[0].detail.contains("Annots"), "{c:#?}");

    // Independent tools.
    let dir = tempfile::tempdir().unwrap();
    let (good, tampered) = (
        dir.path().join("signed.pdf"),
        dir.path().join("changed.pdf"),
    );
    std::fs::write(&good, &signed).unwrap();
    std::fs::write(&tampered, &changed).unwrap();
    let (two, modified) = (dir.path().join("twice.pdf"), dir.path().join("edited.pdf"));
    std::fs::write(&two, &twice).unwrap();
    std::fs::write(&modified, &edited).unwrap();
    if tool("pdfsig") {
        let out = pdfsig(&good);
        assert!(out.contains("Signature is Valid"), "{out}");
        assert!(
            out.contains("ETSI.CAdES.detached") || out.contains("PAdES"),
            "{out}"
        );
        let out = pdfsig(&tampered);
        assert!(!out.contains("Signature is Valid"), "{out}");
        let out = pdfsig(&two);
        assert_eq!(out.matches("Signature is Valid").count(), 2, "{out}");
    }
    if let Some(cmd) = pyhanko() {
        let root_pem = dir.path().join("root.pem");
        std::fs::write(&root_pem, yinxin::pki::cert::to_pem(&root)).unwrap();
        let (ok, out) = pyhanko_validate(&cmd, &good, &root_pem);
        assert!(ok && out.contains("The signature is judged VALID"), "{out}");
        assert!(out.contains("The signer's certificate is trusted"), "{out}");
        assert!(
            out.contains("The signature covers the entire file"),
            "{out}"
        );
        let (ok, out) = pyhanko_validate(&cmd, &tampered, &root_pem);
        assert!(!ok, "{out}");
        // pyHanko agrees on the modifications: a second signature is fine, an edited page not.
        let (ok, out) = pyhanko_validate(&cmd, &two, &root_pem);
        assert!(ok, "{out}");
        let (ok, out) = pyhanko_validate(&cmd, &modified, &root_pem);
        assert!(!ok, "{out}");
    }
    // The command line of a relying party: `yinxin verify FILE.pdf` with the anchor (no CRLs
    // published in this test region: revocation off); exit 0 valid, 1 invalid, naming the
    // revision of a modification.
    let root_pem = dir.path().join("p256-root.pem");
    std::fs::write(&root_pem, yinxin::pki::cert::to_pem(&root)).unwrap();
    let cli = |file: &std::path::Path| {
        let o = common::yinxin()
            .arg("verify")
            .arg(file)
            .arg("--anchor")
            .arg(&root_pem)
            .arg("--no-revocation")
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    let (code, out) = cli(&good);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("(PDF, 1 signature(s))"), "{out}");
    let (code, out) = cli(&modified);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("revision 3"), "{out}");
    if tool("qpdf") {
        let o = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(&good)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            text.contains("No syntax or stream encoding errors"),
            "{text}"
        );
    }
}

/// The same over HTTP: `POST /v1/documents/sign` with a PDF answers the PDF signed as PAdES
/// B-T (our TSA's P-256 unit), which `POST /v1/verify` finds valid with the time proven by the
/// time-stamp and pdfsig finds valid; `?format=cms` still gives a detached CMS; an SM2 signer
/// gets the vendors' SM2 profile, valid with a proven time; a changed byte is TOTAL_FAILED.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pdfs_signed_and_verified_over_http() {
    use common::http::{Server, call, issue_generated_org_alg, signer_token};
    let tmp = tempfile::tempdir().unwrap();
    let (data, work) = (tmp.path().join("data"), tmp.path().join("work"));
    std::fs::create_dir_all(&work).unwrap();
    common::init_region(&data, None);
    let p256 = issue_generated_org_alg(
        &data,
        &work,
        "盖章单位",
        "91350100M000100Y43",
        "p256",
        "p256",
    );
    let token = signer_token(&data, &work, &p256, "p256");
    let sm2 = issue_generated_org_alg(&data, &work, "盖章单位", "91350100M000100Y43", "sm2", "sm2");
    let sm2_token = signer_token(&data, &work, &sm2, "sm2");
    let server = Server::start(&data, &[]);
    let base = server.base.clone();
    let original = simple_pdf();
    let sign = |token: String, query: &'static str, ct: &'static str| {
        let (base, body) = (base.clone(), original.clone());
        async move {
            call(
                "POST",
                &format!("{base}/v1/documents/sign{query}"),
                Some(&token),
                &[("content-type", ct)],
                body,
            )
            .await
        }
    };
    let r = sign(token.clone(), "", "application/pdf").await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type").as_deref(), Some("application/pdf"));
    let signed = r.body.clone();
    assert!(signed.starts_with(&original));
    // By its magic too, whatever the content type says.
    let r = sign(token.clone(), "", "application/octet-stream").await;
    assert_eq!(r.header("content-type").as_deref(), Some("application/pdf"));
    let r = sign(token.clone(), "?format=cms", "application/pdf").await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/pkcs7-signature")
    );
    // An SM2 signer: the vendors' profile (adbe.pkcs7.detached, SM3/SM2, an SM2 time-stamp).
    let r = sign(sm2_token, "", "application/pdf").await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let sm2_signed = r.body.clone();

    let verify = |body: Vec<u8>| {
        let base = base.clone();
        async move {
            call(
                "POST",
                &format!("{base}/v1/verify"),
                None,
                &[("content-type", "application/octet-stream")],
                body,
            )
            .await
            .json()
        }
    };
    let report = verify(signed.clone()).await;
    assert_eq!(report["object"], "pdf", "{report}");
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report}");
    let cms = &report["signatures"][0]["cms"];
    assert_eq!(
        cms["time_basis"], "timestamp",
        "B-T: the time is proven: {report}"
    );
    let sm2 = verify(sm2_signed).await;
    assert_eq!(sm2["indication"], "TOTAL_PASSED", "{sm2}");
    assert_eq!(sm2["signatures"][0]["sub_filter"], "adbe.pkcs7.detached");
    assert_eq!(
        sm2["signatures"][0]["cms"]["time_basis"], "timestamp",
        "{sm2}"
    );
    let mut changed = signed.clone();
    let at = changed.windows(8).position(|w| w == b"Approved").unwrap();
    changed[at] = b'a';
    assert_eq!(verify(changed).await["indication"], "TOTAL_FAILED");
    let path = tmp.path().join("bt.pdf");
    std::fs::write(&path, &signed).unwrap();
    if tool("pdfsig") {
        let out = pdfsig(&path);
        assert!(out.contains("Signature is Valid"), "{out}");
    }
    if let Some(cmd) = pyhanko() {
        // The region's P-256 root, as `init` wrote it, trusted for the signer and the TSU.
        let (ok, out) = pyhanko_validate_with(
            &cmd,
            &path,
            &data.join("ca/p256-root.pem"),
            Some(&data.join("ca/p256-issuing.pem")),
        );
        assert!(ok && out.contains("The signature is judged VALID"), "{out}");
        assert!(out.contains("The TSA certificate is trusted"), "{out}");
    }
}

/// `pyhanko sign validate --ltv-profile PROFILE` trusting `root`: the signature validated with
/// the validation data in the file at the time the (newest) document time-stamp proves; that
/// time-stamp itself with revocation data fetched now (pyHanko's PAdES-LTA bootstrap).
fn pyhanko_ltv(
    cmd: &str,
    pdf: &std::path::Path,
    root: &std::path::Path,
    profile: &str,
) -> (bool, String) {
    let o = std::process::Command::new(cmd)
        .args([
            "sign",
            "validate",
            "--pretty-print",
            "--ltv-profile",
            profile,
        ])
        .arg("--trust")
        .arg(root)
        .arg("--trust-replace")
        .arg(pdf)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

/// B-LT and B-LTA over HTTP: `?level=B-LTA` answers the PDF with a DSS holding the region's
/// own validation data (the CAs, their CRLs, an OCSP response for the signer) and a document
/// time-stamp; ours reports B-LTA, pyHanko validates it with only the data in the file
/// (`--ltv-profile pades-lta`), pdfsig finds the signature valid and qpdf the file clean.
/// `POST /v1/documents/extend` takes a B-T PDF to B-LT later; a broken or non-PDF body is a
/// 422 and a level below B-LT a 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_term_pdfs_over_http() {
    use common::http::{Server, call, issue_generated_org_alg, signer_token};
    let tmp = tempfile::tempdir().unwrap();
    let (data, work) = (tmp.path().join("data"), tmp.path().join("work"));
    std::fs::create_dir_all(&work).unwrap();
    // The certificates' CRL and OCSP URLs point at this test's server: pyHanko validates the
    // newest document time-stamp with revocation data fetched now, as PAdES-LTA wants.
    let port = common::free_port();
    common::run_ok(
        common::yinxin()
            .args(["init", "--data-dir"])
            .arg(&data)
            .args(["--region", "test-gd", "--name", "广东测试区"])
            .args(["--public-base-url", &format!("http://127.0.0.1:{port}")]),
    );
    let p256 = issue_generated_org_alg(
        &data,
        &work,
        "盖章单位",
        "91350100M000100Y43",
        "p256",
        "p256",
    );
    let token = signer_token(&data, &work, &p256, "p256");
    // The root's CRL is made offline (the issuing CAs' by the service): the operator's step.
    common::run_ok(
        common::yinxin()
            .args(["crl", "--ca", "p256-root", "--data-dir"])
            .arg(&data)
            .arg("--out")
            .arg(work.join("p256-root.crl")),
    );
    let server = Server::start_at(&data, &format!("127.0.0.1:{port}"), &[]);
    let base = server.base.clone();
    let post = |path: String, body: Vec<u8>| {
        let (base, token) = (base.clone(), token.clone());
        async move {
            call(
                "POST",
                &format!("{base}{path}"),
                Some(&token),
                &[("content-type", "application/pdf")],
                body,
            )
            .await
        }
    };
    let verify = |body: Vec<u8>| {
        let base = base.clone();
        async move {
            call(
                "POST",
                &format!("{base}/v1/verify"),
                None,
                &[("content-type", "application/pdf")],
                body,
            )
            .await
            .json()
        }
    };
    let r = post("/v1/documents/sign?level=B-LTA".into(), simple_pdf()).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let lta = r.body.clone();
    let report = verify(lta.clone()).await;
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report}");
    assert_eq!(report["signatures"][0]["level"], "B-LTA", "{report}");
    assert_eq!(report["signatures"][1]["kind"], "document-timestamp");
    assert!(report["dss"]["ocsps"].as_u64().unwrap() >= 1, "{report}");
    // The issuing CA's CRL and the root's.
    assert!(report["dss"]["crls"].as_u64().unwrap() >= 2, "{report}");
    assert!(report["dss"]["certs"].as_u64().unwrap() >= 4, "{report}");

    // A certification signature (DocMDP /P 1): a later signature breaks it, naming the revision.
    let r = post("/v1/documents/sign?certify=no-changes".into(), simple_pdf()).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let report = verify(r.body.clone()).await;
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report}");
    assert_eq!(report["signatures"][0]["docmdp"], 1, "{report}");
    let again = post("/v1/documents/sign".into(), r.body.clone()).await;
    assert_eq!(again.status, 200);
    let report = verify(again.body.clone()).await;
    assert_eq!(report["indication"], "TOTAL_FAILED", "{report}");
    assert!(
        report["signatures"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("revision 3"),
        "{report}"
    );
    post("/v1/documents/sign?certify=everything".into(), simple_pdf())
        .await
        .assert_problem(400, "bad-query");

    // B-T now, B-LT later.
    let bt = post("/v1/documents/sign?level=B-T".into(), simple_pdf()).await;
    assert_eq!(bt.status, 200);
    let report = verify(bt.body.clone()).await;
    assert_eq!(report["signatures"][0]["level"], "B-T", "{report}");
    let lt = post("/v1/documents/extend?level=B-LT".into(), bt.body.clone()).await;
    assert_eq!(lt.status, 200, "{}", String::from_utf8_lossy(&lt.body));
    assert!(lt.body.starts_with(&bt.body));
    let report = verify(lt.body.clone()).await;
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report}");
    assert_eq!(report["signatures"][0]["level"], "B-LT", "{report}");
    post("/v1/documents/extend?level=B-T".into(), bt.body.clone())
        .await
        .assert_problem(400, "bad-query");
    post("/v1/documents/extend".into(), b"not a pdf".to_vec())
        .await
        .assert_problem(422, "invalid-document");
    let mut broken = bt.body.clone();
    let at = broken.windows(8).position(|w| w == b"Approved").unwrap();
    broken[at] = b'a';
    post("/v1/documents/extend".into(), broken)
        .await
        .assert_problem(422, "invalid-document");

    let dir = tmp.path();
    let (lta_path, lt_path) = (dir.join("lta.pdf"), dir.join("lt.pdf"));
    std::fs::write(&lta_path, &lta).unwrap();
    std::fs::write(&lt_path, &lt.body).unwrap();
    if tool("pdfsig") {
        let out = pdfsig(&lta_path);
        assert!(out.contains("Signature is Valid"), "{out}");
    }
    if tool("qpdf") {
        for p in [&lta_path, &lt_path] {
            let o = std::process::Command::new("qpdf")
                .arg("--check")
                .arg(p)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&o.stdout);
            assert!(
                o.status.success() && text.contains("No syntax or stream encoding errors"),
                "{text}{}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
    if let Some(cmd) = pyhanko() {
        let root = data.join("ca/p256-root.pem");
        let (ok, out) = pyhanko_ltv(&cmd, &lta_path, &root, "pades-lta");
        assert!(ok && out.contains("The signature is judged VALID"), "{out}");
        let (ok, out) = pyhanko_ltv(&cmd, &lt_path, &root, "pades");
        assert!(ok && out.contains("The signature is judged VALID"), "{out}");
    }
}
