//! The ASN.1 structures of GB/T 38540 (v4) and GM/T 0031 (v1), as `der` derives.
//!
//! They encode what yinxin produces (v4) and can build v1 structures for tests; reading goes
//! through the tolerant walker of the parent module ([`Seal::from_der`](super::Seal::from_der),
//! [`SesSignature::from_der`](super::SesSignature::from_der)), because real files are not
//! always strict DER: the parent module's documentation lists, part by part, what these
//! structures would refuse.
//!
//! Owns the structure definitions only; must not import the tolerant reader, the seal model,
//! the checks or the crypto layer.

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
