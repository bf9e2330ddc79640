//! The RFC 3161 time-stamp protocol structures as `der` derives: [`TimeStampReq`],
//! [`TimeStampResp`], [`TstInfo`], [`MessageImprint`], [`Accuracy`], [`PkiStatusInfo`],
//! [`PkiStatus`], [`FailureInfo`] and [`TspVersion`]; named and shaped like the RustCrypto
//! `x509-tsp` crate's.
//!
//! Owns the structure definitions; must not import the responder, the client, token parsing
//! or any signing.

use super::{GenTime, TsHash, TspError};
use cms::content_info::ContentInfo;
use const_oid::ObjectIdentifier;
use der::asn1::{BitString, Int, OctetString};
use der::{Enumerated, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::name::GeneralName;

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
