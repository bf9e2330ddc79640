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

use crate::crypto::{Algorithm, CryptoError, Signer, oid as alg};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, AnyRef, BitString, Int, OctetString, SetOfVec, Uint};
use der::{
    Decode, DecodeValue, Encode, EncodeValue, Enumerated, FixedTag, Header, Length, Reader,
    Sequence, SliceReader, Tag, Tagged, Writer,
};
use spki::AlgorithmIdentifierOwned;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use x509_cert::attr::Attribute;
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;

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

/// A hash algorithm a message imprint may use. SHA-1, MD5 and everything else are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TsHash {
    /// SHA-256 (`2.16.840.1.101.3.4.2.1`).
    Sha256,
    /// SHA-384 (`2.16.840.1.101.3.4.2.2`).
    Sha384,
    /// SHA-512 (`2.16.840.1.101.3.4.2.3`).
    Sha512,
    /// SM3 (`1.2.156.10197.1.401`).
    Sm3,
}

impl TsHash {
    /// Every accepted algorithm, in a stable order.
    pub const ALL: [TsHash; 4] = [TsHash::Sha256, TsHash::Sha384, TsHash::Sha512, TsHash::Sm3];

    /// The algorithm's OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            TsHash::Sha256 => alg::SHA256,
            TsHash::Sha384 => alg::SHA384,
            TsHash::Sha512 => alg::SHA512,
            TsHash::Sm3 => alg::SM3,
        }
    }

    /// The accepted algorithm with this OID, if any.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<TsHash> {
        TsHash::ALL.into_iter().find(|h| h.oid() == *oid)
    }

    /// Digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            TsHash::Sha256 | TsHash::Sm3 => 32,
            TsHash::Sha384 => 48,
            TsHash::Sha512 => 64,
        }
    }

    /// Hash `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        match self {
            TsHash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            TsHash::Sha384 => sha2::Sha384::digest(data).to_vec(),
            TsHash::Sha512 => sha2::Sha512::digest(data).to_vec(),
            TsHash::Sm3 => crate::crypto::sm3(data).to_vec(),
        }
    }

    /// The lower-case name used by the CLI (`sha256`, `sha384`, `sha512`, `sm3`).
    pub fn as_str(self) -> &'static str {
        match self {
            TsHash::Sha256 => "sha256",
            TsHash::Sha384 => "sha384",
            TsHash::Sha512 => "sha512",
            TsHash::Sm3 => "sm3",
        }
    }

    /// `AlgorithmIdentifier` with absent parameters.
    pub fn algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: None,
        }
    }
}

impl fmt::Display for TsHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TsHash {
    type Err = TspError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('-', "").as_str() {
            "sha256" => Ok(TsHash::Sha256),
            "sha384" => Ok(TsHash::Sha384),
            "sha512" => Ok(TsHash::Sha512),
            "sm3" => Ok(TsHash::Sm3),
            _ => Err(TspError::UnsupportedHash(s.to_string())),
        }
    }
}

// ---------------------------------------------------------------------------------------
// ASN.1 structures
// ---------------------------------------------------------------------------------------

/// The protocol version of requests and tokens: `INTEGER { v1(1) }`. Any other value does
/// not decode.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Enumerated)]
#[asn1(type = "INTEGER")]
#[repr(u8)]
pub enum TspVersion {
    /// v1.
    V1 = 1,
}

/// RFC 3161 §2.4.1:
/// ```text
/// MessageImprint ::= SEQUENCE  {
///      hashAlgorithm                AlgorithmIdentifier,
///      hashedMessage                OCTET STRING  }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct MessageImprint {
    /// The hash algorithm.
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// The hash of the data to time-stamp.
    pub hashed_message: OctetString,
}

impl MessageImprint {
    /// An imprint of `digest`, checking its length against `hash`.
    pub fn new(hash: TsHash, digest: &[u8]) -> Result<Self, TspError> {
        if digest.len() != hash.output_len() {
            return Err(TspError::DigestLength {
                hash,
                expected: hash.output_len(),
                actual: digest.len(),
            });
        }
        Ok(MessageImprint {
            hash_algorithm: hash.algorithm_identifier(),
            hashed_message: OctetString::new(digest)?,
        })
    }
}

/// RFC 3161 §2.4.1:
/// ```text
/// TimeStampReq ::= SEQUENCE  {
///    version                      INTEGER  { v1(1) },
///    messageImprint               MessageImprint,
///    reqPolicy             TSAPolicyId              OPTIONAL,
///    nonce                 INTEGER                  OPTIONAL,
///    certReq               BOOLEAN                  DEFAULT FALSE,
///    extensions            [0] IMPLICIT Extensions  OPTIONAL  }
///
/// TSAPolicyId ::= OBJECT IDENTIFIER
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampReq {
    /// Always v1.
    pub version: TspVersion,
    /// What to time-stamp.
    pub message_imprint: MessageImprint,
    /// The policy the requester wants, if any.
    #[asn1(optional = "true")]
    pub req_policy: Option<ObjectIdentifier>,
    /// Nonce, copied into the token (big-endian two's-complement content octets).
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    /// Whether the TSU certificate must be included in the token.
    #[asn1(default = "Default::default")]
    pub cert_req: bool,
    /// Request extensions (none are supported).
    #[asn1(
        context_specific = "0",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub extensions: Option<Extensions>,
}

/// RFC 3161 §2.4.2 (from RFC 2510):
/// ```text
/// PKIStatus ::= INTEGER {
///    granted                (0),
///    grantedWithMods        (1),
///    rejection              (2),
///    waiting                (3),
///    revocationWarning      (4),
///    revocationNotification (5) }
/// ```
#[derive(Clone, Copy, Debug, Eq, PartialEq, Enumerated)]
#[asn1(type = "INTEGER")]
#[repr(u8)]
pub enum PkiStatus {
    /// A token is present, as requested.
    Granted = 0,
    /// A token is present, with modifications.
    GrantedWithMods = 1,
    /// No token: see failInfo.
    Rejection = 2,
    /// The request has not yet been processed.
    Waiting = 3,
    /// A revocation is imminent.
    RevocationWarning = 4,
    /// A revocation has occurred.
    RevocationNotification = 5,
}

/// The bits of RFC 3161 §2.4.2:
/// ```text
/// PKIFailureInfo ::= BIT STRING {
///    badAlg               (0),
///    badRequest           (2),
///    badDataFormat        (5),
///    timeNotAvailable    (14),
///    unacceptedPolicy    (15),
///    unacceptedExtension (16),
///    addInfoNotAvailable (17),
///    systemFailure       (25)  }
/// ```
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash)]
pub enum FailureInfo {
    /// Unrecognized or unsupported algorithm identifier.
    BadAlg = 0,
    /// Transaction not permitted or supported.
    BadRequest = 2,
    /// The data submitted has the wrong format.
    BadDataFormat = 5,
    /// The TSA's time source is not available.
    TimeNotAvailable = 14,
    /// The requested TSA policy is not supported by the TSA.
    UnacceptedPolicy = 15,
    /// The requested extension is not supported by the TSA.
    UnacceptedExtension = 16,
    /// The additional information requested could not be understood or is not available.
    AddInfoNotAvailable = 17,
    /// The request cannot be handled due to system failure.
    SystemFailure = 25,
}

