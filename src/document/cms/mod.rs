//! Detached CMS (RFC 5652) signatures over any file: signing ([`sign_detached`]),
//! signature verification ([`verify_detached`], [`verify_embedded`]) and signature plus
//! certificate-chain validation ([`verify_with_chain`]).
//!
//! What we produce: a DER `ContentInfo` holding a `SignedData` v1 without eContent, the
//! signer certificate and its chain in `certificates`, and one `SignerInfo` v1
//! (issuerAndSerialNumber) with the signed attributes contentType, messageDigest,
//! signingTime and ESS signingCertificateV2 (SHA-256 of the signer certificate), the
//! signature over the DER `SET OF Attribute`, and optionally an
//! id-aa-signatureTimeStampToken unsigned attribute over the signature value.
//! - P-256: digest SHA-256, signature ecdsa-with-SHA256, content types id-signedData /
//!   id-data (RFC 5652);
//! - SM2: digest SM3, signature SM2-1 (`1.2.156.10197.1.301.1`, SM3 with the default
//!   distinguishing ID), and the GB/T 35275 content types `1.2.156.10197.6.1.4.2.2`
//!   (signedData) and `1.2.156.10197.6.1.4.2.1` (data). SignedData stays version 1, as
//!   GB/T 35275 writes it (RFC 5652 would say 3 for a non-id-data eContentType).
//!
//! What we accept: PEM, bare base64 or DER; a `ContentInfo` or a bare `SignedData`; either
//! family of content-type OIDs; the signer named by issuerAndSerialNumber or
//! subjectKeyIdentifier; digests SHA-256/384/512 and SM3; signed attributes taken from the
//! input bytes exactly (never re-encoded); SignerInfos without signed attributes (the
//! signature then covers the content itself); and the OFD vendor style (GB/T 33190
//! Type="Sign") where eContent carries the 32-byte SM3 hash of the data, there are no signed
//! attributes, and the SM2 signature is a raw 64-byte r‖s. Every leniency is listed in
//! [`CmsInfo::tolerated`]. Exactly one SignerInfo is supported.
//!
//! Certificate-chain validation is the caller's: [`verify_with_chain`] runs
//! [`crate::verify::path::Validator`] on the signer certificate with the certificates the
//! CMS carries as intermediates. The TSA certificate of a time-stamp token is checked for
//! the token signature only, not chained.

use crate::crypto::verify::{PublicKeyKind, classify_spki, verify_signature};
use crate::crypto::{Algorithm, CryptoError, Signer, oid as alg};
use crate::status::tsp::{self, EssCertIdV2, IssuerSerial, SigningCertificateV2, TsHash};
use crate::verify::cert::{dn_string, names_equal};
use crate::verify::path::{Input, RevocationMode, Validator};
use crate::verify::purpose::Purpose;
use crate::verify::report::{Indication, Report, SubIndication};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, AnyRef, OctetString, SetOfVec};
use der::{Decode, Encode, Reader, SliceReader, Tag, Tagged};
use serde::Serialize;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;

/// Object identifiers of CMS content types and attributes used here.
pub mod oid {
    use const_oid::ObjectIdentifier as Oid;
    /// id-data (RFC 5652 §4).
    pub const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
    /// id-signedData (RFC 5652 §5.1).
    pub const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    /// GB/T 35275 data.
    pub const GM_DATA: Oid = Oid::new_unwrap("1.2.156.10197.6.1.4.2.1");
    /// GB/T 35275 signedData.
    pub const GM_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.156.10197.6.1.4.2.2");
    /// id-contentType (RFC 5652 §11.1).
    pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
    /// id-messageDigest (RFC 5652 §11.2).
    pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
    /// id-signingTime (RFC 5652 §11.3).
    pub const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
    /// id-aa-signingCertificate (RFC 2634, SHA-1).
    pub const SIGNING_CERTIFICATE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.12");
    /// id-aa-signingCertificateV2 (RFC 5035).
    pub const SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
    /// id-aa-signatureTimeStampToken (RFC 3161 Appendix A).
    pub const SIGNATURE_TIME_STAMP_TOKEN: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.14");
}

