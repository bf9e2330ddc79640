//! Revocation data under the RFC 5280 profile and the crypto constraints: a CRL without a
//! cRLNumber, with a critical one, with mismatched algorithms or a weak signature is not used
//! (the status stays unknown, with that reason — never a path failure of its own); OCSP
//! responses are verified over the bytes received. And multi-byte text in every field the
//! certificate, CRL and OCSP parsers read gives an error or a result, never a panic.

mod profile_pki;

use der::asn1::AnyRef;
use der::{Decode, Encode, Tag};
use profile_pki::*;
use yinxin::status::ocsp;
use yinxin::verify::path::{RevocationMode, Validator};
use yinxin::verify::report::Report;

const EE_SERIAL: [u8; 2] = [0x31, 0x41];

fn utc(secs: i64) -> Vec<u8> {
    yinxin::pki::cert::time_from_unix(secs)
        .unwrap()
        .to_der()
        .unwrap()
}

/// How a test CRL is made.
struct CrlSpec {
    /// cRLNumber: None = absent, Some(critical).
    number: Option<bool>,
    inner_alg: &'static str,
    outer_alg: &'static str,
    revoked: bool,
    this_update: Vec<u8>,
}

impl Default for CrlSpec {
    fn default() -> Self {
        CrlSpec {
            number: Some(false),
            inner_alg: ECDSA_SHA256,
            outer_alg: ECDSA_SHA256,
            revoked: false,
            this_update: utc(now() - 60),
        }
    }
}

fn ext_der(o: &str, critical: bool, value: &[u8]) -> Vec<u8> {
    raw_ext(o, critical, value).to_der().unwrap()
}

/// A CRL of `ca` built by hand (so that it can break the profile), signed by its key.
fn crl(ca: &Ca, spec: CrlSpec) -> Vec<u8> {
    let mut exts = vec![ext_der("2.5.29.35", false, &seq(&[&tlv(0x80, &ca.ski)]))];
    if let Some(critical) = spec.number {
        exts.push(ext_der("2.5.29.20", critical, &[0x02, 0x01, 0x05]));
    }
    let exts = tlv(
        0xa0,
        &seq(&exts.iter().map(Vec::as_slice).collect::<Vec<_>>()),
    );
    let revoked = seq(&[&seq(&[
        &tlv(0x02, &EE_SERIAL),
        &utc(now() - 3600),
        &seq(&[&ext_der("2.5.29.21", false, &[0x0a, 0x01, 0x01])]),
    ])]);
    let name = ca.name.to_der().unwrap();
    let (alg, next) = (alg_id(spec.inner_alg), utc(now() + 3600));
    let mut parts: Vec<&[u8]> = vec![&[0x02, 0x01, 0x01], &alg, &name, &spec.this_update, &next];
    if spec.revoked {
        parts.push(&revoked);
    }
    parts.push(&exts);
    let tbs = seq(&parts);
    let sig = yinxin::crypto::Signer::sign(&ca.signer(), &tbs).unwrap();
    let mut bits = vec![0u8];
    bits.extend(sig);
    seq(&[&tbs, &alg_id(spec.outer_alg), &tlv(0x03, &bits)])
}

fn with_revocation(
    root: &Ca,
    ee: &[u8],
    crls: Vec<Vec<u8>>,
    ocsp: Vec<Vec<u8>>,
    mode: RevocationMode,
) -> Report {
    let mut i = input(root, ee.to_vec(), &[]);
    i.crls = crls;
    i.ocsp = ocsp;
    i.revocation = mode;
    Validator::new().validate(&i)
}

