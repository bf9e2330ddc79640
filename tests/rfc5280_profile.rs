//! The RFC 5280 certificate profile, the trust-anchor rules of RFC 5937 and the crypto
//! constraints, one rule at a time: each malformed certificate is refused with its typed
//! reason (code, sub-indication, and the certificate blamed), and the well-formed neighbour
//! passes. Revocation data and multi-byte input are in `rfc5280_revocation.rs`.

mod common;
mod profile_pki;

use der::Encode;
use der::asn1::{Ia5String, OctetString};
use profile_pki::*;
use x509_cert::ext::pkix::name::GeneralName;
use yinxin::pki::cert::{self, CertificateTemplate, extensions as x};
use yinxin::verify::path::Validator;

fn fresh_spki() -> Vec<u8> {
    yinxin::crypto::PrivateKey::generate(yinxin::crypto::Algorithm::P256)
        .unwrap()
        .public_key_spki_der()
        .unwrap()
}

#[test]
fn well_formed_chains_pass() {
    let root = Ca::root();
    expect_pass(&run(&root, root.good_ee("direct"), &[]));
    let sub = root.sub_ca("Sub CA");
    let r = run(&root, sub.good_ee("under sub"), &[&sub]);
    expect_pass(&r);
    assert_eq!(r.path.len(), 2);
    assert!(
        r.path
            .iter()
            .all(|c| c.checks.iter().any(|k| k.check == "profile")),
        "every certificate of the path is checked against the profile"
    );
}

/// RFC 5280 §4.1.1.2: TBSCertificate.signature equals signatureAlgorithm.
#[test]
fn signature_algorithm_mismatch() {
    let root = Ca::root();
    let ee = root.good_ee("ee");
    expect_pass(&run(&root, root.resign(&ee, ECDSA_SHA256, |_| {}), &[]));
    // The TBS says SHA-384; the outer (and the signature) SHA-256.
    let bad = root.resign(&ee, ECDSA_SHA256, |t| t[2] = alg_id(ECDSA_SHA384));
    let r = run(&root, bad, &[]);
    expect_failure(
        &r,
        "FORMAT_FAILURE",
        "signature-algorithm-mismatch",
        Some(0),
    );
    assert!(r.failure.unwrap().rule.contains("1.2.840.10045.4.3.3"));
    // Same OID, different parameters.
    let with_params = seq(&[&oid(ECDSA_SHA256).to_der().unwrap(), &[0x02, 0x01, 0x01]]);
    let bad = root.resign(&ee, ECDSA_SHA256, |t| t[2] = with_params);
    expect_failure(
        &run(&root, bad, &[]),
        "FORMAT_FAILURE",
        "signature-algorithm-mismatch",
        Some(0),
    );
}

/// RFC 5280 §4.1.2.2: positive, at most 20 octets.
#[test]
fn serial_numbers() {
    let root = Ca::root();
    let ee = root.good_ee("ee");
    let with_serial = |s: &[u8]| root.resign(&ee, ECDSA_SHA256, |t| t[1] = tlv(0x02, s));
    let mut too_long = vec![0x01];
    too_long.extend([0xaa; 20]);
    for (serial, code) in [
        (vec![0x00], "serial-number-zero"),
        (vec![0xff], "serial-number-negative"),
        (vec![0x80, 0x01], "serial-number-negative"),
        (too_long, "serial-number-too-long"),
    ] {
        expect_failure(
            &run(&root, with_serial(&serial), &[]),
            "FORMAT_FAILURE",
            code,
            Some(0),
        );
    }
    expect_pass(&run(&root, with_serial(&[0x7f; 20]), &[]));
    expect_pass(&run(&root, with_serial(&[0x00, 0xff]), &[]));
    // In an intermediate, blamed on it.
    let sub = root.sub_ca("Sub CA");
    let bad_sub = Ca {
        der: root.resign(&sub.der, ECDSA_SHA256, |t| t[1] = tlv(0x02, &[0])),
        key: sub.key,
        name: sub.name,
        ski: sub.ski,
    };
    expect_failure(
        &run(&root, bad_sub.good_ee("ee"), &[&bad_sub]),
        "FORMAT_FAILURE",
        "serial-number-zero",
        Some(1),
    );
}