/// Errors signing or verifying.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CmsError {
    /// The input is not well-formed DER / PEM of the expected structure.
    #[error("malformed CMS: {0}")]
    Malformed(String),
    /// A well-formed feature we do not support (algorithm, several signers, …).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The signing inputs are inconsistent (key vs certificate, non-DER certificate, …).
    #[error("invalid signing input: {0}")]
    Input(String),
    /// The signature is detached and no data was given.
    #[error("detached signature: the signed data is needed")]
    DataMissing,
    /// No carried certificate matches the signer identifier.
    #[error("the signer certificate is not in the CMS")]
    SignerNotFound,
    /// The messageDigest attribute does not match the content.
    #[error("messageDigest does not match the data")]
    DigestMismatch,
    /// The attached content is neither the data nor its hash.
    #[error("the attached content is neither the data nor its hash")]
    ContentMismatch,
    /// A signed attribute is wrong (contentType, duplicates, …).
    #[error("signed attributes: {0}")]
    Attributes(String),
    /// The ESS signing-certificate attribute names another certificate.
    #[error("the ESS signing-certificate attribute names another certificate")]
    EssMismatch,
    /// The signature value does not verify.
    #[error("signature verification failed")]
    BadSignature,
    /// The signature time-stamp token is bad.
    #[error("signature time-stamp token: {0}")]
    Timestamp(String),
    /// Another cryptographic failure.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl From<der::Error> for CmsError {
    fn from(e: der::Error) -> Self {
        CmsError::Malformed(e.to_string())
    }
}

// ---------------------------------------------------------------------------------------
// Signing
// ---------------------------------------------------------------------------------------

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, der::Error> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

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
        signing_time,
        timestamp,
    )
}