impl FailureInfo {
    /// Every named bit.
    pub const ALL: [FailureInfo; 8] = [
        FailureInfo::BadAlg,
        FailureInfo::BadRequest,
        FailureInfo::BadDataFormat,
        FailureInfo::TimeNotAvailable,
        FailureInfo::UnacceptedPolicy,
        FailureInfo::UnacceptedExtension,
        FailureInfo::AddInfoNotAvailable,
        FailureInfo::SystemFailure,
    ];

    /// The bit number.
    pub fn bit(self) -> u32 {
        self as u32
    }

    /// The named bit with this number, if any.
    pub fn from_bit(bit: u32) -> Option<FailureInfo> {
        FailureInfo::ALL.into_iter().find(|f| f.bit() == bit)
    }

    /// The PKIFailureInfo BIT STRING with exactly these bits set, in DER form (a named bit
    /// list: trailing zero bits removed, so badAlg alone is `03 02 07 80`).
    pub fn bit_string(bits: &[FailureInfo]) -> Result<BitString, der::Error> {
        let Some(max) = bits.iter().map(|b| b.bit()).max() else {
            return BitString::new(0, Vec::new());
        };
        let mut bytes = vec![0u8; (max / 8 + 1) as usize];
        for b in bits {
            let n = b.bit();
            bytes[(n / 8) as usize] |= 0x80 >> (n % 8);
        }
        BitString::new((7 - max % 8) as u8, bytes)
    }
}

/// RFC 3161 §2.4.2 (from RFC 2510):
/// ```text
/// PKIStatusInfo ::= SEQUENCE {
///    status        PKIStatus,
///    statusString  PKIFreeText     OPTIONAL,
///    failInfo      PKIFailureInfo  OPTIONAL  }
///
/// PKIFreeText ::= SEQUENCE SIZE (1..MAX) OF UTF8String
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct PkiStatusInfo {
    /// The status.
    pub status: PkiStatus,
    /// Human-readable explanation.
    #[asn1(optional = "true")]
    pub status_string: Option<Vec<String>>,
    /// Why a request was rejected (see [`FailureInfo`]).
    #[asn1(optional = "true")]
    pub fail_info: Option<BitString>,
}

/// RFC 3161 §2.4.2:
/// ```text
/// TimeStampResp ::= SEQUENCE  {
///    status                  PKIStatusInfo,
///    timeStampToken          TimeStampToken     OPTIONAL  }
///
/// TimeStampToken ::= ContentInfo
///    -- contentType is id-signedData ([CMS])
///    -- content is SignedData ([CMS])
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampResp {
    /// Status.
    pub status: PkiStatusInfo,
    /// The token, when granted.
    #[asn1(optional = "true")]
    pub time_stamp_token: Option<ContentInfo>,
}

/// RFC 3161 §2.4.2:
/// ```text
/// Accuracy ::= SEQUENCE {
///    seconds        INTEGER              OPTIONAL,
///    millis     [0] INTEGER  (1..999)    OPTIONAL,
///    micros     [1] INTEGER  (1..999)    OPTIONAL  }
/// ```
/// (The module is `IMPLICIT TAGS`.) A missing field counts as zero.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Accuracy {
    /// Whole seconds.
    #[asn1(optional = "true")]
    pub seconds: Option<u32>,
    /// Milliseconds (1..999).
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub millis: Option<u16>,
    /// Microseconds (1..999).
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub micros: Option<u16>,
}

/// RFC 3161 §2.4.2:
/// ```text
/// TSTInfo ::= SEQUENCE  {
///    version                      INTEGER  { v1(1) },
///    policy                       TSAPolicyId,
///    messageImprint               MessageImprint,
///    serialNumber                 INTEGER,
///    genTime                      GeneralizedTime,
///    accuracy                     Accuracy                 OPTIONAL,
///    ordering                     BOOLEAN             DEFAULT FALSE,
///    nonce                        INTEGER                  OPTIONAL,
///    tsa                          [0] GeneralName          OPTIONAL,
///    extensions                   [1] IMPLICIT Extensions  OPTIONAL   }
/// ```
/// (`tsa` is EXPLICIT: GeneralName is a CHOICE.)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TstInfo {
    /// Always v1.
    pub version: TspVersion,
    /// The TSA policy under which the token was issued.
    pub policy: ObjectIdentifier,
    /// The request's imprint, copied exactly.
    pub message_imprint: MessageImprint,
    /// Serial number (big-endian two's-complement content octets; up to 160 bits).
    pub serial_number: Int,
    /// The time of the stamp.
    pub gen_time: GenTime,
    /// Accuracy of `gen_time`.
    #[asn1(optional = "true")]
    pub accuracy: Option<Accuracy>,
    /// Whether tokens of this TSA are ordered by `gen_time` regardless of accuracy.
    #[asn1(default = "Default::default")]
    pub ordering: bool,
    /// The request's nonce, copied exactly.
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    /// The TSA's name.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub tsa: Option<GeneralName>,
    /// Extensions.
    #[asn1(
        context_specific = "1",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub extensions: Option<Extensions>,
}

/// RFC 5035 §3 / RFC 5755 §4.1:
/// ```text
/// IssuerSerial ::= SEQUENCE {
///     issuer         GeneralNames,
///     serialNumber   CertificateSerialNumber,
///     issuerUID      UniqueIdentifier OPTIONAL }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct IssuerSerial {
    /// The certificate issuer (a directoryName).
    pub issuer: Vec<GeneralName>,
    /// The certificate serial number.
    pub serial_number: SerialNumber,
    /// Issuer unique identifier (never produced).
    #[asn1(optional = "true")]
    pub issuer_uid: Option<BitString>,
}

/// RFC 5035 §4:
/// ```text
/// ESSCertIDv2 ::=  SEQUENCE {
///     hashAlgorithm           AlgorithmIdentifier
///            DEFAULT {algorithm id-sha256},
///     certHash                 Hash,
///     issuerSerial             IssuerSerial OPTIONAL }
///
/// Hash ::= OCTET STRING
/// ```
/// `hash_algorithm: None` means SHA-256 (DER omits a DEFAULT value).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertIdV2 {
    /// Hash algorithm of `cert_hash`; `None` is SHA-256.
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    /// Hash of the whole DER certificate.
    pub cert_hash: OctetString,
    /// Issuer and serial of the certificate.
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// RFC 5035 §3:
/// ```text
/// SigningCertificateV2 ::=  SEQUENCE {
///     certs        SEQUENCE OF ESSCertIDv2,
///     policies     SEQUENCE OF PolicyInformation OPTIONAL }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificateV2 {
    /// The signing certificate first, then optionally others.
    pub certs: Vec<EssCertIdV2>,
    /// Policies (never produced).
    #[asn1(optional = "true")]
    pub policies: Option<Vec<PolicyInformation>>,
}

