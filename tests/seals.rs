//! Seals made, stamped (server-side) and verified on an SM2 region, and each failure caught by
//! the right step with the right sub-indication; vendor seals and signatures verify as
//! `fixtures/interop/EXPECTED.md` says.

mod common;
use common::region::{TestRegion, test_region};
use common::{RED_PNG, fixture, org_signer};
use serde_json::json;
use std::sync::Arc;
use yinxin::crypto::{Passphrase, PrivateKey, Signer};
use yinxin::seal::service::{self as seals, SealRepository, SealStatus};
use yinxin::seal::verify::VerifyOptions;
use yinxin::seal::{SesSignature, types};
use yinxin::verify::context::Context;
use yinxin::verify::path::RevocationMode;
use yinxin::verify::report::{Indication, SubIndication};

struct Env {
    r: TestRegion,
    signer: (Arc<dyn Signer>, Vec<u8>, String),
    other_signer: (Arc<dyn Signer>, Vec<u8>, String),
}

impl std::ops::Deref for Env {
    type Target = TestRegion;
    fn deref(&self) -> &TestRegion {
        &self.r
    }
}

async fn setup() -> Env {
    let r = test_region("sl", "印章测试区").await;
    let signer = org_signer(&r.region, "盖章单位").await;
    let other_signer = org_signer(&r.region, "别的单位").await;
    Env {
        r,
        signer,
        other_signer,
    }
}

impl Env {
    fn make(&self, validity_days: u32, now: i64) -> seals::SealRecord {
        let t = types::builtin()
            .into_iter()
            .find(|t| t.key == "contract")
            .unwrap();
        seals::make_seal(
            &seals::SealRequest {
                region: "sl",
                seal_type: &t,
                holder: "91350100M000100Y43",
                name: "盖章单位合同专用章",
                signers: vec![(self.signer.2.clone(), self.signer.1.clone())],
                picture_png: RED_PNG.to_vec(),
                validity_days,
                now,
            },
            self.maker.0.as_ref(),
            &self.maker.1,
        )
        .unwrap()
    }

    fn timestamp(&self, sig: &[u8]) -> Option<Vec<u8>> {
        TestRegion::token(&self.tsa, sig, yinxin::clock::now_millis())
    }

    fn opts<'a>(&'a self, data: Option<&'a [u8]>, crls: Vec<Vec<u8>>) -> VerifyOptions<'a> {
        VerifyOptions {
            context: Context::builder()
                .anchors(&self.anchors)
                .intermediates(&self.intermediates)
                .crls(crls)
                .revocation(RevocationMode::Require)
                .shared(),
            trust: None,
            registry: Some(self.store.as_ref()),
            data,
            now: yinxin::clock::now_secs(),
        }
    }
}

fn step<'a>(r: &'a seals::SealReport, name: &str) -> &'a seals::Step {
    r.steps.iter().find(|s| s.name == name).unwrap_or_else(|| {
        panic!(
            "no step {name}: {}",
            serde_json::to_string_pretty(r).unwrap()
        )
    })
}

fn expect(
    r: &seals::SealReport,
    ind: Indication,
    sub: Option<SubIndication>,
    failed_step: Option<&str>,
) {
    assert_eq!(
        (r.indication, r.sub_indication),
        (ind, sub),
        "{}",
        serde_json::to_string_pretty(r).unwrap()
    );
    if let Some(s) = failed_step {
        assert_eq!(
            step(r, s).outcome,
            if ind == Indication::TotalFailed {
                "failed"
            } else {
                "indeterminate"
            },
            "{}",
            serde_json::to_string_pretty(r).unwrap()
        );
    }
}

