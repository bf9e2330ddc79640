//! Tests of CMS signing and verification, end to end.

use super::*;
use crate::crypto::Algorithm;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use const_oid::ObjectIdentifier;
use der::asn1::Any;
use der::{Decode, Encode};

fn self_signed(alg: Algorithm) -> (crate::crypto::SoftwareSigner, Vec<u8>) {
    self_signed_serial(alg, &[0x05, 0x06])
}

fn self_signed_serial(alg: Algorithm, serial: &[u8]) -> (crate::crypto::SoftwareSigner, Vec<u8>) {
    crate::pki::cert::self_signed_for_tests(alg, "CMS 测试", serial)
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

/// The typed reader keeps what was carried: certificates in their carried order (a `SetOfVec`
/// decode would sort them) and the signed attributes exactly as encoded, here in an order that
/// is not DER's (a re-encoded `SET OF` would be sorted, and the signature would no longer
/// verify).
#[test]
fn carried_order_and_bytes_are_kept() {
    use crate::crypto::Signer as _;
    let (signer, c) = self_signed(Algorithm::P256);
    let (_, other) = self_signed_serial(Algorithm::P256, &[0x07]);
    let p7s = sign_detached(
        b"x",
        &signer,
        &c,
        std::slice::from_ref(&other),
        1_767_225_600,
        None,
    )
    .unwrap();
    let at = |needle: &[u8]| p7s.windows(needle.len()).position(|w| w == needle).unwrap();
    let splice = |bytes: &mut Vec<u8>, at: usize, with: &[u8]| {
        bytes[at..at + with.len()].copy_from_slice(with);
    };
    let mut out = p7s.clone();

    // The certificates, swapped in place: same lengths.
    let (first, second) = if at(&c) < at(&other) {
        (c.clone(), other.clone())
    } else {
        (other.clone(), c.clone())
    };
    assert_eq!(at(&first) + first.len(), at(&second));
    splice(
        &mut out,
        at(&first),
        &[second.clone(), first.clone()].concat(),
    );

    // The signed attributes, reordered (not DER order) and signed again as they now stand.
    let info = verify_detached(&p7s, b"x").unwrap();
    let mut tolerated = vec![];
    let parsed = parse::parse(&p7s, &mut tolerated).unwrap();
    let signed = parsed.signed_attrs_der.unwrap();
    let content = der::asn1::AnyRef::from_der(&signed)
        .unwrap()
        .value()
        .to_vec();
    let attrs: Vec<Vec<u8>> = asn1::elements(&content)
        .unwrap()
        .iter()
        .map(|a| a.to_der().unwrap())
        .collect();
    assert_eq!(attrs.len(), 4);
    // Some order other than DER's whose signature (deterministic) has the original length.
    let (reversed, resigned) = (0..24usize)
        .filter_map(|n| {
            let mut rest: Vec<usize> = (0..4).collect();
            let order: Vec<usize> = [n % 4, n / 4 % 3, n / 12 % 2, 0]
                .iter()
                .map(|&i| rest.remove(i))
                .collect();
            let permuted: Vec<u8> = order.iter().flat_map(|&i| attrs[i].clone()).collect();
            let mut set = signed[..signed.len() - content.len()].to_vec();
            set.extend_from_slice(&permuted);
            let sig = signer.sign(&set).unwrap();
            (permuted != content && sig.len() == info.signature_value.len())
                .then_some((permuted, sig))
        })
        .next()
        .unwrap();
    splice(&mut out, at(&content), &reversed);
    splice(&mut out, at(&info.signature_value), &resigned);

    let info = verify_detached(&out, b"x").unwrap();
    assert_eq!(info.certificates, [second, first]);
    assert_eq!(info.signer_cert, c);
    assert!(info.tolerated.is_empty(), "{:?}", info.tolerated);
}
