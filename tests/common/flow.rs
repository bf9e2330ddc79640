//! The CLI issuance flow shared by the SQLite and PostgreSQL tests.

use super::*;
use std::path::Path;

pub fn write_subjects(dir: &Path) {
    std::fs::write(
        dir.join("person.json"),
        r#"{"name":"张三","id_number":"11010519491231002X"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("organization.json"),
        r#"{"name":"广州市数据局","credit_code":"91350100M000100Y43","province":"广东省","locality":"广州市"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("device.json"),
        r#"{"device_id":"gw-0001","owner_credit_code":"91350100M000100Y43","dns":["gw.example.gov.cn"],"ip":["10.1.2.3"],"uri":["urn:yinxin:device:gw-0001"]}"#,
    )
    .unwrap();
    std::fs::write(dir.join("keypass.txt"), "subscriber-pass-123\n").unwrap();
}

pub fn issue(
    data: &Path,
    work: &Path,
    profile: &str,
    alg: &str,
    key: Result<&Path, ()>,
    out: &str,
) -> serde_json::Value {
    let mut c = yinxin();
    c.args(["issue", "--data-dir"]).arg(data).args([
        "--profile",
        profile,
        "--algorithm",
        alg,
        "--subject",
    ]);
    c.arg(work.join(format!("{profile}.json")))
        .arg("--out")
        .arg(work.join(out));
    match key {
        Ok(csr) => {
            c.arg("--csr").arg(csr);
        }
        Err(()) => {
            c.arg("--generate-key")
                .arg("--key-passphrase-file")
                .arg(work.join("keypass.txt"));
        }
    }
    let o = run_ok(&mut c);
    serde_json::from_slice(&o.stdout).expect("issue prints JSON")
}

pub fn check_profile_text(text: &str, profile: &str, alg: &str) {
    let sig = if alg == "sm2" {
        "SM2-with-SM3"
    } else {
        "ecdsa-with-SHA256"
    };
    assert!(
        text.contains(&format!("Signature Algorithm: {sig}")),
        "{text}"
    );
    assert!(
        text.contains("X509v3 Basic Constraints: critical\n                CA:FALSE"),
        "{text}"
    );
    assert!(text.contains("X509v3 Key Usage: critical"), "{text}");
    assert!(text.contains("X509v3 Subject Key Identifier"), "{text}");
    assert!(text.contains("X509v3 Authority Key Identifier"), "{text}");
    assert!(
        text.contains(&format!("URI:http://127.0.0.1:8080/crl/{alg}-issuing.crl")),
        "{text}"
    );
    assert!(
        text.contains("OCSP - URI:http://127.0.0.1:8080/ocsp"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "CA Issuers - URI:http://127.0.0.1:8080/ca/{alg}-issuing.cer"
        )),
        "{text}"
    );
    match profile {
        "person" => {
            assert!(
                text.contains("Digital Signature, Non Repudiation"),
                "{text}"
            );
            assert!(
                text.contains("TLS Web Client Authentication, E-mail Protection"),
                "{text}"
            );
            assert!(text.contains("Policy: 1.3.6.1.4.1.32473.1.1.1"), "{text}");
            assert!(text.contains("Policy: 1.3.6.1.4.1.32473.1.2.2"), "{text}");
            assert!(text.contains("CN=张三"), "{text}");
            // Default profile: the identity number is hashed, never in clear.
            assert!(!text.contains("11010519491231002X"), "{text}");
            assert!(text.contains("serialNumber="), "{text}");
        }
        "organization" => {
            // Document signing (RFC 9336; OpenSSL 3.0 prints its OID) and S/MIME.
            assert!(
                text.contains("TLS Web Client Authentication, E-mail Protection")
                    && (text.contains("1.3.6.1.5.5.7.3.36") || text.contains("Document Signing")),
                "{text}"
            );
            assert!(text.contains("Policy: 1.3.6.1.4.1.32473.1.1.2"), "{text}");
            assert!(text.contains("Policy: 1.3.6.1.4.1.32473.1.2.3"), "{text}");
            assert!(
                text.contains("organizationIdentifier=NTRCN-91350100M000100Y43"),
                "{text}"
            );
            assert!(text.contains("O=广州市数据局"), "{text}");
            assert!(
                text.contains("ST=广东省") && text.contains("L=广州市"),
                "{text}"
            );
        }
        "device" => {
            assert!(text.contains("Digital Signature, Key Agreement"), "{text}");
            assert!(
                text.contains("TLS Web Server Authentication, TLS Web Client Authentication"),
                "{text}"
            );
            assert!(text.contains("Policy: 1.3.6.1.4.1.32473.1.1.3"), "{text}");
            assert!(text.contains("DNS:gw.example.gov.cn"), "{text}");
            assert!(text.contains("IP Address:10.1.2.3"), "{text}");
            assert!(text.contains("URI:urn:yinxin:device:gw-0001"), "{text}");
        }
        _ => unreachable!(),
    }
}