#[tokio::test]
async fn make_stamp_verify_and_each_failure() {
    let e = setup().await;
    let now = yinxin::clock::now_secs();
    let seal = e.make(365, now);
    e.store
        .insert_seal(
            &seal,
            &yinxin::pki::repo::AuditEvent::now("test", "seal.create", &seal.id, "success", ""),
        )
        .await
        .unwrap();
    let data = "批准：同意立项 — approval text".as_bytes();
    let hash = yinxin::crypto::sm3(data);
    let ts = |s: &[u8]| e.timestamp(s);
    let signed = seals::stamp(
        &seal,
        &hash,
        "approval.txt",
        e.signer.0.as_ref(),
        &e.signer.1,
        now,
        Some(&ts),
    )
    .unwrap();
    let crls = e.crls().await;

    // The seal alone and the stamped signature pass with our anchors, all seven steps.
    let r = seals::verify(&seal.der, &e.opts(None, crls.clone())).await;
    expect(&r, Indication::TotalPassed, None, None);
    let r = seals::verify(&signed, &e.opts(Some(data), crls.clone())).await;
    expect(&r, Indication::TotalPassed, None, None);
    for s in [
        "parse",
        "signature-value",
        "signer-in-cert-list",
        "seal-maker-signature",
        "seal-maker-certificate",
        "seal-registry",
        "seal-validity",
        "signer-certificate",
        "timestamp",
        "data",
    ] {
        assert_eq!(
            step(&r, s).outcome,
            "passed",
            "{s}: {}",
            serde_json::to_string_pretty(&r).unwrap()
        );
    }
    assert_eq!(r.seal["picture"]["type"], "PNG");
    assert!(SesSignature::from_der(&signed).unwrap().timestamp.is_some());

    // Wrong data.
    let r = seals::verify(&signed, &e.opts(Some(b"other data"), crls.clone())).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(SubIndication::SigCryptoFailure),
        Some("data"),
    );

    // Tampered picture: the maker's signature over the seal breaks (the signature's too).
    let mut bad_seal = seal.der.clone();
    let pos = bad_seal.windows(4).position(|w| w == b"IHDR").unwrap();
    bad_seal[pos + 6] ^= 1;
    let r = seals::verify(&bad_seal, &e.opts(None, crls.clone())).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(SubIndication::SigCryptoFailure),
        Some("seal-maker-signature"),
    );

    // Signer not in certList: the stamp is refused, and a forged signature is caught.
    assert!(matches!(
        seals::stamp(
            &seal,
            &hash,
            "x",
            e.other_signer.0.as_ref(),
            &e.other_signer.1,
            now,
            None
        ),
        Err(seals::SealServiceError::SignerNotAllowed)
    ));
    let tbs = SesSignature::tbs_v4(&seal.der, now, &hash, "x").unwrap();
    let forged = SesSignature::assemble_v4(
        &tbs,
        &e.other_signer.1,
        &e.other_signer.0.sign(&tbs).unwrap(),
        None,
    )
    .unwrap();
    let r = seals::verify(&forged, &e.opts(Some(data), crls.clone())).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(SubIndication::ChainConstraintsFailure),
        Some("signer-in-cert-list"),
    );

    // Seal not valid at the signing time (before validStart, after validEnd).
    for t in [now - 86_400, now + 400 * 86_400] {
        let tbs = SesSignature::tbs_v4(&seal.der, t, &hash, "x").unwrap();
        let s = SesSignature::assemble_v4(&tbs, &e.signer.1, &e.signer.0.sign(&tbs).unwrap(), None)
            .unwrap();
        let r = seals::verify(&s, &e.opts(Some(data), crls.clone())).await;
        assert_eq!(
            r.indication,
            Indication::TotalFailed,
            "{}",
            serde_json::to_string_pretty(&r).unwrap()
        );
        assert_eq!(step(&r, "seal-validity").outcome, "failed");
    }

    // Bad timestamp: a token over something else.
    let tbs = SesSignature::tbs_v4(&seal.der, now, &hash, "x").unwrap();
    let sig = e.signer.0.sign(&tbs).unwrap();
    let wrong_ts = e.timestamp(b"not the signature").unwrap();
    let s = SesSignature::assemble_v4(&tbs, &e.signer.1, &sig, Some(&wrong_ts)).unwrap();
    let r = seals::verify(&s, &e.opts(Some(data), crls.clone())).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(SubIndication::FormatFailure),
        Some("timestamp"),
    );

    // Maker certificate without the seal-maker profile (an organization certificate).
    let t = types::builtin()
        .into_iter()
        .find(|t| t.key == "official")
        .unwrap();
    let rogue = seals::make_seal(
        &seals::SealRequest {
            region: "sl",
            seal_type: &t,
            holder: "91350100M000100Y43",
            name: "伪造公章",
            signers: vec![(e.signer.2.clone(), e.signer.1.clone())],
            picture_png: RED_PNG.to_vec(),
            validity_days: 30,
            now,
        },
        e.other_signer.0.as_ref(),
        &e.other_signer.1,
    )
    .unwrap();
    let r = seals::verify(&rogue.der, &e.opts(None, crls.clone())).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(SubIndication::ChainConstraintsFailure),
        Some("seal-maker-recognised"),
    );

    // Seal revoked in the registry.
    assert!(
        e.store
            .set_seal_status(
                &seal.id,
                SealStatus::Revoked,
                &yinxin::pki::repo::AuditEvent::now("test", "seal.revoke", &seal.id, "success", "")
            )
            .await
            .unwrap()
    );
    let r = seals::verify(&signed, &e.opts(Some(data), crls.clone())).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(SubIndication::Revoked),
        Some("seal-registry"),
    );
    let revoked = e.store.seal(&seal.id).await.unwrap().unwrap();
    assert!(matches!(
        seals::stamp(
            &revoked,
            &hash,
            "x",
            e.signer.0.as_ref(),
            &e.signer.1,
            now,
            None
        ),
        Err(seals::SealServiceError::NotActive(..))
    ));
    // A revoked seal stays revoked.
    assert!(
        !e.store
            .set_seal_status(
                &seal.id,
                SealStatus::Active,
                &yinxin::pki::repo::AuditEvent::now(
                    "test",
                    "seal.activate",
                    &seal.id,
                    "success",
                    ""
                )
            )
            .await
            .unwrap()
    );

    // Revoked signer certificate (fresh seal, so that the registry step passes).
    let seal2 = e.make(365, now);
    e.store
        .insert_seal(
            &seal2,
            &yinxin::pki::repo::AuditEvent::now("test", "seal.create", &seal2.id, "success", ""),
        )
        .await
        .unwrap();
    let signed2 = seals::stamp(
        &seal2,
        &hash,
        "approval.txt",
        e.signer.0.as_ref(),
        &e.signer.1,
        now,
        None,
    )
    .unwrap();
    let req = yinxin::pki::revocation::RevokeRequest {
        serial: &e.signer.2,
        reason: yinxin::pki::revocation::RevocationReason::KeyCompromise,
        invalidity_date: None,
        actor: "test",
        scope: None,
        now,
    };
    yinxin::pki::revocation::revoke(e.region.repo.as_ref(), &req)
        .await
        .unwrap();
    let r = seals::verify(&signed2, &e.opts(Some(data), e.crls().await)).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(SubIndication::Revoked),
        Some("signer-certificate"),
    );

    // Without our anchors the chain steps cannot conclude: INDETERMINATE, never PASSED.
    let mut o = e.opts(Some(data), vec![]);
    o.context = Context::builder()
        .intermediates(&e.intermediates)
        .revocation(RevocationMode::Require)
        .shared();
    let r = seals::verify(&signed2, &o).await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(SubIndication::NoCertificateChainFound),
        None,
    );
}

