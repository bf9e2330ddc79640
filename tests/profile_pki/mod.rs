//! A small in-memory PKI for the RFC 5280 profile tests: a P-256 root, intermediates and end
//! entities built with `pki::cert`, and raw DER surgery (re-encode one element of a
//! TBSCertificate and re-sign) for what the builders refuse to write (zero or negative
//! serials, mismatched algorithms, malformed times).
#![allow(dead_code)]

use der::asn1::AnyRef;
use der::{Decode, Encode, Reader};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use yinxin::crypto::{Algorithm, PrivateKey, Signer};
use yinxin::pki::cert::{
    self, CertificateTemplate, NameBuilder, StringKind, attr, extensions as x,
};
use yinxin::verify::path::{Input, RevocationMode, Validator};
use yinxin::verify::purpose::Purpose;
use yinxin::verify::report::Report;

pub const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
pub const ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
pub const ECDSA_SHA1: &str = "1.2.840.10045.4.1";
pub const RSA_SHA1: &str = "1.2.840.113549.1.1.5";
pub const MD5_RSA: &str = "1.2.840.113549.1.1.4";
pub const RSA_SHA256: &str = "1.2.840.113549.1.1.11";

pub fn now() -> i64 {
    yinxin::clock::now_secs()
}

pub fn oid(s: &str) -> const_oid::ObjectIdentifier {
    const_oid::ObjectIdentifier::new_unwrap(s)
}

/// DER TLV with a definite length.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// AlgorithmIdentifier with no parameters.
pub fn alg_id(o: &str) -> Vec<u8> {
    seq(&[&oid(o).to_der().unwrap()])
}

/// The TLV elements inside a DER SEQUENCE.
pub fn elements(der_bytes: &[u8]) -> Vec<Vec<u8>> {
    let outer = AnyRef::from_der(der_bytes).unwrap();
    let mut r = der::SliceReader::new(outer.value()).unwrap();
    let mut out = Vec::new();
    while !r.is_finished() {
        let a: AnyRef<'_> = r.decode().unwrap();
        out.push(a.to_der().unwrap());
    }
    out
}

/// An extension with raw DER value.
pub fn raw_ext(o: &str, critical: bool, value: &[u8]) -> Extension {
    Extension {
        extn_id: oid(o),
        critical,
        extn_value: der::asn1::OctetString::new(value.to_vec()).unwrap(),
    }
}

/// `ext` with its criticality flipped to `critical`.
pub fn with_critical(mut ext: Extension, critical: bool) -> Extension {
    ext.critical = critical;
    ext
}

pub fn name(cn: &str) -> Name {
    NameBuilder::new()
        .push(attr::C, StringKind::Printable, "CN")
        .push(attr::CN, StringKind::Utf8, cn)
        .build()
        .unwrap()
}

/// A CA (or any issuer): its key, name, key identifier and certificate.
pub struct Ca {
    pub key: PrivateKey,
    pub name: Name,
    pub ski: Vec<u8>,
    pub der: Vec<u8>,
}

impl Ca {
    pub fn signer(&self) -> yinxin::crypto::SoftwareSigner {
        self.key.signer().unwrap()
    }

    /// A self-signed root with the extensions `exts` makes of its key identifier, and the
    /// given validity.
    pub fn root_with(cn: &str, exts: impl FnOnce(&[u8]) -> Vec<Extension>, nb: i64, na: i64) -> Ca {
        let key = PrivateKey::generate(Algorithm::P256).unwrap();
        let spki = key.public_key_spki_der().unwrap();
        let ski = cert::key_identifier(&spki).unwrap();
        let name = name(cn);
        let extensions = exts(&ski);
        let der = cert::sign_certificate(
            &CertificateTemplate {
                serial: vec![0x01],
                issuer: name.clone(),
                subject: name.clone(),
                not_before: nb,
                not_after: na,
                spki_der: spki,
                extensions,
            },
            &key.signer().unwrap(),
        )
        .unwrap();
        Ca {
            key,
            name,
            ski,
            der,
        }
    }

    pub fn root() -> Ca {
        Ca::root_with(
            "Profile Test Root",
            |ski| ca_exts(ski, None),
            now() - 3600,
            now() + 86_400 * 365,
        )
    }

    /// Issue a certificate for `spki` named `cn` with `exts`.
    pub fn issue(&self, cn: &str, serial: &[u8], spki: Vec<u8>, exts: Vec<Extension>) -> Vec<u8> {
        cert::sign_certificate(
            &CertificateTemplate {
                serial: serial.to_vec(),
                issuer: self.name.clone(),
                subject: name(cn),
                not_before: now() - 600,
                not_after: now() + 86_400 * 30,
                spki_der: spki,
                extensions: exts,
            },
            &self.signer(),
        )
        .unwrap()
    }