/// The digest [`sign_detached`] puts in the messageDigest attribute for `alg`'s signer (SM3
/// for SM2, SHA-256 for P-256), computed from `reader` in chunks: with
/// [`sign_detached_digest`], a file of any size is signed without being held in memory.
pub fn content_digest(alg: Algorithm, mut reader: impl std::io::Read) -> std::io::Result<Vec<u8>> {
    fn feed<D: sm3::Digest>(mut d: D, r: &mut dyn std::io::Read) -> std::io::Result<Vec<u8>> {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match r.read(&mut buf) {
                Ok(0) => return Ok(d.finalize().to_vec()),
                Ok(n) => d.update(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
    match alg {
        Algorithm::Sm2 => feed(sm3::Sm3::default(), &mut reader),
        Algorithm::P256 => feed(sha2::Sha256::default(), &mut reader),
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
    if digest.len() != 32 {
        return Err(CmsError::Input(format!(
            "a content digest is 32 bytes, not {}",
            digest.len()
        )));
    }
    sign_impl(
        Content::Digest(digest),
        signer,
        signer_cert,
        chain,
        signing_time,
        timestamp,
    )
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
/// attributes and algorithms as [`sign_detached`]; [`verify_embedded`] checks it and
/// [`embedded_content`] returns the content.
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
        signing_time,
        None,
    )
}

fn sign_impl(
    content: Content<'_>,
    signer: &dyn Signer,
    signer_cert: &[u8],
    chain: &[Vec<u8>],
    signing_time: i64,
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, CmsError> {
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
    let time = crate::pki::cert::time_from_unix(signing_time)
        .map_err(|e| CmsError::Input(format!("signing time: {e}")))?;
    // SetOfVec sorts by DER encoding, as a DER SET OF must be (RFC 5652 §5.4).
    let signed_attrs: SetOfVec<Attribute> = SetOfVec::try_from(vec![
        attribute(oid::CONTENT_TYPE, Any::encode_from(&data_oid)?)?,
        attribute(
            oid::MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(match content {
                Content::Detached(data) | Content::Embedded(data) => hash.digest(data),
                Content::Digest(d) => d.to_vec(),
            })?)?,
        )?,
        attribute(oid::SIGNING_TIME, Any::encode_from(&time)?)?,
        attribute(oid::SIGNING_CERTIFICATE_V2, Any::encode_from(&ess)?)?,
    ])?;
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

// ---------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------

/// What a verified CMS says.
#[derive(Clone, Debug)]
pub struct CmsInfo {
    /// The signer certificate (DER, as carried).
    pub signer_cert: Vec<u8>,
    /// Every certificate carried (DER, as carried), signer included.
    pub certificates: Vec<Vec<u8>>,
    /// The SignerInfo digest algorithm.
    pub digest_algorithm: TsHash,
    /// The SignerInfo signature algorithm, as written.
    pub signature_algorithm: ObjectIdentifier,
    /// eContentType.
    pub content_type: ObjectIdentifier,
    /// Whether the SignerInfo has signed attributes.
    pub signed_attributes: bool,
    /// The signingTime attribute, Unix seconds.
    pub signing_time: Option<i64>,
    /// The signature time-stamp token (DER ContentInfo), when present. Its imprint is
    /// always checked against the signature value; its signature when it carries the TSA
    /// certificate (the TSA certificate is not chained here).
    pub timestamp: Option<Vec<u8>>,
    /// genTime as stated by that token, Unix seconds, only when the token's own signature
    /// was checked. A *statement*: it proves nothing until the TSU is validated
    /// ([`crate::verify::timestamp::prove`]).
    pub timestamp_time: Option<i64>,
    /// The SignerInfo signature value (what a signature time-stamp covers).
    pub signature_value: Vec<u8>,
    /// What was accepted although not strictly as we produce it.
    pub tolerated: Vec<String>,
}

/// The parts of a SignedData, raw where the bytes matter.
struct Parsed {
    econtent_type: ObjectIdentifier,
    econtent: Option<Vec<u8>>,
    certificates: Vec<Vec<u8>>,
    signer_info: SignerInfo,
    /// The signed attributes exactly as encoded, re-tagged as SET (0x31).
    signed_attrs_der: Option<Vec<u8>>,
}

fn malformed(s: impl Into<String>) -> CmsError {
    CmsError::Malformed(s.into())
}

/// The elements of a constructed value.
fn elements(value: &[u8]) -> Result<Vec<AnyRef<'_>>, CmsError> {
    let mut r = SliceReader::new(value)?;
    let mut out = Vec::new();
    while !r.is_finished() {
        out.push(AnyRef::decode(&mut r)?);
    }
    Ok(out)
}

fn is_context(any: &AnyRef<'_>, n: u32, constructed: bool) -> bool {
    let t = any.tag();
    t.is_context_specific() && t.is_constructed() == constructed && t.number().value() == n
}

/// PEM, bare base64 or DER → DER.
fn to_der(input: &[u8], tolerated: &mut Vec<String>) -> Result<Vec<u8>, CmsError> {
    use base64::Engine;
    if input.first() == Some(&0x30) {
        return Ok(input.to_vec());
    }
    let text = std::str::from_utf8(input).map_err(|_| malformed("neither DER nor PEM"))?;
    let trimmed = text.trim();
    let (body, what) = if trimmed.starts_with("-----BEGIN") {
        let body: String = trimmed
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        (body, "PEM input")
    } else {
        (trimmed.to_string(), "base64 input without PEM armour")
    };
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let der_bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| malformed("neither DER nor PEM"))?;
    tolerated.push(what.into());
    Ok(der_bytes)
}

fn parse(der_bytes: &[u8], tolerated: &mut Vec<String>) -> Result<Parsed, CmsError> {
    let mut r = SliceReader::new(der_bytes)?;
    let outer = AnyRef::decode(&mut r)?;
    if !r.is_finished() {
        tolerated.push("trailing bytes after the CMS".into());
    }
    if outer.tag() != Tag::Sequence {
        return Err(malformed("not a SEQUENCE"));
    }
    let fields = elements(outer.value())?;
    let sd = match fields.first().map(|f| f.tag()) {
        Some(Tag::ObjectIdentifier) => {
            let ct: ObjectIdentifier = fields[0].decode_as()?;
            if ct == oid::GM_SIGNED_DATA {
                // Our own SM2 output uses it too; not a leniency.
            } else if ct != oid::SIGNED_DATA {
                return Err(CmsError::Unsupported(format!(
                    "content type {ct} (expected signedData)"
                )));
            }
            let content = fields
                .get(1)
                .filter(|c| is_context(c, 0, true))
                .ok_or_else(|| malformed("ContentInfo without [0] content"))?;
            if fields.len() > 2 {
                return Err(malformed("ContentInfo has extra fields"));
            }
            AnyRef::from_der(content.value())?
        }
        Some(Tag::Integer) => {
            tolerated.push("bare SignedData without ContentInfo".into());
            outer
        }
        _ => return Err(malformed("not a ContentInfo")),
    };
    if sd.tag() != Tag::Sequence {
        return Err(malformed("SignedData is not a SEQUENCE"));
    }
    let f = elements(sd.value())?;
    // version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos
    if f.len() < 4 || f[0].tag() != Tag::Integer || f[1].tag() != Tag::Set {
        return Err(malformed("SignedData fields"));
    }
    let encap = &f[2];
    if encap.tag() != Tag::Sequence {
        return Err(malformed("encapContentInfo is not a SEQUENCE"));
    }
    let ef = elements(encap.value())?;
    let econtent_type: ObjectIdentifier = ef
        .first()
        .ok_or_else(|| malformed("encapContentInfo is empty"))?
        .decode_as()?;
    let econtent = match ef.get(1) {
        None => None,
        Some(e) if is_context(e, 0, true) && ef.len() == 2 => {
            let inner = AnyRef::from_der(e.value())?;
            if inner.tag() != Tag::OctetString {
                return Err(malformed("eContent is not an OCTET STRING"));
            }
            Some(inner.value().to_vec())
        }
        Some(_) => return Err(malformed("encapContentInfo fields")),
    };
    let mut certificates = Vec::new();
    let mut rest = &f[3..];
    if let Some(c) = rest.first().filter(|c| is_context(c, 0, true)) {
        for el in elements(c.value())? {
            // Other choices (attribute certificates, other formats) are skipped.
            if el.tag() == Tag::Sequence {
                certificates.push(el.to_der()?);
            }
        }
        rest = &rest[1..];
    }
    if rest.first().is_some_and(|c| is_context(c, 1, true)) {
        rest = &rest[1..];
    }
    let infos = match rest {
        [set] if set.tag() == Tag::Set => elements(set.value())?,
        _ => return Err(malformed("signerInfos")),
    };
    let si_any = match infos.as_slice() {
        [one] => one,
        [] => return Err(malformed("no SignerInfo")),
        _ => {
            return Err(CmsError::Unsupported("more than one SignerInfo".into()));
        }
    };
    let si_raw = si_any.to_der()?;
    let signer_info = SignerInfo::from_der(&si_raw)?;
    let sif = elements(si_any.value())?;
    let signed_attrs_der = match sif.get(3) {
        Some(a) if is_context(a, 0, true) => Some(Any::new(Tag::Set, a.value())?.to_der()?),
        _ => None,
    };
    if signed_attrs_der.is_some() != signer_info.signed_attrs.is_some() {
        return Err(malformed("signed attributes"));
    }
    Ok(Parsed {
        econtent_type,
        econtent,
        certificates,
        signer_info,
        signed_attrs_der,
    })
}

/// Whether `sid` names `cert`.
fn identifies(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    let tbs = cert.tbs_certificate();
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => {
            isn.serial_number == *tbs.serial_number() && names_equal(&isn.issuer, tbs.issuer())
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => tbs
            .get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .is_some_and(|(_, own)| own == *ski),
    }
}

/// The single value of a signed attribute, if present; an error when repeated or
/// multi-valued.
fn single(attrs: &[Attribute], oid: ObjectIdentifier) -> Result<Option<&Any>, CmsError> {
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    match (found.next(), found.next()) {
        (None, _) => Ok(None),
        (Some(a), None) if a.values.len() == 1 => Ok(a.values.iter().next()),
        _ => Err(CmsError::Attributes(format!(
            "{oid} must be present once with one value"
        ))),
    }
}

/// The signature algorithm to verify with, from what the SignerInfo says, the key and the
/// digest.
fn effective_signature_algorithm(
    written: ObjectIdentifier,
    key: &PublicKeyKind,
    digest: TsHash,
    tolerated: &mut Vec<String>,
) -> Result<ObjectIdentifier, CmsError> {
    if written == alg::SM2_SIGN || written == alg::SM2_WITH_SM3 {
        if written == alg::SM2_WITH_SM3 {
            tolerated.push(
                "signatureAlgorithm SM2-with-SM3 (1.2.156.10197.1.501) instead of SM2-1".into(),
            );
        }
        return Ok(written);
    }
    if written == alg::SM2_CURVE || (written == alg::EC_PUBLIC_KEY && *key == PublicKeyKind::Sm2) {
        tolerated.push(format!("signatureAlgorithm {written} read as SM2-1"));
        return Ok(alg::SM2_SIGN);
    }
    if written == alg::EC_PUBLIC_KEY {
        return match digest {
            TsHash::Sha256 => Ok(alg::ECDSA_SHA256),
            TsHash::Sha384 => Ok(alg::ECDSA_SHA384),
            TsHash::Sha512 => Ok(alg::ECDSA_SHA512),
            TsHash::Sm3 => Err(CmsError::Unsupported("ECDSA with SM3".into())),
        };
    }
    if written == alg::RSA_ENCRYPTION {
        return match digest {
            TsHash::Sha256 => Ok(alg::RSA_SHA256),
            TsHash::Sha384 => Ok(alg::RSA_SHA384),
            TsHash::Sha512 => Ok(alg::RSA_SHA512),
            TsHash::Sm3 => Err(CmsError::Unsupported("RSA with SM3".into())),
        };
    }
    Ok(written)
}

/// Check the ESS signingCertificate (v1, SHA-1) value against the certificate.
fn check_ess_v1(value: &Any, cert_der: &[u8]) -> Result<(), CmsError> {
    let bad = || CmsError::Attributes("malformed signingCertificate".into());
    let sc = elements(value.value())?;
    let certs = sc
        .first()
        .filter(|c| c.tag() == Tag::Sequence)
        .ok_or_else(bad)?;
    let ids = elements(certs.value())?;
    let first = ids
        .first()
        .filter(|c| c.tag() == Tag::Sequence)
        .ok_or_else(bad)?;
    let idf = elements(first.value())?;
    let hash = idf
        .first()
        .filter(|h| h.tag() == Tag::OctetString)
        .ok_or_else(bad)?;
    let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, cert_der);
    if hash.value() != sha1.as_ref() {
        return Err(CmsError::EssMismatch);
    }
    Ok(())
}

/// Whether two content-type OIDs name the same type: GB/T 35275 (`1.2.156.10197.6.1.4.2.x`)
/// and PKCS #7 (`1.2.840.113549.1.7.x`) are used interchangeably by vendors.
fn same_content_type(a: ObjectIdentifier, b: ObjectIdentifier) -> bool {
    const PAIRS: [(ObjectIdentifier, ObjectIdentifier); 2] = [
        (oid::GM_DATA, oid::DATA),
        (oid::GM_SIGNED_DATA, oid::SIGNED_DATA),
    ];
    a == b
        || PAIRS
            .iter()
            .any(|(g, p)| (a == *g && b == *p) || (a == *p && b == *g))
}

/// Verify a CMS signature over `data` (detached, or attached when `data` is `None` or
/// equals the content, or the OFD vendor style where eContent is the hash of `data`).
fn verify_impl(p7s: &[u8], data: Option<&[u8]>) -> Result<CmsInfo, CmsError> {
    let mut tolerated = Vec::new();
    let der_bytes = to_der(p7s, &mut tolerated)?;
    let p = parse(&der_bytes, &mut tolerated)?;
    let si = &p.signer_info;

    let signer_cert = p
        .certificates
        .iter()
        .find(|c| Certificate::from_der(c).is_ok_and(|cert| identifies(&si.sid, &cert)))
        .ok_or(CmsError::SignerNotFound)?
        .clone();
    let cert = Certificate::from_der(&signer_cert)?;
    let spki = cert.tbs_certificate().subject_public_key_info().to_der()?;
    let (kind, _) = classify_spki(&spki)?;

    let digest = TsHash::from_oid(&si.digest_alg.oid)
        .ok_or_else(|| CmsError::Unsupported(format!("digest algorithm {}", si.digest_alg.oid)))?;

    let content: &[u8] = match (p.econtent.as_deref(), data) {
        (None, Some(d)) => d,
        (None, None) => return Err(CmsError::DataMissing),
        (Some(ec), None) => ec,
        (Some(ec), Some(d)) if ec == d => ec,
        (Some(ec), Some(d)) if ec == digest.digest(d).as_slice() => {
            tolerated.push(format!(
                "eContent holds the {digest} hash of the data, not the data (OFD vendor style)"
            ));
            ec
        }
        (Some(_), Some(_)) => return Err(CmsError::ContentMismatch),
    };

    let mut signing_time = None;
    let message: &[u8] = match (&si.signed_attrs, &p.signed_attrs_der) {
        (Some(attrs), Some(raw)) => {
            let attrs: &[Attribute] = attrs.as_ref();
            let ct = single(attrs, oid::CONTENT_TYPE)?
                .ok_or_else(|| CmsError::Attributes("contentType is missing".into()))?
                .decode_as::<ObjectIdentifier>()?;
            if ct != p.econtent_type {
                if same_content_type(ct, p.econtent_type) {
                    tolerated.push(format!(
                        "contentType {ct} and eContentType {} are the GB/T 35275 and PKCS #7 \
                         names of the same type",
                        p.econtent_type
                    ));
                } else {
                    return Err(CmsError::Attributes(format!(
                        "contentType {ct} differs from eContentType {}",
                        p.econtent_type
                    )));
                }
            }
            let md = single(attrs, oid::MESSAGE_DIGEST)?
                .ok_or_else(|| CmsError::Attributes("messageDigest is missing".into()))?
                .decode_as::<OctetString>()?;
            if md.as_bytes() != digest.digest(content).as_slice() {
                return Err(CmsError::DigestMismatch);
            }
            if let Some(t) = single(attrs, oid::SIGNING_TIME)? {
                let t = t.decode_as::<x509_cert::time::Time>()?;
                signing_time = Some(crate::pki::cert::unix_from_time(&t));
            }
            if let Some(v) = single(attrs, oid::SIGNING_CERTIFICATE_V2)? {
                let ess = v.decode_as::<SigningCertificateV2>()?;
                let first = ess
                    .certs
                    .first()
                    .ok_or_else(|| CmsError::Attributes("empty signingCertificateV2".into()))?;
                let h = match &first.hash_algorithm {
                    None => TsHash::Sha256,
                    Some(a) => TsHash::from_oid(&a.oid).ok_or_else(|| {
                        CmsError::Unsupported(format!("signingCertificateV2 hash {}", a.oid))
                    })?,
                };
                if first.cert_hash.as_bytes() != h.digest(&signer_cert).as_slice() {
                    return Err(CmsError::EssMismatch);
                }
            }
            if let Some(v) = single(attrs, oid::SIGNING_CERTIFICATE)? {
                check_ess_v1(v, &signer_cert)?;
            }
            raw
        }
        (None, None) => {
            tolerated.push("no signed attributes: the signature covers the content".into());
            content
        }
        _ => return Err(malformed("signed attributes")),
    };

    let sig_alg =
        effective_signature_algorithm(si.signature_algorithm.oid, &kind, digest, &mut tolerated)?;
    let signature = si.signature.as_bytes();
    if kind == PublicKeyKind::Sm2
        && signature.len() == 64
        && sm2::dsa::Signature::from_der(signature).is_err()
    {
        tolerated.push("raw 64-byte r‖s SM2 signature value".into());
    }
    let params = si.signature_algorithm.parameters.as_ref().map(Any::to_ref);
    verify_signature(&spki, sig_alg, params.as_ref(), message, signature).map_err(|e| match e {
        CryptoError::BadSignature | CryptoError::MalformedSignature => CmsError::BadSignature,
        other => CmsError::Crypto(other),
    })?;

    let (timestamp, timestamp_time) = check_timestamp(si, signature, &mut tolerated)?;

    Ok(CmsInfo {
        signer_cert,
        certificates: p.certificates,
        digest_algorithm: digest,
        signature_algorithm: si.signature_algorithm.oid,
        content_type: p.econtent_type,
        signed_attributes: p.signed_attrs_der.is_some(),
        signing_time,
        timestamp,
        timestamp_time,
        signature_value: signature.to_vec(),
        tolerated,
    })
}

/// Check the id-aa-signatureTimeStampToken unsigned attribute, if any: its imprint must be
/// the hash of the signature value and its signature must verify with the TSA certificate
/// it carries.
fn check_timestamp(
    si: &SignerInfo,
    signature: &[u8],
    tolerated: &mut Vec<String>,
) -> Result<(Option<Vec<u8>>, Option<i64>), CmsError> {
    let Some(attrs) = &si.unsigned_attrs else {
        return Ok((None, None));
    };
    let attrs: &[Attribute] = attrs.as_ref();
    for a in attrs {
        if a.oid != oid::SIGNATURE_TIME_STAMP_TOKEN {
            tolerated.push(format!("unsigned attribute {} ignored", a.oid));
        }
    }
    let Some(value) = single(attrs, oid::SIGNATURE_TIME_STAMP_TOKEN)
        .map_err(|e| CmsError::Timestamp(e.to_string()))?
    else {
        return Ok((None, None));
    };
    let ts = |s: String| CmsError::Timestamp(s);
    let token_der = value.to_der()?;
    let token = tsp::parse_token(&token_der).map_err(|e| ts(e.to_string()))?;
    let hash = token
        .hash()
        .ok_or_else(|| ts("unsupported imprint hash".into()))?;
    if token.message_imprint().hashed_message.as_bytes() != hash.digest(signature).as_slice() {
        return Err(ts("the token is not over this signature".into()));
    }
    match token.signer_certificate() {
        Some(c) => token.verify_signature(c).map_err(|e| ts(e.to_string()))?,
        None if token.certificates.is_empty() => {
            tolerated.push(
                "time-stamp token without its TSA certificate: token signature not checked, \
                 its time not reported"
                    .into(),
            );
            return Ok((Some(token_der), None));
        }
        None => return Err(ts("no carried certificate matches the TSA signer".into())),
    }
    let secs = token.gen_time_unix_millis().div_euclid(1000);
    Ok((Some(token_der), Some(secs)))
}

/// Verify a detached CMS signature `p7s` (PEM or DER) over `data`: the signer certificate
/// is found among the carried certificates, messageDigest must be the hash of `data`, the
/// signature must verify over the signed attributes exactly as encoded, ESS
/// signing-certificate attributes must name the signer certificate, and a signature
/// time-stamp token must be over the signature value. A CMS with eContent is accepted when
/// the content is `data` or the hash of `data` (OFD Type="Sign" vendor style).
///
/// The signer certificate is not validated here: see [`verify_with_chain`].
pub fn verify_detached(p7s: &[u8], data: &[u8]) -> Result<CmsInfo, CmsError> {
    verify_impl(p7s, Some(data))
}

/// Verify a CMS signature against the content it carries (eContent), without outside
/// data: e.g. an OFD Type="Sign" CMS whose eContent is a 32-byte SM3 hash.
pub fn verify_embedded(p7s: &[u8]) -> Result<CmsInfo, CmsError> {
    verify_impl(p7s, None)
}

/// The eContent a CMS carries, if any (e.g. the hash of the OFD vendor style).
pub fn embedded_content(p7s: &[u8]) -> Result<Option<Vec<u8>>, CmsError> {
    let mut tolerated = Vec::new();
    let der_bytes = to_der(p7s, &mut tolerated)?;
    Ok(parse(&der_bytes, &mut tolerated)?.econtent)
}

// ---------------------------------------------------------------------------------------
// With chain validation
// ---------------------------------------------------------------------------------------

/// ETSI EN 319 102-1 sub-indications a CMS verification reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CmsSubIndication {
    /// The CMS is malformed.
    FormatFailure,
    /// The data (or content) does not match the signed hash.
    HashFailure,
    /// The signature value does not verify.
    SigCryptoFailure,
    /// The signer certificate is missing or the ESS attribute names another one.
    NoSigningCertificateFound,
    /// Detached signature and no data.
    SignedDataNotFound,
    /// An algorithm is not supported.
    CryptoConstraintsFailure,
    /// Something else (e.g. a bad signature time-stamp token).
    Generic,
    /// A certificate is revoked.
    Revoked,
    /// A certificate has expired.
    Expired,
    /// A certificate is not yet valid.
    NotYetValid,
    /// No path to a trust anchor.
    NoCertificateChainFound,
    /// Path constraints are not met.
    ChainConstraintsFailure,
    /// Revocation status could not be established.
    TryLater,
    /// Revocation information is too old.
    RevocationOutOfBounds,
    /// Expired after the claimed signing time, no proof of existence before.
    OutOfBoundsNoPoe,
    /// Revoked after the claimed signing time, no proof of existence before.
    RevokedNoPoe,
}

