//! Tests of the time-stamp protocol: structures, the responder, the client and token
//! validation, end to end.

use super::gen_time::MAX_UNIX_MILLIS;
use super::responder::FALLBACK_REJECTION;
use super::*;
use crate::crypto::PrivateKey;
use crate::crypto::{Algorithm, oid as alg};
use crate::pki::cert::{self, CertificateTemplate, NameBuilder, StringKind, attr};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, AnyRef, OctetString};
use der::{Decode, Encode, Reader, SliceReader, Tag, Tagged};
use spki::AlgorithmIdentifierOwned;
use std::sync::Arc;
use x509_cert::attr::Attribute;

const POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.32473.1.3.1");
const T0: i64 = 1_767_225_600_123; // 2026-01-01T00:00:00.123Z

fn policy() -> TsaPolicy {
    TsaPolicy {
        policy: POLICY,
        accuracy_seconds: 1,
    }
}

/// A self-signed TSU (the certificate content does not matter to the responder).
fn unit(alg: Algorithm) -> TsaUnit {
    let key = PrivateKey::generate(alg).unwrap();
    let signer = key.signer().unwrap();
    let name = NameBuilder::new()
        .push(attr::CN, StringKind::Utf8, "测试 TSU")
        .build()
        .unwrap();
    let tpl = CertificateTemplate {
        serial: vec![0x01, 0x23, 0x45],
        issuer: name.clone(),
        subject: name,
        not_before: 1_700_000_000,
        not_after: 1_900_000_000,
        spki_der: key.public_key_spki_der().unwrap(),
        extensions: vec![
            cert::extensions::extended_key_usage(
                vec![ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8")],
                true,
            )
            .unwrap(),
        ],
    };
    let cert_der = cert::sign_certificate(&tpl, &signer).unwrap();
    TsaUnit {
        signer: Arc::new(signer),
        cert_der,
    }
}

fn stamp(req: &[u8], u: &TsaUnit) -> ParsedResponse {
    parse_response(&respond(req, T0, 42, &|_| Some(u), &policy())).unwrap()
}

fn refused(req: &[u8]) -> ParsedResponse {
    let u = unit(Algorithm::P256);
    let r = stamp(req, &u);
    assert_eq!(r.status, PkiStatus::Rejection);
    assert!(r.token.is_none());
    assert_eq!(r.failure_bits.len(), 1, "{r:?}");
    assert!(!r.status_text.is_empty());
    r
}

#[test]
fn failure_info_is_a_der_named_bit_list() {
    let enc = |f: FailureInfo| FailureInfo::bit_string(&[f]).unwrap().to_der().unwrap();
    assert_eq!(enc(FailureInfo::BadAlg), [0x03, 0x02, 0x07, 0x80]);
    assert_eq!(enc(FailureInfo::BadDataFormat), [0x03, 0x02, 0x02, 0x04]);
    assert_eq!(
        enc(FailureInfo::UnacceptedPolicy),
        [0x03, 0x03, 0x00, 0x00, 0x01]
    );
    assert_eq!(
        enc(FailureInfo::UnacceptedExtension),
        [0x03, 0x04, 0x07, 0x00, 0x00, 0x80]
    );
    assert_eq!(
        enc(FailureInfo::SystemFailure),
        [0x03, 0x05, 0x06, 0x00, 0x00, 0x00, 0x40]
    );
    let both = FailureInfo::bit_string(&[FailureInfo::BadAlg, FailureInfo::BadRequest]);
    assert_eq!(both.unwrap().to_der().unwrap(), [0x03, 0x02, 0x05, 0xa0]);
}

#[test]
fn fallback_rejection_is_the_encoded_system_failure() {
    let resp = TimeStampResp {
        status: PkiStatusInfo {
            status: PkiStatus::Rejection,
            status_string: None,
            fail_info: Some(FailureInfo::bit_string(&[FailureInfo::SystemFailure]).unwrap()),
        },
        time_stamp_token: None,
    };
    assert_eq!(resp.to_der().unwrap(), FALLBACK_REJECTION);
    let parsed = parse_response(FALLBACK_REJECTION).unwrap();
    assert_eq!(parsed.failures(), [FailureInfo::SystemFailure]);
}

#[test]
fn gen_time_keeps_milliseconds_in_der_form() {
    let text = |ms| GenTime::from_unix_millis(ms).unwrap().to_text().unwrap();
    assert_eq!(text(T0 - 123), "20260101000000Z");
    assert_eq!(text(T0), "20260101000000.123Z");
    assert_eq!(text(T0 - 3), "20260101000000.12Z");
    assert_eq!(text(T0 - 118), "20260101000000.005Z");
    for ms in [0, T0, T0 - 3, T0 - 118, MAX_UNIX_MILLIS] {
        let t = GenTime::from_unix_millis(ms).unwrap();
        assert_eq!(GenTime::from_der(&t.to_der().unwrap()).unwrap(), t);
    }
    assert_eq!(
        GenTime::from_text(b"20260101000000.1239999Z").map(GenTime::unix_millis),
        Some(T0)
    );
    for bad in [
        &b"20260101000000"[..],
        b"20260101000000+0800",
        b"20260101000000.Z",
        b"20261301000000Z",
        b"2026010100000Z",
        b"",
    ] {
        assert_eq!(
            GenTime::from_text(bad),
            None,
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    assert!(GenTime::from_unix_millis(-1).is_err());
    assert!(GenTime::from_unix_millis(MAX_UNIX_MILLIS + 1).is_err());
}

#[test]
fn request_round_trip() {
    let digest = [7u8; 32];
    let der_bytes = build_request(TsHash::Sm3, &digest, Some(&[0x80, 1]), true).unwrap();
    let req = TimeStampReq::from_der(&der_bytes).unwrap();
    assert_eq!(req.message_imprint.hash_algorithm.oid, alg::SM3);
    assert_eq!(req.message_imprint.hashed_message.as_bytes(), digest);
    assert_eq!(req.nonce.unwrap().as_bytes(), [0x00, 0x80, 0x01]);
    assert!(req.cert_req);
    // certReq FALSE is the DEFAULT: not encoded.
    let plain = build_request(TsHash::Sha256, &[0u8; 32], None, false).unwrap();
    assert_eq!(plain.len(), 2 + 3 + 2 + 13 + 34);
    assert!(matches!(
        build_request(TsHash::Sha512, &digest, None, false),
        Err(TspError::DigestLength {
            expected: 64,
            actual: 32,
            ..
        })
    ));
    assert!(matches!(
        build_request(TsHash::Sha256, &digest, Some(&[]), false),
        Err(TspError::EmptyNonce)
    ));
}

#[test]
fn hash_names_and_oids() {
    for h in TsHash::ALL {
        assert_eq!(TsHash::from_oid(&h.oid()), Some(h));
        assert_eq!(h.as_str().parse::<TsHash>().unwrap(), h);
        assert_eq!(h.digest(b"abc").len(), h.output_len());
    }
    assert_eq!("SHA-256".parse::<TsHash>().unwrap(), TsHash::Sha256);
    assert!("sha1".parse::<TsHash>().is_err());
    assert_eq!(TsHash::from_oid(&alg::SHA1), None);
}

#[test]
fn granted_tokens_verify_for_both_algorithms() {
    for (alg_, hash, digest_oid, sig_oid) in [
        (
            Algorithm::P256,
            TsHash::Sha384,
            alg::SHA256,
            alg::ECDSA_SHA256,
        ),
        (Algorithm::Sm2, TsHash::Sm3, alg::SM3, alg::SM2_SIGN),
    ] {
        let u = unit(alg_);
        let digest = hash.digest(b"hello");
        let nonce = [0xffu8; 20];
        let req = build_request(hash, &digest, Some(&nonce), true).unwrap();
        let r = stamp(&req, &u);
        assert_eq!(r.status, PkiStatus::Granted);
        assert!(r.failure_bits.is_empty());
        let t = r.token.unwrap();
        assert_eq!(t.serial(), [42]);
        assert_eq!(t.gen_time_unix_millis(), T0);
        assert_eq!(t.policy(), POLICY);
        assert_eq!(t.hash(), Some(hash));
        assert_eq!(t.message_imprint().hashed_message.as_bytes(), digest);
        let mut want_nonce = vec![0u8];
        want_nonce.extend_from_slice(&nonce);
        assert_eq!(t.nonce(), Some(want_nonce.as_slice()));
        assert_eq!(t.digest_algorithm, digest_oid);
        assert_eq!(t.signature_algorithm, sig_oid);
        assert_eq!(t.tst_info.accuracy.as_ref().unwrap().seconds, Some(1));
        assert_eq!(t.certificates, std::slice::from_ref(&u.cert_der));
        assert_eq!(t.signer_certificate(), Some(u.cert_der.as_slice()));
        t.verify_signature(&u.cert_der).unwrap();
        // Another key's certificate does not verify.
        let other = unit(alg_);
        assert!(t.verify_signature(&other.cert_der).is_err());
        // Nor does a tampered signature.
        let mut bad = t.clone();
        let last = bad.signed_attributes_der.len() - 1;
        bad.signed_attributes_der[last] ^= 1;
        assert!(bad.verify_signature(&u.cert_der).is_err());
        // The token parses on its own.
        assert_eq!(parse_token(&t.der).unwrap().tst_info, t.tst_info);
    }
}

#[test]
fn signed_attributes_are_a_sorted_der_set() {
    let u = unit(Algorithm::P256);
    let req = build_request(TsHash::Sha256, &[1u8; 32], None, false).unwrap();
    let t = stamp(&req, &u).token.unwrap();
    assert!(t.certificates.is_empty(), "certReq false: no certificate");
    assert_eq!(t.signer_certificate(), None);
    t.verify_signature(&u.cert_der).unwrap();
    let set = AnyRef::from_der(&t.signed_attributes_der).unwrap();
    assert_eq!(set.tag(), Tag::Set);
    let mut r = SliceReader::new(set.value()).unwrap();
    let mut elements = Vec::new();
    while !r.is_finished() {
        elements.push(AnyRef::decode(&mut r).unwrap().to_der().unwrap());
    }
    assert_eq!(elements.len(), 4);
    let mut sorted = elements.clone();
    sorted.sort();
    assert_eq!(elements, sorted);
    let oids: Vec<_> = elements
        .iter()
        .map(|e| Attribute::from_der(e).unwrap().oid)
        .collect();
    for o in [
        oid::CONTENT_TYPE,
        oid::MESSAGE_DIGEST,
        oid::SIGNING_TIME,
        oid::SIGNING_CERTIFICATE_V2,
    ] {
        assert!(oids.contains(&o));
    }
}

#[test]
fn large_serials_are_not_truncated() {
    let u = unit(Algorithm::P256);
    let req = build_request(TsHash::Sha256, &[1u8; 32], None, false).unwrap();
    let resp = respond(&req, T0, u64::MAX, &|_| Some(&u), &policy());
    let t = parse_response(&resp).unwrap().token.unwrap();
    assert_eq!(
        t.serial(),
        [0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
    );
}

#[test]
fn rejections_carry_the_right_bit() {
    let bit = |r: ParsedResponse| r.failures();
    assert_eq!(bit(refused(b"")), [FailureInfo::BadDataFormat]);
    assert_eq!(
        bit(refused(b"\x30\x03\x02\x01\x01")),
        [FailureInfo::BadDataFormat]
    );
    // Version 2.
    let mut v2 = build_request(TsHash::Sha256, &[0u8; 32], None, false).unwrap();
    v2[4] = 2;
    assert_eq!(bit(refused(&v2)), [FailureInfo::BadDataFormat]);

    let with_imprint = |oid: ObjectIdentifier, len: usize| TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid,
                parameters: None,
            },
            hashed_message: OctetString::new(vec![5u8; len]).unwrap(),
        },
        req_policy: None,
        nonce: None,
        cert_req: false,
        extensions: None,
    };
    let sha1 = with_imprint(alg::SHA1, 20).to_der().unwrap();
    assert_eq!(bit(refused(&sha1)), [FailureInfo::BadAlg]);
    let short = with_imprint(alg::SHA256, 20).to_der().unwrap();
    assert_eq!(bit(refused(&short)), [FailureInfo::BadDataFormat]);

    let mut with_params = with_imprint(alg::SHA256, 32);
    with_params.message_imprint.hash_algorithm.parameters = Some(Any::null());
    let u = unit(Algorithm::P256);
    let ok = stamp(&with_params.to_der().unwrap(), &u);
    assert_eq!(
        ok.status,
        PkiStatus::Granted,
        "NULL parameters are accepted"
    );
    with_params.message_imprint.hash_algorithm.parameters = Some(Any::encode_from(&1u8).unwrap());
    let bad_params = with_params.to_der().unwrap();
    assert_eq!(bit(refused(&bad_params)), [FailureInfo::BadAlg]);

    let mut ours = with_imprint(alg::SHA256, 32);
    ours.req_policy = Some(POLICY);
    assert_eq!(
        stamp(&ours.to_der().unwrap(), &u).status,
        PkiStatus::Granted
    );
    let mut other = ours.clone();
    other.req_policy = Some(ObjectIdentifier::new_unwrap("1.2.3.4"));
    assert_eq!(
        bit(refused(&other.to_der().unwrap())),
        [FailureInfo::UnacceptedPolicy]
    );
    let mut ext = ours.clone();
    ext.extensions = Some(vec![x509_cert::ext::Extension {
        extn_id: ObjectIdentifier::new_unwrap("1.2.3.4.5"),
        critical: false,
        extn_value: OctetString::new(vec![0x05, 0x00]).unwrap(),
    }]);
    assert_eq!(
        bit(refused(&ext.to_der().unwrap())),
        [FailureInfo::UnacceptedExtension]
    );

    // No unit for the algorithm.
    let req = build_request(TsHash::Sm3, &[0u8; 32], None, false).unwrap();
    let r = parse_response(&respond(&req, T0, 1, &|_| None, &policy())).unwrap();
    assert_eq!(r.failures(), [FailureInfo::BadAlg]);
    // No time.
    let r = parse_response(&respond(&req, -5, 1, &|_| Some(&u), &policy())).unwrap();
    assert_eq!(r.failures(), [FailureInfo::TimeNotAvailable]);
    // A key that does not match its certificate.
    let mixed = TsaUnit {
        signer: unit(Algorithm::P256).signer,
        cert_der: u.cert_der.clone(),
    };
    let r = parse_response(&respond(&req, T0, 1, &|_| Some(&mixed), &policy())).unwrap();
    assert_eq!(r.failures(), [FailureInfo::SystemFailure]);
}

#[test]
fn mutated_requests_never_panic() {
    let u = unit(Algorithm::Sm2);
    let valid = build_request(TsHash::Sm3, &[9u8; 32], Some(&[1, 2, 3]), true).unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..300 {
        let mut m = valid.clone();
        match next() % 3 {
            0 => {
                let i = (next() as usize) % m.len();
                m[i] ^= 1 << (next() % 8);
            }
            1 => m.truncate((next() as usize) % m.len()),
            _ => {
                let i = (next() as usize) % m.len();
                m[i] = next() as u8;
            }
        }
        let resp = respond(&m, T0, 7, &|_| Some(&u), &policy());
        let parsed = parse_response(&resp).unwrap();
        assert!(matches!(
            parsed.status,
            PkiStatus::Granted | PkiStatus::Rejection
        ));
    }
}

#[test]
fn explicit_cert_req_false_is_tolerated() {
    // DER omits a DEFAULT value, but some clients encode certReq FALSE anyway.
    let mut der_bytes = build_request(TsHash::Sha256, &[0u8; 32], None, false).unwrap();
    der_bytes.extend_from_slice(&[0x01, 0x01, 0x00]);
    der_bytes[1] += 3;
    let u = unit(Algorithm::P256);
    let t = stamp(&der_bytes, &u).token.unwrap();
    assert!(t.certificates.is_empty());
}