/// RFC 5280 §5.2.3: a CRL must carry a non-critical cRLNumber; a CRL that breaks the profile
/// is not used, so the status is unknown — a path failure only when revocation is required.
#[test]
fn crl_profile() {
    let root = Ca::root();
    let ee = root.good_ee("ee");
    let check = |spec: CrlSpec| {
        with_revocation(
            &root,
            &ee,
            vec![crl(&root, spec)],
            vec![],
            RevocationMode::Require,
        )
    };
    let r = check(CrlSpec::default());
    expect_pass(&r);
    assert!(
        r.revocation[0].source.starts_with("CRL #05"),
        "{:?}",
        r.revocation
    );
    let r = check(CrlSpec {
        revoked: true,
        ..Default::default()
    });
    expect_failure(&r, "REVOKED", "revoked", Some(0));
    for (spec, sub, code) in [
        (
            CrlSpec {
                number: None,
                ..Default::default()
            },
            "TRY_LATER",
            "crl-number-missing",
        ),
        (
            CrlSpec {
                number: Some(true),
                ..Default::default()
            },
            "TRY_LATER",
            "crl-number-critical",
        ),
        (
            CrlSpec {
                inner_alg: ECDSA_SHA384,
                ..Default::default()
            },
            "TRY_LATER",
            "crl-malformed",
        ),
        (
            CrlSpec {
                inner_alg: ECDSA_SHA1,
                outer_alg: ECDSA_SHA1,
                ..Default::default()
            },
            "CRYPTO_CONSTRAINTS_FAILURE",
            "weak-signature-algorithm",
        ),
        (
            CrlSpec {
                inner_alg: RSA_SHA1,
                outer_alg: RSA_SHA1,
                revoked: true,
                ..Default::default()
            },
            "CRYPTO_CONSTRAINTS_FAILURE",
            "weak-signature-algorithm",
        ),
    ] {
        let bad = crl(&root, spec);
        let r = with_revocation(
            &root,
            &ee,
            vec![bad.clone()],
            vec![],
            RevocationMode::Require,
        );
        assert_eq!(
            r.indication,
            yinxin::verify::report::Indication::Indeterminate
        );
        expect_failure(&r, sub, code, Some(0));
        // Not a path failure: with revocation checked where available, the path passes and
        // the certificate's status is reported as skipped.
        let r = with_revocation(&root, &ee, vec![bad], vec![], RevocationMode::IfAvailable);
        expect_pass(&r);
        let c = r.path[0]
            .checks
            .iter()
            .find(|c| c.check == "revocation")
            .unwrap();
        assert_eq!(c.outcome, yinxin::verify::report::Outcome::Skip);
        assert!(!c.detail.is_empty());
    }
    // A good CRL next to a bad one decides.
    let r = with_revocation(
        &root,
        &ee,
        vec![
            crl(
                &root,
                CrlSpec {
                    number: None,
                    ..Default::default()
                },
            ),
            crl(&root, CrlSpec::default()),
        ],
        vec![],
        RevocationMode::Require,
    );
    expect_pass(&r);
}

/// An OCSP response (issuer-signed, responder by key) for the end entity, its
/// tbsResponseData given by `tbs_of` from the DER the types encode.
fn ocsp_response(
    root: &Ca,
    alg: &str,
    tbs_of: impl FnOnce(Vec<u8>) -> Vec<u8>,
    sign_over: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Vec<u8> {
    let req =
        ocsp::build_request(&root.der, &[EE_SERIAL.to_vec()], ocsp::IdHash::Sha1, None).unwrap();
    let id = ocsp::parse_request(&req).unwrap().ids.remove(0);
    let key = AnyRef::from_der(&elements(&elements(&elements(&root.der)[0])[6])[1])
        .unwrap()
        .value()[1..]
        .to_vec();
    let gt = |s: i64| {
        der::asn1::GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(s as u64))
            .unwrap()
    };
    let data = ocsp::ResponseData {
        version: 0,
        responder_id: ocsp::ResponderId::ByKey(
            der::asn1::OctetString::new(ocsp::IdHash::Sha1.digest(&key)).unwrap(),
        ),
        produced_at: gt(now() - 30),
        responses: vec![ocsp::SingleResponse {
            cert_id: id,
            cert_status: ocsp::CertStatus::Good(der::asn1::Null),
            this_update: gt(now() - 30),
            next_update: Some(gt(now() + 3600)),
            single_extensions: None,
        }],
        response_extensions: None,
    };
    let tbs = tbs_of(data.to_der().unwrap());
    let sig = yinxin::crypto::Signer::sign(&root.signer(), &sign_over(&tbs)).unwrap();
    let mut bits = vec![0u8];
    bits.extend(sig);
    let basic = seq(&[&tbs, &alg_id(alg), &tlv(0x03, &bits)]);
    seq(&[
        &[0x0a, 0x01, 0x00],
        &tlv(
            0xa0,
            &seq(&[
                &oid("1.3.6.1.5.5.7.48.1.1").to_der().unwrap(),
                &tlv(0x04, &basic),
            ]),
        ),
    ])
}