#[tokio::test]
async fn vendor_seals_and_signatures() {
    let opts = VerifyOptions {
        context: Context::builder().revocation(RevocationMode::Off).shared(),
        trust: None,
        registry: None,
        data: None,
        now: 1_650_000_000,
    };
    let read = |n: &str| std::fs::read(fixture(&format!("interop/{n}"))).unwrap();
    for (file, maker_ok) in [
        ("ofdrw-user-v1.esl", true),
        ("ofdrw-user-v4.esl", true),
        ("hebei-gede-seal-badsig.der", false),
    ] {
        let r = seals::verify(&read(file), &opts).await;
        assert_eq!(step(&r, "parse").outcome, "passed", "{file}");
        assert_eq!(
            step(&r, "seal-maker-signature").outcome == "passed",
            maker_ok,
            "{file}: {}",
            serde_json::to_string_pretty(&r).unwrap()
        );
        // Their chains lead to roots we do not hold: never TOTAL_PASSED.
        assert_ne!(r.indication, Indication::TotalPassed, "{file}");
        if !maker_ok {
            assert_eq!(r.indication, Indication::TotalFailed);
        }
    }
    let r = seals::verify(&read("ofdrw-signedvalue-v4.dat"), &opts).await;
    for s in [
        "parse",
        "signature-value",
        "signer-in-cert-list",
        "seal-maker-signature",
    ] {
        assert_eq!(
            step(&r, s).outcome,
            "passed",
            "{s}: {}",
            serde_json::to_string_pretty(&r).unwrap()
        );
    }
    // No data given: what was signed is unchecked, so never a pass (SIGNED_DATA_NOT_FOUND).
    assert_eq!(step(&r, "data").outcome, "indeterminate");
    assert_eq!(
        r.indication,
        Indication::Indeterminate,
        "no anchors: the chains are indeterminate"
    );
    // Garbage is a format failure, not a panic.
    let r = seals::verify(b"\x30\x03\x02\x01\x01", &opts).await;
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::TotalFailed, Some(SubIndication::FormatFailure))
    );
}

