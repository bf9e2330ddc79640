//! Our SM2 (`yinxin-sm2`: constant-time signer, variable-time verifier) against two
//! independent implementations:
//!
//! - RustCrypto `sm2`: random (key, message) pairs — our signatures verify with its
//!   `VerifyingKey`, its signatures verify with ours, and an altered message or a signature
//!   made by another key fails with both.
//!   `YINXIN_SM2_DIFF_PAIRS` sets the count (CI: 5,000; the 1,000,000 of BENCHMARKS.md with
//!   `YINXIN_SM2_DIFF_PAIRS=1000000 cargo test --release --test sm2_differential`).
//! - OpenSSL 3 (`pkeyutl -rawin -digest sm3` with the GM/T 0009 default ID): 1,000 of our
//!   signatures verify and altered ones do not; OpenSSL's signatures verify with ours.
//!
//! Plus the GB/T 32918.2-2016 Annex A example through the whole path (Z, e, signature) and the
//! encodings that must be refused (r or s out of range, keys off the curve or at infinity).

mod common;

use signature::{Signer as _, Verifier as _};
use std::path::Path;
use std::process::Command;
use yinxin::crypto::sm2::{sm2_digest_with_z, verify_sm2_with_id};
use yinxin::crypto::verify::classify_spki;
use yinxin::crypto::{Algorithm, CryptoError, PrivateKey, SM2_DEFAULT_ID, Signer as _};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    yinxin::crypto::random_bytes(&mut b).unwrap();
    b
}

fn pairs() -> usize {
    std::env::var("YINXIN_SM2_DIFF_PAIRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000)
}

/// An SM2 key: our signer, its SEC1 point and RustCrypto's signing and verifying keys.
struct Key {
    ours: yinxin::crypto::SoftwareSigner,
    point: Vec<u8>,
    reference: sm2::dsa::SigningKey,
    reference_vk: sm2::dsa::VerifyingKey,
}

fn key() -> Key {
    let private = PrivateKey::generate(Algorithm::Sm2).unwrap();
    let PrivateKey::Sm2(secret) = &private else {
        unreachable!()
    };
    let reference = sm2::dsa::SigningKey::new(SM2_DEFAULT_ID, secret).unwrap();
    let ours = private.signer().unwrap();
    let (_, point) = classify_spki(ours.public_key_spki()).unwrap();
    let reference_vk = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_ID, &point).unwrap();
    Key {
        ours,
        point,
        reference,
        reference_vk,
    }
}

fn reference_verifies(k: &Key, msg: &[u8], sig_der: &[u8]) -> bool {
    match sm2::dsa::Signature::from_der(sig_der) {
        Ok(s) => k.reference_vk.verify(msg, &s).is_ok(),
        Err(_) => false,
    }
}

#[test]
fn random_pairs_agree_with_rustcrypto_both_ways() {
    let n = pairs();
    let mut k = key();
    let (mut ours_ok, mut theirs_ok, mut altered_refused) = (0usize, 0usize, 0usize);
    let mut wrong_key_refused = 0usize;
    for i in 0..n {
        // A new key every 10 pairs: many keys, and the verifier's per-key tables in play.
        if i % 10 == 0 {
            k = key();
        }
        let len = 1 + (random_bytes(1)[0] as usize);
        let msg = random_bytes(len);
        let ours = k.ours.sign(&msg).unwrap();
        assert!(
            reference_verifies(&k, &msg, &ours),
            "pair {i}: RustCrypto refused ours"
        );
        ours_ok += 1;
        let theirs: sm2::dsa::Signature = k.reference.sign(&msg);
        let theirs = theirs.to_der();
        verify_sm2_with_id(&k.point, SM2_DEFAULT_ID, &msg, theirs.as_bytes())
            .unwrap_or_else(|e| panic!("pair {i}: ours refused RustCrypto's: {e}"));
        theirs_ok += 1;
        if i % 4 == 0 && i % 10 != 0 {
            // Made by another key: refused by both under this one.
            let stranger = key();
            let forged = stranger.ours.sign(&msg).unwrap();
            assert!(!reference_verifies(&k, &msg, &forged));
            assert!(matches!(
                verify_sm2_with_id(&k.point, SM2_DEFAULT_ID, &msg, &forged),
                Err(CryptoError::BadSignature)
            ));
            wrong_key_refused += 1;
        }
        if i % 4 == 0 {
            let mut altered = msg.clone();
            altered[i % len] ^= 1 << (i % 8);
            assert!(!reference_verifies(&k, &altered, &ours));
            assert!(matches!(
                verify_sm2_with_id(&k.point, SM2_DEFAULT_ID, &altered, theirs.as_bytes()),
                Err(CryptoError::BadSignature)
            ));
            altered_refused += 1;
        }
    }
    assert_eq!((ours_ok, theirs_ok), (n, n));
    assert_eq!(altered_refused, n.div_ceil(4));
    assert!(wrong_key_refused > 0);
    println!("sm2 differential: {n} pairs agree both ways, {altered_refused} altered refused");
}

