//! The seal format layer (`yinxin::seal::format`): real vendors' seals and signatures
//! (fixtures/interop, expected results from their README), v4 round trips with our own keys,
//! v1 tolerances, a mutation loop that must never panic, and an OpenSSL cross-check.

mod common;

use der::{Decode, Encode};
use std::path::{Path, PathBuf};
use std::process::Command;
use yinxin::crypto::verify::PublicKeyKind;
use yinxin::crypto::{Algorithm, PrivateKey, Signer};
use yinxin::pki::cert::{self, CertificateTemplate, NameBuilder, StringKind, attr};
use yinxin::seal::format::{SM2_WITH_SM3_MISSPELLED, asn1};
use yinxin::seal::{
    CertRef, Detected, ExtData, NewSeal, Picture, Seal, SealError, SealVersion, SesSignature,
    Tolerance, detect,
};

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/interop")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Unix seconds of a UTC date and time.
fn utc(y: i32, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> i64 {
    time::PrimitiveDateTime::new(
        time::Date::from_calendar_date(y, time::Month::try_from(mo).unwrap(), d).unwrap(),
        time::Time::from_hms(h, mi, s).unwrap(),
    )
    .assume_utc()
    .unix_timestamp()
}

// ----------------------------------------------------------------------------------------------
// Real files
// ----------------------------------------------------------------------------------------------

#[test]
fn ofdrw_v1_seal_parses_and_maker_signature_verifies() {
    let der = fixture("ofdrw-user-v1.esl");
    let seal = Seal::from_der(&der).unwrap();
    assert_eq!(seal.version, SealVersion::V1);
    assert_eq!(seal.header.id, "ES");
    assert_eq!(seal.header.version, 1);
    assert_eq!(seal.header.vid, "OFDR&WTest");
    assert_eq!(seal.es_id, "40C8CDD24DEF43388B86E62CCE1D6832");
    assert_eq!(seal.name, "OFDRW测试用印章");
    assert_eq!(seal.cert_list_type, None);
    assert_eq!(seal.cert_list.len(), 1);
    assert!(matches!(&seal.cert_list[0], CertRef::Cert(c) if c.len() == 528));
    // UTCTime dates
    assert_eq!(seal.create_date, utc(2020, 4, 22, 2, 18, 7));
    assert_eq!(seal.valid_end, utc(2022, 4, 22, 2, 18, 7));
    assert_eq!(seal.picture.kind, "PNG");
    assert!(seal.picture.data.starts_with(b"\x89PNG"));
    assert_eq!((seal.picture.width_mm, seal.picture.height_mm), (40, 40));
    // v1: the maker signed SEQUENCE { esealInfo, cert, signatureAlgorithm }
    assert_eq!(&seal.signed_bytes[..2], &[0x30, 0x82]);
    assert_eq!(&seal.signed_bytes[4..4 + 16381], &der[4..4 + 16381]);
    let check = seal.verify_maker_signature().unwrap();
    assert_eq!(check.key, PublicKeyKind::Sm2);
    assert!(check.tolerated.is_empty());
    assert_eq!(seal.der, der);
}

#[test]
fn ofdrw_v4_seal_parses_and_maker_signature_verifies() {
    let der = fixture("ofdrw-user-v4.esl");
    let seal = Seal::from_der(&der).unwrap();
    assert_eq!(seal.version, SealVersion::V4);
    assert_eq!(seal.header.version, 4);
    assert_eq!(seal.seal_type, 3);
    assert_eq!(seal.name, "OFD R&W 测试用印章");
    assert_eq!(seal.cert_list_type, Some(1));
    assert_eq!(seal.cert_list.len(), 1);
    assert_eq!(seal.valid_start, utc(2020, 4, 22, 2, 9, 0));
    assert_eq!(seal.sign_alg.to_string(), "1.2.156.10197.1.501");
    // v4: the maker signed eSealInfo exactly as found
    assert_eq!(seal.signed_bytes, der[4..4 + 4 + 16389]);
    assert!(seal.ext_datas.is_empty());
    assert!(seal.draft_timestamp.is_none());
    let check = seal.verify_maker_signature().unwrap();
    assert!(check.tolerated.is_empty());
}

#[test]
fn ofdrw_signed_value_parses_and_both_signatures_verify() {
    let der = fixture("ofdrw-signedvalue-v4.dat");
    let sig = SesSignature::from_der(&der).unwrap();
    assert_eq!(sig.version, SealVersion::V4);
    assert_eq!(sig.tbs_version, 4);
    assert_eq!(sig.seal.version, SealVersion::V4);
    // the embedded seal is the v4 .esl byte for byte
    assert_eq!(sig.seal.der, fixture("ofdrw-user-v4.esl"));
    assert_eq!(sig.time_info_text, "20201012111403Z");
    assert_eq!(sig.time_info, Some(utc(2020, 10, 12, 11, 14, 3)));
    assert_eq!(sig.data_hash.len(), 32);
    assert_eq!(sig.property_info, "/Doc_0/Signs/Sign_0/Signature.xml");
    assert!(sig.ext_datas.is_empty());
    assert!(sig.timestamp.is_none());
    assert_eq!(sig.tbs_bytes, der[4..4 + 4 + 17101]);
    // TBS ✔ and seal ✔ (no data to hash)
    assert!(sig.verify_signature().unwrap().tolerated.is_empty());
    assert!(sig.seal.verify_maker_signature().is_ok());
    // further checks that need no trust anchor
    assert!(sig.signer_in_cert_list());
    assert_eq!(
        sig.validity_at_signing().unwrap(),
        utc(2020, 10, 12, 11, 14, 3)
    );
    assert!(!sig.check_data(b"not the Signature.xml"));
}

#[test]
fn hebei_gede_seal_parses_but_maker_signature_fails() {
    let seal = Seal::from_der(&fixture("hebei-gede-seal-badsig.der")).unwrap();
    assert_eq!(seal.version, SealVersion::V4);
    assert_eq!(seal.header.vid, "Vid HebeiGede");
    assert_eq!(seal.name, "测试单位名称 合同专用章");
    assert_eq!(seal.picture.kind, "GIF");
    assert!(seal.picture.data.starts_with(b"GIF89a"));
    // the same certificate listed twice
    assert_eq!(seal.cert_list.len(), 2);
    assert_eq!(seal.cert_list[0], seal.cert_list[1]);
    // 3 ExtDatas, kept and reported; the second one critical, critical FALSE written out
    let oids: Vec<String> = seal.ext_datas.iter().map(|e| e.oid.to_string()).collect();
    assert_eq!(
        oids,
        [
            "1.2.156.112600.7.1",
            "1.2.156.112600.7.2",
            "1.2.156.112600.7.3"
        ]
    );
    assert_eq!(
        seal.ext_datas
            .iter()
            .map(|e| e.critical)
            .collect::<Vec<_>>(),
        [false, true, false]
    );
    assert!(seal.ext_datas.iter().all(|e| e.known_name().is_some()));
    assert_eq!(
        seal.ext_datas[2].value,
        b"HeBeiBaoDingShiCeShiDanWeiMingCheng"
    );
    assert!(matches!(
        seal.verify_maker_signature(),
        Err(SealError::BadSignature)
    ));
}

/// Lengths in a longer form than DER's minimal one are read as any other: the reader walks
/// elements itself for that reason (the `der` decoder, derive structures included, refuses
/// them even under BER rules). Here the outer SESeal length and the SES_Header length of a real
/// v4 seal are rewritten in long form: every field reads the same, and the maker signature
/// still verifies when the bytes it covers (eSealInfo) are untouched.
#[test]
fn non_minimal_lengths_are_read() {
    let der = fixture("ofdrw-user-v4.esl");
    let seal = Seal::from_der(&der).unwrap();
    assert!(asn1::SealV4::from_der(&der).is_ok());
    let same_fields = |other: &Seal| {
        let mut other = other.clone();
        other.der = seal.der.clone();
        other.signed_bytes = seal.signed_bytes.clone();
        assert_eq!(format!("{other:?}"), format!("{seal:?}"));
    };

    // The outer SESeal: 30 82 HH LL → 30 83 00 HH LL.
    assert_eq!(der[..2], [0x30, 0x82]);
    let outer: Vec<u8> = [&[0x30, 0x83, 0x00][..], &der[2..]].concat();
    assert!(asn1::SealV4::from_der(&outer).is_err());
    let read = Seal::from_der(&outer).unwrap();
    assert_eq!(read.der, outer);
    assert_eq!(read.signed_bytes, seal.signed_bytes);
    same_fields(&read);
    assert!(read.verify_maker_signature().is_ok());

    // SES_Header inside eSealInfo: 30 LL → 30 81 LL, the two enclosing lengths one more.
    let len = |at: usize| usize::from(der[at]) << 8 | usize::from(der[at + 1]);
    assert_eq!((der[4], der[5], der[8]), (0x30, 0x82, 0x30));
    assert!(der[9] < 0x80);
    let mut inner = vec![0x30, 0x82];
    inner.extend(u16::try_from(len(2) + 1).unwrap().to_be_bytes());
    inner.extend([0x30, 0x82]);
    inner.extend(u16::try_from(len(6) + 1).unwrap().to_be_bytes());
    inner.extend([0x30, 0x81]);
    inner.extend_from_slice(&der[9..]);
    assert!(asn1::SealV4::from_der(&inner).is_err());
    let read = Seal::from_der(&inner).unwrap();
    same_fields(&read);
    // The maker signed the minimal form: over the bytes as found, it no longer verifies.
    assert!(read.verify_maker_signature().is_err());
}

#[test]
fn detect_tells_seals_from_signatures_from_anything_else() {
    for (f, want) in [
        ("ofdrw-user-v1.esl", "seal"),
        ("ofdrw-user-v4.esl", "seal"),
        ("hebei-gede-seal-badsig.der", "seal"),
        ("ofdrw-signedvalue-v4.dat", "signature"),
    ] {
        let got = match detect(&fixture(f)) {
            Detected::Seal(_) => "seal",
            Detected::Signature(_) => "signature",
            Detected::Unknown(_) => "unknown",
        };
        assert_eq!(got, want, "{f}");
    }
    // the maker certificate of a seal is neither
    let seal = Seal::from_der(&fixture("ofdrw-user-v4.esl")).unwrap();
    assert!(matches!(detect(&seal.maker_cert), Detected::Unknown(_)));
    assert!(matches!(detect(b""), Detected::Unknown(_)));
    assert!(matches!(detect(b"\x30\x00"), Detected::Unknown(_)));
    // a seal is not a signature and vice versa
    assert!(SesSignature::from_der(&fixture("ofdrw-user-v4.esl")).is_err());
    assert!(Seal::from_der(&fixture("ofdrw-signedvalue-v4.dat")).is_err());
}

#[test]
fn oversized_inputs_are_refused() {
    let big = vec![0u8; 4 * 1024 * 1024 + 1];
    assert!(matches!(
        Seal::from_der(&big),
        Err(SealError::TooLarge { .. })
    ));
    assert!(matches!(
        SesSignature::from_der(&big),
        Err(SealError::TooLarge { .. })
    ));
}

/// A tiny deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn exercise(bytes: &[u8]) -> &'static str {
    // Every result is Ok or a clean error; checks on whatever parses must not panic either.
    if let Ok(s) = Seal::from_der(bytes) {
        let _ = s.verify_maker_signature();
        let _ = s.unknown_critical_ext_datas();
    }
    if let Ok(s) = SesSignature::from_der(bytes) {
        let _ = s.verify_signature();
        let _ = s.seal.verify_maker_signature();
        let _ = s.signer_in_cert_list();
        let _ = s.validity_at_signing();
        let _ = s.check_data(b"x");
    }
    match detect(bytes) {
        Detected::Seal(_) => "seal",
        Detected::Signature(_) => "signature",
        Detected::Unknown(_) => "unknown",
    }
}

