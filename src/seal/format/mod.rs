//! Seal and signature formats: tolerant decoding of GM/T 0031 (v1) and GB/T 38540 (v4) seals
//! and signatures, the checks that need no trust anchor, and DER encoding of v4 seals and
//! signatures.
//!
//! Decoding goes through a small TLV walker rather than a strict DER decoder: real files carry
//! explicitly encoded DEFAULT values (`critical FALSE`), strings where the standard says OCTET
//! STRING, several time formats and raw `r‖s` signatures. Every signature is verified over the
//! exact bytes found in the file, never over a re-encoding.
//!
//! Which parts are typed: the [`asn1`] derives encode (what yinxin writes) and build test
//! inputs; no part is *read* through them, because no part has a layout fixed across what the
//! reader accepts today:
//! - every element, at every depth, may have its length in a longer form than DER's minimal
//!   one, which `der` refuses whatever the encoding rules (`non_minimal_lengths_are_read` in
//!   `tests/seal_format.rs`), so even the shapes that real files share would stop reading;
//! - `SES_Header` and `SES_ESPictrueInfo`: ID, Vid and the picture type in any character string
//!   type (read leniently), INTEGERs in non-minimal form;
//! - `SES_ESPropertyInfo`: 6 elements (v1) or 7 (v4); `certList` a SEQUENCE or a SET of OCTET
//!   STRINGs, character strings (IA5String in dms360's v1 files, base64 or raw DER),
//!   certificates written directly, or digest entries whose value is an OCTET STRING, a BIT
//!   STRING or a string; dates as UTCTime, GeneralizedTime or text;
//! - `ExtensionDatas`: untagged or in an EXPLICIT `[0]`, `critical FALSE` written out (GOMAIN,
//!   Hebei Gede), any non-zero BOOLEAN as TRUE, an `extnValue` that is not an OCTET STRING kept
//!   whole;
//! - `SESeal` and `SES_Signature`: v1 and v4 told apart by their number of elements; signature
//!   values in a BIT STRING or an OCTET STRING; `timeInfo` in several forms; `timeStamp` as
//!   `[0]` EXPLICIT BIT STRING, OCTET STRING or bare token, or `[0]` IMPLICIT.
//!
//! Limits: inputs over [`MAX_INPUT`] bytes, pictures over [`MAX_PICTURE`] bytes and `certList`s
//! of more than [`MAX_CERTS`] entries are refused.
//!
//! Layout (one concern per file):
//! - [`asn1`]: the `der` derive structures of both versions (what yinxin encodes; not used
//!   to read, see above);
//! - `tlv`: the tolerant TLV walker and its primitive readers;
//! - `time`: seal and signing times, read in every form found and written as GeneralizedTime;
//! - `model`: the public model ([`Seal`], [`SesSignature`], [`CertRef`], …) and [`detect`];
//! - `read`: the tolerant reader ([`Seal::from_der`], [`SesSignature::from_der`]);
//! - `check`: the checks that need no trust anchor, with the cache of passed checks;
//! - `build`: [`NewSeal`] and the DER encoding of v4 seals and signatures.
//!
//! This file owns the limits, [`SealError`] and the re-exports that keep every public item at
//! `crate::seal::format::…`; it must not import the submodules' internals beyond re-exporting.

use crate::crypto::CryptoError;
use der::asn1::ObjectIdentifier;

pub mod asn1;
mod build;
mod check;
mod model;
mod read;
mod time;
mod tlv;

pub use build::NewSeal;
pub use model::{
    CertRef, Detected, ExtData, Header, Picture, Seal, SealVersion, SesSignature, SignatureCheck,
    Tolerance, detect,
};

/// The largest seal or signature accepted (4 MiB).
pub const MAX_INPUT: usize = 4 * 1024 * 1024;
/// The largest seal picture accepted (2 MiB).
pub const MAX_PICTURE: usize = 2 * 1024 * 1024;
/// The most entries accepted in a seal's `certList`.
pub const MAX_CERTS: usize = 64;
/// The most entries accepted in one `ExtensionDatas`.
pub const MAX_EXT_DATAS: usize = 64;

/// SM2 signature with SM3 as misspelled by one Java library ("1.2.156.10197.501", missing
/// ".1"); tolerated when verifying, reported as [`Tolerance::MisspelledSm2Oid`].
pub const SM2_WITH_SM3_MISSPELLED: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.156.10197.501");

/// The picture types GB/T 38540 names (plus "ofd", used by tax-bureau seals); only these are
/// produced.
pub const PICTURE_TYPES: [&str; 6] = ["PNG", "GIF", "BMP", "JPG", "SVG", "ofd"];

/// Errors reading, checking or building seals and signatures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// An input, picture or other element is larger than allowed.
    #[error("{what} is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size in bytes.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// A list has more entries than allowed.
    #[error("{what} has more than the {max} entries allowed")]
    TooMany {
        /// Which list.
        what: &'static str,
        /// The limit.
        max: usize,
    },
    /// The bytes are not a seal or signature of a layout we know (message says which element).
    #[error("malformed {0}")]
    Malformed(String),
    /// A certificate inside the seal or signature cannot be used.
    #[error("certificate: {0}")]
    Certificate(String),
    /// A signature value does not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// Another cryptographic failure (unsupported algorithm, malformed key or signature value).
    #[error(transparent)]
    Crypto(CryptoError),
    /// The signature's `timeInfo` could not be read as a time.
    #[error("no usable signing time (timeInfo '{0}')")]
    NoSigningTime(String),
    /// The signing time is before the seal's `validStart`.
    #[error("seal not yet valid at signing time {signing_time} (validStart {valid_start})")]
    SealNotYetValid {
        /// Signing time, Unix seconds.
        signing_time: i64,
        /// validStart, Unix seconds.
        valid_start: i64,
    },
    /// The signing time is after the seal's `validEnd`.
    #[error("seal expired at signing time {signing_time} (validEnd {valid_end})")]
    SealExpired {
        /// Signing time, Unix seconds.
        signing_time: i64,
        /// validEnd, Unix seconds.
        valid_end: i64,
    },
    /// Building a seal or signature failed (invalid field, encoding error, key mismatch).
    #[error("cannot build: {0}")]
    Build(String),
}

impl From<CryptoError> for SealError {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::BadSignature => SealError::BadSignature,
            other => SealError::Crypto(other),
        }
    }
}

impl From<der::Error> for SealError {
    fn from(e: der::Error) -> Self {
        SealError::Build(format!("encoding: {e}"))
    }
}

fn malformed(what: &str, msg: impl std::fmt::Display) -> SealError {
    SealError::Malformed(format!("{what}: {msg}"))
}
