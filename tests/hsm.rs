//! Keys in a PKCS#11 token (SoftHSM2): a region made with `init --hsm-module` keeps its P-256
//! CA, OCSP, TSA, seal-maker and trust-list keys in the token and no file of them on disk;
//! what the service then signs — a certificate, an OCSP answer, a CRL, a timestamp and a seal —
//! verifies with OpenSSL, and OpenSC's `pkcs11-tool` (not yinxin) shows the keys are
//! sensitive and never extractable. A wrong PIN stops the service with one line.

mod common;
use common::http::*;
use common::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const ORG: &str = "91350100M000100Y43";
const PIN: &str = "460219";
/// The P-256 keys init makes (the QR signer's profile is SM2 only).
const P256_KEYS: [&str; 6] = [
    "p256-root",
    "p256-issuing",
    "p256-ocsp-signer",
    "p256-tsa",
    "p256-seal-maker",
    "p256-trust-list-signer",
];

/// A fresh SoftHSM2 token in `dir` (its own configuration file), or `None` with a skip line.
fn softhsm_token(dir: &Path, test: &str) -> Option<PathBuf> {
    if !Path::new(MODULE).exists()
        || Command::new("softhsm2-util")
            .arg("--version")
            .output()
            .is_err()
    {
        println!("skipped: {test}: SoftHSM2 is not installed (apt install softhsm2)");
        return None;
    }
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    run_ok(
        Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", &conf)
            .args(["--init-token", "--free", "--label", "yinxin-ca"])
            .args(["--pin", PIN, "--so-pin", "97531864"]),
    );
    Some(conf)
}

fn init_hsm_region(data: &Path, conf: &Path, pin_file: &Path) {
    run_ok(
        yinxin()
            .env("SOFTHSM2_CONF", conf)
            .args(["init", "--region", "hsm-gd", "--name", "密码机测试区"])
            .arg("--data-dir")
            .arg(data)
            .args(["--hsm-module", MODULE, "--hsm-token", "yinxin-ca"])
            .arg("--hsm-pin-file")
            .arg(pin_file),
    );
}

