//! Shared by the seal and document benchmarks: an SM2 root, a seal maker and a signer
//! certified by it, and a seal made for that signer; a P-256 root and document signer (PDF).
#![allow(dead_code)]

use std::sync::Arc;
use yinxin::crypto::{Algorithm, PrivateKey, Signer};
use yinxin::pki::cert::{
    self, CertificateTemplate, NameBuilder, StringKind, attr, extensions as x,
};
use yinxin::seal::service::{self as seals};

/// A 1×1 red PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x08, 0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xdd, 0x8d, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A certificate for `key` named `cn`, self-signed or issued by `issuer` (signer, name and
/// public key), with the RFC 5280 profile's key identifiers and key usage; a leaf gets `eku`.
fn self_signed(
    key: &PrivateKey,
    cn: &str,
    ca: bool,
    issuer: Option<(
        &yinxin::crypto::SoftwareSigner,
        &x509_cert::name::Name,
        &[u8],
    )>,
    eku: &[&str],
) -> Vec<u8> {
    let now = yinxin::clock::now_secs();
    let name = NameBuilder::new()
        .push(attr::CN, StringKind::Utf8, cn)
        .build()
        .unwrap();
    let own = key.signer().unwrap();
    let spki = key.public_key_spki_der().unwrap();
    let (signer, issuer_name, issuer_spki) = match issuer {
        Some((s, n, k)) => (s, n.clone(), k.to_vec()),
        None => (&own, name.clone(), spki.clone()),
    };
    let mut extensions = vec![
        x::basic_constraints(ca, None).unwrap(),
        x::subject_key_identifier(&cert::key_identifier(&spki).unwrap()).unwrap(),
        x::authority_key_identifier(&cert::key_identifier(&issuer_spki).unwrap()).unwrap(),
        x::key_usage(if ca {
            &["keyCertSign", "cRLSign"]
        } else {
            &["digitalSignature", "nonRepudiation"]
        })
        .unwrap(),
    ];
    if !eku.is_empty() {
        let oids = eku
            .iter()
            .map(|o| yinxin::pki::profile::eku_oid(o).unwrap())
            .collect();
        extensions.push(x::extended_key_usage(oids, false).unwrap());
    }
    cert::sign_certificate(
        &CertificateTemplate {
            serial: cn.as_bytes()[..4].to_vec(),
            issuer: issuer_name,
            subject: name,
            not_before: now - 60,
            not_after: now + 86_400,
            spki_der: spki,
            extensions,
        },
        signer,
    )
    .unwrap()
}

/// The root (the anchor), the seal, and the signer with its certificate.
pub struct SealFixture {
    /// Root certificate (DER).
    pub root: Vec<u8>,
    /// A seal whose certList holds the signer.
    pub seal: seals::SealRecord,
    /// The signer.
    pub signer: Arc<dyn Signer>,
    /// Its certificate (DER).
    pub signer_cert: Vec<u8>,
    /// The seal's signed status (active), from its maker: a seal of the anchor's region
    /// verifies offline only with it.
    pub status: Vec<u8>,
}

/// A self-signed root of `alg` named `cn`: its certificate, signer, name and public key.
struct Root {
    cert: Vec<u8>,
    signer: yinxin::crypto::SoftwareSigner,
    name: x509_cert::name::Name,
    spki: Vec<u8>,
}

impl Root {
    fn new(alg: Algorithm, cn: &str) -> Root {
        let key = PrivateKey::generate(alg).unwrap();
        Root {
            cert: self_signed(&key, cn, true, None, &[]),
            spki: key.public_key_spki_der().unwrap(),
            signer: key.signer().unwrap(),
            name: NameBuilder::new()
                .push(attr::CN, StringKind::Utf8, cn)
                .build()
                .unwrap(),
        }
    }

    /// A leaf for a new key of `alg`, named `cn`, with `eku`: its key and certificate.
    fn leaf(&self, alg: Algorithm, cn: &str, eku: &[&str]) -> (PrivateKey, Vec<u8>) {
        let key = PrivateKey::generate(alg).unwrap();
        let cert = self_signed(
            &key,
            cn,
            false,
            Some((&self.signer, &self.name, &self.spki)),
            eku,
        );
        (key, cert)
    }
}

/// Fresh keys, certificates and seal.
pub fn seal_fixture() -> SealFixture {
    let r = Root::new(Algorithm::Sm2, "Bench Root");
    let root = r.cert.clone();
    let (maker_key, maker_cert) =
        r.leaf(Algorithm::Sm2, "Bench Maker", &["1.3.6.1.4.1.32473.1.3.1"]);
    let (signer_key, signer_cert) = r.leaf(Algorithm::Sm2, "Bench Signer", &["documentSigning"]);
    let t = yinxin::seal::types::builtin().into_iter().next().unwrap();
    let seal = seals::make_seal(
        &seals::SealRequest {
            region: "bench",
            seal_type: &t,
            holder: "91350100M000100Y43",
            name: "基准单位",
            signers: vec![("01".into(), signer_cert.clone())],
            picture_png: PNG.to_vec(),
            validity_days: 30,
            now: yinxin::clock::now_secs(),
        },
        &maker_key.signer().unwrap(),
        &maker_cert,
    )
    .unwrap();
    let status = yinxin::seal::status::issue(
        &seal,
        "bench",
        &maker_key.signer().unwrap(),
        &maker_cert,
        yinxin::clock::now_secs(),
        3600,
    )
    .unwrap();
    SealFixture {
        root,
        seal,
        status,
        signer: Arc::new(signer_key.signer().unwrap()),
        signer_cert,
    }
}

/// A P-256 root (the anchor) and a signer it certified for document signing:
/// (root DER, signer, signer certificate DER). Used by the PDF benchmark.
pub fn p256_signer() -> (Vec<u8>, Arc<dyn Signer>, Vec<u8>) {
    let root = Root::new(Algorithm::P256, "Bench P-256 Root");
    let (key, cert) = root.leaf(Algorithm::P256, "Bench PDF Signer", &["documentSigning"]);
    (root.cert, Arc::new(key.signer().unwrap()), cert)
}
