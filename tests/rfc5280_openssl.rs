//! OpenSSL cross-checks of the RFC 5280 profile (skipped when `openssl` is absent): where
//! `openssl verify -x509_strict` refuses a certificate of our corpus, we refuse it too, with
//! the reason that names the same rule; and a real SHA-1 chain made by OpenSSL is refused for
//! its algorithm.

mod common;
mod profile_pki;

use profile_pki::*;
use x509_cert::ext::pkix::name::GeneralName;
use yinxin::pki::cert::{self, extensions as x};
use yinxin::verify::path::Validator;

fn fresh_spki() -> Vec<u8> {
    yinxin::crypto::PrivateKey::generate(yinxin::crypto::Algorithm::P256)
        .unwrap()
        .public_key_spki_der()
        .unwrap()
}

#[test]
fn openssl_x509_strict_agrees() {
    if !common::openssl_available() {
        return;
    }
    let root = Ca::root();
    let dir = tempfile::tempdir().unwrap();
    let root_pem = dir.path().join("root.pem");
    std::fs::write(&root_pem, cert::to_pem(&root.der)).unwrap();
    let openssl = |name: &str, der_bytes: &[u8]| {
        let f = dir.path().join(format!("{name}.pem"));
        std::fs::write(&f, cert::to_pem(der_bytes)).unwrap();
        let o = std::process::Command::new("openssl")
            .args(["verify", "-x509_strict", "-CAfile"])
            .arg(&root_pem)
            .arg(&f)
            .output()
            .unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
        )
    };
    let (ok, out) = openssl("good", &root.good_ee("good"));
    assert!(ok, "{out}");
    let with = |cn: &str, extra: Vec<x509_cert::ext::Extension>| {
        let mut e = ee_exts();
        e.extend(extra);
        root.ee(cn, e)
    };
    let mut crit_aki = ee_exts();
    crit_aki.push(with_critical(
        x::authority_key_identifier(&root.ski).unwrap(),
        true,
    ));
    let ee = root.good_ee("mismatch");
    // (certificate, OpenSSL's words, our reason code)
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (
            root.issue("crit aki", &[0x51], fresh_spki(), crit_aki),
            "critical extension",
            "critical-authority-key-id",
        ),
        (
            with(
                "crit ski",
                vec![with_critical(
                    x::subject_key_identifier(&[1, 2]).unwrap(),
                    true,
                )],
            ),
            "critical extension",
            "critical-subject-key-id",
        ),
        (
            root.issue("no aki", &[0x52], fresh_spki(), ee_exts()),
            "Missing Authority Key Identifier",
            "missing-authority-key-id",
        ),
        (
            root.ee(
                "kcs",
                vec![
                    x::key_usage(&["digitalSignature", "keyCertSign"]).unwrap(),
                    x::basic_constraints(false, None).unwrap(),
                ],
            ),
            "keyCertSign invalid for non-CA",
            "key-cert-sign-in-end-entity",
        ),
        (
            with(
                "empty san",
                vec![raw_ext("2.5.29.17", false, &[0x30, 0x00])],
            ),
            "Empty Subject Alternative Name",
            "malformed-subject-alt-name",
        ),
        (
            root.resign(&ee, ECDSA_SHA256, |t| t[2] = alg_id(ECDSA_SHA384)),
            "signature algorithm mismatch",
            "signature-algorithm-mismatch",
        ),
    ];
    for (der_bytes, words, code) in cases {
        let (ok, out) = openssl(code, &der_bytes);
        assert!(!ok && out.contains(words), "OpenSSL on {code}: {out}");
        let r = run(&root, der_bytes, &[]);
        assert_eq!(
            r.failure.as_ref().map(|f| f.reason.code()),
            Some(code),
            "{}",
            serde_json::to_string_pretty(&r).unwrap()
        );
    }
    // Where OpenSSL is lenient, we are not: a zero serial, an empty EKU, nameConstraints in an
    // end entity, a mailbox with two '@'.
    let bad_mail = GeneralName::Rfc822Name(der::asn1::Ia5String::new("a@b@gov.cn").unwrap());
    for (der_bytes, code) in [
        (
            root.resign(&ee, ECDSA_SHA256, |t| t[1] = tlv(0x02, &[0])),
            "serial-number-zero",
        ),
        (
            with(
                "empty eku",
                vec![raw_ext("2.5.29.37", false, &[0x30, 0x00])],
            ),
            "empty-extended-key-usage",
        ),
        (
            with(
                "nc",
                vec![
                    x::name_constraints(
                        vec![GeneralName::DnsName(
                            der::asn1::Ia5String::new("gov.cn").unwrap(),
                        )],
                        vec![],
                    )
                    .unwrap(),
                ],
            ),
            "name-constraints-in-end-entity",
        ),
        (
            with("mail", vec![x::subject_alt_name(vec![bad_mail]).unwrap()]),
            "malformed-subject-alt-name",
        ),
    ] {
        let r = Validator::new().validate(&input(&root, der_bytes, &[]));
        assert_eq!(r.failure.as_ref().map(|f| f.reason.code()), Some(code));
    }
}

/// A real SHA-1 chain made by OpenSSL is refused for its algorithm (optional: skipped when
/// OpenSSL is absent or refuses to sign with SHA-1).
#[test]
fn openssl_sha1_chain_is_refused() {
    if !common::openssl_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
    let ok = |args: &[&str]| {
        std::process::Command::new("openssl")
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let made = ok(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-sha256",
        "-days",
        "30",
        "-subj",
        "/CN=SHA1 Test Root",
        "-keyout",
        &p("root.key"),
        "-out",
        &p("root.pem"),
        "-outform",
        "PEM",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
    ]) && ok(&[
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=SHA1 Test EE",
        "-keyout",
        &p("ee.key"),
        "-out",
        &p("ee.csr"),
    ]) && std::fs::write(
        p("ext.cnf"),
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nauthorityKeyIdentifier=keyid\n",
    )
    .is_ok()
        && ok(&[
            "x509",
            "-req",
            "-sha1",
            "-in",
            &p("ee.csr"),
            "-CA",
            &p("root.pem"),
            "-CAkey",
            &p("root.key"),
            "-set_serial",
            "4660",
            "-days",
            "10",
            "-extfile",
            &p("ext.cnf"),
            "-outform",
            "DER",
            "-out",
            &p("ee.der"),
        ])
        && ok(&[
            "x509",
            "-in",
            &p("root.pem"),
            "-outform",
            "DER",
            "-out",
            &p("root.der"),
        ]);
    if !made {
        return;
    }
    let root_der = std::fs::read(p("root.der")).unwrap();
    let ee = std::fs::read(p("ee.der")).unwrap();
    let mut i = yinxin::verify::path::Input::new(
        ee,
        vec![root_der],
        now(),
        yinxin::verify::purpose::Purpose::DocumentSigner,
    );
    i.revocation = yinxin::verify::path::RevocationMode::Off;
    let r = Validator::new().validate(&i);
    expect_failure(
        &r,
        "CRYPTO_CONSTRAINTS_FAILURE",
        "weak-signature-algorithm",
        Some(0),
    );
    assert!(r.failure.unwrap().rule.contains("sha1WithRSAEncryption"));
}
