//! Seals on PDFs and the PDF commands, against a real `yinxin serve`:
//! - `POST /v1/documents/seal` with a PDF: a visible signature showing the seal (poppler renders
//!   the seal's red where it was asked for), the SES_Signature in the CMS; `/v1/verify` checks
//!   the seal through the seal engine — valid, then not once the seal is revoked; a P-256
//!   holder's sealed PDF is valid for pdfsig and pyHanko too; a seal centred on a keyword of
//!   the page's text lands there; a missing keyword and a stamp off the page are 422
//!   `placement`.
//! - The CLI: `yinxin sign --pdf --level B-T`, `yinxin extend --level B-LTA`, `yinxin seal apply`
//!   on a PDF, each checked by `yinxin verify`.

mod common;
use common::http::{
    Server, call, issue_generated_org, issue_generated_org_alg, post_json, signer_token, token,
};
use common::{RED_PNG, run_ok, yinxin};
use serde_json::json;
use std::path::Path;

fn approval() -> Vec<u8> {
    common::pdf::one_page_pdf("BT /F1 24 Tf 72 720 Td (Approved) Tj ET\n")
}

/// Render page 1 of `pdf` at 36 dpi with poppler's `pdftoppm`: (width, height, RGB pixels),
/// or `None` when pdftoppm is not installed.
fn render(pdf: &Path) -> Option<(usize, usize, Vec<u8>)> {
    let prefix = pdf.with_extension("render");
    let o = std::process::Command::new("pdftoppm")
        .args(["-r", "36", "-png", "-singlefile"])
        .arg(pdf)
        .arg(&prefix)
        .output();
    let Ok(o) = o else {
        println!("skipped: pdftoppm is not installed (.ci/run installs poppler-utils)");
        return None;
    };
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(format!("{}.png", prefix.display())).unwrap();
    let mut d = png::Decoder::new(std::io::Cursor::new(bytes));
    d.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut r = d.read_info().unwrap();
    let mut buf = vec![0u8; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    let ch = info.color_type.samples();
    let rgb = buf
        .chunks_exact(ch)
        .flat_map(|c| [c[0], c[1], c[2]])
        .collect();
    Some((info.width as usize, info.height as usize, rgb))
}

/// The share of strongly red pixels in the box `[x0, x1) × [y0, y1)` (pixels from the top-left).
fn red_share(img: &(usize, usize, Vec<u8>), x0: usize, y0: usize, x1: usize, y1: usize) -> f64 {
    let (w, _, px) = img;
    let mut red = 0usize;
    let mut all = 0usize;
    for y in y0..y1 {
        for x in x0..x1 {
            let i = (y * w + x) * 3;
            all += 1;
            if px[i] > 180 && px[i + 1] < 90 && px[i + 2] < 90 {
                red += 1;
            }
        }
    }
    red as f64 / all.max(1) as f64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pdfs_sealed_over_http() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let tmp = tempfile::tempdir().unwrap();
    let (data, work) = (tmp.path().join("data"), tmp.path().join("work"));
    std::fs::create_dir_all(&work).unwrap();
    common::init_region(&data, None);
    let sm2 = issue_generated_org(&data, &work, "盖章单位", "91350100M000100Y43", "sm2");
    let p256 = issue_generated_org_alg(
        &data,
        &work,
        "盖章单位",
        "91350100M000100Y43",
        "p256",
        "p256",
    );
    let (_, admin) = token(&data, "seal-admin", Some("91350100M000100Y43"));
    let sm2_token = signer_token(&data, &work, &sm2, "sm2");
    let p256_token = signer_token(&data, &work, &p256, "p256");
    let server = Server::start(&data, &[]);
    let base = server.base.clone();
    let picture = b64.encode(RED_PNG);
    let seal = |signer: String| {
        let (base, admin, picture) = (base.clone(), admin.clone(), picture.clone());
        async move {
            let r = post_json(
                &format!("{base}/v1/seals"),
                Some(&admin),
                &json!({"holder": "91350100M000100Y43", "type": "official", "name": "盖章单位",
                        "signers": [signer], "picture_png_base64": picture}),
            )
            .await;
            assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
            r.json()["id"].as_str().unwrap().to_string()
        }
    };
    let sm2_seal = seal(sm2.clone()).await;
    let p256_seal = seal(p256.clone()).await;
    let apply = |token: String, query: String, body: Vec<u8>| {
        let base = base.clone();
        async move {
            call(
                "POST",
                &format!("{base}/v1/documents/seal?{query}"),
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

    let r = apply(
        sm2_token.clone(),
        format!("seal={sm2_seal}&page=1&x=120&y=200"),
        approval(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type").as_deref(), Some("application/pdf"));
    assert_eq!(
        r.header("x-yinxin-seal").as_deref(),
        Some(sm2_seal.as_str())
    );
    let sealed = r.body.clone();
    assert!(sealed.starts_with(&approval()));
    let rep = verify(sealed.clone()).await;
    assert_eq!(rep["indication"], "TOTAL_PASSED", "{rep:#}");
    let s = &rep["signatures"][0];
    assert_eq!(s["sub_filter"], "adbe.pkcs7.detached");
    assert_eq!(s["seal"]["indication"], "TOTAL_PASSED", "{rep:#}");
    assert!(
        s["detail"].as_str().unwrap().contains("seal valid"),
        "{rep:#}"
    );

    // The citizen page, given the sealed PDF: 有效, who sealed it, with which seal.
    let boundary = "----yinxin-pdf-boundary-3vQ";
    let mut form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"lang\"\r\n\r\nzh-CN\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"sealed.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    form.extend_from_slice(&sealed);
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let page = call(
        "POST",
        &format!("{base}/verify"),
        None,
        &[(
            "content-type",
            &format!("multipart/form-data; boundary={boundary}"),
        )],
        form,
    )
    .await;
    assert_eq!(page.status, 200);
    let html = String::from_utf8_lossy(&page.body);
    assert!(html.contains("result result-valid"), "{html}");
    assert!(html.contains("<dt>单位</dt><dd>盖章单位</dd>"), "{html}");
    assert!(
        html.contains("由时间戳证明"),
        "the seal's time-stamp proves the time: {html}"
    );

    // Visible where asked: the seal's red in a box whose top-left corner is at (120, 200) mm.
    let path = tmp.path().join("sealed.pdf");
    std::fs::write(&path, &sealed).unwrap();
    if let Some(img) = render(&path) {
        let mm = |v: f64| (v * 36.0 / 25.4) as usize;
        assert_eq!(img.0, mm(210.0) + 1, "A4 at 36 dpi");
        let inside = red_share(&img, mm(122.0), mm(202.0), mm(138.0), mm(218.0));
        let elsewhere = red_share(&img, mm(20.0), mm(20.0), mm(60.0), mm(60.0));
        assert!(inside > 0.3, "the seal's red at its place: {inside}");
        assert_eq!(elsewhere, 0.0);
    }

    // Centred on a keyword of the page's text: "Approved" set at (72, 720) pt in 24 pt
    // Helvetica is centred near (42 mm, 40 mm) from the top-left.
    let r = apply(
        sm2_token.clone(),
        format!("seal={sm2_seal}&keyword=Approved"),
        approval(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let rep = verify(r.body.clone()).await;
    assert_eq!(rep["indication"], "TOTAL_PASSED", "{rep:#}");
    let kw_path = tmp.path().join("keyword.pdf");
    std::fs::write(&kw_path, &r.body).unwrap();
    if let Some(img) = render(&kw_path) {
        let mm = |v: f64| (v * 36.0 / 25.4) as usize;
        let centre = red_share(&img, mm(36.0), mm(34.0), mm(48.0), mm(46.0));
        let corner = red_share(&img, mm(120.0), mm(200.0), mm(160.0), mm(240.0));
        assert!(centre > 0.2, "the seal centred on the keyword: {centre}");
        assert_eq!(corner, 0.0);
    }
    // Where it cannot go.
    apply(
        sm2_token.clone(),
        format!("seal={sm2_seal}&keyword=Rejected"),
        approval(),
    )
    .await
    .assert_problem(422, "placement");
    apply(
        sm2_token.clone(),
        format!("seal={sm2_seal}&page=1&x=200&y=200"),
        approval(),
    )
    .await
    .assert_problem(422, "placement");
    apply(
        sm2_token.clone(),
        format!("seal={sm2_seal}&page=3&x=20&y=20"),
        approval(),
    )
    .await
    .assert_problem(422, "invalid-document");

    // A P-256 holder: the independent tools agree.
    let r = apply(
        p256_token.clone(),
        format!("seal={p256_seal}&page=1&x=20&y=20"),
        approval(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let p256_sealed = r.body.clone();
    let rep = verify(p256_sealed.clone()).await;
    assert_eq!(rep["indication"], "TOTAL_PASSED", "{rep:#}");
    assert_eq!(rep["signatures"][0]["sub_filter"], "ETSI.CAdES.detached");
    let p256_path = tmp.path().join("p256-sealed.pdf");
    std::fs::write(&p256_path, &p256_sealed).unwrap();
    if std::process::Command::new("pdfsig")
        .arg("-v")
        .output()
        .is_ok()
    {
        let o = std::process::Command::new("pdfsig")
            .arg(&p256_path)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains("Signature is Valid"), "{out}");
    }
    let pyhanko = std::env::var("YINXIN_PYHANKO").unwrap_or_else(|_| "pyhanko".into());
    if std::process::Command::new(&pyhanko)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let o = std::process::Command::new(&pyhanko)
            .args([
                "sign",
                "validate",
                "--no-revocation-check",
                "--pretty-print",
            ])
            .arg("--trust")
            .arg(data.join("ca/p256-root.pem"))
            .arg("--other-certs")
            .arg(data.join("ca/p256-issuing.pem"))
            .arg(&p256_path)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && out.contains("The signature is judged VALID"),
            "{out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
    } else {
        println!("skipped: pyHanko is not installed (.ci/run installs it in a venv)");
    }

    // The seal revoked: the same PDF no longer verifies as sealed.
    let r = call(
        "POST",
        &format!("{base}/v1/seals/{sm2_seal}/revoke"),
        Some(&admin),
        &[("content-type", "application/json")],
        json!({}).to_string().into_bytes(),
    )
    .await;
    assert!(r.status < 300, "{}", String::from_utf8_lossy(&r.body));
    let rep = verify(sealed.clone()).await;
    assert_ne!(rep["indication"], "TOTAL_PASSED", "{rep:#}");
    assert_ne!(rep["signatures"][0]["seal"]["indication"], "TOTAL_PASSED");
    assert!(
        rep["signatures"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("SES_Signature"),
        "{rep:#}"
    );
    // And a revoked seal is not applied.
    apply(
        sm2_token,
        format!("seal={sm2_seal}&page=1&x=20&y=20"),
        approval(),
    )
    .await
    .assert_problem(409, "seal-not-active");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pdf_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, work) = (tmp.path().join("data"), tmp.path().join("work"));
    std::fs::create_dir_all(&work).unwrap();
    let port = common::free_port();
    run_ok(
        yinxin()
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
    run_ok(
        yinxin()
            .args(["crl", "--ca", "p256-root", "--data-dir"])
            .arg(&data)
            .arg("--out")
            .arg(work.join("root.crl")),
    );
    let server = Server::start_at(&data, &format!("127.0.0.1:{port}"), &[]);
    let tsa = format!("{}/tsa", server.base);
    let input = work.join("approval.pdf");
    std::fs::write(&input, approval()).unwrap();
    let signer = |extra: &[&str], out: &Path| {
        let mut c = yinxin();
        c.args(["sign", "--in"])
            .arg(&input)
            .arg("--out")
            .arg(out)
            .arg("--cert")
            .arg(work.join("p256/cert.pem"))
            .arg("--key")
            .arg(work.join("p256/key.pem"))
            .arg("--key-passphrase-file")
            .arg(work.join("kp.txt"))
            .arg("--chain")
            .arg(data.join("ca/p256-issuing.pem"))
            .args(extra);
        c.output().unwrap()
    };
    let verify = |file: &Path| {
        let o = yinxin()
            .arg("verify")
            .arg(file)
            .arg("--anchor")
            .arg(data.join("ca/p256-root.pem"))
            .arg("--no-revocation")
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    // B-T with our TSA over HTTP.
    let bt = work.join("bt.pdf");
    let o = signer(&["--pdf", "--level", "B-T", "--tsa", &tsa], &bt);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["level"], "B-T");
    let (code, out) = verify(&bt);
    assert_eq!(code, Some(0), "{out}");
    // A certification signature from the command line.
    let certified = work.join("certified.pdf");
    let o = signer(&["--pdf", "--certify", "form-fill"], &certified);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = yinxin()
        .arg("verify")
        .arg(&certified)
        .arg("--anchor")
        .arg(data.join("ca/p256-root.pem"))
        .arg("--no-revocation")
        .arg("--json")
        .output()
        .unwrap();
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["signatures"][0]["docmdp"], 2, "{j:#}");
    let o = signer(&["--pdf", "--certify", "all"], &work.join("z.pdf"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-changes"));
    // B-T without a TSA, an unknown level: one line, non-zero.
    let o = signer(&["--pdf", "--level", "B-T"], &work.join("x.pdf"));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--tsa"));
    let o = signer(&["--level", "B-Z"], &work.join("y.pdf"));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("B-LTA"));
    // extend to B-LTA from the region's data (its CA certificates and CRLs).
    let lta = work.join("lta.pdf");
    let o = yinxin()
        .args(["extend", "--level", "B-LTA", "--tsa", &tsa, "--data-dir"])
        .arg(&data)
        .arg("--in")
        .arg(&bt)
        .arg("--out")
        .arg(&lta)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let extended = std::fs::read(&lta).unwrap();
    assert!(extended.starts_with(&std::fs::read(&bt).unwrap()));
    let (code, out) = verify(&lta);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("document time-stamp"), "{out}");
    // B-LTA in one step.
    let direct = work.join("direct.pdf");
    let o = signer(
        &[
            "--level",
            "B-LTA",
            "--tsa",
            &tsa,
            "--data-dir",
            &data.to_string_lossy(),
        ],
        &direct,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = {
        let o = yinxin()
            .arg("verify")
            .arg(&direct)
            .arg("--anchor")
            .arg(data.join("ca/p256-root.pem"))
            .arg("--no-revocation")
            .arg("--json")
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    assert_eq!(report["signatures"][0]["level"], "B-LTA", "{report:#}");
    assert!(report["dss"]["crls"].as_u64().unwrap() >= 2, "{report:#}");

    // seal apply on a PDF (a seal of the P-256 holder, made with the CLI).
    let png = work.join("red.png");
    std::fs::write(&png, RED_PNG).unwrap();
    let seal = common::seal_create(&data, "盖章单位", &p256, &png, &work.join("seal.esl"));
    let id = seal["id"].as_str().unwrap().to_string();
    let sealed = work.join("sealed.pdf");
    let o = yinxin()
        .args([
            "seal", "apply", "--seal", &id, "--page", "1", "--at", "30,40", "--tsa", &tsa,
        ])
        .arg("--data-dir")
        .arg(&data)
        .arg("--in")
        .arg(&input)
        .arg("--out")
        .arg(&sealed)
        .arg("--cert")
        .arg(work.join("p256/cert.pem"))
        .arg("--key")
        .arg(work.join("p256/key.pem"))
        .arg("--key-passphrase-file")
        .arg(work.join("kp.txt"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pdf = std::fs::read(&sealed).unwrap();
    assert!(pdf.windows(8).any(|w| w == b"/Subtype"));
    let rep = {
        let o = yinxin()
            .arg("verify")
            .arg(&sealed)
            .arg("--anchor")
            .arg(data.join("ca/p256-root.pem"))
            .arg("--anchor")
            .arg(data.join("ca/sm2-root.pem"))
            .arg("--no-revocation")
            .arg("--json")
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    assert!(rep["signatures"][0]["seal"].is_object(), "{rep:#}");
    // A keyword that is not there: one line, non-zero.
    let o = yinxin()
        .args(["seal", "apply", "--seal", &id, "--keyword", "Rejected"])
        .arg("--data-dir")
        .arg(&data)
        .arg("--in")
        .arg(&input)
        .arg("--out")
        .arg(work.join("kw.pdf"))
        .arg("--cert")
        .arg(work.join("p256/cert.pem"))
        .arg("--key")
        .arg(work.join("p256/key.pem"))
        .arg("--key-passphrase-file")
        .arg(work.join("kp.txt"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Rejected") && err.lines().count() == 1,
        "{err}"
    );
}