/// The CLI: `seal create`, `seal list`, `seal sign`, `verify`, `seal revoke`.
#[test]
fn seal_cli_round_trip() {
    use common::{init_region, run_ok, yinxin};
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init_region(&data, None);
    let w = |n: &str, b: &[u8]| {
        let p = tmp.path().join(n);
        std::fs::write(&p, b).unwrap();
        p
    };
    let serial = common::http::issue_generated_org(
        &data,
        tmp.path(),
        "盖章单位",
        "91350100M000100Y43",
        "signer",
    );
    let png = w("seal.png", RED_PNG);
    let seal = common::seal_create(
        &data,
        "盖章单位",
        &serial,
        &png,
        &tmp.path().join("seal.esl"),
    );
    let id = seal["id"].as_str().unwrap().to_string();
    assert_eq!(seal["status"], "active");
    // Without --picture, the standard look is drawn with the built-in font
    // (tests/seal_picture.rs checks the picture).
    let o = run_ok(
        yinxin()
            .env_remove("YINXIN_SEAL_FONT")
            .args([
                "seal",
                "create",
                "--holder",
                "91350100M000100Y43",
                "--type",
                "finance",
                "--name",
                "盖章单位",
                "--signer",
                &serial,
                "--data-dir",
            ])
            .arg(&data),
    );
    let rec: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let id2 = rec["id"].as_str().unwrap();
    let o = run_ok(yinxin().args(["seal", "list", "--data-dir"]).arg(&data));
    assert!(String::from_utf8_lossy(&o.stdout).contains(id2));
    let o = run_ok(yinxin().args(["seal", "list", "--data-dir"]).arg(&data));
    assert!(String::from_utf8_lossy(&o.stdout).contains(&id));
    let doc = w("approval.txt", "同意".as_bytes());
    run_ok(
        yinxin()
            .args(["seal", "sign", "--seal", &id, "--data-dir"])
            .arg(&data)
            .arg("--in")
            .arg(&doc)
            .arg("--out")
            .arg(tmp.path().join("approval.sig"))
            .arg("--cert")
            .arg(tmp.path().join("signer/cert.pem"))
            .arg("--key")
            .arg(tmp.path().join("signer/key.pem"))
            .arg("--key-passphrase-file")
            .arg(tmp.path().join("kp.txt")),
    );
    // A seal of the anchors' region verifies offline only with its signed status.
    let status = tmp.path().join("status.cms");
    common::http::seal_status_file(&data, &id, &status);
    let verify = |file: &str, extra: &[&str], data_file: Option<&std::path::Path>| {
        let mut c = yinxin();
        c.arg("verify")
            .arg(tmp.path().join(file))
            .arg("--anchor")
            .arg(data.join("ca/sm2-root.pem"))
            .arg("--intermediate")
            .arg(data.join("ca/sm2-issuing.pem"))
            .arg("--seal-status")
            .arg(&status);
        if let Some(d) = data_file {
            c.arg("--data").arg(d);
        }
        c.args(extra);
        c.output().unwrap()
    };
    // Without revocation data the chains are INDETERMINATE (exit 2); with --no-revocation PASSED.
    let o = verify("approval.sig", &[], Some(&doc));
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = verify("approval.sig", &["--no-revocation"], Some(&doc));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("TOTAL_PASSED"));
    let other = w("other.txt", b"changed");
    let o = verify("approval.sig", &["--no-revocation", "--json"], Some(&other));
    assert_eq!(o.status.code(), Some(1));
    let o = verify("seal.esl", &["--no-revocation"], None);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = verify("signer/cert.pem", &["--no-revocation"], None);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = verify("approval.txt", &[], None);
    assert_eq!(o.status.code(), Some(3));
    run_ok(
        yinxin()
            .args(["seal", "revoke", &id, "--data-dir"])
            .arg(&data),
    );
    let o = yinxin()
        .args(["seal", "sign", "--seal", &id, "--data-dir"])
        .arg(&data)
        .arg("--in")
        .arg(&doc)
        .arg("--out")
        .arg(tmp.path().join("again.sig"))
        .arg("--cert")
        .arg(tmp.path().join("signer/cert.pem"))
        .arg("--key")
        .arg(tmp.path().join("signer/key.pem"))
        .arg("--key-passphrase-file")
        .arg(tmp.path().join("kp.txt"))
        .output()
        .unwrap();
    assert!(!o.status.success(), "a revoked seal does not stamp");
    assert!(String::from_utf8_lossy(&o.stderr).contains("revoked"));
}

