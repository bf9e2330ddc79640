//! Seal and signature formats: tolerant decoding of GM/T 0031 (v1) and GB/T 38540 (v4) seals
//! and signatures, the checks that need no trust anchor, and DER encoding of v4 seals and
//! signatures.
//!
//! Decoding goes through a small TLV walker rather than a strict DER decoder: real files carry
//! explicitly encoded DEFAULT values (`critical FALSE`), strings where the standard says OCTET
//! STRING, several time formats and raw `r‖s` signatures. Every signature is verified over the
//! exact bytes found in the file, never over a re-encoding.
//!
//! Limits: inputs over [`MAX_INPUT`] bytes, pictures over [`MAX_PICTURE`] bytes and `certList`s
//! of more than [`MAX_CERTS`] entries are refused.

use crate::crypto::verify::{PublicKeyKind, classify_spki, verify_signature, verify_sm2_with_id};
use crate::crypto::{CryptoError, SM2_DEFAULT_ID, Signer, oid};
use der::Encode;
use der::asn1::{BitString, GeneralizedTime, Ia5String, ObjectIdentifier, OctetString};
use serde::Serialize;
use std::time::Duration;

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

// ---------------------------------------------------------------------------------------------
// ASN.1 structures (derive), used to produce v4 and documenting both versions.
// ---------------------------------------------------------------------------------------------

/// The ASN.1 structures of GB/T 38540 (v4) and GM/T 0031 (v1), as `der` derives.
///
/// They encode what yinxin produces (v4) and can build v1 structures for tests; reading goes
/// through the tolerant walker of the parent module ([`Seal::from_der`],
/// [`SesSignature::from_der`]), because real files are not always strict DER.
pub mod asn1 {
    use der::asn1::{
        Any, BitString, GeneralizedTime, Ia5String, ObjectIdentifier, OctetString, PrintableString,
        UtcTime,
    };
    use der::{Decode, Encode, Length, Reader, Sequence, Writer};

    /// One complete element (tag, length, value) carried as its exact bytes, so that a
    /// structure can embed something (a seal, a `TBS_Sign`) without re-encoding it.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct RawElement(pub Vec<u8>);

    impl Encode for RawElement {
        fn encoded_len(&self) -> der::Result<Length> {
            Length::try_from(self.0.len())
        }
        fn encode(&self, writer: &mut impl Writer) -> der::Result<()> {
            writer.write(&self.0)
        }
    }

    impl<'a> Decode<'a> for RawElement {
        type Error = der::Error;
        fn decode<R: Reader<'a>>(reader: &mut R) -> der::Result<Self> {
            Ok(RawElement(reader.tlv_bytes()?.to_vec()))
        }
    }

    /// ```asn1
    /// SES_Header ::= SEQUENCE { ID IA5String, version INTEGER, Vid IA5String }
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct SesHeader {
        /// Always "ES".
        pub id: Ia5String,
        /// 4 for GB/T 38540, 1 (sometimes 2) for GM/T 0031.
        pub version: i64,
        /// Vendor identifier.
        pub vid: Ia5String,
    }

    /// One entry of a v4 `certDigestList`:
    /// ```asn1
    /// SEQUENCE { type PrintableString, value OCTET STRING }
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct CertDigest {
        /// Digest algorithm name, e.g. "SM3".
        pub kind: PrintableString,
        /// Digest of the certificate DER.
        pub value: OctetString,
    }

    /// ```asn1
    /// certList CHOICE { certs SEQUENCE OF OCTET STRING,
    ///                   certDigestList SEQUENCE OF SEQUENCE { type PrintableString, value OCTET STRING } }
    /// ```
    /// Both alternatives are SEQUENCEs: which one is meant is said by `certListType` (1 or 2).
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum CertList {
        /// certListType 1: certificates (DER).
        Certs(Vec<OctetString>),
        /// certListType 2: certificate digests.
        Digests(Vec<CertDigest>),
    }

    impl Encode for CertList {
        fn encoded_len(&self) -> der::Result<Length> {
            match self {
                CertList::Certs(v) => v.encoded_len(),
                CertList::Digests(v) => v.encoded_len(),
            }
        }
        fn encode(&self, writer: &mut impl Writer) -> der::Result<()> {
            match self {
                CertList::Certs(v) => v.encode(writer),
                CertList::Digests(v) => v.encode(writer),
            }
        }
    }

    impl<'a> Decode<'a> for CertList {
        type Error = der::Error;
        fn decode<R: Reader<'a>>(reader: &mut R) -> der::Result<Self> {
            let any = Any::decode(reader)?;
            match any.decode_as::<Vec<OctetString>>() {
                Ok(v) => Ok(CertList::Certs(v)),
                Err(_) => Ok(CertList::Digests(any.decode_as::<Vec<CertDigest>>()?)),
            }
        }
    }

    /// ```asn1
    /// SES_ESPropertyInfo ::= SEQUENCE {
    ///   type          INTEGER,
    ///   name          UTF8String,
    ///   certListType  INTEGER,            -- 1 = list of certificates, 2 = list of certificate digests
    ///   certList      CHOICE { certs SEQUENCE OF OCTET STRING,
    ///                          certDigestList SEQUENCE OF SEQUENCE { type PrintableString, value OCTET STRING } },
    ///   createDate    GeneralizedTime,
    ///   validStart    GeneralizedTime,
    ///   validEnd      GeneralizedTime }
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct PropertyInfoV4 {
        /// Seal type (business-defined).
        pub seal_type: i64,
        /// Seal name.
        pub name: String,
        /// 1 = certificates, 2 = digests.
        pub cert_list_type: i64,
        /// The certificates (or digests) allowed to use the seal.
        pub cert_list: CertList,
        /// When the seal was made.
        pub create_date: GeneralizedTime,
        /// Start of validity.
        pub valid_start: GeneralizedTime,
        /// End of validity.
        pub valid_end: GeneralizedTime,
    }

    /// ```asn1
    /// SES_ESPictrueInfo ::= SEQUENCE {   -- (sic)
    ///   type IA5String,                  -- "PNG"/"GIF"/"BMP"/"JPG"/"SVG"/"ofd"
    ///   data OCTET STRING,
    ///   width INTEGER,                   -- mm
    ///   height INTEGER }                 -- mm
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct PictureInfo {
        /// Picture type.
        pub kind: Ia5String,
        /// Picture bytes.
        pub data: OctetString,
        /// Width in millimetres.
        pub width: i64,
        /// Height in millimetres.
        pub height: i64,
    }

    /// One entry of
    /// ```asn1
    /// ExtensionDatas ::= SEQUENCE OF SEQUENCE {
    ///   extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct ExtensionData {
        /// extnID
        pub extn_id: ObjectIdentifier,
        /// critical (omitted when FALSE)
        #[asn1(default = "Default::default")]
        pub critical: bool,
        /// extnValue
        pub extn_value: OctetString,
    }

    /// ```asn1
    /// SES_SealInfo ::= SEQUENCE {
    ///   header    SES_Header,
    ///   esID      IA5String,
    ///   property  SES_ESPropertyInfo,
    ///   picture   SES_ESPictrueInfo,
    ///   extDatas  ExtensionDatas OPTIONAL }   -- untagged in every real file
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct SealInfoV4 {
        /// header
        pub header: SesHeader,
        /// esID
        pub es_id: Ia5String,
        /// property
        pub property: PropertyInfoV4,
        /// picture
        pub picture: PictureInfo,
        /// extDatas
        #[asn1(optional = "true")]
        pub ext_datas: Option<Vec<ExtensionData>>,
    }

    /// ```asn1
    /// SESeal ::= SEQUENCE {
    ///   eSealInfo    SES_SealInfo,
    ///   cert         OCTET STRING,        -- seal-maker certificate (DER)
    ///   signAlgID    OBJECT IDENTIFIER,   -- 1.2.156.10197.1.501
    ///   signedValue  BIT STRING }         -- maker's signature over DER(eSealInfo) only
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct SealV4 {
        /// eSealInfo
        pub e_seal_info: SealInfoV4,
        /// cert
        pub cert: OctetString,
        /// signAlgID
        pub sign_alg_id: ObjectIdentifier,
        /// signedValue
        pub signed_value: BitString,
    }

    /// ```asn1
    /// TBS_Sign ::= SEQUENCE {
    ///   version       INTEGER,            -- 4, same as the seal
    ///   eseal         SESeal,
    ///   timeInfo      GeneralizedTime,
    ///   dataHash      BIT STRING,         -- SM3 of the protected data (for OFD: of Signature.xml)
    ///   propertyInfo  IA5String,          -- what was protected (for OFD: the path of Signature.xml)
    ///   extDatas [0]  EXPLICIT ExtensionDatas OPTIONAL }
    /// ```
    /// `eseal` is embedded as its exact bytes.
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct TbsSignV4 {
        /// version
        pub version: i64,
        /// eseal (exact bytes)
        pub eseal: RawElement,
        /// timeInfo
        pub time_info: GeneralizedTime,
        /// dataHash
        pub data_hash: BitString,
        /// propertyInfo
        pub property_info: Ia5String,
        /// extDatas
        #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
        pub ext_datas: Option<Vec<ExtensionData>>,
    }

    /// ```asn1
    /// SES_Signature ::= SEQUENCE {
    ///   toSign          TBS_Sign,
    ///   cert            OCTET STRING,     -- signer certificate (DER)
    ///   signatureAlgID  OBJECT IDENTIFIER,
    ///   signature       BIT STRING,       -- signer's signature over the exact TBS_Sign bytes
    ///   timeStamp  [0]  EXPLICIT BIT STRING OPTIONAL }  -- RFC 3161 / GB/T 20520 token over `signature`
    /// ```
    /// `toSign` is embedded as its exact bytes.
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct SesSignatureV4 {
        /// toSign (exact bytes)
        pub to_sign: RawElement,
        /// cert
        pub cert: OctetString,
        /// signatureAlgID
        pub signature_alg_id: ObjectIdentifier,
        /// signature
        pub signature: BitString,
        /// timeStamp
        #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
        pub time_stamp: Option<BitString>,
    }

    /// GM/T 0031 property (no certListType):
    /// ```asn1
    /// SEQUENCE { type INTEGER, name UTF8String, certList SEQUENCE OF cert,
    ///            createDate UTCTime, validStart UTCTime, validEnd UTCTime }
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct PropertyInfoV1 {
        /// type
        pub seal_type: i64,
        /// name
        pub name: String,
        /// certList
        pub cert_list: Vec<OctetString>,
        /// createDate
        pub create_date: UtcTime,
        /// validStart
        pub valid_start: UtcTime,
        /// validEnd
        pub valid_end: UtcTime,
    }

    /// GM/T 0031 `SES_SealInfo`: as v4, with the v1 property.
    /// ```asn1
    /// SES_SealInfo ::= SEQUENCE { header SES_Header, esID IA5String, property SES_ESPropertyInfo,
    ///                             picture SES_ESPictrueInfo, extDatas ExtensionDatas OPTIONAL }
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct SealInfoV1 {
        /// header
        pub header: SesHeader,
        /// esID
        pub es_id: Ia5String,
        /// property
        pub property: PropertyInfoV1,
        /// picture
        pub picture: PictureInfo,
        /// extDatas
        #[asn1(optional = "true")]
        pub ext_datas: Option<Vec<ExtensionData>>,
    }

    /// ```asn1
    /// SES_SignInfo ::= SEQUENCE { cert OCTET STRING, signatureAlgorithm OBJECT IDENTIFIER, signData BIT STRING }
    ///    -- maker signs DER(SEQUENCE { esealInfo, cert, signatureAlgorithm })
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct SignInfoV1 {
        /// cert
        pub cert: OctetString,
        /// signatureAlgorithm
        pub signature_algorithm: ObjectIdentifier,
        /// signData
        pub sign_data: BitString,
    }

    /// ```asn1
    /// SESeal ::= SEQUENCE { esealInfo SES_SealInfo, signInfo SES_SignInfo }
    /// ```
    /// `esealInfo` is embedded as its exact bytes (the maker signed them).
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct SealV1 {
        /// esealInfo (exact bytes)
        pub eseal_info: RawElement,
        /// signInfo
        pub sign_info: SignInfoV1,
    }

    /// ```asn1
    /// TBS_Sign ::= SEQUENCE { version INTEGER, eseal SESeal, timeInfo BIT STRING, dataHash BIT STRING,
    ///   propertyInfo IA5String, cert OCTET STRING, signatureAlgorithm OBJECT IDENTIFIER }
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct TbsSignV1 {
        /// version
        pub version: i64,
        /// eseal (exact bytes)
        pub eseal: RawElement,
        /// timeInfo (text in a BIT STRING)
        pub time_info: BitString,
        /// dataHash
        pub data_hash: BitString,
        /// propertyInfo
        pub property_info: Ia5String,
        /// cert (signer)
        pub cert: OctetString,
        /// signatureAlgorithm
        pub signature_algorithm: ObjectIdentifier,
    }

    /// ```asn1
    /// SES_Signature ::= SEQUENCE { toSign TBS_Sign, signature BIT STRING }
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct SesSignatureV1 {
        /// toSign (exact bytes)
        pub to_sign: RawElement,
        /// signature
        pub signature: BitString,
    }
}