/// `GeneralizedTime` in UTC with optional fractional seconds, as RFC 3161 §2.4.2 allows
/// for `genTime`: `YYYYMMDDhhmmss[.s...]Z`.
///
/// Encoding writes milliseconds in DER form (no trailing zeros, no dot when zero).
/// Decoding accepts any number of fractional digits and keeps milliseconds.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Ord, PartialOrd, Hash)]
pub struct GenTime {
    unix_millis: i64,
}

/// Milliseconds from the Unix epoch to 9999-12-31T23:59:59.999Z.
const MAX_UNIX_MILLIS: i64 = 253_402_300_799_999;

impl GenTime {
    /// A time from Unix milliseconds (1970 to 9999).
    pub fn from_unix_millis(unix_millis: i64) -> Result<Self, TspError> {
        if !(0..=MAX_UNIX_MILLIS).contains(&unix_millis) {
            return Err(TspError::Encoding(format!(
                "time {unix_millis} ms is outside 1970..9999"
            )));
        }
        Ok(GenTime { unix_millis })
    }

    /// Unix milliseconds.
    pub fn unix_millis(self) -> i64 {
        self.unix_millis
    }

    fn to_text(self) -> der::Result<String> {
        let secs = self.unix_millis.div_euclid(1000);
        let millis = self.unix_millis.rem_euclid(1000);
        let dt = der::DateTime::from_unix_duration(Duration::from_secs(
            u64::try_from(secs).map_err(|_| der::ErrorKind::DateTime)?,
        ))?;
        let mut s = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minutes(),
            dt.seconds()
        );
        if millis != 0 {
            let frac = format!("{millis:03}");
            s.push('.');
            s.push_str(frac.trim_end_matches('0'));
        }
        s.push('Z');
        Ok(s)
    }

    fn from_text(text: &[u8]) -> Option<Self> {
        let (body, rest) = text.split_at_checked(14)?;
        if !body.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let num = |r: std::ops::Range<usize>| {
            body[r]
                .iter()
                .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'))
        };
        let dt = der::DateTime::new(
            num(0..4),
            u8::try_from(num(4..6)).ok()?,
            u8::try_from(num(6..8)).ok()?,
            u8::try_from(num(8..10)).ok()?,
            u8::try_from(num(10..12)).ok()?,
            u8::try_from(num(12..14)).ok()?,
        )
        .ok()?;
        let rest = rest.strip_suffix(b"Z")?;
        let millis = match rest {
            [] => 0,
            [b'.', frac @ ..] if !frac.is_empty() && frac.iter().all(u8::is_ascii_digit) => frac
                .iter()
                .chain(std::iter::repeat(&b'0'))
                .take(3)
                .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')),
            _ => return None,
        };
        let secs = i64::try_from(dt.unix_duration().as_secs()).ok()?;
        GenTime::from_unix_millis(secs.checked_mul(1000)?.checked_add(millis)?).ok()
    }
}

impl FixedTag for GenTime {
    const TAG: Tag = Tag::GeneralizedTime;
}

impl EncodeValue for GenTime {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.to_text()?.len())
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(self.to_text()?.as_bytes())
    }
}

impl<'a> DecodeValue<'a> for GenTime {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        // "YYYYMMDDhhmmss" + "." + nanoseconds + "Z" is 25 bytes; allow some slack.
        if header.length() > Length::new(32) {
            return Err(reader.error(Tag::GeneralizedTime.length_error()));
        }
        let bytes = reader.read_vec(header.length())?;
        GenTime::from_text(&bytes).ok_or_else(|| reader.error(Tag::GeneralizedTime.value_error()))
    }
}

// ---------------------------------------------------------------------------------------
// Responder
// ---------------------------------------------------------------------------------------

/// A time-stamping unit: a signing key and its certificate (which must carry the critical
/// extended key usage id-kp-timeStamping only, RFC 3161 §2.3).
#[derive(Clone)]
pub struct TsaUnit {
    /// The TSU's signing key.
    pub signer: Arc<dyn Signer>,
    /// The TSU certificate, DER.
    pub cert_der: Vec<u8>,
}

impl fmt::Debug for TsaUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TsaUnit({}, {} byte certificate)",
            self.signer.algorithm(),
            self.cert_der.len()
        )
    }
}

/// What the TSA states in every token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TsaPolicy {
    /// The TSA policy OID: `TSTInfo.policy`; a request naming another one is refused.
    pub policy: ObjectIdentifier,
    /// `Accuracy.seconds`; 0 leaves the accuracy out of the token.
    pub accuracy_seconds: u32,
}

/// A refusal: the failure bit and the status string.
struct Refusal {
    fail: FailureInfo,
    text: String,
}

impl Refusal {
    fn new(fail: FailureInfo, text: impl Into<String>) -> Self {
        Refusal {
            fail,
            text: text.into(),
        }
    }
}

/// `TimeStampResp { status { rejection, failInfo systemFailure } }`: what [`respond`]
/// answers if even a rejection cannot be encoded (it never happens in practice).
const FALLBACK_REJECTION: &[u8] = &[
    0x30, 0x0c, 0x30, 0x0a, 0x02, 0x01, 0x02, 0x03, 0x05, 0x06, 0x00, 0x00, 0x00, 0x40,
];

/// Answer a DER `TimeStampReq` with a DER `TimeStampResp`.
///
/// - `gen_time_unix_millis`: the time to stamp (from the service's clock);
/// - `serial`: the token's serial number, positive and unique per TSA;
/// - `choose`: the TSU that signs tokens for a message-imprint hash algorithm (e.g. SM3 →
///   the SM2 TSU, SHA-2 → the P-256 TSU), `None` to refuse the algorithm;
/// - `policy`: the TSA policy and accuracy.
///
/// The answer is always a well-formed response. Rejections (`status = 2`) carry one
/// failInfo bit: badDataFormat for anything that is not a DER v1 request or whose imprint
/// has the wrong length, badAlg for a hash algorithm that is not SHA-256/384/512 or SM3
/// (or that `choose` refuses), unacceptedPolicy for a `reqPolicy` other than ours,
/// unacceptedExtension for a request with extensions, timeNotAvailable for a time outside
/// 1970..9999, systemFailure when the token cannot be produced.
pub fn respond<'u>(
    request_der: &[u8],
    gen_time_unix_millis: i64,
    serial: u64,
    choose: &dyn Fn(TsHash) -> Option<&'u TsaUnit>,
    policy: &TsaPolicy,
) -> Vec<u8> {
    let result =
        grant(request_der, gen_time_unix_millis, serial, choose, policy).and_then(|token| {
            TimeStampResp {
                status: PkiStatusInfo {
                    status: PkiStatus::Granted,
                    status_string: None,
                    fail_info: None,
                },
                time_stamp_token: Some(token),
            }
            .to_der()
            .map_err(|_| Refusal::new(FailureInfo::SystemFailure, "cannot encode the response"))
        });
    match result {
        Ok(der_bytes) => der_bytes,
        Err(refusal) => rejection(&refusal),
    }
}