/// tbsResponseData with a responseExtension whose `critical FALSE` is written out: valid BER
/// the DER decoder accepts, and which a re-encoding drops.
fn with_explicit_default(tbs: Vec<u8>) -> Vec<u8> {
    let ext = seq(&[
        &oid("1.3.6.1.4.1.32473.99.2").to_der().unwrap(),
        &[0x01, 0x01, 0x00],
        &tlv(0x04, b"x"),
    ]);
    let mut content = AnyRef::from_der(&tbs).unwrap().value().to_vec();
    content.extend(tlv(0xa1, &seq(&[&ext])));
    tlv(0x30, &content)
}

/// The tbsResponseData bytes of an OCSPResponse.
fn received_tbs(resp: &[u8]) -> Vec<u8> {
    let response_bytes = &elements(&elements(resp)[1])[0];
    let octets = &elements(response_bytes)[1];
    let basic = AnyRef::from_der(octets).unwrap().value().to_vec();
    elements(&basic)[0].clone()
}

/// An end entity of `root` with the serial the CRLs and OCSP responses name.
fn ee_with_serial(root: &Ca) -> Vec<u8> {
    let mut e = ee_exts();
    e.push(yinxin::pki::cert::extensions::authority_key_identifier(&root.ski).unwrap());
    root.issue(
        "ocsp ee",
        &EE_SERIAL,
        yinxin::crypto::PrivateKey::generate(yinxin::crypto::Algorithm::P256)
            .unwrap()
            .public_key_spki_der()
            .unwrap(),
        e,
    )
}

/// RFC 6960: the signature covers tbsResponseData as sent; verification uses those bytes.
#[test]
fn ocsp_is_verified_over_the_received_bytes() {
    let root = Ca::root();
    let ee = ee_with_serial(&root);
    let received = ocsp_response(&root, ECDSA_SHA256, with_explicit_default, |t| t.to_vec());
    // The bytes received differ from their re-encoding (which drops `critical FALSE`).
    let tbs = received_tbs(&received);
    let reencoded = ocsp::ResponseData::from_der(&tbs)
        .unwrap()
        .to_der()
        .unwrap();
    assert_ne!(tbs, reencoded);
    let r = with_revocation(&root, &ee, vec![], vec![received], RevocationMode::Require);
    expect_pass(&r);
    assert!(
        r.revocation[0]
            .source
            .starts_with("OCSP response signed by the issuer"),
        "{:?}",
        r.revocation
    );
    // Signed over the re-encoding but sent as received: refused.
    let over_reencoding = ocsp_response(&root, ECDSA_SHA256, with_explicit_default, |t| {
        ocsp::ResponseData::from_der(t).unwrap().to_der().unwrap()
    });
    let r = with_revocation(
        &root,
        &ee,
        vec![],
        vec![over_reencoding],
        RevocationMode::Require,
    );
    expect_failure(&r, "TRY_LATER", "ocsp-responder-not-authorised", Some(0));
    // A weak algorithm: refused for it.
    let weak = ocsp_response(&root, ECDSA_SHA1, |t| t, |t| t.to_vec());
    let r = with_revocation(&root, &ee, vec![], vec![weak], RevocationMode::Require);
    expect_failure(
        &r,
        "CRYPTO_CONSTRAINTS_FAILURE",
        "weak-signature-algorithm",
        Some(0),
    );
}