/// RFC 5280 §4.2.1.1, §4.2.1.2: key identifiers never critical; AKI in all but self-signed
/// certificates, SKI in CA certificates.
#[test]
fn key_identifiers() {
    let root = Ca::root();
    let mut exts = ee_exts();
    exts.push(with_critical(
        x::authority_key_identifier(&root.ski).unwrap(),
        true,
    ));
    let ee = root.issue("critical aki", &[0x21], fresh_spki(), exts);
    expect_failure(
        &run(&root, ee, &[]),
        "CHAIN_CONSTRAINTS_FAILURE",
        "critical-authority-key-id",
        Some(0),
    );
    let mut exts = ee_exts();
    exts.push(with_critical(
        x::subject_key_identifier(&[1, 2, 3]).unwrap(),
        true,
    ));
    expect_failure(
        &run(&root, root.ee("critical ski", exts), &[]),
        "CHAIN_CONSTRAINTS_FAILURE",
        "critical-subject-key-id",
        Some(0),
    );
    let ee = root.issue("no aki", &[0x22], fresh_spki(), ee_exts());
    expect_failure(
        &run(&root, ee, &[]),
        "CHAIN_CONSTRAINTS_FAILURE",
        "missing-authority-key-id",
        Some(0),
    );
    // An AKI with only authorityCertIssuer/SerialNumber, no keyIdentifier.
    let mut exts = ee_exts();
    exts.push(raw_ext("2.5.29.35", false, &seq(&[&tlv(0x82, &[0x01])])));
    let ee = root.issue("aki without key id", &[0x23], fresh_spki(), exts);
    expect_failure(
        &run(&root, ee, &[]),
        "CHAIN_CONSTRAINTS_FAILURE",
        "missing-authority-key-id",
        Some(0),
    );
    // A CA without SKI, blamed as the intermediate.
    let sub = root.sub_ca_with("Sub CA without SKI", |_| {
        vec![
            x::basic_constraints(true, None).unwrap(),
            x::key_usage(&["keyCertSign", "cRLSign"]).unwrap(),
        ]
    });
    expect_failure(
        &run(&root, sub.good_ee("ee"), &[&sub]),
        "CHAIN_CONSTRAINTS_FAILURE",
        "missing-subject-key-id",
        Some(1),
    );
    // An end entity needs no SKI; the anchor itself is not held to the profile.
    let bare_root = Ca::root_with(
        "Root without key identifiers",
        |_| vec![x::basic_constraints(true, None).unwrap()],
        now() - 60,
        now() + 86_400,
    );
    expect_pass(&run(&bare_root, bare_root.good_ee("ee"), &[]));
}

/// RFC 5280 §4.2.1.12: extKeyUsage SIZE (1..MAX).
#[test]
fn empty_extended_key_usage() {
    let root = Ca::root();
    let mut exts = ee_exts();
    exts.push(raw_ext("2.5.29.37", false, &[0x30, 0x00]));
    expect_failure(
        &run(&root, root.ee("empty eku", exts), &[]),
        "CHAIN_CONSTRAINTS_FAILURE",
        "empty-extended-key-usage",
        Some(0),
    );
}

fn dns(s: &str) -> GeneralName {
    GeneralName::DnsName(Ia5String::new(s).unwrap())
}

/// RFC 5280 §4.2.1.10, §4.2.1.11: nameConstraints and policyConstraints critical;
/// nameConstraints only in CA certificates.
#[test]
fn constraint_extensions() {
    let root = Ca::root();
    let sub_with = |cn: &str, ext: x509_cert::ext::Extension| {
        root.sub_ca_with(cn, |ski| {
            let mut exts = ca_exts(ski, None);
            exts.push(ext);
            exts
        })
    };
    let nc = x::name_constraints(vec![dns("gov.cn")], vec![]).unwrap();
    let sub = sub_with("NC not critical", with_critical(nc.clone(), false));
    expect_failure(
        &run(&root, sub.good_ee("ee"), &[&sub]),
        "CHAIN_CONSTRAINTS_FAILURE",
        "name-constraints-not-critical",
        Some(1),
    );
    let sub = sub_with("NC critical", nc.clone());
    expect_pass(&run(&root, sub.good_ee("ee"), &[&sub]));

    let pc = x::policy_constraints(None, Some(1)).unwrap();
    let sub = sub_with("PC not critical", with_critical(pc.clone(), false));
    let mut input = input(&root, sub.good_ee("ee"), &[&sub]);
    expect_failure(
        &Validator::new().validate(&input),
        "CHAIN_CONSTRAINTS_FAILURE",
        "policy-constraints-not-critical",
        Some(1),
    );
    input.profile.policy_constraints_critical = false;
    expect_pass(&Validator::new().validate(&input));
    let sub = sub_with("PC critical", pc);
    expect_pass(&run(&root, sub.good_ee("ee"), &[&sub]));

    let mut exts = ee_exts();
    exts.push(nc);
    expect_failure(
        &run(&root, root.ee("nc in ee", exts), &[]),
        "CHAIN_CONSTRAINTS_FAILURE",
        "name-constraints-in-end-entity",
        Some(0),
    );
}

