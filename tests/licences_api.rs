//! E-licences over HTTP: an agency (licence-issuer token bound to its credit code and to the
//! certificate its 电子证照专用章 lists) issues each shipped kind; the sealed OFD verifies
//! TOTAL_PASSED through `/v1/verify`; retries with the same Idempotency-Key return the same
//! licence; bad input is a clear problem; another agency cannot touch it; a change supersedes
//! the old version; suspension and revocation show in the public signed status.

mod common;
use common::http::{Server, get, post_json};
use common::init_region;
use common::licence::{agency, values, verify_object};
use serde_json::{Value, json};

const AGENCY: &str = "11440100MB2C12345P";
const OTHER_AGENCY: &str = "11440100MB2C10001P";

async fn status_of(base: &str, id: &str) -> Value {
    let r = get(&format!("{base}/v1/licences/{id}/status"), None).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type").as_deref(), Some("application/cms"));
    let read = yinxin::licence::status::read(&r.body).expect("a validly signed status");
    serde_json::to_value(read.statement).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_verify_change_and_revoke_over_http() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    init_region(&data, None);
    let token = agency(&data, &work, "广州市市场监督管理局", AGENCY, "agency");
    let other = agency(&data, &work, "深圳市示例局", OTHER_AGENCY, "other");
    // Logged at debug level: no identity number may reach the log.
    let log = tmp.path().join("serve.log");
    let server = Server::start_logged(&data, &[], &log);
    let base = server.base.clone();
    let licences = format!("{base}/v1/licences");

    // Each shipped kind: issued, sealed, and the OFD verifies.
    let mut ids = Vec::new();
    for kind in [
        "business-licence",
        "food-business-licence",
        "professional-qualification",
    ] {
        let r = post_json(
            &licences,
            Some(&token),
            &json!({"kind": kind, "values": values(kind)}),
        )
        .await;
        assert_eq!(
            r.status,
            201,
            "{kind}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let j = r.json();
        let id = j["identifier"].as_str().unwrap().to_string();
        let (parsed, rule) = yinxin::licence::LicenceId::parse_checked(&id).unwrap();
        assert_eq!(rule, yinxin::licence::CheckRule::Standard);
        assert_eq!(parsed.issuer_code, AGENCY);
        assert!(j["qr"].as_str().unwrap().contains("/V/"), "{j}");
        let doc = get(&format!("{licences}/{id}/document"), Some(&token)).await;
        assert_eq!(doc.status, 200);
        let report = verify_object(&base, &doc.body).await;
        assert_eq!(report["indication"], "TOTAL_PASSED", "{kind}: {report:#}");
        ids.push(id);
    }

    // The person's identity number is masked for auditors, shown to the issuing agency.
    let (_, auditor) = common::http::token(&data, "auditor", None);
    let seen = get(&format!("{licences}/{}", ids[2]), Some(&auditor))
        .await
        .json();
    assert_eq!(seen["fields"]["id_number"], "110************02X", "{seen}");
    let own = get(&format!("{licences}/{}", ids[2]), Some(&token))
        .await
        .json();
    assert_eq!(own["fields"]["id_number"], "11010519491231002X");

    // Idempotency: the same key twice, one licence.
    let body = json!({"kind": "business-licence", "values": values("business-licence")});
    let first = common::http::call(
        "POST",
        &licences,
        Some(&token),
        &[
            ("content-type", "application/json"),
            ("idempotency-key", "order-42"),
        ],
        body.to_string().into_bytes(),
    )
    .await;
    assert_eq!(
        first.status,
        201,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    let again = common::http::call(
        "POST",
        &licences,
        Some(&token),
        &[
            ("content-type", "application/json"),
            ("idempotency-key", "order-42"),
        ],
        body.to_string().into_bytes(),
    )
    .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["replayed"], true);
    assert_eq!(again.json()["identifier"], first.json()["identifier"]);
    // The very QR text printed on the face (an SM2 signature made again would differ).
    assert_eq!(again.json()["qr"], first.json()["qr"]);
    assert!(first.json()["qr"].as_str().unwrap().contains("/V/"));

    // Bad input: each a clear problem.
    let mut bad = values("business-licence");
    bad["credit_code"] = json!("91440101MA5CJMYA98");
    let r = post_json(
        &licences,
        Some(&token),
        &json!({"kind": "business-licence", "values": bad}),
    )
    .await;
    r.assert_problem(422, "invalid-licence-fields");
    assert!(
        r.json()["detail"].as_str().unwrap().contains("credit_code"),
        "{}",
        r.json()
    );
    post_json(
        &licences,
        Some(&token),
        &json!({"kind": "no-such-kind", "values": {}}),
    )
    .await
    .assert_problem(422, "unknown-licence-kind");
    let mut person = values("professional-qualification");
    person["id_number"] = json!("11010519491231002Y");
    let r = post_json(
        &licences,
        Some(&token),
        &json!({"kind": "professional-qualification", "values": person}),
    )
    .await;
    r.assert_problem(422, "invalid-licence-fields");
    assert!(
        !String::from_utf8_lossy(&r.body).contains("11010519491231002"),
        "no identity number echoed"
    );
    // Another agency may not revoke, change or read it.
    post_json(
        &format!("{licences}/{}/revoke", ids[0]),
        Some(&other),
        &json!({"reason": "x"}),
    )
    .await
    .assert_problem(403, "licence-of-another-agency");
    let r = get(&format!("{licences}/{}", ids[0]), Some(&other)).await;
    r.assert_problem(403, "licence-of-another-agency");

    // Change: a new version; the old one superseded, pointing at the new.
    let mut changed = values("business-licence");
    changed["domicile"] = json!("广州市天河区新址路8号");
    let r = post_json(
        &format!("{licences}/{}/change", ids[0]),
        Some(&token),
        &json!({"values": changed}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let new_id = r.json()["identifier"].as_str().unwrap().to_string();
    assert!(new_id.contains(".002."), "{new_id}");
    let old = status_of(&base, &ids[0]).await;
    assert_eq!(old["status"], "superseded");
    assert_eq!(old["current_identifier"], new_id);
    // The superseded version cannot be changed or revoked again.
    post_json(
        &format!("{licences}/{}/revoke", ids[0]),
        Some(&token),
        &json!({"reason": "x"}),
    )
    .await
    .assert_problem(409, "licence-status-conflict");

    // The signed status is reused while it holds: the same bytes, with the same caching.
    let first = get(&format!("{licences}/{new_id}/status"), None).await;
    let again = get(&format!("{licences}/{new_id}/status"), None).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body, again.body, "a cached signed status is reused");

    // Suspend (reason required), resume, revoke: the signed status follows.
    post_json(
        &format!("{licences}/{new_id}/suspend"),
        Some(&token),
        &json!({}),
    )
    .await
    .assert_problem(422, "reason-required");
    let r = post_json(
        &format!("{licences}/{new_id}/suspend"),
        Some(&token),
        &json!({"reason": "抽查"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(status_of(&base, &new_id).await["status"], "suspended");
    let suspended = get(&format!("{licences}/{new_id}/status"), None).await;
    assert_ne!(suspended.body, first.body, "signed anew after the change");
    post_json(
        &format!("{licences}/{new_id}/resume"),
        Some(&token),
        &json!({}),
    )
    .await;
    assert_eq!(status_of(&base, &new_id).await["status"], "active");
    let r = post_json(
        &format!("{licences}/{new_id}/revoke"),
        Some(&token),
        &json!({"reason": "注销登记"}),
    )
    .await;
    assert_eq!(r.status, 200);
    let st = status_of(&base, &new_id).await;
    assert_eq!(st["status"], "revoked");
    assert!(
        st.get("holder_name").is_none(),
        "no personal data in the status"
    );
    get(
        &format!("{licences}/1.2.156.3005.2.A.B.C.001.X/status"),
        None,
    )
    .await
    .assert_problem(404, "not-found");

    // The person's licence was issued, read, refused with a bad number, verified: the log
    // (debug level, every request) holds neither number, whole or in part.
    drop(server);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.lines().count() > 10,
        "the server logged at debug level:\n{logged}"
    );
    for secret in ["11010519491231002", "105194912310", "19491231002"] {
        assert!(!logged.contains(secret), "{secret} in the log");
    }
}

/// The same faces as PDF (`document_format: pdf`): the document is a sealed PDF
/// (`application/pdf`) that `/v1/verify` finds valid with the seal checked; poppler renders it
/// with the face's text (`pdftotext`) and its QR code, which decodes to the licence's QR text;
/// the GB/T 36903 metadata travels inside as `metadata.json`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licences_issued_as_pdf() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    init_region(&data, None);
    let token = agency(&data, &work, "广州市市场监督管理局", AGENCY, "agency");
    let server = Server::start(&data, &[]);
    let base = server.base.clone();
    let licences = format!("{base}/v1/licences");
    let r = post_json(
        &licences,
        Some(&token),
        &json!({"kind": "business-licence", "values": values("business-licence"),
                "document_format": "pdf"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let j = r.json();
    let id = j["identifier"].as_str().unwrap().to_string();
    let doc = get(&format!("{licences}/{id}/document"), Some(&token)).await;
    assert_eq!(doc.status, 200);
    assert_eq!(
        doc.header("content-type").as_deref(),
        Some("application/pdf")
    );
    let pdf = doc.body.clone();
    assert!(pdf.starts_with(b"%PDF-"));
    let report = verify_object(&base, &pdf).await;
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report:#}");
    assert_eq!(
        report["signatures"][0]["seal"]["indication"],
        "TOTAL_PASSED"
    );
    // Verified as a licence, as an OFD one is: the metadata sealed, the seal the issuer's
    // e-licence seal, the registry's data signature and status.
    assert_eq!(report["object"], "e-licence", "{report:#}");
    assert_eq!(report["pdf_indication"], "TOTAL_PASSED");
    let checks = report["licence"]["checks"].as_array().unwrap();
    for c in [
        "pdf",
        "metadata",
        "metadata-sealed",
        "seal",
        "identifier",
        "status",
        "data-signature",
    ] {
        assert!(
            checks
                .iter()
                .any(|x| x["check"] == c && x["outcome"] == "passed"),
            "{c}: {report:#}"
        );
    }
    // The metadata, embedded (and covered by the seal's signature).
    let parsed = lopdf::Document::load_mem(&pdf).unwrap();
    assert!(
        parsed
            .catalog()
            .unwrap()
            .get(b"Names")
            .and_then(|n| n.as_dict())
            .and_then(|n| n.get(b"EmbeddedFiles"))
            .is_ok()
    );
    let path = tmp.path().join("licence.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let Ok(o) = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
    else {
        println!("skipped: pdftotext is not installed (.ci/run installs poppler-utils)");
        return;
    };
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("统一社会信用代码") && text.contains("广州示例科技有限公司"),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The QR, rendered by poppler and decoded: the licence's QR text.
    let prefix = tmp.path().join("face");
    let o = std::process::Command::new("pdftoppm")
        .args(["-r", "400", "-png", "-singlefile"])
        .arg(&path)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let png = std::fs::read(tmp.path().join("face.png")).unwrap();
    let img = {
        let mut d = png::Decoder::new(std::io::Cursor::new(png));
        d.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut r = d.read_info().unwrap();
        let mut buf = vec![0u8; r.output_buffer_size().unwrap()];
        let info = r.next_frame(&mut buf).unwrap();
        let ch = info.color_type.samples();
        let (w, h) = (info.width as usize, info.height as usize);
        let grey: Vec<u8> = buf.chunks_exact(ch).take(w * h).map(|c| c[0]).collect();
        (w, h, grey)
    };
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(img.0, img.1, |x, y| img.2[y * img.0 + x]);
    let texts: Vec<String> = prepared
        .detect_grids()
        .iter()
        .filter_map(|g| g.decode().ok().map(|(_, t)| t))
        .collect();
    assert!(
        texts.iter().any(|t| t == j["qr"].as_str().unwrap()),
        "{texts:?} vs {}",
        j["qr"]
    );

    // Forgery: the embedded metadata rewritten in a later revision (another holder name): the
    // seal's signature fails the modification analysis and the licence is not valid.
    let forged = {
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let stream_id = doc
            .objects
            .iter()
            .find(|(_, o)| {
                o.as_stream().is_ok_and(|s| {
                    s.dict
                        .get(b"Type")
                        .is_ok_and(|t| t.as_name().ok() == Some(b"EmbeddedFile".as_slice()))
                })
            })
            .map(|(id, _)| *id)
            .unwrap();
        let mut inc = lopdf::IncrementalDocument::create_from(pdf.clone(), doc);
        inc.opt_clone_object_to_new_document(stream_id).unwrap();
        if let Ok(lopdf::Object::Stream(st)) = inc.new_document.get_object_mut(stream_id) {
            let text = String::from_utf8(st.decompressed_content().unwrap()).unwrap();
            st.set_plain_content(
                text.replace("广州示例科技有限公司", "冒名顶替有限公司")
                    .into_bytes(),
            );
        }
        let mut out = Vec::new();
        inc.save_to(&mut out).unwrap();
        out
    };
    let report = verify_object(&base, &forged).await;
    assert_eq!(report["indication"], "TOTAL_FAILED", "{report:#}");
    assert_eq!(report["pdf_indication"], "TOTAL_FAILED", "{report:#}");

    // Revoked: the same PDF, still validly sealed, is no longer a valid licence.
    let r = post_json(
        &format!("{licences}/{id}/revoke"),
        Some(&token),
        &json!({"reason": "吊销"}),
    )
    .await;
    assert!(r.status < 300, "{}", String::from_utf8_lossy(&r.body));
    let report = verify_object(&base, &pdf).await;
    assert_eq!(report["pdf_indication"], "TOTAL_PASSED", "{report:#}");
    assert_eq!(report["indication"], "TOTAL_FAILED", "{report:#}");
    assert!(
        report["licence"]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["check"] == "status" && x["outcome"] == "failed"),
        "{report:#}"
    );
}