/// A rejection response.
fn rejection(refusal: &Refusal) -> Vec<u8> {
    let encoded = FailureInfo::bit_string(&[refusal.fail]).and_then(|bits| {
        TimeStampResp {
            status: PkiStatusInfo {
                status: PkiStatus::Rejection,
                status_string: Some(vec![refusal.text.clone()]),
                fail_info: Some(bits),
            },
            time_stamp_token: None,
        }
        .to_der()
    });
    encoded.unwrap_or_else(|_| FALLBACK_REJECTION.to_vec())
}

/// Check the request and produce the token, or say why not.
fn grant<'u>(
    request_der: &[u8],
    gen_time_unix_millis: i64,
    serial: u64,
    choose: &dyn Fn(TsHash) -> Option<&'u TsaUnit>,
    policy: &TsaPolicy,
) -> Result<ContentInfo, Refusal> {
    let req = TimeStampReq::from_der(request_der).map_err(|_| {
        Refusal::new(
            FailureInfo::BadDataFormat,
            "the request is not a DER TimeStampReq v1",
        )
    })?;
    let imprint_alg = &req.message_imprint.hash_algorithm;
    let hash = TsHash::from_oid(&imprint_alg.oid).ok_or_else(|| {
        Refusal::new(
            FailureInfo::BadAlg,
            format!(
                "hash algorithm {} is not accepted (use SHA-256, SHA-384, SHA-512 or SM3)",
                imprint_alg.oid
            ),
        )
    })?;
    if imprint_alg
        .parameters
        .as_ref()
        .is_some_and(|p| !p.is_null())
    {
        return Err(Refusal::new(
            FailureInfo::BadAlg,
            format!("{hash} parameters must be absent or NULL"),
        ));
    }
    let len = req.message_imprint.hashed_message.as_bytes().len();
    if len != hash.output_len() {
        return Err(Refusal::new(
            FailureInfo::BadDataFormat,
            format!("a {hash} imprint is {} bytes, not {len}", hash.output_len()),
        ));
    }
    if let Some(p) = req.req_policy
        && p != policy.policy
    {
        return Err(Refusal::new(
            FailureInfo::UnacceptedPolicy,
            format!(
                "policy {p} is not offered (this TSA uses {})",
                policy.policy
            ),
        ));
    }
    if req.extensions.is_some() {
        return Err(Refusal::new(
            FailureInfo::UnacceptedExtension,
            "request extensions are not supported",
        ));
    }
    let unit = choose(hash).ok_or_else(|| {
        Refusal::new(
            FailureInfo::BadAlg,
            format!("no time-stamping unit for {hash} imprints"),
        )
    })?;
    let gen_time = GenTime::from_unix_millis(gen_time_unix_millis).map_err(|_| {
        Refusal::new(
            FailureInfo::TimeNotAvailable,
            "the time source is not available",
        )
    })?;
    make_token(&req, unit, gen_time, serial, policy).map_err(|e| {
        tracing::error!(error = %e, "time-stamp token could not be produced");
        Refusal::new(
            FailureInfo::SystemFailure,
            "the time-stamp token could not be produced",
        )
    })
}

/// Sign the TSTInfo for an accepted request.
fn make_token(
    req: &TimeStampReq,
    unit: &TsaUnit,
    gen_time: GenTime,
    serial: u64,
    policy: &TsaPolicy,
) -> Result<ContentInfo, TspError> {
    let cert = x509_cert::Certificate::from_der(&unit.cert_der)?;
    // The ESS hash covers the DER we were given; the token carries the re-encoded
    // certificate: they must be the same bytes.
    if cert.to_der()? != unit.cert_der {
        return Err(TspError::Malformed(
            "the TSU certificate is not in DER form".into(),
        ));
    }
    let tbs = cert.tbs_certificate();
    if tbs.subject_public_key_info().to_der()? != unit.signer.public_key_spki() {
        return Err(TspError::Malformed(
            "the TSU key does not match its certificate".into(),
        ));
    }

    let tst = TstInfo {
        version: TspVersion::V1,
        policy: policy.policy,
        message_imprint: req.message_imprint.clone(),
        serial_number: Int::from(Uint::new(&serial.to_be_bytes())?),
        gen_time,
        accuracy: (policy.accuracy_seconds > 0).then_some(Accuracy {
            seconds: Some(policy.accuracy_seconds),
            millis: None,
            micros: None,
        }),
        ordering: false,
        nonce: req.nonce.clone(),
        tsa: None,
        extensions: None,
    };
    let tst_der = tst.to_der()?;

    let (digest, signature_oid) = match unit.signer.algorithm() {
        Algorithm::Sm2 => (TsHash::Sm3, alg::SM2_SIGN),
        Algorithm::P256 => (TsHash::Sha256, alg::ECDSA_SHA256),
    };
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(crate::crypto::sha256(&unit.cert_der))?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
                serial_number: tbs.serial_number().clone(),
                issuer_uid: None,
            }),
        }],
        policies: None,
    };
    let signing_time = crate::pki::cert::time_from_unix(gen_time.unix_millis().div_euclid(1000))
        .map_err(|e| TspError::Encoding(e.to_string()))?;
    // SetOfVec sorts by DER encoding, as a DER SET OF must be (RFC 5652 §5.4).
    let signed_attrs: SetOfVec<Attribute> = SetOfVec::try_from(vec![
        attribute(oid::CONTENT_TYPE, Any::encode_from(&oid::CT_TST_INFO)?)?,
        attribute(
            oid::MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest.digest(&tst_der))?)?,
        )?,
        attribute(oid::SIGNING_TIME, Any::encode_from(&signing_time)?)?,
        attribute(oid::SIGNING_CERTIFICATE_V2, Any::encode_from(&ess)?)?,
    ])?;
    // RFC 5652 §5.4: the signature covers the DER of the attributes as a SET (tag 0x31).
    let signature = unit.signer.sign(&signed_attrs.to_der()?)?;

    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: digest.algorithm_identifier(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: signature_oid,
            parameters: None,
        },
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    };
    let certificates = if req.cert_req {
        Some(CertificateSet::try_from(vec![
            CertificateChoices::Certificate(cert.clone()),
        ])?)
    } else {
        None
    };
    let signed_data = SignedData {
        version: CmsVersion::V3,
        digest_algorithms: SetOfVec::try_from(vec![digest.algorithm_identifier()])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oid::CT_TST_INFO,
            econtent: Some(Any::new(Tag::OctetString, tst_der)?),
        },
        certificates,
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer_info])?,
    };
    Ok(ContentInfo {
        content_type: oid::SIGNED_DATA,
        content: Any::encode_from(&signed_data)?,
    })
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, der::Error> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

// ---------------------------------------------------------------------------------------
// Client side
// ---------------------------------------------------------------------------------------

