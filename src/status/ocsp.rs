//! OCSP (RFC 6960, RFC 5019 profile): the ASN.1 structures, request parsing, issuer
//! matching by CertID (SHA-1, SHA-256 or SM3: [`IdHash`], a subset of
//! [`HashAlg`](crate::crypto::HashAlg)) and signed responses; reasons are `x509_cert`'s
//! [`CrlReason`].
//!
//! Owns the OCSP wire format and the responder's signing; must not import the status service,
//! the store, HTTP or the verifier.
//!
//! The OCSP module of RFC 6960 uses EXPLICIT tags unless marked IMPLICIT.

use crate::crypto::hash::hash_subset;
use crate::crypto::{CryptoError, Signer};
use crate::pki::revocation::crl_reason;
use const_oid::ObjectIdentifier;
use der::asn1::{BitString, GeneralizedTime, Null, OctetString};
use der::{Choice, Decode, Encode, Enumerated, Sequence};
use spki::AlgorithmIdentifierOwned;
use std::time::Duration;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::CrlReason;
use x509_cert::serial_number::SerialNumber;

/// id-pkix-ocsp-basic
pub const OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// id-pkix-ocsp-nonce
pub const OCSP_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");

/// ```text
/// CertID ::= SEQUENCE {
///     hashAlgorithm       AlgorithmIdentifier,
///     issuerNameHash      OCTET STRING, -- Hash of issuer's DN
///     issuerKeyHash       OCTET STRING, -- Hash of issuer's public key
///     serialNumber        CertificateSerialNumber }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct CertId {
    /// Hash algorithm.
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// Hash of the issuer's DN.
    pub issuer_name_hash: OctetString,
    /// Hash of the issuer's public key (BIT STRING value).
    pub issuer_key_hash: OctetString,
    /// Serial number.
    pub serial_number: SerialNumber,
}

/// ```text
/// Request ::= SEQUENCE {
///     reqCert                     CertID,
///     singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Request {
    /// The certificate asked about.
    pub req_cert: CertId,
    /// Extensions.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub single_request_extensions: Option<Vec<Extension>>,
}

/// ```text
/// TBSRequest ::= SEQUENCE {
///     version             [0]     EXPLICIT Version DEFAULT v1,
///     requestorName       [1]     EXPLICIT GeneralName OPTIONAL,
///     requestList                 SEQUENCE OF Request,
///     requestExtensions   [2]     EXPLICIT Extensions OPTIONAL }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TbsRequest {
    /// Version (v1 = 0).
    #[asn1(
        context_specific = "0",
        default = "Default::default",
        tag_mode = "EXPLICIT"
    )]
    pub version: u8,
    /// Requestor name (ignored).
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    pub requestor_name: Option<x509_cert::ext::pkix::name::GeneralName>,
    /// Requests.
    pub request_list: Vec<Request>,
    /// Extensions (nonce).
    #[asn1(context_specific = "2", optional = "true", tag_mode = "EXPLICIT")]
    pub request_extensions: Option<Vec<Extension>>,
}

/// ```text
/// OCSPRequest ::= SEQUENCE {
///     tbsRequest                  TBSRequest,
///     optionalSignature   [0]     EXPLICIT Signature OPTIONAL }
/// ```
/// (the optional signature is accepted and ignored: requests need not be signed.)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct OcspRequest {
    /// The request.
    pub tbs_request: TbsRequest,
    /// Ignored.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub optional_signature: Option<der::Any>,
}

/// ```text
/// OCSPResponseStatus ::= ENUMERATED {
///     successful (0), malformedRequest (1), internalError (2),
///     tryLater (3), sigRequired (5), unauthorized (6) }
/// ```
#[derive(Clone, Copy, Debug, Eq, PartialEq, Enumerated)]
#[repr(u32)]
pub enum ResponseStatus {
    /// Response has valid confirmations.
    Successful = 0,
    /// Illegal confirmation request.
    MalformedRequest = 1,
    /// Internal error in issuer.
    InternalError = 2,
    /// Try again later.
    TryLater = 3,
    /// Must sign the request.
    SigRequired = 5,
    /// Request unauthorized.
    Unauthorized = 6,
}

/// ```text
/// ResponseBytes ::= SEQUENCE { responseType OBJECT IDENTIFIER, response OCTET STRING }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct ResponseBytes {
    /// id-pkix-ocsp-basic.
    pub response_type: ObjectIdentifier,
    /// DER BasicOCSPResponse.
    pub response: OctetString,
}