// ---------------------------------------------------------------------------------------------
// Tolerant TLV walker.
// ---------------------------------------------------------------------------------------------

mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const OID: u8 = 0x06;
    pub const UTF8: u8 = 0x0c;
    pub const NUMERIC: u8 = 0x12;
    pub const PRINTABLE: u8 = 0x13;
    pub const T61: u8 = 0x14;
    pub const IA5: u8 = 0x16;
    pub const UTC_TIME: u8 = 0x17;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const VISIBLE: u8 = 0x1a;
    pub const GENERAL: u8 = 0x1b;
    pub const BMP: u8 = 0x1e;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    pub const CTX0_PRIMITIVE: u8 = 0x80;
    pub const CTX0: u8 = 0xa0;
}

/// One element: its tag byte, its whole encoding (header and value) and its value.
#[derive(Clone, Copy, Debug)]
struct Tlv<'a> {
    tag: u8,
    raw: &'a [u8],
    value: &'a [u8],
}

/// Read one element from the front of `input`. Definite lengths only (short or long form, up
/// to 4 length bytes, non-minimal forms tolerated); low tag numbers only.
fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), String> {
    let tag = *input.first().ok_or("unexpected end of data")?;
    if tag & 0x1f == 0x1f {
        return Err(format!("unsupported high tag number (tag byte {tag:#04x})"));
    }
    let first = *input.get(1).ok_or("truncated length")?;
    let (len, header_len) = if first < 0x80 {
        (first as usize, 2usize)
    } else if first == 0x80 {
        return Err("indefinite length (BER) is not supported".into());
    } else {
        let n = (first & 0x7f) as usize;
        if n > 4 {
            return Err(format!("{n}-byte length"));
        }
        let bytes = input.get(2..2 + n).ok_or("truncated length")?;
        let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, 2 + n)
    };
    let end = header_len.checked_add(len).ok_or("length overflow")?;
    let raw = input
        .get(..end)
        .ok_or_else(|| format!("element of {len} bytes overruns its container"))?;
    let value = raw.get(header_len..).ok_or("length overflow")?;
    let rest = input.get(end..).ok_or("length overflow")?;
    Ok((Tlv { tag, raw, value }, rest))
}

/// Read exactly one element filling `input`.
fn read_one<'a>(input: &'a [u8], what: &str) -> Result<Tlv<'a>, SealError> {
    let (t, rest) = read_tlv(input).map_err(|e| malformed(what, e))?;
    if !rest.is_empty() {
        return Err(malformed(
            what,
            format!("{} bytes of trailing data", rest.len()),
        ));
    }
    Ok(t)
}

/// The elements inside a constructed value, at most `max` of them.
fn children<'a>(t: &Tlv<'a>, max: usize, what: &str) -> Result<Vec<Tlv<'a>>, SealError> {
    if t.tag & 0x20 == 0 {
        return Err(malformed(what, "expected a constructed element"));
    }
    let mut out = Vec::new();
    let mut rest = t.value;
    while !rest.is_empty() {
        if out.len() >= max {
            return Err(malformed(what, format!("more than {max} elements")));
        }
        let (c, r) = read_tlv(rest).map_err(|e| malformed(what, e))?;
        out.push(c);
        rest = r;
    }
    Ok(out)
}