/// A DER `TimeStampReq` v1 for `digest` (the hash of the data, by `hash`), without a
/// policy or extensions. `nonce` is an unsigned big-endian number (a leading zero octet is
/// added in the INTEGER when its top bit is set); `cert_req` asks for the TSU certificate
/// in the token.
pub fn build_request(
    hash: TsHash,
    digest: &[u8],
    nonce: Option<&[u8]>,
    cert_req: bool,
) -> Result<Vec<u8>, TspError> {
    let nonce = match nonce {
        None => None,
        Some([]) => return Err(TspError::EmptyNonce),
        Some(bytes) => Some(Int::from(Uint::new(bytes)?)),
    };
    let req = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint::new(hash, digest)?,
        req_policy: None,
        nonce,
        cert_req,
        extensions: None,
    };
    Ok(req.to_der()?)
}

/// A decoded `TimeStampResp`.
#[derive(Clone, Debug)]
pub struct ParsedResponse {
    /// The status.
    pub status: PkiStatus,
    /// The statusString texts (empty when absent).
    pub status_text: Vec<String>,
    /// Numbers of the failInfo bits set (empty when absent); see [`FailureInfo`].
    pub failure_bits: Vec<u32>,
    /// The token, present exactly when the status is granted or grantedWithMods.
    pub token: Option<ParsedToken>,
}

impl ParsedResponse {
    /// Whether failInfo has `failure` set.
    pub fn has_failure(&self, failure: FailureInfo) -> bool {
        self.failure_bits.contains(&failure.bit())
    }

    /// The named failInfo bits set.
    pub fn failures(&self) -> Vec<FailureInfo> {
        self.failure_bits
            .iter()
            .filter_map(|b| FailureInfo::from_bit(*b))
            .collect()
    }
}

/// A decoded time-stamp token. Parsing checks its structure only; see
/// [`ParsedToken::verify_signature`].
#[derive(Clone, Debug)]
pub struct ParsedToken {
    /// The token (ContentInfo) DER.
    pub der: Vec<u8>,
    /// The TSTInfo.
    pub tst_info: TstInfo,
    /// The TSTInfo DER, exactly as carried in eContent.
    pub tst_info_der: Vec<u8>,
    /// The signer's digestAlgorithm.
    pub digest_algorithm: ObjectIdentifier,
    /// The signer's signatureAlgorithm.
    pub signature_algorithm: ObjectIdentifier,
    /// The signer identifier.
    pub sid: SignerIdentifier,
    /// The signed attributes, exactly as signed: the DER `SET OF Attribute` (tag 0x31).
    pub signed_attributes_der: Vec<u8>,
    /// The signature value.
    pub signature: Vec<u8>,
    /// Certificates carried in the token (DER), if any.
    pub certificates: Vec<Vec<u8>>,
}

impl ParsedToken {
    /// serialNumber: the INTEGER's content octets (big-endian two's complement).
    pub fn serial(&self) -> &[u8] {
        self.tst_info.serial_number.as_bytes()
    }

    /// nonce: the INTEGER's content octets, when present.
    pub fn nonce(&self) -> Option<&[u8]> {
        self.tst_info.nonce.as_ref().map(Int::as_bytes)
    }

    /// The TSA policy.
    pub fn policy(&self) -> ObjectIdentifier {
        self.tst_info.policy
    }

    /// genTime, Unix milliseconds.
    pub fn gen_time_unix_millis(&self) -> i64 {
        self.tst_info.gen_time.unix_millis()
    }

    /// The message imprint.
    pub fn message_imprint(&self) -> &MessageImprint {
        &self.tst_info.message_imprint
    }

    /// The imprint's hash algorithm, when it is one of ours.
    pub fn hash(&self) -> Option<TsHash> {
        TsHash::from_oid(&self.tst_info.message_imprint.hash_algorithm.oid)
    }

    /// The carried certificate the signer identifier points at, if any.
    pub fn signer_certificate(&self) -> Option<&[u8]> {
        self.certificates
            .iter()
            .find(|c| {
                x509_cert::Certificate::from_der(c).is_ok_and(|cert| identifies(&self.sid, &cert))
            })
            .map(Vec::as_slice)
    }

    /// Check that the token was signed by the key of `cert_der`: the signer identifier
    /// names that certificate, the signed attributes hold contentType id-ct-TSTInfo, the
    /// messageDigest of the TSTInfo and a signingCertificateV2 whose first hash is that of
    /// the certificate, and the signature over them verifies (SM2 with the default ID).
    ///
    /// The certificate itself (chain, validity, extended key usage) is not checked here.
    pub fn verify_signature(&self, cert_der: &[u8]) -> Result<(), TspError> {
        let fail = |s: &str| TspError::Verification(s.to_string());
        let cert = x509_cert::Certificate::from_der(cert_der)?;
        if !identifies(&self.sid, &cert) {
            return Err(fail("the signer identifier does not name this certificate"));
        }
        let attrs = SetOfVec::<Attribute>::from_der(&self.signed_attributes_der)?;
        let single = |oid: ObjectIdentifier| -> Result<&Any, TspError> {
            let mut found = attrs.iter().filter(|a| a.oid == oid);
            match (found.next(), found.next()) {
                (Some(a), None) if a.values.len() == 1 => a
                    .values
                    .iter()
                    .next()
                    .ok_or_else(|| fail("empty attribute")),
                _ => Err(TspError::Verification(format!(
                    "signed attribute {oid} must be present once with one value"
                ))),
            }
        };
        if single(oid::CONTENT_TYPE)?.decode_as::<ObjectIdentifier>()? != oid::CT_TST_INFO {
            return Err(fail("contentType is not id-ct-TSTInfo"));
        }
        let digest = TsHash::from_oid(&self.digest_algorithm)
            .ok_or_else(|| fail("unsupported digest algorithm"))?;
        let md = single(oid::MESSAGE_DIGEST)?.decode_as::<OctetString>()?;
        if md.as_bytes() != digest.digest(&self.tst_info_der).as_slice() {
            return Err(fail("messageDigest does not match the TSTInfo"));
        }
        let ess = single(oid::SIGNING_CERTIFICATE_V2)?.decode_as::<SigningCertificateV2>()?;
        let first = ess
            .certs
            .first()
            .ok_or_else(|| fail("signingCertificateV2 lists no certificate"))?;
        let ess_hash = match &first.hash_algorithm {
            None => TsHash::Sha256,
            Some(a) => TsHash::from_oid(&a.oid)
                .ok_or_else(|| fail("unsupported signingCertificateV2 hash"))?,
        };
        if first.cert_hash.as_bytes() != ess_hash.digest(cert_der).as_slice() {
            return Err(fail("signingCertificateV2 names another certificate"));
        }
        let spki = cert.tbs_certificate().subject_public_key_info().to_der()?;
        crate::crypto::verify::verify_signature(
            &spki,
            self.signature_algorithm,
            None,
            &self.signed_attributes_der,
            &self.signature,
        )
        .map_err(|e| TspError::Verification(e.to_string()))
    }
}