/// ```text
/// OCSPResponse ::= SEQUENCE {
///     responseStatus         OCSPResponseStatus,
///     responseBytes      [0] EXPLICIT ResponseBytes OPTIONAL }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct OcspResponse {
    /// Status.
    pub response_status: ResponseStatus,
    /// Body when successful.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub response_bytes: Option<ResponseBytes>,
}

/// ```text
/// RevokedInfo ::= SEQUENCE {
///     revocationTime              GeneralizedTime,
///     revocationReason    [0]     EXPLICIT CRLReason OPTIONAL }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct RevokedInfo {
    /// When.
    pub revocation_time: GeneralizedTime,
    /// Why (CRLReason ENUMERATED, encoded by hand as its DER value).
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub revocation_reason: Option<CrlReasonValue>,
}

/// A CRLReason ENUMERATED value as received: any one-octet value, so that a response with a
/// code RFC 5280 does not define still parses (the typed [`CrlReason`] would refuse it).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct CrlReasonValue(pub u8);

impl CrlReasonValue {
    /// The reason, if RFC 5280 defines this code.
    pub fn reason(self) -> Option<CrlReason> {
        CrlReason::try_from(u32::from(self.0)).ok()
    }
}

impl From<CrlReason> for CrlReasonValue {
    fn from(r: CrlReason) -> Self {
        // The codes of CRLReason are 0..=10.
        CrlReasonValue(r as u8)
    }
}

impl der::FixedTag for CrlReasonValue {
    const TAG: der::Tag = der::Tag::Enumerated;
}
impl der::EncodeValue for CrlReasonValue {
    fn value_len(&self) -> der::Result<der::Length> {
        Ok(der::Length::ONE)
    }
    fn encode_value(&self, w: &mut impl der::Writer) -> der::Result<()> {
        w.write_byte(self.0)
    }
}
impl<'a> der::DecodeValue<'a> for CrlReasonValue {
    type Error = der::Error;
    fn decode_value<R: der::Reader<'a>>(r: &mut R, h: der::Header) -> der::Result<Self> {
        let bytes = r.read_vec(h.length())?;
        match bytes.as_slice() {
            [b] => Ok(CrlReasonValue(*b)),
            _ => Err(der::Tag::Enumerated.value_error().into()),
        }
    }
}

/// ```text
/// CertStatus ::= CHOICE {
///     good        [0]     IMPLICIT NULL,
///     revoked     [1]     IMPLICIT RevokedInfo,
///     unknown     [2]     IMPLICIT UnknownInfo }   -- UnknownInfo ::= NULL
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Choice)]
pub enum CertStatus {
    /// Good.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(Null),
    /// Revoked.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    /// Unknown.
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(Null),
}

/// ```text
/// SingleResponse ::= SEQUENCE {
///     certID                       CertID,
///     certStatus                   CertStatus,
///     thisUpdate                   GeneralizedTime,
///     nextUpdate         [0]       EXPLICIT GeneralizedTime OPTIONAL,
///     singleExtensions   [1]       EXPLICIT Extensions OPTIONAL }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SingleResponse {
    /// As asked.
    pub cert_id: CertId,
    /// Status.
    pub cert_status: CertStatus,
    /// thisUpdate.
    pub this_update: GeneralizedTime,
    /// nextUpdate.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub next_update: Option<GeneralizedTime>,
    /// Extensions.
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    pub single_extensions: Option<Vec<Extension>>,
}

/// ```text
/// ResponderID ::= CHOICE {
///     byName   [1] Name,
///     byKey    [2] KeyHash }   -- KeyHash ::= OCTET STRING (SHA-1 of the responder's public key)
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Choice)]
pub enum ResponderId {
    /// By name.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", constructed = "true")]
    ByName(x509_cert::name::Name),
    /// By key hash.
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", constructed = "true")]
    ByKey(OctetString),
}

/// ```text
/// ResponseData ::= SEQUENCE {
///     version              [0] EXPLICIT Version DEFAULT v1,
///     responderID              ResponderID,
///     producedAt               GeneralizedTime,
///     responses                SEQUENCE OF SingleResponse,
///     responseExtensions   [1] EXPLICIT Extensions OPTIONAL }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct ResponseData {
    /// v1 = 0.
    #[asn1(
        context_specific = "0",
        default = "Default::default",
        tag_mode = "EXPLICIT"
    )]
    pub version: u8,
    /// Responder.
    pub responder_id: ResponderId,
    /// When produced.
    pub produced_at: GeneralizedTime,
    /// Answers.
    pub responses: Vec<SingleResponse>,
    /// Extensions (nonce).
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    pub response_extensions: Option<Vec<Extension>>,
}