/// `parse_time` reads bytes: a multi-byte character or invalid UTF-8 anywhere in a UTCTime or
/// GeneralizedTime is an error, never a panic (it used to slice a `&str` at byte offsets).
#[test]
fn parse_time_is_total() {
    use yinxin::verify::cert::parse_time;
    let mut tried = 0;
    for (tag, base) in [
        (Tag::UtcTime, "250101000000Z"),
        (Tag::GeneralizedTime, "20250101000000Z"),
    ] {
        assert!(parse_time(&AnyRef::new(tag, base.as_bytes()).unwrap()).is_ok());
        let inserts: [&[u8]; 5] = [
            "é".as_bytes(),
            "中".as_bytes(),
            "😀".as_bytes(),
            &[0xff],
            &[0x80, 0x80],
        ];
        for ins in inserts {
            for pos in 0..base.len() {
                if pos + ins.len() > base.len() {
                    continue;
                }
                let mut v = base.as_bytes()[..pos].to_vec();
                v.extend_from_slice(ins);
                v.extend_from_slice(&base.as_bytes()[pos + ins.len()..]);
                assert_eq!(v.len(), base.len());
                assert!(
                    parse_time(&AnyRef::new(tag, &v).unwrap()).is_err(),
                    "{:?}",
                    String::from_utf8_lossy(&v)
                );
                tried += 1;
            }
        }
        for len in 0..20 {
            for fill in [b'0', b'Z', 0xe4, 0xff] {
                let _ = parse_time(&AnyRef::new(tag, &vec![fill; len]).unwrap());
            }
        }
    }
    assert!(tried > 100);
    // The reported case: a UTCTime starting with a three-byte character, 13 bytes, 'Z'.
    let reported = "中010100000Z";
    assert_eq!(reported.len(), 13);
    assert!(parse_time(&AnyRef::new(Tag::UtcTime, reported.as_bytes()).unwrap()).is_err());
}