/// Whether `sid` names `cert`.
fn identifies(sid: &SignerIdentifier, cert: &x509_cert::Certificate) -> bool {
    let tbs = cert.tbs_certificate();
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => {
            isn.issuer == *tbs.issuer() && isn.serial_number == *tbs.serial_number()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => tbs
            .get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .is_some_and(|(_, own)| own == *ski),
    }
}

/// Decode a DER `TimeStampResp`. A granted response must carry a token, which is parsed
/// with [`parse_token`]; a token in any other response is ignored.
pub fn parse_response(der_bytes: &[u8]) -> Result<ParsedResponse, TspError> {
    let resp = TimeStampResp::from_der(der_bytes)?;
    let failure_bits = resp
        .status
        .fail_info
        .as_ref()
        .map(|bits| {
            bits.bits()
                .enumerate()
                .filter(|(_, set)| *set)
                .filter_map(|(i, _)| u32::try_from(i).ok())
                .collect()
        })
        .unwrap_or_default();
    let granted = matches!(
        resp.status.status,
        PkiStatus::Granted | PkiStatus::GrantedWithMods
    );
    let token = match (granted, resp.time_stamp_token) {
        (true, Some(ci)) => Some(parse_content_info(&ci)?),
        (true, None) => {
            return Err(TspError::Malformed(
                "a granted response without a token".into(),
            ));
        }
        (false, _) => None,
    };
    Ok(ParsedResponse {
        status: resp.status.status,
        status_text: resp.status.status_string.unwrap_or_default(),
        failure_bits,
        token,
    })
}

/// Decode a DER time-stamp token (`ContentInfo` holding a `SignedData` over a TSTInfo).
pub fn parse_token(der_bytes: &[u8]) -> Result<ParsedToken, TspError> {
    parse_content_info(&ContentInfo::from_der(der_bytes)?)
}

fn parse_content_info(ci: &ContentInfo) -> Result<ParsedToken, TspError> {
    let malformed = |s: &str| TspError::Malformed(s.to_string());
    if ci.content_type != oid::SIGNED_DATA {
        return Err(malformed("the token is not a SignedData"));
    }
    let sd_der = ci.content.to_der()?;
    let sd = SignedData::from_der(&sd_der)?;
    if sd.encap_content_info.econtent_type != oid::CT_TST_INFO {
        return Err(malformed("the token does not hold a TSTInfo"));
    }
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| malformed("the token has no eContent"))?;
    if econtent.tag() != Tag::OctetString {
        return Err(malformed("eContent is not an OCTET STRING"));
    }
    let tst_info_der = econtent.value().to_vec();
    let tst_info = TstInfo::from_der(&tst_info_der)?;
    let mut infos = sd.signer_infos.0.iter();
    let si = match (infos.next(), infos.next()) {
        (Some(si), None) => si,
        _ => return Err(malformed("a token has exactly one SignerInfo")),
    };
    let certificates = sd
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(cert) => cert.to_der().ok(),
            CertificateChoices::Other(_) => None,
        })
        .collect();
    Ok(ParsedToken {
        der: ci.to_der()?,
        tst_info,
        tst_info_der,
        digest_algorithm: si.digest_alg.oid,
        signature_algorithm: si.signature_algorithm.oid,
        sid: si.sid.clone(),
        signed_attributes_der: raw_signed_attributes(&sd_der)?,
        signature: si.signature.as_bytes().to_vec(),
        certificates,
    })
}