/// The entries of a bounded list (`certList`, `ExtensionDatas`): more than `max` is
/// [`SealError::TooMany`].
fn list_children<'a>(
    t: &Tlv<'a>,
    max: usize,
    list: &'static str,
    what: &str,
) -> Result<Vec<Tlv<'a>>, SealError> {
    if t.tag & 0x20 == 0 {
        return Err(malformed(what, "expected a constructed element"));
    }
    let mut out = Vec::new();
    let mut rest = t.value;
    while !rest.is_empty() {
        if out.len() >= max {
            return Err(SealError::TooMany { what: list, max });
        }
        let (c, r) = read_tlv(rest).map_err(|e| malformed(what, e))?;
        out.push(c);
        rest = r;
    }
    Ok(out)
}

fn expect_tag(t: &Tlv<'_>, tag: u8, what: &str) -> Result<(), SealError> {
    if t.tag != tag {
        return Err(malformed(
            what,
            format!("expected tag {tag:#04x}, found {:#04x}", t.tag),
        ));
    }
    Ok(())
}

fn get<'a, 'b>(items: &'b [Tlv<'a>], i: usize, what: &str) -> Result<&'b Tlv<'a>, SealError> {
    items.get(i).ok_or_else(|| malformed(what, "missing"))
}

fn seq_children<'a>(t: &Tlv<'a>, max: usize, what: &str) -> Result<Vec<Tlv<'a>>, SealError> {
    expect_tag(t, tag::SEQUENCE, what)?;
    children(t, max, what)
}

