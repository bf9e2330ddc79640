//! The variable-time verifier against `sm2::dsa::VerifyingKey`, which is the reference: both
//! must accept and refuse exactly the same signatures.

use super::*;
use crate::crypto::{Algorithm, PrivateKey, SM2_DEFAULT_ID, Signer as _};
use signature::Verifier as _;
use signature::hazmat::PrehashVerifier;

fn point_of(signer: &crate::crypto::SoftwareSigner) -> Vec<u8> {
    let (_, point) = crate::crypto::verify::classify_spki(signer.public_key_spki()).unwrap();
    point
}

fn reference(point: &[u8], id: &str, msg: &[u8], sig: &[u8]) -> bool {
    let vk = sm2::dsa::VerifyingKey::from_sec1_bytes(id, point).unwrap();
    let s = sm2_signature_from_bytes(sig).unwrap();
    vk.verify(msg, &s).is_ok()
}

fn raw(sig: &[u8]) -> [u8; 64] {
    let s = sm2_signature_from_bytes(sig).unwrap();
    let mut out = [0u8; 64];
    out.copy_from_slice(&s.to_bytes());
    out
}

/// Key point, distinguishing ID, message, signature.
type Case<'a> = (Vec<u8>, &'a str, Vec<u8>, Vec<u8>);

#[test]
fn accepts_and_refuses_what_the_reference_does() {
    let mut accepted = 0;
    let mut refused = 0;
    for i in 0..40u32 {
        let key = PrivateKey::generate(Algorithm::Sm2).unwrap();
        let signer = key.signer().unwrap();
        let point = point_of(&signer);
        let msg = format!("message {i}").into_bytes();
        let sig = signer.sign(&msg).unwrap();
        // Genuine.
        assert!(reference(&point, SM2_DEFAULT_ID, &msg, &sig));
        verify_sm2_with_id(&point, SM2_DEFAULT_ID, &msg, &sig).unwrap();
        accepted += 1;
        // The same signature as raw r‖s.
        verify_sm2_with_id(&point, SM2_DEFAULT_ID, &msg, &raw(&sig)).unwrap();

        let other = PrivateKey::generate(Algorithm::Sm2)
            .unwrap()
            .signer()
            .unwrap();
        let mut flipped_r = raw(&sig);
        flipped_r[31] ^= 1 << (i % 8);
        let mut flipped_s = raw(&sig);
        flipped_s[63 - (i as usize % 32)] ^= 0x80;
        let cases: Vec<Case> = vec![
            (
                point.clone(),
                SM2_DEFAULT_ID,
                b"another message".to_vec(),
                sig.clone(),
            ),
            (point.clone(), "", msg.clone(), sig.clone()),
            (point_of(&other), SM2_DEFAULT_ID, msg.clone(), sig.clone()),
            (
                point.clone(),
                SM2_DEFAULT_ID,
                msg.clone(),
                flipped_r.to_vec(),
            ),
            (
                point.clone(),
                SM2_DEFAULT_ID,
                msg.clone(),
                flipped_s.to_vec(),
            ),
        ];
        for (p, id, m, s) in cases {
            // A flipped bit can make r or s ≥ n: then neither parses it.
            if sm2_signature_from_bytes(&s).is_err() {
                assert!(verify_sm2_with_id(&p, id, &m, &s).is_err());
                continue;
            }
            assert!(
                !reference(&p, id, &m, &s),
                "the reference accepted case {i}"
            );
            assert!(
                matches!(
                    verify_sm2_with_id(&p, id, &m, &s),
                    Err(CryptoError::BadSignature)
                ),
                "case {i}"
            );
            refused += 1;
        }
    }
    assert_eq!(accepted, 40);
    assert!(refused >= 150, "{refused}");
}

#[test]
fn compressed_keys_verify_and_bad_keys_are_named() {
    use sm2::elliptic_curve::sec1::ToSec1Point;
    let key = PrivateKey::generate(Algorithm::Sm2).unwrap();
    let signer = key.signer().unwrap();
    let point = point_of(&signer);
    let sig = signer.sign(b"m").unwrap();
    let affine = sm2::PublicKey::from_sec1_bytes(&point).unwrap();
    let compressed = affine.as_affine().to_sec1_point(true);
    verify_sm2_with_id(compressed.as_bytes(), SM2_DEFAULT_ID, b"m", &sig).unwrap();

    let mut off_curve = point.clone();
    off_curve[64] ^= 1;
    assert!(matches!(
        verify_sm2_with_id(&off_curve, SM2_DEFAULT_ID, b"m", &sig),
        Err(CryptoError::MalformedKey(_))
    ));
    assert!(matches!(
        verify_sm2_with_id(&[0u8], SM2_DEFAULT_ID, b"m", &sig),
        Err(CryptoError::MalformedKey(_))
    ));
    assert!(matches!(
        verify_sm2_with_id(&point, SM2_DEFAULT_ID, b"m", b"not a signature"),
        Err(CryptoError::MalformedSignature)
    ));
}

#[test]
fn digest_with_z_is_what_sm2_signs() {
    let key = PrivateKey::generate(Algorithm::Sm2).unwrap();
    let signer = key.signer().unwrap();
    let msg = b"seal TBS bytes";
    let sig = signer.sign(msg).unwrap();
    let point = point_of(&signer);
    let e = sm2_digest_with_z(&point, SM2_DEFAULT_ID, msg).unwrap();
    let vk = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_ID, &point).unwrap();
    let s = sm2_signature_from_bytes(&sig).unwrap();
    vk.verify_prehash(&e, &s).unwrap();
    assert!(vk.verify_prehash(&[0u8; 32], &s).is_err());
    let key = PublicKey::from_uncompressed(&point).unwrap();
    assert!(key.verify_prehash(&e, &s.r(), &s.s()));
    assert!(!key.verify_prehash(&[0u8; 32], &s.r(), &s.s()));
}