/// RFC 5280 §4.2.1.3, §4.2.1.9: keyCertSign only with cA.
#[test]
fn key_cert_sign_in_end_entity() {
    let root = Ca::root();
    for bc in [Some(false), None] {
        let mut exts = vec![x::key_usage(&["digitalSignature", "keyCertSign"]).unwrap()];
        if let Some(ca) = bc {
            exts.push(x::basic_constraints(ca, None).unwrap());
        }
        expect_failure(
            &run(&root, root.ee("kcs", exts), &[]),
            "CHAIN_CONSTRAINTS_FAILURE",
            "key-cert-sign-in-end-entity",
            Some(0),
        );
    }
}

/// RFC 5280 §4.2.1.6: subjectAltName entries well formed.
#[test]
fn subject_alt_names() {
    let root = Ca::root();
    let with_san = |names: Vec<GeneralName>| {
        let mut exts = ee_exts();
        exts.push(x::subject_alt_name(names).unwrap());
        root.ee("san", exts)
    };
    let ia5 = |s: &str| Ia5String::new(s).unwrap();
    let good = vec![
        GeneralName::Rfc822Name(ia5("zhang.san@gov.cn")),
        dns("*.beijing.gov.cn"),
        dns("www.gov.cn"),
        GeneralName::UniformResourceIdentifier(ia5("https://www.gov.cn/seal?id=1")),
        GeneralName::UniformResourceIdentifier(ia5("urn:uuid:0f1e")),
        GeneralName::IpAddress(OctetString::new(vec![10, 0, 0, 1]).unwrap()),
        GeneralName::IpAddress(OctetString::new(vec![0x20; 16]).unwrap()),
    ];
    expect_pass(&run(&root, with_san(good), &[]));
    let bad = vec![
        GeneralName::Rfc822Name(ia5("a@b@gov.cn")),
        GeneralName::Rfc822Name(ia5("@gov.cn")),
        GeneralName::Rfc822Name(ia5("zhang@")),
        GeneralName::Rfc822Name(ia5("zhang@gov..cn")),
        GeneralName::Rfc822Name(ia5("zhang san@gov.cn")),
        dns("www gov.cn"),
        dns("a..gov.cn"),
        dns("-a.gov.cn"),
        dns("a.*.gov.cn"),
        dns(""),
        GeneralName::UniformResourceIdentifier(ia5("www.gov.cn/seal")),
        GeneralName::UniformResourceIdentifier(ia5("http://")),
        GeneralName::IpAddress(OctetString::new(vec![10, 0, 0, 1, 0]).unwrap()),
    ];
    for name in bad {
        let shown = format!("{name:?}");
        let r = run(&root, with_san(vec![dns("ok.gov.cn"), name]), &[]);
        expect_failure(&r, "FORMAT_FAILURE", "malformed-subject-alt-name", Some(0));
        assert!(r.failure.is_some(), "{shown}");
    }
    // Empty, and an entry that is not IA5 (multi-byte): malformed too.
    for value in [
        vec![0x30, 0x00],
        seq(&[&tlv(0x81, "张@gov.cn".as_bytes())]),
        seq(&[&tlv(0x82, "印信.gov.cn".as_bytes())]),
    ] {
        let mut exts = ee_exts();
        exts.push(raw_ext("2.5.29.17", false, &value));
        expect_failure(
            &run(&root, root.ee("san", exts), &[]),
            "FORMAT_FAILURE",
            "malformed-subject-alt-name",
            Some(0),
        );
    }
    // An empty subject needs a critical subjectAltName.
    let empty_subject = |critical: bool| {
        let mut exts = ee_exts();
        exts.push(with_critical(
            x::subject_alt_name(vec![dns("www.gov.cn")]).unwrap(),
            critical,
        ));
        let ee = root.ee("to be emptied", exts);
        root.resign(&ee, ECDSA_SHA256, |t| t[5] = vec![0x30, 0x00])
    };
    expect_failure(
        &run(&root, empty_subject(false), &[]),
        "CHAIN_CONSTRAINTS_FAILURE",
        "subject-alt-name-not-critical",
        Some(0),
    );
    expect_pass(&run(&root, empty_subject(true), &[]));
}