fn integer(t: &Tlv<'_>, what: &str) -> Result<i64, SealError> {
    expect_tag(t, tag::INTEGER, what)?;
    let v = t.value;
    let Some(&first) = v.first() else {
        return Err(malformed(what, "empty INTEGER"));
    };
    let negative = first & 0x80 != 0;
    // Drop redundant sign-extension bytes (non-minimal encodings tolerated).
    let mut start = 0;
    while start + 1 < v.len() {
        let (b, next) = (v[start], v[start + 1]);
        if (b == 0x00 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    let v = &v[start..];
    if v.len() > 8 {
        return Err(malformed(what, "INTEGER out of range"));
    }
    let mut acc: i64 = if negative { -1 } else { 0 };
    for b in v {
        acc = (acc << 8) | i64::from(*b);
    }
    Ok(acc)
}

fn is_string_tag(t: u8) -> bool {
    matches!(
        t,
        tag::UTF8
            | tag::NUMERIC
            | tag::PRINTABLE
            | tag::T61
            | tag::IA5
            | tag::VISIBLE
            | tag::GENERAL
            | tag::BMP
    )
}

/// Any character string type, decoded leniently (invalid UTF-8 is replaced, never fatal).
fn text(t: &Tlv<'_>, what: &str) -> Result<String, SealError> {
    if !is_string_tag(t.tag) {
        return Err(malformed(
            what,
            format!("expected a character string, found tag {:#04x}", t.tag),
        ));
    }
    Ok(decode_text(t.tag, t.value))
}

fn decode_text(tag_byte: u8, v: &[u8]) -> String {
    if tag_byte == tag::BMP {
        let units: Vec<u16> = v
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(v).into_owned()
    }
}

fn octets(t: &Tlv<'_>, what: &str) -> Result<Vec<u8>, SealError> {
    expect_tag(t, tag::OCTET_STRING, what)?;
    Ok(t.value.to_vec())
}

/// The bytes of a BIT STRING (the unused-bits count is dropped); an OCTET STRING is tolerated.
fn bits(t: &Tlv<'_>, what: &str) -> Result<Vec<u8>, SealError> {
    match t.tag {
        tag::BIT_STRING => match t.value.split_first() {
            Some((unused, rest)) if *unused <= 7 => Ok(rest.to_vec()),
            Some(_) => Err(malformed(
                what,
                "BIT STRING with an invalid unused-bits count",
            )),
            None => Err(malformed(what, "empty BIT STRING")),
        },
        tag::OCTET_STRING => Ok(t.value.to_vec()),
        other => Err(malformed(
            what,
            format!("expected BIT STRING, found tag {other:#04x}"),
        )),
    }
}

fn oid_of(t: &Tlv<'_>, what: &str) -> Result<ObjectIdentifier, SealError> {
    expect_tag(t, tag::OID, what)?;
    ObjectIdentifier::from_bytes(t.value).map_err(|e| malformed(what, e))
}

/// DER header for `len` bytes of value.
fn der_header(tag_byte: u8, len: usize) -> Vec<u8> {
    let mut h = vec![tag_byte];
    if len < 0x80 {
        h.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let sig = &bytes[skip..];
        h.push(0x80 | sig.len() as u8);
        h.extend_from_slice(sig);
    }
    h
}

// ---------------------------------------------------------------------------------------------
// Times.
// ---------------------------------------------------------------------------------------------

/// Offset assumed for times written without a zone ("yyyy-MM-dd HH:mm:ss", zone-less
/// GeneralizedTime): China Standard Time, UTC+8, as the vendors' own `SignatureDateTime`
/// values show (dms360: "2020-01-25 15:31:56" for 07:31:56Z).
const ZONELESS_OFFSET_SECS: i32 = 8 * 3600;

/// Unix seconds of a time written as UTCTime ("YYMMDDhhmm[ss]Z"), GeneralizedTime
/// ("YYYYMMDDhhmmss[.f]Z", offsets allowed), ISO 8601 ("2020-01-25T07:31:56.377Z") or
/// "yyyy-MM-dd HH:mm:ss". Fractions are dropped; no zone means UTC+8.
fn parse_time_text(s: &str, utc_time: bool) -> Option<i64> {
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    if s.len() > 64 {
        return None;
    }
    let (body, offset) = if let Some(b) = s.strip_suffix(['Z', 'z']) {
        (b, Some(0))
    } else {
        match s
            .char_indices()
            .rev()
            .find(|(i, c)| (*c == '+' || *c == '-') && *i > 10)
        {
            Some((i, c)) => {
                let digits: String = s.get(i + 1..)?.chars().filter(|c| *c != ':').collect();
                if !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let (h, m) = match digits.len() {
                    2 => (digits.parse::<i32>().ok()?, 0),
                    4 => (
                        digits.get(0..2)?.parse::<i32>().ok()?,
                        digits.get(2..4)?.parse::<i32>().ok()?,
                    ),
                    _ => return None,
                };
                let secs = h * 3600 + m * 60;
                (s.get(..i)?, Some(if c == '-' { -secs } else { secs }))
            }
            None => (s, None),
        }
    };
    let body = body.split(['.', ',']).next()?;
    let mut digits = Vec::with_capacity(14);
    for c in body.chars() {
        match c {
            '0'..='9' => digits.push(c as u8 - b'0'),
            '-' | ':' | 'T' | 't' | ' ' | '/' => {}
            _ => return None,
        }
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        digits
            .get(r)
            .map(|d| d.iter().fold(0u32, |a, x| a * 10 + u32::from(*x)))
    };
    let (year, rest_at) = match (digits.len(), utc_time) {
        (10 | 12, true) => {
            let yy = num(0..2)? as i32;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        (12 | 14, false) => (num(0..4)? as i32, 4),
        _ => return None,
    };
    let month = num(rest_at..rest_at + 2)?;
    let day = num(rest_at + 2..rest_at + 4)?;
    let hour = num(rest_at + 4..rest_at + 6)?;
    let minute = num(rest_at + 6..rest_at + 8)?;
    let second = if digits.len() > rest_at + 8 {
        num(rest_at + 8..rest_at + 10)?
    } else {
        0
    };
    let date = time::Date::from_calendar_date(
        year,
        time::Month::try_from(u8::try_from(month).ok()?).ok()?,
        u8::try_from(day).ok()?,
    )
    .ok()?;
    let tm = time::Time::from_hms(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
    )
    .ok()?;
    let off = time::UtcOffset::from_whole_seconds(offset.unwrap_or(ZONELESS_OFFSET_SECS)).ok()?;
    Some(
        time::PrimitiveDateTime::new(date, tm)
            .assume_offset(off)
            .unix_timestamp(),
    )
}

/// A date of the seal: UTCTime or GeneralizedTime (either in v1 and v4), or a string.
fn seal_date(t: &Tlv<'_>, what: &str) -> Result<i64, SealError> {
    let utc = match t.tag {
        tag::UTC_TIME => true,
        tag::GENERALIZED_TIME => false,
        x if is_string_tag(x) => false,
        other => {
            return Err(malformed(
                what,
                format!("expected a time, found tag {other:#04x}"),
            ));
        }
    };
    let s = decode_text(t.tag, t.value);
    parse_time_text(&s, utc).ok_or_else(|| malformed(what, format!("unreadable time '{s}'")))
}

/// The text of a `timeInfo` (GeneralizedTime, UTCTime, BIT STRING or string) and its time.
fn time_info(t: &Tlv<'_>) -> Result<(String, Option<i64>), SealError> {
    let (s, utc) = match t.tag {
        tag::UTC_TIME => (decode_text(t.tag, t.value), true),
        tag::GENERALIZED_TIME | tag::OCTET_STRING => (decode_text(t.tag, t.value), false),
        tag::BIT_STRING => (
            String::from_utf8_lossy(&bits(t, "TBS_Sign.timeInfo")?).into_owned(),
            false,
        ),
        x if is_string_tag(x) => (decode_text(x, t.value), false),
        other => {
            return Err(malformed(
                "TBS_Sign.timeInfo",
                format!("unexpected tag {other:#04x}"),
            ));
        }
    };
    let s = s
        .trim_matches(|c: char| c == '\0' || c.is_whitespace())
        .to_string();
    let parsed = parse_time_text(&s, utc);
    Ok((s, parsed))
}

fn generalized_time(secs: i64, what: &str) -> Result<GeneralizedTime, SealError> {
    let secs = u64::try_from(secs).map_err(|_| SealError::Build(format!("{what} before 1970")))?;
    GeneralizedTime::from_unix_duration(Duration::from_secs(secs))
        .map_err(|e| SealError::Build(format!("{what}: {e}")))
}

// ---------------------------------------------------------------------------------------------
// Public model.
// ---------------------------------------------------------------------------------------------

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

fn check_input_size(der_bytes: &[u8], what: &'static str) -> Result<(), SealError> {
    if der_bytes.len() > MAX_INPUT {
        return Err(SealError::TooLarge {
            what,
            size: der_bytes.len(),
            max: MAX_INPUT,
        });
    }
    Ok(())
}

fn parse_ext_datas(t: &Tlv<'_>, what: &str) -> Result<Vec<ExtData>, SealError> {
    // Untagged in every real file; an EXPLICIT [0] wrapper is unwrapped.
    let inner;
    let t = if t.tag == tag::CTX0 {
        inner = read_one(t.value, what)?;
        &inner
    } else {
        t
    };
    let items = list_children(t, MAX_EXT_DATAS, "ExtensionDatas", what)?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let w = format!("{what}[{i}]");
        let parts = seq_children(item, 3, &w)?;
        let oid = oid_of(get(&parts, 0, &w)?, &format!("{w}.extnID"))?;
        let (critical, value_el) = match parts.len() {
            2 => (false, get(&parts, 1, &w)?),
            3 => {
                let b = get(&parts, 1, &w)?;
                expect_tag(b, tag::BOOLEAN, &format!("{w}.critical"))?;
                (b.value.iter().any(|x| *x != 0), get(&parts, 2, &w)?)
            }
            n => return Err(malformed(&w, format!("{n} elements"))),
        };
        let value = if value_el.tag == tag::OCTET_STRING {
            value_el.value.to_vec()
        } else {
            value_el.raw.to_vec()
        };
        out.push(ExtData {
            oid,
            critical,
            value,
        });
    }
    Ok(out)
}

fn cert_ref(t: &Tlv<'_>, what: &str) -> Result<CertRef, SealError> {
    let looks_like_cert = |b: &[u8]| b.first() == Some(&tag::SEQUENCE);
    match t.tag {
        tag::OCTET_STRING => Ok(if looks_like_cert(t.value) {
            CertRef::Cert(t.value.to_vec())
        } else {
            CertRef::Opaque(t.value.to_vec())
        }),
        x if is_string_tag(x) => {
            if looks_like_cert(t.value) {
                return Ok(CertRef::Cert(t.value.to_vec()));
            }
            use base64::Engine as _;
            let compact: Vec<u8> = t
                .value
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            match base64::engine::general_purpose::STANDARD.decode(&compact) {
                Ok(d) if looks_like_cert(&d) => Ok(CertRef::Cert(d)),
                _ => Ok(CertRef::Opaque(t.value.to_vec())),
            }
        }
        tag::SEQUENCE => {
            let parts = children(t, 4, what)?;
            match parts.first().map(|p| p.tag) {
                // A certificate written directly (Certificate ::= SEQUENCE { SEQUENCE … }).
                Some(tag::SEQUENCE) => Ok(CertRef::Cert(t.raw.to_vec())),
                _ => {
                    if parts.len() != 2 {
                        return Err(malformed(what, "digest entry is not { type, value }"));
                    }
                    let alg = text(get(&parts, 0, what)?, &format!("{what}.type"))?;
                    let v = get(&parts, 1, what)?;
                    let value = match v.tag {
                        tag::OCTET_STRING => v.value.to_vec(),
                        tag::BIT_STRING => bits(v, &format!("{what}.value"))?,
                        x if is_string_tag(x) => v.value.to_vec(),
                        other => {
                            return Err(malformed(
                                what,
                                format!("digest value of tag {other:#04x}"),
                            ));
                        }
                    };
                    Ok(CertRef::Digest { alg, value })
                }
            }
        }
        other => Err(malformed(what, format!("unexpected tag {other:#04x}"))),
    }
}

struct SealInfoFields {
    header: Header,
    es_id: String,
    seal_type: i64,
    name: String,
    cert_list_type: Option<i64>,
    cert_list: Vec<CertRef>,
    create_date: i64,
    valid_start: i64,
    valid_end: i64,
    picture: Picture,
    ext_datas: Vec<ExtData>,
}

fn parse_seal_info(t: &Tlv<'_>) -> Result<SealInfoFields, SealError> {
    let items = seq_children(t, 5, "SES_SealInfo")?;
    if items.len() < 4 {
        return Err(malformed(
            "SES_SealInfo",
            format!("{} elements (expected 4 or 5)", items.len()),
        ));
    }
    // header
    let h = seq_children(get(&items, 0, "SES_Header")?, 3, "SES_Header")?;
    if h.len() != 3 {
        return Err(malformed("SES_Header", format!("{} elements", h.len())));
    }
    let header = Header {
        id: text(get(&h, 0, "SES_Header.ID")?, "SES_Header.ID")?,
        version: integer(get(&h, 1, "SES_Header.version")?, "SES_Header.version")?,
        vid: text(get(&h, 2, "SES_Header.Vid")?, "SES_Header.Vid")?,
    };
    let es_id = text(get(&items, 1, "esID")?, "SES_SealInfo.esID")?;

    // property: 7 elements (v4, with certListType) or 6 (v1)
    let w = "SES_ESPropertyInfo";
    let p = seq_children(get(&items, 2, w)?, 7, w)?;
    let seal_type = integer(get(&p, 0, w)?, "SES_ESPropertyInfo.type")?;
    let name = text(get(&p, 1, w)?, "SES_ESPropertyInfo.name")?;
    let (cert_list_type, list_at) = match p.len() {
        7 => (
            Some(integer(get(&p, 2, w)?, "SES_ESPropertyInfo.certListType")?),
            3,
        ),
        6 => (None, 2),
        n => {
            return Err(malformed(w, format!("{n} elements (expected 6 or 7)")));
        }
    };
    let list_el = get(&p, list_at, w)?;
    if list_el.tag != tag::SEQUENCE && list_el.tag != tag::SET {
        return Err(malformed("SES_ESPropertyInfo.certList", "not a SEQUENCE"));
    }
    let entries = list_children(list_el, MAX_CERTS, "certList", "certList")?;
    let mut cert_list = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        cert_list.push(cert_ref(e, &format!("certList[{i}]"))?);
    }
    let create_date = seal_date(get(&p, list_at + 1, w)?, "createDate")?;
    let valid_start = seal_date(get(&p, list_at + 2, w)?, "validStart")?;
    let valid_end = seal_date(get(&p, list_at + 3, w)?, "validEnd")?;

    // picture
    let w = "SES_ESPictrueInfo";
    let pic = seq_children(get(&items, 3, w)?, 4, w)?;
    if pic.len() != 4 {
        return Err(malformed(w, format!("{} elements", pic.len())));
    }
    let data_el = get(&pic, 1, w)?;
    if data_el.value.len() > MAX_PICTURE {
        return Err(SealError::TooLarge {
            what: "seal picture",
            size: data_el.value.len(),
            max: MAX_PICTURE,
        });
    }
    let picture = Picture {
        kind: text(get(&pic, 0, w)?, "SES_ESPictrueInfo.type")?,
        data: octets(data_el, "SES_ESPictrueInfo.data")?,
        width_mm: integer(get(&pic, 2, w)?, "SES_ESPictrueInfo.width")?,
        height_mm: integer(get(&pic, 3, w)?, "SES_ESPictrueInfo.height")?,
    };
    let ext_datas = match items.get(4) {
        Some(e) => parse_ext_datas(e, "SES_SealInfo.extDatas")?,
        None => Vec::new(),
    };
    Ok(SealInfoFields {
        header,
        es_id,
        seal_type,
        name,
        cert_list_type,
        cert_list,
        create_date,
        valid_start,
        valid_end,
        picture,
        ext_datas,
    })
}

fn parse_seal(t: &Tlv<'_>) -> Result<Seal, SealError> {
    let items = seq_children(t, 5, "SESeal")?;
    let (version, info_el, maker_cert, sign_alg, signature, signed_bytes, draft_timestamp) =
        match items.len() {
            2 => {
                let info = get(&items, 0, "SESeal.esealInfo")?;
                let si = seq_children(get(&items, 1, "SES_SignInfo")?, 3, "SES_SignInfo")?;
                if si.len() != 3 {
                    return Err(malformed("SES_SignInfo", format!("{} elements", si.len())));
                }
                let cert_el = get(&si, 0, "SES_SignInfo.cert")?;
                let alg_el = get(&si, 1, "SES_SignInfo.signatureAlgorithm")?;
                let cert = octets(cert_el, "SES_SignInfo.cert")?;
                let alg = oid_of(alg_el, "SES_SignInfo.signatureAlgorithm")?;
                let sig = bits(
                    get(&si, 2, "SES_SignInfo.signData")?,
                    "SES_SignInfo.signData",
                )?;
                // The maker signed SEQUENCE { esealInfo, cert, signatureAlgorithm } built from
                // the exact element bytes.
                let len = info.raw.len() + cert_el.raw.len() + alg_el.raw.len();
                let mut signed = der_header(tag::SEQUENCE, len);
                signed.extend_from_slice(info.raw);
                signed.extend_from_slice(cert_el.raw);
                signed.extend_from_slice(alg_el.raw);
                (SealVersion::V1, info, cert, alg, sig, signed, None)
            }
            4 | 5 => {
                let info = get(&items, 0, "SESeal.eSealInfo")?;
                let cert = octets(get(&items, 1, "SESeal.cert")?, "SESeal.cert")?;
                let alg = oid_of(get(&items, 2, "SESeal.signAlgID")?, "SESeal.signAlgID")?;
                let sig = bits(get(&items, 3, "SESeal.signedValue")?, "SESeal.signedValue")?;
                let ts = match items.get(4) {
                    Some(x) if x.tag & 0xc0 == 0x80 => Some(x.value.to_vec()),
                    Some(x) => {
                        return Err(malformed(
                            "SESeal",
                            format!("fifth element of tag {:#04x}", x.tag),
                        ));
                    }
                    None => None,
                };
                (SealVersion::V4, info, cert, alg, sig, info.raw.to_vec(), ts)
            }
            n => {
                return Err(malformed(
                    "SESeal",
                    format!("{n} elements (expected 2 for v1, 4 or 5 for v4)"),
                ));
            }
        };
    // A SES_Signature has the same outer shape; its first element starts with an INTEGER.
    let f = parse_seal_info(info_el)?;
    Ok(Seal {
        version,
        header: f.header,
        es_id: f.es_id,
        seal_type: f.seal_type,
        name: f.name,
        cert_list_type: f.cert_list_type,
        cert_list: f.cert_list,
        create_date: f.create_date,
        valid_start: f.valid_start,
        valid_end: f.valid_end,
        picture: f.picture,
        ext_datas: f.ext_datas,
        maker_cert,
        sign_alg,
        signature,
        signed_bytes,
        draft_timestamp,
        der: t.raw.to_vec(),
    })
}

/// The SubjectPublicKeyInfo of a certificate: through the lenient certificate parser, or, if
/// that refuses it, by position in `TBSCertificate`.
fn spki_of(cert_der: &[u8]) -> Result<Vec<u8>, SealError> {
    if let Ok(c) = crate::verify::cert::Cert::from_der(cert_der) {
        return Ok(c.spki_der);
    }
    let w = "certificate";
    let cert = read_one(cert_der, w).map_err(|e| SealError::Certificate(e.to_string()))?;
    let parts = seq_children(&cert, 3, w).map_err(|e| SealError::Certificate(e.to_string()))?;
    let tbs = get(&parts, 0, w).map_err(|e| SealError::Certificate(e.to_string()))?;
    let fields = seq_children(tbs, 10, w).map_err(|e| SealError::Certificate(e.to_string()))?;
    let skip = usize::from(fields.first().map(|f| f.tag) == Some(tag::CTX0));
    // [version] serial signature issuer validity subject spki
    let spki = fields
        .get(skip + 5)
        .ok_or_else(|| SealError::Certificate("no SubjectPublicKeyInfo".into()))?;
    Ok(spki.raw.to_vec())
}

fn is_raw_rs(sig: &[u8]) -> bool {
    sig.len() == 64 && read_one(sig, "signature").is_err()
}

/// Verify `sig` over `message` with the key of `cert_der`, tolerating the SM2 OID variants and
/// raw `r‖s` values seen in real files.
/// Signature checks that passed, keyed by SHA-256 over (certificate, algorithm, SHA-256 of the
/// message, signature): a seal's maker signature is checked once per process, not once per
/// stamped document (signatures over documents are not cached: each is unique). Only successes are kept; the map is cleared when it reaches
/// [`VERIFIED_LIMIT`] entries, so memory stays bounded.
static VERIFIED: std::sync::OnceLock<
    std::sync::Mutex<std::collections::HashMap<[u8; 32], SignatureCheck>>,
> = std::sync::OnceLock::new();
const VERIFIED_LIMIT: usize = 50_000;

fn verify_with_cert_cached(
    cert_der: &[u8],
    alg: ObjectIdentifier,
    message: &[u8],
    sig: &[u8],
) -> Result<SignatureCheck, SealError> {
    let mut k = Vec::with_capacity(cert_der.len() + sig.len() + 64);
    k.extend_from_slice(&(cert_der.len() as u64).to_be_bytes());
    k.extend_from_slice(cert_der);
    k.extend_from_slice(alg.as_bytes());
    k.push(0);
    k.extend_from_slice(&crate::crypto::sha256(message));
    k.extend_from_slice(sig);
    let key = crate::crypto::sha256(&k);
    let cache = VERIFIED.get_or_init(Default::default);
    if let Some(hit) = cache.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return Ok(hit);
    }
    let check = verify_with_cert(cert_der, alg, message, sig)?;
    if let Ok(mut m) = cache.lock() {
        if m.len() >= VERIFIED_LIMIT {
            m.clear();
        }
        m.insert(key, check.clone());
    }
    Ok(check)
}

