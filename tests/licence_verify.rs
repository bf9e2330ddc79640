//! E-licence verification end to end, on a region made here: a business licence issued by the
//! licence service (the agency's organization certificate, its registered 电子证照专用章, the
//! region's QR signer, the SQL registry) verifies TOTAL_PASSED through `POST /v1/verify` (the
//! OFD and `{"qr": …}`) and offline through `yinxin verify` with the region's trust list and
//! the licence's signed status; a QR payload signed by another key under the real key id fails;
//! once revoked, both the file and the QR fail as REVOKED.

mod common;
use common::http::{Server, call, get, post_json};
use common::region::{pass, test_region};
use common::{RED_PNG, profile_signer, run_ok, yinxin};
use serde_json::{Value, json};
use yinxin::licence::blobs::MemoryBlobStore;
use yinxin::licence::service::{IssueRequest, Registry, Sealer};
use yinxin::licence::{Agency, Catalogue, Event};
use yinxin::seal::service::SealRepository;

const AGENCY: &str = "91350100M000100Y43";

fn b64(b: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_issued_licence_verifies_over_http_and_offline_until_revoked() {
    let r = test_region("gd", "广东测试区").await;
    let now = yinxin::clock::now_secs();
    let (signer, cert, serial) = profile_signer(
        &r.region,
        "organization",
        json!({"name": "福州市市场监督管理局", "credit_code": AGENCY}),
    )
    .await;
    let t = yinxin::seal::types::by_key("e-licence").unwrap();
    let seal = yinxin::seal::service::make_seal(
        &yinxin::seal::service::SealRequest {
            region: "gd",
            seal_type: &t,
            holder: AGENCY,
            name: "福州市市场监督管理局电子证照专用章",
            signers: vec![(serial, cert.clone())],
            picture_png: RED_PNG.to_vec(),
            validity_days: 365,
            now: now - 60,
        },
        r.maker.0.as_ref(),
        &r.maker.1,
    )
    .unwrap();
    r.store
        .insert_seal(
            &seal,
            &yinxin::pki::repo::AuditEvent::now("test", "seal.create", &seal.id, "success", ""),
        )
        .await
        .unwrap();
    let (qr_signer, qr_cert) = r
        .region
        .service_signer("sm2-licence-qr-signer", &pass())
        .await
        .unwrap();
    let hasher = yinxin::pki::region::load_holder_hasher(&r.dir, &pass()).unwrap();
    let vault = yinxin::licence::vault::Vault::new(&hasher);
    let blobs = MemoryBlobStore::default();
    let catalogue = Catalogue::builtin();
    let reg = Registry {
        catalogue: &catalogue,
        repo: r.store.as_ref(),
        blobs: &blobs,
        vault: &vault,
        hasher: &hasher,
        region: "gd",
        public_base: "http://127.0.0.1:8080",
        qr_signer: qr_signer.as_ref(),
        qr_cert: &qr_cert,
    };
    let sealer = Sealer {
        seal: &seal,
        signer: signer.as_ref(),
        cert: &cert,
        chain: &r.intermediates,
        timestamp: None,
        format: yinxin::licence::service::DocumentFormat::Ofd,
    };
    let values = json!({
        "credit_code": "91440101MA5CJMYA97",
        "name": "广州示例科技有限公司",
        "entity_type": "有限责任公司",
        "legal_representative": "张三",
        "business_scope": "软件开发。",
        "established": "2019-03-01",
        "domicile": "广州市天河区示例路1号"
    });
    let issued = reg
        .issue(
            &sealer,
            IssueRequest {
                kind: "business-licence".into(),
                agency: Agency {
                    credit_code: AGENCY.into(),
                    name: "福州市市场监督管理局".into(),
                },
                values: values.as_object().unwrap().clone(),
                external_key: None,
                actor: "test".into(),
            },
            now,
        )
        .await
        .unwrap_or_else(|e| panic!("issue: {e}"));
    let id = issued.licence.id.to_string();
    let work = r.tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let ofd_file = work.join("licence.ofd");
    std::fs::write(&ofd_file, &issued.document).unwrap();

    // Offline: the region's trust list, its pin, the licence's signed status.
    run_ok(
        yinxin()
            .args(["trust-list", "publish", "--data-dir"])
            .arg(&r.dir),
    );
    let list = work.join("list.cms");
    let shown = run_ok(
        yinxin()
            .args(["trust-list", "show", "--data-dir"])
            .arg(&r.dir)
            .arg("--out")
            .arg(&list),
    );
    let pin = serde_json::from_slice::<Value>(&shown.stdout).unwrap()["signer_sha256"]["sm2"]
        .as_str()
        .unwrap()
        .to_string();
    let (tl_signer, tl_cert) = r
        .region
        .service_signer("sm2-trust-list-signer", &pass())
        .await
        .unwrap();
    let st = yinxin::licence::service::statement(r.store.as_ref(), "gd", &id, now, 3600)
        .await
        .unwrap();
    let signed = yinxin::licence::status::sign(&st, tl_signer.as_ref(), &tl_cert, now).unwrap();
    let status_file = work.join("status.cms");
    std::fs::write(&status_file, &signed).unwrap();
    let offline = |what: &[&str], with_status: bool| {
        let mut c = yinxin();
        c.arg("verify")
            .args(what)
            .arg("--trust-list")
            .arg(&list)
            .args(["--trust-pin", &pin, "--no-revocation", "--json"]);
        if with_status {
            c.arg("--licence-status").arg(&status_file);
        }
        let o = c.output().unwrap();
        let j: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| {
            panic!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        });
        (o.status.code(), j)
    };
    let file = ofd_file.to_str().unwrap();
    let (code, j) = offline(&[file], true);
    assert_eq!(code, Some(0), "{j:#}");
    assert_eq!(j["object"], "e-licence", "{j:#}");
    assert_eq!(j["licence"]["region"], "gd", "{j:#}");
    assert_eq!(j["ofd_indication"], "TOTAL_PASSED", "{j:#}");
    let (code, j) = offline(&["--qr", &issued.qr_text], true);
    assert_eq!(code, Some(0), "{j:#}");
    assert_eq!(j["claims"]["holder_name"], "广州示例科技有限公司", "{j:#}");
    // Without the status: undecided.
    let (code, j) = offline(&[file], false);
    assert_eq!(code, Some(2), "{j:#}");
    assert_eq!(j["licence"]["reason"], "licence-status-unknown", "{j:#}");
    // A relying party with only the region's root (no trust list): the signed status counts,
    // its signer validating as a trust-list signer to the root the seal validated to.
    let seal_status = work.join("seal-status.cms");
    std::fs::write(
        &seal_status,
        yinxin::seal::status::issue(&seal, "gd", r.maker.0.as_ref(), &r.maker.1, now, 3600)
            .unwrap(),
    )
    .unwrap();
    let anchored = |with_status: bool| {
        let mut c = yinxin();
        c.args(["verify", file, "--anchor"])
            .arg(r.dir.join("ca/sm2-root.pem"))
            .arg("--chain")
            .arg(r.dir.join("ca/sm2-issuing.pem"))
            .arg("--seal-status")
            .arg(&seal_status)
            .args(["--no-revocation", "--json"]);
        if with_status {
            c.arg("--licence-status").arg(&status_file);
        }
        let o = c.output().unwrap();
        let j: Value = serde_json::from_slice(&o.stdout).unwrap();
        (o.status.code(), j)
    };
    let (code, j) = anchored(true);
    assert_eq!(code, Some(0), "{j:#}");
    assert_eq!(j["indication"], "TOTAL_PASSED", "{j:#}");
    assert_eq!(j["licence"]["region"], "gd", "{j:#}");
    let (code, j) = anchored(false);
    assert_eq!(code, Some(2), "{j:#}");
    assert_eq!(j["licence"]["reason"], "licence-status-unknown", "{j:#}");

    // Online: the server's registry decides.
    for ca in ["sm2-root", "sm2-issuing"] {
        run_ok(
            yinxin()
                .args(["crl", "--ca", ca, "--data-dir"])
                .arg(&r.dir)
                .arg("--out")
                .arg(work.join(format!("{ca}.crl"))),
        );
    }
    let server = Server::start(&r.dir, &[]);
    let url = format!("{}/v1/verify", server.base);
    let post_ofd = || {
        call(
            "POST",
            &url,
            None,
            &[("content-type", "application/ofd")],
            issued.document.clone(),
        )
    };
    let post_qr = |text: &str| {
        let body = json!({"qr": text});
        let url = url.clone();
        async move { post_json(&url, None, &body).await }
    };
    let resp = post_ofd().await;
    assert_eq!(resp.status, 200);
    let j = resp.json();
    assert_eq!(j["indication"], "TOTAL_PASSED", "{j:#}");
    assert_eq!(j["licence"]["status"], "active", "{j:#}");
    assert_eq!(j["licence"]["kind"]["key"], "business-licence", "{j:#}");
    let checks: Vec<&str> = j["licence"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"] == "passed")
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert!(checks.contains(&"data-signature"), "{j:#}");
    let j = post_qr(&issued.qr_text).await.json();
    assert_eq!(j["indication"], "TOTAL_PASSED", "{j:#}");
    assert_eq!(j["object"], "e-licence-qr", "{j:#}");
    // The URL the QR carries answers the same report (the path after the printed base).
    let at = issued.qr_text.find("/V/").expect("a /V/ URL");
    let qr_url = format!("{}{}", server.base, &issued.qr_text[at..]);
    let j = get(&qr_url, None).await.json();
    assert_eq!(j["indication"], "TOTAL_PASSED", "{j:#}");
    assert_eq!(j["object"], "e-licence-qr", "{j:#}");
    assert_eq!(j["status"], "active", "{j:#}");
    // One digit changed: not valid.
    let mut bad = issued.qr_text[at..].to_string();
    let last = bad.pop().unwrap();
    bad.push(if last == '0' { '1' } else { '0' });
    let j = get(&format!("{}{bad}", server.base), None).await.json();
    assert_ne!(j["indication"], "TOTAL_PASSED", "{j:#}");
    assert!(
        j["reason"].as_str().unwrap().starts_with("licence-qr"),
        "{j:#}"
    );
    get(&format!("{}/V/{}", server.base, "1".repeat(8000)), None)
        .await
        .assert_problem(422, "invalid-request");
    // A payload signed by another key under the real key id.
    let genuine = yinxin::licence::qr::decode(&issued.qr_text).unwrap();
    let forger = yinxin::crypto::PrivateKey::generate(yinxin::crypto::Algorithm::Sm2)
        .unwrap()
        .signer()
        .unwrap();
    let forged = yinxin::licence::qr::sign(&genuine.claims, &forger, &qr_cert).unwrap();
    let j = post_qr(&forged).await.json();
    assert_eq!(j["indication"], "TOTAL_FAILED", "{j:#}");
    assert_eq!(j["reason"], "licence-qr-signature-invalid", "{j:#}");
    // Neither an object nor a QR text.
    post_json(&url, None, &json!({}))
        .await
        .assert_problem(422, "invalid-request");
    // A plain JSON object as before still verifies objects.
    let j = post_json(&url, None, &json!({"object_base64": b64(&issued.document)}))
        .await
        .json();
    assert_eq!(j["indication"], "TOTAL_PASSED", "{j:#}");

    // A `verify` process holds no key: our QR signer comes from the region's service
    // credentials, the status from the registry.
    let verifier = Server::start_role(&r.dir, "verify", &[], &["YINXIN_KEY_PASSPHRASE"]);
    let j = post_json(
        &format!("{}/v1/verify", verifier.base),
        None,
        &json!({"qr": issued.qr_text}),
    )
    .await
    .json();
    assert_eq!(j["indication"], "TOTAL_PASSED", "{j:#}");
    drop(verifier);

    // Revoked: the file and the QR fail as REVOKED.
    reg.set_status(&id, AGENCY, Event::Revoke, Some("吊销"), "test", now)
        .await
        .unwrap();
    let j = post_ofd().await.json();
    assert_eq!(j["indication"], "TOTAL_FAILED", "{j:#}");
    assert_eq!(j["sub_indication"], "REVOKED", "{j:#}");
    assert_eq!(j["ofd_indication"], "TOTAL_PASSED", "{j:#}");
    assert_eq!(j["licence"]["reason"], "licence-revoked", "{j:#}");
    let j = post_qr(&issued.qr_text).await.json();
    assert_eq!(j["indication"], "TOTAL_FAILED", "{j:#}");
    assert_eq!(j["sub_indication"], "REVOKED", "{j:#}");
    let j = get(&qr_url, None).await.json();
    assert_eq!(j["indication"], "TOTAL_FAILED", "{j:#}");
    assert_eq!(j["sub_indication"], "REVOKED", "{j:#}");
}