/// The signed attributes of the (single) SignerInfo of a DER SignedData, exactly as
/// encoded, re-tagged from `[0] IMPLICIT` to SET (0x31) as RFC 5652 §5.4 signs them.
/// Read from the raw bytes: a decoded and re-encoded SET OF would be re-sorted.
fn raw_signed_attributes(signed_data_der: &[u8]) -> Result<Vec<u8>, TspError> {
    let missing = || TspError::Malformed("the SignerInfo has no signed attributes".into());
    let sd = AnyRef::from_der(signed_data_der)?;
    let mut r = SliceReader::new(sd.value())?;
    // version, digestAlgorithms (a SET too), encapContentInfo, then [0] certificates and
    // [1] crls (optional), then signerInfos (SET).
    for _ in 0..3 {
        AnyRef::decode(&mut r)?;
    }
    let mut element = AnyRef::decode(&mut r)?;
    while element.tag() != Tag::Set {
        element = AnyRef::decode(&mut r)?;
    }
    let mut infos = SliceReader::new(element.value())?;
    let si = AnyRef::decode(&mut infos)?;
    let mut fields = SliceReader::new(si.value())?;
    for _ in 0..3 {
        // version, sid, digestAlgorithm
        AnyRef::decode(&mut fields)?;
    }
    let attrs = AnyRef::decode(&mut fields)?;
    let tag = attrs.tag();
    if !(tag.is_context_specific() && tag.is_constructed() && tag.number().value() == 0) {
        return Err(missing());
    }
    Ok(Any::new(Tag::Set, attrs.value())?.to_der()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::PrivateKey;
    use crate::pki::cert::{self, CertificateTemplate, NameBuilder, StringKind, attr};

    const POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.32473.1.3.1");
    const T0: i64 = 1_767_225_600_123; // 2026-01-01T00:00:00.123Z

    fn policy() -> TsaPolicy {
        TsaPolicy {
            policy: POLICY,
            accuracy_seconds: 1,
        }
    }

    /// A self-signed TSU (the certificate content does not matter to the responder).
    fn unit(alg: Algorithm) -> TsaUnit {
        let key = PrivateKey::generate(alg).unwrap();
        let signer = key.signer().unwrap();
        let name = NameBuilder::new()
            .push(attr::CN, StringKind::Utf8, "测试 TSU")
            .build()
            .unwrap();
        let tpl = CertificateTemplate {
            serial: vec![0x01, 0x23, 0x45],
            issuer: name.clone(),
            subject: name,
            not_before: 1_700_000_000,
            not_after: 1_900_000_000,
            spki_der: key.public_key_spki_der().unwrap(),
            extensions: vec![
                cert::extensions::extended_key_usage(
                    vec![ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8")],
                    true,
                )
                .unwrap(),
            ],
        };
        let cert_der = cert::sign_certificate(&tpl, &signer).unwrap();
        TsaUnit {
            signer: Arc::new(signer),
            cert_der,
        }
    }

    fn stamp(req: &[u8], u: &TsaUnit) -> ParsedResponse {
        parse_response(&respond(req, T0, 42, &|_| Some(u), &policy())).unwrap()
    }

    fn refused(req: &[u8]) -> ParsedResponse {
        let u = unit(Algorithm::P256);
        let r = stamp(req, &u);
        assert_eq!(r.status, PkiStatus::Rejection);
        assert!(r.token.is_none());
        assert_eq!(r.failure_bits.len(), 1, "{r:?}");
        assert!(!r.status_text.is_empty());
        r
    }

    #[test]
    fn failure_info_is_a_der_named_bit_list() {
        let enc = |f: FailureInfo| FailureInfo::bit_string(&[f]).unwrap().to_der().unwrap();
        assert_eq!(enc(FailureInfo::BadAlg), [0x03, 0x02, 0x07, 0x80]);
        assert_eq!(enc(FailureInfo::BadDataFormat), [0x03, 0x02, 0x02, 0x04]);
        assert_eq!(
            enc(FailureInfo::UnacceptedPolicy),
            [0x03, 0x03, 0x00, 0x00, 0x01]
        );
        assert_eq!(
            enc(FailureInfo::UnacceptedExtension),
            [0x03, 0x04, 0x07, 0x00, 0x00, 0x80]
        );
        assert_eq!(
            enc(FailureInfo::SystemFailure),
            [0x03, 0x05, 0x06, 0x00, 0x00, 0x00, 0x40]
        );
        let both = FailureInfo::bit_string(&[FailureInfo::BadAlg, FailureInfo::BadRequest]);
        assert_eq!(both.unwrap().to_der().unwrap(), [0x03, 0x02, 0x05, 0xa0]);
    }

    #[test]
    fn fallback_rejection_is_the_encoded_system_failure() {
        let resp = TimeStampResp {
            status: PkiStatusInfo {
                status: PkiStatus::Rejection,
                status_string: None,
                fail_info: Some(FailureInfo::bit_string(&[FailureInfo::SystemFailure]).unwrap()),
            },
            time_stamp_token: None,
        };
        assert_eq!(resp.to_der().unwrap(), FALLBACK_REJECTION);
        let parsed = parse_response(FALLBACK_REJECTION).unwrap();
        assert_eq!(parsed.failures(), [FailureInfo::SystemFailure]);
    }

    #[test]
    fn gen_time_keeps_milliseconds_in_der_form() {
        let text = |ms| GenTime::from_unix_millis(ms).unwrap().to_text().unwrap();
        assert_eq!(text(T0 - 123), "20260101000000Z");
        assert_eq!(text(T0), "20260101000000.123Z");
        assert_eq!(text(T0 - 3), "20260101000000.12Z");
        assert_eq!(text(T0 - 118), "20260101000000.005Z");
        for ms in [0, T0, T0 - 3, T0 - 118, MAX_UNIX_MILLIS] {
            let t = GenTime::from_unix_millis(ms).unwrap();
            assert_eq!(GenTime::from_der(&t.to_der().unwrap()).unwrap(), t);
        }
        assert_eq!(
            GenTime::from_text(b"20260101000000.1239999Z").map(GenTime::unix_millis),
            Some(T0)
        );
        for bad in [
            &b"20260101000000"[..],
            b"20260101000000+0800",
            b"20260101000000.Z",
            b"20261301000000Z",
            b"2026010100000Z",
            b"",
        ] {
            assert_eq!(
                GenTime::from_text(bad),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(GenTime::from_unix_millis(-1).is_err());
        assert!(GenTime::from_unix_millis(MAX_UNIX_MILLIS + 1).is_err());
    }

    #[test]
    fn request_round_trip() {
        let digest = [7u8; 32];
        let der_bytes = build_request(TsHash::Sm3, &digest, Some(&[0x80, 1]), true).unwrap();
        let req = TimeStampReq::from_der(&der_bytes).unwrap();
        assert_eq!(req.message_imprint.hash_algorithm.oid, alg::SM3);
        assert_eq!(req.message_imprint.hashed_message.as_bytes(), digest);
        assert_eq!(req.nonce.unwrap().as_bytes(), [0x00, 0x80, 0x01]);
        assert!(req.cert_req);
        // certReq FALSE is the DEFAULT: not encoded.
        let plain = build_request(TsHash::Sha256, &[0u8; 32], None, false).unwrap();
        assert_eq!(plain.len(), 2 + 3 + 2 + 13 + 34);
        assert!(matches!(
            build_request(TsHash::Sha512, &digest, None, false),
            Err(TspError::DigestLength {
                expected: 64,
                actual: 32,
                ..
            })
        ));
        assert!(matches!(
            build_request(TsHash::Sha256, &digest, Some(&[]), false),
            Err(TspError::EmptyNonce)
        ));
    }

    #[test]
    fn hash_names_and_oids() {
        for h in TsHash::ALL {
            assert_eq!(TsHash::from_oid(&h.oid()), Some(h));
            assert_eq!(h.as_str().parse::<TsHash>().unwrap(), h);
            assert_eq!(h.digest(b"abc").len(), h.output_len());
        }
        assert_eq!("SHA-256".parse::<TsHash>().unwrap(), TsHash::Sha256);
        assert!("sha1".parse::<TsHash>().is_err());
        assert_eq!(TsHash::from_oid(&alg::SHA1), None);
    }

    #[test]
    fn granted_tokens_verify_for_both_algorithms() {
        for (alg_, hash, digest_oid, sig_oid) in [
            (
                Algorithm::P256,
                TsHash::Sha384,
                alg::SHA256,
                alg::ECDSA_SHA256,
            ),
            (Algorithm::Sm2, TsHash::Sm3, alg::SM3, alg::SM2_SIGN),
        ] {
            let u = unit(alg_);
            let digest = hash.digest(b"hello");
            let nonce = [0xffu8; 20];
            let req = build_request(hash, &digest, Some(&nonce), true).unwrap();
            let r = stamp(&req, &u);
            assert_eq!(r.status, PkiStatus::Granted);
            assert!(r.failure_bits.is_empty());
            let t = r.token.unwrap();
            assert_eq!(t.serial(), [42]);
            assert_eq!(t.gen_time_unix_millis(), T0);
            assert_eq!(t.policy(), POLICY);
            assert_eq!(t.hash(), Some(hash));
            assert_eq!(t.message_imprint().hashed_message.as_bytes(), digest);
            let mut want_nonce = vec![0u8];
            want_nonce.extend_from_slice(&nonce);
            assert_eq!(t.nonce(), Some(want_nonce.as_slice()));
            assert_eq!(t.digest_algorithm, digest_oid);
            assert_eq!(t.signature_algorithm, sig_oid);
            assert_eq!(t.tst_info.accuracy.as_ref().unwrap().seconds, Some(1));
            assert_eq!(t.certificates, std::slice::from_ref(&u.cert_der));
            assert_eq!(t.signer_certificate(), Some(u.cert_der.as_slice()));
            t.verify_signature(&u.cert_der).unwrap();
            // Another key's certificate does not verify.
            let other = unit(alg_);
            assert!(t.verify_signature(&other.cert_der).is_err());
            // Nor does a tampered signature.
            let mut bad = t.clone();
            let last = bad.signed_attributes_der.len() - 1;
            bad.signed_attributes_der[last] ^= 1;
            assert!(bad.verify_signature(&u.cert_der).is_err());
            // The token parses on its own.
            assert_eq!(parse_token(&t.der).unwrap().tst_info, t.tst_info);
        }
    }

    #[test]
    fn signed_attributes_are_a_sorted_der_set() {
        let u = unit(Algorithm::P256);
        let req = build_request(TsHash::Sha256, &[1u8; 32], None, false).unwrap();
        let t = stamp(&req, &u).token.unwrap();
        assert!(t.certificates.is_empty(), "certReq false: no certificate");
        assert_eq!(t.signer_certificate(), None);
        t.verify_signature(&u.cert_der).unwrap();
        let set = AnyRef::from_der(&t.signed_attributes_der).unwrap();
        assert_eq!(set.tag(), Tag::Set);
        let mut r = SliceReader::new(set.value()).unwrap();
        let mut elements = Vec::new();
        while !r.is_finished() {
            elements.push(AnyRef::decode(&mut r).unwrap().to_der().unwrap());
        }
        assert_eq!(elements.len(), 4);
        let mut sorted = elements.clone();
        sorted.sort();
        assert_eq!(elements, sorted);
        let oids: Vec<_> = elements
            .iter()
            .map(|e| Attribute::from_der(e).unwrap().oid)
            .collect();
        for o in [
            oid::CONTENT_TYPE,
            oid::MESSAGE_DIGEST,
            oid::SIGNING_TIME,
            oid::SIGNING_CERTIFICATE_V2,
        ] {
            assert!(oids.contains(&o));
        }
    }

    #[test]
    fn large_serials_are_not_truncated() {
        let u = unit(Algorithm::P256);
        let req = build_request(TsHash::Sha256, &[1u8; 32], None, false).unwrap();
        let resp = respond(&req, T0, u64::MAX, &|_| Some(&u), &policy());
        let t = parse_response(&resp).unwrap().token.unwrap();
        assert_eq!(
            t.serial(),
            [0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
    }

    #[test]
    fn rejections_carry_the_right_bit() {
        let bit = |r: ParsedResponse| r.failures();
        assert_eq!(bit(refused(b"")), [FailureInfo::BadDataFormat]);
        assert_eq!(
            bit(refused(b"\x30\x03\x02\x01\x01")),
            [FailureInfo::BadDataFormat]
        );
        // Version 2.
        let mut v2 = build_request(TsHash::Sha256, &[0u8; 32], None, false).unwrap();
        v2[4] = 2;
        assert_eq!(bit(refused(&v2)), [FailureInfo::BadDataFormat]);

        let with_imprint = |oid: ObjectIdentifier, len: usize| TimeStampReq {
            version: TspVersion::V1,
            message_imprint: MessageImprint {
                hash_algorithm: AlgorithmIdentifierOwned {
                    oid,
                    parameters: None,
                },
                hashed_message: OctetString::new(vec![5u8; len]).unwrap(),
            },
            req_policy: None,
            nonce: None,
            cert_req: false,
            extensions: None,
        };
        let sha1 = with_imprint(alg::SHA1, 20).to_der().unwrap();
        assert_eq!(bit(refused(&sha1)), [FailureInfo::BadAlg]);
        let short = with_imprint(alg::SHA256, 20).to_der().unwrap();
        assert_eq!(bit(refused(&short)), [FailureInfo::BadDataFormat]);

        let mut with_params = with_imprint(alg::SHA256, 32);
        with_params.message_imprint.hash_algorithm.parameters = Some(Any::null());
        let u = unit(Algorithm::P256);
        let ok = stamp(&with_params.to_der().unwrap(), &u);
        assert_eq!(
            ok.status,
            PkiStatus::Granted,
            "NULL parameters are accepted"
        );
        with_params.message_imprint.hash_algorithm.parameters =
            Some(Any::encode_from(&1u8).unwrap());
        let bad_params = with_params.to_der().unwrap();
        assert_eq!(bit(refused(&bad_params)), [FailureInfo::BadAlg]);

        let mut ours = with_imprint(alg::SHA256, 32);
        ours.req_policy = Some(POLICY);
        assert_eq!(
            stamp(&ours.to_der().unwrap(), &u).status,
            PkiStatus::Granted
        );
        let mut other = ours.clone();
        other.req_policy = Some(ObjectIdentifier::new_unwrap("1.2.3.4"));
        assert_eq!(
            bit(refused(&other.to_der().unwrap())),
            [FailureInfo::UnacceptedPolicy]
        );
        let mut ext = ours.clone();
        ext.extensions = Some(vec![x509_cert::ext::Extension {
            extn_id: ObjectIdentifier::new_unwrap("1.2.3.4.5"),
            critical: false,
            extn_value: OctetString::new(vec![0x05, 0x00]).unwrap(),
        }]);
        assert_eq!(
            bit(refused(&ext.to_der().unwrap())),
            [FailureInfo::UnacceptedExtension]
        );

        // No unit for the algorithm.
        let req = build_request(TsHash::Sm3, &[0u8; 32], None, false).unwrap();
        let r = parse_response(&respond(&req, T0, 1, &|_| None, &policy())).unwrap();
        assert_eq!(r.failures(), [FailureInfo::BadAlg]);
        // No time.
        let r = parse_response(&respond(&req, -5, 1, &|_| Some(&u), &policy())).unwrap();
        assert_eq!(r.failures(), [FailureInfo::TimeNotAvailable]);
        // A key that does not match its certificate.
        let mixed = TsaUnit {
            signer: unit(Algorithm::P256).signer,
            cert_der: u.cert_der.clone(),
        };
        let r = parse_response(&respond(&req, T0, 1, &|_| Some(&mixed), &policy())).unwrap();
        assert_eq!(r.failures(), [FailureInfo::SystemFailure]);
    }

    #[test]
    fn mutated_requests_never_panic() {
        let u = unit(Algorithm::Sm2);
        let valid = build_request(TsHash::Sm3, &[9u8; 32], Some(&[1, 2, 3]), true).unwrap();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..300 {
            let mut m = valid.clone();
            match next() % 3 {
                0 => {
                    let i = (next() as usize) % m.len();
                    m[i] ^= 1 << (next() % 8);
                }
                1 => m.truncate((next() as usize) % m.len()),
                _ => {
                    let i = (next() as usize) % m.len();
                    m[i] = next() as u8;
                }
            }
            let resp = respond(&m, T0, 7, &|_| Some(&u), &policy());
            let parsed = parse_response(&resp).unwrap();
            assert!(matches!(
                parsed.status,
                PkiStatus::Granted | PkiStatus::Rejection
            ));
        }
    }

    #[test]
    fn explicit_cert_req_false_is_tolerated() {
        // DER omits a DEFAULT value, but some clients encode certReq FALSE anyway.
        let mut der_bytes = build_request(TsHash::Sha256, &[0u8; 32], None, false).unwrap();
        der_bytes.extend_from_slice(&[0x01, 0x01, 0x00]);
        der_bytes[1] += 3;
        let u = unit(Algorithm::P256);
        let t = stamp(&der_bytes, &u).token.unwrap();
        assert!(t.certificates.is_empty());
    }
}