/// Multi-byte text in times, names, subjectAltNames, CRLs and OCSP responses: an error or a
/// decision, never a panic.
#[test]
fn multi_byte_text_never_panics() {
    let root = Ca::root();
    let ee = root.good_ee("ee");
    let later = utc(now() + 3600);
    let earlier = utc(now() - 3600);
    let bad_times: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (tlv(0x17, "中010100000Z".as_bytes()), later.clone()),
        (tlv(0x17, "é50101000000Z".as_bytes()), later.clone()),
        (earlier.clone(), tlv(0x18, "20中0101000000Z".as_bytes())),
        (earlier.clone(), tlv(0x18, "2030010100000😀".as_bytes())),
        (tlv(0x17, &[0xff; 13]), later.clone()),
    ];
    for (nb, na) in bad_times {
        let validity = seq(&[&nb, &na]);
        // As the target: a format failure.
        let cert = root.resign(&ee, ECDSA_SHA256, |t| t[4] = validity.clone());
        expect_failure(
            &run(&root, cert, &[]),
            "FORMAT_FAILURE",
            "malformed-certificate",
            Some(0),
        );
        // As an intermediate: not usable, so no path.
        let sub = root.sub_ca("Sub CA");
        let broken_sub = Ca {
            der: root.resign(&sub.der, ECDSA_SHA256, |t| t[4] = validity.clone()),
            ..sub
        };
        let r = run(&root, broken_sub.good_ee("ee"), &[&broken_sub]);
        expect_failure(
            &r,
            "NO_CERTIFICATE_CHAIN_FOUND",
            "no-path-to-anchor",
            Some(0),
        );
        // As the anchor: not usable either.
        let broken_root = Ca {
            der: root.resign(&root.der, ECDSA_SHA256, |t| t[4] = validity.clone()),
            key: yinxin::crypto::PrivateKey::generate(yinxin::crypto::Algorithm::P256).unwrap(),
            name: root.name.clone(),
            ski: root.ski.clone(),
        };
        let r = run(&broken_root, ee.clone(), &[]);
        expect_failure(
            &r,
            "NO_CERTIFICATE_CHAIN_FOUND",
            "no-path-to-anchor",
            Some(0),
        );
    }

    // Names: UTF8String, a PrintableString holding multi-byte bytes, an odd-length
    // BMPString, and an emailAddress with a multi-byte local part, under an anchor whose
    // name is Chinese and which constrains rfc822 names.
    let nc_root = Ca::root_with(
        "印信 根 CA",
        |ski| {
            let mut e = ca_exts(ski, None);
            e.push(
                yinxin::pki::cert::extensions::name_constraints(
                    vec![x509_cert::ext::pkix::name::GeneralName::Rfc822Name(
                        der::asn1::Ia5String::new("gov.cn").unwrap(),
                    )],
                    vec![],
                )
                .unwrap(),
            );
            e
        },
        now() - 60,
        now() + 86_400,
    );
    let atv =
        |o: &str, tag: u8, v: &[u8]| tlv(0x31, &seq(&[&oid(o).to_der().unwrap(), &tlv(tag, v)]));
    let subject = seq(&[
        &atv("2.5.4.3", 0x0c, "印信测试".as_bytes()),
        &atv("2.5.4.10", 0x13, "中文".as_bytes()),
        &atv("2.5.4.11", 0x1e, &[0x4e, 0x2d, 0x65]),
        &atv("1.2.840.113549.1.9.1", 0x16, "张@gov.cn".as_bytes()),
    ]);
    let named = nc_root.resign(&nc_root.good_ee("ee"), ECDSA_SHA256, |t| {
        t[5] = subject.clone()
    });
    let r = run(&nc_root, named, &[]);
    expect_pass(&r);
    assert!(
        r.path[0].subject.contains("印信测试"),
        "{}",
        r.path[0].subject
    );
    let outside = seq(&[&atv("1.2.840.113549.1.9.1", 0x0c, "张@例子.cn".as_bytes())]);
    let named = nc_root.resign(&nc_root.good_ee("ee"), ECDSA_SHA256, |t| {
        t[5] = outside.clone()
    });
    expect_failure(
        &run(&nc_root, named, &[]),
        "CHAIN_CONSTRAINTS_FAILURE",
        "name-constraints-violated",
        Some(0),
    );

    // A CRL whose thisUpdate is multi-byte is not read; revocation stays unknown.
    let ee = ee_with_serial(&root);
    let bad_crl = crl(
        &root,
        CrlSpec {
            this_update: tlv(0x17, "中010100000Z".as_bytes()),
            ..Default::default()
        },
    );
    let r = with_revocation(&root, &ee, vec![bad_crl], vec![], RevocationMode::Require);
    expect_failure(&r, "TRY_LATER", "revocation-unknown", Some(0));
    // Nor an OCSP response whose producedAt is.
    let bad_ocsp = ocsp_response(
        &root,
        ECDSA_SHA256,
        |tbs| {
            let mut parts = elements(&tbs);
            parts[1] = tlv(0x18, "20中0101000000Z".as_bytes());
            seq(&parts.iter().map(Vec::as_slice).collect::<Vec<_>>())
        },
        |t| t.to_vec(),
    );
    let r = with_revocation(&root, &ee, vec![], vec![bad_ocsp], RevocationMode::Require);
    expect_failure(&r, "TRY_LATER", "revocation-unknown", Some(0));
}