/// RFC 5937 by default: the anchor's certificate valid at the validation time, a CA, no
/// unknown critical extension, and its constraints bind the path; the opt-out turns the
/// anchor into a name and a key.
#[test]
fn trust_anchor_rules() {
    let day = 86_400;
    let check = |root: &Ca, sub_ca: Option<&Ca>, sub: &str, code: &str, index| {
        let ee = sub_ca.unwrap_or(root).good_ee("ee");
        let inter: Vec<&Ca> = sub_ca.into_iter().collect();
        let mut i = input(root, ee, &inter);
        let r = Validator::new().validate(&i);
        expect_failure(&r, sub, code, index);
        if index.is_none() {
            assert!(
                r.failure
                    .as_ref()
                    .unwrap()
                    .subject
                    .as_deref()
                    .is_some_and(|s| s.contains("Root")),
                "the anchor is named: {:?}",
                r.failure
            );
        }
        i.enforce_anchor_constraints = false;
        expect_pass(&Validator::new().validate(&i));
    };
    let proper = |ski: &[u8]| ca_exts(ski, None);
    let expired = Ca::root_with("Expired Root", proper, now() - 400 * day, now() - day);
    check(&expired, None, "EXPIRED", "anchor-expired", None);
    let future = Ca::root_with("Future Root", proper, now() + day, now() + 400 * day);
    check(&future, None, "NOT_YET_VALID", "anchor-not-yet-valid", None);
    let root = |cn: &str, exts: &dyn Fn(&[u8]) -> Vec<x509_cert::ext::Extension>| {
        Ca::root_with(cn, exts, now() - 60, now() + day)
    };
    let no_bc = root("Root without basicConstraints", &|_| {
        vec![x::key_usage(&["keyCertSign"]).unwrap()]
    });
    check(
        &no_bc,
        None,
        "CHAIN_CONSTRAINTS_FAILURE",
        "anchor-not-ca",
        None,
    );
    let not_ca = root("Root with cA false", &|_| {
        vec![x::basic_constraints(false, None).unwrap()]
    });
    check(
        &not_ca,
        None,
        "CHAIN_CONSTRAINTS_FAILURE",
        "anchor-not-ca",
        None,
    );
    let odd = root("Root with an unknown critical extension", &|ski| {
        let mut e = ca_exts(ski, None);
        e.push(raw_ext("1.3.6.1.4.1.32473.99.7", true, &[0x05, 0x00]));
        e
    });
    check(
        &odd,
        None,
        "CHAIN_CONSTRAINTS_FAILURE",
        "anchor-unknown-critical-extension",
        None,
    );
    // Its path length constraint.
    let pl0 = root("Root pathLen 0", &|ski| ca_exts(ski, Some(0)));
    let sub = pl0.sub_ca("Sub CA");
    check(
        &pl0,
        Some(&sub),
        "CHAIN_CONSTRAINTS_FAILURE",
        "path-length-exceeded",
        Some(1),
    );
    // Its policies and policy constraints.
    let p1 = oid("1.3.6.1.4.1.32473.1.1.1");
    let p2 = oid("1.3.6.1.4.1.32473.1.1.2");
    let pol_root = root("Root with policies", &|ski| {
        let mut e = ca_exts(ski, None);
        e.push(x::certificate_policies(&[p1]).unwrap());
        e.push(x::policy_constraints(Some(0), None).unwrap());
        e
    });
    let ee_with = |p| {
        let mut e = ee_exts();
        e.push(x::certificate_policies(&[p]).unwrap());
        pol_root.ee("ee", e)
    };
    expect_pass(&run(&pol_root, ee_with(p1), &[]));
    let mut i = input(&pol_root, ee_with(p2), &[]);
    expect_failure(
        &Validator::new().validate(&i),
        "CHAIN_CONSTRAINTS_FAILURE",
        "no-valid-policy",
        Some(0),
    );
    i.enforce_anchor_constraints = false;
    expect_pass(&Validator::new().validate(&i));
    // Its name constraints.
    let nc_root = root("Root with name constraints", &|ski| {
        let mut e = ca_exts(ski, None);
        e.push(x::name_constraints(vec![dns("gov.cn")], vec![]).unwrap());
        e
    });
    let with_dns = |d: &str| {
        let mut e = ee_exts();
        e.push(x::subject_alt_name(vec![dns(d)]).unwrap());
        nc_root.ee("ee", e)
    };
    expect_pass(&run(&nc_root, with_dns("www.gov.cn"), &[]));
    let mut i = input(&nc_root, with_dns("www.example.com"), &[]);
    expect_failure(
        &Validator::new().validate(&i),
        "CHAIN_CONSTRAINTS_FAILURE",
        "name-constraints-violated",
        Some(0),
    );
    i.enforce_anchor_constraints = false;
    expect_pass(&Validator::new().validate(&i));
}