impl From<SubIndication> for CmsSubIndication {
    fn from(s: SubIndication) -> Self {
        match s {
            SubIndication::SigCryptoFailure => CmsSubIndication::SigCryptoFailure,
            SubIndication::Revoked => CmsSubIndication::Revoked,
            SubIndication::Expired => CmsSubIndication::Expired,
            SubIndication::NotYetValid => CmsSubIndication::NotYetValid,
            SubIndication::NoCertificateChainFound => CmsSubIndication::NoCertificateChainFound,
            SubIndication::ChainConstraintsFailure => CmsSubIndication::ChainConstraintsFailure,
            SubIndication::FormatFailure => CmsSubIndication::FormatFailure,
            SubIndication::CryptoConstraintsFailure => CmsSubIndication::CryptoConstraintsFailure,
            SubIndication::TryLater => CmsSubIndication::TryLater,
            SubIndication::RevocationOutOfBounds => CmsSubIndication::RevocationOutOfBounds,
            SubIndication::OutOfBoundsNoPoe => CmsSubIndication::OutOfBoundsNoPoe,
            SubIndication::RevokedNoPoe => CmsSubIndication::RevokedNoPoe,
            SubIndication::SignedDataNotFound => CmsSubIndication::SignedDataNotFound,
            SubIndication::NoCheckRan => CmsSubIndication::Generic,
        }
    }
}

