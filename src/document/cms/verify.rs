//! Verification: [`verify_detached`], [`verify_embedded`] and [`embedded_content`] check a
//! CMS signature (signer identification, signed attributes, signature value, signature
//! time-stamp token) and say what it holds in a [`CmsInfo`].
//!
//! Owns signature checks; must not import signing or chain validation, and consults no
//! trust anchor.

use super::attrs::{check_ess_v1, same_content_type, single};
use super::parse::{malformed, parse, to_der};
use super::{CmsError, oid};
use crate::crypto::verify::{PublicKeyKind, classify_spki, verify_signature};
use crate::crypto::{CryptoError, oid as alg};
use crate::status::tsp::{self, SigningCertificateV2, TsHash};
use crate::verify::cert::{Cert, ext, names_equal};
use cms::signed_data::{SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::Encode;
use der::asn1::{Any, OctetString};
use x509_cert::attr::Attribute;

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

/// Whether `sid` names `cert`: issuer (RFC 5280 §7.1 comparison) and serial as encoded, or
/// the subjectKeyIdentifier of a certificate that has exactly one.
fn identifies(sid: &SignerIdentifier, cert: &Cert) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => {
            isn.serial_number.as_bytes() == cert.serial.as_slice()
                && names_equal(&isn.issuer, &cert.issuer)
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            // A repeated subjectKeyIdentifier names nothing (as x509-cert's `get_extension`
            // treated it).
            cert.extensions
                .iter()
                .filter(|(o, _)| *o == ext::SKI)
                .count()
                == 1
                && cert.ski.as_deref() == Some(ski.0.as_bytes())
        }
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

/// Verify a CMS signature over `data` (detached, or attached when `data` is `None` or
/// equals the content, or the OFD vendor style where eContent is the hash of `data`).
fn verify_impl(p7s: &[u8], data: Option<&[u8]>) -> Result<CmsInfo, CmsError> {
    let mut tolerated = Vec::new();
    let der_bytes = to_der(p7s, &mut tolerated)?;
    let p = parse(&der_bytes, &mut tolerated)?;
    let si = &p.signer_info;

    let (signer_cert, cert) = p
        .certificates
        .iter()
        .find_map(|c| {
            Cert::shared(c)
                .ok()
                .filter(|cert| identifies(&si.sid, cert))
                .map(|cert| (c.clone(), cert))
        })
        .ok_or(CmsError::SignerNotFound)?;
    let spki = cert.spki_der.as_slice();
    let (kind, _) = classify_spki(spki)?;

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
    verify_signature(spki, sig_alg, params.as_ref(), message, signature).map_err(|e| match e {
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
/// The signer certificate is not validated here: see [`verify_with_chain`](super::verify_with_chain).
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