fn verify_with_cert(
    cert_der: &[u8],
    alg: ObjectIdentifier,
    message: &[u8],
    sig: &[u8],
) -> Result<SignatureCheck, SealError> {
    let spki = spki_of(cert_der)?;
    let (kind, point) =
        classify_spki(&spki).map_err(|e| SealError::Certificate(format!("public key: {e}")))?;
    let mut tolerated = Vec::new();
    let raw = is_raw_rs(sig);
    match kind {
        PublicKeyKind::Sm2 => {
            if alg == oid::SM2_SIGN {
                tolerated.push(Tolerance::Sm2SignOid);
            } else if alg == SM2_WITH_SM3_MISSPELLED {
                tolerated.push(Tolerance::MisspelledSm2Oid);
            } else if alg != oid::SM2_WITH_SM3 {
                return Err(SealError::Crypto(CryptoError::UnsupportedAlgorithm(
                    format!("signature algorithm {alg} with an SM2 key"),
                )));
            }
            if raw {
                tolerated.push(Tolerance::RawSignature);
            }
            verify_sm2_with_id(&point, SM2_DEFAULT_ID, message, sig)?;
        }
        PublicKeyKind::P256 if raw => {
            tolerated.push(Tolerance::RawSignature);
            let s = p256::ecdsa::Signature::from_slice(sig)
                .map_err(|_| SealError::Crypto(CryptoError::MalformedSignature))?;
            verify_signature(&spki, alg, None, message, s.to_der().as_bytes())?;
        }
        _ => verify_signature(&spki, alg, None, message, sig)?,
    }
    Ok(SignatureCheck {
        key: kind,
        tolerated,
    })
}

