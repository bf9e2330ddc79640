//! Signing and verification per algorithm, keys at rest, and interoperability with OpenSSL
//! signatures (fixtures made with OpenSSL 3: `fixtures/crypto/test-*`).

use const_oid::ObjectIdentifier;
use der::Decode;
use der::asn1::AnyRef;
use yinxin::crypto::verify::verify_signature;
use yinxin::crypto::{Algorithm, CryptoError, Passphrase, PrivateKey, Signer, oid};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/fixtures/crypto/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn sign_and_verify_each_algorithm() {
    for alg in Algorithm::ALL {
        let key = PrivateKey::generate(alg).unwrap();
        let signer = key.signer().unwrap();
        let msg = b"yinxin signs this";
        let sig = signer.sign(msg).unwrap();
        let sig_oid = signer.signature_algorithm_oid();
        verify_signature(signer.public_key_spki(), sig_oid, None, msg, &sig).unwrap();
        let err = verify_signature(
            signer.public_key_spki(),
            sig_oid,
            None,
            b"something else",
            &sig,
        )
        .unwrap_err();
        assert!(matches!(err, CryptoError::BadSignature), "{alg}: {err}");
        // Another key does not verify it.
        let other = PrivateKey::generate(alg).unwrap().signer().unwrap();
        assert!(verify_signature(other.public_key_spki(), sig_oid, None, msg, &sig).is_err());
    }
}

#[test]
fn sm2_raw_signature_accepted() {
    let key = PrivateKey::generate(Algorithm::Sm2).unwrap();
    let signer = key.signer().unwrap();
    let sig = signer.sign(b"m").unwrap();
    let parsed = sm2::dsa::Signature::from_der(&sig).unwrap();
    let raw = parsed.to_bytes();
    assert_eq!(raw.len(), 64);
    verify_signature(
        signer.public_key_spki(),
        oid::SM2_WITH_SM3,
        None,
        b"m",
        &raw,
    )
    .unwrap();
}

#[test]
fn openssl_sm2_signature_with_default_id_verifies() {
    let msg = fixture("test-message.txt");
    let spki = fixture("test-sm2.spki.der");
    verify_signature(
        &spki,
        oid::SM2_WITH_SM3,
        None,
        &msg,
        &fixture("test-sm2-sm3.sig"),
    )
    .unwrap();
    let mut bad = msg.clone();
    bad[0] ^= 1;
    assert!(
        verify_signature(
            &spki,
            oid::SM2_WITH_SM3,
            None,
            &bad,
            &fixture("test-sm2-sm3.sig")
        )
        .is_err()
    );
}

#[test]
fn rsa_pkcs1_pss_and_p384_verify() {
    let msg = fixture("test-message.txt");
    let rsa = fixture("test-rsa2048.spki.der");
    verify_signature(
        &rsa,
        oid::RSA_SHA256,
        None,
        &msg,
        &fixture("test-rsa2048-pkcs1-sha256.sig"),
    )
    .unwrap();
    // RSASSA-PSS-params: SHA-256, MGF1-SHA-256, salt length 32.
    let params = hex::decode(
        "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120",
    )
    .unwrap();
    let any = AnyRef::from_der(&params).unwrap();
    verify_signature(
        &rsa,
        oid::RSA_PSS,
        Some(&any),
        &msg,
        &fixture("test-rsa2048-pss-sha256.sig"),
    )
    .unwrap();
    // PKCS#1 signature presented as PSS fails, and vice versa.
    assert!(
        verify_signature(
            &rsa,
            oid::RSA_PSS,
            Some(&any),
            &msg,
            &fixture("test-rsa2048-pkcs1-sha256.sig")
        )
        .is_err()
    );
    assert!(
        verify_signature(
            &rsa,
            oid::RSA_SHA256,
            None,
            &msg,
            &fixture("test-rsa2048-pss-sha256.sig")
        )
        .is_err()
    );
    let p384 = fixture("test-p384.spki.der");
    verify_signature(
        &p384,
        oid::ECDSA_SHA384,
        None,
        &msg,
        &fixture("test-p384-sha384.sig"),
    )
    .unwrap();
    assert!(
        verify_signature(
            &p384,
            oid::ECDSA_SHA384,
            None,
            b"x",
            &fixture("test-p384-sha384.sig")
        )
        .is_err()
    );
}

#[test]
fn weak_and_unsupported_are_reported() {
    let msg = fixture("test-message.txt");
    let err = verify_signature(
        &fixture("test-rsa1024.spki.der"),
        oid::RSA_SHA256,
        None,
        &msg,
        &fixture("test-rsa1024-pkcs1-sha256.sig"),
    )
    .unwrap_err();
    assert!(matches!(err, CryptoError::WeakKey(_)), "{err}");
    let err = verify_signature(
        &fixture("test-rsa2048.spki.der"),
        oid::DSA_SHA256,
        None,
        &msg,
        b"x",
    )
    .unwrap_err();
    assert!(matches!(err, CryptoError::UnsupportedAlgorithm(_)), "{err}");
    let err = verify_signature(
        &fixture("test-rsa2048.spki.der"),
        ObjectIdentifier::new_unwrap("1.2.3.4"),
        None,
        &msg,
        b"x",
    )
    .unwrap_err();
    assert!(matches!(err, CryptoError::UnsupportedAlgorithm(_)), "{err}");
    let err =
        verify_signature(b"\x30\x03\x02\x01\x00", oid::ECDSA_SHA256, None, &msg, b"x").unwrap_err();
    assert!(matches!(err, CryptoError::MalformedKey(_)), "{err}");
}

#[test]
fn encrypted_pkcs8_round_trip_and_wrong_passphrase() {
    let pass = Passphrase::new("correct horse battery".into()).unwrap();
    for alg in Algorithm::ALL {
        let key = PrivateKey::generate(alg).unwrap();
        let pem = key.to_encrypted_pem(&pass).unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        let back = PrivateKey::from_encrypted_pem(&pem, &pass, "t").unwrap();
        assert_eq!(back.algorithm(), alg);
        assert_eq!(
            back.public_key_spki_der().unwrap(),
            key.public_key_spki_der().unwrap()
        );
        let wrong = Passphrase::new("wrong".into()).unwrap();
        let err = PrivateKey::from_encrypted_pem(&pem, &wrong, "t").unwrap_err();
        assert!(matches!(err, CryptoError::Decrypt(_)), "{err}");
        // Debug never prints key material.
        assert_eq!(format!("{key:?}"), format!("PrivateKey({alg}, <redacted>)"));
        assert_eq!(format!("{:?}", pass), "Passphrase(<redacted>)");
    }
}

#[test]
fn openssl_opens_our_encrypted_keys() {
    if !yinxin_test_openssl_available() {
        println!("skipped: openssl not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pass = Passphrase::new("open sesame 123".into()).unwrap();
    for alg in Algorithm::ALL {
        let key = PrivateKey::generate(alg).unwrap();
        let path = dir.path().join(format!("{alg}.pem"));
        std::fs::write(&path, key.to_encrypted_pem(&pass).unwrap()).unwrap();
        let out = std::process::Command::new("openssl")
            .args(["pkey", "-in"])
            .arg(&path)
            .args([
                "-passin",
                "pass:open sesame 123",
                "-pubout",
                "-outform",
                "DER",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, key.public_key_spki_der().unwrap(), "{alg}");
    }
}

fn yinxin_test_openssl_available() -> bool {
    std::process::Command::new("openssl")
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}