/// Every file under `dir` whose text holds a PEM private key.
fn private_key_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            private_key_files(&p, out);
        } else if std::fs::read(&p)
            .map(|b| String::from_utf8_lossy(&b).contains("PRIVATE KEY-----"))
            .unwrap_or(false)
        {
            out.push(p);
        }
    }
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[tokio::test]
async fn hsm_region_signs_in_the_token_and_openssl_verifies_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(conf) = softhsm_token(tmp.path(), "hsm_region_signs_in_the_token") else {
        return;
    };
    if !require_openssl("hsm_region_signs_in_the_token") {
        return;
    }
    let data = tmp.path().join("data");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let pin_file = tmp.path().join("hsm-pin");
    std::fs::write(&pin_file, format!("{PIN}\n")).unwrap();
    init_hsm_region(&data, &conf, &pin_file);

    // No file on disk holds a P-256 key: the only private keys are the SM2 ones (SoftHSM2 has
    // no SM2).
    let mut keys = Vec::new();
    private_key_files(&data, &mut keys);
    let mut names: Vec<String> = keys
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.iter().all(|n| n.starts_with("sm2-")), "{names:?}");
    assert_eq!(names.len(), 7, "the seven SM2 keys: {names:?}");

    // OpenSC reads the token on its own: each P-256 key is there, sensitive, never extractable.
    let listing = Command::new("pkcs11-tool")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--module", MODULE, "--token-label", "yinxin-ca", "--login"])
        .args(["--pin", PIN, "--list-objects", "--type", "privkey"])
        .output();
    match listing {
        Ok(o) => {
            let t = text(&o);
            assert!(o.status.success(), "{t}");
            let blocks: Vec<&str> = t.split("Private Key Object").skip(1).collect();
            assert_eq!(blocks.len(), P256_KEYS.len(), "{t}");
            for label in P256_KEYS {
                let b = blocks
                    .iter()
                    .find(|b| b.contains(&format!("label:      {label}\n")))
                    .unwrap_or_else(|| panic!("no private key {label} in the token: {t}"));
                assert!(
                    b.contains("sensitive") && b.contains("never extractable"),
                    "{label}: {b}"
                );
            }
        }
        Err(_) => println!("skipped: pkcs11-tool listing: OpenSC is not installed"),
    }

    // New seals are signed by the P-256 seal maker, in the token.
    let cfg = data.join("yinxin.toml");
    let toml = std::fs::read_to_string(&cfg).unwrap();
    assert!(toml.contains("[hsm]") && toml.contains("token_label = \"yinxin-ca\""));
    assert!(toml.contains("seal_maker_algorithm = \"sm2\"\n"), "{toml}");
    std::fs::write(
        &cfg,
        toml.replace(
            "seal_maker_algorithm = \"sm2\"\n",
            "seal_maker_algorithm = \"p256\"\n",
        ),
    )
    .unwrap();

    let (_, admin) = token(&data, "admin", None);
    let server = Server::start(&data, &[("SOFTHSM2_CONF", s(&conf))]);
    let base = server.base.clone();

    // A certificate issued over HTTP by the issuing CA key in the token.
    let csr = std::fs::read_to_string(fixture("csr/test-p256.csr.pem")).unwrap();
    let r = post_json(
        &format!("{base}/v1/certificates"),
        Some(&admin),
        &json!({"profile": "organization", "algorithm": "p256",
                "subject": {"name": "密码机测试单位", "credit_code": ORG}, "csr": csr}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let serial = r.json()["serial"].as_str().unwrap().to_string();
    let leaf = work.join("org.pem");
    std::fs::write(&leaf, r.json()["certificate_pem"].as_str().unwrap()).unwrap();
    openssl_verify_chain(&data, "p256", &leaf);

    // OCSP answered by the responder key in the token.
    let va = work.join("ocsp-signer.pem");
    let out = run_ok(
        yinxin()
            .args(["list", "--profile", "ocsp-signer", "--data-dir"])
            .arg(&data),
    );
    let line = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.contains("\"algorithm\":\"p256\""))
        .unwrap()
        .to_string();
    let va_serial = serde_json::from_str::<serde_json::Value>(&line).unwrap()["serial"]
        .as_str()
        .unwrap()
        .to_string();
    let o = run_ok(
        yinxin()
            .args(["show", "--pem", "--data-dir"])
            .arg(&data)
            .arg(&va_serial),
    );
    std::fs::write(&va, o.stdout).unwrap();
    let issuing = data.join("ca/p256-issuing.pem");
    let root = data.join("ca/p256-root.pem");
    let va_chain = work.join("ocsp-chain.pem");
    let mut pem = std::fs::read(&va).unwrap();
    pem.extend(std::fs::read(&issuing).unwrap());
    std::fs::write(&va_chain, pem).unwrap();
    let ocsp = |what: &str| {
        let o = openssl(&[
            "ocsp",
            "-issuer",
            s(&issuing),
            "-cert",
            s(&leaf),
            "-url",
            &format!("{base}/ocsp"),
            // The responder must chain to the root and be delegated by the issuing CA.
            "-verify_other",
            s(&va_chain),
            "-CAfile",
            s(&root),
        ]);
        let t = text(&o);
        assert!(
            t.contains("Response verify OK") && t.contains(&format!("{}: {what}", s(&leaf))),
            "{t}"
        );
    };
    ocsp("good");

    // A timestamp from the P-256 time-stamping unit in the token.
    let doc = work.join("approval.txt");
    std::fs::write(&doc, "批复：同意。\n").unwrap();
    let tsq = work.join("q.tsq");
    let o = openssl(&[
        "ts",
        "-query",
        "-data",
        s(&doc),
        "-sha256",
        "-cert",
        "-out",
        s(&tsq),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let r = call(
        "POST",
        &format!("{base}/tsa"),
        None,
        &[("content-type", "application/timestamp-query")],
        std::fs::read(&tsq).unwrap(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let tsr = work.join("r.tsr");
    std::fs::write(&tsr, &r.body).unwrap();
    let o = openssl(&[
        "ts",
        "-verify",
        "-in",
        s(&tsr),
        "-data",
        s(&doc),
        "-CAfile",
        s(&root),
        "-untrusted",
        s(&issuing),
    ]);
    assert!(text(&o).contains("Verification: OK"), "{}", text(&o));

    // A seal made by the P-256 seal maker in the token; OpenSSL checks the maker's signature
    // over the bytes it signed, and the maker certificate's chain.
    let png = work.join("red.png");
    std::fs::write(&png, RED_PNG).unwrap();
    let esl = work.join("seal.esl");
    let mut cmd = yinxin();
    cmd.env("SOFTHSM2_CONF", &conf).args([
        "seal",
        "create",
        "--holder",
        ORG,
        "--type",
        "official",
        "--name",
        "密码机测试单位",
        "--signer",
        &serial,
        "--data-dir",
    ]);
    cmd.arg(&data)
        .arg("--picture")
        .arg(&png)
        .arg("--out")
        .arg(&esl);
    run_ok(&mut cmd);
    let seal = yinxin::seal::Seal::from_der(&std::fs::read(&esl).unwrap()).unwrap();
    assert_eq!(seal.sign_alg.to_string(), "1.2.840.10045.4.3.2");
    let maker = work.join("maker.der");
    std::fs::write(&maker, &seal.maker_cert).unwrap();
    let maker_pem = work.join("maker.pem");
    let o = openssl(&[
        "x509",
        "-inform",
        "DER",
        "-in",
        s(&maker),
        "-out",
        s(&maker_pem),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    openssl_verify_chain(&data, "p256", &maker_pem);
    let pubkey = work.join("maker-pub.pem");
    let o = openssl(&[
        "x509",
        "-in",
        s(&maker_pem),
        "-noout",
        "-pubkey",
        "-out",
        s(&pubkey),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let (signed, sig) = (work.join("signed.der"), work.join("sig.der"));
    std::fs::write(&signed, &seal.signed_bytes).unwrap();
    std::fs::write(&sig, &seal.signature).unwrap();
    let o = openssl(&[
        "dgst",
        "-sha256",
        "-verify",
        s(&pubkey),
        "-signature",
        s(&sig),
        s(&signed),
    ]);
    assert!(text(&o).contains("Verified OK"), "{}", text(&o));
    // The same signature over one changed byte does not verify: OpenSSL really checked it.
    let mut tampered = seal.signed_bytes.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    std::fs::write(&signed, &tampered).unwrap();
    let o = openssl(&[
        "dgst",
        "-sha256",
        "-verify",
        s(&pubkey),
        "-signature",
        s(&sig),
        s(&signed),
    ]);
    assert!(!o.status.success(), "{}", text(&o));

    // Revocation: OCSP says revoked and the CRL signed in the token carries the serial.
    let r = post_json(
        &format!("{base}/v1/certificates/{serial}/revoke"),
        Some(&admin),
        &json!({"reason": "keyCompromise"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    ocsp("revoked");
    let crl = work.join("issuing.crl");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let r = get(&format!("{base}/crl/p256-issuing.crl"), None).await;
        assert_eq!(r.status, 200);
        std::fs::write(&crl, &r.body).unwrap();
        let o = openssl(&[
            "crl",
            "-inform",
            "DER",
            "-in",
            s(&crl),
            "-CAfile",
            s(&issuing),
            "-noout",
            "-text",
        ]);
        let t = text(&o);
        assert!(t.contains("verify OK"), "{t}");
        if t.contains(&format!("Serial Number: {serial}")) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the CRL never listed {serial}: {t}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    server.terminate();

    // Renewing the issuing CA makes the new keys in the token too.
    let o = run_ok(
        yinxin()
            .env("SOFTHSM2_CONF", &conf)
            .args(["ca", "renew-issuing", "--algorithm", "p256", "--data-dir"])
            .arg(&data),
    );
    let renewed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(renewed["ca"], "p256-issuing-g2", "{renewed:#}");
    let mut keys = Vec::new();
    private_key_files(&data, &mut keys);
    assert_eq!(keys.len(), 7, "no new key file: {keys:?}");
    let o = Command::new("pkcs11-tool")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--module", MODULE, "--token-label", "yinxin-ca", "--login"])
        .args(["--pin", PIN, "--list-objects", "--type", "privkey"])
        .output();
    if let Ok(o) = o {
        let t = text(&o);
        for label in ["p256-issuing-g2", "p256-ocsp-signer-g2"] {
            assert!(t.contains(&format!("label:      {label}\n")), "{t}");
        }
    }
    openssl_verify_chain_with(&data, "p256-issuing-g2");
    // The service starts with both issuing CAs' keys in the token: the new one issues, the
    // old one still signs its CRL (which lists the certificate revoked above).
    let server = Server::start(&data, &[("SOFTHSM2_CONF", s(&conf))]);
    let r = post_json(
        &format!("{}/v1/certificates", server.base),
        Some(&admin),
        &json!({"profile": "organization", "algorithm": "p256",
                "subject": {"name": "密码机测试单位", "credit_code": ORG}, "csr": csr}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let renewed_leaf = work.join("org-g2.pem");
    std::fs::write(&renewed_leaf, r.json()["certificate_pem"].as_str().unwrap()).unwrap();
    let g2 = data.join("ca/p256-issuing-g2.pem");
    let o = openssl(&[
        "verify",
        "-CAfile",
        s(&root),
        "-untrusted",
        s(&g2),
        s(&renewed_leaf),
    ]);
    assert!(text(&o).contains(": OK"), "{}", text(&o));
    let r = get(&format!("{}/crl/p256-issuing.crl", server.base), None).await;
    assert_eq!(r.status, 200);
    std::fs::write(&crl, &r.body).unwrap();
    let o = openssl(&[
        "crl",
        "-inform",
        "DER",
        "-in",
        s(&crl),
        "-CAfile",
        s(&issuing),
        "-noout",
        "-text",
    ]);
    let t = text(&o);
    assert!(t.contains("verify OK") && t.contains(&serial), "{t}");
    server.terminate();

    // A label that names another key of the token is refused at start: the TSU's
    // certificate does not belong to the seal maker's key.
    let toml = std::fs::read_to_string(&cfg).unwrap();
    assert!(
        toml.trim_end().ends_with("algorithms = [\"p256\"]"),
        "{toml}"
    );
    std::fs::write(
        &cfg,
        format!("{toml}\n[hsm.labels]\np256-tsa = \"p256-seal-maker\"\n"),
    )
    .unwrap();
    let o = yinxin()
        .env("SOFTHSM2_CONF", &conf)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("key p256-tsa does not match its certificate"),
        "{err}"
    );
    std::fs::write(&cfg, &toml).unwrap();

    // A wrong PIN stops the service at start with one line that names the token.
    std::fs::write(&pin_file, "111111\n").unwrap();
    let o = yinxin()
        .env("SOFTHSM2_CONF", &conf)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("the PIN for token 'yinxin-ca' is wrong"),
        "{err}"
    );
    assert!(!err.contains("111111") && !err.contains(PIN), "{err}");
}

/// OpenSSL checks a renewed issuing CA certificate (signed in the token) against the root.
fn openssl_verify_chain_with(data: &Path, id: &str) {
    let root = data.join("ca/p256-root.pem");
    let ca = data.join(format!("ca/{id}.pem"));
    let o = openssl(&["verify", "-CAfile", s(&root), s(&ca)]);
    assert!(
        o.status.success() && text(&o).contains(": OK"),
        "{}",
        text(&o)
    );
}