/// The digest of `data` for a `certDigestList` type name (SM3, SHA-1, SHA-256; names or OIDs).
fn digest_by_name(alg: &str, data: &[u8]) -> Option<Vec<u8>> {
    let a: String = alg
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .collect();
    match a.as_str() {
        "sm3" | "1.2.156.10197.1.401" => Some(crate::crypto::sm3(data).to_vec()),
        "sha1" | "1.3.14.3.2.26" => Some(
            ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, data)
                .as_ref()
                .to_vec(),
        ),
        "sha256" | "2.16.840.1.101.3.4.2.1" => Some(crate::crypto::sha256(data).to_vec()),
        _ => None,
    }
}

/// Whether `value` (raw, or as hex or Base64 text) equals `digest`.
fn digest_value_matches(value: &[u8], digest: &[u8]) -> bool {
    if value == digest {
        return true;
    }
    let Ok(s) = std::str::from_utf8(value) else {
        return false;
    };
    let s = s.trim();
    if hex::decode(s).is_ok_and(|d| d == digest) {
        return true;
    }
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .is_ok_and(|d| d == digest)
}

fn unknown_critical(e: &[ExtData]) -> Vec<&ExtData> {
    e.iter()
        .filter(|e| e.critical && e.known_name().is_none())
        .collect()
}

impl Seal {
    /// Read a seal (v1 or v4, told apart by the number of elements).
    pub fn from_der(der_bytes: &[u8]) -> Result<Seal, SealError> {
        check_input_size(der_bytes, "seal")?;
        let t = read_one(der_bytes, "SESeal")?;
        parse_seal(&t)
    }

    /// Verify the seal maker's signature over [`Seal::signed_bytes`] with the maker
    /// certificate's key (SM2 with the default ID, or ECDSA P-256). Tolerated algorithm OIDs and
    /// raw signature values are reported in the result.
    pub fn verify_maker_signature(&self) -> Result<SignatureCheck, SealError> {
        verify_with_cert_cached(
            &self.maker_cert,
            self.sign_alg,
            &self.signed_bytes,
            &self.signature,
        )
    }

    /// The critical `extDatas` entries that are no known vendor extension: to be reported,
    /// never a reason to fail.
    pub fn unknown_critical_ext_datas(&self) -> Vec<&ExtData> {
        unknown_critical(&self.ext_datas)
    }

    /// Build a v4 seal (DER): encode `SES_SealInfo`, have `maker` sign its DER, and assemble
    /// `SESeal` with `maker_cert_der` (whose key must be the maker's). The signature value is
    /// DER. The result is read back and its maker signature verified before it is returned.
    pub fn encode_v4(
        info: &NewSeal,
        maker: &dyn Signer,
        maker_cert_der: &[u8],
    ) -> Result<Vec<u8>, SealError> {
        let spki = spki_of(maker_cert_der)?;
        if spki != maker.public_key_spki() {
            return Err(SealError::Build(
                "the maker certificate is not for the maker's key".into(),
            ));
        }
        let seal_info = info.to_asn1()?;
        let info_der = seal_info.to_der()?;
        let sig = maker.sign(&info_der)?;
        let seal = asn1::SealV4 {
            e_seal_info: seal_info,
            cert: OctetString::new(maker_cert_der)?,
            sign_alg_id: maker.signature_algorithm_oid(),
            signed_value: BitString::from_bytes(&sig)?,
        };
        let out = seal.to_der()?;
        check_input_size(&out, "seal")?;
        let back = Seal::from_der(&out)?;
        if back.signed_bytes != info_der {
            return Err(SealError::Build("seal did not read back as written".into()));
        }
        back.verify_maker_signature()?;
        Ok(out)
    }
}

/// The content of a new v4 seal (everything but the maker's certificate and signature).
#[derive(Clone, Debug)]
pub struct NewSeal {
    /// `SES_Header.Vid`: our vendor identifier.
    pub vid: String,
    /// `esID`: unique within the issuing region.
    pub es_id: String,
    /// Seal type (business-defined).
    pub seal_type: i64,
    /// Seal name.
    pub name: String,
    /// Certificates (DER) or digests of those allowed to use the seal: all one kind (the kind
    /// sets `certListType`), 1 to [`MAX_CERTS`] entries.
    pub cert_list: Vec<CertRef>,
    /// createDate, Unix seconds.
    pub create_date: i64,
    /// validStart, Unix seconds.
    pub valid_start: i64,
    /// validEnd, Unix seconds.
    pub valid_end: i64,
    /// The picture (type one of [`PICTURE_TYPES`], at most [`MAX_PICTURE`] bytes).
    pub picture: Picture,
    /// Extension data (none is written when empty).
    pub ext_datas: Vec<ExtData>,
}

fn ia5(s: &str, what: &str) -> Result<Ia5String, SealError> {
    Ia5String::new(s).map_err(|_| SealError::Build(format!("{what} is not IA5 (ASCII) text")))
}

fn ext_asn1(e: &[ExtData]) -> Result<Option<Vec<asn1::ExtensionData>>, SealError> {
    if e.is_empty() {
        return Ok(None);
    }
    if e.len() > MAX_EXT_DATAS {
        return Err(SealError::TooMany {
            what: "ExtensionDatas",
            max: MAX_EXT_DATAS,
        });
    }
    e.iter()
        .map(|x| {
            Ok(asn1::ExtensionData {
                extn_id: x.oid,
                critical: x.critical,
                extn_value: OctetString::new(x.value.as_slice())?,
            })
        })
        .collect::<Result<Vec<_>, SealError>>()
        .map(Some)
}

