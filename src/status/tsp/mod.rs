//! RFC 3161 time-stamping: the time-stamp protocol structures, the responder
//! ([`respond`]), and the client side ([`build_request`], [`parse_response`],
//! [`parse_token`]).
//!
//! The responder is pure: it takes the DER request, the time and serial number to stamp
//! with, and a way to pick the time-stamping unit (TSU) for the request's hash algorithm;
//! it returns the DER `TimeStampResp`. It always answers with a well-formed response:
//! anything it cannot or will not stamp gets `status = rejection` with a `failInfo` bit
//! and a short `statusString`.
//!
//! The token is a CMS `SignedData` (RFC 5652) over a DER `TSTInfo`:
//! - P-256 TSU: digest SHA-256, signature ecdsa-with-SHA256;
//! - SM2 TSU (GB/T 35275): digest SM3, signature algorithm SM2-1 (`1.2.156.10197.1.301.1`),
//!   signed with SM3 and the default distinguishing ID.
//!
//! The signed attributes are contentType, messageDigest, signingTime and the ESS
//! signingCertificateV2 (RFC 5035) with the SHA-256 hash of the TSU certificate.
//! `genTime` carries milliseconds when they are not zero (`YYYYMMDDhhmmss[.fff]Z`, DER
//! form: trailing zeros removed).
//!
//! Layout (one concern per file; the structure files are shaped like the RustCrypto
//! `x509-tsp` crate so that a later switch to it is mechanical):
//! - `asn1`: the RFC 3161 structures ([`TimeStampReq`], [`TimeStampResp`], [`TstInfo`], …);
//! - `gen_time`: [`GenTime`], `genTime` with milliseconds;
//! - `ess`: the RFC 5035 signingCertificateV2 attribute;
//! - `hash`: [`TsHash`], the accepted message-imprint hash algorithms;
//! - `responder`: [`respond`], making tokens;
//! - `client`: [`build_request`] and [`parse_response`], the requester's side;
//! - `token`: [`parse_token`] and [`ParsedToken`], reading and validating tokens.
//!
//! This file owns the OIDs, [`TspError`] and the re-exports that keep every public item at
//! `crate::status::tsp::…`; it must not import the submodules' internals.

use crate::crypto::CryptoError;

mod asn1;
mod client;
mod ess;
mod gen_time;
mod hash;
mod responder;
mod token;

pub use asn1::{
    Accuracy, FailureInfo, MessageImprint, PkiStatus, PkiStatusInfo, TimeStampReq, TimeStampResp,
    TspVersion, TstInfo,
};
pub use client::{ParsedResponse, build_request, parse_response};
pub use ess::{EssCertIdV2, IssuerSerial, SigningCertificateV2};
pub use gen_time::GenTime;
pub use hash::TsHash;
pub use responder::{TsaPolicy, TsaUnit, respond};
pub use token::{ParsedToken, parse_token};

#[cfg(test)]
mod tests;

/// Object identifiers of the time-stamp protocol and of the CMS attributes it uses.
pub mod oid {
    use const_oid::ObjectIdentifier as Oid;
    /// id-signedData (RFC 5652 §5.1).
    pub const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    /// id-ct-TSTInfo (RFC 3161 §2.4.2): the eContentType of a time-stamp token.
    pub const CT_TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
    /// id-contentType signed attribute (RFC 5652 §11.1).
    pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
    /// id-messageDigest signed attribute (RFC 5652 §11.2).
    pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
    /// id-signingTime signed attribute (RFC 5652 §11.3).
    pub const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
    /// id-aa-signingCertificateV2 (RFC 5035 §3).
    pub const SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
}

/// Errors building requests or parsing responses and tokens.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TspError {
    /// The hash algorithm is not one the time-stamp protocol accepts here.
    #[error("unsupported hash algorithm {0} (accepted: sha256, sha384, sha512, sm3)")]
    UnsupportedHash(String),
    /// A digest does not have the length of its algorithm.
    #[error("{hash} digest must be {expected} bytes, got {actual}")]
    DigestLength {
        /// The algorithm.
        hash: TsHash,
        /// Its output length.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// A nonce must hold at least one byte.
    #[error("empty nonce")]
    EmptyNonce,
    /// DER encoding or decoding failed.
    #[error("encoding error: {0}")]
    Encoding(String),
    /// The DER is well formed but is not a valid time-stamp response or token.
    #[error("malformed time-stamp response: {0}")]
    Malformed(String),
    /// The token does not verify against the given certificate.
    #[error("time-stamp token verification failed: {0}")]
    Verification(String),
    /// A cryptographic operation failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl From<der::Error> for TspError {
    fn from(e: der::Error) -> Self {
        TspError::Encoding(e.to_string())
    }
}