/// ```text
/// BasicOCSPResponse ::= SEQUENCE {
///     tbsResponseData      ResponseData,
///     signatureAlgorithm   AlgorithmIdentifier,
///     signature            BIT STRING,
///     certs            [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct BasicOcspResponse {
    /// Signed data.
    pub tbs_response_data: ResponseData,
    /// Algorithm.
    pub signature_algorithm: AlgorithmIdentifierOwned,
    /// Signature.
    pub signature: BitString,
    /// The responder's certificate.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub certs: Option<Vec<x509_cert::Certificate>>,
}

/// A bare error response (no body).
pub fn status_only(status: ResponseStatus) -> Vec<u8> {
    OcspResponse {
        response_status: status,
        response_bytes: None,
    }
    .to_der()
    .unwrap_or_else(|_| vec![0x30, 0x03, 0x0a, 0x01, status as u8])
}

hash_subset! {
    /// The hash algorithms a CertID may use (the only place yinxin accepts SHA-1 for OCSP).
    pub enum IdHash {
        /// SHA-1 (the RFC 5019 default).
        Sha1,
        /// SHA-256.
        Sha256,
        /// SM3.
        Sm3,
    }
}

/// The name and key hashes identifying an issuer in CertIDs.
#[derive(Clone, Debug)]
pub struct IssuerHashes {
    /// (hash, nameHash, keyHash) for each supported hash.
    pub by_hash: Vec<(IdHash, Vec<u8>, Vec<u8>)>,
}

impl IssuerHashes {
    /// Compute from the issuer's certificate.
    pub fn of(issuer_cert: &[u8]) -> Result<Self, der::Error> {
        let c = x509_cert::Certificate::from_der(issuer_cert)?;
        let name = c.tbs_certificate().subject().to_der()?;
        let key = c
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes()
            .to_vec();
        Ok(IssuerHashes {
            by_hash: IdHash::ALL
                .iter()
                .map(|h| (*h, h.digest(&name), h.digest(&key)))
                .collect(),
        })
    }

    /// Whether a CertID names this issuer.
    pub fn matches(&self, id: &CertId) -> bool {
        let Some(h) = IdHash::from_oid(&id.hash_algorithm.oid) else {
            return false;
        };
        self.by_hash.iter().any(|(hh, n, k)| {
            *hh == h
                && n.as_slice() == id.issuer_name_hash.as_bytes()
                && k.as_slice() == id.issuer_key_hash.as_bytes()
        })
    }
}

/// What the responder knows about one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Known {
    /// Issued and not revoked.
    Good,
    /// Revoked (or on hold: reason 6) at this time with this reason.
    Revoked {
        /// Unix seconds.
        at: i64,
        /// RFC 5280 reason code; 0 is sent as no reason.
        reason: i64,
    },
    /// Not issued by this CA.
    Unknown,
}

/// A parsed request.
#[derive(Clone, Debug)]
pub struct ParsedRequest {
    /// The CertIDs asked about.
    pub ids: Vec<CertId>,
    /// The nonce extension (its full extension, echoed as is), if any.
    pub nonce: Option<Extension>,
}

/// Most CertIDs answered in one request.
pub const MAX_REQUESTS: usize = 16;

/// Parse a DER OCSPRequest.
pub fn parse_request(der_bytes: &[u8]) -> Result<ParsedRequest, ResponseStatus> {
    let req = OcspRequest::from_der(der_bytes).map_err(|_| ResponseStatus::MalformedRequest)?;
    let list = req.tbs_request.request_list;
    if list.is_empty() || list.len() > MAX_REQUESTS {
        return Err(ResponseStatus::MalformedRequest);
    }
    let nonce = req
        .tbs_request
        .request_extensions
        .unwrap_or_default()
        .into_iter()
        .find(|e| e.extn_id == OCSP_NONCE);
    if let Some(n) = &nonce
        && (n.extn_value.as_bytes().is_empty() || n.extn_value.as_bytes().len() > 128)
    {
        return Err(ResponseStatus::MalformedRequest);
    }
    Ok(ParsedRequest {
        ids: list.into_iter().map(|r| r.req_cert).collect(),
        nonce,
    })
}

/// The delegated responder: its signer and certificate.
pub struct Responder {
    /// Signer.
    pub signer: std::sync::Arc<dyn Signer>,
    /// Its certificate (DER), included in responses.
    pub cert: x509_cert::Certificate,
    /// SHA-1 of its public key (ResponderID byKey).
    pub key_hash: Vec<u8>,
}

