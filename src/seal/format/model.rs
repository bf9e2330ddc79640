//! The public model of seals and signatures as read ([`Seal`], [`SesSignature`] and their
//! parts, [`SignatureCheck`], [`Tolerance`]) and [`detect`], which tells one from the other.
//!
//! Owns the data types; how they are read, checked and built lives in `read`, `check` and
//! `build`. Must not import the TLV walker, the `der` derive structures or the crypto
//! operations (only the key kind type).

use crate::crypto::verify::PublicKeyKind;
use der::asn1::ObjectIdentifier;
use serde::Serialize;
/// Which standard's layout a seal or signature has (decided by its number of elements, not by
/// `header.version`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SealVersion {
    /// GM/T 0031-2014: `SESeal` of 2 elements, `SES_Signature` of 2 elements.
    V1,
    /// GB/T 38540-2020: `SESeal` of 4 (or, draft "v5", 5) elements, `SES_Signature` of 4 or 5.
    V4,
}

/// `SES_Header`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// `ID`, normally "ES".
    pub id: String,
    /// `version` as written (not used to tell v1 from v4).
    pub version: i64,
    /// `Vid`, the vendor identifier.
    pub vid: String,
}

/// One entry of a seal's `certList`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertRef {
    /// A certificate (DER), from an OCTET STRING, or an IA5String holding the DER or its
    /// Base64 (v1 tolerance).
    Cert(Vec<u8>),
    /// A certificate digest (certListType 2).
    Digest {
        /// The digest algorithm as written (e.g. "SM3", "SHA-256", or an OID in text).
        alg: String,
        /// The digest value.
        value: Vec<u8>,
    },
    /// An entry that is not a certificate (e.g. the IA5String "1" dms360 writes); kept and
    /// reported, never matches a signer.
    Opaque(Vec<u8>),
}

/// `SES_ESPictrueInfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    /// Type: "PNG", "GIF", "BMP", "JPG", "SVG", "ofd" (any text is read).
    pub kind: String,
    /// Picture bytes (for "ofd": a small OFD package).
    pub data: Vec<u8>,
    /// Width in millimetres.
    pub width_mm: i64,
    /// Height in millimetres.
    pub height_mm: i64,
}

/// One `ExtensionDatas` entry, kept whatever its OID (unknown and critical ones included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtData {
    /// extnID.
    pub oid: ObjectIdentifier,
    /// critical (absent = false).
    pub critical: bool,
    /// extnValue (the OCTET STRING content; the whole element if another type was used).
    pub value: Vec<u8>,
}

impl ExtData {
    /// What a known vendor extension is (seals.md), or `None` for an unknown one.
    pub fn known_name(&self) -> Option<&'static str> {
        match self.oid.to_string().as_str() {
            "1.2.156.10197.6.7.2.2.1" => Some("tax bureau seal extension"),
            "2.16.156.514556.402" | "2.16.156.514556.403" => Some("Koal vendor extension"),
            "1.2.156.112600.7.1" => Some("Gede: unified social credit code"),
            "1.2.156.112600.7.2" | "1.2.156.112600.7.3" => Some("Gede: organization name"),
            _ => None,
        }
    }
}

/// A tolerance applied while verifying a signature, reported so that a verification report
/// can say what was not by the book.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Tolerance {
    /// The signature algorithm was SM2-1 (1.2.156.10197.1.301.1) instead of SM2-with-SM3.
    Sm2SignOid,
    /// The signature algorithm was the misspelled "1.2.156.10197.501".
    MisspelledSm2Oid,
    /// The signature value was raw 64-byte `r‖s` instead of DER.
    RawSignature,
}

/// The outcome of a signature check that passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureCheck {
    /// The kind of the verifying key.
    pub key: PublicKeyKind,
    /// Tolerances applied.
    pub tolerated: Vec<Tolerance>,
}

/// An electronic seal (`SESeal`), v1 or v4.
#[derive(Clone, Debug)]
pub struct Seal {
    /// Layout.
    pub version: SealVersion,
    /// `SES_Header`.
    pub header: Header,
    /// `esID`.
    pub es_id: String,
    /// Seal type (business-defined).
    pub seal_type: i64,
    /// Seal name.
    pub name: String,
    /// `certListType` (1 certificates, 2 digests); `None` in the v1 property layout.
    pub cert_list_type: Option<i64>,
    /// `certList`.
    pub cert_list: Vec<CertRef>,
    /// `createDate`, Unix seconds.
    pub create_date: i64,
    /// `validStart`, Unix seconds.
    pub valid_start: i64,
    /// `validEnd`, Unix seconds.
    pub valid_end: i64,
    /// `picture`.
    pub picture: Picture,
    /// `extDatas` (empty when absent).
    pub ext_datas: Vec<ExtData>,
    /// The seal maker's certificate (DER, as found).
    pub maker_cert: Vec<u8>,
    /// The maker's signature algorithm.
    pub sign_alg: ObjectIdentifier,
    /// The maker's signature value (DER or raw `r‖s`, as found).
    pub signature: Vec<u8>,
    /// The exact bytes the maker signed: v4 `eSealInfo` as found; v1
    /// `SEQUENCE { esealInfo, cert, signatureAlgorithm }` from the elements as found.
    pub signed_bytes: Vec<u8>,
    /// A fifth element (draft "v5" `[0]` timestamp), as found; `None` otherwise.
    pub draft_timestamp: Option<Vec<u8>>,
    /// The whole seal as found.
    pub der: Vec<u8>,
}

/// An electronic signature (`SES_Signature`), v1 or v4.
#[derive(Clone, Debug)]
pub struct SesSignature {
    /// Layout of the signature (the embedded seal has its own).
    pub version: SealVersion,
    /// `TBS_Sign.version` as written.
    pub tbs_version: i64,
    /// The embedded seal.
    pub seal: Seal,
    /// `timeInfo`, Unix seconds, when readable.
    pub time_info: Option<i64>,
    /// `timeInfo` as written.
    pub time_info_text: String,
    /// `dataHash`.
    pub data_hash: Vec<u8>,
    /// `propertyInfo`.
    pub property_info: String,
    /// `TBS_Sign.extDatas` (empty when absent).
    pub ext_datas: Vec<ExtData>,
    /// The signer's certificate (DER, as found).
    pub signer_cert: Vec<u8>,
    /// The signature algorithm.
    pub sign_alg: ObjectIdentifier,
    /// The signature value (DER or raw `r‖s`, as found).
    pub signature: Vec<u8>,
    /// The v4 `[0]` timestamp token (the BIT STRING content), when present.
    pub timestamp: Option<Vec<u8>>,
    /// The exact bytes of `TBS_Sign` as found.
    pub tbs_bytes: Vec<u8>,
}

/// What a blob is.
#[derive(Debug)]
pub enum Detected {
    /// A seal.
    Seal(Box<Seal>),
    /// An electronic signature.
    Signature(Box<SesSignature>),
    /// Neither (the reason).
    Unknown(String),
}

/// Tell a seal from a signature from anything else (CMS, garbage).
pub fn detect(der_bytes: &[u8]) -> Detected {
    let seal_err = match Seal::from_der(der_bytes) {
        Ok(s) => return Detected::Seal(Box::new(s)),
        Err(e) => e,
    };
    match SesSignature::from_der(der_bytes) {
        Ok(s) => Detected::Signature(Box::new(s)),
        Err(sig_err) => Detected::Unknown(format!(
            "not a seal ({seal_err}); not a signature ({sig_err})"
        )),
    }
}