/// GB/T 32918.2-2016 Annex A: the standard's key, ID, message, digest and signature.
#[test]
fn the_standard_example_through_z_and_the_verifier() {
    let point = hex(concat!(
        "04",
        "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020",
        "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
    ));
    let e = sm2_digest_with_z(&point, "1234567812345678", b"message digest").unwrap();
    assert_eq!(
        e.to_vec(),
        hex("F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640")
    );
    let sig = hex(concat!(
        "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3",
        "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
    ));
    verify_sm2_with_id(&point, "1234567812345678", b"message digest", &sig).unwrap();
    assert!(matches!(
        verify_sm2_with_id(&point, "1234567812345678", b"message digesT", &sig),
        Err(CryptoError::BadSignature)
    ));
    // Another ID is another Z, another digest.
    assert!(verify_sm2_with_id(&point, "ALICE123@YAHOO.COM", b"message digest", &sig).is_err());
}

/// A DER `SEQUENCE { r, s }` from big-endian integers (leading zero added where needed).
fn der_sig(r: &[u8], s: &[u8]) -> Vec<u8> {
    let int = |v: &[u8]| {
        let mut v: Vec<u8> = v.iter().copied().skip_while(|b| *b == 0).collect();
        if v.is_empty() || v[0] & 0x80 != 0 {
            v.insert(0, 0);
        }
        let mut out = vec![0x02, v.len() as u8];
        out.extend(v);
        out
    };
    let body = [int(r), int(s)].concat();
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

#[test]
fn out_of_range_signatures_and_bad_keys_are_refused() {
    let k = key();
    let msg = b"edge cases";
    let good = k.ours.sign(msg).unwrap();
    let parsed = sm2::dsa::Signature::from_der(&good).unwrap();
    let raw = parsed.to_bytes();
    let (r, s) = (raw[..32].to_vec(), raw[32..].to_vec());
    let n = hex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");
    let mut n_plus_r = n.clone();
    n_plus_r.insert(0, 0);
    let zero = [0u8; 1];
    for (what, sig) in [
        ("r = 0", der_sig(&zero, &s)),
        ("s = 0", der_sig(&r, &zero)),
        ("r = n", der_sig(&n, &s)),
        ("s = n", der_sig(&r, &n)),
        ("r > n", der_sig(&[0xff; 32], &s)),
        ("s 33 bytes", der_sig(&r, &[0x01; 33])),
    ] {
        assert!(
            matches!(
                verify_sm2_with_id(&k.point, SM2_DEFAULT_ID, msg, &sig),
                Err(CryptoError::MalformedSignature)
            ),
            "{what}"
        );
    }
    // r + s = n: t = 0 (GB/T 32918.2 B5).
    let s_neg: Vec<u8> = {
        use sm2::elliptic_curve::ff::PrimeField;
        let r_scalar = sm2::Scalar::from_repr(sm2::FieldBytes::try_from(&r[..]).unwrap()).unwrap();
        (-r_scalar).to_repr().to_vec()
    };
    assert!(matches!(
        verify_sm2_with_id(&k.point, SM2_DEFAULT_ID, msg, &der_sig(&r, &s_neg)),
        Err(CryptoError::BadSignature)
    ));
    // Keys: off the curve, the point at infinity (SEC1 0x00), truncated, compressed garbage.
    let mut off = k.point.clone();
    off[64] ^= 1;
    let mut bad_x = k.point.clone();
    bad_x[1..33].copy_from_slice(&[0xff; 32]);
    for (what, point) in [
        ("off the curve", off),
        ("x ≥ p", bad_x),
        ("infinity", vec![0x00]),
        ("truncated", k.point[..40].to_vec()),
        ("compressed, no such x", {
            let mut c = vec![0x02];
            c.extend([0xff; 32]);
            c
        }),
    ] {
        assert!(
            matches!(
                verify_sm2_with_id(&point, SM2_DEFAULT_ID, msg, &good),
                Err(CryptoError::MalformedKey(_))
            ),
            "{what}"
        );
    }
    // The genuine signature still verifies, also under the compressed key.
    verify_sm2_with_id(&k.point, SM2_DEFAULT_ID, msg, &good).unwrap();
    let mut compressed = vec![0x02 | (k.point[64] & 1)];
    compressed.extend(&k.point[1..33]);
    verify_sm2_with_id(&compressed, SM2_DEFAULT_ID, msg, &good).unwrap();
}

fn have_openssl() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn pkeyutl(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("openssl")
        .current_dir(dir)
        .arg("pkeyutl")
        .args([
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
        ])
        .args(args)
        .output()
        .expect("spawn openssl")
}

fn public_pem(spki_der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(spki_der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

#[test]
fn openssl_verifies_a_thousand_of_ours_and_we_verify_its() {
    if !have_openssl() {
        println!("skipped: openssl not found");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut k = key();
    let (mut accepted, mut altered_refused) = (0, 0);
    for i in 0..1_000usize {
        if i % 50 == 0 {
            k = key();
            std::fs::write(d.join("pub.pem"), public_pem(k.ours.public_key_spki())).unwrap();
        }
        let msg = random_bytes(1 + i % 300);
        let mut sig = k.ours.sign(&msg).unwrap();
        std::fs::write(d.join("msg.bin"), &msg).unwrap();
        if i % 20 == 19 {
            // Altered: one bit of s.
            let at = sig.len() - 1 - (i % 8);
            sig[at] ^= 1;
        }
        std::fs::write(d.join("sig.der"), &sig).unwrap();
        let out = pkeyutl(
            d,
            &[
                "-verify", "-pubin", "-inkey", "pub.pem", "-in", "msg.bin", "-sigfile", "sig.der",
            ],
        );
        let ok = out.status.success()
            && String::from_utf8_lossy(&out.stdout).contains("Signature Verified Successfully");
        if i % 20 == 19 {
            assert!(!ok, "signature {i}: OpenSSL accepted an altered signature");
            altered_refused += 1;
        } else {
            assert!(
                ok,
                "signature {i}: OpenSSL refused ours: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            accepted += 1;
        }
    }
    assert_eq!((accepted, altered_refused), (950, 50));

    // OpenSSL signs with its own key; ours verifies.
    let o = common::openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:SM2",
        "-out",
        d.join("ossl.key").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = common::openssl(&[
        "pkey",
        "-in",
        d.join("ossl.key").to_str().unwrap(),
        "-pubout",
        "-outform",
        "DER",
        "-out",
        d.join("ossl.pub.der").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (_, point) = classify_spki(&std::fs::read(d.join("ossl.pub.der")).unwrap()).unwrap();
    for i in 0..50usize {
        let msg = random_bytes(1 + i * 7);
        std::fs::write(d.join("msg.bin"), &msg).unwrap();
        let out = pkeyutl(
            d,
            &[
                "-sign", "-inkey", "ossl.key", "-in", "msg.bin", "-out", "ossl.sig",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let sig = std::fs::read(d.join("ossl.sig")).unwrap();
        verify_sm2_with_id(&point, SM2_DEFAULT_ID, &msg, &sig)
            .unwrap_or_else(|e| panic!("OpenSSL signature {i} refused: {e}"));
        assert!(verify_sm2_with_id(&point, SM2_DEFAULT_ID, b"other", &sig).is_err());
    }
    println!("openssl: 950 of ours verified, 50 altered refused, 50 of OpenSSL's verified");
}