#[test]
fn mutation_loop_never_panics() {
    let files = [
        "ofdrw-user-v1.esl",
        "ofdrw-user-v4.esl",
        "ofdrw-signedvalue-v4.dat",
        "hebei-gede-seal-badsig.der",
    ];
    let originals: Vec<Vec<u8>> = files.iter().map(|f| fixture(f)).collect();
    // Positions worth hitting: the headers of the structures (first 200 bytes), the end, and
    // anywhere.
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut counts = std::collections::BTreeMap::new();
    for i in 0..2000 {
        let orig = &originals[i % originals.len()];
        let mut m = orig.clone();
        let pos = |rng: &mut Rng, len: usize| {
            if rng.below(2) == 0 {
                rng.below(len.min(200))
            } else {
                rng.below(len)
            }
        };
        for _ in 0..=rng.below(3) {
            match rng.below(6) {
                0 => {
                    let p = pos(&mut rng, m.len());
                    if let Some(b) = m.get_mut(p) {
                        *b ^= 1 << rng.below(8);
                    }
                }
                1 => {
                    let p = pos(&mut rng, m.len());
                    if let Some(b) = m.get_mut(p) {
                        *b = rng.next() as u8;
                    }
                }
                2 => {
                    let p = rng.below(m.len());
                    m.truncate(p);
                }
                3 => {
                    let p = pos(&mut rng, m.len());
                    let n = 1 + rng.below(4);
                    for _ in 0..n {
                        m.insert(p.min(m.len()), rng.next() as u8);
                    }
                }
                4 => {
                    let p = pos(&mut rng, m.len());
                    let n = 1 + rng.below(8);
                    let end = (p + n).min(m.len());
                    m.drain(p..end);
                }
                _ => {
                    // length bytes: make a long-form length huge or zero
                    let p = pos(&mut rng, m.len());
                    if let Some(b) = m.get_mut(p) {
                        *b = [0x00, 0x7f, 0x80, 0x81, 0x84, 0xff][rng.below(6)];
                    }
                }
            }
        }
        *counts.entry(exercise(&m)).or_insert(0u32) += 1;
    }
    println!("mutation results: {counts:?}");
    assert_eq!(counts.values().sum::<u32>(), 2000);
}

