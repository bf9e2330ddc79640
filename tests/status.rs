//! CRLs and OCSP with real OpenSSL clients (P-256) and OpenSSL parsing plus signature checks
//! (SM2), delta CRLs and holds, cross-process revocation visibility, and hostile requests.

mod common;
use common::http::*;
use common::*;
use der::{Decode, DecodePem, Encode};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use yinxin::status::ocsp::{
    self, BasicOcspResponse, CertStatus, IdHash, OcspResponse, ResponseStatus,
};

const ORG: &str = "91350100M000100Y43";

struct Env {
    tmp: tempfile::TempDir,
    data: PathBuf,
    server: Server,
    admin: String,
}

fn setup() -> Env {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init_region(&data, None);
    let (_, admin) = token(&data, "admin", None);
    let server = Server::start(
        &data,
        &[
            ("YINXIN_RATE_LIMIT_PER_SECOND", "100000"),
            ("YINXIN_RATE_LIMIT_BURST", "100000"),
        ],
    );
    Env {
        tmp,
        data,
        server,
        admin,
    }
}

async fn issue(e: &Env, alg: &str, profile: &str) -> (String, PathBuf) {
    let subject = if profile == "person" {
        json!({"name": "钱七", "id_number": "11010519491231002X"})
    } else {
        json!({"name": "状态测试单位", "credit_code": ORG})
    };
    let csr = std::fs::read_to_string(fixture(&format!("csr/test-{alg}.csr.pem"))).unwrap();
    let r = post_json(
        &format!("{}/v1/certificates", e.server.base),
        Some(&e.admin),
        &json!({"profile": profile, "algorithm": alg, "subject": subject, "csr": csr}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let j = r.json();
    let serial = j["serial"].as_str().unwrap().to_string();
    let path = e.tmp.path().join(format!("{serial}.pem"));
    std::fs::write(&path, j["certificate_pem"].as_str().unwrap()).unwrap();
    (serial, path)
}

async fn revoke(e: &Env, serial: &str, reason: &str) {
    let r = post_json(
        &format!("{}/v1/certificates/{serial}/revoke", e.server.base),
        Some(&e.admin),
        &json!({"reason": reason}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

fn service_cert(data: &Path, profile: &str, alg: &str, out: &Path) {
    let o = run_ok(
        yinxin()
            .args(["list", "--profile", profile, "--data-dir"])
            .arg(data),
    );
    let line = String::from_utf8_lossy(&o.stdout)
        .lines()
        .find(|l| l.contains(&format!("\"algorithm\":\"{alg}\"")))
        .unwrap()
        .to_string();
    let serial = serde_json::from_str::<serde_json::Value>(&line).unwrap()["serial"]
        .as_str()
        .unwrap()
        .to_string();
    let o = run_ok(
        yinxin()
            .args(["show", "--pem", "--data-dir"])
            .arg(data)
            .arg(serial),
    );
    std::fs::write(out, o.stdout).unwrap();
}

fn openssl_ocsp(e: &Env, alg: &str, cert_args: &[&str], extra: &[&str]) -> String {
    let va = e.tmp.path().join(format!("{alg}-ocsp.pem"));
    service_cert(&e.data, "ocsp-signer", alg, &va);
    let issuer = e.data.join(format!("ca/{alg}-issuing.pem"));
    let mut args = vec!["ocsp", "-issuer", issuer.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.extend_from_slice(cert_args);
    let url = format!("{}/ocsp", e.server.base);
    args.extend_from_slice(&["-url", &url, "-VAfile", va.to_str().unwrap()]);
    let o = openssl(&args);
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Fetch a CRL once it has at least `min_entries` entries (the CRL worker runs after each
/// revocation); bounded wait.
async fn crl_with(e: &Env, file: &str, min_entries: usize) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = get(&format!("{}/crl/{file}", e.server.base), None).await;
        if r.status == 200 {
            let c: x509_cert::crl::CertificateList =
                x509_cert::crl::CertificateList::from_der(&r.body).unwrap();
            if c.tbs_cert_list
                .revoked_certificates
                .as_ref()
                .map_or(0, |v| v.len())
                >= min_entries
            {
                assert_eq!(
                    r.header("content-type").as_deref(),
                    Some("application/pkix-crl")
                );
                assert!(r.header("cache-control").unwrap().contains("max-age="));
                assert!(r.header("expires").is_some());
                return r.body;
            }
        }
        assert!(
            Instant::now() < deadline,
            "CRL {file} never reached {min_entries} entries"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn p256_openssl_ocsp_and_crl() {
    if !require_openssl("p256_openssl_ocsp_and_crl") {
        return;
    }
    let e = setup();
    let (serial, cert) = issue(&e, "p256", "organization").await;
    let c = cert.to_str().unwrap();
    let root = e.data.join("ca/p256-root.pem");
    let out = openssl_ocsp(
        &e,
        "p256",
        &["-cert", c],
        &["-CAfile", root.to_str().unwrap()],
    );
    assert!(
        out.contains("Response verify OK") && out.contains(&format!("{c}: good")),
        "{out}"
    );
    // SHA-256 CertID and no nonce (RFC 5019 style) also work.
    let out = openssl_ocsp(&e, "p256", &["-cert", c], &["-sha256", "-no_nonce"]);
    assert!(out.contains(&format!("{c}: good")), "{out}");

    revoke(&e, &serial, "keyCompromise").await;
    let out = openssl_ocsp(&e, "p256", &["-cert", c], &[]);
    assert!(
        out.contains("Response verify OK")
            && out.contains(&format!("{c}: revoked"))
            && out.contains("Reason: keyCompromise"),
        "{out}"
    );
    // The cached (no nonce) form was evicted too.
    let out = openssl_ocsp(&e, "p256", &["-cert", c], &["-no_nonce"]);
    assert!(out.contains(&format!("{c}: revoked")), "{out}");
    let out = openssl_ocsp(&e, "p256", &["-serial", "0x1234567890"], &[]);
    assert!(
        out.contains("Response verify OK") && out.contains("0x1234567890: unknown"),
        "{out}"
    );

    // GET form: the same request base64-encoded in the path.
    let reqfile = e.tmp.path().join("req.der");
    let issuer = e.data.join("ca/p256-issuing.pem");
    let o = openssl(&[
        "ocsp",
        "-issuer",
        issuer.to_str().unwrap(),
        "-cert",
        c,
        "-no_nonce",
        "-reqout",
        reqfile.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(std::fs::read(&reqfile).unwrap());
    let enc: String = b64
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let r = get(&format!("{}/ocsp/{enc}", e.server.base), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/ocsp-response")
    );
    assert!(r.header("cache-control").unwrap().contains("max-age="));
    let respfile = e.tmp.path().join("resp.der");
    std::fs::write(&respfile, &r.body).unwrap();
    let o = openssl(&[
        "ocsp",
        "-respin",
        respfile.to_str().unwrap(),
        "-resp_text",
        "-noverify",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("Cert Status: revoked"), "{text}");

    // The CRL carries it and OpenSSL rejects the certificate.
    let crl = crl_with(&e, "p256-issuing.crl", 1).await;
    let crl_pem = e.tmp.path().join("p256.crl.pem");
    let crl_der = e.tmp.path().join("p256.crl");
    std::fs::write(&crl_der, &crl).unwrap();
    assert!(
        openssl(&[
            "crl",
            "-inform",
            "DER",
            "-in",
            crl_der.to_str().unwrap(),
            "-out",
            crl_pem.to_str().unwrap()
        ])
        .status
        .success()
    );
    let o = openssl(&[
        "verify",
        "-crl_check",
        "-CRLfile",
        crl_pem.to_str().unwrap(),
        "-CAfile",
        root.to_str().unwrap(),
        "-untrusted",
        issuer.to_str().unwrap(),
        c,
    ]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        !o.status.success() && text.contains("certificate revoked"),
        "{text}"
    );
    // A good certificate passes the same CRL check.
    let (_, good) = issue(&e, "p256", "organization").await;
    let o = openssl(&[
        "verify",
        "-crl_check",
        "-CRLfile",
        crl_pem.to_str().unwrap(),
        "-CAfile",
        root.to_str().unwrap(),
        "-untrusted",
        issuer.to_str().unwrap(),
        good.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The CRL's AKI is the issuing CA's SKI.
    let text = String::from_utf8_lossy(
        &openssl(&["crl", "-in", crl_pem.to_str().unwrap(), "-noout", "-text"]).stdout,
    )
    .into_owned();
    let ca_text = x509_text(&issuer);
    let ski = ca_text
        .split("X509v3 Subject Key Identifier: \n")
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_string();
    assert!(
        text.contains(&ski),
        "CRL AKI must be the issuer's SKI {ski}: {text}"
    );
}

/// Extract the signed bytes and the signature of a CRL and check the SM2 signature with
/// `openssl dgst -sm3 -sigopt distid:1234567812345678`.
fn openssl_sm2_dgst(e: &Env, name: &str, tbs: &[u8], sig: &[u8], signer_cert: &Path) {
    let dir = e.tmp.path();
    let (t, s, p) = (
        dir.join(format!("{name}.tbs")),
        dir.join(format!("{name}.sig")),
        dir.join(format!("{name}.pub")),
    );
    std::fs::write(&t, tbs).unwrap();
    std::fs::write(&s, sig).unwrap();
    let o = openssl(&[
        "x509",
        "-in",
        signer_cert.to_str().unwrap(),
        "-noout",
        "-pubkey",
        "-out",
        p.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let verify = |id: &str| {
        openssl(&[
            "dgst",
            "-sm3",
            "-sigopt",
            &format!("distid:{id}"),
            "-verify",
            p.to_str().unwrap(),
            "-signature",
            s.to_str().unwrap(),
            t.to_str().unwrap(),
        ])
    };
    let o = verify("1234567812345678");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("Verified OK"),
        "{name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        !verify("8765432187654321").status.success(),
        "{name}: a wrong ID must fail"
    );
}

#[tokio::test]
async fn sm2_crl_and_ocsp_parse_and_verify_with_openssl() {
    if !require_openssl("sm2_crl_and_ocsp_parse_and_verify_with_openssl") {
        return;
    }
    let e = setup();
    let (serial, _) = issue(&e, "sm2", "organization").await;
    revoke(&e, &serial, "superseded").await;
    // CRL: parses with openssl crl -text, signature checks with openssl dgst.
    let crl = crl_with(&e, "sm2-issuing.crl", 1).await;
    let crl_der = e.tmp.path().join("sm2.crl");
    std::fs::write(&crl_der, &crl).unwrap();
    let o = openssl(&[
        "crl",
        "-inform",
        "DER",
        "-in",
        crl_der.to_str().unwrap(),
        "-noout",
        "-text",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success()
            && text.contains("SM2-with-SM3")
            && text.contains(&serial)
            && text.contains("Superseded"),
        "{text}"
    );
    let parsed: x509_cert::crl::CertificateList =
        x509_cert::crl::CertificateList::from_der(&crl).unwrap();
    let issuing = e.data.join("ca/sm2-issuing.pem");
    openssl_sm2_dgst(
        &e,
        "crl",
        &parsed.tbs_cert_list.to_der().unwrap(),
        parsed.signature.raw_bytes(),
        &issuing,
    );
    // And our own verifier agrees.
    let ca = x509_cert::Certificate::from_pem(std::fs::read(&issuing).unwrap()).unwrap();
    yinxin::crypto::verify::verify_signature(
        &ca.tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .unwrap(),
        parsed.signature_algorithm.oid,
        None,
        &parsed.tbs_cert_list.to_der().unwrap(),
        parsed.signature.raw_bytes(),
    )
    .unwrap();

    // OCSP with an SM3 CertID and a nonce.
    let issuer_der = ca.to_der().unwrap();
    let req = ocsp::build_request(
        &issuer_der,
        &[hex::decode(&serial).unwrap()],
        IdHash::Sm3,
        Some(b"nonce-0123456789"),
    )
    .unwrap();
    let r = call(
        "POST",
        &format!("{}/ocsp", e.server.base),
        None,
        &[("content-type", "application/ocsp-request")],
        req,
    )
    .await;
    assert_eq!(r.status, 200);
    let resp_file = e.tmp.path().join("sm2.ocsp");
    std::fs::write(&resp_file, &r.body).unwrap();
    let o = openssl(&[
        "ocsp",
        "-respin",
        resp_file.to_str().unwrap(),
        "-resp_text",
        "-noverify",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("OCSP Response Status: successful")
            && text.contains("Cert Status: revoked")
            && text.contains("superseded"),
        "{text}"
    );
    assert!(text.contains("OCSP Nonce"), "nonce echoed: {text}");
    let resp = OcspResponse::from_der(&r.body).unwrap();
    let basic =
        BasicOcspResponse::from_der(resp.response_bytes.unwrap().response.as_bytes()).unwrap();
    assert!(matches!(
        basic.tbs_response_data.responses[0].cert_status,
        CertStatus::Revoked(_)
    ));
    let signer = e.tmp.path().join("sm2-ocsp.pem");
    service_cert(&e.data, "ocsp-signer", "sm2", &signer);
    openssl_sm2_dgst(
        &e,
        "ocsp",
        &basic.tbs_response_data.to_der().unwrap(),
        basic.signature.raw_bytes(),
        &signer,
    );
    // The responder certificate is in the response and is the SM2 OCSP signer.
    let in_resp = basic.certs.unwrap()[0].to_der().unwrap();
    assert_eq!(
        in_resp,
        x509_cert::Certificate::from_pem(std::fs::read(&signer).unwrap())
            .unwrap()
            .to_der()
            .unwrap()
    );
}

#[tokio::test]
async fn delta_crls_and_holds() {
    if !require_openssl("delta_crls_and_holds") {
        return;
    }
    let e = setup();
    let (a, _) = issue(&e, "p256", "organization").await;
    revoke(&e, &a, "keyCompromise").await;
    let _ = crl_with(&e, "p256-issuing.crl", 1).await;
    // Stop the server so that the base CRL stays put, then drive CRL generation from the CLI.
    drop(e.server);
    let data = &e.data;
    let crl = |delta: bool, out: &str| -> serde_json::Value {
        let mut c = yinxin();
        c.args(["crl", "--ca", "p256", "--data-dir"])
            .arg(data)
            .arg("--out")
            .arg(e.tmp.path().join(out));
        if delta {
            c.arg("--delta");
        }
        serde_json::from_slice(&run_ok(&mut c).stdout).unwrap()
    };
    // Entries revoked in the same second as a base CRL's thisUpdate are repeated in the next
    // delta (harmless, and safe against a revocation committed while the base was read): wait
    // a second so that A is only in the base.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let base = crl(false, "base.crl");
    let region = yinxin::pki::region::Region::open(data, None, &yinxin::store::SqlConnector)
        .await
        .unwrap();
    let auth = region
        .authority(
            &yinxin::crypto::Passphrase::new(TEST_PASSPHRASE.into()).unwrap(),
            &[yinxin::crypto::Algorithm::P256],
        )
        .await
        .unwrap();
    let mk = |profile: &str| {
        let subject = if profile == "person" {
            json!({"name": "孙八", "id_number": "11010519491231002X"})
        } else {
            json!({"name": "单位", "credit_code": ORG})
        };
        yinxin::pki::authority::IssueRequest {
            profile: profile.into(),
            algorithm: yinxin::crypto::Algorithm::P256,
            subject,
            key: yinxin::pki::authority::KeySource::Csr(
                std::fs::read(fixture("csr/test-p256.csr.pem")).unwrap(),
            ),
            validity_days: Some(30),
            actor: "test".into(),
            scope: None,
        }
    };
    // B revoked after the base; C (a person) on hold after the base.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let b = auth.issue(mk("organization")).await.unwrap().record.serial;
    let c = auth.issue(mk("person")).await.unwrap();
    let c_pem = e.tmp.path().join("c.pem");
    std::fs::write(&c_pem, &c.certificate_pem).unwrap();
    let c = c.record.serial;
    run_ok(
        yinxin()
            .args(["revoke", "--reason", "superseded", "--data-dir"])
            .arg(data)
            .arg(&b),
    );
    run_ok(
        yinxin()
            .args(["revoke", "--reason", "certificateHold", "--data-dir"])
            .arg(data)
            .arg(&c),
    );
    let delta = crl(true, "delta1.crl");
    assert_eq!(delta["base_number"], base["number"]);
    assert!(delta["number"].as_u64() > base["number"].as_u64());
    let text = String::from_utf8_lossy(
        &openssl(&[
            "crl",
            "-inform",
            "DER",
            "-in",
            e.tmp.path().join("delta1.crl").to_str().unwrap(),
            "-noout",
            "-text",
        ])
        .stdout,
    )
    .into_owned();
    assert!(
        text.contains("Delta CRL Indicator: critical")
            && text.contains(&b)
            && text.contains(&c)
            && !text.contains(&a),
        "{text}"
    );
    assert!(text.contains("Certificate Hold"), "{text}");
    // OpenSSL applies the delta: C is on hold (revoked) with base + delta.
    let pem = |der: &str| {
        let p = e.tmp.path().join(format!("{der}.pem"));
        assert!(
            openssl(&[
                "crl",
                "-inform",
                "DER",
                "-in",
                e.tmp.path().join(der).to_str().unwrap(),
                "-out",
                p.to_str().unwrap()
            ])
            .status
            .success()
        );
        p
    };
    let (bp, dp) = (pem("base.crl"), pem("delta1.crl"));
    let root = data.join("ca/p256-root.pem");
    let issuing = data.join("ca/p256-issuing.pem");
    let v = openssl(&[
        "verify",
        "-crl_check",
        "-use_deltas",
        "-CRLfile",
        bp.to_str().unwrap(),
        "-CRLfile",
        dp.to_str().unwrap(),
        "-CAfile",
        root.to_str().unwrap(),
        "-untrusted",
        issuing.to_str().unwrap(),
        c_pem.to_str().unwrap(),
    ]);
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
    assert!(
        !v.status.success() && out.contains("certificate revoked"),
        "{out}"
    );

    // A new full CRL carries the hold; releasing it shows as removeFromCRL in the next delta.
    let full2 = crl(false, "full2.crl");
    let text = String::from_utf8_lossy(
        &openssl(&[
            "crl",
            "-inform",
            "DER",
            "-in",
            e.tmp.path().join("full2.crl").to_str().unwrap(),
            "-noout",
            "-text",
        ])
        .stdout,
    )
    .into_owned();
    assert!(
        text.contains(&a) && text.contains(&b) && text.contains(&c),
        "{text}"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (rec, changed) = yinxin::pki::revocation::release(
        region.repo.as_ref(),
        &c,
        "test",
        None,
        yinxin::clock::now_secs(),
    )
    .await
    .unwrap();
    assert!(changed && rec.status == yinxin::pki::repo::CertStatus::Valid);
    let delta2 = crl(true, "delta2.crl");
    assert_eq!(delta2["base_number"], full2["number"]);
    let text = String::from_utf8_lossy(
        &openssl(&[
            "crl",
            "-inform",
            "DER",
            "-in",
            e.tmp.path().join("delta2.crl").to_str().unwrap(),
            "-noout",
            "-text",
        ])
        .stdout,
    )
    .into_owned();
    assert!(
        text.contains(&c) && text.contains("Remove From CRL"),
        "{text}"
    );
    // Holds are for person certificates only.
    let err = yinxin()
        .args(["revoke", "--reason", "certificateHold", "--data-dir"])
        .arg(data)
        .arg(&b)
        .output()
        .unwrap();
    assert!(!err.status.success());
}

#[tokio::test]
async fn revocation_by_another_process_reaches_ocsp_within_a_second() {
    let e = setup();
    let (serial, _) = issue(&e, "p256", "organization").await;
    let issuer = std::fs::read(e.data.join("ca/p256-issuing.pem")).unwrap();
    let issuer = x509_cert::Certificate::from_pem(issuer)
        .unwrap()
        .to_der()
        .unwrap();
    let req = ocsp::build_request(
        &issuer,
        &[hex::decode(&serial).unwrap()],
        IdHash::Sha1,
        None,
    )
    .unwrap();
    let url = format!("{}/ocsp", e.server.base);
    let ask = || {
        call(
            "POST",
            &url,
            None,
            &[("content-type", "application/ocsp-request")],
            req.clone(),
        )
    };
    let status_of = |body: &[u8]| {
        let resp = OcspResponse::from_der(body).unwrap();
        let basic =
            BasicOcspResponse::from_der(resp.response_bytes.unwrap().response.as_bytes()).unwrap();
        basic.tbs_response_data.responses[0].cert_status.clone()
    };
    // Warm the cache with a "good" answer.
    assert!(matches!(status_of(&ask().await.body), CertStatus::Good(_)));
    assert!(matches!(status_of(&ask().await.body), CertStatus::Good(_)));
    // Revoke from the CLI: another process, same database.
    run_ok(
        yinxin()
            .args(["revoke", "--reason", "keyCompromise", "--data-dir"])
            .arg(&e.data)
            .arg(&serial),
    );
    let revoked_at = Instant::now();
    // The design bound is the status feed's 250 ms poll; the one-second target is measured in
    // benches/load/ocsp.sh. Here a generous bound only proves that the cache is invalidated at all
    // (a cache kept until nextUpdate would fail), without racing a loaded CI machine.
    loop {
        if matches!(status_of(&ask().await.body), CertStatus::Revoked(_)) {
            println!(
                "revocation visible in OCSP after {:?}",
                revoked_at.elapsed()
            );
            break;
        }
        assert!(
            revoked_at.elapsed() < Duration::from_secs(10),
            "revocation not visible in OCSP within ten seconds"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn hostile_ocsp_and_crl_requests() {
    let e = setup();
    let url = format!("{}/ocsp", e.server.base);
    let ocsp_ct = [("content-type", "application/ocsp-request")];
    let status = |r: &Resp| {
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        OcspResponse::from_der(&r.body).unwrap().response_status
    };
    for garbage in [
        vec![],
        b"hello".to_vec(),
        vec![0x30, 0x82, 0xff, 0xff],
        vec![0x30; 5000],
    ] {
        assert_eq!(
            status(&call("POST", &url, None, &ocsp_ct, garbage).await),
            ResponseStatus::MalformedRequest
        );
    }
    // Another issuer: a CertID with hashes of an unrelated name and key.
    let other =
        x509_cert::Certificate::from_pem(std::fs::read(e.data.join("ca/sm2-root.pem")).unwrap())
            .unwrap()
            .to_der()
            .unwrap();
    let req = ocsp::build_request(&other, &[vec![1, 2, 3]], IdHash::Sha1, None).unwrap();
    assert_eq!(
        status(&call("POST", &url, None, &ocsp_ct, req.clone()).await),
        ResponseStatus::Unauthorized
    );
    // Unsupported CertID hash algorithm (MD5): not ours either.
    let mut md5 = req.clone();
    let sha1_oid = [0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a];
    let pos = md5.windows(7).position(|w| w == sha1_oid).unwrap();
    md5.splice(pos..pos + 7, [0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1b]);
    assert_eq!(
        status(&call("POST", &url, None, &ocsp_ct, md5).await),
        ResponseStatus::Unauthorized
    );
    // Wrong content type, oversized body.
    call(
        "POST",
        &url,
        None,
        &[("content-type", "application/json")],
        req.clone(),
    )
    .await
    .assert_problem(415, "unsupported-media-type");
    call("POST", &url, None, &[], req)
        .await
        .assert_problem(415, "unsupported-media-type");
    call("POST", &url, None, &ocsp_ct, vec![0u8; 100_000])
        .await
        .assert_problem(413, "body-too-large");
    // GET with garbage.
    for path in ["AAAA", "!!!notbase64", "%2F%2F%2F", "MA%3D%3D"] {
        assert_eq!(
            status(&get(&format!("{url}/{path}"), None).await),
            ResponseStatus::MalformedRequest,
            "{path}"
        );
    }
    // Deterministic mutations of a valid request never produce a 500.
    let issuer = x509_cert::Certificate::from_pem(
        std::fs::read(e.data.join("ca/p256-issuing.pem")).unwrap(),
    )
    .unwrap()
    .to_der()
    .unwrap();
    let good = ocsp::build_request(&issuer, &[vec![0x42; 16]], IdHash::Sha256, Some(b"n")).unwrap();
    let mut x: u32 = 12345;
    for i in 0..300 {
        let mut m = good.clone();
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let pos = (x as usize) % m.len();
        match i % 3 {
            0 => m[pos] ^= (x >> 8) as u8 | 1,
            1 => m.truncate(pos),
            _ => m.insert(pos, (x >> 16) as u8),
        }
        let r = call("POST", &url, None, &ocsp_ct, m).await;
        assert_eq!(r.status, 200);
        OcspResponse::from_der(&r.body).unwrap();
    }
    // CRLs: unknown CA, bad names.
    get(&format!("{}/crl/nosuch.crl", e.server.base), None)
        .await
        .assert_problem(404, "not-found");
    get(&format!("{}/crl/sm2-issuing.txt", e.server.base), None)
        .await
        .assert_problem(404, "not-found");
    // `yinxin init` publishes the roots' first CRLs.
    assert_eq!(
        get(&format!("{}/crl/sm2-root.crl", e.server.base), None)
            .await
            .status,
        200
    );
    // Issuing CA CRLs exist from the start.
    let r = get(&format!("{}/crl/p256-issuing.crl", e.server.base), None).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut r = r;
    while r.status != 200 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        r = get(&format!("{}/crl/p256-issuing.crl", e.server.base), None).await;
    }
    assert_eq!(r.status, 200);
    let r = get(
        &format!("{}/crl/p256-issuing-delta.crl", e.server.base),
        None,
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn root_crl_made_offline_with_the_cli() {
    if !require_openssl("root_crl_made_offline_with_the_cli") {
        return;
    }
    let e = setup();
    let out = e.tmp.path().join("root.crl");
    let j: serde_json::Value = serde_json::from_slice(
        &run_ok(
            yinxin()
                .args(["crl", "--ca", "sm2-root", "--data-dir"])
                .arg(&e.data)
                .arg("--out")
                .arg(&out),
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(j["entries"], 0);
    let r = get(&format!("{}/crl/sm2-root.crl", e.server.base), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, std::fs::read(&out).unwrap());
    let o = openssl(&[
        "crl",
        "-inform",
        "DER",
        "-in",
        out.to_str().unwrap(),
        "-noout",
        "-text",
    ]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("No Revoked Certificates"));
}

#[tokio::test]
async fn tsa_over_http_with_openssl_and_the_cli() {
    if !require_openssl("tsa_over_http_with_openssl_and_the_cli") {
        return;
    }
    let e = setup();
    let dir = e.tmp.path();
    let data_file = dir.join("contract.txt");
    std::fs::write(&data_file, "盖章的合同 — signed contract").unwrap();
    let (q, r) = (dir.join("q.tsq"), dir.join("r.tsr"));
    let mut serials = vec![];
    for variant in [
        vec!["-sha256", "-cert"],
        vec!["-sha384", "-cert", "-no_nonce"],
        vec!["-sha512"],
    ] {
        let mut args = vec![
            "ts",
            "-query",
            "-data",
            data_file.to_str().unwrap(),
            "-out",
            q.to_str().unwrap(),
        ];
        args.extend(variant.iter());
        assert!(openssl(&args).status.success());
        let resp = call(
            "POST",
            &format!("{}/tsa", e.server.base),
            None,
            &[("content-type", "application/timestamp-query")],
            std::fs::read(&q).unwrap(),
        )
        .await;
        assert_eq!(resp.status, 200);
        assert_eq!(
            resp.header("content-type").as_deref(),
            Some("application/timestamp-reply")
        );
        std::fs::write(&r, &resp.body).unwrap();
        let root = e.data.join("ca/p256-root.pem");
        let mut untrusted = std::fs::read_to_string(e.data.join("ca/p256-issuing.pem")).unwrap();
        let tsa_pem = dir.join("p256-tsa.pem");
        service_cert(&e.data, "tsa", "p256", &tsa_pem);
        untrusted.push_str(&std::fs::read_to_string(&tsa_pem).unwrap());
        let chain = dir.join("untrusted.pem");
        std::fs::write(&chain, untrusted).unwrap();
        let o = openssl(&[
            "ts",
            "-verify",
            "-in",
            r.to_str().unwrap(),
            "-queryfile",
            q.to_str().unwrap(),
            "-CAfile",
            root.to_str().unwrap(),
            "-untrusted",
            chain.to_str().unwrap(),
        ]);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            out.contains("Verification: OK"),
            "{variant:?}: {out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let parsed = yinxin::status::tsp::parse_response(&resp.body).unwrap();
        let token = parsed.token.unwrap();
        assert_eq!(token.policy(), yinxin::status::tsa::TSA_POLICY);
        serials.push(u64::from_str_radix(&hex::encode(token.serial()), 16).unwrap());
    }
    assert!(
        serials.windows(2).all(|w| w[0] < w[1]),
        "serials increase: {serials:?}"
    );

    // The CLI client, SM3 → the SM2 unit; OpenSSL parses the reply.
    let tsr = dir.join("sm2.tsr");
    let o = run_ok(
        yinxin()
            .args([
                "timestamp",
                "--hash",
                "sm3",
                "--url",
                &format!("{}/tsa", e.server.base),
                "--in",
            ])
            .arg(&data_file)
            .arg("--out")
            .arg(&tsr),
    );
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["status"], "granted");
    let o = openssl(&["ts", "-reply", "-in", tsr.to_str().unwrap(), "-text"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success()
            && text.contains("Status: Granted.")
            && text.contains("Hash Algorithm: sm3"),
        "{text}"
    );
    let token = yinxin::status::tsp::parse_response(&std::fs::read(&tsr).unwrap())
        .unwrap()
        .token
        .unwrap();
    let sm2_tsa = dir.join("sm2-tsa.pem");
    service_cert(&e.data, "tsa", "sm2", &sm2_tsa);
    let tsa_der = x509_cert::Certificate::from_pem(std::fs::read(&sm2_tsa).unwrap())
        .unwrap()
        .to_der()
        .unwrap();
    assert_eq!(token.signer_certificate(), Some(tsa_der.as_slice()));
    openssl_sm2_dgst(
        &e,
        "tst",
        &token.signed_attributes_der,
        &token.signature,
        &sm2_tsa,
    );

    // Refusals: unknown hash, garbage, wrong content type.
    assert!(
        openssl(&[
            "ts",
            "-query",
            "-data",
            data_file.to_str().unwrap(),
            "-sha1",
            "-out",
            q.to_str().unwrap()
        ])
        .status
        .success()
    );
    let resp = call(
        "POST",
        &format!("{}/tsa", e.server.base),
        None,
        &[("content-type", "application/timestamp-query")],
        std::fs::read(&q).unwrap(),
    )
    .await;
    let parsed = yinxin::status::tsp::parse_response(&resp.body).unwrap();
    assert!(parsed.token.is_none() && parsed.has_failure(yinxin::status::tsp::FailureInfo::BadAlg));
    let resp = call(
        "POST",
        &format!("{}/tsa", e.server.base),
        None,
        &[("content-type", "application/timestamp-query")],
        b"garbage".to_vec(),
    )
    .await;
    assert_eq!(resp.status, 200);
    assert!(
        yinxin::status::tsp::parse_response(&resp.body)
            .unwrap()
            .has_failure(yinxin::status::tsp::FailureInfo::BadDataFormat)
    );
    call(
        "POST",
        &format!("{}/tsa", e.server.base),
        None,
        &[("content-type", "text/plain")],
        b"x".to_vec(),
    )
    .await
    .assert_problem(415, "unsupported-media-type");
    call(
        "POST",
        &format!("{}/tsa", e.server.base),
        None,
        &[("content-type", "application/timestamp-query")],
        vec![0; 100_000],
    )
    .await
    .assert_problem(413, "body-too-large");
    let err = yinxin()
        .args([
            "timestamp",
            "--hash",
            "md5",
            "--url",
            &format!("{}/tsa", e.server.base),
            "--in",
        ])
        .arg(&data_file)
        .arg("--out")
        .arg(dir.join("x.tsr"))
        .output()
        .unwrap();
    assert!(!err.status.success());
}