/// The seal API: seal-admin makes a seal, a signer stamps server-side (imported key) and
/// client-side (prepare/complete), anyone verifies; roles are enforced.
#[tokio::test]
async fn seal_api() {
    use base64::Engine;
    use common::http::*;
    use common::{init_region, yinxin};
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
    let (_, registrar) = token(&data, "registrar", None);
    let signer_token = signer_token(&data, tmp.path(), &serial, "signer");
    let server = Server::start(
        &data,
        &[
            ("YINXIN_RATE_LIMIT_PER_SECOND", "100000"),
            ("YINXIN_RATE_LIMIT_BURST", "100000"),
            ("YINXIN_DOCUMENT_LIMIT_BYTES", "3000000"),
        ],
    );
    let base = &server.base;
    let body = json!({"holder": "91350100M000100Y43", "type": "official", "name": "盖章单位", "signers": [serial], "picture_png_base64": b64.encode(RED_PNG)});
    // Only a seal-admin (of that organization) makes seals.
    post_json(&format!("{base}/v1/seals"), Some(&registrar), &body)
        .await
        .assert_problem(403, "forbidden");
    post_json(&format!("{base}/v1/seals"), Some(&signer_token), &body)
        .await
        .assert_problem(403, "forbidden");
    let mut other = body.clone();
    other["holder"] = json!("91110000802100433B");
    post_json(&format!("{base}/v1/seals"), Some(&admin), &other)
        .await
        .assert_problem(403, "forbidden");
    let mut bad_png = body.clone();
    bad_png["picture_png_base64"] = json!(b64.encode(b"GIF89a not a png"));
    post_json(&format!("{base}/v1/seals"), Some(&admin), &bad_png)
        .await
        .assert_problem(422, "invalid-seal-request");
    let r = post_json(&format!("{base}/v1/seals"), Some(&admin), &body).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["id"].as_str().unwrap().to_string();
    // Fetch as JSON, .esl and picture.
    assert_eq!(
        get(&format!("{base}/v1/seals/{id}"), None).await.json()["status"],
        "active"
    );
    let esl = call(
        "GET",
        &format!("{base}/v1/seals/{id}"),
        None,
        &[("accept", "application/octet-stream")],
        vec![],
    )
    .await
    .body;
    assert!(yinxin::seal::Seal::from_der(&esl).is_ok());
    let pic = call(
        "GET",
        &format!("{base}/v1/seals/{id}"),
        None,
        &[("accept", "image/png")],
        vec![],
    )
    .await;
    assert_eq!(
        (pic.header("content-type").as_deref(), pic.body.as_slice()),
        (Some("image/png"), RED_PNG)
    );

    // Server-side stamping (云签章).
    let doc = "审批意见：同意".as_bytes();
    let r = post_json(
        &format!("{base}/v1/seals/{id}/sign"),
        Some(&signer_token),
        &json!({"data_base64": b64.encode(doc), "property_info": "approval.txt"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["timestamp"], true);
    let sig = b64
        .decode(r.json()["signature_base64"].as_str().unwrap())
        .unwrap();
    post_json(
        &format!("{base}/v1/seals/{id}/sign"),
        Some(&admin),
        &json!({"data_base64": b64.encode(doc)}),
    )
    .await
    .assert_problem(403, "forbidden");

    // Public verification with the original data: all steps pass (CRLs: the server's issuing
    // CRLs and the roots' CRLs published by init).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let report = loop {
        let r = post_json(
            &format!("{base}/v1/verify"),
            None,
            &json!({"object_base64": b64.encode(&sig), "data_base64": b64.encode(doc)}),
        )
        .await;
        assert_eq!(r.status, 200);
        let j = r.json();
        if j["indication"] == "TOTAL_PASSED" || std::time::Instant::now() > deadline {
            break j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report:#}");
    assert!(
        report["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "timestamp" && s["outcome"] == "passed")
    );
    // Raw DER body, wrong data.
    let r = call(
        "POST",
        &format!("{base}/v1/verify"),
        None,
        &[("content-type", "application/octet-stream")],
        sig.clone(),
    )
    .await;
    assert_eq!(
        r.json()["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "data")
            .unwrap()["outcome"],
        "indeterminate"
    );
    let r = post_json(
        &format!("{base}/v1/verify"),
        None,
        &json!({"object_base64": b64.encode(&sig), "data_base64": b64.encode(b"other")}),
    )
    .await;
    assert_eq!(r.json()["indication"], "TOTAL_FAILED");

    // Client-side stamping: prepare, sign locally (e = SM3(Z‖TBS) is given too), complete.
    let cert_pem = std::fs::read_to_string(tmp.path().join("signer/cert.pem")).unwrap();
    let r = post_json(
        &format!("{base}/v1/seals/{id}/prepare"),
        Some(&signer_token),
        &json!({"data_base64": b64.encode(doc), "certificate_pem": cert_pem}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let tbs = b64
        .decode(r.json()["tbs_base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(r.json()["sm3_with_z_hex"].as_str().unwrap().len(), 64);
    let key_pem = std::fs::read_to_string(tmp.path().join("signer/key.pem")).unwrap();
    let key = PrivateKey::from_encrypted_pem(
        &key_pem,
        &Passphrase::new("signer-key-passphrase".into()).unwrap(),
        "k",
    )
    .unwrap();
    let local_sig = key.signer().unwrap().sign(&tbs).unwrap();
    let r = post_json(
        &format!("{base}/v1/seals/{id}/complete"),
        Some(&signer_token),
        &json!({"tbs_base64": b64.encode(&tbs), "signature_base64": b64.encode(&local_sig), "certificate_pem": cert_pem}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let sig2 = b64
        .decode(r.json()["signature_base64"].as_str().unwrap())
        .unwrap();
    let r = post_json(
        &format!("{base}/v1/verify"),
        None,
        &json!({"object_base64": b64.encode(&sig2), "data_base64": b64.encode(doc)}),
    )
    .await;
    assert_eq!(r.json()["indication"], "TOTAL_PASSED", "{:#}", r.json());
    // A bad signature is refused at completion.
    let mut bad = local_sig.clone();
    let n = bad.len() - 2;
    bad[n] ^= 1;
    let r = post_json(
        &format!("{base}/v1/seals/{id}/complete"),
        Some(&signer_token),
        &json!({"tbs_base64": b64.encode(&tbs), "signature_base64": b64.encode(&bad), "certificate_pem": cert_pem}),
    )
    .await;
    r.assert_problem(422, "signature-invalid");

    // Documents: seal an OFD (by keyword, then a second seal at a position), sign a file as CMS.
    {
        use yinxin::document::ofd_write::{Item, NewDocument, NewPage, write_ofd};
        let ofd = write_ofd(&NewDocument {
            pages: vec![NewPage {
                width_mm: 210.0,
                height_mm: 297.0,
                items: vec![Item::Text {
                    x_mm: 20.0,
                    y_mm: 40.0,
                    size_mm: 5.0,
                    text: "审批单位（盖章）".into(),
                    font_name: "宋体".into(),
                }],
            }],
            ..Default::default()
        })
        .unwrap();
        let post = |url: String, token: Option<String>, body: Vec<u8>| async move {
            call(
                "POST",
                &url,
                token.as_deref(),
                &[("content-type", "application/octet-stream")],
                body,
            )
            .await
        };
        let signer = Some(signer_token.clone());
        // %E7%9B%96%E7%AB%A0 = 盖章
        let r = post(
            format!("{base}/v1/documents/seal?seal={id}&keyword=%E7%9B%96%E7%AB%A0"),
            signer.clone(),
            ofd.clone(),
        )
        .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.header("content-type").as_deref(), Some("application/ofd"));
        let once = r.body.clone();
        let r = post(
            format!("{base}/v1/documents/seal?seal={id}&page=1&x=120&y=200"),
            signer.clone(),
            once.clone(),
        )
        .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let twice = r.body.clone();
        let j = post(format!("{base}/v1/verify"), None, twice.clone())
            .await
            .json();
        assert_eq!(j["indication"], "TOTAL_PASSED", "{j:#}");
        let sigs = j["signatures"].as_array().unwrap();
        assert_eq!(sigs.len(), 2);
        assert!(sigs.iter().all(|s| s["indication"] == "TOTAL_PASSED"));
        assert!(
            sigs.iter().all(|s| s["seal"]["steps"]
                .as_array()
                .unwrap()
                .iter()
                .any(|st| st["name"] == "timestamp" && st["outcome"] == "passed")),
            "{j:#}"
        );
        // One changed byte inside a page's content: FAILED naming that file.
        let page = yinxin::document::ofd::Package::from_bytes(&twice)
            .unwrap()
            .names()
            .find(|n| n.ends_with("Content.xml"))
            .unwrap()
            .to_string();
        let j = post(
            format!("{base}/v1/verify"),
            None,
            ofd_replace(&twice, &page, "审批单位", "审核单位"),
        )
        .await
        .json();
        assert_eq!(j["indication"], "TOTAL_FAILED", "{j:#}");
        assert!(j.to_string().contains(&page), "{j:#}");
        // Refusals: no seal id, unknown parameter, not an OFD, no such page, wrong role, too big.
        post(
            format!("{base}/v1/documents/seal"),
            signer.clone(),
            ofd.clone(),
        )
        .await
        .assert_problem(400, "bad-query");
        post(
            format!("{base}/v1/documents/seal?seal={id}&colour=red"),
            signer.clone(),
            ofd.clone(),
        )
        .await
        .assert_problem(400, "bad-query");
        post(
            format!("{base}/v1/documents/seal?seal={id}"),
            signer.clone(),
            b"not a zip at all".to_vec(),
        )
        .await
        .assert_problem(422, "invalid-document");
        post(
            format!("{base}/v1/documents/seal?seal={id}&page=9"),
            signer.clone(),
            ofd.clone(),
        )
        .await
        .assert_problem(422, "placement");
        post(
            format!("{base}/v1/documents/seal?seal={id}"),
            Some(admin.clone()),
            ofd.clone(),
        )
        .await
        .assert_problem(403, "forbidden");
        post(
            format!("{base}/v1/documents/seal?seal={id}"),
            signer.clone(),
            vec![b'P'; 3_000_001],
        )
        .await
        .assert_problem(413, "body-too-large");
        post(
            format!("{base}/v1/documents/seal?seal=no-such-seal"),
            signer.clone(),
            ofd.clone(),
        )
        .await
        .assert_problem(404, "not-found");

        // Detached CMS over any file, verified with its data (and failing with other data).
        let file = "任意文件 any file\n".repeat(1000).into_bytes();
        let r = post(
            format!("{base}/v1/documents/sign"),
            signer.clone(),
            file.clone(),
        )
        .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/pkcs7-signature")
        );
        let p7s = r.body.clone();
        let j = post_json(
            &format!("{base}/v1/verify"),
            None,
            &json!({"object_base64": b64.encode(&p7s), "data_base64": b64.encode(&file)}),
        )
        .await
        .json();
        assert_eq!(j["indication"], "TOTAL_PASSED", "{j:#}");
        assert!(
            j["timestamp_time"].is_number() || j["timestamp_time"].is_string(),
            "{j:#}"
        );
        let j = post_json(
            &format!("{base}/v1/verify"),
            None,
            &json!({"object_base64": b64.encode(&p7s), "data_base64": b64.encode(b"other")}),
        )
        .await
        .json();
        assert_eq!(j["indication"], "TOTAL_FAILED", "{j:#}");
        post(
            format!("{base}/v1/documents/sign"),
            Some(admin.clone()),
            file.clone(),
        )
        .await
        .assert_problem(403, "forbidden");

        // The CLI with --tsa: a timestamped CMS; an unreachable TSA fails and writes nothing.
        std::fs::write(tmp.path().join("file.bin"), &file).unwrap();
        let cli_sign = |tsa: &str, out: &str| {
            yinxin()
                .arg("sign")
                .arg("--in")
                .arg(tmp.path().join("file.bin"))
                .arg("--out")
                .arg(tmp.path().join(out))
                .arg("--chain")
                .arg(data.join("ca/sm2-issuing.pem"))
                .arg("--cert")
                .arg(tmp.path().join("signer/cert.pem"))
                .arg("--key")
                .arg(tmp.path().join("signer/key.pem"))
                .arg("--key-passphrase-file")
                .arg(tmp.path().join("kp.txt"))
                .arg("--tsa")
                .arg(tsa)
                .output()
                .unwrap()
        };
        let o = cli_sign(&format!("{base}/tsa"), "cli.p7s");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let p7s = std::fs::read(tmp.path().join("cli.p7s")).unwrap();
        let j = post_json(
            &format!("{base}/v1/verify"),
            None,
            &json!({"object_base64": b64.encode(&p7s), "data_base64": b64.encode(&file)}),
        )
        .await
        .json();
        assert_eq!(j["indication"], "TOTAL_PASSED", "{j:#}");
        assert!(!j["timestamp_time"].is_null(), "{j:#}");
        let o = cli_sign("http://127.0.0.1:9/tsa", "never.p7s");
        assert!(!o.status.success());
        assert!(!tmp.path().join("never.p7s").exists());
        assert_eq!(String::from_utf8_lossy(&o.stderr).trim().lines().count(), 1);
    }

    // Revoked: no more stamping, and verification names the registry.
    let r = post_json(
        &format!("{base}/v1/seals/{id}/revoke"),
        Some(&admin),
        &json!({}),
    )
    .await;
    assert_eq!(r.status, 200);
    post_json(
        &format!("{base}/v1/seals/{id}/revoke"),
        Some(&admin),
        &json!({}),
    )
    .await
    .assert_problem(409, "seal-not-active");
    post_json(
        &format!("{base}/v1/seals/{id}/sign"),
        Some(&signer_token),
        &json!({"data_base64": b64.encode(doc)}),
    )
    .await
    .assert_problem(409, "seal-not-active");
    let r = post_json(
        &format!("{base}/v1/verify"),
        None,
        &json!({"object_base64": b64.encode(&sig), "data_base64": b64.encode(doc)}),
    )
    .await;
    let j = r.json();
    assert_eq!(
        (j["indication"].as_str(), j["sub_indication"].as_str()),
        (Some("TOTAL_FAILED"), Some("REVOKED")),
        "{j:#}"
    );
    // Garbage to verify is a format failure, not an error.
    let r = post_json(
        &format!("{base}/v1/verify"),
        None,
        &json!({"object_base64": b64.encode(b"garbage")}),
    )
    .await;
    assert_eq!(r.json()["sub_indication"], "FORMAT_FAILURE");
}

/// `yinxin seal apply` on an OFD we write, `yinxin sign` (CMS), and `yinxin verify` on both.
#[test]
fn documents_cli() {
    use common::{init_region, run_ok, yinxin};
    use yinxin::document::ofd_write::{Item, NewDocument, NewPage, write_ofd};
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init_region(&data, None);
    let w = |n: &str, b: &[u8]| {
        let p = tmp.path().join(n);
        std::fs::write(&p, b).unwrap();
        p
    };
    let serial = common::http::issue_generated_org(
        &data,
        tmp.path(),
        "盖章单位",
        "91350100M000100Y43",
        "signer",
    );
    let png = w("seal.png", RED_PNG);
    let seal = common::seal_create(
        &data,
        "盖章单位",
        &serial,
        &png,
        &tmp.path().join("seal.esl"),
    );
    let id = seal["id"].as_str().unwrap().to_string();
    let doc = write_ofd(&NewDocument {
        pages: vec![NewPage {
            width_mm: 210.0,
            height_mm: 297.0,
            items: vec![Item::Text {
                x_mm: 20.0,
                y_mm: 40.0,
                size_mm: 5.0,
                text: "关于同意立项的批复 — 特此批复".into(),
                font_name: "宋体".into(),
            }],
        }],
        ..Default::default()
    })
    .unwrap();
    let ofd = w("doc.ofd", &doc);
    let signer_args = |c: &mut std::process::Command| {
        c.arg("--cert")
            .arg(tmp.path().join("signer/cert.pem"))
            .arg("--key")
            .arg(tmp.path().join("signer/key.pem"))
            .arg("--key-passphrase-file")
            .arg(tmp.path().join("kp.txt"));
    };
    let mut c = yinxin();
    c.args([
        "seal",
        "apply",
        "--seal",
        &id,
        "--keyword",
        "特此批复",
        "--data-dir",
    ])
    .arg(&data)
    .arg("--in")
    .arg(&ofd)
    .arg("--out")
    .arg(tmp.path().join("sealed.ofd"));
    signer_args(&mut c);
    run_ok(&mut c);
    // A seal of the anchors' region verifies offline only with its signed status.
    let status = tmp.path().join("status.cms");
    common::http::seal_status_file(&data, &id, &status);
    let verify = |file: &str, extra: &[&str]| {
        let mut c = yinxin();
        c.arg("verify")
            .arg(tmp.path().join(file))
            .arg("--anchor")
            .arg(data.join("ca/sm2-root.pem"))
            .arg("--intermediate")
            .arg(data.join("ca/sm2-issuing.pem"))
            .arg("--no-revocation")
            .arg("--seal-status")
            .arg(&status);
        c.args(extra);
        c.output().unwrap()
    };
    let o = verify("sealed.ofd", &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // Change one byte of the page: FAILED, naming the page file.
    let mut tampered = std::fs::read(tmp.path().join("sealed.ofd")).unwrap();
    let pkg = yinxin::document::ofd::Package::from_bytes(&tampered).unwrap();
    assert!(pkg.get("Doc_0/Pages/Page_0/Content.xml").is_some());
    // Rebuild the package with one byte of the page changed.
    let mut files: Vec<(String, Vec<u8>)> = pkg
        .names()
        .map(|n| (n.to_string(), pkg.get(n).unwrap().to_vec()))
        .collect();
    for (n, b) in files.iter_mut() {
        if n == "Doc_0/Pages/Page_0/Content.xml" {
            let i = b.len() / 2;
            b[i] ^= 0x01;
        }
    }
    let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (n, b) in &files {
        zw.start_file(
            n.as_str(),
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated),
        )
        .unwrap();
        std::io::Write::write_all(&mut zw, b).unwrap();
    }
    tampered = zw.finish().unwrap().into_inner();
    w("tampered.ofd", &tampered);
    let o = verify("tampered.ofd", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("changed after signing: Doc_0/Pages/Page_0/Content.xml"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // Detached CMS over any file.
    let mut c = yinxin();
    c.arg("sign")
        .arg("--in")
        .arg(&ofd)
        .arg("--out")
        .arg(tmp.path().join("doc.p7s"))
        .arg("--chain")
        .arg(data.join("ca/sm2-issuing.pem"));
    signer_args(&mut c);
    run_ok(&mut c);
    let o = verify(
        "doc.p7s",
        &["--data", tmp.path().join("doc.ofd").to_str().unwrap()],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = verify(
        "doc.p7s",
        &["--data", tmp.path().join("seal.png").to_str().unwrap()],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // Type="Sign" inside the sealed OFD: both signatures verify.
    let mut c = yinxin();
    c.arg("sign")
        .arg("--ofd")
        .arg("--in")
        .arg(tmp.path().join("sealed.ofd"))
        .arg("--out")
        .arg(tmp.path().join("sealed-signed.ofd"))
        .arg("--chain")
        .arg(data.join("ca/sm2-issuing.pem"));
    signer_args(&mut c);
    run_ok(&mut c);
    let o = verify("sealed-signed.ofd", &["--json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let kinds: Vec<&str> = j["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["Seal", "Sign"]);
    // Not an OFD: one line, non-zero exit.
    let mut c = yinxin();
    c.arg("sign")
        .arg("--ofd")
        .arg("--in")
        .arg(tmp.path().join("seal.png"))
        .arg("--out")
        .arg(tmp.path().join("never.ofd"));
    signer_args(&mut c);
    let o = c.output().unwrap();
    assert_ne!(o.status.code(), Some(0));
    assert!(!tmp.path().join("never.ofd").exists());
    assert_eq!(String::from_utf8_lossy(&o.stderr).trim().lines().count(), 1);
}

/// `pkg` with `from` replaced by `to` inside entry `name` (the zip is rebuilt; every other
/// entry keeps its bytes).
fn ofd_replace(pkg: &[u8], name: &str, from: &str, to: &str) -> Vec<u8> {
    let p = yinxin::document::ofd::Package::from_bytes(pkg).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = p
        .names()
        .map(|n| (n.to_string(), p.get(n).unwrap().to_vec()))
        .collect();
    for (n, b) in files.iter_mut() {
        if n == name {
            let t = String::from_utf8(b.clone()).unwrap();
            assert!(t.contains(from));
            *b = t.replacen(from, to, 1).into_bytes();
        }
    }
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (n, b) in &files {
        w.start_file(n.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(b).unwrap();
    }
    w.finish().unwrap().into_inner()
}