pub fn full_flow(alg: &str, db: Option<&str>) {
    if !require_openssl(&format!("issuance_cli {alg}")) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let work = tmp.path();
    init_region(&data, db);
    write_subjects(work);
    for profile in ["person", "organization", "device"] {
        // From an OpenSSL CSR.
        let csr = openssl_csr(work, alg, &format!("{profile}-{alg}"));
        let out = format!("{profile}-{alg}-csr");
        let rec = issue(&data, work, profile, alg, Ok(&csr), &out);
        assert_eq!(rec["profile"], profile);
        assert_eq!(rec["algorithm"], alg);
        assert_eq!(rec["status"], "valid");
        let cert = work.join(&out).join("cert.pem");
        openssl_verify_chain(&data, alg, &cert);
        check_profile_text(&x509_text(&cert), profile, alg);
        // The certificate carries the CSR's key.
        let a = openssl(&["req", "-in", csr.to_str().unwrap(), "-noout", "-pubkey"]);
        let b = openssl(&["x509", "-in", cert.to_str().unwrap(), "-noout", "-pubkey"]);
        assert_eq!(a.stdout, b.stdout);
        // chain.pem = issuing then root.
        let chain = std::fs::read_to_string(work.join(&out).join("chain.pem")).unwrap();
        let issuing = std::fs::read_to_string(data.join(format!("ca/{alg}-issuing.pem"))).unwrap();
        let root = std::fs::read_to_string(data.join(format!("ca/{alg}-root.pem"))).unwrap();
        assert_eq!(chain, format!("{issuing}{root}"));

        // With a generated key.
        let out = format!("{profile}-{alg}-gen");
        let rec = issue(&data, work, profile, alg, Err(()), &out);
        let cert = work.join(&out).join("cert.pem");
        let key = work.join(&out).join("key.pem");
        openssl_verify_chain(&data, alg, &cert);
        check_profile_text(&x509_text(&cert), profile, alg);
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&key).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
        let k = openssl(&[
            "pkey",
            "-in",
            key.to_str().unwrap(),
            "-passin",
            "pass:subscriber-pass-123",
            "-pubout",
        ]);
        assert!(k.status.success(), "{}", String::from_utf8_lossy(&k.stderr));
        let c = openssl(&["x509", "-in", cert.to_str().unwrap(), "-noout", "-pubkey"]);
        assert_eq!(k.stdout, c.stdout, "generated key matches its certificate");
        let wrong = openssl(&[
            "pkey",
            "-in",
            key.to_str().unwrap(),
            "-passin",
            "pass:wrong",
            "-noout",
        ]);
        assert!(!wrong.status.success());

        // show / list find it.
        let serial = rec["serial"].as_str().unwrap().to_string();
        let o = run_ok(
            yinxin()
                .args(["show", "--data-dir"])
                .arg(&data)
                .arg(serial.to_lowercase()),
        );
        let shown: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(shown["serial"], serial.as_str());
        let o = run_ok(
            yinxin()
                .args(["show", "--pem", "--data-dir"])
                .arg(&data)
                .arg(&serial),
        );
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            std::fs::read_to_string(&cert).unwrap()
        );
    }
    // CA certificates and the service certificates.
    for (ca, pathlen) in [("root", false), ("issuing", true)] {
        let t = x509_text(&data.join(format!("ca/{alg}-{ca}.pem")));
        assert!(t.contains("CA:TRUE"), "{t}");
        assert!(t.contains("Certificate Sign, CRL Sign"), "{t}");
        assert_eq!(t.contains("pathlen:0"), pathlen, "{t}");
    }
    let o = run_ok(
        yinxin()
            .args(["list", "--profile", "person", "--data-dir"])
            .arg(&data),
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 2);
    for (profile, eku) in [
        ("ocsp-signer", "OCSP Signing"),
        ("tsa", "Time Stamping"),
        ("seal-maker", "1.3.6.1.4.1.32473.1.3.1"),
    ] {
        let o = run_ok(
            yinxin()
                .args(["list", "--profile", profile, "--data-dir"])
                .arg(&data),
        );
        let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let mine: Vec<_> = lines.iter().filter(|l| l["algorithm"] == alg).collect();
        assert_eq!(mine.len(), 1, "{profile}");
        let serial = mine[0]["serial"].as_str().unwrap();
        let o = run_ok(
            yinxin()
                .args(["show", "--pem", "--data-dir"])
                .arg(&data)
                .arg(serial),
        );
        let p = tmp.path().join(format!("{profile}.pem"));
        std::fs::write(&p, &o.stdout).unwrap();
        openssl_verify_chain(&data, alg, &p);
        let t = x509_text(&p);
        assert!(t.contains(eku), "{profile}: {t}");
        if profile == "tsa" {
            assert!(t.contains("X509v3 Extended Key Usage: critical"), "{t}");
        }
        if profile == "ocsp-signer" {
            assert!(t.contains("OCSP No Check"), "{t}");
        }
    }
    // CA keys open with OpenSSL and are 0600.
    let key = data.join(format!("keys/{alg}-issuing.pem"));
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let o = openssl(&[
        "pkey",
        "-in",
        key.to_str().unwrap(),
        "-passin",
        &format!("pass:{TEST_PASSPHRASE}"),
        "-noout",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