// ----------------------------------------------------------------------------------------------
// Our own v4 seals and signatures
// ----------------------------------------------------------------------------------------------

struct Party {
    key: PrivateKey,
    cert: Vec<u8>,
}

fn party(alg: Algorithm, cn: &str, serial: u8) -> Party {
    let key = PrivateKey::generate(alg).unwrap();
    let signer = key.signer().unwrap();
    let name = NameBuilder::new()
        .push(attr::C, StringKind::Printable, "CN")
        .push(attr::CN, StringKind::Utf8, cn)
        .build()
        .unwrap();
    let now = yinxin::clock::now_secs();
    let tpl = CertificateTemplate {
        serial: vec![0x01, serial],
        issuer: name.clone(),
        subject: name,
        not_before: now - 60,
        not_after: now + 365 * 86_400,
        spki_der: key.public_key_spki_der().unwrap(),
        extensions: vec![],
    };
    let cert = cert::sign_certificate(&tpl, &signer).unwrap();
    Party { key, cert }
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n-a-small-test-picture-";

fn new_seal(cert_list: Vec<CertRef>, valid_start: i64, valid_end: i64) -> NewSeal {
    NewSeal {
        vid: "yinxin".into(),
        es_id: "33010600000042".into(),
        seal_type: 1,
        name: "测试单位 公章".into(),
        cert_list,
        create_date: valid_start,
        valid_start,
        valid_end,
        picture: Picture {
            kind: "PNG".into(),
            data: PNG.to_vec(),
            width_mm: 40,
            height_mm: 40,
        },
        ext_datas: vec![ExtData {
            oid: der::asn1::ObjectIdentifier::new_unwrap("1.2.156.112600.7.1"),
            critical: false,
            value: b"91330106MA2XXXXX0X".to_vec(),
        }],
    }
}

fn round_trip(alg: Algorithm) {
    let maker = party(alg, "seal maker", 1);
    let user = party(alg, "seal user", 2);
    let now = yinxin::clock::now_secs();
    let info = new_seal(
        vec![CertRef::Cert(user.cert.clone())],
        now - 3600,
        now + 86_400,
    );
    let maker_signer = maker.key.signer().unwrap();
    let seal_der = Seal::encode_v4(&info, &maker_signer, &maker.cert).unwrap();

    let seal = Seal::from_der(&seal_der).unwrap();
    assert_eq!(seal.version, SealVersion::V4);
    assert_eq!(seal.header.vid, "yinxin");
    assert_eq!(seal.cert_list_type, Some(1));
    assert_eq!(seal.picture.data, PNG);
    assert_eq!(seal.ext_datas, info.ext_datas);
    assert_eq!(seal.valid_end, now + 86_400);
    assert_eq!(seal.maker_cert, maker.cert);
    let check = seal.verify_maker_signature().unwrap();
    assert!(check.tolerated.is_empty());
    // the maker's signature value is DER, never raw r‖s
    assert_eq!(seal.signature[0], 0x30);
    // the critical flag FALSE is omitted (DER DEFAULT)
    assert!(!seal_der.windows(3).any(|w| w == [0x01, 0x01, 0x00]));

    // stamp
    let data = b"<ofd:Signature>...</ofd:Signature>";
    let hash = yinxin::crypto::sm3(data);
    let user_signer = user.key.signer().unwrap();
    let sig_der = SesSignature::sign_v4(
        &seal_der,
        now,
        &hash,
        "/Doc_0/Signs/Sign_0/Signature.xml",
        &user_signer,
        &user.cert,
    )
    .unwrap();
    let sig = SesSignature::from_der(&sig_der).unwrap();
    assert_eq!(sig.version, SealVersion::V4);
    assert_eq!(sig.seal.der, seal_der);
    assert_eq!(sig.time_info, Some(now));
    assert!(sig.verify_signature().unwrap().tolerated.is_empty());
    assert_eq!(sig.signature[0], 0x30);
    assert!(sig.seal.verify_maker_signature().is_ok());
    assert!(sig.signer_in_cert_list());
    assert!(sig.check_data(data));
    assert!(!sig.check_data(b"<ofd:Signature>..,</ofd:Signature>"));
    assert_eq!(sig.validity_at_signing().unwrap(), now);
    assert!(matches!(detect(&sig_der), Detected::Signature(_)));

    // tamper the picture: the seal still parses, the maker's signature fails
    let p = seal_der.windows(PNG.len()).position(|w| w == PNG).unwrap();
    let mut bad = seal_der.clone();
    bad[p + 10] ^= 0x01;
    let bad_seal = Seal::from_der(&bad).unwrap();
    assert_ne!(bad_seal.picture.data, PNG);
    assert!(matches!(
        bad_seal.verify_maker_signature(),
        Err(SealError::BadSignature)
    ));
    // the same tampering inside the signature: TBS and seal both fail
    let q = sig_der.windows(PNG.len()).position(|w| w == PNG).unwrap();
    let mut bad = sig_der.clone();
    bad[q + 10] ^= 0x01;
    let bad_sig = SesSignature::from_der(&bad).unwrap();
    assert!(matches!(
        bad_sig.verify_signature(),
        Err(SealError::BadSignature)
    ));
    assert!(bad_sig.seal.verify_maker_signature().is_err());

    // a signer not in certList
    let other = party(alg, "someone else", 3);
    let other_sig = SesSignature::sign_v4(
        &seal_der,
        now,
        &hash,
        "x",
        &other.key.signer().unwrap(),
        &other.cert,
    )
    .unwrap();
    let other_sig = SesSignature::from_der(&other_sig).unwrap();
    assert!(other_sig.verify_signature().is_ok());
    assert!(!other_sig.signer_in_cert_list());

    // signing outside the seal's validity
    let late = SesSignature::sign_v4(
        &seal_der,
        now + 2 * 86_400,
        &hash,
        "x",
        &user_signer,
        &user.cert,
    )
    .unwrap();
    assert!(matches!(
        SesSignature::from_der(&late).unwrap().validity_at_signing(),
        Err(SealError::SealExpired { .. })
    ));
    let early = SesSignature::sign_v4(
        &seal_der,
        now - 2 * 3600,
        &hash,
        "x",
        &user_signer,
        &user.cert,
    )
    .unwrap();
    assert!(matches!(
        SesSignature::from_der(&early)
            .unwrap()
            .validity_at_signing(),
        Err(SealError::SealNotYetValid { .. })
    ));

    // a key that does not match the certificate is refused
    assert!(Seal::encode_v4(&info, &user_signer, &maker.cert).is_err());
    assert!(SesSignature::sign_v4(&seal_der, now, &hash, "x", &maker_signer, &user.cert).is_err());
}

#[test]
fn sm2_seal_round_trip() {
    round_trip(Algorithm::Sm2);
}

#[test]
fn p256_seal_round_trip() {
    round_trip(Algorithm::P256);
}

#[test]
fn digest_cert_list_and_timestamp_and_raw_signature_input() {
    let maker = party(Algorithm::Sm2, "seal maker", 1);
    let user = party(Algorithm::Sm2, "seal user", 2);
    let now = yinxin::clock::now_secs();
    let info = new_seal(
        vec![
            CertRef::Digest {
                alg: "SHA-256".into(),
                value: vec![0; 32],
            },
            CertRef::Digest {
                alg: "SM3".into(),
                value: yinxin::crypto::sm3(&user.cert).to_vec(),
            },
        ],
        now - 60,
        now + 60,
    );
    let seal_der = Seal::encode_v4(&info, &maker.key.signer().unwrap(), &maker.cert).unwrap();
    let seal = Seal::from_der(&seal_der).unwrap();
    assert_eq!(seal.cert_list_type, Some(2));

    // assemble from a raw r‖s value and a timestamp token: DER comes out
    let hash = [7u8; 32];
    let tbs = SesSignature::tbs_v4(&seal_der, now, &hash, "p").unwrap();
    let der_sig = user.key.signer().unwrap().sign(&tbs).unwrap();
    let raw = yinxin::crypto::verify::sm2_signature_from_bytes(&der_sig)
        .unwrap()
        .to_bytes()
        .to_vec();
    assert_eq!(raw.len(), 64);
    let token = b"\x30\x03\x02\x01\x00";
    let sig_der = SesSignature::assemble_v4(&tbs, &user.cert, &raw, Some(token)).unwrap();
    let sig = SesSignature::from_der(&sig_der).unwrap();
    assert_eq!(sig.tbs_bytes, tbs);
    assert_eq!(sig.signature[0], 0x30);
    assert_eq!(sig.timestamp.as_deref(), Some(&token[..]));
    assert!(sig.verify_signature().is_ok());
    assert!(sig.signer_in_cert_list());

    // a wrong signature is refused at assembly
    let mut wrong = raw.clone();
    wrong[5] ^= 1;
    assert!(SesSignature::assemble_v4(&tbs, &user.cert, &wrong, None).is_err());
    // mixed certList kinds, empty lists, unknown picture types are refused
    let mut mixed = info.clone();
    mixed.cert_list.push(CertRef::Cert(user.cert.clone()));
    assert!(Seal::encode_v4(&mixed, &maker.key.signer().unwrap(), &maker.cert).is_err());
    let mut empty = info.clone();
    empty.cert_list.clear();
    assert!(Seal::encode_v4(&empty, &maker.key.signer().unwrap(), &maker.cert).is_err());
    let mut tiff = info.clone();
    tiff.picture.kind = "TIFF".into();
    assert!(Seal::encode_v4(&tiff, &maker.key.signer().unwrap(), &maker.cert).is_err());
    let mut huge = info;
    huge.picture.data = vec![0; 2 * 1024 * 1024 + 1];
    assert!(matches!(
        Seal::encode_v4(&huge, &maker.key.signer().unwrap(), &maker.cert),
        Err(SealError::TooLarge { .. })
    ));
}

/// Limits hold for seals we did not make: more than 64 certificates, a picture over 2 MiB.
#[test]
fn crafted_seals_over_the_limits_are_refused() {
    let maker = party(Algorithm::Sm2, "maker", 1);
    let now = yinxin::clock::now_secs();
    let base = new_seal(vec![CertRef::Cert(maker.cert.clone())], now, now + 60);
    let craft = |info: asn1::SealInfoV4| {
        asn1::SealV4 {
            e_seal_info: info,
            cert: der::asn1::OctetString::new(maker.cert.as_slice()).unwrap(),
            sign_alg_id: yinxin::crypto::oid::SM2_WITH_SM3,
            signed_value: der::asn1::BitString::from_bytes(&[0x30, 0x00]).unwrap(),
        }
        .to_der()
        .unwrap()
    };
    // exactly 64 is fine
    let mut info = base.to_asn1().unwrap();
    let cert = der::asn1::OctetString::new(maker.cert.as_slice()).unwrap();
    info.property.cert_list = asn1::CertList::Certs(vec![cert.clone(); 64]);
    assert_eq!(
        Seal::from_der(&craft(info.clone()))
            .unwrap()
            .cert_list
            .len(),
        64
    );
    info.property.cert_list = asn1::CertList::Certs(vec![cert; 65]);
    assert!(matches!(
        Seal::from_der(&craft(info)),
        Err(SealError::TooMany { max: 64, .. })
    ));
    let mut info = base.to_asn1().unwrap();
    info.picture.data = der::asn1::OctetString::new(vec![0u8; 2 * 1024 * 1024 + 1]).unwrap();
    assert!(matches!(
        Seal::from_der(&craft(info)),
        Err(SealError::TooLarge { .. })
    ));
    // an unknown critical ExtData is kept and reported, not fatal
    let mut info = base.to_asn1().unwrap();
    info.ext_datas = Some(vec![asn1::ExtensionData {
        extn_id: der::asn1::ObjectIdentifier::new_unwrap("1.2.3.4.5"),
        critical: true,
        extn_value: der::asn1::OctetString::new(&b"?"[..]).unwrap(),
    }]);
    let seal = Seal::from_der(&craft(info)).unwrap();
    assert_eq!(seal.unknown_critical_ext_datas().len(), 1);
}

/// A v1 `SES_Signature` over the real ofdrw v1 seal, as the tolerated vendors write them:
/// timeInfo as text in a BIT STRING, raw r‖s, the misspelled SM2 OID.
#[test]
fn v1_signature_tolerances() {
    let seal_der = fixture("ofdrw-user-v1.esl");
    let user = party(Algorithm::Sm2, "v1 user", 9);
    let signer = user.key.signer().unwrap();
    let hash = yinxin::crypto::sm3(b"data");
    for (time_text, alg, raw, want_time) in [
        (
            "2020-01-25T07:31:56.377Z",
            "1.2.156.10197.1.501",
            false,
            Some(utc(2020, 1, 25, 7, 31, 56)),
        ),
        (
            "20211014033404Z",
            "1.2.156.10197.1.301.1",
            true,
            Some(utc(2021, 10, 14, 3, 34, 4)),
        ),
        (
            "2020-06-20 17:18:49",
            "1.2.156.10197.501",
            true,
            Some(utc(2020, 6, 20, 9, 18, 49)),
        ),
        ("yesterday", "1.2.156.10197.1.501", false, None),
    ] {
        let alg_oid = der::asn1::ObjectIdentifier::new_unwrap(alg);
        let tbs = asn1::TbsSignV1 {
            version: 1,
            eseal: asn1::RawElement(seal_der.clone()),
            time_info: der::asn1::BitString::from_bytes(time_text.as_bytes()).unwrap(),
            data_hash: der::asn1::BitString::from_bytes(&hash).unwrap(),
            property_info: der::asn1::Ia5String::new("/Doc_0/Signs/Sign_0/Signature.xml").unwrap(),
            cert: der::asn1::OctetString::new(user.cert.as_slice()).unwrap(),
            signature_algorithm: alg_oid,
        }
        .to_der()
        .unwrap();
        let mut sig = signer.sign(&tbs).unwrap();
        if raw {
            sig = yinxin::crypto::verify::sm2_signature_from_bytes(&sig)
                .unwrap()
                .to_bytes()
                .to_vec();
        }
        let der = asn1::SesSignatureV1 {
            to_sign: asn1::RawElement(tbs.clone()),
            signature: der::asn1::BitString::from_bytes(&sig).unwrap(),
        }
        .to_der()
        .unwrap();
        let s = SesSignature::from_der(&der).unwrap();
        assert_eq!(s.version, SealVersion::V1);
        assert_eq!(s.seal.version, SealVersion::V1);
        assert_eq!(s.tbs_bytes, tbs);
        assert_eq!(s.time_info_text, time_text);
        assert_eq!(s.time_info, want_time, "{time_text}");
        assert_eq!(s.signer_cert, user.cert);
        assert!(s.check_data(b"data"));
        assert!(!s.signer_in_cert_list());
        let check = s.verify_signature().unwrap();
        let mut want = Vec::new();
        if alg_oid == SM2_WITH_SM3_MISSPELLED {
            want.push(Tolerance::MisspelledSm2Oid);
        } else if alg == "1.2.156.10197.1.301.1" {
            want.push(Tolerance::Sm2SignOid);
        }
        if raw {
            want.push(Tolerance::RawSignature);
        }
        assert_eq!(check.tolerated, want, "{time_text}");
        assert!(s.seal.verify_maker_signature().is_ok());
        if want_time.is_none() {
            assert!(matches!(
                s.validity_at_signing(),
                Err(SealError::NoSigningTime(_))
            ));
        }
    }
}

// ----------------------------------------------------------------------------------------------
// Cross-checks with OpenSSL and the OFD packages the fixtures were taken from
// ----------------------------------------------------------------------------------------------

fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn openssl_cross_check() {
    if !have("openssl", "version") {
        println!("skipped: openssl not found");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let spki_of = |c: &[u8]| yinxin::verify::cert::Cert::from_der(c).unwrap().spki_der;

    // the ofdrw signature: TBS bytes and the seal's signed bytes, as we extracted them
    let sig = SesSignature::from_der(&fixture("ofdrw-signedvalue-v4.dat")).unwrap();
    assert!(common::openssl_sm2_verify(
        dir.path(),
        &spki_of(&sig.signer_cert),
        &sig.tbs_bytes,
        &sig.signature
    ));
    assert!(common::openssl_sm2_verify(
        dir.path(),
        &spki_of(&sig.seal.maker_cert),
        &sig.seal.signed_bytes,
        &sig.seal.signature
    ));
    // the v1 seal (signed SEQUENCE built from the element bytes)
    let v1 = Seal::from_der(&fixture("ofdrw-user-v1.esl")).unwrap();
    assert!(common::openssl_sm2_verify(
        dir.path(),
        &spki_of(&v1.maker_cert),
        &v1.signed_bytes,
        &v1.signature
    ));
    // OpenSSL agrees that the Gede seal's signature is bad
    let gede = Seal::from_der(&fixture("hebei-gede-seal-badsig.der")).unwrap();
    assert!(!common::openssl_sm2_verify(
        dir.path(),
        &spki_of(&gede.maker_cert),
        &gede.signed_bytes,
        &gede.signature
    ));
    // and one of our own
    let maker = party(Algorithm::Sm2, "maker", 1);
    let now = yinxin::clock::now_secs();
    let seal_der = Seal::encode_v4(
        &new_seal(vec![CertRef::Cert(maker.cert.clone())], now, now + 60),
        &maker.key.signer().unwrap(),
        &maker.cert,
    )
    .unwrap();
    let ours = Seal::from_der(&seal_der).unwrap();
    assert!(common::openssl_sm2_verify(
        dir.path(),
        &spki_of(&ours.maker_cert),
        &ours.signed_bytes,
        &ours.signature
    ));
}

/// The OFD packages in fixtures/interop (copied from ../shared/interop/ofd), with `unzip`: every
/// SignedValue.dat read as EXPECTED.md says.
#[test]
fn shared_ofd_packages() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/interop");
    if !dir.is_dir() || !have("unzip", "-v") {
        println!("skipped: fixtures/interop or unzip not available");
        return;
    }
    let unzip = |pkg: &Path, entry: &str| -> Vec<u8> {
        let o = Command::new("unzip")
            .arg("-p")
            .arg(pkg)
            .arg(entry)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}: {entry}", pkg.display());
        o.stdout
    };
    // (package, Sign dir, TBS ✔, seal ✔, hash ✔, raw r‖s tolerated)
    let expected = [
        ("gomain-tax-invoice.ofd", "Sign_0", true, true, true, false),
        (
            "kinggrid-gomain-invoice.ofd",
            "Sign_0",
            true,
            true,
            true,
            false,
        ),
        ("gomain-bw-v4signed.ofd", "Sign_0", true, true, true, false),
        (
            "tongzhiweiye-raw64-cms-tampered.ofd",
            "Sign_1",
            true,
            true,
            true,
            true,
        ),
        (
            "dms360-v1-reserialised.ofd",
            "Sign_0",
            false,
            true,
            false,
            false,
        ),
    ];
    for (pkg, sign, tbs_ok, seal_ok, hash_ok, raw) in expected {
        let p = dir.join(pkg);
        if !p.is_file() {
            println!("skipped: {pkg} not found");
            continue;
        }
        let sv = unzip(&p, &format!("Doc_0/Signs/{sign}/SignedValue.dat"));
        let xml = unzip(&p, &format!("Doc_0/Signs/{sign}/Signature.xml"));
        let s = match detect(&sv) {
            Detected::Signature(s) => s,
            other => panic!("{pkg}: {other:?}"),
        };
        let tbs = s.verify_signature();
        assert_eq!(tbs.is_ok(), tbs_ok, "{pkg}: TBS {tbs:?}");
        if let Ok(c) = &tbs {
            assert_eq!(c.tolerated.contains(&Tolerance::RawSignature), raw, "{pkg}");
        }
        let seal = s.seal.verify_maker_signature();
        assert_eq!(seal.is_ok(), seal_ok, "{pkg}: seal {seal:?}");
        assert_eq!(s.check_data(&xml), hash_ok, "{pkg}: hash");
        assert!(
            s.time_info.is_some(),
            "{pkg}: timeInfo '{}'",
            s.time_info_text
        );
        // unknown critical ExtDatas: reported, not fatal (Tongzhiweiye's in TBS_Sign, dms360's
        // in the seal)
        let crit = (
            s.unknown_critical_ext_datas().len(),
            s.seal.unknown_critical_ext_datas().len(),
        );
        match pkg {
            "tongzhiweiye-raw64-cms-tampered.ofd" => assert_eq!(crit, (1, 0)),
            "dms360-v1-reserialised.ofd" => assert_eq!(crit, (0, 1)),
            _ => assert_eq!(crit, (0, 0), "{pkg}"),
        }
        println!(
            "{pkg}: {:?} seal {:?} picture {} certList {:?} ext {:?} tbs-ext {:?} signer-in-list {} validity {:?}",
            s.version,
            s.seal.version,
            s.seal.picture.kind,
            s.seal
                .cert_list
                .iter()
                .map(|c| match c {
                    CertRef::Cert(_) => "cert",
                    CertRef::Digest { .. } => "digest",
                    CertRef::Opaque(_) => "opaque",
                })
                .collect::<Vec<_>>(),
            s.seal
                .ext_datas
                .iter()
                .map(|e| (e.oid.to_string(), e.critical))
                .collect::<Vec<_>>(),
            s.ext_datas
                .iter()
                .map(|e| (e.oid.to_string(), e.critical))
                .collect::<Vec<_>>(),
            s.signer_in_cert_list(),
            s.validity_at_signing(),
        );
    }
    // the CMS signature in the Tongzhiweiye package is neither a seal nor an SES_Signature
    let p = dir.join("tongzhiweiye-raw64-cms-tampered.ofd");
    if p.is_file() {
        let cms = unzip(&p, "Doc_0/Signs/Sign_3/SignedValue.dat");
        assert!(matches!(detect(&cms), Detected::Unknown(_)));
        let seal = unzip(&p, "Doc_0/Signs/Sign_1/Seal.esl");
        assert!(matches!(detect(&seal), Detected::Seal(_)));
    }
}
