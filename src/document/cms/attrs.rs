//! CMS attributes: building a single-valued attribute, reading the single value of a signed
//! attribute, the ESS signingCertificate (v1, SHA-1) check, and the GB/T 35275 ↔ PKCS #7
//! content-type equivalence.
//!
//! Owns attribute helpers; must not import signing, verification or chain validation.

use super::asn1::elements;
use super::{CmsError, oid};
use crate::crypto::HashAlg;
use const_oid::ObjectIdentifier;
use der::asn1::{Any, SetOfVec};
use der::{Tag, Tagged};
use x509_cert::attr::Attribute;

pub(super) fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, der::Error> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

/// The single value of a signed attribute, if present; an error when repeated or
/// multi-valued.
pub(super) fn single(attrs: &[Attribute], oid: ObjectIdentifier) -> Result<Option<&Any>, CmsError> {
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    match (found.next(), found.next()) {
        (None, _) => Ok(None),
        (Some(a), None) if a.values.len() == 1 => Ok(a.values.iter().next()),
        _ => Err(CmsError::Attributes(format!(
            "{oid} must be present once with one value"
        ))),
    }
}

/// Check the ESS signingCertificate (v1, SHA-1) value against the certificate.
///
/// Walked element by element rather than decoded as a typed `SigningCertificate`: only the
/// first `ESSCertID.certHash` is judged, and what follows it (more identifiers, issuerSerial,
/// policies) has never been, so a typed decode would refuse signatures accepted today.
pub(super) fn check_ess_v1(value: &Any, cert_der: &[u8]) -> Result<(), CmsError> {
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
    if hash.value() != HashAlg::Sha1.digest(cert_der) {
        return Err(CmsError::EssMismatch);
    }
    Ok(())
}

/// Whether two content-type OIDs name the same type: GB/T 35275 (`1.2.156.10197.6.1.4.2.x`)
/// and PKCS #7 (`1.2.840.113549.1.7.x`) are used interchangeably by vendors.
pub(super) fn same_content_type(a: ObjectIdentifier, b: ObjectIdentifier) -> bool {
    const PAIRS: [(ObjectIdentifier, ObjectIdentifier); 2] = [
        (oid::GM_DATA, oid::DATA),
        (oid::GM_SIGNED_DATA, oid::SIGNED_DATA),
    ];
    a == b
        || PAIRS
            .iter()
            .any(|(g, p)| (a == *g && b == *p) || (a == *p && b == *g))
}
