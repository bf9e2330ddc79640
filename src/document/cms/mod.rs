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
//!
//! Layout (one concern per file):
//! - `sign`: [`sign_detached`], [`sign_detached_digest`], [`sign_embedded`] and
//!   [`content_digest`];
//! - `asn1`: the `der` derive structures read (`ContentInfo`, `SignedData`, `SignerInfo`),
//!   shaped like the `cms` crate's but raw where the bytes matter (no `SET OF` sorted, no
//!   certificate re-encoded);
//! - `parse`: reading a `ContentInfo`/`SignedData` (PEM, base64 or DER) through them, with the
//!   leniencies;
//! - `attrs`: attributes: building one, reading single values, the ESS v1 check and the
//!   equivalent content-type OIDs;
//! - `verify`: [`verify_detached`], [`verify_embedded`], [`embedded_content`] and [`CmsInfo`];
//! - `chain`: [`verify_with_chain`], [`verify_with_options`] and [`CmsReport`].
//!
//! This file owns the OIDs, [`CmsError`] and the re-exports that keep every public item at
//! `crate::document::cms::…`; it must not import the submodules' internals.

use crate::crypto::CryptoError;

mod asn1;
mod attrs;
pub(crate) mod ber;
mod chain;
mod parse;
mod sign;
mod verify;

pub use chain::{CmsReport, CmsSubIndication, verify_with_chain, verify_with_options};
pub use sign::{
    PdfCms, TimestampFn, content_digest, sign_detached, sign_detached_digest,
    sign_detached_digest_pades, sign_detached_digest_pdf, sign_embedded,
};
pub use verify::{CmsInfo, embedded_content, verify_detached, verify_embedded};

#[cfg(test)]
mod tests;

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