    /// A proper intermediate CA under this one.
    pub fn sub_ca(&self, cn: &str) -> Ca {
        self.sub_ca_with(cn, |ski| ca_exts(ski, None))
    }

    /// An intermediate CA under this one with the extensions `exts` makes of its key
    /// identifier (AKI added).
    pub fn sub_ca_with(&self, cn: &str, exts: impl FnOnce(&[u8]) -> Vec<Extension>) -> Ca {
        let key = PrivateKey::generate(Algorithm::P256).unwrap();
        let spki = key.public_key_spki_der().unwrap();
        let ski = cert::key_identifier(&spki).unwrap();
        let mut extensions = exts(&ski);
        extensions.push(x::authority_key_identifier(&self.ski).unwrap());
        let der = self.issue(cn, &[0x0c, 0xa0], spki, extensions);
        Ca {
            key,
            name: name(cn),
            ski,
            der,
        }
    }

    /// An end entity with a fresh key and `exts` (AKI added).
    pub fn ee(&self, cn: &str, mut exts: Vec<Extension>) -> Vec<u8> {
        let key = PrivateKey::generate(Algorithm::P256).unwrap();
        exts.push(x::authority_key_identifier(&self.ski).unwrap());
        self.issue(cn, &[0x31, 0x41], key.public_key_spki_der().unwrap(), exts)
    }

    /// A well-formed end entity.
    pub fn good_ee(&self, cn: &str) -> Vec<u8> {
        self.ee(cn, ee_exts())
    }

    /// Re-encode `cert` with its TBS elements changed by `edit` (index 0 is the version),
    /// signed again by this CA under the outer algorithm `outer` (a label: the signature is
    /// ECDSA-SHA256 whatever it says).
    pub fn resign(
        &self,
        cert_der: &[u8],
        outer: &str,
        edit: impl FnOnce(&mut Vec<Vec<u8>>),
    ) -> Vec<u8> {
        let parts = elements(cert_der);
        let mut tbs = elements(&parts[0]);
        edit(&mut tbs);
        let tbs = seq(&tbs.iter().map(Vec::as_slice).collect::<Vec<_>>());
        let sig = self.signer().sign(&tbs).unwrap();
        let mut bits = vec![0u8];
        bits.extend(sig);
        seq(&[&tbs, &alg_id(outer), &tlv(0x03, &bits)])
    }
}

/// Extensions of a proper CA: basicConstraints cA (critical), keyUsage keyCertSign and
/// cRLSign, subjectKeyIdentifier.
pub fn ca_exts(ski: &[u8], path_len: Option<u8>) -> Vec<Extension> {
    vec![
        x::basic_constraints(true, path_len).unwrap(),
        x::key_usage(&["keyCertSign", "cRLSign"]).unwrap(),
        x::subject_key_identifier(ski).unwrap(),
    ]
}

/// Extensions of a proper signing end entity (AKI is added by [`Ca::ee`]).
pub fn ee_exts() -> Vec<Extension> {
    vec![
        x::basic_constraints(false, None).unwrap(),
        x::key_usage(&["digitalSignature", "nonRepudiation"]).unwrap(),
    ]
}

/// Validate `ee` under `anchor` with `intermediates`, revocation off, as a document signer.
pub fn input(anchor: &Ca, ee: Vec<u8>, intermediates: &[&Ca]) -> Input {
    let mut i = Input::new(ee, vec![anchor.der.clone()], now(), Purpose::DocumentSigner);
    i.intermediates = intermediates.iter().map(|c| c.der.clone()).collect();
    i.revocation = RevocationMode::Off;
    i
}

pub fn run(anchor: &Ca, ee: Vec<u8>, intermediates: &[&Ca]) -> Report {
    Validator::new().validate(&input(anchor, ee, intermediates))
}

/// The report's sub-indication as serialized.
pub fn sub(r: &Report) -> String {
    r.sub_indication
        .map(|s| {
            serde_json::to_value(s)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .unwrap_or_default()
}

/// Assert the report failed with `sub_indication` and reason `code`, blaming position
/// `index` (0 = end entity; `None`: the anchor).
#[track_caller]
pub fn expect_failure(r: &Report, sub_indication: &str, code: &str, index: Option<usize>) {
    let f = r.failure.as_ref().unwrap_or_else(|| {
        panic!(
            "expected {code}, got a pass: {}",
            serde_json::to_string_pretty(r).unwrap()
        )
    });
    assert_eq!(
        (sub(r).as_str(), f.reason.code(), f.index),
        (sub_indication, code, index),
        "{}",
        serde_json::to_string_pretty(r).unwrap()
    );
    // The report serializes the reason as its code.
    let j = serde_json::to_value(r).unwrap();
    assert_eq!(j["failure"]["reason"], code);
}

#[track_caller]
pub fn expect_pass(r: &Report) {
    assert!(r.passed(), "{}", serde_json::to_string_pretty(r).unwrap());
}