/// The outcome of [`verify_with_chain`].
#[derive(Clone, Debug, Serialize)]
pub struct CmsReport {
    /// Indication.
    pub indication: Indication,
    /// Sub-indication (absent when passed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<CmsSubIndication>,
    /// What happened, in words.
    pub detail: String,
    /// The signer certificate's subject, when found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// The signingTime attribute, Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_time: Option<i64>,
    /// genTime of the signature time-stamp token, Unix seconds, when the token *proved* it
    /// (its TSU validated for the TSU purpose to an anchor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_time: Option<i64>,
    /// The time the signer certificate was validated at, Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validated_at: Option<i64>,
    /// `timestamp` (a validated timestamp proved the time) or `current-time`.
    pub time_basis: &'static str,
    /// The TSU certificate's chain report, when the token carried one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsu_chain: Option<Report>,
    /// What the relying party should know (e.g. a time-stamp not accepted as proof).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Leniencies applied.
    pub tolerated: Vec<String>,
    /// The signer certificate's chain validation, when the signature verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<Report>,
}

impl CmsReport {
    /// Whether the indication is TOTAL_PASSED.
    pub fn passed(&self) -> bool {
        self.indication == Indication::TotalPassed
    }
}

fn classify(e: &CmsError) -> (Indication, CmsSubIndication) {
    use CmsSubIndication as S;
    use Indication::*;
    match e {
        CmsError::Malformed(_) | CmsError::Attributes(_) | CmsError::Input(_) => {
            (TotalFailed, S::FormatFailure)
        }
        CmsError::DigestMismatch | CmsError::ContentMismatch => (TotalFailed, S::HashFailure),
        CmsError::BadSignature => (TotalFailed, S::SigCryptoFailure),
        CmsError::SignerNotFound | CmsError::EssMismatch => {
            (Indeterminate, S::NoSigningCertificateFound)
        }
        CmsError::DataMissing => (Indeterminate, S::SignedDataNotFound),
        CmsError::Unsupported(_) => (Indeterminate, S::CryptoConstraintsFailure),
        CmsError::Crypto(CryptoError::MalformedKey(_)) => (TotalFailed, S::FormatFailure),
        CmsError::Crypto(_) => (Indeterminate, S::CryptoConstraintsFailure),
        CmsError::Timestamp(_) => (Indeterminate, S::Generic),
    }
}

