//! Tests of CMS signing and verification, end to end.

use super::*;
use crate::crypto::Algorithm;
use crate::crypto::PrivateKey;
use crate::pki::cert::{self, CertificateTemplate, NameBuilder, StringKind, attr};
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use const_oid::ObjectIdentifier;
use der::asn1::Any;
use der::{Decode, Encode};

fn self_signed(alg: Algorithm) -> (crate::crypto::SoftwareSigner, Vec<u8>) {
    let key = PrivateKey::generate(alg).unwrap();
    let signer = key.signer().unwrap();
    let name = NameBuilder::new()
        .push(attr::CN, StringKind::Utf8, "CMS 测试")
        .build()
        .unwrap();
    let tpl = CertificateTemplate {
        serial: vec![0x05, 0x06],
        issuer: name.clone(),
        subject: name,
        not_before: 1_700_000_000,
        not_after: 1_900_000_000,
        spki_der: key.public_key_spki_der().unwrap(),
        extensions: vec![],
    };
    let der_bytes = cert::sign_certificate(&tpl, &signer).unwrap();
    (signer, der_bytes)
}

#[test]
fn round_trip_both_algorithms() {
    for a in Algorithm::ALL {
        let (signer, c) = self_signed(a);
        let p7s = sign_detached(b"hello", &signer, &c, &[], 1_767_225_600, None).unwrap();
        let info = verify_detached(&p7s, b"hello").unwrap();
        assert_eq!(info.signer_cert, c);
        assert_eq!(info.signing_time, Some(1_767_225_600));
        assert!(info.tolerated.is_empty(), "{:?}", info.tolerated);
        assert!(matches!(
            verify_detached(&p7s, b"hellp"),
            Err(CmsError::DigestMismatch)
        ));
        assert!(matches!(verify_embedded(&p7s), Err(CmsError::DataMissing)));
    }
}

#[test]
fn pem_input_is_tolerated() {
    use base64::Engine;
    let (signer, c) = self_signed(Algorithm::P256);
    let p7s = sign_detached(b"x", &signer, &c, &[], 1_767_225_600, None).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&p7s);
    let pem = format!("-----BEGIN CMS-----\n{b64}\n-----END CMS-----\n");
    let info = verify_detached(pem.as_bytes(), b"x").unwrap();
    assert_eq!(info.tolerated, ["PEM input"]);
}

/// Vendors mix the GB/T 35275 and PKCS #7 names of a content type (eContentType id-data
/// with a contentType attribute of 1.2.156.10197.6.1.4.2.1): equal, and tolerated by
/// name; an unrelated type still fails.
#[test]
fn equivalent_content_type_oids() {
    let (signer, c) = self_signed(Algorithm::Sm2);
    let p7s = sign_detached(b"x", &signer, &c, &[], 1_767_225_600, None).unwrap();
    let with_econtent_type = |t: ObjectIdentifier| {
        let ci = ContentInfo::from_der(&p7s).unwrap();
        let mut sd: SignedData = ci.content.decode_as().unwrap();
        assert_eq!(sd.encap_content_info.econtent_type, oid::GM_DATA);
        sd.encap_content_info.econtent_type = t;
        ContentInfo {
            content_type: ci.content_type,
            content: Any::encode_from(&sd).unwrap(),
        }
        .to_der()
        .unwrap()
    };
    let info = verify_detached(&with_econtent_type(oid::DATA), b"x").unwrap();
    assert!(
        info.tolerated
            .iter()
            .any(|t| t.contains("GB/T 35275 and PKCS #7 names of the same type")),
        "{:?}",
        info.tolerated
    );
    let other = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
    assert!(matches!(
        verify_detached(&with_econtent_type(other), b"x"),
        Err(CmsError::Attributes(m)) if m.contains("differs from eContentType")
    ));
}

#[test]
fn key_and_certificate_must_match() {
    let (signer, _) = self_signed(Algorithm::Sm2);
    let (_, other) = self_signed(Algorithm::Sm2);
    assert!(matches!(
        sign_detached(b"x", &signer, &other, &[], 0, None),
        Err(CmsError::Input(_))
    ));
}