/// SHA-1 and MD5 are refused (INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE), before any
/// signature arithmetic.
#[test]
fn weak_signature_algorithms() {
    let root = Ca::root();
    let ee = root.good_ee("ee");
    for alg in [ECDSA_SHA1, RSA_SHA1, MD5_RSA] {
        let weak = root.resign(&ee, alg, |t| t[2] = alg_id(alg));
        let r = run(&root, weak, &[]);
        assert_eq!(
            r.indication,
            yinxin::verify::report::Indication::Indeterminate
        );
        expect_failure(
            &r,
            "CRYPTO_CONSTRAINTS_FAILURE",
            "weak-signature-algorithm",
            Some(0),
        );
    }
}

/// RFC 4055 §3.3: a key whose SubjectPublicKeyInfo says id-RSASSA-PSS makes PSS signatures
/// only, with the parameters it allows.
#[test]
fn pss_keys_are_bound_to_pss() {
    use yinxin::crypto::verify::{AlgorithmRejection, check_signature_algorithm};
    let fx = |n: &str| {
        std::fs::read(format!(
            "{}/fixtures/crypto/{n}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let rsa = fx("test-rsa2048.spki.der");
    // The same modulus under id-RSASSA-PSS (no parameters: any PSS).
    let pss_spki = |params: Option<&[u8]>| {
        let key_bits = &elements(&rsa)[1];
        let mut alg = oid("1.2.840.113549.1.1.10").to_der().unwrap();
        if let Some(p) = params {
            alg.extend_from_slice(p);
        }
        seq(&[&tlv(0x30, &alg), key_bits])
    };
    let pss = pss_spki(None);
    let msg = fx("test-message.txt");
    let params_sha256 = hex::decode(
        "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120",
    )
    .unwrap();
    let any = der::asn1::AnyRef::new(der::Tag::Sequence, &params_sha256[2..]).unwrap();
    let verify = |spki: &[u8], alg: &str, params: Option<&der::asn1::AnyRef<'_>>, sig: &str| {
        yinxin::crypto::verify::verify_signature(spki, oid(alg), params, &msg, &fx(sig))
    };
    // A PSS-bound key verifies its PSS signature …
    verify(
        &pss,
        "1.2.840.113549.1.1.10",
        Some(&any),
        "test-rsa2048-pss-sha256.sig",
    )
    .unwrap();
    // … and refuses a PKCS#1 v1.5 one that the same modulus under rsaEncryption accepts.
    verify(&rsa, RSA_SHA256, None, "test-rsa2048-pkcs1-sha256.sig").unwrap();
    assert!(verify(&pss, RSA_SHA256, None, "test-rsa2048-pkcs1-sha256.sig").is_err());
    assert!(matches!(
        check_signature_algorithm(&pss, oid(RSA_SHA256), None),
        Err(AlgorithmRejection::PssKeyMismatch(_))
    ));
    // A key restricted to SHA-384 refuses a SHA-256 PSS signature.
    let sha384_params = seq(&[&tlv(0xa0, &alg_id("2.16.840.1.101.3.4.2.2"))]);
    let pss384 = pss_spki(Some(&sha384_params));
    assert!(matches!(
        check_signature_algorithm(&pss384, oid("1.2.840.113549.1.1.10"), Some(&any)),
        Err(AlgorithmRejection::PssKeyMismatch(_))
    ));
    // SHA-1 RSA is weak even with a good key.
    assert!(matches!(
        check_signature_algorithm(&rsa, oid(RSA_SHA1), None),
        Err(AlgorithmRejection::Weak(_))
    ));
    let e = verify(&rsa, RSA_SHA1, None, "test-rsa2048-pkcs1-sha256.sig").unwrap_err();
    assert!(e.to_string().contains("weak"), "{e}");

    // In a path: an anchor with a PSS key and an end entity "signed" sha256WithRSA.
    let holder = Ca::root();
    let anchor_der = cert::sign_certificate(
        &CertificateTemplate {
            serial: vec![0x05],
            issuer: holder.name.clone(),
            subject: holder.name.clone(),
            not_before: now() - 60,
            not_after: now() + 86_400,
            spki_der: pss.clone(),
            extensions: ca_exts(&holder.ski, None),
        },
        &holder.signer(),
    )
    .unwrap();
    let anchor = Ca {
        der: anchor_der,
        ..holder
    };
    let ee = anchor.good_ee("ee");
    let pkcs1 = anchor.resign(&ee, RSA_SHA256, |t| t[2] = alg_id(RSA_SHA256));
    expect_failure(
        &run(&anchor, pkcs1, &[]),
        "SIG_CRYPTO_FAILURE",
        "pss-key-mismatch",
        Some(0),
    );
    // Labelled PSS, the check goes through to the signature (which is not RSA): bad.
    let pss_alg = seq(&[
        &oid("1.2.840.113549.1.1.10").to_der().unwrap(),
        &params_sha256,
    ]);
    let labelled = anchor.resign(&ee, ECDSA_SHA256, |t| t[2] = pss_alg.clone());
    let parts = elements(&labelled);
    let relabelled = seq(&[&parts[0], &pss_alg, &parts[2]]);
    expect_failure(
        &run(&anchor, relabelled, &[]),
        "SIG_CRYPTO_FAILURE",
        "bad-signature",
        Some(0),
    );
}

/// `yinxin verify-chain --no-anchor-constraints` (and `yinxin verify` on a certificate) opt out
/// of RFC 5937 (exit 1 → 0 for an expired anchor); the JSON report carries the reason code.
#[test]
fn verify_chain_cli_anchor_opt_out() {
    let root = Ca::root_with(
        "Expired CLI Root",
        |ski| ca_exts(ski, None),
        now() - 400 * 86_400,
        now() - 86_400,
    );
    let ee = root.good_ee("cli ee");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("root.der"), &root.der).unwrap();
    std::fs::write(dir.path().join("ee.pem"), cert::to_pem(&ee)).unwrap();
    let run_cli = |extra: &[&str]| {
        common::yinxin()
            .arg("verify-chain")
            .arg("--anchor")
            .arg(dir.path().join("root.der"))
            .arg("--cert")
            .arg(dir.path().join("ee.pem"))
            .args(["--no-revocation", "--json"])
            .args(extra)
            .output()
            .unwrap()
    };
    let o = run_cli(&[]);
    assert_eq!(o.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["sub_indication"], "EXPIRED");
    assert_eq!(j["failure"]["reason"], "anchor-expired");
    let o = run_cli(&["--no-anchor-constraints"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // `yinxin verify` on a bare certificate: the same opt-out.
    let verify = |extra: &[&str]| {
        common::yinxin()
            .arg("verify")
            .arg(dir.path().join("ee.pem"))
            .arg("--anchor")
            .arg(dir.path().join("root.der"))
            .args(["--no-revocation", "--json"])
            .args(extra)
            .output()
            .unwrap()
    };
    let o = verify(&[]);
    assert_eq!(o.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["failure"]["reason"], "anchor-expired");
    assert_eq!(verify(&["--no-anchor-constraints"]).status.code(), Some(0));
}