/// Verify the signature ([`verify_detached`]) and then validate the signer certificate
/// with [`Validator`] at `time` (Unix seconds) against `anchors`, with the other carried
/// certificates as intermediates, `crls` as revocation data and `revocation` as the
/// revocation treatment.
pub fn verify_with_chain(
    p7s: &[u8],
    data: &[u8],
    anchors: &[Vec<u8>],
    crls: &[Vec<u8>],
    time: i64,
    revocation: RevocationMode,
) -> CmsReport {
    let info = match verify_detached(p7s, data) {
        Ok(i) => i,
        Err(e) => return signature_failure(&e),
    };
    let mut input = Input::new(
        info.signer_cert.clone(),
        anchors.to_vec(),
        time,
        Purpose::DocumentSigner,
    );
    input.crls = crls.to_vec();
    input.revocation = revocation;
    let chain = validate_signer(&info, input);
    chain_report(info, chain)
}

/// [`verify_with_chain`] with the verification options of seals and documents: their
/// anchors, intermediates, CRLs and OCSP responses, and, when `opts.trust` is set, revocation
/// data fetched for other regions' certificates and the recognition of the anchoring region.
///
/// The signer certificate is validated for the document-signer purpose at the time a
/// signature time-stamp *proves* ([`crate::verify::timestamp`]: its TSU validated for the TSU
/// purpose to an anchor), else at `opts.now`; `signingTime` is the signer's claim and only
/// decides between a failure and INDETERMINATE *_NO_POE (ETSI EN 319 102-1).
pub async fn verify_with_options(
    p7s: &[u8],
    data: &[u8],
    opts: &crate::seal::service::VerifyOptions<'_>,
) -> CmsReport {
    let info = match verify_detached(p7s, data) {
        Ok(i) => i,
        Err(e) => return signature_failure(&e),
    };
    let inputs = opts.chain_inputs();
    let mut proven = None;
    let mut tsu_chain = None;
    let mut notes = Vec::new();
    if let Some(token) = &info.timestamp {
        let check = crate::verify::timestamp::prove(token, &info.signature_value, &inputs).await;
        tsu_chain = check.tsu_chain;
        match check.proof {
            Ok(p) => proven = Some(p),
            Err(e) => notes.push(format!(
                "the signature time-stamp is not accepted as proof of time ({e}); validated at the current time"
            )),
        }
    }
    let at = proven.as_ref().map_or(opts.now, |p| p.at());
    let chain = crate::verify::chain::validate_for(
        &info.signer_cert,
        &info.certificates,
        at,
        Purpose::DocumentSigner,
        &inputs,
    )
    .await;
    let claimed = info.signing_time;
    let judged = if proven.is_some() {
        None
    } else {
        crate::verify::chain::judge_without_poe(&chain, claimed)
    };
    let mut report = chain_report(info, chain);
    if let Some((ind, sub, rule)) = judged {
        report.indication = ind;
        report.sub_indication = Some(CmsSubIndication::from(sub));
        report.detail = format!("signature valid; signer certificate chain: {rule}");
    }
    report.timestamp_time = proven.as_ref().map(|p| p.at());
    report.validated_at = Some(at);
    report.time_basis = if proven.is_some() {
        "timestamp"
    } else {
        "current-time"
    };
    report.tsu_chain = tsu_chain;
    report.notes = notes;
    report
}