impl NewSeal {
    /// The `SES_SealInfo` structure, after checking every field.
    pub fn to_asn1(&self) -> Result<asn1::SealInfoV4, SealError> {
        if self.es_id.is_empty() || self.name.is_empty() {
            return Err(SealError::Build("esID and name must not be empty".into()));
        }
        if self.valid_start > self.valid_end {
            return Err(SealError::Build("validStart is after validEnd".into()));
        }
        if !PICTURE_TYPES.contains(&self.picture.kind.as_str()) {
            return Err(SealError::Build(format!(
                "picture type '{}' (expected one of {PICTURE_TYPES:?})",
                self.picture.kind
            )));
        }
        if self.picture.data.is_empty() {
            return Err(SealError::Build("empty picture".into()));
        }
        if self.picture.data.len() > MAX_PICTURE {
            return Err(SealError::TooLarge {
                what: "seal picture",
                size: self.picture.data.len(),
                max: MAX_PICTURE,
            });
        }
        if self.picture.width_mm <= 0 || self.picture.height_mm <= 0 {
            return Err(SealError::Build("picture size must be positive".into()));
        }
        if self.cert_list.is_empty() {
            return Err(SealError::Build("certList is empty".into()));
        }
        if self.cert_list.len() > MAX_CERTS {
            return Err(SealError::TooMany {
                what: "certList",
                max: MAX_CERTS,
            });
        }
        let (cert_list_type, cert_list) =
            if self.cert_list.iter().all(|c| matches!(c, CertRef::Cert(_))) {
                let v = self
                    .cert_list
                    .iter()
                    .filter_map(|c| match c {
                        CertRef::Cert(d) => Some(OctetString::new(d.as_slice())),
                        _ => None,
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                (1, asn1::CertList::Certs(v))
            } else if self
                .cert_list
                .iter()
                .all(|c| matches!(c, CertRef::Digest { .. }))
            {
                let mut v = Vec::new();
                for c in &self.cert_list {
                    if let CertRef::Digest { alg, value } = c {
                        v.push(asn1::CertDigest {
                            kind: der::asn1::PrintableString::new(alg).map_err(|_| {
                                SealError::Build(format!("digest type '{alg}' is not printable"))
                            })?,
                            value: OctetString::new(value.as_slice())?,
                        });
                    }
                }
                (2, asn1::CertList::Digests(v))
            } else {
                return Err(SealError::Build(
                    "certList must be all certificates or all digests".into(),
                ));
            };
        Ok(asn1::SealInfoV4 {
            header: asn1::SesHeader {
                id: ia5("ES", "ID")?,
                version: 4,
                vid: ia5(&self.vid, "Vid")?,
            },
            es_id: ia5(&self.es_id, "esID")?,
            property: asn1::PropertyInfoV4 {
                seal_type: self.seal_type,
                name: self.name.clone(),
                cert_list_type,
                cert_list,
                create_date: generalized_time(self.create_date, "createDate")?,
                valid_start: generalized_time(self.valid_start, "validStart")?,
                valid_end: generalized_time(self.valid_end, "validEnd")?,
            },
            picture: asn1::PictureInfo {
                kind: ia5(&self.picture.kind, "picture type")?,
                data: OctetString::new(self.picture.data.as_slice())?,
                width: self.picture.width_mm,
                height: self.picture.height_mm,
            },
            ext_datas: ext_asn1(&self.ext_datas)?,
        })
    }
}

fn parse_signature(t: &Tlv<'_>) -> Result<SesSignature, SealError> {
    let items = seq_children(t, 5, "SES_Signature")?;
    let tbs = get(&items, 0, "SES_Signature.toSign")?;
    let tbs_items = seq_children(tbs, 7, "TBS_Sign")?;
    let w = "TBS_Sign";
    let tbs_version = integer(get(&tbs_items, 0, w)?, "TBS_Sign.version")?;
    let seal = parse_seal(get(&tbs_items, 1, w)?)?;
    let (time_info_text, time_info) = time_info(get(&tbs_items, 2, w)?)?;
    let data_hash = bits(get(&tbs_items, 3, w)?, "TBS_Sign.dataHash")?;
    let property_info = text(get(&tbs_items, 4, w)?, "TBS_Sign.propertyInfo")?;
    match items.len() {
        2 => {
            if tbs_items.len() != 7 {
                return Err(malformed(
                    "TBS_Sign (v1)",
                    format!("{} elements (expected 7)", tbs_items.len()),
                ));
            }
            let signer_cert = octets(get(&tbs_items, 5, w)?, "TBS_Sign.cert")?;
            let sign_alg = oid_of(get(&tbs_items, 6, w)?, "TBS_Sign.signatureAlgorithm")?;
            let signature = bits(get(&items, 1, w)?, "SES_Signature.signature")?;
            Ok(SesSignature {
                version: SealVersion::V1,
                tbs_version,
                seal,
                time_info,
                time_info_text,
                data_hash,
                property_info,
                ext_datas: Vec::new(),
                signer_cert,
                sign_alg,
                signature,
                timestamp: None,
                tbs_bytes: tbs.raw.to_vec(),
            })
        }
        4 | 5 => {
            let ext_datas = match tbs_items.len() {
                5 => Vec::new(),
                6 => parse_ext_datas(get(&tbs_items, 5, w)?, "TBS_Sign.extDatas")?,
                n => {
                    return Err(malformed(
                        "TBS_Sign (v4)",
                        format!("{n} elements (expected 5 or 6)"),
                    ));
                }
            };
            let signer_cert = octets(get(&items, 1, w)?, "SES_Signature.cert")?;
            let sign_alg = oid_of(get(&items, 2, w)?, "SES_Signature.signatureAlgID")?;
            let signature = bits(get(&items, 3, w)?, "SES_Signature.signature")?;
            let timestamp = match items.get(4) {
                None => None,
                Some(x) => Some(timestamp_token(x)?),
            };
            Ok(SesSignature {
                version: SealVersion::V4,
                tbs_version,
                seal,
                time_info,
                time_info_text,
                data_hash,
                property_info,
                ext_datas,
                signer_cert,
                sign_alg,
                signature,
                timestamp,
                tbs_bytes: tbs.raw.to_vec(),
            })
        }
        n => Err(malformed(
            "SES_Signature",
            format!("{n} elements (expected 2 for v1, 4 or 5 for v4)"),
        )),
    }
}

/// The token of a `timeStamp [0] EXPLICIT BIT STRING`; an OCTET STRING or the bare token inside
/// `[0]`, or an IMPLICIT `[0]` BIT STRING, are tolerated.
fn timestamp_token(t: &Tlv<'_>) -> Result<Vec<u8>, SealError> {
    let w = "SES_Signature.timeStamp";
    match t.tag {
        tag::CTX0 => {
            let inner = read_one(t.value, w)?;
            match inner.tag {
                tag::BIT_STRING | tag::OCTET_STRING => bits(&inner, w),
                tag::SEQUENCE => Ok(inner.raw.to_vec()),
                other => Err(malformed(w, format!("tag {other:#04x} inside [0]"))),
            }
        }
        tag::CTX0_PRIMITIVE => bits(
            &Tlv {
                tag: tag::BIT_STRING,
                raw: t.raw,
                value: t.value,
            },
            w,
        ),
        other => Err(malformed(w, format!("fifth element of tag {other:#04x}"))),
    }
}

impl SesSignature {
    /// Read an electronic signature (v1 or v4, told apart by the number of elements).
    pub fn from_der(der_bytes: &[u8]) -> Result<SesSignature, SealError> {
        check_input_size(der_bytes, "signature")?;
        let t = read_one(der_bytes, "SES_Signature")?;
        parse_signature(&t)
    }

    /// Verify the signature value over the exact `TBS_Sign` bytes with the signer
    /// certificate's key.
    pub fn verify_signature(&self) -> Result<SignatureCheck, SealError> {
        verify_with_cert(
            &self.signer_cert,
            self.sign_alg,
            &self.tbs_bytes,
            &self.signature,
        )
    }

    /// The critical `TBS_Sign.extDatas` entries that are no known vendor extension (e.g.
    /// Tongzhiweiye's): to be reported, never a reason to fail.
    pub fn unknown_critical_ext_datas(&self) -> Vec<&ExtData> {
        unknown_critical(&self.ext_datas)
    }

    /// Whether the signer certificate is in the seal's `certList` (byte-equal, or by digest
    /// for certListType 2: SM3, SHA-1 or SHA-256 as the entry's `type` says).
    pub fn signer_in_cert_list(&self) -> bool {
        self.seal.cert_list.iter().any(|c| match c {
            CertRef::Cert(d) => *d == self.signer_cert,
            CertRef::Digest { alg, value } => digest_by_name(alg, &self.signer_cert)
                .is_some_and(|dg| digest_value_matches(value, &dg)),
            CertRef::Opaque(_) => false,
        })
    }

    /// Whether `dataHash` is the SM3 digest of `data` (for OFD: the raw bytes of
    /// `Signature.xml`).
    pub fn check_data(&self, data: &[u8]) -> bool {
        self.data_hash.as_slice() == crate::crypto::sm3(data).as_slice()
    }

    /// Check `validStart ≤ signing time ≤ validEnd` with the signing time from `timeInfo`;
    /// returns the signing time used.
    pub fn validity_at_signing(&self) -> Result<i64, SealError> {
        let at = self
            .time_info
            .ok_or_else(|| SealError::NoSigningTime(self.time_info_text.clone()))?;
        if at < self.seal.valid_start {
            return Err(SealError::SealNotYetValid {
                signing_time: at,
                valid_start: self.seal.valid_start,
            });
        }
        if at > self.seal.valid_end {
            return Err(SealError::SealExpired {
                signing_time: at,
                valid_end: self.seal.valid_end,
            });
        }
        Ok(at)
    }

    /// Build a v4 `TBS_Sign` (DER) embedding `seal_der` as its exact bytes.
    pub fn tbs_v4(
        seal_der: &[u8],
        time: i64,
        data_hash: &[u8],
        property_info: &str,
    ) -> Result<Vec<u8>, SealError> {
        Self::tbs_v4_with_ext(seal_der, time, data_hash, property_info, &[])
    }

    /// [`SesSignature::tbs_v4`] with `extDatas`.
    pub fn tbs_v4_with_ext(
        seal_der: &[u8],
        time: i64,
        data_hash: &[u8],
        property_info: &str,
        ext_datas: &[ExtData],
    ) -> Result<Vec<u8>, SealError> {
        let seal = Seal::from_der(seal_der)?;
        if seal.version != SealVersion::V4 {
            return Err(SealError::Build("only v4 seals are stamped".into()));
        }
        if data_hash.is_empty() || data_hash.len() > 64 {
            return Err(SealError::Build(format!(
                "dataHash of {} bytes",
                data_hash.len()
            )));
        }
        let tbs = asn1::TbsSignV4 {
            version: 4,
            eseal: asn1::RawElement(seal_der.to_vec()),
            time_info: generalized_time(time, "timeInfo")?,
            data_hash: BitString::from_bytes(data_hash)?,
            property_info: ia5(property_info, "propertyInfo")?,
            ext_datas: ext_asn1(ext_datas)?,
        };
        let out = tbs.to_der()?;
        check_input_size(&out, "TBS_Sign")?;
        Ok(out)
    }

    /// Assemble a v4 `SES_Signature` (DER) from `TBS_Sign` bytes, the signer certificate, the
    /// signature value (normalised to DER; raw `r‖s` is converted) and an optional timestamp
    /// token. The algorithm follows the certificate's key (SM2 → SM2-with-SM3, P-256 →
    /// ecdsa-with-SHA256). The result is read back and its signature verified.
    pub fn assemble_v4(
        tbs: &[u8],
        signer_cert: &[u8],
        signature: &[u8],
        timestamp: Option<&[u8]>,
    ) -> Result<Vec<u8>, SealError> {
        let tbs_el = read_one(tbs, "TBS_Sign")?;
        let n = seq_children(&tbs_el, 7, "TBS_Sign")?.len();
        if !(5..=6).contains(&n) {
            return Err(SealError::Build("not a v4 TBS_Sign".into()));
        }
        let spki = spki_of(signer_cert)?;
        let (kind, _) =
            classify_spki(&spki).map_err(|e| SealError::Certificate(format!("public key: {e}")))?;
        let (alg, sig_der) = match kind {
            PublicKeyKind::Sm2 => (
                oid::SM2_WITH_SM3,
                crate::crypto::verify::sm2_signature_from_bytes(signature)?
                    .to_der()
                    .to_vec(),
            ),
            PublicKeyKind::P256 => {
                let s = p256::ecdsa::Signature::from_der(signature)
                    .or_else(|_| p256::ecdsa::Signature::from_slice(signature))
                    .map_err(|_| SealError::Crypto(CryptoError::MalformedSignature))?;
                (oid::ECDSA_SHA256, s.to_der().as_bytes().to_vec())
            }
            other => {
                return Err(SealError::Build(format!(
                    "signer key {other:?} (seals are signed with SM2 or P-256)"
                )));
            }
        };
        let sig = asn1::SesSignatureV4 {
            to_sign: asn1::RawElement(tbs.to_vec()),
            cert: OctetString::new(signer_cert)?,
            signature_alg_id: alg,
            signature: BitString::from_bytes(&sig_der)?,
            time_stamp: match timestamp {
                Some(t) => Some(BitString::from_bytes(t)?),
                None => None,
            },
        };
        let out = sig.to_der()?;
        check_input_size(&out, "signature")?;
        let back = SesSignature::from_der(&out)?;
        if back.tbs_bytes != tbs {
            return Err(SealError::Build(
                "signature did not read back as written".into(),
            ));
        }
        back.verify_signature()?;
        Ok(out)
    }

    /// Stamp: build the v4 `TBS_Sign`, sign it with `signer` and assemble the signature
    /// (`signer_cert` must be for the signer's key).
    pub fn sign_v4(
        seal_der: &[u8],
        time: i64,
        data_hash: &[u8],
        property_info: &str,
        signer: &dyn Signer,
        signer_cert: &[u8],
    ) -> Result<Vec<u8>, SealError> {
        if spki_of(signer_cert)? != signer.public_key_spki() {
            return Err(SealError::Build(
                "the signer certificate is not for the signer's key".into(),
            ));
        }
        let tbs = Self::tbs_v4(seal_der, time, data_hash, property_info)?;
        let sig = signer.sign(&tbs)?;
        Self::assemble_v4(&tbs, signer_cert, &sig, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_forms() {
        // 2021-10-14 03:34:04 UTC
        assert_eq!(
            parse_time_text("20211014033404Z", false),
            Some(1_634_182_444)
        );
        assert_eq!(parse_time_text("211014033404Z", true), Some(1_634_182_444));
        assert_eq!(
            parse_time_text("2021-10-14T03:34:04.377Z", false),
            Some(1_634_182_444)
        );
        // no zone: UTC+8
        assert_eq!(
            parse_time_text("2021-10-14 11:34:04", false),
            Some(1_634_182_444)
        );
        assert_eq!(
            parse_time_text("20211014113404+0800", false),
            Some(1_634_182_444)
        );
        assert_eq!(
            parse_time_text("2021-10-14T05:34:04+02:00", false),
            Some(1_634_182_444)
        );
        assert_eq!(parse_time_text("2111014033404Z", false), None);
        assert_eq!(parse_time_text("20211314033404Z", false), None);
        assert_eq!(parse_time_text("", false), None);
        assert_eq!(parse_time_text("garbage", false), None);
        assert_eq!(
            parse_time_text("2021-10-14 11:34:04\u{0}", false),
            Some(1_634_182_444)
        );
    }

    #[test]
    fn tlv_reader_edges() {
        assert!(read_tlv(&[]).is_err());
        assert!(read_tlv(&[0x30]).is_err());
        assert!(read_tlv(&[0x30, 0x80, 0, 0]).is_err()); // indefinite
        assert!(read_tlv(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_err());
        assert!(read_tlv(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(read_tlv(&[0x1f, 0x01, 0x00]).is_err());
        let (t, rest) = read_tlv(&[0x04, 0x81, 0x01, 0xaa, 0xbb]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.tag, t.value, rest), (0x04, &[0xaa][..], &[0xbb][..]));
    }

    #[test]
    fn integers() {
        let t = |v: &'static [u8]| Tlv {
            tag: tag::INTEGER,
            raw: v,
            value: v,
        };
        assert_eq!(integer(&t(&[0x00, 0x80]), "x").ok(), Some(128));
        assert_eq!(integer(&t(&[0xff]), "x").ok(), Some(-1));
        assert_eq!(integer(&t(&[0x00, 0x00, 0x01]), "x").ok(), Some(1));
        assert!(integer(&t(&[1, 2, 3, 4, 5, 6, 7, 8, 9]), "x").is_err());
        assert!(integer(&t(&[]), "x").is_err());
    }

    #[test]
    fn der_header_lengths() {
        assert_eq!(der_header(0x30, 5), vec![0x30, 5]);
        assert_eq!(der_header(0x30, 0x80), vec![0x30, 0x81, 0x80]);
        assert_eq!(der_header(0x30, 0x1234), vec![0x30, 0x82, 0x12, 0x34]);
    }

    #[test]
    fn digest_names() {
        let d = digest_by_name("SM3", b"abc").unwrap_or_default();
        assert_eq!(d.len(), 32);
        assert!(digest_by_name("sha-1", b"abc").is_some_and(|d| d.len() == 20));
        assert!(digest_by_name("SHA256", b"abc").is_some_and(|d| d.len() == 32));
        assert!(digest_by_name("md5", b"abc").is_none());
        assert!(digest_value_matches(hex::encode(&d).as_bytes(), &d));
    }
}