impl Responder {
    /// A responder over a signer and its certificate.
    pub fn new(signer: std::sync::Arc<dyn Signer>, cert_der: &[u8]) -> Result<Self, der::Error> {
        let cert = x509_cert::Certificate::from_der(cert_der)?;
        let key = cert
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes()
            .to_vec();
        Ok(Responder {
            signer,
            key_hash: IdHash::Sha1.digest(&key),
            cert,
        })
    }
}

fn gt(secs: i64) -> Result<GeneralizedTime, CryptoError> {
    let s = u64::try_from(secs).map_err(|_| CryptoError::Encoding("time before 1970".into()))?;
    GeneralizedTime::from_unix_duration(Duration::from_secs(s)).map_err(CryptoError::from)
}

/// Sign a successful response for `answers` (CertID, status) at `now`, valid for `validity`
/// seconds, echoing `nonce`.
pub fn sign_response(
    responder: &Responder,
    answers: Vec<(CertId, Known)>,
    now: i64,
    validity: i64,
    nonce: Option<Extension>,
) -> Result<Vec<u8>, CryptoError> {
    let mut responses = Vec::with_capacity(answers.len());
    for (id, known) in answers {
        let cert_status = match known {
            Known::Good => CertStatus::Good(Null),
            Known::Unknown => CertStatus::Unknown(Null),
            Known::Revoked { at, reason } => CertStatus::Revoked(RevokedInfo {
                revocation_time: gt(at)?,
                // A code RFC 5280 does not define (yinxin stores none) is sent as stored.
                revocation_reason: (reason > 0).then(|| {
                    crl_reason(reason).map_or(CrlReasonValue(reason as u8), CrlReasonValue::from)
                }),
            }),
        };
        responses.push(SingleResponse {
            cert_id: id,
            cert_status,
            this_update: gt(now)?,
            next_update: Some(gt(now + validity)?),
            single_extensions: None,
        });
    }
    let data = ResponseData {
        version: 0,
        responder_id: ResponderId::ByKey(OctetString::new(responder.key_hash.clone())?),
        produced_at: gt(now)?,
        responses,
        response_extensions: nonce.map(|n| vec![n]),
    };
    let tbs = data.to_der()?;
    let sig = responder.signer.sign(&tbs)?;
    let basic = BasicOcspResponse {
        tbs_response_data: data,
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: responder.signer.signature_algorithm_oid(),
            parameters: None,
        },
        signature: BitString::from_bytes(&sig)?,
        certs: Some(vec![responder.cert.clone()]),
    };
    Ok(OcspResponse {
        response_status: ResponseStatus::Successful,
        response_bytes: Some(ResponseBytes {
            response_type: OCSP_BASIC,
            response: OctetString::new(basic.to_der()?)?,
        }),
    }
    .to_der()?)
}

/// Build a request (client side, tests): one CertID per (issuer cert, serial), SHA-1 or
/// another hash, with an optional nonce.
pub fn build_request(
    issuer_cert: &[u8],
    serials: &[Vec<u8>],
    hash: IdHash,
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>, der::Error> {
    let c = x509_cert::Certificate::from_der(issuer_cert)?;
    let name = c.tbs_certificate().subject().to_der()?;
    let key = c
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes()
        .to_vec();
    let oid = hash.oid();
    let mut list = Vec::new();
    for s in serials {
        list.push(Request {
            req_cert: CertId {
                hash_algorithm: AlgorithmIdentifierOwned {
                    oid,
                    parameters: None,
                },
                issuer_name_hash: OctetString::new(hash.digest(&name))?,
                issuer_key_hash: OctetString::new(hash.digest(&key))?,
                serial_number: SerialNumber::new(s)?,
            },
            single_request_extensions: None,
        });
    }
    let exts = match nonce {
        Some(n) => Some(vec![Extension {
            extn_id: OCSP_NONCE,
            critical: false,
            extn_value: OctetString::new(OctetString::new(n)?.to_der()?)?,
        }]),
        None => None,
    };
    OcspRequest {
        tbs_request: TbsRequest {
            version: 0,
            requestor_name: None,
            request_list: list,
            request_extensions: exts,
        },
        optional_signature: None,
    }
    .to_der()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_only_encodes() {
        assert_eq!(
            status_only(ResponseStatus::MalformedRequest),
            vec![0x30, 0x03, 0x0a, 0x01, 0x01]
        );
        assert_eq!(
            status_only(ResponseStatus::Unauthorized),
            vec![0x30, 0x03, 0x0a, 0x01, 0x06]
        );
    }

    #[test]
    fn garbage_is_malformed() {
        for g in [&b""[..], b"\x30\x00", b"hello", b"\x30\x03\x30\x01\x00"] {
            assert_eq!(
                parse_request(g).unwrap_err(),
                ResponseStatus::MalformedRequest
            );
        }
    }
}