fn signature_failure(e: &CmsError) -> CmsReport {
    let (indication, sub) = classify(e);
    CmsReport {
        indication,
        sub_indication: Some(sub),
        detail: e.to_string(),
        signer: None,
        signing_time: None,
        timestamp_time: None,
        validated_at: None,
        time_basis: "current-time",
        tsu_chain: None,
        notes: vec![],
        tolerated: vec![],
        chain: None,
    }
}

/// Validate the signer certificate with the carried certificates added to the pool.
fn validate_signer(info: &CmsInfo, mut input: Input) -> Report {
    input.intermediates.extend(
        info.certificates
            .iter()
            .filter(|c| **c != info.signer_cert)
            .cloned(),
    );
    Validator::shared().validate(&input)
}

fn chain_report(info: CmsInfo, chain: Report) -> CmsReport {
    let signer = Certificate::from_der(&info.signer_cert)
        .ok()
        .map(|c| dn_string(c.tbs_certificate().subject()));
    let (indication, sub_indication, detail) = if chain.passed() {
        (
            Indication::TotalPassed,
            None,
            "signature valid; signer certificate chain valid".to_string(),
        )
    } else {
        let rule = chain
            .failure
            .as_ref()
            .map(|f| f.rule.clone())
            .unwrap_or_default();
        (
            chain.indication,
            chain.sub_indication.map(CmsSubIndication::from),
            format!("signature valid; signer certificate chain: {rule}"),
        )
    };
    CmsReport {
        indication,
        sub_indication,
        detail,
        signer,
        signing_time: info.signing_time,
        timestamp_time: None,
        validated_at: None,
        time_basis: "given",
        tsu_chain: None,
        notes: vec![],
        tolerated: info.tolerated,
        chain: Some(chain),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::PrivateKey;
    use crate::pki::cert::{self, CertificateTemplate, NameBuilder, StringKind, attr};

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
}
