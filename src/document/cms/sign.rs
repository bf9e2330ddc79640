//! Signing: detached ([`sign_detached`], [`sign_detached_digest`] with [`content_digest`])
//! and embedded ([`sign_embedded`]) SignedData, with the signed attributes and the optional
//! signature time-stamp token described in the module docs.
//!
//! Owns producing CMS; must not import verification or chain validation.

use super::attrs::attribute;
use super::{CmsError, oid};
use crate::crypto::{Algorithm, Signer, oid as alg};
use crate::status::tsp::{EssCertIdV2, IssuerSerial, SigningCertificateV2, TsHash};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
/// A time-stamping callback: given the signature value, a DER `TimeStampToken` over it.
pub type TimestampFn<'a> = &'a dyn Fn(&[u8]) -> Option<Vec<u8>>;

/// Sign `data` detached: the DER `ContentInfo(SignedData)` described in the module docs.
///
/// - `signer_cert`: the DER certificate of `signer`'s key (must be canonical DER: the ESS
///   hash covers exactly these bytes);
/// - `chain`: further certificates to carry (issuing CA, root…); duplicates are dropped;
/// - `signing_time`: Unix seconds for the signingTime attribute;
/// - `timestamp`: given the signature value, returns a DER `TimeStampToken` over it (or
///   `None`: no token is added).
pub fn sign_detached(
    data: &[u8],
    signer: &dyn Signer,
    signer_cert: &[u8],
    chain: &[Vec<u8>],
    signing_time: i64,
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, CmsError> {
    sign_impl(
        Content::Detached(data),
        signer,
        signer_cert,
        chain,
        Some(signing_time),
        timestamp,
    )
}

/// The digest [`sign_detached`] puts in the messageDigest attribute for `alg`'s signer (SM3
/// for SM2, SHA-256 for P-256), computed from `reader` in chunks: with
/// [`sign_detached_digest`], a file of any size is signed without being held in memory.
pub fn content_digest(alg: Algorithm, mut reader: impl std::io::Read) -> std::io::Result<Vec<u8>> {
    fn feed(r: &mut dyn std::io::Read, mut update: impl FnMut(&[u8])) -> std::io::Result<()> {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match r.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => update(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
    match alg {
        Algorithm::Sm2 => {
            let mut h = crate::crypto::Sm3::new();
            feed(&mut reader, |b| h.update(b))?;
            Ok(h.finalize().to_vec())
        }
        Algorithm::P256 => {
            let mut h = <sha2::Sha256 as sha2::Digest>::new();
            feed(&mut reader, |b| sha2::Digest::update(&mut h, b))?;
            Ok(sha2::Digest::finalize(h).to_vec())
        }
    }
}

/// [`sign_detached`] given the content's [`content_digest`] instead of the content: the same
/// signed attributes (hence a SignedData that verifies over the same content), without the
/// content in memory.
pub fn sign_detached_digest(
    digest: &[u8],
    signer: &dyn Signer,
    signer_cert: &[u8],
    chain: &[Vec<u8>],
    signing_time: i64,
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, CmsError> {
    sign_digest(
        digest,
        signer,
        signer_cert,
        chain,
        Some(signing_time),
        timestamp,
    )
}

/// [`sign_detached_digest`] as PAdES baseline signatures want it (ETSI EN 319 142-1 §5.1):
/// no signingTime attribute — the time is the PDF's `/M` claim, proven only by a time-stamp.
pub fn sign_detached_digest_pades(
    digest: &[u8],
    signer: &dyn Signer,
    signer_cert: &[u8],
    chain: &[Vec<u8>],
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, CmsError> {
    sign_digest(digest, signer, signer_cert, chain, None, timestamp)
}

/// A detached SignedData over a 32-byte content digest, with or without signingTime.
fn sign_digest(
    digest: &[u8],
    signer: &dyn Signer,
    signer_cert: &[u8],
    chain: &[Vec<u8>],
    signing_time: Option<i64>,
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, CmsError> {
    let spec = PdfCms {
        signing_time,
        ..PdfCms::default()
    };
    sign_detached_digest_pdf(digest, signer, signer_cert, chain, &spec, timestamp)
}

/// What a SignedData is made over.
#[derive(Clone, Copy)]
enum Content<'a> {
    /// Detached content.
    Detached(&'a [u8]),
    /// The digest of detached content ([`content_digest`]).
    Digest(&'a [u8]),
    /// Content carried inside (eContent).
    Embedded(&'a [u8]),
}

/// Sign `content` and carry it inside the SignedData (eContent), e.g. a trust list: same
/// attributes and algorithms as [`sign_detached`]; [`verify_embedded`](super::verify_embedded) checks it and
/// [`embedded_content`](super::embedded_content) returns the content.
pub fn sign_embedded(
    content: &[u8],
    signer: &dyn Signer,
    signer_cert: &[u8],
    chain: &[Vec<u8>],
    signing_time: i64,
) -> Result<Vec<u8>, CmsError> {
    sign_impl(
        Content::Embedded(content),
        signer,
        signer_cert,
        chain,
        Some(signing_time),
        None,
    )
}

/// What a PDF signature adds to a SignedData (see [`sign_detached_digest_pdf`]).
#[derive(Clone, Debug, Default)]
pub struct PdfCms {
    /// The signingTime attribute (Unix seconds), when wanted.
    pub signing_time: Option<i64>,
    /// Further signed attributes: (OID, the DER of its one value).
    pub extra_signed: Vec<(const_oid::ObjectIdentifier, Vec<u8>)>,
    /// SM2 as the Chinese vendors' PDF signatures carry it: PKCS #7 content types (id-data,
    /// id-signedData) and signatureAlgorithm SM2-with-SM3 (`1.2.156.10197.1.501`), instead of
    /// the GB/T 35275 content types and SM2-1.
    pub sm2_pkcs7: bool,
}

/// A detached SignedData over a PDF's byte-range digest (32 bytes: SHA-256 for P-256, SM3 for
/// SM2) with what `pdf` asks for.
pub fn sign_detached_digest_pdf(
    digest: &[u8],
    signer: &dyn Signer,
    signer_cert: &[u8],
    chain: &[Vec<u8>],
    pdf: &PdfCms,
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, CmsError> {
    if digest.len() != 32 {
        return Err(CmsError::Input(format!(
            "a content digest is 32 bytes, not {}",
            digest.len()
        )));
    }
    sign_with(
        Content::Digest(digest),
        signer,
        signer_cert,
        chain,
        pdf,
        timestamp,
    )
}

fn sign_impl(
    content: Content<'_>,
    signer: &dyn Signer,
    signer_cert: &[u8],
    chain: &[Vec<u8>],
    signing_time: Option<i64>,
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, CmsError> {
    let spec = PdfCms {
        signing_time,
        ..PdfCms::default()
    };
    sign_with(content, signer, signer_cert, chain, &spec, timestamp)
}

fn sign_with(
    content: Content<'_>,
    signer: &dyn Signer,
    signer_cert: &[u8],
    chain: &[Vec<u8>],
    spec: &PdfCms,
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, CmsError> {
    let signing_time = spec.signing_time;
    let cert = Certificate::from_der(signer_cert)
        .map_err(|e| CmsError::Input(format!("signer certificate: {e}")))?;
    if cert.to_der()? != signer_cert {
        return Err(CmsError::Input(
            "the signer certificate is not in DER form".into(),
        ));
    }
    let tbs = cert.tbs_certificate();
    if tbs.subject_public_key_info().to_der()? != signer.public_key_spki() {
        return Err(CmsError::Input(
            "the signing key does not match the signer certificate".into(),
        ));
    }
    let (hash, sig_oid, data_oid, signed_data_oid) = match signer.algorithm() {
        Algorithm::Sm2 if spec.sm2_pkcs7 => {
            (TsHash::Sm3, alg::SM2_WITH_SM3, oid::DATA, oid::SIGNED_DATA)
        }
        Algorithm::Sm2 => (
            TsHash::Sm3,
            alg::SM2_SIGN,
            oid::GM_DATA,
            oid::GM_SIGNED_DATA,
        ),
        Algorithm::P256 => (
            TsHash::Sha256,
            alg::ECDSA_SHA256,
            oid::DATA,
            oid::SIGNED_DATA,
        ),
    };
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(crate::crypto::sha256(signer_cert))?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
                serial_number: tbs.serial_number().clone(),
                issuer_uid: None,
            }),
        }],
        policies: None,
    };
    // SetOfVec sorts by DER encoding, as a DER SET OF must be (RFC 5652 §5.4).
    let mut attrs = vec![
        attribute(oid::CONTENT_TYPE, Any::encode_from(&data_oid)?)?,
        attribute(
            oid::MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(match content {
                Content::Detached(data) | Content::Embedded(data) => hash.digest(data),
                Content::Digest(d) => d.to_vec(),
            })?)?,
        )?,
        attribute(oid::SIGNING_CERTIFICATE_V2, Any::encode_from(&ess)?)?,
    ];
    if let Some(t) = signing_time {
        let time = crate::pki::cert::time_from_unix(t)
            .map_err(|e| CmsError::Input(format!("signing time: {e}")))?;
        attrs.push(attribute(oid::SIGNING_TIME, Any::encode_from(&time)?)?);
    }
    for (id, value) in &spec.extra_signed {
        let any =
            Any::from_der(value).map_err(|e| CmsError::Input(format!("attribute {id}: {e}")))?;
        attrs.push(attribute(*id, any)?);
    }
    let signed_attrs: SetOfVec<Attribute> = SetOfVec::try_from(attrs)?;
    // The signature covers the DER of the attributes as a SET (tag 0x31).
    let signature = signer.sign(&signed_attrs.to_der()?)?;

    let unsigned_attrs = match timestamp.and_then(|f| f(&signature)) {
        None => None,
        Some(token) => {
            let any = Any::from_der(&token)
                .map_err(|e| CmsError::Timestamp(format!("the token is not DER: {e}")))?;
            Some(SetOfVec::try_from(vec![attribute(
                oid::SIGNATURE_TIME_STAMP_TOKEN,
                any,
            )?])?)
        }
    };

    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: hash.algorithm_identifier(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: sig_oid,
            parameters: None,
        },
        signature: OctetString::new(signature)?,
        unsigned_attrs,
    };

    let mut seen: Vec<&[u8]> = vec![signer_cert];
    let mut certs = vec![CertificateChoices::Certificate(cert.clone())];
    for c in chain {
        if seen.contains(&c.as_slice()) {
            continue;
        }
        seen.push(c);
        let parsed = Certificate::from_der(c)
            .map_err(|e| CmsError::Input(format!("chain certificate: {e}")))?;
        certs.push(CertificateChoices::Certificate(parsed));
    }

    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![hash.algorithm_identifier()])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: data_oid,
            econtent: match content {
                Content::Embedded(data) => Some(Any::encode_from(&OctetString::new(data)?)?),
                Content::Detached(_) | Content::Digest(_) => None,
            },
        },
        certificates: Some(CertificateSet::try_from(certs)?),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer_info])?,
    };
    Ok(ContentInfo {
        content_type: signed_data_oid,
        content: Any::encode_from(&signed_data)?,
    }
    .to_der()?)
}
